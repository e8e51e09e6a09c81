package diff

import (
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// TestQuoteSpacedEachCharacter: each character of the set alone gets a
// name quoted (Go-escaped: a quote in the name shows as \"); a name with
// inner spaces or other punctuation alone is shown as it is.
func TestQuoteSpacedEachCharacter(t *testing.T) {
	for name, want := range map[string]string{
		"a(b": `"a(b"`, "a)b": `"a)b"`, "a,b": `"a,b"`, "a:b": `"a:b"`, "a;b": `"a;b"`,
		`a"b`: `"a\"b"`, " a": `" a"`, "a b": "a b", "a-b.c_d/e": "a-b.c_d/e",
	} {
		if got := quoteSpaced(name); got != want {
			t.Errorf("quoteSpaced(%q) = %s, want %s", name, got, want)
		}
	}
}

// TestMoreTeamWarningsQuotePunctuatedNames: the team warnings that
// TestTeamWarningsQuotePunctuatedNames does not reach quote a punctuated
// name too.
func TestMoreTeamWarningsQuotePunctuatedNames(t *testing.T) {
	a, b := "a@x.com", "b@x.com"
	msgs := func(want, have model.State, dep model.Deployment, code plan.WarningCode) []string {
		t.Helper()
		var out []string
		for _, w := range Compute(want, have, ignorePolicy, Options{Deployment: dep}).Warnings {
			if w.Code == code {
				out = append(out, w.Message)
			}
		}
		if len(out) == 0 {
			t.Fatalf("no %s", code)
		}
		return out
	}
	has := func(what string, got []string, want string) {
		t.Helper()
		for _, m := range got {
			if strings.Contains(m, want) {
				return
			}
		}
		t.Errorf("%s: no message holding %q in %q", what, want, got)
	}
	// team_roles_ambiguous: two pinned teams share a punctuated name.
	withRoles := func(u model.User, r map[string]model.Role) model.User { u.TeamRoles = r; return u }
	has("team_roles_ambiguous", msgs(
		state(users(du(a)), pinnedTeam("d: e", "g1", dm(a, "admin")), pinnedTeam("d: e", "g2", dm(a, "admin"))),
		state(users(withRoles(lu("ua", a), map[string]model.Role{"d: e": "viewer"})), lt("g1", "d: e", lm("ua", a, "")), lt("g2", "d: e", lm("ua", a, ""))),
		model.Dedicated, plan.WarnTeamRolesAmbiguous), `team "d: e" (id g`)
	// unmanaged_team's trimmed-name advice, alone and beside another team
	// answering to that name.
	has("unmanaged_team alone", msgs(state(users()), state(users(), lt("g3", "t: u ")), model.Dedicated, plan.WarnUnmanagedTeam),
		`list it (as "t: u": a manifest name`)
	has("unmanaged_team beside", msgs(state(users()), state(users(), lt("g1", "t: u"), lt("g3", "t: u ")), model.Dedicated, plan.WarnUnmanagedTeam),
		`list it as "t: u" with id: g3 (a manifest name has no space at either end, and live team "t: u" (id g1) answers to "t: u" too`)
	// unmanaged_team under the name a server lower-casing names gave a
	// created team (a look-alike capital: İ).
	has("unmanaged_team lowered", msgs(state(users(), dt("İzmir: Team", model.Additive)), state(users(), lt("g1", "izmir: team")), model.SaaS, plan.WarnUnmanagedTeam),
		`name the manifest's team "izmir: team" to manage it`)
	// duplicate_team: none named exactly, and one already pinned.
	has("duplicate_team ignoring case", msgs(state(users(du(a)), dt("x: y", model.Additive, dm(a, ""))), state(users(lu("ua", a)), lt("g1", "X: y"), lt("g2", "x: Y")), model.Dedicated, plan.WarnDuplicateTeam),
		`2 live teams are named "x: y" ignoring case ("X: y", "x: Y"; ids g1, g2)`)
	has("duplicate_team pinned", msgs(state(users(du(a), du(b)), pinnedTeam("p, q", "g1", dm(a, "")), dt("p, q", model.Additive, dm(b, ""))), state(users(lu("ua", a), lu("ub", b)), lt("g1", "p, q")), model.Dedicated, plan.WarnDuplicateTeam),
		`live team "p, q" (id g1) is already managed through an id pin`)
}
