package model

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

func TestCanonicalURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.wandb.ai/scim":          "https://api.wandb.ai/scim",
		"HTTPS://API.WandB.ai:443/scim/":     "https://api.wandb.ai/scim",
		"https://acme.wandb.io/scim/v2":      "https://acme.wandb.io/scim/v2",
		"http://127.0.0.1:8080/scim":         "http://127.0.0.1:8080/scim",
		"http://localhost:80/scim":           "http://localhost/scim",
		"https://[::1]:8443/scim":            "https://[::1]:8443/scim",
		"https://[::1]:443/scim":             "https://[::1]/scim",
		"  https://h.example.com/scim//  ":   "https://h.example.com/scim",
		"https://h.example.com/Scim/%2Fodd/": "https://h.example.com/Scim/%2Fodd",
		"http://127.0.0.1:08080/scim":        "http://127.0.0.1:8080/scim", // as the dialer reads the port
		"https://xn--pi-6kc.wandb.ai/scim":   "https://xn--pi-6kc.wandb.ai/scim",
	} {
		got, err := CanonicalURL(in)
		if err != nil || got != want {
			t.Errorf("CanonicalURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{
		"", "api.wandb.ai/scim", "ftp://h/scim", "https://user:pw@h/scim", "https://h/scim?access_token=x",
		"https://h/scim?", "https://h/scim#frag", "https://h:0/scim", "https://h:70000/scim", "https://h:port/scim", "https://h:/scim", "https:///scim",
	} {
		if got, err := CanonicalURL(bad); err == nil {
			t.Errorf("CanonicalURL(%q) = %q, want an error", bad, got)
		}
	}
}

// TestCanonicalURLEntraFlag: the URL W&B documents for Microsoft Entra ID
// (with ?aadOptscim062020) is refused, saying what the query is.
func TestCanonicalURLEntraFlag(t *testing.T) {
	_, err := CanonicalURL("https://acme.wandb.io/scim?aadOptscim062020")
	if err == nil || !strings.Contains(err.Error(), "?aadOptscim062020 is a flag for Microsoft Entra ID's provisioning, not for wbsync; drop it") {
		t.Errorf("the Entra URL: %v", err)
	}
}

// TestCanonicalURLWithoutScheme: "HOST:PORT/scim" (which net/url reads as
// scheme HOST, or not at all) says what is missing.
func TestCanonicalURLWithoutScheme(t *testing.T) {
	for _, in := range []string{"127.0.0.1:34891/scim", "acme.wandb.io:443/scim", "localhost:8080/scim", "api.wandb.ai/scim"} {
		if _, err := CanonicalURL(in); err == nil || !strings.HasPrefix(err.Error(), "no scheme: want an absolute https:// URL") {
			t.Errorf("CanonicalURL(%q): %v, want no scheme", in, err)
		}
	}
}

func TestShowURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://h/scim?access_token=SECRET":   "https://h/scim?…",
		"https://user:pw@h/scim#frag":          "https://h/scim#…",
		"https://api.wandb.ai/scim":            "https://api.wandb.ai/scim",
		"https://h/scim?x=1#y":                 "https://h/scim?…#…",
		"http://[::1]:8080/scim?token=abc&b=2": "http://[::1]:8080/scim?…",
	} {
		if got := ShowURL(in); got != want {
			t.Errorf("ShowURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"alice@example.com":      "alice@example.com",
		"Alice@Example.COM":      "alice@example.com",
		"  bob@example.com\t":    "bob@example.com",
		"\nbob@example.com":      "bob@example.com",
		"ÉLODIE@example.com":     "élodie@example.com",
		"élodie@example.com ":    "élodie@example.com",
		"":                       "",
		"dev-user2":              "dev-user2",
		"\u00a0nbsp@example.com": "nbsp@example.com",
		// A look-alike outside ASCII never takes an ASCII name's key.
		"\u212Aate@example.com":  "\u212Aate@example.com",  // KELVIN SIGN
		"\u0130nfo@example.com":  "\u0130nfo@example.com",  // LATIN CAPITAL I WITH DOT ABOVE
		"\u212Bngstr\u00d6m":     "\u00e5ngstr\u00f6m",     // ANGSTROM SIGN lower-cases outside ASCII
		"K\u212Aate\u037e\u1fef": "k\u212Aate\u037e\u1fef", // composed, these three would be ASCII
		"\u017Fam@example.com":   "\u017Fam@example.com",   // LONG S folds to s
		// Composed and decomposed spellings of one name are one key.
		"jose\u0301@example.com": "jos\u00e9@example.com",
		"JOSE\u0301@example.com": "jos\u00e9@example.com",
		"\u212Aate e\u0301":      "\u212Aate \u00e9",
		// Case folding, not lower-casing: the final sigma, the micro sign.
		"\u039f\u0394\u039f\u03a3": "\u03bf\u03b4\u03bf\u03c3", // ΟΔΟΣ
		"\u03bf\u03b4\u03bf\u03c2": "\u03bf\u03b4\u03bf\u03c3", // οδος
		"\u00b5s@example.com":      "\u03bcs@example.com",
	} {
		if got := Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
		if got := Key(in); got != Key(Key(in)) {
			t.Errorf("Key is not idempotent on %q", in)
		}
	}
}

// TestKeyFoldsAsEqualFold checks every character against the case-folding
// classes strings.EqualFold uses: two members of one class have one key,
// except a character outside ASCII in a class with an ASCII letter (a
// look-alike keeps its own key). Each key is its own key.
func TestKeyFoldsAsEqualFold(t *testing.T) {
	hasASCII := func(r rune) bool {
		for f := unicode.SimpleFold(r); ; f = unicode.SimpleFold(f) {
			if f < utf8.RuneSelf {
				return true
			}
			if f == r {
				return false
			}
		}
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if utf16.IsSurrogate(r) {
			continue
		}
		s := string(r)
		k := Key(s)
		if Key(k) != k {
			t.Errorf("Key(%U) = %q, whose key is %q", r, k, Key(k))
		}
		ascii := hasASCII(r)
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if ascii && (r >= utf8.RuneSelf || f >= utf8.RuneSelf) {
				continue
			}
			if Key(string(f)) != k {
				t.Errorf("%U and %U fold alike (strings.EqualFold), but their keys are %q and %q", r, f, k, Key(string(f)))
			}
		}
	}
}

// TestCanonicalURLHostOutsideASCII: a host with characters outside ASCII
// is refused, escaped: the dialer maps full-width letters, an ideographic
// full stop, a zero-width space or a soft hyphen to api.wandb.ai, which
// wbsync would judge (deployment) and record as another host; a
// look-alike letter reaches another host. An IPv6 zone is refused too.
func TestCanonicalURLHostOutsideASCII(t *testing.T) {
	for in, shown := range map[string]string{
		"https://api\u3002wandb\u3002ai/scim": `api\u3002wandb\u3002ai`,
		"https://\uff41pi.wandb.ai/scim":      `\uff41pi.wandb.ai`,
		"https://api.wan\u200bdb.ai/scim":     `api.wan\u200bdb.ai`,
		"https://api.wan\u00addb.ai/scim":     `api.wan\u00addb.ai`,
		"https://\u0430pi.wandb.ai/scim":      `\u0430pi.wandb.ai`,
		"https://%D0%B0pi.wandb.ai/scim":      `\u0430pi.wandb.ai`,
	} {
		_, err := CanonicalURL(in)
		if err == nil || !strings.Contains(err.Error(), "the host "+shown+" holds characters outside ASCII (escaped)") {
			t.Errorf("CanonicalURL(%q): %v", in, err)
		}
	}
	if _, err := CanonicalURL("http://[::1%25lo]:8080/scim"); err == nil || !strings.Contains(err.Error(), "IPv6 zone") {
		t.Errorf("a zone: %v", err)
	}
}
