package diff

import (
	"slices"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
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

// TestSwapHoldAlsoHoldsEmailElsewhereHolder: on Multi-tenant Cloud the
// entry b@x.com (username: ahandle, active: false) matches by userName the
// account ahandle, which does not hold b@x.com but holds the email of the
// active entry a@x.com (the swap hold). Account bh holds b@x.com
// (email_elsewhere). README: "an account matched by userName that does not
// hold the entry's email while another live account does ...: the entry may
// mean either, so neither is deactivated (under unmanagedUsers: deactivate
// neither), nor removed from a team". bh must not be deactivated for good,
// nor removed from a team, whichever hold applies to the matched account.
func TestSwapHoldAlsoHoldsEmailElsewhereHolder(t *testing.T) {
	off := inactive(hu("ahandle", "b@x.com"))
	want := state(users(nextOwnerD(), du("a@x.com"), off), dt("ml", model.Authoritative, dm("a@x.com", "")))
	have := state(users(nextOwner, member(lh("ua", "ahandle", "a@x.com")), member(lh("ub", "bh", "b@x.com"))),
		lt("g", "ml", lm("ua", "ahandle", ""), lm("ub", "bh", "")))
	p := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, Options{Deployment: model.SaaS})
	if slices.Contains(deactivated(p), "ub") {
		t.Errorf("ub (bh, b@x.com) deactivated for good while the entry b@x.com is held:\n%v", planText(p))
	}
	for _, c := range p.Changes {
		if c.Action == plan.RemoveMember && c.UserID == "ub" {
			t.Errorf("ub removed from a team while the entry b@x.com is held: %s", plan.Describe(c))
		}
	}
	if !holdWarned(p, "nor is live user bh (b@x.com), which holds the email the entry names") {
		t.Errorf("the hold does not name bh:\n%v", planText(p))
	}
}

// TestExternalIDHoldAlsoHoldsEmailElsewhereHolder: the same with the
// externalId form of the hold: ahandle carries the externalId of the active
// entry a@x.com; bh holds the inactive entry's email.
func TestExternalIDHoldAlsoHoldsEmailElsewhereHolder(t *testing.T) {
	off := inactive(hu("ahandle", "b@x.com"))
	a := du("a@x.com")
	a.ExternalID = "EA"
	ua := member(lh("ua", "ahandle", "old@x.com"))
	ua.ExternalID = "EA"
	want := state(users(nextOwnerD(), a, off))
	have := state(users(nextOwner, ua, member(lh("ub", "bh", "b@x.com"))))
	p := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, Options{Deployment: model.SaaS})
	if slices.Contains(deactivated(p), "ub") {
		t.Errorf("ub (bh, b@x.com) deactivated for good while the entry b@x.com is held:\n%v", planText(p))
	}
}

// TestProtectedMatchHoldsEmailElsewhereHolder: on Multi-tenant Cloud the
// entry b@x.com (username: ahandle, active: false) matches by userName the
// protected account ahandle, which does not hold b@x.com; bh holds it
// (email_elsewhere). The entry may mean either, so neither is deactivated
// nor removed from a team: protecting ahandle must not leave bh to
// unmanagedUsers: deactivate (irreversible) or to an authoritative team's
// removals, with or without the swap hold's active entry a@x.com; the
// email_elsewhere warning says bh is held, and why (no identity_mismatch
// is said: ahandle is protected, which the protected warning says).
func TestProtectedMatchHoldsEmailElsewhereHolder(t *testing.T) {
	for _, swap := range []bool{false, true} {
		us := []model.User{nextOwnerD(), inactive(hu("ahandle", "b@x.com"))}
		if swap {
			us = append(us, du("a@x.com"))
		}
		want := state(users(us...), dt("ml", model.Authoritative))
		have := state(users(nextOwner, member(lh("ua", "ahandle", "a@x.com")), member(lh("ub", "bh", "b@x.com"))),
			lt("g", "ml", lm("ua", "ahandle", ""), lm("ub", "bh", "")))
		pol := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, Protected: []string{"a@x.com"}}
		p := Compute(want, have, pol, Options{Deployment: model.SaaS})
		for _, c := range p.Changes {
			if c.UserID == "ub" {
				t.Errorf("swap %v: %s, while the entry b@x.com may mean bh:\n%v", swap, plan.Describe(c), planText(p))
			}
		}
		i := slices.IndexFunc(p.Warnings, func(w plan.Warning) bool { return w.Code == plan.WarnEmailElsewhere })
		if i < 0 || !strings.Contains(p.Warnings[i].Message, "bh (b@x.com), which has the email b@x.com, is left alone, as the active: false entry b@x.com may mean it: its match by userName is protected") || holdWarned(p, "") {
			t.Errorf("swap %v: the hold of bh is not said as such:\n%v", swap, planText(p))
		}
	}
}
