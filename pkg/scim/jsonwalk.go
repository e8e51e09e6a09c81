package scim

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Walking JSON structure with a jsonReader: object members, array
// elements, whole values skipped.

// member walks an object's members: after open, call member(&first)
// until it reports false (the closing '}' consumed); each time it reports
// true, it returns the member's key, unquoted, with the ':' consumed and
// the reader at the value.
func (d *jsonReader) member(first *bool) ([]byte, bool, error) {
	k, ok, err := d.keyOf(first)
	if err != nil || !ok {
		return nil, false, err
	}
	d.raw = append(d.raw[:0], k...) // reading the colon may move buf
	return d.raw, true, d.consume(':', "want a colon after an object key")
}

// nextKey is member for the record decoders: d.key holds the key folded
// as encoding/json folds keys to match them to fields.
func (d *jsonReader) nextKey(first *bool) (bool, error) {
	k, ok, err := d.keyOf(first)
	if err != nil || !ok {
		return false, err
	}
	d.key = foldKey(d.key[:0], k)
	return true, d.consume(':', "want a colon after an object key")
}

// keyOf reads up to the next key of an object and returns it unquoted
// (valid until the next read), or false at the object's end.
func (d *jsonReader) keyOf(first *bool) ([]byte, bool, error) {
	c, err := d.next()
	if err != nil {
		return nil, false, err
	}
	switch {
	case c == '}' && *first:
		d.close()
		return nil, false, nil
	case *first:
	case c == ',':
		d.i++
		if c, err = d.next(); err != nil {
			return nil, false, err
		}
	case c == '}':
		d.close()
		return nil, false, nil
	default:
		return nil, false, d.bad("want a comma or the end of an object")
	}
	*first = false
	if c != '"' {
		return nil, false, d.bad("want an object key")
	}
	k, err := d.text()
	return k, err == nil, err
}

// nextElem walks an array's elements: after open, call nextElem(&first)
// until it reports false (the closing ']' consumed); each time it returns
// true, the reader is at the element.
func (d *jsonReader) nextElem(first *bool) (bool, error) {
	c, err := d.next()
	if err != nil {
		return false, err
	}
	switch {
	case c == ']':
		d.close()
		return false, nil
	case *first:
	case c == ',':
		d.i++
		if c, err = d.next(); err != nil {
			return false, err
		}
		if c == ']' {
			return false, d.bad("want a value after a comma")
		}
	default:
		return false, d.bad("want a comma or the end of an array")
	}
	*first = false
	return true, nil
}

// foldKey appends k folded as encoding/json folds object keys to match
// them to fields (ASCII upper-cased, other letters to the smallest rune of
// their fold set), so that keys match exactly where encoding/json's did.
func foldKey(dst, k []byte) []byte {
	for i := 0; i < len(k); {
		if c := k[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(k[i:])
		dst = utf8.AppendRune(dst, foldRune(r))
		i += n
	}
	return dst
}

// foldRune returns the smallest rune of r's fold set.
func foldRune(r rune) rune {
	for {
		r2 := unicode.SimpleFold(r)
		if r2 <= r {
			return r2
		}
		r = r2
	}
}

// skip consumes one value of any kind, checking its syntax, without
// keeping any of it.
func (d *jsonReader) skip() error {
	stack := d.stack[:0]
	defer func() { d.stack = stack[:0] }()
	for {
		// A value.
		c, err := d.next()
		if err != nil {
			return err
		}
		switch c {
		case '{', '[':
			if err := d.open(); err != nil {
				return err
			}
			end := byte('}')
			if c == '[' {
				end = ']'
			}
			stack = append(stack, end)
			if c2, err := d.next(); err != nil {
				return err
			} else if c2 == end {
				d.close()
				stack = stack[:len(stack)-1]
				break
			}
			if c == '{' {
				if err := d.skipKey(); err != nil {
					return err
				}
			}
			continue
		default:
			if _, err := d.scalar(c); err != nil {
				return err
			}
		}
		// After a value: a comma (then, in an object, a key) or the end of
		// the containers it closes.
		for {
			if len(stack) == 0 {
				return nil
			}
			c, err := d.next()
			if err != nil {
				return err
			}
			end := stack[len(stack)-1]
			if c == end {
				d.close()
				stack = stack[:len(stack)-1]
				continue
			}
			if c != ',' {
				return d.bad("want a comma or the end of an array or object")
			}
			d.i++
			if end == '}' {
				if err := d.skipKey(); err != nil {
					return err
				}
			}
			break
		}
	}
}

// skipKey consumes an object key and its colon.
func (d *jsonReader) skipKey() error {
	c, err := d.next()
	if err != nil {
		return err
	}
	if c != '"' {
		return d.bad("want an object key")
	}
	if _, _, _, err := d.str(); err != nil {
		return err
	}
	return d.consume(':', "want a colon after an object key")
}

// end checks that nothing but blanks follows the value read.
func (d *jsonReader) end(what string) error {
	if c, ok := d.peek(); ok {
		if strings.IndexByte(`{["tfn-0123456789`, c) < 0 {
			return d.bad("want the end of the body")
		}
		return errors.New(what)
	}
	if d.err != io.EOF {
		return d.err
	}
	return nil
}

// wrongType is the error of a value of the wrong kind starting with c (a
// syntax error if the value is malformed): "want WANT, got KIND".
func (d *jsonReader) wrongType(want string, c byte) error {
	if err := d.skip(); err != nil {
		return err
	}
	return fmt.Errorf("want %s, got %s", want, kindAt(c))
}

// kindAt names the JSON kind of the value starting with c, for messages.
func kindAt(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// atoi is strconv.Atoi over bytes, for a non-negative count.
func atoi(b []byte) (int, bool) {
	n, err := strconv.Atoi(string(b))
	return n, err == nil && n >= 0
}
