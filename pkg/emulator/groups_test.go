package emulator

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestCreateGroup(t *testing.T) {
	e := start(t, Options{ServiceAccounts: 2, TakenTeamNames: []string{"Taken-Elsewhere"}}, seedBasic)
	alice := e.userID("alice@example.com")
	r := e.do("POST", "/Groups", map[string]any{"schemas": []string{schemaGroup}, "displayName": "vision",
		"members": members(alice, "bob@example.com")}).want(t, 201)
	id := r.str("id")
	if loc := r.header.Get("Location"); !strings.HasSuffix(loc, "/Groups/"+url.PathEscape(id)) {
		t.Errorf("Location %q", loc)
	}
	ms := memberValues(r.body)
	if len(ms) != 4 || ms[2] != alice || ms[3] != e.userID("bob@example.com") {
		t.Fatalf("members = %v: want the 2 service accounts, then alice and bob", ms)
	}
	for _, sa := range ms[:2] {
		e.do("GET", "/Users/"+p(sa), nil).wantError(t, 404, "not found")
	}
	if n := len(e.do("GET", "/Users", nil).list()); n != 4 {
		t.Errorf("service accounts listed under /Users: %d users", n)
	}
	if got := teamRoles(e.do("GET", "/Users/"+p(alice), nil).body); got["vision"] != "member" {
		t.Errorf("new members get role member: %v", got)
	}
	e.do("POST", "/Groups", map[string]any{"displayName": "VISION"}).wantError(t, 409, "Resource already exists")
	e.do("POST", "/Groups", map[string]any{"displayName": "data-eng"}).wantError(t, 409, "Resource already exists")
	e.do("POST", "/Groups", map[string]any{"displayName": "taken-elsewhere"}).wantError(t, 409, "taken")
	e.do("POST", "/Groups", map[string]any{"members": []any{}}).wantError(t, 400, "displayName is required")
	e.do("POST", "/Groups", map[string]any{"displayName": "x", "members": members("nobody@example.com")}).
		wantError(t, 400, "nobody@example.com")
	e.do("POST", "/Groups", `{"displayName":`).wantError(t, 400, "malformed")
	r = e.do("POST", "/Groups", map[string]any{"displayName": "empty", "members": []any{}}).want(t, 201)
	if ms := memberValues(r.body); len(ms) != 2 {
		t.Errorf("empty team members = %v", ms)
	}
	// Seeded teams keep their shared name and service accounts.
	l := e.do("GET", "/Groups?filter="+url.QueryEscape(`displayName eq "DATA-ENG"`), nil).want(t, 200).list()
	if len(l) != 2 || l[0]["id"] == l[1]["id"] || len(memberValues(l[1])) != 2 {
		t.Errorf("seeded data-eng teams = %v", l)
	}
}

func TestGroupShapes(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		e := start(t, Options{LegacyShapes: legacy}, seedBasic)
		ids := map[string]string{}
		for _, g := range e.do("GET", "/Groups", nil).want(t, 200).list() {
			ids[g["displayName"].(string)] = g["id"].(string)
			if g["displayName"] != "data-eng" || len(memberValues(g)) != 0 {
				continue
			}
			if legacy && g["members"] != nil {
				t.Errorf("legacy empty members = %#v, want null", g["members"])
			}
			if !legacy {
				if ms, ok := g["members"].([]any); !ok || len(ms) != 0 {
					t.Errorf("RFC empty members = %#v, want []", g["members"])
				}
			}
		}
		r := e.do("GET", "/Groups/"+p(ids["platform"]), nil).want(t, 200)
		m := r.body["members"].([]any)[0].(map[string]any)
		if legacy {
			if m["Value"] != e.userID("dan@example.com") || m["Display"] != "dan@example.com" || m["Ref"] != "" || m["Type"] != "" {
				t.Errorf("legacy member = %v", m)
			}
		} else if m["value"] != e.userID("dan@example.com") || m["display"] != "dan@example.com" || len(m) != 2 {
			t.Errorf("member = %v", m)
		}
		meta := r.body["meta"].(map[string]any)
		if meta["location"] != "Groups/"+url.PathEscape(ids["platform"]) || r.header.Get("ETag") != meta["version"] {
			t.Errorf("meta = %v, ETag %q", meta, r.header.Get("ETag"))
		}
	}
}

func TestGroupMembership(t *testing.T) {
	e := start(t, Options{ServiceAccounts: 1, MaxAddValues: 2}, seedBasic)
	team := "/Groups/" + p(e.teamID("platform"))
	alice, bob, carol, dan := e.userID("alice@example.com"), e.userID("bob@example.com"),
		e.userID("carol@example.com"), e.userID("dan@example.com")
	get := func() []string { return memberValues(e.do("GET", team, nil).want(t, 200).body) }
	sa := get()[0]

	r := e.do("PATCH", team, patchOps(op("add", "members", members(alice, "BOB@example.com")))).want(t, 200)
	if ms := memberValues(r.body); !slices.Equal(ms, []string{sa, dan, alice, bob}) {
		t.Fatalf("after add: %v", ms)
	}
	e.do("PATCH", team, patchOps(op("add", "members", members(alice)))).want(t, 200) // already a member: no-op
	e.do("PATCH", team, patchOps(op("add", "members", members(carol, "ghost-id")))).wantError(t, 400, "ghost-id")
	e.do("PATCH", team, patchOps(op("add", "members", members(alice, bob, carol)))).wantError(t, 413, "at most 2")
	if ms := get(); !slices.Equal(ms, []string{sa, dan, alice, bob}) {
		t.Fatalf("rejected adds changed the team: %v", ms)
	}
	e.do("PATCH", team, patchOps(op("remove", `members[value eq "`+alice+`"]`, nil))).want(t, 200)
	e.do("PATCH", team, patchOps(op("remove", `members[value eq "`+alice+`"]`, nil))).want(t, 200) // not a member: no-op
	if ms := get(); !slices.Equal(ms, []string{sa, dan, bob}) {
		t.Fatalf("after remove: %v", ms)
	}
	e.do("PATCH", team, patchOps(op("remove", `members[value eq "`+sa+`"]`, nil))).wantError(t, 400, "work for users only")
	e.do("PATCH", team, patchOps(op("add", "members", members(sa)))).wantError(t, 400, "work for users only")
	e.do("PATCH", team, patchOps(op("remove", `members[display eq "x"]`, nil))).wantError(t, 400, "members[value eq")
	e.do("PATCH", team, patchOps(op("remove", "members", nil), op("add", "members", members(alice)))).
		wantError(t, 400, "one operation")

	// The bare remove of members empties the team (service accounts stay),
	// even with an Azure-style value naming one member.
	r = e.do("PATCH", team, patchOps(op("remove", "members", members(bob)))).want(t, 200)
	if ms := memberValues(r.body); !slices.Equal(ms, []string{sa}) {
		t.Fatalf("bare remove left %v", ms)
	}
	if got := teamRoles(e.do("GET", "/Users/"+p(dan), nil).body); got["platform"] != "" {
		t.Errorf("dan still has a platform role: %v", got)
	}
}

// TestPathlessGroupPatchAnswersAlike: a pathless (Okta-style) PATCH whose
// value holds two bad keys is answered about the same one every time.
func TestPathlessGroupPatchAnswersAlike(t *testing.T) {
	e := start(t, Options{MaxAddValues: 1}, seedBasic)
	team := "/Groups/" + p(e.teamID("platform"))
	value := map[string]any{"members": members("alice@example.com", "bob@example.com"), "foo": "bar"}
	for range 20 {
		e.do("PATCH", team, patchOps(op("add", "", value))).wantError(t, 400, `attribute "foo" cannot be changed`)
	}
}

func TestBareRemoveEmptiesTeam(t *testing.T) {
	e := start(t, Options{}, seedBasic)
	team := "/Groups/" + p(e.teamID("ml-research"))
	r := e.do("PATCH", team, patchOps(op("remove", "members", nil))).want(t, 200)
	if ms, ok := r.body["members"].([]any); !ok || len(ms) != 0 {
		t.Fatalf("members after bare remove = %#v", r.body["members"])
	}
	for _, tm := range e.srv.Snapshot().Teams {
		if tm.Name == "ml-research" && len(tm.Members) != 0 {
			t.Errorf("snapshot members = %v", tm.Members)
		}
	}
}

func TestReplaceMembers(t *testing.T) {
	e := start(t, Options{MaxOpsPerPatch: -1}, seedBasic)
	id := e.teamID("ml-research")
	team := "/Groups/" + p(id)
	alice, dan := e.userID("alice@example.com"), e.userID("dan@example.com")
	// Okta-style pathless replace; the displayName mismatch is ignored.
	r := e.do("PATCH", team, patchOps(op("replace", "", map[string]any{"displayName": "Renamed",
		"members": members(alice, dan)}))).want(t, 200)
	if r.str("displayName") != "ml-research" || !slices.Equal(memberValues(r.body), []string{alice, dan}) {
		t.Fatalf("pathless replace: %s", r.raw)
	}
	if got := teamRoles(e.do("GET", "/Users/"+p(alice), nil).body); got["ml-research"] != "admin" {
		t.Errorf("a kept member lost its role: %v", got)
	}
	e.do("PATCH", team, patchOps(op("replace", "displayName", "other"))).want(t, 200)
	r = e.do("PATCH", team, patchOps(op("replace", "members", members(dan)), op("add", "members", members(alice)))).want(t, 200)
	if !slices.Equal(memberValues(r.body), []string{dan, alice}) {
		t.Errorf("replace then add: %v", memberValues(r.body))
	}
	tag := r.header.Get("ETag")
	r = e.do("PUT", team, map[string]any{"schemas": []string{schemaGroup}, "displayName": "ml-research",
		"members": members("bob@example.com")}, "If-Match", tag).want(t, 200)
	if !slices.Equal(memberValues(r.body), []string{e.userID("bob@example.com")}) || r.header.Get("ETag") == tag {
		t.Errorf("PUT: %s (ETag %s)", r.raw, r.header.Get("ETag"))
	}
	e.do("PUT", team, map[string]any{"displayName": "ml-research", "members": []any{}}, "If-Match", tag).
		wantError(t, 412, "precondition")
	e.do("PATCH", team, patchOps(op("add", "members", members(dan))), "If-Match", tag).wantError(t, 412, "precondition")
	e.do("PATCH", team, patchOps(op("replace", "", map[string]any{"owner": "x"}))).wantError(t, 400, "owner")
	e.do("PUT", team, map[string]any{"displayName": "ml-research", "members": []any{}}).want(t, 200)
	if snap := e.srv.Snapshot(); len(snap.Teams[2].Members) != 0 {
		t.Errorf("PUT with no members left %v", snap.Teams[2])
	}
}

func TestGroupDeleteAndMethods(t *testing.T) {
	e := start(t, Options{}, seedBasic)
	id := e.teamID("platform")
	e.do("DELETE", "/Groups/"+p(id), nil).wantError(t, 400, "Deleting teams is currently unsupported by the SCIM API")
	e.do("GET", "/Groups/"+p(id), nil).want(t, 200)
	e.do("DELETE", "/Groups/"+p("RW50aXR5OjE="), nil).wantError(t, 404, "not found")
	r := e.do("DELETE", "/Groups", nil)
	r.wantError(t, 405, "")
	if r.header.Get("Allow") != "GET, POST" {
		t.Errorf("Allow %q", r.header.Get("Allow"))
	}
	e.do("GET", "/Groups?filter="+url.QueryEscape(`id eq "x"`), nil).wantError(t, 400, "displayName")
}

// TestCreateGroupStorageBucket: a team create's storageBucket needs a name
// and a provider W&B lists, in its exact case; anything else is 400 naming
// the allowed providers, checked before the team name, and creates nothing.
func TestCreateGroupStorageBucket(t *testing.T) {
	const allowed = "allowed values are COREWEAVE, AWS, AZURE, GCP, MINIO"
	cases := []struct {
		name   string
		team   string
		bucket any
		status int
		detail string // of a refusal (scimType invalidValue), which creates nothing
	}{
		{"no bucket", "t-none", nil, 201, ""},
		{"null bucket", "t-null", json.RawMessage("null"), 201, ""},
		{"COREWEAVE", "t-cw", map[string]any{"name": "b", "provider": "COREWEAVE"}, 201, ""},
		{"AWS with optional keys", "t-aws", map[string]any{"name": "b", "provider": "AWS", "path": "teams/x",
			"kmsKeyId": "k", "awsExternalId": "e"}, 201, ""},
		{"AZURE", "t-az", map[string]any{"name": "b", "provider": "AZURE", "azureTenantId": "t", "azureClientId": "c"}, 201, ""},
		{"GCP", "t-gcp", map[string]any{"name": "b", "provider": "GCP"}, 201, ""},
		{"MINIO", "t-minio", map[string]any{"name": "b", "provider": "MINIO"}, 201, ""},
		{"provider in lower case", "t-1", map[string]any{"name": "b", "provider": "aws"}, 400, `provider "aws" is invalid: ` + allowed},
		{"unknown provider", "t-2", map[string]any{"name": "b", "provider": "S3"}, 400, `provider "S3" is invalid: ` + allowed},
		{"provider with a blank", "t-3", map[string]any{"name": "b", "provider": "GCP "}, 400, allowed},
		{"no provider", "t-4", map[string]any{"name": "b"}, 400, `provider "" is invalid: ` + allowed},
		{"no name", "t-5", map[string]any{"provider": "AWS"}, 400, "storageBucket.name is required"},
		{"blank name", "t-6", map[string]any{"name": " ", "provider": "AWS"}, 400, "storageBucket.name is required"},
		{"not an object", "t-7", "AWS", 400, "storageBucket must be an object"},
		{"bucket before a taken name", "platform", map[string]any{"name": "b", "provider": "aws"}, 400, allowed},
		{"bucket before a missing name", "", map[string]any{"name": "b", "provider": "aws"}, 400, allowed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := start(t, Options{}, seedBasic)
			body := map[string]any{"schemas": []string{schemaGroup}, "displayName": c.team, "members": []any{}}
			if c.bucket != nil {
				body["storageBucket"] = c.bucket
			}
			before := len(e.do("GET", "/Groups", nil).want(t, 200).list())
			r := e.do("POST", "/Groups", body)
			if c.status != 201 {
				r.wantError(t, c.status, c.detail)
				if got := r.str("scimType"); got != "invalidValue" {
					t.Errorf("scimType %q, want invalidValue", got)
				}
			} else if _, ok := r.want(t, 201).body["storageBucket"]; ok {
				t.Errorf("the answer shows the bucket: %s", r.raw)
			}
			want := before
			if c.status == 201 {
				want++
			}
			if n := len(e.do("GET", "/Groups", nil).want(t, 200).list()); n != want {
				t.Errorf("%d teams after the create, want %d", n, want)
			}
		})
	}
}

// TestTeamRenameIgnored: a PATCH or PUT naming the team otherwise is
// answered 200 with the name unchanged (W&B: team names cannot be changed).
func TestTeamRenameIgnored(t *testing.T) {
	cases := []struct {
		name   string
		method string
		body   any
	}{
		{"replace path displayName", "PATCH", patchOps(op("replace", "displayName", "renamed"))},
		{"add path displayName", "PATCH", patchOps(op("add", "displayName", "renamed"))},
		{"pathless replace", "PATCH", patchOps(op("replace", "", map[string]any{"displayName": "renamed"}))},
		{"PUT", "PUT", map[string]any{"schemas": []string{schemaGroup}, "displayName": "renamed",
			"members": members("dan@corp.example.com")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := start(t, Options{}, seedBasic)
			team := "/Groups/" + p(e.teamID("platform"))
			if r := e.do(c.method, team, c.body).want(t, 200); r.str("displayName") != "platform" {
				t.Errorf("answer displayName %q, want platform", r.str("displayName"))
			}
			if got := e.do("GET", team, nil).want(t, 200).str("displayName"); got != "platform" {
				t.Errorf("read displayName %q, want platform", got)
			}
			if n := len(e.do("GET", "/Groups?filter="+url.QueryEscape(`displayName eq "renamed"`), nil).want(t, 200).list()); n != 0 {
				t.Errorf("%d teams named renamed", n)
			}
		})
	}
}
