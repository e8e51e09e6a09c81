package views

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/plan"
)

// TestMarkdownQuotedNamesPricedAsListed: a bundle lists a name holding ", " (or
// " (team ", or starting with a quote) quoted (listed), but the layout
// prices it unquoted: names like that make the comment pass caps.Markdown.
func TestMarkdownQuotedNamesPricedAsListed(t *testing.T) {
	quotedNamesWithinCap(t, "x, u%04d@example.com")
}

// TestMarkdownQuotedBackslashesPricedAsListed: sanitize.Name writes a backslash \\ and
// strconv.Quote doubles it again: priced at 2, listed at 4.
func TestMarkdownQuotedBackslashesPricedAsListed(t *testing.T) {
	quotedNamesWithinCap(t, "x, "+strings.Repeat(`\\`, 25)+"u%04d@e.com")
}

func quotedNamesWithinCap(t *testing.T, format string) {
	worst, worstN := 0, 0
	for n := 100; n <= 4000; n += 50 {
		var p plan.Plan
		for i := 0; i < n; i++ {
			p.Changes = append(p.Changes, plan.Change{Action: plan.RemoveMember, Team: "big", TeamID: "g1",
				User: fmt.Sprintf(format, i), UserID: fmt.Sprintf("id%d", i), Reason: "not listed in this authoritative team"})
		}
		var b bytes.Buffer
		overruns := capOverruns.Load()
		if err := WriteMarkdown(&b, p); err != nil {
			t.Fatal(err)
		}
		if capOverruns.Load() != overruns {
			t.Fatalf("%d removals: the first layout passed the cap (names priced short)", n)
		}
		if w := width(b.String()); w > worst {
			worst, worstN = w, n
		}
	}
	if worst > caps.Markdown {
		t.Errorf("%d removals of names holding \", \": markdown is %d characters, want at most %d", worstN, worst, caps.Markdown)
	}
}
