package apply

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/plan"
)

func TestRunOneAddPerTeamPerChunk(t *testing.T) {
	var changes []plan.Change
	for i := range 250 {
		changes = append(changes, ch(plan.AddMember, fmt.Sprintf("a%d@x.com", i), fmt.Sprintf("ua%d", i), "big", "tbig"))
	}
	for i := range 3 {
		changes = append(changes, ch(plan.AddMember, fmt.Sprintf("b%d@x.com", i), fmt.Sprintf("ub%d", i), "small", "tsmall"))
	}
	w := &fakeWriter{}
	rep := run(t, planOf(changes...), w, Options{BatchSize: 100})
	if got := w.count("AddMembers"); got != 4 {
		t.Fatalf("AddMembers calls = %d, want 4 (3 for big, 1 for small)", got)
	}
	sizes := map[string][]int{}
	seen := map[string]bool{}
	for _, c := range w.recorded() {
		sizes[c.ID] = append(sizes[c.ID], len(c.IDs))
		for _, id := range c.IDs {
			if seen[id] {
				t.Fatalf("user %s sent twice", id)
			}
			seen[id] = true
		}
	}
	if d := cmp.Diff(map[string][]int{"tbig": {100, 100, 50}, "tsmall": {3}}, sizes); d != "" {
		t.Fatalf("chunk sizes (-want +got):\n%s", d)
	}
	if rep.OK != 253 || rep.Requests != 4 {
		t.Fatalf("ok = %d, requests = %d; want 253, 4", rep.OK, rep.Requests)
	}
	for _, r := range rep.Results {
		if r.Requests != 1 {
			t.Fatalf("%s %s: requests = %d, want 1", r.Action, r.User, r.Requests)
		}
	}
}

func TestRunDefaultBatchSize(t *testing.T) {
	var changes []plan.Change
	for i := range DefaultBatchSize + 1 {
		changes = append(changes, ch(plan.AddMember, fmt.Sprintf("a%d@x.com", i), fmt.Sprintf("u%d", i), "t", "tid"))
	}
	w := &fakeWriter{}
	run(t, planOf(changes...), w, Options{})
	if got := w.count("AddMembers"); got != 2 {
		t.Fatalf("AddMembers calls = %d, want 2", got)
	}
}

func TestRunSplitIsolatesBadMember(t *testing.T) {
	var changes []plan.Change
	for i := range 8 {
		uid := fmt.Sprintf("u%d", i)
		if i == 5 {
			uid = "bad"
		}
		changes = append(changes, ch(plan.AddMember, fmt.Sprintf("m%d@x.com", i), uid, "ml", "tml"))
	}
	w := &fakeWriter{fail: func(c call) error {
		if c.Method != "AddMembers" {
			return nil
		}
		if len(c.IDs) > 4 {
			return wrapped(&httpError{413, "request too large"})
		}
		if has(c.IDs, "bad") {
			return wrapped(&httpError{400, "no such user"})
		}
		return nil
	}}
	rep := run(t, planOf(changes...), w, Options{})
	// [0..7] 413 → [0..3] ok, [4..7] 400 → [4,5] 400 → [4] ok, [5] 400; [6,7] ok.
	var sent [][]string
	for _, c := range w.recorded() {
		sent = append(sent, c.IDs)
	}
	want := [][]string{
		{"u0", "u1", "u2", "u3", "u4", "bad", "u6", "u7"},
		{"u0", "u1", "u2", "u3"},
		{"u4", "bad", "u6", "u7"},
		{"u4", "bad"},
		{"u4"},
		{"bad"},
		{"u6", "u7"},
	}
	if d := cmp.Diff(want, sent); d != "" {
		t.Fatalf("AddMembers calls (-want +got):\n%s", d)
	}
	if rep.OK != 7 || rep.Failed != 1 || rep.Requests != 7 {
		t.Fatalf("ok/failed/requests = %d/%d/%d, want 7/1/7", rep.OK, rep.Failed, rep.Requests)
	}
	bad := byKey(rep)["add_member m5@x.com@ml"]
	if bad.Status != StatusFailed || bad.HTTPStatus != 400 || bad.Detail != "no such user" || bad.Requests != 4 {
		t.Fatalf("bad member result = %+v", bad)
	}
	if r := byKey(rep)["add_member m0@x.com@ml"]; r.Requests != 2 || r.Status != StatusOK {
		t.Fatalf("m0 result = %+v, want ok after 2 requests", r)
	}
}

func TestRunAddOtherErrorDoesNotSplit(t *testing.T) {
	w := &fakeWriter{fail: func(c call) error { return &httpError{500, "boom"} }}
	rep := run(t, planOf(
		ch(plan.AddMember, "a@x.com", "ua", "ml", "tml"),
		ch(plan.AddMember, "b@x.com", "ub", "ml", "tml"),
		ch(plan.AddMember, "c@x.com", "uc", "ml", "tml"),
	), w, Options{})
	if got := w.count("AddMembers"); got != 1 {
		t.Fatalf("AddMembers calls = %d, want 1 (a 500 is not a size problem)", got)
	}
	if rep.Failed != 3 {
		t.Fatalf("failed = %d, want 3", rep.Failed)
	}
	for _, r := range rep.Results {
		if r.HTTPStatus != 500 || r.Detail != "boom" {
			t.Fatalf("result = %+v", r)
		}
	}
}

// TestRunAddLimitLearned: once the server refused a chunk as too large
// (413), the teams after it start at the halved size instead of finding
// the cap again, against a cap of 7:
//   - 10 teams of 20 members take 7 requests for the first team (20 → 10
//     → 5) and 4 for each other (chunks of 5), 43 in all instead of 70;
//   - an odd-sized chunk whose halves then go through teaches the larger
//     half's size: 13 members to the first team (split 6+7, 3 requests),
//     then three teams of 14 at 7 a chunk (2 requests each): 9, where 6 a
//     chunk would take 12.
func TestRunAddLimitLearned(t *testing.T) {
	for _, tc := range []struct {
		sizes     []int
		calls, ok int
	}{
		{[]int{20, 20, 20, 20, 20, 20, 20, 20, 20, 20}, 43, 200},
		{[]int{13, 14, 14, 14}, 9, 55},
	} {
		var changes []plan.Change
		for team, n := range tc.sizes {
			for m := range n {
				changes = append(changes, ch(plan.AddMember, fmt.Sprintf("m%d@x.com", m), fmt.Sprintf("u%d", m),
					fmt.Sprintf("team%d", team), fmt.Sprintf("t%d", team)))
			}
		}
		w := &fakeWriter{fail: func(c call) error {
			if c.Method == "AddMembers" && len(c.IDs) > 7 {
				return wrapped(&httpError{413, "request too large"})
			}
			return nil
		}}
		rep := run(t, planOf(changes...), w, Options{Concurrency: 1})
		if got := w.count("AddMembers"); got != tc.calls || rep.OK != tc.ok || rep.Failed != 0 {
			t.Errorf("teams of %v: AddMembers calls = %d, ok %d, failed %d; want %d, %d, 0", tc.sizes, got, rep.OK, rep.Failed, tc.calls, tc.ok)
		}
	}
}

// TestRunAddLimitNotLearnedFromOneMember: a 413 that one member causes
// (its half fails again) says nothing of the server's size cap: the chunk
// size of later teams stays --batch-size. 5 teams of 64, the last member
// of each refused: 13 requests a team (the split down to that member).
func TestRunAddLimitNotLearnedFromOneMember(t *testing.T) {
	var changes []plan.Change
	for team := range 5 {
		for m := range 64 {
			uid := fmt.Sprintf("u%d", m)
			if m == 63 {
				uid = "bad"
			}
			changes = append(changes, ch(plan.AddMember, fmt.Sprintf("m%d@x.com", m), uid,
				fmt.Sprintf("team%d", team), fmt.Sprintf("t%d", team)))
		}
	}
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "AddMembers" && has(c.IDs, "bad") {
			return wrapped(&httpError{413, "request too large"})
		}
		return nil
	}}
	rep := run(t, planOf(changes...), w, Options{Concurrency: 1})
	if got := w.count("AddMembers"); got != 65 || rep.OK != 315 || rep.Failed != 5 {
		t.Fatalf("AddMembers calls = %d, ok %d, failed %d; want 65, 315, 5", got, rep.OK, rep.Failed)
	}
}

// maybeAppliedError is a 400 whose request an earlier attempt may have
// applied (its answer was lost): *scim.Error after such a retry.
type maybeAppliedError struct{ httpError }

func (e *maybeAppliedError) OutcomeUnknown() bool { return true }

// TestRunAddChunkUnknownNotSplit: a chunk whose first attempt lost its
// answer and whose retry is refused (400 "already a member") is not split
// into fresh requests, which would report members failed that the first
// attempt added: all its members are unknown.
func TestRunAddChunkUnknownNotSplit(t *testing.T) {
	w := addsFail(&maybeAppliedError{httpError{400, "user is already a member of the team"}})
	rep := run(t, planOf(
		ch(plan.AddMember, "a@x.com", "ua", "ml", "tml"),
		ch(plan.AddMember, "b@x.com", "ub", "ml", "tml"),
	), w, Options{Concurrency: 1})
	if got := w.count("AddMembers"); got != 1 || rep.Unknown != 2 || rep.Failed != 0 {
		t.Fatalf("AddMembers calls = %d, unknown %d, failed %d; want 1, 2, 0", got, rep.Unknown, rep.Failed)
	}
}

// A 409 for one member of a chunk (W&B's "Resource already exists"), or a
// 404 for a member deleted since the plan was made, splits it as a 400
// does: the others are added, the member fails alone.
func TestRunAddConflictIsolatesMember(t *testing.T) {
	for _, status := range []int{409, 404} {
		var changes []plan.Change
		for i := range 4 {
			changes = append(changes, ch(plan.AddMember, fmt.Sprintf("m%d@x.com", i), fmt.Sprintf("u%d", i), "ml", "tml"))
		}
		w := &fakeWriter{fail: func(c call) error {
			if c.Method == "AddMembers" && has(c.IDs, "u2") {
				return wrapped(&httpError{status, "refused"})
			}
			return nil
		}}
		rep := run(t, planOf(changes...), w, Options{})
		// [0..3] refused → [0,1] ok, [2,3] refused → [2] refused, [3] ok.
		if got := w.count("AddMembers"); got != 5 {
			t.Fatalf("%d: AddMembers calls = %d, want 5", status, got)
		}
		if rep.OK != 3 || rep.Failed != 1 {
			t.Fatalf("%d: ok/failed = %d/%d, want 3/1", status, rep.OK, rep.Failed)
		}
		if r := byKey(rep)["add_member m2@x.com@ml"]; r.Status != StatusFailed || r.HTTPStatus != status {
			t.Fatalf("%d: refused member result = %+v", status, r)
		}
	}
}

// A refusal that concerns the whole team (every add answered 409) costs a
// bounded number of splits, not one request per member; every member is
// reported failed.
func TestRunAddRefusalSplitsBounded(t *testing.T) {
	var changes []plan.Change
	for i := range 100 {
		changes = append(changes, ch(plan.AddMember, fmt.Sprintf("m%d@x.com", i), fmt.Sprintf("u%d", i), "ml", "tml"))
	}
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "AddMembers" {
			return wrapped(&httpError{409, "team locked"})
		}
		return nil
	}}
	rep := run(t, planOf(changes...), w, Options{})
	if got := w.count("AddMembers"); got != 1+2*caps.RefusalSplits {
		t.Fatalf("AddMembers calls = %d, want %d (one, then two per split)", got, 1+2*caps.RefusalSplits)
	}
	if rep.Failed != 100 || rep.OK != 0 {
		t.Fatalf("ok/failed = %d/%d, want 0/100", rep.OK, rep.Failed)
	}
}
