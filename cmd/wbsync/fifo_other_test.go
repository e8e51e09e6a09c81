//go:build !unix

package main

import (
	"fmt"
	"os"
	"testing"
)

// mkfifo: named pipes in the file system are a unix thing; the tests that
// need one do not run here.
func mkfifo(t *testing.T, path string) {
	t.Helper()
	t.Skip("no named pipes on this platform")
}

// checkUnderFileLimit is TestMain's fsizeEnv mode, which only a unix test
// sets: there is no file size limit to set on this platform.
func checkUnderFileLimit(string) {
	fmt.Println("no file size limit on this platform")
	os.Exit(1)
}
