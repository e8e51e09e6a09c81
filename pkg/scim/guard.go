package scim

import (
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
	// maxToken is the longest run of bytes between two structural
	// characters: a string of caps.Field characters, each escaped as
	// \uXXXX, with its quotes and some blanks.
	maxToken = 6*caps.Field + 64
	// maxRecord is the largest value nested two levels in (a record of
	// Resources): room for a team of about 200,000 members.
	maxRecord = 16 << 20
)

// errJSONBounds marks a body that broke maxToken or maxRecord.
var errJSONBounds = errors.New("the body breaks wbsync's JSON bounds")

// jsonGuard passes a JSON stream through and fails it, before the decoder
// buffers it, when a token is longer than maxToken or a value nested below
// the top two levels is larger than maxRecord. It tracks strings and
// nesting only; the decoder checks everything else.
type jsonGuard struct {
	r             io.Reader
	token, record int // the bounds: maxToken and maxRecord

	run   int // bytes since the last structural character outside a string
	depth int
	inRec int // bytes of the current value at depth 3 and below
	inStr bool
	esc   bool
}

func newJSONGuard(r io.Reader) *jsonGuard {
	return &jsonGuard{r: r, token: maxToken, record: maxRecord}
}

func (g *jsonGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for i, c := range p[:n] {
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
			return i, fmt.Errorf("%w: a string, number or blank run longer than %d bytes", errJSONBounds, g.token)
		case g.inRec > g.record:
			return i, fmt.Errorf("%w: a record larger than %d bytes", errJSONBounds, g.record)
		}
	}
	return n, err
}
