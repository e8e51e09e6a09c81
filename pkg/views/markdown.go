package views

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// width is the length of s in caps.Markdown's characters (UTF-16 code
// units).
func width(s string) int {
	// Each byte that starts a character counts one (continuation bytes,
	// 0x80 to 0xBF, none), and one that starts a four-byte character (above
	// U+FFFF) one more: the UTF-16 length of valid UTF-8, in one pass over
	// bytes.
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x80:
			n++
		case c >= 0xF0:
			n += 2
		case c >= 0xC0:
			n++
		}
	}
	return n
}

// capOverruns counts the layouts whose first output passed the cap: a
// price below what was written, which WriteMarkdown mends by narrowing the
// room, and the tests catch.
var capOverruns atomic.Int64

// WriteMarkdown writes the plan for a pull-request comment: a summary table
// (counting every change), the summary and seats lines, any BLOCKED
// section, a banner when the plan removes access, then the details in
// collapsible sections: user changes, team changes, warnings.
//
// The output is at most caps.Markdown characters. When the details do not fit,
// they degrade in steps, the richest form that fits winning, and a closing
// note says what was shortened or left out and to run
// `wbsync plan -o json` for all:
//   - the + lines are left out first (creates and adds to new teams, then
//     adds to teams that exist, which the NOT-listed block counts), then
//     the other ~ lines (display names);
//   - reactivations (and invitations that stand for one) and updates of
//     an account's email or externalId, which give an existing account
//     back or to another address, are always listed, one line each,
//     before the role changes: new teams make role changes cheap to
//     multiply;
//   - removals, deactivations and role changes are always listed by name
//     (the roles given in teams or to users the plan creates after the
//     others):
//     one line each with its reason, or, when those do not all fit, in
//     bundles of one kind of change and reason that name every user
//     ("remove (reason): 800 user(s)" over comma-separated names, see
//     mdcompact.go), in each team's group or, when the teams' titles do
//     not leave room for every name, across teams, each name followed by
//     its team; as few and as rich bundles as will do (on a tie,
//     deactivations keep their full lines, then removals);
//   - warnings are listed by name, with their messages, or else by name
//     only, grouped by code, unless even that does not fit next to the
//     removals, deactivations and role changes: then they are counted by
//     code ("duplicate_team: 12").
//
// Only when those names alone pass the limit (some thousands of
// removals) are some of them left out too: all but the account changes
// are bundled, kept in mustOrder (mdlayout.go: deactivations, account
// changes, role changes of existing accounts, removals, then the roles
// given in teams or to users the plan creates) as many as fit, each
// bundle's head says how many of its names it lists, and a CAUTION block
// at the top says how many of each are NOT listed.
//
// The layout first keeps room for the largest frames and notes it may
// write (l.reserve); when what it then wrote left room unused and less
// than everything is shown in full, it lays out again with that room
// given back, keeping the result only while it stays within the limit.
//
// Bundled names wrap at wrapWidth; while a layout leaves some of them
// out, the view is laid out again with names wrapped at the next of
// denserWraps, kept when it lists more, each compared as finally laid
// out (a denser wrap may bundle other tiers, so it does not always list
// more; on a tie the sparser is kept).
func WriteMarkdown(w io.Writer, p plan.Plan) error {
	return writeMarkdown(w, p, denserWraps[:])
}

// writeMarkdown is WriteMarkdown trying the denser wraps given.
func writeMarkdown(w io.Writer, p plan.Plan, denser []int) error {
	s := plan.Summarize(p.Changes)
	top, blocked, banner := markdownHead(p, s)
	users, teams := groups(p, caps.MarkdownName)
	l := newMarkdownLayout([]mdSection{{title: "User changes", groups: users}, {title: "Team changes", groups: teams}}, p.Warnings)
	render := func(room int) (string, bool, int) {
		l.reset()
		l.fit(room)
		var b strings.Builder
		b.Grow(caps.Markdown)
		b.WriteString(top)
		b.WriteString(blocked)
		l.writeNotListed(&b)
		b.WriteString(banner)
		l.writeDetails(&b)
		return b.String(), l.whole(), l.unlisted()
	}
	start := caps.Markdown - width(top) - width(blocked) - width(banner) - l.reserve()
	layOut := func() (string, int) {
		room := start
		out, whole, unlisted := render(room)
		// The layout prices what it writes; should a price ever fall
		// short of what is written, the room narrows until the output
		// is within the cap, which GitHub enforces (counted in
		// capOverruns, which the tests hold at zero).
		for tries := 0; width(out) > caps.Markdown && room > 0 && tries < 10; tries++ {
			capOverruns.Add(1)
			room = max(room-(width(out)-caps.Markdown)-caps.Markdown/100, 0)
			out, whole, unlisted = render(room)
		}
		// Give back what the output left unused; a try that passes the
		// limit (a longer count in a note) is tried again with half as
		// much.
		for add, tries := caps.Markdown-width(out), 0; !whole && add > 0 && tries < 10; tries++ {
			next, nextWhole, nextUnlisted := render(room + add)
			if width(next) > caps.Markdown {
				add /= 2
				continue
			}
			room += add
			out, whole, unlisted = next, nextWhole, nextUnlisted
			add = caps.Markdown - width(out)
		}
		return out, unlisted
	}
	out, unlisted := layOut()
	for i := 0; i < len(denser) && unlisted > 0; i++ {
		l.setWrap(denser[i])
		next, nextUnlisted := layOut()
		if nextUnlisted >= unlisted {
			break
		}
		out, unlisted = next, nextUnlisted
	}
	if unlisted > 0 && len(denser) > 0 {
		// Last, the names on their heads' lines.
		l.setInline()
		if next, nextUnlisted := layOut(); nextUnlisted < unlisted {
			out = next
		}
	}
	_, err := io.WriteString(w, out)
	return err
}

// markdownHead returns what goes above the details: the table, the
// summary and seats lines and the target (top), any BLOCKED section
// (blocked), and the access banners (removed, restored) (banner). A
// NOT LISTED block goes between the last two: below BLOCKED, which says
// that nothing will be applied whatever comes after it.
func markdownHead(p plan.Plan, s plan.Summary) (top, blocked, banner string) {
	var b strings.Builder
	b.WriteString("### wbsync plan\n\n")
	b.WriteString("| change | count |\n|---|---:|\n")
	for _, r := range []struct {
		name string
		n    int
	}{
		{"users created", s.CreateUsers}, {"users reactivated", s.ReactivateUsers}, {"users updated", s.UpdateUsers},
		{"teams created", s.CreateTeams}, {"members added", s.AddMembers}, {"roles set", s.SetRoles},
		{"members removed", s.RemoveMembers}, {"users deactivated", s.DeactivateUsers},
	} {
		fmt.Fprintf(&b, "| %s | %d |\n", r.name, r.n)
	}
	if s.UnverifiedRoles > 0 {
		fmt.Fprintf(&b, "| unverified role assertions | %d |\n", s.UnverifiedRoles)
	}
	fmt.Fprintf(&b, "| warnings | %d |\n\n", len(p.Warnings))
	fmt.Fprintf(&b, "**%s**\n\n%s\n\n", summaryLine(p), seatsLine(p))
	ls := limitLines(p)
	fmt.Fprintf(&b, "Target: `%s` · deployment: %s · limits: %s; %s\n\n", code(targetText(p)), deploymentText(p.Target.Deployment), ls[0], ls[1])
	top = b.String()
	b.Reset()
	// BLOCKED first: nothing will be applied, whatever the banners after
	// it say the plan would do.
	if p.IsBlocked() {
		b.WriteString("> [!WARNING]\n> **BLOCKED: a safety limit stops this plan; nothing will be applied.**\n")
		for _, bl := range p.Blocked {
			fmt.Fprintf(&b, "> - `%s`: %s\n", code(sanitize.Controls(string(bl.Limit))), htmlText(sanitize.Controls(bl.Message)))
		}
		b.WriteString("\n")
	}
	blocked = b.String()
	b.Reset()
	if s.RemoveMembers+s.DeactivateUsers > 0 {
		var what []string // only what the plan does: a zero is noise in a banner
		if s.DeactivateUsers > 0 {
			what = append(what, fmt.Sprintf("%d user(s) deactivated", s.DeactivateUsers))
		}
		if s.RemoveMembers > 0 {
			what = append(what, fmt.Sprintf("%d team membership(s) removed", s.RemoveMembers))
		}
		fmt.Fprintf(&b, "> [!CAUTION]\n> **This plan removes access:** %s.", strings.Join(what, ", "))
		if p.Target.Deployment == model.SaaS && s.DeactivateUsers > 0 {
			b.WriteString(" On Multi-tenant Cloud a deactivation removes the user from the organization and cannot be undone through SCIM.")
		}
		b.WriteString(" Review the details below before approving.\n\n")
	}
	if n := restored(p); n > 0 {
		// The mirror of removing access, and as easy to miss: applying an
		// old manifest again (a reverted offboarding) reactivates everyone
		// it offboarded, and no limit counts reactivations.
		what := "reactivated"
		switch {
		case s.ReactivateUsers == 0:
			what = "invited again (Multi-tenant Cloud cannot reactivate them)"
		case n > s.ReactivateUsers:
			what = "reactivated or invited again"
		}
		fmt.Fprintf(&b, "> [!WARNING]\n> **This plan restores access:** %d deactivated user(s) %s. Check that each one should be back before approving.\n\n", n, what)
	}
	if org, team := demoted(p); org+team > 0 {
		// No limit counts demotions, and a manifest that lost its role:
		// lines (or an export taken where roles were not reported) demotes
		// every admin at once.
		var what []string
		if org > 0 {
			what = append(what, fmt.Sprintf("%d organization admin(s)", org))
		}
		if team > 0 {
			what = append(what, fmt.Sprintf("%d team admin role(s)", team))
		}
		fmt.Fprintf(&b, "> [!WARNING]\n> **This plan takes admin rights away:** %s. Check that each one should lose them before approving.\n\n", strings.Join(what, " and "))
	}
	if n := unreviewable(p); n > 0 {
		// The diff of the files under review does not show what this
		// plan was made from: the comment is all a reviewer can read.
		fmt.Fprintf(&b, "> [!WARNING]\n> **The manifest's diff does not show what wbsync reads:** %d manifest file(s) are UTF-16 (shown as binary) or hold bidirectional controls (shown reordered): review the changes below, not the diff, and see the `manifest_unreviewable` warnings.\n\n", n)
	}
	return top, blocked, b.String()
}

// unreviewable counts p's manifest_unreviewable warnings.
func unreviewable(p plan.Plan) (n int) {
	for _, w := range p.Warnings {
		if w.Code == plan.WarnManifestUnreviewable {
			n++
		}
	}
	return n
}

// demoted counts the changes of p that take an admin right away
// (plan.Change.TakesAdmin): organization admins (demoted or deactivated),
// then team admin roles (demoted or removed from the team).
func demoted(p plan.Plan) (org, team int) {
	for _, c := range p.Changes {
		switch {
		case !c.TakesAdmin():
		case c.Action == plan.SetOrgRole || c.Action == plan.DeactivateUser:
			org++
		default:
			team++
		}
	}
	return org, team
}

// restored counts the changes of p that give a deactivated user access
// again (plan.Change.Restores).
func restored(p plan.Plan) int {
	n := 0
	for _, c := range p.Changes {
		if c.Restores() {
			n++
		}
	}
	return n
}

// code makes text safe inside a fenced block or inline code span: a
// backtick, which could close it, is written \x60 (as sanitize.Controls
// writes the characters it escapes), so that a name holding one does not
// read as a name holding an apostrophe.
func code(s string) string { return strings.ReplaceAll(s, "`", `\x60`) }

// codeLen is width(code(s)), without building it.
func codeLen(s string) int { return width(s) + 3*strings.Count(s, "`") }

// htmlText escapes what markdown would read as HTML in running text (&, <
// and >), and nothing else: quotes mean nothing there, and escaped
// (&#39;) they make the raw comment, which job logs show, hard to read.
var htmlText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace
