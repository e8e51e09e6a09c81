package emulator

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// groupAction is one validated Group PATCH operation.
type groupAction struct {
	kind  string // add | remove | clear | replace | none
	users []*user
}

// patchGroup validates every operation first (users resolved, limits
// checked), then applies them in order, so a rejected PATCH changes nothing.
func (s *Server) patchGroup(req *request) (reply, *apiError) {
	t, e := s.findTeam(req.id)
	if e != nil {
		return reply{}, e
	}
	if e := checkIfMatch(req, t.version); e != nil {
		return reply{}, e
	}
	ops, e := s.parsePatch(req.body)
	if e != nil {
		return reply{}, e
	}
	actions := make([]groupAction, 0, len(ops))
	for _, op := range ops {
		a, e := s.groupOp(op)
		if e != nil {
			return reply{}, e
		}
		actions = append(actions, a)
	}
	for _, a := range actions {
		switch a.kind {
		case "add":
			for _, u := range a.users {
				s.st.addMember(t, u, roleMember)
			}
		case "remove":
			s.st.dropMember(t, a.users[0].id)
		case "clear":
			s.replaceMembers(t, nil)
		case "replace":
			s.replaceMembers(t, a.users)
		}
	}
	return s.groupReply(http.StatusOK, t), nil
}

func (s *Server) membersValue(raw json.RawMessage, add bool) ([]*user, *apiError) {
	var in []memberIn
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, errf(http.StatusBadRequest, "invalidValue", "members must be an array of {value}: %v", err)
	}
	if add && s.opts.MaxAddValues > 0 && len(in) > s.opts.MaxAddValues {
		return nil, errf(http.StatusRequestEntityTooLarge, "tooMany",
			"%d members in one add operation: at most %d are allowed", len(in), s.opts.MaxAddValues)
	}
	return s.resolveMembers(in)
}

// groupOp validates one operation:
//   - add, path members: add users (an existing member is a no-op)
//   - remove, path members[value eq "ID"]: remove one member
//   - remove, path members: remove EVERY user member, whatever the value (as W&B)
//   - replace, path members, or pathless {"members": [...]}: replace the users
//   - displayName, with or without path: ignored (teams cannot be renamed)
func (s *Server) groupOp(op patchOp) (groupAction, *apiError) {
	path := strings.TrimSpace(op.Path)
	lower := strings.ToLower(path)
	switch op.Op {
	case "add", "replace":
		if path == "" {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(op.Value, &m); err != nil {
				return groupAction{}, errf(http.StatusBadRequest, "invalidValue", "a %s without path needs an object value: %v", op.Op, err)
			}
			a := groupAction{kind: "none"}
			// In a fixed order, so that a request with two bad keys is
			// always answered about the same one (as the User side).
			for _, k := range slices.Sorted(maps.Keys(m)) {
				switch strings.ToLower(k) {
				case "members":
					users, e := s.membersValue(m[k], op.Op == "add")
					if e != nil {
						return groupAction{}, e
					}
					a = groupAction{kind: op.Op, users: users}
				case "displayname", "schemas", "id", "externalid":
				default:
					return groupAction{}, errf(http.StatusBadRequest, "invalidPath", "attribute %q cannot be changed on a Group", k)
				}
			}
			return a, nil
		}
		switch lower {
		case "members":
			users, e := s.membersValue(op.Value, op.Op == "add")
			if e != nil {
				return groupAction{}, e
			}
			return groupAction{kind: op.Op, users: users}, nil
		case "displayname", "externalid":
			return groupAction{kind: "none"}, nil
		}
	case "remove":
		if lower == "members" {
			return groupAction{kind: "clear"}, nil
		}
		if strings.HasPrefix(lower, "members[") && strings.HasSuffix(path, "]") {
			attr, v, err := parseEq(path[len("members[") : len(path)-1])
			if err != nil || !strings.EqualFold(attr, "value") {
				return groupAction{}, errf(http.StatusBadRequest, "invalidPath", "path %q: want members[value eq \"ID\"]", path)
			}
			u, e := s.resolveMember(v, nil)
			if e != nil {
				return groupAction{}, e
			}
			return groupAction{kind: "remove", users: []*user{u}}, nil
		}
	default:
		return groupAction{}, errf(http.StatusBadRequest, "invalidSyntax", "unsupported op %q", op.Op)
	}
	return groupAction{}, errf(http.StatusBadRequest, "invalidPath", "%s of path %q is not supported on a Group", op.Op, path)
}
