package scim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/wbsync/wbsync/pkg/caps"
)

// call is one logical request; do retries it as its kind allows.
type call struct {
	method string
	path   string // relative to the base path, escaped: "/Users/" + url.PathEscape(id)
	query  string // encoded query, without "?"
	body   any
	// what names the response body for decode errors: "the created user".
	what string
	// list marks a collection read (a 404 then hints at the base URL).
	list bool
	// idempotent marks a write that is safe to send again after a transport
	// error or a 500/502/503/504 (GETs always are).
	idempotent bool
	// ambiguous is called, for a non-idempotent write, after a failure that
	// may have been applied (transport error after sending, 500, 502, 503,
	// 504): true means the effect was found and adopted, so do returns
	// errAdopted instead of sending again.
	ambiguous func(ctx context.Context) (bool, error)
	// read, when set, streams a 2xx body (capped at the list cap) instead of
	// reading it whole into reply.body.
	read func(r io.Reader) error
	// bodyCap overrides the cap of a whole body (0: the default cap).
	bodyCap int64
	// guard reads a whole body through a list page's JSON bounds
	// (newJSONGuard): a body the list cap allows, held whole, is refused
	// at the first over-long blank run or string rather than grown to the
	// cap (a few kilobytes of gzip make 60 MiB of blanks).
	guard bool
	// seat marks a write that takes a seat (a user create, a
	// reactivation): StopSeatWrites ends it unsent while it waits.
	seat bool
	// skipBody marks a write whose 2xx answer is not used (a PATCH): only
	// its first bytes are looked at, for a SCIM error message, and the
	// rest is drained unread (W&B answers a Group PATCH with the whole
	// group: megabytes for a team of tens of thousands).
	skipBody bool
	// hold, when set, is called once the answer's headers have come and
	// before its body waits for a body slot, with the attempt's timer
	// stopped (waiting does not count against --timeout): a list page
	// takes one of Client.unplaced there, so that the slots are always
	// taken in one order (requests, unplaced, bodies) and none is waited
	// for while a later one is held. A failed attempt calls unhold, so
	// that a retry holds nothing through its backoff; a successful one
	// keeps what hold took, for the caller to give back.
	hold   func(ctx context.Context) error
	unhold func()
}

// reply is a 2xx answer.
type reply struct {
	status int
	header http.Header
	body   []byte // nil when call.read consumed it
}

// errAdopted is returned by do when call.ambiguous adopted the effect.
var errAdopted = errors.New("adopted after an ambiguous failure")

// do sends the call with retries, a fresh backoff per call.
func (c *Client) do(ctx context.Context, cl call) (*reply, error) {
	var payload []byte
	if cl.body != nil {
		var err error
		if payload, err = json.Marshal(cl.body); err != nil {
			return nil, fmt.Errorf("encode %s %s: %w", cl.method, cl.path, err)
		}
	}
	r := retrier{c: c, cl: cl, start: time.Now()}
	return r.run(ctx, payload)
}

// errRetryStopped is what attempt returns for a retry StopRetrying kept
// from being sent.
var errRetryStopped = errors.New("not sent again: the run was interrupted")

// errWritesStopped is what attempt returns for a write StopWrites kept
// from being sent.
var errWritesStopped = errors.New("not sent: the server refused the API key on an earlier write")

// errSeatsStopped is what attempt returns for a write that takes a seat
// StopSeatWrites kept from being sent.
var errSeatsStopped = errors.New("not sent: the organization's seat limit was reached on an earlier write")

// attempt sends the call once. It waits for its turn, a 429's pause and
// the rate limit only until StopRetrying (a write: or StopWrites), and is
// not sent after it: a request not yet sent when the run is interrupted is
// never sent.
func (c *Client) attempt(ctx context.Context, cl call, payload []byte) (*reply, error) {
	wait, stopWait := context.WithCancel(ctx)
	defer stopWait()
	defer context.AfterFunc(c.stopped, stopWait)()
	write := cl.method != http.MethodGet
	if write {
		defer context.AfterFunc(c.writesStopped, stopWait)()
	}
	if cl.seat {
		defer context.AfterFunc(c.seatsStopped, stopWait)()
	}
	// stoppedErr is why a wait ended that ctx did not end.
	stoppedErr := func() error {
		switch {
		case c.stopped.Err() == nil && write && c.writesStopped.Err() != nil:
			return errWritesStopped
		case c.stopped.Err() == nil && cl.seat && c.seatsStopped.Err() != nil:
			return errSeatsStopped
		}
		return errRetryStopped
	}
	select {
	case c.sem <- struct{}{}:
	case <-wait.Done():
		if ctx.Err() == nil {
			return nil, stoppedErr()
		}
		return nil, ctx.Err()
	}
	defer func() { <-c.sem }()
	for {
		if d := c.paused(); d > 0 {
			// A 429 asked this client to wait: every request does.
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-wait.Done():
				t.Stop()
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				return nil, stoppedErr()
			}
		}
		if err := c.limiter.Wait(wait); err != nil {
			switch {
			case ctx.Err() != nil:
				return nil, ctx.Err()
			case wait.Err() != nil:
				return nil, stoppedErr()
			}
			return nil, fmt.Errorf("%s %s: wait for the rate limit: %w", cl.method, c.pathOf(cl), err)
		}
		// A 429 that came while this request waited for its turn (or one
		// that made the pause longer) holds it back too: it is sent only
		// once no pause is on, its turn taken again after the pause.
		if c.paused() <= 0 {
			break
		}
	}
	if c.stopped.Err() != nil || write && c.writesStopped.Err() != nil || cl.seat && c.seatsStopped.Err() != nil {
		return nil, stoppedErr()
	}
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	timer := time.AfterFunc(c.timeout, func() { cancel(errAttemptTimeout) })
	defer timer.Stop()

	var sent atomic.Bool
	tctx := httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) { sent.Store(i.Err == nil) },
	})
	raw := c.base.String() + cl.path
	if cl.query != "" {
		raw += "?" + cl.query
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(tctx, cl.method, raw, rd)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", cl.method, c.pathOf(cl), err)
	}
	req.Header.Set("Accept", "application/scim+json, application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	if f, ok := ctx.Value(onSendKey{}).(func()); ok {
		f()
	}
	began := time.Now()
	resp, err := c.http.Do(req)
	spent := time.Since(began)
	// The request's own time: sending it, its headers, and reading its
	// body, not the wait for a body slot between them.
	took := spent
	defer func() { countTime(ctx, took) }()
	if cl.method != http.MethodGet && (err == nil || sent.Load()) {
		countWrite(ctx)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if context.Cause(actx) == errAttemptTimeout {
			err = errAttemptTimeout
		}
		return nil, c.transportError(cl, err, sent.Load())
	}
	if !c.answered.Load() {
		c.answered.Store(true)
	}
	c.noteDate(resp.Header, time.Now())
	if resp.StatusCode < 200 {
		return nil, c.switched(cl, resp)
	}
	if resp.StatusCode != http.StatusTooManyRequests {
		c.heed(cl, resp.Header) // a 429's own wait is the retry's (retrier.decide)
	}

	// The body takes one of caps.BodySlots, so that at most that many
	// bodies are in memory whatever the concurrency, and what is left of
	// the attempt's timeout once the headers came (a tenth of it at least,
	// for a body that came with headers sent late): waiting for a slot
	// does not count, but a server that sends its headers late cannot make
	// a request last twice --timeout. The slot is given back only
	// after the body is closed, since closing a traced body encodes its
	// capture (up to caps.TraceBody) into the trace.
	timer.Stop()
	if cl.hold != nil {
		if err := cl.hold(ctx); err != nil {
			resp.Body.Close()
			return nil, err
		}
	}
	select {
	case c.bodies <- struct{}{}:
	case <-ctx.Done():
		resp.Body.Close()
		if cl.unhold != nil {
			cl.unhold()
		}
		return nil, ctx.Err()
	}
	defer func() {
		resp.Body.Close()
		<-c.bodies
	}()
	timer.Reset(max(c.timeout-spent, c.timeout/10))
	reading := time.Now()
	r, err := c.readBody(actx, cl, resp)
	took += time.Since(reading)
	if err != nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err == nil {
		if err = c.notDone(cl, r.status); err != nil {
			r = nil
		}
	}
	if err != nil {
		if cl.unhold != nil {
			cl.unhold()
		}
		return nil, err
	}
	if !c.accepted.Load() {
		c.accepted.Store(true) // a 2xx whose body passed its checks
	}
	return r, nil
}

// switched is the error of an answer with a final 1xx status: the only one
// net/http returns is 101 Switching Protocols (it reads past the others),
// and with it the raw connection as the body, which neither the attempt's
// timeout nor a cancel interrupts. It is closed unread. wbsync sends no
// Upgrade, so a proxy or server that switches protocols is no SCIM API
// wbsync can read: the error is not retried, and a write so answered may
// have been made (unknown).
func (c *Client) switched(cl call, resp *http.Response) error {
	resp.Body.Close()
	e := &Error{Method: cl.method, Path: c.pathOf(cl), Status: resp.StatusCode, fatal: true, sent: true,
		unknown: cl.method != http.MethodGet,
		Detail:  "the server switched the connection to another protocol, which wbsync never asks for (it sends no Upgrade header); the answer was not read",
		Hint:    hintSwitched}
	if resp.StatusCode < 100 { // "HTTP/1.1 000 X": no status at all
		e.Detail = fmt.Sprintf("the server's status line holds status %03d, which is no HTTP status (100 to 599); the answer was not read", resp.StatusCode)
		e.Hint = ""
	}
	return e
}

// writesKey keys the counter CountWrites puts in a context.
type writesKey struct{}

// writes is what CountWrites counts.
type writes struct {
	n    atomic.Int64 // write requests sent
	took atomic.Int64 // nanoseconds in requests, from sending to the answer read
}

// CountWrites returns ctx carrying a new counter of the write requests sent
// under it (every attempt that went out: retries, and an update's one
// PATCH per attribute, included; the GETs of a look-up are not writes),
// and a function that reads it, with the time every request made under
// ctx took (look-ups included), from sending it to reading its answer:
// waits for a turn (the rate limit, the concurrency, a 429's pause, a
// slot to read the body in) and the backoff between attempts are not in
// it. apply counts its requests and times its operations so.
func (c *Client) CountWrites(ctx context.Context) (context.Context, func() (int, time.Duration)) {
	w := new(writes)
	return context.WithValue(ctx, writesKey{}, w), func() (int, time.Duration) {
		return int(w.n.Load()), time.Duration(w.took.Load())
	}
}

// adoptKey keys the flag NoteAdoption puts in a context.
type adoptKey struct{}

// NoteAdoption returns ctx carrying a new flag, and a function that reads
// it: true once a create made with ctx was answered that the user or team
// exists (409) and the existing one was taken as created (an info line
// says so too). apply's report marks such creates "adopted".
func (c *Client) NoteAdoption(ctx context.Context) (context.Context, func() bool) {
	return withFlag(ctx, adoptKey{})
}

// notFoundKey keys the flag NoteNotFound puts in a context.
type notFoundKey struct{}

// NoteNotFound returns ctx carrying a new flag, and a function that reads
// it: true once a removal or deactivation made with ctx was answered 404
// and taken as done (the member or user was gone already), so that
// apply's report can tell it from one the server made.
func (c *Client) NoteNotFound(ctx context.Context) (context.Context, func() bool) {
	return withFlag(ctx, notFoundKey{})
}

// withFlag returns ctx carrying a new flag under key, and a function that
// reads it; raise sets it.
func withFlag(ctx context.Context, key any) (context.Context, func() bool) {
	f := new(atomic.Bool)
	return context.WithValue(ctx, key, f), f.Load
}

// raise sets the flag withFlag put in ctx under key, if any.
func raise(ctx context.Context, key any) {
	if f, ok := ctx.Value(key).(*atomic.Bool); ok {
		f.Store(true)
	}
}

// notedNotFound sets the flag NoteNotFound put in ctx, if any, for err,
// a 404 taken as done; not when an earlier attempt may have done the work
// (its answer lost: the 404 is then its own doing).
func notedNotFound(ctx context.Context, err error) {
	var e *Error
	if errors.As(err, &e) && e.OutcomeUnknown() {
		return
	}
	raise(ctx, notFoundKey{})
}

// countWrite counts one write request in ctx's counter, if it has one.
func countWrite(ctx context.Context) {
	if w, ok := ctx.Value(writesKey{}).(*writes); ok {
		w.n.Add(1)
	}
}

// countTime adds d, a request's time, to ctx's counter, if it has one.
func countTime(ctx context.Context, d time.Duration) {
	if w, ok := ctx.Value(writesKey{}).(*writes); ok {
		w.took.Add(int64(d))
	}
}

// utf8BOM is a byte order mark, which RFC 8259 §8.1 lets a reader ignore
// at the start of a JSON body (servers on .NET send one). readBody and
// skipReply drop it before anything looks at the body.
var utf8BOM = []byte("\xef\xbb\xbf")

// finalStatus reports whether an answer of status is the end of its
// request: not retried (the retrier retries a 429 and the statuses that
// may follow work, mayFollowWork).
func finalStatus(status int) bool {
	return status != http.StatusTooManyRequests && !mayFollowWork(status)
}

// readBody reads (or, for call.read, streams) the answer's body under its
// cap and classifies anything but a 2xx.
func (c *Client) readBody(ctx context.Context, cl call, resp *http.Response) (*reply, error) {
	status := resp.StatusCode
	if status < 200 || status > 299 {
		var body []byte
		if status < 300 || status > 399 {
			cr := &capReader{r: resp.Body, max: c.body, declared: -1} // classified on its first bytes, whatever its length
			b, err := io.ReadAll(cr)
			if err != nil && !cr.over {
				if ctx.Err() != nil && context.Cause(ctx) != errAttemptTimeout || !finalStatus(status) {
					return nil, c.bodyError(ctx, cl, resp, cr, err)
				}
				// The status line is the answer (a 401 is a 401 whatever
				// its body): a body that cannot be read (gzip declared
				// and not sent, cut short, stalled past the attempt's
				// timeout) does not make it a dropped connection, retried
				// and then said without its status. (An interrupt still
				// ends the run as one.)
				e := c.checkResponse(cl, resp, nil)
				if se := (*Error)(nil); errors.As(e, &se) && se.Detail == "" {
					se.Detail = "its body could not be read (" + c.safe(err.Error()) + ")"
				}
				return nil, e
			}
			body = bytes.TrimPrefix(b, utf8BOM) // an error body over the cap is classified on its first bytes
		}
		return nil, c.checkResponse(cl, resp, body)
	}
	if cl.method == http.MethodGet && status != http.StatusOK {
		// wbsync sends no Range: a read answered 206 Partial Content, or
		// with no content, is not a whole answer, and a partial read is
		// an error, never part of an organization.
		return nil, &Error{Method: cl.method, Path: c.pathOf(cl), Status: status, fatal: true,
			Detail: "a read must be answered 200 OK with the whole resource or page"}
	}
	ctype := resp.Header.Get("Content-Type")
	htmlErr := &Error{Method: cl.method, Path: c.pathOf(cl), Status: status, Detail: "HTML body", Hint: c.baseURLHint(hintHTML), fatal: true}
	if cl.method != http.MethodGet {
		// A write answered 2xx probably took effect, whatever the body:
		// its outcome is unknown, not failed (and the URL answered SCIM
		// to the reads before it).
		htmlErr.unknown, htmlErr.Hint = true, ""
		htmlErr.Detail += " (the server answered " + strconv.Itoa(status) + ": whether the change was made is unknown; the next plan shows it)"
	}
	if cl.read != nil {
		cr := &capReader{r: resp.Body, max: c.listBody, declared: resp.ContentLength}
		br := bufio.NewReaderSize(newJSONGuard(cr), errorPeek)
		head, _ := br.Peek(errorPeek)
		if bytes.HasPrefix(head, utf8BOM) {
			_, _ = br.Discard(len(utf8BOM))
			head, _ = br.Peek(errorPeek)
		}
		if looksHTML(ctype, head) {
			if !cl.list {
				htmlErr.Hint = "" // a later page: the URL answered SCIM before
			}
			return nil, htmlErr
		}
		// A SCIM error message answered with a 2xx is a failed read, never
		// an empty list (it may well carry totalResults 0). Error messages
		// are short: one that fits the first bytes is classified by the
		// status it states, as a write's is; a longer one fails the list
		// decoder on its top-level schemas (errErrorList). A record that
		// merely holds the schema's name is data.
		if len(head) < errorPeek && bytes.Contains(head, []byte(schemaError)) {
			if err := c.errorBody(cl, resp, head); err != nil {
				return nil, err
			}
		}
		if err := cl.read(br); err != nil {
			return nil, c.bodyError(ctx, cl, resp, cr, err)
		}
		return &reply{status: status, header: resp.Header}, nil
	}
	if cl.skipBody {
		return c.skipReply(ctx, cl, resp, ctype, htmlErr)
	}
	limit := c.body
	if cl.bodyCap > 0 {
		limit = cl.bodyCap
	}
	cr := &capReader{r: resp.Body, max: limit, declared: resp.ContentLength}
	var r io.Reader = cr
	if cl.guard {
		r = newJSONGuard(cr)
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, c.bodyError(ctx, cl, resp, cr, err)
	}
	body = bytes.TrimPrefix(body, utf8BOM)
	if len(bytes.TrimSpace(body)) > 0 && looksHTML(ctype, body) {
		return nil, htmlErr
	}
	if err := c.errorBody(cl, resp, body); err != nil {
		return nil, err
	}
	return &reply{status: status, header: resp.Header, body: body}, nil
}

// notDone returns the error of a write answered with a 2xx that does not
// say the change was made (202 Accepted: queued; 206, 207), or nil. Its
// outcome is unknown, never ok, and it is not sent again: it may yet be
// made. It is asked of an answer readBody passed, so a body that states
// an error was classified before, as that error.
func (c *Client) notDone(cl call, status int) error {
	if cl.method == http.MethodGet || saysDone(status) {
		return nil
	}
	return &Error{Method: cl.method, Path: c.pathOf(cl), Status: status, fatal: true, unknown: true,
		Detail: "the server answered " + strconv.Itoa(status) + ", which does not say the change was made (200, 201 and 204 do)"}
}

// skipReply reads the 2xx answer of a call.skipBody write: its first
// bytes, checked as any answer's (HTML, a SCIM error message; one that
// names the error schema is read on to the usual cap), then the rest,
// drained unread so that the connection is reused, up to the list cap (W&B
// answers a Group PATCH with the whole group, megabytes for a large team).
// A body longer than that is over a cap as any other: the write's outcome
// is unknown (it was answered 2xx), never done.
func (c *Client) skipReply(ctx context.Context, cl call, resp *http.Response, ctype string, htmlErr *Error) (*reply, error) {
	write := cl.method != http.MethodGet && saysDone(resp.StatusCode)
	head, err := io.ReadAll(io.LimitReader(resp.Body, errorPeek))
	if err != nil {
		if write {
			// Answered as done, but not whether its body states an
			// error: not sent again (each attempt would be answered so,
			// and read as far), its outcome unknown.
			return nil, &Error{Method: cl.method, Path: c.pathOf(cl), Status: resp.StatusCode, fatal: true, unknown: true,
				Detail: "the server answered " + strconv.Itoa(resp.StatusCode) + ", but its first bytes " + c.brokeOff(ctx, err) + ": whether the change was made is unknown; the next plan shows it"}
		}
		return nil, c.transportError(cl, err, true)
	}
	if len(head) == errorPeek && bytes.Contains(head, []byte(schemaError)) {
		// Possibly a long error message: read as any answer is, to its cap.
		cr := &capReader{r: resp.Body, max: c.body - errorPeek, declared: -1}
		rest, err := io.ReadAll(cr)
		if err != nil {
			return nil, c.bodyError(ctx, cl, resp, cr, err)
		}
		head = append(head, rest...)
	}
	head = bytes.TrimPrefix(head, utf8BOM)
	if len(bytes.TrimSpace(head)) > 0 && looksHTML(ctype, head) {
		return nil, htmlErr
	}
	if err := c.errorBody(cl, resp, head); err != nil {
		return nil, err
	}
	cr := &capReader{r: resp.Body, max: max(c.listBody-int64(len(head)), 0), declared: -1}
	if _, err := io.Copy(io.Discard, cr); err != nil {
		if cr.over {
			cr.max = c.listBody // the message names the cap, not what was left of it
			return nil, c.bodyError(ctx, cl, resp, cr, err)
		}
		if !write {
			return nil, c.transportError(cl, err, true)
		}
		// Answered as done, and its first bytes state no error: done.
		// The rest (a large team, on a slow link) is not waited for,
		// nor the write sent again to be answered so once more.
		c.log.Debug("SCIM write answered as done; the rest of its answer, unused, was not read to its end",
			zap.String("method", cl.method), zap.String("path", c.safe(c.pathOf(cl))), zap.Int("status", resp.StatusCode),
			zap.String("why", c.brokeOff(ctx, err)))
	}
	return &reply{status: resp.StatusCode, header: resp.Header}, nil
}

// brokeOff says how a body's reading ended early: the per-request
// timeout, or the error err.
func (c *Client) brokeOff(ctx context.Context, err error) string {
	if context.Cause(ctx) == errAttemptTimeout {
		return "did not arrive within the per-request timeout"
	}
	return "broke off (" + c.safe(err.Error()) + ")"
}

// errorPeek is how much of a list answer is looked at for a SCIM error
// message before it is decoded as a list.
const errorPeek = caps.ErrorPeek

// errorBody returns the error a 2xx body states when it is a SCIM error
// message, or nil: classified as the error it says it is (a 409 is a taken
// name, a seat limit is a seat limit), as if sent with that status.
func (c *Client) errorBody(cl call, resp *http.Response, body []byte) error {
	detail, bodyStatus, ok := scimErrorBody(body)
	switch {
	case !ok:
		return nil
	case bodyStatus >= 400 && bodyStatus <= 599:
		as := *resp
		as.StatusCode, as.Status = bodyStatus, statusLine(bodyStatus)
		err := c.checkResponse(cl, &as, body)
		if e := (*Error)(nil); errors.As(err, &e) {
			// The server itself says the write failed, whatever the
			// status it states (a proxy writes no SCIM error): not done.
			e.answered, e.unknown = resp.StatusCode, false
		}
		return err
	}
	return &Error{Method: cl.method, Path: c.pathOf(cl), Status: resp.StatusCode, fatal: true,
		Detail: "a success status with a SCIM error body: " + c.safe(detail)}
}

// schemaError is the schema of a SCIM error message (RFC 7644, 3.12).
const schemaError = "urn:ietf:params:scim:api:messages:2.0:Error"

// scimErrorBody reports whether a 2xx body is a SCIM error message, with
// its detail and the status it states (0 when none parses): a write
// answered so did not take effect, whatever the status line says.
func scimErrorBody(body []byte) (detail string, status int, ok bool) {
	if !bytes.Contains(body, []byte(schemaError)) {
		return "", 0, false
	}
	var msg struct {
		Schemas []string        `json:"schemas"`
		Detail  json.RawMessage `json:"detail"`
		Status  json.RawMessage `json:"status"`
	}
	if json.Unmarshal(body, &msg) != nil || !slices.Contains(msg.Schemas, schemaError) {
		return "", 0, false
	}
	if json.Unmarshal(msg.Detail, &detail) != nil {
		detail = string(msg.Detail) // not a string: shown as sent (made safe by the caller)
	}
	var s string
	if json.Unmarshal(msg.Status, &s) != nil {
		s = string(msg.Status) // RFC 7644 says a string; a number is taken too
	}
	status, _ = strconv.Atoi(strings.TrimSpace(s))
	return detail, status, true
}

// capReader reads at most max bytes: one more is errBodyTooLarge. It keeps
// the underlying read error, so that a body cut by the network is told
// from one that does not decode.
type capReader struct {
	r   io.Reader
	max int64
	// declared is the answer's Content-Length (-1: none): one over max
	// is over the cap before a byte is read, so that a server that
	// announces more than wbsync reads and then stops sending is refused
	// at once, not retried as a connection that broke off.
	declared int64
	n        int64
	over     bool
	err      error
}

// errBodyTooLarge is what a capReader returns past its cap.
var errBodyTooLarge = errors.New("response body over the cap")

func (c *capReader) Read(p []byte) (int, error) {
	if c.n == 0 && c.declared > c.max {
		c.over = true
	}
	if c.over {
		return 0, errBodyTooLarge
	}
	if room := c.max + 1 - c.n; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		c.over = true
		return n - int(c.n-c.max), errBodyTooLarge
	}
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}
