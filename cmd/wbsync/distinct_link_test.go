package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Two outputs not there yet, named through a linked directory, are one
// file: the second written would replace the first (a saved plan lost to
// the metrics file, exit 0).
func TestDistinctOutputsThroughLinkedDir(t *testing.T) {
	dir := t.TempDir()
	e := filepath.Join(dir, "e")
	if err := os.Mkdir(e, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(e, filepath.Join(dir, "e2")); err != nil {
		t.Fatal(err)
	}
	err := distinctFiles(nil,
		output{"--out", filepath.Join(dir, "e", "new.json"), writesPlan},
		output{"--metrics-file", filepath.Join(dir, "e2", "new.json"), writesOther})
	if err == nil || !strings.Contains(err.Error(), "name the same file") {
		t.Fatalf("got %v, want the two outputs refused as one file", err)
	}
	// Distinct files through the link stay accepted.
	if err := distinctFiles(nil,
		output{"--out", filepath.Join(dir, "e", "a.json"), writesPlan},
		output{"--metrics-file", filepath.Join(dir, "e2", "b.json"), writesOther}); err != nil {
		t.Fatalf("distinct files refused: %v", err)
	}
}
