package desired

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/wbsync/wbsync/pkg/sanitize"
)

// appendScalar appends s as a YAML scalar that reads back as the string s:
// plain when that is unambiguous, else double-quoted. Plain is chosen
// conservatively (letters, digits and a few safe punctuation marks, no
// leading indicator, and not a word YAML would read as another type);
// everything else is quoted, with the characters YAML cannot hold raw
// escaped. s must be valid UTF-8 (an invalid byte is written as U+FFFD).
func appendScalar(dst []byte, s string) []byte {
	if plainSafe(s) {
		return append(dst, s...)
	}
	return appendQuoted(dst, s)
}

// plainSafe reports whether s can be written as a plain scalar in block
// context and read back as the same string.
func plainSafe(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	switch c := s[0]; {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == '/', c >= 0x80:
	default:
		return false
	}
	prev := rune(-1)
	for i, r := range s {
		after := prev
		prev = r
		switch {
		case r < 0x80:
			if !plainASCII[r] || r == ' ' && s[i+1] == ' ' {
				return false
			}
		case r == utf8.RuneError, sanitize.InvisibleAfter(after, r, following(s, i)):
			return false
		case !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r):
			return false
		}
	}
	if yaml11Bool[strings.ToLower(s)] {
		return false
	}
	n := yaml.Node{Kind: yaml.ScalarNode, Value: s}
	return n.ShortTag() == "!!str"
}

// yaml11Bool holds the words YAML 1.1 reads as booleans (yaml.v3 reads
// YAML 1.2, where they are strings): quoted, an exported manifest reads
// the same in PyYAML, yamllint and other YAML 1.1 tools.
var yaml11Bool = map[string]bool{"y": true, "yes": true, "n": true, "no": true, "on": true, "off": true, "true": true, "false": true}

// plainASCII marks the ASCII characters a plain scalar may hold here.
var plainASCII = func() (t [128]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 _-.@+/%=~()'") {
		t[c] = true
	}
	return t
}()

const hexDigits = "0123456789ABCDEF"

// appendQuoted appends s double-quoted.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendEscaped(dst, s, true)
	return append(dst, '"')
}

// appendEscaped appends s with what YAML cannot hold raw escaped as in a
// double-quoted scalar: control characters (as \n, \t, \r or \xNN), line
// and paragraph separators, the byte-order mark and noncharacters (U+FFFE,
// U+FDD0, U+1FFFE: sanitize.Noncharacter); and, so
// that no name reads reordered or hides text in a terminal or an editor,
// the bidirectional controls and invisible formatting characters
// (sanitize.InvisibleAfter), as \uXXXX or, above U+FFFF, \UXXXXXXXX (never
// YAML's \L and \P, which the plan and the CSV would spell otherwise);
// quotes and backslashes too when quoted. A string holding any of these is never plain (plainSafe), so it
// is always written quoted.
func appendEscaped(dst []byte, s string, quoted bool) []byte {
	prev := rune(-1)
	for i, r := range s {
		after := prev
		prev = r
		switch {
		case quoted && (r == '"' || r == '\\'):
			dst = append(dst, '\\', byte(r))
		case r == '\n':
			dst = append(dst, '\\', 'n')
		case r == '\t':
			dst = append(dst, '\\', 't')
		case r == '\r':
			dst = append(dst, '\\', 'r')
		case r < 0x20 || 0x7f <= r && r <= 0x9f:
			dst = append(dst, '\\', 'x', hexDigits[r>>4], hexDigits[r&0xf])
		case r > 0xffff && (sanitize.InvisibleAfter(after, r, "") || sanitize.Noncharacter(r)):
			dst = append(dst, '\\', 'U')
			for shift := 28; shift >= 0; shift -= 4 {
				dst = append(dst, hexDigits[r>>shift&0xf])
			}
		case r == 0x2028 || r == 0x2029 || r == 0xfeff || sanitize.Noncharacter(r) || sanitize.InvisibleAfter(after, r, following(s, i)):
			dst = append(dst, '\\', 'u', hexDigits[r>>12], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
		default:
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}

// appendComment appends "# text" at indent and a newline, text kept on one
// line (line breaks and control characters escaped) and trailing spaces
// dropped.
func appendComment(dst []byte, indent, text string) []byte {
	dst = append(dst, indent...)
	dst = append(dst, '#', ' ')
	dst = appendEscaped(dst, text, false)
	for dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	return append(dst, '\n')
}

// following is what follows the character at s[i].
func following(s string, i int) string {
	_, w := utf8.DecodeRuneInString(s[i:])
	return s[i+w:]
}
