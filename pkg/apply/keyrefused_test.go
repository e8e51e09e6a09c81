package apply

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/plan"
)

// A key revoked during the run: once the server answers a write 401, no
// further write is sent; the rest are skipped naming that write, in every
// later phase too, and the text report counts them after the first few.
func TestRunStopsWritingAfterTheKeyIsRefused(t *testing.T) {
	const users = caps.ListedNotStarted + 15
	var changes []plan.Change
	for i := range users {
		changes = append(changes, ch(plan.CreateUser, fmt.Sprintf("u%02d@x.com", i), "", "", ""))
	}
	changes = append(changes,
		ch(plan.AddMember, "a@x.com", "ua", "ml", "t1"),
		ch(plan.DeactivateUser, "old@x.com", "u-old", "", ""))
	var sent atomic.Int32
	w := &fakeWriter{fail: func(c call) error {
		if sent.Add(1) >= 3 { // the third write meets a revoked key
			return &httpError{status: http.StatusUnauthorized, detail: "invalid API key"}
		}
		return nil
	}}
	rep := run(t, planOf(changes...), w, Options{Concurrency: 1})
	if got := len(w.recorded()); got != 3 {
		t.Errorf("%d writes sent, want 3 (none after the 401): %v", got, w.methods())
	}
	if rep.OK != 2 || rep.Failed != 1 || rep.Skipped != len(changes)-3 {
		t.Errorf("ok %d, failed %d, skipped %d; want 2, 1, %d", rep.OK, rep.Failed, rep.Skipped, len(changes)-3)
	}
	for i, res := range rep.Results[3:] {
		if res.Status != StatusSkipped || res.Reason != reasonKeyRefused || res.CausedBy == nil || *res.CausedBy != 2 {
			t.Errorf("result %d: %+v, want skipped for the refused key, caused by 2", i+3, res)
		}
	}
	text := textOf(t, rep)
	out := text
	if n := strings.Count(out, "skipped: "); n != caps.ListedNotStarted+1 {
		t.Errorf("%d skipped lines, want %d named and one counting the rest:\n%s", n, caps.ListedNotStarted, out)
	}
	want := fmt.Sprintf("skipped: %d more operation(s): %s", len(changes)-3-caps.ListedNotStarted, reasonKeyRefused)
	if !strings.Contains(out, want) || !strings.Contains(out, "failed:  create_user u02@x.com") {
		t.Errorf("text lacks %q or the failed create:\n%s", want, out)
	}
}

// A key refused after this run deactivated users may have been one of
// theirs: the refused write says so, with how many; a key refused with no
// deactivation before it says nothing of it.
func TestRunKeyRefusedAfterDeactivations(t *testing.T) {
	for _, tc := range []struct {
		deactivated int
		says        string
	}{
		{2, "(this run deactivated 2 user(s) before the key was refused: if the key was one of theirs, it lost its access with them; "},
		{0, ""},
	} {
		var changes []plan.Change
		for i := range tc.deactivated {
			changes = append(changes, ch(plan.DeactivateUser, fmt.Sprintf("d%d@x.com", i), fmt.Sprintf("ud%d", i), "", ""))
		}
		changes = append(changes, ch(plan.DeactivateUser, "last@x.com", "ulast", "", ""))
		w := &fakeWriter{fail: func(c call) error {
			if c.ID == "ulast" {
				return &httpError{status: http.StatusUnauthorized, detail: "invalid API key"}
			}
			return nil
		}}
		rep := run(t, planOf(changes...), w, Options{Concurrency: 1})
		got := rep.Results[len(changes)-1]
		if got.Status != StatusFailed || tc.says != "" && !strings.Contains(got.Error, tc.says) || tc.says == "" && strings.Contains(got.Error, "this run deactivated") {
			t.Errorf("%d deactivated before: %+v; want failed, saying %q", tc.deactivated, got, tc.says)
		}
	}
}

// A 403 concerns what the key may do to one resource (a team-scoped key):
// the run goes on.
func TestRunGoesOnAfterA403(t *testing.T) {
	changes := []plan.Change{
		ch(plan.CreateUser, "a@x.com", "", "", ""),
		ch(plan.CreateUser, "b@x.com", "", "", ""),
		ch(plan.CreateUser, "c@x.com", "", "", ""),
	}
	w := &fakeWriter{fail: func(c call) error {
		if c.User == "a@x.com" {
			return &httpError{status: http.StatusForbidden, detail: "forbidden"}
		}
		return nil
	}}
	rep := run(t, planOf(changes...), w, Options{Concurrency: 1})
	if got := len(w.recorded()); got != 3 || rep.OK != 2 || rep.Failed != 1 {
		t.Errorf("%d writes, ok %d, failed %d; want 3, 2, 1", got, rep.OK, rep.Failed)
	}
}

// probingWriter is a fakeWriter that can read, to check the key after a
// 401 (keyChecker): refused says whether the read is refused too.
type probingWriter struct {
	*fakeWriter
	refused bool
	probes  atomic.Int32
	stops   atomic.Int32
}

func (p *probingWriter) KeyRefused(context.Context) (bool, error) {
	p.probes.Add(1)
	return p.refused, nil
}

func (p *probingWriter) StopWrites() { p.stops.Add(1) }

// A 401 that a read confirms (the key revoked) halts the run; one that a
// read does not (the server refused that write alone) fails that write
// only, and after caps.KeyProbes reads no more are made.
func TestRunKeyCheckedBeforeHalting(t *testing.T) {
	changes := creates(10)
	for _, revoked := range []bool{true, false} {
		var sent atomic.Int32
		w := &probingWriter{refused: revoked, fakeWriter: &fakeWriter{fail: func(c call) error {
			if n := sent.Add(1); n == 3 || !revoked && n > 5 {
				return &httpError{status: http.StatusUnauthorized, detail: "invalid API key"}
			}
			return nil
		}}}
		rep := run(t, planOf(changes...), w, Options{Concurrency: 1})
		switch {
		case revoked && (len(w.recorded()) != 3 || rep.Skipped != 7 || w.probes.Load() != 1 || w.stops.Load() != 1):
			t.Errorf("revoked: %d writes, %d skipped, %d probes, %d StopWrites; want 3, 7, 1, 1", len(w.recorded()), rep.Skipped, w.probes.Load(), w.stops.Load())
		case !revoked && w.stops.Load() != 0:
			t.Errorf("refused one by one: StopWrites called %d times", w.stops.Load())
		case !revoked && (len(w.recorded()) != 10 || rep.Failed != 6 || rep.Skipped != 0 || int(w.probes.Load()) != caps.KeyProbes):
			t.Errorf("refused one by one: %d writes, %d failed, %d skipped, %d probes; want 10, 6, 0, %d",
				len(w.recorded()), rep.Failed, rep.Skipped, w.probes.Load(), caps.KeyProbes)
		}
	}
}

// An add chunk refused 401 is one request: its members share one read of
// the key, not one each (which would spend caps.KeyProbes at once).
func TestRunKeyCheckedOncePerRequest(t *testing.T) {
	var changes []plan.Change
	for _, team := range []string{"t1", "t2"} {
		for i := range 3 {
			changes = append(changes, ch(plan.AddMember, fmt.Sprintf("u%d@x.com", i), fmt.Sprintf("u%d", i), team, team))
		}
	}
	w := &probingWriter{fakeWriter: &fakeWriter{fail: func(c call) error {
		if c.ID == "t1" {
			return &httpError{status: http.StatusUnauthorized, detail: "not this team"}
		}
		return nil
	}}}
	rep := run(t, planOf(changes...), w, Options{Concurrency: 1})
	if w.probes.Load() != 1 || rep.Failed != 3 || rep.OK != 3 {
		t.Errorf("%d probes, %d failed, %d ok; want 1, 3, 3", w.probes.Load(), rep.Failed, rep.OK)
	}
}

// waitingErr is a Writer error for a request that never went out, as
// the SCIM client's for a write StopWrites ended while it waited its turn.
type waitingErr struct{}

func (waitingErr) Error() string {
	return "not sent: the server refused the API key on an earlier write"
}
func (waitingErr) NotSent() bool { return true }

// A write still waiting for its turn when the key is found refused ends
// unsent (StopWrites): skipped for the refused key, naming the write the
// server refused, not failed.
func TestRunWaitingWriteSkippedWhenKeyRefused(t *testing.T) {
	release, waiting := make(chan struct{}), make(chan struct{})
	w := &probingWriter{refused: true}
	w.fakeWriter = &fakeWriter{hook: func(_ context.Context, c call) error {
		switch c.User {
		case "wait@x.com":
			close(waiting)
			<-release // waits for its turn until writes are stopped
			return waitingErr{}
		case "refused@x.com":
			<-waiting // refused only once the other write waits: never skipped before it is tried
			return &httpError{status: http.StatusUnauthorized, detail: "invalid API key"}
		}
		return nil
	}}
	changes := []plan.Change{ch(plan.CreateUser, "wait@x.com", "", "", ""), ch(plan.CreateUser, "refused@x.com", "", "", "")}
	rep := run(t, planOf(changes...), stopReleases{w, release}, Options{Concurrency: 2})
	got := rep.Results[0]
	if got.Status != StatusSkipped || got.Reason != reasonKeyRefused || got.CausedBy == nil || *got.CausedBy != 1 || rep.Failed != 1 {
		t.Errorf("waiting write: %+v (failed %d); want skipped for the refused key, caused by 1", got, rep.Failed)
	}
}

// stopReleases is a probingWriter whose StopWrites releases the writes
// waiting for their turn (release).
type stopReleases struct {
	*probingWriter
	release chan struct{}
}

func (s stopReleases) StopWrites() {
	s.probingWriter.StopWrites()
	close(s.release)
}
