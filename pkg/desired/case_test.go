package desired

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/model"
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

// TestEnumsIgnoreCase: orgRole, membership, unmanagedUsers and
// unreportedRoles accept their values in any case and keep them lower-cased,
// so the manifest means, and digests, the same as one written in lower case;
// orgRole viewer stays refused in any case, with its reason.
func TestEnumsIgnoreCase(t *testing.T) {
	const src = "version: 1\npolicy:\n  unmanagedUsers: %s\n  unreportedRoles: %s\n" +
		"users:\n  - email: a@example.com\n    orgRole: %s\n  - email: b@example.com\n    orgRole: %s\n" +
		"teams:\n  - name: ml\n    membership: %s\n    members: [a@example.com]\n"
	parse := func(vals ...any) *Manifest {
		t.Helper()
		m, err := Parse([]Source{{"m.yaml", []byte(fmt.Sprintf(src, vals...))}})
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		return m
	}
	want := parse("deactivate", "enforce", "admin", "member", "additive")
	got := parse("Deactivate", "ENFORCE", "Admin", "MEMBER", "Additive")
	if d := cmp.Diff(want.State, got.State); d != "" {
		t.Errorf("state differs from the lower-case manifest (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want.Policy, got.Policy); d != "" {
		t.Errorf("policy differs from the lower-case manifest (-want +got):\n%s", d)
	}
	if got.Digest() != want.Digest() {
		t.Errorf("digest %s, want %s", got.Digest(), want.Digest())
	}
	// Case folding is ASCII only, as in the schema's pattern: a long s
	// (U+017F) or a Kelvin sign (U+212A) is not an s or a k.
	for _, v := range []string{"\u017fkip", "s\u212aip"} {
		if _, err := Parse([]Source{{"m.yaml", []byte("version: 1\npolicy:\n  unreportedRoles: " + v + "\n")}}); err == nil {
			t.Errorf("unreportedRoles: %s accepted", v)
		}
	}
	for _, v := range []string{"viewer", "Viewer", "VIEWER"} {
		_, err := Parse([]Source{{"m.yaml", []byte("version: 1\nusers:\n  - email: a@example.com\n    orgRole: " + v + "\n")}})
		if err == nil || !strings.Contains(err.Error(), "orgRole viewer is refused: W&B turns it into member") {
			t.Errorf("orgRole %s: %v, want the viewer refusal", v, err)
		}
	}
}

// TestActiveIsABoolean: active takes the YAML booleans (true, True, TRUE and
// the same for false) and refuses strings such as yes or "false".
func TestActiveIsABoolean(t *testing.T) {
	for v, want := range map[string]bool{"true": true, "True": true, "TRUE": true, "false": false, "False": false, "FALSE": false} {
		m, err := Parse([]Source{{"m.yaml", []byte("version: 1\nusers:\n  - email: a@example.com\n    active: " + v + "\n")}})
		if err != nil {
			t.Errorf("active: %s: %v", v, err)
			continue
		}
		if got := m.State.Users[0].Active; got != want {
			t.Errorf("active: %s gave %v", v, got)
		}
	}
	for _, v := range []string{"yes", "on", `"false"`, "tRUE"} {
		if _, err := Parse([]Source{{"m.yaml", []byte("version: 1\nusers:\n  - email: a@example.com\n    active: " + v + "\n")}}); err == nil {
			t.Errorf("active: %s accepted", v)
		}
	}
}

// TestUsernameLookAlikeIsKept: a username equal to the email only when a
// character outside ASCII is folded (a Kelvin sign for the k) is another
// handle, as model.Key holds everywhere else: the manifest keeps it, and
// export writes it back.
func TestUsernameLookAlikeIsKept(t *testing.T) {
	const handle = "\u212Aate@example.com"
	m, err := Parse([]Source{{"m.yaml", []byte("version: 1\nusers:\n  - email: kate@example.com\n    username: \"\\u212Aate@example.com\"\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.State.Users[0].UserName; got != handle {
		t.Fatalf("userName %q, want %q", got, handle)
	}
	var buf bytes.Buffer
	if _, err := Encode(&buf, model.State{Users: []model.User{{ID: "u1", UserName: handle, Email: "kate@example.com", Active: true}}}, EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	back, err := Parse([]Source{{"back.yaml", buf.Bytes()}})
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if got := back.State.Users[0].UserName; got != handle {
		t.Fatalf("exported userName %q, want %q:\n%s", got, handle, buf.String())
	}
}

// TestUsernameInvisibleEndRefused: a username with a character that draws
// nothing at either end (pasted with a zero-width space after it) reads as
// the handle without it in a diff, and would match no account: the plan
// would create another. It is refused where it is written, raw or escaped,
// as a team name's is; inside the name such a character is kept, as a team
// name's is.
func TestUsernameInvisibleEndRefused(t *testing.T) {
	doc := func(u string) []byte {
		return []byte("version: 1\nusers:\n  - email: a@example.com\n    username: \"" + u + "\"\n")
	}
	for u, r := range map[string]string{ // as YAML escapes, and raw
		`dev-user2\u200b`: "U+200B", `\u00addev-user2`: "U+00AD", `dev-user2\u200e`: "U+200E",
		`dev-user2\u2060`: "U+2060", `\u061cdev`: "U+061C", `dev-user2\u200d`: "U+200D",
		"dev-user2\u200b": "U+200B", "\u00addev-user2": "U+00AD",
	} {
		_, err := Parse([]Source{{"m.yaml", doc(u)}})
		if err == nil || !strings.Contains(err.Error(), "m.yaml:4:15: username ") ||
			!strings.Contains(err.Error(), "has the invisible character "+r+" at one end") {
			t.Errorf("username %q: err = %v", u, err)
		}
	}
	raw := []byte("version: 1\nusers:\n  - email: a@example.com\n    username: dev-user2\u200b\n")
	if _, err := Parse([]Source{{"m.yaml", raw}}); err == nil || !strings.Contains(err.Error(), "U+200B at one end") {
		t.Errorf("a raw zero-width space after a plain username: err = %v", err)
	}
	// DEL (U+007F), written "\x7f" in a quoted YAML string, is a control
	// character like the others below the ASCII fast path's range.
	for _, u := range []string{"dev\x7fuser2", "\x7f", "dev-user2\x7f"} {
		if usernameProblem(u) == "" {
			t.Errorf("username %+q taken", u)
		}
	}
	if why := usernameProblem("~a_b.c"); why != "" {
		t.Errorf("username ~a_b.c: %q", why)
	}
	// Noncharacters anywhere, above U+FFFF too (the schema's class stops
	// there), as in a name.
	for _, u := range []string{"dev\U0001FFFEuser", "dev\U0010FFFFuser", "dev\U0001FFFF", "dev\ufffeuser", "dev\ufdd0user"} {
		if why := usernameProblem(u); !strings.Contains(why, "a noncharacter") {
			t.Errorf("username %+q: %q, want it refused as a noncharacter", u, why)
		}
	}
	for _, u := range []string{`dev\u200buser2`, "dev-user2", `d\u00e9v`} {
		if _, err := Parse([]Source{{"m.yaml", doc(u)}}); err != nil {
			t.Errorf("username %q refused: %v", u, err)
		}
	}
}

// TestRoleSpacesAtEitherEndRefused: a team role with a space at either end
// is refused where it is written, as orgRole " admin" is, rather than
// trimmed (a custom role's spaces are its own); spaces inside a custom
// role name are kept.
func TestRoleSpacesAtEitherEndRefused(t *testing.T) {
	doc := func(r string) []byte {
		return []byte("version: 1\nusers: [{email: a@example.com}]\nteams:\n  - name: ml\n    members:\n      - {email: a@example.com, role: \"" + r + "\"}\n")
	}
	for r, hint := range map[string]string{" admin ": `"admin"`, "Viewer\t": `"viewer"`, " Model Reviewer": `"Model Reviewer"`} {
		_, err := Parse([]Source{{"m.yaml", doc(r)}})
		if err == nil || !strings.Contains(err.Error(), "m.yaml:6:38: role ") || !strings.Contains(err.Error(), "has leading or trailing spaces (did you mean "+hint+"?)") {
			t.Errorf("role %q: err = %v", r, err)
		}
	}
	m, err := Parse([]Source{{"m.yaml", doc("Model Reviewer")}})
	if err != nil || m.State.Teams[0].Members[0].Role != "Model Reviewer" {
		t.Fatalf("err = %v, state %+v", err, m.State.Teams)
	}
}

// TestRoleInvisibleOrControlRefused: a team role with a control character
// or a noncharacter anywhere, or a character that draws nothing at an end,
// is refused as a team name is: "admin" with a zero-width space after it
// reads as admin in a diff and is another (custom) role.
func TestRoleInvisibleOrControlRefused(t *testing.T) {
	for _, r := range []string{`"admin\u200b"`, `"\u200badmin"`, `"admin\u00ad"`, `"a\0b"`, `"a\e[31mb"`, `"a\nb"`, `"a\tb"`, `"x\uFFFE"`} {
		src := "version: 1\nusers:\n  - email: a@b.co\nteams:\n  - name: t\n    members:\n      - email: a@b.co\n        role: " + r + "\n"
		_, err := Parse([]Source{{"m.yaml", []byte(src)}})
		if err == nil || !strings.Contains(err.Error(), "m.yaml:8:15: role ") {
			t.Errorf("role %s: want a problem at m.yaml:8:15, got %v", r, err)
		}
	}
	// Inside a custom role, a zero-width joiner (emoji) is the role's own.
	src := "version: 1\nusers:\n  - email: a@b.co\nteams:\n  - name: t\n    members:\n      - email: a@b.co\n        role: \"Model\u200dReviewer\"\n"
	if _, err := Parse([]Source{{"m.yaml", []byte(src)}}); err != nil {
		t.Errorf("a joiner inside a role: %v", err)
	}
}

// TestTeamMembersCap: a team may list at most caps.TeamMembers members (a
// larger team would be too large for wbsync to read back); the problem is
// at the team's members, and a team at the cap passes.
func TestTeamMembersCap(t *testing.T) {
	defer func(n int) { maxTeamMembers = n }(maxTeamMembers)
	maxTeamMembers = 3
	src := func(n int) string {
		var users, members strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&users, "  - email: u%d@example.com\n", i)
			fmt.Fprintf(&members, "      - u%d@example.com\n", i)
		}
		return "version: 1\nusers:\n" + users.String() + "teams:\n  - name: ml\n    members:\n" + members.String()
	}
	if _, err := Parse([]Source{{"m.yaml", []byte(src(3))}}); err != nil {
		t.Fatalf("a team at the cap: %v", err)
	}
	_, err := Parse([]Source{{"m.yaml", []byte(src(4))}})
	var pe *ProblemsError
	if !errors.As(err, &pe) || len(pe.Problems) != 1 {
		t.Fatalf("want one problem, got %v", err)
	}
	p := pe.Problems[0]
	if p.Line != 10 || p.Column != 7 || !strings.Contains(p.Message, `team "ml" lists 4 members, more than the 3 one team may have`) {
		t.Errorf("problem = %d:%d %q", p.Line, p.Column, p.Message)
	}
}

// TestSavedPlanGivenAsManifest: a saved plan given to -f is one problem
// saying what it is, not one unknown key per field of the plan.
func TestSavedPlanGivenAsManifest(t *testing.T) {
	src := "{\n  \"format_version\": \"1\",\n  \"manifest_digest\": \"sha256:x\",\n  \"changes\": [],\n  \"desired\": {\"state\": {}}\n}\n"
	_, err := Parse([]Source{{"plan.json", []byte(src)}})
	var pe *ProblemsError
	if !errors.As(err, &pe) || len(pe.Problems) != 1 {
		t.Fatalf("want one problem, got %v", err)
	}
	if p := pe.Problems[0]; p.Line != 2 || p.Column != 3 || !strings.Contains(p.Message, "this file is a saved plan (wbsync plan --out), not a manifest: apply it with 'wbsync apply FILE'") {
		t.Errorf("problem = %d:%d %q", p.Line, p.Column, p.Message)
	}
}

// TestShort: a value is cut to 40 characters, the last three "...", by
// characters, not bytes; one of 40 or fewer is whole.
func TestShort(t *testing.T) {
	for in, want := range map[string]string{
		"":                        "",
		strings.Repeat("a", 40):   strings.Repeat("a", 40),
		strings.Repeat("a", 41):   strings.Repeat("a", 37) + "...",
		strings.Repeat("é", 41):   strings.Repeat("é", 37) + "...",
		strings.Repeat("日本", 100): strings.Repeat("日本", 18) + "日...",
	} {
		if got := short(in); got != want {
			t.Errorf("short(%q) = %q, want %q", in, got, want)
		}
	}
	// A value the size of a file is not copied to be cut: a few bytes
	// allocated, not its four bytes per character.
	big := strings.Repeat("x", 8<<20)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_ = short(big)
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
		t.Errorf("short of an 8 MiB value allocated %d bytes", n)
	}
}
