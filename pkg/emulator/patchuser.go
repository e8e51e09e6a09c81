package emulator

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// userEdit is a working copy of a user that PATCH operations change; it is
// committed only when every operation succeeded.
type userEdit struct {
	u          *user
	emails     []string
	display    string
	externalID string
	active     bool
	orgRole    string
	modelsSeat string
	weaveRole  string
	teamRoles  map[*team]string
	// registryRoles is a copy of the user's, in order of addition.
	registryRoles []registryRole
	// rolesTouched: an operation set organizationRole or teamRoles, so the
	// response carries the roles even with OmitRoles.
	rolesTouched bool
}

func (s *Server) patchUser(req *request) (reply, *apiError) {
	u, e := s.findUser(req.id)
	if e != nil {
		return reply{}, e
	}
	if e := checkIfMatch(req, u.version); e != nil {
		return reply{}, e
	}
	ops, e := s.parsePatch(req.body)
	if e != nil {
		return reply{}, e
	}
	ed := &userEdit{u: u, emails: slices.Clone(u.emails), display: u.displayName, externalID: u.externalID,
		active: u.active, orgRole: u.orgRole, modelsSeat: u.modelsSeat, weaveRole: u.weaveRole, teamRoles: map[*team]string{},
		registryRoles: slices.Clone(u.registryRoles)}
	for t := range u.teams {
		ed.teamRoles[t] = t.roles[u.id]
	}
	for _, op := range ops {
		if e := s.applyUserOp(ed, op); e != nil {
			return reply{}, e
		}
	}
	return s.commitUser(ed)
}

func (s *Server) applyUserOp(ed *userEdit, op patchOp) *apiError {
	switch op.Op {
	case "replace", "add":
		if op.Path != "" {
			return s.setUserAttr(ed, op.Op, op.Path, op.Value)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(op.Value, &m); err != nil {
			return errf(http.StatusBadRequest, "invalidValue", "a %s without path needs an object value: %v", op.Op, err)
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if strings.EqualFold(k, "schemas") || strings.EqualFold(k, "id") {
				continue
			}
			if e := s.setUserAttr(ed, op.Op, k, m[k]); e != nil {
				return e
			}
		}
		return nil
	case "remove":
		if isRegistryRolesPath(op.Path) {
			return removeRegistryRoles(ed, op.Path)
		}
		switch strings.ToLower(op.Path) {
		case "externalid":
			if !s.opts.IgnoreExternalID {
				ed.externalID = ""
			}
			return nil
		case "displayname":
			if s.opts.Deployment == DeploymentSaaS {
				return errf(http.StatusBadRequest, "mutability", "displayName updates are not supported in SaaS Cloud")
			}
			ed.display = ""
			return nil
		}
		return errf(http.StatusBadRequest, "noTarget", "remove of %q is not supported on a User", op.Path)
	}
	return errf(http.StatusBadRequest, "invalidSyntax", "unsupported op %q", op.Op)
}

func jsonString(attr string, raw json.RawMessage) (string, *apiError) {
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", errf(http.StatusBadRequest, "invalidValue", "%s must be a string", attr)
	}
	return v, nil
}

// setUserAttr applies one add or replace (opName) of a User attribute;
// the two differ for registryRoles only.
func (s *Server) setUserAttr(ed *userEdit, opName, path string, raw json.RawMessage) *apiError {
	saas := s.opts.Deployment == DeploymentSaaS
	switch strings.ToLower(path) {
	case "active":
		var b flexBool
		if err := json.Unmarshal(raw, &b); err != nil {
			return errf(http.StatusBadRequest, "invalidValue", "active: %v", err)
		}
		if e := s.checkBool("active", b); e != nil {
			return e
		}
		if b.val && saas {
			return errf(http.StatusBadRequest, "", "User reactivation operations are not supported in SaaS Cloud")
		}
		ed.active = b.val
	case "organizationrole":
		ed.rolesTouched = true
		v, e := jsonString("organizationRole", raw)
		if e != nil {
			return e
		}
		switch r := strings.ToLower(v); r {
		case roleAdmin, roleMember:
			ed.orgRole = r
		case roleViewer:
			// Deprecated: member, viewer seats, and every team role viewer.
			ed.orgRole = roleMember
			if !saas {
				ed.modelsSeat, ed.weaveRole = "viewer", "viewer"
			}
			for t := range ed.teamRoles {
				ed.teamRoles[t] = roleViewer
			}
		default:
			return errf(http.StatusBadRequest, "invalidValue", "organizationRole %q: want admin or member", v)
		}
	case "teamroles":
		ed.rolesTouched = true
		return s.setTeamRoles(ed, raw)
	case "registryroles":
		// W&B's operation tables and example code use add and remove; the
		// replace of its JSON examples is refused (docs/wandb-api.md).
		if opName != "add" {
			return errf(http.StatusBadRequest, "invalidPath", "registryRoles is changed with add and remove, not %s", opName)
		}
		return addRegistryRoles(ed, raw)
	case "displayname":
		if saas {
			return errf(http.StatusBadRequest, "mutability", "displayName updates are not supported in SaaS Cloud")
		}
		v, e := jsonString("displayName", raw)
		if e != nil {
			return e
		}
		ed.display = v
	case "emails":
		if saas {
			return errf(http.StatusBadRequest, "mutability", "email updates are not supported in SaaS Cloud")
		}
		var in []emailIn
		if err := json.Unmarshal(raw, &in); err != nil {
			return errf(http.StatusBadRequest, "invalidValue", "emails must be an array of {value, primary}: %v", err)
		}
		emails, e := s.parseEmails(in)
		if e != nil {
			return e
		}
		ed.emails = emails
	case "externalid":
		v, e := jsonString("externalId", raw)
		if e != nil {
			return e
		}
		if !s.opts.IgnoreExternalID {
			ed.externalID = v
		}
	case "modelsseat", "weaverole":
		if saas {
			return errf(http.StatusBadRequest, "mutability", "%s is not supported in SaaS Cloud", path)
		}
		v, e := jsonString(path, raw)
		if e != nil {
			return e
		}
		seat, e := seatValue(path, &v)
		if e != nil {
			return e
		}
		if strings.EqualFold(path, "modelsSeat") {
			ed.modelsSeat = seat
		} else {
			ed.weaveRole = seat
		}
	default:
		return errf(http.StatusBadRequest, "invalidPath", "attribute %q cannot be changed through SCIM", path)
	}
	return nil
}

// teamsNamed returns the user's teams of exactly that name (each, when
// several share it); only when none has it, those of that name in another
// case.
func (ed *userEdit) teamsNamed(name string) []*team {
	var exact, folded []*team
	for t := range ed.teamRoles {
		switch {
		case t.name == name:
			exact = append(exact, t)
		case strings.EqualFold(t.name, name):
			folded = append(folded, t)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return folded
}

// setTeamRoles applies [{teamName, roleName}]. The user must already be a
// member of the team (membership goes through Groups): otherwise 400. A
// name shared by several of the user's teams sets the role in each (a
// name in another case only when none has it exactly). With
// CheckRoles (and always on saas), roleName must be one the deployment
// knows.
func (s *Server) setTeamRoles(ed *userEdit, raw json.RawMessage) *apiError {
	var in []struct {
		TeamName string `json:"teamName"`
		RoleName string `json:"roleName"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return errf(http.StatusBadRequest, "invalidValue", "teamRoles must be an array of {teamName, roleName}: %v", err)
	}
	if len(in) == 0 {
		return errf(http.StatusBadRequest, "invalidValue", "teamRoles is empty")
	}
	if len(in) > 1 {
		// W&B documents teamRoles as "a one-object array": a client that
		// batches roles must fail here, not against W&B.
		return errf(http.StatusBadRequest, "invalidValue", "teamRoles takes one {teamName, roleName} per operation, got %d", len(in))
	}
	for _, tr := range in {
		role := strings.TrimSpace(tr.RoleName)
		if role == "" {
			return errf(http.StatusBadRequest, "invalidValue", "teamRoles: roleName is required for team %q", tr.TeamName)
		}
		switch {
		case s.opts.CheckRoles || s.opts.Deployment == DeploymentSaaS:
			var e *apiError
			if role, e = s.st.checkTeamRole(role, s.opts.Deployment == DeploymentSaaS); e != nil {
				return e
			}
		case isPredefinedRole(role):
			role = strings.ToLower(role)
		}
		named := ed.teamsNamed(tr.TeamName)
		for _, t := range named {
			ed.teamRoles[t] = role
		}
		if len(named) == 0 {
			if len(s.st.teamsNamed(tr.TeamName)) == 0 {
				return errf(http.StatusBadRequest, "invalidValue", "team %q not found", tr.TeamName)
			}
			return errf(http.StatusBadRequest, "invalidValue", "user %s is not a member of team %q: add the user to the team first",
				ed.u.userName, tr.TeamName)
		}
	}
	return nil
}

// emailsTaken refuses, with Handles (W&B accounts are one per email, as
// collisions checks for a create), an email edit that gives u an email
// another user in the organization holds: 409 uniqueness.
func (s *Server) emailsTaken(u *user, emails []string) *apiError {
	if !s.opts.Handles {
		return nil
	}
	for _, e := range emails {
		if slices.ContainsFunc(u.emails, func(had string) bool { return strings.EqualFold(had, e) }) {
			continue
		}
		for _, o := range s.st.users {
			if o != u && !s.removed(o) && slices.ContainsFunc(o.emails, func(v string) bool { return strings.EqualFold(v, e) }) {
				return errf(http.StatusConflict, "uniqueness", "Resource already exists: another user has the email %q", e)
			}
		}
	}
	return nil
}

// commitUser writes the edit back; on SaaS a deactivation removes the user
// from the organization.
func (s *Server) commitUser(ed *userEdit) (reply, *apiError) {
	u := ed.u
	deactivated := u.active && !ed.active
	if ed.active && !u.active {
		if e := s.seatAvailable(); e != nil {
			return reply{}, e
		}
	}
	if e := s.emailsTaken(u, ed.emails); e != nil {
		return reply{}, e
	}
	changed := !slices.Equal(ed.emails, u.emails) || ed.display != u.displayName || ed.externalID != u.externalID ||
		ed.active != u.active || ed.orgRole != u.orgRole || ed.modelsSeat != u.modelsSeat || ed.weaveRole != u.weaveRole ||
		!slices.Equal(ed.registryRoles, u.registryRoles)
	for t, r := range ed.teamRoles {
		if t.roles[u.id] != r {
			t.roles[u.id] = r
			changed = true
		}
	}
	u.emails, u.displayName, u.externalID, u.active = ed.emails, ed.display, ed.externalID, ed.active
	u.orgRole, u.modelsSeat, u.weaveRole, u.registryRoles = ed.orgRole, ed.modelsSeat, ed.weaveRole, ed.registryRoles
	if changed {
		s.st.touchUser(u)
	}
	v := userView{roles: !s.opts.OmitRoles || ed.rolesTouched}
	// On Multi-tenant Cloud a deactivation removes the user from the
	// organization; another change to a user seeded inactive does not.
	if deactivated && s.opts.Deployment == DeploymentSaaS {
		rep := s.userReply(http.StatusOK, u, v)
		s.st.removeUser(u)
		return rep, nil
	}
	return s.userReply(http.StatusOK, u, v), nil
}
