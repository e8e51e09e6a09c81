package scim

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestPatchAnsweredDoneIsNotSentAgain: a PATCH answered 200 whose body
// then stalls (W&B answers a team PATCH with the whole team: megabytes, on
// a slow link) is not sent again. When its first bytes came and state no
// error, it is done; when they did not come, its outcome is unknown. A
// stalled answer of a read is retried as before.
func TestPatchAnsweredDoneIsNotSentAgain(t *testing.T) {
	for _, tc := range []struct {
		name    string
		head    int // bytes sent before the stall
		unknown bool
	}{
		{"first bytes came: done", 2 * errorPeek, false},
		{"first bytes did not come: unknown", 10, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				if r.Method != http.MethodPatch {
					return false
				}
				w.Header().Set("Content-Type", "application/scim+json")
				w.WriteHeader(http.StatusOK)
				_, _ = w.Write([]byte((`{"id":"t1","displayName":"ml","members":[` + strings.Repeat(" ", tc.head))[:tc.head]))
				w.(http.Flusher).Flush()
				<-r.Context().Done() // the rest never comes
				return true
			}
			c := testClient(t, srv.URL, func(c *Config) { c.Timeout = 300 * time.Millisecond })
			err := c.RemoveMember(context.Background(), "t1", "u1")
			if n := f.count("PATCH"); n != 1 {
				t.Fatalf("%d PATCHes sent, want 1: answered as done, it is not sent again (err %v)", n, err)
			}
			var e *Error
			switch {
			case !tc.unknown && err != nil:
				t.Fatalf("err = %v, want done", err)
			case tc.unknown && (!errors.As(err, &e) || !e.OutcomeUnknown() || !strings.Contains(err.Error(), "the server answered 200, but its first bytes did not arrive within the per-request timeout")):
				t.Fatalf("err = %v, want unknown, saying why", err)
			}
		})
	}
}
