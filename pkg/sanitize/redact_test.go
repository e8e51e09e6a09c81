package sanitize

import (
	"errors"
	"testing"
)

// failAfter is a writer that fails from its n-th write on, recording how
// many bytes it was asked to write.
type failAfter struct{ n, writes, bytes int }

func (f *failAfter) Write(p []byte) (int, error) {
	f.writes++
	f.bytes += len(p)
	if f.writes >= f.n {
		return 0, errors.New("broken pipe")
	}
	return len(p), nil
}

// TestWriterStopsAfterAFailure: once the underlying writer has failed (a
// closed pipe), Write and Flush return that error at once, without
// resending what they kept: a log nobody reads costs nothing.
func TestWriterStopsAfterAFailure(t *testing.T) {
	f := &failAfter{n: 2}
	w := NewRedactor("secret-key-0123456789").Writer(f)
	for range 1000 {
		w.Write([]byte("a log line that goes nowhere\n"))
	}
	if err := w.Flush(); err == nil {
		t.Error("Flush after a failure returned no error")
	}
	if f.writes != 2 || f.bytes > 100 {
		t.Errorf("underlying writer asked %d times for %d bytes; want 2 and no backlog", f.writes, f.bytes)
	}
}
