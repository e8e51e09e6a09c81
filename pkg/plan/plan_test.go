package plan

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// samplePlan is a small plan of every kind of line.
func samplePlan() Plan {
	return Plan{
		FormatVersion: FormatVersion,
		Changes: []Change{
			{Action: CreateUser, User: "a@x.com"},
			{Action: UpdateUser, User: "d@x.com", UserID: "ud", Email: "d@x.com", FromEmail: "old@x.com", DroppedEmails: NewEmailList([]string{"o<t>&@x.com", "\u001b@x.com"})},
			{Action: AddMember, User: "a@x.com", Team: "ml", TeamID: "g", Role: "admin"},
			{Action: RemoveMember, User: "b@x.com", Team: "ml", UserID: "ub", TeamID: "g"},
			{Action: DeactivateUser, User: "b@x.com", UserID: "ub", Reason: "active: false"},
		},
		Warnings: []Warning{{Code: WarnUnmanagedUser, User: "c@x.com", Message: "m"}},
		Blocked:  []Block{},
	}
}

func TestJSONNeverNull(t *testing.T) {
	var b bytes.Buffer
	if err := (Plan{}).WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"changes": []`, `"warnings": []`, `"blocked": []`} {
		if !strings.Contains(b.String(), k) {
			t.Errorf("JSON lacks %s:\n%s", k, b.String())
		}
	}
	if !strings.HasSuffix(b.String(), "}\n") || !strings.Contains(b.String(), "\n  \"") {
		t.Errorf("want indented JSON with a trailing newline:\n%s", b.String())
	}
	p := Plan{FormatVersion: FormatVersion}
	b.Reset()
	if err := p.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m["format_version"] != "1" {
		t.Errorf("format_version = %v", m["format_version"])
	}
	for _, k := range []string{"changes", "warnings", "blocked"} {
		if _, ok := m[k].([]any); !ok {
			t.Errorf("%s is %T, want a list", k, m[k])
		}
	}
}

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		c    Change
		want string
	}{
		{Change{Action: CreateUser, User: "a@x.com", Name: "A", ExternalID: "e"}, `create user a@x.com with name "A", externalId "e"`},
		{Change{Action: CreateTeam, Team: "ml"}, "create team ml"},
		{Change{Action: ReactivateUser, User: "a@x.com"}, "reactivate user a@x.com"},
		{Change{Action: UpdateUser, User: "a@x.com", Name: "B", From: "A"}, `update user a@x.com: name "A" → "B"`},
		{Change{Action: CreateUser, User: "a@x.com", Username: "dev-a"}, `create user a@x.com with username "dev-a"`},
		{Change{Action: UpdateUser, User: "a@x.com", Email: "a@x.com", FromEmail: "old@x.com"}, `update user a@x.com: email "old@x.com" → "a@x.com"`},
		{Change{Action: SetOrgRole, User: "a@x.com", Role: "admin", Reason: ReasonUnverified}, "set the org role of a@x.com to admin (unverified)"},
		{Change{Action: AddMember, User: "a@x.com", Team: "ml", Role: "admin"}, "add a@x.com to team ml as admin"},
		{Change{Action: SetOrgRole, User: "a@x.com", Role: "admin", From: "member"}, "set the org role of a@x.com: member → admin"},
		{Change{Action: SetTeamRole, User: "a@x.com", Team: "ml", Role: "admin"}, "set the role of a@x.com in team ml to admin"},
		{Change{Action: RemoveMember, User: "a@x.com", Team: "ml", Reason: "r"}, "remove a@x.com from team ml (r)"},
		{Change{Action: DeactivateUser, User: "a@x.com", Reason: "active: false"}, "deactivate user a@x.com (active: false)"},
		{Change{Action: DeactivateUser, User: "a@x.com", From: "admin", Reason: "active: false"}, "deactivate user a@x.com, an admin (active: false)"},
		{Change{Action: RemoveMember, User: "b@x.com", Username: "bobby", Team: "ml"}, "remove bobby (b@x.com) from team ml"},
		{Change{Action: DeactivateUser, User: "b@x.com", Username: "bobby"}, "deactivate user bobby (b@x.com)"},
	} {
		if got := Describe(tc.c); got != tc.want {
			t.Errorf("Describe(%s) = %q, want %q", tc.c.Action, got, tc.want)
		}
	}
}

func TestEqualAndChangesDiff(t *testing.T) {
	a := samplePlan()
	b := samplePlan()
	b.ManifestDigest, b.Warnings = "other", nil // not part of what a plan does
	if !Equal(a, b) || len(ChangesDiff(a, b)) != 0 {
		t.Fatalf("equal plans differ: %v", ChangesDiff(a, b))
	}
	c := samplePlan()
	c.Changes = append([]Change{}, c.Changes[1:]...)
	c.Changes = append(c.Changes, Change{Action: CreateTeam, Team: "new"})
	lines := ChangesDiff(a, c)
	if Equal(a, c) || len(lines) != 2 {
		t.Fatalf("lines = %q", lines)
	}
	if !strings.HasPrefix(lines[0], "- no longer planned: "+Describe(a.Changes[0])) || lines[1] != "+ now planned: create team new" {
		t.Errorf("lines = %q", lines)
	}
	d := samplePlan()
	d.Blocked = []Block{{Limit: LimitMaxDeactivations, Message: "m", Planned: 2, Allowed: 1}}
	if Equal(a, d) || len(ChangesDiff(a, d)) != 1 || !strings.Contains(ChangesDiff(a, d)[0], "now blocked by maxDeactivations") {
		t.Errorf("block difference not reported: %q", ChangesDiff(a, d))
	}
	e := samplePlan()
	e.Changes[0], e.Changes[1] = e.Changes[1], e.Changes[0]
	if Equal(a, e) || len(ChangesDiff(a, e)) != 1 {
		t.Errorf("order difference not reported: %q", ChangesDiff(a, e))
	}
}

func TestStaleness(t *testing.T) {
	saved := samplePlan()
	saved.ObservedFingerprint = "sha256:aa"
	saved.Seats = Seats{ActiveBefore: 3, ActiveAfter: 3}
	now := samplePlan()
	now.ObservedFingerprint = "sha256:aa"
	now.Seats = saved.Seats
	if lines := Staleness(saved, now); len(lines) != 0 {
		t.Fatalf("the same plan against the same organization is stale: %v", lines)
	}
	// The same changes against an organization that reads differently.
	now.ObservedFingerprint, now.Seats.ActiveBefore = "sha256:bb", 4
	now.Warnings = append(slices.Clone(now.Warnings), Warning{Code: WarnUnmanagedUser, User: "z@x.com", Message: "z@x.com is not in the manifest"})
	saved.Warnings = append(slices.Clone(saved.Warnings), Warning{Code: WarnUnmanagedRecent, User: "j@x.com", Message: "j@x.com was created 2h ago"})
	got := strings.Join(Staleness(saved, now), "\n")
	for _, s := range []string{"the same changes", "sha256:aa", "sha256:bb", "so, apart from the lines below, it cannot say which)\n", "3 active → 3 active; now 4 active",
		"+ now warned: unmanaged_user: z@x.com is not in the manifest", "- no longer warned: unmanaged_recent: j@x.com was created 2h ago"} {
		if !strings.Contains(got, s) {
			t.Errorf("Staleness lacks %q:\n%s", s, got)
		}
	}
	// A warning that reads differently but is about the same thing (a
	// count, an age) is not a difference.
	later := slices.Clone(saved.Warnings)
	later[len(later)-1].Message = "j@x.com was created 3h ago"
	now.Warnings = later
	now.Seats = saved.Seats
	if got := strings.Join(Staleness(saved, now), "\n"); strings.Contains(got, "warned") || !strings.HasSuffix(got, "(a plan holds no copy of the organization read, so it cannot say which)") {
		t.Errorf("the same warning with another age is named as a difference, or the fingerprint line claims lines below:\n%s", got)
	}
	// Changed changes are named as ChangesDiff names them, whatever the
	// fingerprints say.
	now = samplePlan()
	now.ObservedFingerprint = "sha256:aa"
	now.Changes = now.Changes[1:]
	if got := Staleness(saved, now); len(got) != 1 || !strings.Contains(got[0], "no longer planned: create user a@x.com") {
		t.Errorf("Staleness = %q", got)
	}
}

// TestChangesDiffCountsRepeats: a change a plan file lists more (or fewer)
// times than the plan now holds it is said with both counts, once, not as
// "no longer planned" or "now planned".
func TestChangesDiffCountsRepeats(t *testing.T) {
	saved, now := samplePlan(), samplePlan()
	saved.Changes = append(saved.Changes, saved.Changes[0], saved.Changes[0])
	want := "~ listed 3 time(s) in the plan file, planned 1 time(s) now: " + Describe(saved.Changes[0])
	if got := ChangesDiff(saved, now); strings.Join(got, "\n") != want {
		t.Errorf("ChangesDiff = %q, want %q", got, want)
	}
	if got := ChangesDiff(now, saved); len(got) != 1 || got[0] != "~ listed 1 time(s) in the plan file, planned 3 time(s) now: "+Describe(saved.Changes[0]) {
		t.Errorf("ChangesDiff the other way = %q", got)
	}
	// A change the file lacks altogether is planned now.
	saved.Changes = now.Changes[1:]
	if got := ChangesDiff(saved, now); len(got) != 1 || !strings.HasPrefix(got[0], "+ now planned: ") {
		t.Errorf("ChangesDiff of a change left out = %q", got)
	}
}

// A change that reads the same before and after, but for its ids (the
// team now exists), is one "~" line with both, after the real differences;
// other lines show none.
func TestChangesDiffShowsIDsOfLookAlikes(t *testing.T) {
	saved := samplePlan()
	saved.Changes = append(saved.Changes, Change{Action: AddMember, User: "d@x.com", Team: "new", Role: "member"})
	now := samplePlan()
	now.Changes = now.Changes[1:]
	now.Changes = append(now.Changes, Change{Action: AddMember, User: "d@x.com", Team: "new", UserID: "ud", TeamID: "gn", Role: "member"})
	got := ChangesDiff(saved, now)
	want := []string{
		"- no longer planned: create user a@x.com",
		`~ the same change, with other ids: add d@x.com to team new as member [user_id "" → "ud", team_id "" → "gn"]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ChangesDiff =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Two look-alikes saved, one now: one pair, and the other is no
	// longer planned, with its ids.
	saved.Changes = append(saved.Changes, Change{Action: AddMember, User: "d@x.com", Team: "new", TeamID: "g2", Role: "member"})
	got = ChangesDiff(saved, now)
	want = []string{
		"- no longer planned: create user a@x.com",
		`- no longer planned: add d@x.com to team new as member [user_id "", team_id "g2"]`,
		`~ the same change, with other ids: add d@x.com to team new as member [user_id "" → "ud", team_id "" → "gn"]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ChangesDiff =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Only the ids that moved are shown: the user's stayed.
	got = ChangesDiff(
		Plan{Changes: []Change{{Action: AddMember, User: "e@x.com", Team: "new", UserID: "ue", Role: "member"}}},
		Plan{Changes: []Change{{Action: AddMember, User: "e@x.com", Team: "new", UserID: "ue", TeamID: "gn", Role: "member"}}})
	if want := `~ the same change, with other ids: add e@x.com to team new as member [team_id "" → "gn"]`; strings.Join(got, "\n") != want {
		t.Errorf("ChangesDiff = %q, want %q", got, want)
	}
	// Reading the same but differing in what is not shown besides the
	// ids (an edited file): not the same work, both lines kept, ids (and a
	// from) shown.
	saved, now = samplePlan(), samplePlan()
	saved.Changes = append(saved.Changes, Change{Action: AddMember, User: "e@x.com", Team: "t", UserID: "u1", TeamID: "g1", Role: "member", From: "x"})
	now.Changes = append(now.Changes, Change{Action: AddMember, User: "e@x.com", Team: "t", UserID: "u1", TeamID: "g1", Role: "member"})
	got = ChangesDiff(saved, now)
	want = []string{
		`- no longer planned: add e@x.com to team t as member [user_id "u1", team_id "g1", from "x"]`,
		`+ now planned: add e@x.com to team t as member [user_id "u1", team_id "g1", from ""]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ChangesDiff =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestDroppedEmailsJSON: dropped_emails is a JSON list written as every
// other plan string is (no HTML escaping, controls escaped), and reads back
// the same; none is left out.
func TestDroppedEmailsJSON(t *testing.T) {
	var b bytes.Buffer
	if err := samplePlan().WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"dropped_emails": [`+"\n"+`        "o<t>&@x.com",`+"\n"+`        "\u001b@x.com"`) {
		t.Errorf("dropped_emails not written as a plain list:\n%s", b.String())
	}
	if strings.Count(b.String(), "dropped_emails") != 1 {
		t.Errorf("dropped_emails written on a change without any:\n%s", b.String())
	}
	var back Plan
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if got := back.Changes[1].DroppedEmails.Values(); !slices.Equal(got, []string{"o<t>&@x.com", "\x1b@x.com"}) {
		t.Errorf("read back %q", got)
	}
}

// TestWarningsDiffTellsEntriesApart: two protected_unmatched warnings
// differ by their entry, not only by their messages, which the comparison
// does not read: the one no longer warned is named, and swapping one entry
// for another is said.
func TestWarningsDiffTellsEntriesApart(t *testing.T) {
	w := func(e string) Warning {
		return Warning{Code: WarnProtectedUnmatched, Entry: e, Message: "policy.protected entry " + strconv.Quote(e) + " matches no user"}
	}
	got := warningsDiff([]Warning{w("abe@example.com"), w("svc-*")}, []Warning{w("svc-*")})
	if len(got) != 1 || got[0] != NoLongerWarned+`protected_unmatched: policy.protected entry "abe@example.com" matches no user` {
		t.Errorf("one gone: %q", got)
	}
	if got := warningsDiff([]Warning{w("a@x.com")}, []Warning{w("b@x.com")}); len(got) != 2 {
		t.Errorf("one swapped for another: %q", got)
	}
}

// TestWarningsDiffLeavesOutUnreviewable: manifest_unreviewable is about
// the files a plan was made from, which a saved plan's embedded manifest
// does not have: the plan made again at apply lacks it, and that is no
// difference to show (other warnings still are).
func TestWarningsDiffLeavesOutUnreviewable(t *testing.T) {
	unrev := Warning{Code: WarnManifestUnreviewable, Message: "a.yaml: bidirectional control characters"}
	other := Warning{Code: WarnUnmanagedUser, User: "x@x.com", Message: "x@x.com is active in W&B but not in the manifest"}
	if got := warningsDiff([]Warning{unrev, other}, []Warning{other}); len(got) != 0 {
		t.Errorf("saved with manifest_unreviewable, made again without: %q", got)
	}
	if got := warningsDiff([]Warning{other}, []Warning{unrev}); len(got) != 1 || got[0] != NoLongerWarned+"unmanaged_user: "+other.Message {
		t.Errorf("only the other warning differs: %q", got)
	}
}

// TestChangesDiffShowsFromOfLookAlikes: a removal saved without the team
// role it takes away (a plan of an earlier wbsync version) reads as the
// removal planned now; the from of the one that has it tells them apart.
func TestChangesDiffShowsFromOfLookAlikes(t *testing.T) {
	rm := Change{Action: RemoveMember, User: "a@x.com", UserID: "ua", Team: "ml", TeamID: "g"}
	withFrom := rm
	withFrom.From = "member"
	got := ChangesDiff(Plan{Changes: []Change{rm}}, Plan{Changes: []Change{withFrom}})
	want := []string{
		`- no longer planned: remove a@x.com from team ml [user_id "ua", team_id "g", from ""]`,
		`+ now planned: remove a@x.com from team ml [user_id "ua", team_id "g", from "member"]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ChangesDiff =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestChangesDiffShowsEditedFieldsOfLookAlikes: a change a plan file was
// edited in, in a field its line does not show (a role added to a
// create_user), reads as two lines that differ: each names that
// field with its own value. Every field of a Change is a string, as
// otherFields reads them.
func TestChangesDiffShowsEditedFieldsOfLookAlikes(t *testing.T) {
	create := Change{Action: CreateUser, User: "dave@x.com"}
	edited := create
	edited.Role = "admin"
	got := ChangesDiff(Plan{Changes: []Change{edited}}, Plan{Changes: []Change{create}})
	want := []string{
		`- no longer planned: create user dave@x.com [user_id "", team_id "", role "admin"]`,
		`+ now planned: create user dave@x.com [user_id "", team_id "", role ""]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ChangesDiff =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	typ := reflect.TypeFor[Change]()
	for i := range typ.NumField() {
		if f := typ.Field(i); f.Type.Kind() != reflect.String || f.Tag.Get("json") == "" {
			t.Errorf("Change.%s is a %s tagged %q: otherFields reads every field as a string named by its JSON tag", f.Name, f.Type, f.Tag.Get("json"))
		}
	}
}

// TestCreateAttrsEscapesPadding: a display name padded to a terminal's
// width is shown with its padding escaped (sanitize.Quote).
func TestCreateAttrsEscapesPadding(t *testing.T) {
	c := Change{Action: CreateUser, User: "a@x.com", Name: "A" + strings.Repeat(" ", 120) + "Plan: 0 to add, 0 to change, 0 to remove."}
	if got := CreateAttrs(c); strings.Contains(got, "    ") {
		t.Errorf("CreateAttrs shows the padding: %q", got)
	}
}

// TestChangesDiffComparesWithTheFirstLookAlike: with two look-alikes on the
// other side, a line shows the fields in which it differs from the first
// (firstOf), not the last.
func TestChangesDiffComparesWithTheFirstLookAlike(t *testing.T) {
	saved := Change{Action: CreateUser, User: "dave@x.com", Role: "admin", From: "a"}
	first, last := saved, saved
	first.From = "b"
	last.Role = "member"
	got := ChangesDiff(Plan{Changes: []Change{saved}}, Plan{Changes: []Change{first, last}})
	if len(got) == 0 || got[0] != `- no longer planned: create user dave@x.com [user_id "", team_id "", from "a"]` {
		t.Errorf("ChangesDiff =\n%s\nwant its first line to name the from in which it differs from the first look-alike", strings.Join(got, "\n"))
	}
}
