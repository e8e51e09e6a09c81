//go:build !unix

package main

import "os"

// maxRSS: the peak resident set size is not measured on this platform.
func maxRSS(*os.ProcessState) int64 { return 0 }
