package diff

import (
	"slices"
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

// changeList lists every change of p as "USERID ACTION", in plan order.
func changeList(p plan.Plan) []string {
	var got []string
	for _, c := range p.Changes {
		got = append(got, c.UserID+" "+string(c.Action))
	}
	return got
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
					if !spares(w, "alice2 (a2@x.com)") {
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
		if w.Code == plan.WarnExternalIDElsewhere && spares(w, "alice2 (a2@x.com)") && w.IDs[0] == "u2" {
			return
		}
	}
	t.Errorf("no warning says u2 is spared: %+v", got.Warnings)
}

// TestSaaSSecondaryHolderBesideReinviteSteady: the entry alice@x.com
// (username Alice) matches by username account ua, deactivated (gone from
// the Multi-tenant organization) and holding alice@x.com: the plan invites
// it again. Account u2, active, holds alice@x.com as a secondary email
// only. The entry names ua, which holds the email: u2's other address is
// no claim, and under unmanagedUsers: deactivate u2 goes, as it does once
// the invitation is applied. Whatever the plan decides, the next plan
// (after the invitation) decides the same: a spare that lasted one run
// would have said "not deactivated" of an account the next run removes.
func TestSaaSSecondaryHolderBesideReinviteSteady(t *testing.T) {
	pol := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}
	a := "alice@x.com"
	want := state(users(hu("Alice", a), du("root@x.com")))
	ua := with(lh("ua", "alice", a), func(u *model.User) { u.Active = false })
	u2 := with(lh("u2", "alice2", "a2@x.com"), func(u *model.User) { u.Emails = []string{"a2@x.com", "ALICE@X.com"} })
	run1 := deactivated(Compute(want, state(users(ua, u2, lu("ur", "root@x.com"))), pol, Options{Deployment: model.SaaS}))
	// Applied: the invitation made account un (Alice, alice@x.com); the
	// Multi-tenant organization no longer lists the old one.
	un := lh("un", "Alice", a)
	run2 := deactivated(Compute(want, state(users(un, u2, lu("ur", "root@x.com"))), pol, Options{Deployment: model.SaaS}))
	if !slices.Equal(run1, []string{"u2"}) || !slices.Equal(run2, run1) {
		t.Errorf("deactivated %v, then %v after the invitation; want u2 both times", run1, run2)
	}
}

// TestExternalIDSpareLastsAfterApply: the spare of an account carrying the
// entry's externalId holds once the plan's own update gave the matched
// account that externalId too (two accounts carry it now): the next plan
// does not deactivate it, and still says why.
func TestExternalIDSpareLastsAfterApply(t *testing.T) {
	pol := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}
	a := "alice@x.com"
	want := state(users(with(du(a), func(u *model.User) { u.ExternalID = "E-NEW" }), du("root@x.com")))
	for _, dep := range []model.Deployment{model.SaaS, model.Dedicated} {
		ua := with(lh("ua", "alice", a), func(u *model.User) { u.ExternalID = "E-OLD" })
		u2 := with(lh("u2", "alice2", "a2@x.com"), func(u *model.User) { u.ExternalID = "E-NEW" })
		for run := 1; run <= 2; run++ {
			got := Compute(want, state(users(ua, u2, lu("ur", "root@x.com"))), pol, Options{Deployment: dep})
			if ids := deactivated(got); len(ids) > 0 {
				t.Errorf("%s run %d deactivates %v", dep, run, ids)
			}
			if !slices.ContainsFunc(got.Warnings, func(w plan.Warning) bool {
				return w.Code == plan.WarnExternalIDElsewhere && spares(w, "alice2 (a2@x.com)")
			}) {
				t.Errorf("%s run %d: no warning says u2 is spared: %+v", dep, run, got.Warnings)
			}
			ua.ExternalID = "E-NEW" // run 1 applied, as planned
		}
	}
}

// TestExternalIDSpareOfAnInactiveEntry: an entry with active: false gives
// its externalId to no one: an unmanaged account carrying it is
// deactivated as any other (the entry's other accounts go with it).
func TestExternalIDSpareOfAnInactiveEntry(t *testing.T) {
	a := "alice@x.com"
	off := with(du(a), func(u *model.User) { u.ExternalID = "E1"; u.Active = false })
	ua := with(lh("ua", "alice", a), func(u *model.User) { u.ExternalID = "E0" })
	u2 := with(lh("u2", "alice2", "a2@x.com"), func(u *model.User) { u.ExternalID = "E1" })
	got := Compute(state(users(off, du("root@x.com"))), state(users(ua, u2, lu("ur", "root@x.com"))),
		model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, Options{Deployment: model.Dedicated})
	if ids := deactivated(got); !slices.Equal(ids, []string{"u2", "ua"}) && !slices.Equal(ids, []string{"ua", "u2"}) {
		t.Errorf("deactivated %v, want ua (the entry) and u2 (unmanaged)", ids)
	}
}

// TestExternalIDSpareNamesHoldersOnce: two unmanaged accounts carrying the
// entry's externalId are spared in one clause, not one sentence each.
func TestExternalIDSpareNamesHoldersOnce(t *testing.T) {
	a := "alice@x.com"
	want := state(users(with(du(a), func(u *model.User) { u.ExternalID = "E-NEW" })))
	// E-OLD: the plan updates ua's externalId (the warning about the
	// update names the holders); E-NEW: that update applied (a warning of
	// its own names them).
	for _, uaExt := range []string{"E-OLD", "E-NEW"} {
		have := state(users(with(lh("ua", "alice", a), func(u *model.User) { u.ExternalID = uaExt }),
			with(lh("u2", "alice2", "a2@x.com"), func(u *model.User) { u.ExternalID = "E-NEW" }),
			with(lh("u3", "alice3", "a3@x.com"), func(u *model.User) { u.ExternalID = "E-NEW" })))
		got := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, Options{Deployment: model.SaaS})
		if ids := deactivated(got); len(ids) > 0 {
			t.Fatalf("ua %s: deactivates %v", uaExt, ids)
		}
		n := 0
		for _, w := range got.Warnings {
			if w.Code != plan.WarnExternalIDElsewhere {
				continue
			}
			n++
			if strings.Count(w.Message, "not deactivated") != 1 || !strings.Contains(w.Message, "alice2 (a2@x.com), alice3 (a3@x.com)") ||
				!slices.Equal(w.IDs, []string{"u2", "u3"}) {
				t.Errorf("ua %s: external_id_elsewhere %v: %s", uaExt, w.IDs, w.Message)
			}
		}
		if n != 1 {
			t.Errorf("ua %s: %d external_id_elsewhere warnings, want one naming both: %+v", uaExt, n, got.Warnings)
		}
	}
}

// spares reports whether warning w says it does not deactivate the
// account named who.
func spares(w plan.Warning, who string) bool {
	return strings.Contains(w.Message, who) && strings.Contains(w.Message, "not deactivated (unmanagedUsers: deactivate)")
}
