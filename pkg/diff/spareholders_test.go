package diff

import (
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// deactivated lists the ids of the deactivate_user changes of p.
func deactivated(p plan.Plan) []string {
	var ids []string
	for _, c := range p.Changes {
		if c.Action == plan.DeactivateUser {
			ids = append(ids, c.UserID)
		}
	}
	return ids
}

// TestExternalIDHolderSpared: the entry alice@x.com (externalId E-NEW)
// matches by email account ua, which carries another externalId (and, in
// some cases, is deactivated: invited again on Multi-tenant Cloud,
// reactivated on Dedicated). Account u2 (a2@x.com), active and not in the
// manifest, carries E-NEW: the identity provider's pin for the person.
// Under unmanagedUsers: deactivate it is not deactivated on a guess (on
// Multi-tenant Cloud for good); external_id_elsewhere says so.
func TestExternalIDHolderSpared(t *testing.T) {
	for _, tc := range []struct {
		name     string
		dep      model.Deployment
		uaActive bool
	}{
		{"saas, the matched account deactivated", model.SaaS, false},
		{"saas, the matched account active", model.SaaS, true},
		{"dedicated, the matched account deactivated", model.Dedicated, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := "alice@x.com"
			ua := with(lh("ua", "alice", a), func(u *model.User) { u.ExternalID = "E-OLD"; u.Active = tc.uaActive })
			u2 := with(lh("u2", "alice2", "a2@x.com"), func(u *model.User) { u.ExternalID = "E-NEW" })
			want := state(users(with(du(a), func(u *model.User) { u.ExternalID = "E-NEW" }), du("root@x.com")))
			have := state(users(ua, u2, lu("ur", "root@x.com")))
			got := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, Options{Deployment: tc.dep})
			if ids := deactivated(got); len(ids) > 0 {
				t.Fatalf("deactivates %v; u2 carries the externalId the manifest gives alice@x.com", ids)
			}
			n := 0
			for _, w := range got.Warnings {
				if w.Code == plan.WarnExternalIDElsewhere {
					n++
					if !strings.Contains(w.Message, "alice2 (a2@x.com) is not deactivated") {
						t.Errorf("external_id_elsewhere does not say u2 is spared: %s", w.Message)
					}
				}
			}
			if n != 1 {
				t.Errorf("%d external_id_elsewhere warnings, want 1: %+v", n, got.Warnings)
			}
		})
	}
}

// TestExternalIDHolderSparedWithoutUpdate: the matched account ua carries
// no externalId the plan may replace (the entry's is unreported: no
// update, so no external_id_elsewhere about one); u2 carries the entry's
// externalId. It is spared all the same, and a warning of its own says so.
func TestExternalIDHolderSparedWithoutUpdate(t *testing.T) {
	a := "alice@x.com"
	ua := with(lh("ua", "alice", a), func(u *model.User) { u.ExternalID = "E-OLD" })
	u2 := with(lh("u2", "alice2", "a2@x.com"), func(u *model.User) { u.ExternalID = "E-NEW" })
	want := state(users(with(du(a), func(u *model.User) { u.ExternalID = "E-NEW" })))
	have := state(users(ua, u2))
	got := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, Options{Deployment: model.Dedicated, ExternalIDsUnreported: true})
	if ids := deactivated(got); len(ids) > 0 {
		t.Fatalf("deactivates %v", ids)
	}
	for _, w := range got.Warnings {
		if w.Code == plan.WarnExternalIDElsewhere && strings.Contains(w.Message, "alice2 (a2@x.com) is not deactivated") && w.IDs[0] == "u2" {
			return
		}
	}
	t.Errorf("no warning says u2 is spared: %+v", got.Warnings)
}

// TestSaaSSecondaryHolderSparedBesideReinvite: the entry alice@x.com
// (username Alice) matches by username account ua, deactivated (gone from
// the Multi-tenant organization) and holding alice@x.com: the plan invites
// it again. Account u2, active, holds alice@x.com as a secondary email:
// the person's live account, perhaps. It is spared as a holder of the
// email as its primary one would be.
func TestSaaSSecondaryHolderSparedBesideReinvite(t *testing.T) {
	a := "alice@x.com"
	ua := with(lh("ua", "alice", a), func(u *model.User) { u.Active = false })
	u2 := with(lh("u2", "alice2", "a2@x.com"), func(u *model.User) { u.Emails = []string{"a2@x.com", "ALICE@X.com"} })
	want := state(users(hu("Alice", a), du("root@x.com")))
	have := state(users(ua, u2, lu("ur", "root@x.com")))
	got := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, Options{Deployment: model.SaaS})
	if ids := deactivated(got); len(ids) > 0 {
		t.Fatalf("deactivates %v for good; u2 holds the entry's email", ids)
	}
	for _, w := range got.Warnings {
		if w.Code == plan.WarnEmailElsewhere && strings.Contains(w.Message, "not deactivated") && strings.Contains(w.Message, "alice2 (a2@x.com)") {
			return
		}
	}
	t.Errorf("no email_elsewhere says u2 is spared: %+v", got.Warnings)
}
