package apply

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/url"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// TestReportStreamRedactsAsWhole: the report written as --report writes
// it (streamed, through the escaping writer and the redactor's writer)
// is byte for byte the whole report's encoding escaped and redacted at
// once, for reports carrying the key in many forms, cut anywhere: no
// piece boundary lets a fragment of the key through, and the JSON stays
// valid.
func TestReportStreamRedactsAsWhole(t *testing.T) {
	key := "x9f27c4e1b83d6a0Qz"
	forms := []string{key, key[:9], key[3:], url.QueryEscape(key), strings.ToUpper(key), "\\\\" + key, "%25" + key[:10]}
	rng := rand.New(rand.NewSource(1))
	for trial := 0; trial < 40; trial++ {
		rep := &Report{}
		n := 200 + rng.Intn(3000)
		for i := range n {
			pad := strings.Repeat("a", rng.Intn(300))
			f := forms[rng.Intn(len(forms))]
			rep.Results = append(rep.Results, Result{Action: plan.AddMember, User: fmt.Sprintf("u%d@x.io", i), Team: "t" + f[:rng.Intn(len(f))],
				Status: StatusFailed, Error: pad + f + pad[:len(pad)/2], Detail: f + "\u2028" + pad})
		}
		rep.count()
		var whole bytes.Buffer
		enc := json.NewEncoder(sanitize.JSONWriter(&whole))
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep.jsonDoc()); err != nil {
			t.Fatal(err)
		}
		red := sanitize.NewRedactor(key)
		want := red.Bytes(whole.Bytes())
		var got bytes.Buffer
		rw := red.Writer(&got)
		if err := rep.WriteJSON(sanitize.JSONWriter(rw)); err != nil {
			t.Fatal(err)
		}
		if err := rw.Flush(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			i := 0
			for i < min(got.Len(), len(want)) && got.Bytes()[i] == want[i] {
				i++
			}
			t.Fatalf("trial %d: streamed+redacted differs at %d:\n got %q\nwant %q", trial, i, got.Bytes()[max(i-80, 0):min(i+80, got.Len())], want[max(i-80, 0):min(i+80, len(want))])
		}
		if !json.Valid(got.Bytes()) {
			t.Fatalf("trial %d: invalid JSON", trial)
		}
	}
}
