package observed

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/wbsync/wbsync/pkg/scim"
)

// listServer serves users and groups, each list as one page, as JSON
// resources written out by hand (so that a group can lack its members key).
func listServer(t *testing.T, users, groups []string) *scim.Client {
	t.Helper()
	page := func(w http.ResponseWriter, rs []string) {
		w.Header().Set("Content-Type", "application/scim+json")
		fmt.Fprintf(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":%d,"startIndex":1,"itemsPerPage":%d,"Resources":[%s]}`,
			len(rs), len(rs), strings.Join(rs, ","))
	}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/scim/Users":
			page(w, users)
		case "/scim/Groups":
			page(w, groups)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(hs.Close)
	c, err := scim.New(scim.Config{BaseURL: hs.URL + "/scim", APIKey: testKey, RateLimit: -1, ReadOnly: true,
		MaxElapsed: 5 * time.Second, Logger: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return c
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
			`read teams: team "cv" (id g2) is listed without a members key, though bob@example.com, an active user, names it in its teamRoles (and 1 other team(s) so listed)`},
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
			`read teams: team "ml" (id g1) is listed without a members key, though alice@example.com, an active user, names it in its teamRoles: `},
		{"listed with members", []string{user("u1", "alice@example.com", true, "ml")},
			[]string{`{"id":"g1","displayName":"ml","members":[{"value":"u1"}]}`}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, _, err := Fetch(context.Background(), listServer(t, tc.users, tc.groups))
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("read failed: %v", err)
			case tc.err != "" && err == nil:
				t.Fatalf("read succeeded with teams %+v; want an error", st.Teams)
			case tc.err != "" && !strings.HasPrefix(err.Error(), tc.err):
				t.Fatalf("error:\n%v\nwant it to start:\n%s", err, tc.err)
			}
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
