package apply

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/plan"
)

// TestDependentSkipsKeepHeldDeactivations: after 20 skips of adds held by
// failed creates, the deactivations held because the server said it is
// Multi-tenant Cloud (irreversible there) must still be listed with their
// reason, not counted as "each depends on an operation above that was
// not done".
func TestDependentSkipsKeepHeldDeactivations(t *testing.T) {
	var changes []plan.Change
	for i := range 25 {
		changes = append(changes, ch(plan.CreateUser, fmt.Sprintf("n%d@x.com", i), "", "", ""))
	}
	changes = append(changes, ch(plan.ReactivateUser, "r@x.com", "ur", "", ""))
	for i := range 25 {
		changes = append(changes, ch(plan.AddMember, fmt.Sprintf("n%d@x.com", i), "", "ml", "tml"))
	}
	changes = append(changes,
		ch(plan.DeactivateUser, "d@x.com", "ud", "", ""),
		ch(plan.DeactivateUser, "e@x.com", "ue", "", ""))
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "CreateUser" {
			return errors.New("400 Bad Request: invalid")
		}
		if c.Method == "SetActive" && c.ID == "ur" {
			return multiTenantError{}
		}
		return nil
	}}
	rep := run(t, planOf(changes...), w, Options{Concurrency: 1})
	text := textOf(t, rep)
	if !strings.Contains(text, "skipped: deactivate_user d@x.com") || !strings.Contains(text, "skipped: deactivate_user e@x.com") {
		t.Errorf("the deactivations held for Multi-tenant are not listed")
	}
}

// TestDependentSkipsKeepHeldRemovals: 25 users each move team: the add
// fails, so the removal from the old team is held (skipBlocked). Each
// held removal is a destructive change a reviewer must see by name.
func TestDependentSkipsKeepHeldRemovals(t *testing.T) {
	var changes []plan.Change
	for i := range 25 {
		changes = append(changes, ch(plan.AddMember, fmt.Sprintf("u%d@x.com", i), fmt.Sprintf("id%d", i), "new", "tnew"))
	}
	for i := range 25 {
		changes = append(changes, ch(plan.RemoveMember, fmt.Sprintf("u%d@x.com", i), fmt.Sprintf("id%d", i), "old", "told"))
	}
	w := &fakeWriter{fail: func(c call) error {
		if c.Method != "RemoveMembers" && c.Method != "RemoveMember" {
			return errors.New("400 Bad Request: invalid")
		}
		return nil
	}}
	rep := run(t, planOf(changes...), w, Options{Concurrency: 1})
	text := textOf(t, rep)
	if n := strings.Count(text, "skipped: remove_member"); n != 25 {
		t.Errorf("%d held removals listed, want 25:\n%s", n, text)
	}
}

// TestDependentSkipsKeepHeldRoleChanges: an org role change held by a
// failure (a demotion among them) is listed by name after 20 counted add
// skips, as removals and deactivations are.
func TestDependentSkipsKeepHeldRoleChanges(t *testing.T) {
	var changes []plan.Change
	for i := range 25 {
		changes = append(changes, ch(plan.CreateUser, fmt.Sprintf("n%d@x.com", i), "", "", ""))
	}
	for i := range 25 {
		changes = append(changes, ch(plan.AddMember, fmt.Sprintf("n%d@x.com", i), "", "ml", "tml"))
	}
	changes = append(changes, ch(plan.SetOrgRole, "n3@x.com", "", "", ""))
	w := createsFail(errors.New("400 Bad Request: invalid"))
	text := textOf(t, run(t, planOf(changes...), w, Options{Concurrency: 1}))
	if !strings.Contains(text, "skipped: set_org_role n3@x.com") {
		t.Errorf("the held role change is not listed:\n%s", text)
	}
}

// unseenHolderError is a create's 409 that nothing listed explains
// (scim.Error.UnseenHolder).
type unseenHolderError struct{}

func (unseenHolderError) Error() string      { return "409 Conflict: Resource already exists" }
func (unseenHolderError) UnseenHolder() bool { return true }

// TestUnseenHolderHoldsUsersNotInManifest: a create answered that the
// user exists, where nothing listed shows who holds it (on Multi-tenant
// Cloud, a secondary email the read does not show), holds every removal
// and deactivation of a user not in the manifest, who may be that holder,
// naming the create; the other destructive changes go ahead, and so does
// everything when the create's failure is another.
func TestUnseenHolderHoldsUsersNotInManifest(t *testing.T) {
	notIn := func(c plan.Change, why string) plan.Change {
		c.Reason = plan.ReasonNotInManifest + why
		return c
	}
	changes := []plan.Change{
		ch(plan.CreateUser, "asmith@legacy.org", "", "", ""),
		ch(plan.CreateUser, "new@x.com", "", "", ""),
		ch(plan.AddMember, "asmith@legacy.org", "", "ml", "tml"),
		notIn(ch(plan.RemoveMember, "alice@corp.com", "ua", "ml", "tml"), "; the team is authoritative"),
		with(ch(plan.RemoveMember, "bob@corp.com", "ub", "ml", "tml"), "not listed in this authoritative team"),
		notIn(ch(plan.DeactivateUser, "alice@corp.com", "ua", "", ""), "; unmanagedUsers: deactivate"),
		with(ch(plan.DeactivateUser, "old@corp.com", "uo", "", ""), "active: false"),
	}
	for _, unseen := range []bool{true, false} {
		w := &fakeWriter{fail: func(c call) error {
			if c.Method == "CreateUser" && c.User == "asmith@legacy.org" {
				if unseen {
					return unseenHolderError{}
				}
				return errors.New("409 Conflict: Resource already exists")
			}
			return nil
		}}
		res := byKey(run(t, planOf(changes...), w, Options{Concurrency: 1}))
		for _, k := range []string{"remove_member alice@corp.com@ml", "deactivate_user alice@corp.com@"} {
			r := res[k]
			held := r.Status == StatusSkipped && strings.HasPrefix(r.Reason, "not run: create_user asmith@legacy.org was answered that the user exists, and no user listed explains it")
			if held != unseen {
				t.Errorf("unseen %t: %s %s %q, want held %t", unseen, k, r.Status, r.Reason, unseen)
			}
		}
		for _, k := range []string{"remove_member bob@corp.com@ml", "deactivate_user old@corp.com@", "create_user new@x.com@"} {
			if r := res[k]; r.Status != StatusOK {
				t.Errorf("unseen %t: %s %s %q, want ok", unseen, k, r.Status, r.Reason)
			}
		}
	}
}

func with(c plan.Change, reason string) plan.Change {
	c.Reason = reason
	return c
}
