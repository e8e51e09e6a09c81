package desired

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
)

// loader walks the sources' YAML nodes once, building the state as it goes
// and keeping only what the cross-record checks need: the positions of
// users and teams, and the few records (inactive users, members declared
// further on) that must wait for the whole manifest. Each item's node is
// dropped from the tree once read, so the tree is freed as it is walked.
type loader struct {
	names []string
	probs problemSet
	// broken is set when a file could not be read as a manifest at all, so
	// that cross-file checks do not pile follow-on noise on its problem.
	broken bool

	versionAt *pos
	policyAt  *pos
	policy    model.Policy
	graceSet  bool // policy.unmanagedGracePeriod was given (0 disables)
	protected []protectedRec

	state model.State
	users []userRec // parallel to state.Users
	teams []teamRec // parallel to state.Teams
	// byEmail maps each well-formed user email's key to its first user;
	// byHandle maps each username's key (when it differs from the email)
	// to its user.
	byEmail  map[string]int32
	byHandle map[string]int32
	inactive []int32 // users marked active: false
	// pending are members whose email matched no user declared before them.
	pending []pendingMember
}

type protectedRec struct {
	pattern string // lower-cased
	at      pos
}

type userRec struct {
	at, activeAt pos
	emailOK      bool // the email is well-formed
	hasHandle    bool // a username that differs from the email
	// inTeam is the team (plus one) that last listed the user, inTeamAt
	// where: the duplicate-member check without a map per team.
	inTeam   int32
	inTeamAt pos
}

type teamRec struct {
	at, idAt pos
	nameOK   bool
}

type pendingMember struct {
	team, member int32
	at           pos
}

func newLoader() *loader {
	return &loader{
		state:    model.State{Users: []model.User{}, Teams: []model.Team{}},
		byEmail:  map[string]int32{},
		byHandle: map[string]int32{},
	}
}

func at(fi int, n *yaml.Node) pos {
	return pos{int32(fi), int32(max(n.Line, 1)), int32(max(n.Column, 1))}
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
	p := pos{int32(fi), 1, 1}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
			p.line = int32(n)
		}
		msg = m[2]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := unknownAnchorRE.FindStringSubmatch(err.Error()); m != nil {
		// A value such as *@svc.example.com, unquoted, is read as an alias.
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			p.line = int32(1 + bytes.Count(data[:i], []byte("\n")))
			p.col = int32(1 + len([]rune(string(data[bytes.LastIndexByte(data[:i], '\n')+1:i]))))
		}
		msg += ` (YAML reads an unquoted value starting with * as an alias: quote it, e.g. "*@svc.example.com")`
	} else if strings.Contains(msg, "did not find expected alphabetic or numeric character") {
		msg += ` (a value starting with * or & must be quoted, e.g. "*@svc.example.com")`
	}
	l.add(p, "invalid YAML: "+msg)
}

const emptyFile = "empty file: a manifest holds version: 1, policy, users and teams"

// loadFile reads one source's single YAML document.
func (l *loader) loadFile(fi int, src Source) {
	l.names = append(l.names, src.Name)
	if len(src.Data) > caps.ManifestFile {
		l.broken = true
		l.addf(pos{int32(fi), 1, 1}, "the file is %d bytes, larger than the %d (%d MiB) a manifest may be: split it into several files", len(src.Data), caps.ManifestFile, caps.ManifestFile>>20)
		return
	}
	root := l.document(fi, src)
	if root == nil {
		return
	}
	var s keySet
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch l.key(fi, root, i, &s, topKeys, "at the top level") {
		case topVersion:
			l.version(fi, k, v)
		case topPolicy:
			l.loadPolicy(fi, k, v)
		case topUsers:
			l.loadUsers(fi, v)
		case topTeams:
			l.loadTeams(fi, v)
		}
		root.Content[i+1] = nil // read: let the collector have it
	}
}

// document parses src and returns its root mapping, or nil after recording
// why there is none.
func (l *loader) document(fi int, src Source) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(src.Data))
	var doc yaml.Node
	if err := decode(dec, &doc); errors.Is(err, io.EOF) {
		l.broken = true
		l.add(pos{int32(fi), 1, 1}, emptyFile)
		return nil
	} else if err != nil {
		l.syntax(fi, src.Data, err)
		return nil
	}
	var extra yaml.Node
	if err := decode(dec, &extra); err == nil {
		l.add(at(fi, &extra), "a second YAML document is not allowed: one manifest per file (split it into files, or remove the ---)")
	} else if !errors.Is(err, io.EOF) {
		l.syntax(fi, src.Data, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		l.broken = true
		l.add(pos{int32(fi), 1, 1}, emptyFile)
		return nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		l.broken = true
		l.add(pos{int32(fi), 1, 1}, emptyFile)
		return nil
	}
	if root.Kind != yaml.MappingNode {
		l.broken = true
		l.addf(at(fi, root), "the manifest must be a mapping with version, policy, users and teams, got %s", kind(root))
		return nil
	}
	return root
}

func (l *loader) version(fi int, k, v *yaml.Node) {
	p := at(fi, k)
	if l.versionAt != nil {
		l.addf(p, "version is already set at %s: only one file sets version (and policy); the others hold only users and teams", l.where(*l.versionAt))
		return
	}
	l.versionAt = &p
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
		l.addf(kp, "duplicate key %q (first at %s)", k.Value, l.where(first))
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
	if h := suggest(k.Value, known); h != "" {
		l.addf(kp, "unknown key %q %s (did you mean %s?)", k.Value, in, h)
	} else {
		l.addf(kp, "unknown key %q %s (known keys: %s)", k.Value, in, strings.Join(known, ", "))
	}
	return -1
}

// alias reports (and records a problem) when n is a YAML alias.
func (l *loader) alias(fi int, n *yaml.Node) bool {
	if n.Kind != yaml.AliasNode {
		return false
	}
	l.addf(at(fi, n), "YAML aliases (*%s) are not supported: write the value out", n.Value)
	return true
}

// isStr reports whether n is a string scalar.
func isStr(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && (n.Tag == "!!str" || n.ShortTag() == "!!str")
}

// str returns v's value as a string; the value must be a YAML string. name
// names the field in messages.
func (l *loader) str(fi int, name string, v *yaml.Node) (string, bool) {
	if isStr(v) {
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
	if v.Kind == yaml.ScalarNode && contains([]string{"!!int", "!!float", "!!bool", "!!timestamp"}, v.ShortTag()) {
		hint = fmt.Sprintf(" (quote it: \"%s\")", v.Value)
	}
	l.addf(p, "%s must be a string, got %s%s", name, kind(v), hint)
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

// enum returns v's value when it is one of allowed (as the constant from
// allowed, so the node's copy is not kept).
func (l *loader) enum(fi int, name string, v *yaml.Node, allowed []string) (string, bool) {
	s, ok := l.str(fi, name, v)
	if !ok {
		return "", false
	}
	for _, a := range allowed {
		if a == s {
			return a, true
		}
	}
	msg := fmt.Sprintf("%s must be %s, got %q", name, oneOf(allowed), short(s))
	if h := suggest(s, allowed); h != "" {
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
		l.addf(at(fi, v), "%s must be a list, got %s", name, kind(v))
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

// short truncates s for a message.
func short(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:37]) + "..."
	}
	return s
}
