//go:build linux

package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestTraceRootRefusesOthersFileInSticky: the trace is written in place
// (O_TRUNC), not renamed, so root too would hand it to the file's owner:
// another user's file in a sticky directory is refused, root included.
func TestTraceRootRefusesOthersFileInSticky(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown a file to another user")
	}
	dir := t.TempDir()
	sticky := filepath.Join(dir, "tmp")
	if err := os.Mkdir(sticky, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(sticky, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(sticky, "trace.jsonl")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(p, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if _, err := checkOutput(output{"--trace", p, writesOther}); err == nil {
		if f, err := openTrace(p); err == nil {
			f.Close()
			t.Fatalf("--trace %s: another user's file in a sticky directory was opened for writing in place by root", p)
		}
	}
}
