package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/wbsync/wbsync/pkg/desired"
	"github.com/wbsync/wbsync/pkg/diff"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/observed"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/scim"
	"github.com/wbsync/wbsync/pkg/views"
)

// loadManifest expands and reads the -f paths and parses them as one
// manifest. Manifest problems are printed to stderr, one per line.
func loadManifest(files []string, e env) (*desired.Manifest, error) {
	paths, err := manifestPaths(files)
	if err != nil {
		return nil, err
	}
	srcs := make([]desired.Source, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read manifest: %w", err)
		}
		srcs = append(srcs, desired.Source{Name: p, Data: b})
	}
	m, err := desired.Parse(srcs)
	if err != nil {
		var probs desired.Problems
		if errors.As(err, &probs) {
			for _, p := range probs {
				fmt.Fprintln(e.stderr, p.String())
			}
			return nil, manifestError{probs}
		}
		return nil, err
	}
	return m, nil
}

// manifestError reports that the manifest has problems (already printed)
// and unwraps to them.
type manifestError struct{ probs desired.Problems }

func (m manifestError) Error() string {
	return fmt.Sprintf("the manifest has %d problem(s); nothing was read or written", len(m.probs))
}

func (m manifestError) Unwrap() error { return m.probs }

// session is a connected run: the logger, the configuration and a client.
type session struct {
	log    *zap.Logger
	conf   resolved
	client *scim.Client
}

// connect checks the flags and builds a SCIM client; readOnly clients cannot
// write at all.
func connect(c *connFlags, l *logFlags, readOnly bool, e env) (*session, error) {
	log, err := l.logger(e.stderr)
	if err != nil {
		return nil, err
	}
	conf, err := c.resolve(e.getenv)
	if err != nil {
		return nil, err
	}
	client, err := scim.New(scim.Config{
		BaseURL:     conf.url,
		APIKey:      conf.apiKey,
		Auth:        conf.auth,
		Deployment:  conf.deployment,
		Concurrency: c.concurrency,
		RateLimit:   c.rateLimit,
		Timeout:     c.timeout,
		ReadOnly:    readOnly,
		Logger:      log,
		UserAgent:   "wbsync/" + version,
	})
	if err != nil {
		return nil, err
	}
	return &session{log: log, conf: conf, client: client}, nil
}

// computePlan reads the live org and plans want against it.
func (s *session) computePlan(ctx context.Context, want model.State, policy model.Policy, digest string) (plan.Plan, error) {
	have, fp, err := observed.Fetch(ctx, s.client)
	if err != nil {
		return plan.Plan{}, fmt.Errorf("read the live organization at %s: %w", s.conf.url, err)
	}
	s.log.Info("read the live organization", zap.Int("users", len(have.Users)), zap.Int("teams", len(have.Teams)))
	p := diff.Compute(want, have, policy, diff.Options{Deployment: s.conf.deployment})
	p.ManifestDigest = digest
	p.ObservedFingerprint = fp
	p.Target = plan.Target{URL: s.conf.url, Deployment: s.conf.deployment}
	return p, nil
}

// renderPlan writes the plan in the chosen format.
func renderPlan(w io.Writer, p plan.Plan, format string, color bool) error {
	switch format {
	case "json":
		return p.WriteJSON(w)
	case "markdown":
		return views.WriteMarkdown(w, p)
	default:
		return views.WriteText(w, p, views.TextOptions{Color: color})
	}
}

func checkFormat(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return usageError{fmt.Sprintf("-o %q: want one of %v", format, allowed)}
}

// planExit is the exit code of a computed plan.
func planExit(p plan.Plan, detailed bool) int {
	switch {
	case p.IsBlocked():
		return exitBlocked
	case detailed && p.HasChanges():
		return exitChanges
	}
	return exitOK
}

func runPlan(ctx context.Context, args []string, e env) (int, error) {
	fs := newFlagSet("plan", "plan [-f PATH]... [flags]",
		"WANDB_API_KEY=... wbsync plan -f teams/ --url https://acme.wandb.io/scim --out plan.json", e.stderr)
	var c connFlags
	var l logFlags
	files := manifestFlag(fs)
	format := fs.String("o", "text", "output: text|json|markdown")
	out := fs.String("out", "", "also save the plan to this file, for 'wbsync apply FILE'")
	detailed := fs.Bool("detailed-exitcode", false, "exit 2 when the plan has changes")
	noColor := fs.Bool("no-color", false, "no colour in text output")
	metricsFile := fs.String("metrics-file", "", "write Prometheus gauges of the plan to this file (node_exporter textfile collector)")
	c.register(fs, e.getenv)
	l.register(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitError, err
	}
	if err := noArgs(pos, " (manifests are given with -f)"); err != nil {
		return exitError, err
	}
	if err := checkFormat(*format, "text", "json", "markdown"); err != nil {
		return exitError, err
	}
	m, err := loadManifest(*files, e)
	if err != nil {
		return exitError, err
	}
	s, err := connect(&c, &l, true, e)
	if err != nil {
		return exitError, err
	}
	p, err := s.computePlan(ctx, m.State, m.Policy, m.Digest)
	if err != nil {
		return exitError, err
	}
	if *out != "" {
		if err := writePlanFile(*out, p, m); err != nil {
			return exitError, err
		}
		s.log.Info("saved the plan", zap.String("file", *out))
	}
	if *metricsFile != "" {
		if err := writeMetrics(*metricsFile, p); err != nil {
			return exitError, err
		}
	}
	if err := renderPlan(e.stdout, p, *format, e.isTerminal && !*noColor); err != nil {
		return exitError, err
	}
	return planExit(p, *detailed), nil
}

// planFile is the saved plan: the plan JSON (SPEC §4) plus the manifest it
// was computed from, so `apply FILE` can re-plan without the manifest files.
// It holds no secret.
type planFile struct {
	plan.Plan
	Desired *savedManifest `json:"desired"`
}

type savedManifest struct {
	State  model.State  `json:"state"`
	Policy model.Policy `json:"policy"`
	Files  []string     `json:"files"`
}

func writePlanFile(path string, p plan.Plan, m *desired.Manifest) error {
	b, err := json.MarshalIndent(planFile{Plan: p, Desired: &savedManifest{State: m.State, Policy: m.Policy, Files: m.Files}}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode plan: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	return nil
}

func readPlanFile(path string) (*planFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read saved plan: %w", err)
	}
	var pf planFile
	if err := json.Unmarshal(b, &pf); err != nil {
		return nil, fmt.Errorf("%s is not a saved plan: %w", path, err)
	}
	if pf.FormatVersion != plan.FormatVersion || pf.Desired == nil {
		return nil, fmt.Errorf("%s is not a saved plan of format_version %q made by 'wbsync plan --out'", path, plan.FormatVersion)
	}
	return &pf, nil
}

// writeMetrics writes the plan's gauges atomically (temp file, then rename),
// so the textfile collector never reads half a file.
func writeMetrics(path string, p plan.Plan) error {
	var buf bytes.Buffer
	if err := views.WriteMetrics(&buf, p, time.Now()); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".wbsync-metrics-*")
	if err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("write metrics: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write metrics: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write metrics: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write metrics: %w", err)
	}
	return nil
}
