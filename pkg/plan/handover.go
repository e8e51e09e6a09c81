package plan

import (
	"slices"

	"github.com/wbsync/wbsync/pkg/model"
)

// EmailSources returns, for each of changes, the index in changes of the
// update_user that gives up the email it takes, or -1. An update_user
// that sets Email takes it; one gives up its FromEmail and DroppedEmails;
// when two give up one email (two live users holding it in another letter
// case, which W&B refuses), the first in changes counts. Updates that go
// round (a swap) are included: see EmailGivers.
func EmailSources(changes []Change) []int {
	givers := make([]int, len(changes))
	var byEmail map[string]int // an email key → the update giving it up
	for i := range changes {
		givers[i] = -1
		c := &changes[i]
		if c.Action != UpdateUser || c.Email == "" {
			continue
		}
		if byEmail == nil {
			byEmail = map[string]int{}
		}
		for _, e := range append([]string{c.FromEmail}, c.DroppedEmails.Values()...) {
			if k := model.Key(e); k != "" && k != model.Key(c.Email) {
				if _, ok := byEmail[k]; !ok {
					byEmail[k] = i
				}
			}
		}
	}
	if byEmail == nil {
		return givers
	}
	for i := range changes {
		c := &changes[i]
		if c.Action != UpdateUser || c.Email == "" {
			continue
		}
		if g, ok := byEmail[model.Key(c.Email)]; ok && g != i {
			givers[i] = g
		}
	}
	return givers
}

// EmailGivers returns, for each of changes, the update_user it waits for
// (EmailSources), or -1. W&B keeps one account per email, so an update
// taking an email another update gives up is refused (409) while the
// other has not been sent: apply sends it once that one is done, and not
// when that one was not done. Updates that go round (a swap: each takes
// the email another gives up) get -1: no order helps them, and the plan
// warns so (email_handover). An update that waits for such a round keeps
// its giver, and is not sent.
func EmailGivers(changes []Change) []int {
	givers := EmailSources(changes)
	// Each update waits for one at most: walk from each, and cut every
	// round found (its updates wait for none).
	const (
		unseen = iota
		walking
		walked
	)
	state := make([]uint8, len(changes))
	var path []int
	for i := range changes {
		path = path[:0]
		n := i
		for n >= 0 && state[n] == unseen {
			state[n] = walking
			path = append(path, n)
			n = givers[n]
		}
		if n >= 0 && state[n] == walking { // a round: from n back to n
			for m := n; ; {
				next := givers[m]
				givers[m] = -1
				if next == n {
					break
				}
				m = next
			}
		}
		for _, m := range path {
			state[m] = walked
		}
	}
	return givers
}

// EmailRounds returns, for each of changes, after how many other updates
// it is sent: 0 for an update that waits for none and for every other
// change, 1 for one that waits for such an update, and so on; and the
// givers it follows (EmailGivers). Both nil when no change waits.
func EmailRounds(changes []Change) (rounds, givers []int) {
	givers = EmailGivers(changes)
	if !slices.ContainsFunc(givers, func(g int) bool { return g >= 0 }) {
		return nil, nil
	}
	rounds = make([]int, len(changes))
	for i := range rounds {
		rounds[i] = -1
	}
	var path []int
	for i := range changes {
		path = path[:0]
		n := i
		for rounds[n] < 0 && givers[n] >= 0 { // givers holds no round
			path = append(path, n)
			n = givers[n]
		}
		if rounds[n] < 0 {
			rounds[n] = 0 // waits for none
		}
		d := rounds[n]
		for k := len(path) - 1; k >= 0; k-- {
			d++
			rounds[path[k]] = d
		}
	}
	return rounds, givers
}
