package scim

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
)

// The classifier: every answer that is not a success becomes an error here,
// once, with its kind decided; callers branch with errors.Is and errors.As.

// scimError is the SCIM Error body; status is a string on W&B.
type scimError struct {
	Detail   string          `json:"detail"`
	ScimType string          `json:"scimType"`
	Status   json.RawMessage `json:"status"`
	Message  string          `json:"message"`
}

// checkResponse turns a non-2xx answer (body already read, capped) into an
// error: *Error, or *RateLimitError for a 429.
func (c *Client) checkResponse(cl call, resp *http.Response, body []byte) error {
	e := &Error{Method: cl.method, Path: c.pathOf(cl), Status: resp.StatusCode, header: resp.Header, sent: true}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return c.redirectError(e, resp)
	}
	var raw string     // the server's own words, for the kind checks only
	afterSCIM := false // an HTML page from a URL that answered SCIM in this run
	switch {
	case looksHTML(resp.Header.Get("Content-Type"), body):
		// A page an outage or a proxy serves is not about the URL, nor
		// is any page once the URL has answered SCIM in this run.
		e.Detail, e.Hint = "HTML body", c.baseURLHint(hintHTML)
		switch {
		case resp.StatusCode >= 500:
			e.Hint = hintHTMLOutage
		case c.accepted.Load():
			e.Hint, afterSCIM = hintHTMLAfterSCIM, true
		}
	default:
		var se scimError
		t := strings.TrimSpace(string(body))
		if err := json.Unmarshal(body, &se); err == nil {
			raw = se.Detail
			if raw == "" {
				raw = se.Message
			}
			e.Detail, e.ScimType = c.safe(raw), c.safe(se.ScimType)
			if raw == "" && se.ScimType == "" && otherKeys(body) {
				// JSON in another shape ({"error": "Seat limit reached"},
				// with or without a status): the body itself is the
				// server's words.
				raw = t
				e.Detail = "body: " + c.safe(string(unescapeASCII([]byte(t))))
			}
		} else if t != "" {
			raw = t
			label := "non-JSON body: "
			if t[0] == '{' {
				label = "malformed JSON body (cut at the cap, or broken): " // a SCIM error too long for the cap ends cut
			}
			e.Detail = label + c.safe(string(unescapeASCII([]byte(t)))) // an escaped key is redacted too
		}
	}
	low := strings.ToLower(raw) // what the server says, for the hints below
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		e.Hint = hint401
		if c.bearer && c.deployment != model.SaaS && !c.accepted.Load() {
			e.Hint += hint401Bearer
		}
	case http.StatusForbidden:
		switch {
		case cl.method != http.MethodGet && c.accepted.Load():
			// The key has read the organization: a write refused is
			// more likely about the change than about the key.
			e.Hint = hint403Write
		case c.deployment == model.SaaS:
			e.Hint = hint403 + hint403SaaS + ": " + hintUseAdmin
		default:
			e.Hint = hint403 + ": " + hintUseAdmin
		}
	case http.StatusNotFound:
		if cl.list && !afterSCIM {
			e.Hint = c.baseURLHint(hintBaseURL)
		}
	case http.StatusBadRequest:
		switch {
		case c.base.Scheme == "http" && plainToTLS(low):
			e.Hint = hintPlainToTLS // Go's and nginx's answers on a TLS port
		case cl.list && c.pageSize > 100 && !strings.Contains(cl.query, "filter="):
			e.Hint = fmt.Sprintf(hintPageSize, c.pageSize)
		}
	case http.StatusPreconditionFailed:
		e.Hint = hint412
	}
	if mayFollowWork(resp.StatusCode) {
		e.unknown = cl.method != http.MethodGet
	}
	// What the server says it is decides over the status's generic hint.
	switch {
	case strings.Contains(low, "seat limit reached"):
		e.kind, e.Hint = kindSeatLimit, hintSeat
	case resp.StatusCode == http.StatusBadRequest && strings.Contains(low, "reactivation operations are not supported"):
		e.kind = kindReactivation
		if c.deployment != model.SaaS && strings.Contains(low, "saas cloud") {
			e.Hint = hintSaaSServer // W&B's words: "... not supported in SaaS Cloud"
		}
	case resp.StatusCode == http.StatusBadRequest && c.deployment != model.SaaS && strings.Contains(low, "not supported in saas cloud"):
		e.Hint = hintSaaSServer
	case resp.StatusCode == http.StatusForbidden && cl.method == http.MethodGet:
		// A read refused is the key refused: what the server says of the
		// key names the cause. (A write refused may be about the change:
		// it keeps the hint set above.)
		switch forbiddenCause(low) {
		case kindTeamScoped:
			e.kind, e.Hint = kindTeamScoped, hintTeamScoped
		case kindNotAdmin:
			e.kind, e.Hint = kindNotAdmin, hintNotAdmin
			if c.deployment == model.SaaS {
				e.Hint = hintNotAdminSaaS
			}
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		wait, _ := retryAfter(resp.Header)
		return &RateLimitError{Err: e, Wait: wait}
	}
	return e
}

// plainToTLS reports whether a 400's body (lower-cased) is a TLS server's
// answer to a plain HTTP request (Go's "Client sent an HTTP request to an
// HTTPS server", nginx's "The plain HTTP request was sent to HTTPS port").
func plainToTLS(low string) bool {
	return strings.Contains(low, "http request to an https server") || strings.Contains(low, "plain http request was sent to https port")
}

// forbiddenCause is the cause a 403's message (lower-cased) gives for
// refusing the key, as W&B words it ("Keys from team-scoped service
// accounts cannot authenticate to the SCIM API"; "every SCIM request must
// be authenticated as an admin principal"), or kindNone: a message that
// only mentions an admin or a team-scoped account names no cause.
func forbiddenCause(low string) errKind {
	says := func(words ...string) bool {
		return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(low, w) })
	}
	switch {
	case says("team-scoped", "team scoped") && says("authenticat", "key"):
		return kindTeamScoped
	case says("authenticated as an admin", "authenticated as an organization admin", "authenticated as an org admin", "not an admin", "not an org admin", "not an organization admin",
		"must be an admin", "must be an org admin", "must be an organization admin"):
		return kindNotAdmin
	}
	return kindNone
}

// otherKeys reports whether the JSON object body holds a key besides the
// SCIM error's own (schemas, status, detail, message, scimType).
func otherKeys(body []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return false
	}
	for k := range m {
		switch strings.ToLower(k) {
		case "schemas", "status", "detail", "message", "scimtype":
		default:
			return true
		}
	}
	return false
}

// mayFollowWork reports whether a write answered with status may still
// have been done: a server error (500) or a gateway's answer for an origin
// that failed or took too long (502, 504, and the 520–527 of a CDN such as
// Cloudflare), and a 503: a server that is down says so before doing
// anything, but a proxy in front of it (Envoy's "upstream connect error
// or disconnect/reset before headers") answers 503 after it passed the
// request on, and the write may be done.
func mayFollowWork(status int) bool {
	switch {
	case status == http.StatusInternalServerError, status == http.StatusBadGateway, status == http.StatusServiceUnavailable, status == http.StatusGatewayTimeout:
		return true
	case status >= 520 && status <= 527:
		return true
	}
	return false
}

// redirectError refuses a 3xx answer, naming where it pointed.
func (c *Client) redirectError(e *Error, resp *http.Response) *Error {
	e.fatal, e.Hint = true, hintRedirect
	loc := resp.Header.Get("Location")
	if loc == "" && resp.Header.Get(badLocation) != "" {
		e.Detail = "redirected to an unparsable Location (not shown: it may carry credentials)"
		return e
	}
	if loc == "" && resp.StatusCode == http.StatusNotModified {
		// No redirect: an answer to a question wbsync never asks.
		e.Detail, e.Hint = "an answer for a cached copy, to a request that asked for none", hintNotModified
		return e
	}
	if loc == "" {
		e.Detail = "redirected without a Location"
		e.Hint = hintRedirectNowhere
		return e
	}
	u, err := url.Parse(loc)
	if err != nil {
		e.Detail = "redirected to an unparsable Location (not shown: it may carry credentials)"
		return e
	}
	if resp.Request != nil && resp.Request.URL != nil {
		u = resp.Request.URL.ResolveReference(u)
		if samePlace(u, c.base) {
			// Pointed at the base URL given (a gateway that sends every
			// path to its root): what it names is --url already.
			e.Hint = hintRedirectToBase
			e.Location = c.safe(locationText(u, c.red))
			e.Detail = "redirected to " + e.Location + ", the base URL given"
			return e
		}
		if sameResource(u, resp.Request.URL) {
			// Pointed back at what was asked: no other URL to give.
			e.Hint = hintRedirectLoop
			e.Location = c.safe(locationText(u, c.red))
			e.Detail = "redirected to " + e.Location + ", the URL it was asked for"
			return e
		}
		// A redirect of /scim/Users/ID to https://other/scim/Users/ID
		// points at a resource, which --url refuses: the base it implies
		// is what to give.
		// (A trailing slash after the resource is the same resource.)
		at := strings.TrimSuffix(u.EscapedPath(), "/")
		if res, ok := strings.CutPrefix(resp.Request.URL.EscapedPath(), c.base.EscapedPath()); ok && res != "" && strings.HasSuffix(at, res) {
			base := *u
			base.RawPath, base.RawQuery, base.Fragment = "", "", ""
			base.Path = strings.TrimSuffix(at, res)
			if p, err := url.PathUnescape(base.Path); err == nil {
				base.Path = p
			}
			e.Hint = "wbsync never follows redirects: fix --url (the server pointed to the base URL " + c.safe(locationText(&base, c.red)) + ", if you trust it)"
			if samePlace(&base, c.base) { // the query is cleared from base
				// The base it implies is the one given (the Location
				// dropped or changed only the query, or added a slash):
				// no other URL to give.
				e.Hint = hintRedirectLoop
			}
		}
	}
	e.Location = c.safe(locationText(u, c.red))
	e.Detail = "redirected to " + e.Location
	return e
}

// samePlace reports whether URLs a and b name one place: one origin
// (scheme, host and port, a default port written out or not), the path
// but for a trailing slash (the query is not compared).
func samePlace(a, b *url.URL) bool {
	return originOf(a) == originOf(b) && // a default port written out or not
		strings.TrimSuffix(a.EscapedPath(), "/") == strings.TrimSuffix(b.EscapedPath(), "/")
}

// sameResource reports whether a resolved Location u names the URL asked
// for (req): scheme and host compared as URLs compare them, the path as
// sent but for a trailing slash (which --url cannot take either), and the
// query as sent.
func sameResource(u, req *url.URL) bool { return samePlace(u, req) && u.RawQuery == req.RawQuery }

// errAttemptTimeout is the cause of an attempt's context when its
// per-request timeout ran out.
var errAttemptTimeout = errors.New("no complete answer within the per-request timeout")

// transportError builds the Error for a failure below HTTP. sent says
// whether the request may have reached the server.
func (c *Client) transportError(cl call, err error, sent bool) *Error {
	err = unwrapURLError(err)
	e := &Error{Method: cl.method, Path: c.pathOf(cl), Detail: c.safe(err.Error()), Err: err, sent: sent}
	switch {
	case errors.Is(err, errAttemptTimeout):
		e.Hint = hintTimeout
	case errors.Is(err, io.ErrUnexpectedEOF):
		e.Hint = hintCutOff
	case errors.Is(err, io.EOF):
		e.Hint = hintClosed
	}
	// net/http gives a reset as text only, so the words are matched.
	reset := strings.Contains(err.Error(), "connection reset")
	if c.proxied && (e.Hint != "" || reset) {
		// The proxy may be what stalled, closed or reset, even before
		// the server was reached (a tunnel never answered).
		e.Hint = strings.TrimPrefix(e.Hint+"; "+hintThroughProxy(proxyVars(c.base.Scheme)), "; ")
	}
	if c.base.Scheme == "http" && !c.accepted.Load() && (errors.Is(err, io.EOF) || reset) {
		// A TLS port closes or resets a plain HTTP request unanswered
		// (a server that has answered a request 2xx in this run is not
		// one).
		e.Hint = strings.TrimPrefix(e.Hint+"; "+hintPlainToTLS, "; ")
	}
	var (
		dns     *net.DNSError
		cv      *tls.CertificateVerificationError
		ua      x509.UnknownAuthorityError
		hn      x509.HostnameError
		ci      x509.CertificateInvalidError
		rh      tls.RecordHeaderError
		alrt    tls.AlertError
		proxied *proxyRefusal
	)
	switch {
	case errors.Is(err, ErrReadOnly):
		// The transport of a read-only client refused to send a write.
		e.fatal = true
	case malformedHTTP(err):
		// The answer is not HTTP (a header line with a control byte, a bad
		// status line): Go quotes the line, which may hold a Location's
		// password or query. Not shown, and not asked again: the server
		// answers so every time.
		e.fatal, e.Err, e.Detail = true, nil, malformedAnswer
	case errors.As(err, &proxied):
		// The tunnel refused: retried when the proxy's answer may pass.
		e.fatal = !proxied.heals()
		e.Hint = hintProxyRefused(proxied, proxyVars(c.base.Scheme), c.safe(c.base.Hostname()))
	case errors.As(err, &dns) && dns.IsNotFound && viaProxy(err):
		e.fatal, e.Hint = true, hintProxyDNS(c.safe(dns.Name), proxyVars(c.base.Scheme))
	case errors.As(err, &dns) && dns.IsNotFound:
		e.fatal, e.Hint = true, hintDNS(c.safe(dns.Name))
	case viaProxy(err) && refusedText(err):
		// The proxy the environment names refused the connection: it
		// may come back (retried), and --url is not what to check.
		e.Hint = hintProxyRefusedConn(proxyVars(c.base.Scheme))
	case refused(err) && !c.answered.Load():
		// Refused before anything at the URL answered: nothing listens
		// there, as kubectl says at once. (Refused after an answer is a
		// server restarting, which heals: retried.)
		e.fatal, e.Hint = true, hintRefused(c.safe(hostPort(c.base)))
	case errors.As(err, &cv), errors.As(err, &ua), errors.As(err, &hn), errors.As(err, &ci),
		errors.As(err, &rh), errors.As(err, &alrt):
		e.fatal, e.Hint = true, hintTLS
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		// net/http's own words for a TLS handshake answered in plain HTTP
		// (an http port behind an https:// URL): it answers so every time.
		e.fatal, e.Hint = true, hintNotTLS
	case strings.Contains(err.Error(), "server response headers exceeded"),
		strings.Contains(err.Error(), "response header list larger than advertised limit"):
		// Over caps.ResponseHeaders (net/http's words, over HTTP/1 and
		// HTTP/2): the server answers so every time. (An HTTP/2 server
		// that instead resets the stream with PROTOCOL_ERROR is retried
		// as any connection error.)
		e.fatal, e.Hint = true, hintHugeHeaders
	}
	e.unknown = sent && cl.method != http.MethodGet
	return e
}

// refused reports whether err is a connection the peer refused, as the
// net package words ECONNREFUSED (this package touches no syscall): on
// Linux and macOS "connection refused", on Windows "... actively refused
// it." A refusal by an HTTPS_PROXY is a "proxyconnect", not a dial: the
// proxy may come back, and the host to name would be another.
func refused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" && refusedText(err)
}

// refusedText reports whether err's innermost network error is a refused
// connection, in the net package's words.
func refusedText(err error) bool {
	var op *net.OpError
	if !errors.As(err, &op) || op.Err == nil {
		return false
	}
	s := op.Err.Error()
	return strings.HasSuffix(s, "connection refused") || strings.Contains(s, "actively refused")
}

// viaProxy reports whether err is a failure to reach the proxy the
// environment names (net/http's "proxyconnect").
func viaProxy(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "proxyconnect"
}

// hostPort is u's host and port, the scheme's default port when u names
// none (what the dial was refused at).
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// bodyError builds the Error for a response body that did not read or
// decode: too large (never retried), cut by the network or the timeout (a
// transport error), or malformed.
func (c *Client) bodyError(ctx context.Context, cl call, resp *http.Response, cr *capReader, err error) error {
	status := resp.StatusCode
	switch {
	case cr.over:
		// A write the server answered 2xx probably took effect, but what
		// it made is not known: its outcome is unknown, not failed.
		done := cl.method != http.MethodGet && status >= 200 && status <= 299
		e := &Error{Method: cl.method, Path: c.pathOf(cl), Status: status, fatal: true, unknown: done, unread: done && saysDone(status),
			Detail: "response body larger than " + strconv.FormatInt(cr.max, 10) + " bytes: refusing it"}
		if cr.declared > cr.max && cr.n == 0 {
			e.Detail = "response body announced as " + strconv.FormatInt(cr.declared, 10) + " bytes (Content-Length), more than the " + strconv.FormatInt(cr.max, 10) + " wbsync reads: refusing it unread"
		}
		switch {
		case cl.read != nil && !strings.Contains(cl.query, "filter="): // a list page, any of them
			e.Hint = pageBodyHint(cl.path, c.pageSize)
		case cl.method == http.MethodGet && strings.HasPrefix(cl.path, "/Groups/"): // a team read alone
			e.Hint = hintTeamTooLarge
		}
		return e
	case !cl.idempotent && cl.method != http.MethodGet && status >= 200 && status <= 299 && (context.Cause(ctx) == errAttemptTimeout || cr.err != nil):
		// A create answered as done whose body broke off: it is not sent
		// again (it would be made twice), and its outcome is unknown. (A
		// PATCH is retried: it is safe to repeat.)
		how := c.brokeOff(ctx, cr.err)
		return &Error{Method: cl.method, Path: c.pathOf(cl), Status: status, fatal: true, unknown: true, unread: saysDone(status),
			Detail: "the server answered " + strconv.Itoa(status) + ", but the rest of its answer " + how + ": whether the change was made is unknown; the next plan shows it"}
	case context.Cause(ctx) == errAttemptTimeout:
		return c.transportError(cl, errAttemptTimeout, true)
	case cr.err != nil:
		return c.transportError(cl, cr.err, true)
	}
	return c.decodeErr(cl, status, resp.Header, err)
}

// pageBodyHint is what a list page larger than wbsync reads suggests: a
// smaller --page-size (teams come with all their members, so an
// organization of many large teams fills a page of W&B's maximum), or,
// at a page of one team, that the team is too large to read.
func pageBodyHint(path string, pageSize int) string {
	teams := strings.HasSuffix(path, "/Groups")
	switch {
	case pageSize > 1 && teams:
		return fmt.Sprintf(hintPageBody, pageSize, ", teams with all their members,", max(1, pageSize/10))
	case pageSize > 1:
		return fmt.Sprintf(hintPageBody, pageSize, "", max(1, pageSize/10))
	case teams:
		return hintTeamTooLarge
	}
	return ""
}

// saysDone reports whether a write's status says the change was made (200,
// 201, 204; a 202 says it was queued).
func saysDone(status int) bool {
	return status == http.StatusOK || status == http.StatusCreated || status == http.StatusNoContent
}

// decodeErr names what did not decode, in which request; header is the
// answer's.
func (c *Client) decodeErr(cl call, status int, header http.Header, err error) *Error {
	e := &Error{Method: cl.method, Path: c.pathOf(cl), Status: status, fatal: true, Err: err,
		Detail: "decode " + cl.what + ": " + c.safe(err.Error())}
	if cl.method != http.MethodGet && status >= 200 && status <= 299 {
		// The write was answered as done, in a form not understood: it
		// probably took effect, so its outcome is unknown, not failed.
		e.unknown, e.unread = true, saysDone(status)
		e.Detail += " (the server answered " + strconv.Itoa(status) + ": whether the change was made is unknown; the next plan shows it)"
	}
	// A read that is not SCIM may be the wrong URL; a write's answer
	// follows reads that were SCIM, so the URL is not in question, and
	// neither is it for a list whose record is malformed (recordError):
	// the body is a SCIM list.
	var se *json.SyntaxError
	var re *recordError
	if cl.method == http.MethodGet && (errors.Is(err, errNotList) || errors.Is(err, errSyntax) || errors.As(err, &se)) && !errors.As(err, &re) {
		e.Hint = c.baseURLHint(hintBaseURL)
	}
	// net/http decodes the gzip it asks for and then drops the header:
	// one left names an encoding nobody asked for, which is why the body
	// does not decode, whatever the URL.
	if enc := header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		e.Hint = fmt.Sprintf(hintEncoded, c.safe(enc))
	}
	return e
}

// pathOf is the request's path for messages, redacted (ids come from the
// server).
func (c *Client) pathOf(cl call) string { return c.red.String(c.base.EscapedPath() + cl.path) }

// malformedAnswer describes an answer net/http refused as not HTTP,
// without quoting it.
const malformedAnswer = "the server's answer is not valid HTTP (a malformed status or header line, not shown: it may carry credentials)"

// malformedHTTP reports whether err is net/http's refusal of an answer
// that is not HTTP (a textproto.ProtocolError, or for some of them only a
// message).
func malformedHTTP(err error) bool {
	var proto textproto.ProtocolError
	if errors.As(err, &proto) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"malformed HTTP", "malformed MIME header",
		// net/http's refusals of the answer's framing: the body's length
		// cannot be known, so no answer of this server can be read.
		"bad Content-Length", "multiple Content-Length headers", "unsupported transfer encoding",
		// a chunk-size line or trailers without end
		"header line too long", "suspiciously long trailer"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// unwrapURLError drops the *url.Error wrapper (it repeats the URL).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// retryAfter reads Retry-After (seconds, or an HTTP date, counted from the
// answer's own Date when it has one) or RateLimit-Reset (seconds).
func retryAfter(h http.Header) (time.Duration, bool) {
	if h == nil {
		return 0, false
	}
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if d, ok := seconds(v); ok {
			return d, true
		}
		if t, err := http.ParseTime(v); err == nil {
			// A date is a time on the server's clock: the wait is from
			// the answer's own Date, when it has one, so that a clock
			// apart from this machine's asks for the wait it means.
			now := time.Now()
			if d, err := http.ParseTime(h.Get("Date")); err == nil {
				now = d
			}
			return min(max(t.Sub(now), 0), maxServerWait), true
		}
	}
	if v := strings.TrimSpace(h.Get("RateLimit-Reset")); v != "" {
		if d, ok := seconds(v); ok {
			return d, true
		}
	}
	return 0, false
}

// windowSpent reads the rate-limit headers W&B sends (RateLimit-Remaining,
// RateLimit-Reset, seconds): how long until the server's window resets
// when the answer says no request is left in it, and whether it says so.
// A Remaining that is not a count, or a Reset that is not a number of
// seconds, says nothing.
func windowSpent(h http.Header) (time.Duration, bool) {
	left := strings.TrimSpace(h.Get("RateLimit-Remaining"))
	if left == "" || strings.TrimLeft(left, "0") != "" {
		return 0, false // not zero, or not a count
	}
	d, ok := seconds(strings.TrimSpace(h.Get("RateLimit-Reset")))
	return d, ok && d > 0
}

// maxServerWait bounds a wait the server asks for: caps.ServerWaitSeconds.
const maxServerWait = caps.ServerWaitSeconds * time.Second

// seconds converts a server-supplied count of seconds (decimal digits,
// as HTTP's delay-seconds; a fraction, which HTTP does not allow but some
// servers send, counts as the next whole second: waiting less than asked
// would meet the same refusal), at most maxServerWait, however many
// digits it has.
func seconds(v string) (time.Duration, bool) {
	whole, frac, fractional := strings.Cut(v, ".")
	if fractional {
		if whole == "" || strings.TrimLeft(frac, "0123456789") != "" {
			return 0, false
		}
		d, ok := seconds(whole)
		if ok && strings.Trim(frac, "0") != "" {
			d = min(d+time.Second, maxServerWait)
		}
		return d, ok
	}
	if v == "" || strings.TrimLeft(v, "0123456789") != "" {
		return 0, false
	}
	v = strings.TrimLeft(v, "0")
	const most = int(maxServerWait / time.Second)
	if len(v) > len(strconv.Itoa(most)) {
		return maxServerWait, true
	}
	n, _ := strconv.Atoi(v) // "" (all zeros) is 0
	return time.Duration(min(n, most)) * time.Second, true
}

// waitText says how long the server asked to wait, "a year or more" for a
// wait bounded at maxServerWait (it may have asked for far more).
func waitText(d time.Duration) string {
	if d >= maxServerWait {
		return "a year or more"
	}
	return d.Round(time.Second).String()
}

// looksHTML says whether an answer is an HTML page (a login page, a proxy's
// error page): its body starts with '<', or its Content-Type says HTML and
// its body does not start as a JSON object or array does ('{' then '"' or
// '}', '[' then a value or ']'): a server that labels its JSON text/html
// is read as JSON, a page that starts "[an error occurred" is HTML.
func looksHTML(ctype string, body []byte) bool {
	t := strings.TrimSpace(string(body[:min(len(body), 64)]))
	if strings.HasPrefix(t, "<") {
		return true
	}
	if !strings.Contains(strings.ToLower(ctype), "html") {
		return false
	}
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		rest := strings.TrimLeft(t[1:], " \t\r\n")
		if rest == "" {
			return false // too short to tell: read as JSON, which decides
		}
		if t[0] == '{' {
			return rest[0] != '"' && rest[0] != '}'
		}
		return !strings.ContainsRune(`{["-0123456789tfn]`, rune(rest[0]))
	}
	return true
}
