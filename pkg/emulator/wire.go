package emulator

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// SCIM schema URNs the emulator speaks.
const (
	schemaUser     = "urn:ietf:params:scim:schemas:core:2.0:User"
	schemaGroup    = "urn:ietf:params:scim:schemas:core:2.0:Group"
	schemaList     = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	schemaError    = "urn:ietf:params:scim:api:messages:2.0:Error"
	schemaPatchOp  = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	schemaTeamsExt = "urn:ietf:params:scim:schemas:extension:teams:2.0:User"
	contentType    = "application/scim+json"
)

// apiError is a SCIM error answer.
type apiError struct {
	status   int
	scimType string
	detail   string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.status, e.detail) }

func errf(status int, scimType, format string, args ...any) *apiError {
	return &apiError{status: status, scimType: scimType, detail: fmt.Sprintf(format, args...)}
}

type errorOut struct {
	Schemas  []string `json:"schemas"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail"`
	Status   string   `json:"status"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := jsonEncoder(&buf).Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		fmt.Fprintf(&buf, `{"schemas":[%q],"detail":"encode response","status":"500"}`+"\n", schemaError)
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func jsonEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, errorOut{Schemas: []string{schemaError}, ScimType: e.scimType,
		Detail: e.detail, Status: fmt.Sprint(e.status)})
}

type metaOut struct {
	ResourceType string `json:"resourceType"`
	Created      string `json:"created"`
	LastModified string `json:"lastModified"`
	Location     string `json:"location"`
	Version      string `json:"version"`
}

type emailOut struct {
	Value   string `json:"value"`
	Primary bool   `json:"primary"`
	Type    string `json:"type"`
}

type legacyEmailOut struct {
	Value   string `json:"Value"`
	Display string `json:"Display"`
	Type    string `json:"Type"`
	Primary bool   `json:"Primary"`
}

type teamRoleOut struct {
	TeamName string `json:"teamName"`
	RoleName string `json:"roleName"`
}

type userOut struct {
	Schemas          []string      `json:"schemas"`
	ID               string        `json:"id"`
	UserName         string        `json:"userName"`
	DisplayName      string        `json:"displayName"`
	ExternalID       string        `json:"externalId,omitempty"`
	Emails           any           `json:"emails"`
	Active           bool          `json:"active"`
	OrganizationRole string        `json:"organizationRole"`
	TeamRoles        []teamRoleOut `json:"teamRoles"`
	ModelsSeat       string        `json:"modelsSeat,omitempty"`
	WeaveRole        string        `json:"weaveRole,omitempty"`
	Meta             metaOut       `json:"meta"`
}

type memberOut struct {
	Value   string `json:"value"`
	Display string `json:"display"`
}

type legacyMemberOut struct {
	Value   string `json:"Value"`
	Display string `json:"Display"`
	Ref     string `json:"Ref"`
	Type    string `json:"Type"`
}

type groupOut struct {
	Schemas     []string `json:"schemas"`
	ID          string   `json:"id"`
	DisplayName string   `json:"displayName"`
	Members     any      `json:"members"`
	Meta        metaOut  `json:"meta"`
}

type listOut struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []any    `json:"Resources"`
}

// escapeID escapes an id for a URL path segment ('/' becomes %2F).
func escapeID(id string) string { return url.PathEscape(id) }

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// renderUser is the wire form of u: emails as an RFC array, or as W&B's
// legacy single object with capitalised keys.
func (s *Server) renderUser(u *user) userOut {
	out := userOut{Schemas: []string{schemaUser}, ID: u.id, UserName: u.userName, DisplayName: u.displayName,
		ExternalID: u.externalID, Active: u.active, OrganizationRole: u.orgRole, TeamRoles: []teamRoleOut{},
		Meta: metaOut{ResourceType: "User", Created: stamp(u.created), LastModified: stamp(u.modified),
			Location: "Users/" + u.id, Version: etag(u.version)}}
	if s.opts.LegacyShapes {
		out.Emails = legacyEmailOut{Value: u.emails[0], Primary: true}
	} else {
		es := make([]emailOut, len(u.emails))
		for i, e := range u.emails {
			es[i] = emailOut{Value: e, Primary: i == 0, Type: "work"}
		}
		out.Emails = es
	}
	for _, t := range s.st.userTeams(u) {
		out.TeamRoles = append(out.TeamRoles, teamRoleOut{TeamName: t.name, RoleName: t.roles[u.id]})
	}
	if s.opts.Deployment == DeploymentDedicated {
		out.ModelsSeat, out.WeaveRole = cmp.Or(u.modelsSeat, "full"), cmp.Or(u.weaveRole, "full")
	}
	return out
}

// renderGroup is the wire form of t: members [{value, display}], or W&B's
// legacy capitalised keys with null for an empty team.
func (s *Server) renderGroup(t *team) groupOut {
	out := groupOut{Schemas: []string{schemaGroup}, ID: t.id, DisplayName: t.name,
		Meta: metaOut{ResourceType: "Group", Created: stamp(t.created), LastModified: stamp(t.modified),
			Location: "Groups/" + t.id, Version: etag(t.version)}}
	display := func(id string) string {
		if u := s.st.userByID[id]; u != nil {
			return u.userName
		}
		if sa := s.st.sas[id]; sa != nil {
			return sa.name
		}
		return ""
	}
	if s.opts.LegacyShapes {
		if len(t.members) > 0 {
			ms := make([]legacyMemberOut, len(t.members))
			for i, id := range t.members {
				ms[i] = legacyMemberOut{Value: id, Display: display(id)}
			}
			out.Members = ms
		}
		return out
	}
	ms := make([]memberOut, len(t.members))
	for i, id := range t.members {
		ms[i] = memberOut{Value: id, Display: display(id)}
	}
	out.Members = ms
	return out
}

// flexBool is a boolean that also accepts the strings "True" and "False"
// (any case), as Microsoft Entra sends them.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case bool:
		*b = flexBool(x)
		return nil
	case string:
		switch strings.ToLower(x) {
		case "true":
			*b = true
			return nil
		case "false":
			*b = false
			return nil
		}
	}
	return fmt.Errorf("%s is not a boolean", data)
}

type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

type patchBody struct {
	Schemas    []string  `json:"schemas"`
	Operations []patchOp `json:"Operations"`
}

// parsePatch decodes a PatchOp body and enforces the operations limit.
func (s *Server) parsePatch(body []byte) ([]patchOp, *apiError) {
	var p patchBody
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, errf(http.StatusBadRequest, "invalidSyntax", "malformed PatchOp body: %v", err)
	}
	ok := false
	for _, sc := range p.Schemas {
		ok = ok || sc == schemaPatchOp
	}
	if !ok {
		return nil, errf(http.StatusBadRequest, "invalidSyntax", "schemas must contain %s", schemaPatchOp)
	}
	if len(p.Operations) == 0 {
		return nil, errf(http.StatusBadRequest, "invalidSyntax", "no Operations")
	}
	if max := s.opts.MaxOpsPerPatch; max > 0 && len(p.Operations) > max {
		allowed := "one operation"
		if max > 1 {
			allowed = fmt.Sprintf("%d operations", max)
		}
		return nil, errf(http.StatusBadRequest, "tooMany",
			"%d operations in one request: the API only supports %s at a time", len(p.Operations), allowed)
	}
	for i := range p.Operations {
		p.Operations[i].Op = strings.ToLower(p.Operations[i].Op)
	}
	return p.Operations, nil
}

// parseEq parses `attr eq "value"`, the only filter form W&B documents. The
// value is a JSON string (escapes \" and \\ allowed).
func parseEq(f string) (attr, value string, err error) {
	f = strings.TrimSpace(f)
	sp := strings.IndexAny(f, " \t")
	if sp < 0 {
		return "", "", fmt.Errorf("filter %q: want ATTRIBUTE eq \"VALUE\"", f)
	}
	attr, rest := f[:sp], strings.TrimSpace(f[sp:])
	if len(rest) < 2 || !strings.EqualFold(rest[:2], "eq") {
		return "", "", fmt.Errorf("filter %q: only the eq operator is supported", f)
	}
	rest = strings.TrimSpace(rest[2:])
	if !strings.HasPrefix(rest, `"`) || json.Unmarshal([]byte(rest), &value) != nil {
		return "", "", fmt.Errorf("filter %q: the value must be one quoted string", f)
	}
	return attr, value, nil
}
