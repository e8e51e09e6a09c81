package desired

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Parse: it must never panic, a rejection
// must be a *ProblemsError with positions, and whatever it accepts must round-trip
// through Encode to an equal state. A NUL byte (never valid in YAML) splits
// the input into several files of one manifest. The seed corpus (every
// manifest under testdata and examples) runs as an ordinary test.
func FuzzLoad(f *testing.F) {
	for _, dir := range []string{"testdata/good", "testdata/bad", "../../examples"} {
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && isYAML(p) {
				if b, err := os.ReadFile(p); err == nil {
					f.Add(b)
				}
			}
			return nil
		})
	}
	for _, dir := range []string{"testdata/good", "testdata/bad"} {
		for _, c := range loadCases(f, dir) {
			if len(c.srcs) > 1 {
				var parts [][]byte
				for _, s := range c.srcs {
					parts = append(parts, s.Data)
				}
				f.Add(bytes.Join(parts, []byte{0}))
			}
		}
	}
	f.Add([]byte("version: 1\nusers: [{email: a@b.co, active: false}]\nteams: [{name: t, id: x, members: [{email: a@b.co, role: r}]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var srcs []Source
		names := map[string]bool{}
		for i, part := range bytes.Split(data, []byte{0}) {
			name := fmt.Sprintf("fuzz%d.yaml", i)
			srcs = append(srcs, Source{name, part})
			names[name] = true
		}
		m, err := Parse(srcs)
		if err != nil {
			var pe *ProblemsError
			if !errors.As(err, &pe) || len(pe.Problems) == 0 {
				t.Fatalf("error is not a *ProblemsError: %v", err)
			}
			probs := pe.Problems
			for _, p := range probs {
				if !names[p.File] || p.Line < 1 || p.Column < 1 || p.Message == "" {
					t.Fatalf("problem without a position: %+v", p)
				}
			}
			return
		}
		roundTrip(t, m)
	})
}
