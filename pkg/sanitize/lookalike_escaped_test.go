package sanitize

import (
	"math/rand"
	"strconv"
	"testing"
)

// TestLookAlikesEscapedText: LookAlikes reads an escape another rule wrote
// (\u0456, \u00a0, \t) as no letter of a word and no Latin neighbour, so
// that (1) it is idempotent, and LookAlikes over what Name or Quote wrote
// (the apply report, the plan's warnings) changes nothing, and (2) Quote
// leaves a one-script name holding a character strconv.Quote escapes (a
// no-break space) as Name leaves it.
func TestLookAlikesEscapedText(t *testing.T) {
	for _, s := range []string{
		"b\u0456（", "b\u0456（研究）", "b\u13aa‐研", "研究\u0456ｍ", "b\u051b－研", "x\u200b（研",
		"Иван\u00a0Петров", "Ελένη\u00a0Παπαδοπούλου", "Мария\tИванова",
		"\u0430lice", "b\u0456g", "ml‐research", "\u200b\u0430lice",
	} {
		once := LookAlikes(s)
		if twice := LookAlikes(once); twice != once {
			t.Errorf("LookAlikes(%q) = %q, again %q", s, once, twice)
		}
		if n := Name(s); LookAlikes(Controls(n)) != n {
			t.Errorf("Name(%q) = %q, LookAlikes of it %q", s, n, LookAlikes(Controls(n)))
		}
		if q := Quote(s); LookAlikes(q) != q {
			t.Errorf("Quote(%q) = %s, LookAlikes of it %s", s, q, LookAlikes(q))
		}
	}
	for _, s := range []string{"Иван\u00a0Петров", "Ελένη\u00a0Παπαδοπούλου", "Мария\tИванова"} {
		if got, want := Quote(s), strconv.Quote(s); got != want {
			t.Errorf("Quote(%q) = %s, want %s (a one-script name)", s, got, want)
		}
	}
	// Still caught after an escape.
	if got := Quote("\u200b\u0430lice"); got != `"\u200b\u0430lice"` {
		t.Errorf("Quote = %s", got)
	}
}

// TestNameBackslashBeforeLookAlike: a backslash before a look-alike Name
// escapes is doubled, as before a control: the name a\іb (a backslash,
// then a Cyrillic і) and the name of the six characters a\u0456b are not
// shown alike.
func TestNameBackslashBeforeLookAlike(t *testing.T) {
	for _, p := range [][2]string{{"a\\\u0456b", `a\u0456b`}, {"ml\\\u2010x", `ml\u2010x`}, {"\\\uff4dl", `\uff4dl`}} {
		if Name(p[0]) == Name(p[1]) {
			t.Errorf("%q and %q both shown %s", p[0], p[1], Name(p[0]))
		}
	}
}

// TestLookAlikesOverNameAndQuote: over random names, LookAlikes changes
// nothing Name or Quote wrote (the apply report and the warnings apply it
// to text holding both).
func TestLookAlikesOverNameAndQuote(t *testing.T) {
	pool := []rune("ab1 -_.\\u0（）＝ｍ１іаАΑοᎪᴀɡﬁⅰ‐–研Иπ\u00a0\u200b\u202e\t\u0301ª…\uff0d")
	rng := rand.New(rand.NewSource(1))
	for n := 0; n < 200000; n++ {
		r := make([]rune, 1+rng.Intn(8))
		for i := range r {
			r[i] = pool[rng.Intn(len(pool))]
		}
		s := string(r)
		for _, out := range []string{Name(s), Quote(s), LookAlikes(Controls(Name(s)))} {
			if LookAlikes(out) != out {
				t.Fatalf("%q: %q, then %q", s, out, LookAlikes(out))
			}
		}
	}
}
