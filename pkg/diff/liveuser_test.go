package diff

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// A live user the manifest does not list is identified in the user field
// by its primary email (its userName when it has none); its handle, when
// it differs, goes to username in changes and stays readable in messages.
func TestComputeUnlistedUserIdentity(t *testing.T) {
	a := "a@x.com"
	admin := func(u model.User) model.User { u.OrgRole = "admin"; return u }
	member := func(u model.User) model.User { u.OrgRole = "member"; return u }
	want := state(users(admin(du(a))), dt("ml", model.Authoritative, dm(a, "")))
	bobby := member(lh("ub", "bobby", "bob@example.com"))
	noEmail := member(model.User{ID: "un", UserName: "svc-runner", Active: true})
	sameCase := member(model.User{ID: "uc", UserName: "Carol@X.com", Email: "carol@x.com", Active: true})
	have := state(users(admin(lu("ua", a)), bobby, noEmail, sameCase),
		lt("g", "ml", lm("ua", a, ""), lm("ub", "bobby", ""), lm("un", "svc-runner", ""), lm("uc", "Carol@X.com", "")))
	deactivate := model.Policy{UnmanagedUsers: model.UnmanagedDeactivate}
	removals := []plan.Change{
		{Action: plan.RemoveMember, Team: "ml", TeamID: "g", User: "bob@example.com", Username: "bobby", UserID: "ub", Reason: reasonNotManaged},
		{Action: plan.RemoveMember, Team: "ml", TeamID: "g", User: "carol@x.com", UserID: "uc", Reason: reasonNotManaged},
		{Action: plan.RemoveMember, Team: "ml", TeamID: "g", User: "svc-runner", UserID: "un", Reason: reasonNotManaged},
	}
	runCompute(t, []computeCase{
		{
			name:    "ignore: removals and unmanaged_user warnings",
			want:    want,
			have:    have,
			changes: removals,
			warnings: []plan.Warning{
				{Code: plan.WarnUnmanagedUser, User: "bob@example.com", Username: "bobby", IDs: []string{"ub"}},
				{Code: plan.WarnUnmanagedUser, User: "carol@x.com", IDs: []string{"uc"}},
				{Code: plan.WarnUnmanagedUser, User: "svc-runner", IDs: []string{"un"}},
			},
		},
		{
			name:   "deactivate on saas: deactivations and irreversible_deactivation warnings",
			dep:    model.SaaS,
			policy: deactivate,
			want:   want,
			have:   have,
			changes: append(removals[:3:3],
				plan.Change{Action: plan.DeactivateUser, User: "bob@example.com", Username: "bobby", UserID: "ub", Reason: reasonUnmanaged},
				plan.Change{Action: plan.DeactivateUser, User: "carol@x.com", UserID: "uc", Reason: reasonUnmanaged},
				plan.Change{Action: plan.DeactivateUser, User: "svc-runner", UserID: "un", Reason: reasonUnmanaged},
			),
			warnings: []plan.Warning{
				{Code: plan.WarnIrreversibleDeactivation, User: "bob@example.com", Username: "bobby", IDs: []string{"ub"}},
				{Code: plan.WarnIrreversibleDeactivation, User: "carol@x.com", IDs: []string{"uc"}},
				{Code: plan.WarnIrreversibleDeactivation, User: "svc-runner", IDs: []string{"un"}},
			},
		},
		{
			name:   "protected: the warnings name the user by the same identifier",
			policy: model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, Protected: []string{"bob@example.com"}},
			want:   want,
			have:   state(users(admin(lu("ua", a)), bobby), lt("g", "ml", lm("ua", a, ""), lm("ub", "bobby", ""))),
			warnings: []plan.Warning{
				{Code: plan.WarnProtected, User: "bob@example.com", Username: "bobby"},
				{Code: plan.WarnProtected, Team: "ml", User: "bob@example.com", Username: "bobby"},
			},
		},
	})

	// Messages still show the handle; JSON carries the two fields apart.
	p := Compute(want, have, deactivate, Options{Deployment: model.Dedicated})
	var bob *plan.Change
	for i := range p.Changes {
		if c := &p.Changes[i]; c.Action == plan.DeactivateUser && c.UserID == "ub" {
			bob = c
		}
	}
	if bob == nil {
		t.Fatalf("no deactivation of bobby in %+v", p.Changes)
	}
	js, err := json.Marshal(bob)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"user":"bob@example.com","username":"bobby"`) {
		t.Errorf("deactivate_user JSON %s: want user bob@example.com and username bobby", js)
	}
	if got := plan.Describe(*bob); got != "deactivate user bobby (bob@example.com) ("+reasonUnmanaged+")" {
		t.Errorf("Describe = %q", got)
	}
	ignored := Compute(want, have, ignorePolicy, Options{Deployment: model.Dedicated})
	for _, w := range ignored.Warnings {
		if w.User == "bob@example.com" && !strings.HasPrefix(w.Message, "bobby (bob@example.com) is active") {
			t.Errorf("unmanaged_user message %q should show the handle and the email", w.Message)
		}
	}
}

func TestComputeUnlistedUserInGrace(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	a := "a@x.com"
	jit := lh("uj", "jit.new", "new.hire@example.com")
	jit.Created, jit.OrgRole = now.Add(-time.Hour), "member"
	want := state(users(with(du(a), func(u *model.User) { u.OrgRole = "admin" })), dt("ml", model.Additive, dm(a, "")))
	have := state(users(with(lu("ua", a), func(u *model.User) { u.OrgRole = "admin" }), jit), lt("g", "ml", lm("ua", a, "")))
	p := Compute(want, have, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, UnmanagedGracePeriod: 7 * 24 * time.Hour},
		Options{Deployment: model.Dedicated, Now: now})
	if len(p.Changes) != 0 || len(p.Warnings) != 1 {
		t.Fatalf("changes %+v, warnings %+v: want one unmanaged_recent warning", p.Changes, p.Warnings)
	}
	if w := p.Warnings[0]; w.Code != plan.WarnUnmanagedRecent || w.User != "new.hire@example.com" || !strings.HasPrefix(w.Message, "jit.new (new.hire@example.com) ") {
		t.Errorf("warning %+v: want unmanaged_recent for new.hire@example.com, the message showing the handle", w)
	}
}

// TestLiveEmailsManyEmails: however many emails a server lists for one
// user (here 60,000, in two cases each, with the primary among them), each
// key is given once, in the order first seen, the primary's last when the
// list lacks it; the same as for a short list.
func TestLiveEmailsManyEmails(t *testing.T) {
	naive := func(l *model.User) []string {
		var out []string
		seen := map[string]bool{}
		for _, e := range append(append([]string{}, l.Emails...), l.Email) {
			if k := model.Key(e); k != "" && !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
		return out
	}
	for _, n := range []int{0, 3, fewEmails, fewEmails + 1, 30000} {
		l := model.User{Email: "Primary@x.com"}
		for i := range n {
			e := fmt.Sprintf("e%d@x.com", i)
			l.Emails = append(l.Emails, e, strings.ToUpper(e))
		}
		if n%2 == 1 {
			l.Emails = append(l.Emails, "primary@X.com")
		}
		before := slices.Clone(l.Emails)
		var got []string
		liveEmails(&l, func(k string) { got = append(got, k) })
		if want := naive(&l); !slices.Equal(got, want) {
			t.Fatalf("%d emails: got %d keys, want %d (first %q, want %q)", len(l.Emails), len(got), len(want), got[:min(3, len(got))], want[:min(3, len(want))])
		}
		if !slices.Equal(l.Emails, before) {
			t.Fatalf("%d emails: liveEmails changed the user's list", len(l.Emails))
		}
	}
}

// TestComputeUndeclarableUnmanaged: a live user whose email no manifest
// user may declare (model.ValidEmail: here not ASCII, or with a dotless
// domain) cannot be kept by adding it to the manifest: its deactivation
// under unmanagedUsers: deactivate, and its unmanaged_recent warning, point
// to policy.protected instead. Declarable ones, and users without an email
// (a username may name them), keep the usual words.
func TestComputeUndeclarableUnmanaged(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	a := "a@x.com"
	old := now.Add(-30 * 24 * time.Hour)
	aged := func(u model.User, created time.Time) model.User { u.Created = created; return u }
	noEmail := aged(lh("un", "dev-user9"), old)
	have := state(users(lu("ua", a),
		aged(lu("uj", "josé@example.com"), old), aged(lu("ul", "ops@localhost"), old),
		aged(lu("ub", "bob@example.com"), old), noEmail,
		aged(lu("ur", "zoë@example.com"), now.Add(-time.Hour)), aged(lu("us", "sam@example.com"), now.Add(-time.Hour))))
	p := Compute(state(users(du(a))), have, model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, UnmanagedGracePeriod: 7 * 24 * time.Hour, MaxDeactivations: model.Limit{Set: true, Value: 100}},
		Options{Deployment: model.Dedicated, Now: now})
	reasons := map[string]string{}
	for _, c := range p.Changes {
		if c.Action == plan.DeactivateUser {
			reasons[c.UserID] = c.Reason
		}
	}
	want := map[string]string{"uj": reasonUndeclarable, "ul": reasonUndeclarable, "ub": reasonUnmanaged, "un": reasonUnmanaged}
	if diff := cmp.Diff(want, reasons); diff != "" {
		t.Errorf("deactivation reasons (-want +got):\n%s", diff)
	}
	recent := warnedByID(p, plan.WarnUnmanagedRecent)
	if m := recent["ur"]; !strings.HasSuffix(m, "; name it in policy.protected, or a glob that matches it (a manifest cannot declare its email) to keep it") {
		t.Errorf("unmanaged_recent for zoë: %q, want the policy.protected advice", m)
	}
	if m := recent["us"]; !strings.HasSuffix(m, "; add the user to the manifest to keep it") {
		t.Errorf("unmanaged_recent for sam: %q, want the manifest advice", m)
	}

	// A user a manifest may name by another of its emails, or by its
	// userName, is declarable; a protected one is told nothing of
	// protecting it.
	second := aged(lh("u2", "jose-h", "josé@example.com", "jose@example.com"), old)
	byName := aged(lh("u3", "pat@example.com", "pat@localhost"), old)
	guarded := aged(lu("u4", "zoé@example.com"), old)
	handle := aged(lh("u5", "jos-h", "josé@example.com"), old)        // username: jos-h names it
	spaced := aged(lh("u6", "Build Bot", "bot@localhost"), old)       // no username may hold a space
	bare := aged(lh("u7", "svc-runner"), old)                         // no email: username: svc-runner
	emailish := aged(lh("u8", "ops@localhost", "ops@localhost"), old) // username: ops@localhost would replace its email
	p = Compute(state(users(du(a))), state(users(lu("ua", a), second, byName, guarded, handle, spaced, bare, emailish)),
		model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, MaxDeactivations: model.Limit{Set: true, Value: 100}, Protected: []string{"zoé@example.com"}, UnmanagedGracePeriod: 0},
		Options{Deployment: model.Dedicated, Now: now})
	reasons = map[string]string{}
	for _, c := range p.Changes {
		reasons[c.UserID] = c.Reason
	}
	if diff := cmp.Diff(map[string]string{"u2": reasonUnmanaged, "u3": reasonUnmanaged, "u5": reasonUnmanaged,
		"u6": reasonUndeclarable, "u7": reasonUnmanaged, "u8": reasonUndeclarable}, reasons); diff != "" {
		t.Errorf("deactivation reasons (-want +got):\n%s", diff)
	}
	for _, w := range p.Warnings {
		if w.Code == plan.WarnProtected && strings.Contains(w.Message, "policy.protected may name it") {
			t.Errorf("a protected user told to protect itself: %q", w.Message)
		}
	}
}

// TestComputeCreatedInTheFuture: an unmanaged user created more than an
// hour ahead of the local clock is spared, as any recent one, and its
// warning says a clock (or the date) is wrong; one created minutes ago,
// or seconds ahead (clocks differ a little), reads as before.
func TestComputeCreatedInTheFuture(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	at := func(id string, created time.Time) model.User {
		u := lu(id, id+"@example.com")
		u.Created = created
		return u
	}
	a := "a@x.com"
	p := Compute(state(users(du(a))), state(users(lu("ua", a), at("later", now.Add(30*24*time.Hour)), at("skew", now.Add(20*time.Second)), at("recent", now.Add(-time.Hour)))),
		model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, UnmanagedGracePeriod: 7 * 24 * time.Hour}, Options{Deployment: model.Dedicated, Now: now})
	got := map[string]bool{}
	for _, w := range p.Warnings {
		if w.Code == plan.WarnUnmanagedRecent {
			got[w.IDs[0]] = strings.Contains(w.Message, "(a date 30 days ahead of this machine's clock: the server's clock or this machine's is wrong")
		}
	}
	if diff := cmp.Diff(map[string]bool{"later": true, "skew": false, "recent": false}, got); diff != "" {
		t.Errorf("future-date notes (-want +got):\n%s", diff)
	}
}
