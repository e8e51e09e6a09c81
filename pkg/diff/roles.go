package diff

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// maxRoleProblems bounds the lines of a CheckRoles error, as the
// manifest's problems are bounded.
const maxRoleProblems = caps.Problems

// maxSuggestDistance is the largest edit distance a "did you mean"
// suggestion may have.
const maxSuggestDistance = 3

// CustomRoleNames returns the custom team role names the manifest declares
// (any member role other than admin, member or viewer, in any case),
// sorted and without duplicates; nil when there is none. The CLI reads the
// server's /Roles only when this is not empty.
func CustomRoleNames(want model.State) []string {
	var names []string
	for _, t := range want.Teams {
		for _, m := range t.Members {
			if r := m.Role.Norm(); r != "" && !r.Predefined() {
				names = append(names, string(r))
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// CheckRoles checks the custom team roles of the manifest against the
// deployment: on Multi-tenant Cloud (model.SaaS) any custom role is an
// error; on Dedicated Cloud and self-managed, when checked (the server's
// /Roles was read, its names in existing), a name /Roles does not list
// (case-sensitively) is an error with a "did you mean" for the closest
// name within an edit distance of 3. Predefined roles are accepted in any
// case. Unchecked custom roles (no /Roles on the server) are no error:
// Compute warns about them with Options.CustomRolesUnchecked.
//
// The error names the team and member of every problem, one per line,
// sorted (by position when where is given), at most 100 of them followed by "... and N more problem(s)"; nil
// when there is none. where, when not nil, gives where member m of team t
// is written (FILE:LINE:COL, or ""), which then starts its line.
func CheckRoles(want model.State, dep model.Deployment, existing []string, checked bool, where func(t, m int) string) error {
	if dep != model.SaaS && !checked {
		return nil
	}
	known := make(map[string]bool, len(existing))
	for _, n := range existing {
		known[n] = true
	}
	// Suggestions come from what the server has, and from the predefined
	// roles (a misspelt "admni" is meant as admin).
	candidates := []string{string(model.RoleAdmin), string(model.RoleMember), string(model.RoleViewer)}
	if dep != model.SaaS {
		for _, n := range existing {
			if strings.TrimSpace(n) == n { // a manifest role cannot hold "Reviewer ": never offered
				candidates = append(candidates, n)
			}
		}
	}
	// A problem's line is made without its "did you mean" first: the
	// suggestions, which compare a name with every role the server lists,
	// are made for the lines shown only, once per role name.
	type problem struct{ line, role string }
	var problems []problem
	for ti, t := range want.Teams {
		for mi, m := range t.Members {
			r := m.Role.Norm()
			if r == "" || r.Predefined() || (dep != model.SaaS && known[string(r)]) {
				continue
			}
			line := fmt.Sprintf("team %s, member %s: role %q", shown(t.Name), shown(m.Email), string(r))
			if where != nil {
				if at := where(ti, mi); at != "" {
					line = at + ": " + line
				}
			}
			problems = append(problems, problem{line, string(r)})
		}
	}
	if len(problems) == 0 {
		return nil
	}
	byLine := func(a, b problem) int { return strings.Compare(a.line, b.line) }
	if where == nil {
		slices.SortFunc(problems, byLine)
	} // else in manifest order (teams, then members): by position
	problems = slices.CompactFunc(problems, func(a, b problem) bool { return a.line == b.line })
	n := len(problems)
	problems = problems[:min(n, maxRoleProblems)]
	why := map[string]string{}
	unsuggested := false // a role with no name close to it on the server
	lines := make([]string, 0, len(problems)+2)
	for _, pr := range problems {
		w, ok := why[pr.role]
		if !ok {
			w = "custom roles exist only on Dedicated Cloud and Self-Managed"
			if dep != model.SaaS {
				w = "no such role on the server (/Roles)"
			}
			if s := suggest(pr.role, candidates); s != "" && model.Composed(pr.role) == model.Composed(s) {
				// Two spellings that look alike: an accent typed as its
				// own character (as macOS input and file names give it).
				w += "; the server's " + strconv.QuoteToASCII(s) + " is the same text with each accented letter as one character, where the manifest has " +
					strconv.QuoteToASCII(pr.role) + ": write the role as the server spells it"
			} else if s != "" {
				w += "; did you mean " + strconv.Quote(s) + "?"
			} else if dep != model.SaaS {
				unsuggested = true
			}
			why[pr.role] = w
		}
		lines = append(lines, pr.line+": "+w)
	}
	if n > maxRoleProblems {
		lines = append(lines, fmt.Sprintf("... and %d more problem(s)", n-maxRoleProblems))
	}
	if unsuggested {
		lines = append(lines, customRoles(existing))
	}
	if where != nil {
		// Lines that start FILE:LINE:COL, as the loader's problems do,
		// for editors and CI problem matchers.
		return fmt.Errorf("%d team role problem(s):\n%s", n, strings.Join(lines, "\n"))
	}
	return fmt.Errorf("%d team role problem(s):\n  %s", n, strings.Join(lines, "\n  "))
}

// customRoles says which custom roles existing (what /Roles lists) holds,
// the first few by name: a role the manifest names and the server lacks
// may have been deleted in W&B, or renamed.
func customRoles(existing []string) string {
	var custom []string
	for _, n := range existing {
		if !model.Role(n).Norm().Predefined() {
			custom = append(custom, strconv.Quote(n))
		}
	}
	if len(custom) == 0 {
		return "the server has no custom role: a role the manifest names may have been deleted in W&B"
	}
	slices.Sort(custom)
	custom = slices.Compact(custom)
	const shownRoles = 10
	more := ""
	if len(custom) > shownRoles {
		more = fmt.Sprintf(" and %d more", len(custom)-shownRoles)
		custom = custom[:shownRoles]
	}
	return "the server's custom roles are " + strings.Join(custom, ", ") + more + ": a role the manifest names and the server lacks may have been deleted or renamed in W&B"
}

// suggest returns the candidate closest to name: one that differs only in
// case first, else the smallest edit distance (case-sensitive) up to
// maxSuggestDistance, ties broken by name; "" when none is close.
func suggest(name string, candidates []string) string {
	best, bestD := "", maxSuggestDistance+1
	for _, c := range candidates {
		d := editDistance(name, c)
		if c != name && (strings.EqualFold(c, name) || model.Composed(c) == model.Composed(name)) {
			d = 0 // a case-only difference, or accents composed otherwise, is the best guess
		}
		if d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	if d := utf8.RuneCountInString(a) - utf8.RuneCountInString(b); d > maxSuggestDistance || -d > maxSuggestDistance {
		return max(d, -d) // a lower bound, already too far to suggest: no allocation
	}
	ra, rb := []rune(a), []rune(b)
	if len(ra) < len(rb) {
		ra, rb = rb, ra
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// warnUnreported adds the warnings about what the live read does not
// report: externalIds, roles, and custom roles the server could not list.
// Each is one warning in all.
func (p *planner) warnUnreported() {
	if p.wantExtIDs > 0 && !p.extReported {
		p.warn(plan.Warning{Code: plan.WarnExternalIDUnreported, Message: fmt.Sprintf(
			"the server reports no externalId for any user, so the %d externalId(s) the manifest sets cannot be compared with live ones: no externalId update is planned (new users are still created with theirs)",
			p.wantExtIDs), Count: p.wantExtIDs})
	}
	// When the read reports no role of either kind (an empty organization
	// included, as for externalId), every declaration of the manifest
	// counts (those of new users and memberships too). When it reports one
	// kind only, every declaration of the other kind counts if the read
	// could have reported it (it lists users; for team roles, team
	// members); else those of the existing users it does not report them
	// for.
	orgN, teamN := p.uncheckedOrgRoles, p.uncheckedTeamRoles
	none := !p.orgRolesReported && !p.teamRolesReported
	if org, team := none || !p.orgRolesReported && len(p.have.Users) > 0, none || !p.teamRolesReported && p.liveMembers(); org || team {
		declOrg, declTeam := declaredRoles(p.want)
		if org {
			orgN = declOrg
		}
		if team {
			teamN = declTeam
		}
	}
	if n := orgN + teamN; n > 0 {
		var kinds []string
		if orgN > 0 {
			kinds = append(kinds, fmt.Sprintf("%d organization role(s)", orgN))
		}
		if teamN > 0 {
			kinds = append(kinds, fmt.Sprintf("%d team role(s)", teamN))
		}
		what := "those of existing users are not sent (policy.unreportedRoles: skip; set it to enforce to send them anyway); new users and memberships get theirs"
		if p.policy.UnreportedRoles == model.RolesEnforce {
			what = "those of existing users are sent anyway as unverified role assertions (policy.unreportedRoles: enforce)"
		}
		// Said of the kinds counted: not at all, or not for some users.
		why := "the live read reports no roles (neither organizationRole nor teamRoles)"
		if !none {
			var missing []string
			for _, k := range []struct {
				n        int
				reported bool
				attr     string
			}{{orgN, p.orgRolesReported, "organizationRole"}, {teamN, p.teamRolesReported, "teamRoles"}} {
				switch {
				case k.n == 0:
				case k.reported:
					missing = append(missing, k.attr+" for some users")
				default:
					missing = append(missing, k.attr)
				}
			}
			why = "the live read does not report " + strings.Join(missing, ", nor ")
		}
		if len(p.have.Users) == 0 {
			why = "the organization has no users yet: the live read reports no roles"
			if p.have.UsersHidden() {
				why = "the live read lists no user, though its teams have members (a key or a proxy that does not show /Users?): it reports no roles"
			}
		}
		p.warn(plan.Warning{Code: plan.WarnRolesUnreported, Message: fmt.Sprintf(
			"%s, so %d role declaration(s) of the manifest cannot be checked against live ones (%s): %s",
			why, n, strings.Join(kinds, " and "), what), Count: n})
	}
	if !p.opts.CustomRolesUnchecked {
		return
	}
	if names := CustomRoleNames(p.want); len(names) > 0 {
		quoted := make([]string, len(names))
		for i, n := range names {
			quoted[i] = strconv.Quote(n)
		}
		p.warn(plan.Warning{Code: plan.WarnCustomRolesUnchecked, Message: fmt.Sprintf(
			"the server has no /Roles, so the custom team role(s) %s could not be checked: a role that does not exist fails when applied",
			strings.Join(quoted, ", "))})
	}
}

// liveMembers reports whether any live team has a member.
func (p *planner) liveMembers() bool {
	for i := range p.have.Teams {
		if len(p.have.Teams[i].Members) > 0 {
			return true
		}
	}
	return false
}

// declaredRoles counts the manifest's role declarations: orgRole values,
// and team roles written out (role: member too; a plain email declares
// none).
func declaredRoles(want model.State) (org, team int) {
	for i := range want.Users {
		if want.Users[i].OrgRole != "" {
			org++
		}
	}
	for i := range want.Teams {
		for _, m := range want.Teams[i].Members {
			if m.Role != "" {
				team++
			}
		}
	}
	return org, team
}

// shown is s as a line of a multi-line message may show it: quoted, with
// escapes, when it holds a control character (a line break would forge a
// line of its own).
func shown(s string) string {
	if strings.ContainsFunc(s, unicode.IsControl) {
		return strconv.Quote(s)
	}
	return s
}
