package plan

import (
	"encoding/json"
	"io"
)

// WriteJSON writes the plan as indented JSON (README "The plan") with a trailing
// newline. Empty lists are written as [], never null.
func (p Plan) WriteJSON(w io.Writer) error {
	p = p.Normalized()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(p)
}
