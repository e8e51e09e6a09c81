package diff

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// hu is a desired user with a manifest username (a W&B handle).
func hu(username, email string) model.User {
	return model.User{UserName: username, Email: email, Active: true}
}

// lh is a live user with a handle and emails, primary first.
func lh(id, userName string, emails ...string) model.User {
	u := model.User{ID: id, UserName: userName, Emails: emails, Active: true}
	if len(emails) > 0 {
		u.Email = emails[0]
	}
	return u
}

func TestComputeHandles(t *testing.T) {
	a := "alice@x.com"
	team := func(members ...model.Member) model.Team { return dt("ml", model.Additive, members...) }
	runCompute(t, []computeCase{
		{
			name: "manifest username matches the live handle: in sync",
			want: state(users(hu("alice", a)), team(dm(a, ""))),
			have: state(users(lh("ua", "Alice", a)), lt("g", "ml", lm("ua", "alice", ""))),
		},
		{
			name: "matched by a secondary email: no email update",
			want: state(users(du(a)), team(dm(a, ""))),
			have: state(users(lh("ua", "al", "alice@old.com", "ALICE@x.com")), lt("g", "ml", lm("ua", "al", ""))),
		},
		{
			name: "an observed user without an emails list matches by its primary email",
			want: state(users(du(a)), team(dm(a, ""))),
			have: state(users(model.User{ID: "ua", UserName: "al", Email: a, Active: true}), lt("g", "ml", lm("ua", "al", ""))),
		},
		{
			name: "matched by username with another primary email: email update on dedicated",
			want: state(users(hu("alice", a)), team(dm(a, ""))),
			have: state(users(lh("ua", "alice", "alice@old.com")), lt("g", "ml", lm("ua", "alice", ""))),
			changes: []plan.Change{
				{Action: plan.UpdateUser, User: a, UserID: "ua", Email: a, FromEmail: "alice@old.com"},
			},
		},
		{
			name:     "matched by username with another primary email: a warning on saas",
			dep:      model.SaaS,
			want:     state(users(hu("alice", a)), team(dm(a, ""))),
			have:     state(users(lh("ua", "alice", "alice@old.com")), lt("g", "ml", lm("ua", "alice", ""))),
			warnings: []plan.Warning{{Code: plan.WarnUnsupportedUpdate, User: a}},
		},
		{
			name: "create sends the username when it is not the email",
			want: state(users(hu("dev-alice", a), hu("Bob@X.com", "bob@x.com")), team(dm(a, ""), dm("bob@x.com", ""))),
			have: state(nil, lt("g", "ml")),
			changes: []plan.Change{
				{Action: plan.CreateUser, User: a, Username: "dev-alice"},
				{Action: plan.CreateUser, User: "bob@x.com"},
				{Action: plan.AddMember, Team: "ml", TeamID: "g", User: a, Role: "member"},
				{Action: plan.AddMember, Team: "ml", TeamID: "g", User: "bob@x.com", Role: "member"},
			},
		},
		{
			name:     "externalId matches exactly: another case is no match",
			want:     state(users(with(du("new@x.com"), func(u *model.User) { u.ExternalID = "Okta1" })), team(dm("new@x.com", ""))),
			have:     state(users(with(lu("u1", "old@x.com"), func(u *model.User) { u.ExternalID = "okta1" })), lt("g", "ml")),
			changes:  []plan.Change{{Action: plan.CreateUser, User: "new@x.com", ExternalID: "Okta1"}, {Action: plan.AddMember, Team: "ml", TeamID: "g", User: "new@x.com", Role: "member"}},
			warnings: []plan.Warning{{Code: plan.WarnUnmanagedUser, User: "old@x.com", IDs: []string{"u1"}}},
		},
	})
}

func TestComputeMatchPriority(t *testing.T) {
	a, b := "a@x.com", "b@x.com"
	team := func(members ...model.Member) model.Team { return dt("ml", model.Authoritative, members...) }
	runCompute(t, []computeCase{
		{
			name: "a userName match wins; the other live user with the email is unmanaged, and said to hold the email",
			want: state(users(du(a)), team(dm(a, ""))),
			have: state(users(lu("u1", a), lh("u2", "a-second", a)), lt("g", "ml", lm("u1", a, ""), lm("u2", "a-second", ""))),
			changes: []plan.Change{
				{Action: plan.RemoveMember, Team: "ml", TeamID: "g", User: a, Username: "a-second", UserID: "u2", Reason: reasonNotManaged},
			},
			warnings: []plan.Warning{
				{Code: plan.WarnEmailElsewhere, User: a, IDs: []string{"u2"}},
				{Code: plan.WarnUnmanagedUser, User: a, Username: "a-second", IDs: []string{"u2"}},
			},
		},
		{
			name:     "the other live user goes to whoever else it matches (and its other handle is warned about)",
			want:     state(users(du(a), hu("bee", b)), team(dm(a, ""), dm(b, ""))),
			have:     state(users(lu("u1", a), lh("u2", "zed", a, b)), lt("g", "ml", lm("u1", a, ""), lm("u2", "zed", ""))),
			warnings: []plan.Warning{{Code: plan.WarnUnsupportedUpdate, User: b}},
		},
		{
			name:     "a live user claimed by two manifest users at one level: both left alone",
			want:     state(users(du(a), du(b)), team(dm(a, ""), dm(b, ""))),
			have:     state(users(lh("u1", "shared", a, b)), lt("g", "ml", lm("u1", "shared", ""))),
			warnings: []plan.Warning{{Code: plan.WarnAmbiguousUser, User: a, IDs: []string{"u1"}}, {Code: plan.WarnAmbiguousUser, User: b, IDs: []string{"u1"}}},
		},
		{
			name: "a manifest user whose only live match went to a stronger link is left alone, not created",
			want: state(users(hu("alice", a), du(b)), team(dm(a, ""), dm(b, ""))),
			have: state(users(lh("u1", "alice", b)), lt("g", "ml", lm("u1", "alice", ""))),
			changes: []plan.Change{
				{Action: plan.UpdateUser, User: a, UserID: "u1", Email: a, FromEmail: b},
			},
			warnings: []plan.Warning{{Code: plan.WarnAmbiguousUser, User: b, IDs: []string{"u1"}}},
		},
		{
			// The other live user carries the entry's externalId too: not
			// deactivated on a guess (the identity provider's pin may
			// mean it), and said.
			name:   "an email match wins over an externalId match of another live user",
			policy: model.Policy{UnmanagedUsers: model.UnmanagedDeactivate},
			want:   state(users(with(du(a), func(u *model.User) { u.ExternalID = "e1"; u.OrgRole = "admin" })), team(dm(a, ""))),
			have: state(users(with(lh("u1", "al", a), func(u *model.User) { u.ExternalID = "e1"; u.OrgRole = "admin" }),
				with(lh("u2", "other", "other@x.com"), func(u *model.User) { u.ExternalID = "e1"; u.OrgRole = "member" })),
				lt("g", "ml", lm("u1", "al", ""))),
			warnings: []plan.Warning{{Code: plan.WarnExternalIDElsewhere, User: a, IDs: []string{"u2"}}},
		},
		{
			name:   "removals and deactivations identify live users by primary email, with the handle as username",
			policy: model.Policy{UnmanagedUsers: model.UnmanagedDeactivate},
			want:   state(users(with(du(a), func(u *model.User) { u.OrgRole = "admin" })), team(dm(a, ""))),
			have: state(users(with(lu("u1", a), func(u *model.User) { u.OrgRole = "admin" }), with(lh("u2", "dev-7", "Dev7@x.com"), func(u *model.User) { u.OrgRole = "member" }),
				with(lh("u3", "c@x.com", "c@x.com"), func(u *model.User) { u.OrgRole = "member" })),
				lt("g", "ml", lm("u1", a, ""), lm("u2", "dev-7", ""), lm("u3", "c@x.com", ""))),
			changes: []plan.Change{
				{Action: plan.RemoveMember, Team: "ml", TeamID: "g", User: "c@x.com", UserID: "u3", Reason: reasonNotManaged},
				{Action: plan.RemoveMember, Team: "ml", TeamID: "g", User: "Dev7@x.com", Username: "dev-7", UserID: "u2", Reason: reasonNotManaged},
				{Action: plan.DeactivateUser, User: "c@x.com", UserID: "u3", Reason: reasonUnmanaged},
				{Action: plan.DeactivateUser, User: "Dev7@x.com", Username: "dev-7", UserID: "u2", Reason: reasonUnmanaged},
			},
		},
		{
			name:   "protected by a secondary email",
			policy: model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, Protected: []string{"ci@x.com"}},
			want:   state(users(with(du(a), func(u *model.User) { u.OrgRole = "admin" })), team(dm(a, ""))),
			have: state(users(with(lu("u1", a), func(u *model.User) { u.OrgRole = "admin" }), with(lh("u2", "ci-bot", "ci-bot@svc.io", "ci@x.com"), func(u *model.User) { u.OrgRole = "member" })),
				lt("g", "ml", lm("u1", a, ""))),
			warnings: []plan.Warning{{Code: plan.WarnProtected, User: "ci-bot@svc.io", Username: "ci-bot"}},
		},
	})
}

// A manifest user marked active: false deactivates the account it matches,
// and the plan names that account; an account that goes by another
// username than the manifest sets is left alone.
func TestComputeDeactivationNamesTheAccount(t *testing.T) {
	a := "alice@corp.example"
	off := func(u model.User) model.User { u.Active = false; return u }
	boss := du("boss@corp.example")
	bossLive := lh("ub", "boss@corp.example", "boss@corp.example")
	bossLive.OrgRole = model.RoleAdmin
	runCompute(t, []computeCase{
		{
			name: "the username the manifest sets is not the matched account's: left alone",
			dep:  model.SaaS,
			want: state(users(boss, off(hu("alice-h", a)))),
			have: state(users(bossLive, lh("ap", "alice-personal", "alice@gmail.example", a))),
			warnings: []plan.Warning{
				{Code: plan.WarnIdentityMismatch, User: a, IDs: []string{"ap"}},
				{Code: plan.WarnUserWithoutTeam, User: "boss@corp.example"},
			},
		},
		{
			name: "matched by email to a handle: the handle is shown",
			want: state(users(boss, off(du(a)))),
			have: state(users(bossLive, lh("ua", "alice-h", a))),
			changes: []plan.Change{
				{Action: plan.DeactivateUser, User: a, Username: "alice-h", UserID: "ua", Reason: reasonInactive},
			},
			warnings: []plan.Warning{{Code: plan.WarnUserWithoutTeam, User: "boss@corp.example"}},
		},
		{
			name: "matched by externalId to an account with another email: a warning names it",
			want: state(users(boss, func() model.User { u := off(du("someone@example.com")); u.ExternalID = "okta-9"; return u }())),
			have: state(users(bossLive, func() model.User { u := lh("uk", "kim", "kim.old@example.com"); u.ExternalID = "okta-9"; return u }())),
			changes: []plan.Change{
				{Action: plan.DeactivateUser, User: "kim.old@example.com", Username: "kim", UserID: "uk", Reason: reasonInactive},
			},
			warnings: []plan.Warning{
				{Code: plan.WarnIdentityMismatch, User: "someone@example.com", Username: "kim", IDs: []string{"uk"}},
				{Code: plan.WarnUserWithoutTeam, User: "boss@corp.example"},
			},
		},
	})
}

// An externalId update to a value another live user holds is planned with
// a warning naming that user.
func TestComputeExternalIDElsewhere(t *testing.T) {
	p, q := "p@example.com", "q@example.com"
	ext := func(u model.User, id string) model.User { u.ExternalID = id; return u }
	runCompute(t, []computeCase{
		{
			name: "another live user holds it",
			want: state(users(ext(du(p), "X"))),
			have: state(users(ext(lu("P1", p), "Y"), ext(lu("Q1", q), "X"))),
			changes: []plan.Change{
				{Action: plan.UpdateUser, User: p, UserID: "P1", ExternalID: "X", FromExternalID: "Y"},
			},
			warnings: []plan.Warning{
				{Code: plan.WarnExternalIDElsewhere, User: p, IDs: []string{"Q1"}},
				{Code: plan.WarnUnmanagedUser, User: q, IDs: []string{"Q1"}},
				{Code: plan.WarnUserWithoutTeam, User: p},
			},
		},
		{
			name: "nobody else holds it",
			want: state(users(ext(du(p), "X"))),
			have: state(users(ext(lu("P1", p), "Y"), ext(lu("Q1", q), "Z"))),
			changes: []plan.Change{
				{Action: plan.UpdateUser, User: p, UserID: "P1", ExternalID: "X", FromExternalID: "Y"},
			},
			warnings: []plan.Warning{
				{Code: plan.WarnUnmanagedUser, User: q, IDs: []string{"Q1"}},
				{Code: plan.WarnUserWithoutTeam, User: p},
			},
		},
	})
}

// Two users that swap externalIds: neither update leaves an id on two
// accounts, on either deployment (Multi-tenant Cloud updates externalIds
// too).
func TestComputeExternalIDSwap(t *testing.T) {
	p, q := "p@example.com", "q@example.com"
	ext := func(u model.User, id string) model.User { u.ExternalID = id; return u }
	var cases []computeCase
	for _, dep := range []model.Deployment{model.Dedicated, model.SaaS} {
		cases = append(cases, computeCase{
			name: "swap on " + string(dep),
			dep:  dep,
			want: state(users(ext(du(p), "X"), ext(du(q), "Y"))),
			have: state(users(ext(lu("P1", p), "Y"), ext(lu("Q1", q), "X"))),
			changes: []plan.Change{
				{Action: plan.UpdateUser, User: p, UserID: "P1", ExternalID: "X", FromExternalID: "Y"},
				{Action: plan.UpdateUser, User: q, UserID: "Q1", ExternalID: "Y", FromExternalID: "X"},
			},
			warnings: []plan.Warning{{Code: plan.WarnUserWithoutTeam, User: p}, {Code: plan.WarnUserWithoutTeam, User: q}},
		})
	}
	runCompute(t, cases)
}

// A protected account reached by a secondary email is not deactivated:
// only the protected warning says so.
func TestComputeProtectedIdentityMismatch(t *testing.T) {
	alias := "kim@alias.example"
	off := du(alias)
	off.Active = false
	runCompute(t, []computeCase{{
		name:     "protected",
		policy:   model.Policy{UnmanagedUsers: model.UnmanagedIgnore, Protected: []string{"kim@main.example"}},
		want:     state(users(off)),
		have:     state(users(lh("uk", "kim", "kim@main.example", alias))),
		warnings: []plan.Warning{{Code: plan.WarnProtected, User: alias, Username: "kim"}},
	}})
}

// On Multi-tenant Cloud a user created again joins no team: a membership
// the read lists for the old account does not count.
func TestComputeRecreatedWithoutTeam(t *testing.T) {
	a, b := "a@x.com", "b@x.com"
	oldB := lu("ub", b)
	oldB.Active = false
	runCompute(t, []computeCase{{
		name: "recreated",
		dep:  model.SaaS,
		want: state(users(du(a), du(b)), dt("ml", model.Additive, dm(a, ""))),
		have: state(users(lu("ua", a), oldB), lt("g", "other", lm("ua", a, ""), lm("ub", b, ""))),
		changes: []plan.Change{
			{Action: plan.CreateUser, User: b, Reason: plan.ReasonRecreate, From: "ub"},
			{Action: plan.CreateTeam, Team: "ml"},
			{Action: plan.AddMember, Team: "ml", User: a, UserID: "ua", Role: model.RoleMember},
		},
		warnings: []plan.Warning{{Code: plan.WarnUnmanagedTeam, Team: "other", IDs: []string{"g"}, Count: 2, Unmanaged: true}, {Code: plan.WarnUserWithoutTeam, User: b}},
	}})
}

// The holder of the externalId is deactivated, not updated: it keeps the
// id, and the warning stays.
func TestComputeExternalIDHolderDeactivated(t *testing.T) {
	a, b := "a@x.com", "b@x.com"
	ext := func(u model.User, id string) model.User { u.ExternalID = id; return u }
	offA := ext(du(a), "X2")
	offA.Active = false
	runCompute(t, []computeCase{{
		name: "holder deactivated",
		want: state(users(offA, ext(du(b), "X1"))),
		have: state(users(with(ext(lu("A", a), "X1"), func(u *model.User) { u.OrgRole = model.RoleMember }),
			with(ext(lu("B", b), ""), func(u *model.User) { u.OrgRole = model.RoleAdmin }))),
		changes: []plan.Change{
			{Action: plan.UpdateUser, User: b, UserID: "B", ExternalID: "X1"},
			{Action: plan.DeactivateUser, User: a, UserID: "A", Reason: reasonInactive},
		},
		warnings: []plan.Warning{
			{Code: plan.WarnExternalIDElsewhere, User: b, IDs: []string{"A"}},
			{Code: plan.WarnUserWithoutTeam, User: b},
		},
	}})
}

// On Multi-tenant Cloud a holder created again keeps its old account's
// externalId: the warning stays, whatever the manifest's order; and a user
// created again with an externalId another live user holds is warned
// about too.
func TestComputeExternalIDRecreatedOnSaaS(t *testing.T) {
	a, b, z, o := "a@x.com", "b@x.com", "z@x.com", "o@x.com"
	ext := func(u model.User, id string) model.User { u.ExternalID = id; return u }
	offB := ext(lu("B", b), "X")
	offB.Active = false
	have := state(users(ext(lu("A", a), "Y"), offB, ext(lu("Z", z), "W")))
	wantA, wantB, wantZ := ext(du(a), "X"), ext(du(b), "Q"), ext(du(z), "W")
	for _, order := range [][]model.User{{wantA, wantB, wantZ}, {wantB, wantA, wantZ}} {
		p := Compute(state(users(order...)), have, model.Policy{UnmanagedUsers: model.UnmanagedIgnore}, Options{Deployment: model.SaaS})
		if !hasWarning(p, plan.WarnExternalIDElsewhere, a) {
			t.Errorf("order %s first: no external_id_elsewhere for %s: %+v", order[0].Email, a, p.Warnings)
		}
	}
	offA := lu("A", a)
	offA.Active = false
	p := Compute(state(users(ext(du(a), "X"))), state(users(offA, ext(lu("O", o), "X"))), model.Policy{UnmanagedUsers: model.UnmanagedIgnore}, Options{Deployment: model.SaaS})
	if !hasWarning(p, plan.WarnExternalIDElsewhere, a) || !strings.Contains(p.Warnings[0].Message, "once the user is created again, 2 accounts carry it") {
		t.Errorf("recreated with a held externalId: %+v", p.Warnings)
	}
}

func hasWarning(p plan.Plan, code plan.WarningCode, user string) bool {
	for _, w := range p.Warnings {
		if w.Code == code && w.User == user {
			return true
		}
	}
	return false
}

// A protected account (by its live email) whose email the manifest moves
// out of policy.protected is warned about: the next plan no longer spares
// it. One the new email keeps protected is not.
func TestComputeProtectedEmailMovedOut(t *testing.T) {
	live := model.User{ID: "c1", UserName: "carol-h2", Email: "carol@corp.example", Emails: []string{"carol@corp.example"}, Active: true}
	want := model.User{UserName: "carol-h2", Email: "carol@moved.example", Active: true}
	for _, tc := range []struct {
		protected []string
		warn      bool
	}{{[]string{"*@corp.example"}, true}, {[]string{"*@corp.example", "*@moved.example"}, false}} {
		p := Compute(state(users(want)), state(users(live)), model.Policy{UnmanagedUsers: model.UnmanagedIgnore, Protected: tc.protected}, Options{Deployment: model.Dedicated})
		got := false
		for _, w := range p.Warnings {
			got = got || w.Code == plan.WarnProtected && strings.Contains(w.Message, "later plans no longer spare it")
		}
		if got != tc.warn || len(p.Changes) != 1 || p.Changes[0].Email != "carol@moved.example" {
			t.Errorf("protected %v: warning %v, changes %+v", tc.protected, got, p.Changes)
		}
	}
	// Protected by a secondary email only: the warning names that one.
	live.Emails = []string{"carol@corp.example", "carol@alias.example"}
	p := Compute(state(users(want)), state(users(live)), model.Policy{UnmanagedUsers: model.UnmanagedIgnore, Protected: []string{"*@alias.example"}}, Options{Deployment: model.Dedicated})
	if len(p.Warnings) == 0 || !strings.Contains(p.Warnings[0].Message, "by its live email carol@alias.example,") {
		t.Errorf("protected by a secondary email: %+v", p.Warnings)
	}
}

// An offboarding entry (active: false) that reaches a live account only
// by a secondary email or an externalId: on Multi-tenant Cloud, where the
// account it named left the organization when deactivated, the entry
// would go on to remove another person for good: left alone, warned. On
// Dedicated the deactivation is planned (and can be undone), warned.
func TestComputeOffboardingReachesAnotherAccount(t *testing.T) {
	off := du("judy@example.com")
	off.Active = false
	personal := model.User{ID: "jp", UserName: "judy-personal", Email: "judy.p@gmail.example",
		Emails: []string{"judy.p@gmail.example", "judy@example.com"}, Active: true}
	admin := model.User{ID: "a", UserName: "admin@example.com", Email: "admin@example.com", OrgRole: model.RoleAdmin, Active: true}
	for _, dep := range []model.Deployment{model.SaaS, model.Dedicated} {
		p := Compute(state(users(du("admin@example.com"), off)), state(users(admin, personal)), model.Policy{UnmanagedUsers: model.UnmanagedIgnore}, Options{Deployment: dep})
		deactivates := slices.ContainsFunc(p.Changes, func(c plan.Change) bool { return c.Action == plan.DeactivateUser })
		if deactivates == (dep == model.SaaS) || !hasWarning(p, plan.WarnIdentityMismatch, "judy@example.com") {
			t.Errorf("%s: deactivates %v, warnings %+v", dep, deactivates, p.Warnings)
		}
	}
}

// A team that lists a user the manifest marks active: false, who is not
// a member, gets no add and says so (inactive_member); one who is a member
// already is kept, without the warning.
func TestComputeInactiveMember(t *testing.T) {
	off := func(u model.User) model.User { u.Active = false; return u }
	want := state(users(du("admin@x.com"), off(du("bob@x.com")), off(du("cy@x.com"))),
		dt("ml", model.Authoritative, dm("admin@x.com", ""), dm("bob@x.com", ""), dm("cy@x.com", "")))
	have := state(users(with(lu("a", "admin@x.com"), func(u *model.User) { u.OrgRole = model.RoleAdmin }), off(lu("b", "bob@x.com")), off(lu("c", "cy@x.com"))),
		lt("g", "ml", lm("a", "admin@x.com", ""), lm("c", "cy@x.com", "")))
	p := Compute(want, have, ignorePolicy, Options{Deployment: model.Dedicated})
	if len(p.Changes) != 0 || !hasWarning(p, plan.WarnInactiveMember, "bob@x.com") || hasWarning(p, plan.WarnInactiveMember, "cy@x.com") {
		t.Fatalf("changes %+v, warnings %+v", p.Changes, p.Warnings)
	}
	if w := p.Warnings[slices.IndexFunc(p.Warnings, func(w plan.Warning) bool { return w.Code == plan.WarnInactiveMember })]; !slices.Equal(w.IDs, []string{"g"}) {
		t.Fatalf("inactive_member ids %v, want the team's", w.IDs)
	}
	// Multi-tenant Cloud after an offboarding: the account left the
	// organization (and its teams); the entry kept in the team is quiet.
	gone := state(users(with(lu("a", "admin@x.com"), func(u *model.User) { u.OrgRole = model.RoleAdmin })), lt("g", "ml", lm("a", "admin@x.com", "")))
	p = Compute(want, gone, ignorePolicy, Options{Deployment: model.SaaS})
	if hasWarning(p, plan.WarnInactiveMember, "bob@x.com") || hasWarning(p, plan.WarnInactiveMember, "cy@x.com") {
		t.Fatalf("saas, offboarded: %+v", p.Warnings)
	}
}

// TestPossibleRename: an email changed in the manifest alone matches no
// account; the plan creates a new one and says which live user, not in
// the manifest, may be the same person (one to one by name or by the
// email's local part), what becomes of that account, and the username:
// that keeps it. Setting it makes the change an email update.
func TestPossibleRename(t *testing.T) {
	named := func(u model.User, name string) model.User { u.DisplayName = name; return u }
	inML := func(us ...model.User) model.State { // every desired user in team ml
		var ms []model.Member
		for _, u := range us {
			ms = append(ms, dm(u.Email, ""))
		}
		return state(us, dt("ml", model.Additive, ms...))
	}
	liveML := func(us ...model.User) model.State { return state(us, lt("g", "ml")) }
	add := func(email, id string) plan.Change {
		return plan.Change{Action: plan.AddMember, Team: "ml", TeamID: "g", User: email, UserID: id, Role: "member"}
	}
	anna := named(du("anna@new.example"), "Anna Berg")
	old := named(lh("u1", "anna@old.example", "anna@old.example"), "Anna Berg")
	old.OrgRole = model.RoleMember // roles reported: no last_admin question
	rename := plan.Warning{Code: plan.WarnPossibleRename, User: "anna@new.example", IDs: []string{"u1"}}
	create := plan.Change{Action: plan.CreateUser, User: "anna@new.example", Name: "Anna Berg"}
	deact := plan.Change{Action: plan.DeactivateUser, User: "anna@old.example", UserID: "u1", Reason: reasonUnmanaged}
	unmanaged := func(email, id string) plan.Warning {
		return plan.Warning{Code: plan.WarnUnmanagedUser, User: email, IDs: []string{id}}
	}
	deactivate := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}
	cases := []computeCase{
		{
			name:     "same name, unmanaged users ignored",
			want:     inML(anna),
			have:     liveML(old),
			changes:  []plan.Change{create, add("anna@new.example", "")},
			warnings: []plan.Warning{rename, unmanaged("anna@old.example", "u1")},
		},
		{
			name: "same local part, no names, unmanaged users deactivated",
			want: inML(du("anna@new.example")),
			have: liveML(func() model.User {
				u := lh("u1", "anna@old.example", "anna@old.example")
				u.OrgRole = model.RoleMember
				return u
			}()),
			policy:   deactivate,
			changes:  []plan.Change{{Action: plan.CreateUser, User: "anna@new.example"}, add("anna@new.example", ""), deact},
			warnings: []plan.Warning{rename},
		},
		{
			// A server that reports no email: the handle made from the
			// email before the @ pairs them.
			name: "no email, a handle equal to the local part, unmanaged users deactivated",
			want: inML(du("anna@new.example")),
			have: liveML(func() model.User {
				u := lh("u1", "Anna")
				u.OrgRole = model.RoleMember
				return u
			}()),
			policy: deactivate,
			changes: []plan.Change{{Action: plan.CreateUser, User: "anna@new.example"}, add("anna@new.example", ""),
				{Action: plan.DeactivateUser, User: "Anna", UserID: "u1", Reason: reasonUnmanaged}},
			warnings: []plan.Warning{rename},
		},
		{
			name:     "on Multi-tenant Cloud the deactivation cannot be undone",
			dep:      model.SaaS,
			want:     inML(anna),
			have:     liveML(old),
			policy:   deactivate,
			changes:  []plan.Change{create, add("anna@new.example", ""), deact},
			warnings: []plan.Warning{{Code: plan.WarnIrreversibleDeactivation, User: "anna@old.example", IDs: []string{"u1"}}, rename},
		},
		{
			name:     "two live users of that name and other local parts: nothing said",
			want:     inML(anna),
			have:     liveML(named(lh("u1", "ab1@old.example", "ab1@old.example"), "anna berg"), named(lh("u2", "ab2@old.example", "ab2@old.example"), "Anna Berg ")),
			changes:  []plan.Change{create, add("anna@new.example", "")},
			warnings: []plan.Warning{unmanaged("ab1@old.example", "u1"), unmanaged("ab2@old.example", "u2")},
		},
		{
			name: "two created users of that name: nothing said",
			want: inML(anna, named(du("a.berg@new.example"), "Anna Berg")),
			have: liveML(named(lh("u1", "ab@old.example", "ab@old.example"), "Anna Berg")),
			changes: []plan.Change{
				{Action: plan.CreateUser, User: "a.berg@new.example", Name: "Anna Berg"}, create,
				add("a.berg@new.example", ""), add("anna@new.example", ""),
			},
			warnings: []plan.Warning{unmanaged("ab@old.example", "u1")},
		},
		{
			name:    "an inactive old account: nothing said",
			want:    inML(anna),
			have:    liveML(func() model.User { u := old; u.Active = false; return u }()),
			changes: []plan.Change{create, add("anna@new.example", "")},
		},
		{
			name: "username: set to the old handle: the account is kept, its email updated",
			want: inML(named(hu("anna@old.example", "anna@new.example"), "Anna Berg")),
			have: liveML(old),
			changes: []plan.Change{
				{Action: plan.UpdateUser, User: "anna@new.example", UserID: "u1", Email: "anna@new.example", FromEmail: "anna@old.example"},
				add("anna@new.example", "u1"),
			},
		},
	}
	runCompute(t, cases)
	for _, tc := range []struct {
		dep    model.Deployment
		policy model.Policy
		says   string
	}{
		{model.Dedicated, model.Policy{UnmanagedUsers: model.UnmanagedIgnore}, "anna@new.example is created, and anna@old.example, not in the manifest, has the same name (Anna Berg) and the same email before the @ (anna): if they are one person whose email changed, the plan makes a new account and leaves the old one active (it keeps a seat); to keep the old account, set username: \"anna@old.example\" on the manifest entry"},
		{model.SaaS, deactivate, "and deactivates the old one, which W&B Multi-tenant Cloud cannot undo;"},
		{model.Dedicated, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, Protected: []string{"anna@old.example"}}, "and leaves the old one active"},
		{model.SaaS, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, UnmanagedGracePeriod: 7 * 24 * time.Hour},
			"and leaves the old one active until 2026-01-08T00:00:00Z (policy.unmanagedGracePeriod), when a plan deactivates it, which W&B Multi-tenant Cloud cannot undo;"},
	} {
		old := old
		old.Created = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		p := Compute(inML(anna), liveML(old), tc.policy, Options{Deployment: tc.dep, Now: old.Created.Add(time.Hour)})
		i := slices.IndexFunc(p.Warnings, func(w plan.Warning) bool { return w.Code == plan.WarnPossibleRename })
		if i < 0 || !strings.Contains(p.Warnings[i].Message, tc.says) {
			t.Errorf("%s %+v: %+v, want a possible_rename saying %q", tc.dep, tc.policy, p.Warnings, tc.says)
		}
	}
	// One live user that one create names by name and another by the part
	// before the @: which is it? Nothing said, in either order.
	bob := named(lh("u2", "bob@old.example", "bob@old.example"), "Xavier Q")
	bob.OrgRole = model.RoleMember
	x, y := named(du("alice@new.example"), "Xavier Q"), named(du("bob@new.example"), "Yolanda")
	for _, order := range [][]model.User{{x, y}, {y, x}} {
		p := Compute(inML(order...), liveML(bob), deactivate, Options{Deployment: model.Dedicated})
		if slices.ContainsFunc(p.Warnings, func(w plan.Warning) bool { return w.Code == plan.WarnPossibleRename }) {
			t.Errorf("%s first: %+v, want no possible_rename", order[0].Email, p.Warnings)
		}
	}
	// A create that names two accounts (one by name, one by local part)
	// claims both: another create naming one of them says nothing either.
	l1 := named(lh("u1", "x1@old.example", "x1@old.example"), "Xavier Q")
	l2 := named(lh("u2", "bob@old.example", "bob@old.example"), "Yolanda")
	a, b := named(du("bob@new.example"), "Xavier Q"), named(du("zed@new.example"), "Yolanda")
	for _, order := range [][]model.User{{a, b}, {b, a}} {
		p := Compute(inML(order...), liveML(l1, l2), deactivate, Options{Deployment: model.Dedicated})
		if slices.ContainsFunc(p.Warnings, func(w plan.Warning) bool { return w.Code == plan.WarnPossibleRename }) {
			t.Errorf("%s first: %+v, want no possible_rename", order[0].Email, p.Warnings)
		}
	}
	// The username: advised is quoted, a handle YAML would read as a number too.
	for _, handle := range []string{"@anna: x", "12345"} {
		odd := named(lh("u3", handle, "anna@old.example"), "Anna Berg")
		p := Compute(inML(anna), liveML(odd), model.Policy{UnmanagedUsers: model.UnmanagedIgnore}, Options{Deployment: model.Dedicated})
		if i := slices.IndexFunc(p.Warnings, func(w plan.Warning) bool { return w.Code == plan.WarnPossibleRename }); i < 0 || !strings.Contains(p.Warnings[i].Message, `set username: "`+handle+`" on`) {
			t.Errorf("%+v, want the handle %q quoted", p.Warnings, handle)
		}
	}
}

// Names are compared in Unicode's composed form and case-folded as
// strings.EqualFold folds them: a name spelt with a combining accent, or
// with the final sigma, is the same name, so that its account is neither
// created twice nor deactivated, and a protected entry protects it.
func TestComputeUnicodeSpellings(t *testing.T) {
	const (
		joseNFC = "jos\u00e9"  // é as one character
		joseNFD = "jose\u0301" // e and a combining acute accent
	)
	a := "alice@x.com"
	admin := func(u model.User) model.User { u.OrgRole = model.RoleAdmin; return u }
	deactivate := func(protected ...string) model.Policy {
		for i, p := range protected {
			protected[i] = model.Lower(p) // as the loader keeps them
		}
		return model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, Protected: protected}
	}
	runCompute(t, []computeCase{
		{
			name:     "a protected entry composed protects a live email decomposed",
			dep:      model.SaaS,
			policy:   deactivate(joseNFC + "@example.com"),
			want:     state(users(admin(du(a)))),
			have:     state(users(admin(lu("u1", a)), lh("u2", "jose", joseNFD+"@example.com"))),
			warnings: []plan.Warning{{Code: plan.WarnProtected, User: joseNFD + "@example.com", Username: "jose"}, noTeam(a)},
		},
		{
			name:     "a protected entry in lower case protects a live email with a capital sigma",
			dep:      model.SaaS,
			policy:   deactivate("\u03c3\u03bf\u03c6\u03bf\u03c2@example.gr"), // σοφος
			want:     state(users(admin(du(a)))),
			have:     state(users(admin(lu("u1", a)), lh("u2", "sofos", "\u03a3\u039f\u03a6\u039f\u03a3@example.gr"))),
			warnings: []plan.Warning{{Code: plan.WarnProtected, User: "\u03a3\u039f\u03a6\u039f\u03a3@example.gr", Username: "sofos"}, noTeam(a)},
		},
		{
			name:     "a manifest username composed matches a live userName decomposed",
			policy:   deactivate(),
			want:     state(users(admin(du(a)), hu(joseNFC, "jose@x.com"))),
			have:     state(users(admin(lu("u1", a)), lh("u2", joseNFD, "jose@x.com"))),
			warnings: []plan.Warning{noTeam(a), noTeam("jose@x.com")},
		},
		{
			name:     "a manifest username with the final sigma matches a live one in capitals",
			policy:   deactivate(),
			want:     state(users(admin(du(a)), hu("\u03bf\u03b4\u03bf\u03c2", "odos@x.com"))), // οδος
			have:     state(users(admin(lu("u1", a)), lh("u2", "\u039f\u0394\u039f\u03a3", "odos@x.com"))),
			warnings: []plan.Warning{noTeam(a), noTeam("odos@x.com")},
		},
		{
			name:     "a display name composed is the live one decomposed: no update",
			want:     state(users(admin(with(du(a), func(u *model.User) { u.DisplayName = "Jos\u00e9 Admin" })))),
			have:     state(users(admin(with(lu("u1", a), func(u *model.User) { u.DisplayName = "Jose\u0301 Admin" })))),
			warnings: []plan.Warning{noTeam(a)},
		},
		{
			name:     "a team named composed is the live team named decomposed",
			want:     state(users(du(a)), dt("caf\u00e9", model.Additive, dm(a, ""))),
			have:     state(users(lu("u1", a)), lt("g", "cafe\u0301", lm("u1", a, ""))),
			warnings: []plan.Warning{{Code: plan.WarnTeamNameCase, Team: "cafe\u0301", IDs: []string{"g"}}},
		},
		{
			name:     "a team pinned by id whose live name has white space at an end, which no manifest can write: no warning",
			want:     state(users(du(a)), pinnedTeam("ml", "g", dm(a, "")), pinnedTeam("ops", "g2", dm(a, ""))),
			have:     state(users(lu("u1", a)), lt("g", "ml\u00a0", lm("u1", a, "")), lt("g2", " ops ", lm("u1", a, ""))),
			warnings: []plan.Warning{},
		},
		{
			name: "a team pinned by id whose live name differs in case too, or unpinned, is still warned",
			want: state(users(du(a)), pinnedTeam("ml", "g", dm(a, "")), dt("ops", model.Additive, dm(a, ""))),
			have: state(users(lu("u1", a)), lt("g", "ML ", lm("u1", a, "")), lt("g2", "ops ", lm("u1", a, ""))),
			warnings: []plan.Warning{{Code: plan.WarnTeamNameCase, Team: "ML ", IDs: []string{"g"}},
				{Code: plan.WarnTeamNameCase, Team: "ops ", IDs: []string{"g2"}}},
		},
	})
}

func noTeam(email string) plan.Warning {
	return plan.Warning{Code: plan.WarnUserWithoutTeam, User: email}
}

// A team_name_case warning says how the two names differ, since some
// differences cannot be seen.
func TestNameDifference(t *testing.T) {
	const encoded = "how a character is encoded (Unicode spells some two ways: é as one character or as e and an accent)"
	for _, tc := range []struct{ a, b, want string }{
		{"ML", "ml", "ML ml only in case"},
		{"caf\u00e9", "cafe\u0301", "caf\u00e9 cafe\u0301 only in " + encoded},
		{"CAF\u00c9", "cafe\u0301", "CAF\u00c9 cafe\u0301 only in case and " + encoded},
		{"ml", "ml ", `"ml" "ml " only in white space at either end`},
		{"ML", " ml", `"ML" " ml" only in case and white space at either end`},
		{"\u039f\u0394\u039f\u03a3", "\u03bf\u03b4\u03bf\u03c2", "\u039f\u0394\u039f\u03a3 \u03bf\u03b4\u03bf\u03c2 only in case as Unicode folds it (σ and ς, µ and μ are one letter to it)"},
		{"\u00b5s", "\u03bcs", "\u00b5s \u03bcs only in case as Unicode folds it (σ and ς, µ and μ are one letter to it)"},
		{"\u2126", "\u03a9", "\u2126 \u03a9 only in " + encoded}, // OHM SIGN, composed: Ω
	} {
		a, b, how := nameDifference(tc.a, tc.b)
		if got := a + " " + b + " " + how; got != tc.want {
			t.Errorf("nameDifference(%q, %q) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}

// A protected entry that covers no user of the manifest or the
// organization is warned, once per spelling; an entry covering a live
// user by a secondary email or its userName, or only a manifest user, or
// keys an earlier entry covers too, is not.
func TestComputeProtectedUnmatched(t *testing.T) {
	policy := ignorePolicy
	policy.Protected = []string{"kim@alias.example", "kim", "*@y.com", "*@x.com", "ann@x.com",
		"bob@x.con", "*@nowhere.example", "bob@x.con", "svc-*"}
	want := state(users(du("ann@x.com"), du("kim@main.example"), du("new@y.com")))
	have := state(users(lu("ua", "ann@x.com"), lh("uk", "kim", "kim@main.example", "kim@alias.example")))
	got := Compute(want, have, policy, Options{})
	var entries []string
	for _, w := range got.Warnings {
		if w.Code != plan.WarnProtectedUnmatched {
			continue
		}
		if !strings.HasPrefix(w.Message, "policy.protected entry "+strconv.Quote(w.Entry)+" matches no user") || w.User != "" || w.Team != "" {
			t.Fatalf("warning %+v", w)
		}
		entries = append(entries, w.Entry)
	}
	if d := cmp.Diff([]string{"*@nowhere.example", "bob@x.con", "svc-*"}, entries); d != "" {
		t.Errorf("protected_unmatched entries (-want +got):\n%s", d)
	}
	policy.Protected = []string{"ann@x.com"}
	if got := Compute(want, have, policy, Options{}); hasWarning(got, plan.WarnProtectedUnmatched, "") {
		t.Errorf("an entry matching a live user warned: %+v", got.Warnings)
	}
}

// A live team the manifest does not name is shown quoted when white space
// at either end of its name would not show, or when its name holds the
// characters the warning's own clauses are made of (it would read as the
// rest of the message), and the warning says how to empty it.
func TestUnmanagedTeamNameQuoted(t *testing.T) {
	have := state(users(lu("ua", "a@x.com")), lt("g1", " ops", lm("ua", "a@x.com", "")), lt("g2", "ml", lm("ua", "a@x.com", "")),
		lt("g3", "cv (id g9, 0 member(s)) is not in the manifest: fine", lm("ua", "a@x.com", "")))
	got := Compute(state(users(du("a@x.com")), dt("x", model.Additive, dm("a@x.com", ""))), have, ignorePolicy, Options{})
	msgs := warnedByID(got, plan.WarnUnmanagedTeam)
	if len(msgs) != 3 || !strings.HasPrefix(msgs["g1"], `live team " ops" (id g1,`) || !strings.Contains(msgs["g1"], "list it (as ops:") || !strings.HasPrefix(msgs["g2"], "live team ml (id g2,") ||
		!strings.Contains(msgs["g2"], "with members: [] to empty it") ||
		!strings.HasPrefix(msgs["g3"], `live team "cv (id g9, 0 member(s)) is not in the manifest: fine" (id g3, 1 member(s)) is not in the manifest`) {
		t.Errorf("unmanaged_team messages: %q", msgs)
	}
}

// TestTeamWarningsQuotePunctuatedNames: in every team warning, a team's
// name holding the characters the warning's own clauses are made of is
// quoted, the manifest's and the server's alike.
func TestTeamWarningsQuotePunctuatedNames(t *testing.T) {
	pinned := func(name, id string) model.Team {
		tm := dt(name, model.Additive, dm("a@x.com", ""))
		tm.ID = id
		return tm
	}
	ua := users(lu("ua", "a@x.com"))
	for _, tc := range []struct {
		code       plan.WarningCode
		want, have model.State
		says       string
	}{
		{plan.WarnTeamNameCase, state(users(du("a@x.com")), dt("A (b)", model.Additive, dm("a@x.com", ""))), state(ua, lt("g1", "a (b)", lm("ua", "a@x.com", ""))),
			`manifest team "A (b)" differs from live team "a (b)" only in case`},
		{plan.WarnTeamPinNotFound, state(users(du("a@x.com")), pinned("x (y)", "g9")), state(ua, lt("g1", "X (y)")),
			`team "x (y)" pins id g9, which no live team has: left alone (a new team would get another id); fix or remove the pin (live team(s) named "x (y)", ignoring case: id g1)`},
		{plan.WarnTeamPinMismatch, state(users(du("a@x.com")), pinned("x (y)", "g1")), state(ua, lt("g1", "z: w")),
			`team "x (y)" pins id g1, but that live team is named "z: w"`},
		{plan.WarnDuplicateTeam, state(users(du("a@x.com")), dt("d, e", model.Additive, dm("a@x.com", ""))), state(ua, lt("g2", "d, e"), lt("g3", "d, e")),
			`2 live teams are named "d, e" (ids g2, g3)`},
		{plan.WarnUnresolvedMember, state(users(du("a@x.com")), dt("u;v", model.Authoritative, dm("a@x.com", ""))), state(ua, lt("g4", "u;v", lm("ua", "a@x.com", ""), lm("sa1", "", ""))),
			`1 member(s) of team "u;v" are not listed SCIM users`},
		{plan.WarnInactiveMember, state(users(du("a@x.com"), inactive(du("b@x.com"))), dt("m (n)", model.Additive, dm("a@x.com", ""), dm("b@x.com", ""))), state(ua, lt("g5", "m (n)", lm("ua", "a@x.com", ""))),
			`b@x.com is listed in team "m (n)" but is active: false in the manifest`},
	} {
		wantWarningStart(t, Compute(tc.want, tc.have, ignorePolicy, Options{}), tc.code, tc.says, string(tc.code))
	}
	// A protected member an authoritative team would drop.
	protect := ignorePolicy
	protect.Protected = []string{"c@x.com"}
	got := Compute(state(users(du("a@x.com"), du("c@x.com")), dt("p: q", model.Authoritative, dm("a@x.com", ""))),
		state(users(lu("ua", "a@x.com"), lu("uc", "c@x.com")), lt("g6", "p: q", lm("ua", "a@x.com", ""), lm("uc", "c@x.com", ""))), protect, Options{})
	wantWarningStart(t, got, plan.WarnProtected, `c@x.com is protected (policy.protected): not removed from team "p: q"`, "protected")
}

// A live team whose name no manifest can write (the loader's rule, given as
// Options.TeamNameProblem) is not advised to be listed: the warning says
// why it cannot be, and other unmanaged teams keep their advice.
func TestUnmanagedTeamNameUnwritable(t *testing.T) {
	have := state(users(lu("ua", "a@x.com")), lt("g1", "ops\u200b", lm("ua", "a@x.com", "")), lt("g2", "ml", lm("ua", "a@x.com", "")))
	want := state(users(du("a@x.com")), dt("x", model.Additive, dm("a@x.com", "")))
	problem := func(name string) string {
		if strings.HasSuffix(name, "\u200b") {
			return "ends invisibly"
		}
		return ""
	}
	msgs := map[string]string{}
	for _, w := range Compute(want, have, ignorePolicy, Options{TeamNameProblem: problem}).Warnings {
		if w.Code == plan.WarnUnmanagedTeam {
			msgs[w.IDs[0]] = w.Message
		}
	}
	if m := msgs["g1"]; !strings.Contains(m, "no manifest can name it, as its name ends invisibly") || strings.Contains(m, "list it") || !strings.Contains(m, "1 member(s)") {
		t.Errorf("unwritable team's warning: %q", m)
	}
	if m := msgs["g2"]; !strings.Contains(m, "list it to manage it") {
		t.Errorf("writable team's warning: %q", m)
	}
	for _, w := range Compute(want, have, ignorePolicy, Options{}).Warnings {
		if w.Code == plan.WarnUnmanagedTeam && !strings.Contains(w.Message, "list it") {
			t.Errorf("without the rule every team is advised to be listed: %q", w.Message)
		}
	}
}

// A created user and a live account not in the manifest whose emails read
// alike before the @ (a Kelvin sign, fullwidth letters) but are other
// keys: possible_rename says so, with the live spelling escaped.
func TestPossibleRenameLookAlike(t *testing.T) {
	policy := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}
	for _, live := range []string{"\u212Aelvin@x.com", "\uff4belvin@x.com"} {
		got := Compute(state(users(du("kelvin@x.com"))), state(users(lu("uk", live))), policy, Options{})
		var msg string
		for _, w := range got.Warnings {
			if w.Code == plan.WarnPossibleRename && w.User == "kelvin@x.com" && slices.Equal(w.IDs, []string{"uk"}) {
				msg = w.Message
			}
		}
		if !strings.Contains(msg, `reads the same ("kelvin" and "\u`) {
			t.Errorf("live %q: possible_rename %q (warnings %+v)", live, msg, got.Warnings)
		}
	}
}

// TestPossibleRenameWordingWithoutEmail: a live account without an email,
// paired on its userName, is worded by that userName: the same name when
// it is one, "reads the same" only when it is a look-alike.
func TestPossibleRenameWordingWithoutEmail(t *testing.T) {
	policy := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}
	for _, tc := range []struct{ userName, says, not string }{
		{"kelvin@old.com", "the same email before the @ (kelvin)", "reads the same"},
		{"kelvin", "no email and a username equal to its email before the @ (kelvin)", "reads the same"},
		{"\uff4belvin", `no email and a username that reads the same as its email before the @ ("kelvin" and "\uff4belvin")`, "equal to"},
	} {
		live := model.User{ID: "uk", UserName: tc.userName, Active: true}
		got := Compute(state(users(du("kelvin@new.com"))), state(users(live)), policy, Options{})
		var msg string
		for _, w := range got.Warnings {
			if w.Code == plan.WarnPossibleRename {
				msg = w.Message
			}
		}
		if !strings.Contains(msg, tc.says) || strings.Contains(msg, tc.not) {
			t.Errorf("live %q: possible_rename %q, want %q", tc.userName, msg, tc.says)
		}
	}
}

// A pin no live team has names the ids of the live teams of that name
// (ignoring case), the first few of them, which the pin may have meant.
func TestPinNotFoundNamesLiveIDs(t *testing.T) {
	team := dt("ml", model.Authoritative, dm("a@x.com", ""))
	team.ID = "nope"
	want := state(users(du("a@x.com")), team)
	for _, tc := range []struct {
		have model.State
		tail string
	}{
		{state(users(lu("ua", "a@x.com"))), "fix or remove the pin"},
		{state(users(lu("ua", "a@x.com")), lt("g2", "ML"), lt("g1", "ml")), "fix or remove the pin (live team(s) named ml, ignoring case: ids g1, g2)"},
		{state(users(lu("ua", "a@x.com")), lt("g1", "ml"), lt("g2", "ml"), lt("g3", "ml"), lt("g4", "ml"), lt("g5", "ml"), lt("g6", "ml"), lt("g7", "ml")),
			"(live team(s) named ml, ignoring case: ids g1, g2, g3, g4, g5 and 2 more)"},
	} {
		var msg string
		for _, w := range Compute(want, tc.have, ignorePolicy, Options{}).Warnings {
			if w.Code == plan.WarnTeamPinNotFound {
				msg = w.Message
			}
		}
		if !strings.HasSuffix(msg, tc.tail) {
			t.Errorf("team_pin_not_found %q, want it to end %q", msg, tc.tail)
		}
	}
}

// Live teams sharing a name are warned duplicate_team when the manifest
// names them only by a pin that matched none of them; a pin that takes
// one, under its name in any case, leaves its twin to unmanaged_team; a
// name no manifest may hold is not advised to be pinned.
func TestDuplicateTeamWarnings(t *testing.T) {
	a := "a@x.com"
	dupIDs := func(p plan.Plan) (ids []string, msg string) {
		for _, w := range p.Warnings {
			if w.Code == plan.WarnDuplicateTeam {
				return w.IDs, w.Message
			}
		}
		return nil, ""
	}
	pin := func(tm model.Team, id string) model.Team { tm.ID = id; return tm }
	have := state(users(lu("ua", a)), lt("g1", "ml"), lt("g2", "ml"))
	ids, msg := dupIDs(Compute(state(users(du(a)), pin(dt("ml", model.Authoritative, dm(a, "")), "nope")), have, ignorePolicy, Options{}))
	if !slices.Equal(ids, []string{"g1", "g2"}) || !strings.Contains(msg, "pins an id that none of them has") {
		t.Errorf("pin matching nothing: duplicate_team ids %v: %q", ids, msg)
	}
	// One pinned, under the exact name or another case: the pin is the
	// manifest's word, and it manages that one; its twin is said as
	// unmanaged_team, naming the pinned one, not as a name the manifest
	// does not manage.
	for _, name := range []string{"ml", "Ml"} {
		p := Compute(state(users(du(a)), pin(dt(name, model.Authoritative, dm(a, "")), "g1")), have, ignorePolicy, Options{})
		if ids, _ := dupIDs(p); ids != nil {
			t.Errorf("%s pinned: duplicate_team %v", name, ids)
		}
		if got := warnedByID(p, plan.WarnUnmanagedTeam)["g2"]; !strings.Contains(got, "is not the team "+name+" the manifest pins (id g1)") {
			t.Errorf("%s pinned: the twin: %q", name, got)
		}
	}
	odd := state(users(lu("ua", a)), lt("g1", "ops\u200b"), lt("g2", "ops\u200b"))
	problem := func(string) string { return "ends invisibly" }
	_, msg = dupIDs(Compute(state(users(du(a))), odd, ignorePolicy, Options{TeamNameProblem: problem}))
	if !strings.Contains(msg, "no manifest can name them, as the name ends invisibly") || strings.Contains(msg, "pin it") {
		t.Errorf("unwritable duplicates: %q", msg)
	}
}

// Two live accounts of one name (an old, deactivated one beside its
// successor) are told apart in ambiguous_user by id and state.
func TestAmbiguousUserNamesIDsAndState(t *testing.T) {
	old := lu("U103", "erin@example.com")
	old.Active = false
	have := state(users(old, lu("U105", "erin@example.com")))
	var msg string
	for _, w := range Compute(state(users(du("erin@example.com"))), have, ignorePolicy, Options{}).Warnings {
		if w.Code == plan.WarnAmbiguousUser {
			msg = w.Message
		}
	}
	if !strings.Contains(msg, "(erin@example.com (id U103, deactivated), erin@example.com (id U105))") {
		t.Errorf("ambiguous_user: %q", msg)
	}
}

// email_elsewhere speaks of an email update only where one is planned: on
// Dedicated Cloud for an active entry, never for an active: false one,
// whose account is deactivated, not updated.
func TestEmailElsewhereNamesOnlyPlannedUpdates(t *testing.T) {
	for _, active := range []bool{true, false} {
		entry := hu("ahandle", "a@x.com")
		entry.Active = active
		want := state(users(nextOwnerD(), entry))
		have := state(users(nextOwner, lh("ua", "ahandle", "old@x.com"), lh("uo", "other", "a@x.com")))
		p := Compute(want, have, ignorePolicy, Options{Deployment: model.Dedicated})
		updates := slices.ContainsFunc(p.Changes, func(c plan.Change) bool { return c.Action == plan.UpdateUser && c.UserID == "ua" })
		i := slices.IndexFunc(p.Warnings, func(w plan.Warning) bool { return w.Code == plan.WarnEmailElsewhere })
		if i < 0 || updates != active {
			t.Fatalf("active %v: update planned %v, warnings %+v", active, updates, p.Warnings)
		}
		if said := strings.Contains(p.Warnings[i].Message, "email update of ahandle"); said != active {
			t.Errorf("active %v: the warning speaks of an email update %v: %s", active, said, p.Warnings[i].Message)
		}
	}
}

// unmanaged_user advises listing the account with active: false; for an
// account without any email a manifest can declare an entry by, it says
// how: by its userName, with an email no account holds.
func TestUnmanagedWithoutEmailAdvice(t *testing.T) {
	want := state(users(nextOwnerD()))
	have := state(users(nextOwner, lh("un", "noemail-4805"), lh("ue", "kim", "kim@x.com"),
		lh("uz", "zmuller", "zo\u00eb.m\u00fcller@x.com"), lh("uh", "zoe@x.com", "zo\u00eb@x.com")))
	p := Compute(want, have, ignorePolicy, Options{Deployment: model.Dedicated})
	said := warnedByID(p, plan.WarnUnmanagedUser)
	if m := said["un"]; !strings.HasSuffix(m, "(to offboard it, list it with active: false: it has no email, so write its userName (username: noemail-4805) with an email no account holds)") {
		t.Errorf("no-email account: %q", m)
	}
	if m := said["uz"]; !strings.HasSuffix(m, "(to offboard it, list it with active: false: a manifest cannot declare its email, so write its userName (username: zmuller) with an email no account holds)") {
		t.Errorf("account with an email a manifest cannot declare: %q", m)
	}
	// An email of its own, or a userName that is one, declares the entry.
	for _, id := range []string{"ue", "uh"} {
		if m := said[id]; !strings.HasSuffix(m, "(to offboard it, list it with active: false)") {
			t.Errorf("%s: %q", id, m)
		}
	}
	// The advice, followed, deactivates that account and plans nothing else for it.
	off := inactive(hu("noemail-4805", "placeholder-4805@x.com"))
	for _, dep := range []model.Deployment{model.Dedicated, model.SaaS} {
		p = Compute(state(users(nextOwnerD(), off)), have, ignorePolicy, Options{Deployment: dep})
		var got []string
		for _, c := range p.Changes {
			if c.UserID == "un" {
				got = append(got, string(c.Action))
			}
		}
		if !slices.Equal(got, []string{string(plan.DeactivateUser)}) {
			t.Errorf("%s: following the advice planned %v for the account", dep, got)
		}
	}
}

// unmanaged_user's advice for an account whose every email is another
// entry's (an SSO account, alice-sso, beside the password account the
// manifest lists, holding the same address in another case): a second
// entry with that email is a duplicate the loader refuses, so the advice
// is the userName on Dedicated Cloud, which, followed, deactivates that
// account and nothing else, and W&B itself on Multi-tenant Cloud, where
// an entry naming an account that holds an active entry's email is held,
// even by an email of its own. On Dedicated Cloud an account with an email
// of its own that no entry lists keeps the plain advice.
func TestUnmanagedWithListedEmailAdvice(t *testing.T) {
	alice := with(du("alice@x.com"), func(u *model.User) { u.OrgRole = model.RoleAdmin })
	want := state(users(alice))
	have := state(users(with(lh("ua", "alice@x.com", "alice@x.com"), func(u *model.User) { u.OrgRole = model.RoleAdmin }),
		lh("us", "alice-sso", "Alice@X.com"), lh("uf", "al-free", "Alice@X.com", "al@x.com")))
	for _, tc := range []struct {
		dep            model.Deployment
		sso, withOther string
	}{
		{model.Dedicated, "(to offboard it, list it with active: false: its email Alice@X.com is alice@x.com's in the manifest, so write its userName (username: alice-sso) with an email no account holds)",
			"(to offboard it, list it with active: false, as email: al@x.com (its email Alice@X.com is alice@x.com's in the manifest))"},
		// An entry naming either is held there: each holds alice's email.
		{model.SaaS, "(to offboard it, deactivate it in W&B: it holds the email of alice@x.com, which the manifest lists as active, so an entry naming it would be held (identity_mismatch))",
			"(to offboard it, deactivate it in W&B: it holds the email of alice@x.com, which the manifest lists as active, so an entry naming it would be held (identity_mismatch))"},
	} {
		said := warnedByID(Compute(want, have, ignorePolicy, Options{Deployment: tc.dep}), plan.WarnUnmanagedUser)
		if m := said["us"]; !strings.HasSuffix(m, tc.sso) {
			t.Errorf("%s: the SSO account: %q", tc.dep, m)
		}
		if m := said["uf"]; !strings.HasSuffix(m, tc.withOther) {
			t.Errorf("%s: an account with an email no entry lists: %q", tc.dep, m)
		}
	}
	// Followed on Dedicated Cloud, the advice deactivates alice-sso only.
	p := Compute(state(users(alice, inactive(hu("alice-sso", "alice-sso-gone@x.com")))), have, ignorePolicy, Options{Deployment: model.Dedicated})
	got := changeList(p)
	if !slices.Equal(got, []string{"us " + string(plan.DeactivateUser)}) {
		t.Errorf("following the advice planned %v", got)
	}
}

// The same advice for an account whose userName is an email, the one an
// entry's username: names another account by: on Dedicated Cloud the
// email-shaped userName is written as username:, and, followed, the
// entry deactivates that account alone (an active: false entry's account
// is deactivated, never updated).
func TestUnmanagedWithListedEmailUserNameAdvice(t *testing.T) {
	want := state(users(hu("sso-bob", "bob@x.com")))
	have := state(users(lh("usb", "sso-bob", "Bob@x.com"), lh("ub", "bob@x.com", "bob@x.com")))
	said := warnedByID(Compute(want, have, ignorePolicy, Options{Deployment: model.Dedicated}), plan.WarnUnmanagedUser)
	if m := said["ub"]; !strings.HasSuffix(m, "(to offboard it, list it with active: false: its email bob@x.com is an entry's in the manifest already, so write its userName (username: bob@x.com) with an email no account holds)") {
		t.Errorf("advice: %q", m)
	}
	p := Compute(state(users(hu("sso-bob", "bob@x.com"), inactive(hu("bob@x.com", "nobody@x.com")))), have, ignorePolicy, Options{Deployment: model.Dedicated})
	got := changeList(p)
	if !slices.Equal(got, []string{"ub " + string(plan.DeactivateUser)}) {
		t.Errorf("following the advice planned %v", got)
	}
}

// On Multi-tenant Cloud the advice for an account holding an active
// entry's email beside one of its own is W&B itself: followed, "list it
// with active: false" by its own email would be held, deactivating
// nothing.
func TestUnmanagedAdviceFollowableOnMultiTenant(t *testing.T) {
	have := state(users(lh("ua", "alice@x.com", "alice@x.com"), lh("uf", "al-free", "Alice@X.com", "al@x.com")))
	advice := warnedByID(Compute(state(users(du("alice@x.com"))), have, ignorePolicy, Options{Deployment: model.SaaS}), plan.WarnUnmanagedUser)["uf"]
	if !strings.Contains(advice, "deactivate it in W&B") {
		t.Errorf("advice: %q", advice)
	}
	followed := Compute(state(users(du("alice@x.com"), inactive(du("al@x.com")))), have, ignorePolicy, Options{Deployment: model.SaaS})
	if d := deactivated(followed); len(d) != 0 {
		t.Errorf("listing it by its own email deactivated %v: the advice not to is wrong", d)
	}
}

// nameableEmail looks at the userName too when it is an email: an
// account whose email is alice@x.com's in another case but whose userName,
// al@x.com, is an address no entry lists can be listed by that address
// (matching tries the userName), as the advice says, and, followed, it
// deactivates that account.
func TestUnmanagedAdviceUserNameEmail(t *testing.T) {
	have := state(users(lh("ua", "alice@x.com", "alice@x.com"), lh("uu", "al@x.com", "Alice@X.com")))
	p := Compute(state(users(du("alice@x.com"))), have, ignorePolicy, Options{Deployment: model.Dedicated})
	if m := warnedByID(p, plan.WarnUnmanagedUser)["uu"]; !strings.HasSuffix(m, "(to offboard it, list it with active: false, as email: al@x.com (its email Alice@X.com is alice@x.com's in the manifest))") {
		t.Fatalf("advice: %q", m)
	}
	p = Compute(state(users(du("alice@x.com"), inactive(du("al@x.com")))), have, ignorePolicy, Options{Deployment: model.Dedicated})
	got := changeList(p)
	if len(got) != 1 || got[0] != "uu "+string(plan.DeactivateUser) {
		t.Errorf("followed: %v", planText(p))
	}
}

// An account whose emails are two entries' names the entry of its primary
// email (the first one looked at), not the last.
func TestUnmanagedAdviceNamesPrimaryEntry(t *testing.T) {
	have := state(users(lh("ua", "alice@x.com", "alice@x.com"), lh("ub", "bob@x.com", "bob@x.com"), lh("us", "alice-sso", "Alice@X.com", "Bob@X.com")))
	p := Compute(state(users(du("alice@x.com"), du("bob@x.com"))), have, ignorePolicy, Options{Deployment: model.Dedicated})
	if m := warnedByID(p, plan.WarnUnmanagedUser)["us"]; !strings.Contains(m, "its email Alice@X.com is alice@x.com's in the manifest") {
		t.Fatalf("advice: %q", m)
	}
}

// On Dedicated Cloud an account whose userName a manifest cannot write (a
// space in it) gets no username: advice either.
func TestUnmanagedAdviceUnwritableUserName(t *testing.T) {
	have := state(users(lh("ua", "alice@x.com", "alice@x.com"), lh("us", "alice sso", "Alice@X.com")))
	p := Compute(state(users(du("alice@x.com"))), have, ignorePolicy, Options{Deployment: model.Dedicated})
	if m := warnedByID(p, plan.WarnUnmanagedUser)["us"]; !strings.HasSuffix(m, "(to offboard it, deactivate it in W&B: its email Alice@X.com is alice@x.com's in the manifest, so no entry can name it)") {
		t.Fatalf("advice: %q\n%v", m, planText(p))
	}
}

// An account whose email is another live account's userName (p@x.com,
// the userName of the account whose email is p@corp.com) cannot be named
// by that email: an entry with it matches the other account by userName,
// which wins, and would deactivate that one. The advice is its own
// userName, and, followed, deactivates it alone, on both deployments. So
// for an email another live account holds too.
func TestUnmanagedAdviceEmailThatNamesAnotherAccount(t *testing.T) {
	admin := with(du("admin@x.com"), func(u *model.User) { u.OrgRole = model.RoleAdmin })
	liveAdmin := with(lh("ua", "admin@x.com", "admin@x.com"), func(u *model.User) { u.OrgRole = model.RoleAdmin })
	for _, tc := range []struct {
		name  string
		other model.User
		why   string
	}{
		{"a userName", lh("uo", "p@x.com", "p@corp.com"), "its email p@x.com is the userName of live user p@x.com (p@corp.com), which an entry with it would name"},
		{"an email", lh("uo", "pother", "P@x.com"), "live user pother (P@x.com) holds its email p@x.com too"},
	} {
		have := state(users(liveAdmin, tc.other, lh("up", "phandle", "p@x.com")))
		for _, dep := range []model.Deployment{model.Dedicated, model.SaaS} {
			said := warnedByID(Compute(state(users(admin)), have, ignorePolicy, Options{Deployment: dep}), plan.WarnUnmanagedUser)
			if m := said["up"]; !strings.HasSuffix(m, "(to offboard it, list it with active: false: "+tc.why+", so write its userName (username: phandle) with an email no account holds)") {
				t.Errorf("%s, %s: advice %q", tc.name, dep, m)
			}
			p := Compute(state(users(admin, inactive(hu("phandle", "phandle-gone@x.com")))), have, ignorePolicy, Options{Deployment: dep})
			if d := deactivated(p); !slices.Equal(d, []string{"up"}) {
				t.Errorf("%s, %s: following the advice deactivated %v:\n%v", tc.name, dep, d, planText(p))
			}
		}
	}
}

// On Multi-tenant Cloud an account carrying an active entry's externalId
// is held whichever entry names it (identity_mismatch), so its advice is
// W&B's deactivation; on Dedicated Cloud listing it by its email works.
func TestUnmanagedAdviceExternalIDHolder(t *testing.T) {
	alice := hu("alice-h", "alice@x.com")
	alice.ExternalID = "E1"
	bob := lh("ub", "bob", "bob@x.com")
	bob.ExternalID = "E1"
	have := state(users(lh("ua", "alice-h", "alice@x.com"), bob))
	for dep, want := range map[model.Deployment]string{
		model.SaaS:      "(to offboard it, deactivate it in W&B: it carries the externalId of alice@x.com, which the manifest lists as active, so an entry naming it would be held (identity_mismatch))",
		model.Dedicated: "(to offboard it, list it with active: false)",
	} {
		if m := warnedByID(Compute(state(users(alice)), have, ignorePolicy, Options{Deployment: dep}), plan.WarnUnmanagedUser)["ub"]; !strings.HasSuffix(m, want) {
			t.Errorf("%s: advice %q", dep, m)
		}
	}
	p := Compute(state(users(alice, inactive(du("bob@x.com")))), have, ignorePolicy, Options{Deployment: model.Dedicated})
	if d := deactivated(p); !slices.Equal(d, []string{"ub"}) {
		t.Errorf("Dedicated, advice followed: deactivated %v", d)
	}
}

// On Multi-tenant Cloud an account holding an active entry's
// email only as a secondary one is advised W&B's deactivation: an entry by
// its primary email would be held.
func TestUnmanagedAdviceSecondaryActiveEmailSaaS(t *testing.T) {
	have := state(users(lh("ua", "alice-h", "alice@x.com"), lh("uq", "q-h", "q@x.com", "alice@x.com")))
	adv := warnedByID(Compute(state(users(hu("alice-h", "alice@x.com"))), have, ignorePolicy, Options{Deployment: model.SaaS}), plan.WarnUnmanagedUser)["uq"]
	if !strings.Contains(adv, "deactivate it in W&B: it holds the email of alice@x.com") {
		t.Errorf("advice: %q", adv)
	}
	if d := deactivated(Compute(state(users(hu("alice-h", "alice@x.com"), inactive(du("q@x.com")))), have, ignorePolicy, Options{Deployment: model.SaaS})); len(d) != 0 {
		t.Errorf("listing it deactivated %v", d)
	}
}
