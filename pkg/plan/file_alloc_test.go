package plan

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
)

// onboarding is a saved plan that creates n users and adds each to a team
// of 100: the largest plans there are for an organization's size, which
// a first run at 100,000 users makes (140 MB).
func onboarding(t testing.TB, n int) []byte {
	t.Helper()
	d := Desired{Policy: model.Policy{UnmanagedUsers: model.UnmanagedIgnore, UnreportedRoles: model.RolesSkip, UnmanagedGracePeriod: model.DefaultGracePeriod}, Files: []string{"wbsync.yaml"}}
	p := Plan{FormatVersion: FormatVersion, Warnings: []Warning{}, Blocked: []Block{}}
	for i := range n {
		e := fmt.Sprintf("user%06d@example.com", i)
		d.State.Users = append(d.State.Users, model.User{UserName: e, Email: e, DisplayName: fmt.Sprintf("User %d", i), Active: true})
		p.Changes = append(p.Changes, Change{Action: CreateUser, User: e, Name: fmt.Sprintf("User %d", i)})
	}
	for i := range n {
		team := fmt.Sprintf("team-%04d", i/100)
		if i%100 == 0 {
			d.State.Teams = append(d.State.Teams, model.Team{Name: team, Membership: model.Authoritative})
			p.Changes = append(p.Changes, Change{Action: CreateTeam, Team: team})
		}
		members := &d.State.Teams[len(d.State.Teams)-1].Members
		*members = append(*members, model.Member{Email: d.State.Users[i].Email, Role: model.RoleMember})
		p.Changes = append(p.Changes, Change{Action: AddMember, User: d.State.Users[i].Email, Team: team, Role: "member"})
	}
	return savedOf(t, p, d)
}

// TestParseFileAllocatesLittleOverItsSize: reading a saved plan allocates
// at most 4.5 times the file's size (3.3 without the race detector), not
// the fourteen times it took when the file was copied whole into a
// decoder's buffer, its embedded manifest copied once more, and its long
// lists grown a quarter at a time. Allocation is counted in bytes
// (runtime.MemStats.TotalAlloc), which does not depend on the machine's
// speed.
func TestParseFileAllocatesLittleOverItsSize(t *testing.T) {
	b := onboarding(t, 20000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f, err := ParseFile(b)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Changes) != 40200 {
		t.Fatalf("%d changes, want 40200", len(f.Changes))
	}
	ratio := float64(after.TotalAlloc-before.TotalAlloc) / float64(len(b))
	t.Logf("a %d-byte plan file: %.2f× its size allocated", len(b), ratio)
	if ratio > 4.5 {
		t.Errorf("reading a %d-byte plan allocated %.2f× its size, want at most 4.5×", len(b), ratio)
	}
}

// BenchmarkParseFile reads the saved plan of a first run at 20,000 users
// (40,200 changes); alloc-x-file is the bytes allocated per byte of file.
func BenchmarkParseFile(b *testing.B) {
	file := onboarding(b, 20000)
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		if _, err := ParseFile(file); err != nil {
			b.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(len(file)), "alloc-x-file")
}
