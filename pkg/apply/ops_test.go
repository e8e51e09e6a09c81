package apply

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/plan"
)

func TestRunCreateUserSendsHandleAndEmail(t *testing.T) {
	w := &fakeWriter{}
	rep := run(t, planOf(
		plan.Change{Action: plan.CreateUser, User: "dev@x.com", Username: "dev-user2", Name: "Dev", ExternalID: "e2"},
		plan.Change{Action: plan.CreateUser, User: "okta@x.com"},
		ch(plan.AddMember, "dev@x.com", "", "ml", "tml"),
	), w, Options{Concurrency: 1})
	want := []call{
		{Method: "CreateUser", User: "dev-user2", Email: "dev@x.com", Arg: "Dev|e2"},
		{Method: "CreateUser", User: "okta@x.com", Email: "okta@x.com", Arg: "|"},
		// The created user is found again by the email the plan names it by.
		{Method: "AddMembers", ID: "tml", IDs: []string{"u-dev-user2"}},
	}
	if d := cmp.Diff(want, w.recorded()); d != "" {
		t.Fatalf("calls (-want +got):\n%s", d)
	}
	if rep.OK != 3 {
		t.Fatalf("ok = %d, want 3", rep.OK)
	}
}

func TestRunUpdateUserSendsOnlyWhatChanges(t *testing.T) {
	w := &fakeWriter{}
	run(t, planOf(
		plan.Change{Action: plan.UpdateUser, User: "new@x.com", UserID: "ua", Email: "new@x.com", FromEmail: "old@x.com"},
		plan.Change{Action: plan.UpdateUser, User: "b@x.com", UserID: "ub", Name: "B", From: "b", ExternalID: "e9"},
	), w, Options{Concurrency: 1})
	want := []call{
		{Method: "UpdateUser", ID: "ua", Email: "new@x.com", Arg: "|"},
		{Method: "UpdateUser", ID: "ub", Arg: "B|e9"},
	}
	if d := cmp.Diff(want, w.recorded()); d != "" {
		t.Fatalf("calls (-want +got):\n%s", d)
	}
}

func TestRunUnverifiedRolesSentAndMarked(t *testing.T) {
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "SetTeamRole" {
			return &httpError{400, "no"}
		}
		return nil
	}}
	rep := run(t, planOf(
		plan.Change{Action: plan.SetOrgRole, User: "a@x.com", UserID: "ua", Role: "admin", Reason: plan.ReasonUnverified},
		plan.Change{Action: plan.SetTeamRole, User: "a@x.com", UserID: "ua", Team: "ml", Role: "admin", Reason: plan.ReasonUnverified},
		plan.Change{Action: plan.SetOrgRole, User: "b@x.com", UserID: "ub", Role: "member"},
	), w, Options{})
	if got := w.methods(); len(got) != 3 {
		t.Fatalf("calls = %v, want all three sent", got)
	}
	res := byKey(rep)
	if r := res["set_org_role a@x.com@"]; r.Status != StatusOK || r.Reason != plan.ReasonUnverified {
		t.Fatalf("unverified org role = %+v", r)
	}
	if r := res["set_team_role a@x.com@ml"]; r.Status != StatusFailed || r.Reason != plan.ReasonUnverified {
		t.Fatalf("unverified team role = %+v", r)
	}
	if r := res["set_org_role b@x.com@"]; r.Reason != "" {
		t.Fatalf("verified org role = %+v, want no reason", r)
	}
}
