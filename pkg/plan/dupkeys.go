package plan

import (
	"encoding/json"
	"strings"
)

// duplicateKey returns the first key that appears twice in one object of
// b, which must be valid JSON, with its offset; ok is false when none
// does. Keys are compared as encoding/json matches them to fields: after
// unescaping, ignoring case. encoding/json keeps the last of two equal
// keys, so a file holding `"changes": [], "changes": [...]` would show a
// reader the first and apply the second.
func duplicateKey(b []byte) (key string, off int, ok bool) {
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
				k = strings.ToLower(k)
				if _, dup := top.keys[k]; dup {
					return k, i, true
				}
				top.keys[k] = struct{}{}
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
				if stack[n-1].keys != nil {
					spare = append(spare, stack[n-1].keys)
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
