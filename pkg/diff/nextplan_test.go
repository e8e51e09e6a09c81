package diff

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// What a plan leaves alone, the plan after it (once it is applied, with
// the same manifest) leaves alone too: a hold that lasts one run would
// have said "not deactivated" of an account the next run removes (on
// Multi-tenant Cloud for good). The cases below are two accounts holding
// one email as their primary one (in different case), which W&B
// Multi-tenant Cloud can list.

var nextOwner = model.User{ID: "uo", UserName: "owner@o.com", Email: "owner@o.com", Emails: []string{"owner@o.com"}, OrgRole: model.RoleAdmin, Active: true}

func nextOwnerD() model.User {
	return with(du("owner@o.com"), func(u *model.User) { u.OrgRole = model.RoleAdmin })
}

func inactive(u model.User) model.User { u.Active = false; return u }

func member(u model.User) model.User { u.OrgRole = model.RoleMember; return u }

// twoRuns plans, applies the plan (simulated, every write succeeding) and
// plans again.
func twoRuns(t *testing.T, want, have model.State, pol model.Policy, dep model.Deployment) (plan.Plan, plan.Plan) {
	t.Helper()
	opts := Options{Deployment: dep, Now: genNow}
	p1 := Compute(want, have, pol, opts)
	s1, err := simulate(have, p1, dep, server{orgRoles: true, teamRoles: true, extIDs: true})
	if err != nil {
		t.Fatal(err)
	}
	return p1, Compute(want, s1, pol, opts)
}

// planText is a plan's changes and warnings, for failure messages.
func planText(p plan.Plan) []string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, plan.Describe(c)+" ["+c.UserID+"]")
	}
	for _, w := range p.Warnings {
		out = append(out, fmt.Sprintf("! %s %s %v: %s", w.Code, w.User, w.IDs, w.Message))
	}
	return out
}

// flips fails t when run 1 leaves live user id active and run 2
// deactivates it.
func flips(t *testing.T, p1, p2 plan.Plan, id string) {
	t.Helper()
	if !slices.Contains(deactivated(p1), id) && slices.Contains(deactivated(p2), id) {
		t.Errorf("run 1 leaves %s active:\n%v\nrun 2 deactivates it:\n%v", id, planText(p1), planText(p2))
	}
}

// TestNextPlanSameEmailTwoAccounts: the entry d@x.com (active: false, no
// username) matches u1 (userName D@x.com) by userName; u2 (handle ann)
// has d@x.com as its primary email too. Deactivating u1 alone would leave
// u2 for the next plan, which matches it by the email and removes it,
// though this plan said it was not in the manifest (or, under ignore,
// "not deactivated"). Dedicated, where u1 stays listed, is the control.
func TestNextPlanSameEmailTwoAccounts(t *testing.T) {
	for _, tc := range []struct {
		dep model.Deployment
		pol model.UnmanagedPolicy
	}{{model.SaaS, model.UnmanagedIgnore}, {model.SaaS, model.UnmanagedDeactivate}, {model.Dedicated, model.UnmanagedIgnore}} {
		t.Run(string(tc.dep)+" "+string(tc.pol), func(t *testing.T) {
			want := state(users(nextOwnerD(), inactive(du("d@x.com"))))
			have := state(users(nextOwner, member(lh("u1", "D@x.com", "D@x.com")), member(lh("u2", "ann", "d@x.com"))))
			p1, p2 := twoRuns(t, want, have, model.Policy{UnmanagedUsers: tc.pol}, tc.dep)
			flips(t, p1, p2, "u2")
		})
	}
}

// TestNextPlanActiveEntryAccount: as above, but u2 carries the
// externalId of the active entry a@x.com, which matches it by that: run 2
// would match u2 to d@x.com by the email (a stronger link) and remove the
// account of a user the manifest lists as active.
func TestNextPlanActiveEntryAccount(t *testing.T) {
	want := state(users(nextOwnerD(), inactive(du("d@x.com")), with(du("a@x.com"), func(u *model.User) { u.ExternalID = "e1" })))
	have := state(users(nextOwner, member(lh("u1", "D@x.com", "D@x.com")),
		with(member(lh("u2", "ann", "d@x.com")), func(u *model.User) { u.ExternalID = "e1" })))
	for _, pol := range []model.UnmanagedPolicy{model.UnmanagedIgnore, model.UnmanagedDeactivate} {
		p1, p2 := twoRuns(t, want, have, model.Policy{UnmanagedUsers: pol}, model.SaaS)
		flips(t, p1, p2, "u2")
		if slices.Contains(deactivated(p1), "u2") {
			t.Errorf("%s: run 1 deactivates u2, the account of active a@x.com: %v", pol, planText(p1))
		}
	}
}

// TestNextPlanHeldByExternalID: run 1 holds u3 (b@x.com, active: false,
// reaches it only by externalId: identity_mismatch) while a@x.com
// (active: false) matches u2 (userName A@x.com) and u3 has a@x.com as its
// primary email. Removing u2 would let the next plan match u3 to a@x.com
// by the email and remove it, though run 1 said it was not deactivated.
func TestNextPlanHeldByExternalID(t *testing.T) {
	want := state(users(nextOwnerD(), inactive(du("a@x.com")), with(inactive(du("b@x.com")), func(u *model.User) { u.ExternalID = "e1" })))
	have := state(users(nextOwner, member(lh("u2", "A@x.com", "A@x.com")),
		with(member(lh("u3", "cat", "a@x.com")), func(u *model.User) { u.ExternalID = "e1" })))
	p1, p2 := twoRuns(t, want, have, model.Policy{UnmanagedUsers: model.UnmanagedIgnore}, model.SaaS)
	flips(t, p1, p2, "u3")
}

// TestNextPlanGuardsHold: the same shape with a username in the manifest
// (it names u1 alone), or with u2 holding the email as a secondary one
// only (no claim on the entry), needs no hold: no flip, and u1 is
// deactivated as the entry says.
func TestNextPlanGuardsHold(t *testing.T) {
	for name, tc := range map[string]struct{ want, have model.State }{
		"username in the manifest": {
			state(users(nextOwnerD(), inactive(hu("dee", "d@x.com")))),
			state(users(nextOwner, lh("u1", "dee", "d@x.com"), lh("u2", "ann", "d@x.com")))},
		"secondary email only": {
			state(users(nextOwnerD(), inactive(du("d@x.com")))),
			state(users(nextOwner, lh("u1", "d@x.com", "d@x.com"), lh("u2", "ann", "a2@x.com", "d@x.com")))},
	} {
		t.Run(name, func(t *testing.T) {
			p1, p2 := twoRuns(t, tc.want, tc.have, model.Policy{UnmanagedUsers: model.UnmanagedIgnore}, model.SaaS)
			flips(t, p1, p2, "u2")
			if !slices.Contains(deactivated(p1), "u1") {
				t.Errorf("u1 not deactivated: %v", planText(p1))
			}
		})
	}
}

// TestPrimaryHoldIgnoresEntryOrder: Y (active: false, username ann)
// matches u2 by userName and is held (u2 carries active Z's externalId,
// or holds Z's email); X (d@x.com, active: false) matches u1, and u2 has
// d@x.com as its primary email too. Whether X's account is removed for
// good must not depend on which entry the manifest lists first.
func TestPrimaryHoldIgnoresEntryOrder(t *testing.T) {
	x := inactive(du("d@x.com"))
	y := inactive(hu("ann", "ann@y.com"))
	z := with(du("z@x.com"), func(u *model.User) { u.ExternalID = "E" })
	have := state(users(nextOwner, member(lh("u1", "D@x.com", "D@x.com")),
		with(member(lh("u2", "ann", "d@x.com")), func(u *model.User) { u.ExternalID = "E" }),
		member(lh("uz", "zed", "z@x.com"))))
	pol := model.Policy{UnmanagedUsers: model.UnmanagedIgnore}
	p1 := Compute(state(users(nextOwnerD(), x, y, z)), have, pol, Options{Deployment: model.SaaS})
	p2 := Compute(state(users(nextOwnerD(), y, x, z)), have, pol, Options{Deployment: model.SaaS})
	d1, d2 := deactivated(p1), deactivated(p2)
	slices.Sort(d1)
	slices.Sort(d2)
	if !slices.Equal(d1, d2) {
		t.Errorf("manifest order changes the plan: X first deactivates %v\n%v\nY first deactivates %v\n%v", d1, planText(p1), d2, planText(p2))
	}
}

// TestPrimaryHoldIgnoresEntryOrderActiveEmail: as above, Y held because u2
// holds an active entry's email; in either order, no plan after it
// removes u2.
func TestPrimaryHoldIgnoresEntryOrderActiveEmail(t *testing.T) {
	x := inactive(du("d@x.com"))
	y := inactive(hu("ann", "ann@y.com"))
	z := hu("zed2", "z@x.com")
	have := state(users(nextOwner, member(lh("u1", "D@x.com", "D@x.com")),
		member(lh("u2", "ann", "d@x.com", "z@x.com")),
		member(lh("uz", "zed2", "zz@x.com"))))
	pol := model.Policy{UnmanagedUsers: model.UnmanagedIgnore}
	for _, order := range [][]model.User{{nextOwnerD(), x, y, z}, {nextOwnerD(), y, x, z}} {
		p1, p2 := twoRuns(t, state(users(order...)), have, pol, model.SaaS)
		flips(t, p1, p2, "u2")
	}
}

// TestPrimaryHoldSaysWhatItDoes: u2 has d@x.com as its primary email and
// y@x.com as a secondary one, which another active: false entry reaches it
// by (not by its handle: it may still be matched by d@x.com later). The
// offboarding of d@x.com is held, naming u1 and u2, and the plan
// deactivates neither: a hold that says "neither is deactivated" never
// comes with a deactivation of the holder by its own entry.
func TestPrimaryHoldSaysWhatItDoes(t *testing.T) {
	want := state(users(nextOwnerD(), inactive(du("d@x.com")), inactive(du("y@x.com"))))
	have := state(users(nextOwner, member(lh("u1", "D@x.com", "D@x.com")), member(lh("u2", "ann", "d@x.com", "y@x.com"))))
	p := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedIgnore}, Options{Deployment: model.SaaS})
	if ids := deactivated(p); len(ids) > 0 {
		t.Errorf("deactivates %v:\n%v", ids, planText(p))
	}
	if !slices.ContainsFunc(p.Warnings, func(w plan.Warning) bool {
		return w.Code == plan.WarnIdentityMismatch && strings.Contains(w.Message, "neither is deactivated") && slices.Equal(w.IDs, []string{"u1", "u2"})
	}) {
		t.Errorf("no hold of d@x.com naming u1 and u2:\n%v", planText(p))
	}
}

// TestInactiveEntryHeldByActiveEntryExternalID: X (active: false)
// matches u1, which carries the externalId of active A (matched to ua):
// on Multi-tenant Cloud u1 is held, identity_mismatch naming A.
func TestInactiveEntryHeldByActiveEntryExternalID(t *testing.T) {
	want := state(users(nextOwnerD(), inactive(du("d@x.com")), with(du("a@x.com"), func(u *model.User) { u.ExternalID = "e1" })))
	have := state(users(nextOwner, with(member(lu("u1", "d@x.com")), func(u *model.User) { u.ExternalID = "e1" }),
		member(lu("ua", "a@x.com"))))
	p := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedIgnore}, Options{Deployment: model.SaaS})
	if slices.Contains(deactivated(p), "u1") || !slices.ContainsFunc(p.Warnings, func(w plan.Warning) bool {
		return w.Code == plan.WarnIdentityMismatch && strings.Contains(w.Message, "carries the externalId of a@x.com")
	}) {
		t.Errorf("u1 carries active a@x.com's externalId: want held\n%v", planText(p))
	}
}

// TestPrimaryHoldKeepsTeams: the primary-holder hold says "neither is
// deactivated or removed from a team": an authoritative team holding both
// accounts keeps them.
func TestPrimaryHoldKeepsTeams(t *testing.T) {
	for _, pol := range []model.UnmanagedPolicy{model.UnmanagedIgnore, model.UnmanagedDeactivate} {
		want := state(users(nextOwnerD(), inactive(du("d@x.com"))), dt("ml", model.Authoritative, dm("owner@o.com", "")))
		have := state(users(nextOwner, member(lh("u1", "D@x.com", "D@x.com")), member(lh("u2", "ann", "d@x.com"))),
			lt("g", "ml", lm("uo", "owner@o.com", ""), lm("u1", "D@x.com", ""), lm("u2", "d@x.com", "")))
		p := Compute(want, have, model.Policy{UnmanagedUsers: pol}, Options{Deployment: model.SaaS})
		for _, c := range p.Changes {
			if c.Action == plan.RemoveMember || c.Action == plan.DeactivateUser {
				t.Errorf("%s: hold says neither is touched, plan has: %s [%s]", pol, plan.Describe(c), c.UserID)
			}
		}
	}
}

// TestExternalIDHoldKeepsTeams: the externalId hold says "not deactivated
// or removed from a team".
func TestExternalIDHoldKeepsTeams(t *testing.T) {
	want := state(users(nextOwnerD(), inactive(du("d@x.com")), with(du("a@x.com"), func(u *model.User) { u.ExternalID = "e1" })),
		dt("ml", model.Authoritative, dm("owner@o.com", "")))
	have := state(users(nextOwner, with(member(lu("u1", "d@x.com")), func(u *model.User) { u.ExternalID = "e1" }), member(lu("ua", "a@x.com"))),
		lt("g", "ml", lm("uo", "owner@o.com", ""), lm("u1", "d@x.com", "")))
	p := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedIgnore}, Options{Deployment: model.SaaS})
	for _, c := range p.Changes {
		if c.Action == plan.RemoveMember && c.UserID == "u1" {
			t.Errorf("ext hold says not removed from a team, plan has: %s", plan.Describe(c))
		}
	}
}

// TestPrimaryHoldSkipsHolderNamedByHandle: the other account with the
// email as its primary one is the one an active entry names by its
// handle (ann): no plan matches it by the email, so the offboarding of
// d@x.com is not held for it: u1 goes, ann stays, this plan and the next.
func TestPrimaryHoldSkipsHolderNamedByHandle(t *testing.T) {
	want := state(users(nextOwnerD(), inactive(du("d@x.com")), hu("ann", "ann@x.com")))
	have := state(users(nextOwner, member(lh("u1", "D@x.com", "D@x.com")), member(lh("u2", "ann", "d@x.com"))))
	p1, p2 := twoRuns(t, want, have, model.Policy{UnmanagedUsers: model.UnmanagedIgnore}, model.SaaS)
	if !slices.Equal(deactivated(p1), []string{"u1"}) {
		t.Errorf("run 1 deactivates %v, want u1:\n%v", deactivated(p1), planText(p1))
	}
	flips(t, p1, p2, "u2")
}

// TestSwapHoldKeepsPrimaryHolder: an active: false entry d@x.com matches
// u1 by its handle; u1 also holds the email of an active entry (y@x.com),
// so the swap hold leaves it alone. ann (u2) has d@x.com (other case) as
// its primary email too: as without the swap (TestPrimaryHoldKeepsTeams),
// the entry may mean it, and it is held too, never deactivated as "not in
// the manifest" (irreversible on Multi-tenant Cloud) while the entry that
// names its email is held. The same when u1 carries an active entry's
// externalId instead.
func TestSwapHoldKeepsPrimaryHolder(t *testing.T) {
	want := state(users(nextOwnerD(), inactive(du("d@x.com")), hu("yuser", "y@x.com")))
	have := state(users(nextOwner,
		member(lh("u1", "d@x.com", "d@x.com", "y@x.com")),
		member(lh("u2", "ann", "D@x.com")),
		member(lh("uy", "yuser", "y2@x.com"))))
	p := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, Options{Deployment: model.SaaS})
	if slices.Contains(deactivated(p), "u2") || !holdWarned(p, "nor is live user ann (D@x.com), which has the email d@x.com as its primary one too") {
		t.Errorf("u2 (primary D@x.com) deactivated, or not said held, while the entry d@x.com is held:\n%v", planText(p))
	}
	ext := state(users(nextOwnerD(), inactive(du("d@x.com")), with(hu("yuser", "y@x.com"), func(u *model.User) { u.ExternalID = "ext-y" })))
	have = state(users(nextOwner, with(member(lh("u1", "d@x.com", "d@x.com")), func(u *model.User) { u.ExternalID = "ext-y" }),
		member(lh("u2", "ann", "D@x.com")), member(lh("uy", "yuser", "y2@x.com"))))
	p = Compute(ext, have, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, Options{Deployment: model.SaaS})
	if slices.Contains(deactivated(p), "u2") || slices.Contains(deactivated(p), "u1") || !holdWarned(p, "carries the externalId of") {
		t.Errorf("externalId hold: u1 or u2 deactivated, or no hold said:\n%v", planText(p))
	}
}

// holdWarned reports whether p has an identity_mismatch warning saying sub.
func holdWarned(p plan.Plan, sub string) bool {
	return slices.ContainsFunc(p.Warnings, func(w plan.Warning) bool {
		return w.Code == plan.WarnIdentityMismatch && strings.Contains(w.Message, sub)
	})
}

// The matched account holds the entry's email as a secondary one only,
// while another active account has it as its primary one: the
// primary-holder hold applies (the comment: "li holds that email").
func TestPrimaryHoldMatchedHoldsItAsSecondary(t *testing.T) {
	want := state(users(nextOwnerD(), inactive(du("d@x.com"))))
	have := state(users(nextOwner,
		member(lh("u1", "d@x.com", "old@x.com", "d@x.com")), // handle d@x.com, e as secondary
		member(lh("u2", "ann", "D@x.com"))))                 // e (other case) as primary
	p := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedIgnore}, Options{Deployment: model.SaaS})
	if ids := deactivated(p); len(ids) > 0 {
		t.Errorf("deactivates %v though u2 has d@x.com as its primary email too:\n%v", ids, planText(p))
	}
	if !holdWarned(p, "as its primary one too") {
		t.Errorf("no primary-holder hold:\n%v", planText(p))
	}
}

// Another account with the email as its primary one, but deactivated,
// does not hold the offboarding (primaryHolders: active only).
func TestPrimaryHoldIgnoresInactiveHolder(t *testing.T) {
	want := state(users(nextOwnerD(), inactive(du("d@x.com"))))
	have := state(users(nextOwner,
		member(lh("u1", "d@x.com", "d@x.com")),
		inactive(member(lh("u2", "ann", "D@x.com")))))
	p := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedIgnore}, Options{Deployment: model.SaaS})
	if !slices.Equal(deactivated(p), []string{"u1"}) {
		t.Errorf("deactivates %v, want u1 (u2 is deactivated already):\n%v", deactivated(p), planText(p))
	}
	if holdWarned(p, "primary one too") {
		t.Errorf("held for an inactive holder:\n%v", planText(p))
	}
}

// A swap of username: lines where the account reached by handle holds an
// active entry's email as a SECONDARY email: held on Multi-tenant Cloud.
func TestSwapHoldsOnSecondaryEmail(t *testing.T) {
	want := state(users(nextOwnerD(),
		inactive(hu("bob", "x@x.com")),
		hu("yuser", "y@x.com")))
	have := state(users(nextOwner,
		member(lh("ub", "bob", "bob@x.com", "y@x.com")),
		member(lh("uy", "yuser", "y2@x.com"))))
	p := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedIgnore}, Options{Deployment: model.SaaS})
	if slices.Contains(deactivated(p), "ub") {
		t.Errorf("deactivates ub, which holds y@x.com of an active entry:\n%v", planText(p))
	}
	if !holdWarned(p, "holds the email of") {
		t.Errorf("no swap hold:\n%v", planText(p))
	}
}

// A protected account is not held with identity_mismatch: deactivate says
// it is protected (deactivateDesired: "protected checked once").
func TestProtectedOffboardingSaidProtected(t *testing.T) {
	want := state(users(nextOwnerD(),
		inactive(hu("bob", "x@x.com")),
		hu("yuser", "y@x.com")))
	have := state(users(nextOwner,
		member(lh("ub", "bob", "y@x.com")),
		member(lh("uy", "yuser", "y2@x.com"))))
	pol := model.Policy{UnmanagedUsers: model.UnmanagedIgnore, Protected: []string{"y@x.com"}}
	p := Compute(want, have, pol, Options{Deployment: model.SaaS})
	if len(deactivated(p)) > 0 {
		t.Errorf("deactivates %v:\n%v", deactivated(p), planText(p))
	}
	if !slices.ContainsFunc(p.Warnings, func(w plan.Warning) bool { return w.Code == plan.WarnProtected }) {
		t.Errorf("no protected warning:\n%v", planText(p))
	}
	if holdWarned(p, "active: false") {
		t.Errorf("a protected account got an identity_mismatch hold:\n%v", planText(p))
	}
}
