package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestManifestLinkToNoPath: a repository link whose target has no path (a
// file descriptor of this process on a deleted file, as /proc shows it; a
// pipe is the same) is refused as leading outside the working directory,
// and what it holds is never quoted.
func TestManifestLinkToNoPath(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "creds.txt")
	if err := os.WriteFile(secret, []byte("ghp_SECRETSECRET\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(secret)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.Remove(secret); err != nil { // the link now resolves to "creds.txt (deleted)"
		t.Fatal(err)
	}
	repo := filepath.Join(dir, "repo")
	if err := os.Mkdir(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/proc/self/fd/"+strconv.Itoa(int(f.Fd())), filepath.Join(repo, "wbsync.yaml")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(repo)
	for _, args := range [][]string{{"validate"}, {"validate", "-f", "wbsync.yaml"}} {
		r := wb(t, nil, args...)
		if r.code != exitError || !strings.Contains(r.stderr, "leads through a symbolic link outside the working directory, to a target that has no path (such as a pipe, or a deleted file): not read") || strings.Contains(r.stderr, "name that path itself") || strings.Contains(r.stdout+r.stderr, "SECRET") {
			t.Errorf("%q: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
}
