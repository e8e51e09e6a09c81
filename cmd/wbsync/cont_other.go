//go:build !unix

package main

// onContinue does nothing here: no system but Unix stops and continues a
// process from its terminal.
func onContinue(func()) (stop func()) { return func() {} }
