package views

import (
	"bufio"
	"fmt"
	"io"
	"strconv"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// TextOptions tune the text view.
type TextOptions struct {
	// Color adds ANSI colours (for a terminal only).
	Color bool
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiPurple = "\x1b[35m"
)

// textWriter writes the text view, with or without colour.
type textWriter struct {
	w     *bufio.Writer
	color bool
}

func (t textWriter) paint(code, s string) string {
	if !t.color {
		return s
	}
	return code + s + ansiReset
}

func (t textWriter) sym(b byte) string {
	switch b {
	case '+':
		return t.paint(ansiGreen, "+")
	case '-':
		return t.paint(ansiRed, "-")
	case '!':
		return t.paint(ansiPurple, "!")
	}
	return t.paint(ansiYellow, "~")
}

func (t textWriter) line(s ...string) {
	for _, x := range s {
		t.w.WriteString(x)
	}
	t.w.WriteByte('\n')
}

// condensed are the warning codes the text view lists at most
// caps.TextWarningsPerCode of, counting the rest on one line: notes on
// users and teams the plan leaves as they are, which a real organization
// has by the hundred on every plan, and which would push the rare ones
// (irreversible_deactivation, email_elsewhere, ...) screens above the
// summary and the question. The JSON plan lists every one (the markdown
// view too, by name, as its room allows).
var condensed = map[plan.WarningCode]bool{
	plan.WarnUserWithoutTeam: true, plan.WarnUnresolvedMember: true, plan.WarnUnmanagedUser: true, plan.WarnProtected: true,
	plan.WarnUnmanagedRecent: true, // users just-in-time provisioning added, by the thousand on a first run
	plan.WarnUnmanagedTeam:   true, // teams made in the UI, when the manifest manages a few
}

// WriteText writes the plan for a person: a header with the target and the
// limits in force, the changes grouped by user and by team (+ create or add,
// ~ change, - remove or deactivate; unverified role assertions with their
// reason), warnings (!; of a code in condensed, at most
// caps.TextWarningsPerCode, then a count), any BLOCKED section, a line
// "Seats: N active → M active", and last one summary line, never coloured:
//
//	Plan: A to add, C to change, R to remove.
//	Plan: A to add, C to change, R to remove, and N unverified role assertion(s).
//	No changes.
//	No changes. 0 to add, 0 to change, 0 to remove, and N unverified role assertion(s).
//
// The counts leave unverified role assertions out: they are not drift, so
// a plan of nothing else still starts "No changes.".
func WriteText(w io.Writer, p plan.Plan, o TextOptions) error {
	t := textWriter{w: bufio.NewWriter(w), color: o.Color}
	t.line(t.paint(ansiBold, "wbsync plan"))
	t.line("  target:     ", targetText(p))
	t.line("  deployment: ", deploymentText(p.Target.Deployment))
	ls := limitLines(p)
	t.line("  limits:     ", ls[0])
	t.line("              ", ls[1])
	users, teams := groups(p, 0)
	for _, sec := range []struct {
		title string
		gs    []*group
	}{{"Users", users}, {"Teams", teams}} {
		if len(sec.gs) == 0 {
			continue
		}
		t.line()
		t.line(t.paint(ansiBold, sec.title+":"))
		for _, g := range sec.gs {
			t.line("  ", t.sym(g.sym), " ", g.title)
			for _, l := range g.lines {
				t.line("      ", t.sym(l.sym), " ", l.text)
			}
		}
	}
	if len(p.Warnings) > 0 {
		t.line()
		t.line(t.paint(ansiBold, "Warnings ("+strconv.Itoa(len(p.Warnings))+"):"))
		total, last := map[plan.WarningCode]int{}, map[plan.WarningCode]int{}
		for i, wr := range p.Warnings {
			total[wr.Code]++
			last[wr.Code] = i
		}
		shown := map[plan.WarningCode]int{}
		for i, wr := range p.Warnings {
			if !condensed[wr.Code] || shown[wr.Code] < caps.TextWarningsPerCode {
				shown[wr.Code]++
				t.line("  ", t.sym('!'), " ", warningText(wr))
			}
			if i == last[wr.Code] && total[wr.Code] > shown[wr.Code] {
				t.line("  ", t.sym('!'), " ", fmt.Sprintf("[%s] and %d more like these (wbsync plan -o json lists every warning)",
					sanitize.Controls(string(wr.Code)), total[wr.Code]-shown[wr.Code]))
			}
		}
	}
	if p.IsBlocked() {
		t.line()
		t.line(t.paint(ansiBold+ansiRed, "BLOCKED: a safety limit stops this plan; nothing will be applied."))
		for _, b := range p.Blocked {
			t.line("  ", t.paint(ansiRed, "x"), " ", sanitize.Controls(string(b.Limit)+": "+b.Message))
		}
	}
	t.line()
	t.line(seatsLine(p))
	t.line(summaryLine(p)) // never coloured: scripts match it
	return t.w.Flush()
}
