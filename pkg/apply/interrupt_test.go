package apply

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap/zaptest"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// errSignal stands for the cause the CLI gives when a signal arrives.
var errSignal = errors.New("interrupt signal")

// inFlight is a Writer hook that lets the first call in, signals it, and
// holds it until released; then it runs after(ctx) for the call's error.
// Later calls pass straight through.
type inFlight struct {
	entered chan context.Context
	release chan struct{}
	after   func(ctx context.Context) error
	later   atomic.Bool
}

func newInFlight(after func(ctx context.Context) error) *inFlight {
	return &inFlight{entered: make(chan context.Context, 1), release: make(chan struct{}), after: after}
}

func (f *inFlight) hook(ctx context.Context, _ call) error {
	if f.later.Swap(true) {
		return nil
	}
	f.entered <- ctx
	<-f.release
	if f.after != nil {
		return f.after(ctx)
	}
	return nil
}

// interruptedPlan is three creates, an add and a deactivation.
func interruptedPlan() plan.Plan {
	return planOf(
		ch(plan.CreateUser, "u0@x.com", "", "", ""),
		ch(plan.CreateUser, "u1@x.com", "", "", ""),
		ch(plan.CreateUser, "u2@x.com", "", "", ""),
		ch(plan.AddMember, "old@x.com", "uold", "ml", "tml"),
		ch(plan.DeactivateUser, "z@x.com", "uz", "", ""),
	)
}

// runInterrupted runs interruptedPlan with Concurrency 1, cancels ctx with
// errSignal while the first create is in flight, then lets it return.
// It returns the report, Run's error, and the in-flight call's context error
// seen after the cancel.
func runInterrupted(t *testing.T, f *inFlight, opts Options) (*Report, error, error) {
	t.Helper()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	w := &fakeWriter{hook: f.hook}
	opts.Concurrency, opts.Logger = 1, zaptest.NewLogger(t)
	type out struct {
		rep *Report
		err error
	}
	done := make(chan out, 1)
	go func() {
		rep, err := Run(ctx, interruptedPlan(), w, opts)
		done <- out{rep, err}
	}()
	wctx := <-f.entered
	cancel(errSignal)
	callErr := wctx.Err()
	close(f.release)
	o := <-done
	if got := w.count("CreateUser"); got != 1 {
		t.Fatalf("CreateUser calls = %d, want 1: nothing starts after the interrupt", got)
	}
	if len(w.recorded()) != 1 {
		t.Fatalf("calls = %v, want only the create in flight", w.methods())
	}
	return o.rep, o.err, callErr
}

func TestRunInterruptLetsInFlightFinish(t *testing.T) {
	rep, err, callErr := runInterrupted(t, newInFlight(nil), Options{})
	if callErr != nil {
		t.Fatalf("the call in flight saw its context end at the interrupt: %v", callErr)
	}
	if !errors.Is(err, errSignal) {
		t.Fatalf("err = %v, want it to wrap the interrupt's cause", err)
	}
	if !rep.Interrupted {
		t.Fatal("report not marked interrupted")
	}
	if r := rep.Results[0]; r.Status != StatusOK || r.UserID != "u-u0@x.com" {
		t.Fatalf("create in flight = %+v, want ok", r)
	}
	for _, r := range rep.Results[1:] {
		if r.Status != StatusSkipped || r.Reason != "not started: apply was interrupted" || r.Requests != 0 || r.CausedBy != nil {
			t.Fatalf("result after the interrupt = %+v", r)
		}
	}
	if rep.OK != 1 || rep.Skipped != 4 || rep.Failed != 0 || rep.Unknown != 0 {
		t.Fatalf("ok/skipped/failed/unknown = %d/%d/%d/%d, want 1/4/0/0", rep.OK, rep.Skipped, rep.Failed, rep.Unknown)
	}
	if !strings.Contains(err.Error(), "4 operation(s) not started (or not tried again)") {
		t.Fatalf("err = %v", err)
	}
	// The four stopped are not also counted as skipped for reasons of
	// their own.
	if strings.Contains(err.Error(), "skipped for reasons") {
		t.Fatalf("err = %v, counts the stopped operations twice", err)
	}
}

func TestRunInterruptContextErrorIsUnknown(t *testing.T) {
	// The Writer gives up on the request in flight with a context error
	// (its own timeout cut it short): the outcome is unknown, not failed.
	f := newInFlight(func(context.Context) error {
		return fmt.Errorf("POST /Users: %w", context.DeadlineExceeded)
	})
	rep, err, _ := runInterrupted(t, f, Options{})
	if !errors.Is(err, errSignal) {
		t.Fatalf("err = %v", err)
	}
	if r := rep.Results[0]; r.Status != StatusUnknown || r.Error != "POST /Users: context deadline exceeded" {
		t.Fatalf("create cut short = %+v, want unknown", r)
	}
	if rep.Unknown != 1 || rep.Failed != 0 || rep.Skipped != 4 {
		t.Fatalf("unknown/failed/skipped = %d/%d/%d, want 1/0/4", rep.Unknown, rep.Failed, rep.Skipped)
	}
}

func TestRunDrainEndsCallsInFlight(t *testing.T) {
	// The call in flight waits for its context: only the drain timeout,
	// which starts at the interrupt, or a second interrupt (Abandon
	// closed, long before the timeout) can end it. Its outcome is unknown
	// and Run returns its report.
	abandoned := make(chan struct{})
	close(abandoned)
	for _, tc := range []struct {
		name  string
		opts  Options
		cause error
		want  string
	}{
		{"drain timeout", Options{DrainTimeout: time.Nanosecond}, errDrained,
			"POST /Users: apply was interrupted and the drain timeout passed"},
		{"second interrupt", Options{DrainTimeout: time.Hour, Abandon: abandoned}, errAbandoned,
			"POST /Users: apply was interrupted again: the requests in flight were given up"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cause error
			f := newInFlight(func(ctx context.Context) error {
				<-ctx.Done()
				cause = context.Cause(ctx)
				return fmt.Errorf("POST /Users: %w", ctx.Err())
			})
			rep, err, _ := runInterrupted(t, f, tc.opts)
			if !errors.Is(cause, tc.cause) {
				t.Fatalf("the call's context ended with %v, want %v", cause, tc.cause)
			}
			if !errors.Is(err, errSignal) || !rep.Interrupted {
				t.Fatalf("err = %v, interrupted = %v", err, rep.Interrupted)
			}
			if r := rep.Results[0]; r.Status != StatusUnknown || r.Error != tc.want {
				t.Fatalf("create cut short = %+v, want unknown with %q", r, tc.want)
			}
		})
	}
}

func TestRunOutcomeUnknownError(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want Status
	}{
		{"says unknown", &unknownError{unknown: true}, StatusUnknown},
		{"says unknown, wrapped", wrapped(&unknownError{unknown: true}), StatusUnknown},
		{"says known", &unknownError{unknown: false}, StatusFailed},
		{"context error", fmt.Errorf("POST /Users: %w", context.Canceled), StatusUnknown},
		{"HTTP error", &httpError{500, "boom"}, StatusFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := createsFail(tc.err)
			rep := run(t, planOf(
				ch(plan.CreateUser, "a@x.com", "", "", ""),
				ch(plan.AddMember, "a@x.com", "", "ml", "tml"),
			), w, Options{})
			if r := rep.Results[0]; r.Status != tc.want || r.Error != tc.err.Error() || r.Requests != 1 {
				t.Fatalf("create = %+v, want %s", r, tc.want)
			}
			// What needs the user is skipped without being sent, naming the
			// create, whatever the create's outcome.
			add := rep.Results[1]
			wantErr := "depends on failed create_user a@x.com"
			if tc.want == StatusUnknown {
				wantErr = "depends on create_user a@x.com, whose outcome is unknown"
			}
			if add.Status != StatusSkipped || add.Reason != wantErr || causedBy(add) != 0 || add.Requests != 0 {
				t.Fatalf("add = %+v, want skipped: %q", add, wantErr)
			}
		})
	}
}

func TestRunInterruptBetweenAddChunks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &fakeWriter{hook: func(_ context.Context, c call) error {
		cancel() // during the first chunk
		return nil
	}}
	rep, err := Run(ctx, planOf(
		ch(plan.AddMember, "a@x.com", "ua", "ml", "tml"),
		ch(plan.AddMember, "b@x.com", "ub", "ml", "tml"),
		ch(plan.AddMember, "c@x.com", "uc", "ml", "tml"),
	), w, Options{BatchSize: 1, Logger: zaptest.NewLogger(t)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	var got []Status
	for _, r := range rep.Results {
		got = append(got, r.Status)
	}
	if d := cmp.Diff([]Status{StatusOK, StatusSkipped, StatusSkipped}, got); d != "" {
		t.Fatalf("statuses (-want +got):\n%s", d)
	}
}

func TestRunNotInterruptedReturnsNoError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rep, err := Run(ctx, planOf(ch(plan.CreateTeam, "", "", "ml", "")), &fakeWriter{}, Options{Logger: zaptest.NewLogger(t)})
	if err != nil || rep.Interrupted {
		t.Fatalf("Run = %v, interrupted %v", err, rep.Interrupted)
	}
}

// stoppedError is a Writer error whose retries the interrupt ended, with a
// known outcome (a 429: not done).
type stoppedError struct{}

func (stoppedError) Error() string {
	return "PATCH /Groups/tml: 429 Too Many Requests; not tried again"
}
func (stoppedError) OutcomeUnknown() bool { return false }
func (stoppedError) RetryStopped() bool   { return true }

// TestRunRetryStoppedIsSkipped: an operation the interrupt kept from being
// tried again, not done, is skipped (not failed), and holds back that
// user's destructive operations like a failure.
func TestRunRetryStoppedIsSkipped(t *testing.T) {
	w := addsFail(stoppedError{})
	rep := run(t, planOf(
		ch(plan.AddMember, "a@x.com", "ua", "ml", "tml"),
		ch(plan.DeactivateUser, "a@x.com", "ua", "", ""),
	), w, Options{})
	add := rep.Results[0]
	if add.Status != StatusSkipped || !strings.HasPrefix(add.Reason, reasonNotRetried) || add.Requests != 1 {
		t.Fatalf("add = %+v, want skipped: %s", add, reasonNotRetried)
	}
	if d := rep.Results[1]; d.Status != StatusSkipped || causedBy(d) != 0 {
		t.Fatalf("deactivation = %+v, want held back by the add", d)
	}
}

// notSentError is a Writer error for a request the interrupt kept from
// ever going out (it waited for the rate limit).
type notSentError struct{ stoppedError }

func (notSentError) Error() string { return "not sent: the run was interrupted" }
func (notSentError) NotSent() bool { return true }

// TestRunNotSentIsNotCounted: a request that never went out is no request
// in the report, nor in the run's count, and is said not started (not
// "not tried again": it was never tried).
func TestRunNotSentIsNotCounted(t *testing.T) {
	w := &fakeWriter{}
	w.fail = func(c call) error {
		if c.Method == "AddMembers" || c.Method == "SetOrgRole" {
			return notSentError{}
		}
		return nil
	}
	role := ch(plan.SetOrgRole, "b@x.com", "ub", "", "")
	role.Role = model.RoleAdmin
	rep := run(t, planOf(
		ch(plan.CreateTeam, "", "", "ml", ""),
		ch(plan.AddMember, "a@x.com", "ua", "ml", "tml"),
		role,
	), w, Options{})
	for _, i := range []int{1, 2} {
		if r := rep.Results[i]; r.Status != StatusSkipped || r.Reason != reasonInterrupted || r.Requests != 0 || r.DurationMS != 0 {
			t.Errorf("%s = %+v, want skipped (%s), no request", r.Action, r, reasonInterrupted)
		}
	}
	if rep.Requests != 1 {
		t.Fatalf("run requests = %d, want 1 (the create only)", rep.Requests)
	}
}

// TestReportStoppedCountsWhatTheInterruptSkipped: the interrupt's message
// counts the operations not started and those not tried again (a request
// that waited for its turn among them), not the skips of a dependency.
func TestReportStoppedCountsWhatTheInterruptSkipped(t *testing.T) {
	dep := 0
	rep := &Report{Results: []Result{
		{Status: StatusOK},
		{Status: StatusSkipped, Reason: reasonInterrupted},
		{Status: StatusSkipped, Reason: reasonNotRetried + ": not sent: the run was interrupted"},
		{Status: StatusSkipped, Reason: "depends on failed create_team ml", CausedBy: &dep},
		{Status: StatusUnknown},
	}}
	if n := rep.stopped(); n != 2 {
		t.Fatalf("stopped = %d, want 2", n)
	}
}

// TestTextCountsWhatTheInterruptKeptFromStarting: the text report names the
// first operations an interrupt kept from starting and counts the rest on
// one line; every other skip, and every failure, keeps its line. The JSON
// report lists each.
func TestTextCountsWhatTheInterruptKeptFromStarting(t *testing.T) {
	rep := &Report{}
	for i := range caps.ListedNotStarted + 30 {
		rep.Results = append(rep.Results, Result{Action: plan.CreateUser, User: fmt.Sprintf("u%02d@x.com", i), Status: StatusSkipped, Reason: reasonInterrupted})
	}
	rep.Results = append(rep.Results,
		Result{Action: plan.AddMember, User: "a@x.com", Team: "ml", Status: StatusSkipped, Reason: reasonNotRetried},
		Result{Action: plan.AddMember, User: "b@x.com", Team: "ml", Status: StatusFailed, Error: "400"})
	rep.count()
	var text, js bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	if n := strings.Count(out, "skipped: create_user "); n != caps.ListedNotStarted {
		t.Errorf("%d not-started lines named, want %d:\n%s", n, caps.ListedNotStarted, out)
	}
	for _, want := range []string{"skipped: 30 more operation(s): " + reasonInterrupted, "skipped: add_member a@x.com", "failed:  add_member b@x.com", "0 ok, 1 failed, 51 skipped"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(js.String(), reasonInterrupted); n != caps.ListedNotStarted+30 {
		t.Errorf("JSON names %d not-started operations, want %d", n, caps.ListedNotStarted+30)
	}
}

// TestRunInterruptRefusedAddChunkKeepsAnswer: an add chunk out when the
// interrupt comes and then refused (a 400 that would split it) is not sent
// again in halves; its members end skipped "not tried again", carrying the
// server's answer, not "not started".
func TestRunInterruptRefusedAddChunkKeepsAnswer(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	w := &fakeWriter{hook: func(_ context.Context, c call) error {
		cancel(errSignal) // while the chunk is out
		return wrapped(&httpError{400, "one member is bad"})
	}}
	rep, err := Run(ctx, planOf(
		ch(plan.AddMember, "a@x.com", "ua", "ml", "tml"),
		ch(plan.AddMember, "b@x.com", "ub", "ml", "tml"),
		ch(plan.AddMember, "c@x.com", "uc", "ml", "tml"),
	), w, Options{Logger: zaptest.NewLogger(t)})
	if !errors.Is(err, errSignal) {
		t.Fatalf("err = %v", err)
	}
	if n := w.count("AddMembers"); n != 1 {
		t.Fatalf("AddMembers calls = %d, want the one chunk, not split after the interrupt", n)
	}
	for _, r := range rep.Results {
		if r.Status != StatusSkipped || !strings.HasPrefix(r.Reason, reasonNotRetried+": ") || !strings.Contains(r.Reason, "one member is bad") ||
			r.HTTPStatus != 400 || r.Detail != "one member is bad" || r.Requests != 1 {
			t.Errorf("result = %+v, want skipped not tried again with the 400", r)
		}
	}
	if rep.stopped() != 3 {
		t.Errorf("stopped = %d, want 3", rep.stopped())
	}
}

// TestRunInterruptWithinAUnit: a unit holds several changes of one user
// (two team roles of u), sent one after another. An interrupt while the
// first is in flight keeps the second from starting, though its unit had
// started before the signal.
func TestRunInterruptWithinAUnit(t *testing.T) {
	a := ch(plan.SetTeamRole, "u@x.com", "uu", "a", "ta")
	a.Role = "admin"
	b := ch(plan.SetTeamRole, "u@x.com", "uu", "b", "tb")
	b.Role = "admin"
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	f := newInFlight(nil)
	w := &fakeWriter{hook: f.hook}
	done := make(chan *Report, 1)
	go func() {
		rep, _ := Run(ctx, planOf(a, b), w, Options{Logger: zaptest.NewLogger(t)})
		done <- rep
	}()
	<-f.entered
	cancel(errSignal)
	close(f.release)
	rep := <-done
	if got := w.count("SetTeamRole"); got != 1 {
		t.Fatalf("SetTeamRole calls = %d, want 1: nothing starts after the interrupt (calls %v)", got, w.methods())
	}
	if r := rep.Results[1]; r.Status != StatusSkipped || r.Reason != reasonInterrupted {
		t.Fatalf("second change of the unit = %+v, want skipped: %s", r, reasonInterrupted)
	}
}

// interruptLast runs p with Concurrency 1 and a Writer whose hook holds
// the call hold picks (an earlier call first answers as hook answers it),
// interrupts the run while that call is in flight, then lets it return
// after's error. It returns the report and Run's error.
func interruptLast(t *testing.T, p plan.Plan, hook func(c call) error, hold func(c call) bool, after error) (*Report, error) {
	t.Helper()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	entered, release := make(chan struct{}), make(chan struct{})
	w := &fakeWriter{hook: func(_ context.Context, c call) error {
		if hold(c) {
			close(entered)
			<-release
			return after
		}
		if hook != nil {
			return hook(c)
		}
		return nil
	}}
	done := make(chan error, 1)
	var rep *Report
	go func() {
		var err error
		rep, err = Run(ctx, p, w, Options{Concurrency: 1, Logger: zaptest.NewLogger(t)})
		done <- err
	}()
	<-entered
	cancel(errSignal)
	close(release)
	err := <-done
	if !errors.Is(err, errSignal) || !rep.Interrupted {
		t.Fatalf("err = %v, interrupted = %v: want the interrupt reported", err, rep.Interrupted)
	}
	return rep, err
}

// An interrupt that arrives while the plan's last operation is in flight
// stops nothing: the error says the interrupt stopped no operation, not "0
// not started", which reads as a partial run; skips for reasons of their
// own (an add whose create failed) are counted as such; an outcome the
// interrupt left unknown is said as one.
func TestRunInterruptDuringLastOperation(t *testing.T) {
	createOnly := func(c call) bool { return c.Method == "CreateUser" }
	rep, err := interruptLast(t, planOf(ch(plan.CreateUser, "u0@x.com", "", "", "")), nil, createOnly, nil)
	if rep.OK != 1 || rep.Skipped != 0 || rep.Unknown != 0 {
		t.Fatalf("ok/skipped/unknown = %d/%d/%d, want 1/0/0", rep.OK, rep.Skipped, rep.Unknown)
	}
	if msg := err.Error(); !strings.Contains(msg, "the interrupt stopped no operation (1 ok, 0 failed, 0 skipped for reasons the report gives, none with an unknown outcome)") || strings.Contains(msg, "not started") {
		t.Fatalf("err = %q, want it to say the interrupt stopped no operation", msg)
	}

	p := planOf(
		ch(plan.CreateUser, "u0@x.com", "", "", ""),
		ch(plan.AddMember, "u0@x.com", "", "ml", "tml"),
		ch(plan.AddMember, "old@x.com", "uold", "cv", "tcv"),
	)
	failCreate := func(c call) error {
		if c.Method == "CreateUser" {
			return &httpError{status: 400, detail: "bad"}
		}
		return nil
	}
	lastAdd := func(c call) bool { return c.Method == "AddMembers" && len(c.IDs) == 1 && c.IDs[0] == "uold" }
	rep, err = interruptLast(t, p, failCreate, lastAdd, nil)
	if rep.OK != 1 || rep.Failed != 1 || rep.Skipped != 1 {
		t.Fatalf("ok/failed/skipped = %d/%d/%d, want 1/1/1", rep.OK, rep.Failed, rep.Skipped)
	}
	if msg := err.Error(); !strings.Contains(msg, "(1 ok, 1 failed, 1 skipped for reasons the report gives, none with an unknown outcome)") {
		t.Fatalf("err = %q, want the skip counted as one for a reason of its own", msg)
	}

	rep, err = interruptLast(t, planOf(ch(plan.CreateUser, "u0@x.com", "", "", "")), nil, createOnly, fmt.Errorf("POST /Users: %w", context.DeadlineExceeded))
	if rep.Unknown != 1 {
		t.Fatalf("unknown = %d, want 1", rep.Unknown)
	}
	if msg := err.Error(); !strings.Contains(msg, "0 operation(s) not started (or not tried again), 1 with an unknown outcome: ") || strings.Contains(msg, "stopped no operation") {
		t.Fatalf("err = %q, want the unknown outcome counted", msg)
	}
	// An outcome left unknown after a skip of its own: both are counted.
	rep, err = interruptLast(t, p, failCreate, lastAdd, fmt.Errorf("PATCH /Groups/tcv: %w", context.DeadlineExceeded))
	if rep.Unknown != 1 || rep.Failed != 1 || rep.Skipped != 1 {
		t.Fatalf("unknown/failed/skipped = %d/%d/%d, want 1/1/1", rep.Unknown, rep.Failed, rep.Skipped)
	}
	if msg := err.Error(); !strings.Contains(msg, "0 operation(s) not started (or not tried again), 1 with an unknown outcome, 1 skipped for reasons the report gives: ") {
		t.Fatalf("err = %q, want the skip of its own counted beside the unknown outcome", msg)
	}
}
