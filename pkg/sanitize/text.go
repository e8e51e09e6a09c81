package sanitize

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Controls returns s with every character a terminal or a reader could be
// fooled by escaped: the C0 controls (ESC, CR, LF, TAB and the rest), DEL,
// the C1 controls, the line and paragraph separators (U+2028, U+2029), the
// noncharacters (U+FFFE, U+FDD0, ...: Noncharacter), the
// Unicode bidirectional and invisible formatting characters (a name that
// reads backwards, or looks like another), and bytes
// that are not UTF-8. LF, CR and TAB become \n, \r and \t, the other C0
// controls, DEL and bad bytes \xNN, the rest \uNNNN.
// Combining marks past MaxMarks in a row (a "Zalgo" name, whose stacked
// marks draw over the lines above and below it) are escaped too, as
// \uNNNN or, above U+FFFF, \UNNNNNNNN, as are invisible characters above
// U+FFFF. Backslashes are left as they are: s may be a message that quotes
// with %q already (Name escapes a name).
// Text with nothing to escape is returned as is.
func Controls(s string) string { return controls(s, false) }

// Name is Controls for one name shown on its own (a user's, a team's, a
// CSV cell): a backslash that the text after it would make read as an
// escape (\u202e written out, or one before a character escaped here) is
// written \\ too, so that a name holding U+202E and one holding the six
// characters \u202e are not shown alike; any other backslash (C:\Users)
// stays as it is. A run of four spaces or more (plain or ideographic) is
// written with its first space only, the rest escaped (spaceRuns). A
// letter that passes for an ASCII one is escaped too (lookAlikes: big
// with a Cyrillic і shows as b\u0456g, a full-width ｍｌ as \uff4d\uff4c), so
// that two names a reader would take for one are not shown alike.
// Controls leaves what Name wrote as it is.
func Name(s string) string { return controls(s, true) }

func controls(s string, backslashes bool) string {
	i, marks, prev := 0, 0, rune(-1)
	var runs, runs2 spaceRuns
	var alike, alike2 lookAlikes
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f && (c != '\\' || !backslashes || !escapeAhead(s, i+1)) && (c != ' ' || !backslashes || !runs.padding(s, i)) {
			i++
			marks = 0
			prev = rune(c)
			continue
		}
		if c == '\\' || c == ' ' {
			break // a backslash that reads as an escape, or padding (Name)
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		before := marks
		if !unsafeRune(prev, r, n, s[i+n:]) && !Stacked(r, &marks) && (r != 0x3000 || !backslashes || !runs.padding(s, i)) && (!backslashes || !alike.at(s, i, r)) {
			i += n
			prev = r
			continue
		}
		marks = before // r is counted again below
		break
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			if c == ' ' && backslashes && runs2.padding(s, i) {
				b.WriteString(`\u0020`)
				i++
				prev = ' '
				continue
			}
			if c == '\\' && backslashes && escapeAhead(s, i+1) {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
			i++
			marks = 0
			prev = rune(c)
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case Stacked(r, &marks):
			writeEscape(&b, r)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError && n <= 1, r < 0x20, r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
			i++
			prev = utf8.RuneError
			continue
		case r == 0x3000 && backslashes && runs2.padding(s, i):
			b.WriteString(`\u3000`)
		case unsafeRune(prev, r, n, s[i+n:]) || backslashes && alike2.at(s, i, r):
			writeEscape(&b, r)
		default:
			b.WriteString(s[i : i+n])
		}
		prev = r
		i += n
	}
	return b.String()
}

// Quote is s quoted as %q quotes it (strconv.Quote), with padding
// written as Name writes it: a run of four spaces or more keeps its first
// and shows the rest as \u0020 (the same string, read as Go reads a
// quoted one), so that a value padded to a terminal's width cannot push
// what follows it onto a line of its own, where it could pass for a line
// of the plan. (%q escapes U+3000 already.) A character that passes for an
// ASCII one is escaped too, as Name escapes it (LookAlikes), so that
// update name "Alice" → "Аlice" does not read as a change of nothing.
func Quote(s string) string {
	q := LookAlikes(strconv.Quote(s))
	if !strings.Contains(q, "    ") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	var runs spaceRuns
	for i := 0; i < len(q); i++ {
		if q[i] == ' ' && runs.padding(q, i) {
			b.WriteString(`\u0020`)
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// escapeAhead reports whether s[j:], after a backslash, would read as an
// escape Controls writes (\n, \r, \t, \xNN, \uNNNN, \UNNNNNNNN or \\), or
// begins with a character Controls escapes.
func escapeAhead(s string, j int) bool {
	if j >= len(s) {
		return false
	}
	switch c := s[j]; {
	case c == 'n' || c == 'r' || c == 't' || c == '\\' || c == '`':
		// (A backtick is written \x60 in markdown.)
		return true
	case c == 'x' || c == 'u' || c == 'U':
		return escapeEnd(s, j-1) == j+1+escapeDigits(c) // whole: \x1b, not \x1
	case c >= 0x20 && c < 0x7f:
		return false
	}
	r, n := utf8.DecodeRuneInString(s[j:])
	// Or a look-alike, which Name escapes too: a\ before a Cyrillic і is
	// written a\\\u0456, not a\\u0456, the name of six characters.
	return r < 0x20 || unsafeRune('\\', r, n, s[j+n:]) || new(lookAlikes).at(s, j, r)
}

// LTRArrows returns escaped line s with a left-to-right mark (U+200E) on
// each side of every " → " when s holds a right-to-left letter: between
// two right-to-left values (custom role names, display names in Hebrew or
// Arabic) the bidirectional algorithm would take the arrow for theirs and
// show the pair swapped, a promotion read as a demotion. s must be escaped
// already (Controls: a mark sent in a name is escaped); the marks are
// ours, and invisible.
func LTRArrows(s string) string {
	if !strings.Contains(s, " → ") || !strings.ContainsFunc(s, RightToLeft) {
		return s
	}
	return strings.ReplaceAll(s, " → ", "\u200e → \u200e")
}

// RightToLeft reports whether r is a letter of a right-to-left script
// (Hebrew, Arabic, Syriac, Thaana, N'Ko and the others of U+0590–U+08FF,
// their presentation forms, and the historic ones above U+10800).
func RightToLeft(r rune) bool {
	return r >= 0x0590 && r <= 0x08FF || r >= 0xFB1D && r <= 0xFDFF || r >= 0xFE70 && r <= 0xFEFE || r >= 0x10800 && r <= 0x10FFF || r >= 0x1E800 && r <= 0x1EFFF
}

// MaxMarks is how many combining marks in a row Controls shows as they
// are: written text stacks at most about four on one letter (Hebrew
// points and cantillation, Vietnamese tones).
const MaxMarks = 4

// writeEscape writes how Controls and Name show a character they escape
// (a combining mark past MaxMarks, an invisible or look-alike one):
// \uNNNN, or \UNNNNNNNN above U+FFFF (as Go's %q does), so that no escape
// reads as a shorter one followed by a digit. (No fmt: a Zalgo name
// escapes thousands.)
func writeEscape(b *strings.Builder, r rune) {
	const hex = "0123456789abcdef"
	digits := 4
	if r > 0xffff {
		digits = 8
		b.WriteString(`\U`)
	} else {
		b.WriteString(`\u`)
	}
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		b.WriteByte(hex[(r>>shift)&0xf])
	}
}

// EscapedMarkWidth is how many characters Controls shows combining mark r
// in when it is past MaxMarks in its run: its escape's. (Up to MaxMarks a
// mark is shown as it is.)
func EscapedMarkWidth(r rune) int {
	if r > 0xffff {
		return len(`\U`) + 8
	}
	return len(`\u`) + 4
}

// Stacked counts r into marks, the run of combining marks it ends (0
// after any other character), and reports whether r is a mark past
// MaxMarks in that run: one Controls shows escaped.
func Stacked(r rune, marks *int) bool {
	if !Combining(r) {
		*marks = 0
		return false
	}
	*marks++
	return *marks > MaxMarks
}

// Combining reports whether r is a combining mark that draws on the letter
// before it (general categories Mn and Me).
func Combining(r rune) bool {
	if r <= 0xffff {
		return r >= 0x300 && bmpMarks[r>>6]&(1<<(r&63)) != 0
	}
	return unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r)
}

// bmpMarks has a bit set for each combining mark up to U+FFFF: Controls
// asks for every character that is not ASCII, and a look-up in the
// category tables costs a search.
var bmpMarks = func() (bits [0x10000 / 64]uint64) {
	for _, t := range []*unicode.RangeTable{unicode.Mn, unicode.Me} {
		for _, rg := range t.R16 {
			for r := uint32(rg.Lo); r <= uint32(rg.Hi); r += uint32(rg.Stride) {
				bits[r>>6] |= 1 << (r & 63)
			}
		}
	}
	return bits
}()

// unsafeRune reports whether the rune decoded with width n, after the
// character prev (-1 at the start) and before the text next, must be
// escaped.
func unsafeRune(prev, r rune, n int, next string) bool {
	switch {
	case r == utf8.RuneError && n <= 1: // not UTF-8
		return true
	case r < 0x20 || r == 0x7f: // C0, DEL
		return true
	case r >= 0x80 && r <= 0x9f: // C1
		return true
	case r == 0x2028 || r == 0x2029: // line and paragraph separators: a line break to some readers
		return true
	case Noncharacter(r): // never text: YAML refuses them raw, and a reader sees a box or nothing
		return true
	}
	return InvisibleAfter(prev, r, next)
}

// Noncharacter reports whether r is one of the 66 code points Unicode
// keeps out of text for good: U+FDD0 to U+FDEF, and the last two of every
// plane (U+FFFE, U+FFFF, U+1FFFE, ...).
func Noncharacter(r rune) bool {
	return r >= 0xfdd0 && r <= 0xfdef || r&0xfffe == 0xfffe && r <= unicode.MaxRune
}

// Invisible reports whether r is a Unicode bidirectional control or an
// invisible character: every format character (general category Cf: the
// Arabic letter mark, the soft hyphen, the zero-width and directional
// marks, the embeddings, overrides and isolates, the word joiner and
// invisible operators, the interlinear annotation marks, the zero-width
// no-break space) up to U+FFFF, the unassigned
// U+2065 among them, the Hangul fillers, the Braille pattern blank
// (U+2800, which draws nothing), the marks that render as
// nothing on any letter (the combining grapheme joiner U+034F, the Khmer
// inherent vowels U+17B4 and U+17B5, the Mongolian variation selectors
// U+180B to U+180F), and the spaces that read as a plain one (general
// category Zs but U+0020: the no-break space, the en, em, figure and thin
// spaces; not the ideographic space U+3000, as wide as a CJK character,
// which Japanese names hold, nor the Ogham space mark U+1680, which draws
// a dash). Variation selectors U+FE00 to
// U+FE0F stay as they are: an emoji is drawn with one (❤️). Shown raw, such a
// character reorders or hides the text around it, so that one name can
// pass for another. Every output that escapes text asks this one
// function, so the set stays the same everywhere.
func Invisible(r rune) bool {
	switch {
	case r == 0xa0: // the no-break space, the one space below U+00AD
		return true
	case r < 0xad:
		return false
	case r > 0xffff:
		// The format characters above U+FFFF draw nothing: the tag
		// characters (U+E0001, U+E0020 to U+E007F, which a subdivision
		// flag's 🏴 is followed by, and which escaped show it as 🏴 and
		// its tags), the musical, shorthand and Egyptian format controls;
		// nor does anything of U+E0000 to U+E0FFF, which Unicode reserves
		// as default ignorable, assigned or not.
		return unicode.Is(unicode.Cf, r) || r >= 0xe0000 && r <= 0xe0fff
	case r >= 0xfff0 && r <= 0xfff8:
		// Unassigned, and default ignorable: drawn as nothing.
		return true
	case r == 0x2065, // unassigned, among the invisible operators and isolates
		r == 0x115f || r == 0x1160 || r == 0x3164 || r == 0xffa0, // Hangul fillers
		r == 0x034f, r == 0x17b4 || r == 0x17b5, r >= 0x180b && r <= 0x180f, // invisible marks
		r == 0x2800: // Braille pattern blank
		return true
	}
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zs, r) && r != 0x3000 && r != 0x1680
}

// InvisibleAfter is Invisible for r after the character prev (-1 at the
// start of the text): a variation selector (U+FE00 to U+FE0F, U+E0100 to
// U+E01EF) selects a glyph only after a symbol, a punctuation mark outside
// ASCII or an ideograph (❤️, ‼️, 〽️, the ideographic variants of a Japanese
// name), or ℹ, and is kept there; anywhere else (after a letter, at the
// start, after an ASCII character, another selector or a character that is
// escaped) it draws nothing, so that bob@example.com or café with one after
// it would read as without it. (After a symbol that has no variation, ★,
// it draws nothing either; telling those apart needs Unicode's list of
// variation sequences, which wbsync does not carry.)
func InvisibleAfter(prev, r rune, next string) bool {
	if r == 0xfe0f && (prev >= '0' && prev <= '9' || prev == '#' || prev == '*') && strings.HasPrefix(next, keycapMark) {
		return false // a keycap, 1️⃣: digit, selector, U+20E3
	}
	if variationSelector(r) {
		return prev < 0x80 || variationSelector(prev) || Invisible(prev) ||
			!unicode.In(prev, unicode.So, unicode.Sm, unicode.P, unicode.Han) && prev != 0x2139 // ℹ, a letter with an emoji form
	}
	return Invisible(r)
}

// keycapMark is U+20E3, the combining enclosing keycap, in UTF-8.
const keycapMark = "\u20e3"

func variationSelector(r rune) bool {
	return r >= 0xfe00 && r <= 0xfe0f || r >= 0xe0100 && r <= 0xe01ef
}

// Truncate returns s cut to at most n characters (runes), ending with "…"
// when it was cut. It never splits a character.
func Truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n { // bytes >= runes
		return s
	}
	count := 0
	for i := range s {
		if count == n-1 {
			if utf8.RuneCountInString(s[i:]) <= 1 {
				return s
			}
			return s[:i] + "…"
		}
		count++
	}
	return s
}

// Server makes a server-supplied string safe to show: the key redacted
// first (so a cut never leaves part of it), then control characters
// escaped, redacted again (an escape ends in hex digits, \x1b, which with
// 7 key characters after it, too few alone, spell 8 of a hex key), then
// the result cut to n characters. r may be nil.
func Server(r *Redactor, s string, n int) string {
	red := r.String(s)
	if esc := Controls(red); esc != red {
		red = r.String(esc)
	}
	return cutWhole(red, n)
}

// cutWhole is Truncate that never cuts inside a Marker or an escape
// Controls wrote (\x01, \u202e, \U000e0001, \n): cut, "[re…" or "\x0…"
// would read as the server's text. The cut moves back to where it starts.
func cutWhole(s string, n int) string {
	t := Truncate(s, n)
	if len(t) == len(s) {
		return s
	}
	i := len(t) - len("…") // s[:i] is kept
	for k := max(0, i-len(Marker)+1); k < i; k++ {
		if strings.HasPrefix(s[k:], Marker) {
			return s[:k] + "…"
		}
	}
	if k := strings.LastIndexByte(s[max(0, i-9):i], '\\'); k >= 0 {
		k += max(0, i-9)
		if escapeEnd(s, k) > i {
			return s[:k] + "…"
		}
	}
	return t
}

// spaceRuns tells, for Name, the spaces of a run of four or more but its
// first (plain spaces and ideographic ones, U+3000, which are as wide as
// two): a name padded with spaces to the terminal's width pushes what
// follows onto a line of its own, where it can pass for one of the plan's
// ("Plan: 0 to add, ..."); written \u0020 or \u3000, the padding shows.
// It keeps the run it last measured, so that a long run is measured once.
type spaceRuns struct{ start, end, n int }

// ideographicSpace is U+3000 in UTF-8.
const ideographicSpace = "\u3000"

// spaceAt is the length of the space (plain or ideographic) that starts
// s[i:], or 0.
func spaceAt(s string, i int) int {
	switch {
	case i < len(s) && s[i] == ' ':
		return 1
	case strings.HasPrefix(s[i:], ideographicSpace):
		return len(ideographicSpace)
	}
	return 0
}

// padding reports whether the space at s[i] is one to escape.
func (r *spaceRuns) padding(s string, i int) bool {
	if i >= r.end || i < r.start {
		r.start, r.end, r.n = i, i, 0
		for r.start > 0 {
			w := 0
			switch {
			case s[r.start-1] == ' ':
				w = 1
			case strings.HasSuffix(s[:r.start], ideographicSpace):
				w = len(ideographicSpace)
			}
			if w == 0 {
				break
			}
			r.start -= w
			r.n++
		}
		for w := spaceAt(s, r.end); w > 0; w = spaceAt(s, r.end) {
			r.end += w
			r.n++
		}
	}
	return i > r.start && r.n >= 4
}

// escapeDigits is how many hex digits follow \x, \u or \U in an escape
// Controls writes; 0 after any other letter.
func escapeDigits(c byte) int {
	switch c {
	case 'x':
		return 2
	case 'u':
		return 4
	case 'U':
		return 8
	}
	return 0
}

// escapeEnd is where the escape Controls writes that starts at s[k] (a
// backslash) ends; k+1 when none does.
func escapeEnd(s string, k int) int {
	if k+1 >= len(s) {
		return k + 1
	}
	if c := s[k+1]; c == 'n' || c == 'r' || c == 't' {
		return k + 2
	}
	digits := escapeDigits(s[k+1])
	if digits == 0 {
		return k + 1
	}
	e := k + 2
	for e < len(s) && e < k+2+digits && hexDigit(s[e]) >= 0 {
		e++
	}
	return e
}

// EscapeJSON returns the JSON text b with DEL (U+007F), every C1 control
// (U+0080 to U+009F) and every Invisible character written as a \uXXXX
// escape, as the text views escape them: the
// same JSON, which a terminal showing it cannot be steered by
// (encoding/json escapes only C0 controls, U+2028 and U+2029). They can
// occur only inside strings, where the escape means the same character. b
// itself is returned when there is nothing to escape.
func EscapeJSON(b []byte) []byte {
	i := firstJSONEscape(b)
	if i < 0 {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	prev := rune(-1)
	if i > 0 {
		prev, _ = utf8.DecodeLastRune(b[:i])
	}
	out, b = append(out, b[:i]...), b[i:]
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case needsJSONEscape(prev, r, n, b[n:]) && r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, hi, lo)
		case needsJSONEscape(prev, r, n, b[n:]):
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			out = append(out, b[:n]...)
		}
		prev, b = r, b[n:]
	}
	return out
}

// needsJSONEscape reports whether rune r (n bytes in UTF-8), after prev
// and before rest, is one that EscapeJSON escapes.
func needsJSONEscape(prev, r rune, n int, rest []byte) bool {
	next := ""
	if r == 0xfe0f && len(rest) >= len(keycapMark) {
		next = string(rest[:len(keycapMark)]) // what a keycap needs to be told
	}
	return r == 0x7f || n > 1 && (r >= 0x80 && r <= 0x9f || InvisibleAfter(prev, r, next))
}

// firstJSONEscape is the offset of the first rune EscapeJSON escapes, or
// -1: a pass without allocation for the usual text, which has none.
func firstJSONEscape(b []byte) int {
	prev := rune(-1)
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			if b[i] == 0x7f {
				return i
			}
			prev = rune(b[i])
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if needsJSONEscape(prev, r, n, b[i+n:]) {
			return i
		}
		prev = r
		i += n
	}
	return -1
}

// JSONWriter returns a writer that passes each Write through EscapeJSON:
// for writers given whole JSON texts per Write, as json.Encoder writes
// them, or pieces of one cut between tokens, never inside a string (as
// plan.WriteJSON writes them).
func JSONWriter(w io.Writer) io.Writer { return jsonWriter{w} }

type jsonWriter struct{ w io.Writer }

func (j jsonWriter) Write(p []byte) (int, error) {
	if _, err := j.w.Write(EscapeJSON(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// lookAlikes tells, character by character from the start of a name,
// whether one passes for an ASCII character where it stands:
//   - a letter or digit whose compatibility form (NFKC) is ASCII: the
//     Roman numeral ⅰ, the ligature ﬁ, ™, ², ①, the Kelvin sign, the
//     mathematical letters, and the Angstrom sign; a full-width one (ｍ, １)
//     beside a Latin letter or an ASCII digit only (ｍｌ, but not 第１チーム);
//   - punctuation whose compatibility form is ASCII (the full-width （ and
//     ＝, the one-dot leader ․; not the ellipsis …, the mark Truncate
//     leaves where it cut), beside a Latin letter or an ASCII digit only
//     (山田（営業部） stays as it is), and the hyphens and dashes that pass
//     for "-" (U+2010 to U+2015, the minus sign) beside a Latin letter
//     (ml‐research, but not 2020–2024);
//   - a letter that looks like a Latin one in a word that holds a plain
//     Latin letter too, a word running across "-", "_" and "." as a
//     name's parts do: the Cyrillic, Greek and Armenian letters drawn as
//     Latin ones are (а, е, о, р, с, і, ѕ, Α, Ν, ο, օ, ...: confusable),
//     any Cherokee, Coptic or Lisu letter, and a Latin small capital or
//     IPA letter that passes for a plain one (ᴀ, ʟ, ɡ): bіg, Аlice,
//     ml-ехр. A word of one script stays as it is (Иван, αβγ), and so do
//     letters no Latin one looks like (π-team, 5μm) and other scripts
//     beside Latin (研究-ml).
//
// Unicode's full list of confusables (UTS #39) is not carried, so this
// catches the common cases, not all. Each word is looked at once (end,
// mixed), whatever its length.
type lookAlikes struct {
	end   int  // where the word last looked at ends
	mixed bool // whether it holds a plain Latin letter
	// escaped: s is escaped text (LookAlikes, Quote), whose escapes
	// (\u00a0, \t) are no letters of a word and no Latin neighbours.
	escaped bool
}

// confusable are the Cyrillic, Greek and Armenian letters drawn as Latin
// ones are.
const confusable = "аеорсухѕіјһӏԁԛԝүАВЕКМНОРСТХЅІЈҮҺӀԚԜ" + // Cyrillic
	"ΑΒΕΖΗΙΚΜΝΟΡΤΥΧαιορυν" + // Greek
	"օսհոզցՍՕ" // Armenian

// at reports whether r, the character at s[i], passes for an ASCII one;
// i grows from call to call.
func (w *lookAlikes) at(s string, i int, r rune) bool {
	if r < utf8.RuneSelf {
		return false
	}
	if r == '…' {
		return false // wbsync's own mark where it cut a name (Truncate)
	}
	if r == 'ª' || r == 'º' {
		return false // the ordinal indicators of Spanish and Portuguese names: Mª José
	}
	if d := norm.NFKC.PropertiesString(s[i:]).Decomposition(); len(d) > 0 && isASCII(d) {
		switch {
		case len(bytes.Trim(d, " ")) == 0: // a space: the rules of spaces decide (Controls, spaceRuns)
			return false
		case r >= 0xff01 && r <= 0xff5e: // full width: the ordinary forms of CJK text
			return w.besideLatin(s, i, r, true)
		case bytes.ContainsFunc(d, func(c rune) bool { return unicode.IsLetter(c) || unicode.IsDigit(c) }):
			return true
		}
		return w.besideLatin(s, i, r, true)
	}
	switch {
	case r == 0x212b: // the Angstrom sign, the letter Å
		return true
	case r >= 0x2010 && r <= 0x2015, r == 0x2212, r == 0x2043, r == 0xfe58:
		return w.besideLatin(s, i, r, false)
	case !latinLookAlike(r) && !strings.ContainsRune(confusable, r) && !unicode.In(r, unicode.Cherokee, unicode.Coptic, unicode.Lisu):
		return false
	}
	if i < w.end {
		return w.mixed
	}
	inWord := func(r rune) bool {
		return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.'
	}
	w.mixed = false
	for j := i; j > 0; {
		q, n := utf8.DecodeLastRuneInString(s[:j])
		if !inWord(q) || w.escaped && inEscape(s, j-n) {
			break
		}
		w.mixed = w.mixed || plainLatin(q)
		j -= n
	}
	w.end = i
	for w.end < len(s) {
		q, n := utf8.DecodeRuneInString(s[w.end:])
		if !inWord(q) {
			break
		}
		w.mixed = w.mixed || plainLatin(q)
		w.end += n
	}
	return w.mixed
}

// plainLatin reports whether r is a Latin letter a reader takes for
// itself: ASCII, or Latin with accents (é, ß, ı), not a small capital or
// IPA letter that passes for another (latinLookAlike).
func plainLatin(r rune) bool {
	return r < utf8.RuneSelf && unicode.IsLetter(r) || unicode.Is(unicode.Latin, r) && !latinLookAlike(r)
}

// latinLookAlike reports whether r is a Latin letter that passes for a
// plain one: the small capitals (ᴀ, ʙ, ʜ, ɪ, ʟ, ɴ, ʀ, ʏ, and U+1D00 to
// U+1D22) and the IPA ɑ and ɡ.
func latinLookAlike(r rune) bool {
	switch r {
	case 0x0251, 0x0261, 0x026a, 0x0274, 0x0280, 0x028f, 0x0299, 0x029c, 0x029f:
		return true
	}
	return r >= 0x1d00 && r <= 0x1d22
}

// besideLatin reports whether the character r at s[i] stands next to a
// Latin letter (a full-width one included), or, with digits, an ASCII
// digit.
func (w *lookAlikes) besideLatin(s string, i int, r rune, digits bool) bool {
	near := func(q rune) bool {
		return plainLatin(q) || digits && q >= '0' && q <= '9'
	}
	before, bn := utf8.DecodeLastRuneInString(s[:i])
	after, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
	return i > 0 && near(before) && !(w.escaped && inEscape(s, i-bn)) || i+utf8.RuneLen(r) < len(s) && near(after)
}

// inEscape reports whether s[j], an ASCII letter or digit, is part of a
// backslash escape (\u0456, \U0001d41a, \xff, \t, \a as strconv.Quote
// writes it) whose backslash is not itself escaped.
func inEscape(s string, j int) bool {
	for k := j - 1; k >= 0 && k >= j-9; k-- {
		c := s[k]
		if c != '\\' {
			if c >= utf8.RuneSelf || !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return false
			}
			continue
		}
		run := 0
		for m := k; m >= 0 && s[m] == '\\'; m-- {
			run++
		}
		if run%2 == 0 {
			return false
		}
		end := k + 2
		switch s[k+1] {
		case 'a', 'b', 'f', 'n', 'r', 't', 'v':
		case 'x', 'u', 'U':
			end = k + 2
			for end < len(s) && end < k+2+escapeDigits(s[k+1]) && hexDigit(s[end]) >= 0 {
				end++
			}
		default:
			return false
		}
		return j < end
	}
	return false
}

// isASCII reports whether b holds ASCII bytes only.
func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// CutRuns is s with every run of more than n characters that holds no
// space or line break cut to its first n-1 and "…": a message quoting a
// value given by mistake (a file pasted as a flag's value, a path of
// 100,000 characters) is not echoed whole, whichever message quotes it.
func CutRuns(s string, n int) string {
	if len(s) <= n { // bytes >= runes
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		end := strings.IndexAny(s, " \n")
		if end < 0 {
			end = len(s)
		}
		run := s[:end]
		if len(run) > n && utf8.RuneCountInString(run) > n {
			// n-1 characters and "…", no escape or Marker cut in two
			// (the line may quote text escaped already: %q, Server), and
			// a FILE:LINE:COL position's line and column kept.
			if tail := positionTail(run); tail != "" && len(tail) < n/2 {
				run = cutWhole(run[:len(run)-len(tail)], n-len(tail)) + tail
			} else {
				run = cutWhole(run, n)
			}
		}
		b.WriteString(run)
		if end < len(s) {
			b.WriteByte(s[end])
			end++
		}
		s = s[end:]
	}
	return b.String()
}

// positionTail is the ":LINE:COL:" (or ":LINE:COL", ":LINE:") that ends
// run, or "".
func positionTail(run string) string {
	i, fields := len(run), 0
	if strings.HasSuffix(run, ":") {
		i--
	}
	for fields < 2 {
		j := i
		for j > 0 && run[j-1] >= '0' && run[j-1] <= '9' {
			j--
		}
		if j == i || j == 0 || run[j-1] != ':' {
			break
		}
		i, fields = j-1, fields+1
	}
	if fields == 0 {
		return ""
	}
	return run[i:]
}

// LookAlikes is s with each character that passes for an ASCII one where
// it stands (see Name) written \uNNNN (above U+FFFF \UNNNNNNNN), and the
// rest as it is: for text another rule escaped already, or whose
// backslashes mean something of their own (an access review's teams
// cell).
func LookAlikes(s string) string {
	w := lookAlikes{escaped: true}
	for i, r := range s {
		if w.at(s, i, r) {
			return lookAlikesFrom(s, i)
		}
	}
	return s
}

// lookAlikesFrom is LookAlikes from s[i], the first look-alike, on.
func lookAlikesFrom(s string, i int) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	w := lookAlikes{escaped: true}
	for j, r := range s[i:] {
		if w.at(s, i+j, r) {
			writeEscape(&b, r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
