package desired

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/wbsync/wbsync/pkg/caps"
)

// trickyStrings are values an export must quote or escape right.
var trickyStrings = []string{
	"plain", "Alice Smith", "user@example.com", "O'Brien", `say "hi"`, `back\slash`, "a: b", "a:b", "a #b", "a#b", "#x",
	"*star", "&amp", "!bang", "|pipe", ">gt", "%pct", "@at", "`tick`", "-dash", "- item", "?q", ",comma", "[x]", "{x}",
	"true", "True", "false", "yes", "no", "on", "off", "null", "Null", "~", "", " ", "  lead", "trail  ", "123", "0042",
	"1e3", "0x1F", "0o17", "+1", "-1", ".5", ".inf", "-.inf", ".nan", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
	"line\nbreak", "cr\rlf", "tab\there", "bell\x07", "nul\x00", "del\x7f", "c1\u0085nel", "\u2028sep", "\u2029par",
	"bom\ufeff", "\ufffe", "\ufdd0\U0001fffe", "Zoë Müller", "日本語", "emoji 🎉", "nbsp\u00a0x", "Model Reviewer", "custom:role #1",
	"<<", "=", "---", "...", "'", "\"", "a  b", "a\tb", "x:", ":x", "\\", "20%", "µs",
	"rtl\u202eevil", "\u202a\u202b\u202c\u202d", "\u2066\u2067\u2068\u2069", "\u200e\u200f", "alm\u061c", "zw\u200bj",
	"wj\u2060", "csi\u009b2J", "עברית", "عربي",
}

// readScalar parses "k: <s>" and returns the value and its tag.
func readScalar(t testing.TB, s []byte) (string, string) {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal(append([]byte("k: "), s...), &n); err != nil {
		t.Fatalf("%q does not parse: %v", s, err)
	}
	v := n.Content[0].Content[1]
	return v.Value, v.ShortTag()
}

func TestAppendScalarRoundTrips(t *testing.T) {
	for _, s := range trickyStrings {
		out := appendScalar(nil, s)
		if got, tag := readScalar(t, out); got != s || tag != "!!str" {
			t.Errorf("%q written as %s reads back as %s %q", s, out, tag, got)
		}
		if strings.ContainsAny(string(out), "\n\r") {
			t.Errorf("%q written over several lines: %s", s, out)
		}
	}
	// A list item and a value in a mapping inside a list read alike.
	for _, s := range trickyStrings {
		doc := "- " + string(appendScalar(nil, s)) + "\n- k: " + string(appendScalar(nil, s)) + "\n"
		var v []any
		if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatalf("%q: %v\n%s", s, err, doc)
		}
		if v[0] != s || v[1].(map[string]any)["k"] != s {
			t.Errorf("%q read back as %#v", s, v)
		}
	}
}

// TestAppendScalarQuotesYAML11Booleans: words YAML 1.1 tools read as
// booleans are quoted, though yaml.v3 reads them as strings; others stay
// plain.
func TestAppendScalarQuotesYAML11Booleans(t *testing.T) {
	for _, s := range []string{"yes", "Yes", "NO", "on", "Off", "y", "N", "true", "False"} {
		if out := string(appendScalar(nil, s)); out != `"`+s+`"` {
			t.Errorf("%s written as %s", s, out)
		}
	}
	for _, s := range []string{"yesterday", "only", "nope", "ml"} {
		if out := string(appendScalar(nil, s)); out != s {
			t.Errorf("%s written as %s", s, out)
		}
	}
}

// TestAppendScalarEscapesInvisible: a string holding a bidirectional
// control or an invisible formatting character is double-quoted, with the
// character written as \uXXXX and never raw; C1 controls as \xNN.
func TestAppendScalarEscapesInvisible(t *testing.T) {
	for in, want := range map[string]string{
		"rtl\u202eevil":                       `"rtl\u202Eevil"`,
		"\u202a\u202d":                        `"\u202A\u202D"`,
		"\u2066x\u2069":                       `"\u2066x\u2069"`,
		"\u200eA\u200f":                       `"\u200EA\u200F"`,
		"alm\u061c":                           `"alm\u061C"`,
		"c1\u009b\u0085":                      `"c1\x9B\x85"`,
		"Zoë \u202eMüller":                    `"Zoë \u202EMüller"`,
		"line\u2028para\u2029":                `"line\u2028para\u2029"`, // as the plan and the CSV write them, not \L \P
		"non\ufdd0\ufffe\U0001fffe\U0010ffff": `"non\uFDD0\uFFFE\U0001FFFE\U0010FFFF"`,
	} {
		if got := string(appendScalar(nil, in)); got != want {
			t.Errorf("appendScalar(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestAppendCommentStaysOnOneLine(t *testing.T) {
	for _, s := range trickyStrings {
		doc := string(appendComment(nil, "", "note "+s)) + "k: v\n"
		var v map[string]string
		if err := yaml.Unmarshal([]byte(doc), &v); err != nil || len(v) != 1 || v["k"] != "v" {
			t.Errorf("comment of %q breaks the document: %v %v\n%s", s, err, v, doc)
		}
	}
}

// FuzzAppendScalar: any valid UTF-8 string written by appendScalar reads
// back as the same string.
func FuzzAppendScalar(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		out := appendScalar(nil, s)
		if got, tag := readScalar(t, out); got != s || tag != "!!str" {
			t.Fatalf("%q written as %s reads back as %s %q", s, out, tag, got)
		}
	})
}

var emailPatternRE = regexp.MustCompile(emailPattern)

// emailSamples are addresses near the edges of emailPattern.
var emailSamples = []string{
	"a@b.co", "a.b@c.d", "a..b@c.d", ".a@b.co", "a.@b.co", "a@b", "a@.b.co", "a@b..co", "a@b.co.", "a@-b.co", "a@b-.co",
	"a@b-c.co", "a@@b.co", "@b.co", "a@", "", "a b@c.d", "ä@b.co", "a@bä.co", "a+tag@b.co", "o'b@x.io", "a@1.2",
	"!#$%&'*+/=?^_`{|}~-@x.io", "a@b_c.co", strings.Repeat("a", 242) + "@example.com", strings.Repeat("a", 243) + "@example.com", "a@b.c_o", "Alice <a@b.co>", "a@b.co\n", "a\x00@b.co",
}

func TestValidEmailIsEmailPattern(t *testing.T) {
	for _, s := range emailSamples {
		if got, want := validEmail(s), emailPatternRE.MatchString(s) && len(s) <= caps.Email; got != want {
			t.Errorf("validEmail(%q) = %v, the pattern says %v", s, got, want)
		}
	}
}

// FuzzValidEmail: validEmail agrees with emailPattern (which the JSON
// Schema holds).
func FuzzValidEmail(f *testing.F) {
	for _, s := range emailSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validEmail(s), emailPatternRE.MatchString(s) && len(s) <= caps.Email; got != want {
			t.Fatalf("validEmail(%q) = %v, the pattern says %v", s, got, want)
		}
	})
}
