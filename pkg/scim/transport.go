package scim

import (
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/wbsync/wbsync/pkg/sanitize"
)

// origin is a URL's scheme, host and port, compared to decide where the key
// may go.
type origin struct {
	scheme, host, port string
}

// originOf returns u's origin: scheme and host lower-cased, the default
// port of the scheme filled in.
func originOf(u *url.URL) origin {
	o := origin{scheme: strings.ToLower(u.Scheme), host: strings.ToLower(u.Hostname()), port: u.Port()}
	if o.port == "" {
		switch o.scheme {
		case "https":
			o.port = "443"
		case "http":
			o.port = "80"
		}
	}
	return o
}

// transport sets the auth header (only towards the base URL's origin) and
// the agent header, logs each exchange at debug level (method, path, status
// and duration, never headers or bodies) and, when tracing, records it.
type transport struct {
	next   http.RoundTripper
	auth   string
	origin origin
	ua     string
	log    *zap.Logger
	red    *sanitize.Redactor
	trace  *tracer // nil: off
	// readOnly: only GET and HEAD are sent; any other method fails with
	// ErrReadOnly before anything leaves, whichever method of the client
	// asked (each write checks too: this is the backstop).
	readOnly bool
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.readOnly && req.Method != http.MethodGet && req.Method != http.MethodHead {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, ErrReadOnly
	}
	// net/http sends a request again by itself, on another connection,
	// when the one it used failed before any answer: below this wrapper,
	// the rate limit and the client's retries. It does so for a write only
	// when nothing of it went out (or, over HTTP/2, when the server said
	// it did not take it), and for a GET or HEAD also after the request
	// went out: the server may then have received it twice. Each
	// connection an attempt got is noted, so that the log and the trace say
	// so for a GET or HEAD.
	var mu sync.Mutex
	var attempts []time.Time // when each attempt got its connection
	r := req.Clone(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) {
			mu.Lock()
			attempts = append(attempts, time.Now())
			mu.Unlock()
		},
	}))
	r.Header.Del("Authorization")
	if t.auth != "" && originOf(r.URL) == t.origin {
		r.Header.Set("Authorization", t.auth)
	}
	if t.ua != "" {
		r.Header.Set("User-Agent", t.ua)
	}
	var ex *exchange
	if t.trace != nil {
		ex = t.trace.begin(r)
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	mu.Lock()
	again := slices.Clone(attempts)
	mu.Unlock()
	if len(again) > 0 && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		again = again[1:] // the attempts after the first
	} else {
		again = nil
	}
	resent := len(again)
	if resent > 0 {
		t.log.Info("SCIM request sent again by the HTTP library: the connection of the attempt before failed before any answer (the server may have received both)",
			zap.String("method", r.Method), zap.String("path", t.red.String(r.URL.EscapedPath())), zap.Int("resent", resent))
	}
	if ce := t.log.Check(zap.DebugLevel, "scim request"); ce != nil {
		fields := []zap.Field{
			zap.String("method", r.Method),
			zap.String("path", t.red.String(r.URL.EscapedPath())),
			zap.Duration("duration", time.Since(start)),
		}
		if resent > 0 {
			fields = append(fields, zap.Int("resent", resent))
		}
		switch {
		case err != nil && r.Context().Err() != nil:
			// wbsync ended it (another read failed, an interrupt, the
			// attempt's timeout): the cause is said where it is decided.
			fields = append(fields, zap.String("error", "cancelled"))
		case err != nil:
			fields = append(fields, zap.String("error", "transport error"))
		default:
			fields = append(fields, zap.Int("status", resp.StatusCode))
		}
		ce.Write(fields...)
	}
	if err == nil {
		hideBadLocation(r, resp)
	}
	if ex != nil {
		for _, at := range again {
			ex.resent(at) // a line for the attempt that ended at
		}
		if err != nil {
			ex.fail(err)
		} else {
			resp.Body = ex.watch(resp)
		}
	}
	return resp, err
}

// badLocation marks a 3xx answer whose Location did not parse.
const badLocation = "X-Wbsync-Unparsable-Location"

// hideBadLocation removes the Location of a 3xx answer that does not parse,
// marking the answer instead. http.Client parses a Location before asking
// its redirect policy, and fails the request with an error that quotes the
// header whole (user information and query included) and looks like a
// transport error worth retrying; without the header the client returns
// the answer, and the client's redirect check refuses it at once.
func hideBadLocation(req *http.Request, resp *http.Response) {
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		return
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return
	}
	if _, err := req.URL.Parse(loc); err != nil {
		resp.Header.Del("Location")
		resp.Header.Set(badLocation, "1")
	}
}
