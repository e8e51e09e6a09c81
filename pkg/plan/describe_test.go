package plan

import (
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
)

// TestRoleTextNeverReadsAlike: two different roles never read alike, and a
// role's name never reads as a change: a role of plain characters is shown
// as it is, any other quoted with its odd spaces and look-alikes escaped.
func TestRoleTextNeverReadsAlike(t *testing.T) {
	for in, want := range map[model.Role]string{
		"admin": "admin", "Data Scientist": "Data Scientist", "ml-ops_2.0:read/write": "ml-ops_2.0:read/write",
		"Team\u00a0Admin": `"Team\u00a0Admin"`, "admin ": `"admin "`, " admin": `" admin"`, "Team  Admin": `"Team  Admin"`,
		"viewer → admin": `"viewer → admin"`, "\u0430dmin": `"\u0430dmin"`, // a look-alike, escaped `say "hi"`: `"say \"hi\""`, "": `""`,
	} {
		if got := RoleText(in); got != want {
			t.Errorf("RoleText(%q) = %s, want %s", in, got, want)
		}
	}
	c := Change{Action: SetTeamRole, Team: "ml", User: "bob@x.com", From: "Team\u00a0Admin", Role: "Team Admin"}
	if got, want := Describe(c), `set the role of bob@x.com in team ml: "Team\u00a0Admin" → Team Admin`; got != want {
		t.Errorf("Describe = %s, want %s", got, want)
	}
}
