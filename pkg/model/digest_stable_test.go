package model

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"testing"
)

// digestState is a state with every kind of field and value that JSON
// escapes (HTML characters, non-ASCII, a control character), in no order.
func digestState() (State, Policy) {
	st := State{
		Users: []User{
			{UserName: "b<&>@x.com", Email: "b<&>@x.com", DisplayName: "Bé \u2028 \u0001", Active: true, OrgRole: RoleAdmin, Emails: []string{"b2@x.com"}, TeamRoles: map[string]Role{"ml": RoleAdmin}},
			{UserName: "A@x.com", Email: "a@x.com", ExternalID: "e1", Active: false},
			{UserName: "a@x.com", Email: "a@x.com", Active: true},
		},
		Teams: []Team{
			{Name: "ml", ID: "g2", Membership: Authoritative, Members: []Member{{Email: "b<&>@x.com", Role: RoleAdmin, User: 1}, {Email: "A@x.com", User: 2}, {Email: "a@x.com", Role: RoleViewer}}},
			{Name: "ML", Membership: Additive},
			{Name: "cv", ID: "g1", Members: []Member{}},
		},
	}
	p := Policy{UnmanagedUsers: UnmanagedDeactivate, UnreportedRoles: RolesEnforce, Protected: []string{"svc-*", "admin@*"},
		MaxDeactivations: Limit{Set: true, Value: 3}, MaxMemberRemovals: Limit{Set: true, Value: 10, Percent: true}, UnmanagedGracePeriod: DefaultGracePeriod}
	return st, p
}

// TestDigestIsHashOfCanonicalJSON: Digest streams the JSON that
// json.Marshal gives for {"state": Canonical(st), "policy": p} (protected
// entries sorted), without building it; the two must agree byte for byte,
// or saved plans written by earlier versions would be refused as edited.
func TestDigestIsHashOfCanonicalJSON(t *testing.T) {
	st, p := digestState()
	cp := p
	cp.Protected = slices.Sorted(slices.Values(p.Protected))
	b, err := json.Marshal(struct {
		State  State  `json:"state"`
		Policy Policy `json:"policy"`
	}{Canonical(st), cp})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if got, want := Digest(st, p), "sha256:"+hex.EncodeToString(sum[:]); got != want {
		t.Errorf("Digest = %s, the hash of %s is %s", got, b, want)
	}
	if !slices.Equal(p.Protected, []string{"svc-*", "admin@*"}) {
		t.Errorf("Digest changed its argument's protected list: %q", p.Protected)
	}
}

// TestDigestPinned: the digest of one state, as saved plans record it. A
// change here refuses every saved plan written before it.
func TestDigestPinned(t *testing.T) {
	st, p := digestState()
	const want = "sha256:2be00f66f2c1598eba4d2365728f092f70a8396fa2c32782f44aa5e62ef2917e"
	if got := Digest(st, p); got != want {
		t.Errorf("Digest = %s, want %s", got, want)
	}
}
