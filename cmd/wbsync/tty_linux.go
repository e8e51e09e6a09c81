//go:build linux && (amd64 || arm64 || 386 || arm || riscv64 || loong64 || s390x)

package main

import (
	"os"
	"syscall"
	"unsafe"
)

// The ioctl requests, as the generic Linux ABI numbers them (the
// architectures in the build line; others use tty_other.go).
const (
	tcgets     = 0x5401
	tcflsh     = 0x540b
	tiocgwinsz = 0x5413
	tiocgpgrp  = 0x540f
)

// isTTY reports whether f is a terminal (it answers the terminal
// attributes request: /dev/null, a character device too, does not).
func isTTY(f *os.File) bool {
	var t syscall.Termios
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), tcgets, uintptr(unsafe.Pointer(&t)))
	return e == 0
}

// flushInput discards what was typed on terminal fd and not read yet, so
// that an answer typed before a question was shown does not answer it.
func flushInput(fd uintptr) {
	_, _, _ = syscall.Syscall(syscall.SYS_IOCTL, fd, tcflsh, syscall.TCIFLUSH)
}

// termWidth is terminal fd's width in columns (0 when unknown).
func termWidth(fd uintptr) int {
	var ws struct{ row, col, x, y uint16 }
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, tiocgwinsz, uintptr(unsafe.Pointer(&ws))); e != 0 {
		return 0
	}
	return int(ws.col)
}

// foreground reports whether this process is in the foreground of
// terminal fd (its process group is the terminal's): a job put in the
// background (Ctrl-Z then bg, or &) is not, and must not redraw lines over
// the shell's prompt. True when it cannot be told.
func foreground(fd uintptr) bool {
	var pgrp int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, tiocgpgrp, uintptr(unsafe.Pointer(&pgrp))); e != 0 {
		return true
	}
	return int(pgrp) == syscall.Getpgrp()
}

// takesEscapes reports whether terminal f shows escape sequences: a
// terminal here does (TERM=dumb aside, which the run checks).
func takesEscapes(*os.File) bool { return true }
