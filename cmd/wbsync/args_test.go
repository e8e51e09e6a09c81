package main

import (
	"strings"
	"testing"
)

// TestRateLimitIsDecimal: --rate-limit and WBSYNC_RATE_LIMIT are decimal,
// as README says of the numeric connection flags: a hex float or a Go
// digit separator is refused, naming the flag.
func TestRateLimitIsDecimal(t *testing.T) {
	for _, v := range []string{"0x1p4", "0x10p0", "1_000", "1_0.5"} {
		r := wb(t, map[string]string{"WANDB_API_KEY": "x9f27c4e1b83d6a0"}, "export", "--url", "http://127.0.0.1:1/scim", "--rate-limit", v)
		if r.code != 1 || !strings.Contains(r.stderr, "--rate-limit") || !strings.Contains(r.stderr, "not a value") {
			t.Errorf("--rate-limit %s: exit %d\n%s", v, r.code, r.stderr)
		}
		r = wb(t, map[string]string{"WANDB_API_KEY": "x9f27c4e1b83d6a0", "WBSYNC_RATE_LIMIT": v}, "export", "--url", "http://127.0.0.1:1/scim")
		if r.code != 1 || !strings.Contains(r.stderr, "WBSYNC_RATE_LIMIT") {
			t.Errorf("WBSYNC_RATE_LIMIT=%s: exit %d\n%s", v, r.code, r.stderr)
		}
	}
}

// TestTypographicDashFlag: a flag whose "--" an editor turned into an en or
// em dash is refused naming the flag meant, not read as a saved plan or an
// unexpected argument; other arguments so written are as before.
func TestTypographicDashFlag(t *testing.T) {
	m := writeFile(t, "m.yaml", "version: 1\n")
	for _, arg := range []string{"\u2014auto-approve", "\u2013auto-approve", "\u2013\u2013auto-approve", "\u2212\u2212auto-approve"} {
		r := wb(t, map[string]string{"WANDB_API_KEY": "x9f27c4e1b83d6a0"}, "apply", "-f", m, "--url", "http://127.0.0.1:1/scim", arg)
		if want := "starts with a typographic dash, as a word processor or chat writes \"--\": did you mean --auto-approve?"; r.code != exitError || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: exit %d, want 1 with %q:\n%s", arg, r.code, want, r.stderr)
		}
	}
	r := wb(t, map[string]string{"WANDB_API_KEY": "x9f27c4e1b83d6a0"}, "plan", "-f", m, "--url", "http://127.0.0.1:1/scim", "\u2014nonsense")
	if r.code != exitError || strings.Contains(r.stderr, "typographic") || !strings.Contains(r.stderr, "unexpected argument") {
		t.Errorf("an argument naming no flag: exit %d\n%s", r.code, r.stderr)
	}
}
