package main

import (
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/emulator"
)

// TestParseInterleaved: flags may come before or after positionals, and
// "--" makes every argument after it positional.
func TestParseInterleaved(t *testing.T) {
	cases := []struct {
		args    []string
		pos     []string
		approve bool
		out     string
	}{
		{[]string{"plan.out", "--auto-approve"}, []string{"plan.out"}, true, ""},
		{[]string{"--auto-approve", "plan.out"}, []string{"plan.out"}, true, ""},
		{[]string{"--", "plan.out", "--auto-approve"}, []string{"plan.out", "--auto-approve"}, false, ""},
		{[]string{"--auto-approve", "--", "-x", "--"}, []string{"-x", "--"}, true, ""},
		{[]string{"a", "--out", "o.json", "b", "--", "--out", "c"}, []string{"a", "b", "--out", "c"}, false, "o.json"},
		{[]string{"--out", "--", "a"}, []string{"a"}, false, "--"}, // "--" as a flag's value
		{[]string{"--out=x", "-", "--auto-approve=false"}, []string{"-"}, false, "x"},
		{[]string{"--"}, nil, false, ""},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			approve := fs.Bool("auto-approve", false, "")
			out := fs.String("out", "", "")
			pos, err := parseInterleaved(fs, tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.pos, pos); diff != "" {
				t.Errorf("positionals (-want +got):\n%s", diff)
			}
			if *approve != tc.approve || *out != tc.out {
				t.Errorf("auto-approve %v, out %q; want %v, %q", *approve, *out, tc.approve, tc.out)
			}
		})
	}
}

// TestDoubleDashEndsFlags: after "--", a flag-like argument is a positional,
// so "apply -- PLANFILE --auto-approve" is refused (two positionals) and
// writes nothing, instead of applying without confirmation.
func TestDoubleDashEndsFlags(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	v := vars(emu.url)
	planPath := filepath.Join(t.TempDir(), "plan.json")
	if r := wb(t, v, "plan", "-f", examplePath("wbsync.yaml"), "--out", planPath); r.code != exitOK {
		t.Fatalf("plan: %d %s", r.code, r.stderr)
	}
	r := wb(t, v, "apply", "--", planPath, "--auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, `unexpected argument "--auto-approve"`) {
		t.Fatalf("apply -- PLANFILE --auto-approve: exit %d, want 1 naming the extra argument\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("apply -- PLANFILE --auto-approve sent %d write requests", n)
	}

	for _, args := range [][]string{
		{"validate", "-f", examplePath("wbsync.yaml"), "--", "-o", "json"},
		{"validate", "--", "extra", "-o", "json", "-f", examplePath("wbsync.yaml")},
	} {
		r := wb(t, nil, args...)
		if r.code != exitError || !strings.Contains(r.stderr, "unexpected argument") || r.stdout != "" {
			t.Errorf("%q: exit %d, want 1 and an unexpected argument\nstdout:\n%s\nstderr:\n%s", args, r.code, r.stdout, r.stderr)
		}
	}
}
