package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap/zaptest"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// gate is a Writer hook that blocks each call until released, counting the
// calls in flight.
type gate struct {
	mu       sync.Mutex
	inflight int
	max      int
	entered  chan call
	release  chan struct{}
}

func newGate(n int) *gate {
	return &gate{entered: make(chan call, n), release: make(chan struct{})}
}

func (g *gate) hook(_ context.Context, c call) error {
	g.mu.Lock()
	g.inflight++
	g.max = max(g.max, g.inflight)
	g.mu.Unlock()
	g.entered <- c
	<-g.release
	g.mu.Lock()
	g.inflight--
	g.mu.Unlock()
	return nil
}

func (g *gate) now() (inflight, maxSeen int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.inflight, g.max
}

func TestRunConcurrencyBounded(t *testing.T) {
	const n, limit = 12, 3
	changes := creates(n)
	g := newGate(n)
	w := &fakeWriter{hook: g.hook}
	done := make(chan *Report, 1)
	go func() {
		rep, _ := Run(context.Background(), planOf(changes...), w, Options{Concurrency: limit, Logger: zaptest.NewLogger(t)})
		done <- rep
	}()
	started := 0
	for ; started < limit; started++ {
		<-g.entered
	}
	if in, _ := g.now(); in != limit {
		t.Fatalf("in flight = %d, want %d", in, limit)
	}
	for released := 0; released < n; released++ {
		g.release <- struct{}{}
		if started < n {
			<-g.entered
			started++
			if in, _ := g.now(); in > limit {
				t.Fatalf("in flight = %d > concurrency %d", in, limit)
			}
		}
	}
	rep := <-done
	if _, m := g.now(); m != limit {
		t.Fatalf("max in flight = %d, want exactly %d", m, limit)
	}
	if rep.OK != n {
		t.Fatalf("ok = %d, want %d", rep.OK, n)
	}
}

func TestRunOneTeamsChunksAreSequential(t *testing.T) {
	// Team a has two chunks, team b one; with room for 4, the first two calls
	// in flight must be a's first chunk and b's chunk, never both of a's.
	g := newGate(3)
	w := &fakeWriter{hook: g.hook}
	p := planOf(
		ch(plan.AddMember, "1@x.com", "u1", "a", "ta"),
		ch(plan.AddMember, "2@x.com", "u2", "a", "ta"),
		ch(plan.AddMember, "3@x.com", "u3", "b", "tb"),
	)
	done := make(chan *Report, 1)
	go func() {
		rep, _ := Run(context.Background(), p, w, Options{Concurrency: 4, BatchSize: 1, Logger: zaptest.NewLogger(t)})
		done <- rep
	}()
	first := map[string]bool{}
	for range 2 {
		c := <-g.entered
		first[c.ID] = true
	}
	if !first["ta"] || !first["tb"] {
		t.Fatalf("first calls in flight went to %v, want one each to ta and tb", first)
	}
	g.release <- struct{}{}
	g.release <- struct{}{}
	<-g.entered
	g.release <- struct{}{}
	if rep := <-done; rep.OK != 3 || rep.Requests != 3 {
		t.Fatalf("ok = %d, requests = %d; want 3, 3", rep.OK, rep.Requests)
	}
}

func TestRunContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes := creates(5)
	changes = append(changes,
		ch(plan.AddMember, "u0@x.com", "", "ml", "tml"),
		ch(plan.DeactivateUser, "z@x.com", "uz", "", ""),
	)
	w := &fakeWriter{hook: func(_ context.Context, c call) error {
		if c.User == "u1@x.com" {
			cancel()
		}
		return nil
	}}
	rep, err := Run(ctx, planOf(changes...), w, Options{Concurrency: 1, Logger: zaptest.NewLogger(t)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if rep == nil {
		t.Fatal("no report after cancellation")
	}
	if got := w.methods(); !cmp.Equal(got, []string{"CreateUser", "CreateUser"}) {
		t.Fatalf("calls = %v, want the two creates started before the cancel", got)
	}
	if rep.OK != 2 || rep.Failed != 0 || rep.Skipped != 5 {
		t.Fatalf("ok/failed/skipped = %d/%d/%d, want 2/0/5", rep.OK, rep.Failed, rep.Skipped)
	}
	for _, r := range rep.Results[2:] {
		if r.Status != StatusSkipped || !strings.Contains(r.Reason, "interrupted") || r.Requests != 0 {
			t.Fatalf("result after cancel = %+v", r)
		}
	}
}

func BenchmarkRun(b *testing.B) {
	// Onboarding 1,000 users into 50 teams (5,000 memberships).
	changes := creates(1000)
	for j := range 50 {
		changes = append(changes, ch(plan.CreateTeam, "", "", fmt.Sprintf("team%d", j), ""))
	}
	for i := range 1000 {
		for k := range 5 {
			changes = append(changes, ch(plan.AddMember, fmt.Sprintf("u%d@x.com", i), "", fmt.Sprintf("team%d", (i+k*7)%50), ""))
		}
	}
	p := planOf(changes...)
	b.ReportAllocs()
	for b.Loop() {
		rep, err := Run(context.Background(), p, &fakeWriter{}, Options{})
		if err != nil || rep.Failed != 0 {
			b.Fatalf("Run: %v, %d failed", err, rep.Failed)
		}
		b.ReportMetric(float64(rep.Requests), "requests/op")
	}
}

// BenchmarkVerifyStillListed: the verification of 50,000 removals taken as
// done on a 404 (a proxy answering 404 to every one) whose team the read
// still lists them all in, planned again by the read or not: linear in the
// removals and the team's members (it was quadratic: 3.5 s and 13 s).
func BenchmarkVerifyStillListed(b *testing.B) {
	const n = 50000
	var before, again plan.Plan
	results := make([]Result, n)
	team := model.Team{ID: "T", Name: "ml"}
	for i := range n {
		id := fmt.Sprintf("u%07d", i)
		c := plan.Change{Action: plan.RemoveMember, User: id + "@x.com", UserID: id, Team: "ml", TeamID: "T"}
		before.Changes = append(before.Changes, c)
		results[i] = Result{Action: c.Action, User: c.User, UserID: id, Team: "ml", TeamID: "T", Status: StatusOK, NotFound: true}
		team.Members = append(team.Members, model.Member{UserID: id})
	}
	have := model.State{Teams: []model.Team{team}}
	for _, tc := range []struct {
		name  string
		after plan.Plan
	}{{"not-planned-again", again}, {"planned-again", before}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if v := Verify(before, tc.after, results, have); v.Remaining != n || v.NotFound != n {
					b.Fatalf("remaining %d, not found %d; want %d", v.Remaining, v.NotFound, n)
				}
			}
		})
	}
}
