package scim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestSetOrgRoleAnswerBounded: an org-role PATCH answered 200 with 48 MiB
// of blanks before a user record must not be read whole into memory: the
// README says a PATCH answer is not read past 4 KiB (or, for a body that is
// not a list, 1 MiB), yet SetOrgRole reads it with io.ReadAll up to the
// 64 MiB list cap, so four of them at once hold ~400 MB.
func TestSetOrgRoleAnswerBounded(t *testing.T) {
	pad := bytes.Repeat([]byte(" "), 48<<20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		w.Write(pad)
		w.Write([]byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u1","userName":"a@example.com","organizationRole":"admin"}`))
	}))
	defer srv.Close()
	c := testClient(t, srv.URL)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_ = c.SetOrgRole(context.Background(), "u1", "admin")
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
		t.Errorf("SetOrgRole allocated %d MiB for one answer (48 MiB of padding): want it bounded like other PATCH answers", got>>20)
	}
}

// TestGroupAloneBlanksRefused: a team read alone may be as large as a
// list page (the list cap), so it is read through a list page's JSON
// bounds: 48 MiB of blanks before the group (valid JSON, a few kilobytes
// gzipped) is refused at the first over-long run, not held whole and read
// as a team.
func TestGroupAloneBlanksRefused(t *testing.T) {
	pad := bytes.Repeat([]byte(" "), 48<<20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		w.Write(pad)
		w.Write([]byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g1","displayName":"ml","members":[]}`))
	}))
	defer srv.Close()
	c := testClient(t, srv.URL)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := c.GetGroup(context.Background(), "g1")
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "JSON bounds") {
		t.Errorf("GetGroup: %v, want the blank run refused", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
		t.Errorf("GetGroup allocated %d MiB for one answer (48 MiB of padding)", got>>20)
	}
}

// TestUnreadableErrorBodyKeepsStatus: a 401, 403 or 404 whose body cannot
// be read (declared gzip and sent plain, as a proxy may) is that status,
// once, with its hint: not a dropped connection retried for the whole
// budget and then said without its status. A 503 so answered is retried.
func TestUnreadableErrorBodyKeepsStatus(t *testing.T) {
	for _, c := range []struct {
		status   int
		is       error
		requests int32
	}{
		{401, ErrUnauthorized, 1}, {403, ErrForbidden, 1}, {404, ErrNotFound, 1}, {503, nil, 2},
	} {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) > 1 && c.status == 503 {
				w.Header().Set("Content-Type", "application/scim+json")
				w.Write([]byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g1","displayName":"ml","members":[]}`))
				return
			}
			w.Header().Set("Content-Encoding", "gzip")
			w.WriteHeader(c.status)
			w.Write([]byte(`{"detail":"not gzip at all"}`))
		}))
		cl := testClient(t, srv.URL)
		_, err := cl.GetGroup(context.Background(), "g1")
		srv.Close()
		if got := n.Load(); got != c.requests {
			t.Errorf("%d: %d request(s), want %d (%v)", c.status, got, c.requests, err)
		}
		if c.is != nil && (!errors.Is(err, c.is) || !strings.Contains(err.Error(), fmt.Sprint(c.status)) || !strings.Contains(err.Error(), "its body could not be read (gzip: invalid header)")) {
			t.Errorf("%d: %v, want the status with the body's failure", c.status, err)
		}
	}
}

// TestStalled401BodyKeepsStatus: a 401 whose body stalls past the
// per-request timeout is the 401, with its hint, not a timeout retried
// for the whole budget.
func TestStalled401BodyKeepsStatus(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(401)
		w.Write([]byte(`{"detail":"`))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(3 * time.Second):
		}
	}))
	defer srv.Close()
	c := testClient(t, srv.URL, func(cfg *Config) { cfg.Timeout = 500 * time.Millisecond; cfg.MaxElapsed = 2 * time.Second })
	_, err := c.GetGroup(context.Background(), "g1")
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "401") {
		t.Errorf("GetGroup: %v after %d request(s); want the 401", err, n.Load())
	}
}
