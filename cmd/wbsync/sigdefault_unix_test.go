//go:build unix

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// A test binary started as a background job of a non-interactive shell
// (cmd &, nohup, some CI runners) or by a parent that ignores SIGINT has
// the signal ignored, and every child it starts inherits that: the tests
// that signal a wbsync child and want the default action (a shell's 130
// by the signal) would see the ignored-at-start behaviour instead. A
// signal this process handles is reset to the default in its children, so
// handle (and drop) each ignored one: this process keeps not reacting to
// it, and the children start as from an interactive shell. (`go test`
// hides this: the go command handles SIGINT itself.)
func init() {
	var ignored []os.Signal
	for _, s := range []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP} {
		if signal.Ignored(s) {
			ignored = append(ignored, s)
		}
	}
	if len(ignored) > 0 {
		signal.Notify(make(chan os.Signal, 1), ignored...)
	}
}
