package desired

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

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
	// search is what looking for YAML errors' lines may still parse.
	search searchBudget
	// versionFiles are the files that say version.
	versionFiles map[int]bool
	policyAt     *pos
	policy       model.Policy
	graceSet     bool // policy.unmanagedGracePeriod was given (0 disables)
	protected    []protectedRec

	// notes are what a reader may not expect the manifest to mean (see
	// Manifest.Notes), by position.
	notes []problem
	// unreviewable: the notes of Manifest.Unreviewable
	unreviewable []problem

	state model.State
	users []userRec // parallel to state.Users
	teams []teamRec // parallel to state.Teams
	// byEmail maps each well-formed user email's key to its first user;
	// byHandle maps each username's key (when it differs from the email)
	// to its user.
	byEmail  map[string]int32
	byHandle map[string]int32
	// byExternalID maps each externalId to where it is first written
	// (made when a user has one).
	byExternalID map[string]pos
	inactive     []int32 // users marked active: false
	// pending are members whose email matched no user declared before them.
	pending []pendingMember
	// emails holds the users' emails side by side (members' emails then
	// share them): member lookups touch one compact block rather than
	// strings scattered over the node tree.
	emails arena
	// customRoleAt is where each member with a custom team role is
	// written (few are): the CLI names them when the server refuses the
	// role (Manifest.MemberAt).
	customRoleAt map[[2]int32]string
}

// arena copies strings into large shared blocks. A block is a
// strings.Builder that is only appended to, so the strings taken from it
// never change.
type arena struct{ b strings.Builder }

// copy returns a copy of s in the arena.
func (a *arena) copy(s string) string {
	if a.b.Cap()-a.b.Len() < len(s) {
		a.b = strings.Builder{}
		a.b.Grow(max(64<<10, len(s)))
	}
	start := a.b.Len()
	a.b.WriteString(s)
	return a.b.String()[start:]
}

type protectedRec struct {
	pattern string // lower-cased
	at      pos
}

type userRec struct {
	// email is the user's email (a copy of state.Users[i].Email kept here,
	// with inTeam, in one cache line: each member reads both).
	email        string
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
		search:   searchBudget{left: reparseBudget},
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

// badCharRE matches yaml.v3's complaints about a UTF-8 file's characters.
var badCharRE = regexp.MustCompile(`^(invalid (leading|trailing) UTF-8 octet|incomplete UTF-8 octet sequence|invalid length of a UTF-8 sequence|invalid Unicode character|control characters are not allowed)$`)

// parserProblems are yaml.v3's parser (not scanner) errors: it gives
// their line counted from 0, the line where the broken construct starts
// (a scanner error's line is counted from 1).
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'": true, "did not find expected ',' or '}'": true,
	"did not find expected '-' indicator": true, "did not find expected <document start>": true,
	"did not find expected key": true, "did not find expected node content": true,
	"found duplicate %YAML directive": true, "found incompatible YAML document": true,
	"found undefined tag handle": true, "found duplicate %TAG directive": true,
	"did not find expected <stream-start>": true,
}

// blockProblems are the parser errors yaml.v3 places where the list or
// mapping they arise in starts (not where they arise).
var blockProblems = map[string]bool{
	"did not find expected ',' or ']'": true, "did not find expected ',' or '}'": true,
	"did not find expected '-' indicator": true, "did not find expected key": true,
}

var unknownAnchorRE = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)

// yamlError splits a yaml.v3 error into its line (0 when it names none;
// a parser error's line, counted from 0, made to count from 1) and its
// message.
func yamlError(err error) (line int, msg string) {
	if err == nil {
		return 0, ""
	}
	msg = err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
			line = n
			if parserProblems[m[2]] {
				line++ // yaml.v3 counts a parser error's line from 0
			}
		}
		msg = m[2]
	}
	return line, strings.TrimPrefix(msg, "yaml: ")
}

// syntax records a YAML syntax error. yaml.v3 gives a line (not always the
// exact one) and no column; a message without a line is on the first line.
func (l *loader) syntax(fi int, data []byte, err error) {
	l.broken = true
	line, msg := yamlError(err)
	p := pos{int32(fi), int32(max(line, 1)), 1}
	tab := strings.Contains(msg, "tab character") || strings.Contains(msg, "cannot start any token")
	if p.line > 1 || parserProblems[msg] || tab {
		// yaml.v3 names the line where the broken construct starts (for
		// a mis-indented entry, the first entry of its list, hundreds of
		// lines away): look for the line where the error arises.
		searched := l.search.allows(data)
		if line, col, readTo, ok := problemAt(&l.search, data, int(p.line), err.Error(), tab, !parserProblems[msg]); ok {
			switch {
			case readTo > 0:
				msg = fmt.Sprintf("%s (a quoted string opens here: if its closing quote is missing, YAML read on to line %d)", msg, readTo)
			case int32(line) != p.line && parserProblems[msg]:
				msg = fmt.Sprintf("%s (within the list or mapping that starts at line %d)", msg, p.line)
			}
			p.line, p.col = int32(line), int32(col)
		} else if !searched && blockProblems[msg] && p.line > 1 {
			why := fmt.Sprintf("in a file over %d MiB the exact line is not searched for; split the file, -f DIR, to narrow it down", caps.ManifestErrorSearch>>20)
			if len(data) <= caps.ManifestErrorSearch {
				why = fmt.Sprintf("the exact line is not searched for once the errors of earlier files had %d MiB parsed again; fix those first", caps.ManifestErrorReparse>>20)
			}
			msg = fmt.Sprintf("%s (somewhere in the list or mapping that starts here: %s)", msg, why)
		} else if !searched && tab {
			// yaml.v3 names the line before the one a tab indents; no
			// parse is needed to see which.
			p.line, p.col = tabLine(data, p.line)
		}
		start, text := lineAt(data, p.line)
		switch {
		case tab && bytes.IndexByte(text, '\t') >= 0 && len(bytes.Trim(text, " \t\r")) == 0:
			// Editors take such a line for an empty one; YAML does not.
			msg += " (this line holds only white space with a tab: delete the tab, or the line)"
		case strings.Contains(msg, "found a tab character that violates indentation"):
			msg += " (YAML indents with spaces only; replace the tab with spaces)"
		case strings.Contains(msg, "cannot start any token"):
			// yaml.v3 says this of a tab that indents a line or follows
			// a "- " or "? " indicator, and of a plain value starting
			// with @ or `, without naming the character.
			var cands []int
			lead := len(text) - len(bytes.TrimLeft(text, " \t-?"))
			if i := bytes.IndexByte(text[:lead], '\t'); i >= 0 {
				cands = append(cands, start+i)
			}
			for _, i := range reservedStarts(text) {
				cands = append(cands, start+i)
			}
			if off := culprit(&l.search, data, start+len(text), err.Error(), cands); off >= 0 {
				p.line, p.col = lineCol(data, off)
				if c := data[off]; c == '\t' {
					msg += " (a tab character: YAML indents with spaces only; replace the tab with spaces)"
				} else {
					msg += fmt.Sprintf(" (YAML reserves %q at the start of a plain value: quote the value, e.g. \"%c...\")", c, c)
				}
			}
		}
	}
	switch {
	case strings.Contains(msg, "found unknown escape character"):
		// YAML 1.2 (and JSON) have \/; the library reads YAML 1.1's
		// escapes, and an editor on 1.2 says nothing. Any other is a
		// backslash meant as itself (a glob's \*).
		if _, text := lineAt(data, p.line); bytes.Contains(text, []byte(`\/`)) {
			msg += ` (YAML 1.2's \/ is not read here: write / alone)`
		} else {
			msg += ` (in a double-quoted string a backslash starts an escape, and YAML has none for this one: for a backslash as itself, such as a glob's \*, write the value in single quotes)`
		}
	case strings.Contains(msg, "found invalid Unicode character escape code"):
		// A JSON tool writes an emoji as a surrogate pair.
		msg += ` (a surrogate pair such as \ud83d\ude00, as JSON tools write an emoji, is not read here: write the character itself, or one escape of 8 digits such as \U0001F600)`
	}
	if n := int32(lineCount(data)); p.line > n {
		p.line = max(n, 1) // a parser error at the end of the file is on its last line
	}
	if msg == openString {
		// The file ends inside a quoted string: yaml.v3 names the line
		// where it opens, or for one opened on the first line, the end.
		for _, l := range []int32{p.line, 1} {
			start, text := lineAt(data, l)
			if q := openQuote(text); q >= 0 {
				p.line, p.col = lineCol(data, start+q)
				msg += " (a quoted string opens here and is never closed)"
				break
			}
		}
	}
	if badCharRE.MatchString(msg) { // data is UTF-8: loadFile transcodes UTF-16
		// yaml.v3 checks a UTF-8 file's characters as it reads them,
		// and says neither where nor which.
		if off, what := firstBadChar(data); off >= 0 {
			p.line, p.col = lineCol(data, off)
			msg = what
			if LooksUTF16(data) {
				msg += " (the file looks like UTF-16 without a byte-order mark: save it as UTF-8)"
			}
		}
	}
	if !strings.Contains(msg, " (") || strings.Contains(msg, " (within the list or mapping") {
		// yaml.v3 takes a no-break space (pasted from a web page or a
		// chat) for content, and fails on the line after, without a word
		// about it.
		if off, sure := oddSpaceAt(&l.search, data, p.line-2, p.line, err.Error()); off >= 0 {
			r, _ := utf8.DecodeRune(data[off:])
			name, fix := oddSpaceName(r)
			if sure {
				p.line, p.col = lineCol(data, off)
				msg += fmt.Sprintf(" (%s here looks like a space but is none to YAML: %s)", name, fix)
			} else {
				line, col := lineCol(data, off)
				msg += fmt.Sprintf(" (line %d, column %d holds %s, which looks like a space but is none to YAML: %s, if the error is about it)", line, col, name, fix)
			}
		}
	}
	if m := unknownAnchorRE.FindStringSubmatch(err.Error()); m != nil {
		// A value such as *@svc.example.com, unquoted, is read as an alias.
		if i := aliasAt(data, m[1]); i >= 0 {
			p.line, p.col = lineCol(data, i)
		}
		msg = strings.Replace(msg, m[1], short(m[1]), 1)
		msg += ` (YAML reads an unquoted value starting with * as an alias: quote it, e.g. "*@svc.example.com")`
	} else if strings.Contains(msg, "found incompatible YAML document") {
		msg += " (a %YAML directive other than 1.1, such as %YAML 1.2: remove the %YAML line; the manifest reads the same without it)"
	} else if strings.Contains(msg, "did not find expected alphabetic or numeric character") {
		msg += ` (a value starting with * or & must be quoted, e.g. "*@svc.example.com")`
	}
	l.add(p, "invalid YAML: "+msg)
}

// reservedStarts returns where in a line a plain value starts with @ or `,
// which YAML reserves (after the line's indentation, a "- ", ": ", "," or
// "[" / "{"), outside quoted strings and before a comment.
func reservedStarts(text []byte) []int {
	var at []int
	prev := byte(0) // the last byte before i that is not a space or tab
	for i := 0; i < len(text); i++ {
		c := text[i]
		space := i > 0 && (text[i-1] == ' ' || text[i-1] == '\t')
		switch {
		case c == ' ' || c == '\t':
			continue
		case c == '#' && (i == 0 || space):
			return at // a comment
		case (c == '"' || c == '\'') && (prev == 0 || strings.IndexByte("-:,[{?", prev) >= 0):
			i = quoteEnd(text, i)
		case (c == '@' || c == '`') && (prev == 0 || space && strings.IndexByte("-:,[{?", prev) >= 0 || prev == '[' || prev == '{' || prev == ','):
			at = append(at, i)
		}
		prev = c
	}
	return at
}

// quoteEnd returns where the quoted string opening at text[i] ends on its
// line (the closing quote, or the line's last byte).
func quoteEnd(text []byte, i int) int {
	q := text[i]
	for j := i + 1; j < len(text); j++ {
		switch {
		case q == '"' && text[j] == '\\':
			j++
		case text[j] == q && q == '\'' && j+1 < len(text) && text[j+1] == '\'':
			j++ // '' is a quote inside a single-quoted string
		case text[j] == q:
			return j
		}
	}
	return len(text) - 1
}

// culprit returns the first of the offsets cands (a tab, an @ or a `) in
// data that the YAML error want, which arises on the line ending at
// lineEnd, is about: the first whose replacement (a space for a tab, a
// letter otherwise), with the earlier ones', makes the file up to that
// line parse without that error; or -1. A file b does not allow searching
// is not parsed again: the first candidate is taken as it is.
func culprit(b *searchBudget, data []byte, lineEnd int, want string, cands []int) int {
	if len(cands) == 0 {
		return -1
	}
	if !b.allows(data) {
		return cands[0]
	}
	end := min(len(data), lineEnd+1)
	if err := b.parse(data[:end]); err == nil || err.Error() != want {
		return cands[0] // the error does not arise on this line alone
	}
	patched := slices.Clone(data[:end])
	for _, off := range cands {
		if patched[off] == '\t' {
			patched[off] = ' '
		} else {
			patched[off] = 'a'
		}
		if err := b.parse(patched); err == nil || err.Error() != want {
			return off
		}
	}
	return -1
}

// searchBudget is what looking for the lines of YAML errors may still
// parse in one load (bytes), from caps.ManifestErrorReparse: each search
// starts only with some left, and may end past it by its own cost (about
// twenty parses of at most caps.ManifestErrorSearch bytes).
type searchBudget struct{ left int64 }

// allows reports whether a search in data may start.
func (b *searchBudget) allows(data []byte) bool {
	return len(data) <= caps.ManifestErrorSearch && b.left > 0
}

// parse is parseDocs, charged to b.
func (b *searchBudget) parse(data []byte) error {
	b.left -= int64(len(data))
	return parseDocs(data)
}

// parseDocs parses data as problemAt does: its first two documents.
func parseDocs(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for range 2 {
		var n yaml.Node
		if err := decode(dec, &n); err != nil {
			return err
		}
	}
	return nil
}

// problemAt returns the line (from 1) where the YAML error whose text is
// want, which yaml.v3 reports at line from, arises: the fewest lines of
// data, from line on, whose parse meets the same error (yaml.v3 parses
// from the start and stops at its first error, so every longer prefix
// meets it too, and a binary search finds it). When one line fewer ends
// inside a quoted string (a string left open runs on to the next quote
// and breaks there, on a correct line), the line is where that string
// opens, its column the quote's, and readTo the line found first (0
// otherwise). The column is else the line's first character that is no
// space, or with tab its first tab among the leading spaces. ok is false
// when b does not allow the search (a file over caps.ManifestErrorSearch,
// or the load's budget spent) or the search does not confirm the error.
// With named (a scanner error, which yaml.v3 names at its line or, for a
// tab, one early) the lines from and from+1 are tried first, one or two
// parses. Not for a parser error, which names where a list or mapping
// starts: in a flow collection spanning lines, a prefix ending after an
// entry fails with the same error at that start, so the shortest failing
// prefix is not the error's line there.
func problemAt(b *searchBudget, data []byte, from int, want string, tab, named bool) (line, col, readTo int, ok bool) {
	if !b.allows(data) {
		return 0, 0, 0, false
	}
	var ends []int // ends[i]: the offset just past line i+1
	for off := 0; off < len(data); {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			ends = append(ends, len(data))
			break
		}
		off += i + 1
		ends = append(ends, off)
	}
	parse := func(lines int) error { return b.parse(data[:ends[lines-1]]) }
	same := func(lines int) bool {
		err := parse(lines)
		return err != nil && err.Error() == want
	}
	lo, hi := max(from, 1), len(ends)
	switch {
	case lo > hi:
		return 0, 0, 0, false
	case named && same(lo):
		hi = lo // the line yaml.v3 named: the fewest lines from it on
	case named && lo < hi && same(lo+1):
		lo++
		hi = lo
	case !same(hi):
		return 0, 0, 0, false
	}
	for lo < hi {
		if mid := (lo + hi) / 2; same(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if lo > 1 {
		if earlier, msg := yamlError(parse(lo - 1)); msg == openString && earlier >= 1 && earlier < lo {
			readTo, lo = lo, earlier
		}
	}
	start := 0
	if lo > 1 {
		start = ends[lo-2]
	}
	text := data[start:ends[lo-1]]
	lead := len(text) - len(bytes.TrimLeft(text, " \t"))
	i := lead
	switch t := bytes.IndexByte(text[:lead], '\t'); {
	case readTo > 0:
		if q := openQuote(text); q >= 0 {
			i = q
		}
	case tab && t >= 0:
		i = t
	}
	_, c := lineCol(data, start+i)
	return lo, int(c), readTo, true
}

// openQuote returns the offset in line of the quote that opens a string
// still open at the line's end (-1 when none is). A quote opens a string
// only where a value starts (at the indent, after ": ", "- ", "[", "{",
// "," or "? "; O'Brien in a plain value opens none); double-quoted
// strings skip \" escapes, single-quoted ones end at a ' not doubled, and
// a # after a space outside strings starts a comment.
func openQuote(line []byte) int {
	if open, comment := scanLine(line); comment < 0 {
		return open
	}
	return -1
}

// scanLine reads line as openQuote does, and returns the offset of the
// quote opening a string still open at its end (-1 when none is) and of
// the # starting a comment (-1 when none does; the string is then -1).
func scanLine(line []byte) (open, comment int) {
	open = -1
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case open >= 0 && line[open] == '"':
			if c == '\\' {
				i++
			} else if c == '"' {
				open = -1
			}
		case open >= 0: // single-quoted
			if c == '\'' && i+1 < len(line) && line[i+1] == '\'' {
				i++
			} else if c == '\'' {
				open = -1
			}
		case (c == '"' || c == '\'') && startsValue(line[:i]):
			open = i
		case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return -1, i // a comment to the end
		}
	}
	return open, -1
}

// openString is yaml.v3's error for a file that ends inside a quoted
// string.
const openString = "found unexpected end of stream"

// aliasAt returns the offset of the first *name in data that YAML reads as
// an alias: the whole name, where a value starts (after a line's indent,
// "- ", ": ", "[", "{", "," or "? "), not in a comment; -1 when none is.
// (yaml.v3 names the alias it cannot resolve but not where it is.)
func aliasAt(data []byte, name string) int {
	ref := []byte("*" + name)
	for off := 0; ; {
		i := bytes.Index(data[off:], ref)
		if i < 0 {
			return -1
		}
		i += off
		off = i + 1
		if end := i + len(ref); end < len(data) && !bytes.ContainsAny(data[end:end+1], " \t\r\n,]}#") {
			continue // a longer name
		}
		line := data[bytes.LastIndexByte(data[:i], '\n')+1 : i]
		if bytes.IndexByte(line, '#') >= 0 {
			continue // in a comment (or after a # in a value: rare)
		}
		if startsValue(line) {
			return i
		}
	}
}

// startsValue reports whether what follows before on its line starts a
// YAML value: before is the line's indent, or ends (blanks aside) with
// ":", "-", "[", "{", "," or "?".
func startsValue(before []byte) bool {
	before = bytes.TrimRight(before, " \t")
	return len(before) == 0 || bytes.IndexByte([]byte(":-[{,?"), before[len(before)-1]) >= 0
}

// firstBadChar returns the offset of the first byte of data that is not
// valid UTF-8, or of the first character YAML does not allow (C0 and C1
// controls but tab, line feed, carriage return and NEL; surrogates;
// U+FFFE and U+FFFF), and says what it is; -1 when there is none.
func firstBadChar(data []byte) (int, string) {
	for off := 0; off < len(data); {
		r, n := utf8.DecodeRune(data[off:])
		switch {
		case r == utf8.RuneError && n <= 1:
			return off, fmt.Sprintf("byte 0x%02X is not valid UTF-8 (save the file as UTF-8)", data[off])
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r >= 0x7F && r <= 0x9F && r != 0x85, r == 0xFFFE, r == 0xFFFF:
			return off, fmt.Sprintf("character U+%04X (a control character or noncharacter) is not allowed in YAML", r)
		}
		off += n
	}
	return -1, ""
}

// oddSpace reports whether r looks like a space, or like nothing, where
// YAML takes it for content: a Unicode White_Space character beyond ASCII
// (a no-break space, an em space; the line breaks among them are refused
// before: oddLineBreak), a zero-width space, a byte-order mark within the
// file.
func oddSpace(r rune) bool {
	return r > unicode.MaxASCII && unicode.IsSpace(r) || zeroWidth(r)
}

// zeroWidth reports whether odd space r takes no room: a zero-width space
// or a byte-order mark, to be deleted rather than replaced by a space.
func zeroWidth(r rune) bool { return r == 0x200B || r == 0xFEFF }

// oddSpaceName names odd space r for a message, with what to do.
func oddSpaceName(r rune) (name, fix string) {
	switch r {
	case 0xA0:
		return "a no-break space (U+00A0)", "replace it with a plain space"
	case 0xFEFF:
		return "a byte-order mark (U+FEFF)", "delete it"
	case 0x200B:
		return "a zero-width space (U+200B)", "delete it"
	}
	return fmt.Sprintf("a Unicode space (U+%04X)", r), "replace it with a plain space"
}

// oddSpaceAt returns the offset of an odd space (oddSpace) on lines
// from..to of data where YAML wants a space (among a line's indentation
// and - or ? indicators, or right after a colon) that the YAML error want
// is about: the file up to line to fails so, and parses once that line's
// odd spaces are fixed, the one returned among them (culpritSpace;
// indentation pasted from a web page is all no-break spaces). At most
// 1+oddSpaceParses parses; -1 when there is none. In a file b does not
// allow searching, nothing is parsed: the odd space nearest the error is
// returned, not sure. A byte-order mark opening the file is the file's.
func oddSpaceAt(b *searchBudget, data []byte, from, to int32, want string) (off int, sure bool) {
	search := b.allows(data)
	start, text := lineAt(data, to)
	prefix := data[:min(len(data), start+len(text)+1)]
	checked, budget := false, oddSpaceParses
	for l := to; l >= max(from, 1); l-- { // nearest the error first
		start, text := lineAt(prefix, l)
		var offs []int
		lead, prev := true, rune(0)
		for i := 0; i < len(text); {
			r, n := utf8.DecodeRune(text[i:])
			if off := start + i; oddSpace(r) && (lead || prev == ':') && off > 0 {
				offs = append(offs, off)
			}
			lead = lead && (r == ' ' || r == '\t' || r == '-' || r == '?' || oddSpace(r))
			prev, i = r, i+n
		}
		if len(offs) == 0 {
			continue
		}
		if !search {
			// Unconfirmed, the hint names only one YAML cannot take for
			// content: not in a quoted string or a comment.
			for _, off := range offs {
				if open, comment := scanLine(text[:off-start]); open < 0 && comment < 0 {
					return off, false
				}
			}
			continue
		}
		if !checked {
			if err := b.parse(prefix); parsed(err) || err.Error() != want {
				return -1, false // the error does not arise by these lines alone
			}
			checked = true
		}
		if off := culpritSpace(b, prefix, offs, &budget); off >= 0 {
			return off, true
		}
	}
	return -1, false
}

// oddSpaceParses is how many parses oddSpaceAt may make after its first.
const oddSpaceParses = 8

// culpritSpace returns which of the odd spaces at offs (on one line of
// prefix) the prefix fails for: when it parses with all of them fixed
// (oddSpaceName's advice), the first one it fails without fixing (a
// no-break space inside a quoted key is content, not the fault); when it
// does not (fixing one of them shifts the indentation), the first whose
// fixing alone makes it parse; -1 when none. Each parse costs one of
// *budget.
func culpritSpace(b *searchBudget, prefix []byte, offs []int, budget *int) int {
	// parses reports whether the prefix parses with fix fixed; spent: no
	// parse was left to tell, and no hint is given.
	spent := false
	parses := func(fix []int) bool {
		if *budget <= 0 {
			spent = true
			return false
		}
		*budget--
		return parsed(b.parse(fixSpaces(prefix, fix)))
	}
	switch {
	case !parses(offs):
		if len(offs) > 1 {
			for _, off := range offs[:min(len(offs), oddSpaceSingles)] {
				if parses([]int{off}) {
					return off
				}
			}
		}
		return -1
	case len(offs) == 1:
		return offs[0]
	}
	for k, off := range offs {
		if !parses(append(offs[:k:k], offs[k+1:]...)) {
			if spent {
				return -1
			}
			return off // needed: the prefix fails with it alone left
		}
	}
	return offs[0]
}

// oddSpaceSingles is how many of a line's odd spaces culpritSpace fixes
// one at a time when fixing them all does not make the prefix parse.
const oddSpaceSingles = 3

// parsed reports whether parseDocs's err says the data parsed: no error,
// or the end after one document.
func parsed(err error) bool { return err == nil || errors.Is(err, io.EOF) }

// fixSpaces returns prefix with each odd space at offs as oddSpaceName
// says to fix it: a plain space, or deleted when it takes no room.
func fixSpaces(prefix []byte, offs []int) []byte {
	patched := make([]byte, 0, len(prefix))
	last := 0
	for _, off := range offs {
		r, n := utf8.DecodeRune(prefix[off:])
		patched = append(patched, prefix[last:off]...)
		if !zeroWidth(r) {
			patched = append(patched, ' ')
		}
		last = off + n
	}
	return append(patched, prefix[last:]...)
}

// lineAt returns the offset where line l (from 1) of data starts and its
// text, without its line break.
func lineAt(data []byte, l int32) (start int, text []byte) {
	for ; l > 1; l-- {
		i := bytes.IndexByte(data[start:], '\n')
		if i < 0 {
			return len(data), nil
		}
		start += i + 1
	}
	text = data[start:]
	if i := bytes.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	return start, text
}

// tabLine returns where a tab error yaml.v3 names at line l is: the next
// line's first tab among its leading white space, when line l has none
// there and the next line has one (yaml.v3 names the line before the one a
// tab indents); else l, column 1.
func tabLine(data []byte, l int32) (line, col int32) {
	leadTab := func(l int32) int {
		start, text := lineAt(data, l)
		lead := text[:len(text)-len(bytes.TrimLeft(text, " \t"))]
		if i := bytes.IndexByte(lead, '\t'); i >= 0 {
			return start + i
		}
		return -1
	}
	if leadTab(l) < 0 {
		if off := leadTab(l + 1); off >= 0 {
			return lineCol(data, off)
		}
	}
	return l, 1
}

// lineCount is how many lines data holds (a last line without a line
// break counts).
func lineCount(data []byte) int {
	n := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

// lineCol is the line and column (both from 1, the column in characters)
// of byte offset off in data.
// A byte-order mark at the start of the file is not counted (YAML
// counts it in no column either).
func lineCol(data []byte, off int) (line, col int32) {
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	if start == 0 && bytes.HasPrefix(data[:off], utf8BOM) {
		start = len(utf8BOM)
	}
	return int32(1 + bytes.Count(data[:start], []byte("\n"))), int32(1 + utf8.RuneCount(data[start:off]))
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// utf16Order is the byte order data's UTF-16 byte-order mark gives, or
// nil when it starts with none.
func utf16Order(data []byte) binary.ByteOrder {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return binary.LittleEndian
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return binary.BigEndian
	}
	return nil
}

// fromUTF16 returns data as UTF-8 when it starts with a UTF-16 byte-order
// mark (as Windows PowerShell 5.1 redirections and Notepad's "Unicode"
// write it), so that the byte scans here (line breaks, characters,
// positions) read what the file says rather than its bytes; other data is
// returned as it is. bad is the offset in the result where a byte pair
// that is no UTF-16 (a surrogate without its pair, an odd last byte) was
// found, or -1.
func fromUTF16(data []byte) (out []byte, bad int) {
	order := utf16Order(data)
	if order == nil {
		return data, -1
	}
	out = make([]byte, 0, len(data)/2*3)
	for i := 2; i < len(data); i += 2 {
		if i+1 == len(data) {
			return out, len(out)
		}
		r := rune(order.Uint16(data[i:]))
		if utf16.IsSurrogate(r) {
			if i+3 >= len(data) {
				return out, len(out)
			}
			if r = utf16.DecodeRune(r, rune(order.Uint16(data[i+2:]))); r == utf8.RuneError {
				return out, len(out)
			}
			i += 2
		}
		out = utf8.AppendRune(out, r)
	}
	return out, -1
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
	if IsUTF32(src.Data) {
		l.broken = true
		l.add(pos{int32(fi), 1, 1}, "the file is UTF-32 (it starts with a UTF-32 byte-order mark): save it as UTF-8")
		return
	}
	wasUTF16 := utf16Order(src.Data) != nil
	data, bad := fromUTF16(src.Data)
	if bad >= 0 {
		l.broken = true
		line, col := lineCol(data, bad)
		l.add(pos{int32(fi), line, col}, "the file is UTF-16 (it starts with a byte-order mark) but is not valid UTF-16 here: save it as UTF-8")
		return
	}
	src.Data = data
	if rest, ok := bytes.CutPrefix(src.Data, utf8BOM); ok && bytes.HasPrefix(rest, utf8BOM) {
		// yaml.v3 reads a stream that opens with two marks without the
		// first character of every later line: a "#" at column 1 goes,
		// and the comment becomes content no reviewer saw.
		l.broken = true
		l.add(pos{int32(fi), 1, 1}, "the file starts with two byte-order marks (U+FEFF U+FEFF), which YAML parsers read differently (yaml.v3 drops the first character of every later line, so a commented-out line would take effect): delete the second, or save the file as UTF-8 without one")
		return
	}
	if n := indicators(src.Data); n > caps.ManifestIndicators {
		l.broken = true
		l.addf(pos{int32(fi), 1, 1}, "the file holds %d YAML indicators (, [ { and - ? : before a space or line break, and : after a quote or bracket, as in JSON's \"k\":\"\"), more than the %d a manifest file may hold: its parse could need over a gigabyte; split it into several files", n, caps.ManifestIndicators)
		return
	}
	if LooksUTF16(src.Data) {
		// Before the line breaks: a UTF-16 CRLF would read as a lone CR.
		l.broken = true
		l.add(pos{int32(fi), 1, 1}, "the file looks like UTF-16 (or UTF-32) without a byte-order mark: NUL bytes between its characters; save it as UTF-8")
		return
	}
	if off, b := oddLineBreak(src.Data); off >= 0 {
		l.broken = true
		line, col := lineCol(src.Data, off)
		if b == loneCR && bytes.Count(src.Data, []byte("\r"))-bytes.Count(src.Data, []byte("\r\n")) > 1 &&
			(!bytes.Contains(src.Data, []byte("\n")) || bytes.Contains(src.Data, []byte("\r\r\n"))) {
			// Not one stray character: the file's line endings (classic
			// Mac's CR, or CR CR LF from a CRLF written in text mode).
			l.add(pos{int32(fi), line, col}, "the file's lines end in a carriage return without a line feed (CR, or CR CR LF), which YAML and editors count differently: convert its line endings to LF (or CRLF)")
			return
		}
		fix := fmt.Sprintf("write it as an escape (%s) in a double-quoted string", b.escape)
		if inComment(src.Data, off) {
			fix = "it is in a comment: delete it"
		}
		l.addf(pos{int32(fi), line, col}, "%s: YAML reads it as a line break, where editors and this message do not, so every later position would be off; %s", b.what, fix)
		return
	}
	if off := conflictMarker(src.Data); off >= 0 {
		// Not YAML, and not what a reviewer approved: a merge left half
		// done. (yaml.v3 would say only "could not find expected ':'".)
		l.broken = true
		line, col := lineCol(src.Data, off)
		l.add(pos{int32(fi), line, col}, "a merge conflict marker ("+string(src.Data[off:off+7])+"): the file holds both sides of a git merge conflict; resolve it, keeping one side, and remove the <<<<<<<, ======= and >>>>>>> lines")
		return
	}
	if wasUTF16 {
		// Read as its author meant, but reviewed blind: git takes a
		// file with NUL bytes for binary.
		l.noteUnreviewable(problem{pos{int32(fi), 1, 1}, `the file is UTF-16: git and GitHub show a change to it only as "Binary files differ", so a review of its diff shows nothing of what changed; save it as UTF-8`})
	}
	base := src.Name[strings.LastIndexAny(src.Name, `/\`)+1:]
	if off, n := bidiControls([]byte(base)); n > 0 {
		r, _ := utf8.DecodeRuneInString(base[off:])
		l.noteUnreviewable(problem{pos{int32(fi), 1, 1}, fmt.Sprintf("the file's name holds the bidirectional control U+%04X, which makes it display as another name (a manifest file may pass for a README in a pull request): rename it", r)})
	}
	if off, n := bidiControls(src.Data); n > 0 {
		line, col := lineCol(src.Data, off)
		r, _ := utf8.DecodeRune(src.Data[off:])
		more := ""
		if n > 1 {
			more = fmt.Sprintf(" (and %d more in the file)", n-1)
		}
		l.noteUnreviewable(problem{pos{int32(fi), line, col}, fmt.Sprintf("the file holds the bidirectional control U+%04X%s, which makes editors and diffs show the text around it in another order than it is read (Trojan Source), so a review of the file may be misled; plans show names with it escaped: delete it unless a name needs it (then write it as an escape in a double-quoted string)", r, more)})
	}
	if root := l.document(fi, src); root != nil {
		l.walk(fi, root)
	}
}

// noteUnreviewable notes n, about a file whose diff a review cannot read
// as wbsync reads it (Manifest.Unreviewable).
func (l *loader) noteUnreviewable(n problem) {
	l.notes = append(l.notes, n)
	l.unreviewable = append(l.unreviewable, n)
}

// bidiControls returns the offset of the first bidirectional embedding,
// override or isolate (U+202A to U+202E, U+2066 to U+2069) in data, held
// raw (not as an escape), and how many data holds; the offset is -1 when
// there is none.
func bidiControls(data []byte) (first, n int) {
	first = -1
	for off := 0; ; {
		i := bytes.IndexByte(data[off:], 0xE2)
		if i < 0 || off+i+2 >= len(data) {
			return first, n
		}
		off += i
		if b1, b2 := data[off+1], data[off+2]; b1 == 0x80 && b2 >= 0xAA && b2 <= 0xAE || b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9 {
			if n++; first < 0 {
				first = off
			}
		}
		off++
	}
}

// conflictMarker returns the offset of the first line that is a merge
// conflict marker git writes (<<<<<<< ours, |||||||, =======, >>>>>>>
// theirs; longer ones too), or -1. No such line is YAML a manifest may hold: seven of
// these characters open no key, and ======= alone is no mapping.
func conflictMarker(data []byte) int {
	for off, next := 0, 0; off < len(data); off = next {
		end := len(data)
		if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
			end = off + i
		}
		next = end + 1
		line := bytes.TrimSuffix(data[off:end], []byte("\r"))
		if len(line) >= 7 && bytes.IndexByte([]byte("<|>="), line[0]) >= 0 {
			// Seven of one marker character or more (git's
			// conflict-marker-size), then the end of the line, a space
			// or a tab.
			n := len(line) - len(bytes.TrimLeft(line, string(line[0])))
			if n >= 7 && (n == len(line) || line[n] == ' ' || line[n] == '\t') {
				return off
			}
		}
	}
	return -1
}

// IsUTF32 reports whether data starts with a UTF-32 byte-order mark (the
// little-endian one starts as UTF-16's does, then two NULs: a U+0000 no
// YAML may hold). Parse refuses such a file with a hint to save it as
// UTF-8.
func IsUTF32(data []byte) bool {
	return bytes.HasPrefix(data, []byte{0xFF, 0xFE, 0, 0}) || bytes.HasPrefix(data, []byte{0, 0, 0xFE, 0xFF})
}

// LooksUTF16 reports whether data starts as UTF-16 (or UTF-32) text
// without a byte-order mark does: one of its first two bytes NUL, the
// other not (no UTF-8 manifest starts with a NUL). Parse refuses such a
// file with a hint to save it as UTF-8.
func LooksUTF16(data []byte) bool {
	return len(data) >= 2 && (data[0] == 0) != (data[1] == 0) ||
		len(data) >= 4 && data[0] == 0 && data[1] == 0 && data[2] == 0 && data[3] != 0 // UTF-32, big-endian
}

// lineBreak is a line break YAML knows besides \n and \r\n: its bytes,
// what it is, and its escape in a double-quoted string.
type lineBreak struct{ seq, what, escape string }

var (
	loneCR        = lineBreak{"\r", "a carriage return without a line feed", `\r`}
	oddLineBreaks = []lineBreak{
		{"\u0085", "character U+0085 (next line)", `\N`},
		{"\u2028", "character U+2028 (line separator)", `\L`},
		{"\u2029", "character U+2029 (paragraph separator)", `\P`},
	}
)

// oddLineBreak returns the offset of the first line break in data other
// than \n and \r\n (a lone \r, U+0085, U+2028, U+2029), and which; -1
// when there is none.
func oddLineBreak(data []byte) (int, lineBreak) {
	first, found := -1, lineBreak{}
	for off := 0; ; {
		i := bytes.IndexByte(data[off:], '\r')
		if i < 0 {
			break
		}
		if i += off; i+1 == len(data) || data[i+1] != '\n' {
			first, found = i, loneCR
			break
		}
		off = i + 1
	}
	for _, b := range oddLineBreaks {
		if i := bytes.Index(data, []byte(b.seq)); i >= 0 && (first < 0 || i < first) {
			first, found = i, b
		}
	}
	return first, found
}

// inComment reports whether data[off] is inside a comment: after a # that
// starts its line or follows a space or tab, outside quotes (a quote
// opened on an earlier line is not followed).
func inComment(data []byte, off int) bool {
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	var quote byte
	for i := start; i < off; i++ {
		switch c := data[i]; {
		case quote != 0:
			if c == quote && (quote == '\'' || data[i-1] != '\\') {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#' && (i == start || data[i-1] == ' ' || data[i-1] == '\t'):
			return true
		}
	}
	return false
}

// indicators counts what may start or separate a YAML value: every , [
// and {, every - ? : followed by a space, a tab, a line break or the end
// (a - or : inside a word, as in jean-luc or 10:30, starts nothing), and
// every : right after a quote or a closing bracket, which JSON's
// {"k":""} separates a key from its value with. Twice that bounds how
// many values a parse makes.
func indicators(data []byte) int {
	n := bytes.Count(data, []byte{','}) + bytes.Count(data, []byte{'['}) + bytes.Count(data, []byte{'{'})
	for _, c := range []byte("-?:") {
		for off := 0; ; {
			i := bytes.IndexByte(data[off:], c)
			if i < 0 {
				break
			}
			at := off + i
			off = at + 1
			switch {
			case off == len(data) || data[off] == ' ' || data[off] == '\t' || data[off] == '\n' || data[off] == '\r':
				n++
			case c == ':' && at > 0 && strings.IndexByte(`"']}`, data[at-1]) >= 0:
				n++
			}
		}
	}
	return n
}

// walk reads the root mapping of source fi.
func (l *loader) walk(fi int, root *yaml.Node) {
	if k := savedPlanKey(root); k != nil {
		// One line, not one unknown key per field of the plan.
		l.add(at(fi, k), "this file is a saved plan (wbsync plan --out), not a manifest: apply it with 'wbsync apply FILE', without -f")
		l.broken = true // not a manifest at all: no missing version said
		return
	}
	for j, f := range l.fields(fi, root, topKeys, atTopLevel) {
		switch j {
		case topVersion:
			l.version(fi, f)
		case topPolicy:
			l.loadPolicy(fi, f)
		case topUsers:
			l.loadUsers(fi, f.val)
		case topTeams:
			l.loadTeams(fi, f.val)
		}
	}
}

// savedPlanKey is the format_version key of a root mapping that also holds
// desired, as a saved plan's does, or nil.
func savedPlanKey(root *yaml.Node) *yaml.Node {
	if root == nil || root.Kind != yaml.MappingNode {
		return nil
	}
	var version *yaml.Node
	desired := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch k := root.Content[i]; k.Value {
		case "format_version":
			version = k
		case "desired":
			desired = true
		}
	}
	if !desired {
		return nil
	}
	return version
}

// emptyDocument reports whether doc holds nothing but comments: no value,
// not even an explicit null (~, null) or tag.
func emptyDocument(doc *yaml.Node) bool {
	if len(doc.Content) == 0 {
		return true
	}
	n := doc.Content[0]
	return len(doc.Content) == 1 && n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Value == "" && n.Style == 0 && n.Anchor == ""
}

// document parses src and returns its root mapping, or nil after recording
// why there is none.
func (l *loader) document(fi int, src Source) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(src.Data))
	var doc yaml.Node
	err := decode(dec, &doc)
	for err == nil && emptyDocument(&doc) {
		// An empty document before the manifest (helm template writes
		// "---" and a comment for a template that renders nothing) is
		// skipped, as kubectl skips it; only empty ones: an empty file.
		var next yaml.Node
		nerr := decode(dec, &next)
		if errors.Is(nerr, io.EOF) {
			break
		}
		doc, err = next, nerr
	}
	if errors.Is(err, io.EOF) {
		l.broken = true
		l.add(pos{int32(fi), 1, 1}, emptyFile)
		return nil
	} else if err != nil {
		l.syntax(fi, src.Data, err)
		return nil
	}
	// What follows the first document: a second one, or a syntax error.
	// Not looked at when the first is a value other than a mapping or
	// null: no manifest at all (an INI file's next line would only add
	// noise to what is said of its first).
	if first := doc.Content; doc.Kind != yaml.DocumentNode || len(first) == 0 || first[0].Kind == yaml.MappingNode || first[0].Kind == yaml.ScalarNode && first[0].ShortTag() == "!!null" {
		for {
			var extra yaml.Node
			err := decode(dec, &extra)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				l.syntax(fi, src.Data, err)
				break
			}
			if emptyDocument(&extra) {
				continue // a trailing --- (formatters write one), skipped as kubectl skips it
			}
			l.add(at(fi, &extra), "a second YAML document is not allowed: one manifest per file (split it into files, or remove the ---)")
			break
		}
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
		l.addf(at(fi, root), "the manifest must be a mapping with version, policy, users and teams, got %s", rootKind(root))
		return nil
	}
	if !l.untagged(fi, "the manifest", root) {
		l.broken = true
		return nil
	}
	return root
}

func (l *loader) version(fi int, f field) {
	p, v := at(fi, f.key), f.val
	// Several files may say version (each a complete manifest of its own,
	// as users split them); each must say 1.
	if l.versionAt == nil {
		l.versionAt = &p
	}
	if l.versionFiles == nil {
		l.versionFiles = map[int]bool{}
	}
	l.versionFiles[fi] = true
	if l.alias(fi, v) {
		return
	}
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" {
		l.addf(at(fi, v), "version must be the integer %d, got %s", SupportedVersion, kind(v))
		return
	}
	if !decimalRE.MatchString(v.Value) {
		// 0x1, 01, +1 and 0o1 are 1 to yaml.v3, but not to every YAML tool.
		l.addf(at(fi, v), "version must be written as the plain decimal integer %d, got %s", SupportedVersion, short(v.Value))
		return
	}
	var n int64
	if err := v.Decode(&n); err != nil || n != SupportedVersion {
		l.addf(at(fi, v), "unsupported version %s: this wbsync reads version %d", v.Value, SupportedVersion)
	}
}
