package model

import (
	"fmt"
	"math/rand"
	"testing"
)

// TestProtectorAgreesWithMatchesProtected: the index finds, for every key,
// the first entry that trying each entry in order finds.
func TestProtectorAgreesWithMatchesProtected(t *testing.T) {
	pieces := []string{"a", "b", "@", "x.io", "*", "?", "[ab]", "/", "\\*", ".", "*@", "@x.io"}
	r := rand.New(rand.NewSource(1))
	word := func(n int, glob bool) string {
		s := ""
		for i := 0; i < n; i++ {
			p := pieces[r.Intn(len(pieces))]
			if !glob && (p == "*" || p == "?" || p == "[ab]" || p == "\\*" || p == "*@") {
				p = "a"
			}
			s += p
		}
		return s
	}
	for round := 0; round < 300; round++ {
		pats := []string{"*@x.io", "a@x.io"}
		for i := r.Intn(8); i > 0; i-- {
			pats = append(pats, word(1+r.Intn(4), true))
		}
		r.Shuffle(len(pats), func(i, j int) { pats[i], pats[j] = pats[j], pats[i] })
		p := NewProtector(pats)
		for k := 0; k < 50; k++ {
			key := word(1+r.Intn(5), false)
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
	}
	if NewProtector(nil).Covers("a@x.io") || !NewProtector([]string{"*@x.io"}).Covers("A@X.IO") {
		t.Error("Covers")
	}
}

// BenchmarkProtected matches 10,000 keys against 1,000 domain globs
// ("*@dN.example.com") and 10 other globs: "each" tries every entry, as
// Policy.IsProtected does; "index" asks a Protector.
func BenchmarkProtected(b *testing.B) {
	var pats []string
	for i := 0; i < 1000; i++ {
		pats = append(pats, fmt.Sprintf("*@d%d.example.com", i))
	}
	for i := 0; i < 10; i++ {
		pats = append(pats, fmt.Sprintf("svc-%d-*", i))
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
}
