package scim

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/wbsync/wbsync/pkg/model"
)

// TestCreateStatedErrorNeverUnknown: a create answered 200 with a
// SCIM error body stating 500 (the server itself says it failed), whose
// look-up then fails: the commit says such an answer is "never unknown".
func TestCreateStatedErrorNeverUnknown(t *testing.T) {
	f, srv := newFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method == "POST" {
			writeJSON(w, "application/scim+json", 200, map[string]any{
				"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"}, "detail": "internal error", "status": "500"})
			return true
		}
		status(500)(w)
		return true
	}
	c := testClient(t, srv.URL, func(c *Config) { c.MaxElapsed = 50 * time.Millisecond })
	_, err := c.CreateUser(context.Background(), model.User{UserName: "a@example.com", Email: "a@example.com", Active: true})
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	t.Logf("POSTs %d GETs %d; unknown=%v; err=%v", f.count("POST"), f.count("GET"), e.OutcomeUnknown(), err)
	if e.OutcomeUnknown() {
		t.Errorf("a create the server itself said failed is unknown")
	}
}
