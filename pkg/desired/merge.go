package desired

import (
	"github.com/wbsync/wbsync/pkg/model"
)

// merge runs the checks that span records and files, and builds the
// manifest from the records.
func (l *loader) merge() *Manifest {
	if l.versionAt == nil && !l.broken && len(l.names) > 0 {
		msg := "missing version: add version: 1 at the top of the manifest"
		if len(l.names) > 1 {
			msg = "missing version: one file (the one with policy, if any) must say version: 1"
		}
		l.addf(pos{0, 1, 1}, "%s", msg)
	}
	if l.policyAt != nil && l.versionAt != nil && l.policyAt.fi != l.versionAt.fi {
		l.addf(*l.policyAt, "policy must be in the file that sets version (%s)", l.names[l.versionAt.fi])
	}

	m := &Manifest{State: model.State{Users: []model.User{}, Teams: []model.Team{}}}
	m.Policy = l.policy
	if m.Policy.UnmanagedUsers == "" {
		m.Policy.UnmanagedUsers = model.UnmanagedIgnore
	}
	if m.Policy.UnreportedRoles == "" {
		m.Policy.UnreportedRoles = model.RolesSkip
	}
	if !l.graceSet {
		m.Policy.UnmanagedGracePeriod = model.DefaultGracePeriod
	}

	byKey := map[string]*userRec{}
	declared := map[string]bool{}
	for i := range l.users {
		r := &l.users[i]
		m.State.Users = append(m.State.Users, r.u)
		if !r.emailOK {
			continue
		}
		k := r.u.Key()
		if first, dup := byKey[k]; dup {
			l.addf(r.at, "duplicate user %s: already declared at %s (emails match case-insensitively)", r.u.Email, l.where(first.at))
			continue
		}
		byKey[k] = r
		declared[r.u.Email] = true
		if !r.u.Active {
			for _, p := range l.protected {
				if model.MatchesProtected(p.pattern, k) {
					l.addf(r.activeAt, "user %s is protected (%q in policy.protected at %s) but marked active: false; a protected user is never deactivated", r.u.Email, p.pattern, l.where(p.at))
					break
				}
			}
		}
	}

	ids := map[string]*teamRec{}
	names := map[string][]*teamRec{}
	for i := range l.teams {
		r := &l.teams[i]
		m.State.Teams = append(m.State.Teams, r.t)
		idDup := false
		if r.t.ID != "" {
			if first, dup := ids[r.t.ID]; dup {
				l.addf(r.idAt, "id pin %q is already used by team %q at %s: two teams cannot pin the same id", r.t.ID, first.t.Name, l.where(first.at))
				idDup = true
			} else {
				ids[r.t.ID] = r
			}
		}
		if r.nameOK {
			k := model.Key(r.t.Name)
			for _, first := range names[k] {
				if idDup || r.t.ID == "" || first.t.ID == "" {
					if !idDup {
						l.addf(r.at, "duplicate team %q: already declared at %s (names match case-insensitively; teams that share a name each need a distinct id pin)", r.t.Name, l.where(first.at))
					}
					break
				}
			}
			names[k] = append(names[k], r)
		}
		if l.broken {
			continue
		}
		for _, mr := range r.members {
			if !mr.ok || declared[mr.m.Email] {
				continue
			}
			if u, ok := byKey[model.Key(mr.m.Email)]; ok {
				l.addf(mr.at, "member %s is not declared under users (did you mean %s? write it as declared)", mr.m.Email, u.u.Email)
			} else {
				l.addf(mr.at, "member %s is not declared under users", mr.m.Email)
			}
		}
	}
	return m
}
