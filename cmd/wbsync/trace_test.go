package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/emulator"
	"github.com/wbsync/wbsync/pkg/observed"
	"github.com/wbsync/wbsync/pkg/scim"
)

// TestTraceFile: --trace writes one JSON object per exchange with the
// documented fields, no Authorization header and no form of the key; and the
// trace is a fixture: replayed through the client it gives the same
// organization as the live read.
func TestTraceFile(t *testing.T) {
	emu := startEmu(t, emulator.Options{PageCap: 4}, examplePath("emulator-state.json"))
	for _, auth := range []string{"bearer", "basic"} {
		trace := filepath.Join(t.TempDir(), "trace.jsonl")
		v := vars(emu.url)
		v["WANDB_API_KEY"] = hostileKey
		v["WBSYNC_AUTH"] = auth
		r := wb(t, v, "plan", "-f", examplePath("wbsync.yaml"), "--trace", trace, "--page-size", "4")
		if r.code != exitOK {
			t.Fatalf("plan: exit %d\n%s", r.code, r.stderr)
		}
		b, err := os.ReadFile(trace)
		if err != nil {
			t.Fatal(err)
		}
		if l := keyLeaks(string(b)); len(l) > 0 {
			t.Fatalf("%s: the trace leaks %q", auth, l)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) < 4 { // 11 users and 4 teams at 4 a page: 3 + 1 pages at least
			t.Fatalf("%d trace lines:\n%s", len(lines), b)
		}
		for _, line := range lines {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("a trace line is not JSON: %v\n%s", err, line)
			}
			for _, k := range []string{"time", "method", "url", "status", "duration_ms", "request_headers", "request_body", "response_headers", "response_body"} {
				if _, ok := rec[k]; !ok {
					t.Errorf("trace line lacks %q: %s", k, line)
				}
			}
			// Whole milliseconds, like the apply report's: a consumer that
			// decodes it into an integer must not fail.
			var typed struct {
				DurationMS int64 `json:"duration_ms"`
			}
			if err := json.Unmarshal([]byte(line), &typed); err != nil || typed.DurationMS < 0 {
				t.Errorf("duration_ms is not a whole number of milliseconds (%v): %s", err, line)
			}
			if strings.Contains(strings.ToLower(line), "authorization") {
				t.Errorf("a trace line carries Authorization: %s", line)
			}
		}
		// Replay: the trace serves the same answers to a client.
		recs, err := scim.ReadTrace(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		replay, err := scim.New(scim.Config{BaseURL: emu.url, APIKey: "replayed", ReadOnly: true, PageSize: 4, Concurrency: 1,
			RateLimit: -1, HTTPClient: &http.Client{Transport: scim.ReplayTransport(recs)}})
		if err != nil {
			t.Fatal(err)
		}
		live, err := scim.New(scim.Config{BaseURL: emu.url, APIKey: testKey, ReadOnly: true, PageSize: 4, RateLimit: -1})
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := observed.Fetch(context.Background(), replay)
		if err != nil {
			t.Fatalf("replaying the trace: %v", err)
		}
		want, _, err := observed.Fetch(context.Background(), live)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("the replayed organization differs (-live +replayed):\n%s", d)
		}
	}
}

// TestReadProgress: a read of several pages shows a progress bar per
// collection (lines, off a terminal); a one-page read shows none.
func TestReadProgress(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	r := wb(t, vars(emu.url), "plan", "-f", examplePath("wbsync.yaml"), "--page-size", "4", "--concurrency", "1")
	if r.code != exitOK || !strings.Contains(r.stderr, "read users  11/11  done") || !strings.Contains(r.stderr, "read users  4/11") {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if r := wb(t, vars(emu.url), "plan", "-f", examplePath("wbsync.yaml")); strings.Contains(r.stderr, "read users") {
		t.Errorf("a one-page read shows progress:\n%s", r.stderr)
	}
}

// The numeric connection flags have environment variables, and the flag
// wins: WBSYNC_PAGE_SIZE sets the page size a plan asks for, unless
// --page-size is given. Both are decimal: 07 is 7 and 010 is 10, not
// octal 8 as package flag reads it; 0x10 is refused.
func TestNumberFlagsFromEnvironment(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	for _, tc := range []struct {
		env  string
		args []string
		want string
	}{
		{"3", nil, "count=3"},
		{"3", []string{"--page-size", "5"}, "count=5"},
		{"3", []string{"--page-size", "010"}, "count=10"},
		{"07", nil, "count=7"},
	} {
		trace := filepath.Join(t.TempDir(), "trace.jsonl")
		v := vars(emu.url)
		v["WBSYNC_PAGE_SIZE"] = tc.env
		r := wb(t, v, append([]string{"plan", "-f", examplePath("wbsync.yaml"), "--trace", trace}, tc.args...)...)
		if r.code != exitOK {
			t.Fatalf("plan %v: exit %d\n%s", tc.args, r.code, r.stderr)
		}
		b, err := os.ReadFile(trace)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), tc.want+"&") && !strings.Contains(string(b), tc.want+`"`) {
			t.Errorf("plan %v with WBSYNC_PAGE_SIZE=%s: no request asks %s:\n%.2000s", tc.args, tc.env, tc.want, b)
		}
	}
	for _, args := range [][]string{{"--page-size", "0x10"}, {"--concurrency", "1e2"}} {
		if r := wb(t, vars(emu.url), append([]string{"plan", "-f", examplePath("wbsync.yaml")}, args...)...); r.code != exitError ||
			!strings.Contains(r.stderr, args[0]+` "`+args[1]+`": not a value `+args[0]+" takes") {
			t.Errorf("plan %v: exit %d\n%s", args, r.code, r.stderr)
		}
	}
}

// fullFile is a --trace file on a disk that fills after its first bytes.
type fullFile struct{ room int }

func (f *fullFile) Write(p []byte) (int, error) {
	if len(p) > f.room {
		n := f.room
		f.room = 0
		return n, syscall.ENOSPC
	}
	f.room -= len(p)
	return len(p), nil
}

func (f *fullFile) Close() error { return nil }

// TestTraceLostExits1: a --trace that could not be written whole (a full
// disk) makes plan exit 1 naming it, after the plan (it exited 0 with a
// warning, on output that was lost); an apply that made writes keeps its
// own exit code.
func TestTraceLostExits1(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	trace := filepath.Join(t.TempDir(), "trace.jsonl")
	run1 := func(args ...string) result {
		var out, errb bytes.Buffer
		v := vars(emu.url)
		code := run(context.Background(), args, env{
			stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
			getenv:      func(k string) string { return v[k] },
			createTrace: func(string) (io.WriteCloser, error) { return &fullFile{room: 100}, nil },
		})
		return result{code, out.String(), errb.String()}
	}
	r := run1("plan", "-f", examplePath("wbsync.yaml"), "--trace", trace)
	if r.code != exitError || !strings.Contains(r.stderr, "--trace "+trace+": the trace was not written whole") ||
		!strings.Contains(r.stdout, "Plan:") {
		t.Fatalf("plan: exit %d, want 1 naming the trace after the plan\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// A blocked plan keeps its exit 3, and says both.
	blocked := writeFile(t, "blocked.yaml", "version: 1\npolicy:\n  unmanagedUsers: deactivate\n  unmanagedGracePeriod: \"0\"\n  limits:\n    maxDeactivations: 0\nusers: []\n")
	r = run1("plan", "-f", blocked, "--trace", trace)
	if r.code != exitBlocked || !strings.Contains(r.stderr, "a safety limit blocks the plan") || !strings.Contains(r.stderr, "the trace was not written whole") {
		t.Errorf("blocked plan: exit %d, want 3 naming the block and the trace\n%s", r.code, r.stderr)
	}
	r = run1("apply", "-f", examplePath("wbsync.yaml"), "--auto-approve", "--trace", trace)
	if r.code != exitOK || writes(emu.requests(t)) == 0 {
		t.Fatalf("apply: exit %d, want 0 (its writes were made and verified)\n%s", r.code, r.stderr)
	}
	// ... and says so last, so that a partial trace is not attached to a
	// bug report unknowingly.
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, "the trace was not written whole") || !strings.Contains(last, "the exit code is the apply's") {
		t.Errorf("apply: the last stderr line is %q, want the lost trace named\n%s", last, r.stderr)
	}
}
