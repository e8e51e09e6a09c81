package diff

import (
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
)

// TestPartlyHeldHoldersNameTheProtectedEntry: c@x.com (an active entry
// matched by userName elsewhere) is held by xh and yh. xh also holds
// b@x.com, the email of an active: false entry whose match is protected,
// which holds xh; yh is held by nothing. The c@x.com warning says yh is
// treated as not in the manifest and that xh is left alone for the
// b@x.com entry: no identity_mismatch is said of xh (unmanagedUsers:
// ignore, where nothing else rewrites the warning).
func TestPartlyHeldHoldersNameTheProtectedEntry(t *testing.T) {
	want := state(users(nextOwnerD(), inactive(hu("ahandle", "b@x.com")), hu("chandle", "c@x.com")))
	have := state(users(nextOwner, member(lh("ua", "ahandle", "a@x.com")),
		member(lh("ux", "xh", "b@x.com", "c@x.com")),
		member(lh("uy", "yh", "c@x.com")),
		member(lh("uch", "chandle", "c2@x.com"))))
	pol := model.Policy{UnmanagedUsers: model.UnmanagedIgnore, Protected: []string{"a@x.com"}}
	p := Compute(want, have, pol, Options{Deployment: model.SaaS})
	m := elsewhereOf(p, "c@x.com")
	if !strings.Contains(m, "treated as not in the manifest, but xh (b@x.com) is left alone, as the active: false entry b@x.com may mean it:") {
		t.Errorf("c@x.com: %q", m)
	}
	if strings.Contains(m, "as identity_mismatch says") {
		t.Errorf("c@x.com points at an identity_mismatch the plan does not say: %q", m)
	}
}

// TestHoldersHeldByTwoProtectedEntriesNotPinnedOnOne: c@x.com (an active
// entry matched by userName elsewhere) is held by xh and zh; xh also
// holds b@x.com and zh d@x.com, the emails of two active: false entries
// whose matches are protected. Each of those entries holds one of them:
// the c@x.com warning must not say that either entry may mean both.
func TestHoldersHeldByTwoProtectedEntriesNotPinnedOnOne(t *testing.T) {
	want := state(users(nextOwnerD(), inactive(hu("ahandle", "b@x.com")), inactive(hu("dhandle", "d@x.com")), hu("chandle", "c@x.com")))
	have := state(users(nextOwner, member(lh("ua", "ahandle", "a@x.com")), member(lh("ud", "dhandle", "d2@x.com")),
		member(lh("ux", "xh", "b@x.com", "c@x.com")),
		member(lh("uz", "zh", "d@x.com", "c@x.com")),
		member(lh("uch", "chandle", "c2@x.com"))))
	pol := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, Protected: []string{"a@x.com", "d2@x.com"}}
	p := Compute(want, have, pol, Options{Deployment: model.SaaS})
	for _, e := range []string{"b@x.com", "d@x.com"} {
		if m := elsewhereOf(p, e); !strings.Contains(m, "as the active: false entry "+e+" may mean it:") {
			t.Errorf("%s: %q", e, m)
		}
	}
	if m := elsewhereOf(p, "c@x.com"); strings.Contains(m, "as the active: false entry") {
		t.Errorf("c@x.com names one entry for holders two entries hold: %q", m)
	}
}

// TestDeclarableEmailLikeUserNameOnlyWithoutEmails: a live user whose
// userName has an "@" but is no email a manifest may declare is named by
// username: only when it has no email at all (naming it so would replace
// an email it has).
func TestDeclarableEmailLikeUserNameOnlyWithoutEmails(t *testing.T) {
	for _, tc := range []struct {
		l    model.User
		want bool
	}{
		{model.User{UserName: "ann@host"}, true},
		{model.User{UserName: "ann@host", Emails: []string{"zoë@müller.example"}}, false},
		{model.User{UserName: "ann@host", Email: "zoë@müller.example"}, false},
		{model.User{UserName: "ann-4805", Emails: []string{"zoë@müller.example"}}, true},
	} {
		if got := (&planner{}).declarable(&tc.l); got != tc.want {
			t.Errorf("%+v: declarable %v, want %v", tc.l, got, tc.want)
		}
	}
}

// TestDeclarableEmailAtTheLengthCap: an email of exactly caps.Email
// characters is one a manifest may declare; one character more is not.
func TestDeclarableEmailAtTheLengthCap(t *testing.T) {
	domain := "@" + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + "." + strings.Repeat("d", 60) + ".example"
	at := strings.Repeat("a", caps.Email-len(domain)) + domain
	if len(at) != caps.Email || !model.ValidEmail(at) || !model.ValidEmail("a"+at) {
		t.Fatalf("fixture: %d characters, valid %v", len(at), model.ValidEmail(at))
	}
	if !declarableEmail(at) {
		t.Errorf("%d characters: not declarable", len(at))
	}
	if declarableEmail("a" + at) {
		t.Errorf("%d characters: declarable", len(at)+1)
	}
}

// TestSparedHoldersKeepTheHeldOnesApart: as in
// TestPartlyHeldHoldersNameTheProtectedEntry, under unmanagedUsers:
// deactivate, where yh (held by nothing) is spared as the manifest may
// mean it: the c@x.com warning says so and still says xh is left alone for
// the b@x.com entry, as the plan keeps xh (only yh is removed from ml).
func TestSparedHoldersKeepTheHeldOnesApart(t *testing.T) {
	want := state(users(nextOwnerD(), inactive(hu("ahandle", "b@x.com")), hu("chandle", "c@x.com")),
		dt("ml", model.Authoritative, dm("c@x.com", "")))
	have := state(users(nextOwner, member(lh("ua", "ahandle", "a@x.com")),
		member(lh("ux", "xh", "b@x.com", "c@x.com")),
		member(lh("uy", "yh", "c@x.com")),
		member(lh("uch", "chandle", "c2@x.com"))),
		lt("g", "ml", lm("ux", "xh", ""), lm("uy", "yh", ""), lm("uch", "chandle", "")))
	pol := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, Protected: []string{"a@x.com"}}
	p := Compute(want, have, pol, Options{Deployment: model.SaaS})
	m := elsewhereOf(p, "c@x.com")
	for _, s := range []string{
		"treated as not in the manifest, and not deactivated (unmanagedUsers: deactivate), as the manifest may mean it:",
		", but xh (b@x.com) is left alone, as the active: false entry b@x.com may mean it:",
	} {
		if !strings.Contains(m, s) {
			t.Errorf("c@x.com warning lacks %q:\n%s", s, m)
		}
	}
	for _, c := range p.Changes {
		if c.UserID == "ux" {
			t.Errorf("xh is changed: %+v", c)
		}
	}
}
