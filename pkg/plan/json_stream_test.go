package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
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
