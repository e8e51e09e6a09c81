package scim

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/wbsync/wbsync/pkg/model"
)

// lookUpServer is a fake whose POST /Users is always 409 (so that every
// create looks its user up) and whose filtered GETs run through gate with
// the page's startIndex, the filter ignored when ignore is set (every
// user listed, one a page) and honoured otherwise (one page).
func lookUpServer(t *testing.T, ignore bool, gate func(start string)) *Client {
	f, srv := newFake(t)
	f.users = mkUsers(2) // neither is the user created: each look-up finds nothing
	f.pageCap = 1
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method == http.MethodPost {
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","detail":"exists"}`))
			return true
		}
		q := r.URL.Query()
		if q.Get("filter") == "" {
			return false
		}
		if ignore {
			q.Del("filter")
			r.URL.RawQuery = q.Encode()
		}
		gate(q.Get("startIndex"))
		return false
	}
	return testClient(t, srv.URL, func(c *Config) { c.Concurrency = 8 })
}

// createAll creates n users at once and waits for every create to end.
func createAll(c *Client, n int) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email := fmt.Sprintf("new%d@example.com", i)
			_, _ = c.CreateUser(context.Background(), model.User{UserName: email, Email: email, Active: true})
		}()
	}
	wg.Wait()
}

// gauge counts the look-ups in the server at once: each enters, waits
// until open is closed or for wait, and leaves; open closes once want are
// in at once.
type gauge struct {
	mu             sync.Mutex
	inFlight, most int
	want           int
	open           chan struct{}
	closed         bool
}

func newGauge(want int) *gauge { return &gauge{want: want, open: make(chan struct{})} }

func (g *gauge) hold(wait time.Duration) {
	g.mu.Lock()
	g.inFlight++
	if g.most = max(g.most, g.inFlight); g.most >= g.want && !g.closed {
		close(g.open)
		g.closed = true
	}
	g.mu.Unlock()
	select {
	case <-g.open:
	case <-time.After(wait):
	}
	g.mu.Lock()
	g.inFlight--
	g.mu.Unlock()
}

// TestLookUpsOfManyPagesOneAtATime: look-ups answered in more than one
// page (a server ignoring the filter lists every user to each) are read
// one at a time, however many creates run at once, so that what they list
// is held once, not --concurrency times. Each second page is held in the
// server until two are there at once, or 300 ms: look-ups read side by
// side would be there together.
func TestLookUpsOfManyPagesOneAtATime(t *testing.T) {
	g := newGauge(2)
	seconds := 0
	c := lookUpServer(t, true, func(start string) {
		if start == "2" {
			g.mu.Lock()
			seconds++
			g.mu.Unlock()
			g.hold(300 * time.Millisecond)
		}
	})
	createAll(c, 3)
	if seconds < 3 {
		t.Fatalf("%d second pages asked for, want one per create at least", seconds)
	}
	if g.most != 1 {
		t.Errorf("%d look-ups of many pages read at once, want 1", g.most)
	}
}

// TestLookUpsOfOnePageInParallel: look-ups answered in one page (the
// filter honoured, as W&B does) are not held back: three creates answered
// 409 at once look up side by side. Each look-up is held in the server
// until three are there at once, or 2 s.
func TestLookUpsOfOnePageInParallel(t *testing.T) {
	g := newGauge(3)
	c := lookUpServer(t, false, func(string) { g.hold(2 * time.Second) })
	createAll(c, 3)
	if g.most < 3 {
		t.Errorf("at most %d look-ups at once, want the 3 side by side", g.most)
	}
}
