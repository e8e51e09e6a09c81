// Package plan is the plan as data: the changes that take the live
// organization to the manifest (in apply order), the warnings a reviewer
// should see, the safety limits and what blocks, the target it was computed
// for, its JSON form (format_version "1", docs in README "The plan"), the
// saved plan file that `wbsync apply PLANFILE` reads with every check, and the
// staleness comparison between a saved plan and a fresh one.
//
// It imports the standard library, pkg/model, pkg/caps and pkg/sanitize
// only, and does no file I/O: callers pass readers and writers.
package plan
