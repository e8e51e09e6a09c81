package observed

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"go.uber.org/zap/zaptest"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/scim"
)

// listServer serves users and groups, each list as one page, as JSON
// resources written out by hand (so that a group can lack its members key).
func listServer(t *testing.T, users, groups []string) *scim.Client {
	t.Helper()
	c, _ := groupServer(t, users, groups, nil)
	return c
}

// groupServer is listServer that also answers GET /Groups/{id} with
// alone[id] (404 when absent), and returns the paths it was asked.
func groupServer(t *testing.T, users, groups []string, alone map[string]string) (*scim.Client, func() []string) {
	t.Helper()
	return groupServerStatus(t, users, groups, alone, nil)
}

// groupServerStatus is groupServer whose answer to GET /Groups/{id} has
// the status status[id] (200 when absent).
func groupServerStatus(t *testing.T, users, groups []string, alone map[string]string, status map[string]int) (*scim.Client, func() []string) {
	t.Helper()
	var (
		mu    sync.Mutex
		paths []string
	)
	page := func(w http.ResponseWriter, rs []string) {
		w.Header().Set("Content-Type", "application/scim+json")
		fmt.Fprintf(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":%d,"startIndex":1,"itemsPerPage":%d,"Resources":[%s]}`,
			len(rs), len(rs), strings.Join(rs, ","))
	}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		switch r.URL.Path {
		case "/scim/Users":
			page(w, users)
		case "/scim/Groups":
			page(w, groups)
		default:
			id := strings.TrimPrefix(r.URL.Path, "/scim/Groups/")
			g, ok := alone[id]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/scim+json")
			if code, ok := status[id]; ok {
				w.WriteHeader(code)
			}
			io.WriteString(w, g)
		}
	}))
	t.Cleanup(hs.Close)
	c, err := scim.New(scim.Config{BaseURL: hs.URL + "/scim", APIKey: testKey, RateLimit: -1, ReadOnly: true,
		MaxElapsed: 5 * time.Second, Logger: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return c, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(paths)
	}
}

// A server without teamRoles that lists its groups without their members
// (RFC 7644 lets a list leave out what a read of the group returns) has
// each such group read alone, and its members are the team's: taken as
// empty, the team would have every member added again on every run and
// none removed. A group read alone without members is empty; a read that
// fails fails the read. A server that sends teamRoles, even empty (W&B,
// which leaves the key out of an empty team), is not asked.
func TestGroupsListedWithoutMembersAreReadAlone(t *testing.T) {
	generic := func(id, name string) string {
		return fmt.Sprintf(`{"id":%q,"userName":%q,"active":true,"emails":[{"value":%q,"primary":true}]}`, id, name, name)
	}
	users := []string{generic("u1", "alice@example.com"), generic("u2", "bob@example.com")}
	groups := []string{`{"id":"g1","displayName":"ml"}`, `{"id":"g2","displayName":"cv"}`, `{"id":"g3","displayName":"full"}`}
	alone := map[string]string{
		"g1": `{"id":"g1","displayName":"ml","members":[{"value":"u1","display":"alice"},{"value":"u2"}]}`,
		"g2": `{"id":"g2","displayName":"cv"}`,
		"g3": `{"id":"g3","displayName":"full","members":[{"value":"u2"}]}`,
	}
	members := func(st model.State) map[string][]string {
		out := map[string][]string{}
		for _, tm := range st.Teams {
			out[tm.Name] = []string{}
			for _, m := range tm.Members {
				out[tm.Name] = append(out[tm.Name], m.Email)
			}
		}
		return out
	}
	c, asked := groupServer(t, users, groups, alone)
	st, _, err := Fetch(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"ml": {"alice@example.com", "bob@example.com"}, "cv": {}, "full": {"bob@example.com"}}
	if diff := cmp.Diff(want, members(st)); diff != "" {
		t.Errorf("teams (-want +got):\n%s", diff)
	}
	got := asked()
	slices.Sort(got)
	if diff := cmp.Diff([]string{"/scim/Groups", "/scim/Groups/g1", "/scim/Groups/g2", "/scim/Groups/g3", "/scim/Users"}, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}

	// The whole-lists path reads them too.
	fl := &groupFakeLister{fakeLister: fakeLister{
		users:  []scim.User{{ID: "u1", UserName: "alice@example.com", Active: true}},
		groups: []scim.Group{{ID: "g1", DisplayName: "ml", MembersAbsent: true}},
	}, alone: map[string]scim.Group{"g1": {ID: "g1", DisplayName: "ml", Members: []scim.GroupMember{{Value: "u1"}}}}}
	if st, _, err := Fetch(context.Background(), fl); err != nil || len(st.Teams) != 1 || len(st.Teams[0].Members) != 1 {
		t.Errorf("whole lists: teams %+v, err %v; want ml with alice", st.Teams, err)
	}

	// A server that lists some group's members lists every non-empty
	// one's (W&B leaves the key out of an empty team): nothing read alone.
	listed := []string{groups[0], groups[1], `{"id":"g3","displayName":"full","members":[{"value":"u2"}]}`}
	c, asked = groupServer(t, users, listed, alone)
	if st, _, err = Fetch(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string][]string{"ml": {}, "cv": {}, "full": {"bob@example.com"}}, members(st)); diff != "" || len(asked()) != 2 {
		t.Errorf("a group listed with members: asked %v, teams (-want +got):\n%s", asked(), diff)
	}

	// A group that cannot be read alone fails the read.
	c, _ = groupServer(t, users, groups, map[string]string{"g1": alone["g1"], "g3": alone["g3"]})
	if _, _, err := Fetch(context.Background(), c); err == nil || !strings.Contains(err.Error(), "read team id g2: GET /scim/Groups/g2: 404") {
		t.Errorf("a group not read alone: err %v", err)
	}
	// An answer about another group fails it too.
	c, _ = groupServer(t, users, groups, map[string]string{"g1": alone["g1"], "g2": `{"id":"g9","displayName":"cv"}`, "g3": alone["g3"]})
	if _, _, err := Fetch(context.Background(), c); err == nil || !strings.Contains(err.Error(), "describes another team") {
		t.Errorf("another group's answer: err %v", err)
	}

	// teamRoles present, even empty: W&B's empty team; nothing read alone.
	wb := []string{strings.Replace(users[0], `"active":true`, `"active":true,"teamRoles":[]`, 1), users[1]}
	c, asked = groupServer(t, wb, listed, alone)
	if st, _, err = Fetch(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string][]string{"ml": {}, "cv": {}, "full": {"bob@example.com"}}, members(st)); diff != "" {
		t.Errorf("with teamRoles: teams (-want +got):\n%s", diff)
	}
	if got := asked(); len(got) != 2 {
		t.Errorf("with teamRoles: asked %v, want the two lists only", got)
	}
}

// A server whose users carry teamRoles but whose group list leaves every
// group's members out, giving them on GET /Groups/{id}: the groups an
// active user names are read alone, and their members are the teams';
// one that comes without members again is refused as listed; a group no
// one names (W&B's empty team) is not asked for.
func TestNamedGroupsListedWithoutMembersAreReadAlone(t *testing.T) {
	user := func(id, name string, teams ...string) string {
		roles := make([]string, len(teams))
		for i, tm := range teams {
			roles[i] = fmt.Sprintf(`{"teamName":%q,"roleName":"member"}`, tm)
		}
		return fmt.Sprintf(`{"id":%q,"userName":%q,"active":true,"emails":[{"value":%q,"primary":true}],"teamRoles":[%s]}`, id, name, name, strings.Join(roles, ","))
	}
	users := []string{user("u1", "alice@example.com", "ml"), user("u2", "bob@example.com", "ml", "cv")}
	groups := []string{`{"id":"g1","displayName":"ml"}`, `{"id":"g2","displayName":"cv"}`, `{"id":"g3","displayName":"empty"}`}
	alone := map[string]string{
		"g1": `{"id":"g1","displayName":"ml","members":[{"value":"u1"},{"value":"u2"}]}`,
		"g2": `{"id":"g2","displayName":"cv","members":[{"value":"u2"}]}`,
		"g3": `{"id":"g3","displayName":"empty","members":[{"value":"u1"}]}`, // never asked
	}
	c, asked := groupServer(t, users, groups, alone)
	st, _, err := Fetch(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, tm := range st.Teams {
		got[tm.Name] = len(tm.Members)
	}
	if diff := cmp.Diff(map[string]int{"ml": 2, "cv": 1, "empty": 0}, got); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	if slices.Contains(asked(), "/scim/Groups/g3") || !slices.Contains(asked(), "/scim/Groups/g1") {
		t.Errorf("asked %v: want the named groups read alone, not the empty one", asked())
	}
	// Read alone without members again, or not at all: refused, as when
	// listed so, saying what the read alone gave.
	alone["g2"] = `{"id":"g2","displayName":"cv"}`
	c, _ = groupServer(t, users, groups, alone)
	if _, _, err := Fetch(context.Background(), c); err == nil || !strings.Contains(err.Error(), `team "cv" (id g2) is listed without a members key, though bob@example.com`) ||
		!strings.Contains(err.Error(), "; read alone (GET /Groups/{id}), it came without members too") {
		t.Errorf("a named group without members alone too: err %v", err)
	}
	delete(alone, "g2")
	c, _ = groupServer(t, users, groups, alone)
	if _, _, err := Fetch(context.Background(), c); err == nil || !strings.Contains(err.Error(), "; read alone (GET /Groups/{id}), it failed: read team id g2: GET /scim/Groups/g2: 404") {
		t.Errorf("a named group that cannot be read alone: err %v", err)
	}
	// A read alone the server fails otherwise (not a 404: it serves such
	// reads) fails the read with what it answered, not as a list that
	// left members out.
	alone["g2"] = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","detail":"bad group"}`
	c, _ = groupServerStatus(t, users, groups, alone, map[string]int{"g2": http.StatusBadRequest})
	if _, _, err := Fetch(context.Background(), c); err == nil || !strings.HasPrefix(err.Error(), "read team id g2: GET /scim/Groups/g2: 400") {
		t.Errorf("a read alone refused 400: err %v", err)
	}
}

// groupFakeLister is a fakeLister that reads a group alone.
type groupFakeLister struct {
	fakeLister
	alone map[string]scim.Group
}

func (f *groupFakeLister) GetGroup(_ context.Context, id string) (scim.Group, error) {
	g, ok := f.alone[id]
	if !ok {
		return scim.Group{}, fmt.Errorf("no group %s", id)
	}
	return g, nil
}

// A team listed without a members key while an active user names it in its
// teamRoles (its name compared ignoring case) is not read as empty: the
// read fails, naming the team and the user. A team no active user names,
// one whose key is null, and one whose name another team shares, even
// ignoring case, read as before.
func TestTeamListedWithoutMembers(t *testing.T) {
	user := func(id, name string, active bool, teams ...string) string {
		roles := make([]string, len(teams))
		for i, tm := range teams {
			roles[i] = fmt.Sprintf(`{"teamName":%q,"roleName":"member"}`, tm)
		}
		return fmt.Sprintf(`{"id":%q,"userName":%q,"active":%t,"emails":[{"value":%q,"primary":true}],"organizationRole":"member","teamRoles":[%s]}`,
			id, name, active, name, strings.Join(roles, ","))
	}
	for _, tc := range []struct {
		name          string
		users, groups []string
		err           string // "" when the read succeeds
	}{
		{"named by an active user", []string{user("u1", "alice@example.com", true, "ml"), user("u2", "bob@example.com", true, "ml", "cv")},
			[]string{`{"id":"g1","displayName":"ml"}`, `{"id":"g2","displayName":"cv"}`, `{"id":"g3","displayName":"empty"}`},
			`read teams: team "cv" (id g2) is listed without a members key, though bob@example.com, an active user, names it in its teamRoles (and 1 other team(s) so listed); read alone (GET /Groups/{id}), it failed: read team id g2: GET /scim/Groups/g2: 404`},
		{"named by an inactive user only", []string{user("u1", "alice@example.com", false, "ml")},
			[]string{`{"id":"g1","displayName":"ml"}`}, ""},
		{"named by no one", []string{user("u1", "alice@example.com", true)},
			[]string{`{"id":"g1","displayName":"ml"}`}, ""},
		{"members null", []string{user("u1", "alice@example.com", true, "ml")},
			[]string{`{"id":"g1","displayName":"ml","members":null}`}, ""},
		{"a shared name", []string{user("u1", "alice@example.com", true, "ml")},
			[]string{`{"id":"g1","displayName":"ml"}`, `{"id":"g2","displayName":"ml","members":[{"value":"u1"}]}`}, ""},
		{"a name shared ignoring case", []string{user("u1", "alice@example.com", true, "ml")},
			[]string{`{"id":"g1","displayName":"ml"}`, `{"id":"g2","displayName":"ML","members":[{"value":"u1"}]}`}, ""},
		{"named in another case", []string{user("u1", "alice@example.com", true, "ML")},
			[]string{`{"id":"g1","displayName":"ml"}`},
			`read teams: team "ml" (id g1) is listed without a members key, though alice@example.com, an active user, names it in its teamRoles; read alone (GET /Groups/{id}), it failed: read team id g1: GET /scim/Groups/g1: 404`},
		{"listed with members", []string{user("u1", "alice@example.com", true, "ml")},
			[]string{`{"id":"g1","displayName":"ml","members":[{"value":"u1"}]}`}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, _, err := Fetch(context.Background(), listServer(t, tc.users, tc.groups))
			wantRead(t, st, err, tc.err)
		})
	}
}

// The same through a Lister that hands over whole lists (Fetch's other
// path): the group's MembersAbsent is what the check reads.
func TestTeamListedWithoutMembersWholeLists(t *testing.T) {
	users := []scim.User{{ID: "u1", UserName: "alice@example.com", Active: true, TeamRoles: []scim.TeamRole{{TeamName: "ml", RoleName: "admin"}}}}
	for _, absent := range []bool{false, true} {
		_, _, err := Fetch(context.Background(), &fakeLister{users: users, groups: []scim.Group{{ID: "g1", DisplayName: "ml", MembersAbsent: absent}}})
		if (err != nil) != absent {
			t.Fatalf("MembersAbsent %t: err %v", absent, err)
		}
	}
}

// A team that reads as empty, listed and read alone, while an active
// user's groups attribute (RFC 7643) names it by id is not taken as empty:
// the server keeps memberships on its users, and the plan would add
// members the team has and remove none (export would write members: []).
// The read fails, naming the team and the user. A team whose members come,
// one an inactive user names, and one named by no one read as before.
func TestEmptyTeamNamedInGroups(t *testing.T) {
	user := func(id, name string, active bool, groups ...string) string {
		refs := make([]string, len(groups))
		for i, g := range groups {
			refs[i] = fmt.Sprintf(`{"value":%q,"display":"x"}`, g)
		}
		return fmt.Sprintf(`{"id":%q,"userName":%q,"active":%t,"emails":[{"value":%q,"primary":true}],"groups":[%s]}`,
			id, name, active, name, strings.Join(refs, ","))
	}
	groups := []string{`{"id":"g1","displayName":"ml"}`, `{"id":"g2","displayName":"cv"}`}
	emptyAlone := map[string]string{"g1": `{"id":"g1","displayName":"ml"}`, "g2": `{"id":"g2","displayName":"cv","members":[]}`}
	for _, tc := range []struct {
		name   string
		users  []string
		groups []string
		alone  map[string]string
		err    string // "" when the read succeeds
	}{
		{"empty alone too, named", []string{user("u1", "alice@example.com", true, "g2"), user("u2", "bob@example.com", true, "g1", "g2")}, groups, emptyAlone,
			`read teams: team "cv" (id g2) reads as empty, though alice@example.com, an active user, names it in its groups (and 1 other team(s) so read): `},
		{"listed empty, named", []string{user("u1", "alice@example.com", true, "g1")}, []string{`{"id":"g1","displayName":"ml","members":[]}`}, nil,
			`read teams: team "ml" (id g1) reads as empty, though alice@example.com, an active user, names it in its groups: `},
		{"members read alone", []string{user("u1", "alice@example.com", true, "g1")}, groups[:1],
			map[string]string{"g1": `{"id":"g1","displayName":"ml","members":[{"value":"u1"}]}`}, ""},
		{"named by an inactive user only", []string{user("u1", "alice@example.com", false, "g1")}, groups, emptyAlone, ""},
		{"named by no one", []string{user("u1", "alice@example.com", true, "g9")}, groups, emptyAlone, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := groupServer(t, tc.users, tc.groups, tc.alone)
			st, _, err := Fetch(context.Background(), c)
			wantRead(t, st, err, tc.err)
		})
	}
}

// wantRead checks a read's outcome: it succeeds when want is "", else it
// fails with an error starting with want.
func wantRead(t *testing.T, st model.State, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("read failed: %v", err)
	case want != "" && err == nil:
		t.Fatalf("read succeeded with teams %+v; want an error", st.Teams)
	case want != "" && !strings.HasPrefix(err.Error(), want):
		t.Fatalf("error:\n%v\nwant it to start:\n%s", err, want)
	}
}

// TestGroupReadAloneNamedOtherwise: a group read alone whose answer names
// another team than the list did (a server answering with another team's
// record) fails the read: its members are not the listed team's. A team
// names itself exactly (two live teams may differ only in case,
// team_name_case), so a name that differs in case or blanks alone is not
// the listed team either.
func TestGroupReadAloneNamedOtherwise(t *testing.T) {
	users := []string{`{"id":"u1","userName":"alice@example.com","active":true}`}
	for name, want := range map[string]string{
		"\\u001b[31mml": `team "ml" (id g1), read alone (GET /Groups/{id}), is named "\\x1b[31mml" there: the server's answers disagree`,
		"ML":            "the server's answers disagree",
		"ml ":           "the server's answers disagree",
	} {
		alone := map[string]string{"g1": `{"id":"g1","displayName":"` + name + `","members":[{"value":"u1"}]}`}
		c, _ := groupServer(t, users, []string{`{"id":"g1","displayName":"ml"}`}, alone)
		if _, _, err := Fetch(context.Background(), c); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("alone as %q: err = %v", name, err)
		}
	}
}
