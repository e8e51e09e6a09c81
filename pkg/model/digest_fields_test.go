package model

import (
	"slices"
	"testing"
)

// Every field a manifest sets is in the digest: a saved plan whose embedded
// manifest was edited in any of them (with its changes edited to match) is
// refused. No field may be left out of it (team membership,
// a user's active flag, the protected list).
func TestDigestCoversEveryManifestField(t *testing.T) {
	base := func() (State, Policy) {
		st := State{
			Users: []User{{UserName: "a", Email: "a@x.com", Active: true, OrgRole: RoleMember}, {UserName: "b", Email: "b@x.com", Active: true}},
			Teams: []Team{{Name: "ml", Membership: Additive, Members: []Member{{Email: "a@x.com", Role: RoleMember}, {Email: "b@x.com"}}}},
		}
		p := Policy{UnmanagedUsers: UnmanagedIgnore, UnreportedRoles: RolesSkip, Protected: []string{"svc-*", "admin@*"}, UnmanagedGracePeriod: DefaultGracePeriod}
		return st, p
	}
	st0, p0 := base()
	d0 := Digest(st0, p0)
	for _, tc := range []struct {
		name string
		edit func(st *State, p *Policy)
	}{
		{"user userName", func(st *State, p *Policy) { st.Users[0].UserName = "a2" }},
		{"user email", func(st *State, p *Policy) { st.Users[0].Email = "a2@x.com" }},
		{"user emails", func(st *State, p *Policy) { st.Users[0].Emails = []string{"a3@x.com"} }},
		{"user displayName", func(st *State, p *Policy) { st.Users[0].DisplayName = "A" }},
		{"user externalId", func(st *State, p *Policy) { st.Users[0].ExternalID = "e1" }},
		{"user orgRole", func(st *State, p *Policy) { st.Users[0].OrgRole = RoleAdmin }},
		{"user active", func(st *State, p *Policy) { st.Users[1].Active = false }},
		{"team name", func(st *State, p *Policy) { st.Teams[0].Name = "ml2" }},
		{"team id pin", func(st *State, p *Policy) { st.Teams[0].ID = "g1" }},
		{"team membership", func(st *State, p *Policy) { st.Teams[0].Membership = Authoritative }},
		{"member role", func(st *State, p *Policy) { st.Teams[0].Members[1].Role = RoleAdmin }},
		{"member dropped", func(st *State, p *Policy) { st.Teams[0].Members = st.Teams[0].Members[:1] }},
		{"policy unmanagedUsers", func(st *State, p *Policy) { p.UnmanagedUsers = UnmanagedDeactivate }},
		{"policy unreportedRoles", func(st *State, p *Policy) { p.UnreportedRoles = RolesEnforce }},
		{"policy protected entry dropped", func(st *State, p *Policy) { p.Protected = p.Protected[:1] }},
		{"policy protected entry changed", func(st *State, p *Policy) { p.Protected[1] = "root@*" }},
		{"policy maxDeactivations", func(st *State, p *Policy) { p.MaxDeactivations = Limit{Set: true, Value: 3} }},
		{"policy maxMemberRemovals percent", func(st *State, p *Policy) { p.MaxMemberRemovals = Limit{Set: true, Value: 3, Percent: true} }},
		{"policy grace", func(st *State, p *Policy) { p.UnmanagedGracePeriod++ }},
	} {
		st, p := base()
		tc.edit(&st, &p)
		if Digest(st, p) == d0 {
			t.Errorf("%s: the digest does not change", tc.name)
		}
	}
	// and the order of users, teams, members and protected entries does not count
	st, p := base()
	slices.Reverse(st.Users)
	slices.Reverse(st.Teams[0].Members)
	slices.Reverse(p.Protected)
	if Digest(st, p) != d0 {
		t.Error("the digest depends on the order of users, members or protected entries")
	}
}
