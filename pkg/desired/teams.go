package desired

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
)

func (l *loader) loadTeams(fi int, v *yaml.Node) {
	n, teams := l.records(fi, "teams", v, "team", "name, id, membership, members")
	l.state.Teams = slices.Grow(l.state.Teams, n)
	l.teams = slices.Grow(l.teams, n)
	for t := range teams {
		l.loadTeam(fi, t)
	}
}

func (l *loader) loadTeam(fi int, n *yaml.Node) {
	t := model.Team{Membership: model.Authoritative, Members: []model.Member{}}
	r := teamRec{at: at(fi, n)}
	hasName, nameAt := false, pos{}
	var members *yaml.Node
	for j, f := range l.fields(fi, n, teamKeys, "team") {
		v := f.val
		switch j {
		case teamName:
			hasName = true
			nameAt = at(fi, v)
			t.Name, r.nameOK = l.nonEmpty(fi, "name", v, "")
			if r.nameOK && strings.TrimSpace(t.Name) != t.Name {
				l.addf(at(fi, v), "team name %q has leading or trailing spaces", short(t.Name))
				r.nameOK = false
			} else if why := TeamNameProblem(t.Name); r.nameOK && why != "" {
				l.addf(at(fi, v), "team name %q %s", short(t.Name), why)
				r.nameOK = false
			}
		case teamID:
			r.idAt = at(fi, v)
			var ok bool
			if t.ID, ok = l.nonEmpty(fi, "id", v, " (omit it to match the team by name)"); ok && strings.TrimSpace(t.ID) != t.ID {
				// A pin pasted with a space never matches a live id.
				l.addf(at(fi, v), "team id %q has leading or trailing spaces", short(t.ID))
			}
		case teamMembership:
			if s, ok := l.enum(fi, "membership", v, membershipValues); ok {
				t.Membership = model.Membership(s)
			}
		case teamMembers:
			members = v
		}
	}
	if !hasName {
		l.add(r.at, "team is missing name")
	} else {
		r.at = nameAt // the team is shown where its name is
	}
	l.state.Teams = append(l.state.Teams, t)
	l.teams = append(l.teams, r)
	if members != nil {
		l.loadMembers(fi, members, int32(len(l.state.Teams)-1))
	} else if hasName && r.nameOK && t.Membership == model.Authoritative {
		// As members: [] (the default), which a dropped or mis-indented
		// block gives too: said, as the removals it plans are.
		l.notes = append(l.notes, problem{r.at, "team " + short(t.Name) + " has no members key: authoritative over no members, it is planned to lose every live member but the protected ones; write members: [] to mean that, or membership: additive to keep them"})
	}
}

// maxTeamMembers is the most members one team may list (caps.TeamMembers; a
// variable so that a test need not write half a million).
var maxTeamMembers = caps.TeamMembers

// loadMembers reads team ti's members. A member whose email is, ignoring
// case, that of a user declared before it takes that user's email string as
// declared (one copy for all its memberships); the others are checked once
// every file is read.
func (l *loader) loadMembers(fi int, v *yaml.Node, ti int32) {
	items, ok := l.list(fi, "members", v)
	if !ok {
		return
	}
	t := &l.state.Teams[ti]
	n := 0
	for _, it := range items {
		if it.Kind == yaml.MappingNode || isStr(it) {
			n++
		}
	}
	if n > maxTeamMembers {
		l.addf(at(fi, v), "team %q lists %d members, more than the %d one team may have: a larger team would make the organization too large for wbsync to read back (split it into several teams)", t.Name, n, maxTeamMembers)
	}
	t.Members = make([]model.Member, 0, n)
	// seen holds the keys of members not (yet) declared: made only when a
	// team has such members.
	var seen map[string]pos
	for j, n := range items {
		mp := at(fi, n)
		var rp pos // where the role is written, when it is
		m, ok := l.member(fi, n, &mp, &rp)
		if rp == (pos{}) {
			rp = mp
		}
		items[j] = nil
		if !ok {
			continue
		}
		k := model.Key(m.Email)
		if ui, found := l.byEmail[k]; found {
			u := &l.users[ui]
			if u.inTeam == ti+1 {
				l.addf(mp, "member %s is listed twice in team %q (first at %s)", m.Email, t.Name, l.where(u.inTeamAt))
				continue
			}
			u.inTeam, u.inTeamAt = ti+1, mp
			m.Email, m.User = u.email, ui+1
			l.noteCustomRole(ti, int32(len(t.Members)), m.Role, rp)
			t.Members = append(t.Members, m)
			continue
		}
		if first, dup := seen[k]; dup {
			l.addf(mp, "member %s is listed twice in team %q (first at %s)", m.Email, t.Name, l.where(first))
			continue
		}
		if seen == nil {
			seen = map[string]pos{}
		}
		seen[k] = mp
		l.pending = append(l.pending, pendingMember{ti, int32(len(t.Members)), mp})
		l.noteCustomRole(ti, int32(len(t.Members)), m.Role, rp)
		t.Members = append(t.Members, m)
	}
}

// member reads one member: an email, or a mapping with email and role. ok
// is false when it has no well-formed email. *mp is set to where the email
// is written, and *rp to where the role is, when there is one.
func (l *loader) member(fi int, n *yaml.Node, mp, rp *pos) (model.Member, bool) {
	var m model.Member // Role stays "" for a plain email: member, not declared
	switch {
	case n.Kind == yaml.ScalarNode:
		var ok bool
		m.Email, ok = l.email(fi, "member", n)
		return m, ok
	case n.Kind == yaml.MappingNode:
		if !l.untagged(fi, "member", n) {
			return m, false
		}
		hasEmail, ok := false, false
		for j, f := range l.fields(fi, n, memberKeys, "member") {
			v := f.val
			switch j {
			case memberEmail:
				hasEmail = true
				m.Email, ok = l.email(fi, "email", v)
				*mp = at(fi, v) // the member is shown where its email is
			case memberRole:
				if s, good := l.nonEmpty(fi, "role", v, " (admin, member, viewer or a custom role name)"); good {
					if t := strings.TrimSpace(s); t != s {
						// As orgRole " admin" is refused: a custom role's
						// spaces are its own, and none is at either end.
						l.addf(at(fi, v), "role %q has leading or trailing spaces (did you mean %q?)", short(s), short(string(role(t))))
						break
					}
					if why := TeamNameProblem(s); why != "" {
						// As for a team name: a control character cannot be
						// meant, and admin with a zero-width space after it
						// reads as admin in a diff but is a custom role.
						l.addf(at(fi, v), "role %q %s", short(s), why)
						break
					}
					m.Role = role(s)
					*rp = at(fi, v)
				}
			}
		}
		if !hasEmail {
			l.add(*mp, "member is missing email")
		}
		return m, ok
	case l.alias(fi, n):
		return m, false
	}
	l.addf(*mp, "each member must be an email or a mapping with email and role, got %s", kind(n))
	return m, false
}

// noteCustomRole records where member mi of team ti is written when its
// role is a custom one.
func (l *loader) noteCustomRole(ti, mi int32, r model.Role, at pos) {
	if r == "" || r.Predefined() {
		return
	}
	if l.customRoleAt == nil {
		l.customRoleAt = map[[2]int32]string{}
	}
	l.customRoleAt[[2]int32{ti, mi}] = l.where(at)
}

// role is model.NormRole, with the predefined roles as their constants so
// that the node's copy of the string is not kept.
func role(s string) model.Role {
	switch r := model.NormRole(s); r {
	case model.RoleAdmin:
		return model.RoleAdmin
	case model.RoleMember:
		return model.RoleMember
	case model.RoleViewer:
		return model.RoleViewer
	default:
		return r
	}
}
