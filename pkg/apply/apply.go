// Package apply carries out a plan.Plan against a SCIM server through the
// Writer interface: phase by phase in the plan's apply order, with the fewest
// requests (one add PATCH per team per chunk), bounded parallelism, and a
// Report that records every operation's outcome.
//
// It keeps going past failures. What needs something that was not done (an
// add to a team whose create failed) fails without being sent; a destructive
// operation (a member removal, a deactivation) is skipped only when an
// operation on the same user failed or ended unknown in an earlier phase,
// so that one stuck user never keeps everyone else's access in place. When
// the run is interrupted it starts nothing new and lets the requests in
// flight finish, within a drain timeout.
//
// It never imports pkg/scim or pkg/observed (the caller passes a Writer);
// what it may import is checked by internal/layout's test.
package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/progress"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// Defaults for Options.
const (
	DefaultConcurrency  = 4
	DefaultBatchSize    = 100
	DefaultDrainTimeout = 30 * time.Second
)

// Options tune Run.
type Options struct {
	// Concurrency is how many independent requests run in parallel within a
	// phase (default DefaultConcurrency).
	Concurrency int
	// BatchSize is the most member values in one add PATCH (default
	// DefaultBatchSize).
	BatchSize int
	// Logger receives debug lines per operation and info lines per phase
	// (debug lines when a progress line shows the phases on a terminal);
	// nil means zap.NewNop().
	Logger *zap.Logger
	// Progress shows progress for humans, one bar per phase (see package
	// progress). Nil means none. The caller shares it with its logger
	// (Progress.Writer) so that log lines never break a progress line.
	// Run's own status lines ("Finished: ...") are written through it, or,
	// when it hands its lines to a hook (Progress.Hooked: the caller logs
	// them), logged to Logger as entries with fields.
	Progress *progress.Progress
	// Terminal says Progress is on a terminal: the per-phase log lines are
	// then written at debug level, as the progress line shows the phases.
	Terminal bool
	// Now is the clock for durations and progress (nil means time.Now).
	Now func() time.Time
	// DrainTimeout is how long requests in flight may still run once ctx
	// ends (default DefaultDrainTimeout); then their context is cancelled
	// and their outcome is unknown.
	DrainTimeout time.Duration
	// Abandon, closed after ctx ends (a second interrupt), gives up the
	// requests in flight at once, as the drain timeout would: their
	// context is cancelled and their outcome is unknown, so that Run
	// returns its report without waiting for a server that does not
	// answer. Nil: never.
	Abandon <-chan struct{}
	// Redactor hides the API key in what a failed operation's error or
	// detail (server text) says, before a skipped operation's reason quotes
	// it cut to caps.Detail; nil: nothing to hide.
	Redactor *sanitize.Redactor
}

// withDefaults fills the zero fields.
func (o Options) withDefaults() Options {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = DefaultDrainTimeout
	}
	return o
}

// ErrBlocked is returned by Run for a plan that a safety limit blocks.
var ErrBlocked = errors.New("apply: a safety limit blocks the plan; nothing was written")

// errDrained is the cause given to the Writer's context when the drain
// timeout ends the requests still in flight after an interrupt.
var errDrained = errors.New("apply was interrupted and the drain timeout passed")

// errAbandoned is the cause given to the Writer's context when a second
// interrupt gives up the requests still in flight (Options.Abandon).
var errAbandoned = errors.New("apply was interrupted again: the requests in flight were given up")

// reasonInterrupted is the Reason of every operation an interrupt kept from
// starting.
const reasonInterrupted = "not started: apply was interrupted"

// reasonNotRetried is an operation whose attempt was refused in a way that
// heals (a 429) and that the interrupt kept from being tried again.
const reasonNotRetried = "not tried again: apply was interrupted"

// reasonKeyNotRetried is an operation whose add chunk was refused once the
// key was found refused: the chunk's halves are not sent.
const reasonKeyNotRetried = "not tried again: the server refused the API key (401) on an earlier write"

// reasonKeyRefused is the Reason of every operation not sent because the
// server refused the API key (401) on an earlier write: a key revoked or
// expired during the run refuses every write after it, and sending them
// all (about 17 minutes for 10,000 at the default rate) would only repeat
// the refusal.
const reasonKeyRefused = "not sent: the server refused the API key (401) on an earlier write"

// reasonMultiTenant is the Reason of every deactivation not sent once the
// server said it is W&B Multi-tenant Cloud while the plan was made for
// Dedicated Cloud: there a deactivation removes the user from the
// organization for good, which the plan approved did not say.
const reasonMultiTenant = "not sent: the server said on an earlier write that it is W&B Multi-tenant Cloud, where a deactivation removes the user from the organization for good, and the plan was made for Dedicated Cloud or self-managed: plan again with --deployment saas, and review its irreversible deactivations"

// reasonSeatLimit is the Reason of every create and reactivation not sent
// because an earlier one was refused for the organization's seat limit:
// each would be refused alike (1,200 refusals, each with the hint), and a
// seat this run frees comes only with the deactivations, after them.
const reasonSeatLimit = "not sent: the organization's seat limit was reached on an earlier create or reactivation (deactivations run after creates, so seats they may free are usable from the next apply on)"

// Run applies the plan's changes in order and records every operation's
// outcome. It never stops at the first failure: independent operations
// continue; a remove_member or deactivate_user is skipped (StatusSkipped,
// Reason and CausedBy say why) when an operation on its user failed or ended
// unknown in an earlier phase. A blocked plan (p.IsBlocked()) runs nothing
// and returns ErrBlocked.
//
// Phases run in plan.Action.Phase order with a barrier between them. Within a
// phase, changes that write the same resource (the same team for member
// changes, the same user otherwise) run one after another; different
// resources run in parallel up to opts.Concurrency.
//
// When ctx ends (the first interrupt), Run starts no new operation and
// records the rest as skipped, but the Writer calls in flight go on: their
// context is not cancelled by ctx, only opts.DrainTimeout after it ends. Run
// then returns the report (Interrupted true) with an error wrapping
// context.Cause(ctx).
func Run(ctx context.Context, p plan.Plan, w Writer, opts Options) (*Report, error) {
	if p.IsBlocked() {
		return nil, ErrBlocked
	}
	opts = opts.withDefaults()
	r := newRunner(ctx.Done(), p.Changes, w, opts)
	r.admins = p.Limits.ActiveAdmins
	wctx, stopDrain := drainContext(ctx, opts.DrainTimeout, opts.Abandon)
	defer stopDrain()

	start := opts.Now()
	for lo := 0; lo < len(r.changes); {
		hi := lo + 1
		for hi < len(r.changes) && r.changes[hi].Action == r.changes[lo].Action {
			hi++
		}
		r.runPhase(wctx, lo, hi)
		lo = hi
	}
	elapsed := opts.Now().Sub(start)
	rep := NewReport(p, start)
	rep.Results, rep.Requests, rep.DurationMS = r.results, int(r.requests.Load()), elapsed.Milliseconds()
	rep.MultiTenantSaid = r.multiTenant.Load() > 0
	rep.SeatLimitReached = r.seatsFull.Load() > 0
	rep.count()
	noun := "write requests"
	if rep.Requests == 1 {
		noun = "write request"
	}
	r.status(zapcore.InfoLevel, fmt.Sprintf("Finished: %d %s in %s", rep.Requests, noun, elapsed.Round(time.Millisecond)),
		"finished", zap.Int("write_requests", rep.Requests), zap.Duration("elapsed", elapsed))
	if ctx.Err() != nil {
		rep.Interrupted = true
		stopped := rep.stopped()
		own := rep.Skipped - stopped // skipped for reasons of their own (an operation they depend on failed)
		if stopped == 0 && rep.Unknown == 0 {
			// The signal came while the last operations were in flight:
			// it stopped none of them. Said so, so that a reader does not
			// take it for a partial run (verification is still not run).
			return rep, fmt.Errorf("apply interrupted after its last operation had started: the interrupt stopped no operation (%d ok, %d failed, %d skipped for reasons the report gives, none with an unknown outcome): %w",
				rep.OK, rep.Failed, own, context.Cause(ctx))
		}
		ownText := ""
		if own > 0 {
			ownText = fmt.Sprintf(", %d skipped for reasons the report gives", own)
		}
		return rep, fmt.Errorf("apply interrupted: %d operation(s) not started (or not tried again), %d with an unknown outcome%s: %w",
			stopped, rep.Unknown, ownText, context.Cause(ctx))
	}
	return rep, nil
}

// drainContext returns the context Writer calls run under: not cancelled
// when ctx ends, but d after that, or once abandon is closed. stop
// releases it once the run is over.
func drainContext(ctx context.Context, d time.Duration, abandon <-chan struct{}) (wctx context.Context, stop func()) {
	wctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	stopAfter := context.AfterFunc(ctx, func() {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			cancel(errDrained)
		case <-abandon:
			cancel(errAbandoned)
		case <-wctx.Done():
		}
	})
	return wctx, func() {
		stopAfter()
		cancel(context.Canceled)
	}
}

// runner holds one Run's state. results[i] belongs to changes[i]; each index
// is written by exactly one goroutine at a time (the unit that owns it), and
// read by others only after the phase barrier.
type runner struct {
	w    Writer
	opts Options
	log  *zap.Logger
	prog *progress.Progress
	bar  *progress.Bar // the current phase's; set between phases only
	// stop is closed when the run is interrupted (nil: never).
	stop <-chan struct{}
	// refused is 1 + the index of the first operation the server answered
	// 401 when a read then showed the key refused (0: none): no operation
	// starts after it (halted).
	refused atomic.Int64
	// seatsFull is 1 + the index of the first create or reactivation the
	// server refused for the seat limit (0: none): no create or
	// reactivation is sent after it (seatLimitReached).
	seatsFull atomic.Int64
	// multiTenant is 1 + the index of the first operation whose refusal
	// said the server is W&B Multi-tenant Cloud while the plan was made
	// for Dedicated Cloud (0: none): no deactivation is sent after it.
	multiTenant atomic.Int64
	// deactivated counts the deactivations the server made so far: when
	// the key is then refused, its owner may be among them.
	deactivated atomic.Int64
	// keyMu guards keyProbes, the reads made to check the key after a
	// 401 (at most caps.KeyProbes in a run), and keyProbed, the error of
	// the last 401 checked: an add chunk's members share theirs, and one
	// refused request is checked once.
	keyMu     sync.Mutex
	keyProbes int
	keyProbed error
	changes   []plan.Change
	results   []Result

	requests atomic.Int64
	// addLimit is the chunk size add_member requests use once the server
	// refused a larger one as too large (413): later teams start there
	// instead of finding the cap again (0: none seen).
	addLimit atomic.Int64

	deps deps
	// givers maps the index of an email update that takes an email
	// another update of the run gives up to the index of that update
	// (plan.EmailGivers): it is sent once that one is done (runHandovers).
	// Set before the update_user phase starts its operations.
	givers map[int]int
	// admins is the plan's count of active org admins (holdAdminLosses).
	admins int
	// readBack holds, per promotion read back (holdAdminLosses), "" when
	// the user read back as an active admin, else what the read showed.
	readBack map[int]string
}

// newRunner prepares a run of changes, sorted into apply order.
func newRunner(stop <-chan struct{}, changes []plan.Change, w Writer, opts Options) *runner {
	changes = slices.Clone(changes)
	slices.SortStableFunc(changes, func(a, b plan.Change) int { return a.Action.Phase() - b.Action.Phase() })
	r := &runner{
		w:       w,
		opts:    opts,
		log:     opts.Logger,
		prog:    opts.Progress,
		stop:    stop,
		changes: changes,
		results: make([]Result, len(changes)),
		deps:    newDeps(),
	}
	for i, c := range changes {
		r.results[i] = Result{Action: c.Action, Team: c.Team, User: c.User, UserID: c.UserID, TeamID: c.TeamID, From: c.From}
		if c.Action == plan.SetOrgRole || c.Action == plan.SetTeamRole || c.Action == plan.AddMember {
			r.results[i].Role = string(c.Role)
		}
		if c.Unverified() {
			r.results[i].Reason = c.Reason
		}
	}
	return r
}

// interrupted reports whether the run was interrupted.
func (r *runner) interrupted() bool {
	select {
	case <-r.stop:
		return true
	default:
		return false
	}
}

// halted reports whether no further operation starts, and why: the run
// was interrupted, or the server refused the key (cause: that operation).
func (r *runner) halted() (reason string, cause *int, ok bool) {
	if r.interrupted() {
		return reasonInterrupted, nil, true
	}
	if i, ok := r.refusedBy(); ok {
		return reasonKeyRefused, &i, true
	}
	return "", nil, false
}

// refusedBy returns the operation whose 401 the key check confirmed, and
// whether there is one.
func (r *runner) refusedBy() (int, bool) {
	c := r.refused.Load()
	return int(c - 1), c > 0
}

// noteKeyRefused is called when the server answered changes[i] 401. A
// Writer that can read (keyChecker) is asked whether the key is refused
// for reads too (a key revoked during the run): then, once, the run
// halts; a read that goes through (a 401 about that write alone), or
// fails otherwise, halts nothing. Past caps.KeyProbes reads, a 401 is
// that operation's failure alone. A Writer that cannot read halts at once.
func (r *runner) noteKeyRefused(ctx context.Context, i int, werr error) {
	kc, canCheck := r.w.(keyChecker)
	if canCheck {
		r.keyMu.Lock()
		defer r.keyMu.Unlock()
		if r.refused.Load() > 0 || r.keyProbes >= caps.KeyProbes || werr == r.keyProbed || r.interrupted() {
			// Halted already, out of reads, this request checked, or
			// interrupted (nothing more starts: a read would change
			// nothing).
			return
		}
		r.keyProbes++
		r.keyProbed = werr
		refused, err := kc.KeyRefused(ctx)
		switch {
		case err != nil:
			r.log.Info("a write was answered 401, and the read to check the key failed otherwise: the other writes go on",
				zap.String("action", string(r.changes[i].Action)), zap.String("target", r.opts.Redactor.String(r.results[i].target())), zap.Error(err))
			return
		case !refused:
			r.log.Info("a write was answered 401, but the key still reads: the other writes go on",
				zap.String("action", string(r.changes[i].Action)), zap.String("target", r.opts.Redactor.String(r.results[i].target())))
			return
		}
	}
	if r.refused.CompareAndSwap(0, int64(i)+1) {
		if canCheck {
			kc.StopWrites() // those waiting for their turn (the rate limit) too
		}
		r.log.Error("the server refused the API key on a write: no further write is sent",
			zap.String("action", string(r.changes[i].Action)), zap.String("target", r.opts.Redactor.String(r.results[i].target())))
	}
}

// phaseLevel is the level of the per-phase log lines: debug when a
// progress line on a terminal shows the phases already.
func (r *runner) phaseLevel() zapcore.Level {
	if r.opts.Terminal && r.opts.Progress != nil {
		return zapcore.DebugLevel
	}
	return zapcore.InfoLevel
}

// status shows a status line for people: text on the progress stream, or,
// when the progress hands its lines to a hook, a log entry msg with fields
// at level (the caller's logs are then the only output).
func (r *runner) status(level zapcore.Level, text, msg string, fields ...zap.Field) {
	if r.prog.Hooked() {
		r.log.Log(level, msg, fields...)
		return
	}
	fmt.Fprintln(r.prog.Writer(), text)
}
