package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wbsync/wbsync/pkg/emulator"
)

// TestSavedPlanUnknownOutcomeNamesItsReplan: when an apply of a saved plan
// ends with outcomes unknown, what it advises is the command that plans
// it again (its manifest, its target), not "apply again", which would be
// refused as stale, nor a bare 'wbsync plan', which reads ./wbsync.yaml
// against the default URL.
func TestSavedPlanUnknownOutcomeNamesItsReplan(t *testing.T) {
	srv, err := emulator.New(emulator.Options{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	seed, err := emulator.ParseState(strings.NewReader(`{"users": [
		{"userName": "alice@example.com", "displayName": "Alice", "active": true, "organizationRole": "admin"},
		{"userName": "bob@example.com", "displayName": "Bob", "active": true}], "teams": []}`))
	if err != nil {
		t.Fatal(err)
	}
	if srv, err = emulator.New(emulator.Options{}, seed, nil); err != nil {
		t.Fatal(err)
	}
	// A proxy that answers a deactivation 202 without passing it on: its
	// outcome is unknown.
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/Users/") {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		srv.ServeHTTP(w, r)
	}))
	defer hs.Close()
	v := vars(hs.URL + "/scim")
	m := writeFile(t, "m.yaml", "version: 1\npolicy:\n  unmanagedUsers: deactivate\n  unmanagedGracePeriod: \"0\"\n  limits: {maxDeactivations: \"100%\"}\n"+
		"users:\n  - email: alice@example.com\n    name: Alice\n    orgRole: admin\n")
	planPath := filepath.Join(t.TempDir(), "plan.json")
	if r := wb(t, v, "plan", "-f", m, "--out", planPath); r.code != exitOK {
		t.Fatalf("plan --out: exit %d\n%s", r.code, r.stderr)
	}
	r := wb(t, v, "apply", planPath, "--auto-approve")
	if r.code != exitFailed {
		t.Fatalf("apply: exit %d, want 4\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	want := "plan again (this saved plan is now stale: wbsync plan -f " + shellQuote(m) + " --url " + hs.URL + "/scim"
	if !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "apply again converges") {
		t.Fatalf("stderr does not give the re-plan command (%q):\n%s", want, r.stderr)
	}
}

// TestSeeWhereNamesTheReplan: the verdict and the second signal's notice
// give a saved plan's re-plan command in place of a bare 'wbsync plan'.
func TestSeeWhereNamesTheReplan(t *testing.T) {
	again := "wbsync plan -f m.yaml --url https://x.example/scim --deployment dedicated --out /p/plan.json"
	got := secondSignalNotice(syscall.SIGINT, true, nil, nil, true, &again)
	if !strings.Contains(got, again) || strings.Contains(got, "run 'wbsync plan'") {
		t.Errorf("second signal, saved plan: %s", got)
	}
	if got := secondSignalNotice(syscall.SIGINT, true, nil, nil, true, nil); !strings.Contains(got, "run 'wbsync plan' to see where the organization stands") {
		t.Errorf("second signal, -f files: %s", got)
	}
	if got := seeWhere(again); !strings.HasSuffix(got, again) {
		t.Errorf("seeWhere = %s", got)
	}
}

// TestSavedPlanOutputOverItsManifest: the manifest files a saved plan was
// made from are inputs of its apply (it reads them, to say whether they
// were edited since): --report or --trace naming one is refused, as with
// -f, and the file is left as it was.
func TestSavedPlanOutputOverItsManifest(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	data, err := os.ReadFile(examplePath("wbsync.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // the plan names its manifest as given: wbsync.yaml, here
	if err := os.WriteFile("wbsync.yaml", data, 0o644); err != nil {
		t.Fatal(err)
	}
	v := vars(emu.url)
	if r := wb(t, v, "plan", "-f", "wbsync.yaml", "--out", "plan.json"); r.code != exitOK {
		t.Fatalf("plan --out: exit %d\n%s", r.code, r.stderr)
	}
	before := writes(emu.requests(t))
	for _, flag := range []string{"--report", "--trace"} {
		r := wb(t, v, "apply", "plan.json", flag, "wbsync.yaml", "--auto-approve")
		if r.code != exitError || !strings.Contains(r.stderr, flag+" wbsync.yaml is an input of this run") {
			t.Errorf("apply plan.json %s wbsync.yaml: exit %d\n%s", flag, r.code, r.stderr)
		}
	}
	if after, err := os.ReadFile("wbsync.yaml"); err != nil || !bytes.Equal(after, data) {
		t.Fatalf("the manifest changed (%v)", err)
	}
	if n := writes(emu.requests(t)) - before; n != 0 {
		t.Fatalf("%d writes", n)
	}
}

// TestOutputFlagTakingAFileOrAFlag: an output flag whose value was an
// empty variable takes the next argument. When that is the saved plan
// (apply --report $R plan.json), the plan would be overwritten with a
// report of ./wbsync.yaml applied unreviewed; when it is a flag (--report
// $R --dry-run), the run would write for real. Both are refused, with
// nothing written; an output over a file of its own kind (a plan over an
// older plan, an export over a manifest) is written.
func TestOutputFlagTakingAFileOrAFlag(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	data, err := os.ReadFile(examplePath("wbsync.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	for _, f := range []string{"wbsync.yaml", "other.yaml"} {
		if err := os.WriteFile(f, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	v := vars(emu.url)
	if r := wb(t, v, "plan", "--out", "plan.json"); r.code != exitOK {
		t.Fatalf("plan --out: exit %d\n%s", r.code, r.stderr)
	}
	saved, err := os.ReadFile("plan.json")
	if err != nil {
		t.Fatal(err)
	}
	// A plan printed with -o json, kept as a file, is one too.
	printed := wb(t, v, "plan", "-o", "json")
	if err := os.WriteFile("printed.json", []byte(printed.stdout), 0o644); err != nil || printed.code != exitOK {
		t.Fatalf("plan -o json: exit %d, %v", printed.code, err)
	}
	before := writes(emu.requests(t))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"apply", "--report", "plan.json", "--auto-approve"}, "--report plan.json is a plan (saved, or printed as JSON), which wbsync does not write over"},
		{[]string{"apply", "--trace", "plan.json", "--auto-approve"}, "--trace plan.json is a plan"},
		{[]string{"apply", "--auto-approve", "--report", "--dry-run"}, "--report was given --dry-run, one of this command's flags, as its value"},
		{[]string{"plan", "--metrics-file", "--detailed-exitcode"}, "--metrics-file was given --detailed-exitcode"},
		{[]string{"apply", "--report", "-fother.yaml", "--auto-approve"}, "--report was given -fother.yaml, one of this command's flags, as its value"},
		{[]string{"apply", "--report", "printed.json", "--auto-approve"}, "--report printed.json is a plan"},
		{[]string{"plan", "--out", "other.yaml"}, "--out other.yaml is a manifest, which wbsync does not write over"},
		{[]string{"export", "-o", "csv", "--out", "plan.json"}, "--out plan.json is a plan"},
	} {
		r := wb(t, v, tc.args...)
		if r.code != exitError || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, want 1 and %q\n%s", tc.args, r.code, tc.want, r.stderr)
		}
	}
	if n := writes(emu.requests(t)) - before; n != 0 {
		t.Fatalf("%d writes", n)
	}
	for _, f := range []string{"plan.json", "other.yaml"} {
		got, _ := os.ReadFile(f)
		if want := map[string][]byte{"plan.json": saved, "other.yaml": data}[f]; !bytes.Equal(got, want) {
			t.Errorf("%s was written", f)
		}
	}
	if _, err := os.Stat("--dry-run"); err == nil {
		t.Error("a file named --dry-run was written")
	}
	// A named pipe is not opened to be looked at: opening one waits for a
	// writer.
	mkfifo(t, "pipe")
	done := make(chan result, 1)
	go func() { done <- wb(t, v, "plan", "--out", "pipe") }()
	guard := time.NewTimer(time.Minute) // a failure guard only
	defer guard.Stop()
	select {
	case r := <-done:
		if r.code != exitError || !strings.Contains(r.stderr, "pipe is not a regular file") {
			t.Errorf("plan --out pipe: exit %d\n%s", r.code, r.stderr)
		}
	case <-guard.C:
		t.Fatal("plan --out pipe waited on the pipe")
	}
	// Over its own kind: written.
	if r := wb(t, v, "plan", "--out", "plan.json"); r.code != exitOK {
		t.Errorf("plan --out over an older plan: exit %d\n%s", r.code, r.stderr)
	}
	if r := wb(t, v, "export", "--out", "other.yaml"); r.code != exitOK {
		t.Errorf("export --out over a manifest: exit %d\n%s", r.code, r.stderr)
	}
}

// TestSavedPlanArchivesAndPrintedPlans: a compressed artifact, or a plan
// as wbsync prints it (text, markdown), is refused with what it is.
func TestSavedPlanArchivesAndPrintedPlans(t *testing.T) {
	emu, planPath := savedExamplePlan(t)
	v := vars(emu.url)
	data, err := os.ReadFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	var zipped bytes.Buffer
	za := zip.NewWriter(&zipped)
	f, err := za.Create("plan.json")
	if err != nil {
		t.Fatal(err)
	}
	f.Write(data)
	za.Close()
	text := wb(t, v, "plan", "-f", examplePath("wbsync.yaml"))
	md := wb(t, v, "plan", "-f", examplePath("wbsync.yaml"), "-o", "markdown")
	for _, tc := range []struct{ name, content, says string }{
		{"plan.json.gz", gz.String(), "a gzip or zip archive"},
		{"wbsync-plan.zip", zipped.String(), "a gzip or zip archive"},
		{"plan.txt", text.stdout, "a plan as wbsync prints it"},
		{"plan.md", md.stdout, "a plan as wbsync prints it"},
	} {
		r := wb(t, v, "apply", writeFile(t, tc.name, tc.content), "--auto-approve")
		if r.code != exitError || !strings.Contains(r.stderr, tc.says) || strings.Contains(r.stderr, "reads like YAML") {
			t.Errorf("apply %s: exit %d\n%s", tc.name, r.code, r.stderr)
		}
	}
}

// TestSavedPlanAppliedTwiceRolesUnreported: on a server that reports no
// roles (policy.unreportedRoles: enforce), a saved plan applied again has
// nothing left to do: the role assertions the re-plan cannot verify are
// not drift, and not "the organization changed".
func TestSavedPlanAppliedTwiceRolesUnreported(t *testing.T) {
	emu := startEmu(t, emulator.Options{OmitRoles: true}, writeState(t, map[string]any{
		"users": []map[string]any{{"userName": "alice@example.com", "displayName": "Alice", "active": true}},
		"teams": []map[string]any{{"name": "ml", "members": []string{"alice@example.com"}}},
	}))
	v := vars(emu.url)
	m := writeFile(t, "m.yaml", `version: 1
policy:
  unreportedRoles: enforce
users:
  - email: alice@example.com
    name: Alice
  - email: gina@example.com
    name: Gina
    orgRole: admin
teams:
  - name: ml
    members:
      - alice@example.com
      - {email: gina@example.com, role: admin}
`)
	planPath := filepath.Join(t.TempDir(), "plan.json")
	if r := wb(t, v, "plan", "-f", m, "--out", planPath); r.code != exitOK {
		t.Fatalf("plan --out: exit %d\n%s", r.code, r.stderr)
	}
	if r := wb(t, v, "apply", planPath, "--auto-approve"); r.code != exitOK {
		t.Fatalf("first apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	before := writes(emu.requests(t))
	r := wb(t, v, "apply", planPath, "--auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, "has nothing left to do") || strings.Contains(r.stderr, "organization changed") {
		t.Fatalf("second apply: exit %d\n%s", r.code, r.stderr)
	}
	if n := writes(emu.requests(t)) - before; n != 0 {
		t.Fatalf("the second apply wrote %d requests", n)
	}
}

// TestDigestMismatchShowsTheDigests: a saved plan whose embedded manifest
// was edited is refused with both digests shown: wbsync's own SHA-256
// digests are no API key (a W&B key is 40 hexadecimal digits), which the
// same message still hides.
func TestDigestMismatchShowsTheDigests(t *testing.T) {
	emu, planPath := savedExamplePlan(t)
	data, err := os.ReadFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	edited := writeFile(t, "edited.json", strings.ReplaceAll(string(data), "carol@example.com", "carla@example.com"))
	r := wb(t, vars(emu.url), "apply", edited, "--auto-approve")
	if r.code != exitError || !regexp.MustCompile(`manifest digest mismatch: the embedded manifest hashes to sha256:[0-9a-f]{64}, but the plan says sha256:[0-9a-f]{64}`).MatchString(r.stderr) {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	const key = "3f9a1c7e5b2d4a6f8e0c1b3d5f7a9c2e4b6d8f0a"
	for _, s := range []string{"sha256:" + key, key, "sha256:" + key + key[:24] + "0"} {
		if got := hideKeyShapes("x " + s + " y"); strings.Contains(got, key) {
			t.Errorf("hideKeyShapes showed %q: %s", s, got)
		}
	}
}
