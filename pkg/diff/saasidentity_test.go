package diff

import (
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// TestSaaSShownAsWarningsNameTheAccount: on Multi-tenant Cloud a manifest
// entry matched by username to an account whose emails do not hold the
// entry's email has its changes named by the account (sam (sam@x.com)).
// The warnings about that same account must name it the same way: an
// irreversible_deactivation that reads "deactivating alice@x.com" beside
// "- sam (sam@x.com) deactivate" names another person for an action that
// cannot be undone.
func TestSaaSShownAsIrreversibleWarningNamesTheAccount(t *testing.T) {
	entry := hu("sam", "alice@x.com")
	entry.Active = false
	want := state(users(entry, du("root@x.com")), dt("prod", model.Authoritative, dm("root@x.com", "")))
	have := state(users(lh("us", "sam", "sam@x.com"), lh("ur", "root@x.com", "root@x.com")),
		lt("g", "prod", lm("us", "sam", ""), lm("ur", "root@x.com", "")))
	got := Compute(want, have, ignorePolicy, Options{Deployment: model.SaaS})
	var deact *plan.Change
	for i := range got.Changes {
		if got.Changes[i].Action == plan.DeactivateUser {
			deact = &got.Changes[i]
		}
	}
	if deact == nil || deact.UserID != "us" || deact.User != "sam@x.com" {
		t.Fatalf("want deactivate_user of us named sam@x.com, got %+v", got.Changes)
	}
	for _, w := range got.Warnings {
		if w.Code != plan.WarnIrreversibleDeactivation {
			continue
		}
		if w.User != deact.User || strings.Contains(w.Message, "alice@x.com") {
			t.Errorf("irreversible_deactivation for account us names %q: %s (the change names %s)", w.User, w.Message, deact.User)
		}
	}
}

// TestSaaSShownAsWithoutTeamNamesTheAccount: a swap of two username: lines
// (alice@x.com -> sam, sam@x.com -> alice) with only alice@x.com in a team:
// the plan adds the account sam (sam@x.com) and removes alice
// (alice@x.com), so the account left in no team is alice's. The
// user_without_team warning must not say sam@x.com is in no team.
func TestSaaSShownAsWithoutTeamNamesTheAccount(t *testing.T) {
	a, s := "alice@x.com", "sam@x.com"
	want := state(users(hu("sam", a), hu("alice", s)), dt("prod", model.Authoritative, dm(a, "")))
	have := state(users(lh("ua", "alice", a), lh("us", "sam", s)), lt("g", "prod", lm("ua", "alice", "")))
	got := Compute(want, have, ignorePolicy, Options{Deployment: model.SaaS})
	for _, w := range got.Warnings {
		if w.Code == plan.WarnUserWithoutTeam && (w.User == s || strings.Contains(w.Message, s)) {
			t.Errorf("user_without_team names %s, whose account (us) the plan adds to prod; the account left in no team is ua (alice@x.com): %s", s, w.Message)
		}
	}
}

// TestSaaSSecondaryEmailHolderNotDeactivated: on Multi-tenant Cloud an
// entry (email alice@corp.com, username alice) matches the account alice
// (alice@x.com) by userName; that account does not hold alice@corp.com,
// which is the secondary email of another account, al. Under
// unmanagedUsers: deactivate, al is planned "deactivate (not in the
// manifest)" and removed from the organization for good, though its email
// is in the manifest. A holder of the entry's email as primary is spared
// (spareHolder: "as the manifest may mean it"); a holder by a secondary
// email, when the matched account does not hold the email, must be too.
func TestSaaSSecondaryEmailHolderNotDeactivated(t *testing.T) {
	e := hu("alice", "alice@corp.com")
	want := state(users(e, du("root@x.com")), dt("prod", model.Authoritative, dm("alice@corp.com", ""), dm("root@x.com", "")))
	have := state(users(lh("ua", "alice", "alice@x.com"), lh("ual", "al", "al@x.com", "alice@corp.com"), lh("ur", "root@x.com", "root@x.com")),
		lt("g", "prod", lm("ual", "al", ""), lm("ur", "root@x.com", "")))
	pol := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}
	got := Compute(want, have, pol, Options{Deployment: model.SaaS})
	for _, c := range got.Changes {
		if c.Action == plan.DeactivateUser && c.UserID == "ual" {
			t.Errorf("deactivates al (al@x.com), which holds the manifest's email alice@corp.com: %s (reason %q)", plan.Describe(c), c.Reason)
		}
	}
}

// TestSaaSReinviteClashHeld: on Multi-tenant Cloud the entry (email
// alice@x.com, username sam) matches by userName the deactivated account
// sam (sam@x.com), while the active account alice holds alice@x.com (a
// swap of two username: lines). Inviting sam again would send sam's handle,
// which W&B links to that person's own account, under alice's email: the
// entry is held (no invitation, no membership), and identity_mismatch
// names both accounts.
func TestSaaSReinviteClashHeld(t *testing.T) {
	a, s := "alice@x.com", "sam@x.com"
	sam := lh("us", "sam", s)
	sam.Active = false
	want := state(users(hu("sam", a), hu("alice", s)), dt("prod", model.Authoritative, dm(a, ""), dm(s, "")))
	have := state(users(lh("ua", "alice", a), sam), lt("g", "prod", lm("ua", "alice", "")))
	got := Compute(want, have, ignorePolicy, Options{Deployment: model.SaaS})
	for _, c := range got.Changes {
		t.Errorf("a change, though the entry is held and the other account is in place: %s", plan.Describe(c))
	}
	held := false
	for _, w := range got.Warnings {
		held = held || w.Code == plan.WarnIdentityMismatch && strings.Contains(w.Message, "sam (sam@x.com)") && strings.Contains(w.Message, "alice (alice@x.com) holds the email alice@x.com") && strings.Contains(w.Message, "not invited")
	}
	if !held {
		t.Errorf("no identity_mismatch naming both accounts: %+v", got.Warnings)
	}
	// Without the clash (no live account holds the entry's email), the
	// account is invited again.
	want = state(users(hu("sam", a)), dt("prod", model.Authoritative, dm(a, "")))
	have = state(users(sam))
	got = Compute(want, have, ignorePolicy, Options{Deployment: model.SaaS})
	if len(got.Changes) == 0 || got.Changes[0].Action != plan.CreateUser || got.Changes[0].Reason != plan.ReasonRecreate {
		t.Errorf("want the invitation again, got %+v", got.Changes)
	}
}

// TestSaaSReinviteNamesReplacedAccount: an entry matched by username to a
// deactivated account that went by another email (the person's address
// changed) is invited again; the plan names the account it brings back,
// whose email it does not otherwise show.
func TestSaaSReinviteNamesReplacedAccount(t *testing.T) {
	old := lh("ua", "alice", "alice@old.com")
	old.Active = false
	for _, c := range []struct {
		entry, fromEmail string
	}{{"alice@new.com", "alice@old.com"}, {"alice@old.com", ""}} {
		want := state(users(hu("alice", c.entry)), dt("prod", model.Authoritative, dm(c.entry, "")))
		got := Compute(want, state(users(old)), ignorePolicy, Options{Deployment: model.SaaS})
		if len(got.Changes) == 0 || got.Changes[0].Action != plan.CreateUser || got.Changes[0].From != "ua" || got.Changes[0].FromEmail != c.fromEmail {
			t.Fatalf("%s: want an invitation again replacing ua, from_email %q; got %+v", c.entry, c.fromEmail, got.Changes)
		}
		if d := plan.Describe(got.Changes[0]); c.fromEmail != "" && !strings.Contains(d, `in place of the deactivated account "alice@old.com"`) {
			t.Errorf("%s: %s", c.entry, d)
		}
	}
}
