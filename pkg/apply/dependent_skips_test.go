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
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "CreateUser" {
			return errors.New("400 Bad Request: invalid")
		}
		return nil
	}}
	text := textOf(t, run(t, planOf(changes...), w, Options{Concurrency: 1}))
	if !strings.Contains(text, "skipped: set_org_role n3@x.com") {
		t.Errorf("the held role change is not listed:\n%s", text)
	}
}
