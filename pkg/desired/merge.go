package desired

import (
	"fmt"
	"slices"

	"github.com/wbsync/wbsync/pkg/model"
)

// merge runs the checks that need the whole manifest (every file read) and
// returns it. Each step is one rule.
func (l *loader) merge() *Manifest {
	l.checkVersionAndPolicy()
	l.fillDefaults()
	l.checkProtectedActive()
	l.checkTeams()
	l.checkPendingMembers()
	m := &Manifest{State: l.state, Policy: l.policy, customRoleAt: l.customRoleAt}
	slices.SortFunc(l.notes, func(a, b problem) int {
		switch {
		case a.less(b):
			return -1
		case b.less(a):
			return 1
		}
		return 0
	})
	for _, n := range l.notes {
		m.Notes = append(m.Notes, Problem{File: l.names[n.pos.fi], Line: int(n.pos.line), Column: int(n.pos.col), Message: n.msg})
	}
	for _, n := range l.unreviewable { // in file order, each file's by position
		m.Unreviewable = append(m.Unreviewable, Problem{File: l.names[n.pos.fi], Line: int(n.pos.line), Column: int(n.pos.col), Message: n.msg})
	}
	return m
}

// checkVersionAndPolicy: some file says version, and the policy is in a
// file that does.
func (l *loader) checkVersionAndPolicy() {
	if l.versionAt == nil && !l.broken && len(l.names) > 0 {
		msg := "missing version: add version: 1 at the top of the manifest"
		at := pos{0, 1, 1}
		if len(l.names) > 1 {
			msg = "missing version: one file (the one with policy, if any) must say version: 1"
			if l.policyAt != nil {
				// The file to edit: the policy's.
				at = pos{l.policyAt.fi, 1, 1}
			}
		}
		l.add(at, msg)
	}
	if l.policyAt != nil && l.versionAt != nil && !l.versionFiles[int(l.policyAt.fi)] {
		l.addf(*l.policyAt, "policy must be in a file that says version: 1 (as %s does)", l.names[l.versionAt.fi])
	}
}

// fillDefaults sets the policy fields the manifest leaves out.
func (l *loader) fillDefaults() {
	if l.policy.UnmanagedUsers == "" {
		l.policy.UnmanagedUsers = model.UnmanagedIgnore
	}
	if l.policy.UnreportedRoles == "" {
		l.policy.UnreportedRoles = model.RolesSkip
	}
	if !l.graceSet {
		l.policy.UnmanagedGracePeriod = model.DefaultGracePeriod
	}
}

// checkProtectedActive: a protected user is never marked active: false.
func (l *loader) checkProtectedActive() {
	if len(l.protected) == 0 || len(l.inactive) == 0 {
		return
	}
	protector := model.NewProtector(l.policy.Protected) // entry for entry, l.protected's patterns
	for _, i := range l.inactive {
		u, r := l.state.Users[i], l.users[i]
		if !r.emailOK {
			continue
		}
		k := model.Key(u.Email)
		if first, ok := l.byEmail[k]; !ok || first != i {
			continue // a duplicate, already reported
		}
		who, j := u.Email, protector.Match(k)
		if j < 0 && u.UserName != "" && model.Key(u.UserName) != k {
			// by its username:, as plan matches an entry to a live userName
			who, j = fmt.Sprintf("%s (username %s)", u.Email, u.UserName), protector.Match(model.Key(u.UserName))
		}
		if j >= 0 {
			p := l.protected[j]
			l.addf(r.activeAt, "user %s is protected (%q in policy.protected at %s) but marked active: false; a protected user is never deactivated", who, p.pattern, l.where(p.at))
		}
	}
}

// checkTeams: team names are unique (case-insensitively) unless each team
// sharing one pins a distinct id, and no two teams pin the same id.
func (l *loader) checkTeams() {
	// Per name key: the first team with it, and the first without a pin
	// (-1: none), so that each team is checked in constant time.
	type named struct{ first, unpinned int }
	ids := make(map[string]int, len(l.state.Teams))
	names := make(map[string]named, len(l.state.Teams))
	for i, t := range l.state.Teams {
		r := l.teams[i]
		idDup := false
		if t.ID != "" {
			if first, dup := ids[t.ID]; dup {
				l.addf(r.idAt, "id pin %q is already used by team %q at %s: two teams cannot pin the same id", t.ID, l.state.Teams[first].Name, l.where(l.teams[first].at))
				idDup = true
			} else {
				ids[t.ID] = i
			}
		}
		if !r.nameOK {
			continue
		}
		k := model.Key(t.Name)
		n, seen := names[k]
		if !seen {
			n = named{first: i, unpinned: -1}
		} else if !idDup {
			// A duplicate unless both pin (distinct) ids.
			other := n.unpinned
			if t.ID == "" {
				other = n.first
			}
			if other >= 0 {
				l.addf(r.at, "duplicate team %q: already declared at %s (names match case-insensitively; teams that share a name each need a distinct id pin)", t.Name, l.where(l.teams[other].at))
			}
		}
		if t.ID == "" && n.unpinned < 0 {
			n.unpinned = i
		}
		names[k] = n
	}
}

// checkPendingMembers: every member is a declared user (emails match
// case-insensitively), and takes that user's email as declared and its
// position (model.Member.User). Members of users declared before their
// team were resolved on the way.
func (l *loader) checkPendingMembers() {
	if l.broken {
		return
	}
	for _, pm := range l.pending {
		m := &l.state.Teams[pm.team].Members[pm.member]
		if ui, found := l.byEmail[model.Key(m.Email)]; found {
			m.Email, m.User = l.state.Users[ui].Email, ui+1
		} else {
			l.addf(pm.at, "member %s is not declared under users", m.Email)
		}
	}
}
