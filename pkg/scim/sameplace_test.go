package scim

import (
	"net/url"
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
