// Package desired loads wbsync manifests (SPEC §3) into the desired state:
// it parses YAML at node level with gopkg.in/yaml.v3 so that every problem
// carries FILE:LINE:COL, validates the whole manifest reporting all problems
// at once, merges several files into one model.State and model.Policy, and
// encodes a state back into a manifest for `wbsync export`.
//
// It may import the standard library, gopkg.in/yaml.v3 and pkg/model. It does
// no file or network I/O: callers pass the bytes of each file.
package desired

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/wbsync/wbsync/pkg/model"
)

// Source is one manifest file's name and bytes (the CLI reads files and
// expands directories).
type Source struct {
	Name string
	Data []byte
}

// Manifest is a loaded, validated manifest (all sources merged).
type Manifest struct {
	// State holds users and teams in manifest order. User.UserName and
	// User.Email are the email as written; Active defaults to true;
	// Team.Membership is model.Authoritative (default) or model.Additive;
	// Member.Email is as written and Member.Role defaults to "member"
	// (predefined roles lower-cased); Team.ID is the optional id pin.
	State model.State
	// Policy has UnmanagedUsers defaulted to "ignore", Protected lower-cased
	// and limits with Set=false when absent.
	Policy model.Policy
	// Digest is "sha256:<hex>" over a canonical JSON of the normalised State
	// and Policy (sorted), so comments, formatting and file order do not
	// change it.
	Digest string
	// Files are the source names in the order given.
	Files []string
}

// Counts returns the number of users, teams and team memberships, for
// `validate`'s one-line summary.
func (m *Manifest) Counts() (users, teams, members int) {
	for _, t := range m.State.Teams {
		members += len(t.Members)
	}
	return len(m.State.Users), len(m.State.Teams), members
}

// Problem is one manifest error at a position (lines and columns from 1).
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

// String formats the problem as "FILE:LINE:COL: message".
func (p Problem) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Message)
}

// Problems is every problem found in a manifest, sorted by file (in the
// order the sources were given), line and column.
type Problems []Problem

// Error joins the problems' String()s with newlines.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Parse loads and validates all sources as one manifest, merged in the order
// given. On failure the error is Problems, holding every problem found.
func Parse(srcs []Source) (*Manifest, error) {
	l := &loader{}
	files := make([]string, len(srcs))
	for i, s := range srcs {
		files[i] = s.Name
		l.loadFile(i, s)
	}
	if len(srcs) == 0 {
		return nil, fmt.Errorf("no manifest files given")
	}
	m := l.merge()
	if len(l.probs) > 0 {
		return nil, l.problems()
	}
	m.Files = files
	m.Digest = Digest(m.State, m.Policy)
	return m, nil
}

// Digest returns "sha256:<hex>" over a canonical JSON of the state and
// policy: users sorted by key, teams by name key and id, members by email key,
// protected entries sorted. Parse sets Manifest.Digest with it.
func Digest(st model.State, p model.Policy) string {
	c := canonical(st)
	p.Protected = append([]string(nil), p.Protected...)
	sort.Strings(p.Protected)
	b, err := json.Marshal(struct {
		State  model.State  `json:"state"`
		Policy model.Policy `json:"policy"`
	}{c, p})
	if err != nil { // cannot happen: plain data
		panic(fmt.Sprintf("desired: marshal digest: %v", err))
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// canonical returns a sorted deep copy of st.
func canonical(st model.State) model.State {
	c := model.State{Users: append([]model.User{}, st.Users...), Teams: make([]model.Team, len(st.Teams))}
	sort.SliceStable(c.Users, func(i, j int) bool {
		a, b := c.Users[i], c.Users[j]
		if a.Key() != b.Key() {
			return a.Key() < b.Key()
		}
		return a.UserName < b.UserName
	})
	for i, t := range st.Teams {
		t.Members = append([]model.Member{}, t.Members...)
		sortMembers(t.Members)
		c.Teams[i] = t
	}
	sortTeams(c.Teams)
	return c
}

func sortTeams(ts []model.Team) {
	sort.SliceStable(ts, func(i, j int) bool {
		a, b := ts[i], ts[j]
		if ka, kb := model.Key(a.Name), model.Key(b.Name); ka != kb {
			return ka < kb
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ID < b.ID
	})
}

func sortMembers(ms []model.Member) {
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		if ka, kb := model.Key(a.Email), model.Key(b.Email); ka != kb {
			return ka < kb
		}
		if a.Email != b.Email {
			return a.Email < b.Email
		}
		return a.Role < b.Role
	})
}
