// Package apply carries out a plan.Plan against a SCIM server through the
// Writer interface: phase by phase in the plan's apply order, with the fewest
// requests (one add PATCH per team per chunk), bounded parallelism, and a
// Report that records every operation's outcome. It keeps going past
// independent failures but never runs destructive phases (member removals,
// deactivations) after anything failed.
//
// It may import the standard library, zap, pkg/model and pkg/diff; never
// pkg/scim or pkg/observed (the caller passes a Writer).
package apply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// Defaults for Options.
const (
	DefaultConcurrency = 4
	DefaultBatchSize   = 100
)

// Options tune Run.
type Options struct {
	// Concurrency is how many independent requests run in parallel within a
	// phase (default DefaultConcurrency).
	Concurrency int
	// BatchSize is the most member values in one add PATCH (default
	// DefaultBatchSize).
	BatchSize int
	// Logger receives debug lines per operation and info lines per phase;
	// nil means zap.NewNop().
	Logger *zap.Logger
	// Progress receives progress lines for humans: a line per phase and a
	// running count (no spinner). Nil means none.
	Progress io.Writer
}

// ErrBlocked is returned by Run for a plan that a safety limit blocks.
var ErrBlocked = errors.New("apply: a safety limit blocks the plan; nothing was written")

// Run applies the plan's changes in order and records every operation's
// outcome. It never stops at the first failure: independent operations
// continue; destructive phases (remove_member, deactivate_user) are skipped
// (status "skipped", Reason says why) if any earlier operation failed. A
// blocked plan (p.IsBlocked()) runs nothing and returns ErrBlocked.
//
// Phases run in plan.Action.Phase order with a barrier between them. Within a
// phase, changes that write the same resource (the same team for member
// changes, the same user otherwise) run one after another; different
// resources run in parallel up to opts.Concurrency.
//
// When ctx is cancelled, Run starts no new operation, records the rest as
// skipped, and returns the report together with an error wrapping ctx.Err().
func Run(ctx context.Context, p plan.Plan, w Writer, opts Options) (*Report, error) {
	if p.IsBlocked() {
		return nil, ErrBlocked
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	changes := slices.Clone(p.Changes)
	slices.SortStableFunc(changes, func(a, b plan.Change) int { return a.Action.Phase() - b.Action.Phase() })

	r := &runner{
		w:         w,
		opts:      opts,
		log:       log,
		changes:   changes,
		results:   make([]Result, len(changes)),
		userIDs:   map[string]string{},
		teamIDs:   map[string]string{},
		userFail:  map[string]string{},
		teamFail:  map[string]string{},
		addFailed: map[[2]string]bool{},
		prog:      &progress{w: opts.Progress},
	}
	for i, c := range changes {
		r.results[i] = Result{Action: c.Action, Team: c.Team, User: c.User, UserID: c.UserID, TeamID: c.TeamID}
	}
	start := time.Now()
	interrupted := false
	for lo := 0; lo < len(changes); {
		hi := lo + 1
		for hi < len(changes) && changes[hi].Action == changes[lo].Action {
			hi++
		}
		if r.runPhase(ctx, lo, hi) {
			interrupted = true
		}
		lo = hi
	}
	rep := &Report{Results: r.results, Requests: int(r.requests.Load()), DurationMS: time.Since(start).Milliseconds()}
	for _, res := range rep.Results {
		switch res.Status {
		case StatusOK:
			rep.OK++
		case StatusFailed:
			rep.Failed++
		case StatusSkipped:
			rep.Skipped++
		}
	}
	r.prog.printf("Finished: %d write requests in %s\n", rep.Requests, time.Since(start).Round(time.Millisecond))
	if interrupted {
		return rep, fmt.Errorf("apply interrupted, %d operations not started: %w", rep.Skipped, context.Cause(ctx))
	}
	return rep, nil
}

// runner holds one Run's state. results[i] belongs to changes[i]; each index
// is written by exactly one goroutine at a time (the unit that owns it).
type runner struct {
	w       Writer
	opts    Options
	log     *zap.Logger
	changes []plan.Change
	results []Result

	requests atomic.Int64
	failed   atomic.Int64 // failed operations so far (gates destructive phases)

	mu        sync.Mutex
	userIDs   map[string]string  // created users: model.Key(email) → id
	teamIDs   map[string]string  // created teams: model.Key(name) → id
	userFail  map[string]string  // creates not done: key → "failed" | "skipped"
	teamFail  map[string]string  // same for teams
	addFailed map[[2]string]bool // adds not done: {team key, user key}
	prog      *progress
}

// runPhase runs changes[lo:hi] (one action) and reports whether ctx
// cancellation left any of them unstarted.
func (r *runner) runPhase(ctx context.Context, lo, hi int) (interrupted bool) {
	action := r.changes[lo].Action
	n := hi - lo
	if err := ctx.Err(); err != nil {
		r.skipRange(lo, hi, "not started: apply was interrupted")
		r.prog.printf("Skipping %d %s: apply was interrupted\n", n, action)
		return true
	}
	if action.Destructive() {
		if f := r.failed.Load(); f > 0 {
			reason := fmt.Sprintf("not run: %d earlier operation(s) failed, and destructive changes never run on top of a failed apply; fix the failures and apply again", f)
			r.skipRange(lo, hi, reason)
			r.prog.printf("Skipping %d %s: %d earlier operation(s) failed\n", n, action, f)
			r.log.Info("destructive phase skipped", zap.String("action", string(action)), zap.Int("operations", n), zap.Int64("earlier_failures", f))
			return false
		}
	}
	r.prog.startPhase(action, n)
	r.log.Info("phase start", zap.String("action", string(action)), zap.Int("operations", n))

	units := r.units(lo, hi)
	sem := make(chan struct{}, r.opts.Concurrency)
	var wg sync.WaitGroup
	for _, u := range units {
		if ctx.Err() != nil {
			for _, i := range u {
				r.skip(i, "not started: apply was interrupted")
			}
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			for _, i := range u {
				r.skip(i, "not started: apply was interrupted")
			}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if action == plan.AddMember {
				r.addUnit(ctx, u)
			} else {
				for _, i := range u {
					if ctx.Err() != nil {
						r.skip(i, "not started: apply was interrupted")
						continue
					}
					r.one(ctx, i)
				}
			}
		}()
	}
	wg.Wait()

	var ok, failed, skipped int
	for _, res := range r.results[lo:hi] {
		switch res.Status {
		case StatusOK:
			ok++
		case StatusFailed:
			failed++
		default:
			skipped++
			if ctx.Err() != nil {
				interrupted = true
			}
		}
	}
	r.prog.endPhase(action, ok, failed, skipped)
	r.log.Info("phase done", zap.String("action", string(action)), zap.Int("ok", ok), zap.Int("failed", failed), zap.Int("skipped", skipped))
	return interrupted
}

// units groups changes[lo:hi] by the resource they write, in plan order:
// member changes by team, team creates by team, everything else by user.
func (r *runner) units(lo, hi int) [][]int {
	var order []string
	byKey := map[string][]int{}
	for i := lo; i < hi; i++ {
		c := r.changes[i]
		var k string
		switch c.Action {
		case plan.AddMember, plan.RemoveMember, plan.CreateTeam:
			k = "t:" + model.Key(c.Team)
		default:
			k = "u:" + model.Key(c.User)
		}
		if _, ok := byKey[k]; !ok {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], i)
	}
	out := make([][]int, len(order))
	for j, k := range order {
		out[j] = byKey[k]
	}
	return out
}

// skipRange records changes[lo:hi] as skipped for reason.
func (r *runner) skipRange(lo, hi int, reason string) {
	for i := lo; i < hi; i++ {
		r.skip(i, reason)
	}
}

// skip records changes[i] as skipped (nothing sent).
func (r *runner) skip(i int, reason string) {
	res := &r.results[i]
	res.Status, res.Reason = StatusSkipped, reason
	r.noteNotDone(r.changes[i], StatusSkipped)
	r.prog.done()
}
