package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/emulator"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// reportDeactivating applies a manifest that deactivates the unmanaged
// live user handle, with --report, and returns the report file and the run.
func reportDeactivating(t *testing.T, handle string) ([]byte, result) {
	t.Helper()
	emu := startEmu(t, emulator.Options{}, writeState(t, map[string]any{
		"users": []any{
			map[string]any{"userName": "a@example.com", "organizationRole": "admin"},
			map[string]any{"userName": handle},
		},
	}))
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\n    orgRole: admin\npolicy:\n  unmanagedUsers: deactivate\n  unmanagedGracePeriod: 0s\n  limits:\n    maxDeactivations: 5\n")
	rep := filepath.Join(t.TempDir(), "report.json")
	r := wb(t, vars(emu.url), "apply", "-f", m, "--auto-approve", "--report", rep)
	b, err := os.ReadFile(rep)
	if err != nil {
		t.Fatalf("apply: exit %d, no report: %v\n%s", r.code, err, r.stderr)
	}
	return b, r
}

// TestReportFileRedacted: a live value holding 8 or more characters of
// the API key (an unmanaged user's handle) reaches the --report file only
// redacted: apply's report writer goes through the redactor.
func TestReportFileRedacted(t *testing.T) {
	piece := testKey[16:24]
	b, r := reportDeactivating(t, "old"+piece+"@example.com")
	if strings.Contains(string(b), piece) {
		t.Fatalf("the report holds the key's piece %q:\n%s", piece, b)
	}
	if !strings.Contains(string(b), sanitize.Marker) {
		t.Fatalf("the report does not name the deactivated user at all (exit %d); the test proves nothing:\n%s\nSTDOUT %s\nSTDERR %s", r.code, b, r.stdout, r.stderr)
	}
}

// TestReportFileEscaped: a live value holding a bidi override reaches the
// --report file escaped (\u202e), as in every JSON output.
func TestReportFileEscaped(t *testing.T) {
	b, r := reportDeactivating(t, "old\u202egpj.exe@example.com")
	if strings.ContainsRune(string(b), '\u202e') {
		t.Fatalf("the report holds a raw U+202E:\n%q", b)
	}
	if !strings.Contains(strings.ToLower(string(b)), `\u202e`) {
		t.Fatalf("the report does not name the deactivated user escaped (exit %d); the test proves nothing:\n%s\n%s", r.code, b, r.stderr)
	}
}
