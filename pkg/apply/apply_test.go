package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap/zaptest"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

func planOf(changes ...plan.Change) plan.Plan { return plan.Plan{Changes: changes} }

func ch(a plan.Action, user, uid, team, tid string) plan.Change {
	return plan.Change{Action: a, User: user, UserID: uid, Team: team, TeamID: tid}
}

func run(t *testing.T, p plan.Plan, w Writer, opts Options) *Report {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = zaptest.NewLogger(t)
	}
	rep, err := Run(context.Background(), p, w, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep
}

// byKey indexes results by "action user@team".
func byKey(rep *Report) map[string]Result {
	m := map[string]Result{}
	for _, r := range rep.Results {
		m[fmt.Sprintf("%s %s@%s", r.Action, r.User, r.Team)] = r
	}
	return m
}

func TestRunPhaseOrder(t *testing.T) {
	// Given out of order, with several changes per phase.
	p := planOf(
		ch(plan.DeactivateUser, "z@x.com", "uz", "", ""),
		ch(plan.RemoveMember, "y@x.com", "uy", "ml", "tml"),
		plan.Change{Action: plan.SetTeamRole, User: "y@x.com", UserID: "uy", Team: "ml", Role: "admin"},
		plan.Change{Action: plan.SetOrgRole, User: "y@x.com", UserID: "uy", Role: "admin"},
		ch(plan.AddMember, "w@x.com", "uw", "ml", "tml"),
		plan.Change{Action: plan.UpdateUser, User: "v@x.com", UserID: "uv", Name: "V"},
		ch(plan.ReactivateUser, "r@x.com", "ur", "", ""),
		ch(plan.CreateTeam, "", "", "new", ""),
		ch(plan.CreateUser, "a@x.com", "", "", ""),
		ch(plan.CreateUser, "b@x.com", "", "", ""),
		ch(plan.CreateTeam, "", "", "new2", ""),
		ch(plan.DeactivateUser, "q@x.com", "uq", "", ""),
	)
	w := &fakeWriter{}
	rep := run(t, p, w, Options{Concurrency: 4})
	if rep.OK != 12 || rep.Failed != 0 || rep.Skipped != 0 || rep.Requests != 12 {
		t.Fatalf("report = %d ok, %d failed, %d skipped, %d requests; want 12/0/0/12", rep.OK, rep.Failed, rep.Skipped, rep.Requests)
	}
	phaseOf := map[string]int{"CreateUser": 0, "CreateTeam": 1, "UpdateUser": 3, "AddMembers": 4, "SetOrgRole": 5, "SetTeamRole": 6, "RemoveMember": 7}
	last := -1
	for _, c := range w.recorded() {
		ph, ok := phaseOf[c.Method]
		if c.Method == "SetActive" {
			ph = map[string]int{"true": 2, "false": 8}[c.Arg]
			ok = true
		}
		if !ok {
			t.Fatalf("unexpected call %+v", c)
		}
		if ph < last {
			t.Fatalf("call %s (phase %d) after phase %d: %v", c.Method, ph, last, w.methods())
		}
		last = ph
	}
	for i := 1; i < len(rep.Results); i++ {
		if rep.Results[i].Action.Phase() < rep.Results[i-1].Action.Phase() {
			t.Fatalf("results not in apply order: %v before %v", rep.Results[i-1].Action, rep.Results[i].Action)
		}
	}
}

func TestRunCreatedIDsFeedDependents(t *testing.T) {
	p := planOf(
		plan.Change{Action: plan.CreateUser, User: "New@X.com", Name: "New", ExternalID: "e1"},
		ch(plan.CreateTeam, "", "", "Research", ""),
		ch(plan.AddMember, "new@x.com", "", "research", ""),
		ch(plan.AddMember, "old@x.com", "uold", "research", ""),
		ch(plan.AddMember, "new@x.com", "", "live", "tlive"),
		plan.Change{Action: plan.SetOrgRole, User: "new@x.com", Role: "admin"},
		plan.Change{Action: plan.SetTeamRole, User: "new@x.com", Team: "research", Role: "admin"},
		ch(plan.RemoveMember, "gone@x.com", "ugone", "research", ""),
	)
	w := &fakeWriter{}
	rep := run(t, p, w, Options{Concurrency: 1})
	want := []call{
		{Method: "CreateUser", User: "New@X.com", Email: "New@X.com", Arg: "New|e1"},
		{Method: "CreateTeam", Team: "Research"},
		{Method: "AddMembers", ID: "t-research", IDs: []string{"u-new@x.com", "uold"}},
		{Method: "AddMembers", ID: "tlive", IDs: []string{"u-new@x.com"}},
		{Method: "SetOrgRole", ID: "u-new@x.com", Arg: "admin"},
		{Method: "SetTeamRole", ID: "u-new@x.com", Team: "research", Arg: "admin"},
		{Method: "RemoveMember", ID: "ugone", Team: "t-research"},
	}
	if d := cmp.Diff(want, w.recorded()); d != "" {
		t.Fatalf("calls (-want +got):\n%s", d)
	}
	if rep.OK != 8 {
		t.Fatalf("ok = %d, want 8", rep.OK)
	}
	if r := rep.Results[0]; r.UserID != "u-new@x.com" {
		t.Fatalf("create_user result user_id = %q", r.UserID)
	}
	if r := rep.Results[1]; r.TeamID != "t-research" {
		t.Fatalf("create_team result team_id = %q", r.TeamID)
	}
}

func TestRunFailedCreateSkipsDependentsOnly(t *testing.T) {
	p := planOf(
		ch(plan.CreateUser, "a@x.com", "", "", ""),
		ch(plan.CreateUser, "ok@x.com", "", "", ""),
		ch(plan.AddMember, "a@x.com", "", "ml", "tml"),
		ch(plan.AddMember, "b@x.com", "ub", "ml", "tml"),
		plan.Change{Action: plan.SetOrgRole, User: "a@x.com", Role: "admin"},
		plan.Change{Action: plan.SetTeamRole, User: "a@x.com", Team: "ml", Role: "admin"},
		ch(plan.RemoveMember, "c@x.com", "uc", "ml", "tml"),
		ch(plan.DeactivateUser, "d@x.com", "ud", "", ""),
	)
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "CreateUser" && c.User == "a@x.com" {
			return &httpError{403, "Seat limit reached"}
		}
		return nil
	}}
	rep := run(t, p, w, Options{})
	if d := cmp.Diff([]string{"CreateUser", "CreateUser", "SetActive", "AddMembers", "RemoveMember"}, sortedMethods(w)); d != "" {
		t.Fatalf("methods called (-want +got):\n%s", d)
	}
	for _, c := range w.recorded() {
		if c.Method == "AddMembers" && !cmp.Equal(c.IDs, []string{"ub"}) {
			t.Fatalf("AddMembers ids = %v, want [ub]", c.IDs)
		}
	}
	res := byKey(rep)
	checks := []struct {
		key    string
		status Status
		text   string
		cause  int // index of CausedBy, -1 for none
	}{
		{"create_user a@x.com@", StatusFailed, "Seat limit reached", -1},
		{"create_user ok@x.com@", StatusOK, "", -1},
		{"add_member a@x.com@ml", StatusSkipped, "depends on failed create_user a@x.com", 0},
		{"add_member b@x.com@ml", StatusOK, "", -1},
		{"set_org_role a@x.com@", StatusSkipped, "depends on failed create_user a@x.com", 0},
		{"set_team_role a@x.com@ml", StatusSkipped, "depends on failed create_user a@x.com", 0},
		// Destructive changes on other users go ahead.
		{"remove_member c@x.com@ml", StatusOK, "", -1},
		{"deactivate_user d@x.com@", StatusOK, "", -1},
	}
	for _, c := range checks {
		r := res[c.key]
		if r.Status != c.status || !strings.Contains(r.Error+r.Reason, c.text) {
			t.Errorf("%s = %+v; want %s containing %q", c.key, r, c.status, c.text)
		}
		if got := causedBy(r); got != c.cause {
			t.Errorf("%s: caused_by = %d, want %d", c.key, got, c.cause)
		}
		if r.Status != StatusOK && c.key != "create_user a@x.com@" && r.Requests != 0 {
			t.Errorf("%s: requests = %d, want 0 (not sent)", c.key, r.Requests)
		}
	}
	if r := res["create_user a@x.com@"]; r.HTTPStatus != 403 || r.Detail != "Seat limit reached" {
		t.Errorf("failed create: http %d detail %q", r.HTTPStatus, r.Detail)
	}
	// The failures counted are the requests that failed; what needed them
	// is skipped, naming the cause.
	if rep.OK != 4 || rep.Failed != 1 || rep.Skipped != 3 {
		t.Fatalf("ok/failed/skipped = %d/%d/%d, want 4/1/3", rep.OK, rep.Failed, rep.Skipped)
	}
}

func TestRunFailedCreateTeamSkipsItsAdds(t *testing.T) {
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "CreateTeam" {
			return &httpError{409, "name taken"}
		}
		return nil
	}}
	rep := run(t, planOf(
		ch(plan.CreateTeam, "", "", "taken", ""),
		ch(plan.AddMember, "a@x.com", "ua", "taken", ""),
		ch(plan.AddMember, "a@x.com", "ua", "other", "tother"),
	), w, Options{})
	if got := w.count("AddMembers"); got != 1 {
		t.Fatalf("AddMembers calls = %d, want 1 (only team other)", got)
	}
	if r := byKey(rep)["add_member a@x.com@taken"]; r.Status != StatusSkipped || r.Reason != "depends on failed create_team taken" || causedBy(r) != 0 {
		t.Fatalf("add to failed team = %+v", r)
	}
}

func TestRunSetTeamRoleAfterFailedAdd(t *testing.T) {
	w := addsFail(&httpError{400, "bad member"})
	rep := run(t, planOf(
		ch(plan.AddMember, "a@x.com", "ua", "ml", "tml"),
		plan.Change{Action: plan.SetTeamRole, User: "a@x.com", UserID: "ua", Team: "ml", TeamID: "tml", Role: "admin"},
		plan.Change{Action: plan.SetTeamRole, User: "b@x.com", UserID: "ub", Team: "ml", TeamID: "tml", Role: "admin"},
	), w, Options{})
	if got := w.count("SetTeamRole"); got != 1 {
		t.Fatalf("SetTeamRole calls = %d, want 1 (b only)", got)
	}
	if r := byKey(rep)["set_team_role a@x.com@ml"]; r.Status != StatusSkipped || r.Reason != "depends on failed add_member a@x.com to team ml" || causedBy(r) != 0 {
		t.Fatalf("set_team_role after failed add = %+v", r)
	}
}

func TestRunMissingIDFailsWithoutSending(t *testing.T) {
	w := &fakeWriter{}
	rep := run(t, planOf(ch(plan.AddMember, "ghost@x.com", "", "ml", "tml")), w, Options{})
	if len(w.recorded()) != 0 {
		t.Fatalf("calls = %v, want none", w.methods())
	}
	if r := rep.Results[0]; r.Status != StatusFailed || !strings.Contains(r.Error, "no id for user ghost@x.com") {
		t.Fatalf("result = %+v", r)
	}
}

func TestRunIndependentFailuresContinue(t *testing.T) {
	changes := creates(5)
	changes = append(changes,
		plan.Change{Action: plan.UpdateUser, User: "v@x.com", UserID: "uv", Name: "V"},
		plan.Change{Action: plan.UpdateUser, User: "w@x.com", UserID: "uw", Name: "W"},
		ch(plan.RemoveMember, "r1@x.com", "ur1", "ml", "tml"),
		ch(plan.RemoveMember, "r2@x.com", "ur2", "ml", "tml"),
	)
	w := &fakeWriter{fail: func(c call) error {
		switch {
		case c.Method == "CreateUser" && c.User == "u2@x.com":
			return wrapped(&httpError{500, "internal"})
		case c.Method == "UpdateUser" && c.ID == "uv":
			return errors.New("connection reset")
		}
		return nil
	}}
	rep := run(t, planOf(changes...), w, Options{Concurrency: 2})
	if got := w.count("CreateUser"); got != 5 {
		t.Fatalf("CreateUser calls = %d, want 5", got)
	}
	if got := w.count("UpdateUser"); got != 2 {
		t.Fatalf("UpdateUser calls = %d, want 2", got)
	}
	if got := w.count("RemoveMember"); got != 2 {
		t.Fatalf("RemoveMember calls = %d, want 2 (failures on other users)", got)
	}
	res := byKey(rep)
	if r := res["create_user u2@x.com@"]; r.HTTPStatus != 500 || r.Detail != "internal" || r.Error != "scim: PATCH /Groups: 500 Internal Server Error: internal" {
		t.Fatalf("failed create = %+v", r)
	}
	if r := res["update_user v@x.com@"]; r.HTTPStatus != 0 || r.Error != "connection reset" || r.Requests != 1 {
		t.Fatalf("failed update = %+v", r)
	}
	if rep.OK != 7 || rep.Failed != 2 || rep.Skipped != 0 {
		t.Fatalf("ok/failed/skipped = %d/%d/%d, want 7/2/0", rep.OK, rep.Failed, rep.Skipped)
	}
}

func TestRunRemovalsOnePerChange(t *testing.T) {
	w := &fakeWriter{}
	rep := run(t, planOf(
		ch(plan.RemoveMember, "a@x.com", "ua", "ml", "tml"),
		ch(plan.RemoveMember, "b@x.com", "ub", "ml", "tml"),
		ch(plan.RemoveMember, "a@x.com", "ua", "cv", "tcv"),
		ch(plan.DeactivateUser, "a@x.com", "ua", "", ""),
	), w, Options{})
	if got := w.count("RemoveMember"); got != 3 {
		t.Fatalf("RemoveMember calls = %d, want 3", got)
	}
	if rep.OK != 4 || rep.Requests != 4 {
		t.Fatalf("ok = %d, requests = %d", rep.OK, rep.Requests)
	}
	calls := w.recorded()
	if last := calls[len(calls)-1]; last.Method != "SetActive" || last.ID != "ua" || last.Arg != "false" {
		t.Fatalf("last call = %+v, want deactivation of ua", last)
	}
}

func TestRunBlockedPlanRunsNothing(t *testing.T) {
	p := planOf(ch(plan.DeactivateUser, "a@x.com", "ua", "", ""))
	p.Blocked = []plan.Block{{Limit: "maxDeactivations", Planned: 1, Allowed: 0}}
	w := &fakeWriter{}
	rep, err := Run(context.Background(), p, w, Options{Logger: zaptest.NewLogger(t)})
	if !errors.Is(err, ErrBlocked) || rep != nil {
		t.Fatalf("Run = %v, %v; want nil, ErrBlocked", rep, err)
	}
	if len(w.recorded()) != 0 {
		t.Fatalf("calls = %v, want none", w.methods())
	}
}

func TestRunEmptyPlan(t *testing.T) {
	rep := run(t, planOf(), &fakeWriter{}, Options{})
	if len(rep.Results) != 0 || rep.OK+rep.Failed+rep.Skipped+rep.Requests != 0 {
		t.Fatalf("report = %+v", rep)
	}
}

// causedBy returns r.CausedBy, or -1 when nil.
func causedBy(r Result) int {
	if r.CausedBy == nil {
		return -1
	}
	return *r.CausedBy
}

// sortedMethods returns the method names in phase order but sorted within
// equal names (the fake records concurrent calls in any order).
func sortedMethods(w *fakeWriter) []string {
	m := w.methods()
	out := make([]string, 0, len(m))
	for _, name := range []string{"CreateUser", "CreateTeam", "SetActive", "UpdateUser", "AddMembers", "SetOrgRole", "SetTeamRole", "RemoveMember"} {
		for _, x := range m {
			if x == name {
				out = append(out, x)
			}
		}
	}
	return out
}

// TestRunTeamsSharingAName: two live teams named dup (the manifest pins
// each by id) get their own adds and removals, each sent to its own id:
// grouping by name sent every add to the first one.
func TestRunTeamsSharingAName(t *testing.T) {
	w := &fakeWriter{}
	run(t, planOf(
		ch(plan.AddMember, "a@x.com", "ua", "dup", "g1"),
		ch(plan.AddMember, "b@x.com", "ub", "dup", "g2"),
		ch(plan.RemoveMember, "c@x.com", "uc", "dup", "g2"),
	), w, Options{})
	got := map[string][]string{}
	for _, c := range w.recorded() {
		switch c.Method {
		case "AddMembers":
			got[c.ID] = append(got[c.ID], c.IDs...)
		case "RemoveMember":
			got["remove from "+c.Team] = append(got["remove from "+c.Team], c.ID)
		}
	}
	want := map[string][]string{"g1": {"ua"}, "g2": {"ub"}, "remove from g2": {"uc"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("writes by team id (-want +got):\n%s", d)
	}
}

// TestRunKeepsAnAdmin: promotions to admin run before the demotions of
// their phase. When promotions are not done (refused, or skipped because
// their user's create failed) and the admins the read reported, plus the
// promotions done, would not outlast the changes that take an admin away
// (a demotion, the deactivation of an admin), those are held back, naming
// the promotion; an unverified non-admin role waits for one admin
// assertion done. A held change blocks nothing else of its user (its team
// removals), and changes that take no admin away go ahead.
// TestRunHoldsUnreportedRoleDeactivations: a deactivation marked
// plan.RoleUnreported (a user whose org role the read does not report,
// where it shows no admin) may take the admin away: it runs only once a
// promotion to admin of the plan is done, as the plan's last-admin check
// counted on; without a promotion in the plan it runs.
func TestRunHoldsUnreportedRoleDeactivations(t *testing.T) {
	p := planOf(
		plan.Change{Action: plan.SetOrgRole, User: "carol@x.com", UserID: "uc", Role: "admin", From: "member"},
		plan.Change{Action: plan.DeactivateUser, User: "boss@x.com", UserID: "ua", From: plan.RoleUnreported},
	)
	refused := &fakeWriter{fail: func(c call) error {
		if c.Method == "SetOrgRole" {
			return &httpError{400, "no"}
		}
		return nil
	}}
	res := byKey(run(t, p, refused, Options{}))
	if r := res["deactivate_user boss@x.com@"]; r.Status != StatusSkipped || !strings.HasPrefix(r.Reason, "not run, to keep an active admin: set_org_role carol@x.com failed earlier") {
		t.Errorf("boss's deactivation = %+v, want held back by carol's refused promotion", r)
	}
	if refused.count("SetActive") != 0 {
		t.Errorf("%d SetActive calls, want none", refused.count("SetActive"))
	}
	done := &fakeWriter{}
	if rep := run(t, p, done, Options{}); rep.OK != 2 || done.count("SetActive") != 1 {
		t.Errorf("promotion done: ok %d, SetActive %d; want both done", rep.OK, done.count("SetActive"))
	}
	alone := &fakeWriter{}
	if rep := run(t, planOf(p.Changes[1]), alone, Options{}); rep.OK != 1 {
		t.Errorf("no promotion in the plan: ok %d, want the deactivation done", rep.OK)
	}
	// The promotion is done though another operation on its user failed:
	// an admin is made, and the deactivation runs.
	q := planOf(
		plan.Change{Action: plan.UpdateUser, User: "carol@x.com", UserID: "uc", Name: "Carol"},
		p.Changes[0], p.Changes[1],
	)
	updateRefused := &fakeWriter{fail: func(c call) error {
		if c.Method == "UpdateUser" {
			return &httpError{409, "taken"}
		}
		return nil
	}}
	res = byKey(run(t, q, updateRefused, Options{}))
	if r := res["deactivate_user boss@x.com@"]; r.Status != StatusOK {
		t.Errorf("carol promoted, her update refused: boss's deactivation = %+v, want done", r)
	}
}

func TestRunKeepsAnAdmin(t *testing.T) {
	p := planOf(
		plan.Change{Action: plan.SetOrgRole, User: "alice@x.com", UserID: "ua", Role: "member", From: "admin"},
		plan.Change{Action: plan.SetOrgRole, User: "bob@x.com", UserID: "ub", Role: "admin", From: "member"},
		plan.Change{Action: plan.SetOrgRole, User: "carl@x.com", UserID: "uc", Role: "member", Reason: "unverified"},
		plan.Change{Action: plan.SetOrgRole, User: "dora@x.com", UserID: "ud", Role: "admin", From: "member"},
		plan.Change{Action: plan.RemoveMember, User: "alice@x.com", UserID: "ua", Team: "ml", TeamID: "tml"},
		plan.Change{Action: plan.DeactivateUser, User: "eve@x.com", UserID: "ue", From: "admin"},
		plan.Change{Action: plan.DeactivateUser, User: "fay@x.com", UserID: "uf"},
	)
	p.Limits.ActiveAdmins = 2 // alice and eve
	refuse := func(ids ...string) *fakeWriter {
		return &fakeWriter{fail: func(c call) error {
			if c.Method == "SetOrgRole" && slices.Contains(ids, c.ID) {
				return &httpError{400, "no"}
			}
			return nil
		}}
	}
	t.Run("done", func(t *testing.T) {
		w := &fakeWriter{}
		rep := run(t, p, w, Options{Concurrency: 1})
		if rep.OK != len(p.Changes) {
			t.Fatalf("ok = %d, want %d", rep.OK, len(p.Changes))
		}
		var order []string
		for _, c := range w.calls {
			if c.Method == "SetOrgRole" {
				order = append(order, c.ID+":"+c.Arg)
			}
		}
		if want := []string{"ub:admin", "ud:admin", "ua:member", "uc:member"}; !slices.Equal(order, want) {
			t.Fatalf("org roles set in order %v, want the promotions first: %v", order, want)
		}
	})
	t.Run("one refused, an admin remains", func(t *testing.T) {
		rep := run(t, p, refuse("ub"), Options{})
		if rep.OK != len(p.Changes)-1 || rep.Skipped != 0 {
			t.Fatalf("ok/failed/skipped = %d/%d/%d: with dora promoted, alice and eve may go", rep.OK, rep.Failed, rep.Skipped)
		}
	})
	t.Run("all refused", func(t *testing.T) {
		w := refuse("ub", "ud")
		rep := run(t, p, w, Options{})
		res := byKey(rep)
		// Alice's demotion leaves eve; eve's deactivation would leave
		// none; carl's unverified role waits for an admin assertion.
		for _, k := range []string{"set_org_role carl@x.com@", "deactivate_user eve@x.com@"} {
			r := res[k]
			if r.Status != StatusSkipped || !strings.HasPrefix(r.Reason, "not run, to keep an active admin: set_org_role bob@x.com failed earlier") || causedBy(r) < 0 {
				t.Errorf("%s = %+v, want held back by bob's promotion", k, r)
			}
		}
		for _, k := range []string{"set_org_role alice@x.com@", "remove_member alice@x.com@ml", "deactivate_user fay@x.com@"} {
			if r := res[k]; r.Status != StatusOK {
				t.Errorf("%s = %+v, want done", k, r)
			}
		}
		if w.count("SetActive") != 1 || w.count("SetOrgRole") != 3 || w.count("RemoveMember") != 1 {
			t.Errorf("SetActive %d, SetOrgRole %d, RemoveMember %d calls: want fay's deactivation, the two promotions, alice's demotion and her removal",
				w.count("SetActive"), w.count("SetOrgRole"), w.count("RemoveMember"))
		}
	})
	t.Run("as many as leave one", func(t *testing.T) {
		q := planOf(
			plan.Change{Action: plan.SetOrgRole, User: "alice@x.com", UserID: "ua", Role: "member", From: "admin"},
			plan.Change{Action: plan.SetOrgRole, User: "bob@x.com", UserID: "ub", Role: "admin", From: "member"},
			plan.Change{Action: plan.SetOrgRole, User: "gina@x.com", UserID: "ug", Role: "member", From: "admin"},
		)
		q.Limits.ActiveAdmins = 2 // alice and gina
		res := byKey(run(t, q, refuse("ub"), Options{}))
		if r := res["set_org_role alice@x.com@"]; r.Status != StatusOK {
			t.Errorf("alice's demotion = %+v, want done: gina stays admin", r)
		}
		if r := res["set_org_role gina@x.com@"]; r.Status != StatusSkipped || !strings.HasPrefix(r.Reason, reasonKeepAdmin) {
			t.Errorf("gina's demotion = %+v, want held back: she is the last admin", r)
		}
	})
	t.Run("promoted but not reactivated", func(t *testing.T) {
		// x is inactive: its promotion makes no active admin when its
		// reactivation fails (the seat limit), so alice stays admin; its
		// own demotion-free promotion is no loss, and a demotion of a user
		// the plan reactivates (y, an inactive admin) takes none away.
		q := planOf(
			plan.Change{Action: plan.ReactivateUser, User: "x@x.com", UserID: "ux"},
			plan.Change{Action: plan.ReactivateUser, User: "y@x.com", UserID: "uy"},
			plan.Change{Action: plan.SetOrgRole, User: "alice@x.com", UserID: "ua", Role: "member", From: "admin"},
			plan.Change{Action: plan.SetOrgRole, User: "x@x.com", UserID: "ux", Role: "admin", From: "member"},
			plan.Change{Action: plan.SetOrgRole, User: "y@x.com", UserID: "uy", Role: "member", From: "admin"},
		)
		q.Limits.ActiveAdmins = 1 // alice
		w := &fakeWriter{fail: func(c call) error {
			if c.Method == "SetActive" && c.ID == "ux" {
				return &httpError{403, "Seat limit reached"}
			}
			return nil
		}}
		res := byKey(run(t, q, w, Options{}))
		if r := res["set_org_role alice@x.com@"]; r.Status != StatusSkipped || !strings.HasPrefix(r.Reason, reasonKeepAdmin+"reactivate_user x@x.com failed earlier") {
			t.Errorf("alice's demotion = %+v, want held back by x's failed reactivation", r)
		}
		if r := res["set_org_role y@x.com@"]; r.Status != StatusOK {
			t.Errorf("y's demotion = %+v, want done: y was no active admin", r)
		}
	})
	t.Run("a promotion answered done that does not read back", func(t *testing.T) {
		// alice is the only admin; bob's promotion is answered done but
		// the user reads back as a member (a server that says done and
		// did not, or not yet): alice's demotion and deactivation would
		// leave none, and are held; each promotion is read once.
		q := planOf(
			plan.Change{Action: plan.SetOrgRole, User: "alice@x.com", UserID: "ua", Role: "member", From: "admin"},
			plan.Change{Action: plan.SetOrgRole, User: "bob@x.com", UserID: "ub", Role: "admin", From: "member"},
			plan.Change{Action: plan.DeactivateUser, User: "alice@x.com", UserID: "ua", From: "admin"},
		)
		q.Limits.ActiveAdmins = 1
		for _, tc := range []struct {
			name   string
			w      *readingWriter
			held   bool
			reason string
		}{
			{"reads back a member", &readingWriter{roles: map[string]model.Role{"ub": model.RoleMember}}, true,
				`set_org_role bob@x.com was answered done earlier, but the user reads back as "member"`},
			{"reads back inactive", &readingWriter{roles: map[string]model.Role{"ub": model.RoleAdmin}, inactive: map[string]bool{"ub": true}}, true,
				"but the user reads back inactive"},
			{"read fails", &readingWriter{}, true, "but reading the user back failed: no such user ub"},
			{"reads back an admin", &readingWriter{roles: map[string]model.Role{"ub": model.RoleAdmin}}, false, ""},
		} {
			res := byKey(run(t, q, tc.w, Options{}))
			for _, k := range []string{"set_org_role alice@x.com@", "deactivate_user alice@x.com@"} {
				r := res[k]
				switch {
				case tc.held && (r.Status != StatusSkipped || !strings.HasPrefix(r.Reason, reasonKeepAdmin) || !strings.Contains(r.Reason, tc.reason)):
					t.Errorf("%s: %s = %+v, want held back saying %q", tc.name, k, r, tc.reason)
				case !tc.held && r.Status != StatusOK:
					t.Errorf("%s: %s = %+v, want done", tc.name, k, r)
				}
			}
			if n := tc.w.count("OrgRoleOf"); n != 1 {
				t.Errorf("%s: %d reads of the promotion, want 1", tc.name, n)
			}
		}
		// A failed promotion beside one that does not read back: still held.
		q3 := planOf(append(slices.Clone(q.Changes),
			plan.Change{Action: plan.SetOrgRole, User: "dora@x.com", UserID: "ud", Role: "admin", From: "member"})...)
		q3.Limits.ActiveAdmins = 1
		w3 := &readingWriter{roles: map[string]model.Role{"ub": model.RoleMember}}
		w3.fail = func(c call) error {
			if c.Method == "SetOrgRole" && c.ID == "ud" {
				return &httpError{400, "refused"}
			}
			return nil
		}
		res := byKey(run(t, q3, w3, Options{}))
		for _, k := range []string{"set_org_role alice@x.com@", "deactivate_user alice@x.com@"} {
			if r := res[k]; r.Status != StatusSkipped || !strings.HasPrefix(r.Reason, reasonKeepAdmin) {
				t.Errorf("a failed promotion and one that reads back a member: %s = %+v, want held back", k, r)
			}
		}
		if n := w3.count("OrgRoleOf"); n != 1 {
			t.Errorf("a failed promotion and one that reads back a member: %d reads, want 1", n)
		}
		// Three promotions answered done, one needed: read until one
		// reads back as an admin.
		q4 := planOf(
			plan.Change{Action: plan.SetOrgRole, User: "alice@x.com", UserID: "ua", Role: "member", From: "admin"},
			plan.Change{Action: plan.SetOrgRole, User: "bob@x.com", UserID: "ub", Role: "admin", From: "member"},
			plan.Change{Action: plan.SetOrgRole, User: "carl@x.com", UserID: "uc", Role: "admin", From: "member"},
			plan.Change{Action: plan.SetOrgRole, User: "dora@x.com", UserID: "ud", Role: "admin", From: "member"},
		)
		q4.Limits.ActiveAdmins = 1
		w4 := &readingWriter{roles: map[string]model.Role{"ub": model.RoleAdmin, "uc": model.RoleAdmin, "ud": model.RoleAdmin}}
		if r := byKey(run(t, q4, w4, Options{}))["set_org_role alice@x.com@"]; r.Status != StatusOK || w4.count("OrgRoleOf") != 1 {
			t.Errorf("three promotions, one needed: alice's demotion = %+v after %d reads, want done after 1", r, w4.count("OrgRoleOf"))
		}
		// Roles reported nowhere (unreportedRoles: enforce): an admin
		// assertion lets a member assertion run, on its answer; nothing
		// is read back (the read would show no role, run after run).
		q5 := planOf(
			plan.Change{Action: plan.SetOrgRole, User: "alice@x.com", UserID: "ua", Role: "member", Reason: plan.ReasonUnverified},
			plan.Change{Action: plan.SetOrgRole, User: "bob@x.com", UserID: "ub", Role: "admin", Reason: plan.ReasonUnverified},
		)
		w5 := &readingWriter{}
		if r := byKey(run(t, q5, w5, Options{}))["set_org_role alice@x.com@"]; r.Status != StatusOK || w5.count("OrgRoleOf") != 0 {
			t.Errorf("roles reported nowhere: alice's member assertion = %+v after %d reads, want done without a read", r, w5.count("OrgRoleOf"))
		}
		// With another admin left by the read, nothing is read back.
		q.Limits.ActiveAdmins = 2
		q.Changes = q.Changes[:2]
		w := &readingWriter{}
		if r := byKey(run(t, q, w, Options{}))["set_org_role alice@x.com@"]; r.Status != StatusOK || w.count("OrgRoleOf") != 0 {
			t.Errorf("alice's demotion with two admins = %+v after %d reads, want done without a read", r, w.count("OrgRoleOf"))
		}
	})
	t.Run("held change blocks nothing else", func(t *testing.T) {
		q := p
		q.Limits.ActiveAdmins = 1 // alice only: her demotion is held, not her removal from ml
		q.Changes = slices.DeleteFunc(slices.Clone(p.Changes), func(c plan.Change) bool { return c.User == "eve@x.com" })
		res := byKey(run(t, q, refuse("ub", "ud"), Options{}))
		if r := res["set_org_role alice@x.com@"]; r.Status != StatusSkipped || !strings.HasPrefix(r.Reason, reasonKeepAdmin) {
			t.Errorf("alice's demotion = %+v, want held back", r)
		}
		if r := res["remove_member alice@x.com@ml"]; r.Status != StatusOK {
			t.Errorf("alice's removal from ml = %+v, want done: a held role change blocks nothing else", r)
		}
	})
}

// TestRunPanicIsOneOperationsOutcome: a panic while doing one operation (a
// bug, here in the Writer) makes that operation unknown, naming the panic,
// and the rest of the run goes on: the user's destructive changes are held
// back as for any unknown outcome, other users' go ahead. A panic in a
// team's adds makes the adds of that unit unknown.
func TestRunPanicIsOneOperationsOutcome(t *testing.T) {
	p := planOf(
		ch(plan.CreateUser, "a@x.com", "", "", ""),
		ch(plan.CreateUser, "ok@x.com", "", "", ""),
		ch(plan.AddMember, "b@x.com", "ub", "ml", "tml"),
		ch(plan.AddMember, "c@x.com", "uc", "infra", "tinfra"),
		ch(plan.DeactivateUser, "d@x.com", "ud", "", ""),
	)
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "CreateUser" && c.User == "a@x.com" || c.Method == "AddMembers" && c.ID == "tml" {
			panic("writer bug for " + c.User + c.ID)
		}
		return nil
	}}
	rep := run(t, p, w, Options{})
	res := byKey(rep)
	for key, want := range map[string]Status{
		"create_user a@x.com@": StatusUnknown, "create_user ok@x.com@": StatusOK,
		"add_member b@x.com@ml": StatusUnknown, "add_member c@x.com@infra": StatusOK, "deactivate_user d@x.com@": StatusOK,
	} {
		r := res[key]
		if r.Status != want || want == StatusUnknown && !strings.Contains(r.Error, "internal error (a bug in wbsync; please report it): writer bug for ") || want == StatusUnknown && !strings.Contains(r.Error, "(at apply_test.go:") {
			t.Errorf("%s = %s (%s), want %s", key, r.Status, r.Error, want)
		}
	}
}

// readingWriter is a fakeWriter that can read a user's organization role
// back (adminReader): roles[id], inactive[id]; an id in neither fails.
type readingWriter struct {
	fakeWriter
	roles    map[string]model.Role
	inactive map[string]bool
}

func (w *readingWriter) OrgRoleOf(ctx context.Context, id string) (model.Role, bool, error) {
	w.do(ctx, call{Method: "OrgRoleOf", ID: id})
	role, ok := w.roles[id]
	if !ok {
		return "", false, fmt.Errorf("no such user %s", id)
	}
	return role, !w.inactive[id], nil
}

// TestRunSetTeamRoleNamesACreatedTeam: a team role set in a team this run
// created carries the new team's id in the report, as the team's adds do.
func TestRunSetTeamRoleNamesACreatedTeam(t *testing.T) {
	rep := run(t, planOf(
		ch(plan.CreateTeam, "", "", "ml", ""),
		ch(plan.AddMember, "a@x.com", "ua", "ml", ""),
		plan.Change{Action: plan.SetTeamRole, User: "a@x.com", UserID: "ua", Team: "ml", Role: "admin"},
	), &fakeWriter{}, Options{})
	res := byKey(rep)
	tid := res["create_team @ml"].TeamID
	if tid == "" || res["add_member a@x.com@ml"].TeamID != tid || res["set_team_role a@x.com@ml"].TeamID != tid {
		t.Fatalf("team ids: create %q, add %q, set role %q; want the created team's everywhere", tid, res["add_member a@x.com@ml"].TeamID, res["set_team_role a@x.com@ml"].TeamID)
	}
}

// noIDWriter answers every create done, with no id.
type noIDWriter struct{ *fakeWriter }

func (w noIDWriter) CreateUser(ctx context.Context, u model.User) (string, error) {
	_, err := w.fakeWriter.CreateUser(ctx, u)
	return "", err
}

// TestRunCreateWithoutIDFails: a create answered without an id is not
// done: nothing that needs the id (an add of the user) is sent with an
// empty one.
func TestRunCreateWithoutIDFails(t *testing.T) {
	w := noIDWriter{&fakeWriter{}}
	rep := run(t, planOf(
		ch(plan.CreateUser, "n@x.com", "", "", ""),
		ch(plan.AddMember, "n@x.com", "", "ml", "tml"),
	), w, Options{})
	if r := rep.Results[0]; r.Status != StatusFailed || !strings.Contains(r.Error, "no id") {
		t.Fatalf("create = %+v, want failed: the server returned no id", r)
	}
	if r := rep.Results[1]; r.Status != StatusSkipped || r.CausedBy == nil || *r.CausedBy != 0 {
		t.Fatalf("add = %+v, want skipped for the create", r)
	}
	if n := w.count("AddMembers"); n != 0 {
		t.Fatalf("AddMembers sent %d time(s) for a user with no id", n)
	}
}

// TestRunRemovalsFromOneTeamOneAtATime: member removals write the team
// resource, so two removals from one team never run at the same time,
// while a removal from another team runs beside them. With two slots, the
// first removal waits, in flight, until a second call is in flight too:
// the removal from cv, or (were removals not one unit per team) the next
// one from ml, whose unit would have taken the second slot.
func TestRunRemovalsFromOneTeamOneAtATime(t *testing.T) {
	var (
		mu       sync.Mutex
		inFlight = map[string]int{}
		total    int
		overlap  string
	)
	two := make(chan struct{})
	w := &fakeWriter{hook: func(ctx context.Context, c call) error {
		if c.Method != "RemoveMember" {
			return nil
		}
		mu.Lock()
		inFlight[c.Team]++
		if inFlight[c.Team] > 1 {
			overlap = c.Team
		}
		if total++; total == 2 {
			close(two)
		}
		mu.Unlock()
		<-two
		mu.Lock()
		inFlight[c.Team]--
		mu.Unlock()
		return nil
	}}
	p := planOf(
		ch(plan.RemoveMember, "a@x.com", "ua", "ml", "tml"),
		ch(plan.RemoveMember, "b@x.com", "ub", "ml", "tml"),
		ch(plan.RemoveMember, "c@x.com", "uc", "ml", "tml"),
		ch(plan.RemoveMember, "d@x.com", "ud", "cv", "tcv"),
	)
	rep := run(t, p, w, Options{Concurrency: 2})
	if rep.OK != 4 {
		t.Fatalf("ok = %d, want 4", rep.OK)
	}
	if overlap != "" {
		t.Fatalf("two removals from team %s ran at the same time", overlap)
	}
}
