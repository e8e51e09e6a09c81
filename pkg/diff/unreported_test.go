package diff

import (
	"strings"
	"testing"
	"time"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

func TestComputeExternalIDUnreported(t *testing.T) {
	a, b := "a@x.com", "b@x.com"
	ext := func(u model.User, id string) model.User { u.ExternalID = id; return u }
	team := func(members ...model.Member) model.Team { return dt("ml", model.Additive, members...) }
	runCompute(t, []computeCase{
		{
			name: "no live user carries an externalId: no update, one warning; creates still send it",
			want: state(users(ext(du(a), "e1"), ext(du(b), "e2"), ext(du("c@x.com"), "e3")), team(dm(a, ""), dm(b, ""), dm("c@x.com", ""))),
			have: state(users(lu("ua", a), lu("ub", b)), lt("g", "ml", lm("ua", a, ""), lm("ub", b, ""))),
			changes: []plan.Change{
				{Action: plan.CreateUser, User: "c@x.com", ExternalID: "e3"},
				{Action: plan.AddMember, Team: "ml", TeamID: "g", User: "c@x.com", Role: "member"},
			},
			warnings: []plan.Warning{{Code: plan.WarnExternalIDUnreported, Count: 3}},
		},
		{
			name:    "one live user carries one: externalIds are compared",
			want:    state(users(ext(du(a), "e1"), ext(du(b), "e2")), team(dm(a, ""), dm(b, ""))),
			have:    state(users(lu("ua", a), ext(lu("ub", b), "e2")), lt("g", "ml", lm("ua", a, ""), lm("ub", b, ""))),
			changes: []plan.Change{{Action: plan.UpdateUser, User: a, UserID: "ua", ExternalID: "e1"}},
		},
		{
			name: "externalIds only on users the plan creates: still one warning; the creates send them",
			want: state(users(du(a), ext(du(b), "e2")), team(dm(a, ""), dm(b, ""))),
			have: state(users(lu("ua", a)), lt("g", "ml", lm("ua", a, ""))),
			changes: []plan.Change{
				{Action: plan.CreateUser, User: b, ExternalID: "e2"},
				{Action: plan.AddMember, Team: "ml", TeamID: "g", User: b, Role: "member"},
			},
			warnings: []plan.Warning{{Code: plan.WarnExternalIDUnreported, Count: 1}},
		},
		{
			name: "an empty organization reports no externalId either",
			want: state(users(ext(du(a), "e1")), team(dm(a, ""))),
			have: state(nil),
			changes: []plan.Change{
				{Action: plan.CreateUser, User: a, ExternalID: "e1"},
				{Action: plan.CreateTeam, Team: "ml"},
				{Action: plan.AddMember, Team: "ml", User: a, Role: "member"},
			},
			warnings: []plan.Warning{{Code: plan.WarnExternalIDUnreported, Count: 1}},
		},
		{
			name: "a manifest without externalIds gets no warning",
			want: state(users(du(a)), team(dm(a, ""))),
			have: state(users(lu("ua", a)), lt("g", "ml", lm("ua", a, ""))),
		},
	})
	// The warning counts every externalId the manifest sets, new users too.
	p := Compute(state(users(ext(du(a), "e1"), ext(du(b), "e2")), team(dm(a, ""), dm(b, ""))),
		state(users(lu("ua", a)), lt("g", "ml", lm("ua", a, ""))), ignorePolicy, Options{Deployment: model.Dedicated})
	if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0].Message, " 2 externalId(s) the manifest sets ") {
		t.Errorf("warnings %+v: want one external_id_unreported counting 2 externalIds", p.Warnings)
	}
}

func TestComputeRolesUnreported(t *testing.T) {
	a, b, c, d := "a@x.com", "b@x.com", "c@x.com", "d@x.com"
	role := func(u model.User, r model.Role) model.User { u.OrgRole = r; return u }
	enforce := model.Policy{UnreportedRoles: model.RolesEnforce}
	skipPolicy := model.Policy{UnreportedRoles: model.RolesSkip}
	// b's team role is written out (role: member), a declaration; d is a
	// plain email, which declares no role.
	want := state(users(role(du(a), "admin"), role(du(b), "member"), role(du(c), "admin"), du(d)),
		dt("ml", model.Authoritative, dm(a, "admin"), dm(b, "member"), dm(c, "Reviewer"), dm(d, "")))
	// c is new: created as admin and added with its role, as real changes.
	have := state(users(lu("ua", a), lu("ub", b), lu("ud", d)), lt("g", "ml", lm("ua", a, ""), lm("ub", b, ""), lm("ud", d, "")))
	newUser := []plan.Change{
		{Action: plan.CreateUser, User: c},
		{Action: plan.AddMember, Team: "ml", TeamID: "g", User: c, Role: "Reviewer"},
		{Action: plan.SetOrgRole, User: c, Role: "admin", Reason: reasonNewAdmin},
		{Action: plan.SetTeamRole, Team: "ml", TeamID: "g", User: c, Role: "Reviewer"},
	}
	runCompute(t, []computeCase{
		{
			name:     "skip: nothing sent for existing users, one warning",
			want:     want,
			have:     have,
			changes:  newUser,
			warnings: []plan.Warning{{Code: plan.WarnRolesUnreported, Count: 6}},
		},
		{
			name:   "enforce: the declared roles of existing users are sent as unverified",
			policy: enforce,
			want:   want,
			have:   have,
			changes: []plan.Change{
				newUser[0], newUser[1],
				// Promotions to admin first, as apply runs them.
				{Action: plan.SetOrgRole, User: a, UserID: "ua", Role: "admin", Reason: plan.ReasonUnverified},
				newUser[2],
				{Action: plan.SetOrgRole, User: b, UserID: "ub", Role: "member", Reason: plan.ReasonUnverified},
				{Action: plan.SetTeamRole, Team: "ml", TeamID: "g", User: a, UserID: "ua", Role: "admin", Reason: plan.ReasonUnverified},
				{Action: plan.SetTeamRole, Team: "ml", TeamID: "g", User: b, UserID: "ub", Role: "member", Reason: plan.ReasonUnverified},
				newUser[3],
			},
			warnings: []plan.Warning{{Code: plan.WarnRolesUnreported, Count: 6}},
		},
		{
			name:   "org roles reported, team roles not: only team roles are unchecked",
			policy: enforce,
			want:   want,
			have: state(users(role(lu("ua", a), "admin"), role(lu("ub", b), "member"), role(lu("ud", d), "member")),
				lt("g", "ml", lm("ua", a, ""), lm("ub", b, ""), lm("ud", d, ""))),
			changes: []plan.Change{
				newUser[0], newUser[1], newUser[2],
				{Action: plan.SetTeamRole, Team: "ml", TeamID: "g", User: a, UserID: "ua", Role: "admin", Reason: plan.ReasonUnverified},
				{Action: plan.SetTeamRole, Team: "ml", TeamID: "g", User: b, UserID: "ub", Role: "member", Reason: plan.ReasonUnverified},
				newUser[3],
			},
			warnings: []plan.Warning{{Code: plan.WarnRolesUnreported, Count: 3}},
		},
		{
			name: "team roles reported through teamRoles for some users: compared for them, unchecked for the others",
			want: want,
			have: state(users(role(lu("ua", a), "admin"), with(role(lu("ub", b), "member"), func(u *model.User) { u.TeamRoles = map[string]model.Role{"ml": "viewer"} }),
				role(lu("ud", d), "member")),
				lt("g", "ml", lm("ua", a, ""), lm("ub", b, ""), lm("ud", d, ""))),
			changes: []plan.Change{
				newUser[0], newUser[1], newUser[2],
				{Action: plan.SetTeamRole, Team: "ml", TeamID: "g", User: b, UserID: "ub", Role: "member", From: "viewer"},
				newUser[3],
			},
			warnings: []plan.Warning{{Code: plan.WarnRolesUnreported, Count: 1}},
		},
	})

	p := Compute(want, have, enforce, Options{Deployment: model.Dedicated})
	if !p.HasDrift() || p.Summary.UnverifiedRoles != 4 || p.Summary.SetRoles != 2 {
		t.Errorf("summary %+v: want 4 unverified assertions apart from the 2 real role changes", p.Summary)
	}
	// The read reports no role at all: every declaration of the manifest
	// counts, the new user c's too.
	if msg := p.Warnings[0].Message; !strings.Contains(msg, "6 role declaration(s)") || !strings.Contains(msg, "3 organization role(s) and 3 team role(s)") || !strings.Contains(msg, "enforce") {
		t.Errorf("roles_unreported message %q should count the declarations", msg)
	}
	// Some users' team roles reported: only the others' declarations count.
	p = Compute(want, state(users(role(lu("ua", a), "admin"), with(role(lu("ub", b), "member"), func(u *model.User) { u.TeamRoles = map[string]model.Role{"ml": "member"} }),
		role(lu("ud", d), "member")), lt("g", "ml", lm("ua", a, ""), lm("ub", b, ""), lm("ud", d, ""))), enforce, Options{Deployment: model.Dedicated})
	if msg := p.Warnings[0].Message; !strings.Contains(msg, "1 role declaration(s)") || !strings.Contains(msg, "(1 team role(s))") {
		t.Errorf("roles_unreported message %q should count a's team role only", msg)
	}
	if msg := p.Warnings[0].Message; !strings.HasPrefix(msg, "the live read does not report teamRoles for some users, ") {
		t.Errorf("roles_unreported message %q should say some users' team roles are unreported", msg)
	}
	// The warning says which kind of role the read does not report, of
	// those whose declarations it counts: not at all, or for some users.
	for _, tc := range []struct {
		have model.State
		why  string
	}{
		{have, "the live read reports no roles (neither organizationRole nor teamRoles), "},
		{state(users(role(lu("ua", a), "admin"), role(lu("ub", b), "member"), role(lu("ud", d), "member")), lt("g", "ml", lm("ua", a, ""), lm("ub", b, ""), lm("ud", d, ""))),
			"the live read does not report teamRoles, "},
		{state(users(lu("ua", a), with(lu("ub", b), func(u *model.User) { u.TeamRoles = map[string]model.Role{"ml": "member"} }), lu("ud", d)),
			lt("g", "ml", lm("ua", a, ""), lm("ub", b, ""), lm("ud", d, ""))),
			"the live read does not report organizationRole, nor teamRoles for some users, "},
		{state(users(role(lu("ua", a), "admin"), lu("ub", b))), "the live read does not report organizationRole for some users, "},
	} {
		p := Compute(want, tc.have, skipPolicy, Options{Deployment: model.Dedicated})
		if len(p.Warnings) == 0 || p.Warnings[0].Code != plan.WarnRolesUnreported || !strings.HasPrefix(p.Warnings[0].Message, tc.why) {
			t.Errorf("warnings %+v, want roles_unreported saying %q", p.Warnings, tc.why)
		}
	}
	// The read lists users and no team has a member yet: it reports no role
	// at all, so the team roles count too, not only the org roles.
	p = Compute(want, state(users(lu("ua", a), lu("ub", b)), lt("g", "ml")), skipPolicy, Options{Deployment: model.Dedicated})
	if len(p.Warnings) == 0 || p.Warnings[0].Code != plan.WarnRolesUnreported || !strings.Contains(p.Warnings[0].Message, "6 role declaration(s)") {
		t.Errorf("users and an empty team, no roles reported: warnings %+v, want roles_unreported counting all 6 declarations", p.Warnings)
	}
	// Org roles reported, so the read reports roles, and no team has a
	// member yet, so nothing tells that team roles go unreported: the
	// memberships get their declared roles as they are added, and no
	// declaration counts.
	p = Compute(want, state(users(role(lu("ua", a), "admin"), role(lu("ub", b), "member")), lt("g", "ml")), skipPolicy, Options{Deployment: model.Dedicated})
	for _, w := range p.Warnings {
		if w.Code == plan.WarnRolesUnreported {
			t.Errorf("org roles reported, no live members: unexpected %s", w.Message)
		}
	}
	// An empty organization reports no role either (as for externalId):
	// every declaration counts, and the message says why.
	p = Compute(want, state(nil), enforce, Options{Deployment: model.Dedicated})
	if len(p.Warnings) != 1 || p.Warnings[0].Code != plan.WarnRolesUnreported ||
		!strings.Contains(p.Warnings[0].Message, "the organization has no users yet") || !strings.Contains(p.Warnings[0].Message, "6 role declaration(s)") {
		t.Errorf("empty organization: warnings %+v, want roles_unreported counting 6", p.Warnings)
	}
	// Only unverified assertions left: no drift.
	inSync := state(users(role(du(a), "admin")), dt("ml", model.Additive, dm(a, "admin")))
	p = Compute(inSync, state(users(lu("ua", a)), lt("g", "ml", lm("ua", a, ""))), enforce, Options{Deployment: model.Dedicated})
	if p.HasDrift() || !p.HasChanges() || p.Summary.UnverifiedRoles != 2 {
		t.Errorf("assertions only: drift %v, changes %v, summary %+v", p.HasDrift(), p.HasChanges(), p.Summary)
	}
}

func TestComputeUnverifiedLastAdmin(t *testing.T) {
	a, b := "a@x.com", "b@x.com"
	role := func(u model.User, r model.Role) model.User { u.OrgRole = r; return u }
	enforce := model.Policy{UnreportedRoles: model.RolesEnforce}
	team := dt("ml", model.Additive, dm(a, ""), dm(b, ""))
	live := state(users(lu("ua", a), lu("ub", b)), lt("g", "ml", lm("ua", a, ""), lm("ub", b, "")))
	assert := func(user, id string, r model.Role) plan.Change {
		return plan.Change{Action: plan.SetOrgRole, User: user, UserID: id, Role: r, Reason: plan.ReasonUnverified}
	}
	var cases []computeCase
	for _, tc := range []struct {
		name    string
		aRole   model.Role
		blocked []plan.BlockLimit
	}{
		{"unverified demotions without any admin assertion may remove every admin: blocked", "member", []plan.BlockLimit{plan.BlockLastAdmin}},
		{"with an admin asserted too, they are allowed", "admin", nil},
	} {
		cases = append(cases, computeCase{
			name: tc.name, policy: enforce, have: live, blocked: tc.blocked,
			want:     state(users(role(du(a), tc.aRole), role(du(b), "member")), team),
			changes:  []plan.Change{assert(a, "ua", tc.aRole), assert(b, "ub", "member")},
			warnings: []plan.Warning{{Code: plan.WarnRolesUnreported, Count: 2}},
		})
	}
	runCompute(t, cases)
}

func TestComputeCustomRolesUnchecked(t *testing.T) {
	a := "a@x.com"
	w := state(users(du(a)), dt("ml", model.Additive, dm(a, "Data Scientist"), dm(a, "admin")))
	h := state(users(lu("ua", a)), lt("g", "ml", lm("ua", a, "member")))
	p := Compute(w, h, ignorePolicy, Options{Deployment: model.Dedicated, CustomRolesUnchecked: true})
	if len(p.Warnings) != 1 || p.Warnings[0].Code != plan.WarnCustomRolesUnchecked || !strings.Contains(p.Warnings[0].Message, `"Data Scientist"`) {
		t.Errorf("warnings %+v: want one custom_roles_unchecked naming the role", p.Warnings)
	}
	// No custom role declared: nothing to warn about.
	w.Teams[0].Members = []model.Member{dm(a, "admin")}
	if p := Compute(w, h, ignorePolicy, Options{Deployment: model.Dedicated, CustomRolesUnchecked: true}); len(p.Warnings) != 0 {
		t.Errorf("warnings %+v without custom roles", p.Warnings)
	}
}

func TestComputeGracePeriod(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	a := "a@x.com"
	created := func(u model.User, ago time.Duration) model.User { u.Created = now.Add(-ago); return u }
	policy := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, UnmanagedGracePeriod: 7 * 24 * time.Hour}
	want := state(users(with(du(a), func(u *model.User) { u.OrgRole = "admin" })), dt("ml", model.Additive, dm(a, "")))
	have := func(us ...model.User) model.State {
		return state(append(users(with(lu("ua", a), func(u *model.User) { u.OrgRole = "admin" })), us...), lt("g", "ml", lm("ua", a, "")))
	}
	member := func(u model.User) model.User { u.OrgRole = "member"; return u }
	unreadable := func(u model.User) model.User { u.CreatedUnreadable = true; return u }
	for _, tc := range []struct {
		name   string
		user   model.User
		policy model.Policy
		now    time.Time
		spared bool
	}{
		{"created a day ago: spared", created(member(lu("un", "new@x.com")), 24*time.Hour), policy, now, true},
		{"created in the future (clock skew): spared", created(member(lu("un", "new@x.com")), -time.Hour), policy, now, true},
		{"created 8 days ago: deactivated", created(member(lu("un", "new@x.com")), 8*24*time.Hour), policy, now, false},
		{"created exactly 7 days ago: the grace is over", created(member(lu("un", "new@x.com")), 7*24*time.Hour), policy, now, false},
		{"no creation time: no grace", member(lu("un", "new@x.com")), policy, now, false},
		{"grace 0: disabled", created(member(lu("un", "new@x.com")), time.Hour), model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, now, false},
		{"no Now: no grace", created(member(lu("un", "new@x.com")), time.Hour), policy, time.Time{}, false},
		{"a creation date that is not a date: age unknown, spared", unreadable(member(lu("un", "new@x.com"))), policy, now, true},
		{"a creation date that is not a date, grace 0: deactivated", unreadable(member(lu("un", "new@x.com"))), model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, now, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Compute(want, have(tc.user), tc.policy, Options{Deployment: model.Dedicated, Now: tc.now})
			deactivated := len(p.Changes) == 1 && p.Changes[0].Action == plan.DeactivateUser
			var recent []plan.Warning
			for _, w := range p.Warnings {
				if w.Code == plan.WarnUnmanagedRecent {
					recent = append(recent, w)
				}
			}
			if tc.spared == deactivated || tc.spared != (len(recent) == 1) {
				t.Fatalf("spared %v: changes %+v, warnings %+v", tc.spared, p.Changes, p.Warnings)
			}
			if tc.spared && tc.user.CreatedUnreadable {
				if w := recent[0]; w.User != "new@x.com" || !strings.Contains(w.Message, "not a date") {
					t.Errorf("warning %+v should name the user and say its date could not be read", w)
				}
			} else if tc.spared {
				until := tc.user.Created.Add(7 * 24 * time.Hour).Format(time.RFC3339)
				if w := recent[0]; w.User != "new@x.com" || len(w.IDs) != 1 || !strings.Contains(w.Message, "7d") || !strings.Contains(w.Message, until) {
					t.Errorf("warning %+v should name the user, the grace and when it ends (%s)", w, until)
				}
			}
		})
	}
	// A protected recent user is protected, not spared by the grace.
	pol := policy
	pol.Protected = []string{"new@x.com"}
	p := Compute(want, have(created(member(lu("un", "new@x.com")), time.Hour)), pol, Options{Deployment: model.Dedicated, Now: now})
	if len(p.Changes) != 0 || len(p.Warnings) != 1 || p.Warnings[0].Code != plan.WarnProtected {
		t.Errorf("protected recent user: changes %+v, warnings %+v", p.Changes, p.Warnings)
	}
}

func TestComputeSeats(t *testing.T) {
	a, b, c, d := "a@x.com", "b@x.com", "c@x.com", "d@x.com"
	inactive := func(u model.User) model.User { u.Active = false; return u }
	want := state(users(du(a), du(b), inactive(du(c)), du("new@x.com")), dt("ml", model.Additive, dm(a, ""), dm(b, ""), dm("new@x.com", "")))
	have := state(users(lu("ua", a), inactive(lu("ub", b)), lu("uc", c), lu("ud", d)), lt("g", "ml", lm("ua", a, ""), lm("ub", b, "")))
	for _, tc := range []struct {
		dep    model.Deployment
		policy model.Policy
		want   plan.Seats
	}{
		// a stays, b is reactivated (saas: invited again), c is
		// deactivated, d is unmanaged, new@x.com is created.
		{model.Dedicated, ignorePolicy, plan.Seats{ActiveBefore: 3, ActiveAfter: 4}},
		{model.SaaS, ignorePolicy, plan.Seats{ActiveBefore: 3, ActiveAfter: 4}},
		{model.Dedicated, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, MaxDeactivations: model.Limit{Set: true}}, plan.Seats{ActiveBefore: 3, ActiveAfter: 3}},
	} {
		p := Compute(want, have, tc.policy, Options{Deployment: tc.dep})
		if p.Seats != tc.want {
			t.Errorf("%s %s: seats %+v, want %+v (blocked %v)", tc.dep, tc.policy.UnmanagedUsers, p.Seats, tc.want, p.IsBlocked())
		}
	}
}

// TestComputeCreatedUnreported: when no live user carries meta.created,
// the grace period spares no one, and the plan says so once, counting the
// unmanaged users it deactivates regardless.
func TestComputeCreatedUnreported(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	a := "a@x.com"
	grace := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, UnmanagedGracePeriod: 7 * 24 * time.Hour}
	want := state(users(du(a)), dt("ml", model.Additive, dm(a, "")))
	live := func(f func(*model.User)) model.State {
		return state(users(lu("ua", a), lu("ub", "b@x.com"), with(lu("uc", "c@x.com"), f)), lt("g", "ml", lm("ua", a, "")))
	}
	none := func(*model.User) {}
	for _, tc := range []struct {
		name   string
		have   model.State
		policy model.Policy
		now    time.Time
		count  int // 0: no created_unreported warning
	}{
		{"no user carries meta.created: both deactivated, one warning", live(none), grace, now, 2},
		{"the other unmanaged user carries an old one: deactivated too, the dateless one counted", live(func(u *model.User) { u.Created = now.Add(-30 * 24 * time.Hour) }), grace, now, 1},
		{"an unreadable date spares its user; the dateless one is counted", live(func(u *model.User) { u.CreatedUnreadable = true }), grace, now, 1},
		{"grace 0: nothing to spare", live(none), model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, now, 0},
		{"no Now: no grace asked", live(none), grace, time.Time{}, 0},
		{"protected users are not counted", live(none), with2(grace, func(p *model.Policy) { p.Protected = []string{"b@x.com"} }), now, 1},
		{"unmanagedUsers: ignore", live(none), model.Policy{UnmanagedUsers: model.UnmanagedIgnore, UnmanagedGracePeriod: time.Hour}, now, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Compute(want, tc.have, tc.policy, Options{Deployment: model.Dedicated, Now: tc.now})
			var got []plan.Warning
			for _, w := range p.Warnings {
				if w.Code == plan.WarnCreatedUnreported {
					got = append(got, w)
				}
			}
			if tc.count == 0 {
				if len(got) != 0 {
					t.Fatalf("warnings %+v: want no created_unreported", got)
				}
				return
			}
			if len(got) != 1 || got[0].Count != tc.count || !strings.Contains(got[0].Message, "7d") || !strings.Contains(got[0].Message, "meta.created") {
				t.Fatalf("warnings %+v: want one created_unreported counting %d, naming meta.created and the grace", p.Warnings, tc.count)
			}
		})
	}
}

func with2(p model.Policy, f func(*model.Policy)) model.Policy { f(&p); return p }

// TestComputeLastAdminPartialRoles: a read that reports organization roles
// for some users but shows no active admin (W&B always has one: its role is
// the one not reported) cannot see an admin being deactivated: a plan that
// deactivates a user whose role it does not report is blocked (lastAdmin),
// unless the manifest names an admin it keeps, or protects the user.
// Deactivating users whose roles are reported (not admins) is not.
func TestComputeLastAdminPartialRoles(t *testing.T) {
	b, c := "b@x.com", "c@x.com"
	role := func(r model.Role) func(*model.User) { return func(u *model.User) { u.OrgRole = r } }
	want := state(users(du(b), du(c)), dt("ml", model.Additive, dm(b, ""), dm(c, "")))
	deact := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}
	partial := state(users(lu("ua", "boss@x.com"), with(lu("ub", b), role("member")), lu("uc", c)), lt("g", "ml", lm("ub", b, ""), lm("uc", c, "")))
	// Marked: apply holds it back while a promotion the check counted on
	// is not done.
	gone := []plan.Change{{Action: plan.DeactivateUser, User: "boss@x.com", UserID: "ua", Reason: reasonUnmanaged, From: plan.RoleUnreported}}
	runCompute(t, []computeCase{
		{
			name:    "the admin's role is not reported: blocked",
			policy:  deact,
			want:    want,
			have:    partial,
			changes: gone,
			blocked: []plan.BlockLimit{plan.BlockLastAdmin},
		},
		{
			name:     "the manifest declares admin a user it keeps whose role is unreported too: not blocked, on its word (warned)",
			policy:   deact,
			want:     state(users(du(b), with(du(c), role("admin"))), dt("ml", model.Additive, dm(b, ""), dm(c, ""))),
			have:     partial,
			changes:  gone,
			warnings: []plan.Warning{{Code: plan.WarnLastAdmin}, {Code: plan.WarnRolesUnreported, Count: 1}}, // c's declaration cannot be checked
		},
		{
			name:     "the manifest declares admin a user it reactivates (no active admin today): still blocked",
			policy:   deact,
			want:     state(users(du(b), with(du(c), role("admin"))), dt("ml", model.Additive, dm(b, ""), dm(c, ""))),
			have:     state(users(lu("ua", "boss@x.com"), with(lu("ub", b), role("member")), with(lu("uc", c), func(u *model.User) { u.Active = false })), lt("g", "ml", lm("ub", b, ""), lm("uc", c, ""))),
			changes:  []plan.Change{{Action: plan.ReactivateUser, User: c, UserID: "uc"}, gone[0]},
			warnings: []plan.Warning{{Code: plan.WarnRolesUnreported, Count: 1}},
			blocked:  []plan.BlockLimit{plan.BlockLastAdmin},
		},
		{
			name:   "the plan promotes a member to admin: not blocked, nothing said (apply holds the deactivation until the promotion is done)",
			policy: deact,
			want:   state(users(with(du(b), role("admin")), du(c)), dt("ml", model.Additive, dm(b, ""), dm(c, ""))),
			have:   partial,
			changes: []plan.Change{
				{Action: plan.SetOrgRole, User: b, UserID: "ub", Role: "admin", From: "member"},
				gone[0],
			},
		},
		{
			name:     "the user is protected: not deactivated",
			policy:   model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, Protected: []string{"boss@x.com"}},
			want:     want,
			have:     partial,
			warnings: []plan.Warning{{Code: plan.WarnProtected, User: "boss@x.com"}},
		},
		{
			name:    "every role reported, no admin listed (the key may be a service account's): members deactivated, nothing said",
			policy:  deact,
			want:    want,
			have:    state(users(with(lu("ua", "x@x.com"), role("member")), with(lu("ub", b), role("member")), with(lu("uc", c), role("member"))), lt("g", "ml", lm("ub", b, ""), lm("uc", c, ""))),
			changes: []plan.Change{{Action: plan.DeactivateUser, User: "x@x.com", UserID: "ua", Reason: reasonUnmanaged}},
		},
		{
			name:    "an admin is reported and stays: nothing said",
			policy:  deact,
			want:    want,
			have:    state(users(lu("ua", "x@x.com"), with(lu("ub", b), role("admin")), with(lu("uc", c), role("member"))), lt("g", "ml", lm("ub", b, ""), lm("uc", c, ""))),
			changes: []plan.Change{{Action: plan.DeactivateUser, User: "x@x.com", UserID: "ua", Reason: reasonUnmanaged}},
		},
		{
			// A value W&B does not define is no role: taken as "not an
			// admin", the one admin would be deactivated with nothing said.
			name:    "the admin's role is a value W&B does not define (org_admin): not reported, so blocked",
			policy:  deact,
			want:    want,
			have:    state(users(with(lu("ua", "boss@x.com"), role("org_admin")), with(lu("ub", b), role("member")), lu("uc", c)), lt("g", "ml", lm("ub", b, ""), lm("uc", c, ""))),
			changes: gone,
			blocked: []plan.BlockLimit{plan.BlockLastAdmin},
		},
		{
			name:     "every role a value W&B does not define: as none reported (a warning)",
			policy:   deact,
			want:     want,
			have:     state(users(with(lu("ua", "x@x.com"), role("Owner")), with(lu("ub", b), role("123")), lu("uc", c)), lt("g", "ml", lm("ub", b, ""), lm("uc", c, ""))),
			changes:  []plan.Change{{Action: plan.DeactivateUser, User: "x@x.com", UserID: "ua", Reason: reasonUnmanaged}},
			warnings: []plan.Warning{{Code: plan.WarnLastAdmin}},
		},
		{
			name:     "no role reported at all: a warning, as before",
			policy:   deact,
			want:     want,
			have:     state(users(lu("ua", "x@x.com"), lu("ub", b), lu("uc", c)), lt("g", "ml", lm("ub", b, ""), lm("uc", c, ""))),
			changes:  []plan.Change{{Action: plan.DeactivateUser, User: "x@x.com", UserID: "ua", Reason: reasonUnmanaged}},
			warnings: []plan.Warning{{Code: plan.WarnLastAdmin}},
		},
	})
	p := Compute(want, partial, deact, Options{Deployment: model.Dedicated})
	if len(p.Blocked) != 1 || !strings.Contains(p.Blocked[0].Message, "deactivates 1 user(s) whose role it does not report") || p.Blocked[0].Planned != 1 {
		t.Errorf("blocked %+v: the block should count the deactivation and say why", p.Blocked)
	}
}

// TestComputeOrgRoleNotDefinedByWandB: a live organizationRole W&B does
// not define ("org_admin") is not reported: a declared role is not planned
// as a change from it (the last-admin guard could not count a demotion
// "from org_admin"), but counted unchecked and, under enforce, asserted.
func TestComputeOrgRoleNotDefinedByWandB(t *testing.T) {
	b := "b@x.com"
	role := func(r model.Role) func(*model.User) { return func(u *model.User) { u.OrgRole = r } }
	have := state(users(with(lu("ua", "boss@x.com"), role("org_admin")), with(lu("ub", b), role("admin"))), lt("g", "ml", lm("ua", "boss@x.com", ""), lm("ub", b, "")))
	want := func(r model.Role) model.State {
		return state(users(with(du("boss@x.com"), role(r)), du(b)), dt("ml", model.Additive, dm("boss@x.com", ""), dm(b, "")))
	}
	var cases []computeCase
	for _, declared := range []model.Role{model.RoleMember, model.RoleAdmin} {
		// skip: nothing sent, the declaration unchecked. enforce: an
		// unverified assertion (a member one is not blocked: the reported
		// admin stays).
		cases = append(cases, computeCase{
			name:     "declared " + string(declared) + ", skip",
			want:     want(declared),
			have:     have,
			warnings: []plan.Warning{{Code: plan.WarnRolesUnreported, Count: 1}},
		}, computeCase{
			name:     "declared " + string(declared) + ", enforce",
			policy:   model.Policy{UnreportedRoles: model.RolesEnforce},
			want:     want(declared),
			have:     have,
			changes:  []plan.Change{{Action: plan.SetOrgRole, User: "boss@x.com", UserID: "ua", Role: declared, Reason: plan.ReasonUnverified}},
			warnings: []plan.Warning{{Code: plan.WarnRolesUnreported, Count: 1}},
		})
	}
	runCompute(t, cases)
}

// TestLastAdminReactivatedNamed: a plan that deactivates the only active
// admin while it reactivates a user the read shows as admin is blocked
// (the reactivated account's role is known only once read again), and the
// block says that the reactivation was not counted, and what to do; one
// that reactivates no admin does not say so.
func TestLastAdminReactivatedNamed(t *testing.T) {
	a, b := "a@x.com", "b@x.com"
	inactive := func(u *model.User) { u.Active = false }
	role := func(u model.User, r model.Role) model.User { u.OrgRole = r; return u }
	gone := with(du(a), inactive)
	for _, c := range []struct {
		name      string
		bRole     model.Role
		reactives bool
	}{{"admin", "admin", true}, {"member", "member", false}} {
		have := state(users(role(lu("ua", a), "admin"), with(role(lu("ub", b), c.bRole), inactive)), lt("g", "ml", lm("ub", b, "")))
		p := Compute(state(users(gone, du(b)), dt("ml", model.Additive, dm(b, ""))), have, model.Policy{}, Options{Deployment: model.Dedicated})
		if len(p.Blocked) != 1 || p.Blocked[0].Limit != plan.BlockLastAdmin {
			t.Fatalf("%s: blocked %+v, want lastAdmin", c.name, p.Blocked)
		}
		said := strings.Contains(p.Blocked[0].Message, "it reactivates 1 user(s) the read shows as admin, not counted")
		if said != c.reactives {
			t.Errorf("%s: %s", c.name, p.Blocked[0].Message)
		}
	}
}
