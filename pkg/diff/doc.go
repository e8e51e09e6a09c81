// Package diff computes the plan (a plan.Plan) that takes the observed W&B
// organization (from SCIM) to the desired one (from the manifest), and
// checks the manifest's custom team roles against a deployment
// (CheckRoles, CustomRoleNames).
//
// Users are matched as W&B identifies them (docs/wandb-api.md): the live
// userName (a handle, or an email) against the manifest's username (else
// its email), then every email of the live user against the manifest's
// email, then externalId; a stronger link always wins, and a tie leaves the
// users involved alone with a warning. What the live read never reports
// (externalIds, organization or team roles) is detected and warned about,
// never taken as empty.
//
// Compute is pure: it does no I/O, reads no clock (Options.Now), never
// mutates its inputs and gives the same plan, byte for byte in every view,
// whatever the order of its input lists. The package imports no zap,
// no net/http, no yaml, no context: internal/layout's test checks what it
// may import.
package diff
