package diff

import (
	"fmt"
	"sort"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// planMembers plans the membership of desired team dt against live team lt
// (none: the plan creates the team): adds, team roles and, for
// authoritative teams, removals.
func (p *planner) planMembers(dt model.Team, lt int, ts *teamState) {
	ts.gen++
	gen := ts.gen
	teamName, teamID := dt.Name, ""
	var live model.Team
	if lt >= 0 {
		live = p.have.Teams[lt]
		teamName, teamID = live.Name, live.ID
		for pos, m := range live.Members {
			if li := p.resolve(m); li >= 0 {
				ts.liveGen[li], ts.livePos[li] = gen, int32(pos)
			}
		}
	}

	// Desired members, one entry per user (a duplicate keeps the smallest
	// role, so the result does not depend on the manifest's order).
	ts.order = ts.order[:0]
	for _, m := range dt.Members {
		di, ok := p.wantByKey[model.Key(m.Email)]
		if !ok {
			continue // an undeclared member is a manifest error
		}
		role := m.Role.Norm()
		if role == "" {
			role = model.RoleMember
		}
		if ts.wantGen[di] != gen {
			ts.wantGen[di], ts.roleOf[di] = gen, role
			ts.order = append(ts.order, di)
		} else if role < ts.roleOf[di] {
			ts.roleOf[di] = role
		}
	}

	for _, di := range ts.order {
		p.inTeam[di] = true
		li := p.match[di]
		if li == ambiguous {
			continue
		}
		if li >= 0 {
			ts.keepGen[li] = gen // listed: never removed, whatever its state
		}
		if !p.wantActive[di] {
			continue // no adds or roles for a user the manifest deactivates
		}
		role, name := ts.roleOf[di], p.wantNames[di]
		uid := ""
		if li >= 0 && !p.recreate[di] {
			uid = p.liveIDs[li]
		}
		if li >= 0 && ts.liveGen[li] == gen {
			m := live.Members[ts.livePos[li]]
			if have := liveTeamRole(m, p.have.Users[li], teamName); have != "" && have != role {
				p.add(plan.Change{Action: plan.SetTeamRole, Team: teamName, TeamID: teamID, User: name, UserID: uid, Role: role, From: string(have)})
			}
			continue
		}
		p.add(plan.Change{Action: plan.AddMember, Team: teamName, TeamID: teamID, User: name, UserID: uid, Role: role})
		if role != model.RoleMember {
			p.add(plan.Change{Action: plan.SetTeamRole, Team: teamName, TeamID: teamID, User: name, UserID: uid, Role: role})
		}
	}

	if lt < 0 || dt.Membership == model.Additive {
		return
	}
	var unresolved []string
	for _, m := range live.Members {
		li := p.resolve(m)
		if li < 0 {
			id := m.UserID
			if id == "" {
				id = m.Email
			}
			unresolved = append(unresolved, id)
			continue
		}
		if ts.keepGen[li] == gen || p.held(li) {
			continue
		}
		l := p.have.Users[li]
		name, reason := l.UserName, reasonNotManaged
		if o := p.owner[li]; o >= 0 {
			name, reason = wantName(p.want.Users[o]), reasonNotListed
		}
		if p.protected(name, l.UserName, l.Email) {
			p.warn(plan.Warning{Code: plan.WarnProtected, Team: teamName, User: name, Message: fmt.Sprintf(
				"%s is protected (policy.protected): not removed from team %s, although %s", name, teamName, reason)})
			continue
		}
		p.add(plan.Change{Action: plan.RemoveMember, Team: teamName, TeamID: teamID, User: name, UserID: l.ID, Reason: reason})
	}
	if len(unresolved) > 0 {
		sort.Strings(unresolved)
		p.warn(plan.Warning{Code: plan.WarnUnresolvedMember, Team: teamName, IDs: unresolved, Message: fmt.Sprintf(
			"%d member(s) of team %s are not listed SCIM users (such as org service accounts): never removed", len(unresolved), teamName)})
	}
}
