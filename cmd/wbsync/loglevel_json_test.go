package main

import "testing"

// TestJSONLogsBadLevelStillJSON: with --log-format json, an error said
// while the logs are set up (a misspelt flag, or --log-level's own bad
// value) is a JSON error entry too: the level falls back, not the format.
func TestJSONLogsBadLevelStillJSON(t *testing.T) {
	m := writeFile(t, "m.yaml", "version: 1\nusers: []\n")
	for _, args := range [][]string{
		{"--log-format", "json", "--log-level", "nonsense", "--bogus"},
		{"--log-format", "json", "--log-level", "nonsense"},
	} {
		r := wb(t, vars("http://127.0.0.1:1/scim"), append([]string{"plan", "-f", m}, args...)...)
		if e := errorsContaining(jsonLog(t, r.stderr), "wbsync plan: "); r.code != exitError || len(e) != 1 {
			t.Errorf("%v: exit %d, want one JSON error entry\n%s", args, r.code, r.stderr)
		}
	}
}
