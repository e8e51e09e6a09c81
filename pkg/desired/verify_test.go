package desired

import (
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
)

// TestVerifyRefusesWhatAManifestCannotHold: a loaded manifest edited after
// loading (as a hand-edited saved plan would carry it) is refused for each
// thing Parse refuses or Encode cannot write.
func TestVerifyRefusesWhatAManifestCannotHold(t *testing.T) {
	m, err := Parse([]Source{{"m.yaml", []byte("version: 1\nusers:\n  - email: a@example.com\n    orgRole: admin\n  - email: b@example.com\n" +
		"teams:\n  - name: ml\n    members:\n      - email: a@example.com\n        role: admin\n      - b@example.com\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(m.State, m.Policy); err != nil {
		t.Fatalf("the manifest as loaded: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(st *model.State, pol *model.Policy)
		want string
	}{
		{"unknown unmanagedUsers", func(_ *model.State, pol *model.Policy) { pol.UnmanagedUsers = "bogus" }, "unmanagedUsers"},
		{"no policy at all", func(_ *model.State, pol *model.Policy) { *pol = model.Policy{} }, "cannot declare"},
		{"undeclared member", func(st *model.State, _ *model.Policy) {
			st.Teams[0].Members = append(st.Teams[0].Members, model.Member{Email: "ghost@example.com"})
		}, ""},
		{"user twice", func(st *model.State, _ *model.Policy) { st.Users = append(st.Users, st.Users[0]) }, ""},
		{"team twice", func(st *model.State, _ *model.Policy) { st.Teams = append(st.Teams, st.Teams[0]) }, ""},
		{"unknown org role", func(st *model.State, _ *model.Policy) { st.Users[1].OrgRole = "owner" }, ""},
		{"negative limit", func(_ *model.State, pol *model.Policy) { pol.MaxDeactivations = model.Limit{Set: true, Value: -1} }, ""},
		{"malformed email", func(st *model.State, _ *model.Policy) {
			st.Users[1].Email, st.Users[1].UserName = "b at example", "b at example"
		}, ""},
	} {
		st := model.State{Users: append([]model.User(nil), m.State.Users...), Teams: append([]model.Team(nil), m.State.Teams...)}
		st.Teams[0].Members = append([]model.Member(nil), st.Teams[0].Members...)
		pol := m.Policy
		tc.edit(&st, &pol)
		err := Verify(st, pol)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Verify gives %v, want an error naming %q", tc.name, err, tc.want)
		}
	}
}
