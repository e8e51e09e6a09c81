package diff

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// matchLevel is how strongly a live user is tied to a desired user; a
// lower level wins.
type matchLevel int8

// Matching levels, in priority order (docs/wandb-api.md: userName is a
// handle, the email lives in emails).
const (
	byUserName   matchLevel = iota + 1 // live userName = desired username (else email), any case
	byEmail                            // any live email = desired email, any case
	byExternalID                       // live externalId = desired externalId, exactly
)

func (l matchLevel) String() string {
	switch l {
	case byUserName:
		return "userName"
	case byEmail:
		return "email"
	}
	return "externalId"
}

// multiIndex maps a key to the indexes that carry it, without a slice per
// key for the common case of one.
type multiIndex struct {
	one  map[string]int32   // key → index, or ambiguous when several
	many map[string][]int32 // key → indexes, for keys with several
}

func newMultiIndex(n int) multiIndex {
	return multiIndex{one: make(map[string]int32, n), many: map[string][]int32{}}
}

func (m multiIndex) add(k string, i int32) {
	j, ok := m.one[k]
	switch {
	case !ok:
		m.one[k] = i
	case j == ambiguous:
		m.many[k] = append(m.many[k], i)
	default:
		m.one[k] = ambiguous
		m.many[k] = []int32{j, i}
	}
}

// each calls f with every index of k.
func (m multiIndex) each(k string, f func(int32)) {
	switch i, ok := m.one[k]; {
	case !ok:
	case i == ambiguous:
		for _, j := range m.many[k] {
			f(j)
		}
	default:
		f(i)
	}
}

// unique returns the only index of k, or none.
func (m multiIndex) unique(k string) int32 {
	if i, ok := m.one[k]; ok && i >= 0 {
		return i
	}
	return none
}

// link is a live user tied to a desired user at the level being matched.
type link struct{ di, li int32 }

// ambiguity says why a desired user is left alone.
type ambiguity struct {
	di     int32
	level  matchLevel
	lives  []int32 // the live users involved
	others []int32 // contested or lost: the desired users that also claim them
	lost   bool    // every live user it links to went to another, stronger link
}

// matchUsers ties desired and live users level by level: userName, then
// every email of the live user, then externalId. At each level only users
// still free take part, so a stronger link always wins over a weaker one
// to another user. A desired user with two live users at its level, or a
// live user claimed by two desired users at one level (contested), is
// ambiguous: left alone, with a warning. A desired user that links only to
// live users taken by stronger links is left alone too, rather than
// created next to them.
func (p *planner) matchUsers() {
	nh := len(p.have.Users)
	emails := newMultiIndex(nh)
	var extIDs multiIndex
	needExt := false
	for _, d := range p.want.Users {
		needExt = needExt || d.ExternalID != ""
	}
	if needExt {
		extIDs = newMultiIndex(0)
	}
	for i, l := range p.have.Users {
		liveEmails(l, func(k string) { emails.add(k, int32(i)) })
		if needExt && l.ExternalID != "" {
			extIDs.add(l.ExternalID, int32(i))
		}
	}
	candidates := func(level matchLevel, d model.User, f func(int32)) {
		switch level {
		case byUserName:
			p.liveKeys.each(model.Key(wantUserName(d)), f)
		case byEmail:
			emails.each(model.Key(wantEmail(d)), f)
		case byExternalID:
			if d.ExternalID != "" {
				extIDs.each(d.ExternalID, f)
			}
		}
	}

	taken := make([]bool, nh)
	claims := make([]int32, nh)
	var links []link
	var amb []ambiguity
	for level := byUserName; level <= byExternalID; level++ {
		links = links[:0]
		for di, d := range p.want.Users {
			if p.wants[di].match != none {
				continue
			}
			candidates(level, d, func(li int32) {
				if !taken[li] {
					links = append(links, link{int32(di), li})
				}
			})
		}
		for _, l := range links {
			claims[l.li]++
		}
		var claimants map[int32][]int32 // only for contested live users
		for i := 0; i < len(links); {
			j := i + 1
			for j < len(links) && links[j].di == links[i].di {
				j++
			}
			group := links[i:j]
			i = j
			di := group[0].di
			if len(group) == 1 && claims[group[0].li] == 1 {
				li := group[0].li
				p.wants[di].match, p.wants[di].level, p.lives[li].owner = li, level, di
				continue
			}
			a := ambiguity{di: di, level: level}
			for _, l := range group {
				a.lives = append(a.lives, l.li)
				if claims[l.li] == 1 {
					p.lives[l.li].owner = di
					continue
				}
				p.lives[l.li].owner = ambiguous
				if claimants == nil {
					claimants = contested(links, claims)
				}
				for _, o := range claimants[l.li] {
					if o != di && !slices.Contains(a.others, o) {
						a.others = append(a.others, o)
					}
				}
			}
			p.wants[di].match = ambiguous
			amb = append(amb, a)
		}
		for _, l := range links {
			taken[l.li], claims[l.li] = true, 0
		}
	}
	// Desired users that link only to live users taken by stronger links.
	for di, d := range p.want.Users {
		if p.wants[di].match != none {
			continue
		}
		var a *ambiguity
		for level := byUserName; level <= byExternalID; level++ {
			candidates(level, d, func(li int32) {
				if a == nil {
					a = &ambiguity{di: int32(di), level: level, lost: true}
				}
				if !slices.Contains(a.lives, li) {
					a.lives = append(a.lives, li)
					if o := p.lives[li].owner; o >= 0 && !slices.Contains(a.others, o) {
						a.others = append(a.others, o)
					}
				}
			})
		}
		if a != nil {
			p.wants[di].match = ambiguous
			amb = append(amb, *a)
		}
	}
	for _, a := range amb {
		p.warnAmbiguous(a)
	}
}

// contested returns the desired users that claim each live user claimed
// more than once at this level.
func contested(links []link, claims []int32) map[int32][]int32 {
	m := map[int32][]int32{}
	for _, l := range links {
		if claims[l.li] > 1 {
			m[l.li] = append(m[l.li], l.di)
		}
	}
	return m
}

// leftAlone is how every ambiguity warning ends.
const leftAlone = "left alone (no create, update, role, membership or deactivation) until only one matches"

func (p *planner) warnAmbiguous(a ambiguity) {
	d := p.want.Users[a.di]
	name := wantName(d)
	ids := make([]string, 0, len(a.lives))
	lives := make([]string, 0, len(a.lives))
	for _, li := range a.lives {
		ids = append(ids, p.have.Users[li].ID)
		lives = append(lives, liveName(p.have.Users[li]))
	}
	slices.Sort(ids)
	slices.Sort(lives)
	others := make([]string, 0, len(a.others))
	for _, o := range a.others {
		others = append(others, wantName(p.want.Users[o]))
	}
	slices.Sort(others)
	var msg string
	switch {
	case a.lost:
		msg = fmt.Sprintf("%s matches live user %s by %s, but that user is matched to %s by a stronger link (userName, then email, then externalId): %s is %s",
			name, strings.Join(lives, ", "), a.level, orNobody(others), name, leftAlone)
	case len(others) > 0:
		msg = fmt.Sprintf("live user %s matches both %s and %s by %s: they are %s",
			strings.Join(lives, ", "), name, strings.Join(others, ", "), a.level, leftAlone)
	default:
		msg = fmt.Sprintf("%d live users match %s by %s (%s): it is %s",
			len(ids), name, a.level, strings.Join(lives, ", "), leftAlone)
	}
	p.warn(plan.Warning{Code: plan.WarnAmbiguousUser, User: name, IDs: ids, Message: msg})
}

func orNobody(names []string) string {
	if len(names) == 0 {
		return "another manifest user"
	}
	return strings.Join(names, ", ")
}
