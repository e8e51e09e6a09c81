package scim

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// refusedErr is what the dialer returns when nothing listens at the port.
var refusedErr = &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}

// TestRefusedBeforeAnswerFailsFast: a connection refused before anything
// at the URL answered is one attempt and an error that names the host and
// port (kubectl's habit: a wrong port is not waited out for the retry
// budget).
func TestRefusedBeforeAnswerFailsFast(t *testing.T) {
	hc, dials := dialer(refusedErr)
	c := testClient(t, "http://127.0.0.1:1", func(c *Config) { c.HTTPClient = hc })
	_, err := c.ListUsers(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.OutcomeUnknown() ||
		!strings.Contains(err.Error(), "nothing accepts connections at 127.0.0.1:1: check that the server is running") {
		t.Fatalf("err = %v", err)
	}
	if dials.Load() != 1 {
		t.Fatalf("%d attempts, want 1", dials.Load())
	}
}

// TestRefusedAfterAnswerRetried: once the server has answered, a refused
// connection is a server restarting: retried, and the read completes when
// it is back.
func TestRefusedAfterAnswerRetried(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(3)
	var dials atomic.Int32
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableKeepAlives = true // every request dials
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if n := dials.Add(1); n == 2 || n == 3 {
			return nil, refusedErr // down for two attempts, after the first answer
		}
		return d.DialContext(ctx, network, srv.Listener.Addr().String())
	}
	c := testClient(t, srv.URL, func(c *Config) {
		c.HTTPClient = &http.Client{Transport: tr}
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
