package diff

import (
	"slices"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
)

// TestSwapHoldNamesEveryPrimaryHolder: the swap hold on an active: false
// entry holds two other accounts with the entry's email as their primary
// one, and the warning names both, saying the entry may mean any of them.
func TestSwapHoldNamesEveryPrimaryHolder(t *testing.T) {
	want := state(users(nextOwnerD(), inactive(du("d@x.com")), hu("yuser", "y@x.com")))
	have := state(users(nextOwner,
		member(lh("u1", "d@x.com", "d@x.com", "y@x.com")),
		member(lh("u2", "ann", "D@x.com")),
		member(lh("u3", "bea", "d@X.com")),
		member(lh("uy", "yuser", "y2@x.com"))))
	p := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, Options{Deployment: model.SaaS})
	for _, id := range []string{"u1", "u2", "u3"} {
		if slices.Contains(deactivated(p), id) {
			t.Errorf("%s deactivated while the entry d@x.com is held:\n%v", id, planText(p))
		}
	}
	if !holdWarned(p, "which have the email d@x.com as their primary one too (the entry may mean any of them)") ||
		!holdWarned(p, "ann (D@x.com)") || !holdWarned(p, "bea (d@X.com)") {
		t.Errorf("the hold does not name both holders:\n%v", planText(p))
	}
}
