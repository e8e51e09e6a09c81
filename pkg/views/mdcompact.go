package views

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// The compact forms of the markdown view. When the removals, deactivations
// and role changes do not all fit one line each, a tier of them is listed
// in bundles: one head line per kind of change and reason, then the names,
// comma-separated and wrapped:
//
//	~ big (id g1)
//	-     remove (not listed in this authoritative team): 800 user(s)
//	-         member0001@example.com, member0002@example.com, ...
//	- deactivate (not in the manifest; unmanagedUsers: deactivate): 500 user(s)
//	-     gone0001@example.com, gone0002@example.com, ...
//
// A team's bundles sit in the team's group; deactivations and org roles,
// which are grouped by user, sit at the top of the user section. When the
// teams' titles crowd out names (one removal in each of 300 teams), a
// tier's team changes are bundled across teams instead, at the top of the
// team section, each name followed by its team (the flat form, see
// bundleChanges). Warnings that do not fit with their messages are
// bundled the same way by code.

// wrapWidth is the widest a line of names grows before the next name
// starts a new line (a single longer name keeps a line of its own).
// denserWraps are the widths tried in turn when names wrapped at
// wrapWidth do not all fit: each line's prefix then costs less, the last
// none at all: a bundle's names on one line, comma-separated
// (names of 45 characters wrapped at 100 take a line each, and 1,100 of
// them passed the limit that they fit within comma-separated).
const wrapWidth = 100

var denserWraps = [...]int{1000, math.MaxInt32}

// bundle is the changes of one kind and one reason (in one team, or in the
// user section), or the warnings of one code, listed by name.
type bundle struct {
	sym     byte
	gist    string   // what happens and why: "remove (reason)", "[code]"
	noun    string   // what names counts: "user(s)", "warning(s)"
	inGroup bool     // inside a team's group, else at the top of its section
	flat    bool     // team changes across teams: each name is listed as "user (team T)"
	teams   []string // flat: the team of each name
	si      int      // section
	names   []string
	shown   int    // names listed: the first shown
	headLen [2]int // of headLine, complete and (at most) partial
	wrap    int    // the widest a names line grows (wrapStep)
	// inline: the names follow the head on its line ("head: a, b, c"),
	// the densest form (see markdownLayout.setInline)
	inline bool
}

// headLine says what happens to the names below it: all of them, or with
// partial, how many are listed.
func (bu *bundle) headLine(shown int, partial bool) string {
	pad := " "
	if bu.inGroup {
		pad = "     "
	}
	n := len(bu.names)
	if partial {
		return fmt.Sprintf("%c%s%s: %d of %d %s listed", bu.sym, pad, bu.gist, shown, n, bu.noun)
	}
	return fmt.Sprintf("%c%s%s: %d %s", bu.sym, pad, bu.gist, n, bu.noun)
}

// prefix starts each line of names (inline: the first name, after the
// head).
func (bu *bundle) prefix() string {
	if bu.inline {
		return ": "
	}
	if bu.inGroup {
		return string(bu.sym) + "         "
	}
	return string(bu.sym) + "     "
}

// wrapStep adds a name of n characters to a names line now cur long (0:
// none open yet). It returns the characters it costs, the new line length, and
// whether the name starts a new line of prefix characters.
func wrapStep(cur, prefix, n, wrap int) (cost, next int, newLine bool) {
	if cur > 0 && cur+2+n <= wrap {
		return 2 + n, cur + 2 + n, false
	}
	return prefix + n + 1, prefix + n, true
}

// headEnd is what ends the head line: a newline, or nothing when the names
// follow on it.
func (bu *bundle) headEnd() string {
	if bu.inline {
		return ""
	}
	return "\n"
}

// write writes the head and the first shown names.
func (bu *bundle) write(b *strings.Builder, partial bool) {
	b.WriteString(code(bu.headLine(bu.shown, partial && bu.shown < len(bu.names))) + bu.headEnd())
	pre, cur := bu.prefix(), 0
	for i, name := range bu.names[:bu.shown] {
		if bu.flat {
			name = flatName(name, bu.teams[i])
		}
		_, next, nl := wrapStep(cur, len(pre), codeLen(name), bu.wrap)
		switch {
		case nl && cur > 0:
			b.WriteString("\n" + pre)
		case nl:
			b.WriteString(pre)
		default:
			b.WriteString(", ")
		}
		b.WriteString(code(name))
		cur = next
	}
	if cur > 0 {
		b.WriteByte('\n')
	}
}

// bundleChanges groups the lines of the must tiers into bundles whose
// names wrap at wrapWidth, tier by tier in the order fit visits them, and
// returns the bundle of each line (-1: none). It also groups the team
// lines of the must tiers (removals, team role changes) across teams, at
// the top of their section, each name followed by its team (the flat
// form, which spares a title line per team):
//
//   - remove (not listed in this authoritative team): 300 membership(s)
//   - u1@example.com (team a), u2@example.com (team b), ...
//
// flatOf is the flat bundle of each such line (-1: none), and flatLines
// counts them by tier.
func bundleChanges(secs []mdSection) (bs []bundle, of, flatOf [][][]int32, flatLines [mustTiers]int) {
	n := 0
	for _, s := range secs {
		for _, g := range s.groups {
			n += len(g.lines)
		}
	}
	flat := make([]int32, 2*n) // one allocation for all lines, both forms
	for i := range flat {
		flat[i] = -1
	}
	of, flatOf = make([][][]int32, len(secs)), make([][][]int32, len(secs))
	for si, s := range secs {
		of[si], flatOf[si] = make([][]int32, len(s.groups)), make([][]int32, len(s.groups))
		for gi, g := range s.groups {
			of[si][gi], flat = flat[:len(g.lines):len(g.lines)], flat[len(g.lines):]
			flatOf[si][gi], flat = flat[:len(g.lines):len(g.lines)], flat[len(g.lines):]
		}
	}
	type key struct {
		si, gi int // gi -1: at the top of the section
		action plan.Action
		gist   string
		flat   bool
		// late lines (roles in teams or of users the plan creates) have
		// bundles of their own, one per label (line.late): a bundle
		// shows its first names when it cannot show all, and the
		// others' must never be among those left out
		late string
	}
	index := map[key]int32{}
	var last key // consecutive lines mostly share a bundle
	lastBi := int32(-1)
	add := func(k key, ln *line, inGroup bool, name, team string) int32 {
		bi, ok := lastBi, lastBi >= 0 && k == last
		if !ok {
			bi, ok = index[k]
			last = k
		}
		if !ok {
			bi = int32(len(bs))
			index[k] = bi
			bu := bundle{sym: ln.sym, gist: ln.gist, noun: "user(s)", inGroup: inGroup, si: k.si, wrap: wrapWidth, flat: k.flat}
			if k.flat {
				bu.noun = "membership(s)"
				bu.gist += k.late
			}
			bs = append(bs, bu)
		}
		lastBi = bi
		bs[bi].names = append(bs[bi].names, listed(name))
		if k.flat {
			bs[bi].teams = append(bs[bi].teams, listed(team))
		}
		return bi
	}
	for tier := int8(0); tier < mustTiers; tier++ {
		if !bundled(int(tier)) {
			continue
		}
		for si, s := range secs {
			for gi, g := range s.groups {
				for li := range g.lines {
					ln := &g.lines[li]
					if ln.tier != tier {
						continue
					}
					inGroup := !isUserAction(ln.action)
					k := key{si: si, gi: gi, action: ln.action, gist: ln.gist, late: ln.late}
					if !inGroup {
						k.gi = -1
					}
					of[si][gi][li] = add(k, ln, inGroup, ln.who, "")
				}
			}
		}
	}
	// The flat bundles, after the others: written at the top of the
	// section, they come after its user bundles, in tier order. A team is
	// named by its name, or by its title (with its id) when another team
	// of the plan has that name too.
	named := map[string]int{}
	for _, s := range secs {
		for _, g := range s.groups {
			for _, ln := range g.lines {
				if ln.team != "" {
					named[ln.team]++
					break
				}
			}
		}
	}
	for tier := int8(0); tier < mustTiers; tier++ {
		if !bundled(int(tier)) {
			continue
		}
		for si, s := range secs {
			for gi, g := range s.groups {
				for li := range g.lines {
					ln := &g.lines[li]
					if ln.tier != tier || ln.team == "" {
						continue
					}
					team := ln.team
					if named[team] > 1 {
						team = g.title
					}
					ln.flatLen = ln.whoLen + flatExtra + codeLen(listed(team))
					flatOf[si][gi][li] = add(key{si: si, gi: -1, action: ln.action, gist: ln.gist, flat: true, late: ln.late}, ln, false, ln.who, team)
					flatLines[tier]++
				}
			}
		}
	}
	for i := range bs {
		bu := &bs[i]
		bu.headLen = [2]int{codeLen(bu.headLine(len(bu.names), false)), codeLen(bu.headLine(len(bu.names), true))}
	}
	return bs, of, flatOf, flatLines
}

// flatName is how a flat bundle lists user who of team: "who (team T)".
// flatExtra is what it adds to codeLen(who) besides codeLen(team).
func flatName(who, team string) string { return who + " (team " + team + ")" }

// listed is an escaped name as a bundle lists it: quoted (%q) when it
// holds what separates the list's entries (", ", " (team ") or starts
// with a quote, so that one name cannot read as two, or as a membership.
func listed(name string) string {
	if strings.Contains(name, ", ") || strings.Contains(name, " (team ") || strings.HasPrefix(name, `"`) {
		return strconv.Quote(name)
	}
	return name
}

const flatExtra = len(" (team )")

// Forms of the warnings, richest first.
const (
	warnFull       = iota // "! [code] message"
	warnRare              // the rare codes in full, the routine ones (condensed) by name
	warnNames             // bundled by code, by name (warningNames)
	warnNamesDense        // the same, names wrapped at the widest of denserWraps
	warnCounts            // "! code: n"
	numWarnForms
)

// warningForms writes the warnings in each form.
func warningForms(ws []plan.Warning) [numWarnForms]string {
	var full, rare, counted strings.Builder
	counts := map[plan.WarningCode]int{}
	var routine []plan.Warning
	for _, w := range ws {
		line := code("! "+warningText(w)) + "\n"
		full.WriteString(line)
		counts[w.Code]++
		if condensed[w.Code] {
			routine = append(routine, w)
		} else {
			rare.WriteString(line)
		}
	}
	// A rare warning (an irreversible deactivation, a member listed while
	// active: false) keeps its message while the routine ones, which a
	// real organization has by the hundred, are named only.
	rare.WriteString(warningNames(routine, wrapWidth)[0])
	byCode := make([]string, 0, len(counts))
	for c, n := range counts {
		byCode = append(byCode, code(fmt.Sprintf("! %s: %d", sanitize.Controls(string(c)), n))+"\n")
	}
	slices.Sort(byCode)
	for _, s := range byCode {
		counted.WriteString(s)
	}
	names := warningNames(ws, wrapWidth, denserWraps[len(denserWraps)-1])
	return [numWarnForms]string{full.String(), rare.String(), names[0], names[1], counted.String()}
}

func warningsTitle(n, form int) string {
	switch form {
	case warnRare:
		return fmt.Sprintf("Warnings (%d, the routine ones listed by name: too many to show all with their messages here)", n)
	case warnNames, warnNamesDense:
		return fmt.Sprintf("Warnings (%d, listed by name: too many to show with their messages here)", n)
	case warnCounts:
		return fmt.Sprintf("Warnings (%d, counted by code: too many to list by name here)", n)
	}
	return fmt.Sprintf("Warnings (%d)", n)
}

// warningNames lists the warnings by name, grouped by code, once with
// names wrapped at each of wraps: a warning about no user or team keeps
// its message.
func warningNames(ws []plan.Warning, wraps ...int) []string {
	var unnamed strings.Builder
	byCode := map[plan.WarningCode]*bundle{}
	var codes []plan.WarningCode
	for _, w := range ws {
		name := warningName(w)
		if name == "" {
			unnamed.WriteString(code("! "+warningText(w)) + "\n")
			continue
		}
		bu := byCode[w.Code]
		if bu == nil {
			bu = &bundle{sym: '!', gist: "[" + sanitize.Controls(string(w.Code)) + "]", noun: "warning(s)"}
			byCode[w.Code] = bu
			codes = append(codes, w.Code)
		}
		bu.names = append(bu.names, listed(name))
	}
	slices.Sort(codes)
	out := make([]string, len(wraps))
	for i, wrap := range wraps {
		var b strings.Builder
		b.WriteString(unnamed.String())
		for _, c := range codes {
			bu := byCode[c]
			bu.shown, bu.wrap = len(bu.names), wrap
			bu.write(&b, false)
		}
		out[i] = b.String()
	}
	return out
}

// warningName names what a warning is about: its user, its team, or both,
// each shortened as the change lists shorten names (shortName).
func warningName(w plan.Warning) string {
	name := func(s string) string {
		s, _ = shortNameWith(s, caps.MarkdownName, nameWidth)
		return sanitize.Name(s)
	}
	switch {
	case w.User != "" && w.Team != "":
		return name(w.User) + " (team " + name(w.Team) + ")"
	case w.User != "":
		return name(w.User)
	}
	return name(w.Team)
}
