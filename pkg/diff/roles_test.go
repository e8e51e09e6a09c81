package diff

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

func TestCheckRoles(t *testing.T) {
	teams := func(ms ...model.Member) model.State {
		return state(nil, dt("ml-research", model.Authoritative, ms...), dt("infra", model.Additive, dm("z@x.com", "member")))
	}
	existing := []string{"Reviewer", "Data Scientist", "Labeler"}
	for _, tc := range []struct {
		name     string
		want     model.State
		dep      model.Deployment
		existing []string
		checked  bool
		errs     []string // substrings of the error, nil: no error
	}{
		{
			name: "saas: a custom role is refused, naming the team and member",
			want: teams(dm("bob@x.com", "Reviewer"), dm("amy@x.com", "admin")),
			dep:  model.SaaS,
			errs: []string{`1 team role problem(s)`, `team ml-research, member bob@x.com: role "Reviewer": custom roles exist only on Dedicated Cloud and Self-Managed`},
		},
		{
			name: "saas: a misspelt predefined role gets a did you mean",
			want: teams(dm("bob@x.com", "admn")),
			dep:  model.SaaS,
			errs: []string{`role "admn": custom roles exist only on Dedicated Cloud and Self-Managed; did you mean "admin"?`},
		},
		{
			name: "predefined roles in any case are accepted everywhere",
			want: teams(dm("bob@x.com", "ADMIN"), dm("amy@x.com", "Viewer"), dm("cy@x.com", "mEmBeR")),
			dep:  model.SaaS,
		},
		{
			// White space is part of a custom role's name: " member " is
			// not member (a server may hold both, with other rights).
			name: "a predefined name with white space at an end is a custom role",
			want: teams(dm("cy@x.com", " member ")),
			dep:  model.SaaS,
			errs: []string{`team ml-research, member cy@x.com: role " member ": custom roles exist only on Dedicated Cloud and Self-Managed; did you mean "member"?`},
		},
		{
			name:     "dedicated, checked: an existing custom role is accepted, case-sensitively",
			want:     teams(dm("bob@x.com", "Data Scientist"), dm("amy@x.com", "Reviewer")),
			dep:      model.Dedicated,
			existing: existing,
			checked:  true,
		},
		{
			name:     "dedicated, checked: a misspelt custom role is refused with a did you mean",
			want:     teams(dm("bob@x.com", "Reveiwer")),
			dep:      model.Dedicated,
			existing: existing,
			checked:  true,
			errs:     []string{`team ml-research, member bob@x.com: role "Reveiwer": no such role on the server (/Roles); did you mean "Reviewer"?`},
		},
		{
			name:     "dedicated, checked: a case-only difference is refused and suggested",
			want:     teams(dm("bob@x.com", "DATA SCIENTIST")),
			dep:      model.Dedicated,
			existing: existing,
			checked:  true,
			errs:     []string{`role "DATA SCIENTIST": no such role on the server (/Roles); did you mean "Data Scientist"?`},
		},
		{
			// An accent typed as its own character (macOS input) looks the
			// same: the message spells both out.
			name:     "dedicated, checked: a role decomposed where the server's is composed",
			want:     teams(dm("bob@x.com", "E\u0301quipe \u2615")),
			dep:      model.Dedicated,
			existing: append(slices.Clone(existing), "\u00c9quipe \u2615"),
			checked:  true,
			errs: []string{`no such role on the server (/Roles); the server's "\u00c9quipe \u2615" is the same text with each accented letter as one character, ` +
				`where the manifest has "E\u0301quipe \u2615": write the role as the server spells it`},
		},
		{
			name:     "dedicated, checked: nothing close, no suggestion",
			want:     teams(dm("bob@x.com", "Platform Owner")),
			dep:      model.Dedicated,
			existing: existing,
			checked:  true,
			errs: []string{`role "Platform Owner": no such role on the server (/Roles)` + "\n",
				// once, last: the roles the server has (one deleted in W&B?)
				"\n  the server's custom roles are \"Data Scientist\", \"Labeler\", \"Reviewer\": a role the manifest names and the server lacks may have been deleted or renamed in W&B\n"},
		},
		{
			name:     "dedicated, checked: no custom role left on the server",
			want:     teams(dm("bob@x.com", "Platform Owner"), dm("amy@x.com", "Platform Owner")),
			dep:      model.Dedicated,
			existing: []string{"admin", "member", "viewer"},
			checked:  true,
			errs:     []string{"2 team role problem(s):", "\n  the server has no custom role: a role the manifest names may have been deleted in W&B\n"},
		},
		{
			name: "dedicated, unchecked (/Roles 404): no error, Compute warns instead",
			want: teams(dm("bob@x.com", "Anything")),
			dep:  model.Dedicated,
		},
		{
			name:     "every problem is listed, sorted",
			want:     state(nil, dt("b-team", model.Additive, dm("y@x.com", "Nope")), dt("a-team", model.Additive, dm("x@x.com", "Nope"), dm("w@x.com", "Reviewer"))),
			dep:      model.Dedicated,
			existing: existing,
			checked:  true,
			errs:     []string{"2 team role problem(s):\n  team a-team, member x@x.com: role \"Nope\": no such role on the server (/Roles)\n  team b-team, member y@x.com"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckRoles(tc.want, tc.dep, tc.existing, tc.checked, nil)
			if tc.errs == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("want an error")
			}
			for _, s := range tc.errs {
				if !strings.Contains(err.Error()+"\n", s) {
					t.Errorf("error lacks %q:\n%v", s, err)
				}
			}
		})
	}
}

func TestCheckRolesBounded(t *testing.T) {
	var ms []model.Member
	for i := 0; i < 150; i++ {
		ms = append(ms, dm(fmt.Sprintf("u%03d@x.com", i), "Custom"))
	}
	err := CheckRoles(state(nil, dt("ml", model.Additive, ms...)), model.SaaS, nil, false, nil)
	if err == nil {
		t.Fatal("want an error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 1+100+1 || !strings.HasPrefix(lines[0], "150 team role problem(s)") || lines[101] != "  ... and 50 more problem(s)" {
		t.Errorf("want a header, 100 problems and a count of the rest; got %d lines, first %q, last %q", len(lines), lines[0], lines[len(lines)-1])
	}
}

// TestCheckRolesByPosition: with positions, problems come in manifest
// order (line 8 before line 12), each line starting with its position, as
// the loader's problems do.
func TestCheckRolesByPosition(t *testing.T) {
	w := state(nil, dt("a", model.Additive, dm("x@x.com", "Custom")), dt("b", model.Additive, dm("y@x.com", "Custom")))
	at := map[[2]int]string{{0, 0}: "m.yaml:8:16", {1, 0}: "m.yaml:12:16"}
	err := CheckRoles(w, model.SaaS, nil, false, func(t, m int) string { return at[[2]int{t, m}] })
	if err == nil {
		t.Fatal("want an error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "m.yaml:8:16: team a, member x@x.com") || !strings.HasPrefix(lines[2], "m.yaml:12:16: team b, member y@x.com") {
		t.Errorf("want line 8 then line 12:\n%s", err)
	}
}

func TestCustomRoleNames(t *testing.T) {
	w := state(nil,
		dt("a", model.Additive, dm("x@x.com", "Reviewer"), dm("y@x.com", "ADMIN"), dm("z@x.com", "")),
		dt("b", model.Additive, dm("x@x.com", "Data Scientist"), dm("y@x.com", "Reviewer"), dm("z@x.com", "reviewer")))
	if d := cmp.Diff([]string{"Data Scientist", "Reviewer", "reviewer"}, CustomRoleNames(w)); d != "" {
		t.Errorf("CustomRoleNames (-want +got):\n%s", d)
	}
	if got := CustomRoleNames(state(nil, dt("a", model.Additive, dm("x@x.com", "viewer")))); got != nil {
		t.Errorf("no custom role: got %q, want nil", got)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "abc", 0}, {"Reviewer", "Reveiwer", 2}, {"admin", "admn", 1}, {"kitten", "sitting", 3}, {"é", "e", 1}, {"a", "abcdefgh", 7},
	} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestCheckRolesNamesEscaped: a team name holding a line break cannot
// forge a line of the multi-line error ("Plan: No changes." on its own).
func TestCheckRolesNamesEscaped(t *testing.T) {
	w := state(nil, dt("evil\nPlan: No changes.\x1b[2K", model.Additive, dm("a@x.com", "nope")))
	err := CheckRoles(w, model.SaaS, nil, false, nil)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "Plan:") || strings.ContainsRune(line, 0x1b) {
			t.Errorf("a forged or raw line: %q", line)
		}
	}
	if !strings.Contains(err.Error(), `team "evil\nPlan: No changes.\x1b[2K", member a@x.com`) {
		t.Errorf("the team is not shown quoted:\n%s", err)
	}
}

// Live teams ml and ML (names that differ only in case), u1 a member of
// both, with a teamRoles entry for ML only: u1's role in ml is unknown, not
// ML's, so a manifest that lists u1 in ml plans nothing for it, and one
// that declares a role in ml counts it as unchecked.
func TestComputeFoldedTeamNameRole(t *testing.T) {
	u := "u1@x.com"
	live := func() model.State {
		return state(users(with(lu("U1", u), func(l *model.User) {
			l.OrgRole = model.RoleMember
			l.TeamRoles = map[string]model.Role{"ML": model.RoleAdmin}
		})), lt("G1", "ml", lm("U1", u, "")), lt("G2", "ML", lm("U1", u, model.RoleAdmin)))
	}
	pinned := func(role model.Role) model.Team {
		t := dt("ml", model.Additive, dm(u, role))
		t.ID = "G1"
		return t
	}
	sibling := plan.Warning{Code: plan.WarnTeamNameCase, Team: "ML", IDs: []string{"G2"}, Unmanaged: true} // left alone, said
	runCompute(t, []computeCase{
		{
			name:     "a plain member: no role change",
			want:     state(users(du(u)), pinned("")),
			have:     live(),
			warnings: []plan.Warning{sibling},
		},
		{
			name:     "a declared role: unchecked, not changed from ML's",
			want:     state(users(du(u)), pinned(model.RoleMember)),
			have:     live(),
			warnings: []plan.Warning{{Code: plan.WarnRolesUnreported, Count: 1}, sibling},
		},
	})
}

// manyRoleProblems is a manifest of n members, each with its own custom
// role the server does not list, beside a server listing roles roles.
func manyRoleProblems(n, roles int) (model.State, []string) {
	members := make([]model.Member, n)
	for i := range members {
		members[i] = dm(fmt.Sprintf("u%05d@x.com", i), model.Role(fmt.Sprintf("Role %05dx", i)))
	}
	existing := make([]string, roles)
	for i := range existing {
		existing[i] = fmt.Sprintf("Role %05d", i)
	}
	return state(nil, dt("ml", model.Additive, members...)), existing
}

// TestCheckRolesSuggestsForTheShownProblems: past the cap, the problems are
// counted; each shown one has its own "did you mean" (the closest listed
// role), made once per role name.
func TestCheckRolesSuggestsForTheShownProblems(t *testing.T) {
	want, existing := manyRoleProblems(maxRoleProblems+50, maxRoleProblems+50)
	err := CheckRoles(want, model.Dedicated, existing, true, nil)
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != maxRoleProblems+2 || lines[0] != fmt.Sprintf("%d team role problem(s):", maxRoleProblems+50) ||
		lines[len(lines)-1] != "  ... and 50 more problem(s)" {
		t.Fatalf("%d lines: first %q, last %q", len(lines), lines[0], lines[len(lines)-1])
	}
	for i, ln := range lines[1 : maxRoleProblems+1] {
		if want := fmt.Sprintf(`  team ml, member u%05d@x.com: role "Role %05dx": no such role on the server (/Roles); did you mean "Role %05d"?`, i, i, i); ln != want {
			t.Fatalf("line %d:\n  %s\nwant\n  %s", i, ln, want)
		}
	}
}

// BenchmarkCheckRolesManyRoles: 5,000 members with roles the server does
// not list, against 20,000 listed roles: suggestions are made for the 100
// problems shown only.
func BenchmarkCheckRolesManyRoles(b *testing.B) {
	want, existing := manyRoleProblems(5000, 20000)
	for b.Loop() {
		if CheckRoles(want, model.Dedicated, existing, true, nil) == nil {
			b.Fatal("no error")
		}
	}
}

// TestCheckRolesNeverSuggestsAnEdgeSpace: a listed role with white space at
// an end ("Reviewer ") is no suggestion: a manifest role cannot hold it.
func TestCheckRolesNeverSuggestsAnEdgeSpace(t *testing.T) {
	err := CheckRoles(state(nil, dt("ml", model.Additive, dm("bob@x.com", "Reviewer"))), model.Dedicated, []string{"Reviewer "}, true, nil)
	if err == nil || strings.Contains(err.Error(), `did you mean "Reviewer "`) {
		t.Fatalf("err = %v, want the role refused, never offered %q", err, "Reviewer ")
	}
}

// roles_unreported on a read with no user: "no users yet" of an empty
// organization, but not of one whose teams have members, which a read
// that does not show /Users gives.
func TestRolesUnreportedReadWithoutUsers(t *testing.T) {
	a := du("a@x.com")
	a.OrgRole = model.RoleAdmin
	want := state(users(a), dt("ml", model.Authoritative, dm("a@x.com", model.RoleAdmin)))
	for _, tc := range []struct {
		have model.State
		says string
	}{
		{state(users()), "the organization has no users yet: the live read reports no roles"},
		{state(users(), lt("g", "ml")), "the organization has no users yet: the live read reports no roles"},
		{state(users(), lt("g", "ml", model.Member{UserID: "sa1"})), "the live read lists no user, though its teams have members"},
	} {
		p := Compute(want, tc.have, ignorePolicy, Options{})
		i := slices.IndexFunc(p.Warnings, func(w plan.Warning) bool { return w.Code == plan.WarnRolesUnreported })
		if i < 0 || !strings.HasPrefix(p.Warnings[i].Message, tc.says) {
			t.Errorf("want %q: %+v", tc.says, p.Warnings)
		}
	}
}
