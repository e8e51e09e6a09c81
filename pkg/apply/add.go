package apply

import (
	"context"
	"errors"
	"net/http"

	"go.uber.org/zap"

	"github.com/wbsync/wbsync/pkg/caps"
)

// addUnit sends all add_member changes of one team (idx): AddMembers in
// chunks of BatchSize, one after another. Changes whose user or team has no
// id, or whose user's reactivation was not done, end first, without being
// sent.
func (r *runner) addUnit(ctx context.Context, idx []int) {
	tid, terr := r.teamID(r.changes[idx[0]])
	var ready []int
	for _, i := range idx {
		err := terr
		if err == nil {
			var uid string
			if uid, err = r.userID(r.changes[i]); err == nil {
				err = r.reactivationNotDone(uid)
			}
			if err == nil {
				err = r.emailNotDone(uid)
			}
			if err == nil {
				r.results[i].UserID, r.results[i].TeamID = uid, tid
				ready = append(ready, i)
				continue
			}
		}
		r.finish(ctx, i, err)
	}
	size := r.opts.BatchSize
	if l := int(r.addLimit.Load()); l > 0 && l < size {
		size = l
	}
	splits := caps.RefusalSplits
	for lo := 0; lo < len(ready); lo += size {
		r.addChunk(ctx, tid, ready[lo:min(lo+size, len(ready))], &splits)
	}
}

// lowerAddLimit makes n the add chunk size when it is below the current
// one.
func (r *runner) lowerAddLimit(n int) {
	for {
		cur := r.addLimit.Load()
		if cur != 0 && cur <= int64(n) || r.addLimit.CompareAndSwap(cur, int64(n)) {
			return
		}
	}
}

// addChunk sends one AddMembers request for the changes at idx, and
// reports whether that one request took them all. A 400, 404, 409 or 413 for
// more than one member splits the chunk in half and sends each half, so
// that a bad member (one the server refuses, or says is there already)
// fails alone; a 413 whose two halves then both go through in
// one request each was about size: the teams sent after it use the larger
// half's size (addLimit). A chunk whose outcome is unknown (an earlier
// attempt lost its answer after it was sent, and its retry was refused,
// such as a 400 "already a member") is not split: its members are
// reported unknown, as the retry's refusal may only say the first attempt
// was applied.
func (r *runner) addChunk(ctx context.Context, teamID string, idx []int, splits *int) bool {
	if _, _, halted := r.halted(); halted {
		r.skipHalted(idx...)
		return false
	}
	ids := make([]string, len(idx))
	for j, i := range idx {
		ids[j] = r.results[i].UserID
	}
	err := r.send(ctx, idx, func(ctx context.Context) error { return r.w.AddMembers(ctx, teamID, ids) })
	var se StatusError
	if err != nil && len(idx) > 1 && !outcomeUnknown(err) && errors.As(err, &se) &&
		splitOn(se.HTTPStatus(), splits) {
		if _, cause, halted := r.halted(); halted {
			// Halted while the chunk was out: its halves would be new
			// requests. Its members end with the chunk's answer.
			for _, i := range idx {
				r.notSplit(i, err, cause)
			}
			return false
		}
		r.log.Debug("add chunk refused; splitting", zap.String("team_id", teamID), zap.Int("members", len(idx)), zap.Int("status", se.HTTPStatus()))
		half := len(idx) / 2
		left := r.addChunk(ctx, teamID, idx[:half], splits)
		right := r.addChunk(ctx, teamID, idx[half:], splits)
		if se.HTTPStatus() == http.StatusRequestEntityTooLarge && left && right {
			r.lowerAddLimit(len(idx) - half) // too large for this server: later teams start there
		}
		return false
	}
	for _, i := range idx {
		r.finish(ctx, i, err)
	}
	return err == nil
}

// splitOn reports whether an add chunk refused with status is sent again
// in halves: a refusal that may concern one member (400 a bad value, 404 a
// user deleted since the plan was made, 409 W&B's "Resource already
// exists"), while the team's splits last, or the request's size (413).
// Other statuses concern the request or the team as a whole (a 404 for a
// team deleted since the plan costs the bounded splits, then fails every
// member).
func splitOn(status int, splits *int) bool {
	switch status {
	case http.StatusRequestEntityTooLarge:
		return true
	case http.StatusBadRequest, http.StatusNotFound, http.StatusConflict:
		if *splits > 0 {
			*splits--
			return true
		}
	}
	return false
}
