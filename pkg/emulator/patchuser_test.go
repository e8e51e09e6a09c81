package emulator

import (
	"slices"
	"strings"
	"testing"
)

func TestDeactivateDedicated(t *testing.T) {
	// W&B fails a string boolean (Entra's "False"); StringBooleans takes it.
	strict := start(t, Options{}, seedBasic)
	strict.do("PATCH", "/Users/"+p(strict.userID("bob@example.com")), patchOps(op("replace", "", map[string]any{"active": "False"}))).
		wantError(t, 400, "must be a JSON boolean")
	e := start(t, Options{StringBooleans: true}, seedBasic)
	bob := e.userID("bob@example.com")
	r := e.do("PATCH", "/Users/"+p(bob), patchOps(op("replace", "", map[string]any{"active": "False"}))).want(t, 200)
	if r.body["active"] != false {
		t.Fatalf("deactivate with the string False: %s", r.raw)
	}
	l := e.do("GET", "/Users", nil).want(t, 200).list()
	found := false
	for _, u := range l {
		if u["id"] == bob {
			found = u["active"] == false
		}
	}
	if !found {
		t.Error("an inactive user must stay listed with active false on dedicated")
	}
	if got := teamRoles(e.do("GET", "/Users/"+p(bob), nil).body); got["ml-research"] != "member" {
		t.Errorf("deactivation changed teams: %v", got)
	}
	r = e.do("PATCH", "/Users/"+p(bob), patchOps(op("replace", "", map[string]any{"active": true}))).want(t, 200)
	if r.body["active"] != true {
		t.Errorf("reactivate: %s", r.raw)
	}
	r = e.do("PATCH", "/Users/"+p(bob), patchOps(op("replace", "active", "True"))).want(t, 200)
	if r.body["active"] != true {
		t.Errorf("replace path active: %s", r.raw)
	}
	e.do("PATCH", "/Users/"+p(bob), patchOps(op("replace", "", map[string]any{"active": "maybe"}))).wantError(t, 400, "")
}

func TestDeactivateSaaSRemovesUser(t *testing.T) {
	e := start(t, Options{Deployment: "saas"}, seedBasic)
	bob := e.userID("bob@example.com")
	e.do("PATCH", "/Users/"+p(bob), patchOps(op("replace", "", map[string]any{"active": false}))).want(t, 200)
	e.do("GET", "/Users/"+p(bob), nil).wantError(t, 404, "not found")
	for _, u := range e.do("GET", "/Users", nil).list() {
		if u["id"] == bob {
			t.Error("a deactivated saas user is still listed")
		}
	}
	for _, g := range e.do("GET", "/Groups", nil).list() {
		for _, m := range memberValues(g) {
			if m == bob {
				t.Errorf("a deactivated saas user is still in %v", g["displayName"])
			}
		}
	}
	alice := e.userID("alice@example.com")
	e.do("PATCH", "/Users/"+p(alice), patchOps(op("replace", "", map[string]any{"active": true}))).
		wantError(t, 400, "User reactivation operations are not supported in SaaS Cloud")
	// A change other than a deactivation to a user seeded inactive leaves
	// it in the organization.
	carol := e.userID("carol@example.com")
	e.do("PATCH", "/Users/"+p(carol), patchOps(op("replace", "organizationRole", "admin"))).want(t, 200)
	e.do("GET", "/Users/"+p(carol), nil).want(t, 200)
	// POSTing the user again brings a new account.
	r := e.do("POST", "/Users", newUser("bob@example.com")).want(t, 201)
	if r.str("id") == bob {
		t.Error("a re-created saas user reused its old id")
	}
}

func TestOrgAndTeamRoles(t *testing.T) {
	for _, dep := range []string{"dedicated", "saas"} {
		t.Run(dep, func(t *testing.T) {
			e := start(t, Options{Deployment: dep}, seedBasic)
			bob := e.userID("bob@example.com")
			path := "/Users/" + p(bob)
			r := e.do("PATCH", path, patchOps(op("replace", "organizationRole", "ADMIN"))).want(t, 200)
			if r.str("organizationRole") != "admin" {
				t.Errorf("org role: %s", r.raw)
			}
			e.do("PATCH", path, patchOps(op("replace", "organizationRole", "owner"))).wantError(t, 400, "organizationRole")
			r = e.do("PATCH", path, patchOps(op("replace", "teamRoles",
				[]map[string]string{{"teamName": "ML-research", "roleName": "Admin"}}))).want(t, 200)
			if got := teamRoles(r.body); got["ml-research"] != "admin" || got["data-eng"] != "member" {
				t.Errorf("teamRoles after set: %v", got)
			}
			custom := e.do("PATCH", path, patchOps(op("replace", "teamRoles",
				[]map[string]string{{"teamName": "data-eng", "roleName": "Reviewer"}})))
			if dep == "saas" {
				// W&B: custom roles are for Dedicated Cloud and Self-Managed only.
				custom.wantError(t, 400, "only on Dedicated Cloud")
			} else if got := teamRoles(custom.want(t, 200).body); got["data-eng"] != "Reviewer" {
				t.Errorf("custom role must keep its case: %v", got)
			}
			e.do("PATCH", path, patchOps(op("replace", "teamRoles",
				[]map[string]string{{"teamName": "platform", "roleName": "admin"}}))).wantError(t, 400, `not a member of team "platform": add the user to the team first`)
			e.do("PATCH", path, patchOps(op("replace", "teamRoles",
				[]map[string]string{{"teamName": "nope", "roleName": "admin"}}))).wantError(t, 400, "not found")
			// viewer: member, and every team role becomes viewer.
			r = e.do("PATCH", path, patchOps(op("replace", "organizationRole", "viewer"))).want(t, 200)
			if r.str("organizationRole") != "member" {
				t.Errorf("viewer org role: %s", r.raw)
			}
			if got := teamRoles(r.body); got["ml-research"] != "viewer" || got["data-eng"] != "viewer" {
				t.Errorf("viewer must set every team role to viewer: %v", got)
			}
			if dep == "dedicated" && (r.str("modelsSeat") != "viewer" || r.str("weaveRole") != "viewer") {
				t.Errorf("viewer seats: %s", r.raw)
			}
		})
	}
}

func TestProfileUpdates(t *testing.T) {
	e := start(t, Options{}, seedBasic)
	dan := "/Users/" + p(e.userID("dan@example.com"))
	r := e.do("PATCH", dan, patchOps(op("replace", "displayName", "Daniel"))).want(t, 200)
	if r.str("displayName") != "Daniel" {
		t.Errorf("displayName: %s", r.raw)
	}
	r = e.do("PATCH", dan, patchOps(op("replace", "emails",
		[]map[string]any{{"value": "daniel@example.com", "primary": true}}))).want(t, 200)
	if es := r.body["emails"].([]any); es[0].(map[string]any)["value"] != "daniel@example.com" || r.str("userName") != "dan@example.com" {
		t.Errorf("emails: %s", r.raw)
	}
	e.do("PATCH", dan, patchOps(op("replace", "emails", []map[string]any{{"value": "a@example.com", "primary": true},
		{"value": "b@example.com"}}))).wantError(t, 400, "one email")
	r = e.do("PATCH", dan, patchOps(op("replace", "externalId", "00u-new"))).want(t, 200)
	if r.str("externalId") != "00u-new" {
		t.Errorf("externalId: %s", r.raw)
	}
	r = e.do("PATCH", dan, patchOps(op("replace", "", map[string]any{"displayName": "D", "externalId": "x"}))).want(t, 200)
	if r.str("displayName") != "D" || r.str("externalId") != "x" {
		t.Errorf("pathless replace: %s", r.raw)
	}
	e.do("PATCH", dan, patchOps(op("replace", "userName", "x@example.com"))).wantError(t, 400, "cannot be changed")
	e.do("PATCH", dan, patchOps(op("replace", "displayName", "A"), op("replace", "externalId", "B"))).
		wantError(t, 400, "one operation")

	s := start(t, Options{Deployment: "saas", MaxOpsPerPatch: -1}, seedBasic)
	sd := "/Users/" + p(s.userID("dan@example.com"))
	s.do("PATCH", sd, patchOps(op("replace", "displayName", "Daniel"))).wantError(t, 400, "not supported in SaaS Cloud")
	s.do("PATCH", sd, patchOps(op("replace", "emails", []map[string]any{{"value": "d@example.com", "primary": true}}))).
		wantError(t, 400, "not supported in SaaS Cloud")
	r = s.do("PATCH", sd, patchOps(op("replace", "externalId", "A"), op("replace", "organizationRole", "admin"))).want(t, 200)
	if r.str("externalId") != "A" || r.str("organizationRole") != "admin" {
		t.Errorf("two ops with an unlimited op count: %s", r.raw)
	}
	// A rejected PATCH changes nothing, even its valid first operation.
	s.do("PATCH", sd, patchOps(op("replace", "externalId", "B"), op("replace", "displayName", "x"))).wantError(t, 400, "")
	if got := s.do("GET", sd, nil).str("externalId"); got != "A" {
		t.Errorf("a rejected PATCH applied part of its operations: externalId %q", got)
	}
}

func TestUserETags(t *testing.T) {
	e := start(t, Options{}, seedBasic)
	path := "/Users/" + p(e.userID("bob@example.com"))
	tag0 := e.do("GET", path, nil).want(t, 200).header.Get("ETag")
	r := e.do("PATCH", path, patchOps(op("replace", "externalId", "e1")), "If-Match", tag0).want(t, 200)
	tag1 := r.header.Get("ETag")
	if tag1 == tag0 || r.body["meta"].(map[string]any)["version"] != tag1 {
		t.Fatalf("ETag did not change on PATCH: %s → %s", tag0, tag1)
	}
	e.do("PATCH", path, patchOps(op("replace", "externalId", "e2")), "If-Match", tag0).wantError(t, 412, "precondition")
	if got := e.do("GET", path, nil).str("externalId"); got != "e1" {
		t.Errorf("a 412 PATCH was applied: %q", got)
	}
	// A membership change changes the user's ETag too (teamRoles are part of the user).
	e.do("PATCH", "/Groups/"+p(e.teamID("platform")), patchOps(op("add", "members", members(e.userID("bob@example.com"))))).want(t, 200)
	if tag2 := e.do("GET", path, nil).header.Get("ETag"); tag2 == tag1 {
		t.Error("ETag unchanged after joining a team")
	}
	e.do("DELETE", path, nil, "If-Match", tag1).wantError(t, 412, "")
}

func TestPatchUserMalformed(t *testing.T) {
	e := start(t, Options{}, seedBasic)
	path := "/Users/" + p(e.userID("bob@example.com"))
	e.do("PATCH", path, `{"schemas":`).wantError(t, 400, "malformed")
	e.do("PATCH", path, map[string]any{"Operations": []any{op("replace", "externalId", "x")}}).wantError(t, 400, "schemas")
	e.do("PATCH", path, patchOps()).wantError(t, 400, "no Operations")
	e.do("PATCH", path, patchOps(op("move", "externalId", "x"))).wantError(t, 400, "unsupported op")
	e.do("PATCH", "/Users/"+p("VXNlcjo5OTk="), patchOps(op("replace", "externalId", "x"))).wantError(t, 404, "not found")
	if r := e.do("PATCH", path, patchOps(op("Replace", "externalId", "x"))).want(t, 200); !strings.EqualFold(r.str("externalId"), "x") {
		t.Errorf("op names are case-insensitive: %s", r.raw)
	}
}

// TestTeamRoleExactNameFirst: teamRoles addresses the user's team of
// exactly that name; a team whose name differs only in case keeps its
// role (it is matched ignoring case only when no team has the name
// exactly).
func TestTeamRoleExactNameFirst(t *testing.T) {
	e := start(t, Options{}, `{"users": [{"userName": "a@example.com", "active": true}],
	 "teams": [{"name": "Data", "members": ["a@example.com"]}, {"name": "data", "members": ["a@example.com"]}, {"name": "ML", "members": ["a@example.com"]}]}`)
	path := "/Users/" + p(e.userID("a@example.com"))
	r := e.do("PATCH", path, patchOps(op("replace", "teamRoles", []map[string]string{{"teamName": "data", "roleName": "admin"}}))).want(t, 200)
	if got := teamRoles(r.body); got["data"] != "admin" || got["Data"] != "member" {
		t.Errorf("teamRoles %v: want data admin, Data still member", got)
	}
	r = e.do("PATCH", path, patchOps(op("replace", "teamRoles", []map[string]string{{"teamName": "ml", "roleName": "viewer"}}))).want(t, 200)
	if got := teamRoles(r.body); got["ML"] != "viewer" {
		t.Errorf("teamRoles %v: want ML viewer (no team is named ml exactly)", got)
	}
}

// registryRoles returns a user answer's registryRoles as name=role, in
// the order listed.
func registryRoles(t *testing.T, u map[string]any) []string {
	t.Helper()
	out := []string{}
	rrs, _ := u["registryRoles"].([]any)
	for _, x := range rrs {
		m := x.(map[string]any)
		if len(m) != 2 {
			t.Errorf("registry role %v: want registryName and roleName only", m)
		}
		out = append(out, m["registryName"].(string)+"="+m["roleName"].(string))
	}
	return out
}

func rr(registry, role string) map[string]any {
	return map[string]any{"registryName": registry, "roleName": role}
}

// TestRegistryRoles: add sets a user's role per registry (one or several
// in a value, replacing the one a registry had), remove with a filter
// drops one registry (its name compared exactly), a bare remove drops
// all; every read lists them, on both deployments.
func TestRegistryRoles(t *testing.T) {
	steps := []struct {
		name string
		op   map[string]any
		want []string
		same bool // no change: the ETag stays
	}{
		{"add one", op("add", "registryRoles", []any{rr("models", "admin")}), []string{"models=admin"}, false},
		{"add two, one replacing", op("add", "registryRoles", []any{rr("datasets", "viewer"), rr("models", "member")}),
			[]string{"models=member", "datasets=viewer"}, false},
		{"pathless add", op("add", "", map[string]any{"registryRoles": []any{rr(" evals ", "Viewer")}}),
			[]string{"models=member", "datasets=viewer", "evals=Viewer"}, false},
		{"attribute name in another case", op("add", "RegistryRoles", []any{rr("evals", "admin")}),
			[]string{"models=member", "datasets=viewer", "evals=admin"}, false},
		{"remove names another case", op("remove", `registryRoles[registryName eq "Models"]`, nil),
			[]string{"models=member", "datasets=viewer", "evals=admin"}, true},
		{"remove one", op("remove", `registryRoles[registryName eq "models"]`, nil), []string{"datasets=viewer", "evals=admin"}, false},
		{"remove one the user has not", op("remove", `registryRoles[registryName eq "models"]`, nil),
			[]string{"datasets=viewer", "evals=admin"}, true},
		{"remove all", op("remove", "registryRoles", nil), []string{}, false},
		{"add after remove all", op("add", "registryRoles", []any{rr("models", "viewer")}), []string{"models=viewer"}, false},
		{"remove all with a value", op("remove", "registryRoles", []any{rr("other", "admin")}), []string{}, false},
	}
	for _, dep := range []string{"dedicated", "saas"} {
		t.Run(dep, func(t *testing.T) {
			e := start(t, Options{Deployment: dep, OmitRoles: true}, seedBasic)
			bob := e.userID("bob@example.com")
			path := "/Users/" + p(bob)
			for _, st := range steps {
				tag := e.do("GET", path, nil).want(t, 200).header.Get("ETag")
				r := e.do("PATCH", path, patchOps(st.op)).want(t, 200)
				if got := registryRoles(t, r.body); !slices.Equal(got, st.want) {
					t.Fatalf("%s: PATCH answered %v, want %v", st.name, got, st.want)
				}
				if got := registryRoles(t, e.do("GET", path, nil).want(t, 200).body); !slices.Equal(got, st.want) {
					t.Errorf("%s: GET /Users/{id} read %v, want %v", st.name, got, st.want)
				}
				for _, u := range e.do("GET", "/Users", nil).want(t, 200).list() {
					if u["id"] == bob {
						if got := registryRoles(t, u); !slices.Equal(got, st.want) {
							t.Errorf("%s: GET /Users listed %v, want %v", st.name, got, st.want)
						}
					} else if got := registryRoles(t, u); len(got) != 0 {
						t.Errorf("%s: %v holds %v", st.name, u["userName"], got)
					}
				}
				if changed := r.header.Get("ETag") != tag; changed == st.same {
					t.Errorf("%s: ETag %s → %s", st.name, tag, r.header.Get("ETag"))
				}
			}
		})
	}
}

// TestRegistryRolesLegacyShapes: with the legacy shapes the list keeps
// its keys, and an empty one is null.
func TestRegistryRolesLegacyShapes(t *testing.T) {
	e := start(t, Options{LegacyShapes: true}, seedBasic)
	path := "/Users/" + p(e.userID("bob@example.com"))
	r := e.do("PATCH", path, patchOps(op("add", "registryRoles", []any{rr("models", "admin")}))).want(t, 200)
	if got := registryRoles(t, r.body); !slices.Equal(got, []string{"models=admin"}) {
		t.Errorf("legacy registryRoles %v", got)
	}
	r = e.do("PATCH", path, patchOps(op("remove", "registryRoles", nil))).want(t, 200)
	if v, ok := r.body["registryRoles"]; !ok || v != nil {
		t.Errorf("legacy empty registryRoles = %#v (present %v), want null", v, ok)
	}
}

// TestRegistryRolesRefused: a replace (the op of W&B's JSON examples, not
// of its operation tables), a value of another shape, an empty name and
// an unknown filter are 400, and a refused PATCH changes nothing.
func TestRegistryRolesRefused(t *testing.T) {
	cases := []struct {
		name     string
		op       map[string]any
		scimType string
		detail   string
	}{
		{"replace", op("replace", "registryRoles", []any{rr("models", "admin")}), "invalidPath", "add and remove, not replace"},
		{"pathless replace", op("replace", "", map[string]any{"registryRoles": []any{rr("models", "admin")}}),
			"invalidPath", "add and remove, not replace"},
		{"object, not array", op("add", "registryRoles", rr("models", "admin")), "invalidValue", "array of {registryName, roleName}"},
		{"empty array", op("add", "registryRoles", []any{}), "invalidValue", "registryRoles is empty"},
		{"no registryName", op("add", "registryRoles", []any{map[string]any{"roleName": "admin"}}),
			"invalidValue", "registryName is required"},
		{"blank registryName", op("add", "registryRoles", []any{rr("  ", "admin")}), "invalidValue", "registryName is required"},
		{"no roleName", op("add", "registryRoles", []any{map[string]any{"registryName": "models"}}),
			"invalidValue", `roleName is required for registry "models"`},
		{"empty roleName", op("add", "registryRoles", []any{rr("models", "")}), "invalidValue", "roleName is required"},
		{"roleName not a string", op("add", "registryRoles", []any{map[string]any{"registryName": "models", "roleName": 1}}),
			"invalidValue", "array of {registryName, roleName}"},
		{"second object bad", op("add", "registryRoles", []any{rr("datasets", "admin"), rr("", "admin")}),
			"invalidValue", "registryName is required"},
		{"remove by roleName", op("remove", `registryRoles[roleName eq "admin"]`, nil), "invalidPath", `registryName eq "NAME"`},
		{"remove without closing bracket", op("remove", `registryRoles[registryName eq "models"`, nil),
			"invalidPath", `registryName eq "NAME"`},
		{"add with a filter", op("add", `registryRoles[registryName eq "models"]`, []any{rr("models", "admin")}),
			"invalidPath", "cannot be changed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := start(t, Options{}, seedBasic)
			path := "/Users/" + p(e.userID("bob@example.com"))
			e.do("PATCH", path, patchOps(op("add", "registryRoles", []any{rr("models", "viewer")}))).want(t, 200)
			tag := e.do("GET", path, nil).header.Get("ETag")
			r := e.do("PATCH", path, patchOps(c.op))
			r.wantError(t, 400, c.detail)
			if got := r.str("scimType"); got != c.scimType {
				t.Errorf("scimType %q, want %q", got, c.scimType)
			}
			after := e.do("GET", path, nil).want(t, 200)
			if got := registryRoles(t, after.body); !slices.Equal(got, []string{"models=viewer"}) || after.header.Get("ETag") != tag {
				t.Errorf("a refused PATCH changed the user: %v, ETag %s → %s", got, tag, after.header.Get("ETag"))
			}
		})
	}
}

// TestRegistryRolesBlanksAndAttributeCase: blanks around a role name are
// trimmed as around a registry name, a filtered remove's value is trimmed
// as the add's was, and the attribute name of a bare remove or a path
// with blanks around it is read as SCIM reads attribute names.
func TestRegistryRolesBlanksAndAttributeCase(t *testing.T) {
	e := start(t, Options{}, seedBasic)
	path := "/Users/" + p(e.userID("bob@example.com"))
	r := e.do("PATCH", path, patchOps(op("add", "registryRoles", []any{rr("models", " admin "), rr("evals", "viewer")}))).want(t, 200)
	if got := registryRoles(t, r.body); !slices.Equal(got, []string{"models=admin", "evals=viewer"}) {
		t.Errorf("add with a padded role: %v", got)
	}
	r = e.do("PATCH", path, patchOps(op("remove", ` registryRoles[registryName eq " evals "]`, nil))).want(t, 200)
	if got := registryRoles(t, r.body); !slices.Equal(got, []string{"models=admin"}) {
		t.Errorf("remove with a padded path and value: %v", got)
	}
	r = e.do("PATCH", path, patchOps(op("remove", "RegistryRoles", nil))).want(t, 200)
	if got := registryRoles(t, r.body); len(got) != 0 {
		t.Errorf("bare remove in another case: %v", got)
	}
}
