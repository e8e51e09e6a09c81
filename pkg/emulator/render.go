package emulator

import (
	"cmp"
	"time"
)

// organizationID is the organization's relay id, as in W&B's examples
// (base64 of "Organization:148458").
const organizationID = "T3JnYW5pemF0aW9uOjE0ODQ1OA=="

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// meta is a resource's meta; a create response has no lastModified.
func meta(kind string, created, modified time.Time, location string, version int64, isCreate bool) metaOut {
	m := metaOut{ResourceType: kind, Created: stamp(created), LastModified: stamp(modified), Location: location,
		Version: etag(version)}
	if isCreate {
		m.LastModified = ""
	}
	return m
}

// userView says what a User response carries.
type userView struct {
	roles    bool // organizationRole and teamRoles
	isCreate bool // a create response: no meta.lastModified
}

// getView is the view of GET responses: roles unless OmitRoles.
func (s *Server) getView() userView { return userView{roles: !s.opts.OmitRoles} }

// renderUser is the wire form of u: emails as an RFC array, or as W&B's
// legacy single object with capitalised keys (the primary email only).
func (s *Server) renderUser(u *user, v userView) userOut {
	out := userOut{Schemas: []string{schemaUser}, ID: u.id, UserName: u.userName, DisplayName: u.displayName,
		ExternalID: u.externalID, Active: u.active,
		Meta: meta("User", u.created, u.modified, "Users/"+escapeID(u.id), u.version, v.isCreate)}
	if s.opts.OmitCreated {
		out.Meta.Created = ""
	}
	// Registry roles are on every read (W&B v0.75), OmitRoles or not; an
	// empty list is null with the legacy shapes.
	for _, rr := range u.registryRoles {
		out.RegistryRoles = append(out.RegistryRoles, registryRoleOut{RegistryName: rr.registry, RoleName: rr.role})
	}
	if out.RegistryRoles == nil && !s.opts.LegacyShapes {
		out.RegistryRoles = []registryRoleOut{}
	}
	switch {
	case s.opts.LegacyShapes:
		out.Emails = legacyEmailOut{Value: u.emails[0], Primary: true}
	default:
		es := make([]emailOut, len(u.emails))
		for i, e := range u.emails {
			es[i] = emailOut{Value: e, Primary: i == 0, Type: "work"}
		}
		out.Emails = es
	}
	if v.roles {
		roles := []teamRoleOut{}
		for _, t := range s.st.userTeams(u) {
			roles = append(roles, teamRoleOut{TeamName: t.name, RoleName: t.roles[u.id]})
		}
		if len(roles) == 0 && s.opts.LegacyShapes {
			roles = nil // null: W&B wrote an empty list so then
		}
		out.OrganizationRole, out.TeamRoles = u.orgRole, roles
	}
	if s.opts.Deployment == DeploymentDedicated {
		out.ModelsSeat, out.WeaveRole = cmp.Or(u.modelsSeat, "full"), cmp.Or(u.weaveRole, "full")
	}
	if v.isCreate && s.opts.Deployment == DeploymentSaaS {
		// W&B's Multi-tenant create response lists the user's teams.
		for _, t := range s.st.userTeams(u) {
			out.Groups = append(out.Groups, groupRefOut{Value: t.id})
		}
	}
	return out
}

// renderGroup is the wire form of t: members [{value, display}], or W&B's
// legacy capitalised keys with null for an empty team; no members key at
// all for an empty team with OmitEmptyMembers.
func (s *Server) renderGroup(t *team, isCreate bool) groupOut {
	out := groupOut{Schemas: []string{schemaGroup}, ID: t.id, DisplayName: t.name,
		Meta: meta("Group", t.created, t.modified, "Groups/"+escapeID(t.id), t.version, isCreate)}
	display := func(id string) string {
		if u := s.st.userByID[id]; u != nil {
			return u.userName
		}
		if sa := s.st.sas[id]; sa != nil {
			return sa.name
		}
		return ""
	}
	switch {
	case len(t.members) == 0 && s.opts.OmitEmptyMembers:
	case s.opts.LegacyShapes:
		var ms []legacyMemberOut // null when empty
		for _, id := range t.members {
			ms = append(ms, legacyMemberOut{Value: id, Display: display(id)})
		}
		out.Members = ms
	default:
		ms := make([]memberOut, len(t.members))
		for i, id := range t.members {
			ms[i] = memberOut{Value: id, Display: display(id)}
		}
		out.Members = ms
	}
	return out
}

// renderRole is the wire form of a custom role: the permissions it adds,
// none inherited.
func renderRole(r *role) roleOut {
	out := roleOut{Schemas: []string{schemaRole}, ID: r.id, Name: r.name, Description: r.description,
		InheritedFrom: r.inheritedFrom, Permissions: make([]permissionOut, len(r.permissions)),
		OrganizationID: organizationID, Meta: metaOut{ResourceType: "Role", Created: stamp(r.created),
			LastModified: stamp(r.created)}}
	for i, p := range r.permissions {
		out.Permissions[i] = permissionOut{Name: p}
	}
	return out
}
