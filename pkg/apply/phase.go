package apply

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/wbsync/wbsync/pkg/bug"
	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/progress"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// runPhase runs changes[lo:hi], which share one action. ctx is the Writer's
// context (see drainContext).
func (r *runner) runPhase(ctx context.Context, lo, hi int) {
	action := r.changes[lo].Action
	if reason, _, halted := r.halted(); halted {
		why := "apply was interrupted"
		if reason == reasonKeyRefused {
			why = "the server refused the API key (401)"
		}
		r.bar = nil
		r.skipHalted(indices(lo, hi)...)
		r.status(zapcore.WarnLevel, fmt.Sprintf("Skipping %d %s: %s", hi-lo, action, why),
			"skipping: "+why, zap.String("action", string(action)), zap.Int("operations", hi-lo))
		return
	}
	level := r.phaseLevel()
	r.log.Log(level, "phase start", zap.String("action", string(action)), zap.Int("operations", hi-lo))
	r.bar = r.prog.Start(string(action), hi-lo)

	todo := indices(lo, hi)
	if action.Destructive() {
		todo = r.skipBlocked(lo, hi)
	}
	if action == plan.SetOrgRole {
		// Promotions to admin first: a demotion of an admin waits for
		// them, and is held back when one was not done (below).
		var gains, rest []int
		for _, i := range todo {
			if makesAdmin(r.changes[i]) {
				gains = append(gains, i)
			} else {
				rest = append(rest, i)
			}
		}
		r.runUnits(ctx, action, r.units(gains))
		todo = rest
	}
	if action == plan.UpdateUser {
		todo = r.runHandovers(ctx, lo, hi, todo)
	}
	todo = r.holdAdminLosses(ctx, todo)
	r.runUnits(ctx, action, r.units(todo))

	n := Report{Results: r.results[lo:hi]}
	n.count()
	r.bar.Done(tally(progress.Thousands, n.OK, n.Failed, n.Skipped, n.Unknown))
	r.log.Log(level, "phase done", zap.String("action", string(action)),
		zap.Int("ok", n.OK), zap.Int("failed", n.Failed), zap.Int("skipped", n.Skipped), zap.Int("unknown", n.Unknown))
}

// runHandovers runs the email updates among todo (changes[lo:hi], the
// update_user phase) round by round (plan.EmailRounds): an update that
// takes an email another update gives up is sent once that one is done
// (W&B keeps one account per email and refuses it before), and is skipped
// when that one was not done (userOp). It returns the last round's, for
// the caller to run as any phase's; todo itself when no update waits.
func (r *runner) runHandovers(ctx context.Context, lo, hi int, todo []int) []int {
	rounds, givers := plan.EmailRounds(r.changes[lo:hi])
	if rounds == nil {
		return todo
	}
	r.givers = map[int]int{}
	for i, g := range givers {
		if g >= 0 {
			r.givers[lo+i] = lo + g
		}
	}
	byRound := make([][]int, slices.Max(rounds)+1)
	for _, i := range todo {
		byRound[rounds[i-lo]] = append(byRound[rounds[i-lo]], i)
	}
	last := len(byRound) - 1
	for _, round := range byRound[:last] {
		r.runUnits(ctx, plan.UpdateUser, r.units(round))
	}
	return byRound[last]
}

// runUnits runs each unit (see units) in its own goroutine, at most
// Concurrency at a time, and waits for them all. Once the run is
// interrupted no further unit starts.
func (r *runner) runUnits(ctx context.Context, action plan.Action, units [][]int) {
	sem := make(chan struct{}, r.opts.Concurrency)
	var wg sync.WaitGroup
	for _, u := range units {
		if !r.acquire(sem) {
			r.skipHalted(u...)
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			var err error
			defer func() {
				if err != nil { // a panic in the unit's adds: their outcome is unknown
					for _, i := range u {
						if r.results[i].Status == "" {
							r.finish(ctx, i, err)
						}
					}
				}
			}()
			defer bug.Recover(&err)
			r.runUnit(ctx, action, u)
		})
	}
	wg.Wait()
}

// acquire takes a slot in sem, or reports false when the run is
// interrupted first.
func (r *runner) acquire(sem chan struct{}) bool {
	select {
	case sem <- struct{}{}:
		if _, _, halted := r.halted(); halted { // a free slot and the interrupt may come together
			<-sem
			return false
		}
		return true
	case <-r.stop:
		return false
	}
}

// runUnit runs one unit's changes one after another: the adds to one team
// as batched PATCHes, anything else one request (or so) per change.
func (r *runner) runUnit(ctx context.Context, action plan.Action, unit []int) {
	if action == plan.AddMember {
		r.addUnit(ctx, unit)
		return
	}
	for _, i := range unit {
		if _, _, halted := r.halted(); halted {
			r.skipHalted(i)
			continue
		}
		r.one(ctx, i)
	}
}

// units groups the changes at idx (one action) by the resource they write,
// in plan order: member changes and team creates by team (its id: two live
// teams may share a name), everything else by user.
func (r *runner) units(idx []int) [][]int {
	var order []string
	byKey := map[string][]int{}
	for _, i := range idx {
		c := r.changes[i]
		var k string
		switch c.Action {
		case plan.AddMember, plan.RemoveMember, plan.CreateTeam:
			k = "t:" + teamKey(c)
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

// skipBlocked skips the destructive changes in [lo, hi) whose user an
// earlier phase left with a failed or unknown operation, and returns the
// others.
func (r *runner) skipBlocked(lo, hi int) []int {
	var todo []int
	skipped, unseen, existing := 0, 0, 0
	for i := lo; i < hi; i++ {
		cause, ok := r.deps.blocker(r.changes[i], lo)
		if !ok {
			todo = append(todo, i)
			continue
		}
		var reason string
		c, cr := r.changes[i], r.results[cause]
		switch {
		case cr.unseenHolder && cr.User != c.User:
			reason = unseenHolderReason(cr)
			unseen++
		case cr.Action == plan.CreateUser && cr.existing != "" && cr.existing == c.UserID && cr.User != c.User:
			reason = existingHolderReason(cr, r.opts.Redactor)
			existing++
		default:
			reason = blockedReason(cr, r.opts.Redactor)
			skipped++
		}
		r.skip(i, reason, &cause)
	}
	for _, l := range []struct {
		n   int
		msg string
	}{
		{skipped, "destructive operations skipped: an earlier operation on the same user was not done"},
		{existing, "destructive operations held: a user create was tied by its answer to an account not listed, which may be the person it is for"},
		{unseen, "destructive operations held: a user create was answered that its user exists, and no user listed explains it: its email may be one of these users'"},
	} {
		if l.n > 0 {
			r.log.Info(l.msg, zap.String("action", string(r.changes[lo].Action)), zap.Int("operations", l.n))
		}
	}
	return todo
}

// makesAdmin reports whether c makes its user an organization admin.
func makesAdmin(c plan.Change) bool {
	return c.Action == plan.SetOrgRole && c.Role.Norm() == model.RoleAdmin
}

// losesAdmin reports whether c may take an active admin away: a demotion
// of an admin, a non-admin org role asserted where the read reports none
// (it may be an admin's), or the deactivation of an admin or of a user
// whose role the read does not report (plan.RoleUnreported).
func losesAdmin(c plan.Change) bool {
	switch c.Action {
	case plan.SetOrgRole:
		return c.Role.Norm() != model.RoleAdmin && (model.Role(c.From).Norm() == model.RoleAdmin || c.From == "")
	case plan.DeactivateUser:
		return model.Role(c.From).Norm() == model.RoleAdmin || c.From == plan.RoleUnreported
	}
	return false
}

// holdAdminLosses skips the changes at idx that may take an active admin
// away when, a promotion to admin of this plan not being done, running
// them could leave the organization without one: the plan's last-admin
// check counted on the promotions. With roles reported, losses run, in
// plan order, while the admins the read reported, plus the promotions
// done, minus the losses done, leave one; an unverified non-admin role
// (roles not reported) runs only once an admin assertion was done. It
// returns the others. A held change blocks nothing else of its user
// (noteOutcome). When a loss here of an admin the read reported needs the
// promotions answered done (the admins the read reported, minus the
// losses done, leave none for it), whatever other promotions failed, they
// are read back (adminReader) until enough read back as active admins:
// only those count.
func (r *runner) holdAdminLosses(ctx context.Context, idx []int) []int {
	if _, _, halted := r.halted(); halted || !slices.ContainsFunc(idx, func(i int) bool { return losesAdmin(r.changes[i]) }) {
		// Not started (runUnits records them as interrupted), or
		// nothing here takes an admin away: most phases.
		return idx
	}
	// A user the plan reactivates is not an active admin before it: its
	// demotion takes none away. A promotion done is a gain: it runs only
	// once the user's create or reactivation was done (userOp), whatever
	// else of that user failed (an update, an add).
	reactivated := map[string]bool{}
	for _, c := range r.changes {
		if c.Action == plan.ReactivateUser && c.UserID != "" {
			reactivated[c.UserID] = true
		}
	}
	loses := func(c plan.Change) bool { return losesAdmin(c) && !(c.From != "" && reactivated[c.UserID]) }
	cause, gains, lost := -1, 0, 0
	var promoted []int // promotions answered done
	for i, c := range r.changes {
		st := r.results[i].Status
		if makesAdmin(c) && st == StatusOK {
			gains++
			promoted = append(promoted, i)
			continue
		}
		switch {
		case makesAdmin(c) && st != "" && cause < 0:
			cause = i
			if cb := r.results[i].CausedBy; cb != nil {
				cause = *cb // skipped for what it needed: name that
			}
		case loses(c) && c.From != "" && c.From != plan.RoleUnreported && (st == StatusOK || st == StatusUnknown):
			lost++ // an unknown outcome may have been done
		}
	}
	why := "" // the reason of a hold for a promotion that did not read back
	if gains > 0 {
		reported := 0 // losses of an admin the read reported
		for _, i := range idx {
			if c := r.changes[i]; loses(c) && c.From != "" && c.From != plan.RoleUnreported {
				reported++
			}
		}
		// Only a reported admin's loss is weighed against the admins left
		// (an unverified one waits for any promotion done): only it asks
		// the promotions to read back.
		if need := reported - (r.admins - lost - 1); reported > 0 && need > 0 {
			// The promotions are needed: only those that read back count.
			confirmed, first := r.readPromotionsBack(ctx, promoted, need)
			gains = confirmed
			if first >= 0 && cause < 0 {
				cause = first
				why = fmt.Sprintf("not run: %s %s was answered done earlier, but %s", r.changes[first].Action, r.results[first].target(), r.readBack[first])
			}
		}
	}
	if cause < 0 {
		return idx
	}
	allow := r.admins + gains - lost - 1 // admin losses that leave one
	var todo []int
	held := 0
	for _, i := range idx {
		c := r.changes[i]
		hold := false
		switch {
		case !loses(c):
		case c.From == "" || c.From == plan.RoleUnreported: // may be an admin's: once one is made
			hold = gains == 0
		case allow > 0:
			allow-- // in plan order: the first ones run
		default:
			hold = true
		}
		if !hold {
			todo = append(todo, i)
			continue
		}
		reason := why
		if reason == "" {
			reason = blockedReason(r.results[cause], r.opts.Redactor)
		}
		r.skip(i, reasonKeepAdmin+strings.TrimPrefix(reason, "not run: "), &cause)
		held++
	}
	if held > 0 {
		r.log.Warn("changes that may take an active admin away held back: a promotion to admin was not done, or did not read back as one",
			zap.String("action", string(r.changes[idx[0]].Action)), zap.Int("operations", held))
	}
	return todo
}

// readPromotionsBack reads the users of the promotions at idx back, in
// order, once per run each (runner.readBack), until need of them read
// back as active admins, when the Writer can (adminReader; otherwise each
// counts on its answer, and all are returned as confirmed). It returns
// how many did (at most need when read) and the first that did not (-1
// for none).
func (r *runner) readPromotionsBack(ctx context.Context, idx []int, need int) (confirmed, first int) {
	ar, ok := r.w.(adminReader)
	if !ok {
		return len(idx), -1
	}
	if r.readBack == nil {
		r.readBack = map[int]string{}
	}
	first = -1
	for _, i := range idx {
		if confirmed >= need {
			break
		}
		shown, done := r.readBack[i]
		if !done {
			role, active, err := ar.OrgRoleOf(ctx, r.results[i].UserID)
			switch {
			case err != nil:
				shown = "reading the user back failed: " + sanitize.Server(r.opts.Redactor, err.Error(), caps.Detail)
			case role == "":
				shown = "the user reads back with no organizationRole"
			case role != model.RoleAdmin:
				shown = "the user reads back as " + `"` + sanitize.Server(r.opts.Redactor, string(role), caps.Detail) + `"`
			case !active:
				shown = "the user reads back inactive"
			}
			r.readBack[i] = shown
			if shown != "" {
				r.log.Warn("a promotion to admin answered done does not read back as an active admin: it is not counted as one",
					zap.String("user", r.results[i].target()), zap.String("read", shown))
			}
		}
		if shown == "" {
			confirmed++
		} else if first < 0 {
			first = i
		}
	}
	return confirmed, first
}

// reasonKeepAdmin begins the reason of a change holdAdminLosses held back.
const reasonKeepAdmin = "not run, to keep an active admin: "

// indices returns lo, lo+1, ..., hi-1.
func indices(lo, hi int) []int {
	out := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}
