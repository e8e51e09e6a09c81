package apply

import (
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/plan"
)

// TestUnseenHolderReasonWhole: the reason of a change held for a
// create nothing listed explains is said whole, with its three ways out
// (list the person by the email the read shows, choose another username,
// apply once the create is done); the own user's change is said as any
// dependent skip, without the unseen-holder words.
func TestUnseenHolderReasonWhole(t *testing.T) {
	changes := []plan.Change{
		ch(plan.CreateUser, "asmith@legacy.org", "", "", ""),
		with(ch(plan.RemoveMember, "alice@corp.com", "ua", "ml", "tml"), plan.ReasonNotInManifest+"; the team is authoritative"),
		with(ch(plan.DeactivateUser, "asmith@legacy.org", "ux", "", ""), plan.ReasonNotInManifest+"; unmanagedUsers: deactivate"),
	}
	w := createsFail(unseenHolderError{})
	res := byKey(run(t, planOf(changes...), w, Options{Concurrency: 1}))
	want := "not run: create_user asmith@legacy.org was answered that the user exists, and no user listed explains it: " +
		"its email may be one of this user's that the read does not show (held: on Multi-tenant Cloud a deactivation cannot be undone; " +
		"list the person the create is for by the email the read shows, choose another username if the create's is taken, or apply once that create is done)"
	if r := res["remove_member alice@corp.com@ml"]; r.Status != StatusSkipped || r.Reason != want {
		t.Errorf("removal: %s %q\nwant skipped %q", r.Status, r.Reason, want)
	}
	if r := res["deactivate_user asmith@legacy.org@"]; r.Status != StatusSkipped || strings.Contains(r.Reason, "no user listed explains it") {
		t.Errorf("own user's deactivation: %s %q, want skipped without the unseen-holder words", r.Status, r.Reason)
	}
}
