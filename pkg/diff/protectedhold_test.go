package diff

import (
	"slices"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// TestProtectedMatchHoldIsMultiTenantOnly: on Dedicated Cloud (a
// deactivation can be undone) the protected match holds nothing: the
// account that holds the entry's email is treated as not in the manifest,
// as without protection, and email_elsewhere says so.
func TestProtectedMatchHoldIsMultiTenantOnly(t *testing.T) {
	want := state(users(nextOwnerD(), inactive(hu("ahandle", "b@x.com"))))
	have := state(users(nextOwner, member(lh("ua", "ahandle", "a@x.com")), member(lh("ub", "bh", "b@x.com"))))
	pol := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, Protected: []string{"a@x.com"}}
	p := Compute(want, have, pol, Options{Deployment: model.Dedicated})
	if !slices.Contains(deactivated(p), "ub") {
		t.Errorf("Dedicated: ub (bh) not deactivated as unmanaged:\n%v", planText(p))
	}
	for _, w := range p.Warnings {
		if w.Code == plan.WarnEmailElsewhere && !strings.Contains(w.Message, "is treated as not in the manifest") {
			t.Errorf("Dedicated: email_elsewhere = %q", w.Message)
		}
	}
}

// TestOffboardAdviceNeedsAWritableUserName: the advice to name an
// account by its userName is given only for a userName a manifest can
// write (no white space, no control character), and says "a manifest
// cannot declare its email" of an account with only other emails.
func TestOffboardAdviceNeedsAWritableUserName(t *testing.T) {
	for _, tc := range []struct {
		l    model.User
		want string
	}{
		{l: model.User{UserName: "ann smith"}},
		{l: model.User{UserName: "ann\x01smith"}},
		{l: model.User{UserName: "ann-4805", Emails: []string{"zoë@müller.example"}}, want: ": a manifest cannot declare its email, so write its userName (username: ann-4805)"},
		{l: model.User{UserName: "ann-4805", Email: strings.Repeat("a", 60) + "@" + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + "." + strings.Repeat("d", 60) + "." + strings.Repeat("e", 60) + ".example"}, want: ": a manifest cannot declare its email"}, // longer than caps.Email (254)
		{l: model.User{UserName: "ann-4805"}, want: ": it has no email, so write its userName (username: ann-4805)"},
	} {
		if got := (&planner{}).offboardAdvice(&tc.l); !strings.HasPrefix(got, tc.want) || (got == "") != (tc.want == "") {
			t.Errorf("%q: %q, want %q", tc.l.UserName, got, tc.want)
		}
	}
}

// TestHeldByAnotherEntryNotSaidAsIdentityMismatch: xh holds b@x.com (the
// email of an active: false entry whose match, ahandle, is protected) and
// c@x.com (the email of an active entry matched by userName elsewhere).
// The protected match holds xh; no identity_mismatch is said, so the
// c@x.com email_elsewhere warning must not send the reader to one.
func TestHeldByAnotherEntryNotSaidAsIdentityMismatch(t *testing.T) {
	want := state(users(nextOwnerD(), inactive(hu("ahandle", "b@x.com")), hu("chandle", "c@x.com")))
	have := state(users(nextOwner, member(lh("ua", "ahandle", "a@x.com")), member(lh("ux", "xh", "b@x.com", "c@x.com")), member(lh("uch", "chandle", "c2@x.com"))))
	pol := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, Protected: []string{"a@x.com"}}
	p := Compute(want, have, pol, Options{Deployment: model.SaaS})
	mismatch := false
	for _, w := range p.Warnings {
		mismatch = mismatch || w.Code == plan.WarnIdentityMismatch
	}
	for _, w := range p.Warnings {
		if w.Code == plan.WarnEmailElsewhere && w.User == "c@x.com" && !mismatch && strings.Contains(w.Message, "as identity_mismatch says") {
			t.Errorf("points at an identity_mismatch the plan does not hold: %q", w.Message)
		}
	}
}

func elsewhereOf(p plan.Plan, user string) string {
	for _, w := range p.Warnings {
		if w.Code == plan.WarnEmailElsewhere && w.User == user {
			return w.Message
		}
	}
	return ""
}

// TestHeldBesideTwoProtectedNamesOwnEntry: xh holds b@x.com and c@x.com,
// the emails of two active: false entries whose matches by userName are
// both protected. Each email_elsewhere warning names its own entry: the
// c@x.com entry may mean xh as much as the b@x.com one.
func TestHeldBesideTwoProtectedNamesOwnEntry(t *testing.T) {
	want := state(users(nextOwnerD(), inactive(hu("ahandle", "b@x.com")), inactive(hu("chandle", "c@x.com"))))
	have := state(users(nextOwner, member(lh("ua", "ahandle", "a@x.com")), member(lh("uc", "chandle", "c2@x.com")), member(lh("ux", "xh", "b@x.com", "c@x.com"))))
	pol := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, Protected: []string{"a@x.com", "c2@x.com"}}
	p := Compute(want, have, pol, Options{Deployment: model.SaaS})
	for _, e := range []string{"b@x.com", "c@x.com"} {
		if m := elsewhereOf(p, e); !strings.Contains(m, "as the active: false entry "+e+" may mean it:") {
			t.Errorf("%s: %q", e, m)
		}
	}
}

// TestHeldBesideAfterSwapHold: xh holds b@x.com (an active: false entry
// whose match is protected) and e@x.com (an active: false entry that a swap
// hold holds, listed first); zh holds b@x.com only. The swap hold holds xh,
// the protected match zh: no identity_mismatch names zh or b@x.com, so the
// b@x.com warning must not send the reader to one; the b@x.com entry may
// mean either.
func TestHeldBesideAfterSwapHold(t *testing.T) {
	want := state(users(nextOwnerD(), inactive(hu("ehandle", "e@x.com")), inactive(hu("ahandle", "b@x.com")), hu("yuser", "y@x.com")))
	have := state(users(nextOwner, member(lh("ua", "ahandle", "a@x.com")),
		member(lh("ue", "ehandle", "e2@x.com", "y@x.com")),
		member(lh("uy", "yuser", "y2@x.com")),
		member(lh("ux", "xh", "b@x.com", "e@x.com")),
		member(lh("uz", "zh", "B@x.com"))))
	pol := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, Protected: []string{"a@x.com"}}
	p := Compute(want, have, pol, Options{Deployment: model.SaaS})
	if m := elsewhereOf(p, "b@x.com"); !strings.Contains(m, "as the active: false entry b@x.com may mean any of them:") {
		t.Errorf("b@x.com: %q", m)
	}
}

// TestProtectedMatchTwoHoldersSaysAnyOfThem: the wording test of two
// holders, against the current words (TestProtectedMatchWordingTwoHolders
// looks for words no longer produced).
func TestProtectedMatchTwoHoldersSaysAnyOfThem(t *testing.T) {
	want := state(users(nextOwnerD(), inactive(hu("ahandle", "b@x.com"))))
	have := state(users(nextOwner, member(lh("ua", "ahandle", "a@x.com")), member(lh("ub", "bh", "b@x.com")), member(lh("uc", "ch", "B@x.com"))))
	pol := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, Protected: []string{"a@x.com"}}
	p := Compute(want, have, pol, Options{Deployment: model.SaaS})
	if m := elsewhereOf(p, "b@x.com"); !strings.Contains(m, "are left alone, as the active: false entry b@x.com may mean any of them:") {
		t.Errorf("b@x.com: %q", m)
	}
}

// TestOffboardAdviceAsksTheLoaderRule: with Options.UsernameProblem (the
// loader's rule, which refuses a userName with an invisible character at
// either end), a userName it refuses is not offered as username:, nor
// does it make the account declarable; without the hook only white space
// and control characters count.
func TestOffboardAdviceAsksTheLoaderRule(t *testing.T) {
	refuse := func(n string) string {
		if strings.HasSuffix(n, "\u200b") {
			return "has the invisible character U+200B at one end"
		}
		return ""
	}
	l := model.User{UserName: "svc-bot\u200b"}
	p := &planner{opts: Options{UsernameProblem: refuse}}
	if got := p.offboardAdvice(&l); got != "" {
		t.Errorf("advice %q names a username the loader refuses", got)
	}
	if p.declarable(&l) {
		t.Error("declarable by a username the loader refuses")
	}
	if got := (&planner{}).offboardAdvice(&l); !strings.Contains(got, "username: svc-bot") {
		t.Errorf("without the hook: %q", got)
	}
	ok := model.User{UserName: "svc-bot"}
	if got := p.offboardAdvice(&ok); !strings.Contains(got, "username: svc-bot)") {
		t.Errorf("a userName the loader takes: %q", got)
	}
}
