package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// listPage is one decoded list response.
type listPage[T any] struct {
	total        int
	itemsPerPage int
	hasItems     bool
	items        []T
	// more: Resources held more resources than the limit; the rest was not
	// decoded.
	more bool
}

// shownID is how many characters of a server-supplied id a message quotes
// (after redaction).
const shownID = 64

// recordError names a malformed record by its position in the collection
// (startIndex-based) and its id.
type recordError struct {
	noun string // "user", "group", "role"
	pos  int
	id   string // redacted, escaped and cut
	err  error
}

func (e *recordError) Error() string {
	s := fmt.Sprintf("the %s at position %d", e.noun, e.pos)
	if e.id != "" {
		s += " (id " + e.id + ")"
	}
	return s + ": " + e.err.Error()
}

func (e *recordError) Unwrap() error { return e.err }

// errNotList wraps what fails before the envelope is an object.
var errNotList = errors.New("the body is not a SCIM list response")

// decodeList reads one ListResponse from r, resource by resource: nothing of
// the body is kept but the decoded records, and nothing is allocated from a
// number the server claims. A malformed record fails the whole page, named
// by its position (start-based) and id. At most limit resources are decoded
// (fewer once totalResults says so: no more than totalResults-(start-1));
// past that the page is returned with more set. totalResults is required
// and refused above caps.TotalResults; keys are matched case-insensitively
// and may not repeat.
func decodeList[T any](r io.Reader, red *sanitize.Redactor, noun string, start, limit int,
	rec func(*json.Decoder) (T, string, error)) (listPage[T], error) {

	var p listPage[T]
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return p, fmt.Errorf("%w: %w", errNotList, err)
	}
	hasTotal := false
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return p, err
		}
		key, _ := tok.(string)
		k := strings.ToLower(key)
		switch k {
		case "totalresults", "itemsperpage", "startindex", "resources":
			if seen[k] {
				return p, fmt.Errorf("the list response has %s twice", k)
			}
			seen[k] = true
		}
		switch k {
		case "totalresults":
			var n flexInt
			if err := dec.Decode(&n); err != nil {
				return p, fmt.Errorf("totalResults: %w", err)
			}
			if n > caps.TotalResults {
				return p, fmt.Errorf("totalResults %d is beyond what wbsync reads (%d)", n, caps.TotalResults)
			}
			p.total, hasTotal = int(n), true
			limit = min(limit, max(p.total-(start-1), 0))
		case "itemsperpage":
			var n flexInt
			if dec.Decode(&n) == nil { // informative only
				p.itemsPerPage, p.hasItems = int(n), true
			}
		case "resources":
			if err := p.resources(dec, red, noun, start, limit, hasTotal, rec); err != nil || (p.more && hasTotal) {
				return p, err // past totalResults, known: nothing more to learn from the body
			}
		default:
			if err := skipValue(dec); err != nil {
				return p, err
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return p, err
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("data after the list response")
		}
		return p, err
	}
	if !hasTotal {
		return p, errors.New("list response without totalResults")
	}
	if len(p.items) > max(p.total-(start-1), 0) { // Resources came before totalResults
		p.more = true
		p.items = p.items[:max(p.total-(start-1), 0)]
	}
	return p, nil
}

// resources decodes the Resources array (or null) into p.items, up to limit
// of them, and sets more if there are others. Past the limit it stops when
// the limit came from totalResults (hasTotal); otherwise it skips the rest
// undecoded, to read the totalResults that follows.
func (p *listPage[T]) resources(dec *json.Decoder, red *sanitize.Redactor, noun string, start, limit int,
	hasTotal bool, rec func(*json.Decoder) (T, string, error)) error {

	tok, err := dec.Token()
	switch {
	case err != nil:
		return err
	case tok == nil:
		return nil
	case tok != json.Delim('['):
		return errors.New("want Resources to be an array")
	}
	for dec.More() {
		if len(p.items) >= limit {
			p.more = true
			if hasTotal {
				return nil
			}
			if err := skipValue(dec); err != nil {
				return err
			}
			continue
		}
		v, id, err := rec(dec)
		if err != nil {
			re := &recordError{noun: noun, pos: start + len(p.items), err: err}
			if !blank(id) {
				re.id = sanitize.Server(red, id, shownID)
			}
			return re
		}
		p.items = append(p.items, v)
	}
	return expectDelim(dec, ']')
}

// expectDelim reads the next token and wants it to be d.
func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("want %q", d)
	}
	return nil
}

// skipValue reads past one value token by token, so that a large array or
// object is never held whole.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}
