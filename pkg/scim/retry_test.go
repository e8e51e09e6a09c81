package scim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// failN answers the first n requests matching method with fail, then lets
// the fake serve.
func failN(f *fake, method string, n int, fail func(w http.ResponseWriter)) *atomic.Int32 {
	var seen atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != method {
			return false
		}
		if int(seen.Add(1)) <= n {
			fail(w)
			return true
		}
		return false
	}
	return &seen
}

func status(code int, hdr ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		scimErr(w, code, http.StatusText(code))
	}
}

// TestForbiddenWriteNamesNoKeyCause: a write refused with 403 is about the
// change as much as the key (W&B refuses the last admin's demotion): its
// words about an admin do not make it a key "not an org admin".
func TestForbiddenWriteNamesNoKeyCause(t *testing.T) {
	f, srv := newFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		scimErr(w, 403, "Cannot demote the last organization admin")
		return true
	}
	c := testClient(t, srv.URL)
	err := c.SetOrgRole(context.Background(), "u1", model.RoleMember)
	if err == nil || strings.Contains(err.Error(), "the server says so") || errors.Is(err, ErrNotOrgAdmin) || !errors.Is(err, ErrForbidden) {
		t.Fatalf("a refused demotion: %v", err)
	}
}

// detail answers code with a SCIM error saying msg.
func detail(code int, msg string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) { scimErr(w, code, msg) }
}

func TestRetries(t *testing.T) {
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	cases := []struct {
		name     string
		method   string
		fails    int
		fail     func(w http.ResponseWriter)
		requests int
		ok       bool
	}{
		{"GET 503 twice", "GET", 2, status(503), 3, true},
		{"GET 502", "GET", 1, status(502), 2, true},
		{"GET 504", "GET", 1, status(504), 2, true},
		{"GET 500", "GET", 2, status(500), 3, true},
		{"GET transport error", "GET", 2, drop, 3, true},
		{"GET 429 Retry-After 0", "GET", 2, status(429, "Retry-After", "0"), 3, true},
		{"GET 429 without a wait: backoff", "GET", 2, status(429), 3, true},
		{"GET 429 Retry-After past date", "GET", 1, status(429, "Retry-After", past), 2, true},
		{"GET 429 RateLimit-Reset 0", "GET", 1, status(429, "RateLimit-Reset", "0"), 2, true},
		{"GET 429 Retry-After beyond budget", "GET", 1, status(429, "Retry-After", "3600"), 1, false},
		{"GET 429 RateLimit-Reset beyond budget", "GET", 1, status(429, "RateLimit-Reset", "3600"), 1, false},
		{"GET 503 Retry-After beyond budget", "GET", 1, status(503, "Retry-After", "3600"), 1, false},
		{"GET 503 Retry-After 0", "GET", 1, status(503, "Retry-After", "0"), 2, true},
		{"GET 400 not retried", "GET", 1, status(400), 1, false},
		{"GET 401 not retried", "GET", 1, status(401), 1, false},
		{"PATCH 500 retried", "PATCH", 1, status(500), 2, true},
		{"PATCH 502 retried", "PATCH", 1, status(502), 2, true},
		{"PATCH 504 retried", "PATCH", 1, status(504), 2, true},
		{"PATCH 400 not retried", "PATCH", 1, status(400), 1, false},
		{"PATCH 409 not retried", "PATCH", 1, status(409), 1, false},
		{"PATCH 503 retried", "PATCH", 1, status(503), 2, true},
		{"PATCH transport error retried", "PATCH", 1, drop, 2, true},
		{"PATCH 429 retried", "PATCH", 1, status(429, "Retry-After", "0"), 2, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.users = mkUsers(3)
			failN(f, tc.method, tc.fails, tc.fail)
			c := testClient(t, srv.URL)
			var err error
			if tc.method == "GET" {
				_, err = c.ListUsers(context.Background())
			} else {
				err = c.SetActive(context.Background(), "u1", false)
			}
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if n := f.count(tc.method); n != tc.requests {
				t.Fatalf("%d %s requests, want %d", n, tc.method, tc.requests)
			}
		})
	}
}

func TestRetryBudgetExhausted(t *testing.T) {
	f, srv := newFake(t)
	failN(f, "GET", 1<<30, status(503))
	c := testClient(t, srv.URL, func(c *Config) { c.MaxElapsed = 300 * time.Millisecond })
	_, err := c.ListUsers(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.Status != 503 {
		t.Fatalf("err = %v, want a 503 *Error", err)
	}
	if f.count("GET") < 2 {
		t.Fatalf("no retry before giving up: %d requests", f.count("GET"))
	}
	// The error says the request was tried again, and how often: the
	// retries are logged at info level only.
	if want := fmt.Sprintf("gave up after %d attempts in ", f.count("GET")); !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want it to say %q", err, want)
	}
	// And what to do next: a 5xx's, a 429's.
	if !strings.Contains(err.Error(), hintGaveUp5xx) {
		t.Errorf("err = %v, want the hint %q", err, hintGaveUp5xx)
	}
	f3, srv3 := newFake(t)
	failN(f3, "GET", 1<<30, status(429, "Retry-After", "0"))
	// (A budget a loaded machine's first answer cannot spend alone.)
	_, err = testClient(t, srv3.URL, func(c *Config) { c.MaxElapsed = 300 * time.Millisecond }).ListUsers(context.Background())
	if err == nil || !strings.Contains(err.Error(), "gave up after") || !strings.Contains(err.Error(), hintGaveUp429) {
		t.Errorf("429s: err = %v, want the hint %q", err, hintGaveUp429)
	}
	// A budget spent before a 429 asking for no wait gives up as for any
	// retry, never "asked to wait 0s, beyond the 0s left": the wait did
	// not pass the budget.
	f4, srv4 := newFake(t)
	failN(f4, "GET", 1<<30, status(429, "Retry-After", "0"))
	_, err = testClient(t, srv4.URL, func(c *Config) { c.MaxElapsed = time.Nanosecond }).ListUsers(context.Background())
	if err == nil || strings.Contains(err.Error(), "beyond the") || !strings.Contains(err.Error(), "429 Too Many Requests") {
		t.Errorf("429 after the budget: err = %v, want the 429 without a wait beyond the budget", err)
	}
	// Nor does its wait hold the client's other requests back: the budget
	// is spent, nothing will be tried again.
	f5, srv5 := newFake(t)
	failN(f5, "GET", 1, status(429, "Retry-After", "3600"))
	c5 := testClient(t, srv5.URL, func(c *Config) { c.MaxElapsed = time.Nanosecond })
	if _, err := c5.ListUsers(context.Background()); err == nil {
		t.Fatal("a 429 past the budget: no error")
	}
	if p := c5.paused(); p > 0 {
		t.Errorf("a 429 past the budget holds every later request back for %s", p)
	}
	// A failure tried once says nothing of attempts.
	f2, srv2 := newFake(t)
	failN(f2, "GET", 1, status(400))
	if _, err := testClient(t, srv2.URL).ListUsers(context.Background()); err == nil || strings.Contains(err.Error(), "attempts") {
		t.Errorf("a 400, not retried: err = %v", err)
	}
}

// TestRetryAfterBeyondBudgetNamesIt: a wait beyond the budget is named as
// asked; one beyond the year it is bounded at is not named as a year.
func TestRetryAfterBeyondBudgetNamesIt(t *testing.T) {
	for _, tc := range []struct{ header, value, want string }{
		{"Retry-After", "3600", "asked to wait 1h0m0s,"},
		{"Retry-After", "1000000000", "asked to wait a year or more,"},
		{"Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT", "asked to wait a year or more,"},
		{"RateLimit-Reset", "99999999999", "asked to wait a year or more,"},
		// More digits than an int holds: still a wait, not no header.
		{"Retry-After", "99999999999999999999", "asked to wait a year or more,"},
		{"Retry-After", "9999999999", "asked to wait a year or more,"}, // overflows as nanoseconds
		{"RateLimit-Reset", "31536000", "asked to wait a year or more,"},
		{"Retry-After", "0000000000000000000000000000003600", "asked to wait 1h0m0s,"},
		// A fraction (not HTTP, but sent) is waited out to the next second.
		{"Retry-After", "3599.5", "asked to wait 1h0m0s,"},
		{"RateLimit-Reset", "3600.000", "asked to wait 1h0m0s,"},
	} {
		f, srv := newFake(t)
		failN(f, "GET", 1, status(429, tc.header, tc.value))
		c := testClient(t, srv.URL)
		_, err := c.ListUsers(context.Background())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: %s: err = %v", tc.header, tc.value, err)
		}
	}
}

// TestSecondsFractions: a fractional wait is the next whole second; what
// is no number is none.
func TestSecondsFractions(t *testing.T) {
	for v, want := range map[string]time.Duration{"1.5": 2 * time.Second, "2.0": 2 * time.Second, "0.1": time.Second, "7": 7 * time.Second, "1.": time.Second} {
		if d, ok := seconds(v); !ok || d != want {
			t.Errorf("seconds(%q) = %v, %v; want %v", v, d, ok, want)
		}
	}
	for _, v := range []string{".5", "1.5.5", "-1", "soon", "1e3", "1.x", ""} {
		if d, ok := seconds(v); ok {
			t.Errorf("seconds(%q) = %v, want none", v, d)
		}
	}
}

func TestCanceledContext(t *testing.T) {
	f, srv := newFake(t)
	failN(f, "GET", 1<<30, status(503))
	c := testClient(t, srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.ListUsers(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestPerRequestTimeout(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(2)
	var calls atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if calls.Add(1) == 1 {
			<-r.Context().Done() // hang until the client gives up
			return true
		}
		return false
	}
	c := testClient(t, srv.URL, func(c *Config) { c.Timeout = 50 * time.Millisecond })
	got, err := c.ListUsers(context.Background())
	if err != nil || len(got) != 2 {
		t.Fatalf("got %d users, err %v", len(got), err)
	}
	if calls.Load() != 2 {
		t.Fatalf("%d calls, want a timed-out one and a retry", calls.Load())
	}
}

func TestRateLimitBucket(t *testing.T) {
	f, srv := newFake(t)
	c := testClient(t, srv.URL, func(c *Config) { c.RateLimit = caps.MinRateLimit; c.Concurrency = 1 })
	if _, err := c.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := c.ListUsers(ctx); err == nil {
		t.Fatal("a second request went through an empty bucket")
	}
	if n := f.count("GET"); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
}

func TestActionableErrors(t *testing.T) {
	cases := []struct {
		name   string
		serve  func(w http.ResponseWriter)
		want   []string
		saas   bool     // the client is for Multi-tenant Cloud
		absent []string // what the error must not say
	}{
		{name: "401", serve: status(401), want: []string{"GET /scim/Users", "401", "the key was refused: it is wrong or revoked", "use an org admin's key or an org-scoped service account key", "try --auth basic"}},
		{name: "401 saas", serve: status(401), saas: true, want: []string{"401", "the key was refused"}, absent: []string{"--auth basic"}},
		{name: "403", serve: status(403), want: []string{"403", "team-scoped service account", "not an org admin"}, absent: []string{"Default API organization"}},
		{name: "403 saas", serve: status(403), saas: true, want: []string{"403", "team-scoped service account", "Default API organization"}},
		{name: "403 team-scoped", serve: detail(403, "Keys from team-scoped service accounts cannot authenticate"), want: []string{"403", "the key belongs to a team-scoped service account (the server says so)"}, absent: []string{"not an org admin"}},
		{name: "403 not admin", serve: detail(403, "must be an organization admin"), want: []string{"403", "the key's owner is not an org admin (the server says so)"}, absent: []string{"team-scoped", "Default API organization"}},
		{name: "403 not admin saas", serve: detail(403, "user is not an admin of this organization"), saas: true, want: []string{"not an org admin (the server says so)", "Default API organization"}},
		{name: "403 W&B's words", serve: detail(403, "Every SCIM request must be authenticated as an admin principal"), want: []string{"not an org admin (the server says so)"}},
		{name: "403 a proxy's words", serve: detail(403, "Access denied. Please contact your administrator."), want: []string{"team-scoped service account key, or a user who is not an org admin"}, absent: []string{"the server says so"}},
		{name: "403 mentions a team-scoped account", serve: detail(403, "Team-scoped service accounts cannot be listed"), want: []string{"403"}, absent: []string{"the server says so"}},
		{name: "404 list", serve: status(404), want: []string{"404", "is the URL https://HOST/scim?"}},
		{name: "HTML 200", serve: func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html><body>login</body></html>"))
		}, want: []string{"GET /scim/Users", "HTML"}},
		{name: "HTML 404", serve: func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(404)
			_, _ = w.Write([]byte("<!doctype html><p>nope"))
		}, want: []string{"404", "HTML", "https://HOST/scim"}},
		{name: "non-JSON 200", serve: func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte("hello"))
		}, want: []string{"GET /scim/Users", "not a SCIM list response"}},
		{name: "412", serve: status(412), want: []string{"412", "changed under us: re-read"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool { tc.serve(w); return true }
			c := testClient(t, srv.URL, func(c *Config) {
				if tc.saas {
					c.Deployment = model.SaaS
				}
			})
			_, err := c.ListUsers(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			for _, s := range tc.absent {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q says %q", err, s)
				}
			}
			if strings.Contains(err.Error(), testKey) {
				t.Fatal("the key is in the error")
			}
		})
	}
}

// TestTLSFailure: a certificate the system does not trust is one attempt
// and an actionable error.
func TestTLSFailure(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	c, dials := dialCounting(t, srv.URL)
	_, err := c.ListUsers(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.Hint != hintTLS || e.Method != "GET" || e.Path != "/scim/Users" {
		t.Fatalf("err = %#v", err)
	}
	if dials.Load() != 1 {
		t.Fatalf("%d attempts, want 1", dials.Load())
	}
	if strings.Contains(err.Error(), testKey) {
		t.Fatal("the key is in the error")
	}
}

func TestBodyCap(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(50)
	c := testClient(t, srv.URL, func(c *Config) { c.MaxBody = 1024 })
	_, err := c.ListUsers(context.Background())
	if err == nil || !strings.Contains(err.Error(), "larger than 1024 bytes") {
		t.Fatalf("err = %v", err)
	}
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://api.wandb.ai/scim", true},
		{"https://api.wandb.ai/scim/v2/", true},
		{"http://127.0.0.1:8080/scim", true},
		{"http://[::1]:8080/scim", true},
		{"http://localhost/scim", true},
		{"http://wandb.example.com/scim", false},
		{"ftp://x/scim", false},
		{"", false},
		{"/scim", false},
		{"https://user:pw@x/scim", false},
	} {
		_, err := New(Config{BaseURL: tc.url, APIKey: testKey})
		if (err == nil) != tc.ok {
			t.Errorf("New(%q) err = %v, want ok=%v", tc.url, err, tc.ok)
		}
	}
	if _, err := New(Config{BaseURL: "https://x/scim", Auth: "digest"}); err == nil {
		t.Error("auth digest accepted")
	}
}

func TestAuthHeaders(t *testing.T) {
	for auth, want := range map[string]string{
		"":       "Bearer " + testKey,
		"bearer": "Bearer " + testKey,
		"basic":  basicHeader(testKey),
	} {
		f, srv := newFake(t)
		c := testClient(t, srv.URL, func(c *Config) { c.Auth = auth; c.UserAgent = "wbsync/test" })
		if _, err := c.ListUsers(context.Background()); err != nil {
			t.Fatal(err)
		}
		h := f.headers[0]
		if h.Get("Authorization") != want || h.Get("User-Agent") != "wbsync/test" ||
			!strings.Contains(h.Get("Accept"), "application/scim+json") {
			t.Errorf("auth %q: headers %v", auth, h)
		}
	}
	if got := basicHeader("sa-p@55w0rd"); got != "Basic OnNhLXBANTV3MHJk" {
		t.Errorf("basicHeader = %s (W&B's documented example is Basic OnNhLXBANTV3MHJk)", got)
	}
}

// TestRetryLostAnswerStaysUnknown: a write whose first attempt lost its
// answer after it was sent (it may have been applied), and whose retries
// then end in a definite error, is unknown, not failed: the error says
// so, and a caller must not treat it as not done.
func TestRetryLostAnswerStaysUnknown(t *testing.T) {
	for name, last := range map[string]func(http.ResponseWriter){
		"400 after the drop": status(400),
		"429 after the drop": status(429),
	} {
		t.Run(name, func(t *testing.T) {
			err := lostAnswerThen(t, last)
			var e *Error
			if !errors.As(err, &e) || !e.OutcomeUnknown() || !strings.Contains(err.Error(), "may have been applied") {
				t.Fatalf("err = %v (unknown %v), want an unknown outcome", err, e != nil && e.OutcomeUnknown())
			}
		})
	}
	// A 413 is a refusal whatever the server holds: the first, identical
	// request was too large too (and apply splits an add chunk).
	var e *Error
	if err := lostAnswerThen(t, status(413)); !errors.As(err, &e) || e.Status != 413 || e.OutcomeUnknown() {
		t.Fatalf("413 after the drop: %v, want a failure", err)
	}
	// Without a lost answer, the same definite error is a failure.
	f, srv := newFake(t)
	failN(f, "PATCH", 100, status(400))
	c := testClient(t, srv.URL)
	if err := c.SetOrgRole(context.Background(), "u1", "admin"); !errors.As(err, &e) || e.OutcomeUnknown() {
		t.Fatalf("a plain 400: %v, want a failure", err)
	}
}

// TestRetryUnknownSaysWhy: the note on an unknown outcome says what the
// earlier attempt met: a lost answer, or a 500 (which a server may give
// after doing the work), never a lost answer that was not lost.
func TestRetryUnknownSaysWhy(t *testing.T) {
	if err := lostAnswerThen(t, status(400)); !strings.Contains(err.Error(), "an earlier attempt lost its answer after it was sent, so it may have been applied") {
		t.Errorf("lost, then 400: %v", err)
	}
	err := firstThen(t, status(500), status(400))
	var e *Error
	if !errors.As(err, &e) || !e.OutcomeUnknown() || strings.Contains(err.Error(), "lost") ||
		!strings.Contains(err.Error(), "an earlier attempt was answered 500, which a server may give after doing the work, so it may have been applied") {
		t.Errorf("500, then 400: %v (unknown %v)", err, e != nil && e.OutcomeUnknown())
	}
}

// lostAnswerThen sends a PATCH whose first attempt is read by the server
// and its answer lost, and whose retries are answered by last.
func lostAnswerThen(t *testing.T, last func(http.ResponseWriter)) error {
	t.Helper()
	return firstThen(t, drop, last)
}

// answerPatches answers f's first PATCH with first and the others with
// last, and returns how many PATCHes came.
func answerPatches(f *fake, first, last func(http.ResponseWriter)) *atomic.Int32 {
	var n atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPatch {
			return false
		}
		if n.Add(1) == 1 {
			first(w) // drop: sent, read by the server, answer lost
		} else {
			last(w)
		}
		return true
	}
	return &n
}

// firstThen sends a PATCH whose first attempt is answered by first and
// its retries by last.
func firstThen(t *testing.T, first, last func(http.ResponseWriter)) error {
	t.Helper()
	f, srv := newFake(t)
	answerPatches(f, first, last)
	c := testClient(t, srv.URL, func(c *Config) { c.MaxElapsed = 300 * time.Millisecond })
	return c.SetOrgRole(context.Background(), "u1", "admin")
}

// TestStopRetrying: once StopRetrying is called (apply was interrupted), a
// request ends with its current attempt: no new attempt is sent, and a
// write whose answer was lost stays unknown.
func TestStopRetrying(t *testing.T) {
	f, srv := newFake(t)
	c := testClient(t, srv.URL)
	var attempts atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPatch {
			return false
		}
		if attempts.Add(1) == 1 {
			c.StopRetrying() // the signal arrives while the first attempt is in flight
		}
		drop(w)
		return true
	}
	err := c.SetOrgRole(context.Background(), "u1", "admin")
	var e *Error
	if !errors.As(err, &e) || !e.OutcomeUnknown() {
		t.Fatalf("err = %v, want an unknown outcome", err)
	}
	if n := attempts.Load(); n != 1 {
		t.Fatalf("%d attempts after StopRetrying, want 1", n)
	}
}

// TestStopRetryingEndsTheWait: a retry waiting out a Retry-After when
// StopRetrying is called is never sent, and the call returns at once
// rather than when the wait would have ended. The error says its retries
// were stopped; after a 429 (not done) the outcome is known, after a 503
// to a write (which may follow the work) it is unknown.
func TestStopRetryingEndsTheWait(t *testing.T) {
	for _, tc := range []struct {
		status  int
		unknown bool
	}{{429, false}, {503, true}} {
		f, srv := newFake(t)
		c := testClient(t, srv.URL, func(c *Config) { c.MaxElapsed = time.Hour })
		var attempts atomic.Int32
		first := make(chan struct{})
		f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
			if r.Method != http.MethodPatch {
				return false
			}
			if attempts.Add(1) == 1 {
				defer close(first)
			}
			status(tc.status, "Retry-After", "600")(w)
			return true
		}
		done := make(chan error, 1)
		go func() { done <- c.SetOrgRole(context.Background(), "u1", "admin") }()
		<-first
		c.StopRetrying()
		select {
		case err := <-done:
			var e *Error
			if !errors.As(err, &e) || !e.RetryStopped() || e.OutcomeUnknown() != tc.unknown || !strings.Contains(err.Error(), "not tried again") {
				t.Fatalf("%d: err = %v, want retries stopped, unknown %v", tc.status, err, tc.unknown)
			}
		case <-time.After(time.Minute): // far below the 600 s asked for, far above any scheduling delay
			t.Fatal("the retry wait did not end on StopRetrying")
		}
		if n := attempts.Load(); n != 1 {
			t.Fatalf("%d attempts, want 1", n)
		}
	}
}

// TestGaveUpNoteOnlyAfterRetries: "gave up after N attempts" ends an
// error only when the request was tried again and the run was not
// interrupted: not for a request sent once (OneAttempt) that could have
// healed, nor for one whose retries an interrupt stopped, which says so.
func TestGaveUpNoteOnlyAfterRetries(t *testing.T) {
	f, srv := newFake(t)
	failN(f, "GET", 1<<30, status(503))
	c := testClient(t, srv.URL)
	_, err := c.ListUsers(OneAttempt(context.Background()))
	if err == nil || strings.Contains(err.Error(), "gave up") || f.count("GET") != 1 {
		t.Errorf("sent once (%d requests): err = %v, want no note of attempts", f.count("GET"), err)
	}

	f, srv = newFake(t)
	c = testClient(t, srv.URL, func(c *Config) { c.MaxElapsed = time.Hour })
	var attempts atomic.Int32
	second := make(chan struct{})
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPatch {
			return false
		}
		wait := "0"
		if attempts.Add(1) == 2 {
			defer close(second)
			wait = "600"
		}
		status(503, "Retry-After", wait)(w)
		return true
	}
	done := make(chan error, 1)
	go func() { done <- c.SetOrgRole(context.Background(), "u1", "admin") }()
	<-second
	c.StopRetrying()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "not tried again: the run was interrupted") || strings.Contains(err.Error(), "gave up") {
		t.Errorf("interrupted after 2 attempts: err = %v, want it to say so, and no note of giving up", err)
	}
}

// TestStopRetryingEndsTheRateWait: an attempt that would wait for the rate
// limiter after StopRetrying is not sent (errRetryStopped): nothing not yet
// sent goes out once the run is interrupted.
func TestStopRetryingEndsTheRateWait(t *testing.T) {
	f, srv := newFake(t)
	c := testClient(t, srv.URL, func(c *Config) { c.RateLimit, c.Concurrency = 0.1, 1 })
	for c.limiter.Allow() { // the bucket is empty: the next token is 10 s away
	}
	c.StopRetrying()
	cl := call{method: http.MethodPatch, path: "/Users/u1"}
	if _, err := c.attempt(context.Background(), cl, []byte("{}")); !errors.Is(err, errRetryStopped) {
		t.Fatalf("attempt after StopRetrying: %v, want errRetryStopped", err)
	}
	// Through the retrier, a request never sent is an error that says so.
	err := c.SetOrgRole(context.Background(), "u1", "admin")
	var e *Error
	if !errors.As(err, &e) || !e.RetryStopped() || e.OutcomeUnknown() || !strings.Contains(err.Error(), "not sent") {
		t.Fatalf("request after StopRetrying: %v, want not sent, retries stopped, outcome known", err)
	}
	if n := f.count("PATCH"); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}

// TestStopWritesEndsTheirWait: a write waiting for the rate limiter when
// StopWrites is called ends unsent (NotSent, not an interrupt's
// RetryStopped), and so does every later write; reads still go.
func TestStopWritesEndsTheirWait(t *testing.T) {
	f, srv := newFake(t)
	c := testClient(t, srv.URL, func(c *Config) { c.RateLimit, c.Concurrency = 0.1, 1 })
	for c.limiter.Allow() { // the bucket is empty: the next token is 10 s away
	}
	done := make(chan error, 1)
	go func() { done <- c.SetOrgRole(context.Background(), "u1", "admin") }()
	c.StopWrites() // while it waits for the limiter, or before it does: unsent either way
	err := <-done
	var e *Error
	if !errors.As(err, &e) || !e.NotSent() || e.RetryStopped() || e.OutcomeUnknown() || !strings.Contains(err.Error(), "not sent: the server refused the API key") {
		t.Fatalf("write waiting when writes stopped: %v, want not sent, for the key", err)
	}
	if n := f.count("PATCH"); n != 0 {
		t.Fatalf("%d writes sent", n)
	}
	// Without a rate limit: later writes are not sent, reads are.
	f2, srv2 := newFake(t)
	f2.users = mkUsers(2)
	c2 := testClient(t, srv2.URL)
	c2.StopWrites()
	if err := c2.SetOrgRole(context.Background(), "u2", "admin"); err == nil || !strings.Contains(err.Error(), "not sent") {
		t.Fatalf("write after StopWrites: %v", err)
	}
	if users, err := c2.ListUsers(context.Background()); err != nil || len(users) != 2 || f2.count("PATCH") != 0 {
		t.Fatalf("read after StopWrites: %d users, %v; %d writes", len(users), err, f2.count("PATCH"))
	}
}

// TestRateLimitPausesEveryRequest: a 429 with Retry-After holds back the
// client's other requests too (the server limits the client, not one
// request): a request started during the pause reaches the server only
// once it is over. (A lower bound: the pause guarantees it.)
func TestRateLimitPausesEveryRequest(t *testing.T) {
	f, srv := newFake(t)
	c := testClient(t, srv.URL)
	var mu sync.Mutex
	var refusedAt, otherAt time.Time
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPatch {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/u1") && refusedAt.IsZero():
			refusedAt = time.Now()
			status(429, "Retry-After", "1")(w)
			return true
		case strings.HasSuffix(r.URL.Path, "/u2") && otherAt.IsZero():
			otherAt = time.Now()
		}
		return false
	}
	first := make(chan error, 1)
	go func() { first <- c.SetOrgRole(context.Background(), "u1", "admin") }()
	deadline := time.Now().Add(time.Minute)
	for c.paused() <= 0 { // until the 429 has been read
		if time.Now().After(deadline) {
			t.Fatal("no pause after the 429")
		}
		runtime.Gosched()
	}
	_ = c.SetOrgRole(context.Background(), "u2", "admin")
	<-first
	mu.Lock()
	defer mu.Unlock()
	if otherAt.IsZero() || otherAt.Sub(refusedAt) < 900*time.Millisecond {
		t.Fatalf("the other request arrived %v after the 429 asked to wait 1s", otherAt.Sub(refusedAt))
	}
}

// TestRateLimitPauseHoldsQueuedRequests: a 429's pause holds back the
// requests already waiting for the rate limit too: none reaches the server
// before the pause ends. (At 2 requests a second, two go at once, the
// first refused once the second has arrived; the two queued behind them
// had their turns inside the pause.)
func TestRateLimitPauseHoldsQueuedRequests(t *testing.T) {
	f, srv := newFake(t)
	c := testClient(t, srv.URL, func(c *Config) { c.RateLimit, c.Concurrency = 2, 4 })
	var mu sync.Mutex
	var refusedAt time.Time
	var early []time.Duration // arrivals inside the pause
	second := make(chan struct{})
	var patches atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPatch {
			return false
		}
		switch patches.Add(1) {
		case 1:
			<-second // the other request of the burst is in
			mu.Lock()
			refusedAt = time.Now()
			mu.Unlock()
			status(429, "Retry-After", "2")(w)
			return true
		case 2:
			close(second)
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		if d := time.Since(refusedAt); d < 1900*time.Millisecond {
			early = append(early, d)
		}
		return false
	}
	var wg sync.WaitGroup
	for _, id := range []string{"u1", "u2", "u3", "u4"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetOrgRole(context.Background(), id, "admin")
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if patches.Load() != 5 || len(early) > 0 {
		t.Fatalf("%d PATCHes; arrived inside the 2s pause, after the 429: %v", patches.Load(), early)
	}
}

// TestUpdatePartlyMadeIsUnknown: an update whose first attribute was
// changed and whose second waits out a 429 when the run is interrupted is
// partly made: unknown, not "not done".
func TestUpdatePartlyMadeIsUnknown(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(1)
	c := testClient(t, srv.URL, func(c *Config) { c.MaxElapsed = time.Hour })
	refused := make(chan struct{})
	var once sync.Once
	f.hook = func(w http.ResponseWriter, r *http.Request, b []byte) bool {
		if r.Method != http.MethodPatch || !strings.Contains(string(b), "externalId") {
			return false
		}
		once.Do(func() { close(refused) })
		status(429, "Retry-After", "600")(w)
		return true
	}
	done := make(chan error, 1)
	go func() {
		done <- c.UpdateUser(context.Background(), f.users[0]["id"].(string), model.User{DisplayName: "New Name", ExternalID: "ext-1"})
	}()
	<-refused
	c.StopRetrying()
	err := <-done
	var e *Error
	if !errors.As(err, &e) || !e.OutcomeUnknown() || e.RetryStopped() || !strings.Contains(err.Error(), "partly made") {
		t.Fatalf("err = %v, want unknown: partly made", err)
	}
}

// TestHTTPSToPlainHTTP: an https:// URL whose port speaks plain HTTP is one
// attempt and a hint to check the port, not a retry budget spent.
func TestHTTPSToPlainHTTP(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	c, dials := dialCounting(t, "https://"+srv.Listener.Addr().String())
	_, err := c.ListUsers(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.Hint != hintNotTLS {
		t.Fatalf("err = %v", err)
	}
	if dials.Load() != 1 {
		t.Fatalf("%d attempts, want 1", dials.Load())
	}
}

// dialCounting is a client for url that counts its connection attempts.
func dialCounting(t *testing.T, url string) (*Client, *atomic.Int32) {
	var dials atomic.Int32
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return testClient(t, url, func(c *Config) { c.HTTPClient = &http.Client{Transport: tr} }), &dials
}

// TestRetryBudgetRunWide: once caps.FailedInARow calls in a row failed after
// all their attempts (a server that answers every write 429), the others
// are tried once each, so that a plan of hundreds of writes is reported in
// minutes, not 20 s per write; one success gives retries back.
func TestRetryBudgetRunWide(t *testing.T) {
	f, srv := newFake(t)
	var refuse atomic.Bool
	refuse.Store(true)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPatch || !refuse.Load() {
			return false
		}
		status(429, "Retry-After", "0")(w)
		return true
	}
	c := testClient(t, srv.URL, func(c *Config) { c.MaxElapsed = time.Minute })
	set := func() error { return c.SetActive(context.Background(), "u1", false) }
	for range caps.FailedInARow {
		if err := set(); err == nil {
			t.Fatal("a refused write succeeded")
		}
	}
	full := f.count("PATCH")
	if full != caps.FailedInARow*caps.Attempts {
		t.Fatalf("%d PATCHes for %d calls, want %d attempts each", full, caps.FailedInARow, caps.Attempts)
	}
	for range 4 {
		if err := set(); err == nil {
			t.Fatal("a refused write succeeded")
		}
	}
	if n := f.count("PATCH") - full; n != 4 {
		t.Fatalf("%d PATCHes for 4 calls once the budget is spent, want 1 each", n)
	}
	// One success gives the retries back.
	refuse.Store(false)
	if err := set(); err != nil {
		t.Fatal(err)
	}
	refuse.Store(true)
	before := f.count("PATCH")
	_ = set()
	if n := f.count("PATCH") - before; n != caps.Attempts {
		t.Fatalf("%d attempts after a success, want %d", n, caps.Attempts)
	}
}

// TestRetryBudgetCountsWaitsBeyondIt: a write refused with a wait longer
// than what is left of its retry budget (a server asking each write to
// wait just under the budget) counts toward the run-wide budget as one
// failed after retrying; once that is spent, a write so refused is tried
// once and holds no request back for the wait.
func TestRetryBudgetCountsWaitsBeyondIt(t *testing.T) {
	f, srv := newFake(t)
	var wait atomic.Value
	wait.Store("1")
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPatch {
			return false
		}
		status(429, "Retry-After", wait.Load().(string))(w)
		return true
	}
	c := testClient(t, srv.URL, func(c *Config) { c.MaxElapsed = 500 * time.Millisecond })
	set := func() error { return c.SetActive(context.Background(), "u1", false) }
	for range caps.FailedInARow {
		err := set()
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(e.Hint, "the server asked to wait 1s, beyond the 0s left of the retry budget of 500ms") {
			t.Fatalf("err = %v, want the wait beyond the budget", err)
		}
	}
	if n := f.count("PATCH"); n != caps.FailedInARow {
		t.Fatalf("%d PATCHes, want 1 each", n)
	}
	// The budget is spent: a 429 whose wait fits is not tried again.
	wait.Store("0")
	if err := set(); err == nil {
		t.Fatal("a refused write succeeded")
	}
	if n := f.count("PATCH") - caps.FailedInARow; n != 1 {
		t.Fatalf("%d PATCHes once the budget is spent, want 1", n)
	}
	// Nor does one whose wait would fit hold the others back.
	c.maxElapsed = time.Minute
	wait.Store("30")
	if err := set(); err == nil {
		t.Fatal("a refused write succeeded")
	}
	if d := c.paused(); d > 0 {
		t.Fatalf("requests held back %s by a write that is not tried again", d)
	}
}

// TestRetryBudgetSpentDuringASlowAnswer: a 429 whose answer arrives after
// the retry budget ran out (an overloaded gateway answering late) gives up
// as any retried request does: "gave up after N attempts" with the hint,
// and counted toward the run-wide budget, so that a server answering
// every write so is not given a full budget per write.
func TestRetryBudgetSpentDuringASlowAnswer(t *testing.T) {
	f, srv := newFake(t)
	var n atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPatch {
			return false
		}
		if n.Add(1) == 2 {
			// The second answer comes after the budget (the scenario,
			// not a wait for the test: the first answer is at once).
			time.Sleep(1200 * time.Millisecond)
		}
		status(429, "Retry-After", "0")(w)
		return true
	}
	c := testClient(t, srv.URL, func(c *Config) { c.MaxElapsed = time.Second })
	err := c.SetActive(context.Background(), "u1", false)
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Detail, "gave up after 2 attempts") || e.Hint != hintGaveUp429 {
		t.Fatalf("err = %v, want it to say it gave up after 2 attempts, with the 429 hint", err)
	}
	if got := c.failedInARow.Load(); got != 1 {
		t.Errorf("failed writes in a row = %d, want the write counted", got)
	}
}

// TestRetryBudgetStormOnCreates: creates answered 500 (a failure that may
// follow the work) are looked up before each new attempt; the look-ups
// succeed (nothing was made), but a read is no write that went through:
// the budget is spent after caps.FailedInARow creates as for a 429 storm,
// and the next creates are tried once each.
func TestRetryBudgetStormOnCreates(t *testing.T) {
	f, srv := newFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPost {
			return false
		}
		status(500)(w)
		return true
	}
	c := testClient(t, srv.URL, func(c *Config) { c.MaxElapsed = time.Minute })
	create := func(i int) {
		if _, err := c.CreateUser(context.Background(), model.User{UserName: fmt.Sprintf("u%d@x.com", i), Email: fmt.Sprintf("u%d@x.com", i), Active: true}); err == nil {
			t.Fatal("a refused create succeeded")
		}
	}
	for i := range caps.FailedInARow {
		create(i)
	}
	full := f.count("POST")
	if full != caps.FailedInARow*caps.Attempts {
		t.Fatalf("%d POSTs for %d creates, want %d attempts each", full, caps.FailedInARow, caps.Attempts)
	}
	if f.count("GET") == 0 {
		t.Fatal("no look-ups: the test does not exercise them")
	}
	for i := range 4 {
		create(caps.FailedInARow + i)
	}
	if n := f.count("POST") - full; n != 4 {
		t.Fatalf("%d POSTs for 4 creates once the budget is spent, want 1 each (successful look-ups gave the retries back)", n)
	}
}

// TestRetryBudgetSparesReads: a spent budget of writes leaves reads their
// retries (apply's verification read meets one transient 503 and reads),
// and a write its context ended does not count towards it.
func TestRetryBudgetSparesReads(t *testing.T) {
	f, srv := newFake(t)
	f.users = []map[string]any{{"id": "u1", "userName": "a@x.com", "active": true}}
	var getBlips atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method == http.MethodPatch || r.Method == http.MethodGet && getBlips.Add(-1) >= 0 {
			status(503)(w)
			return true
		}
		return false
	}
	c := testClient(t, srv.URL)
	for range caps.FailedInARow {
		_ = c.SetActive(context.Background(), "u1", false)
	}
	if c.failedInARow.Load() < caps.FailedInARow {
		t.Fatalf("budget not spent: %d", c.failedInARow.Load())
	}
	getBlips.Store(1)
	if _, err := c.ListUsers(context.Background()); err != nil {
		t.Fatalf("a read after the budget was spent: %v", err)
	}

	c = testClient(t, srv.URL)
	c.backoffBase = 200 * time.Millisecond
	for range caps.FailedInARow {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		_ = c.SetActive(ctx, "u1", false)
		cancel()
	}
	if n := c.failedInARow.Load(); n != 0 {
		t.Errorf("%d writes ended by their context counted as failed after retrying", n)
	}
}

// TestCountWritesTimesRequestsOnly: the time CountWrites reports is the
// requests' own (sent to answer read), not the pause a 429 asked for
// between them, which the call's wall time holds.
func TestCountWritesTimesRequestsOnly(t *testing.T) {
	f, srv := newFake(t)
	seen := failN(f, "POST", 1, status(429, "Retry-After", "1"))
	c := testClient(t, srv.URL)
	ctx, count := c.CountWrites(context.Background())
	start := time.Now()
	if _, err := c.CreateUser(ctx, model.User{Email: "a@example.com", UserName: "a"}); err != nil {
		t.Fatal(err)
	}
	wall := time.Since(start)
	n, took := count()
	if seen.Load() != 2 || n != 2 {
		t.Fatalf("%d POSTs, %d counted; want 2 (the 429, then the create)", seen.Load(), n)
	}
	// The pause is a second at least; two answers on loopback take far
	// less.
	if wall < time.Second || took <= 0 || took >= wall-time.Second/2 {
		t.Errorf("the requests took %v of the call's %v; want their own time, without the 1 s pause", took, wall)
	}
}

// TestWindowSpentHoldsRequests: an answer (not a 429) saying that no
// request is left in the server's rate-limit window (RateLimit-Remaining:
// 0) holds every request back until RateLimit-Reset, so that none is
// refused 429; a reset beyond the retry budget holds nothing back (the
// next request meets the server's 429, which the retry rules judge).
func TestWindowSpentHoldsRequests(t *testing.T) {
	for _, tc := range []struct {
		name       string
		maxElapsed time.Duration
		held       bool
	}{
		{"within the budget", time.Minute, true},
		{"beyond the budget", 500 * time.Millisecond, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			c := testClient(t, srv.URL, func(c *Config) { c.RateLimit, c.MaxElapsed = -1, tc.maxElapsed })
			var mu sync.Mutex
			var spentAt time.Time // when the server said the window was spent
			var arrivals []time.Duration
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				if r.Method != http.MethodPatch {
					return false
				}
				mu.Lock()
				defer mu.Unlock()
				if spentAt.IsZero() {
					spentAt = time.Now()
					w.Header().Set("RateLimit-Remaining", "0")
					w.Header().Set("RateLimit-Reset", "1")
					return false // answered as usual, with the headers
				}
				arrivals = append(arrivals, time.Since(spentAt))
				return false
			}
			for _, id := range []string{"u1", "u2", "u3"} {
				if err := c.SetOrgRole(context.Background(), id, "admin"); err != nil {
					t.Fatal(err)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if len(arrivals) != 2 {
				t.Fatalf("%d later PATCHes, want 2", len(arrivals))
			}
			if early := arrivals[0] < 900*time.Millisecond; early == tc.held {
				t.Fatalf("the next PATCH came %v after the answer that spent the window (held back: %v, want %v)", arrivals[0], !early, tc.held)
			}
		})
	}
}

func TestWindowSpent(t *testing.T) {
	for _, tc := range []struct {
		left, reset string
		want        time.Duration
		ok          bool
	}{
		{"0", "3", 3 * time.Second, true},
		{" 00 ", "2.5", 3 * time.Second, true},
		{"0", "", 0, false},
		{"0", "0", 0, false},
		{"0", "soon", 0, false},
		{"1", "3", 0, false},
		{"-0", "3", 0, false},
		{"0.0", "3", 0, false},
		{"", "3", 0, false},
	} {
		h := http.Header{}
		if tc.left != "" {
			h.Set("RateLimit-Remaining", tc.left)
		}
		if tc.reset != "" {
			h.Set("RateLimit-Reset", tc.reset)
		}
		if d, ok := windowSpent(h); d != tc.want || ok != tc.ok {
			t.Errorf("Remaining %q, Reset %q: %v, %v; want %v, %v", tc.left, tc.reset, d, ok, tc.want, tc.ok)
		}
	}
}

// TestWindowSpentLoggedOnceAtInfo: the first wait for the server's window
// is logged at info, later ones at debug (a server that spends its window
// every few requests would fill the log); answers that come while a wait
// is on log nothing more.
func TestWindowSpentLoggedOnceAtInfo(t *testing.T) {
	f, srv := newFake(t)
	core, logs := observer.New(zapcore.DebugLevel)
	c := testClient(t, srv.URL, func(c *Config) { c.Logger = zap.New(core) })
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method == http.MethodPatch {
			w.Header().Set("RateLimit-Remaining", "0")
			w.Header().Set("RateLimit-Reset", "1")
		}
		return false
	}
	for _, id := range []string{"u1", "u2"} {
		if err := c.SetOrgRole(context.Background(), id, "admin"); err != nil {
			t.Fatal(err)
		}
	}
	var levels []zapcore.Level
	for _, e := range logs.All() {
		if strings.Contains(e.Message, "rate-limit window is spent") {
			levels = append(levels, e.Level)
		}
	}
	if !slices.Equal(levels, []zapcore.Level{zapcore.InfoLevel, zapcore.DebugLevel}) {
		t.Fatalf("the waits were logged at %v, want info then debug", levels)
	}
}

// TestWindowWaitsLoggedByTheMinute: the waits for the server's windows
// are logged at info for each whole minute they come to in all, so that a
// run held back window after window (each logged at debug) is not silent.
func TestWindowWaitsLoggedByTheMinute(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	c := testClient(t, "http://127.0.0.1:1", func(c *Config) { c.Logger, c.MaxElapsed = zap.New(core), time.Hour })
	h := http.Header{"Ratelimit-Remaining": {"0"}, "Ratelimit-Reset": {"40"}}
	cl := call{method: http.MethodPatch, path: "/Users/u1"}
	for range 4 { // 40 s each, 2 min 40 s in all
		c.heed(cl, h)
		c.pausedUntil.Store(0) // as if the wait had passed (heed itself never sleeps)
	}
	var totals []string
	for _, e := range logs.All() {
		if strings.Contains(e.Message, "have held requests back for") {
			totals = append(totals, strings.TrimSuffix(strings.SplitAfter(e.Message, "back for ")[1], " in all so far"))
		}
	}
	if !slices.Equal(totals, []string{"1m20s", "2m0s"}) {
		t.Errorf("the minutes logged at info: %q, want 1m20s then 2m0s", totals)
	}
}
