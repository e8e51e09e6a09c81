package desired

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
)

// TestExternalIDSchemaAgreesOnEverySpace: for every Unicode White_Space
// character (and invisible ones that are not spaces), at either end, in the
// middle or alone, the loader and the JSON schema accept or refuse an
// externalId alike, and the loader refuses each at an end.
func TestExternalIDSchemaAgreesOnEverySpace(t *testing.T) {
	sch := compileSchema(t)
	var runes []rune
	for r := rune(0); r <= 0x3000; r++ {
		if unicode.IsSpace(r) {
			runes = append(runes, r)
		}
	}
	runes = append(runes, 0xFEFF, 0x200B, 0x180E, 0x2060, 0xAD, 0x200C, 0x200D, 0x34F, 0xFE0F, 0x115F, 0x3164, 0xE0020)
	forms := map[string]func(r rune) string{
		"end": func(r rune) string { return "00u1" + string(r) }, "start": func(r rune) string { return string(r) + "00u1" },
		"mid": func(r rune) string { return "00" + string(r) + "u1" }, "alone": func(r rune) string { return string(r) },
	}
	disagree := 0
	for _, r := range runes {
		for fname, f := range forms {
			v := f(r)
			doc := fmt.Sprintf("version: 1\nusers:\n  - email: a@example.com\n    externalId: %q\n", v)
			_, lerr := Parse([]Source{{"m.yaml", []byte(doc)}})
			j, err := yamlAsJSON([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			serr := sch.Validate(j)
			if r == 0xFE0F || r == 0xE0020 {
				// A variation selector at an end, and characters above
				// U+FFFF, are past what the schema's classes can say
				// (its description says validate checks them): the loader
				// alone refuses them at an end.
				if fname != "mid" && lerr == nil {
					t.Errorf("U+%04X %s: accepted by the loader", r, fname)
				}
				continue
			}
			if (lerr == nil) != (serr == nil) {
				disagree++
				t.Errorf("U+%04X %s: loader ok=%v schema ok=%v", r, fname, lerr == nil, serr == nil)
			}
			if fname != "mid" && lerr == nil {
				t.Errorf("U+%04X %s: accepted by the loader", r, fname)
			}
		}
	}
	if disagree > 0 {
		t.Logf("%d runes x 4 forms, %d disagreements", len(runes), disagree)
	}
}

// TestExternalIDEdgeSpaceNotAlsoDuplicate: two users given one externalId
// with a space at one end get that problem each, not a duplicate on top:
// a refused value is not registered for the duplicate check.
func TestExternalIDEdgeSpaceNotAlsoDuplicate(t *testing.T) {
	doc := "version: 1\nusers:\n  - email: a@example.com\n    externalId: \"00u1 \"\n  - email: b@example.com\n    externalId: \"00u1 \"\n"
	_, err := Parse([]Source{{"m.yaml", []byte(doc)}})
	if err == nil {
		t.Fatal("accepted")
	}
	if msg := err.Error(); strings.Count(msg, "has a space at one end") != 2 || strings.Contains(msg, "duplicate externalId") {
		t.Errorf("problems:\n%s\nwant the edge space twice, no duplicate", msg)
	}
}
