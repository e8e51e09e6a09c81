package model

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
)

// Digest returns "sha256:<hex>" over a canonical JSON of the state and
// policy: users sorted by key, teams by name key and id, members by email
// key, protected entries sorted. desired.Parse sets Manifest.Digest with it,
// and a saved plan is checked against it.
//
// The JSON is the one json.Marshal gives for {"state": Canonical(st),
// "policy": p}, streamed into the hash element by element, with every sort
// key computed once: a manifest of 100,000 users is hashed without a copy of
// the state or a buffer of its JSON.
func Digest(st State, p Policy) string {
	h := sha256.New()
	w := bufio.NewWriterSize(h, 64<<10)
	// One encoder and buffer for every element, and pointers to them: no
	// copy of an element nor of its JSON per element.
	var buf bytes.Buffer
	je := json.NewEncoder(&buf)
	enc := func(v any) {
		buf.Reset()
		if err := je.Encode(v); err != nil { // cannot happen: plain data
			panic(fmt.Sprintf("model: marshal digest: %v", err))
		}
		w.Write(buf.Bytes()[:buf.Len()-1]) // json.Marshal's JSON: Encode adds a newline
	}
	io.WriteString(w, `{"state":{"users":[`)
	for i, j := range sortedOrder(st.Users, userKey, userTie) {
		if i > 0 {
			w.WriteByte(',')
		}
		enc(&st.Users[j])
	}
	io.WriteString(w, `],"teams":[`)
	for i, j := range sortedOrder(st.Teams, teamKey, teamTie) {
		if i > 0 {
			w.WriteByte(',')
		}
		t := st.Teams[j]
		t.Members = sortedMembers(t.Members)
		if t.Members == nil {
			t.Members = []Member{}
		}
		enc(&t)
	}
	io.WriteString(w, `]},"policy":`)
	p.Protected = slices.Clone(p.Protected)
	sort.Strings(p.Protected)
	enc(&p)
	w.WriteByte('}')
	w.Flush()
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Canonical returns a sorted deep copy of st: users by key, teams and
// members as SortTeams and SortMembers sort them. Members' hints
// (Member.User) are dropped: they are positions in st's order.
func Canonical(st State) State {
	c := State{Users: sortedUsers(st.Users), Teams: sortedTeams(st.Teams)}
	if c.Users == nil {
		c.Users = []User{}
	}
	for i := range c.Teams {
		c.Teams[i].Members = sortedMembers(c.Teams[i].Members)
		if c.Teams[i].Members == nil {
			c.Teams[i].Members = []Member{}
		}
		for j := range c.Teams[i].Members {
			c.Teams[i].Members[j].User = 0
		}
	}
	return c
}

// SortTeams sorts teams by name key, then name, then id.
func SortTeams(ts []Team) { copy(ts, sortedTeams(ts)) }

// SortMembers sorts members by email key, then email, then role.
func SortMembers(ms []Member) { copy(ms, sortedMembers(ms)) }

// sortedOrder returns the positions of xs's elements in sorted order:
// by the key each element gives (computed once per element), then by
// tie; the sort is stable.
func sortedOrder[T any](xs []T, key func(*T) string, tie func(a, b *T) int) []int {
	type keyed struct {
		k string
		i int
	}
	ks := make([]keyed, len(xs))
	for i := range xs {
		ks[i] = keyed{key(&xs[i]), i}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		return cmp.Or(cmp.Compare(a.k, b.k), tie(&xs[a.i], &xs[b.i]))
	})
	order := make([]int, len(xs))
	for j, k := range ks {
		order[j] = k.i
	}
	return order
}

// sortedBy returns a sorted copy of xs, as sortedOrder orders it.
func sortedBy[T any](xs []T, key func(*T) string, tie func(a, b *T) int) []T {
	if xs == nil {
		return nil
	}
	out := make([]T, len(xs))
	for j, i := range sortedOrder(xs, key, tie) {
		out[j] = xs[i]
	}
	return out
}

func userKey(u *User) string       { return u.Key() }
func userTie(a, b *User) int       { return cmp.Compare(a.UserName, b.UserName) }
func teamKey(t *Team) string       { return Key(t.Name) }
func teamTie(a, b *Team) int       { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) }
func sortedUsers(us []User) []User { return sortedBy(us, userKey, userTie) }
func sortedTeams(ts []Team) []Team { return sortedBy(ts, teamKey, teamTie) }

func sortedMembers(ms []Member) []Member {
	return sortedBy(ms, func(m *Member) string { return Key(m.Email) },
		func(a, b *Member) int { return cmp.Or(cmp.Compare(a.Email, b.Email), cmp.Compare(a.Role, b.Role)) })
}
