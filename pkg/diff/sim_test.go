package diff

import (
	"fmt"
	"slices"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// simulate applies a plan to a copy of the observed state the way W&B
// would, and returns the new state. It is pure and shares no code with
// Compute. srv says what the server reports (and keeps) afterwards.
func simulate(have model.State, p plan.Plan, dep model.Deployment, srv server) (model.State, error) {
	st := cloneState(have)
	reportedAs := func(known bool, r model.Role) model.Role {
		if known {
			return r
		}
		return ""
	}
	orgRole := func(r model.Role) model.Role { return reportedAs(srv.orgRoles, r) }
	teamRole := func(r model.Role) model.Role { return reportedAs(srv.teamRoles, r) }
	extID := func(s string) string {
		if srv.extIDs {
			return s
		}
		return ""
	}
	createdUser := map[string]string{} // key → id
	createdTeam := map[string]string{}
	next := 0
	userIdx := func(c plan.Change) int {
		id := c.UserID
		if id == "" {
			id = createdUser[model.Key(c.User)]
		}
		for i, u := range st.Users {
			if u.ID == id {
				return i
			}
		}
		return -1
	}
	teamIdx := func(c plan.Change) int {
		id := c.TeamID
		if id == "" {
			id = createdTeam[model.Key(c.Team)]
		}
		for i, t := range st.Teams {
			if t.ID == id {
				return i
			}
		}
		return -1
	}
	for _, c := range p.Changes {
		switch c.Action {
		case plan.CreateUser:
			userName := c.User
			if c.Username != "" {
				userName = c.Username
			}
			adopted := false
			// A create of an account W&B already has (same userName, or on
			// Multi-tenant Cloud the same email: accounts are global) links
			// that account, as the client's 409 adoption does.
			for i, u := range st.Users {
				if u.Key() == model.Key(userName) || (dep == model.SaaS && hasEmail(u, c.User)) {
					if !u.Active { // invited again: a fresh org membership, with what the create sends
						st.Users[i].OrgRole = orgRole(model.RoleMember)
						if c.ExternalID != "" {
							st.Users[i].ExternalID = extID(c.ExternalID)
						}
					}
					st.Users[i].Active = true
					createdUser[model.Key(c.User)] = u.ID
					adopted = true
					break
				}
			}
			if !adopted {
				next++
				id := fmt.Sprintf("new-u-%d", next)
				st.Users = append(st.Users, model.User{ID: id, UserName: userName, Email: c.User, Emails: []string{c.User}, DisplayName: c.Name,
					ExternalID: extID(c.ExternalID), OrgRole: orgRole(model.RoleMember), Active: true})
				createdUser[model.Key(c.User)] = id
			}
		case plan.CreateTeam:
			next++
			id := fmt.Sprintf("new-t-%d", next)
			st.Teams = append(st.Teams, model.Team{ID: id, Name: c.Team, Members: []model.Member{}})
			createdTeam[model.Key(c.Team)] = id
		case plan.ReactivateUser, plan.UpdateUser, plan.SetOrgRole, plan.DeactivateUser:
			i := userIdx(c)
			if i < 0 {
				return st, fmt.Errorf("%s: no user %s", c.Action, c.User)
			}
			switch c.Action {
			case plan.ReactivateUser:
				if dep == model.SaaS {
					return st, fmt.Errorf("reactivate on saas: refused")
				}
				st.Users[i].Active = true
			case plan.UpdateUser:
				if dep == model.SaaS && (c.Name != "" || c.Email != "") {
					return st, fmt.Errorf("displayName or email update on saas: refused")
				}
				if c.Name != "" {
					st.Users[i].DisplayName = c.Name
				}
				if c.ExternalID != "" {
					st.Users[i].ExternalID = extID(c.ExternalID)
				}
				if c.Email != "" { // the replace leaves the one new email, as the PATCH does
					u := &st.Users[i]
					for _, e := range c.DroppedEmails.Values() {
						if !slices.ContainsFunc(u.Emails, func(x string) bool { return model.Key(x) == model.Key(e) }) {
							return st, fmt.Errorf("update_user %s drops %s, which the user does not list", c.User, e)
						}
					}
					u.Email, u.Emails = c.Email, []string{c.Email}
				}
			case plan.SetOrgRole:
				if c.Role == model.RoleViewer {
					return st, fmt.Errorf("viewer org role sent")
				}
				st.Users[i].OrgRole = orgRole(c.Role)
			case plan.DeactivateUser:
				if dep == model.SaaS { // removed from the organization
					id := st.Users[i].ID
					st.Users = slices.Delete(st.Users, i, i+1)
					for t := range st.Teams {
						st.Teams[t].Members = slices.DeleteFunc(st.Teams[t].Members, func(m model.Member) bool { return m.UserID == id })
					}
				} else {
					st.Users[i].Active = false
				}
			}
		case plan.AddMember, plan.SetTeamRole, plan.RemoveMember:
			t, u := teamIdx(c), userIdx(c)
			if t < 0 || u < 0 {
				return st, fmt.Errorf("%s: team %s or user %s unknown", c.Action, c.Team, c.User)
			}
			id := st.Users[u].ID
			pos := slices.IndexFunc(st.Teams[t].Members, func(m model.Member) bool { return m.UserID == id })
			switch c.Action {
			case plan.AddMember:
				if pos >= 0 && c.UserID == "" && dep == model.SaaS {
					// A user invited again on Multi-tenant Cloud that the
					// read still listed as a member: whether W&B kept the
					// membership is unknown, so the plan adds it, and an
					// add of a present member changes nothing (RFC 7644
					// 3.5.2.1).
					continue
				}
				if pos >= 0 {
					return st, fmt.Errorf("add_member: %s already in %s", c.User, c.Team)
				}
				st.Teams[t].Members = append(st.Teams[t].Members, model.Member{UserID: id, Email: st.Users[u].UserName, Role: teamRole(model.RoleMember)})
			case plan.SetTeamRole:
				if pos < 0 {
					return st, fmt.Errorf("set_team_role: %s not in %s", c.User, c.Team)
				}
				st.Teams[t].Members[pos].Role = teamRole(c.Role)
			case plan.RemoveMember:
				if pos < 0 {
					return st, fmt.Errorf("remove_member: %s not in %s", c.User, c.Team)
				}
				st.Teams[t].Members = slices.Delete(st.Teams[t].Members, pos, pos+1)
			}
		default:
			return st, fmt.Errorf("unknown action %s", c.Action)
		}
	}
	return st, nil
}

// hasEmail reports whether live user u has the email e.
func hasEmail(u model.User, e string) bool {
	if model.Key(u.Email) == model.Key(e) {
		return true
	}
	return slices.ContainsFunc(u.Emails, func(x string) bool { return model.Key(x) == model.Key(e) })
}

// cloneState deep-copies a state.
func cloneState(s model.State) model.State {
	c := model.State{Users: make([]model.User, len(s.Users)), Teams: make([]model.Team, len(s.Teams))}
	for i, u := range s.Users {
		if u.TeamRoles != nil {
			m := make(map[string]model.Role, len(u.TeamRoles))
			for k, v := range u.TeamRoles {
				m[k] = v
			}
			u.TeamRoles = m
		}
		u.Emails = slices.Clone(u.Emails)
		c.Users[i] = u
	}
	for i, t := range s.Teams {
		t.Members = slices.Clone(t.Members)
		c.Teams[i] = t
	}
	return c
}

// shuffled returns a copy of the state with every list shuffled.
func shuffled(s model.State, perm func(n int, swap func(i, j int))) model.State {
	c := cloneState(s)
	perm(len(c.Users), func(i, j int) { c.Users[i], c.Users[j] = c.Users[j], c.Users[i] })
	perm(len(c.Teams), func(i, j int) { c.Teams[i], c.Teams[j] = c.Teams[j], c.Teams[i] })
	for _, t := range c.Teams {
		perm(len(t.Members), func(i, j int) { t.Members[i], t.Members[j] = t.Members[j], t.Members[i] })
	}
	return c
}
