//go:build windows

package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// isTTY reports whether f is a console (the NUL device, a character
// device too, is not). A console wbsync writes to must also take the
// escape sequences of colours and progress lines (virtual terminal
// processing, which isTTY turns on): one that cannot, an old console
// host, is no terminal here, and gets the plain output of a pipe rather
// than ←[32m... on the screen. Standard input is asked only whether it is
// a console: the same mode bit means echo there.
func isTTY(f *os.File) bool {
	h := windows.Handle(f.Fd())
	var mode uint32
	if windows.GetConsoleMode(h, &mode) != nil {
		return false
	}
	if f == os.Stdin || mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
		return true
	}
	return windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING) == nil
}

// flushInput discards what was typed on console fd and not read yet, so
// that an answer typed before a question was shown does not answer it.
func flushInput(fd uintptr) {
	_ = windows.FlushConsoleInputBuffer(windows.Handle(fd))
}

// termWidth is console fd's width in columns (0 when unknown).
func termWidth(fd uintptr) int {
	var info windows.ConsoleScreenBufferInfo
	if windows.GetConsoleScreenBufferInfo(windows.Handle(fd), &info) != nil {
		return 0
	}
	return int(info.Window.Right-info.Window.Left) + 1
}

// foreground cannot be told on Windows, which has no background jobs of a
// console: true.
func foreground(uintptr) bool { return true }
