package scim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
)

const testKey = "sekret-KEY-0123456789abcdef"

// fake is a small, configurable SCIM server for the client's own tests: it
// lists raw resources with paging quirks and records every request. hook,
// when set, may answer a request first.
type fake struct {
	t  testing.TB
	mu sync.Mutex

	users  []map[string]any
	groups []map[string]any

	pageCap      int  // at most N resources per page
	ignoreCount  bool // everything in one page
	ignoreStart  bool // startIndex ignored (always from 1)
	pastEndFirst bool // a startIndex past the end answers page 1
	pageNumbers  bool // startIndex taken for a page number: the page (startIndex-1)/count
	literalPages bool // startIndex k: the k-th page of count
	laterCap     int  // at most N resources on a page after the first
	totalDelta   int  // added to the true totalResults
	itemsPerPage int  // reported itemsPerPage when non-zero
	ctype        string
	// shortAt makes the page at this startIndex hold only shortN resources.
	shortAt, shortN int

	hook func(w http.ResponseWriter, r *http.Request, body []byte) bool

	reqs    []string // "METHOD PATH?QUERY"
	bodies  []string // request bodies, in order
	headers []http.Header

	inFlight, maxInFlight int
}

func newFake(t testing.TB) (*fake, *httptest.Server) {
	f := &fake{t: t, ctype: "application/scim+json"}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, r.Method+" "+r.URL.RequestURI())
	f.bodies = append(f.bodies, string(body))
	f.headers = append(f.headers, r.Header.Clone())
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	hook := f.hook
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	if hook != nil && hook(w, r, body) {
		return
	}
	switch {
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/scim/Users"):
		f.list(w, r, f.snapshot(&f.users))
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/scim/Groups"):
		f.list(w, r, f.snapshot(&f.groups))
	default:
		w.Header().Set("Content-Type", f.ctype)
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"id":"ok"}`)
	}
}

func (f *fake) snapshot(list *[]map[string]any) []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), (*list)...)
}

func (f *fake) list(w http.ResponseWriter, r *http.Request, all []map[string]any) {
	q := r.URL.Query()
	start, _ := strconv.Atoi(q.Get("startIndex"))
	count, _ := strconv.Atoi(q.Get("count"))
	if filter := q.Get("filter"); filter != "" {
		all = filterEq(all, filter)
	}
	if start < 1 || f.ignoreStart {
		start = 1
	}
	if count <= 0 || f.ignoreCount {
		count = len(all)
	}
	if f.pageCap > 0 && !f.ignoreCount {
		count = min(count, f.pageCap)
	}
	if f.pageNumbers {
		start = (start-1)/count*count + 1
	}
	if f.literalPages {
		start = (start-1)*count + 1
	}
	if f.laterCap > 0 && start > 1 {
		count = min(count, f.laterCap)
	}
	if f.shortAt != 0 && start == f.shortAt {
		count = min(count, f.shortN)
	}
	if f.ignoreCount {
		start = 1
	}
	if start > len(all) && f.pastEndFirst {
		start = 1
	}
	page := []map[string]any{}
	for i := start - 1; i < len(all) && len(page) < count; i++ {
		page = append(page, all[i])
	}
	ipp := len(page)
	if f.itemsPerPage != 0 {
		ipp = f.itemsPerPage
	}
	writeJSON(w, f.ctype, http.StatusOK, map[string]any{
		"schemas":      []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
		"totalResults": len(all) + f.totalDelta,
		"startIndex":   start,
		"itemsPerPage": ipp,
		"Resources":    page,
	})
}

// filterEq applies `attr eq "value"` for userName, displayName and
// emails.value, case-insensitively.
func filterEq(all []map[string]any, filter string) []map[string]any {
	attr, rest, ok := strings.Cut(filter, " eq ")
	if !ok {
		return nil
	}
	val, err := strconv.Unquote(rest)
	if err != nil {
		return nil
	}
	var out []map[string]any
	for _, res := range all {
		switch attr {
		case "emails.value":
			es, _ := res["emails"].([]any)
			for _, e := range es {
				if v, _ := e.(map[string]any)["value"].(string); strings.EqualFold(v, val) {
					out = append(out, res)
				}
			}
		default:
			if s, _ := res[attr].(string); strings.EqualFold(s, val) {
				out = append(out, res)
			}
		}
	}
	return out
}

func writeJSON(w http.ResponseWriter, ctype string, status int, v any) {
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func scimErr(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, "application/scim+json", status, map[string]any{
		"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"},
		"detail":  detail, "status": strconv.Itoa(status),
	})
}

// drop cuts the connection without an answer.
func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("no hijacker")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

func (f *fake) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.reqs...)
}

func (f *fake) count(prefix string) int {
	n := 0
	for _, r := range f.requests() {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

func mkUsers(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{
			"id":       fmt.Sprintf("VXNlcjo%d+/=", i),
			"userName": fmt.Sprintf("user%04d@example.com", i),
			"emails":   []any{map[string]any{"value": fmt.Sprintf("user%04d@example.com", i), "primary": true}},
			"active":   true,
		}
	}
	return out
}

// testClient builds a client for srv with fast retries and pages of 100.
func testClient(t *testing.T, url string, mod ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		BaseURL: url + "/scim", APIKey: testKey, RateLimit: -1, MaxElapsed: 5 * time.Second,
		Timeout: 5 * time.Second, Logger: zaptest.NewLogger(t), PageSize: 100,
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.backoffBase = time.Millisecond
	return c
}
