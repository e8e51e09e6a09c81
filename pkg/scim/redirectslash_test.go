package scim

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestRedirectTrailingSlashIsTheURLAskedFor: a Location that adds only a
// trailing slash to the URL asked for (query kept) is the URL it was asked
// for: the detail says so, and the hint is the loop's.
func TestRedirectTrailingSlashIsTheURLAskedFor(t *testing.T) {
	f, srv := newFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		w.Header().Set("Location", r.URL.Path+"/?"+r.URL.RawQuery)
		w.WriteHeader(302)
		return true
	}
	c := testClient(t, srv.URL)
	_, err := c.ListUsers(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.Hint != hintRedirectLoop || !strings.HasSuffix(e.Detail, ", the URL it was asked for") {
		t.Errorf("err = %v (detail %q, hint %q)", err, e.Detail, e.Hint)
	}
}
