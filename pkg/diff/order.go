package diff

import (
	"cmp"
	"slices"
	"strings"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// sortChanges returns the changes in apply order (Action.Phase), then by
// team and user (case-insensitively), then by the remaining fields, so that
// the order never depends on the inputs' order.
func sortChanges(cs *changeBuf) []plan.Change {
	type keyed struct {
		i      int32
		phase  int8
		tk, uk string
	}
	ks := make([]keyed, cs.n)
	for i := range ks {
		c := cs.at(i)
		ks[i] = keyed{int32(i), int8(c.Action.Phase()), model.Key(c.Team), model.Key(c.User)}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if a.phase != b.phase {
			return int(a.phase) - int(b.phase)
		}
		if c := strings.Compare(a.tk, b.tk); c != 0 {
			return c
		}
		if c := strings.Compare(a.uk, b.uk); c != 0 {
			return c
		}
		x, y := cs.at(int(a.i)), cs.at(int(b.i))
		return cmp.Or(
			cmp.Compare(x.TeamID, y.TeamID),
			cmp.Compare(x.UserID, y.UserID),
			cmp.Compare(x.Team, y.Team),
			cmp.Compare(x.User, y.User),
			cmp.Compare(x.Role, y.Role),
		)
	})
	sorted := make([]plan.Change, len(ks))
	for i, k := range ks {
		sorted[i] = *cs.at(int(k.i))
	}
	return sorted
}

// sortWarnings orders warnings by code, team, user, then message and ids.
func sortWarnings(ws []plan.Warning) {
	slices.SortFunc(ws, func(a, b plan.Warning) int {
		return cmp.Or(
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(model.Key(a.Team), model.Key(b.Team)),
			cmp.Compare(model.Key(a.User), model.Key(b.User)),
			cmp.Compare(a.Team, b.Team),
			cmp.Compare(a.User, b.User),
			cmp.Compare(a.Message, b.Message),
			cmp.Compare(strings.Join(a.IDs, ","), strings.Join(b.IDs, ",")),
		)
	})
}
