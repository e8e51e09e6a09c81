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

// TestMissingVersionAtThePolicy: with no file saying version, the problem
// is placed in the file that holds the policy, the one to edit; without a
// policy, at the first file.
func TestMissingVersionAtThePolicy(t *testing.T) {
	for _, tc := range []struct {
		second string
		want   string
	}{
		{"policy:\n  unmanagedUsers: deactivate\n", "b.yaml:1:1: missing version: one file (the one with policy, if any) must say version: 1"},
		{"teams: []\n", "a.yaml:1:1: missing version: one file (the one with policy, if any) must say version: 1"},
	} {
		_, err := Parse([]Source{{"a.yaml", []byte("users:\n  - email: a@example.com\n")}, {"b.yaml", []byte(tc.second)}})
		if err == nil || err.Error() != tc.want {
			t.Errorf("with b.yaml %q: %v; want %s", tc.second, err, tc.want)
		}
	}
}

// TestPolicyKeyAtTheTopLevel: a policy key left at the top level (a policy
// split into a file of its own, unindented) is unknown there, with the
// hint to put it under policy.
func TestPolicyKeyAtTheTopLevel(t *testing.T) {
	_, err := Parse([]Source{{"policy.yaml", []byte("version: 1\nlimits:\n  maxDeactivations: 5\n")}})
	want := `policy.yaml:2:1: unknown key "limits" at the top level (did you mean policy.limits? the policy's keys go under policy:, as in policy: {limits: ...})`
	if err == nil || err.Error() != want {
		t.Errorf("%v; want %s", err, want)
	}
}

// TestLimitKeyMisplaced: a limit written beside the policy's keys, or at
// the top level, is unknown there, with the hint to put it under
// policy.limits.
func TestLimitKeyMisplaced(t *testing.T) {
	for doc, want := range map[string]string{
		"version: 1\npolicy:\n  maxDeactivations: 5\n": `m.yaml:3:3: unknown key "maxDeactivations" in policy (did you mean policy.limits.maxDeactivations? limits go under limits:, as in limits: {maxDeactivations: ...})`,
		"version: 1\nmaxMemberRemovals: 5\n":           `m.yaml:2:1: unknown key "maxMemberRemovals" at the top level (did you mean policy.limits.maxMemberRemovals? limits go under policy: limits:)`,
	} {
		if _, err := Parse([]Source{{"m.yaml", []byte(doc)}}); err == nil || err.Error() != want {
			t.Errorf("%q: %v; want %s", doc, err, want)
		}
	}
}
