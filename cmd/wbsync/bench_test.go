package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wbsync/wbsync/pkg/emulator"
)

// BenchmarkOnboard onboards 10,000 users into 500 teams (20 members each) on
// the emulator with 20 ms added latency, and reports the requests made and
// the wall time as a ratio to the floor (requests × latency / concurrency).
func BenchmarkOnboard(b *testing.B) {
	const (
		users, teams, per = 10000, 500, 20
		latency           = 20 * time.Millisecond
	)
	dir := b.TempDir()
	m := filepath.Join(dir, "onboard.yaml")
	if err := os.WriteFile(m, []byte(onboardManifest(users, teams, per*2)), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, conc := range []int{4, 16} {
		b.Run(fmt.Sprintf("concurrency-%d", conc), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				emu := startEmu(b, emulator.Options{Latency: latency}, "")
				b.StartTimer()
				start := time.Now()
				r := wb(b, vars(emu.url), "apply", "-f", m, "--auto-approve", "--rate-limit", "1000000",
					"--concurrency", fmt.Sprint(conc), "--log-level", "error")
				wall := time.Since(start)
				if r.code != exitOK {
					b.Fatalf("apply: exit %d\n%s", r.code, r.stderr)
				}
				req := 0
				for _, n := range emu.requests(b) {
					req += n
				}
				floor := time.Duration(req) * latency / time.Duration(conc)
				b.ReportMetric(float64(req), "requests")
				b.ReportMetric(wall.Seconds(), "wall-s")
				b.ReportMetric(float64(wall)/float64(floor), "x-floor")
			}
		})
	}
}
