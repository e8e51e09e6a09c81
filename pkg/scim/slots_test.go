package scim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wbsync/wbsync/pkg/caps"
)

// gate serves one-resource list pages of total; the bodies of the pages
// after the first block on their first Read until released, and gate
// counts how many are being read at once. It releases them all once want
// requests are in flight and caps.BodySlots bodies are being read (or more:
// a violation, reported rather than hung on).
type gate struct {
	total, want int

	mu      sync.Mutex
	trips   int // answers after the first page
	active  int // bodies being read
	peak    int
	release chan struct{}
	opened  bool
}

func (g *gate) check() { // with g.mu held
	if !g.opened && ((g.trips >= g.want && g.active == caps.BodySlots) || g.active > caps.BodySlots) {
		g.opened = true
		close(g.release)
	}
}

func (g *gate) RoundTrip(req *http.Request) (*http.Response, error) {
	start := req.URL.Query().Get("startIndex")
	body := fmt.Sprintf(`{"totalResults":%d,"Resources":[{"id":"u%s","userName":"n%s"}]}`, g.total, start, start)
	resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/scim+json"}}, Request: req,
		Body: io.NopCloser(strings.NewReader(body))}
	if start != "1" {
		g.mu.Lock()
		g.trips++
		g.check()
		g.mu.Unlock()
		resp.Body = &gatedBody{g: g, r: strings.NewReader(body)}
	}
	return resp, nil
}

type gatedBody struct {
	g               *gate
	r               io.Reader
	started, closed bool
}

func (b *gatedBody) Read(p []byte) (int, error) {
	if !b.started {
		b.started = true
		b.g.mu.Lock()
		b.g.active++
		b.g.peak = max(b.g.peak, b.g.active)
		b.g.check()
		b.g.mu.Unlock()
		<-b.g.release
	}
	return b.r.Read(p)
}

func (b *gatedBody) Close() error {
	if b.started && !b.closed {
		b.closed = true
		b.g.mu.Lock()
		b.g.active--
		b.g.mu.Unlock()
	}
	return nil
}

// TestBodiesBoundedByBodySlots: with Concurrency far above caps.BodySlots,
// no more than BodySlots bodies are read at once, while every request is in
// flight.
func TestBodiesBoundedByBodySlots(t *testing.T) {
	const conc = 16
	g := &gate{total: 40, want: conc, release: make(chan struct{})}
	c := testClient(t, "http://127.0.0.1:1", func(c *Config) {
		c.Concurrency, c.HTTPClient = conc, &http.Client{Transport: g}
	})
	users, err := c.ListUsers(context.Background())
	if err != nil || len(users) != 40 {
		t.Fatalf("%d users, %v", len(users), err)
	}
	if g.peak != caps.BodySlots {
		t.Fatalf("%d bodies read at once, want %d (BodySlots) with %d requests in flight", g.peak, caps.BodySlots, conc)
	}
}

// closeCounter serves one-group list pages of total and counts the bodies
// closed: pages read and decoded.
type closeCounter struct {
	total  int
	closed func()
}

func (cc *closeCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	start := req.URL.Query().Get("startIndex")
	body := fmt.Sprintf(`{"totalResults":%d,"Resources":[{"id":"g%s","displayName":"t%s","members":[]}]}`, cc.total, start, start)
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/scim+json"}}, Request: req,
		Body: &onClose{Reader: strings.NewReader(body), f: cc.closed}}, nil
}

type onClose struct {
	io.Reader
	f func()
}

func (o *onClose) Close() error { o.f(); return nil }

// TestUnplacedPagesBounded: while the hand-over of a page is slow (the
// conversion of a large team), the pages fetched meanwhile wait before
// they are decoded: at most caps.BodySlots pages are decoded and not yet
// handed over, with Concurrency far above it.
func TestUnplacedPagesBounded(t *testing.T) {
	const conc, total = 16, 40
	var (
		mu               sync.Mutex
		decoded, handed  int
		peak             int
		release          = make(chan struct{})
		opened, violated bool
	)
	open := func(bad bool) { // with mu held
		violated = violated || bad
		if !opened {
			opened = true
			close(release)
		}
	}
	cc := &closeCounter{total: total, closed: func() {
		mu.Lock()
		defer mu.Unlock()
		decoded++
		peak = max(peak, decoded-handed)
		if decoded-handed > caps.BodySlots {
			open(true)
		}
	}}
	c := testClient(t, "http://127.0.0.1:1", func(c *Config) {
		c.Concurrency, c.HTTPClient, c.PageSize = conc, &http.Client{Transport: cc}, 1
	})
	waited := false
	c.unplacedFull = func() {
		mu.Lock()
		defer mu.Unlock()
		waited = true
		open(false)
	}
	calls := 0
	err := c.EachGroup(context.Background(), func(page []Group) error {
		calls++
		if calls == 2 { // the first page after the first: slow
			<-release
		}
		mu.Lock()
		handed++
		mu.Unlock()
		return nil
	})
	if err != nil || calls != total {
		t.Fatalf("%d pages handed over, %v", calls, err)
	}
	if violated || !waited {
		t.Fatalf("%d pages decoded and not handed over at once (at most %d, BodySlots); a page waited for a slot: %v", peak, caps.BodySlots, waited)
	}
}

// resetOnce serves one-user list pages of total; the first answer for
// startIndex 2 breaks off mid-body, and at the second request for it the
// number of unplaced slots held is recorded.
type resetOnce struct {
	total   int
	c       *Client
	tries   int
	atRetry int
}

type brokenBody struct{ io.Reader }

func (brokenBody) Read([]byte) (int, error) { return 0, errors.New("connection reset by peer") }
func (brokenBody) Close() error             { return nil }

func (ro *resetOnce) RoundTrip(req *http.Request) (*http.Response, error) {
	start := req.URL.Query().Get("startIndex")
	body := fmt.Sprintf(`{"totalResults":%d,"Resources":[{"id":"u%s","userName":"n%s"}]}`, ro.total, start, start)
	resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/scim+json"}}, Request: req,
		Body: io.NopCloser(strings.NewReader(body))}
	if start == "2" {
		ro.tries++
		if ro.tries == 1 {
			resp.Body = brokenBody{}
		} else {
			ro.atRetry = len(ro.c.unplaced)
		}
	}
	return resp, nil
}

// TestUnplacedGivenBackBeforeARetry: a page whose body broke off gives its
// unplaced slot back before it is tried again, so that pages retrying
// through their backoff never hold the slots the pages being read wait
// for (with the body slots those hold, that was a deadlock).
func TestUnplacedGivenBackBeforeARetry(t *testing.T) {
	ro := &resetOnce{total: 3}
	c := testClient(t, "http://127.0.0.1:1", func(c *Config) {
		c.Concurrency, c.HTTPClient, c.PageSize = 1, &http.Client{Transport: ro}, 1
	})
	ro.c = c
	users, err := c.ListUsers(context.Background())
	if err != nil || len(users) != 3 || ro.tries != 2 {
		t.Fatalf("%d users, %d requests for page 2, %v", len(users), ro.tries, err)
	}
	if ro.atRetry != 0 {
		t.Fatalf("%d unplaced slot(s) held when page 2 was asked again, want 0", ro.atRetry)
	}
	if n := len(c.unplaced); n != 0 {
		t.Fatalf("%d unplaced slot(s) still held after the read", n)
	}
}

// TestUnplacedWaitNotTimed: a page that waits for an unplaced slot while
// the hand-over of another is slow (a large team's conversion, longer than
// --timeout) is not cut by its request's timeout and fetched again: the
// wait happens before its body is read, with the attempt's timer stopped.
func TestUnplacedWaitNotTimed(t *testing.T) {
	const total = 8
	var requests atomic.Int32
	cc := &closeCounter{total: total, closed: func() {}}
	counting := transportFunc(func(req *http.Request) (*http.Response, error) {
		requests.Add(1)
		resp, err := cc.RoundTrip(req)
		if err == nil { // as a connection's body: unreadable once the request's context ends
			resp.Body = &ctxBody{ReadCloser: resp.Body, ctx: req.Context()}
		}
		return resp, err
	})
	c := testClient(t, "http://127.0.0.1:1", func(c *Config) {
		// A timeout every other page's request meets on a loaded machine
		// (200 ms was not: one was cut and fetched again).
		c.Concurrency, c.HTTPClient, c.PageSize, c.Timeout = 16, &http.Client{Transport: counting}, 1, time.Second
	})
	full := make(chan struct{})
	var once sync.Once
	c.unplacedFull = func() { once.Do(func() { close(full) }) }
	calls := 0
	err := c.EachGroup(context.Background(), func([]Group) error {
		calls++
		if calls == 2 {
			// A page waits for a slot; the hand-over outlasts the timeout
			// (the condition under test, not a wait for the result).
			<-full
			time.Sleep(3 * time.Second)
		}
		return nil
	})
	if err != nil || calls != total {
		t.Fatalf("%d pages handed over, %v", calls, err)
	}
	if n := requests.Load(); n != total {
		t.Fatalf("%d requests for %d pages: a waiting page was cut by its timeout and fetched again", n, total)
	}
}

type transportFunc func(*http.Request) (*http.Response, error)

func (f transportFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// ctxBody is a body that fails, as a connection's does, once its
// request's context has ended.
type ctxBody struct {
	io.ReadCloser
	ctx context.Context
}

func (b *ctxBody) Read(p []byte) (int, error) {
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	return b.ReadCloser.Read(p)
}
