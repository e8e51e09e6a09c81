package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	promodel "github.com/prometheus/common/model"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"gopkg.in/yaml.v3"

	"github.com/wbsync/wbsync/pkg/emulator"
)

// The drift recipe (examples/ci/cron/drift-check.sh) run as cron runs it: a
// built wbsync binary, bash, the environment variables it documents, against
// the emulator on loopback.

// recipeEmulator serves an emulator seeded with seedJSON and returns its
// SCIM base URL.
func recipeEmulator(t *testing.T, opts emulator.Options, seedJSON string) string {
	t.Helper()
	seed, err := emulator.ParseState(strings.NewReader(seedJSON))
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.New(opts, seed, zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return srv.URL + "/scim"
}

type recipeRun struct {
	code           int
	stdout, stderr string
}

// runDriftCheck runs the recipe with bash; extra are NAME=VALUE settings.
// environWithoutSettings is this process's environment without wbsync's
// settings (WBSYNC_*, WANDB_*): a developer's or a runner's own
// WBSYNC_TIMEOUT must not reach the wbsync a recipe runs.
func environWithoutSettings() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WBSYNC") && !strings.HasPrefix(kv, "WANDB_") {
			env = append(env, kv)
		}
	}
	return env
}

func runDriftCheck(t *testing.T, extra ...string) recipeRun {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("the drift recipe needs bash: ", err)
	}
	cmd := exec.Command(bash, filepath.Join("..", "..", "examples", "ci", "cron", "drift-check.sh"))
	cmd.Env = append(environWithoutSettings(), extra...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return recipeRun{code, stdout.String(), stderr.String()}
}

// readGauges parses a textfile-collector file into series → value.
func readGauges(t *testing.T, path string) map[string]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Parsed as node_exporter's textfile collector parses it.
	parser := expfmt.NewTextParser(promodel.UTF8Validation)
	families, err := parser.TextToMetricFamilies(f)
	if err != nil {
		t.Fatalf("%s does not parse as the Prometheus text format: %v", path, err)
	}
	g := map[string]float64{}
	for name, fam := range families {
		if fam.GetType() != dto.MetricType_GAUGE {
			t.Errorf("%s: %s is %v, want a gauge", path, name, fam.GetType())
		}
		for _, m := range fam.GetMetric() {
			key := name
			if lp := m.GetLabel(); len(lp) > 0 {
				var parts []string
				for _, l := range lp {
					parts = append(parts, l.GetName()+`="`+l.GetValue()+`"`)
				}
				key += "{" + strings.Join(parts, ",") + "}"
			}
			g[key] = m.GetGauge().GetValue()
		}
	}
	return g
}

const recipeManifest = `version: 1
users:
  - email: alice@example.com
    name: Alice
    orgRole: admin
  - email: bob@example.com
    name: Bob
teams:
  - name: ml
    members:
      - email: alice@example.com
        role: admin
      - bob@example.com
`

const recipeInSync = `{"users": [
   {"userName": "alice@example.com", "displayName": "Alice", "active": true, "organizationRole": "admin"},
   {"userName": "bob@example.com", "displayName": "Bob", "active": true}],
 "teams": [{"name": "ml", "members": [{"userName": "alice@example.com", "role": "admin"}, "bob@example.com"]}]}`

// recipeDrifted: bob was taken out of ml and carol, unknown to the manifest,
// put in.
const recipeDrifted = `{"users": [
   {"userName": "alice@example.com", "displayName": "Alice", "active": true, "organizationRole": "admin"},
   {"userName": "bob@example.com", "displayName": "Bob", "active": true},
   {"userName": "carol@example.com", "displayName": "Carol", "active": true}],
 "teams": [{"name": "ml", "members": [{"userName": "alice@example.com", "role": "admin"}, "carol@example.com"]}]}`

func TestRecipeDriftCheck(t *testing.T) {
	bin := testBinary(t)
	dir := t.TempDir()
	manifest := filepath.Join(dir, "wbsync.yaml")
	if err := os.WriteFile(manifest, []byte(recipeManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	settings := func(url, metrics string) []string {
		return []string{"WBSYNC=" + bin, "WBSYNC_MANIFEST=" + manifest, "WBSYNC_METRICS_FILE=" + metrics,
			"WBSYNC_URL=" + url, "WANDB_API_KEY=recipe-test-key", "WBSYNC_LOCK=" + filepath.Join(dir, "lock")}
	}
	changes := func(g map[string]float64) map[string]float64 {
		m := map[string]float64{}
		for k, v := range g {
			if a, ok := strings.CutPrefix(k, `wbsync_plan_changes{action="`); ok {
				m[strings.TrimSuffix(a, `"}`)] = v
			}
		}
		return m
	}
	allActions := []string{"create_user", "create_team", "reactivate_user", "update_user", "add_member",
		"set_org_role", "set_team_role", "remove_member", "deactivate_user"}

	t.Run("in sync", func(t *testing.T) {
		metrics := filepath.Join(dir, "insync.prom")
		start := time.Now().Unix()
		r := runDriftCheck(t, settings(recipeEmulator(t, emulator.Options{}, recipeInSync), metrics)...)
		if r.code != 0 {
			t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("in sync printed %q; cron would mail it", r.stdout)
		}
		g := readGauges(t, metrics)
		got := changes(g)
		for _, a := range allActions {
			if v, ok := got[a]; !ok || v != 0 {
				t.Errorf("changes{%s} = %v (present %v), want 0", a, v, ok)
			}
		}
		if g["wbsync_plan_blocked"] != 0 {
			t.Errorf("blocked = %v", g["wbsync_plan_blocked"])
		}
		if ts := g["wbsync_plan_last_success_timestamp_seconds"]; ts < float64(start) || ts > float64(time.Now().Unix()) {
			t.Errorf("last success timestamp %v not within the run", ts)
		}
	})

	t.Run("no flock", func(t *testing.T) {
		// A PATH of every command this machine has but flock: the run goes
		// on unlocked, and says so.
		noFlock := t.TempDir()
		for _, d := range filepath.SplitList(os.Getenv("PATH")) {
			entries, _ := os.ReadDir(d)
			for _, e := range entries {
				if e.Name() != "flock" {
					_ = os.Symlink(filepath.Join(d, e.Name()), filepath.Join(noFlock, e.Name())) // the first of a name wins, as in PATH
				}
			}
		}
		s := settings(recipeEmulator(t, emulator.Options{}, recipeInSync), filepath.Join(dir, "noflock.prom"))
		r := runDriftCheck(t, append(s, "PATH="+noFlock)...)
		if r.code != 0 || !strings.Contains(r.stderr, "drift-check: flock not found: runs are not kept from overlapping") {
			t.Fatalf("WBSYNC_LOCK set: exit %d, want 0 and a word on the missing lock\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		// No lock asked for: a run in sync prints nothing, or cron mails it.
		r = runDriftCheck(t, append(s[:len(s)-1], "PATH="+noFlock, "HOME="+t.TempDir())...)
		if r.code != 0 || r.stdout != "" || r.stderr != "" {
			t.Fatalf("WBSYNC_LOCK unset: exit %d, want 0 and nothing printed\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("lock in home", func(t *testing.T) {
		// Without WBSYNC_LOCK the lock is in the job user's home, not in a
		// shared /tmp where another user's file would fail every run.
		home, tmp := t.TempDir(), t.TempDir()
		s := settings(recipeEmulator(t, emulator.Options{}, recipeInSync), filepath.Join(dir, "home.prom"))
		s = append(s[:len(s)-1], "HOME="+home, "TMPDIR="+tmp)
		if r := runDriftCheck(t, s...); r.code != 0 {
			t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(home, ".wbsync-drift-check.lock")); err != nil {
			t.Errorf("no lock in HOME: %v", err)
		}
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("TMPDIR holds %v", left)
		}
	})

	t.Run("drift", func(t *testing.T) {
		metrics := filepath.Join(dir, "drift.prom")
		r := runDriftCheck(t, settings(recipeEmulator(t, emulator.Options{}, recipeDrifted), metrics)...)
		if r.code != 2 {
			t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, "bob@example.com") || !strings.Contains(r.stdout, "carol@example.com") {
			t.Errorf("the printed plan names neither change:\n%s", r.stdout)
		}
		g := readGauges(t, metrics)
		got := changes(g)
		for _, a := range allActions {
			want := 0.0
			if a == "add_member" || a == "remove_member" {
				want = 1
			}
			if got[a] != want {
				t.Errorf("changes{%s} = %v, want %v", a, got[a], want)
			}
		}
		if v := g[`wbsync_plan_warnings{code="unmanaged_user"}`]; v != 1 {
			t.Errorf(`warnings{unmanaged_user} = %v, want 1 (carol)`, v)
		}
		if g["wbsync_plan_blocked"] != 0 {
			t.Errorf("blocked = %v", g["wbsync_plan_blocked"])
		}
	})

	t.Run("blocked", func(t *testing.T) {
		strict := filepath.Join(dir, "strict.yaml")
		body := strings.Replace(recipeManifest, "version: 1\n",
			"version: 1\npolicy:\n  unmanagedUsers: deactivate\n  limits:\n    maxDeactivations: 1\n", 1)
		if err := os.WriteFile(strict, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		seed := `{"users": [
		   {"userName": "alice@example.com", "displayName": "Alice", "active": true, "organizationRole": "admin"},
		   {"userName": "bob@example.com", "displayName": "Bob", "active": true},
		   {"userName": "x1@example.com", "created": "2024-01-15T09:00:00Z"}, {"userName": "x2@example.com", "created": "2024-01-15T09:00:00Z"}],
		 "teams": [{"name": "ml", "members": [{"userName": "alice@example.com", "role": "admin"}, "bob@example.com"]}]}`
		metrics := filepath.Join(dir, "blocked.prom")
		env := append(settings(recipeEmulator(t, emulator.Options{}, seed), metrics), "WBSYNC_MANIFEST="+strict)
		r := runDriftCheck(t, env...)
		if r.code != 3 {
			t.Fatalf("exit %d, want 3\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		g := readGauges(t, metrics)
		if g["wbsync_plan_blocked"] != 1 {
			t.Errorf("blocked = %v, want 1", g["wbsync_plan_blocked"])
		}
		if got := changes(g)["deactivate_user"]; got != 2 {
			t.Errorf("changes{deactivate_user} = %v, want 2", got)
		}
	})

	t.Run("failed read keeps the old file", func(t *testing.T) {
		metrics := filepath.Join(dir, "error.prom")
		old := "# previous run\nwbsync_plan_last_success_timestamp_seconds 1\n"
		if err := os.WriteFile(metrics, []byte(old), 0o644); err != nil {
			t.Fatal(err)
		}
		url := recipeEmulator(t, emulator.Options{APIKey: "the-right-key"}, recipeInSync)
		r := runDriftCheck(t, settings(url, metrics)...)
		if r.code != 1 {
			t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, "recipe-test-key") {
			t.Error("the API key was printed")
		}
		b, err := os.ReadFile(metrics)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != old {
			t.Errorf("a failed read rewrote the metrics file:\n%s", b)
		}
	})

	// A crash of the Go runtime exits 2 too, printing no plan: not drift.
	t.Run("a crash is no drift", func(t *testing.T) {
		crash := filepath.Join(dir, "crash.sh")
		if err := os.WriteFile(crash, []byte("#!/bin/sh\necho 'fatal error: out of memory' >&2\nexit 2\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		env := settings("http://127.0.0.1:1/scim", filepath.Join(dir, "crash.prom"))
		r := runDriftCheck(t, append(env, "WBSYNC="+crash)...)
		if r.code != 1 || !strings.Contains(r.stderr, "wbsync plan printed no plan (exit code 2") {
			t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
	})
}

// TestRecipeGitHubApplyCancel: GitHub Actions cancels a run (or one past
// timeout-minutes) by sending SIGINT to the step's shell, which runs the
// step's `run:` text as a script file, and kills the process tree 10 s
// later. Each apply step of examples/ci/github/wbsync-apply.yml, run as the
// runner runs it and cancelled after the first write, must reach wbsync:
// it starts no new write and writes its report (exit 4), rather than run
// on until the kill with no report.
func TestRecipeGitHubApplyCancel(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("the recipe test needs bash: ", err)
	}
	bin := testBinary(t)
	var workflow struct {
		Jobs map[string]struct {
			Steps []struct{ Name, Run string }
		}
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "ci", "github", "wbsync-apply.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &workflow); err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, job := range workflow.Jobs {
		for _, s := range job.Steps {
			if strings.Contains(s.Run, "wbsync apply") {
				steps = append(steps, s.Run)
			}
		}
	}
	if len(steps) != 2 {
		t.Fatalf("%d apply steps in wbsync-apply.yml, want 2 (the reviewed plan, the manual run)", len(steps))
	}
	var users strings.Builder
	users.WriteString("version: 1\nusers:\n  - email: alice@example.com\n    name: Alice\n    orgRole: admin\n")
	for i := range 40 {
		fmt.Fprintf(&users, "  - email: new%02d@example.com\n    name: New %d\n", i, i)
	}
	for _, step := range steps {
		t.Run(stepName(step), func(t *testing.T) {
			seed, err := emulator.ParseState(strings.NewReader(`{"users": [{"userName": "alice@example.com", "displayName": "Alice", "active": true, "organizationRole": "admin"}], "teams": []}`))
			if err != nil {
				t.Fatal(err)
			}
			emu, err := emulator.New(emulator.Options{Latency: 20 * time.Millisecond}, seed, zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel)))
			if err != nil {
				t.Fatal(err)
			}
			wrote := make(chan struct{})
			var once sync.Once
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodGet {
					once.Do(func() { close(wrote) })
				}
				emu.ServeHTTP(w, r)
			}))
			defer srv.Close()
			dir := t.TempDir()
			manifest := filepath.Join(dir, "wbsync.yaml")
			if err := os.WriteFile(manifest, []byte(users.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			env := append(environWithoutSettings(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
				"WBSYNC_URL="+srv.URL+"/scim", "WANDB_API_KEY=recipe-test-key", "WBSYNC_MANIFEST="+manifest)
			if strings.Contains(step, "plan.json") {
				plan := exec.Command(bin, "plan", "-f", manifest, "--out", filepath.Join(dir, "plan.json"))
				plan.Env = env
				if out, err := plan.CombinedOutput(); err != nil {
					t.Fatalf("plan --out: %v\n%s", err, out)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, "step.sh"), []byte(step+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			// As the runner runs a run: step (shell: bash).
			cmd := exec.Command(bash, "--noprofile", "--norc", "-eo", "pipefail", "step.sh")
			cmd.Dir, cmd.Env = dir, env
			stderr := &safeBuffer{}
			cmd.Stderr = stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case <-wrote:
			case err := <-exited:
				t.Fatalf("the step ended (%v) before it could be interrupted:\n%s", err, stderr.String())
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				t.Fatalf("no write within a minute:\n%s", stderr.String())
			}
			if err := cmd.Process.Signal(os.Interrupt); err != nil { // the step's shell only
				t.Fatal(err)
			}
			err = <-exited
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitFailed {
				t.Fatalf("the cancelled step ended %v, want exit %d:\n%s", err, exitFailed, stderr.String())
			}
			var report struct {
				Interrupted bool `json:"interrupted"`
				OK, Skipped int
			}
			data, err := os.ReadFile(filepath.Join(dir, "report.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &report); err != nil {
				t.Fatal(err)
			}
			if !report.Interrupted || report.Skipped == 0 || report.OK+report.Skipped > 40 {
				t.Errorf("report after the cancel: %+v, want interrupted with operations skipped", report)
			}
		})
	}
}

// stepName names an apply step of the GitHub recipe for its subtest.
func stepName(run string) string {
	if strings.Contains(run, "plan.json") {
		return "reviewed-plan"
	}
	return "default-branch"
}

// TestRecipesSendBodiesFromFiles: the CI recipes send a comment, note or
// issue body to the forge's API from a file, never as one command-line
// argument: Linux refuses an argument over 128 KiB, and a markdown plan
// within wbsync's 60,000-character cap can hold more bytes than that (three
// per character in a script that is not Latin), which would end the job
// with "Argument list too long" and post no plan.
func TestRecipesSendBodiesFromFiles(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "ci")
	// A data argument that is a shell expansion: curl's -d, --data,
	// --data-raw, --data-binary, --json; gh api's -f/-F/--field/--raw-field.
	inline := regexp.MustCompile(`(?:\s-d|--data|--data-raw|--data-binary|--json)\s+"?\$|(?:\s-[fF]|--field|--raw-field)\s+"?\w+=\$`)
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(path); ext != ".yml" && ext != ".yaml" && ext != ".sh" {
			return nil
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(data), "\n") {
			if m := inline.FindString(line); m != "" && !strings.HasPrefix(strings.TrimSpace(line), "#") {
				t.Errorf("%s:%d: a request body from a shell expansion (%q), not a file: %s", path, i+1, m, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 4 {
		t.Fatalf("%d recipe files under %s, want the GitHub, GitLab and cron recipes", files, dir)
	}
}
