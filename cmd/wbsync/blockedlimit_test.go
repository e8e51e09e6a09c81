package main

import (
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/plan"
)

// TestBlockedErrorUnnamedLimit: a block whose limit a saved plan edited to
// blanks, not only to "", is said as a limit not named; named ones as
// they are.
func TestBlockedErrorUnnamedLimit(t *testing.T) {
	for limit, want := range map[plan.BlockLimit]string{
		"":                  "(a limit not named)",
		"  ":                "(a limit not named)",
		"\t":                "(a limit not named)",
		plan.BlockLastAdmin: "(lastAdmin)",
	} {
		p := plan.Plan{Blocked: []plan.Block{{Limit: limit}, {Limit: plan.LimitMaxDeactivations}}}
		err := blockedError(p, "nothing was written")
		if !strings.Contains(err.Error(), strings.TrimSuffix(want, ")")+", maxDeactivations)") {
			t.Errorf("limit %q: %v, want %s", limit, err, want)
		}
	}
}
