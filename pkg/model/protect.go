package model

import "strings"

// Protector matches keys against a policy's protected entries (as
// MatchesProtected does, entry by entry) without trying every entry on
// every key: an entry without glob characters by a map, an entry
// "*@DOMAIN" (a whole domain, DOMAIN without glob characters or @) by the
// key's part after its last @, and only the other globs one by one. A
// manifest of 100,000 users and 1,000 domain globs took minutes to plan
// when each key tried each entry.
type Protector struct {
	pats    []string
	exact   map[string]int // entry → its first position in pats
	domains map[string]int // DOMAIN of an entry "*@DOMAIN" → its first position
	globs   []int          // positions of the other entries, in order
}

// NewProtector indexes the protected entries pats (lower-cased, as the
// loader keeps them).
func NewProtector(pats []string) *Protector {
	p := &Protector{pats: pats, exact: map[string]int{}, domains: map[string]int{}}
	for i, pat := range pats {
		switch {
		case !strings.ContainsAny(pat, `*?[\`):
			if _, ok := p.exact[pat]; !ok {
				p.exact[pat] = i
			}
		case strings.HasPrefix(pat, "*@") && !strings.ContainsAny(pat[2:], `*?[\@`) && pat[2:] != "":
			if _, ok := p.domains[pat[2:]]; !ok {
				p.domains[pat[2:]] = i
			}
		default:
			p.globs = append(p.globs, i)
		}
	}
	return p
}

// Match returns the position of the first entry that covers key k (a Key),
// or -1.
func (p *Protector) Match(k string) int {
	best := -1
	if i, ok := p.exact[k]; ok {
		best = i
	}
	if at := strings.LastIndexByte(k, '@'); at >= 0 && len(p.domains) > 0 {
		if i, ok := p.domains[k[at+1:]]; ok && (best < 0 || i < best) {
			best = i
		}
	}
	for _, i := range p.globs {
		if best >= 0 && i > best {
			break
		}
		if MatchesProtected(p.pats[i], k) {
			return i
		}
	}
	return best
}

// Covers reports whether some entry covers the email or userName s.
func (p *Protector) Covers(s string) bool {
	return len(p.pats) > 0 && p.Match(Key(s)) >= 0
}
