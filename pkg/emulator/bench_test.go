package emulator

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"go.uber.org/zap"
)

// bigState is an org of users users and teams teams of about 20 members each.
func bigState(users, teams int) *State {
	st := &State{}
	for i := 0; i < users; i++ {
		st.Users = append(st.Users, StateUser{UserName: fmt.Sprintf("user%05d@example.com", i), Active: true})
	}
	for j := 0; j < teams; j++ {
		tm := StateTeam{Name: fmt.Sprintf("team-%04d", j)}
		for i := j; i < users; i += users / 20 {
			tm.Members = append(tm.Members, StateMember{UserName: st.Users[i].UserName, Role: roleMember})
		}
		st.Teams = append(st.Teams, tm)
	}
	return st
}

// BenchmarkReadOrg reads 20,000 users and 1,000 teams in pages of 1,000,
// as a client would; it measures the emulator's own cost per full read.
func BenchmarkReadOrg(b *testing.B) {
	srv, err := New(Options{}, bigState(20000, 1000), zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	get := func(path string) {
		req, _ := http.NewRequest("GET", hs.URL+path, nil)
		req.Header.Set("Authorization", "Bearer k")
		res, err := hs.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("GET %s: %d", path, res.StatusCode)
		}
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for start := 1; start <= 20000; start += 1000 {
			get(fmt.Sprintf("/scim/Users?startIndex=%d&count=1000", start))
		}
		get("/scim/Groups?count=1000")
	}
}

// TestConcurrentWrites runs creates, adds and reads in parallel (run under
// -race): every create lands once and every add is kept.
func TestConcurrentWrites(t *testing.T) {
	e := start(t, Options{MaxOpsPerPatch: -1}, seedBasic)
	team := "/Groups/" + p(e.teamID("platform"))
	var wg sync.WaitGroup
	ids := make([]string, 40)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.do("POST", "/Users", newUser(fmt.Sprintf("c%02d@example.com", i)))
			ids[i] = r.str("id")
			r2 := e.do("PATCH", team, patchOps(op("add", "members", members(ids[i]))))
			r3 := e.do("GET", "/Users?count=5", nil)
			if r.status != 201 || r2.status != 200 || r3.status != 200 {
				t.Errorf("statuses %d %d %d", r.status, r2.status, r3.status)
			}
		}()
	}
	wg.Wait()
	g := e.do("GET", team, nil).want(t, 200)
	if n := len(memberValues(g.body)); n != 41 {
		t.Errorf("platform has %d members, want 41", n)
	}
	if st := e.srv.Stats(); st.Requests["POST"] != 40 || st.Requests["PATCH"] != 40 {
		t.Errorf("stats %+v", st)
	}
}
