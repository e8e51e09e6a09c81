package model

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// TestProtectorAgreesWithMatchesProtected: the index finds, for every key
// (with bare escapes, class characters, non-ASCII letters and NUL, which
// MatchesProtected reads as /), the first entry that trying each entry in
// order finds, and Unmatched
// the entries (each spelling once) that no key matches, even where an
// earlier entry covers the same keys.
func TestProtectorAgreesWithMatchesProtected(t *testing.T) {
	pieces := []string{"a", "b", "@", "x.io", "*", "?", "[ab]", "/", "\\*", ".", "*@", "@x.io",
		"]", "-", "^", "[^a-]", "\\", "é", "\x00"}
	r := rand.New(rand.NewSource(1))
	word := func(n int, glob bool) string {
		s := ""
		for i := 0; i < n; i++ {
			p := pieces[r.Intn(len(pieces))]
			if !glob && (p == "*" || p == "?" || p == "[ab]" || p == "\\*" || p == "*@") {
				p = "a"
			}
			if glob && p == "\x00" { // the loader refuses control characters in entries; a live name may hold one
				p = "b"
			}
			s += p
		}
		return s
	}
	for round := 0; round < 2000; round++ {
		pats := []string{"*@x.io", "a@x.io"}
		for i := r.Intn(8); i > 0; i-- {
			pats = append(pats, word(1+r.Intn(4), true))
		}
		r.Shuffle(len(pats), func(i, j int) { pats[i], pats[j] = pats[j], pats[i] })
		if r.Intn(3) == 0 { // an entry given twice
			pats = append(pats, pats[r.Intn(len(pats))])
		}
		p := NewProtector(pats)
		var keys []string
		for k := 0; k < 50; k++ {
			key := word(1+r.Intn(5), false)
			keys = append(keys, key)
			want := -1
			for i, pat := range pats {
				if MatchesProtected(pat, key) {
					want = i
					break
				}
			}
			if got := p.Match(key); got != want {
				t.Fatalf("entries %q, key %q: Match = %d, want %d", pats, key, got, want)
			}
		}
		var want []string
		for _, pat := range pats {
			if !slices.Contains(want, pat) && !slices.ContainsFunc(keys, func(k string) bool { return MatchesProtected(pat, k) }) {
				want = append(want, pat)
			}
		}
		got := p.Unmatched(func(key func(string)) {
			for _, k := range keys {
				key(k)
			}
		})
		if !slices.Equal(got, want) {
			t.Fatalf("entries %q, keys %q: Unmatched = %q, want %q", pats, keys, got, want)
		}
	}
	if NewProtector(nil).Covers("a@x.io") || !NewProtector([]string{"*@x.io"}).Covers("A@X.IO") {
		t.Error("Covers")
	}
}

// TestProtectorGlobLiterals: a glob with neither a literal start nor a
// literal end is tried only on keys holding its longest literal run,
// which is never taken from inside a class (escapes included) or across
// an escape.
func TestProtectorGlobLiterals(t *testing.T) {
	for _, tc := range []struct{ pat, lit, key string }{
		{"*bot*", "bot", "ci-bot-1@x.io"},
		{"*[\\]a]x*", "x", "ax"},
		{"*\\[ab]c*", "ab]c", "q[ab]c"},
		{"*b[^a]t*", "b", "xbzt"},
		{"?o*t?", "o", "bolts"},
		{"*", "", "a@x.io"},
		{"*[ab]*", "", "b"},
	} {
		if got := longestLiteral(tc.pat); got != tc.lit {
			t.Errorf("longestLiteral(%q) = %q, want %q", tc.pat, got, tc.lit)
		}
		if !MatchesProtected(tc.pat, tc.key) {
			t.Fatalf("%q does not match %q: a bad case", tc.pat, tc.key)
		}
		p := NewProtector([]string{"nobody@x.io", tc.pat})
		if got := p.Match(tc.key); got != 1 {
			t.Errorf("%q, key %q: Match = %d, want 1", tc.pat, tc.key, got)
		}
		if un := p.Unmatched(func(key func(string)) { key(tc.key) }); !slices.Equal(un, []string{"nobody@x.io"}) {
			t.Errorf("%q, key %q: Unmatched = %q", tc.pat, tc.key, un)
		}
	}
}

// BenchmarkProtected matches 10,000 keys against 1,000 domain globs
// ("*@dN.example.com"), 500 globs by their start ("svc-N-*"), 500 by
// their end ("*-botN@ci.example") and 10 others ("*opsN*"): "each" tries
// every entry, as Policy.IsProtected does; "index" asks a Protector;
// "unmatched" finds the entries no key matches, as the plan's
// protected_unmatched warning does.
func BenchmarkProtected(b *testing.B) {
	var pats []string
	for i := 0; i < 1000; i++ {
		pats = append(pats, fmt.Sprintf("*@d%d.example.com", i))
	}
	for i := 0; i < 500; i++ {
		pats = append(pats, fmt.Sprintf("svc-%d-*", i), fmt.Sprintf("*-bot%d@ci.example", i))
	}
	for i := 0; i < 10; i++ {
		pats = append(pats, fmt.Sprintf("*ops%d*", i))
	}
	keys := make([]string, 10000)
	for i := range keys {
		keys[i] = fmt.Sprintf("user%d@d%d.example.com", i, i%2000) // half covered
	}
	pol := Policy{Protected: pats}
	b.Run("each", func(b *testing.B) {
		for b.Loop() {
			for _, k := range keys {
				pol.IsProtected(k)
			}
		}
	})
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			p := NewProtector(pats)
			for _, k := range keys {
				p.Covers(k)
			}
		}
	})
	b.Run("unmatched", func(b *testing.B) {
		for b.Loop() {
			NewProtector(pats).Unmatched(func(key func(string)) {
				for _, k := range keys {
					key(k)
				}
			})
		}
	})
}

// FuzzProtector: for any entries (one per line; the loader refuses control
// characters in them) and keys (one per line), Match and Unmatched agree
// with trying each entry in order.
func FuzzProtector(f *testing.F) {
	f.Add("*@x.io\nsvc-*\n*-bot@ci\n[^a-]*\\*\na@x.io", "svc-1@x.io\na/b@ci\nq-bot@ci\n\x00\n]")
	f.Add("a/*\n*]\n[]a]*\n\\", "a\x00b\nb]\n]\n\\")
	f.Fuzz(func(t *testing.T, entries, keyLines string) {
		var pats []string
		for _, e := range strings.Split(entries, "\n") {
			if !strings.ContainsFunc(e, func(r rune) bool { return r < 0x20 }) {
				pats = append(pats, e)
			}
		}
		keys := strings.Split(keyLines, "\n")
		p := NewProtector(pats)
		var want []string
		for _, pat := range pats {
			if !slices.Contains(want, pat) && !slices.ContainsFunc(keys, func(k string) bool { return k != "" && MatchesProtected(pat, k) }) {
				want = append(want, pat)
			}
		}
		for _, k := range keys {
			first := slices.IndexFunc(pats, func(pat string) bool { return MatchesProtected(pat, k) })
			if got := p.Match(k); got != first {
				t.Fatalf("entries %q, key %q: Match = %d, want %d", pats, k, got, first)
			}
		}
		got := p.Unmatched(func(key func(string)) {
			for _, k := range keys {
				key(k)
			}
		})
		if !slices.Equal(got, want) {
			t.Fatalf("entries %q, keys %q: Unmatched = %q, want %q", pats, keys, got, want)
		}
	})
}

// TestLongestLiteralTrailingRun: a glob whose last character is
// a literal ] ("*x]": no literal end for the ends index, as ] is in
// globEnd) keeps its trailing literal run as the prefilter, not "" (which
// tries it on every key).
func TestLongestLiteralTrailingRun(t *testing.T) {
	for pat, want := range map[string]string{"*x]": "x]", "*[ab]cd]": "cd]", "?a*bcd]": "bcd]"} {
		if got := longestLiteral(pat); got != want {
			t.Errorf("longestLiteral(%q) = %q, want %q", pat, got, want)
		}
	}
}
