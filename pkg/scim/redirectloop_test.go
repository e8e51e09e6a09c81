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
// hint says to fix --url.
func TestRedirectLoopNeedsTheSameURL(t *testing.T) {
	for name, tc := range map[string]struct {
		loc  func(r *http.Request) string
		loop bool
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
			if got := e.Hint == hintRedirectLoop; got != tc.loop {
				t.Errorf("Location %s: hint %q, loop %v", e.Location, e.Hint, tc.loop)
			}
		})
	}
}
