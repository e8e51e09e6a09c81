package desired

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/model"
)

// observedOrg is what pkg/observed hands `wbsync export`: SCIM ids, userName
// and email, unresolved members, teams sharing a name.
func observedOrg() model.State {
	return model.State{
		Users: []model.User{
			{ID: "u3", UserName: "carol@example.com", Email: "carol@example.com", OrgRole: "viewer", Active: false},
			{ID: "u1", UserName: "alice@example.com", Email: "Alice@Example.com", DisplayName: "Alice Smith", ExternalID: "00u1", OrgRole: "admin", Active: true},
			{ID: "u2", UserName: "bob@example.com", OrgRole: "member", Active: true, ETag: `W/"1"`},
		},
		Teams: []model.Team{
			{ID: "g2", Name: "research", Members: []model.Member{
				{UserID: "u2", Email: "bob@example.com", Role: "member"},
				{UserID: "u1", Email: "alice@example.com", Role: "admin"},
				{UserID: "sa1", Display: "ci service account"},
			}},
			{ID: "g3", Name: "Research", Members: []model.Member{{UserID: "u3", Email: "carol@example.com", Role: "reviewer"}}},
			{ID: "g1", Name: "platform", Members: []model.Member{{UserID: "u2", Email: "bob@example.com"}}},
			{ID: "g4", Name: "empty", Members: nil},
		},
	}
}

func TestEncodeExport(t *testing.T) {
	pol := &model.Policy{UnmanagedUsers: "ignore", Protected: []string{"*@svc.example.com"},
		MaxDeactivations: model.Limit{Set: true, Value: 5}, MaxMemberRemovals: model.Limit{Set: true, Value: 20, Percent: true},
		UnreportedRoles: model.RolesSkip, UnmanagedGracePeriod: model.DefaultGracePeriod}
	var buf bytes.Buffer
	if _, err := Encode(&buf, observedOrg(), EncodeOptions{Header: "exported from https://api.wandb.ai/scim\nat 2026-01-02T03:04:05Z", Policy: pol}); err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("testdata", "export.golden.yaml"), buf.Bytes())

	m, err := Parse([]Source{{"export.yaml", buf.Bytes()}})
	if err != nil {
		t.Fatalf("the export does not parse: %v", err)
	}
	want := model.State{
		Users: []model.User{
			{UserName: "Alice@Example.com", Email: "Alice@Example.com", DisplayName: "Alice Smith", ExternalID: "00u1", OrgRole: "admin", Active: true},
			{UserName: "bob@example.com", Email: "bob@example.com", OrgRole: "member", Active: true},
			{UserName: "carol@example.com", Email: "carol@example.com", Active: false},
		},
		Teams: []model.Team{
			{Name: "empty", Membership: model.Authoritative, Members: []model.Member{}},
			{Name: "platform", Membership: model.Authoritative, Members: []model.Member{{Email: "bob@example.com", Role: "member"}}},
			{ID: "g3", Name: "Research", Membership: model.Authoritative, Members: []model.Member{{Email: "carol@example.com", Role: "reviewer"}}},
			{ID: "g2", Name: "research", Membership: model.Authoritative, Members: []model.Member{
				{Email: "Alice@Example.com", Role: "admin"}, {Email: "bob@example.com", Role: "member"}}},
		},
	}
	if d := cmp.Diff(want, m.State); d != "" {
		t.Errorf("exported state (-want +got):\n%s", d)
	}
	if d := cmp.Diff(*pol, m.Policy); d != "" {
		t.Errorf("exported policy (-want +got):\n%s", d)
	}
}

func TestEncodeWithoutPolicyOrHeader(t *testing.T) {
	var buf bytes.Buffer
	if _, err := Encode(&buf, model.State{}, EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "version: 1\nusers: []\nteams: []\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := Parse([]Source{{"e.yaml", buf.Bytes()}}); err != nil {
		t.Error(err)
	}
}

func TestEncodeQuotesStringsThatLookLikeOtherTypes(t *testing.T) {
	st := model.State{
		Users: []model.User{{UserName: "a@b.co", DisplayName: "true", ExternalID: "0042", Active: true}},
		Teams: []model.Team{{Name: "123", Members: []model.Member{{Email: "a@b.co", Role: "null"}}}, {Name: "~", Members: nil}, {Name: "yes: no", ID: "1"}},
	}
	var buf bytes.Buffer
	if _, err := Encode(&buf, st, EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	m, err := Parse([]Source{{"e.yaml", buf.Bytes()}})
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if u := m.State.Users[0]; u.DisplayName != "true" || u.ExternalID != "0042" {
		t.Errorf("user came back as %+v", u)
	}
	if got := m.State.Teams[0].Members[0].Role; got != "null" {
		t.Errorf("role %q", got)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestEncodeReportsWriteErrors(t *testing.T) {
	_, err := Encode(failWriter{}, observedOrg(), EncodeOptions{Header: "h"})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("got %v", err)
	}
}

func TestDigestIgnoresFormattingAndFileOrder(t *testing.T) {
	a := `# comment
version: 1
policy: {protected: ["B@x.io", "a@x.io"]}
users:
  - email: a@x.io
  - email: b@x.io
    name: B
teams:
  - name: t
    members: [a@x.io, {email: b@x.io, role: admin}]
`
	parse := func(srcs ...Source) *Manifest {
		t.Helper()
		m, err := Parse(srcs)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m1 := parse(Source{"a.yaml", []byte(a)})
	split := []Source{
		{"root.yaml", []byte("version: 1\npolicy:\n  protected:\n    - a@x.io\n    - b@x.io\nusers:\n  - {name: B, email: b@x.io}\n")},
		{"teams.yaml", []byte("users: [{email: a@x.io}]\nteams:\n- members:\n  - email: b@x.io\n    role: admin\n  - a@x.io\n  name: t\n")},
	}
	m2 := parse(split...)
	m3 := parse(split[1], split[0])
	if m1.Digest != m2.Digest || m2.Digest != m3.Digest {
		t.Errorf("digests differ: %s %s %s", m1.Digest, m2.Digest, m3.Digest)
	}
	if !strings.HasPrefix(m1.Digest, "sha256:") || len(m1.Digest) != len("sha256:")+64 {
		t.Errorf("digest %q", m1.Digest)
	}
	if d := cmp.Diff([]string{"root.yaml", "teams.yaml"}, m2.Files); d != "" {
		t.Error(d)
	}
	for _, changed := range []string{
		strings.Replace(a, "role: admin", "role: viewer", 1),
		strings.Replace(a, "name: B", "name: C", 1),
		strings.Replace(a, "version: 1", "version: 1\n# x", 1) + "    membership: additive\n",
		strings.Replace(a, `"a@x.io"`, `"c@x.io"`, 1),
	} {
		if m := parse(Source{"a.yaml", []byte(changed)}); m.Digest == m1.Digest {
			t.Errorf("digest did not change for:\n%s", changed)
		}
	}
}

func TestCountsAndDefaults(t *testing.T) {
	m, err := Parse([]Source{{"m.yaml", []byte("version: 1\nusers: [{email: a@x.io}, {email: b@x.io}]\n" +
		"teams: [{name: t, members: [a@x.io, b@x.io]}, {name: u, members: [a@x.io]}]\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if u, tm, mb := m.Counts(); u != 2 || tm != 2 || mb != 3 {
		t.Errorf("Counts() = %d, %d, %d", u, tm, mb)
	}
	want := model.Policy{UnmanagedUsers: model.UnmanagedIgnore, UnreportedRoles: model.RolesSkip, UnmanagedGracePeriod: model.DefaultGracePeriod}
	if d := cmp.Diff(want, m.Policy); d != "" {
		t.Error(d)
	}
	if u := m.State.Users[0]; !u.Active || u.UserName != "a@x.io" || u.Email != "a@x.io" {
		t.Errorf("user defaults: %+v", u)
	}
	if tm := m.State.Teams[0]; tm.Membership != model.Authoritative || tm.Members[0].Role != model.RoleMember {
		t.Errorf("team defaults: %+v", tm)
	}
}

func TestParseNoSources(t *testing.T) {
	if _, err := Parse(nil); err == nil {
		t.Fatal("Parse(nil) succeeded")
	}
}

func TestProblemsFormat(t *testing.T) {
	_, err := Parse([]Source{
		{"b.yaml", []byte("teams: [{name: t, members: [x@y.io]}]\n")},
		{"a.yaml", []byte("version: 1\nusers: [{email: bad}]\n")},
	})
	var probs Problems
	if !errors.As(err, &probs) {
		t.Fatalf("got %v", err)
	}
	want := "b.yaml:1:29: member x@y.io is not declared under users\n" +
		"a.yaml:2:17: malformed email \"bad\": it has no @"
	if got := err.Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if probs[1].String() != "a.yaml:2:17: malformed email \"bad\": it has no @" {
		t.Errorf("String() = %q", probs[1].String())
	}
}
