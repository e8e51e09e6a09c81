package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/wbsync/wbsync/pkg/caps"
)

// jsonReader reads one JSON stream strictly (RFC 8259 syntax, as
// encoding/json's scanner checks it) and streams it: it holds at most one
// token at a time, in a buffer of fixed size, so that a list page is
// decoded record by record straight into the client's types, each value
// scanned once. The record decoders (records.go) give each value the
// meaning encoding/json gave the wire types they replace, which
// reference_test.go keeps as their oracle: case-insensitive keys, the
// flexible strings, booleans and dates of W&B's shapes.
//
// Its error messages name positions and JSON kinds, never the bytes met.
type jsonReader struct {
	r    io.Reader
	buf  []byte
	i, n int   // buf[i:n] is read and not yet consumed
	off  int64 // offset in the stream of buf[0]
	err  error // how the stream ended (io.EOF, or the read error), once it has

	depth int // arrays and objects open
	base  int // depth where the current record starts (maxDepth counts from it)

	tmp   []byte // a string unescaped
	raw   []byte // the last object key read
	key   []byte // the same, folded (nextKey)
	stack []byte // skip's closing delimiters
	sc    recordScratch
	// replaced counts the identity attributes read so far (see identity;
	// a legacy email string) that held bytes that are not UTF-8 or a lone
	// surrogate escape, which text turns into U+FFFD; textReplaced says so
	// of the last string read (text, flexStr).
	replaced     int
	textReplaced bool
}

const (
	// maxDepth is how deep arrays and objects may nest in a record (or in
	// a value of the list envelope).
	maxDepth = caps.Depth
)

// newJSONReader reads the stream r through a buffer of caps.TokenBuffer bytes.
func newJSONReader(r io.Reader) *jsonReader {
	return &jsonReader{r: r, buf: make([]byte, caps.TokenBuffer)}
}

// newJSONReaderBytes reads the whole body b, in place (it never writes to
// b): a token may be as long as the body.
func newJSONReaderBytes(b []byte) *jsonReader {
	return &jsonReader{buf: b, n: len(b), err: io.EOF}
}

// errSyntax marks a body that is not JSON.
var errSyntax = errors.New("invalid JSON")

// syntaxError is a body that is not JSON, with where.
type syntaxError struct {
	off  int64
	what string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("%v at byte %d: %s", errSyntax, e.off, e.what)
}

func (e *syntaxError) Unwrap() error { return errSyntax }

// bad is a syntax error at the current position.
func (d *jsonReader) bad(what string) error {
	return &syntaxError{off: d.off + int64(d.i), what: what}
}

// more reads more of the stream, keeping buf[keep:n] (keep ≤ i) and moving
// it to the front. It returns how far the kept bytes moved, and false once
// nothing more can be read (then d.err says why).
func (d *jsonReader) more(keep int) (int, bool) {
	if d.err != nil {
		return 0, false
	}
	shift := keep
	if keep > 0 {
		copy(d.buf, d.buf[keep:d.n])
		d.n -= keep
		d.i -= keep
		d.off += int64(keep)
	}
	if d.n == len(d.buf) {
		d.err = fmt.Errorf("%w: a string, number or blank run longer than %d bytes", errJSONBounds, len(d.buf))
		return shift, false
	}
	for range 100 {
		m, err := d.r.Read(d.buf[d.n:])
		d.n += m
		if err != nil {
			d.err = err
			return shift, m > 0
		}
		if m > 0 {
			return shift, true
		}
	}
	d.err = io.ErrNoProgress
	return shift, false
}

// ended is the error of a stream that stopped inside a value.
func (d *jsonReader) ended() error {
	if d.err == io.EOF {
		return errCutOff
	}
	return d.err
}

// errEmptyBody is the error of an answer with no body where a resource
// was wanted (an empty 201).
var errEmptyBody = fmt.Errorf("the body is empty (%w)", io.EOF)

// errCutOff is the error of a body that ends inside a JSON value: its
// sender stopped (it is io.ErrUnexpectedEOF, named for a reader).
var errCutOff = fmt.Errorf("the body ends inside a JSON value, cut off by the server or a proxy (%w)", io.ErrUnexpectedEOF)

// peek skips blanks and returns the next byte, unconsumed; false at the
// end of the stream.
func (d *jsonReader) peek() (byte, bool) {
	for {
		for d.i < d.n {
			switch c := d.buf[d.i]; c {
			case ' ', '\t', '\n', '\r':
				d.i++
			default:
				return c, true
			}
		}
		if _, ok := d.more(d.n); !ok {
			return 0, false
		}
	}
}

// next is peek inside a value: the end of the stream is an error.
func (d *jsonReader) next() (byte, error) {
	if d.i < d.n && d.buf[d.i] > ' ' { // no blank: the usual case
		return d.buf[d.i], nil
	}
	c, ok := d.peek()
	if !ok {
		return 0, d.ended()
	}
	return c, nil
}

// consume wants c next (after blanks) and consumes it.
func (d *jsonReader) consume(c byte, what string) error {
	got, err := d.next()
	if err != nil {
		return err
	}
	if got != c {
		return d.bad(what)
	}
	d.i++
	return nil
}

// open consumes the '{' or '[' at d.i.
func (d *jsonReader) open() error {
	if d.depth-d.base >= maxDepth {
		return d.bad("nested too deep")
	}
	d.depth++
	d.i++
	return nil
}

// close consumes the '}' or ']' at d.i.
func (d *jsonReader) close() {
	d.depth--
	d.i++
}

// strKind says what a string holds beyond printable ASCII (0: nothing, its
// bytes are its value).
type strKind uint8

const (
	strHigh    strKind = 1 << iota // bytes ≥ 0x80: its value if valid UTF-8
	strEscaped                     // escapes
	strUnicode                     // \u escapes
)

// str consumes the string at d.i (a '"') and returns where it is in buf,
// quotes included (valid until the next read), and what it needs.
func (d *jsonReader) str() (s, e int, kind strKind, err error) {
	s = d.i
	j := s + 1
	for {
	scan:
		for j < d.n {
			for j < d.n && plainByte[d.buf[j]] {
				j++
			}
			if j == d.n {
				break
			}
			c := d.buf[j]
			switch {
			case c == '"':
				d.i = j + 1
				return s, j + 1, kind, nil
			case c == '\\':
				if j+1 >= d.n {
					break scan
				}
				switch d.buf[j+1] {
				case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
					j += 2
				case 'u':
					if j+6 > d.n {
						break scan
					}
					kind |= strUnicode
					for _, h := range d.buf[j+2 : j+6] {
						if !isHex(h) {
							d.i = j
							return 0, 0, 0, d.bad("a bad \\u escape in a string")
						}
					}
					j += 6
				default:
					d.i = j
					return 0, 0, 0, d.bad("a bad escape in a string")
				}
				kind |= strEscaped
			case c < 0x20:
				d.i = j
				return 0, 0, 0, d.bad("a control character in a string")
			default:
				kind |= strHigh
				j++
			}
		}
		shift, ok := d.more(s)
		if !ok {
			return 0, 0, 0, d.ended()
		}
		s -= shift
		j -= shift
	}
}

// plainByte marks the bytes a string holds as they are: printable ASCII
// but the quote and the backslash.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// text consumes the string at d.i and returns its value as encoding/json
// decodes it (escapes resolved, invalid UTF-8 as U+FFFD): a slice of buf,
// valid until the next read, or of a new array.
func (d *jsonReader) text() ([]byte, error) {
	d.textReplaced = false
	s, e, kind, err := d.str()
	if err != nil {
		return nil, err
	}
	raw := d.buf[s+1 : e-1]
	switch {
	case kind == 0 || kind == strHigh && utf8.Valid(raw):
		return raw, nil
	case kind == strEscaped: // ASCII with one-letter escapes, such as W/\"1\"
		d.tmp = d.tmp[:0]
		for i := 0; i < len(raw); i++ {
			c := raw[i]
			if c == '\\' {
				i++
				switch c = raw[i]; c {
				case 'b':
					c = '\b'
				case 'f':
					c = '\f'
				case 'n':
					c = '\n'
				case 'r':
					c = '\r'
				case 't':
					c = '\t'
				}
			}
			d.tmp = append(d.tmp, c)
		}
		return d.tmp, nil
	}
	var v string // the rare case: encoding/json's own unquoting
	if err := json.Unmarshal(d.buf[s:e], &v); err != nil {
		return nil, d.bad("a string that does not unquote")
	}
	d.textReplaced = replacedFFFD(v, raw)
	return []byte(v), nil
}

// replacedFFFD reports whether unquoting raw into v made U+FFFD of what
// was no U+FFFD: bytes that are not UTF-8, or a lone surrogate escape.
func replacedFFFD(v string, raw []byte) bool {
	n := strings.Count(v, "\uFFFD")
	return n > 0 && n > writtenFFFD(raw)
}

// writtenFFFD counts the U+FFFD a JSON string's raw bytes hold themselves,
// as UTF-8 or as a \ufffd escape (any case).
func writtenFFFD(raw []byte) int {
	n := 0
	for i := 0; i < len(raw); i++ {
		switch {
		case raw[i] == '\\' && i+1 < len(raw) && raw[i+1] == 'u':
			if i+6 <= len(raw) && strings.EqualFold(string(raw[i+2:i+6]), "fffd") {
				n++
			}
			i += 5
		case raw[i] == '\\':
			i++ // a one-letter escape
		case raw[i] == 0xEF && i+2 < len(raw) && raw[i+1] == 0xBF && raw[i+2] == 0xBD:
			n++
			i += 2
		}
	}
	return n
}

// number consumes the number at d.i and returns it as written (a slice of
// buf, valid until the next read).
func (d *jsonReader) number() ([]byte, error) {
	s := d.i
	j := s
	for {
		for j < d.n && isNumByte(d.buf[j]) {
			j++
		}
		if j < d.n {
			break
		}
		shift, ok := d.more(s)
		s -= shift
		j -= shift
		if !ok {
			if d.err != io.EOF {
				return nil, d.err
			}
			break
		}
	}
	if !validNumber(d.buf[s:j]) {
		return nil, d.bad("a malformed number")
	}
	d.i = j
	return d.buf[s:j], nil
}

func isNumByte(c byte) bool {
	return '0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// validNumber reports whether b is a JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(b []byte) bool {
	digits := func(i int) int { // index past the digits from i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i
	}
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(i)
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return false
		}
		i = j
	}
	return i == len(b)
}

// literal consumes the literal at d.i, which must be lit (true, false or
// null).
func (d *jsonReader) literal(lit string) error {
	for d.n-d.i < len(lit) {
		if _, ok := d.more(d.i); !ok {
			if d.err == io.EOF && string(d.buf[d.i:d.n]) != lit[:d.n-d.i] {
				return d.bad("a malformed literal")
			}
			return d.ended()
		}
	}
	if string(d.buf[d.i:d.i+len(lit)]) != lit {
		return d.bad("a malformed literal")
	}
	d.i += len(lit)
	return nil
}

// scalar consumes the string, number or literal starting with c at d.i
// and returns its raw bytes, quotes included (valid until the next read).
func (d *jsonReader) scalar(c byte) ([]byte, error) {
	switch {
	case c == '"':
		s, e, _, err := d.str()
		if err != nil {
			return nil, err
		}
		return d.buf[s:e], nil
	case c == 't':
		return []byte("true"), d.literal("true")
	case c == 'f':
		return []byte("false"), d.literal("false")
	case c == 'n':
		return []byte("null"), d.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	}
	return nil, d.bad("want a value")
}
