package desired

import (
	"fmt"
	"path"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/wbsync/wbsync/pkg/model"
)

func (l *loader) loadPolicy(fi int, f field) {
	p := at(fi, f.key)
	if l.policyAt != nil {
		l.addf(p, "policy is already set at %s: only one file sets policy", l.where(*l.policyAt))
		return
	}
	l.policyAt = &p
	fields, ok := l.object(fi, f, policyKeys)
	if !ok {
		return
	}
	for _, f := range fields {
		switch f.name {
		case "unmanagedUsers":
			if s, ok := l.enum(fi, f, unmanagedValues); ok {
				l.policy.UnmanagedUsers = model.UnmanagedPolicy(s)
			}
		case "protected":
			l.loadProtected(fi, f)
		case "limits":
			lf, ok := l.object(fi, f, limitKeys)
			if !ok {
				continue
			}
			for _, f := range lf {
				lim, ok := l.limit(fi, f)
				if !ok {
					continue
				}
				switch f.name {
				case "maxDeactivations":
					l.policy.MaxDeactivations = lim
				case "maxMemberRemovals":
					l.policy.MaxMemberRemovals = lim
				}
			}
		}
	}
}

func (l *loader) loadProtected(fi int, f field) {
	items, ok := l.list(fi, f)
	if !ok {
		return
	}
	for _, n := range items {
		s, ok := l.nonEmpty(fi, field{"each protected entry", nil, n}, " (an email or a glob such as *@svc.example.com)")
		if !ok {
			continue
		}
		p := at(fi, n)
		pat := strings.ToLower(s)
		if strings.ContainsAny(pat, `*?[\`) {
			if _, err := path.Match(pat, ""); err != nil {
				l.addf(p, "bad glob %q in protected: %v (use * ? [a-z] as in Go's path.Match)", s, err)
				continue
			}
		} else if why := emailProblem(s); why != "" {
			l.addf(p, "malformed email %q in protected: %s", s, why)
			continue
		}
		l.policy.Protected = append(l.policy.Protected, pat)
		l.protected = append(l.protected, protectedRec{pat, p})
	}
}

// limit reads a safety limit: an integer >= 0 or "N%" with N in 0..100.
func (l *loader) limit(fi int, f field) (model.Limit, bool) {
	v := f.val
	if l.alias(fi, v) {
		return model.Limit{}, false
	}
	if v.Kind == yaml.ScalarNode {
		switch v.ShortTag() {
		case "!!int":
			var n int64
			if err := v.Decode(&n); err == nil && n >= 0 && n <= 1<<31-1 {
				return model.Limit{Set: true, Value: int(n)}, true
			}
		case "!!str":
			if m := percentRE.FindStringSubmatch(v.Value); m != nil {
				var n int
				fmt.Sscan(m[1], &n)
				return model.Limit{Set: true, Value: n, Percent: true}, true
			}
		}
	}
	l.addf(at(fi, v), "%s must be an integer >= 0 or a percentage \"N%%\" with N in 0..100, got %s", f.name, kind(v))
	return model.Limit{}, false
}

// listOf checks f is a list and returns its items that are mappings; what
// names one item ("user") and shape says what an item holds.
func (l *loader) listOf(fi int, f field, what, shape string) []*yaml.Node {
	items, ok := l.list(fi, f)
	if !ok {
		return nil
	}
	var out []*yaml.Node
	for _, n := range items {
		if l.alias(fi, n) {
			continue
		}
		if n.Kind != yaml.MappingNode {
			hint := ""
			if n.Kind == yaml.ScalarNode && what == "user" && emailProblem(n.Value) == "" {
				hint = fmt.Sprintf(" (write - email: %s)", n.Value)
			}
			l.addf(at(fi, n), "each %s must be a mapping with %s, got %s%s", what, shape, kind(n), hint)
			continue
		}
		out = append(out, n)
	}
	return out
}

func (l *loader) loadUsers(fi int, f field) {
	for _, n := range l.listOf(fi, f, "user", "email, name, externalId, orgRole, active") {
		r := userRec{at: at(fi, n), u: model.User{Active: true}}
		r.activeAt = r.at
		hasEmail := false
		for _, f := range l.mapping(fi, n, userKeys, "user") {
			switch f.name {
			case "email":
				hasEmail = true
				r.u.Email, r.emailOK = l.email(fi, f)
				r.u.UserName = r.u.Email
			case "name":
				r.u.DisplayName, _ = l.nonEmpty(fi, f, " (omit it to leave the display name unmanaged)")
			case "externalId":
				r.u.ExternalID, _ = l.nonEmpty(fi, f, " (omit it to leave the externalId unmanaged)")
			case "orgRole":
				if s, ok := l.str(fi, f); ok && strings.EqualFold(s, string(model.RoleViewer)) {
					l.addf(at(fi, f.val), "orgRole viewer is refused: W&B turns it into member with viewer seats and resets ALL of the user's team and project roles to viewer; use member (and set team roles per team)")
				} else if ok {
					role, _ := l.enum(fi, f, orgRoleValues)
					r.u.OrgRole = model.Role(role)
				}
			case "active":
				r.activeAt = at(fi, f.val)
				if l.alias(fi, f.val) {
					continue
				}
				if f.val.Kind != yaml.ScalarNode || f.val.ShortTag() != "!!bool" {
					l.addf(r.activeAt, "active must be true or false, got %s", kind(f.val))
					continue
				}
				var b bool
				if err := f.val.Decode(&b); err == nil {
					r.u.Active = b
				}
			}
		}
		if !hasEmail {
			l.addf(r.at, "user is missing email")
		}
		l.users = append(l.users, r)
	}
}

// email reads a well-formed email.
func (l *loader) email(fi int, f field) (string, bool) {
	s, ok := l.str(fi, f)
	if !ok {
		return "", false
	}
	if why := emailProblem(s); why != "" {
		l.addf(at(fi, f.val), "malformed email %q: %s", short(s), why)
		return s, false
	}
	return s, true
}

func (l *loader) loadTeams(fi int, f field) {
	for _, n := range l.listOf(fi, f, "team", "name, id, membership, members") {
		r := teamRec{at: at(fi, n), t: model.Team{Membership: model.Authoritative, Members: []model.Member{}}}
		hasName := false
		var members *field
		for _, f := range l.mapping(fi, n, teamKeys, "team") {
			switch f.name {
			case "name":
				hasName = true
				r.t.Name, r.nameOK = l.nonEmpty(fi, f, "")
				if r.nameOK && strings.TrimSpace(r.t.Name) != r.t.Name {
					l.addf(at(fi, f.val), "team name %q has leading or trailing spaces", r.t.Name)
					r.nameOK = false
				}
			case "id":
				r.idAt = at(fi, f.val)
				r.t.ID, _ = l.nonEmpty(fi, f, " (omit it to match the team by name)")
			case "membership":
				if s, ok := l.enum(fi, f, membershipValues); ok {
					r.t.Membership = model.Membership(s)
				}
			case "members":
				members = &f
			}
		}
		if !hasName {
			l.addf(r.at, "team is missing name")
		}
		if members != nil {
			l.loadMembers(fi, *members, &r)
		}
		l.teams = append(l.teams, r)
	}
}

func (l *loader) loadMembers(fi int, f field, r *teamRec) {
	items, ok := l.list(fi, f)
	if !ok {
		return
	}
	seen := map[string]pos{}
	for _, n := range items {
		mr := memberRec{at: at(fi, n), m: model.Member{Role: model.RoleMember}}
		switch {
		case l.alias(fi, n):
			continue
		case n.Kind == yaml.ScalarNode:
			mr.m.Email, mr.ok = l.email(fi, field{"member", nil, n})
		case n.Kind == yaml.MappingNode:
			hasEmail := false
			for _, f := range l.mapping(fi, n, memberKeys, "member") {
				switch f.name {
				case "email":
					hasEmail = true
					mr.m.Email, mr.ok = l.email(fi, f)
				case "role":
					if s, ok := l.nonEmpty(fi, f, " (admin, member, viewer or a custom role name)"); ok {
						mr.m.Role = model.NormRole(s)
					}
				}
			}
			if !hasEmail {
				l.addf(mr.at, "member is missing email")
			}
		default:
			l.addf(mr.at, "each member must be an email or a mapping with email and role, got %s", kind(n))
			continue
		}
		if mr.ok {
			k := model.Key(mr.m.Email)
			if first, dup := seen[k]; dup {
				l.addf(mr.at, "member %s is listed twice in team %q (first at %s)", mr.m.Email, r.t.Name, l.where(first))
				continue
			}
			seen[k] = mr.at
		}
		r.members = append(r.members, mr)
		r.t.Members = append(r.t.Members, mr.m)
	}
}
