package emulator

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap/zaptest"

	"github.com/wbsync/wbsync/pkg/caps"
)

func seedUsers(n int) string {
	var us []string
	for i := 0; i < n; i++ {
		us = append(us, fmt.Sprintf(`{"userName":"user%02d@example.com"}`, i))
	}
	return `{"users":[` + strings.Join(us, ",") + `],"teams":[]}`
}

// readAll pages through /Users with count, returning the userNames and the pages' sizes.
func readAll(t *testing.T, e *env, count int) (names []string, sizes []int) {
	t.Helper()
	for start := 1; ; {
		r := e.do("GET", fmt.Sprintf("/Users?startIndex=%d&count=%d", start, count), nil).want(t, 200)
		l := r.list()
		if r.body["itemsPerPage"] != float64(len(l)) || r.body["startIndex"] != float64(start) ||
			r.body["schemas"].([]any)[0] != schemaList {
			t.Fatalf("page at %d: %s", start, r.raw)
		}
		for _, u := range l {
			names = append(names, u["userName"].(string))
		}
		sizes = append(sizes, len(l))
		if len(l) == 0 || start-1+len(l) >= int(r.body["totalResults"].(float64)) {
			return names, sizes
		}
		start += len(l)
	}
}

func TestPaging(t *testing.T) {
	var want []string
	for i := 0; i < 25; i++ {
		want = append(want, fmt.Sprintf("user%02d@example.com", i))
	}
	for _, tc := range []struct {
		name  string
		opts  Options
		count int
		sizes []int
	}{
		{"count honoured", Options{}, 10, []int{10, 10, 5}},
		{"page cap below count", Options{PageCap: 7}, 10, []int{7, 7, 7, 4}},
		{"ignore count", Options{IgnoreCount: true}, 10, []int{25}},
		// The cap holds whatever count asks, ignored or not.
		{"ignore count under a page cap", Options{IgnoreCount: true, PageCap: 7}, 2, []int{7, 7, 7, 4}},
		{"count above the max", Options{}, 100000, []int{25}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := start(t, tc.opts, seedUsers(25))
			names, sizes := readAll(t, e, tc.count)
			if diff := cmp.Diff(want, names); diff != "" {
				t.Errorf("users in creation order (-want +got):\n%s", diff)
			}
			if !slices.Equal(sizes, tc.sizes) {
				t.Errorf("page sizes %v, want %v", sizes, tc.sizes)
			}
		})
	}
	e := start(t, Options{}, seedUsers(25))
	if r := e.do("GET", "/Users", nil).want(t, 200); len(r.list()) != 25 || r.body["startIndex"] != 1.0 {
		t.Errorf("default page: %d users, startIndex %v", len(r.list()), r.body["startIndex"])
	}
	if r := e.do("GET", "/Users?startIndex=40&count=10", nil).want(t, 200); len(r.list()) != 0 || r.body["totalResults"] != 25.0 {
		t.Errorf("past the end: %s", r.raw)
	}
	if r := e.do("GET", "/Users?count=0", nil).want(t, 200); len(r.list()) != 0 || r.body["totalResults"] != 25.0 {
		t.Errorf("count=0: %s", r.raw)
	}
	e.do("GET", "/Users?count=ten", nil).wantError(t, 400, "count")
	// An integer too large for an int is still an integer: held at the page
	// maximum, as any other large count; a huge startIndex is past the end.
	if r := e.do("GET", "/Users?count=100000000000000000000", nil).want(t, 200); len(r.list()) != 25 {
		t.Errorf("huge count: %d resources", len(r.list()))
	}
	if r := e.do("GET", "/Users?startIndex=100000000000000000000", nil).want(t, 200); len(r.list()) != 0 {
		t.Errorf("huge startIndex: %d resources", len(r.list()))
	}
	e.do("GET", "/Groups?startIndex=1x", nil).wantError(t, 400, "startIndex")
	ig := start(t, Options{IgnoreCount: true}, seedUsers(5))
	if r := ig.do("GET", "/Users?startIndex=3&count=1", nil).want(t, 200); len(r.list()) != 5 || r.body["startIndex"] != 1.0 {
		t.Errorf("ignore count: %s", r.raw)
	}
}

func TestFaultsReproducible(t *testing.T) {
	run := func(seed int64) []int {
		e := start(t, Options{FaultRate: 0.5, Faults: []string{"429", "500", "503"}, Seed: seed}, seedBasic)
		var codes []int
		for i := 0; i < 40; i++ {
			r := e.do("GET", "/Users", nil)
			codes = append(codes, r.status)
			switch r.status {
			case 200:
			case 429:
				if r.header.Get("Retry-After") != "1" {
					t.Errorf("429 without Retry-After: 1")
				}
				r.wantError(t, 429, "")
			case 500, 503:
				r.wantError(t, r.status, "")
			default:
				t.Fatalf("unexpected status %d", r.status)
			}
		}
		st := e.srv.Stats()
		faults := 0
		for _, c := range codes {
			if c != 200 {
				faults++
			}
		}
		if st.Requests["GET"] != 40 || st.Faults != faults {
			t.Errorf("stats %+v, want 40 GETs and %d faults", st, faults)
		}
		return codes
	}
	a, b, c := run(7), run(7), run(8)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different faults:\n%v\n%v", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("seeds 7 and 8 gave the same 40 outcomes: %v", a)
	}
	kinds := map[int]bool{}
	for _, x := range a {
		kinds[x] = true
	}
	if len(kinds) != 4 {
		t.Errorf("40 requests at rate 0.5 met only %v", kinds)
	}
}

func TestResetAppliesThenDrops(t *testing.T) {
	e := start(t, Options{FaultRate: 1, Faults: []string{"reset"}}, seedBasic)
	body, _ := json.Marshal(newUser("erin@example.com"))
	req, _ := http.NewRequest("POST", e.base+"/Users", strings.NewReader(string(body)))
	req.Header.Set("Authorization", e.auth)
	res, err := e.hs.Client().Do(req)
	if err == nil {
		res.Body.Close()
		t.Fatalf("a reset fault answered %d", res.StatusCode)
	}
	found := false
	for _, u := range e.srv.Snapshot().Users {
		found = found || u.UserName == "erin@example.com"
	}
	if !found {
		t.Error("the change was not applied before the connection dropped")
	}
	if st := e.srv.Stats(); st.Requests["POST"] != 1 || st.Faults != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestStatsEndpoint(t *testing.T) {
	e := start(t, Options{APIKey: testKey, FaultRate: 1, Faults: []string{"500"}}, seedBasic)
	e.do("GET", "/Users", nil)
	e.do("POST", "/Groups", map[string]any{"displayName": "x"})
	e.do("PATCH", "/Groups/x", patchOps())
	e.do("DELETE", "/Users/x", nil)
	e.do("BREW", "/Users", nil) // served (an error), but no method beyond the five is counted
	e.do("OPTIONS", "/Users", nil)
	// The stats endpoint needs no key, is not counted and meets no fault.
	for i := 0; i < 2; i++ {
		res, err := http.Get(e.hs.URL + "/_emulator/stats")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("stats: %d %s", res.StatusCode, raw)
		}
		var st Stats
		if err := json.Unmarshal(raw, &st); err != nil {
			t.Fatal(err)
		}
		want := Stats{Requests: map[string]int{"GET": 1, "POST": 1, "PATCH": 1, "PUT": 0, "DELETE": 1}, Faults: 6}
		if diff := cmp.Diff(want, st); diff != "" {
			t.Errorf("stats (-want +got):\n%s", diff)
		}
	}
	e.srv.ResetStats()
	if st := e.srv.Stats(); st.Faults != 0 || st.Requests["GET"] != 0 || len(st.Requests) != 5 {
		t.Errorf("after reset: %+v", st)
	}
}

func TestLatencyHonoursCancellation(t *testing.T) {
	srv, err := New(Options{Latency: time.Hour}, nil, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest("GET", "/scim/Users", nil).WithContext(ctx)
	req.Header.Set("Authorization", "Bearer k")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req) // returns at once: the request is cancelled
	if rec.Body.Len() != 0 {
		t.Errorf("a cancelled request was answered: %d %s", rec.Code, rec.Body)
	}
	fast, _ := New(Options{Latency: time.Millisecond}, nil, zaptest.NewLogger(t))
	rec = httptest.NewRecorder()
	req = httptest.NewRequest("GET", "/scim/Users", nil)
	req.Header.Set("Authorization", "Bearer k")
	fast.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("with latency: %d", rec.Code)
	}
}

// TestLatencyAbandonedWriteNotServed: a create whose client gives up
// during the latency wait (an interrupted apply's request in flight) is
// not served, as documented: the body is read first, so that net/http
// notices the closed connection.
func TestLatencyAbandonedWriteNotServed(t *testing.T) {
	srv, err := New(Options{Latency: time.Hour}, nil, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	arrived, done := make(chan struct{}), make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		srv.ServeHTTP(w, r)
		close(done)
	}))
	// Closed only once the handler returned: Close waits for it.
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "POST", hs.URL+"/scim/Users", strings.NewReader(
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a@example.com","emails":[{"value":"a@example.com","primary":true}],"active":true}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer k")
	req.Header.Set("Content-Type", "application/scim+json")
	go func() {
		<-arrived
		cancel()
	}()
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("answered %s during an hour's latency", resp.Status)
	}
	select {
	case <-done:
		hs.Close()
	case <-time.After(30 * time.Second):
		t.Fatal("the abandoned request is still waiting")
	}
	if n := srv.ActiveUsers(); n != 0 {
		t.Errorf("%d user(s) after an abandoned create, want 0", n)
	}
}

func TestRegisterFlags(t *testing.T) {
	var o Options
	fs := flag.NewFlagSet("emulate", flag.ContinueOnError)
	o.RegisterFlags(fs)
	err := fs.Parse([]string{"--deployment", "saas", "--api-key", "k", "--legacy-shapes", "--page-cap", "50",
		"--ignore-count", "--service-accounts", "2", "--latency", "20ms", "--fault-rate", "0.2",
		"--faults", "429, reset", "--seed", "9", "--max-ops-per-patch", "-1", "--max-add-values", "100",
		"--taken-team-names", "a,b", "--seat-limit", "30"})
	if err != nil {
		t.Fatal(err)
	}
	want := Options{Deployment: "saas", APIKey: "k", LegacyShapes: true, PageCap: 50, IgnoreCount: true,
		ServiceAccounts: 2, Latency: 20 * time.Millisecond, FaultRate: 0.2, Faults: []string{"429", "reset"}, Seed: 9,
		MaxOpsPerPatch: -1, MaxAddValues: 100, TakenTeamNames: []string{"a", "b"}, SeatLimit: 30}
	if diff := cmp.Diff(want, o); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
	var d Options
	fs = flag.NewFlagSet("emulate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	d.RegisterFlags(fs)
	if d.Deployment != "dedicated" {
		t.Errorf("default deployment %q", d.Deployment)
	}
	if err := fs.Parse([]string{"--faults", "429,boom"}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("unknown fault: %v", err)
	}
	if err := fs.Parse([]string{"--faults", "429,,500"}); err == nil || !strings.Contains(err.Error(), "an empty item") {
		t.Errorf("an empty item: %v", err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	for _, o := range []Options{
		{Deployment: "cloud"},
		{FaultRate: 1.5},
		{FaultRate: math.NaN()},
		{Faults: []string{"404"}},
		{PageCap: -1},
		{Latency: -time.Second},
		{ServiceAccounts: caps.EmulatorServiceAccounts + 1},
		{TeamServiceAccounts: caps.EmulatorTeamServiceAccounts + 1},
	} {
		if _, err := New(o, nil, zaptest.NewLogger(t)); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
	srv, err := New(Options{FaultRate: 0.1}, nil, nil)
	if err != nil || len(srv.opts.Faults) != 4 {
		t.Errorf("a fault rate without faults draws from all four: %v %v", srv.opts.Faults, err)
	}
}
