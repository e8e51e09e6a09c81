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
	"fmt"
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
	m.Digest = model.Digest(m.State, m.Policy)
	return m, nil
}
