package diff

import (
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// TestComputeWandbAddressing covers what W&B addresses by name or gives a
// new identity: team roles (teamRoles names a team by name only) and a
// user invited again on Multi-tenant Cloud.
func TestComputeWandbAddressing(t *testing.T) {
	a, b, c := "a@x.com", "b@x.com", "c@x.com"
	pinned := func(id string, members ...model.Member) model.Team {
		t := dt("dup", model.Authoritative, members...)
		t.ID = id
		return t
	}
	teamRoles := func(u model.User, r map[string]model.Role) model.User { u.TeamRoles = r; return u }
	inactive := func(u model.User) model.User { u.Active = false; return u }
	runCompute(t, []computeCase{
		{
			name: "pinned teams sharing a name: members added and removed, roles neither read nor set",
			want: state(users(du(a), du(b), du(c)),
				pinned("g1", dm(a, "admin"), dm(b, "admin"), dm(c, "")),
				pinned("g2", dm(a, "viewer"))),
			have: state(users(
				teamRoles(lu("ua", a), map[string]model.Role{"dup": "viewer"}),
				teamRoles(lu("ub", b), map[string]model.Role{"dup": "admin"}),
				teamRoles(lu("uc", c), map[string]model.Role{})),
				lt("g1", "dup", lm("ua", a, ""), lm("uc", c, "")),
				lt("g2", "dup", lm("ua", a, ""), lm("ub", b, ""))),
			changes: []plan.Change{
				{Action: plan.AddMember, Team: "dup", TeamID: "g1", User: b, UserID: "ub", Role: "member"},
				{Action: plan.RemoveMember, Team: "dup", TeamID: "g2", User: b, UserID: "ub", Reason: reasonNotListed},
			},
			warnings: []plan.Warning{
				{Code: plan.WarnTeamRolesAmbiguous, Team: "dup", IDs: []string{"g1"}},
				{Code: plan.WarnTeamRolesAmbiguous, Team: "dup", IDs: []string{"g2"}},
			},
		},
		{
			name: "pinned team whose name another live team has only in another case: roles are addressed exactly, and set",
			want: state(users(du(a)), func() model.Team { t := dt("ml", model.Additive, dm(a, "admin")); t.ID = "g2"; return t }()),
			have: state(users(teamRoles(lu("ua", a), map[string]model.Role{"ml": "member", "ML": "viewer"})),
				lt("g1", "ML", lm("ua", a, "")), lt("g2", "ml", lm("ua", a, ""))),
			changes:  []plan.Change{{Action: plan.SetTeamRole, Team: "ml", TeamID: "g2", User: a, UserID: "ua", Role: "admin", From: "member"}},
			warnings: []plan.Warning{{Code: plan.WarnTeamNameCase, Team: "ML", IDs: []string{"g1"}, Unmanaged: true}},
		},
		{
			name: "Multi-tenant Cloud: a user invited again is added to the teams the read still lists it in, with its role",
			dep:  model.SaaS,
			want: state(users(du(a), du(b)), dt("ml", model.Authoritative, dm(a, ""), dm(b, "admin")), dt("cv", model.Authoritative, dm(a, ""))),
			have: state(users(
				inactive(teamRoles(lu("ua", a), map[string]model.Role{"ml": "viewer", "cv": "member"})),
				teamRoles(lu("ub", b), map[string]model.Role{"ml": "admin"})),
				lt("g1", "ml", lm("ua", a, ""), lm("ub", b, "")),
				lt("g2", "cv", lm("ua", a, ""))),
			changes: []plan.Change{
				{Action: plan.CreateUser, User: a, Reason: plan.ReasonRecreate, From: "ua"},
				{Action: plan.AddMember, Team: "cv", TeamID: "g2", User: a, Role: "member"},
				{Action: plan.AddMember, Team: "ml", TeamID: "g1", User: a, Role: "member"},
				{Action: plan.SetTeamRole, Team: "ml", TeamID: "g1", User: a, Role: "member"},
			},
		},
		{
			name: "Multi-tenant Cloud: a user matched by username whose manifest email is a secondary live email needs no update",
			dep:  model.SaaS,
			want: state(users(hu("carol", c)), dt("ml", model.Additive, dm(c, ""))),
			have: state(users(lh("uc", "carol", "carol.old@x.com", c)), lt("g", "ml", lm("uc", "carol", ""))),
		},
		{
			name:    "Dedicated: the same user gets its primary email updated",
			want:    state(users(hu("carol", c)), dt("ml", model.Additive, dm(c, ""))),
			have:    state(users(lh("uc", "carol", "carol.old@x.com", c)), lt("g", "ml", lm("uc", "carol", ""))),
			changes: []plan.Change{{Action: plan.UpdateUser, User: c, UserID: "uc", Email: c, FromEmail: "carol.old@x.com"}},
		},
		{
			name:    "a username match wins over another live user's email match: said, with that user's id",
			want:    state(users(hu("ah", a)), dt("ml", model.Additive, dm(a, ""))),
			have:    state(users(lh("u1", "ah", "old@x.com"), lh("u2", "someone", a)), lt("g", "ml", lm("u1", "ah", ""))),
			changes: []plan.Change{{Action: plan.UpdateUser, User: a, UserID: "u1", Email: a, FromEmail: "old@x.com"}},
			warnings: []plan.Warning{
				{Code: plan.WarnEmailElsewhere, User: a, IDs: []string{"u2"}},
				{Code: plan.WarnUnmanagedUser, User: a, Username: "someone", IDs: []string{"u2"}},
			},
		},
		{
			name: "the manifest email is the matched user's userName and another live user's email: said too",
			dep:  model.SaaS,
			want: state(users(du("x@x.com")), dt("ml", model.Additive, dm("x@x.com", ""))),
			have: state(users(lh("u1", "x@x.com", "y@x.com"), lh("u2", "x-new", "x@x.com")), lt("g", "ml", lm("u1", "x@x.com", ""))),
			warnings: []plan.Warning{
				{Code: plan.WarnEmailElsewhere, User: "x@x.com", IDs: []string{"u2"}},
				{Code: plan.WarnUnmanagedUser, User: "x@x.com", Username: "x-new", IDs: []string{"u2"}},
				{Code: plan.WarnUnsupportedUpdate, User: "x@x.com"},
			},
		},
		{
			name: "Multi-tenant Cloud: an entry active: false matched by userName to an account without its email, which another account holds: left alone",
			dep:  model.SaaS,
			want: state(users(inactive(du(a)))),
			have: state(users(lh("u1", a, "a.smith@x.com"), lh("u2", "asmith", a))),
			warnings: []plan.Warning{
				{Code: plan.WarnEmailElsewhere, User: a, IDs: []string{"u2"}},
				{Code: plan.WarnIdentityMismatch, User: a, IDs: []string{"u1", "u2"}},
			},
		},
		{
			name:   "Multi-tenant Cloud: the same under unmanagedUsers: deactivate: the account holding the email is left alone too, not deactivated as unmanaged, nor removed",
			dep:    model.SaaS,
			policy: model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, MaxDeactivations: model.Limit{Set: true, Value: 50}, MaxMemberRemovals: model.Limit{Set: true, Value: 50}},
			want:   state(users(inactive(du(a)), du(b)), dt("ml", model.Authoritative, dm(b, ""))),
			have: state(users(lh("u1", a, "a.smith@x.com"), lh("u2", "asmith", a), lu("ub", b)),
				lt("g", "ml", lm("u1", a, ""), lm("u2", "asmith", ""), lm("ub", b, ""))),
			warnings: []plan.Warning{
				{Code: plan.WarnEmailElsewhere, User: a, IDs: []string{"u2"}},
				{Code: plan.WarnIdentityMismatch, User: a, IDs: []string{"u1", "u2"}},
			},
		},
		{
			name:    "Dedicated: the same entry deactivates the account (it can be reactivated), said",
			want:    state(users(inactive(du(a)))),
			have:    state(users(lh("u1", a, "a.smith@x.com"), lh("u2", "asmith", a))),
			changes: []plan.Change{{Action: plan.DeactivateUser, User: "a.smith@x.com", Username: a, UserID: "u1", Reason: reasonInactive}},
			warnings: []plan.Warning{
				{Code: plan.WarnEmailElsewhere, User: a, IDs: []string{"u2"}},
				{Code: plan.WarnLastAdmin}, // (this org reports no roles)
				{Code: plan.WarnUnmanagedUser, User: a, Username: "asmith", IDs: []string{"u2"}},
			},
		},
		{
			name: "Multi-tenant Cloud: the username-matched user holds the manifest email as a second email, and so does another live user: said",
			dep:  model.SaaS,
			want: state(users(hu("ah", a)), dt("ml", model.Additive, dm(a, ""))),
			have: state(users(lh("u1", "ah", "old@x.com", a), lh("u2", "someone", a)), lt("g", "ml", lm("u1", "ah", ""))),
			warnings: []plan.Warning{
				{Code: plan.WarnEmailElsewhere, User: a, IDs: []string{"u2"}},
				{Code: plan.WarnUnmanagedUser, User: a, Username: "someone", IDs: []string{"u2"}},
			},
		},
		{
			name:     "the same inactive old account in an authoritative team is removed from it: said why",
			want:     state(users(hu("ah", a)), dt("ml", model.Authoritative, dm(a, ""))),
			have:     state(users(lh("u1", "ah", a), inactive(lh("u2", "ah-old", a))), lt("g", "ml", lm("u1", "ah", ""), lm("u2", "ah-old", ""))),
			changes:  []plan.Change{{Action: plan.RemoveMember, Team: "ml", TeamID: "g", User: a, Username: "ah-old", UserID: "u2", Reason: reasonNotManaged}},
			warnings: []plan.Warning{{Code: plan.WarnEmailElsewhere, User: a, IDs: []string{"u2"}}},
		},
		{
			name: "the username-matched user holds the manifest email, and so does an inactive old account: nothing said",
			want: state(users(hu("ah", a)), dt("ml", model.Additive, dm(a, ""))),
			have: state(users(lh("u1", "ah", a), inactive(lh("u2", "ah-old", a))), lt("g", "ml", lm("u1", "ah", ""))),
		},
	})
}

// TestComputeEmailUpdateShowsDropped: an email update replaces emails with
// the manifest's (W&B Dedicated keeps one per user): the user's other
// emails it removes, besides the primary it replaces, are in the change
// (DroppedEmails), for the reviewer; a server that reports no email at all
// gets no email update (it would never converge).
func TestComputeEmailUpdateShowsDropped(t *testing.T) {
	c := "c@x.com"
	want := state(users(hu("carol", c)), dt("ml", model.Additive, dm(c, "")))
	team := lt("g", "ml", lm("uc", "carol", ""))
	update := func(from string, dropped ...string) []plan.Change {
		return []plan.Change{{Action: plan.UpdateUser, User: c, UserID: "uc", Email: c, FromEmail: from, DroppedEmails: plan.NewEmailList(dropped)}}
	}
	runCompute(t, []computeCase{
		{
			name:    "listed third: the second is dropped too",
			want:    want,
			have:    state(users(lh("uc", "carol", "p@x.com", "s@x.com", "C@x.com")), team),
			changes: update("p@x.com", "s@x.com"),
		},
		{
			name:    "a new email: every other one dropped, once each",
			want:    want,
			have:    state(users(lh("uc", "carol", "p@x.com", "s@x.com", "S@x.com", "t@x.com")), team),
			changes: update("p@x.com", "s@x.com", "t@x.com"),
		},
		{
			name:    "one email: replaced, nothing else dropped",
			want:    want,
			have:    state(users(lh("uc", "carol", "p@x.com")), team),
			changes: update("p@x.com"),
		},
		{
			name: "no live user has an email: no update",
			want: want,
			have: state(users(lh("uc", "carol")), team),
		},
		{
			name:    "a user without email where others have one: its email is set",
			want:    state(users(hu("carol", c), du("d@x.com")), dt("ml", model.Additive, dm(c, ""), dm("d@x.com", ""))),
			have:    state(users(lh("uc", "carol"), lh("ud", "d@x.com", "d@x.com")), lt("g", "ml", lm("uc", "carol", ""), lm("ud", "d@x.com", ""))),
			changes: update(""),
		},
	})
}

// TestUnresolvedMemberNamesTheTeam: the unresolved_member warning of a
// team whose name another live team shares (exactly or ignoring case)
// says which team it is by id; another team's says its name only.
func TestUnresolvedMemberNamesTheTeam(t *testing.T) {
	a := "a@x.com"
	pinned := dt("dup", model.Authoritative, dm(a, ""))
	pinned.ID = "g1"
	for _, tc := range []struct {
		other, want string
	}{
		{"dup", "1 member(s) of team dup (id g1) are not listed SCIM users"},
		{"DUP", "1 member(s) of team dup (id g1) are not listed SCIM users"},
		{"other", "1 member(s) of team dup are not listed SCIM users"},
	} {
		p := Compute(state(users(du(a)), pinned),
			state(users(lu("ua", a)), lt("g1", "dup", lm("ua", a, ""), lm("sa-1", "", "")), lt("g2", tc.other)),
			model.Policy{}, Options{})
		wantWarningStart(t, p, plan.WarnUnresolvedMember, tc.want, "other team "+tc.other)
	}
}

// TestHoldRewordsEmailElsewhere: when the saas hold leaves the account
// holding the email alone, the email_elsewhere warning says so rather
// than that the account is treated as not in the manifest.
func TestHoldRewordsEmailElsewhere(t *testing.T) {
	a, c := "a@x.com", "c@x.com"
	// The holder's userName spells the phrase the warning rewords, and
	// it holds the email of a second entry too, whose own warning must
	// say it is left alone as well.
	holder := "asmith " + notInManifest
	want := state(users(func() model.User { u := du(a); u.Active = false; return u }(), du(c)))
	have := state(users(lh("u1", a, "a.smith@x.com"), lh("u2", holder, a, c), lh("u3", c, "c.other@x.com")))
	for _, dep := range []model.Deployment{model.SaaS, model.Dedicated} {
		p := Compute(want, have, model.Policy{}, Options{Deployment: dep})
		n := 0
		for _, w := range p.Warnings {
			if w.Code != plan.WarnEmailElsewhere {
				continue
			}
			n++
			said := strings.HasSuffix(w.Message, ", is "+notInManifest) || strings.Contains(w.Message, ", is "+notInManifest+" (")
			held := strings.Contains(w.Message, ", is "+heldToo) && !said
			if held != (dep == model.SaaS) || !strings.Contains(w.Message, "live user "+holder+" ("+a) {
				t.Errorf("%s: email_elsewhere says the holder is held: %v, want %v: %s", dep, held, dep == model.SaaS, w.Message)
			}
		}
		if n != 2 {
			t.Errorf("%s: %d email_elsewhere warnings, want 2: %v", dep, n, p.Warnings)
		}
	}
}

// TestCaseSiblingNamesItsManager: the team_name_case warning of an
// unmanaged case sibling names the managed live team and the manifest
// team that manages that one.
func TestCaseSiblingNamesItsManager(t *testing.T) {
	a := "a@x.com"
	want := state(users(du(a)), pinnedTeam("ML", "g1", dm(a, "")), pinnedTeam("Ml", "g2"))
	have := state(users(lu("ua", a)), lt("g1", "ml", lm("ua", a, "")), lt("g2", "ML"), lt("g3", "mL"))
	p := Compute(want, have, model.Policy{}, Options{Deployment: model.Dedicated})
	for _, w := range p.Warnings {
		if w.Code == plan.WarnTeamNameCase && w.Team == "mL" {
			if want := "live team mL (id g3) differs only in case from live team ml (id g1), which manifest team ML manages"; !strings.HasPrefix(w.Message, want) {
				t.Errorf("got %q, want it to start %q", w.Message, want)
			}
			return
		}
	}
	t.Errorf("no team_name_case for mL: %v", p.Warnings)
}

// TestHoldRewordsOnlyTheHeld: a warning naming two other users, one left
// alone by a saas hold and one not, says which is which.
func TestHoldRewordsOnlyTheHeld(t *testing.T) {
	a, b := "a@x.com", "b@x.com"
	want := state(users(func() model.User { u := du(a); u.Active = false; return u }(), du(b)))
	// h1 holds a's email (held by a's hold) and b's; h3 holds b's only.
	have := state(users(lh("u1", a, "a.smith@x.com"), lh("h1", "hone", a, b), lh("u2", b, "b.other@x.com"), lh("h3", "hthree", b)))
	p := Compute(want, have, model.Policy{}, Options{Deployment: model.SaaS})
	for _, w := range p.Warnings {
		if w.Code == plan.WarnEmailElsewhere && w.User == b {
			if want := "are " + notInManifest + ", but hone (" + a + ") is " + heldToo; !strings.Contains(w.Message, want) {
				t.Errorf("b's email_elsewhere: %s\nwant it to hold %q", w.Message, want)
			}
			return
		}
	}
	t.Errorf("no email_elsewhere for %s: %v", b, p.Warnings)
}
