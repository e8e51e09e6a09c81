package model

import "testing"

// TestUsersHiddenNeedsNoUserAndAMember: a read hides its users only when
// it lists no user while one of its teams has a member; a read with one
// user, or with no member in any team, does not.
func TestUsersHiddenNeedsNoUserAndAMember(t *testing.T) {
	withMember := []Team{{ID: "t0", Name: "empty"}, {ID: "t1", Name: "ml", Members: []Member{{UserID: "u1"}}}}
	for _, tc := range []struct {
		name string
		st   State
		want bool
	}{
		{"no user, a member", State{Teams: withMember}, true},
		{"one user, a member", State{Users: []User{{ID: "u9", UserName: "a@x.io"}}, Teams: withMember}, false},
		{"no user, empty teams", State{Teams: []Team{{ID: "t0", Name: "empty"}, {ID: "t2", Name: "ops", Members: []Member{}}}}, false},
		{"no user, no team", State{}, false},
	} {
		if got := tc.st.UsersHidden(); got != tc.want {
			t.Errorf("%s: UsersHidden %v, want %v", tc.name, got, tc.want)
		}
	}
}
