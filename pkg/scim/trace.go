package scim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// TraceRecord is one HTTP exchange of a trace (Config.Trace): one JSON
// object per line. Every string has passed through the client's redactor;
// Authorization, Proxy-Authorization, Cookie and Set-Cookie headers are
// dropped. Bodies longer than caps.TraceBody end with "…[cut: N more
// bytes]"; a body the client stopped reading before its end ends with
// "…[not read further: read N bytes]" (with the Content-Length when known).
//
// A trace is also a fixture: ReadTrace parses one and ReplayTransport
// answers a client's requests from it, so a session recorded against a real
// server can be replayed in a test.
type TraceRecord struct {
	Time            string      `json:"time"` // RFC 3339 with milliseconds, UTC
	Method          string      `json:"method"`
	URL             string      `json:"url"`         // without userinfo
	Status          int         `json:"status"`      // 0 on a transport error
	DurationMS      int64       `json:"duration_ms"` // whole milliseconds, as in the apply report
	RequestHeaders  http.Header `json:"request_headers"`
	RequestBody     string      `json:"request_body"`
	ResponseHeaders http.Header `json:"response_headers"`
	// ResponseBody is the answer's body; with no answer (Status 0),
	// noResponse and the transport error; a body whose reading failed
	// ends with "…[read error: ...]".
	ResponseBody string `json:"response_body"`
}

// noResponse starts the response body of an exchange that got no answer.
const noResponse = "[no response: "

// traceTime is TraceRecord.Time's layout.
const traceTime = "2006-01-02T15:04:05.000Z07:00"

// secretHeaders are never written to a trace.
var secretHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"}

// tracer writes trace records, one Write per line, one line at a time.
type tracer struct {
	w   io.Writer
	red *sanitize.Redactor
	log *zap.Logger

	mu     sync.Mutex
	failed bool
}

// exchange is one request being traced.
type exchange struct {
	t     *tracer
	start time.Time
	end   time.Time // zero: when the line is written
	rec   TraceRecord

	body    []byte // captured response body, up to caps.TraceBody plus a margin
	more    int64  // bytes read beyond the capture
	eof     bool   // the client read the body to its end
	length  int64  // the answer's Content-Length, -1 when unknown
	readErr error
	once    sync.Once
}

// begin records the request side of an exchange.
func (t *tracer) begin(r *http.Request) *exchange {
	u := *r.URL
	u.User = nil
	ex := &exchange{t: t, start: time.Now(), rec: TraceRecord{
		Method:         r.Method,
		URL:            t.red.String(u.String()),
		RequestHeaders: t.headers(r.Header),
		// {} until a response arrives: a line without one keeps the type.
		ResponseHeaders: http.Header{},
	}}
	if r.GetBody != nil {
		if rc, err := r.GetBody(); err == nil {
			b, _ := io.ReadAll(io.LimitReader(rc, caps.TraceBody+caps.TraceMargin))
			_ = rc.Close()
			ex.rec.RequestBody = t.cut(b, int64(len(b)), len(b) == caps.TraceBody+caps.TraceMargin)
		}
	}
	return ex
}

// headers copies h without the secret headers, every name and value
// redacted.
func (t *tracer) headers(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		if isSecretHeader(k) {
			continue
		}
		rk := t.red.String(k)
		for _, v := range vs {
			if isLocationHeader(k) {
				v = withoutCredentials(v, t.red)
			}
			out[rk] = append(out[rk], t.cutHeader(t.red.String(v)))
		}
	}
	return out
}

// cutHeader cuts a redacted header value to caps.TraceHeader bytes (at a
// character boundary), saying how much was left out.
func (t *tracer) cutHeader(v string) string {
	if len(v) <= caps.TraceHeader {
		return v
	}
	n := caps.TraceHeader
	for n > 0 && !utf8.RuneStart(v[n]) {
		n--
	}
	return v[:n] + cutNote(int64(len(v)-n))
}

// cutNote ends a trace value that was cut, saying how much was left out.
func cutNote(more int64) string { return "…[cut: " + strconv.FormatInt(more, 10) + " more bytes]" }

// pathEscaper escapes what would end a path or start an escape.
var pathEscaper = strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23")

// isLocationHeader reports whether header k holds a URL, which may carry a
// password or a token in its userinfo or query.
func isLocationHeader(k string) bool {
	return strings.EqualFold(k, "Location") || strings.EqualFold(k, "Content-Location")
}

// withoutCredentials is URL v as locationText shows it; a value that does
// not parse is not shown.
func withoutCredentials(v string, red *sanitize.Redactor) string {
	u, err := url.Parse(v)
	if err != nil {
		return "(not shown: it does not parse, and may carry credentials)"
	}
	return locationText(u, red)
}

// locationText is URL u with only its scheme, host, port and path (no
// userinfo, query or fragment), as redirect errors and traces show a
// Location. The path is as sent (escaped), or decoded and redacted when its
// decoded form holds a key fragment: a server may escape any character of
// the key, and every such spelling decodes to the key.
func locationText(u *url.URL, red *sanitize.Redactor) string {
	if u.Opaque != "" {
		// "http:\\host/p", which browsers read as http://host/p: shown
		// so read, so that it helps to fix --url; any other opaque form
		// (mailto:...) is not shown, as it may carry credentials.
		if slashed := strings.ReplaceAll(u.Opaque, `\`, "/"); (u.Scheme == "http" || u.Scheme == "https") && strings.HasPrefix(slashed, "//") {
			if v, err := url.Parse(u.Scheme + ":" + slashed); err == nil && v.Opaque == "" {
				return locationText(v, red) + " (written with backslashes)"
			}
		}
		return u.Scheme + ": (an opaque URL, not shown: it may carry credentials)"
	}
	path := u.EscapedPath()
	if p := red.String(u.Path); p != u.Path {
		// Escaped again where it matters, so that it parses back to the
		// same path (a decoded '?' stays in it); the marker stays legible.
		path = pathEscaper.Replace(p)
	}
	host, note := u.Host, ""
	if q := strconv.QuoteToASCII(host); q[1:len(q)-1] != host {
		// A host outside ASCII may spell another (a Cyrillic "а" in
		// "аpi.wandb.ai"): its characters are shown escaped.
		host, note = q[1:len(q)-1], " (a host name outside ASCII, its characters escaped: check it is the host you mean)"
	}
	switch {
	case u.Scheme != "":
		return u.Scheme + "://" + host + path + note
	case u.Host != "":
		return "//" + host + path + note
	}
	return path
}

func isSecretHeader(k string) bool {
	for _, s := range secretHeaders {
		if strings.EqualFold(k, s) {
			return true
		}
	}
	return false
}

// cut redacts b (the first bytes of a body of total bytes read; open says
// the body may go on past what was read) and cuts it at caps.TraceBody or
// before, with a marker counting the bytes read and left out. The cut
// never splits a character, nor a key form or fragment that b shows
// (sanitize.Redactor.Cut: b holds caps.TraceMargin bytes past the cut for that),
// nor, in an open body, the end of b that may begin one; so no part of a
// key too short to be recognised is kept before it. Where escapes hide a
// key, the body is traced written out (see redact) and cut as such; the
// count is then of those bytes.
func (t *tracer) cut(b []byte, total int64, open bool) string {
	if total <= int64(len(b)) && len(b) <= caps.TraceBody && !open {
		return t.redact(b)
	}
	more := open || total > int64(len(b))
	text, partial := b, 0
	if bytes.IndexByte(b, '\\') >= 0 {
		// In a body read in part, the key's first characters may sit
		// escaped at the end, too few to be recognised: its end is
		// judged written out too.
		if u := unescapeASCII(b); more || t.revealed(u) {
			text = u
			if more {
				// An escape the capture cut in two is left out (and
				// counted): it would hide the key characters before it
				// from Cut's look at the end.
				partial = partialEscape(u)
				text = u[:len(u)-partial]
			}
		}
	}
	n := t.red.Cut(text, caps.TraceBody, more)
	if n == len(text) && partial == 0 && total <= int64(len(b)) {
		return string(t.red.Bytes(text))
	}
	return string(t.red.Bytes(text[:n])) + cutNote(max(total-int64(len(b))+int64(len(text)-n+partial), 1))
}

// redact redacts b. Where a key is hidden behind \uXXXX escapes of
// printable ASCII (the same JSON written another way), b is returned with
// those escapes written out as the characters, redacted; other bodies keep
// their bytes as sent (a trace is also a replay fixture).
func (t *tracer) redact(b []byte) string {
	if bytes.IndexByte(b, '\\') >= 0 {
		if u := unescapeASCII(b); t.revealed(u) {
			return string(t.red.Bytes(u))
		}
	}
	return string(t.red.Bytes(b))
}

// revealed reports whether u, a body with its escapes written out, holds
// any of the key: the body is then traced written out, so that no part of
// the key stays behind escapes (a key half plain and half escaped too).
func (t *tracer) revealed(u []byte) bool { return t.red.Index(u) >= 0 }

// partialEscape returns the length of the start of a \uXXXX escape that
// ends u ("\\", "\\u", up to "\\uXXX"), or 0.
func partialEscape(u []byte) int {
	for n := min(len(u), 5); n > 0; n-- {
		tail := u[len(u)-n:]
		if tail[0] != '\\' || (n > 1 && tail[1] != 'u') {
			continue
		}
		hex := true
		for _, c := range tail[min(2, n):] {
			hex = hex && strings.ContainsRune("0123456789abcdefABCDEF", rune(c))
		}
		// An escaped backslash ("\\\\") begins nothing: count the
		// backslashes before it.
		slashes := 0
		for i := len(u) - n - 1; i >= 0 && u[i] == '\\'; i-- {
			slashes++
		}
		if hex && slashes%2 == 0 {
			return n
		}
	}
	return 0
}

// unescapeASCII returns b with every JSON escape \uXXXX of a printable
// ASCII character other than " and \ replaced by that character, and \/
// by /: the same JSON text, with nothing left for a key to hide behind.
// Other escapes are kept; b itself is returned when it holds no
// backslash.
func unescapeASCII(b []byte) []byte {
	if !bytes.Contains(b, []byte{'\\'}) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' || i+1 == len(b) {
			out = append(out, c)
			continue
		}
		switch next := b[i+1]; {
		case next == '/':
			out = append(out, '/')
			i++
		case next == 'u' && i+6 <= len(b):
			if v, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16); err == nil && v >= 0x20 && v < 0x7f && v != '"' && v != '\\' {
				out = append(out, byte(v))
				i += 5
				continue
			}
			out = append(out, b[i:i+2]...)
			i++
		default: // another escape, kept whole (so \\u0073 stays as it is)
			out = append(out, c, next)
			i++
		}
	}
	return out
}

// resentNote is the response body of an attempt net/http sent again by
// itself.
const resentNote = noResponse + "its connection failed before any answer, and Go's HTTP library sent the request again on another connection (the next line); the server may have received this attempt too]"

// resent records an attempt of ex that net/http sent again by itself at
// next: a line of its own, with no answer, before the exchange's, and the
// exchange's next attempt starts at next.
func (ex *exchange) resent(next time.Time) {
	attempt := &exchange{t: ex.t, start: ex.start, end: next, rec: ex.rec}
	attempt.rec.ResponseBody = resentNote
	ex.t.write(attempt)
	ex.start = next
}

// fail ends an exchange that got no response.
func (ex *exchange) fail(err error) {
	msg := unwrapURLError(err).Error()
	if malformedHTTP(err) {
		msg = malformedAnswer // Go quotes the line, which may hold credentials
	}
	ex.rec.ResponseBody = noResponse + ex.t.red.String(msg) + "]"
	ex.t.write(ex)
}

// watch returns resp's body wrapped so that what the client reads is
// captured and the exchange is written when the body is closed.
func (ex *exchange) watch(resp *http.Response) io.ReadCloser {
	ex.rec.Status = resp.StatusCode
	ex.rec.ResponseHeaders = ex.t.headers(resp.Header)
	ex.length = resp.ContentLength
	if resp.StatusCode == http.StatusSwitchingProtocols {
		// The body is the raw connection (net/http says its length is
		// 0), closed unread: the trace says that it was not read.
		ex.length = -1
	}
	return &tracedBody{ReadCloser: resp.Body, ex: ex}
}

// tracedBody tees what the client reads into the exchange.
type tracedBody struct {
	io.ReadCloser
	ex *exchange
}

func (b *tracedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	ex := b.ex
	keep := min(n, max(0, caps.TraceBody+caps.TraceMargin-len(ex.body)))
	ex.body = append(ex.body, p[:keep]...)
	ex.more += int64(n - keep)
	switch {
	case err == io.EOF:
		ex.eof = true
	case err != nil:
		ex.readErr = err
	}
	return n, err
}

func (b *tracedBody) Close() error {
	err := b.ReadCloser.Close()
	ex := b.ex
	ex.once.Do(func() {
		open := !ex.eof && ex.readErr == nil && ex.length != 0
		ex.rec.ResponseBody = ex.t.cut(ex.body, int64(len(ex.body))+ex.more, open || ex.readErr != nil)
		if open {
			// The client stopped reading (an answer it refused early):
			// what follows was never read, so it is not here.
			// How much was read says what the cut note before it counts
			// (what was read but not kept) against what was not read.
			ex.rec.ResponseBody += fmt.Sprintf("…[not read further: read %d bytes", int64(len(ex.body))+ex.more)
			if ex.length > 0 {
				ex.rec.ResponseBody += fmt.Sprintf(" of Content-Length %d", ex.length)
			}
			ex.rec.ResponseBody += "]"
		}
		ex.body = nil
		if ex.readErr != nil {
			ex.rec.ResponseBody += "…[read error: " + ex.t.red.String(ex.readErr.Error()) + "]"
		}
		ex.t.write(ex)
	})
	return err
}

// write serialises one record as one line in one Write call. A failed
// write is logged once; tracing then stops.
func (t *tracer) write(ex *exchange) {
	rec := ex.rec
	rec.Time = ex.start.UTC().Format(traceTime)
	end := ex.end
	if end.IsZero() {
		end = time.Now()
	}
	rec.DurationMS = end.Sub(ex.start).Milliseconds()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rec); err != nil { // strings and maps only: cannot fail
		panic(fmt.Sprintf("trace: %v", err))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.failed {
		return
	}
	if _, err := t.w.Write(sanitize.EscapeJSON(buf.Bytes())); err != nil {
		t.failed = true
		t.log.Warn("writing the trace failed; tracing stops", zap.String("error", t.red.String(err.Error())))
	}
}

// ReadTrace parses a trace written through Config.Trace (JSON Lines; blank
// lines are skipped). A line that is not a TraceRecord is an error naming
// its number.
func ReadTrace(r io.Reader) ([]TraceRecord, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), caps.TraceLine)
	var out []TraceRecord
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var rec TraceRecord
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, fmt.Errorf("trace line %d: %w", n, err)
		}
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read the trace: %w", err)
	}
	return out, nil
}

// ReplayTransport answers requests from recorded exchanges, matched by
// method and URL: the exchanges of one method and URL are served in the
// order recorded, the last one again once they run out. A record with
// status 0 is served as its transport error; a request that was never
// recorded is an error naming it. Bodies cut by the trace are served cut.
func ReplayTransport(recs []TraceRecord) http.RoundTripper {
	rt := &replay{queue: map[string][]TraceRecord{}}
	for _, r := range recs {
		k := r.Method + " " + r.URL
		rt.queue[k] = append(rt.queue[k], r)
	}
	return rt
}

type replay struct {
	mu    sync.Mutex
	queue map[string][]TraceRecord
}

// RoundTrip implements http.RoundTripper.
func (rt *replay) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	u := *req.URL
	u.User = nil
	k := req.Method + " " + u.String()
	rt.mu.Lock()
	q := rt.queue[k]
	// An attempt net/http made again by itself: the client saw only the
	// next one, which answers this request.
	for len(q) > 1 && q[0].Status == 0 && q[0].ResponseBody == resentNote {
		q = q[1:]
		rt.queue[k] = q
	}
	var rec TraceRecord
	if len(q) > 0 {
		rec = q[0]
		if len(q) > 1 {
			rt.queue[k] = q[1:]
		}
	}
	rt.mu.Unlock()
	switch {
	case len(q) == 0:
		return nil, fmt.Errorf("replay: no recorded exchange for %s", k)
	case rec.Status == 0:
		return nil, errors.New(strings.TrimSuffix(strings.TrimPrefix(rec.ResponseBody, noResponse), "]"))
	}
	h := rec.ResponseHeaders.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Del("Content-Length")
	return &http.Response{
		Status: statusLine(rec.Status), StatusCode: rec.Status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h,
		Body: io.NopCloser(strings.NewReader(rec.ResponseBody)), ContentLength: int64(len(rec.ResponseBody)),
		Request: req,
	}, nil
}
