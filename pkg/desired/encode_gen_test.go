package desired

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/model"
)

// genOrg makes a random observed organization (deterministic for a seed)
// with what an export must get right: handles and Okta-style userNames,
// several emails, users without an email, org service accounts in teams,
// custom roles with spaces, names with quotes, colons, #, leading * and &,
// unicode and line breaks, teams sharing a name. It returns the state and
// what Parse must read back from its export.
func genOrg(r *rand.Rand, users, teams int) (have, want model.State, skipped int) {
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	names := trickyStrings
	want.Users, want.Teams = []model.User{}, []model.Team{}
	for i := range users {
		email := pick([]string{"user%d@example.com", "User%d@Example.COM", "o'brien+%d@x.io", "a.b%d@sub.example.co"})
		email = fmt.Sprintf(email, i)
		u := model.User{ID: fmt.Sprintf("u%d", i), Email: email, Emails: []string{email, fmt.Sprintf("alt%d@example.org", i)}, Active: r.IntN(10) != 0}
		switch r.IntN(5) {
		case 0:
			u.UserName = email // Okta
		case 1:
			u.UserName = strings.ToUpper(email)
		case 2:
			u.UserName = fmt.Sprintf("dev-user%d", i)
		case 3:
			u.UserName = fmt.Sprintf("jürgen.%d", i)
		case 4: // no email at all
			u.UserName, u.Email, u.Emails = fmt.Sprintf("ghost%d", i), "", nil
		}
		if r.IntN(2) == 0 {
			u.DisplayName = pick(names)
		}
		if r.IntN(3) == 0 {
			u.ExternalID = pick(names)
		}
		u.OrgRole = model.Role(pick([]string{"", "admin", "member", "viewer", "Admin"}))
		have.Users = append(have.Users, u)
		if u.Email == "" {
			skipped++
			continue
		}
		w := model.User{UserName: u.UserName, Email: u.Email, Active: u.Active}
		if strings.EqualFold(u.UserName, u.Email) {
			w.UserName = u.Email
		}
		// A name or externalId a manifest refuses is left unmanaged.
		if strings.TrimSpace(u.DisplayName) != "" && TextProblem(u.DisplayName) == "" {
			w.DisplayName = u.DisplayName
		}
		if strings.TrimSpace(u.ExternalID) != "" && ExternalIDProblem(u.ExternalID) == "" {
			w.ExternalID = u.ExternalID
		}
		if r := u.OrgRole.Norm(); r == model.RoleAdmin || r == model.RoleMember {
			w.OrgRole = r
		}
		want.Users = append(want.Users, w)
	}
	ext := map[string]int{}
	for _, w := range want.Users {
		ext[w.ExternalID]++
	}
	for i := range want.Users {
		if ext[want.Users[i].ExternalID] > 1 {
			want.Users[i].ExternalID = "" // shared: left unmanaged, with a comment
		}
	}
	teamNames := []string{"research", "Research", "platform", `team "q"`, "a: b", "# hash", "*star", "&amp", "Ünïcode 🎉", "x"}
	count := map[string]int{}
	for i := range teams {
		t := model.Team{ID: fmt.Sprintf("g%d", i), Name: teamNames[i%len(teamNames)]}
		if i >= len(teamNames) {
			t.Name = fmt.Sprintf("%s-%d", t.Name, i)
		}
		count[model.Key(t.Name)]++
		w := model.Team{Name: t.Name, Membership: model.Authoritative, Members: []model.Member{}}
		seen := map[int]bool{}
		for range r.IntN(8) {
			if r.IntN(6) == 0 {
				t.Members = append(t.Members, model.Member{UserID: fmt.Sprintf("sa%d", r.IntN(3)), Display: "service account"})
				continue
			}
			ui := r.IntN(users)
			u := have.Users[ui]
			role := model.Role(pick([]string{"", "member", "admin", "Viewer", "Model Reviewer", "custom:role #1"}))
			t.Members = append(t.Members, model.Member{UserID: u.ID, Email: u.UserName, Role: role})
			if seen[ui] {
				continue
			}
			seen[ui] = true
			if u.Email == "" {
				w.Membership = model.Additive
				continue
			}
			wr := role.Norm()
			if wr == model.RoleMember {
				wr = "" // exported as a plain email: no role declared
			}
			w.Members = append(w.Members, model.Member{Email: u.Email, Role: wr})
		}
		have.Teams = append(have.Teams, t)
		w.ID = t.ID
		want.Teams = append(want.Teams, w)
	}
	for i := range want.Teams {
		if count[model.Key(want.Teams[i].Name)] < 2 {
			want.Teams[i].ID = "" // pinned only when the name is shared
		}
	}
	return have, want, skipped
}

// TestEncodeGeneratedOrgsValidate: the export of any generated org
// validates and reads back as the org less the users without email, whose
// teams become additive; exporting that again gives the same bytes.
func TestEncodeGeneratedOrgsValidate(t *testing.T) {
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 7))
		have, want, skipped := genOrg(r, 1+r.IntN(40), r.IntN(25))
		var buf bytes.Buffer
		rep, err := Encode(&buf, have, EncodeOptions{Header: fmt.Sprintf("seed %d\nline two\r\u2028", seed)})
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse([]Source{{"export.yaml", buf.Bytes()}})
		if err != nil {
			t.Fatalf("seed %d: the export does not validate: %v\n%s", seed, err, buf.String())
		}
		if d := cmp.Diff(model.Canonical(want), model.Canonical(m.State)); d != "" {
			t.Fatalf("seed %d: read back (-want +got):\n%s\n%s", seed, d, buf.String())
		}
		if len(rep.SkippedUsers) != skipped || len(rep.SkippedTeams) != 0 {
			t.Fatalf("seed %d: report %+v, want %d users skipped", seed, rep, skipped)
		}
		roundTrip(t, m)
	}
}

// scaleOrg is an observed organization of n users (every tenth a handle),
// n/20 teams of 100 members.
func scaleOrg(n int) model.State {
	st := model.State{Users: make([]model.User, n)}
	for i := range n {
		e := fmt.Sprintf("user%d@example.com", i)
		u := model.User{ID: fmt.Sprintf("u%d", i), UserName: e, Email: e, DisplayName: fmt.Sprintf("User %d", i), Active: true}
		if i%10 == 0 {
			u.UserName = fmt.Sprintf("handle-%d", i)
		}
		st.Users[i] = u
	}
	for ti := range n / 20 {
		t := model.Team{ID: fmt.Sprintf("g%d", ti), Name: fmt.Sprintf("team-%d", ti)}
		for j := range 100 {
			u := st.Users[(ti*31+j*7)%n]
			t.Members = append(t.Members, model.Member{UserID: u.ID, Email: u.UserName, Role: []model.Role{"member", "admin", ""}[j%3]})
		}
		st.Teams = append(st.Teams, t)
	}
	return st
}

// TestEncodeStreamsInBoundedMemory: Encode allocates at most 2 KB per user
// beyond its output (it writes as it goes; no tree of the whole org).
func TestEncodeStreamsInBoundedMemory(t *testing.T) {
	const n = 20_000
	st := scaleOrg(n)
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	if _, err := Encode(io.Discard, st, EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&b)
	if per := (b.TotalAlloc - a.TotalAlloc) / n; per > 2048 {
		t.Errorf("Encode allocated %d bytes per user, want at most 2048", per)
	}
}

// BenchmarkEncodeScale exports 100,000 users in 5,000 teams of 100
// members (to io.Discard), reporting bytes allocated per user.
func BenchmarkEncodeScale(b *testing.B) {
	const n = 100_000
	st := scaleOrg(n)
	b.ReportAllocs()
	var total uint64
	for b.Loop() {
		var a, c runtime.MemStats
		runtime.ReadMemStats(&a)
		if _, err := Encode(io.Discard, st, EncodeOptions{}); err != nil {
			b.Fatal(err)
		}
		runtime.ReadMemStats(&c)
		total += c.TotalAlloc - a.TotalAlloc
	}
	b.ReportMetric(float64(total)/float64(b.N)/n, "B/user")
}
