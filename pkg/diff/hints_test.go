package diff

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// hinted returns a copy of want and have whose members carry their users'
// positions (model.Member.User) and share their strings, as the loader and
// the read give them: a desired member takes the email of the user its key
// names, a live member the id of the user it names.
func hinted(want, have model.State) (model.State, model.State) {
	w, h := cloneState(want), cloneState(have)
	byKey := map[string]int{}
	for i := range w.Users {
		if _, dup := byKey[model.Key(wantEmail(&w.Users[i]))]; !dup {
			byKey[model.Key(wantEmail(&w.Users[i]))] = i
		}
	}
	for _, t := range w.Teams {
		for j := range t.Members {
			if i, ok := byKey[model.Key(t.Members[j].Email)]; ok {
				t.Members[j].Email, t.Members[j].User = w.Users[i].Email, int32(i+1)
			}
		}
	}
	byID := map[string]int{}
	for i := range h.Users {
		byID[h.Users[i].ID] = i
	}
	for _, t := range h.Teams {
		for j := range t.Members {
			if i, ok := byID[t.Members[j].UserID]; ok && t.Members[j].UserID != "" {
				t.Members[j].UserID, t.Members[j].User = h.Users[i].ID, int32(i+1)
			}
		}
	}
	return w, h
}

// scrambled returns a copy of s whose members carry random hints: other
// users' positions, positions past the end, negative ones, none.
func scrambled(s model.State, r *rand.Rand) model.State {
	c := cloneState(s)
	for _, t := range c.Teams {
		for j := range t.Members {
			t.Members[j].User = int32(r.Intn(len(c.Users)+4) - 2)
		}
	}
	return c
}

// TestHintsOnlyMakeItFaster: members' hints never change a plan. Plans of
// generated problems are the same with no hints, with the hints the loader
// and the read give (strings shared with the users), with those hints
// after the users were shuffled (every hint stale), and with random ones.
func TestHintsOnlyMakeItFaster(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 50
	}
	used := 0
	for seed := 1; seed <= seeds; seed++ {
		r := rand.New(rand.NewSource(int64(seed)))
		g := generate(r, genOptions{users: 10 + r.Intn(50), teams: 1 + r.Intn(8), membersPerTeam: 1 + r.Intn(12)})
		bp := Compute(g.want, g.have, g.policy, g.opts)
		base := jsonOf(t, bp)
		hw, hh := hinted(g.want, g.have)
		for _, in := range []struct {
			name       string
			want, have model.State
		}{
			{"as loaded and read", hw, hh},
			{"users shuffled", shuffled(hw, r.Shuffle), shuffled(hh, r.Shuffle)},
			{"random", scrambled(g.want, r), scrambled(g.have, r)},
		} {
			p := &planner{want: in.want, have: in.have, policy: g.policy, opts: g.opts}
			p.index()
			if got := Compute(in.want, in.have, g.policy, g.opts); !bytes.Equal(base, jsonOf(t, got)) {
				t.Fatalf("seed %d, hints %s: another plan:\n%s", seed, in.name, strings.Join(plan.ChangesDiff(bp, got), "\n"))
			}
			if in.name == "as loaded and read" && p.wantHints && p.liveHints {
				used++
			}
		}
	}
	if used < seeds/2 {
		t.Fatalf("hints were checkable in only %d of %d problems", used, seeds)
	}
}

// TestHintsOfDuplicateUsers: where two desired users share an email key,
// or two live users an id (neither reaches Compute from the loader or the
// read, but Compute decides alike for any input), a member's hint naming
// either is not taken: the plan is the one the look-up gives.
func TestHintsOfDuplicateUsers(t *testing.T) {
	want := state(users(du("a@x.co"), du("A@x.co")), dt("t", model.Authoritative, dm("a@x.co", "")))
	have := state(users(lu("u1", "a@x.co"), lu("u1", "b@x.co")), lt("g", "t", lm("u1", "b@x.co", "")))
	base := jsonOf(t, Compute(want, have, model.Policy{}, Options{}))
	for _, hint := range []int32{1, 2} {
		w, h := cloneState(want), cloneState(have)
		w.Teams[0].Members[0].User = hint
		h.Teams[0].Members[0].User = hint
		if hint == 2 {
			w.Teams[0].Members[0].Email = w.Users[1].Email // "A@x.co": the other duplicate's string
		}
		if got := jsonOf(t, Compute(w, h, model.Policy{}, Options{})); !bytes.Equal(base, got) {
			t.Fatalf("hint %d: another plan:\n%s\nwant:\n%s", hint, got, base)
		}
	}
}

// TestHintOfADuplicateIsNotTaken: when two desired users share a key,
// the look-up keeps one (here the active "A@x.co"), and a member hinted
// to the other (the inactive "a@x.co", whose very string it has) must
// still be resolved as the look-up resolves it: the plan adds A@x.co to
// the team instead of reporting an inactive member.
func TestHintOfADuplicateIsNotTaken(t *testing.T) {
	inactive := du("a@x.co")
	inactive.Active = false
	want := state(users(inactive, du("A@x.co")), dt("t", model.Authoritative, dm("a@x.co", "")))
	have := state(nil)
	base := jsonOf(t, Compute(want, have, model.Policy{}, Options{}))
	if !bytes.Contains(base, []byte(`"A@x.co"`)) || bytes.Contains(base, []byte("inactive")) {
		t.Fatalf("the look-up's plan is not the one this test is about:\n%s", base)
	}
	want.Teams[0].Members[0].User = 1
	if got := jsonOf(t, Compute(want, have, model.Policy{}, Options{})); !bytes.Equal(base, got) {
		t.Fatalf("another plan:\n%s\nwant:\n%s", got, base)
	}
}

// TestHintOfAMemberWithoutID: a live member with no id is never resolved
// by its hint, even to a live user with no id: such a member is found by
// its userName only, if at all.
func TestHintOfAMemberWithoutID(t *testing.T) {
	want := state(users(du("a@x.co")), dt("t", model.Authoritative))
	have := state(users(lu("", "a@x.co")), lt("g", "t", model.Member{}))
	base := jsonOf(t, Compute(want, have, model.Policy{}, Options{}))
	have.Teams[0].Members[0].User = 1
	if got := jsonOf(t, Compute(want, have, model.Policy{}, Options{})); !bytes.Equal(base, got) {
		t.Fatalf("another plan:\n%s\nwant:\n%s", got, base)
	}
}
