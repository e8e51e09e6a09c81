package model

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
)

// Digest returns "sha256:<hex>" over a canonical JSON of the state and
// policy: users sorted by key, teams by name key and id, members by email key,
// protected entries sorted. desired.Parse sets Manifest.Digest with it, and a saved
// plan is checked against it.
func Digest(st State, p Policy) string {
	c := Canonical(st)
	p.Protected = append([]string(nil), p.Protected...)
	sort.Strings(p.Protected)
	b, err := json.Marshal(struct {
		State  State  `json:"state"`
		Policy Policy `json:"policy"`
	}{c, p})
	if err != nil { // cannot happen: plain data
		panic(fmt.Sprintf("model: marshal digest: %v", err))
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Canonical returns a sorted deep copy of st: users by key, teams and
// members as SortTeams and SortMembers sort them.
func Canonical(st State) State {
	c := State{Users: append([]User{}, st.Users...), Teams: make([]Team, len(st.Teams))}
	sort.SliceStable(c.Users, func(i, j int) bool {
		a, b := c.Users[i], c.Users[j]
		if a.Key() != b.Key() {
			return a.Key() < b.Key()
		}
		return a.UserName < b.UserName
	})
	for i, t := range st.Teams {
		t.Members = append([]Member{}, t.Members...)
		SortMembers(t.Members)
		c.Teams[i] = t
	}
	SortTeams(c.Teams)
	return c
}

// SortTeams sorts teams by name key, then name, then id.
func SortTeams(ts []Team) {
	sort.SliceStable(ts, func(i, j int) bool {
		a, b := ts[i], ts[j]
		if ka, kb := Key(a.Name), Key(b.Name); ka != kb {
			return ka < kb
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ID < b.ID
	})
}

// SortMembers sorts members by email key, then email, then role.
func SortMembers(ms []Member) {
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		if ka, kb := Key(a.Email), Key(b.Email); ka != kb {
			return ka < kb
		}
		if a.Email != b.Email {
			return a.Email < b.Email
		}
		return a.Role < b.Role
	})
}
