package sanitize

import (
	"bytes"
	"encoding/json"
	"testing"
)

// Go >= 1.22 encoding/json writes U+0008 and U+000C as \b and \f;
// b and f are hex digits, so the escape's letter + 7 chars of a hex key is
// a key window, and the run starts AT the escape letter.
func TestRedactionAtShortEscapeLetter(t *testing.T) {
	key := "0123456789abcdef0123456789abcdef01234567"
	r := NewRedactor(key)
	for _, s := range []string{"Z\b" + key[12:19] + "Z", "Z\f" + key[16:23] + "Z"} {
		in, _ := json.Marshal(map[string]string{"name": s})
		out := r.Bytes(in)
		if bytes.Equal(out, in) {
			t.Logf("no match for %s", in)
			continue
		}
		if !json.Valid(out) {
			t.Errorf("Bytes(%s) = %s: not JSON", in, out)
		}
	}
}

// The streaming Writer, when the escape's backslash was let go in
// an earlier write, cannot see it.
func TestWriterEscapeSplitAcrossWrites(t *testing.T) {
	key := "0123456789abcdef0123456789abcdef01234567"
	r := NewRedactor(key)
	in := `{"name":"Z\u009b` + key[12:19] + `Z"}`
	for cut := 1; cut < len(in); cut++ {
		var got bytes.Buffer
		w := r.Writer(&got)
		w.Write([]byte(in[:cut]))
		w.Write([]byte(in[cut:]))
		w.Flush()
		if !json.Valid(got.Bytes()) {
			t.Errorf("cut at %d (%q | %q): %s not JSON", cut, in[:cut], in[cut:], got.Bytes())
		}
	}
}

// A run that starts at the FIRST hex digit of \uXXXX (4 digits +
// 4 key chars make the window): i-(j+2) == 0 is taken as "not inside".
func TestRedactionAtFirstEscapeDigit(t *testing.T) {
	key := "0123456789abcdef2028456789abcdef01234567"
	r := NewRedactor(key)
	in, _ := json.Marshal(map[string]string{"name": "Z\u2028" + key[20:24] + "Z"})
	out := r.Bytes(in)
	if bytes.Equal(out, in) {
		t.Fatalf("no match for %s", in)
	}
	if !json.Valid(out) {
		t.Errorf("Bytes(%s) = %s: not JSON", in, out)
	}
}
