package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/wbsync/wbsync/pkg/emulator"
)

// TestEmulateCommand: `wbsync emulate` prints its base URL first, serves the
// seeded organization with the switches given, and exits 0 on SIGINT.
func TestEmulateCommand(t *testing.T) {
	cmd, base, stderr := startEmulate(t, "--state", examplePath("emulator-state.json"),
		"--deployment", "saas", "--legacy-shapes", "--api-key", "emu-key")
	get := func(key string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, base+"/Users?count=2", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	if code, _ := get("wrong"); code != http.StatusUnauthorized {
		t.Errorf("a wrong key: %d, want 401", code)
	}
	code, body := get("emu-key")
	if code != http.StatusOK || body["totalResults"] != float64(11) {
		t.Fatalf("list: %d %v", code, body)
	}
	first := body["Resources"].([]any)[0].(map[string]any)
	if _, legacy := first["emails"].(map[string]any); !legacy {
		t.Errorf("--legacy-shapes: emails is %T, want one object", first["emails"])
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("emulate exit: %v\n%s", err, stderr.String())
		}
	case <-time.After(hangTimeout):
		t.Fatal("emulate did not stop on SIGINT")
	}
}

// TestEmulateV2Only: with --base-paths v2 the URL printed is the one that
// answers, /scim/v2.
func TestEmulateV2Only(t *testing.T) {
	_, base, _ := startEmulate(t, "--base-paths", "v2")
	if !strings.HasSuffix(base, "/scim/v2") {
		t.Fatalf("printed %s, want .../scim/v2", base)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/Users", nil)
	req.Header.Set("Authorization", "Bearer any-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s/Users: %d", base, resp.StatusCode)
	}
}

// startEmulate runs `wbsync emulate` with args and returns it with the base
// URL it printed first; it is killed when the test ends.
func startEmulate(t *testing.T, args ...string) (*exec.Cmd, string, *safeBuffer) {
	t.Helper()
	cmd := exec.Command(testBinary(t), append([]string{"emulate"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &safeBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "http://127.0.0.1:") || !(strings.HasSuffix(line, "/scim\n") || strings.HasSuffix(line, "/scim/v2\n")) {
		t.Fatalf("first line %q, %v\n%s", line, err, stderr.String())
	}
	return cmd, strings.TrimSpace(line), stderr
}

// TestEmulateListFlags: the switches that take a list (--faults,
// --taken-team-names) work from the command line, not only when a test
// sets them.
func TestEmulateListFlags(t *testing.T) {
	_, base, stderr := startEmulate(t, "--fault-rate", "1", "--faults", "429", "--seed", "1", "--taken-team-names", "vision,ml")
	resp, err := http.Get(base + "/Users")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("--faults 429 at rate 1: %d (Retry-After %q)\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), stderr.String())
	}
}

// TestEmulateFaultsWithoutRate: --faults at a rate of 0 starts (a sweep
// of rates may start there), serves without faults, and says so.
func TestEmulateFaultsWithoutRate(t *testing.T) {
	_, base, stderr := startEmulate(t, "--fault-rate", "0", "--faults", "500")
	req, err := http.NewRequest(http.MethodGet, base+"/Users", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("--faults 500 at rate 0: %d", resp.StatusCode)
	}
	// The warning is written before the URL line that startEmulate read.
	if !strings.Contains(stderr.String(), "--faults without --fault-rate (or at 0): no request meets a fault") {
		t.Fatalf("no warning:\n%s", stderr.String())
	}
}

// TestEmulateWildcardListen: listening on every address, emulate prints a
// loopback URL, one wbsync takes over plain http, and warns that it
// accepts any key from other machines, unless --api-key is given.
func TestEmulateWildcardListen(t *testing.T) {
	const warning = "the emulator listens beyond this machine"
	for _, listen := range []string{":0", "0.0.0.0:0", "[::]:0"} {
		_, base, stderr := startEmulate(t, "--listen", listen, "--state", examplePath("emulator-state.json"))
		if r := wb(t, vars(base), "plan", "-f", examplePath("wbsync.yaml")); r.code != exitOK {
			t.Fatalf("--listen %s: plan against %s: exit %d\n%s\n%s", listen, base, r.code, r.stderr, stderr.String())
		}
		if !strings.Contains(stderr.String(), warning) {
			t.Errorf("--listen %s: no warning:\n%s", listen, stderr.String())
		}
	}
	for _, args := range [][]string{{"--listen", ":0", "--api-key", "k"}, {"--listen", "127.0.0.1:0"}} {
		if _, _, stderr := startEmulate(t, args...); strings.Contains(stderr.String(), warning) {
			t.Errorf("%q: warned:\n%s", args, stderr.String())
		}
	}
}

// TestEmulateStateNotAnObject: a --state that is plainly no seed (an
// endless device, an array) is refused from its first bytes.
func TestEmulateStateNotAnObject(t *testing.T) {
	array := writeFile(t, "seed.json", `[{"userName": "a@x.io"}]`)
	for _, state := range []string{"/dev/zero", array} {
		r := wb(t, nil, "emulate", "--state", state)
		if r.code != exitError || !strings.Contains(r.stderr, "a seed is a JSON object") {
			t.Errorf("--state %s: exit %d\n%s", state, r.code, r.stderr)
		}
	}
}

// TestSeededUsersAreNotJustInTime: a user seeded as SPEC's seed example
// writes it (no "created") is an existing user: unmanagedUsers: deactivate
// deactivates it, where a user created through the API within the grace
// period is spared (unmanaged_recent).
func TestSeededUsersAreNotJustInTime(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, writeState(t, map[string]any{
		"users": []map[string]any{
			{"userName": "alice@example.com", "displayName": "Alice", "active": true},
			{"userName": "bob@example.com", "displayName": "Bob", "active": true},
		},
		"teams": []map[string]any{{"name": "ml-research", "members": []string{"alice@example.com"}}},
	}))
	// jit@example.com is created now, through the API (by an apply).
	withJIT := writeFile(t, "jit.yaml", "version: 1\nusers:\n  - email: alice@example.com\n  - email: jit@example.com\n")
	if r := wb(t, vars(emu.url), "apply", "-f", withJIT, "--auto-approve"); r.code != exitOK {
		t.Fatalf("apply: exit %d\n%s", r.code, r.stderr)
	}
	m := writeFile(t, "m.yaml", `version: 1
policy:
  unmanagedUsers: deactivate
users:
  - email: alice@example.com
    name: Alice
    orgRole: admin
teams:
  - name: ml-research
    members: [alice@example.com]
`)
	r := wb(t, vars(emu.url), "plan", "-f", m, "-o", "json", "--detailed-exitcode")
	if r.code != exitChanges {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var p struct {
		Changes []struct {
			Action, User string
		}
		Warnings []struct {
			Code, User string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatal(err)
	}
	deact, recent := map[string]bool{}, map[string]bool{}
	for _, c := range p.Changes {
		deact[c.User] = deact[c.User] || c.Action == "deactivate_user"
	}
	for _, w := range p.Warnings {
		recent[w.User] = recent[w.User] || w.Code == "unmanaged_recent"
	}
	if !deact["bob@example.com"] || recent["bob@example.com"] || deact["jit@example.com"] || !recent["jit@example.com"] {
		t.Errorf("deactivated %v, unmanaged_recent %v", deact, recent)
	}
}
