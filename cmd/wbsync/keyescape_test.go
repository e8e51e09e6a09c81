package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/wbsync/wbsync/pkg/sanitize"
)

// TestKeyInManifestDecoded: a manifest that spells a piece of the key in
// no run of its bytes (a YAML escape, a double-quoted line continuation, a
// UTF-16 file, base64 under !!binary) is refused as one that writes it out: printed, the problems
// would show which candidates came out [redacted], an oracle for the key.
func TestKeyInManifestDecoded(t *testing.T) {
	piece, esc := keyPieceEscaped()
	utf := func(s string) string {
		u := utf16.Encode([]rune(s))
		b := []byte{0xff, 0xfe}
		for _, c := range u {
			b = append(b, byte(c), byte(c>>8))
		}
		return string(b)
	}
	for name, text := range map[string]string{
		"escape":       "version: 1\nusers:\n  - email: \"" + esc + "\"\n",
		"escapeName":   "version: 1\nusers:\n  - email: a@example.com\n    name: \"" + esc + "\"\n",
		"continuation": "version: 1\nusers:\n  - email: \"" + piece[:4] + "\\\n    " + piece[4:] + "\"\n",
		"utf16":        utf("version: 1\nusers:\n  - email: \"" + piece + "\"\n"),
		"binary":       "version: 1\nusers:\n  - email: a@example.com\n    name: !!binary " + base64.StdEncoding.EncodeToString([]byte(piece)) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			m := filepath.Join(t.TempDir(), "m.yaml")
			if err := os.WriteFile(m, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			r := wb(t, vars("http://127.0.0.1:1/scim"), "validate", "-f", m)
			if r.code != exitError || !strings.Contains(r.stderr, "the manifest holds the API key") || strings.Contains(r.stderr+r.stdout, sanitize.Marker) {
				t.Fatalf("validate: exit %d, want 1 refusing the manifest, showing no [redacted]\n%s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// keyPieceEscaped returns the last 8 characters of testKey, and the same
// written as YAML's double-quoted \xNN escapes.
func keyPieceEscaped() (piece, escaped string) {
	piece = testKey[len(testKey)-8:]
	var b strings.Builder
	for _, c := range piece {
		fmt.Fprintf(&b, `\x%02x`, c)
	}
	return piece, b.String()
}
