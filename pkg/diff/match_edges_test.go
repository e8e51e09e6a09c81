package diff

import (
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// Matching cases no other test pins: each names the rule of match.go it
// keeps (a holder kept, an ambiguity not undone, a member found by
// userName, an externalId link already taken).
func TestMatchEdges(t *testing.T) {
	off := func(u model.User) model.User { u.Active = false; return u }
	a := "a@x.com"
	runCompute(t, []computeCase{
		{
			// match.go warnEmailElsewhere: `!has ||` keeps a deactivated,
			// teamless holder as a holder when the matched account lacks the
			// email. Without it, the Multi-tenant hold is lost and the
			// matched account is deactivated (irreversibly) on a guess.
			name: "saas: active:false entry matched by userName, its email held only by a deactivated teamless account: held, not deactivated",
			dep:  model.SaaS,
			want: state(users(off(hu("alice", a)))),
			have: state(users(lh("u1", "alice", "old@x.com"), off(lh("u2", "a2", a)))),
			warnings: []plan.Warning{
				{Code: plan.WarnEmailElsewhere, User: a, IDs: []string{"u2"}},
				{Code: plan.WarnIdentityMismatch, User: a, IDs: []string{"u1", "u2"}},
			},
		},
		{
			// match.go matchLevel: only desired users still free (match ==
			// none) take part; an ambiguous one must not match again at a
			// weaker level.
			name:   "a desired user ambiguous by userName is not matched again by email",
			policy: model.Policy{UnmanagedUsers: model.UnmanagedDeactivate},
			want:   state(users(hu("alice", a))),
			have:   state(users(lh("u1", "alice", "e1@x.com"), lh("u2", "Alice", "e2@x.com"), lh("u3", "zed", a))),
			warnings: []plan.Warning{
				{Code: plan.WarnAmbiguousUser, User: a, IDs: []string{"u1", "u2"}},
				{Code: plan.WarnEmailElsewhere, User: a, IDs: []string{"u3"}},
			},
		},
		{
			// match.go multiIndex.unique: index 0 is a live user too.
			name: "a live member named by userName only resolves to the first live user",
			want: state(users(du(a)), dt("ml", model.Authoritative, dm(a, ""))),
			have: state(users(lu("u1", a)), lt("g", "ml", model.Member{Email: a})),
		},
		{
			// match.go markLost at the externalId level.
			name: "a desired user whose only link is an externalId of a live user taken by userName is left alone",
			want: state(users(hu("yan", "y@x.com"), with(hu("xav", "x@x.com"), func(u *model.User) { u.ExternalID = "e1" }))),
			have: state(users(with(lh("u1", "yan", "y@x.com"), func(u *model.User) { u.ExternalID = "e1" }))),
			warnings: []plan.Warning{
				{Code: plan.WarnAmbiguousUser, User: "x@x.com", IDs: []string{"u1"}},
				{Code: plan.WarnUserWithoutTeam, User: "y@x.com"},
			},
		},
	})
}

// match.go matchLevel: a contested live user (claimed by two desired users)
// is said to match both, naming the other.
func TestContestedLiveUserNamesBoth(t *testing.T) {
	p := Compute(state(users(du("a@x.com"), du("b@x.com"))), state(users(lh("u1", "shared", "a@x.com", "b@x.com"))),
		ignorePolicy, Options{Deployment: model.Dedicated})
	if len(p.Warnings) != 2 {
		t.Fatalf("warnings: %+v", p.Warnings)
	}
	for _, w := range p.Warnings {
		if w.Code != plan.WarnAmbiguousUser || !strings.Contains(w.Message, "matches both") {
			t.Errorf("%s: %s", w.Code, w.Message)
		}
	}
}

// match.go markLost: the desired user that took the live user is named,
// index 0 included (`o >= 0`).
func TestLostNamesTheStrongerEntry(t *testing.T) {
	want := state(users(hu("yan", "y@x.com"), with(hu("xav", "x@x.com"), func(u *model.User) { u.ExternalID = "e1" })))
	have := state(users(with(lh("u1", "yan", "y@x.com"), func(u *model.User) { u.ExternalID = "e1" })))
	p := Compute(want, have, ignorePolicy, Options{Deployment: model.Dedicated})
	for _, w := range p.Warnings {
		if w.Code == plan.WarnAmbiguousUser {
			if !strings.Contains(w.Message, "matched to y@x.com by a stronger link") {
				t.Errorf("message: %s", w.Message)
			}
			return
		}
	}
	t.Fatalf("no ambiguous_user: %+v", p.Warnings)
}

// match.go noteReinviteClashes and warnEmailElsewhere read l.Emails too
// (containsKey): a matched account holding the entry's email as a secondary
// one holds it.
func TestMatchedAccountHoldingTheEmailAsSecondary(t *testing.T) {
	a := "a@x.com"
	off := func(u model.User) model.User { u.Active = false; return u }
	// Multi-tenant: a deactivated account that holds the email is invited
	// again; no identity_mismatch hold.
	p := Compute(state(users(hu("alice", a))), state(users(off(lh("u1", "alice", "old@x.com", a)), lh("u2", "bob", a))),
		ignorePolicy, Options{Deployment: model.SaaS})
	if len(p.Changes) != 1 || p.Changes[0].Action != plan.CreateUser {
		t.Errorf("saas changes: %+v", p.Changes)
	}
	for _, w := range p.Warnings {
		if w.Code == plan.WarnIdentityMismatch {
			t.Errorf("saas: held: %s", w.Message)
		}
	}
	// Dedicated: email_elsewhere says the matched account holds it too.
	p = Compute(state(users(hu("alice", a))), state(users(lh("u1", "alice", "old@x.com", a), lh("u2", "bob", a))),
		model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, Options{Deployment: model.Dedicated})
	found := false
	for _, w := range p.Warnings {
		if w.Code == plan.WarnEmailElsewhere {
			found = true
			if !strings.Contains(w.Message, "alice (old@x.com) holds the email too") {
				t.Errorf("dedicated: %s", w.Message)
			}
		}
	}
	if !found {
		t.Errorf("dedicated: no email_elsewhere: %+v", p.Warnings)
	}
}
