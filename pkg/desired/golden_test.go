package desired

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// testCase is one manifest under testdata: a single *.yaml file, or a
// directory whose *.yaml/*.yml files (sorted) form one manifest.
type testCase struct {
	name string // file or directory name without extension
	srcs []Source
}

// loadCases returns the manifests in dir. Source names are relative to dir.
func loadCases(t testing.TB, dir string) []testCase {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var cases []testCase
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch {
		case e.IsDir():
			cases = append(cases, testCase{e.Name(), readDir(t, dir, e.Name())})
		case isYAML(e.Name()):
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			cases = append(cases, testCase{strings.TrimSuffix(e.Name(), filepath.Ext(e.Name())), []Source{{e.Name(), b}}})
		}
	}
	return cases
}

func isYAML(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

// readDir reads base/sub's YAML files, sorted, named "sub/FILE".
func readDir(t testing.TB, base, sub string) []Source {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(base, sub))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && isYAML(e.Name()) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var srcs []Source
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(base, sub, n))
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, Source{sub + "/" + n, b})
	}
	return srcs
}

// golden compares got with the file at path, or rewrites it under -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/desired -update to create it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, d)
	}
}

func TestBadManifests(t *testing.T) {
	cases := loadCases(t, filepath.Join("testdata", "bad"))
	if len(cases) < 30 {
		t.Fatalf("only %d bad manifests under testdata/bad, want at least 30", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse(c.srcs)
			if err == nil {
				t.Fatalf("Parse accepted a bad manifest: %+v", m)
			}
			var pe *ProblemsError
			if !errors.As(err, &pe) || len(pe.Problems) == 0 {
				t.Fatalf("error is not a *ProblemsError: %v", err)
			}
			probs := pe.Problems
			names := map[string]bool{}
			for _, s := range c.srcs {
				names[s.Name] = true
			}
			for _, p := range probs {
				if !names[p.File] || p.Line < 1 || p.Column < 1 || p.Message == "" {
					t.Errorf("problem without a proper position: %+v", p)
				}
			}
			golden(t, filepath.Join("testdata", "bad", c.name+".want"), []byte(err.Error()+"\n"))
		})
	}
}

// goldenManifest is what testdata/good/NAME.json holds.
type goldenManifest struct {
	Users, Teams, Members int
	*Manifest
	Digest string
}

func TestGoodManifests(t *testing.T) {
	cases := loadCases(t, filepath.Join("testdata", "good"))
	if len(cases) < 3 {
		t.Fatalf("only %d good manifests", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse(c.srcs)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			g := goldenManifest{Manifest: m, Digest: m.Digest()}
			g.Users, g.Teams, g.Members = m.Counts()
			b, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "good", c.name+".json"), append(b, '\n'))
			roundTrip(t, m)
		})
	}
}

// roundTrip checks that m passes a saved plan's checks, encodes to a
// manifest that parses back to the same state and policy (the same
// digest), and that encoding is stable.
func roundTrip(t testing.TB, m *Manifest) {
	t.Helper()
	checkHints(t, m.State)
	// What the loader accepts, a saved plan embeds: the plan file's checks
	// must never refuse it.
	if why := (plan.Desired{State: m.State, Policy: m.Policy}).Problem(); why != "" {
		t.Fatalf("a loaded manifest fails the saved plan's check: %s", why)
	}
	var buf bytes.Buffer
	rep, err := Encode(&buf, m.State, EncodeOptions{Header: "round trip", Policy: &m.Policy})
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	if w := rep.Warnings(); len(w) > 0 {
		t.Fatalf("Encode left out parts of a valid manifest: %v", w)
	}
	back, err := Parse([]Source{{"encoded.yaml", buf.Bytes()}})
	if err != nil {
		t.Fatalf("the encoded manifest does not parse: %v\n%s", err, buf.String())
	}
	checkHints(t, back.State)
	if d := cmp.Diff(model.Canonical(m.State), model.Canonical(back.State)); d != "" {
		t.Fatalf("state changed in the round trip (-want +got):\n%s\n%s", d, buf.String())
	}
	if d := cmp.Diff(m.Policy.Protected, back.Policy.Protected); d != "" && (len(m.Policy.Protected) > 0 || len(back.Policy.Protected) > 0) {
		t.Fatalf("protected changed in the round trip:\n%s", d)
	}
	if back.Digest() != m.Digest() {
		t.Fatalf("digest changed in the round trip: %s, then %s\n%s", m.Digest(), back.Digest(), buf.String())
	}
	var again bytes.Buffer
	if _, err := Encode(&again, back.State, EncodeOptions{Header: "round trip", Policy: &back.Policy}); err != nil {
		t.Fatal(err)
	}
	if again.String() != buf.String() {
		t.Fatalf("encoding is not stable:\n%s\nthen\n%s", buf.String(), again.String())
	}
}
