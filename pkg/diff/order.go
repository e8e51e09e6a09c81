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
			cmp.Compare(x.From, y.From),
			cmp.Compare(x.Reason, y.Reason),
		)
	})
	sorted := make([]plan.Change, len(ks))
	for i, k := range ks {
		sorted[i] = *cs.at(int(k.i))
	}
	return sorted
}

// sortWarnings orders warnings by code, team, user (case-insensitively,
// then as written), then message and ids.
func sortWarnings(ws []plan.Warning) {
	type keyed struct {
		tk, uk string
		w      *plan.Warning
	}
	ks := make([]keyed, len(ws))
	for i := range ws {
		ks[i] = keyed{model.Key(ws[i].Team), model.Key(ws[i].User), &ws[i]}
	}
	slices.SortFunc(ks, func(x, y keyed) int {
		a, b := x.w, y.w
		// cmp.Or would evaluate every comparison; most pairs differ early.
		if c := cmp.Compare(a.Code, b.Code); c != 0 {
			return c
		}
		if c := strings.Compare(x.tk, y.tk); c != 0 {
			return c
		}
		if c := strings.Compare(x.uk, y.uk); c != 0 {
			return c
		}
		return cmp.Or(strings.Compare(a.Team, b.Team), strings.Compare(a.User, b.User),
			strings.Compare(a.Message, b.Message), slices.Compare(a.IDs, b.IDs))
	})
	sorted := make([]plan.Warning, len(ks))
	for i, k := range ks {
		sorted[i] = *k.w
	}
	copy(ws, sorted)
}
