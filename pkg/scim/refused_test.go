package scim

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// closedPort returns a loopback address nothing listens at.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// countingClient dials through to addr (whatever the URL says) for the
// dials down does not refuse, refusing those with a connection refused by
// a port nothing listens at, and counts every dial.
func countingClient(addr string, down func(n int32) bool, closed string) (*http.Client, *atomic.Int32) {
	var dials atomic.Int32
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableKeepAlives = true // every request dials
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		if down(dials.Add(1)) {
			return d.DialContext(ctx, network, closed)
		}
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: tr}, &dials
}

// TestRefusedBeforeAnswerFailsFast: a connection refused before anything
// at the URL answered (a port nothing listens at) is one attempt and an
// error that names the host and port, as kubectl fails at once: a wrong
// port is not waited out for the retry budget.
func TestRefusedBeforeAnswerFailsFast(t *testing.T) {
	addr := closedPort(t)
	hc, dials := countingClient(addr, func(int32) bool { return false }, addr)
	c := testClient(t, "http://"+addr, func(c *Config) { c.HTTPClient = hc })
	_, err := c.ListUsers(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.OutcomeUnknown() ||
		!strings.Contains(err.Error(), "nothing accepts connections at "+addr+": check that the server is running") {
		t.Fatalf("err = %v", err)
	}
	if dials.Load() != 1 {
		t.Fatalf("%d attempts, want 1", dials.Load())
	}
	// A URL without a port names the scheme's.
	hc, _ = countingClient(addr, func(int32) bool { return false }, addr)
	c = testClient(t, "http://localhost", func(c *Config) { c.HTTPClient = hc })
	if _, err := c.ListUsers(context.Background()); err == nil || !strings.Contains(err.Error(), "nothing accepts connections at localhost:80:") {
		t.Fatalf("err = %v, want the host with port 80", err)
	}
}

// TestRefusedAfterAnswerRetried: once the server has answered, a refused
// connection is a server restarting: retried, and the read completes when
// it is back.
func TestRefusedAfterAnswerRetried(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(3)
	hc, dials := countingClient(srv.Listener.Addr().String(), func(n int32) bool { return n == 2 || n == 3 }, closedPort(t))
	c := testClient(t, srv.URL, func(c *Config) {
		c.HTTPClient = hc
		c.MaxElapsed = time.Minute
	})
	if _, err := c.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	users, err := c.ListUsers(context.Background())
	if err != nil || len(users) != 3 || dials.Load() != 4 {
		t.Fatalf("after the restart: %d users, %d dials, err %v; want 3 users after 4 dials", len(users), dials.Load(), err)
	}
}
