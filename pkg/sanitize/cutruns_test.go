package sanitize

import (
	"strings"
	"testing"
)

// TestCutRunsKeepsWholes: CutRuns, run on an error line that quotes
// values escaped already (strconv.Quote, Server), cuts no escape and no
// Marker in two, and keeps a FILE:LINE:COL position's line and column.
func TestCutRunsKeepsWholes(t *testing.T) {
	esc := `"` + strings.Repeat(`\x01`, 200) + `"`
	if got := CutRuns(esc, 512); strings.HasSuffix(got, `\x…`) || strings.HasSuffix(got, `\x0…`) {
		t.Errorf("an escape cut in two: ...%s", got[len(got)-12:])
	}
	mark := strings.Repeat("a", 505) + Marker + "b"
	if got := CutRuns(mark, 512); !strings.HasSuffix(got, "a…") {
		t.Errorf("the marker cut in two: ...%s", got[len(got)-12:])
	}
	pos := "/" + strings.Repeat("d", 600) + "/org.yaml:2:1: invalid YAML"
	if got := CutRuns(pos, 512); !strings.Contains(got, "…/org.yaml:2:1: invalid YAML") && !strings.Contains(got, "…:2:1: invalid YAML") {
		t.Errorf("the position's line and column cut: %.40s...%s", got, got[len(got)-40:])
	}
}
