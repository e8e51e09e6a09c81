package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/wbsync/wbsync/pkg/emulator"
)

// TestClockAheadWarned: this machine's clock is 10 days ahead of the
// server's (its Date header says so on every answer). The grace period is
// measured against this machine's clock, as documented, so a user the
// server created an hour ago, by its own clock, looks 10 days old and is
// planned for deactivation; the plan says, once, that the clock is ahead.
// With the clocks together, or without a deactivating policy, nothing is
// said.
func TestClockAheadWarned(t *testing.T) {
	const warning = "ahead of the server's (by its Date header)"
	for _, c := range []struct {
		name   string
		skew   time.Duration
		policy string
		warn   bool
	}{
		{"ahead", -10 * 24 * time.Hour, "policy:\n  unmanagedUsers: deactivate\n", true},
		{"in step", 0, "policy:\n  unmanagedUsers: deactivate\n", false},
		{"behind", 10 * 24 * time.Hour, "policy:\n  unmanagedUsers: deactivate\n", false},
		{"ahead, ignore", -10 * 24 * time.Hour, "", false},
		{"ahead, no grace", -10 * 24 * time.Hour, "policy:\n  unmanagedUsers: deactivate\n  unmanagedGracePeriod: 0\n", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			serverNow := func() time.Time { return time.Now().Add(c.skew) }
			seed := seedOf(t, map[string]any{
				"users": []any{
					map[string]any{"userName": "a@example.com", "organizationRole": "admin", "created": "2020-01-01T00:00:00Z"},
					map[string]any{"userName": "jit@example.com", "organizationRole": "member",
						"created": serverNow().Add(-time.Hour).UTC().Format(time.RFC3339)},
				},
				"teams": []any{map[string]any{"name": "ml", "members": []any{"a@example.com"}}},
			})
			srv, err := emulator.New(emulator.Options{Now: serverNow}, seed, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Date", serverNow().UTC().Format(http.TimeFormat))
				srv.ServeHTTP(w, r)
			}))
			defer hs.Close()
			m := writeFile(t, "m.yaml", "version: 1\n"+c.policy+"users:\n  - email: a@example.com\n    orgRole: admin\nteams:\n  - name: ml\n    members: [a@example.com]\n")
			r := wb(t, vars(hs.URL+"/scim"), "plan", "-f", m, "-o", "json")
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			if n := strings.Count(r.stderr, warning); n != map[bool]int{true: 1}[c.warn] {
				t.Errorf("the clock warning said %d time(s), want it %v:\n%s", n, c.warn, r.stderr)
			}
			if c.name == "ahead" && (!strings.Contains(r.stdout, `"deactivate_user"`) || !strings.Contains(r.stderr, "10 days ahead")) {
				t.Errorf("measured against this machine's clock, jit@example.com looks 10 days old and is deactivated, and the warning says by how much:\n%s\n%s", r.stdout, r.stderr)
			}
		})
	}
}
