package sanitize

import "testing"

// TestNameOrdinalIndicator: Mª José, Mª del Carmen (María), common
// Spanish and Portuguese names, are shown as they are: the ordinal
// indicators pass for no ASCII letter there.
func TestNameOrdinalIndicator(t *testing.T) {
	for _, s := range []string{"Mª José García", "Mª del Carmen López", "Fº Javier"} {
		if got := Name(s); got != s {
			t.Errorf("Name(%q) = %q", s, got)
		}
	}
}
