// Package layout holds no code: its test keeps the dependency rules of the
// repository true (which package may import which), so that they are
// checked on every `make test` instead of only stated in comments.
package layout
