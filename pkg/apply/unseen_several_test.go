package apply

import (
	"errors"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/plan"
)

// existingHolderError is a create's 409 whose look-up named an existing
// account (scim.Error.ExistingID).
type existingHolderError struct{ id string }

func (existingHolderError) Error() string        { return "409 Conflict: Resource already exists" }
func (e existingHolderError) ExistingID() string { return e.id }

// TestUnseenHolderHoldNamesTheFirstCreate: with several creates answered
// that the user exists where nothing listed shows who holds it, a held
// removal or deactivation of a user not in the manifest names the first
// of them in plan order (caused_by and reason), whatever order the
// creates end in: the report is the same from run to run.
func TestUnseenHolderHoldNamesTheFirstCreate(t *testing.T) {
	changes := []plan.Change{
		ch(plan.CreateUser, "asmith@legacy.org", "", "", ""),
		ch(plan.CreateUser, "zed@legacy.org", "", "", ""),
		with(ch(plan.DeactivateUser, "alice@corp.com", "ua", "", ""), plan.ReasonNotInManifest+"; unmanagedUsers: deactivate"),
	}
	for _, conc := range []int{1, 4} {
		w := createsFail(unseenHolderError{})
		r := byKey(run(t, planOf(changes...), w, Options{Concurrency: conc}))["deactivate_user alice@corp.com@"]
		if r.Status != StatusSkipped || r.CausedBy == nil || *r.CausedBy != 0 || !strings.Contains(r.Reason, "create_user asmith@legacy.org") {
			t.Errorf("concurrency %d: %s caused_by %v %q, want skipped naming the first create (0)", conc, r.Status, r.CausedBy, r.Reason)
		}
	}
}

// TestHeldChangeNamesTheCreateThatNamedItsUser: a create whose look-up
// named the account (ExistingID) comes before a create nothing explains:
// the account's deactivation is held naming the create that named it,
// the earlier one, not the unexplained one.
func TestHeldChangeNamesTheCreateThatNamedItsUser(t *testing.T) {
	changes := []plan.Change{
		ch(plan.CreateUser, "asmith@legacy.org", "", "", ""),
		ch(plan.CreateUser, "zed@legacy.org", "", "", ""),
		with(ch(plan.DeactivateUser, "alice@corp.com", "ua", "", ""), plan.ReasonNotInManifest+"; unmanagedUsers: deactivate"),
	}
	w := &fakeWriter{fail: func(c call) error {
		switch {
		case c.Method == "CreateUser" && c.User == "asmith@legacy.org":
			return existingHolderError{"ua"}
		case c.Method == "CreateUser":
			return unseenHolderError{}
		}
		return nil
	}}
	r := byKey(run(t, planOf(changes...), w, Options{Concurrency: 1}))["deactivate_user alice@corp.com@"]
	if r.Status != StatusSkipped || r.CausedBy == nil || *r.CausedBy != 0 || strings.Contains(r.Reason, "zed@legacy.org") {
		t.Errorf("%s caused_by %v %q, want skipped naming create_user asmith@legacy.org (0)", r.Status, r.CausedBy, r.Reason)
	}
}

// TestUnseenHolderOwnUserKeepsItsFailure: a destructive change of the
// very user whose create nothing explained (the same name) is held for
// that create's failure, said as any dependent skip ("failed earlier"),
// not as a possible unseen email of another user.
func TestUnseenHolderOwnUserKeepsItsFailure(t *testing.T) {
	changes := []plan.Change{
		ch(plan.CreateUser, "asmith@legacy.org", "", "", ""),
		with(ch(plan.DeactivateUser, "asmith@legacy.org", "ux", "", ""), plan.ReasonNotInManifest+"; unmanagedUsers: deactivate"),
	}
	w := createsFail(unseenHolderError{})
	r := byKey(run(t, planOf(changes...), w, Options{Concurrency: 1}))["deactivate_user asmith@legacy.org@"]
	if r.Status != StatusSkipped || !strings.Contains(r.Reason, "failed earlier") || strings.Contains(r.Reason, "no user listed explains it") {
		t.Errorf("%s %q, want skipped for the create's failure", r.Status, r.Reason)
	}
}

// TestOtherCreateFailureHoldsNoUserNotInManifest: a create that failed
// for another reason than an unexplained "exists" (a plain 409 on
// Dedicated, a 400, a 500) holds nothing of users not in the manifest:
// their removals and deactivations are done.
func TestOtherCreateFailureHoldsNoUserNotInManifest(t *testing.T) {
	changes := []plan.Change{
		ch(plan.CreateUser, "asmith@legacy.org", "", "", ""),
		with(ch(plan.RemoveMember, "alice@corp.com", "ua", "ml", "tml"), plan.ReasonNotInManifest+"; the team is authoritative"),
		with(ch(plan.DeactivateUser, "alice@corp.com", "ua", "", ""), plan.ReasonNotInManifest+"; unmanagedUsers: deactivate"),
	}
	w := createsFail(errors.New("409 Conflict: Resource already exists"))
	res := byKey(run(t, planOf(changes...), w, Options{Concurrency: 2}))
	for _, k := range []string{"remove_member alice@corp.com@ml", "deactivate_user alice@corp.com@"} {
		if r := res[k]; r.Status != StatusOK {
			t.Errorf("%s: %s %q, want ok", k, r.Status, r.Reason)
		}
	}
}
