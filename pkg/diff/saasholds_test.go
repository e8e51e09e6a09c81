package diff

import (
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// TestSaaSReinviteClashDeactivatedHolder: as TestSaaSReinviteClashHeld, but
// the account that holds the entry's email (alice, alice@x.com) is itself
// deactivated (removed from the organization; on Multi-tenant Cloud its
// global account still holds alice@x.com). The invitation still sends
// sam's handle under alice's email: the same two people are mixed, so the
// entry must be held as when the holder is active.
func TestSaaSReinviteClashDeactivatedHolder(t *testing.T) {
	a, s := "alice@x.com", "sam@x.com"
	sam := lh("us", "sam", s)
	sam.Active = false
	alice := lh("ua", "alice", a)
	alice.Active = false
	want := state(users(hu("sam", a)), dt("prod", model.Authoritative, dm(a, "")))
	have := state(users(alice, sam))
	got := Compute(want, have, ignorePolicy, Options{Deployment: model.SaaS})
	for _, c := range got.Changes {
		if c.Action == plan.CreateUser {
			t.Errorf("invites handle sam (account us, sam@x.com) again under alice's email, held by account ua: %s (from %q)", plan.Describe(c), c.From)
		}
	}
}

// TestSaaSExternalIDElsewhereNamesTheAccount: the entry (alice@x.com,
// username sam, externalId E9) matches account sam (sam@x.com), whose
// changes are named "sam (sam@x.com)". The externalId update goes to sam.
// external_id_elsewhere must name that account, not alice@x.com (the
// email of the other account, which holds E9 already).
func TestSaaSExternalIDElsewhereNamesTheAccount(t *testing.T) {
	e := hu("sam", "alice@x.com")
	e.ExternalID = "E9"
	alice := lh("ua", "alice", "alice@x.com")
	alice.ExternalID = "E9"
	sam := lh("us", "sam", "sam@x.com")
	sam.ExternalID = "ES"
	want := state(users(e))
	have := state(users(alice, sam))
	got := Compute(want, have, ignorePolicy, Options{Deployment: model.SaaS})
	upd := false
	for _, c := range got.Changes {
		upd = upd || c.Action == plan.UpdateUser && c.UserID == "us"
	}
	if !upd {
		t.Fatalf("want an externalId update of us, got %+v", got.Changes)
	}
	for _, w := range got.Warnings {
		if w.Code == plan.WarnExternalIDElsewhere && (w.User == "alice@x.com" || !strings.Contains(w.Message, "sam (sam@x.com)")) {
			t.Errorf("external_id_elsewhere about the update of account us names %q: %s", w.User, w.Message)
		}
	}
}

// TestSaaSSparedHolderKeptInTeam: the holder of an entry's email that
// the plan spares from deactivation "as the manifest may mean it" is
// removed from the authoritative team that lists that very email, with
// the reason "not in the manifest".
func TestSaaSSparedHolderKeptInTeam(t *testing.T) {
	a := "alice@x.com"
	sam := lh("us", "sam", "sam@x.com")
	sam.Active = false
	want := state(users(hu("sam", a), du("root@x.com")), dt("prod", model.Authoritative, dm(a, ""), dm("root@x.com", "")))
	have := state(users(lh("ua", "alice", a), sam, lh("ur", "root@x.com", "root@x.com")),
		lt("g", "prod", lm("ua", "alice", ""), lm("ur", "root@x.com", "")))
	pol := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}
	got := Compute(want, have, pol, Options{Deployment: model.SaaS})
	for _, c := range got.Changes {
		if c.UserID == "ua" {
			t.Errorf("acts on ua (alice@x.com), whose email prod lists and which the plan spares as the manifest may mean it: %s (reason %q)", plan.Describe(c), c.Reason)
		}
	}
}

// TestSaaSProtectedRemovalNamesTheAccount: a swap of two username: lines
// with policy.protected "alice@*": the account alice (alice@x.com), which
// the entry sam@x.com matches by username, is spared from removal from
// prod. The protected warning says "sam@x.com is protected", an address
// the glob does not match and whose account (us) is not the one spared.
func TestSaaSProtectedRemovalNamesTheAccount(t *testing.T) {
	a, s := "alice@x.com", "sam@x.com"
	want := state(users(hu("sam", a), hu("alice", s)), dt("prod", model.Authoritative, dm(a, "")))
	have := state(users(lh("ua", "alice", a), lh("us", "sam", s)), lt("g", "prod", lm("ua", "alice", ""), lm("us", "sam", "")))
	pol := model.Policy{Protected: []string{"alice@*"}}
	got := Compute(want, have, pol, Options{Deployment: model.SaaS})
	seen := false
	for _, w := range got.Warnings {
		if w.Code == plan.WarnProtected {
			seen = true
			if w.User == s || !strings.Contains(w.Message, "alice (alice@x.com)") {
				t.Errorf("protected warning about account ua names %q: %s", w.User, w.Message)
			}
		}
	}
	if !seen {
		t.Fatalf("no protected warning: %+v %+v", got.Changes, got.Warnings)
	}
}

// TestSaaSSwapWithInactiveEntryNotDeactivated: a swap of two username:
// lines where one entry is active: false (alice@x.com -> sam, inactive;
// sam@x.com -> alice, active and in prod). The account sam (sam@x.com)
// holds the email of an active entry, and the account alice holds the
// inactive entry's email. When that holder is unmanaged, the entry is
// held (identity_mismatch, scenario sc/s2); when it is matched by the
// other line of the swap, sam is deactivated for good, although the
// manifest lists sam@x.com as active and in prod.
func TestSaaSSwapWithInactiveEntryNotDeactivated(t *testing.T) {
	a, s := "alice@x.com", "sam@x.com"
	off := hu("sam", a)
	off.Active = false
	want := state(users(off, hu("alice", s)), dt("prod", model.Additive, dm(s, "")))
	have := state(users(lh("ua", "alice", a), lh("us", "sam", s)), lt("g", "prod", lm("ua", "alice", ""), lm("us", "sam", "")))
	got := Compute(want, have, ignorePolicy, Options{Deployment: model.SaaS})
	for _, c := range got.Changes {
		if c.Action == plan.DeactivateUser && c.UserID == "us" {
			t.Errorf("deactivates us (sam@x.com), whose email the manifest lists as an active member of prod, on a username swap: %s", plan.Describe(c))
		}
	}
}
