package main

import (
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/caps"
)

// TestLongValuesCutInEveryRefusal: a refusal quoting a value given by
// mistake (a path, an unknown flag, a saved plan's name of 100,000
// characters) echoes it cut to caps.ShownValue characters, whichever
// message quotes it.
func TestLongValuesCutInEveryRefusal(t *testing.T) {
	long := strings.Repeat("x", 100_000)
	m := writeFile(t, "m.yaml", "version: 1\n")
	env := map[string]string{"WANDB_API_KEY": "x9f27c4e1b83d6a0"}
	u := "http://127.0.0.1:1/scim"
	for name, args := range map[string][]string{
		"-f":              {"plan", "--url", u, "-f", "/tmp/" + long},
		"--out":           {"plan", "--url", u, "-f", m, "--out", "/nonexist/" + long},
		"--report":        {"apply", "--url", u, "-f", m, "--report", "/nonexist/" + long},
		"unknown flag":    {"plan", "--url", u, "-f", m, "--" + long},
		"positional":      {"plan", "--url", u, "-f", m, long},
		"typographic":     {"plan", "--url", u, "-f", m, "\u2014" + long},
		"saved plan file": {"apply", "--url", u, long},
	} {
		r := wb(t, env, args...)
		if len(r.stderr) > 2*caps.ShownValue+500 {
			t.Errorf("%s: exit %d, %d bytes on stderr:\n%.200s", name, r.code, len(r.stderr), r.stderr)
		}
	}
}
