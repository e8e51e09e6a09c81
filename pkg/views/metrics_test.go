package views

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	promodel "github.com/prometheus/common/model"

	"github.com/wbsync/wbsync/pkg/plan"
)

var now = time.Date(2026, 11, 30, 21, 0, 0, 0, time.UTC) // 1796072400

func TestWriteInSync(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMetrics(&b, plan.Plan{FormatVersion: plan.FormatVersion}, now); err != nil {
		t.Fatal(err)
	}
	want := `# HELP wbsync_plan_changes Changes in the last successful wbsync plan, by action (0 = in sync; unverified role assertions are not counted).
# TYPE wbsync_plan_changes gauge
wbsync_plan_changes{action="create_user"} 0
wbsync_plan_changes{action="create_team"} 0
wbsync_plan_changes{action="reactivate_user"} 0
wbsync_plan_changes{action="update_user"} 0
wbsync_plan_changes{action="add_member"} 0
wbsync_plan_changes{action="set_org_role"} 0
wbsync_plan_changes{action="set_team_role"} 0
wbsync_plan_changes{action="remove_member"} 0
wbsync_plan_changes{action="deactivate_user"} 0
# HELP wbsync_plan_unverified_roles Role assertions the last successful wbsync plan sends unverified (policy.unreportedRoles: enforce): not drift.
# TYPE wbsync_plan_unverified_roles gauge
wbsync_plan_unverified_roles 0
# HELP wbsync_plan_warnings Warnings in the last successful wbsync plan, by code.
# TYPE wbsync_plan_warnings gauge
wbsync_plan_warnings{code="ambiguous_user"} 0
wbsync_plan_warnings{code="created_unreported"} 0
wbsync_plan_warnings{code="custom_roles_unchecked"} 0
wbsync_plan_warnings{code="duplicate_team"} 0
wbsync_plan_warnings{code="email_elsewhere"} 0
wbsync_plan_warnings{code="email_handover"} 0
wbsync_plan_warnings{code="external_id_elsewhere"} 0
wbsync_plan_warnings{code="external_id_unreported"} 0
wbsync_plan_warnings{code="identity_mismatch"} 0
wbsync_plan_warnings{code="inactive_member"} 0
wbsync_plan_warnings{code="irreversible_deactivation"} 0
wbsync_plan_warnings{code="last_admin"} 0
wbsync_plan_warnings{code="manifest_unreviewable"} 0
wbsync_plan_warnings{code="possible_rename"} 0
wbsync_plan_warnings{code="protected"} 0
wbsync_plan_warnings{code="protected_unmatched"} 0
wbsync_plan_warnings{code="roles_unreported"} 0
wbsync_plan_warnings{code="team_name_case"} 0
wbsync_plan_warnings{code="team_name_uppercase"} 0
wbsync_plan_warnings{code="team_pin_mismatch"} 0
wbsync_plan_warnings{code="team_pin_not_found"} 0
wbsync_plan_warnings{code="team_roles_ambiguous"} 0
wbsync_plan_warnings{code="unmanaged_recent"} 0
wbsync_plan_warnings{code="unmanaged_team"} 0
wbsync_plan_warnings{code="unmanaged_user"} 0
wbsync_plan_warnings{code="unresolved_member"} 0
wbsync_plan_warnings{code="unsupported_update"} 0
wbsync_plan_warnings{code="user_without_team"} 0
# HELP wbsync_plan_blocked 1 if a safety limit blocked the last successful wbsync plan (it cannot be applied), else 0.
# TYPE wbsync_plan_blocked gauge
wbsync_plan_blocked 0
# HELP wbsync_plan_seats Active users (W&B's seats) before and after the last successful wbsync plan.
# TYPE wbsync_plan_seats gauge
wbsync_plan_seats{when="before"} 0
wbsync_plan_seats{when="after"} 0
# HELP wbsync_plan_last_success_timestamp_seconds Unix time of the last wbsync plan that read the organization successfully.
# TYPE wbsync_plan_last_success_timestamp_seconds gauge
wbsync_plan_last_success_timestamp_seconds 1796072400
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestWriteChangesWarningsBlocked(t *testing.T) {
	p := plan.Plan{
		FormatVersion: plan.FormatVersion,
		Changes: []plan.Change{
			{Action: plan.CreateUser, User: "a@example.com"},
			{Action: plan.AddMember, Team: "t", User: "a@example.com"},
			{Action: plan.AddMember, Team: "u", User: "a@example.com"},
			{Action: plan.RemoveMember, Team: "t", User: "b@example.com"},
			{Action: plan.DeactivateUser, User: "c@example.com"},
			{Action: "rename_team", Team: "t"},
			{Action: "archive_team", Team: "t"},
		},
		Warnings: []plan.Warning{
			{Code: plan.WarnUnmanagedUser, User: "x@example.com"},
			{Code: plan.WarnUnmanagedUser, User: "y@example.com"},
			{Code: plan.WarnDuplicateTeam, Team: "t"},
			{Code: "new_code"},
			{Code: `we"ird\code` + "\n"},
		},
		Blocked: []plan.Block{{Limit: "maxDeactivations", Planned: 1, Allowed: 0}},
	}
	var b bytes.Buffer
	if err := WriteMetrics(&b, p, now); err != nil {
		t.Fatal(err)
	}
	want := `# HELP wbsync_plan_changes Changes in the last successful wbsync plan, by action (0 = in sync; unverified role assertions are not counted).
# TYPE wbsync_plan_changes gauge
wbsync_plan_changes{action="create_user"} 1
wbsync_plan_changes{action="create_team"} 0
wbsync_plan_changes{action="reactivate_user"} 0
wbsync_plan_changes{action="update_user"} 0
wbsync_plan_changes{action="add_member"} 2
wbsync_plan_changes{action="set_org_role"} 0
wbsync_plan_changes{action="set_team_role"} 0
wbsync_plan_changes{action="remove_member"} 1
wbsync_plan_changes{action="deactivate_user"} 1
wbsync_plan_changes{action="archive_team"} 1
wbsync_plan_changes{action="rename_team"} 1
# HELP wbsync_plan_unverified_roles Role assertions the last successful wbsync plan sends unverified (policy.unreportedRoles: enforce): not drift.
# TYPE wbsync_plan_unverified_roles gauge
wbsync_plan_unverified_roles 0
# HELP wbsync_plan_warnings Warnings in the last successful wbsync plan, by code.
# TYPE wbsync_plan_warnings gauge
wbsync_plan_warnings{code="ambiguous_user"} 0
wbsync_plan_warnings{code="created_unreported"} 0
wbsync_plan_warnings{code="custom_roles_unchecked"} 0
wbsync_plan_warnings{code="duplicate_team"} 1
wbsync_plan_warnings{code="email_elsewhere"} 0
wbsync_plan_warnings{code="email_handover"} 0
wbsync_plan_warnings{code="external_id_elsewhere"} 0
wbsync_plan_warnings{code="external_id_unreported"} 0
wbsync_plan_warnings{code="identity_mismatch"} 0
wbsync_plan_warnings{code="inactive_member"} 0
wbsync_plan_warnings{code="irreversible_deactivation"} 0
wbsync_plan_warnings{code="last_admin"} 0
wbsync_plan_warnings{code="manifest_unreviewable"} 0
wbsync_plan_warnings{code="new_code"} 1
wbsync_plan_warnings{code="possible_rename"} 0
wbsync_plan_warnings{code="protected"} 0
wbsync_plan_warnings{code="protected_unmatched"} 0
wbsync_plan_warnings{code="roles_unreported"} 0
wbsync_plan_warnings{code="team_name_case"} 0
wbsync_plan_warnings{code="team_name_uppercase"} 0
wbsync_plan_warnings{code="team_pin_mismatch"} 0
wbsync_plan_warnings{code="team_pin_not_found"} 0
wbsync_plan_warnings{code="team_roles_ambiguous"} 0
wbsync_plan_warnings{code="unmanaged_recent"} 0
wbsync_plan_warnings{code="unmanaged_team"} 0
wbsync_plan_warnings{code="unmanaged_user"} 2
wbsync_plan_warnings{code="unresolved_member"} 0
wbsync_plan_warnings{code="unsupported_update"} 0
wbsync_plan_warnings{code="user_without_team"} 0
wbsync_plan_warnings{code="we\"ird\\code\n"} 1
# HELP wbsync_plan_blocked 1 if a safety limit blocked the last successful wbsync plan (it cannot be applied), else 0.
# TYPE wbsync_plan_blocked gauge
wbsync_plan_blocked 1
# HELP wbsync_plan_seats Active users (W&B's seats) before and after the last successful wbsync plan.
# TYPE wbsync_plan_seats gauge
wbsync_plan_seats{when="before"} 0
wbsync_plan_seats{when="after"} 0
# HELP wbsync_plan_last_success_timestamp_seconds Unix time of the last wbsync plan that read the organization successfully.
# TYPE wbsync_plan_last_success_timestamp_seconds gauge
wbsync_plan_last_success_timestamp_seconds 1796072400
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestWriteDeterministic(t *testing.T) {
	p := plan.Plan{Warnings: []plan.Warning{{Code: "z"}, {Code: "a"}, {Code: "m"}}, Changes: []plan.Change{{Action: "y"}, {Action: "b"}}}
	var first bytes.Buffer
	if err := WriteMetrics(&first, p, now); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		var b bytes.Buffer
		if err := WriteMetrics(&b, p, now); err != nil {
			t.Fatal(err)
		}
		if b.String() != first.String() {
			t.Fatalf("output differs between runs:\n%s\n---\n%s", first.String(), b.String())
		}
	}
}

// TestWriteParses checks every sample line against the text format's
// grammar: name, optional labels, a value; each family announced by TYPE.
func TestWriteParses(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMetrics(&b, plan.Plan{Warnings: []plan.Warning{{Code: "x"}}}, now); err != nil {
		t.Fatal(err)
	}
	typed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, kind, _ := strings.Cut(rest, " ")
			if kind != "gauge" {
				t.Errorf("%s: type %q", name, kind)
			}
			typed[name] = true
			continue
		}
		if strings.HasPrefix(line, "# HELP ") {
			continue
		}
		name, _, _ := strings.Cut(line, "{")
		name, _, _ = strings.Cut(name, " ")
		if !typed[name] {
			t.Errorf("sample before its TYPE line: %q", line)
		}
		if i := strings.LastIndexByte(line, ' '); i < 0 || strings.TrimSpace(line[i:]) == "" {
			t.Errorf("sample without a value: %q", line)
		}
	}
	for _, n := range []string{NameChanges, NameWarnings, NameBlocked, NameSeats, NameLastSuccess} {
		if !typed[n] {
			t.Errorf("family %s missing", n)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteError(t *testing.T) {
	err := WriteMetrics(failWriter{}, plan.Plan{}, now)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the writer's error", err)
	}
}

// TestMetricsParse: the file parses with the Prometheus text parser that
// node_exporter's textfile collector uses, every family a gauge, with the
// values of the plan.
func TestMetricsParse(t *testing.T) {
	p := plan.Plan{
		Changes:  []plan.Change{{Action: plan.CreateUser}, {Action: plan.CreateUser}, {Action: plan.DeactivateUser}},
		Warnings: []plan.Warning{{Code: plan.WarnDuplicateTeam}, {Code: "some \"new\" code"}},
		Blocked:  []plan.Block{{Limit: plan.LimitMaxDeactivations}},
		Seats:    plan.Seats{ActiveBefore: 40, ActiveAfter: 41},
	}
	var b bytes.Buffer
	if err := WriteMetrics(&b, p, now); err != nil {
		t.Fatal(err)
	}
	parser := expfmt.NewTextParser(promodel.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(&b)
	if err != nil {
		t.Fatalf("the metrics do not parse: %v", err)
	}
	value := func(name, label, lv string) float64 {
		t.Helper()
		fam, ok := fams[name]
		if !ok || fam.GetType() != dto.MetricType_GAUGE {
			t.Fatalf("%s: missing or not a gauge", name)
		}
		for _, m := range fam.GetMetric() {
			if label == "" {
				return m.GetGauge().GetValue()
			}
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == lv {
					return m.GetGauge().GetValue()
				}
			}
		}
		t.Fatalf("%s{%s=%q}: no such series", name, label, lv)
		return 0
	}
	for _, c := range []struct {
		name, label, lv string
		want            float64
	}{
		{NameChanges, "action", "create_user", 2},
		{NameChanges, "action", "deactivate_user", 1},
		{NameChanges, "action", "add_member", 0},
		{NameWarnings, "code", "duplicate_team", 1},
		{NameWarnings, "code", `some "new" code`, 1},
		{NameWarnings, "code", "roles_unreported", 0},
		{NameBlocked, "", "", 1},
		{NameSeats, "when", "before", 40},
		{NameSeats, "when", "after", 41},
		{NameLastSuccess, "", "", float64(now.Unix())},
	} {
		if got := value(c.name, c.label, c.lv); got != c.want {
			t.Errorf("%s{%s=%q} = %v, want %v", c.name, c.label, c.lv, got, c.want)
		}
	}
}

// TestWriteUnverifiedNotDrift: role assertions sent unverified (reason
// "unverified") are no drift: wbsync_plan_changes stays 0 for them, and
// wbsync_plan_unverified_roles counts them.
func TestWriteUnverifiedNotDrift(t *testing.T) {
	p := plan.Plan{Changes: []plan.Change{
		{Action: plan.SetOrgRole, User: "a@x.io", Role: "admin", Reason: plan.ReasonUnverified},
		{Action: plan.SetTeamRole, Team: "ml", User: "a@x.io", Role: "admin", Reason: plan.ReasonUnverified},
		{Action: plan.SetTeamRole, Team: "ml", User: "b@x.io", Role: "admin", From: "member"},
	}}
	var b strings.Builder
	if err := WriteMetrics(&b, p, now); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`wbsync_plan_changes{action="set_org_role"} 0` + "\n",
		`wbsync_plan_changes{action="set_team_role"} 1` + "\n",
		"wbsync_plan_unverified_roles 2\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, b.String())
		}
	}
}
