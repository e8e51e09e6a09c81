package apply

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/plan"
)

// pieces records each write.
type pieces struct{ got []string }

func (p *pieces) Write(b []byte) (int, error) { p.got = append(p.got, string(b)); return len(b), nil }

// TestReportJSONStreamsTheSameBytes: the report, whose operations may
// number a million, is written in pieces, and its bytes are those of
// encoding/json's indented encoding of the whole report (HTML characters
// left as they are), for no operations, a few, and many, with a
// verification beside them.
func TestReportJSONStreamsTheSameBytes(t *testing.T) {
	tricky := "R&D \"operations\": [] <b>\n\x1b\u2028 é"
	for _, n := range []int{0, 1, 2, 3, 5000} {
		// The verification's changes too: none, one, many; none at all
		// (no verification), and a read that failed.
		rep := &Report{Verification: &Verification{}}
		switch n {
		case 1:
			rep.Verification = nil
		case 2:
			rep.Verification.Error = "read failed " + tricky
		}
		for i := range n {
			rep.Results = append(rep.Results, Result{Action: plan.AddMember, User: fmt.Sprintf("u%06d@x.io", i), Team: tricky, Status: StatusOK})
			if rep.Verification != nil && i%2 == 0 {
				rep.Verification.Changes = append(rep.Verification.Changes, plan.Change{Action: plan.AddMember, User: fmt.Sprintf("v%06d@x.io", i), Team: tricky})
			}
		}
		rep.count()
		var want strings.Builder
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep.jsonDoc()); err != nil {
			t.Fatal(err)
		}
		var w pieces
		if err := rep.WriteJSON(&w); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(w.got, ""); got != want.String() {
			t.Fatalf("%d operations: streamed report differs from the one-piece encoding:\n%s\nwant\n%s", n, got, want.String())
		}
		if n == 5000 && len(w.got) < 5 {
			t.Errorf("%d writes for 5000 operations: not streamed", len(w.got))
		}
		if n == 5000 && len(w.got[len(w.got)-1]) > 128<<10 { // a chunk is about 64 KiB
			t.Errorf("the last write is %d bytes: the verification's changes were not streamed", len(w.got[len(w.got)-1]))
		}
	}
}
