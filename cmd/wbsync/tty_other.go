//go:build !(linux && (amd64 || arm64 || 386 || arm || riscv64 || loong64 || s390x)) && !darwin && !windows

package main

import "os"

// isTTY reports whether f is a character device (a terminal, or
// /dev/null: other systems are told apart less finely here).
func isTTY(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// flushInput does nothing here.
func flushInput(uintptr) {}

// termWidth is unknown here.
func termWidth(uintptr) int { return 0 }

// foreground cannot be told here: true.
func foreground(uintptr) bool { return true }

// takesEscapes reports whether terminal f shows escape sequences: a
// terminal here does (TERM=dumb aside, which the run checks).
func takesEscapes(*os.File) bool { return true }
