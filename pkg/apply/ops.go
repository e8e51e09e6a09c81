package apply

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/wbsync/wbsync/pkg/bug"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// one runs a single change other than add_member and records its result;
// a panic while doing it (a bug) is its result alone (see finish).
func (r *runner) one(ctx context.Context, i int) {
	var err error
	func() {
		defer bug.Recover(&err)
		err = r.do(ctx, i)
	}()
	r.finish(ctx, i, err)
}

// do sends changes[i] and returns its error (nil: done).
func (r *runner) do(ctx context.Context, i int) error {
	c := r.changes[i]
	res := &r.results[i]
	if takesSeat(c) {
		if j := r.seatsFull.Load(); j > 0 {
			return errDependency{reasonSeatLimit, int(j - 1)}
		}
	}
	if c.Action == plan.DeactivateUser {
		if j := r.multiTenant.Load(); j > 0 {
			return errDependency{reasonMultiTenant, int(j - 1)}
		}
	}
	switch c.Action {
	case plan.CreateUser:
		name := c.Username
		if name == "" {
			name = c.User
		}
		u := model.User{UserName: name, Email: c.User, DisplayName: c.Name, ExternalID: c.ExternalID, Active: true}
		id, err := r.create(ctx, i, "user", c.User, func(ctx context.Context) (string, error) { return r.w.CreateUser(ctx, u) })
		res.UserID = id
		return err
	case plan.CreateTeam:
		id, err := r.create(ctx, i, "team", c.Team, func(ctx context.Context) (string, error) { return r.w.CreateTeam(ctx, c.Team) })
		res.TeamID = id
		return err
	case plan.RemoveMember:
		uid, err := r.userID(c)
		if err != nil {
			return err
		}
		tid, err := r.teamID(c)
		if err != nil {
			return err
		}
		res.UserID, res.TeamID = uid, tid
		ctx, notFound := r.noteNotFound(ctx)
		err = r.send(ctx, []int{i}, func(ctx context.Context) error { return r.w.RemoveMember(ctx, tid, uid) })
		r.markNotFound(i, err, notFound)
		status, detail := statusOf(err)
		if status != http.StatusBadRequest || outcomeUnknown(err) {
			return err
		}
		if id := r.replacedBy(c); id != "" {
			// On Multi-tenant Cloud an invitation of a deactivated user
			// makes a new account, in no team: the old account, and its
			// membership, went with it, and the server may refuse the
			// removal of an id it no longer knows. The verification shows
			// whether the membership is gone.
			r.log.Info("a removal of an account this run's invitation replaced was refused 400: taken as done (the old account is gone, and its membership with it)",
				zap.String("user", c.User), zap.String("team", c.Team), zap.String("old_id", uid), zap.String("new_id", id), zap.Error(err))
			res.NotFound = true
			res.HTTPStatus, res.Detail = status, detail
			return nil
		}
		return err
	case plan.ReactivateUser, plan.DeactivateUser, plan.UpdateUser, plan.SetOrgRole, plan.SetTeamRole:
		return r.userOp(ctx, i)
	}
	return fmt.Errorf("unknown action %q", c.Action)
}

// create sends a create of the user or team called name, checks that the
// server returned an id, and records it for the changes that need it.
func (r *runner) create(ctx context.Context, i int, kind, name string, f func(context.Context) (string, error)) (string, error) {
	var id string
	adopted := func() bool { return false }
	if an, ok := r.w.(adoptionNoter); ok {
		ctx, adopted = an.NoteAdoption(ctx)
	}
	err := r.send(ctx, []int{i}, func(ctx context.Context) (err error) { id, err = f(ctx); return err })
	r.results[i].Adopted = err == nil && adopted()
	if err == nil && id == "" {
		err = fmt.Errorf("create_%s: the server returned no id", kind)
	}
	if err != nil {
		return "", err
	}
	r.deps.created(kind, name, id, replacedID(r.changes[i]))
	return id, nil
}

// replacedID is the id of the account create_user c replaces: on
// Multi-tenant Cloud, the invitation of a deactivated user
// (plan.ReasonRecreate) makes a new account; "" otherwise.
func replacedID(c plan.Change) string {
	if c.Action == plan.CreateUser && c.Reason == plan.ReasonRecreate {
		return c.From
	}
	return ""
}

// userOp sends changes[i], a change that writes one existing user resource.
func (r *runner) userOp(ctx context.Context, i int) error {
	c := r.changes[i]
	id, err := r.userID(c)
	if err != nil {
		return err
	}
	r.results[i].UserID = id
	var f func(context.Context) error
	switch c.Action {
	case plan.ReactivateUser:
		f = func(ctx context.Context) error { return r.w.SetActive(ctx, id, true) }
	case plan.DeactivateUser:
		var notFound func() bool
		ctx, notFound = r.noteNotFound(ctx)
		f = func(ctx context.Context) error {
			err := r.w.SetActive(ctx, id, false)
			r.markNotFound(i, err, notFound)
			return err
		}
	case plan.UpdateUser:
		if g, ok := r.givers[i]; ok && r.results[g].Status != StatusOK {
			// Its round is over: the email it takes is still held.
			return r.dependsOn(g)
		}
		u := model.User{ID: id, Email: c.Email, DisplayName: c.Name, ExternalID: c.ExternalID, Active: true}
		f = func(ctx context.Context) error { return r.w.UpdateUser(ctx, id, u) }
	case plan.SetOrgRole:
		if err := r.reactivationNotDone(id); err != nil {
			return err
		}
		if err := r.emailNotDoneForGrant(c, id); err != nil {
			return err
		}
		f = func(ctx context.Context) error { return r.w.SetOrgRole(ctx, id, c.Role) }
	default: // plan.SetTeamRole
		if err := r.addNotDone(c); err != nil {
			return err
		}
		// The role is set by the team's name; the report names the
		// team's id too, a team this run created included.
		if tid, err := r.teamID(c); err == nil {
			r.results[i].TeamID = tid
		}
		if err := r.reactivationNotDone(id); err != nil {
			return err
		}
		if err := r.emailNotDoneForGrant(c, id); err != nil {
			return err
		}
		f = func(ctx context.Context) error { return r.w.SetTeamRole(ctx, id, c.Team, c.Role) }
	}
	return r.send(ctx, []int{i}, f)
}

// noteNotFound returns ctx noting, when the Writer can say so
// (notFoundNoter), that a removal or deactivation sent with it was answered
// 404 and taken as done, and a function that reads the note.
func (r *runner) noteNotFound(ctx context.Context) (context.Context, func() bool) {
	if n, ok := r.w.(notFoundNoter); ok {
		return n.NoteNotFound(ctx)
	}
	return ctx, func() bool { return false }
}

// markNotFound marks changes[i] not_found when err is nil and the Writer
// noted the 404 it took as done (notFound), with that answer's status.
func (r *runner) markNotFound(i int, err error, notFound func() bool) {
	if err == nil && notFound() {
		r.results[i].NotFound, r.results[i].HTTPStatus = true, http.StatusNotFound
	}
}

// replacedBy returns the id this run's invitation of a deactivated user
// (a create_user of plan.ReasonRecreate: Multi-tenant Cloud) gave c's
// user when the account it replaces (plan.Change.From) is c.UserID, the
// live account c names, and the invitation made another: the old account
// is gone. "" otherwise (another account of the same name included).
func (r *runner) replacedBy(c plan.Change) string {
	if c.UserID == "" {
		return ""
	}
	k := createKey("user", c.User)
	r.deps.mu.Lock()
	defer r.deps.mu.Unlock()
	if id, ok := r.deps.ids[k]; ok && r.deps.replaced[k] == c.UserID && id != c.UserID {
		return id
	}
	return ""
}

// takesSeat reports whether c takes a seat of the organization (a create,
// a reactivation): after the seat limit refused one, the others are not
// sent.
func takesSeat(c plan.Change) bool {
	return c.Action == plan.CreateUser || c.Action == plan.ReactivateUser
}

// send makes one Writer call on behalf of the changes at idx, and counts
// the write requests it sent once for the run and once in each change's
// result, with their duration. A Writer that counts them (writeCounter:
// the SCIM client, whose count holds retries and an update's one PATCH per
// attribute) says how many, and how long its requests took, its waits for
// a turn left out; otherwise the call counts as one request, unless the
// Writer says it never went out (an interrupt while it waited for its
// turn), and its duration is the call's.
func (r *runner) send(ctx context.Context, idx []int, f func(context.Context) error) error {
	start := r.opts.Now()
	var count func() (int, time.Duration)
	if wc, ok := r.w.(writeCounter); ok {
		ctx, count = wc.CountWrites(ctx)
	}
	err := f(ctx)
	n, took := 1, time.Duration(-1)
	switch {
	case count != nil:
		n, took = count()
	case notSent(err):
		n = 0
	}
	if n == 0 {
		return err
	}
	r.requests.Add(int64(n))
	if took < 0 {
		took = r.opts.Now().Sub(start)
	}
	d := took.Milliseconds()
	for _, i := range idx {
		r.results[i].Requests += n
		r.results[i].DurationMS += d
	}
	return err
}

// finish records the outcome of changes[i]: done when err is nil, else
// failed, or unknown when the request may have reached the server. ctx is
// the Writer's context, which says whether the drain timeout cut the
// request off.
func (r *runner) finish(ctx context.Context, i int, err error) {
	c := r.changes[i]
	res := &r.results[i]
	var dep errDependency
	refusedBy, keyRefused := r.refusedBy()
	switch {
	case err == nil:
		res.Status = StatusOK
	case errors.As(err, &dep) && dep.cause >= 0:
		// Not sent: what it needs was not done. Skipped, naming the cause,
		// so that the failures counted are the requests that failed.
		res.Status, res.Reason, res.CausedBy = StatusSkipped, dep.msg, &dep.cause
	case errors.As(err, &dep):
		res.Status, res.Error = StatusFailed, dep.msg
	case notSent(err) && keyRefused:
		// Waiting for its turn when the key was refused: never sent.
		res.Status, res.Reason, res.CausedBy = StatusSkipped, reasonKeyRefused, &refusedBy
	case notSent(err) && r.seatsFull.Load() > 0 && takesSeat(c):
		// Waiting for its turn when the seat limit refused another.
		cause := int(r.seatsFull.Load() - 1)
		res.Status, res.Reason, res.CausedBy = StatusSkipped, reasonSeatLimit, &cause
	case outcomeUnknown(err), errors.As(err, new(*bug.Error)):
		// A panic (a bug) may come after the request was sent.
		res.Status, res.Error, res.StillAtWork = StatusUnknown, err.Error(), stillAtWork(err)
		if cause := context.Cause(ctx); errors.Is(cause, errDrained) || errors.Is(cause, errAbandoned) {
			// Go's "context canceled" says less than the cause: the cause
			// takes its place.
			if msg := err.Error(); errors.Is(err, context.Canceled) && strings.HasSuffix(msg, context.Canceled.Error()) {
				res.Error = strings.TrimSuffix(msg, context.Canceled.Error()) + cause.Error()
			} else {
				res.Error = fmt.Sprintf("%v (%v)", err, cause)
			}
		}
	case retryStopped(err) && res.Requests == 0:
		// Waiting for its first turn (--rate-limit) when the run was
		// interrupted: never sent.
		res.Status, res.Reason = StatusSkipped, reasonInterrupted
	case retryStopped(err):
		// Not done, and not tried again because the run was interrupted.
		res.Status, res.Reason = StatusSkipped, reasonNotRetried+": "+err.Error()
	default:
		res.Status, res.Error = StatusFailed, err.Error()
	}
	if c.Action == plan.CreateUser && err != nil {
		res.existing, res.unseenHolder = existingID(err), unseenHolder(err)
	}
	if (c.Action == plan.SetOrgRole || c.Action == plan.SetTeamRole) && err != nil {
		res.roleRefused = roleAttributeRefused(err)
	}
	if takesSeat(c) && res.Status == StatusFailed && seatLimit(err) &&
		r.seatsFull.CompareAndSwap(0, int64(i+1)) {
		if s, ok := r.w.(seatStopper); ok {
			s.StopSeatWrites() // those waiting for their turn are not sent either
		}
	}
	if saysMultiTenant(err) {
		r.multiTenant.CompareAndSwap(0, int64(i+1))
	}
	if res.DeactivatedByServer() {
		r.deactivated.Add(1)
	}
	if status, detail := statusOf(err); status != 0 || detail != "" {
		res.HTTPStatus, res.Detail = status, detail
		if res.HTTPStatus == http.StatusUnauthorized {
			r.noteKeyRefused(ctx, i, err)
			if n := r.deactivated.Load(); n > 0 && r.refused.Load() == int64(i)+1 {
				res.Error += KeyLostNote(int(n))
			}
		}
	}
	r.noteOutcome(i)
	r.log.Debug(string(res.Status), zap.String("action", string(c.Action)), zap.String("user", c.User), zap.String("team", c.Team), zap.Error(err))
	r.advance(res.Status)
}

// advance moves the phase's progress by one operation ended so: a skipped
// one (not done: a prerequisite failed, an interrupt) counts in no running
// line.
func (r *runner) advance(s Status) {
	if s == StatusSkipped {
		r.bar.Skip(1)
	} else {
		r.bar.Add(1)
	}
}

// skip records changes[i] as skipped (nothing sent) for reason; cause is
// the index of the operation that made it skip, if any.
func (r *runner) skip(i int, reason string, cause *int) {
	res := &r.results[i]
	res.Status, res.Reason, res.CausedBy = StatusSkipped, reason, cause
	r.noteOutcome(i)
	r.advance(StatusSkipped)
}

// notSplit records changes[i], whose add chunk the server refused (err)
// after the run halted, as skipped: the chunk's halves, which would tell
// which member the refusal was about, are not sent. The answer is kept;
// cause is the operation whose refused key halted the run, if any.
func (r *runner) notSplit(i int, err error, cause *int) {
	why := reasonNotRetried
	if cause != nil {
		why = reasonKeyNotRetried
	}
	if status, detail := statusOf(err); status != 0 || detail != "" {
		r.results[i].HTTPStatus, r.results[i].Detail = status, detail
	}
	r.skip(i, why+": "+err.Error(), cause)
}

// skipHalted records the changes at idx as not started because the run
// is halted (see halted).
func (r *runner) skipHalted(idx ...int) {
	reason, cause, _ := r.halted()
	for _, i := range idx {
		r.skip(i, reason, cause)
	}
}
