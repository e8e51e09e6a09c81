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

// TestStillAtWorkOnlyForCreatesNotSentAgain: StillAtWork says which writes
// ended unknown because the server may still be at them (a create someone
// stopped waiting for, found by no look-up, not sent again), so that apply
// can say to wait before applying again. A PATCH that timed out,
// unknown as well, is not a create the server may still be making, and a
// 504 without a body says why it was not sent again without a dangling
// separator.
func TestStillAtWorkOnlyForCreatesNotSentAgain(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(w http.ResponseWriter, r *http.Request) bool
		write  func(c *Client) error
		atWork bool
	}{
		{"create timed out", func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == http.MethodPost {
				<-r.Context().Done()
				return true
			}
			return false
		}, func(c *Client) error {
			_, err := c.CreateUser(context.Background(), model.User{UserName: "new@x.com"})
			return err
		}, true},
		{"create 504 without a body", func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == http.MethodPost {
				w.WriteHeader(http.StatusGatewayTimeout)
				return true
			}
			return false
		}, func(c *Client) error { _, err := c.CreateTeam(context.Background(), "new-team"); return err }, true},
		{"deactivation timed out", func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == http.MethodPatch {
				<-r.Context().Done()
				return true
			}
			return false
		}, func(c *Client) error { return c.SetActive(context.Background(), "u", false) }, false},
	} {
		f, srv := newFake(t)
		c := testClient(t, srv.URL, func(c *Config) { c.Timeout, c.MaxElapsed = 50*time.Millisecond, 300*time.Millisecond })
		f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool { return tc.answer(w, r) }
		err := tc.write(c)
		var e *Error
		if !errors.As(err, &e) || !e.OutcomeUnknown() || e.StillAtWork() != tc.atWork {
			t.Errorf("%s: err %v: want unknown, StillAtWork %v", tc.name, err, tc.atWork)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, ": ;") || strings.Contains(msg, ":  ") {
			t.Errorf("%s: %q: a separator with nothing before it", tc.name, msg)
		}
	}
}

// TestTimedOutCreateWhoseLookUpFailedIsStillAtWork: a create cut off by
// --timeout whose look-up then failed is not sent again either, and the
// server may still be making it: StillAtWork, so that apply says to wait
// rather than that applying again converges.
func TestTimedOutCreateWhoseLookUpFailedIsStillAtWork(t *testing.T) {
	f, srv := newFake(t)
	c := testClient(t, srv.URL, func(c *Config) { c.Timeout, c.MaxElapsed = 50*time.Millisecond, 300*time.Millisecond })
	var posts atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		switch {
		case r.Method == http.MethodPost:
			posts.Add(1)
			<-r.Context().Done()
			return true
		case r.Method == http.MethodGet && r.URL.Query().Get("filter") != "":
			scimErr(w, http.StatusBadRequest, "filter refused")
			return true
		}
		return false
	}
	_, err := c.CreateTeam(context.Background(), "new-team")
	var e *Error
	if !errors.As(err, &e) || !e.OutcomeUnknown() || !e.StillAtWork() || posts.Load() != 1 ||
		!strings.Contains(err.Error(), "the server may still be at the request: not sent again, so as not to make it twice") ||
		!strings.Contains(err.Error(), "; checking whether it was applied: ") {
		t.Errorf("%d POSTs, err %v: want one POST, unknown, still at work", posts.Load(), err)
	}
}
