package desired

import (
	"strings"
	"testing"
)

// TestUTF16ManifestNoted: a UTF-16 file is read, with a note that git
// shows its changes as binary, so its diff reviews nothing; a UTF-8 file
// gets no such note.
func TestUTF16ManifestNoted(t *testing.T) {
	body := "version: 1\nusers:\n  - email: a@example.com\n"
	le, be := []byte{0xFF, 0xFE}, []byte{0xFE, 0xFF}
	for _, r := range body {
		le = append(le, byte(r), byte(r>>8))
		be = append(be, byte(r>>8), byte(r))
	}
	for name, data := range map[string][]byte{"le": le, "be": be, "utf8": []byte(body), "utf8-bom": []byte("\ufeff" + body)} {
		m, err := Parse([]Source{{Name: "m.yaml", Data: data}})
		if err != nil || len(m.State.Users) != 1 {
			t.Fatalf("%s: %v", name, err)
		}
		noted := len(m.Notes) == 1 && m.Notes[0].Line == 1 && m.Notes[0].Column == 1 && strings.Contains(m.Notes[0].Message, `"Binary files differ"`)
		if want := name == "le" || name == "be"; noted != want || !want && len(m.Notes) > 0 {
			t.Errorf("%s: notes %v, want the UTF-16 note %v", name, m.Notes, want)
		}
	}
}

// TestBidiControlNoted: a bidirectional override or isolate held raw
// anywhere in a file (a comment that makes the diff read otherwise) is
// noted at the first, with how many more; marks (U+200E) and escapes are
// not.
func TestBidiControlNoted(t *testing.T) {
	for _, c := range []struct {
		data      string
		line, col int
		more      string
	}{
		{"version: 1\nusers:\n  - email: a@example.com # \u202e nimda :elor\n", 3, 28, ""},
		{"version: 1 # \u2066x\u2069\nusers:\n  - email: a@example.com # \u202a\n", 1, 14, "(and 2 more in the file)"},
		{"version: 1\nusers:\n  - email: a@example.com # \u200e left-to-right mark\n", 0, 0, ""},
		{"version: 1\nusers:\n  - email: a@example.com\n    name: \"a\\u202eb\"\n", 0, 0, ""},
		{"version: 1\nusers:\n  - email: a@example.com # \u2026 \u20ac \u2030 \u2065\n", 0, 0, ""},
	} {
		m, err := Parse([]Source{{Name: "m.yaml", Data: []byte(c.data)}})
		if err != nil {
			t.Fatalf("%q: %v", c.data, err)
		}
		if c.line == 0 {
			if len(m.Notes) != 0 {
				t.Errorf("%q: notes %v, want none", c.data, m.Notes)
			}
			continue
		}
		if len(m.Notes) != 1 || m.Notes[0].Line != c.line || m.Notes[0].Column != c.col ||
			!strings.Contains(m.Notes[0].Message, "bidirectional control U+") || !strings.Contains(m.Notes[0].Message, c.more) {
			t.Errorf("%q: notes %v, want one at %d:%d saying %q", c.data, m.Notes, c.line, c.col, c.more)
		}
	}
}

// TestBidiFileNameNoted: a file whose name holds a bidirectional control
// (README<U+202E>dm.yaml shows as READMElmay.md) is noted as unreviewable; a
// directory's name is not the file's.
func TestBidiFileNameNoted(t *testing.T) {
	body := []byte("version: 1\nusers:\n  - email: a@example.com\n")
	for name, noted := range map[string]bool{"wbsync/README\u202edm.yaml": true, "wbsync/org.yaml": false, "\u202ewbsync/org.yaml": false} {
		m, err := Parse([]Source{{Name: name, Data: body}})
		if err != nil {
			t.Fatal(err)
		}
		got := len(m.Unreviewable) == 1 && strings.Contains(m.Unreviewable[0].Message, "the file's name holds the bidirectional control U+202E")
		if got != noted || !noted && len(m.Unreviewable) > 0 {
			t.Errorf("%q: unreviewable %v, want noted %v", name, m.Unreviewable, noted)
		}
	}
}
