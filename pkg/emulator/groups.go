package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

const deleteTeamDetail = "Deleting teams is currently unsupported by the SCIM API since there is additional " +
	"data linked to teams. Delete teams from the app"

func (s *Server) routeGroups(method string, item bool) handler {
	switch {
	case !item && method == http.MethodGet:
		return s.listGroups
	case !item && method == http.MethodPost:
		return s.createGroup
	case item && method == http.MethodGet:
		return s.getGroup
	case item && method == http.MethodPatch:
		return s.patchGroup
	case item && method == http.MethodPut:
		return s.putGroup
	case item && method == http.MethodDelete:
		return s.deleteGroup
	}
	return notAllowed(method, "Groups")
}

func (s *Server) findTeam(id string) (*team, *apiError) {
	t := s.st.teamByID[id]
	if t == nil {
		return nil, errf(http.StatusNotFound, "", "Group %s not found", id)
	}
	return t, nil
}

func (s *Server) groupReply(status int, t *team) reply {
	return reply{status: status, body: s.renderGroup(t, status == http.StatusCreated), etag: etag(t.version)}
}

func (s *Server) listGroups(req *request) (reply, *apiError) {
	q := req.query
	teams := s.st.teams
	if f := q.Get("filter"); f != "" {
		attr, v, err := parseEq(f)
		if err != nil {
			return reply{}, errf(http.StatusBadRequest, "invalidFilter", "%v", err)
		}
		if !strings.EqualFold(attr, "displayName") {
			return reply{}, errf(http.StatusBadRequest, "invalidFilter", "filter attribute %q is not supported: use displayName", attr)
		}
		teams = s.st.teamsNamed(v)
	}
	return s.listReply(q, len(teams), func(i int) any { return s.renderGroup(teams[i], false) })
}

func (s *Server) getGroup(req *request) (reply, *apiError) {
	t, e := s.findTeam(req.id)
	if e != nil {
		return reply{}, e
	}
	return s.groupReply(http.StatusOK, t), nil
}

func (s *Server) deleteGroup(req *request) (reply, *apiError) {
	if _, e := s.findTeam(req.id); e != nil {
		return reply{}, e
	}
	return reply{}, errf(http.StatusBadRequest, "", deleteTeamDetail)
}

// memberIn is one entry of a members value; keys are matched
// case-insensitively by encoding/json, so {"Value": ...} works too.
type memberIn struct {
	Value string `json:"value"`
}

type groupIn struct {
	Schemas     []string    `json:"schemas"`
	DisplayName string      `json:"displayName"`
	Members     *[]memberIn `json:"members"`
	// StorageBucket is checked on a create only (checkStorageBucket).
	StorageBucket json.RawMessage `json:"storageBucket"`
}

// bucketProviders are the storage providers W&B takes for a team's own
// bucket, spelt exactly so: the provider is case-sensitive.
var bucketProviders = []string{"COREWEAVE", "AWS", "AZURE", "GCP", "MINIO"}

// checkStorageBucket checks a team create's storageBucket (bring your own
// bucket), as W&B does before anything else of the create: an object
// with a name and a provider of bucketProviders (exact case); any other
// provider, or none, is 400 listing the allowed ones. Absent or null is
// no bucket. The optional keys (path, kmsKeyId, awsExternalId,
// azureTenantId, azureClientId) are not checked, and the bucket is not
// stored: W&B's Group reads show none.
func checkStorageBucket(raw json.RawMessage) *apiError {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var b struct {
		Name     string `json:"name"`
		Provider string `json:"provider"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return errf(http.StatusBadRequest, "invalidValue", "storageBucket must be an object {name, provider, ...}: %v", err)
	}
	if !slices.Contains(bucketProviders, b.Provider) {
		return errf(http.StatusBadRequest, "invalidValue", "storageBucket.provider %q is invalid: allowed values are %s",
			b.Provider, strings.Join(bucketProviders, ", "))
	}
	if strings.TrimSpace(b.Name) == "" {
		return errf(http.StatusBadRequest, "invalidValue", "storageBucket.name is required")
	}
	return nil
}

// resolveMember finds the user a member value names: a user id or an email,
// the two forms W&B documents (a handle names no member), with the emails
// indexed (emailIndex) or not (nil). Service accounts are refused:
// membership operations work for users only.
func (s *Server) resolveMember(v string, emails *emailIndex) (*user, *apiError) {
	if s.st.sas[v] != nil {
		return nil, errf(http.StatusBadRequest, "mutability",
			"member %s is a service account: group membership operations work for users only", v)
	}
	if u := s.st.userByID[v]; u != nil {
		return u, nil
	}
	if u := s.st.userByEmail(v, emails); u != nil {
		return u, nil
	}
	return nil, errf(http.StatusBadRequest, "invalidValue", "member %q is not a user of this organization", v)
}

// resolveMembers resolves a members value. Each value is resolved once
// however often it is repeated, and the emails are indexed once for a
// value of many members: a value of many emails that are not their users'
// userNames does not walk every user per member under the server lock.
func (s *Server) resolveMembers(in []memberIn) ([]*user, *apiError) {
	out := make([]*user, 0, len(in))
	var emails *emailIndex
	if len(in) > indexedMembers {
		emails = &emailIndex{st: s.st}
	}
	done := map[string]*user{}
	for _, m := range in {
		v := strings.TrimSpace(m.Value)
		u, ok := done[v]
		if !ok {
			var e *apiError
			if u, e = s.resolveMember(v, emails); e != nil {
				return nil, e
			}
			done[v] = u
		}
		out = append(out, u)
	}
	return out, nil
}

// indexedMembers is the most members a value may hold before resolveMembers
// indexes the emails (an index costs a walk over every user).
const indexedMembers = 16

func (s *Server) createGroup(req *request) (reply, *apiError) {
	var in groupIn
	if err := json.Unmarshal(req.body, &in); err != nil {
		return reply{}, errf(http.StatusBadRequest, "invalidSyntax", "malformed Group body: %v", err)
	}
	if e := checkStorageBucket(in.StorageBucket); e != nil {
		return reply{}, e
	}
	name := strings.TrimSpace(in.DisplayName)
	if name == "" {
		return reply{}, errf(http.StatusBadRequest, "invalidValue", "displayName is required")
	}
	if s.opts.LowercaseTeamNames {
		name = strings.ToLower(name)
	}
	for _, taken := range s.opts.TakenTeamNames {
		if strings.EqualFold(taken, name) {
			if s.opts.TakenTeamStatus == http.StatusBadRequest {
				return reply{}, errf(http.StatusBadRequest, "invalidValue", "team name %q is not available", name)
			}
			return reply{}, errf(http.StatusConflict, "uniqueness", "Resource already exists: team name %q is taken", name)
		}
	}
	if len(s.st.teamsNamed(name)) > 0 {
		return reply{}, errf(http.StatusConflict, "uniqueness", "Resource already exists")
	}
	var members []*user
	if in.Members != nil {
		var e *apiError
		if members, e = s.resolveMembers(*in.Members); e != nil {
			return reply{}, e
		}
	}
	t := &team{name: name}
	s.st.addTeam(t)
	for _, u := range members {
		s.st.addMember(t, u, roleMember)
	}
	rep := s.groupReply(http.StatusCreated, t)
	rep.location = "Groups/" + escapeID(t.id)
	return rep, nil
}

func (s *Server) putGroup(req *request) (reply, *apiError) {
	t, e := s.findTeam(req.id)
	if e != nil {
		return reply{}, e
	}
	if e := checkIfMatch(req, t.version); e != nil {
		return reply{}, e
	}
	var in groupIn
	if err := json.Unmarshal(req.body, &in); err != nil {
		return reply{}, errf(http.StatusBadRequest, "invalidSyntax", "malformed Group body: %v", err)
	}
	var members []*user
	if in.Members != nil {
		if members, e = s.resolveMembers(*in.Members); e != nil {
			return reply{}, e
		}
	}
	// displayName differing from the team name is ignored: teams cannot be renamed.
	s.replaceMembers(t, members)
	return s.groupReply(http.StatusOK, t), nil
}

// replaceMembers makes the team's users exactly users; service accounts
// stay, kept members keep their roles, new ones get member.
func (s *Server) replaceMembers(t *team, users []*user) {
	want := map[string]bool{}
	for _, u := range users {
		want[u.id] = true
	}
	for _, id := range append([]string(nil), t.members...) {
		if s.st.userByID[id] != nil && !want[id] {
			s.st.dropMember(t, id)
		}
	}
	for _, u := range users {
		s.st.addMember(t, u, roleMember)
	}
}
