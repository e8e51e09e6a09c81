package desired

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/wbsync/wbsync/pkg/model"
)

// pos is a position in a source: the source's index, line and column.
type pos struct{ fi, line, col int }

type problem struct {
	pos
	msg string
}

// loader walks the sources' YAML nodes, collecting records and problems.
type loader struct {
	names []string
	probs []problem
	// broken is set when a file could not be read as a manifest at all, so
	// that cross-file checks do not pile follow-on noise on its problem.
	broken bool

	versionAt *pos
	policyAt  *pos
	policy    model.Policy
	graceSet  bool // policy.unmanagedGracePeriod was given (0 disables)
	protected []protectedRec
	users     []userRec
	teams     []teamRec
}

type protectedRec struct {
	pattern string // lower-cased
	at      pos
}

type userRec struct {
	u        model.User
	at       pos
	emailOK  bool
	activeAt pos
}

type teamRec struct {
	t       model.Team
	at      pos
	idAt    pos
	nameOK  bool
	members []memberRec
}

type memberRec struct {
	m  model.Member
	at pos
	ok bool // the email is well-formed
}

// field is one known key of a mapping and its value.
type field struct {
	name     string
	key, val *yaml.Node
}

func (l *loader) addf(p pos, format string, args ...any) {
	l.probs = append(l.probs, problem{p, fmt.Sprintf(format, args...)})
}

func at(fi int, n *yaml.Node) pos { return pos{fi, max(n.Line, 1), max(n.Column, 1)} }

func (l *loader) where(p pos) string {
	return fmt.Sprintf("%s:%d:%d", l.names[p.fi], p.line, p.col)
}

// problems returns the collected problems, sorted.
func (l *loader) problems() Problems {
	sort.SliceStable(l.probs, func(i, j int) bool {
		a, b := l.probs[i], l.probs[j]
		if a.fi != b.fi {
			return a.fi < b.fi
		}
		if a.line != b.line {
			return a.line < b.line
		}
		if a.col != b.col {
			return a.col < b.col
		}
		return a.msg < b.msg
	})
	ps := make(Problems, len(l.probs))
	for i, p := range l.probs {
		ps[i] = Problem{File: l.names[p.fi], Line: p.line, Column: p.col, Message: p.msg}
	}
	return ps
}

// decode reads the next document; a panic inside the YAML library becomes
// an error rather than a crash of the caller.
func decode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: %v", r)
		}
	}()
	return dec.Decode(n)
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

var unknownAnchorRE = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)

// syntax records a YAML syntax error. yaml.v3 gives a line (not always the
// exact one) and no column; a message without a line is on the first line.
func (l *loader) syntax(fi int, data []byte, err error) {
	l.broken = true
	msg := err.Error()
	p := pos{fi, 1, 1}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
			p.line = n
		}
		msg = m[2]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := unknownAnchorRE.FindStringSubmatch(err.Error()); m != nil {
		// A value such as *@svc.example.com, unquoted, is read as an alias.
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			p.line = 1 + bytes.Count(data[:i], []byte("\n"))
			p.col = 1 + len([]rune(string(data[bytes.LastIndexByte(data[:i], '\n')+1:i])))
		}
		msg += ` (YAML reads an unquoted value starting with * as an alias: quote it, e.g. "*@svc.example.com")`
	} else if strings.Contains(msg, "did not find expected alphabetic or numeric character") {
		msg += ` (a value starting with * or & must be quoted, e.g. "*@svc.example.com")`
	}
	l.addf(p, "invalid YAML: %s", msg)
}

// loadFile reads one source's single YAML document.
func (l *loader) loadFile(fi int, src Source) {
	l.names = append(l.names, src.Name)
	dec := yaml.NewDecoder(bytes.NewReader(src.Data))
	var doc yaml.Node
	if err := decode(dec, &doc); errors.Is(err, io.EOF) {
		l.broken = true
		l.addf(pos{fi, 1, 1}, "empty file: a manifest holds version: 1, policy, users and teams")
		return
	} else if err != nil {
		l.syntax(fi, src.Data, err)
		return
	}
	var extra yaml.Node
	if err := decode(dec, &extra); err == nil {
		l.addf(at(fi, &extra), "a second YAML document is not allowed: one manifest per file (split it into files, or remove the ---)")
	} else if !errors.Is(err, io.EOF) {
		l.syntax(fi, src.Data, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		l.broken = true
		l.addf(pos{fi, 1, 1}, "empty file: a manifest holds version: 1, policy, users and teams")
		return
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		l.broken = true
		l.addf(pos{fi, 1, 1}, "empty file: a manifest holds version: 1, policy, users and teams")
		return
	}
	if root.Kind != yaml.MappingNode {
		l.broken = true
		l.addf(at(fi, root), "the manifest must be a mapping with version, policy, users and teams, got %s", kind(root))
		return
	}
	for _, f := range l.mapping(fi, root, topKeys, "at the top level") {
		switch f.name {
		case "version":
			l.version(fi, f)
		case "policy":
			l.loadPolicy(fi, f)
		case "users":
			l.loadUsers(fi, f)
		case "teams":
			l.loadTeams(fi, f)
		}
	}
}

func (l *loader) version(fi int, f field) {
	p := at(fi, f.key)
	if l.versionAt != nil {
		l.addf(p, "version is already set at %s: only one file sets version (and policy); the others hold only users and teams", l.where(*l.versionAt))
		return
	}
	l.versionAt = &p
	v := f.val
	if l.alias(fi, v) {
		return
	}
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" {
		l.addf(at(fi, v), "version must be the integer %d, got %s", SupportedVersion, kind(v))
		return
	}
	var n int64
	if err := v.Decode(&n); err != nil || n != SupportedVersion {
		l.addf(at(fi, v), "unsupported version %s: this wbsync reads version %d", v.Value, SupportedVersion)
	}
}

// mapping checks that n is a mapping of string keys from known, each at most
// once, and returns its known fields in order. what names the object in
// messages ("user", "team", "at the top level").
func (l *loader) mapping(fi int, n *yaml.Node, known []string, what string) []field {
	var out []field
	seen := map[string]pos{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kp := at(fi, k)
		if k.Kind != yaml.ScalarNode || (k.ShortTag() != "!!str" && k.ShortTag() != "!!merge") {
			l.addf(kp, "keys must be plain strings, got %s", kind(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			l.addf(kp, "YAML merge keys (<<) are not supported: write the keys out")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			l.addf(kp, "duplicate key %q (first at %s)", k.Value, l.where(first))
			continue
		}
		seen[k.Value] = kp
		if !contains(known, k.Value) {
			in := "in " + what
			if strings.HasPrefix(what, "at ") {
				in = what
			}
			if s := suggest(k.Value, known); s != "" {
				l.addf(kp, "unknown key %q %s (did you mean %s?)", k.Value, in, s)
			} else {
				l.addf(kp, "unknown key %q %s (known keys: %s)", k.Value, in, strings.Join(known, ", "))
			}
			continue
		}
		out = append(out, field{k.Value, k, v})
	}
	return out
}

// alias reports (and records a problem) when n is a YAML alias.
func (l *loader) alias(fi int, n *yaml.Node) bool {
	if n.Kind != yaml.AliasNode {
		return false
	}
	l.addf(at(fi, n), "YAML aliases (*%s) are not supported: write the value out", n.Value)
	return true
}

// str returns f's value as a string; the value must be a YAML string.
func (l *loader) str(fi int, f field) (string, bool) {
	v := f.val
	if l.alias(fi, v) {
		return "", false
	}
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
		hint := ""
		if v.Kind == yaml.ScalarNode && contains([]string{"!!int", "!!float", "!!bool", "!!timestamp"}, v.ShortTag()) {
			hint = fmt.Sprintf(" (quote it: \"%s\")", v.Value)
		}
		l.addf(at(fi, v), "%s must be a string, got %s%s", f.name, kind(v), hint)
		return "", false
	}
	return v.Value, true
}

// nonEmpty is str that also refuses "" (why says what to do instead).
func (l *loader) nonEmpty(fi int, f field, why string) (string, bool) {
	s, ok := l.str(fi, f)
	if ok && strings.TrimSpace(s) == "" {
		l.addf(at(fi, f.val), "%s must not be empty%s", f.name, why)
		return "", false
	}
	return s, ok
}

// enum returns f's value when it is one of allowed.
func (l *loader) enum(fi int, f field, allowed []string) (string, bool) {
	s, ok := l.str(fi, f)
	if !ok {
		return "", false
	}
	if contains(allowed, s) {
		return s, true
	}
	msg := fmt.Sprintf("%s must be %s, got %q", f.name, oneOf(allowed), short(s))
	if h := suggest(s, allowed); h != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", h)
	}
	l.addf(at(fi, f.val), "%s", msg)
	return "", false
}

// list returns f's value as a list.
func (l *loader) list(fi int, f field) ([]*yaml.Node, bool) {
	if l.alias(fi, f.val) {
		return nil, false
	}
	if f.val.Kind != yaml.SequenceNode {
		l.addf(at(fi, f.val), "%s must be a list, got %s", f.name, kind(f.val))
		return nil, false
	}
	return f.val.Content, true
}

// object returns f's value's known fields; the value must be a mapping.
func (l *loader) object(fi int, f field, known []string) ([]field, bool) {
	if l.alias(fi, f.val) {
		return nil, false
	}
	if f.val.Kind != yaml.MappingNode {
		l.addf(at(fi, f.val), "%s must be a mapping of %s, got %s", f.name, strings.Join(known, ", "), kind(f.val))
		return nil, false
	}
	return l.mapping(fi, f.val, known, f.name), true
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

// short truncates s for a message.
func short(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:37]) + "..."
	}
	return s
}
