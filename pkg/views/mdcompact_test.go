package views

import (
	"fmt"
	"math/rand"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/plan"
)

// sizedPlan has, with the reasons diff gives them, deact deactivations,
// remove removals from the authoritative team big, create creates and
// unmanaged unmanaged_user warnings; names like member0001@example.com.
func sizedPlan(deact, remove, create, unmanaged int) plan.Plan {
	var p plan.Plan
	for i := 0; i < create; i++ {
		p.Changes = append(p.Changes, plan.Change{Action: plan.CreateUser, User: fmt.Sprintf("new%04d@example.com", i)})
	}
	for i := 0; i < remove; i++ {
		p.Changes = append(p.Changes, plan.Change{Action: plan.RemoveMember, Team: "big", TeamID: "g1", User: fmt.Sprintf("member%04d@example.com", i), UserID: "u", Reason: "not listed in this authoritative team"})
	}
	for i := 0; i < deact; i++ {
		p.Changes = append(p.Changes, plan.Change{Action: plan.DeactivateUser, User: fmt.Sprintf("gone%04d@example.com", i), UserID: "u", Reason: "not in the manifest; unmanagedUsers: deactivate"})
	}
	for i := 0; i < unmanaged; i++ {
		u := fmt.Sprintf("u%04d@ex.com", i)
		p.Warnings = append(p.Warnings, plan.Warning{Code: plan.WarnUnmanagedUser, User: u, Message: u + " is active in W&B but not in the manifest (unmanagedUsers: ignore): not deactivated"})
	}
	return p
}

// missing returns the first of n names format%04d that md does not hold.
func missing(md, format string, n int) string {
	for i := 0; i < n; i++ {
		if name := fmt.Sprintf(format, i); !strings.Contains(md, name) {
			return name
		}
	}
	return ""
}

// 800 removals with their reasons pass the cap; by name they fit, so every
// one is listed, under one line that gives the reason once.
func TestMarkdownCompactRemovals(t *testing.T) {
	md := markdownOf(t, sizedPlan(0, 800, 0, 0))
	if name := missing(md, "member%04d@example.com", 800); name != "" {
		t.Errorf("%s is not listed", name)
	}
	wantAll(t, md,
		"~ big (id g1)\n-     remove (not listed in this authoritative team): 800 user(s)\n-         member0000@example.com, member0001@example.com,",
		"Team changes (800)", "listed by name only",
	)
	if strings.Contains(md, "NOT LISTED") || strings.Contains(md, "not shown") {
		t.Error("nothing was left out")
	}
}

// 500 deactivations and 500 removals: every name is listed.
func TestMarkdownCompactDeactivationsAndRemovals(t *testing.T) {
	md := markdownOf(t, sizedPlan(500, 500, 0, 0))
	if name := missing(md, "member%04d@example.com", 500) + missing(md, "gone%04d@example.com", 500); name != "" {
		t.Errorf("%s is not listed", name)
	}
	if strings.Contains(md, "NOT LISTED") || !strings.Contains(md, "listed by name only") {
		t.Error("want bundles, and nothing NOT LISTED")
	}
}

// 400 deactivations and 400 removals fit with either in full lines: the
// deactivations, graver, keep theirs.
func TestMarkdownCompactKeepsGraverInFull(t *testing.T) {
	md := markdownOf(t, sizedPlan(400, 400, 0, 0))
	if n := strings.Count(md, "\n-     deactivate (not in the manifest"); n != 400 {
		t.Errorf("%d deactivations in full lines, want 400", n)
	}
	if !strings.Contains(md, "-     remove (not listed in this authoritative team): 400 user(s)") {
		t.Error("want the removals bundled")
	}
}

// 1,500 deactivations, 1,500 removals and 3,000 creates: even by name the
// destructive changes pass the cap. The creates go, the deactivations are
// all named, then as many removals as fit; NOT LISTED counts the rest, and
// the bundle's head and the section title agree with the names listed.
func TestMarkdownCompactOverCap(t *testing.T) {
	md := markdownOf(t, sizedPlan(1500, 1500, 3000, 0))
	if name := missing(md, "gone%04d@example.com", 1500); name != "" {
		t.Errorf("%s is not listed", name)
	}
	listed := len(regexp.MustCompile(`member\d{4}@example\.com`).FindAllString(md, -1))
	if listed != strings.Count(md, "@example.com")-1500 || strings.Contains(md, "new0000") {
		t.Errorf("want deactivations and removals only")
	}
	notListed := checkRemovalsAccounted(t, md, listed, 1500)
	wantAll(t, md,
		fmt.Sprintf("-     remove (not listed in this authoritative team): %d of 1500 user(s) listed", listed), // then the names, on the line or below
		fmt.Sprintf("Team changes (%d of 1500 shown)", listed),
		"User changes (1500 of 4500 shown)",
		fmt.Sprintf("**%d of 6000 change lines are not shown", 3000+notListed),
	)
	if strings.Contains(md, "deactivation(s) do not fit") || strings.Contains(md, "of 1500 deactivation(s)") {
		t.Error("every deactivation is listed")
	}
}

// 3,000 unmanaged_user warnings do not fit with their messages, but their
// names do: listed by name under their code, not counted, while a rare
// warning (inactive_member, about a user) keeps its message.
func TestMarkdownWarningsByNameCompact(t *testing.T) {
	p := sizedPlan(0, 5, 0, 3000)
	p.Warnings = append(p.Warnings, plan.Warning{Code: plan.WarnLastAdmin, Message: "the last admin goes"},
		plan.Warning{Code: plan.WarnInactiveMember, User: "leaver@ex.com", Team: "evals", Message: "leaver@ex.com is listed in team evals but is active: false"})
	md := markdownOf(t, p)
	if name := missing(md, "u%04d@ex.com", 3000); name != "" {
		t.Errorf("warning about %s is not listed", name)
	}
	wantAll(t, md,
		"Warnings (3002, the routine ones listed by name", "! [last_admin] the last admin goes\n",
		"! [inactive_member] leaver@ex.com is listed in team evals but is active: false\n",
		"! [unmanaged_user]: 3000 warning(s)\n!     u0000@ex.com, u0001@ex.com,",
		"Of the 3002 warnings, the routine ones", "-     remove member0004@example.com (not listed in this authoritative team)\n",
	)
	if strings.Contains(md, "unmanaged_user: 3000") || strings.Contains(md, "is active in W&B") {
		t.Error("the warnings are listed by name, without their messages")
	}
}

// Names in a bundle are escaped as in full lines: a backtick cannot close
// the code block, a control character is shown escaped.
func TestMarkdownCompactEscapes(t *testing.T) {
	p := sizedPlan(0, 800, 0, 0)
	p.Changes = append(p.Changes, plan.Change{Action: plan.RemoveMember, Team: "big", TeamID: "g1", User: "x`y\x1b[2J\n-     z@x.com", UserID: "u", Reason: "not listed in this authoritative team"})
	md := markdownOf(t, p)
	if !strings.Contains(md, `x\x60y\x1b[2J\n- \u0020\u0020\u0020\u0020z@x.com`) || strings.Contains(md, "\x1b") || strings.Contains(md, "x`y") {
		t.Errorf("the name is not escaped:\n%s", md[max(0, strings.Index(md, "x\\x60y")-200):])
	}
}

// Across sizes the markdown stays within the cap, names every destructive
// change or says how many it does not, and names them all whenever it
// says none is left out.
func TestMarkdownCapSizes(t *testing.T) {
	for _, n := range []int{0, 1, 10, 100, 300, 500, 800, 1000, 1300, 2000, 5000, 20000} {
		var p plan.Plan
		for i := 0; i < n; i++ {
			p.Changes = append(p.Changes,
				plan.Change{Action: plan.CreateUser, User: user("new", i)},
				plan.Change{Action: plan.RemoveMember, Team: fmt.Sprintf("team-%d", i%3), TeamID: "g", User: user("rm", i), UserID: "u", Reason: "not listed in this authoritative team"})
			if i%2 == 0 {
				p.Changes = append(p.Changes, plan.Change{Action: plan.DeactivateUser, User: user("gone", i), UserID: "u", Reason: "active: false"})
			}
			if i%4 == 0 {
				p.Changes = append(p.Changes, plan.Change{Action: plan.SetTeamRole, Team: "team-0", TeamID: "g", User: user("role", i), UserID: "u", Role: "admin", From: "member"})
			}
			if i%2 == 1 {
				p.Warnings = append(p.Warnings, plan.Warning{Code: plan.WarnUnmanagedUser, User: user("w", i), Message: "is active"})
			}
		}
		md := markdownOf(t, p)
		destructive := n + (n+1)/2 + (n+3)/4
		shown, named := listedDestructive(md)
		notListed := 0
		for _, m := range regexp.MustCompile(`(\d+) of \d+ (deactivation|member removal|role change)`).FindAllStringSubmatch(md, -1) {
			k, _ := strconv.Atoi(m[1])
			notListed += k
		}
		if shown != named || shown+notListed != destructive {
			t.Errorf("n=%d: %d said shown, %d named, %d NOT LISTED, of %d", n, shown, named, notListed, destructive)
		}
		if notListed == 0 {
			for i := 0; i < n; i++ {
				if !strings.Contains(md, user("rm", i)) || i%2 == 0 && !strings.Contains(md, user("gone", i)) || i%4 == 0 && !strings.Contains(md, user("role", i)) {
					t.Errorf("n=%d: change %d is not named, and no NOT LISTED says so", n, i)
					break
				}
			}
		}
	}
}

// fit charges lines by changeLen and titleLen: they are the lengths of the
// lines written, backticks and escapes included.
func TestMarkdownLineLengths(t *testing.T) {
	p := plan.Plan{Changes: []plan.Change{
		{Action: plan.RemoveMember, Team: "t`\x1b", TeamID: "g", User: "x`y\x1b[2J\u202e@x.com", Reason: "r`"},
		{Action: plan.DeactivateUser, User: "é`\x9b@x.com"},
		{Action: plan.DeactivateUser, User: "\U0001F600ユーザー"}, // an emoji counts twice
	}}
	users, teams := groups(p, 0)
	for _, g := range append(users, teams...) {
		g.measure()
		for _, l := range []*markdownLayout{{}, {short: true}} { // full and short titles
			if width(l.titleLine(g)) != l.titleLen(g) {
				t.Errorf("titleLen(%q, short %v) = %d, the line is %d characters", g.title, l.short, l.titleLen(g), width(l.titleLine(g)))
			}
		}
		for _, ln := range g.lines {
			if width(changeLine(ln)) != changeLen(ln) {
				t.Errorf("changeLen(%q) = %d, the line is %d characters", ln.text, changeLen(ln), width(changeLine(ln)))
			}
		}
	}
}

// One removal in each of 600 teams: a bundle of one name costs more than
// its line, so the lines, which fit, are kept (bundling every tier would
// pass the cap and cut names that fit).
func TestMarkdownSingleRemovalTeams(t *testing.T) {
	var p plan.Plan
	for i := 0; i < 600; i++ {
		p.Changes = append(p.Changes, plan.Change{Action: plan.RemoveMember, Team: fmt.Sprintf("team%04d", i), TeamID: fmt.Sprintf("g%04d", i),
			User: "bob@example.com", UserID: "u", Reason: "not listed in this authoritative team"})
	}
	md := markdownOf(t, p)
	if name := missing(md, "team%04d", 600); name != "" {
		t.Errorf("%s is not listed", name)
	}
	if strings.Contains(md, "NOT LISTED") || width(md) > caps.Markdown {
		t.Errorf("%d characters, NOT LISTED %v: every removal fits as its own line", width(md), strings.Contains(md, "NOT LISTED"))
	}
	if n := strings.Count(md, "remove bob@example.com"); n != 600 {
		t.Errorf("%d removal lines, want 600", n)
	}
}

// The limit counts characters, not bytes: 4,500 deactivations of users
// named in Japanese (three bytes a character) are all listed by name,
// in more than caps.Markdown bytes but fewer characters.
func TestMarkdownCountsCharacters(t *testing.T) {
	var cs []plan.Change
	for i := range 4500 {
		cs = append(cs, plan.Change{Action: plan.DeactivateUser, User: fmt.Sprintf("ユーザー%05d", i), UserID: fmt.Sprintf("u%d", i), Reason: "not in the manifest"})
	}
	var b strings.Builder
	if err := WriteMarkdown(&b, plan.Plan{Changes: cs}); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if strings.Contains(md, "NOT LISTED") || width(md) > caps.Markdown || len(md) <= caps.Markdown {
		t.Fatalf("%d characters, %d bytes, NOT LISTED %v", width(md), len(md), strings.Contains(md, "NOT LISTED"))
	}
	for i := range 4500 {
		if !strings.Contains(md, fmt.Sprintf("ユーザー%05d", i)) {
			t.Fatalf("user %d is not named", i)
		}
	}
}

// When names must be left out, the view still uses its room: what the
// reserve for notes and frames kept back and the output did not use is
// given back, so NOT LISTED leaves less room unused than one more name
// would take (2,407 to 2,600 deactivations: with the reserve kept, 13 of
// 2,420 were NOT LISTED in an output 137 characters short of the limit).
//
// With team-role changes bundled by team as well, each complete bundle is
// charged its short head: only the bundles the cut falls in say "N of M
// listed" (charging every bundle the long head left 1,198 characters
// unused with 45 of 560 role changes NOT LISTED).
func TestMarkdownNotListedUsesTheRoom(t *testing.T) {
	for _, roleTeams := range []int{0, 140} {
		for n := 2380; n <= 2700; n += 7 {
			notListedUsesTheRoom(t, n-roleTeams*6, roleTeams)
		}
	}
}

func notListedUsesTheRoom(t *testing.T, n, roleTeams int) {
	t.Helper()
	{
		var cs []plan.Change
		for i := range n {
			cs = append(cs, plan.Change{Action: plan.DeactivateUser, User: fmt.Sprintf("gone%05d@example.com", i), UserID: fmt.Sprintf("d%d", i), Reason: "not in the manifest"})
		}
		for tm := range roleTeams {
			for j := range 4 {
				cs = append(cs, plan.Change{Action: plan.SetTeamRole, Team: fmt.Sprintf("team%03d", tm), TeamID: fmt.Sprintf("g%d", tm),
					User: fmt.Sprintf("r%03d-%d@example.com", tm, j), UserID: "u", Role: "admin", From: "member"})
			}
		}
		var b strings.Builder
		if err := WriteMarkdown(&b, plan.Plan{Changes: cs}); err != nil {
			t.Fatal(err)
		}
		md := b.String()
		if width(md) > caps.Markdown {
			t.Fatalf("n=%d: %d characters", n, width(md))
		}
		// What one more name takes: in a new team's bundle, the team's
		// title and the bundle's head too.
		next := 2 * len("gone00000@example.com, ")
		if roleTeams > 0 {
			next = len("~ team000 (id g0)\n~     set role (member → admin): 4 of 4 user(s) listed\n~         r000-0@example.com\n")
		}
		if strings.Contains(md, "NOT LISTED") && caps.Markdown-width(md) >= next {
			t.Errorf("n=%d, %d role teams: NOT LISTED with %d characters unused", n, roleTeams, caps.Markdown-width(md))
		}
	}
}

// 1,100 removals of names of 45 characters: wrapped at wrapWidth each
// takes a line of its own and some would be left out, but they fit
// comma-separated, so the names are wrapped densely and every one is
// listed; 800 of them still wrap at wrapWidth.
func TestMarkdownLongNamesListedDensely(t *testing.T) {
	removals := func(n int) plan.Plan {
		p := sizedPlan(0, n, 0, 0)
		for i := range p.Changes {
			p.Changes[i].User = fmt.Sprintf("someone-with-a-long-address-%05d@example.com", i)
		}
		return p
	}
	md := markdownOf(t, removals(1100))
	if name := missing(md, "someone-with-a-long-address-0%04d@example.com", 1100); name != "" {
		t.Errorf("%s is not listed", name)
	}
	if strings.Contains(md, "NOT LISTED") {
		t.Error("a NOT LISTED block although every name fits")
	}
	longest := 0
	for _, line := range strings.Split(md, "\n") {
		longest = max(longest, width(line))
	}
	if longest <= wrapWidth {
		t.Errorf("names wrapped at %d: the layout did not make them denser", longest)
	}
	md = markdownOf(t, removals(800))
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "-         ") && width(line) > wrapWidth {
			t.Errorf("a names line of %d characters where %d would do: %.60s...", width(line), wrapWidth, line)
		}
	}
}

// 1,250 removals of 45-character names fit comma-separated (names wrapped
// at 1,000 left 13 out); 1,200 unmanaged users of such names fit as
// warnings by name (wrapped at 100 they were counted by code).
func TestMarkdownNamesThatFitCommaSeparated(t *testing.T) {
	name := func(i int) string { return fmt.Sprintf("someone-with-a-long-address-%05d@example.com", i) }
	p := sizedPlan(0, 1250, 0, 0)
	for i := range p.Changes {
		p.Changes[i].User = name(i)
	}
	md := markdownOf(t, p)
	if strings.Contains(md, "NOT LISTED") || missing(md, "someone-with-a-long-address-0%04d@example.com", 1250) != "" {
		t.Errorf("not every removal is listed:\n%.600s", md)
	}
	p = plan.Plan{}
	for i := range 1200 {
		p.Warnings = append(p.Warnings, plan.Warning{Code: plan.WarnUnmanagedUser, User: name(i), Message: name(i) + " is active in W&B but not in the manifest (unmanagedUsers: ignore): not deactivated"})
	}
	md = markdownOf(t, p)
	if !strings.Contains(md, "listed by name") || missing(md, "someone-with-a-long-address-0%04d@example.com", 1200) != "" {
		t.Errorf("the warnings are not listed by name:\n%.600s", md)
	}
}

// Names wrapped more densely may make another form the cheapest (bundled
// rather than one line each), which can list fewer: a denser layout is
// kept only when it lists more. Teams of three removals each, two reasons,
// names of 24 to 85 characters: the markdown never lists fewer names than
// with names wrapped at wrapWidth alone.
func TestMarkdownDenserNeverListsFewer(t *testing.T) {
	listed := func(p plan.Plan, denser []int) int {
		var b strings.Builder
		if err := writeMarkdown(&b, p, denser); err != nil {
			t.Fatal(err)
		}
		if width(b.String()) > caps.Markdown {
			t.Fatalf("%d characters", width(b.String()))
		}
		return len(regexp.MustCompile(`r\d{6}-`).FindAllString(b.String(), -1))
	}
	// Teams of three removals; the second shape also has more warnings
	// than fit by name: there a denser wrap listed more before the room
	// left unused was given back, and one fewer after.
	for seed := range int64(6) {
		denserNeverListsFewer(t, listed, seed, 1066, 24, 85, 0)
	}
	denserNeverListsFewer(t, listed, 6, 896, 54, 63, 2092)
	denserNeverListsFewer(t, listed, 5, 400, 36, 124, 2627)
}

// denserNeverListsFewer checks one shape: teams of three removals with
// names of lo to hi characters, and warnings of such names.
func denserNeverListsFewer(t *testing.T, listed func(plan.Plan, []int) int, seed int64, teams, lo, hi, warnings int) {
	t.Helper()
	r := rand.New(rand.NewSource(seed))
	var p plan.Plan
	for k := range 3 * teams {
		n := lo + r.Intn(hi-lo+1)
		u := fmt.Sprintf("r%06d-%s@ex.co", k, strings.Repeat("x", n-14))
		p.Changes = append(p.Changes, plan.Change{Action: plan.RemoveMember, Team: fmt.Sprintf("team-%04d", k/3), TeamID: fmt.Sprint("g", k/3),
			User: u, UserID: fmt.Sprint("u", k), Reason: fmt.Sprint("reason number ", r.Intn(2))})
	}
	for i := range warnings {
		u := fmt.Sprintf("w%06d-%s@ex.co", i, strings.Repeat("y", lo+r.Intn(hi-lo+1)-14))
		p.Warnings = append(p.Warnings, plan.Warning{Code: plan.WarnUnmanagedUser, User: u, Message: u + " is something to warn about, at some length"})
	}
	p.Summary = plan.Summarize(p.Changes)
	base := listed(p, nil)
	for _, denser := range [][]int{denserWraps[:1], denserWraps[:]} {
		if got := listed(p, denser); got < base {
			t.Errorf("%d teams, %d warnings, seed %d: %d names listed trying wraps %v, %d with names wrapped at %d alone",
				teams, warnings, seed, got, denser, base, wrapWidth)
		}
	}
}

// 1,500 deactivations, one removal in each of 300 teams and one team role
// change in each of 150 others: with the removals in full lines, or
// bundled in each team's group, their team titles leave no room for every
// name, but with the removals listed across teams, each name followed by
// its team, every name fits (the role changes in full, the richer form that
// still fits). A team whose name another team of the plan shares is named
// with its id.
func TestMarkdownTeamLinesAcrossTeams(t *testing.T) {
	var p plan.Plan
	for i := range 1500 {
		p.Changes = append(p.Changes, plan.Change{Action: plan.DeactivateUser, User: fmt.Sprintf("d%05d@example.com", i), UserID: fmt.Sprintf("d%d", i), Reason: "active: false"})
	}
	for i := range 300 {
		p.Changes = append(p.Changes, plan.Change{Action: plan.RemoveMember, Team: fmt.Sprintf("team-%04d", i), TeamID: fmt.Sprintf("RW50aXR5OjIy%04d", i),
			User: fmt.Sprintf("r%05d@example.com", i), UserID: "u", Reason: "not listed in this authoritative team"})
	}
	for i := range 150 {
		p.Changes = append(p.Changes, plan.Change{Action: plan.SetTeamRole, Team: fmt.Sprintf("team-%04d", 300+i), TeamID: fmt.Sprintf("RW50aXR5OjIz%04d", i),
			User: fmt.Sprintf("a%05d@example.com", i), UserID: "u", Role: "admin", From: "member"})
	}
	for _, id := range []string{"g-a", "g-b"} {
		p.Changes = append(p.Changes, plan.Change{Action: plan.RemoveMember, Team: "dup", TeamID: id, User: "x-" + id + "@example.com", UserID: "u", Reason: "not listed in this authoritative team"})
	}
	md := markdownOf(t, p)
	if strings.Contains(md, "NOT LISTED") || width(md) > caps.Markdown {
		t.Fatalf("%d characters, NOT LISTED %v: every name fits listed across teams", width(md), strings.Contains(md, "NOT LISTED"))
	}
	for _, f := range []struct {
		format string
		n      int
	}{{"d%05d@example.com", 1500}, {"r%05d@example.com", 300}, {"a%05d@example.com", 150}} {
		if name := missing(md, f.format, f.n); name != "" {
			t.Errorf("%s is not listed", name)
		}
	}
	wantAll(t, md,
		"- remove (not listed in this authoritative team): 302 membership(s)\n",
		"r00000@example.com (team team-0000)",
		"~     role of a00149@example.com: member → admin\n", // room left: in full, the richer form
		"x-g-a@example.com (team dup (id g-a))", "x-g-b@example.com (team dup (id g-b))",
		"Team removals or role changes are listed across teams, each name followed by its team.")
	if strings.Contains(md, "~ team-0000 (id") {
		t.Errorf("a team listed across teams has its own title too:\n%s", md)
	}
}

// denseTeamsPlan is 400 deactivations, then in each of teams teams 5 role
// changes and 8 removals, all of short names.
func denseTeamsPlan(teams int) plan.Plan {
	var p plan.Plan
	for d := range 400 {
		p.Changes = append(p.Changes, plan.Change{Action: plan.DeactivateUser, User: fmt.Sprintf("d%05d@x.io", d), UserID: "u", Reason: "not in the manifest; unmanagedUsers: deactivate"})
	}
	for tm := range teams {
		team := fmt.Sprintf("team-%04d", tm)
		for r := range 5 {
			p.Changes = append(p.Changes, plan.Change{Action: plan.SetTeamRole, Team: team, TeamID: "g" + team, User: fmt.Sprintf("r%05d@x.io", tm*100+r), UserID: "u", Role: "admin", From: "member"})
		}
		for r := range 8 {
			p.Changes = append(p.Changes, plan.Change{Action: plan.RemoveMember, Team: team, TeamID: "g" + team, User: fmt.Sprintf("m%05d@x.io", tm*100+r), UserID: "u", Reason: "not listed in this authoritative team"})
		}
	}
	return p
}

// TestMarkdownInlineNames: when even names on a line per bundle leave
// some out, the densest form puts them on their head's line and titles
// teams by name alone: for 3,000 short names in 200 teams it leaves out
// fewer than 300 (the forms before it, 479), within the cap, and the
// counts agree with the names listed.
func TestMarkdownInlineNames(t *testing.T) {
	md := markdownOf(t, denseTeamsPlan(200))
	if width(md) > caps.Markdown {
		t.Fatalf("%d characters", width(md))
	}
	if !strings.Contains(md, "\n~ team-0000\n~     role member → admin: 5 user(s): r00000@x.io, r00001@x.io") {
		t.Errorf("no inline bundle under a team titled by name alone:\n%s", md[:min(len(md), 3000)])
	}
	m := regexp.MustCompile(`NOT LISTED: (\d+) of`).FindAllStringSubmatch(md, -1)
	notListed := 0
	for _, x := range m {
		k, _ := strconv.Atoi(x[1])
		notListed += k
	}
	shown, _ := listedDestructive(md)
	named := strings.Count(md, "@x.io") // every name of the plan is a removal, deactivation or role change
	if notListed >= 300 || shown != named || shown+notListed != 400+200*13 {
		t.Errorf("%d shown, %d named, %d NOT LISTED, of %d", shown, named, notListed, 400+200*13)
	}
}

// TestShortTitlesKeepIDsWhenNamesCollide: a team title drops its id in
// the densest form only when no other team of the plan has its name.
func TestShortTitlesKeepIDsWhenNamesCollide(t *testing.T) {
	_, teams := groups(plan.Plan{Changes: []plan.Change{
		{Action: plan.RemoveMember, Team: "dup", TeamID: "g1", User: "a@x.io", UserID: "u"},
		{Action: plan.RemoveMember, Team: "dup", TeamID: "g2", User: "b@x.io", UserID: "u"},
		{Action: plan.RemoveMember, Team: "solo", TeamID: "g3", User: "c@x.io", UserID: "u"},
		{Action: plan.AddMember, Team: "new", User: "d@x.io"},
	}}, 0)
	got := map[string]string{}
	for _, g := range teams {
		got[g.title] = g.short
	}
	want := map[string]string{"dup (id g1)": "dup (id g1)", "dup (id g2)": "dup (id g2)", "solo (id g3)": "solo", "new (new)": "new (new)"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("short titles (-want +got):\n%s", d)
	}
	// Names that read alike once written (a full title, an escaped
	// backtick, surrounding spaces) or that a warning names keep their ids.
	rm := func(team, id string) plan.Change {
		return plan.Change{Action: plan.RemoveMember, Team: team, TeamID: id, User: "u@x.io", UserID: "u"}
	}
	for _, tc := range []struct {
		name     string
		changes  []plan.Change
		warnings []plan.Warning
	}{
		{"a full title", []plan.Change{rm("a", "g2"), rm("a", "g3"), rm("a (id g2)", "g7")}, nil},
		{"surrounding spaces and case", []plan.Change{rm("ml", "g1"), rm(" ML ", "g2")}, nil},
		{"a warning", []plan.Change{rm("ml", "g2")}, []plan.Warning{{Code: plan.WarnDuplicateTeam, Team: "ml", IDs: []string{"g1", "g2"}}}},
	} {
		_, teams := groups(plan.Plan{Changes: tc.changes, Warnings: tc.warnings}, 0)
		for _, g := range teams {
			if g.short != g.title {
				t.Errorf("%s: %q shortened to %q", tc.name, g.title, g.short)
			}
		}
	}
	// A backtick is written \x60, and a name holding those four
	// characters is shown with its backslash doubled: the two do not read
	// alike.
	_, teams = groups(plan.Plan{Changes: []plan.Change{rm("a`b", "g1"), rm(`a\x60b`, "g2")}}, 0)
	if len(teams) != 2 || teams[0].short == teams[1].short {
		t.Errorf("a backtick and \\x60 written out read alike: %+v", teams)
	}
}

// Rare warnings too many to show with their messages are listed by name
// too, as the routine ones are.
func TestMarkdownRareWarningsByName(t *testing.T) {
	p := sizedPlan(0, 5, 0, 0)
	for i := range 3000 {
		u := fmt.Sprintf("r%04d@ex.com", i)
		p.Warnings = append(p.Warnings, plan.Warning{Code: plan.WarnEmailElsewhere, User: u,
			Message: u + " matches another live user, though live user x has the email " + u + ": it is treated as not in the manifest"})
	}
	md := markdownOf(t, p)
	if name := missing(md, "r%04d@ex.com", 3000); name != "" {
		t.Errorf("warning about %s is not listed", name)
	}
	wantAll(t, md, "Warnings (3000, listed by name", "! [email_elsewhere]: 3000 warning(s)\n", "The 3000 warnings are listed by name")
}

// TestListedNamesCannotForgeEntries: a name in a bundle's list that holds
// what separates entries (", ", " (team ") or starts with a quote is
// quoted, so that one account cannot read as two, or as a membership.
func TestListedNamesCannotForgeEntries(t *testing.T) {
	for in, want := range map[string]string{
		"bob@example.com":              "bob@example.com",
		"x, bob@example.com":           `"x, bob@example.com"`,
		"x (team ml), bob@example.com": `"x (team ml), bob@example.com"`,
		`"q`:                           `"\"q"`,
		"dup (id g-a)":                 "dup (id g-a)",
	} {
		if got := listed(in); got != want {
			t.Errorf("listed(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestShortNamesMeasuredAsShown: a name is cut to the markdown's width as
// it is shown (sanitize.Name), so that one padded with spaces, which Name
// escapes but for the first, is cut too, not shown six times as wide.
func TestShortNamesMeasuredAsShown(t *testing.T) {
	for _, s := range []string{strings.Repeat(" ", 300) + "x@example.com", "x" + strings.Repeat(`\n`, 200), strings.Repeat("\u3000", 200)} {
		short, cut := shortNameWith(s, caps.MarkdownName, nameWidth)
		if !cut || nameWidth(short) > caps.MarkdownName {
			t.Errorf("%.20q: cut %t to %d characters shown, want at most %d", s, cut, nameWidth(short), caps.MarkdownName)
		}
	}
}
