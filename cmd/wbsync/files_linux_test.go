package main

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestOutputThroughFdLinkToPipe: an output named through /proc/self/fd (as
// /dev/stdout is, with standard output a pipe: plan --out /dev/stdout |
// tee) is refused as a pipe, not as a link that cannot be reached (its
// text, "pipe:[N]", is no path).
func TestOutputThroughFdLinkToPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	p := "/proc/self/fd/" + strconv.Itoa(int(w.Fd()))
	if _, err := outputTarget(p); err == nil || !strings.Contains(err.Error(), p+" is not a regular file (a device, pipe or socket)") {
		t.Errorf("outputTarget(%s): %v", p, err)
	}
}
