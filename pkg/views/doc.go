// Package views renders a plan for people and monitors: text for a terminal
// (WriteText), markdown for a pull-request comment (WriteMarkdown) and
// Prometheus gauges for node_exporter's textfile collector (WriteMetrics).
// The machine-readable JSON is the plan's own (plan.Plan.WriteJSON).
//
// The text and markdown views show the seats line
// ("Seats: N active → M active") and the summary line, whose counts leave
// out the unverified role assertions (they are not drift). The markdown
// view stays within caps.Markdown characters and never hides a removal, a
// deactivation or a role change to make room (see WriteMarkdown).
//
// Every string in a plan that came from a server or a manifest is shown with
// its control characters escaped (sanitize.Controls), so a name cannot
// redraw a reviewer's terminal or forge a line; so is every server string in
// the access review CSV (WriteAccessReview).
//
// It imports the standard library, pkg/model, pkg/plan, pkg/caps and
// pkg/sanitize, and does no I/O beyond the io.Writer it is given.
package views
