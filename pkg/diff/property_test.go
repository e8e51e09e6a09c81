package diff

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// TestProperties checks, over generated problems with fixed seeds, that
// Compute never mutates its inputs, ignores input order, and that applying
// its plan (with a pure simulator of W&B) reaches the desired state for
// everything managed, after which planning again changes nothing.
func TestProperties(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 50
	}
	seen := map[string]int{}
	defer func() {
		// The generator must exercise every action and the main warnings,
		// or the properties prove little.
		for _, a := range plan.Actions() {
			if seen[string(a)] == 0 {
				t.Errorf("no generated plan has a %s change", a)
			}
		}
		for _, w := range []plan.WarningCode{plan.WarnAmbiguousUser, plan.WarnDuplicateTeam, plan.WarnTeamNameCase, plan.WarnUnresolvedMember, plan.WarnUnmanagedUser,
			plan.WarnProtected, plan.WarnIrreversibleDeactivation, plan.WarnUnsupportedUpdate, plan.WarnUserWithoutTeam} {
			if seen[string(w)] == 0 {
				t.Errorf("no generated plan has a %s warning", w)
			}
		}
	}()
	for seed := 1; seed <= seeds; seed++ {
		r := rand.New(rand.NewSource(int64(seed)))
		g := generate(r, genOptions{users: 10 + r.Intn(50), teams: 1 + r.Intn(8), membersPerTeam: 1 + r.Intn(12)})
		wantCopy, haveCopy := cloneState(g.want), cloneState(g.have)
		policyCopy := g.policy
		policyCopy.Protected = append([]string(nil), g.policy.Protected...)
		opts := Options{Deployment: g.dep}

		p := Compute(g.want, g.have, g.policy, opts)
		for _, c := range p.Changes {
			seen[string(c.Action)]++
		}
		for _, w := range p.Warnings {
			seen[string(w.Code)]++
		}

		if d := cmp.Diff(wantCopy, g.want); d != "" {
			t.Fatalf("seed %d: Compute mutated want:\n%s", seed, d)
		}
		if d := cmp.Diff(haveCopy, g.have); d != "" {
			t.Fatalf("seed %d: Compute mutated have:\n%s", seed, d)
		}
		if d := cmp.Diff(policyCopy, g.policy); d != "" {
			t.Fatalf("seed %d: Compute mutated the policy:\n%s", seed, d)
		}
		if p.IsBlocked() {
			t.Fatalf("seed %d: blocked with unlimited limits: %+v", seed, p.Blocked)
		}

		sp := Compute(shuffled(g.want, r.Shuffle), shuffled(g.have, r.Shuffle), g.policy, opts)
		if !bytes.Equal(jsonOf(t, p), jsonOf(t, sp)) {
			t.Fatalf("seed %d: shuffled inputs give another plan:\n%s", seed, strings.Join(plan.ChangesDiff(p, sp), "\n"))
		}

		after, err := simulate(g.have, p, g.dep, g.rolesKnown)
		if err != nil {
			t.Fatalf("seed %d: applying the plan: %v", seed, err)
		}
		again := Compute(g.want, after, g.policy, opts)
		if again.HasChanges() {
			var lines []string
			for _, c := range again.Changes {
				lines = append(lines, plan.Describe(c))
			}
			t.Fatalf("seed %d (%s, roles known %v): planning again is not empty:\n  %s", seed, g.dep, g.rolesKnown, strings.Join(lines, "\n  "))
		}
		checkConverged(t, seed, g, p, after)
	}
}

func jsonOf(t *testing.T, p plan.Plan) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := p.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// checkConverged checks the simulated state against the manifest directly
// (not through Compute): users, org roles, names, team memberships and
// roles, removals and deactivations, except what the plan's warnings say
// was left alone.
func checkConverged(t *testing.T, seed int, g genInput, p plan.Plan, st model.State) {
	t.Helper()
	skippedUser, skippedTeam := map[string]bool{}, map[string]bool{}
	for _, w := range p.Warnings {
		switch w.Code {
		case plan.WarnAmbiguousUser:
			skippedUser[model.Key(w.User)] = true
		case plan.WarnDuplicateTeam, plan.WarnTeamPinNotFound, plan.WarnTeamPinMismatch:
			skippedTeam[model.Key(w.Team)] = true
		}
	}
	// links: live users tied to a desired user by userName, email or externalId.
	links := func(d model.User) []int {
		var out []int
		k := model.Key(d.UserName)
		for i, u := range st.Users {
			if u.Key() == k || model.Key(u.Email) == k || (d.ExternalID != "" && u.ExternalID == d.ExternalID) {
				out = append(out, i)
			}
		}
		return out
	}
	byID := map[string]int{}
	for i, u := range st.Users {
		byID[u.ID] = i
	}
	owner := map[int]model.User{} // live user → desired user it links to
	for _, d := range g.want.Users {
		ls := links(d)
		for _, i := range ls {
			owner[i] = d
		}
		if skippedUser[model.Key(d.UserName)] {
			continue
		}
		var active []int
		for _, i := range ls {
			if st.Users[i].Active {
				active = append(active, i)
			}
		}
		if !d.Active {
			if len(active) > 0 {
				t.Fatalf("seed %d: %s is active: false in the manifest but active live", seed, d.UserName)
			}
			continue
		}
		if len(ls) != 1 || len(active) != 1 {
			t.Fatalf("seed %d: %s: want one active live user, got %d linked (%d active)", seed, d.UserName, len(ls), len(active))
		}
		u := st.Users[active[0]]
		if g.dep == model.Dedicated {
			if d.DisplayName != "" && u.DisplayName != d.DisplayName || d.ExternalID != "" && u.ExternalID != d.ExternalID {
				t.Fatalf("seed %d: %s: name/externalId %q/%q, want %q/%q", seed, d.UserName, u.DisplayName, u.ExternalID, d.DisplayName, d.ExternalID)
			}
		}
		if g.rolesKnown && d.OrgRole != "" && u.OrgRole != d.OrgRole {
			t.Fatalf("seed %d: %s: org role %q, want %q", seed, d.UserName, u.OrgRole, d.OrgRole)
		}
	}
	wantByKey := map[string]model.User{}
	for _, d := range g.want.Users {
		wantByKey[model.Key(d.UserName)] = d
	}
	for _, dt := range g.want.Teams {
		if skippedTeam[model.Key(dt.Name)] {
			continue
		}
		var live []model.Team
		for _, lt := range st.Teams {
			if (dt.ID != "" && lt.ID == dt.ID) || (dt.ID == "" && model.Key(lt.Name) == model.Key(dt.Name)) {
				live = append(live, lt)
			}
		}
		if len(live) != 1 {
			t.Fatalf("seed %d: team %s: %d live teams", seed, dt.Name, len(live))
		}
		members := map[int]model.Member{}
		for _, m := range live[0].Members {
			if i, ok := byID[m.UserID]; ok {
				members[i] = m
			}
		}
		listed := map[int]bool{}
		for _, m := range dt.Members {
			d := wantByKey[model.Key(m.Email)]
			ls := links(d)
			for _, i := range ls {
				listed[i] = true
			}
			if skippedUser[model.Key(d.UserName)] || !d.Active {
				continue
			}
			got, ok := members[ls[0]]
			if !ok {
				t.Fatalf("seed %d: team %s lacks %s", seed, dt.Name, d.UserName)
			}
			if g.rolesKnown && got.Role != m.Role.Norm() {
				t.Fatalf("seed %d: team %s: %s has role %q, want %q", seed, dt.Name, d.UserName, got.Role, m.Role)
			}
		}
		if dt.Membership != model.Authoritative {
			continue
		}
		for i := range members {
			u := st.Users[i]
			if listed[i] || g.policy.IsProtected(u.UserName) || g.policy.IsProtected(u.Email) {
				continue
			}
			if d, ok := owner[i]; ok && skippedUser[model.Key(d.UserName)] {
				continue
			}
			t.Fatalf("seed %d: authoritative team %s keeps unlisted %s", seed, dt.Name, u.UserName)
		}
	}
	if g.policy.UnmanagedUsers == model.UnmanagedDeactivate {
		for i, u := range st.Users {
			if _, ok := owner[i]; ok || !u.Active || g.policy.IsProtected(u.UserName) || g.policy.IsProtected(u.Email) {
				continue
			}
			t.Fatalf("seed %d: unmanaged %s still active under unmanagedUsers: deactivate", seed, u.UserName)
		}
	}
}
