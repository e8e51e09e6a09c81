package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/desired"
	"github.com/wbsync/wbsync/pkg/emulator"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// writeState writes an emulator seed to a file and returns its path.
func writeState(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReplanCommandNamesThePlanFileAbsolutely: the command that plans a
// stale saved plan again lists the manifest files as they were given where
// the plan was made, which need not be where apply runs: the plan file is
// named absolutely, so that the command rewrites the file apply was given.
func TestReplanCommandNamesThePlanFileAbsolutely(t *testing.T) {
	saved := &plan.File{Plan: plan.Plan{Target: plan.Target{URL: "https://x.example/scim", Deployment: model.Dedicated}},
		Desired: &plan.Desired{Files: []string{"wbsync/org.yaml"}}}
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	got := replanCommand(saved, "plan.json", &connFlags{auth: "bearer"})
	want := "wbsync plan -f wbsync/org.yaml --url https://x.example/scim --deployment dedicated --out " + shellQuote(filepath.Join(cwd, "plan.json"))
	// wbsync/org.yaml is not found where this test runs: a comment says
	// where to run the command.
	const elsewhere = "  # run in the directory the plan was made in: its -f paths are relative to it, and wbsync/org.yaml is not found here"
	if got != want+elsewhere {
		t.Fatalf("replanCommand = %q, want %q", got, want+elsewhere)
	}
	// Where the manifest is found, no comment.
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "wbsync"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "wbsync", "org.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	if got := replanCommand(saved, "/p/plan.json", &connFlags{auth: "bearer"}); strings.Contains(got, "#") {
		t.Errorf("replanCommand = %q where the manifest is found", got)
	}
	t.Chdir(cwd)
	// How the refused run reached the server goes with it: Basic, and the
	// key's file, named absolutely.
	got = replanCommand(saved, "plan.json", &connFlags{auth: "Basic", apiKeyFile: "key.txt"})
	want = "wbsync plan -f wbsync/org.yaml --url https://x.example/scim --deployment dedicated --auth basic --api-key-file " +
		shellQuote(filepath.Join(cwd, "key.txt")) + " --out " + shellQuote(filepath.Join(cwd, "plan.json")) + elsewhere
	if got != want {
		t.Fatalf("replanCommand = %q, want %q", got, want)
	}
	// And a page size below W&B's maximum, which an organization too
	// large to read in whole pages needs (the default is not written).
	got = replanCommand(saved, "plan.json", &connFlags{auth: "bearer", pageSize: 500})
	want = "wbsync plan -f wbsync/org.yaml --url https://x.example/scim --deployment dedicated --page-size 500 --out " + shellQuote(filepath.Join(cwd, "plan.json")) + elsewhere
	if got != want {
		t.Fatalf("replanCommand = %q, want %q", got, want)
	}
	if got := replanCommand(saved, "plan.json", &connFlags{auth: "bearer", pageSize: caps.PageSize}); strings.Contains(got, "--page-size") {
		t.Fatalf("replanCommand = %q with the default page size", got)
	}
	// A plan file that records more manifest arguments than a message can
	// show (edited by hand, or made with that many), or one longer than a
	// message shows whole: the command names those that fit and is
	// printed commented out, as run it would plan a part of the manifest
	// (the others' users unmanaged) and replace the plan file.
	for _, sources := range [][]string{manyArgs(2000, 40), {"a.yaml", strings.Repeat("m", caps.ShownValue+1) + ".yaml"}} {
		many := *saved
		many.Desired = &plan.Desired{Files: []string{"a.yaml"}, Sources: sources}
		got = replanCommand(&many, "plan.json", &connFlags{auth: "bearer"})
		runs, _, _ := strings.Cut(got, "#") // what a shell runs
		if strings.TrimSpace(runs) != "" || !strings.HasPrefix(got, "# wbsync plan ") ||
			!strings.Contains(got, fmt.Sprintf("of the %d manifest arguments the plan file records", len(sources))) || len(got) > caps.ReplanArgs+4096 {
			t.Fatalf("replanCommand of %d arguments: %d bytes:\n%.300s", len(sources), len(got), got)
		}
	}
	// As many as fit are named whole, runnable.
	many := *saved
	many.Desired = &plan.Desired{Files: []string{"a.yaml"}, Sources: manyArgs(500, 40)}
	if got = replanCommand(&many, "plan.json", &connFlags{auth: "bearer"}); !strings.HasPrefix(got, "wbsync plan ") || strings.Count(got, " -f ") != 500 {
		t.Fatalf("replanCommand of 500 arguments: %.300s", got)
	}
}

// TestStalePlanRefused: a change made in the org between plan --out and
// apply FILE is refused, shown, and nothing is written.
func TestStalePlanRefused(t *testing.T) {
	emu, planPath := savedExamplePlan(t)
	v := vars(emu.url)
	// Someone adds carol to ml-research by hand: the saved add is now moot.
	other := writeFile(t, "other.yaml", `version: 1
users:
  - email: carol@example.com
teams:
  - name: ml-research
    membership: additive
    members: [carol@example.com]
`)
	if r := wb(t, v, "apply", "-f", other, "--auto-approve"); r.code != exitOK {
		t.Fatalf("out-of-band change: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	before := writes(emu.requests(t))
	r := wb(t, v, "apply", planPath, "--auto-approve")
	if r.code != exitError {
		t.Fatalf("stale plan: exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "stale") || !strings.Contains(r.stderr, "carol@example.com") {
		t.Fatalf("the refusal does not show what changed:\n%s", r.stderr)
	}
	// It gives the command that plans again: the same files, target and
	// file.
	if want := "wbsync plan -f " + examplePath("wbsync.yaml") + " --url " + emu.url + " --deployment dedicated --out " + planPath; !strings.Contains(r.stderr, want) {
		t.Errorf("the refusal lacks %q:\n%s", want, r.stderr)
	}
	if after := writes(emu.requests(t)); after != before {
		t.Fatalf("a stale plan wrote %d requests", after-before)
	}
}

// TestLimitBlocks: a plan over maxDeactivations exits 3 and writes nothing.
func TestLimitBlocks(t *testing.T) {
	var users []map[string]any
	var lines []string
	for i := 0; i < 8; i++ {
		e := fmt.Sprintf("u%d@example.com", i)
		users = append(users, map[string]any{"userName": e, "active": true})
		lines = append(lines, "  - email: "+e+"\n    active: false")
	}
	state := writeState(t, map[string]any{"users": users, "teams": []any{}})
	emu := startEmu(t, emulator.Options{}, state)
	m := writeFile(t, "m.yaml", "version: 1\npolicy:\n  limits:\n    maxDeactivations: 2\nusers:\n"+strings.Join(lines, "\n")+"\n")
	for _, args := range [][]string{
		{"plan", "-f", m},
		{"apply", "-f", m, "--auto-approve"},
		{"plan", "-f", m, "-o", "json"},
		{"plan", "-f", m, "-o", "markdown", "--out", filepath.Join(t.TempDir(), "p.json")},
		{"apply", "-f", m, "--dry-run"},
		{"apply", "-f", m, "--dry-run", "-o", "json"},
		{"apply", "-f", m, "--auto-approve", "-o", "json"},
	} {
		r := wb(t, vars(emu.url), args...)
		if r.code != exitBlocked {
			t.Fatalf("%s: exit %d, want 3\n%s\n%s", args, r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, "maxDeactivations") {
			t.Errorf("%s output does not name the limit:\n%s", args, r.stdout)
		}
		// stderr says why too: stdout may go to a file a CI log never shows.
		// stderr says which limit, and what came of it.
		outcome := "nothing would be applied"
		if args[0] == "apply" && !slices.Contains(args, "--dry-run") {
			outcome = "nothing was written"
		}
		if want := "wbsync " + args[0] + ": a safety limit blocks the plan (maxDeactivations): " + outcome; !strings.Contains(r.stderr, want) {
			t.Errorf("%s: stderr does not say %q:\n%s", args, want, r.stderr)
		}
	}
	r := wb(t, vars(emu.url), "plan", "-f", m, "-o", "json")
	if !strings.Contains(r.stderr, "wbsync plan: a safety limit blocks the plan (maxDeactivations): nothing would be applied") {
		t.Errorf("plan -o json: stderr does not name the limit:\n%s", r.stderr)
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("a blocked plan wrote %d requests", n)
	}
}

func TestValidate(t *testing.T) {
	r := wb(t, nil, "validate", "-f", examplePath("wbsync.yaml"))
	if r.code != exitOK || !strings.Contains(r.stdout, "12 users, 4 teams") {
		t.Fatalf("validate: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stderr, "no members key") {
		t.Errorf("the example has a team without a members key: %s", r.stderr)
	}
	// An authoritative team without a members key is valid, and said on
	// stderr, by position: it is planned to lose every live member.
	nokey := writeFile(t, "nokey.yaml", "version: 1\nusers:\n  - email: a@example.com\nteams:\n  - name: ml\n")
	r = wb(t, nil, "validate", "-f", nokey)
	if r.code != exitOK || !strings.Contains(r.stderr, nokey+":5:11: team ml has no members key") || strings.Contains(r.stdout, "no members key") {
		t.Errorf("a team without a members key: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// validate -o json lists it too, for an editor or CI that reads only
	// the JSON; a valid manifest with nothing to say has warnings [].
	r = wb(t, nil, "validate", "-f", nokey, "-o", "json")
	var warned struct {
		Valid    bool              `json:"valid"`
		Warnings []desired.Problem `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &warned); err != nil || r.code != exitOK || !warned.Valid || len(warned.Warnings) != 1 ||
		warned.Warnings[0] != (desired.Problem{File: nokey, Line: 5, Column: 11, Message: warned.Warnings[0].Message}) ||
		!strings.HasPrefix(warned.Warnings[0].Message, "team ml has no members key") {
		t.Errorf("validate -o json, a team without a members key: exit %d, %+v (%v)\n%s", r.code, warned, err, r.stdout)
	}
	if r := wb(t, nil, "validate", "-f", examplePath("wbsync.yaml"), "-o", "json"); !strings.Contains(r.stdout, `"warnings": []`) {
		t.Errorf("validate -o json of the example: want warnings []:\n%s", r.stdout)
	}
	bad := writeFile(t, "bad.yaml", "version: 1\nusers:\n  - email: not-an-email\n  - emial: x@example.com\n")
	r = wb(t, nil, "validate", "-f", bad)
	if r.code != exitError || !strings.Contains(r.stderr, bad+":3:") || !strings.Contains(r.stderr, bad+":4:") {
		t.Fatalf("bad manifest: exit %d, want both problems as FILE:LINE:COL\n%s", r.code, r.stderr)
	}
	r = wb(t, nil, "validate", "-f", bad, "-o", "json")
	var res struct {
		Valid    bool `json:"valid"`
		Problems []struct {
			File string `json:"file"`
			Line int    `json:"line"`
		} `json:"problems"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("validate -o json: %v\n%s", err, r.stdout)
	}
	if r.code != exitError || res.Valid || len(res.Problems) < 2 || res.Problems[0].Line != 3 {
		t.Fatalf("validate -o json: exit %d %+v", r.code, res)
	}
	if r := wb(t, nil, "validate", "-f", filepath.Join(t.TempDir(), "missing.yaml")); r.code != exitError {
		t.Fatalf("missing file: exit %d", r.code)
	}
	// A file reached twice (a directory and one of its files, the same
	// path spelt twice, or a symbolic link to it) is read once.
	multi := examplePath("multi")
	link := filepath.Join(t.TempDir(), "research.yaml")
	target, err := filepath.Abs(filepath.Join(multi, "10-research.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-f", multi, "-f", filepath.Join(multi, "10-research.yaml")}, {"-f", multi, "-f", multi + "/"}, {"-f", multi, "-f", link}} {
		if r := wb(t, nil, append([]string{"validate"}, args...)...); r.code != exitOK || !strings.Contains(r.stdout, "(3 file(s))") {
			t.Errorf("validate %v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
	// A file that cannot be read is the problem's file, not the first one.
	good := writeFile(t, "one.yaml", "version: 1\n")
	for _, other := range []string{filepath.Join(t.TempDir(), "missing.yaml"), t.TempDir() + "/empty-dir"} {
		if strings.HasSuffix(other, "empty-dir") {
			if err := os.Mkdir(other, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		r = wb(t, nil, "validate", "-f", good, "-f", other, "-o", "json")
		res.Problems = nil
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
			t.Fatalf("validate -o json: %v\n%s", err, r.stdout)
		}
		if r.code != exitError || len(res.Problems) != 1 || res.Problems[0].File != other || res.Problems[0].Line != 1 {
			t.Errorf("-f %s -f %s: exit %d, problems %+v: want the problem at %s:1", good, other, r.code, res.Problems, other)
		}
	}
}

// TestValidateDigest: validate -o json gives the manifest_digest a plan of
// the same manifest records, offline, so a pipeline can check that a saved
// plan was made from the manifest it merged; another manifest gives
// another digest, and an invalid one none.
func TestValidateDigest(t *testing.T) {
	digestOf := func(r result) string {
		t.Helper()
		var v struct {
			Digest string `json:"manifest_digest"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
			t.Fatalf("%v\n%s%s", err, r.stdout, r.stderr)
		}
		return v.Digest
	}
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	planned := digestOf(wb(t, vars(emu.url), "plan", "-f", examplePath("wbsync.yaml"), "-o", "json"))
	offline := digestOf(wb(t, nil, "validate", "-f", examplePath("wbsync.yaml"), "-o", "json"))
	if !strings.HasPrefix(planned, "sha256:") || offline != planned {
		t.Fatalf("validate gives %q, plan %q", offline, planned)
	}
	if other := digestOf(wb(t, nil, "validate", "-f", examplePath("multi"), "-o", "json")); other == planned || !strings.HasPrefix(other, "sha256:") {
		t.Fatalf("another manifest's digest: %q", other)
	}
	bad := writeFile(t, "bad.yaml", "version: 1\nusers:\n  - email: not-an-email\n")
	if d := digestOf(wb(t, nil, "validate", "-f", bad, "-o", "json")); d != "" {
		t.Fatalf("an invalid manifest's digest: %q", d)
	}
}

// TestExportRoundTrip: export a 500-user, 50-team org (teams sharing a name,
// inactive users) and plan the export against it: no changes.
func TestExportRoundTrip(t *testing.T) {
	var users, teams []map[string]any
	for i := 0; i < 500; i++ {
		u := map[string]any{"userName": fmt.Sprintf("user%03d@example.com", i), "displayName": fmt.Sprintf("User %d", i), "active": i%17 != 0}
		if i%50 == 0 {
			u["organizationRole"] = "admin"
		}
		users = append(users, u)
	}
	for j := 0; j < 50; j++ {
		name := fmt.Sprintf("team-%02d", j)
		if j%10 == 9 {
			name = fmt.Sprintf("team-%02d", j-1) // shares a name with the team before
		}
		var members []any
		for i := j; i < 500; i += 23 {
			m := fmt.Sprintf("user%03d@example.com", i)
			if i%5 == 0 {
				members = append(members, map[string]any{"userName": m, "role": "admin"})
			} else {
				members = append(members, m)
			}
		}
		teams = append(teams, map[string]any{"name": name, "members": members})
	}
	emu := startEmu(t, emulator.Options{ServiceAccounts: 2}, writeState(t, map[string]any{"users": users, "teams": teams}))
	v := vars(emu.url)
	out := filepath.Join(t.TempDir(), "wbsync.yaml")
	if r := wb(t, v, "export", "--out", out); r.code != exitOK {
		t.Fatalf("export: %d\n%s", r.code, r.stderr)
	}
	// Two exports of one organization are the same bytes: no time stamp.
	if data, err := os.ReadFile(out); err != nil || regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:`).Match(data) {
		t.Errorf("the export holds a time stamp (or cannot be read: %v)", err)
	}
	if r := wb(t, nil, "validate", "-f", out); r.code != exitOK || !strings.Contains(r.stdout, "500 users, 50 teams") {
		t.Fatalf("validate the export: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r := wb(t, v, "plan", "-f", out, "--detailed-exitcode")
	if r.code != exitOK || !strings.Contains(r.stdout, "No changes.") {
		t.Fatalf("plan of the export: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("export and plan wrote %d requests", n)
	}
}

// TestManifestCase: team members written in another case than their users'
// declared emails, and orgRole and membership in capitals, validate and plan
// no change against an organization that already matches (no add, no
// remove, no role change).
func TestManifestCase(t *testing.T) {
	seed := writeState(t, map[string]any{
		"users": []any{map[string]any{"userName": "alice@example.com"},
			map[string]any{"userName": "bob@example.com", "organizationRole": "admin"}},
		"teams": []any{map[string]any{"name": "ml", "members": []any{"alice@example.com",
			map[string]any{"userName": "bob@example.com", "role": "admin"}}}},
	})
	emu := startEmu(t, emulator.Options{}, seed)
	m := writeFile(t, "m.yaml", "version: 1\npolicy:\n  unmanagedUsers: Deactivate\n"+
		"users:\n  - email: alice@example.com\n    orgRole: MEMBER\n  - email: bob@example.com\n    orgRole: Admin\n"+
		"teams:\n  - name: ml\n    membership: Authoritative\n    members:\n      - ALICE@Example.com\n      - email: BOB@Example.COM\n        role: Admin\n")
	if r := wb(t, nil, "validate", "-f", m); r.code != exitOK {
		t.Fatalf("validate: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r := wb(t, vars(emu.url), "plan", "-f", m, "--detailed-exitcode")
	if r.code != exitOK || !strings.Contains(r.stdout, "No changes.") {
		t.Fatalf("plan: exit %d, want 0 and No changes.\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestShellQuote: the re-plan command quotes what a shell would split or
// expand, and only that.
func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"teams/ml.yaml": "teams/ml.yaml", "https://acme.wandb.io/scim": "https://acme.wandb.io/scim",
		"my plan.json": "'my plan.json'", "it's.yaml": `'it'\''s.yaml'`, "$HOME/x": "'$HOME/x'", "": "''",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
	// A name with characters a terminal or a CI log acts on (from a saved
	// plan anyone may edit) is quoted on one line, escaped, and a shell
	// reads back exactly the name.
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash, to read the quoted names back: ", err)
	}
	for in, want := range map[string]string{
		"evil\n::error::pwned.yaml":     `$'evil\n::error::pwned.yaml'`,
		"a\x1b[31m'b\\c\u202e.yaml":     `$'a\x1b[31m\x27b\x5cc\xe2\x80\xae.yaml'`,
		"a\x01'$(touch PWNED) #":        `$'a\x01\x27$(touch PWNED) #'`,
		"bad\xffbyte\t.yaml":            `$'bad\xffbyte\t.yaml'`,
		"caf\u00e9\u2028e\u0301\r.yaml": `$'caf\xc3\xa9\xe2\x80\xa8e\xcc\x81\x0d.yaml'`,
	} {
		got := shellQuote(in)
		if got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
		// Byte for byte in any locale: C, and UTF-8.
		for _, lang := range []string{"C", "C.UTF-8"} {
			cmd := exec.Command(bash, "-c", "printf %s "+got)
			cmd.Env = append(os.Environ(), "LC_ALL="+lang)
			out, err := cmd.Output()
			if err != nil || string(out) != in {
				t.Errorf("LC_ALL=%s bash reads %s back as %q (%v), want %q", lang, got, out, err, in)
			}
		}
		// A POSIX sh that does not read $'...' (dash) reads a $ and one
		// quoted word: one argument, nothing run.
		if sh, err := exec.LookPath("dash"); err == nil {
			dir := t.TempDir()
			cmd := exec.Command(sh, "-c", "printf '%s\\n' "+got)
			cmd.Dir = dir
			out, err := cmd.Output()
			entries, _ := os.ReadDir(dir)
			if err != nil || strings.Count(string(out), "\n") != 1 || len(entries) != 0 {
				t.Errorf("dash reads %s as %q (%v), %d file(s) made", got, out, err, len(entries))
			}
		}
	}
}

// TestManifestOnStandardInput: -f - reads the manifest from standard input,
// as kubectl does, even with a file named "-" in the working directory;
// problems name it <stdin>; it is read once; a plan saved from it is made
// again by piping it again.
func TestManifestOnStandardInput(t *testing.T) {
	bin := testBinary(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "-"), []byte("version: 1\nusers:\n  - email: from-the-file@example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(stdin string, args ...string) (string, int) {
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Stdin = dir, strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		return string(out), code
	}
	out, code := run("version: 1\nusers:\n  - email: a@example.com\n  - email: b@example.com\n", "validate", "-f", "-", "-o", "json")
	var v struct {
		Users int      `json:"users"`
		Files []string `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &v); code != 0 || err != nil || v.Users != 2 || len(v.Files) != 1 || v.Files[0] != "<stdin>" {
		t.Errorf("validate -f -: exit %d, %v\n%s", code, err, out)
	}
	out, code = run("version: 1\nusers:\n  - email: nope\n", "validate", "-f", "-")
	if code != exitError || !strings.Contains(out, "<stdin>:3:12: malformed email") {
		t.Errorf("a problem on standard input: exit %d\n%s", code, out)
	}
	out, code = run("version: 1\n", "validate", "-f", "-", "-f", "-")
	if code != exitError || !strings.Contains(out, "-f - given twice: standard input is read once") {
		t.Errorf("-f - twice: exit %d\n%s", code, out)
	}
	// Another input that is standard input too: refused before either is
	// read (the key file would take the manifest).
	for _, args := range [][]string{
		{"validate", "-f", "-", "-f", "/dev/stdin"},
		{"plan", "-f", "-", "--api-key-file", "/dev/stdin", "--url", "http://127.0.0.1:1/scim"},
	} {
		out, code = run("version: 1\n", args...)
		if code != exitError || !strings.Contains(out, "/dev/stdin is this run's standard input, which -f - reads: give one of them another way") {
			t.Errorf("%q: exit %d\n%s", args, code, out)
		}
	}
	// A file named "-", however large, is not what -f - reads; problems
	// found while reading standard input name it <stdin> in JSON too.
	if err := os.Truncate(filepath.Join(dir, "-"), 300<<20); err != nil {
		t.Fatal(err)
	}
	if out, code := run("version: 1\nusers:\n  - email: a@example.com\n", "validate", "-f", "-"); code != 0 {
		t.Errorf("-f - beside a large file named -: exit %d\n%s", code, out)
	}
	out, code = run("version: 1\n\x00", "validate", "-f", "-", "-o", "json")
	if code != exitError || !strings.Contains(out, `"file": "<stdin>",
      "line": 2,
      "column": 1,`) || strings.Contains(out, `"file": "-"`) {
		t.Errorf("a NUL on standard input, -o json: exit %d\n%s", code, out)
	}
	// An invalid manifest still names the files it was read from, for CI
	// annotations; counts and the digest are a valid manifest's only.
	if err := json.Unmarshal([]byte(out), &v); err != nil || len(v.Files) != 1 || v.Files[0] != "<stdin>" || v.Users != 0 {
		t.Errorf("files of an invalid manifest, -o json: %v\n%s", err, out)
	}
	// Standard input redirected from a file: that file is the input, not
	// ./-, which an output may then name (no manifest now, which no
	// output of another kind may be written over).
	if err := os.WriteFile(filepath.Join(dir, "-"), []byte("notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := filepath.Join(dir, "m.yaml")
	if err := os.WriteFile(m, []byte("version: 1\nusers:\n  - email: a@example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ out, says string }{
		{m, "--out " + m + " is this run's standard input, the manifest (-f -): writing it would destroy it"},
		{"./-", "nothing accepts connections"}, // accepted: the plan goes on to the server
	} {
		f, err := os.Open(m)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "plan", "-f", "-", "--out", tc.out, "--url", "http://127.0.0.1:1/scim")
		cmd.Dir, cmd.Stdin, cmd.Env = dir, f, []string{"WANDB_API_KEY=" + testKey, "PATH=" + os.Getenv("PATH")}
		b, _ := cmd.CombinedOutput()
		f.Close()
		if !strings.Contains(string(b), tc.says) {
			t.Errorf("plan -f - < m.yaml --out %s: want %q\n%s", tc.out, tc.says, b)
		}
	}
	if b, err := os.ReadFile(m); err != nil || !strings.HasPrefix(string(b), "version: 1") {
		t.Errorf("the manifest now holds %.40q (%v)", b, err)
	}
	// A saved plan is never read from standard input: apply's "-" is a
	// file, which --report may not overwrite.
	pdir := t.TempDir()
	if err := os.WriteFile(filepath.Join(pdir, "-"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "apply", "-", "--report", "./-", "--auto-approve")
	cmd.Dir, cmd.Env = pdir, []string{"WANDB_API_KEY=" + testKey, "PATH=" + os.Getenv("PATH")}
	if b, _ := cmd.CombinedOutput(); !strings.Contains(string(b), "--report ./- is an input of this run") {
		t.Errorf("apply - --report ./-: want it refused as an input\n%s", b)
	}
	// Nor is a key file named "-", which --out may not overwrite either.
	if err := os.WriteFile(filepath.Join(pdir, "-"), []byte(testKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(bin, "plan", "-f", m, "--api-key-file", "-", "--out", "./-", "--url", "http://127.0.0.1:1/scim")
	cmd.Dir, cmd.Env = pdir, []string{"PATH=" + os.Getenv("PATH")}
	if b, _ := cmd.CombinedOutput(); !strings.Contains(string(b), "--out ./- is an input of this run") {
		t.Errorf("plan --api-key-file - --out ./-: want it refused as an input\n%s", b)
	}
	saved := &plan.File{Plan: plan.Plan{Target: plan.Target{URL: "https://x.example/scim", Deployment: model.Dedicated}},
		Desired: &plan.Desired{Files: []string{stdinName, "teams.yaml"}}}
	if got := replanCommand(saved, "/p/plan.json", nil); !strings.HasPrefix(got, "wbsync plan -f - -f teams.yaml --url") {
		t.Errorf("replanCommand = %q, want the manifest piped again (-f -)", got)
	}
}

// manyArgs is n manifest arguments of about size bytes each.
func manyArgs(n, size int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("/m/%s-%d.yaml", strings.Repeat("m", size), i)
	}
	return out
}

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

// TestReadWithoutUsersSaysSo: a read that lists no user while its teams
// hold members (a key or a proxy that does not show /Users) is said on
// every command that reads, as the plan of it would create users that
// may exist; a read with a user says nothing of it.
func TestReadWithoutUsersSaysSo(t *testing.T) {
	const said = "the read lists no user, yet its teams hold 2 member(s)" // the same 2 service accounts in both teams
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: alice@example.com\nteams:\n  - name: ml\n    members: [alice@example.com]\n")
	for _, users := range [][]map[string]any{nil, {{"userName": "bob@example.com", "active": true}}} {
		emu := startEmu(t, emulator.Options{ServiceAccounts: 2}, writeState(t, map[string]any{
			"users": users, "teams": []map[string]any{{"name": "ml", "members": []string{}}, {"name": "ops", "members": []string{}}},
		}))
		for _, args := range [][]string{{"plan", "-f", m}, {"export"}} {
			r := wb(t, vars(emu.url), args...)
			if r.code != exitOK || strings.Contains(r.stderr, said) != (users == nil) {
				t.Errorf("%d users, %v: exit %d\n%s", len(users), args, r.code, r.stderr)
			}
		}
	}
}
