package scim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/wbsync/wbsync/internal/rawserve"
	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// traceFields are the fields of a trace line, exactly.
var traceFields = []string{"time", "method", "url", "status", "duration_ms", "request_headers", "request_body",
	"response_headers", "response_body"}

// TestTraceRoundTrip records a session (parallel pages, a write, a failed
// request) and replays the trace through a fresh client: the same users and
// groups come back. Every line is one JSON object with exactly the trace
// fields, and no Authorization.
func TestTraceRoundTrip(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(330)
	f.groups = []map[string]any{{"id": "g1", "displayName": "ml", "members": []any{map[string]any{"value": mkUsers(1)[0]["id"]}}},
		{"id": "g/2", "displayName": "empty", "members": nil}}
	var trace bytes.Buffer
	c := testClient(t, srv.URL, func(c *Config) { c.Trace, c.Concurrency, c.UserAgent = &trace, 8, "wbsync/test" })
	ctx := context.Background()
	users, err := c.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := c.ListGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddMembers(ctx, "g/2", []string{"u1"}); err != nil {
		t.Fatal(err)
	}
	failN(f, "PATCH", 1, status(404))
	if err := c.SetOrgRole(ctx, "u1", "admin"); err == nil {
		t.Fatal("no error")
	}

	lines := strings.Split(strings.TrimSuffix(trace.String(), "\n"), "\n")
	if len(lines) != len(f.requests()) {
		t.Fatalf("%d trace lines for %d requests", len(lines), len(f.requests()))
	}
	for _, line := range lines {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line is not one JSON object: %v: %s", err, line)
		}
		for _, k := range traceFields {
			if _, ok := m[k]; !ok {
				t.Fatalf("line lacks %s: %s", k, line)
			}
		}
		if len(m) != len(traceFields) {
			t.Fatalf("line has other fields: %s", line)
		}
		if strings.Contains(strings.ToLower(line), "authorization") {
			t.Fatalf("Authorization traced: %s", line)
		}
	}
	recs, err := ReadTrace(strings.NewReader(trace.String()))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if _, err := time.Parse(traceTime, r.Time); err != nil || !strings.Contains(r.Time, ".") {
			t.Fatalf("time %q: %v", r.Time, err)
		}
		if !strings.HasPrefix(r.URL, srv.URL+"/scim/") || r.DurationMS < 0 || r.Status == 0 || r.RequestHeaders.Get("User-Agent") != "wbsync/test" {
			t.Fatalf("record %+v", r)
		}
	}
	last := recs[len(recs)-1]
	if last.Method != "PATCH" || last.Status != 404 || !strings.Contains(last.RequestBody, `"organizationRole"`) ||
		!strings.Contains(last.ResponseBody, "Not Found") || last.ResponseHeaders.Get("Content-Type") == "" {
		t.Fatalf("last record %+v", last)
	}

	// Replay: no server at all.
	rc := testClient(t, "http://127.0.0.1:1", func(c *Config) {
		c.BaseURL = srv.URL + "/scim"
		c.HTTPClient = &http.Client{Transport: ReplayTransport(recs)}
		c.MaxElapsed = 50 * time.Millisecond // an unrecorded request is a transport error: retried
	})
	users2, err := rc.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	groups2, err := rc.ListGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(users, users2); d != "" {
		t.Fatalf("replayed users (-recorded +replayed):\n%s", d)
	}
	if d := cmp.Diff(groups, groups2); d != "" {
		t.Fatalf("replayed groups (-recorded +replayed):\n%s", d)
	}
	if _, err := rc.FindUser(ctx, "nobody"); err == nil || !strings.Contains(err.Error(), "no recorded exchange for GET") {
		t.Fatalf("unrecorded request: %v", err)
	}
}

// TestTraceCutsLongBodies: a body over caps.TraceBody is cut with a marker
// that says how much was left out; the client still read it whole.
func TestTraceCutsLongBodies(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(12000) // about 1.3 MB in one page
	var trace bytes.Buffer
	c := testClient(t, srv.URL, func(c *Config) { c.Trace, c.PageSize = &trace, caps.PageSize })
	got, err := c.ListUsers(context.Background())
	if err != nil || len(got) != 12000 {
		t.Fatalf("%d users, %v", len(got), err)
	}
	recs, err := ReadTrace(&trace)
	if err != nil {
		t.Fatal(err)
	}
	body := recs[0].ResponseBody
	i := strings.LastIndex(body, "…[cut: ")
	if i != caps.TraceBody {
		t.Fatalf("marker at %d, want %d", i, caps.TraceBody)
	}
	var more int
	if _, err := fmt.Sscanf(body[i:], "…[cut: %d more bytes]", &more); err != nil || more <= 0 {
		t.Fatalf("marker %q: %v", body[i:], err)
	}
	if n := recs[0].ResponseHeaders.Get("Content-Length"); n != "" && n != fmt.Sprint(caps.TraceBody+more) {
		t.Fatalf("cut %d more bytes, Content-Length %s", more, n)
	}
}

// TestTraceTransportError: an exchange without an answer is traced with
// status 0 and the (redacted) error.
func TestTraceTransportError(t *testing.T) {
	f, srv := newFake(t)
	failN(f, "GET", 1, drop)
	f.users = mkUsers(2)
	var trace bytes.Buffer
	c := testClient(t, srv.URL, func(c *Config) { c.Trace = &trace })
	if _, err := c.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	raw := trace.String()
	recs, err := ReadTrace(&trace)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Status != 0 || !strings.HasPrefix(recs[0].ResponseBody, noResponse) || recs[1].Status != 200 {
		t.Fatalf("records %+v", recs)
	}
	// Exactly the fields the trace format names, on every line: the
	// error is in the response body.
	for _, line := range strings.Split(strings.TrimSpace(raw), "\n") {
		var fields map[string]any
		if err := json.Unmarshal([]byte(line), &fields); err != nil {
			t.Fatal(err)
		}
		keys, want := slices.Sorted(maps.Keys(fields)), slices.Sorted(slices.Values(traceFields))
		if !slices.Equal(keys, want) {
			t.Errorf("trace line keys %v, want %v", keys, want)
		}
	}
	// A line without a response keeps every field's type: headers {}.
	if !strings.Contains(raw, `"response_headers":{}`) || strings.Contains(raw, `"response_headers":null`) {
		t.Errorf("want response_headers {} on the failed exchange:\n%s", raw)
	}
}

// TestTraceHeadersCut: a header value longer than caps.TraceHeader is cut
// in the trace, with a marker; an answer whose headers pass
// caps.ResponseHeaders fails.
func TestTraceHeadersCut(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/huge/") {
			w.Header().Set("X-Huge", strings.Repeat("h", caps.ResponseHeaders))
		} else {
			w.Header().Set("X-Long", strings.Repeat("é", caps.TraceHeader))
		}
		w.Header().Set("Content-Type", "application/scim+json")
		io.WriteString(w, `{"totalResults":0,"itemsPerPage":0,"startIndex":1,"Resources":[]}`)
	}))
	defer srv.Close()
	var trace bytes.Buffer
	c := testClient(t, srv.URL, func(c *Config) { c.Trace = &trace; c.HTTPClient = nil })
	if _, err := c.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	recs, err := ReadTrace(&trace)
	if err != nil || len(recs) == 0 {
		t.Fatal(recs, err)
	}
	v := recs[0].ResponseHeaders.Get("X-Long")
	if i := strings.Index(v, "…[cut: "); i < 0 || i > caps.TraceHeader || !utf8.ValidString(v) {
		t.Errorf("X-Long in the trace is %d bytes, not cut at %d with a marker", len(v), caps.TraceHeader)
	}
	var retried atomic.Int32
	huge := testClient(t, srv.URL+"/huge", func(c *Config) {
		c.HTTPClient = nil
		c.Logger = zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zap.InfoLevel),
			zap.Hooks(func(e zapcore.Entry) error {
				if strings.Contains(e.Message, "retrying") {
					retried.Add(1)
				}
				return nil
			}))
	})
	if _, err := huge.ListUsers(context.Background()); err == nil || !strings.Contains(err.Error(), "256 KiB") {
		t.Errorf("an answer with headers over caps.ResponseHeaders: %v", err)
	}
	if retried.Load() > 0 {
		t.Error("an answer with headers over the cap was asked again: it answers so every time")
	}
}

// TestTraceBodiesHostile: a key the server echoes with JSON escapes is
// redacted once the escapes are read; a body cut at caps.TraceBody is cut
// on a character boundary; a body the client stops reading early says so.
func TestTraceBodiesHostile(t *testing.T) {
	escaped := func(s string) string { // every character as \uXXXX
		var b strings.Builder
		for _, r := range s {
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		return b.String()
	}
	long := strings.Repeat("é", caps.TraceBody/2) + "x" // 2-byte characters, one byte off
	bodies := map[string]string{
		"/scim/Users/escaped": `{"detail":"bad key: ` + escaped(testKey) + `","status":"401"}`,
		"/scim/Users/long":    `{"detail":"` + long + `","status":"500"}`,
		"/scim/Users":         `{"totalResults": "x", "Resources": [` + strings.Repeat(`{"id":"u"},`, 5000) + `{}]}`,
		"/scim/Users/plain":   `not JSON: a\/b \u0041`,
	}
	status := map[string]int{"/scim/Users/escaped": 401, "/scim/Users/long": 400, "/scim/Users": 200, "/scim/Users/plain": 400}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		w.Header().Set("Content-Length", fmt.Sprint(len(bodies[r.URL.Path])))
		w.WriteHeader(status[r.URL.Path])
		_, _ = io.WriteString(w, bodies[r.URL.Path])
	}))
	t.Cleanup(srv.Close)
	var trace bytes.Buffer
	c := testClient(t, srv.URL, func(c *Config) { c.Trace, c.MaxElapsed = &trace, time.Second })
	ctx := context.Background()
	for _, id := range []string{"escaped", "long", "plain"} {
		if _, err := c.GetRaw(ctx, "/Users/"+id, ""); err == nil {
			t.Fatalf("GET %s: no error", id)
		}
	}
	if _, err := c.ListUsers(ctx); err == nil {
		t.Fatal("a list with a word for totalResults was read")
	}
	recs, err := ReadTrace(&trace)
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]string{}
	for _, r := range recs {
		u, _ := url.Parse(r.URL)
		byPath[u.Path] = r.ResponseBody
	}
	if b := byPath["/scim/Users/escaped"]; !strings.Contains(b, sanitize.Marker) || strings.Contains(b, `\u`) {
		t.Errorf("escaped echo of the key: %q", b)
	}
	noLeak(t, "the trace", trace.String())
	b := byPath["/scim/Users/long"]
	i := strings.LastIndex(b, "…[cut: ")
	if i < 0 || !utf8.ValidString(b[:i]) || i > caps.TraceBody {
		t.Errorf("long body cut at %d (valid UTF-8: %v)", i, utf8.ValidString(b))
	}
	var more int
	n := len(bodies["/scim/Users/long"])
	if _, err := fmt.Sscanf(b[i:], "…[cut: %d more bytes]", &more); err != nil || i+more > n ||
		i+more < n && !strings.HasSuffix(b, fmt.Sprintf("…[not read further: read %d bytes of Content-Length %d]", i+more, n)) {
		t.Errorf("kept %d bytes and counted %d more of a %d-byte body (%v): ...%q", i, more, n, err, b[i:])
	}
	// Escapes that hide no key are kept as sent: a trace is also a replay
	// fixture.
	if b := byPath["/scim/Users/plain"]; b != bodies["/scim/Users/plain"] {
		t.Errorf("a body without a key was rewritten: %q", b)
	}
	if b := byPath["/scim/Users"]; !regexp.MustCompile(`…\[not read further: read [1-9][0-9]* bytes of Content-Length [0-9]+\]$`).MatchString(b) {
		t.Errorf("a body read in part carries no marker: ...%q", b[max(0, len(b)-80):])
	}
}

// TestTraceLocationWithoutCredentials: a redirect's Location (and a
// Content-Location) is traced with its scheme, host, port and path only:
// the password and the token a server put in it stay out of a file meant
// for bug reports, as they stay out of the error.
func TestTraceLocationWithoutCredentials(t *testing.T) {
	f, srv := newFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		w.Header().Set("Location", "http://admin:hunter2pass@127.0.0.1:9/scim/Groups?token=secret-query-zzz#frag")
		w.Header().Set("Content-Location", "//other.example:8443/x?sig=abc")
		w.WriteHeader(http.StatusFound)
		return true
	}
	var trace bytes.Buffer
	c := testClient(t, srv.URL, func(c *Config) { c.Trace = &trace })
	if _, err := c.ListUsers(context.Background()); err == nil {
		t.Fatal("a redirect was followed")
	}
	recs, err := ReadTrace(bytes.NewReader(trace.Bytes()))
	if err != nil || len(recs) != 1 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	h := recs[0].ResponseHeaders
	if h.Get("Location") != "http://127.0.0.1:9/scim/Groups" || h.Get("Content-Location") != "//other.example:8443/x" {
		t.Errorf("Location %q, Content-Location %q", h.Get("Location"), h.Get("Content-Location"))
	}
	for _, secret := range []string{"hunter2pass", "secret-query", "sig=abc", "admin"} {
		if strings.Contains(trace.String(), secret) {
			t.Errorf("the trace holds %q:\n%s", secret, trace.String())
		}
	}

	// The key in the path, every third character percent-encoded (the same
	// URL in another spelling): redacted in the error and the trace.
	var spelled strings.Builder
	for i, c := range []byte(testKey) {
		if i%3 == 0 {
			fmt.Fprintf(&spelled, "%%%02X", c)
		} else {
			spelled.WriteByte(c)
		}
	}
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		w.Header().Set("Location", "http://127.0.0.1:9/a%3Fb/"+spelled.String()+"/Users")
		w.WriteHeader(http.StatusFound)
		return true
	}
	trace.Reset()
	_, err = c.ListUsers(context.Background())
	// Decoded to redact, then escaped again: the '?' stays in the path.
	const shown = "http://127.0.0.1:9/a%3Fb/[redacted]/Users"
	if err == nil || strings.Contains(err.Error(), spelled.String()[:12]) || !strings.Contains(err.Error(), shown) {
		t.Errorf("redirect error: %v, want %s", err, shown)
	}
	if strings.Contains(trace.String(), spelled.String()[:12]) || !strings.Contains(trace.String(), shown) {
		t.Errorf("trace, want %s:\n%s", shown, trace.String())
	}
}

// TestTraceCutKeepsNoKeyPrefix: a key echoed across the body cut leaves
// none of its characters before the marker (cut first and redacted after,
// the first 1 to 7 characters stayed: too few to be recognised), whether
// the body was read to its end or not.
func TestTraceCutKeepsNoKeyPrefix(t *testing.T) {
	for before := 1; before < 8; before++ {
		for _, tail := range []int{100, 2 << 20} { // within the margin read, or far past it
			body := strings.Repeat("x", caps.TraceBody-before) + testKey + strings.Repeat("y", tail)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/scim+json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, body)
			}))
			var trace bytes.Buffer
			c := testClient(t, srv.URL, func(c *Config) { c.Trace = &trace })
			if _, err := c.GetRaw(context.Background(), "/Users/u", ""); err == nil {
				t.Fatal("a 400 read as success")
			}
			srv.Close()
			recs, err := ReadTrace(&trace)
			if err != nil || len(recs) != 1 {
				t.Fatalf("%d records, %v", len(recs), err)
			}
			got := recs[0].ResponseBody
			i := strings.Index(got, "…[cut: ")
			if i < 0 {
				t.Fatalf("no cut marker in a %d-byte body", len(body))
			}
			if kept := strings.TrimRight(got[:i], "x"); kept != "" {
				t.Errorf("%d key characters before the cut (tail %d): kept %q before the marker", before, tail, kept[max(0, len(kept)-40):])
			}
		}
	}
}

// escapeAll writes every byte of s as a \u00XX escape.
func escapeAll(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		fmt.Fprintf(&b, `\u%04x`, c)
	}
	return b.String()
}

// TestTraceEscapedKeyAtTheCaptureEnd: a body whose escapes hide the key is
// traced written out; where the capture ends in the middle of an escape
// (the body goes on), the key characters before that escape are left out
// too (the partial escape hid them from the look at the end: 7 of them
// were kept); an escaped backslash at the end is no partial escape.
func TestTraceEscapedKeyAtTheCaptureEnd(t *testing.T) {
	const key = "3f9a1c7e5b2d48f0a6c1e9b7d3f5a2c8e4b6d1f0"
	tr := &tracer{red: sanitize.NewRedactor(key)}
	size := caps.TraceBody + caps.TraceMargin
	for _, end := range []string{`\u00`, `\u0`, `\u`, `\`, `\u003`} {
		// The escapes shrink the written-out text below caps.TraceBody:
		// its end, not the cut, is where the key's start sits.
		head := `{"a":"` + escapeAll(key) + escapeAll(strings.Repeat("A", 100)) + `","b":"`
		tail := escapeAll(key[:7]) + end
		b := []byte(head + strings.Repeat("x", size-len(head)-len(tail)) + tail)
		out := tr.cut(b, int64(size)+5000, false)
		i := strings.Index(out, "…[cut: ")
		if i < 0 {
			t.Fatalf("end %q: no cut marker", end)
		}
		if kept := out[:i]; strings.Contains(kept, key[:4]) {
			t.Errorf("end %q: key characters kept before the marker: ...%q", end, kept[max(0, len(kept)-40):])
		}
	}
}

func TestPartialEscape(t *testing.T) {
	for in, want := range map[string]int{`ab\`: 1, `ab\u`: 2, `ab\u0`: 3, `ab\u00`: 4, `ab\u003`: 5, `ab\u0033`: 0,
		`ab\\`: 0, `ab\\\`: 1, `ab\uZ`: 0, `ab`: 0, `\`: 1} {
		if got := partialEscape([]byte(in)); got != want {
			t.Errorf("partialEscape(%q) = %d, want %d", in, got, want)
		}
	}
}

// TestTraceEscapedKeyStartAtTheEnd: a body read in part (the server
// stalled) that ends with the key's first characters escaped, and holds
// no more of the key, keeps none of them (they were judged escaped, where
// they match no key form).
func TestTraceEscapedKeyStartAtTheEnd(t *testing.T) {
	const key = "deadbeef0123456789abcdef0123456789abcdef"
	tr := &tracer{red: sanitize.NewRedactor(key)}
	for _, end := range []string{"", `\u00`} {
		b := []byte(`{"displayName":"` + escapeAll(key[:6]) + end)
		out := tr.cut(b, int64(len(b)), true)
		if strings.Contains(out, `\u0064\u0065`) || strings.Contains(out, "deadbe") {
			t.Errorf("end %q: traced %q", end, out)
		}
	}
}

// TestTracePartialEscapeCounted: a partial escape left out at the end of a
// body read in part is counted in the cut marker (it vanished unmarked).
func TestTracePartialEscapeCounted(t *testing.T) {
	tr := &tracer{red: sanitize.NewRedactor("deadbeef0123456789abcdef0123456789abcdef")}
	b := []byte(`{"detail":"he said \"no\" zz\u00`)
	out := tr.cut(b, int64(len(b)), true)
	var more int
	i := strings.Index(out, "…[cut: ")
	if i < 0 {
		t.Fatalf("no cut marker: %q", out)
	}
	if _, err := fmt.Sscanf(out[i:], "…[cut: %d more bytes]", &more); err != nil || more < 4 {
		t.Errorf("%q: counted %d bytes left out (%v), want the 4 of the partial escape at least", out, more, err)
	}
}

// TestTraceEscapedBodyWholeNotMarked: a body read to its end, longer than
// caps.TraceBody as sent but not once its escapes are written out, is
// traced whole, with no cut marker (a replay would serve it with junk).
func TestTraceEscapedBodyWholeNotMarked(t *testing.T) {
	const key = "3f9a1c7e5b2d48f0a6c1e9b7d3f5a2c8e4b6d1f0"
	tr := &tracer{red: sanitize.NewRedactor(key)}
	b := []byte(`{"a":"` + escapeAll(key) + `","b":"` + strings.Repeat(escapeAll("A"), caps.TraceBody/6) + `"}`)
	if len(b) <= caps.TraceBody || len(b) > caps.TraceBody+caps.TraceMargin {
		t.Fatalf("the body is %d bytes", len(b))
	}
	out := tr.cut(b, int64(len(b)), false)
	if strings.Contains(out, "…[cut") || !strings.HasSuffix(out, `"}`) || !strings.Contains(out, sanitize.Marker) {
		t.Errorf("a whole body: ...%q", out[max(0, len(out)-60):])
	}
}

// TestTraceHalfEscapedKey: a key half plain and half behind escapes is
// redacted whole (the plain half was, and the escaped half stayed).
func TestTraceHalfEscapedKey(t *testing.T) {
	const key = "3f9a1c7e5b2d48f0a6c1e9b7d3f5a2c8e4b6d1f0"
	tr := &tracer{red: sanitize.NewRedactor(key)}
	out := tr.redact([]byte(`{"detail":"` + key[:20] + escapeAll(key[20:]) + `"}`))
	if strings.Contains(out, `\u00`) || strings.Contains(out, key[20:28]) || !strings.Contains(out, sanitize.Marker) {
		t.Errorf("half-escaped key traced as %q", out)
	}
}

// slotProbe is a trace sink that records, at each line written, how many
// body slots the client holds.
type slotProbe struct {
	c     *Client
	slots []int
}

func (p *slotProbe) Write(b []byte) (int, error) {
	p.slots = append(p.slots, len(p.c.bodies))
	return len(b), nil
}

// TestTraceWrittenInsideTheBodySlot: an answer's trace line, whose capture
// may hold caps.TraceBody bytes and more once encoded, is written before
// the answer's body slot is given back, so that --concurrency does not
// multiply what tracing holds beyond caps.BodySlots.
func TestTraceWrittenInsideTheBodySlot(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(250)
	f.groups = []map[string]any{{"id": "g1", "displayName": "ml", "members": nil}}
	probe := &slotProbe{}
	c := testClient(t, srv.URL, func(c *Config) { c.Trace, c.Concurrency = probe, 1 })
	probe.c = c
	ctx := context.Background()
	if _, err := c.ListUsers(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.AddMembers(ctx, "g1", []string{"u1"}); err != nil {
		t.Fatal(err)
	}
	failN(f, "PATCH", 1, status(404))
	if err := c.SetOrgRole(ctx, "u1", "admin"); err == nil {
		t.Fatal("no error")
	}
	if len(probe.slots) != 5 { // three pages, the add, the refused role change
		t.Fatalf("%d trace lines, want 5", len(probe.slots))
	}
	for i, n := range probe.slots {
		if n == 0 {
			t.Errorf("trace line %d written after its body slot was given back", i+1)
		}
	}
}

// TestTraceResentByTheHTTPLibrary: a GET that net/http sends again by
// itself (the server closed a kept-alive connection after reading the
// request, without answering) has a trace line of its own, with no answer,
// and an info log line, so that the trace and the log say what the server
// may have received.
func TestTraceResentByTheHTTPLibrary(t *testing.T) {
	var received atomic.Int32
	addr := rawserve.Serve(t, func(conn net.Conn) {
		// Answers a connection's first request, and closes it unanswered
		// after reading its second.
		br := bufio.NewReader(conn)
		for n := 1; ; n++ {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			received.Add(1)
			if n == 2 {
				return
			}
			body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}`
			fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
			_ = req.Body.Close()
		}
	})
	var trace bytes.Buffer
	core, logs := observer.New(zapcore.InfoLevel)
	c := testClient(t, "http://"+addr, func(c *Config) { c.Trace = &trace; c.Logger = zap.New(core) })
	if _, err := c.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListGroups(context.Background()); err != nil { // on the kept-alive connection
		t.Fatal(err)
	}
	recs, err := ReadTrace(&trace)
	if err != nil {
		t.Fatal(err)
	}
	if got := int(received.Load()); got != 3 || len(recs) != got {
		t.Fatalf("the server received %d requests; the trace has %d lines: %+v", got, len(recs), recs)
	}
	if r := recs[1]; !strings.Contains(r.URL, "/Groups") || r.Status != 0 || r.ResponseBody != resentNote {
		t.Errorf("want the Groups request that got no answer: %+v", r)
	}
	if r := recs[2]; !strings.Contains(r.URL, "/Groups") || r.Status != 200 {
		t.Errorf("want the Groups request sent again, answered: %+v", r)
	}
	// Replayed, the trace answers the client as the server did: the
	// attempt the library made again is not served as a failure.
	rc := testClient(t, "http://"+addr, func(c *Config) {
		c.HTTPClient = &http.Client{Transport: ReplayTransport(recs)}
		c.Logger = zap.New(core)
	})
	before := len(logs.FilterMessage("SCIM request failed; retrying").All())
	if _, err := rc.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := rc.ListGroups(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(logs.FilterMessage("SCIM request failed; retrying").All()); n != before {
		t.Errorf("the replay retried %d time(s)", n-before)
	}
	e := logs.FilterMessageSnippet("sent again by the HTTP library").All()
	if len(e) != 1 || e[0].ContextMap()["resent"] != int64(1) || e[0].ContextMap()["method"] != "GET" {
		t.Errorf("want one info line for the request sent again:\n%s", logText(logs))
	}
}

// failingConn fails its second Write with nothing written (EPIPE), as a
// kept-alive socket whose peer reset it does.
type failingConn struct {
	net.Conn
	writes atomic.Int32
}

func (c *failingConn) Write(p []byte) (int, error) {
	if c.writes.Add(1) == 2 {
		return 0, syscall.EPIPE
	}
	return c.Conn.Write(p)
}

// TestTraceResentNothingWritten: a request whose first attempt wrote
// nothing (its kept-alive connection reset), which net/http sends again on
// a new connection: a write has one trace line, as the server received one
// request; a GET has the hedged line for the attempt before, since a GET
// is sent again after it went out too, and the trace cannot tell which.
func TestTraceResentNothingWritten(t *testing.T) {
	for _, write := range []bool{true, false} {
		f, srv := newFake(t)
		var dials atomic.Int32
		tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err == nil && dials.Add(1) == 1 {
				return &failingConn{Conn: c}, nil
			}
			return c, err
		}}
		var trace bytes.Buffer
		c := testClient(t, srv.URL, func(cfg *Config) { cfg.Trace = &trace; cfg.HTTPClient = &http.Client{Transport: tr} })
		if _, err := c.ListUsers(context.Background()); err != nil {
			t.Fatal(err)
		}
		if write {
			if _, err := c.CreateUser(context.Background(), model.User{Email: "a@example.com", UserName: "a"}); err != nil {
				t.Fatal(err)
			}
		} else if _, err := c.ListGroups(context.Background()); err != nil {
			t.Fatal(err)
		}
		recs, err := ReadTrace(&trace)
		if err != nil {
			t.Fatal(err)
		}
		received, hedged := len(f.requests()), 0
		for _, r := range recs {
			if r.ResponseBody == resentNote {
				hedged++
			}
		}
		if dials.Load() != 2 || len(recs)-hedged != received || write && hedged != 0 || !write && hedged != 1 {
			t.Errorf("write %v: %d connections, %d requests received; %d trace lines, %d of them an attempt sent again: %+v", write, dials.Load(), received, len(recs), hedged, recs)
		}
	}
}
