package model

import (
	"strings"
	"testing"
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
		"\u212Aate@example.com": "\u212Aate@example.com", // KELVIN SIGN
		"\u0130nfo@example.com": "\u0130nfo@example.com", // LATIN CAPITAL I WITH DOT ABOVE
		"\u212Bngstr\u00d6m":    "\u00e5ngstr\u00f6m",    // ANGSTROM SIGN lower-cases outside ASCII
	} {
		if got := Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
		if got := Key(in); got != Key(Key(in)) {
			t.Errorf("Key is not idempotent on %q", in)
		}
	}
}
