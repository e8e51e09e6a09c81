package sanitize

import (
	"encoding/json"
	"testing"
)

// TestRedactionKeepsJSONEscapesWhole: a server string holding a control
// character followed by 7 characters of the key is escaped by JSON output
// as \u009b + those 7: the escape's last hex digit and the 7 make an 8-byte
// fragment of the key, for any key. The marker must replace the escape
// whole, never leave "\u009[redacted]", which is not JSON.
func TestRedactionKeepsJSONEscapesWhole(t *testing.T) {
	key := "0123456789abcdef0123456789abcdef01234567"
	r := NewRedactor(key)
	for _, in := range []string{
		`{"name":"Z\u009b` + key[12:19] + `Z"}`, // 'b' + 7
		`{"name":"Z\u001b` + key[12:19] + `Z"}`,
		`{"name":"Z\ufffd` + key[14:21] + `Z"}`, // 'd' + 7 (invalid UTF-8 written as U+FFFD)
		`{"name":"Z\u0000` + key[1:7] + `Z"}`,   // "00" + 6
	} {
		out := r.Bytes([]byte(in))
		if string(out) == in {
			continue // nothing matched: fine
		}
		if !json.Valid(out) {
			t.Errorf("Bytes(%s) = %s: not JSON", in, out)
		}
	}
}

// TestEscapedBackslashBeforeRun: a literal backslash (JSON
// "\\") followed by text that looks like an escape ("u009b") is no escape:
// the marker must not swallow the second backslash of "\\", which would
// leave a lone backslash before the marker (not JSON): escapeStart counts
// the backslashes before a run.
func TestEscapedBackslashBeforeRun(t *testing.T) {
	key := "0123456789abcdef0123456789abcdef01234567"
	r := NewRedactor(key)
	for _, in := range []string{
		`{"name":"Z\\u009b` + key[12:19] + `Z"}`,
		`{"name":"Z\\` + key[11:19] + `Z"}`, // run at the letter after "\\"
	} {
		if !json.Valid([]byte(in)) {
			t.Fatalf("input %s not JSON", in)
		}
		out := r.Bytes([]byte(in))
		if !json.Valid(out) {
			t.Errorf("Bytes(%s) = %s: not JSON", in, out)
		}
	}
}
