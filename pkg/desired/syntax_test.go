package desired

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
)

// usersWithBadIndent is a manifest of n users in which user bad's name is
// indented one space short, and the line that name is on.
func usersWithBadIndent(n, bad int) (string, int) {
	var b strings.Builder
	b.WriteString("version: 1\nusers:\n")
	line := 0
	for i := range n {
		fmt.Fprintf(&b, "  - email: u%d@example.com\n", i)
		indent := "    "
		if i == bad {
			indent = "   "
			line = 3 + 2*i + 1
		}
		fmt.Fprintf(&b, "%sname: %s\n", indent, strings.Repeat("x", 30))
	}
	return b.String(), line
}

// oneProblem parses data as the file name and returns its one problem.
func oneProblem(t *testing.T, name, data string) Problem {
	t.Helper()
	_, err := Parse([]Source{{Name: name, Data: []byte(data)}})
	var pe *ProblemsError
	if !errors.As(err, &pe) || len(pe.Problems) != 1 {
		t.Fatalf("want one problem, got %v", err)
	}
	return pe.Problems[0]
}

func TestSyntaxErrorAtItsLine(t *testing.T) {
	data, line := usersWithBadIndent(500, 400)
	p := oneProblem(t, "u.yaml", data)
	if p.Line != line || p.Column != 4 || !strings.Contains(p.Message, "starts at line 3") {
		t.Errorf("problem at %d:%d (%s), want %d:4, naming line 3", p.Line, p.Column, p.Message, line)
	}
}

func TestSyntaxErrorInALargeFileAtItsBlock(t *testing.T) {
	n := caps.ManifestErrorSearch / 40
	data, _ := usersWithBadIndent(n, n-2)
	if len(data) <= caps.ManifestErrorSearch {
		t.Fatalf("the file is %d bytes: not over the search cap", len(data))
	}
	p := oneProblem(t, "u.yaml", data)
	if p.Line != 3 || p.Column != 1 || strings.Contains(p.Message, "starts at") || !strings.Contains(p.Message, "somewhere in the list or mapping that starts here") {
		t.Errorf("problem at %d:%d (%s), want the list's start, 3:1, as the YAML library gives it, saying the error is within it", p.Line, p.Column, p.Message)
	}
	// An error placed at its own line (an undefined tag handle) is not
	// said to be in a list that starts there.
	data, _ = usersWithBadIndent(n, -1)
	data += "  - email: last@example.com\n    name: !e!foo bar\n"
	p = oneProblem(t, "u.yaml", data)
	if !strings.Contains(p.Message, "undefined tag handle") || strings.Contains(p.Message, "somewhere in the list") {
		t.Errorf("problem at %d:%d (%s), want the tag handle named, with no hint of a list", p.Line, p.Column, p.Message)
	}
}

// largeWith is a correct manifest too large to search for errors' lines,
// followed by tail, and the line of tail's second line.
func largeWith(tail string) (string, int) {
	n := caps.ManifestErrorSearch / 40
	data, _ := usersWithBadIndent(n, -1)
	return data + tail, strings.Count(data, "\n") + 2
}

// TestTabErrorInALargeFileAtTheTab: yaml.v3 names the line before the one
// a tab indents; in a file too large to search, the next line's leading
// tab is found without parsing.
func TestTabErrorInALargeFileAtTheTab(t *testing.T) {
	data, line := largeWith("  - email: last@example.com\n  \tname: B\n")
	p := oneProblem(t, "t.yaml", data)
	if p.Line != line || p.Column != 3 || !strings.Contains(p.Message, "tab character") {
		t.Errorf("problem at %d:%d (%s), want the tab at %d:3", p.Line, p.Column, p.Message, line)
	}
}

// TestErrorSearchBudget: past the load's budget of bytes parsed again, the
// files that follow are not searched, and their block errors say why; the
// first files' are found at their line.
func TestErrorSearchBudget(t *testing.T) {
	data, line := usersWithBadIndent(500, 400)
	defer func(b int64) { reparseBudget = b }(reparseBudget)
	reparseBudget = int64(3 * len(data)) // the first search, not the second
	_, err := Parse([]Source{{Name: "a.yaml", Data: []byte(data)}, {Name: "b.yaml", Data: []byte(data)}})
	var pe *ProblemsError
	if !errors.As(err, &pe) || len(pe.Problems) != 2 {
		t.Fatalf("want two problems, got %v", err)
	}
	a, b := pe.Problems[0], pe.Problems[1]
	if a.File != "a.yaml" || a.Line != line || b.File != "b.yaml" || b.Line != 3 ||
		!strings.Contains(b.Message, "somewhere in the list or mapping that starts here: the exact line is not searched for once the errors of earlier files had") {
		t.Errorf("problems %v, want a.yaml's at line %d and b.yaml's at its list (3), saying why", pe.Problems, line)
	}
}

// TestOddSpaceInALargeFileNamed: in a file too large to search, a
// no-break space near the error is named, by line and column, as what the
// error may be about (no parse confirms it).
func TestOddSpaceInALargeFileNamed(t *testing.T) {
	data, line := largeWith("  - email: last@example.com\n\u00a0\u00a0\u00a0\u00a0name: B\n  - email: more@example.com\n")
	p := oneProblem(t, "t.yaml", data)
	if want := fmt.Sprintf("(line %d, column 1 holds a no-break space (U+00A0), which looks like a space but is none to YAML: replace it with a plain space, if the error is about it)", line); !strings.Contains(p.Message, want) || p.Line == line {
		t.Errorf("problem at %d:%d (%s), want it to hold %q, and to stay where the error is", p.Line, p.Column, p.Message, want)
	}
	// One in a quoted value or a comment near an unrelated error is
	// content, not blamed.
	for _, tail := range []string{
		"  - email: last@example.com\n    name: \"Dept:\u00a0R\"\n    orgRole admin\n",
		"  - email: last@example.com  # owner:\u00a0ops\n    orgRole admin\n",
	} {
		data, _ := largeWith(tail)
		if p := oneProblem(t, "t.yaml", data); strings.Contains(p.Message, "no-break space") {
			t.Errorf("tail %q: %s blames the no-break space", tail, p.Message)
		}
	}
}

func TestTabErrorAtTheTab(t *testing.T) {
	data := "version: 1\nusers:\n  - email: a@example.com\n    name: A\n  - email: b@example.com\n  \tname: B\n"
	p := oneProblem(t, "t.yaml", data)
	if p.Line != 6 || p.Column != 3 || !strings.HasSuffix(p.Message, "(YAML indents with spaces only; replace the tab with spaces)") {
		t.Errorf("problem at %d:%d (%s), want the tab at 6:3, with the fix", p.Line, p.Column, p.Message)
	}
}

// TestTabOrReservedStartNamed: where yaml.v3 says only "found character
// that cannot start any token", the problem points at the character and
// names it: a tab that indents a line or follows "- ", or a plain value
// starting with @ or `, which YAML reserves.
func TestTabOrReservedStartNamed(t *testing.T) {
	for _, tc := range []struct {
		data      string
		line, col int
		says      string
	}{
		{"version: 1\nusers:\n\t- email: a@example.com\n", 3, 1, "a tab character"},
		{"version: 1\npolicy:\n\tunmanagedUsers: ignore\n", 3, 1, "a tab character"},
		{"version: 1\nusers:\n  -\temail: a@example.com\n", 3, 4, "a tab character"},
		{"version: 1\nusers:\n  - email: @example.com\n", 3, 12, "reserves '@'"},
		{"version: 1\nusers:\n  - email: a@example.com\n    name: `x`\n", 4, 11, "reserves '`'"},
		{"version: 1\npolicy:\n  protected: [a@example.com, @b.com]\n", 3, 30, "reserves '@'"},
		// An @ or a tab that is not the problem is not blamed: one inside
		// a quoted value, a tab inside a flow collection.
		{"version: 1\nusers: [{email: a@example.com, name: \"Jo, @home\"}, {email: @jo.com}]\n", 2, 60, "reserves '@'"},
		{"version: 1\nusers:\n  - {name: 'x: @y', email: @b.com}\n", 3, 28, "reserves '@'"},
		{"version: 1\npolicy:\n  protected: [\n\ta@example.com, @b.com]\n", 4, 17, "reserves '@'"},
	} {
		p := oneProblem(t, "t.yaml", tc.data)
		if p.Line != tc.line || p.Column != tc.col || !strings.Contains(p.Message, tc.says) {
			t.Errorf("%q: problem at %d:%d (%s), want %d:%d saying %q", tc.data, p.Line, p.Column, p.Message, tc.line, tc.col, tc.says)
		}
	}
}

// TestTabOnlyLine: a line holding only white space with a tab, which an
// editor takes for an empty line, is named as such.
func TestTabOnlyLine(t *testing.T) {
	data := "version: 1\nusers:\n  - email: a@example.com\n\t\n    name: Alice\n"
	p := oneProblem(t, "t.yaml", data)
	if p.Line != 4 || !strings.Contains(p.Message, "holds only white space with a tab") {
		t.Errorf("problem at %d:%d: %s", p.Line, p.Column, p.Message)
	}
	// A tab among a line's leading spaces before text is not such a line.
	p = oneProblem(t, "t.yaml", "version: 1\nusers:\n  - email: a@example.com\n  \tname: B\n")
	if strings.Contains(p.Message, "only white space") {
		t.Errorf("said of a line with text: %s", p.Message)
	}
}

// TestSyntaxErrorUnclosedQuote: a quoted string left open runs to the next
// quote, lines below, and breaks there; the error is shown where the open
// string is, not on that correct line.
func TestSyntaxErrorUnclosedQuote(t *testing.T) {
	data := "version: 1\nusers:\n  - email: a@example.com\n    name: \"Alice\n  - email: b@example.com\n    name: Bob\n" +
		"  - email: c@example.com\n    name: \"Dee Dee\"\n"
	p := oneProblem(t, "q.yaml", data)
	if p.Line != 4 || p.Column != 11 || !strings.Contains(p.Message, "YAML read on to line 8") {
		t.Errorf("problem at %d:%d (%s), want the open string's quote, 4:11, naming line 8", p.Line, p.Column, p.Message)
	}
}

// TestSyntaxErrorPositions: errors inside a flow that spans lines are
// shown on their line (not on the line the flow opens); a tab counts only
// among a line's leading spaces; an error at the end of the file is on its
// last line.
func TestSyntaxErrorPositions(t *testing.T) {
	for _, c := range []struct {
		data      string
		line, col int
	}{
		{"version: 1\nusers: [\n  {email: a@example.com},\n  {email: b@example.com}\n  {email: c@example.com},\n]\n", 4, 3},
		{"version: 1\nusers:\n  - email: a@example.com\n    name: @bob\t# handle\n", 4, 11}, // at the @, not the tab
		{"version: 1\nteams: [\n", 2, 1},
		{"version: [1", 1, 1},
		// A string never closed: at its opening quote, not at the end of
		// the file; an apostrophe in a plain value opens none.
		{"version: \"1\nusers:\n  - email: a@example.com\n", 1, 10},
		{"version: 1\nusers:\n  - email: a@example.com\n    name: O'Brien\n  - email: b@example.com\n    name: \"Bob\n", 6, 11},
		// Quotes inside earlier plain values and block scalars open none.
		{"version: 1\nusers:\n  - email: a@example.com\n    name: Ops - 'night shift\n  - email: b@example.com\n    name: \"Bob\n", 6, 11},
		{"version: 1\nusers:\n  - email: a@example.com\n    name: |\n      'tis the season\n  - email: b@example.com\n    name: \"Bob\n", 7, 11},
		// The column is the quote left open, not the line's first one.
		{"version: 1\nusers: [\n  {\"email\": \"a@example.com},\n  {\"email\": \"b@example.com\"}\n]\n", 3, 13},
		// In a flow mapping spanning lines, a prefix ending after an entry
		// fails with the same error at the mapping's start: the line the
		// library names is not taken for the error's own (the wrong
		// bracket is on line 8).
		{"version: 1\nusers:\n  - email: a@example.com\n  - email: b@example.com\nteams:\n" +
			"  - {name: research platform\n      team, membership: additive,\n      members: [a@example.com, b@example.com] ]\n", 8, 7},
	} {
		if p := oneProblem(t, "p.yaml", c.data); p.Line != c.line || p.Column != c.col {
			t.Errorf("%q: problem at %d:%d (%s), want %d:%d", c.data, p.Line, p.Column, p.Message, c.line, c.col)
		}
	}
}

// TestLongNamesInMessagesCut: a key or an alias name of a megabyte is
// quoted cut short, as values are, not whole.
func TestLongNamesInMessagesCut(t *testing.T) {
	long := strings.Repeat("A", 1<<20)
	for _, data := range []string{
		"version: 1\nusers: *" + long + "\n",
		"version: 1\nusers: [*" + long + "]\n",
		"version: 1\nusers: []\n? " + long + "\n: 1\n",
	} {
		p := oneProblem(t, "m.yaml", data)
		if len(p.Message) > 300 || !strings.Contains(p.Message, "AAA...") {
			t.Errorf("message of %d bytes: %.200s", len(p.Message), p.Message)
		}
	}
}

// TestYAML12Directive: yaml.v3 refuses a %YAML 1.2 directive; the message
// says to remove it.
func TestYAML12Directive(t *testing.T) {
	p := oneProblem(t, "y.yaml", "%YAML 1.2\n---\nversion: 1\nusers:\n  - email: a@example.com\n")
	if p.Line != 1 || !strings.Contains(p.Message, "remove the %YAML line") {
		t.Errorf("problem at %d:%d: %s", p.Line, p.Column, p.Message)
	}
}

// TestYAML12Escapes: yaml.v3 reads YAML 1.1's escapes; \/ and a surrogate
// pair (a JSON tool's emoji), which a YAML 1.2 editor takes, are refused
// with what to write instead, at their line.
func TestYAML12Escapes(t *testing.T) {
	for _, c := range []struct{ data, want string }{
		{"version: 1\nteams:\n  - name: \"R&D\\/ML\"\n", "write / alone"},
		{"version: 1\npolicy:\n  protected: [\"svc\\*\"]\n", "write the value in single quotes"},
		{"version: 1\nusers:\n  - email: a@example.com\n    name: \"\\ud83d\\ude00\"\n", "write the character itself, or one escape of 8 digits"},
	} {
		p := oneProblem(t, "e.yaml", c.data)
		if p.Line < 3 || !strings.Contains(p.Message, c.want) {
			t.Errorf("%q: problem at %d:%d: %s", c.data, p.Line, p.Column, p.Message)
		}
	}
}

// TestTaggedItemsRefused: a user, team or member mapping with a tag of its
// own (!foo, !!set: other tools read it as something else) is refused at
// the tag, as a tagged policy or list is.
func TestTaggedItemsRefused(t *testing.T) {
	for _, c := range []struct{ data, want string }{
		{"version: 1\nusers:\n  - !foo {email: a@example.com}\n", "3:5: user must be a mapping, got a mapping tagged !foo"},
		{"version: 1\nusers:\n  - !!set {email: a@example.com}\n", "3:5: user must be a mapping, got a mapping tagged !!set"},
		{"version: 1\nteams:\n  - !bar\n    name: t\n", "3:5: team must be a mapping, got a mapping tagged !bar"},
		{"version: 1\nusers:\n  - email: a@example.com\nteams:\n  - name: t\n    members:\n      - !baz {email: a@example.com, role: admin}\n",
			"7:9: member must be a mapping, got a mapping tagged !baz"},
	} {
		p := oneProblem(t, "m.yaml", c.data)
		if got := fmt.Sprintf("%d:%d: %s", p.Line, p.Column, p.Message); !strings.HasPrefix(got, c.want) {
			t.Errorf("%q: got %s, want %s", c.data, got, c.want)
		}
	}
	// Their own tag, written out, is no problem.
	if _, err := Parse([]Source{{Name: "m.yaml", Data: []byte("version: 1\nusers:\n  - !!map {email: a@example.com}\nteams:\n  - !!map\n    name: t\n    members:\n      - !!map {email: a@example.com}\n")}}); err != nil {
		t.Errorf("!!map: %v", err)
	}
}

// TestEmptyTrailingDocuments: a --- after the manifest that opens only
// comments or nothing (formatters and generators end files so) is skipped,
// as kubectl skips it; a second document holding anything, an explicit
// null included, is refused at that document.
func TestEmptyTrailingDocuments(t *testing.T) {
	const m = "version: 1\nusers:\n  - email: a@example.com\n"
	for _, tail := range []string{"---\n", "---", "---\n# nothing more\n", "---\n---\n", "...\n---\n", "---\n\n\n"} {
		st, err := Parse([]Source{{Name: "m.yaml", Data: []byte(m + tail)}})
		if err != nil || len(st.State.Users) != 1 {
			t.Errorf("%q: %v", tail, err)
		}
	}
	for _, c := range []struct {
		tail string
		line int
	}{{"--- ~\n", 4}, {"--- null\n", 4}, {"--- &a\n", 4}, {"--- !!null\n", 4}, {"---\n---\nversion: 1\n", 5}, {"--- ''\n", 4}, {"---\n- a\n", 4}} {
		p := oneProblem(t, "m.yaml", m+c.tail)
		if p.Line != c.line || !strings.Contains(p.Message, "a second YAML document is not allowed") {
			t.Errorf("%q: problem at %d:%d: %s, want line %d", c.tail, p.Line, p.Column, p.Message, c.line)
		}
	}
}

// TestOddSpaces: a no-break space or byte-order mark pasted where YAML
// wants a space (indentation, after a - or a colon) is named at its own
// place, not as a bare parser error on the next line; one that starts a
// line of the top level names the key it makes. A byte-order mark opening
// the file is not one.
func TestOddSpaces(t *testing.T) {
	const head = "version: 1\nusers:\n  - email: a@example.com\n"
	for _, c := range []struct {
		data      string
		line, col int
		want      string
	}{
		{head + "\u00a0   name: A\n  - email: b@example.com\n", 4, 1, "a no-break space (U+00A0) here looks like a space but is none to YAML"},
		{"version: 1\nusers:\n  -\u00a0email: a@example.com\n    name: A\n", 3, 4, "a no-break space (U+00A0) here"},
		{head + "    name:\u00a0A\n", 4, 10, "a no-break space (U+00A0) here"},
		{head + "   \u00a0name: A\n", 4, 4, "a no-break space (U+00A0) here"},
		{head + "    name: A\n\u00a0 - email: b@example.com\n", 5, 1, `unknown key "\u00a0 - email" at the top level (it starts with a no-break space (U+00A0)`},
		{head + "    name: A\n\ufeff  - email: b@example.com\n", 5, 1, "(it starts with a byte-order mark (U+FEFF)"},
		{head + "\u3000   name: A\n  - email: b@example.com\n", 4, 1, "a Unicode space (U+3000) here"},
		// Indentation pasted whole, or as &nbsp; &nbsp;: every one of
		// them, and the hint at the first.
		{head + "\u00a0\u00a0\u00a0\u00a0name: A\n  - email: b@example.com\n", 4, 1, "a no-break space (U+00A0) here"},
		{head + "\u00a0 \u00a0 name: A\n  - email: b@example.com\n", 4, 1, "a no-break space (U+00A0) here"},
		// A zero-width one added to a right indentation: deleted, as the
		// hint says, it parses.
		{head + "  \u200b  name: A\n  - email: b@example.com\n", 4, 3, "a zero-width space (U+200B) here looks like a space but is none to YAML: delete it"},
		// Two on a line: the one the line fails for, not the first (one
		// inside a quoted key is content; fixing one after "- " would
		// shift the mapping).
		{head + "    \"a:\u00a0b\":\u00a0c\n", 4, 12, "a no-break space (U+00A0) here"},
		{"version: 1\nusers:\n  - email: a@example.com\n    name: A\n  - \u00a0email:\u00a0b@example.com\n    name: B\n", 5, 12, "a no-break space (U+00A0) here"},
		// A line above holding many in a quoted value does not use up the
		// parses: the error's own line is tried first.
		{"version: 1\nusers:\n  - email: a@b.co\n    name: \"x:\u00a0a:\u00a0b:\u00a0c:\u00a0d:\u00a0e:\u00a0f:\u00a0g\"\n    \"role\":\u00a0member\n", 5, 12, "a no-break space (U+00A0) here"},
		{head + "    name: A\n\u200b  - email: b@example.com\n", 5, 1, "(it starts with a zero-width space (U+200B), which looks like a space but is none to YAML: delete it)"},
	} {
		p := oneProblem(t, "m.yaml", c.data)
		if p.Line != c.line || p.Column != c.col || !strings.Contains(p.Message, c.want) {
			t.Errorf("%q: %d:%d: %s\nwant %d:%d: ...%s", c.data, p.Line, p.Column, p.Message, c.line, c.col, c.want)
		}
	}
	// Not blamed when the error does not come from it: a file's own
	// byte-order mark, a no-break space in a comment or in a quoted value
	// near an error of another kind. Those are shown where they are
	// without one.
	for _, c := range []struct{ with, without string }{
		{"\ufeffversion: 1\n  users: []\n", "version: 1\n  users: []\n"},
		{"version: 1\nusers:\n  # owner:\u00a0platform\n  - email: a@example.com\n   name: A\n",
			"version: 1\nusers:\n  # owner: platform\n  - email: a@example.com\n   name: A\n"},
		{"version: 1\nusers:\n  - email: a@example.com\n    name: \"Ops:\u00a0EU\"\n   - email: b@example.com\n",
			"version: 1\nusers:\n  - email: a@example.com\n    name: \"Ops: EU\"\n   - email: b@example.com\n"},
		// In a plain value: a plain space there would be another error.
		{"version: 1\nusers:\n  - email: a@example.com\n    name: Ops:\u00a0EU\n   - email: b@example.com\n",
			"version: 1\nusers:\n  - email: a@example.com\n    name: OpsEU\n   - email: b@example.com\n"},
		// More candidates than parses allowed: no hint, rather than one
		// at a character inside the quoted key.
		{"version: 1\nusers:\n  - email: a@b.co\n    \"k:\u00a0a:\u00a0b:\u00a0c:\u00a0d:\u00a0e:\u00a0f:\u00a0g:\u00a0h\":\u00a0c\n",
			"version: 1\nusers:\n  - email: a@b.co\n    \"k:\u00a0a:\u00a0b:\u00a0c:\u00a0d:\u00a0e:\u00a0f:\u00a0g:\u00a0h\":\u00a0c\n"},
	} {
		p, q := oneProblem(t, "m.yaml", c.with), oneProblem(t, "m.yaml", c.without)
		if strings.Contains(p.Message, "looks like a space") || p.Line != q.Line || p.Column != q.Column {
			t.Errorf("%q: %d:%d: %s\nwant it as without the character: %d:%d: %s", c.with, p.Line, p.Column, p.Message, q.Line, q.Column, q.Message)
		}
	}
}

// TestTwoByteOrderMarks: a file that opens with two byte-order marks (a
// BOM-only file, as Notepad saves an empty one, concatenated with a BOM'd
// manifest) is refused: yaml.v3 reads every later line of such a stream
// without its first character, so a commented-out policy would take
// effect. UTF-16 that opens with its mark and two U+FEFF is the same
// stream once decoded. A single mark (in UTF-16: its own, and one more)
// is read as before.
func TestTwoByteOrderMarks(t *testing.T) {
	body := "version: 1\n#policy:\n#  unmanagedUsers: deactivate\nusers:\n  - email: a@example.com\n"
	utf16 := func(s string) string {
		b := []byte{0xFF, 0xFE}
		for _, r := range s {
			b = append(b, byte(r), byte(r>>8))
		}
		return string(b)
	}
	for _, data := range []string{"\ufeff\ufeff" + body, "\ufeff\ufeff\ufeff" + body, utf16("\ufeff\ufeff" + body)} {
		p := oneProblem(t, "m.yaml", data)
		if p.Line != 1 || p.Column != 1 || !strings.Contains(p.Message, "starts with two byte-order marks") {
			t.Errorf("%q: %d:%d: %s, want the two marks refused at 1:1", data[:12], p.Line, p.Column, p.Message)
		}
	}
	for _, data := range []string{"\ufeff" + body, utf16(body), utf16("\ufeff" + body)} {
		m, err := Parse([]Source{{Name: "m.yaml", Data: []byte(data)}})
		if err != nil || m.Policy.UnmanagedUsers == model.UnmanagedDeactivate || len(m.State.Users) != 1 {
			t.Errorf("%q: %v, policy %+v: want one user and the commented policy ignored", data[:6], err, m.Policy)
		}
	}
}

// TestEmptyLeadingDocuments: empty documents before the manifest (helm
// template writes "---" and a "# Source:" comment for a template that
// renders nothing) are skipped, and the manifest's problems keep their
// lines; a file of empty documents alone is an empty file, and a value
// before the manifest is still a second document.
func TestEmptyLeadingDocuments(t *testing.T) {
	const m = "version: 1\nusers:\n  - email: a@example.com\n"
	for _, head := range []string{"---\n", "---\n# Source: chart/empty.yaml\n---\n", "---\n---\n", "# a comment\n---\n"} {
		st, err := Parse([]Source{{Name: "m.yaml", Data: []byte(head + m)}})
		if err != nil || len(st.State.Users) != 1 {
			t.Errorf("%q: %v", head, err)
		}
		line := strings.Count(head, "\n") + 3
		if p := oneProblem(t, "m.yaml", head+m+"    nam: A\n"); p.Line != line+1 || !strings.Contains(p.Message, `unknown key "nam"`) {
			t.Errorf("%q: problem %d:%d: %s, want line %d", head, p.Line, p.Column, p.Message, line+1)
		}
	}
	for _, data := range []string{"---\n", "---\n---\n# only comments\n"} {
		if p := oneProblem(t, "m.yaml", data); !strings.Contains(p.Message, "empty file") {
			t.Errorf("%q: %s, want an empty file", data, p.Message)
		}
	}
	if _, err := Parse([]Source{{Name: "m.yaml", Data: []byte("--- ~\n---\n" + m)}}); err == nil || !strings.Contains(err.Error(), "a second YAML document is not allowed") {
		t.Errorf("a null document before the manifest: %v", err)
	}
}
