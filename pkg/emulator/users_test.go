package emulator

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestAuth(t *testing.T) {
	e := start(t, Options{APIKey: testKey}, seedBasic)
	basic := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		name, auth string
		want       int
	}{
		{"no header", "", 401},
		{"bearer right key", "Bearer " + testKey, 200},
		{"bearer wrong key", "Bearer nope", 401},
		{"basic user:key", basic("demo:" + testKey), 200},
		{"basic :key (service account)", basic(":" + testKey), 200},
		{"basic wrong key", basic("demo:nope"), 401},
		{"basic not base64", "Basic !!!", 401},
		{"unknown scheme", "Token " + testKey, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.auth = tc.auth
			r := e.do("GET", "/Users", nil)
			if tc.want == 401 {
				r.wantError(t, 401, "authentication failed")
				if strings.Contains(r.raw, testKey) {
					t.Error("the key appears in the answer")
				}
				return
			}
			r.want(t, tc.want)
		})
	}
	t.Run("any key when none is configured", func(t *testing.T) {
		e := start(t, Options{}, "")
		e.auth = "Bearer whatever"
		e.do("GET", "/Groups", nil).want(t, 200)
		e.auth = ""
		e.do("GET", "/Groups", nil).wantError(t, 401, "authentication")
	})
}

func TestBothPrefixesAndUnknownPaths(t *testing.T) {
	e := start(t, Options{}, seedBasic)
	a := e.do("GET", "/Users", nil).want(t, 200)
	b := e.do("GET", "/v2/Users", nil).want(t, 200)
	if a.raw != b.raw {
		t.Errorf("/scim/Users and /scim/v2/Users differ:\n%s\n%s", a.raw, b.raw)
	}
	e.do("GET", "/v2/Groups/"+p(e.teamID("platform")), nil).want(t, 200)
	e.do("GET", "/ServiceProviderConfig", nil).wantError(t, 404, "no such endpoint")
	e.do("GET", "/Users/a/b", nil).wantError(t, 404, "no such endpoint")
	e.do("PUT", "/Users/"+p(e.userID("bob@example.com")), newUser("bob@example.com")).wantError(t, 405, "not supported")
}

func TestUserShapes(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		e := start(t, Options{LegacyShapes: legacy}, seedBasic)
		id := e.userID("dan@example.com")
		r := e.do("GET", "/Users/"+p(id), nil).want(t, 200)
		if legacy {
			em, ok := r.body["emails"].(map[string]any)
			if !ok || em["Value"] != "dan@corp.example.com" || em["Primary"] != true || em["Display"] != "" || em["Type"] != "" {
				t.Errorf("legacy emails = %#v", r.body["emails"])
			}
		} else {
			es, ok := r.body["emails"].([]any)
			if !ok || len(es) != 1 {
				t.Fatalf("emails = %#v", r.body["emails"])
			}
			em := es[0].(map[string]any)
			if em["value"] != "dan@corp.example.com" || em["primary"] != true || em["type"] != "work" {
				t.Errorf("emails[0] = %#v", em)
			}
		}
		if r.str("id") != id || r.str("userName") != "dan@example.com" || r.str("externalId") != "00u-dan" ||
			r.body["active"] != true || r.str("organizationRole") != "member" {
			t.Errorf("user = %s", r.raw)
		}
		if got := teamRoles(r.body); len(got) != 1 || got["platform"] != "member" {
			t.Errorf("teamRoles = %v", got)
		}
		meta := r.body["meta"].(map[string]any)
		if meta["location"] != "Users/"+id || meta["resourceType"] != "User" {
			t.Errorf("meta = %v", meta)
		}
		if et := r.header.Get("ETag"); et == "" || et != meta["version"] || !strings.HasPrefix(et, `W/"`) {
			t.Errorf("ETag %q, meta.version %v", et, meta["version"])
		}
		if r.str("modelsSeat") != "full" {
			t.Errorf("dedicated modelsSeat = %q", r.str("modelsSeat"))
		}
		// W&B's activity and registry attributes: a user never active
		// has lastActiveAt null (present, not left out); an empty list is
		// null in the legacy shapes.
		if ra, ok := r.body["registryRoles"].([]any); legacy != (ra == nil) || !legacy && (!ok || len(ra) != 0) || r.body["daysActive"] != float64(0) {
			t.Errorf("legacy %v: registryRoles %#v, daysActive %v", legacy, r.body["registryRoles"], r.body["daysActive"])
		}
		if v, ok := r.body["registryRoles"]; !ok || legacy && v != nil {
			t.Errorf("legacy %v: registryRoles %#v (present %v)", legacy, v, ok)
		}
		if v, ok := r.body["lastActiveAt"]; !ok || v != nil {
			t.Errorf("lastActiveAt = %v (present %v), want null", v, ok)
		}
	}
}

func TestIDsNeedEscaping(t *testing.T) {
	var users []string
	for i := 0; i < 8; i++ {
		users = append(users, `{"userName":"u`+itoa(i)+`@example.com"}`)
	}
	seed := `{"users":[` + strings.Join(users, ",") + `],"teams":[{"name":"t","members":[]}]}`
	e := start(t, Options{}, seed)
	snap := e.srv.Snapshot()
	var plus, slash, eq bool
	for _, u := range snap.Users {
		plus = plus || strings.Contains(u.ID, "+")
		slash = slash || strings.Contains(u.ID, "/")
		raw, err := base64.StdEncoding.DecodeString(u.ID)
		if err != nil || !strings.HasPrefix(string(raw), "User:") {
			t.Errorf("id %q is not base64 of User:N (%q, %v)", u.ID, raw, err)
		}
	}
	eq = strings.HasSuffix(snap.Teams[0].ID, "=")
	if !plus || !slash || !eq {
		t.Fatalf("ids lack + (%v), / (%v) or = (%v): %+v %+v", plus, slash, eq, snap.Users, snap.Teams)
	}
	for _, u := range snap.Users {
		r := e.do("GET", "/Users/"+url.PathEscape(u.ID), nil).want(t, 200)
		if r.str("id") != u.ID {
			t.Errorf("GET %s returned %s", u.ID, r.str("id"))
		}
		if strings.Contains(u.ID, "/") {
			e.do("GET", "/Users/"+u.ID, nil).want(t, 404) // unescaped: a different path
		}
	}
	if again := start(t, Options{}, seed).srv.Snapshot(); again.Users[3].ID != snap.Users[3].ID {
		t.Error("ids are not deterministic")
	}
}

func TestCreateUser(t *testing.T) {
	e := start(t, Options{}, seedBasic)
	body := newUser("erin@example.com")
	body["displayName"] = "Erin"
	body["externalId"] = "00u-erin"
	r := e.do("POST", "/Users", body).want(t, 201)
	id := r.str("id")
	if loc := r.header.Get("Location"); !strings.HasSuffix(loc, "/scim/Users/"+url.PathEscape(id)) {
		t.Errorf("Location %q", loc)
	}
	if r.str("displayName") != "Erin" || r.body["active"] != true || r.str("organizationRole") != "member" {
		t.Errorf("created = %s", r.raw)
	}
	if got := e.do("GET", "/Users/"+p(id), nil).want(t, 200); got.str("userName") != "erin@example.com" {
		t.Errorf("GET after create: %s", got.raw)
	}
	e.do("POST", "/Users", newUser("ERIN@example.com")).wantError(t, 409, "Resource already exists")
	e.do("POST", "/Users", map[string]any{"userName": "x@example.com"}).wantError(t, 400, "emails")
	e.do("POST", "/Users", map[string]any{"userName": "x@example.com",
		"emails": []map[string]any{{"value": "x@example.com"}}}).wantError(t, 400, "primary")
	e.do("POST", "/Users", map[string]any{"emails": []map[string]any{{"value": "x@example.com", "primary": true}}}).
		wantError(t, 400, "userName is required")
	e.do("POST", "/Users", `{"userName": "x@example.com",`).wantError(t, 400, "malformed")
	withRole := newUser("y@example.com")
	withRole["organizationRole"] = "admin"
	e.do("POST", "/Users", withRole).wantError(t, 400, "SaaS Cloud only")
	seat := newUser("z@example.com")
	seat["modelsSeat"] = "viewer"
	if r := e.do("POST", "/Users", seat).want(t, 201); r.str("modelsSeat") != "viewer" || r.str("weaveRole") != "full" {
		t.Errorf("seats = %s", r.raw)
	}
}

func TestCreateUserSaaS(t *testing.T) {
	e := start(t, Options{Deployment: "saas"}, seedBasic)
	body := newUser("erin@example.com")
	body["schemas"] = []string{schemaUser, schemaTeamsExt}
	body["organizationRole"] = "Admin"
	body[schemaTeamsExt] = map[string]any{"teams": []string{"platform"}}
	r := e.do("POST", "/Users", body).want(t, 201)
	if r.str("organizationRole") != "admin" || teamRoles(r.body)["platform"] != "member" {
		t.Errorf("created = %s", r.raw)
	}
	if r.body["modelsSeat"] != nil {
		t.Errorf("saas shows modelsSeat: %s", r.raw)
	}
	// W&B's Multi-tenant create response lists the teams: groups [{value}].
	if gs, _ := r.body["groups"].([]any); len(gs) != 1 || gs[0].(map[string]any)["value"] != e.teamID("platform") {
		t.Errorf("create response groups = %v, want [{value: platform's id}]", r.body["groups"])
	}
	if get := e.do("GET", "/Users/"+p(r.str("id")), nil).want(t, 200); get.body["groups"] != nil {
		t.Errorf("a GET shows groups: %s", get.raw)
	}
	g := e.do("GET", "/Groups/"+p(e.teamID("platform")), nil).want(t, 200)
	if ms := memberValues(g.body); len(ms) != 2 || ms[1] != r.str("id") {
		t.Errorf("platform members = %v", ms)
	}
	bad := newUser("f@example.com")
	bad[schemaTeamsExt] = map[string]any{"teams": []string{"nope"}}
	e.do("POST", "/Users", bad).wantError(t, 400, `team "nope" not found`)
	seat := newUser("g@example.com")
	seat["weaveRole"] = "none"
	e.do("POST", "/Users", seat).wantError(t, 400, "not supported in SaaS Cloud")
}

func TestSeatLimit(t *testing.T) {
	// alice, bob and dan are active: three seats used, carol inactive.
	e := start(t, Options{SeatLimit: 4}, seedBasic)
	e.do("POST", "/Users", newUser("erin@example.com")).want(t, 201)
	e.do("POST", "/Users", newUser("frank@example.com")).wantError(t, 400, "Seat limit reached")
	inactive := newUser("gina@example.com")
	inactive["active"] = false
	e.do("POST", "/Users", inactive).want(t, 201)
	carol := e.userID("carol@example.com")
	e.do("PATCH", "/Users/"+p(carol), patchOps(op("replace", "", map[string]any{"active": true}))).
		wantError(t, 400, "Seat limit reached")
	e.do("PATCH", "/Users/"+p(e.userID("bob@example.com")), patchOps(op("replace", "", map[string]any{"active": false}))).want(t, 200)
	e.do("PATCH", "/Users/"+p(carol), patchOps(op("replace", "", map[string]any{"active": true}))).want(t, 200)
}

func TestUserFilters(t *testing.T) {
	e := start(t, Options{}, seedBasic)
	q := func(f string) []map[string]any {
		return e.do("GET", "/Users?filter="+url.QueryEscape(f), nil).want(t, 200).list()
	}
	if l := q(`userName eq "ALICE@example.com"`); len(l) != 1 || l[0]["userName"] != "alice@example.com" {
		t.Errorf("userName eq: %v", l)
	}
	if l := q(`emails.value eq "dan@corp.example.com"`); len(l) != 1 || l[0]["userName"] != "dan@example.com" {
		t.Errorf("emails.value eq: %v", l)
	}
	if l := q(`userName Eq "nobody@example.com"`); len(l) != 0 {
		t.Errorf("absent user: %v", l)
	}
	e.do("POST", "/Users", newUser(`o"neil+x@example.com`)).want(t, 201)
	if l := q(`userName eq "o\"neil+x@example.com"`); len(l) != 1 {
		t.Errorf("escaped quote and +: %v", l)
	}
	r := e.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "nobody@example.com"`), nil)
	if r.body["totalResults"] != 0.0 || r.body["Resources"] == nil {
		t.Errorf("empty result = %s", r.raw)
	}
	for _, f := range []string{`displayName eq "Alice"`, `userName co "a"`, `userName eq alice`, `userName`} {
		e.do("GET", "/Users?filter="+url.QueryEscape(f), nil).wantError(t, 400, "")
	}
	// Each refusal names its own cause.
	for f, why := range map[string]string{
		`userName eq "a@example.com" and active eq true`: "one comparison only",
		`emails[value eq "a@example.com"]`:               "value filters",
		`active eq true`:                                 "must be a quoted string",
		`userName eq "a@example.com`:                     "one quoted string",
	} {
		e.do("GET", "/Users?filter="+url.QueryEscape(f), nil).wantError(t, 400, why)
	}
}

func TestDeleteUser(t *testing.T) {
	e := start(t, Options{}, seedBasic)
	bob := e.userID("bob@example.com")
	e.do("DELETE", "/Users/"+p(bob), nil).want(t, 204)
	e.do("GET", "/Users/"+p(bob), nil).wantError(t, 404, "not found")
	e.do("DELETE", "/Users/"+p(bob), nil).wantError(t, 404, "not found")
	for _, tm := range e.srv.Snapshot().Teams {
		for _, m := range tm.Members {
			if m.UserName == "bob@example.com" {
				t.Errorf("bob still in %s", tm.Name)
			}
		}
	}
	if n := len(e.do("GET", "/Users", nil).list()); n != 3 {
		t.Errorf("%d users listed after delete", n)
	}
}

// TestMetaLocationEscaped: an id holding "/" or "+" is escaped in
// meta.location as in the Location header, so that following it finds the
// resource.
func TestMetaLocationEscaped(t *testing.T) {
	e := start(t, Options{}, `{"users":[{"id":"VXNlcjo/Pz8+","userName":"odd@example.com"}],"teams":[{"id":"R3I/dXA+","name":"odd","members":["odd@example.com"]}]}`)
	for _, path := range []string{"/Users/" + url.PathEscape("VXNlcjo/Pz8+"), "/Groups/" + url.PathEscape("R3I/dXA+")} {
		r := e.do("GET", path, nil).want(t, 200)
		loc, _ := r.body["meta"].(map[string]any)["location"].(string)
		if "/"+loc != path {
			t.Errorf("meta.location %q, want %q", loc, strings.TrimPrefix(path, "/"))
		}
		e.do("GET", "/"+loc, nil).want(t, 200)
	}
}

// TestCreateStringBooleans: a create writing active or primary as a string
// is refused, as W&B fails Entra's string booleans, unless StringBooleans.
func TestCreateStringBooleans(t *testing.T) {
	for _, lenient := range []bool{false, true} {
		e := start(t, Options{StringBooleans: lenient}, seedBasic)
		for i, mod := range []func(map[string]any){
			func(b map[string]any) { b["active"] = "True" },
			func(b map[string]any) { b["emails"] = []map[string]any{{"value": b["userName"], "primary": "true"}} },
		} {
			body := newUser(fmt.Sprintf("s%d@example.com", i))
			mod(body)
			r := e.do("POST", "/Users", body)
			if lenient {
				r.want(t, 201)
			} else {
				r.wantError(t, 400, "must be a JSON boolean")
			}
		}
	}
}

// TestLegacyNullLists: with the legacy shapes an empty list field is null,
// as W&B wrote them before it answered [] (a user in no team's teamRoles,
// a list page with no resources); without them, [].
func TestLegacyNullLists(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		e := start(t, Options{LegacyShapes: legacy}, seedBasic)
		id := e.do("POST", "/Users", newUser("zed@example.com")).want(t, 201).str("id")
		u := e.do("GET", "/Users/"+p(id), nil).want(t, 200)
		page := e.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "nobody@example.com"`), nil).want(t, 200)
		for what, v := range map[string]any{"teamRoles": u.body["teamRoles"], "Resources": page.body["Resources"]} {
			if l, ok := v.([]any); legacy && v != nil || !legacy && (!ok || len(l) != 0) {
				t.Errorf("legacy %v: %s = %#v", legacy, what, v)
			}
		}
		if _, ok := u.body["teamRoles"]; !ok {
			t.Errorf("legacy %v: no teamRoles key", legacy)
		}
	}
}
