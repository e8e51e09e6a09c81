package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sethvargo/go-retry"
	"go.uber.org/zap"

	"github.com/wbsync/wbsync/pkg/caps"
)

// retrier runs one call's attempts: what can heal (429, 500, 502, 503, 504,
// transport errors) is sent again after a jittered exponential backoff or
// the wait the server asked for, within the retry budget and at most
// caps.Attempts times; what cannot
// (redirects, an unresolvable host, TLS, other statuses, bodies that do not
// decode) ends at once. A create (POST) that may have been applied is read
// back before it is sent again.
type retrier struct {
	c     *Client
	cl    call
	start time.Time

	attempts int
	last     *Error        // the last attempt's failure
	wait     time.Duration // a server-requested delay for the next attempt
	// maybeApplied: an earlier attempt of this write may have been applied
	// (sent, and its answer lost or one that may follow the work, such as
	// a 500) and no read-back settled it; maybeStatus is the first such
	// answer's status (0: lost)
	maybeApplied bool
	maybeStatus  int
	// readBackEmpty: a create sent and answered ambiguously (by the
	// server: not stillAtWork) was looked up and not found, and sent again; readBackStatus is that answer's
	// status (0: lost). A look-up may lag the write, or compare names
	// otherwise than the server's uniqueness check: a later "exists"
	// (409, or 400, which W&B may answer for a taken name) then says the
	// first attempt may have made it after all.
	readBackEmpty  bool
	readBackStatus int
	// retrying: the last failure was to be tried again; notApplied: a
	// read-back settled that the last attempt did not take effect.
	retrying, notApplied bool
	// outlasted: the last failure would have healed, but the wait the
	// server asked for does not fit the retry budget: a write so failed
	// counts toward the run-wide budget as one failed after retrying.
	outlasted bool
}

// oneAttemptKey marks a context whose requests are sent once (OneAttempt).
type oneAttemptKey struct{}

// OneAttempt returns ctx for requests that are sent once, never retried:
// an optional probe, whose failure decides nothing, must not spend a
// read's retry budget (minutes against a gateway that answers 5xx past
// the end of a list).
func OneAttempt(ctx context.Context) context.Context {
	return context.WithValue(ctx, oneAttemptKey{}, true)
}

type onSendKey struct{}

// OnSend returns ctx for requests that call f as each attempt is sent,
// after its wait for the rate limit or a 429's pause: a caller timing a
// request (doctor's latency) times the exchange, not its turn.
func OnSend(ctx context.Context, f func()) context.Context {
	return context.WithValue(ctx, onSendKey{}, f)
}

// lookedUpNotMade ends the detail of a create that may have followed the
// work (a 5xx) and that a look-up after its last answer found not made:
// failed, not unknown.
const lookedUpNotMade = "; a look-up after the last answer found it not made"

func (r *retrier) run(ctx context.Context, payload []byte) (*reply, error) {
	exp := retry.NewExponential(r.c.backoffBase)
	exp = retry.WithCappedDuration(max(r.c.backoffBase*32, time.Second), exp)
	exp = retry.WithJitterPercent(20, exp)
	b := retry.BackoffFunc(func() (time.Duration, bool) {
		d, stop := exp.Next()
		if stop {
			return 0, true
		}
		d = max(d, r.wait)
		r.wait = 0
		if time.Since(r.start)+d > r.c.maxElapsed || r.attempts >= caps.Attempts || r.c.stopped.Err() != nil || ctx.Value(oneAttemptKey{}) != nil {
			return 0, true
		}
		if r.cl.method != http.MethodGet && r.c.failedInARow.Load() >= caps.FailedInARow {
			return 0, true // the run-wide retry budget of writes is spent: tried once
		}
		r.logRetry(d)
		// The wait happens here rather than in go-retry, so that
		// StopRetrying ends it: a retry waiting to go out is a request
		// not yet sent, which an interrupted apply must not send.
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return 0, false
		case <-r.c.stopped.Done():
			return 0, true
		case <-ctx.Done():
			return 0, true
		}
	})
	var lastErr error // the last attempt's error, as the caller would get it
	rep, err := retry.DoValue(ctx, b, func(ctx context.Context) (*reply, error) {
		r.attempts++
		rep, err := r.c.attempt(ctx, r.cl, payload)
		if interrupted := errors.Is(err, errRetryStopped); interrupted || errors.Is(err, errWritesStopped) || errors.Is(err, errSeatsStopped) {
			// Not sent this time (an interrupt, writes stopped for a
			// refused key, or seats for the seat limit): an earlier
			// attempt's failure stands.
			if lastErr == nil { // never sent
				detail := "not sent: the run was interrupted"
				if !interrupted {
					detail = err.Error()
				}
				return nil, &Error{Method: r.cl.method, Path: r.c.pathOf(r.cl), fatal: true, stopped: interrupted, neverSent: true, Detail: detail}
			}
			var e *Error
			if !interrupted && errors.As(lastErr, &e) {
				// Writes or seats stopped: this attempt never went out,
				// and the request ends on the earlier one's failure, for
				// that reason (not "gave up after N attempts").
				r.attempts--
				r.retrying = false
				if r.notApplied {
					e.Detail = strings.TrimPrefix(e.Detail+"; a look-up after that answer found it not made", "; ")
				}
				e.Detail += "; not tried again: " + strings.TrimPrefix(err.Error(), "not sent: ")
			}
			return nil, lastErr
		}
		lastErr = err
		if err == nil {
			return rep, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		var e *Error
		if !errors.As(err, &e) {
			return nil, err
		}
		r.last = e
		r.notApplied, r.retrying, r.outlasted = false, false, false
		err = r.decide(ctx, err, e)
		if e.unknown && !r.maybeApplied {
			r.maybeApplied, r.maybeStatus = true, e.Status
		}
		return nil, err
	})
	switch {
	case err == nil && r.cl.method != http.MethodGet:
		// A write went through. A read does not count: the look-up after
		// an ambiguous create succeeds against a server that fails every
		// write (a 500 storm), and would give the retries back forever.
		r.c.failedInARow.Store(0)
	case r.cl.method != http.MethodGet && (r.retrying || r.outlasted) && r.c.stopped.Err() == nil && ctx.Err() == nil:
		// Failed with what could have healed, after every attempt allowed
		// (or with a wait beyond the budget: a server asking each write to
		// wait just under the budget would otherwise cost that wait per
		// write, the budget never spent).
		if n := r.c.failedInARow.Add(1); n == caps.FailedInARow {
			r.c.log.Warn("the last writes all failed after retrying: from now on each write is tried once, until a request succeeds",
				zap.Int("writes", int(n)))
		}
	}
	var e *Error
	if err != nil && r.retrying && r.attempts > 1 && r.c.stopped.Err() == nil && ctx.Err() == nil && errors.As(err, &e) {
		// The last attempt's failure alone would hide that the request was
		// tried for a while (logged at info level only).
		e.Detail = strings.TrimPrefix(e.Detail+fmt.Sprintf("; gave up after %d attempts in %s", r.attempts, time.Since(r.start).Round(100*time.Millisecond)), "; ")
		if r.notApplied {
			// A create answered with what may follow the work was looked
			// up after its last answer: say so, or "failed" after a 504
			// leaves the admin wondering whether it was made.
			e.Detail += lookedUpNotMade
		}
		if e.Hint == "" {
			// What to do next, once the retries are spent.
			switch {
			case e.Status == http.StatusTooManyRequests:
				e.Hint = hintGaveUp429
			case e.Status >= 500:
				e.Hint = hintGaveUp5xx
			}
		}
	}
	if err != nil && r.retrying && r.c.stopped.Err() != nil && errors.As(err, &e) {
		// The run was interrupted while this request waited to be tried
		// again. A 429, or a create read back as not applied, was not
		// done; any other failure of a write that was sent may follow the
		// work (a 5xx): unknown.
		e.stopped = true
		mayFollow := r.cl.method != http.MethodGet && e.sent && e.Status != http.StatusTooManyRequests
		if mayFollow && !r.notApplied {
			e.unknown = true
		}
		e.Detail = strings.TrimPrefix(e.Detail+"; not tried again: the run was interrupted", "; ")
		if mayFollow && r.notApplied {
			// Why a 5xx is not unknown here: as above, once the retries
			// are spent.
			e.Detail += lookedUpNotMade
		}
	}
	if err != nil && !r.maybeApplied && r.readBackEmpty && errors.As(err, &e) && !e.unknown &&
		(e.Status == http.StatusConflict || e.Status == http.StatusBadRequest && r.cl.path == "/Groups") {
		// Sent again after a look-up that found nothing, and answered
		// that it exists (a 409; for a team, a 400, which W&B may answer
		// for a taken team name; a user's 400 is a refusal of the request
		// itself): the first attempt may have made it.
		r.maybeApplied, r.maybeStatus = true, r.readBackStatus
	}
	if err != nil && r.maybeApplied && errors.As(err, &e) && !e.unknown && e.Status != http.StatusRequestEntityTooLarge && !r.refusedAsRequest(e) {
		// The last answer is definite, but an earlier attempt may have
		// done the work: the outcome is unknown, not failed. Not so for a
		// 413: the same request is too large whatever the server holds,
		// so the earlier attempt was refused too (and an add chunk can be
		// split); nor for a user create's 400 (refusedAsRequest).
		e.unknown = true
		why := "lost its answer after it was sent"
		if r.maybeStatus != 0 {
			why = fmt.Sprintf("was answered %d, which a server may give after doing the work", r.maybeStatus)
		}
		e.Detail = strings.TrimPrefix(e.Detail+"; an earlier attempt "+why+", so it may have been applied", "; ")
	}
	return rep, err
}

// refusedAsRequest reports whether e, the answer to a user create, is a
// 400: a refusal of the request itself (W&B's taken-name 400 is a
// team's), which the earlier attempts of the same body got too, applied
// by none, as a 413 is.
func (r *retrier) refusedAsRequest(e *Error) bool {
	return e.Status == http.StatusBadRequest && r.cl.method == http.MethodPost && r.cl.path == "/Users"
}

// decide returns err marked retryable when another attempt may heal it.
func (r *retrier) decide(ctx context.Context, err error, e *Error) error {
	if e.Status == http.StatusSwitchingProtocols && r.cl.ambiguous != nil {
		// A create answered 101 (closed unread, never sent again) may
		// have been made: it is looked up, as after a lost answer.
		if rerr := r.readBack(ctx, err, e); rerr != nil {
			return rerr
		}
		return err
	}
	if e.fatal {
		return err
	}
	if e.Status == http.StatusTooManyRequests || e.Status == http.StatusServiceUnavailable {
		d, ok := retryAfter(e.header)
		switch {
		case !ok:
		case r.cl.method != http.MethodGet && r.c.failedInARow.Load() >= caps.FailedInARow:
			// The run-wide budget of writes is spent: this write is not
			// tried again, and holds no request back waiting for it.
		case time.Since(r.start) >= r.c.maxElapsed:
			// The budget is spent (a slow answer came after it ran out):
			// this request gives up as for any other retry ("gave up
			// after N attempts", counted toward the run-wide budget), and
			// its wait holds no other request back.
			r.retrying = true
			return err
		case time.Since(r.start)+d > r.c.maxElapsed:
			// The wait asked for, not the retries made, passes the budget.
			left := max(r.c.maxElapsed-time.Since(r.start), 0).Truncate(time.Second)
			e.Hint = fmt.Sprintf("the server asked to wait %s, beyond the %s left of the retry budget of %s", waitText(d), left, r.c.maxElapsed)
			r.outlasted = true
			return err
		default:
			r.wait = d
			if e.Status == http.StatusTooManyRequests {
				r.c.pause(d) // the server limits the client: all requests wait
			}
		}
	}
	switch {
	case e.Status == http.StatusTooManyRequests:
		return r.again(err)
	case e.Status == 0, mayFollowWork(e.Status):
	default:
		return err
	}
	cl := r.cl
	if cl.method == http.MethodGet || cl.idempotent || !e.sent || e.answered != 0 {
		// (A 2xx whose SCIM error body states the failure: the server
		// itself says it was not done, so a create is sent again without
		// a look-up, whose failure would make it unknown.)
		return r.again(err)
	}
	if cl.ambiguous == nil {
		return err
	}
	if rerr := r.readBack(ctx, err, e); rerr != nil {
		return rerr
	}
	return r.again(err)
}

// readBack looks up what a create sent and answered ambiguously (e, err)
// may have made: errAdopted when it is found, which is used; err with the
// look-up's failure, its outcome unknown, when the look-up fails; err, its
// outcome unknown, when it was not found but the server may still be at it
// (stillAtWork); nil when it was not made (e is then not unknown).
func (r *retrier) readBack(ctx context.Context, err error, e *Error) error {
	adopted, aerr := r.cl.ambiguous(ctx)
	atWork := stillAtWork(e)
	if aerr != nil {
		// Sent, answered with a failure that may follow the work, and the
		// look-up that would tell failed too: the outcome is unknown. Not
		// sent again: when someone stopped waiting (stillAtWork), the
		// server may still be making it, as after an empty look-up.
		e.unknown, e.atWork = true, atWork
		if atWork {
			e.Detail = strings.TrimPrefix(e.Detail+"; "+atWorkNotSent, "; ")
		}
		var ae *Error
		if errors.As(aerr, &ae) {
			e.existing = ae.existing // the look-up found an account it did not take
		}
		return fmt.Errorf("%w; checking whether it was applied: %w", err, aerr)
	}
	if adopted {
		r.c.log.Info("SCIM write's answer did not say whether it was made; a look-up found what it made, which is used",
			zap.String("method", e.Method), zap.String("path", e.Path), zap.String("reason", failureReason(e)),
			zap.Int("attempt", r.attempts))
		return errAdopted
	}
	if atWork {
		// Someone stopped waiting (this side's --timeout, a gateway's
		// 504 or 524), not the server: it may still be at the request
		// and make the user or team after the look-up (a slow backend,
		// a queue at a proxy). Sent again, a server that enforces no
		// unique name (SCIM requires none of a group's displayName) would
		// make a second one once both attempts finish: not sent again,
		// its outcome unknown (the next plan shows whether it was made).
		e.unknown, e.atWork = true, true
		e.Detail = strings.TrimPrefix(e.Detail+"; a look-up found it not made yet, but "+atWorkNotSent+" (once the server is done with it, a plan shows whether it was made)", "; ")
		return err
	}
	// Answered, or cut off by the server: it was done with the request,
	// and the look-up found it not applied.
	e.unknown, r.notApplied = false, true
	if !r.readBackEmpty {
		r.readBackEmpty, r.readBackStatus = true, e.Status
	}
	return nil
}

// atWorkNotSent is what the detail of a create not sent again because the
// server may still be at it (stillAtWork) says, after what its look-up
// found.
const atWorkNotSent = "the server may still be at the request: not sent again, so as not to make it twice"

// stillAtWork reports whether e, the failure of a request that was sent,
// came from someone who stopped waiting for the server rather than from
// the server: this side's --timeout, or a gateway's 504 (or a CDN's 524,
// the origin's answer took too long). The server may still be at it.
func stillAtWork(e *Error) bool {
	return errors.Is(e, errAttemptTimeout) || e.Status == http.StatusGatewayTimeout || e.Status == 524
}

// again marks err to be tried again.
func (r *retrier) again(err error) error {
	r.retrying = true
	return retry.RetryableError(err)
}

// logRetry says at info level what is retried, why, after which attempt
// and how long it waits.
func (r *retrier) logRetry(wait time.Duration) {
	e := r.last
	if e == nil {
		return
	}
	fields := []zap.Field{zap.String("method", e.Method), zap.String("path", e.Path), zap.String("reason", failureReason(e)),
		zap.Int("attempt", r.attempts), zap.Duration("wait", wait.Round(time.Millisecond))}
	if strings.Contains(r.cl.what, " list page at startIndex ") {
		fields = append(fields, zap.String("what", r.cl.what)) // which page of a read
	}
	r.c.log.Info("SCIM request failed; retrying", fields...)
}

// reason says why attempt e failed, for the log.
func failureReason(e *Error) string {
	if e.Status == 0 {
		return e.Detail
	}
	reason := statusLine(e.Status)
	if e.Detail != "" {
		reason += ": " + e.Detail
	}
	return reason
}
