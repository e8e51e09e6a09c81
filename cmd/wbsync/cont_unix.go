//go:build unix

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// onContinue calls f each time the process is continued after a stop
// (SIGCONT: Ctrl-Z, then fg or bg), until the returned function is
// called.
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
				f()
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
