package scim

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wbsync/wbsync/pkg/model"
)

// TestLookUpsOneAtATime: the look-ups of creates answered 409 run one after
// another, however many creates run at once, so that what a server
// ignoring the filter lists (the whole organization, each time) is held
// once, not --concurrency times. The second page of each look-up is held
// back until a second look-up starts, or 300 ms: look-ups that overlapped
// would be in flight together.
func TestLookUpsOneAtATime(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(2) // neither is the user created: each look-up finds nothing
	f.pageCap = 1
	var (
		mu             sync.Mutex
		inFlight, most int
		second         = make(chan struct{}) // closed when a second look-up starts
		firstPages     atomic.Int32
	)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		switch {
		case r.Method == http.MethodPost:
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","detail":"exists"}`))
			return true
		case r.URL.Query().Get("filter") == "":
			return false
		}
		q := r.URL.Query() // the filter ignored: every user listed
		q.Del("filter")
		r.URL.RawQuery = q.Encode()
		if q.Get("startIndex") == "2" {
			select {
			case <-second:
			case <-time.After(300 * time.Millisecond):
			}
			mu.Lock()
			inFlight--
			mu.Unlock()
			return false
		}
		if firstPages.Add(1) == 2 {
			close(second)
		}
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		return false
	}
	c := testClient(t, srv.URL, func(c *Config) { c.Concurrency = 8 })
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email := fmt.Sprintf("new%d@example.com", i)
			_, _ = c.CreateUser(context.Background(), model.User{UserName: email, Email: email, Active: true})
		}()
	}
	wg.Wait()
	if firstPages.Load() < 3 {
		t.Fatalf("%d look-ups, want one per create at least", firstPages.Load())
	}
	if most != 1 {
		t.Errorf("%d look-ups in flight at once, want 1", most)
	}
}
