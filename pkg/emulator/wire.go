package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// SCIM schema URNs the emulator speaks.
const (
	schemaUser     = "urn:ietf:params:scim:schemas:core:2.0:User"
	schemaGroup    = "urn:ietf:params:scim:schemas:core:2.0:Group"
	schemaList     = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	schemaError    = "urn:ietf:params:scim:api:messages:2.0:Error"
	schemaPatchOp  = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	schemaRole     = "" // W&B's Role answers carry "schemas": [""] (docs/wandb-api.md)
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

// metaOut is a resource's meta. lastModified is left out of create
// responses, as W&B does; Roles carry no location nor version.
type metaOut struct {
	ResourceType string `json:"resourceType"`
	Created      string `json:"created,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	Location     string `json:"location,omitempty"`
	Version      string `json:"version,omitempty"`
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

type registryRoleOut struct {
	RegistryName string `json:"registryName"`
	RoleName     string `json:"roleName"`
}

type teamRoleOut struct {
	TeamName string `json:"teamName"`
	RoleName string `json:"roleName"`
}

type userOut struct {
	Schemas          []string `json:"schemas"`
	ID               string   `json:"id"`
	UserName         string   `json:"userName"`
	DisplayName      string   `json:"displayName"`
	ExternalID       string   `json:"externalId,omitempty"`
	Emails           any      `json:"emails"`
	Active           bool     `json:"active"`
	OrganizationRole string   `json:"organizationRole,omitempty"` // empty only when roles are omitted
	// TeamRoles is a []teamRoleOut: nil (left out) only when roles are
	// omitted, a nil slice (null) when empty with the legacy shapes.
	TeamRoles  any    `json:"teamRoles,omitempty"`
	ModelsSeat string `json:"modelsSeat,omitempty"`
	WeaveRole  string `json:"weaveRole,omitempty"`
	// DaysActive, LastActiveAt (null: never active) and RegistryRoles are
	// on every User W&B returns (docs/wandb-api.md); the emulator keeps
	// no activity, so the first two are 0 and null. RegistryRoles lists
	// the roles PATCHes set; empty, it is [] (null with the legacy shapes,
	// as W&B wrote empty lists).
	DaysActive    int               `json:"daysActive"`
	LastActiveAt  *string           `json:"lastActiveAt"`
	RegistryRoles []registryRoleOut `json:"registryRoles"`
	// Groups is in a Multi-tenant create response only: the teams the
	// user was created into.
	Groups []groupRefOut `json:"groups,omitempty"`
	Meta   metaOut       `json:"meta"`
}

type groupRefOut struct {
	Value string `json:"value"`
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
	Members     any      `json:"members,omitzero"` // nil: no members key; a nil slice: null
	Meta        metaOut  `json:"meta"`
}

type listOut struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []any    `json:"Resources"`
}

type permissionOut struct {
	Name        string `json:"name"`
	IsInherited bool   `json:"isInherited"`
}

type roleOut struct {
	Schemas        []string        `json:"schemas"`
	ID             string          `json:"id"`
	Name           string          `json:"name"`
	Description    string          `json:"description"`
	InheritedFrom  string          `json:"inheritedFrom"`
	Permissions    []permissionOut `json:"permissions"`
	OrganizationID string          `json:"organizationID"`
	Meta           metaOut         `json:"meta"`
}

// escapeID escapes an id for a URL path segment ('/' becomes %2F).
func escapeID(id string) string { return url.PathEscape(id) }

// flexBool is a boolean that may also be written as the string "True" or
// "False" (any case), as Microsoft Entra sends them; quoted says it was
// (Server.checkBool refuses that unless Options.StringBooleans).
type flexBool struct{ val, quoted bool }

func (b *flexBool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case bool:
		*b = flexBool{val: x}
		return nil
	case string:
		switch strings.ToLower(x) {
		case "true":
			*b = flexBool{val: true, quoted: true}
			return nil
		case "false":
			*b = flexBool{val: false, quoted: true}
			return nil
		}
	}
	return fmt.Errorf("%s is not a boolean", data)
}

// checkBool refuses a boolean attribute written as a string, as W&B does
// (Entra's "active": "False" makes a deactivation fail there: Entra needs
// ?aadOptscim062020), unless Options.StringBooleans.
func (s *Server) checkBool(name string, b flexBool) *apiError {
	if b.quoted && !s.opts.StringBooleans {
		return errf(http.StatusBadRequest, "invalidValue", "%s must be a JSON boolean, not a string", name)
	}
	return nil
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
	if strings.Contains(attr, "[") {
		return "", "", fmt.Errorf("filter %q: value filters (ATTRIBUTE[...]) are not supported; write emails.value eq \"VALUE\"", f)
	}
	if len(rest) < 2 || !strings.EqualFold(rest[:2], "eq") {
		return "", "", fmt.Errorf("filter %q: only the eq operator is supported", f)
	}
	rest = strings.TrimSpace(rest[2:])
	if !strings.HasPrefix(rest, `"`) {
		return "", "", fmt.Errorf("filter %q: the value must be a quoted string (only string attributes can be filtered)", f)
	}
	dec := json.NewDecoder(strings.NewReader(rest))
	if dec.Decode(&value) != nil {
		return "", "", fmt.Errorf("filter %q: the value must be one quoted string", f)
	}
	if strings.TrimSpace(rest[dec.InputOffset():]) != "" {
		return "", "", fmt.Errorf("filter %q: one comparison only (and, or and not are not supported)", f)
	}
	return attr, value, nil
}
