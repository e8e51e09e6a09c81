//go:build unix

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// onContinue calls f each time the process is continued after a stop
// (SIGCONT: Ctrl-Z, then fg) in the foreground of its terminal, until the
// returned function is called: continued in the background (bg), it would
// write over the shell's prompt, and what is typed there would answer it.
func onContinue(f func()) (stop func()) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGCONT)
	done := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		for {
			select {
			case <-c:
				if foreground(os.Stdin.Fd()) {
					f()
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(c)
		close(done)
		<-ended // f is not running, and never runs again
	}
}
