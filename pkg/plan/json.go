package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteJSON writes the plan as indented JSON (README "The plan") with a trailing
// newline. Empty lists are written as [], never null.
//
// The changes and warnings, which may number a million, are written one by
// one, in chunks of about chunkSize bytes, rather than marshalled into one
// document first: the bytes are those of encoding/json's indented encoding
// of the whole plan, without holding it (and its indented and escaped
// copies) in memory. Each write ends between tokens (after an element, a
// list's opening bracket or the whitespace before its closing one), so
// that a writer that escapes what it is given (sanitize.JSONWriter) never
// sees a string or a character cut in two.
func (p Plan) WriteJSON(w io.Writer) error {
	p = p.Normalized()
	changes, warnings := p.Changes, p.Warnings
	p.Changes, p.Warnings = []Change{}, []Warning{}
	return StreamJSON(w, p, ListOf("changes", changes), ListOf("warnings", warnings))
}

// JSONList is a list that StreamJSON writes element by element: the
// function that writes its elements in place of the empty list at its
// path in the document's encoding (ListOf and ListAt make one).
type JSONList struct {
	path   []string // the object keys leading to the list, then its own key
	stream func(cw *chunkWriter, doc []byte, depth int) ([]byte, error)
}

// ListOf is the top-level list key of a document, holding list.
func ListOf[E any](key string, list []E) JSONList { return ListAt(list, key) }

// ListAt is the list at path (object keys, the list's own last) of a
// document, holding list: ListAt(users, "desired", "state", "users").
func ListAt[E any](list []E, path ...string) JSONList {
	return JSONList{path: path, stream: func(cw *chunkWriter, doc []byte, depth int) ([]byte, error) {
		return streamList(cw, doc, depth, path[len(path)-1], list)
	}}
}

// StreamJSON writes head, a value whose lists named by lists are empty,
// as indented JSON with a trailing newline, with those lists' elements
// written in their place one by one (lists in the order they come in
// head's encoding): the bytes of encoding/json's indented encoding of the
// whole document, HTML characters left as they are, without holding it in
// memory.
func StreamJSON(w io.Writer, head any, lists ...JSONList) error {
	var b bytes.Buffer
	if err := encodeIndented(&b, head, ""); err != nil {
		return err
	}
	doc := b.Bytes()
	cw := &chunkWriter{w: w}
	var in []string // the objects the previous list lies in, entered already
	for _, l := range lists {
		outer := l.path[:len(l.path)-1]
		same := 0
		for same < len(in) && same < len(outer) && in[same] == outer[same] {
			same++
		}
		// Find the objects still to enter, each after the one before
		// (only their offsets: what precedes the list is written with it).
		at := 0
		for d := same; d < len(outer); d++ {
			marker := []byte("\n" + indent(d+1) + "\"" + outer[d] + "\": {")
			i := bytes.Index(doc[at:], marker)
			if i < 0 {
				return fmt.Errorf("JSON: no object %s to fill", strings.Join(outer[:d+1], "."))
			}
			at += i + len(marker)
		}
		in = outer
		if err := cw.piece(doc[:at]); err != nil {
			return err
		}
		var err error
		if doc, err = l.stream(cw, doc[at:], len(l.path)); err != nil {
			return err
		}
	}
	cw.buf.Write(doc)
	return cw.flush()
}

// indent is the indentation of a key at depth (1: top-level).
func indent(depth int) string { return strings.Repeat("  ", depth) }

// chunkSize is about how many bytes WriteJSON hands its writer at once.
const chunkSize = 64 << 10

// chunkWriter gathers whole pieces of the document and writes them once
// they pass chunkSize.
type chunkWriter struct {
	w   io.Writer
	buf bytes.Buffer
}

func (c *chunkWriter) piece(b []byte) error {
	c.buf.Write(b)
	if c.buf.Len() >= chunkSize {
		return c.flush()
	}
	return nil
}

func (c *chunkWriter) flush() error {
	_, err := c.w.Write(c.buf.Bytes())
	c.buf.Reset()
	return err
}

// streamList writes doc up to the empty list of key at depth (1:
// top-level), then the list's elements, indented as encoding/json indents
// them there, and returns the rest of doc (from the closing bracket).
func streamList[E any](cw *chunkWriter, doc []byte, depth int, key string, list []E) ([]byte, error) {
	// A key at depth is indented by two spaces per level after a newline,
	// a newline inside a string is escaped, and doc begins inside the
	// object that holds the list: the first marker is the list's.
	marker := []byte("\n" + indent(depth) + "\"" + key + "\": [")
	i := bytes.Index(doc, marker)
	if i < 0 || !bytes.HasPrefix(doc[i+len(marker):], []byte("]")) {
		return nil, fmt.Errorf("JSON: no empty %s list to fill", key)
	}
	if err := cw.piece(doc[:i+len(marker)]); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return doc[i+len(marker):], nil
	}
	var elem bytes.Buffer
	in := indent(depth + 1)
	enc := json.NewEncoder(&elem) // one for the list: it keeps its buffers
	enc.SetIndent(in, "  ")
	enc.SetEscapeHTML(false)
	for j := range list {
		elem.Reset()
		elem.WriteString("\n" + in)
		if err := enc.Encode(list[j]); err != nil {
			return nil, err
		}
		elem.Truncate(elem.Len() - 1) // the encoder's newline
		if j < len(list)-1 {
			elem.WriteByte(',')
		}
		if err := cw.piece(elem.Bytes()); err != nil {
			return nil, err
		}
	}
	if err := cw.piece([]byte("\n" + indent(depth))); err != nil {
		return nil, err
	}
	return doc[i+len(marker):], nil
}

// encodeIndented appends v, indented by two spaces per level after prefix,
// HTML characters left as they are, and a newline.
func encodeIndented(b *bytes.Buffer, v any, prefix string) error {
	enc := json.NewEncoder(b)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
