package apply

import (
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

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
