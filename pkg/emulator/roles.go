package emulator

import (
	"net/http"
	"strings"
)

func (s *Server) routeRoles(method string, item bool) handler {
	switch {
	case !item && method == http.MethodGet:
		return s.listRoles
	case item && method == http.MethodGet:
		return s.getRole
	}
	return notAllowed(method, "Roles")
}

func (s *Server) listRoles(req *request) (reply, *apiError) {
	roles := s.st.roles
	return s.listReply(req.query, len(roles), func(i int) any { return renderRole(roles[i]) })
}

func (s *Server) getRole(req *request) (reply, *apiError) {
	r := s.st.roleByID[req.id]
	if r == nil {
		return reply{}, errf(http.StatusNotFound, "", "Role %s not found", req.id)
	}
	return reply{status: http.StatusOK, body: renderRole(r)}, nil
}

// checkTeamRole checks a team roleName as Options.CheckRoles asks and
// returns it normalised: admin, member and viewer match in any case (and
// are lower-cased); a custom role must exist with that exact name, and is
// refused on saas.
func (s *store) checkTeamRole(name string, saas bool) (string, *apiError) {
	if isPredefinedRole(name) {
		return strings.ToLower(name), nil
	}
	if saas {
		return "", errf(http.StatusBadRequest, "invalidValue",
			"custom roles are available only on Dedicated Cloud and Self-Managed: roleName %q is not admin, member or viewer", name)
	}
	if s.customRole(name) == nil {
		return "", errf(http.StatusBadRequest, "invalidValue",
			"role %q not found: roleName must be admin, member, viewer or the exact name of a custom role", name)
	}
	return name, nil
}
