package scim

import (
	"context"
	"errors"
	"net/http"
	"strings"
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

// TestCreateNotSentAgainWhileTheServerMayBeAtIt: a user or team create
// that someone stopped waiting for (this side's --timeout, a gateway's 504,
// a CDN's 524) is looked up, and when the look-up finds nothing it is not
// sent again: the server may still be at the first request, and one that
// enforces no unique name would make a second account or team. Its outcome
// is unknown, and says why. A 500, the server's own answer (done with the
// request), is sent again after the same look-up.
func TestCreateNotSentAgainWhileTheServerMayBeAtIt(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(w http.ResponseWriter, r *http.Request)
		posts  int32 // 0: more than one
	}{
		{"timeout", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, 1},
		{"504", func(w http.ResponseWriter, r *http.Request) {
			scimErr(w, http.StatusGatewayTimeout, "upstream request timeout")
		}, 1},
		{"524", func(w http.ResponseWriter, r *http.Request) { scimErr(w, 524, "a timeout occurred") }, 1},
		{"500", func(w http.ResponseWriter, r *http.Request) {
			scimErr(w, http.StatusInternalServerError, "internal error")
		}, 0},
	} {
		for _, path := range []string{"/scim/Users", "/scim/Groups"} {
			f, srv := newFake(t)
			c := testClient(t, srv.URL, func(c *Config) { c.Timeout, c.MaxElapsed = 50*time.Millisecond, 2*time.Second })
			var posts, lookups atomic.Int32
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				switch {
				case r.Method == http.MethodPost && r.URL.Path == path:
					posts.Add(1)
					tc.answer(w, r)
					return true
				case r.Method == http.MethodGet && r.URL.Query().Get("filter") != "":
					lookups.Add(1)
				}
				return false
			}
			var err error
			if path == "/scim/Users" {
				_, err = c.CreateUser(context.Background(), model.User{UserName: "new@x.com"})
			} else {
				_, err = c.CreateTeam(context.Background(), "new-team")
			}
			var e *Error
			switch {
			case !errors.As(err, &e) || lookups.Load() == 0:
				t.Errorf("%s %s: %d look-ups, err %v: want a failure, looked up", tc.name, path, lookups.Load(), err)
			case tc.posts == 1 && (posts.Load() != 1 || !e.OutcomeUnknown() || !strings.Contains(err.Error(), "the server may still be at the request: not sent again")):
				t.Errorf("%s %s: %d POSTs, unknown %v, err %v: want one POST, unknown, said why", tc.name, path, posts.Load(), e.OutcomeUnknown(), err)
			case tc.posts == 0 && posts.Load() < 2:
				t.Errorf("%s %s: %d POSTs: want it sent again after the look-up", tc.name, path, posts.Load())
			}
		}
	}
}
