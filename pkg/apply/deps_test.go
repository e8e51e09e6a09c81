package apply

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// want is one expected result: its status, and its Error or Reason and
// CausedBy when they matter.
type want struct {
	status Status
	text   string // Error or Reason, exactly; "" = not checked
	cause  int    // -1: no CausedBy
}

// check compares the results by "action user@team" key.
func check(t *testing.T, rep *Report, wants map[string]want) {
	t.Helper()
	res := byKey(rep)
	for key, w := range wants {
		r, ok := res[key]
		if !ok {
			t.Errorf("no result %s", key)
			continue
		}
		if r.Status != w.status {
			t.Errorf("%s: status %s, want %s (%+v)", key, r.Status, w.status, r)
		}
		if w.text != "" && r.Error+r.Reason != w.text {
			t.Errorf("%s: text\n  %q\nwant\n  %q", key, r.Error+r.Reason, w.text)
		}
		if got := causedBy(r); got != w.cause {
			t.Errorf("%s: caused_by %d, want %d", key, got, w.cause)
		}
	}
}

func TestRunPersistentFailureSkipsOnlyThatUsersDestructive(t *testing.T) {
	// alice moves from team old to the new team ml, and her add fails
	// (400, every time). Her removal from old and her deactivation wait;
	// carol's removal and dave's deactivation, unrelated, go ahead.
	p := planOf(
		ch(plan.CreateTeam, "", "", "ml", ""),                     // 0
		ch(plan.AddMember, "alice@x.com", "ua", "ml", ""),         // 1
		ch(plan.AddMember, "bob@x.com", "ub", "cv", "tcv"),        // 2
		ch(plan.RemoveMember, "alice@x.com", "ua", "old", "told"), // 3
		ch(plan.RemoveMember, "carol@x.com", "uc", "old", "told"), // 4
		ch(plan.DeactivateUser, "dave@x.com", "ud", "", ""),       // 5
		ch(plan.DeactivateUser, "alice@x.com", "ua", "", ""),      // 6
	)
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "AddMembers" && has(c.IDs, "ua") {
			return wrapped(&httpError{400, "user ua cannot join"})
		}
		return nil
	}}
	rep := run(t, p, w, Options{})
	reason := "not run: add_member alice@x.com to team ml failed earlier (HTTP 400: user ua cannot join)"
	check(t, rep, map[string]want{
		"create_team @ml":               {StatusOK, "", -1},
		"add_member alice@x.com@ml":     {StatusFailed, "scim: PATCH /Groups: 400 Bad Request: user ua cannot join", -1},
		"add_member bob@x.com@cv":       {StatusOK, "", -1},
		"remove_member alice@x.com@old": {StatusSkipped, reason, 1},
		"remove_member carol@x.com@old": {StatusOK, "", -1},
		"deactivate_user dave@x.com@":   {StatusOK, "", -1},
		"deactivate_user alice@x.com@":  {StatusSkipped, reason, 1},
	})
	var destructive []call
	for _, c := range w.recorded() {
		if c.Method == "RemoveMember" || c.Method == "SetActive" {
			destructive = append(destructive, c)
		}
	}
	wantCalls := []call{
		{Method: "RemoveMember", ID: "uc", Team: "told"},
		{Method: "SetActive", ID: "ud", Arg: "false"},
	}
	if d := cmp.Diff(wantCalls, destructive); d != "" {
		t.Fatalf("destructive calls (-want +got):\n%s", d)
	}
	if rep.OK != 5-1 || rep.Failed != 1 || rep.Skipped != 2 {
		t.Fatalf("ok/failed/skipped = %d/%d/%d, want 4/1/2", rep.OK, rep.Failed, rep.Skipped)
	}
}

func TestRunAddFailedByTeamCreateBlocksRemoval(t *testing.T) {
	p := planOf(
		ch(plan.CreateTeam, "", "", "ml", ""),                     // 0
		ch(plan.AddMember, "alice@x.com", "ua", "ml", ""),         // 1
		ch(plan.RemoveMember, "alice@x.com", "ua", "old", "told"), // 2
	)
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "CreateTeam" {
			return &httpError{409, "name taken"}
		}
		return nil
	}}
	rep := run(t, p, w, Options{})
	check(t, rep, map[string]want{
		"add_member alice@x.com@ml": {StatusSkipped, "depends on failed create_team ml", 0},
		"remove_member alice@x.com@old": {StatusSkipped,
			"not run: add_member alice@x.com to team ml was skipped earlier (depends on failed create_team ml)", 1},
	})
	if r := rep.Results[1]; r.Requests != 0 {
		t.Fatalf("add to a team never created: requests = %d, want 0", r.Requests)
	}
	if got := w.methods(); !cmp.Equal(got, []string{"CreateTeam"}) {
		t.Fatalf("calls = %v, want only the create", got)
	}
}

// TestRunFailedReactivationGrantsNothing: when i's reactivation fails (the
// seat limit), nothing gives the still-deactivated account access: its adds
// to teams and its org and team roles are skipped, naming the reactivation,
// and its removal from another team waits; bob, in the same add request,
// is added.
func TestRunFailedReactivationGrantsNothing(t *testing.T) {
	role := func(c plan.Change, r model.Role) plan.Change { c.Role = r; return c }
	p := planOf(
		ch(plan.ReactivateUser, "i@x.com", "ui", "", ""),                  // 0
		ch(plan.AddMember, "i@x.com", "ui", "ml", "tml"),                  // 1
		ch(plan.AddMember, "bob@x.com", "ub", "ml", "tml"),                // 2
		role(ch(plan.SetOrgRole, "i@x.com", "ui", "", ""), "admin"),       // 3
		role(ch(plan.SetTeamRole, "i@x.com", "ui", "ml", "tml"), "admin"), // 4
		ch(plan.RemoveMember, "i@x.com", "ui", "ops", "tops"),             // 5
	)
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "SetActive" && c.ID == "ui" {
			return &httpError{400, "Seat limit reached"}
		}
		return nil
	}}
	rep := run(t, p, w, Options{})
	const dep = "depends on failed reactivate_user i@x.com"
	check(t, rep, map[string]want{
		"reactivate_user i@x.com@":  {StatusFailed, "", -1},
		"add_member i@x.com@ml":     {StatusSkipped, dep, 0},
		"add_member bob@x.com@ml":   {StatusOK, "", -1},
		"set_org_role i@x.com@":     {StatusSkipped, dep, 0},
		"set_team_role i@x.com@ml":  {StatusSkipped, "", 1},
		"remove_member i@x.com@ops": {StatusSkipped, "", 0},
	})
	for _, c := range w.recorded() {
		if c.ID == "ui" && c.Method != "SetActive" || c.Method == "AddMembers" && has(c.IDs, "ui") {
			t.Errorf("sent %+v for the user whose reactivation failed", c)
		}
	}
}

func TestRunFailedRemovalSkipsOnlyLaterPhases(t *testing.T) {
	// alice's removal from ml fails: her removal from cv, in the same phase,
	// still runs (removals do not wait for each other); her deactivation,
	// a later phase, is skipped. bob is unaffected.
	p := planOf(
		ch(plan.RemoveMember, "alice@x.com", "ua", "ml", "tml"), // 0
		ch(plan.RemoveMember, "alice@x.com", "ua", "cv", "tcv"), // 1
		ch(plan.DeactivateUser, "alice@x.com", "ua", "", ""),    // 2
		ch(plan.DeactivateUser, "bob@x.com", "ub", "", ""),      // 3
	)
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "RemoveMember" && c.Team == "tml" {
			return &httpError{500, "boom"}
		}
		return nil
	}}
	rep := run(t, p, w, Options{Concurrency: 1})
	check(t, rep, map[string]want{
		"remove_member alice@x.com@ml": {StatusFailed, "", -1},
		"remove_member alice@x.com@cv": {StatusOK, "", -1},
		"deactivate_user alice@x.com@": {StatusSkipped, "not run: remove_member alice@x.com from team ml failed earlier (HTTP 500: boom)", 0},
		"deactivate_user bob@x.com@":   {StatusOK, "", -1},
	})
}

func TestRunUnknownOutcomeBlocksByIDAndEarliestCauseWins(t *testing.T) {
	// The update (renamed user, same id) ends unknown and the org role
	// fails later: the deactivation names the update, the earliest. The
	// org role itself, a demotion, still runs: it takes access away
	// whatever the account's email (a grant would wait for the update).
	p := planOf(
		plan.Change{Action: plan.UpdateUser, User: "alice@new.com", UserID: "ua", Email: "alice@new.com"},        // 0
		plan.Change{Action: plan.SetOrgRole, User: "alice@new.com", UserID: "ua", Role: "member", From: "admin"}, // 1
		ch(plan.DeactivateUser, "alice@old.com", "ua", "", ""),                                                   // 2
	)
	w := &fakeWriter{fail: func(c call) error {
		switch c.Method {
		case "UpdateUser":
			return wrapped(&unknownError{unknown: true})
		case "SetOrgRole":
			return &httpError{403, "forbidden"}
		}
		return nil
	}}
	rep := run(t, p, w, Options{})
	check(t, rep, map[string]want{
		"update_user alice@new.com@":  {StatusUnknown, "scim: POST /Users: connection reset after the request was sent", -1},
		"set_org_role alice@new.com@": {StatusFailed, "", -1},
		"deactivate_user alice@old.com@": {StatusSkipped,
			"not run: update_user alice@new.com ended with an unknown outcome earlier (scim: POST /Users: connection reset after the request was sent)", 0},
	})
	if got := w.count("SetActive"); got != 0 {
		t.Fatalf("SetActive calls = %d, want 0", got)
	}
	if rep.Unknown != 1 || rep.Failed != 1 || rep.Skipped != 1 {
		t.Fatalf("unknown/failed/skipped = %d/%d/%d, want 1/1/1", rep.Unknown, rep.Failed, rep.Skipped)
	}
}

func TestRunFailedTeamRoleBlocksRemoval(t *testing.T) {
	p := planOf(
		plan.Change{Action: plan.SetTeamRole, User: "alice@x.com", UserID: "ua", Team: "ml", Role: "admin"}, // 0
		ch(plan.RemoveMember, "alice@x.com", "ua", "cv", "tcv"),                                             // 1
	)
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "SetTeamRole" {
			return &httpError{400, "no such role"}
		}
		return nil
	}}
	rep := run(t, p, w, Options{})
	check(t, rep, map[string]want{
		"remove_member alice@x.com@cv": {StatusSkipped, "not run: set_team_role alice@x.com in team ml failed earlier (HTTP 400: no such role)", 0},
	})
}

// TestRunSameNameOtherUserNotBlocked: two users share a name in a plan (a
// listed user, and an unlisted live user whose primary email is that
// user's manifest email) but not an id: a failure on one does not hold back
// the other's removal.
func TestRunSameNameOtherUserNotBlocked(t *testing.T) {
	p := planOf(
		ch(plan.AddMember, "bob@x.com", "u-bob", "ml", "tml"),      // 0: fails
		ch(plan.RemoveMember, "bob@x.com", "u-bobby", "ml", "tml"), // 1: another user
		ch(plan.RemoveMember, "bob@x.com", "u-bob", "old", "told"), // 2: the same user
	)
	w := addsFail(&httpError{400, "bad member"})
	rep := run(t, p, w, Options{})
	if r := rep.Results[1]; r.Status != StatusOK {
		t.Errorf("removal of the other user = %+v, want ok", r)
	}
	if r := rep.Results[2]; r.Status != StatusSkipped || causedBy(r) != 0 {
		t.Errorf("removal of the user whose add failed = %+v, want skipped, caused by 0", r)
	}
}

// tiedError is a create's error whose answer tied the user to an existing
// account it did not take (scim.Error.ExistingID).
type tiedError struct{ id string }

func (e *tiedError) Error() string {
	return "the answer gives the id of an existing user (" + e.id + ")"
}
func (e *tiedError) OutcomeUnknown() bool { return true }
func (e *tiedError) ExistingID() string   { return e.id }

// TestRunCreateTiedToExistingAccountSparesIt: the manifest adds n and drops
// u10, and before the create the identity provider moved u10's email to n.
// The create's 409 look-up finds u10's account: it may be n's, renamed, so
// the run neither removes it from its team nor deactivates it; other
// users' destructive changes go ahead.
func TestRunCreateTiedToExistingAccountSparesIt(t *testing.T) {
	p := planOf(
		ch(plan.CreateUser, "n@x.com", "", "", ""),              // 0
		ch(plan.RemoveMember, "u10@x.com", "id10", "t2", "tt2"), // 1
		ch(plan.RemoveMember, "u9@x.com", "id9", "t2", "tt2"),   // 2
		ch(plan.DeactivateUser, "u10@x.com", "id10", "", ""),    // 3
		ch(plan.DeactivateUser, "u9@x.com", "id9", "", ""),      // 4
	)
	w := createsFail(wrapped(&tiedError{"id10"}))
	core, logs := observer.New(zapcore.InfoLevel)
	rep := run(t, p, w, Options{Logger: zap.New(core)})
	reason := "not run: create_user n@x.com ended with an unknown outcome earlier (scim: the answer gives the id of an existing user (id10)); " +
		"its answer or look-up tied the user it is for to this account, which may be that person (held until the create is settled: its failure says what to do)"
	check(t, rep, map[string]want{
		"create_user n@x.com@":       {StatusUnknown, "", -1},
		"remove_member u10@x.com@t2": {StatusSkipped, reason, 0},
		"remove_member u9@x.com@t2":  {StatusOK, "", -1},
		"deactivate_user u10@x.com@": {StatusSkipped, reason, 0},
		"deactivate_user u9@x.com@":  {StatusOK, "", -1},
	})
	for _, c := range w.recorded() {
		if c.ID == "id10" {
			t.Errorf("a write went to the account the create was tied to: %+v", c)
		}
	}
	if got := rep.Results[0].UserID; got != "" {
		t.Errorf("the create's user_id = %q: the account it was tied to is not the created user's", got)
	}
	// The log counts these holds as what they are, not as skips for an
	// earlier operation on the same user.
	if n := logs.FilterMessageSnippet("same user").Len(); n != 0 {
		t.Errorf("%d log lines count the holds as skips for the same user", n)
	}
	if ops := opsLogged(logs, "tied by its answer to an account not listed"); !slices.Equal(ops, []int64{1, 1}) {
		t.Errorf("hold log lines count %v operations, want [1 1] (one removal, one deactivation)", ops)
	}
}

// opsLogged returns the "operations" count of each log line holding
// snippet, in order.
func opsLogged(logs *observer.ObservedLogs, snippet string) []int64 {
	var ops []int64
	for _, e := range logs.FilterMessageSnippet(snippet).AllUntimed() {
		ops = append(ops, e.ContextMap()["operations"].(int64))
	}
	return ops
}

// seatError is a create refused for the organization's seat limit.
type seatError struct{}

func (seatError) Error() string        { return "400 Bad Request: Seat limit reached" }
func (seatError) HTTPStatus() int      { return 400 }
func (seatError) SCIMDetail() string   { return "Seat limit reached" }
func (seatError) SeatLimit() bool      { return true }
func (seatError) OutcomeUnknown() bool { return false }

// TestRunSeatLimitSendsNoMoreCreates: once a create is refused for the seat
// limit, later creates and reactivations are not sent (each would be
// refused alike), their dependents skip, and the rest goes on: roles,
// removals and deactivations (which free seats for the next apply). The
// text report counts the skips after the first few.
func TestRunSeatLimitSendsNoMoreCreates(t *testing.T) {
	var changes []plan.Change
	for i := range 30 {
		changes = append(changes, ch(plan.CreateUser, fmt.Sprintf("n%d@x.com", i), "", "", ""))
	}
	changes = append(changes, ch(plan.ReactivateUser, "r@x.com", "ur", "", ""))
	for i := range 30 { // each new user's add: one failed create, 29 held ones
		changes = append(changes, ch(plan.AddMember, fmt.Sprintf("n%d@x.com", i), "", "ml", "tml"))
	}
	changes = append(changes, ch(plan.DeactivateUser, "d@x.com", "ud", "", ""))
	w := createsFail(seatError{})
	rep := run(t, planOf(changes...), w, Options{Concurrency: 1})
	if got := w.count("CreateUser"); got != 1 {
		t.Errorf("%d creates sent, want 1: the others would be refused alike", got)
	}
	if got := w.count("SetActive"); got != 1 {
		t.Errorf("%d SetActive calls, want the deactivation alone", got)
	}
	check(t, rep, map[string]want{
		"create_user n0@x.com@":    {StatusFailed, "", -1},
		"create_user n1@x.com@":    {StatusSkipped, reasonSeatLimit, 0},
		"reactivate_user r@x.com@": {StatusSkipped, reasonSeatLimit, 0},
		"add_member n7@x.com@ml":   {StatusSkipped, "depends on create_user n7@x.com, which was skipped", 7},
		"deactivate_user d@x.com@": {StatusOK, "", -1},
	})
	text := textOf(t, rep)
	if n := strings.Count(text, "skipped: create_user"); n != caps.ListedNotStarted {
		t.Errorf("%d skipped creates listed, want %d, then counted:\n%s", n, caps.ListedNotStarted, text)
	}
	if !strings.Contains(text, "more operation(s): "+reasonSeatLimit) {
		t.Errorf("the rest not counted:\n%s", text)
	}
	// Their 30 adds, each skipped for its create: the first few listed,
	// the rest counted.
	if n := strings.Count(text, "skipped: add_member"); n != caps.ListedNotStarted {
		t.Errorf("%d skipped adds listed, want %d, then counted:\n%s", n, caps.ListedNotStarted, text)
	}
	if !strings.Contains(text, "skipped: 10 more operation(s): "+reasonDependents) {
		t.Errorf("the dependent skips not counted:\n%s", text)
	}
	if n := rep.SeatLimited(); n != 30 {
		t.Errorf("SeatLimited = %d, want the 29 creates and the reactivation not sent", n)
	}
}

// multiTenantError is a reactivation refused by a server that says it is
// W&B Multi-tenant Cloud, the plan made for Dedicated Cloud.
type multiTenantError struct{}

func (multiTenantError) Error() string {
	return "400 Bad Request: User reactivation operations are not supported in SaaS Cloud"
}
func (multiTenantError) HTTPStatus() int       { return 400 }
func (multiTenantError) SaysMultiTenant() bool { return true }
func (multiTenantError) OutcomeUnknown() bool  { return false }

// TestRunMultiTenantSaidHoldsDeactivations: once the server says it is
// Multi-tenant Cloud while the plan was made for Dedicated, no
// deactivation is sent (each would remove its user from the organization
// for good, which the plan approved did not say); the rest goes on.
func TestRunMultiTenantSaidHoldsDeactivations(t *testing.T) {
	changes := []plan.Change{
		ch(plan.ReactivateUser, "r@x.com", "ur", "", ""),
		ch(plan.RemoveMember, "d@x.com", "ud", "ml", "tml"),
		ch(plan.DeactivateUser, "d@x.com", "ud", "", ""),
		ch(plan.DeactivateUser, "e@x.com", "ue", "", ""),
	}
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "SetActive" && c.ID == "ur" {
			return multiTenantError{}
		}
		return nil
	}}
	rep := run(t, planOf(changes...), w, Options{Concurrency: 1})
	if got := w.count("SetActive"); got != 1 {
		t.Errorf("%d SetActive calls, want the reactivation alone", got)
	}
	check(t, rep, map[string]want{
		"reactivate_user r@x.com@": {StatusFailed, "", -1},
		"remove_member d@x.com@ml": {StatusOK, "", -1},
		"deactivate_user d@x.com@": {StatusSkipped, reasonMultiTenant, 0},
		"deactivate_user e@x.com@": {StatusSkipped, reasonMultiTenant, 0},
	})
}

// adoptKey keys adoptingWriter's flag.
type adoptKey struct{}

// adoptingWriter is a fakeWriter that answers the create of user adopt as
// the SCIM client does a 409: ok, with the existing user taken.
type adoptingWriter struct {
	*fakeWriter
	adopt string
}

func (w adoptingWriter) NoteAdoption(ctx context.Context) (context.Context, func() bool) {
	f := new(atomic.Bool)
	return context.WithValue(ctx, adoptKey{}, f), f.Load
}

func (w adoptingWriter) CreateUser(ctx context.Context, u model.User) (string, error) {
	if u.UserName == w.adopt {
		ctx.Value(adoptKey{}).(*atomic.Bool).Store(true)
	}
	return w.fakeWriter.CreateUser(ctx, u)
}

// TestRunMarksAdoptedCreates: a create the server answered exists, the
// existing user taken, is ok and marked adopted in the report; the others
// are not.
func TestRunMarksAdoptedCreates(t *testing.T) {
	p := planOf(ch(plan.CreateUser, "a@x.com", "", "", ""), ch(plan.CreateUser, "b@x.com", "", "", ""))
	rep := run(t, p, adoptingWriter{&fakeWriter{}, "b@x.com"}, Options{})
	got := map[string]bool{}
	for _, res := range rep.Results {
		if res.Status != StatusOK {
			t.Errorf("%s: %s", res.User, res.Status)
		}
		got[res.User] = res.Adopted
	}
	if !got["b@x.com"] || got["a@x.com"] {
		t.Errorf("adopted = %v, want b@x.com only", got)
	}
	js := jsonOf(t, rep)
	if strings.Count(js, `"adopted": true`) != 1 {
		t.Errorf("JSON report:\n%s", js)
	}
}

// TestRunRemovalOfReplacedAccount: on Multi-tenant Cloud the invitation of
// a deactivated user makes a new account, in no team: a removal of the old
// account's membership the server then refuses 400 (it no longer knows the
// id) is done, marked not_found with the answer, while the same refusal
// fails the removal of an account the invitation kept (same id), of
// another account labelled with the user's email (not the one replaced),
// of one a plain create (no invitation) shares a name with, or of one the
// run did not create.
func TestRunRemovalOfReplacedAccount(t *testing.T) {
	reinvite := func(user, replaces string) plan.Change {
		c := ch(plan.CreateUser, user, "", "", "")
		c.Reason, c.From = plan.ReasonRecreate, replaces
		return c
	}
	p := planOf(
		reinvite("gone@x.com", "old"),                                      // new id u-gone@x.com
		reinvite("same@x.com", "u-same@x.com"),                             // the server keeps the id
		ch(plan.RemoveMember, "gone@x.com", "old", "infra", "ti"),          // the replaced account
		ch(plan.RemoveMember, "gone@x.com", "gone-h", "ops", "to"),         // another account with that email
		ch(plan.RemoveMember, "same@x.com", "u-same@x.com", "infra", "ti"), // kept
		ch(plan.RemoveMember, "other@x.com", "uo", "infra", "ti"),          // no create
		ch(plan.CreateUser, "plain@x.com", "", "", ""),                     // not an invitation
		ch(plan.RemoveMember, "plain@x.com", "op", "infra", "ti"),
	)
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "RemoveMember" {
			return &httpError{400, "member is not a user of this organization"}
		}
		return nil
	}}
	rep := run(t, p, w, Options{})
	check(t, rep, map[string]want{
		"remove_member gone@x.com@infra":  {StatusOK, "", -1},
		"remove_member gone@x.com@ops":    {StatusFailed, "", -1},
		"remove_member same@x.com@infra":  {StatusFailed, "", -1},
		"remove_member other@x.com@infra": {StatusFailed, "", -1},
		"remove_member plain@x.com@infra": {StatusFailed, "", -1},
	})
	for _, r := range rep.Results {
		if r.Action != plan.RemoveMember {
			continue
		}
		if replaced := r.UserID == "old"; r.NotFound != replaced || replaced && (r.HTTPStatus != 400 || r.Detail != "member is not a user of this organization") {
			t.Errorf("%+v: want not_found (with the 400 and its detail) only for the replaced account's removal", r)
		}
	}
}

// notFoundWriter answers the removals and deactivations of the ids in gone
// as the SCIM client answers a 404 it takes as done: no error, the flag
// NoteNotFound put in ctx set.
type notFoundWriter struct {
	*fakeWriter
	gone map[string]bool
}

type notFoundFlag struct{}

func (w notFoundWriter) NoteNotFound(ctx context.Context) (context.Context, func() bool) {
	f := new(atomic.Bool)
	return context.WithValue(ctx, notFoundFlag{}, f), f.Load
}

func (w notFoundWriter) noted(ctx context.Context, id string) bool {
	if f, ok := ctx.Value(notFoundFlag{}).(*atomic.Bool); ok && w.gone[id] {
		f.Store(true)
		return true
	}
	return false
}

func (w notFoundWriter) RemoveMember(ctx context.Context, teamID, userID string) error {
	if w.noted(ctx, userID) {
		return nil
	}
	return w.fakeWriter.RemoveMember(ctx, teamID, userID)
}

func (w notFoundWriter) SetActive(ctx context.Context, id string, active bool) error {
	if !active && w.noted(ctx, id) {
		return nil
	}
	return w.fakeWriter.SetActive(ctx, id, active)
}

// TestRunNotFoundMarked: a removal and a deactivation the Writer took as
// done on a 404 are ok and marked not_found; those it made are not. When
// the verification still finds them, they are counted apart from the
// changes the run made that were undone, and said so.
func TestRunNotFoundMarked(t *testing.T) {
	applied := planOf(
		ch(plan.RemoveMember, "a@x.com", "ua", "ml", "tml"), // 404
		ch(plan.RemoveMember, "b@x.com", "ub", "ml", "tml"), // made
		ch(plan.DeactivateUser, "a@x.com", "ua", "", ""),    // 404
		ch(plan.DeactivateUser, "c@x.com", "uc", "", ""),    // made
	)
	w := notFoundWriter{&fakeWriter{}, map[string]bool{"ua": true}}
	rep := run(t, applied, w, Options{})
	for i, want := range []bool{true, false, true, false} {
		if r := rep.Results[i]; r.Status != StatusOK || r.NotFound != want || want != (r.HTTPStatus == 404) {
			t.Errorf("result %d: %+v; want ok, not_found %v (with its 404)", i, r, want)
		}
	}
	rep.Verification = Verify(applied, planOf(
		ch(plan.RemoveMember, "a@x.com", "ua", "ml", "tml"),
		ch(plan.DeactivateUser, "a@x.com", "ua", "", ""),
		ch(plan.DeactivateUser, "c@x.com", "uc", "", ""),
	), rep.Results, model.State{})
	if v := rep.Verification; v.NotFound != 2 || v.Undone != 1 {
		t.Fatalf("not found %d, undone %d; want 2 and 1", v.NotFound, v.Undone)
	}
	text := textOf(t, rep)
	for _, want := range []string{
		"  (1 of them this run made, answered ok, and are not in effect: ",
		"  (2 of them this run took as done because the server answered that they had nothing to change (a 404, or a 400 for the old account of a user invited again), yet they remain: ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	js := jsonOf(t, rep)
	for _, want := range []string{`"not_found_changes": 2`, `"undone_changes": 1`, `"not_found": true`} {
		if !strings.Contains(js, want) {
			t.Errorf("JSON lacks %s:\n%s", want, js)
		}
	}
}

// TestVerifyNotFoundRemovalStillListed: a removal taken as done on a 404
// (or a 400 for a replaced account) whose team the verification read
// still lists the member's id in, under an id the read lists as no user
// (never planned again: unresolved_member), remains: the verification
// does not find the organization matching.
func TestVerifyNotFoundRemovalStillListed(t *testing.T) {
	applied := planOf(
		ch(plan.RemoveMember, "a@x.com", "ua", "ml", "tml"), // 404, still listed
		ch(plan.RemoveMember, "b@x.com", "ub", "ml", "tml"), // 404, gone
	)
	w := notFoundWriter{&fakeWriter{}, map[string]bool{"ua": true, "ub": true}}
	rep := run(t, applied, w, Options{})
	have := model.State{Teams: []model.Team{{ID: "tml", Name: "ml", Members: []model.Member{{UserID: "ua"}, {UserID: "other"}}}}}
	v := Verify(applied, planOf(), rep.Results, have)
	if v.Matches() || v.Remaining != 1 || v.NotFound != 1 || len(v.Changes) != 1 || v.Changes[0].UserID != "ua" {
		t.Fatalf("verification %+v: want a@x.com's removal remaining, counted not found", v)
	}
	// Planned again by the read (a listed user): not counted twice.
	v = Verify(applied, planOf(ch(plan.RemoveMember, "a@x.com", "ua", "ml", "tml")), rep.Results, have)
	if v.Remaining != 1 || v.NotFound != 1 {
		t.Fatalf("verification %+v: want the one removal, once", v)
	}
}

// TestVerifyPairsByIDs: a remaining change is paired with the change of
// the plan applied by its ids where that plan had them (two live teams
// share a name: the removal from g1 was answered 404, the one from g2 was
// made and undone), and by name where it had none (a team and a user
// this run created).
func TestVerifyPairsByIDs(t *testing.T) {
	applied := planOf(
		ch(plan.RemoveMember, "d@x.com", "ud", "dup", "g1"),
		ch(plan.RemoveMember, "d@x.com", "ud", "dup", "g2"),
		ch(plan.AddMember, "n@x.com", "", "ml", ""),
	)
	results := make([]Result, len(applied.Changes))
	for i, c := range applied.Changes {
		results[i] = Result{Action: c.Action, User: c.User, Team: c.Team, UserID: c.UserID, TeamID: c.TeamID, Status: StatusOK, NotFound: c.TeamID == "g1"}
	}
	v := Verify(applied, planOf(
		ch(plan.RemoveMember, "d@x.com", "ud", "dup", "g2"),
		ch(plan.AddMember, "n@x.com", "un", "ml", "tml"), // ids now
	), results, model.State{})
	if v.Undone != 2 || v.NotFound != 0 || v.New != 0 {
		t.Fatalf("undone %d, not found %d, new %d; want 2, 0, 0", v.Undone, v.NotFound, v.New)
	}
}

// TestRunEmailHandoverWaitsForTheGiver: an email update that takes the
// email another update gives up is sent once that one is done, whatever
// the plan's order and the concurrency (W&B keeps one account per email:
// sent first it is refused), and is skipped when that one failed; updates
// that go round are sent as they come (no order helps them).
func TestRunEmailHandoverWaitsForTheGiver(t *testing.T) {
	upd := func(user, id, from, to string) plan.Change {
		c := ch(plan.UpdateUser, user, id, "", "")
		c.FromEmail, c.Email = from, to
		return c
	}
	changes := []plan.Change{
		upd("b@x.com", "ua", "a@x.com", "b@x.com"),          // 0: a takes b's email...
		upd("c@x.com", "ub", "b@x.com", "c@x.com"),          // 1: ...which b gives up for c's...
		upd("d@x.com", "uc", "c@x.com", "d@x.com"),          // 2: ...which c gives up
		upd("y@x.com", "ux", "x@x.com", "y@x.com"),          // 3: x and y swap
		upd("x@x.com", "uy", "y@x.com", "x@x.com"),          // 4
		ch(plan.RemoveMember, "y@x.com", "ux", "ml", "tml"), // x's update failed: waits
	}
	t.Run("in order", func(t *testing.T) {
		holders := map[string]string{"a@x.com": "ua", "b@x.com": "ub", "c@x.com": "uc", "x@x.com": "ux", "y@x.com": "uy"}
		var mu sync.Mutex
		w := &fakeWriter{fail: func(c call) error {
			if c.Method != "UpdateUser" {
				return nil
			}
			mu.Lock()
			defer mu.Unlock()
			if h, ok := holders[c.Email]; ok && h != c.ID {
				return fmt.Errorf("409 Conflict: another user has the email %s", c.Email)
			}
			for e, h := range holders {
				if h == c.ID {
					delete(holders, e)
				}
			}
			holders[c.Email] = c.ID
			return nil
		}}
		rep := run(t, planOf(changes...), w, Options{Concurrency: 8})
		check(t, rep, map[string]want{
			"update_user b@x.com@":     {StatusOK, "", -1},
			"update_user c@x.com@":     {StatusOK, "", -1},
			"update_user d@x.com@":     {StatusOK, "", -1},
			"update_user y@x.com@":     {StatusFailed, "", -1},
			"update_user x@x.com@":     {StatusFailed, "", -1},
			"remove_member y@x.com@ml": {StatusSkipped, "", 3},
		})
	})
	t.Run("the giver failed", func(t *testing.T) {
		w := &fakeWriter{fail: func(c call) error {
			if c.Method == "UpdateUser" && c.ID == "ub" {
				return fmt.Errorf("500 Internal Server Error")
			}
			return nil
		}}
		rep := run(t, planOf(changes[:3]...), w, Options{Concurrency: 8})
		check(t, rep, map[string]want{
			"update_user d@x.com@": {StatusOK, "", -1},
			"update_user c@x.com@": {StatusFailed, "", -1},
			"update_user b@x.com@": {StatusSkipped, "depends on failed update_user c@x.com", 1},
		})
		if n := w.count("UpdateUser"); n != 2 {
			t.Errorf("%d updates sent, want 2: a's would be refused while b holds the email", n)
		}
	})
}

// TestRunFailureOnReinvitedUserHoldsOldAccountRemoval: on Multi-tenant
// Cloud a deactivated user is invited again (a new account); when the new
// account's add then fails, the removal the plan makes of the old account
// (the same person) waits too, as one of the new account's would.
func TestRunFailureOnReinvitedUserHoldsOldAccountRemoval(t *testing.T) {
	cr := ch(plan.CreateUser, "alice@x.com", "", "", "")
	cr.Reason, cr.From = plan.ReasonRecreate, "old-a"
	p := planOf(
		cr, // 0
		ch(plan.AddMember, "alice@x.com", "", "ml", "tml"),         // 1
		ch(plan.RemoveMember, "alice@x.com", "old-a", "cv", "tcv"), // 2
		ch(plan.RemoveMember, "bob@x.com", "ub", "cv", "tcv"),      // 3
	)
	w := addsFail(wrapped(&httpError{400, "cannot join"}))
	rep := run(t, p, w, Options{})
	check(t, rep, map[string]want{
		"create_user alice@x.com@":     {StatusOK, "", -1},
		"add_member alice@x.com@ml":    {StatusFailed, "", -1},
		"remove_member alice@x.com@cv": {StatusSkipped, "", 1},
		"remove_member bob@x.com@cv":   {StatusOK, "", -1},
	})
}

// TestSkipBlockedLogsEachKind: skipBlocked's log table says each kind of
// hold with its count: skips for an earlier failure on the same user, and
// holds for a create's unexplained "exists", one line per phase.
func TestSkipBlockedLogsEachKind(t *testing.T) {
	// Same user: alice's add fails; her removal and deactivation wait.
	p := planOf(
		ch(plan.CreateTeam, "", "", "ml", ""),
		ch(plan.AddMember, "alice@x.com", "ua", "ml", ""),
		ch(plan.RemoveMember, "alice@x.com", "ua", "old", "told"),
		ch(plan.DeactivateUser, "alice@x.com", "ua", "", ""),
	)
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "AddMembers" && has(c.IDs, "ua") {
			return wrapped(&httpError{400, "user ua cannot join"})
		}
		return nil
	}}
	core, logs := observer.New(zapcore.InfoLevel)
	run(t, p, w, Options{Logger: zap.New(core)})
	if got := opsLogged(logs, "an earlier operation on the same user was not done"); !slices.Equal(got, []int64{1, 1}) {
		t.Errorf("same-user skip log lines count %v, want [1 1]", got)
	}

	// Unseen holder: a create answered "exists", nothing listed explains it.
	notIn := func(c plan.Change) plan.Change {
		c.Reason = plan.ReasonNotInManifest + "; unmanagedUsers: deactivate"
		return c
	}
	p = planOf(
		ch(plan.CreateUser, "asmith@legacy.org", "", "", ""),
		notIn(ch(plan.DeactivateUser, "alice@corp.com", "ua", "", "")),
	)
	w = createsFail(unseenHolderError{})
	core, logs = observer.New(zapcore.InfoLevel)
	run(t, p, w, Options{Logger: zap.New(core), Concurrency: 1})
	if got := opsLogged(logs, "no user listed explains it"); !slices.Equal(got, []int64{1}) {
		t.Errorf("unseen-holder log lines count %v, want [1]", got)
	}
}

// TestRunUnknownAdminLossCountsAsLost: a demotion of an admin whose
// outcome is unknown may have been done: it counts as a loss when a later
// phase decides which admin losses may run, so the last admin is not
// deactivated beside it.
func TestRunUnknownAdminLossCountsAsLost(t *testing.T) {
	p := planOf(
		plan.Change{Action: plan.SetOrgRole, User: "carl@x.com", UserID: "uc", Role: "admin", From: "member"},
		plan.Change{Action: plan.SetOrgRole, User: "alice@x.com", UserID: "ua", Role: "member", From: "admin"},
		plan.Change{Action: plan.DeactivateUser, User: "bob@x.com", UserID: "ub", From: "admin"},
	)
	p.Limits.ActiveAdmins = 2 // alice and bob
	w := &fakeWriter{fail: func(c call) error {
		switch {
		case c.Method == "SetOrgRole" && c.ID == "uc":
			return &httpError{400, "no"}
		case c.Method == "SetOrgRole" && c.ID == "ua":
			return &unknownError{true}
		}
		return nil
	}}
	res := byKey(run(t, p, w, Options{Concurrency: 1}))
	if r := res["set_org_role alice@x.com@"]; r.Status != StatusUnknown {
		t.Fatalf("alice's demotion = %+v, want unknown", r)
	}
	if r := res["deactivate_user bob@x.com@"]; r.Status != StatusSkipped || !strings.HasPrefix(r.Reason, reasonKeepAdmin) {
		t.Errorf("bob's deactivation = %+v, want held back: alice's demotion may have been done, leaving bob the last admin", r)
	}
	if n := w.count("SetActive"); n != 0 {
		t.Errorf("%d SetActive call(s), want none", n)
	}
}

// TestRunEmailHandoverGiverUnknown: an email update that takes the email
// another update gives up waits for that one to be done, not only for it
// not to have failed: when the giver's outcome is unknown, the email may
// still be held, and the taker's update is not sent.
func TestRunEmailHandoverGiverUnknown(t *testing.T) {
	upd := func(user, id, from, to string) plan.Change {
		c := ch(plan.UpdateUser, user, id, "", "")
		c.FromEmail, c.Email = from, to
		return c
	}
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "UpdateUser" && c.ID == "ub" {
			return &unknownError{true}
		}
		return nil
	}}
	rep := run(t, planOf(
		upd("b@x.com", "ua", "a@x.com", "b@x.com"), // a takes b's email...
		upd("c@x.com", "ub", "b@x.com", "c@x.com"), // ...which b gives up
	), w, Options{Concurrency: 4})
	res := byKey(rep)
	if r := res["update_user c@x.com@"]; r.Status != StatusUnknown {
		t.Fatalf("b's update = %+v, want unknown", r)
	}
	if r := res["update_user b@x.com@"]; r.Status != StatusSkipped || causedBy(r) != 1 {
		t.Errorf("a's update = %+v, want skipped, caused by b's update whose outcome is unknown", r)
	}
	if n := w.count("UpdateUser"); n != 1 {
		t.Errorf("%d updates sent, want 1: a's may be refused, or make two accounts share an email, while b may hold it", n)
	}
}

// TestRunFailedReactivationNoTeamRole: a team role for a user already in
// the team (no add in the plan) waits for the user's reactivation too
// (TestRunFailedReactivationGrantsNothing has the role wait on the add).
func TestRunFailedReactivationNoTeamRole(t *testing.T) {
	c := ch(plan.SetTeamRole, "i@x.com", "ui", "ml", "tml")
	c.Role = "admin"
	p := planOf(ch(plan.ReactivateUser, "i@x.com", "ui", "", ""), c)
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "SetActive" && c.ID == "ui" {
			return &httpError{400, "Seat limit reached"}
		}
		return nil
	}}
	rep := run(t, p, w, Options{})
	check(t, rep, map[string]want{
		"reactivate_user i@x.com@": {StatusFailed, "", -1},
		"set_team_role i@x.com@ml": {StatusSkipped, "depends on failed reactivate_user i@x.com", 0},
	})
	if n := w.count("SetTeamRole"); n != 0 {
		t.Errorf("%d SetTeamRole call(s) for the user whose reactivation failed, want none", n)
	}
}

// TestRunNoReadBackWhenNoneNeeded: when the admin losses the read reports
// leave an admin without any promotion (none needed), nothing is read
// back and a promotion answered done counts: a deactivation of a user
// whose role is unreported runs.
func TestRunNoReadBackWhenNoneNeeded(t *testing.T) {
	p := planOf(
		plan.Change{Action: plan.SetOrgRole, User: "bob@x.com", UserID: "ub", Role: "admin", From: "member"},
		plan.Change{Action: plan.SetOrgRole, User: "dora@x.com", UserID: "ud", Role: "admin", From: "member"},
		plan.Change{Action: plan.DeactivateUser, User: "eve@x.com", UserID: "ue", From: "admin"},
		plan.Change{Action: plan.DeactivateUser, User: "fay@x.com", UserID: "uf", From: plan.RoleUnreported},
	)
	p.Limits.ActiveAdmins = 2 // alice and eve
	w := &readingWriter{roles: map[string]model.Role{"ub": model.RoleAdmin}}
	w.fail = func(c call) error {
		if c.Method == "SetOrgRole" && c.ID == "ud" {
			return &httpError{400, "refused"}
		}
		return nil
	}
	res := byKey(run(t, p, w, Options{Concurrency: 1}))
	for _, k := range []string{"deactivate_user eve@x.com@", "deactivate_user fay@x.com@"} {
		if r := res[k]; r.Status != StatusOK {
			t.Errorf("%s = %+v, want done: alice stays admin and bob's promotion was answered done", k, r)
		}
	}
	if n := w.count("OrgRoleOf"); n != 0 {
		t.Errorf("%d reads back, want none: no promotion is needed to keep an admin", n)
	}
}

// atWorkError is a create's failure the server may still be at (as
// scim.Error says of one not sent again after a timeout).
type atWorkError struct{ unknownError }

func (atWorkError) StillAtWork() bool { return true }

// TestRunCountsCreatesStillAtWork: the report marks and counts the
// operations that ended unknown because the server may still be at them
// (StillAtWork, still_at_work in JSON), and no other unknown one, so that
// the advice after the run can say to wait; their text line does not add
// that the next plan shows what was done (a plan made at once would not).
func TestRunCountsCreatesStillAtWork(t *testing.T) {
	w := &fakeWriter{fail: func(c call) error {
		switch c.User {
		case "slow@x.com":
			return &atWorkError{unknownError{true}}
		case "lost@x.com":
			return &unknownError{true}
		}
		return nil
	}}
	rep := run(t, planOf(ch(plan.CreateUser, "slow@x.com", "", "", ""), ch(plan.CreateUser, "lost@x.com", "", "", ""),
		ch(plan.CreateUser, "ok@x.com", "", "", "")), w, Options{})
	if rep.Unknown != 2 || rep.StillAtWork != 1 || !rep.Results[0].StillAtWork || rep.Results[1].StillAtWork {
		t.Errorf("unknown %d, still at work %d (%v, %v); want 2 and 1, the first create's", rep.Unknown, rep.StillAtWork,
			rep.Results[0].StillAtWork, rep.Results[1].StillAtWork)
	}
	if l := rep.Results[0].outcomeLine(); strings.Contains(l, nextPlanShows) {
		t.Errorf("line %q: says the next plan shows it", l)
	}
	if l := rep.Results[1].outcomeLine(); !strings.Contains(l, nextPlanShows) {
		t.Errorf("line %q: want the usual note", l)
	}
	var b strings.Builder
	if err := rep.WriteJSON(&b); err != nil || strings.Count(b.String(), `"still_at_work": true`) != 1 {
		t.Errorf("JSON report (err %v): want still_at_work on the first create only:\n%s", err, b.String())
	}
}

// notAtWorkError is an unknown failure whose error can say whether the
// server may still be at it, and says it is not (a PATCH that timed out).
type notAtWorkError struct{ unknownError }

func (notAtWorkError) StillAtWork() bool { return false }

// TestRunCountsOnlyWhatSaysStillAtWork: an unknown operation whose error
// says the server is not still at it is not counted among the creates to
// wait for.
func TestRunCountsOnlyWhatSaysStillAtWork(t *testing.T) {
	w := &fakeWriter{fail: func(c call) error {
		if c.User == "lost@x.com" {
			return &notAtWorkError{unknownError{true}}
		}
		return nil
	}}
	rep := run(t, planOf(ch(plan.CreateUser, "lost@x.com", "", "", "")), w, Options{})
	if rep.Unknown != 1 || rep.StillAtWork != 0 {
		t.Errorf("unknown %d, still at work %d; want 1 and 0", rep.Unknown, rep.StillAtWork)
	}
}

// TestRunRemovalOfReplacedAccountUnknown400: a removal of the account this
// run's invitation replaced (Multi-tenant Cloud) that ends with a 400 after
// an earlier attempt that may have been applied stays unknown: only a
// definite 400 is taken as "the old account is gone".
func TestRunRemovalOfReplacedAccountUnknown400(t *testing.T) {
	c := ch(plan.CreateUser, "gone@x.com", "", "", "")
	c.Reason, c.From = plan.ReasonRecreate, "old"
	p := planOf(c, ch(plan.RemoveMember, "gone@x.com", "old", "infra", "ti"))
	w := &fakeWriter{fail: func(c call) error {
		if c.Method == "RemoveMember" {
			return &maybeAppliedError{httpError{400, "member is not a user of this organization"}}
		}
		return nil
	}}
	rep := run(t, p, w, Options{})
	check(t, rep, map[string]want{"remove_member gone@x.com@infra": {StatusUnknown, "", -1}})
	for _, r := range rep.Results {
		if r.Action == plan.RemoveMember && r.NotFound {
			t.Errorf("%+v: an unknown 400 is not taken as not_found", r)
		}
	}
}
