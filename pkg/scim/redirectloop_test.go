package scim

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestRedirectLoopNeedsTheSameURL: only a Location that names the URL
// asked for (scheme and host compared without case, the path as sent), or
// that resource under the base URL given with another query, is a loop,
// whose hint says --url is not what to change. One that differs in scheme
// (http to https, the common case), host or path points elsewhere: the
// hint says to fix --url. A Location naming the base URL given (with a
// trailing slash or not) gives --url nothing to change to either.
func TestRedirectLoopNeedsTheSameURL(t *testing.T) {
	for name, tc := range map[string]struct {
		loc  func(r *http.Request) string
		loop bool
		base bool // the base URL given
	}{
		"scheme": {loc: func(r *http.Request) string { return "https://" + r.Host + r.URL.RequestURI() }},
		"host": {loc: func(r *http.Request) string {
			return "http://localhost:" + strings.Split(r.Host, ":")[1] + r.URL.RequestURI()
		}},
		"path":            {loc: func(r *http.Request) string { return "http://" + r.Host + "/login" + r.URL.RequestURI() }},
		"query":           {loc: func(r *http.Request) string { return "http://" + r.Host + r.URL.Path + "?login=1" }, loop: true}, // the base it implies is the one given
		"scheme case":     {loc: func(r *http.Request) string { return "HTTP://" + r.Host + r.URL.RequestURI() }, loop: true},
		"with a fragment": {loc: func(r *http.Request) string { return r.URL.RequestURI() + "#top" }, loop: true},
		"trailing slash":  {loc: func(r *http.Request) string { return r.URL.Path + "/" }, loop: true},
		"base":            {loc: func(r *http.Request) string { return "/scim" }, base: true},
		"base slash":      {loc: func(r *http.Request) string { return "/scim/" }, base: true},
		"base absolute":   {loc: func(r *http.Request) string { return "http://" + r.Host + "/scim" }, base: true},
	} {
		t.Run(name, func(t *testing.T) {
			f, srv := newFake(t)
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				w.Header().Set("Location", tc.loc(r))
				w.WriteHeader(302)
				return true
			}
			c := testClient(t, srv.URL)
			_, err := c.ListUsers(context.Background())
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrRedirect) {
				t.Fatalf("err = %v", err)
			}
			if e.Hint == hintRedirectLoop != tc.loop || e.Hint == hintRedirectToBase != tc.base || strings.Contains(e.Hint, "fix --url") == (tc.loop || tc.base) {
				t.Errorf("Location %s: hint %q, loop %v, base %v", e.Location, e.Hint, tc.loop, tc.base)
			}
		})
	}
}
