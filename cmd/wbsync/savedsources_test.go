package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// TestSavedSourcesNameStandardInputAndTheDefault: a saved plan records
// the -f arguments as given, standard input as the loader names it (so
// that apply reads nothing from it and the re-plan command reads -
// again, with no "not found here" comment), and no -f as the default
// manifest.
func TestSavedSourcesNameStandardInputAndTheDefault(t *testing.T) {
	if got := savedSources([]string{"-", "m/"}); !slices.Equal(got, []string{stdinName, "m/"}) {
		t.Errorf("savedSources(-, m/) = %q", got)
	}
	if got := savedSources(nil); !slices.Equal(got, []string{"wbsync.yaml"}) {
		t.Errorf("savedSources() = %q, want the default manifest", got)
	}
	saved := &plan.File{Plan: plan.Plan{Target: plan.Target{URL: "https://x.example/scim", Deployment: model.Dedicated}},
		Desired: &plan.Desired{Files: []string{stdinName}, Sources: savedSources([]string{"-"})}}
	got := replanCommand(saved, "/p/plan.json", &connFlags{auth: "bearer"})
	if !strings.HasPrefix(got, "wbsync plan -f - --url") || strings.Contains(got, "#") {
		t.Errorf("replanCommand of a plan made from standard input = %q", got)
	}
}
