package emulator

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap/zaptest"
)

const seedRoles = `{"users": [{"userName": "alice@example.com"}, {"userName": "bob@example.com"}],
 "teams": [{"name": "ml", "members": ["alice@example.com", {"userName": "bob@example.com", "role": "Reviewer"}]}],
 "roles": [
  {"name": "Reviewer", "inheritedFrom": "member", "description": "Reads and reviews",
   "permissions": ["project:read", "artifact:read"]},
  {"name": "Senior Reviewer", "inheritedFrom": "Viewer"}
 ]}`

func TestRolesEndpoint(t *testing.T) {
	e := start(t, Options{}, seedRoles)
	for _, base := range []string{"", "/v2"} {
		r := e.do("GET", base+"/Roles", nil).want(t, 200)
		if r.body["totalResults"] != 2.0 || r.body["schemas"].([]any)[0] != schemaList {
			t.Fatalf("GET %s/Roles: %s", base, r.raw)
		}
		l := r.list()
		id := l[0]["id"].(string)
		if raw, err := base64.StdEncoding.DecodeString(id); err != nil || string(raw) != "Role:7" {
			t.Errorf("role id %q decodes to %q (%v), want Role:7", id, raw, err)
		}
		meta := l[0]["meta"].(map[string]any)
		want := map[string]any{
			"schemas": []any{""}, "id": id, "name": "Reviewer",
			"description": "Reads and reviews", "inheritedFrom": "member", "organizationID": organizationID,
			"permissions": []any{map[string]any{"name": "project:read", "isInherited": false},
				map[string]any{"name": "artifact:read", "isInherited": false}},
			"meta": map[string]any{"resourceType": "Role", "created": meta["created"], "lastModified": meta["created"]},
		}
		if diff := cmp.Diff(want, l[0]); diff != "" {
			t.Errorf("role (-want +got):\n%s", diff)
		}
		if l[1]["name"] != "Senior Reviewer" || l[1]["inheritedFrom"] != "viewer" || len(l[1]["permissions"].([]any)) != 0 {
			t.Errorf("second role = %v", l[1])
		}
		one := e.do("GET", base+"/Roles/"+p(id), nil).want(t, 200)
		if diff := cmp.Diff(l[0], one.body); diff != "" {
			t.Errorf("GET /Roles/{id} differs from the list (-list +one):\n%s", diff)
		}
	}
	e.do("GET", "/Roles/"+p("Um9sZTo5OQ=="), nil).wantError(t, 404, "not found")
	if r := e.do("POST", "/Roles", map[string]any{"name": "x"}); r.status != 405 || r.header.Get("Allow") != "GET" {
		t.Errorf("POST /Roles: %d, Allow %q", r.status, r.header.Get("Allow"))
	}
	if r := start(t, Options{}, "").do("GET", "/Roles", nil).want(t, 200); r.body["totalResults"] != 0.0 || len(r.list()) != 0 {
		t.Errorf("no roles seeded: %s", r.raw)
	}
	snap := e.srv.Snapshot()
	if len(snap.Roles) != 2 || snap.Roles[1].Name != "Senior Reviewer" || snap.Teams[0].Members[1].Role != "Reviewer" {
		t.Errorf("snapshot roles = %+v, members %+v", snap.Roles, snap.Teams[0].Members)
	}
}

func TestNoRolesEndpoint(t *testing.T) {
	e := start(t, Options{NoRolesEndpoint: true}, seedRoles)
	e.do("GET", "/Roles", nil).wantError(t, 404, "no such endpoint")
	e.do("GET", "/v2/Roles/"+p("Um9sZTo3"), nil).wantError(t, 404, "no such endpoint")
}

func TestCheckRoles(t *testing.T) {
	set := func(e *env, role string) resp {
		return e.do("PATCH", "/Users/"+p(e.userID("alice@example.com")), patchOps(op("replace", "teamRoles",
			[]map[string]string{{"teamName": "ml", "roleName": role}})))
	}
	e := start(t, Options{CheckRoles: true}, seedRoles)
	for role, want := range map[string]string{"Reviewer": "Reviewer", "Senior Reviewer": "Senior Reviewer", "ADMIN": "admin", "Viewer": "viewer"} {
		if got := teamRoles(set(e, role).want(t, 200).body)["ml"]; got != want {
			t.Errorf("roleName %q: team role %q, want %q", role, got, want)
		}
	}
	set(e, "reviewer").wantError(t, 400, `role "reviewer" not found`) // custom roles are case-sensitive
	set(e, "Owner").wantError(t, 400, "not found")

	// On saas every custom role is refused, with the switch or without.
	for _, check := range []bool{true, false} {
		saas := start(t, Options{CheckRoles: check, Deployment: "saas"}, strings.Replace(seedRoles, `"role": "Reviewer"`, `"role": "admin"`, 1))
		set(saas, "Reviewer").wantError(t, 400, "custom roles are available only on Dedicated Cloud and Self-Managed")
		set(saas, "Member").want(t, 200)
	}

	// Without the switch any roleName is taken on dedicated, as before.
	if got := teamRoles(set(start(t, Options{}, seedRoles), "Anything Goes").want(t, 200).body)["ml"]; got != "Anything Goes" {
		t.Errorf("unchecked role = %q", got)
	}
	// Seeded team roles are checked too.
	st, err := ParseState(strings.NewReader(seedRoles))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{CheckRoles: true, Deployment: "saas"}, st, zaptest.NewLogger(t)); err == nil ||
		!strings.Contains(err.Error(), "custom roles") {
		t.Errorf("seeding a custom team role on saas: %v", err)
	}
	st.Roles = st.Roles[1:]
	if _, err := New(Options{CheckRoles: true}, st, zaptest.NewLogger(t)); err == nil || !strings.Contains(err.Error(), `"Reviewer" not found`) {
		t.Errorf("seeding an unknown custom team role: %v", err)
	}
}

func TestParseStateRoles(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"predefined", `{"roles": [{"name": "Admin"}]}`, "predefined role"},
		{"duplicate", `{"roles": [{"name": "R"}, {"name": "R"}]}`, `duplicate role name "R"`},
		{"no name", `{"roles": [{"inheritedFrom": "member"}]}`, "name is required"},
		{"inherits admin", `{"roles": [{"name": "R", "inheritedFrom": "admin"}]}`, "want member or viewer"},
		{"unknown field", `{"roles": [{"name": "R", "perms": []}]}`, `unknown field "perms"`},
		{"id reused", `{"users": [{"id": "X", "userName": "a@x.io"}], "roles": [{"id": "X", "name": "R"}]}`, `id "X" already used`},
		{"emails empty", `{"users": [{"userName": "a@x.io", "emails": []}]}`, "emails is empty"},
		{"emails not email", `{"users": [{"userName": "a", "emails": ["a"]}]}`, "not an email address"},
		{"emails twice", `{"users": [{"userName": "a", "emails": ["a@x.io", "A@x.io"]}]}`, "listed twice"},
		{"email not first", `{"users": [{"userName": "a", "email": "b@x.io", "emails": ["a@x.io"]}]}`, "differs from the first"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseState(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	st, err := ParseState(strings.NewReader(`{"users": [{"userName": "dev", "email": "Dev@x.io", "emails": ["dev@x.io", "d@y.io"]},
		{"userName": "one", "emails": ["one@x.io"]}], "roles": [{"name": "R"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := &State{
		Users: []StateUser{
			{UserName: "dev", Email: "dev@x.io", Emails: []string{"dev@x.io", "d@y.io"}, Active: true, OrganizationRole: "member"},
			{UserName: "one", Email: "one@x.io", Active: true, OrganizationRole: "member"},
		},
		Roles: []StateRole{{Name: "R", InheritedFrom: "member"}},
	}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("parsed (-want +got):\n%s", diff)
	}
}
