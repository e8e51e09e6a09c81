package doctor

import (
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
)

// TestCountsFoldedGroupCut: a group of more case variants than a list
// shows (caps.ShownNames, 5) gives the first five, then "… and N more",
// all within the group (" / "); a group of exactly five is shown whole.
func TestCountsFoldedGroupCut(t *testing.T) {
	names := []string{"ML", "Ml", "mL", "ml", "ml ", " ml", "ml  "} // 7 variants, sorted as shown
	var teams []model.Team
	for i, n := range names {
		teams = append(teams, model.Team{ID: "g" + string(rune('1'+i)), Name: n})
	}
	// Sorted: " ml", "ML", "Ml", "mL", "ml", "ml ", "ml  "
	want(t, Counts(model.State{Teams: teams}, nil), NameCounts, Warn,
		[]string{`encoded: " ml" (id g6) / ML (id g1) / Ml (id g2) / mL (id g3) / ml (id g4) / … and 2 more: `}, `"ml "`)
	want(t, Counts(model.State{Teams: teams[:6]}, nil), NameCounts, Warn,
		[]string{`/ ml (id g4) / … and 1 more: `}, `"ml "`)
	want(t, Counts(model.State{Teams: teams[:5]}, nil), NameCounts, Warn,
		[]string{`encoded: ML (id g1) / Ml (id g2) / mL (id g3) / ml (id g4) / "ml " (id g5): `}, "more")
}
