package emulator

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const seedHandles = `{"users": [
  {"userName": "alice@example.com"},
  {"userName": "Alice.Smith+ml@example.com"},
  {"userName": "alice@other.example.com", "email": "alice.o@other.example.com"},
  {"userName": "dev-user2", "email": "dev-user2@example.com"},
  {"userName": "dev-user2@corp.example.com", "emails": ["dev2@corp.example.com", "d2@example.org"]}
 ],
 "teams": [{"name": "ml", "members": ["alice@example.com", "dev-user2", "dev-user2@corp.example.com"]}]}`

// emailValues returns a user answer's email values, either shape, and the
// primary one.
func emailValues(t *testing.T, u map[string]any) (values []string, primary string) {
	t.Helper()
	switch es := u["emails"].(type) {
	case []any:
		for _, x := range es {
			m := x.(map[string]any)
			values = append(values, m["value"].(string))
			if m["primary"] == true {
				primary = m["value"].(string)
			}
		}
	case map[string]any:
		values, primary = []string{es["Value"].(string)}, es["Value"].(string)
	default:
		t.Fatalf("emails = %#v", u["emails"])
	}
	return values, primary
}

func TestHandles(t *testing.T) {
	e := start(t, Options{Handles: true}, seedHandles)
	type row struct {
		UserName string
		Emails   []string
	}
	var got []row
	for _, u := range e.do("GET", "/Users", nil).want(t, 200).list() {
		es, primary := emailValues(t, u)
		if primary != es[0] {
			t.Errorf("%v: primary %q is not first", u["userName"], primary)
		}
		got = append(got, row{u["userName"].(string), es})
	}
	want := []row{
		{"alice", []string{"alice@example.com"}},
		{"alice-smith-ml", []string{"Alice.Smith+ml@example.com"}},
		{"alice-2", []string{"alice.o@other.example.com"}},
		{"dev-user2", []string{"dev-user2@example.com"}},
		{"dev-user2-2", []string{"dev2@corp.example.com", "d2@example.org"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("handles and emails (-want +got):\n%s", diff)
	}
	q := func(f string) []string {
		var names []string
		for _, u := range e.do("GET", "/Users?filter="+url.QueryEscape(f), nil).want(t, 200).list() {
			names = append(names, u["userName"].(string))
		}
		return names
	}
	for f, want := range map[string][]string{
		`userName eq "ALICE"`:                          {"alice"},
		`userName eq "alice@example.com"`:              nil, // userName is the handle
		`emails.value eq "Alice@Example.com"`:          {"alice"},
		`emails.value eq "D2@example.org"`:             {"dev-user2-2"}, // a non-primary email
		`userName eq "Dev-User2-2"`:                    {"dev-user2-2"},
		`emails.value eq "dev-user2@corp.example.com"`: nil,
	} {
		if got := q(f); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", f, got, want)
		}
	}
	// Members display the handle; a member may be named by any email.
	team := "/Groups/" + p(e.teamID("ml"))
	r := e.do("PATCH", team, patchOps(op("add", "members", members("alice.o@other.example.com")))).want(t, 200)
	var displays []string
	for _, m := range r.body["members"].([]any) {
		displays = append(displays, m.(map[string]any)["display"].(string))
	}
	if !slices.Equal(displays, []string{"alice", "dev-user2", "dev-user2-2", "alice-2"}) {
		t.Errorf("member displays = %v", displays)
	}
	// A create keeps what the client sent; an email already taken is 409.
	r = e.do("POST", "/Users", newUser("Erin@example.com")).want(t, 201)
	if r.str("userName") != "Erin@example.com" {
		t.Errorf("created userName = %q", r.str("userName"))
	}
	taken := newUser("new-handle")
	taken["emails"] = []map[string]any{{"value": "D2@example.org", "primary": true}}
	e.do("POST", "/Users", taken).wantError(t, 409, "Resource already exists")
	// So is an email update to another user's email; a user's own email,
	// in another case, is its own.
	alice := "/Users/" + p(e.userID("alice"))
	e.do("PATCH", alice, patchOps(op("replace", "emails", []map[string]any{{"value": "d2@EXAMPLE.org", "primary": true}}))).
		wantError(t, 409, `Resource already exists: another user has the email "d2@EXAMPLE.org"`)
	e.do("PATCH", alice, patchOps(op("replace", "emails", []map[string]any{{"value": "ALICE@example.com", "primary": true}}))).want(t, 200)
	// Without the switch the seed's userNames stay.
	plain := start(t, Options{}, seedHandles)
	if l := plain.do("GET", "/Users", nil).list(); l[0]["userName"] != "alice@example.com" || l[4]["userName"] != "dev-user2@corp.example.com" {
		t.Errorf("userNames without --handles: %v, %v", l[0]["userName"], l[4]["userName"])
	}
	plain.do("POST", "/Users", taken).want(t, 201)
}

// TestMemberValueByEmail: a member value that is an email names the user
// holding that email, not another user whose userName is that string, and
// a handle names no member (W&B documents a user id or an email).
func TestMemberValueByEmail(t *testing.T) {
	e := start(t, Options{Handles: true}, seedHandles)
	decoy := newUser("alice.o@other.example.com")
	decoy["emails"] = []map[string]any{{"value": "decoy@example.org", "primary": true}}
	e.do("POST", "/Users", decoy).want(t, 201)
	r := e.do("POST", "/Groups", map[string]any{"schemas": []string{schemaGroup}, "displayName": "t2", "members": []any{}}).want(t, 201)
	team := "/Groups/" + p(r.str("id"))
	r = e.do("PATCH", team, patchOps(op("add", "members", members("alice.o@other.example.com")))).want(t, 200)
	ms := r.body["members"].([]any)
	if len(ms) != 1 || ms[0].(map[string]any)["display"] != "alice-2" {
		t.Errorf("members = %v, want alice-2, the email's holder", ms)
	}
	e.do("PATCH", team, patchOps(op("add", "members", members("dev-user2")))).wantError(t, 400, `member "dev-user2" is not a user`)
}

func TestHandlesLegacyShapes(t *testing.T) {
	e := start(t, Options{Handles: true, LegacyShapes: true}, seedHandles)
	r := e.do("GET", "/Users/"+p(e.userID("dev-user2-2")), nil).want(t, 200)
	em, ok := r.body["emails"].(map[string]any)
	if !ok || em["Value"] != "dev2@corp.example.com" || em["Primary"] != true || r.str("userName") != "dev-user2-2" {
		t.Errorf("legacy user = %s", r.raw)
	}
	g := e.do("GET", "/Groups/"+p(e.teamID("ml")), nil).want(t, 200)
	m := g.body["members"].([]any)[0].(map[string]any)
	if m["Display"] != "alice" || m["Value"] != e.userID("alice") {
		t.Errorf("legacy member = %v", m)
	}
	snap := e.srv.Snapshot()
	if u := snap.Users[4]; u.UserName != "dev-user2-2" || u.Email != "dev2@corp.example.com" ||
		!slices.Equal(u.Emails, []string{"dev2@corp.example.com", "d2@example.org"}) {
		t.Errorf("snapshot user = %+v", u)
	}
}

func TestExtraEmails(t *testing.T) {
	e := start(t, Options{ExtraEmails: true}, seedBasic)
	dan := e.do("GET", "/Users/"+p(e.userID("dan@example.com")), nil).want(t, 200)
	es := dan.body["emails"].([]any)
	want := []any{
		map[string]any{"value": "dan@corp.example.com", "primary": true, "type": "work"},
		map[string]any{"value": "dan@alias.corp.example.com", "primary": false, "type": "work"},
	}
	if diff := cmp.Diff(want, es); diff != "" {
		t.Errorf("emails (-want +got):\n%s", diff)
	}
	l := e.do("GET", "/Users?filter="+url.QueryEscape(`emails.value eq "DAN@alias.corp.example.com"`), nil).want(t, 200).list()
	if len(l) != 1 || l[0]["userName"] != "dan@example.com" {
		t.Errorf("filter on the extra email: %v", l)
	}
	// Legacy shapes hold the primary email only.
	legacy := start(t, Options{ExtraEmails: true, LegacyShapes: true}, seedBasic)
	r := legacy.do("GET", "/Users/"+p(legacy.userID("dan@example.com")), nil).want(t, 200)
	if em := r.body["emails"].(map[string]any); em["Value"] != "dan@corp.example.com" || em["Primary"] != true {
		t.Errorf("legacy emails = %v", em)
	}
	// A seed listing several emails keeps them, with or without the switch.
	seed := `{"users": [{"userName": "a@example.com", "emails": ["a@example.com", "a@b.example.com", "a@c.example.com"]}]}`
	for _, extra := range []bool{false, true} {
		s := start(t, Options{ExtraEmails: extra}, seed)
		got, _ := emailValues(t, s.do("GET", "/Users", nil).want(t, 200).list()[0])
		if !slices.Equal(got, []string{"a@example.com", "a@b.example.com", "a@c.example.com"}) {
			t.Errorf("extra=%v: emails %v", extra, got)
		}
	}
}

func TestOmitRoles(t *testing.T) {
	e := start(t, Options{OmitRoles: true}, seedBasic)
	noRoles := func(what string, u map[string]any) {
		t.Helper()
		for _, k := range []string{"organizationRole", "teamRoles"} {
			if _, ok := u[k]; ok {
				t.Errorf("%s carries %s: %v", what, k, u[k])
			}
		}
	}
	bob := "/Users/" + p(e.userID("bob@example.com"))
	noRoles("GET", e.do("GET", bob, nil).want(t, 200).body)
	for _, u := range e.do("GET", "/Users", nil).want(t, 200).list() {
		noRoles("list", u)
	}
	noRoles("displayName PATCH", e.do("PATCH", bob, patchOps(op("replace", "displayName", "B"))).want(t, 200).body)
	r := e.do("PATCH", bob, patchOps(op("replace", "organizationRole", "admin"))).want(t, 200)
	if r.str("organizationRole") != "admin" || teamRoles(r.body)["ml-research"] != "member" {
		t.Errorf("org role PATCH response: %s", r.raw)
	}
	r = e.do("PATCH", bob, patchOps(op("replace", "teamRoles", []map[string]string{{"teamName": "data-eng", "roleName": "admin"}}))).want(t, 200)
	if r.str("organizationRole") != "admin" || teamRoles(r.body)["data-eng"] != "admin" {
		t.Errorf("team role PATCH response: %s", r.raw)
	}
	r = e.do("POST", "/Users", newUser("erin@example.com")).want(t, 201)
	if r.str("organizationRole") != "member" || r.body["teamRoles"] == nil {
		t.Errorf("create response: %s", r.raw)
	}
	noRoles("GET after role PATCH", e.do("GET", bob, nil).want(t, 200).body)
	// Default: roles on every response, teamRoles [] when in no team.
	d := start(t, Options{}, seedBasic)
	if r := d.do("GET", "/Users/"+p(d.userID("carol@example.com")), nil).want(t, 200); r.str("organizationRole") != "member" ||
		r.body["teamRoles"] == nil {
		t.Errorf("default GET: %s", r.raw)
	}
}

func TestIgnoreExternalID(t *testing.T) {
	e := start(t, Options{IgnoreExternalID: true}, seedBasic)
	noExt := func(r resp) {
		t.Helper()
		if _, ok := r.body["externalId"]; ok {
			t.Errorf("externalId returned: %s", r.raw)
		}
	}
	dan := "/Users/" + p(e.userID("dan@example.com"))
	r := e.do("GET", dan, nil).want(t, 200)
	noExt(r)
	tag := r.header.Get("ETag")
	r = e.do("PATCH", dan, patchOps(op("replace", "externalId", "00u-new"))).want(t, 200)
	noExt(r)
	if r.header.Get("ETag") != tag {
		t.Error("an ignored externalId changed the user")
	}
	noExt(e.do("PATCH", dan, patchOps(op("replace", "", map[string]any{"externalId": "x", "displayName": "D"}))).want(t, 200))
	noExt(e.do("PATCH", dan, patchOps(op("remove", "externalId", nil))).want(t, 200))
	body := newUser("erin@example.com")
	body["externalId"] = "00u-erin"
	noExt(e.do("POST", "/Users", body).want(t, 201))
	noExt(e.do("GET", "/Users/"+p(e.userID("erin@example.com")), nil).want(t, 200))
	for _, u := range e.srv.Snapshot().Users {
		if u.ExternalID != "" {
			t.Errorf("externalId stored: %+v", u)
		}
	}
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time    { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time)   { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func metaOf(r resp) map[string]any { return r.body["meta"].(map[string]any) }

func TestMetaTimes(t *testing.T) {
	t0 := time.Date(2026, 5, 4, 10, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	c := &clock{t: t0}
	e := start(t, Options{Now: c.now}, `{"users": [
	  {"userName": "old@example.com", "created": "2024-03-01T09:00:00Z"},
	  {"userName": "new@example.com"}],
	 "teams": [{"name": "t", "created": "2023-01-02T03:04:05+01:00", "members": ["old@example.com"]}]}`)
	old, team := "/Users/"+p(e.userID("old@example.com")), "/Groups/"+p(e.teamID("t"))
	for path, want := range map[string]string{
		old: "2024-03-01T09:00:00Z",
		// Seeded without a date: a year before the clock (an existing
		// user, out of any grace period).
		"/Users/" + p(e.userID("new@example.com")): "2025-05-04T08:00:00Z",
		team: "2023-01-02T02:04:05Z",
	} {
		m := metaOf(e.do("GET", path, nil).want(t, 200))
		if m["created"] != want || m["lastModified"] != want {
			t.Errorf("%s: meta %v, want created and lastModified %s", path, m, want)
		}
	}
	c.set(t0.Add(time.Hour))
	e.do("PATCH", old, patchOps(op("replace", "displayName", "Old"))).want(t, 200)
	if m := metaOf(e.do("GET", old, nil)); m["created"] != "2024-03-01T09:00:00Z" || m["lastModified"] != "2026-05-04T09:00:00Z" {
		t.Errorf("after PATCH: %v", m)
	}
	c.set(t0.Add(2 * time.Hour))
	e.do("PATCH", team, patchOps(op("add", "members", members("new@example.com")))).want(t, 200)
	if m := metaOf(e.do("GET", team, nil)); m["lastModified"] != "2026-05-04T10:00:00Z" {
		t.Errorf("team after a membership change: %v", m)
	}
	// Create responses carry created but no lastModified; a GET has both.
	c.set(t0.Add(3 * time.Hour))
	r := e.do("POST", "/Users", newUser("erin@example.com")).want(t, 201)
	if m := metaOf(r); m["created"] != "2026-05-04T11:00:00Z" || m["lastModified"] != nil {
		t.Errorf("user create meta: %v", m)
	}
	if m := metaOf(e.do("GET", "/Users/"+p(r.str("id")), nil)); m["lastModified"] != "2026-05-04T11:00:00Z" {
		t.Errorf("GET after create: %v", m)
	}
	g := e.do("POST", "/Groups", map[string]any{"displayName": "vision"}).want(t, 201)
	if m := metaOf(g); m["created"] != "2026-05-04T11:00:00Z" || m["lastModified"] != nil {
		t.Errorf("group create meta: %v", m)
	}
	if _, err := ParseState(strings.NewReader(`{"users": [{"userName": "a@x.io", "created": "yesterday"}]}`)); err == nil {
		t.Error("a created that is not RFC 3339 was accepted")
	}
}

// W&B documents teamRoles as a one-object array: two entries in one
// operation are refused, and nothing changes.
func TestTeamRolesOneEntry(t *testing.T) {
	e := start(t, Options{}, seedBasic)
	bob := "/Users/" + p(e.userID("bob@example.com"))
	before := teamRoles(e.do("GET", bob, nil).want(t, 200).body)
	e.do("PATCH", bob, patchOps(op("replace", "teamRoles", []map[string]string{
		{"teamName": "data-eng", "roleName": "admin"}, {"teamName": "ml-research", "roleName": "admin"}}))).want(t, 400)
	if after := teamRoles(e.do("GET", bob, nil).want(t, 200).body); !maps.Equal(before, after) {
		t.Fatalf("team roles changed by a refused PATCH: %v → %v", before, after)
	}
}

// TestOmitCreated: with OmitCreated no User response says when the user
// was created (GET, list, create, PATCH); Groups keep meta.created, and by
// default Users carry it.
func TestOmitCreated(t *testing.T) {
	created := func(u map[string]any) (any, bool) {
		m, _ := u["meta"].(map[string]any)
		v, ok := m["created"]
		return v, ok
	}
	e := start(t, Options{OmitCreated: true}, seedBasic)
	bob := "/Users/" + p(e.userID("bob@example.com"))
	users := append(e.do("GET", "/Users", nil).want(t, 200).list(), e.do("GET", bob, nil).want(t, 200).body,
		e.do("POST", "/Users", newUser("erin@example.com")).want(t, 201).body,
		e.do("PATCH", bob, patchOps(op("replace", "displayName", "B"))).want(t, 200).body)
	for _, u := range users {
		if v, ok := created(u); ok {
			t.Errorf("%v carries meta.created %v", u["userName"], v)
		}
	}
	for _, g := range e.do("GET", "/Groups", nil).want(t, 200).list() {
		if _, ok := created(g); !ok {
			t.Errorf("group %v lacks meta.created", g["displayName"])
		}
	}
	d := start(t, Options{}, seedBasic)
	if _, ok := created(d.do("GET", "/Users/"+p(d.userID("bob@example.com")), nil).want(t, 200).body); !ok {
		t.Error("default GET lacks meta.created")
	}
}
