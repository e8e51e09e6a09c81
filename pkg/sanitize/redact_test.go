package sanitize

import (
	"errors"
	"strings"
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

// TestWriterSaysWhetherItRedacted: Redacted is false for text that holds
// nothing of the key, and true once a fragment was redacted, whether
// it came in one write, split over two, or was held back until Flush.
func TestWriterSaysWhetherItRedacted(t *testing.T) {
	const key = "secret-key-0123456789"
	for _, tc := range []struct {
		name   string
		writes []string
		want   bool
	}{
		{"clean", []string{"a line\n", "another secr", "et of no key\n"}, false},
		{"one write", []string{"x " + key + " y\n"}, true},
		{"split", []string{"x secret-k", "ey-0123 y\n"}, true},
		{"held to the end", []string{"x ", "key-01234567"}, true},
		// A run of doubly escaped bytes is held back whole until Flush.
		{"doubly escaped, flushed", []string{"x=", "%2573%2565%2563%2572%2565%2574%252D%256B%2565%2579"}, true},
		{"nothing", nil, false},
	} {
		var b strings.Builder
		w := NewRedactor(key).Writer(&b)
		for _, s := range tc.writes {
			w.Write([]byte(s))
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if got := w.Redacted(); got != tc.want || got != strings.Contains(b.String(), Marker) {
			t.Errorf("%s: Redacted() = %v, want %v (wrote %q)", tc.name, got, tc.want, b.String())
		}
	}
}
