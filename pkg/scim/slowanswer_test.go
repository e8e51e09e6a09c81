package scim

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wbsync/wbsync/pkg/model"
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
			c := testClient(t, srv.URL, func(c *Config) { c.Timeout = time.Second })
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

// TestCreateAnswerWithAnIDTwiceIsLookedUp: a create answered 201 whose
// body gives the id twice (parsers disagree on which counts) is not taken
// at its word: the user is looked up, and the id found is used.
func TestCreateAnswerWithAnIDTwiceIsLookedUp(t *testing.T) {
	f, srv := newFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPost {
			return false
		}
		f.mu.Lock()
		f.users = append(f.users, map[string]any{"id": "real", "userName": "new@x.com", "active": true,
			"emails": []any{map[string]any{"value": "new@x.com", "primary": true}}})
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"real","userName":"new@x.com","emails":[{"value":"new@x.com","primary":true}],"id":"bogus"}`))
		return true
	}
	c := testClient(t, srv.URL)
	id, err := c.CreateUser(context.Background(), model.User{UserName: "new@x.com", Email: "new@x.com", Active: true})
	if err != nil || id != "real" {
		t.Fatalf("id %q, err %v: want the id the look-up found", id, err)
	}
	if n := f.count("POST"); n != 1 {
		t.Fatalf("%d POSTs, want 1", n)
	}
}
