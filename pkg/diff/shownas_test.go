package diff

import (
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// TestSaaSUsernameSwapNamesLiveAccounts: on Multi-tenant Cloud, which
// cannot update an email, a manifest user matched by username to a live
// account whose emails do not hold the manifest's email acts on that
// account, which keeps its email: its changes name the account as it is.
// A pull request that swaps two username: lines (and makes one of them
// org admin) must not read as the other person's changes: "add alice" that
// adds sam, "remove sam" that removes alice, "alice → admin" that
// promotes sam. On Dedicated the email is updated first, so the manifest's
// email names the account.
func TestSaaSUsernameSwapNamesLiveAccounts(t *testing.T) {
	a, s := "alice@x.com", "sam@x.com"
	manifestAlice := hu("sam", a)
	manifestAlice.OrgRole = model.RoleAdmin
	want := state(users(manifestAlice, hu("alice", s)), dt("prod", model.Authoritative, dm(a, "")))
	have := state(users(lh("ua", "alice", a), lh("us", "sam", s)), lt("g", "prod", lm("ua", "alice", "")))
	have.Users[0].OrgRole, have.Users[1].OrgRole = model.RoleMember, model.RoleMember
	for _, dep := range []model.Deployment{model.SaaS, model.Dedicated} {
		got := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedIgnore}, Options{Deployment: dep})
		acts := map[string]bool{}
		for _, c := range got.Changes {
			if c.UserID == "" || c.Action == plan.UpdateUser {
				continue
			}
			acts[string(c.Action)+" "+c.UserID] = true
			live := map[string]string{"ua": a, "us": s}[c.UserID]
			wantUser := live // the account as it is
			if dep == model.Dedicated {
				wantUser = map[string]string{"ua": s, "us": a}[c.UserID] // its email once updated
			}
			if c.User != wantUser {
				t.Errorf("%s: %s acts on the account %s (%s) but names %s", dep, plan.Describe(c), c.UserID, live, c.User)
			}
		}
		for _, k := range []string{"add_member us", "remove_member ua", "set_org_role us"} {
			if !acts[k] {
				t.Errorf("%s: no %s among %v", dep, k, got.Changes)
			}
		}
	}
}

// TestSaaSNoEmailsReportedNamesByManifest: a server that reports no email
// for any user gives the plan nothing to tell accounts apart by but their
// handles: a user matched by username is then named by the manifest's
// email, not as an account with no email (its bare handle).
func TestSaaSNoEmailsReportedNamesByManifest(t *testing.T) {
	a := "alice@x.com"
	alice := lh("ua", "alice", "")
	alice.Emails = nil
	want := state(users(hu("alice", a)), dt("prod", model.Additive, dm(a, "")))
	have := state(users(alice), lt("g", "prod"))
	got := Compute(want, have, ignorePolicy, Options{Deployment: model.SaaS})
	seen := false
	for _, c := range got.Changes {
		if c.Action == plan.AddMember {
			seen = true
			if c.UserID != "ua" || c.User != a {
				t.Errorf("add names %q (id %q), want %q (ua)", c.User, c.UserID, a)
			}
		}
	}
	if !seen {
		t.Fatalf("no add: %+v", got.Changes)
	}
}
