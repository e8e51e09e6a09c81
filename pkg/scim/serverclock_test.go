package scim

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestRetryAfterDateFromServerClock: a Retry-After date is a time on the
// server's clock, so the wait is counted from the answer's own Date: a
// server whose clock is an hour ahead of this machine's, asking for 3
// seconds, is waited 3 seconds, not an hour (which the budget would
// refuse at once). Without a Date, this machine's clock is used.
func TestRetryAfterDateFromServerClock(t *testing.T) {
	for _, skew := range []time.Duration{time.Hour, -time.Hour, 0} {
		server := time.Now().Add(skew).UTC().Truncate(time.Second)
		h := http.Header{}
		h.Set("Date", server.Format(http.TimeFormat))
		h.Set("Retry-After", server.Add(3*time.Second).Format(http.TimeFormat))
		if d, ok := retryAfter(h); !ok || d != 3*time.Second {
			t.Errorf("server clock %v from this machine's: wait %v (%v), want 3s", skew, d, ok)
		}
	}
	h := http.Header{}
	h.Set("Retry-After", time.Now().Add(90*time.Second).UTC().Format(http.TimeFormat))
	if d, ok := retryAfter(h); !ok || d < 80*time.Second || d > 90*time.Second {
		t.Errorf("no Date: wait %v (%v), want about 90s", d, ok)
	}
}

// TestServerLagFromDate: the client keeps the server's clock less this
// machine's from the answers' Date headers, for the plan to say when the
// grace period is measured against a clock far from the server's.
func TestServerLagFromDate(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(2)
	c := testClient(t, srv.URL)
	if _, ok := c.ServerLag(); ok {
		t.Fatal("a lag before any answer")
	}
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		w.Header().Set("Date", time.Now().Add(-10*24*time.Hour).UTC().Format(http.TimeFormat))
		return false
	}
	if _, err := c.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	lag, ok := c.ServerLag()
	if want := -10 * 24 * time.Hour; !ok || lag > want+2*time.Second || lag < want-2*time.Second {
		t.Errorf("lag %v (%v), want about %v", lag, ok, want)
	}
}
