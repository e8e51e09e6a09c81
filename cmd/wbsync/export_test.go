package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wbsync/wbsync/pkg/desired"
	"github.com/wbsync/wbsync/pkg/emulator"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// rawControl returns the first character of s that a terminal would act on
// or that reorders text (a C0 control other than LF and the given allowed
// ones, DEL, a C1 control, a bidirectional control, an invalid byte), and
// whether there is one.
func rawControl(s string, allowed ...rune) (rune, bool) {
	for _, r := range s {
		if r != '\n' && !slices.Contains(allowed, r) && (r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == utf8.RuneError || sanitize.Invisible(r)) {
			return r, true
		}
	}
	return 0, false
}

// TestExportEscapesServerControls: names a hostile server sends (an OSC
// title, SGR, C1 CSI and NEL, a right-to-left override, CR LF, NUL) reach
// neither the access review CSV nor the exported manifest raw; the CSV
// still parses, and the manifest reads back to the very same names.
func TestExportEscapesServerControls(t *testing.T) {
	const (
		display = "A\x1b]0;pwned\x07\x1b[31mRED\u009b2J\u202eevil\r\nX"
		handle  = "b\x1b[2J@example.com"
		team1   = "ml\x1b[5m"
		team2   = "t\u0085eam\x00x"
		bidi    = "Zoë \u202eevil\u202c \u2066x\u2069 \u200e\u200f\u061c"
	)
	emu := startEmu(t, emulator.Options{}, writeState(t, map[string]any{
		"users": []any{
			map[string]any{"userName": handle, "email": "bob@example.com", "displayName": display},
			map[string]any{"userName": "carol@example.com", "displayName": bidi},
		},
		"teams": []any{
			map[string]any{"name": team1, "members": []any{handle, "carol@example.com"}},
			map[string]any{"name": team2, "members": []any{"carol@example.com"}},
		},
	}))
	v := vars(emu.url)

	r := wb(t, v, "export", "-o", "csv")
	if r.code != exitOK {
		t.Fatalf("export -o csv: exit %d\n%s", r.code, r.stderr)
	}
	if c, ok := rawControl(r.stdout); ok {
		t.Errorf("raw %U in the CSV:\n%q", c, r.stdout)
	}
	// The log's console format separates its fields with TABs.
	if c, ok := rawControl(r.stderr, '\t'); ok {
		t.Errorf("raw %U on stderr:\n%q", c, r.stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v\n%s", err, r.stdout)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want a header and 2 users:\n%s", len(rows), r.stdout)
	}
	for _, row := range rows {
		if len(row) != 8 {
			t.Errorf("%d fields, want 8: %q", len(row), row)
		}
	}
	if got, want := rows[1][1:3], []string{`b\x1b[2J@example.com`, `A\x1b]0;pwned\x07\x1b[31mRED\u009b2J\u202eevil\r\nX`}; !slices.Equal(got, want) {
		t.Errorf("bob's username and name: %q, want %q", got, want)
	}
	if got, want := rows[2][5], `ml\x1b[5m:member;t\u0085eam\x00x:member`; got != want {
		t.Errorf("carol's teams: %q, want %q", got, want)
	}

	// The manifest: bob's userName cannot be declared, nor can a team name
	// holding a control character (they are left out, and said so on
	// stderr, escaped); carol reads back exactly.
	out := filepath.Join(t.TempDir(), "wbsync.yaml")
	r = wb(t, v, "export", "--out", out)
	if r.code != exitOK {
		t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
	}
	if c, ok := rawControl(r.stderr, '\t'); ok {
		t.Errorf("raw %U on stderr:\n%q", c, r.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := rawControl(string(data)); ok {
		t.Errorf("raw %U in the manifest:\n%s", c, data)
	}
	m, err := desired.Parse([]desired.Source{{Name: out, Data: data}})
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if len(m.State.Users) != 1 || m.State.Users[0].DisplayName != bidi {
		t.Errorf("users read back as %+v, want carol named %q\n%s", m.State.Users, bidi, data)
	}
	if len(m.State.Teams) != 0 {
		t.Errorf("teams read back as %+v, want none\n%s", m.State.Teams, data)
	}
	for _, want := range []string{`team "ml\x1b[5m"`, `team "t\u0085eam\x00x"`, "its name holds the control character or noncharacter"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not say %s:\n%s", want, r.stderr)
		}
	}

	// The plan of the exported manifest leaves those teams alone, and does
	// not advise listing them, which the loader would refuse.
	r = wb(t, v, "plan", "-f", out, "-o", "json")
	var p struct {
		Warnings []struct{ Code, Team, Message string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("plan: exit %d: %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	unmanaged := 0
	for _, w := range p.Warnings {
		if w.Code != "unmanaged_team" {
			continue
		}
		unmanaged++
		if !strings.Contains(w.Message, "no manifest can name it, as its name holds the control character") || strings.Contains(w.Message, "list it") {
			t.Errorf("team %q: %s", w.Team, w.Message)
		}
	}
	if unmanaged != 2 {
		t.Errorf("%d unmanaged_team warnings, want 2: %+v", unmanaged, p.Warnings)
	}
}

// TestExportUsersWithoutEmail: a W&B user with no email at all is listed in
// the access review (everyone with access is) and left out of the manifest
// (which declares users by email, its team exported additive), with a
// warning on stderr either way.
func TestExportUsersWithoutEmail(t *testing.T) {
	users := listBody(2,
		map[string]any{"id": "u1", "userName": "alice", "emails": []any{map[string]any{"value": "alice@example.com", "primary": true}}, "active": true},
		map[string]any{"id": "u2", "userName": "nomail", "displayName": "No Mail", "emails": []any{}, "active": true})
	groups := listBody(1, map[string]any{"id": "g1", "displayName": "ml", "members": []any{map[string]any{"value": "u1"}, map[string]any{"value": "u2"}}})
	hs := listsServer(t, users, groups)
	v := vars(hs.URL + "/scim")
	r := wb(t, v, "export", "-o", "csv")
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if r.code != exitOK || err != nil || len(rows) != 3 || rows[1][0] != "" || rows[1][1] != "nomail" || rows[2][0] != "alice@example.com" {
		t.Fatalf("export -o csv: exit %d, rows %q (%v), want the header, nomail and alice\n%s", r.code, rows, err, r.stderr)
	}
	if w := `user "nomail" ("No Mail") id u2 has no email: listed with an empty email`; !strings.Contains(r.stderr, w) || !strings.Contains(r.stderr, "WARN") {
		t.Errorf("export -o csv: stderr lacks the warning %q:\n%s", w, r.stderr)
	}
	const warning = `user "nomail" ("No Mail") id u2 left out of the export: it has no email`

	r = wb(t, v, "export")
	if r.code != exitOK || strings.Contains(r.stdout, "No Mail") || strings.Count(r.stdout, "- email:") != 1 || !strings.Contains(r.stdout, "membership: additive") {
		t.Fatalf("export: exit %d, want nomail left out and ml additive:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, warning) {
		t.Errorf("export: stderr lacks the warning %q:\n%s", warning, r.stderr)
	}
	// The warning names a glob that keeps the user from unmanagedUsers:
	// deactivate (an entry without @ is refused as an email).
	glob := regexp.MustCompile(`policy\.protected may name its userName as the glob "([^"]+)"`).FindStringSubmatch(r.stderr)
	if glob == nil {
		t.Fatalf("export: no protected glob suggested:\n%s", r.stderr)
	}
	policy := "version: 1\npolicy:\n  unmanagedUsers: deactivate\n  unmanagedGracePeriod: \"0\"\n  protected: [%q]\nusers:\n  - email: alice@example.com\n"
	r = wb(t, v, "plan", "--detailed-exitcode", "-f", writeFile(t, "glob.yaml", fmt.Sprintf(policy, glob[1])))
	if r.code != exitOK || !strings.Contains(r.stdout, "[protected]") {
		t.Fatalf("plan protecting %s: exit %d, want nomail protected and no change:\n%s\n%s", glob[1], r.code, r.stdout, r.stderr)
	}
	r = wb(t, v, "plan", "--detailed-exitcode", "-f", writeFile(t, "other.yaml", fmt.Sprintf(policy, "[x]omail")))
	if r.code != exitChanges || !strings.Contains(r.stdout, "nomail") {
		t.Fatalf("plan protecting another name: exit %d, want nomail deactivated:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = wb(t, v, "plan", "-f", writeFile(t, "plain.yaml", fmt.Sprintf(policy, "nomail")))
	if r.code != exitError {
		t.Fatalf("plan protecting nomail as an email: exit %d, want 1:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestExportCSVOut: the access review written to a file is logged as the
// manifest export is, and a file named like a manifest, which plan -f on
// its directory would read as one, is warned.
func TestExportCSVOut(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, writeState(t, map[string]any{
		"users": []any{map[string]any{"userName": "a@example.com"}},
	}))
	dir := t.TempDir()
	for name, warned := range map[string]bool{"review.csv": false, "review.YAML": true, ".review.yaml": false} {
		out := filepath.Join(dir, name)
		r := wb(t, vars(emu.url), "export", "-o", "csv", "--out", out)
		if r.code != exitOK || !strings.Contains(r.stderr, "exported the access review") {
			t.Fatalf("export -o csv --out %s: exit %d\n%s", name, r.code, r.stderr)
		}
		if got := strings.Contains(r.stderr, "though its name ends like a manifest's"); got != warned {
			t.Errorf("--out %s warned: %t, want %t\n%s", name, got, warned, r.stderr)
		}
		if data, err := os.ReadFile(out); err != nil || !strings.HasPrefix(string(data), "email,username,") {
			t.Errorf("%s: %v %q", name, err, data)
		}
	}
}

// TestExportCSVSaysWhatIsRedacted: the access review lists a user whose
// values hold the key (shown [redacted]) and says so on stderr, as the
// manifest export does of the users it leaves out.
func TestExportCSVSaysWhatIsRedacted(t *testing.T) {
	users := listBody(2,
		map[string]any{"id": "u1", "userName": "alice@example.com", "emails": []any{map[string]any{"value": "alice@example.com", "primary": true}}, "active": true},
		map[string]any{"id": "u2", "userName": "bob@example.com", "displayName": "Bob " + testKey, "emails": []any{map[string]any{"value": "bob@example.com", "primary": true}}, "active": true})
	groups := listBody(1, map[string]any{"id": "g1", "displayName": "ml-" + testKey[:10], "members": []any{map[string]any{"value": "u1"}}})
	hs := listsServer(t, users, groups)
	r := wb(t, vars(hs.URL+"/scim"), "export", "-o", "csv")
	if r.code != exitOK || strings.Count(r.stdout, "[redacted]") != 2 {
		t.Fatalf("export -o csv: exit %d, want two values redacted:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// bob's name, and alice's team: both rows show [redacted].
	if w := "2 user(s) and 1 team(s) hold text that looks like the API key: the access review shows it as [redacted]"; !strings.Contains(r.stderr, w) {
		t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
	}
}

// listsServer serves users and groups, each one list page whatever is
// asked, and 404 for anything else; it closes when the test ends.
func listsServer(t *testing.T, users, groups []byte) *httptest.Server {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		switch {
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/Users"):
			_, _ = w.Write(users)
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/Groups"):
			_, _ = w.Write(groups)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(hs.Close)
	return hs
}

// TestExportCountsUnlistedMemberships: the info line on team members that
// are no listed user counts memberships (an account in two teams counts
// twice) and teams, and says which it counts.
func TestExportCountsUnlistedMemberships(t *testing.T) {
	users := listBody(1, map[string]any{"id": "u1", "userName": "alice@example.com", "active": true})
	groups := listBody(2,
		map[string]any{"id": "g1", "displayName": "ml", "members": []any{map[string]any{"value": "u1"}, map[string]any{"value": "sa1"}, map[string]any{"value": "sa2"}}},
		map[string]any{"id": "g2", "displayName": "ops", "members": []any{map[string]any{"value": "sa1"}}})
	hs := listsServer(t, users, groups)
	r := wb(t, vars(hs.URL+"/scim"), "export", "--log-format", "json")
	var found []logEntry
	for _, e := range jsonLog(t, r.stderr) {
		if strings.HasPrefix(e.msg(), "team members that are not listed SCIM users") {
			found = append(found, e)
		}
	}
	if r.code != exitOK || len(found) != 1 || found[0]["memberships"] != float64(3) || found[0]["teams"] != float64(2) {
		t.Fatalf("export: exit %d, entries %v, want one with memberships 3 and teams 2\n%s", r.code, found, r.stderr)
	}
}
