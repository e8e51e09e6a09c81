package desired

import (
	"os"
	"path/filepath"
	"testing"
)

// TestExamples loads every manifest under examples/: each *.yaml file there
// is a manifest, and each directory of *.yaml files is one multi-file
// manifest.
func TestExamples(t *testing.T) {
	dir := filepath.Join("..", "..", "examples")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("examples directory: %v", err)
	}
	cases := loadCases(t, dir)
	for _, c := range cases {
		if len(c.srcs) == 0 {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse(c.srcs)
			if err != nil {
				t.Fatalf("example does not validate:\n%v", err)
			}
			roundTrip(t, m)
		})
	}
}
