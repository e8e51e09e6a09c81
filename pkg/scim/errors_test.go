package scim

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
)

// TestClassifier: one function decides what an answer is; callers branch
// with errors.Is and errors.As.
func TestClassifier(t *testing.T) {
	sentinels := []error{ErrSeatLimit, ErrReactivationRefused, ErrNameTaken, ErrNotFound, ErrUnauthorized, ErrForbidden,
		ErrRateLimited, ErrRedirect, ErrRoleAttributeRefused}
	cases := []struct {
		name   string
		method string
		status int
		detail string
		header []string
		is     []error
	}{
		{"seat limit", "POST", 400, "Seat limit reached for organization", nil, []error{ErrSeatLimit}},
		{"seat limit on a role change", "PATCH", 403, "seat limit reached", nil, []error{ErrSeatLimit, ErrForbidden}},
		{"saas reactivation", "PATCH", 400, "User reactivation operations are not supported in SaaS Cloud", nil, []error{ErrReactivationRefused}},
		{"name taken", "POST", 409, "Resource already exists", nil, []error{ErrNameTaken}},
		{"409 on a patch is no name", "PATCH", 409, "conflict", nil, nil},
		{"404", "GET", 404, "", nil, []error{ErrNotFound}},
		{"401", "GET", 401, "", nil, []error{ErrUnauthorized}},
		{"403", "GET", 403, "", nil, []error{ErrForbidden}},
		{"429", "GET", 429, "", []string{"Retry-After", "7"}, []error{ErrRateLimited}},
		{"302", "GET", 302, "", []string{"Location", "https://x/y"}, []error{ErrRedirect}},
		{"500", "GET", 500, "Seat limits are fine", nil, nil},
	}
	c, err := New(Config{BaseURL: "https://x/scim", APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{"Content-Type": {"application/scim+json"}}
			for i := 0; i+1 < len(tc.header); i += 2 {
				h.Set(tc.header[i], tc.header[i+1])
			}
			body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"` + tc.detail + `","status":"400"}`
			err := c.checkResponse(call{method: tc.method, path: "/Users"}, &http.Response{StatusCode: tc.status, Header: h}, []byte(body))
			for _, s := range sentinels {
				want := false
				for _, w := range tc.is {
					want = want || w == s
				}
				if errors.Is(err, s) != want {
					t.Errorf("errors.Is(%v, %v) = %v", err, s, !want)
				}
			}
			var e *Error
			detail := tc.detail
			if tc.status == 302 {
				detail = "redirected to https://x/y"
			}
			if !errors.As(err, &e) || e.HTTPStatus() != tc.status || e.SCIMDetail() != detail {
				t.Fatalf("not an *Error carrying status and detail: %#v", err)
			}
			if errors.Is(err, ErrSeatLimit) && e.Hint != hintSeat {
				t.Fatalf("seat limit hint %q", e.Hint)
			}
			var rl *RateLimitError
			if errors.As(err, &rl) != (tc.status == 429) || (rl != nil && rl.Wait != 7*time.Second) {
				t.Fatalf("rate limit error %#v", rl)
			}
		})
	}
}

// TestClassifierOtherJSONBody: an error body that is JSON without detail
// or message ({"error": ...}) is shown as the server's words, redacted, and
// classified by them; a SCIM error that only names its status adds nothing.
func TestClassifierOtherJSONBody(t *testing.T) {
	c, err := New(Config{BaseURL: "https://x/scim", APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	check := func(body string) *Error {
		t.Helper()
		var e *Error
		if err := c.checkResponse(call{method: "POST", path: "/Users"}, &http.Response{StatusCode: 400, Header: http.Header{}}, []byte(body)); !errors.As(err, &e) {
			t.Fatalf("%s: not an *Error: %v", body, err)
		}
		return e
	}
	for _, body := range []string{
		`{"error": "Seat limit reached", "key": "` + testKey + `"}`,
		`{"status": 400, "error": "Seat limit reached"}`,
		`{"status": "400", "errors": [{"message": "Seat limit reached"}]}`,
	} {
		e := check(body)
		if !errors.Is(e, ErrSeatLimit) || !strings.Contains(e.SCIMDetail(), "Seat limit reached") || strings.Contains(e.Error(), testKey) {
			t.Errorf("%s: seat limit %v, detail %q, error %q", body, errors.Is(e, ErrSeatLimit), e.SCIMDetail(), e.Error())
		}
	}
	if e := check(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400"}`); e.SCIMDetail() != "" {
		t.Fatalf("a bare SCIM error gave detail %q", e.SCIMDetail())
	}
	// A SCIM error cut at the cap is JSON that does not decode, not a
	// "non-JSON" body; plain text still is.
	if e := check(`{"status":"400","detail":"Seat limit reached and more tha`); !strings.HasPrefix(e.Detail, "malformed JSON body") || !errors.Is(e, ErrSeatLimit) {
		t.Errorf("cut JSON: detail %q, seat limit %v", e.Detail, errors.Is(e, ErrSeatLimit))
	}
	if e := check(`Seat limit reached`); !strings.HasPrefix(e.Detail, "non-JSON body: Seat limit reached") {
		t.Errorf("plain text: detail %q", e.Detail)
	}
}

// TestHint401: a refused key on Dedicated or Self-Managed sent as Bearer
// may be a server before v0.79, which takes only Basic: the hint says so.
func TestHint401(t *testing.T) {
	for _, tc := range []struct {
		auth string
		dep  model.Deployment
		want bool
	}{{"bearer", model.Dedicated, true}, {"", model.Dedicated, true}, {"basic", model.Dedicated, false}, {"bearer", model.SaaS, false}} {
		c, err := New(Config{BaseURL: "https://x/scim", APIKey: testKey, Auth: tc.auth, Deployment: tc.dep})
		if err != nil {
			t.Fatal(err)
		}
		var e *Error
		if err := c.checkResponse(call{method: "GET", path: "/Users", list: true}, &http.Response{StatusCode: 401, Header: http.Header{}}, nil); !errors.As(err, &e) {
			t.Fatalf("not an *Error: %v", err)
		}
		if got := strings.Contains(e.Error(), "try --auth basic"); got != tc.want || !strings.Contains(e.Error(), hint401) {
			t.Errorf("%s on %s: %q", tc.auth, tc.dep, e.Error())
		}
	}
	// A 200 that is a SCIM error saying 401 answered nothing: the hint
	// stays.
	f0, srv0 := newFake(t)
	f0.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		writeJSON(w, "application/scim+json", http.StatusOK, map[string]any{
			"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"}, "status": "401", "detail": "unauthorized"})
		return true
	}
	c0 := testClient(t, srv0.URL, func(c *Config) { c.Deployment = model.Dedicated })
	for range 2 {
		if _, err := c0.ListUsers(context.Background()); err == nil || !strings.Contains(err.Error(), "try --auth basic") {
			t.Errorf("a 200 carrying a 401: %v", err)
		}
	}
	// Once a request was answered, Bearer works: a later 401 (a write the
	// key may not make) is no question of the scheme.
	f, srv := newFake(t)
	f.users = mkUsers(1)
	c := testClient(t, srv.URL, func(c *Config) { c.Deployment = model.Dedicated })
	if _, err := c.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	failN(f, "PATCH", 1, status(401))
	if err := c.SetOrgRole(context.Background(), "u1", "admin"); err == nil || strings.Contains(err.Error(), "try --auth basic") {
		t.Errorf("401 after an accepted request: %v", err)
	}
}

// TestWrite403AfterReads: a write refused with 403 by a server that
// answered this key before is said to be about the change, not the key's
// right to use SCIM; a 403 to a first request keeps the key's hint.
func TestWrite403AfterReads(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(1)
	c := testClient(t, srv.URL)
	failN(f, "PATCH", 1, status(403))
	if err := c.SetOrgRole(context.Background(), "u1", "admin"); err == nil || !strings.Contains(err.Error(), hint403) {
		t.Errorf("403 to a first request: %v", err)
	}
	if _, err := c.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	failN(f, "PATCH", 1, status(403))
	err := c.SetOrgRole(context.Background(), "u1", "admin")
	if err == nil || !strings.Contains(err.Error(), "the server refused this change, though the key could read") || strings.Contains(err.Error(), hint403) {
		t.Errorf("403 to a write after reads: %v", err)
	}
}

// html200 answers 200 with an HTML page.
func html200(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html")
	_, _ = io.WriteString(w, "<html><body>OK</body></html>")
}

// bare answers code with no body.
func bare(code int) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) { w.WriteHeader(code) }
}

// TestOutcomeUnknown: a write whose request may have been applied, with no
// answer or a gateway's, is unknown; a definite answer or a read is not.
func TestOutcomeUnknown(t *testing.T) {
	cases := []struct {
		name    string
		fail    func(w http.ResponseWriter)
		write   bool
		unknown bool
	}{
		{"PATCH dropped", drop, true, true},
		{"PATCH 502", status(502), true, true},
		{"PATCH 504", status(504), true, true},
		{"PATCH 503", status(503), true, true}, // a proxy answers 503 after passing a request on
		// A server error or a CDN's origin error may follow the work.
		{"PATCH 500", status(500), true, true},
		{"PATCH 524", status(524), true, true},
		{"PATCH 400", status(400), true, false},
		{"GET dropped", drop, false, false},
		{"GET 502", status(502), false, false},
		// A write answered 2xx in HTML (a proxy's page) was probably done.
		{"PATCH 200 HTML", html200, true, true},
		{"GET 200 HTML", html200, false, false},
		// A write accepted for later (or partly done) is not known done.
		{"PATCH 202", bare(202), true, true},
		{"PATCH 206", bare(206), true, true},
		{"PATCH 207", bare(207), true, true},
		// ... unless its body states an error: then it is that error.
		{"PATCH 202 stating 400", func(w http.ResponseWriter) {
			writeJSON(w, "application/scim+json", 202, map[string]any{
				"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"}, "detail": "Seat limit reached", "status": "400"})
		}, true, false},
		// ... even one that may follow the work when a proxy answers it:
		// the server itself wrote that the write failed.
		{"PATCH 200 stating 500", func(w http.ResponseWriter) {
			writeJSON(w, "application/scim+json", 200, map[string]any{
				"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"}, "detail": "internal error", "status": "500"})
		}, true, false},
		{"PATCH 200 stating 503", func(w http.ResponseWriter) {
			writeJSON(w, "application/scim+json", 200, map[string]any{
				"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"}, "detail": "try later", "status": "503"})
		}, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			method := "GET"
			if tc.write {
				method = "PATCH"
			}
			failN(f, method, 1<<30, tc.fail)
			c := testClient(t, srv.URL, func(c *Config) { c.MaxElapsed = 20 * time.Millisecond })
			var err error
			if tc.write {
				err = c.SetOrgRole(context.Background(), "u1", "admin")
			} else {
				_, err = c.ListUsers(context.Background())
			}
			var e *Error
			if !errors.As(err, &e) || e.OutcomeUnknown() != tc.unknown {
				t.Fatalf("err = %v, OutcomeUnknown want %v", err, tc.unknown)
			}
		})
	}
	// A create answered 202 is unknown and not sent again (it may yet be
	// made): one POST.
	t.Run("POST 202", func(t *testing.T) {
		f, srv := newFake(t)
		failN(f, "POST", 1<<30, bare(202))
		c := testClient(t, srv.URL)
		_, err := c.CreateTeam(context.Background(), "ml")
		var e *Error
		if !errors.As(err, &e) || !e.OutcomeUnknown() || f.count("POST") != 1 {
			t.Fatalf("err = %v after %d POSTs: want unknown after one", err, f.count("POST"))
		}
	})
	t.Run("never sent", func(t *testing.T) {
		hc, dials := dialer(errors.New("connection refused"))
		// The default budget: a short one may end on a loaded machine
		// before the first attempt does, and then nothing is retried.
		c := testClient(t, "http://127.0.0.1:1", func(c *Config) { c.HTTPClient = hc })
		_, err := c.CreateTeam(context.Background(), "ml")
		var e *Error
		if !errors.As(err, &e) || e.OutcomeUnknown() || dials.Load() < 2 {
			t.Fatalf("err = %v (%d dials): a create that never left is retried and known", err, dials.Load())
		}
	})
}

// TestRetriesLoggedAtInfo: each retry says what, why, which attempt and
// how long it waits; a read's, which page.
func TestRetriesLoggedAtInfo(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(3)
	failN(f, "GET", 2, status(503, "Retry-After", "0"))
	core, logs := observer.New(zapcore.InfoLevel)
	c := testClient(t, srv.URL, func(c *Config) { c.Logger = zap.New(core) })
	if _, err := c.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	entries := logs.FilterMessage("SCIM request failed; retrying").All()
	if len(entries) != 2 {
		t.Fatalf("%d retry lines: %s", len(entries), logText(logs))
	}
	for i, e := range entries {
		m := e.ContextMap()
		if e.Level != zapcore.InfoLevel || m["method"] != "GET" || m["path"] != "/scim/Users" ||
			!strings.Contains(m["reason"].(string), "503 Service Unavailable") || m["attempt"] != int64(i+1) || m["wait"] == nil ||
			m["what"] != "the users list page at startIndex 1" {
			t.Fatalf("retry line %d: %v", i, m)
		}
	}
}

// TestCreateAfterAmbiguousFailure: a POST that may have been applied is
// read back before it is sent again; a 429 is sent again as is; a 504 (a
// gateway stopped waiting, the server may still be at it) is read back
// and, not found, not sent again.
func TestCreateAfterAmbiguousFailure(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fail     func(w http.ResponseWriter)
		lookups  int
		wantPost int
	}{
		// Read back by userName, then by email (W&B may have made the user
		// under a handle of its own).
		{"500", status(500), 2, 2},
		{"502", status(502), 2, 2},
		{"503", status(503), 2, 2},
		{"504", status(504), 2, 1},
		{"429", status(429, "Retry-After", "0"), 0, 2},
		{"400", status(400), 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			failN(f, "POST", 1, tc.fail)
			c := testClient(t, srv.URL)
			_, err := c.CreateUser(context.Background(), model.User{UserName: "new@x.com"})
			if (err == nil) != (tc.wantPost == 2) || tc.name == "504" && (err == nil || !strings.Contains(err.Error(), "not sent again")) {
				t.Fatalf("err = %v", err)
			}
			if n := f.count("POST"); n != tc.wantPost {
				t.Fatalf("%d POSTs, want %d", n, tc.wantPost)
			}
			if n := f.count("GET /scim/Users?filter="); n != tc.lookups {
				t.Fatalf("%d read-backs, want %d", n, tc.lookups)
			}
		})
	}
}

// refusePosts makes f answer every POST with a SCIM error of status and
// detail.
func refusePosts(status int, detail string) func(f *fake) {
	return func(f *fake) {
		f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
			if r.Method == http.MethodPost {
				scimErr(w, status, detail)
				return true
			}
			return false
		}
	}
}

// TestCreateTeamConflict: a 409 adopts the one live team of that name this
// client did not know; otherwise the message fits the deployment.
func TestCreateTeamConflict(t *testing.T) {
	conflict := refusePosts(409, "Resource already exists")
	t.Run("made by a concurrent apply: adopted", func(t *testing.T) {
		f, srv := newFake(t)
		core, logs := observer.New(zapcore.InfoLevel)
		c := testClient(t, srv.URL, func(c *Config) { c.Logger = zap.New(core) })
		if _, err := c.ListGroups(context.Background()); err != nil {
			t.Fatal(err)
		}
		f.groups = []map[string]any{{"id": "theirs", "displayName": "ml"}}
		conflict(f)
		id, err := c.CreateTeam(context.Background(), "ml")
		if err != nil || id != "theirs" {
			t.Fatalf("id %q, err %v", id, err)
		}
		// Not made by this run: said at info level.
		if l := logs.FilterMessageSnippet("answered 409 (it exists): the existing team is used").All(); len(l) != 1 ||
			l[0].ContextMap()["team"] != "ml" || l[0].ContextMap()["id"] != "theirs" {
			t.Fatalf("adoption log lines: %v", l)
		}
	})
	t.Run("made under another letter case: adopted, the live name said", func(t *testing.T) {
		f, srv := newFake(t)
		core, logs := observer.New(zapcore.InfoLevel)
		c := testClient(t, srv.URL, func(c *Config) { c.Logger = zap.New(core) })
		f.groups = []map[string]any{{"id": "theirs", "displayName": "ml-team"}}
		conflict(f)
		id, err := c.CreateTeam(context.Background(), "ML-Team")
		if err != nil || id != "theirs" {
			t.Fatalf("id %q, err %v", id, err)
		}
		l := logs.FilterMessageSnippet("the existing team is used, under the name the server has for it").All()
		if len(l) != 1 || l[0].ContextMap()["team"] != "ML-Team" || l[0].ContextMap()["live_name"] != "ml-team" {
			t.Fatalf("adoption log lines: %v", logs.All())
		}
	})
	for _, tc := range []struct {
		dep    model.Deployment
		groups []map[string]any
		want   string
		not    string
	}{
		{model.SaaS, nil, "team names are global across W&B Multi-tenant Cloud: the name may be taken by another organization or user; choose another name for the team in the manifest", ""},
		{model.Dedicated, nil, "a team with this name already exists on the instance; choose another name for the team in the manifest", "Multi-tenant"},
		{model.Dedicated, []map[string]any{{"id": "a", "displayName": "ml"}, {"id": "b", "displayName": "ml"}}, "2 teams have it", "Multi-tenant"},
	} {
		t.Run(string(tc.dep)+" not adopted", func(t *testing.T) {
			f, srv := newFake(t)
			f.groups = tc.groups
			conflict(f)
			c := testClient(t, srv.URL, func(c *Config) { c.Deployment = tc.dep })
			_, err := c.CreateTeam(context.Background(), "ml")
			if !errors.Is(err, ErrNameTaken) || !strings.Contains(err.Error(), tc.want) || (tc.not != "" && strings.Contains(err.Error(), tc.not)) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

// TestCreateTeamRefused400: W&B may refuse a taken team name with 400: the
// name is looked up as after a 409; with no team of it, the error keeps the
// 400 and says what it may mean on the deployment; a team of that name
// that appeared (a concurrent apply) is used.
func TestCreateTeamRefused400(t *testing.T) {
	refuse := refusePosts(400, "team name ml is not available")
	for _, tc := range []struct {
		dep  model.Deployment
		want string
	}{
		{model.SaaS, "400 Bad Request: team name ml is not available (if the name is taken, which W&B may answer with 400: team names are global across W&B Multi-tenant Cloud"},
		{model.Dedicated, "(if the name is taken, which W&B may answer with 400: a team with this name already exists on the instance; choose another name for the team in the manifest)"},
	} {
		f, srv := newFake(t)
		refuse(f)
		c := testClient(t, srv.URL, func(c *Config) { c.Deployment = tc.dep })
		if _, err := c.CreateTeam(context.Background(), "ml"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: err = %v", tc.dep, err)
		}
	}
	f, srv := newFake(t)
	c := testClient(t, srv.URL)
	if _, err := c.ListGroups(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.groups = []map[string]any{{"id": "theirs", "displayName": "ml"}}
	refuse(f)
	if id, err := c.CreateTeam(context.Background(), "ml"); err != nil || id != "theirs" {
		t.Fatalf("a team of the name appeared: id %q, err %v", id, err)
	}
	// A team of the name this client knew: the 400 may be about it, or
	// not; the error keeps the 400 and says so, without claiming it.
	f2, srv2 := newFake(t)
	f2.groups = []map[string]any{{"id": "known", "displayName": "ml"}}
	c2 := testClient(t, srv2.URL)
	if _, err := c2.ListGroups(context.Background()); err != nil {
		t.Fatal(err)
	}
	refuse(f2)
	if _, err := c2.CreateTeam(context.Background(), "ml"); err == nil || !strings.Contains(err.Error(), "400 Bad Request: team name ml is not available (1 live team(s) have this name, which may be why") {
		t.Fatalf("a known team of the name: %v", err)
	}
}

func TestNewRefusesBadLimits(t *testing.T) {
	for _, cfg := range []Config{
		{Concurrency: caps.Concurrency + 1},
		{Concurrency: -1},
		{RateLimit: math.NaN()},
		{RateLimit: math.Inf(1)},
		{RateLimit: math.Inf(-1)},
		{RateLimit: caps.MinRateLimit / 2},
		{PageSize: caps.PageSize + 1},
	} {
		cfg.BaseURL = "https://x/scim"
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	for _, cfg := range []Config{{Concurrency: caps.Concurrency}, {RateLimit: caps.MinRateLimit}, {RateLimit: -1}, {PageSize: caps.PageSize}} {
		cfg.BaseURL = "https://x/scim"
		if _, err := New(cfg); err != nil {
			t.Errorf("New(%+v): %v", cfg, err)
		}
	}
	c, err := New(Config{BaseURL: "https://x/scim/"})
	if err != nil || c.pageSize != caps.PageSize || c.BaseURL() != "https://x/scim" {
		t.Fatalf("defaults: %v %+v", err, c)
	}
}

// TestRateLimitBurst: at most one second's worth of the rate starts at
// once, however high the concurrency (at --rate-limit 0.2 and
// --concurrency 64, 29 requests had gone out within 21 ms), and at least one.
func TestRateLimitBurst(t *testing.T) {
	for _, tc := range []struct {
		rate      float64
		conc, now int // how many may start at one instant
	}{
		{0.2, 64, 1}, {2, 32, 2}, {2.9, 64, 2}, {10, 4, 4}, {0, 64, DefaultRateLimit}, {0, 4, 4}, {100, 64, 64},
	} {
		l, err := limiter(tc.rate, tc.conc)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Now()
		started := 0
		for l.AllowN(at, 1) {
			started++
		}
		if started != tc.now {
			t.Errorf("rate %v, concurrency %d: %d start at once, want %d", tc.rate, tc.conc, started, tc.now)
		}
	}
}

// TestRateLimitWaitEndsWithContext: a wait for the token bucket stops when
// the context ends.
func TestRateLimitWaitEndsWithContext(t *testing.T) {
	f, srv := newFake(t)
	c := testClient(t, srv.URL, func(c *Config) { c.RateLimit, c.Concurrency = caps.MinRateLimit, 1 })
	if _, err := c.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := c.ListUsers(ctx); done <- err }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if n := f.count("GET"); n != 1 {
		t.Fatalf("%d requests", n)
	}
}

// TestHTMLHints: an HTML page says "is the URL ...?" only where the URL may
// be wrong: a first answer below 500. A 5xx page is an outage's or a
// proxy's, and a page after SCIM answers in the run is not about the URL.
func TestHTMLHints(t *testing.T) {
	page := func(code int) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(code)
			_, _ = io.WriteString(w, "<html><body>Service Temporarily Unavailable</body></html>")
		}
	}
	f, srv := newFake(t)
	f.users = mkUsers(1)
	c := testClient(t, srv.URL, func(c *Config) { c.MaxElapsed = 50 * time.Millisecond })
	failN(f, "GET", 1, page(404))
	if _, err := c.ListUsers(context.Background()); err == nil || !strings.Contains(err.Error(), hintBaseURL) {
		t.Errorf("a first 404 page: %v", err)
	}
	failN(f, "GET", 1000, page(503))
	if _, err := c.ListUsers(context.Background()); err == nil || !strings.Contains(err.Error(), hintHTMLOutage) || strings.Contains(err.Error(), hintBaseURL) {
		t.Errorf("a 503 page: %v", err)
	}
	f.hook = nil
	if _, err := c.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	failN(f, "GET", 1, page(404))
	if _, err := c.ListUsers(context.Background()); err == nil || !strings.Contains(err.Error(), hintHTMLAfterSCIM) || strings.Contains(err.Error(), hintBaseURL) {
		t.Errorf("a 404 page after SCIM answers: %v", err)
	}
}

// TestOnSend: the callback runs as each attempt is sent, before the server
// sees it, once per attempt (a 503 then a 200: twice).
func TestOnSend(t *testing.T) {
	f, srv := newFake(t)
	var answered atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if answered.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		return false
	}
	c := testClient(t, srv.URL)
	var seen []int
	ctx := OnSend(context.Background(), func() { seen = append(seen, f.count("GET")) })
	if _, err := c.ListUsers(ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []int{0, 1}) {
		t.Errorf("requests the server had seen at each call: %v, want [0 1]", seen)
	}
}

// TestDebugLogSaysCancelled: a request wbsync itself ended (its context
// cancelled: another read failed, an interrupt) is logged "cancelled" at
// debug, not "transport error".
func TestDebugLogSaysCancelled(t *testing.T) {
	f, srv := newFake(t)
	arrived := make(chan struct{}, 1)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		arrived <- struct{}{}
		<-r.Context().Done()
		return true
	}
	core, logs := observer.New(zapcore.DebugLevel)
	c := testClient(t, srv.URL, func(c *Config) { c.Logger = zap.New(core) })
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	if _, err := c.ListUsers(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	got := logs.FilterMessage("scim request").All()
	if len(got) != 1 || got[0].ContextMap()["error"] != "cancelled" {
		t.Fatalf("debug lines: %v", got)
	}
}

// TestBaseURLHintNamesTheMistake: a 404 or a body that is no SCIM list at a
// --url ending with /Users (which wbsync adds) says to drop it; the web
// app's host says where the API is; any other keeps the general hint.
func TestBaseURLHintNamesTheMistake(t *testing.T) {
	f, srv := newFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		scimErr(w, http.StatusNotFound, "not found")
		return true
	}
	_, err := testClient(t, srv.URL, func(c *Config) { c.BaseURL = srv.URL + "/scim/v2/Users/" }).ListUsers(context.Background())
	if err == nil || !strings.Contains(err.Error(), "--url ends with /Users, which wbsync adds itself: drop it, as in --url "+srv.URL+"/scim/v2") || strings.Contains(err.Error(), hintBaseURL) {
		t.Errorf("--url .../scim/v2/Users: %v", err)
	}
	for base, want := range map[string]string{
		"https://wandb.ai/scim":             "wandb.ai is the W&B web app: the SCIM API of Multi-tenant Cloud is https://api.wandb.ai/scim; " + hintBaseURL,
		"https://acme.wandb.io/scim/Groups": "the server answered HTML, not SCIM JSON: --url ends with /Groups, which wbsync adds itself: drop it, as in --url https://acme.wandb.io/scim",
		"https://acme.wandb.io/scim":        hintHTML,
	} {
		u, _ := url.Parse(base)
		hint := hintBaseURL
		if !strings.HasPrefix(want, "wandb.ai") {
			hint = hintHTML
		}
		if got := (&Client{base: u}).baseURLHint(hint); got != want {
			t.Errorf("%s: %q, want %q", base, got, want)
		}
	}
}
