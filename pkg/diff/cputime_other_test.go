//go:build !unix

package diff

// cpuTime is not measured on this platform.
func cpuTime() int64 { return 0 }

// pageFaults is not counted on this platform.
func pageFaults() int64 { return 0 }
