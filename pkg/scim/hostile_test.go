package scim

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wbsync/wbsync/internal/rawserve"
	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
)

// TestRedirectRefused: a 3xx to another host is an error naming where it
// pointed (no userinfo, no query), never followed: the second server sees
// no request, so never the key. A write fails the same way.
func TestRedirectRefused(t *testing.T) {
	var evilHits, evilKeys atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		evilHits.Add(1)
		if r.Header.Get("Authorization") != "" {
			evilKeys.Add(1)
		}
		writeJSON(w, "application/json", 200, map[string]any{"totalResults": 0, "Resources": []any{}})
	}))
	defer evil.Close()
	target := strings.Replace(evil.URL, "http://", "http://user:pw@", 1) + "/scim/v2/Users?token=abc"
	for _, code := range []int{301, 302, 303, 307, 308} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			f, srv := newFake(t)
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				w.Header().Set("Location", target)
				w.WriteHeader(code)
				return true
			}
			c := testClient(t, srv.URL)
			_, err := c.ListUsers(context.Background())
			want := "redirected to " + evil.URL + "/scim/v2/Users"
			if !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "fix --url") {
				t.Fatalf("err = %v, want ErrRedirect naming %s", err, want)
			}
			if s := err.Error(); strings.Contains(s, "token") || strings.Contains(s, "user:pw") || strings.Contains(s, "pw@") {
				t.Fatalf("the Location's query or userinfo shows: %s", s)
			}
			err = c.SetActive(context.Background(), "u1", false)
			if !errors.Is(err, ErrRedirect) {
				t.Fatalf("write: err = %v", err)
			}
			var e *Error
			if !errors.As(err, &e) || e.OutcomeUnknown() || e.Location != evil.URL+"/scim/v2/Users" {
				t.Fatalf("write error %#v", e)
			}
			if n := f.count("GET") + f.count("PATCH"); n != 2 {
				t.Fatalf("%d requests: a redirect was retried", n)
			}
		})
	}
	if evilHits.Load() != 0 || evilKeys.Load() != 0 {
		t.Fatalf("the redirect target got %d requests, %d with a key", evilHits.Load(), evilKeys.Load())
	}
	// A Location that mirrors the resource asked for names the base URL
	// it implies, which --url takes (not the resource's URL).
	t.Run("the base a resource's Location implies", func(t *testing.T) {
		f, srv := newFake(t)
		f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
			w.Header().Set("Location", "https://other.example/v2"+strings.TrimPrefix(r.URL.Path, "/scim")+"?x=1")
			w.WriteHeader(308)
			return true
		}
		c := testClient(t, srv.URL)
		_, rerr := c.ListUsers(context.Background())
		werr := c.SetActive(context.Background(), "u1", false)
		for _, err := range []error{rerr, werr} {
			var e *Error
			if !errors.As(err, &e) || e.Hint != "wbsync never follows redirects: fix --url (the server pointed to the base URL https://other.example/v2, if you trust it)" {
				t.Errorf("err = %v, want the base URL as the hint", err)
			}
		}
	})
	// A 3xx that names no URL, or the one asked for, gives --url nothing
	// to change to: the hint does not say to change it.
	for name, loc := range map[string]string{"no Location": "", "itself": "SELF"} {
		t.Run(name, func(t *testing.T) {
			f, srv := newFake(t)
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				if loc != "" {
					w.Header().Set("Location", r.URL.String())
				}
				w.WriteHeader(302)
				return true
			}
			c := testClient(t, srv.URL)
			_, rerr := c.ListUsers(context.Background())
			werr := c.SetActive(context.Background(), "u1", false)
			want, detail := hintRedirectNowhere, "redirected without a Location"
			if loc != "" {
				want, detail = hintRedirectLoop, ", the URL it was asked for"
			}
			for _, err := range []error{rerr, werr} {
				var e *Error
				if !errors.Is(err, ErrRedirect) || !errors.As(err, &e) || e.Hint != want || !strings.Contains(e.Detail, detail) || strings.Contains(err.Error(), "fix --url") {
					t.Errorf("err = %v (hint %q)", err, e.Hint)
				}
			}
		})
	}
	// A Location that names the URL asked for without its query (a proxy
	// that drops it) implies the base URL already given: the hint does
	// not say to change --url to it.
	t.Run("itself without the query", func(t *testing.T) {
		f, srv := newFake(t)
		f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
			w.Header().Set("Location", r.URL.Path)
			w.WriteHeader(302)
			return true
		}
		c := testClient(t, srv.URL)
		_, err := c.ListUsers(context.Background())
		var e *Error
		if !errors.Is(err, ErrRedirect) || !errors.As(err, &e) || strings.Contains(err.Error(), "fix --url") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("relative Location", func(t *testing.T) {
		f, srv := newFake(t)
		f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
			w.Header().Set("Location", "../elsewhere/Users?x=1")
			w.WriteHeader(302)
			return true
		}
		_, err := testClient(t, srv.URL).ListUsers(context.Background())
		if !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), "redirected to "+srv.URL+"/elsewhere/Users (") {
			t.Fatalf("err = %v", err)
		}
	})
	// An opaque Location: one written with backslashes, as browsers read
	// it (http://host/path), shown so; any other (mailto:) not shown.
	for loc, want := range map[string]string{
		`http:\\svc:pw@evil.example:8443\scim/v2?token=t`: "redirected to http://evil.example:8443/scim/v2 (written with backslashes)",
		"mailto:svc-pw@evil.example":                      "redirected to mailto: (an opaque URL, not shown",
		// A host outside ASCII (a Cyrillic а) may spell another: escaped.
		"https://\u0430pi.wandb.ai/scim": `redirected to https://\u0430pi.wandb.ai/scim (a host name outside ASCII, its characters escaped`,
	} {
		t.Run("opaque "+loc, func(t *testing.T) {
			f, srv := newFake(t)
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				w.Header().Set("Location", loc)
				w.WriteHeader(302)
				return true
			}
			_, err := testClient(t, srv.URL).ListUsers(context.Background())
			if !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "pw") || strings.Contains(err.Error(), "token") {
				t.Fatalf("err = %v, want %q", err, want)
			}
		})
	}
	// A Location that does not parse (here: a port that is not a number)
	// is refused at once like any redirect, not retried as a transport
	// error, and not quoted: it carries a password, a token and a
	// fragment.
	t.Run("unparsable Location", func(t *testing.T) {
		f, srv := newFake(t)
		f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
			w.Header().Set("Location", "http://svc:s3cr3t-pass@evil.example:bad/scim?token=secret-query#frag")
			w.WriteHeader(302)
			return true
		}
		c := testClient(t, srv.URL)
		_, err := c.ListUsers(context.Background())
		if !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), "unparsable Location") {
			t.Fatalf("read: err = %v", err)
		}
		_, werr := c.CreateUser(context.Background(), model.User{UserName: "a@x.com"})
		var e *Error
		if !errors.As(werr, &e) || e.OutcomeUnknown() {
			t.Fatalf("write: err = %v, want a failed (not unknown) operation", werr)
		}
		for _, got := range []string{err.Error(), werr.Error()} {
			for _, secret := range []string{"s3cr3t-pass", "secret-query", "frag", "evil.example"} {
				if strings.Contains(got, secret) {
					t.Errorf("the error quotes %q: %s", secret, got)
				}
			}
		}
		if n := f.count("GET") + f.count("POST"); n != 2 {
			t.Fatalf("%d requests: the redirect was retried", n)
		}
	})
}

// TestKeyOnlyToItsOrigin: the transport sets Authorization only for the
// base URL's scheme, host and port.
func TestKeyOnlyToItsOrigin(t *testing.T) {
	var got []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Authorization"))
		mu.Unlock()
	}))
	defer srv.Close()
	other := httptest.NewServer(srv.Config.Handler)
	defer other.Close()
	c := testClient(t, srv.URL)
	for _, u := range []string{srv.URL + "/x", other.URL + "/x", strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/x"} {
		resp, err := c.http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if want := []string{"Bearer " + testKey, "", ""}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("Authorization sent %q, want %q", got, want)
	}
	for _, pair := range [][2]string{{"https://API.wandb.ai/scim", "https://api.wandb.ai:443/x"}, {"http://127.0.0.1/scim", "http://127.0.0.1:80/"}} {
		a, _ := parseBase(pair[0])
		b, _ := parseBase(pair[1])
		if originOf(a) != originOf(b) {
			t.Errorf("%s and %s: different origins", pair[0], pair[1])
		}
	}
}

// TestMalformedRecordsFailTheRead: a record without its required attribute
// fails the whole read, named by position and id, on any page.
func TestMalformedRecordsFailTheRead(t *testing.T) {
	cases := []struct {
		name  string
		set   func(f *fake)
		read  func(c *Client) (int, error)
		wants []string
	}{
		{"user without userName on page 2", func(f *fake) { delete(f.users[149], "userName") },
			func(c *Client) (int, error) { u, err := c.ListUsers(context.Background()); return len(u), err },
			[]string{"the user at position 150 (id VXNlcjo149+/=): no userName", "startIndex 100"}},
		{"user with a blank id", func(f *fake) { f.users[3]["id"] = "  " },
			func(c *Client) (int, error) { u, err := c.ListUsers(context.Background()); return len(u), err },
			[]string{"the user at position 4: no id"}},
		{"group without displayName", func(f *fake) {
			f.groups = []map[string]any{{"id": "g1", "displayName": "a"}, {"id": "g2"}}
		}, func(c *Client) (int, error) { g, err := c.ListGroups(context.Background()); return len(g), err },
			[]string{"the group at position 2 (id g2): no displayName"}},
		{"member without value", func(f *fake) {
			f.groups = []map[string]any{{"id": "g1", "displayName": "a", "members": []any{map[string]any{"Display": "x"}}}}
		}, func(c *Client) (int, error) { g, err := c.ListGroups(context.Background()); return len(g), err },
			[]string{"the group at position 1 (id g1): member 1 has no value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.users = mkUsers(250)
			tc.set(f)
			n, err := tc.read(testClient(t, srv.URL))
			if err == nil || n != 0 {
				t.Fatalf("read %d, err %v", n, err)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// onePerPage answers every list with the resource at startIndex and a
// claimed total.
func onePerPage(total int) func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		start := r.URL.Query().Get("startIndex")
		writeJSON(w, "application/scim+json", 200, map[string]any{"totalResults": total, "itemsPerPage": 1,
			"Resources": []any{map[string]any{"id": "u" + start, "userName": "user" + start}}})
		return true
	}
}

// TestTooManyPagesNamesThePageSize: an organization that would take more
// pages than wbsync reads at the --page-size asked for says to raise it.
func TestTooManyPagesNamesThePageSize(t *testing.T) {
	f, srv := newFake(t)
	f.hook = onePerPage(30_000) // 30,000 users at --page-size 1: 30,000 pages
	_, err := testClient(t, srv.URL, func(c *Config) { c.PageSize = 1 }).ListUsers(context.Background())
	if want := "raise --page-size (now 1; W&B serves up to 9999 a page)"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

// TestLyingTotalFailsFast: a server claiming millions of users but
// answering one a page is refused after its first page, allocating for what
// arrived only.
func TestLyingTotalFailsFast(t *testing.T) {
	for _, tc := range []struct {
		total int
		want  string
	}{
		{4_000_000, "totalResults 4000000 is beyond what wbsync reads (2000000): no organization holds that many; is --url the SCIM endpoint of the organization (wbsync doctor checks it)?"},
		{caps.TotalResults, "would take 2000000 pages, more than wbsync reads (20000): refusing (the server serves 1 a page where 100 were asked for: no --page-size helps)"},
	} {
		t.Run(fmt.Sprint(tc.total), func(t *testing.T) {
			f, srv := newFake(t)
			f.hook = onePerPage(tc.total)
			c := testClient(t, srv.URL, func(c *Config) { c.Concurrency = caps.Concurrency })
			var before, after runtimeStats
			before.read()
			_, err := c.ListUsers(context.Background())
			after.read()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if n := f.count("GET"); n != 1 {
				t.Fatalf("%d requests, want 1", n)
			}
			alloc := after.total - before.total
			t.Logf("allocated %d KiB", alloc>>10)
			if alloc > 50<<20 {
				t.Fatalf("allocated %d MiB for a one-resource page", alloc>>20)
			}
		})
	}
}

// TestPartialAnswerFailsTheRead: a read answered 206 Partial Content (or
// any 2xx but 200) is refused once, whatever its body says, rather than
// taken as the whole page; a status with no standard text is shown as its
// number.
func TestPartialAnswerFailsTheRead(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   string
	}{
		{http.StatusPartialContent, "GET /scim/Users: 206 Partial Content: a read must be answered 200 OK with the whole resource or page"},
		{http.StatusNoContent, "GET /scim/Users: 204 No Content: a read must be answered 200 OK"},
		{299, "GET /scim/Users: 299: a read must be answered 200 OK"},
		{600, "GET /scim/Users: 600: "},
	} {
		var gets atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			gets.Add(1)
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(tc.status)
			if tc.status != http.StatusNoContent {
				fmt.Fprint(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"startIndex":1,"itemsPerPage":1,"Resources":[{"id":"u1","userName":"a@example.com"}]}`)
			}
		}))
		c := testClient(t, srv.URL, func(c *Config) { c.MaxElapsed = time.Second })
		users, err := c.ListUsers(context.Background())
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), tc.want) || len(users) != 0 {
			t.Errorf("%d: %d users, err = %v, want %q", tc.status, len(users), err, tc.want)
		}
		if tc.status < 300 && gets.Load() != 1 {
			t.Errorf("%d: %d requests, want 1 (not retried)", tc.status, gets.Load())
		}
	}
}

// TestStatusWithoutText: a status with no standard text (a CDN's 520,
// 600) is shown as its number alone, in errors and in retry log lines.
func TestStatusWithoutText(t *testing.T) {
	for _, tc := range []struct {
		e    *Error
		want string
	}{
		{&Error{Status: 520, Detail: "origin down"}, "520: origin down"},
		{&Error{Status: 503, Detail: "busy"}, "503 Service Unavailable: busy"},
	} {
		if got := failureReason(tc.e); got != tc.want {
			t.Errorf("failureReason = %q, want %q", got, tc.want)
		}
	}
}

// TestOrgRoleOf: reading a user back gives the role it reports and
// whether it is active; when the user read alone holds no role, the list
// filtered by its userName is asked; an answer about another user, or
// none, is an error naming the user.
func TestOrgRoleOf(t *testing.T) {
	list := func(users ...string) string {
		return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":` + strconv.Itoa(len(users)) +
			`,"startIndex":1,"itemsPerPage":` + strconv.Itoa(len(users)) + `,"Resources":[` + strings.Join(users, ",") + `]}`
	}
	for _, tc := range []struct {
		status   int
		body     string
		list     string // the answer to the filtered list, when asked
		role     model.Role
		active   bool
		err      string
		requests []string
	}{
		{200, `{"id":"u1","userName":"a@x.com","organizationRole":"Admin","active":true}`, "", model.RoleAdmin, true, "", []string{"/scim/Users/u1"}},
		{200, `{"id":"u1","userName":"a@x.com","active":true}`, list(`{"id":"u1","userName":"a@x.com","organizationRole":"admin","active":true}`), model.RoleAdmin, true, "",
			[]string{"/scim/Users/u1", `/scim/Users?filter=userName eq "a@x.com"`}},
		{200, `{"id":"u1","userName":"a@x.com","active":false}`, list(`{"id":"u1","userName":"a@x.com","active":false}`), "", false, "",
			[]string{"/scim/Users/u1", `/scim/Users?filter=userName eq "a@x.com"`}},
		{200, `{"id":"u1","userName":"a@x.com","active":true}`, list(`{"id":"u9","userName":"a@x.com","organizationRole":"admin","active":true}`), "", true, "",
			[]string{"/scim/Users/u1", `/scim/Users?filter=userName eq "a@x.com"`}}, // another user's role is not this one's
		{200, `{"id":"u2","userName":"b@x.com","organizationRole":"admin"}`, "", "", false, `read user id u1 back: the answer describes another user (id "u2")`, []string{"/scim/Users/u1"}},
		{404, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"no such user"}`, "", "", false, "read user id u1 back: GET /scim/Users/u1: 404 Not Found", []string{"/scim/Users/u1"}},
	} {
		var mu sync.Mutex
		var got []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			req := r.URL.Path
			if f := r.URL.Query().Get("filter"); f != "" {
				req += "?filter=" + f
			}
			got = append(got, req)
			mu.Unlock()
			w.Header().Set("Content-Type", "application/scim+json")
			if r.URL.Path == "/scim/Users" {
				fmt.Fprint(w, tc.list)
				return
			}
			w.WriteHeader(tc.status)
			fmt.Fprint(w, tc.body)
		}))
		role, active, err := testClient(t, srv.URL).OrgRoleOf(context.Background(), "u1")
		srv.Close()
		switch {
		case tc.err == "" && (err != nil || role != tc.role || active != tc.active):
			t.Errorf("%s: %q, %v, %v; want %q, %v", tc.body, role, active, err, tc.role, tc.active)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: err = %v, want %q", tc.body, err, tc.err)
		case !slices.Equal(got, tc.requests):
			t.Errorf("%s: requests %q, want %q", tc.body, got, tc.requests)
		}
	}
}

// TestEmptyPageStopsTheRead: a server that claims 1,000 users, sends 2 and
// then only empty pages is refused at the first empty page, not after all
// 500 claimed pages were asked for.
func TestEmptyPageStopsTheRead(t *testing.T) {
	f, srv := newFake(t)
	f.users, f.pageCap, f.totalDelta = mkUsers(2), 2, 998
	c := testClient(t, srv.URL, func(c *Config) { c.Concurrency = 4 })
	_, err := c.ListUsers(context.Background())
	if err == nil || !strings.Contains(err.Error(), "read 2 of 1000 (totalResults): the page at startIndex") || !strings.Contains(err.Error(), "was empty") {
		t.Fatalf("err = %v", err)
	}
	if n := f.count("GET"); n > 1+2*4 {
		t.Fatalf("%d requests after the first empty page came back", n)
	}
}

// TestControlCharactersEscaped: controls in a server's detail or in a
// userName quoted by a message are escaped.
func TestControlCharactersEscaped(t *testing.T) {
	f, srv := newFake(t)
	f.users = []map[string]any{{"id": "u1", "userName": "eve\x1b[31m\r\nINFO forged"}}
	c := testClient(t, srv.URL)
	if _, err := c.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	failN(f, "PATCH", 1, func(w http.ResponseWriter) { scimErr(w, 400, "bad\x1b]0;title\x07\nnext line\u202e") })
	err := c.SetActive(context.Background(), "u1", false)
	if err == nil {
		t.Fatal("no error")
	}
	s := err.Error()
	for _, raw := range []string{"\x1b", "\r", "\n", "\x07", "\u202e"} {
		if strings.Contains(s, raw) {
			t.Fatalf("raw %q in %q", raw, s)
		}
	}
	for _, esc := range []string{`eve\x1b[31m\r\nINFO forged`, `bad\x1b]0;title\x07\nnext line\u202e`} {
		if !strings.Contains(s, esc) {
			t.Fatalf("%q lacks %q", s, esc)
		}
	}
}

// TestUnresolvableProxyFailsFast: a proxy host (HTTPS_PROXY) that does
// not resolve is one attempt, and the hint names the proxy variable, not
// --url.
func TestUnresolvableProxyFailsFast(t *testing.T) {
	hc, dials := dialer(&net.DNSError{Err: "no such host", Name: "proxy.invalid", IsNotFound: true})
	hc.Transport.(*http.Transport).Proxy = http.ProxyURL(&url.URL{Scheme: "http", Host: "proxy.invalid:3128"})
	c := testClient(t, "https://wandb.example", func(c *Config) { c.HTTPClient = hc })
	_, err := c.ListUsers(context.Background())
	if err == nil || !strings.Contains(err.Error(), "the proxy host proxy.invalid does not resolve: check HTTPS_PROXY (or https_proxy), or name --url's host in NO_PROXY") ||
		strings.Contains(err.Error(), "check --url") || dials.Load() != 1 {
		t.Fatalf("%d attempts, err = %v", dials.Load(), err)
	}
}

// refusingProxy is a proxy on loopback that answers every tunnel request
// (CONNECT) with code, its reason phrase echoing the request's
// Proxy-Authorization (the password of HTTPS_PROXY) and an escape
// sequence. It returns the proxy's URL, with credentials, and the count of
// tunnel requests.
func refusingProxy(t *testing.T, code int) (*url.URL, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	addr := rawserve.Serve(t, func(conn net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(conn))
		if err != nil {
			return
		}
		n.Add(1)
		fmt.Fprintf(conn, "HTTP/1.1 %d denied \x1b[31m %s\r\nContent-Length: 0\r\n\r\n", code, req.Header.Get("Proxy-Authorization"))
	})
	return &url.URL{Scheme: "http", User: url.UserPassword("proxyuser", "Pr0xyPassw0rd99"), Host: addr}, &n
}

// TestProxyRefusal: a proxy's refusal of the tunnel is said in wbsync's
// words, never the proxy's (its reason phrase may echo the credentials of
// HTTPS_PROXY); a refusal that comes again on every attempt (407: wrong
// or missing credentials; 403: no tunnel to that host) is one attempt,
// where one that may pass (502: the proxy could not reach the server) is
// retried. (TestProxyRefusalThroughTheBinary in cmd/wbsync shows the
// binary's own transport answers so.)
func TestProxyRefusal(t *testing.T) {
	for _, tc := range []struct {
		code  int
		want  string
		fatal bool
	}{
		{http.StatusProxyAuthRequired, "the proxy answered the tunnel request (CONNECT) 407 Proxy Authentication Required (the proxy HTTPS_PROXY (or https_proxy) names wants credentials it was not given or did not accept: check the user and password in the variable, or name wandb.example in NO_PROXY if it needs no proxy)", true},
		{http.StatusForbidden, "the proxy answered the tunnel request (CONNECT) 403 Forbidden (the proxy HTTPS_PROXY (or https_proxy) names does not tunnel to wandb.example: ask its administrators", true},
		{http.StatusBadGateway, "(the proxy HTTPS_PROXY (or https_proxy) names could not pass the request on to wandb.example)", false},
		{599, "the proxy answered the tunnel request (CONNECT) 599; gave up", false},
		// A 2xx other than 200 is no tunnel either (net/http would make
		// its reason phrase the error); 500, 408 and 429 may pass.
		{http.StatusNoContent, "the proxy answered the tunnel request (CONNECT) 204 No Content (the proxy HTTPS_PROXY (or https_proxy) names does not tunnel to wandb.example", true},
		{http.StatusInternalServerError, "500 Internal Server Error; gave up", false},
		{http.StatusRequestTimeout, "408 Request Timeout; gave up", false},
		{http.StatusTooManyRequests, "429 Too Many Requests; gave up", false},
		// A code HTTP does not define (three digits, as net/http reads a
		// status line) is no answer that passes.
		{999, "the proxy answered the tunnel request (CONNECT) 999 (the proxy HTTPS_PROXY (or https_proxy) names does not tunnel to wandb.example", true},
	} {
		proxy, connects := refusingProxy(t, tc.code)
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = http.ProxyURL(proxy)
		tr.OnProxyConnectResponse = proxyAnswer
		c := testClient(t, "https://wandb.example", func(c *Config) {
			c.HTTPClient = &http.Client{Transport: tr}
			c.MaxElapsed = time.Second
		})
		_, err := c.ListUsers(context.Background())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%d: err = %v, want %q", tc.code, err, tc.want)
		}
		for _, leak := range []string{"denied", "\x1b", `\x1b`, "Basic", "Pr0xyPassw0rd99"} {
			if strings.Contains(err.Error(), leak) {
				t.Errorf("%d: the proxy's words (%q) in %q", tc.code, leak, err)
			}
		}
		if got := connects.Load(); tc.fatal && got != 1 || !tc.fatal && got < 2 {
			t.Errorf("%d: %d tunnel requests, want %s", tc.code, got, map[bool]string{true: "1", false: "more than 1 (retried)"}[tc.fatal])
		}
		var e *Error
		if !errors.As(err, &e) || e.OutcomeUnknown() {
			t.Errorf("%d: a request refused at the tunnel never reached the server: %v", tc.code, err)
		}
	}
}

// TestProxyNamedWhenTheConnectionStops: a request that went through a
// proxy and whose connection closed (here the proxy closes the tunnel
// request unanswered, which net/http reads as an answer cut off) says the
// proxy may be what stopped; one that went straight to the server does
// not.
func TestProxyNamedWhenTheConnectionStops(t *testing.T) {
	closing := rawserve.Serve(t, func(conn net.Conn) {
		_, _ = http.ReadRequest(bufio.NewReader(conn))
	})
	const note = "; the request went through the proxy HTTPS_PROXY (or https_proxy) names, which may be what stopped: check it, or name --url's host in NO_PROXY if it needs no proxy"
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyURL(&url.URL{Scheme: "http", Host: closing})
	c := testClient(t, "https://wandb.example", func(c *Config) { c.HTTPClient = &http.Client{Transport: tr} })
	c.proxied = true // as New sets it when the environment names a proxy for the URL
	if _, err := c.ListUsers(context.Background()); err == nil || !strings.Contains(err.Error(), note) {
		t.Errorf("through a proxy: err = %v, want %q", err, note)
	}
	// A proxy that resets the tunnel request (net/http says so in text
	// only) is named too.
	resetting := rawserve.Serve(t, func(conn net.Conn) {
		_, _ = http.ReadRequest(bufio.NewReader(conn))
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // closed with a reset
		}
	})
	tr2 := http.DefaultTransport.(*http.Transport).Clone()
	tr2.Proxy = http.ProxyURL(&url.URL{Scheme: "http", Host: resetting})
	rc := testClient(t, "https://wandb.example", func(c *Config) { c.HTTPClient = &http.Client{Transport: tr2} })
	rc.proxied = true
	if _, err := rc.ListUsers(context.Background()); err == nil || !strings.Contains(err.Error(), "connection reset") || !strings.Contains(err.Error(), "(the request went through the proxy HTTPS_PROXY") {
		t.Errorf("reset by a proxy: err = %v, want the reset and the proxy named", err)
	}
	direct := testClient(t, "http://"+closing)
	if _, err := direct.ListUsers(context.Background()); err == nil || !strings.Contains(err.Error(), "the server closed the connection without answering") || strings.Contains(err.Error(), "proxy") {
		t.Errorf("straight to the server: err = %v, want the server named, no proxy", err)
	}
}

// TestProxyRefusingConnections: a proxy that refuses the connection (not
// running) is named, and retried, as it may come back; --url is not what
// the hint questions.
func TestProxyRefusingConnections(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyURL(&url.URL{Scheme: "http", Host: addr})
	var dials atomic.Int32
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, a string) (net.Conn, error) {
		dials.Add(1)
		return dial(ctx, network, a)
	}
	c := testClient(t, "https://wandb.example", func(c *Config) { c.HTTPClient = &http.Client{Transport: tr} })
	_, err = c.ListUsers(context.Background())
	const want = "(nothing accepts connections at the proxy HTTPS_PROXY (or https_proxy) names: is it running? (retried, as it may come back); or name --url's host in NO_PROXY if it needs no proxy)"
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "check --url") {
		t.Fatalf("err = %v, want %q", err, want)
	}
	if n := dials.Load(); n < 2 {
		t.Errorf("%d dials, want the proxy tried again", n)
	}
}

// TestUnparsedProxy: a proxy value that does not parse, which net/http
// drops without a word (every request would go straight to the server),
// is found, unless the host would not go through the proxy anyway
// (loopback, NO_PROXY). (TestUnusableProxyRefusedAtOnce in cmd/wbsync
// shows the refusal and its message.)
func TestUnparsedProxy(t *testing.T) {
	const broken = "http://u:50%off@proxy.example:3128"
	for _, tc := range []struct {
		base string
		env  map[string]string
		bad  bool
	}{
		{"https://wandb.example/scim", map[string]string{"HTTPS_PROXY": broken}, true},
		{"https://wandb.example/scim", map[string]string{"https_proxy": broken}, true},
		{"https://wandb.example/scim", map[string]string{"HTTPS_PROXY": "http://proxy.example:3128", "https_proxy": broken}, false}, // the upper-case name wins
		{"https://wandb.example/scim", map[string]string{"HTTP_PROXY": broken}, false},                                              // not for https
		{"http://127.0.0.1:8080/scim", map[string]string{"HTTP_PROXY": broken}, false},                                              // loopback goes around
		{"https://wandb.example/scim", map[string]string{"HTTPS_PROXY": broken, "NO_PROXY": "other.example, wandb.example"}, false},
		{"https://api.wandb.example/scim", map[string]string{"HTTPS_PROXY": broken, "no_proxy": ".wandb.example"}, false},
		{"https://api.wandb.example/scim", map[string]string{"HTTPS_PROXY": broken, "NO_PROXY": "*"}, false},
		{"https://10.1.2.3/scim", map[string]string{"HTTPS_PROXY": broken, "NO_PROXY": "10.0.0.0/8"}, false},
		{"https://10.1.2.3/scim", map[string]string{"HTTPS_PROXY": broken, "NO_PROXY": "10.1.2.3:443"}, false},
		{"https://wandb.example/scim", map[string]string{"HTTPS_PROXY": broken, "NO_PROXY": "example.org,10.0.0.0/8,notwandb.example"}, true},
		{"https://wandb.example/scim", map[string]string{"HTTPS_PROXY": "proxy.example:3128"}, false}, // parses once http:// is put in front
		// net/http compares international names in their xn-- form.
		{"https://bücher.example/scim", map[string]string{"HTTPS_PROXY": broken, "NO_PROXY": "xn--bcher-kva.example"}, false},
		{"https://xn--bcher-kva.example/scim", map[string]string{"HTTPS_PROXY": broken, "NO_PROXY": "bücher.example"}, false},
		// Fullwidth letters and ideographic full stops stand for the plain name.
		{"https://wandb.example/scim", map[string]string{"HTTPS_PROXY": broken, "NO_PROXY": "ｗａｎｄｂ.example"}, false},
		{"https://wandb.example/scim", map[string]string{"HTTPS_PROXY": broken, "NO_PROXY": "wandb。example"}, false},
		// An international entry names no plain host: the check stays on.
		{"https://wandb.example/scim", map[string]string{"HTTPS_PROXY": broken, "NO_PROXY": "bücher.example,xn--caf-dma.example"}, true},
	} {
		base, err := url.Parse(tc.base)
		if err != nil {
			t.Fatal(err)
		}
		if got := unparsedProxy(base, func(k string) string { return tc.env[k] }); got != tc.bad {
			t.Errorf("%s with %v: unparsed %v, want %v", tc.base, tc.env, got, tc.bad)
		}
	}
}

// TestSchemeOnlyProxy: a proxy value of a proxy scheme alone names no host
// (net/http would read "http://" again as http://http://); a value whose
// "scheme" is a host name is a host, as net/http reads it.
func TestSchemeOnlyProxy(t *testing.T) {
	for raw, want := range map[string]bool{
		"http://": true, "http:///": true, "HTTPS://": true, "socks5://": true,
		"myproxy:": false, "myproxy:3128": false, "http://proxy.example:3128": false, "proxy.example": false, "": false,
	} {
		if got := schemeOnly(raw); got != want {
			t.Errorf("schemeOnly(%q) = %v, want %v", raw, got, want)
		}
	}
}

// dialer answers every dial with err and counts the attempts.
func dialer(err error) (*http.Client, *atomic.Int32) {
	var n atomic.Int32
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		n.Add(1)
		return nil, err
	}
	return &http.Client{Transport: tr}, &n
}

// TestUnresolvableHostFailsFast: a host that does not resolve is one
// attempt and an actionable error; a temporary DNS failure is retried.
func TestUnresolvableHostFailsFast(t *testing.T) {
	hc, dials := dialer(&net.DNSError{Err: "no such host", Name: "wandb.invalid", IsNotFound: true})
	c := testClient(t, "https://wandb.invalid", func(c *Config) { c.HTTPClient = hc })
	_, err := c.ListUsers(context.Background())
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(err.Error(), "the host wandb.invalid does not resolve: check --url") || e.OutcomeUnknown() {
		t.Fatalf("err = %v", err)
	}
	if dials.Load() != 1 {
		t.Fatalf("%d attempts, want 1", dials.Load())
	}
	hc, dials = dialer(&net.DNSError{Err: "server misbehaving", Name: "wandb.example", IsTemporary: true})
	// The default budget: a short one may end on a loaded machine before
	// the first attempt does, and then nothing is retried.
	c = testClient(t, "https://wandb.example", func(c *Config) { c.HTTPClient = hc })
	if _, err := c.ListUsers(context.Background()); err == nil || dials.Load() < 2 {
		t.Fatalf("temporary DNS failure: %d attempts, err %v", dials.Load(), err)
	}
}

func TestInvalidPortRefused(t *testing.T) {
	for _, u := range []string{"https://x:0/scim", "https://x:65536/scim", "https://x:99999/scim", "https://x:/scim", "https://x:abc/scim"} {
		_, err := New(Config{BaseURL: u, APIKey: testKey})
		if err == nil || !strings.Contains(err.Error(), "port") {
			t.Errorf("New(%q) err = %v, want a port error", u, err)
		}
	}
	if _, err := New(Config{BaseURL: "https://x:65535/scim"}); err != nil {
		t.Errorf("port 65535 refused: %v", err)
	}
}

// A base URL that carries a credential (user information or a query) is
// refused before any request, and the error does not repeat the credential.
func TestBaseURLCredentialRefused(t *testing.T) {
	for _, u := range []string{"https://h/scim?access_token=S3CRETVALUE", "https://me:S3CRETVALUE@h/scim", "https://h/scim#S3CRETVALUE"} {
		_, err := New(Config{BaseURL: u, APIKey: testKey})
		if err == nil {
			t.Errorf("New(%q) accepted", u)
			continue
		}
		if strings.Contains(err.Error(), "S3CRETVALUE") {
			t.Errorf("New(%q) err repeats the credential: %v", u, err)
		}
	}
}

// TestCreateAnswerChecked: a create's 2xx answer is checked before its id
// is written to: an answer naming another user or team, an id the read
// listed under another name, or an id with spaces fails the create, and a
// 2xx carrying a SCIM error body is an error, never a success.
func TestCreateAnswerChecked(t *testing.T) {
	answer := func(f *fake, method, path, body string) {
		f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
			if r.Method != method || !strings.HasSuffix(r.URL.Path, path) {
				return false
			}
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, body)
			return true
		}
	}
	setup := func(t *testing.T) (*fake, *Client) {
		f, srv := newFake(t)
		f.users = []map[string]any{{"id": "u-ceo", "userName": "ceo@example.com"}}
		f.groups = []map[string]any{{"id": "g-admins", "displayName": "admins"}}
		c := testClient(t, srv.URL)
		if _, err := c.ListUsers(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ListGroups(context.Background()); err != nil {
			t.Fatal(err)
		}
		return f, c
	}
	for _, tc := range []struct {
		name, path, body, says string
	}{
		{"team named otherwise", "/Groups", `{"id":"g-new","displayName":"admins"}`, "names another team (admins"},
		{"team id of another team", "/Groups", `{"id":"g-admins"}`, "id of an existing team (admins"},
		{"team id with a control", "/Groups", `{"id":"Bearer abc\u001bdef","displayName":"newteam"}`, "control characters"},
		{"user named otherwise", "/Users", `{"id":"u-ceo","userName":"ceo@example.com"}`, "names another user (ceo@example.com"},
		{"user id a path segment", "/Users", `{"id":"..","userName":"new@example.com"}`, `its id is or holds a path segment`},
		// A front end that decodes %2F and resolves .. would send the
		// team's adds to an existing team.
		{"team id through a dot segment", "/Groups", `{"id":"../Groups/g-admins","displayName":"newteam"}`, `its id is or holds a path segment`},
		{"team id through a backslash dot segment", "/Groups", `{"id":"x\\..\\g-admins","displayName":"newteam"}`, `its id is or holds a path segment`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, c := setup(t)
			answer(f, "POST", tc.path, tc.body)
			var err error
			if tc.path == "/Groups" {
				_, err = c.CreateTeam(context.Background(), "newteam")
			} else {
				_, err = c.CreateUser(context.Background(), model.User{UserName: "b@example.com"})
			}
			var e *Error
			if err == nil || !strings.Contains(err.Error(), tc.says) || !errors.As(err, &e) || !e.OutcomeUnknown() {
				t.Fatalf("err = %v, want an unknown outcome saying %q", err, tc.says)
			}
			// Only a plain user id is named for apply to spare; a team's
			// or an unusable id is not.
			wantID := ""
			if tc.name == "user named otherwise" {
				wantID = "u-ceo"
			}
			if e.ExistingID() != wantID {
				t.Fatalf("ExistingID %q, want %q", e.ExistingID(), wantID)
			}
		})
	}
	// W&B may answer a create with a handle of its own: the answer still
	// names the user created when it carries the email sent.
	f0, c0 := setup(t)
	answer(f0, "POST", "/Users", `{"id":"u-new","userName":"bee","emails":[{"value":"B@example.com","primary":true}]}`)
	if id, err := c0.CreateUser(context.Background(), model.User{UserName: "b@example.com"}); err != nil || id != "u-new" {
		t.Fatalf("a handle in the answer: %q, %v", id, err)
	}
	// A user recreated with the id the read listed under its own name (a
	// Multi-tenant user deactivated earlier) is fine, and so is one the
	// read listed under a handle with the email sent.
	f, c := setup(t)
	answer(f, "POST", "/Users", `{"id":"u-ceo","userName":"CEO@example.com"}`)
	if id, err := c.CreateUser(context.Background(), model.User{UserName: "ceo@example.com"}); err != nil || id != "u-ceo" {
		t.Fatalf("recreate: %q, %v", id, err)
	}
	f2, srv2 := newFake(t)
	f2.users = []map[string]any{{"id": "u-al", "userName": "alice", "active": false,
		"emails": []any{map[string]any{"value": "alice@example.com", "primary": true}}}}
	c2 := testClient(t, srv2.URL)
	if _, err := c2.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	answer(f2, "POST", "/Users", `{"id":"u-al","userName":"alice","emails":[{"value":"alice@example.com","primary":true}]}`)
	if id, err := c2.CreateUser(context.Background(), model.User{UserName: "alice@example.com"}); err != nil || id != "u-al" {
		t.Fatalf("recreate under a handle: %q, %v", id, err)
	}
	// A PATCH answered 200 with a SCIM error body did not take effect.
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPatch {
			return false
		}
		io.WriteString(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","detail":"not applied"}`)
		return true
	}
	err := c.SetActive(context.Background(), "u-ceo", false)
	// The message says both statuses, so that it matches a trace's 200.
	if err == nil || !strings.Contains(err.Error(), "400 Bad Request (stated in the SCIM error body of a 200 OK answer): not applied") {
		t.Fatalf("PATCH with an error body: err = %v", err)
	}
	// A detail that is not a string does not slip past, and an error body
	// with no status it states is still an error.
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPatch {
			return false
		}
		io.WriteString(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":{"why":"nope"}}`)
		return true
	}
	if err := c.SetActive(context.Background(), "u-ceo", false); err == nil || !strings.Contains(err.Error(), "SCIM error body") {
		t.Fatalf("an error body with an object detail: err = %v", err)
	}
	// Stating 409 on a team create, it is classified as a taken name.
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPost {
			return false
		}
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":409,"detail":"Resource already exists"}`)
		return true
	}
	if _, err := c.CreateTeam(context.Background(), "admins"); !errors.Is(err, ErrNameTaken) {
		t.Fatalf("a 201 stating 409: err = %v, want a taken name", err)
	}
}

// TestMalformedAnswerNotQuoted: an answer net/http refuses as not HTTP (a
// Location holding a control byte, with a password and a query) fails at
// once, without quoting the line, in the error and in the trace.
func TestMalformedAnswerNotQuoted(t *testing.T) {
	addr, conns := rawServer(t, func(conn net.Conn, _ []byte) {
		_, _ = io.WriteString(conn, "HTTP/1.1 307 Temporary Redirect\r\n"+
			"Location: http://admin:hunter2pass@evil.example/x?sig=TOPSECRETSIG\x01\r\nContent-Length: 0\r\n\r\n")
	})
	var trace bytes.Buffer
	c := testClient(t, "http://"+addr, func(c *Config) { c.Trace = &trace })
	_, err := c.ListUsers(context.Background())
	if err == nil {
		t.Fatal("no error")
	}
	for what, s := range map[string]string{"the error": err.Error(), "the trace": trace.String()} {
		if strings.Contains(s, "hunter2pass") || strings.Contains(s, "TOPSECRETSIG") {
			t.Errorf("%s quotes the malformed line: %s", what, s)
		}
	}
	if !strings.Contains(err.Error(), "not valid HTTP") {
		t.Errorf("error %q does not say what is wrong", err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections: an answer that is not HTTP is not asked again", n)
	}
}

// TestBrokenFramingNotAskedAgain: an answer whose body's length cannot be
// known (a negative or doubled Content-Length, a transfer encoding HTTP/1.1
// does not define, a chunk-size line or trailers without end) fails at once, as every answer of the server would: a
// read is not asked again, and a create is sent once, its outcome unknown
// (the status line said 201).
func TestBrokenFramingNotAskedAgain(t *testing.T) {
	for name, rest := range map[string]string{
		"negative length":    "Content-Length: -1\r\n\r\n{}",
		"two lengths":        "Content-Length: 46\r\nContent-Length: 5\r\n\r\n{}",
		"gzip framing":       "Transfer-Encoding: gzip\r\n\r\n{}",
		"endless chunk line": "Transfer-Encoding: chunked\r\n\r\n2;" + strings.Repeat("x", 8<<10) + "\r\n{}\r\n0\r\n\r\n",
		"endless trailer":    "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n" + strings.Repeat("X-T: "+strings.Repeat("t", 1000)+"\r\n", 2000) + "\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			methods := []string{http.MethodGet, http.MethodPost}
			if strings.Contains(rest, "chunked") {
				// A write's body is read after its status: an answer
				// broken there is "broke off", its outcome unknown.
				methods = methods[:1]
			}
			for _, method := range methods {
				status := map[string]string{http.MethodGet: "200 OK", http.MethodPost: "201 Created"}[method]
				addr, conns := rawServer(t, func(conn net.Conn, _ []byte) {
					_, _ = io.WriteString(conn, "HTTP/1.1 "+status+"\r\nContent-Type: application/scim+json\r\n"+rest)
				})
				c := testClient(t, "http://"+addr)
				var err error
				if method == http.MethodGet {
					_, err = c.ListUsers(context.Background())
				} else {
					_, err = c.CreateUser(context.Background(), model.User{UserName: "new@x.com"})
				}
				var e *Error
				if err == nil || !errors.As(err, &e) || !strings.Contains(err.Error(), "not valid HTTP") {
					t.Fatalf("%s: err = %v, want the answer called not HTTP", method, err)
				}
				if n := conns.Load(); n != 1 {
					t.Errorf("%s: %d connections, want 1: broken framing is not asked again", method, n)
				}
				if unknown := method == http.MethodPost; e.OutcomeUnknown() != unknown {
					t.Errorf("%s: outcome unknown %v, want %v", method, e.OutcomeUnknown(), unknown)
				}
			}
		})
	}
}

// TestByteOrderMarkAndLabels: a server that starts every body with a UTF-8
// byte order mark (RFC 8259 §8.1 lets a reader ignore it) and labels its
// JSON text/html is read as the JSON it sends: lists, a create's answer, a
// PATCH's answer and an error message. An id holding a space is used,
// escaped in the path and quoted in the filter.
func TestByteOrderMarkAndLabels(t *testing.T) {
	var mu sync.Mutex
	var paths, bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.EscapedPath())
		bodies = append(bodies, string(b))
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		status, body := http.StatusOK, `{"id":"g 1","displayName":"ml"}`
		switch {
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/Users"):
			body = `{"totalResults":1,"Resources":[{"id":"u 1","userName":"a@example.com"}]}`
		case r.Method == http.MethodGet:
			body = `{"totalResults":1,"Resources":[{"id":"g 1","displayName":"ml","members":[{"value":"u 1"}]}]}`
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Users"):
			status, body = http.StatusConflict, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","detail":"exists"}`
		case r.Method == http.MethodPost:
			status, body = http.StatusCreated, `{"id":"g 2","displayName":"new"}`
		}
		w.WriteHeader(status)
		io.WriteString(w, "\xef\xbb\xbf"+body)
	}))
	t.Cleanup(srv.Close)
	c := testClient(t, srv.URL)
	ctx := context.Background()
	users, err := c.ListUsers(ctx)
	if err != nil || len(users) != 1 || users[0].ID != "u 1" {
		t.Fatalf("users %+v, %v", users, err)
	}
	groups, err := c.ListGroups(ctx)
	if err != nil || len(groups) != 1 || len(groups[0].Members) != 1 {
		t.Fatalf("groups %+v, %v", groups, err)
	}
	if id, err := c.CreateTeam(ctx, "new"); err != nil || id != "g 2" {
		t.Fatalf("create team: %q, %v", id, err)
	}
	if err := c.RemoveMember(ctx, "g 1", "u 1"); err != nil {
		t.Fatalf("remove: %v", err)
	}
	_, err = c.CreateUser(ctx, model.User{UserName: "b@example.com", Email: "b@example.com"})
	if !errors.Is(err, ErrNameTaken) {
		t.Fatalf("create user answered 409: %v, want ErrNameTaken", err)
	}
	mu.Lock()
	defer mu.Unlock()
	i := slices.Index(paths, "PATCH /scim/Groups/g%201")
	if i < 0 || !strings.Contains(bodies[i], `members[value eq \"u 1\"]`) {
		t.Fatalf("requests %q, bodies %q: want the id escaped in the path and quoted in the filter", paths, bodies)
	}
}

// TestCreateAnsweredWithoutTheResource: a create answered 201 without the
// created user or team in its body (empty, or without an id) looks it up
// by name, as after a lost answer, and uses what it finds; when nothing is
// found, the outcome stays unknown.
func TestCreateAnsweredWithoutTheResource(t *testing.T) {
	for _, body := range []string{"", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`} {
		for _, made := range []bool{true, false} {
			f, srv := newFake(t)
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				if r.Method != http.MethodPost {
					return false
				}
				f.mu.Lock()
				if made && strings.HasSuffix(r.URL.Path, "/Users") {
					f.users = append(f.users, map[string]any{"id": "u-new", "userName": "b@example.com"})
				} else if made {
					f.groups = append(f.groups, map[string]any{"id": "g-new", "displayName": "newteam"})
				}
				f.mu.Unlock()
				w.Header().Set("Location", "http://elsewhere.example/scim/Users/x")
				w.WriteHeader(http.StatusCreated)
				io.WriteString(w, body)
				return true
			}
			c := testClient(t, srv.URL)
			ctx := context.Background()
			uid, uerr := c.CreateUser(ctx, model.User{UserName: "b@example.com"})
			tid, terr := c.CreateTeam(ctx, "newteam")
			if made {
				if uerr != nil || uid != "u-new" || terr != nil || tid != "g-new" {
					t.Fatalf("body %q: user %q %v, team %q %v; want both found", body, uid, uerr, tid, terr)
				}
				continue
			}
			for _, err := range []error{uerr, terr} {
				var e *Error
				if !errors.As(err, &e) || !e.OutcomeUnknown() {
					t.Fatalf("body %q, nothing made: %v, want an unknown outcome", body, err)
				}
			}
			f.mu.Lock()
			for _, r := range f.reqs {
				if strings.Contains(r, "elsewhere") {
					t.Errorf("followed Location: %q", f.reqs)
				}
			}
			f.mu.Unlock()
		}
	}
}

// TestCreateAnswerBrokeOff: a create answered 201 whose body breaks off is
// never sent again (the server said it made it): it is looked up, and
// used when found; otherwise its outcome is unknown.
func TestCreateAnswerBrokeOff(t *testing.T) {
	for _, made := range []bool{true, false} {
		for _, status := range []int{http.StatusCreated, http.StatusAccepted} {
			testCreateAnswerBrokeOff(t, made, status)
		}
	}
}

// testCreateAnswerBrokeOff is TestCreateAnswerBrokeOff with the user made
// or not, answered status: a 202 (queued) does not say it was made, so
// nothing found makes it ok.
func testCreateAnswerBrokeOff(t *testing.T, made bool, status int) {
	t.Helper()
	f, srv := newFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPost {
			return false
		}
		if made {
			f.mu.Lock()
			f.users = append(f.users, map[string]any{"id": "u-new", "userName": "b@example.com"})
			f.mu.Unlock()
		}
		w.Header().Set("Content-Type", "application/scim+json")
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(status)
		io.WriteString(w, `{"id":"u-`)
		w.(http.Flusher).Flush()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return true
	}
	c := testClient(t, srv.URL)
	id, err := c.CreateUser(context.Background(), model.User{UserName: "b@example.com"})
	var e *Error
	switch {
	case made && status == http.StatusCreated && (err != nil || id != "u-new"):
		t.Fatalf("made: %q, %v; want it found", id, err)
	case (!made || status != http.StatusCreated) && (id != "" || !errors.As(err, &e) || !e.OutcomeUnknown() ||
		!strings.Contains(err.Error(), fmt.Sprintf("the server answered %d, but the rest of its answer broke off", status))):
		t.Fatalf("made %v, %d: %q, %v; want an unknown outcome saying the answer broke off", made, status, id, err)
	}
	posts := 0
	for _, r := range f.requests() {
		if strings.HasPrefix(r, "POST") {
			posts++
		}
	}
	if posts != 1 {
		t.Fatalf("made %v: %d creates sent, want 1: %q", made, posts, f.requests())
	}
}

// TestCreateAnswerNotTaken: what a look-up after a create finds is not
// taken when the answer did not say the user was made (202 Accepted:
// queued), nor when the user found is deactivated (a create does not
// reactivate): the outcome stays unknown.
func TestCreateAnswerNotTaken(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		active bool
	}{
		{"202 Accepted", http.StatusAccepted, true},
		{"empty 201, deactivated user", http.StatusCreated, false},
	} {
		f, srv := newFake(t)
		f.users = []map[string]any{{"id": "u-b", "userName": "b@example.com", "active": tc.active}}
		f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
			if r.Method != http.MethodPost {
				return false
			}
			w.WriteHeader(tc.status)
			return true
		}
		c := testClient(t, srv.URL)
		id, err := c.CreateUser(context.Background(), model.User{UserName: "b@example.com"})
		var e *Error
		if id != "" || !errors.As(err, &e) || !e.OutcomeUnknown() || !strings.Contains(err.Error(), strconv.Itoa(tc.status)) {
			t.Errorf("%s: %q, %v; want no id and an unknown outcome naming the status", tc.name, id, err)
		}
	}
}

// TestSwitchingProtocolsNotRead: a 101 Switching Protocols answer, which
// net/http returns with the raw connection as its body (a read no timeout
// or cancel interrupts), is closed unread: the server holding the
// connection open sees the client close it; the error names the status,
// is not retried, and a write so answered is of unknown outcome.
func TestSwitchingProtocolsNotRead(t *testing.T) {
	closed := make(chan bool, 8) // true: the client closed the connection first
	addr, conns := rawServer(t, func(conn net.Conn, buf []byte) {
		_, _ = io.WriteString(conn, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"+
			`{"totalResults":0,"Resources":[]}`)
		// Held open until the client closes it; the deadline only keeps
		// a regression from hanging the test.
		_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, err := conn.Read(buf)
		var ne net.Error
		closed <- !(errors.As(err, &ne) && ne.Timeout())
	})
	var trace bytes.Buffer
	c := testClient(t, "http://"+addr, func(c *Config) { c.Trace = &trace })
	_, err := c.ListUsers(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusSwitchingProtocols || !strings.Contains(err.Error(), "101 Switching Protocols") || e.OutcomeUnknown() {
		t.Fatalf("a read answered 101: err = %v", err)
	}
	if !strings.Contains(trace.String(), `"status":101`) || !strings.Contains(trace.String(), `"response_body":"…[not read further: read 0 bytes]"`) {
		t.Errorf("the trace does not say the 101's body was not read:\n%s", trace.String())
	}
	if !<-closed {
		t.Error("the read kept the switched connection open until the server's deadline")
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections: a 101 is not asked again", n)
	}
	err = c.SetActive(context.Background(), "u1", false)
	if !errors.As(err, &e) || e.Status != http.StatusSwitchingProtocols || !e.OutcomeUnknown() {
		t.Fatalf("a write answered 101: err = %v, want its outcome unknown", err)
	}
	if !<-closed {
		t.Error("the write kept the switched connection open until the server's deadline")
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections: a write answered 101 is not sent again", n)
	}
}

// TestStatusZero: a status line "HTTP/1.1 000 X", which net/http reads as
// status 0, is said as no HTTP status (not as a protocol switch); a write
// so answered is of unknown outcome.
func TestStatusZero(t *testing.T) {
	addr, _ := rawServer(t, func(conn net.Conn, _ []byte) {
		_, _ = io.WriteString(conn, "HTTP/1.1 000 Zero\r\nContent-Length: 0\r\n\r\n")
	})
	c := testClient(t, "http://"+addr)
	_, err := c.ListUsers(context.Background())
	if err == nil || !strings.Contains(err.Error(), "holds status 000, which is no HTTP status") || strings.Contains(err.Error(), "switched") {
		t.Fatalf("a read answered 000: err = %v", err)
	}
	err = c.SetActive(context.Background(), "u1", false)
	var e *Error
	if !errors.As(err, &e) || !e.OutcomeUnknown() {
		t.Fatalf("a write answered 000: err = %v, want its outcome unknown", err)
	}
}

// TestSwitchingProtocolsCreateLookedUp: a create answered 101 is never
// sent again, but looked up as after a lost answer: what it made is used
// when found, and it is failed (not unknown) when the look-up finds
// nothing.
func TestSwitchingProtocolsCreateLookedUp(t *testing.T) {
	for _, made := range []bool{true, false} {
		var posts atomic.Int32
		addr, _ := rawServer(t, func(conn net.Conn, buf []byte) {
			if bytes.HasPrefix(buf, []byte("POST ")) {
				posts.Add(1)
				_, _ = io.WriteString(conn, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
				return
			}
			body := `{"totalResults":0,"itemsPerPage":0,"startIndex":1,"Resources":[]}`
			if made {
				body = `{"totalResults":1,"itemsPerPage":1,"startIndex":1,"Resources":[{"id":"u9","userName":"z@example.com","emails":[{"value":"z@example.com","primary":true}],"active":true}]}`
			}
			fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
		})
		id, err := testClient(t, "http://"+addr).CreateUser(context.Background(), model.User{UserName: "z@example.com", Email: "z@example.com", Active: true})
		var e *Error
		switch {
		case posts.Load() != 1:
			t.Errorf("made %v: %d creates sent, want 1", made, posts.Load())
		case made && (err != nil || id != "u9"):
			t.Errorf("made: id %q, err %v, want the user the look-up found", id, err)
		case !made && (!errors.As(err, &e) || e.Status != http.StatusSwitchingProtocols || e.OutcomeUnknown()):
			t.Errorf("not made: err %v, want the 101, failed", err)
		}
	}
}

// rawServer serves every connection on a loopback port with answer, after
// reading (up to 4 KiB of) its request into the buffer it passes, and
// closes the connection when answer returns; it returns the address and
// the count of connections accepted.
func rawServer(t *testing.T, answer func(conn net.Conn, buf []byte)) (string, *atomic.Int32) {
	t.Helper()
	conns := new(atomic.Int32)
	addr := rawserve.Serve(t, func(conn net.Conn) {
		conns.Add(1)
		buf := make([]byte, 4096)
		_, _ = conn.Read(buf)
		answer(conn, buf)
	})
	return addr, conns
}

// TestUnaskedEncodingNamed: a body in an encoding wbsync did not ask for
// (net/http asks for gzip and decodes it) does not decode, and the error
// names the encoding rather than asking whether the URL is right; a body
// that is not SCIM without one still asks about the URL.
func TestUnaskedEncodingNamed(t *testing.T) {
	for _, tc := range []struct{ encoding, want string }{
		{"br", "the answer is encoded (Content-Encoding: br), which wbsync does not ask for"},
		{"deflate", "(Content-Encoding: deflate)"},
		{"", hintBaseURL},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tc.encoding != "" {
				w.Header().Set("Content-Encoding", tc.encoding)
			}
			w.Header().Set("Content-Type", "application/scim+json")
			_, _ = w.Write([]byte("\x8b\x1f\x00\x00garbage"))
		}))
		_, err := testClient(t, srv.URL).ListUsers(context.Background())
		srv.Close()
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(e.Hint, tc.want) {
			t.Errorf("Content-Encoding %q: err = %v, want a hint holding %q", tc.encoding, err, tc.want)
		}
	}
}

// TestCutOffAnswersNamed: an answer that stops short says so in words, not
// in Go's bare "unexpected EOF" or "EOF": a body cut inside a JSON value,
// an empty body, and a connection that closes before the bytes its
// Content-Length announced (retried, then named with a hint).
func TestCutOffAnswersNamed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		serve func(w http.ResponseWriter)
		want  string
	}{
		{"cut inside a record", func(w http.ResponseWriter) { fmt.Fprint(w, `{"totalResults":1,"Resources":[{"id":"u1",`) },
			`the user at position 1 (id u1): the body ends inside a JSON value, cut off by the server or a proxy (unexpected EOF)`},
		{"empty body", func(http.ResponseWriter) {}, "the body is not a SCIM list response: the body is empty (EOF)"},
		{"short of its Content-Length", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(http.StatusOK)
			fmt.Fprint(w, `{"totalResults":1,`)
		}, "unexpected EOF; gave up after"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/scim+json")
			tc.serve(w)
		}))
		c := testClient(t, srv.URL, func(c *Config) { c.MaxElapsed = 300 * time.Millisecond })
		_, err := c.ListUsers(context.Background())
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
		if tc.name == "short of its Content-Length" && (err == nil || !strings.Contains(err.Error(), hintCutOff)) {
			t.Errorf("%s: err = %v, want the hint %q", tc.name, err, hintCutOff)
		}
	}
}

// TestEmptyResourceBody: a create's answer with no body says so, not that
// it was cut off; one cut inside its JSON says that.
func TestEmptyResourceBody(t *testing.T) {
	if _, err := decodeUser([]byte(" \n")); !errors.Is(err, errEmptyBody) || err.Error() != "the body is empty (EOF)" {
		t.Errorf("empty: %v", err)
	}
	if _, err := decodeGroup([]byte(`{"id":"g`)); !errors.Is(err, errCutOff) {
		t.Errorf("cut: %v", err)
	}
}

// TestPlainHTTPToTLSPort: an http:// URL at a TLS port is told to use
// https://, whether the port closes the request unanswered or answers
// that it got plain HTTP (Go's server; nginx words it otherwise); a
// server that has answered in the run is not taken for one.
func TestPlainHTTPToTLSPort(t *testing.T) {
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()
	closing, _ := rawServer(t, func(conn net.Conn, _ []byte) {})
	for name, url := range map[string]string{
		"answered 400": strings.Replace(tlsSrv.URL, "https://", "http://", 1),
		"closed":       "http://" + closing,
	} {
		_, err := testClient(t, url).ListUsers(context.Background())
		if err == nil || !strings.Contains(err.Error(), hintPlainToTLS) || strings.Contains(err.Error(), "--page-size") {
			t.Errorf("%s: err = %v, want the hint %q", name, err, hintPlainToTLS)
		}
	}
	f, srv := newFake(t)
	c := testClient(t, srv.URL)
	if _, err := c.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
		return true
	}
	if _, err := c.ListUsers(context.Background()); err == nil || strings.Contains(err.Error(), hintPlainToTLS) {
		t.Errorf("after an answer: err = %v, want no https hint", err)
	}
}
