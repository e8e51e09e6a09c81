package observed

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/scim"
)

// synthOrg is an in-process SCIM server for memory measurements: it writes
// list pages as they are read (its own memory stays small), nUsers users
// and nTeams teams of perTeam members each.
type synthOrg struct {
	nUsers, nTeams, perTeam int
}

func (o synthOrg) RoundTrip(req *http.Request) (*http.Response, error) {
	q := req.URL.Query()
	start, _ := strconv.Atoi(q.Get("startIndex"))
	count, _ := strconv.Atoi(q.Get("count"))
	total, write := o.nUsers, o.user
	if req.URL.Path == "/scim/Groups" {
		total, write = o.nTeams, o.team
	}
	pr, pw := io.Pipe()
	go func() {
		var b bytes.Buffer
		fmt.Fprintf(&b, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":%d,"startIndex":%d,"Resources":[`, total, start)
		for i := start - 1; i < min(total, start-1+count); i++ {
			if i >= start {
				b.WriteByte(',')
			}
			write(&b, i)
			if b.Len() > 64<<10 {
				if _, err := pw.Write(b.Bytes()); err != nil {
					return
				}
				b.Reset()
			}
		}
		b.WriteString("]}")
		_, _ = pw.Write(b.Bytes())
		_ = pw.Close()
	}()
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/scim+json"}}, Body: pr, Request: req}, nil
}

func (o synthOrg) user(b *bytes.Buffer, i int) {
	fmt.Fprintf(b, `{"id":"VXNlcjo%07d","userName":"user%07d","displayName":"User %d","active":true,`+
		`"emails":[{"value":"user%07d@example.com","primary":true}],"organizationRole":"member",`+
		`"meta":{"created":"2024-01-02T03:04:05Z","lastModified":"2025-01-02T03:04:05Z","version":"W/\"%d\""},"teamRoles":[`, i, i, i, i, i)
	for k := range o.perTeam * o.nTeams / o.nUsers {
		if k > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(b, `{"teamName":"team-%05d","roleName":"member"}`, (i+k*o.nUsers)/o.perTeam%o.nTeams)
	}
	b.WriteString("]}")
}

func (o synthOrg) team(b *bytes.Buffer, i int) {
	fmt.Fprintf(b, `{"id":"RW50aXR5Oj%06d","displayName":"team-%05d","members":[`, i, i)
	for k := range o.perTeam {
		if k > 0 {
			b.WriteByte(',')
		}
		u := (i*o.perTeam + k) % o.nUsers
		fmt.Fprintf(b, `{"value":"VXNlcjo%07d","display":"user%07d"}`, u, u)
	}
	b.WriteString("]}")
}

// heapSampler records the peak of live heap objects while it runs.
type heapSampler struct {
	peak atomic.Uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

func sampleHeap() *heapSampler {
	s := &heapSampler{stop: make(chan struct{})}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > s.peak.Load() {
				s.peak.Store(v)
			}
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *heapSampler) done() uint64 {
	close(s.stop)
	s.wg.Wait()
	return s.peak.Load()
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkFetchMemory reads 100,000 users and 20,000 teams of 25 members
// (500,000 memberships, 5 team roles per user) and reports the peak live
// heap during Fetch and the heap the observed state keeps, per user, with
// what Fetch allocated in all (bytes and allocations, per user).
//
//	go test -run XXX -bench FetchMemory -benchtime 1x ./pkg/observed
func BenchmarkFetchMemory(b *testing.B) {
	org := synthOrg{nUsers: 100_000, nTeams: 20_000, perTeam: 25}
	for _, conc := range []int{4, 64} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			c, err := scim.New(scim.Config{BaseURL: "https://wandb.example/scim", APIKey: testKey, Deployment: model.Dedicated,
				Concurrency: conc, RateLimit: -1, ReadOnly: true, HTTPClient: &http.Client{Transport: org}})
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				base := liveHeap()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				s := sampleHeap()
				st, _, err := Fetch(context.Background(), c)
				peak := s.done()
				runtime.ReadMemStats(&after)
				if err != nil {
					b.Fatal(err)
				}
				kept := liveHeap()
				runtime.KeepAlive(st)
				n := float64(org.nUsers)
				b.ReportMetric((float64(peak)-float64(base))/n, "peak-B/user")
				b.ReportMetric((float64(kept)-float64(base))/n, "kept-B/user")
				b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/n, "alloc-B/user")
				b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/user")
			}
		})
	}
}
