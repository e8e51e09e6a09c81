package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/wbsync/wbsync/pkg/desired"
	"github.com/wbsync/wbsync/pkg/diff"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/observed"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/progress"
	"github.com/wbsync/wbsync/pkg/scim"
)

// session is a connected run: the logger, the configuration and a client.
type session struct {
	log    *zap.Logger
	conf   resolved
	client *scim.Client
	pages  *readProgress // long reads shown as progress
	trace  io.Writer     // --trace: every exchange as JSON Lines (nil: none)
	// memberAt gives where a member with a custom role is written
	// (desired.Manifest.MemberAt); nil for a saved plan's manifest.
	memberAt func(t, m int) string
	// extIDsUnreported: plan as if no live user carried an externalId
	// (diff.Options.ExternalIDsUnreported; set for apply's verification)
	extIDsUnreported bool
	getenv           func(string) string // the environment, for the proxy variables
	clockSaid        bool                // warnClockAhead spoke
}

// connect checks the connection flags, reads the key (from then on every
// output redacts it) and builds a SCIM client; a readOnly client cannot
// write at all.
func connect(ctx context.Context, inv *invocation, f *flags, readOnly bool) (*session, error) {
	log := inv.logger()
	stdLogTarget.Store(log) // what net/http logs goes through the redacting logger
	conf, err := f.conn.resolve(ctx, f, inv.getenv, inv.redactor())
	if err != nil {
		return nil, err
	}
	// The redactor already hides conf.apiKey: run made it from
	// WANDB_API_KEY, and runWith from the key file (with what looks like
	// a key in WANDB_API_KEY).
	for _, w := range conf.warnings {
		log.Warn(w)
	}
	s := &session{log: log, conf: conf, getenv: inv.getenv, pages: &readProgress{p: inv.progress(), bars: map[string]*readBar{}}}
	if f.conn.trace != "" {
		// Overwritten at the first exchange and written as the run goes
		// (a failed run leaves its trace; one that fails before any
		// request leaves an existing file as it was), every line
		// redacted twice: by the client and here.
		path, err := checkOutput(output{"--trace", f.conn.trace, writesOther})
		if err != nil {
			return nil, err
		}
		if fi, err := os.Stat(path); err == nil && othersFile(fi) {
			// Written in place, the trace would stay that user's (root
			// included: no rename replaces it).
			return nil, fmt.Errorf("--trace: %s belongs to another user: written in place, the trace would stay theirs, for them to read; name another file, or remove it first", path)
		}
		create := inv.createTrace
		if create == nil {
			create = openTrace
		}
		inv.trace = &lossWatch{open: func() (io.WriteCloser, error) { return create(path) }, path: f.conn.trace}
		inv.atExit(inv.trace.close)
		s.trace = inv.redactor().UnitWriter(inv.trace)
	}
	// From here a server may be contacted: an error before it (the
	// --trace check above included) is about what the run was given, and
	// shows no value shaped like an API key (hideKeyShapes).
	inv.connecting = true
	if err := s.dial(f, readOnly); err != nil {
		return nil, err
	}
	return s, nil
}

// readProgress shows reads that take more than one page as progress bars,
// one per collection.
type readProgress struct {
	p    *progress.Progress
	mu   sync.Mutex
	bars map[string]*readBar
	// halted: a signal ended the read, which may still be decoding in the
	// background: its pages start no bar
	halted bool
}

type readBar struct {
	bar  *progress.Bar
	read int
}

// page is scim.Config.OnPage.
func (r *readProgress) page(collection string, read, total int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.halted {
		return
	}
	b := r.bars[collection]
	if b == nil { // a read of its own (apply's verification reads again)
		if read >= total {
			return // one page: nothing worth a bar
		}
		// The first page came before the bar: counted, not in the rate.
		b = &readBar{bar: r.p.StartWith("read "+collection, total, read), read: read}
		r.bars[collection] = b
	}
	b.bar.Add(read - b.read)
	b.read = read
	if read >= total {
		b.bar.Done(progress.Thousands(total) + " " + collection)
		delete(r.bars, collection)
	}
}

// stop ends the bars of a read that failed, so that its error is printed on
// a line of its own, not after a stale bar.
func (r *readProgress) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.bars {
		b.bar.Stop() // a bar in r.bars is not done
	}
	clear(r.bars)
}

// halt stops the bars for good: a signal ended the read.
func (r *readProgress) halt() {
	r.stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.halted = true
}

// retarget points the session at t (a saved plan's target).
func (s *session) retarget(t plan.Target, f *flags, readOnly bool) error {
	s.conf.url, s.conf.deployment = t.URL, t.Deployment
	return s.dial(f, readOnly)
}

// dial builds the session's SCIM client for its configuration.
func (s *session) dial(f *flags, readOnly bool) error {
	client, err := scim.New(scim.Config{
		BaseURL:     s.conf.url,
		APIKey:      s.conf.apiKey,
		Auth:        s.conf.auth,
		Deployment:  s.conf.deployment,
		Concurrency: f.conn.concurrency,
		RateLimit:   f.conn.rateLimit,
		Timeout:     f.conn.timeout,
		PageSize:    f.conn.pageSize,
		ReadOnly:    readOnly,
		Logger:      s.log,
		UserAgent:   "wbsync/" + wbsyncVersion(),
		Trace:       s.trace,
		OnPage:      s.pages.page,
		Getenv:      s.getenv,
	})
	if err != nil {
		return usageError{err.Error()}
	}
	s.client = client
	return nil
}

// live is the organization as read, with its fingerprint.
type live struct {
	state       model.State
	fingerprint string
}

// readAttempts is how many times read reads an organization that changes
// while it is read (scim.ErrChanged) before it gives up.
const readAttempts = 3

// read reads the live organization. A read that saw the organization
// change between two of its pages (an SSO login creating a user, another
// admin at work) is made again, up to readAttempts in all: each read is
// whole or fails, never a mix of two. One that found a team without
// members while a user names it (observed.MembersLeftOut) is made again
// once.
func (s *session) read(ctx context.Context) (live, error) {
	type fetched struct {
		state model.State
		fp    string
	}
	leftOutSeen := false
	for attempt := 1; ; attempt++ {
		// The pages that have arrived are decoded and resolved without
		// looking at ctx (a page of millions of members takes seconds):
		// a signal ends the command at once, as it ends Compute.
		f, err := await(ctx, func() (fetched, error) {
			have, fp, err := observed.Fetch(ctx, s.client)
			return fetched{have, fp}, err
		})
		have, fp := f.state, f.fp
		if err == nil {
			s.log.Info("read the live organization", zap.Int("users", len(have.Users)), zap.Int("teams", len(have.Teams)))
			if have.UsersHidden() { // (members counted only then)
				s.log.Warn(fmt.Sprintf("the read lists no user, yet its teams hold %d member(s): the key (or a proxy in between) may not see /Users, and a plan of this read would create users that may exist (doctor's service_accounts check says the same; export writes those teams membership: additive)", teamMembers(have)))
			}
			return live{have, fp}, nil
		}
		if ctx.Err() != nil {
			s.pages.halt() // the read may go on decoding in the background
			return live{}, errInterrupted
		}
		s.pages.stop()
		if team, ok := observed.MembersLeftOut(err); ok {
			// A team emptied or joined between the read of the teams and
			// that of the users reads so once: read again, once, apart
			// from the reads of a changing organization.
			if leftOutSeen {
				return live{}, fmt.Errorf("read the live organization at %s (read twice, and found so both times): %w", s.conf.url, err)
			}
			leftOutSeen = true
			attempt--
			s.log.Warn("a team read without members while a user names it: reading the organization again, in case its members changed while it was read",
				zap.String("team", team))
			continue
		}
		if !errors.Is(err, scim.ErrChanged) {
			return live{}, fmt.Errorf("read the live organization at %s: %w", s.conf.url, err)
		}
		if attempt == readAttempts {
			// Or the server answers a startIndex with what is not there
			// (a page number taken literally), every time.
			return live{}, fmt.Errorf("read the live organization at %s (%d reads, each of which saw it change: if nothing changes it that fast, the server may not answer startIndex as RFC 7644 says; doctor's paging check tells): %w",
				s.conf.url, readAttempts, scim.ReadAgain(err))
		}
		s.log.Warn("the organization changed while it was read: reading it again",
			zap.Int("attempt", attempt+1), zap.Int("of", readAttempts), zap.String("change", scim.ReadAgain(err).Error()))
	}
}

// teamMembers counts the distinct members of st's teams (by id, else by
// the name the server gave), for the warning of a read whose users are
// hidden (model.State.UsersHidden), where none is a listed user.
func teamMembers(st model.State) int {
	seen := map[string]bool{}
	for _, t := range st.Teams {
		for _, m := range t.Members {
			seen[cmp.Or(m.UserID, "\x00"+m.Email)] = true
		}
	}
	return len(seen)
}

// clockAhead is how far this machine's clock may run ahead of the
// server's (by its Date header) before a plan that deactivates unmanaged
// users after a grace period says so; clocks kept by NTP differ by less
// than a second.
const clockAhead = 5 * time.Minute

// warnClockAhead says, once, that the grace period is measured against a
// clock ahead of the server's: users the server created within the grace
// period then look older than they are, and may be planned for
// deactivation (irreversible on Multi-tenant Cloud). The grace period
// stays measured against this machine's clock, as documented.
func (s *session) warnClockAhead(policy model.Policy) {
	lag, ok := s.client.ServerLag()
	if !ok || lag > -clockAhead || s.clockSaid || policy.UnmanagedUsers != model.UnmanagedDeactivate || policy.UnmanagedGracePeriod <= 0 {
		return
	}
	s.clockSaid = true
	s.log.Warn("this machine's clock is "+model.Rough(-lag)+" ahead of the server's (by its Date header), and the grace period of unmanaged users (policy.unmanagedGracePeriod) is measured against this machine's clock: a user the server created within the grace period may look older than it and be planned for deactivation; check this machine's clock",
		zap.Duration("ahead", -lag))
}

// planAgainst checks the manifest's custom team roles against the server
// and plans want against what was read.
func (s *session) planAgainst(ctx context.Context, have live, want model.State, policy model.Policy, digest string) (plan.Plan, error) {
	unchecked, err := s.checkRoles(ctx, want)
	if err != nil {
		return plan.Plan{}, err
	}
	s.warnClockAhead(policy)
	opts := diff.Options{Deployment: s.conf.deployment, Now: time.Now(), CustomRolesUnchecked: unchecked, ExternalIDsUnreported: s.extIDsUnreported, TeamNameProblem: desired.TeamNameProblem, UsernameProblem: desired.UsernameProblem}
	// Compute takes seconds at the largest sizes: a signal meanwhile ends
	// the command at once, as it ends the read.
	p, err := await(ctx, func() (plan.Plan, error) { return diff.Compute(want, have.state, policy, opts), nil })
	if err != nil {
		return plan.Plan{}, err
	}
	p.ManifestDigest = digest
	p.ObservedFingerprint = have.fingerprint
	p.Target = plan.Target{URL: s.conf.url, Deployment: s.conf.deployment}
	return p, nil
}

// checkRoles refuses, before any write, custom team roles the target cannot
// take: any custom role on Multi-tenant Cloud, and on Dedicated Cloud or
// Self-Managed one that the server's /Roles does not list. /Roles is read
// only when the manifest declares a custom role; a server without it (404)
// leaves them unchecked (a warning in the plan); any other failure fails.
func (s *session) checkRoles(ctx context.Context, want model.State) (unchecked bool, err error) {
	if len(diff.CustomRoleNames(want)) == 0 {
		return false, nil
	}
	var (
		names   []string
		checked bool
	)
	if s.conf.deployment != model.SaaS {
		if names, checked, err = s.customRoles(ctx); err != nil {
			return false, err
		}
		unchecked = !checked
	}
	// A signal ends the check at once, as it ends Compute: against a
	// server that lists many roles its "did you mean"s take a while.
	_, err = await(ctx, func() (struct{}, error) {
		return struct{}{}, diff.CheckRoles(want, s.conf.deployment, names, checked, s.memberAt)
	})
	if errors.Is(err, errInterrupted) {
		return false, err
	}
	if err != nil {
		return false, fmt.Errorf("the manifest's team roles cannot be applied; nothing was written:\n%w", err)
	}
	return unchecked, nil
}

// customRoles lists the server's custom team roles (/Roles, on Dedicated
// Cloud and Self-Managed): checked is false when the server has no /Roles
// (404); any other failure is an error (a 403 with the client's hint for
// /Roles).
func (s *session) customRoles(ctx context.Context) (names []string, checked bool, err error) {
	roles, err := s.client.ListRoles(ctx)
	switch {
	case errors.Is(err, scim.ErrNotFound):
		return nil, false, nil
	case err != nil:
		if ctx.Err() != nil {
			return nil, false, errInterrupted
		}
		return nil, false, fmt.Errorf("read the custom roles at %s/Roles: %w", s.conf.url, err)
	}
	for _, r := range roles {
		names = append(names, r.Name)
	}
	return names, true, nil
}

// computePlan reads the live org and plans want against it.
func (s *session) computePlan(ctx context.Context, want model.State, policy model.Policy, digest string) (plan.Plan, error) {
	have, err := s.read(ctx)
	if err != nil {
		return plan.Plan{}, err
	}
	return s.planAgainst(ctx, have, want, policy, digest)
}

// loadAndPlan loads the manifest, then connects, reads the live organization
// and plans. Loading first keeps the peak memory at the manifest parser's
// own: the YAML tree is garbage before the read's records arrive (measured
// at 100k users, reading while parsing saved little time on two cores and
// cost about 2.5 KB per user of peak memory; BENCHMARKS.md).
func loadAndPlan(ctx context.Context, inv *invocation, f *flags, readOnly bool) (*desired.Manifest, *session, plan.Plan, error) {
	m, err := loadManifest(ctx, f.files, inv)
	if err != nil {
		return nil, nil, plan.Plan{}, err
	}
	s, err := connect(ctx, inv, f, readOnly)
	if err != nil {
		return nil, nil, plan.Plan{}, err
	}
	s.memberAt = m.MemberAt
	if s.conf.deployment == model.SaaS {
		// Custom roles are refused on Multi-tenant Cloud whatever the
		// organization holds: say so before reading it.
		if _, err := s.checkRoles(ctx, m.State); err != nil {
			return nil, nil, plan.Plan{}, err
		}
	}
	have, err := s.read(ctx)
	if err != nil {
		return nil, nil, plan.Plan{}, err
	}
	p, err := s.planAgainst(ctx, have, m.State, m.Policy, m.Digest())
	if err != nil {
		return nil, nil, plan.Plan{}, err
	}
	for _, n := range m.Unreviewable {
		// Said on stderr too, but the reviewer reads the plan.
		p.Warnings = append(p.Warnings, plan.Warning{Code: plan.WarnManifestUnreviewable, Message: n.String()})
	}
	return m, s, p, nil
}

// lossWatch is an output written as the run goes (--trace), opened at its
// first write, that remembers its first failure, so that the run cannot
// end in success on output that was lost.
type lossWatch struct {
	open func() (io.WriteCloser, error)
	path string
	mu   sync.Mutex
	w    io.WriteCloser // nil until the first write
	err  error
}

func (l *lossWatch) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return 0, l.err
	}
	if l.w == nil {
		if l.w, l.err = l.open(); l.err != nil {
			l.w = nil
			return 0, l.err
		}
	}
	n, err := l.w.Write(p)
	if err != nil {
		l.err = err
	}
	return n, err
}

// close closes the file, when it was opened.
func (l *lossWatch) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w != nil {
		_ = l.w.Close()
	}
}

// lost returns the first failed write as an error naming the output, or
// nil.
func (l *lossWatch) lost() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		return nil
	}
	return fmt.Errorf("--trace %s: the trace was not written whole: %w", l.path, l.err)
}

// openTrace opens the --trace file p, which checkOutput resolved and
// checked: 0600 less the umask, not os.Create's 0666 (a trace holds every
// body of the run, the organization's names and emails whole, and is made
// to be attached to a bug report). The file may have been swapped since
// the check: it is never opened through a link, nor kept (nor emptied)
// when it is then another user's file.
func openTrace(p string) (io.WriteCloser, error) {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|noFollow, 0o600)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || othersInSticky(p, fi) || othersFile(fi) {
		f.Close()
		return nil, fmt.Errorf("%s became another user's file after it was checked: written in place, the trace would stay theirs", p)
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
