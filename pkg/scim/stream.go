package scim

import (
	"bytes"
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
const shownID = caps.ShownID

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

// errErrorList is a list answer whose top-level schemas name a SCIM error
// message: a failed read, never an empty list.
var errErrorList = errors.New("the answer is a SCIM error message, not a list (a success status with an error body)")

// schemaList is the schema of a SCIM list response (RFC 7644, 3.4.2).
const schemaList = "urn:ietf:params:scim:api:messages:2.0:ListResponse"

// listSchemas is what a list answer's top-level schemas name.
type listSchemas struct {
	isErr bool   // the SCIM error message schema
	list  bool   // the list response schema (compared ignoring case)
	other string // the first other schema named, "" for none (an empty string names none)
}

// readSchemas reads a schemas value: an array of strings, or one string
// alone, read as an array of it (other values are skipped).
func (d *jsonReader) readSchemas() (listSchemas, error) {
	var s listSchemas
	c, err := d.next()
	if err != nil {
		return s, err
	}
	if c == '"' {
		b, err := d.text()
		if err != nil {
			return s, err
		}
		s.add(b)
		return s, nil
	}
	if c != '[' {
		return s, d.skip()
	}
	if err := d.open(); err != nil {
		return s, err
	}
	first := true
	for {
		ok, err := d.nextElem(&first)
		if err != nil || !ok {
			return s, err
		}
		if c, err = d.next(); err != nil {
			return s, err
		}
		if c != '"' {
			if err := d.skip(); err != nil {
				return s, err
			}
			continue
		}
		b, err := d.text()
		if err != nil {
			return s, err
		}
		s.add(b)
	}
}

// add notes one schema name.
func (s *listSchemas) add(b []byte) {
	switch {
	case string(b) == schemaError:
		s.isErr = true
	case strings.EqualFold(string(b), schemaList):
		s.list = true
	case s.other == "" && len(bytes.TrimSpace(b)) > 0:
		s.other = string(b)
	}
}

// errNotList wraps what fails before the envelope is an object.
var errNotList = errors.New("the body is not a SCIM list response")

// decodeListSized reads one ListResponse from r, resource by resource:
// nothing of the body is kept but the decoded records, and nothing is
// allocated from a number the server claims. A malformed record fails the
// whole page, named by its position (start-based) and id. At most limit
// resources are decoded (fewer once totalResults says so: no more than
// totalResults-(start-1)); past that the page is returned with more set.
// totalResults is required and refused above caps.TotalResults; keys are
// matched case-insensitively and may not repeat. It expects about size
// resources (what an earlier page of the list held, never a number the
// server claims): a page as large fills one slice made for it at once.
func decodeListSized[T any](r io.Reader, red *sanitize.Redactor, noun string, start, limit, size int,
	rec func(*jsonReader) (T, string, error)) (listPage[T], error) {

	var p listPage[T]
	d := newJSONReader(r)
	if c, ok := d.peek(); !ok {
		if d.err == io.EOF {
			return p, fmt.Errorf("%w: %w", errNotList, errEmptyBody)
		}
		return p, fmt.Errorf("%w: %w", errNotList, d.err)
	} else if c != '{' {
		if _, err := d.scalar(c); err != nil && c != '[' {
			return p, fmt.Errorf("%w: %w", errNotList, err)
		}
		return p, fmt.Errorf("%w: want '{'", errNotList)
	}
	if err := d.open(); err != nil {
		return p, err
	}
	hasTotal := false
	seen := map[string]bool{}
	first := true
	for {
		key, ok, err := d.member(&first)
		if err != nil {
			return p, err
		}
		if !ok {
			break
		}
		k := strings.ToLower(string(key))
		switch k {
		case "totalresults", "itemsperpage", "startindex", "resources":
			if seen[k] {
				return p, fmt.Errorf("the list response has %s twice", k)
			}
			seen[k] = true
		}
		switch k {
		case "schemas":
			s, err := d.readSchemas()
			switch {
			case err != nil:
				return p, err
			case s.isErr:
				return p, errErrorList
			case s.other != "" && !s.list && noun != "role":
				// A single resource or a PatchOp, answered for a list
				// (totalResults 0 would read as an empty organization).
				// W&B's /Roles writes schemas [""], and what else it may
				// name there is not known: not checked.
				return p, fmt.Errorf("%w: its schemas name %q, not %s", errNotList, sanitize.Server(red, s.other, shownID), schemaList)
			}
		case "totalresults":
			n, err := d.count()
			if err != nil {
				return p, fmt.Errorf("totalResults: %w", err)
			}
			if n > caps.TotalResults {
				return p, fmt.Errorf("totalResults %d is beyond what wbsync reads (%d): no organization holds that many; is --url the SCIM endpoint of the organization (wbsync doctor checks it)?", n, caps.TotalResults)
			}
			p.total, hasTotal = n, true
			limit = min(limit, max(p.total-(start-1), 0))
		case "itemsperpage":
			n, err := d.count()
			var se *syntaxError
			switch {
			case err == nil: // informative only
				p.itemsPerPage, p.hasItems = n, true
			case errors.As(err, &se) || errors.Is(err, d.err):
				return p, err
			}
		case "resources":
			if err := p.resources(d, red, noun, start, limit, size, hasTotal, rec); err != nil || (p.more && hasTotal) {
				return p, err // past totalResults, known: nothing more to learn from the body
			}
		default:
			if err := d.skip(); err != nil {
				return p, err
			}
		}
	}
	if err := d.end("data after the list response"); err != nil {
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

// count reads a non-negative integer: a JSON number or a numeric string
// (blanks around).
func (d *jsonReader) count() (int, error) {
	c, err := d.next()
	if err != nil {
		return 0, err
	}
	var b []byte
	switch {
	case c == '{' || c == '[':
		if err := d.skip(); err != nil {
			return 0, err
		}
	case c == '"':
		if b, err = d.text(); err != nil {
			return 0, err
		}
		b = bytes.TrimSpace(b)
	default:
		if b, err = d.scalar(c); err != nil {
			return 0, err
		}
	}
	n, ok := atoi(b)
	if !ok {
		return 0, errors.New("want a non-negative integer")
	}
	return n, nil
}

// resources decodes the Resources array (or null) into p.items, up to limit
// of them, and sets more if there are others. Past the limit it stops when
// the limit came from totalResults (hasTotal); otherwise it skips the rest
// undecoded, to read the totalResults that follows.
func (p *listPage[T]) resources(d *jsonReader, red *sanitize.Redactor, noun string, start, limit, size int,
	hasTotal bool, rec func(*jsonReader) (T, string, error)) error {

	c, err := d.next()
	switch {
	case err != nil:
		return err
	case c == 'n':
		return d.literal("null")
	case c != '[':
		if c != '{' {
			if _, err := d.scalar(c); err != nil {
				return err
			}
		}
		return errors.New("the list's Resources: want an array")
	}
	if err := d.open(); err != nil {
		return err
	}
	var got pile[T]
	if size = min(size, limit); size > 0 {
		got.cur = make([]T, 0, size)
	}
	defer func() { p.items = got.slice() }()
	for first := true; ; first = false {
		c, err := d.next()
		switch {
		case err != nil:
			return err
		case c == ']':
			d.close()
			return nil
		case c == '}':
			return d.bad("want a value or the end of an array")
		}
		if got.n >= limit { // another resource follows, whatever it holds
			p.more = true
			if hasTotal {
				return nil
			}
		}
		if !first {
			if c != ',' {
				err := d.bad("want a comma or the end of an array")
				if !p.more { // where a record was expected: that record is malformed
					err = &recordError{noun: noun, pos: start + got.n, err: err}
				}
				return err
			}
			d.i++
		}
		if p.more {
			if err := d.skip(); err != nil {
				return err
			}
			continue
		}
		v, id, err := rec(d)
		if err != nil {
			re := &recordError{noun: noun, pos: start + got.n, err: err}
			if !blank(id) {
				re.id = sanitize.Server(red, id, shownID)
			}
			return re
		}
		got.add(v)
	}
}

// pile gathers a page's records in blocks, then copies them once into a
// slice of their number: no slice regrown (and copied) record after record.
// A first block made for the page's size is the page's slice itself, when
// about that many came.
type pile[T any] struct {
	full [][]T
	cur  []T
	n    int
}

func (p *pile[T]) add(v T) {
	if len(p.cur) == cap(p.cur) {
		if p.cur != nil {
			p.full = append(p.full, p.cur)
		}
		p.cur = make([]T, 0, min(max(2*cap(p.cur), 16), 1024))
	}
	p.cur = append(p.cur, v)
	p.n++
}

// slice returns the records in order (nil if none).
func (p *pile[T]) slice() []T {
	if len(p.full) == 0 && cap(p.cur)-len(p.cur) <= len(p.cur)/8 {
		return p.cur
	}
	out := make([]T, 0, p.n)
	for _, b := range p.full {
		out = append(out, b...)
	}
	return append(out, p.cur...)
}
