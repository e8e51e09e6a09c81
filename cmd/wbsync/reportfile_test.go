package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// TestReportLostAfterCleanApply: the --report directory disappears during
// the writes; the apply itself goes well and verifies. The report cannot be
// written at the end: exit 4 (not 0), saying so, and the report is still
// printed on stdout.
func TestReportLostAfterCleanApply(t *testing.T) {
	reportDir := filepath.Join(t.TempDir(), "out")
	if err := os.Mkdir(reportDir, 0o755); err != nil {
		t.Fatal(err)
	}
	srv := newEmulator(t, "")
	var once sync.Once
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			once.Do(func() {
				if err := os.Remove(reportDir); err != nil {
					t.Error(err)
				}
			})
		}
		srv.ServeHTTP(w, r)
	}))
	defer hs.Close()
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\nteams:\n  - name: ml\n    members: [a@example.com]\n")
	r := wb(t, vars(hs.URL+"/scim"), "apply", "-f", m, "--auto-approve", "--report", filepath.Join(reportDir, "report.json"))
	if r.code != exitFailed || !strings.Contains(r.stderr, "the apply ran, but --report was not written") {
		t.Fatalf("exit %d, want 4 saying --report was not written:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "Verified: the organization matches the manifest.") {
		t.Fatalf("the report was not printed:\n%s", r.stdout)
	}
}
