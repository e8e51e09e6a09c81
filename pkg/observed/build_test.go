package observed

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/scim"
)

// refBuild is Build written plainly (sort keys computed in every
// comparison, a stable sort then a compaction): the optimised build must
// give the same state.
func refBuild(users []scim.User, groups []scim.Group) model.State {
	st := model.State{Users: []model.User{}, Teams: []model.Team{}}
	index := map[string]int{}
	for i := range users {
		index[users[i].ID] = len(st.Users)
		st.Users = append(st.Users, userOf(&users[i]))
	}
	for _, gr := range groups {
		t := model.Team{ID: gr.ID, Name: gr.DisplayName, Members: []model.Member{}, ETag: gr.ETag}
		for _, m := range gr.Members {
			mm := model.Member{UserID: m.Value, Display: m.Display}
			if i, ok := index[m.Value]; ok {
				u := st.Users[i]
				mm.UserID, mm.Email, mm.Role = u.ID, u.UserName, model.TeamRole(u.TeamRoles, gr.DisplayName, nil)
			}
			t.Members = append(t.Members, mm)
		}
		slices.SortStableFunc(t.Members, func(a, b model.Member) int {
			if c := strings.Compare(model.Key(a.Email), model.Key(b.Email)); c != 0 {
				return c
			}
			return strings.Compare(a.UserID, b.UserID)
		})
		t.Members = slices.CompactFunc(t.Members, func(a, b model.Member) bool { return a.UserID == b.UserID })
		st.Teams = append(st.Teams, t)
	}
	// Team roles are reported by team name: a user in two teams of one name
	// (exactly, or ignoring case when the role was found ignoring case)
	// has no known role in either.
	for _, t := range st.Teams {
		for j := range t.Members {
			m := &t.Members[j]
			i, ok := index[m.UserID]
			if !ok {
				continue
			}
			_, exactRole := st.Users[i].TeamRoles[t.Name]
			in := 0
			for _, o := range st.Teams {
				same := o.Name == t.Name
				if !exactRole {
					same = strings.EqualFold(o.Name, t.Name)
				}
				if same && slices.ContainsFunc(o.Members, func(x model.Member) bool { return x.UserID == m.UserID }) {
					in++
				}
			}
			if in > 1 {
				m.Role = ""
			}
		}
	}
	slices.SortFunc(st.Users, func(a, b model.User) int {
		if c := strings.Compare(a.Key(), b.Key()); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	slices.SortFunc(st.Teams, func(a, b model.Team) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return st
}

// TestBuildMatchesPlainBuild: random organizations with userNames equal
// but for case and blanks, members listed twice, unknown member ids and
// team roles that match only case-insensitively build as refBuild builds
// them.
func TestBuildMatchesPlainBuild(t *testing.T) {
	names := []string{"a@x", "A@x", " a@x", "b@x", "B@X ", "c", "", "d@x"}
	teams := []string{"ml", "ML", "infra", "data"}
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 1))
		var users []scim.User
		for i := range rng.IntN(30) {
			u := scim.User{ID: fmt.Sprintf("u%d", rng.IntN(1000)+i*1000), UserName: names[rng.IntN(len(names))], Active: rng.IntN(2) == 0}
			if rng.IntN(3) > 0 {
				u.TeamRoles = []scim.TeamRole{}
				for range rng.IntN(4) {
					u.TeamRoles = append(u.TeamRoles, scim.TeamRole{TeamName: teams[rng.IntN(len(teams))], RoleName: "Member"})
				}
				if rng.IntN(3) == 0 { // many roles: looked up ignoring case through an index
					for k := range 20 {
						u.TeamRoles = append(u.TeamRoles, scim.TeamRole{TeamName: fmt.Sprintf("other-%d", k), RoleName: "Admin"})
					}
				}
			}
			users = append(users, u)
		}
		var groups []scim.Group
		for g := range rng.IntN(6) {
			gr := scim.Group{ID: fmt.Sprintf("g%d", rng.IntN(3)), DisplayName: teams[rng.IntN(len(teams))], ETag: fmt.Sprint(g)}
			if rng.IntN(4) > 0 {
				gr.Members = []scim.GroupMember{}
			}
			for range rng.IntN(12) {
				id := fmt.Sprintf("sa-%d", rng.IntN(3))
				if len(users) > 0 && rng.IntN(4) > 0 {
					id = users[rng.IntN(len(users))].ID
				}
				gr.Members = append(gr.Members, scim.GroupMember{Value: id, Display: names[rng.IntN(len(names))]})
			}
			groups = append(groups, gr)
		}
		want := refBuild(users, groups)
		got, err := Build(users, groups)
		if err != nil {
			t.Fatal(err)
		}
		checkHints(t, got)
		if d := cmp.Diff(want, got, ignoreHints); d != "" {
			t.Fatalf("seed %d (-plain +build):\n%s", seed, d)
		}
	}
}
