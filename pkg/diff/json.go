package diff

import (
	"encoding/json"
	"io"
)

// WriteJSON writes the plan as indented JSON (SPEC §4) with a trailing
// newline. Empty lists are written as [], never null.
func (p Plan) WriteJSON(w io.Writer) error {
	if p.Changes == nil {
		p.Changes = []Change{}
	}
	if p.Warnings == nil {
		p.Warnings = []Warning{}
	}
	if p.Blocked == nil {
		p.Blocked = []Block{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(p)
}
