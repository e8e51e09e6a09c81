package bug

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sync/errgroup"
)

// TestRecoverInErrgroup: a goroutine of an errgroup that panics makes
// Wait return its error, naming the panic and where it happened, where
// without Recover Wait would return nil while the process crashes.
func TestRecoverInErrgroup(t *testing.T) {
	var g errgroup.Group
	g.Go(func() (err error) {
		defer Recover(&err)
		_ = third(nil) // a runtime panic
		return nil
	})
	g.Go(func() (err error) {
		defer Recover(&err)
		return nil
	})
	err := g.Wait()
	var be *Error
	if !errors.As(err, &be) || !strings.HasPrefix(err.Error(), "internal error (a bug in wbsync; please report it): runtime error: index out of range [2] with length 0 (at bug_test.go:") ||
		!strings.Contains(string(be.Stack), "TestRecoverInErrgroup") {
		t.Fatalf("err = %v", err)
	}
	var ok error
	func() {
		defer Recover(&ok)
	}()
	if ok != nil {
		t.Errorf("no panic: %v", ok)
	}
}

func third(s []int) int { return s[2] }
