package diff

import (
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// TestDedicatedInactiveByUsernameNamesTheAccount: on Dedicated Cloud an
// entry {email: alice@new.com, username: alice, active: false} matches the
// live account alice (alice@old.com) by username, while another active
// account, al, holds alice@new.com. No email update is planned for an
// inactive entry, so the account keeps alice@old.com: named alice@new.com,
// the deactivation would carry the email of the account it does not
// deactivate. It names the account it acts on, as on Multi-tenant Cloud.
func TestDedicatedInactiveByUsernameNamesTheAccount(t *testing.T) {
	entry := hu("alice", "alice@new.com")
	entry.Active = false
	want := state(users(entry, du("root@x.com")), dt("prod", model.Additive, dm("root@x.com", "")))
	have := state(users(lh("ua", "alice", "alice@old.com"), lh("ul", "al", "alice@new.com"), lh("ur", "root@x.com", "root@x.com")),
		lt("g", "prod", lm("ua", "alice", ""), lm("ul", "al", ""), lm("ur", "root@x.com", "")))
	got := Compute(want, have, ignorePolicy, Options{Deployment: model.Dedicated})
	for _, c := range got.Changes {
		if c.Action == plan.UpdateUser && c.UserID == "ua" {
			t.Logf("an email update is planned: %+v", c)
		}
		if c.Action != plan.DeactivateUser {
			continue
		}
		if c.UserID != "ua" {
			t.Fatalf("deactivates %s, want ua", c.UserID)
		}
		if c.User == "alice@new.com" {
			t.Errorf("deactivate_user of ua (alice@old.com) is named %q (username %q): that is the email of al (ul), which stays active", c.User, c.Username)
		}
	}
}

// TestDedicatedInactiveByUsernameNoHolderNamesTheAccount: the same entry
// with no other holder of alice@new.com: the deactivation of alice
// (alice@old.com) is shown as "- alice@new.com", an email no account has,
// and no warning names the account that goes.
func TestDedicatedInactiveByUsernameNoHolderNamesTheAccount(t *testing.T) {
	entry := hu("alice", "alice@new.com")
	entry.Active = false
	want := state(users(entry, du("root@x.com")), dt("prod", model.Authoritative, dm("root@x.com", "")))
	have := state(users(lh("ua", "alice", "alice@old.com"), lh("ur", "root@x.com", "root@x.com")),
		lt("g", "prod", lm("ua", "alice", ""), lm("ur", "root@x.com", "")))
	got := Compute(want, have, ignorePolicy, Options{Deployment: model.Dedicated})
	n := 0
	for _, c := range got.Changes {
		if c.UserID == "ua" && (c.Action == plan.DeactivateUser || c.Action == plan.RemoveMember) {
			n++
			if c.User == "alice@new.com" {
				t.Errorf("%s of ua (alice@old.com) is named %q: the account never gets that email (no update for an inactive entry)", c.Action, c.User)
			}
		}
	}
	if n != 2 {
		t.Errorf("want a deactivation and a removal of ua, got %+v", got.Changes)
	}
}
