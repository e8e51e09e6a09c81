package diff

import (
	"fmt"
	"slices"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// roleDeclared marks wantUser.teamRole when the manifest writes the role
// out (`role: member` included) rather than listing a plain email.
const roleDeclared = 1 << 31

// teamState is the per-team scratch space, reused across teams: the
// per-user slots (wantUser.teamGen, liveUser.teamGen, ...) are valid for
// the current team when they hold gen.
type teamState struct {
	gen     int32
	order   []int32  // desired users of the current team, deduplicated
	listed  []int32  // current desired team: member position → desired user, or none
	hints   []int32  // the members' hints (resolveWant, resolveLive)
	keys    []string // the keys of members not resolved by their hints
	pos     []int32  // those members' positions
	found   []int32  // what the look-up of keys found
	lookup  lookup
	members []int32 // current live team: member position → live user, or none
	// rolesSkipped counts the current team's role declarations left
	// unplanned because its name is shared (teamRef.sharedName).
	rolesSkipped int
}

// teamRef is the team a membership change goes to: the live team's name
// and id, or the manifest's name for a team the plan creates.
type teamRef struct {
	name, id string
	live     *model.Team // nil for a team the plan creates
	// sharedName: another live team has the same name (the manifest pins
	// this one by id). W&B reads and sets team roles by team name only
	// (teamRoles [{teamName, roleName}]), so roles in it are never planned.
	sharedName bool
	// foldedName: another live team has the same name ignoring case: a
	// teamRoles entry found only ignoring case may be that team's.
	foldedName bool
}

// sharing says whether other live teams share a live team's name, exactly
// or ignoring case.
type sharing struct{ exact, folded bool }

// planMembers plans the membership of desired team dt against live team lt
// (none: the plan creates the team): adds and team roles for the members it
// lists and, for an authoritative team, removals of the others.
func (p *planner) planMembers(dt *model.Team, lt int, shared sharing, ts *teamState) {
	ts.gen++
	t := teamRef{name: dt.Name, sharedName: shared.exact, foldedName: shared.folded}
	ts.rolesSkipped = 0
	if lt >= 0 {
		t.live = &p.have.Teams[lt]
		t.name, t.id = t.live.Name, t.live.ID
		p.markLiveMembers(t.live, ts)
	}
	p.listMembers(dt, ts)
	p.prefetch(ts.order, func(di int32) int32 {
		if li := p.wants[di].match; li >= 0 {
			return p.lives[li].teamGen
		}
		return 0
	})
	for _, di := range ts.order {
		p.planListed(t, di, ts)
	}
	if t.live != nil && dt.Membership != model.Additive {
		p.planRemovals(t, ts)
	} else if t.live != nil {
		p.markStaying(ts.members)
	}
	if ts.rolesSkipped > 0 {
		p.warn(plan.Warning{Code: plan.WarnTeamRolesAmbiguous, Team: t.name, IDs: []string{t.id}, Message: fmt.Sprintf(
			"team %s (id %s) shares its name with another live team, and W&B reads and sets team roles by team name only: %d role(s) the manifest declares in it are neither checked nor set; set them in W&B (W&B cannot rename teams)",
			quoteSpaced(t.name), t.id, ts.rolesSkipped)})
	}
}

// markLiveMembers resolves the live team's members to live users, once
// per live team: by hint or SCIM id (resolveLive), or by userName for a
// member without an id; none for a member that is no listed user (such as
// an org service account). It counts the members that are listed users
// (planner.memberships).
func (p *planner) markLiveMembers(live *model.Team, ts *teamState) {
	ts.members = resize(ts.members, len(live.Members))
	p.resolveLive(live.Members, ts)
	p.prefetch(ts.members, func(li int32) int32 { return p.lives[li].teamGen })
	for pos, li := range ts.members {
		if m := &live.Members[pos]; namedByUserName(m) {
			li = p.liveByUserName(m)
			ts.members[pos] = li
		}
		if li >= 0 {
			l := &p.lives[li]
			l.teamGen, l.teamPos = ts.gen, int32(pos)
			p.memberships++
		}
	}
}

// namedByUserName reports whether the server named live team member m by
// userName only, without an id (resolveLive finds none for it).
func namedByUserName(m *model.Member) bool { return m.UserID == "" && m.Email != "" }

// liveByUserName is the live user of such a member, or none.
func (p *planner) liveByUserName(m *model.Member) int32 {
	return p.liveKeys.unique(model.Key(m.Email))
}

// listMembers collects the desired team's members, one entry per user (a
// user listed twice keeps the smallest role, so the result does not depend
// on the manifest's order).
func (p *planner) listMembers(dt *model.Team, ts *teamState) {
	ts.listed = resize(ts.listed, len(dt.Members))
	p.resolveWant(dt.Members, ts)
	p.prefetch(ts.listed, func(di int32) int32 { return p.wants[di].teamGen })
	ts.order = ts.order[:0]
	for i, di := range ts.listed {
		if di < 0 {
			continue // an undeclared member is a manifest error
		}
		role, declared := dt.Members[i].Role.Norm(), uint32(0)
		if role == "" {
			role = model.RoleMember // a plain email: member, not a declaration
		} else {
			declared = roleDeclared
		}
		switch w := &p.wants[di]; {
		case w.teamGen != ts.gen:
			w.teamGen, w.teamRole = ts.gen, p.roleIndex(role)|declared
			ts.order = append(ts.order, di)
		case role < p.roles[w.teamRole&^roleDeclared]:
			w.teamRole = p.roleIndex(role) | w.teamRole&roleDeclared | declared
		default:
			w.teamRole |= declared
		}
	}
}

// planListed plans one listed member: nothing for an ambiguous user, kept
// (never removed) when live, and for an active user an add with its role,
// or a role change when it is a member already.
func (p *planner) planListed(t teamRef, di int32, ts *teamState) {
	w := &p.wants[di]
	w.inTeam = true
	li := w.match
	if li == ambiguous {
		return
	}
	if li >= 0 {
		p.lives[li].keepGen = ts.gen // listed: never removed, whatever its state
	}
	if !w.active {
		// No adds or roles for a user the manifest deactivates: said when
		// the team would need one, so that the manifest's listing is not
		// silently left unapplied. Not on Multi-tenant Cloud for a user
		// with no account: deactivation removed it from the organization
		// (an offboarding entry kept in its teams).
		if (li >= 0 || !p.saas) && (li < 0 || p.lives[li].teamGen != ts.gen) {
			var ids []string
			if t.id != "" {
				ids = []string{t.id} // two pinned teams may share the name
			}
			p.warn(plan.Warning{Code: plan.WarnInactiveMember, Team: t.name, User: p.wants[di].name, IDs: ids, Message: fmt.Sprintf(
				"%s is listed in team %s but is active: false in the manifest: not added (wbsync adds no deactivated user to a team); drop it from the team, or make it active",
				p.wants[di].name, quoteSpaced(t.name))})
		}
		return
	}
	role := p.roles[w.teamRole&^roleDeclared]
	declared := w.teamRole&roleDeclared != 0
	listed := li >= 0 && p.lives[li].teamGen == ts.gen // the read lists the user in the team
	if listed && !w.recreate {
		// (A user created again on Multi-tenant Cloud joins no team: a
		// membership the server still lists belongs to the old account.)
		if t.sharedName {
			if declared {
				ts.rolesSkipped++
			}
			return
		}
		p.memberRole(t, di, li, role, declared)
		return
	}
	uid := ""
	if li >= 0 && !w.recreate {
		uid = p.lives[li].id
	}
	setRole := role != model.RoleMember
	if !setRole && listed && p.teamRolesReported {
		// The old account's membership, should W&B keep it through the
		// invitation, keeps its role too.
		have := p.liveTeamRole(&t.live.Members[p.lives[li].teamPos], li, t)
		setRole = have != "" && have != role
	}
	addRole := role
	if setRole && t.sharedName {
		// The role cannot be set in a team whose name another live team
		// has: the add makes a member, and says so.
		ts.rolesSkipped++
		setRole, addRole = false, model.RoleMember
	}
	name := p.wants[di].name
	p.add(plan.Change{Action: plan.AddMember, Team: t.name, TeamID: t.id, User: name, UserID: uid, Role: addRole})
	if setRole {
		p.add(plan.Change{Action: plan.SetTeamRole, Team: t.name, TeamID: t.id, User: name, UserID: uid, Role: role})
	}
}

// memberRole plans the team role of desired user di, live user li, a
// member of the team already. A known role that differs is changed; when
// the read reports no role for this membership (for no user at all, or not
// for this one), a role the manifest writes out (member included; not a
// plain email) is counted as unchecked and, under unreportedRoles: enforce,
// sent as an unverified assertion.
func (p *planner) memberRole(t teamRef, di, li int32, role model.Role, declared bool) {
	change := func(from, reason string) {
		uid := p.lives[li].id
		if p.wants[di].recreate {
			uid = ""
		}
		p.add(plan.Change{Action: plan.SetTeamRole, Team: t.name, TeamID: t.id, User: p.wants[di].name, UserID: uid, Role: role, From: from, Reason: reason})
	}
	have := model.Role("")
	if p.teamRolesReported {
		have = p.liveTeamRole(&t.live.Members[p.lives[li].teamPos], li, t)
	}
	switch {
	case have == "" && declared:
		// Not reported (for any user, or for this one): unchecked.
		p.uncheckedTeamRoles++
		if p.policy.UnreportedRoles == model.RolesEnforce {
			change("", plan.ReasonUnverified)
		}
	case have != "" && have != role:
		change(string(have), "")
	}
}

// planRemovals removes from an authoritative live team every member the
// manifest does not list, except users left alone (ambiguous), protected
// users and members that are no listed user (service accounts), which are
// warned about.
func (p *planner) planRemovals(t teamRef, ts *teamState) {
	var unresolved []string
	for pos, li := range ts.members {
		if li < 0 {
			m := t.live.Members[pos]
			id := m.UserID
			if id == "" {
				id = m.Email
			}
			unresolved = append(unresolved, id)
			continue
		}
		if p.lives[li].keepGen == ts.gen {
			continue
		}
		if p.held(li) {
			// A holder of a held entry's email (holdReinvite) is kept
			// only where the manifest lists that entry: whoever the
			// entry means, a team that does not list it lists neither.
			if dj, ok := p.clashHolder[li]; !ok || p.wants[dj].teamGen == ts.gen {
				continue
			}
		}
		// The live record itself (a cache miss at scale) is read only for
		// what the compact views lack.
		var who subject
		reason := reasonNotManaged
		if o := p.lives[li].owner; o >= 0 {
			who, reason = p.wantSubject(o), reasonNotListed
		} else {
			who = liveSubject(&p.have.Users[li])
		}
		protected := p.protected(who.user, &p.have.Users[li])
		who = p.asShown(p.lives[li].id, who)
		if protected {
			p.stays[li] = true
			p.warn(plan.Warning{Code: plan.WarnProtected, Team: t.name, User: who.user, Username: who.handle, Message: fmt.Sprintf(
				"%s is protected (policy.protected): not removed from team %s, although %s", who.text(), quoteSpaced(t.name), reason)})
			continue
		}
		// The role the membership held, where the read reports it (W&B
		// names a team role by the team's name: not for a shared name).
		var from string
		if p.teamRolesReported && (!t.sharedName || t.live.Members[pos].Role != "") {
			from = string(p.liveTeamRole(&t.live.Members[pos], li, t))
		}
		p.add(plan.Change{Action: plan.RemoveMember, Team: t.name, TeamID: t.id, User: who.user, Username: who.handle, UserID: p.lives[li].id, From: from, Reason: reason})
	}
	if len(unresolved) > 0 {
		slices.Sort(unresolved)
		name := quoteSpaced(t.name)
		if t.sharedName || t.foldedName { // which of the teams of that name
			name += " (id " + t.id + ")"
		}
		p.warn(plan.Warning{Code: plan.WarnUnresolvedMember, Team: t.name, IDs: unresolved, Message: fmt.Sprintf(
			"%d member(s) of team %s are not listed SCIM users (such as org service accounts, or users added after the users were read): never removed", len(unresolved), name)})
	}
}

// resolveWant sets ts.listed[i] to the desired user of member i of ms:
// the user its hint (model.Member.User) names when that user's wantName
// (its email, else its userName) equals the member's email by value (the
// loader gives both the same string, so the compare is one pointer
// check), else what wantByEmail holds for the member's key.
func (p *planner) resolveWant(ms []model.Member, ts *teamState) {
	ts.keys, ts.pos = ts.keys[:0], ts.pos[:0]
	hs := hints(ms, len(p.wants), p.wantHints, ts)
	p.prefetch(hs, func(di int32) int32 { return int32(len(p.wants[di].name)) })
	for i, h := range hs {
		if h >= 0 && p.wants[h].name == ms[i].Email {
			ts.listed[i] = h
			continue
		}
		ts.keys, ts.pos = append(ts.keys, model.Key(ms[i].Email)), append(ts.pos, int32(i))
	}
	p.lookUp(p.wantByEmail, ts.listed, ts)
}

// resolveLive sets ts.members[i] to the live user of member i of ms: the
// user its hint names when that user's id is the member's, as the read
// gives it, else what liveByID holds for the member's id (none for a
// member without one).
func (p *planner) resolveLive(ms []model.Member, ts *teamState) {
	ts.keys, ts.pos = ts.keys[:0], ts.pos[:0]
	hs := hints(ms, len(p.lives), p.liveHints, ts)
	p.prefetch(hs, func(li int32) int32 { return int32(len(p.lives[li].id)) })
	for i, h := range hs {
		if h >= 0 && ms[i].UserID != "" && p.lives[h].id == ms[i].UserID {
			ts.members[i] = h
			continue
		}
		ts.keys, ts.pos = append(ts.keys, ms[i].UserID), append(ts.pos, int32(i))
	}
	p.lookUp(p.liveByID, ts.members, ts)
}

// hints returns, in ts.hints, the position each member's hint names when
// it is below n, else none; all none when the hints cannot be checked
// (!ok: two users share a key).
func hints(ms []model.Member, n int, ok bool, ts *teamState) []int32 {
	ts.hints = resize(ts.hints, len(ms))
	for i := range ms {
		h := ms[i].User - 1
		if !ok || h < 0 || int(h) >= n {
			h = none
		}
		ts.hints[i] = h
	}
	return ts.hints
}

// lookUp resolves the members at ts.pos, whose keys are ts.keys, through
// index into out.
func (p *planner) lookUp(index *keyIndex, out []int32, ts *teamState) {
	if len(ts.keys) == 0 {
		return
	}
	ts.found = resize(ts.found, len(ts.keys))
	index.getAll(ts.keys, ts.found, &ts.lookup)
	for j, i := range ts.pos {
		out[i] = ts.found[j]
	}
}
