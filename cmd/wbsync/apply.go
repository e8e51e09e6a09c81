package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/wbsync/wbsync/pkg/apply"
	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/desired"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/sanitize"
	"github.com/wbsync/wbsync/pkg/scim"
)

var applyCommand = &command{
	name:     "apply",
	synopsis: "apply [-f PATH]... [flags] | apply PLANFILE [flags]",
	summary:  "make the changes (or exactly a saved plan's)",
	example:  "WANDB_API_KEY=... wbsync apply -f teams/ --url https://acme.wandb.io/scim --auto-approve",
	groups:   groups{manifest: true, conn: true},
	formats:  []string{"text", "json"},
	setup: func(fs *flag.FlagSet) any {
		o := &applyFlags{}
		fs.BoolVar(&o.autoApprove, "auto-approve", false, "apply without asking")
		fs.BoolVar(&o.dryRun, "dry-run", false, "compute and print the plan; send no write request")
		fs.BoolVar(&o.detailed, "detailed-exitcode", false, "exit 2 when the plan has changes (with --dry-run: none is made; else all were made)")
		fs.StringVar(&o.report, "report", "", "also write the JSON apply report to this file")
		fs.BoolVar(&o.noColor, "no-color", false, "no colour in text output")
		fs.BoolVar(&o.noVerify, "no-verify", false, "skip the verification read and re-plan after the last phase")
		return o
	},
	run: runApply,
}

type applyFlags struct {
	autoApprove bool
	dryRun      bool
	detailed    bool
	report      string
	noColor     bool
	noVerify    bool
}

// applyRun is what apply works from: a connected session, the plan to apply
// and the manifest it came from (to verify against afterwards).
type applyRun struct {
	s      *session
	p      plan.Plan
	want   model.State
	policy model.Policy
	// replan is the command that plans a saved plan again ("" when the
	// manifest files were given): what to run when it no longer holds;
	// replanSaaS, the same for Multi-tenant Cloud, for when the server
	// said it is that (apply.Report.MultiTenantSaid).
	replan, replanSaaS string
}

func runApply(ctx context.Context, inv *invocation, f *flags, own any, pos []string) (int, error) {
	o := own.(*applyFlags)
	if len(pos) > 1 {
		return exitError, usageError{fmt.Sprintf("unexpected argument %q: apply takes at most one saved plan", pos[1])}
	}
	if len(pos) == 1 && len(f.files) > 0 {
		return exitError, usageError{"give either a saved plan or -f manifests, not both"}
	}
	if o.dryRun && o.report != "" {
		return exitError, usageError{"--report records what an apply did, and --dry-run does nothing: for the plan as JSON, use wbsync plan -o json --out FILE"}
	}
	inputs := pos
	if len(pos) == 0 {
		inputs, _ = manifestPaths(f.files) // a failure is reported by the load
	}
	if err := distinct(f.conn.inputs(inputs...), len(pos) == 0, output{"--report", o.report, writesOther}, output{"--trace", f.conn.trace, writesOther}); err != nil {
		return exitError, err
	}
	// As plan's outputs: a report that cannot be written where it is
	// named stops the run before it reads the organization (its room is
	// checked again, for the report's size, before the first write).
	if err := checkOutputs(output{"--report", o.report, writesOther}); err != nil {
		return exitError, err
	}
	var (
		a   *applyRun
		err error
	)
	if len(pos) == 1 {
		a, err = prepareSaved(ctx, inv, f, o.dryRun, pos[0], output{"--report", o.report, writesOther}, output{"--trace", f.conn.trace, writesOther})
	} else {
		a, err = prepareManifest(ctx, inv, f, o.dryRun)
	}
	if err == nil {
		err = stopped(ctx) // a signal while the plan was computed
	}
	if err != nil {
		return exitError, err
	}
	// Until the first write, a signal ends the run with nothing written:
	// the plan printed before it stops there.
	stdout := untilStopped{ctx, inv.stdout}
	// Colour for the stream the plan goes to: stderr with -o json.
	color := inv.color(inv.isTerminal, o.noColor)
	if f.format == "json" {
		color = inv.color(inv.stderrTerminal, o.noColor)
	}
	if o.dryRun {
		if err := renderPlan(stdout, a.p, f.format, color); err != nil {
			return blockedUnprinted(a.p, unprinted(err), "nothing would be applied")
		}
		if a.p.IsBlocked() {
			return exitBlocked, blockedError(a.p, "nothing would be applied")
		}
		return planExit(a.p, o.detailed), nil
	}
	if a.p.IsBlocked() {
		// The whole plan, blocks included, where the caller reads: JSON on
		// stdout with -o json.
		if err := renderPlan(stdout, a.p, f.format, color); err != nil {
			return blockedUnprinted(a.p, unprinted(err), "nothing was written")
		}
		return exitBlocked, blockedError(a.p, "nothing was written")
	}
	if w := planStream(inv, f.format, !o.autoApprove && inv.isTerminal); w != nil {
		if w == io.Writer(inv.stdout) {
			color = inv.color(inv.isTerminal, o.noColor)
		}
		out := &countingWriter{w: untilStopped{ctx, w}}
		if err := renderPlan(out, a.p, "text", color); err != nil {
			if errors.Is(err, errInterrupted) && out.n > 0 {
				// The plan shown above is in part: said, as plan says it.
				return exitError, errors.New(interrupted + " while the plan was printed: the plan shown is cut; nothing was written")
			}
			return exitError, unprinted(err)
		}
	}
	if !a.p.HasChanges() {
		// Nothing to do is a report too: a pipeline that keeps the
		// report finds this run's, not a stale file or none.
		// The read just made is its verification: nothing remains.
		var buf bytes.Buffer
		rep := apply.NewReport(a.p, time.Now())
		if !o.noVerify {
			rep.Verification = apply.Verify(a.p, a.p, nil, model.State{})
		}
		if err := rep.WriteJSON(sanitize.JSONWriter(&buf)); err != nil {
			return exitError, err
		}
		if f.format == "json" { // printed even when the file fails
			if _, err := stdout.Write(buf.Bytes()); err != nil {
				return exitError, err
			}
		} else if err := rep.WriteText(stdout); err != nil { // Verified: and Apply: lines, as after any apply
			return exitError, err
		}
		if o.report != "" {
			if err := writeOutput(ctx, o.report, buf.Bytes(), inv, privateFile); err != nil {
				return exitError, fmt.Errorf("--report %s was not written (nothing was written to the organization either): %w", o.report, err)
			}
		}
		return exitOK, nil
	}
	if o.report != "" {
		if _, err := checkWritable(ctx, o.report, reportSize(len(a.p.Changes))); err != nil {
			if ctx.Err() != nil {
				return exitError, errInterrupted
			}
			return exitError, fmt.Errorf("--report %s cannot be written (%v); nothing was written to the organization", o.report, err)
		}
	}
	if err := stopped(ctx); err != nil {
		return exitError, err
	}
	if !o.autoApprove {
		ok, err := confirm(ctx, inv, irreversibleNote(a.p))
		if err != nil {
			return exitError, err
		}
		if !ok {
			inv.say(zapcore.ErrorLevel, "Apply cancelled; nothing was written.")
			return exitError, nil
		}
		// The question may have waited for long: what is written is a
		// plan just checked against the organization, so it is read
		// again and planned again before the first write.
		if err := recheck(ctx, inv, a); err != nil {
			return exitError, err
		}
	}
	code, err := execute(ctx, inv, f, o, a)
	if code == exitOK && err == nil && o.detailed && a.p.HasDrift() {
		code = exitChanges // the plan had changes, and they were made
	}
	return code, err
}

// prepareManifest loads the manifest, reads the organization and plans.
func prepareManifest(ctx context.Context, inv *invocation, f *flags, dryRun bool) (*applyRun, error) {
	m, s, p, err := loadAndPlan(ctx, inv, f, dryRun)
	if err != nil {
		return nil, err
	}
	return &applyRun{s: s, p: p, want: m.State, policy: m.Policy}, nil
}

// prepareSaved reads a saved plan with every check, binds the session to
// the plan's recorded target (refusing another), re-plans, and refuses a
// stale plan, printing what changed.
func prepareSaved(ctx context.Context, inv *invocation, f *flags, dryRun bool, path string, outs ...output) (*applyRun, error) {
	if path == "-" {
		// -f - is standard input; a saved plan is a file, whose path the
		// re-plan command of a stale plan names.
		return nil, usageError{"a saved plan is read from a file, not from standard input (\"-\" is standard input only for -f, a manifest); give its path, or /dev/stdin"}
	}
	redacted := false // the file holds the redaction marker (see redactedPlan)
	var planInfo fs.FileInfo
	saved, err := await(ctx, func() (*plan.File, error) {
		b, fi, err := readCapped(path, caps.PlanFile, "saved plan", jsonObject)
		if err != nil {
			return nil, err
		}
		planInfo = fi
		if j := inv.redactor().Index(b); j >= 0 {
			// wbsync writes the marker, never the key: this file was made
			// or edited elsewhere. Nothing of it is quoted, since a value
			// cut for a message could keep a part of the key.
			return nil, fmt.Errorf("%s: %w: it holds the API key, or 8 or more characters of it (at byte %d), and wbsync never writes the key into a plan: "+
				"this file was not written by wbsync as it is; plan again with --out", path, plan.ErrNotSavedPlan, j)
		}
		redacted = bytes.Contains(b, []byte(sanitize.Marker))
		pf, err := plan.ParseFile(b)
		if errors.Is(err, plan.ErrDigest) && redacted {
			return nil, fmt.Errorf("%s: %w\n%s", path, err, redactedPlan)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w%s", path, err, otherVersion(plan.WrittenByOf(b)))
		}
		if strings.Contains(pf.Target.URL, sanitize.Marker) {
			// The URL held the key: the file records another URL, which
			// no digest vouches for.
			return nil, fmt.Errorf("%s: %w: its target.url %q holds %s: the --url it was planned with held the API key, or 8 or more characters of it (wbsync never writes the key), "+
				"so the plan cannot be applied as saved; plan again with a --url that does not hold the key, or apply the manifest files with -f and that --url",
				path, plan.ErrNotSavedPlan, model.ShowURL(pf.Target.URL), sanitize.Marker)
		}
		return pf, nil
	})
	if err != nil {
		return nil, err
	}
	// The manifest files the plan was loaded from are inputs of this run
	// too (noteManifestEdited reads its -f arguments again, Inputs, which
	// list them or their directories): no output may overwrite them.
	files := slices.DeleteFunc(slices.Clone(saved.Desired.Files), func(name string) bool { return name == stdinName })
	if err := distinctFiles(files, outs...); err != nil {
		return nil, err
	}
	s, err := connect(ctx, inv, f, dryRun)
	if err != nil {
		return nil, err
	}
	b := plan.Binding{
		URL: s.conf.url, URLGiven: s.conf.urlGiven,
		Deployment: s.conf.deployment, DeploymentGiven: s.conf.deploymentGiven,
	}
	target, err := saved.ResolveTarget(b)
	if err != nil {
		// its recorded target.url is not a URL wbsync takes, or another
		// target is given
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// Neither --deployment nor WBSYNC_DEPLOYMENT given: the recorded
	// deployment is used, as the recorded URL is, also when --url names
	// that URL (it is the plan the reviewer saw, with its warnings), but
	// for one case: a file recording dedicated for a URL that implies
	// Multi-tenant Cloud (api.wandb.ai) is refused. No digest vouches for
	// the deployment, the recipes' plan and apply jobs read the same
	// WBSYNC_DEPLOYMENT, and planned as Dedicated a Multi-tenant
	// organization loses the holds that keep deactivations, which cannot
	// be undone there, from accounts the manifest may mean. The other way
	// (saas recorded for another host: Multi-tenant Cloud behind a proxy)
	// only holds back more, and is said. A job that gives the deployment
	// in both steps pins it: an edited file is then refused above.
	if implied, _ := deploymentOf("", target.URL); !s.conf.deploymentGiven && target.Deployment != implied {
		if implied == model.SaaS {
			// (with the URL given or taken from the file alike)
			return nil, fmt.Errorf("%w: %s records deployment %s for %s, which is W&B Multi-tenant Cloud (%s), and neither --deployment nor WBSYNC_DEPLOYMENT is given; nothing was written. "+
				"Planned as Dedicated, a Multi-tenant organization loses the holds that keep deactivations, which cannot be undone there, from accounts the manifest may mean: plan again without --deployment %s (or WBSYNC_DEPLOYMENT=%s), or give it here too if it is really meant",
				plan.ErrTargetMismatch, path, target.Deployment, target.URL, implied, target.Deployment, target.Deployment)
		}
		msg := fmt.Sprintf("deployment %s, as %s records it (its URL alone implies %s); give --deployment or WBSYNC_DEPLOYMENT to pin it", target.Deployment, path, implied)
		if s.conf.urlGiven {
			// The file, which no digest vouches for, chose it: louder.
			s.log.Warn(msg + " in the apply step too, so that a file edited to the other deployment is refused")
		} else {
			s.log.Info(msg)
		}
	}
	if w := planFileWarning(path, planInfo, s.conf.urlGiven); w != "" {
		s.log.Warn(w) // before the first request, which carries the key
	}
	if err := s.retarget(target, f, dryRun); err != nil {
		if !s.conf.urlGiven {
			// As the read's errors: the URL refused is the file's.
			return nil, usageError{fmt.Sprintf("%v (the URL is %s's target.url, taken as neither --url nor WBSYNC_URL is given)", err, path)}
		}
		return nil, err
	}
	// The loader's rules, last of the file's checks: they cost a parse of
	// the embedded manifest, which a plan for another target never needs.
	if _, err := await(ctx, func() (struct{}, error) {
		return struct{}{}, desired.Recheck(saved.Desired.State, saved.Desired.Policy, saved.ManifestDigest)
	}); err != nil {
		if errors.Is(err, errInterrupted) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w: its embedded manifest is not one wbsync loads: %v (was the file edited?); plan again from the manifest%s", path, plan.ErrNotSavedPlan, err, otherVersion(saved.WrittenBy))
	}
	want, policy := saved.Desired.State, saved.Desired.Policy
	if saved.IsBlocked() {
		// Planned blocked: nothing of it is applied whatever the
		// organization reads now, as Terraform refuses a plan made with
		// errors. Refused without a request (the plan as saved is what the
		// reviewer saw, printed by the caller with its blocks).
		s.log.Info(fmt.Sprintf("%s was planned blocked by a safety limit: refused without reading the organization; fix the manifest and plan again", path))
		return &applyRun{s: s, p: saved.Plan, want: want, policy: policy}, nil
	}
	now, err := s.computePlan(ctx, want, policy, saved.ManifestDigest)
	if err != nil {
		if !s.conf.urlGiven && !errors.Is(err, errInterrupted) {
			// The hints say "--url", which the user did not give.
			err = fmt.Errorf("%w (the URL is %s's target.url, taken as neither --url nor WBSYNC_URL is given)", err, path)
		}
		return nil, err
	}
	lines, err := await(ctx, func() ([]string, error) { return staleness(saved.Plan, now), nil })
	if err != nil {
		return nil, err
	}
	if len(lines) > 0 && !now.HasDrift() && !now.IsBlocked() && saved.HasDrift() && !slices.ContainsFunc(lines, newlyPlanned) {
		// Applied already (a re-run of the pipeline's apply job), or its
		// changes made otherwise: no change is left that the read can
		// show, none is planned but unverified role assertions, and no
		// new warning holds a manifest user or team back (two accounts
		// claiming one email, say: nothing is planned for it, yet it is
		// not done). Still stale, as Terraform has a saved plan applied
		// twice, but said for what it is, not as a changed organization
		// with every change "no longer planned".
		return nil, fmt.Errorf("refusing to apply a stale plan: %s has nothing left to do, the organization already matches the manifest it was made from (the plan was applied, or its changes were made otherwise); nothing was written", path)
	}
	if len(lines) > 0 {
		header := fmt.Sprintf("The saved plan %s is stale: the organization changed since it was made. What differs now:", path)
		if saved.ObservedFingerprint == now.ObservedFingerprint {
			// The organization reads as it did: what changed is the
			// clock, the file or the planner.
			header = fmt.Sprintf("The saved plan %s no longer holds: the organization reads as it did when the plan was made, but its manifest now plans other changes (an unmanaged user's grace period may have run out since, or the plan file was edited or made by another wbsync version). What differs now:", path)
		}
		if v := otherVersion(saved.WrittenBy); v != "" {
			header = strings.TrimSuffix(header, ". What differs now:") + v + ". What differs now:"
		}
		sayWhatDiffers(inv, header, lines)
		hint := ""
		if redacted {
			hint = "\n" + redactedPlan
		}
		return nil, fmt.Errorf("refusing to apply a stale plan: plan again and review it: %s%s", replanCommand(saved, path, &f.conn), hint)
	}
	// Not stale: the organization reads as it did and the changes are the
	// saved ones. What is shown and applied is the plan recomputed from the
	// manifest and the organization, so that nothing of the file but what
	// its digest and fingerprint vouch for (seats, warnings, limits as
	// edited by hand) reaches the approver.
	p := now
	if why := saved.SummaryProblem(); why != "" {
		// The changes hold; their summary, which a pipeline may print or
		// label a pull request by, was edited.
		return nil, fmt.Errorf("refusing to apply %s: %s plan again and review it: %s%s", path, why, replanCommand(saved, path, &f.conn), otherVersion(saved.WrittenBy))
	}
	if err := noteManifestEdited(ctx, inv, saved); err != nil {
		return nil, err
	}
	replan := replanCommand(saved, path, &f.conn)
	planAgain.Store(&replan)
	asSaaS := *saved
	asSaaS.Target.Deployment = model.SaaS
	return &applyRun{s: s, p: p, want: want, policy: policy, replan: replan, replanSaaS: replanCommand(&asSaaS, path, &f.conn)}, nil
}

// planFileWarning says when a saved plan whose recorded target.url gets
// the API key (neither --url nor WBSYNC_URL given) could have been written
// by someone else: a file other users may write, or another user's. The
// file's digest is a checksum, not a signature: whoever can write it
// chooses where the key goes. Said, not refused, as a key file readable by
// others is (keyWarning): a shared group's umask makes such files often.
func planFileWarning(path string, fi fs.FileInfo, urlGiven bool) string {
	if urlGiven || !modesTell || fi == nil || !fi.Mode().IsRegular() {
		return ""
	}
	const risk = "and its target.url receives the API key, since neither --url nor WBSYNC_URL is given: whoever can write the file chooses where the key goes. " +
		"Give --url (a plan for another URL is then refused before any request), or "
	switch {
	case othersFile(fi) && !rootsFile(fi): // root may write any file anyway
		return fmt.Sprintf("saved plan %s belongs to another user, %sapply a plan file of your own", path, risk)
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Sprintf("saved plan %s can be written by other users (mode %v), %schmod go-w it", path, fi.Mode().Perm(), risk)
	}
	switch dir, holds := openDir(path); {
	case dir != "" && holds:
		return fmt.Sprintf("saved plan %s is in %s, where any user may replace it (a directory writable by all, without the sticky bit), %skeep the plan in a directory of your own", path, dir, risk)
	case dir != "":
		return fmt.Sprintf("saved plan %s is under %s, where any user may rename the directory that holds it and put another in its place (a directory writable by all, without the sticky bit), %skeep the plan in a directory of your own", path, dir, risk)
	}
	return ""
}

// openDir returns the first directory, from the one that holds path (or
// the file a link at path names) up to the root, in which any user may
// create and rename entries (writable by all, without the sticky bit /tmp
// has), and whether it is the one that holds the file; "" when there is
// none. Above the file's own directory such a directory lets anyone
// rename the one below it and put another, with another plan, in its place.
func openDir(path string) (dir string, holds bool) {
	starts := []string{filepath.Dir(path)}
	// The real directory, from an absolute path: a relative one is read
	// from the working directory, which PWD may name through a link.
	if abs, err := filepath.Abs(path); err == nil {
		if real, err := filepath.EvalSymlinks(abs); err == nil && filepath.Dir(real) != filepath.Dir(abs) {
			starts = append(starts, filepath.Dir(real))
		}
	}
	for _, start := range starts {
		d, err := filepath.Abs(start)
		if err != nil {
			continue
		}
		for first := true; ; first = false {
			if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o002 != 0 && fi.Mode()&fs.ModeSticky == 0 {
				if first {
					return start, true
				}
				return d, false
			}
			parent := filepath.Dir(d)
			if parent == d {
				break
			}
			d = parent
		}
	}
	return "", false
}

// otherVersion says, for the refusal of a saved plan that records the
// version of wbsync that wrote it (by, from the file: shown with control
// characters escaped, cut), that it is not this one: the file may be
// refused for what that version writes otherwise, not for an edit. ""
// when by is this version or none.
func otherVersion(by string) string {
	if by == "" || by == wbsyncVersion() {
		return ""
	}
	return fmt.Sprintf(" (the file was written by wbsync %s; this is wbsync %s: plan again with this version)", sanitize.Server(nil, by, caps.ShownKey), wbsyncVersion())
}

// noteReadWait is how long noteManifestEdited waits for the manifest
// files to be read: the note is advice, and never holds the run longer.
var noteReadWait = 5 * time.Second

// fileOrDir reports whether name is a regular file or a directory: what
// noteManifestEdited may read again without being held (a variable:
// tests stand in one that blocks, as /proc/kmsg does).
var fileOrDir = func(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && (fi.Mode().IsRegular() || fi.IsDir())
}

// noteManifestEdited warns when the manifest files a saved plan was made
// from, read where apply runs, now hold another manifest: apply applies
// the one embedded in the plan file, which the plan shows, and which an
// admin who edited the files since may not expect (a user the edited
// files keep, deactivated by the plan). Files that cannot be read here (another directory,
// standard input, a manifest with problems) say nothing: the plan file is
// what is applied. Only an interrupt is an error.
func noteManifestEdited(ctx context.Context, inv *invocation, saved *plan.File) error {
	files := saved.Desired.Inputs()
	if len(files) == 0 || slices.Contains(files, stdinName) || slices.Contains(files, "-") {
		// Standard input ("-" only in a file edited by hand: the loader
		// reads it as standard input) was read by the plan, not here.
		return nil
	}
	// Only regular files and directories (whose files the loader lists:
	// one added since counts): a named pipe here would hold the run (and
	// the names come from the plan file, which anyone may edit:
	// /dev/zero, a device).
	if slices.ContainsFunc(files, func(name string) bool { return !fileOrDir(name) }) {
		return nil
	}
	// And not for long: a regular file can block too (/proc/kmsg), or be
	// swapped for a named pipe after the check.
	rctx, cancel := context.WithTimeout(ctx, noteReadWait)
	defer cancel()
	m, err := readManifestWithin(rctx, files, caps.ManifestTotal, nil, nil)
	switch {
	case errors.Is(err, errInterrupted) && ctx.Err() != nil:
		return err
	case err != nil || m.Digest() == saved.ManifestDigest:
		return nil
	}
	named := strings.Join(files[:min(len(files), caps.ShownNames)], ", ")
	if len(files) > caps.ShownNames {
		named += fmt.Sprintf(" and %d more", len(files)-caps.ShownNames)
	}
	where := ""
	if dir, err := os.Getwd(); err == nil && slices.ContainsFunc(files, func(f string) bool { return !filepath.IsAbs(f) }) {
		// The names are as the plan was made with them: read from here,
		// they may be other files than the plan's.
		where = ", read from " + dir + ","
	}
	inv.say(zapcore.WarnLevel, fmt.Sprintf("the manifest files this plan was made from (%s)%s hold another manifest now: apply applies the one embedded in the plan file, which the plan shows; to apply the files as they are, plan again",
		sanitize.Controls(named), sanitize.Controls(where)))
	return nil
}

// newlyPlanned reports whether a plan.Staleness line says something the
// saved plan did not have that matters once the plan has no drift left: a
// warning given now ("+ now warned: ..."), or another new line. A change
// planned now ("+ now planned: ...") does not count there: in a plan
// without drift each is an unverified role assertion (a role the server
// does not report, which the saved plan sent as a write), which is not
// drift.
func newlyPlanned(line string) bool {
	return strings.HasPrefix(line, "+") && !strings.HasPrefix(line, "+ now planned: ")
}

// staleness is plan.Staleness, run under await: comparing a saved plan of
// millions of changes takes seconds, and a signal must end the run within
// two. (A variable, so that a test can hold the comparison.)
var staleness = plan.Staleness

// recheck reads the organization again after the approval and refuses,
// with what differs, when the approved plan no longer holds (the
// organization changed while the question waited, or the clock did: an
// unmanaged user's grace period ran out).
func recheck(ctx context.Context, inv *invocation, a *applyRun) error {
	now, err := a.s.computePlan(ctx, a.want, a.policy, a.p.ManifestDigest)
	if errors.Is(err, errInterrupted) {
		return err
	}
	if err != nil {
		return fmt.Errorf("checking the organization again after the approval (nothing was written): %w", err)
	}
	lines, err := await(ctx, func() ([]string, error) { return staleness(a.p, now), nil })
	if err != nil {
		return err
	}
	if len(lines) == 0 {
		return nil
	}
	header := "The organization changed while the question waited: the approved plan no longer holds. What differs now:"
	if a.p.ObservedFingerprint == now.ObservedFingerprint {
		header = "The approved plan no longer holds: the organization reads as it did, but the manifest now plans other changes (an unmanaged user's grace period may have run out while the question waited). What differs now:"
	}
	sayWhatDiffers(inv, header, lines)
	again := "run apply again and review the new plan"
	if a.replan != "" {
		again = "plan again and review it: " + a.replan
	}
	return errors.New("refusing to apply a plan that no longer holds; nothing was written: " + again)
}

// sayWhatDiffers prints why a plan no longer holds: header, then the
// lines plan.Staleness gave, what is now planned first, at most
// caps.Problems of them, each cut to
// what a change of the longest names takes (a saved plan edited by hand
// may hold any number of changes, of any length).
func sayWhatDiffers(inv *invocation, header string, lines []string) {
	inv.say(zapcore.ErrorLevel, header)
	// What would be done now first: a new removal must not hide behind
	// a hundred creates no longer planned. Then what else differs in
	// the organization (~), then the warnings: a hundred new warnings
	// must not hide that the changes are the same.
	const planned, unplanned, other, warned = 0, 1, 2, 3
	order := func(l string) int {
		switch {
		case strings.HasPrefix(l, plan.NowWarned), strings.HasPrefix(l, plan.NoLongerWarned):
			return warned
		case strings.HasPrefix(l, "+"):
			return planned
		case strings.HasPrefix(l, "-"):
			return unplanned
		}
		return other
	}
	lines = slices.Clone(lines)
	slices.SortStableFunc(lines, func(a, b string) int { return order(a) - order(b) })
	for i, line := range lines {
		if i == caps.Problems {
			var n [4]int
			for _, l := range lines[i:] {
				n[order(l)]++
			}
			more := fmt.Sprintf("... and %d more difference(s) (%d now planned or blocked, %d no longer", len(lines)-i, n[planned], n[unplanned])
			if n[other] > 0 {
				more += fmt.Sprintf(", %d the same but for ids or the organization read", n[other])
			}
			if n[warned] > 0 {
				more += fmt.Sprintf(", %d warning(s) that appeared or went away", n[warned])
			}
			inv.sayIndented(zapcore.ErrorLevel, "  ", more+")")
			break
		}
		// Names come from the server and from the file: redacted,
		// escaped, then cut; right-to-left pairs kept in order.
		inv.sayIndented(zapcore.ErrorLevel, "  ", sanitize.LTRArrows(sanitize.Server(inv.redactor(), line, 2*caps.Field)))
	}
}

// execute runs the plan and reports: the report is always printed, also
// when --report cannot be written or the run was interrupted.
func execute(ctx context.Context, inv *invocation, f *flags, o *applyFlags, a *applyRun) (int, error) {
	inv.startWrites()
	// Once interrupted, requests in flight may finish but are not sent
	// again: a retry would be a new write.
	defer context.AfterFunc(ctx, a.s.client.StopRetrying)()
	// A second signal gives up the writes in flight, and waits (briefly)
	// for the report to be saved and printed before it ends the process.
	abandon, reported := make(chan struct{}), make(chan struct{})
	var once sync.Once
	hook := func() <-chan struct{} {
		once.Do(func() { close(abandon) })
		return reported
	}
	writesOver.Store(false)
	abandoning.Store(&hook)
	defer func() {
		abandoning.Store(nil)
		close(reported)
	}()
	rep, runErr := apply.Run(ctx, a.p, a.s.client, apply.Options{
		Abandon:      abandon,
		Concurrency:  f.conn.concurrency,
		BatchSize:    f.conn.batchSize,
		Logger:       a.s.log,
		Progress:     inv.progress(),
		Terminal:     inv.stderrTerminal,
		DrainTimeout: f.conn.timeout,
		Redactor:     inv.redactor(),
	})
	writesOver.Store(true) // what is left is the verification and the report
	if rep == nil {
		return exitError, runErr
	}
	if rep.MultiTenantSaid && a.replanSaaS != "" {
		// The server said it is Multi-tenant Cloud: the plan to make
		// again is that deployment's (a second signal's notice too).
		a.replan = a.replanSaaS
		planAgain.Store(&a.replanSaaS)
	}
	if rep.Requests > 0 {
		// A saved plan is stale once a write was sent: what remains is
		// seen by planning it again. (Before any, it still holds.)
		rep.PlanAgain = a.replan
	}
	var verifyErr error
	switch {
	case runErr == nil && !o.noVerify && rep.KeyRefused():
		// The read would be refused as the writes were.
		rep.Verification = apply.VerifyFailed(apply.NotRun + "the server refused the API key during the run")
	case runErr == nil && !o.noVerify:
		verifyErr = a.verify(ctx, rep)
	case runErr != nil && !o.noVerify:
		// Not read again: what remains is unknown (the next plan shows it).
		rep.Verification = apply.VerifyFailed(apply.NotRun + runErr.Error())
	}
	var fileErr error
	if o.report != "" {
		// Streamed (a report of a million operations is not held whole),
		// escaped and redacted as every output, and written after an
		// interrupt too.
		fileErr = writeAtomic(context.Background(), o.report, privateFile, func(w io.Writer) error {
			rw := inv.redactor().Writer(w)
			if err := rep.WriteJSON(sanitize.JSONWriter(rw)); err != nil {
				return err
			}
			return rw.Flush()
		})
		if fileErr == nil {
			reportSaved.Store(&o.report)
		}
	}
	if err := writeView(inv.stdout, f.format, rep); err != nil {
		// The writes were made: the exit code says how they went, not
		// whether stdout took the report (a closed pipe, a full disk).
		a.s.log.Warn("the report could not be printed whole on stdout (the writes were made: the exit code says how they went)", zap.Error(err))
	} else {
		reportPrinted.Store(true)
	}
	if f.format == "json" {
		logOutcome(a.s.log, rep)
	}
	// An interrupt or a failed verification is the error of the run; a
	// --report that could not be written is said beside it, or the file
	// of an earlier run would pass for this one's.
	// (After a failed verification the writes were made; what remains is
	// unknown: as for changes that remain, exit 4, not 1 "nothing written".)
	warnOutcome := func() {
		a.s.log.Warn(outcomeWarning(rep, rep.PlanAgain), zap.Int("failed", rep.Failed), zap.Int("unknown", rep.Unknown))
	}
	if err := cmp.Or(runErr, verifyErr); err != nil {
		if runErr != nil && rep.PlanAgain != "" {
			err = fmt.Errorf("%w; %s", err, seeWhere(rep.PlanAgain))
		}
		if fileErr != nil {
			err = fmt.Errorf("%w; and --report was not written: %w", err, fileErr)
		}
		if rep.StillAtWork > 0 {
			// The error says to plan: a plan made before the server is done
			// shows those creates not made, and applying it would make them
			// twice. Say to wait first.
			warnOutcome()
		}
		return exitFailed, err
	}
	switch {
	case fileErr != nil:
		return exitFailed, fmt.Errorf("the apply ran, but --report was not written: %w", fileErr)
	case rep.Failed > 0 || rep.Unknown > 0 && !rep.UnknownSettled():
		warnOutcome()
		return exitFailed, nil
	case rep.Verification != nil && (rep.Verification.Remaining > 0 || len(rep.Verification.LeftAlone) > 0):
		return exitFailed, nil
	case rep.Skipped > 0 && o.noVerify:
		// Not all was made (an admin's loss held back), and no read says
		// it is in effect all the same: not a success.
		a.s.log.Warn("some operations were skipped: the report says why", zap.Int("skipped", rep.Skipped))
		return exitFailed, nil
	}
	return exitOK, nil
}

// logOutcome logs, for apply -o json, whose stdout may go to a file a CI
// log never shows, what the text report says: each operation that failed
// (an error) or ended unknown (a warning), at most caps.Problems of them,
// and the verification's verdict, through the logger, so that
// --log-format and --log-level apply.
// Each operation's entry carries its action, user, team (as the report
// names them) and HTTP status as fields, for a log pipeline to group by.
func logOutcome(log *zap.Logger, rep *apply.Report) {
	listed, more := 0, 0
	for o := range rep.Outcomes() {
		if listed++; listed > caps.Problems {
			more++
			continue
		}
		level := zapcore.ErrorLevel
		if o.Status == apply.StatusUnknown {
			level = zapcore.WarnLevel
		}
		fields := []zap.Field{zap.String("action", string(o.Action)), zap.String("status", string(o.Status))}
		if o.User != "" {
			fields = append(fields, zap.String("user", sanitize.Controls(o.User)))
		}
		if o.Team != "" {
			fields = append(fields, zap.String("team", sanitize.Controls(o.Team)))
		}
		if o.HTTPStatus != 0 {
			fields = append(fields, zap.Int("http_status", o.HTTPStatus))
		}
		log.Log(level, o.Line, fields...)
	}
	if more > 0 {
		log.Error(fmt.Sprintf("and %d more operation(s) failed or ended unknown: the JSON report lists each", more))
	}
	// (Skips and the tally are left out: the JSON report holds them.)
	if line := rep.VerifiedLine(); line != "" {
		level := zapcore.InfoLevel
		if !strings.HasPrefix(line, "Verified: the organization matches") {
			level = zapcore.WarnLevel
		}
		log.Log(level, line)
	}
}

// unprinted is err from printing the plan before any write: an output
// that failed (a pipe whose reader stopped, a full disk) says that nothing
// was sent; an interrupt says so itself.
func unprinted(err error) error {
	if errors.Is(err, errInterrupted) {
		return err
	}
	return fmt.Errorf("the plan could not be printed (%w): nothing was written to the organization", err)
}

// outcomeWarning is what apply says last when operations failed or ended
// unknown: a failure needs its cause fixed; an unknown outcome only a look
// (the verification) and another apply. replan is the command that plans a
// saved plan again ("" for manifest files): a saved plan, once applied in
// part, is stale, so the re-run is a new plan.
func outcomeWarning(rep *apply.Report, replan string) string {
	if n := rep.StillAtWork; n > 0 {
		// The verification, read at once, cannot tell whether the server
		// is still making them: applying again now may make them twice.
		wait := fmt.Sprintf("%d create(s) were not sent again because the server may still be making them: wait until it is done with them (longer than its or its gateway's timeout), then %s to see whether they were made, before applying again (a plan made sooner shows them not made, and applying it would make them twice)", n, planAgainText(replan))
		if rep.Failed > 0 {
			return outcomeWarningRest(rep, replan) + "; " + wait
		}
		return "whether some operations were done is unknown, and the verification, read at once, cannot tell for all: " + wait
	}
	return outcomeWarningRest(rep, replan)
}

// outcomeWarningRest is outcomeWarning for a run without creates the
// server may still be at.
func outcomeWarningRest(rep *apply.Report, replan string) string {
	if rep.Failed > 0 {
		fix := "after fixing the cause, "
		if rep.SeatLimitReached {
			// The cause the report names first, thousands of lines up.
			fix = "the organization's seat limit was reached: after freeing seats (deactivate users; this apply's deactivations count from the next apply on) or raising the limit with W&B, "
			if n := rep.SeatLimited(); n > 0 {
				fix = fmt.Sprintf("the organization's seat limit was reached, and %d create(s) or reactivation(s) were not sent: after freeing seats (deactivate users; this apply's deactivations count from the next apply on) or raising the limit with W&B, ", n)
			}
		}
		rerun := fix + "re-run apply"
		if replan != "" {
			rerun = fix + planAgainText(replan) + " and apply that plan"
		}
		if v := rep.Verification; v != nil && v.Unseen > 0 {
			return fmt.Sprintf("some operations failed; %s (a re-run does not send the %d role write(s) the read cannot show: see the verification line)", rerun, v.Unseen)
		}
		return "some operations failed; " + rerun
	}
	if v := rep.Verification; v != nil && v.Unseen > 0 {
		return fmt.Sprintf("whether some operations were done is unknown: the verification says what remains, except the %d role write(s) the read cannot show, which apply again does not send", v.Unseen)
	}
	if replan != "" {
		return "whether some operations were done is unknown: the verification says what remains; " + planAgainText(replan) + " and apply that plan"
	}
	return "whether some operations were done is unknown: the verification says what remains, and apply again converges"
}

// planAgainText says to plan again: with a saved plan's re-plan command
// (replan), which a bare 'wbsync plan' is not.
func planAgainText(replan string) string {
	if replan == "" {
		return "plan again"
	}
	return "plan again (this saved plan is now stale: " + replan + ")"
}

// seeWhere says how to see where the organization stands after a run
// (apply.PlanTo): replan is the saved plan's re-plan command, or "".
func seeWhere(replan string) string { return apply.PlanTo("see where the organization stands", replan) }

// verify reads the organization again, re-plans the same manifest and
// records in the report what still differs (unverified role assertions do
// not count: the read cannot confirm them).
func (a *applyRun) verify(ctx context.Context, rep *apply.Report) error {
	// A plan that could not update externalIds (its read reported none) is
	// verified as it was made: the users it created with one make the
	// server report them now, and the updates it never planned are not
	// what remains of it (the next plan makes them).
	a.s.extIDsUnreported = slices.ContainsFunc(a.p.Warnings, func(w plan.Warning) bool { return w.Code == plan.WarnExternalIDUnreported })
	have, err := a.s.read(ctx)
	var after plan.Plan
	if err == nil {
		after, err = a.s.planAgainst(ctx, have, a.want, a.policy, a.p.ManifestDigest)
	}
	if err != nil {
		why := err.Error()
		if n := rep.Deactivated(); n > 0 && errors.Is(err, scim.ErrUnauthorized) {
			// The key's owner may be among those the last phase
			// deactivated: no write came after to be refused.
			why += apply.KeyLostNote(n)
		}
		if errors.Is(err, errInterrupted) || ctx.Err() != nil {
			why, rep.Interrupted = interrupted, true // not errInterrupted's "nothing was written"
		}
		rep.Verification = apply.VerifyFailed(why)
		return fmt.Errorf("the apply ran (%d write request(s)), but the verification read failed (%s): %s", rep.Requests, why, seeWhere(rep.PlanAgain))
	}
	rep.Verification = apply.Verify(a.p, after, rep.Results, have.state)
	a.warnGoneAfterDeactivation(rep, have.state)
	a.warnNoAdminLeft(rep, have.state)
	return nil
}

// warnNoAdminLeft warns when this run took an organization admin's role
// away (a demotion, or the deactivation of an org admin, done or maybe
// done) and the verification read reports organization roles but no
// active admin. The plan's lastAdmin check counted the admins of its own
// read: another run at the same time, or someone in the UI, may have
// taken the others (the limits and that check hold per run).
func (a *applyRun) warnNoAdminLeft(rep *apply.Report, have model.State) {
	took := slices.ContainsFunc(rep.Results, func(r apply.Result) bool {
		return r.Status != apply.StatusFailed && r.Status != apply.StatusSkipped && r.From == string(model.RoleAdmin) &&
			(r.Action == plan.SetOrgRole || r.Action == plan.DeactivateUser)
	})
	if !took {
		return
	}
	reported := false
	for i := range have.Users {
		u := &have.Users[i]
		role := u.OrgRole.Norm()
		reported = reported || u.OrgRole != ""
		if u.Active && role == model.RoleAdmin {
			return
		}
	}
	if reported {
		a.s.log.Warn("the organization has no active admin now (by the verification read): this run took an admin role away, and its lastAdmin check counted the admins of the plan's read; another run or an admin in the UI may have taken the others meanwhile. Make an admin in W&B; serialize applies (docs/gitops.md)")
	}
}

// warnGoneAfterDeactivation warns, when the plan was for Dedicated Cloud or
// self-managed, of users this run deactivated that the verification read
// no longer lists at all: those keep deactivated users listed, and W&B
// Multi-tenant Cloud is the one that removes a deactivated user from the
// organization for good (which no saas write refused on, to tell, before).
func (a *applyRun) warnGoneAfterDeactivation(rep *apply.Report, have model.State) {
	if a.s.conf.deployment == model.SaaS || rep.Deactivated() == 0 {
		return
	}
	listed := make(map[string]bool, len(have.Users))
	for i := range have.Users {
		listed[have.Users[i].ID] = true
	}
	gone := 0
	for _, res := range rep.Results {
		if res.DeactivatedByServer() && res.UserID != "" && !listed[res.UserID] {
			gone++
		}
	}
	if gone > 0 {
		a.s.log.Warn(fmt.Sprintf("%d user(s) this run deactivated are no longer listed at all, which is how W&B Multi-tenant Cloud deactivates (the user leaves the organization for good), not Dedicated Cloud or self-managed, which this plan was for: if this is Multi-tenant Cloud, plan with --deployment saas (or WBSYNC_DEPLOYMENT=saas) from now on", gone))
	}
}

// planStream is where apply shows the plan: stdout in text mode; stderr
// when stdout carries the JSON report, for people: when apply is going to
// ask on a terminal (prompt), or when stderr carries text (console logs at
// info or debug level). A question asked on a terminal is asked about the
// plan shown there: with stderr redirected (2>apply.log), the plan goes
// to stdout, the terminal the question is on, before the JSON report.
// Else nowhere (nil): JSON logs keep stderr to log entries, and warn or
// error level asks for nothing but trouble.
func planStream(inv *invocation, format string, prompt bool) io.Writer {
	switch {
	case format != "json":
		return inv.stdout
	case prompt && !inv.stderrTerminal:
		return inv.stdout
	case prompt || inv.humanStderr():
		return inv.stderr
	}
	return nil
}

// irreversibleNote is what the question says before it asks, when the
// plan makes changes that cannot be taken back: deactivations on
// Multi-tenant Cloud. Their warnings may be a screen or more above it,
// among the plan's other warnings.
func irreversibleNote(p plan.Plan) string {
	n := plan.Summarize(p.Changes).DeactivateUsers
	if p.Target.Deployment != model.SaaS || n == 0 {
		return ""
	}
	if n == 1 {
		return "1 of these changes deactivates a user on W&B Multi-tenant Cloud: it removes the user from the organization, and SCIM cannot undo it."
	}
	return fmt.Sprintf("%d of these changes deactivate users on W&B Multi-tenant Cloud: each removes the user from the organization, and SCIM cannot undo it.", n)
}

// confirm asks for "yes" on a terminal and refuses without one, saying
// note first (if any). A signal while it waits ends it at once
// (errInterrupted).
func confirm(ctx context.Context, inv *invocation, note string) (bool, error) {
	if !inv.isTerminal {
		return false, usageError{"no terminal to confirm on (the question needs standard input and standard output both on a terminal: one of them is redirected or piped, as with | tee): review the plan (wbsync plan, or the plan above when shown) and pass --auto-approve to apply without asking"}
	}
	if inv.flushInput != nil {
		inv.flushInput() // what was typed before the plan was shown answers nothing
	}
	if note != "" {
		fmt.Fprint(inv.stdout, "\n"+note)
	}
	const question = "Apply these changes? Only 'yes' is accepted: "
	// Stopped at the question (Ctrl-Z) and continued (fg): the question
	// is asked again, on a line of its own, so that the user knows what
	// wbsync waits for. (Set up before the question is asked.)
	defer onContinue(func() {
		fmt.Fprint(inv.stdout, "\n"+question)
		_ = inv.sinks.stdout.Flush()
	})()
	fmt.Fprint(inv.stdout, "\n"+question)
	_ = inv.sinks.stdout.Flush()
	type answer struct {
		line  string
		ended bool
	}
	a, err := await(ctx, func() (answer, error) { l, ended := readLine(inv.stdin); return answer{l, ended}, nil })
	line := a.line
	if inv.flushInput != nil {
		inv.flushInput() // what a long answer left past caps.PromptDrain goes too, never to the shell
	}
	if a.ended {
		// The terminal echoed the line break: a notice or a progress line
		// that follows starts where the cursor is, with no blank line.
		screen.Load().lineEnded()
	}
	if (err != nil || !a.ended) && screen.Load().open() {
		// The cursor is still after the question (unless an interrupt's
		// notice ended the line already).
		fmt.Fprintln(inv.stdout)
	}
	if err != nil {
		return false, err
	}
	// Only a whole line approves: "yes" ended by Ctrl-D (end of input, no
	// line break) was never entered.
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r") == "yes" && strings.HasSuffix(line, "\n"), nil
}

// readLine reads one line from r and returns at most its first
// caps.PromptAnswer bytes (with the line break when the line fits): an
// answer longer than "yes" and a line break approves nothing. The rest of
// a longer line is read and dropped, up to caps.PromptDrain bytes, so
// that it is not left to the shell, which would run it as a command. ended
// says whether the line ended (a line break was read, kept or not: the
// terminal echoed it, and the cursor is at the start of a line).
func readLine(r io.Reader) (line string, ended bool) {
	br := bufio.NewReader(io.LimitReader(r, caps.PromptDrain))
	var kept []byte
	for {
		c, err := br.ReadByte()
		if err != nil {
			return string(kept), false
		}
		if len(kept) < caps.PromptAnswer {
			kept = append(kept, c)
		}
		if c == '\n' {
			return string(kept), true // without its line break when cut: refused
		}
	}
}

// redactedPlan is the likely reason a saved plan that holds the redaction
// marker does not match what it was made from, when plan --out warned so
// (a value may also be "[redacted]" in earnest).
const redactedPlan = "the saved plan holds " + sanitize.Marker + ": if 'plan --out' warned that a value held the API key, or 8 or more characters of it, " +
	"that value was saved redacted (wbsync never writes the key) and the plan cannot be applied as saved: apply the manifest files with -f, or rotate the API key and plan again"

// replanCommand is the command that makes the saved plan at path again:
// its manifest arguments, its target and its deployment. When it cannot
// name every manifest argument the plan file records (more than
// caps.ReplanArgs bytes of them, or one longer than caps.ShownValue, which
// a message would cut), it is printed commented out, saying so: run as
// printed, it would plan a part of the manifest (the users of the others
// unmanaged, deactivated under unmanagedUsers: deactivate) and replace
// the plan file with that plan.
func replanCommand(saved *plan.File, path string, conn *connFlags) string {
	all := saved.Desired.Inputs()
	var inputs []string
	budget := caps.ReplanArgs
	for _, f := range all {
		q := len(shellQuote(f)) // as printed: a message cuts a longer run
		n := q + len(" -f ")
		if q > caps.ShownValue || n > budget {
			break
		}
		budget -= n
		inputs = append(inputs, f)
	}
	args := []string{"wbsync", "plan"}
	for _, f := range inputs {
		if f == stdinName {
			f = "-" // the manifest came on standard input: it must again
		}
		args = append(args, "-f", f)
	}
	// The -f paths are relative to where the plan was made, which need
	// not be where apply runs: the plan file is named absolutely, so that
	// the command, run there, rewrites the file apply was given.
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	args = append(args, "--url", saved.Target.URL, "--deployment", string(saved.Target.Deployment))
	// How this run reached the server, so that the command, run as
	// printed, does too (the key's file, never the key).
	if conn != nil && strings.EqualFold(strings.TrimSpace(conn.auth), "basic") {
		args = append(args, "--auth", "basic")
	}
	if conn != nil && conn.pageSize > 0 && conn.pageSize != caps.PageSize {
		// An organization too large to read in pages of W&B's maximum
		// is read in smaller ones: the re-plan must be too.
		args = append(args, "--page-size", strconv.Itoa(conn.pageSize))
	}
	if conn != nil && conn.apiKeyFile != "" {
		kf := conn.apiKeyFile
		if abs, err := filepath.Abs(kf); err == nil {
			kf = abs
		}
		args = append(args, "--api-key-file", kf)
	}
	args = append(args, "--out", path)
	for i, a := range args {
		args[i] = shellQuote(a)
	}
	cmd := strings.Join(args, " ")
	if len(inputs) < len(all) {
		return fmt.Sprintf("# %s  (not runnable as printed: it names %d of the %d manifest arguments the plan file records in desired.sources, or desired.files, which a message cannot show whole; give them all)",
			cmd, len(inputs), len(all))
	}
	for _, f := range inputs {
		if f == stdinName || filepath.IsAbs(f) {
			continue
		}
		if _, err := os.Lstat(f); err != nil {
			// Run here, the command would not find the manifest (or would
			// plan another): a comment, harmless when pasted, says where.
			return cmd + "  # run in the directory the plan was made in: its -f paths are relative to it, and " + shellQuote(f) + " is not found here"
		}
	}
	return cmd
}

// shellQuote quotes s for a shell when it needs it: '...' as POSIX
// shells read it. A string with a character a terminal or a CI log would
// act on (a line break that starts a log command line, an escape sequence;
// a file name from a saved plan, which anyone may edit) is quoted as
// $'...' instead, on one line, every byte outside printable ASCII written
// as \xNN: bash, zsh and ksh read that back byte for byte in any locale.
// dash does not read $'...' (it reads a $, then '...'): no quote or
// backslash is written inside, so that it still reads one argument.
func shellQuote(s string) string {
	if sanitize.Controls(s) != s {
		var b strings.Builder
		b.WriteString("$'")
		for i := 0; i < len(s); i++ {
			switch c := s[i]; {
			case c == '\\' || c == '\'':
				// As \xNN, not \\ or \': a shell that does not read $'...'
				// (dash) reads '...' after the $, and a \' would end it there.
				fmt.Fprintf(&b, `\x%02x`, c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\t':
				b.WriteString(`\t`)
			case c >= 0x20 && c < 0x7f:
				b.WriteByte(c)
			default:
				fmt.Fprintf(&b, `\x%02x`, c)
			}
		}
		b.WriteByte('\'')
		return b.String()
	}
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
