package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/wbsync/wbsync/pkg/desired"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

var validateCommand = &command{
	name:     "validate",
	synopsis: "validate [-f PATH]... [-o text|json]",
	summary:  "check the manifest offline",
	example:  "wbsync validate -f teams/",
	groups:   groups{manifest: true},
	formats:  []string{"text", "json"},
	run:      runValidate,
}

// validateResult is `validate -o json`: problems for editors and CI
// annotations (the first 100 by position; More counts the rest).
type validateResult struct {
	Valid    bool              `json:"valid"`
	Users    int               `json:"users"`
	Teams    int               `json:"teams"`
	Members  int               `json:"members"`
	Problems []desired.Problem `json:"problems"`
	More     int               `json:"more_problems"`
	// Warnings are what the manifest means that a reader may not expect
	// (a team without a members key loses every live member), also said
	// on stderr; they do not make it invalid.
	Warnings []desired.Problem `json:"warnings"`
	Files    []string          `json:"files"`
	// Digest is the manifest_digest a plan of this manifest records, so
	// that a pipeline can check that a saved plan was made from the
	// manifest it merged (the digest is not a signature: anyone can
	// recompute it, so it is compared against the manifest, not trusted).
	Digest string `json:"manifest_digest,omitempty"`
}

func runValidate(ctx context.Context, inv *invocation, f *flags, _ any, pos []string) (int, error) {
	if err := noArgs(pos, " (manifests are given with -f)"); err != nil {
		return exitError, err
	}
	if f.format == "text" {
		m, err := loadManifest(ctx, f.files, inv)
		if me := (manifestError{}); errors.As(err, &me) {
			return exitError, fmt.Errorf("the manifest has %d problem(s)", me.pe.Total) // validate never writes
		}
		if err != nil {
			return exitError, err
		}
		users, teams, members := m.Counts()
		fmt.Fprintf(inv.stdout, "Manifest is valid: %d users, %d teams, %d memberships (%d file(s)).\n", users, teams, members, len(m.Files))
		return exitOK, nil
	}
	res := validateResult{Problems: []desired.Problem{}, Warnings: []desired.Problem{}, Files: []string{}}
	// files names the manifest's files whether or not it is valid, so that
	// a CI annotation knows what was checked.
	m, err := readManifestListed(ctx, f.files, inv, func(names []string) { res.Files = names }) // the problems go to stdout
	var pe *desired.ProblemsError
	switch {
	case err == nil:
		res.Valid = true
		res.Users, res.Teams, res.Members = m.Counts()
		res.Files = m.Files
		res.Digest = m.Digest()
		res.Warnings = append(res.Warnings, m.Notes...)
	case errors.Is(err, errInterrupted):
		return exitError, err
	case errors.As(err, &pe):
		res.Problems = pe.Problems
		res.More = pe.More()
	default:
		// A file that cannot be read: the problem is that file's. (No
		// server is contacted: a value shaped like an API key, a path
		// holding one, is not shown, as the text error does not show it.)
		p := desired.Problem{Message: hideKeyShapes(err.Error())}
		if fe := (fileError{}); errors.As(err, &fe) {
			p.File, p.Line, p.Column = hideKeyShapes(fe.path), 1, 1
			if l := (located{}); errors.As(err, &l) {
				p.Line, p.Column = l.line, l.col
			}
		}
		res.Problems = append(res.Problems, p)
	}
	enc := json.NewEncoder(sanitize.JSONWriter(inv.stdout))
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // "R&D", not "R\u0026D": as the plan JSON writes names
	if err := enc.Encode(res); err != nil {
		return exitError, err
	}
	if !res.Valid {
		return exitError, nil
	}
	return exitOK, nil
}
