package diff

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

type computeCase struct {
	name     string
	want     model.State
	have     model.State
	policy   model.Policy
	dep      model.Deployment
	opts     Options // Deployment comes from dep
	changes  []plan.Change
	warnings []plan.Warning    // compared without Message
	blocked  []plan.BlockLimit // block limits
}

func runCompute(t *testing.T, cases []computeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dep := tc.dep
			if dep == "" {
				dep = model.Dedicated
			}
			pol := tc.policy
			if pol.UnmanagedUsers == "" {
				pol.UnmanagedUsers = model.UnmanagedIgnore
			}
			opts := tc.opts
			opts.Deployment = dep
			got := Compute(tc.want, tc.have, pol, opts)
			if tc.changes == nil {
				tc.changes = []plan.Change{}
			}
			if tc.warnings == nil {
				tc.warnings = []plan.Warning{}
			}
			if d := cmp.Diff(tc.changes, got.Changes); d != "" {
				t.Errorf("changes (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.warnings, got.Warnings, cmpopts.IgnoreFields(plan.Warning{}, "Message")); d != "" {
				t.Errorf("warnings (-want +got):\n%s", d)
			}
			var limits []plan.BlockLimit
			for _, b := range got.Blocked {
				limits = append(limits, b.Limit)
			}
			if d := cmp.Diff(tc.blocked, limits); d != "" {
				t.Errorf("blocked (-want +got):\n%s", d)
			}
			for _, w := range got.Warnings {
				if w.Message == "" {
					t.Errorf("warning %s has no message", w.Code)
				}
			}
		})
	}
}

func TestComputeBasics(t *testing.T) {
	a, b, c := "a@x.com", "b@x.com", "c@x.com"
	runCompute(t, []computeCase{
		{
			name: "fresh org: create users, team, members, non-member role",
			want: state(users(du(a), du(b)), dt("ml", model.Authoritative, dm(a, ""), dm(b, "admin"))),
			have: state(nil),
			changes: []plan.Change{
				{Action: plan.CreateUser, User: a},
				{Action: plan.CreateUser, User: b},
				{Action: plan.CreateTeam, Team: "ml"},
				{Action: plan.AddMember, Team: "ml", User: a, Role: "member"},
				{Action: plan.AddMember, Team: "ml", User: b, Role: "admin"},
				{Action: plan.SetTeamRole, Team: "ml", User: b, Role: "admin"},
			},
			warnings: []plan.Warning{{Code: plan.WarnRolesUnreported, Count: 1}}, // b's role: an empty org reports none
		},
		{
			name: "no changes when in sync",
			want: state(users(du(a)), dt("ml", model.Authoritative, dm(a, ""))),
			have: state(users(lu("ua", a)), lt("t1", "ml", lm("ua", a, "member"))),
		},
		{
			name: "existing user added to existing team with ids",
			want: state(users(du(a), du(b)), dt("ml", model.Authoritative, dm(a, ""), dm(b, ""))),
			have: state(users(lu("ua", a), lu("ub", b)), lt("t1", "ml", lm("ua", a, "member"))),
			changes: []plan.Change{
				{Action: plan.AddMember, Team: "ml", TeamID: "t1", User: b, UserID: "ub", Role: "member"},
			},
		},
		{
			name: "authoritative removes, additive keeps",
			want: state(users(du(a), du(b)),
				dt("auth", model.Authoritative, dm(a, "")),
				dt("add", model.Additive, dm(a, ""))),
			have: state(users(lu("ua", a), lu("ub", b)),
				lt("t1", "auth", lm("ua", a, "member"), lm("ub", b, "member")),
				lt("t2", "add", lm("ua", a, "member"), lm("ub", b, "member"))),
			changes: []plan.Change{
				{Action: plan.RemoveMember, Team: "auth", TeamID: "t1", User: b, UserID: "ub", From: "member", Reason: reasonNotListed},
			},
			// b stays in the additive team: no user_without_team.
		},
		{
			name: "a removal names the team role it takes away",
			want: state(users(du(a), du(b)), dt("auth", model.Authoritative, dm(a, ""))),
			have: state(users(lu("ua", a), lu("ub", b)),
				lt("t1", "auth", lm("ua", a, "member"), lm("ub", b, "Admin"))),
			changes: []plan.Change{
				{Action: plan.RemoveMember, Team: "auth", TeamID: "t1", User: b, UserID: "ub", From: "admin", Reason: reasonNotListed},
			},
			warnings: []plan.Warning{{Code: plan.WarnUserWithoutTeam, User: b}},
		},
		{
			name: "unmanaged member of an authoritative team is removed and warned about",
			want: state(users(du(a)), dt("ml", model.Authoritative, dm(a, ""))),
			have: state(users(lu("ua", a), lu("uc", c)), lt("t1", "ml", lm("ua", a, ""), lm("uc", c, ""))),
			changes: []plan.Change{
				{Action: plan.RemoveMember, Team: "ml", TeamID: "t1", User: c, UserID: "uc", Reason: reasonNotManaged},
			},
			warnings: []plan.Warning{{Code: plan.WarnUnmanagedUser, User: c, IDs: []string{"uc"}}},
		},
		{
			name:     "unresolved members (service accounts) are never removed",
			want:     state(users(du(a)), dt("ml", model.Authoritative, dm(a, ""))),
			have:     state(users(lu("ua", a)), lt("t1", "ml", lm("ua", a, ""), lm("sa2", "", ""), lm("sa1", "", ""))),
			warnings: []plan.Warning{{Code: plan.WarnUnresolvedMember, Team: "ml", IDs: []string{"sa1", "sa2"}}},
		},
		{
			name:     "user without team",
			want:     state(users(du(a), with(du(b), func(u *model.User) { u.Active = false }))),
			have:     state(users(lu("ua", a))),
			warnings: []plan.Warning{{Code: plan.WarnUserWithoutTeam, User: a}},
		},
	})
}

func TestComputeUsers(t *testing.T) {
	a, b := "a@x.com", "b@x.com"
	inactive := func(u model.User) model.User { u.Active = false; return u }
	runCompute(t, []computeCase{
		{
			name:     "desired inactive: deactivate on dedicated",
			want:     state(users(inactive(du(a)))),
			have:     state(users(lu("ua", a))),
			changes:  []plan.Change{{Action: plan.DeactivateUser, User: a, UserID: "ua", Reason: reasonInactive}},
			warnings: []plan.Warning{{Code: plan.WarnLastAdmin}},
		},
		{
			name:     "desired inactive on saas: irreversible warning",
			dep:      model.SaaS,
			want:     state(users(inactive(du(a)))),
			have:     state(users(lu("ua", a))),
			changes:  []plan.Change{{Action: plan.DeactivateUser, User: a, UserID: "ua", Reason: reasonInactive}},
			warnings: []plan.Warning{{Code: plan.WarnIrreversibleDeactivation, User: a, IDs: []string{"ua"}}, {Code: plan.WarnLastAdmin}},
		},
		{
			name: "desired inactive and absent or already inactive: nothing",
			want: state(users(inactive(du(a)), inactive(du(b)))),
			have: state(users(inactive(lu("ua", a)))),
		},
		{
			name:     "protected users are never deactivated",
			policy:   model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, Protected: []string{"*@svc.x.com"}},
			want:     state(users(inactive(du("bot@svc.x.com")))),
			have:     state(users(lu("ub", "bot@svc.x.com"), lu("u2", "other@svc.x.com"))),
			warnings: []plan.Warning{{Code: plan.WarnProtected, User: "bot@svc.x.com"}, {Code: plan.WarnProtected, User: "other@svc.x.com"}},
		},
		{
			name:     "unmanaged users deactivated under deactivate",
			policy:   model.Policy{UnmanagedUsers: model.UnmanagedDeactivate},
			want:     state(users(du(a)), dt("ml", model.Additive, dm(a, ""))),
			have:     state(users(lu("ua", a), lu("ub", b), inactive(lu("uc", "c@x.com"))), lt("t", "ml", lm("ua", a, ""))),
			changes:  []plan.Change{{Action: plan.DeactivateUser, User: b, UserID: "ub", Reason: reasonUnmanaged}},
			warnings: []plan.Warning{{Code: plan.WarnLastAdmin}},
		},
		{
			name:    "reactivate on dedicated",
			want:    state(users(du(a)), dt("ml", model.Additive, dm(a, ""))),
			have:    state(users(inactive(lu("ua", a))), lt("t", "ml", lm("ua", a, "member"))),
			changes: []plan.Change{{Action: plan.ReactivateUser, User: a, UserID: "ua"}},
		},
		{
			name: "saas: a deactivated user is created again, memberships follow the create",
			dep:  model.SaaS,
			want: state(users(du(a)), dt("ml", model.Additive, dm(a, ""))),
			have: state(users(inactive(lu("ua", a))), lt("t", "ml")),
			changes: []plan.Change{
				{Action: plan.CreateUser, User: a, Reason: plan.ReasonRecreate, From: "ua"},
				{Action: plan.AddMember, Team: "ml", TeamID: "t", User: a, Role: "member"},
			},
		},
		{
			name: "update on dedicated only changes managed fields that differ",
			want: state(users(
				with(du(a), func(u *model.User) { u.DisplayName = "A New" }),
				with(du(b), func(u *model.User) { u.ExternalID = "e2" }),
			), dt("ml", model.Additive, dm(a, ""), dm(b, ""))),
			have: state(users(
				with(lu("ua", a), func(u *model.User) { u.DisplayName = "A Old"; u.ExternalID = "keep" }),
				with(lu("ub", b), func(u *model.User) { u.DisplayName = "B" }),
			), lt("t", "ml", lm("ua", a, ""), lm("ub", b, ""))),
			changes: []plan.Change{
				{Action: plan.UpdateUser, User: a, UserID: "ua", Name: "A New", From: "A Old"},
				{Action: plan.UpdateUser, User: b, UserID: "ub", ExternalID: "e2"},
			},
		},
		{
			name:     "update on saas is a warning",
			dep:      model.SaaS,
			want:     state(users(with(du(a), func(u *model.User) { u.DisplayName = "A New" })), dt("ml", model.Additive, dm(a, ""))),
			have:     state(users(with(lu("ua", a), func(u *model.User) { u.DisplayName = "A Old" })), lt("t", "ml", lm("ua", a, ""))),
			warnings: []plan.Warning{{Code: plan.WarnUnsupportedUpdate, User: a}},
		},
		{
			name: "create carries name and externalId",
			want: state(users(with(du(a), func(u *model.User) { u.DisplayName = "A"; u.ExternalID = "e1" })), dt("ml", model.Additive, dm(a, ""))),
			have: state(nil, lt("t", "ml")),
			changes: []plan.Change{
				{Action: plan.CreateUser, User: a, Name: "A", ExternalID: "e1"},
				{Action: plan.AddMember, Team: "ml", TeamID: "t", User: a, Role: "member"},
			},
			warnings: []plan.Warning{{Code: plan.WarnExternalIDUnreported, Count: 1}}, // no live user carries one
		},
	})
}

func TestComputeIdentity(t *testing.T) {
	a := "Alice@X.com"
	runCompute(t, []computeCase{
		{
			name: "userName matched case-insensitively",
			want: state(users(du(a)), dt("ml", model.Additive, dm(a, ""))),
			have: state(users(lu("ua", "alice@x.com")), lt("t", "ml", lm("ua", "alice@x.com", "member"))),
		},
		{
			name: "saas username matched by primary email",
			dep:  model.SaaS,
			want: state(users(du(a)), dt("ml", model.Authoritative, dm(a, ""))),
			have: state(users(model.User{ID: "ua", UserName: "alice", Email: "ALICE@x.com", Active: true}),
				lt("t", "ml", lm("ua", "alice", "member"))),
		},
		{
			name: "matched by externalId when userName and email differ: email update on dedicated",
			want: state(users(with(du("new@x.com"), func(u *model.User) { u.ExternalID = "okta1" })), dt("ml", model.Additive, dm("new@x.com", ""))),
			have: state(users(with(lu("u1", "old@x.com"), func(u *model.User) { u.ExternalID = "okta1" })), lt("t", "ml", lm("u1", "old@x.com", ""))),
			changes: []plan.Change{
				{Action: plan.UpdateUser, User: "new@x.com", UserID: "u1", Email: "new@x.com", FromEmail: "old@x.com"},
			},
		},
		{
			name:     "matched by externalId when userName and email differ: a warning on saas",
			dep:      model.SaaS,
			want:     state(users(with(du("new@x.com"), func(u *model.User) { u.ExternalID = "okta1" })), dt("ml", model.Additive, dm("new@x.com", ""))),
			have:     state(users(with(lu("u1", "old@x.com"), func(u *model.User) { u.ExternalID = "okta1" })), lt("t", "ml", lm("u1", "old@x.com", ""))),
			warnings: []plan.Warning{{Code: plan.WarnUnsupportedUpdate, User: "new@x.com"}},
		},
		{
			name: "saas: an externalId the server reports is updated; a displayName is warned about",
			dep:  model.SaaS,
			want: state(users(with(du(a), func(u *model.User) { u.ExternalID, u.DisplayName = "okta-new", "Alice" })), dt("ml", model.Additive, dm(a, ""))),
			have: state(users(with(lu("ua", "alice@x.com"), func(u *model.User) { u.ExternalID = "okta-old" })), lt("t", "ml", lm("ua", "alice@x.com", ""))),
			changes: []plan.Change{
				{Action: plan.UpdateUser, User: a, UserID: "ua", ExternalID: "okta-new", FromExternalID: "okta-old"},
			},
			warnings: []plan.Warning{{Code: plan.WarnUnsupportedUpdate, User: a}},
		},
		{
			name:   "two live users match at the same level: ambiguous, skipped everywhere",
			policy: model.Policy{UnmanagedUsers: model.UnmanagedDeactivate},
			want:   state(users(du(a)), dt("ml", model.Authoritative)),
			have: state(users(model.User{ID: "u1", UserName: "alice1", Email: "alice@x.com", Active: true}, model.User{ID: "u2", UserName: "alice2", Email: "alice@x.com", Active: true}),
				lt("t", "ml", lm("u1", "alice1", ""), lm("u2", "alice2", ""))),
			warnings: []plan.Warning{{Code: plan.WarnAmbiguousUser, User: a, IDs: []string{"u1", "u2"}}},
		},
		{
			name: "userName link beats the email link of another account, whose primary email is then updated",
			want: state(users(du("a@x.com"), du("b@x.com")), dt("ml", model.Additive, dm("a@x.com", ""), dm("b@x.com", ""))),
			have: state(users(lu("u1", "a@x.com"), model.User{ID: "u2", UserName: "b@x.com", Email: "a@x.com", Active: true}),
				lt("t", "ml", lm("u1", "a@x.com", ""), lm("u2", "b@x.com", ""))),
			changes: []plan.Change{{Action: plan.UpdateUser, User: "b@x.com", UserID: "u2", Email: "b@x.com", FromEmail: "a@x.com"}},
		},
	})
}
