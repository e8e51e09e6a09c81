package diff

import (
	"fmt"
	"strings"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// Reasons carried by changes.
const (
	reasonInactive   = "active: false"
	reasonUnmanaged  = "not in the manifest; unmanagedUsers: deactivate"
	reasonRecreate   = "deactivated on Multi-tenant Cloud, which removed the user from the organization and cannot reactivate: invited again"
	reasonNewAdmin   = "new users join as member"
	reasonNotListed  = "not listed in this authoritative team"
	reasonNotManaged = "not in the manifest; the team is authoritative"
)

// planUsers plans the per-user changes of every desired user: create,
// reactivate, update, org role and deactivation.
func (p *planner) planUsers() {
	for di, d := range p.want.Users {
		li := p.match[di]
		if li == ambiguous {
			continue
		}
		name := wantName(d)
		if li == none {
			if d.Active {
				p.add(plan.Change{Action: plan.CreateUser, User: name, Name: d.DisplayName, ExternalID: d.ExternalID})
				p.newUserRole(d)
			}
			continue
		}
		l := p.have.Users[li]
		if !d.Active {
			if l.Active {
				p.deactivate(li, name, reasonInactive)
			}
			continue
		}
		if !l.Active {
			if p.saas {
				p.recreate[di] = true
				p.add(plan.Change{Action: plan.CreateUser, User: name, Name: d.DisplayName, ExternalID: d.ExternalID, Reason: reasonRecreate})
				p.newUserRole(d)
				continue
			}
			p.add(plan.Change{Action: plan.ReactivateUser, User: name, UserID: l.ID})
		}
		p.update(d, l)
		p.orgRole(d, l)
	}
}

// newUserRole plans the org role of a user the plan creates: W&B makes new
// users members, so only admin needs a change.
func (p *planner) newUserRole(d model.User) {
	switch d.OrgRole.Norm() {
	case model.RoleAdmin:
		p.add(plan.Change{Action: plan.SetOrgRole, User: wantName(d), Role: model.RoleAdmin, Reason: reasonNewAdmin})
		p.adminsGained++
	case model.RoleViewer:
		p.warnViewer(d)
	}
}

func (p *planner) warnViewer(d model.User) {
	p.warn(plan.Warning{Code: plan.WarnUnsupportedUpdate, User: wantName(d), Message: fmt.Sprintf(
		"orgRole viewer for %s is never set: W&B turns it into member with viewer seats and resets all team roles to viewer", wantName(d))})
}

// orgRole plans set_org_role where the manifest manages the role and the
// server reported a different one (an unknown live role is left alone, so
// plans converge on servers that do not report roles).
func (p *planner) orgRole(d model.User, l model.User) {
	want, have := d.OrgRole.Norm(), l.OrgRole.Norm()
	if want == "" || have == "" || want == have {
		return
	}
	if want == model.RoleViewer {
		p.warnViewer(d)
		return
	}
	p.add(plan.Change{Action: plan.SetOrgRole, User: wantName(d), UserID: l.ID, Role: want, From: string(have)})
	switch {
	case want == model.RoleAdmin:
		p.adminsGained++
	case have == model.RoleAdmin && l.Active:
		p.adminsLost++
	}
}

// update plans update_user for a managed displayName or externalId that
// differs; on Multi-tenant Cloud, which cannot update them, a warning.
func (p *planner) update(d model.User, l model.User) {
	c := plan.Change{Action: plan.UpdateUser, User: wantName(d), UserID: l.ID}
	var what []string
	if d.DisplayName != "" && d.DisplayName != l.DisplayName {
		c.Name, c.From = d.DisplayName, l.DisplayName
		what = append(what, fmt.Sprintf("displayName %q (live %q)", d.DisplayName, l.DisplayName))
	}
	if d.ExternalID != "" && d.ExternalID != l.ExternalID {
		c.ExternalID, c.FromExternalID = d.ExternalID, l.ExternalID
		what = append(what, fmt.Sprintf("externalId %q (live %q)", d.ExternalID, l.ExternalID))
	}
	if len(what) == 0 {
		return
	}
	if p.saas {
		p.warn(plan.Warning{Code: plan.WarnUnsupportedUpdate, User: wantName(d), Message: fmt.Sprintf(
			"%s: the manifest sets %s, but W&B Multi-tenant Cloud cannot update these through SCIM; change them in W&B or drop them from the manifest",
			wantName(d), strings.Join(what, " and "))})
		return
	}
	p.add(c)
}

// deactivate plans deactivate_user for live user li unless it is protected.
func (p *planner) deactivate(li int, name, reason string) {
	l := p.have.Users[li]
	if p.protected(name, l.UserName, l.Email) {
		p.warn(plan.Warning{Code: plan.WarnProtected, User: name, Message: fmt.Sprintf(
			"%s is protected (policy.protected): not deactivated, although %s", name, reason)})
		return
	}
	p.add(plan.Change{Action: plan.DeactivateUser, User: name, UserID: l.ID, Reason: reason})
	if l.OrgRole.Norm() == model.RoleAdmin {
		p.adminsLost++
	}
	if p.saas {
		p.warn(plan.Warning{Code: plan.WarnIrreversibleDeactivation, User: name, Message: fmt.Sprintf(
			"deactivating %s on W&B Multi-tenant Cloud removes the user from the organization; SCIM cannot undo it (the user must be invited again)", name)})
	}
}

// planUnmanaged handles live active users that match no desired user:
// deactivated under unmanagedUsers: deactivate, else warned about.
func (p *planner) planUnmanaged() {
	deact := p.policy.UnmanagedUsers == model.UnmanagedDeactivate
	for li, l := range p.have.Users {
		if p.owner[li] != none || !l.Active {
			continue
		}
		if deact {
			p.deactivate(li, l.UserName, reasonUnmanaged)
			continue
		}
		if p.protected(l.UserName, l.Email) {
			continue
		}
		p.warn(plan.Warning{Code: plan.WarnUnmanagedUser, User: l.UserName, IDs: []string{l.ID}, Message: fmt.Sprintf(
			"%s is active in W&B but not in the manifest (unmanagedUsers: ignore): left alone", liveName(l))})
	}
}

// liveName shows a live user: the userName, with the email when it differs.
func liveName(l model.User) string {
	if l.Email != "" && model.Key(l.Email) != l.Key() {
		return fmt.Sprintf("%s (%s)", l.UserName, l.Email)
	}
	return l.UserName
}

// warnWithoutTeam warns about active managed users listed in no team.
func (p *planner) warnWithoutTeam() {
	for di, d := range p.want.Users {
		if !d.Active || p.inTeam[di] || p.match[di] == ambiguous {
			continue
		}
		p.warn(plan.Warning{Code: plan.WarnUserWithoutTeam, User: wantName(d), Message: fmt.Sprintf(
			"%s is active but in no team of the manifest: can log in, reaches no team's data", wantName(d))})
	}
}
