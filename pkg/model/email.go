package model

import "strings"

// emailAtom marks the bytes allowed in the local part of an email.
var emailAtom = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~-") {
		t[c] = true
	}
	return t
}()

// ValidEmail reports whether s is an address a manifest user may declare:
// an ASCII local part of atoms (letters, digits and !#$%&'*+/=?^_`{|}~-)
// joined by single dots, "@", and a domain of at least two DNS labels
// (letters, digits and inner hyphens). Its length is the caller's to
// bound. The manifest's JSON Schema holds the same rule as a pattern
// (docs/manifest.md); a live user whose email fails it can be kept from
// deactivation only by policy.protected.
func ValidEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 {
		return false
	}
	prev := byte('.')
	for i := 0; i < at; i++ {
		c := s[i]
		if c == '.' {
			if prev == '.' {
				return false
			}
		} else if !emailAtom[c] {
			return false
		}
		prev = c
	}
	if prev == '.' {
		return false
	}
	labels, start := 0, at+1
	for i := start; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			c := s[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
			continue
		}
		if i == start || s[start] == '-' || s[i-1] == '-' {
			return false
		}
		labels++
		start = i + 1
	}
	return labels >= 2
}
