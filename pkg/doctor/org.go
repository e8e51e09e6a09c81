package doctor

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/sanitize"
	"github.com/wbsync/wbsync/pkg/scim"
)

// nameWidth is the characters each name or id a detail lists (at most
// caps.ShownNames of them, then "…") is cut to, after redaction, as every
// message quotes a server-supplied id.
const nameWidth = caps.ShownID

// ServiceAccounts counts the team members that are no listed user: org and
// team-scoped service accounts, which wbsync never removes.
func ServiceAccounts(st model.State) Check {
	seen := map[string]bool{}
	for _, t := range st.Teams {
		for _, m := range t.Members {
			if m.Email == "" {
				seen[m.UserID] = true
			}
		}
	}
	if len(seen) == 0 {
		return Check{Name: NameServiceAccounts, Status: OK, Detail: "none: every team member is a listed user"}
	}
	if st.UsersHidden() {
		// Not an organization of service accounts.
		return Check{Name: NameServiceAccounts, Status: Warn, Detail: fmt.Sprintf(
			"%d team member(s) are not listed users, and /Users lists no user at all: the key (or a proxy in between) may not see the users; export writes the teams that hold them as membership: additive, so that no plan of it removes them", len(seen))}
	}
	return Check{Name: NameServiceAccounts, Status: OK, Detail: fmt.Sprintf(
		"%d team member(s) are not listed users (org or team-scoped service accounts): wbsync never removes them", len(seen))}
}

// CustomRoles reports what /Roles listed (roles, err are ListRoles'
// answer): a 404 means custom role names cannot be checked before apply.
// On saas there are no custom roles and /Roles is not asked.
func CustomRoles(d model.Deployment, roles []scim.Role, err error, red *sanitize.Redactor) Check {
	c := Check{Name: NameCustomRoles, Status: OK}
	switch {
	case d == model.SaaS:
		c.Detail = "custom roles are not available on Multi-tenant Cloud (saas): team roles are admin, member or viewer"
	case errors.As(err, new(errGaveUp)):
		// Never asked: what a plan would meet is not known.
		c.Status = Warn
		c.Detail = "/Roles " + errText(red, err)
	case errors.Is(err, scim.ErrNotFound):
		c.Status = Warn
		c.Detail = "/Roles answers 404: custom role names cannot be checked before apply (plans warn custom_roles_unchecked)"
	case err != nil:
		c.Status = Warn
		c.Detail = "/Roles failed, so a plan that declares a custom role will fail: " + errText(red, err)
	case len(roles) == 0:
		c.Detail = "/Roles answers: no custom roles defined"
	default:
		names := make([]string, len(roles))
		for i, r := range roles {
			names[i] = r.Name
		}
		c.Detail = fmt.Sprintf("%d custom role(s): %s", len(roles), listNames(names, nameWidth, red))
	}
	return c
}

// Counts reports users, active users and teams, and warns when live teams
// share a name (wbsync leaves such a team alone until the manifest pins an
// id) or have names that differ only in case (a manifest team is the one it
// names exactly; one that names neither is left alone).
func Counts(st model.State, red *sanitize.Redactor) Check {
	active, noEmail := 0, 0
	for _, u := range st.Users {
		if u.Active {
			active++
		}
		if u.Email == "" {
			noEmail++
		}
	}
	c := Check{Name: NameCounts, Status: OK, Detail: fmt.Sprintf("%d %s (%d active), %d %s", len(st.Users), plural(len(st.Users), "user"), active, len(st.Teams), plural(len(st.Teams), "team"))}
	if noEmail > 0 {
		// A manifest declares users by email: export leaves these out, and
		// writes a team holding one as membership: additive.
		c.Status = Warn
		c.Detail += fmt.Sprintf("; %d user(s) have no email: export leaves them out (a manifest declares users by email) and writes a team that holds one as membership: additive, so that no plan removes them",
			noEmail)
	}
	if names := sharedUserNames(st.Users, red); names != "" {
		// Every plan warns ambiguous_user for a manifest entry that names
		// one of them, and leaves it alone.
		c.Status = Warn
		c.Detail += fmt.Sprintf("; users sharing a userName, ignoring case: %s: a manifest entry naming one is left alone until only one account bears the name (ambiguous_user)", names)
	}
	exact, folded := groupBy(st.Teams, func(t *model.Team) string { return t.Name }), groupBy(st.Teams, func(t *model.Team) string { return model.Key(t.Name) })
	var shared, cased []string
	for _, g := range exact {
		shared = append(shared, fmt.Sprintf("%s (ids %s)", server(red, g[0].Name, nameWidth), teamIDs(g, red)))
	}
	for _, g := range folded {
		names := map[string][]model.Team{} // the raw names: shown ones may be cut alike
		for _, t := range g {
			names[t.Name] = append(names[t.Name], t)
		}
		if len(names) > 1 {
			// Each name with its own id(s), so that a reader pinning an id
			// pins the team that bears the name.
			shown := make([]string, 0, len(names))
			for _, n := range slices.Sorted(maps.Keys(names)) {
				v := server(red, n, nameWidth)
				if strings.TrimSpace(n) != n {
					v = `"` + v + `"` // white space at an end, seen
				}
				word := "id"
				if len(names[n]) > 1 {
					word = "ids"
				}
				shown = append(shown, fmt.Sprintf("%s (%s %s)", v, word, teamIDs(names[n], red)))
			}
			// " / " within a group, ", " between groups: where one
			// group ends shows.
			cased = append(cased, joinNames(shown, 0, nil, " / "))
		}
	}
	if len(shared) > 0 {
		c.Status = Warn
		c.Detail += fmt.Sprintf("; teams sharing a name: %s: wbsync leaves them alone until the manifest pins an id", listNames(shared, 0, nil))
	}
	if len(cased) > 0 {
		c.Status = Warn
		c.Detail += fmt.Sprintf("; team names that differ only in case, in white space at either end, or in how a character is encoded: %s: a manifest team is the one it names exactly (naming neither, it is left alone)",
			listNames(cased, 0, nil))
	}
	return c
}

// sharedUserNames lists the userNames (compared as wbsync matches them,
// model.Key) that two or more users bear, each with their ids, or "".
func sharedUserNames(users []model.User, red *sanitize.Redactor) string {
	named := slices.DeleteFunc(slices.Clone(users), func(u model.User) bool { return u.UserName == "" })
	var shared []string
	for _, g := range groupBy(named, func(u *model.User) string { return model.Key(u.UserName) }) {
		shared = append(shared, fmt.Sprintf("%s (ids %s)", server(red, g[0].UserName, nameWidth), idList(g, func(u model.User) string { return u.ID }, red)))
	}
	return listNames(shared, 0, nil)
}

// groupBy returns the groups of two or more of xs with the same key,
// sorted by key (teams sharing a name, users sharing a userName).
func groupBy[T any](xs []T, key func(*T) string) [][]T {
	byKey := map[string][]T{}
	for i := range xs {
		k := key(&xs[i])
		byKey[k] = append(byKey[k], xs[i])
	}
	var groups [][]T
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		if len(byKey[k]) > 1 {
			groups = append(groups, byKey[k])
		}
	}
	return groups
}

// teamIDs lists the ids of teams, sorted, each redacted with red.
func teamIDs(teams []model.Team, red *sanitize.Redactor) string {
	return idList(teams, func(t model.Team) string { return t.ID }, red)
}

// idList lists the ids (id) of xs, sorted, each redacted with red.
func idList[T any](xs []T, id func(T) string, red *sanitize.Redactor) string {
	ids := make([]string, len(xs))
	for j, x := range xs {
		ids[j] = server(red, id(x), nameWidth)
	}
	sort.Strings(ids)
	return listNames(ids, 0, nil)
}

// listNames joins the first names, each redacted with red, escaped and
// cut to n characters (0: names already made fit), and counts the rest.
func listNames(names []string, n int, red *sanitize.Redactor) string {
	return joinNames(names, n, red, ", ")
}

// joinNames is listNames joined with sep.
func joinNames(names []string, n int, red *sanitize.Redactor, sep string) string {
	shown := make([]string, 0, caps.ShownNames)
	for i, name := range names {
		if i == caps.ShownNames {
			shown = append(shown, fmt.Sprintf("… and %d more", len(names)-caps.ShownNames))
			break
		}
		if n > 0 {
			name = server(red, name, n)
		}
		shown = append(shown, name)
	}
	return strings.Join(shown, sep)
}

// plural is word for n of them: "1 team", "2 teams".
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
