package diff

import (
	"fmt"
	"slices"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// defaultLimit is a safety limit the manifest does not set: a percentage
// of a count, at least a floor.
type defaultLimit struct{ percent, floor int }

// The default limits: deactivations 10% of the active users, at least 5;
// member removals 25% of the memberships, at least 10.
var (
	defaultDeactivations = defaultLimit{percent: 10, floor: 5}
	defaultRemovals      = defaultLimit{percent: 25, floor: 10}
)

// of is the limit for a count of n.
func (d defaultLimit) of(n int) int { return max(d.floor, n*d.percent/100) }

// limits resolves the safety limits against the live organization and
// returns them with the blocks the plan hits.
func (p *planner) limits() (plan.Limits, []plan.Block) {
	l := plan.Limits{ActiveUsers: p.activeUsers, Memberships: p.memberships, ActiveAdmins: p.activeAdmins}
	admins := p.activeAdmins
	l.MaxDeactivations = p.policy.MaxDeactivations.Resolve(l.ActiveUsers, defaultDeactivations.of)
	l.MaxMemberRemovals = p.policy.MaxMemberRemovals.Resolve(l.Memberships, defaultRemovals.of)
	l.MaxDeactivationsRule = rule(p.policy.MaxDeactivations, l.ActiveUsers, "active users", defaultDeactivations)
	l.MaxMemberRemovalsRule = rule(p.policy.MaxMemberRemovals, l.Memberships, "memberships", defaultRemovals)

	deact, removals := p.planned(plan.DeactivateUser), p.planned(plan.RemoveMember)
	var blocks []plan.Block
	if deact > l.MaxDeactivations {
		b := overLimit(plan.LimitMaxDeactivations, "deactivations", deact, l.MaxDeactivations, l.MaxDeactivationsRule)
		if n := p.unmanagedDeactivated; n > 0 {
			// Most likely a first run: the manifest does not list the
			// organization yet.
			which := fmt.Sprintf("%d of the %d are", n, deact)
			if n == deact {
				which = fmt.Sprintf("all %d are", n)
			}
			b.Message += fmt.Sprintf(" (%s live users the manifest does not list, deactivated by unmanagedUsers: deactivate: 'wbsync export' writes the organization as a manifest to start from, or keep unmanagedUsers: ignore until the manifest lists everyone)", which)
		}
		blocks = append(blocks, b)
	}
	if removals > l.MaxMemberRemovals {
		blocks = append(blocks, overLimit(plan.LimitMaxMemberRemovals, "team member removals", removals, l.MaxMemberRemovals, l.MaxMemberRemovalsRule))
	}
	left := admins - p.adminsLost + p.adminsGained
	if admins > 0 && p.adminsLost > 0 && left <= 0 {
		reactivated := ""
		if p.adminsReactivated > 0 {
			reactivated = fmt.Sprintf(" (it reactivates %d user(s) the read shows as admin, not counted: the role a reactivated account holds is known only once it is read again; reactivate them in an apply of their own first)", p.adminsReactivated)
		}
		blocks = append(blocks, plan.Block{Limit: plan.BlockLastAdmin, Planned: p.adminsLost, Allowed: admins - 1, Message: fmt.Sprintf(
			"the plan would leave the organization without an active admin: it %s of the %d active admin(s) and promotes none%s; keep one admin active (%s)",
			lostAdmins(p.adminsLost-p.adminsDemoted, p.adminsDemoted), admins, reactivated, keepAdmin(p.adminsLost-p.adminsDemoted, p.adminsDemoted))})
	}
	// Unverified demotions may each remove an admin the read cannot see:
	// they are safe only when the plan also makes someone admin, or a
	// reported admin stays.
	if p.unverifiedDemotions > 0 && p.unverifiedAdmins+p.adminsGained == 0 && left <= 0 {
		blocks = append(blocks, plan.Block{Limit: plan.BlockLastAdmin, Planned: p.unverifiedDemotions, Allowed: 0, Message: fmt.Sprintf(
			"the server does not report organization roles and the plan asserts a non-admin org role for %d existing user(s) (policy.unreportedRoles: enforce) without making anyone admin: if they are the admins today, the organization would be left without one; declare orgRole: admin for at least one active user",
			p.unverifiedDemotions)})
	}
	// No active admin seen, and the plan deactivates users whose role the
	// read does not report: one of them may be the admin, and the guard
	// above cannot see it go (deactivated users whose roles are reported
	// are not admins). When the read reports no role at all: a warning.
	// When it reports other users' (W&B always has an admin, so the
	// admin's is likely the one missing): blocked, unless the plan
	// promotes or asserts an admin (apply then runs those deactivations,
	// marked plan.RoleUnreported, only once one is done), or the manifest
	// declares orgRole: admin, unsent under unreportedRoles: skip, for an
	// active user whose role is unreported too (a warning: the plan goes
	// ahead on the manifest's word).
	switch n := p.deactRoleUnknown; {
	case admins > 0 || n == 0:
	case !p.orgRolesReported:
		p.warn(plan.Warning{Code: plan.WarnLastAdmin, Message: fmt.Sprintf(
			"the server reports no organization roles, so wbsync cannot check that an active admin remains after %d deactivation(s); check that no admin is among them", n)})
	case p.adminsGained+p.unverifiedAdmins > 0:
	case p.declaredAdmins > 0:
		p.warn(plan.Warning{Code: plan.WarnLastAdmin, Message: fmt.Sprintf(
			"the read shows no active admin and no organization role for %d user(s) the plan deactivates; it goes ahead on the manifest's orgRole: admin for %d user(s) whose role the read does not report either (not sent: policy.unreportedRoles is skip): check that one of them is the admin",
			n, p.declaredAdmins)})
	default:
		blocks = append(blocks, plan.Block{Limit: plan.BlockLastAdmin, Planned: n, Allowed: 0, Message: fmt.Sprintf(
			"the read reports organization roles for some users but shows no active admin, and the plan deactivates %d user(s) whose role it does not report: the admin is likely among them, and the organization would be left without one; keep the admin active (list it in the manifest, with orgRole: admin, or add it to policy.protected)",
			n)})
	}
	return l, blocks
}

// lostAdmins says how a plan takes deactivated and demoted admins away.
func lostAdmins(deactivated, demoted int) string {
	switch {
	case demoted == 0:
		return fmt.Sprintf("deactivates %d", deactivated)
	case deactivated == 0:
		return fmt.Sprintf("demotes %d", demoted)
	}
	return fmt.Sprintf("deactivates %d and demotes %d", deactivated, demoted)
}

// keepAdmin is the advice of the last-admin block: policy.protected spares
// a deactivation, never a role change, so a demotion's advice is the
// manifest's orgRole alone.
func keepAdmin(deactivated, demoted int) string {
	switch {
	case demoted == 0:
		return "list one of them in the manifest, active, with orgRole: admin; or add one the manifest does not mark active: false to policy.protected"
	case deactivated == 0:
		return "orgRole: admin in the manifest for one of them; policy.protected does not stop a role change"
	}
	return "orgRole: admin in the manifest for one of them; or add one it deactivates, and the manifest does not mark active: false, to policy.protected, which does not stop a role change"
}

// rule says how a limit was set, for the plan header.
func rule(l model.Limit, base int, of string, def defaultLimit) string {
	switch {
	case !l.Set:
		return fmt.Sprintf("default: %d%% of %d %s, at least %d", def.percent, base, of, def.floor)
	case l.Percent:
		return fmt.Sprintf("manifest: %d%% of %d %s", l.Value, base, of)
	default:
		return "manifest"
	}
}

// noteDeactivatedRemovals adds to a maxMemberRemovals block of blocked how
// many of the removals are of users the plan deactivates, when any are:
// a reviewer then knows the count is not teams emptied by an edit but
// users leaving (whose removals from their teams the plan shows).
func noteDeactivatedRemovals(blocked []plan.Block, changes []plan.Change) {
	i := slices.IndexFunc(blocked, func(b plan.Block) bool { return b.Limit == plan.LimitMaxMemberRemovals })
	if i < 0 {
		return
	}
	leaving := map[string]bool{}
	for _, c := range changes {
		if c.Action == plan.DeactivateUser && c.UserID != "" {
			leaving[c.UserID] = true
		}
	}
	users, removals := map[string]bool{}, 0
	for _, c := range changes {
		if c.Action == plan.RemoveMember && leaving[c.UserID] {
			users[c.UserID] = true
			removals++
		}
	}
	if removals == 0 {
		return
	}
	which := fmt.Sprintf("%d of the %d are", removals, blocked[i].Planned)
	if removals == blocked[i].Planned {
		which = fmt.Sprintf("all %d are", removals)
	}
	whom := fmt.Sprintf("the %d user(s)", len(users))
	if len(users) < len(leaving) {
		whom = fmt.Sprintf("%d of the %d user(s)", len(users), len(leaving))
	}
	blocked[i].Message += fmt.Sprintf(" (%s removals of %s the plan deactivates, from their teams)", which, whom)
}

func overLimit(limit plan.BlockLimit, what string, planned, allowed int, rule string) plan.Block {
	return plan.Block{Limit: limit, Planned: planned, Allowed: allowed, Message: fmt.Sprintf(
		"%d %s planned, %d allowed by %s (%s): %d over. Nothing will be applied. If the plan is intended, raise policy.limits.%s in the manifest to at least %d and plan again; otherwise fix the manifest",
		planned, what, allowed, limit, rule, planned-allowed, limit, planned)}
}
