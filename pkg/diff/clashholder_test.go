package diff

import (
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

func dumpPlan(t *testing.T, p plan.Plan) {
	t.Helper()
	for _, c := range p.Changes {
		t.Logf("  change: %s [user=%q username=%q uid=%q from=%q from_email=%q]", plan.Describe(c), c.User, c.Username, c.UserID, c.From, c.FromEmail)
	}
	for _, w := range p.Warnings {
		t.Logf("  warn %s user=%q username=%q: %s", w.Code, w.User, w.Username, w.Message)
	}
}

// TestReinviteExternalIDElsewhereNamesTheCreate: a re-invite (create,
// named a@x.com, from_email sam@x.com) of the deactivated account sam,
// whose externalId another live account holds: external_id_elsewhere is
// about the create, and names it a@x.com, not sam (sam@x.com), the
// account the create replaces (which shownAs names elsewhere).
func TestReinviteExternalIDElsewhereNamesTheCreate(t *testing.T) {
	e := hu("sam", "a@x.com")
	e.ExternalID = "E9"
	sam := lh("us", "sam", "sam@x.com")
	sam.Active = false
	bob := lh("ub", "bob", "bob@x.com")
	bob.ExternalID = "E9"
	want := state(users(e, du("bob@x.com")))
	have := state(users(sam, bob))
	got := Compute(want, have, ignorePolicy, Options{Deployment: model.SaaS})
	dumpPlan(t, got)
	var create *plan.Change
	for i, c := range got.Changes {
		if c.Action == plan.CreateUser {
			create = &got.Changes[i]
		}
	}
	if create == nil {
		t.Fatal("no create")
	}
	for _, w := range got.Warnings {
		if w.Code == plan.WarnExternalIDElsewhere && w.User != create.User {
			t.Errorf("external_id_elsewhere about the create of %s names %q (%s)", create.User, w.User, w.Message)
		}
	}
}

// TestReinviteHolderOnlyInTeamsListingTheEntry: holdReinvite keeps the
// holder of the held entry's email in the teams that list the entry
// (prod), not in every authoritative team: dev does not list a@x.com, so
// whoever the entry means, dev's manifest does not list that account.
func TestReinviteHolderOnlyInTeamsListingTheEntry(t *testing.T) {
	sam := lh("us", "sam", "sam@x.com")
	sam.Active = false
	want := state(users(hu("sam", "a@x.com"), du("root@x.com")),
		dt("prod", model.Authoritative, dm("a@x.com", ""), dm("root@x.com", "")),
		dt("dev", model.Authoritative, dm("root@x.com", "")))
	have := state(users(sam, lh("ua", "alice", "a@x.com"), lh("ur", "root@x.com", "root@x.com")),
		lt("g", "prod", lm("ua", "alice", ""), lm("ur", "root@x.com", "")),
		lt("d", "dev", lm("ua", "alice", ""), lm("ur", "root@x.com", "")))
	got := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, Options{Deployment: model.SaaS})
	removed := false
	for _, c := range got.Changes {
		if c.Action == plan.RemoveMember && c.UserID == "ua" && c.Team == "dev" {
			removed = true
		}
		if c.UserID == "ua" && c.Team == "prod" {
			t.Errorf("acts on the holder in prod, which lists its email: %s", plan.Describe(c))
		}
	}
	if !removed {
		dumpPlan(t, got)
		t.Errorf("holder ua (a@x.com) kept in authoritative team dev, which lists neither a@x.com nor alice")
	}
}

// A holder spared for an entry that matches no account, because it matches
// several by userName (ambiguous_user), gets an email_elsewhere warning of
// its own that says so, not that the entry matches another user, and that
// the holder is not deactivated.
func TestSpareHolderOfAnAmbiguousEntry(t *testing.T) {
	a := "alice@x.com"
	p := Compute(state(users(hu("alice", a))), state(users(lh("u1", "alice", "e1@x.com"), lh("u2", "Alice", "e2@x.com"), lh("u3", "zed", a))),
		model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, Options{Deployment: model.Dedicated})
	said := warnedByID(p, plan.WarnEmailElsewhere)
	if len(said) != 1 || !strings.HasPrefix(said["u3"], "alice@x.com matches more than one live user by a stronger link (ambiguous_user says which), though live user zed (alice@x.com) has the email alice@x.com: it is treated as not in the manifest, and not deactivated (unmanagedUsers: deactivate), as the manifest may mean it") {
		t.Errorf("email_elsewhere: %q", said)
	}
	if d := deactivated(p); len(d) != 0 {
		t.Errorf("deactivated %v", d)
	}
}
