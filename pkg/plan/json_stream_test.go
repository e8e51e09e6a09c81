package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
)

// wholeJSON is the plan as encoding/json encodes it in one piece: what
// WriteJSON's streamed output must equal byte for byte.
func wholeJSON(t *testing.T, p Plan) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p.Normalized()); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// pieces records each Write.
type pieces struct{ got []string }

func (p *pieces) Write(b []byte) (int, error) {
	p.got = append(p.got, string(b))
	return len(b), nil
}

// TestWriteJSONStreamsTheSameBytes: the streamed plan is byte for byte the
// one-piece encoding, whatever its lists hold (none, one, many; strings
// that look like the list keys, HTML, quotes, controls and non-ASCII), and
// no write cuts an element.
func TestWriteJSONStreamsTheSameBytes(t *testing.T) {
	tricky := "a \"changes\": [] <b>&\n\x1b\u2028 é"
	many := func(n int) Plan {
		p := Plan{FormatVersion: FormatVersion, Target: Target{URL: "https://x/scim"}}
		for i := range n {
			p.Changes = append(p.Changes, Change{Action: AddMember, Team: fmt.Sprintf("t%d", i%7), User: fmt.Sprintf("u%06d@x.io", i), Reason: tricky})
		}
		for i := range n / 3 {
			p.Warnings = append(p.Warnings, Warning{Code: WarnUnmanagedUser, User: fmt.Sprintf("w%d", i), Message: "\n  \"warnings\": []" + tricky, IDs: []string{"a", "b"}})
		}
		p.Blocked = []Block{{Limit: "maxDeactivations", Message: tricky}}
		p.Summary = Summarize(p.Changes)
		return p
	}
	for _, p := range []Plan{{}, many(1), many(3), many(5000)} {
		want := wholeJSON(t, p)
		var w pieces
		if err := p.WriteJSON(&w); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(w.got, ""); got != want {
			t.Fatalf("%d changes: streamed JSON differs from the one-piece encoding:\n%s\nwant\n%s", len(p.Changes), got, want)
		}
		for _, piece := range w.got[:len(w.got)-1] {
			if !strings.HasSuffix(piece, "}") && !strings.HasSuffix(piece, "},") && !strings.HasSuffix(piece, "[") && !strings.HasSuffix(piece, "}\n  ") {
				t.Fatalf("a write ends inside an element: ...%q", piece[max(0, len(piece)-40):])
			}
		}
		if len(p.Changes) == 5000 && len(w.got) < 5 {
			t.Errorf("%d writes for 5000 changes: not streamed", len(w.got))
		}
	}
}

// TestWriteJSONWriteError: a writer's error is returned.
func TestWriteJSONWriteError(t *testing.T) {
	p := Plan{Changes: make([]Change, 3000)}
	for i := range p.Changes {
		p.Changes[i] = Change{Action: CreateUser, User: strings.Repeat("x", 50)}
	}
	if err := p.WriteJSON(failWriter{}); !errors.Is(err, errFull) {
		t.Fatalf("err = %v", err)
	}
}

var errFull = errors.New("disk full")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errFull }

// TestWriteFileStreamsTheSameBytes: the saved plan, whose manifest's
// users and teams are streamed as the changes are, is byte for byte the
// one-piece encoding of the whole file, whatever the lists hold (none,
// one, many; names that look like the keys of the lists and objects it
// finds), and no write cuts an element.
func TestWriteFileStreamsTheSameBytes(t *testing.T) {
	tricky := "\n      \"users\": [] \n    \"state\": { \n  \"desired\": { <b>&\x1b\u2028 é"
	file := func(n int) (Plan, Desired) {
		p := Plan{FormatVersion: FormatVersion, Target: Target{URL: "https://x/scim", Deployment: model.SaaS}}
		d := Desired{Policy: model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}, Files: []string{tricky}}
		for i := range n {
			e := fmt.Sprintf("u%06d@x.io", i)
			p.Changes = append(p.Changes, Change{Action: CreateUser, User: e, Reason: tricky})
			d.State.Users = append(d.State.Users, model.User{UserName: e, Email: e, DisplayName: tricky, Active: i%3 > 0})
		}
		for i := range n / 3 {
			p.Warnings = append(p.Warnings, Warning{Code: WarnUnmanagedUser, User: fmt.Sprintf("w%d", i), Message: tricky})
			d.State.Teams = append(d.State.Teams, model.Team{Name: tricky + fmt.Sprint(i), Members: []model.Member{{Email: fmt.Sprintf("u%06d@x.io", i), Role: model.RoleAdmin}}})
		}
		p.Summary = Summarize(p.Changes)
		return p, d
	}
	for _, n := range []int{0, 1, 3, 4000} {
		p, d := file(n)
		var whole bytes.Buffer
		enc := json.NewEncoder(&whole)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		wd := d
		if wd.State.Users == nil {
			wd.State.Users = []model.User{}
		}
		if wd.State.Teams == nil {
			wd.State.Teams = []model.Team{}
		}
		if err := enc.Encode(File{Plan: p.Normalized(), Desired: &wd, WrittenBy: "v9"}); err != nil {
			t.Fatal(err)
		}
		var w pieces
		if err := WriteFile(&w, p, d, "v9"); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(w.got, ""); got != whole.String() {
			t.Fatalf("%d users: streamed saved plan differs from the one-piece encoding:\n%s\nwant\n%s", n, got, whole.String())
		}
		between := regexp.MustCompile(`(\}|\},|\[|\{|\n *)$`) // after an element, an opening, or the whitespace before a closing
		for _, piece := range w.got[:len(w.got)-1] {
			if !between.MatchString(piece) {
				t.Fatalf("a write ends inside an element: ...%q", piece[max(0, len(piece)-40):])
			}
		}
		if n == 4000 && len(w.got) < 5 {
			t.Errorf("%d writes for %d users: not streamed", len(w.got), n)
		}
	}
}
