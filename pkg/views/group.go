package views

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// group is the changes of one user or one team, as the text and markdown
// views show them.
type group struct {
	sym   byte   // '+', '~' or '-'
	title string // the user, or the team with its id
	key   string // sort key
	id    string // a user group's user id ("" for a user the plan creates)
	cut   bool   // a user group's name was cut (cutNames)
	lines []line
	// short is the title the markdown view's densest form uses: a team's
	// name without its id when no other team group has that name
	short string
	// the markdown view's measures, set once (measure): codeLen of title
	// and of short
	titleLen, shortLen int
	measured           bool
}

// line is one change inside a group.
type line struct {
	sym    byte
	action plan.Action
	tier   int8 // the markdown view's tier (tierOf)
	// late: for a line kept after the other lines of its tier, and after
	// the removals (a role in a team or of a user the plan creates:
	// newcomerRole), what its compact bundle says of it (lateLabel); ""
	// for the others
	late string
	// early: kept before the other lines of its tier (it takes an admin
	// right away)
	early bool
	text  string
	// removals, deactivations and role changes only: the user, and text
	// without the user
	who, gist string
	// team removals and role changes only: the team, as the markdown
	// view names it when it lists them across teams (bundleChanges)
	team string
	// the markdown view's measures (group.measure): codeLen of text, who;
	// flatLen: codeLen of the name listed across teams (bundleChanges)
	textLen, whoLen, flatLen int
}

// rank is where the markdown view keeps ln within its tier (mustOrder).
func (ln *line) rank() int8 {
	switch {
	case ln.late != "":
		return rankLate
	case ln.early:
		return rankEarly
	}
	return rankNormal
}

// measure sets the markdown view's measures of g and its lines, once.
func (g *group) measure() {
	if g.measured {
		return
	}
	g.titleLen, g.shortLen = codeLen(g.title), codeLen(g.short)
	for i := range g.lines {
		ln := &g.lines[i]
		ln.textLen, ln.whoLen = codeLen(ln.text), codeLen(listed(ln.who)) // as a bundle lists it
	}
	g.measured = true
}

// isUserAction reports whether the change shows under its user (else under
// its team).
func isUserAction(a plan.Action) bool {
	switch a {
	case plan.CreateTeam, plan.AddMember, plan.SetTeamRole, plan.RemoveMember:
		return false
	}
	return true
}

// groups splits the plan's changes into user groups and team groups, each
// sorted by name, lines in plan (apply) order. With cut > 0 a name the
// view would show in more than cut characters is shortened (cutNames),
// and a live user whose name was shortened shows its id.
func groups(p plan.Plan, cut int) (users, teams []*group) {
	byUser := map[string]*group{}
	byTeam := map[string]*group{}
	for _, c := range p.Changes {
		var g *group
		shown, wasCut := cutNames(c, cut) // the change as the view names it
		if isUserAction(c.Action) {
			// One group per user: two users whose names differ only in
			// case (or a user created beside another account holding its
			// email) are told apart by id.
			k := model.Key(plan.UserText(c)) + "\x00" + c.UserID
			if g = byUser[k]; g == nil {
				g = &group{title: sanitize.Name(plan.UserText(shown)), key: k, id: shown.UserID, cut: wasCut}
				byUser[k] = g
				users = append(users, g)
			}
		} else {
			k := model.Key(c.Team) + "\x00" + c.TeamID
			if g = byTeam[k]; g == nil {
				team := sanitize.Name(shown.Team)
				title, short := team+" (new)", team+" (new)"
				if c.TeamID != "" {
					title, short = fmt.Sprintf("%s (id %s)", team, sanitize.Name(shown.TeamID)), team
				}
				g = &group{title: sanitize.Controls(title), short: sanitize.Controls(short), key: k}
				byTeam[k] = g
				teams = append(teams, g)
			}
		}
		ln := line{sym: c.Action.Symbol(), action: c.Action, tier: tierOf(c), late: lateLabel(c), early: c.TakesAdmin(), text: sanitize.LTRArrows(sanitize.Controls(lineText(shown)))}
		if ln.tier < mustTiers && bundled(int(ln.tier)) {
			ln.who, ln.gist = sanitize.Name(plan.UserText(shown)), ln.text // the user's group names the user
			if c.Action == plan.RemoveMember || c.Action == plan.SetTeamRole {
				ln.gist, ln.team = sanitize.LTRArrows(sanitize.Controls(gistText(shown))), sanitize.Name(shown.Team)
			}
		}
		g.lines = append(g.lines, ln)
	}
	for _, gs := range [][]*group{users, teams} {
		for _, g := range gs {
			g.sym = groupSymbol(g.lines)
		}
		slices.SortFunc(gs, func(a, b *group) int { return strings.Compare(a.key, b.key) })
	}
	shortTitles(teams, p.Warnings, cut)
	// Users whose names alone do not tell them apart show their ids, and
	// so do users whose names were cut.
	for i := 0; i < len(users); {
		name, _, _ := strings.Cut(users[i].key, "\x00")
		j := i + 1
		for j < len(users) && strings.HasPrefix(users[j].key, name+"\x00") {
			j++
		}
		for _, g := range users[i:j] {
			if j-i > 1 || g.cut && g.id != "" {
				g.title += idSuffix(g.id)
			}
		}
		i = j
	}
	for _, g := range users {
		g.short = g.title // a user group's short title is its title
	}
	return users, teams
}

// cutNames returns c with each name (user, userName, team, ids) that the
// markdown view would show in more than cut characters shortened
// (shortName), and whether a user name was; with cut 0, c itself. The
// names stay raw: the lines and titles built from them are escaped whole.
func cutNames(c plan.Change, cut int) (plan.Change, bool) {
	if cut <= 0 {
		return c, false
	}
	var user, name bool
	// Names and ids are shown as names (sanitize.Name), and measured so.
	c.User, user = shortNameWith(c.User, cut, nameWidth)
	c.Username, name = shortNameWith(c.Username, cut, nameWidth)
	c.Team, _ = shortNameWith(c.Team, cut, nameWidth)
	c.TeamID, _ = shortNameWith(c.TeamID, cut, nameWidth)
	c.UserID, _ = shortNameWith(c.UserID, cut, nameWidth)
	role, _ := shortName(string(c.Role), cut) // a custom role's name comes from the server
	c.Role = model.Role(role)
	// An update's and a create's attributes, the manifest's and the
	// server's: a display name of thousands of spaces would push what
	// follows it on the line out of view (a code block does not wrap).
	// They are shown quoted (%q: a U+3000 as \u3000), and measured so.
	if c.Action == plan.UpdateUser {
		c.From, _ = shortNameWith(c.From, cut, quotedWidth) // the old display name
	} else {
		c.From, _ = shortName(c.From, cut)
	}
	for _, f := range []*string{&c.Name, &c.Email, &c.FromEmail, &c.ExternalID, &c.FromExternalID} {
		*f, _ = shortNameWith(*f, cut, quotedWidth)
	}
	// The other live emails an email update drops come from the server
	// (up to caps.UserEmails of caps.Field bytes each): shortened as the
	// others, so that one record cannot fill the comment with its line.
	if dropped := c.DroppedEmails.Values(); len(dropped) > 0 {
		for i := range dropped {
			dropped[i], _ = shortNameWith(dropped[i], cut, quotedWidth)
		}
		c.DroppedEmails = plan.NewEmailList(dropped)
	}
	return c, user || name
}

// quotedWidth is how many characters the markdown view shows s in when a
// line quotes it (sanitize.Quote, as %q with padding escaped).
func quotedWidth(s string) int { return shownWidth(sanitize.Quote(s)) - 2 }

// shortName returns s when the markdown view shows it in at most n
// characters (escaped: sanitize.Controls, then a backtick as \x60), else
// its head and its tail, each shown in at most n/2-8 characters, around
// "…", and then " #" and 12 hex digits of the SHA-256 of s (n-1
// characters in all): the end of an email, its domain, stays in view,
// and two long names never read alike. A short name that holds "…"
// (which may spell another's shortened form) is shown whole with its
// hash too.
func shortName(s string, n int) (string, bool) { return shortNameWith(s, n, shownWidth) }

// shortNameWith is shortName, measuring with width.
func shortNameWith(s string, n int, width func(string) int) (string, bool) {
	w := width(s)
	switch {
	case w <= n && !strings.Contains(s, "…"):
		return s, false
	case w <= n-1-hashWidth:
		return s + nameHash(s), true
	}
	part := n/2 - 8
	head := fitBytes(s, part, width, false)
	tail := len(s) - fitBytes(s[head:], part, width, true)
	// Marks of different widths (escaped above U+FFFF in 10 characters)
	// shown raw at the tail's start rather than at its end can leave the
	// count a few characters short: give them back from the tail.
	out := s[:head] + "…" + s[tail:] + nameHash(s)
	for width(out) > n-1 && tail < len(s) {
		_, size := utf8.DecodeRuneInString(s[tail:])
		tail += size
		out = s[:head] + "…" + s[tail:] + nameHash(s)
	}
	// A head measured a character at a time can show wider whole (a run
	// of spaces Name escapes but its first): give back from its end.
	for width(out) > n-1 && head > 0 {
		_, size := utf8.DecodeLastRuneInString(s[:head])
		head -= size
		out = s[:head] + "…" + s[tail:] + nameHash(s)
	}
	return out, true
}

// fitBytes returns how many bytes of s, from its start (or, backward, from
// its end), width shows in at most part characters. Each character is
// measured alone, but a combining mark past sanitize.MaxMarks in a row (a
// "Zalgo" name) is shown escaped. (Counted from its end, a run shows as
// many escapes as counted from its start.)
func fitBytes(s string, part int, width func(string) int, backward bool) int {
	n, w, run := 0, 0, 0
	for n < len(s) {
		var r rune
		var size int
		var piece string
		if end := len(s) - n; backward {
			r, size = utf8.DecodeLastRuneInString(s[:end])
			piece = s[end-size : end]
		} else {
			r, size = utf8.DecodeRuneInString(s[n:])
			piece = s[n : n+size]
		}
		cw := width(piece)
		if sanitize.Stacked(r, &run) {
			cw = sanitize.EscapedMarkWidth(r)
		}
		if w += cw; w > part {
			break
		}
		n += size
	}
	return n
}

// hashWidth is the width of nameHash's result.
const hashWidth = 14

// nameHash is " #" and 12 hex digits of the SHA-256 of s.
func nameHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return " #" + hex.EncodeToString(sum[:6])
}

// shownWidth is how many characters the markdown view shows s in.
func shownWidth(s string) int { return codeLen(sanitize.Controls(s)) }

// nameWidth is how many characters the markdown view shows a name in.
func nameWidth(s string) int { return codeLen(sanitize.Name(s)) }

// idSuffix tells apart users that share a name: their SCIM id, or that the
// plan creates the user.
func idSuffix(id string) string {
	if id == "" {
		return " (new)"
	}
	return " (id " + sanitize.Name(id) + ")"
}

// groupSymbol marks what happens to the group's user or team itself, as
// Terraform marks a resource: '+' when the plan creates it, '-' when it
// deactivates the user, else '~' (changed in place: a team that only gains
// or loses members is still there).
func groupSymbol(ls []line) byte {
	for _, l := range ls {
		switch l.action {
		case plan.CreateUser, plan.CreateTeam:
			return '+'
		case plan.DeactivateUser:
			return '-'
		}
	}
	return '~'
}

// lineText describes a change inside its group (the group names the user
// or team).
func lineText(c plan.Change) string {
	var s string
	user := sanitize.Name(plan.UserText(c)) // the line is escaped again whole: Controls keeps this
	switch c.Action {
	case plan.CreateUser:
		s = "create user" + plan.CreateAttrs(c)
	case plan.CreateTeam:
		s = "create team"
	case plan.ReactivateUser:
		s = "reactivate"
	case plan.UpdateUser:
		s = "update " + plan.UpdateText(c)
	case plan.SetOrgRole:
		s = "org role → " + plan.RoleText(c.Role)
		if c.From != "" {
			s = fmt.Sprintf("org role %s → %s", plan.RoleText(model.Role(c.From)), plan.RoleText(c.Role))
		}
	case plan.DeactivateUser:
		s = "deactivate"
		if c.TakesAdmin() {
			s = "deactivate org admin"
		}
	case plan.AddMember:
		s = fmt.Sprintf("add %s as %s", user, plan.RoleText(plan.RoleOrMember(c.Role)))
	case plan.SetTeamRole:
		s = fmt.Sprintf("role of %s → %s", user, plan.RoleText(c.Role))
		if c.From != "" {
			s = fmt.Sprintf("role of %s: %s → %s", user, plan.RoleText(model.Role(c.From)), plan.RoleText(c.Role))
		}
	case plan.RemoveMember:
		s = "remove " + user
		if c.TakesAdmin() {
			s = "remove team admin " + user
		}
	default:
		return plan.Describe(c)
	}
	return withReason(s, c)
}

// gistText is lineText without the user, for the compact markdown form
// that lists many such changes by name under one line.
func gistText(c plan.Change) string {
	switch c.Action {
	case plan.RemoveMember:
		if c.TakesAdmin() {
			return withReason("remove team admin", c)
		}
		return withReason("remove", c)
	case plan.SetTeamRole:
		s := "role → " + plan.RoleText(c.Role)
		if c.From != "" {
			s = fmt.Sprintf("role %s → %s", plan.RoleText(model.Role(c.From)), plan.RoleText(c.Role))
		}
		return withReason(s, c)
	}
	return lineText(c)
}

func withReason(s string, c plan.Change) string {
	if c.Reason != "" {
		s += " (" + c.Reason + ")"
	}
	return s
}

// summaryLine is the last line of the text view (and the headline of the
// markdown view). Unverified role assertions are not drift: they are
// counted apart.
func summaryLine(p plan.Plan) string {
	s := plan.Summarize(p.Changes)
	a, c, r := s.Counts()
	if !p.HasDrift() {
		if s.UnverifiedRoles > 0 {
			return fmt.Sprintf("No changes. %d to add, %d to change, %d to remove, and %d unverified role assertion(s).", a, c, r, s.UnverifiedRoles)
		}
		return "No changes."
	}
	if s.UnverifiedRoles > 0 {
		return fmt.Sprintf("Plan: %d to add, %d to change, %d to remove, and %d unverified role assertion(s).", a, c, r, s.UnverifiedRoles)
	}
	return fmt.Sprintf("Plan: %d to add, %d to change, %d to remove.", a, c, r)
}

// seatsLine states the active users before and after the plan.
func seatsLine(p plan.Plan) string {
	return fmt.Sprintf("Seats: %d active → %d active", p.Seats.ActiveBefore, p.Seats.ActiveAfter)
}

// deploymentText names the deployment for the header.
func deploymentText(d model.Deployment) string {
	switch d {
	case model.SaaS:
		return "saas (W&B Multi-tenant Cloud)"
	case model.Dedicated:
		return "dedicated (W&B Dedicated Cloud or self-managed)"
	case "":
		return "not set"
	}
	return sanitize.Controls(string(d)) // a plan's own value: escaped as every plan string is
}

// limitLines state the limits in force, escaped (the rules are the
// planner's words, but a plan's strings are escaped wherever shown).
func limitLines(p plan.Plan) []string {
	d := fmt.Sprintf("maxDeactivations %d", p.Limits.MaxDeactivations)
	if p.Limits.MaxDeactivationsRule != "" {
		d += " (" + p.Limits.MaxDeactivationsRule + ")"
	}
	r := fmt.Sprintf("maxMemberRemovals %d", p.Limits.MaxMemberRemovals)
	if p.Limits.MaxMemberRemovalsRule != "" {
		r += " (" + p.Limits.MaxMemberRemovalsRule + ")"
	}
	return []string{sanitize.Controls(d), sanitize.Controls(r)}
}

// warningText is one warning on one line, control characters escaped,
// and its user, team and ids, where the message names them as they are,
// escaped as names (namesEscaped).
func warningText(w plan.Warning) string {
	names := append([]string{w.User, w.Username, w.Team, strings.TrimSpace(w.Team)}, w.IDs...)
	// Look-alikes anywhere: a message may name users it has no field for
	// (the giver of an email handover).
	return sanitize.LookAlikes(sanitize.Controls(fmt.Sprintf("[%s] %s", w.Code, namesEscaped(w.Message, names))))
}

// namesEscaped is msg with each of names, where msg holds it as it is,
// written as a name (sanitize.Name), and where msg quotes it (%q, whose
// backslashes are escaped already) with its padding escaped (sanitize.Quote).
// Only a name that Name writes otherwise than Controls (a backslash,
// padding) needs it.
func namesEscaped(msg string, names []string) string {
	type form struct{ from, to string }
	var quoted, shown, raw []form
	for _, n := range names {
		s := sanitize.Name(n)
		if n == "" || s == sanitize.Controls(n) {
			continue
		}
		q := sanitize.Quote(n)
		quoted = append(quoted, form{strconv.Quote(n), q}, form{q, q})
		shown = append(shown, form{s, s})
		raw = append(raw, form{n, s})
	}
	if len(raw) == 0 {
		return msg
	}
	// Quoted forms first, then forms already written as names: a raw
	// name is looked for only where neither begins.
	forms := slices.Concat(quoted, shown, raw)
	var b strings.Builder
scan:
	for i := 0; i < len(msg); {
		for _, f := range forms {
			if strings.HasPrefix(msg[i:], f.from) {
				b.WriteString(f.to)
				i += len(f.from)
				continue scan
			}
		}
		b.WriteByte(msg[i])
		i++
	}
	return b.String()
}

// targetText is the target URL for a header, escaped.
func targetText(p plan.Plan) string {
	if p.Target.URL == "" {
		return "not set"
	}
	return sanitize.Controls(p.Target.URL)
}

// shortTitles keeps a team group's short title (its name without its id)
// only where the name alone tells the team apart in the view: no other
// group's name or full title reads the same as written (escaped, ignoring
// case and surrounding spaces), and no warning names a team of that name
// (a duplicate_team warning counts ids the short title would hide). The
// others keep their full title. Full titles differ by id, and a kept short
// title differs from every other title, so one pass suffices. cut is
// groups' cut.
func shortTitles(teams []*group, ws []plan.Warning, cut int) {
	fold := func(s string) string { return strings.ToLower(strings.TrimSpace(code(s))) }
	shorts, fulls, warned := map[string]int{}, map[string]int{}, map[string]bool{}
	for _, g := range teams {
		shorts[fold(g.short)]++
		fulls[fold(g.title)]++
	}
	for _, w := range ws {
		if w.Team != "" {
			warned[fold(sanitize.Name(w.Team))] = true
			if cut > 0 {
				if short, ok := shortNameWith(w.Team, cut, nameWidth); ok {
					warned[fold(sanitize.Name(short))] = true // as the groups show it
				}
			}
		}
	}
	for _, g := range teams {
		k := fold(g.short)
		own := 0
		if fold(g.title) == k {
			own = 1 // a title that is its short title (a new team's)
		}
		if shorts[k] > 1 || fulls[k]-own > 0 || warned[k] || warned[fold(strings.TrimSuffix(g.short, " (new)"))] {
			g.short = g.title
		}
	}
}
