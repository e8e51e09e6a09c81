package desired

import (
	"bytes"
	"fmt"

	"github.com/wbsync/wbsync/pkg/model"
)

// embedded names the manifest Verify writes, in the problems it reports.
const embedded = "embedded manifest"

// Verify reports whether st and pol are what a manifest loads to, as a
// saved plan must carry them: it writes them as a manifest (Encode) and
// loads that back (Parse), so that every rule Parse enforces applies to a
// manifest that arrives already loaded, and a value Parse would refuse,
// or anything Encode cannot write, is an error rather than applied.
func Verify(st model.State, pol model.Policy) error {
	var buf bytes.Buffer
	if _, err := Encode(&buf, st, EncodeOptions{Policy: &pol}); err != nil {
		return err
	}
	m, err := Parse([]Source{{Name: embedded, Data: buf.Bytes()}})
	if err != nil {
		return err
	}
	if model.Digest(m.State, m.Policy) != model.Digest(st, pol) {
		return fmt.Errorf("%s: it holds what a manifest cannot declare (a member who is no declared user, a user or team written twice, or a value out of its form)", embedded)
	}
	return nil
}
