package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/wbsync/wbsync/pkg/desired"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/sanitize"
	"github.com/wbsync/wbsync/pkg/views"
)

var planCommand = &command{
	name:     "plan",
	synopsis: "plan [-f PATH]... [flags]",
	summary:  "show what would change",
	example:  "WANDB_API_KEY=... wbsync plan -f teams/ --url https://acme.wandb.io/scim --out plan.json",
	groups:   groups{manifest: true, conn: true},
	formats:  []string{"text", "json", "markdown"},
	setup: func(fs *flag.FlagSet) any {
		o := &planFlags{}
		fs.StringVar(&o.out, "out", "", "also save the plan to this file, for 'wbsync apply FILE'")
		fs.BoolVar(&o.detailed, "detailed-exitcode", false, "exit 2 when the plan has changes")
		fs.BoolVar(&o.noColor, "no-color", false, "no colour in text output")
		fs.StringVar(&o.metricsFile, "metrics-file", "", "write Prometheus gauges of the plan to this file (node_exporter textfile collector)")
		return o
	},
	run: runPlan,
}

type planFlags struct {
	out         string
	detailed    bool
	noColor     bool
	metricsFile string
}

func runPlan(ctx context.Context, inv *invocation, f *flags, own any, pos []string) (int, error) {
	o := own.(*planFlags)
	if err := noArgs(pos, " (manifests are given with -f)"); err != nil {
		return exitError, err
	}
	inputs, _ := manifestPaths(f.files) // a failure is reported by the load
	if err := distinctFiles(f.conn.inputs(inputs...), output{"--out", o.out, writesPlan}, output{"--metrics-file", o.metricsFile, writesOther}, output{"--trace", f.conn.trace, writesOther}); err != nil {
		return exitError, err
	}
	if err := checkOutputs(output{"--out", o.out, writesPlan}, output{"--metrics-file", o.metricsFile, writesOther}); err != nil {
		return exitError, err
	}
	m, s, p, err := loadAndPlan(ctx, inv, f, true)
	if err == nil {
		err = stopped(ctx)
	}
	if err != nil {
		return exitError, err
	}
	// Printed first, saved after: a signal while the plan is printed
	// leaves no plan file or metrics behind (a file is renamed into place
	// only while no signal has come).
	// A reader that stops early (| head) leaves the plan printed in part:
	// the files are still saved, and the run ends in an error after.
	out := &countingWriter{w: untilStopped{ctx, inv.stdout}}
	printErr := renderPlan(out, p, f.format, inv.color(inv.isTerminal, o.noColor))
	if errors.Is(printErr, errInterrupted) && out.n > 0 {
		// Not errInterrupted's "nothing was written": stdout holds part
		// of the plan (a pipeline reading it must not take it whole).
		return exitError, errors.New(interrupted + " while the plan was printed: standard output holds part of it, cut; no plan file or metrics were saved")
	}
	if printErr != nil && !readerGone(printErr) {
		if (o.out != "" || o.metricsFile != "") && !errors.Is(printErr, errInterrupted) {
			// A full disk: the files would likely fail too, and are not
			// tried; said, as the closed pipe below says it saves them.
			printErr = fmt.Errorf("%w (the files asked for were not written)", printErr)
		}
		return blockedUnprinted(p, printErr, "nothing would be applied")
	}
	if o.out != "" {
		if err := savePlan(ctx, o.out, p, m, f.files, inv); err != nil {
			if errors.Is(err, errInterrupted) && printErr == nil {
				err = errInterruptedAfterPrint
			}
			return exitError, err
		}
		s.log.Info("saved the plan", zap.String("file", o.out))
		planSaved.Store(&o.out)
	}
	if o.metricsFile != "" {
		var buf bytes.Buffer
		if err := views.WriteMetrics(&buf, p, time.Now()); err != nil {
			return exitError, err
		}
		if err := writeOutput(ctx, o.metricsFile, buf.Bytes(), inv, sharedFile); err != nil {
			switch {
			case o.out != "" && errors.Is(err, errInterrupted):
				// Not "nothing was written": the plan file was.
				err = fmt.Errorf(interrupted+": the plan was saved in %s, but --metrics-file %s was not written", o.out, o.metricsFile)
			case errors.Is(err, errInterrupted) && printErr == nil:
				err = errInterruptedAfterPrint
			}
			return exitError, err
		}
	}
	if printErr != nil {
		msg := "stdout was closed before the plan was printed whole"
		if o.out != "" || o.metricsFile != "" {
			msg += " (the files asked for are written)"
		}
		return blockedUnprinted(p, errors.New(msg), "nothing would be applied")
	}
	if p.IsBlocked() {
		return exitBlocked, blockedError(p, "nothing would be applied")
	}
	return planExit(p, o.detailed), nil
}

// errInterruptedAfterPrint is plan's error for a signal that came once the
// plan was printed whole, before its files were saved.
var errInterruptedAfterPrint = errors.New(interrupted + " once the plan was printed; no plan file or metrics were saved")

// blockedUnprinted is the exit of a plan that could not be printed whole
// (err: a reader that stopped early, a full disk): 1, unless a safety
// limit blocks the plan, which keeps its exit 3 and says both, so that a
// drift job that pages on 3 and retries on 1 never retries a blocked plan
// without a word of the limit. A signal (errInterrupted) is 1 either way.
func blockedUnprinted(p plan.Plan, err error, outcome string) (int, error) {
	if p.IsBlocked() && !errors.Is(err, errInterrupted) {
		return exitBlocked, errors.Join(blockedError(p, outcome), unprintedPlan{err})
	}
	return exitError, err
}

// unprintedPlan is the error of a blocked plan that could not be printed
// whole: run does not add the same failure again when it flushes stdout.
type unprintedPlan struct{ error }

func (e unprintedPlan) Unwrap() error { return e.error }

// blockedError says which safety limits block plan p, and what came of
// it (plan and apply --dry-run: "nothing would be applied"; apply:
// "nothing was written"). Every exit 3 says it on stderr: with -o json,
// markdown or --out, stdout may go to a file a CI log never shows.
func blockedError(p plan.Plan, outcome string) error {
	limits := make([]string, len(p.Blocked))
	for i, b := range p.Blocked {
		limits[i] = string(b.Limit)
		if strings.TrimSpace(limits[i]) == "" {
			limits[i] = "a limit not named" // a saved plan edited so
		}
	}
	return fmt.Errorf("a safety limit blocks the plan (%s): %s; the plan says why", sanitize.Controls(strings.Join(limits, ", ")), outcome)
}

// savePlan writes the saved plan file (the plan and its manifest),
// streamed as the plan JSON is: redacted like every output, and
// atomically.
func savePlan(ctx context.Context, path string, p plan.Plan, m *desired.Manifest, sources []string, inv *invocation) error {
	d := plan.Desired{State: m.State, Policy: m.Policy, Files: m.Files, Sources: savedSources(sources)}
	redacted := false
	err := writeAtomic(ctx, path, privateFile, func(w io.Writer) error {
		// A signal stops the write (a plan of 100,000 users is a file of
		// 140 MB): the file is then not saved.
		rw := inv.redactor().Writer(untilStopped{ctx, w})
		if err := plan.WriteFile(sanitize.JSONWriter(rw), p, d, wbsyncVersion()); err != nil {
			return err
		}
		err := rw.Flush()
		redacted = rw.Redacted()
		return err
	})
	if err != nil || !redacted {
		return err
	}
	// A redacted value in what apply checks (the manifest, by its digest;
	// the changes and blocks, against the re-plan; the target and the
	// digests themselves) makes the saved plan one
	// apply refuses (see redactedPlan): said, not an error, as the plan
	// itself is fine to show and to apply from the manifest files. A
	// redacted warning, seat count or manifest file name is harmless:
	// apply recomputes the first two and only quotes the names.
	checked, err := json.Marshal(struct {
		D plan.Desired
		C []plan.Change
		B []plan.Block
		T plan.Target
		S []string
	}{plan.Desired{State: d.State, Policy: d.Policy}, p.Changes, p.Blocked, p.Target, []string{p.ManifestDigest, p.ObservedFingerprint}})
	if err != nil {
		return err
	}
	if j := inv.redactor().Index(checked); j >= 0 {
		inv.say(zapcore.WarnLevel, fmt.Sprintf("%s: a value held the API key, or 8 or more characters of it, and is saved as %s (wbsync never writes the key), at %s: "+
			"apply will refuse this saved plan; apply the manifest files with -f, or rotate the API key and plan again", path, sanitize.Marker, keyContext(checked, j)))
	}
	return nil
}

// defaultManifest is the manifest read when no -f is given.
const defaultManifest = "wbsync.yaml"

// savedSources are the -f arguments as a saved plan records them: as
// given, standard input as the loader names it (stdinName: replanCommand
// prints it as - again), none given as the default manifest.
func savedSources(files []string) []string {
	if len(files) == 0 {
		return []string{defaultManifest}
	}
	out := slices.Clone(files)
	for i, f := range out {
		if f == "-" {
			out[i] = stdinName
		}
	}
	return out
}

// keyContext shows where in b a key fragment starts (at i): the text
// before it, then the redaction marker, quoted. The text before holds no
// fragment, so nothing of the key is shown.
func keyContext(b []byte, i int) string {
	start := max(0, i-48)
	for start > 0 && start < i && !utf8.RuneStart(b[start]) {
		start++
	}
	return strconv.Quote("…" + string(b[start:i]) + sanitize.Marker)
}

// Modes of the files wbsync creates, less the umask. Plan files and
// reports hold every planned user's email and name (a plan file the whole
// manifest) and are read back by the user who made them: private, as a
// trace is. A metrics file is read by another user (node_exporter's
// textfile collector), and an export is a manifest to commit or a review
// to share.
const (
	privateFile os.FileMode = 0o600
	sharedFile  os.FileMode = 0o644
)

// writeOutput writes a file wbsync produces: redacted like every output,
// and atomically, with mode perm.
func writeOutput(ctx context.Context, path string, data []byte, inv *invocation, perm os.FileMode) error {
	return writeFileAtomic(ctx, path, inv.redactor().Bytes(data), perm)
}

// streamOutput writes what write writes to path (or to stdout when path is
// ""): redacted like every output, atomically, and without holding the
// whole output in memory.
func streamOutput(ctx context.Context, path string, inv *invocation, write func(io.Writer) error) error {
	if path == "" {
		out := &countingWriter{w: untilStopped{ctx, inv.stdout}}
		err := write(out)
		if errors.Is(err, errInterrupted) && out.n > 0 {
			// Not "nothing was written": stdout holds part of it (a
			// manifest cut short that a redirect would keep).
			return errors.New(interrupted + " while it was printed: standard output holds part of it, cut")
		}
		return err
	}
	return writeAtomic(ctx, path, sharedFile, func(w io.Writer) error {
		rw := inv.redactor().Writer(w)
		if err := write(rw); err != nil {
			return err
		}
		return rw.Flush()
	})
}

// renderPlan writes the plan in the chosen format.
func renderPlan(w io.Writer, p plan.Plan, format string, color bool) error {
	switch format {
	case "json":
		return p.WriteJSON(sanitize.JSONWriter(w))
	case "markdown":
		return views.WriteMarkdown(w, p)
	default:
		return views.WriteText(w, p, views.TextOptions{Color: color})
	}
}

// planExit is the exit code of a computed plan: blocked 3; with
// --detailed-exitcode, 2 when the organization differs from the manifest
// (unverified role assertions are not a difference).
func planExit(p plan.Plan, detailed bool) int {
	switch {
	case p.IsBlocked():
		return exitBlocked
	case detailed && p.HasDrift():
		return exitChanges
	}
	return exitOK
}

// readerGone reports whether err is a write to a pipe whose reader has gone
// (| head, a pager quit): EPIPE on Unix; on Windows ERROR_BROKEN_PIPE (109)
// or ERROR_NO_DATA (232, "the pipe is being closed"), which Go passes on as
// they are.
func readerGone(err error) bool {
	return errors.Is(err, syscall.EPIPE) || windowsErrno(err, 109, 232)
}
