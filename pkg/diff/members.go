package diff

import (
	"fmt"
	"slices"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// teamState is the per-team scratch space, reused across teams: per-user
// slots are valid for the current team when their generation is gen.
type teamState struct {
	gen     int32
	liveGen []int32 // live user → gen when a member of the current live team
	livePos []int32 // live user → position in the current live team's members
	keepGen []int32 // live user → gen when listed in the current desired team
	wantGen []int32 // desired user → gen when listed in the current desired team
	roleOf  []model.Role
	order   []int32 // desired users of the current team, deduplicated
	members []int32 // current live team: member position → live user, or none
}

func newTeamState(nw, nh int) *teamState {
	return &teamState{
		liveGen: make([]int32, nh),
		livePos: make([]int32, nh),
		keepGen: make([]int32, nh),
		wantGen: make([]int32, nw),
		roleOf:  make([]model.Role, nw),
	}
}

// teamRef is the team a membership change goes to: the live team's name
// and id, or the manifest's name for a team the plan creates.
type teamRef struct {
	name, id string
	live     *model.Team // nil for a team the plan creates
}

// planMembers plans the membership of desired team dt against live team lt
// (none: the plan creates the team): adds and team roles for the members it
// lists and, for an authoritative team, removals of the others.
func (p *planner) planMembers(dt *model.Team, lt int, ts *teamState) {
	ts.gen++
	t := teamRef{name: dt.Name}
	if lt >= 0 {
		t.live = &p.have.Teams[lt]
		t.name, t.id = t.live.Name, t.live.ID
		p.markLiveMembers(t.live, ts)
	}
	p.listMembers(dt, ts)
	for _, di := range ts.order {
		p.planListed(t, di, ts)
	}
	if t.live != nil && dt.Membership != model.Additive {
		p.planRemovals(t, ts)
	}
}

// markLiveMembers resolves the live team's members to live users, once.
func (p *planner) markLiveMembers(live *model.Team, ts *teamState) {
	ts.members = ts.members[:0]
	for pos := range live.Members {
		li := p.resolve(&live.Members[pos])
		ts.members = append(ts.members, li)
		if li >= 0 {
			ts.liveGen[li], ts.livePos[li] = ts.gen, int32(pos)
		}
	}
}

// listMembers collects the desired team's members, one entry per user (a
// user listed twice keeps the smallest role, so the result does not depend
// on the manifest's order).
func (p *planner) listMembers(dt *model.Team, ts *teamState) {
	ts.order = ts.order[:0]
	for _, m := range dt.Members {
		di, ok := p.wantByEmail[model.Key(m.Email)]
		if !ok {
			continue // an undeclared member is a manifest error
		}
		role := m.Role.Norm()
		if role == "" {
			role = model.RoleMember
		}
		switch {
		case ts.wantGen[di] != ts.gen:
			ts.wantGen[di], ts.roleOf[di] = ts.gen, role
			ts.order = append(ts.order, di)
		case role < ts.roleOf[di]:
			ts.roleOf[di] = role
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
		ts.keepGen[li] = ts.gen // listed: never removed, whatever its state
	}
	if !w.active {
		return // no adds or roles for a user the manifest deactivates
	}
	role, uid := ts.roleOf[di], ""
	if li >= 0 && !w.recreate {
		uid = p.lives[li].id
	}
	if li >= 0 && ts.liveGen[li] == ts.gen {
		p.memberRole(t, w.name, uid, role, li, ts)
		return
	}
	p.add(plan.Change{Action: plan.AddMember, Team: t.name, TeamID: t.id, User: w.name, UserID: uid, Role: role})
	if role != model.RoleMember {
		p.add(plan.Change{Action: plan.SetTeamRole, Team: t.name, TeamID: t.id, User: w.name, UserID: uid, Role: role})
	}
}

// memberRole plans the team role of an existing member. When the server
// reports team roles, a known role that differs is changed; when it
// reports none, a declared role other than member is counted as unchecked
// and, under unreportedRoles: enforce, sent as an unverified assertion.
func (p *planner) memberRole(t teamRef, name, uid string, role model.Role, li int32, ts *teamState) {
	if !p.teamRolesReported {
		if role == model.RoleMember {
			return
		}
		p.uncheckedTeamRoles++
		if p.policy.UnreportedRoles == model.RolesEnforce {
			p.add(plan.Change{Action: plan.SetTeamRole, Team: t.name, TeamID: t.id, User: name, UserID: uid, Role: role, Reason: plan.ReasonUnverified})
		}
		return
	}
	m := &t.live.Members[ts.livePos[li]]
	if have := p.liveTeamRole(m, li, t.name); have != "" && have != role {
		p.add(plan.Change{Action: plan.SetTeamRole, Team: t.name, TeamID: t.id, User: name, UserID: uid, Role: role, From: string(have)})
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
		if ts.keepGen[li] == ts.gen || p.held(li) {
			continue
		}
		l := &p.have.Users[li]
		name, reason := "", reasonNotManaged
		if o := p.lives[li].owner; o >= 0 {
			name, reason = p.wants[o].name, reasonNotListed
		} else {
			name = liveName(*l)
		}
		if p.protected(name, *l) {
			p.warn(plan.Warning{Code: plan.WarnProtected, Team: t.name, User: name, Message: fmt.Sprintf(
				"%s is protected (policy.protected): not removed from team %s, although %s", name, t.name, reason)})
			continue
		}
		p.add(plan.Change{Action: plan.RemoveMember, Team: t.name, TeamID: t.id, User: name, UserID: l.ID, Reason: reason})
	}
	if len(unresolved) > 0 {
		slices.Sort(unresolved)
		p.warn(plan.Warning{Code: plan.WarnUnresolvedMember, Team: t.name, IDs: unresolved, Message: fmt.Sprintf(
			"%d member(s) of team %s are not listed SCIM users (such as org service accounts): never removed", len(unresolved), t.name)})
	}
}
