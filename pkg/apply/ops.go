package apply

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// errDependency marks a failure recorded without sending anything because
// something the change needs was not done.
type errDependency struct{ msg string }

func (e errDependency) Error() string { return e.msg }

// userID returns the SCIM id for the change's user: the live id, or the id
// of the user created in this run.
func (r *runner) userID(c plan.Change) (string, error) {
	return r.resolveID(c.UserID, "user", c.User, r.userIDs, r.userFail)
}

// teamID returns the SCIM id for the change's team, live or created now.
func (r *runner) teamID(c plan.Change) (string, error) {
	return r.resolveID(c.TeamID, "team", c.Team, r.teamIDs, r.teamFail)
}

// resolveID returns live when the plan gives it, else the id created in this
// run for name, else a dependency error saying why there is none.
func (r *runner) resolveID(live, kind, name string, created, failed map[string]string) (string, error) {
	if live != "" {
		return live, nil
	}
	k := model.Key(name)
	r.mu.Lock()
	defer r.mu.Unlock()
	if id, ok := created[k]; ok {
		return id, nil
	}
	if st, ok := failed[k]; ok {
		return "", errDependency{fmt.Sprintf("depends on %s create_%s %s", st, kind, name)}
	}
	return "", errDependency{fmt.Sprintf("no id for %s %s: the plan gives none and no create_%s for it ran", kind, name, kind)}
}

// noteNotDone remembers a create or add that did not happen (status
// "failed" or "skipped") so that what depends on it is not sent.
func (r *runner) noteNotDone(c plan.Change, status string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch c.Action {
	case plan.CreateUser:
		r.userFail[model.Key(c.User)] = status
	case plan.CreateTeam:
		r.teamFail[model.Key(c.Team)] = status
	case plan.AddMember:
		r.addFailed[[2]string{model.Key(c.Team), model.Key(c.User)}] = true
	}
}

// call makes one Writer request, counting it, and returns its duration and
// error.
func (r *runner) call(f func() error) (time.Duration, error) {
	r.requests.Add(1)
	start := time.Now()
	err := f()
	return time.Since(start), err
}

// finish records the outcome of changes[i]; err nil is success.
func (r *runner) finish(i int, err error) {
	c := r.changes[i]
	res := &r.results[i]
	if err == nil {
		res.Status = StatusOK
		r.log.Debug("ok", zap.String("action", string(c.Action)), zap.String("user", c.User), zap.String("team", c.Team))
		r.prog.done()
		return
	}
	res.Status, res.Error = StatusFailed, err.Error()
	var se StatusError
	if errors.As(err, &se) {
		res.HTTPStatus, res.Detail = se.HTTPStatus(), se.SCIMDetail()
	}
	r.failed.Add(1)
	r.noteNotDone(c, StatusFailed)
	r.log.Debug("failed", zap.String("action", string(c.Action)), zap.String("user", c.User), zap.String("team", c.Team), zap.Error(err))
	r.prog.done()
}

// one runs a single non-add change and records its result.
func (r *runner) one(ctx context.Context, i int) {
	c := r.changes[i]
	res := &r.results[i]
	send := func(f func() error) error {
		d, err := r.call(f)
		res.Requests++
		res.DurationMS += d.Milliseconds()
		return err
	}
	var err error
	switch c.Action {
	case plan.CreateUser:
		u := model.User{UserName: c.User, Email: c.User, DisplayName: c.Name, ExternalID: c.ExternalID, Active: true}
		var id string
		err = send(func() (e error) { id, e = r.w.CreateUser(ctx, u); return e })
		if err == nil && id == "" {
			err = errors.New("create_user: the server returned no id")
		}
		if err == nil {
			res.UserID = id
			r.mu.Lock()
			r.userIDs[model.Key(c.User)] = id
			r.mu.Unlock()
		}
	case plan.CreateTeam:
		var id string
		err = send(func() (e error) { id, e = r.w.CreateTeam(ctx, c.Team); return e })
		if err == nil && id == "" {
			err = errors.New("create_team: the server returned no id")
		}
		if err == nil {
			res.TeamID = id
			r.mu.Lock()
			r.teamIDs[model.Key(c.Team)] = id
			r.mu.Unlock()
		}
	case plan.ReactivateUser, plan.DeactivateUser, plan.UpdateUser, plan.SetOrgRole, plan.SetTeamRole:
		err = r.userOp(ctx, c, res, send)
	case plan.RemoveMember:
		var uid, tid string
		if uid, err = r.userID(c); err == nil {
			if tid, err = r.teamID(c); err == nil {
				res.UserID, res.TeamID = uid, tid
				err = send(func() error { return r.w.RemoveMember(ctx, tid, uid) })
			}
		}
	default:
		err = fmt.Errorf("unknown action %q", c.Action)
	}
	r.finish(i, err)
}

// userOp runs a change that writes one user resource.
func (r *runner) userOp(ctx context.Context, c plan.Change, res *Result, send func(func() error) error) error {
	id, err := r.userID(c)
	if err != nil {
		return err
	}
	res.UserID = id
	switch c.Action {
	case plan.ReactivateUser:
		return send(func() error { return r.w.SetActive(ctx, id, true) })
	case plan.DeactivateUser:
		return send(func() error { return r.w.SetActive(ctx, id, false) })
	case plan.UpdateUser:
		u := model.User{ID: id, UserName: c.User, Email: c.User, DisplayName: c.Name, ExternalID: c.ExternalID, Active: true}
		return send(func() error { return r.w.UpdateUser(ctx, id, u) })
	case plan.SetOrgRole:
		return send(func() error { return r.w.SetOrgRole(ctx, id, c.Role) })
	default: // plan.SetTeamRole
		r.mu.Lock()
		addFailed := r.addFailed[[2]string{model.Key(c.Team), model.Key(c.User)}]
		r.mu.Unlock()
		if addFailed {
			return errDependency{fmt.Sprintf("depends on failed add_member %s to team %s", c.User, c.Team)}
		}
		return send(func() error { return r.w.SetTeamRole(ctx, id, c.Team, c.Role) })
	}
}

// addItem is one add_member change ready to send.
type addItem struct {
	i  int    // index into changes/results
	id string // user id
}

// addUnit sends all add_member changes of one team: AddMembers in chunks of
// BatchSize, one after another.
func (r *runner) addUnit(ctx context.Context, idx []int) {
	tid, terr := r.teamID(r.changes[idx[0]])
	var items []addItem
	for _, i := range idx {
		if terr != nil {
			r.finish(i, terr)
			continue
		}
		uid, err := r.userID(r.changes[i])
		if err != nil {
			r.finish(i, err)
			continue
		}
		r.results[i].UserID, r.results[i].TeamID = uid, tid
		items = append(items, addItem{i: i, id: uid})
	}
	for lo := 0; lo < len(items); lo += r.opts.BatchSize {
		r.addChunk(ctx, tid, items[lo:min(lo+r.opts.BatchSize, len(items))])
	}
}

// addChunk sends one AddMembers request for items. A 400 or 413 for more
// than one member splits the chunk in half and retries each half, so that a
// bad member fails alone.
func (r *runner) addChunk(ctx context.Context, teamID string, items []addItem) {
	if ctx.Err() != nil {
		for _, it := range items {
			r.skip(it.i, "not started: apply was interrupted")
		}
		return
	}
	ids := make([]string, len(items))
	for j, it := range items {
		ids[j] = it.id
	}
	d, err := r.call(func() error { return r.w.AddMembers(ctx, teamID, ids) })
	for _, it := range items {
		r.results[it.i].Requests++
		r.results[it.i].DurationMS += d.Milliseconds()
	}
	var se StatusError
	if err != nil && len(items) > 1 && errors.As(err, &se) &&
		(se.HTTPStatus() == http.StatusBadRequest || se.HTTPStatus() == http.StatusRequestEntityTooLarge) {
		r.log.Debug("add chunk refused; splitting", zap.String("team_id", teamID), zap.Int("members", len(items)), zap.Int("status", se.HTTPStatus()))
		half := len(items) / 2
		r.addChunk(ctx, teamID, items[:half])
		r.addChunk(ctx, teamID, items[half:])
		return
	}
	for _, it := range items {
		r.finish(it.i, err)
	}
}
