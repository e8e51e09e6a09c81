package plan

import (
	"bytes"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Saved-plan format checks and writer contracts no other test pins.

// isSHA256: a digest of the right length with a letter past 'f' is not one
// wbsync writes (file.go: `c > 'f'`).
func TestReadFileRefusesNonHexDigestOfRightLength(t *testing.T) {
	good, _ := savedFile(t)
	re := regexp.MustCompile(`"(manifest_digest|observed_fingerprint)": "sha256:([0-9a-f]{2})`)
	for _, field := range []string{"manifest_digest", "observed_fingerprint"} {
		n := 0
		bad := re.ReplaceAllFunc(good, func(m []byte) []byte {
			if !bytes.Contains(m, []byte(field)) {
				return m
			}
			n++
			return append(m[:len(m)-2:len(m)-2], "gz"...)
		})
		if n != 1 {
			t.Fatalf("%s: %d matches", field, n)
		}
		_, err := ReadFile(bytes.NewReader(bad))
		if !errors.Is(err, ErrNotSavedPlan) || !strings.Contains(err.Error(), field+" is not a sha256:HEX digest") {
			t.Errorf("%s with 'gz': err = %v", field, err)
		}
	}
}

// json.go streamList: a head whose list is not empty is refused, not
// written with the streamed elements spliced in before its own.
func TestStreamJSONRefusesNonEmptyHeadList(t *testing.T) {
	var b bytes.Buffer
	err := StreamJSON(&b, map[string][]int{"changes": {1}}, ListOf("changes", []int{2}))
	if err == nil {
		t.Fatalf("no error; wrote %s", b.String())
	}
}

// json.go StreamJSON: a list in another object than the previous list's,
// below a key of the same name as one in the previous object, goes to its
// own object (`in[same] == outer[same]`).
func TestStreamJSONListsInSiblingObjects(t *testing.T) {
	type c struct {
		X []int `json:"x"`
	}
	type a struct {
		X []int `json:"x"`
		C c     `json:"c"`
	}
	type b struct {
		C c `json:"c"`
	}
	type doc struct {
		A a `json:"a"`
		B b `json:"b"`
	}
	head := doc{A: a{X: []int{}, C: c{X: []int{}}}, B: b{C: c{X: []int{}}}}
	full := doc{A: a{X: []int{1}, C: c{X: []int{}}}, B: b{C: c{X: []int{2}}}}
	var want, got bytes.Buffer
	if err := encodeIndented(&want, full, ""); err != nil {
		t.Fatal(err)
	}
	if err := StreamJSON(&got, head, ListAt([]int{1}, "a", "x"), ListAt([]int{2}, "b", "c", "x")); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("got\n%s\nwant\n%s", got.String(), want.String())
	}
}

// describe.go Staleness: when the changes differ, the warnings given now
// that the saved plan lacks are said too (often why a change is no longer
// planned), whatever the fingerprints.
func TestStalenessSaysNewWarningsWithChangedChanges(t *testing.T) {
	saved, now := samplePlan(), samplePlan()
	saved.ObservedFingerprint, now.ObservedFingerprint = "sha256:aa", "sha256:aa"
	now.Changes = now.Changes[1:]
	now.Warnings = append(slices.Clone(now.Warnings), Warning{Code: WarnAmbiguousUser, User: "a@x.com", Message: "two accounts claim a@x.com"})
	got := strings.Join(Staleness(saved, now), "\n")
	for _, s := range []string{"no longer planned: create user a@x.com", NowWarned + "ambiguous_user: two accounts claim a@x.com"} {
		if !strings.Contains(got, s) {
			t.Errorf("Staleness lacks %q:\n%s", s, got)
		}
	}
}
