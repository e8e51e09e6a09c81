package desired

import (
	"bytes"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/wbsync/wbsync/pkg/caps"
)

// flood is a manifest whose users list holds n integers: n problems.
func flood(n int) []byte {
	var b bytes.Buffer
	b.WriteString("version: 1\nusers: [")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("1")
	}
	b.WriteString("]\n")
	return b.Bytes()
}

func parseProblems(t *testing.T, srcs ...Source) *ProblemsError {
	t.Helper()
	_, err := Parse(srcs)
	var pe *ProblemsError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want a *ProblemsError", err)
	}
	return pe
}

// TestProblemCap: 5,000 problems print as the first caps.Problems and one
// line counting the rest.
func TestProblemCap(t *testing.T) {
	pe := parseProblems(t, Source{"flood.yaml", flood(5000)})
	if len(pe.Problems) != caps.Problems || pe.Total != 5000 || pe.More() != 4900 {
		t.Fatalf("kept %d, total %d, more %d", len(pe.Problems), pe.Total, pe.More())
	}
	lines := strings.Split(pe.Error(), "\n")
	if len(lines) != caps.Problems+1 || lines[len(lines)-1] != "... and 4900 more problem(s)" {
		t.Errorf("%d lines, last %q", len(lines), lines[len(lines)-1])
	}
	if pe.MoreLine() != "... and 4900 more problem(s)" {
		t.Errorf("MoreLine() = %q", pe.MoreLine())
	}
	var probs Problems
	if !errors.As(error(pe), &probs) || len(probs) != caps.Problems {
		t.Errorf("errors.As(Problems) found %d", len(probs))
	}
	golden(t, filepath.Join("testdata", "generated", "problem-cap.want"), []byte(pe.Error()+"\n"))
}

// TestProblemCapKeepsTheFirstByPosition: the problems kept are the first
// by file, line and column, whatever order they were found in (here the
// undeclared members are found after the whole manifest is read, and the
// files' problems are interleaved with them).
func TestProblemCapKeepsTheFirstByPosition(t *testing.T) {
	old := maxProblems
	maxProblems = 3
	defer func() { maxProblems = old }()
	a := "teams:\n  - name: t\n    members: [a@x.io, b@x.io, c@x.io, d@x.io]\n"
	b := "version: 1\nusers: [1, 2]\n"
	pe := parseProblems(t, Source{"a.yaml", []byte(a)}, Source{"b.yaml", []byte(b)})
	want := "a.yaml:3:15: member a@x.io is not declared under users\n" +
		"a.yaml:3:23: member b@x.io is not declared under users\n" +
		"a.yaml:3:31: member c@x.io is not declared under users\n" +
		"... and 3 more problem(s)"
	if got := pe.Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestProblemsUncut(t *testing.T) {
	pe := parseProblems(t, Source{"f.yaml", flood(3)})
	if pe.More() != 0 || pe.MoreLine() != "" || strings.Contains(pe.Error(), "more problem") {
		t.Errorf("%+v", pe)
	}
}

// TestProblemFloodIsBounded: however many problems, Parse allocates little
// beyond the YAML node tree itself (no message is built for a problem that
// is not kept).
func TestProblemFloodIsBounded(t *testing.T) {
	data := flood(50_000)
	allocs := func(f func()) uint64 {
		var a, b runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&a)
		f()
		runtime.ReadMemStats(&b)
		return b.TotalAlloc - a.TotalAlloc
	}
	floor := allocs(func() {
		var n yaml.Node
		_ = yaml.Unmarshal(data, &n)
	})
	var pe *ProblemsError
	parse := allocs(func() {
		_, err := Parse([]Source{{"flood.yaml", data}})
		errors.As(err, &pe)
	})
	if pe == nil || pe.Total != 50_000 || len(pe.Problems) != caps.Problems {
		t.Fatalf("got %+v", pe)
	}
	if limit := floor + floor/5 + 1<<20; parse > limit {
		t.Errorf("Parse allocated %d bytes for 50,000 problems, more than %d (the YAML node tree takes %d)", parse, limit, floor)
	}
}

// TestSizeCap: a source over caps.ManifestFile is refused at FILE:1:1
// before it is parsed; the other sources are still checked.
func TestSizeCap(t *testing.T) {
	big := make([]byte, caps.ManifestFile+1) // NUL bytes: never valid YAML, so a parse would say so
	pe := parseProblems(t, Source{"big.yaml", big}, Source{"small.yaml", []byte("version: 1\nusers: [{email: bad}]\n")})
	golden(t, filepath.Join("testdata", "generated", "size-cap.want"), []byte(pe.Error()+"\n"))
	if pe.Total != 2 {
		t.Errorf("%d problems", pe.Total)
	}
	if _, err := Parse([]Source{{"ok.yaml", append([]byte("version: 1\n"), bytes.Repeat([]byte(" "), 1000)...)}}); err != nil {
		t.Error(err)
	}
}

// TestIndicatorCap: a file whose indicators could make more YAML values
// than caps.ManifestIndicators allows is refused at FILE:1:1 before it is
// parsed (its tree would take gigabytes), whatever its size in bytes.
func TestIndicatorCap(t *testing.T) {
	data := flood(caps.ManifestIndicators) // the indicators of version: and users: make one more
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	pe := parseProblems(t, Source{"flood.yaml", data})
	runtime.ReadMemStats(&after)
	if pe.Total != 1 || pe.Problems[0].Line != 1 || pe.Problems[0].Column != 1 || !strings.Contains(pe.Problems[0].Message, "split it into several files") {
		t.Fatalf("got %v", pe)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("refusing a %d-byte file allocated %d bytes: it was parsed", len(data), alloc)
	}
	if got := indicators([]byte("a: [b, c]\n- {d: e}\n? f\n")); got != 7 {
		t.Errorf("indicators = %d, want 7", got)
	}
	// A - or : inside a word starts nothing: hyphenated names, times.
	if got := indicators([]byte("- email: jean-luc@acme-corp.com\n  name: Jean-Luc 10:30\n  id: 9f1c-4e2a\n- x:\n-")); got != 7 {
		t.Errorf("indicators = %d, want 7", got)
	}
	// JSON's "k":"" separates with a : after a quote: each entry of
	// {"a":"","b":''} is a key and a value, two indicators, not one ({ ,
	// , , [ and four such :, not the one in "10:30").
	if got := indicators([]byte(`{"a":"","b":'',[x]:y,"t":"10:30"}`)); got != 9 {
		t.Errorf("indicators = %d, want 9", got)
	}
}

// BenchmarkProblemFlood parses a 6 MB manifest of three million problems.
func BenchmarkProblemFlood(b *testing.B) {
	data := flood(3_000_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse([]Source{{"flood.yaml", data}}); err == nil {
			b.Fatal("no problems")
		}
	}
}

// TestInComment: a stray line break in a comment is told to be deleted,
// one in a value to be escaped; a # inside quotes or a word starts no
// comment.
func TestInComment(t *testing.T) {
	for _, c := range []struct {
		line string
		want bool
	}{
		{"# note X", true}, {"a: b # note X", true}, {"a: b\t# X", true},
		{`a: "b # c X"`, false}, {`a: 'it''s # X'`, false}, {"a: b#c X", false}, {`a: "q\" # X"`, false},
		{`a: "q" # X`, true},
	} {
		data := []byte("version: 1\n" + c.line + "\n")
		if got := inComment(data, bytes.IndexByte(data, 'X')); got != c.want {
			t.Errorf("inComment(%q) = %t, want %t", c.line, got, c.want)
		}
	}
}

// TestTeamNameProblem: what a manifest team name may not hold: a control
// character or noncharacter anywhere, a character that draws nothing at
// either end (a variation selector after a letter among them; after an
// emoji it selects its glyph).
func TestTeamNameProblem(t *testing.T) {
	for name, bad := range map[string]bool{
		"ml-research": false, "love ❤\ufe0f": false, "葛\U000E0100": false, "a\u200bb": false, "t\u202eeam": false, "alerts‼\ufe0f": false, "info ℹ\ufe0f": false,
		"ml-research\u200b": true, "ml-research\ufe0f": true, "café\ufe0f": true, "\ufe0fml": true, "a\x00b": true,
		"a\nb": true, "x\U0001FFFE": true, "\U000E0001x": true, "x\U000E007F": true,
		// A subdivision flag: the black flag, tags, the cancel tag.
		"Scotland 🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F": false,
		"x\U000E0067\U000E007F": true, "🏴\U000E007F": true, "🏴\U000E0067": true,
		"\U000E007Fml🏴\U000E0067\U000E007F": true, // a cancel tag first is no flag's
	} {
		if got := TeamNameProblem(name) != ""; got != bad {
			t.Errorf("TeamNameProblem(%+q) = %q, want a problem: %t", name, TeamNameProblem(name), bad)
		}
	}
}
