package diff

import (
	"fmt"
	"io"
	"math"
	"math/rand"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/views"
)

// drift builds an organization of n users and n/20 teams of per members
// that has drifted from its manifest by a few percent in every way:
// missing and extra users, deactivated users, changed names and roles,
// missing and extra memberships.
func drift(r *rand.Rand, n, per int) (want, have model.State, policy model.Policy) {
	pick := func(p int) bool { return r.Intn(1000) < p }
	want = model.State{Users: make([]model.User, 0, n), Teams: make([]model.Team, 0, n/20)}
	have = model.State{Users: make([]model.User, 0, n), Teams: make([]model.Team, 0, n/20)}
	emails := make([]string, n)
	ids := make([]string, n)
	liveAt := make([]int32, n)
	for i := 0; i < n; i++ {
		e := fmt.Sprintf("user%06d@example.com", i)
		emails[i], ids[i] = e, fmt.Sprintf("id-%06d", i)
		d := model.User{UserName: e, Email: e, DisplayName: fmt.Sprintf("User %d", i), Active: !pick(20)}
		if pick(100) {
			d.OrgRole = model.RoleMember
		}
		want.Users = append(want.Users, d)
		if pick(30) {
			continue // missing live: created
		}
		l := model.User{ID: ids[i], UserName: e, Email: e, DisplayName: d.DisplayName, OrgRole: model.RoleMember, Active: !pick(20)}
		if pick(20) {
			l.DisplayName = "old name"
		}
		if i == 0 || pick(5) {
			l.OrgRole = model.RoleAdmin
		}
		have.Users = append(have.Users, l)
		liveAt[i] = int32(len(have.Users))
	}
	for i := 0; i < n/50; i++ { // unmanaged extras
		e := fmt.Sprintf("extra%06d@example.com", i)
		have.Users = append(have.Users, model.User{ID: "x" + e, UserName: e, Email: e, OrgRole: model.RoleMember, Active: true})
	}
	for t := 0; t < n/20; t++ {
		name := fmt.Sprintf("team-%05d", t)
		dt := model.Team{Name: name, Membership: model.Authoritative, Members: make([]model.Member, 0, per)}
		lt := model.Team{ID: fmt.Sprintf("g-%05d", t), Name: name, Members: make([]model.Member, 0, per)}
		seen := map[int]bool{}
		for len(dt.Members) < per {
			i := r.Intn(n)
			if seen[i] {
				continue
			}
			seen[i] = true
			role := model.RoleMember
			if pick(50) {
				role = model.RoleAdmin
			}
			// Members share their user's strings and carry its position,
			// as the loader and the read give them (model.Member.User).
			dt.Members = append(dt.Members, model.Member{Email: emails[i], Role: role, User: int32(i + 1)})
			if !pick(50) {
				if pick(50) {
					role = model.RoleViewer
				}
				lt.Members = append(lt.Members, model.Member{UserID: ids[i], Email: emails[i], Role: role, User: liveAt[i]})
			}
			if pick(50) { // an extra live member
				j := r.Intn(n)
				if !seen[j] {
					lt.Members = append(lt.Members, model.Member{UserID: ids[j], Email: emails[j], Role: model.RoleMember, User: liveAt[j]})
				}
			}
		}
		want.Teams = append(want.Teams, dt)
		if t%100 != 99 { // a few teams are new
			have.Teams = append(have.Teams, lt)
		}
	}
	policy = model.Policy{UnmanagedUsers: model.UnmanagedIgnore,
		MaxDeactivations: model.Limit{Set: true, Value: n}, MaxMemberRemovals: model.Limit{Set: true, Value: n * per}}
	return want, have, policy
}

// BenchmarkCompute plans organizations of 10k to 100k users that drifted
// by a few percent from their manifest (the largest: 100,000 users, 5,000
// teams, 500,000 memberships), and, as "random", organizations whose every
// membership differs (the worst case: a plan of about a million changes).
// "drift-unhinted" plans the drift organizations from states whose members
// carry no hints (model.Member.User), so that every member is looked up.
// Time and allocations should grow linearly. cpu-ns/op is the process's
// CPU time per plan, garbage collection included: steadier than ns/op on a
// shared machine.
func BenchmarkCompute(b *testing.B) {
	for _, n := range []int{10000, 30000, 100000} {
		want, have, policy := drift(rand.New(rand.NewSource(1)), n, 100)
		run(b, fmt.Sprintf("drift/users=%d", n), want, have, policy, Options{Deployment: model.Dedicated})
	}
	for _, n := range []int{10000, 100000} {
		want, have, policy := drift(rand.New(rand.NewSource(1)), n, 100)
		run(b, fmt.Sprintf("drift-unhinted/users=%d", n), unhinted(want), unhinted(have), policy, Options{Deployment: model.Dedicated})
	}
	for _, n := range []int{10000, 100000} {
		g := generate(rand.New(rand.NewSource(1)), genOptions{users: n, teams: n / 20, membersPerTeam: 100})
		run(b, fmt.Sprintf("random/users=%d", n), g.want, g.have, g.policy, g.opts)
	}
}

// unhinted returns a copy of s as a caller that builds its states by hand
// gives them: members without hints (model.Member.User), each member
// string its own copy, allocated in member order. Compute looks every
// member up.
func unhinted(s model.State) model.State {
	c := cloneState(s)
	for _, t := range c.Teams {
		for j := range t.Members {
			m := &t.Members[j]
			m.UserID, m.Email, m.User = strings.Clone(m.UserID), strings.Clone(m.Email), 0
		}
	}
	return c
}

func run(b *testing.B, name string, want, have model.State, policy model.Policy, opts Options) {
	members := 0
	for _, t := range have.Teams {
		members += len(t.Members)
	}
	b.Run(fmt.Sprintf("%s/teams=%d/memberships=%d", name, len(want.Teams), members), func(b *testing.B) {
		b.ReportAllocs()
		var p plan.Plan
		cpu := cpuTime()
		for b.Loop() {
			p = Compute(want, have, policy, opts)
		}
		b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(len(p.Changes)), "changes")
	})
}

// BenchmarkViews renders the three views of a 100k-user drift plan.
func BenchmarkViews(b *testing.B) {
	want, have, policy := drift(rand.New(rand.NewSource(1)), 100000, 100)
	p := Compute(want, have, policy, Options{Deployment: model.Dedicated})
	for _, v := range []struct {
		name string
		f    func(io.Writer) error
	}{
		{"text", func(w io.Writer) error { return views.WriteText(w, p, views.TextOptions{}) }},
		{"json", p.WriteJSON},
		{"markdown", func(w io.Writer) error { return views.WriteMarkdown(w, p) }},
	} {
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := v.f(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkComputeLinearity measures how Compute's time grows from 10k to
// 100k users (drift): each iteration plans the 10k organization and then
// the 100k one, one after the other, so that both see the same load on a
// shared machine; the fastest of each over the iterations is reported
// (x-time: 100k over 10k; linear is 10), with the process CPU time of the
// same runs (x-cpu). Run with -benchtime 10x or more.
//
// "warm" runs each plan after a collection: the heap the previous runs
// left is reused, and whatever of the input the caches still hold from
// the previous run is read from them (all of the 10k input fits in this
// machine's last-level cache; the 100k one does not). "cold" runs it
// after a collection too, and after evictCaches, so that both sizes read
// their input from memory, as Compute does in a wbsync run, where it runs
// once after the read. "fresh" runs it after debug.FreeOSMemory: every
// page Compute allocates is new to the process; faults-10k and
// faults-100k count the pages it first touched (in the fastest runs).
//
// The floors run, as warm does, simpler work over the same input, so that
// the machine's own growth from 10k to 100k can be told from Compute's:
// "floor-scan" reads every byte of every team member's email and id once,
// in member order (the bytes are the users', shared as the loader and the
// read share them), warm and cold; "floor-join" builds a Go map of the
// desired users by email and of the live ones by id, and looks every
// member up once; "floor-gather" reads, for every member, a 32-byte record of the user
// its hint names (the one access per member to its user's state that a
// plan makes at least).
func BenchmarkComputeLinearity(b *testing.B) {
	type input struct {
		want, have model.State
		policy     model.Policy
	}
	var in [2]input
	for i, n := range []int{10000, 100000} {
		in[i].want, in[i].have, in[i].policy = drift(rand.New(rand.NewSource(1)), n, 100)
	}
	var sink int
	compute := func(i int) {
		Compute(in[i].want, in[i].have, in[i].policy, Options{Deployment: model.Dedicated})
	}
	scan := func(i int) { sink += scanMembers(in[i].want, in[i].have) }
	var evict []byte // bigger than any cache of the machine
	for _, mode := range []struct {
		name string
		how  start
		run  func(i int)
	}{
		{"warm", warm, compute},
		{"cold", cold, compute},
		{"fresh", fresh, compute},
		{"floor-scan", warm, scan},
		{"floor-scan-cold", cold, scan},
		{"floor-join", warm, func(i int) { sink += joinMembers(in[i].want, in[i].have) }},
		{"floor-gather", warm, func(i int) { sink += gatherMembers(in[i].want, in[i].have) }},
	} {
		if mode.how == cold && evict == nil {
			evict = make([]byte, 256<<20)
		}
		b.Run(mode.name, func(b *testing.B) {
			inf := math.Inf(1)
			best, cpu := [2]float64{inf, inf}, [2]float64{inf, inf}
			var faults [2]int64
			for b.Loop() {
				for i := range in {
					switch mode.how {
					case fresh:
						debug.FreeOSMemory()
					case cold:
						runtime.GC()
						sink += evictCaches(evict)
					default:
						runtime.GC()
					}
					c0, f0, t0 := cpuTime(), pageFaults(), time.Now()
					mode.run(i)
					if d := float64(time.Since(t0)); d < best[i] {
						best[i], faults[i] = d, pageFaults()-f0
					}
					cpu[i] = min(cpu[i], float64(cpuTime()-c0))
				}
			}
			b.ReportMetric(best[0]/1e6, "10k-ms")
			b.ReportMetric(best[1]/1e6, "100k-ms")
			b.ReportMetric(best[1]/best[0], "x-time")
			if cpu[0] > 0 {
				b.ReportMetric(cpu[1]/cpu[0], "x-cpu")
			}
			b.ReportMetric(float64(faults[0]), "faults-10k")
			b.ReportMetric(float64(faults[1]), "faults-100k")
		})
	}
	if sink == -1 {
		b.Log(sink) // keeps the floors' reads
	}
}

// start is how BenchmarkComputeLinearity prepares each run.
type start int

const (
	warm  start = iota // after a collection
	cold               // after a collection and evictCaches
	fresh              // after debug.FreeOSMemory
)

// evictCaches writes every cache line of buf, which is bigger than the
// machine's caches, so that what a run reads next comes from memory.
func evictCaches(buf []byte) int {
	for i := 0; i < len(buf); i += 64 {
		buf[i]++
	}
	return int(buf[len(buf)/2])
}

// scanMembers reads every byte of every team member's email (desired) and
// id (live) once, in order, and returns their sum.
func scanMembers(want, have model.State) int {
	sum := 0
	for _, t := range want.Teams {
		for _, m := range t.Members {
			for i := 0; i < len(m.Email); i++ {
				sum += int(m.Email[i])
			}
		}
	}
	for _, t := range have.Teams {
		for _, m := range t.Members {
			for i := 0; i < len(m.UserID); i++ {
				sum += int(m.UserID[i])
			}
		}
	}
	return sum
}

// gatherMembers makes a 32-byte record per user, as Compute keeps, and
// reads for every team member the record of the user its hint
// (model.Member.User) names: the one access per member to its user's
// state that a plan makes at least.
func gatherMembers(want, have model.State) int {
	type record struct {
		name string
		a    int32
		_    [12]byte // the rest of the 32 bytes
	}
	sum := 0
	for _, st := range []model.State{want, have} {
		rs := make([]record, len(st.Users))
		for i := range st.Users {
			rs[i] = record{name: st.Users[i].UserName, a: int32(i)}
		}
		for _, t := range st.Teams {
			for _, m := range t.Members {
				if h := m.User - 1; h >= 0 {
					sum += int(rs[h].a)
				}
			}
		}
	}
	return sum
}

// joinMembers maps the desired users by email and the live ones by id,
// looks up every team member once, and returns the sum of the indexes
// found.
func joinMembers(want, have model.State) int {
	byEmail := make(map[string]int, len(want.Users))
	for i := range want.Users {
		byEmail[want.Users[i].Email] = i
	}
	byID := make(map[string]int, len(have.Users))
	for i := range have.Users {
		byID[have.Users[i].ID] = i
	}
	sum := 0
	for _, t := range want.Teams {
		for _, m := range t.Members {
			sum += byEmail[m.Email]
		}
	}
	for _, t := range have.Teams {
		for _, m := range t.Members {
			sum += byID[m.UserID]
		}
	}
	return sum
}
