package scim

import "testing"

// TestIsLoopback: plain http:// is taken for loopback hosts only; the
// fully qualified localhost. is localhost.
func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LocalHost": true, "localhost.": true, "127.0.0.1": true, "127.9.9.9": true, "::1": true,
		"localhost..": false, "localhost.example.com": false, "example.com": false, "10.0.0.1": false, "": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %t, want %t", host, got, want)
		}
	}
}
