package scim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
)

// endlessJSON repeats unit after prefix forever.
type endlessJSON struct {
	prefix io.Reader
	unit   string
	off    int // into unit
}

func (e *endlessJSON) Read(p []byte) (int, error) {
	if n, _ := e.prefix.Read(p); n > 0 {
		return n, nil
	}
	n := 0
	for n < len(p) {
		c := copy(p[n:], e.unit[e.off:])
		n += c
		e.off = (e.off + c) % len(e.unit)
	}
	return n, nil
}

// TestEndlessBody: a body that never ends is an error, never retried, with
// a heap bounded whatever it holds: at the longest token, the largest
// record, or the body cap (the list cap for a list page, caps.Body for the
// rest).
func TestEndlessBody(t *testing.T) {
	list := func(c *Client) error { _, err := c.ListUsers(context.Background()); return err }
	cases := []struct {
		name, prefix, unit string
		status             int
		maxBody            int64
		do                 func(c *Client) error
		want               string
		max                uint64
	}{
		{"one endless string", `{"totalResults":1,"Resources":[{"id":"a","userName":"`, "a", 200, 0, list,
			fmt.Sprintf("longer than %d bytes", caps.Token), 1 << 20},
		{"endless blanks", `{"totalResults":1,`, " ", 200, 0, list,
			fmt.Sprintf("longer than %d bytes", caps.Token), 1 << 20},
		{"endless skipped value, at the list cap", `{"totalResults":1,"x":[`, `"abcdefgh",`, 200, 64 << 10, list,
			"response body larger than 65536 bytes: refusing it (a page of up to 100 resources can be that large: try --page-size 10 (no page size helps a server that sends more than it is asked for))", 16 << 20},
		{"created team", `{"id":"`, "a", 201, 0,
			func(c *Client) error { _, err := c.CreateTeam(context.Background(), "t"); return err },
			fmt.Sprintf("response body larger than %d bytes", caps.Body), 16 * caps.Body},
		{"error body", `{"detail":"`, "a", 400, 0,
			func(c *Client) error { return c.SetActive(context.Background(), "u", false) }, "400 Bad Request", 16 * caps.Body},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				w.Header().Set("Content-Type", "application/scim+json")
				w.WriteHeader(tc.status)
				_, _ = io.Copy(w, &endlessJSON{prefix: strings.NewReader(tc.prefix), unit: tc.unit})
				return true
			}
			c := testClient(t, srv.URL, func(c *Config) { c.MaxBody = tc.maxBody })
			var before, after runtimeStats
			before.read()
			err := tc.do(c)
			after.read()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			// One request, and for a create answered 201 one look-up of
			// what it made (never a second create).
			reqs, want := f.requests(), 1
			if tc.status == http.StatusCreated {
				want = 2
			}
			if len(reqs) != want || !strings.HasPrefix(reqs[0], "POST") && tc.status == http.StatusCreated ||
				want == 2 && !strings.HasPrefix(reqs[1], "GET") {
				t.Fatalf("requests %q, want %d (a create, then a look-up)", reqs, want)
			}
			alloc := after.total - before.total
			t.Logf("allocated %d KiB", alloc>>10)
			if alloc > tc.max {
				t.Fatalf("allocated %d KiB", alloc>>10)
			}
		})
	}
}

// TestJSONGuard: the raw-byte bounds stop an endless string, blank run or
// record before the decoder buffers it, and pass what is well within them.
func TestJSONGuard(t *testing.T) {
	for _, tc := range []struct {
		name, prefix, unit, want string
		small                    bool // bounds of 1 KiB and 64 KiB instead of wbsync's
	}{
		{"string", `{"a":"`, "x", "longer than 24640 bytes", false},
		{"escaped string", `{"a":"`, `\u0041`, "longer than", false},
		{"number", `{"a":`, "1", "longer than", false},
		{"blanks", `{`, " ", "longer than", false},
		{"record", `{"Resources":[{"x":[`, "1,", fmt.Sprintf("a record larger than %d bytes", caps.Record), false},
		{"record of objects", `{"Resources":[{"members":[`, `{"value":"u"},`, "a record larger than 65536 bytes", true},
		{"string, small bounds", `{"Resources":[{"id":"`, "x", "longer than 1024 bytes", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newJSONGuard(&endlessJSON{prefix: strings.NewReader(tc.prefix), unit: tc.unit})
			if tc.small {
				g.token, g.record = 1<<10, 64<<10
			}
			n, err := io.Copy(io.Discard, g)
			if !errors.Is(err, errJSONBounds) || !strings.Contains(err.Error(), tc.want) || n > int64(g.record)+1<<10 {
				t.Fatalf("after %d bytes: %v", n, err)
			}
		})
	}
	ok := `{"totalResults":2,"Resources":[{"id":"` + strings.Repeat("é", caps.Field/2) + `","members":[` +
		strings.Repeat(`{"value":"u"},`, 1000) + `{"value":"v"}]}, "` + strings.Repeat(`\"`, caps.Field) + `"]}`
	if _, err := io.Copy(io.Discard, newJSONGuard(strings.NewReader(ok))); err != nil {
		t.Fatalf("a body within bounds: %v", err)
	}
}

// TestEndlessRecords: an endless array of small records past totalResults
// stops at totalResults without reading on.
func TestEndlessRecords(t *testing.T) {
	f, srv := newFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		w.Header().Set("Content-Type", "application/scim+json")
		_, _ = io.WriteString(w, `{"totalResults":3,"Resources":[`)
		for i := 0; r.Context().Err() == nil; i++ {
			if _, err := fmt.Fprintf(w, `{"id":"u%d","userName":"n%d"},`, i, i); err != nil {
				return true
			}
		}
		return true
	}
	_, err := testClient(t, srv.URL).ListUsers(context.Background())
	if err == nil || !strings.Contains(err.Error(), "holds more resources than totalResults 3") {
		t.Fatalf("err = %v", err)
	}
}

// trickle answers 200 and then a blank every 5 ms, until the client goes.
func trickle(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(200)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}
}

// TestTricklingBody: a body sent one byte at a time is ended by the
// per-request timeout (then retried, within the budget).
func TestTricklingBody(t *testing.T) {
	f, srv := newFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		trickle(w, r)
		return true
	}
	c := testClient(t, srv.URL, func(c *Config) { c.Timeout, c.MaxElapsed = 60*time.Millisecond, 150*time.Millisecond })
	_, err := c.ListUsers(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.Status != 0 || e.Hint != hintTimeout {
		t.Fatalf("err = %v, want a timeout", err)
	}
}

// TestPageOverWandBMaximum: a page that holds more than 9999 resources (and
// claims a total to match) is refused after 9999 records are decoded, never
// decoded to the body cap.
func TestPageOverWandBMaximum(t *testing.T) {
	f, srv := newFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		w.Header().Set("Content-Type", "application/scim+json")
		_, _ = io.WriteString(w, `{"totalResults":1000000,"Resources":[`)
		for i := 0; r.Context().Err() == nil; i++ {
			if _, err := fmt.Fprintf(w, `{"id":"u%d","userName":"n%d"},`, i, i); err != nil {
				return true
			}
		}
		return true
	}
	_, err := testClient(t, srv.URL).ListUsers(context.Background())
	if err == nil || !strings.Contains(err.Error(), "holds more than 9999 resources, W&B's most per request: refusing it (asked for 100 a page: a server that sends more than it is asked for is not helped by any --page-size") {
		t.Fatalf("err = %v", err)
	}
}

// TestOversizeWriteAnswerUnknown: a create answered 2xx with a body over
// the cap probably took effect, but what it made is not known: its outcome
// is unknown (the next plan shows it), never failed; a PATCH, whose answer
// is not used (W&B answers a Group PATCH with the whole group, megabytes
// for a large team), is done up to the list cap and unknown past it (a
// body over every cap is an error, not a success); an oversize read is a
// plain error.
func TestOversizeWriteAnswerUnknown(t *testing.T) {
	f, srv := newFake(t)
	size := 4096
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		w.Header().Set("Content-Type", "application/scim+json")
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
		}
		_, _ = io.WriteString(w, `{"id":"`+strings.Repeat("a", size)+`"}`)
		return true
	}
	c := testClient(t, srv.URL, func(c *Config) { c.MaxBody = 1024 })
	c.listBody = 64 << 10 // MaxBody lowered both caps: a PATCH answer is drained up to this one
	var e *Error
	if _, err := c.CreateTeam(context.Background(), "t"); !errors.As(err, &e) || !e.OutcomeUnknown() {
		t.Errorf("create: err = %v, want an unknown outcome", err)
	}
	if err := c.SetActive(context.Background(), "u", false); err != nil {
		t.Errorf("deactivate: err = %v, want done", err)
	}
	if err := c.AddMembers(context.Background(), "g", []string{"u"}); err != nil {
		t.Errorf("add: err = %v, want done", err)
	}
	_, err := c.ListUsers(context.Background())
	if !errors.As(err, &e) || e.OutcomeUnknown() {
		t.Errorf("read: err = %v, want a plain error", err)
	}
	size = 128 << 10 // over the list cap too
	for name, write := range map[string]func() error{
		"deactivate": func() error { return c.SetActive(context.Background(), "u", false) },
		"add":        func() error { return c.AddMembers(context.Background(), "g", []string{"u"}) },
	} {
		err := write()
		if !errors.As(err, &e) || !e.OutcomeUnknown() || !strings.Contains(err.Error(), "response body larger than 65536 bytes") {
			t.Errorf("%s answered with %d bytes: err = %v, want an unknown outcome naming the cap", name, size, err)
		}
	}
}

// TestUndecodableWriteAnswerUnknown: a create answered 201 with a body that
// is not JSON, or a record that fails its checks (a displayName over
// caps.Field), probably made the user: unknown, never failed; a 4xx with
// the same body is a plain failure.
func TestUndecodableWriteAnswerUnknown(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		status     int
		unknown    bool
	}{
		{"not JSON", `{"id": `, http.StatusCreated, true},
		{"not JSON at all", `not json{`, http.StatusCreated, true},
		{"record too long", `{"id":"u1","userName":"a@x.io","displayName":"` + strings.Repeat("n", caps.Field+1) + `"}`, http.StatusCreated, true},
		{"refused", `{"id": `, http.StatusBadRequest, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				w.Header().Set("Content-Type", "application/scim+json")
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
				return true
			}
			c := testClient(t, srv.URL)
			_, err := c.CreateUser(context.Background(), model.User{UserName: "a@x.io", Email: "a@x.io", Active: true})
			var e *Error
			if !errors.As(err, &e) || e.OutcomeUnknown() != tc.unknown {
				t.Fatalf("err = %v, want unknown %v", err, tc.unknown)
			}
			if tc.unknown && !strings.Contains(err.Error(), "whether the change was made is unknown") {
				t.Errorf("err = %v, want it to say the outcome is unknown", err)
			}
			// The reads before were SCIM: the URL is not in question.
			if strings.Contains(err.Error(), "is the URL") {
				t.Errorf("err = %v: a write's answer blames the URL", err)
			}
		})
	}
}

// TestPatchLongErrorBody: a PATCH answered 200 with a SCIM error message
// longer than the 4 KiB first looked at is still the error it states.
func TestPatchLongErrorBody(t *testing.T) {
	f, srv := newFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPatch {
			return false
		}
		w.Header().Set("Content-Type", "application/scim+json")
		_, _ = io.WriteString(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","detail":"`+strings.Repeat("x", 5000)+`"}`)
		return true
	}
	c := testClient(t, srv.URL)
	if err := c.SetActive(context.Background(), "u1", false); err == nil || !strings.Contains(err.Error(), "400 Bad Request") {
		t.Fatalf("err = %v, want the 400 the body states", err)
	}
}

// TestTimeoutBoundsTheWholeRequest: headers sent late and then a body that
// trickles: the attempt ends when --timeout has passed since it was sent,
// not a whole timeout after the headers (twice the timeout).
func TestTimeoutBoundsTheWholeRequest(t *testing.T) {
	const timeout, late = 1000 * time.Millisecond, 900 * time.Millisecond
	lasted := make(chan time.Duration, 1)
	_, srv := newFake(t)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		began := time.Now()
		defer func() {
			select {
			case lasted <- time.Since(began): // the first attempt's
			default:
			}
		}()
		select {
		case <-time.After(late): // the headers, late
		case <-r.Context().Done():
			return
		}
		trickle(w, r)
	})
	c := testClient(t, srv.URL, func(c *Config) { c.Timeout, c.MaxElapsed = timeout, time.Millisecond })
	if _, err := c.ListUsers(context.Background()); err == nil {
		t.Fatal("a body that never ends was read")
	}
	// The old bound was late+timeout (1.9 s); 600 ms are left for a
	// loaded machine (200 ms were not enough: the server notices the
	// client's give-up only when it is scheduled).
	if d := <-lasted; d >= late+timeout-300*time.Millisecond {
		t.Fatalf("the request lasted %v, want about %v (the timeout)", d, timeout)
	}
}

// TestPageTooLargeHint: a list page larger than wbsync reads, the first or
// a later one, names --page-size; a filtered look-up does not (its page
// size is not the cause).
func TestPageTooLargeHint(t *testing.T) {
	f, srv := newFake(t)
	for i := 0; i < 150; i++ {
		f.users = append(f.users, map[string]any{"id": fmt.Sprintf("u%d", i), "userName": fmt.Sprintf("u%d@x.com", i), "active": true})
	}
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.URL.Query().Get("startIndex") == "1" && r.URL.Query().Get("filter") == "" {
			return false // the first page as it is
		}
		w.Header().Set("Content-Type", "application/scim+json")
		_, _ = io.Copy(w, &endlessJSON{prefix: strings.NewReader(`{"totalResults":150,"x":[`), unit: `"abcdefgh",`})
		return true
	}
	c := testClient(t, srv.URL, func(c *Config) { c.MaxBody = 64 << 10 })
	_, err := c.ListUsers(context.Background())
	if err == nil || !strings.Contains(err.Error(), "page at startIndex 100") || !strings.Contains(err.Error(), "(a page of up to 100 resources can be that large: try --page-size 10 (no page size helps") {
		t.Errorf("a later page: err = %v, want the page named and a --page-size hint", err)
	}
	_, err = c.FindUser(context.Background(), "u1@x.com")
	if err == nil || strings.Contains(err.Error(), "--page-size") {
		t.Errorf("a look-up: err = %v, want an error without a --page-size hint", err)
	}
}

// TestGetGroupLargeTeam: a group read alone is a team with all its members,
// as large as a list page may be, not capped as one resource is (a team of
// 30,000 members is about 2 MB).
func TestGetGroupLargeTeam(t *testing.T) {
	f, srv := newFake(t)
	var members []string
	for i := 0; i < 30000; i++ {
		members = append(members, fmt.Sprintf(`{"value":"user-%06d","display":"user-%06d@example.com"}`, i, i))
	}
	body := `{"id":"g1","displayName":"everyone","members":[` + strings.Join(members, ",") + `]}`
	if len(body) <= caps.Body {
		t.Fatalf("the body is %d bytes, not over the single-resource cap", len(body))
	}
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		w.Header().Set("Content-Type", "application/scim+json")
		_, _ = io.WriteString(w, body)
		return true
	}
	g, err := testClient(t, srv.URL).GetGroup(context.Background(), "g1")
	if err != nil || len(g.Members) != 30000 {
		t.Fatalf("GetGroup: %d members, err %v", len(g.Members), err)
	}
	// Over the list cap: the team is named as too large.
	_, err = testClient(t, srv.URL, func(c *Config) { c.MaxBody = 64 << 10 }).GetGroup(context.Background(), "g1")
	if err == nil || !strings.Contains(err.Error(), "one team with its members is larger than wbsync reads") {
		t.Errorf("a team over the cap: err %v", err)
	}
}

// TestPageBodyHint: a page of teams names their members; a page of one
// team too large says the team is; a page of one user, nothing.
func TestPageBodyHint(t *testing.T) {
	for _, tc := range []struct {
		path string
		size int
		want string
	}{
		{"/Groups", 9999, "a page of up to 9999 resources, teams with all their members, can be that large: try --page-size 999 (no page size helps a server that sends more than it is asked for)"},
		{"/Users", 100, "a page of up to 100 resources can be that large: try --page-size 10 (no page size helps a server that sends more than it is asked for)"},
		{"/Groups", 1, hintTeamTooLarge},
		{"/Users", 1, ""},
	} {
		if got := pageBodyHint(tc.path, tc.size); got != tc.want {
			t.Errorf("pageBodyHint(%s, %d) = %q, want %q", tc.path, tc.size, got, tc.want)
		}
	}
}
