package scim

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/wbsync/wbsync/pkg/caps"
)

// Bounds of one list body's JSON, checked on the raw bytes before the
// decoder buffers them: the decoder holds a whole record (or scalar) at
// once, so without these one endless string or record would grow its buffer
// to the body cap and past it.
const (
	// maxRecord is the largest value nested two levels in (a record of
	// Resources).
	maxRecord = caps.Record
)

// errJSONBounds marks a body that broke caps.Token or maxRecord.
var errJSONBounds = errors.New("the body breaks wbsync's JSON bounds")

// jsonGuard passes a JSON stream through and fails it, before the decoder
// buffers it, when a token is longer than caps.Token or a value nested below
// the top two levels is larger than maxRecord. It tracks strings and
// nesting only; the decoder checks everything else.
type jsonGuard struct {
	r             io.Reader
	token, record int // the bounds: caps.Token and maxRecord

	run   int // bytes since the last structural character outside a string
	depth int
	inRec int // bytes of the current value at depth 3 and below
	inStr bool
	esc   bool
}

func newJSONGuard(r io.Reader) *jsonGuard {
	return &jsonGuard{r: r, token: caps.Token, record: maxRecord}
}

func (g *jsonGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for i := 0; i < n; {
		if c := p[i]; !g.inStr && g.depth >= 3 && structural[c] {
			// A structural byte inside a record, as step takes it: the
			// record goes on (its closing bracket counts in it).
			g.run++
			switch c {
			case '"':
				g.inStr = true
			case '{', '[':
				g.depth++
				g.run = 0
			case '}', ']':
				g.depth--
				g.run = 0
			default:
				g.run = 0
			}
			g.inRec++
			switch {
			case g.run > g.token:
				return i, g.tokenErr()
			case g.inRec > g.record:
				return i, g.recordErr()
			}
			i++
			continue
		}
		m, closed := 0, false
		switch {
		case g.inStr && g.depth >= 3:
			// Inside a record's string every byte counts alike: the run
			// to the closing quote at once.
			m, closed = g.stringEnd(p[i:n])
		case !g.inStr:
			// A run of blanks, digits and letters between structural
			// characters: at once too.
			for m < n-i && !structural[p[i+m]] {
				m++
			}
		}
		if m == 0 {
			if e := g.step(p[i]); e != nil {
				return i, e
			}
			i++
			continue
		}
		if k, e := g.count(m); e != nil {
			return i + k, e
		}
		i += m
		g.inStr = g.inStr && !closed
	}
	return n, err
}

// structural marks the bytes that change the guard's state outside a
// string.
var structural = func() (t [256]bool) {
	for _, c := range []byte(`"{}[],:`) {
		t[c] = true
	}
	return t
}()

// step passes one byte.
func (g *jsonGuard) step(c byte) error {
	g.run++
	switch {
	case g.inStr:
		switch {
		case g.esc:
			g.esc = false
		case c == '\\':
			g.esc = true
		case c == '"':
			g.inStr = false
		}
	case c == '"':
		g.inStr = true
	case c == '{' || c == '[':
		g.depth++
		g.run = 0
	case c == '}' || c == ']':
		g.depth--
		g.run = 0
	case c == ',' || c == ':':
		g.run = 0
	}
	if g.depth >= 3 || (g.depth == 2 && (c == '}' || c == ']')) {
		g.inRec++
	} else {
		g.inRec = 0
	}
	switch {
	case g.run > g.token:
		return g.tokenErr()
	case g.inRec > g.record:
		return g.recordErr()
	}
	return nil
}

// count passes m bytes that change no state (inside a string at depth 3
// or more, or between structural characters); past a bound, it returns the
// offset of the byte that broke it.
func (g *jsonGuard) count(m int) (int, error) {
	run, rec := g.run, g.inRec
	if g.depth < 3 { // outside records
		rec = -m
	}
	g.run, g.inRec = run+m, rec+m
	switch tok, big := g.token-run, g.record-rec; {
	case g.run > g.token && (g.inRec <= g.record || tok <= big):
		return tok, g.tokenErr()
	case g.inRec > g.record:
		return big, g.recordErr()
	}
	return 0, nil
}

// stringEnd returns how many bytes of b the current string takes, its
// closing quote included, and whether that quote is in b. It skips escaped
// bytes, carrying an escape cut at the end of b to the next call, and looks
// at each byte a bounded number of times whatever the backslashes.
func (g *jsonGuard) stringEnd(b []byte) (int, bool) {
	j := 0
	if g.esc {
		if len(b) == 0 {
			return 0, false
		}
		g.esc, j = false, 1
	}
	// Most strings are short and plain: a byte loop first.
	for short := min(len(b), j+32); j < short && b[j] != '\\'; j++ {
		if b[j] == '"' {
			return j + 1, true
		}
	}
	for {
		q := -1 // the next quote, perhaps escaped
		if k := bytes.IndexByte(b[j:], '"'); k >= 0 {
			q = j + k
		}
		for {
			end := len(b)
			if q >= 0 {
				end = q
			}
			k := bytes.IndexByte(b[j:end], '\\')
			if k < 0 {
				if q < 0 {
					return len(b), false
				}
				return q + 1, true
			}
			j += k + 1 // past the backslash
			if j == len(b) {
				g.esc = true
				return len(b), false
			}
			j++ // past the escaped byte
			if q >= 0 && j > q {
				break // that quote was escaped: find the next
			}
		}
	}
}

func (g *jsonGuard) tokenErr() error {
	return fmt.Errorf("%w: a string, number or blank run longer than %d bytes", errJSONBounds, g.token)
}

func (g *jsonGuard) recordErr() error {
	return fmt.Errorf("%w: a record larger than %d bytes", errJSONBounds, g.record)
}
