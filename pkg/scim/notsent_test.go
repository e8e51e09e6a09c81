package scim

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// TestNotSentOnlyWhenNothingWent: a write answered 500, whose retry then
// cannot connect, and which the interrupt stops before a third attempt,
// did reach the server: it is unknown, and not "not sent" (the last
// attempt's connection failure says nothing of the first).
func TestNotSentOnlyWhenNothingWent(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		http.Error(w, `{"detail":"boom"}`, http.StatusInternalServerError)
		srv.Listener.Close() // the retry finds no server
	}))
	defer srv.Close()
	var c *Client
	var retries atomic.Int32
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zap.InfoLevel)
	logger := zap.New(core, zap.Hooks(func(e zapcore.Entry) error {
		if e.Message == "SCIM request failed; retrying" && retries.Add(1) == 2 {
			c.StopRetrying() // the interrupt, while the third attempt waits
		}
		return nil
	}))
	c = testClient(t, srv.URL, func(cfg *Config) { cfg.Logger = logger })
	err := c.SetOrgRole(context.Background(), "u1", "admin")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	if retries.Load() < 2 {
		t.Fatalf("retried %d times: the test proves nothing (%v)", retries.Load(), err)
	}
	if e.NotSent() || !e.OutcomeUnknown() {
		t.Errorf("NotSent %v, OutcomeUnknown %v; want false, true: %v", e.NotSent(), e.OutcomeUnknown(), err)
	}
}
