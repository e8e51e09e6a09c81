package sanitize

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

const testKey = "wbk_0123456789abcdefghijklmnopqrstuvwxyzABCD"

// forms are the texts whose 8-byte fragments must never survive.
func forms(key string) []string {
	return []string{
		key,
		"Bearer " + key,
		base64.StdEncoding.EncodeToString([]byte(":" + key)),
		base64.StdEncoding.EncodeToString([]byte(key)),
		base64.StdEncoding.EncodeToString([]byte("api:" + key)),
		base64.RawURLEncoding.EncodeToString([]byte(":" + key))[:0], // not covered: documented
	}
}

// leaks returns the first 8-byte fragment of a key form found in out.
func leaks(t *testing.T, key, out string) string {
	t.Helper()
	for _, f := range forms(key) {
		// Only the part of an encoded form that depends on the key alone
		// is its fragment; a 2-character margin covers prefix and padding.
		if strings.HasPrefix(f, "Bearer ") {
			f = key
		} else if f != key && len(f) > 6 {
			f = f[3 : len(f)-3]
		}
		for i := 0; i+gram <= len(f); i++ {
			if strings.Contains(out, f[i:i+gram]) {
				return f[i : i+gram]
			}
		}
	}
	return ""
}

func TestRedactEveryForm(t *testing.T) {
	r := NewRedactor(testKey)
	b64 := base64.StdEncoding.EncodeToString([]byte(":" + testKey))
	for _, in := range []string{
		"Authorization: Bearer " + testKey,
		"Authorization: Basic " + b64,
		`{"scimType":"` + testKey + `","detail":"` + b64 + `"}`,
		"prefix only: " + testKey[:8],
		"suffix only: " + testKey[len(testKey)-9:],
		"middle: " + testKey[10:19] + " and " + b64[5:14],
		"base64 without colon: " + base64.StdEncoding.EncodeToString([]byte(testKey)),
		"with user: " + base64.StdEncoding.EncodeToString([]byte("api:"+testKey)),
		strings.Repeat(testKey[3:12], 3),
		"percent-encoded: " + pct(testKey, "%%%02X"),
		"percent-encoded, lower-case: /x/" + pct(testKey, "%%%02x") + "?q=1",
		"percent-encoded Basic: " + pct(b64, "%%%02X"),
		"escaped twice, as a path made of an id that is the encoded key: /Users/" + pct(testKey, "%%25%02X"),
		"escaped twice, lower-case: /Users/" + pct(testKey, "%%25%02x"),
	} {
		out := r.String(in)
		if l := leaks(t, testKey, out); l != "" {
			t.Errorf("%q → %q leaks %q", in, out, l)
		}
		if l := leaks(t, testKey, percentDecoded(out)); l != "" {
			t.Errorf("%q → %q leaks %q once percent-decoded", in, out, l)
		}
		if l := leaks(t, testKey, percentDecoded(percentDecoded(out))); l != "" {
			t.Errorf("%q → %q leaks %q once percent-decoded twice", in, out, l)
		}
		if !strings.Contains(out, Marker) {
			t.Errorf("%q → %q: no marker", in, out)
		}
	}
	// Text without the key is returned as is (same backing array).
	in := []byte("nothing secret here, 1234567")
	if out := r.Bytes(in); &out[0] != &in[0] {
		t.Error("Bytes copied text that holds no key")
	}
	if got := (*Redactor)(nil).String("x " + testKey); got != "x "+testKey {
		t.Error("a nil redactor changed text")
	}
	if NewRedactor("") != nil {
		t.Error("an empty key gives a redactor")
	}
}

func TestRedactShortKey(t *testing.T) {
	r := NewRedactor("k3y55")
	b64 := base64.StdEncoding.EncodeToString([]byte(":k3y55"))
	out := r.String("Bearer k3y55, Basic " + b64 + ", monkey")
	if strings.Contains(out, "k3y55") || strings.Contains(out, b64) {
		t.Errorf("short key leaked: %q", out)
	}
	if !strings.Contains(out, "monkey") {
		t.Errorf("unrelated text changed: %q", out)
	}
	if i := r.Index([]byte("a monkey and k3y55")); i != 13 || r.Holds("monkey") {
		t.Errorf("Index of the short key: %d (want 13); Holds(monkey) %v", i, r.Holds("monkey"))
	}
}

func TestRedactRandomText(t *testing.T) {
	r := NewRedactor(testKey)
	b64 := base64.StdEncoding.EncodeToString([]byte(":" + testKey))
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{testKey, b64, "Bearer ", " ", "{}", "\x1b[2J", "é", "abc", testKey[rng.IntN(10):], b64[:20]}
	for range 2000 {
		var b strings.Builder
		for range rng.IntN(12) {
			p := pieces[rng.IntN(len(pieces))]
			lo := rng.IntN(len(p) + 1)
			hi := lo + rng.IntN(len(p)-lo+1)
			b.WriteString(p[lo:hi])
		}
		in := b.String()
		out := r.String(in)
		if l := leaks(t, testKey, out); l != "" {
			t.Fatalf("%q → %q leaks %q", in, out, l)
		}
		// Index finds text exactly when there is something to redact, and
		// where: the text before it comes out as it was.
		switch i := r.Index([]byte(in)); {
		case (i >= 0) != (out != in) || r.Holds(in) != (out != in):
			t.Fatalf("%q: Index %d, Holds %v, but String gives %q", in, i, r.Holds(in), out)
		case i >= 0 && !strings.HasPrefix(out, in[:i]+Marker):
			t.Fatalf("%q: Index %d, but String gives %q", in, i, out)
		}
		// The writer, fed in random pieces, leaks nothing either.
		var sink bytes.Buffer
		w := r.Writer(&sink)
		for rest := in; rest != ""; {
			n := 1 + rng.IntN(len(rest))
			if _, err := w.Write([]byte(rest[:n])); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if l := leaks(t, testKey, sink.String()); l != "" {
			t.Fatalf("writer: %q → %q leaks %q", in, sink.String(), l)
		}
		if !strings.Contains(in, testKey[:8]) && !strings.Contains(in, b64[3:11]) && sink.String() != out && !strings.Contains(out, Marker) {
			t.Fatalf("writer changed clean text: %q → %q", in, sink.String())
		}
	}
}

func TestWriterHoldsBackUntilFlush(t *testing.T) {
	r := NewRedactor(testKey)
	var sink bytes.Buffer
	w := r.Writer(&sink)
	w.Write([]byte("token " + testKey[:5]))
	w.Write([]byte(testKey[5:12] + " done\n"))
	w.Flush()
	if got := sink.String(); got != "token "+Marker+" done\n" {
		t.Errorf("got %q", got)
	}
}

// TestWriterDrop: Drop discards what is held back (the end of a print a
// signal cut short): a later Flush writes nothing of it, and later writes
// go through as before.
func TestWriterDrop(t *testing.T) {
	r := NewRedactor(testKey)
	var sink bytes.Buffer
	w := r.Writer(&sink)
	w.Write([]byte("line one\nline two, cut " + testKey[:5]))
	before := sink.String()
	w.Drop()
	w.Flush()
	if got := sink.String(); got != before || strings.Contains(got, "cut") && strings.Contains(got, testKey[:5]) {
		t.Fatalf("after Drop and Flush: %q (before %q)", got, before)
	}
	w.Write([]byte("after\n"))
	w.Flush()
	if got := sink.String(); !strings.HasSuffix(got, "after\n") {
		t.Fatalf("a write after Drop: %q", got)
	}
}

// TestWriterClose: Close writes what is held back (redacted), then drops
// every later write without an error (work a command left running prints
// nothing after its last line, and a logger sees no failure to report).
func TestWriterClose(t *testing.T) {
	r := NewRedactor(testKey)
	for _, w := range []func(io.Writer) *Writer{r.Writer, r.UnitWriter} {
		var sink bytes.Buffer
		wr := w(&sink)
		wr.Write([]byte("last line " + testKey[:12]))
		if err := wr.Close(); err != nil {
			t.Fatal(err)
		}
		before := sink.String()
		if n, err := wr.Write([]byte("late " + testKey + "\n")); n == 0 || err != nil {
			t.Errorf("a write after Close: %d, %v; want it taken and dropped", n, err)
		}
		if err := wr.Flush(); err != nil || sink.String() != before || strings.Contains(before, testKey[:12]) || !strings.Contains(before, Marker) {
			t.Errorf("after Close: %q (flush %v), want %q unchanged and redacted", sink.String(), err, before)
		}
	}
}

func TestControls(t *testing.T) {
	for in, want := range map[string]string{
		"alice":            "alice",
		"ls\u2028ps\u2029": `ls\u2028ps\u2029`,
		"non\ufffe\uffff\ufdd0\U0010ffff\ufdcf\ufff0x": `non\ufffe\uffff\ufdd0\U0010ffff` + "\ufdcf" + `\ufff0x`,
		"\x1b[2Jevil":          `\x1b[2Jevil`,
		"line\nforged":         `line\nforged`,
		"tab\there":            `tab\there`,
		"del\x7f":              `del\x7f`,
		"c1\u009bx":            `c1\u009bx`,
		"rtl\u202eabc":         `rtl\u202eabc`,
		"zw\u200bj":            `zw\u200bj`,
		"alm\u061cx":           `alm\u061cx`,
		"lrm\u200e rlm\u200f":  `lrm\u200e rlm\u200f`,
		"lri\u2066 pdi\u2069":  `lri\u2066 pdi\u2069`,
		"lre\u202a pdf\u202c":  `lre\u202a pdf\u202c`,
		"nel\u0085x":           `nel\u0085x`,
		"bad\xffbyte":          `bad\xffbyte`,
		"Zoë Ünïcode 名前":       "Zoë Ünïcode 名前",
		"bell\a and null\x00.": `bell\x07 and null\x00.`,
	} {
		if got := Controls(in); got != want {
			t.Errorf("Controls(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestInvisible(t *testing.T) {
	for _, r := range []rune{0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
		// soft hyphen, Mongolian vowel separator, deprecated format
		// characters, Hangul fillers, interlinear annotation
		0x00ad, 0x180e, 0x206a, 0x206f, 0x3164, 0x115f, 0xffa0, 0xfff9, 0xfffb,
		// marks that draw nothing: the combining grapheme joiner, Khmer
		// inherent vowels, Mongolian variation selectors
		0x034f, 0x17b4, 0x17b5, 0x180b, 0x180c, 0x180d, 0x180f,
		// the Braille pattern blank, and spaces that read as U+0020:
		// no-break, en, figure, narrow no-break
		0x2800, 0x00a0, 0x2002, 0x2007, 0x202f,
		// above U+FFFF, the format characters: the language tag, the tag
		// characters (even a subdivision flag's, shown escaped after its
		// 🏴), a musical formatting control
		0xe0001, 0xe0020, 0xe0067, 0xe007f, 0x1d173,
		// default ignorable, unassigned: U+E0000 to U+E0FFF, U+FFF0 to U+FFF8
		0xe0080, 0xe0fff, 0xe0100, 0xfff0, 0xfff8} {
		if !Invisible(r) {
			t.Errorf("Invisible(%U) = false", r)
		}
	}
	// The ideographic space is as wide as a CJK character (山田\u3000太郎):
	// no plain space; the Ogham space mark draws a dash. Variation
	// selectors depend on what they follow (InvisibleAfter).
	for _, r := range []rune{'a', ' ', 0x3000, 0x1680, 0x05d0, 0x0627, 0x2028, 0x2070, 0xfe0f, 0xfe00, 0x0301, 0x00e9, 0x4e2d, 0x1f3f4, 0xe1000, 0xfffd} {
		if Invisible(r) {
			t.Errorf("Invisible(%U) = true", r)
		}
	}
}

// TestInvisibleAfter: a variation selector draws nothing after an ASCII
// character, at the start or after another selector (bob@example.com
// followed by one reads as bob@example.com); after an emoji or an
// ideograph it selects a glyph, and is kept.
func TestInvisibleAfter(t *testing.T) {
	for _, c := range []struct {
		prev, r rune
		want    bool
	}{
		{'m', 0xfe0f, true}, {-1, 0xfe0f, true}, {'a', 0xe0100, true}, {0xfe0f, 0xfe0f, true}, {0x2764, 0xfe0f, false},
		{0x845b, 0xe0100, false}, {0x845b, 0xe0100 + 1, false}, {0xe0100, 0xe0101, true},
		{'a', 0x200b, true}, {'a', 'b', false}, {0x2764, 0x200d, true},
		{0xe9, 0xfe0f, true}, {0x200b, 0xfe0f, true}, {0x1f600, 0xfe0f, false}, {0x2211, 0xfe00, false}, {0x0431, 0xfe0f, true},
		{0x203c, 0xfe0f, false}, {0x2049, 0xfe0f, false}, {0x2139, 0xfe0f, false}, {0x3030, 0xfe0f, false}, {0x303d, 0xfe0f, false}, {'!', 0xfe0f, true},
	} {
		if got := InvisibleAfter(c.prev, c.r, ""); got != c.want {
			t.Errorf("InvisibleAfter(%U, %U) = %t, want %t", c.prev, c.r, got, c.want)
		}
	}
	// A keycap: a digit, # or *, the selector, then U+20E3; the selector
	// after a digit without it draws nothing.
	for _, c := range []struct {
		prev rune
		next string
		want bool
	}{{'1', "\u20e3", false}, {'#', "\u20e3 x", false}, {'*', "\u20e3", false}, {'1', "", true}, {'1', "x", true}, {'a', "\u20e3", true}} {
		if got := InvisibleAfter(c.prev, 0xfe0f, c.next); got != c.want {
			t.Errorf("InvisibleAfter(%q, U+FE0F, %q) = %t, want %t", c.prev, c.next, got, c.want)
		}
	}
	for in, want := range map[string]string{"Player 1\ufe0f\u20e3": "Player 1\ufe0f\u20e3", "bob1\ufe0f": `bob1\ufe0f`} {
		if got := Name(in); got != want {
			t.Errorf("Name(%q) = %q, want %q", in, got, want)
		}
		if b, _ := json.Marshal(in); strings.Contains(want, "\ufe0f") != bytes.ContainsRune(EscapeJSON(b), 0xfe0f) {
			t.Errorf("EscapeJSON(%q) = %s: escaped where Name does not, or kept where Name escapes", in, EscapeJSON(b))
		}
	}
	if got, want := Controls("bob@example.com\ufe0f ❤\ufe0f 葛\U000e0100"), `bob@example.com\ufe0f ❤`+"\ufe0f"+` 葛`+"\U000e0100"; got != want {
		t.Errorf("Controls = %q, want %q", got, want)
	}
}

// TestNameLookAlike: a letter that passes for an ASCII one (a Cyrillic
// or Greek letter in a Latin word, a full-width or mathematical form) is
// escaped where a name is shown, so that big and bіg are not shown alike;
// a word of one script, and other scripts beside Latin, stay as they are;
// Controls (messages) leaves them all.
func TestNameLookAlike(t *testing.T) {
	for in, want := range map[string]string{
		"b\u0456g":                    `b\u0456g`,
		"\u0410lice Smith":            `\u0410lice Smith`,
		"ML-R\u0435search":            `ML-R\u0435search`,
		"\uff4d\uff4c-research":       `\uff4d\uff4c-research`,
		"\u212aelvin":                 `\u212aelvin`,
		"\U0001d5ba\U0001d5c5":        `\U0001d5ba\U0001d5c5`,
		"\u0456\u0432\u0430\u043d B.": "\u0456\u0432\u0430\u043d B.", // a Cyrillic word beside a Latin one
		"\u03b1\u03b2\u03b3":          "\u03b1\u03b2\u03b3",
		"\u7814\u7a76-ml":             "\u7814\u7a76-ml",
		"caf\u00e9 Zo\u00eb":          "caf\u00e9 Zo\u00eb",
		"big":                         "big",
		// Compatibility forms of ASCII letters and digits, always.
		"\u2170nfra": `\u2170nfra`,
		"\ufb01le":   `\ufb01le`,
		"team\u2460": `team\u2460`,
		// Punctuation that passes for ASCII, beside Latin only.
		"ml\u2010research":       `ml\u2010research`,
		"alice@example\u2024com": `alice@example\u2024com`,
		"R\u2013D":               `R\u2013D`,
		"\u5c71\u7530\u592a\u90ce\uff08\u55b6\u696d\u90e8\uff09": "\u5c71\u7530\u592a\u90ce\uff08\u55b6\u696d\u90e8\uff09", // 山田太郎（営業部）
		"\u6771\u4eac\u2013\u5927\u962a":                         "\u6771\u4eac\u2013\u5927\u962a",                         // 東京–大阪
		// Small capitals and IPA letters that pass for plain ones, and a
		// word across "-" that mixes scripts.
		"\u1d00lice":            `\u1d00lice`,
		"bi\u0261":              `bi\u0261`,
		"ml-\u0435\u0445\u0440": `ml-\u0435\u0445\u0440`,
		"\ua4f2nfra":            `\ua4f2nfra`,
		// Ordinary text where these characters are no look-alike.
		"2020\u20132024 cohort":          "2020\u20132024 cohort",
		"\u03c0-team":                    "\u03c0-team",
		"5\u03bcm":                       "5\u03bcm",
		"\u7b2c\uff11\u30c1\u30fc\u30e0": "\u7b2c\uff11\u30c1\u30fc\u30e0", // 第１チーム
		"\uff2d\uff2c\uff2f\uff50\uff53": `\uff2d\uff2c\uff2f\uff50\uff53`, // ＭＬＯｐｓ passes for MLOps
		// People's names stay as they are.
		"Nguy\u1ec5n V\u0103n Anh": "Nguy\u1ec5n V\u0103n Anh",
		"I\u015f\u0131l":           "I\u015f\u0131l",
		"\u025bwe":                 "\u025bwe",
		"\u00c5ngstr\u00f6m":       "\u00c5ngstr\u00f6m",
		"J. \u03a0\u03b1\u03c0\u03b1\u03b4\u03cc\u03c0\u03bf\u03c5\u03bb\u03bf\u03c2": "J. \u03a0\u03b1\u03c0\u03b1\u03b4\u03cc\u03c0\u03bf\u03c5\u03bb\u03bf\u03c2",
		"5\u00b5m": "5\u00b5m", // the micro sign is no letter of another script
	} {
		if got := Name(in); got != want {
			t.Errorf("Name(%q) = %q, want %q", in, got, want)
		}
		if got := Controls(in); got != in {
			t.Errorf("Controls(%q) = %q, want it unchanged", in, got)
		}
	}
	if Name("b\u0456g") == Name("big") || Name("\uff4d\uff4c") == Name("ml") {
		t.Error("look-alike names are shown alike")
	}
	// A long word is looked at once: linear work.
	if got := Name(strings.Repeat("\u0430", 1<<18) + "x"); len(got) != 6*(1<<18)+1 {
		t.Errorf("Name of a long mixed word: %d bytes", len(got))
	}
}

// TestNameBackslash: a backslash that would make the text after it read
// as an escape is doubled, so that a name holding U+202E and one holding
// the six characters \u202e are not shown alike; another stays; Controls,
// which messages quoting with %q go through, leaves them all, and leaves
// what Name wrote.
func TestNameBackslash(t *testing.T) {
	for in, want := range map[string]string{
		"eve\u202e@x":       `eve\u202e@x`,
		`eve\u202e@x`:       `eve\\u202e@x`,
		`eve\\u202e@x`:      `eve\\\\u202e@x`,
		"eve\\\u202e@x":     `eve\\\u202e@x`,
		`C:\Users\me`:       `C:\Users\me`,
		`C:\new`:            `C:\\new`,
		`a\x1b b\x1 c\`:     `a\\x1b b\x1 c\`,
		"a\\\x1b":           `a\\\x1b`,
		"a\\`b":             "a\\\\`b", // markdown writes the backtick \x60
		`\U000e0067 \U0001`: `\\U000e0067 \U0001`,
		// Padding: a run of four spaces or more shows but for its first.
		"a   b":                      "a   b",
		"mallory    Plan: 0 to add":  `mallory \u0020\u0020\u0020Plan: 0 to add`,
		"a\u3000\u3000\u3000\u3000b": "a\u3000" + `\u3000\u3000\u3000` + "b",
		"a \u3000 \u3000b":           "a " + `\u3000\u0020\u3000` + "b",
		"山田\u3000太郎":                 "山田\u3000太郎",
		"x\u200b     ":               `x\u200b \u0020\u0020\u0020\u0020`,
	} {
		if got := Name(in); got != want {
			t.Errorf("Name(%q) = %q, want %q", in, got, want)
		}
		if got := Controls(want); got != want {
			t.Errorf("Controls(Name(%q)) = %q, want it unchanged", in, got)
		}
	}
	if Name("eve\u202e@x") == Name(`eve\u202e@x`) {
		t.Error("U+202E and its escape written out are shown alike")
	}
	if got := Controls("a    b"); got != "a    b" {
		t.Errorf("Controls escaped a message's spaces: %q", got)
	}
	// A long run is measured once: a megabyte of spaces is linear work.
	if got := Name(strings.Repeat(" ", 1<<20)); len(got) != 1+6*(1<<20-1) {
		t.Errorf("Name of a megabyte of spaces: %d bytes", len(got))
	}
	if got := Controls(`a\x1b` + "\x1b"); got != `a\x1b\x1b` {
		t.Errorf("Controls doubled a backslash: %q", got)
	}
}

func TestTruncate(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven chars", 10, "eleven ch…"},
		{"ééééé", 3, "éé…"},
		{"ééé", 3, "ééé"},
		{"x", 0, ""},
	} {
		got := Truncate(c.in, c.n)
		if got != c.want || !utf8.ValidString(got) {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

// A key that straddles the cut is redacted before the cut, so no prefix of
// it survives.
func TestServerRedactsBeforeCutting(t *testing.T) {
	r := NewRedactor(testKey)
	for cut := 5; cut < 60; cut++ {
		in := strings.Repeat("x", cut) + testKey + "\x1b[2J"
		out := Server(r, in, cut+10)
		if l := leaks(t, testKey, out); l != "" {
			t.Fatalf("cut %d: %q leaks %q", cut, out, l)
		}
		if strings.Contains(out, "\x1b") {
			t.Fatalf("cut %d: control character kept: %q", cut, out)
		}
		if utf8.RuneCountInString(out) > cut+10 {
			t.Fatalf("cut %d: %q is longer than asked", cut, out)
		}
	}
}

// TestServerCutsWhole: a cut never falls inside the redaction marker or an
// escape ("[re…", "\x0…" read as the server's text): it moves back to
// where the marker or escape starts, at every length.
func TestServerCutsWhole(t *testing.T) {
	r := NewRedactor(testKey)
	for _, in := range []string{
		strings.Repeat("d", 30) + testKey + " and more",
		strings.Repeat("\x01", 20) + "tail",
		"name\u202eend" + strings.Repeat("\u202e", 5) + "\U000e0001\n" + strings.Repeat("x", 20),
		"a" + string(rune(0x1f600)) + "\u202e" + strings.Repeat("\U000e0001", 3),
	} {
		full := Server(r, in, 1<<20)
		for n := 2; n < utf8.RuneCountInString(full); n++ {
			out := Server(r, in, n)
			kept, _ := strings.CutSuffix(out, "…")
			if !strings.HasPrefix(full, kept) {
				t.Fatalf("cut at %d: %q is not a prefix of %q", n, kept, full)
			}
			if rest := full[len(kept):]; strings.HasPrefix(rest, Marker) || kept == full {
				continue
			}
			if i := strings.LastIndex(kept, "["); i >= 0 && len(kept[i:]) < len(Marker) && strings.HasPrefix(Marker, kept[i:]) {
				t.Errorf("cut at %d splits the marker: %q", n, out)
			}
			if i := strings.LastIndexByte(kept, '\\'); i >= 0 && escapeEnd(full, i) > len(kept) {
				t.Errorf("cut at %d splits an escape: %q", n, out)
			}
			if utf8.RuneCountInString(out) > n {
				t.Errorf("cut at %d: %q is longer", n, out)
			}
		}
	}
}

// TestServerEscapeMakesNoFragment: an escape Controls writes ends in hex
// digits (\x1b, \u200b), which with 7 key characters after it (too few to
// be redacted alone) would spell 8 of a hex key: Server redacts again after
// escaping.
func TestServerEscapeMakesNoFragment(t *testing.T) {
	const hexKey = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
	r := NewRedactor(hexKey)
	for _, in := range []string{"\x1b2c3d4e5", "x\u200b" + "1b2c3d4" + "y", "\x7f" + "f6071829"[:7]} {
		out := Server(r, in, 100)
		if l := leaks(t, hexKey, out); l != "" {
			t.Errorf("Server(%q) = %q: escaping made the fragment %q", in, out, l)
		}
	}
}

func FuzzRedact(f *testing.F) {
	b64 := base64.StdEncoding.EncodeToString([]byte(":" + testKey))
	f.Add([]byte("Bearer " + testKey))
	f.Add([]byte(b64[2:30]))
	f.Add([]byte("clean text"))
	r := NewRedactor(testKey)
	f.Fuzz(func(t *testing.T, in []byte) {
		out := r.Bytes(append([]byte(nil), in...))
		if l := leaks(t, testKey, string(out)); l != "" {
			t.Fatalf("%q → %q leaks %q", in, out, l)
		}
	})
}

// BenchmarkRedactPlan measures the redactor over plan-like text with no key
// in it: the cost every output byte pays.
func BenchmarkRedactPlan(b *testing.B) {
	r := NewRedactor(testKey)
	var sb strings.Builder
	for i := 0; sb.Len() < 1<<20; i++ {
		sb.WriteString("      + add user-")
		sb.WriteString(strings.Repeat("x", i%17))
		sb.WriteString("@example.com as member\n")
	}
	text := []byte(sb.String())
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		r.Bytes(text)
	}
}

// A key too short to be real does not destroy the output.
func TestRedactTinyKey(t *testing.T) {
	r := NewRedactor("k")
	in := "wbsync plan: --auth \"digest\": want bearer or basic"
	if got := r.String(in); got != in {
		t.Errorf("a 1-character key changed the text: %q", got)
	}
	// The header value that carries it is still redacted, as echoed.
	if got := r.String("bad key Bearer k end"); got != "bad key "+Marker+" end" {
		t.Errorf("Bearer k echoed: %q", got)
	}
	r = NewRedactor("abcd")
	if got := r.String("key abcd, basic " + base64.StdEncoding.EncodeToString([]byte(":abcd"))); strings.Contains(got, "abcd") || strings.Count(got, Marker) != 2 {
		t.Errorf("got %q", got)
	}
}

// Lines that end in a newline, or in anything no key form holds, are
// written whole: a log line never waits on screen.
func TestWriterHoldsOnlyWhatMayContinue(t *testing.T) {
	r := NewRedactor(testKey)
	var sink bytes.Buffer
	w := r.Writer(&sink)
	w.Write([]byte("INFO read the organization {\"users\": 3}\n"))
	if sink.String() != "INFO read the organization {\"users\": 3}\n" {
		t.Errorf("a whole line was held back: %q", sink.String())
	}
	sink.Reset()
	w.Write([]byte("prompt? "))
	if sink.String() != "prompt? " {
		t.Errorf("a tail no key form holds was held back: %q", sink.String())
	}
	sink.Reset()
	w.Write([]byte("token " + testKey[:3]))
	if sink.String() != "token " {
		t.Errorf("a tail that may begin the key was written: %q", sink.String())
	}
	u := r.UnitWriter(&sink)
	sink.Reset()
	u.Write([]byte("create_user  3/10  2/s  ETA 4s"))
	if sink.String() != "create_user  3/10  2/s  ETA 4s" {
		t.Errorf("the unit writer held something back: %q", sink.String())
	}
}

// pct writes every byte of s with format (%%%02X or %%%02x).
func pct(s, format string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, format, s[i])
	}
	return b.String()
}

// percentDecoded decodes every %XX of s (what is not one is kept).
func percentDecoded(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// TestEscapeJSON: DEL, C1 controls and invisible or bidirectional
// characters are written as \u escapes, other text (é, 日本, ASCII) as it is, and
// the JSON decodes to the same value.
func TestEscapeJSON(t *testing.T) {
	v := map[string]string{"name": "A\u009b31mB\u202eC\u200bD é 日本 \u0085 ok \x7f"}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out := EscapeJSON(raw)
	for _, r := range string(out) {
		if r >= 0x7f && r <= 0x9f || Invisible(r) {
			t.Fatalf("raw %U in %s", r, out)
		}
	}
	if !strings.Contains(string(out), `\u009b`) || !strings.Contains(string(out), `\u202e`) || !strings.Contains(string(out), "é 日本") {
		t.Errorf("escaped: %s", out)
	}
	var back map[string]string
	if err := json.Unmarshal(out, &back); err != nil || back["name"] != v["name"] {
		t.Errorf("decodes to %q (%v), want %q", back["name"], err, v["name"])
	}
	plain := []byte(`{"name":"é 日本"}`)
	if got := EscapeJSON(plain); &got[0] != &plain[0] {
		t.Error("text with nothing to escape was copied")
	}
}

// TestRedactEscapedSpellings: a key holding characters that escapes change
// is redacted in every spelling a server or wbsync's own quoting gives it
// (URL query and path escaping in either hex case, JSON with or without
// HTML escapes, Go quoting, CSV's doubled quotes), whole and by fragment.
func TestRedactEscapedSpellings(t *testing.T) {
	const key = `k3y+With/Special=Chars<&"andMore\1234567890`
	r := NewRedactor(key)
	jsonHTML, _ := json.Marshal(key)
	spelled := map[string]string{
		"query":            url.QueryEscape(key),
		"query, lower hex": strings.ToLower(url.QueryEscape(key)),
		"path":             url.PathEscape(key),
		"JSON":             string(jsonHTML[1 : len(jsonHTML)-1]),
		"Go quoted":        strconv.Quote(key),
		"CSV":              `"` + strings.ReplaceAll(key, `"`, `""`) + `"`,
		"Bearer, query":    url.QueryEscape("Bearer " + key),
	}
	for name, s := range spelled {
		for _, in := range []string{s, s[:len(s)/2], s[len(s)/3:]} {
			out := r.String("echo: " + in + " end")
			if r.Index([]byte("echo: "+in+" end")) < 0 || !strings.Contains(out, Marker) {
				t.Errorf("%s: %q not redacted: %q", name, in, out)
			}
		}
	}
}

// TestRedactViewSpellings: a key holding what wbsync's own views escape is
// found in their spellings too: the access review's teams cell (its
// separators ; : and \ escaped with \, then CSV's doubled quotes) and a
// Markdown code span (a backtick written \x60).
func TestRedactViewSpellings(t *testing.T) {
	cell := strings.NewReplacer(`\`, `\\`, ";", `\;`, ":", `\:`)
	for _, c := range []struct{ key, echo string }{
		{"q1;w2:e3;r4:t5;y6:u7", cell.Replace("q1;w2:e3;r4:t5;y6:u7") + ":member"},
		{`x7"Q\9"Z\k2"M\p4"R\w8"T\`, `"` + strings.ReplaceAll(cell.Replace(`x7"Q\9"Z\k2"M\p4"R\w8"T\`), `"`, `""`) + `:member"`},
		{"Zk`9m`Xp`4r`Lw`8t`Qn", "live team " + strings.ReplaceAll("Zk`9m`Xp`4r`Lw`8t`Qn", "`", `\x60`) + " (id 1)"},
	} {
		out := NewRedactor(c.key).String(c.echo)
		if strings.Count(out, Marker) != 1 || strings.Contains(out, c.key[2:10]) {
			t.Errorf("key %q, echo %q → %q: want one marker", c.key, c.echo, out)
		}
	}
}

// TestEscapeJSONAboveBMP: characters above U+FFFF (a subdivision flag's
// tag characters) come through EscapeJSON as the same string, escaped as
// surrogate pairs, and Controls writes them as \UNNNNNNNN.
func TestEscapeJSONAboveBMP(t *testing.T) {
	in := "x \U0001F3F4\U000E0067\U000E0062\U000E007F \U0001D173"
	b, _ := json.Marshal(in)
	var out string
	if err := json.Unmarshal(EscapeJSON(b), &out); err != nil || out != in {
		t.Fatalf("round trip: %q, %v", out, err)
	}
	if e := string(EscapeJSON(b)); strings.ContainsRune(e, 0xe0067) || !strings.Contains(e, `\udb40\udc67`) {
		t.Errorf("EscapeJSON left the tag raw: %s", e)
	}
	if got, want := Controls(in), `x 🏴\U000e0067\U000e0062\U000e007f \U0001d173`; got != want {
		t.Errorf("Controls(%q) = %q, want %q", in, got, want)
	}
}

// Doubly escaped text that holds a character or two of the key, but not
// the whole key, is left as it is.
func TestRedactTwiceEscapedOnlyWhole(t *testing.T) {
	key := "0123456789abcdef0123456789abcdef01234567"
	r := NewRedactor(key)
	for _, in := range []string{"GET /scim/Groups/team%2530%2541 404", "discount 50%2530%25off", "%2561%25"} {
		if got := r.String(in); got != in {
			t.Errorf("%q → %q", in, got)
		}
	}
	whole := "/Users/" + pct(key, "%%25%02X") + " 404"
	if got := r.String(whole); got != "/Users/"+Marker+" 404" {
		t.Errorf("%q → %q", whole, got)
	}
}

// The doubly escaped key split between two writes is still redacted: the
// Writer waits for the rest of what begins it.
func TestRedactTwiceEscapedSplit(t *testing.T) {
	// A W&B-length key, and one too short for fragments (replaced whole
	// only), split at every byte.
	for _, key := range []string{"0123456789abcdef0123456789abcdef01234567", "abcdef"} {
		r := NewRedactor(key)
		line := "GET /scim/Groups/" + pct(key, "%%25%02X") + " 404\n"
		for cut := 1; cut < len(line); cut++ {
			var b strings.Builder
			w := r.Writer(&b)
			w.Write([]byte(line[:cut]))
			w.Write([]byte(line[cut:]))
			w.Flush()
			if got := b.String(); got != "GET /scim/Groups/"+Marker+" 404\n" {
				t.Errorf("key %s, cut at %d: %q", key, cut, got)
			}
		}
	}
}

// TestRedactOtherCaseAndURLSafe: a server may echo the key in the other
// case (a W&B key is lower-case hex: upper-cased it is the same key) or a
// base64 form in the URL-safe alphabet: both are redacted, whole and in
// fragments of 8 characters.
func TestRedactOtherCaseAndURLSafe(t *testing.T) {
	hexKey := "0f3a9c2e7b1d4f6a8c0e2b4d6f8a1c3e5b7d9f0a"
	odd := "a?>~b?>~c?>~d?>~e?>~f?" // its base64 holds + and /
	for _, c := range []struct{ key, echo string }{
		{hexKey, strings.ToUpper(hexKey)},
		{hexKey, "detail: " + strings.ToUpper(hexKey)[5:14] + "."},
		{"Wbk_MixedCase_0123456789", "WBK_MIXEDCASE_0123456789 and wbk_mixedcase_0123456789"},
		// Any mix of cases: a hex key spelt so is the key, and Go writes a
		// header's name so (X-Deadbeef for x-deadbeef).
		{hexKey, "DeadBeef " + "0F3a9C2e7B1d4F6a8C0e2B4d6F8a1C3e5B7d9F0A"},
		{hexKey, "X-" + strings.ToUpper(hexKey[:1]) + hexKey[1:9] + ": 1"},
		{odd, base64.URLEncoding.EncodeToString([]byte(":" + odd))},
		{odd, base64.RawURLEncoding.EncodeToString([]byte(odd))[2:12]},
	} {
		out := NewRedactor(c.key).String(c.echo)
		if !strings.Contains(out, Marker) {
			t.Errorf("key %q, echo %q → %q: not redacted", c.key, c.echo, out)
			continue
		}
		rest := strings.ReplaceAll(out, Marker, " ")
		for _, form := range []string{strings.ToUpper(c.key), strings.ToLower(c.key),
			base64.URLEncoding.EncodeToString([]byte(":" + c.key)), base64.RawURLEncoding.EncodeToString([]byte(c.key))} {
			for i := 3; i+gram <= len(form)-3; i++ {
				if strings.Contains(rest, form[i:i+gram]) {
					t.Errorf("key %q, echo %q → %q leaks %q", c.key, c.echo, out, form[i:i+gram])
				}
			}
		}
	}
}

// TestFold: fold sets the case bit of each of the 8 bytes that has bit
// 0x40 (ASCII capitals become small letters), and nothing else, whatever
// the bytes beside them; foldBytes folds alike.
func TestFold(t *testing.T) {
	for c := range 256 {
		for pos := range 8 {
			for _, fill := range []byte{0, 'A', 'z', 0x80, 0xff, '@', '['} {
				var in, want [8]byte
				for i := range in {
					in[i] = fill
				}
				in[pos] = byte(c)
				for i, b := range in {
					want[i] = b
					if b&0x40 != 0 {
						want[i] = b | 0x20
					}
				}
				if b := byte(c); b >= 'A' && b <= 'Z' && want[pos] != b+'a'-'A' {
					t.Fatalf("%q folds to %q", b, want[pos])
				}
				got := fold(binary.LittleEndian.Uint64(in[:]))
				if got != binary.LittleEndian.Uint64(want[:]) || string(foldBytes(in[:])) != string(want[:]) {
					t.Fatalf("fold(% x) = %016x, foldBytes %x, want % x", in, got, foldBytes(in[:]), want)
				}
			}
		}
	}
}

// TestWriterHoldsAMixedCaseStart: a Writer holds back a tail that may
// begin the key in another case, so that a key split between two writes
// is found whole.
func TestWriterHoldsAMixedCaseStart(t *testing.T) {
	const key = "0f3a9c2e7b1d4f6a8c0e2b4d6f8a1c3e5b7d9f0a"
	var out bytes.Buffer
	w := NewRedactor(key).Writer(&out)
	echo := "0F3a9C2e7B1d4F6a8C0e"
	for _, part := range []string{"id: " + echo[:5], echo[5:] + " end\n"} {
		if _, err := w.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "id: "+Marker+" end\n" {
		t.Fatalf("got %q", got)
	}
}

// TestCutNeverKeepsAKeyPrefix: wherever a key form sits around the cut,
// what Cut keeps, once redacted, shows nothing the whole text redacted
// hides (a cut at the asked place would show up to 7 characters of the
// key); a cut needing no move stays where it was asked.
func TestCutNeverKeepsAKeyPrefix(t *testing.T) {
	r := NewRedactor(testKey)
	b64 := base64.StdEncoding.EncodeToString([]byte(":" + testKey))
	for _, form := range []string{testKey, b64, url.QueryEscape(testKey + "é")} {
		for before := 0; before < len(form)+3; before++ {
			const at = 50
			if before > at {
				continue
			}
			text := []byte(strings.Repeat("x", at-before) + form + strings.Repeat("z", 20))
			for _, more := range []bool{false, true} {
				m := r.Cut(text, at, more)
				if m > at || !utf8.Valid(text[:m]) {
					t.Fatalf("%q before the cut: kept %d bytes of %q", form[:before], m, text)
				}
				// What is kept, redacted, is the start of the whole text
				// redacted: it shows nothing the whole text hides.
				if whole, kept := r.Bytes(text), r.Bytes(text[:m]); !bytes.HasPrefix(whole, kept) {
					t.Fatalf("%q before the cut: kept %q, the whole text shows %q", form[:before], kept, whole)
				}
				if naive := r.Bytes(text[:at]); before > 0 && before < 8 && bytes.HasPrefix(r.Bytes(text), naive) {
					t.Fatalf("the test's own premise: a cut at %d would show nothing more", at)
				}
			}
		}
	}
	if m := r.Cut([]byte("xx€yy"), 3, false); m != 2 {
		t.Errorf("a character split: cut at %d, want 2", m)
	}
	clean := []byte(strings.Repeat("x", 100))
	if m := r.Cut(clean, 60, false); m != 60 {
		t.Errorf("clean text cut at %d, want 60", m)
	}
	if m := r.Cut(clean, 500, false); m != 100 {
		t.Errorf("short text cut at %d, want all 100", m)
	}
	// A text whose end may begin a key, with more to come, keeps it out.
	open := []byte("xxxx " + testKey[:5])
	if m := r.Cut(open, 100, true); m != 5 {
		t.Errorf("open text cut at %d, want 5", m)
	}
	if m := (*Redactor)(nil).Cut(open, 7, true); m != 7 {
		t.Errorf("nil redactor cut at %d, want 7", m)
	}
}

// TestRedactTwoKeys: a Redactor made for two keys hides each, in every
// form, and one made for none changes nothing.
func TestRedactTwoKeys(t *testing.T) {
	other := "envkey_9876543210zyxwvutsrqponmlkjihgfedcba"
	r := NewRedactor(testKey, "", other)
	in := "a " + testKey + " b " + other[3:20] + " c " + base64.StdEncoding.EncodeToString([]byte(":"+other))
	out := r.String(in)
	if l := leaks(t, testKey, out); l != "" {
		t.Errorf("%q leaks %q of the first key", out, l)
	}
	if l := leaks(t, other, out); l != "" {
		t.Errorf("%q leaks %q of the second key", out, l)
	}
	if NewRedactor() != nil || NewRedactor("", "") != nil {
		t.Error("a Redactor for no key")
	}
}

// TestRedactFoldedReversedAndTwiceEscapedFragments: echoes a hostile
// server may make of the credential it received: the Basic credential
// lower- or upper-cased (each 4 base64 characters then have at most 16
// spellings: the key is recoverable), the key or its credential reversed,
// and a fragment of the percent-encoded key escaped again into a request
// path (an id made of it), in any hex case. None keeps 8 characters of
// what it stands for, whole or split between two writes.
func TestRedactFoldedReversedAndTwiceEscapedFragments(t *testing.T) {
	rev := func(s string) string {
		b := []byte(s)
		slices.Reverse(b)
		return string(b)
	}
	mixed := func(s string) string { // hex digits in alternating case
		b := []byte(s)
		for i := range b {
			if i%2 == 0 {
				b[i] = byte(unicode.ToLower(rune(b[i])))
			} else {
				b[i] = byte(unicode.ToUpper(rune(b[i])))
			}
		}
		return string(b)
	}
	for _, key := range []string{"3f9a1c0b7e2d4a6f8b1c3e5d7f9a0b2c4d6e8f10", testKey} {
		r := NewRedactor(key)
		basic := base64.StdEncoding.EncodeToString([]byte(":" + key))
		for _, c := range []struct{ echo, hidden string }{
			{"auth " + strings.ToLower(basic) + " seen", strings.ToLower(basic)},
			{"AUTH " + strings.ToUpper(basic) + " SEEN", strings.ToUpper(basic)},
			{"name " + rev(key) + ".", rev(key)},
			{"name " + rev(basic) + ".", rev(basic)},
			{"PATCH /scim/Users/" + pct(key[:20], "%%25%02X") + " 500", key[:20]},
			{"PATCH /scim/Users/" + mixed(pct(key[4:24], "%%25%02x")) + " 500", key[4:24]},
		} {
			out := r.String(c.echo)
			plain := strings.ToLower(percentDecoded(percentDecoded(out)))
			hidden := strings.ToLower(c.hidden)
			for i := 2; i+gram <= len(hidden)-2; i++ {
				if strings.Contains(plain, hidden[i:i+gram]) {
					t.Errorf("key %q: %q → %q keeps %q", key, c.echo, out, hidden[i:i+gram])
				}
			}
			// Split between two writes, anywhere: the same.
			for cut := 1; cut < len(c.echo); cut += 3 {
				var b strings.Builder
				w := r.Writer(&b)
				w.Write([]byte(c.echo[:cut]))
				w.Write([]byte(c.echo[cut:]))
				w.Flush()
				plain := strings.ToLower(percentDecoded(percentDecoded(b.String())))
				for i := 2; i+gram <= len(hidden)-2; i++ {
					if strings.Contains(plain, hidden[i:i+gram]) {
						t.Errorf("key %q: %q split at %d → %q keeps %q", key, c.echo, cut, b.String(), hidden[i:i+gram])
						break
					}
				}
			}
		}
	}
}

// TestWriterMatchesBytesWhateverTheWrites: text written through a Writer
// in pieces of any size (one byte, a few, across every form's boundary)
// shows no fragment of 8 characters of a key form that Bytes on the whole
// text hides, for the forms a server may echo: percent-encoded in either
// hex case, escaped twice (after a long run of other escaped bytes too),
// base64 and the key itself.
func TestWriterMatchesBytesWhateverTheWrites(t *testing.T) {
	key := "3f9a1c0b7e2d4a6f8b1c3e5d7f9a0b2c4d6e8f10"
	r := NewRedactor(key)
	texts := []string{
		"x " + pct(key, "%%%02x") + " y",
		"x " + pct(key, "%%%02X") + "%",
		"GET /Users/" + pct(key, "%%25%02X") + " 404\n",
		"GET /Users/" + strings.Repeat("%2500", 300) + pct(key[10:30], "%%25%02x") + "%25",
		"GET /Users/" + pct(key, "%%25%02X") + strings.Repeat("%2500", 70) + " 404\n",
		"id " + base64.StdEncoding.EncodeToString([]byte(":"+key)) + " and " + key + ".",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, text := range texts {
		for try := 0; try < 40; try++ {
			var b strings.Builder
			w := r.Writer(&b)
			for rest := text; rest != ""; {
				n := 1 + rng.IntN(9)
				if try == 0 {
					n = 1
				}
				n = min(n, len(rest))
				w.Write([]byte(rest[:n]))
				rest = rest[n:]
			}
			w.Flush()
			if l := leaks(t, key, percentDecoded(percentDecoded(b.String()))); l != "" {
				t.Fatalf("%q in pieces → %q keeps %q", text, b.String(), l)
			}
		}
	}
}

// TestControlsStackedMarks: combining marks past MaxMarks in a row (a
// "Zalgo" display name, whose marks draw over the neighbouring lines of a
// plan) are escaped; written text, which stacks a few, is left as it is,
// and a letter or an escape between marks starts a new run.
func TestControlsStackedMarks(t *testing.T) {
	zalgo := "Z" + strings.Repeat("\u0316", 10)
	for in, want := range map[string]string{
		"e\u0301\u0302\u0303": "e\u0301\u0302\u0303",
		"שָׁלוֹם":             "שָׁלוֹם",
		"Tiếng Việt":          "Tiếng Việt",
		zalgo:                 "Z" + strings.Repeat("\u0316", 4) + strings.Repeat(`\u0316`, 6),
		"a" + strings.Repeat("\u0301", 4) + "b" + strings.Repeat("\u0301", 4): "a" + strings.Repeat("\u0301", 4) + "b" + strings.Repeat("\u0301", 4),
		"\x1b" + zalgo:                        `\x1b` + "Z" + strings.Repeat("\u0316", 4) + strings.Repeat(`\u0316`, 6),
		"é" + strings.Repeat("\u20dd", 6):     "é" + strings.Repeat("\u20dd", 4) + `\u20dd\u20dd`,             // enclosing marks (Me) too
		"a" + strings.Repeat("\U0001d167", 6): "a" + strings.Repeat("\U0001d167", 4) + `\U0001d167\U0001d167`, // above U+FFFF: eight digits
	} {
		if got := Controls(in); got != want {
			t.Errorf("Controls(%+q) = %+q, want %+q", in, got, want)
		}
	}
}

// TestQuoteEscapesPadding: a run of four spaces or more in a quoted value
// keeps its first space and shows the rest as \u0020, which reads back as
// the same string; shorter runs stay.
func TestQuoteEscapesPadding(t *testing.T) {
	for in, want := range map[string]string{
		"Alice Smith": `"Alice Smith"`,
		"a   b":       `"a   b"`,
		"A" + strings.Repeat(" ", 6) + "Plan: 0 to add": `"A \u0020\u0020\u0020\u0020\u0020Plan: 0 to add"`,
		"x\u3000\u3000\u3000\u3000y":                    `"x\u3000\u3000\u3000\u3000y"`,
		"tab\t    ":                                     `"tab\t \u0020\u0020\u0020"`,
		// A look-alike is escaped as Name escapes it, and reads back.
		"\u0410lice":                           `"\u0410lice"`,
		"Team\u00a0\uff21dmin":                 `"Team\u00a0\uff21dmin"`,
		"\u5c71\u7530\uff08\u55b6\u696d\uff09": "\"\u5c71\u7530\uff08\u55b6\u696d\uff09\"",
	} {
		got := Quote(in)
		if got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
		if back, err := strconv.Unquote(got); err != nil || back != in {
			t.Errorf("Quote(%q) = %s reads back as %q (%v)", in, got, back, err)
		}
	}
}

// TestCutRuns: a run without a space of n characters or more is cut to its
// first n-1 and "…", counted in characters; spaces and line breaks start
// a new run; shorter text is returned as it is.
func TestCutRuns(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short words stay", 5, "short words stay"},
		{"abcdefgh ij", 4, "abc… ij"},
		{"ééééé x\nyyyyyy", 3, "éé… x\nyy…"},
		{strings.Repeat("x", 100_000), 512, strings.Repeat("x", 511) + "…"},
	} {
		if got := CutRuns(tc.in, tc.n); got != tc.want {
			t.Errorf("CutRuns(%.20q, %d) = %.40q, want %.40q", tc.in, tc.n, got, tc.want)
		}
	}
}
