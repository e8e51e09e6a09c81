package emulator

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap/zaptest"
)

func TestTeamServiceAccounts(t *testing.T) {
	e := start(t, Options{ServiceAccounts: 1, TeamServiceAccounts: 2}, seedBasic)
	group := func(name string) map[string]any {
		return e.do("GET", "/Groups/"+p(e.teamID(name)), nil).want(t, 200).body
	}
	platform := memberValues(group("platform"))
	ml := memberValues(group("ml-research"))
	if len(platform) != 4 || len(ml) != 5 || platform[0] != ml[0] || platform[3] != e.userID("dan@example.com") {
		t.Fatalf("platform %v, ml-research %v: want the org account, two of the team's own, then the users", platform, ml)
	}
	if platform[1] == ml[1] || platform[2] == ml[2] || platform[1] == platform[2] {
		t.Errorf("team service accounts are not distinct per team: %v %v", platform, ml)
	}
	var displays []string
	for _, m := range group("platform")["members"].([]any) {
		displays = append(displays, m.(map[string]any)["display"].(string))
	}
	if !slices.Equal(displays[1:3], []string{"platform-service-account-1", "platform-service-account-2"}) {
		t.Errorf("displays = %v", displays)
	}
	if n := len(e.do("GET", "/Users", nil).list()); n != 4 {
		t.Errorf("%d users listed: service accounts are not users", n)
	}
	e.do("GET", "/Users/"+p(platform[1]), nil).wantError(t, 404, "not found")
	team := "/Groups/" + p(e.teamID("platform"))
	e.do("PATCH", team, patchOps(op("remove", `members[value eq "`+platform[1]+`"]`, nil))).wantError(t, 400, "work for users only")
	r := e.do("PATCH", team, patchOps(op("remove", "members", nil))).want(t, 200)
	if got := memberValues(r.body); !slices.Equal(got, platform[:3]) {
		t.Errorf("after a bare remove: %v, want the service accounts %v", got, platform[:3])
	}
	e.do("PUT", team, map[string]any{"displayName": "platform", "members": []any{}}).want(t, 200)
	r = e.do("POST", "/Groups", map[string]any{"displayName": "vision"}).want(t, 201)
	vision := memberValues(r.body)
	if len(vision) != 3 || vision[0] != platform[0] || slices.Contains(platform, vision[1]) || slices.Contains(ml, vision[2]) {
		t.Errorf("created team members = %v", vision)
	}
	for _, tm := range e.srv.Snapshot().Teams {
		if tm.Name == "vision" && len(tm.Members) != 0 {
			t.Errorf("snapshot lists service accounts: %+v", tm)
		}
	}
}

// bigOrg is an organization of n users and no team.
func bigOrg(n int) *State {
	st := &State{}
	for i := 0; i < n; i++ {
		st.Users = append(st.Users, StateUser{UserName: fmt.Sprintf("u%05d@example.com", i), Active: true})
	}
	return st
}

func TestWandbPaging(t *testing.T) {
	e := start(t, Options{WandbPaging: true}, seedUsers(25))
	r := e.do("GET", "/Users?startIndex=21&count=10", nil).want(t, 200)
	if len(r.list()) != 5 || r.body["itemsPerPage"] != 9999.0 || r.body["totalResults"] != 25.0 || r.body["startIndex"] != 21.0 {
		t.Errorf("page of 5: %d resources, %s", len(r.list()), r.raw[:200])
	}
	if r := e.do("GET", "/Groups", nil).want(t, 200); r.body["itemsPerPage"] != 9999.0 || len(r.list()) != 0 {
		t.Errorf("empty list: %s", r.raw)
	}
	for _, tc := range []struct {
		name  string
		opts  Options
		query string
		n     int
		per   float64
	}{
		{"count above the cap", Options{WandbPaging: true}, "?count=20000", 9999, 9999},
		{"ignore count too", Options{WandbPaging: true, IgnoreCount: true}, "?count=20000", 9999, 9999},
		{"ignore count alone returns all", Options{IgnoreCount: true}, "", 10001, 10001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := startState(t, tc.opts, bigOrg(10001))
			req, _ := http.NewRequest("GET", e.base+"/Users"+tc.query, nil)
			req.Header.Set("Authorization", e.auth)
			res, err := e.hs.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var page struct { // lighter than a generic decode of 10,000 users
				TotalResults, ItemsPerPage float64
				Resources                  []json.RawMessage
			}
			if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
				t.Fatal(err)
			}
			if len(page.Resources) != tc.n || page.ItemsPerPage != tc.per || page.TotalResults != 10001 {
				t.Errorf("%d resources, itemsPerPage %v, totalResults %v", len(page.Resources), page.ItemsPerPage, page.TotalResults)
			}
		})
	}
}

func TestOmitEmptyMembers(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		e := start(t, Options{OmitEmptyMembers: true, LegacyShapes: legacy}, seedBasic)
		for _, g := range e.do("GET", "/Groups", nil).want(t, 200).list() {
			_, has := g["members"]
			if empty := g["displayName"] == "data-eng" && g["id"] == e.srv.Snapshot().Teams[1].ID; has == empty {
				t.Errorf("legacy=%v: %v has members key %v", legacy, g["displayName"], has)
			}
		}
		r := e.do("POST", "/Groups", map[string]any{"displayName": "vision"}).want(t, 201)
		if _, has := r.body["members"]; has {
			t.Errorf("legacy=%v: created empty team: %s", legacy, r.raw)
		}
	}
	// Service accounts make a team non-empty.
	e := start(t, Options{OmitEmptyMembers: true, ServiceAccounts: 1}, seedBasic)
	if r := e.do("POST", "/Groups", map[string]any{"displayName": "vision"}).want(t, 201); len(memberValues(r.body)) != 1 {
		t.Errorf("team with a service account: %s", r.raw)
	}
}

func TestMoreFaults(t *testing.T) {
	for _, tc := range []struct {
		fault      string
		retryAfter time.Duration
		status     int
		headers    map[string]string // "" = must be absent
	}{
		{"429", 0, 429, map[string]string{"Retry-After": "1", "RateLimit-Reset": ""}},
		{"429", 2500 * time.Millisecond, 429, map[string]string{"Retry-After": "3"}},
		{"429-reset", 0, 429, map[string]string{"Retry-After": "", "RateLimit-Reset": "1", "RateLimit-Remaining": "0"}},
		{"429-reset", 4 * time.Second, 429, map[string]string{"Retry-After": "", "RateLimit-Reset": "4", "RateLimit-Remaining": "0"}},
		{"429-bare", 4 * time.Second, 429, map[string]string{"Retry-After": "", "RateLimit-Reset": "", "RateLimit-Remaining": ""}},
		{"502", 0, 502, map[string]string{"Retry-After": ""}},
		{"503", 0, 503, map[string]string{"Retry-After": ""}},
		{"503", 2 * time.Second, 503, map[string]string{"Retry-After": "2"}},
		{"504", 0, 504, map[string]string{"Retry-After": ""}},
	} {
		t.Run(fmt.Sprintf("%s %v", tc.fault, tc.retryAfter), func(t *testing.T) {
			e := start(t, Options{FaultRate: 1, Faults: []string{tc.fault}, RetryAfter: tc.retryAfter}, seedBasic)
			r := e.do("POST", "/Users", newUser("erin@example.com"))
			r.wantError(t, tc.status, "injected fault")
			for h, want := range tc.headers {
				if got := r.header.Get(h); got != want {
					t.Errorf("%s: %q, want %q", h, got, want)
				}
			}
			if len(e.srv.Snapshot().Users) != 4 {
				t.Error("a faulted create was applied")
			}
		})
	}
	run := func(seed int64) []int {
		e := start(t, Options{FaultRate: 0.6, Faults: []string{"429-reset", "502", "504"}, Seed: seed}, seedBasic)
		var codes []int
		for i := 0; i < 30; i++ {
			codes = append(codes, e.do("GET", "/Groups", nil).status)
		}
		return codes
	}
	a, b := run(11), run(11)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different faults:\n%v\n%v", a, b)
	}
	kinds := map[int]bool{}
	for _, c := range a {
		kinds[c] = true
	}
	if len(kinds) != 4 || !kinds[200] || !kinds[429] || !kinds[502] || !kinds[504] {
		t.Errorf("30 requests at rate 0.6 met %v", kinds)
	}
}

func TestBasePaths(t *testing.T) {
	for _, tc := range []struct {
		paths    string
		scim, v2 int
	}{{"", 200, 200}, {"both", 200, 200}, {"scim", 200, 404}, {"v2", 404, 200}} {
		e := start(t, Options{BasePaths: tc.paths}, seedBasic)
		for path, want := range map[string]int{"/Users": tc.scim, "/Groups": tc.scim, "/v2/Users": tc.v2, "/v2/Roles": tc.v2} {
			r := e.do("GET", path, nil)
			if want == 404 {
				r.wantError(t, 404, "no such endpoint")
			} else {
				r.want(t, want)
			}
		}
	}
	if _, err := New(Options{BasePaths: "v3"}, nil, zaptest.NewLogger(t)); err == nil {
		t.Error("base paths v3 accepted")
	}
}

// TestNameQuirks: a taken team name answered 400 (TakenTeamStatus), team
// names stored in lower case, and userNames taken outside the organization.
func TestNameQuirks(t *testing.T) {
	e := start(t, Options{TakenTeamNames: []string{"ml"}, TakenTeamStatus: 400, LowercaseTeamNames: true,
		TakenUserNames: []string{"Taken@Example.com"}}, seedBasic)
	e.do("POST", "/Groups", map[string]any{"displayName": "ML"}).wantError(t, 400, `team name "ml" is not available`)
	r := e.do("POST", "/Groups", map[string]any{"displayName": "Vision-Lab"})
	r.want(t, 201)
	if got := r.body["displayName"]; got != "vision-lab" {
		t.Errorf("created team named %v, want vision-lab", got)
	}
	e.do("POST", "/Users", newUser("taken@example.com")).wantError(t, 409, "is taken")
	e.do("POST", "/Users", newUser("free@example.com")).want(t, 201)
}

// TestBasicOnly: Bearer is refused (401) as before v0.79 on Dedicated and
// Self-Managed; Basic with the same key passes.
func TestBasicOnly(t *testing.T) {
	basic := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, apiKey := range []string{testKey, ""} {
		e := start(t, Options{APIKey: apiKey, BasicOnly: true}, seedBasic)
		e.auth = "Bearer " + testKey
		r := e.do("GET", "/Users", nil)
		r.wantError(t, 401, "Bearer authentication is not supported")
		if r.header.Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
		e.auth = basic(":" + testKey)
		e.do("GET", "/Users", nil).want(t, 200)
		e.auth = basic(":")
		e.do("GET", "/Users", nil).wantError(t, 401, "authentication failed")
	}
}

func TestForbiddenKeys(t *testing.T) {
	basic := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, apiKey := range []string{testKey, ""} {
		e := start(t, Options{APIKey: apiKey, TeamScopedKey: "team-key-1234", NonAdminKey: "user-key-5678"}, seedBasic)
		for _, tc := range []struct {
			auth   string
			status int
			detail string
		}{
			{"Bearer team-key-1234", 403, "Keys from team-scoped service accounts cannot authenticate to the SCIM API"},
			{basic(":team-key-1234"), 403, "team-scoped"},
			{"Bearer user-key-5678", 403, "insufficient permissions"},
			{basic("me:user-key-5678"), 403, "insufficient permissions"},
			{"Bearer " + testKey, 200, ""},
			{"", 401, "authentication failed"},
		} {
			e.auth = tc.auth
			r := e.do("GET", "/Users", nil)
			if tc.status == 200 {
				r.want(t, 200)
				continue
			}
			r.wantError(t, tc.status, tc.detail)
			if got := r.header.Get("WWW-Authenticate"); (tc.status == 401) != (got != "") {
				t.Errorf("%s: WWW-Authenticate %q", tc.auth, got)
			}
		}
		if apiKey != "" {
			e.auth = "Bearer other"
			e.do("GET", "/Users", nil).wantError(t, 401, "authentication failed")
		}
	}
}

// statsBody reads GET /_emulator/stats.
func statsBody(t *testing.T, e *env, path string) map[string]any {
	t.Helper()
	res, err := http.Get(e.hs.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("stats %q: %v", raw, err)
	}
	return out
}

// TestSaaSCreateRestoresRemoved: on saas a seeded inactive user stands
// for one a deactivation removed; a create of that userName restores them
// (a new id, active), where a reactivation is refused, as on W&B.
func TestSaaSCreateRestoresRemoved(t *testing.T) {
	e := start(t, Options{Deployment: DeploymentSaaS}, seedBasic)
	old := e.userID("carol@example.com")
	e.do("PATCH", "/Users/"+p(old), patchOps(op("replace", "", map[string]any{"active": true}))).wantError(t, 400, "reactivation")
	r := e.do("POST", "/Users", newUser("carol@example.com")).want(t, 201)
	if id := r.body["id"]; id == old || r.body["active"] != true {
		t.Fatalf("restored carol: id %v (was %s), active %v", id, old, r.body["active"])
	}
	if id := e.userID("carol@example.com"); id == old {
		t.Fatalf("carol listed with her old id %s", id)
	}
	// An active user's userName is still taken.
	e.do("POST", "/Users", newUser("alice@example.com")).wantError(t, 409, "already exists")
	// On dedicated an inactive user is reactivated, not created again.
	d := start(t, Options{}, seedBasic)
	d.do("POST", "/Users", newUser("carol@example.com")).wantError(t, 409, "already exists")
	// A create refused for another reason (no seat left) restores nothing
	// and removes nothing.
	f := start(t, Options{Deployment: DeploymentSaaS, SeatLimit: 3}, seedBasic)
	old = f.userID("carol@example.com")
	f.do("POST", "/Users", newUser("carol@example.com")).wantError(t, 400, "Seat limit reached")
	if id := f.userID("carol@example.com"); id != old {
		t.Fatalf("a refused create replaced carol: id %s, was %s", id, old)
	}
}

// TestStatsShape: /_emulator/stats is exactly SPEC's object: requests
// by method and faults, nothing else.
func TestStatsShape(t *testing.T) {
	e := start(t, Options{}, seedBasic)
	e.do("GET", "/Users", nil).want(t, 200)
	st := statsBody(t, e, "/_emulator/stats")
	if len(st) != 2 || st["faults"] != float64(0) {
		t.Fatalf("stats %v: want only requests and faults", st)
	}
	req, _ := st["requests"].(map[string]any)
	if len(req) != 5 || req["GET"] != float64(1) {
		t.Fatalf("stats requests %v: want the five methods, one GET", req)
	}
}

func TestSeatsEndpoint(t *testing.T) {
	seats := func(e *env) float64 { return statsBody(t, e, "/_emulator/seats")["active_users"].(float64) }
	deactivate := func(e *env, name string, active bool) resp {
		return e.do("PATCH", "/Users/"+p(e.userID(name)), patchOps(op("replace", "", map[string]any{"active": active})))
	}
	// alice, bob and dan are active, carol is not.
	e := start(t, Options{SeatLimit: 3}, seedBasic)
	if got := seats(e); got != 3 || e.srv.ActiveUsers() != 3 {
		t.Fatalf("active_users = %v", got)
	}
	e.do("POST", "/Users", newUser("erin@example.com")).wantError(t, 400, "Seat limit reached")
	deactivate(e, "bob@example.com", false).want(t, 200) // frees a seat
	if got := seats(e); got != 2 {
		t.Errorf("after deactivation: %v", got)
	}
	e.do("POST", "/Users", newUser("erin@example.com")).want(t, 201)
	deactivate(e, "bob@example.com", true).wantError(t, 400, "Seat limit reached") // reactivation takes one
	deactivate(e, "erin@example.com", false).want(t, 200)
	deactivate(e, "bob@example.com", true).want(t, 200)
	if got := seats(e); got != 3 {
		t.Errorf("after reactivation: %v", got)
	}
	saas := start(t, Options{Deployment: "saas", SeatLimit: 3}, seedBasic)
	deactivate(saas, "bob@example.com", false).want(t, 200) // removed from the org
	saas.do("POST", "/Users", newUser("erin@example.com")).want(t, 201)
	if got := seats(saas); got != 3 {
		t.Errorf("saas seats: %v", got)
	}
}

func TestRegisterFidelityFlags(t *testing.T) {
	var o Options
	fs := flag.NewFlagSet("emulate", flag.ContinueOnError)
	o.RegisterFlags(fs)
	err := fs.Parse([]string{"--handles", "--extra-emails", "--omit-roles", "--omit-created", "--ignore-external-id", "--no-roles-endpoint",
		"--check-roles", "--team-service-accounts", "3", "--wandb-paging", "--omit-empty-members", "--retry-after", "5s",
		"--base-paths", "v2", "--team-scoped-key", "tk", "--non-admin-key", "nk", "--basic-only", "--taken-team-status", "400",
		"--taken-user-names", "a, b", "--lowercase-team-names", "--faults", "429-reset,429-bare,502,504"})
	if err != nil {
		t.Fatal(err)
	}
	want := Options{Deployment: "dedicated", Handles: true, ExtraEmails: true, OmitRoles: true, OmitCreated: true, IgnoreExternalID: true,
		NoRolesEndpoint: true, CheckRoles: true, TeamServiceAccounts: 3, WandbPaging: true, OmitEmptyMembers: true,
		RetryAfter: 5 * time.Second, BasePaths: "v2", TeamScopedKey: "tk", NonAdminKey: "nk", BasicOnly: true, TakenTeamStatus: 400,
		TakenUserNames: []string{"a", "b"}, LowercaseTeamNames: true,
		Faults: []string{"429-reset", "429-bare", "502", "504"}}
	if diff := cmp.Diff(want, o); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
	var help strings.Builder
	fs.SetOutput(&help)
	fs.PrintDefaults()
	for _, name := range []string{"handles", "extra-emails", "omit-roles", "omit-created", "ignore-external-id", "no-roles-endpoint",
		"check-roles", "team-service-accounts", "wandb-paging", "omit-empty-members", "retry-after", "base-paths",
		"team-scoped-key", "non-admin-key", "basic-only", "taken-team-status", "taken-user-names", "lowercase-team-names"} {
		if !strings.Contains(help.String(), "-"+name) {
			t.Errorf("flag help lacks --%s", name)
		}
	}
	for _, bad := range []Options{{TeamServiceAccounts: -1}, {RetryAfter: -time.Second}, {Faults: []string{"429-soft"}}, {TakenTeamStatus: 500}} {
		if _, err := New(bad, nil, zaptest.NewLogger(t)); err == nil {
			t.Errorf("New(%+v) accepted", bad)
		}
	}
}
