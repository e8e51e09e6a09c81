package desired

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// observedOrg is what pkg/observed hands `wbsync export`: SCIM ids, handles
// and emails, members by id (Email = the user's userName), an org service
// account, a user without email, teams sharing a name.
func observedOrg() model.State {
	return model.State{
		Users: []model.User{
			{ID: "u3", UserName: "carol@example.com", Email: "carol@example.com", OrgRole: "viewer", Active: false},
			{ID: "u1", UserName: "alice@example.com", Email: "Alice@Example.com", Emails: []string{"Alice@Example.com", "alice.smith@example.com"},
				DisplayName: "Alice Smith", ExternalID: "00u1", OrgRole: "admin", Active: true},
			{ID: "u2", UserName: "dev-bob", Email: "bob@example.com", OrgRole: "member", Active: true, ETag: `W/"1"`},
			{ID: "u4", UserName: "ghost", DisplayName: "Ghost", Active: true},
			{ID: "u5", UserName: "zoe", Email: "zoe@example.com", DisplayName: `Zoë "Z" O'Brien: #1`, Active: true},
		},
		Teams: []model.Team{
			{ID: "g2", Name: "research", Members: []model.Member{
				{UserID: "u2", Email: "dev-bob", Role: "member"},
				{UserID: "u1", Email: "alice@example.com", Role: "admin"},
				{UserID: "sa1", Display: "ci service account"},
			}},
			{ID: "g3", Name: "Research", Members: []model.Member{{UserID: "u3", Email: "carol@example.com", Role: "Model Reviewer"}}},
			{ID: "g1", Name: "platform", Members: []model.Member{{UserID: "u2", Email: "dev-bob"}, {UserID: "u4", Email: "ghost"}, {UserID: "u5", Email: "zoe"}}},
			{ID: "g4", Name: "empty", Members: nil},
		},
	}
}

// TestHandleGlob: the glob export suggests for a user without email is
// one the manifest loader accepts in policy.protected, and it matches the
// user's userName and no other name.
func TestHandleGlob(t *testing.T) {
	for name, want := range map[string]string{"carol": "[c]arol", "Dev-Bob": "[d]ev-bob", "a*b?[c]\\d": `[a]\*b\?\[c]\\d`,
		"-x": `[\-]x`, "_svc": `[\_]svc`, "!bang": `[\!]bang`, "^hat": `[\^]hat`, "]x": `[\]]x`, "\\x": `[\\]x`, "été": "[é]té",
		"": "", "zero\u200bwidth": "", "bad\xff": ""} {
		g := handleGlob(name)
		if g != want {
			t.Errorf("handleGlob(%q) = %q, want %q", name, g, want)
			continue
		}
		if g == "" {
			continue
		}
		m, err := Parse([]Source{{"m.yaml", []byte("version: 1\npolicy:\n  protected: [" + strconv.Quote(g) + "]\n")}})
		if err != nil || !slices.Equal(m.Policy.Protected, []string{g}) {
			t.Errorf("glob %q of %q: the loader gives %q, %v", g, name, m.Policy.Protected, err)
			continue
		}
		k := model.Key(name)
		if !m.Policy.IsProtected(name) || m.Policy.IsProtected(k+"x") || m.Policy.IsProtected("x"+k) || m.Policy.IsProtected("y"+k[1:]) {
			t.Errorf("glob %q of %q matches the wrong names", g, name)
		}
	}
}

// additiveNames lists the names of the teams rep says were written
// membership: additive.
func additiveNames(rep EncodeReport) []string {
	var names []string
	for _, t := range rep.AdditiveTeams {
		names = append(names, t.Name)
	}
	return names
}

func TestEncodeExport(t *testing.T) {
	pol := &model.Policy{UnmanagedUsers: "ignore", Protected: []string{"*@svc.example.com"},
		MaxDeactivations: model.Limit{Set: true, Value: 5}, MaxMemberRemovals: model.Limit{Set: true, Value: 20, Percent: true},
		UnreportedRoles: model.RolesEnforce, UnmanagedGracePeriod: 36 * time.Hour}
	var buf bytes.Buffer
	rep, err := Encode(&buf, observedOrg(), EncodeOptions{Header: "exported from https://api.wandb.ai/scim\nat 2026-01-02T03:04:05Z", Policy: pol})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("testdata", "export.golden.yaml"), buf.Bytes())
	if len(rep.SkippedUsers) != 1 || rep.SkippedUsers[0].User.ID != "u4" || len(rep.SkippedTeams) != 0 {
		t.Errorf("report %+v", rep)
	}
	// The service account in research is counted, not written.
	if rep.Unresolved != 1 || rep.UnresolvedTeams != 1 {
		t.Errorf("unresolved members %d in %d teams, want 1 in 1", rep.Unresolved, rep.UnresolvedTeams)
	}
	if d := cmp.Diff([]string{`"platform" (id g1)`}, additiveNames(rep)); d != "" {
		t.Error(d)
	}
	wantWarnings := []string{
		`user "ghost" ("Ghost") id u4 left out of the export: it has no email, and a manifest declares users by email; policy.protected may name its userName as the glob "[g]host", to keep it from unmanagedUsers: deactivate`,
		`team "platform" (id g1) exported as membership: additive: it holds members the export leaves out: 1 member(s) cannot be declared (user ghost (id u4) is left out of the export)`,
		"1 user(s) have an org role other than admin or member, left unmanaged (wbsync sets only those two): each is said in a comment (# org role ... left unmanaged)",
	}
	if d := cmp.Diff(wantWarnings, rep.Warnings()); d != "" {
		t.Error(d)
	}

	m, err := Parse([]Source{{"export.yaml", buf.Bytes()}})
	if err != nil {
		t.Fatalf("the export does not parse: %v", err)
	}
	want := model.State{
		Users: []model.User{
			{UserName: "Alice@Example.com", Email: "Alice@Example.com", DisplayName: "Alice Smith", ExternalID: "00u1", OrgRole: "admin", Active: true},
			{UserName: "dev-bob", Email: "bob@example.com", OrgRole: "member", Active: true},
			{UserName: "carol@example.com", Email: "carol@example.com", Active: false},
			{UserName: "zoe", Email: "zoe@example.com", DisplayName: `Zoë "Z" O'Brien: #1`, Active: true},
		},
		Teams: []model.Team{
			{Name: "empty", Membership: model.Authoritative, Members: []model.Member{}},
			{Name: "platform", Membership: model.Additive, Members: []model.Member{
				{Email: "bob@example.com"}, {Email: "zoe@example.com"}}},
			{ID: "g3", Name: "Research", Membership: model.Authoritative, Members: []model.Member{{Email: "carol@example.com", Role: "Model Reviewer"}}},
			{ID: "g2", Name: "research", Membership: model.Authoritative, Members: []model.Member{
				{Email: "Alice@Example.com", Role: "admin"}, {Email: "bob@example.com"}}},
		},
	}
	if d := cmp.Diff(want, m.State, ignoreHints); d != "" {
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

// TestEncodePolicyDefaults: unreportedRoles and unmanagedGracePeriod are
// written only when they differ from the defaults.
func TestEncodePolicyDefaults(t *testing.T) {
	for _, c := range []struct {
		pol  model.Policy
		want string
	}{
		{model.Policy{UnreportedRoles: model.RolesSkip, UnmanagedGracePeriod: model.DefaultGracePeriod}, "policy: {}\n"},
		{model.Policy{UnmanagedGracePeriod: model.DefaultGracePeriod}, "policy: {}\n"},
		{model.Policy{UnreportedRoles: model.RolesEnforce, UnmanagedGracePeriod: 0}, "policy:\n  unreportedRoles: enforce\n  unmanagedGracePeriod: 0\n"},
		{model.Policy{UnmanagedGracePeriod: 3 * 24 * time.Hour}, "policy:\n  unmanagedGracePeriod: 3d\n"},
		{model.Policy{UnmanagedGracePeriod: 36 * time.Hour}, "policy:\n  unmanagedGracePeriod: 36h\n"},
		{model.Policy{UnmanagedGracePeriod: 90 * time.Minute}, "policy:\n  unmanagedGracePeriod: 1h30m\n"},
		{model.Policy{UnmanagedGracePeriod: 1500 * time.Millisecond}, "policy:\n  unmanagedGracePeriod: 1.5s\n"},
	} {
		var buf bytes.Buffer
		if _, err := Encode(&buf, model.State{}, EncodeOptions{Policy: &c.pol}); err != nil {
			t.Fatal(err)
		}
		got := strings.TrimSuffix(strings.TrimPrefix(buf.String(), "version: 1\n"), "users: []\nteams: []\n")
		if got != c.want {
			t.Errorf("%+v: got %q, want %q", c.pol, got, c.want)
		}
		m, err := Parse([]Source{{"p.yaml", buf.Bytes()}})
		if err != nil {
			t.Fatalf("%v\n%s", err, buf.String())
		}
		wantGrace := c.pol.UnmanagedGracePeriod
		if m.Policy.UnmanagedGracePeriod != wantGrace {
			t.Errorf("grace came back as %v, want %v", m.Policy.UnmanagedGracePeriod, wantGrace)
		}
	}
}

func TestEncodeQuotesStringsThatLookLikeOtherTypes(t *testing.T) {
	st := model.State{
		Users: []model.User{{UserName: "a@b.co", Email: "a@b.co", DisplayName: "true", ExternalID: "0042", Active: true}},
		Teams: []model.Team{{Name: "123", Members: []model.Member{{Email: "a@b.co", Role: "null"}}}, {Name: "~", Members: nil}, {Name: "yes: no", ID: "1"}},
	}
	m, _ := encodeAndParse(t, st)
	if u := m.State.Users[0]; u.DisplayName != "true" || u.ExternalID != "0042" {
		t.Errorf("user came back as %+v", u)
	}
	if got := m.State.Teams[0].Members[0].Role; got != "null" {
		t.Errorf("role %q", got)
	}
}

// TestEncodeUnmanagedValuesSaid: what an export writes only as a comment
// (an org role wbsync does not set, an externalId two users share, the
// team roles of teams sharing a name) is counted, and said on stderr once
// per kind, not only in the file.
func TestEncodeUnmanagedValuesSaid(t *testing.T) {
	st := model.State{
		Users: []model.User{
			{ID: "u1", UserName: "a@b.co", Email: "a@b.co", ExternalID: "x1", OrgRole: "viewer", Active: true},
			{ID: "u2", UserName: "c@b.co", Email: "c@b.co", ExternalID: "x1", OrgRole: "member", Active: true},
			{ID: "u3", UserName: "d@b.co", Email: "d@b.co", OrgRole: "billing-admin", Active: true},
		},
		Teams: []model.Team{
			{ID: "g1", Name: "dup", Members: []model.Member{{UserID: "u1", Role: "admin"}}},
			{ID: "g2", Name: "dup", Members: []model.Member{{UserID: "u2", Role: "viewer"}}},
			{ID: "g3", Name: "ml", Members: []model.Member{{UserID: "u3", Role: "admin"}}},
		},
	}
	var buf bytes.Buffer
	rep, err := Encode(&buf, st, EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OtherOrgRoles != 2 || rep.SharedExternalIDs != 2 || rep.RolelessTeams != 2 {
		t.Errorf("counted %d org roles, %d externalIds, %d teams; want 2, 2, 2\n%s", rep.OtherOrgRoles, rep.SharedExternalIDs, rep.RolelessTeams, buf.String())
	}
	want := []string{
		"2 user(s) have an org role other than admin or member, left unmanaged (wbsync sets only those two): each is said in a comment (# org role ... left unmanaged)",
		"2 user(s) share their externalId with another user, left unmanaged (a manifest gives each its own): each is said in a comment (# externalId ... left unmanaged)",
		"2 team(s) share a name with another: their team roles are not written, since W&B reports team roles by team name, and are left unmanaged (said in each team's comment)",
	}
	if d := cmp.Diff(want, rep.Warnings()); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
}

// TestEncodeSharedNameWritesNoRoles: W&B reports team roles by team name,
// so in teams that share a name the role read may be the other team's:
// their members are written as plain emails, with a comment saying why;
// a team whose name differs only in case keeps its roles.
func TestEncodeSharedNameWritesNoRoles(t *testing.T) {
	st := model.State{
		Users: []model.User{{ID: "u1", UserName: "a@b.co", Email: "a@b.co", Active: true}},
		Teams: []model.Team{
			{ID: "g1", Name: "dup", Members: []model.Member{{UserID: "u1", Role: "admin"}}},
			{ID: "g2", Name: "dup", Members: []model.Member{{UserID: "u1", Role: "viewer"}}},
			{ID: "g3", Name: "ML", Members: []model.Member{{UserID: "u1", Role: "admin"}}},
			{ID: "g4", Name: "ml", Members: []model.Member{{UserID: "u1", Role: "viewer"}}},
		},
	}
	m, buf := encodeAndParse(t, st)
	roles := map[string]model.Role{}
	for _, tm := range m.State.Teams {
		roles[tm.ID] = tm.Members[0].Role
	}
	if want := (map[string]model.Role{"g1": "", "g2": "", "g3": "admin", "g4": "viewer"}); !maps.Equal(roles, want) {
		t.Errorf("roles by team %v, want %v\n%s", roles, want, buf.String())
	}
	if !strings.Contains(buf.String(), "team roles are not written, since W&B reports them by team name") {
		t.Errorf("no comment saying why:\n%s", buf.String())
	}
}

// TestEncodeEscapesBidiAndC1: server strings holding bidirectional
// controls and C1 controls are written escaped, never raw, and read back as
// exactly the same strings.
func TestEncodeEscapesBidiAndC1(t *testing.T) {
	const (
		name   = "A\u202eevil\u202c \u2066x\u2069 \u200e\u200f\u061c \u202a\u202b\u202d tag\U000E0020 vs a\ufe0f ok❤\ufe0f"
		handle = "dev\u202ebob\u2067x" // nothing invisible at either end: a manifest username
		extID  = "00u\u202e1"
		team   = "t\u202eea\u200bm" // no control character, nothing invisible at either end: a manifest team name
		role   = "Model\u202eReviewer"
	)
	st := model.State{
		Users: []model.User{{ID: "u1", UserName: handle, Email: "bob@example.com", DisplayName: name, ExternalID: extID,
			OrgRole: "viewer\u202e", Active: true}},
		Teams: []model.Team{{ID: "g1", Name: team, Members: []model.Member{{UserID: "u1", Email: handle, Role: role}}}},
	}
	var buf bytes.Buffer
	rep, err := Encode(&buf, st, EncodeOptions{Header: "from https://x.example/\u202escim"})
	if err != nil {
		t.Fatal(err)
	}
	if w := rep.Warnings(); len(w) != 1 || !strings.HasPrefix(w[0], "1 user(s) have an org role other than admin or member") {
		t.Fatalf("warnings: %q, want the viewer role's only", w)
	}
	out := buf.String()
	prev := rune(-1)
	for i, r := range out {
		if r != '\n' && (r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || sanitize.InvisibleAfter(prev, r, out[i+utf8.RuneLen(r):])) {
			t.Errorf("raw %U at byte %d of\n%s", r, i, out)
		}
		prev = r
	}
	if !strings.Contains(out, `tag\U000E0020 vs a\uFE0F ok❤`+"\ufe0f") {
		t.Errorf("a tag character and a selector after a letter are not escaped, or one after an emoji is:\n%s", out)
	}
	m, err := Parse([]Source{{"bidi.yaml", buf.Bytes()}})
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(m.State.Users) != 1 || len(m.State.Teams) != 1 || len(m.State.Teams[0].Members) != 1 {
		t.Fatalf("read back %+v\n%s", m.State, out)
	}
	u, tm := m.State.Users[0], m.State.Teams[0]
	got := []string{u.UserName, u.DisplayName, u.ExternalID, tm.Name, string(tm.Members[0].Role)}
	if d := cmp.Diff([]string{handle, name, extID, team, role}, got); d != "" {
		t.Errorf("read back (-want +got):\n%s\n%s", d, out)
	}
}

// TestEncodeLeavesControlTextsUnmanaged: a live name or externalId holding
// a control character (C0 or C1: ESC, NEL, a CSI) or a noncharacter, and an
// externalId with a space at one end, which a manifest refuses, are left
// unmanaged: said in a comment, never written raw, counted in a warning,
// and what is written validates.
func TestEncodeLeavesControlTextsUnmanaged(t *testing.T) {
	st := model.State{Users: []model.User{
		{ID: "u1", UserName: "bob@example.com", Email: "bob@example.com", DisplayName: "csi\u009b2J \x1b[31m", ExternalID: "00u1\u0085", Active: true},
		{ID: "u2", UserName: "amy@example.com", Email: "amy@example.com", DisplayName: "Amy", ExternalID: "a\ufffeb", Active: true},
		{ID: "u3", UserName: "cy@example.com", Email: "cy@example.com", DisplayName: "Cy", ExternalID: "00u3", Active: true},
		{ID: "u4", UserName: "di@example.com", Email: "di@example.com", DisplayName: "Di", ExternalID: "00u4\u00a0", Active: true},
	}}
	var buf bytes.Buffer
	rep, err := Encode(&buf, st, EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"# name left unmanaged: it holds the control character or noncharacter U+009B, which a manifest refuses",
		"# externalId left unmanaged: it holds the control character or noncharacter U+0085",
		"# externalId left unmanaged: it holds the control character or noncharacter U+FFFE",
		"# externalId left unmanaged: it has a space at one end, which a manifest refuses",
		"name: Amy", "name: Cy", "externalId: 00u3", "name: Di",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("export lacks %q:\n%s", want, out)
		}
	}
	if w := rep.Warnings(); len(w) != 1 || !strings.HasPrefix(w[0], "3 user(s) have a name or externalId a manifest refuses") {
		t.Errorf("warnings %q", w)
	}
	m, err := Parse([]Source{{"ctl.yaml", buf.Bytes()}})
	if err != nil || len(m.State.Users) != 4 {
		t.Fatalf("read back: %v\n%s", err, out)
	}
	for _, u := range m.State.Users {
		if TextProblem(u.DisplayName) != "" || ExternalIDProblem(u.ExternalID) != "" {
			t.Errorf("written: %+v", u)
		}
	}
}

// TestParseRefusesControlTexts: a manifest's name or externalId holding a
// control character or noncharacter is refused at its position (W&B would
// keep it as written); bidirectional and other format characters inside
// are text.
func TestParseRefusesControlTexts(t *testing.T) {
	for _, tc := range []struct{ field, value, want string }{
		{"name", `"a\0b"`, `m.yaml:4:11: name "a\x00b" holds the control character or noncharacter U+0000`},
		{"name", `"a\eb"`, "U+001B"},
		{"name", `"two\nlines"`, "U+000A"},
		{"externalId", `"x\ty"`, `m.yaml:4:17: externalId "x\ty" holds the control character or noncharacter U+0009`},
		{"externalId", `"a\uFFFEb"`, "U+FFFE"},
		{"externalId", `"a\u0085"`, "U+0085"},
		// compared exactly: a pasted space would replace the live id
		{"externalId", `"00u1 "`, `m.yaml:4:17: externalId "00u1 " has a space at one end: an identity provider's ids have none`},
		{"externalId", `" 00u1"`, "has a space at one end"},
		{"externalId", `"00u1\u00a0"`, "has a space at one end"},
		{"externalId", `"00u1\u3000"`, "has a space at one end"},
		{"externalId", `"00u1\u200b"`, "has the invisible character U+200B at one end, where it reads as the id without it"},
	} {
		doc := "version: 1\nusers:\n  - email: a@example.com\n    " + tc.field + ": " + tc.value + "\n"
		_, err := Parse([]Source{{"m.yaml", []byte(doc)}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %s: err = %v, want %q", tc.field, tc.value, err, tc.want)
		}
	}
	doc := "version: 1\nusers:\n  - email: a@example.com\n    name: \"A\\u202eB \\u200bC\"\n    externalId: \"x y\"\n"
	if _, err := Parse([]Source{{"m.yaml", []byte(doc)}}); err != nil {
		t.Errorf("format characters and a space inside: %v", err)
	}
}

// TestEncodeLeavesOutWhatAManifestCannotHold: users and teams a manifest
// would refuse are reported, and teams holding a member that cannot be
// written become additive; a team named with a space at an end is written
// trimmed and pinned when it alone answers to that name; what is written
// validates.
func TestEncodeLeavesOutWhatAManifestCannotHold(t *testing.T) {
	st := model.State{
		Users: []model.User{
			{ID: "1", UserName: "ok", Email: "ok@x.io", Active: true},
			{ID: "2", UserName: "bad email", Email: "not-an-email", Active: true},
			{ID: "3", UserName: "has space", Email: "space@x.io", Active: true},
			{ID: "4", UserName: "OK@x.io", Email: "other@x.io", Active: true}, // its handle is user 5's email
			{ID: "5", UserName: "ok@x.io.", Email: "ok2@x.io", Active: true},
			{ID: "6", UserName: "twin", Email: "OK@X.IO", Active: true},            // same email as user 1, and sorts first
			{ID: "7", UserName: "dev-user2\u200b", Email: "zw@x.io", Active: true}, // reads as dev-user2
		},
		Teams: []model.Team{
			{ID: "t1", Name: " padded", Members: []model.Member{{UserID: "1"}}}, // written trimmed, pinned
			{Name: "unpinned ", Members: []model.Member{{UserID: "1"}}},         // no id to pin it
			{ID: "t6", Name: "ml-research\u200b"},                               // reads as ml-research
			{ID: "t7", Name: "a\x00b"},                                          // a control character
			{ID: " t8", Name: "spaced-id"},                                      // unique: written by name, no pin
			{ID: " t9", Name: "twin"}, {ID: "t10", Name: "twin"},                // a pin that could never match
			{ID: "t5", Name: "dup-id "}, // pinned beside "dup-id"
			{ID: "t2", Name: "shared", Members: []model.Member{{UserID: "1", Email: "ok"}}},
			{Name: "Shared", Members: []model.Member{{UserID: "1", Email: "ok"}}},
			{ID: "t2", Name: "dup-id"},
			{ID: "t3", Name: "desired-ref", Members: []model.Member{{Email: "gone@x.io"}, {Email: "ok@x.io"}}},
			{ID: "t4", Name: "to-skipped", Members: []model.Member{{UserID: "2", Email: "bad email"}, {UserID: "sa"}}},
		},
	}
	var buf bytes.Buffer
	rep, err := Encode(&buf, st, EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var users, teams []string
	for _, s := range rep.SkippedUsers {
		users = append(users, s.User.ID+": "+s.Reason)
	}
	for _, s := range rep.SkippedTeams {
		teams = append(teams, s.Team.Name+": "+s.Reason)
	}
	wantUsers := []string{
		"2: its email not-an-email is not a well-formed address; policy.protected may name its userName as the glob \"[b]ad email\", to keep it from unmanagedUsers: deactivate",
		"1: another user, \"twin\" id 6, has the same email ok@x.io and is written",
		"3: its userName has space contains whitespace, a control character or a noncharacter: a W&B userName is one word, such as dev-user2",
		"7: its userName dev-user2\u200b has the invisible character U+200B at one end, where it reads as the name without it, and names another account than the one it reads as",
	}
	wantTeams := []string{
		"Shared: it shares its name with another team and has no id to pin it",
		"a\x00b: its name holds the control character or noncharacter U+0000",
		"ml-research\u200b: its name has the invisible character U+200B at one end, where it reads as the name without it",
		"shared: another team has the same id",
		"twin: its id has leading or trailing spaces, which a manifest cannot write, and it needs one to pin it by",
		"unpinned : its name has leading or trailing spaces, which a manifest cannot write, and it has no id to pin it by",
	}
	slices.Sort(teams) // (the order teams are read in)
	if d := cmp.Diff(wantUsers, users); d != "" {
		t.Errorf("skipped users (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantTeams, teams); d != "" {
		t.Errorf("skipped teams (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{`"desired-ref" (id t3)`, `" padded" (id t1)`, `"to-skipped" (id t4)`}, additiveNames(rep)); d != "" {
		t.Errorf("additive teams (-want +got):\n%s", d)
	}
	m, err := Parse([]Source{{"e.yaml", buf.Bytes()}})
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if u, tm, _ := m.Counts(); u != 3 || tm != 7 {
		t.Errorf("%d users, %d teams:\n%s", u, tm, buf.String())
	}
	// A unique name needs no pin: an id with spaces around it is not
	// written, and does not keep the team out.
	if !strings.Contains(buf.String(), "  - name: spaced-id\n    members: []\n") {
		t.Errorf("spaced-id not written by name:\n%s", buf.String())
	}
	// The team named with a space at its start is written trimmed and
	// pinned by its id, with a comment naming its live name.
	if !strings.Contains(buf.String(), "  # the live name is \" padded\", with white space at an end, which a manifest cannot write: this name, pinned by the id, manages it\n  - name: padded\n    id: t1\n") {
		t.Errorf("the padded team:\n%s", buf.String())
	}
}

// TestEncodeSharedEmailPrefersTheHandleThatIsIt: of two active users that
// hold one email, the one whose userName is that email is written, however
// the emails are capitalised: a manifest entry of the email matches it by
// userName first, so the other would be the one left unmanaged.
func TestEncodeSharedEmailPrefersTheHandleThatIsIt(t *testing.T) {
	st := model.State{Users: []model.User{
		{ID: "q1", UserName: "Quinn@Example.com", Email: "quinn@example.com", OrgRole: model.RoleAdmin, Active: true},
		{ID: "q2", UserName: "quinn2", Email: "QUINN@example.com", Active: true}, // sorts first by bytes
	}}
	var buf bytes.Buffer
	rep, err := Encode(&buf, st, EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.SkippedUsers) != 1 || rep.SkippedUsers[0].User.ID != "q2" {
		t.Fatalf("skipped %+v, want q2 only\n%s", rep.SkippedUsers, buf.String())
	}
	if out := buf.String(); !strings.Contains(out, "email: quinn@example.com") || strings.Contains(out, "quinn2") {
		t.Fatalf("want q1 written:\n%s", out)
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
	if m1.Digest() != m2.Digest() || m2.Digest() != m3.Digest() {
		t.Errorf("digests differ: %s %s %s", m1.Digest(), m2.Digest(), m3.Digest())
	}
	if !strings.HasPrefix(m1.Digest(), "sha256:") || len(m1.Digest()) != len("sha256:")+64 {
		t.Errorf("digest %q", m1.Digest())
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
		if m := parse(Source{"a.yaml", []byte(changed)}); m.Digest() == m1.Digest() {
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
	if tm := m.State.Teams[0]; tm.Membership != model.Authoritative || tm.Members[0].Role != "" {
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
	var pe *ProblemsError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v", err)
	}
	probs := pe.Problems
	want := "b.yaml:1:29: member x@y.io is not declared under users\n" +
		"a.yaml:2:17: malformed email \"bad\": it has no @"
	if got := err.Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if probs[1].String() != "a.yaml:2:17: malformed email \"bad\": it has no @" {
		t.Errorf("String() = %q", probs[1].String())
	}
}

// encodeAndParse exports st and parses the export back.
func encodeAndParse(t *testing.T, st model.State) (*Manifest, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	if _, err := Encode(&buf, st, EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	m, err := Parse([]Source{{"e.yaml", buf.Bytes()}})
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	return m, &buf
}

// TestEncodeLeavesOutKeyFragments: a user or team holding a value the
// CLI's redactor would change (8 or more characters of the API key, here
// by chance in a GUID externalId) is left out and reported, so that the
// export never holds "[redacted]" where a real value was; the teams that
// hold the user are exported additive.
func TestEncodeLeavesOutKeyFragments(t *testing.T) {
	const key = "0123456789abcdef77aa1c3e0123456789abcdef"
	red := sanitize.NewRedactor(key)
	st := observedOrg()
	st.Users[2].ExternalID = "2f0c9d6e-77aa1c3e-4b1e-9a0f-5d6c7b8a9e0f" // dev-bob, by chance
	st.Teams = append(st.Teams, model.Team{ID: "g5", Name: "ops-" + key[4:14]},
		model.Team{ID: "g6", Name: "reviewers", Members: []model.Member{{UserID: "u5", Role: model.Role("rev-" + key[16:24])}}})
	var buf bytes.Buffer
	rep, err := Encode(&buf, st, EncodeOptions{Unwritable: red.Holds})
	if err != nil {
		t.Fatal(err)
	}
	if red.Holds(buf.String()) || strings.Contains(buf.String(), "username: dev-bob") {
		t.Errorf("the export holds a key fragment or dev-bob:\n%s", buf.String())
	}
	var why []string
	for _, w := range rep.Warnings() {
		switch {
		case strings.HasPrefix(w, `team "reviewers" (id g6) exported as membership: additive`):
			if !strings.HasSuffix(w, "(member zoe@example.com's role holds the API key, or 8 or more characters of it)") {
				t.Errorf("reviewers' warning does not say why: %q", w)
			}
		case strings.Contains(w, "holds the API key, or 8 or more characters of it"):
			why = append(why, w)
		}
	}
	if len(why) != 2 || !strings.Contains(why[0], `user "dev-bob" id u2 left out of the export: its externalId holds the API key, or 8 or more characters`) ||
		!strings.Contains(why[1], "left out of the export: its name holds the API key, or 8 or more characters") {
		t.Errorf("warnings %q, want dev-bob's externalId and team g5's name", why)
	}
	if names := additiveNames(rep); !slices.Contains(names, `"research" (id g2)`) || !slices.Contains(names, `"reviewers" (id g6)`) {
		t.Errorf("additive teams %q: research holds dev-bob, reviewers zoe with a role holding a key fragment", names)
	}
	if _, err := Parse([]Source{{"export.yaml", buf.Bytes()}}); err != nil {
		t.Fatalf("the export does not parse: %v", err)
	}
}

// TestEncodeSubdivisionFlag: a name holding a subdivision flag (🏴 and tag
// characters, above U+FFFF) is written and read back as it is.
func TestEncodeSubdivisionFlag(t *testing.T) {
	const name = "Alice \U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F"
	st := model.State{Users: []model.User{{ID: "u1", UserName: "a@example.com", Email: "a@example.com", DisplayName: name, Active: true}}}
	var buf bytes.Buffer
	if _, err := Encode(&buf, st, EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	m, err := Parse([]Source{{"flag.yaml", buf.Bytes()}})
	if err != nil || len(m.State.Users) != 1 || m.State.Users[0].DisplayName != name {
		t.Fatalf("read back %+v, %v\n%s", m, err, buf.String())
	}
}

// TestEncodeNoCustomRoles: a Multi-tenant Cloud export declares no custom
// team role (plan would refuse it there): the member is left out and its
// team written additive, so that the export plans as no change; the
// predefined roles are written as usual.
func TestEncodeNoCustomRoles(t *testing.T) {
	st := model.State{
		Users: []model.User{{ID: "u1", UserName: "a@b.co", Email: "a@b.co", Active: true}, {ID: "u2", UserName: "b@b.co", Email: "b@b.co", Active: true}},
		Teams: []model.Team{{ID: "g1", Name: "ml", Members: []model.Member{{UserID: "u1", Role: "Ops Lead"}, {UserID: "u2", Role: "Admin"}}}},
	}
	var buf bytes.Buffer
	rep, err := Encode(&buf, st, EncodeOptions{NoCustomRoles: true})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse([]Source{{"e.yaml", buf.Bytes()}})
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	want := []model.Team{{Name: "ml", Membership: model.Additive, Members: []model.Member{{Email: "b@b.co", Role: "admin"}}}}
	if d := cmp.Diff(want, m.State.Teams, ignoreHints); d != "" || !strings.Contains(buf.String(), "is a custom role, which Multi-tenant Cloud does not have") {
		t.Errorf("teams (-want +got):\n%s\n%s", d, buf.String())
	}
	if len(rep.AdditiveTeams) != 1 {
		t.Errorf("report %+v, want the team written additive", rep)
	}
	// Without the option the custom role is written.
	m, _ = encodeAndParse(t, st)
	if r := m.State.Teams[0].Members[0].Role; r != "Ops Lead" {
		t.Errorf("dedicated export: role %q, want Ops Lead", r)
	}
	// Checked against /Roles: written when listed exactly, else left out.
	for roles, wantMembers := range map[string]int{"Ops Lead": 2, "ops lead": 1} {
		buf.Reset()
		if _, err := Encode(&buf, st, EncodeOptions{CustomRoles: map[string]bool{roles: true}}); err != nil {
			t.Fatal(err)
		}
		m, err := Parse([]Source{{"e.yaml", buf.Bytes()}})
		if err != nil || len(m.State.Teams[0].Members) != wantMembers || (wantMembers == 1) != (m.State.Teams[0].Membership == model.Additive) {
			t.Errorf("/Roles lists %q: %v\n%s", roles, err, buf.String())
		}
	}
}

// TestEncodeSharedEmailKeepsTheActiveAccount: of two live accounts holding
// one email, the export writes the active one (an old deactivated account
// sorts first by id), and says which it kept.
func TestEncodeSharedEmailKeepsTheActiveAccount(t *testing.T) {
	st := model.State{Users: []model.User{
		{ID: "a1", UserName: "bob-old", Email: "bob@x.io", Active: false},
		{ID: "b2", UserName: "bob", Email: "bob@x.io", Active: true},
	}}
	var buf bytes.Buffer
	rep, err := Encode(&buf, st, EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "username: bob\n") || strings.Contains(buf.String(), "bob-old") || strings.Contains(buf.String(), "active: false") {
		t.Fatalf("export:\n%s", buf.String())
	}
	if len(rep.SkippedUsers) != 1 || rep.SkippedUsers[0].User.ID != "a1" || !strings.Contains(rep.SkippedUsers[0].Reason, `"bob" id b2`) {
		t.Fatalf("skipped %+v", rep.SkippedUsers)
	}
}

// TestEncodeSaysUndeclarableAddressCanBeProtected: a user left out because
// its address is one no manifest user may declare (admin@localhost) is
// told it can still be protected; a protected entry naming it parses.
func TestEncodeSaysUndeclarableAddressCanBeProtected(t *testing.T) {
	st := model.State{Users: []model.User{{ID: "1", UserName: "admin@localhost", Email: "admin@localhost", Active: true}}}
	var buf bytes.Buffer
	rep, err := Encode(&buf, st, EncodeOptions{})
	if err != nil || len(rep.SkippedUsers) != 1 || !strings.Contains(rep.SkippedUsers[0].Reason, "policy.protected may name it") {
		t.Fatalf("err %v, skipped %+v", err, rep.SkippedUsers)
	}
	if _, err := Parse([]Source{{"m.yaml", []byte("version: 1\npolicy:\n  protected: [admin@localhost]\n")}}); err != nil {
		t.Fatal(err)
	}
}

// TestLeftOut: the reasons a team's members are left out are listed, the
// first caps.ShownNames of them, then counted.
func TestLeftOut(t *testing.T) {
	var left []string
	for i := range caps.ShownNames + 2 {
		left = append(left, fmt.Sprintf("r%d", i))
	}
	if got, want := leftOut(left[:1]), "1 member(s) cannot be declared (r0)"; got != want {
		t.Errorf("one: %q, want %q", got, want)
	}
	want := fmt.Sprintf("%d member(s) cannot be declared (%s; and 2 more)", len(left), strings.Join(left[:caps.ShownNames], "; "))
	if got := leftOut(left); got != want {
		t.Errorf("many: %q, want %q", got, want)
	}
}

// TestEncodeTrimsEmails: a live email with white space around it is the
// address plan matches a manifest's to (model.Key trims): export writes it
// trimmed, with its team member, instead of leaving the user out as
// malformed (and the team additive). The input is not changed.
func TestEncodeTrimsEmails(t *testing.T) {
	st := model.State{
		Users: []model.User{{ID: "u1", UserName: "dina1", Email: " dina@example.com ", Active: true}},
		Teams: []model.Team{{ID: "g", Name: "t", Members: []model.Member{{UserID: "u1", Email: "dina1"}}}},
	}
	got := encodeString(t, st)
	if !strings.Contains(got, "  - email: dina@example.com\n    username: dina1\n") || !strings.Contains(got, "      - dina@example.com\n") ||
		strings.Contains(got, "additive") {
		t.Errorf("export:\n%s", got)
	}
	if st.Users[0].Email != " dina@example.com " {
		t.Errorf("the input was changed: %q", st.Users[0].Email)
	}
	if _, err := Parse([]Source{{"e.yaml", []byte(got)}}); err != nil {
		t.Error(err)
	}
}

// TestEncodeSameEmailNewestWhenBothInactive: of two deactivated accounts
// holding one email, neither named by it, the one created last is
// written (the SSO account that replaced an old password one), whatever
// the order they are listed in.
func TestEncodeSameEmailNewestWhenBothInactive(t *testing.T) {
	old := model.User{ID: "1", UserName: "pw-paul", Email: "PAUL@x.io", Created: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)}
	sso := model.User{ID: "2", UserName: "paul-wood", Email: "paul@x.io", Created: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, us := range [][]model.User{{old, sso}, {sso, old}} {
		var buf bytes.Buffer
		rep, err := Encode(&buf, model.State{Users: us}, EncodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "username: paul-wood") || len(rep.SkippedUsers) != 1 || rep.SkippedUsers[0].User.ID != "1" {
			t.Errorf("listed %s first: wrote\n%s\nskipped %+v", us[0].UserName, buf.String(), rep.SkippedUsers)
		}
	}
}

// TestEncodeCommentsSpellNamesAlike: the comments of teams sharing a name
// quote it as the other comments do (\u0085, not \x85 in one and \u0085
// in the next).
func TestEncodeCommentsSpellNamesAlike(t *testing.T) {
	st := model.State{Teams: []model.Team{{ID: "g1", Name: "t\u0085"}, {ID: "g2", Name: " t\u0085"}}}
	var buf bytes.Buffer
	if _, err := Encode(&buf, st, EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, `# 2 teams share the name "t\u0085"`) || !strings.Contains(out, `# the live name is " t\u0085"`) || strings.Contains(out, `\x85`) {
		t.Errorf("comments spell the name two ways:\n%s", out)
	}
}

// TestEncodeNoUsersListedKeepsTeamsAdditive: a read that lists no user at
// all while its teams have members does not show the users (a key or a
// proxy that filters /Users): the teams holding members are written
// membership: additive, so that a plan of the export against a read that
// shows them removes none; a team without members stays authoritative.
// With one user listed, members that match none are service accounts,
// left out silently, as before.
func TestEncodeNoUsersListedKeepsTeamsAdditive(t *testing.T) {
	teams := []model.Team{
		{ID: "t1", Name: "ml", Members: []model.Member{{UserID: "u1"}, {UserID: "u2"}}},
		{ID: "t2", Name: "ops"},
	}
	var buf bytes.Buffer
	rep, err := Encode(&buf, model.State{Teams: teams}, EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{`"ml" (id t1)`}, additiveNames(rep)); d != "" {
		t.Errorf("additive teams (-want +got):\n%s", d)
	}
	if !strings.Contains(buf.String(), "# membership: additive because 2 member(s) cannot be declared (member u1 matches no user, and the read lists none; member u2 matches no user, and the read lists none): applying this export never removes them\n  - name: ml\n    membership: additive\n    members: []\n") ||
		!strings.Contains(buf.String(), "  - name: ops\n    members: []\n") {
		t.Errorf("export:\n%s", buf.String())
	}
	buf.Reset()
	st := model.State{Users: []model.User{{ID: "u9", UserName: "a@x.io", Email: "a@x.io", Active: true}}, Teams: teams}
	if rep, err = Encode(&buf, st, EncodeOptions{}); err != nil || len(rep.AdditiveTeams) != 0 || rep.Unresolved != 2 {
		t.Errorf("one user listed: err %v, additive %v, unresolved %d:\n%s", err, rep.AdditiveTeams, rep.Unresolved, buf.String())
	}
}
