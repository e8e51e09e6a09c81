//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
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

// TestTraceRefusesOthersFileAnywhere: outside a sticky directory too, an
// existing file of another user is refused for the trace, and left as it
// was (not emptied before the check): written in place, the trace would
// stay that user's.
func TestTraceRefusesOthersFileAnywhere(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown a file to another user")
	}
	p := filepath.Join(t.TempDir(), "trace.jsonl")
	if err := os.WriteFile(p, []byte("theirs\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(p, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if f, err := openTrace(p); err == nil {
		f.Close()
		t.Errorf("--trace %s: another user's file was opened for writing in place", p)
	}
	if b, _ := os.ReadFile(p); string(b) != "theirs\n" {
		t.Errorf("the other user's file was changed: %q", b)
	}
	r := wb(t, vars("http://127.0.0.1:1/scim"), "plan", "-f", examplePath("wbsync.yaml"), "--trace", p)
	if r.code != exitError || !strings.Contains(r.stderr, "belongs to another user") {
		t.Errorf("plan --trace: exit %d\n%s", r.code, r.stderr)
	}
}
