package views

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// TestMarkdownNewUsersRolesDoNotPushOutExistingAccount: thousands of new
// users' roles and an existing account's role with the same gist ("role →
// admin": no From, as under unreportedRoles: enforce) are bundled apart,
// in the group of one team that exists and across teams that exist (where
// the compact form bundles memberships flat, the new users' roles under
// "for users the plan creates"), so that the existing account's is never
// among the names a cut bundle leaves out.
func TestMarkdownNewUsersRolesDoNotPushOutExistingAccount(t *testing.T) {
	for _, tc := range []struct {
		name           string
		team           func(i int) string
		existing, head string
	}{
		{"one team", func(int) string { return "prod" }, "prod", ""},
		{"across teams", func(i int) string { return fmt.Sprintf("t%05d", i) }, "zz-prod", "~ role → admin, for users the plan creates: "},
	} {
		var cs []plan.Change
		for i := 0; i < 3000; i++ {
			u, team := fmt.Sprintf("new%05d@example.com", i), tc.team(i)
			cs = append(cs, plan.Change{Action: plan.CreateUser, User: u},
				plan.Change{Action: plan.AddMember, Team: team, TeamID: "g" + team, User: u},
				plan.Change{Action: plan.SetTeamRole, Team: team, TeamID: "g" + team, User: u, Role: model.RoleAdmin})
		}
		cs = append(cs, plan.Change{Action: plan.SetTeamRole, Team: tc.existing, TeamID: "g" + tc.existing, User: "zz-unverified@example.com", UserID: "u-zz", Role: model.RoleAdmin})
		md := markdownOf(t, plan.Plan{Changes: cs})
		if !strings.Contains(md, "NOT LISTED") {
			t.Fatalf("%s: nothing was cut: the test proves nothing", tc.name)
		}
		if !strings.Contains(md, "zz-unverified@example.com") {
			t.Errorf("%s: the admin role of zz-unverified, an existing account, in %s is not listed", tc.name, tc.existing)
		}
		if !strings.Contains(md, tc.head) {
			t.Errorf("%s: no bundle header %q for new users' roles in teams that exist", tc.name, tc.head)
		}
	}
}
