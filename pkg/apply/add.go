package apply

import (
	"context"
	"errors"
	"net/http"

	"go.uber.org/zap"
)

// addUnit sends all add_member changes of one team (idx): AddMembers in
// chunks of BatchSize, one after another. Changes whose user or team has no
// id fail first, without being sent.
func (r *runner) addUnit(ctx context.Context, idx []int) {
	tid, terr := r.teamID(r.changes[idx[0]])
	var ready []int
	for _, i := range idx {
		err := terr
		if err == nil {
			var uid string
			if uid, err = r.userID(r.changes[i]); err == nil {
				r.results[i].UserID, r.results[i].TeamID = uid, tid
				ready = append(ready, i)
				continue
			}
		}
		r.finish(ctx, i, err)
	}
	for lo := 0; lo < len(ready); lo += r.opts.BatchSize {
		r.addChunk(ctx, tid, ready[lo:min(lo+r.opts.BatchSize, len(ready))])
	}
}

// addChunk sends one AddMembers request for the changes at idx. A 400 or 413
// for more than one member splits the chunk in half and sends each half, so
// that a bad member fails alone.
func (r *runner) addChunk(ctx context.Context, teamID string, idx []int) {
	if r.interrupted() {
		r.skipInterrupted(idx...)
		return
	}
	ids := make([]string, len(idx))
	for j, i := range idx {
		ids[j] = r.results[i].UserID
	}
	err := r.send(idx, func() error { return r.w.AddMembers(ctx, teamID, ids) })
	var se StatusError
	if err != nil && len(idx) > 1 && errors.As(err, &se) &&
		(se.HTTPStatus() == http.StatusBadRequest || se.HTTPStatus() == http.StatusRequestEntityTooLarge) {
		r.log.Debug("add chunk refused; splitting", zap.String("team_id", teamID), zap.Int("members", len(idx)), zap.Int("status", se.HTTPStatus()))
		half := len(idx) / 2
		r.addChunk(ctx, teamID, idx[:half])
		r.addChunk(ctx, teamID, idx[half:])
		return
	}
	for _, i := range idx {
		r.finish(ctx, i, err)
	}
}
