package plan

import "testing"

// TestNotInManifestDestructiveOnly: only a removal from a team or a
// deactivation is a change of a user not in the manifest, whatever the
// reason of another change says.
func TestNotInManifestDestructiveOnly(t *testing.T) {
	for _, c := range []struct {
		c    Change
		want bool
	}{
		{Change{Action: RemoveMember, Reason: ReasonNotInManifest + "; the team is authoritative"}, true},
		{Change{Action: DeactivateUser, Reason: ReasonNotInManifest + "; unmanagedUsers: deactivate"}, true},
		{Change{Action: DeactivateUser, Reason: "active: false"}, false},
		{Change{Action: RemoveMember, Reason: "not listed in this authoritative team"}, false},
		{Change{Action: SetTeamRole, Reason: ReasonNotInManifest}, false},
		{Change{Action: UpdateUser, Reason: ReasonNotInManifest}, false},
	} {
		if got := c.c.NotInManifest(); got != c.want {
			t.Errorf("%s %q: NotInManifest %t, want %t", c.c.Action, c.c.Reason, got, c.want)
		}
	}
}
