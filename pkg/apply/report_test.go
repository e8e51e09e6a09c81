package apply

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/plan"
)

func sampleReport() *Report {
	return &Report{
		Results: []Result{
			{Action: plan.CreateUser, User: "a@x.com", UserID: "u1", Status: StatusOK, DurationMS: 12, Requests: 1},
			{Action: plan.AddMember, User: "b@x.com", UserID: "u2", Team: "ml", TeamID: "t1", Status: StatusFailed,
				HTTPStatus: 400, Detail: "no such user", Error: "PATCH /Groups/t1: 400 Bad Request: no such user", DurationMS: 30, Requests: 3},
			{Action: plan.SetTeamRole, User: "b@x.com", Team: "ml", Status: StatusFailed, Error: "depends on failed add_member b@x.com to team ml"},
			{Action: plan.RemoveMember, User: "c@x.com", UserID: "u3", Team: "ml", TeamID: "t1", Status: StatusSkipped,
				Reason: "not run: 2 earlier operation(s) failed"},
			{Action: plan.DeactivateUser, User: "d@x.com", UserID: "u4", Status: StatusSkipped, Reason: "not run: 2 earlier operation(s) failed"},
		},
		OK: 1, Failed: 2, Skipped: 2, Requests: 3, DurationMS: 45,
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
		"ok": 1.0, "failed": 2.0, "skipped": 2.0, "requests": 3.0, "duration_ms": 45.0,
		"operations": []any{
			map[string]any{"action": "create_user", "user": "a@x.com", "user_id": "u1", "status": "ok", "duration_ms": 12.0, "requests": 1.0},
			map[string]any{"action": "add_member", "user": "b@x.com", "user_id": "u2", "team": "ml", "team_id": "t1", "status": "failed",
				"http_status": 400.0, "detail": "no such user", "error": "PATCH /Groups/t1: 400 Bad Request: no such user", "duration_ms": 30.0, "requests": 3.0},
			map[string]any{"action": "set_team_role", "user": "b@x.com", "team": "ml", "status": "failed",
				"error": "depends on failed add_member b@x.com to team ml", "duration_ms": 0.0, "requests": 0.0},
			map[string]any{"action": "remove_member", "user": "c@x.com", "user_id": "u3", "team": "ml", "team_id": "t1", "status": "skipped",
				"reason": "not run: 2 earlier operation(s) failed", "duration_ms": 0.0, "requests": 0.0},
			map[string]any{"action": "deactivate_user", "user": "d@x.com", "user_id": "u4", "status": "skipped",
				"reason": "not run: 2 earlier operation(s) failed", "duration_ms": 0.0, "requests": 0.0},
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
}

func TestReportText(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleReport().WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"failed:  add_member b@x.com to team ml: PATCH /Groups/t1: 400 Bad Request: no such user",
		"failed:  set_team_role b@x.com in team ml: depends on failed add_member b@x.com to team ml",
		"skipped: remove_member c@x.com from team ml: not run: 2 earlier operation(s) failed",
		"skipped: deactivate_user d@x.com: not run: 2 earlier operation(s) failed",
		"Apply: 1 ok, 2 failed, 2 skipped.",
	}
	if d := cmp.Diff(want, lines(buf.String())); d != "" {
		t.Fatalf("text (-want +got):\n%s", d)
	}
}

func TestReportTextAllOK(t *testing.T) {
	var buf bytes.Buffer
	rep := &Report{Results: []Result{{Action: plan.CreateTeam, Team: "ml", Status: StatusOK}}, OK: 1}
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "Apply: 1 ok, 0 failed, 0 skipped.\n" {
		t.Fatalf("text = %q", buf.String())
	}
}

func TestRunReportMatchesText(t *testing.T) {
	// A run's own report renders the failed create and its skipped removal.
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "CreateTeam" {
			return &httpError{409, "exists"}
		}
		return nil
	}}
	rep := run(t, planOf(
		ch(plan.CreateTeam, "", "", "ml", ""),
		ch(plan.RemoveMember, "c@x.com", "uc", "cv", "tcv"),
	), w, Options{})
	var buf bytes.Buffer
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	got := lines(buf.String())
	if len(got) != 3 || !strings.HasPrefix(got[0], "failed:  create_team team ml: PATCH /Groups: 409 Conflict: exists") ||
		!strings.HasPrefix(got[1], "skipped: remove_member c@x.com from team cv: not run: 1 earlier operation(s) failed") ||
		got[2] != "Apply: 0 ok, 1 failed, 1 skipped." {
		t.Fatalf("text:\n%s", buf.String())
	}
}
