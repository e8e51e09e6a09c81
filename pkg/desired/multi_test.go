package desired

import "testing"

// TestSeveralFilesSayVersion: a manifest split into complete files, each
// saying version: 1, loads as one; the policy may be in any of them.
func TestSeveralFilesSayVersion(t *testing.T) {
	m, err := Parse([]Source{
		{"users.yaml", []byte("version: 1\nusers:\n  - email: a@example.com\n")},
		{"teams.yaml", []byte("version: 1\npolicy:\n  unmanagedUsers: deactivate\nteams:\n  - name: ml\n    members: [a@example.com]\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.State.Users) != 1 || len(m.State.Teams) != 1 || m.Policy.UnmanagedUsers != "deactivate" {
		t.Fatalf("loaded %+v", m)
	}
}
