package apply

import (
	"context"
	"errors"
	"time"

	"github.com/wbsync/wbsync/pkg/model"
)

// Writer is what apply needs of a SCIM server. *scim.Client satisfies it;
// apply never imports scim. Every method is one logical operation; the
// implementation retries what is safe to retry and adopts what already exists.
//
// The context of every call is not cancelled when the run is interrupted:
// a call in flight may finish, until the drain timeout (Options.DrainTimeout)
// cancels it. When a call fails in a way that leaves its outcome unknown
// (the request may have reached the server), the error should implement
// interface{ OutcomeUnknown() bool } and return true; apply then reports the
// operation as StatusUnknown rather than StatusFailed. A context error with
// no such method is taken as unknown too. An error whose retries the
// interrupt ended, and whose outcome is known (not done: a 429, say),
// should implement interface{ RetryStopped() bool }: the operation is then
// StatusSkipped, not StatusFailed.
type Writer interface {
	// CreateUser creates an active user and returns its id: userName
	// u.UserName (the manifest's username, else its email), primary email
	// u.Email, and u.DisplayName and u.ExternalID when not empty. A 409
	// adopts the existing user and returns its id.
	CreateUser(ctx context.Context, u model.User) (id string, err error)
	// CreateTeam creates an empty team and returns its id.
	CreateTeam(ctx context.Context, name string) (id string, err error)
	// UpdateUser changes only the fields of u that are not empty: the
	// primary email (u.Email, set when the plan changes it), the
	// displayName and the externalId. u.UserName is empty: the handle is
	// never changed.
	UpdateUser(ctx context.Context, id string, u model.User) error
	// SetActive deactivates (false) or reactivates (true) the user.
	SetActive(ctx context.Context, id string, active bool) error
	// SetOrgRole sets the user's organization role (admin or member).
	SetOrgRole(ctx context.Context, id string, role model.Role) error
	// SetTeamRole sets the user's role in the named team.
	SetTeamRole(ctx context.Context, id, team string, role model.Role) error
	// AddMembers adds the users to the team in one PATCH.
	AddMembers(ctx context.Context, teamID string, userIDs []string) error
	// RemoveMember removes one user from the team (one operation per PATCH,
	// with the members[value eq "ID"] filter). A 404 counts as done.
	RemoveMember(ctx context.Context, teamID, userID string) error
}

// adminReader is implemented by Writers that can read a user's
// organization role back (scim.Client): before it runs a demotion or
// deactivation that only a promotion of this run leaves an admin for,
// apply reads that promotion back, so that an answer that said done while
// the change did not take (or has not yet) cannot leave the organization
// without an admin.
type adminReader interface {
	// OrgRoleOf returns the organization role the user reads back with
	// ("" for none) and whether it is active.
	OrgRoleOf(ctx context.Context, id string) (role model.Role, active bool, err error)
}

// keyChecker is implemented by Writers that can tell whether the server
// still takes the key (the SCIM client, by reading one user): after a
// write answered 401, apply asks before it stops writing, so that a 401
// about one write alone stops nothing else. A Writer without it stops at
// the first 401.
type keyChecker interface {
	// KeyRefused reports whether a read is answered 401 too; an error
	// when the read failed otherwise (nothing is then known of the key).
	KeyRefused(ctx context.Context) (bool, error)
	// StopWrites ends unsent every write still waiting for its turn,
	// and every later one: called once the key is refused.
	StopWrites()
}

// writeCounter is implemented by Writers that count the write requests a
// call sends (retries, and an update's one PATCH per attribute, included)
// and time its requests: CountWrites returns ctx carrying a new counter
// and a function that reads it, with the time the call's requests took,
// from sending each to reading its answer (not the waits for a turn, nor
// the backoff between attempts).
type writeCounter interface {
	CountWrites(ctx context.Context) (context.Context, func() (int, time.Duration))
}

// StatusError is implemented by errors that carry an HTTP status and a SCIM
// detail (such as *scim.Error); the report records both.
type StatusError interface {
	error
	HTTPStatus() int
	SCIMDetail() string
}

// statusOf returns the HTTP status and SCIM detail err carries
// (StatusError), or 0 and "".
func statusOf(err error) (int, string) {
	var se StatusError
	if errors.As(err, &se) {
		return se.HTTPStatus(), se.SCIMDetail()
	}
	return 0, ""
}

// outcomeUnknowner is implemented by Writer errors that know whether the
// request may have reached the server (see Writer).
type outcomeUnknowner interface{ OutcomeUnknown() bool }

// atWorker is implemented by Writer errors that can say the server may
// still be at the request, which was not sent again (scim.Error): a read
// made at once cannot tell whether it was done.
type atWorker interface{ StillAtWork() bool }

// stillAtWork reports whether err says the server may still be at it.
func stillAtWork(err error) bool {
	var a atWorker
	return errors.As(err, &a) && a.StillAtWork()
}

// retryStopper is implemented by Writer errors of a call whose retries the
// interrupt ended (see Writer): not unknown, it was not done.
type retryStopper interface{ RetryStopped() bool }

// adoptionNoter is implemented by Writers that can say a create was
// answered that the user or team exists, and took the existing one (the
// SCIM client): NoteAdoption returns ctx carrying a flag, and a function
// that reads it.
type adoptionNoter interface {
	NoteAdoption(ctx context.Context) (context.Context, func() bool)
}

// notFoundNoter is implemented by Writers that can say a removal or a
// deactivation was answered 404 and taken as done (the SCIM client):
// NoteNotFound returns ctx carrying a flag, and a function that reads it.
type notFoundNoter interface {
	NoteNotFound(ctx context.Context) (context.Context, func() bool)
}

// seatStopper is implemented by Writers that can end unsent the user
// creates and reactivations still waiting for their turn (the SCIM
// client): apply calls it once the seat limit refused one.
type seatStopper interface{ StopSeatWrites() }

// seatLimiter is a Writer error that can say the server refused it for
// the organization's seat limit (scim.Error: ErrSeatLimit).
type seatLimiter interface{ SeatLimit() bool }

// multiTenantSayer is a Writer error that can say the server refused it as
// W&B Multi-tenant Cloud while the plan was made for Dedicated Cloud
// (scim.Error).
type multiTenantSayer interface{ SaysMultiTenant() bool }

// saysMultiTenant reports whether err says so.
func saysMultiTenant(err error) bool {
	var m multiTenantSayer
	return errors.As(err, &m) && m.SaysMultiTenant()
}

// seatLimit reports whether err says the seat limit is reached.
func seatLimit(err error) bool {
	var s seatLimiter
	return errors.As(err, &s) && s.SeatLimit()
}

// existingNamer is a Writer error of a user create whose answer tied the
// created user to an existing account it did not take as the user's (see
// scim.Error.ExistingID).
type existingNamer interface{ ExistingID() string }

// existingID is the id err names through existingNamer, or "".
func existingID(err error) string {
	var x existingNamer
	if errors.As(err, &x) {
		return x.ExistingID()
	}
	return ""
}

// unseenHolderer is a Writer error of a user create answered that the
// user exists, where nothing the read or the look-ups list shows who
// holds it (see scim.Error.UnseenHolder).
type unseenHolderer interface{ UnseenHolder() bool }

// unseenHolder reports whether err says so through unseenHolderer.
func unseenHolder(err error) bool {
	var x unseenHolderer
	return errors.As(err, &x) && x.UnseenHolder()
}

// roleAttributeRefuser is a Writer error of a role write that can say the
// server refused the role attribute itself (see
// scim.Error.RoleAttributeRefused).
type roleAttributeRefuser interface{ RoleAttributeRefused() bool }

// roleAttributeRefused reports whether err says so through
// roleAttributeRefuser.
func roleAttributeRefused(err error) bool {
	var x roleAttributeRefuser
	return errors.As(err, &x) && x.RoleAttributeRefused()
}

// notSender is a Writer error that can say its request never went out.
type notSender interface{ NotSent() bool }

// notSent reports whether err says the request was never sent.
func notSent(err error) bool {
	var n notSender
	return errors.As(err, &n) && n.NotSent()
}

// retryStopped reports whether err is a failure the run's interrupt kept
// from being tried again.
func retryStopped(err error) bool {
	var s retryStopper
	return errors.As(err, &s) && s.RetryStopped()
}

// outcomeUnknown reports whether a Writer error leaves the operation's
// outcome unknown: the error says so, or (saying nothing) it is a context
// error, which may have cut a request short after it was sent.
func outcomeUnknown(err error) bool {
	var u outcomeUnknowner
	if errors.As(err, &u) {
		return u.OutcomeUnknown()
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
