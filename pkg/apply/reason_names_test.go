package apply

import (
	"errors"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/plan"
)

// TestReasonNamesAsTargets: a reason naming the operation it was held
// for writes its target as the report writes targets (sanitize.Name): a
// team named with the six characters \u0456 and one holding U+0456, or
// one padded with spaces, are told apart in the reason too.
func TestReasonNamesAsTargets(t *testing.T) {
	for _, team := range []string{`c\u0456g`, "c\u0456g", "ml      padded"} {
		changes := []plan.Change{
			ch(plan.CreateTeam, "", "", team, ""),
			ch(plan.AddMember, "a@x.com", "ua", team, ""),
		}
		w := &fakeWriter{fail: func(c call) error {
			if c.Method == "CreateTeam" {
				return errors.New("400 Bad Request: invalid")
			}
			return nil
		}}
		rep := run(t, planOf(changes...), w, Options{Concurrency: 1})
		text := textOf(t, rep)
		var target, reason string
		for _, l := range strings.Split(text, "\n") {
			if s, ok := strings.CutPrefix(l, "failed:  create_team "); ok {
				target = s[:strings.Index(s, ": 400")]
			}
			if strings.HasPrefix(l, "skipped: add_member ") {
				reason = l
			}
		}
		if !strings.Contains(reason, "depends on failed create_team "+target) {
			t.Errorf("team %+q: the target reads %q, the reason names it otherwise:\n%s", team, target, reason)
		}
		if !strings.Contains(rep.Results[1].Reason, "create_team "+team) {
			t.Errorf("team %+q: the JSON report's reason is not raw: %q", team, rep.Results[1].Reason)
		}
	}
}
