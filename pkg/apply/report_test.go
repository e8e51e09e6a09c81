package apply

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/progress"
)

func intp(i int) *int { return &i }

func sampleReport() *Report {
	return &Report{
		Results: []Result{
			{Action: plan.CreateUser, User: "a@x.com", UserID: "u1", Status: StatusOK, DurationMS: 12, Requests: 1},
			{Action: plan.AddMember, User: "b@x.com", UserID: "u2", Team: "ml", TeamID: "t1", Status: StatusFailed,
				HTTPStatus: 400, Detail: "no such user", Error: "PATCH /Groups/t1: 400 Bad Request: no such user", DurationMS: 30, Requests: 3},
			{Action: plan.SetTeamRole, User: "b@x.com", Team: "ml", Status: StatusFailed, Error: "depends on failed add_member b@x.com to team ml", CausedBy: intp(1)},
			{Action: plan.SetOrgRole, User: "e@x.com", UserID: "u5", Status: StatusUnknown, Reason: plan.ReasonUnverified,
				Error: "PATCH /Users/u5: context canceled", Requests: 1},
			{Action: plan.RemoveMember, User: "b@x.com", UserID: "u2", Team: "cv", TeamID: "t2", From: "admin", Status: StatusSkipped, CausedBy: intp(1),
				Reason: "not run: add_member b@x.com to team ml failed earlier (HTTP 400: no such user)"},
			{Action: plan.DeactivateUser, User: "d@x.com", UserID: "u4", From: "admin", Status: StatusSkipped, Reason: "not started: apply was interrupted"},
		},
		OK: 1, Failed: 2, Skipped: 2, Unknown: 1, Interrupted: true, Requests: 5, DurationMS: 45,
		Seats: plan.Seats{ActiveBefore: 5, ActiveAfter: 4},
		Verification: &Verification{Remaining: 1, Changes: []plan.Change{
			{Action: plan.AddMember, User: "b@x.com", UserID: "u2", Team: "ml", TeamID: "t1", Role: "member"},
		}},
		ManifestDigest: "sha256:m", ObservedFingerprint: "sha256:o",
		Target:    plan.Target{URL: "https://acme.wandb.io/scim", Deployment: model.Dedicated},
		StartedAt: time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC),
	}
}

func TestReportJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleReport().WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, buf.String())
	}
	want := map[string]any{
		"format_version": "1",
		"ok":             1.0, "failed": 2.0, "skipped": 2.0, "unknown": 1.0, "interrupted": true, "requests": 5.0, "duration_ms": 45.0,
		"seats":           map[string]any{"active_before": 5.0, "active_after": 4.0},
		"manifest_digest": "sha256:m", "observed_fingerprint": "sha256:o",
		"target":     map[string]any{"url": "https://acme.wandb.io/scim", "deployment": "dedicated"},
		"started_at": "2026-12-05T18:00:00Z",
		"operations": []any{
			map[string]any{"action": "create_user", "user": "a@x.com", "user_id": "u1", "status": "ok", "duration_ms": 12.0, "requests": 1.0},
			map[string]any{"action": "add_member", "user": "b@x.com", "user_id": "u2", "team": "ml", "team_id": "t1", "status": "failed",
				"http_status": 400.0, "detail": "no such user", "error": "PATCH /Groups/t1: 400 Bad Request: no such user", "duration_ms": 30.0, "requests": 3.0},
			map[string]any{"action": "set_team_role", "user": "b@x.com", "team": "ml", "status": "failed",
				"error": "depends on failed add_member b@x.com to team ml", "caused_by": 1.0, "duration_ms": 0.0, "requests": 0.0},
			map[string]any{"action": "set_org_role", "user": "e@x.com", "user_id": "u5", "status": "unknown", "reason": "unverified",
				"error": "PATCH /Users/u5: context canceled", "duration_ms": 0.0, "requests": 1.0},
			map[string]any{"action": "remove_member", "user": "b@x.com", "user_id": "u2", "team": "cv", "team_id": "t2", "from": "admin", "status": "skipped",
				"reason": "not run: add_member b@x.com to team ml failed earlier (HTTP 400: no such user)", "caused_by": 1.0,
				"duration_ms": 0.0, "requests": 0.0},
			map[string]any{"action": "deactivate_user", "user": "d@x.com", "user_id": "u4", "from": "admin", "status": "skipped",
				"reason": "not started: apply was interrupted", "duration_ms": 0.0, "requests": 0.0},
		},
		"verification": map[string]any{
			"remaining": 1.0,
			"changes": []any{
				map[string]any{"action": "add_member", "user": "b@x.com", "user_id": "u2", "team": "ml", "team_id": "t1", "role": "member"},
			},
		},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("report JSON (-want +got):\n%s", d)
	}
}

func TestReportJSONEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := (&Report{}).WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"operations": []`) {
		t.Fatalf("empty report has no empty operations list:\n%s", buf.String())
	}
	if strings.Contains(buf.String(), "verification") {
		t.Fatalf("verification shown although none was made (--no-verify):\n%s", buf.String())
	}
	buf.Reset()
	if err := (&Report{Verification: &Verification{}}).WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"verification": {
    "remaining": 0,
    "changes": []
  }`) {
		t.Fatalf("clean verification not shown as remaining 0, changes []:\n%s", buf.String())
	}
}

func TestReportText(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleReport().WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"failed:  add_member b@x.com to team ml: PATCH /Groups/t1: 400 Bad Request: no such user",
		"failed:  set_team_role b@x.com in team ml: depends on failed add_member b@x.com to team ml",
		"unknown: set_org_role e@x.com (unverified): PATCH /Users/u5: context canceled; whether it was done (or how much of it) is unknown; the next plan shows it",
		"skipped: remove_member b@x.com from team cv, a team admin: not run: add_member b@x.com to team ml failed earlier (HTTP 400: no such user)",
		"skipped: deactivate_user d@x.com, an org admin: not started: apply was interrupted",
		"Verified: 1 change(s) remain.",
		"  + add b@x.com to team ml as member",
		"Apply: 1 ok, 2 failed, 2 skipped, 1 unknown.",
	}
	if d := cmp.Diff(want, lines(buf.String())); d != "" {
		t.Fatalf("text (-want +got):\n%s", d)
	}
}

// TestReportTextRoleWritesNotDoneUnchecked: when the server reports no
// roles, failed role writes are not "matches the manifest" (under
// unreportedRoles: enforce the next plan has them as unverified
// assertions, so the verification finds no change).
func TestReportTextRoleWritesNotDoneUnchecked(t *testing.T) {
	rep := &Report{
		Results: []Result{
			{Action: plan.SetOrgRole, User: "a@x.com", Reason: plan.ReasonUnverified, Status: StatusFailed, Error: "PATCH /Users/u1: 400 Bad Request"},
			{Action: plan.AddMember, User: "b@x.com", Team: "ml", Status: StatusOK},
		},
		OK: 1, Failed: 1,
		Verification: &Verification{Unchecked: 1},
	}
	var buf bytes.Buffer
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); strings.Contains(got, "matches the manifest") ||
		!strings.Contains(got, "Verified: no change remains that the read can show, but the server does not report roles: the 1 role write(s) above that were not done cannot be checked.") {
		t.Fatalf("verdict after a failed role write the server cannot show:\n%s", got)
	}
	rep.Results[0].Status, rep.Results[0].Error, rep.OK, rep.Failed = StatusOK, "", 2, 0
	buf.Reset()
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "Verified: the organization matches the manifest.") {
		t.Fatalf("every write done, roles unchecked:\n%s", buf.String())
	}
}

func TestReportTextEscapesControls(t *testing.T) {
	rep := &Report{
		Results: []Result{
			{Action: plan.AddMember, User: "evil\x1b[2J@x.com", Team: "m\nl", Status: StatusFailed, Error: "400: bad \x1b]0;title\a"},
			{Action: plan.RemoveMember, User: "b@x.com", Team: "t\u202e", Status: StatusSkipped, Reason: "not run: x\ry"},
			{Action: plan.CreateUser, User: "c@x.com", Status: StatusUnknown, Error: "reset\x00"},
			{Action: plan.CreateUser, User: "d@x.com", Status: StatusUnknown, Error: "POST /Users: 200: decode user: EOF (the server answered 200: whether the change was made is unknown; the next plan shows it)"},
		},
		Failed: 1, Skipped: 1, Unknown: 2,
		Verification: &Verification{Changes: []plan.Change{{Action: plan.CreateTeam, Team: "new\x1b[31mteam"}}},
	}
	var buf bytes.Buffer
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	want := "" +
		`failed:  add_member evil\x1b[2J@x.com to team m\nl: 400: bad \x1b]0;title\x07` + "\n" +
		`skipped: remove_member b@x.com from team t\u202e: not run: x\ry` + "\n" +
		`unknown: create_user c@x.com: reset\x00; whether it was done (or how much of it) is unknown; the next plan shows it` + "\n" +
		// said once when the error says it already
		`unknown: create_user d@x.com: POST /Users: 200: decode user: EOF (the server answered 200: whether the change was made is unknown; the next plan shows it)` + "\n" +
		"Verified: 1 change(s) remain.\n" +
		`  + create team new\x1b[31mteam` + "\n" +
		"Apply: 0 ok, 1 failed, 1 skipped, 2 unknown.\n"
	if d := cmp.Diff(want, buf.String()); d != "" {
		t.Fatalf("text (-want +got):\n%s", d)
	}
}

func TestReportTextAllOKVerified(t *testing.T) {
	var buf bytes.Buffer
	rep := &Report{Results: []Result{{Action: plan.CreateTeam, Team: "ml", Status: StatusOK}}, OK: 1, Verification: Verify(plan.Plan{}, plan.Plan{}, nil, model.State{})}
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	want := "Verified: the organization matches the manifest.\nApply: 1 ok, 0 failed, 0 skipped.\n"
	if buf.String() != want {
		t.Fatalf("text = %q, want %q", buf.String(), want)
	}
}

// TestVerifyNewLeftAlone: a warning after the run that leaves a manifest
// team alone (a 409 left two teams of its name), and was not in the plan
// applied, means the organization does not match the manifest, though no
// change remains; one the plan applied already had is no news.
func TestVerifyNewLeftAlone(t *testing.T) {
	dup := plan.Warning{Code: plan.WarnDuplicateTeam, Team: "new", IDs: []string{"g1", "g2"}, Message: "2 live teams are named new (ids g1, g2): left alone"}
	old := plan.Warning{Code: plan.WarnDuplicateTeam, Team: "old", IDs: []string{"g3", "g4"}, Message: "2 live teams are named old"}
	other := plan.Warning{Code: plan.WarnUserWithoutTeam, User: "a@x.com", Message: "a@x.com is in no team"}
	before := plan.Plan{Warnings: []plan.Warning{old}}
	v := Verify(before, plan.Plan{Warnings: []plan.Warning{old, dup, other}}, nil, model.State{})
	if d := cmp.Diff([]plan.Warning{dup}, v.LeftAlone); d != "" || v.Matches() {
		t.Fatalf("LeftAlone (-want +got):\n%s\nmatches %v", d, v.Matches())
	}
	var buf bytes.Buffer
	rep := &Report{Verification: v}
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	want := "Verified: 0 change(s) remain, and the organization does not match the manifest where 1 new warning(s) leave it alone.\n" +
		"  ! duplicate_team: 2 live teams are named new (ids g1, g2): left alone\n" +
		"Apply: 0 ok, 0 failed, 0 skipped.\n"
	if d := cmp.Diff(want, buf.String()); d != "" {
		t.Fatalf("text (-want +got):\n%s", d)
	}
	buf.Reset()
	if err := rep.WriteJSON(&buf); err != nil || !strings.Contains(buf.String(), `"left_alone": [`) {
		t.Fatalf("JSON lacks left_alone (%v):\n%s", err, buf.String())
	}
	v = Verify(before, before, nil, model.State{})
	if !v.Matches() || v.LeftAlone != nil || len(v.StillLeftAlone) != 1 {
		t.Fatalf("the warnings the plan had: %+v, want a match, with one still left alone", v)
	}
	// ... still said under the match: the manifest is not managed there.
	buf.Reset()
	if err := (&Report{Verification: v}).WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	want = "Verified: the organization matches the manifest.\n" +
		"  (except where 1 warning(s) of the plan leave a manifest team or user alone: duplicate_team; see the plan's warnings)\n" +
		"Apply: 0 ok, 0 failed, 0 skipped.\n"
	if d := cmp.Diff(want, buf.String()); d != "" {
		t.Fatalf("text (-want +got):\n%s", d)
	}
	// So is a change W&B cannot make that the plan warned of (a display
	// name on Multi-tenant Cloud): the organization does not match there.
	unsupported := plan.Warning{Code: plan.WarnUnsupportedUpdate, User: "a@x.com", Message: `the manifest sets displayName "A B" (live "A")`}
	v = Verify(plan.Plan{Warnings: []plan.Warning{unsupported}}, plan.Plan{Warnings: []plan.Warning{unsupported}}, nil, model.State{})
	buf.Reset()
	if err := (&Report{Verification: v}).WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if !v.Matches() || !strings.Contains(buf.String(), "(except where 1 warning(s) of the plan leave a manifest team or user alone: unsupported_update;") {
		t.Fatalf("unsupported_update: %+v\n%s", v, buf.String())
	}
	// Teams the manifest does not name, made twice meanwhile by someone
	// else, leave nothing of the manifest alone.
	scratch := plan.Warning{Code: plan.WarnDuplicateTeam, Team: "scratch", IDs: []string{"g5", "g6"}, Unmanaged: true}
	if v := Verify(before, plan.Plan{Warnings: []plan.Warning{old, scratch}}, nil, model.State{}); !v.Matches() || v.LeftAlone != nil {
		t.Fatalf("a new duplicate of an unmanaged team: %+v, want a match", v)
	}
}

func TestReportTextWithoutVerification(t *testing.T) {
	var buf bytes.Buffer
	rep := &Report{Results: []Result{{Action: plan.CreateTeam, Team: "ml", Status: StatusOK}}, OK: 1}
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "Apply: 1 ok, 0 failed, 0 skipped.\n" {
		t.Fatalf("text = %q", buf.String())
	}
}

func TestVerifyLeavesOutUnverified(t *testing.T) {
	drift := plan.Change{Action: plan.RemoveMember, User: "a@x.com", UserID: "ua", Team: "ml", TeamID: "tml"}
	v := Verify(plan.Plan{}, plan.Plan{Changes: []plan.Change{
		{Action: plan.SetOrgRole, User: "b@x.com", UserID: "ub", Role: "admin", Reason: plan.ReasonUnverified},
		drift,
	}}, nil, model.State{})
	// (drift was not in the plan applied, here empty: a new change)
	if d := cmp.Diff(&Verification{Remaining: 1, Changes: []plan.Change{drift}, Unchecked: 1, New: 1}, v); d != "" {
		t.Fatalf("Verify (-want +got):\n%s", d)
	}
	// The text says the organization matches, and that the roles were
	// not checked.
	rep := &Report{Verification: Verify(plan.Plan{}, plan.Plan{Changes: []plan.Change{
		{Action: plan.SetTeamRole, User: "b@x.com", UserID: "ub", Team: "ml", Role: "admin", Reason: plan.ReasonUnverified},
	}}, nil, model.State{})}
	var buf bytes.Buffer
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), `"unchecked_roles": 1`) {
		t.Fatalf("the JSON report does not count the unchecked roles:\n%s", js.String())
	}
	want := []string{
		"Verified: the organization matches the manifest.",
		"  (1 role assertion(s) not checked: the server does not report roles)",
		"Apply: 0 ok, 0 failed, 0 skipped.",
	}
	if d := cmp.Diff(want, lines(buf.String())); d != "" {
		t.Fatalf("text (-want +got):\n%s", d)
	}
}

func TestRunReportMatchesText(t *testing.T) {
	// A run's own report renders the failed add and the removal it kept.
	w := addsFail(&httpError{400, "bad member"})
	applied := planOf(
		ch(plan.AddMember, "c@x.com", "uc", "ml", "tml"),
		ch(plan.RemoveMember, "c@x.com", "uc", "cv", "tcv"),
	)
	rep := run(t, applied, w, Options{})
	rep.Verification = Verify(applied, planOf(ch(plan.AddMember, "c@x.com", "uc", "ml", "tml")), nil, model.State{})
	var buf bytes.Buffer
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"failed:  add_member c@x.com to team ml: PATCH /Groups: 400 Bad Request: bad member",
		"skipped: remove_member c@x.com from team cv: not run: add_member c@x.com to team ml failed earlier (HTTP 400: bad member)",
		"Verified: 1 change(s) remain.",
		"  + add c@x.com to team ml as member",
		"Apply: 0 ok, 1 failed, 1 skipped.",
	}
	if d := cmp.Diff(want, lines(buf.String())); d != "" {
		t.Fatalf("text (-want +got):\n%s", d)
	}
}

// TestVerifyUndoneChanges: a change the run reported ok that the
// verification still finds is counted and said (someone changed it back),
// apart from a failed one, which the run did not make, and from a new one.
func TestVerifyUndoneChanges(t *testing.T) {
	w := addsFail(&httpError{400, "bad member"})
	applied := planOf(
		ch(plan.AddMember, "c@x.com", "uc", "ml", "tml"),    // fails
		ch(plan.RemoveMember, "d@x.com", "ud", "cv", "tcv"), // ok
	)
	rep := run(t, applied, w, Options{})
	rep.Verification = Verify(applied, planOf(
		ch(plan.AddMember, "c@x.com", "uc", "ml", "tml"),
		ch(plan.RemoveMember, "d@x.com", "ud", "cv", "tcv"),
		ch(plan.RemoveMember, "e@x.com", "ue", "cv", "tcv"),
	), rep.Results, model.State{})
	if v := rep.Verification; v.Undone != 1 || v.New != 1 {
		t.Fatalf("undone %d, new %d; want 1 and 1", v.Undone, v.New)
	}
	text := textOf(t, rep)
	if want := "  (1 of them this run made, answered ok, and are not in effect: someone changed them back while apply ran, or the server did not keep them)\n"; !strings.Contains(text, want) {
		t.Errorf("text lacks %q:\n%s", want, text)
	}
	js := jsonOf(t, rep)
	if !strings.Contains(js, `"undone_changes": 1`) {
		t.Errorf("JSON lacks undone_changes:\n%s", js)
	}
}

// TestReportVerificationFailed: a verification read that failed is shown as
// such, in text (a "Verified:" line saying it was not possible, and why)
// and in JSON (remaining -1, never a 0 that reads as "all done").
func TestReportVerificationFailed(t *testing.T) {
	rep := &Report{Verification: VerifyFailed("list users: 404\x1b[2J")}
	var text, js bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), `Verified: not possible: the verification read failed (list users: 404\x1b[2J); run 'wbsync plan' to see what remains.`) {
		t.Errorf("text:\n%s", text.String())
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Verification struct {
			Remaining int             `json:"remaining"`
			Changes   json.RawMessage `json:"changes"`
			Error     string          `json:"error"`
		} `json:"verification"`
	}
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if v := got.Verification; v.Remaining != -1 || string(v.Changes) != "[]" || v.Error == "" {
		t.Errorf("verification %+v", v)
	}
}

// TestReportVerificationNotRun: an interrupted apply made no verification
// read: the text says it was not run, not that a read failed.
func TestReportVerificationNotRun(t *testing.T) {
	r := &Report{Results: []Result{}, Verification: VerifyFailed(NotRun + "apply interrupted")}
	var text strings.Builder
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if got := text.String(); !strings.Contains(got, "Verified: not run: apply interrupted; run 'wbsync plan' to see what remains.") || strings.Contains(got, "read failed") {
		t.Fatalf("text:\n%s", got)
	}
}

// TestReportVerificationNamesTheReplan: for a saved plan, the verdict that
// sends the reader to see what remains gives the command that plans it
// again, not a bare 'wbsync plan' (./wbsync.yaml, the default URL).
func TestReportVerificationNamesTheReplan(t *testing.T) {
	again := "wbsync plan -f m.yaml --url https://x.example/scim --deployment dedicated --out /p/plan.json"
	for _, v := range []*Verification{VerifyFailed(NotRun + "apply interrupted"), VerifyFailed("list users: 503")} {
		r := &Report{Results: []Result{}, Verification: v, PlanAgain: again}
		if got := r.VerifiedLine(); !strings.HasSuffix(got, "plan again to see what remains (this saved plan is now stale): "+again) || strings.Contains(got, "'wbsync plan'") {
			t.Errorf("verdict: %s", got)
		}
	}
}

// TestUnknownSettled: operations that ended unknown are settled only when
// none failed and the verification read the organization and found it as
// the manifest says; an unknown unverified role assertion, which the
// verification does not check, never is.
func TestUnknownSettled(t *testing.T) {
	matches := &Verification{Changes: []plan.Change{}}
	remains := &Verification{Remaining: 1, Changes: []plan.Change{{Action: plan.AddMember, Team: "ml", User: "a@x.com"}}}
	unread := &Verification{Remaining: -1, Changes: []plan.Change{}, Error: "the read failed"}
	unknown := Result{Action: plan.AddMember, Status: StatusUnknown}
	unverified := Result{Action: plan.SetOrgRole, Status: StatusUnknown, Reason: plan.ReasonUnverified}
	for _, tc := range []struct {
		name string
		r    Report
		want bool
	}{
		{"unknown, verified", Report{Results: []Result{unknown}, Unknown: 1, Verification: matches}, true},
		{"nothing unknown", Report{Verification: matches}, false},
		{"a change remains", Report{Results: []Result{unknown}, Unknown: 1, Verification: remains}, false},
		{"the verification read failed", Report{Results: []Result{unknown}, Unknown: 1, Verification: unread}, false},
		{"no verification", Report{Results: []Result{unknown}, Unknown: 1}, false},
		{"one failed too", Report{Results: []Result{unknown, {Status: StatusFailed}}, Unknown: 1, Failed: 1, Verification: matches}, false},
		{"an unverified role assertion", Report{Results: []Result{unverified}, Unknown: 1, Verification: matches}, false},
	} {
		if got := tc.r.UnknownSettled(); got != tc.want {
			t.Errorf("%s: UnknownSettled = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestFailedInEffect: failed operations are said to be in effect all the
// same (a server that answers an error for a change it made) only when
// the verification read found the organization as the manifest says; the
// text report says so under the Verified line.
func TestFailedInEffect(t *testing.T) {
	matches := &Verification{Changes: []plan.Change{}}
	remains := &Verification{Remaining: 1, Changes: []plan.Change{{Action: plan.AddMember, Team: "ml", User: "a@x.com"}}}
	failed := Result{Action: plan.AddMember, Team: "ml", User: "a@x.com", Status: StatusFailed, Error: "PATCH: 500 (stated in the SCIM error body of a 200 OK answer)"}
	for _, tc := range []struct {
		name string
		r    Report
		want bool
	}{
		{"failed, verified", Report{Results: []Result{failed}, Failed: 1, Verification: matches}, true},
		{"nothing failed", Report{Verification: matches}, false},
		{"a change remains", Report{Results: []Result{failed}, Failed: 1, Verification: remains}, false},
		{"no verification", Report{Results: []Result{failed}, Failed: 1}, false},
	} {
		if got := tc.r.FailedInEffect(); got != tc.want {
			t.Errorf("%s: FailedInEffect = %v, want %v", tc.name, got, tc.want)
		}
		var b strings.Builder
		if err := tc.r.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		if says := strings.Contains(b.String(), "failed operation(s) would do is in effect all the same"); says != tc.want {
			t.Errorf("%s: the text says it %v:\n%s", tc.name, says, b.String())
		}
	}
}

// TestReportTextLookAlikes: the text report shows a look-alike team (a
// Cyrillic і in big) escaped, as the plan does, in its failure lines and
// the verification's changes.
func TestReportTextLookAlikes(t *testing.T) {
	rep := Report{
		Results: []Result{
			{Action: plan.AddMember, Team: "b\u0456g", User: "a@x.com", Status: StatusFailed, Error: "400 Bad Request"},
			// A team named with the six characters \u0456: shown apart.
			{Action: plan.AddMember, Team: `c\u0456g`, User: "a@x.com", Status: StatusFailed, Error: "400 Bad Request"},
		},
		Failed:       2,
		Verification: &Verification{Remaining: 1, Changes: []plan.Change{{Action: plan.AddMember, Team: "b\u0456g", User: "a@x.com"}}},
	}
	var b strings.Builder
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(b.String(), 0x0456) || strings.Count(b.String(), `b\u0456g`) != 2 || !strings.Contains(b.String(), `team c\\u0456g`) {
		t.Errorf("the report shows the look-alike raw, or not twice escaped, or the six characters alike:\n%s", b.String())
	}
}

// A role write that was not done is unseen when the verification read
// lists its user (and member) with no role there and the plan after the
// run has no change for it: not when that plan has an unverified one
// (unreportedRoles: enforce sends it again), nor when the read shows the
// role (a change would remain), nor when the user, team or membership is
// missing (the next plan makes it, role included), nor when it was done.
func TestVerifyUnseenRoleWrites(t *testing.T) {
	have := func(orgRole model.Role, member bool, teamRole model.Role) model.State {
		st := model.State{Users: []model.User{{ID: "ub", UserName: "b@x.com", OrgRole: orgRole, Active: true}},
			Teams: []model.Team{{ID: "tml", Name: "ml"}}}
		if member {
			st.Teams[0].Members = []model.Member{{UserID: "ub", Email: "b@x.com", Role: teamRole, User: 1}}
		}
		return st
	}
	team := Result{Action: plan.SetTeamRole, User: "b@x.com", UserID: "ub", Team: "ml", TeamID: "tml", Status: StatusFailed}
	org := Result{Action: plan.SetOrgRole, User: "b@x.com", UserID: "ub", Status: StatusFailed}
	assertion := plan.Change{Action: plan.SetTeamRole, User: "b@x.com", Team: "ml", Role: "admin", Reason: plan.ReasonUnverified}
	other := plan.Change{Action: plan.SetTeamRole, User: "b@x.com", Team: "cv", Role: "admin", Reason: plan.ReasonUnverified}
	withStatus := func(r Result, s Status) Result { r.Status = s; return r }
	refused := func(r Result) Result { r.roleRefused = true; return r }
	for _, tc := range []struct {
		name            string
		after           plan.Plan
		have            model.State
		results         []Result
		unseen, refused int
	}{
		{"team role failed, unreported", plan.Plan{}, have("", true, ""), []Result{team}, 1, 0},
		{"team role unknown", plan.Plan{}, have("", true, ""), []Result{withStatus(team, StatusUnknown)}, 1, 0},
		{"team role skipped (its add ended unknown)", plan.Plan{}, have("", true, ""), []Result{withStatus(team, StatusSkipped)}, 1, 0},
		{"an assertion of another team", plan.Plan{Changes: []plan.Change{other}}, have("", true, ""), []Result{team}, 1, 0},
		{"asserted again (enforce)", plan.Plan{Changes: []plan.Change{assertion}}, have("", true, ""), []Result{team}, 0, 0},
		{"team role reported", plan.Plan{}, have("", true, "admin"), []Result{team}, 0, 0},
		{"not a member (the add is planned again)", plan.Plan{}, have("", false, ""), []Result{team}, 0, 0},
		{"no such user (the create is planned again)", plan.Plan{}, model.State{}, []Result{team}, 0, 0},
		{"team role done", plan.Plan{}, have("", true, ""), []Result{withStatus(team, StatusOK)}, 0, 0},
		{"org role failed, unreported", plan.Plan{}, have("", true, ""), []Result{org}, 1, 0},
		{"org role W&B does not define", plan.Plan{}, have("owner", true, ""), []Result{org}, 1, 0},
		{"org role reported", plan.Plan{}, have("member", true, ""), []Result{org}, 0, 0},
		{"not a role write", plan.Plan{}, have("", true, ""), []Result{{Action: plan.AddMember, User: "b@x.com", UserID: "ub", Team: "ml", TeamID: "tml", Status: StatusFailed}}, 0, 0},
		{"role attribute refused", plan.Plan{}, have("", true, ""), []Result{refused(team), org}, 2, 1},
		{"role attribute refused, role reported", plan.Plan{}, have("member", true, "admin"), []Result{refused(team), refused(org)}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := Verify(plan.Plan{}, tc.after, tc.results, tc.have)
			if v.Unseen != tc.unseen || v.RefusedRoles != tc.refused {
				t.Fatalf("Unseen %d, RefusedRoles %d, want %d, %d", v.Unseen, v.RefusedRoles, tc.unseen, tc.refused)
			}
			rep := &Report{Results: tc.results, Verification: v}
			rep.count()
			var js, text bytes.Buffer
			if err := rep.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(js.String(), fmt.Sprintf(`"unseen_role_writes": %d`, tc.unseen)); got != (tc.unseen > 0) {
				t.Fatalf("JSON:\n%s", js.String())
			}
			if got := strings.Contains(js.String(), fmt.Sprintf(`"refused_role_writes": %d`, tc.refused)); got != (tc.refused > 0) {
				t.Fatalf("JSON, refused_role_writes:\n%s", js.String())
			}
			if err := rep.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			// A role write not done that the read cannot show is never
			// "matches", even when the next plan asserts it again.
			unchecked := v.Unchecked > 0 && rep.roleWritesNotDone() > 0
			if matches := strings.Contains(text.String(), "Verified: the organization matches the manifest"); matches != (tc.unseen == 0 && v.Matches() && !unchecked) {
				t.Fatalf("text:\n%s", text.String())
			}
			if tc.unseen > 0 && (rep.UnknownSettled() || !strings.Contains(text.String(), fmt.Sprintf("Verified: no change remains that the read can show, but the read shows no role for the %d role write(s) above that were not done", tc.unseen))) {
				t.Fatalf("an unseen role write is not said, or counts as settled:\n%s", text.String())
			}
			if said := strings.Contains(text.String(), fmt.Sprintf("the server refused %d of them for their attribute: it does not take roles", tc.refused)); said != (tc.refused > 0) ||
				tc.refused > 0 && strings.Contains(text.String(), "set policy.unreportedRoles: enforce") {
				t.Fatalf("the refused role attribute is said %v, want %v, or enforce is advised for it:\n%s", said, tc.refused > 0, text.String())
			}
		})
	}
}

// TestReportRightToLeftArrows: a remaining role change between two
// right-to-left role names keeps its order in the text report (a
// left-to-right mark on each side of the arrow, after escaping).
func TestReportRightToLeftArrows(t *testing.T) {
	r := &Report{Verification: &Verification{Remaining: 1, Changes: []plan.Change{
		{Action: plan.SetTeamRole, Team: "ml", TeamID: "g", User: "bob@x.com", UserID: "ub", From: "צופה", Role: "מנהל"},
	}}}
	var buf strings.Builder
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\"צופה\"\u200e → \u200e\"מנהל\"") {
		t.Errorf("no marks around the arrow:\n%s", buf.String())
	}
}

// TestNewReportNamesItsPlan: a report names the plan it applied (digest,
// fingerprint, target) and when the run began, in UTC to the second.
func TestNewReportNamesItsPlan(t *testing.T) {
	p := plan.Plan{ManifestDigest: "sha256:m", ObservedFingerprint: "sha256:o", Seats: plan.Seats{ActiveBefore: 2, ActiveAfter: 3},
		Target: plan.Target{URL: "https://acme.wandb.io/scim", Deployment: model.SaaS}}
	start := time.Date(2026, 12, 5, 19, 0, 0, 123456789, time.FixedZone("CET", 3600))
	got := NewReport(p, start)
	want := &Report{ManifestDigest: "sha256:m", ObservedFingerprint: "sha256:o", Target: p.Target, Seats: p.Seats,
		StartedAt: time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC)}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("NewReport (-want +got):\n%s", d)
	}
}

// TestVerifyNewChanges: a change that remains after the run and that the
// plan applied had is one the run missed; one it did not have came about
// while it ran (a grace period running out), and the text says how many.
func TestVerifyNewChanges(t *testing.T) {
	missed := plan.Change{Action: plan.AddMember, User: "c@x.com", UserID: "uc", Team: "ml", TeamID: "tml", Role: "member"}
	due := plan.Change{Action: plan.DeactivateUser, User: "old@x.com", UserID: "uo", Reason: "not in the manifest; unmanagedUsers: deactivate"}
	v := Verify(plan.Plan{Changes: []plan.Change{missed}}, plan.Plan{Changes: []plan.Change{missed, due}}, nil, model.State{})
	if v.New != 1 || v.Remaining != 2 {
		t.Fatalf("New %d, Remaining %d; want 1 and 2", v.New, v.Remaining)
	}
	var buf bytes.Buffer
	if err := (&Report{Verification: v}).WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "  (1 of them were not in the plan applied: the organization, or the clock (an unmanaged user's grace period running out), changed while apply ran)") {
		t.Errorf("text:\n%s", buf.String())
	}
	buf.Reset()
	if err := (&Report{Verification: v}).WriteJSON(&buf); err != nil || !strings.Contains(buf.String(), `"new_changes": 1`) {
		t.Errorf("JSON (%v):\n%s", err, buf.String())
	}
}

// TestVerifyUnprotectedByUpdate: a removal left after the run, of a user
// whose email the plan applied updated while policy.protected spared the
// user by the email replaced (the plan warned protected), is the run's own
// doing: counted and said apart from what changed while it ran.
func TestVerifyUnprotectedByUpdate(t *testing.T) {
	update := plan.Change{Action: plan.UpdateUser, User: "bob@new.x.com", UserID: "ub", Email: "bob@new.x.com", FromEmail: "bob@old.x.com"}
	warned := plan.Warning{Code: plan.WarnProtected, User: "bob@new.x.com", Message: "bob@new.x.com is protected (policy.protected) by its live email bob@old.x.com, which the update replaces ..."}
	removal := plan.Change{Action: plan.RemoveMember, User: "bob@new.x.com", UserID: "ub", Team: "ml", TeamID: "tml"}
	due := plan.Change{Action: plan.DeactivateUser, User: "old@x.com", UserID: "uo"}
	v := Verify(plan.Plan{Changes: []plan.Change{update}, Warnings: []plan.Warning{warned}}, plan.Plan{Changes: []plan.Change{removal, due}}, nil, model.State{})
	if v.New != 2 || v.Lifted != 1 {
		t.Fatalf("New %d, Lifted %d; want 2 and 1", v.New, v.Lifted)
	}
	var buf bytes.Buffer
	if err := (&Report{Verification: v}).WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"  (1 of them were not in the plan applied: this apply's email update took the user out of policy.protected",
		"  (1 of them were not in the plan applied: the organization, or the clock"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, buf.String())
		}
	}
	buf.Reset()
	if err := (&Report{Verification: v}).WriteJSON(&buf); err != nil || !strings.Contains(buf.String(), `"unprotected_by_update": 1`) {
		t.Errorf("JSON (%v):\n%s", err, buf.String())
	}
	// Without the warning (no protection involved), the removal is new.
	if v := Verify(plan.Plan{Changes: []plan.Change{update}}, plan.Plan{Changes: []plan.Change{removal}}, nil, model.State{}); v.New != 1 || v.Lifted != 0 {
		t.Errorf("no protected warning: New %d, Lifted %d; want 1 and 0", v.New, v.Lifted)
	}
}

// TestVerifyUnblockedByUpdate: the changes of a manifest user the plan
// applied left alone (ambiguous_user: a live user matched to another
// manifest user held its email), planned after this run updated that live
// user's email away, are the run's own doing: counted and said apart. A
// failed update frees nothing.
func TestVerifyUnblockedByUpdate(t *testing.T) {
	update := plan.Change{Action: plan.UpdateUser, User: "u15@x.com", UserID: "U27", Email: "u15@x.com", FromEmail: "u27@x.com"}
	warned := plan.Warning{Code: plan.WarnAmbiguousUser, User: "u27@x.com", IDs: []string{"U27"}, Message: "u27@x.com matches live user ... is left alone"}
	create := plan.Change{Action: plan.CreateUser, User: "u27@x.com"}
	add := plan.Change{Action: plan.AddMember, User: "u27@x.com", Team: "ml", TeamID: "tml"}
	due := plan.Change{Action: plan.DeactivateUser, User: "old@x.com", UserID: "uo"}
	before := plan.Plan{Changes: []plan.Change{update}, Warnings: []plan.Warning{warned}}
	v := Verify(before, plan.Plan{Changes: []plan.Change{create, add, due}}, []Result{{Action: plan.UpdateUser, Status: StatusOK}}, model.State{})
	if v.New != 3 || v.Unblocked != 2 || v.Lifted != 0 {
		t.Fatalf("New %d, Unblocked %d, Lifted %d; want 3, 2 and 0", v.New, v.Unblocked, v.Lifted)
	}
	var buf bytes.Buffer
	if err := (&Report{Verification: v}).WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"  (2 of them were not in the plan applied: this apply's email update freed an email the plan's ambiguous_user warning said another live user held",
		"  (1 of them were not in the plan applied: the organization, or the clock"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, buf.String())
		}
	}
	buf.Reset()
	if err := (&Report{Verification: v}).WriteJSON(&buf); err != nil || !strings.Contains(buf.String(), `"unblocked_by_update": 2`) {
		t.Errorf("JSON (%v):\n%s", err, buf.String())
	}
	if v := Verify(before, plan.Plan{Changes: []plan.Change{create}}, []Result{{Action: plan.UpdateUser, Status: StatusFailed}}, model.State{}); v.New != 1 || v.Unblocked != 0 {
		t.Errorf("a failed update: New %d, Unblocked %d; want 1 and 0", v.New, v.Unblocked)
	}
}

// TestVerifyReplacedByInvitation: a removal left after the run of the old
// account of a user this run invited again (Multi-tenant Cloud: a new
// account), from a team that still lists it, is the run's own doing:
// counted and said apart. A create that failed replaced nothing.
func TestVerifyReplacedByInvitation(t *testing.T) {
	invite := plan.Change{Action: plan.CreateUser, User: "u2@x.com", From: "U2", Reason: plan.ReasonRecreate}
	stale := plan.Change{Action: plan.RemoveMember, User: "u2@x.com", UserID: "U2", Team: "ml", TeamID: "tml"}
	before := plan.Plan{Changes: []plan.Change{invite}}
	v := Verify(before, plan.Plan{Changes: []plan.Change{stale}}, []Result{{Action: plan.CreateUser, Status: StatusOK}}, model.State{})
	if v.New != 1 || v.Replaced != 1 {
		t.Fatalf("New %d, Replaced %d; want 1 and 1", v.New, v.Replaced)
	}
	var buf bytes.Buffer
	if err := (&Report{Verification: v}).WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "  (1 of them were not in the plan applied: this apply invited a deactivated user again, as a new account, and a team still lists the old one") ||
		strings.Contains(buf.String(), "the organization, or the clock") {
		t.Errorf("text:\n%s", buf.String())
	}
	buf.Reset()
	if err := (&Report{Verification: v}).WriteJSON(&buf); err != nil || !strings.Contains(buf.String(), `"replaced_by_invitation": 1`) {
		t.Errorf("JSON (%v):\n%s", err, buf.String())
	}
	if v := Verify(before, plan.Plan{Changes: []plan.Change{stale}}, []Result{{Action: plan.CreateUser, Status: StatusFailed}}, model.State{}); v.Replaced != 0 {
		t.Errorf("a failed invitation: Replaced %d, want 0", v.Replaced)
	}
}

// TestReportNamesTheRoleGiven: a role change's result and an add's carry
// the role given, beside the role it replaced (from): the JSON report of a
// promotion reads as one.
func TestReportNamesTheRoleGiven(t *testing.T) {
	promote := plan.Change{Action: plan.SetOrgRole, User: "b@x.com", UserID: "ub", Role: "admin", From: "member"}
	add := plan.Change{Action: plan.AddMember, User: "c@x.com", UserID: "uc", Team: "ml", TeamID: "tml", Role: "admin"}
	remove := plan.Change{Action: plan.RemoveMember, User: "d@x.com", UserID: "ud", Team: "ml", TeamID: "tml", From: "admin"}
	rep := run(t, planOf(promote, add, remove), &fakeWriter{}, Options{})
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	roles := map[plan.Action]string{}
	for _, r := range rep.Results {
		roles[r.Action] = r.Role
	}
	if diff := cmp.Diff(map[plan.Action]string{plan.SetOrgRole: "admin", plan.AddMember: "admin", plan.RemoveMember: ""}, roles); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
	if !strings.Contains(js.String(), `"role": "admin"`) || !strings.Contains(js.String(), `"from": "member"`) {
		t.Errorf("JSON lacks the role given or replaced:\n%s", js.String())
	}
}

// textOf is rep's text report.
func textOf(t *testing.T, rep *Report) string {
	t.Helper()
	var b strings.Builder
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// jsonOf is rep's JSON report.
func jsonOf(t *testing.T, rep *Report) string {
	t.Helper()
	var b strings.Builder
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestReportJSONWritesNamesAsTheyAre: the JSON report writes "<", ">" and
// "&" in names as they are, as the plan JSON does ("R&D", not
// "R\u0026D"), so that a search of one file finds what the other holds.
func TestReportJSONWritesNamesAsTheyAre(t *testing.T) {
	p := plan.Plan{Changes: []plan.Change{{Action: plan.CreateTeam, Team: "R&D <core>"}}}
	r := NewReport(p, time.Now())
	r.Results = []Result{{Action: plan.CreateTeam, Team: "R&D <core>", Status: StatusOK}}
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"R&D <core>"`) {
		t.Fatalf("report:\n%s", buf.String())
	}
}

// TestVerifyWarningOfACreatedTeam: a warning the plan gave about a team it
// creates names no id; after the apply it names the team's id: the same
// warning, still left alone, not a new one (which would exit 4 after an
// apply that did everything).
func TestVerifyWarningOfACreatedTeam(t *testing.T) {
	before := plan.Warning{Code: plan.WarnInactiveMember, Team: "new", User: "gone@x.com", Message: "gone@x.com is listed in team new but is active: false"}
	after := before
	after.IDs = []string{"g9"}
	v := Verify(plan.Plan{Warnings: []plan.Warning{before}}, plan.Plan{Warnings: []plan.Warning{after}}, nil, model.State{})
	if !v.Matches() || len(v.LeftAlone) != 0 || len(v.StillLeftAlone) != 1 {
		t.Fatalf("%+v: want a match, the warning still left alone", v)
	}
	// A duplicate_team the plan had with no ids is the same one with ids.
	dupBefore := plan.Warning{Code: plan.WarnDuplicateTeam, Team: "t"}
	dupAfter := plan.Warning{Code: plan.WarnDuplicateTeam, Team: "t", IDs: []string{"g1", "g2"}}
	if v := Verify(plan.Plan{Warnings: []plan.Warning{dupBefore}}, plan.Plan{Warnings: []plan.Warning{dupAfter}}, nil, model.State{}); len(v.LeftAlone) != 0 {
		t.Fatalf("%+v: want the same duplicate_team", v)
	}
	// Another team's duplicate_team is new: the verification fails.
	other := dupAfter
	other.Team = "other"
	if v := Verify(plan.Plan{Warnings: []plan.Warning{dupBefore}}, plan.Plan{Warnings: []plan.Warning{other}}, nil, model.State{}); len(v.LeftAlone) != 1 {
		t.Fatalf("%+v: want the other team's warning new", v)
	}
	// What W&B cannot make, new after the apply (a display name it kept for
	// an account the create linked), is said in the note, not a failure.
	kept := plan.Warning{Code: plan.WarnUnsupportedUpdate, User: "new@x.com", Message: `the manifest sets displayName "New" (live "Old")`}
	if v := Verify(plan.Plan{}, plan.Plan{Warnings: []plan.Warning{kept}}, nil, model.State{}); !v.Matches() || len(v.LeftAlone) != 0 || len(v.StillLeftAlone) != 1 {
		t.Fatalf("%+v: want a match, noted", v)
	}
}

// TestVerifyIdentityMismatchLeftAlone: an entry the plan held for not
// knowing which account it means (identity_mismatch: not invited, not
// deactivated) is said as left alone by the verification, not passed over
// as if the organization matched it.
func TestVerifyIdentityMismatchLeftAlone(t *testing.T) {
	held := plan.Warning{Code: plan.WarnIdentityMismatch, User: "alice@x.com", IDs: []string{"us", "ua"}, Message: "alice@x.com matches by userName the deactivated account sam ...: so it is not invited, nor added to a team"}
	p := plan.Plan{Warnings: []plan.Warning{held}}
	v := Verify(p, p, nil, model.State{})
	if len(v.StillLeftAlone) != 1 || v.Remaining != 0 {
		t.Fatalf("StillLeftAlone %v, Remaining %d; want the held entry, 0", v.StillLeftAlone, v.Remaining)
	}
	var buf bytes.Buffer
	if err := (&Report{Verification: v}).WriteText(&buf); err != nil || !strings.Contains(buf.String(), "identity_mismatch") {
		t.Errorf("text (%v) does not name identity_mismatch:\n%s", err, buf.String())
	}
}

// TestVerifyIdentityMismatchAfterOffboardingIsNoFailure: an offboarding
// done may leave its active: false entry matching another account that
// holds its email, which the plan made after the run holds
// (identity_mismatch): said, but no failure of the run that did it right.
func TestVerifyIdentityMismatchAfterOffboardingIsNoFailure(t *testing.T) {
	deact := plan.Change{Action: plan.DeactivateUser, User: "bob@x.com", UserID: "ub"}
	held := plan.Warning{Code: plan.WarnIdentityMismatch, User: "bob@x.com", IDs: []string{"ub2"}, Message: "bob@x.com (active: false) matches live user ... not deactivated"}
	v := Verify(plan.Plan{Changes: []plan.Change{deact}}, plan.Plan{Warnings: []plan.Warning{held}}, []Result{{Action: plan.DeactivateUser, UserID: "ub", Status: StatusOK}}, model.State{})
	if len(v.LeftAlone) != 0 || len(v.StillLeftAlone) != 1 {
		t.Errorf("LeftAlone %v, StillLeftAlone %v: want the hold said, not failed", v.LeftAlone, v.StillLeftAlone)
	}
}

// TestVerifyAmbiguousAfterOffboardingIsNoFailure: once the run deactivated
// bob's account, another account that holds bob's email too (in another
// letter case, or as a secondary email) makes the next plan leave the
// entry alone (ambiguous_user): said, but no failure of the run. The same
// warning about a user the run did not deactivate still fails it.
func TestVerifyAmbiguousAfterOffboardingIsNoFailure(t *testing.T) {
	deact := plan.Change{Action: plan.DeactivateUser, User: "bob@x.com", UserID: "ub"}
	amb := plan.Warning{Code: plan.WarnAmbiguousUser, User: "Bob@x.com", IDs: []string{"ub", "ub2"}, Message: "2 live users match bob@x.com ..."}
	after := plan.Plan{Warnings: []plan.Warning{amb}}
	v := Verify(plan.Plan{Changes: []plan.Change{deact}}, after, []Result{{Action: plan.DeactivateUser, User: "bob@x.com", UserID: "ub", Status: StatusOK}}, model.State{})
	if len(v.LeftAlone) != 0 || len(v.StillLeftAlone) != 1 || !v.Matches() {
		t.Errorf("after the offboarding: LeftAlone %v, StillLeftAlone %v; want it said, not failed", v.LeftAlone, v.StillLeftAlone)
	}
	v = Verify(plan.Plan{Changes: []plan.Change{deact}}, after, []Result{{Action: plan.DeactivateUser, User: "bob@x.com", UserID: "ub", Status: StatusFailed}}, model.State{})
	if len(v.LeftAlone) != 1 {
		t.Errorf("the deactivation failed: LeftAlone %v, want the new warning a failure", v.LeftAlone)
	}
}

// TestTallyThousands: the progress line's tally writes its counts as the
// line does ("5,000/5,000 ... 5,000 ok"); the report's Apply line writes
// them plain, as its other lines do ("Finished: 5000 write requests").
func TestTallyThousands(t *testing.T) {
	if got, want := tally(progress.Thousands, 5000, 2000, 1234, 12345), "5,000 ok, 2,000 failed, 1,234 skipped, 12,345 unknown"; got != want {
		t.Errorf("tally = %q, want %q", got, want)
	}
	if got, want := tally(strconv.Itoa, 5000, 2000, 1234, 12345), "5000 ok, 2000 failed, 1234 skipped, 12345 unknown"; got != want {
		t.Errorf("tally = %q, want %q", got, want)
	}
	if got, want := tally(progress.Thousands, 3, 1, 0, 0), "3 ok, 1 failed, 0 skipped"; got != want {
		t.Errorf("tally = %q, want %q", got, want)
	}
}

// TestReportTextApplyLinePlainDigits: the report's Apply line writes its
// counts plain at 1,000 and more, as "Finished: N write requests" does
// (a script reading it would break on "1,234").
func TestReportTextApplyLinePlainDigits(t *testing.T) {
	rep := &Report{OK: 1234, Failed: 1000, Skipped: 5000, Unknown: 12345}
	var buf bytes.Buffer
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); !strings.Contains(got, "Apply: 1234 ok, 1000 failed, 5000 skipped, 12345 unknown.") {
		t.Fatalf("Apply line:\n%s", got)
	}
}
