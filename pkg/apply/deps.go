package apply

import (
	"fmt"
	"strings"
	"sync"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// deps is what later operations of a run need to know about earlier ones:
// the ids created, the creates and adds that were not done, and the users
// an operation failed on. It is safe for concurrent use.
type deps struct {
	mu sync.Mutex
	// ids maps "user:"/"team:" + model.Key(name) to the id created in this
	// run; replaced maps the keys of those users that were invitations of
	// a deactivated user (plan.ReasonRecreate) to the id of the account
	// the invitation replaces (plan.Change.From).
	ids      map[string]string
	replaced map[string]string
	// notDone maps "user:"/"team:" + key of a create, "add:" + team key
	// + "\x00" + user key of an add, and "reactivate:" + SCIM id of a
	// reactivation, to the index of that operation when it was not done.
	notDone map[string]int
	// blocked maps a user ("id:" + SCIM id, or "name:" + model.Key(User)
	// for a user the run creates) to the lowest index of an operation on
	// that user that failed, ended unknown, or was skipped for a
	// dependency.
	blocked map[string]int
	// unseen is the index of the first create_user answered that the
	// user exists where nothing listed shows who holds it (-1: none): the
	// destructive changes of users not in the manifest in later phases
	// are skipped, naming it (blocker, skipBlocked).
	unseen int
}

func newDeps() deps {
	return deps{ids: map[string]string{}, replaced: map[string]string{}, notDone: map[string]int{}, blocked: map[string]int{}, unseen: -1}
}

// errDependency is a failure recorded without sending anything because
// something the change needs was not done: results[cause].
type errDependency struct {
	msg   string
	cause int
}

func (e errDependency) Error() string { return e.msg }

// createKey is the deps key of the create of the user or team (kind) name.
func createKey(kind, name string) string { return kind + ":" + model.Key(name) }

// addKey is the deps key of the add of c's user to c's team.
func addKey(c plan.Change) string { return "add:" + teamKey(c) + "\x00" + model.Key(c.User) }

// teamKey identifies c's team: its live id, or for a team the run creates
// (no id yet) its name. Never the name of a live team alone: two live
// teams may share a name (the manifest pins each by id).
func teamKey(c plan.Change) string {
	if c.TeamID != "" {
		return "id:" + c.TeamID
	}
	return "new:" + model.Key(c.Team)
}

// created records the id of a user or team created in this run;
// replaces is the id of the account it replaces, for the invitation of a
// deactivated user ("" otherwise).
func (d *deps) created(kind, name, id, replaces string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ids[createKey(kind, name)] = id
	if replaces != "" {
		d.replaced[createKey(kind, name)] = replaces
	}
}

// userID returns the SCIM id of the change's user: the live id, or the id
// of the user created in this run.
func (r *runner) userID(c plan.Change) (string, error) {
	return r.resolveID(c.UserID, "user", c.User)
}

// teamID returns the SCIM id of the change's team, live or created now.
func (r *runner) teamID(c plan.Change) (string, error) {
	return r.resolveID(c.TeamID, "team", c.Team)
}

// resolveID returns live when the plan gives it, else the id created in this
// run for name, else a dependency error saying why there is none.
func (r *runner) resolveID(live, kind, name string) (string, error) {
	if live != "" {
		return live, nil
	}
	k := createKey(kind, name)
	r.deps.mu.Lock()
	id, ok := r.deps.ids[k]
	cause, notDone := r.deps.notDone[k]
	r.deps.mu.Unlock()
	switch {
	case ok:
		return id, nil
	case notDone:
		return "", r.dependsOn(cause)
	}
	return "", errDependency{fmt.Sprintf("no id for %s %s: the plan gives none and no create_%s for it ran", kind, name, kind), -1}
}

// addNotDone returns the dependency error of a set_team_role whose add of
// the user to the team was not done, or nil.
func (r *runner) addNotDone(c plan.Change) error { return r.notDone(addKey(c)) }

// notDone returns the dependency error of a change that needs the
// operation deps.notDone records under key, or nil when it was done (or
// not in the run).
func (r *runner) notDone(key string) error {
	r.deps.mu.Lock()
	cause, notDone := r.deps.notDone[key]
	r.deps.mu.Unlock()
	if notDone {
		return r.dependsOn(cause)
	}
	return nil
}

// emailKey is the deps key of the email update of the user id.
func emailKey(id string) string { return "email:" + id }

// emailNotDone returns the dependency error of a change that gives user
// id access (an add to a team, an org or team role) when the run's update
// of its email was not done (failed, skipped, or its outcome unknown), or
// nil: the plan names the user by the new
// email (on Dedicated Cloud the update gives it first), and the account
// still has the old one, which may be another person's address.
func (r *runner) emailNotDone(id string) error { return r.notDone(emailKey(id)) }

// emailNotDoneForGrant is emailNotDone for a role change c, which waits
// only when it may give access: a demotion the read reports (org admin to
// member, a team role to a lower predefined one) takes access away from
// the account matched, whatever its email, and is not held.
func (r *runner) emailNotDoneForGrant(c plan.Change, id string) error {
	if demotes(c) {
		return nil
	}
	return r.emailNotDone(id)
}

// demotes reports whether role change c lowers a role the read reports.
func demotes(c plan.Change) bool {
	rank := func(r model.Role) int {
		switch r.Norm() {
		case model.RoleViewer:
			return 1
		case model.RoleMember:
			return 2
		case model.RoleAdmin:
			return 3
		}
		return 0 // custom or unknown: not ranked
	}
	from, to := rank(model.Role(c.From)), rank(c.Role)
	return from > 0 && to > 0 && to < from
}

// reactivateKey is the deps key of the reactivation of the user id.
func reactivateKey(id string) string { return "reactivate:" + id }

// reactivationNotDone returns the dependency error of a change that gives
// user id access (an add to a team, an org or team role) when the run's
// reactivation of that user was not done, or nil: the account is still
// deactivated, and access granted to it is not what the plan meant.
func (r *runner) reactivationNotDone(id string) error { return r.notDone(reactivateKey(id)) }

// dependsOn is the dependency error for a change that needs results[cause],
// which was not done. results[cause] is final: it belongs to an earlier
// phase, or an earlier round of this one (runHandovers).
func (r *runner) dependsOn(cause int) error {
	res := r.results[cause]
	var msg string
	switch res.Status {
	case StatusFailed:
		msg = fmt.Sprintf("depends on failed %s %s", res.Action, res.target())
	case StatusUnknown:
		msg = fmt.Sprintf("depends on %s %s, whose outcome is unknown", res.Action, res.target())
	default:
		msg = fmt.Sprintf("depends on %s %s, which was %s", res.Action, res.target(), res.Status)
	}
	return errDependency{msg, cause}
}

// noteOutcome records what later operations need to know of results[i],
// once final: a create or add not done, a user an operation failed on.
func (r *runner) noteOutcome(i int) {
	c, res := r.changes[i], r.results[i]
	if res.Status == StatusOK {
		return
	}
	d := &r.deps
	d.mu.Lock()
	defer d.mu.Unlock()
	switch c.Action {
	case plan.CreateUser:
		d.notDone[createKey("user", c.User)] = i
		if res.unseenHolder && (d.unseen < 0 || i < d.unseen) {
			d.unseen = i
		}
	case plan.CreateTeam:
		d.notDone[createKey("team", c.Team)] = i
	case plan.AddMember:
		d.notDone[addKey(c)] = i
	case plan.UpdateUser:
		if c.Email != "" && c.UserID != "" {
			// The account keeps its old email (or, the outcome unknown,
			// may keep it): the access the plan gives it under the new
			// one waits (emailNotDone), as after an unknown reactivation.
			d.notDone[emailKey(c.UserID)] = i
		}
	case plan.ReactivateUser:
		for _, id := range []string{c.UserID, res.UserID} {
			if id != "" {
				d.notDone[reactivateKey(id)] = i
			}
		}
	}
	// A user is blocked for later destructive operations by an operation
	// on it that failed, ended unknown, or was skipped because what it
	// needed was not done (its add to a team whose create failed) or
	// because the interrupt kept it from being tried again.
	// A change held back to keep an admin (its org role, its
	// deactivation) blocks nothing: leaving a team takes no admin away.
	notDone := res.Status == StatusFailed || res.Status == StatusUnknown ||
		(res.Status == StatusSkipped && !strings.HasPrefix(res.Reason, reasonKeepAdmin) &&
			(res.CausedBy != nil || strings.HasPrefix(res.Reason, reasonNotRetried)))
	if c.User == "" || !notDone {
		return
	}
	keys := blockKeys(c.User, c.UserID, res.UserID)
	if res.existing != "" {
		// The create's answer tied the user to this existing account:
		// it may be the same person under another name.
		keys = append(keys, "id:"+res.existing)
	}
	if old, ok := d.replaced[createKey("user", c.User)]; ok && c.Action != plan.CreateUser {
		// The user is this run's invitation of a deactivated account
		// (Multi-tenant Cloud): the old account is the same person, and
		// what the plan removes of it waits as the new account's would.
		keys = append(keys, "id:"+old)
	}
	for _, k := range keys {
		if j, ok := d.blocked[k]; !ok || i < j {
			d.blocked[k] = i
		}
	}
}

// blocker returns the index of the earliest operation before index lo (an
// earlier phase) that failed or ended unknown on c's user; for a change
// of a user not in the manifest, also a create_user answered that the
// user exists where nothing listed shows who holds it (the user may hold
// its email unseen).
func (d *deps) blocker(c plan.Change, lo int) (int, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	best, found := 0, false
	if d.unseen >= 0 && d.unseen < lo && c.NotInManifest() {
		best, found = d.unseen, true
	}
	for _, k := range userKeys(c.User, c.UserID) {
		if j, ok := d.blocked[k]; ok && j < lo && (!found || j < best) {
			best, found = j, true
		}
	}
	return best, found
}

// userKeys are the keys a later operation's user is looked up by: its
// name (plan.Change.User) and the SCIM ids the plan gives it.
func userKeys(name string, ids ...string) []string {
	keys := []string{"name:" + model.Key(name)}
	for _, id := range ids {
		if id != "" {
			keys = append(keys, "id:"+id)
		}
	}
	return keys
}

// blockKeys are the keys a failure blocks its user under: the SCIM ids
// when any is known, else the name (a user the run creates). A user known
// by id is not blocked by name, since two users may share a name in a plan
// (a listed user, and an unlisted live user whose primary email is that
// user's manifest email).
func blockKeys(name string, ids ...string) []string {
	var keys []string
	for _, id := range ids {
		if id != "" {
			keys = append(keys, "id:"+id)
		}
	}
	if len(keys) == 0 {
		keys = append(keys, "name:"+model.Key(name))
	}
	return keys
}

// blockedReason is the Reason of a destructive operation skipped because
// cause failed, ended unknown or was skipped for a dependency: "not run: add_member alice@x.com to team ml
// failed earlier (HTTP 400: ...)". What cause quotes is redacted with red
// (nil: nothing to hide) before it is cut.
func blockedReason(cause Result, red *sanitize.Redactor) string {
	outcome, why := "failed", cause.Error
	switch cause.Status {
	case StatusUnknown:
		outcome = "ended with an unknown outcome"
	case StatusSkipped:
		outcome, why = "was skipped", cause.Reason
	}
	if cause.HTTPStatus != 0 {
		detail := cause.Detail
		if detail == "" {
			detail = cause.Error
		}
		why = fmt.Sprintf("HTTP %d: %s", cause.HTTPStatus, detail)
	}
	return fmt.Sprintf("not run: %s %s %s earlier (%s)", cause.Action, cause.target(), outcome, sanitize.Server(red, why, caps.Detail))
}

// unseenHolderReason is the reason of a change of a user not in the
// manifest skipped because create_user cause was answered that its user
// exists where nothing listed shows who holds it (deps.unseen, blocker).
func unseenHolderReason(cause Result) string {
	return fmt.Sprintf("not run: %s %s was answered that the user exists, and no user listed explains it: its email may be one of this user's that the read does not show "+
		"(held: on Multi-tenant Cloud a deactivation cannot be undone; list the person the create is for by the email the read shows, choose another username if the create's is taken, or apply once that create is done)",
		cause.Action, cause.target())
}

// existingHolderReason is the reason of a change of a user skipped because
// create_user cause tied the user it creates to this user's account,
// which it did not take as its own (the look-up by email answered it,
// whose record does not show that email; or the answer named it): the
// account may be the person the create is for (deps.noteOutcome).
func existingHolderReason(cause Result, red *sanitize.Redactor) string {
	return blockedReason(cause, red) + "; its answer or look-up tied the user it is for to this account, which may be that person (held until the create is settled: its failure says what to do)"
}
