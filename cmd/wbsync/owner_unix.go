//go:build unix

package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// geteuid is os.Geteuid (tests pretend to be another user).
var geteuid = os.Geteuid

// othersInSticky reports whether the file at path (fi) is one a rename by
// this user cannot replace: its directory is sticky (such as /tmp), and
// neither the file nor the directory is this user's (root may).
func othersInSticky(path string, fi fs.FileInfo) bool {
	euid := geteuid()
	st, ok := fi.Sys().(*syscall.Stat_t)
	if euid == 0 || !ok || int(st.Uid) == euid {
		return false
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil || di.Mode()&fs.ModeSticky == 0 {
		return false
	}
	ds, ok := di.Sys().(*syscall.Stat_t)
	return ok && int(ds.Uid) != euid
}
