package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/emulator"
)

// onboardManifest declares users u0..u(n-1) and teams t0..t(teams-1), each
// team holding per members spread over the users.
func onboardManifest(n, teams, per int) string {
	var b strings.Builder
	b.WriteString("version: 1\nusers:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - email: user%05d@example.com\n", i)
	}
	b.WriteString("teams:\n")
	for j := 0; j < teams; j++ {
		fmt.Fprintf(&b, "  - name: team-%03d\n    members:\n", j)
		for k := 0; k < per; k++ {
			fmt.Fprintf(&b, "      - user%05d@example.com\n", (j*per/2+k)%n)
		}
	}
	return b.String()
}

// TestOnboardingRequestCount: onboarding 1,000 users into 50 teams (5,000
// memberships) takes exactly 1,000 user creates, 50 team creates, one add
// PATCH per team per --batch-size chunk, the two reads of an empty org, and
// the two reads of the verification after the last phase.
func TestOnboardingRequestCount(t *testing.T) {
	m := writeFile(t, "onboard.yaml", onboardManifest(1000, 50, 100))
	for _, batch := range []int{100, 30} {
		t.Run(fmt.Sprintf("batch-%d", batch), func(t *testing.T) {
			emu := startEmu(t, emulator.Options{}, "")
			r := wb(t, vars(emu.url), "apply", "-f", m, "--auto-approve", "--rate-limit", "100000",
				"--concurrency", "8", "--batch-size", fmt.Sprint(batch), "--log-level", "warn")
			if r.code != exitOK || !strings.Contains(r.stdout, "Verified: the organization matches the manifest.") {
				t.Fatalf("apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			chunks := (100 + batch - 1) / batch
			want := map[string]int{"GET": 2 + 2, "POST": 1000 + 50, "PATCH": 50 * chunks, "PUT": 0, "DELETE": 0}
			got := emu.requests(t)
			for k, n := range want {
				if got[k] != n {
					t.Errorf("%s requests = %d, want %d (all: %v)", k, got[k], n, got)
				}
			}
			if r := wb(t, vars(emu.url), "plan", "-f", m, "--detailed-exitcode", "--rate-limit", "100000"); r.code != exitOK {
				t.Fatalf("plan after onboarding: exit %d\n%s", r.code, r.stdout)
			}
		})
	}
}

// chaosSeeds is how many fault sequences the chaos tests try.
const chaosSeeds = 8

// TestChaosApplyConverges: under 20% faults (429, 500, 503, dropped
// connections after the change was made), apply, re-run while it exits 4,
// converges to the manifest with nothing duplicated or lost.
func TestChaosApplyConverges(t *testing.T) {
	manifest := writeFile(t, "chaos.yaml", onboardManifest(40, 6, 12))
	for seed := int64(1); seed <= chaosSeeds; seed++ {
		t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) {
			t.Parallel()
			emu := startEmu(t, emulator.Options{FaultRate: 0.2, Faults: []string{"429", "500", "503", "reset"}, Seed: seed},
				examplePath("emulator-state.json"))
			v := vars(emu.url)
			args := []string{"-f", manifest, "--rate-limit", "100000", "--log-level", "error"}
			var r result
			for try := 0; try < 5; try++ {
				r = wb(t, v, append([]string{"apply", "--auto-approve"}, args...)...)
				if r.code != exitFailed {
					break
				}
			}
			if r.code != exitOK {
				t.Fatalf("apply did not converge: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			r = wb(t, v, append([]string{"plan", "--detailed-exitcode"}, args...)...)
			if r.code != exitOK || !strings.Contains(r.stdout, "No changes.") {
				t.Fatalf("plan after chaos: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			snap := emu.srv.Snapshot()
			seen := map[string]bool{}
			for _, u := range snap.Users {
				k := strings.ToLower(u.UserName)
				if seen[k] {
					t.Errorf("duplicate user %s", k)
				}
				seen[k] = true
			}
			names := map[string]int{}
			for _, tm := range snap.Teams {
				names[strings.ToLower(tm.Name)]++
			}
			for j := 0; j < 6; j++ {
				if n := names[fmt.Sprintf("team-%03d", j)]; n != 1 {
					t.Errorf("team-%03d exists %d times", j, n)
				}
			}
		})
	}
}

// TestPlanUnderFaultsIsIdentical: under 20% faults, the plan is
// byte-identical to the fault-free plan, whatever the seed.
func TestPlanUnderFaultsIsIdentical(t *testing.T) {
	state := examplePath("emulator-state.json")
	clean := startEmu(t, emulator.Options{PageCap: 3}, state)
	want := wb(t, vars(clean.url), "plan", "-f", examplePath("wbsync.yaml"), "-o", "json", "--rate-limit", "100000")
	if want.code != exitOK {
		t.Fatalf("clean plan: %d\n%s", want.code, want.stderr)
	}
	for seed := int64(1); seed <= chaosSeeds; seed++ {
		t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) {
			t.Parallel()
			emu := startEmu(t, emulator.Options{PageCap: 3, FaultRate: 0.2, Faults: []string{"429", "500", "503", "reset"}, Seed: seed}, state)
			got := wb(t, vars(emu.url), "plan", "-f", examplePath("wbsync.yaml"), "-o", "json", "--rate-limit", "100000", "--log-level", "error")
			if got.code != exitOK {
				t.Fatalf("plan under faults: exit %d\n%s", got.code, got.stderr)
			}
			if g := strings.ReplaceAll(got.stdout, emu.url, clean.url); g != want.stdout {
				t.Fatalf("plan under faults differs from the clean plan:\n--- clean\n%s\n--- faults\n%s", want.stdout, g)
			}
		})
	}
}

// TestApplyCountsEveryWriteRequest: the report's requests (and the
// "Finished: N write requests" line) are the write requests the server
// received: an update's one PATCH per attribute and the retries under
// faults included.
func TestApplyCountsEveryWriteRequest(t *testing.T) {
	var users []map[string]any
	var b strings.Builder
	b.WriteString("version: 1\nusers:\n")
	for i := 0; i < 6; i++ {
		users = append(users, map[string]any{"userName": fmt.Sprintf("h%d", i), "email": fmt.Sprintf("u%d@old.example.com", i), "displayName": "Old"})
		// A new email and a new name: two PATCHes on Dedicated Cloud.
		fmt.Fprintf(&b, "  - email: u%d@new.example.com\n    username: h%d\n    name: New %d\n", i, i, i)
	}
	b.WriteString(onboardManifest(12, 3, 5)[len("version: 1\nusers:\n"):])
	manifest := writeFile(t, "count.yaml", b.String())
	state := writeState(t, map[string]any{"users": users})
	for _, seed := range []int64{0, 3, 5} {
		t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) {
			opts := emulator.Options{}
			if seed != 0 {
				opts = emulator.Options{FaultRate: 0.25, Faults: []string{"500", "503", "reset"}, Seed: seed}
			}
			emu := startEmu(t, opts, state)
			r := wb(t, vars(emu.url), "apply", "-f", manifest, "--auto-approve", "-o", "json", "--rate-limit", "100000", "--no-verify")
			if r.code != exitOK && r.code != exitFailed {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			var rep struct {
				Requests int `json:"requests"`
				Results  []struct {
					Action   string `json:"action"`
					Requests int    `json:"requests"`
				} `json:"results"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatalf("%v\n%s", err, r.stdout)
			}
			if got := writes(emu.requests(t)); rep.Requests != got {
				t.Fatalf("the report says %d write requests, the server received %d", rep.Requests, got)
			}
			if seed == 0 {
				for _, res := range rep.Results {
					if res.Action == "update_user" && res.Requests != 2 {
						t.Errorf("an update of email and name: %d requests, want 2", res.Requests)
					}
				}
			}
		})
	}
}
