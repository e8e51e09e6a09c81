package diff

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/views"
)

var (
	update     = flag.Bool("update", false, "rewrite the golden outputs (plan.txt, plan.json, plan.md) in testdata")
	regenLarge = flag.Bool("regen-large", false, "also generate the inputs of testdata/"+largeCase+" again (with -update)")
)

// wantFile is testdata/<case>/want.json: the manifest side of a scenario.
type wantFile struct {
	State      model.State      `json:"state"`
	Policy     model.Policy     `json:"policy"`
	Deployment model.Deployment `json:"deployment"`
	URL        string           `json:"url,omitempty"`
	// Now and CustomRolesUnchecked are the Options a CLI would pass.
	Now                  time.Time `json:"now,omitzero"`
	CustomRolesUnchecked bool      `json:"customRolesUnchecked,omitempty"`
}

func (w wantFile) options() Options {
	return Options{Deployment: w.Deployment, Now: w.Now, CustomRolesUnchecked: w.CustomRolesUnchecked}
}

// largeCase's inputs were generated from a fixed seed. They are fixtures
// now: the generator serves the property tests too and changes with them,
// so -update rewrites only the outputs, and -regen-large (with -update)
// generates the inputs again, a change to review like any other.
const largeCase = "large-mixed"

func writeJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func genLarge(t *testing.T, dir string) {
	g := generate(rand.New(rand.NewSource(7)), genOptions{users: 60, teams: 8, membersPerTeam: 9, limits: true})
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeJSONFile(t, filepath.Join(dir, "want.json"), wantFile{State: g.want, Policy: g.policy, Deployment: g.dep,
		Now: g.opts.Now, CustomRolesUnchecked: g.opts.CustomRolesUnchecked})
	writeJSONFile(t, filepath.Join(dir, "observed.json"), g.have)
}

// loadCase reads a scenario and computes its plan, with the digests and
// target a CLI would set (digests are hashes of the input files).
func loadCase(t *testing.T, dir string) (wantFile, model.State, plan.Plan) {
	t.Helper()
	wb, err := os.ReadFile(filepath.Join(dir, "want.json"))
	if err != nil {
		t.Fatal(err)
	}
	ob, err := os.ReadFile(filepath.Join(dir, "observed.json"))
	if err != nil {
		t.Fatal(err)
	}
	var w wantFile
	var have model.State
	for _, x := range []struct {
		b []byte
		v any
	}{{wb, &w}, {ob, &have}} {
		dec := json.NewDecoder(bytes.NewReader(x.b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(x.v); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
	}
	p := Compute(w.State, have, w.Policy, w.options())
	p.ManifestDigest, p.ObservedFingerprint = digest(wb), digest(ob)
	p.Target = plan.Target{URL: w.URL, Deployment: w.Deployment}
	if p.Target.URL == "" {
		p.Target.URL = "https://wandb.example.com/scim"
	}
	return w, have, p
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// render renders the three views of a plan.
func render(t *testing.T, p plan.Plan) map[string][]byte {
	t.Helper()
	var txt, js, md bytes.Buffer
	if err := views.WriteText(&txt, p, views.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := views.WriteMarkdown(&md, p); err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{"plan.txt": txt.Bytes(), "plan.json": js.Bytes(), "plan.md": md.Bytes()}
}

func TestGolden(t *testing.T) {
	if *regenLarge && !*update {
		t.Fatal("-regen-large generates the large case's inputs again only with -update, which rewrites the outputs to match")
	}
	if *update && *regenLarge {
		genLarge(t, filepath.Join("testdata", largeCase))
	}
	dirs, err := filepath.Glob(filepath.Join("testdata", "*", "want.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 12 {
		t.Fatalf("only %d golden scenarios", len(dirs))
	}
	for _, wf := range dirs {
		dir := filepath.Dir(wf)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			w, have, p := loadCase(t, dir)
			got := render(t, p)
			for name, b := range got {
				path := filepath.Join(dir, name)
				if *update {
					if err := os.WriteFile(path, b, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./pkg/diff -update)", err)
				}
				if !bytes.Equal(want, b) {
					t.Errorf("%s differs from the golden file (run go test ./pkg/diff -update and review the diff):\n%s", path, firstDiff(string(want), string(b)))
				}
			}
			// The last text line is the summary; JSON round-trips to the plan.
			lines := strings.Split(strings.TrimSuffix(string(got["plan.txt"]), "\n"), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "No changes.") && !strings.HasPrefix(last, "Plan: ") {
				t.Errorf("last text line %q", last)
			}
			var back plan.Plan
			if err := json.Unmarshal(got["plan.json"], &back); err != nil || !plan.Equal(back, p) {
				t.Errorf("plan.json does not round-trip: %v", err)
			}
			// Shuffled inputs give byte-identical views.
			r := rand.New(rand.NewSource(int64(len(dir))))
			for i := 0; i < 3; i++ {
				sp := Compute(shuffled(w.State, r.Shuffle), shuffled(have, r.Shuffle), w.Policy, w.options())
				sp.ManifestDigest, sp.ObservedFingerprint, sp.Target = p.ManifestDigest, p.ObservedFingerprint, p.Target
				for name, b := range render(t, sp) {
					if !bytes.Equal(b, got[name]) {
						t.Fatalf("%s: shuffled inputs changed the output:\n%s", name, firstDiff(string(got[name]), string(b)))
					}
				}
			}
		})
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + x + "\n  got:  " + y
		}
	}
	return "(no line differs)"
}
