package model

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

func TestMatchesProtectedSlash(t *testing.T) {
	for _, c := range []struct {
		pat, k string
		want   bool
	}{
		{"*@svc.example.com", "a/b@svc.example.com", true},
		{"a?b@x.io", "a/b@x.io", true},
		{"a/*@x.io", "a/b@x.io", true},
		{"a/*@x.io", "a-b@x.io", false},
		{"[/]b@x.io", "/b@x.io", true},
		{"*@svc.example.com", "a@other.example.com", false},
		{"a/b@x.io", "a/b@x.io", true},
	} {
		if got := MatchesProtected(c.pat, c.k); got != c.want {
			t.Errorf("MatchesProtected(%q, %q) = %v, want %v", c.pat, c.k, got, c.want)
		}
	}
}

// TestGrace: the grace period reads as a manifest writes it (whole days in
// days, one day included).
func TestGrace(t *testing.T) {
	for d, want := range map[time.Duration]string{
		7 * 24 * time.Hour: "7d", 24 * time.Hour: "1d", 48 * time.Hour: "2d", 36 * time.Hour: "36h", 90 * time.Minute: "1h30m", 10 * time.Minute: "10m",
		90 * time.Second: "1m30s", 45 * time.Second: "45s", 1500 * time.Millisecond: "1.5s", 36*time.Hour + time.Second: "36h0m1s",
	} {
		if got := Grace(d); got != want {
			t.Errorf("Grace(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestTeamRoleFolded: for a user with many teamRoles entries, the folded
// index gives what a scan gives (exact name first, else the smallest name
// equal ignoring case), for names in any case, including runes whose case
// folding has three members (k, K, the Kelvin sign; σ, ς, Σ).
func TestTeamRoleFolded(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune{'a', 'A', 'k', 'K', '\u212A', 'σ', 'ς', 'Σ', 'é', 'É', '-'}
	word := func() string {
		w := make([]rune, 1+r.IntN(3))
		for i := range w {
			w[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(w)
	}
	for range 200 {
		roles := map[string]Role{}
		for len(roles) <= fewTeamRoles+r.IntN(20) {
			roles[word()] = []Role{RoleAdmin, RoleMember, RoleViewer, "lead"}[r.IntN(4)]
		}
		folded := FoldTeamRoles(roles)
		if folded == nil {
			t.Fatalf("no index for %d roles", len(roles))
		}
		for range 50 {
			team := word()
			if got, want := TeamRole(roles, team, folded), TeamRole(roles, team, nil); got != want {
				t.Fatalf("TeamRole(%q) = %q through the index, %q by scanning %v", team, got, want, roles)
			}
		}
	}
	// Names equal ignoring case are those with one Key: a look-alike
	// outside ASCII (the Kelvin sign) is another team.
	roles := map[string]Role{"\u212Aaggle": RoleAdmin, "ML": RoleViewer}
	for i := range fewTeamRoles {
		roles[fmt.Sprint("other-", i)] = RoleMember
	}
	for _, folded := range []map[string]string{nil, FoldTeamRoles(roles)} {
		if got := TeamRole(roles, "kaggle", folded); got != "" {
			t.Fatalf("kaggle's role is %q, from the look-alike team", got)
		}
		if got := TeamRole(roles, "ml", folded); got != RoleViewer {
			t.Fatalf("ml's role is %q, want viewer (from ML)", got)
		}
	}
	if FoldTeamRoles(map[string]Role{"a": RoleAdmin}) != nil {
		t.Fatal("an index for one role")
	}
}

func TestRough(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * 24 * time.Hour: "30 days", 631777 * time.Hour: "26324 days", 50 * time.Hour: "2 days", -72 * time.Hour: "3 days",
		36 * time.Hour: "36h", 25 * time.Hour: "25h", 90 * time.Minute: "1h30m", 7 * time.Minute: "7m", 10 * time.Minute: "10m",
		3*time.Hour + 40*time.Second: "3h1m", 20 * time.Second: "less than a minute",
	} {
		if got := Rough(d); got != want {
			t.Errorf("Rough(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestNormRoleKeepsWhiteSpace: the predefined roles fold case only; white
// space at an end makes a custom role ("admin " may be a custom role with
// other rights, on a server that holds admin too).
func TestNormRoleKeepsWhiteSpace(t *testing.T) {
	for in, want := range map[string]Role{
		"ADMIN": RoleAdmin, "Viewer": RoleViewer, "member": RoleMember,
		"admin ": "admin ", " member": " member", "viewer\u00a0": "viewer\u00a0", "Team Admin": "Team Admin",
	} {
		if got := NormRole(in); got != want {
			t.Errorf("NormRole(%q) = %q, want %q", in, got, want)
		}
		if got, pre := NormRole(in).Predefined(), want == RoleAdmin || want == RoleMember || want == RoleViewer; got != pre {
			t.Errorf("Role(%q).Predefined() = %v, want %v", in, got, pre)
		}
	}
}
