package model

import (
	"slices"
	"strings"
)

// Protector matches keys against a policy's protected entries (as
// MatchesProtected does, entry by entry) without trying every entry on
// every key: an entry without glob characters by a map, an entry
// "*@DOMAIN" (a whole domain, DOMAIN without glob characters or @) by the
// key's part after its last @, other globs by the literal text they start
// with (or, starting with a glob character, end with): only a glob whose
// literal start (end) the key has is tried, and a glob with neither
// ("*bot*") only on keys that hold its longest literal run (globCovers).
// A manifest of 100,000 users and 1,000 globs took minutes to plan when
// each key tried each entry.
type Protector struct {
	pats    []string
	exact   map[string]int // entry → its first position in pats
	domains map[string]int // DOMAIN of an entry "*@DOMAIN" → its first position
	starts  affixIndex     // other globs by their literal start
	ends    affixIndex     // globs without one, by their literal end
	globs   []int          // positions of the globs with neither, in order
	// globLits: for each of globs, the longest run of literal text in
	// it ("bot" in "*bot*"), which a key it covers holds: a key without
	// it is not tried (10,000 such globs against 10,000 users took 15 s
	// of CPU to validate when each was tried).
	globLits []string
}

// longestLiteral returns the longest run of pat's literal characters
// outside its classes ("bot" in "*bot*", "" in "*"): every key pat
// matches (MatchesProtected) holds it. An escaped character ends a run,
// which only makes the run shorter.
func longestLiteral(pat string) string {
	best, start := "", 0
	for i := 0; i < len(pat); {
		switch c := pat[i]; c {
		case '*', '?', '\\', '[':
			if i-start > len(best) {
				best = pat[start:i]
			}
			i++
			switch c {
			case '\\':
				i++ // the escaped character
			case '[':
				// The class, up to its ] (path.Match refuses a ] or -
				// first in it: such a pattern matches nothing).
				for i < len(pat) && pat[i] != ']' {
					if pat[i] == '\\' {
						i++
					}
					i++
				}
				i++ // the ]
			}
			start = min(i, len(pat))
		default:
			i++
		}
	}
	if len(pat)-start > len(best) {
		best = pat[start:]
	}
	return best
}

// globCovers reports whether p.globs[j] covers key k, trying the glob
// only when k holds its longest literal run (p.globLits[j]).
func (p *Protector) globCovers(j int, k string) bool {
	return strings.Contains(k, p.globLits[j]) && MatchesProtected(p.pats[p.globs[j]], k)
}

// affixIndex holds glob positions by a literal start (or end) of theirs.
type affixIndex struct {
	by   map[string][]int // the literal text → positions, in order
	lens []int            // the lengths of by's keys, each once
}

func (x *affixIndex) add(affix string, i int) {
	if x.by == nil {
		x.by = map[string][]int{}
	}
	if _, ok := x.by[affix]; !ok && !slices.Contains(x.lens, len(affix)) {
		x.lens = append(x.lens, len(affix))
	}
	x.by[affix] = append(x.by[affix], i)
}

// each calls f with the positions (in order, within each call) of the
// globs whose literal start (end, when suffix) key k has.
func (x *affixIndex) each(k string, suffix bool, f func(is []int)) {
	for _, n := range x.lens {
		if n > len(k) {
			continue
		}
		a := k[:n]
		if suffix {
			a = k[len(k)-n:]
		}
		if is, ok := x.by[a]; ok {
			f(is)
		}
	}
}

// globMeta are the characters that make an entry a glob, or end its
// literal start; globEnd also ends a class, so the text after the last of
// them is a literal end.
const (
	globMeta = `*?[\`
	globEnd  = `*?[]\`
)

// NewProtector indexes the protected entries pats (lower-cased, as the
// loader keeps them).
func NewProtector(pats []string) *Protector {
	p := &Protector{pats: pats, exact: map[string]int{}, domains: map[string]int{}}
	for i, pat := range pats {
		switch {
		case !strings.ContainsAny(pat, globMeta):
			if _, ok := p.exact[pat]; !ok {
				p.exact[pat] = i
			}
		case strings.HasPrefix(pat, "*@") && !strings.ContainsAny(pat[2:], globMeta+"@") && pat[2:] != "":
			if _, ok := p.domains[pat[2:]]; !ok {
				p.domains[pat[2:]] = i
			}
		case strings.IndexAny(pat, globMeta) > 0:
			p.starts.add(pat[:strings.IndexAny(pat, globMeta)], i)
		case strings.LastIndexAny(pat, globEnd) < len(pat)-1:
			p.ends.add(pat[strings.LastIndexAny(pat, globEnd)+1:], i)
		default:
			p.globs = append(p.globs, i)
			p.globLits = append(p.globLits, longestLiteral(pat))
		}
	}
	return p
}

// Match returns the position of the first entry that covers key k (a Key),
// or -1.
func (p *Protector) Match(k string) int {
	if strings.IndexByte(k, 0) >= 0 {
		// MatchesProtected reads / as NUL, which the indexes do not: a
		// key holding one (a strange live userName) tries every entry.
		for i, pat := range p.pats {
			if MatchesProtected(pat, k) {
				return i
			}
		}
		return -1
	}
	best := -1
	if i, ok := p.exact[k]; ok {
		best = i
	}
	if at := strings.LastIndexByte(k, '@'); at >= 0 && len(p.domains) > 0 {
		if i, ok := p.domains[k[at+1:]]; ok && (best < 0 || i < best) {
			best = i
		}
	}
	try := func(is []int) {
		for _, i := range is {
			if best >= 0 && i > best {
				return
			}
			if MatchesProtected(p.pats[i], k) {
				best = i
				return
			}
		}
	}
	p.starts.each(k, false, try)
	p.ends.each(k, true, try)
	for j, i := range p.globs {
		if best >= 0 && i > best {
			break
		}
		if p.globCovers(j, k) {
			best = i
			break
		}
	}
	return best
}

// Covers reports whether some entry covers the email or userName s.
func (p *Protector) Covers(s string) bool {
	return len(p.pats) > 0 && p.Match(Key(s)) >= 0
}

// Unmatched returns the entries (in order, each once) that cover none of
// the keys each passes to its argument: a protected entry misspelt
// protects no one, and nothing else would say so. Every entry that covers
// a key counts, not only the first Match returns.
func (p *Protector) Unmatched(each func(key func(k string))) []string {
	marked := make([]bool, len(p.pats))
	left := len(p.exact) + len(p.domains) + len(p.globs)
	for _, x := range []*affixIndex{&p.starts, &p.ends} {
		for _, is := range x.by {
			left += len(is)
		}
	}
	var k0 string // the key being tried
	mark := func(i int) {
		if !marked[i] {
			marked[i] = true
			left--
		}
	}
	try := func(is []int) {
		for _, i := range is {
			if !marked[i] && MatchesProtected(p.pats[i], k0) {
				mark(i)
			}
		}
	}
	each(func(k string) {
		if left == 0 || k == "" {
			return
		}
		k0 = k
		if strings.IndexByte(k, 0) >= 0 { // as in Match
			for i, pat := range p.pats {
				if !marked[p.first(i)] && MatchesProtected(pat, k) {
					mark(p.first(i))
				}
			}
			return
		}
		if i, ok := p.exact[k]; ok {
			mark(i)
		}
		if at := strings.LastIndexByte(k, '@'); at >= 0 {
			if i, ok := p.domains[k[at+1:]]; ok {
				mark(i)
			}
		}
		p.starts.each(k, false, try)
		p.ends.each(k, true, try)
		for j, i := range p.globs {
			if !marked[i] && p.globCovers(j, k) {
				mark(i)
			}
		}
	})
	var out []string
	seen := map[string]bool{}
	for i, pat := range p.pats {
		if !marked[p.first(i)] && !seen[pat] {
			seen[pat] = true
			out = append(out, pat)
		}
	}
	return out
}

// first is the position NewProtector indexed entry i under: the first of
// the entries spelt as it is (an exact or domain entry given twice).
func (p *Protector) first(i int) int {
	pat := p.pats[i]
	if j, ok := p.exact[pat]; ok {
		return j
	}
	if strings.HasPrefix(pat, "*@") {
		if j, ok := p.domains[pat[2:]]; ok {
			return j
		}
	}
	return i
}
