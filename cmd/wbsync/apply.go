package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"go.uber.org/zap"

	"github.com/wbsync/wbsync/pkg/apply"
	"github.com/wbsync/wbsync/pkg/plan"
)

func runApply(ctx context.Context, args []string, e env) (int, error) {
	fs := newFlagSet("apply", "apply [-f PATH]... [flags] | apply PLANFILE [flags]",
		"WANDB_API_KEY=... wbsync apply -f teams/ --url https://acme.wandb.io/scim --auto-approve", e.stderr)
	var c connFlags
	var l logFlags
	files := manifestFlag(fs)
	format := fs.String("o", "text", "output: text|json")
	autoApprove := fs.Bool("auto-approve", false, "apply without asking")
	dryRun := fs.Bool("dry-run", false, "compute and print the plan; send no write request")
	detailed := fs.Bool("detailed-exitcode", false, "with --dry-run: exit 2 when the plan has changes")
	report := fs.String("report", "", "also write the JSON apply report to this file")
	noColor := fs.Bool("no-color", false, "no colour in text output")
	c.register(fs, e.getenv)
	l.register(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitError, err
	}
	if err := checkFormat(*format, "text", "json"); err != nil {
		return exitError, err
	}
	if len(pos) > 1 {
		return exitError, usageError{fmt.Sprintf("unexpected argument %q: apply takes at most one saved plan", pos[1])}
	}
	if len(pos) == 1 && len(*files) > 0 {
		return exitError, usageError{"give either a saved plan or -f manifests, not both"}
	}
	color := e.isTerminal && !*noColor

	var p plan.Plan
	var s *session
	if len(pos) == 1 {
		saved, err := readPlanFile(pos[0])
		if err != nil {
			return exitError, err
		}
		if s, err = connect(&c, &l, *dryRun, e); err != nil {
			return exitError, err
		}
		now, err := s.computePlan(ctx, saved.Desired.State, saved.Desired.Policy, saved.ManifestDigest)
		if err != nil {
			return exitError, err
		}
		if lines := plan.ChangesDiff(saved.Plan, now); len(lines) > 0 {
			fmt.Fprintf(e.stderr, "The saved plan %s is stale: the organization changed since it was made. What the plan would be now differs:\n", pos[0])
			for _, line := range lines {
				fmt.Fprintln(e.stderr, "  "+line)
			}
			return exitError, fmt.Errorf("refusing to apply a stale plan: run 'wbsync plan --out %s' again and review it", pos[0])
		}
		p = saved.Plan
		p.Target = now.Target
	} else {
		m, err := loadManifest(*files, e)
		if err != nil {
			return exitError, err
		}
		if s, err = connect(&c, &l, *dryRun, e); err != nil {
			return exitError, err
		}
		if p, err = s.computePlan(ctx, m.State, m.Policy, m.Digest); err != nil {
			return exitError, err
		}
	}

	if *dryRun {
		if err := renderPlan(e.stdout, p, *format, color); err != nil {
			return exitError, err
		}
		return planExit(p, *detailed), nil
	}
	if err := renderPlan(planStream(e, *format), p, "text", color); err != nil {
		return exitError, err
	}
	if p.IsBlocked() {
		return exitBlocked, fmt.Errorf("a safety limit blocks the plan; nothing was written")
	}
	if !p.HasChanges() {
		if *format == "json" {
			return exitOK, (&apply.Report{}).WriteJSON(e.stdout)
		}
		return exitOK, nil
	}
	if !*autoApprove {
		ok, err := confirm(e)
		if err != nil {
			return exitError, err
		}
		if !ok {
			fmt.Fprintln(e.stderr, "Apply cancelled; nothing was written.")
			return exitError, nil
		}
	}
	rep, err := apply.Run(ctx, p, s.client, apply.Options{
		Concurrency: c.concurrency,
		BatchSize:   c.batchSize,
		Logger:      s.log,
		Progress:    e.stderr,
	})
	if rep == nil {
		return exitError, err
	}
	runErr := err // an interrupted run still reports what it did
	if *report != "" {
		if err := writeReport(*report, rep); err != nil {
			return exitError, err
		}
	}
	if *format == "json" {
		err = rep.WriteJSON(e.stdout)
	} else {
		err = rep.WriteText(e.stdout)
	}
	if err != nil {
		return exitError, err
	}
	if runErr != nil {
		return exitFailed, runErr
	}
	if rep.Failed > 0 {
		s.log.Warn("some operations failed; re-run apply after fixing the cause", zap.Int("failed", rep.Failed))
		return exitFailed, nil
	}
	return exitOK, nil
}

// planStream is where apply shows the plan: stdout in text mode; stderr when
// stdout carries the JSON report.
func planStream(e env, format string) io.Writer {
	if format == "json" {
		return e.stderr
	}
	return e.stdout
}

// confirm asks for "yes" on a terminal and refuses without one.
func confirm(e env) (bool, error) {
	if !e.isTerminal {
		return false, usageError{"no terminal to confirm on: review the plan and pass --auto-approve to apply without asking"}
	}
	fmt.Fprint(e.stdout, "\nApply these changes? Only 'yes' is accepted: ")
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return false, nil
	}
	return strings.TrimSpace(line) == "yes", nil
}

func writeReport(path string, rep *apply.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := rep.WriteJSON(f); err != nil {
		f.Close()
		return fmt.Errorf("write report: %w", err)
	}
	return f.Close()
}
