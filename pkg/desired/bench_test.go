package desired

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
)

// bigOrg is an organization of n users in n/10 teams of 20 members each.
func bigOrg(n int) model.State {
	var st model.State
	for i := range n {
		st.Users = append(st.Users, model.User{UserName: fmt.Sprintf("user%05d@example.com", i), Email: fmt.Sprintf("user%05d@example.com", i), DisplayName: fmt.Sprintf("User %d", i), Active: i%50 != 0})
	}
	for t := range n / 10 {
		team := model.Team{ID: fmt.Sprintf("g%d", t), Name: fmt.Sprintf("team-%d", t%(n/20+1))}
		for j := range 20 {
			team.Members = append(team.Members, model.Member{Email: st.Users[(t*7+j*13)%n].UserName, Role: []model.Role{"", "admin", "viewer"}[j%3]})
		}
		st.Teams = append(st.Teams, team)
	}
	return st
}

func TestBigOrgRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if _, err := Encode(&buf, bigOrg(2000), EncodeOptions{Header: "big"}); err != nil {
		t.Fatal(err)
	}
	m, err := Parse([]Source{{"big.yaml", buf.Bytes()}})
	if err != nil {
		t.Fatal(err)
	}
	if u, tm, _ := m.Counts(); u != 2000 || tm != 200 {
		t.Fatalf("counts %d %d", u, tm)
	}
	roundTrip(t, m)
}

func BenchmarkParse(b *testing.B) {
	var buf bytes.Buffer
	if _, err := Encode(&buf, bigOrg(5000), EncodeOptions{}); err != nil {
		b.Fatal(err)
	}
	src := []Source{{"big.yaml", buf.Bytes()}}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := Parse(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	st := bigOrg(5000)
	for b.Loop() {
		if _, err := Encode(&bytes.Buffer{}, st, EncodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecheck is what `apply PLANFILE` spends checking the embedded
// manifest of a saved plan for 100,000 users in 5,000 teams of 100 (write
// it as a manifest and read it back).
func BenchmarkRecheck(b *testing.B) {
	var buf bytes.Buffer
	if _, err := Encode(&buf, scaleOrg(100000), EncodeOptions{}); err != nil {
		b.Fatal(err)
	}
	m, err := Parse([]Source{{"scale.yaml", buf.Bytes()}})
	if err != nil {
		b.Fatal(err)
	}
	digest := model.Digest(m.State, m.Policy) // apply has it from the plan file
	for b.Loop() {
		if err := Recheck(m.State, m.Policy, digest); err != nil {
			b.Fatal(err)
		}
	}
}
