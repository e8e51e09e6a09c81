package plan

import (
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// duplicateKey returns the first key that appears twice in one object of
// b, which must be valid JSON, with its offset; ok is false when none
// does. Keys are compared as encoding/json matches them to fields: after
// unescaping, ignoring case. encoding/json keeps the last of two equal
// keys, so a file holding `"changes": [], "changes": [...]` would show a
// reader the first and apply the second.
func duplicateKey(b []byte) (key string, off int, ok bool) {
	const maxSpareKeys = 64
	type level struct {
		object, wantKey bool
		keys            map[string]struct{}
	}
	var stack []level
	var spare []map[string]struct{} // key sets of closed objects, reused
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			j := i + 1
			escaped := false
			for ; j < len(b) && b[j] != '"'; j++ {
				if b[j] == '\\' {
					escaped = true
					j++
				}
			}
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
				top := &stack[n-1]
				top.wantKey = false
				k := string(b[i+1 : j])
				if escaped {
					_ = json.Unmarshal(b[i:j+1], &k) // valid JSON: it unquotes
				}
				f := foldKey(k)
				if _, dup := top.keys[f]; dup {
					return k, i, true
				}
				top.keys[f] = struct{}{}
			}
			i = j
		case '{':
			var keys map[string]struct{}
			if n := len(spare); n > 0 {
				keys, spare = spare[n-1], spare[:n-1]
				clear(keys)
			} else {
				keys = map[string]struct{}{}
			}
			stack = append(stack, level{object: true, wantKey: true, keys: keys})
		case '[':
			stack = append(stack, level{})
		case '}', ']':
			if n := len(stack); n > 0 {
				if k := stack[n-1].keys; k != nil && len(k) <= maxSpareKeys {
					// clear costs as much as the map's largest size: a
					// large map is dropped, not reused for small ones.
					spare = append(spare, k)
				}
				stack = stack[:n-1]
			}
		case ',':
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].wantKey = true
			}
		}
	}
	return "", 0, false
}

// foldKey is k folded so that two keys fold alike exactly when
// encoding/json takes them for one field name (bytes.EqualFold): each rune
// as the smallest of its Unicode fold orbit, an ASCII letter so found in
// lower case, so that "changes", "CHANGES" and "change\u017f" (a long s)
// fold alike, "actİon" and "action" do not, and a key in lower-case ASCII,
// as wbsync writes them, is its own fold (no copy).
func foldKey(k string) string {
	return strings.Map(func(r rune) rune {
		if r >= utf8.RuneSelf {
			for {
				next := unicode.SimpleFold(r)
				if next <= r {
					r = next
					break
				}
				r = next
			}
		}
		if r < utf8.RuneSelf {
			return unicode.ToLower(r)
		}
		return r
	}, k)
}
