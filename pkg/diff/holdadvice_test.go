package diff

import (
	"slices"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// TestSwapHoldElsewhereIDsOnce: the swap hold that also holds the
// email_elsewhere holder gives each account's id once: the matched
// account, then the holder.
func TestSwapHoldElsewhereIDsOnce(t *testing.T) {
	off := inactive(hu("ahandle", "b@x.com"))
	want := state(users(nextOwnerD(), du("a@x.com"), off))
	have := state(users(nextOwner, member(lh("ua", "ahandle", "a@x.com")), member(lh("ub", "bh", "b@x.com"))))
	p := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, Options{Deployment: model.SaaS})
	found := false
	for _, w := range p.Warnings {
		if w.Code == plan.WarnIdentityMismatch && w.User == "b@x.com" {
			found = true
			if !slices.Equal(w.IDs, []string{"ua", "ub"}) {
				t.Errorf("identity_mismatch ids = %v, want [ua ub]", w.IDs)
			}
		}
	}
	if !found {
		t.Errorf("no identity_mismatch for b@x.com:\n%v", planText(p))
	}
}

// TestUnmanagedNoEmailAdviceNeedsNoEmailAndAUserName: the no-email advice
// is for an account with neither a primary nor another email, and a
// userName to write: one with only a secondary email is declared by it,
// and one without a userName has none to write.
func TestUnmanagedNoEmailAdviceNeedsNoEmailAndAUserName(t *testing.T) {
	sec := lh("us", "sec-4805")
	sec.Emails = []string{"sec@x.com"}
	bare := lh("ub", "")
	have := state(users(nextOwner, sec, bare))
	p := Compute(state(users(nextOwnerD())), have, ignorePolicy, Options{Deployment: model.SaaS})
	n := 0
	for _, w := range p.Warnings {
		if w.Code == plan.WarnUnmanagedUser && (w.IDs[0] == "us" || w.IDs[0] == "ub") {
			n++
			if strings.Contains(w.Message, "it has no email") || strings.Contains(w.Message, "username:") {
				t.Errorf("%s: %q", w.IDs[0], w.Message)
			}
		}
	}
	if n == 0 {
		t.Errorf("no unmanaged_user warning for us or ub:\n%v", planText(p))
	}
}
