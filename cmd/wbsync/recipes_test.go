package main

import (
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	promodel "github.com/prometheus/common/model"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

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
func runDriftCheck(t *testing.T, extra ...string) recipeRun {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("the drift recipe needs bash: ", err)
	}
	cmd := exec.Command(bash, filepath.Join("..", "..", "examples", "ci", "cron", "drift-check.sh"))
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WBSYNC") && !strings.HasPrefix(kv, "WANDB_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, extra...)
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
