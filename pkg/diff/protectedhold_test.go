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
		if got := offboardAdvice(&tc.l); !strings.HasPrefix(got, tc.want) || (got == "") != (tc.want == "") {
			t.Errorf("%q: %q, want %q", tc.l.UserName, got, tc.want)
		}
	}
}

// TestProtectedMatchWordingTwoHolders: two accounts hold the entry's
// email beside a protected match; the email_elsewhere warning speaks of
// them as two ("any of them"), not as one ("it").
func TestProtectedMatchWordingTwoHolders(t *testing.T) {
	want := state(users(nextOwnerD(), inactive(hu("ahandle", "b@x.com"))))
	have := state(users(nextOwner, member(lh("ua", "ahandle", "a@x.com")), member(lh("ub", "bh", "b@x.com")), member(lh("uc", "ch", "B@x.com"))))
	pol := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, Protected: []string{"a@x.com"}}
	p := Compute(want, have, pol, Options{Deployment: model.SaaS})
	for _, w := range p.Warnings {
		if w.Code == plan.WarnEmailElsewhere && strings.Contains(w.Message, "are left alone, as the entry may mean it:") {
			t.Errorf("two holders called it: %q", w.Message)
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
