package observed

// The client matrix: the SCIM client reads the same organization from the
// emulator in every quirk mode and both deployments, and Fetch gives the same
// state each time (compared with go-cmp), equal to what was seeded.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap/zaptest"

	"github.com/wbsync/wbsync/pkg/emulator"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/scim"
)

const matrixUsers = 230

// matrixSeed is an org with enough users that paging matters, inactive
// users, admins, emails that differ from the userName, custom and admin team
// roles, an empty team and two teams sharing a name.
func matrixSeed() []byte {
	type member struct {
		UserName string `json:"userName"`
		Role     string `json:"role,omitempty"`
	}
	type team struct {
		Name    string   `json:"name"`
		Members []member `json:"members"`
	}
	var users []map[string]any
	for i := range matrixUsers {
		u := map[string]any{"userName": fmt.Sprintf("user%03d@example.com", i), "active": i%13 != 0}
		if i%17 == 0 {
			u["email"] = fmt.Sprintf("alias%03d@corp.example.com", i)
		}
		if i%3 == 0 {
			u["displayName"] = fmt.Sprintf("User %d", i)
		}
		if i%4 == 0 {
			u["externalId"] = fmt.Sprintf("00u%06d", i)
		}
		if i%29 == 0 {
			u["organizationRole"] = "admin"
		}
		users = append(users, u)
	}
	var teams []team
	for k := range 8 {
		t := team{Name: fmt.Sprintf("team-%c", 'a'+k), Members: []member{}}
		for i := range matrixUsers {
			if i%(k+2) != 0 {
				continue
			}
			m := member{UserName: fmt.Sprintf("user%03d@example.com", i)}
			switch {
			case i%5 == 0:
				m.Role = "admin"
			case i%11 == 0:
				m.Role = "Reviewer" // a custom role, case kept
			}
			t.Members = append(t.Members, m)
		}
		teams = append(teams, t)
	}
	dup := team{Name: "team-a", Members: []member{}} // team-a holds the even users: this one odd ones
	for i := 3; i < matrixUsers; i += 14 {
		dup.Members = append(dup.Members, member{UserName: fmt.Sprintf("user%03d@example.com", i), Role: "viewer"})
	}
	teams = append(teams, dup, team{Name: "empty", Members: []member{}})
	b, err := json.Marshal(map[string]any{"users": users, "teams": teams})
	if err != nil {
		panic(err)
	}
	return b
}

// wantFromSeed is the canonical state the seed describes.
func wantFromSeed(t *testing.T, seed []byte) model.State {
	t.Helper()
	st, err := emulator.ParseState(bytes.NewReader(seed))
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]map[string]model.Role{}
	var out model.State
	for _, tm := range st.Teams {
		mt := model.Team{ID: tm.Name, Name: tm.Name, Members: []model.Member{}}
		for _, m := range tm.Members {
			mt.Members = append(mt.Members, model.Member{UserID: m.UserName, Email: m.UserName, Display: m.UserName, Role: model.Role(m.Role)})
			if roles[m.UserName] == nil {
				roles[m.UserName] = map[string]model.Role{}
			}
			roles[m.UserName][tm.Name] = model.Role(m.Role)
		}
		out.Teams = append(out.Teams, mt)
	}
	for _, u := range st.Users {
		out.Users = append(out.Users, model.User{ID: u.UserName, UserName: u.UserName, Email: u.Email, Emails: []string{u.Email},
			DisplayName: u.DisplayName, ExternalID: u.ExternalID, OrgRole: model.Role(u.OrganizationRole), Active: u.Active,
			TeamRoles: roles[u.UserName]})
	}
	return canonical(out)
}

// canonical replaces ids by names (ids are the emulator's to choose), drops
// ETags, dates and unresolved members (service accounts: counted separately), and
// sorts.
func canonical(st model.State) model.State {
	name := map[string]string{}
	for _, u := range st.Users {
		name[u.ID] = u.UserName
	}
	out := model.State{Users: []model.User{}, Teams: []model.Team{}}
	for _, u := range st.Users {
		u.ID, u.ETag, u.Created, u.LastModified = u.UserName, "", time.Time{}, time.Time{}
		out.Users = append(out.Users, u)
	}
	for _, t := range st.Teams {
		ct := model.Team{ID: t.Name, Name: t.Name, Members: []model.Member{}}
		for _, m := range t.Members {
			if m.Email == "" {
				continue
			}
			m.UserID = m.Email
			ct.Members = append(ct.Members, m)
		}
		sort.Slice(ct.Members, func(i, j int) bool { return ct.Members[i].Email < ct.Members[j].Email })
		out.Teams = append(out.Teams, ct)
	}
	sort.SliceStable(out.Users, func(i, j int) bool { return out.Users[i].Key() < out.Users[j].Key() })
	// Teams sharing a name are told apart by their members.
	sort.SliceStable(out.Teams, func(i, j int) bool {
		a, b := out.Teams[i], out.Teams[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return len(a.Members) < len(b.Members)
	})
	return out
}

func unresolved(st model.State) map[string]int {
	out := map[string]int{}
	for _, t := range st.Teams {
		for _, m := range t.Members {
			if m.Email == "" {
				out[t.ID]++
			}
		}
	}
	return out
}

func TestClientMatrixAgainstEmulator(t *testing.T) {
	seed := matrixSeed()
	want := wantFromSeed(t, seed)
	modes := []struct {
		name string
		opts emulator.Options
	}{
		{"plain", emulator.Options{}},
		{"legacy shapes", emulator.Options{LegacyShapes: true}},
		{"page cap 7", emulator.Options{PageCap: 7}},
		{"ignore count", emulator.Options{IgnoreCount: true}},
		{"service accounts", emulator.Options{ServiceAccounts: 3}},
		{"everything", emulator.Options{LegacyShapes: true, PageCap: 13, ServiceAccounts: 2}},
		{"legacy, ignore count", emulator.Options{LegacyShapes: true, IgnoreCount: true, ServiceAccounts: 1}},
	}
	for _, dep := range []model.Deployment{model.SaaS, model.Dedicated} {
		var first model.State
		var firstFP string
		for _, mode := range modes {
			t.Run(string(dep)+"/"+mode.name, func(t *testing.T) {
				opts := mode.opts
				opts.Deployment = string(dep)
				st, err := emulator.ParseState(bytes.NewReader(seed))
				if err != nil {
					t.Fatal(err)
				}
				em, err := emulator.New(opts, st, zaptest.NewLogger(t))
				if err != nil {
					t.Fatal(err)
				}
				hs := httptest.NewServer(em)
				defer hs.Close()
				c, err := scim.New(scim.Config{BaseURL: hs.URL + "/scim", APIKey: testKey, Deployment: dep, RateLimit: -1,
					PageSize: 40, Concurrency: 4, ReadOnly: true, MaxElapsed: 10 * time.Second, Logger: zaptest.NewLogger(t)})
				if err != nil {
					t.Fatal(err)
				}
				got, fp, err := Fetch(context.Background(), c)
				if err != nil {
					t.Fatal(err)
				}
				checkHints(t, got)
				if d := cmp.Diff(want, canonical(got), ignoreHints); d != "" {
					t.Fatalf("read differs from the seed (-want +got):\n%s", d)
				}
				un := unresolved(got)
				for _, tm := range got.Teams {
					if un[tm.ID] != opts.ServiceAccounts {
						t.Fatalf("team %s: %d unresolved members, want %d service accounts", tm.Name, un[tm.ID], opts.ServiceAccounts)
					}
				}
				if em.Stats().Requests["GET"] == 0 || em.Stats().Requests["PATCH"]+em.Stats().Requests["POST"] != 0 {
					t.Fatalf("requests %v", em.Stats().Requests)
				}
				// Without service accounts, every mode reads byte-for-byte the
				// same state (ids included) and the same fingerprint.
				if opts.ServiceAccounts == 0 {
					stripped := stripETags(got)
					if first.Users == nil {
						first, firstFP = stripped, fp
					} else {
						if d := cmp.Diff(first, stripped); d != "" {
							t.Fatalf("read differs from the plain mode (-plain +got):\n%s", d)
						}
						if fp != firstFP {
							t.Fatalf("fingerprint %s differs from the plain mode's %s", fp, firstFP)
						}
					}
				}
			})
		}
	}
}

// stripETags drops what differs between two emulators serving the same
// seed: ETags and dates.
func stripETags(st model.State) model.State {
	out := model.State{Users: append([]model.User(nil), st.Users...), Teams: append([]model.Team(nil), st.Teams...)}
	for i := range out.Users {
		out.Users[i].ETag, out.Users[i].Created, out.Users[i].LastModified = "", time.Time{}, time.Time{}
	}
	for i := range out.Teams {
		out.Teams[i].ETag = ""
	}
	return out
}

// TestClientWritesAgainstEmulator runs every write of the client against the
// emulator in both deployments and reads the result back.
func TestClientWritesAgainstEmulator(t *testing.T) {
	for _, dep := range []model.Deployment{model.SaaS, model.Dedicated} {
		for _, legacy := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/legacy=%v", dep, legacy), func(t *testing.T) {
				seed, err := emulator.ParseState(strings.NewReader(`{"users":[
					{"userName":"alice@example.com"},{"userName":"bob@example.com"},{"userName":"carol@example.com","active":false}],
					"teams":[{"name":"ml","members":["alice@example.com","bob@example.com"]}]}`))
				if err != nil {
					t.Fatal(err)
				}
				em, err := emulator.New(emulator.Options{Deployment: string(dep), LegacyShapes: legacy, ServiceAccounts: 1,
					TakenTeamNames: []string{"taken"}}, seed, zaptest.NewLogger(t))
				if err != nil {
					t.Fatal(err)
				}
				hs := httptest.NewServer(em)
				defer hs.Close()
				c, err := scim.New(scim.Config{BaseURL: hs.URL + "/scim", APIKey: testKey, Auth: "basic", Deployment: dep,
					RateLimit: -1, Logger: zaptest.NewLogger(t)})
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				have, _, err := Fetch(ctx, c)
				if err != nil {
					t.Fatal(err)
				}
				ids := map[string]string{}
				for _, u := range have.Users {
					ids[u.UserName] = u.ID
				}
				dave, err := c.CreateUser(ctx, model.User{UserName: "dave@example.com", DisplayName: "Dave"})
				if err != nil {
					t.Fatal(err)
				}
				again, err := c.CreateUser(ctx, model.User{UserName: "Dave@example.com"})
				if err != nil || again != dave {
					t.Fatalf("409 adoption: %q %v", again, err)
				}
				team, err := c.CreateTeam(ctx, "infra")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := c.CreateTeam(ctx, "taken"); !errors.Is(err, scim.ErrNameTaken) || !strings.Contains(err.Error(), "create team taken: the name is taken") {
					t.Fatalf("taken team: %v", err)
				}
				if err := c.AddMembers(ctx, team, []string{dave, ids["alice@example.com"]}); err != nil {
					t.Fatal(err)
				}
				if err := c.SetTeamRole(ctx, dave, "infra", "admin"); err != nil {
					t.Fatal(err)
				}
				if err := c.SetOrgRole(ctx, ids["bob@example.com"], "admin"); err != nil {
					t.Fatal(err)
				}
				mlID := have.Teams[0].ID
				if err := c.RemoveMember(ctx, mlID, ids["bob@example.com"]); err != nil {
					t.Fatal(err)
				}
				if err := c.RemoveMember(ctx, mlID, ids["bob@example.com"]); err != nil {
					t.Fatalf("second removal: %v", err)
				}
				if err := c.SetActive(ctx, ids["alice@example.com"], false); err != nil {
					t.Fatal(err)
				}
				err = c.SetActive(ctx, ids["carol@example.com"], true)
				if dep == model.SaaS {
					if err == nil || !strings.Contains(err.Error(), "carol@example.com") {
						t.Fatalf("saas reactivation: %v", err)
					}
				} else if err != nil {
					t.Fatal(err)
				}

				got, _, err := Fetch(ctx, c)
				if err != nil {
					t.Fatal(err)
				}
				byName := map[string]model.User{}
				for _, u := range got.Users {
					byName[u.UserName] = u
				}
				if u := byName["dave@example.com"]; u.DisplayName != "Dave" || !u.Active || u.TeamRoles["infra"] != "admin" {
					t.Fatalf("dave: %+v", u)
				}
				if byName["bob@example.com"].OrgRole != "admin" {
					t.Fatalf("bob: %+v", byName["bob@example.com"])
				}
				alice, listed := byName["alice@example.com"]
				if dep == model.SaaS && listed {
					t.Fatalf("saas deactivation left alice listed: %+v", alice)
				}
				if dep == model.Dedicated && (!listed || alice.Active) {
					t.Fatalf("dedicated deactivation: %+v", alice)
				}
				if byName["carol@example.com"].Active != (dep == model.Dedicated) {
					t.Fatalf("carol: %+v", byName["carol@example.com"])
				}
				members := map[string][]string{}
				for _, tm := range got.Teams {
					for _, m := range tm.Members {
						members[tm.Name] = append(members[tm.Name], m.Email)
					}
				}
				wantInfra := []string{"", "alice@example.com", "dave@example.com"} // a service account first
				wantML := []string{""}
				if dep == model.SaaS {
					wantInfra = []string{"", "dave@example.com"}
				} else {
					wantML = []string{"", "alice@example.com"}
				}
				if d := cmp.Diff(map[string][]string{"infra": wantInfra, "ml": wantML}, members); d != "" {
					t.Fatalf("members (-want +got):\n%s", d)
				}
			})
		}
	}
}

// TestAuthAndPrefixAgainstEmulator checks both auth schemes and both path
// prefixes against an emulator that requires one key, and the hint a refused
// key gets.
func TestAuthAndPrefixAgainstEmulator(t *testing.T) {
	st, err := emulator.ParseState(bytes.NewReader(matrixSeed()))
	if err != nil {
		t.Fatal(err)
	}
	em, err := emulator.New(emulator.Options{APIKey: "right-key"}, st, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(em)
	defer hs.Close()
	read := func(prefix, auth, key string) (model.State, error) {
		c, err := scim.New(scim.Config{BaseURL: hs.URL + prefix, APIKey: key, Auth: auth, RateLimit: -1, ReadOnly: true,
			Logger: zaptest.NewLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := Fetch(context.Background(), c)
		return stripETags(got), err
	}
	want, err := read("/scim", "bearer", "right-key")
	if err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"/scim", "/scim/v2", "/scim/"} {
		for _, auth := range []string{"bearer", "basic"} {
			got, err := read(prefix, auth, "right-key")
			if err != nil {
				t.Fatalf("%s %s: %v", prefix, auth, err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("%s %s: (-want +got):\n%s", prefix, auth, d)
			}
		}
	}
	_, err = read("/scim", "basic", "wrong-key")
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "org-scoped service account key") ||
		strings.Contains(err.Error(), "wrong-key") {
		t.Fatalf("wrong key: %v", err)
	}
}
