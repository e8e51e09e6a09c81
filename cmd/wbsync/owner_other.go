//go:build !unix

package main

import "io/fs"

// othersInSticky: directories have no sticky bit here.
func othersInSticky(string, fs.FileInfo) bool { return false }
