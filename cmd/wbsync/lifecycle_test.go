package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wbsync/wbsync/pkg/apply"
	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/desired"
	"github.com/wbsync/wbsync/pkg/emulator"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// The saved-plan and apply lifecycle, end to end through the CLI.

// reportJSON is the part of apply's JSON report the tests read.
type reportJSON struct {
	Operations []struct {
		Action   string `json:"action"`
		User     string `json:"user"`
		Team     string `json:"team"`
		Status   string `json:"status"`
		Reason   string `json:"reason"`
		CausedBy *int   `json:"caused_by"`
	} `json:"operations"`
	Unknown     int  `json:"unknown"`
	Interrupted bool `json:"interrupted"`
	Seats       *struct {
		Before int `json:"active_before"`
		After  int `json:"active_after"`
	} `json:"seats"`
	Verification *struct {
		Remaining int `json:"remaining"`
		Changes   []struct {
			Action string `json:"action"`
		} `json:"changes"`
		Error string `json:"error"`
	} `json:"verification"`
}

func decodeReport(t *testing.T, s string) reportJSON {
	t.Helper()
	var r reportJSON
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("the JSON report does not decode: %v\n%s", err, s)
	}
	return r
}

// TestSavedPlanBoundToTarget: a plan made for organization A is refused for
// B, naming both, with nothing written anywhere; without --url it applies to
// A, the recorded target.
func TestSavedPlanBoundToTarget(t *testing.T) {
	a, planPath := savedExamplePlan(t)
	b := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	r := wb(t, vars(b.url), "apply", planPath, "--auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, a.url) || !strings.Contains(r.stderr, b.url) ||
		!strings.Contains(r.stderr, planPath+": the plan was made for another target") {
		t.Fatalf("apply to another target: exit %d, want 1 naming the file and both URLs:\n%s", r.code, r.stderr)
	}
	r = wb(t, vars(a.url), "apply", planPath, "--auto-approve", "--deployment", "saas")
	if r.code != exitError || !strings.Contains(r.stderr, "deployment dedicated") || !strings.Contains(r.stderr, planPath+": the plan was made for another target") {
		t.Fatalf("apply with another deployment: exit %d\n%s", r.code, r.stderr)
	}
	// A recorded target.url that wbsync refuses as a URL to send the key
	// to (plain http off loopback) is said to be the file's, not --url.
	b0, err := os.ReadFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	offLoopback := filepath.Join(t.TempDir(), "off.json")
	edited := bytes.Replace(b0, []byte(`"url": "`+a.url+`"`), []byte(`"url": "http://example.com/scim"`), 1)
	if bytes.Equal(edited, b0) {
		t.Fatal("no target.url in the file")
	}
	if err := os.WriteFile(offLoopback, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	r = wb(t, map[string]string{"WANDB_API_KEY": testKey}, "apply", offLoopback, "--auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, "plain http:// is refused") ||
		!strings.Contains(r.stderr, "(the URL is "+offLoopback+"'s target.url, taken as neither --url nor WBSYNC_URL is given)") {
		t.Fatalf("apply of a file whose target.url is plain http off loopback: exit %d\n%s", r.code, r.stderr)
	}
	if n := writes(a.requests(t)) + writes(b.requests(t)); n != 0 {
		t.Fatalf("%d writes after refusals", n)
	}
	// No --url, no WBSYNC_URL: the recorded target, not the default host.
	r = wb(t, map[string]string{"WANDB_API_KEY": testKey}, "apply", planPath, "--auto-approve")
	if r.code != exitOK {
		t.Fatalf("apply with the recorded target: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if writes(a.requests(t)) == 0 || writes(b.requests(t)) != 0 {
		t.Fatalf("writes: A %d, B %d; want A only", writes(a.requests(t)), writes(b.requests(t)))
	}
}

// savedSaasPlan starts a Multi-tenant emulator on loopback, where the URL
// alone implies dedicated, and saves the example manifest's plan made with
// --deployment saas.
func savedSaasPlan(t *testing.T) (*testEmu, string) {
	t.Helper()
	emu := startEmu(t, emulator.Options{Deployment: "saas"}, examplePath("emulator-state.json"))
	saas := filepath.Join(t.TempDir(), "saas.json")
	if r := wb(t, vars(emu.url), "plan", "-f", examplePath("wbsync.yaml"), "--deployment", "saas", "--out", saas); r.code != exitOK {
		t.Fatalf("plan --deployment saas: exit %d\n%s", r.code, r.stderr)
	}
	return emu, saas
}

// TestSavedPlanDeploymentFromTheFile: a plan made with --deployment saas
// against a host that does not imply it (any but api.wandb.ai) records
// that deployment, and apply PLANFILE without --deployment or
// WBSYNC_DEPLOYMENT uses it, as it uses the recorded URL, and says where it
// came from. Given the other deployment, it refuses with nothing written;
// given the same one, it applies.
func TestSavedPlanDeploymentFromTheFile(t *testing.T) {
	emu, saas := savedSaasPlan(t)
	r := wb(t, vars(emu.url), "apply", saas, "--deployment", "dedicated", "--auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, "the plan was made for deployment saas, but --deployment (or WBSYNC_DEPLOYMENT) is dedicated") ||
		!strings.Contains(r.stderr, "nothing was written") {
		t.Fatalf("a saas plan applied with --deployment dedicated: exit %d\n%s", r.code, r.stderr)
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("%d writes after the refusal", n)
	}
	// Neither --url nor --deployment: the recorded target, whole.
	r = wb(t, map[string]string{"WANDB_API_KEY": testKey}, "apply", saas, "--auto-approve")
	if r.code != exitOK || !strings.Contains(r.stderr, "deployment saas, as "+saas+" records it (its URL alone implies dedicated)") {
		t.Fatalf("a saas plan applied without --deployment: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if writes(emu.requests(t)) == 0 {
		t.Fatal("no writes")
	}
}

// TestSavedPlanTampered: a plan file whose embedded manifest was edited
// (deactivating one more user under the reviewed digest) is refused.
func TestSavedPlanTampered(t *testing.T) {
	emu, planPath := savedExamplePlan(t)
	b, err := os.ReadFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	tampered := strings.Replace(string(b), `"displayName": "Bob Jones",
          "active": true`, `"displayName": "Bob Jones",
          "active": false`, 1)
	if tampered == string(b) {
		t.Fatal("the test could not edit the embedded manifest")
	}
	if err := os.WriteFile(planPath, []byte(tampered), 0o644); err != nil {
		t.Fatal(err)
	}
	r := wb(t, vars(emu.url), "apply", planPath, "--auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, "digest") {
		t.Fatalf("tampered plan: exit %d\n%s", r.code, r.stderr)
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("%d writes from a tampered plan", n)
	}
	// Plain `plan -o json` output is not a saved plan.
	plain := writeFile(t, "plain.json", wb(t, vars(emu.url), "plan", "-f", examplePath("wbsync.yaml"), "-o", "json").stdout)
	if r := wb(t, vars(emu.url), "apply", plain, "--auto-approve"); r.code != exitError || !strings.Contains(r.stderr, "plan --out") {
		t.Fatalf("plain JSON: exit %d\n%s", r.code, r.stderr)
	}
}

// TestReportCheckedFirst: an unwritable --report stops apply before any
// write request.
func TestReportCheckedFirst(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	r := wb(t, vars(emu.url), "apply", "-f", examplePath("wbsync.yaml"), "--auto-approve",
		"--report", filepath.Join(t.TempDir(), "no-such-dir", "report.json"))
	if r.code != exitError || !strings.Contains(r.stderr, "--report") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("%d writes before finding the report unwritable", n)
	}
}

// TestOutputsCheckedBeforeTheRead: a plan's --out or --metrics-file, or an
// export's --out, that cannot be written stops the run before its first
// request, prints no plan, and names the flag and the directory (not the
// temporary name it tried).
func TestOutputsCheckedBeforeTheRead(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	missing := filepath.Join(t.TempDir(), "no-such-dir")
	for _, args := range [][]string{
		{"plan", "-f", examplePath("wbsync.yaml"), "--out", filepath.Join(missing, "plan.json")},
		{"plan", "-f", examplePath("wbsync.yaml"), "--metrics-file", filepath.Join(missing, "m.prom")},
		{"export", "--out", filepath.Join(missing, "wbsync.yaml")},
	} {
		before := emu.requests(t)["GET"]
		r := wb(t, vars(emu.url), args...)
		want := args[len(args)-2] + ": cannot create a file in " + missing + ": no such file or directory"
		if r.code != exitError || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, ".tmp-") || strings.Contains(r.stderr, ".check-") {
			t.Errorf("%s: exit %d, want 1 and %q\n%s", args, r.code, want, r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("%s: printed %q before failing", args, r.stdout)
		}
		if n := emu.requests(t)["GET"] - before; n != 0 {
			t.Errorf("%s: %d reads before finding the output unwritable", args, n)
		}
	}
}

// TestReportWhenNothingToDo: an apply with nothing to do still writes
// --report (an empty report, its verification the read just made: a
// pipeline that keeps it finds this run's);
// --report with --dry-run, which does nothing, is refused.
func TestReportWhenNothingToDo(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	v := vars(emu.url)
	m := examplePath("wbsync.yaml")
	r := wb(t, v, "apply", "-f", m, "--auto-approve", "-o", "json")
	if r.code != exitOK {
		t.Fatalf("first apply: exit %d\n%s", r.code, r.stderr)
	}
	// The report shows the plan's seats, as every view of a run does.
	if rep := decodeReport(t, r.stdout); rep.Seats == nil || rep.Seats.Before != 11 || rep.Seats.After != 12 {
		t.Errorf("first apply's report: seats %+v, want 11 before and 12 after", rep.Seats)
	}
	path := filepath.Join(t.TempDir(), "report.json")
	if r := wb(t, v, "apply", "-f", m, "--auto-approve", "--report", path); r.code != exitOK {
		t.Fatalf("second apply: exit %d\n%s", r.code, r.stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no report after an apply with nothing to do: %v", err)
	}
	if rep := decodeReport(t, string(b)); rep.Operations == nil || len(rep.Operations) != 0 ||
		rep.Verification == nil || rep.Verification.Remaining != 0 || rep.Verification.Changes == nil ||
		rep.Seats == nil || rep.Seats.Before != 12 || rep.Seats.After != 12 {
		t.Errorf("report %s, want no operations and a verification with nothing remaining (the read just made)", b)
	}
	r = wb(t, v, "apply", "-f", m, "--dry-run", "--report", path)
	if r.code != exitError || !strings.Contains(r.stderr, "--dry-run does nothing") {
		t.Errorf("--dry-run --report: exit %d\n%s", r.code, r.stderr)
	}
	// A report file that cannot be written when the run ends (the check
	// before it passed: the disk filled meanwhile): the report is still
	// printed.
	defer func() { newTemp = createTemp }()
	newTemp = func(in, prefix string, perm os.FileMode) (*os.File, error) {
		if strings.Contains(prefix, ".tmp-") {
			return nil, &fs.PathError{Op: "open", Path: filepath.Join(in, prefix), Err: syscall.ENOSPC}
		}
		return createTemp(in, prefix, perm)
	}
	r = wb(t, v, "apply", "-f", m, "--auto-approve", "-o", "json", "--report", filepath.Join(t.TempDir(), "r.json"))
	if r.code != exitError || !strings.Contains(r.stderr, "was not written") {
		t.Errorf("unwritable --report: exit %d\n%s", r.code, r.stderr)
	}
	if rep := decodeReport(t, r.stdout); rep.Operations == nil {
		t.Errorf("no report printed: %q", r.stdout)
	}
}

// TestBlockedPlanJSON: apply -o json on a blocked plan prints the JSON plan
// with its blocks and exits 3.
func TestBlockedPlanJSON(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	m := writeFile(t, "m.yaml", blockedManifest)
	r := wb(t, vars(emu.url), "apply", "-f", m, "--auto-approve", "-o", "json")
	var p struct {
		Blocked []struct {
			Limit string `json:"limit"`
		} `json:"blocked"`
		Seats struct {
			ActiveBefore int `json:"active_before"`
		} `json:"seats"`
	}
	if r.code != exitBlocked || json.Unmarshal([]byte(r.stdout), &p) != nil || len(p.Blocked) == 0 {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("%d writes from a blocked plan", n)
	}
}

// blockedManifest deactivates the example organization's users but one,
// beyond a maxDeactivations of 1: its plan is blocked.
const blockedManifest = "version: 1\npolicy:\n  unmanagedUsers: deactivate\n  limits: {maxDeactivations: 1}\nusers:\n  - email: alice@example.com\n    orgRole: admin\nteams: []\n"

// savedBlockedPlan saves the plan of blockedManifest against emu, which
// is blocked (exit 3), and returns the plan file's path.
func savedBlockedPlan(t *testing.T, emu *testEmu) string {
	t.Helper()
	saved := filepath.Join(t.TempDir(), "plan.json")
	if r := wb(t, vars(emu.url), "plan", "-f", writeFile(t, "m.yaml", blockedManifest), "--out", saved); r.code != exitBlocked {
		t.Fatalf("plan: exit %d\n%s", r.code, r.stderr)
	}
	return saved
}

// TestSavedBlockedPlanRefusedUnread: a plan saved blocked is refused (exit
// 3, printed as saved, with its blocks) without a request to the
// organization, with or without --dry-run, whatever the organization
// reads now.
func TestSavedBlockedPlanRefusedUnread(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	v := vars(emu.url)
	saved := savedBlockedPlan(t, emu)
	before := emu.requests(t)
	for _, args := range [][]string{{"-o", "json"}, {"--dry-run"}, {}} {
		r := wb(t, v, append([]string{"apply", saved, "--auto-approve"}, args...)...)
		if r.code != exitBlocked || !strings.Contains(r.stderr, "a safety limit blocks the plan (maxDeactivations)") ||
			!strings.Contains(r.stderr, "planned blocked by a safety limit: refused without reading the organization") {
			t.Errorf("apply %v: exit %d\n%s", args, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, "maxDeactivations") {
			t.Errorf("apply %v: the plan's blocks are not printed:\n%s", args, r.stdout)
		}
	}
	if after := emu.requests(t); !maps.Equal(before, after) {
		t.Errorf("requests by method: %v before the applies, %v after", before, after)
	}
	// A block whose limit the file no longer names is still refused, and
	// said so.
	b, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	unnamed := bytes.Replace(b, []byte(`"limit": "maxDeactivations"`), []byte(`"limit": ""`), 1)
	if bytes.Equal(unnamed, b) {
		t.Fatal("no maxDeactivations block in the file")
	}
	if err := os.WriteFile(saved, unnamed, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := wb(t, v, "apply", saved, "--auto-approve"); r.code != exitBlocked || !strings.Contains(r.stderr, "a safety limit blocks the plan (a limit not named): nothing was written") {
		t.Errorf("a block without its limit: exit %d\n%s", r.code, r.stderr)
	}
}

// TestSavedBlockedPlanOtherTargetRefusedAsSuch: a plan saved blocked and
// applied to another target (URL or deployment) is refused as for another
// target (exit 1, naming both), as README's Saved plans says, not as
// blocked (exit 3); one whose embedded manifest the loader refuses is
// refused as such (exit 1), not printed as the reviewer's plan.
func TestSavedBlockedPlanOtherTargetRefusedAsSuch(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	other := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	saved := savedBlockedPlan(t, emu)
	for _, args := range [][]string{{"--url", other.url}, {"--deployment", "saas"}, {"--url", other.url, "--dry-run"}} {
		r := wb(t, vars(other.url), append([]string{"apply", saved, "--auto-approve"}, args...)...)
		if r.code != exitError || !strings.Contains(r.stderr, "another target") {
			t.Errorf("apply %v of a blocked plan: exit %d, want 1 for another target\n%s", args, r.code, r.stderr)
		}
	}
	f := parsedPlan(t, saved)
	f.Desired.State.Users[0].Email = strings.Repeat("a", 5000) + "@example.com"
	rewritePlan(t, saved, f)
	if r := wb(t, vars(emu.url), "apply", saved, "--auto-approve"); r.code != exitError || !strings.Contains(r.stderr, "its embedded manifest is not one wbsync loads") {
		t.Errorf("apply of a blocked plan the loader refuses: exit %d, want 1\n%s", r.code, r.stderr)
	}
}

// TestPersistentFailureStillOffboards: the create of a new team fails for
// good (its name is taken elsewhere). The user moving into it keeps its old
// team (its removal depends on the add, skipped for the failed create), but an unrelated departed
// user is still removed and deactivated.
func TestPersistentFailureStillOffboards(t *testing.T) {
	seed := writeState(t, map[string]any{
		"users": []any{
			map[string]any{"userName": "admin@example.com", "organizationRole": "admin"},
			map[string]any{"userName": "u@example.com"},
			map[string]any{"userName": "v@example.com"},
		},
		"teams": []any{map[string]any{"name": "alpha", "members": []string{"u@example.com", "v@example.com"}}},
	})
	emu := startEmu(t, emulator.Options{TakenTeamNames: []string{"beta"}}, seed)
	m := writeFile(t, "m.yaml", `version: 1
users:
  - email: admin@example.com
    orgRole: admin
  - email: u@example.com
  - email: v@example.com
    active: false
teams:
  - name: alpha
    members: [admin@example.com]
  - name: beta
    members: [u@example.com]
`)
	r := wb(t, vars(emu.url), "apply", "-f", m, "--auto-approve", "-o", "json")
	if r.code != exitFailed {
		t.Fatalf("exit %d, want 4\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	rep := decodeReport(t, r.stdout)
	status := map[string]string{}
	for i, op := range rep.Operations {
		status[op.Action+" "+op.User+" "+op.Team] = op.Status
		if op.Action == "remove_member" && op.User == "u@example.com" {
			if op.CausedBy == nil || rep.Operations[*op.CausedBy].Action != "add_member" {
				t.Errorf("operation %d: the skipped removal of u does not name the add it needed: %+v", i, op)
			}
		}
	}
	for key, want := range map[string]string{
		"create_team  beta":                 "failed",
		"add_member u@example.com beta":     "skipped",
		"remove_member u@example.com alpha": "skipped",
		"remove_member v@example.com alpha": "ok",
		"deactivate_user v@example.com ":    "ok",
	} {
		if status[key] != want {
			t.Errorf("%s: %q, want %q (all: %v)", key, status[key], want, status)
		}
	}
}

// TestVerificationCatchesDroppedWrite: a server that answers 200 to a
// member add without doing it is caught by the verification: exit 4.
func TestVerificationCatchesDroppedWrite(t *testing.T) {
	srv := newEmulator(t, "")
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/Groups/") {
			// Answer with the group as it is, having changed nothing.
			get, _ := http.NewRequest(http.MethodGet, r.URL.String(), nil)
			get.Header = r.Header.Clone()
			get.URL.Path, get.RequestURI = r.URL.Path, r.URL.Path
			srv.ServeHTTP(w, get)
			return
		}
		srv.ServeHTTP(w, r)
	}))
	defer hs.Close()
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\nteams:\n  - name: ml\n    members: [a@example.com]\n")
	r := wb(t, vars(hs.URL+"/scim"), "apply", "-f", m, "--auto-approve")
	if r.code != exitFailed || !strings.Contains(r.stdout, "Verified: 1 change(s) remain.") || !strings.Contains(r.stdout, "add a@example.com to team ml") {
		t.Fatalf("exit %d, want 4 with the remaining add:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = wb(t, vars(hs.URL+"/scim"), "apply", "-f", m, "--auto-approve", "-o", "json", "--no-verify")
	if rep := decodeReport(t, r.stdout); rep.Verification != nil {
		t.Errorf("--no-verify still verified: %+v", rep.Verification)
	}
}

// TestVerificationSeesTeamLeftAlone: the create of team ml is answered 409
// after the server made two teams of that name; the add is skipped, and the
// verification, whose plan now leaves ml alone (duplicate_team) and so has
// no change, does not say the organization matches the manifest: exit 4.
func TestVerificationSeesTeamLeftAlone(t *testing.T) {
	hs := twoTeamsOnCreate(t, false)
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\nteams:\n  - name: ml\n    members: [a@example.com]\n")
	r := wb(t, vars(hs.URL+"/scim"), "apply", "-f", m, "--auto-approve")
	if r.code != exitFailed || strings.Contains(r.stdout, "matches the manifest") ||
		!strings.Contains(r.stdout, "Verified: 0 change(s) remain, and the organization does not match the manifest where 1 new warning(s) leave it alone.") ||
		!strings.Contains(r.stdout, "! duplicate_team: 2 live teams are named ml") {
		t.Fatalf("exit %d, want 4 and the team left alone:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = wb(t, vars(hs.URL+"/scim"), "apply", "-f", m, "--auto-approve", "-o", "json")
	rep := decodeReport(t, r.stdout)
	if r.code != exitOK || rep.Verification == nil || rep.Verification.Remaining != 0 || strings.Contains(r.stdout, `"left_alone":`) ||
		!strings.Contains(r.stdout, `"still_left_alone": [`) {
		// The second run's plan already has the warning: nothing new,
		// and the JSON lists it as still leaving the team alone.
		t.Fatalf("second apply: exit %d, verification %+v\n%s", r.code, rep.Verification, r.stderr)
	}
}

// TestVerificationReadFails: the writes are made, then the read that
// verifies them fails (the server answers 404 to every list from then on):
// exit 4, never 1 (which reads as "nothing written"), and the report says
// the verification could not be made (remaining -1, with why). The
// --report directory, checked before the first write, is gone by the end:
// that the file was not written is said too.
func TestVerificationReadFails(t *testing.T) {
	reportDir := filepath.Join(t.TempDir(), "out")
	if err := os.Mkdir(reportDir, 0o755); err != nil {
		t.Fatal(err)
	}
	srv := newEmulator(t, "")
	var wrote sync.Once
	written := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-written:
			if r.Method == http.MethodGet {
				http.NotFound(w, r)
				return
			}
		default:
		}
		if r.Method != http.MethodGet {
			wrote.Do(func() {
				close(written)
				if err := os.Remove(reportDir); err != nil {
					t.Error(err)
				}
			})
		}
		srv.ServeHTTP(w, r)
	}))
	defer hs.Close()
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\nteams:\n  - name: ml\n    members: [a@example.com]\n")
	r := wb(t, vars(hs.URL+"/scim"), "apply", "-f", m, "--auto-approve", "-o", "json", "--report", filepath.Join(reportDir, "report.json"))
	if r.code != exitFailed || strings.Contains(r.stderr, "nothing was written") || !strings.Contains(r.stderr, "the verification read failed") ||
		!strings.Contains(r.stderr, "--report was not written") {
		t.Fatalf("exit %d, want 4 saying the verification read failed and the report was not written:\n%s", r.code, r.stderr)
	}
	rep := decodeReport(t, r.stdout)
	if v := rep.Verification; v == nil || v.Remaining != -1 || !strings.Contains(v.Error, "404") {
		t.Fatalf("verification %+v, want remaining -1 and the error", v)
	}
	if got := srv.Stats().Requests["POST"]; got == 0 {
		t.Fatal("nothing was written: the test proves nothing")
	}
}

// TestInterruptedApply: the first signal arrives while a create is in
// flight and the server stops answering. The create is reported unknown
// (it did reach the server), nothing new starts, exit 4; the next plan
// shows the create was done.
func TestInterruptedApply(t *testing.T) {
	srv := newEmulator(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu   sync.Mutex
		hung bool
	)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		stuck := hung
		first := !hung && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Users")
		hung = hung || first
		mu.Unlock()
		switch {
		case first:
			srv.ServeHTTP(httptest.NewRecorder(), r) // the create reaches the server...
			cancel()                                 // ...the user presses Ctrl-C...
			<-r.Context().Done()                     // ...and the answer never comes
		case stuck:
			<-r.Context().Done()
		default:
			srv.ServeHTTP(w, r)
		}
	}))
	defer hs.Close()
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\n  - email: b@example.com\n  - email: c@example.com\nteams: []\n")
	var out, errb strings.Builder
	code := run(ctx, []string{"apply", "-f", m, "--auto-approve", "--concurrency", "1", "--timeout", "1s", "-o", "json"}, env{
		stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return vars(hs.URL + "/scim")[k] },
	})
	if code != exitFailed {
		t.Fatalf("exit %d, want 4\n%s\n%s", code, out.String(), errb.String())
	}
	rep := decodeReport(t, out.String())
	var unknown, skipped int
	for _, op := range rep.Operations {
		switch op.Status {
		case "unknown":
			unknown++
		case "skipped":
			skipped++
		case "failed":
			t.Errorf("an interrupted operation is reported failed: %+v", op)
		}
	}
	if unknown != 1 || skipped != 2 || !rep.Interrupted {
		t.Fatalf("unknown %d, skipped %d, interrupted %v; want 1, 2, true\n%s", unknown, skipped, rep.Interrupted, out.String())
	}
	// Not read again: what remains is unknown, and the report says so.
	if v := rep.Verification; v == nil || v.Remaining != -1 || !strings.HasPrefix(v.Error, "not run: ") {
		t.Errorf("verification %+v, want remaining -1 and why it was not run", v)
	}
	mu.Lock()
	hung = false
	mu.Unlock()
	p := wb(t, vars(hs.URL+"/scim"), "plan", "-f", m, "-o", "json")
	if strings.Count(p.stdout, `"action": "create_user"`) != 2 {
		t.Errorf("the next plan should create only the two users never sent:\n%s", p.stdout)
	}
}

// TestUnknownSettledByVerification: an operation whose answer does not say
// it was done (202 Accepted) ends unknown; when the verification then finds
// the organization as the manifest says, nothing failed and nothing
// remains: exit 0, the operation still reported unknown and the text
// saying it took effect. When the server did not make it, exit 4.
func TestUnknownSettledByVerification(t *testing.T) {
	for _, made := range []bool{true, false} {
		srv := newEmulator(t, "")
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/Groups/") {
				if made {
					srv.ServeHTTP(httptest.NewRecorder(), r)
				}
				w.WriteHeader(http.StatusAccepted) // queued, it says: not that it was done
				return
			}
			srv.ServeHTTP(w, r)
		}))
		m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\nteams:\n  - name: ml\n    members: [a@example.com]\n")
		r := wb(t, vars(hs.URL+"/scim"), "apply", "-f", m, "--auto-approve")
		j := wb(t, vars(hs.URL+"/scim"), "apply", "-f", m, "--auto-approve", "-o", "json")
		hs.Close()
		if !made {
			if r.code != exitFailed || !strings.Contains(r.stdout, "Verified: 1 change(s) remain.") || strings.Contains(r.stdout, "would do is in effect") {
				t.Errorf("202 and nothing made: exit %d, want 4 and the add remaining\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			continue
		}
		if r.code != exitOK || !strings.Contains(r.stdout, "Verified: the organization matches the manifest.\n  (what the 1 operation(s) whose outcome was unknown would do is in effect: nothing remains)") ||
			!strings.Contains(r.stdout, "unknown: add_member") || !strings.Contains(r.stdout, ", 1 unknown.") {
			t.Errorf("202 and made: exit %d, want 0 with the unknown add settled\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		// The second apply has nothing to do.
		if j.code != exitOK {
			t.Errorf("second apply: exit %d\n%s", j.code, j.stderr)
		}
	}
}

// TestBadManifestStopsTheRead: a bad manifest is reported at once, without
// waiting for a server that does not answer.
func TestBadManifestStopsTheRead(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers
	}))
	defer hs.Close()
	bad := writeFile(t, "bad.yaml", "version: 1\nusers:\n  - email: not-an-email\nteams: []\n")
	ctx, cancel := context.WithTimeout(context.Background(), hangTimeout)
	defer cancel()
	var out, errb strings.Builder
	code := run(ctx, []string{"plan", "-f", bad}, env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return vars(hs.URL + "/scim")[k] }})
	if code != exitError || !strings.Contains(errb.String(), "bad.yaml:3:") || strings.Contains(errb.String(), "interrupted") {
		t.Fatalf("exit %d, stderr:\n%s", code, errb.String())
	}
}

// TestURLWithQueryRefused: a --url carrying a query (a credential, perhaps)
// is refused before anything is sent, and the query is not echoed.
func TestURLWithQueryRefused(t *testing.T) {
	r := wb(t, map[string]string{"WANDB_API_KEY": testKey}, "plan", "-f", examplePath("wbsync.yaml"),
		"--url", "https://acme.wandb.io/scim?access_token=SECRET-VALUE")
	if r.code != exitError || !strings.Contains(r.stderr, "must not carry a query") || strings.Contains(r.stderr+r.stdout, "SECRET-VALUE") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}

// TestSignalWhileReading: a signal while the organization is read (a server
// that never answers) ends plan at once: exit 1, interrupted.
func TestSignalWhileReading(t *testing.T) {
	// doctor, which never writes, does not say "nothing was written".
	for _, args := range [][]string{{"plan", "-f", examplePath("wbsync.yaml")}, {"doctor"}} {
		t.Run(args[0], func(t *testing.T) {
			arrived := make(chan struct{}, 1)
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case arrived <- struct{}{}:
				default:
				}
				<-r.Context().Done()
			}))
			defer hs.Close()
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				<-arrived
				cancel()
			}()
			var out, errb strings.Builder
			code := run(ctx, append(args, "--timeout", "10m"), env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
				getenv: func(k string) string { return vars(hs.URL + "/scim")[k] }})
			if code != exitError || !strings.Contains(errb.String(), "interrupted") ||
				args[0] == "doctor" && strings.Contains(errb.String(), "nothing was written") {
				t.Fatalf("exit %d, stderr:\n%s", code, errb.String())
			}
		})
	}
}

// TestSignalWhileComparingSavedPlan: a signal while apply compares a
// saved plan with the plan of now (seconds, for a plan of millions of
// changes) ends the run at once: exit 1, interrupted, nothing written,
// no stale-plan report. The comparison is held until the test ends (at
// most 20 seconds, so that a regression fails rather than hangs).
func TestSignalWhileComparingSavedPlan(t *testing.T) {
	emu, planPath := savedExamplePlan(t)
	createByHand(t, emu, "zed@example.com", "zed@example.com") // stale: there is a difference to report
	before := writes(emu.requests(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := make(chan struct{})
	defer close(release)
	real := staleness
	t.Cleanup(func() { staleness = real })
	staleness = func(a, b plan.Plan) []string {
		cancel() // the signal arrives while the plans are compared
		select {
		case <-release:
		case <-time.After(20 * time.Second):
		}
		return real(a, b)
	}
	var out, errb strings.Builder
	code := run(ctx, []string{"apply", planPath, "--auto-approve"}, env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return vars(emu.url)[k] }})
	if code != exitError || !strings.Contains(errb.String(), "interrupted by a signal; nothing was written") || strings.Contains(errb.String(), "stale") {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 1, interrupted, and no stale-plan report", code, errb.String())
	}
	if n := writes(emu.requests(t)) - before; n != 0 {
		t.Errorf("%d writes", n)
	}
}

// TestSavedPlanAppliedTwice: a saved plan applied again (a pipeline's
// apply job re-run) is stale, as Terraform has it: refused, exit 1,
// nothing written, and said for what it is (nothing left to do), not as a
// changed organization with every change "no longer planned".
// (A plan that would still change something: TestSavedPlanStaleOrg.)
func TestSavedPlanAppliedTwice(t *testing.T) {
	emu, planPath := savedExamplePlan(t)
	v := vars(emu.url)
	if r := wb(t, v, "apply", planPath, "--auto-approve"); r.code != exitOK {
		t.Fatalf("first apply: exit %d\n%s", r.code, r.stderr)
	}
	before := writes(emu.requests(t))
	r := wb(t, v, "apply", planPath, "--auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, "refusing to apply a stale plan: "+planPath+" has nothing left to do, the organization already matches the manifest it was made from") ||
		strings.Contains(r.stderr, "no longer planned") {
		t.Fatalf("second apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := writes(emu.requests(t)) - before; n != 0 {
		t.Fatalf("the second apply wrote %d requests", n)
	}
}

// savedPlanOf starts the emulator seeded with seed, writes manifest to a
// file and saves its plan there: the emulator, its variables, the
// manifest's path and the plan's.
func savedPlanOf(t *testing.T, seed map[string]any, manifest string) (*testEmu, map[string]string, string, string) {
	t.Helper()
	emu := startEmu(t, emulator.Options{}, writeState(t, seed))
	v := vars(emu.url)
	m := writeFile(t, "m.yaml", manifest)
	planPath := filepath.Join(t.TempDir(), "plan.json")
	if r := wb(t, v, "plan", "-f", m, "--out", planPath); r.code != exitOK {
		t.Fatalf("plan --out: exit %d\n%s", r.code, r.stderr)
	}
	return emu, v, m, planPath
}

// TestSavedPlanManifestEditedSince: a saved plan whose manifest files were
// edited after it was made is applied as reviewed (its embedded manifest),
// with a warning that the files now hold another manifest; unedited files
// say nothing.
func TestSavedPlanManifestEditedSince(t *testing.T) {
	seed := map[string]any{
		"users": []any{map[string]any{"userName": "admin@example.com", "active": true, "organizationRole": "admin"}},
		"teams": []any{},
	}
	const manifest = "version: 1\nusers:\n  - email: admin@example.com\n    orgRole: admin\n  - email: carol@example.com\n"
	for _, edited := range []bool{false, true} {
		_, v, m, planPath := savedPlanOf(t, seed, manifest)
		if edited {
			if err := os.WriteFile(m, []byte(manifest+"  - email: dave@example.com\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		r := wb(t, v, "apply", planPath, "--auto-approve")
		warned := strings.Contains(r.stderr, "the manifest files this plan was made from ("+m+") hold another manifest now: apply applies the one embedded in the plan file, which the plan shows")
		if r.code != exitOK || warned != edited || strings.Contains(r.stdout, "dave@") {
			t.Errorf("edited %t: exit %d, warned %t\n%s\n%s", edited, r.code, warned, r.stdout, r.stderr)
		}
	}
	// Sources edited to "-" (the loader reads it as standard input, which
	// apply's prompt reads): not read, even where a file of that name
	// holds another manifest.
	_, v, m, planPath := savedPlanOf(t, seed, manifest)
	b, err := os.ReadFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte(`"sources": [`+"\n      "+strconv.Quote(m)), []byte(`"sources": [`+"\n      \"-\""), 1)
	if err := os.WriteFile(planPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Dir(m))
	other := manifest + "  - email: dave@example.com\n"
	if err := os.WriteFile("-", []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	// The process's standard input, which the loader reads for "-",
	// holds the other manifest too.
	in, feed, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin := os.Stdin
	os.Stdin = in
	t.Cleanup(func() { os.Stdin = stdin; in.Close() })
	if _, err := feed.WriteString(other); err != nil {
		t.Fatal(err)
	}
	feed.Close()
	if r := wb(t, v, "apply", planPath, "--auto-approve"); r.code != exitOK || strings.Contains(r.stderr, "hold another manifest") {
		t.Errorf("sources [-]: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// The file replaced by a named pipe no one writes: not read (it would
	// hold the run), and nothing said of it.
	_, v, m, planPath = savedPlanOf(t, seed, manifest)
	if err := os.Remove(m); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, m)
	if r := wb(t, v, "apply", planPath, "--auto-approve"); r.code != exitOK || strings.Contains(r.stderr, "hold another manifest") {
		t.Errorf("a named pipe: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// A file that passes for regular and blocks (/proc/kmsg does, or a
	// named pipe swapped in after the check): the read is given up after
	// noteReadWait, and the apply goes on.
	_, v, m, planPath = savedPlanOf(t, seed, manifest)
	if err := os.Remove(m); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, m)
	regular, wait := fileOrDir, noteReadWait
	t.Cleanup(func() { fileOrDir, noteReadWait = regular, wait })
	fileOrDir, noteReadWait = func(string) bool { return true }, 50*time.Millisecond
	if r := wb(t, v, "apply", planPath, "--auto-approve"); r.code != exitOK || strings.Contains(r.stderr, "hold another manifest") {
		t.Errorf("a file that blocks: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestSavedPlanManifestDirGainsAFile: a plan made from a directory
// (-f m/) records the directory as given: a file added to it after the
// plan, which keeps a user the plan deactivates, is a manifest edited
// since, and said so; the command that plans again names the directory,
// not the files it held then.
func TestSavedPlanManifestDirGainsAFile(t *testing.T) {
	seed := map[string]any{
		"users": []any{map[string]any{"userName": "admin@example.com", "active": true, "organizationRole": "admin"},
			map[string]any{"userName": "old@example.com", "active": true, "created": "2020-01-01T00:00:00Z"}},
		"teams": []any{},
	}
	emu := startEmu(t, emulator.Options{}, writeState(t, seed))
	v := vars(emu.url)
	dir := t.TempDir()
	m := filepath.Join(dir, "m")
	for name, body := range map[string]string{
		"00-policy.yaml": "version: 1\npolicy:\n  unmanagedUsers: deactivate\n",
		"admin.yaml":     "users:\n  - email: admin@example.com\n    orgRole: admin\n",
	} {
		if err := os.MkdirAll(m, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(m, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	planPath := filepath.Join(dir, "plan.json")
	if r := wb(t, v, "plan", "-f", m, "--out", planPath); r.code != exitOK || !strings.Contains(r.stdout, "old@example.com") {
		t.Fatalf("plan --out: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	saved, err := os.ReadFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(saved), "\"sources\": [\n      "+strconv.Quote(m)+"\n    ]") {
		t.Fatalf("the plan file does not record -f as given:\n%s", saved[len(saved)-400:])
	}
	if err := os.WriteFile(filepath.Join(m, "old.yaml"), []byte("users:\n  - email: old@example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := wb(t, v, "apply", planPath, "--dry-run")
	if want := "the manifest files this plan was made from (" + m + ") hold another manifest now"; r.code != exitOK || !strings.Contains(r.stderr, want) {
		t.Errorf("a file added to the directory: exit %d, want it to say %q\n%s", r.code, want, r.stderr)
	}
	got := replanCommand(&plan.File{Plan: plan.Plan{Target: plan.Target{URL: "https://x.example/scim", Deployment: model.Dedicated}},
		Desired: &plan.Desired{Files: []string{filepath.Join(m, "00-policy.yaml"), filepath.Join(m, "admin.yaml")}, Sources: []string{m}}}, planPath, &connFlags{auth: "bearer"})
	if want := "wbsync plan -f " + shellQuote(m) + " --url"; !strings.HasPrefix(got, want) {
		t.Errorf("replanCommand = %q, want it to start %q", got, want)
	}
}

// TestSavedPlanManifestEditedNamesWhereRead: a plan made with a relative
// manifest name, applied from another directory where that name holds
// another manifest, says which directory it read the name from (it may
// not be the file the plan was made from).
func TestSavedPlanManifestEditedNamesWhereRead(t *testing.T) {
	seed := map[string]any{
		"users": []any{map[string]any{"userName": "admin@example.com", "active": true, "organizationRole": "admin"}},
		"teams": []any{},
	}
	const manifest = "version: 1\nusers:\n  - email: admin@example.com\n    orgRole: admin\n  - email: carol@example.com\n"
	emu := startEmu(t, emulator.Options{}, writeState(t, seed))
	v := vars(emu.url)
	made, elsewhere := t.TempDir(), t.TempDir()
	for dir, body := range map[string]string{made: manifest, elsewhere: manifest + "  - email: dave@example.com\n"} {
		if err := os.WriteFile(filepath.Join(dir, "m.yaml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	planPath := filepath.Join(made, "plan.json")
	t.Chdir(made)
	if r := wb(t, v, "plan", "-f", "m.yaml", "--out", planPath); r.code != exitOK {
		t.Fatalf("plan --out: exit %d\n%s", r.code, r.stderr)
	}
	t.Chdir(elsewhere)
	r := wb(t, v, "apply", planPath, "--auto-approve")
	if want := "the manifest files this plan was made from (m.yaml), read from " + elsewhere + ", hold another manifest now"; r.code != exitOK || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d, want it to say %q\n%s", r.code, want, r.stderr)
	}
}

// TestSavedPlanHeldBackIsStale: a saved plan whose changes a new warning
// now holds back (two accounts made by hand claiming the email of a user
// it creates: ambiguous_user, nothing planned for that user) is not
// "nothing left to do": it is stale, refused, and nothing is written.
func TestSavedPlanHeldBackIsStale(t *testing.T) {
	emu, v, _, planPath := savedPlanOf(t, map[string]any{
		"users": []any{map[string]any{"userName": "admin@example.com", "active": true, "organizationRole": "admin"}},
		"teams": []any{map[string]any{"name": "ml", "members": []any{"admin@example.com"}}},
	}, "version: 1\nusers:\n  - email: admin@example.com\n    orgRole: admin\n  - email: carol@example.com\n"+
		"teams:\n  - name: ml\n    members: [admin@example.com, carol@example.com]\n")
	createByHand(t, emu, "claim-one", "carol@example.com")
	createByHand(t, emu, "claim-two", "carol@example.com")
	before := writes(emu.requests(t))
	r := wb(t, v, "apply", planPath, "--auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, "stale") || !strings.Contains(r.stderr, "now warned") || strings.Contains(r.stderr, "nothing left to do") {
		t.Fatalf("exit %d, want 1 (stale, a new warning named)\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := writes(emu.requests(t)) - before; n != 0 {
		t.Fatalf("%d writes", n)
	}
}

// TestSavedPlanStaleOrg: a user created by hand between plan --out and
// apply FILE leaves the changes as they were, but the organization the plan
// was reviewed against (its seats, its warnings) is gone: the plan is
// stale, refused with exit 1, and nothing is written.
func TestSavedPlanStaleOrg(t *testing.T) {
	emu, planPath := savedExamplePlan(t)
	v := vars(emu.url)
	createByHand(t, emu, "zed@example.com", "zed@example.com")
	before := writes(emu.requests(t))
	r := wb(t, v, "apply", planPath, "--auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, "stale") || !strings.Contains(r.stderr, "seats") {
		t.Fatalf("exit %d, want 1 naming the staleness and the seats\n%s", r.code, r.stderr)
	}
	if after := writes(emu.requests(t)); after != before {
		t.Fatalf("a stale plan wrote %d requests", after-before)
	}
}

// TestSavedPlanStaleOrgManyWarnings: more users created by hand than a
// refusal lists lines: that the changes are the same, and the seats, come
// before the warnings they brought (which had pushed them out), and the
// count of the rest says they are warnings.
func TestSavedPlanStaleOrgManyWarnings(t *testing.T) {
	emu, planPath := savedExamplePlan(t)
	for i := range caps.Problems + 20 {
		e := fmt.Sprintf("zed%03d@example.com", i)
		createByHand(t, emu, e, e)
	}
	r := wb(t, vars(emu.url), "apply", planPath, "--auto-approve")
	if r.code != exitError {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"~ the same changes", "~ seats:", "+ now warned: unmanaged_user: zed000@example.com", "warning(s) that appeared or went away)"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the refusal lacks %q:\n%.3000s", want, r.stderr)
		}
	}
}

// TestSavedPlanEditedChanges: a plan file whose changes were edited, against
// an organization that reads as it did, is refused without blaming the
// organization.
func TestSavedPlanEditedChanges(t *testing.T) {
	emu, planPath := savedExamplePlan(t)
	v := vars(emu.url)
	editPlanFile(t, planPath, func(f map[string]any) {
		cs := f["changes"].([]any)
		f["changes"] = cs[:len(cs)-1]
	})
	before := writes(emu.requests(t))
	r := wb(t, v, "apply", planPath, "--auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, "no longer holds: the organization reads as it did") ||
		!strings.Contains(r.stderr, "edited") || strings.Contains(r.stderr, "the organization changed") ||
		!strings.Contains(r.stderr, "+ now planned: ") {
		t.Fatalf("exit %d, want 1 saying the organization reads as it did\n%s", r.code, r.stderr)
	}
	if after := writes(emu.requests(t)); after != before {
		t.Fatalf("an edited plan wrote %d requests", after-before)
	}
}

// TestSavedPlanEditedChangesBounded: a plan file edited to hold many
// changes with very long names is refused with at most caps.Problems
// difference lines, each cut (it echoed every change in full: 300 MB).
func TestSavedPlanEditedChangesBounded(t *testing.T) {
	emu, planPath := savedExamplePlan(t)
	long := strings.Repeat("x", 3*caps.Field) + "@example.com"
	editPlanFile(t, planPath, func(f map[string]any) {
		var cs []any
		for i := range 3 * caps.Problems {
			cs = append(cs, map[string]any{"action": "create_user", "user": fmt.Sprint(i) + long})
		}
		f["changes"] = cs
	})
	r := wb(t, vars(emu.url), "apply", planPath, "--dry-run")
	if r.code != exitError || !strings.Contains(r.stderr, "no longer holds") {
		t.Fatalf("exit %d, want 1 refusing the edited plan\n%.2000s", r.code, r.stderr)
	}
	// What is planned now comes first: the hand-made creates no longer
	// planned do not hide it.
	if !strings.Contains(r.stderr, "+ now planned: ") {
		t.Errorf("the changes now planned are not shown:\n%.3000s", r.stderr)
	}
	lines := strings.Split(r.stderr, "\n")
	if !strings.Contains(r.stderr, "more difference(s)") || len(lines) > caps.Problems+20 {
		t.Errorf("%d lines, want at most %d differences and a count of the rest", len(lines), caps.Problems)
	}
	for _, l := range lines {
		if utf8.RuneCountInString(l) > 2*caps.Field+10 {
			t.Fatalf("a line of %d characters", utf8.RuneCountInString(l))
		}
	}
}

// TestSavedPlanEditedSummary: a saved plan whose changes hold but whose
// summary was edited (no deactivation shown, where a pipeline prints it or
// labels a pull request by it) is refused, with nothing written.
func TestSavedPlanEditedSummary(t *testing.T) {
	emu, planPath := savedExamplePlan(t)
	v := vars(emu.url)
	editPlanFile(t, planPath, func(f map[string]any) {
		f["summary"].(map[string]any)["add_members"] = 0.0
	})
	before := writes(emu.requests(t))
	r := wb(t, v, "apply", planPath, "--auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, "its summary does not count its changes (the file says {") ||
		!strings.Contains(r.stderr, "plan again and review it: wbsync plan") {
		t.Fatalf("exit %d, want 1 refusing the edited summary\n%s", r.code, r.stderr)
	}
	if after := writes(emu.requests(t)); after != before {
		t.Fatalf("a plan with an edited summary wrote %d requests", after-before)
	}
}

// TestSavedPlanShowsRecomputed: what apply FILE shows the approver comes
// from the manifest and the organization, not from the parts of the file
// its digests do not cover (seats, warnings edited by hand).
func TestSavedPlanShowsRecomputed(t *testing.T) {
	emu, planPath := savedExamplePlan(t)
	v := vars(emu.url)
	editPlanFile(t, planPath, func(f map[string]any) {
		f["seats"] = map[string]any{"active_before": 1, "active_after": 99}
		f["warnings"] = []any{}
	})
	r := wb(t, v, "apply", planPath, "--auto-approve", "--no-verify")
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "99 active") || !strings.Contains(r.stdout, "Warnings") {
		t.Fatalf("apply showed the edited seats or lost the warnings:\n%s", r.stdout)
	}
}

// TestStaleLinesEscaped: what a stale refusal prints names users the
// server sent; their control characters are escaped, as in every view.
func TestStaleLinesEscaped(t *testing.T) {
	emu, v, _, planPath := savedPlanOf(t, map[string]any{
		"users": []any{map[string]any{"userName": "admin@example.com", "organizationRole": "admin"}},
		"teams": []any{},
	}, "version: 1\npolicy:\n  unmanagedUsers: deactivate\n  unmanagedGracePeriod: 0\n"+
		"  limits: {maxDeactivations: 10}\nusers:\n  - email: admin@example.com\n    orgRole: admin\nteams: []\n")
	createByHand(t, emu, `ev\u001b]0;PWN\u0007il`, "eve@example.com")
	r := wb(t, v, "apply", planPath, "--auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, "now planned: deactivate") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if strings.ContainsAny(r.stderr, "\x1b\x07") {
		t.Fatalf("a control character reached stderr:\n%q", r.stderr)
	}
}

// editPlanFile rewrites the saved plan at path as edit changes its JSON.
func editPlanFile(t *testing.T, path string, edit func(map[string]any)) {
	t.Helper()
	var f map[string]any
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	edit(f)
	if b, err = json.Marshal(f); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// createByHand creates an active user in the emulator behind wbsync's back,
// as an admin in the W&B UI (or SSO) would; userName is JSON-escaped text.
func createByHand(t *testing.T, emu *testEmu, userName, email string) {
	t.Helper()
	byHand(t, emu, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"`+userName+`","emails":[{"value":"`+email+`","primary":true}],"active":true}`, http.StatusCreated)
}

// byHand sends one SCIM request to the emulator behind wbsync's back and
// fails unless it is answered want.
func byHand(t *testing.T, emu *testEmu, method, path, body string, want int) {
	t.Helper()
	req, err := http.NewRequest(method, emu.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("%s %s by hand: %s", method, path, resp.Status)
	}
}

// TestKeyInManifestFileName: a manifest file whose name holds the key is
// refused before it is read, without naming it: each name printed would
// show where the redactor cut, and a pull request's author could learn the
// key from that piece by piece.
func TestKeyInManifestFileName(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	dir := t.TempDir()
	b, err := os.ReadFile(examplePath("wbsync.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := filepath.Join(dir, testKey+".yaml")
	if err := os.WriteFile(m, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "plan.json")
	v := vars(emu.url)
	before := emu.requests(t)["GET"]
	r := wb(t, v, "plan", "-f", m, "--out", out)
	if r.code != exitError || !strings.Contains(r.stderr, "the manifest holds the API key, or 8 or more characters of it") || strings.Contains(r.stderr, sanitize.Marker) {
		t.Fatalf("plan --out: exit %d, want 1 refusing the manifest, naming nothing\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(out); err == nil || emu.requests(t)["GET"] != before {
		t.Fatal("a plan file was written, or a request sent")
	}
}

// TestKeyInTargetURL: a --url holding the API key (a proxy that takes
// any first path segment) is refused before any request: the key would go
// into every request line. A saved plan whose target was redacted all the
// same (written by an earlier version, or by hand), which no digest
// covers, is refused by apply, saying why, rather than written through the
// rewritten URL.
func TestKeyInTargetURL(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if parts := strings.SplitN(r.URL.Path, "/", 3); len(parts) == 3 {
			r.URL.Path, r.URL.RawPath = "/"+parts[2], ""
		}
		emu.srv.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	v := vars(proxy.URL + "/" + testKey + "/scim")
	out := filepath.Join(t.TempDir(), "plan.json")
	r := wb(t, v, "plan", "-f", examplePath("wbsync.yaml"), "--out", out)
	if r.code != exitError || !strings.Contains(r.stderr, "holds the API key") || strings.Contains(r.stderr, testKey) {
		t.Fatalf("plan --out with the key in --url: exit %d, want 1 saying why\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(out); err == nil || emu.requests(t)["GET"] != 0 {
		t.Fatal("a plan file was written, or a request sent")
	}
	// A plan saved through the proxy's plain path, then its target
	// rewritten as an earlier version redacted it.
	v = vars(proxy.URL + "/p/scim")
	if r = wb(t, v, "plan", "-f", examplePath("wbsync.yaml"), "--out", out); r.code != exitOK {
		t.Fatalf("plan --out: exit %d\n%s", r.code, r.stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte(proxy.URL+"/p/scim"), []byte(proxy.URL+"/[redacted]/scim"))
	if err := os.WriteFile(out, b, 0o600); err != nil {
		t.Fatal(err)
	}
	delete(v, "WBSYNC_URL") // the recorded target
	r = wb(t, v, "apply", out, "--auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, "target.url") || !strings.Contains(r.stderr, "plan again with a --url that does not hold the key") {
		t.Fatalf("apply of a plan whose target was redacted: exit %d, want 1 saying why\n%s", r.code, r.stderr)
	}
	if l := keyLeaks(r.stdout + r.stderr); len(l) > 0 {
		t.Fatalf("apply leaks %q", l)
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("%d writes from a plan whose target was redacted", n)
	}
}

// parsedPlan reads the saved plan at path.
func parsedPlan(t *testing.T, path string) *plan.File {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := plan.ParseFile(b)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// rewritePlan writes f, edited, to path with its manifest digest
// recomputed, as anyone can.
func rewritePlan(t *testing.T, path string, f *plan.File) {
	t.Helper()
	f.ManifestDigest = model.Digest(f.Desired.State, f.Desired.Policy)
	var edited bytes.Buffer
	if err := plan.WriteFile(&edited, f.Plan, *f.Desired, f.WrittenBy); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, edited.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSavedPlanRecheckedByTheLoader: a saved plan whose embedded manifest
// was edited by hand, with its digest computed again (anyone can), into
// one the loader refuses (a team name over the cap, which would make the
// organization unreadable once created) is refused: exit 1, nothing
// written.
func TestSavedPlanRecheckedByTheLoader(t *testing.T) {
	emu, out := savedExamplePlan(t)
	v := vars(emu.url)
	f := parsedPlan(t, out)
	created := ""
	for _, c := range f.Changes {
		if c.Action == plan.CreateTeam {
			created = c.Team
		}
	}
	if created == "" {
		t.Fatal("the example plan creates no team")
	}
	long := strings.Repeat("t", 5000)
	for i := range f.Desired.State.Teams {
		if f.Desired.State.Teams[i].Name == created {
			f.Desired.State.Teams[i].Name = long
		}
	}
	for i := range f.Changes {
		if f.Changes[i].Team == created {
			f.Changes[i].Team = long
		}
	}
	rewritePlan(t, out, f)
	trace := filepath.Join(t.TempDir(), "trace.jsonl")
	if err := os.WriteFile(trace, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := wb(t, v, "apply", out, "--auto-approve", "--trace", trace)
	if r.code != exitError || !strings.Contains(r.stderr, "its embedded manifest is not one wbsync loads: team tttt") || !strings.Contains(r.stderr, "at most 4096") {
		t.Fatalf("apply of a hand-made plan: exit %d, want 1 naming the team\n%s", r.code, r.stderr)
	}
	if b, err := os.ReadFile(trace); err != nil || string(b) != "precious\n" {
		t.Fatalf("a refused plan wrote its --trace file (before any request): %q %v", b, err)
	}
	// For another target it is refused as such first, without the cost
	// of parsing its embedded manifest again.
	other := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	r = wb(t, vars(other.url), "apply", out, "--auto-approve", "--url", other.url)
	if r.code != exitError || strings.Contains(r.stderr, "its embedded manifest") || !strings.Contains(r.stderr, other.url) {
		t.Fatalf("apply of a hand-made plan for another target: exit %d, want 1 naming the target\n%s", r.code, r.stderr)
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("%d writes from a hand-made plan", n)
	}
}

// TestSavedPlanHoldingTheKey: a saved plan that holds a part of the API
// key was not written by wbsync as it is (wbsync writes the redaction
// marker instead): apply refuses it before any request and quotes none of
// it, where a value cut for a message (here an invalid protected pattern,
// shown to 64 characters) could keep the first characters of the key.
func TestSavedPlanHoldingTheKey(t *testing.T) {
	emu, out := savedExamplePlan(t)
	v := vars(emu.url)
	f := parsedPlan(t, out)
	f.Desired.Policy.Protected = append(f.Desired.Policy.Protected, "["+strings.Repeat("p", 57)+testKey)
	rewritePlan(t, out, f)
	before := emu.requests(t)["GET"]
	r := wb(t, v, "apply", out, "--auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, "holds the API key, or 8 or more characters of it") || strings.Contains(r.stderr, strings.Repeat("p", 57)) {
		t.Fatalf("apply of a plan holding the key: exit %d, want 1 quoting nothing of it\n%s", r.code, r.stderr)
	}
	if n := emu.requests(t)["GET"] - before + writes(emu.requests(t)); n != 0 {
		t.Fatalf("%d requests for a plan holding the key", n)
	}
}

// TestKeyFragmentInData: a value holding 8 or more characters of the API
// key by chance (a GUID externalId). In a manifest, it is refused before
// anything is read or printed (where the redactor cut would tell the key's
// pieces to whoever wrote it). In the organization, it is never written
// into data wbsync reads back as if it were the value: plan --out saves it
// redacted and warns, apply of that file refuses it and says why (not
// "edited"); export leaves that user out with a warning, so that the
// export still plans to "No changes." and applying it never overwrites the
// live externalId with "[redacted]".
func TestKeyFragmentInData(t *testing.T) {
	guid := "2f0c9d6e-" + testKey[16:24] + "-4b1e-9a0f-5d6c7b8a9e0f" // the key's last 8 characters
	emu := startEmu(t, emulator.Options{}, writeState(t, map[string]any{
		"users": []any{
			map[string]any{"userName": "a@example.com", "organizationRole": "admin"},
			map[string]any{"userName": "b@example.com", "externalId": guid},
		},
		"teams": []any{map[string]any{"name": "ml", "members": []any{"a@example.com", "b@example.com"}}},
	}))
	v := vars(emu.url)
	dir := t.TempDir()

	held := writeFile(t, "held.yaml", "version: 1\nusers:\n  - email: a@example.com\n    orgRole: admin\n  - email: b@example.com\n    externalId: "+guid+
		"\nteams:\n  - name: ml\n    members: [a@example.com, b@example.com]\n")
	for _, args := range [][]string{{"plan", "-f", held}, {"validate", "-f", held}, {"apply", "-f", held, "--auto-approve"}} {
		if r := wb(t, v, args...); r.code != exitError || !strings.Contains(r.stderr, "the manifest holds the API key, or 8 or more characters of it") ||
			strings.Contains(r.stdout+r.stderr, sanitize.Marker) {
			t.Fatalf("%s of a manifest holding a piece of the key: exit %d\n%s%s", args[0], r.code, r.stdout, r.stderr)
		}
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("%d writes from a manifest holding a piece of the key", n)
	}

	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\n    orgRole: admin\n  - email: b@example.com\n    externalId: X2"+
		"\n    name: Bee\nteams:\n  - name: ml\n    members: [a@example.com, b@example.com]\n")
	out := filepath.Join(dir, "plan.json")
	r := wb(t, v, "plan", "-f", m, "--out", out)
	if r.code != exitOK || !strings.Contains(r.stderr, "a value held the API key, or 8 or more characters of it, and is saved as [redacted]") ||
		!strings.Contains(r.stderr, `2f0c9d6e[redacted]`) || !strings.Contains(r.stderr, "apply will refuse this saved plan") {
		t.Fatalf("plan --out: exit %d, want 0 with a warning naming the place\n%s", r.code, r.stderr)
	}
	if l := keyLeaks(r.stdout + r.stderr); len(l) > 0 {
		t.Fatalf("plan --out leaks %q", l)
	}
	if b, err := os.ReadFile(out); err != nil || len(keyLeaks(string(b))) > 0 {
		t.Fatalf("the saved plan: %v, leaks %q", err, keyLeaks(string(b)))
	}
	r = wb(t, v, "apply", out, "--auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, "the saved plan holds [redacted]: if 'plan --out' warned that a value held the API key, or 8 or more characters of it") {
		t.Fatalf("apply of the redacted plan: exit %d, want 1 saying why\n%s", r.code, r.stderr)
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("%d writes from a redacted plan", n)
	}

	export := filepath.Join(dir, "wbsync.yaml")
	r = wb(t, v, "export", "--out", export)
	if r.code != exitOK || !strings.Contains(r.stderr, `user "b@example.com"`) || !strings.Contains(r.stderr, "its externalId holds the API key, or 8 or more characters of it") {
		t.Fatalf("export: exit %d, want 0 and b left out with a warning\n%s", r.code, r.stderr)
	}
	data, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), sanitize.Marker) || strings.Contains(string(data), "- email: b@example.com") || !strings.Contains(string(data), "membership: additive") {
		t.Fatalf("the export holds b or a redaction, or ml is not additive:\n%s", data)
	}
	r = wb(t, v, "plan", "-f", export, "--detailed-exitcode")
	if r.code != exitOK || !strings.Contains(r.stdout, "No changes.") {
		t.Fatalf("plan of the export: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestSavedPlanNotJSON: a file that is plainly no saved plan (a large file
// of zeros, just under the cap; a YAML manifest given by mistake) is
// refused from its first bytes, with what it starts with, before the rest
// is read; nothing is sent.
func TestSavedPlanNotJSON(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, "")
	v := vars(emu.url)
	zeros := filepath.Join(t.TempDir(), "zeros.json")
	f, err := os.Create(zeros)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1<<30 - 1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	// Only the first character is quoted: a key file given by mistake
	// keeps the rest of its key out of the log.
	keyFile := writeFile(t, "key", "c0ffee1234567890abcdef\n")
	for _, tc := range []struct{ path, starts string }{
		{zeros, `starts with '\x00'; make one`},
		{examplePath("wbsync.yaml"), `starts with '#' (it reads like YAML: a manifest is planned and applied with -f FILE)`},
		{keyFile, `starts with 'c'; make one`},
		{writeFile(t, "arr.json", `[{"a": 1}]`), `starts with '['; make one`},
		{writeFile(t, "bin", "\xff\xfeabc"), `starts with "\xff"; make one`},
		{writeFile(t, "m.yaml", "version: 1\nusers: []\n"), `starts with 'v' (it reads like YAML`},
		{writeFile(t, "bom.json", "\ufeff{\"format_version\": \"1\"}"), `starts with '\ufeff' (a byte order mark: the file was saved by an editor or a tool after wbsync wrote it)`},
		{writeFile(t, "bom.yaml", "\ufeffversion: 1\nusers: []\n"), `starts with '\ufeff' (it reads like YAML`},
		{writeFile(t, "doc.yaml", "---\nversion: 1\n"), `starts with '-' (it reads like YAML`},
		{writeFile(t, "bomdoc.yaml", "\ufeff---\nversion: 1\n"), `starts with '\ufeff' (it reads like YAML`},
	} {
		r := wb(t, v, "apply", tc.path, "--auto-approve")
		if r.code != exitError || !strings.Contains(r.stderr, "it is not a saved plan") || !strings.Contains(r.stderr, tc.starts) || strings.Contains(r.stderr, "c0ffee") {
			t.Errorf("apply %s: exit %d, want 1 saying what it starts with (%s), quoting no more\n%s", filepath.Base(tc.path), r.code, tc.starts, r.stderr)
		}
	}
	// "-" is no standard input here, as it is for -f: said so.
	if r := wb(t, v, "apply", "-", "--auto-approve"); r.code != exitError || !strings.Contains(r.stderr, "a saved plan is read from a file, not from standard input") {
		t.Errorf("apply -: exit %d\n%s", r.code, r.stderr)
	}
	// A missing file is worded as a missing manifest is.
	missing := filepath.Join(t.TempDir(), "nosuch.json")
	if r := wb(t, v, "apply", missing, "--auto-approve"); r.code != exitError || !strings.Contains(r.stderr, "saved plan "+missing+": no such file or directory") || strings.Contains(r.stderr, "open ") {
		t.Errorf("apply of a missing file: exit %d\n%s", r.code, r.stderr)
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Errorf("%d writes", n)
	}
}

// cancelOn is a writer (stderr) that cancels when a line holding line is
// written: a signal at a precise point of the run.
type cancelOn struct {
	strings.Builder
	line   string
	cancel context.CancelFunc
}

func (c *cancelOn) Write(p []byte) (int, error) {
	if strings.Contains(string(p), c.line) {
		c.cancel()
	}
	return c.Builder.Write(p)
}

// TestSignalAfterTheRead: a signal that arrives once the organization is
// read, while the plan is computed and printed, still ends plan, apply
// and export with exit 1, nothing printed to stdout, no file written and
// no write request sent.
func TestSignalAfterTheRead(t *testing.T) {
	srv, hs := emuServer(t, "")
	dir := t.TempDir()
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\nteams:\n  - name: t\n    members: [a@example.com]\n")
	for _, args := range [][]string{
		{"plan", "-f", m, "--out", filepath.Join(dir, "p.plan"), "--metrics-file", filepath.Join(dir, "m.prom")},
		{"plan", "-f", m, "-o", "json"},
		{"apply", "-f", m, "--auto-approve", "--report", filepath.Join(dir, "r.json")},
		{"apply", "-f", m, "--dry-run"},
		{"export", "--out", filepath.Join(dir, "e.yaml")},
		{"export", "-o", "csv"},
	} {
		t.Run(strings.Join(args[:1], " "), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stderr := &cancelOn{line: "read the live organization", cancel: cancel}
			var out strings.Builder
			code := run(ctx, args, env{stdin: strings.NewReader(""), stdout: &out, stderr: stderr,
				getenv: func(k string) string { return vars(hs.URL + "/scim")[k] }})
			if code != exitError || out.Len() > 0 || !strings.Contains(stderr.String(), "interrupted by a signal; nothing was written") {
				t.Errorf("%v: exit %d, stdout %q, stderr:\n%s\nwant exit 1, nothing printed, and why", args, code, out.String(), stderr.String())
			}
			if files, _ := os.ReadDir(dir); len(files) > 0 {
				t.Errorf("%v: wrote %v", args, files)
			}
		})
	}
	if st := srv.Stats(); writes(st.Requests) > 0 {
		t.Errorf("a write was sent: %+v", st)
	}
}

// TestReadProgressEachRead: apply's verification read shows its progress
// as the first read does, and a read that fails ends its progress before
// the error is printed.
func TestReadProgressEachRead(t *testing.T) {
	users := make([]any, 30)
	for i := range users {
		users[i] = map[string]any{"userName": fmt.Sprintf("u%d@example.com", i), "active": true}
	}
	seed := writeState(t, map[string]any{"users": users, "teams": []any{}})
	_, hs := emuServer(t, seed, emulator.Options{PageCap: 10})
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: new@example.com\nteams: []\n")
	r := wb(t, vars(hs.URL+"/scim"), "apply", "-f", m, "--auto-approve")
	if r.code != exitOK || strings.Count(r.stderr, "read users  30/30  done in") != 1 || strings.Count(r.stderr, "read users  31/31  done in") != 1 {
		t.Errorf("exit %d; want both reads' progress (30 users, then 31):\n%s", r.code, r.stderr)
	}

	// A read whose second page fails: the error is on a line of its own.
	var pages atomic.Int32
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if strings.HasSuffix(req.URL.Path, "/Users") && pages.Add(1) > 1 {
			http.Error(w, "bad page", http.StatusBadRequest)
			return
		}
		hs.Config.Handler.ServeHTTP(w, req)
	}))
	defer failing.Close()
	var out, errb strings.Builder
	code := run(context.Background(), []string{"plan", "-f", m, "--concurrency", "1"}, env{
		stdin: strings.NewReader(""), stdout: &out, stderr: &errb, stderrTerminal: true,
		getenv: func(k string) string { return vars(failing.URL + "/scim")[k] },
	})
	// On a terminal the bar is a line redrawn after \r\x1b[K: the error
	// must follow an erase or a line break, never the bar's text.
	if code != exitError || !regexp.MustCompile(`(\r\x1b\[K|\n|^)wbsync plan: read the live organization`).MatchString(errb.String()) {
		t.Errorf("exit %d; want the error at the start of a clean line:\n%q", code, errb.String())
	}
	if !strings.HasSuffix(errb.String(), "bad page\n") {
		t.Errorf("a bar is drawn again after the error:\n%q", errb.String())
	}
	if !strings.Contains(errb.String(), "read users  10/31") {
		t.Errorf("no progress was drawn: the test proves nothing:\n%q", errb.String())
	}
}

// TestApplyNothingToDoVerifies: an apply with nothing to do still ends
// with the Verified and Apply lines (the read it just made is its
// verification); --no-verify leaves the Verified line out.
func TestApplyNothingToDoVerifies(t *testing.T) {
	_, hs := emuServer(t, "")
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\nteams: []\n")
	v := vars(hs.URL + "/scim")
	if r := wb(t, v, "apply", "-f", m, "--auto-approve"); r.code != exitOK {
		t.Fatalf("first apply: exit %d\n%s", r.code, r.stderr)
	}
	r := wb(t, v, "apply", "-f", m, "--auto-approve")
	if r.code != exitOK || !strings.Contains(r.stdout, "No changes.") ||
		!strings.HasSuffix(r.stdout, "Verified: the organization matches the manifest.\nApply: 0 ok, 0 failed, 0 skipped.\n") {
		t.Errorf("exit %d; stdout:\n%s", r.code, r.stdout)
	}
	r = wb(t, v, "apply", "-f", m, "--auto-approve", "--no-verify")
	if r.code != exitOK || strings.Contains(r.stdout, "Verified:") || !strings.HasSuffix(r.stdout, "Apply: 0 ok, 0 failed, 0 skipped.\n") {
		t.Errorf("--no-verify: exit %d; stdout:\n%s", r.code, r.stdout)
	}
}

// TestSignalWhilePrinting: a signal that arrives while the plan is being
// printed stops the printing, says that stdout holds part of the plan (not
// "nothing was written", which a pipeline would read as an empty stdout),
// and the plan file and metrics are not written (they are saved after the
// plan is printed).
func TestSignalWhilePrinting(t *testing.T) {
	_, hs := emuServer(t, "")
	dir := t.TempDir()
	m := manyUsers(t, 2000)
	for _, format := range []string{"text", "json", "markdown"} {
		ctx, cancel := context.WithCancel(context.Background())
		stdout := &cancelOn{line: "", cancel: cancel} // the first write brings the signal
		var errb strings.Builder
		code := run(ctx, []string{"plan", "-f", m, "-o", format, "--out", filepath.Join(dir, "p.plan"), "--metrics-file", filepath.Join(dir, "m.prom")},
			env{stdin: strings.NewReader(""), stdout: stdout, stderr: &errb, getenv: func(k string) string { return vars(hs.URL + "/scim")[k] }})
		cancel()
		// The markdown view is at most 60,000 characters, printed in one
		// piece: the signal is met when the plan file would be saved.
		want := "interrupted by a signal while the plan was printed: standard output holds part of it, cut; no plan file or metrics were saved"
		if format == "markdown" {
			want = "interrupted by a signal once the plan was printed; no plan file or metrics were saved"
		}
		if code != exitError || !strings.Contains(errb.String(), want) {
			t.Errorf("%s: exit %d, stderr:\n%s\nwant exit 1 and why", format, code, errb.String())
		}
		if stdout.Len() == 0 || (format != "markdown" && strings.Contains(stdout.String(), "u1999@example.com")) {
			t.Errorf("%s: %d bytes printed: want the plan printed in part", format, stdout.Len())
		}
		if files, _ := os.ReadDir(dir); len(files) > 0 {
			t.Errorf("%s: wrote %v", format, files)
		}
	}
}

// closedPipe is a stdout whose reader stops after its first read (| head):
// later writes fail with EPIPE, as they do once SIGPIPE is ignored.
type closedPipe struct{ writes int }

func (c *closedPipe) Write(p []byte) (int, error) {
	if c.writes++; c.writes > 1 {
		return 0, syscall.EPIPE
	}
	return len(p), nil
}

// TestPlanReaderStopsEarly: plan --out into a pipe whose reader stops
// early still saves the plan file and metrics, and says the print was cut
// (exit 1).
func TestPlanReaderStopsEarly(t *testing.T) {
	_, hs := emuServer(t, "")
	dir := t.TempDir()
	m := manyUsers(t, 2000)
	var errb strings.Builder
	code := run(context.Background(), []string{"plan", "-f", m, "--out", filepath.Join(dir, "p.plan"), "--metrics-file", filepath.Join(dir, "m.prom")},
		env{stdin: strings.NewReader(""), stdout: &closedPipe{}, stderr: &errb, getenv: func(k string) string { return vars(hs.URL + "/scim")[k] }})
	if code != exitError || !strings.Contains(errb.String(), "stdout was closed before the plan was printed whole") {
		t.Errorf("exit %d, stderr:\n%s", code, errb.String())
	}
	for _, f := range []string{"p.plan", "m.prom"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s not saved: %v", f, err)
		}
	}
}

// fullDisk is a stdout on a full disk: every write fails with ENOSPC.
type fullDisk struct{}

func (fullDisk) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// TestPlanStdoutFull: a plan whose stdout fails other than by a closed
// pipe (a full disk) writes no --out or --metrics-file, and says so.
func TestPlanStdoutFull(t *testing.T) {
	_, hs := emuServer(t, "")
	dir := t.TempDir()
	var errb strings.Builder
	code := run(context.Background(), []string{"plan", "-f", manyUsers(t, 3), "--out", filepath.Join(dir, "p.plan"), "--metrics-file", filepath.Join(dir, "m.prom")},
		env{stdin: strings.NewReader(""), stdout: fullDisk{}, stderr: &errb, getenv: func(k string) string { return vars(hs.URL + "/scim")[k] }})
	if code != exitError || !strings.Contains(errb.String(), "no space left on device (the files asked for were not written)") {
		t.Errorf("exit %d, stderr:\n%s", code, errb.String())
	}
	if files, _ := os.ReadDir(dir); len(files) > 0 {
		t.Errorf("wrote %v", files)
	}
}

// TestBlockedPlanReaderStopsEarly: a blocked plan whose reader stops early
// (| head) keeps its exit 3 and names the limit, with plan, apply
// --dry-run and apply alike: a drift job that retries on exit 1 would
// retry it for ever, and the limit would be named nowhere. Nothing is
// written to the organization.
func TestBlockedPlanReaderStopsEarly(t *testing.T) {
	var users []any
	for i := range 2000 {
		users = append(users, map[string]any{"userName": fmt.Sprintf("gone%d@example.com", i), "active": true})
	}
	srv, hs := emuServer(t, writeState(t, map[string]any{"users": users, "teams": []any{}}))
	m := writeFile(t, "m.yaml", "version: 1\npolicy:\n  unmanagedUsers: deactivate\n  unmanagedGracePeriod: 0\nusers:\n  - email: a@example.com\n")
	for _, args := range [][]string{{"plan"}, {"apply", "--dry-run"}, {"apply", "--auto-approve"}} {
		var errb strings.Builder
		code := run(context.Background(), append(args, "-f", m), env{stdin: strings.NewReader(""), stdout: &closedPipe{}, stderr: &errb,
			getenv: func(k string) string { return vars(hs.URL + "/scim")[k] }})
		if code != exitBlocked || !strings.Contains(errb.String(), "a safety limit blocks the plan (maxDeactivations)") ||
			!strings.Contains(errb.String(), "print") || strings.Contains(errb.String(), "write standard output") {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant 3, the limit and the cut print, said once", args, code, errb.String())
		}
	}
	if st := srv.Stats().Requests; st["POST"]+st["PATCH"]+st["PUT"]+st["DELETE"] != 0 {
		t.Errorf("writes sent: %v", st)
	}
}

// TestOutcomeWarning: apply's last warning says failed only when an
// operation failed.
func TestOutcomeWarning(t *testing.T) {
	if w := outcomeWarning(&apply.Report{Failed: 1}, "wbsync plan -f m.yaml --out p.plan"); !strings.Contains(w, "this saved plan is now stale: wbsync plan -f m.yaml --out p.plan") {
		t.Errorf("a saved plan's failure: %q, want the command that plans again", w)
	}
	if w := outcomeWarning(&apply.Report{Failed: 1, Unknown: 2}, ""); !strings.Contains(w, "failed") {
		t.Errorf("failed and unknown: %q", w)
	}
	if w := outcomeWarning(&apply.Report{Unknown: 2}, ""); strings.Contains(w, "failed") || !strings.Contains(w, "unknown") {
		t.Errorf("unknown only: %q", w)
	}
	// Creates the server may still be at: never "apply again converges".
	for _, rep := range []*apply.Report{{Unknown: 2, StillAtWork: 1}, {Failed: 1, Unknown: 1, StillAtWork: 1}} {
		if w := outcomeWarning(rep, ""); strings.Contains(w, "converges") || !strings.Contains(w, "1 create(s) were not sent again because the server may still be making them: wait until it is done with them") {
			t.Errorf("%+v: %q, want the wait said and no apply again at once", rep, w)
		}
	}
	// A saved plan's: the command that plans it again.
	if w := outcomeWarning(&apply.Report{Unknown: 1, StillAtWork: 1}, "wbsync plan -f m.yaml --out p.plan"); !strings.Contains(w, "then plan again (this saved plan is now stale: wbsync plan -f m.yaml --out p.plan) to see whether they were made") {
		t.Errorf("a saved plan's creates still at work: %q, want the command that plans it again", w)
	}
	// A failure beside them is still said, with its cause to fix.
	if w := outcomeWarning(&apply.Report{Failed: 1, Unknown: 1, StillAtWork: 1}, ""); !strings.HasPrefix(w, "some operations failed; after fixing the cause, re-run apply") {
		t.Errorf("failed and still at work: %q, want the failure said first", w)
	}
}

// TestApplyCreateStillAtWorkSaysWait: a create whose answer does not come
// within --timeout, and which a look-up does not find, is sent once, ends
// unknown, and apply's last word says to wait until the server is done
// with it before planning or applying again: a plan made at once would
// show it not made, and applying that would make it twice. The wait is
// said also when the read after the apply fails, whose error's advice to
// plan would otherwise be the last word.
func TestApplyCreateStillAtWorkSaysWait(t *testing.T) {
	for _, readFails := range []bool{false, true} {
		var posts atomic.Int32
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/scim+json")
			switch {
			case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Users"):
				posts.Add(1)
				_, _ = io.Copy(io.Discard, r.Body) // (read: a closed connection then ends the context)
				<-r.Context().Done()               // still at it when wbsync stops waiting
			case r.Method == http.MethodGet && readFails && posts.Load() > 0 && r.URL.Query().Get("filter") == "":
				w.WriteHeader(http.StatusBadRequest) // the read after the apply fails
				_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","detail":"refused"}`))
			case r.Method == http.MethodGet && (strings.HasSuffix(r.URL.Path, "/Users") || strings.HasSuffix(r.URL.Path, "/Groups")):
				_, _ = w.Write(listBody(0))
			default:
				http.NotFound(w, r)
			}
		}))
		m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\n")
		r := wb(t, vars(hs.URL+"/scim"), "apply", "-f", m, "--auto-approve", "--timeout", "1s")
		hs.Close()
		if r.code != exitFailed || posts.Load() != 1 || strings.Contains(r.stderr, "converges") ||
			!strings.Contains(r.stderr, "1 create(s) were not sent again because the server may still be making them: wait until it is done with them") {
			t.Errorf("read after the apply fails %v: exit %d, %d POSTs; want 4, 1 POST, and the wait said:\n%s\n%s", readFails, r.code, posts.Load(), r.stdout, r.stderr)
		}
	}
}

// manyUsers writes a manifest of n users (u0@example.com ...) and returns
// its path.
func manyUsers(t *testing.T, n int) string {
	var users strings.Builder
	users.WriteString("version: 1\nusers:\n")
	for i := range n {
		fmt.Fprintf(&users, "  - email: u%d@example.com\n", i)
	}
	return writeFile(t, "m.yaml", users.String())
}

// TestClosedStdoutIsAnError: a command whose output cannot be written (its
// reader already gone) exits 1 rather than 0; the emulator does not serve
// on an address nobody could learn.
func TestClosedStdoutIsAnError(t *testing.T) {
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\n")
	for _, args := range [][]string{{"validate", "-f", m}, {"version"}, {"--help"}, {"help", "plan"}, {"plan", "--help"}, {"emulate", "--listen", "127.0.0.1:0"}} {
		var errb strings.Builder
		code := run(context.Background(), args, env{stdin: strings.NewReader(""), stdout: &closedPipe{writes: 1}, stderr: &errb,
			getenv: func(string) string { return "" }})
		if code != exitError || !strings.Contains(errb.String(), "broken pipe") {
			t.Errorf("%v: exit %d, stderr %q; want 1 and why", args, code, errb.String())
		}
	}
}

// TestApplyReportLostKeepsItsCode: an apply whose writes went through
// but whose report could not be printed (stdout closed) keeps exit 0,
// says so, and the writes are made.
func TestApplyReportLostKeepsItsCode(t *testing.T) {
	srv, hs := emuServer(t, "")
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\n")
	var errb strings.Builder
	code := run(context.Background(), []string{"apply", "-f", m, "--auto-approve", "-o", "json"}, env{stdin: strings.NewReader(""),
		stdout: &closedPipe{writes: 1}, stderr: &errb, getenv: func(k string) string { return vars(hs.URL + "/scim")[k] }})
	if code != exitOK || !strings.Contains(errb.String(), "the report could not be printed whole") || strings.Contains(errb.String(), "write standard output") {
		t.Errorf("exit %d, stderr:\n%s\nwant 0 and why", code, errb.String())
	}
	if got := srv.Stats().Requests["POST"]; got != 1 {
		t.Errorf("POST requests = %d, want the create", got)
	}
}

// TestStaleLinesRightToLeft: a stale refusal's line for a change between
// two right-to-left values (a display name in Hebrew renamed behind
// wbsync's back) keeps the old value left of the arrow: a left-to-right
// mark on each side, after escaping.
func TestStaleLinesRightToLeft(t *testing.T) {
	seed := writeState(t, map[string]any{
		"users": []any{map[string]any{"id": "u-dana", "userName": "dana@example.com", "displayName": "דנה", "organizationRole": "admin"}},
		"teams": []any{},
	})
	emu := startEmu(t, emulator.Options{}, seed)
	v := vars(emu.url)
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: dana@example.com\n    name: דנה\n    orgRole: admin\nteams: []\n")
	planPath := filepath.Join(t.TempDir(), "plan.json")
	if r := wb(t, v, "plan", "-f", m, "--out", planPath); r.code != exitOK {
		t.Fatalf("plan: %d\n%s", r.code, r.stderr)
	}
	byHand(t, emu, "PATCH", "/Users/u-dana", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"שרה"}]}`, http.StatusOK)
	r := wb(t, v, "apply", planPath, "--auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, "name \"שרה\"\u200e → \u200e\"דנה\"") {
		t.Fatalf("exit %d, want 1 with the rename's arrow between marks:\n%s", r.code, r.stderr)
	}
}

// TestPlanInterruptedBetweenFiles: a signal that comes once the plan file
// is saved, before the metrics file is, is said as what it is: not
// "nothing was written", since the plan file was.
func TestPlanInterruptedBetweenFiles(t *testing.T) {
	_, hs := emuServer(t, "")
	dir := t.TempDir()
	planFile, metrics := filepath.Join(dir, "p.plan"), filepath.Join(dir, "m.prom")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer func() { renameFile = os.Rename }()
	renameFile = func(from, to string) error {
		err := os.Rename(from, to)
		if to == planFile {
			cancel() // as a signal right after the plan file is in place
		}
		return err
	}
	var errb strings.Builder
	code := run(ctx, []string{"plan", "-f", examplePath("wbsync.yaml"), "--out", planFile, "--metrics-file", metrics},
		env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &errb, getenv: func(k string) string { return vars(hs.URL + "/scim")[k] }})
	if code != exitError || strings.Contains(errb.String(), "nothing was written") ||
		!strings.Contains(errb.String(), "the plan was saved in "+planFile+", but --metrics-file "+metrics+" was not written") {
		t.Errorf("exit %d, stderr:\n%s", code, errb.String())
	}
	if _, err := os.Stat(planFile); err != nil {
		t.Errorf("the plan file: %v", err)
	}
	if _, err := os.Stat(metrics); err == nil {
		t.Error("the metrics file was written after the signal")
	}
}

// TestKeyRevokedDuringApply: the key stops working after the first write
// (revoked mid-run): every request is answered 401 from then on. Apply sends
// no further write, reports the rest as skipped for that reason, and exits
// 4 (something was written).
func TestKeyRevokedDuringApply(t *testing.T) {
	srv := newEmulator(t, "")
	var mu sync.Mutex
	writes, refusals, revoked := 0, 0, false
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if r.Method != http.MethodGet {
			writes++
		}
		refuse := revoked
		if refuse {
			refusals++
		}
		revoked = revoked || r.Method != http.MethodGet
		mu.Unlock()
		if refuse {
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401","detail":"invalid API key"}`))
			return
		}
		srv.ServeHTTP(w, r)
	}))
	defer hs.Close()
	var b strings.Builder
	b.WriteString("version: 1\nusers:\n")
	for i := range 8 {
		fmt.Fprintf(&b, "  - email: u%d@example.com\n", i)
	}
	b.WriteString("teams:\n  - name: ml\n    members: [u0@example.com, u1@example.com]\n")
	m := writeFile(t, "m.yaml", b.String())
	r := wb(t, vars(hs.URL+"/scim"), "apply", "-f", m, "--auto-approve", "--concurrency", "1")
	mu.Lock()
	sent, refused := writes, refusals
	mu.Unlock()
	if r.code != exitFailed || sent != 2 {
		t.Fatalf("exit %d after %d writes, want 4 after 2 (one done, one refused):\n%s\n%s", r.code, sent, r.stdout, r.stderr)
	}
	if refused != 2 { // the write and the read that checks the key; no verification read
		t.Errorf("%d requests refused, want 2 (the write, the key check)", refused)
	}
	for _, want := range []string{"not sent: the server refused the API key (401) on an earlier write", "Apply: 1 ok, 1 failed, 9 skipped.",
		"Verified: not run: the server refused the API key during the run; run 'wbsync plan' to see what remains."} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "the server refused the API key on a write: no further write is sent") {
		t.Errorf("stderr does not say why the writes stopped:\n%s", r.stderr)
	}
}

// TestSavedTargetNamedInErrors: apply PLANFILE without --url reads the
// plan's recorded target; when that read fails, the error says the URL
// came from the plan file, as its hints speak of --url.
func TestSavedTargetNamedInErrors(t *testing.T) {
	_, hs := emuServer(t, "")
	v := vars(hs.URL + "/scim")
	out := filepath.Join(t.TempDir(), "p.plan")
	if r := wb(t, v, "plan", "-f", examplePath("wbsync.yaml"), "--out", out); r.code != exitOK {
		t.Fatalf("plan: exit %d\n%s", r.code, r.stderr)
	}
	hs.Close()
	delete(v, "WBSYNC_URL")
	r := wb(t, v, "apply", out, "--auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, "(the URL is "+out+"'s target.url, taken as neither --url nor WBSYNC_URL is given)") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// TestWriteRefused401Alone: a server that answers one write 401 while the
// key still reads (a refusal of that write, not a revoked key) fails that
// write alone: the other writes go on (exit 4).
func TestWriteRefused401Alone(t *testing.T) {
	srv := newEmulator(t, "")
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Users") {
			body, _ := io.ReadAll(r.Body)
			if strings.Contains(string(body), "u1@example.com") {
				w.Header().Set("Content-Type", "application/scim+json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401","detail":"not for this one"}`))
				return
			}
			r.Body = io.NopCloser(strings.NewReader(string(body)))
		}
		srv.ServeHTTP(w, r)
	}))
	defer hs.Close()
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: u0@example.com\n  - email: u1@example.com\n  - email: u2@example.com\n")
	r := wb(t, vars(hs.URL+"/scim"), "apply", "-f", m, "--auto-approve", "--concurrency", "1")
	if r.code != exitFailed || !strings.Contains(r.stdout, "Apply: 2 ok, 1 failed, 0 skipped.") ||
		!strings.Contains(r.stderr, "a write was answered 401, but the key still reads: the other writes go on") {
		t.Fatalf("exit %d, want 4 with the other creates done:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if got := srv.Stats().Requests["POST"]; got != 2 {
		t.Errorf("POSTs served: %d, want the two other creates", got)
	}
}

// TestSeatLimitStopsWaitingCreates: once the seat limit refuses a create,
// the creates waiting for their turn under --rate-limit are not sent
// either: at 0.5 requests a second (one at once), one POST in all, the
// others skipped with the reason, and the run goes on (exit 4).
func TestSeatLimitStopsWaitingCreates(t *testing.T) {
	emu := startEmu(t, emulator.Options{SeatLimit: 1}, writeState(t, map[string]any{
		"users": []any{map[string]any{"userName": "admin@example.com", "organizationRole": "admin"}}}))
	v := vars(emu.url)
	m := manyUsers(t, 6) // u0..u5, and the admin left alone
	r := wb(t, v, "apply", "-f", m, "--auto-approve", "--rate-limit", "0.5", "--concurrency", "8", "--no-verify")
	if r.code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s\n%s", r.code, exitFailed, r.stdout, r.stderr)
	}
	if n := emu.requests(t)["POST"]; n != 1 {
		t.Errorf("%d POSTs, want 1: the creates waiting for their turn were sent after the seat limit refused one", n)
	}
	if !strings.Contains(r.stdout, "Apply: 0 ok, 1 failed, 5 skipped.") ||
		strings.Count(r.stdout, "not sent: the organization's seat limit was reached on an earlier create or reactivation") != 5 {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	// The last word names the cause, which the report gave thousands of
	// lines up in a large onboarding.
	if !strings.Contains(r.stderr, "the organization's seat limit was reached, and 5 create(s) or reactivation(s) were not sent: after freeing seats") {
		t.Errorf("the closing warning does not name the seat limit:\n%s", r.stderr)
	}
	// One create, refused: nothing else held, and the cause still said.
	emu = startEmu(t, emulator.Options{SeatLimit: 1}, writeState(t, map[string]any{
		"users": []any{map[string]any{"userName": "admin@example.com", "organizationRole": "admin"}}}))
	r = wb(t, vars(emu.url), "apply", "-f", manyUsers(t, 1), "--auto-approve", "--no-verify")
	if r.code != exitFailed || !strings.Contains(r.stderr, "some operations failed; the organization's seat limit was reached: after freeing seats") {
		t.Errorf("one create refused: exit %d\n%s", r.code, r.stderr)
	}
}

// TestSavedPlanNamesTheVersionThatWroteIt: a saved plan records the
// version of wbsync that wrote it; refused, a file another version wrote
// says so, naming both (it may be refused for what that version writes
// otherwise, not for an edit); one this version wrote does not.
func TestSavedPlanNamesTheVersionThatWroteIt(t *testing.T) {
	emu, out := savedExamplePlan(t)
	v := vars(emu.url)
	if got := parsedPlan(t, out).WrittenBy; got != wbsyncVersion() {
		t.Fatalf("wbsync_version %q, want %q", got, wbsyncVersion())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, by := range []string{wbsyncVersion(), "v0.9.0\x1b[2J"} {
		// An unknown field, as a later version may add.
		edited := bytes.Replace(b, []byte(`"format_version": "1",`), []byte(`"format_version": "1", "later": true,`), 1)
		q, _ := json.Marshal(by)
		edited = bytes.Replace(edited, []byte(`"wbsync_version": "`+wbsyncVersion()+`"`), append([]byte(`"wbsync_version": `), q...), 1)
		if err := os.WriteFile(out, edited, 0o600); err != nil {
			t.Fatal(err)
		}
		r := wb(t, v, "apply", out, "--auto-approve")
		named := strings.Contains(r.stderr, `(the file was written by wbsync v0.9.0\x1b[2J; this is wbsync `+wbsyncVersion()+": plan again with this version)")
		if r.code != exitError || !strings.Contains(r.stderr, `unknown field "later"`) || named != (by != wbsyncVersion()) {
			t.Errorf("written by %q: exit %d, versions named %t\n%s", by, r.code, named, r.stderr)
		}
	}
	if err := os.WriteFile(out, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// A summary another version counts otherwise, and a stale plan: both
	// refusals name the versions too.
	f := parsedPlan(t, out)
	f.WrittenBy = "v0.9.0"
	f.Summary.CreateUsers++
	rewritePlan(t, out, f)
	note := "(the file was written by wbsync v0.9.0; this is wbsync " + wbsyncVersion() + ": plan again with this version)"
	if r := wb(t, v, "apply", out, "--auto-approve"); r.code != exitError || !strings.Contains(r.stderr, "summary") || !strings.Contains(r.stderr, note) {
		t.Errorf("summary: exit %d\n%s", r.code, r.stderr)
	}
	f.Summary.CreateUsers--
	rewritePlan(t, out, f)
	createByHand(t, emu, "by-hand", "by-hand@example.com")
	if r := wb(t, v, "apply", out, "--auto-approve"); r.code != exitError || !strings.Contains(r.stderr, "is stale: the organization changed since it was made "+note+". What differs now:") {
		t.Errorf("stale: exit %d\n%s", r.code, r.stderr)
	}
	if n := writes(emu.requests(t)); n != 1 { // the hand-made user
		t.Fatalf("%d writes from refused plans", n-1)
	}
}

// TestMultiTenantSaidHoldsDeactivations: a plan made for Dedicated Cloud,
// applied to a server that says it is Multi-tenant Cloud (a refused
// display-name update), sends none of its deactivations, which would
// remove their users for good, and the command it gives to plan again is
// for saas.
func TestMultiTenantSaidHoldsDeactivations(t *testing.T) {
	emu := startEmu(t, emulator.Options{Deployment: emulator.DeploymentSaaS}, writeState(t, map[string]any{
		"users": []any{map[string]any{"userName": "a@example.com", "displayName": "A"}, map[string]any{"userName": "m@example.com"}},
	}))
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\n    name: A2\n  - email: m@example.com\n    active: false\n")
	saved := filepath.Join(t.TempDir(), "p.json")
	if r := wb(t, vars(emu.url), "plan", "-f", m, "--deployment", "dedicated", "--out", saved); r.code != exitOK {
		t.Fatalf("plan: exit %d\n%s", r.code, r.stderr)
	}
	before := emu.requests(t)["PATCH"]
	r := wb(t, vars(emu.url), "apply", saved, "--deployment", "dedicated", "--auto-approve")
	if r.code != exitFailed {
		t.Fatalf("apply: exit %d, want 4\n%s%s", r.code, r.stdout, r.stderr)
	}
	if n := emu.requests(t)["PATCH"] - before; n != 1 {
		t.Errorf("%d PATCHes, want the refused update alone (no deactivation)", n)
	}
	for _, want := range []string{"not sent: the server said on an earlier write that it is W&B Multi-tenant Cloud", "--deployment saas --out"} {
		if !strings.Contains(r.stdout+r.stderr, want) {
			t.Errorf("apply does not say %q:\n%s%s", want, r.stdout, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "--deployment dedicated --out") {
		t.Errorf("the command to plan again is still for dedicated:\n%s", r.stderr)
	}
}

// TestSavedPlanDeploymentWithURLGiven: the recipes' apply job passes --url
// and, by default, no deployment. A plan file recording the deployment its
// URL does not imply is applied as it records (as the reviewer saw it), with
// a warning that the file alone chose it; given the other deployment, it
// is refused with nothing written.
func TestSavedPlanDeploymentWithURLGiven(t *testing.T) {
	emu, saas := savedSaasPlan(t)
	v := vars(emu.url)
	v["WBSYNC_DEPLOYMENT"] = "dedicated"
	r := wb(t, v, "apply", saas, "--url", emu.url, "--auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, "the plan was made for deployment saas, but --deployment (or WBSYNC_DEPLOYMENT) is dedicated") {
		t.Fatalf("--url given, the other deployment given: exit %d\n%s", r.code, r.stderr)
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("%d writes after the refusal", n)
	}
	r = wb(t, vars(emu.url), "apply", saas, "--url", emu.url, "--auto-approve")
	if r.code != exitOK || !strings.Contains(r.stderr, "deployment saas, as "+saas+" records it (its URL alone implies dedicated); give --deployment or WBSYNC_DEPLOYMENT to pin it in the apply step too") {
		t.Fatalf("--url given, no deployment: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if writes(emu.requests(t)) == 0 {
		t.Fatal("no writes")
	}
}

// TestSavedPlanDedicatedForMultiTenantURLRefused: the one case where the
// recorded deployment is not taken without a deployment given: a file
// recording dedicated for a URL that implies Multi-tenant Cloud
// (api.wandb.ai), where planned as Dedicated the holds that keep
// irreversible deactivations from accounts the manifest may mean are lost.
// It is refused before any request, with nothing written, whether the URL
// is given or taken from the file. The binary runs with
// HTTPS_PROXY on a closed loopback port, so that no request can leave the
// machine, whatever the code does.
func TestSavedPlanDedicatedForMultiTenantURLRefused(t *testing.T) {
	_, planPath := savedExamplePlan(t)
	b, err := os.ReadFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	const saasURL = "https://api.wandb.ai/scim"
	target := f["target"].(map[string]any)
	if target["deployment"] != "dedicated" {
		t.Fatalf("target = %v, want dedicated", target)
	}
	target["url"] = saasURL
	edited, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, "plan.json", string(edited))
	env := []string{"WANDB_API_KEY=" + testKey, "HTTPS_PROXY=http://127.0.0.1:1", "HTTP_PROXY=http://127.0.0.1:1"}
	for _, args := range [][]string{{"--url", saasURL}, nil} {
		r := runBinary(t, env, append([]string{"apply", path, "--auto-approve", "--timeout", "1s"}, args...)...)
		if r.code != exitError || !strings.Contains(r.stderr, "records deployment dedicated for "+saasURL+", which is W&B Multi-tenant Cloud (saas)") ||
			!strings.Contains(r.stderr, "nothing was written") || strings.Contains(r.stderr, "127.0.0.1:1") ||
			!strings.Contains(r.stderr, "plan again without --deployment dedicated (or WBSYNC_DEPLOYMENT=dedicated), or give it here too") {
			t.Errorf("a dedicated plan for api.wandb.ai, %v: exit %d\n%s", args, r.code, r.stderr)
		}
	}
}

// TestSavePlanStopsWhenInterrupted: a signal stops the saved plan's
// write where it is (a plan of 100,000 users is a file of 140 MB), not
// once it is whole: the write fails as interrupted, and no file, nor any
// temporary one, is left.
func TestSavePlanStopsWhenInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	p := plan.Plan{FormatVersion: plan.FormatVersion, Target: plan.Target{URL: "https://x.example/scim", Deployment: model.Dedicated}}
	for i := range 20000 {
		p.Changes = append(p.Changes, plan.Change{Action: plan.CreateUser, User: fmt.Sprintf("u%06d@x.io", i)})
	}
	err := savePlan(ctx, path, p, &desired.Manifest{}, []string{"m.yaml"}, &invocation{})
	if !errors.Is(err, errInterrupted) || !strings.HasPrefix(err.Error(), "write "+path+": ") {
		t.Fatalf("err = %v, want the write itself interrupted", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// heldDemotion serves an emulator where alice is the admin and bob a
// member, behind a proxy that answers bob's promotion to admin as done
// without making it (the read-back shows member), so that apply holds
// alice's demotion (skipped, nothing failed). afterReadBack, when set,
// runs once after the first read of one user (the promotion's read-back),
// with that request's headers and the emulator. It returns the proxy's
// base URL and the manifest that asks for bob as admin and alice member.
func heldDemotion(t *testing.T, afterReadBack func(h http.Header, srv *emulator.Server)) (url, manifest string) {
	t.Helper()
	seed := writeState(t, map[string]any{
		"users": []any{
			map[string]any{"userName": "alice@example.com", "organizationRole": "admin"},
			map[string]any{"userName": "bob@example.com", "organizationRole": "member"},
		},
		"teams": []any{},
	})
	srv := newEmulator(t, seed)
	var once sync.Once
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/Users/") {
			body, _ := io.ReadAll(r.Body)
			if bytes.Contains(body, []byte("organizationRole")) && bytes.Contains(body, []byte(`"admin"`)) {
				// Answer the user as it is, said to be admin, having changed nothing.
				get, _ := http.NewRequest(http.MethodGet, r.URL.String(), nil)
				get.Header = r.Header.Clone()
				get.URL.Path, get.RequestURI = r.URL.Path, r.URL.Path
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, get)
				out := bytes.ReplaceAll(rec.Body.Bytes(), []byte(`"organizationRole":"member"`), []byte(`"organizationRole":"admin"`))
				for k, v := range rec.Header() {
					if k != "Content-Length" {
						w.Header()[k] = v
					}
				}
				w.WriteHeader(rec.Code)
				_, _ = w.Write(out)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		srv.ServeHTTP(w, r)
		if afterReadBack != nil && r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/scim/Users/") {
			once.Do(func() { afterReadBack(r.Header, srv) })
		}
	}))
	t.Cleanup(hs.Close)
	return hs.URL + "/scim", writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: alice@example.com\n    orgRole: member\n  - email: bob@example.com\n    orgRole: admin\n")
}

// TestSkippedWithoutVerifyIsNotSuccess: a promotion answered done that
// reads back as "member" holds the old admin's demotion (skipped, nothing
// failed). With --no-verify nothing else says the plan was not made whole:
// the exit code must not be 0, nor 2 ("and all of them were made").
func TestSkippedWithoutVerifyIsNotSuccess(t *testing.T) {
	url, m := heldDemotion(t, nil)
	r := wb(t, vars(url), "apply", "-f", m, "--auto-approve", "--no-verify", "--detailed-exitcode")
	if !strings.Contains(r.stdout, "1 skipped") {
		t.Fatalf("want the demotion held (1 skipped):\n%s\n%s", r.stdout, r.stderr)
	}
	if r.code != exitFailed {
		t.Errorf("exit %d with an operation skipped and --no-verify, want 4\n%s", r.code, r.stdout)
	}
}

// TestSkippedButVerifiedIsSuccess: the same held demotion, but someone
// else makes bob admin and alice member before the verification read,
// which finds nothing remaining: exit 0, not 4 (the skip alone is no
// failure when a read shows its change in effect).
func TestSkippedButVerifiedIsSuccess(t *testing.T) {
	url, m := heldDemotion(t, func(h http.Header, srv *emulator.Server) {
		list := httptest.NewRequest(http.MethodGet, "/scim/Users?count=100", nil)
		list.Header = h.Clone()
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, list)
		var l struct {
			Resources []struct{ ID, UserName string }
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil {
			t.Errorf("list: %v", err)
		}
		for _, u := range l.Resources {
			role := map[string]string{"alice@example.com": "member", "bob@example.com": "admin"}[u.UserName]
			req := httptest.NewRequest(http.MethodPatch, "/scim/Users/"+u.ID, strings.NewReader(
				`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"organizationRole","value":"`+role+`"}]}`))
			req.Header = h.Clone()
			req.Header.Set("Content-Type", "application/scim+json")
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code/100 != 2 {
				t.Errorf("side PATCH of %s: %d %s", u.UserName, rec.Code, rec.Body)
			}
		}
	})
	r := wb(t, vars(url), "apply", "-f", m, "--auto-approve")
	if !strings.Contains(r.stdout, "1 skipped") {
		t.Fatalf("want the demotion held (1 skipped):\n%s\n%s", r.stdout, r.stderr)
	}
	if r.code != exitOK {
		t.Errorf("exit %d with the skipped change verified in effect, want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestVerificationLeftAloneOnlyExits4: every write is answered done, but
// the verification's plan leaves a manifest team alone (the create made
// two teams of its name): nothing remains, yet the organization does not
// match the manifest, so exit 4, with no failure beside it to give that
// exit on its own (as TestVerificationSeesTeamLeftAlone has).
func TestVerificationLeftAloneOnlyExits4(t *testing.T) {
	hs := twoTeamsOnCreate(t, true)
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\nteams:\n  - name: ml\n    members: [a@example.com]\n")
	r := wb(t, vars(hs.URL+"/scim"), "apply", "-f", m, "--auto-approve")
	if r.code != exitFailed || strings.Contains(r.stdout, "matches the manifest") ||
		!strings.Contains(r.stdout, "new warning(s) leave it alone") || strings.Contains(r.stdout, "failed:") {
		t.Fatalf("exit %d, want 4: every write done, the team left alone by the verification:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// twoTeamsOnCreate serves user a@example.com (id ua) and no team, until a
// create of team ml, which makes two teams of that name (g1, g2): answered
// 409 with both empty (done false), or 201 as g1 with ua a member of both,
// a PATCH of g1 then answered 204 (done true).
func twoTeamsOnCreate(t *testing.T, done bool) *httptest.Server {
	user := map[string]any{"id": "ua", "userName": "a@example.com", "emails": []any{map[string]any{"value": "a@example.com", "primary": true}}, "active": true}
	var mu sync.Mutex
	var groups []any
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/scim+json")
		switch {
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/Users"):
			_, _ = w.Write(listBody(1, user))
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/Groups"):
			_, _ = w.Write(listBody(len(groups), groups...))
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Groups"):
			members := []any{}
			if done {
				members = []any{map[string]any{"value": "ua"}}
			}
			groups = append(groups, map[string]any{"id": "g1", "displayName": "ml", "members": members},
				map[string]any{"id": "g2", "displayName": "ml", "members": members})
			if !done {
				w.WriteHeader(http.StatusConflict)
				_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","detail":"Resource already exists"}`))
				return
			}
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g1","displayName":"ml","members":[]}`))
		case done && r.Method == http.MethodPatch && strings.HasSuffix(r.URL.Path, "/Groups/g1"):
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(hs.Close)
	return hs
}
