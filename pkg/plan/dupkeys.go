package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// keyProblem is a key of a saved plan that encoding/json reads otherwise
// than jq or a person does, at byte off.
type keyProblem struct {
	key string
	off int
	// field is the name of the field the key is taken for ignoring case
	// (not the key itself); "" for a key given twice in one object, or
	// unknown.
	field string
	// unknown: the key names no field of its object, which encoding/json
	// would ignore.
	unknown bool
}

// keySchema is what checkKeys knows of the keys of one kind of object in
// a saved plan: its fields, by name folded (foldKey); or, for an object
// keyed by data (a map: teamRoles, by team name), that its keys are no
// field names and what its values hold. A nil schema knows nothing (what
// reads itself, a json.Unmarshaler, and an unknown key's value).
type keySchema struct {
	fields map[string]keyField
	data   bool
	elem   *keySchema // data: each value's schema
}

// keyField is one field of a keySchema: its name as written, and the
// schema of its value (of each element, for a list).
type keyField struct {
	name  string
	value *keySchema
}

// fileKeys is the keySchema of a saved plan (File), found once.
var fileKeys = sync.OnceValue(func() *keySchema { return schemaOf(reflect.TypeFor[File](), map[reflect.Type]*keySchema{}) })

// schemaOf returns the keySchema of t's JSON objects, as encoding/json
// names their keys (the tag's name, else the Go name; an embedded
// struct's fields as the holder's); nil for what holds no object, or
// reads itself (a json.Unmarshaler names its own keys). Pointers, lists
// and arrays are their elements'. Two names of one object that fold alike
// would make one key two fields' (a bug): it panics.
func schemaOf(t reflect.Type, memo map[reflect.Type]*keySchema) *keySchema {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		return nil
	}
	switch t.Kind() {
	case reflect.Map:
		return &keySchema{data: true, elem: schemaOf(t.Elem(), memo)}
	case reflect.Struct:
	default:
		return nil
	}
	if s, ok := memo[t]; ok {
		return s
	}
	s := &keySchema{fields: map[string]keyField{}}
	memo[t] = s
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" {
				// encoding/json promotes the fields of an embedded
				// struct, or pointer to one, exported or not.
				et := f.Type
				if et.Kind() == reflect.Pointer {
					et = et.Elem()
				}
				if et.Kind() == reflect.Struct {
					add(et)
					continue
				}
			}
			switch {
			case !f.IsExported() || name == "-":
				continue
			case name == "":
				name = f.Name
			}
			if prev, ok := s.fields[foldKey(name)]; ok && prev.name != name {
				panic(fmt.Sprintf("plan: the JSON names %q and %q of %v fold alike", prev.name, name, t))
			}
			s.fields[foldKey(name)] = keyField{name: name, value: schemaOf(f.Type, memo)}
		}
	}
	add(t)
	return s
}

// checkKeys returns the first key of b, which must be valid JSON, that
// encoding/json would read otherwise than another reader; ok is false
// when none does. encoding/json matches keys to fields ignoring case, and
// keeps the last of two equal keys, so a file holding `"changes": [],
// "changes": [...]`, or `"Changes": [...]` where jq looks for "changes",
// would show a reader one plan and apply another. The problems: a key
// given twice in one object (compared after unescaping, ignoring case but
// in a map, whose keys encoding/json takes as they are),
// a key that names a field of its object (as schema, the top object's,
// says) only ignoring case (`"DEACTIVATE_USERS"`, `"deactivate_u\u017fers"`
// with a long s), and a key that names none (unknown: encoding/json would
// ignore it, and a file wbsync wrote holds none). It returns the first
// unknown key only when b holds no other problem.
//
// When sizes is not nil, checkKeys also counts the elements of b's lists
// and maps into it, and stops (with no problem found) as soon as they
// pass sizes.max: the caller refuses the file for that.
func checkKeys(b []byte, schema *keySchema, sizes *listSizes) (p keyProblem, ok bool) {
	const maxSpareKeys = 64
	type level struct {
		object, wantKey bool
		// schema is an object's; for a list, its elements'. next is
		// the schema of the value of the key last read.
		schema, next *keySchema
		keys         map[string]struct{}
		elements     int // a list's: commas so far, plus one when it is not empty
	}
	var stack []level
	var spare []map[string]struct{} // key sets of closed objects, reused
	var unknown keyProblem          // the first unknown key: returned when nothing worse is found
	// valueSchema is the schema of a value that opens now: the file's,
	// its key's in an object, a list's elements'.
	valueSchema := func() *keySchema {
		switch n := len(stack); {
		case n == 0:
			return schema
		case stack[n-1].object:
			return stack[n-1].next
		}
		return stack[len(stack)-1].schema
	}
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
				f := k // a map's keys are one only when equal
				if top.schema == nil || !top.schema.data {
					f = foldKey(k)
				}
				if _, dup := top.keys[f]; dup {
					return keyProblem{key: k, off: i}, true
				}
				top.next = nil
				switch sc := top.schema; {
				case sc == nil:
				case sc.data:
					top.next = sc.elem
					if sizes.count() {
						return keyProblem{}, false
					}
				default:
					fd, known := sc.fields[f]
					switch {
					case !known:
						if !unknown.unknown {
							unknown = keyProblem{key: k, off: i, unknown: true}
						}
					case fd.name != k:
						return keyProblem{key: k, off: i, field: fd.name}, true
					}
					top.next = fd.value
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
			stack = append(stack, level{object: true, wantKey: true, schema: valueSchema(), keys: keys})
		case '[':
			l := level{schema: valueSchema()}
			if rest := bytes.TrimLeft(b[i+1:], " \t\r\n"); len(rest) > 0 && rest[0] != ']' {
				l.elements = 1
				if sizes.count() {
					return keyProblem{}, false
				}
			}
			stack = append(stack, l)
		case '}', ']':
			if n := len(stack); n > 0 {
				if l := stack[n-1]; !l.object {
					sizes.byElements(l.schema, l.elements)
				}
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
			} else if n > 0 {
				stack[n-1].elements++
				if sizes.count() {
					return keyProblem{}, false
				}
			}
		}
	}
	return unknown, unknown.unknown
}

// listSizes is what checkKeys counts of a saved plan's lists: the
// elements of all lists and the entries of all maps (all, counted up to
// one past max when max is set), and the elements of the lists whose
// elements each schema describes, which ParseFile allocates at once:
// encoding/json grows a long list by a quarter at a time, allocating
// five times what the list holds.
type listSizes struct {
	all, max int
	bySchema map[*keySchema]int
}

// count counts one element or entry; it reports whether all has passed
// max. A nil s counts nothing.
func (s *listSizes) count() bool {
	if s == nil {
		return false
	}
	s.all++
	return s.max > 0 && s.all > s.max
}

// byElements counts a closed list's n elements under its elements'
// schema.
func (s *listSizes) byElements(elem *keySchema, n int) {
	if s == nil || elem == nil || n == 0 {
		return
	}
	if s.bySchema == nil {
		s.bySchema = map[*keySchema]int{}
	}
	s.bySchema[elem] += n
}

// at returns the schema of the value at the path of field names from s
// (nil when s has no such field).
func (s *keySchema) at(path ...string) *keySchema {
	for _, name := range path {
		if s == nil {
			return nil
		}
		s = s.fields[foldKey(name)].value
	}
	return s
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
