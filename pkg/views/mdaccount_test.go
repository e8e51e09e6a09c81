package views

import (
	"fmt"
	"math/rand"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/plan"
)

// Random mixes that include the account tier (email and
// externalId updates, reactivations, invitations again) and grants: the
// cap holds, and every account change is listed or counted NOT LISTED.
func TestMarkdownRandomMixesWithAccountTier(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	accRe := regexp.MustCompile(`(?m)^[~+]     (update email|update externalId|reactivate|create user.*deactivated on Multi-tenant)`)
	nlRe := regexp.MustCompile(`(\d+) of (\d+) reactivation\(s\) or email or externalId change\(s\)`)
	for seed := 0; seed < 30; seed++ {
		var p plan.Plan
		n := r.Intn(6000)
		acc := 0
		for i := 0; i < n; i++ {
			u := user("u", r.Intn(4000))
			var c plan.Change
			switch r.Intn(9) {
			case 0:
				c = plan.Change{Action: plan.UpdateUser, User: u, UserID: "id", FromEmail: "old" + u, Email: u}
				acc++
			case 1:
				c = plan.Change{Action: plan.UpdateUser, User: u, UserID: "id", FromExternalID: "x", ExternalID: strings.Repeat("e", 1+r.Intn(300))}
				acc++
			case 2:
				c = plan.Change{Action: plan.ReactivateUser, User: u, UserID: "id"}
				acc++
			case 3:
				c = plan.Change{Action: plan.CreateUser, User: u, Reason: plan.ReasonRecreate}
				acc++
			case 4:
				c = plan.Change{Action: plan.DeactivateUser, User: u, UserID: "id", Reason: "unmanaged user"}
			case 5:
				c = plan.Change{Action: plan.RemoveMember, User: u, UserID: "id", Team: fmt.Sprintf("team-%d", r.Intn(50)), TeamID: "g"}
			case 6:
				c = plan.Change{Action: plan.SetTeamRole, User: u, UserID: "id", Team: fmt.Sprintf("team-%d", r.Intn(50)), TeamID: "g", Role: "admin"}
			case 7:
				c = plan.Change{Action: plan.AddMember, User: u, UserID: "id", Team: fmt.Sprintf("team-%d", r.Intn(50)), TeamID: "g"}
			default:
				c = plan.Change{Action: plan.UpdateUser, User: u, UserID: "id", From: "a", Name: "b"}
			}
			p.Changes = append(p.Changes, c)
		}
		md := markdownOf(t, p) // checks the cap
		shown := len(accRe.FindAllString(md, -1))
		left := 0
		if m := nlRe.FindStringSubmatch(md); m != nil {
			left, _ = strconv.Atoi(m[1])
		}
		if shown+left != acc {
			t.Errorf("seed %d: %d account changes, %d listed + %d said NOT LISTED", seed, acc, shown, left)
		}
	}
}

// An IdP migration (every user's externalId updated) passes the
// cap with account changes alone; warnings are listed by name
// unless that alone would pass the cap.
func TestMarkdownExternalIDMigrationKeepsWarnings(t *testing.T) {
	var p plan.Plan
	for i := 0; i < 2000; i++ {
		u := user("u", i)
		p.Changes = append(p.Changes, plan.Change{Action: plan.UpdateUser, User: u, UserID: fmt.Sprint("id", i), FromExternalID: fmt.Sprint("okta-", i), ExternalID: fmt.Sprint("entra-", i)})
	}
	p.Changes = append(p.Changes, plan.Change{Action: plan.DeactivateUser, User: "mallory@example.com", UserID: "idm", Reason: "unmanaged user"})
	for i := 0; i < 5; i++ {
		p.Warnings = append(p.Warnings, plan.Warning{Code: plan.WarningCodes()[0], Message: fmt.Sprintf("warning number %d about zed%d@example.com", i, i)})
	}
	md := markdownOf(t, p)
	if !strings.Contains(md, "zed3@example.com") {
		t.Errorf("the 5 warnings are not listed by name although they fit")
	}
}
