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
	for name, text := range map[string]string{
		"escape":       "version: 1\nusers:\n  - email: \"" + esc + "\"\n",
		"escapeName":   "version: 1\nusers:\n  - email: a@example.com\n    name: \"" + esc + "\"\n",
		"continuation": "version: 1\nusers:\n  - email: \"" + piece[:4] + "\\\n    " + piece[4:] + "\"\n",
		"utf16":        utf16LE("version: 1\nusers:\n  - email: \"" + piece + "\"\n"),
		"binary":       "version: 1\nusers:\n  - email: a@example.com\n    name: !!binary " + base64.StdEncoding.EncodeToString([]byte(piece)) + "\n",
	} {
		t.Run(name, func(t *testing.T) { refusesManifest(t, vars("http://127.0.0.1:1/scim"), text) })
	}
}

// refusesManifest writes texts as the manifest files of one validate run
// under v and checks that the run refuses them for holding the key,
// showing no [redacted].
func refusesManifest(t *testing.T, v map[string]string, texts ...string) {
	t.Helper()
	dir := t.TempDir()
	var args []string
	for i, text := range texts {
		m := filepath.Join(dir, fmt.Sprintf("m%d.yaml", i))
		if err := os.WriteFile(m, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-f", m)
	}
	validateRefused(t, v, args...)
}

// validateRefused runs validate with args under v and checks that it
// refuses the manifest for holding the key, showing no [redacted].
func validateRefused(t *testing.T, v map[string]string, args ...string) {
	t.Helper()
	r := wb(t, v, append([]string{"validate"}, args...)...)
	if r.code != exitError || !strings.Contains(r.stderr, "the manifest holds the API key") || strings.Contains(r.stderr+r.stdout, sanitize.Marker) {
		t.Fatalf("validate %q: exit %d, want 1 refusing the manifest, showing no [redacted]\n%s%s", args, r.code, r.stdout, r.stderr)
	}
}

// utf16LE is s encoded as a UTF-16 file is: little-endian, after its
// byte order mark.
func utf16LE(s string) string {
	b := []byte{0xff, 0xfe}
	for _, c := range utf16.Encode([]rune(s)) {
		b = append(b, byte(c), byte(c>>8))
	}
	return string(b)
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
