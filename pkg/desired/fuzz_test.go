package desired

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Parse: it must never panic, a rejection
// must be Problems with positions, and whatever it accepts must round-trip
// through Encode to an equal state. The seed corpus (every manifest under
// testdata and examples) runs as an ordinary test.
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
	f.Add([]byte("version: 1\nusers: [{email: a@b.co, active: false}]\nteams: [{name: t, id: x, members: [{email: a@b.co, role: r}]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse([]Source{{"fuzz.yaml", data}})
		if err != nil {
			var probs Problems
			if !errors.As(err, &probs) || len(probs) == 0 {
				t.Fatalf("error is not Problems: %v", err)
			}
			for _, p := range probs {
				if p.File != "fuzz.yaml" || p.Line < 1 || p.Column < 1 || p.Message == "" {
					t.Fatalf("problem without a position: %+v", p)
				}
			}
			return
		}
		roundTrip(t, m)
	})
}
