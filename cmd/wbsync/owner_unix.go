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

// noFollow makes an open fail on a symbolic link.
const noFollow = syscall.O_NOFOLLOW

// inPlaceOK reports whether the existing file at path may be written in
// place when its directory takes no new file: it is this user's (or the
// user is root). Another user's file, in a directory that user controls,
// is not written for that user to read.
func inPlaceOK(path string) bool {
	euid := geteuid()
	fi, err := os.Stat(path)
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return euid == 0 || (ok && int(st.Uid) == euid)
}
