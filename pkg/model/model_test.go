package model

import "testing"

func TestMatchesProtectedSlash(t *testing.T) {
	for _, c := range []struct {
		pat, k string
		want   bool
	}{
		{"*@svc.example.com", "a/b@svc.example.com", true},
		{"a?b@x.io", "a/b@x.io", true},
		{"a/*@x.io", "a/b@x.io", true},
		{"a/*@x.io", "a-b@x.io", false},
		{"[/]b@x.io", "/b@x.io", true},
		{"*@svc.example.com", "a@other.example.com", false},
		{"a/b@x.io", "a/b@x.io", true},
	} {
		if got := MatchesProtected(c.pat, c.k); got != c.want {
			t.Errorf("MatchesProtected(%q, %q) = %v, want %v", c.pat, c.k, got, c.want)
		}
	}
}
