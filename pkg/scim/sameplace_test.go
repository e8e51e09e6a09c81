package scim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSamePlaceDefaultPort: a Location spelling the scheme's default port
// (http://h:80, https://h:443) names the base --url gives without it
// (wbsync drops a default port from --url).
func TestSamePlaceDefaultPort(t *testing.T) {
	for _, tc := range [][2]string{{"http://h:80/scim", "http://h/scim"}, {"https://h:443/scim/", "https://h/scim"}, {"https://H/scim", "https://h:443/scim"}} {
		a, _ := url.Parse(tc[0])
		b, _ := url.Parse(tc[1])
		if !samePlace(a, b) || !sameResource(a, b) {
			t.Errorf("%s and %s: not the same base", tc[0], tc[1])
		}
	}
}

// TestRedirectOtherQueryIsNotTheURLAskedFor: a Location with the path
// asked for and another query is not "the URL it was asked for" (the hint
// is still the loop's: the base it implies is the one given).
func TestRedirectOtherQueryIsNotTheURLAskedFor(t *testing.T) {
	c := testClient(t, "https://h")
	req, _ := url.Parse("https://h/scim/Users?startIndex=1&count=100")
	resp := &http.Response{StatusCode: 302, Header: http.Header{"Location": {"/scim/Users?startIndex=99"}}, Request: &http.Request{URL: req}}
	e := c.redirectError(&Error{}, resp)
	if strings.HasSuffix(e.Detail, "the URL it was asked for") || e.Hint != hintRedirectLoop {
		t.Errorf("detail %q, hint %q", e.Detail, e.Hint)
	}
}

// TestSamePlaceSchemeCounts: one host and port under two schemes are two
// places (http://h and https://h:80).
func TestSamePlaceSchemeCounts(t *testing.T) {
	for _, tc := range [][2]string{{"http://h/scim", "https://h:80/scim"}, {"https://h/scim", "http://h:443/scim"}} {
		a, _ := url.Parse(tc[0])
		b, _ := url.Parse(tc[1])
		if samePlace(a, b) {
			t.Errorf("%s and %s: the same place", tc[0], tc[1])
		}
	}
}
