package main

import "testing"

func TestOverF(t *testing.T) {
	for _, c := range []struct {
		kb   float64
		want string
	}{
		{0.52, "F + 0.52"},
		{0, "F + 0.00"},
		{-0.001, "F + 0.00"}, // rounds to zero: no "-0.00"
		{-0.07, "F − 0.07"},
		{1.5, "F + 1.50"},
	} {
		if got := overF(c.kb); got != c.want {
			t.Errorf("overF(%v) = %q, want %q", c.kb, got, c.want)
		}
	}
}
