package views

import (
	"fmt"
	"html"
	"slices"
	"strings"

	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// Tiers of markdown detail lines, in the order they are kept when the
// comment must be cut (the last tier is left out first).
const (
	tierDeactivate = iota
	tierRemove
	tierRole
	tierChange // updates, reactivations
	tierAdd    // creates, adds
	numTiers
)

// mustTiers are the tiers listed by name whatever the other lines: the
// ones that take access away or change it.
const mustTiers = tierRole + 1

// tierNames name the must tiers in the NOT-listed block.
var tierNames = [mustTiers]string{"deactivation(s)", "member removal(s)", "role change(s)"}

func tierOf(a plan.Action) int {
	switch a {
	case plan.DeactivateUser:
		return tierDeactivate
	case plan.RemoveMember:
		return tierRemove
	case plan.SetOrgRole, plan.SetTeamRole:
		return tierRole
	case plan.CreateUser, plan.CreateTeam, plan.AddMember:
		return tierAdd
	}
	return tierChange
}

// mdSection is one collapsible section of change groups.
type mdSection struct {
	title  string
	groups []*group
}

// markdownLayout decides which detail lines the markdown view shows within
// its byte budget, and writes them.
type markdownLayout struct {
	secs []mdSection
	keep [][][]bool // section → group → line: shown
	// per section: lines in all, and shown
	total, shown []int

	warnByName []string // "! [code] message"
	warnByCode []string // "! code: n"
	byName     bool     // warnings listed by name (else counted by code)

	tierTotal, notShown [numTiers]int
}

func newMarkdownLayout(secs []mdSection, ws []plan.Warning) *markdownLayout {
	l := &markdownLayout{secs: secs, keep: make([][][]bool, len(secs)), total: make([]int, len(secs)), shown: make([]int, len(secs))}
	for si, s := range secs {
		l.keep[si] = make([][]bool, len(s.groups))
		for gi, g := range s.groups {
			l.keep[si][gi] = make([]bool, len(g.lines))
			l.total[si] += len(g.lines)
			for _, ln := range g.lines {
				l.tierTotal[tierOf(ln.action)]++
			}
		}
	}
	counts := map[plan.WarningCode]int{}
	for _, w := range ws {
		l.warnByName = append(l.warnByName, "! "+warningText(w))
		counts[w.Code]++
	}
	for c, n := range counts {
		l.warnByCode = append(l.warnByCode, fmt.Sprintf("! %s: %d", sanitize.Controls(string(c)), n))
	}
	slices.Sort(l.warnByCode)
	return l
}

// Lines of a group inside a diff block.
func titleLine(g *group) string { return code(string(g.sym)+" "+g.title) + "\n" }
func changeLine(ln line) string { return code(string(ln.sym)+"     "+ln.text) + "\n" }
func linesBytes(ls []string) (n int) {
	for _, s := range ls {
		n += len(code(s)) + 1
	}
	return n
}

// reserve is the most the layout writes besides the lines it keeps: the
// section frames, the warnings counted by code, the NOT-listed block and
// the closing note, each with the largest numbers they can show.
func (l *markdownLayout) reserve() int {
	n := 0
	for si, s := range l.secs {
		n += len(frameOpen(fmt.Sprintf("%s (%d of %d shown)", s.title, l.total[si], l.total[si]))) + len(frameClose)
	}
	n += len(frameOpen(warningsTitle(len(l.warnByName), true))) + len(frameClose) + linesBytes(l.warnByCode)
	var worst [numTiers]int
	copy(worst[:], l.tierTotal[:])
	n += len(l.notListedText(worst)) + len(l.cutNote(l.changeLines(), l.changeLines(), len(l.warnByName)))
	return n
}

func (l *markdownLayout) changeLines() (n int) {
	for _, t := range l.total {
		n += t
	}
	return n
}

// fit chooses the lines to show within room bytes: the must tiers first,
// then the warnings (by name if they fit, else by code, which reserve
// already counts), then the other tiers. Once a line does not fit, no
// later line in that order is shown.
func (l *markdownLayout) fit(room int) {
	open := make([][]bool, len(l.secs))
	for si, s := range l.secs {
		open[si] = make([]bool, len(s.groups))
	}
	full := false
	for tier := 0; tier < numTiers; tier++ {
		if tier == mustTiers {
			extra := linesBytes(l.warnByName) - linesBytes(l.warnByCode)
			if l.byName = !full && extra <= room; l.byName {
				room -= extra
			}
		}
		for si, s := range l.secs {
			for gi, g := range s.groups {
				for li, ln := range g.lines {
					if tierOf(ln.action) != tier {
						continue
					}
					cost := len(changeLine(ln))
					if !open[si][gi] {
						cost += len(titleLine(g))
					}
					if full || cost > room {
						full = true
						l.notShown[tier]++
						continue
					}
					room -= cost
					open[si][gi], l.keep[si][gi][li] = true, true
					l.shown[si]++
				}
			}
		}
	}
}

// writeNotListed writes the loud block that says how many removals,
// deactivations and role changes are not listed, if any.
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
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("> [!CAUTION]\n> **NOT LISTED: %s do not fit in this comment (at most %d bytes) and are not listed below.** Run `wbsync plan -o json` and review every one before approving.\n\n",
		strings.Join(parts, ", "), MarkdownLimit)
}

// writeDetails writes the sections with the lines fit kept, the warnings,
// and the closing note when anything was left out.
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
		for gi, g := range s.groups {
			if !slices.Contains(l.keep[si][gi], true) {
				continue
			}
			b.WriteString(titleLine(g))
			for li, ln := range g.lines {
				if l.keep[si][gi][li] {
					b.WriteString(changeLine(ln))
				}
			}
		}
		b.WriteString(frameClose)
	}
	if n := len(l.warnByName); n > 0 {
		ws := l.warnByName
		if !l.byName {
			ws = l.warnByCode
		}
		b.WriteString(frameOpen(warningsTitle(n, !l.byName)))
		for _, w := range ws {
			b.WriteString(code(w) + "\n")
		}
		b.WriteString(frameClose)
	}
	all, shown := l.changeLines(), 0
	for _, n := range l.shown {
		shown += n
	}
	if shown < all || !l.byName && len(l.warnByName) > 0 {
		b.WriteString(l.cutNote(all-shown, all, len(l.warnByName)))
	}
}

func frameOpen(title string) string {
	return fmt.Sprintf("<details><summary>%s</summary>\n\n```diff\n", html.EscapeString(title))
}

const frameClose = "```\n\n</details>\n\n"

func warningsTitle(n int, byCode bool) string {
	if byCode {
		return fmt.Sprintf("Warnings (%d, counted by code: too many to list by name here)", n)
	}
	return fmt.Sprintf("Warnings (%d)", n)
}

// cutNote closes a markdown view that leaves something out.
func (l *markdownLayout) cutNote(cut, all, warnings int) string {
	s := fmt.Sprintf("**%d of %d change lines are not shown, to keep this comment under %d bytes:** creates and adds are left out first, removals, deactivations and role changes last.", cut, all, MarkdownLimit)
	if !l.byName && warnings > 0 {
		s += fmt.Sprintf(" The %d warnings are counted by code.", warnings)
	}
	return s + " Run `wbsync plan -o json` for all.\n"
}
