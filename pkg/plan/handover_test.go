package plan

import (
	"slices"
	"strconv"
	"testing"
)

// upd is an update_user of user whose email goes from → to, dropping
// the other emails dropped.
func upd(user, from, to string, dropped ...string) Change {
	return Change{Action: UpdateUser, User: user, FromEmail: from, Email: to, DroppedEmails: NewEmailList(dropped)}
}

func TestEmailGiversAndRounds(t *testing.T) {
	for _, tc := range []struct {
		name    string
		changes []Change
		givers  []int
		rounds  []int // nil: none waits
	}{
		{"no email updates", []Change{{Action: UpdateUser, User: "a", Name: "A"}, {Action: CreateUser, User: "b"}}, []int{-1, -1}, nil},
		{"unrelated updates", []Change{upd("a", "a@x", "a2@x"), upd("b", "b@x", "b2@x")}, []int{-1, -1}, nil},
		{
			// a takes b's email, b takes c's: c's old email goes first.
			"a chain, listed taker first",
			[]Change{upd("a", "a@x", "B@x"), upd("b", "b@x", "c@x"), upd("c", "c@x", "d@x")},
			[]int{1, 2, -1}, []int{2, 1, 0},
		},
		{
			"an email given up among the dropped ones, compared ignoring case",
			[]Change{upd("a", "a@x", "old-b@X"), upd("b", "b@x", "b2@x", "old-b@x")},
			[]int{1, -1}, []int{1, 0},
		},
		{
			// a and b swap: no order helps; c waits for the swap.
			"a swap, and an update waiting for it",
			[]Change{upd("a", "a@x", "b@x"), upd("b", "b@x", "a@x"), upd("c", "c@x", "a@x")},
			[]int{-1, -1, 0}, []int{0, 0, 1},
		},
		{
			"a three-way round",
			[]Change{upd("a", "a@x", "b@x"), upd("b", "b@x", "c@x"), upd("c", "c@x", "a@x"), {Action: RemoveMember, User: "a@x"}},
			[]int{-1, -1, -1, -1}, nil,
		},
		{
			"an update keeping its own email among the dropped ones waits for none",
			[]Change{upd("a", "a@x", "a2@x", "A2@x")},
			[]int{-1}, nil,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := EmailGivers(tc.changes); !slices.Equal(got, tc.givers) {
				t.Errorf("givers %v, want %v", got, tc.givers)
			}
			if got, _ := EmailRounds(tc.changes); !slices.Equal(got, tc.rounds) {
				t.Errorf("rounds %v, want %v", got, tc.rounds)
			}
		})
	}
}

// TestEmailRoundsLongChain: a chain as long as the plan is walked without
// recursion, each update one round after the one it waits for.
func TestEmailRoundsLongChain(t *testing.T) {
	const n = 100000
	cs := make([]Change, n)
	for i := range cs {
		// update i takes the email update i+1 gives up
		cs[i] = upd("u", "e"+strconv.Itoa(i)+"@x", "e"+strconv.Itoa(i+1)+"@x")
	}
	rounds, _ := EmailRounds(cs)
	if rounds[n-1] != 0 || rounds[0] != n-1 {
		t.Fatalf("rounds[0] %d, rounds[n-1] %d", rounds[0], rounds[n-1])
	}
}
