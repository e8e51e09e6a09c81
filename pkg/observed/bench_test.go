package observed

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/wbsync/wbsync/pkg/emulator"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/scim"
)

// BenchmarkFetchLargeOrg reads 20,000 users and 1,000 teams from the
// emulator with 20 ms added to every response, at several concurrencies
// (1 = sequential paging), 100 resources a page (--page-size 100: 210 pages,
// so that the parallel paging shows; at W&B's 9,999 the read is 4 pages). It
// reports the requests per read and the wall time in units of the added
// latency ("rounds"): a sequential read needs one round per page.
//
//	go test -run XXX -bench FetchLargeOrg -benchtime 3x ./pkg/observed
func BenchmarkFetchLargeOrg(b *testing.B) {
	const (
		nUsers  = 20000
		nTeams  = 1000
		latency = 20 * time.Millisecond
	)
	seed := &emulator.State{}
	for i := range nUsers {
		seed.Users = append(seed.Users, emulator.StateUser{UserName: fmt.Sprintf("user%05d@example.com", i),
			Active: true, OrganizationRole: "member"})
	}
	for k := range nTeams {
		t := emulator.StateTeam{Name: fmt.Sprintf("team-%04d", k)}
		for j := range 20 {
			t.Members = append(t.Members, emulator.StateMember{UserName: fmt.Sprintf("user%05d@example.com", (k*20+j)%nUsers), Role: "member"})
		}
		seed.Teams = append(seed.Teams, t)
	}
	em, err := emulator.New(emulator.Options{Latency: latency}, seed, zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(em)
	defer hs.Close()
	for _, conc := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			c, err := scim.New(scim.Config{BaseURL: hs.URL + "/scim", APIKey: testKey, Deployment: model.Dedicated,
				Concurrency: conc, RateLimit: -1, ReadOnly: true, PageSize: 100})
			if err != nil {
				b.Fatal(err)
			}
			em.ResetStats()
			start := time.Now()
			for b.Loop() {
				st, _, err := Fetch(context.Background(), c)
				if err != nil {
					b.Fatal(err)
				}
				if len(st.Users) != nUsers || len(st.Teams) != nTeams {
					b.Fatalf("read %d users, %d teams", len(st.Users), len(st.Teams))
				}
			}
			per := time.Since(start) / time.Duration(b.N)
			b.ReportMetric(float64(em.Stats().Requests["GET"])/float64(b.N), "requests/op")
			b.ReportMetric(float64(per)/float64(latency), "rounds/op")
		})
	}
}
