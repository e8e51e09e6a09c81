package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeyInManifestDecodedMore: more of what YAML reads otherwise than
// written: an escape in the first of two files, in the policy, and a key
// holding a single quote written doubled in a single-quoted string.
func TestKeyInManifestDecodedMore(t *testing.T) {
	_, esc := keyPieceEscaped()
	v := vars("http://127.0.0.1:1/scim")
	// The escape in the first of two files (mutant: decode only from the last file).
	t.Run("firstOfTwoFiles", func(t *testing.T) {
		refusesManifest(t, v, "version: 1\nusers:\n  - email: a@example.com\n    name: \""+esc+"\"\n", "teams: []\n")
	})
	// The piece in the policy (mutant: m.Policy not checked).
	t.Run("policy", func(t *testing.T) {
		refusesManifest(t, v, "version: 1\npolicy:\n  protected: [\"a"+esc+"@example.com\"]\nusers: []\n")
	})
	// A key holding a single quote (mutant: '' dropped from spellsOtherwise).
	t.Run("doubledQuote", func(t *testing.T) {
		q := map[string]string{"WBSYNC_URL": "http://127.0.0.1:1/scim", "WANDB_API_KEY": "k3y'quoted-0123456789"}
		refusesManifest(t, q, "version: 1\nusers:\n  - email: a@example.com\n    name: '3y''quote'\n")
	})
}

// TestEscapeWithProblemNotRefused: a manifest with a YAML escape and an
// ordinary problem gets its problem, not the key refusal.
func TestEscapeWithProblemNotRefused(t *testing.T) {
	m := filepath.Join(t.TempDir(), "m.yaml")
	if err := os.WriteFile(m, []byte("version: 1\nusers:\n  - email: \"a\\x40example.com\"\n    bogus: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := wb(t, vars("http://127.0.0.1:1/scim"), "validate", "-f", m)
	if r.code != exitError || strings.Contains(r.stderr, "holds the API key") || !strings.Contains(r.stderr, "bogus") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestKeyInManifestAsShown: a manifest whose key piece appears only as
// wbsync shows it is refused before anything is printed: the hex digits
// of wbsync's own escape for a zero-width space (\u200b) or a control
// byte in a file name (\x1d) run into the text after them, and a grace
// period is shown in digits of its own (3123.45678ms as 3.12345678s); a
// directory holding YAML files that no -f reads is named, so its name
// counts as a file's.
func TestKeyInManifestAsShown(t *testing.T) {
	v := vars("http://127.0.0.1:1/scim")
	v["WANDB_API_KEY"] = "k3y-1d200bef01-12345678"
	check := func(t *testing.T, args ...string) {
		t.Helper()
		validateRefused(t, v, args...)
	}
	write := func(t *testing.T, dir, name, text string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Run("escape in a problem", func(t *testing.T) {
		check(t, "-f", write(t, t.TempDir(), "m.yaml", "version: 1\nusers:\n  - email: \"\u200bef01@example.com\"\n"))
	})
	t.Run("escape in a valid name", func(t *testing.T) {
		check(t, "-f", write(t, t.TempDir(), "m.yaml", "version: 1\nusers:\n  - email: a@example.com\n    name: \"x\u200bef01 zz\"\n"))
	})
	t.Run("backtick in a name (markdown)", func(t *testing.T) {
		v := vars("http://127.0.0.1:1/scim")
		v["WANDB_API_KEY"] = "k3y-60ef0123-4567"
		r := wb(t, v, "validate", "-f", write(t, t.TempDir(), "m.yaml", "version: 1\nusers:\n  - email: a@example.com\n    name: \"x`ef0123\"\n"))
		if r.code != exitError || !strings.Contains(r.stderr, "the manifest holds the API key") {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
	})
	t.Run("control byte in a file name", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, "\x1d200bef.yaml", "version: 1\n")
		check(t, "-f", dir)
	})
	t.Run("directory not read", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, "m.yaml", "version: 1\n")
		write(t, dir, "200bef01/x.yaml", "version: 1\n")
		check(t, "-f", dir)
	})
	t.Run("grace period", func(t *testing.T) {
		check(t, "-f", write(t, t.TempDir(), "m.yaml", "version: 1\npolicy:\n  unmanagedGracePeriod: 100000h3123.45678ms\nusers: []\n"))
	})
	// A manifest with none of them is read as ever.
	r := wb(t, v, "validate", "-f", write(t, t.TempDir(), "m.yaml", "version: 1\nusers:\n  - email: a@example.com\n    name: \"Zo\u00eb    Smith\"\n"))
	if r.code != exitOK {
		t.Fatalf("a plain manifest: exit %d\n%s", r.code, r.stderr)
	}
}

// TestKeyInManifestShownFromEscapes: a value's characters that wbsync
// shows escaped may come from the file's own escapes ("\u200b", "\ ",
// split from the text after them by a line continuation) or from a block
// scalar's indentation indicator (|2-), with no byte outside printable
// ASCII nor four spaces inside a line in the file: the value is checked
// as shown all the same.
func TestKeyInManifestShownFromEscapes(t *testing.T) {
	v := vars("http://127.0.0.1:1/scim")
	v["WANDB_API_KEY"] = "3a7f20c9e1b54d6820aa9f1c0b7e5d3c2f1e0d9c"
	for name, text := range map[string]string{
		"zero-width space escaped, continued": "version: 1\nusers:\n  - email: a@example.com\n    name: \"Bob \\u200b\\\n      7e5d3c\"\n",
		"look-alike escaped, continued":       "version: 1\nusers:\n  - email: a@example.com\n    name: \"b\\u0456\\\n      820aa9f\"\n",
		"escaped spaces":                      "version: 1\nusers:\n  - email: a@example.com\n    name: \"Alice\\ \\ \\ \\ c9e1b5\"\n",
		"indentation indicator":               "version: 1\nusers:\n  - email: a@example.com\n    externalId: |2-\n          c9e1b5\n",
	} {
		t.Run(name, func(t *testing.T) { refusesManifest(t, v, text) })
	}
}

// TestKeyInManifestUTF16ValidValue: a UTF-16 file spells a piece of the
// key in no run of its bytes (a NUL between each character); written in
// a value the loader accepts (a display name), no problem shows it, so
// only the check of what the file means refuses it (spellsOtherwise
// must count a NUL).
func TestKeyInManifestUTF16ValidValue(t *testing.T) {
	piece, _ := keyPieceEscaped()
	refusesManifest(t, vars("http://127.0.0.1:1/scim"), utf16LE("version: 1\nusers:\n  - email: a@example.com\n    name: \""+piece+"\"\n"))
}

// TestKeyInManifestLookAlikeAsShown: a valid team name or protected
// pattern with a look-alike letter (Cyrillic і, written raw) is shown
// \u0456, whose hex digits run into the text after them: checked as
// shown, as a user's name is.
func TestKeyInManifestLookAlikeAsShown(t *testing.T) {
	v := vars("http://127.0.0.1:1/scim")
	v["WANDB_API_KEY"] = "3a7f20c9e1b54d6820aa9f1c0b7e5d3c2f1e0d9c"
	for what, text := range map[string]string{
		"team name": "version: 1\nusers:\n  - email: a@example.com\nteams:\n  - name: \"b\u0456820aa9f\"\n    members: [a@example.com]\n",
		"protected": "version: 1\npolicy:\n  protected: [\"b\u0456820aa9f@example.com\"]\nusers:\n  - email: a@example.com\n",
	} {
		t.Run(what, func(t *testing.T) { refusesManifest(t, v, text) })
	}
}

// TestKeyInManifestHTMLEscaped: a request body, as encoding/json writes
// it and the trace records it, spells < as \u003c, whose hex digits run
// into the text after it: a display name holding < is checked as so
// written.
func TestKeyInManifestHTMLEscaped(t *testing.T) {
	v := vars("http://127.0.0.1:1/scim")
	for name, key := range map[string]string{
		"x<ef01ab": "9d003cef01ab5d6820aa9f1c0b7e5d3c2f1e0d9c",
		"x>ef01ab": "9d003eef01ab5d6820aa9f1c0b7e5d3c2f1e0d9c",
		"x&ef01ab": "9d0026ef01ab5d6820aa9f1c0b7e5d3c2f1e0d9c",
	} {
		v["WANDB_API_KEY"] = key
		t.Run(name, func(t *testing.T) {
			refusesManifest(t, v, "version: 1\nusers:\n  - email: a@example.com\n    name: \""+name+"\"\n")
		})
	}
}
