package main

import (
	"strings"
	"testing"
)

// TestSavedPlanDeploymentFromTheFileLogLevel: a plan file recording the
// deployment its URL does not imply, applied without a deployment given,
// says so as a warning when --url is given (the file alone chose it) and
// as an info line when the recorded URL is used too; with the deployment
// given (the same one), it says nothing of it.
func TestSavedPlanDeploymentFromTheFileLogLevel(t *testing.T) {
	emu, saas := savedSaasPlan(t)
	line := func(stderr string) string {
		for _, l := range strings.Split(stderr, "\n") {
			if strings.Contains(l, "records it (its URL alone implies dedicated)") {
				return l
			}
		}
		return ""
	}
	r := wb(t, vars(emu.url), "apply", saas, "--url", emu.url, "--dry-run", "--log-format", "json")
	if l := line(r.stderr); r.code != exitOK || !strings.Contains(l, `"level":"warn"`) {
		t.Errorf("--url given: exit %d, line %q\n%s", r.code, l, r.stderr)
	}
	r = wb(t, map[string]string{"WANDB_API_KEY": testKey}, "apply", saas, "--dry-run", "--log-format", "json")
	if l := line(r.stderr); r.code != exitOK || !strings.Contains(l, `"level":"info"`) {
		t.Errorf("no --url: exit %d, line %q\n%s", r.code, l, r.stderr)
	}
	r = wb(t, vars(emu.url), "apply", saas, "--url", emu.url, "--deployment", "saas", "--dry-run", "--log-format", "json")
	if l := line(r.stderr); r.code != exitOK || l != "" {
		t.Errorf("--deployment saas given: exit %d, line %q\n%s", r.code, l, r.stderr)
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("%d writes from dry runs", n)
	}
}
