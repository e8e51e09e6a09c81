package views

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// TestMarkdownDroppedEmailsShortened: a live user's other emails (up to
// caps.UserEmails of up to caps.Field bytes, from the server) are listed
// whole on its account-change line: one such line outgrows the comment, and
// the cut then leaves out every later account change and every role change.
func TestMarkdownDroppedEmailsShortened(t *testing.T) {
	n := 100
	var dropped []string
	for i := 0; i < n; i++ {
		dropped = append(dropped, fmt.Sprintf("x%03d%s@example.com", i, strings.Repeat("a", 4000)))
	}
	cs := []plan.Change{
		{Action: plan.UpdateUser, User: "mallory@example.com", UserID: "u-m", FromEmail: "mallory@example.com", Email: "m2@example.com", DroppedEmails: plan.NewEmailList(dropped)},
		{Action: plan.UpdateUser, User: "zz-alice@example.com", UserID: "u-a", FromEmail: "zz-alice@example.com", Email: "zz-evil@attacker.com"},
		{Action: plan.SetOrgRole, User: "zz-bob@example.com", UserID: "u-b", Role: model.RoleAdmin, From: "member"},
	}
	md := markdownOf(t, plan.Plan{Changes: cs})
	if strings.Contains(md, "NOT LISTED") {
		t.Errorf("three changes, and some NOT LISTED")
	}
	for _, want := range []string{`"zz-alice@example.com" → "zz-evil@attacker.com"`, "org role member → admin"} {
		if !strings.Contains(md, want) {
			t.Errorf("not listed: %s", want)
		}
	}
}
