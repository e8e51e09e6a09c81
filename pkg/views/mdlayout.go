package views

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strings"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/plan"
)

// Tiers of markdown detail lines. When the comment must be cut, the must
// tiers' lines are kept first, in mustOrder, then the others', in this
// order (the last tier is left out first).
const (
	tierDeactivate = iota
	tierRemove
	tierAccount // reactivations, invitations standing for one, email and externalId updates
	tierRole
	tierChange // other updates (display names)
	tierGrant  // adds to a team that exists
	tierAdd    // creates, adds to a team the plan creates
	numTiers
)

// mustTiers are the tiers listed by name whatever the other lines: the
// ones that take access away, give an account back or to another person,
// or change a role.
const mustTiers = tierRole + 1

// Ranks of the lines within a tier, in the order they are kept.
const (
	rankEarly  = iota // takes an admin right away (plan.Change.TakesAdmin)
	rankNormal        // the others
	rankLate          // a role given in a team or to a user the plan creates (newcomerRole)
	numRanks
)

// span is the lines of one tier and rank.
type span struct{ tier, rank int8 }

// mustOrder is the order in which the lines of the must tiers are kept
// when not all of them fit (the rest are counted as NOT listed), the
// ones no safety limit counts before the removals, which maxMemberRemovals
// bounds: deactivations (which Multi-tenant Cloud cannot undo); account
// changes, so that no number of role changes pushes out of the comment the
// one line that hands an existing account to another address; the role
// changes of existing accounts, demotions first, so that a reorganisation's
// thousands of removals never hide an admin made or unmade; the removals,
// of team admins first; last, the roles given in teams or to users the
// plan creates, which any pull request can multiply at no cost and whose
// add or create the comment lists too.
var mustOrder = []span{
	{tierDeactivate, rankEarly}, {tierDeactivate, rankNormal}, {tierDeactivate, rankLate},
	{tierAccount, rankEarly}, {tierAccount, rankNormal}, {tierAccount, rankLate},
	{tierRole, rankEarly}, {tierRole, rankNormal},
	{tierRemove, rankEarly}, {tierRemove, rankNormal}, {tierRemove, rankLate},
	{tierRole, rankLate},
}

// namedOrder is mustOrder without the account changes: the lines the
// markdown contract names (removals, deactivations and role changes),
// which the warnings' form is chosen beside.
var namedOrder = slices.DeleteFunc(slices.Clone(mustOrder), func(s span) bool { return s.tier == tierAccount })

// restOrder is the order of the other tiers' lines, kept after the must
// tiers' in tier order as they fit.
var restOrder = func() (o []span) {
	for t := int8(mustTiers); t < numTiers; t++ {
		for r := int8(0); r < numRanks; r++ {
			o = append(o, span{t, r})
		}
	}
	return o
}()

// allOrder is every line: mustOrder, then restOrder.
var allOrder = slices.Concat(mustOrder, restOrder)

// bundled reports whether the lines of must tier t may be listed in
// bundles of names: an account change's line is its new values, which a
// list of names would lose, so it is always written in full.
func bundled(t int) bool { return t != tierAccount }

// Forms of a must tier's lines, richest first.
const (
	formFull    = iota // a line each, with its reason
	formGrouped        // bundled by kind and reason, in each team's group (user changes at the top of their section)
	formFlat           // team changes bundled across teams (see bundleChanges); user changes as formGrouped
	numForms
)

// numChoices is how many ways the must tiers can be laid out: a form each
// for the bundled ones (numForms^3).
const numChoices = numForms * numForms * numForms

// tierForm is the form of must tier t in choice c.
func tierForm(c, t int) int { return int(choiceForms[c][t]) }

// choiceForms lists the form of each must tier in each choice: choice c
// is the number whose base-numForms digits, lowest first, are the forms of
// the bundled tiers (the others are formFull in every choice).
var choiceForms = func() (fs [numChoices][mustTiers]int8) {
	for c := range fs {
		d := c
		for t := 0; t < mustTiers; t++ {
			if bundled(t) {
				fs[c][t], d = int8(d%numForms), d/numForms
			}
		}
	}
	return fs
}()

// tierNames name the must tiers in the NOT-listed block.
var tierNames = [mustTiers]string{"deactivation(s)", "member removal(s)", "reactivation(s) or email or externalId change(s)", "role change(s)"}

// tierOf is the tier of c's line.
func tierOf(c plan.Change) int8 {
	switch {
	case c.Action == plan.DeactivateUser:
		return tierDeactivate
	case c.Action == plan.RemoveMember:
		return tierRemove
	case c.Restores(), c.Action == plan.UpdateUser && (c.Email != "" || c.ExternalID != ""):
		return tierAccount
	case c.Action == plan.SetOrgRole, c.Action == plan.SetTeamRole:
		// A role in a team the plan creates too: every role change is
		// listed by name, as the plan JSON lists it as one (but after the
		// others: newcomerRole).
		return tierRole
	case c.Action == plan.AddMember && c.TeamID != "":
		return tierGrant
	case c.Action == plan.CreateUser, c.Action == plan.CreateTeam, c.Action == plan.AddMember:
		return tierAdd
	}
	return tierChange
}

// newcomerRole reports whether c is a role the plan gives in a team it
// creates or to a user it creates (a member added to a new team as admin,
// which the add's line gives too, "add X as admin"; a new user's org
// role): listed after the tier's other lines, so that a flood of new
// teams or users with an admin role each, which any pull request can make
// at no cost, never pushes out of the comment a promotion of an existing
// account, in a team that exists or in the organization.
func newcomerRole(c plan.Change) bool {
	switch c.Action {
	case plan.SetTeamRole:
		return c.From == "" && (c.TeamID == "" || c.UserID == "")
	case plan.SetOrgRole:
		return c.From == "" && c.UserID == ""
	}
	return false
}

// lateLabel is what a compact bundle of newcomerRole lines says of them:
// a role in a team the plan creates, or a new user's role in a team that
// exists (not "in teams the plan creates").
func lateLabel(c plan.Change) string {
	switch {
	case !newcomerRole(c):
		return ""
	case c.Action == plan.SetOrgRole || c.TeamID != "":
		return ", for users the plan creates"
	default:
		return ", in teams the plan creates"
	}
}

// mdSection is one collapsible section of change groups.
type mdSection struct {
	title  string
	groups []*group
}

// markdownLayout decides which detail lines the markdown view shows within
// its byte budget, and in which form, and writes them.
type markdownLayout struct {
	secs []mdSection
	keep [][][]bool // section → group → line: shown
	// per section: lines in all, and shown
	total, shown []int

	bundles  []bundle
	bundleOf [][][]int32 // section → group → line: its bundle, or -1
	flatOf   [][][]int32 // section → group → line: its flat bundle, or -1
	// flatLines counts the lines of each must tier that have a flat bundle
	flatLines [mustTiers]int
	compact   int  // the choice of forms: tierForm(compact, t) for tier t
	partial   bool // bundles may list only some of their names
	short     bool // team titles without ids where names tell them apart (setInline)

	warnings  int
	warnBody  [numWarnForms]string
	warnWidth [numWarnForms]int // width of each warnBody, measured once
	warnForm  int

	tierTotal, notShown [numTiers]int
	// order lists the lines of each tier and rank in the order place
	// visits them
	order [numTiers][numRanks][]lineAt
	// pl is the placement newPlacement reuses
	pl *placement

	// mustCost[c] is what the must tiers cost in the forms of choice c,
	// priced once (it does not depend on the room): -1 until priced
	mustCost [numChoices]int
}

// lineAt is where a line is: section, group, line.
type lineAt struct{ si, gi, li int32 }

// reset forgets what fit chose, so that fit can run again with other room.
func (l *markdownLayout) reset() {
	for si := range l.keep {
		for gi := range l.keep[si] {
			clear(l.keep[si][gi])
		}
		l.shown[si] = 0
	}
	for bi := range l.bundles {
		l.bundles[bi].shown = 0
	}
	l.notShown = [numTiers]int{}
}

// newMarkdownLayout lays out secs and ws; bundled names wrap at
// wrapWidth until setWrap.
func newMarkdownLayout(secs []mdSection, ws []plan.Warning) *markdownLayout {
	l := &markdownLayout{secs: secs, keep: make([][][]bool, len(secs)), total: make([]int, len(secs)), shown: make([]int, len(secs)), warnings: len(ws)}
	for si, s := range secs {
		l.keep[si] = make([][]bool, len(s.groups))
		for gi, g := range s.groups {
			g.measure()
			l.keep[si][gi] = make([]bool, len(g.lines))
			l.total[si] += len(g.lines)
			for li, ln := range g.lines {
				t := ln.tier
				l.tierTotal[t]++
				r := ln.rank()
				l.order[t][r] = append(l.order[t][r], lineAt{int32(si), int32(gi), int32(li)})
			}
		}
	}
	l.bundles, l.bundleOf, l.flatOf, l.flatLines = bundleChanges(secs)
	l.warnBody = warningForms(ws)
	for f, b := range l.warnBody {
		l.warnWidth[f] = width(b)
	}
	for c := range l.mustCost {
		l.mustCost[c] = -1
	}
	return l
}

// Lines of a group inside a diff block, and their lengths (code keeps
// lengths, so fit need not build them).
func (l *markdownLayout) titleLine(g *group) string {
	t, _ := l.title(g)
	return code(string(g.sym)+" "+t) + "\n"
}
func changeLine(ln line) string { return code(string(ln.sym)+"     "+ln.text) + "\n" }
func (l *markdownLayout) titleLen(g *group) int {
	_, n := l.title(g)
	return n + 3
}
func changeLen(ln line) int { return ln.textLen + 7 }

// title is the group's title in the layout's form, and its codeLen.
func (l *markdownLayout) title(g *group) (string, int) {
	if l.short {
		return g.short, g.shortLen
	}
	return g.title, g.titleLen
}

// reserve is the most the layout writes besides the lines it keeps and
// the warnings beyond their count by code: the section frames, the
// warnings counted by code, the NOT-listed block and the closing note,
// each with the largest numbers they can show.
func (l *markdownLayout) reserve() int {
	n := 0
	for si, s := range l.secs {
		n += width(frameOpen(fmt.Sprintf("%s (%d of %d shown)", s.title, l.total[si], l.total[si]))) + width(frameClose)
	}
	title, note, all := 0, 0, l.changeLines()
	for f := 0; f < numWarnForms; f++ {
		title = max(title, width(frameOpen(warningsTitle(l.warnings, f))))
		note = max(note, width(cutNote(all, all, l.warnings, true, true, f)))
	}
	n += title + width(frameClose) + l.warnWidth[warnCounts]
	var worst [numTiers]int
	copy(worst[:], l.tierTotal[:])
	return n + width(l.notListedText(worst)) + note
}

func (l *markdownLayout) changeLines() (n int) {
	for _, t := range l.total {
		n += t
	}
	return n
}

// placement is the state of one pass over the lines: which group titles
// and which bundles are open, and how long each bundle's last line is.
//
// With partial, a bundle's head says how many of its names it lists ("N of
// M user(s) listed") only when the cut falls inside it; a complete bundle
// has the shorter head. Each bundle is charged the short head, and extra
// holds what the long heads of the bundles open and not yet complete add,
// charged against the room as it changes.
type placement struct {
	compact int
	partial bool
	open    [][]bool // section → group: title written
	cur     []int    // bundle → length of its last names line (0: not open)
	placed  []int    // bundle → names placed (partial only)
	extra   int
}

// newPlacement starts a pass in choice compact. Passes run one after
// another, so each reuses the last one's memory (l.pl): pricing every
// choice allocates once.
func (l *markdownLayout) newPlacement(compact int, partial bool) *placement {
	pl := l.pl
	if pl == nil {
		pl = &placement{open: make([][]bool, len(l.secs)), cur: make([]int, len(l.bundles)), placed: make([]int, len(l.bundles))}
		for si, s := range l.secs {
			pl.open[si] = make([]bool, len(s.groups))
		}
		l.pl = pl
	}
	for _, o := range pl.open {
		clear(o)
	}
	clear(pl.cur)
	clear(pl.placed)
	pl.compact, pl.partial, pl.extra = compact, partial, 0
	return pl
}

// bundleOfLine is the bundle a line is listed in under choice compact, or
// -1 when it has its own line.
func (l *markdownLayout) bundleOfLine(compact, si, gi, li int) int32 {
	t := int(l.secs[si].groups[gi].lines[li].tier)
	if t >= mustTiers {
		return -1
	}
	switch tierForm(compact, t) {
	case formFlat:
		if bi := l.flatOf[si][gi][li]; bi >= 0 {
			return bi
		}
		return l.bundleOf[si][gi][li]
	case formGrouped:
		return l.bundleOf[si][gi][li]
	}
	return -1
}

// place walks the lines of spans in order and charges each its cost in
// pl's forms against room; once a line does not fit, no later one does.
// With mark it keeps the lines that fit and counts the others as not
// shown. It returns the characters charged.
func (l *markdownLayout) place(pl *placement, spans []span, room int, mark bool) (used int) {
	full := false
	for _, sp := range spans {
		tier := sp.tier
		for _, at := range l.order[tier][sp.rank] {
			si, gi, li := int(at.si), int(at.gi), int(at.li)
			g := l.secs[si].groups[gi]
			ln := &g.lines[li]
			bi := l.bundleOfLine(pl.compact, si, gi, li)
			cost, next, opens, delta := 0, 0, true, 0
			if bi < 0 {
				cost = changeLen(*ln)
			} else {
				bu := &l.bundles[bi]
				if pl.cur[bi] == 0 {
					cost = bu.headLen[0] + len(bu.headEnd())
				}
				if pl.partial {
					// The long head while the bundle is open and
					// incomplete.
					ext := bu.headLen[1] - bu.headLen[0]
					if pl.cur[bi] == 0 {
						delta += ext
					}
					if pl.placed[bi]+1 == len(bu.names) {
						delta -= ext
					}
				}
				nameLen := ln.whoLen
				if bu.flat {
					nameLen = ln.flatLen
				}
				c, n, _ := wrapStep(pl.cur[bi], len(bu.prefix()), nameLen, bu.wrap)
				cost, next, opens = cost+c, n, bu.inGroup
			}
			if opens && !pl.open[si][gi] {
				cost += l.titleLen(g)
			}
			if full || used+cost+pl.extra+delta > room {
				if !mark {
					return used // nothing later is charged
				}
				full = true
				l.notShown[tier]++
				continue
			}
			used += cost
			pl.extra += delta
			pl.open[si][gi] = pl.open[si][gi] || opens
			if bi >= 0 {
				pl.cur[bi] = next
				if pl.partial {
					pl.placed[bi]++
				}
			}
			if mark {
				l.keep[si][gi][li] = true
				l.shown[si]++
				if bi >= 0 {
					l.bundles[bi].shown++
				}
			}
		}
	}
	return used
}

// fit chooses the forms and the lines to show within room characters (see
// chooseForms), then the lines: the must tiers, then the other tiers in
// order, until one does not fit.
//
// When no choice names every removal, deactivation and role change, the
// cheapest choice is used (the one that lists the most), the warnings are
// counted by code unless a richer form fits beside the removals,
// deactivations and role changes, and lines are kept in mustOrder, then
// in tier order, until one does not fit: the rest are NOT listed.
func (l *markdownLayout) fit(room int) {
	compact, form, ok := l.chooseForms(room)
	if !ok {
		l.compact, l.partial, l.warnForm = compact, true, warnCounts
		// Warnings are listed by name unless the removals, deactivations
		// and role changes alone leave no room for that (the account
		// changes, which the markdown contract does not name, are not
		// counted there): the richest form that fits beside those three
		// tiers is kept. Its room comes off the last lines placed, in
		// mustOrder.
		named := l.place(l.newPlacement(compact, true), namedOrder, math.MaxInt, false)
		for f := 0; f < warnCounts; f++ {
			if named+l.warnExtra(f) <= room {
				l.warnForm = f
				break
			}
		}
		l.place(l.newPlacement(compact, true), allOrder, room-l.warnExtra(l.warnForm), true)
		return
	}
	l.compact, l.warnForm = compact, form
	pl := l.newPlacement(compact, false)
	room -= l.warnExtra(form)
	used := l.place(pl, mustOrder, room, true)
	l.place(pl, restOrder, room-used, true)
}

// chooseForms picks the form of each must tier and the warnings' form.
// The removals, deactivations and role changes must all be named, and the
// warnings too when they can be; among the choices that do that, the
// richest wins: the warnings by name (as the limit asks), then the most
// destructive lines in full (with their reasons, else bundled by name),
// then the warnings with their messages (else bundled by name), then the
// fewest team lines listed across teams rather than in their team, then
// the graver tiers in full (deactivations before removals before role
// changes). Bundling is not always the cheaper form (a bundle of one name
// costs more than its line), so every choice is priced. ok is false when
// no choice names them all: compact is then the cheapest choice, which
// lists the most.
func (l *markdownLayout) chooseForms(room int) (compact, form int, ok bool) {
	cheapest, cheapestCost := 0, math.MaxInt
	mustLines := 0
	for t := 0; t < mustTiers; t++ {
		mustLines += l.tierTotal[t]
	}
	best := -1
choices:
	for c := 0; c < numChoices; c++ {
		fullLines, flatLines, later := mustLines, 0, 0
		for t := 0; t < mustTiers; t++ {
			switch tierForm(c, t) {
			case formFlat:
				if l.flatLines[t] == 0 {
					continue choices // the same as formGrouped
				}
				flatLines += l.flatLines[t]
				fallthrough
			case formGrouped:
				fullLines -= l.tierTotal[t]
				later |= 1 << (mustTiers - 1 - t)
			}
		}
		rank := func(f int) int {
			r := fullLines * 4
			if f != warnCounts {
				r += (mustLines + 1) * 4
			}
			switch f {
			case warnFull:
				r += 3
			case warnRare:
				r += 2
			case warnNames:
				r++
			}
			r = r*(mustLines+1) + mustLines - flatLines
			return r<<mustTiers + 1<<mustTiers - 1 - later
		}
		if best >= 0 && rank(warnFull) <= best {
			continue // cannot win: not priced (the cheapest matters only when nothing fits)
		}
		if l.mustCost[c] < 0 {
			l.mustCost[c] = l.place(l.newPlacement(c, false), mustOrder, math.MaxInt, false)
		}
		cost := l.mustCost[c]
		if cost < cheapestCost {
			cheapest, cheapestCost = c, cost
		}
		for f := 0; f < numWarnForms; f++ {
			if cost+l.warnExtra(f) > room {
				continue
			}
			if r := rank(f); r > best {
				best, compact, form = r, c, f
			}
		}
		if c == 0 && best >= 0 && form == warnFull {
			break // everything in full: nothing ranks higher
		}
	}
	if best < 0 {
		return cheapest, warnCounts, false
	}
	return compact, form, true
}

// warnExtra is what warnings in form f take beyond their count by code
// (which reserve counts).
func (l *markdownLayout) warnExtra(f int) int {
	return l.warnWidth[f] - l.warnWidth[warnCounts]
}

// whole reports whether the layout shows everything in full: every line,
// no bundle, every warning with its message.
func (l *markdownLayout) whole() bool {
	for si := range l.secs {
		if l.shown[si] < l.total[si] {
			return false
		}
	}
	return !l.compacted() && (l.warnForm == warnFull || l.warnings == 0)
}

// setWrap makes bundled names wrap at wrap from the next fit on.
func (l *markdownLayout) setWrap(wrap int) {
	for bi := range l.bundles {
		l.bundles[bi].wrap = wrap
	}
	for c := range l.mustCost {
		l.mustCost[c] = -1 // priced again
	}
}

// setInline lists every bundle's names on its head line, comma-separated
// ("- remove (reason): 3 user(s): a, b, c"), and titles teams by name alone
// where no other team of the view has it: the densest form, tried last.
func (l *markdownLayout) setInline() {
	l.short = true // and team titles without their ids, where names suffice
	for bi := range l.bundles {
		l.bundles[bi].inline, l.bundles[bi].wrap = true, math.MaxInt32
	}
	for c := range l.mustCost {
		l.mustCost[c] = -1 // priced again
	}
}

// unlisted counts the lines of the must tiers (removals, deactivations,
// account changes and role changes) fit left out.
func (l *markdownLayout) unlisted() (n int) {
	for t := 0; t < mustTiers; t++ {
		n += l.notShown[t]
	}
	return n
}

// compacted reports whether some destructive line is listed in a bundle.
func (l *markdownLayout) compacted() bool {
	for t := 0; t < mustTiers; t++ {
		if tierForm(l.compact, t) != formFull && l.tierTotal[t] > 0 {
			return true
		}
	}
	return false
}

// flattened reports whether some team line is listed across teams.
func (l *markdownLayout) flattened() bool {
	for t := 0; t < mustTiers; t++ {
		if tierForm(l.compact, t) == formFlat && l.flatLines[t] > 0 {
			return true
		}
	}
	return false
}

// writeNotListed writes the loud block that says how many lines of the
// must tiers are not listed, if any.
func (l *markdownLayout) writeNotListed(b *strings.Builder) {
	b.WriteString(l.notListedText(l.notShown))
}

func (l *markdownLayout) notListedText(cut [numTiers]int) string {
	var parts []string
	for t := 0; t < mustTiers; t++ {
		if cut[t] > 0 {
			parts = append(parts, fmt.Sprintf("%d of %d %s", cut[t], l.tierTotal[t], tierNames[t]))
		}
	}
	if cut[tierGrant] > 0 {
		// Not a must tier (+ lines go first), but access to data that
		// exists: said, not only counted among the lines cut.
		parts = append(parts, fmt.Sprintf("%d of %d add(s) to existing teams", cut[tierGrant], l.tierTotal[tierGrant]))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("> [!CAUTION]\n> **NOT LISTED: %s do not fit in this comment (at most %d characters) and are not listed below.** Run `wbsync plan -o json` and review every one before approving.\n\n",
		strings.Join(parts, ", "), caps.Markdown)
}

// writeDetails writes the sections with the lines fit kept, the warnings,
// and the closing note when anything was left out or shortened.
func (l *markdownLayout) writeDetails(b *strings.Builder) {
	for si, s := range l.secs {
		if l.total[si] == 0 {
			continue
		}
		title := fmt.Sprintf("%s (%d)", s.title, l.total[si])
		if l.shown[si] < l.total[si] {
			title = fmt.Sprintf("%s (%d of %d shown)", s.title, l.shown[si], l.total[si])
		}
		b.WriteString(frameOpen(title))
		written := make([]bool, len(l.bundles))
		for bi := range l.bundles {
			if bu := &l.bundles[bi]; bu.si == si && !bu.inGroup && bu.shown > 0 {
				bu.write(b, l.partial)
			}
		}
		for gi, g := range s.groups {
			l.writeGroup(b, si, gi, g, written)
		}
		b.WriteString(frameClose)
	}
	if l.warnings > 0 {
		b.WriteString(frameOpen(warningsTitle(l.warnings, l.warnForm)))
		b.WriteString(l.warnBody[l.warnForm])
		b.WriteString(frameClose)
	}
	all, shown := l.changeLines(), 0
	for _, n := range l.shown {
		shown += n
	}
	if shown < all || l.compacted() || l.warnForm != warnFull && l.warnings > 0 {
		b.WriteString(cutNote(all-shown, all, l.warnings, l.compacted(), l.flattened(), l.warnForm))
	}
}

// writeGroup writes group gi of section si when it shows a line: its
// title, its lines in full and its bundles where their first line is.
func (l *markdownLayout) writeGroup(b *strings.Builder, si, gi int, g *group, written []bool) {
	titled := false
	for li, ln := range g.lines {
		if !l.keep[si][gi][li] {
			continue
		}
		bi := l.bundleOfLine(l.compact, si, gi, li)
		if bi >= 0 && (!l.bundles[bi].inGroup || written[bi]) {
			continue
		}
		if !titled {
			b.WriteString(l.titleLine(g))
			titled = true
		}
		if bi >= 0 {
			l.bundles[bi].write(b, l.partial)
			written[bi] = true
			continue
		}
		b.WriteString(changeLine(ln))
	}
}

func frameOpen(title string) string {
	return fmt.Sprintf("<details><summary>%s</summary>\n\n```diff\n", html.EscapeString(title))
}

const frameClose = "```\n\n</details>\n\n"

// cutNote closes a markdown view that leaves something out or lists it
// by name only.
func cutNote(cut, all, warnings int, compacted, flattened bool, warnForm int) string {
	var s []string
	if cut > 0 {
		s = append(s, fmt.Sprintf("**%d of %d change lines are not shown, to keep this comment under %d characters:** creates and adds are left out first; removals, deactivations, account and role changes are kept longest.", cut, all, caps.Markdown))
	}
	if compacted {
		s = append(s, "**Removals, deactivations or role changes are listed by name only,** under one line per kind of change and reason, to fit.")
	}
	if flattened {
		s = append(s, "Team removals or role changes are listed across teams, each name followed by its team.")
	}
	switch {
	case warnings == 0:
	case warnForm == warnRare:
		s = append(s, fmt.Sprintf("Of the %d warnings, the routine ones (users in no team, unmanaged users and teams, members that are not listed users, protected users) are listed by name, by code, without their messages.", warnings))
	case warnForm == warnNames, warnForm == warnNamesDense:
		s = append(s, fmt.Sprintf("The %d warnings are listed by name, by code, without their messages.", warnings))
	case warnForm == warnCounts:
		s = append(s, fmt.Sprintf("The %d warnings are counted by code.", warnings))
	}
	return strings.Join(append(s, "Run `wbsync plan -o json` for all.\n"), " ")
}
