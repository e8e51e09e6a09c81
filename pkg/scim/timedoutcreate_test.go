package scim

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wbsync/wbsync/pkg/model"
)

// TestTimedOutCreateStaysUnknown: a create that got no answer within
// --timeout is looked up, and the look-up finds nothing: the server may
// still be at the request (a slow backend, a queue at a proxy) and make
// the user after the look-up. When the run is interrupted before the
// create is sent again, or when every attempt times out, its outcome is
// unknown, not "not done": a report saying it was not made would be
// wrong once the server makes it.
func TestTimedOutCreateStaysUnknown(t *testing.T) {
	for _, interrupt := range []bool{true, false} {
		f, srv := newFake(t)
		c := testClient(t, srv.URL, func(c *Config) { c.Timeout, c.MaxElapsed = 50*time.Millisecond, 400*time.Millisecond })
		var posts, lookups atomic.Int32
		f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
			switch {
			case r.Method == http.MethodPost && r.URL.Path == "/scim/Users":
				posts.Add(1)
				<-r.Context().Done() // no answer: the client stops waiting
				return true
			case r.Method == http.MethodGet && r.URL.Query().Get("filter") != "":
				if lookups.Add(1) == 1 && interrupt {
					c.StopRetrying()
				}
			}
			return false
		}
		_, err := c.CreateUser(context.Background(), model.User{UserName: "new@x.com"})
		var e *Error
		if err == nil || !errors.As(err, &e) || !e.OutcomeUnknown() || lookups.Load() == 0 {
			t.Errorf("interrupt %v: %d POSTs, %d look-ups, err %v: want unknown", interrupt, posts.Load(), lookups.Load(), err)
		}
		if interrupt && posts.Load() != 1 {
			t.Errorf("interrupted after the first look-up: %d POSTs, want 1", posts.Load())
		}
	}
}

// TestTimedOutCreateThen400Failed: a user create whose first attempt timed
// out, looked up (nothing), sent again and refused 400 (the request itself
// is refused, as for a 413): the first attempt, the same request, was
// refused too: failed, not unknown.
func TestTimedOutCreateThen400Failed(t *testing.T) {
	f, srv := newFake(t)
	c := testClient(t, srv.URL, func(c *Config) { c.Timeout, c.MaxElapsed = 50*time.Millisecond, 2*time.Second })
	var posts atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method == http.MethodPost && r.URL.Path == "/scim/Users" {
			if posts.Add(1) == 1 {
				<-r.Context().Done()
				return true
			}
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","detail":"invalid email"}`))
			return true
		}
		return false
	}
	_, err := c.CreateUser(context.Background(), model.User{UserName: "new@x.com"})
	var e *Error
	if !errors.As(err, &e) || e.OutcomeUnknown() {
		t.Errorf("%d POSTs: err %v: want failed (a 400 refuses the request itself)", posts.Load(), err)
	}
}
