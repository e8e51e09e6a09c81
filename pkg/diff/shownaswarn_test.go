package diff

import (
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// On Multi-tenant Cloud, a change to an account matched by
// username that lacks the entry's email names the account (shownAs). The
// warnings about that same account must name it the same way: a reviewer
// reads "deactivate alice (alice@x)" beside "[irreversible_deactivation]
// deactivating sam@x ...", and "add sam (sam@x) to prod" beside
// "[user_without_team] sam@x is in no team".
//
// (The entries' emails are no live account's, and neither account holds
// an active entry's email: an active: false entry reaching such an
// account is held instead, TestSaaSSwapWithInactiveEntryNotDeactivated.)
func TestSaaSShownAsWarningsFollowChanges(t *testing.T) {
	a, s := "alice@x.com", "sam@x.com"
	gone := hu("alice", "dave@x.com") // matched by username to the account alice
	gone.Active = false
	want := state(users(hu("sam", "carol@x.com"), gone), dt("prod", model.Authoritative, dm("carol@x.com", "")))
	have := state(users(lh("ua", "alice", a), lh("us", "sam", s)), lt("g", "prod", lm("ua", "alice", "")))
	got := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedIgnore}, Options{Deployment: model.SaaS})
	named := map[string]string{} // user id -> the name its changes carry
	for _, c := range got.Changes {
		if c.UserID != "" {
			named[c.UserID] = c.User
		}
	}
	if named["ua"] != a {
		t.Fatalf("changes of ua name %q, want %q (shownAs): %v", named["ua"], a, got.Changes)
	}
	for _, w := range got.Warnings {
		if w.Code != plan.WarnIrreversibleDeactivation {
			continue
		}
		if len(w.IDs) == 1 && w.User != named[w.IDs[0]] {
			t.Errorf("[%s] names %q (%s) but the deactivate_user of %s names %q", w.Code, w.User, w.Message, w.IDs[0], named[w.IDs[0]])
		}
	}
	// user_without_team about the entry matched to us (sam, added to prod)?
	for _, w := range got.Warnings {
		if w.Code == plan.WarnUserWithoutTeam && (w.User == s || w.User == "carol@x.com") {
			t.Errorf("[%s] %s: but the plan adds %q (the account sam) to prod", w.Code, w.Message, named["us"])
		}
	}
}

// The same with both entries active: the entry sam@x.com (the account
// alice, removed from prod) is in no team, and the warning names it
// sam@x.com, beside "+ add sam (sam@x.com)" to prod.
func TestSaaSShownAsUserWithoutTeamFollowsAdds(t *testing.T) {
	a, s := "alice@x.com", "sam@x.com"
	want := state(users(hu("sam", a), hu("alice", s)), dt("prod", model.Authoritative, dm(a, "")))
	have := state(users(lh("ua", "alice", a), lh("us", "sam", s)), lt("g", "prod", lm("ua", "alice", "")))
	got := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedIgnore}, Options{Deployment: model.SaaS})
	added := ""
	for _, c := range got.Changes {
		if c.Action == plan.AddMember {
			added = c.User
		}
	}
	for _, w := range got.Warnings {
		if w.Code == plan.WarnUserWithoutTeam && w.User == added {
			t.Errorf("[%s] %s, but the plan adds %s to prod (%v)", w.Code, w.Message, added, got.Changes)
		}
	}
}
