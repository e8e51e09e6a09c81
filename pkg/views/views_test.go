package views

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

func samplePlan() plan.Plan {
	return plan.Plan{
		FormatVersion: plan.FormatVersion,
		Target:        plan.Target{URL: "https://api.wandb.ai/scim", Deployment: model.SaaS},
		Limits: plan.Limits{MaxDeactivations: 5, MaxMemberRemovals: 10, ActiveUsers: 2, Memberships: 1,
			MaxDeactivationsRule: "default: 10% of 2 active users, at least 5", MaxMemberRemovalsRule: "default: 25% of 1 memberships, at least 10"},
		Changes: []plan.Change{
			{Action: plan.CreateUser, User: "a@x.com"},
			{Action: plan.AddMember, User: "a@x.com", Team: "ml", TeamID: "g", Role: "admin"},
			{Action: plan.SetTeamRole, User: "a@x.com", Team: "ml", TeamID: "g", Role: "admin"},
			{Action: plan.RemoveMember, User: "b@x.com", Team: "ml", UserID: "ub", TeamID: "g", Reason: "not listed in this authoritative team"},
			{Action: plan.DeactivateUser, User: "b@x.com", UserID: "ub", Reason: "active: false"},
		},
		Warnings: []plan.Warning{
			{Code: plan.WarnIrreversibleDeactivation, User: "b@x.com", Message: "deactivating b@x.com on W&B Multi-tenant Cloud removes the user from the organization"},
			{Code: plan.WarnUnmanagedUser, User: "c@x.com", Message: "c@x.com is active in W&B but not in the manifest", IDs: []string{"uc"}},
		},
		Blocked: []plan.Block{},
	}
}

func TestTextColourOnlyWhenAsked(t *testing.T) {
	p := samplePlan()
	var plain, col bytes.Buffer
	if err := WriteText(&plain, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteText(&col, p, TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b[") {
		t.Error("plain text has ANSI escapes")
	}
	for _, code := range []string{ansiGreen + "+", ansiRed + "-", ansiPurple + "!"} {
		if !strings.Contains(col.String(), code) {
			t.Errorf("coloured text lacks %q", code)
		}
	}
	// Stripping the escapes gives the plain text back.
	stripped := col.String()
	for _, c := range []string{ansiReset, ansiBold, ansiRed, ansiGreen, ansiYellow, ansiPurple} {
		stripped = strings.ReplaceAll(stripped, c, "")
	}
	if stripped != plain.String() {
		t.Errorf("colour changes the text:\n%s\nvs\n%s", stripped, plain.String())
	}
	for _, s := range []string{"target:     https://api.wandb.ai/scim", "saas", "maxDeactivations 5", "maxMemberRemovals 10",
		"+ a@x.com", "- b@x.com", "! [irreversible_deactivation]"} {
		if !strings.Contains(plain.String(), s) {
			t.Errorf("text lacks %q:\n%s", s, plain.String())
		}
	}
	lines := strings.Split(strings.TrimSuffix(plain.String(), "\n"), "\n")
	if got := lines[len(lines)-1]; got != "Plan: 2 to add, 1 to change, 2 to remove." {
		t.Errorf("summary line %q", got)
	}
}

// TestTextLookAlikeNames: names that differ only by a character that
// draws nothing (a tag character after the email, a variation selector
// after an ASCII letter), or by U+202E against the six characters \u202e
// written out, are not shown alike, in the groups, the lines or the
// warnings; the text and markdown views hold no such character raw.
func TestTextLookAlikeNames(t *testing.T) {
	p := plan.Plan{
		Changes: []plan.Change{
			{Action: plan.RemoveMember, Team: "ml", TeamID: "g1", User: "bob@example.com\U000E0020", UserID: "u2"},
			{Action: plan.RemoveMember, Team: "ml", TeamID: "g1", User: "eve\u202e@x.com", UserID: "u3"},
			{Action: plan.RemoveMember, Team: "ml", TeamID: "g1", User: `eve\u202e@x.com`, UserID: "u4"},
			{Action: plan.DeactivateUser, User: "bob@example.com\ufe0f", UserID: "u5"},
		},
		Warnings: []plan.Warning{
			{Code: plan.WarnUnmanagedRecent, User: "eve\u202e@x.com", Message: "eve\u202e@x.com is not in the manifest"},
			{Code: plan.WarnUnmanagedRecent, User: `eve\u202e@x.com`, Message: `eve\u202e@x.com is not in the manifest`},
			// A message quoting the name with %q (spaces at an end) and
			// naming it trimmed: quoted, it is escaped once, not twice.
			{Code: plan.WarnUnmanagedTeam, Team: `\u202e `, Message: fmt.Sprintf("live team %q (id g1): list it (as %s)", `\u202e `, `\u202e`)},
			{Code: plan.WarnUnmanagedTeam, Team: "\\\u202e ", Message: fmt.Sprintf("live team %q (id g2): list it (as %s)", "\\\u202e ", "\\\u202e")},
			// A name that starts with a quote, and ids that look alike.
			{Code: plan.WarnUnmanagedTeam, Team: `"x\u202e`, Message: `live team "x\u202e (id g3)`},
			{Code: plan.WarnUnmanagedTeam, Team: "\"x\u202e", Message: "live team \"x\u202e (id g4)"},
			{Code: plan.WarnDuplicateTeam, Team: "dup", IDs: []string{"g\u202e1", `g\u202e1`}, Message: "2 live teams are named dup (ids g\u202e1, " + `g\u202e1` + ")"},
			// A userName padded to the terminal's width, in a warning.
			{Code: plan.WarnUnmanagedUser, User: "mallory" + strings.Repeat(" ", 80) + "Plan: 0 to add", Message: "mallory" + strings.Repeat(" ", 80) + "Plan: 0 to add is active in W&B but not in the manifest"},
			// Padded and quoted (spaces at an end).
			{Code: plan.WarnUnmanagedTeam, Team: " pad" + strings.Repeat(" ", 80) + "Plan: 1 to add ", Message: fmt.Sprintf("live team %q (id g5) is not in the manifest", " pad"+strings.Repeat(" ", 80)+"Plan: 1 to add ")},
			// A look-alike handle beside its email, and a look-alike
			// team: escaped as the names the changes show.
			{Code: plan.WarnUnmanagedRecent, User: "\u0430lice@x.com", Username: "\u0430lice", Message: "\u0430lice (\u0430lice@x.com) is not in the manifest"},
			{Code: plan.WarnUnmanagedTeam, Team: "b\u0456g", Message: "live team b\u0456g (id g6) is not in the manifest"},
		},
	}
	var text, md bytes.Buffer
	if err := WriteText(&text, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`remove bob@example.com\U000e0020`, `remove eve\u202e@x.com`, `remove eve\\u202e@x.com`, `bob@example.com\ufe0f`,
		`[unmanaged_recent] eve\u202e@x.com is not`, `[unmanaged_recent] eve\\u202e@x.com is not`,
		`live team "\\u202e " (id g1): list it (as \\u202e)`, `live team "\\\u202e " (id g2): list it (as \\\u202e)`,
		`live team "x\\u202e (id g3)`, `live team "x\u202e (id g4)`, `(ids g\u202e1, g\\u202e1)`,
		"[unmanaged_user] mallory " + strings.Repeat(`\u0020`, 79) + "Plan: 0 to add is active",
		`live team " pad ` + strings.Repeat(`\u0020`, 79) + `Plan: 1 to add " (id g5)`} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %s:\n%s", want, text.String())
		}
	}
	for name, out := range map[string]string{"text": text.String(), "markdown": md.String()} {
		for _, r := range []rune{0xe0020, 0x202e, 0xfe0f, 0x0430, 0x0456} {
			if strings.ContainsRune(out, r) {
				t.Errorf("%s holds %U raw:\n%s", name, r, out)
			}
		}
	}
}

func TestTextNoChanges(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, plan.Plan{}, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(b.String(), "\nNo changes.\n") {
		t.Errorf("want a No changes. last line:\n%s", b.String())
	}
}

// TestTextCondensesRoutineWarnings: of the codes that note users and
// teams left as they are, the text plan lists caps.TextWarningsPerCode
// each and counts the rest on one line, so that a rare warning stays
// near the summary; other codes are listed whole.
func TestTextCondensesRoutineWarnings(t *testing.T) {
	var p plan.Plan
	for i := 0; i < caps.TextWarningsPerCode+7; i++ {
		p.Warnings = append(p.Warnings, plan.Warning{Code: plan.WarnUserWithoutTeam, User: fmt.Sprintf("u%03d@x.com", i), Message: fmt.Sprintf("u%03d@x.com is in no team", i)})
	}
	for i := 0; i < caps.TextWarningsPerCode+3; i++ {
		p.Warnings = append(p.Warnings, plan.Warning{Code: plan.WarnUnmanagedRecent, User: fmt.Sprintf("j%03d@x.com", i), Message: fmt.Sprintf("j%03d@x.com is not in the manifest but was created recently", i)})
	}
	for i := 0; i < caps.TextWarningsPerCode+2; i++ {
		p.Warnings = append(p.Warnings, plan.Warning{Code: plan.WarnIrreversibleDeactivation, User: fmt.Sprintf("d%03d@x.com", i), Message: fmt.Sprintf("deactivating d%03d@x.com cannot be undone", i)})
	}
	var b bytes.Buffer
	if err := WriteText(&b, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if n := strings.Count(out, "[user_without_team] u"); n != caps.TextWarningsPerCode {
		t.Errorf("%d user_without_team warnings listed, want %d:\n%s", n, caps.TextWarningsPerCode, out)
	}
	if !strings.Contains(out, fmt.Sprintf("Warnings (%d):\n", 3*caps.TextWarningsPerCode+12)) || !strings.Contains(out, "! [user_without_team] and 7 more like these (wbsync plan -o json lists every warning)\n") ||
		!strings.Contains(out, "! [unmanaged_recent] and 3 more like these (wbsync plan -o json lists every warning)\n") {
		t.Errorf("no count of the rest:\n%s", out)
	}
	if n := strings.Count(out, "[irreversible_deactivation] deactivating"); n != caps.TextWarningsPerCode+2 {
		t.Errorf("%d irreversible_deactivation warnings listed, want all %d", n, caps.TextWarningsPerCode+2)
	}
}

// bigPlan has n add_member changes with long names, and removals.
func bigPlan(n int) plan.Plan {
	p := plan.Plan{FormatVersion: plan.FormatVersion, Changes: []plan.Change{}, Warnings: []plan.Warning{}, Blocked: []plan.Block{}}
	for i := 0; i < n; i++ {
		p.Changes = append(p.Changes, plan.Change{Action: plan.AddMember, Team: fmt.Sprintf("team-%d", i%50), TeamID: "g", User: fmt.Sprintf("someone.with.a.long.name.%06d@example.com", i), UserID: "u", Role: "member"})
	}
	p.Changes = append(p.Changes, plan.Change{Action: plan.RemoveMember, Team: "team-0", TeamID: "g", User: "x`y@x.com", UserID: "ux"})
	p.Summary = plan.Summarize(p.Changes)
	return p
}

func TestMarkdownCapped(t *testing.T) {
	for _, n := range []int{10, 2000, 20000} {
		var b bytes.Buffer
		if err := WriteMarkdown(&b, bigPlan(n)); err != nil {
			t.Fatal(err)
		}
		md := b.String()
		if width(md) > caps.Markdown {
			t.Errorf("n=%d: markdown is %d characters, want at most %d", n, width(md), caps.Markdown)
		}
		cut := strings.Contains(md, "change lines are not shown")
		if cut != (n > 1000) {
			t.Errorf("n=%d: cut note present = %v", n, cut)
		}
		if strings.Count(md, "```")%2 != 0 || strings.Count(md, "<details>") != strings.Count(md, "</details>") {
			t.Errorf("n=%d: unbalanced fences or details", n)
		}
		if i, j := strings.Index(md, "| change | count |"), strings.Index(md, "[!CAUTION]"); i < 0 || j < i {
			t.Errorf("n=%d: want the summary table first, then the destructive banner", n)
		}
		if !strings.Contains(md, fmt.Sprintf("| members added | %d |", n)) {
			t.Errorf("n=%d: the table must count every change, even cut ones", n)
		}
		if strings.Contains(md, "x`y") {
			t.Errorf("n=%d: a backtick from a name reached the markdown", n)
		}
	}
}

func TestMarkdownNoBannerWithoutRemovals(t *testing.T) {
	var b bytes.Buffer
	p := plan.Plan{Changes: []plan.Change{{Action: plan.CreateUser, User: "a@x.com"}, {Action: plan.AddMember, User: "a@x.com", Team: "ml"}}}
	if err := WriteMarkdown(&b, p); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "CAUTION") || strings.Contains(b.String(), "BLOCKED") {
		t.Errorf("banner on a plan that removes nothing:\n%s", b.String())
	}
}

// Server-supplied strings reach no view raw: an escape sequence in a
// userName cannot clear the reviewer's screen, a newline cannot forge a plan
// line, a bidi override cannot reverse a name.
func TestControlCharactersEscaped(t *testing.T) {
	evil := "mallory\x1b[2J\x1b[H@x.com\n      + add ceo@x.com as admin\u202e"
	p := plan.Plan{
		Target:   plan.Target{URL: "https://h/scim\x1b]0;title\x07", Deployment: "dedicated\x1b[2J"},
		Limits:   plan.Limits{MaxDeactivationsRule: "10%\x1b[H", MaxMemberRemovalsRule: "x\u009b31m"},
		Changes:  []plan.Change{{Action: plan.CreateUser, User: evil, Name: "N\x9bame"}, {Action: plan.RemoveMember, Team: "t\x1b[31m", TeamID: "g\r", User: evil}},
		Warnings: []plan.Warning{{Code: plan.WarnUnmanagedUser, User: evil, Message: evil + " is unmanaged"}},
		Blocked:  []plan.Block{{Limit: "lastAdmin", Message: "blocked by " + evil}},
	}
	for name, out := range bothViews(t, p) {
		for _, bad := range []string{"\x1b", "\r", "\x07", "\u009b", "\u202e", "\n      + add ceo"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s view holds %q raw:\n%s", name, bad, out)
			}
		}
		if !strings.Contains(out, `mallory\x1b[2J`) {
			t.Errorf("%s view does not show the escaped name:\n%s", name, out)
		}
	}
}

// A live user the manifest does not list is identified by its email in the
// plan; the views show it as "handle (email)" from the username field.
func TestUnlistedUserShownWithHandle(t *testing.T) {
	p := plan.Plan{Changes: []plan.Change{
		{Action: plan.CreateUser, User: "a@x.com", Username: "dev-a"},
		{Action: plan.RemoveMember, Team: "ml", TeamID: "g", User: "bob@x.com", Username: "bobby", UserID: "ub", Reason: "not in the manifest; the team is authoritative"},
		{Action: plan.DeactivateUser, User: "bob@x.com", Username: "bobby", UserID: "ub"},
	}}
	var txt bytes.Buffer
	if err := WriteText(&txt, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	md := markdownOf(t, p)
	for _, s := range []string{
		"+ a@x.com\n", `create user with username "dev-a"`, "- bobby (bob@x.com)\n",
		"remove bobby (bob@x.com) (not in the manifest; the team is authoritative)",
	} {
		if !strings.Contains(txt.String(), s) {
			t.Errorf("text lacks %q:\n%s", s, txt.String())
		}
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q:\n%s", s, md)
		}
	}
}

// TestUsersApartByID: two users whose names differ only in case, and a
// user the plan creates beside another account named as it is, each get
// their own group, told apart by id, in text and markdown.
func TestUsersApartByID(t *testing.T) {
	p := samplePlan()
	p.Changes = []plan.Change{
		{Action: plan.CreateUser, User: "bob@x.com", Username: "bobby"},
		{Action: plan.DeactivateUser, User: "Hank", UserID: "h1", Reason: "not in the manifest"},
		{Action: plan.DeactivateUser, User: "hank", UserID: "h2", Reason: "not in the manifest"},
		{Action: plan.DeactivateUser, User: "bob@x.com", UserID: "x", Reason: "not in the manifest"},
		{Action: plan.DeactivateUser, User: "carol@x.com", UserID: "uc", Reason: "not in the manifest"},
	}
	var text, md bytes.Buffer
	if err := WriteText(&text, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"- Hank (id h1)\n", "- hank (id h2)\n", "+ bob@x.com (new)\n", "- bob@x.com (id x)\n"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	for _, want := range []string{"Hank (id h1)", "hank (id h2)", "bob@x.com (new)", "bob@x.com (id x)"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	// A user with no namesake keeps its plain name.
	if !strings.Contains(text.String(), "- carol@x.com\n") || strings.Contains(text.String(), "(id uc)") {
		t.Errorf("a user without a namesake shows its id:\n%s", text.String())
	}
}

// TestRightToLeftArrows: between two right-to-left values (custom role
// names in Hebrew) the arrow gets a left-to-right mark on each side, so
// that a browser or bidi terminal shows the old value left of the arrow
// and the new one right of it, not swapped; lines without such letters
// get none, and a mark sent in a name stays escaped.
func TestRightToLeftArrows(t *testing.T) {
	p := plan.Plan{Changes: []plan.Change{
		{Action: plan.SetTeamRole, Team: "ml", TeamID: "g", User: "bob@x.com", UserID: "ub", From: "צופה", Role: "מנהל ראשי"},
		{Action: plan.SetTeamRole, Team: "ml", TeamID: "g", User: "al\u200e@x.com", UserID: "ua", From: "member", Role: "admin"},
		{Action: plan.UpdateUser, User: "dan@x.com", UserID: "ud", From: "שרה 2", Name: "דוד 1"},
	}}
	for name, out := range bothViews(t, p) {
		for _, want := range []string{"\"צופה\"\u200e → \u200e\"מנהל ראשי\"", "\"שרה 2\"\u200e → \u200e\"דוד 1\""} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: no %q:\n%s", name, want, out)
			}
		}
		if n := strings.Count(out, "\u200e"); n != 4 {
			t.Errorf("%s: %d marks, want 4 (two arrows between right-to-left values; the name's mark escaped):\n%s", name, n, out)
		}
		if !strings.Contains(out, `al\u200e@x.com`) {
			t.Errorf("%s: the mark in a name is not escaped:\n%s", name, out)
		}
	}
	// The short forms the markdown view falls back to (a role change
	// listed by team, "role A → B: N user(s)") keep the marks, and so do
	// the other right-to-left scripts.
	_, teams := groups(plan.Plan{Changes: []plan.Change{
		{Action: plan.SetTeamRole, Team: "ml", TeamID: "g", User: "bob@x.com", UserID: "ub", From: "مشاهد", Role: "مدير"},
	}}, 0)
	if ln := teams[0].lines[0]; !strings.Contains(ln.gist, "\"مشاهد\"\u200e → \u200e\"مدير\"") || !strings.Contains(ln.text, "\"مشاهد\"\u200e → \u200e\"مدير\"") {
		t.Errorf("Arabic role change: text %q, gist %q, want the marks in both", ln.text, ln.gist)
	}
	for r, want := range map[rune]bool{'a': false, 'é': false, 'ש': true, 'م': true, 'ܐ': true, 'ހ': true, 'ﭏ': true, 'ﻼ': true, '中': false, '→': false} {
		if sanitize.RightToLeft(r) != want {
			t.Errorf("RightToLeft(%q) = %v, want %v", r, !want, want)
		}
	}
}

// bothViews renders p as text and as markdown, by view name.
func bothViews(t *testing.T, p plan.Plan) map[string]string {
	t.Helper()
	var txt bytes.Buffer
	if err := WriteText(&txt, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"text": txt.String(), "markdown": markdownOf(t, p)}
}
