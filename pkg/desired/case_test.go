package desired

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMemberCaseResolvesToDeclaredUser: a member written in another case
// than the user's declared email is that user, whether the user is declared
// before the team or after it (in the same file or another), and the state
// carries the email as declared: the manifest means, and digests, the same
// as one with every member written as declared.
func TestMemberCaseResolvesToDeclaredUser(t *testing.T) {
	const users = "users:\n  - email: bob@example.com\n  - email: Carol@Example.com\n"
	const teams = "teams:\n  - name: ml\n    members:\n      - BOB@Example.COM\n      - email: carol@EXAMPLE.com\n        role: admin\n"
	const asDeclared = "teams:\n  - name: ml\n    members:\n      - bob@example.com\n      - email: Carol@Example.com\n        role: admin\n"
	want, err := Parse([]Source{{"want.yaml", []byte("version: 1\n" + users + asDeclared)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		srcs []Source
	}{
		{"users first", []Source{{"m.yaml", []byte("version: 1\n" + users + teams)}}},
		{"teams first", []Source{{"m.yaml", []byte("version: 1\n" + teams + users)}}},
		{"users in a later file", []Source{{"a.yaml", []byte("version: 1\n" + teams)}, {"b.yaml", []byte(users)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(tc.srcs)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if d := cmp.Diff(want.State.Teams, m.State.Teams); d != "" {
				t.Errorf("teams differ from the manifest written as declared (-want +got):\n%s", d)
			}
			if m.Digest() != want.Digest() {
				t.Errorf("digest %s, want %s (the same as written as declared)", m.Digest(), want.Digest())
			}
		})
	}
}

// TestMemberTwiceInAnotherCase: the same user listed twice in one team,
// in different case, is still an error, on both paths (user declared before
// the team, or after it).
func TestMemberTwiceInAnotherCase(t *testing.T) {
	const users = "users:\n  - email: bob@example.com\n"
	const teams = "teams:\n  - name: ml\n    members:\n      - bob@example.com\n      - BOB@Example.COM\n"
	for name, src := range map[string]string{
		"users first": "version: 1\n" + users + teams,
		"teams first": "version: 1\n" + teams + users,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]Source{{"m.yaml", []byte(src)}})
			var pe *ProblemsError
			if !errors.As(err, &pe) || len(pe.Problems) != 1 {
				t.Fatalf("want one problem, got %v", err)
			}
			if msg := pe.Problems[0].Message; !strings.Contains(msg, `member BOB@Example.COM is listed twice in team "ml"`) {
				t.Errorf("problem = %q", msg)
			}
		})
	}
}
