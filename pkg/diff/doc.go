// Package diff computes the plan that takes the observed W&B organization
// (from SCIM) to the desired one (from the manifest), and renders that plan
// as text, as JSON (SPEC §4, format_version "1") and as markdown for pull
// requests.
//
// Compute is pure: it does no I/O, never mutates its inputs and gives the
// same plan, byte for byte in every view, whatever the order of its input
// lists. The package imports the standard library and pkg/model only: no
// zap, no net/http, no yaml, no context.
package diff
