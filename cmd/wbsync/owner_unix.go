//go:build unix

package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// modesTell: a file's mode says who may read it.
const modesTell = true

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

// othersFile reports whether the file fi is another user's: a
// file written in place (the trace, never renamed) would stay that
// user's, who could then read it. Unlike othersInSticky, root is no
// exception, and the directory does not matter: root's rename may replace
// the file, but an in-place write does not.
func othersFile(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) != geteuid()
}

// rootsFile reports whether the file fi is root's, who may write any
// file anyway.
func rootsFile(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Uid == 0
}

// othersLinkInSticky reports whether the symbolic link at path (li, from
// Lstat) is another user's, in a directory where anyone may make one
// (sticky and writable by all, such as /tmp): another user may have
// planted it to send what wbsync writes to a file of theirs, or over one
// of this user's. The kernel's protected_symlinks refuses to follow such
// a link; wbsync resolves links itself, so it refuses it too, root
// included.
func othersLinkInSticky(path string, li fs.FileInfo) bool {
	st, ok := li.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) == geteuid() {
		return false
	}
	di, err := os.Stat(filepath.Dir(path))
	return err == nil && di.Mode()&fs.ModeSticky != 0 && di.Mode().Perm()&0o002 != 0
}

// keepGroup gives the temporary file tmp the group of the file it will
// replace (fi), as a shell's > keeps it, and returns the permission bits
// to give it: perm, without the group's when the group cannot be kept
// (the user is not in it), so that another group never gets what the old
// one had.
func keepGroup(tmp *os.File, fi fs.FileInfo, perm os.FileMode) os.FileMode {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return perm
	}
	if ts, err := tmp.Stat(); err == nil {
		if t, ok := ts.Sys().(*syscall.Stat_t); ok && t.Gid == st.Gid {
			return perm
		}
	}
	if err := chownGroup(tmp, int(st.Gid)); err != nil {
		return perm &^ 0o070
	}
	return perm
}

// chownGroup sets f's group (tests make it refuse, as it does for a group
// the user is not in).
var chownGroup = func(f *os.File, gid int) error { return f.Chown(-1, gid) }

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
