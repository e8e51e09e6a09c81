//go:build unix

package diff

import "syscall"

// cpuTime is the CPU time the process has used (user and system, every
// thread, the garbage collector's too), in nanoseconds: unlike wall time,
// it does not grow when other processes share the machine.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// pageFaults is how many minor page faults the process has taken: pages
// it touched for the first time since the kernel gave them (or since the
// Go runtime gave them back).
func pageFaults() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return int64(ru.Minflt)
}
