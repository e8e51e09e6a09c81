package apply

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/progress"
)

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// tickingWriter is a fake Writer whose every call takes one second of clk.
func tickingWriter(clk *fakeClock, fail func(c call) error) *fakeWriter {
	return &fakeWriter{fail: fail, hook: func(context.Context, call) error {
		clk.advance(time.Second)
		return nil
	}}
}

// progressInterrupted runs two creates and a deactivation with opts on a fake
// clock, interrupted by the first request (which takes a second); prog
// makes the run's progress on that clock.
func progressInterrupted(t *testing.T, opts Options, prog func(now func() time.Time) *progress.Progress) {
	t.Helper()
	clk := newFakeClock()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &fakeWriter{hook: func(context.Context, call) error {
		clk.advance(time.Second)
		cancel()
		return nil
	}}
	opts.Concurrency, opts.Now, opts.Progress = 1, clk.now, prog(clk.now)
	changes := append(creates(2), ch(plan.DeactivateUser, "z@x.com", "uz", "", ""))
	if _, err := Run(ctx, planOf(changes...), w, opts); err == nil {
		t.Fatal("no error from an interrupted run")
	}
}

// creates returns n create_user changes, u0@x.com...
func creates(n int) []plan.Change {
	var out []plan.Change
	for i := range n {
		out = append(out, ch(plan.CreateUser, fmt.Sprintf("u%d@x.com", i), "", "", ""))
	}
	return out
}

// phaseLogLevels returns the level of each "phase start" log entry.
func phaseLogLevels(logs *observer.ObservedLogs) []zapcore.Level {
	var out []zapcore.Level
	for _, e := range logs.FilterMessage("phase start").All() {
		out = append(out, e.Level)
	}
	return out
}

func TestRunProgressPlain(t *testing.T) {
	clk := newFakeClock()
	w := tickingWriter(clk, func(c call) error {
		if c.User == "u3@x.com" {
			return errors.New("nope")
		}
		return nil
	})
	core, logs := observer.New(zapcore.DebugLevel)
	var buf bytes.Buffer
	changes := append(creates(25), ch(plan.DeactivateUser, "z@x.com", "uz", "", ""))
	run(t, planOf(changes...), w, Options{Concurrency: 1, Progress: progress.New(&buf, false, clk.now), Now: clk.now, Logger: zap.New(core)})
	want := "" +
		"create_user  0/25\n" +
		"create_user  10/25  1.0/s  ETA 15s\n" +
		"create_user  20/25  1.0/s  ETA 5s\n" +
		"create_user  25/25  done in 25s: 24 ok, 1 failed, 0 skipped\n" +
		"deactivate_user  0/1\n" +
		"deactivate_user  1/1  done in 1s: 1 ok, 0 failed, 0 skipped\n" +
		"Finished: 26 write requests in 26s\n"
	if d := cmp.Diff(want, buf.String()); d != "" {
		t.Fatalf("progress (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]zapcore.Level{zapcore.InfoLevel, zapcore.InfoLevel}, phaseLogLevels(logs)); d != "" {
		t.Fatalf("phase log levels without a terminal (-want +got):\n%s", d)
	}
}

func TestRunProgressTerminal(t *testing.T) {
	clk := newFakeClock()
	core, logs := observer.New(zapcore.DebugLevel)
	var buf bytes.Buffer
	changes := append(creates(3), ch(plan.DeactivateUser, "z@x.com", "uz", "", ""))
	rep := run(t, planOf(changes...), tickingWriter(clk, nil), Options{
		Concurrency: 1, Progress: progress.New(&buf, true, clk.now), Terminal: true, Now: clk.now, Logger: zap.New(core),
	})
	want := "" +
		"\r\x1b[Kcreate_user  0/3" +
		"\r\x1b[Kcreate_user  1/3  1.0/s  ETA 2s" +
		"\r\x1b[Kcreate_user  2/3  1.0/s  ETA 1s" +
		"\r\x1b[Kcreate_user  3/3  1.0/s" +
		"\r\x1b[Kcreate_user  3/3  done in 3s: 3 ok, 0 failed, 0 skipped\n" +
		"\r\x1b[Kdeactivate_user  0/1" +
		"\r\x1b[Kdeactivate_user  1/1  1.0/s" +
		"\r\x1b[Kdeactivate_user  1/1  done in 1s: 1 ok, 0 failed, 0 skipped\n" +
		"Finished: 4 write requests in 4s\n"
	if d := cmp.Diff(want, buf.String()); d != "" {
		t.Fatalf("progress (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]zapcore.Level{zapcore.DebugLevel, zapcore.DebugLevel}, phaseLogLevels(logs)); d != "" {
		t.Fatalf("phase log levels on a terminal (-want +got):\n%s", d)
	}
	if rep.DurationMS != 4000 || rep.Results[0].DurationMS != 1000 {
		t.Fatalf("durations from the injected clock: run %d ms, first create %d ms; want 4000, 1000", rep.DurationMS, rep.Results[0].DurationMS)
	}
}

func TestRunProgressInterrupted(t *testing.T) {
	var buf bytes.Buffer
	progressInterrupted(t, Options{}, func(now func() time.Time) *progress.Progress { return progress.New(&buf, false, now) })
	want := "" +
		"create_user  0/2\n" +
		"create_user  1/2  done in 1s: 1 ok, 0 failed, 1 skipped\n" +
		"Skipping 1 deactivate_user: apply was interrupted\n" +
		"Finished: 1 write request in 1s\n"
	if d := cmp.Diff(want, buf.String()); d != "" {
		t.Fatalf("progress (-want +got):\n%s", d)
	}
}

// TestRunProgressHooked: when the progress hands its lines to a hook (the
// caller logs them), Run writes no text of its own: "Skipping" and
// "Finished" are log entries with fields.
func TestRunProgressHooked(t *testing.T) {
	var (
		buf    bytes.Buffer
		events []string
	)
	core, logs := observer.New(zapcore.DebugLevel)
	progressInterrupted(t, Options{Logger: zap.New(core)}, func(now func() time.Time) *progress.Progress {
		p := progress.New(&buf, false, now)
		p.SetHook(func(e progress.Event) { events = append(events, e.Text) })
		return p
	})
	if buf.Len() != 0 {
		t.Errorf("text written beside the hook:\n%s", buf.String())
	}
	if d := cmp.Diff([]string{"create_user  0/2", "create_user  1/2  done in 1s: 1 ok, 0 failed, 1 skipped"}, events); d != "" {
		t.Errorf("hook events (-want +got):\n%s", d)
	}
	type entry struct {
		Level  zapcore.Level
		Msg    string
		Fields map[string]any
	}
	var got []entry
	for _, e := range logs.All() {
		if e.Message == "finished" || e.Message == "skipping: apply was interrupted" {
			got = append(got, entry{e.Level, e.Message, e.ContextMap()})
		}
	}
	want := []entry{
		{zapcore.WarnLevel, "skipping: apply was interrupted", map[string]any{"action": "deactivate_user", "operations": int64(1)}},
		{zapcore.InfoLevel, "finished", map[string]any{"write_requests": int64(1), "elapsed": time.Second}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("status entries (-want +got):\n%s", d)
	}
}

// TestRunProgressDependencySkips: adds held back because their team's
// create failed are skipped, not done: no running line counts them, and
// the tally says 0 of them were done.
func TestRunProgressDependencySkips(t *testing.T) {
	var buf bytes.Buffer
	clk := newFakeClock()
	w := tickingWriter(clk, func(c call) error {
		if c.Method == "CreateTeam" {
			return &httpError{400, "refused"}
		}
		return nil
	})
	var changes []plan.Change
	changes = append(changes, ch(plan.CreateTeam, "", "", "new", ""))
	for i := range 40 {
		changes = append(changes, ch(plan.AddMember, fmt.Sprintf("u%d@x.com", i), fmt.Sprintf("u%d", i), "new", ""))
	}
	run(t, planOf(changes...), w, Options{Concurrency: 1, Now: clk.now, Progress: progress.New(&buf, false, clk.now)})
	want := "" +
		"create_team  0/1\n" +
		"create_team  1/1  done in 1s: 0 ok, 1 failed, 0 skipped\n" +
		"add_member  0/40\n" +
		"add_member  0/40  done in 0s: 0 ok, 0 failed, 40 skipped\n" +
		"Finished: 1 write request in 1s\n"
	if d := cmp.Diff(want, buf.String()); d != "" {
		t.Errorf("progress (-want +got):\n%s", d)
	}
}

// timingWriter is a Writer that counts its requests and times them, as the
// SCIM client does: each call sends two requests that took 250 ms in all,
// while the call itself (its waits for a turn included) takes a second of
// the clock.
type timingWriter struct{ *fakeWriter }

func (timingWriter) CountWrites(ctx context.Context) (context.Context, func() (int, time.Duration)) {
	return ctx, func() (int, time.Duration) { return 2, 250 * time.Millisecond }
}

// TestRunDurationIsTheRequests: an operation's duration_ms is the time its
// requests took, as the Writer times them, not the call's wall time, which
// holds its waits for a turn (--rate-limit, --concurrency) and backoff.
func TestRunDurationIsTheRequests(t *testing.T) {
	clk := newFakeClock()
	rep := run(t, planOf(creates(2)...), timingWriter{tickingWriter(clk, nil)}, Options{Concurrency: 1, Now: clk.now})
	for _, r := range rep.Results {
		if r.DurationMS != 250 || r.Requests != 2 {
			t.Errorf("%s: %d ms, %d requests; want 250 ms, 2 (the requests' own time, not the call's second)", r.User, r.DurationMS, r.Requests)
		}
	}
	if rep.DurationMS != 2000 || rep.Requests != 4 {
		t.Errorf("run: %d ms, %d requests; want the wall time, 2000 ms, and 4", rep.DurationMS, rep.Requests)
	}
}
