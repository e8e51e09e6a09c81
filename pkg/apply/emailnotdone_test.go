package apply

import (
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// TestDedicatedGrantsWaitForEmailUpdate: on Dedicated Cloud the plan names
// an account matched by username by the manifest's email, because its
// update_user gives it that email "before any other change"
// (diff.noteShownAs). When that update is refused (409: another account
// holds the email, as in a swap or a handover whose giver failed), the
// account keeps its old email; the access the plan grants under the new
// email (an add to a team, org admin, a team role) must not go to the
// holder of the old one: they wait, and are skipped. So too when the
// update's outcome is unknown (the connection cut after sending): it may
// not be done, as an unknown reactivation may not.
func TestDedicatedGrantsWaitForEmailUpdate(t *testing.T) {
	for _, fail := range []struct {
		name string
		err  error
	}{
		{"refused", &httpError{status: 409, detail: `Resource already exists: another user has the email "alice@x.com"`}},
		{"unknown", wrapped(&unknownError{unknown: true})},
	} {
		upd := ch(plan.UpdateUser, "alice@x.com", "us", "", "")
		upd.Email, upd.FromEmail = "alice@x.com", "sam@x.com"
		add := ch(plan.AddMember, "alice@x.com", "us", "prod", "tprod")
		org := ch(plan.SetOrgRole, "alice@x.com", "us", "", "")
		org.Role, org.From = model.RoleAdmin, "member"
		team := ch(plan.SetTeamRole, "alice@x.com", "us", "prod", "tprod")
		team.Role = model.RoleAdmin
		w := &fakeWriter{fail: func(c call) error {
			if c.Method == "UpdateUser" {
				return fail.err
			}
			return nil
		}}
		rep := run(t, planOf(upd, add, org, team), w, Options{Concurrency: 1})
		for _, m := range []string{"AddMembers", "SetOrgRole", "SetTeamRole"} {
			if n := w.count(m); n != 0 {
				t.Errorf("%s: %s sent %d time(s) for alice@x.com although its email update was not done: the account may still hold sam@x.com", fail.name, m, n)
			}
		}
		for i, r := range rep.Results[1:] {
			if r.Status != StatusSkipped {
				t.Errorf("%s: %s %s: status %q, want skipped (depends on update_user)", fail.name, r.Action, r.target(), r.Status)
			} else if r.CausedBy == nil {
				t.Errorf("%s: result %d: no caused_by", fail.name, i+1)
			}
		}
	}
}

// TestDemotionNotHeldByFailedEmailUpdate: emailNotDone is meant for
// changes that *give* the account access under its new email. A demotion
// (org admin -> member, team admin -> viewer) takes access away from the
// account matched by username; holding it because the email update was
// refused leaves an admin the manifest demotes in place.
func TestDemotionNotHeldByFailedEmailUpdate(t *testing.T) {
	upd := ch(plan.UpdateUser, "alice@x.com", "us", "", "")
	upd.Email, upd.FromEmail = "alice@x.com", "sam@x.com"
	org := ch(plan.SetOrgRole, "alice@x.com", "us", "", "")
	org.Role, org.From = model.RoleMember, "admin"
	team := ch(plan.SetTeamRole, "alice@x.com", "us", "prod", "tprod")
	team.Role, team.From = model.RoleViewer, "admin"
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "UpdateUser" {
			return &httpError{status: 409, detail: `Resource already exists`}
		}
		return nil
	}}
	rep := run(t, planOf(upd, org, team), w, Options{Concurrency: 1})
	for _, r := range rep.Results[1:] {
		if r.Status != StatusOK {
			t.Errorf("%s %s (a demotion): %s (%s); the account keeps admin although the manifest demotes it", r.Action, r.target(), r.Status, r.Reason)
		}
	}
}
