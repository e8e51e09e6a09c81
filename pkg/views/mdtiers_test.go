package views

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// newTeamsAsAdmin returns n users each created and added as admin to a
// team the plan creates: a create, a team create, an add and a role
// change each, which any pull request can multiply at no cost.
func newTeamsAsAdmin(n int) []plan.Change {
	var cs []plan.Change
	for i := 0; i < n; i++ {
		u, tm := fmt.Sprintf("u%05d@example.com", i), fmt.Sprintf("t%05d", i)
		cs = append(cs, plan.Change{Action: plan.CreateUser, User: u},
			plan.Change{Action: plan.CreateTeam, Team: tm},
			plan.Change{Action: plan.AddMember, Team: tm, User: u, Role: model.RoleAdmin},
			plan.Change{Action: plan.SetTeamRole, Team: tm, User: u, Role: model.RoleAdmin})
	}
	return cs
}

// promotions returns n members of existing teams made admins: role
// changes, which are listed by name.
func promotions(n int) []plan.Change {
	var cs []plan.Change
	for i := 0; i < n; i++ {
		cs = append(cs, plan.Change{Action: plan.SetTeamRole, Team: fmt.Sprintf("team%04d", i%500), TeamID: fmt.Sprintf("g%04d", i%500),
			User: fmt.Sprintf("member%05d@example.com", i), UserID: fmt.Sprintf("id%05d", i), Role: model.RoleAdmin, From: "member"})
	}
	return cs
}

// TestMarkdownNewTeamRolesAfterPromotions: the role of a member the plan
// adds to a team it creates is a role change (set_team_role in the plan
// JSON) and is listed by name as every role change is, but after the
// others: thousands of new teams with an admin each, which any pull
// request can make at no cost, do not push out an existing user's
// promotion or an org role; those that do not fit are counted in the NOT
// LISTED block as role changes, never left out unsaid.
func TestMarkdownNewTeamRolesAfterPromotions(t *testing.T) {
	cs := append(newTeamsAsAdmin(3000),
		plan.Change{Action: plan.SetTeamRole, Team: "prod-admins", TeamID: "g-prod", User: "alice@example.com", UserID: "u-alice", Role: model.RoleAdmin, From: "member"},
		plan.Change{Action: plan.SetOrgRole, User: "sam@example.com", UserID: "u-sam", Role: model.RoleAdmin, From: "member"},
		plan.Change{Action: plan.AddMember, Team: "prod-admins", TeamID: "g-prod", User: "dave@example.com", UserID: "u-dave"})
	md := markdownOf(t, plan.Plan{Changes: cs})
	if !strings.Contains(md, " change lines are not shown") {
		t.Fatal("nothing was cut: the test proves nothing")
	}
	for _, want := range []string{"alice@example.com (team prod-admins)", "sam@example.com"} {
		if !strings.Contains(md, want) {
			t.Errorf("the comment does not show %q", want)
		}
	}
	listed := 0
	for i := 0; i < 3000; i++ {
		if strings.Contains(md, fmt.Sprintf("u%05d@example.com (team t%05d)", i, i)) {
			listed++
		}
	}
	m := regexp.MustCompile(`NOT LISTED: (\d+) of 3002 role change\(s\)`).FindStringSubmatch(md)
	if listed == 0 || m == nil || m[1] != fmt.Sprint(3000-listed) {
		t.Errorf("%d of the new teams' roles listed by name, NOT LISTED %v: want the rest counted there", listed, m)
	}
}

// TestMarkdownNewTeamRolesListed: when they fit, the roles of members
// added to teams the plan creates are all listed by name, though the
// creates and adds around them are cut.
func TestMarkdownNewTeamRolesListed(t *testing.T) {
	cs := newTeamsAsAdmin(200)
	for i := 0; i < 3000; i++ {
		cs = append(cs, plan.Change{Action: plan.CreateUser, User: fmt.Sprintf("filler%05d-with-a-long-name@example.com", i)})
	}
	md := markdownOf(t, plan.Plan{Changes: cs})
	if !strings.Contains(md, " change lines are not shown") {
		t.Fatal("nothing was cut: the test proves nothing")
	}
	for i := 0; i < 200; i++ {
		if u := fmt.Sprintf("u%05d@example.com", i); !strings.Contains(md, u) {
			t.Fatalf("the role given to %s in a new team is not listed by name", u)
		}
	}
	if strings.Contains(md, "NOT LISTED") {
		t.Error("a NOT LISTED block, though only creates and adds were cut")
	}
}

// TestMarkdownRoleFloodKeepsAccountChanges: role changes, as many as fill
// the comment, do not push out the lines that hand an existing account to
// another address (an email or externalId update) or give one back (a
// reactivation, an invitation again on Multi-tenant Cloud): those are
// listed in full, before the role changes.
func TestMarkdownRoleFloodKeepsAccountChanges(t *testing.T) {
	cs := []plan.Change{
		{Action: plan.UpdateUser, User: "zz-evil@attacker.com", UserID: "u-alice", FromEmail: "alice@example.com", Email: "zz-evil@attacker.com"},
		{Action: plan.UpdateUser, User: "bob@example.com", UserID: "u-bob", FromExternalID: "okta-bob", ExternalID: "okta-mallory"},
		{Action: plan.ReactivateUser, User: "fired@example.com", UserID: "u-fired"},
		{Action: plan.CreateUser, User: "gone@example.com", Reason: plan.ReasonRecreate},
	}
	md := markdownOf(t, plan.Plan{Changes: append(cs, promotions(3000)...)})
	if !strings.Contains(md, "NOT LISTED: ") || !strings.Contains(md, " role change(s) do not fit") {
		t.Fatalf("the flood fits: the test proves nothing\n%.2000s", md)
	}
	for _, want := range []string{
		`update email "alice@example.com" → "zz-evil@attacker.com"`,
		`update externalId "okta-bob" → "okta-mallory"`,
		"fired@example.com", "gone@example.com",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the comment does not show %s", want)
		}
	}
	if strings.Contains(md, "reactivation(s) or email") {
		t.Errorf("account changes said not listed though they were:\n%.1500s", md)
	}
}

// TestMarkdownAccountFloodCounted: when account changes alone pass the
// cap, the NOT LISTED block counts the ones left out.
func TestMarkdownAccountFloodCounted(t *testing.T) {
	var cs []plan.Change
	for i := 0; i < 2000; i++ {
		u := fmt.Sprintf("user%05d@example.com", i)
		cs = append(cs, plan.Change{Action: plan.UpdateUser, User: u, UserID: fmt.Sprintf("id%05d", i), FromEmail: u, Email: "x" + u})
	}
	md := markdownOf(t, plan.Plan{Changes: cs})
	m := regexp.MustCompile(`NOT LISTED: (\d+) of 2000 reactivation\(s\) or email or externalId change\(s\) do not fit`).FindStringSubmatch(md)
	if m == nil {
		t.Fatalf("no NOT LISTED count of account changes:\n%.1500s", md)
	}
	var left int
	fmt.Sscan(m[1], &left)
	if shown := strings.Count(md, `~     update email "`); shown+left != 2000 || shown == 0 {
		t.Errorf("%d listed + %d said not listed, want 2000", shown, left)
	}
}

// TestMarkdownGrantsBeforeCreates: among the + lines, which go first when
// the comment is cut, an add to a team that exists (access to its data)
// is kept before creates and adds to new teams.
func TestMarkdownGrantsBeforeCreates(t *testing.T) {
	var cs []plan.Change
	for i := 0; i < 2500; i++ {
		u, tm := fmt.Sprintf("u%05d@example.com", i), fmt.Sprintf("t%05d", i)
		cs = append(cs, plan.Change{Action: plan.CreateUser, User: u},
			plan.Change{Action: plan.CreateTeam, Team: tm},
			plan.Change{Action: plan.AddMember, Team: tm, User: u})
	}
	cs = append(cs, plan.Change{Action: plan.AddMember, Team: "prod-admins", TeamID: "g-prod", User: "zz-evil@attacker.com", UserID: "u-evil"})
	md := markdownOf(t, plan.Plan{Changes: cs})
	if !strings.Contains(md, " change lines are not shown") {
		t.Fatalf("nothing was cut: the test proves nothing")
	}
	if !strings.Contains(md, "prod-admins (id g-prod)") || !strings.Contains(md, "add zz-evil@attacker.com as member") {
		t.Errorf("the add to the existing team prod-admins is not shown")
	}
}

// TestMarkdownAddAsAdminToExistingTeamNotPushedOut: an add as admin to a
// team that exists gives a set_team_role with the team's id and no From
// (diff/members.go addMember). Its gist, "role → admin", is the one a
// role in a team the plan creates has; were they bundled together across
// teams, the bundle would write its first names, in team order, when it
// cannot write all: alice, who gets admin of a team that exists, would go
// unnamed while new-team roles are. Roles in new teams have bundles of
// their own.
func TestMarkdownAddAsAdminToExistingTeamNotPushedOut(t *testing.T) {
	cs := append(newTeamsAsAdmin(3000),
		plan.Change{Action: plan.AddMember, Team: "zz-prod", TeamID: "g-prod", User: "alice@example.com", UserID: "u-alice", Role: model.RoleAdmin},
		plan.Change{Action: plan.SetTeamRole, Team: "zz-prod", TeamID: "g-prod", User: "alice@example.com", UserID: "u-alice", Role: model.RoleAdmin})
	md := markdownOf(t, plan.Plan{Changes: cs})
	listed := 0
	for i := 0; i < 3000; i++ {
		if strings.Contains(md, fmt.Sprintf("u%05d@example.com", i)) {
			listed++
		}
	}
	m := regexp.MustCompile(`NOT LISTED: (\d+) of 3001 role change\(s\)`).FindStringSubmatch(md)
	if !strings.Contains(md, "alice@example.com") {
		t.Errorf("alice's admin role in the existing team zz-prod is not named, while %d new-team roles are", listed)
	}
	if m == nil || m[1] != fmt.Sprint(3000-listed) {
		t.Errorf("%d new-team roles listed, NOT LISTED %v: want the rest counted", listed, m)
	}
}

// TestNewTeamRoleBundleSaysSo: the compact bundle of roles given in
// teams the plan creates says so in its header, apart from the bundle of
// the same role given in a team that exists.
func TestNewTeamRoleBundleSaysSo(t *testing.T) {
	cs := append(newTeamsAsAdmin(3000),
		plan.Change{Action: plan.AddMember, Team: "zz-prod", TeamID: "g-prod", User: "alice@example.com", UserID: "u-alice", Role: model.RoleAdmin},
		plan.Change{Action: plan.SetTeamRole, Team: "zz-prod", TeamID: "g-prod", User: "alice@example.com", UserID: "u-alice", Role: model.RoleAdmin})
	md := markdownOf(t, plan.Plan{Changes: cs})
	if !strings.Contains(md, "~ role → admin, in teams the plan creates: ") {
		t.Errorf("no bundle header for roles in new teams")
	}
	// Its bundle's one name on the header's line or the next, as the
	// layout finds room.
	if !regexp.MustCompile(`~ role → admin: 1 membership\(s\)(: |\n~ +)alice@example\.com \(team zz-prod\)`).MatchString(md) {
		t.Errorf("alice's role in the existing team is not in a bundle of its own")
	}
}

// newAdmins returns n users the plan creates, each made an org admin and
// added as admin to prod, a team that exists: a create, an org role, an
// add and a team role each.
func newAdmins(n int) []plan.Change {
	var cs []plan.Change
	for i := 0; i < n; i++ {
		u := fmt.Sprintf("new%05d@example.com", i)
		cs = append(cs, plan.Change{Action: plan.CreateUser, User: u},
			plan.Change{Action: plan.SetOrgRole, User: u, Role: model.RoleAdmin, Reason: "new users join as member"},
			plan.Change{Action: plan.AddMember, Team: "prod", TeamID: "g-prod", User: u},
			plan.Change{Action: plan.SetTeamRole, Team: "prod", TeamID: "g-prod", User: u, Role: model.RoleAdmin})
	}
	return cs
}

// TestMarkdownNewUserRolesAfterPromotions: the org role of a user the
// plan creates, and its role in a team that exists, are role changes
// listed by name, but after the promotions of existing accounts: thousands
// of new admins, which any pull request can add at no cost, do not push
// a member made admin out of the comment; those that do not fit are
// counted in the NOT LISTED block.
func TestMarkdownNewUserRolesAfterPromotions(t *testing.T) {
	cs := newAdmins(3000)
	var promoted []string
	for i := 0; i < 100; i++ {
		u := fmt.Sprintf("old%04d@example.com", i)
		promoted = append(promoted, u)
		cs = append(cs, plan.Change{Action: plan.SetOrgRole, User: u, UserID: fmt.Sprintf("id%04d", i), Role: model.RoleAdmin, From: "member"})
	}
	cs = append(cs, plan.Change{Action: plan.SetTeamRole, Team: "prod", TeamID: "g-prod", User: "alice@example.com", UserID: "u-alice", Role: model.RoleAdmin, From: "member"})
	promoted = append(promoted, "alice@example.com")
	md := markdownOf(t, plan.Plan{Changes: cs})
	m := regexp.MustCompile(`NOT LISTED: (\d+) of 6101 role change\(s\)`).FindStringSubmatch(md)
	if m == nil {
		t.Fatalf("no role change was cut: the test proves nothing\n%.2000s", md)
	}
	for _, u := range promoted {
		if !strings.Contains(md, u) {
			t.Errorf("the promotion of %s, an existing account, is not listed", u)
		}
	}
	listed := 0
	for i := 0; i < 3000; i++ {
		listed += strings.Count(md, fmt.Sprintf("new%05d@example.com", i))
	}
	if listed == 0 {
		t.Error("no new user's role listed by name, though there was room after the promotions")
	}
}

// TestMarkdownReorgKeepsAdminChanges: a reorganisation whose removals
// and deactivations alone pass the cap (thousands of names) still names
// every role change of an existing account, promotions and demotions
// alike, and every removal of a team admin: no safety limit counts a
// role change, while maxMemberRemovals bounds the removals, which are
// the ones counted as NOT listed. The roles given to new users come last.
func TestMarkdownReorgKeepsAdminChanges(t *testing.T) {
	var cs []plan.Change
	for i := 0; i < 1000; i++ {
		cs = append(cs, plan.Change{Action: plan.DeactivateUser, User: fmt.Sprintf("gone%05d@example.com", i), UserID: fmt.Sprintf("gid%05d", i), Reason: "active: false in the manifest"})
	}
	for i := 0; i < 3000; i++ {
		team := fmt.Sprintf("team%04d", i%1500)
		cs = append(cs, plan.Change{Action: plan.RemoveMember, Team: team, TeamID: "g" + team, User: fmt.Sprintf("moved%05d@example.com", i), UserID: fmt.Sprintf("mid%05d", i), Reason: "not listed in this authoritative team"})
	}
	var named []string
	for i := 0; i < 50; i++ {
		team := fmt.Sprintf("team%04d", i*7)
		u := fmt.Sprintf("lead%03d@example.com", i)
		named = append(named, u)
		cs = append(cs, plan.Change{Action: plan.RemoveMember, Team: team, TeamID: "g" + team, User: u, UserID: "lid" + u, From: "admin", Reason: "not listed in this authoritative team"})
	}
	for i := 0; i < 100; i++ {
		team := fmt.Sprintf("team%04d", i*11%1500)
		up, down := fmt.Sprintf("up%03d@example.com", i), fmt.Sprintf("down%03d@example.com", i)
		named = append(named, up, down)
		cs = append(cs, plan.Change{Action: plan.SetTeamRole, Team: team, TeamID: "g" + team, User: up, UserID: "uid" + up, Role: model.RoleAdmin, From: "member"},
			plan.Change{Action: plan.SetTeamRole, Team: team, TeamID: "g" + team, User: down, UserID: "did" + down, Role: model.RoleMember, From: "admin"})
	}
	cs = append(cs, plan.Change{Action: plan.SetOrgRole, User: "boss@example.com", UserID: "u-boss", Role: model.RoleAdmin, From: "member"})
	named = append(named, "boss@example.com")
	for i := 0; i < 300; i++ {
		u := fmt.Sprintf("hire%04d@example.com", i)
		cs = append(cs, plan.Change{Action: plan.CreateUser, User: u}, plan.Change{Action: plan.SetOrgRole, User: u, Role: model.RoleAdmin, Reason: "new users join as member"})
	}
	md := markdownOf(t, plan.Plan{Changes: cs})
	m := regexp.MustCompile(`NOT LISTED: (?:\d+ of 1000 deactivation\(s\), )?(\d+) of 3050 member removal\(s\)`).FindStringSubmatch(md)
	if m == nil {
		t.Fatalf("no removal was cut: the test proves nothing\n%.3000s", md)
	}
	for _, u := range named {
		if !strings.Contains(md, u) {
			t.Errorf("%s, whose admin right the plan gives or takes away, is not listed", u)
		}
	}
	// Only the new users' roles may be cut (counted as NOT listed).
	if r := regexp.MustCompile(`(\d+) of 501 role change\(s\)`).FindStringSubmatch(md); r != nil {
		if n, _ := strconv.Atoi(r[1]); n > 300 {
			t.Errorf("%d of the role changes not listed: more than the 300 new users' roles", n)
		}
	}
}

// TestMarkdownExistingAccountRolesWithoutFromOrIDKept: a role change on an
// existing account that has no From (an unverified assertion, under
// unreportedRoles: enforce) or no UserID (a Multi-tenant account invited
// again, whose old role is known) is no newcomer's role: thousands of new
// admins do not push it out of the comment.
func TestMarkdownExistingAccountRolesWithoutFromOrIDKept(t *testing.T) {
	cs := newAdmins(3000)
	cs = append(cs,
		plan.Change{Action: plan.SetOrgRole, User: "zz-unverified@example.com", UserID: "u-zz", Role: model.RoleAdmin, Reason: plan.ReasonUnverified},
		plan.Change{Action: plan.SetTeamRole, Team: "prod", TeamID: "g-prod", User: "zz-reinvited@example.com", Role: model.RoleAdmin, From: "member"})
	md := markdownOf(t, plan.Plan{Changes: cs})
	if !strings.Contains(md, "NOT LISTED") {
		t.Fatalf("nothing was cut: the test proves nothing")
	}
	for _, u := range []string{"zz-unverified@example.com", "zz-reinvited@example.com"} {
		if !strings.Contains(md, u) {
			t.Errorf("the role change of %s, an existing account, is not listed", u)
		}
	}
}

// TestMarkdownNewUserRoleInExistingTeamNotCalledNewTeam: cut to its
// compact form, a new user's role in a team that exists is not bundled
// with, nor counted among, the roles "in teams the plan creates".
func TestMarkdownNewUserRoleInExistingTeamNotCalledNewTeam(t *testing.T) {
	var cs []plan.Change
	for i := 0; i < 3000; i++ {
		u := fmt.Sprintf("new%05d@example.com", i)
		team := fmt.Sprintf("nt-%05d", i)
		cs = append(cs, plan.Change{Action: plan.CreateUser, User: u},
			plan.Change{Action: plan.CreateTeam, Team: team},
			plan.Change{Action: plan.AddMember, Team: team, User: u, Role: model.RoleAdmin},
			plan.Change{Action: plan.SetTeamRole, Team: team, User: u, Role: model.RoleAdmin})
	}
	cs = append(cs, plan.Change{Action: plan.CreateUser, User: "zz-new@example.com"},
		plan.Change{Action: plan.AddMember, Team: "prod", TeamID: "g-prod", User: "zz-new@example.com", Role: model.RoleAdmin},
		plan.Change{Action: plan.SetTeamRole, Team: "prod", TeamID: "g-prod", User: "zz-new@example.com", Role: model.RoleAdmin})
	md := markdownOf(t, plan.Plan{Changes: cs})
	m := regexp.MustCompile(`in teams the plan creates: (?:\d+ of )?(\d+) membership`).FindStringSubmatch(md)
	if m == nil {
		t.Fatalf("no compact bundle of new teams' roles\n%.3000s", md)
	}
	if m[1] != "3000" {
		t.Errorf("the bundle of roles in teams the plan creates counts %s membership(s), want 3000 (prod exists)", m[1])
	}
	for _, ln := range strings.Split(md, "\n") {
		if strings.Contains(ln, "in teams the plan creates") && strings.Contains(ln, "(team prod)") {
			t.Errorf("a role in prod, a team that exists, is said to be in a team the plan creates: %.200s", ln)
		}
	}
}

// TestMarkdownAdminLossesFirstWithinTheirTier: when not every
// deactivation or role change of an existing account fits, those that
// take an admin right away (an admin deactivated, an admin demoted) are
// kept before the others, whatever their names' order.
func TestMarkdownAdminLossesFirstWithinTheirTier(t *testing.T) {
	var cs []plan.Change
	var named []string
	for i := 0; i < 4000; i++ {
		cs = append(cs, plan.Change{Action: plan.DeactivateUser, User: fmt.Sprintf("gone%05d@example.com", i), UserID: fmt.Sprintf("gid%05d", i), Reason: "active: false in the manifest"})
	}
	for i := 0; i < 5; i++ {
		u := fmt.Sprintf("zz-admin-gone%d@example.com", i)
		named = append(named, u)
		cs = append(cs, plan.Change{Action: plan.DeactivateUser, User: u, UserID: "zid" + u, From: "admin", Reason: "active: false in the manifest"})
	}
	md := markdownOf(t, plan.Plan{Changes: cs})
	if !strings.Contains(md, "NOT LISTED") {
		t.Fatalf("nothing was cut: the test proves nothing")
	}
	cs = nil
	for i := 0; i < 3000; i++ {
		cs = append(cs, plan.Change{Action: plan.SetOrgRole, User: fmt.Sprintf("up%05d@example.com", i), UserID: fmt.Sprintf("uid%05d", i), Role: model.RoleAdmin, From: "member"})
	}
	for i := 0; i < 5; i++ {
		u := fmt.Sprintf("zz-down%d@example.com", i)
		named = append(named, u)
		cs = append(cs, plan.Change{Action: plan.SetOrgRole, User: u, UserID: "did" + u, Role: model.RoleMember, From: "admin"})
	}
	md2 := markdownOf(t, plan.Plan{Changes: cs})
	if !strings.Contains(md2, "NOT LISTED") {
		t.Fatalf("nothing was cut: the test proves nothing")
	}
	for _, u := range named {
		if !strings.Contains(md+md2, u) {
			t.Errorf("%s, who loses an admin right, is not listed", u)
		}
	}
}

// TestMarkdownNewcomerRolesAfterRemovals: the roles given to users the
// plan creates are kept after the removals: while a removal is not
// listed, no newcomer's role is.
func TestMarkdownNewcomerRolesAfterRemovals(t *testing.T) {
	var cs []plan.Change
	for i := 0; i < 4000; i++ {
		team := fmt.Sprintf("team%04d", i%1500)
		cs = append(cs, plan.Change{Action: plan.RemoveMember, Team: team, TeamID: "g" + team, User: fmt.Sprintf("moved%05d@example.com", i), UserID: fmt.Sprintf("mid%05d", i), Reason: "not listed in this authoritative team"})
	}
	for i := 0; i < 300; i++ {
		u := fmt.Sprintf("hire%04d@example.com", i)
		cs = append(cs, plan.Change{Action: plan.CreateUser, User: u}, plan.Change{Action: plan.SetOrgRole, User: u, Role: model.RoleAdmin, Reason: "new users join as member"})
	}
	md := markdownOf(t, plan.Plan{Changes: cs})
	if !regexp.MustCompile(`NOT LISTED: \d+ of 4000 member removal\(s\)`).MatchString(md) {
		t.Fatalf("no removal was cut: the test proves nothing\n%.2000s", md)
	}
	if !strings.Contains(md, "300 of 300 role change(s)") {
		t.Errorf("a newcomer's role is listed while removals are not:\n%.1500s", md)
	}
}
