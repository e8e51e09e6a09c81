package desired

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// TestReferenceExamples parses the complete manifests (the ```yaml blocks
// that say version: 1) in docs/manifest.md.
func TestReferenceExamples(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "manifest.md"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, block := range strings.Split(string(b), "```yaml\n")[1:] {
		block, _, _ = strings.Cut(block, "```")
		if !strings.Contains(block, "\nversion: 1\n") {
			continue
		}
		n++
		if _, err := Parse([]Source{{fmt.Sprintf("block%d.yaml", i+1), []byte(block)}}); err != nil {
			t.Errorf("docs/manifest.md example %d does not validate:\n%v\n%s", i+1, err, block)
		}
	}
	if n == 0 {
		t.Error("docs/manifest.md has no complete example")
	}
}
