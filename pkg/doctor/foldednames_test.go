package doctor

import (
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
)

// TestCountsFoldedNameWithTwoTeams: within names that differ only in case,
// a name two teams share gives both its ids (a reader pinning by the line
// must see every team that bears the name).
func TestCountsFoldedNameWithTwoTeams(t *testing.T) {
	st := model.State{Teams: []model.Team{{ID: "g1", Name: "ml"}, {ID: "g2", Name: "ML"}, {ID: "g4", Name: "ML"}}}
	want(t, Counts(st, nil), NameCounts, Warn, []string{"encoded: ML (ids g2, g4) / ml (id g1)"})
}

// TestCountsFoldedGroupsApart: two groups of names that differ only in
// case show where one ends: " / " within a group, ", " between groups.
func TestCountsFoldedGroupsApart(t *testing.T) {
	st := model.State{Teams: []model.Team{{ID: "g1", Name: "ml"}, {ID: "g2", Name: "ML"}, {ID: "g3", Name: "ops"}, {ID: "g4", Name: "Ops"}}}
	want(t, Counts(st, nil), NameCounts, Warn, []string{"encoded: ML (id g2) / ml (id g1), Ops (id g4) / ops (id g3): "})
}
