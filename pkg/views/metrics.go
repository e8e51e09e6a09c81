// The metrics view: a plan as Prometheus text-format gauges, for
// node_exporter's textfile collector: changes by action, warnings by code,
// whether a safety limit blocked the plan, the seats before and after it,
// and when the last plan succeeded.
// A scheduled `wbsync plan --metrics-file FILE` keeps the file current, and an
// alert on wbsync_plan_changes or on a stale timestamp reports drift. The
// caller writes the file (atomically, so the collector never reads half of
// it).

package views

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wbsync/wbsync/pkg/plan"
)

// Metric names, as they appear in the file.
const (
	NameChanges     = "wbsync_plan_changes"
	NameUnverified  = "wbsync_plan_unverified_roles"
	NameWarnings    = "wbsync_plan_warnings"
	NameBlocked     = "wbsync_plan_blocked"
	NameSeats       = "wbsync_plan_seats"
	NameLastSuccess = "wbsync_plan_last_success_timestamp_seconds"
)

// Write writes the gauges of p, a plan computed successfully at now, in the
// Prometheus text exposition format (version 0.0.4). The output is
// deterministic: actions in apply order, then any unknown action sorted;
// warning codes sorted by name.
func WriteMetrics(w io.Writer, p plan.Plan, now time.Time) error {
	var b strings.Builder

	changes, unverified := map[plan.Action]int{}, 0
	for _, c := range p.Changes {
		if c.Reason == plan.ReasonUnverified {
			unverified++ // sent by apply, but no drift (README.md "W&B fidelity")
			continue
		}
		changes[c.Action]++
	}
	all := plan.Actions() // every action, at 0 too: an alert sees 0, not a missing series
	var extra []plan.Action
	for a := range changes {
		if !slices.Contains(all, a) {
			extra = append(extra, a)
		}
	}
	slices.Sort(extra)
	all = append(all, extra...)
	header(&b, NameChanges, "Changes in the last successful wbsync plan, by action (0 = in sync; unverified role assertions are not counted).")
	for _, a := range all {
		fmt.Fprintf(&b, "%s{action=\"%s\"} %d\n", NameChanges, escape(string(a)), changes[a])
	}
	header(&b, NameUnverified, "Role assertions the last successful wbsync plan sends unverified (policy.unreportedRoles: enforce): not drift.")
	fmt.Fprintf(&b, "%s %d\n", NameUnverified, unverified)

	// Every known code at 0 too, and any other code a plan carries.
	warnings := map[plan.WarningCode]int{}
	for _, c := range plan.WarningCodes() {
		warnings[c] = 0
	}
	for _, x := range p.Warnings {
		warnings[x.Code]++
	}
	codes := make([]plan.WarningCode, 0, len(warnings))
	for c := range warnings {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	header(&b, NameWarnings, "Warnings in the last successful wbsync plan, by code.")
	for _, c := range codes {
		fmt.Fprintf(&b, "%s{code=\"%s\"} %d\n", NameWarnings, escape(string(c)), warnings[c])
	}

	blocked := 0
	if p.IsBlocked() {
		blocked = 1
	}
	header(&b, NameBlocked, "1 if a safety limit blocked the last successful wbsync plan (it cannot be applied), else 0.")
	fmt.Fprintf(&b, "%s %d\n", NameBlocked, blocked)

	header(&b, NameSeats, "Active users (W&B's seats) before and after the last successful wbsync plan.")
	fmt.Fprintf(&b, "%s{when=\"before\"} %d\n%s{when=\"after\"} %d\n", NameSeats, p.Seats.ActiveBefore, NameSeats, p.Seats.ActiveAfter)

	header(&b, NameLastSuccess, "Unix time of the last wbsync plan that read the organization successfully.")
	fmt.Fprintf(&b, "%s %s\n", NameLastSuccess, strconv.FormatInt(now.Unix(), 10))

	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	return nil
}

func header(b *strings.Builder, name, help string) {
	fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name)
}

// escape escapes a label value: backslash, double quote and line feed.
func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}
