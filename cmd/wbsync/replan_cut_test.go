package main

import (
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// TestReplanCommandRunnableOnlyWhenShownWhole: the re-plan command is
// printed runnable only when the error printer (CutRuns at
// caps.ShownValue) shows every argument whole: an argument that fits
// caps.ShownValue unquoted but not once shell-quoted (two quotes, or a
// quote written '\”) is cut with "…", so the command is commented out.
func TestReplanCommandRunnableOnlyWhenShownWhole(t *testing.T) {
	for _, f := range []string{
		"/m/" + strings.Repeat("m", caps.ShownValue-4-6) + "~.yaml", // 511 bytes: 513 quoted
		"/m/" + strings.Repeat("it's-", 100) + ".yaml",              // 508 bytes: 810 quoted
	} {
		saved := &plan.File{Plan: plan.Plan{Target: plan.Target{URL: "https://x.example/scim", Deployment: model.Dedicated}},
			Desired: &plan.Desired{Files: []string{"a.yaml"}, Sources: []string{f}}}
		got := replanCommand(saved, "/p/plan.json", &connFlags{auth: "bearer"})
		shown := sanitize.CutRuns(got, caps.ShownValue)
		if !strings.HasPrefix(got, "#") && shown != got {
			t.Errorf("argument of %d bytes: printed runnable, but shown cut:\n%.200s…", len(f), shown)
		}
	}
}
