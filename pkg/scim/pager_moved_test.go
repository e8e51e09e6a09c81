package scim

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestMovedAcrossPagesIsAChange: a user deleted while a later page was
// already read moves the users after it one position back; the earlier
// page, answered afterwards, lists one of them at the position before the
// one the later page placed it at. That is the organization changing (read
// again), not an id listed twice in one page.
func TestMovedAcrossPagesIsAChange(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(251)
	added := f.users[250]
	f.users = f.users[:250]
	served := map[string]bool{}
	moved := make(chan struct{}) // closed once user 121 is gone
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		start := r.URL.Query().Get("startIndex")
		if start == "99" {
			select { // answered after the later pages and the deletion
			case <-moved:
			case <-r.Context().Done():
			}
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if start == "148" || start == "197" || start == "246" {
			served[start] = true
		}
		return false
	}
	// Delete user 121 (and create another at the end: the same total) once
	// the three later pages have been answered: the fake is wrapped so
	// that the deletion comes after their bodies are made.
	inner := srv.Config.Handler
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.ServeHTTP(w, r)
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(served) == 3 && !isClosed(moved) {
			f.users = append(append(f.users[:120:120], f.users[121:]...), added)
			close(moved)
		}
	})
	c := testClient(t, srv.URL, func(c *Config) { c.PageSize, c.Concurrency = 50, 4 })
	got, err := c.ListUsers(context.Background())
	if err == nil || got != nil {
		t.Fatalf("read %d users, err %v", len(got), err)
	}
	t.Logf("err: %v", err)
	if strings.Contains(err.Error(), "listed twice in the page") || !errors.Is(err, ErrChanged) {
		t.Fatalf("a user moved by a deletion between pages: want ErrChanged (read again), got %v", err)
	}
}

// isClosed reports whether ch is closed.
func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
