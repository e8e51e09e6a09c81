package plan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// nestedDoc has the same key at several places: an object b inside a,
// and a list l both inside a.b and inside b, and a list l nested inside
// an earlier sibling of the top-level l.
type nestedDoc struct {
	A struct {
		B struct {
			L []string `json:"l"`
		} `json:"b"`
		X struct {
			L []string `json:"l"`
		} `json:"x"`
	} `json:"a"`
	B struct {
		X struct {
			L []string `json:"l"`
		} `json:"x"`
	} `json:"b"`
	L []string `json:"l"`
}

func emptyNested() nestedDoc {
	var d nestedDoc
	d.A.B.L, d.A.X.L, d.B.X.L, d.L = []string{}, []string{}, []string{}, []string{}
	return d
}

// TestStreamJSONFillsTheListAtItsPath: a list is filled at its own path,
// never at an earlier list or object of the same key at another depth or
// in another object; the bytes are the one-piece encoding's.
func TestStreamJSONFillsTheListAtItsPath(t *testing.T) {
	for _, tc := range []struct {
		name string
		list JSONList
		fill func(*nestedDoc)
	}{
		{"b.x.l after a.x.l", ListAt([]string{"v"}, "b", "x", "l"), func(d *nestedDoc) { d.B.X.L = []string{"v"} }},
		{"top-level l after nested ones", ListOf("l", []string{"v"}), func(d *nestedDoc) { d.L = []string{"v"} }},
		{"top-level b, not a.b", ListAt([]string{"v"}, "a", "x", "l"), func(d *nestedDoc) { d.A.X.L = []string{"v"} }},
	} {
		whole := emptyNested()
		tc.fill(&whole)
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(whole); err != nil {
			t.Fatal(err)
		}
		var got strings.Builder
		if err := StreamJSON(&got, emptyNested(), tc.list); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got.String() != want.String() {
			t.Errorf("%s: streamed\n%s\nwant\n%s", tc.name, got.String(), want.String())
		}
	}
	// An object b at depth 2 (a.b) is not the top-level b.
	var got strings.Builder
	if err := StreamJSON(&got, emptyNested(), ListAt([]string{"v"}, "b", "x", "l")); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got.String(), "\"b\": {\n      \"l\": [\n") {
		t.Errorf("filled a.b.l:\n%s", got.String())
	}
}

// TestDesiredInputsPreferSources: apply reads the -f arguments as given
// (sources) when the file records them, else the files loaded.
func TestDesiredInputsPreferSources(t *testing.T) {
	d := Desired{Files: []string{"m/a.yaml", "m/b.yaml"}, Sources: []string{"m"}}
	if got := d.Inputs(); len(got) != 1 || got[0] != "m" {
		t.Errorf("Inputs() = %v, want [m]", got)
	}
	d.Sources = nil
	if got := d.Inputs(); len(got) != 2 || got[0] != "m/a.yaml" {
		t.Errorf("no sources: Inputs() = %v, want the files", got)
	}
}
