package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/emulator"
)

// TestUnreviewableManifestInThePlan: a manifest saved as UTF-16 (git shows
// its changes as binary) plans as its UTF-8 twin does, and the plan itself
// says so, in every view, so that the reviewer of the plan sees it (stderr
// is a CI log). A saved plan so made applies without the warning reading as
// a difference.
func TestUnreviewableManifestInThePlan(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	src, err := os.ReadFile(examplePath("wbsync.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	u16 := []byte{0xFF, 0xFE}
	for _, r := range string(src) {
		if r > 0xFFFF {
			t.Fatal("the example holds a character above U+FFFF")
		}
		u16 = append(u16, byte(r), byte(r>>8))
	}
	m := filepath.Join(t.TempDir(), "org.yaml")
	if err := os.WriteFile(m, u16, 0o600); err != nil {
		t.Fatal(err)
	}
	const code = `"code": "manifest_unreviewable"`
	if r := wb(t, vars(emu.url), "plan", "-f", examplePath("wbsync.yaml"), "-o", "json"); r.code != exitOK || strings.Contains(r.stdout, code) {
		t.Fatalf("UTF-8 manifest: exit %d, or warned:\n%s", r.code, r.stdout)
	}
	r := wb(t, vars(emu.url), "plan", "-f", m, "-o", "json")
	if r.code != exitOK || strings.Count(r.stdout, code) != 1 || !strings.Contains(r.stdout, "org.yaml:1:1: the file is UTF-16") {
		t.Fatalf("UTF-16 manifest: exit %d, want one manifest_unreviewable warning:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := wb(t, vars(emu.url), "plan", "-f", m, "-o", "markdown"); !strings.Contains(r.stdout, "> **The manifest's diff does not show what wbsync reads:** 1 manifest file(s)") {
		t.Errorf("the markdown comment has no banner for the unreviewable file:\n%s", r.stdout)
	}
	for _, o := range []string{"text", "markdown"} {
		if r := wb(t, vars(emu.url), "plan", "-f", m, "-o", o); !strings.Contains(r.stdout, "manifest_unreviewable") || !strings.Contains(r.stdout, "Binary files differ") {
			t.Errorf("-o %s does not show the warning:\n%s", o, r.stdout)
		}
	}
	planPath := filepath.Join(t.TempDir(), "plan.json")
	if r := wb(t, vars(emu.url), "plan", "-f", m, "--out", planPath); r.code != exitOK {
		t.Fatalf("plan --out: exit %d\n%s", r.code, r.stderr)
	}
	if r := wb(t, vars(emu.url), "apply", planPath, "--auto-approve"); r.code != exitOK || strings.Contains(r.stderr, "no longer warned") {
		t.Fatalf("apply PLANFILE: exit %d\n%s", r.code, r.stderr)
	}
}
