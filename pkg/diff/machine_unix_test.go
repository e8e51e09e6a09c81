//go:build unix

package diff

import (
	"fmt"
	"math/rand"
	"syscall"
	"testing"
)

// BenchmarkMachine measures what BENCHMARKS.md explains Compute's scaling
// with: the latency of a dependent load from buffers of growing size (a
// random cyclic pointer chase, one load per 64-byte line: ns/load), and the
// cost of touching a page for the first time (ns/page: a fresh anonymous
// mapping written once per page).
func BenchmarkMachine(b *testing.B) {
	for _, kb := range []int{256, 512, 1 << 10, 2 << 10, 8 << 10, 16 << 10, 32 << 10, 64 << 10} {
		b.Run(fmt.Sprintf("chase/%dKB", kb), func(b *testing.B) {
			lines := kb << 10 / 64
			next := make([]int64, lines*8) // one int64 used per line
			perm := rand.New(rand.NewSource(1)).Perm(lines)
			for i, p := range perm {
				next[p*8] = int64(perm[(i+1)%lines] * 8)
			}
			const loads = 1 << 20
			var j int64
			for b.Loop() {
				for range loads {
					j = next[j]
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*loads), "ns/load")
			if j < 0 {
				b.Fatal("unreachable") // keeps j, and so the loop
			}
		})
	}
	b.Run("fault", func(b *testing.B) {
		const size = 64 << 20
		pages := 0
		for b.Loop() {
			m, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < size; i += syscall.Getpagesize() {
				m[i] = 1
				pages++
			}
			if err := syscall.Munmap(m); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(pages), "ns/page")
	})
}
