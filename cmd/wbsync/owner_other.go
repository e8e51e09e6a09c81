//go:build !unix

package main

import "io/fs"

// othersInSticky: directories have no sticky bit here.
func othersInSticky(string, fs.FileInfo) bool { return false }

// noFollow: no such open flag here.
const noFollow = 0

// inPlaceOK: files have no owner to compare here.
func inPlaceOK(string) bool { return true }
