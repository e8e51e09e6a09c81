//go:build !unix

package main

import (
	"io/fs"
	"os"
)

// othersInSticky: directories have no sticky bit here.
func othersInSticky(string, fs.FileInfo) bool { return false }

// othersFile: files have no owner uid here.
func othersFile(fs.FileInfo) bool { return false }

// rootsFile: files have no owner uid here.
func rootsFile(fs.FileInfo) bool { return false }

// othersLinkInSticky: directories have no sticky bit here.
func othersLinkInSticky(string, fs.FileInfo) bool { return false }

// keepGroup: files have no group here.
func keepGroup(_ *os.File, _ fs.FileInfo, perm os.FileMode) os.FileMode { return perm }

// noFollow: no such open flag here.
const noFollow = 0

// modesTell: file modes do not say who may read a file here (Windows
// shows 0666 or 0444, whatever its ACL).
const modesTell = false

// inPlaceOK: files have no owner to compare here.
func inPlaceOK(string) bool { return true }
