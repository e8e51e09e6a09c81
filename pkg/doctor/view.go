package doctor

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"github.com/wbsync/wbsync/pkg/sanitize"
)

// WriteJSON writes the report as indented JSON with a trailing newline:
// {"ok": ..., "checks": [{"name", "status", "detail"}, ...]}.
func (r Report) WriteJSON(w io.Writer) error {
	if r.Checks == nil {
		r.Checks = []Check{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteText writes the report as a table, one row per check (ok, WARN or
// FAIL, the name, the detail), then "Doctor: N ok, N warnings, N failed."
// ("1 warning" for one).
func (r Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, c := range r.Checks {
		fmt.Fprintf(bw, "%-4s  %-16s  %s\n", label(c.Status), c.Name, sanitize.Controls(c.Detail))
	}
	ok, warn, fail := r.Counts()
	fmt.Fprintf(bw, "Doctor: %d ok, %d %s, %d failed.\n", ok, warn, plural(warn, "warning"), fail)
	return bw.Flush()
}

func label(s Status) string {
	switch s {
	case OK:
		return "ok"
	case Warn:
		return "WARN"
	}
	return "FAIL"
}
