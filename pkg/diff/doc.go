// Package diff computes the plan (a plan.Plan) that takes the observed W&B
// organization (from SCIM) to the desired one (from the manifest).
//
// Compute is pure: it does no I/O, never mutates its inputs and gives the
// same plan, byte for byte in every view, whatever the order of its input
// lists. The package imports the standard library, pkg/model and pkg/plan
// only: no zap, no net/http, no yaml, no context.
package diff
