package diff

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

func TestComputeTeams(t *testing.T) {
	a, b := "a@x.com", "b@x.com"
	pinned := func(tm model.Team, id string) model.Team { tm.ID = id; return tm }
	runCompute(t, []computeCase{
		{
			name: "duplicate live teams: warned, untouched",
			want: state(users(du(a)), dt("ml", model.Authoritative, dm(a, ""))),
			have: state(users(lu("ua", a), lu("ub", b)), lt("g2", "ml", lm("ub", b, "")), lt("g1", "ml")),
			// a is listed in ml alone, which the plan leaves alone, and is in
			// no live team: it ends in none.
			warnings: []plan.Warning{{Code: plan.WarnDuplicateTeam, Team: "ml", IDs: []string{"g1", "g2"}}, {Code: plan.WarnUnmanagedUser, User: b, IDs: []string{"ub"}},
				{Code: plan.WarnUserWithoutTeam, User: a}},
		},
		{
			// Unless a live team of the name keeps it: it stays there.
			name:     "duplicate live teams, the user in one of them: it stays, not warned",
			want:     state(users(du(a)), dt("ml", model.Authoritative, dm(a, ""))),
			have:     state(users(lu("ua", a)), lt("g2", "ml", lm("ua", a, "")), lt("g1", "ml")),
			warnings: []plan.Warning{{Code: plan.WarnDuplicateTeam, Team: "ml", IDs: []string{"g1", "g2"}}},
		},
		{
			// A name the manifest does not manage is warned of too, once;
			// names that differ only in case are two names.
			name: "duplicate live teams the manifest does not name: warned once",
			want: state(users(du(a)), dt("platform", model.Authoritative, dm(a, ""))),
			have: state(users(lu("ua", a)), lt("g9", "platform", lm("ua", a, "")), lt("g2", "dup"), lt("g1", "dup"), lt("g3", "dup"),
				lt("g4", "x"), lt("g5", "X")),
			warnings: []plan.Warning{{Code: plan.WarnDuplicateTeam, Team: "dup", IDs: []string{"g1", "g2", "g3"}, Unmanaged: true},
				// x and X are not duplicates: each is a team the manifest leaves alone
				{Code: plan.WarnUnmanagedTeam, Team: "X", IDs: []string{"g5"}, Unmanaged: true},
				{Code: plan.WarnUnmanagedTeam, Team: "x", IDs: []string{"g4"}, Unmanaged: true}},
		},
		{
			name:     "duplicate live teams that differ in case from a managed one are warned of",
			want:     state(users(du(a)), dt("ml", model.Authoritative, dm(a, ""))),
			have:     state(users(lu("ua", a)), lt("g1", "ml", lm("ua", a, "")), lt("g3", "ML"), lt("g2", "ML")),
			warnings: []plan.Warning{{Code: plan.WarnDuplicateTeam, Team: "ML", IDs: []string{"g2", "g3"}, Unmanaged: true}},
		},
		{
			name: "live team names that differ only in case: the one the manifest names exactly is managed, the other said",
			want: state(users(du(a)), dt("ml", model.Authoritative, dm(a, ""))),
			have: state(users(lu("ua", a), lu("ub", b)), lt("g2", "ml", lm("ub", b, "")), lt("g1", "ML", lm("ub", b, ""))),
			changes: []plan.Change{
				{Action: plan.AddMember, Team: "ml", TeamID: "g2", User: a, UserID: "ua", Role: "member"},
				{Action: plan.RemoveMember, Team: "ml", TeamID: "g2", User: b, UserID: "ub", Reason: reasonNotManaged},
			},
			warnings: []plan.Warning{
				{Code: plan.WarnTeamNameCase, Team: "ML", IDs: []string{"g1"}, Unmanaged: true},
				{Code: plan.WarnUnmanagedUser, User: b, IDs: []string{"ub"}},
			},
		},
		{
			name: "the manifest pins its ml to the live ML: the live ml, left alone, is said",
			want: state(users(du(a)), func() model.Team { t := dt("ml", model.Additive, dm(a, "")); t.ID = "g1"; return t }()),
			have: state(users(lu("ua", a)), lt("g2", "ml"), lt("g1", "ML", lm("ua", a, ""))),
			warnings: []plan.Warning{
				{Code: plan.WarnTeamNameCase, Team: "ML", IDs: []string{"g1"}},
				{Code: plan.WarnTeamNameCase, Team: "ml", IDs: []string{"g2"}, Unmanaged: true},
			},
		},
		{
			name: "a duplicate of one case variant does not hide another",
			want: state(users(du(a)), dt("ml", model.Additive, dm(a, ""))),
			have: state(users(lu("ua", a)), lt("g1", "ml", lm("ua", a, "")), lt("g2", "ML"), lt("g3", "ML"), lt("g4", "Ml")),
			warnings: []plan.Warning{
				{Code: plan.WarnDuplicateTeam, Team: "ML", IDs: []string{"g2", "g3"}, Unmanaged: true},
				{Code: plan.WarnTeamNameCase, Team: "Ml", IDs: []string{"g4"}, Unmanaged: true},
			},
		},
		{
			name:     "two live ML, one pinned, and a managed ml: the other ML is an unmanaged twin, not a case variant",
			want:     state(users(du(a)), pinnedTeam("ML", "g1", dm(a, "")), pinnedTeam("ml", "g3")),
			have:     state(users(lu("ua", a)), lt("g1", "ML", lm("ua", a, "")), lt("g2", "ML"), lt("g3", "ml")),
			warnings: []plan.Warning{{Code: plan.WarnUnmanagedTeam, Team: "ML", IDs: []string{"g2"}, Unmanaged: true}},
		},
		{
			name:     "the same with the case swapped: the same answer",
			want:     state(users(du(a)), pinnedTeam("ml", "g1", dm(a, "")), pinnedTeam("ML", "g3")),
			have:     state(users(lu("ua", a)), lt("g1", "ml", lm("ua", a, "")), lt("g2", "ml"), lt("g3", "ML")),
			warnings: []plan.Warning{{Code: plan.WarnUnmanagedTeam, Team: "ml", IDs: []string{"g2"}, Unmanaged: true}},
		},
		{
			name: "both live teams named exactly by the manifest: each managed, nothing said of case",
			want: state(users(du(a), du(b)), dt("ml", model.Additive, dm(a, "")), dt("ML", model.Additive, dm(b, ""))),
			have: state(users(lu("ua", a), lu("ub", b)), lt("g2", "ml", lm("ua", a, "")), lt("g1", "ML", lm("ub", b, ""))),
		},
		{
			name: "live team names that differ only in case, none as the manifest writes it: warned, untouched",
			want: state(users(du(a)), dt("Ml", model.Authoritative, dm(a, ""))),
			have: state(users(lu("ua", a), lu("ub", b)), lt("g2", "ml", lm("ub", b, "")), lt("g1", "ML")),
			warnings: []plan.Warning{{Code: plan.WarnDuplicateTeam, Team: "Ml", IDs: []string{"g1", "g2"}}, {Code: plan.WarnUnmanagedUser, User: b, IDs: []string{"ub"}},
				{Code: plan.WarnUserWithoutTeam, User: a}},
		},
		{
			name: "duplicate live teams: the pinned one is managed",
			want: state(users(du(a)), pinned(dt("ml", model.Authoritative, dm(a, "")), "g2")),
			have: state(users(lu("ua", a), lu("ub", b)), lt("g2", "ml", lm("ub", b, "")), lt("g1", "ml")),
			changes: []plan.Change{
				{Action: plan.AddMember, Team: "ml", TeamID: "g2", User: a, UserID: "ua", Role: "member"},
				{Action: plan.RemoveMember, Team: "ml", TeamID: "g2", User: b, UserID: "ub", Reason: reasonNotManaged},
			},
			// The twin the pin did not choose is said: its members keep
			// their access.
			warnings: []plan.Warning{{Code: plan.WarnUnmanagedTeam, Team: "ml", IDs: []string{"g1"}, Unmanaged: true}, {Code: plan.WarnUnmanagedUser, User: b, IDs: []string{"ub"}}},
		},
		{
			name:    "team name differs only in case: live team used, live name in changes",
			want:    state(users(du(a)), dt("ml-Research", model.Authoritative, dm(a, "admin"))),
			have:    state(users(lu("ua", a)), lt("g1", "ML-research")),
			changes: []plan.Change{{Action: plan.AddMember, Team: "ML-research", TeamID: "g1", User: a, UserID: "ua", Role: "admin"}, {Action: plan.SetTeamRole, Team: "ML-research", TeamID: "g1", User: a, UserID: "ua", Role: "admin"}},
			// The read lists a user and reports no role at all: the declared
			// team role cannot be checked.
			warnings: []plan.Warning{{Code: plan.WarnRolesUnreported, Count: 1}, {Code: plan.WarnTeamNameCase, Team: "ML-research", IDs: []string{"g1"}}},
		},
		{
			name:     "pin to a missing id: left alone",
			want:     state(users(du(a)), pinned(dt("ml", model.Authoritative, dm(a, "")), "nope")),
			have:     state(users(lu("ua", a)), lt("g1", "ml")),
			warnings: []plan.Warning{{Code: plan.WarnTeamPinNotFound, Team: "ml", IDs: []string{"nope"}}, {Code: plan.WarnUserWithoutTeam, User: a}},
		},
		{
			// The live teams of the name are not the pin's: said, as when
			// the manifest did not name them.
			name: "pin to a missing id beside two live teams of the name: they are duplicates",
			want: state(users(du(a)), pinned(dt("ml", model.Authoritative, dm(a, "")), "nope")),
			have: state(users(lu("ua", a)), lt("g1", "ml"), lt("g2", "ml")),
			warnings: []plan.Warning{{Code: plan.WarnDuplicateTeam, Team: "ml", IDs: []string{"g1", "g2"}, Unmanaged: true}, {Code: plan.WarnTeamPinNotFound, Team: "ml", IDs: []string{"nope"}},
				{Code: plan.WarnUserWithoutTeam, User: a}},
		},
		{
			name: "pin to a team of another name: left alone",
			want: state(users(du(a)), pinned(dt("ml", model.Authoritative, dm(a, "")), "g1")),
			have: state(users(lu("ua", a), lu("ub", b)), lt("g1", "infra", lm("ub", b, ""))),
			warnings: []plan.Warning{{Code: plan.WarnTeamPinMismatch, Team: "ml", IDs: []string{"g1"}}, {Code: plan.WarnUnmanagedUser, User: b, IDs: []string{"ub"}},
				{Code: plan.WarnUserWithoutTeam, User: a}},
		},
		{
			name:     "protected members are never removed",
			policy:   model.Policy{Protected: []string{"ci@x.com"}},
			want:     state(users(du(a)), dt("ml", model.Authoritative, dm(a, ""))),
			have:     state(users(lu("ua", a), lu("uci", "CI@x.com")), lt("g1", "ml", lm("ua", a, ""), lm("uci", "CI@x.com", ""))),
			warnings: []plan.Warning{{Code: plan.WarnProtected, Team: "ml", User: "CI@x.com"}},
		},
		{
			name: "a deactivated user listed in a team keeps the membership; an unlisted one loses it",
			want: state(users(du(a), with(du(b), func(u *model.User) { u.Active = false })),
				dt("keep", model.Authoritative, dm(a, ""), dm(b, "")), dt("drop", model.Authoritative, dm(a, ""))),
			have: state(users(lu("ua", a), lu("ub", b)),
				lt("g1", "keep", lm("ua", a, ""), lm("ub", b, "")), lt("g2", "drop", lm("ua", a, ""), lm("ub", b, ""))),
			changes: []plan.Change{
				{Action: plan.RemoveMember, Team: "drop", TeamID: "g2", User: b, UserID: "ub", Reason: reasonNotListed},
				{Action: plan.DeactivateUser, User: b, UserID: "ub", Reason: reasonInactive},
			},
			warnings: []plan.Warning{{Code: plan.WarnLastAdmin}},
		},
	})
}

func TestComputeRoles(t *testing.T) {
	a, b := "a@x.com", "b@x.com"
	role := func(u model.User, r model.Role) model.User { u.OrgRole = r; return u }
	runCompute(t, []computeCase{
		{
			name:     "org role set where it differs from a known role; unknown left alone and counted unchecked",
			want:     state(users(role(du(a), "admin"), role(du(b), "admin")), dt("ml", model.Additive, dm(a, ""), dm(b, ""))),
			have:     state(users(role(lu("ua", a), "member"), lu("ub", b)), lt("g", "ml", lm("ua", a, ""), lm("ub", b, ""))),
			changes:  []plan.Change{{Action: plan.SetOrgRole, User: a, UserID: "ua", Role: "admin", From: "member"}},
			warnings: []plan.Warning{{Code: plan.WarnRolesUnreported, Count: 1}},
		},
		{
			name: "new admin: create then set_org_role; new member: nothing",
			want: state(users(role(du(a), "admin"), role(du(b), "member")), dt("ml", model.Additive, dm(a, ""), dm(b, ""))),
			have: state(nil, lt("g", "ml")),
			changes: []plan.Change{
				{Action: plan.CreateUser, User: a},
				{Action: plan.CreateUser, User: b},
				{Action: plan.AddMember, Team: "ml", TeamID: "g", User: a, Role: "member"},
				{Action: plan.AddMember, Team: "ml", TeamID: "g", User: b, Role: "member"},
				{Action: plan.SetOrgRole, User: a, Role: "admin", Reason: reasonNewAdmin},
			},
			// An empty organization reports no role: the two declarations
			// cannot be checked.
			warnings: []plan.Warning{{Code: plan.WarnRolesUnreported, Count: 2}},
		},
		{
			name:     "viewer org role is never set",
			want:     state(users(role(du(a), "viewer")), dt("ml", model.Additive, dm(a, ""))),
			have:     state(users(role(lu("ua", a), "member")), lt("g", "ml", lm("ua", a, ""))),
			warnings: []plan.Warning{{Code: plan.WarnUnsupportedUpdate, User: a}},
		},
		{
			name: "team roles: known and different is set, unknown is counted unchecked, custom is case-sensitive",
			want: state(users(du(a), du(b), du("c@x.com")), dt("ml", model.Additive, dm(a, "ADMIN"), dm(b, "admin"), dm("c@x.com", "Reviewer"))),
			have: state(users(lu("ua", a), lu("ub", b), lu("uc", "c@x.com")),
				lt("g", "ml", lm("ua", a, "member"), lm("ub", b, ""), lm("uc", "c@x.com", "reviewer"))),
			changes: []plan.Change{
				{Action: plan.SetTeamRole, Team: "ml", TeamID: "g", User: a, UserID: "ua", Role: "admin", From: "member"},
				{Action: plan.SetTeamRole, Team: "ml", TeamID: "g", User: "c@x.com", UserID: "uc", Role: "Reviewer", From: "reviewer"},
			},
			warnings: []plan.Warning{{Code: plan.WarnRolesUnreported, Count: 1}},
		},
		{
			name:    "team role read from the user's teamRoles when the member has none",
			want:    state(users(du(a)), dt("ml", model.Additive, dm(a, "member"))),
			have:    state(users(with(lu("ua", a), func(u *model.User) { u.TeamRoles = map[string]model.Role{"ML": "admin"} })), lt("g", "ml", lm("ua", a, ""))),
			changes: []plan.Change{{Action: plan.SetTeamRole, Team: "ml", TeamID: "g", User: a, UserID: "ua", Role: "member", From: "admin"}},
		},
		{
			name:    "last active admin is never deactivated",
			want:    state(users(with(du(a), func(u *model.User) { u.Active = false }), du(b)), dt("ml", model.Additive, dm(b, ""))),
			have:    state(users(role(lu("ua", a), "admin"), role(lu("ub", b), "member")), lt("g", "ml", lm("ub", b, ""))),
			changes: []plan.Change{{Action: plan.DeactivateUser, User: a, UserID: "ua", From: "admin", Reason: reasonInactive}},
			blocked: []plan.BlockLimit{plan.BlockLastAdmin},
		},
		{
			name:    "demoting the last active admin is blocked too",
			want:    state(users(role(du(a), "member")), dt("ml", model.Additive, dm(a, ""))),
			have:    state(users(role(lu("ua", a), "admin"), with(role(lu("ub", b), "admin"), func(u *model.User) { u.Active = false })), lt("g", "ml", lm("ua", a, ""))),
			changes: []plan.Change{{Action: plan.SetOrgRole, User: a, UserID: "ua", Role: "member", From: "admin"}},
			blocked: []plan.BlockLimit{plan.BlockLastAdmin},
		},
		{
			name: "deactivating an admin is fine when another is promoted",
			want: state(users(with(du(a), func(u *model.User) { u.Active = false }), role(du(b), "admin")), dt("ml", model.Additive, dm(b, ""))),
			have: state(users(role(lu("ua", a), "admin"), role(lu("ub", b), "member")), lt("g", "ml", lm("ub", b, ""))),
			changes: []plan.Change{
				{Action: plan.SetOrgRole, User: b, UserID: "ub", Role: "admin", From: "member"},
				{Action: plan.DeactivateUser, User: a, UserID: "ua", From: "admin", Reason: reasonInactive},
			},
		},
	})
}

// limitsState has n live active users (not in the manifest) and one team
// with all of them as members; the manifest keeps a single admin.
func limitsState(n int) (want, have model.State) {
	want = state(users(with(du("admin@x.com"), func(u *model.User) { u.OrgRole = "admin" })),
		dt("all", model.Authoritative, dm("admin@x.com", "")))
	have = state(users(with(lu("u0", "admin@x.com"), func(u *model.User) { u.OrgRole = "admin" })), lt("g", "all", lm("u0", "admin@x.com", "")))
	for i := 1; i <= n; i++ {
		id, e := fmt.Sprintf("u%d", i), fmt.Sprintf("user%03d@x.com", i)
		have.Users = append(have.Users, with(lu(id, e), func(u *model.User) { u.OrgRole = "member" }))
		have.Teams[0].Members = append(have.Teams[0].Members, lm(id, e, ""))
	}
	return want, have
}

func TestComputeLimits(t *testing.T) {
	deact := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}
	for _, tc := range []struct {
		name             string
		n                int
		policy           model.Policy
		maxDeact, maxRem int
		blocked          []plan.BlockLimit
	}{
		{"small org: defaults at least 5 and 10", 5, deact, 5, 10, nil},
		{"6 deactivations over the default 5", 6, deact, 5, 10, []plan.BlockLimit{plan.LimitMaxDeactivations}},
		{"11 removals over the default 10", 11, model.Policy{UnmanagedUsers: model.UnmanagedIgnore}, 5, 10, []plan.BlockLimit{plan.LimitMaxMemberRemovals}},
		{"big org: 10% and 25%", 99, model.Policy{UnmanagedUsers: model.UnmanagedIgnore, MaxMemberRemovals: model.Limit{Set: true, Value: 100}}, 10, 100, nil},
		{"manifest count taken exactly, even below the default", 3, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, MaxDeactivations: model.Limit{Set: true, Value: 2}}, 2, 10, []plan.BlockLimit{plan.LimitMaxDeactivations}},
		{"manifest zero blocks any deactivation", 1, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, MaxDeactivations: model.Limit{Set: true}}, 0, 10, []plan.BlockLimit{plan.LimitMaxDeactivations}},
		// Percentages round down, the default's too: 59 active users
		// allow 5 deactivations, 60 allow 6; 25% of 59 memberships is 14.
		{"10% of 59 active users is 5", 58, model.Policy{UnmanagedUsers: model.UnmanagedIgnore, MaxMemberRemovals: model.Limit{Set: true, Value: 100}}, 5, 100, nil},
		{"10% of 60 active users is 6", 59, model.Policy{UnmanagedUsers: model.UnmanagedIgnore, MaxMemberRemovals: model.Limit{Set: true, Value: 100}}, 6, 100, nil},
		{"a manifest's 25% of 59 memberships is 14", 58, model.Policy{UnmanagedUsers: model.UnmanagedIgnore, MaxMemberRemovals: model.Limit{Set: true, Value: 25, Percent: true}}, 5, 14, []plan.BlockLimit{plan.LimitMaxMemberRemovals}},
		{"manifest percentage", 19, model.Policy{UnmanagedUsers: model.UnmanagedIgnore, MaxMemberRemovals: model.Limit{Set: true, Value: 50, Percent: true}}, 5, 10, []plan.BlockLimit{plan.LimitMaxMemberRemovals}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, have := limitsState(tc.n)
			p := Compute(want, have, tc.policy, Options{Deployment: model.Dedicated})
			if p.Limits.MaxDeactivations != tc.maxDeact || p.Limits.MaxMemberRemovals != tc.maxRem {
				t.Errorf("limits = %d/%d, want %d/%d", p.Limits.MaxDeactivations, p.Limits.MaxMemberRemovals, tc.maxDeact, tc.maxRem)
			}
			var got []plan.BlockLimit
			for _, b := range p.Blocked {
				got = append(got, b.Limit)
				if b.Planned <= b.Allowed {
					t.Errorf("block %s: planned %d not over allowed %d", b.Limit, b.Planned, b.Allowed)
				}
				for _, s := range []string{fmt.Sprint(b.Planned), fmt.Sprint(b.Allowed), fmt.Sprintf("%d over", b.Planned-b.Allowed), "policy.limits." + string(b.Limit)} {
					if !strings.Contains(b.Message, s) {
						t.Errorf("block message %q lacks %q", b.Message, s)
					}
				}
			}
			if !slices.Equal(got, tc.blocked) {
				t.Errorf("blocked = %v, want %v", got, tc.blocked)
			}
			if !p.HasChanges() {
				t.Error("the plan should still list its changes")
			}
		})
	}
}

// user_without_team is for a user the plan leaves in no team: one who
// stays a member of a live team (additive, one the manifest does not
// mention, or as a protected member of an authoritative one) is in a team.
func TestComputeWithoutTeamOnlyWhenInNone(t *testing.T) {
	a, b := "a@x.com", "b@x.com"
	live := func(name string) model.State {
		return state(users(lu("ua", a), lu("ub", b)), lt("g", name, lm("ua", a, ""), lm("ub", b, "")))
	}
	runCompute(t, []computeCase{
		{
			name: "an additive team keeps b",
			want: state(users(du(a), du(b)), dt("ml", model.Additive, dm(a, ""))),
			have: live("ml"),
		},
		{
			name: "b stays in a live team the manifest does not mention",
			want: state(users(du(a), du(b)), dt("cv", model.Authoritative, dm(a, ""))),
			have: live("ml"),
			changes: []plan.Change{
				{Action: plan.CreateTeam, Team: "cv"},
				{Action: plan.AddMember, Team: "cv", User: a, UserID: "ua", Role: model.RoleMember},
			},
			// ml (renamed cv in the manifest) keeps its members: said
			warnings: []plan.Warning{{Code: plan.WarnUnmanagedTeam, Team: "ml", IDs: []string{"g"}, Count: 2, Unmanaged: true}},
		},
		{
			// A member of a managed team whose id is that of the live
			// team the manifest dropped (a nested group): the team is
			// still said.
			name: "a dropped team nested in a managed one is still said",
			want: state(users(du(a), du(b)), dt("cv", model.Authoritative, dm(a, ""))),
			have: state(users(lu("ua", a), lu("ub", b)), lt("g", "cv", lm("ua", a, ""), model.Member{UserID: "old"}), lt("old", "legacy", lm("ub", b, ""))),
			warnings: []plan.Warning{
				{Code: plan.WarnUnmanagedTeam, Team: "legacy", IDs: []string{"old"}, Count: 1, Unmanaged: true},
				{Code: plan.WarnUnresolvedMember, Team: "cv", IDs: []string{"old"}},
			},
		},
		{
			name:   "a protected b is not removed from an authoritative team",
			policy: model.Policy{UnmanagedUsers: model.UnmanagedIgnore, Protected: []string{b}},
			want:   state(users(du(a), du(b)), dt("ml", model.Authoritative, dm(a, ""))),
			have:   live("ml"),
			warnings: []plan.Warning{
				{Code: plan.WarnProtected, Team: "ml", User: b},
			},
		},
		{
			name: "removed from its only team, b is in none",
			want: state(users(du(a), du(b)), dt("ml", model.Authoritative, dm(a, ""))),
			have: live("ml"),
			changes: []plan.Change{
				{Action: plan.RemoveMember, Team: "ml", TeamID: "g", User: b, UserID: "ub", Reason: reasonNotListed},
			},
			warnings: []plan.Warning{{Code: plan.WarnUserWithoutTeam, User: b}},
		},
	})
}

// The last-admin block says what the plan does to the admins, and offers
// policy.protected only for a deactivation: it spares no role change.
func TestLastAdminAdvice(t *testing.T) {
	a, b := "a@x.com", "b@x.com"
	off := func(u model.User) model.User { u.Active = false; return u }
	role := func(u model.User, r model.Role) model.User { u.OrgRole = r; return u }
	cases := []struct {
		name      string
		want      model.State
		says, not string
	}{
		{"deactivated", state(users(off(du(a)), off(du(b)))), "deactivates 2 of the 2", "does not stop"},
		{"demoted", state(users(role(du(a), "member"), role(du(b), "member"))), "demotes 2 of the 2", "add it to policy.protected"},
		{"both", state(users(off(du(a)), role(du(b), "member"))), "deactivates 1 and demotes 1 of the 2", ""},
	}
	for _, tc := range cases {
		have := state(users(role(lu("ua", a), "admin"), role(lu("ub", b), "admin")))
		p := Compute(tc.want, have, ignorePolicy, Options{})
		if len(p.Blocked) != 1 || p.Blocked[0].Limit != plan.BlockLastAdmin {
			t.Fatalf("%s: blocked %+v", tc.name, p.Blocked)
		}
		msg := p.Blocked[0].Message
		if !strings.Contains(msg, tc.says) || tc.not != "" && strings.Contains(msg, tc.not) {
			t.Errorf("%s: %q should say %q and not %q", tc.name, msg, tc.says, tc.not)
		}
	}
}

// TestBlockedDeactivationsNameUnmanaged: a deactivation limit a plan
// passes through unmanagedUsers: deactivate (a first run, most likely)
// says how many of its deactivations that policy makes, and where to start.
func TestBlockedDeactivationsNameUnmanaged(t *testing.T) {
	want, have := limitsState(7)
	// One of the seven is declared inactive: a deactivation the manifest asks for.
	want.Users = append(want.Users, with(du("user001@x.com"), func(u *model.User) { u.Active = false }))
	p := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, Options{Deployment: model.Dedicated})
	if len(p.Blocked) != 1 || !strings.Contains(p.Blocked[0].Message, "(6 of the 7 are live users the manifest does not list, deactivated by unmanagedUsers: deactivate: 'wbsync export'") {
		t.Fatalf("blocked = %+v", p.Blocked)
	}
	// Deactivations the manifest asks for alone: no such note.
	want, have = limitsState(7)
	for i := 1; i <= 7; i++ {
		want.Users = append(want.Users, with(du(fmt.Sprintf("user%03d@x.com", i)), func(u *model.User) { u.Active = false }))
	}
	p = Compute(want, have, model.Policy{}, Options{Deployment: model.Dedicated})
	if len(p.Blocked) != 1 || strings.Contains(p.Blocked[0].Message, "unmanagedUsers") {
		t.Fatalf("blocked = %+v", p.Blocked)
	}
}

// TestBlockedRemovalsNameDeactivated: a removal limit the removals of
// users the plan deactivates pass says how many of them those are; a plan
// whose removals are of users who stay says nothing of it.
func TestBlockedRemovalsNameDeactivated(t *testing.T) {
	want, have := limitsState(12)
	policy := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, MaxDeactivations: model.Limit{Set: true, Value: 100}}
	p := Compute(want, have, policy, Options{Deployment: model.SaaS})
	if len(p.Blocked) != 1 || p.Blocked[0].Limit != plan.LimitMaxMemberRemovals ||
		!strings.HasSuffix(p.Blocked[0].Message, "(all 12 are removals of the 12 user(s) the plan deactivates, from their teams)") {
		t.Fatalf("blocked = %+v", p.Blocked)
	}
	// One more deactivated (active: false in the manifest), in no team:
	// the note counts the users with removals, of all deactivated.
	want, have = limitsState(12)
	want.Users = append(want.Users, with(du("solo@x.com"), func(u *model.User) { u.Active = false }))
	have.Users = append(have.Users, lu("us", "solo@x.com"))
	p = Compute(want, have, policy, Options{Deployment: model.SaaS})
	if len(p.Blocked) != 1 || !strings.HasSuffix(p.Blocked[0].Message, "(all 12 are removals of 12 of the 13 user(s) the plan deactivates, from their teams)") {
		t.Fatalf("blocked = %+v", p.Blocked)
	}
	// The users listed, active, in no team: removed, not deactivated.
	want, have = limitsState(12)
	for i := 1; i <= 12; i++ {
		want.Users = append(want.Users, du(fmt.Sprintf("user%03d@x.com", i)))
	}
	p = Compute(want, have, model.Policy{}, Options{Deployment: model.SaaS})
	if len(p.Blocked) != 1 || strings.Contains(p.Blocked[0].Message, "deactivates") {
		t.Fatalf("blocked = %+v", p.Blocked)
	}
}

// TestUnsupportedUpdateAdvice: on Multi-tenant Cloud the warning for what
// cannot be updated gives advice the manifest can follow (email: is
// required, so it is never "drop them"), and names a live user without
// email as such, not as (live "").
func TestUnsupportedUpdateAdvice(t *testing.T) {
	want := state(users(
		with(du("ne@example.com"), func(u *model.User) { u.DisplayName = "Ne" }),
		with(du("bob@example.com"), func(u *model.User) { u.UserName = "bob"; u.DisplayName = "Bob" }),
		du("c@example.com")))
	have := state(users(
		with(lu("u1", "ne@example.com"), func(u *model.User) { u.Email, u.Emails, u.DisplayName = "", nil, "Ne" }),
		with(lu("u2", "bob@old.example.com"), func(u *model.User) { u.UserName, u.DisplayName = "bob", "Robert" }),
		lu("u3", "c@example.com")))
	p := Compute(want, have, model.Policy{}, Options{Deployment: model.SaaS})
	got := map[string]string{}
	for _, w := range p.Warnings {
		if w.Code == plan.WarnUnsupportedUpdate {
			got[w.User] = w.Message
		}
	}
	for user, says := range map[string]string{
		"ne@example.com":  `the manifest sets email "ne@example.com" (the live user has none), but W&B Multi-tenant Cloud cannot update it through SCIM; the user can change it in their own W&B profile (on Multi-tenant Cloud the account is the person's, not the organization's)`,
		"bob@example.com": `the manifest sets displayName "Bob" (live "Robert") and email "bob@example.com" (live "bob@old.example.com"), but W&B Multi-tenant Cloud cannot update these through SCIM; drop name: from the manifest and write email: "bob@old.example.com" (the live one) in the manifest; or the user can change them in their own W&B profile (on Multi-tenant Cloud the account is the person's, not the organization's)`,
	} {
		if !strings.Contains(got[user], says) {
			t.Errorf("%s: %q, want it to say %q", user, got[user], says)
		}
	}
	if strings.Contains(got["ne@example.com"], "write email") {
		t.Errorf("advice to write a live email the user does not have: %q", got["ne@example.com"])
	}
}

// TestUnsupportedUsernameAdvice: a username: the live user matched by
// email does not have is never changed; on Dedicated the advice offers
// W&B or the manifest, on Multi-tenant Cloud (the handle is the person's
// own) the manifest only.
func TestUnsupportedUsernameAdvice(t *testing.T) {
	want := state(users(with(du("zed@x.com"), func(u *model.User) { u.UserName = "zed" })))
	have := state(users(with(lu("u1", "zed@x.com"), func(u *model.User) { u.UserName = "zed-ai" })))
	for dep, says := range map[model.Deployment]string{
		model.Dedicated: `wbsync never changes a userName; change it in W&B, or set username: zed-ai`,
		model.SaaS:      `wbsync never changes a userName; on Multi-tenant Cloud it is the person's own W&B handle: set username: zed-ai`,
	} {
		p := Compute(want, have, model.Policy{}, Options{Deployment: dep})
		i := slices.IndexFunc(p.Warnings, func(w plan.Warning) bool { return w.Code == plan.WarnUnsupportedUpdate })
		if i < 0 || !strings.HasSuffix(p.Warnings[i].Message, says) {
			t.Errorf("%s: warnings %+v, want one ending %q", dep, p.Warnings, says)
		}
	}
}

// TestEmailHandover: on Dedicated, an email update that takes the email
// another planned update gives up is said (the order of two requests
// decides whether W&B refuses it), and updates that go round (a swap) are
// said to never complete; unrelated updates say nothing.
func TestEmailHandover(t *testing.T) {
	byHandle := func(email, handle string) model.User {
		return with(du(email), func(u *model.User) { u.UserName = handle })
	}
	live := func(id, email, handle string) model.User {
		return with(lu(id, email), func(u *model.User) { u.UserName = handle })
	}
	// a takes b's email, b takes a new one (a chain); c and d swap; e moves alone.
	want := state(users(byHandle("b@x.com", "a"), byHandle("b2@x.com", "b"),
		byHandle("d@x.com", "c"), byHandle("c@x.com", "d"), byHandle("e2@x.com", "e")))
	have := state(users(live("ua", "a@x.com", "a"), live("ub", "b@x.com", "b"),
		live("uc", "c@x.com", "c"), live("ud", "d@x.com", "d"), live("ue", "e@x.com", "e")))
	p := Compute(want, have, model.Policy{}, Options{Deployment: model.Dedicated})
	got := map[string]string{}
	for _, w := range p.Warnings {
		if w.Code == plan.WarnEmailHandover {
			got[w.User] = w.Message
		}
	}
	if len(got) != 3 {
		t.Fatalf("email_handover warnings: %v", got)
	}
	if !strings.Contains(got["b@x.com"], `a (a@x.com) takes the email b@x.com, which b (b@x.com) gives up in its own update`) ||
		!strings.Contains(got["b@x.com"], "so apply sends this update once that one is done") {
		t.Errorf("chain: %q", got["b@x.com"])
	}
	// The changes are in the order apply sends them: the giver's update
	// before the taker's, though the taker's (m@x.com) sorts first.
	chain := Compute(state(users(byHandle("m@x.com", "a"), byHandle("z@x.com", "b"), byHandle("k2@x.com", "k"))),
		state(users(live("ua", "a@x.com", "a"), live("ub", "m@x.com", "b"), live("uk", "k@x.com", "k"))),
		model.Policy{}, Options{Deployment: model.Dedicated})
	var updates []string
	for _, c := range chain.Changes {
		if c.Action == plan.UpdateUser {
			updates = append(updates, c.User)
		}
	}
	if want := []string{"k2@x.com", "z@x.com", "m@x.com"}; !slices.Equal(updates, want) {
		t.Errorf("update order %v, want %v (the giver's before the taker's, the rest as sorted)", updates, want)
	}
	for _, u := range []string{"d@x.com", "c@x.com"} {
		if !strings.Contains(got[u], "go round (") || !strings.Contains(got[u], "none completes") {
			t.Errorf("swap, %s: %q", u, got[u])
		}
	}
	// f waits for g, which waits for h and i, which swap: f is stuck too.
	want = state(users(byHandle("g@x.com", "f"), byHandle("h@x.com", "g"), byHandle("i@x.com", "h"), byHandle("h2@x.com", "i")))
	have = state(users(live("uf", "f@x.com", "f"), live("ug", "g@x.com", "g"), live("uh", "h@x.com", "h"), live("ui", "i@x.com", "i")))
	want.Users[3].Email = "h@x.com" // i takes h's email while h takes i's
	p2 := Compute(want, have, model.Policy{}, Options{Deployment: model.Dedicated})
	stuck := ""
	for _, w := range p2.Warnings {
		if w.Code == plan.WarnEmailHandover && w.User == "g@x.com" {
			stuck = w.Message
		}
	}
	if !strings.Contains(stuck, "waits in turn for updates that go round (h (h@x.com) → i (i@x.com) → h (h@x.com))") {
		t.Errorf("f, stuck behind a swap: %q", stuck)
	}
	// Two live users give up one email in two letter cases (W&B refuses
	// that state; an emulator seeds it): the warning names the update
	// apply waits for (plan.EmailGivers), whichever order they come in.
	for _, order := range [][2]string{{"Sam@x.com", "sam@x.com"}, {"sam@x.com", "Sam@x.com"}} {
		tie := Compute(state(users(byHandle("a2@x.com", "a"), byHandle("b2@x.com", "b"), byHandle("sam@x.com", "c"))),
			state(users(live("ua", order[0], "a"), live("ub", order[1], "b"), live("uc", "c@x.com", "c"))),
			model.Policy{}, Options{Deployment: model.Dedicated})
		g := plan.EmailGivers(tie.Changes)
		taker := slices.IndexFunc(tie.Changes, func(c plan.Change) bool { return c.User == "sam@x.com" })
		if taker < 0 || g[taker] < 0 {
			t.Fatalf("%v: the taker waits for %v in %+v", order, g, tie.Changes)
		}
		giver := tie.Changes[g[taker]]
		handle := strings.TrimPrefix(giver.UserID, "u") // ua's handle is a
		says := messages(tie, plan.WarnEmailHandover)
		if len(says) != 1 || !strings.Contains(says[0], "which "+handle+" ("+giver.FromEmail+") gives up in its own update") {
			t.Errorf("%v: apply waits for %s (%s); the warning: %q", order, handle, giver.FromEmail, says)
		}
	}
	// Multi-tenant Cloud plans no email update: nothing to hand over.
	p = Compute(want, have, model.Policy{}, Options{Deployment: model.SaaS})
	for _, w := range p.Warnings {
		if w.Code == plan.WarnEmailHandover {
			t.Errorf("saas: %v", w)
		}
	}
}

// TestPossibleRenameByUserName: a manifest user with a username: whose
// email is, in full, the userName of a live account holding another email
// is created beside it; possible_rename says so (it compared emails'
// local parts only, so the old account was deactivated without a word).
func TestPossibleRenameByUserName(t *testing.T) {
	want := state(users(with(du("bob@example.com"), func(u *model.User) { u.UserName = "bob" }), du("a@example.com")))
	have := state(users(with(lu("u1", "robert@example.com"), func(u *model.User) { u.UserName = "bob@example.com" }), lu("u2", "a@example.com")))
	p := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, Options{Deployment: model.Dedicated})
	got := messages(p, plan.WarnPossibleRename)
	if len(got) != 1 || !strings.Contains(got[0], `has the userName "bob@example.com", this user's email`) ||
		!strings.Contains(got[0], `set username: "bob@example.com" on the manifest entry`) {
		t.Fatalf("possible_rename warnings: %q", got)
	}
	// The userName that is the create's whole email wins over another
	// account sharing only the part before the @ (bob@other.com).
	have2 := have
	have2.Users = append(append([]model.User(nil), have.Users...), lu("u9", "bob@other.com"))
	p = Compute(want, have2, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, Options{Deployment: model.Dedicated})
	got = messages(p, plan.WarnPossibleRename)
	if len(got) != 1 || !strings.Contains(got[0], `has the userName "bob@example.com"`) {
		t.Fatalf("possible_rename warnings beside bob@other.com: %q", got)
	}
	// A create paired by its userName is in no second warning, though its
	// name pairs it with another account (two would give contradictory
	// username: advice).
	want.Users[0].DisplayName = "Bob B"
	have.Users = append(have.Users, with(lu("u3", "bb@other.example.com"), func(u *model.User) { u.DisplayName = "Bob B" }))
	p = Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, Options{Deployment: model.Dedicated})
	got = messages(p, plan.WarnPossibleRename)
	if len(got) != 1 || !strings.Contains(got[0], `has the userName "bob@example.com"`) {
		t.Fatalf("possible_rename warnings: %q", got)
	}
}

// TestEmailKeptByManifestUser: an email update taking the email of a
// manifest user whose own email the plan does not change (here one it
// deactivates) is refused on every apply: said.
func TestEmailKeptByManifestUser(t *testing.T) {
	a := with(du("b@x.com"), func(u *model.User) { u.UserName = "a" })
	b := with(du("b2@x.com"), func(u *model.User) { u.UserName = "b"; u.Active = false })
	have := state(users(with(lu("ua", "a@x.com"), func(u *model.User) { u.UserName = "a" }),
		with(lu("ub", "b@x.com"), func(u *model.User) { u.UserName = "b" })))
	p := Compute(state(users(a, b)), have, model.Policy{}, Options{Deployment: model.Dedicated})
	got := messages(p, plan.WarnEmailHandover)
	if len(got) != 1 || !strings.Contains(got[0], "a (a@x.com) takes the email b@x.com, which b (b@x.com), in the manifest, holds and keeps") ||
		!strings.Contains(got[0], "refused (409) on every apply") {
		t.Fatalf("email_handover: %q", got)
	}
}

// messages are the messages of p's warnings of code, in order.
func messages(p plan.Plan, code plan.WarningCode) []string {
	var out []string
	for _, w := range p.Warnings {
		if w.Code == code {
			out = append(out, w.Message)
		}
	}
	return out
}

// TestUnmanagedTeamWithEdgeSpaces: a live team named with a space at an
// end is to be listed trimmed, the manifest's form; when another live team
// answers to that trimmed name, the hint says to pin the id, since the
// trimmed name alone would manage the other team.
func TestUnmanagedTeamWithEdgeSpaces(t *testing.T) {
	hint := func(have model.State, id string) string {
		t.Helper()
		p := Compute(state(users()), have, model.Policy{}, Options{Deployment: model.Dedicated})
		for _, w := range p.Warnings {
			if w.Code == plan.WarnUnmanagedTeam && slices.Contains(w.IDs, id) {
				return w.Message
			}
		}
		t.Fatalf("no unmanaged_team warning for %s: %+v", id, p.Warnings)
		return ""
	}
	alone := hint(state(users(), lt("g3", "t ")), "g3")
	if !strings.Contains(alone, "list it (as t: a manifest name has no space at either end, and matches this one)") {
		t.Errorf("alone: %s", alone)
	}
	for _, other := range []string{"t", "T"} {
		got := hint(state(users(), lt("g1", other), lt("g3", "t ")), "g3")
		want := fmt.Sprintf("list it as t with id: g3 (a manifest name has no space at either end, and live team %s (id g1) answers to t too: without the id the manifest would manage that one)", other)
		if !strings.Contains(got, want) {
			t.Errorf("beside %q: %s\nwant %s", other, got, want)
		}
	}
}

// TestUnmanagedHolderOfAListedEmailSpared: under unmanagedUsers:
// deactivate, an active account whose primary email the manifest lists
// for an active user matched to another account (by username; the emails
// differ in case) is not deactivated, since the manifest may mean it and
// cannot list both: the email_elsewhere warning says so and what to do.
// policy.protected still speaks first; an account holding such an email
// only as a secondary one, or one the manifest's entry deactivates
// (active: false), is deactivated; so is one holding no listed email. On
// Multi-tenant Cloud as on Dedicated.
func TestUnmanagedHolderOfAListedEmailSpared(t *testing.T) {
	alice := with(du("alice@x.com"), func(u *model.User) { u.UserName = "alice-sso" })
	have := state(users(
		model.User{ID: "ua", UserName: "alice-sso", Email: "ALICE@x.com", Active: true},
		model.User{ID: "ub", UserName: "alice-old", Email: "alice@x.com", Active: true},
		model.User{ID: "ud", UserName: "bob", Email: "bob@x.com", Emails: []string{"bob@x.com", "oncall@x.com"}, Active: true},
		lu("uo", "oncall@x.com"),
		lu("uc", "carol@x.com")))
	deactivated := func(p plan.Plan) []string {
		var ids []string
		for _, c := range p.Changes {
			if c.Action == plan.DeactivateUser {
				ids = append(ids, c.UserID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	deactivate := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}
	for _, dep := range []model.Deployment{model.Dedicated, model.SaaS} {
		p := Compute(state(users(alice, du("oncall@x.com"))), have, deactivate, Options{Deployment: dep})
		if got := deactivated(p); !slices.Equal(got, []string{"uc", "ud"}) {
			t.Errorf("%s: deactivated %v, want uc and ud (bob holds oncall@x.com as a secondary email only)", dep, got)
		}
		found := false
		for _, w := range p.Warnings {
			found = found || w.Code == plan.WarnEmailElsewhere && slices.Contains(w.IDs, "ub") &&
				strings.Contains(w.Message, "is treated as not in the manifest, and not deactivated (unmanagedUsers: deactivate), as the manifest may mean it")
		}
		if !found {
			t.Errorf("%s: no email_elsewhere warning sparing ub: %+v", dep, p.Warnings)
		}
		// Created within the grace period: spared the same, said once as
		// that, not as a deactivation due at the period's end.
		now := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
		recent := state(users(
			model.User{ID: "ua", UserName: "alice-sso", Email: "ALICE@x.com", Active: true},
			model.User{ID: "ub", UserName: "alice-old", Email: "alice@x.com", Active: true, Created: now.Add(-time.Hour)}))
		graced := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, UnmanagedGracePeriod: 7 * 24 * time.Hour}
		p = Compute(state(users(alice)), recent, graced, Options{Deployment: dep, Now: now})
		spared := 0
		for _, w := range p.Warnings {
			if w.Code == plan.WarnUnmanagedRecent {
				t.Errorf("%s: ub within its grace period: %s", dep, w.Message)
			}
			if w.Code == plan.WarnEmailElsewhere && strings.Contains(w.Message, "and not deactivated (unmanagedUsers: deactivate), as the manifest may mean it") {
				spared++
			}
		}
		if spared != 1 {
			t.Errorf("%s: ub within its grace period: %d sparing warnings, want 1: %+v", dep, spared, p.Warnings)
		}
		// The entry deactivates alice: her other account goes too.
		gone := with(alice, func(u *model.User) { u.Active = false })
		p = Compute(state(users(gone, du("oncall@x.com"))), have, deactivate, Options{Deployment: dep})
		if got := deactivated(p); !slices.Contains(got, "ub") {
			t.Errorf("%s: alice active: false, deactivated %v, want ub among them", dep, got)
		}
		// Protected: the protected warning, as for any unmanaged user.
		p = Compute(state(users(alice)), have, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, Protected: []string{"alice-old"}}, Options{Deployment: dep})
		for _, w := range p.Warnings {
			if w.Code == plan.WarnEmailElsewhere && strings.Contains(w.Message, "not deactivated (unmanagedUsers") {
				t.Errorf("%s: protected ub said spared by its email: %s", dep, w.Message)
			}
		}
	}
}

// TestUnmanagedTeamUnderItsEntityName: a live team whose name is the
// entity name W&B gives a team the plan creates ("ml-research" for "ML
// Research": a server that names teams so, after an earlier apply made
// it) gets a warning that says to use that name, since the create would
// be refused as taken; a live team of another name gets the usual hint.
func TestUnmanagedTeamUnderItsEntityName(t *testing.T) {
	// İstanbul: a server lower-casing names answers istanbul, which the
	// plan never takes for it (a look-alike of an ASCII name).
	want := state(users(), dt("ML Research", model.Additive), dt("Vision", model.Additive), dt("İstanbul", model.Additive), dt("İzmir Team", model.Additive))
	have := state(users(), lt("g1", "ml-research"), lt("g2", "vision-old"), lt("g3", "istanbul"), lt("g4", "izmir team"))
	p := Compute(want, have, model.Policy{}, Options{Deployment: model.SaaS})
	got := map[string]string{}
	for _, w := range p.Warnings {
		if w.Code == plan.WarnUnmanagedTeam {
			got[w.IDs[0]] = w.Message
		}
	}
	if m := got["g1"]; !strings.Contains(m, `it may be the manifest's team ML Research, made by an earlier apply under the name W&B gave it`) ||
		!strings.Contains(m, "name the manifest's team ml-research to manage it") {
		t.Errorf("ml-research: %s", m)
	}
	if m := got["g3"]; !strings.Contains(m, "it may be the manifest's team İstanbul") || !strings.Contains(m, "name the manifest's team istanbul to manage it") ||
		!strings.Contains(m, "(İstanbul holds a letter that only looks like an ASCII one, U+0130, which wbsync never takes for it)") {
		t.Errorf("istanbul: %s", m)
	}
	// Lower-cased with its space kept, as a server lower-casing names
	// gives it.
	if m := got["g4"]; !strings.Contains(m, "it may be the manifest's team İzmir Team") || !strings.Contains(m, "name the manifest's team izmir team to manage it") {
		t.Errorf("izmir team: %s", m)
	}
	if m := got["g2"]; !strings.Contains(m, "list it to manage it") || strings.Contains(m, "not listed users") {
		t.Errorf("vision-old: %s", m)
	}
	for _, tc := range []struct{ in, want string }{
		{"ML Research", "ml-research"}, {"  a__b--c  ", "a__b--c"}, {"Ünïcode team!", ""}, {"***", ""},
		{"İstanbul", "istanbul"}, {"\u212Aelvin Lab", "kelvin-lab"}, {"ſtraße", ""},
	} {
		if got := entityName(tc.in); got != tc.want {
			t.Errorf("entityName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestCreatedTeamWithCapitalWarns: a team the plan creates whose name
// holds a capital letter is warned team_name_uppercase, with the
// lower-cased name to write (W&B's team names are lowercase, and a team
// cannot be renamed); a lowercase one, and a live team matched ignoring
// case (no create), are not.
func TestCreatedTeamWithCapitalWarns(t *testing.T) {
	want := state(users(), dt("ML-Ops", model.Additive), dt("ml-infra", model.Additive), dt("Vision", model.Additive), dt("Équipe A", model.Additive), dt("ML Research", model.Additive))
	have := state(users(), lt("g1", "vision"))
	for _, d := range []model.Deployment{model.SaaS, model.Dedicated} {
		p := Compute(want, have, model.Policy{}, Options{Deployment: d})
		got := map[string]string{}
		for _, w := range p.Warnings {
			if w.Code == plan.WarnTeamNameUppercase {
				got[w.Team] = w.Message
			}
		}
		if len(got) != 3 {
			t.Errorf("%s: warned %q, want ML-Ops, Équipe A and ML Research only", d, got)
		}
		// the entity name unmanaged_team advises, not "ml research"
		if m := got["ML Research"]; !strings.HasSuffix(m, "write ml-research in the manifest to create it as W&B names it") {
			t.Errorf("%s: ML Research: %q", d, m)
		}
		if m := got["ML-Ops"]; !strings.HasPrefix(m, "team ML-Ops is created with a capital letter, but W&B's team names are lowercase") ||
			!strings.HasSuffix(m, "write ml-ops in the manifest to create it as W&B names it") {
			t.Errorf("%s: ML-Ops: %q", d, m)
		}
		if m := got["Équipe A"]; !strings.Contains(m, "write équipe a in the manifest") {
			t.Errorf("%s: Équipe A: %q", d, m)
		}
	}
}

// TestCreatedTeamWithCapitalWarnsWhole: the warning names W&B's entity
// name both as what W&B may keep and as what to write, and a name in
// capitals only is warned as any other.
func TestCreatedTeamWithCapitalWarnsWhole(t *testing.T) {
	want := state(users(), dt("ML Research", model.Additive), dt("QA", model.Additive))
	p := Compute(want, state(users()), model.Policy{}, Options{})
	got := map[string]string{}
	for _, w := range p.Warnings {
		if w.Code == plan.WarnTeamNameUppercase {
			got[w.Team] = w.Message
		}
	}
	for team, msg := range map[string]string{
		"ML Research": "team ML Research is created with a capital letter, but W&B's team names are lowercase: W&B may keep it as ml-research or refuse the create, and cannot rename a team after; write ml-research in the manifest to create it as W&B names it",
		"QA":          "team QA is created with a capital letter, but W&B's team names are lowercase: W&B may keep it as qa or refuse the create, and cannot rename a team after; write qa in the manifest to create it as W&B names it",
	} {
		if got[team] != msg {
			t.Errorf("%s: %q\nwant %q", team, got[team], msg)
		}
	}
}

// TestUnmanagedTeamOfServiceAccounts: an unmanaged team's warning says how
// many of its members are no listed user (service accounts, which no plan
// removes), so that "its members keep their access" does not read as that
// many people.
func TestUnmanagedTeamOfServiceAccounts(t *testing.T) {
	have := state(users(lu("u1", "a@x.com")),
		lt("g1", "bots", model.Member{UserID: "sa-1"}, model.Member{UserID: "sa-2"}, model.Member{UserID: "u1", Email: "a@x.com"}))
	p := Compute(state(users(du("a@x.com"))), have, model.Policy{}, Options{Deployment: model.Dedicated})
	for _, w := range p.Warnings {
		if w.Code == plan.WarnUnmanagedTeam {
			if !strings.Contains(w.Message, "(id g1, 3 member(s), 2 of them not listed users, such as service accounts, which wbsync never removes)") || w.Count != 3 {
				t.Errorf("%d: %s", w.Count, w.Message)
			}
			return
		}
	}
	t.Fatalf("no unmanaged_team warning: %+v", p.Warnings)
}

// The twin of a pinned team is said with what manages it: another team of
// that name pinned to its id; followed, the advice manages both (the
// second, listed empty, loses its member) and says no more of either.
func TestPinnedTwinAdvice(t *testing.T) {
	a, b := "a@x.com", "b@x.com"
	have := state(users(lu("ua", a), lu("ub", b)), lt("g1", "ml", lm("ua", a, "")), lt("g2", "ml", lm("ub", b, "")))
	want := state(users(du(a), du(b)), pinnedTeam("ml", "g1", dm(a, "")))
	p := Compute(want, have, ignorePolicy, Options{Deployment: model.Dedicated})
	got := warnedByID(p, plan.WarnUnmanagedTeam)["g2"]
	if w := "live team ml (id g2, 1 member(s)) is not the team ml the manifest pins (id g1): it is left alone and its members keep their access; list it as another team ml with id: g2 to manage it, with members: [] to empty it (W&B's SCIM API cannot rename or delete a team)"; got != w {
		t.Errorf("the twin: %q\nwant %q", got, w)
	}
	twin := dt("ml", model.Authoritative)
	twin.ID = "g2"
	want.Teams = append(want.Teams, twin)
	p = Compute(want, have, ignorePolicy, Options{Deployment: model.Dedicated})
	if len(warnedByID(p, plan.WarnUnmanagedTeam)) != 0 || len(p.Changes) != 1 || p.Changes[0].Action != plan.RemoveMember || p.Changes[0].TeamID != "g2" {
		t.Errorf("advice followed: changes %v, warnings %v", planText(p), p.Warnings)
	}
}

// Of three live twins, two pinned, the third's warning names the same
// pinned team on every plan (the first in live order), not one chosen by
// a map's order.
func TestPinnedTwinAdviceStable(t *testing.T) {
	a := "a@x.com"
	have := state(users(lu("ua", a)), lt("g1", "ml"), lt("g2", "ml"), lt("g3", "ml"), lt("g4", "ml"), lt("g5", "ml"))
	want := state(users(du(a)), pinnedTeam("ml", "g2"), pinnedTeam("ml", "g3"), pinnedTeam("ml", "g4"), pinnedTeam("ml", "g5"))
	first := ""
	for i := 0; i < 50; i++ {
		p := Compute(want, have, ignorePolicy, Options{Deployment: model.Dedicated})
		got := warnedByID(p, plan.WarnUnmanagedTeam)["g1"]
		if i == 0 {
			first = got
			if !strings.Contains(got, "the manifest pins (id g2)") {
				t.Fatalf("the twin: %q, want the first pinned team, g2", got)
			}
		} else if got != first {
			t.Fatalf("plan %d: %q\nfirst: %q", i, got, first)
		}
	}
}

// The twin of a pinned team whose live name has a space at an end is
// advised under the name a manifest can write (trimmed), which its pin
// matches.
func TestPinnedTwinWithEdgeSpaces(t *testing.T) {
	have := state(nil, lt("g1", " ml"), lt("g3", " ml"))
	got := warnedByID(Compute(state(nil, pinnedTeam("ml", "g1")), have, ignorePolicy, Options{Deployment: model.Dedicated}), plan.WarnUnmanagedTeam)["g3"]
	if !strings.Contains(got, "list it as another team ml with id: g3") {
		t.Errorf("the twin: %q", got)
	}
	p := Compute(state(nil, pinnedTeam("ml", "g1"), pinnedTeam("ml", "g3")), have, ignorePolicy, Options{Deployment: model.Dedicated})
	if len(warnedByID(p, plan.WarnUnmanagedTeam)) != 0 || len(warnedByID(p, plan.WarnTeamPinMismatch)) != 0 {
		t.Errorf("advice followed: %v", p.Warnings)
	}
}

// Live teams sharing a name with a space at an end are named quoted in
// duplicate_team, as in the other team warnings, so that the space shows.
func TestDuplicateTeamEdgeSpacesQuoted(t *testing.T) {
	p := Compute(state(nil), state(nil, lt("g1", " ml"), lt("g2", " ml")), ignorePolicy, Options{Deployment: model.Dedicated})
	for _, w := range p.Warnings {
		if w.Code == plan.WarnDuplicateTeam && !strings.HasPrefix(w.Message, `2 live teams are named " ml" (ids g1, g2); the manifest does not manage " ml": `) {
			t.Errorf("duplicate_team: %q", w.Message)
		}
	}
	if len(p.Warnings) == 0 {
		t.Error("no warning")
	}
}

// TestComputeRemovalsAtTheLimit: member removals exactly at the limit
// (the default, and a manifest's) are allowed, as deactivations at theirs
// are (TestComputeLimits, "small org").
func TestComputeRemovalsAtTheLimit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		n      int
		policy model.Policy
	}{
		{"10 removals at the default 10", 10, model.Policy{UnmanagedUsers: model.UnmanagedIgnore}},
		{"12 removals at a manifest's 12", 12, model.Policy{UnmanagedUsers: model.UnmanagedIgnore, MaxMemberRemovals: model.Limit{Set: true, Value: 12}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, have := limitsState(tc.n)
			p := Compute(want, have, tc.policy, Options{Deployment: model.Dedicated})
			if p.Limits.MaxMemberRemovals != tc.n || p.Summary.RemoveMembers != tc.n {
				t.Fatalf("limit %d, %d removals planned; want %d and %d", p.Limits.MaxMemberRemovals, p.Summary.RemoveMembers, tc.n, tc.n)
			}
			if p.IsBlocked() {
				t.Errorf("blocked: %+v; want removals at the limit allowed", p.Blocked)
			}
		})
	}
}
