package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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

// JSONList is a top-level list that StreamJSON writes element by element:
// the function that writes its elements in place of the empty list under
// its key in the document's encoding (ListOf makes one).
type JSONList struct {
	stream func(cw *chunkWriter, doc []byte) ([]byte, error)
}

// ListOf is the top-level list key of a document, holding list.
func ListOf[E any](key string, list []E) JSONList {
	return JSONList{stream: func(cw *chunkWriter, doc []byte) ([]byte, error) { return streamList(cw, doc, key, list) }}
}

// StreamJSON writes head, a value whose top-level lists named by lists
// are empty, as indented JSON with a trailing newline, with those lists'
// elements written in their place one by one (lists in the order their
// keys come in head's encoding): the bytes of encoding/json's indented
// encoding of the whole document, HTML characters left as they are,
// without holding it in memory.
func StreamJSON(w io.Writer, head any, lists ...JSONList) error {
	var b bytes.Buffer
	if err := encodeIndented(&b, head, ""); err != nil {
		return err
	}
	doc := b.Bytes()
	cw := &chunkWriter{w: w}
	for _, l := range lists {
		var err error
		if doc, err = l.stream(cw, doc); err != nil {
			return err
		}
	}
	cw.buf.Write(doc)
	return cw.flush()
}

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

// streamList writes doc up to the top-level key's empty list, then the
// list's elements, indented as encoding/json indents them inside a
// top-level key, and returns the rest of doc (from the closing bracket).
func streamList[E any](cw *chunkWriter, doc []byte, key string, list []E) ([]byte, error) {
	// Top-level keys are indented by two spaces, nested ones by more, and
	// a quote inside a string is escaped: the marker occurs once.
	marker := []byte("\n  \"" + key + "\": [")
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
	enc := json.NewEncoder(&elem) // one for the list: it keeps its buffers
	enc.SetIndent("    ", "  ")
	enc.SetEscapeHTML(false)
	for j := range list {
		elem.Reset()
		elem.WriteString("\n    ")
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
	if err := cw.piece([]byte("\n  ")); err != nil {
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
