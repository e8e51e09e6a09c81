package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/emulator"
)

// logEntry is one JSON log line on stderr.
type logEntry map[string]any

func (e logEntry) level() string { s, _ := e["level"].(string); return s }
func (e logEntry) msg() string   { s, _ := e["msg"].(string); return s }

// jsonLog parses stderr written under --log-format json: every non-empty
// line must be one JSON object with a level and a message.
func jsonLog(t *testing.T, stderr string) []logEntry {
	t.Helper()
	var out []logEntry
	for i, line := range strings.Split(stderr, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var e logEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("stderr line %d is not a JSON object (%v): %q\nstderr:\n%s", i+1, err, line, stderr)
		}
		if e.level() == "" || e.msg() == "" {
			t.Fatalf("stderr line %d lacks a level or msg: %q", i+1, line)
		}
		out = append(out, e)
	}
	return out
}

// find returns the entries with message msg.
func find(entries []logEntry, msg string) []logEntry {
	var out []logEntry
	for _, e := range entries {
		if e.msg() == msg {
			out = append(out, e)
		}
	}
	return out
}

// errorsContaining returns the error entries whose message contains s.
func errorsContaining(entries []logEntry, s string) []logEntry {
	var out []logEntry
	for _, e := range entries {
		if e.level() == "error" && strings.Contains(e.msg(), s) {
			out = append(out, e)
		}
	}
	return out
}

// TestJSONLogsOnly: with --log-format json every line on stderr is a JSON
// log entry: progress (reads and apply phases) as "progress" entries,
// "Finished" as a "finished" entry, and no text plan beside -o json.
func TestJSONLogsOnly(t *testing.T) {
	m := examplePath("wbsync.yaml")
	cases := []struct {
		name  string
		state string
		args  []string
	}{
		{"plan, paged reads", examplePath("emulator-state.json"), []string{"plan", "-f", m, "--page-size", "2"}},
		{"apply", "", []string{"apply", "-f", m, "--auto-approve"}}, // an empty org: every phase runs
		{"apply -o json", "", []string{"apply", "-f", m, "--auto-approve", "-o", "json"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			emu := startEmu(t, emulator.Options{}, tc.state)
			r := wb(t, vars(emu.url), append(tc.args, "--log-format", "json")...)
			if r.code != exitOK {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			entries := jsonLog(t, r.stderr)
			progress := find(entries, "progress")
			if len(progress) == 0 {
				t.Fatalf("no progress entry:\n%s", r.stderr)
			}
			last := progress[len(progress)-1]
			for _, k := range []string{"task", "done", "total", "finished", "elapsed", "status"} {
				if _, ok := last[k]; !ok {
					t.Errorf("progress entry lacks %q: %v", k, last)
				}
			}
			if last["finished"] != true || last["done"] != last["total"] || !strings.Contains(last["status"].(string), "done in") {
				t.Errorf("last progress entry is not a finished task: %v", last)
			}
			finished := find(entries, "finished")
			if tc.args[0] == "plan" {
				if len(finished) != 0 || writes(emu.requests(t)) != 0 {
					t.Fatalf("plan applied something:\n%s", r.stderr)
				}
				paged := false // users and groups are read at once: in any order
				for _, e := range progress {
					paged = paged || e["task"] == "read users"
				}
				if !paged {
					t.Errorf("no progress entry for the paged read of users: %v", progress)
				}
				return
			}
			if len(finished) != 1 || finished[0]["write_requests"] != float64(writes(emu.requests(t))) || finished[0]["elapsed"] == nil {
				t.Errorf("finished entries %v, want one counting the %d writes", finished, writes(emu.requests(t)))
			}
			if strings.Contains(tc.name, "-o json") {
				decodeReport(t, r.stdout)
			}
		})
	}
}

// TestJSONLogsPlanShownForThePrompt: apply -o json with JSON logs shows the
// text plan only when it asks for approval on a terminal: someone reads it
// then. It shows it on stderr when stderr is that terminal too, and on
// stdout, the terminal the question is on, when stderr is redirected
// (2>apply.log): a question is asked about the plan shown. The refusal is
// an error entry.
func TestJSONLogsPlanShownForThePrompt(t *testing.T) {
	for _, stderrTerminal := range []bool{true, false} {
		t.Run(fmt.Sprintf("stderr a terminal: %v", stderrTerminal), func(t *testing.T) {
			emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
			v := vars(emu.url)
			var out, errb bytes.Buffer
			code := run(context.Background(), []string{"apply", "-f", examplePath("wbsync.yaml"), "-o", "json", "--log-format", "json"}, env{
				stdin: strings.NewReader("no\n"), stdout: &out, stderr: &errb,
				getenv: func(k string) string { return v[k] }, isTerminal: true, stderrTerminal: stderrTerminal,
			})
			shown, other := &errb, &out
			if !stderrTerminal {
				shown, other = &out, &errb
			}
			if code != exitError || !strings.Contains(shown.String(), "ivan@example.com") || strings.Contains(other.String(), "ivan@example.com") {
				t.Fatalf("exit %d, want 1 with the plan where the question is asked\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
			}
			if q := strings.Index(out.String(), "Apply these changes?"); q < 0 || !stderrTerminal && strings.Index(out.String(), "ivan@example.com") > q {
				t.Fatalf("the question, after the plan shown:\n%s", out.String())
			}
			var logs strings.Builder // the log entries among the plan's lines
			for _, l := range strings.Split(errb.String(), "\n") {
				if strings.HasPrefix(l, `{"level":`) {
					logs.WriteString(l + "\n")
				}
			}
			if e := errorsContaining(jsonLog(t, logs.String()), "Apply cancelled; nothing was written."); len(e) != 1 {
				t.Errorf("no error entry for the refusal:\n%s", logs.String())
			}
			if writes(emu.requests(t)) != 0 {
				t.Error("a refused apply wrote")
			}
		})
	}
}

// TestJSONLogsErrors: a failing command's error, manifest problems (with
// their FILE:LINE:COL) and a stale plan's differences are error entries,
// escaped as in text. A bad --log-format value itself stays text.
func TestJSONLogsErrors(t *testing.T) {
	m := examplePath("wbsync.yaml")
	emu := startEmu(t, emulator.Options{APIKey: "another-key-4c1d9e"}, "")

	r := wb(t, vars(emu.url), "plan", "-f", m, "--log-format", "json")
	e := errorsContaining(jsonLog(t, r.stderr), "wbsync plan: read the live organization at "+emu.url)
	if r.code != exitError || len(e) != 1 || e[0]["exit_code"] != float64(exitError) {
		t.Errorf("refused key: exit %d, want 1 and one error entry\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, testKey) {
		t.Error("the key is in stderr")
	}

	r = wb(t, vars(emu.url), "plan", "-f", m, "-o", "yaml", "--log-format", "json")
	if e := errorsContaining(jsonLog(t, r.stderr), `wbsync plan: -o "yaml"`); r.code != exitError || len(e) != 1 {
		t.Errorf("bad -o: exit %d\n%s", r.code, r.stderr)
	}
	r = wb(t, vars(emu.url), "plan", "-f", m, "--log-format", "xml")
	if r.code != exitError || !strings.HasPrefix(r.stderr, `wbsync plan: --log-format "xml"`) {
		t.Errorf("bad --log-format: exit %d, want a text error\n%s", r.code, r.stderr)
	}
	// A flag the parse stops at is said in the format the arguments ask
	// for, given before or after it.
	for _, args := range [][]string{{"--log-format", "json", "--bogus"}, {"--bogus", "--log-format=json"}, {"--log-format", "json", "--url"}} {
		r = wb(t, vars(emu.url), append([]string{"plan", "-f", m}, args...)...)
		if e := errorsContaining(jsonLog(t, r.stderr), "wbsync plan: "); r.code != exitError || len(e) != 1 || e[0]["exit_code"] != float64(exitError) {
			t.Errorf("%v: exit %d, want one JSON error entry\n%s", args, r.code, r.stderr)
		}
	}
	if r = wb(t, vars(emu.url), "plan", "-f", m, "--bogus"); r.code != exitError || !strings.HasPrefix(r.stderr, "wbsync plan: unknown flag --bogus") {
		t.Errorf("no --log-format: exit %d, want a text error\n%s", r.code, r.stderr)
	}

	bad := writeFile(t, "bad.yaml", "version: 1\nusers:\n  - email: a@example.com\n    \"\\e[31mcolour\": 1\n  - email: nope\n")
	for _, cmd := range []string{"validate", "plan"} {
		r := wb(t, vars(emu.url), cmd, "-f", bad, "--log-format", "json")
		entries := jsonLog(t, r.stderr)
		unknown := errorsContaining(entries, bad+":4:5: unknown key")
		if r.code != exitError || len(unknown) != 1 || len(errorsContaining(entries, bad+":5:12: malformed email")) != 1 {
			t.Fatalf("%s: exit %d, want 1 and an error entry per problem\n%s", cmd, r.code, r.stderr)
		}
		if !strings.Contains(unknown[0].msg(), `\x1b[31m`) || unknown[0]["file"] != bad || unknown[0]["line"] != float64(4) || unknown[0]["column"] != float64(5) {
			t.Errorf("%s: the problem is not escaped or lacks its position: %v", cmd, unknown[0])
		}
		if e := errorsContaining(entries, "wbsync "+cmd+": the manifest has 2 problem(s)"); len(e) != 1 {
			t.Errorf("%s: no final error entry\n%s", cmd, r.stderr)
		}
	}

	var many strings.Builder
	many.WriteString("version: 1\nusers:\n")
	for i := range 105 {
		fmt.Fprintf(&many, "  - email: u%d\n", i)
	}
	r = wb(t, nil, "validate", "-f", writeFile(t, "many.yaml", many.String()), "--log-format", "json")
	entries := jsonLog(t, r.stderr)
	if e := errorsContaining(entries, "... and 5 more problem(s)"); len(e) != 1 || len(errorsContaining(entries, "malformed email")) != 100 {
		t.Errorf("105 problems: want 100 entries and a count of the rest\n%s", r.stderr)
	}
}

// TestJSONLogsStalePlan: the refusal of a stale saved plan says what
// changed in error entries.
func TestJSONLogsStalePlan(t *testing.T) {
	emu, planPath := savedExamplePlan(t)
	v := vars(emu.url)
	createByHand(t, emu, "ivan@example.com", "ivan@example.com") // the saved create is now moot
	r := wb(t, v, "apply", planPath, "--auto-approve", "--log-format", "json")
	entries := jsonLog(t, r.stderr)
	if r.code != exitError || len(errorsContaining(entries, "The saved plan "+planPath+" is stale")) != 1 ||
		len(errorsContaining(entries, "ivan@example.com")) == 0 || len(errorsContaining(entries, "wbsync apply: refusing to apply a stale plan")) != 1 {
		t.Fatalf("exit %d, want 1 with the differences as error entries\n%s", r.code, r.stderr)
	}
}

// TestLogLevelError: at --log-level error a successful apply writes
// nothing to stderr off a terminal, in both formats (progress lines are
// info), while errors still print; on a terminal the console progress
// display stays. At the default level, console progress lines are as
// before.
func TestLogLevelError(t *testing.T) {
	m := examplePath("wbsync.yaml")
	for _, format := range []string{"console", "json"} {
		for _, output := range []string{"text", "json"} {
			emu := startEmu(t, emulator.Options{}, "")
			r := wb(t, vars(emu.url), "apply", "-f", m, "--auto-approve", "-o", output, "--log-format", format, "--log-level", "error")
			if r.code != exitOK || r.stderr != "" {
				t.Errorf("%s logs, -o %s: exit %d, want 0 and an empty stderr:\n%s", format, output, r.code, r.stderr)
			}
		}
		r := wb(t, nil, "validate", "-f", writeFile(t, "bad.yaml", "version: 1\nusers:\n  - email: nope\n"), "--log-format", format, "--log-level", "error")
		if r.code != exitError || !strings.Contains(r.stderr, "bad.yaml:3:12: malformed email") || !strings.Contains(r.stderr, "wbsync validate: the manifest has 1 problem(s)") {
			t.Errorf("%s logs: the problem and the error are not printed at error level:\n%s", format, r.stderr)
		}
		if strings.Contains(r.stderr, "nothing was written") { // validate never writes: saying so suggests it might
			t.Errorf("%s logs: validate says it wrote nothing:\n%s", format, r.stderr)
		}
	}

	emu := startEmu(t, emulator.Options{}, "")
	v := vars(emu.url)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"apply", "-f", m, "--auto-approve", "--log-level", "error"}, env{
		stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return v[k] }, stderrTerminal: true,
	})
	if code != exitOK || !strings.Contains(errb.String(), "\r\x1b[Kcreate_user  0/11") || !strings.Contains(errb.String(), "Finished: ") {
		t.Errorf("terminal: exit %d, want the progress display:\n%q", code, errb.String())
	}

	emu = startEmu(t, emulator.Options{}, "")
	r := wb(t, vars(emu.url), "apply", "-f", m, "--auto-approve")
	for _, want := range []string{"\ncreate_user  0/11\n", "\ncreate_user  11/11  done in ", "\nFinished: 23 write requests in "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("console at info: stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

// TestPromptSaysDeactivationsCannotBeUndone: on Multi-tenant Cloud the
// question itself says how many of the changes cannot be undone (their
// warnings may be screens above it); on Dedicated Cloud it does not.
func TestPromptSaysDeactivationsCannotBeUndone(t *testing.T) {
	seed := writeState(t, map[string]any{"users": []any{
		map[string]any{"userName": "admin@example.com", "organizationRole": "admin"},
		map[string]any{"userName": "gone@example.com"},
	}})
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: admin@example.com\n    orgRole: admin\n  - email: gone@example.com\n    active: false\n")
	const note = "1 of these changes deactivates a user on W&B Multi-tenant Cloud: it removes the user from the organization, and SCIM cannot undo it.\nApply these changes?"
	for _, dep := range []string{"saas", "dedicated"} {
		emu := startEmu(t, emulator.Options{Deployment: dep}, seed)
		v := vars(emu.url)
		v["WBSYNC_DEPLOYMENT"] = dep
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"apply", "-f", m}, env{
			stdin: strings.NewReader("no\n"), stdout: &out, stderr: &errb,
			getenv: func(k string) string { return v[k] }, isTerminal: true,
		})
		if code != exitError || !strings.Contains(out.String(), "Apply these changes?") || strings.Contains(out.String(), note) != (dep == "saas") {
			t.Errorf("%s: exit %d, the note shown: %v, want %v\n%s%s", dep, code, strings.Contains(out.String(), note), dep == "saas", out.String(), errb.String())
		}
		if writes(emu.requests(t)) != 0 {
			t.Errorf("%s: a refused apply wrote", dep)
		}
	}
}

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
