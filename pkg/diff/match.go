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
	one  *keyIndex          // key → index, or ambiguous when several
	many map[string][]int32 // key → indexes, for keys with several
}

func newMultiIndex(n int) multiIndex {
	return multiIndex{one: newKeyIndex(n, 24), many: map[string][]int32{}}
}

// addAll adds index vals[i] under keys[i], for every i.
func (m multiIndex) addAll(keys []string, vals []int32, s *lookup) {
	m.one.putAll(keys, vals, func(i int, old int32) int32 {
		if old == ambiguous {
			m.many[keys[i]] = append(m.many[keys[i]], vals[i])
		} else {
			m.many[keys[i]] = []int32{old, vals[i]}
		}
		return ambiguous
	}, s)
}

// each calls f with every index of k.
func (m multiIndex) each(k string, f func(int32)) { m.eachOf(k, m.one.get(k), f) }

// eachOf calls f with every index of k, whose entry in m.one is v.
func (m multiIndex) eachOf(k string, v int32, f func(int32)) {
	switch v {
	case none:
	case ambiguous:
		for _, j := range m.many[k] {
			f(j)
		}
	default:
		f(v)
	}
}

// unique returns the only index of k, or none.
func (m multiIndex) unique(k string) int32 {
	if i := m.one.get(k); i >= 0 {
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
	m := p.newMatcher()
	p.liveByExt, p.liveByEmail = m.byLevel[byExternalID], m.byLevel[byEmail]
	for level := byUserName; level <= byExternalID; level++ {
		m.matchLevel(level)
	}
	m.markLost()
	for _, a := range m.amb {
		p.warnAmbiguous(a)
	}
	m.warnEmailElsewhere()
	m.noteReinviteClashes()
	// A live user whose desired user is ambiguous is left alone as much
	// as a contested one: mark it so once, so that held reads one slot.
	for li := range p.lives {
		if o := p.lives[li].owner; o >= 0 && p.wants[o].match == ambiguous {
			p.lives[li].owner = ambiguous
		}
	}
}

// noteReinviteClashes records (planner.reinviteClash), on Multi-tenant
// Cloud, each active desired user matched by userName or externalId to a
// deactivated account that does not hold the entry's email, while another
// live account does: the plan would invite the deactivated account again
// under that email (holdReinvite).
func (m *matcher) noteReinviteClashes() {
	p := m.p
	if !p.saas {
		return
	}
	for di := range p.want.Users {
		w, d := &p.wants[di], &p.want.Users[di]
		if w.match < 0 || w.level == byEmail || !d.Active {
			continue
		}
		l := &p.have.Users[w.match]
		k := model.Key(wantEmail(d))
		if l.Active || k == "" || k == model.Key(l.Email) || containsKey(l.Emails, k) {
			continue
		}
		var holders []int32
		m.byLevel[byEmail].each(k, func(li int32) {
			// A deactivated holder counts too: on Multi-tenant Cloud it
			// left the organization, but its account still owns the email.
			if li != w.match {
				holders = append(holders, li)
			}
		})
		if len(holders) > 0 {
			if p.reinviteClash == nil {
				p.reinviteClash = map[int32][]int32{}
			}
			p.reinviteClash[int32(di)] = holders
		}
	}
}

// warnEmailElsewhere warns about each desired user matched by userName or
// externalId whose email belongs to another live user that nothing in the
// manifest matches: matching priority gave the desired user to the
// stronger link, so that other user is treated as not in the manifest
// (left alone, deactivated or removed from authoritative teams by policy),
// which a reviewer should see said.
func (m *matcher) warnEmailElsewhere() {
	p := m.p
	for di := range p.want.Users {
		w := &p.wants[di]
		if w.match < 0 || w.level == byEmail {
			continue
		}
		d, l := &p.want.Users[di], &p.have.Users[w.match]
		k := model.Key(wantEmail(d))
		if k == "" {
			continue
		}
		// The matched user may hold the email too (several per user on
		// Multi-tenant Cloud): the other user that holds it is still
		// treated as not in the manifest.
		has := k == model.Key(l.Email) || containsKey(l.Emails, k)
		var others, ids []string
		var holders []int32
		m.byLevel[byEmail].each(k, func(li int32) {
			// When the matched user holds the email too, an inactive
			// other (an old account) in no team is no news: nothing is
			// planned for it for being unmatched.
			if li != w.match && p.lives[li].owner == none && (!has || p.have.Users[li].Active || p.inSomeTeam(li)) {
				others = append(others, liveName(&p.have.Users[li]))
				ids = append(ids, p.have.Users[li].ID)
				holders = append(holders, li)
			}
		})
		if len(others) == 0 {
			continue
		}
		slices.Sort(others)
		slices.Sort(ids)
		update := fmt.Sprintf(" (and an email update of %s may be refused while %s the email)", liveName(l), plural(len(others), "it holds", "they hold"))
		switch {
		case has:
			update = fmt.Sprintf(" (%s holds the email too)", liveName(l))
		case p.saas:
			update = "" // no email update is planned there (unsupported_update)
		case !d.Active:
			update = "" // an active: false entry's account is deactivated, not updated
		}
		if !has {
			if p.emailElsewhere == nil {
				p.emailElsewhere = map[int32]int{}
			}
			p.emailElsewhere[int32(di)] = len(p.elsewheres)
		}
		e := elsewhere{warning: len(p.warnings), want: int32(di), holders: holders, post: update, pre: fmt.Sprintf(
			"%s matches live user %s by %s, which wins over an email match: live %s %s, which %s the email %s, ",
			p.wants[di].name, liveName(l), w.level, plural(len(others), "user", "users"), strings.Join(others, ", "), plural(len(others), "has", "have"), wantEmail(d))}
		p.elsewheres = append(p.elsewheres, e)
		p.warn(plan.Warning{Code: plan.WarnEmailElsewhere, User: p.wants[di].name, IDs: ids, Message: e.pre + e.are() + notInManifest + e.post})
	}
}

// notInManifest is what email_elsewhere says of the other users; heldToo
// what it says once a saas hold (deactivateDesired) left them alone.
const (
	notInManifest = "treated as not in the manifest"
	heldToo       = "left alone with it, as identity_mismatch says"
	// heldBesideProtected: held beside a matched account that is protected
	// (holdProtectedMatch), where no identity_mismatch is said: "it" or
	// "any of them", and the active: false entry that may mean them
	heldBesideProtected = "left alone, as the active: false entry %[2]s may mean %[1]s: its match by userName is protected, and on W&B Multi-tenant Cloud a deactivation cannot be undone; write in that entry the email of the account to deactivate, with its username (username:), or remove the entry"
	// sparedHolders: what it adds of the holders spareHolder spares
	sparedHolders = ", and not deactivated (unmanagedUsers: deactivate), as the manifest may mean it: deactivate it in W&B if it is not wanted, or name it in policy.protected to keep it"
)

// plural returns one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// are is the verb of e's message for its holders: "is " or "are ".
func (e *elsewhere) are() string { return plural(len(e.holders), "is ", "are ") }

// rewordHeld makes each email_elsewhere warning whose other users a saas
// hold left alone (deactivateDesired) say so: of all of them, or naming
// those held when only some are.
func (p *planner) rewordHeld() {
	for i := range p.elsewheres {
		e := &p.elsewheres[i]
		p.warnings[e.warning].Message = p.elsewhereText(e)
	}
}

// elsewhereText is the message of email_elsewhere warning e: what it
// says of its holders (not in the manifest; with spared, not deactivated
// either), those a hold left alone said apart, or all of them when a hold
// left them all alone. rewordHeld and spareHolder both write it, so that
// neither loses what the other says.
func (p *planner) elsewhereText(e *elsewhere) string {
	var held []string
	var heldAt []int32
	for _, h := range e.holders {
		if p.held(h) {
			held, heldAt = append(held, liveName(&p.have.Users[h])), append(heldAt, h)
		}
	}
	said := heldToo
	if by := p.heldByProtectedMatch(e, heldAt); by != none {
		said = fmt.Sprintf(heldBesideProtected, plural(len(held), "it", "any of them"), p.wants[by].name)
	}
	rest := notInManifest
	if e.spared {
		rest += sparedHolders
	}
	switch {
	case len(held) == 0:
		return e.pre + e.are() + rest + e.post
	case len(held) == len(e.holders):
		return e.pre + e.are() + said + e.post
	}
	slices.Sort(held)
	return e.pre + e.are() + rest + ", but " + strings.Join(held, ", ") + " " + plural(len(held), "is ", "are ") + said + e.post
}

// heldByProtectedMatch returns the active: false entry whose protected
// match holds the held holders of e (e's own entry when its match is the
// protected one, whatever hold came first), or none when no such one
// entry holds them all (another hold, said by identity_mismatch).
func (p *planner) heldByProtectedMatch(e *elsewhere, held []int32) int32 {
	if len(held) == 0 {
		return none
	}
	if e.protectedMatch {
		return e.want
	}
	by := int32(none)
	for _, h := range held {
		di, ok := p.heldBeside[h]
		if !ok || by != none && by != di {
			return none
		}
		by = di
	}
	return by
}

// matcher is the state of matchUsers.
type matcher struct {
	p       *planner
	byLevel [byExternalID + 1]multiIndex // live users by the key of each level
	taken   []bool                       // live user: matched (or held) at an earlier level
	claims  []int32                      // live user: desired users claiming it at this level
	amb     []ambiguity

	// scratch of matchLevel
	links []link
	ds    []int32  // the desired users still free
	keys  []string // their keys at the level
	vals  []int32
	lk    lookup
}

func (p *planner) newMatcher() *matcher {
	nh := len(p.have.Users)
	m := &matcher{p: p, taken: make([]bool, nh), claims: make([]int32, nh)}
	m.byLevel[byUserName] = p.liveKeys
	// Slices sized up front: at 100,000 users, growing them by doubling
	// copies megabytes that no longer fit in the cache.
	nw := len(p.want.Users)
	m.ds, m.keys, m.links = make([]int32, 0, nw), make([]string, 0, nw), make([]link, 0, nw)
	keys, vals := make([]string, 0, nh), make([]int32, 0, nh)
	var extIDs []string
	var extVals []int32
	for i := range p.have.Users {
		l := &p.have.Users[i]
		liveEmails(l, func(k string) { keys, vals = append(keys, k), append(vals, int32(i)) })
		if l.ExternalID != "" {
			extIDs, extVals = append(extIDs, l.ExternalID), append(extVals, int32(i))
		}
	}
	m.byLevel[byEmail] = newMultiIndex(len(keys))
	m.byLevel[byEmail].addAll(keys, vals, &m.lk)
	m.byLevel[byExternalID] = newMultiIndex(len(extIDs))
	m.byLevel[byExternalID].addAll(extIDs, extVals, &m.lk)
	return m
}

// key is desired user d's key at a level ("" when it has none).
func (m *matcher) key(level matchLevel, d *model.User) string {
	switch level {
	case byUserName:
		return model.Key(wantUserName(d))
	case byEmail:
		return model.Key(wantEmail(d))
	}
	return d.ExternalID
}

// matchLevel ties the desired users still free to the live users still
// free that they link to at level, in one batch lookup.
func (m *matcher) matchLevel(level matchLevel) {
	p := m.p
	m.ds, m.keys = m.ds[:0], m.keys[:0]
	for di := range p.want.Users {
		if p.wants[di].match != none {
			continue
		}
		if k := m.key(level, &p.want.Users[di]); k != "" {
			m.ds, m.keys = append(m.ds, int32(di)), append(m.keys, k)
		}
	}
	idx := m.byLevel[level]
	m.vals = resize(m.vals, len(m.keys))
	idx.one.getAll(m.keys, m.vals, &m.lk)
	m.links = m.links[:0]
	for i, v := range m.vals {
		idx.eachOf(m.keys[i], v, func(li int32) {
			if !m.taken[li] {
				m.links = append(m.links, link{m.ds[i], li})
			}
		})
	}
	for _, l := range m.links {
		m.claims[l.li]++
	}
	var claimants map[int32][]int32 // only for contested live users
	for i := 0; i < len(m.links); {
		j := i + 1
		for j < len(m.links) && m.links[j].di == m.links[i].di {
			j++
		}
		group := m.links[i:j]
		i = j
		di := group[0].di
		if len(group) == 1 && m.claims[group[0].li] == 1 {
			li := group[0].li
			p.wants[di].match, p.wants[di].level, p.lives[li].owner = li, level, di
			continue
		}
		a := ambiguity{di: di, level: level}
		for _, l := range group {
			a.lives = append(a.lives, l.li)
			if m.claims[l.li] == 1 {
				p.lives[l.li].owner = di
				continue
			}
			p.lives[l.li].owner = ambiguous
			if claimants == nil {
				claimants = contested(m.links, m.claims)
			}
			for _, o := range claimants[l.li] {
				if o != di && !slices.Contains(a.others, o) {
					a.others = append(a.others, o)
				}
			}
		}
		p.wants[di].match = ambiguous
		m.amb = append(m.amb, a)
	}
	for _, l := range m.links {
		m.taken[l.li], m.claims[l.li] = true, 0
	}
}

// markLost leaves alone the desired users still free that link to live
// users taken by stronger links (every live user they link to is taken,
// or they would have matched it).
func (m *matcher) markLost() {
	p := m.p
	for di := range p.want.Users {
		if p.wants[di].match != none {
			continue
		}
		d := &p.want.Users[di]
		var a *ambiguity
		for level := byUserName; level <= byExternalID; level++ {
			k := m.key(level, d)
			if k == "" {
				continue
			}
			m.byLevel[level].each(k, func(li int32) {
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
			m.amb = append(m.amb, *a)
		}
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

// leftAlone says what an ambiguity warning's users are spared.
const leftAlone = "left alone (no create, update, role, membership or deactivation)"

func (p *planner) warnAmbiguous(a ambiguity) {
	name := p.wants[a.di].name
	ids := make([]string, 0, len(a.lives))
	lives := make([]string, 0, len(a.lives))
	for _, li := range a.lives {
		ids = append(ids, p.have.Users[li].ID)
		lives = append(lives, liveName(&p.have.Users[li]))
	}
	slices.Sort(ids)
	slices.Sort(lives)
	others := make([]string, 0, len(a.others))
	for _, o := range a.others {
		others = append(others, p.wants[o].name)
	}
	slices.Sort(others)
	var msg string
	switch {
	case a.lost:
		msg = fmt.Sprintf("%s matches live user %s by %s, but that user is matched to %s by a stronger link (userName, then email, then externalId): %s is %s until it matches a live user of its own",
			name, strings.Join(lives, ", "), a.level, orNobody(others), name, leftAlone)
	case len(others) > 0:
		msg = fmt.Sprintf("live user %s matches both %s and %s by %s: they are %s until only one matches",
			strings.Join(lives, ", "), name, strings.Join(others, ", "), a.level, leftAlone)
	default:
		// Each with its id and whether it is active: two accounts of one
		// name (an old one beside its successor) read alike otherwise, and
		// the admin is to delete or rename one of them.
		labels := make([]string, 0, len(a.lives))
		for _, li := range a.lives {
			u := &p.have.Users[li]
			who := liveSubject(u)
			l := who.user + ", id " + u.ID
			if who.handle != "" {
				l = who.handle + " (" + l // "alice (alice@example.com, id u1)"
			} else {
				l = who.user + " (id " + u.ID
			}
			if !u.Active {
				l += ", deactivated"
			}
			labels = append(labels, l+")")
		}
		slices.Sort(labels)
		msg = fmt.Sprintf("%d live users match %s by %s (%s): it is %s until only one matches",
			len(ids), name, a.level, strings.Join(labels, ", "), leftAlone)
	}
	p.warn(plan.Warning{Code: plan.WarnAmbiguousUser, User: name, IDs: ids, Message: msg})
}

func orNobody(names []string) string {
	if len(names) == 0 {
		return "another manifest user"
	}
	return strings.Join(names, ", ")
}
