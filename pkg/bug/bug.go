// Package bug turns a panic in a goroutine (a bug in wbsync) into an
// error. A goroutine that panics ends the process with Go's exit status
// 2, the status --detailed-exitcode gives "the plan has changes"; and an
// errgroup or WaitGroup waiting on it returns while the panic unwinds, so
// that the goroutine that waits could go on with half a read. Deferred
// Recover makes the panic the goroutine's error instead: a read fails
// closed, a write fails (as unknown) alone. It imports nothing of the
// module.
package bug

import (
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
)

// Error is a recovered panic: its value, where it happened (the first
// function outside the runtime, FILE:LINE) and the whole stack.
type Error struct {
	Value any
	At    string
	Stack []byte
}

// Error is one line, for a message or an operation's result; the stack is
// for whoever prints the bug itself.
func (e *Error) Error() string {
	return fmt.Sprintf("internal error (a bug in wbsync; please report it): %v (at %s)", e.Value, e.At)
}

// Recover, deferred by a goroutine's function (defer bug.Recover(&err)),
// sets *err to an *Error when the function panics. It must be deferred
// itself, not called from another deferred function, for recover to see
// the panic.
func Recover(err *error) {
	if r := recover(); r != nil {
		if e, ok := r.(*Error); ok { // recovered once already, and raised again
			*err = e
			return
		}
		*err = &Error{Value: r, At: panicSite(), Stack: debug.Stack()}
	}
}

// panicSite is the file and line of the first frame outside the runtime,
// Recover and itself: where the panic happened.
func panicSite() string {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs)])
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "runtime.") && !strings.HasSuffix(f.Function, "/pkg/bug.Recover") && !strings.HasSuffix(f.Function, "/pkg/bug.panicSite") {
			return fmt.Sprintf("%s:%d", filepath.Base(f.File), f.Line)
		}
		if !more {
			return "?"
		}
	}
}
