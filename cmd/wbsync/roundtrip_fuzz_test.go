package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/wbsync/wbsync/pkg/desired"
	"github.com/wbsync/wbsync/pkg/diff"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/observed"
	"github.com/wbsync/wbsync/pkg/scim"
)

// FuzzExportRoundTrip: a live organization (two users, one or two teams, as a
// SCIM read gives them) is exported with desired.Encode as `wbsync export`
// does, loaded back with desired.Parse, and planned against the same
// organization: the export must load (Encode reports what it leaves out,
// so that "the export always validates") and must plan no change.
func FuzzExportRoundTrip(f *testing.F) {
	f.Add("dev-user1", "alice@example.com", "Alice", "00u1", "admin", true, "bob@example.com", "bob@example.com", "", "", "member", true, "ml", "g1", "admin", "member", "", false)
	f.Add("a@b.co", "A@B.co", "", "", "", false, "x", "x@y.co", "X Y", "e2", "viewer", true, "Team", "RW50aXR5OjIy", "viewer", "custom role", "team", true)
	f.Add("u", "u@x.io", "has: colon", "#x", "member", true, "v", "v@x.io", "- dash", "'q'", "", true, "t: x", "", "", "", "t", false)
	f.Fuzz(func(t *testing.T, un1, em1, dn1, ext1, or1 string, act1 bool, un2, em2, dn2, ext2, or2 string, act2 bool,
		team, teamID, role1, role2, team2 string, saas bool) {
		// The SCIM decoder gives valid UTF-8 only (an invalid byte reads as
		// U+FFFD): so do these.
		v := func(ps ...*string) {
			for _, p := range ps {
				*p = strings.ToValidUTF8(*p, "\uFFFD")
			}
		}
		v(&un1, &em1, &dn1, &ext1, &or1, &un2, &em2, &dn2, &ext2, &or2, &team, &teamID, &role1, &role2, &team2)
		users := []scim.User{
			{ID: "u1", UserName: un1, DisplayName: dn1, ExternalID: ext1, Active: act1, OrganizationRole: or1,
				Emails: []scim.Email{{Value: em1, Primary: true}}},
			{ID: "u2", UserName: un2, DisplayName: dn2, ExternalID: ext2, Active: act2, OrganizationRole: or2,
				Emails: []scim.Email{{Value: em2, Primary: true}}},
		}
		if role1 != "" {
			users[0].TeamRoles = []scim.TeamRole{{TeamName: team, RoleName: role1}}
		}
		if role2 != "" {
			users[1].TeamRoles = []scim.TeamRole{{TeamName: team, RoleName: role2}}
		}
		gid := teamID
		if gid == "" {
			gid = "g1"
		}
		groups := []scim.Group{{ID: gid, DisplayName: team, Members: []scim.GroupMember{{Value: "u1", Display: un1}, {Value: "u2", Display: un2}}}}
		if team2 != "" {
			groups = append(groups, scim.Group{ID: gid + "-2", DisplayName: team2, Members: []scim.GroupMember{{Value: "u2"}}})
		}
		have, err := observed.Build(users, groups)
		if err != nil {
			return // a read that fails closed
		}
		dep := model.Dedicated
		if saas {
			dep = model.SaaS
		}
		var buf bytes.Buffer
		rep, err := desired.Encode(&buf, have, desired.EncodeOptions{Header: "fuzz", NoCustomRoles: saas})
		if err != nil {
			return
		}
		m, err := desired.Parse([]desired.Source{{Name: "export.yaml", Data: buf.Bytes()}})
		if err != nil {
			t.Fatalf("the export does not load: %v\nskipped users %v teams %v\n---\n%s", err, rep.SkippedUsers, rep.SkippedTeams, buf.String())
		}
		if len(rep.SkippedUsers) > 0 || len(rep.SkippedTeams) > 0 {
			return // left out users/teams legitimately plan (unmanaged, etc.)
		}
		// Roles the export dropped for a custom role check are additive: fine.
		p := diff.Compute(m.State, have, m.Policy, diff.Options{Deployment: dep, Now: time.Now()})
		if p.HasChanges() || p.IsBlocked() {
			var cs []string
			for _, c := range p.Changes {
				cs = append(cs, string(c.Action)+" "+c.User+" "+c.Team)
			}
			t.Fatalf("export then plan is not 'no changes': %s\n---\n%s", strings.Join(cs, "; "), buf.String())
		}
	})
}
