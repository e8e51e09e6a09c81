// Package desired loads wbsync manifests (docs/manifest.md) into the desired
// state: it parses YAML at node level with gopkg.in/yaml.v3 so that every
// problem carries FILE:LINE:COL, validates the whole manifest reporting its
// problems at once (the first caps.Problems of them, and a count of the
// rest), merges several files into one model.State and model.Policy, and
// encodes a state back into a manifest for `wbsync export`.
//
// It does no file or network I/O: callers pass the bytes of each file.
// What it may import (yaml.v3, and pkg/sanitize for the one set of
// invisible characters an export escapes) is checked by internal/layout's
// test.
package desired

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/wbsync/wbsync/pkg/caps"
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
	// State holds users and teams in manifest order. User.UserName is the
	// username when the manifest sets one (and it differs from the email
	// other than in case), else the email; User.Email is the email as
	// written; Active defaults to true; Team.Membership is
	// model.Authoritative (default) or model.Additive; Member.Email is the
	// member's user's email as declared under users (members match it
	// case-insensitively) and Member.Role is the role the manifest writes
	// (predefined roles lower-cased), "" for a plain email (a member, with
	// no role declared); Team.ID is the optional id pin.
	State model.State
	// Policy has UnmanagedUsers defaulted to "ignore", UnreportedRoles to
	// "skip", UnmanagedGracePeriod to model.DefaultGracePeriod, Protected
	// lower-cased and limits with Set=false when absent.
	Policy model.Policy
	// Files are the source names in the order given.
	Files []string
	// Notes are what the manifest means that a reader may not expect, by
	// position, for a warning beside the plan (String: "FILE:LINE:COL:
	// message"): a team written without a members key is authoritative
	// over no members, so every live member but the protected ones is
	// removed.
	Notes []Problem `json:",omitempty"`
	// Unreviewable are the notes (also in Notes) about files whose diff a
	// review cannot read as wbsync reads them: a UTF-16 file, which git
	// shows as binary, and raw bidirectional controls, which make a diff
	// show lines reordered. A plan carries them as warnings, so that the
	// reviewer of the plan sees them.
	Unreviewable []Problem `json:"-"`

	digest     string
	digestOnce sync.Once
	// customRoleAt: see MemberAt.
	customRoleAt map[[2]int32]string
}

// MemberAt returns where member m of team t (indexes in State) is written,
// as FILE:LINE:COL, when its role is a custom one; "" otherwise.
func (mf *Manifest) MemberAt(t, m int) string { return mf.customRoleAt[[2]int32{int32(t), int32(m)}] }

// Digest is "sha256:<hex>" over a canonical JSON of the normalised State and
// Policy (model.Digest), so comments, formatting and file order do not change
// it. It is computed on first use (validate never needs it; plan computes it
// while the organization is read) and must not be called while State or
// Policy change.
func (m *Manifest) Digest() string {
	m.digestOnce.Do(func() { m.digest = model.Digest(m.State, m.Policy) })
	return m.digest
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
	return p.File + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Column) + ": " + p.Message
}

// Problems is a list of manifest problems, sorted by file (in the order the
// sources were given), line, column and message.
type Problems []Problem

// Error joins the problems' String()s with newlines.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// ProblemsError is the error Parse returns for an invalid manifest: the
// first caps.Problems problems by position, and how many were found in all.
// Callers print Error() (or each of Problems, then MoreLine()), and
// `validate -o json` can list Problems and report More().
type ProblemsError struct {
	// Problems are the problems kept, sorted: the first caps.Problems by
	// position (file, line, column).
	Problems Problems
	// Total counts every problem found, kept or not (Total >= len(Problems)).
	Total int
}

// More returns how many problems were found beyond those kept.
func (e *ProblemsError) More() int { return e.Total - len(e.Problems) }

// MoreLine returns "... and N more problem(s)", or "" when every problem
// was kept.
func (e *ProblemsError) MoreLine() string {
	if e.More() <= 0 {
		return ""
	}
	return "... and " + strconv.Itoa(e.More()) + " more problem(s)"
}

// Error is one line per kept problem, then MoreLine() when some were left
// out.
func (e *ProblemsError) Error() string {
	s := e.Problems.Error()
	if m := e.MoreLine(); m != "" {
		s += "\n" + m
	}
	return s
}

// Unwrap returns the kept problems, so that errors.As(err, &Problems{})
// finds them too.
func (e *ProblemsError) Unwrap() error { return e.Problems }

// Parse loads and validates all sources as one manifest, merged in the order
// given. On failure the error is a *ProblemsError. A source larger than
// caps.ManifestFile is refused before it is parsed.
func Parse(srcs []Source) (*Manifest, error) {
	if len(srcs) == 0 {
		return nil, fmt.Errorf("no manifest files given")
	}
	l := newLoader()
	files := make([]string, len(srcs))
	for i, s := range srcs {
		files[i] = s.Name
		l.loadFile(i, s)
	}
	m := l.merge()
	if l.probs.total > 0 {
		return nil, l.problems()
	}
	m.Files = files
	return m, nil
}

// maxProblems is how many problems Parse keeps (a variable for tests).
var maxProblems = caps.Problems

// reparseBudget is what one load's search for YAML errors' lines may parse
// again (searchBudget; a variable for tests).
var reparseBudget int64 = caps.ManifestErrorReparse
