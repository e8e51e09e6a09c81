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
// the order never depends on the inputs' order. Changes are first bucketed
// by phase and team (a counting sort over integer ranks: teams are few),
// then each bucket is sorted by user: the string comparisons stay within
// one team's changes.
func sortChanges(cs *changeBuf) []plan.Change {
	type keyed struct {
		i  int32
		uk string
	}
	// One pass over the changes for their keys; rank the distinct team
	// keys (rank 0 is no team).
	tks, ks, phases := make([]string, cs.n), make([]keyed, cs.n), make([]int8, cs.n)
	teamRank := map[string]int32{"": 0}
	var teamKeys []string
	for i := range ks {
		c := cs.at(i)
		tk := model.Key(c.Team)
		if _, ok := teamRank[tk]; !ok {
			teamRank[tk] = 0
			teamKeys = append(teamKeys, tk)
		}
		tks[i], ks[i], phases[i] = tk, keyed{int32(i), model.Key(c.User)}, int8(c.Action.Phase())
	}
	slices.Sort(teamKeys)
	for r, k := range teamKeys {
		teamRank[k] = int32(r + 1)
	}
	// Counting sort by bucket (phase, team).
	teams := len(teamKeys) + 1
	bucket := make([]int32, cs.n)
	count := make([]int32, (len(plan.Actions())+1)*teams+1)
	for i := range bucket {
		b := int32(phases[i])*int32(teams) + teamRank[tks[i]]
		bucket[i] = b
		count[b+1]++
	}
	for b := 1; b < len(count); b++ {
		count[b] += count[b-1]
	}
	byBucket := make([]keyed, cs.n)
	next := slices.Clone(count)
	for i, b := range bucket {
		byBucket[next[b]] = ks[i]
		next[b]++
	}
	for b := 0; b+1 < len(count); b++ {
		part := byBucket[count[b]:count[b+1]]
		if len(part) < 2 {
			continue
		}
		slices.SortFunc(part, func(a, b keyed) int {
			if c := strings.Compare(a.uk, b.uk); c != 0 {
				return c
			}
			x, y := cs.at(int(a.i)), cs.at(int(b.i))
			return cmp.Or(
				cmp.Compare(x.TeamID, y.TeamID),
				cmp.Compare(x.UserID, y.UserID),
				cmp.Compare(x.Team, y.Team),
				cmp.Compare(x.User, y.User),
				cmp.Compare(x.Username, y.Username),
				cmp.Compare(x.Role, y.Role),
				cmp.Compare(x.From, y.From),
				cmp.Compare(x.Reason, y.Reason),
			)
		})
	}
	sorted := make([]plan.Change, cs.n)
	for i, k := range byBucket {
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
