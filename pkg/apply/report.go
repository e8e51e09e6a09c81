package apply

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/wbsync/wbsync/pkg/plan"
)

// Statuses of a Result.
const (
	StatusOK      = "ok"
	StatusFailed  = "failed"
	StatusSkipped = "skipped"
)

// Result is the outcome of one change of the plan.
type Result struct {
	Action plan.Action `json:"action"`
	Team   string      `json:"team,omitempty"`
	User   string      `json:"user,omitempty"`
	// UserID and TeamID are the SCIM ids the operation used or created
	// (empty when unknown, such as after a failed create).
	UserID string `json:"user_id,omitempty"`
	TeamID string `json:"team_id,omitempty"`
	// Status is StatusOK, StatusFailed or StatusSkipped.
	Status string `json:"status"`
	// HTTPStatus and Detail come from the last failed request's StatusError.
	HTTPStatus int    `json:"http_status,omitempty"`
	Detail     string `json:"detail,omitempty"`
	// Error says why the operation failed (a failed operation whose
	// Requests is 0 was not sent: something it depends on was not done).
	Error string `json:"error,omitempty"`
	// Reason says why the operation was skipped.
	Reason string `json:"reason,omitempty"`
	// DurationMS is the time spent in the requests that carried it.
	DurationMS int64 `json:"duration_ms"`
	// Requests is how many write requests carried this change (an add
	// batched with others counts each shared request once for each member).
	Requests int `json:"requests"`
}

// Report is the outcome of a Run: one Result per change, in apply order.
type Report struct {
	Results []Result `json:"operations"`
	OK      int      `json:"ok"`
	Failed  int      `json:"failed"`
	Skipped int      `json:"skipped"`
	// Requests is the number of write requests made (each Writer call
	// once; the Writer's own retries are not counted).
	Requests int `json:"requests"`
	// DurationMS is the wall time of the whole run.
	DurationMS int64 `json:"duration_ms"`
}

// WriteText writes a line per failed or skipped operation and a last line
// "Apply: N ok, N failed, N skipped.".
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, res := range r.Results {
		switch res.Status {
		case StatusFailed:
			fmt.Fprintf(&b, "failed:  %s %s: %s\n", res.Action, res.target(), res.Error)
		case StatusSkipped:
			fmt.Fprintf(&b, "skipped: %s %s: %s\n", res.Action, res.target(), res.Reason)
		}
	}
	fmt.Fprintf(&b, "Apply: %d ok, %d failed, %d skipped.\n", r.OK, r.Failed, r.Skipped)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the report as indented JSON ("operations" is [] when
// empty, never null).
func (r *Report) WriteJSON(w io.Writer) error {
	out := *r
	if out.Results == nil {
		out.Results = []Result{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write apply report: %w", err)
	}
	return nil
}

// target names what the operation acted on, for text output.
func (res Result) target() string {
	switch res.Action {
	case plan.CreateTeam:
		return "team " + res.Team
	case plan.AddMember:
		return res.User + " to team " + res.Team
	case plan.RemoveMember:
		return res.User + " from team " + res.Team
	case plan.SetTeamRole:
		return res.User + " in team " + res.Team
	}
	if res.Team != "" {
		return res.User + " (team " + res.Team + ")"
	}
	return res.User
}

// progress writes human progress lines: one when a phase starts, a running
// count about every tenth of a large phase, and one when it ends.
type progress struct {
	w      io.Writer // nil: silent
	mu     sync.Mutex
	action plan.Action
	active bool
	total  int
	count  int
	step   int
}

// printf writes one line, if there is a writer.
func (p *progress) printf(format string, args ...any) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format, args...)
}

// startPhase begins counting a phase of total operations.
func (p *progress) startPhase(a plan.Action, total int) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.action, p.active, p.total, p.count = a, true, total, 0
	p.step = max(10, (total+9)/10)
	fmt.Fprintf(p.w, "Applying %d %s\n", total, a)
}

// done counts one finished operation of the current phase.
func (p *progress) done() {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.active {
		return
	}
	p.count++
	if p.count%p.step == 0 && p.count < p.total {
		fmt.Fprintf(p.w, "  %s %d/%d\n", p.action, p.count, p.total)
	}
}

// endPhase writes the phase's tally.
func (p *progress) endPhase(a plan.Action, ok, failed, skipped int) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.active = false
	fmt.Fprintf(p.w, "  %s done: %d ok, %d failed, %d skipped\n", a, ok, failed, skipped)
}
