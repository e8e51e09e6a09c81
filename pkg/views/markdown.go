package views

import (
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// MarkdownLimit is the size the markdown view stays below, so that it fits
// in one pull-request comment (GitHub allows 65,536 characters).
const MarkdownLimit = 60000

// WriteMarkdown writes the plan for a pull-request comment: a summary table
// first, a banner when the plan removes access, any BLOCKED section, then the
// details in collapsible sections. It stays below MarkdownLimit characters;
// when details must be cut, a line says how many and where to find them.
func WriteMarkdown(w io.Writer, p plan.Plan) error {
	var b strings.Builder
	s := plan.Summarize(p.Changes)
	b.WriteString("### wbsync plan\n\n")
	b.WriteString("| change | count |\n|---|---:|\n")
	for _, r := range []struct {
		name string
		n    int
	}{
		{"users created", s.CreateUsers}, {"users reactivated", s.ReactivateUsers}, {"users updated", s.UpdateUsers},
		{"teams created", s.CreateTeams}, {"members added", s.AddMembers}, {"roles set", s.SetRoles},
		{"members removed", s.RemoveMembers}, {"users deactivated", s.DeactivateUsers},
	} {
		fmt.Fprintf(&b, "| %s | %d |\n", r.name, r.n)
	}
	fmt.Fprintf(&b, "| warnings | %d |\n\n", len(p.Warnings))
	fmt.Fprintf(&b, "**%s**\n\n", summaryLine(p))
	ls := limitLines(p)
	fmt.Fprintf(&b, "Target: `%s` · deployment: %s · limits: %s; %s\n\n", code(targetText(p)), deploymentText(p.Target.Deployment), ls[0], ls[1])
	if s.RemoveMembers+s.DeactivateUsers > 0 {
		fmt.Fprintf(&b, "> [!CAUTION]\n> **This plan removes access:** %d user(s) deactivated, %d team membership(s) removed.", s.DeactivateUsers, s.RemoveMembers)
		if p.Target.Deployment == model.SaaS && s.DeactivateUsers > 0 {
			b.WriteString(" On Multi-tenant Cloud a deactivation removes the user from the organization and cannot be undone through SCIM.")
		}
		b.WriteString(" Review the details below before approving.\n\n")
	}
	if p.IsBlocked() {
		b.WriteString("> [!WARNING]\n> **BLOCKED: a safety limit stops this plan; nothing will be applied.**\n")
		for _, bl := range p.Blocked {
			fmt.Fprintf(&b, "> - `%s`: %s\n", code(sanitize.Controls(string(bl.Limit))), html.EscapeString(sanitize.Controls(bl.Message)))
		}
		b.WriteString("\n")
	}

	users, teams := groups(p)
	var sections []mdSection
	for _, sec := range []struct {
		title string
		gs    []*group
	}{{"User changes", users}, {"Team changes", teams}} {
		if len(sec.gs) == 0 {
			continue
		}
		var lines []string
		n := 0
		for _, g := range sec.gs {
			lines = append(lines, string(g.sym)+" "+g.title)
			for _, l := range g.lines {
				lines = append(lines, string(l.sym)+"     "+l.text)
				n++
			}
		}
		sections = append(sections, mdSection{fmt.Sprintf("%s (%d)", sec.title, n), lines})
	}
	if len(p.Warnings) > 0 {
		lines := make([]string, 0, len(p.Warnings))
		for _, wr := range p.Warnings {
			lines = append(lines, "! "+warningText(wr))
		}
		sections = append(sections, mdSection{fmt.Sprintf("Warnings (%d)", len(p.Warnings)), lines})
	}
	writeSections(&b, sections, MarkdownLimit-b.Len())
	_, err := io.WriteString(w, b.String())
	return err
}

// mdSection is one collapsible details section of diff-highlighted lines.
type mdSection struct {
	title string
	lines []string
}

// cutNote is the longest note that ends a cut markdown view.
const cutNote = "\n**%d of %d detail lines were cut to keep this comment under %d characters.** Run `wbsync plan` (or `-o json`) for the full plan.\n"

// writeSections writes the sections within budget characters, cutting
// lines (and saying so) when they do not fit.
func writeSections(b *strings.Builder, secs []mdSection, budget int) {
	total := 0
	for _, s := range secs {
		total += len(s.lines)
	}
	// Reserve room for the cut note and each section's frame.
	room := budget - len(cutNote) - 40
	cut := 0
	for _, s := range secs {
		open := fmt.Sprintf("<details><summary>%s</summary>\n\n```diff\n", html.EscapeString(s.title))
		const closing = "```\n\n</details>\n\n"
		room -= len(open) + len(closing)
		b.WriteString(open)
		for i, l := range s.lines {
			l = code(l) + "\n"
			if cut > 0 || len(l) > room {
				cut += len(s.lines) - i
				break
			}
			b.WriteString(l)
			room -= len(l)
		}
		b.WriteString(closing)
	}
	if cut > 0 {
		fmt.Fprintf(b, cutNote, cut, total, MarkdownLimit)
	}
}

// code makes text safe inside a fenced block or inline code span.
func code(s string) string { return strings.ReplaceAll(s, "`", "'") }
