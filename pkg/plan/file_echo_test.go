package plan

import (
	"strings"
	"testing"
)

// TestParseFileQuotesBounded: a saved plan's refusal quotes at most
// caps.ShownKey characters of any value or key of the file: a key, a
// format_version or a number of 100 KB, with spaces (which the command
// line's own cut of long unbroken runs does not reach), is not echoed
// whole.
func TestParseFileQuotesBounded(t *testing.T) {
	big := strings.Repeat("a ", 50000)
	for _, in := range []string{
		`{"format_version":"` + big + `","desired":{}}`,
		`{"format_version":"1","desired":{},"` + big + `":1}`,
		`{"format_version":"1","desired":{"state":{"users":[{"` + big + `":1}]}}}`,
		`{"format_version":"1","desired":{},"summary":{"create_users":1` + strings.Repeat("0", 100000) + `}}`,
		`{"format_version":"1","desired":{},"summary":{"create_users":-1` + strings.Repeat("0", 100000) + `}}`,
	} {
		_, err := ParseFile([]byte(in))
		if err == nil || len(err.Error()) > 1000 {
			t.Errorf("a %d-byte message: %.200s", len(err.Error()), err)
		}
	}
}
