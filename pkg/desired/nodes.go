package desired

import (
	"fmt"
	"iter"
	"slices"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/wbsync/wbsync/pkg/caps"
)

// keySet tracks the keys seen in one mapping: the known ones in a bit set
// with their first positions, unknown ones (rare) in a map made on demand.
type keySet struct {
	seen    uint32
	first   [maxKeys]pos
	unknown map[string]pos
}

// maxKeys bounds the known keys of one object (the bit set's width).
const maxKeys = 16

// key checks the key at n.Content[i] of mapping n against known and returns
// its index there, or -1 after recording why it is refused (not a plain
// string, a merge key, a duplicate, unknown). what names the object in
// messages ("user", "team", "at the top level").
func (l *loader) key(fi int, n *yaml.Node, i int, s *keySet, known []string, what string) int {
	k := n.Content[i]
	if k.Kind != yaml.ScalarNode || (k.Tag != "!!str" && k.ShortTag() != "!!str" && k.ShortTag() != "!!merge") {
		l.addf(at(fi, k), "keys must be plain strings, got %s", kind(k))
		return -1
	}
	if k.Tag != "!!str" && k.ShortTag() == "!!merge" {
		l.add(at(fi, k), "YAML merge keys (<<) are not supported: write the keys out")
		return -1
	}
	for j, name := range known {
		if name != k.Value {
			continue
		}
		if s.seen&(1<<j) != 0 {
			l.addf(at(fi, k), "duplicate key %q (first at %s)", k.Value, l.where(s.first[j]))
			return -1
		}
		s.seen |= 1 << j
		s.first[j] = at(fi, k)
		return j
	}
	kp := at(fi, k)
	if first, dup := s.unknown[k.Value]; dup {
		l.addf(kp, "duplicate key %q (first at %s)", short(k.Value), l.where(first))
		return -1
	}
	if s.unknown == nil {
		s.unknown = map[string]pos{}
	}
	s.unknown[k.Value] = kp
	if !l.keeps(kp) {
		l.skip()
		return -1
	}
	in := "in " + what
	if strings.HasPrefix(what, "at ") {
		in = what
	}
	if r, _ := utf8.DecodeRuneInString(k.Value); oddSpace(r) {
		// Indentation pasted with a no-break space: the line reads as a
		// key of the mapping above it.
		name, fix := oddSpaceName(r)
		l.addf(kp, "unknown key %q %s (it starts with %s, which looks like a space but is none to YAML: %s)", short(k.Value), in, name, fix)
	} else if what == atTopLevel && slices.Contains(policyKeys, k.Value) {
		// A policy split into a file of its own, its keys left unindented.
		l.addf(kp, "unknown key %q %s (did you mean policy.%s? the policy's keys go under policy:, as in policy: {%s: ...})", short(k.Value), in, k.Value, k.Value)
	} else if what == "policy" && slices.Contains(limitKeys, k.Value) {
		// A limit written beside the policy's keys, not under limits:.
		l.addf(kp, "unknown key %q %s (did you mean policy.limits.%s? limits go under limits:, as in limits: {%s: ...})", short(k.Value), in, k.Value, k.Value)
	} else if what == atTopLevel && slices.Contains(limitKeys, k.Value) {
		l.addf(kp, "unknown key %q %s (did you mean policy.limits.%s? limits go under policy: limits:)", short(k.Value), in, k.Value)
	} else if h := Suggest(k.Value, known); h != "" {
		l.addf(kp, "unknown key %q %s (did you mean %s?)", short(k.Value), in, h)
	} else {
		l.addf(kp, "unknown key %q %s (known keys: %s)", short(k.Value), in, strings.Join(known, ", "))
	}
	return -1
}

// field is one accepted key of a mapping and its value.
type field struct{ key, val *yaml.Node }

// fields yields the index in known of each key of mapping n that key
// accepts, with the key and its value, in order. Each value is dropped from
// the tree once yielded (the caller holds what it keeps), so that the tree
// is freed as it is read.
func (l *loader) fields(fi int, n *yaml.Node, known []string, what string) iter.Seq2[int, field] {
	return func(yield func(int, field) bool) {
		var s keySet
		for i := 0; i+1 < len(n.Content); i += 2 {
			j := l.key(fi, n, i, &s, known, what)
			if j < 0 {
				continue
			}
			f := field{n.Content[i], n.Content[i+1]}
			n.Content[i+1] = nil
			if !yield(j, f) {
				return
			}
		}
	}
}

// alias reports (and records a problem) when n is a YAML alias.
func (l *loader) alias(fi int, n *yaml.Node) bool {
	if n.Kind != yaml.AliasNode {
		return false
	}
	l.addf(at(fi, n), "YAML aliases (*%s) are not supported: write the value out", short(n.Value))
	return true
}

// isStr reports whether n is a string scalar.
func isStr(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && (n.Tag == "!!str" || n.ShortTag() == "!!str")
}

// str returns v's value as a string; the value must be a YAML string. name
// names the field in messages.
func (l *loader) str(fi int, name string, v *yaml.Node) (string, bool) {
	return l.strWant(fi, name, v, "")
}

// strWant is str whose message, for a value that is not a string, says
// what is wanted: want (the values an enumeration takes: orgRole: 3 wants
// one of them, not quotes), else a string, with a hint to quote a number
// or boolean.
func (l *loader) strWant(fi int, name string, v *yaml.Node, want string) (string, bool) {
	if isStr(v) {
		if len(v.Value) > caps.Field {
			// The read refuses a longer string from the server: a record
			// created with it would make the organization unreadable.
			l.addf(at(fi, v), "%s is %d bytes long: at most %d", name, len(v.Value), caps.Field)
			return "", false
		}
		return v.Value, true
	}
	if l.alias(fi, v) {
		return "", false
	}
	p := at(fi, v)
	if !l.keeps(p) {
		l.skip()
		return "", false
	}
	hint := ""
	if want == "" {
		want = "a string"
		switch {
		case v.Kind == yaml.ScalarNode && v.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0:
			// Quoted, so a string but for its tag (!!int "42").
			hint = fmt.Sprintf(" (it is quoted but tagged %s: remove the tag)", v.ShortTag())
		case v.Kind == yaml.ScalarNode && contains([]string{"!!int", "!!float", "!!bool", "!!timestamp", "!!merge"}, v.ShortTag()):
			hint = fmt.Sprintf(" (quote it: \"%s\")", v.Value)
		}
	}
	l.addf(p, "%s must be %s, got %s%s", name, want, kind(v), hint)
	return "", false
}

// nonEmpty is str that also refuses "" (why says what to do instead).
func (l *loader) nonEmpty(fi int, name string, v *yaml.Node, why string) (string, bool) {
	s, ok := l.str(fi, name, v)
	if ok && strings.TrimSpace(s) == "" {
		l.addf(at(fi, v), "%s must not be empty%s", name, why)
		return "", false
	}
	return s, ok
}

// enum returns v's value when it is one of allowed, ignoring ASCII case, as
// the lower-case constant from allowed (so the node's copy is not kept).
// Every enumerated manifest value is read here: none is case-sensitive.
// (allowed is ASCII, so equal lengths keep EqualFold from taking the Kelvin
// sign for k, as the schema's [Kk] does not.)
func (l *loader) enum(fi int, name string, v *yaml.Node, allowed []string) (string, bool) {
	s, ok := l.strWant(fi, name, v, oneOf(allowed))
	if !ok {
		return "", false
	}
	for _, a := range allowed {
		if len(a) == len(s) && strings.EqualFold(a, s) {
			return a, true
		}
	}
	msg := fmt.Sprintf("%s must be %s, got %q", name, oneOf(allowed), short(s))
	if h := Suggest(s, allowed); h != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", h)
	}
	l.add(at(fi, v), msg)
	return "", false
}

// list returns v's items; v must be a list.
func (l *loader) list(fi int, name string, v *yaml.Node) ([]*yaml.Node, bool) {
	if l.alias(fi, v) {
		return nil, false
	}
	if v.Kind != yaml.SequenceNode {
		hint := ""
		if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
			hint = fmt.Sprintf(": write `%s: []` for an empty list", name)
		}
		l.addf(at(fi, v), "%s must be a list, got %s%s", name, kind(v), hint)
		return nil, false
	}
	if t := v.ShortTag(); t != "!!seq" {
		l.addf(at(fi, v), "%s must be a list, got a list tagged %s (remove the tag)", name, short(t))
		return nil, false
	}
	return v.Content, true
}

// mappingOf reports whether v is a mapping, recording a problem when not
// (known lists the keys it may hold).
func (l *loader) mappingOf(fi int, name string, v *yaml.Node, known []string) bool {
	if l.alias(fi, v) {
		return false
	}
	if v.Kind != yaml.MappingNode {
		l.addf(at(fi, v), "%s must be a mapping of %s, got %s", name, strings.Join(known, ", "), kind(v))
		return false
	}
	return l.untagged(fi, name, v)
}

// untagged reports whether mapping n carries no tag but its own (!!map),
// recording a problem when it does: a mapping tagged !!set or !foo is not
// read as a mapping by other tools. Every mapping of a manifest is asked
// (the root, policy, limits, each user, team and member).
func (l *loader) untagged(fi int, what string, n *yaml.Node) bool {
	if t := n.ShortTag(); t != "!!map" {
		l.addf(at(fi, n), "%s must be a mapping, got a mapping tagged %s (remove the tag)", what, short(t))
		return false
	}
	return true
}

// kind describes a node's type for messages.
func kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.AliasNode:
		return "an alias"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.DocumentNode:
		return "a document"
	}
	switch t := n.ShortTag(); t {
	case "!!str":
		return fmt.Sprintf("the string %q", short(n.Value))
	case "!!int":
		return "the integer " + short(n.Value)
	case "!!bool":
		return "the boolean " + short(n.Value)
	case "!!float":
		return "the number " + short(n.Value)
	case "!!null":
		return "nothing (null)"
	case "!!timestamp":
		return "the date " + short(n.Value)
	default:
		return "a value tagged " + t
	}
}

// rootKind is kind for a document that is not a mapping: a single value
// is described, not quoted, since such a file may be no manifest at all
// (a -f pointed at a credentials file or a private key would have its
// first characters quoted in a CI log).
func rootKind(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		return kind(n)
	}
	return fmt.Sprintf("a single value of %d bytes, not shown (is it a manifest?)", len(n.Value))
}

// short truncates s for a message to caps.ShownManifestValue characters,
// the last three "...", without a copy of the whole of s (a value may be
// the size of the file).
func short(s string) string {
	const keep = caps.ShownManifestValue - 3
	n, cut := 0, -1
	for i := range s {
		if n == keep {
			cut = i
		}
		if n++; n > caps.ShownManifestValue {
			return s[:cut] + "..."
		}
	}
	return s
}
