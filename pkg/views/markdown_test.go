package views

import (
	"bytes"
	"fmt"
	"math/rand"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// markdownOf renders p, checks the byte cap and the balance of fences and
// details, and returns the markdown.
func markdownOf(t *testing.T, p plan.Plan) string {
	t.Helper()
	p.Summary = plan.Summarize(p.Changes)
	var b bytes.Buffer
	overruns := capOverruns.Load()
	if err := WriteMarkdown(&b, p); err != nil {
		t.Fatal(err)
	}
	if capOverruns.Load() != overruns {
		t.Errorf("the first layout passed the cap: the layout prices what it writes short")
	}
	md := b.String()
	if width(md) > caps.Markdown {
		t.Fatalf("markdown is %d characters, want at most %d", width(md), caps.Markdown)
	}
	if strings.Count(md, "```")%2 != 0 || strings.Count(md, "<details>") != strings.Count(md, "</details>") {
		t.Fatalf("unbalanced fences or details:\n%s", md)
	}
	return md
}

// checkRemovalsAccounted checks that the NOT LISTED block counts the
// member removals md does not list, and returns that count.
func checkRemovalsAccounted(t *testing.T, md string, listed, total int) int {
	t.Helper()
	m := regexp.MustCompile(fmt.Sprintf(`NOT LISTED: (\d+) of %d member removal\(s\) do not fit`, total)).FindStringSubmatch(md)
	if m == nil {
		t.Fatal("no NOT LISTED block")
	}
	notListed, _ := strconv.Atoi(m[1])
	if listed == 0 || listed+notListed != total {
		t.Errorf("%d removals listed + %d NOT LISTED != %d", listed, notListed, total)
	}
	return notListed
}

// wantAll checks that md holds every one of want.
func wantAll(t *testing.T, md string, want ...string) {
	t.Helper()
	for _, s := range want {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q", s)
		}
	}
}

func user(prefix string, i int) string {
	return fmt.Sprintf("%s.with.a.rather.long.name.%06d@example.com", prefix, i)
}

func TestMarkdownCutKeepsDeactivations(t *testing.T) {
	var p plan.Plan
	for i := 0; i < 10000; i++ {
		p.Changes = append(p.Changes, plan.Change{Action: plan.CreateUser, User: user("new", i)})
	}
	for i := 0; i < 5; i++ {
		p.Changes = append(p.Changes, plan.Change{Action: plan.DeactivateUser, User: user("gone", i), UserID: "u", Reason: "active: false"})
	}
	md := markdownOf(t, p)
	for i := 0; i < 5; i++ {
		if !strings.Contains(md, "- "+user("gone", i)+"\n-     deactivate") {
			t.Errorf("deactivation of %s not listed by name", user("gone", i))
		}
	}
	if !strings.Contains(md, "| users created | 10000 |") || !strings.Contains(md, "| users deactivated | 5 |") {
		t.Error("the table must count every change")
	}
	m := regexp.MustCompile(`\*\*(\d+) of 10005 change lines are not shown`).FindStringSubmatch(md)
	if m == nil {
		t.Fatalf("no cut note:\n%s", md[len(md)-500:])
	}
	cut, _ := strconv.Atoi(m[1])
	if shown := strings.Count(md, "+     create user"); shown+cut != 10000 {
		t.Errorf("%d creates shown + %d cut != 10000", shown, cut)
	}
	if !strings.Contains(md, "wbsync plan -o json") || strings.Contains(md, "NOT LISTED") {
		t.Error("want the json pointer, and no NOT LISTED block: every deactivation is listed")
	}
	if !strings.Contains(md, fmt.Sprintf("User changes (%d of 10005 shown)", 10005-cut)) {
		t.Error("the section title should say how many lines it shows")
	}
}

// lineWith returns the first line of md that holds s, or "".
func lineWith(md, s string) string {
	for _, l := range strings.Split(md, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// TestMarkdownLongNamesDistinct: two long names that share their head and
// their tail (users and teams the plan creates, which have no id) are
// shown shortened but not alike, each with its domain.
func TestMarkdownLongNamesDistinct(t *testing.T) {
	mid := strings.Repeat("x", 200)
	a, b := "a"+mid+"1"+mid+".admin@attacker.example", "a"+mid+"2"+mid+".admin@corp.example"
	ta, tb := "t"+mid+"1"+mid+"-prod", "t"+mid+"2"+mid+"-prod"
	md := markdownOf(t, plan.Plan{Changes: []plan.Change{
		{Action: plan.CreateUser, User: a}, {Action: plan.CreateUser, User: b},
		{Action: plan.CreateTeam, Team: ta}, {Action: plan.CreateTeam, Team: tb},
		{Action: plan.AddMember, Team: ta, User: a, Role: "admin"}, {Action: plan.AddMember, Team: tb, User: b},
	}})
	for _, s := range []string{".admin@attacker.example #", ".admin@corp.example #", "-prod #"} {
		if !strings.Contains(md, s) {
			t.Errorf("no name ends %q:\n%s", s, md)
		}
	}
	hashes := map[string]bool{}
	for _, h := range regexp.MustCompile(`#[0-9a-f]{12}`).FindAllString(md, -1) {
		hashes[h] = true
	}
	if len(hashes) != 4 {
		t.Errorf("%d distinct shortened names, want 4:\n%s", len(hashes), md)
	}
	// A short name typed as another's shortened form does not read as it.
	short, _ := shortName(ta, caps.MarkdownName)
	md = markdownOf(t, plan.Plan{Changes: []plan.Change{{Action: plan.CreateTeam, Team: ta}, {Action: plan.CreateTeam, Team: short}}})
	if n := strings.Count(md, "+ "+short+" (new)\n"); n != 1 {
		t.Errorf("the team %q and the one named as its shortened form read alike (%d):\n%s", ta, n, md)
	}
	// A role the server names at length is shortened as names are: the
	// role changes of the other users fit.
	var p plan.Plan
	for i := 0; i < 12; i++ {
		p.Changes = append(p.Changes, plan.Change{Action: plan.SetTeamRole, Team: "ml", TeamID: "g", User: fmt.Sprintf("r%d@x.com", i), UserID: fmt.Sprintf("u%d", i),
			Role: "admin", From: fmt.Sprintf("x%d%s", i, strings.Repeat("`", 4000))})
	}
	md = markdownOf(t, p)
	if strings.Contains(md, "NOT LISTED") {
		t.Errorf("role changes left out:\n%.2000s", md)
	}
}

// TestMarkdownUpdateEmailInView: an update that re-points an account's
// email while it sets a display name padded with thousands of spaces shows
// the email change first on its line, and the name cut: a code block does
// not wrap, and the takeover must not sit past the reviewer's view.
func TestMarkdownUpdateEmailInView(t *testing.T) {
	p := plan.Plan{Changes: []plan.Change{{Action: plan.UpdateUser, User: "mallory@evil.example", UserID: "u-alice",
		From: "Alice", Name: "Alice Smith" + strings.Repeat(" ", 3000) + ".", FromEmail: "alice@example.com", Email: "mallory@evil.example"}}}
	line := lineWith(markdownOf(t, p), "update ")
	i := strings.Index(line, `email "alice@example.com" → "mallory@evil.example"`)
	if i < 0 || i > 40 || width(line) > 2*caps.MarkdownName+100 {
		t.Errorf("the email change is at %d of a line of %d characters, want it first on a line of names cut:\n%.300s", i, width(line), line)
	}
	// Each attribute is cut as %q shows it (U+3000 as \u3000, six
	// characters): the server's old email, the manifest's new one, an
	// externalId, a created user's display name.
	wide := strings.Repeat("\u3000", 120)
	long := strings.Repeat("x", 300)
	for _, c := range []plan.Change{
		{Action: plan.UpdateUser, User: "m@evil.example", UserID: "u1", FromEmail: "a" + wide + "@x.com", Email: "m@evil.example", FromExternalID: "e" + wide, ExternalID: "okta-9"},
		{Action: plan.UpdateUser, User: "n@evil.example", UserID: "u2", FromEmail: "a@x.com", Email: long + "@evil.example", ExternalID: long},
		{Action: plan.CreateUser, User: "o@x.com", Name: "J" + wide + "K", ExternalID: "okta-7"},
		// Combining marks past four in a row are shown escaped (six
		// characters each): measured so, at the head and the tail.
		{Action: plan.UpdateUser, User: "p@x.com", UserID: "u3", From: "old", Name: "Z" + strings.Repeat("\u0316", 2000) + "Z"},
		{Action: plan.UpdateUser, User: "q@x.com", UserID: "u4", From: "Y" + strings.Repeat("\U0001d167", 500), Name: "new"},
	} {
		line := lineWith(markdownOf(t, plan.Plan{Changes: []plan.Change{c}}), map[plan.Action]string{plan.UpdateUser: "update ", plan.CreateUser: "create "}[c.Action])
		if w := width(line); w == 0 || w > 3*caps.MarkdownName+60 {
			t.Errorf("%s: a line of %d characters, want its attributes cut:\n%.400s", c.Action, w, line)
		}
	}
}

// TestMarkdownLongNamesCut: a server record whose names hold thousands of
// characters (within the field cap, each backtick written as 4) is shown
// cut, with its id, so that it cannot take the comment's room from the
// other users' removals and deactivations: every one is listed by name.
func TestMarkdownLongNamesCut(t *testing.T) {
	var p plan.Plan
	const hostile = 4
	long := strings.Repeat("`", 4000)
	for i := 0; i < hostile; i++ {
		who := plan.Change{User: fmt.Sprintf("h%d%s@example.com", i, long), Username: fmt.Sprintf("h%d%s", i, long), UserID: fmt.Sprintf("id-h%d", i)}
		d, r := who, who
		d.Action, d.Reason = plan.DeactivateUser, "not in the manifest"
		r.Action, r.Team, r.TeamID, r.Reason = plan.RemoveMember, "ml"+long, "g1", "not listed"
		p.Changes = append(p.Changes, d, r)
	}
	var victims []string
	for i := 0; i < 10; i++ {
		v := fmt.Sprintf("victim%d@example.com", i)
		victims = append(victims, v)
		p.Changes = append(p.Changes,
			plan.Change{Action: plan.DeactivateUser, User: v, UserID: fmt.Sprintf("id-v%d", i), Reason: "not in the manifest"},
			plan.Change{Action: plan.RemoveMember, Team: "ml", TeamID: "g2", User: v, UserID: fmt.Sprintf("id-v%d", i), Reason: "not listed"})
	}
	md := markdownOf(t, p)
	if strings.Contains(md, "NOT LISTED") {
		t.Fatalf("names left out:\n%.3000s", md)
	}
	for _, v := range victims {
		if n := strings.Count(md, v); n < 2 {
			t.Errorf("%s named %d time(s), want its deactivation and its removal", v, n)
		}
	}
	for i := 0; i < hostile; i++ {
		if !regexp.MustCompile(fmt.Sprintf(`^- h%d(\\x60)+…(\\x60)+ #[0-9a-f]{12} \(h%d(\\x60)+…(\\x60)+@example\.com #[0-9a-f]{12}\) \(id id-h%d\)$`, i, i, i)).MatchString(lineWith(md, fmt.Sprintf("(id id-h%d)", i))) {
			t.Errorf("hostile user %d is not shown shortened, its domain kept, with its id:\n%s", i, lineWith(md, fmt.Sprintf("(id id-h%d)", i)))
		}
	}
	for _, run := range regexp.MustCompile(`(\\x60)+`).FindAllString(md, -1) {
		if width(run) > caps.MarkdownName/2 {
			t.Fatalf("a name's part is shown in %d characters, over half of caps.MarkdownName", width(run))
		}
	}
	// Warnings listed by name cut their names the same way: 30 hostile
	// ones leave room for the names of the others.
	for i := 0; i < 30; i++ {
		p.Warnings = append(p.Warnings, plan.Warning{Code: plan.WarnUnmanagedUser, User: fmt.Sprintf("w%d%s@example.com", i, long),
			Message: strings.Repeat("long message ", 300)})
	}
	for i := 0; i < 10; i++ {
		p.Warnings = append(p.Warnings, plan.Warning{Code: plan.WarnUnmanagedUser, User: fmt.Sprintf("short%d@example.com", i), Message: "is active in W&B but not in the manifest"})
	}
	md = markdownOf(t, p)
	for i := 0; i < 10; i++ {
		if !strings.Contains(md, fmt.Sprintf("short%d@example.com", i)) {
			t.Errorf("warning about short%d@example.com not named:\n%.2000s", i, md[strings.Index(md, "Warnings"):])
		}
	}
}

// Removals alone over the cap, even by name only: as many names as fit
// are listed, deactivations first, and a CAUTION block at the top says how
// many are NOT listed.
func TestMarkdownRemovalsOverCap(t *testing.T) {
	var p plan.Plan
	for i := 0; i < 20000; i++ {
		p.Changes = append(p.Changes, plan.Change{Action: plan.RemoveMember, Team: fmt.Sprintf("team-%d", i%40), TeamID: "g", User: user("member", i), UserID: "u"})
	}
	p.Changes = append(p.Changes, plan.Change{Action: plan.DeactivateUser, User: user("gone", 0), UserID: "u"})
	for i := 0; i < 50; i++ {
		p.Warnings = append(p.Warnings, plan.Warning{Code: plan.WarnUnmanagedUser, Message: "m"})
	}
	md := markdownOf(t, p)
	listed := strings.Count(md, "member.with.a.rather.long.name.")
	checkRemovalsAccounted(t, md, listed, 20000)
	heads := 0
	for _, h := range regexp.MustCompile(`(?m)^-     remove: (\d+)(?: of 500)? user\(s\)`).FindAllStringSubmatch(md, -1) {
		k, _ := strconv.Atoi(h[1])
		heads += k
	}
	if heads != listed {
		t.Errorf("the bundle heads say %d removals are listed, the names are %d", heads, listed)
	}
	if i, j := strings.Index(md, "NOT LISTED"), strings.Index(md, "<details>"); i < 0 || i > j {
		t.Error("the NOT LISTED block must come before the details")
	}
	if i, j := strings.Index(md, user("gone", 0)), strings.Index(md, user("member", 0)); i < 0 || i > j {
		t.Error("the deactivation comes before the removals")
	}
	if !strings.Contains(md, "! unmanaged_user: 50") || strings.Contains(md, "! [unmanaged_user]") {
		t.Error("with removals over the cap, warnings are counted by code")
	}
	if caps.Markdown-width(md) > 300 {
		t.Errorf("the cut wastes %d characters", caps.Markdown-width(md))
	}
}

// Warnings whose names alone pass the cap are counted by code; every
// removal and role change is still named.
func TestMarkdownWarningsOverCap(t *testing.T) {
	var p plan.Plan
	for i := 0; i < 5; i++ {
		p.Changes = append(p.Changes,
			plan.Change{Action: plan.RemoveMember, Team: "ml", TeamID: "g", User: user("member", i), UserID: "u"},
			plan.Change{Action: plan.SetTeamRole, Team: "ml", TeamID: "g", User: user("role", i), UserID: "u", Role: "admin", From: "member"})
	}
	for i := 0; i < 3000; i++ {
		p.Changes = append(p.Changes, plan.Change{Action: plan.AddMember, Team: "ml", TeamID: "g", User: user("add", i), Role: "member"})
		code := plan.WarnDuplicateTeam
		if i%3 == 0 {
			code = plan.WarnUnresolvedMember
		}
		p.Warnings = append(p.Warnings, plan.Warning{Code: code, Team: fmt.Sprintf("team-with-a-rather-long-name-%06d", i), Message: strings.Repeat("long warning text ", 3)})
	}
	md := markdownOf(t, p)
	for i := 0; i < 5; i++ {
		if !strings.Contains(md, "remove "+user("member", i)) || !strings.Contains(md, "role of "+user("role", i)) {
			t.Errorf("removal or role change %d not listed by name", i)
		}
	}
	for _, s := range []string{"Warnings (3000, counted by code", "! duplicate_team: 2000\n", "! unresolved_member: 1000\n", "The 3000 warnings are counted by code"} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q", s)
		}
	}
	if regexp.MustCompile(`NOT LISTED: [^*]*(deactivation|removal|role change)`).MatchString(md) {
		t.Error("nothing destructive was left out")
	}
	if !strings.Contains(md, " of 3000 add(s) to existing teams do not fit") {
		t.Error("the adds to an existing team that were cut are not said in the NOT LISTED block")
	}
}

// Warnings that fit are listed by name even when adds are cut.
func TestMarkdownWarningsByNameBeforeAdds(t *testing.T) {
	var p plan.Plan
	for i := 0; i < 5000; i++ {
		p.Changes = append(p.Changes, plan.Change{Action: plan.AddMember, Team: "ml", TeamID: "g", User: user("add", i), Role: "member"})
	}
	p.Warnings = []plan.Warning{{Code: plan.WarnDuplicateTeam, Team: "x", Message: "two live teams are named x"}}
	md := markdownOf(t, p)
	if !strings.Contains(md, "! [duplicate_team] two live teams are named x") || !strings.Contains(md, "change lines are not shown") {
		t.Error("want the warning by name and the adds cut")
	}
}

func TestSummaryLines(t *testing.T) {
	unverified := plan.Change{Action: plan.SetOrgRole, User: "a@x.com", UserID: "u", Role: "admin", Reason: plan.ReasonUnverified}
	for _, tc := range []struct {
		name    string
		changes []plan.Change
		want    string
	}{
		{"nothing", nil, "No changes."},
		{"drift", []plan.Change{{Action: plan.CreateUser, User: "b@x.com"}, {Action: plan.DeactivateUser, User: "c@x.com"}}, "Plan: 1 to add, 0 to change, 1 to remove."},
		{"drift and assertions", []plan.Change{{Action: plan.SetOrgRole, User: "b@x.com", Role: "admin", From: "member"}, unverified, unverified},
			"Plan: 0 to add, 1 to change, 0 to remove, and 2 unverified role assertion(s)."},
		{"assertions only", []plan.Change{unverified}, "No changes. 0 to add, 0 to change, 0 to remove, and 1 unverified role assertion(s)."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := plan.Plan{Changes: tc.changes, Seats: plan.Seats{ActiveBefore: 3, ActiveAfter: 4}}
			var txt bytes.Buffer
			if err := WriteText(&txt, p, TextOptions{Color: true}); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(txt.String(), "\n"), "\n")
			if got := lines[len(lines)-1]; got != tc.want {
				t.Errorf("summary line %q, want %q", got, tc.want)
			}
			if got := lines[len(lines)-2]; got != "Seats: 3 active → 4 active" {
				t.Errorf("seats line %q", got)
			}
			md := markdownOf(t, p)
			if !strings.Contains(md, "**"+tc.want+"**\n\nSeats: 3 active → 4 active\n") {
				t.Errorf("markdown lacks the summary and seats lines:\n%s", md)
			}
			if strings.Contains(txt.String(), "unverified") != (len(tc.changes) > 0 && tc.changes[len(tc.changes)-1].Unverified()) {
				t.Errorf("unverified lines shown with their reason:\n%s", txt.String())
			}
		})
	}
}

// Whatever the mix, the markdown stays within the cap, lists every
// destructive line it can, and says how many it could not.
func TestMarkdownCapRandomMixes(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	actions := plan.Actions()
	for seed := 0; seed < 20; seed++ {
		var p plan.Plan
		n := r.Intn(4000)
		for i := 0; i < n; i++ {
			a := actions[r.Intn(len(actions))]
			p.Changes = append(p.Changes, plan.Change{Action: a, Team: fmt.Sprintf("team-%d", r.Intn(30)), TeamID: "g",
				User: user("u", r.Intn(3000)), UserID: "u", Role: "admin", Reason: strings.Repeat("r", r.Intn(60))})
		}
		for i := r.Intn(3000); i > 0; i-- {
			p.Warnings = append(p.Warnings, plan.Warning{Code: plan.WarningCodes()[r.Intn(5)], Message: strings.Repeat("w", r.Intn(80))})
		}
		md := markdownOf(t, p)
		destructive := 0
		for _, c := range p.Changes {
			if tierOf(c) < mustTiers {
				destructive++
			}
		}
		shown, named := listedDestructive(md)
		notListed := 0
		for _, m := range regexp.MustCompile(`(\d+) of \d+ (deactivation|member removal|reactivation|role change)`).FindAllStringSubmatch(md, -1) {
			k, _ := strconv.Atoi(m[1])
			notListed += k
		}
		if shown+notListed != destructive {
			t.Fatalf("seed %d: %d destructive lines shown + %d said not listed != %d", seed, shown, notListed, destructive)
		}
		if shown != named {
			t.Fatalf("seed %d: %d destructive lines said shown, %d named", seed, shown, named)
		}
	}
}

// listedDestructive counts the destructive changes a markdown view of the
// user() names lists: in full lines, and in bundles as their heads say
// (shown) and by the names under them (named).
func listedDestructive(md string) (shown, named int) {
	full := regexp.MustCompile(`(?m)^(-     remove \w+\.with|-     deactivate|~     org role|~     role of |~     reactivate)`)
	shown = len(full.FindAllString(md, -1))
	named = shown
	// A bundle's head, with its names after it when they are inline.
	for _, h := range regexp.MustCompile(`(?m)^[-~] .*?: (?:(\d+) of )?(\d+) (?:user|membership)\(s\)(?: listed)?(: .*)?$`).FindAllStringSubmatch(md, -1) {
		k, _ := strconv.Atoi(h[2])
		if h[1] != "" {
			k, _ = strconv.Atoi(h[1])
		}
		shown += k
		named += strings.Count(h[3], "@example.com")
	}
	for _, ln := range regexp.MustCompile(`(?m)^[-~] {5,}\w+\.with\..*$`).FindAllString(md, -1) {
		named += strings.Count(ln, "@example.com")
	}
	return shown, named
}

// TestShortNameMarksMeasuredAsShown: a name cut for the markdown view is
// shown in at most caps.MarkdownName-1 characters and in not much less,
// whatever its combining marks: a script with one mark per letter above
// U+FFFF (Adlam), a Zalgo run, marks on every letter.
func TestShortNameMarksMeasuredAsShown(t *testing.T) {
	for name, s := range map[string]string{
		"adlam": strings.Repeat("\U0001E900\U0001E944", 300),
		"zalgo": "Z" + strings.Repeat("\u0316", 3000) + "Z",
		"supp":  "Y" + strings.Repeat("\U0001d167", 1000),
		"pairs": strings.Repeat("e\u0301\u0302", 400),
		"ascii": strings.Repeat("x", 1000),
		"wide":  strings.Repeat("\u3000", 1000),
		"mixed": strings.Repeat("a\u0316\u0316\u0316\u0316\u0316\u0316\U0001E944", 200),
	} {
		short, cut := shortName(s, caps.MarkdownName)
		if w := shownWidth(short); !cut || w > caps.MarkdownName-1 || w < caps.MarkdownName-16 {
			t.Errorf("%s: cut %v, shown in %d characters, want %d at most and not far below", name, cut, w, caps.MarkdownName-1)
		}
	}
}

// TestMarkdownRestoresAccessBanner: reactivations, which no limit counts
// (applying a reverted offboarding), get a banner of their own above the
// details, as removals do; a plan without them has none.
func TestMarkdownRestoresAccessBanner(t *testing.T) {
	var p plan.Plan
	for i := range 94 {
		p.Changes = append(p.Changes, plan.Change{Action: plan.ReactivateUser, User: user("back", i), UserID: fmt.Sprint("u", i)})
	}
	md := markdownOf(t, p)
	banner := "> [!WARNING]\n> **This plan restores access:** 94 deactivated user(s) reactivated."
	if i := strings.Index(md, banner); i < 0 || i > strings.Index(md, "<details>") {
		t.Errorf("no restores-access banner above the details:\n%s", md)
	}
	// On Multi-tenant Cloud a deactivated user is invited again: counted.
	p.Changes = []plan.Change{{Action: plan.CreateUser, User: "new@example.com"}, {Action: plan.CreateUser, User: "back@example.com", Reason: plan.ReasonRecreate}}
	if md := markdownOf(t, p); !strings.Contains(md, "> **This plan restores access:** 1 deactivated user(s) invited again (Multi-tenant Cloud cannot reactivate them).") {
		t.Errorf("a user invited again after a deactivation is not counted:\n%s", md)
	}
	p.Changes = append(p.Changes, plan.Change{Action: plan.ReactivateUser, User: "old@example.com", UserID: "u1"})
	if md := markdownOf(t, p); !strings.Contains(md, "> **This plan restores access:** 2 deactivated user(s) reactivated or invited again.") {
		t.Errorf("reactivations and re-invites together are not counted together:\n%s", md)
	}
	p.Changes = p.Changes[:1]
	if md := markdownOf(t, p); strings.Contains(md, "restores access") {
		t.Errorf("a plan without reactivations has the banner:\n%s", md)
	}
}

// TestMarkdownDemotionBanner: a plan that takes admin rights away says so
// at the top, as it does for removals: organization and team admin roles
// counted apart; a promotion, or an unverified assertion (its previous
// role unknown), is no demotion.
func TestMarkdownDemotionBanner(t *testing.T) {
	p := plan.Plan{Changes: []plan.Change{
		{Action: plan.SetOrgRole, User: "a@x.com", UserID: "u1", Role: model.RoleMember, From: "admin"},
		{Action: plan.SetTeamRole, User: "b@x.com", UserID: "u2", Team: "ml", TeamID: "t1", Role: model.RoleViewer, From: "admin"},
		{Action: plan.SetTeamRole, User: "c@x.com", UserID: "u3", Team: "ml", TeamID: "t1", Role: model.RoleAdmin, From: "member"},
		{Action: plan.SetOrgRole, User: "d@x.com", UserID: "u4", Role: model.RoleMember, Reason: plan.ReasonUnverified},
	}}
	md := markdownOf(t, p)
	if !strings.Contains(md, "> **This plan takes admin rights away:** 1 organization admin(s) and 1 team admin role(s).") {
		t.Errorf("no demotion banner, or a wrong count:\n%s", md)
	}
	p.Changes = p.Changes[2:]
	if md := markdownOf(t, p); strings.Contains(md, "takes admin rights away") {
		t.Errorf("a promotion and an unverified assertion are no demotion:\n%s", md)
	}
	// Deactivating an org admin and removing a team admin take the right
	// away as a demotion does, and the lines say whose it was; a member's
	// removal and a non-admin's deactivation do not.
	p.Changes = []plan.Change{
		{Action: plan.RemoveMember, User: "e@x.com", UserID: "u5", Team: "ml", TeamID: "t1", From: "admin"},
		{Action: plan.RemoveMember, User: "f@x.com", UserID: "u6", Team: "ml", TeamID: "t1", From: "member"},
		{Action: plan.DeactivateUser, User: "g@x.com", UserID: "u7", From: "admin"},
		{Action: plan.DeactivateUser, User: "h@x.com", UserID: "u8", From: plan.RoleUnreported},
	}
	md = markdownOf(t, p)
	for _, want := range []string{
		"> **This plan takes admin rights away:** 1 organization admin(s) and 1 team admin role(s).",
		"deactivate org admin", "remove team admin",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("no %q:\n%s", want, md)
		}
	}
	var text strings.Builder
	if err := WriteText(&text, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"- deactivate org admin", "- remove team admin e@x.com", "- remove f@x.com"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text: no %q:\n%s", want, text.String())
		}
	}
}

// TestMarkdownBlockedLeads: a blocked plan's BLOCKED section comes before
// the banners that say what the plan would do (removes access, takes admin
// rights away): a reviewer reads first that nothing will be applied.
func TestMarkdownBlockedLeads(t *testing.T) {
	p := plan.Plan{Changes: []plan.Change{
		{Action: plan.DeactivateUser, User: "g@x.com", UserID: "u7", From: "admin"},
		{Action: plan.RemoveMember, User: "e@x.com", UserID: "u5", Team: "ml", TeamID: "t1", From: "admin"},
	}, Blocked: []plan.Block{{Limit: plan.LimitMaxDeactivations, Planned: 1, Allowed: 0, Message: `1 deactivation planned, 0 allowed: 'wbsync export' writes "a manifest" <b>&</b>`}}}
	md := markdownOf(t, p)
	// What markdown reads as HTML is escaped; quotes, which mean nothing
	// in running text, are kept as they are.
	if !strings.Contains(md, "0 allowed: 'wbsync export' writes \"a manifest\" &lt;b&gt;&amp;&lt;/b&gt;\n") {
		t.Errorf("the block's message is not escaped as running text:\n%s", md)
	}
	blocked := strings.Index(md, "**BLOCKED: a safety limit stops this plan; nothing will be applied.**")
	removes, demotes := strings.Index(md, "**This plan removes access:**"), strings.Index(md, "**This plan takes admin rights away:**")
	if blocked < 0 || removes < 0 || demotes < 0 || blocked > removes || blocked > demotes {
		t.Errorf("BLOCKED at %d, removes access at %d, takes admin rights at %d: want BLOCKED first:\n%s", blocked, removes, demotes, md)
	}
}

// TestMarkdownBlockedBeforeNotListed: in a blocked plan too large for one
// comment, BLOCKED still comes first, before the NOT LISTED block that
// counts what the comment leaves out: nothing will be applied, whatever
// is listed or not.
func TestMarkdownBlockedBeforeNotListed(t *testing.T) {
	var cs []plan.Change
	for i := range 6000 {
		cs = append(cs, plan.Change{Action: plan.RemoveMember, User: fmt.Sprintf("member-with-a-long-name-%05d@example.com", i),
			UserID: fmt.Sprintf("u%d", i), Team: fmt.Sprintf("team-%02d", i%10), TeamID: fmt.Sprintf("t%d", i%10)})
	}
	p := plan.Plan{Changes: cs, Blocked: []plan.Block{{Limit: plan.LimitMaxMemberRemovals, Planned: 6000, Allowed: 1000, Message: "6000 member removals planned, 1000 allowed"}}}
	md := markdownOf(t, p)
	blocked, notListed := strings.Index(md, "**BLOCKED: "), strings.Index(md, "**NOT LISTED: ")
	if blocked < 0 || notListed < 0 || blocked > notListed {
		t.Errorf("BLOCKED at %d, NOT LISTED at %d: want both, BLOCKED first:\n%.3000s", blocked, notListed, md)
	}
	if removes := strings.Index(md, "**This plan removes access:**"); removes < notListed {
		t.Errorf("the access banner at %d, NOT LISTED at %d: want NOT LISTED between BLOCKED and the banners", removes, notListed)
	}
}
