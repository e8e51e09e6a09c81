package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/emulator"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

const testKey = "wbsync-test-key-5f0c1d2e"

// testEmu is an emulator on loopback.
type testEmu struct {
	url string
	srv *emulator.Server
	hs  *httptest.Server
}

func startEmu(t testing.TB, opts emulator.Options, statePath string) *testEmu {
	t.Helper()
	var seed *emulator.State
	if statePath != "" {
		f, err := os.Open(statePath)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if seed, err = emulator.ParseState(f); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := emulator.New(opts, seed, zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel)))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &testEmu{url: hs.URL + "/scim", srv: srv, hs: hs}
}

// requests returns the emulator's request counts by method.
func (e *testEmu) requests(t testing.TB) map[string]int {
	t.Helper()
	resp, err := http.Get(e.hs.URL + "/_emulator/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Requests map[string]int `json:"requests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st.Requests
}

func writes(m map[string]int) int { return m["POST"] + m["PATCH"] + m["PUT"] + m["DELETE"] }

type result struct {
	code           int
	stdout, stderr string
}

// wb runs the CLI in process with the given environment.
func wb(t testing.TB, vars map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, env{
		stdin:  strings.NewReader(""),
		stdout: &out,
		stderr: &errb,
		getenv: func(k string) string { return vars[k] },
	})
	return result{code, out.String(), errb.String()}
}

func vars(url string) map[string]string {
	return map[string]string{"WBSYNC_URL": url, "WANDB_API_KEY": testKey}
}

func examplePath(name string) string { return filepath.Join("..", "..", "examples", name) }

// TestEndToEnd is the demo as a test: plan → dry-run → apply → plan is empty,
// with plan and dry-run sending no write request.
func TestEndToEnd(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	v := vars(emu.url)
	manifest := examplePath("wbsync.yaml")

	r := wb(t, v, "plan", "-f", manifest, "--detailed-exitcode")
	if r.code != exitChanges {
		t.Fatalf("plan exit = %d, want 2\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"ivan@example.com", "vision", "mallory@example.com", "oscar@example.com", "data-eng", "Plan: "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan output lacks %q:\n%s", want, r.stdout)
		}
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("plan sent %d write requests, want 0", n)
	}

	r = wb(t, v, "apply", "-f", manifest, "--dry-run", "-o", "json")
	if r.code != exitOK {
		t.Fatalf("apply --dry-run exit = %d\n%s", r.code, r.stderr)
	}
	var p struct {
		Summary map[string]int `json:"summary"`
		Changes []struct {
			Action string `json:"action"`
		} `json:"changes"`
		Warnings []struct {
			Code string `json:"code"`
		} `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("dry-run JSON: %v\n%s", err, r.stdout)
	}
	actions := map[string]int{}
	for _, c := range p.Changes {
		actions[c.Action]++
	}
	wantActions := map[string]int{"create_user": 2, "create_team": 1, "add_member": 7, "remove_member": 2,
		"deactivate_user": 1, "set_org_role": 1, "set_team_role": 2}
	for a, n := range wantActions {
		if actions[a] != n {
			t.Errorf("%s: %d changes, want %d (all: %v)", a, actions[a], n, actions)
		}
	}
	codes := map[string]bool{}
	for _, w := range p.Warnings {
		codes[w.Code] = true
	}
	for _, c := range []string{"duplicate_team", "unmanaged_user"} {
		if !codes[c] {
			t.Errorf("no %s warning in %v", c, codes)
		}
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("apply --dry-run sent %d write requests, want 0", n)
	}

	// --detailed-exitcode on a real apply: 2 when it made changes, 0 when
	// there was nothing to do.
	r = wb(t, v, "apply", "-f", manifest, "--auto-approve", "--detailed-exitcode")
	if r.code != exitChanges {
		t.Fatalf("apply exit = %d, want 2\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if writes(emu.requests(t)) == 0 {
		t.Fatal("apply sent no write request")
	}

	r = wb(t, v, "plan", "-f", manifest, "--detailed-exitcode")
	if r.code != exitOK || !strings.Contains(r.stdout, "No changes.") {
		t.Fatalf("second plan: exit %d, want 0 and No changes.\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r = wb(t, v, "apply", "-f", manifest, "--auto-approve", "--detailed-exitcode"); r.code != exitOK {
		t.Fatalf("second apply: exit %d, want 0\n%s", r.code, r.stderr)
	}
}

// TestApplyNeedsApproval: without a terminal and without --auto-approve,
// apply refuses and writes nothing.
func TestApplyNeedsApproval(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	r := wb(t, vars(emu.url), "apply", "-f", examplePath("wbsync.yaml"))
	if r.code != exitError || !strings.Contains(r.stderr, "--auto-approve") {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("%d writes without approval", n)
	}
}

// TestKeyNeverPrinted runs a debug-level plan and apply and looks for the key.
func TestKeyNeverPrinted(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	for _, auth := range []string{"bearer", "basic"} {
		v := vars(emu.url)
		v["WBSYNC_AUTH"] = auth
		out := t.TempDir() + "/plan.json"
		for _, args := range [][]string{
			{"plan", "-f", examplePath("wbsync.yaml"), "--log-level", "debug", "--out", out},
			{"apply", "-f", examplePath("wbsync.yaml"), "--log-level", "debug", "--auto-approve", "-o", "json"},
		} {
			r := wb(t, v, args...)
			if strings.Contains(r.stdout+r.stderr, testKey) {
				t.Fatalf("%s (%s) printed the API key", args[0], auth)
			}
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(testKey)) {
			t.Fatal("the saved plan holds the API key")
		}
	}
}

func TestConnectionErrors(t *testing.T) {
	m := examplePath("wbsync.yaml")
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte("k-0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{"no key", map[string]string{"WBSYNC_URL": "http://127.0.0.1:1/scim"}, nil, "no API key"},
		{"plain http off loopback", map[string]string{"WANDB_API_KEY": "k3y5"}, []string{"--url", "http://example.com/scim"}, "plain http:// is refused"},
		{"bad auth", map[string]string{"WANDB_API_KEY": "k3y5", "WBSYNC_AUTH": "digest"}, nil, "--auth"},
		{"bad deployment", map[string]string{"WANDB_API_KEY": "k3y5"}, []string{"--deployment", "cloud"}, "--deployment"},
		{"bad output", map[string]string{"WANDB_API_KEY": "k3y5"}, []string{"-o", "yaml"}, "-o"},
		{"stray argument", map[string]string{"WANDB_API_KEY": "k3y5"}, []string{"extra"}, "unexpected argument"},
		{"key with a line break", map[string]string{"WANDB_API_KEY": "abcdefgh12\nxyz", "WBSYNC_URL": "http://127.0.0.1:1/scim"}, nil, "the API key from WANDB_API_KEY holds a control character"},
		{"key with a space", map[string]string{"WANDB_API_KEY": "Bearer abcdefgh12", "WBSYNC_URL": "http://127.0.0.1:1/scim"}, nil, "the API key from WANDB_API_KEY holds a space"},
		{"key too long", map[string]string{"WANDB_API_KEY": strings.Repeat("k", 5000), "WBSYNC_URL": "http://127.0.0.1:1/scim"}, nil, "the API key from WANDB_API_KEY is 5000 bytes"},
		{"key in typographic quotes", map[string]string{"WANDB_API_KEY": "\u201c0123456789abcdef0123\u201d", "WBSYNC_URL": "http://127.0.0.1:1/scim"}, nil, "the API key from WANDB_API_KEY holds a character that is not ASCII (typographic quotes pasted with it?)"},
		{"key not ASCII", map[string]string{"WANDB_API_KEY": "\u043a\u043b\u044e\u0447\u043a\u043b\u044e\u0447\u043a\u043b", "WBSYNC_URL": "http://127.0.0.1:1/scim"}, nil, "holds a character that is not ASCII"},
		{"key in quotes", map[string]string{"WANDB_API_KEY": `"0123456789abcdef0123"`, "WBSYNC_URL": "http://127.0.0.1:1/scim"}, nil, `the API key from WANDB_API_KEY is wrapped in quotes ("...")`},
		{"key in single quotes", map[string]string{"WANDB_API_KEY": `'0123456789abcdef0123'`, "WBSYNC_URL": "http://127.0.0.1:1/scim"}, nil, "is wrapped in quotes ('...')"},
		{"key not UTF-8", map[string]string{"WANDB_API_KEY": "abcdefgh\xff12345678", "WBSYNC_URL": "http://127.0.0.1:1/scim"}, nil, "holds a character that is not ASCII"},
		{"empty --out", map[string]string{"WANDB_API_KEY": "k3y5"}, []string{"--out="}, "--out was given an empty value"},
		{"--out over the manifest", map[string]string{"WANDB_API_KEY": "k3y5"}, []string{"--out", m}, "is an input of this run"},
		// "-" is not standard output here (nor a file named "-").
		{"--out -", map[string]string{"WANDB_API_KEY": "k3y5"}, []string{"--out", "-"}, "--out -: give a file name (./- for a file named -)"},
		{"--metrics-file -", map[string]string{"WANDB_API_KEY": "k3y5"}, []string{"--metrics-file=-"}, "--metrics-file -: give a file name"},
		{"two outputs on one file", map[string]string{"WANDB_API_KEY": "k3y5"}, []string{"--out", "p.json", "--metrics-file", "./p.json"}, "--out and --metrics-file name the same file"},
		{"--trace over the key file", nil, []string{"--api-key-file", keyFile, "--trace", keyFile}, "--trace " + keyFile + " is an input of this run"},
		{"--out over the key file", nil, []string{"--api-key-file", keyFile, "--out", keyFile}, "--out " + keyFile + " is an input of this run"},
		{"--trace to a device", map[string]string{"WANDB_API_KEY": "k3y5", "WBSYNC_URL": "http://127.0.0.1:1/scim"}, []string{"--trace", os.DevNull}, "--trace: " + os.DevNull + " is not a regular file"},
		{"empty --api-key-file", map[string]string{"WANDB_API_KEY": "k3y5"}, []string{"--api-key-file", ""}, "--api-key-file was given an empty value"},
		{"empty --log-level", map[string]string{"WANDB_API_KEY": "k3y5"}, []string{"--log-level="}, "--log-level was given an empty value"},
		{"--timeout below a second", map[string]string{"WANDB_API_KEY": "k3y5"}, []string{"--timeout", "1ns"}, "--timeout (or WBSYNC_TIMEOUT) 1ns: want a duration from 1s to 1h"},
		{"--batch-size too large", map[string]string{"WANDB_API_KEY": "k3y5"}, []string{"--batch-size", "100000000000"}, "--batch-size (or WBSYNC_BATCH_SIZE) 100000000000: want 1 to 1000"},
		{"--concurrency below one", map[string]string{"WANDB_API_KEY": "k3y5"}, []string{"--concurrency", "0"}, "--concurrency (or WBSYNC_CONCURRENCY) 0: want at least 1 (at most 64 are used)"},
		{"WBSYNC_CONCURRENCY not a number", map[string]string{"WANDB_API_KEY": "k3y5", "WBSYNC_CONCURRENCY": "many"}, nil, `WBSYNC_CONCURRENCY "many": not a value --concurrency takes`},
		{"--timeout without a unit", map[string]string{"WANDB_API_KEY": "k3y5"}, []string{"--timeout", "5"}, `--timeout "5": not a value --timeout takes (a duration with its unit, such as 30s or 2m)`},
		// Worded as the environment's twin; a long value cut as there.
		{"--concurrency not a number", map[string]string{"WANDB_API_KEY": "k3y5"}, []string{"--concurrency", strings.Repeat("9", 3000)}, `--concurrency "` + strings.Repeat("9", 63) + `…": not a value --concurrency takes (out of range)`},
		{"WBSYNC_TIMEOUT without a unit", map[string]string{"WANDB_API_KEY": "k3y5", "WBSYNC_TIMEOUT": "5"}, nil, `WBSYNC_TIMEOUT "5": not a value --timeout takes (a duration with its unit, such as 30s or 2m)`},
		{"WBSYNC_TIMEOUT out of bounds", map[string]string{"WANDB_API_KEY": "k3y5", "WBSYNC_TIMEOUT": "2h"}, nil, "--timeout (or WBSYNC_TIMEOUT) 2h0m0s: want a duration from 1s to 1h"},
		{"WBSYNC_RATE_LIMIT below the minimum", map[string]string{"WANDB_API_KEY": "k3y5", "WBSYNC_RATE_LIMIT": "0"}, nil, "--rate-limit (or WBSYNC_RATE_LIMIT) 0"},
		{"--api-key-file -", nil, []string{"--api-key-file", "-"}, "--api-key-file -: no file is named -, and - is not standard input here: give a file name (/dev/stdin reads the key from standard input)"},
		// The key in the URL's path would go into every request line.
		{"--url holding the key", map[string]string{"WANDB_API_KEY": "fkQ7x9Lm2Pz4Rt8Wv1Yb6Nc3Hd5Jg0Ks"}, []string{"--url", "http://127.0.0.1:1/t/Wv1Yb6Nc3Hd5/scim"},
			`--url (or WBSYNC_URL) "http://127.0.0.1:1/t/[redacted]/scim" holds the API key`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := wb(t, tc.vars, append([]string{"plan", "-f", m}, tc.args...)...)
			if r.code != exitError || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, want 1 with %q in stderr:\n%s", r.code, tc.want, r.stderr)
			}
		})
	}
	// A key file written as a .env file is refused, without quoting it.
	envFile := filepath.Join(t.TempDir(), "wandb.env")
	if err := os.WriteFile(envFile, []byte("WANDB_API_KEY=0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := wb(t, map[string]string{"WBSYNC_URL": "http://127.0.0.1:1/scim"}, "plan", "-f", m, "--api-key-file", envFile)
	if want := "the API key from --api-key-file " + envFile + " starts with a variable's name and '=', as a .env file or a shell's export line writes it: it must be the key alone"; r.code != exitError || !strings.Contains(r.stderr, want) {
		t.Errorf(".env key file: exit %d, want 1 with %q:\n%s", r.code, want, r.stderr)
	}
	// So is WANDB_API_KEY written so, naming its source (the key meant
	// is redacted, not the variable's name it starts with).
	r = wb(t, map[string]string{"WBSYNC_URL": "http://127.0.0.1:1/scim", "WANDB_API_KEY": "WANDB_API_KEY=x9f27c4e1b83d6a0"}, "plan", "-f", m)
	if want := "the API key from WANDB_API_KEY starts with a variable's name and '='"; r.code != exitError || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "x9f27c4e") {
		t.Errorf(".env line in WANDB_API_KEY: exit %d, want 1 with %q:\n%s", r.code, want, r.stderr)
	}
	r = wb(t, map[string]string{"WBSYNC_URL": "http://127.0.0.1:1/scim", "WANDB_API_KEY": "export WANDB_API_KEY=x9f27c4e1b83d6a0"}, "plan", "-f", m)
	if want := "the API key from WANDB_API_KEY starts with a variable's name and '=', as a .env file or a shell's export line writes it"; r.code != exitError || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "x9f27c4e") {
		t.Errorf("shell line in WANDB_API_KEY: exit %d, want 1 with %q:\n%s", r.code, want, r.stderr)
	}
	if b, err := os.ReadFile(keyFile); err != nil || string(b) != "k-0123456789" {
		t.Errorf("the key file now holds %q (%v)", b, err)
	}
}

// TestShortKeyWarned: a test key too short to redact where it appears
// alone ("x": every x of the output) is sent as given, as a server that
// takes any key expects, with a warning saying what stays redacted; one
// redacted only whole ("test") is warned of too.
func TestShortKeyWarned(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, "")
	// Every key of one letter or digit: the warning's own words are no form
	// of it (with "K", "Bearer KEY" would be, and print redacted).
	keys := []string{"xyz"}
	for _, c := range "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" {
		keys = append(keys, string(c))
	}
	for _, key := range keys {
		r := wb(t, map[string]string{"WANDB_API_KEY": key, "WBSYNC_URL": emu.url}, "plan", "-f", examplePath("wbsync.yaml"))
		want := fmt.Sprintf("the API key from WANDB_API_KEY is %d character(s) long (W&B API keys are about 40): only its Authorization header values (after Basic, or after Bearer) are kept out of what wbsync prints", len(key))
		if r.code != exitOK || !strings.Contains(r.stderr, want) || !strings.Contains(r.stdout, "Plan: ") {
			t.Errorf("key %q: exit %d, want 0, a plan and %q on stderr\nstdout:\n%s\nstderr:\n%s", key, r.code, want, r.stdout, r.stderr)
		}
	}
	// A key of 4 to 7 characters ("test") is redacted wherever it appears
	// whole: said, since a manifest holding the word is then refused as
	// holding the key, and its refusal says so truly.
	m := writeFile(t, "m.yaml", "version: 1\nteams:\n  - name: test-team\n    members: []\n")
	r := wb(t, map[string]string{"WANDB_API_KEY": "test", "WBSYNC_URL": emu.url}, "plan", "-f", m)
	if want := "the manifest holds the API key: a key shorter than 8 characters (a placeholder?) is hidden wherever it appears whole, and a word of the manifest holds it"; r.code != exitError || !strings.Contains(r.stderr, want) {
		t.Errorf("key \"test\", a manifest holding it: exit %d, want 1 and %q\n%s", r.code, want, r.stderr)
	}
	r = wb(t, map[string]string{"WANDB_API_KEY": "test", "WBSYNC_URL": emu.url}, "plan", "-f", examplePath("wbsync.yaml"))
	if want := "the API key from WANDB_API_KEY is 4 characters long (W&B API keys are about 40): wherever it appears whole"; r.code != exitOK || !strings.Contains(r.stderr, want) {
		t.Errorf("key \"test\": exit %d, want 0 and %q\n%s", r.code, want, r.stderr)
	}
	r = wb(t, vars(emu.url), "plan", "-f", examplePath("wbsync.yaml"))
	if r.code != exitOK || strings.Contains(r.stderr, "character(s) long") || strings.Contains(r.stderr, "characters long") {
		t.Errorf("a key of usual length: exit %d, want 0 and no warning\n%s", r.code, r.stderr)
	}
}

// TestKeyFileKeyRedactedFromTheStart: a key read from --api-key-file is
// redacted in every message, also those made before the organization is
// read (a manifest problem, a --url, a saved plan's path); and a key given
// as the flag's value by mistake (--api-key-file "$KEY") is not repeated
// in the error that follows.
func TestKeyFileKeyRedactedFromTheStart(t *testing.T) {
	const key = "k3ysecretkeyABCDEF0123456789abcdef0123"
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	manifest := filepath.Join(dir, "m.yaml")
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manifest, []byte("version: 1\nusers:\n  - email: "+key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	loop := "http://127.0.0.1:1/scim"
	for _, args := range [][]string{
		{"plan", "-f", manifest, "--url", loop, "--api-key-file", keyFile},
		{"plan", "-f", examplePath("wbsync.yaml"), "--url", loop + "/" + key + "?x=1", "--api-key-file", keyFile},
		{"apply", filepath.Join(dir, key+".json"), "--url", loop, "--api-key-file", keyFile},
		{"plan", "-f", examplePath("wbsync.yaml"), "--url", loop, "--api-key-file", key},
		{"doctor", "--url", loop, "--api-key-file", key},
	} {
		r := wb(t, nil, args...)
		if r.code != exitError {
			t.Errorf("%q: exit %d, want 1\n%s", args, r.code, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, key[:12]) {
			t.Errorf("%q printed the key:\n%s%s", args, r.stdout, r.stderr)
		}
	}
}

// TestKeyFileNotAKey: a file that is no key given as --api-key-file (the
// manifest, by mistake) is refused first, saying so, and redacts nothing
// (its words were redacted from every manifest problem); a key from the
// file does not unhide the one in WANDB_API_KEY.
func TestKeyFileNotAKey(t *testing.T) {
	dir := t.TempDir()
	manifest := filepath.Join(dir, "m.yaml")
	if err := os.WriteFile(manifest, []byte("version: 1\nusers:\n  - email: a@example.com\n    orgRole: superuser\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := wb(t, nil, "plan", "-f", manifest, "--url", "http://127.0.0.1:1/scim", "--api-key-file", manifest)
	if r.code != exitError || !strings.Contains(r.stderr, "the API key from --api-key-file "+manifest+" holds") ||
		strings.Contains(r.stderr, sanitize.Marker) || strings.Contains(r.stderr, "superuser") {
		t.Fatalf("exit %d, want 1 refusing the key file first\n%s", r.code, r.stderr)
	}
	const envKey = "envsecret0123456789abcdefABCDEF"
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte("filekey-0123456789abcdef"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manifest, []byte("version: 1\nusers:\n  - email: "+envKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = wb(t, map[string]string{"WANDB_API_KEY": envKey}, "plan", "-f", manifest, "--url", "http://127.0.0.1:1/scim", "--api-key-file", keyFile)
	if r.code != exitError || strings.Contains(r.stderr, envKey[:10]) {
		t.Fatalf("exit %d, want 1 with the environment's key hidden\n%s", r.code, r.stderr)
	}
}

// TestEnvironmentValuesTrimmed: a value in the environment is read without
// the white space around it, as a .env file saved on Windows leaves a
// carriage return after each: every WBSYNC_ variable alike, the enums
// (--deployment, --auth) as the URL and the numbers.
func TestEnvironmentValuesTrimmed(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, "")
	v := vars(emu.url + "\r\n")
	v["WBSYNC_DEPLOYMENT"], v["WBSYNC_AUTH"], v["WBSYNC_PAGE_SIZE"] = "dedicated\r\n", " bearer\r", "50\r"
	if r := wb(t, v, "plan", "-f", examplePath("wbsync.yaml"), "--detailed-exitcode"); r.code != exitChanges {
		t.Errorf("plan with values ending in a carriage return: exit %d, want %d\n%s", r.code, exitChanges, r.stderr)
	}
}

// TestChoicesInAnyCase: the values of --auth, --deployment, -o and
// --log-format are read in any case, as HTTP writes its schemes (Basic)
// and W&B its deployment (SaaS): WBSYNC_AUTH=Basic against a server that
// takes only Basic is basic, not a refusal.
func TestChoicesInAnyCase(t *testing.T) {
	emu := startEmu(t, emulator.Options{BasicOnly: true}, "")
	v := vars(emu.url)
	v["WBSYNC_AUTH"], v["WBSYNC_DEPLOYMENT"] = "Basic", "Dedicated"
	r := wb(t, v, "plan", "-f", examplePath("wbsync.yaml"), "-o", "JSON", "--log-format", "JSON", "--detailed-exitcode")
	if r.code != exitChanges || !json.Valid([]byte(r.stdout)) {
		t.Fatalf("plan --auth Basic -o JSON: exit %d, want %d and a JSON plan\n%s\n%s", r.code, exitChanges, r.stdout, r.stderr)
	}
	// Each log line on stderr is a JSON object, as with --log-format json.
	for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if l != "" && !json.Valid([]byte(l)) {
			t.Errorf("--log-format JSON wrote a line that is not JSON: %q", l)
		}
	}
	// What is no choice in any case is still refused, quoted as given;
	// so is a letter that folds to an ASCII one only in Unicode (the long
	// s, ſ), as --auth and --deployment refuse it.
	for _, args := range [][]string{{"-o", "Yaml"}, {"-o", "j\u017fon"}, {"--log-format", "j\u017fon"}, {"--auth", "ba\u017fic"}} {
		if r := wb(t, vars(emu.url), append([]string{"plan", "-f", examplePath("wbsync.yaml")}, args...)...); r.code != exitError || !strings.Contains(r.stderr, args[0]+" ") || !strings.Contains(r.stderr, "want ") {
			t.Errorf("%q: exit %d\n%s", args, r.code, r.stderr)
		}
	}
}

// TestEnvKeyBesideKeyFile: with the key from --api-key-file, a key left in
// WANDB_API_KEY stays hidden in what the server sends (a display name
// holding it), and a placeholder there ("team") hides nothing: it was
// redacted from every word holding it ("[redacted]s:" for "teams:"). A
// flag's value pasted from the key file is redacted too.
func TestEnvKeyBesideKeyFile(t *testing.T) {
	const envKey = "envsecret0123456789abcdefABCDEF"
	emu := startEmu(t, emulator.Options{}, writeState(t, map[string]any{
		"users": []any{map[string]any{"userName": "alice@example.com", "displayName": "Alice " + envKey, "organizationRole": "admin"}},
		"teams": []any{map[string]any{"name": "ml", "members": []any{"alice@example.com"}}},
	}))
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte(testKey), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "export.yaml")
	for _, env := range []string{envKey, "Bearer " + envKey, envKey + "\tx"} { // the key, also in a form refused as a key
		r := wb(t, map[string]string{"WANDB_API_KEY": env, "WBSYNC_URL": emu.url}, "export", "--api-key-file", keyFile, "--out", out)
		b, _ := os.ReadFile(out)
		if strings.Contains(r.stdout+r.stderr+string(b), envKey[:12]) {
			t.Errorf("export showed the environment's key (%q): exit %d\n%s%s%s", env, r.code, r.stdout, r.stderr, b)
		}
		if want := "the API key comes from --api-key-file " + keyFile + ": WANDB_API_KEY, set to another key, is not used"; !strings.Contains(r.stderr, want) {
			t.Errorf("export with another key in WANDB_API_KEY (%q) did not say which key it used, %q:\n%s", env, want, r.stderr)
		}
	}
	for _, env := range []string{testKey, "Bearer " + testKey, `"` + testKey + `"`, "team"} { // the same key, or no key
		if r := wb(t, map[string]string{"WANDB_API_KEY": env, "WBSYNC_URL": emu.url}, "export", "--api-key-file", keyFile, "--out", out); r.code != exitOK || strings.Contains(r.stderr, "is not used") {
			t.Errorf("WANDB_API_KEY %q beside the file's key: exit %d, and a notice that another key is not used:\n%s", env, r.code, r.stderr)
		}
	}
	var r result
	r = wb(t, map[string]string{"WANDB_API_KEY": "team", "WBSYNC_URL": emu.url}, "plan", "-f", examplePath("wbsync.yaml"), "--api-key-file", keyFile)
	if strings.Contains(r.stdout+r.stderr, sanitize.Marker) || !strings.Contains(r.stdout, "team") {
		t.Errorf("a placeholder WANDB_API_KEY redacted the plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, args := range [][]string{
		{"--api-key-file", keyFile, "--log-level", testKey},
		{"--concurrency", testKey, "--api-key-file", keyFile}, // the parse stops before the key file
		{"--log-level", "nope", "--api-key-file=" + keyFile, "-o", testKey},
	} {
		r = wb(t, map[string]string{"WBSYNC_URL": emu.url}, append([]string{"plan", "-f", examplePath("wbsync.yaml")}, args...)...)
		if r.code != exitError || strings.Contains(r.stderr, testKey) {
			t.Errorf("%q, a flag holding the file's key: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	// A key file refused as no key ("Bearer KEY") still hides its key in
	// an earlier flag's error; a "--" that is a flag's value does not end
	// the search for the key file.
	bearer := filepath.Join(dir, "bearer")
	if err := os.WriteFile(bearer, []byte("Bearer "+testKey+"0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--api-key-file", bearer, "--log-level", testKey + "0123456789"},
		{"--concurrency", testKey + "0123456789", "--url", "--", "--api-key-file", bearer},
	} {
		r = wb(t, nil, append([]string{"plan", "-f", examplePath("wbsync.yaml")}, args...)...)
		if r.code != exitError || strings.Contains(r.stderr, testKey) {
			t.Errorf("%q: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	// The key stands among other characters: a Windows editor's file
	// (byte-order mark, CRLF), an env file's line; quoted in
	// WANDB_API_KEY beside a good key file.
	long := testKey + "0123456789"
	for name, content := range map[string]string{"bom": "\ufeff" + long + "\r\n", "envfile": "export WANDB_API_KEY=" + long, "quoted": `Bearer "` + long + `"`} {
		kf := filepath.Join(dir, name)
		if err := os.WriteFile(kf, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		r = wb(t, nil, "plan", "-f", examplePath("wbsync.yaml"), "--concurrency", long, "--api-key-file", kf)
		if r.code != exitError || strings.Contains(r.stderr, testKey) {
			t.Errorf("key file %s: exit %d\n%s", name, r.code, r.stderr)
		}
	}
	r = wb(t, map[string]string{"WANDB_API_KEY": `"` + envKey + `"`}, "plan", "-f", examplePath("wbsync.yaml"), "--concurrency", envKey, "--api-key-file", keyFile)
	if r.code != exitError || strings.Contains(r.stderr, envKey[:12]) {
		t.Errorf("a quoted WANDB_API_KEY beside a key file: exit %d\n%s", r.code, r.stderr)
	}
	// A key file that is a pipe with a writer (<(pass show wandb)) is
	// read after a usage error too.
	piped := filepath.Join(dir, "piped")
	mkfifo(t, piped)
	go func() {
		if w, err := os.OpenFile(piped, os.O_WRONLY, 0); err == nil {
			_, _ = w.WriteString(long)
			w.Close()
		}
	}()
	r = wb(t, nil, "plan", "-f", examplePath("wbsync.yaml"), "--concurrency", long, "--api-key-file", piped)
	if r.code != exitError || strings.Contains(r.stderr, testKey) {
		t.Errorf("a piped key file after a usage error: exit %d\n%s", r.code, r.stderr)
	}
	// Words of WANDB_API_KEY that are no key (a comment kept by an env
	// file) redact nothing.
	for _, env := range []string{"old key of ops@example.com", envKey + "  # https://wiki.example.com/ml-research-platform-onboarding"} {
		r = wb(t, map[string]string{"WANDB_API_KEY": env, "WBSYNC_URL": emu.url}, "plan", "-f", examplePath("wbsync.yaml"), "--api-key-file", keyFile)
		// (The live display name holding envKey is redacted, as it should.)
		if r.code != exitOK || !strings.Contains(r.stdout, "ml-research") || strings.Contains(r.stdout, "@[redacted]") {
			t.Errorf("WANDB_API_KEY %q beside a key file: exit %d\n%s%s", env, r.code, r.stdout, r.stderr)
		}
	}
	// A usage error never waits on a key file that is a pipe.
	fifo := filepath.Join(dir, "fifo")
	mkfifo(t, fifo)
	done := make(chan result, 1)
	go func() {
		done <- wb(t, nil, "plan", "-f", examplePath("wbsync.yaml"), "--bogus", "--api-key-file", fifo)
	}()
	guard := time.NewTimer(time.Minute) // a failure guard only
	defer guard.Stop()
	select {
	case r = <-done:
		if r.code != exitError || !strings.Contains(r.stderr, "bogus") {
			t.Errorf("a bad flag beside a pipe key file: exit %d\n%s", r.code, r.stderr)
		}
	case <-guard.C:
		t.Fatal("a usage error waited on the key file's pipe")
	}
	// With JSON logs, a key file that cannot be read is an error entry.
	r = wb(t, map[string]string{"WBSYNC_URL": emu.url}, "plan", "-f", examplePath("wbsync.yaml"), "--api-key-file", filepath.Join(dir, "none"), "--log-format", "json")
	if r.code != exitError || !strings.HasPrefix(strings.TrimSpace(r.stderr), "{") || !strings.Contains(r.stderr, `"level":"error"`) {
		t.Errorf("a missing key file with JSON logs: exit %d\n%s", r.code, r.stderr)
	}
}

// TestBadEnvValueRedactedBeforeCut: a WBSYNC_* value that is not a number
// is quoted cut to 64 characters, the key redacted first (cut first, the
// key's first characters stayed, too few for the output's redactor).
func TestBadEnvValueRedactedBeforeCut(t *testing.T) {
	v := vars("http://127.0.0.1:1/scim")
	v["WBSYNC_CONCURRENCY"] = strings.Repeat("x", 58) + testKey
	r := wb(t, v, "plan", "-f", examplePath("wbsync.yaml"))
	if r.code != exitError || !strings.Contains(r.stderr, "WBSYNC_CONCURRENCY") || strings.Contains(r.stderr, "x"+testKey[:3]) {
		t.Fatalf("exit %d, want 1 without the key's first characters\n%s", r.code, r.stderr)
	}
}

// TestFlagsAfterPositional: flags may follow the saved plan argument.
func TestFlagsAfterPositional(t *testing.T) {
	emu, planPath := savedExamplePlan(t)
	v := vars(emu.url)
	r := wb(t, v, "apply", planPath, "--auto-approve")
	if r.code != exitOK {
		t.Fatalf("apply PLANFILE --auto-approve: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := wb(t, v, "plan", "-f", examplePath("wbsync.yaml"), "--detailed-exitcode"); r.code != exitOK {
		t.Fatalf("plan after applying the saved plan: exit %d\n%s", r.code, r.stdout)
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, cmd := range []string{"validate", "plan", "apply", "export", "emulate", "version"} {
		r := wb(t, nil, cmd, "--help")
		if r.code != exitOK || !strings.Contains(r.stdout, "Example:") {
			t.Errorf("%s --help: exit %d\n%s", cmd, r.code, r.stdout)
		}
	}
	r := wb(t, nil, "version")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "wbsync ") {
		t.Errorf("version: %d %q", r.code, r.stdout)
	}
	if r := wb(t, nil, "version", "extra"); r.code != exitError || r.stdout != "" || !strings.Contains(r.stderr, `unexpected argument "extra"`) {
		t.Errorf("version extra: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := wb(t, nil, "frobnicate"); r.code != exitError {
		t.Errorf("unknown command: exit %d", r.code)
	}
	// help itself: --help, -h and help help print the usage; help
	// COMMAND -h the command's help; an unknown name is an error.
	for _, args := range [][]string{{"help", "--help"}, {"help", "-h"}, {"help", "help"}, {"help"}} {
		if r := wb(t, nil, args...); r.code != exitOK || !strings.Contains(r.stdout, "wbsync plan") {
			t.Errorf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
	if r := wb(t, nil, "help", "plan", "-h"); r.code != exitOK || !strings.Contains(r.stdout, "Example:") {
		t.Errorf("help plan -h: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := wb(t, nil, "help", "nope"); r.code != exitError || !strings.Contains(r.stderr, `wbsync help: unknown command "nope"`) {
		t.Errorf("help nope: exit %d\n%s", r.code, r.stderr)
	}
	if r := wb(t, nil, "help", "plan", "apply"); r.code != exitError || !strings.Contains(r.stderr, `want one command name, got "plan apply"`) {
		t.Errorf("help plan apply: exit %d\n%s", r.code, r.stderr)
	}
}

// savedExamplePlan starts an emulator seeded with examples/ and saves the
// plan of examples/wbsync.yaml against it (plan --out), returning both.
func savedExamplePlan(t *testing.T) (*testEmu, string) {
	t.Helper()
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	planPath := filepath.Join(t.TempDir(), "plan.json")
	if r := wb(t, vars(emu.url), "plan", "-f", examplePath("wbsync.yaml"), "--out", planPath); r.code != exitOK {
		t.Fatalf("plan --out: exit %d\n%s", r.code, r.stderr)
	}
	return emu, planPath
}

// TestColourFollowsTheStream: colour is decided for the stream the plan is
// written to (stderr under apply -o json), and never with NO_COLOR,
// TERM=dumb, or on a console that cannot take escape sequences (an old
// Windows console: no progress line redrawn either).
func TestColourFollowsTheStream(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	runTerm := func(extra map[string]string, stdoutTerm, stderrTerm bool, args ...string) result {
		v := vars(emu.url)
		maps.Copy(v, extra)
		var out, errb bytes.Buffer
		code := run(context.Background(), args, env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
			getenv: func(k string) string { return v[k] }, isTerminal: stdoutTerm, stderrTerminal: stderrTerm,
			noEscapes: extra["(no escapes)"] != ""})
		return result{code, out.String(), errb.String()}
	}
	m := examplePath("wbsync.yaml")
	if r := runTerm(nil, true, false, "plan", "-f", m); !strings.Contains(r.stdout, "\x1b[") {
		t.Fatalf("no colour on a terminal: the test proves nothing\n%s", r.stdout)
	}
	for name, r := range map[string]result{
		"NO_COLOR":                        runTerm(map[string]string{"NO_COLOR": "1"}, true, true, "plan", "-f", m),
		"TERM=dumb":                       runTerm(map[string]string{"TERM": "dumb"}, true, true, "plan", "-f", m),
		"a console without escapes":       runTerm(map[string]string{"(no escapes)": "1"}, true, true, "apply", "-f", m, "--auto-approve"),
		"apply -o json, stderr to a file": runTerm(nil, true, false, "apply", "-f", m, "-o", "json", "--auto-approve"),
	} {
		if strings.Contains(r.stdout+r.stderr, "\x1b[") {
			t.Errorf("%s: escape sequences in the output:\n%q", name, r.stdout+r.stderr)
		}
	}
}

// TestPanicExitsOne: a panic in the run (a bug) exits 1, never Go's 2,
// which --detailed-exitcode gives "the plan has changes"; its message goes
// to stderr without the key it may quote.
func TestPanicExitsOne(t *testing.T) {
	defer panicRedactor.Store(nil)
	panicRedactor.Store(sanitize.NewRedactor(testKey))
	var stderr strings.Builder
	code := guard(&stderr, func() int { panic("the server said " + testKey) })
	if code != exitError || !strings.Contains(stderr.String(), "wbsync: internal error (a bug; please report it): the server said [redacted]") ||
		strings.Contains(stderr.String(), testKey[:12]) || !strings.Contains(stderr.String(), "TestPanicExitsOne") {
		t.Errorf("exit %d:\n%s", code, stderr.String())
	}
	if code := guard(&stderr, func() int { return exitChanges }); code != exitChanges {
		t.Errorf("without a panic: exit %d, want %d", code, exitChanges)
	}
}

// countingReader serves n bytes of b, then a line break, counting what is
// read.
type countingReader struct {
	b    byte
	n    int
	read int
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.read > r.n {
		return 0, io.EOF
	}
	k := 0
	for ; k < len(p) && r.read <= r.n; k++ {
		p[k] = r.b
		if r.read == r.n {
			p[k] = '\n'
		}
		r.read++
	}
	return k, nil
}

// TestPromptReadsABoundedAnswer: the "yes" question keeps at most
// caps.PromptAnswer bytes of its answer (a terminal in non-canonical mode
// delivers all that is pasted), and a long answer approves nothing; the rest
// of its line is read and dropped (up to caps.PromptDrain), never left to
// the shell to run.
func TestPromptReadsABoundedAnswer(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	v := vars(emu.url)
	in := &countingReader{b: 'y', n: 1 << 16}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"apply", "-f", examplePath("wbsync.yaml")}, env{stdin: in, stdout: &out, stderr: &errb,
		getenv: func(k string) string { return v[k] }, isTerminal: true})
	if code != exitError || !strings.Contains(out.String(), "Only 'yes' is accepted") {
		t.Fatalf("exit %d, want %d (not approved)\n%s\n%s", code, exitError, out.String(), errb.String())
	}
	if in.read != 1<<16+1 {
		t.Errorf("the question read %d bytes of a %d-byte line: want all of it, the rest dropped", in.read, 1<<16+1)
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Errorf("%d writes sent without approval", n)
	}
	for answer, want := range map[string]string{
		"yes\n":         "yes\n",
		"yes\r\nmore\n": "yes\r\n",
		strings.Repeat("y", 70) + "; echo INJECTED\nls\n": strings.Repeat("y", caps.PromptAnswer),
		"yes": "yes",
	} {
		r := strings.NewReader(answer)
		if got, _ := readLine(r); got != want {
			t.Errorf("readLine(%q) = %q, want %q", answer, got, want)
		}
		if answer == strings.Repeat("y", 70)+"; echo INJECTED\nls\n" && r.Len() != 0 && !strings.HasPrefix(answer[len(answer)-r.Len():], "ls") {
			t.Errorf("after a long answer, %q is left unread: want the line dropped", answer[len(answer)-r.Len():])
		}
	}
	// A line without end is read up to caps.PromptDrain only.
	endless := &countingReader{b: 'y', n: 4 * caps.PromptDrain}
	if got, _ := readLine(endless); len(got) != caps.PromptAnswer || endless.read > caps.PromptDrain+4096 {
		t.Errorf("an endless line: kept %d bytes, read %d; want %d kept, at most about %d read", len(got), endless.read, caps.PromptAnswer, caps.PromptDrain)
	}
}

// TestKeyInTheWrongPlaceNotShown: a value that looks like an API key given
// where a URL, a flag's value, an argument or a manifest goes (a CI job's
// secrets swapped: WANDB_API_KEY then holds something else, so the
// redactor does not know it) is refused without being shown.
func TestKeyInTheWrongPlaceNotShown(t *testing.T) {
	const key = "3f9a1c7e5b2d4a6f8e0c1b3d5f7a9c2e4b6d8f0a"
	env := map[string]string{"WANDB_API_KEY": "another-secret-value", "WBSYNC_URL": "http://127.0.0.1:1/scim"}
	with := func(k, v string) map[string]string {
		m := maps.Clone(env)
		m[k] = v
		return m
	}
	m := examplePath("wbsync.yaml")
	for _, tc := range []struct {
		vars map[string]string
		args []string
	}{
		{env, []string{"plan", "-f", m, "--url", key}},
		{with("WBSYNC_URL", key), []string{"plan", "-f", m}},
		{env, []string{"plan", "-f", m, "--auth", key}},
		{with("WBSYNC_DEPLOYMENT", key), []string{"plan", "-f", m}},
		{with("WBSYNC_TIMEOUT", key), []string{"plan", "-f", m}},
		{env, []string{"plan", "-f", m, "--concurrency", key}},
		{env, []string{"plan", "-f", m, key}},
		{env, []string{"apply", "p.json", key}},
		{env, []string{"validate", "-f", key}},
		{env, []string{"apply", key}},
		{env, []string{key}},
		{env, []string{"help", key}},
		{env, []string{"plan", "-f", m, "-o", key}},
		{env, []string{"plan", "-f", m, "--log-level", key}},
		{env, []string{"plan", "-f", m, "--no-color=" + key}},
		{env, []string{"validate", "-f", "./local-" + key}},
		{env, []string{"emulate", "--deployment", key}},
		{env, []string{"plan", "-f", m, "--url", "https://" + key + "/scim"}},
		{env, []string{"plan", "-f", m, "--" + key}},
		{env, []string{"help", "plan", key}},
		{env, []string{"plan", "-f", m, "--trace", key + "/t.jsonl"}},
		{env, []string{"doctor", "--trace", key + "/t.jsonl"}},
	} {
		r := wb(t, tc.vars, tc.args...)
		if r.code != exitError || strings.Contains(r.stdout+r.stderr, key[:16]) || !strings.Contains(r.stderr, "not shown") {
			t.Errorf("%q: exit %d, want 1 without the key\n%s", tc.args, r.code, r.stderr)
		}
	}
	// Values that are no key are still quoted: a team's name, a file name
	// with digits.
	if r := wb(t, env, "plan", "-f", m, "--auth", "machine-learning-research"); !strings.Contains(r.stderr, `--auth (or WBSYNC_AUTH) "machine-learning-research": want bearer or basic`) {
		t.Errorf("a team name as --auth:\n%s", r.stderr)
	}
	if r := wb(t, env, "validate", "-f", "org-2024-engineering-team-members-v2.yaml"); !strings.Contains(r.stderr, "manifest org-2024-engineering-team-members-v2.yaml: no such file") {
		t.Errorf("a missing manifest with digits in its name:\n%s", r.stderr)
	}
	// validate -o json's problem, too.
	if r := wb(t, env, "validate", "-o", "json", "-f", key+".yaml"); r.code != exitError || strings.Contains(r.stdout+r.stderr, key[:16]) || !strings.Contains(r.stdout, "not shown") {
		t.Errorf("validate -o json: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// --auth Bearer is --auth bearer in what doctor does with it too: against a
// server that takes Basic only, it tries Basic and says so.
func TestDoctorAuthInAnyCase(t *testing.T) {
	emu := startEmu(t, emulator.Options{BasicOnly: true}, "")
	v := vars(emu.url)
	v["WBSYNC_AUTH"], v["WBSYNC_DEPLOYMENT"] = "Bearer", "dedicated"
	r := wb(t, v, "doctor")
	if !strings.Contains(r.stdout, "but the key is accepted with Basic") {
		t.Fatalf("doctor --auth Bearer: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
