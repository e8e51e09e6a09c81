package scim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/wbsync/wbsync/pkg/bug"
	"github.com/wbsync/wbsync/pkg/caps"
)

func wantAll(t *testing.T, got []User, n int) {
	t.Helper()
	want := mkUsers(n)
	if len(got) != n {
		t.Fatalf("got %d users, want %d", len(got), n)
	}
	for i, u := range got {
		if u.ID != want[i]["id"] {
			t.Fatalf("user %d: id %q, want %q", i, u.ID, want[i]["id"])
		}
	}
}

func TestListPaging(t *testing.T) {
	cases := []struct {
		name     string
		n        int
		pageSize int
		set      func(*fake)
		requests int // GETs expected
	}{
		{"honours count", 250, 100, func(*fake) {}, 3},
		{"exact multiple", 200, 100, func(*fake) {}, 3}, // 1-100, 100-199, 199-200: pages overlap by one
		{"empty org", 0, 100, func(*fake) {}, 1},
		{"ignores count", 250, 100, func(f *fake) { f.ignoreCount = true }, 1},
		{"page cap below count", 250, 100, func(f *fake) { f.pageCap = 30 }, 9},
		{"wrong itemsPerPage", 250, 100, func(f *fake) { f.itemsPerPage = 9999 }, 3},
		{"one short page is refilled", 250, 100, func(f *fake) { f.shortAt, f.shortN = 100, 40 }, 4},
		{"json content type", 120, 100, func(f *fake) { f.ctype = "application/json; charset=utf-8" }, 2},
		// The second page, asked at 100, comes back from 1: read again
		// from 101, without overlap.
		{"startIndex taken for a page number", 250, 100, func(f *fake) { f.pageNumbers = true }, 4},
		{"page numbers under a page cap", 250, 100, func(f *fake) { f.pageNumbers, f.pageCap = true, 30 }, 10},
		// The second page brings only the shared position; the gap after
		// it is filled from the gap itself (that page was asked already),
		// one page per position, without overlap.
		{"later pages of one resource", 130, 100, func(f *fake) { f.laterCap = 1 }, 32},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.users = mkUsers(tc.n)
			tc.set(f)
			c := testClient(t, srv.URL, func(c *Config) { c.PageSize = tc.pageSize })
			got, err := c.ListUsers(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			wantAll(t, got, tc.n)
			if n := f.count("GET /scim/Users"); n != tc.requests {
				t.Fatalf("%d GETs, want %d: %v", n, tc.requests, f.requests())
			}
		})
	}
}

func TestListFailsClosed(t *testing.T) {
	cases := []struct {
		name string
		set  func(*fake)
		want string
	}{
		{"past the end answers page 1", func(f *fake) { f.totalDelta = 50; f.pastEndFirst = true }, "came back at positions"},
		{"short of totalResults", func(f *fake) { f.totalDelta = 10 }, "read 250 of 260 (totalResults): the page at startIndex 251 was empty; missing positions 251-260"},
		{"startIndex ignored", func(f *fake) { f.ignoreStart = true }, "came back at positions"},
		{"empty first page", func(f *fake) { f.totalDelta = 5; f.pageCap = 1; f.users = nil }, "read 0 of 5"},
		{"startIndex a literal page number", func(f *fake) { f.literalPages = true },
			"the page at startIndex 100 was empty; missing positions 101-250 (the server may not answer startIndex as RFC 7644 says; doctor's paging check tells)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.users = mkUsers(250)
			tc.set(f)
			c := testClient(t, srv.URL)
			got, err := c.ListUsers(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if got != nil {
				t.Fatalf("a failed read returned %d users", len(got))
			}
		})
	}
}

func TestListTotalChangesMidRead(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(250)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.URL.Query().Get("startIndex") != "1" {
			f.mu.Lock()
			f.totalDelta = 1
			f.mu.Unlock()
		}
		return false
	}
	c := testClient(t, srv.URL, func(c *Config) { c.Concurrency = 1 })
	_, err := c.ListUsers(context.Background())
	if !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), "changed while reading") {
		t.Fatalf("err = %v", err)
	}
}

// TestListShiftAcrossPageBoundary: a user deleted before a page boundary
// while another is created after it, between two page fetches, leaves
// totalResults as it was and repeats no id, but slides one user across the
// boundary, where neither page would hold it. Pages overlap by one
// position, so the read fails instead of leaving that user out.
func TestListShiftAcrossPageBoundary(t *testing.T) {
	for _, tc := range []struct {
		name     string
		at       int    // the request that comes after the change (1: the first page)
		deleted  int    // the user deleted (0-based)
		short    bool   // the page at startIndex 100 holds 40: the change comes before its gap is filled
		position string // where the read sees the change
	}{
		{"before the second page", 2, 9, false, "position 100 held"},
		{"before the third page", 3, 150, false, "position 199 held"},
		{"before a gap is filled", 4, 120, true, "position 139 held"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.users = mkUsers(251)
			added := f.users[250]
			f.users = f.users[:250]
			if tc.short {
				f.shortAt, f.shortN = 100, 40
			}
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				f.mu.Lock()
				if len(f.reqs) == tc.at {
					f.users = append(append(f.users[:tc.deleted:tc.deleted], f.users[tc.deleted+1:]...), added)
				}
				f.mu.Unlock()
				return false
			}
			c := testClient(t, srv.URL, func(c *Config) { c.PageSize, c.Concurrency = 100, 1 })
			got, err := c.ListUsers(context.Background())
			if !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), "changed while reading") || !strings.Contains(err.Error(), tc.position) || got != nil {
				t.Fatalf("read %d users, err %v; want the read refused at %s", len(got), err, tc.position)
			}
		})
	}
}

// TestListRightShiftIsNotAPageNumberServer: a user created at the front
// while another is deleted at the end, between the first and the second
// page, shifts the second page's start one position back: that is no
// server answering from the start of its page (lister.probeOverlap), and
// the read fails instead of going on without overlap.
func TestListRightShiftIsNotAPageNumberServer(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(251)
	created := f.users[250]
	f.users = f.users[:250]
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		f.mu.Lock()
		if len(f.reqs) == 2 {
			f.users = append([]map[string]any{created}, f.users[:249]...)
		}
		f.mu.Unlock()
		return false
	}
	c := testClient(t, srv.URL, func(c *Config) { c.PageSize, c.Concurrency = 100, 1 })
	got, err := c.ListUsers(context.Background())
	if err == nil || !strings.Contains(err.Error(), "came back at positions 99 and 100") || got != nil {
		t.Fatalf("read %d users, err %v", len(got), err)
	}
}

// TestListedTwiceInOnePage: an id twice in one page is said so, not
// blamed on the order of pages (there is one).
func TestListedTwiceInOnePage(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(5)
	f.users = append(f.users, f.users[1])
	c := testClient(t, srv.URL)
	got, err := c.ListUsers(context.Background())
	if err == nil || !strings.Contains(err.Error(), "is listed twice in the page at startIndex 1, at positions 2 and 6: refusing a partial read") || got != nil {
		t.Fatalf("read %d users, err %v", len(got), err)
	}
}

// TestPanicGivesBackTheSlot: a panic while a page is decoded (a bug)
// fails the read as a *bug.Error and gives back the page's unplaced slot,
// so that a later read on the same client is not starved.
func TestPanicGivesBackTheSlot(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(250)
	c := testClient(t, srv.URL, func(c *Config) { c.PageSize = 100 })
	l := c.users("")
	l.rec = func(*jsonReader) (User, string, error) { panic("a decoder bug") }
	_, err := func() (_ []User, err error) {
		defer bug.Recover(&err)
		return l.read(context.Background())
	}()
	if be, ok := errors.AsType[*bug.Error](err); !ok || be.Value != "a decoder bug" || !strings.Contains(be.At, "list_test.go:") {
		t.Fatalf("err = %v", err)
	}
	if n := len(c.unplaced); n != 0 {
		t.Errorf("%d unplaced slot(s) still held", n)
	}
	if got, err := c.ListUsers(context.Background()); err != nil || len(got) != 250 {
		t.Errorf("a later read: %d users, %v", len(got), err)
	}
}

// TestPageBudget: overlapping pages take no budget from small pages: a
// server of 2 resources a page is read up to 40,000 of them, as it was
// before pages overlapped, and refused above; large pages keep the budget.
func TestPageBudget(t *testing.T) {
	for _, tc := range []struct{ step, total int }{{2, 40_000}, {3, 60_000}, {100, 2_000_000}, {1, 20_000}} {
		if n := int64(PagesFor(tc.total, tc.step)); n > pageBudget(tc.step) {
			t.Errorf("%d at %d a page: %d pages, over the budget %d", tc.total, tc.step, n, pageBudget(tc.step))
		}
		if n := int64(PagesFor(tc.total+tc.step, tc.step)); n <= pageBudget(tc.step) {
			t.Errorf("%d at %d a page: %d pages, within the budget %d", tc.total+tc.step, tc.step, n, pageBudget(tc.step))
		}
	}
	if b := pageBudget(9999); b < caps.Pages || b > caps.Pages+3 {
		t.Errorf("budget at 9999 a page: %d", b)
	}
}

func TestListFailedPageIsAnError(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(250)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.URL.Query().Get("startIndex") == "199" {
			scimErr(w, http.StatusBadRequest, "bad page")
			return true
		}
		return false
	}
	c := testClient(t, srv.URL)
	got, err := c.ListUsers(context.Background())
	if err == nil || statusOf(err) != http.StatusBadRequest || got != nil {
		t.Fatalf("got %d users, err %v", len(got), err)
	}
}

// TestListLaterPage404: a 404 or an HTML page after the first names the
// page and does not blame the base URL, whose first page answered; on the
// first page, both do.
func TestListLaterPage404(t *testing.T) {
	for _, tc := range []struct {
		start    string
		html     bool // a 200 HTML page, else a 404
		page, at bool // the message names the page; hints at the base URL
	}{{"100", false, true, false}, {"1", false, false, true}, {"100", true, true, false}, {"1", true, false, true}} {
		f, srv := newFake(t)
		f.users = mkUsers(250)
		f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
			if r.URL.Query().Get("startIndex") != tc.start {
				return false
			}
			if tc.html {
				w.Header().Set("Content-Type", "text/html")
				_, _ = w.Write([]byte("<html>login</html>"))
			} else {
				scimErr(w, http.StatusNotFound, "nf")
			}
			return true
		}
		c := testClient(t, srv.URL, func(c *Config) { c.PageSize = 100 })
		_, err := c.ListUsers(context.Background())
		if err == nil || (statusOf(err) == http.StatusNotFound) == tc.html ||
			strings.Contains(err.Error(), "startIndex "+tc.start) != tc.page || strings.Contains(err.Error(), hintBaseURL) != tc.at {
			t.Errorf("html %v at startIndex %s: %v", tc.html, tc.start, err)
		}
	}
}

// TestListLaterTotalBelowStart: a later page that holds resources under a
// totalResults at or below its startIndex says the organization changed,
// not that the page was empty.
func TestListLaterTotalBelowStart(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(23)
	f.pageCap = 5
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.URL.Query().Get("startIndex") != "5" {
			return false
		}
		writeJSON(w, "application/scim+json", http.StatusOK, map[string]any{
			"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"}, "totalResults": 0,
			"startIndex": 5, "itemsPerPage": 5, "Resources": f.users[4:9]})
		return true
	}
	c := testClient(t, srv.URL, func(c *Config) { c.Concurrency = 1 })
	_, err := c.ListUsers(context.Background())
	if err == nil || !strings.Contains(err.Error(), "changed while reading (totalResults 23, then 0 at startIndex 5)") {
		t.Fatalf("err = %v", err)
	}
}

// TestListPagesInParallel checks that pages after the second (which is
// fetched alone, see lister.parallel) are fetched concurrently, never
// more than Concurrency at once.
func TestListPagesInParallel(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(1000)
	ready := make(chan struct{})
	arrived := 0
	timedOut := false
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if start := r.URL.Query().Get("startIndex"); start == "1" || start == "100" {
			return false
		}
		f.mu.Lock()
		arrived++
		if arrived == 3 {
			close(ready)
		}
		f.mu.Unlock()
		select {
		case <-ready:
		case <-time.After(10 * time.Second): // a sequential client never gets three pages in flight
			f.mu.Lock()
			timedOut = true
			f.mu.Unlock()
		}
		return false
	}
	c := testClient(t, srv.URL, func(c *Config) { c.Concurrency = 3 })
	got, err := c.ListUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantAll(t, got, 1000)
	f.mu.Lock()
	defer f.mu.Unlock()
	if timedOut {
		t.Fatal("pages were not fetched in parallel")
	}
	if f.maxInFlight > 3 {
		t.Fatalf("%d requests in flight, Concurrency is 3", f.maxInFlight)
	}
}

func TestListGroupsShapes(t *testing.T) {
	f, srv := newFake(t)
	f.groups = []map[string]any{
		{"id": "g1", "displayName": "null-members", "members": nil},
		{"id": "g2", "displayName": "missing-members"},
		{"id": "g3", "displayName": "empty-members", "members": []any{}},
		{"id": "g4", "displayName": "legacy", "members": []any{
			map[string]any{"Value": "u1", "Display": "alice", "Ref": "", "Type": ""},
			map[string]any{"value": "u2", "display": "bob"}}},
	}
	c := testClient(t, srv.URL)
	got, err := c.ListGroups(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || len(got[0].Members)+len(got[1].Members)+len(got[2].Members) != 0 {
		t.Fatalf("groups %+v", got)
	}
	want := []GroupMember{{Value: "u1", Display: "alice"}, {Value: "u2", Display: "bob"}}
	if len(got[3].Members) != 2 || got[3].Members[0] != want[0] || got[3].Members[1] != want[1] {
		t.Fatalf("members %+v", got[3].Members)
	}
}

func TestFindUserFilterEscaping(t *testing.T) {
	f, srv := newFake(t)
	name := `o"dd\name+tag@example.com`
	f.users = append(mkUsers(3), map[string]any{"id": "x", "userName": name,
		"emails": []any{map[string]any{"value": "Odd@Example.com", "primary": true}}})
	c := testClient(t, srv.URL)
	u, err := c.FindUser(context.Background(), strings.ToUpper(name))
	if err != nil || u == nil || u.ID != "x" {
		t.Fatalf("FindUser = %+v, %v", u, err)
	}
	reqs := f.requests()
	raw := reqs[len(reqs)-1]
	if !strings.Contains(raw, "%2B") || strings.Contains(raw, "+") || !strings.Contains(raw, "filter=userName%20eq%20%22") {
		t.Fatalf("filter not encoded as expected: %s", raw)
	}
	u, err = c.FindUserByEmail(context.Background(), "odd@example.COM")
	if err != nil || u == nil || u.ID != "x" {
		t.Fatalf("FindUserByEmail = %+v, %v", u, err)
	}
	u, err = c.FindUser(context.Background(), "nobody@example.com")
	if err != nil || u != nil {
		t.Fatalf("FindUser(absent) = %+v, %v", u, err)
	}
}

// A server that ignores the filter answers every user: the client picks the
// match itself.
func TestFindUserServerIgnoresFilter(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(5)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		f.list(w, r, f.snapshot(&f.users)) // no filtering
		return true
	}
	c := testClient(t, srv.URL)
	u, err := c.FindUser(context.Background(), "USER0003@example.com")
	if err != nil || u == nil || u.ID != mkUsers(5)[3]["id"] {
		t.Fatalf("FindUser = %+v, %v", u, err)
	}
}

// A server that folds case beyond ASCII answers a look-alike (the Kelvin
// sign for K): it is not the user looked for.
func TestFindUserLookAlike(t *testing.T) {
	f, srv := newFake(t)
	f.users = []map[string]any{{"id": "u-kelvin", "userName": "\u212Aate@example.com", "active": true}}
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		f.list(w, r, f.snapshot(&f.users)) // the server's own matching
		return true
	}
	c := testClient(t, srv.URL)
	if u, err := c.FindUser(context.Background(), "kate@example.com"); err != nil || u != nil {
		t.Fatalf("FindUser(kate@example.com) = %+v, %v: want no user", u, err)
	}
	if u, err := c.FindUser(context.Background(), "\u212AATE@example.com"); err != nil || u == nil || u.ID != "u-kelvin" {
		t.Fatalf("FindUser of the look-alike itself = %+v, %v", u, err)
	}
	if anySame([]string{"\u212Aate@example.com"}, []string{"kate@example.com"}) || !anySame([]string{" Kate@example.com"}, []string{"kate@EXAMPLE.com"}) {
		t.Fatal("anySame folds a look-alike, or not ASCII case")
	}
}

func TestFilter(t *testing.T) {
	if got, want := Filter("displayName", `a"b\c`), `displayName eq "a\"b\\c"`; got != want {
		t.Fatalf("Filter = %s, want %s", got, want)
	}
}

func TestListGroupsThenUsersConcurrently(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(300)
	f.groups = []map[string]any{{"id": "g", "displayName": "t"}}
	c := testClient(t, srv.URL)
	errs := make(chan error, 2)
	go func() { _, err := c.ListUsers(context.Background()); errs <- err }()
	go func() { _, err := c.ListGroups(context.Background()); errs <- err }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestOnPage: a whole-collection read reports each page placed, with the
// running count and the total; a filtered look-up reports nothing.
func TestOnPage(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	f, srv := newFake(t)
	f.users = mkUsers(25)
	c := testClient(t, srv.URL, func(cfg *Config) {
		cfg.PageSize = 10
		cfg.Concurrency = 1
		cfg.OnPage = func(coll string, read, total int) {
			mu.Lock()
			seen = append(seen, fmt.Sprintf("%s %d/%d", coll, read, total))
			mu.Unlock()
		}
	})
	if _, err := c.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := strings.Join(seen, ", ")
	mu.Unlock()
	if !strings.HasPrefix(got, "users 10/25") || !strings.HasSuffix(got, "users 25/25") || len(seen) != 3 {
		t.Errorf("pages reported: %s", got)
	}
	seen = nil
	if _, err := c.FindUser(context.Background(), "user0001@example.com"); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 0 {
		t.Errorf("a filtered look-up reported pages: %v", seen)
	}
}

// TestListErrorBodyIsNoList: a list answered 200 with a SCIM error message
// (even one carrying totalResults 0 and no Resources) is a failed read,
// classified by the status it states, never an empty organization; so is
// a long body naming the error schema.
func TestListErrorBodyIsNoList(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"403 stated", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"403","detail":"forbidden","totalResults":0,"Resources":[]}`, "403 Forbidden"},
		{"no status", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"nope","totalResults":0}`, "SCIM error body: nope"},
		{"long", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"` + strings.Repeat("x", 5000) + `","totalResults":0,"Resources":[]}`, "is a SCIM error message, not a list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.users = mkUsers(3)
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				w.Header().Set("Content-Type", "application/scim+json")
				io.WriteString(w, tc.body)
				return true
			}
			c := testClient(t, srv.URL)
			got, err := c.ListUsers(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) || got != nil {
				t.Fatalf("ListUsers: %d users, err %v; want a failed read naming %q", len(got), err, tc.want)
			}
		})
	}
}

// TestListRecordNamingTheErrorSchema: a user whose name is the error
// schema's URN is data: the page reads, short or long.
func TestListRecordNamingTheErrorSchema(t *testing.T) {
	for _, n := range []int{1, 60} {
		f, srv := newFake(t)
		f.users = mkUsers(n)
		f.users[0]["displayName"] = "urn:ietf:params:scim:api:messages:2.0:Error"
		c := testClient(t, srv.URL)
		got, err := c.ListUsers(context.Background())
		if err != nil || len(got) != n {
			t.Fatalf("%d users: got %d, err %v", n, len(got), err)
		}
	}
}

// TestPageSizeRefusedHint: a server that refuses a count above its own
// maximum with 400 gets a hint to ask for less; at --page-size 100 it does
// not (the 400 is about something else).
func TestPageSizeRefusedHint(t *testing.T) {
	for _, size := range []int{DefaultPageSize, 100} {
		f, srv := newFake(t)
		f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"count must be at most 50"}`)
			return true
		}
		c := testClient(t, srv.URL, func(cfg *Config) { cfg.PageSize = size })
		_, err := c.ListUsers(context.Background())
		hinted := err != nil && strings.Contains(err.Error(), "try --page-size 100")
		if err == nil || hinted != (size > 100) {
			t.Errorf("page size %d: %v", size, err)
		}
		// A filtered look-up's 400 is about the filter.
		if _, err := c.FindUser(context.Background(), "a@example.com"); err == nil || strings.Contains(err.Error(), "--page-size") {
			t.Errorf("page size %d, a look-up: %v", size, err)
		}
	}
}

func TestLooksHTML(t *testing.T) {
	for _, tc := range []struct {
		ctype, body string
		html        bool
	}{
		{"text/html", "<!doctype html><p>login", true},
		{"application/json", "  <html>", true},
		{"application/scim+json", `{"totalResults":0}`, false},
		{"text/html; charset=utf-8", `{"totalResults":0}`, false},
		{"text/html", "{ }", false},
		{"text/html", `[{"id":"a"}]`, false},
		{"text/html", "[]", false},
		{"text/html", "[an error occurred while processing this directive]", true},
		{"text/html", "{{template}}", true},
		{"text/html", "Service Unavailable", true},
		{"text/plain", "Service Unavailable", false},
	} {
		if got := looksHTML(tc.ctype, []byte(tc.body)); got != tc.html {
			t.Errorf("looksHTML(%q, %q) = %v, want %v", tc.ctype, tc.body, got, tc.html)
		}
	}
}

// TestListTotalUndercountedAtAPageEnd: a server whose totalResults counts
// one user fewer than it lists, its last page ending exactly at that
// count, is not read as the smaller list: the page at the last position is
// read again, and the user after it fails the read. A read whose last page
// ends there with nothing after it costs that one request more.
func TestListTotalUndercountedAtAPageEnd(t *testing.T) {
	f, srv := newFake(t)
	f.users, f.pageCap, f.totalDelta = mkUsers(5), 2, -1
	c := testClient(t, srv.URL, func(c *Config) { c.Concurrency = 1 })
	got, err := c.ListUsers(context.Background())
	if err == nil || !strings.Contains(err.Error(), "the page at startIndex 4 holds more resources than totalResults 4") || got != nil {
		t.Fatalf("read %d users, err %v; want the read refused", len(got), err)
	}

	// Later pages shorter than the first: the last is full by theirs
	// (1-100, 100-149, 149-198).
	f, srv = newFake(t)
	f.users, f.laterCap, f.totalDelta = mkUsers(199), 50, -1
	c = testClient(t, srv.URL, func(c *Config) { c.PageSize, c.Concurrency = 100, 1 })
	if got, err = c.ListUsers(context.Background()); err == nil || !strings.Contains(err.Error(), "the page at startIndex 198 holds more resources than totalResults 198") {
		t.Fatalf("later pages of 50: read %d users, err %v; want the read refused", len(got), err)
	}

	f, srv = newFake(t)
	f.users, f.pageCap = mkUsers(4), 2
	c = testClient(t, srv.URL, func(c *Config) { c.Concurrency = 1 })
	got, err = c.ListUsers(context.Background())
	if err != nil || len(got) != 4 {
		t.Fatalf("read %d users, err %v", len(got), err)
	}
	var starts []string
	for _, r := range f.reqs {
		u, _ := url.Parse(strings.TrimPrefix(r, "GET "))
		starts = append(starts, u.Query().Get("startIndex"))
	}
	if want := []string{"1", "2", "3", "4"}; !slices.Equal(starts, want) {
		t.Errorf("pages read at startIndex %v, want %v", starts, want)
	}
}

// TestListSameUserReadDifferently: a user read on two overlapping pages
// with other attributes (the organization changed between them, or the
// server answers inconsistently) fails the read as a change, whichever
// page came first; a new meta.lastModified alone does not.
func TestListSameUserReadDifferently(t *testing.T) {
	for _, tc := range []struct {
		name    string
		change  func(u map[string]any)
		refused bool
	}{
		{"deactivated", func(u map[string]any) { u["active"] = false }, true},
		{"renamed", func(u map[string]any) { u["displayName"] = "Changed" }, true},
		{"last modified", func(u map[string]any) { u["meta"] = map[string]any{"lastModified": "2026-01-02T03:04:05Z"} }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.users = mkUsers(250)
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				if r.URL.Query().Get("startIndex") == "100" {
					f.mu.Lock()
					tc.change(f.users[99]) // position 100: the last of the first page
					f.mu.Unlock()
				}
				return false
			}
			c := testClient(t, srv.URL, func(c *Config) { c.PageSize, c.Concurrency = 100, 1 })
			got, err := c.ListUsers(context.Background())
			if tc.refused != (err != nil) {
				t.Fatalf("read %d users, err %v; want refused: %v", len(got), err, tc.refused)
			}
			if tc.refused && (!errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), "at position 100 read differently on two pages")) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

// TestListOnePageAsFullAsAsked: a first page holding all --page-size asked
// for, which totalResults says is all, is confirmed by one more request:
// a user after it fails the read.
func TestListOnePageAsFullAsAsked(t *testing.T) {
	for _, tc := range []struct {
		users, delta int
		ok           bool
	}{{4, 0, true}, {5, -1, false}, {3, 0, true}} {
		f, srv := newFake(t)
		f.users, f.totalDelta = mkUsers(tc.users), tc.delta
		c := testClient(t, srv.URL, func(c *Config) { c.PageSize, c.Concurrency = 4, 1 })
		got, err := c.ListUsers(context.Background())
		if tc.ok != (err == nil) {
			t.Fatalf("%d users, total %+d: read %d, err %v", tc.users, tc.delta, len(got), err)
		}
		// 4 users at 4 a page: one request more; 3: the page was not full.
		if want := map[int]int{4: 2, 3: 1}[tc.users]; tc.ok && len(f.reqs) != want {
			t.Errorf("%d users: %d requests, want %d: %v", tc.users, len(f.reqs), want, f.reqs)
		}
	}
	// A server that answers every startIndex from its first user (count
	// honoured) tells nothing there: its one full page is read as it was.
	// So is one that ignores count, whose one page holds more than asked.
	for _, ignore := range []func(f *fake){func(f *fake) { f.ignoreStart = true }, func(f *fake) { f.ignoreCount = true }} {
		f, srv := newFake(t)
		f.users = mkUsers(4)
		ignore(f)
		size := 4
		if f.ignoreCount {
			size = 2
		}
		c := testClient(t, srv.URL, func(c *Config) { c.PageSize, c.Concurrency = size, 1 })
		if got, err := c.ListUsers(context.Background()); err != nil || len(got) != 4 {
			t.Errorf("ignoreStart %v, ignoreCount %v: read %d, err %v", f.ignoreStart, f.ignoreCount, len(got), err)
		}
	}
}

// TestSameRecordOnTwoPages: two reads of one record agree whatever the
// order of their multi-valued attributes and the offset their times are
// written in; every other field counts, but meta.version and
// meta.lastModified. A field added to User or Group fails here until
// sameUser or sameGroup compares it (or says why not).
func TestSameRecordOnTwoPages(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	u := User{ID: "u1", UserName: "a", Emails: []Email{{Value: "a@x", Primary: true}, {Value: "b@x"}, {Value: "c@x"}},
		TeamRoles: []TeamRole{{"ml", "admin"}, {"ops", "member"}}, Groups: []string{"g1", "g2"}, Created: at, Active: true}
	v := u
	v.Emails = []Email{{Value: "a@x", Primary: true}, {Value: "c@x"}, {Value: "b@x"}}
	v.TeamRoles = []TeamRole{{"ops", "member"}, {"ml", "admin"}}
	v.Groups = []string{"g2", "g1"}
	v.Created = at.In(time.FixedZone("+02:00", 2*3600))
	v.ETag, v.LastModified = "W/\"2\"", at.Add(time.Hour)
	if !sameUser(u, v) {
		t.Errorf("one user read in another order and offset differs: %+v, %+v", u, v)
	}
	g := Group{ID: "g1", DisplayName: "ml", Members: []GroupMember{{"u1", "a"}, {"u2", "b"}}, Created: at}
	h := g
	h.Members = []GroupMember{{"u2", "b"}, {"u1", "a"}}
	h.ETag, h.LastModified = "x", at.Add(time.Hour)
	if !sameGroup(g, h) {
		t.Errorf("one group read in another order differs")
	}
	// Each other field, changed, makes them differ.
	changed := func(rec any, skip ...string) []reflect.Value {
		var out []reflect.Value
		rv := reflect.ValueOf(rec)
		for i := 0; i < rv.NumField(); i++ {
			if slices.Contains(skip, rv.Type().Field(i).Name) {
				continue
			}
			c := reflect.New(rv.Type()).Elem()
			c.Set(rv)
			f := c.Field(i)
			switch f.Kind() {
			case reflect.String:
				f.SetString(f.String() + "!")
			case reflect.Bool:
				f.SetBool(!f.Bool())
			case reflect.Slice:
				f.Set(f.Slice(0, f.Len()-1))
			case reflect.Struct: // time.Time
				f.Set(reflect.ValueOf(at.Add(time.Second)))
			default:
				t.Fatalf("%s.%s: a field of kind %s this test cannot change", rv.Type().Name(), rv.Type().Field(i).Name, f.Kind())
			}
			out = append(out, c)
		}
		return out
	}
	for _, c := range changed(u, "ETag", "LastModified") {
		if sameUser(u, c.Interface().(User)) {
			t.Errorf("a user differing in one field reads the same: %+v", c.Interface())
		}
	}
	for _, c := range changed(g, "ETag", "LastModified") {
		if sameGroup(g, c.Interface().(Group)) {
			t.Errorf("a group differing in one field reads the same: %+v", c.Interface())
		}
	}
	// Reported empty is not absent.
	w := u
	w.TeamRoles = nil
	x := u
	x.TeamRoles = []TeamRole{}
	if sameUser(w, x) {
		t.Error("teamRoles absent and reported empty read the same")
	}
}

// TestListHonestServersRead: servers that page honestly, in any of the
// ways the reader meets (page caps, later pages shorter, startIndex taken
// for a page number, count ignored), and that list a user's emails and
// teamRoles in another order on every answer (RFC 7643 gives them none),
// are read whole and in order, never refused as changing.
func TestListHonestServersRead(t *testing.T) {
	for seed := int64(1); seed <= 60; seed++ {
		rng := rand.New(rand.NewPCG(uint64(seed), 7))
		n, pageSize := rng.IntN(300), 1+rng.IntN(120)
		f, srv := newFake(t)
		f.users = mkUsers(n)
		for i, u := range f.users {
			u["emails"] = []any{map[string]any{"value": u["userName"], "primary": true},
				map[string]any{"value": fmt.Sprintf("alt%d@x.org", i)}, map[string]any{"value": fmt.Sprintf("old%d@y.org", i)}}
			u["teamRoles"] = []any{map[string]any{"teamName": "ml", "roleName": "admin"}, map[string]any{"teamName": "ops", "roleName": "member"}}
		}
		switch rng.IntN(5) {
		case 0:
			f.pageCap = 2 + rng.IntN(40)
		case 1:
			f.laterCap = 2 + rng.IntN(40)
		case 2:
			f.pageNumbers = true
		case 3:
			f.ignoreCount = true
		}
		f.hook = func(http.ResponseWriter, *http.Request, []byte) bool {
			f.mu.Lock()
			for i, u := range f.users { // another order on every answer (a new map: answers in flight encode the old)
				v := maps.Clone(u)
				es, rs := u["emails"].([]any), u["teamRoles"].([]any)
				v["emails"] = []any{es[0], es[2], es[1]}
				v["teamRoles"] = []any{rs[1], rs[0]}
				f.users[i] = v
			}
			f.mu.Unlock()
			return false
		}
		c := testClient(t, srv.URL, func(c *Config) { c.PageSize, c.Concurrency = pageSize, 1+rng.IntN(4) })
		got, err := c.ListUsers(context.Background())
		if err != nil {
			t.Fatalf("seed %d (%d users, page size %d, %+v): %v", seed, n, pageSize, f, err)
		}
		wantAll(t, got, n)
	}
}

// TestEdgesKeptOnlyWhereCompared: a read keeps the records at page edges
// only while pages overlap and the neighbour has not come: none for a
// server that takes startIndex for a page number or whose later pages
// hold one resource, a handful for one that pages by position.
func TestEdgesKeptOnlyWhereCompared(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(f *fake)
		most int
	}{
		{"by position", func(f *fake) { f.pageCap = 10 }, 2},
		{"page numbers", func(f *fake) { f.pageNumbers, f.pageCap = true, 10 }, 0},
		{"later pages of one", func(f *fake) { f.laterCap = 1 }, 0},
	} {
		f, srv := newFake(t)
		f.users = mkUsers(120)
		tc.set(f)
		c := testClient(t, srv.URL, func(c *Config) { c.PageSize, c.Concurrency = 100, 1 })
		a, err := c.users("").run(context.Background(), func([]User) error { return nil })
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(a.edges) > tc.most {
			t.Errorf("%s: %d edges kept after the read, want at most %d", tc.name, len(a.edges), tc.most)
		}
	}
	// A server that takes startIndex for the page's number (1-based) answers
	// the last position of one full page with nothing: that confirms it.
	f, srv := newFake(t)
	f.users, f.literalPages = mkUsers(4), true
	c := testClient(t, srv.URL, func(c *Config) { c.PageSize, c.Concurrency = 4, 1 })
	if got, err := c.ListUsers(context.Background()); err != nil || len(got) != 4 {
		t.Errorf("literal page numbers: read %d, err %v", len(got), err)
	}
}

// TestListOnePageWarns: pages of one resource cannot overlap, so a
// resource that moves across pages goes unseen: said once per client, at
// warn level, naming why (the flag, or the server's own cap).
func TestListOnePageWarns(t *testing.T) {
	for _, tc := range []struct {
		name     string
		pageSize int
		set      func(*fake)
		want     string // "" = no warning
	}{
		{"--page-size 1", 1, func(*fake) {}, "list users: one resource a page (--page-size 1): pages cannot overlap"},
		{"a server cap of one", 100, func(f *fake) { f.pageCap = 1 }, "(the server serves one where 100 were asked for)"},
		{"two a page overlap", 2, func(*fake) {}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.users = mkUsers(5)
			tc.set(f)
			core, logs := observer.New(zapcore.WarnLevel)
			c := testClient(t, srv.URL, func(c *Config) { c.PageSize, c.Logger = tc.pageSize, zap.New(core) })
			for range 2 {
				got, err := c.ListUsers(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				wantAll(t, got, 5)
			}
			l := logs.FilterMessageSnippet("one resource a page").All()
			switch {
			case tc.want == "" && len(l) != 0:
				t.Fatalf("warned: %v", l)
			case tc.want != "" && (len(l) != 1 || !strings.Contains(l[0].Message, tc.want)):
				t.Fatalf("warnings %v, want one containing %q", logs.All(), tc.want)
			}
		})
	}
}
