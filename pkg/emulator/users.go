package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

func (s *Server) routeUsers(method string, item bool) handler {
	switch {
	case !item && method == http.MethodGet:
		return s.listUsers
	case !item && method == http.MethodPost:
		return s.createUser
	case item && method == http.MethodGet:
		return s.getUser
	case item && method == http.MethodPatch:
		return s.patchUser
	case item && method == http.MethodDelete:
		return s.deleteUser
	}
	return notAllowed(method, "Users")
}

func (s *Server) findUser(id string) (*user, *apiError) {
	u := s.st.userByID[id]
	if u == nil {
		return nil, errf(http.StatusNotFound, "", "User %s not found", id)
	}
	return u, nil
}

func (s *Server) userReply(status int, u *user, v userView) reply {
	return reply{status: status, body: s.renderUser(u, v), etag: etag(u.version)}
}

func (s *Server) listUsers(req *request) (reply, *apiError) {
	q := req.query
	users := s.st.users
	if f := q.Get("filter"); f != "" {
		attr, v, err := parseEq(f)
		if err != nil {
			return reply{}, errf(http.StatusBadRequest, "invalidFilter", "%v", err)
		}
		users = nil
		switch strings.ToLower(attr) {
		case "username":
			if u := s.st.byName[strings.ToLower(v)]; u != nil {
				users = []*user{u}
			}
		case "emails.value", "emails":
			for _, u := range s.st.users {
				for _, e := range u.emails {
					if strings.EqualFold(e, v) {
						users = append(users, u)
						break
					}
				}
			}
		default:
			return reply{}, errf(http.StatusBadRequest, "invalidFilter",
				"filter attribute %q is not supported: use userName or emails.value", attr)
		}
	}
	v := s.getView()
	return s.listReply(q, len(users), func(i int) any { return s.renderUser(users[i], v) })
}

func (s *Server) getUser(req *request) (reply, *apiError) {
	u, e := s.findUser(req.id)
	if e != nil {
		return reply{}, e
	}
	return s.userReply(http.StatusOK, u, s.getView()), nil
}

func (s *Server) deleteUser(req *request) (reply, *apiError) {
	u, e := s.findUser(req.id)
	if e != nil {
		return reply{}, e
	}
	if e := checkIfMatch(req, u.version); e != nil {
		return reply{}, e
	}
	s.st.removeUser(u)
	return reply{status: http.StatusNoContent}, nil
}

type emailIn struct {
	Value   string   `json:"value"`
	Primary flexBool `json:"primary"`
	Type    string   `json:"type"`
}

type userIn struct {
	Schemas          []string  `json:"schemas"`
	UserName         string    `json:"userName"`
	DisplayName      string    `json:"displayName"`
	ExternalID       string    `json:"externalId"`
	Emails           []emailIn `json:"emails"`
	Active           *flexBool `json:"active"`
	OrganizationRole *string   `json:"organizationRole"`
	ModelsSeat       *string   `json:"modelsSeat"`
	WeaveRole        *string   `json:"weaveRole"`
	Teams            *struct {
		Teams []string `json:"teams"`
	} `json:"urn:ietf:params:scim:schemas:extension:teams:2.0:User"`
}

// parseEmails checks an RFC emails array: a primary entry is required, and
// Dedicated Cloud allows one email per user. The primary comes first.
func (s *Server) parseEmails(in []emailIn) ([]string, *apiError) {
	var primary string
	var rest []string
	for _, e := range in {
		v := strings.TrimSpace(e.Value)
		if v == "" || !strings.Contains(v, "@") {
			return nil, errf(http.StatusBadRequest, "invalidValue", "email %q is not an email address", e.Value)
		}
		if e := s.checkBool("primary", e.Primary); e != nil {
			return nil, e
		}
		if e.Primary.val && primary == "" {
			primary = v
		} else {
			rest = append(rest, v)
		}
	}
	if primary == "" {
		return nil, errf(http.StatusBadRequest, "invalidValue", "emails must contain an entry with primary: true")
	}
	if s.opts.Deployment == DeploymentDedicated && len(rest) > 0 {
		return nil, errf(http.StatusBadRequest, "invalidValue", "Dedicated Cloud allows one email per user")
	}
	return append([]string{primary}, rest...), nil
}

func seatValue(attr string, v *string) (string, *apiError) {
	if v == nil {
		return "full", nil
	}
	switch x := strings.ToLower(*v); x {
	case "full", "viewer", "none":
		return x, nil
	}
	return "", errf(http.StatusBadRequest, "invalidValue", "%s %q: want full, viewer or none", attr, *v)
}

// seatAvailable answers 400 when every seat is taken. Only active users take
// a seat: a deactivation frees one, a reactivation takes one.
func (s *Server) seatAvailable() *apiError {
	if s.opts.SeatLimit > 0 && s.st.activeUsers() >= s.opts.SeatLimit {
		return errf(http.StatusBadRequest, "", "Seat limit reached: the organization has %d seats", s.opts.SeatLimit)
	}
	return nil
}

func (s *Server) createUser(req *request) (reply, *apiError) {
	var in userIn
	if err := json.Unmarshal(req.body, &in); err != nil {
		return reply{}, errf(http.StatusBadRequest, "invalidSyntax", "malformed User body: %v", err)
	}
	if strings.TrimSpace(in.UserName) == "" {
		return reply{}, errf(http.StatusBadRequest, "invalidValue", "userName is required")
	}
	if len(in.Emails) == 0 {
		return reply{}, errf(http.StatusBadRequest, "invalidValue", "emails is required")
	}
	emails, e := s.parseEmails(in.Emails)
	if e != nil {
		return reply{}, e
	}
	if in.Active != nil {
		if e := s.checkBool("active", *in.Active); e != nil {
			return reply{}, e
		}
	}
	restored, taken := s.collisions(in.UserName, emails)
	if taken {
		return reply{}, errf(http.StatusConflict, "uniqueness", "Resource already exists")
	}
	for _, taken := range s.opts.TakenUserNames {
		if strings.EqualFold(taken, in.UserName) {
			return reply{}, errf(http.StatusConflict, "uniqueness", "Resource already exists: username %q is taken", in.UserName)
		}
	}
	u := &user{userName: in.UserName, emails: emails, displayName: in.DisplayName, externalID: in.ExternalID,
		active: in.Active == nil || in.Active.val, orgRole: roleMember}
	if s.opts.IgnoreExternalID {
		u.externalID = ""
	}
	var teams []*team
	saas := s.opts.Deployment == DeploymentSaaS
	switch {
	case saas && (in.ModelsSeat != nil || in.WeaveRole != nil):
		return reply{}, errf(http.StatusBadRequest, "invalidValue", "modelsSeat and weaveRole are not supported in SaaS Cloud")
	case !saas && in.OrganizationRole != nil:
		return reply{}, errf(http.StatusBadRequest, "invalidValue",
			"organizationRole on create is supported in SaaS Cloud only: PATCH it after creating the user")
	case !saas && in.Teams != nil:
		return reply{}, errf(http.StatusBadRequest, "invalidValue", "the %s extension is supported in SaaS Cloud only", schemaTeamsExt)
	case saas:
		if in.OrganizationRole != nil {
			switch r := strings.ToLower(*in.OrganizationRole); r {
			case roleAdmin, roleMember:
				u.orgRole = r
			default:
				return reply{}, errf(http.StatusBadRequest, "invalidValue", "organizationRole %q: want admin or member", *in.OrganizationRole)
			}
		}
		if in.Teams != nil {
			for _, name := range in.Teams.Teams {
				ts := s.st.teamsNamed(name)
				if len(ts) == 0 {
					return reply{}, errf(http.StatusBadRequest, "invalidValue", "team %q not found", name)
				}
				teams = append(teams, ts[0])
			}
		}
	default:
		if u.modelsSeat, e = seatValue("modelsSeat", in.ModelsSeat); e != nil {
			return reply{}, e
		}
		if u.weaveRole, e = seatValue("weaveRole", in.WeaveRole); e != nil {
			return reply{}, e
		}
	}
	if u.active {
		if e := s.seatAvailable(); e != nil {
			return reply{}, e
		}
	}
	for _, old := range restored { // every check passed: the create takes their place
		s.st.removeUser(old)
	}
	s.st.addUser(u)
	for _, t := range teams {
		s.st.addMember(t, u, roleMember)
	}
	rep := s.userReply(http.StatusCreated, u, userView{roles: true, isCreate: true})
	rep.location = "Users/" + escapeID(u.id)
	return rep, nil
}

// removed reports whether u stands for a user a deactivation removed from
// the organization: on saas, an inactive user (only a seeded user can be
// inactive there: this emulator removes the users it deactivates). On
// Multi-tenant Cloud a POST restores such a user (docs/wandb-api.md), so a
// create does not collide with it, and replaces it once every check passed.
func (s *Server) removed(u *user) bool {
	return u != nil && !u.active && s.opts.Deployment == DeploymentSaaS
}

// collisions returns the users a create collides with, by userName and,
// with Handles or on saas (where a user may hold several emails, and the
// read shows one with LegacyShapes), also by any email (W&B accounts are
// one per email): those it restores (removed) and the others, which make
// it a 409.
func (s *Server) collisions(userName string, emails []string) (restored []*user, taken bool) {
	check := func(u *user) {
		switch {
		case u == nil:
		case s.removed(u):
			if !slices.Contains(restored, u) {
				restored = append(restored, u)
			}
		default:
			taken = true
		}
	}
	check(s.st.byName[strings.ToLower(userName)])
	if s.opts.Handles || s.opts.Deployment == DeploymentSaaS {
		for _, e := range emails {
			check(s.st.byName[strings.ToLower(e)])
			check(s.st.userByEmail(e, nil))
		}
	}
	return restored, taken
}
