package desired

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
)

// TestRecheckTakesWhatTheLoaderMakes: every manifest the loader accepts
// (the good test manifests and the examples) passes Recheck as loaded.
func TestRecheckTakesWhatTheLoaderMakes(t *testing.T) {
	cases := loadCases(t, "testdata/good")
	cases = append(cases, testCase{"same name, pinned, with roles", []Source{{"same.yaml", []byte("version: 1\nusers: [{email: a@x.com}, {email: b@x.com}]\n" +
		"teams:\n  - {name: ml, id: g1, members: [{email: a@x.com, role: admin}, {email: b@x.com, role: member}]}\n" +
		"  - {name: ml, id: g2, members: [{email: b@x.com, role: lead}]}\n")}}})
	example, err := os.ReadFile("../../examples/wbsync.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases, testCase{"example", []Source{{"wbsync.yaml", example}}})
	for _, c := range cases {
		m, err := Parse(c.srcs)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := Recheck(m.State, m.Policy, model.Digest(m.State, m.Policy)); err != nil {
			t.Errorf("%s: Recheck refuses what the loader made: %v", c.name, err)
		}
	}
}

// TestRecheckRefuses: a manifest given as data that the loader would
// refuse, or read otherwise, is refused, naming the user or team.
func TestRecheckRefuses(t *testing.T) {
	base := func() (model.State, model.Policy) {
		m, err := Parse([]Source{{"m.yaml", []byte("version: 1\npolicy: {unmanagedUsers: deactivate}\nusers:\n  - email: a@x.com\n    orgRole: admin\n  - email: b@x.com\n" +
			"teams:\n  - name: ml\n    members: [a@x.com, {email: b@x.com, role: admin}]\n")}})
		if err != nil {
			t.Fatal(err)
		}
		st := m.State
		st.Users = slices.Clone(st.Users)
		st.Teams = slices.Clone(st.Teams)
		st.Teams[0].Members = slices.Clone(st.Teams[0].Members)
		return st, m.Policy
	}
	if st, p := base(); Recheck(st, p, model.Digest(st, p)) != nil {
		t.Fatalf("the base manifest is refused: %v", Recheck(st, p, model.Digest(st, p)))
	}
	long := strings.Repeat("n", 5000)
	for _, tc := range []struct {
		name string
		edit func(st *model.State, p *model.Policy)
		says []string
	}{
		{"team name over the cap", func(st *model.State, _ *model.Policy) { st.Teams[0].Name = long }, []string{"team nnnn", "at most 4096"}},
		{"display name over the cap", func(st *model.State, _ *model.Policy) { st.Users[1].DisplayName = long }, []string{"user b@x.com", "at most 4096"}},
		{"team name with a line break", func(st *model.State, _ *model.Policy) { st.Teams[0].Name = "ml\n" }, []string{"team"}},
		{"role in capitals", func(st *model.State, _ *model.Policy) { st.Teams[0].Members[1].Role = "Admin" }, []string{`team "ml"`, "reads it otherwise"}},
		{"org role viewer", func(st *model.State, _ *model.Policy) { st.Users[0].OrgRole = model.RoleViewer }, []string{`user "a@x.com"`, "reads it otherwise"}},
		{"membership", func(st *model.State, _ *model.Policy) { st.Teams[0].Membership = "bogus" }, []string{`team "ml"`, "reads it otherwise"}},
		{"undeclared member", func(st *model.State, _ *model.Policy) { st.Teams[0].Members[0].Email = "z@x.com" }, []string{`team "ml"`, "reads it otherwise"}},
		{"email with a space", func(st *model.State, _ *model.Policy) { st.Users[1].Email = "b @x.com" }, []string{"b @x.com"}},
		{"a line break in the name of a team read otherwise, quoted", func(st *model.State, _ *model.Policy) {
			st.Teams[0].Name, st.Teams[0].Membership = "m\nl", "bogus"
		}, []string{`team "m\nl"`}},
		{"unreportedRoles unset", func(_ *model.State, p *model.Policy) { p.UnreportedRoles = "" }, []string{"policy: the loader reads it otherwise"}},
		{"negative grace", func(_ *model.State, p *model.Policy) { p.UnmanagedGracePeriod = -1 }, []string{"policy", "negative"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, p := base()
			tc.edit(&st, &p)
			err := Recheck(st, p, model.Digest(st, p))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("err = %v, want it to say %q", err, s)
				}
			}
		})
	}
}

// TestRecheckSplits: a manifest more than one file may hold (here with the
// split points lowered) is checked as several files, cut where a user or
// team starts; what differs is still named, in whichever part it is.
func TestRecheckSplits(t *testing.T) {
	defer func(b, i int) { splitBytes, splitIndicators = b, i }(splitBytes, splitIndicators)
	splitBytes, splitIndicators = 300, 40
	m, err := Parse([]Source{{"m.yaml", []byte(encodeString(t, bigOrg(200)))}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := Encode(&buf, m.State, EncodeOptions{Policy: &m.Policy}); err != nil {
		t.Fatal(err)
	}
	srcs := splitEncoded(buf.Bytes())
	if len(srcs) < 10 {
		t.Fatalf("%d parts", len(srcs))
	}
	var joined []byte
	for i, src := range srcs {
		if i > 0 && !bytes.HasPrefix(src.Data, []byte("version: 1\n")) {
			t.Fatalf("part %d does not start with version: %q", i, src.Data[:min(40, len(src.Data))])
		}
		joined = append(joined, src.Data...)
	}
	if len(joined) < buf.Len() {
		t.Fatalf("the parts hold %d bytes of %d", len(joined), buf.Len())
	}
	if err := Recheck(m.State, m.Policy, model.Digest(m.State, m.Policy)); err != nil {
		t.Fatalf("the split manifest is refused: %v", err)
	}
	st := m.State
	st.Teams = slices.Clone(st.Teams)
	last := len(st.Teams) - 1
	st.Teams[last].Name = strings.Repeat("x", 5000)
	if err := Recheck(st, m.Policy, model.Digest(st, m.Policy)); err == nil || !strings.Contains(err.Error(), "team xxxx") || !strings.Contains(err.Error(), "at most 4096") {
		t.Fatalf("a team over the cap in the last part: %v", err)
	}
}

func encodeString(t *testing.T, st model.State) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := Encode(&buf, st, EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestSplitNeverLeavesAnEmptySection: a part over the split point when a
// section starts (here with a comment, as Encode writes one above teams
// sharing a name) takes the section's first item before it is cut; it
// ended with "teams:" and the comment alone, a null section the loader
// refused.
func TestSplitNeverLeavesAnEmptySection(t *testing.T) {
	defer func(b, i int) { splitBytes, splitIndicators = b, i }(splitBytes, splitIndicators)
	splitBytes, splitIndicators = 10, 1000
	in := "version: 1\nusers:\n  - email: a@x.io\n  - email: b@x.io\nteams:\n  # 2 teams share the name \"t\"\n  - name: t\n    id: g1\n    members: []\n  - name: t\n    id: g2\n    members: []\n"
	srcs := splitEncoded([]byte(in))
	var joined string
	for _, s := range srcs {
		for _, sec := range []string{"users:\n", "teams:\n"} {
			if i := strings.Index(string(s.Data), sec); i >= 0 && !strings.Contains(string(s.Data[i:]), "  - ") {
				t.Errorf("%s ends with an empty section: %q", s.Name, s.Data)
			}
		}
		joined += string(s.Data)
	}
	if _, err := Parse(srcs); err != nil {
		t.Fatalf("parts refused: %v\n%s", err, joined)
	}
}

// TestNoteTeamWithoutMembersKey: an authoritative team written without a
// members key (a dropped or mis-indented block) is a note, by position;
// members: [] and an additive team are not.
func TestNoteTeamWithoutMembersKey(t *testing.T) {
	m, err := Parse([]Source{{"m.yaml", []byte("version: 1\nusers:\n  - email: a@x.io\nteams:\n  - name: ml\n  - name: cv\n    members: []\n  - name: nlp\n    membership: additive\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Notes) != 1 || !strings.HasPrefix(m.Notes[0].String(), "m.yaml:5:11: team ml has no members key: ") || !strings.Contains(m.Notes[0].Message, "write members: [] to mean that") {
		t.Fatalf("notes = %q", m.Notes)
	}
}
