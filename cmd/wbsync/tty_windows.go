//go:build windows

package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// isTTY reports whether f is a console (the NUL device, a character
// device too, is not).
func isTTY(f *os.File) bool {
	var mode uint32
	return windows.GetConsoleMode(windows.Handle(f.Fd()), &mode) == nil
}

// takesEscapes reports whether console f shows the escape sequences of
// colours and progress lines, turning on its virtual terminal processing
// when it is off: an old console host cannot, and would show ←[32m...
func takesEscapes(f *os.File) bool {
	h := windows.Handle(f.Fd())
	var mode uint32
	if windows.GetConsoleMode(h, &mode) != nil {
		return true // no console: nothing to turn on
	}
	if mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
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
