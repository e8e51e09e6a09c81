package diff

import (
	"cmp"
	"encoding/binary"
	"slices"
	"strings"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// sortChanges returns the changes in apply order (Action.Phase; within
// set_org_role, the promotions to admin first), then by team and user
// (case-insensitively), then by the remaining fields, so that
// the order never depends on the inputs' order. Changes are first bucketed
// by phase and team (a counting sort over integer ranks: teams are few),
// then each bucket is sorted by user: the string comparisons stay within
// one team's changes.
func sortChanges(cs *changeBuf) []plan.Change {
	// One pass over the changes numbers the distinct team keys as they
	// come; once those are sorted, bucket[i] becomes (phase, team rank)
	// (rank 0 is no team).
	bucket := make([]int32, cs.n)
	seen := map[string]int32{"": 0}
	teamKeys := []string{""}
	lastTeam, lastN := "", int32(0)
	for i := range bucket {
		// A team's changes are planned one after the other: most changes
		// have the team of the one before.
		if t := cs.field(i, fTeam); t != lastTeam {
			tk := model.Key(t)
			n, ok := seen[tk]
			if !ok {
				n = int32(len(teamKeys))
				seen[tk] = n
				teamKeys = append(teamKeys, tk)
			}
			lastTeam, lastN = t, n
		}
		bucket[i] = lastN
	}
	byKey := make([]int32, len(teamKeys))
	for i := range byKey {
		byKey[i] = int32(i)
	}
	slices.SortFunc(byKey, func(a, b int32) int { return strings.Compare(teamKeys[a], teamKeys[b]) })
	rank := make([]int32, len(teamKeys))
	for r, n := range byKey {
		rank[n] = int32(r)
	}
	// One slot more than there are teams: set_org_role changes (no team)
	// take slot 0 for a promotion to admin and 1 for the others, as apply
	// runs them (promotions first: a demotion waits for them).
	teams := int32(len(teamKeys)) + 1
	orgRole := uint8(plan.SetOrgRole.Phase())
	count := make([]int32, int32(len(actions))*teams+1)
	for i, n := range bucket {
		slot := rank[n]
		if cs.heads[i].phase == orgRole && model.Role(cs.field(i, fRole)).Norm() != model.RoleAdmin {
			slot = 1
		}
		b := int32(cs.heads[i].phase)*teams + slot
		bucket[i] = b
		count[b+1]++
	}
	for b := 1; b < len(count); b++ {
		count[b] += count[b-1]
	}
	// Counting sort by bucket, then each bucket by user key.
	type keyed struct {
		pre uint64 // uk's first 8 bytes, big-endian: most comparisons end here
		uk  string
		i   int32
	}
	byBucket := make([]keyed, cs.n)
	next := slices.Clone(count)
	for start := 0; start < len(bucket); start += sortBlock {
		end := min(start+sortBlock, len(bucket))
		// The user names are scattered over the inputs' memory: load a
		// block's first bytes in a loop that does nothing else, so that
		// their cache misses overlap.
		var touched int32
		for i := start; i < end; i++ {
			touched |= first(cs.field(i, fUser))
		}
		cs.sink += touched
		for i := start; i < end; i++ {
			uk := model.Key(cs.field(i, fUser))
			b := bucket[i]
			byBucket[next[b]] = keyed{prefix(uk), uk, int32(i)}
			next[b]++
		}
	}
	for b := 0; b+1 < len(count); b++ {
		part := byBucket[count[b]:count[b+1]]
		if len(part) < 2 {
			continue
		}
		slices.SortFunc(part, func(a, b keyed) int {
			if c := cmp.Compare(a.pre, b.pre); c != 0 {
				return c
			}
			if c := strings.Compare(a.uk, b.uk); c != 0 {
				return c
			}
			for _, f := range [...]int{fTeamID, fUserID, fTeam, fUser, fUsername, fRole, fFrom, fReason} {
				if c := strings.Compare(cs.field(int(a.i), f), cs.field(int(b.i), f)); c != 0 {
					return c
				}
			}
			return 0
		})
	}
	sorted := make([]plan.Change, cs.n)
	for start := 0; start < len(byBucket); start += sortBlock {
		block := byBucket[start:min(start+sortBlock, len(byBucket))]
		// The sorted order visits the buffer out of order: load a block's
		// heads and values first, so that their cache misses overlap.
		var touched int32
		for _, k := range block {
			touched |= cs.touch(int(k.i))
		}
		cs.sink += touched
		for j, k := range block {
			sorted[start+j] = cs.change(int(k.i))
		}
	}
	return sorted
}

// sortBlock is how many changes sortChanges loads ahead.
const sortBlock = 512

// prefix is s's first 8 bytes as a big-endian number (zero-padded), so
// that comparing prefixes orders strings as strings.Compare does, up to
// ties.
func prefix(s string) uint64 {
	var b [8]byte
	copy(b[:], s)
	return binary.BigEndian.Uint64(b[:])
}

// sortWarnings orders warnings by code, team, user (case-insensitively,
// then as written), then message and ids.
func (p *planner) sortWarnings() {
	ws := p.warnings
	// The keys and their 8-byte prefixes sit in the sorted slice itself:
	// most comparisons end on a prefix, without loading the warning or its
	// strings (scattered over the inputs' memory at 100,000 users).
	type keyed struct {
		code       plan.WarningCode
		tpre, upre uint64
		tk, uk     string
		w          *plan.Warning
	}
	ks := make([]keyed, len(ws))
	// Load the keys' first bytes in a loop that does nothing else, so
	// that their cache misses overlap.
	var touched int32
	for i := range ws {
		touched |= first(ws[i].Team) ^ first(ws[i].User)
	}
	p.sink += touched
	for i := range ws {
		tk, uk := model.Key(ws[i].Team), model.Key(ws[i].User)
		ks[i] = keyed{ws[i].Code, prefix(tk), prefix(uk), tk, uk, &ws[i]}
	}
	slices.SortFunc(ks, func(x, y keyed) int {
		// cmp.Or would evaluate every comparison; most pairs differ early.
		if c := strings.Compare(string(x.code), string(y.code)); c != 0 {
			return c
		}
		if c := cmp.Compare(x.tpre, y.tpre); c != 0 {
			return c
		}
		if c := strings.Compare(x.tk, y.tk); c != 0 {
			return c
		}
		if c := cmp.Compare(x.upre, y.upre); c != 0 {
			return c
		}
		if c := strings.Compare(x.uk, y.uk); c != 0 {
			return c
		}
		a, b := x.w, y.w
		return cmp.Or(strings.Compare(a.Team, b.Team), strings.Compare(a.User, b.User),
			strings.Compare(a.Message, b.Message), slices.Compare(a.IDs, b.IDs))
	})
	sorted := make([]plan.Warning, len(ks))
	for i, k := range ks {
		sorted[i] = *k.w
	}
	copy(ws, sorted)
}

// first is s's first byte, or 0: what a prefetching loop reads.
func first(s string) int32 {
	if s == "" {
		return 0
	}
	return int32(s[0])
}

// orderHandovers puts the email updates among changes (sorted) in the
// order apply sends them: an update that takes an email another update
// gives up after that one (plan.EmailRounds), the rest as sorted.
func orderHandovers(changes []plan.Change) {
	lo := slices.IndexFunc(changes, func(c plan.Change) bool { return c.Action == plan.UpdateUser })
	if lo < 0 {
		return
	}
	hi := lo + 1
	for hi < len(changes) && changes[hi].Action == plan.UpdateUser {
		hi++
	}
	updates := changes[lo:hi]
	rounds, _ := plan.EmailRounds(updates)
	if rounds == nil {
		return
	}
	order := make([]int, len(updates))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rounds[a], rounds[b]) })
	sorted := make([]plan.Change, len(updates))
	for i, j := range order {
		sorted[i] = updates[j]
	}
	copy(updates, sorted)
}
