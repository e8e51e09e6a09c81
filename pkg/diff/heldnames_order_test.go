package diff

import (
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
)

// TestPartlyHeldHoldersNamedInOrder: c@x.com (an active entry matched by
// userName elsewhere) is held by zh, xh and yh; zh and xh are held (each
// holds the email of an active: false entry whose match is protected), yh
// is not. The c@x.com warning names the held ones sorted, whatever the
// order the organization lists them in.
func TestPartlyHeldHoldersNamedInOrder(t *testing.T) {
	want := state(users(nextOwnerD(), inactive(hu("ahandle", "b@x.com")), inactive(hu("dhandle", "d@x.com")), hu("chandle", "c@x.com")))
	have := state(users(nextOwner, member(lh("ua", "ahandle", "a@x.com")), member(lh("ud", "dhandle", "d2@x.com")),
		member(lh("uz", "zh", "d@x.com", "c@x.com")),
		member(lh("ux", "xh", "b@x.com", "c@x.com")),
		member(lh("uy", "yh", "c@x.com")),
		member(lh("uch", "chandle", "c2@x.com"))))
	pol := model.Policy{UnmanagedUsers: model.UnmanagedIgnore, Protected: []string{"a@x.com", "d2@x.com"}}
	p := Compute(want, have, pol, Options{Deployment: model.SaaS})
	m := elsewhereOf(p, "c@x.com")
	if !strings.Contains(m, "treated as not in the manifest, but xh (b@x.com), zh (d@x.com) are left alone") {
		t.Errorf("c@x.com: %q", m)
	}
}
