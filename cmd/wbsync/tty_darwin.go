//go:build darwin

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// isTTY reports whether f is a terminal (it answers the terminal
// attributes request: /dev/null, a character device too, does not).
func isTTY(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TIOCGETA)
	return err == nil
}

// flushInput discards what was typed on terminal fd and not read yet, so
// that an answer typed before a question was shown does not answer it.
func flushInput(fd uintptr) {
	const fread = 1 // <sys/fcntl.h>: the input queue only
	_ = unix.IoctlSetPointerInt(int(fd), unix.TIOCFLUSH, fread)
}

// termWidth is terminal fd's width in columns (0 when unknown).
func termWidth(fd uintptr) int {
	ws, err := unix.IoctlGetWinsize(int(fd), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}

// foreground reports whether this process is in the foreground of
// terminal fd (its process group is the terminal's): a job put in the
// background (Ctrl-Z then bg, or &) is not, and must not redraw lines over
// the shell's prompt. True when it cannot be told.
func foreground(fd uintptr) bool {
	pgrp, err := unix.IoctlGetInt(int(fd), unix.TIOCGPGRP)
	if err != nil {
		return true
	}
	return pgrp == unix.Getpgrp()
}

// takesEscapes reports whether terminal f shows escape sequences: a
// terminal here does (TERM=dumb aside, which the run checks).
func takesEscapes(*os.File) bool { return true }
