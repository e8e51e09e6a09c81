package scim

// The client's bounds and ranges at their exact edges: the page budget,
// the page count, a page one larger than asked, every 3xx, the statuses
// after which a write may have been made, the JSON depth cap.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
)

// TestPagesForValues: PagesFor counts overlapping pages, rounding up
// (pageBudget uses it too, so comparing the two cannot tell).
func TestPagesForValues(t *testing.T) {
	for _, tc := range []struct{ total, step, want int }{
		{0, 100, 1}, {100, 100, 1}, {101, 100, 2}, {199, 100, 2}, {200, 100, 3},
		{250, 100, 3}, {6, 3, 3}, {5, 3, 2}, {7, 3, 3}, {3, 1, 3}, {5, 0, 1},
	} {
		if got := PagesFor(tc.total, tc.step); got != tc.want {
			t.Errorf("PagesFor(%d, %d) = %d, want %d", tc.total, tc.step, got, tc.want)
		}
	}
}

// TestFetchPageBudgetExact: a read takes at most budget pages: the page
// after the budget is refused, the last within it is not.
func TestFetchPageBudgetExact(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(10)
	c := testClient(t, srv.URL)
	l := c.users("")
	l.budget = 2
	for i := 1; i <= 2; i++ {
		_, release, err := l.fetch(context.Background(), 1, 10)
		if err != nil {
			t.Fatalf("page %d within the budget: %v", i, err)
		}
		release()
	}
	if _, _, err := l.fetch(context.Background(), 1, 10); err == nil || !strings.Contains(err.Error(), "more than 2 pages") {
		t.Fatalf("page 3 of a budget of 2: %v", err)
	}
}

// TestListServerServesOneMoreThanAsked: a server whose pages hold one more
// resource than count asks (pageSize 10, pages of 11) honours startIndex:
// the page at the first page's last position starts with that resource,
// which is the overlap, not a page number server's answer from its page
// start. It is read with overlap, in 3 GETs.
func TestListServerServesOneMoreThanAsked(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(30)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodGet {
			return false
		}
		q := r.URL.Query()
		n, _ := strconv.Atoi(q.Get("count"))
		q.Set("count", strconv.Itoa(n+1))
		r.URL.RawQuery = q.Encode()
		f.list(w, r, f.snapshot(&f.users))
		return true
	}
	c := testClient(t, srv.URL, func(c *Config) { c.PageSize = 10 })
	got, err := c.ListUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantAll(t, got, 30)
	if n := f.count("GET /scim/Users"); n != 3 {
		t.Fatalf("%d GETs, want 3 (pages at 1, 11, 21, overlapping): %v", n, f.requests())
	}
}

// TestRetryAfterPastDate: a Retry-After date before the answer's Date asks
// for no wait, never a negative one (the retrier would cope, taking
// max(backoff, wait), but RateLimitError.Wait is exported).
func TestRetryAfterPastDate(t *testing.T) {
	h := http.Header{}
	h.Set("Date", "Mon, 07 Dec 2026 08:00:00 GMT")
	h.Set("Retry-After", "Mon, 07 Dec 2026 07:59:00 GMT")
	if d, ok := retryAfter(h); !ok || d != 0 {
		t.Fatalf("retryAfter(past date) = %v, %v; want 0, true", d, ok)
	}
}

// TestRedirectEvery3xx: every 3xx is a redirect refused naming its
// Location, 300 Multiple Choices and 304 too (SPEC 6.1 "a 3xx answer";
// the range starting at 301; TestRedirectRefused covers
// 301/302/303/307/308 only).
func TestRedirectEvery3xx(t *testing.T) {
	for _, code := range []int{300, 304, 305, 399} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			f, srv := newFake(t)
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				w.Header().Set("Location", "http://127.0.0.1:9/elsewhere/scim?x=1")
				w.WriteHeader(code)
				return true
			}
			c := testClient(t, srv.URL)
			_, err := c.ListUsers(context.Background())
			if !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), "redirected to http://127.0.0.1:9/elsewhere/scim") {
				t.Fatalf("err = %v, want ErrRedirect naming the Location", err)
			}
		})
	}
}

// TestNotModifiedWithoutLocation: a 304 without a Location is refused as
// the 3xx it is, but said as the answer to a conditional request that
// wbsync never sends, not as a redirect that names no URL.
func TestNotModifiedWithoutLocation(t *testing.T) {
	f, srv := newFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	_, err := testClient(t, srv.URL).ListUsers(context.Background())
	var e *Error
	if !errors.Is(err, ErrRedirect) || !errors.As(err, &e) || e.Hint != hintNotModified ||
		!strings.Contains(err.Error(), "304 Not Modified: an answer for a cached copy, to a request that asked for none") || strings.Contains(err.Error(), "redirected") {
		t.Fatalf("err = %v", err)
	}
}

// TestContentLengthOverTheCap: an answer whose Content-Length announces
// more than wbsync reads is refused at once, unread and not retried, even
// when the server then stops sending (retried, that would be eight
// attempts of a connection that broke off); a list page, a record and a
// write's answer alike.
func TestContentLengthOverTheCap(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/scim+json")
		w.Header().Set("Content-Length", "99999999999999")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"Resources":[`))
	}))
	t.Cleanup(srv.Close)
	c := testClient(t, srv.URL)
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"list", func() error { _, err := c.ListUsers(context.Background()); return err }},
		{"record", func() error { _, err := c.GetGroup(context.Background(), "g1"); return err }},
	} {
		n.Store(0)
		err := tc.call()
		if err == nil || !strings.Contains(err.Error(), "response body announced as 99999999999999 bytes (Content-Length), more than the") || n.Load() != 1 {
			t.Errorf("%s: %d request(s), err = %v", tc.name, n.Load(), err)
		}
	}
}

// TestMayFollowWorkBounds: 500, 502, 503, 504 and a CDN's 520-527 may
// follow work; 501, 505, 519 and 528 do not.
func TestMayFollowWorkBounds(t *testing.T) {
	for s, want := range map[int]bool{500: true, 501: false, 502: true, 503: true, 504: true, 505: false,
		519: false, 520: true, 523: true, 527: true, 528: false} {
		if got := mayFollowWork(s); got != want {
			t.Errorf("mayFollowWork(%d) = %v, want %v", s, got, want)
		}
	}
}

// TestDepthCapExact: arrays nested maxDepth-1 deep in a record (the record
// itself is one level) are read; one more level is refused.
func TestDepthCapExact(t *testing.T) {
	nest := func(n int) []byte {
		return []byte(`{"id":"1","userName":"a","x":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`)
	}
	if _, err := decodeUser(nest(maxDepth - 1)); err != nil {
		t.Fatalf("%d levels refused: %v", maxDepth, err)
	}
	if _, err := decodeUser(nest(maxDepth)); err == nil || !strings.Contains(err.Error(), "nested too deep") {
		t.Fatalf("%d levels: %v", maxDepth+1, err)
	}
}

// A write answered 2xx whose Content-Length announces more than the cap is
// refused unread, sent once, and its outcome is unknown (not failed).
func TestContentLengthOverTheCapWrite(t *testing.T) {
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			posts.Add(1)
		}
		w.Header().Set("Content-Type", "application/scim+json")
		w.Header().Set("Content-Length", "99999999999999")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"u1",`))
	}))
	t.Cleanup(srv.Close)
	_, err := testClient(t, srv.URL).CreateUser(context.Background(), model.User{UserName: "a", Email: "a@x.com", Active: true})
	var e *Error
	if !errors.As(err, &e) || !e.OutcomeUnknown() || posts.Load() != 1 || !strings.Contains(err.Error(), "announced as 99999999999999 bytes") {
		t.Fatalf("%d POST(s), err = %v", posts.Load(), err)
	}
}

// A body of exactly the cap, announced so, is read, not refused.
func TestContentLengthAtTheCap(t *testing.T) {
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g1","displayName":"t","members":[]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c := testClient(t, srv.URL, func(cfg *Config) { cfg.MaxBody = int64(len(body)) })
	if _, err := c.GetGroup(context.Background(), "g1"); err != nil {
		t.Fatalf("a body of exactly the cap: %v", err)
	}
}

// An error answer is classified on its first bytes whatever length it
// announces: a 404 with a SCIM error and a Content-Length over the cap is
// a 404 with the server's detail, not a body refused unread.
func TestErrorAnswerOverTheCapClassified(t *testing.T) {
	msg := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"no such group","status":"404"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		body := msg + strings.Repeat(" ", 400)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	_, err := testClient(t, srv.URL, func(cfg *Config) { cfg.MaxBody = 200 }).GetGroup(context.Background(), "g1")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "no such group") || strings.Contains(err.Error(), "announced") {
		t.Fatalf("err = %v", err)
	}
}

// TestGetGroupWithoutDisplayNameRefused: a team read alone whose answer is
// not a team (an id alone, a user's record) is an error, not an empty team
// whose members an authoritative plan would then not remove.
func TestGetGroupWithoutDisplayNameRefused(t *testing.T) {
	for _, body := range []string{`{"id":"g1"}`, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"g1","userName":"a@example.com"}`,
		`{"id":"g1","displayName":"  ","members":[]}`} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/scim+json")
			w.Write([]byte(body))
		}))
		c := testClient(t, srv.URL)
		g, err := c.GetGroup(context.Background(), "g1")
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), "displayName") {
			t.Errorf("GetGroup(%s) = %+v, %v; want no displayName refused", body, g, err)
		}
	}
}
