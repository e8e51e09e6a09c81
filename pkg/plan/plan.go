package plan

import (
	"strings"

	"github.com/wbsync/wbsync/pkg/model"
)

// FormatVersion is the version of the plan JSON format. Fields may be added
// within a version, none removed. Kept for a format 2: the limit names mix
// camelCase (maxDeactivations, from the manifest) with snake_case
// (active_users); format 2 should use one style.
const FormatVersion = "1"

// Action is the kind of one change.
type Action string

// The actions of a plan, listed in apply order.
const (
	CreateUser     Action = "create_user"
	CreateTeam     Action = "create_team"
	ReactivateUser Action = "reactivate_user"
	UpdateUser     Action = "update_user"
	AddMember      Action = "add_member"
	SetOrgRole     Action = "set_org_role"
	SetTeamRole    Action = "set_team_role"
	RemoveMember   Action = "remove_member"
	DeactivateUser Action = "deactivate_user"
)

// Phase returns the action's position in apply order (0 first).
func (a Action) Phase() int {
	for i, x := range actionOrder {
		if x == a {
			return i
		}
	}
	return len(actionOrder)
}

// Symbol is how views mark a change of the action: + adds, - removes
// access, ~ changes.
func (a Action) Symbol() byte {
	switch a {
	case CreateUser, CreateTeam, AddMember:
		return '+'
	case RemoveMember, DeactivateUser:
		return '-'
	}
	return '~'
}

// Destructive reports whether the action removes access.
func (a Action) Destructive() bool { return a == RemoveMember || a == DeactivateUser }

var actionOrder = []Action{CreateUser, CreateTeam, ReactivateUser, UpdateUser, AddMember, SetOrgRole, SetTeamRole, RemoveMember, DeactivateUser}

// Actions returns every action, in apply order.
func Actions() []Action { return append([]Action(nil), actionOrder...) }

// Change is one operation of a plan. User identifies the user: by its email
// as the manifest writes it when the manifest lists the user, else by its
// live primary email (its userName when it has no email). Team names the
// team; the ids are the live SCIM ids where they exist already (empty for a
// user or team the plan creates).
type Change struct {
	Action Action `json:"action"`
	User   string `json:"user,omitempty"`
	// Username is a W&B userName (handle) that differs from the email in
	// User (case-insensitively): on create_user the handle it sends; on a
	// change about a live user the manifest does not list, that user's
	// handle. UserText shows it.
	Username string `json:"username,omitempty"`
	Team     string `json:"team,omitempty"`
	UserID   string `json:"user_id,omitempty"`
	TeamID   string `json:"team_id,omitempty"`
	// Role is the role set (set_org_role, set_team_role) or given on add
	// (add_member; "member" unless the manifest says otherwise).
	Role model.Role `json:"role,omitempty"`
	// From is the previous value of what the change replaces (a role, a
	// display name), where known: on deactivate_user the user's org role
	// when it is admin (or RoleUnreported), on remove_member the member's
	// team role, on a create_user that invites a deactivated user again
	// (ReasonRecreate) the SCIM id of the account it replaces.
	From string `json:"from,omitempty"`
	// Name and ExternalID are the user's displayName and externalId
	// (create_user, update_user: the new values; empty = not set).
	Name       string `json:"name,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
	// FromExternalID is the previous externalId (update_user), where it
	// changes.
	FromExternalID string `json:"from_external_id,omitempty"`
	// Email and FromEmail are the new and previous primary email of an
	// update_user that changes it (a user matched by username). On a
	// create_user that invites a deactivated user again (ReasonRecreate),
	// FromEmail is the replaced account's email when it is not User.
	Email     string `json:"email,omitempty"`
	FromEmail string `json:"from_email,omitempty"`
	// DroppedEmails are the user's other live emails, besides FromEmail,
	// that an update_user of Email removes: the update replaces emails with
	// the one new primary (W&B Dedicated keeps one email per user and
	// refuses more), so a server that keeps several loses them. Shown so
	// that a reviewer sees it. In JSON a list.
	DroppedEmails EmailList `json:"dropped_emails,omitempty"`
	// Reason says why the change is planned, where it is not obvious
	// ("unmanaged user", "active: false", "deactivated on Multi-tenant Cloud",
	// ReasonUnverified).
	Reason string `json:"reason,omitempty"`
}

// ReasonUnverified marks a role change sent although the server does not
// report roles (policy.unreportedRoles: enforce): apply sends it, but it is
// not drift (HasDrift, the summary line and verification leave it out).
const ReasonUnverified = "unverified"

// RoleUnreported is the From of a deactivate_user whose user's org role
// the read does not report while it reports other users' and shows no
// active admin: the user may be the admin, so apply runs it only once a
// promotion to admin of the plan is done (when the plan has one).
const RoleUnreported = "unreported"

// Unverified reports whether the change is an unverified role assertion.
func (c Change) Unverified() bool { return c.Reason == ReasonUnverified }

// ReasonRecreate marks a create_user of a user a deactivation removed from
// a Multi-tenant Cloud organization: W&B cannot reactivate there, so the
// user is invited again, which restores access as a reactivation does.
const ReasonRecreate = "deactivated on Multi-tenant Cloud, which removed the user from the organization and cannot reactivate: invited again"

// ReasonNotInManifest begins the reason of a removal or deactivation of a
// live user no manifest user matched ("not in the manifest; ...").
const ReasonNotInManifest = "not in the manifest"

// NotInManifest reports whether the change removes from a team, or
// deactivates, a live user no manifest user matched. It reads the reason's
// words (a saved plan carries no other mark): a reason of such a change
// must begin with ReasonNotInManifest, or apply's hold after a create
// refused 409 that no listed user explains (UnseenHolder) misses it.
func (c Change) NotInManifest() bool {
	return c.Action.Destructive() && strings.HasPrefix(c.Reason, ReasonNotInManifest)
}

// Restores reports whether the change gives a deactivated user access
// again: a reactivation, or a create that stands for one (ReasonRecreate).
func (c Change) Restores() bool {
	return c.Action == ReactivateUser || c.Action == CreateUser && c.Reason == ReasonRecreate
}

// Demotes reports whether the change takes an admin role away: an
// organization or team role set from admin to another. (An unverified
// assertion, whose previous role is unknown, does not.)
func (c Change) Demotes() bool {
	return (c.Action == SetOrgRole || c.Action == SetTeamRole) && c.From == string(model.RoleAdmin) && c.Role != model.RoleAdmin
}

// TakesAdmin reports whether the change takes an admin right away: a
// demotion (Demotes), the deactivation of an organization admin, or the
// removal of a team admin from its team (their From is "admin").
func (c Change) TakesAdmin() bool {
	switch c.Action {
	case DeactivateUser, RemoveMember:
		return c.From == string(model.RoleAdmin)
	}
	return c.Demotes()
}

// WarningCode names the kind of a warning; the codes are part of the plan
// JSON (README "The plan").
type WarningCode string

// Warning codes.
const (
	// WarnDuplicateTeam: two or more live teams share a name; the team is
	// left alone unless the manifest pins an id.
	WarnDuplicateTeam WarningCode = "duplicate_team"
	// WarnTeamNameCase: a manifest team differs from a live one only in case.
	WarnTeamNameCase WarningCode = "team_name_case"
	// WarnUserWithoutTeam: an active managed user in no team.
	WarnUserWithoutTeam WarningCode = "user_without_team"
	// WarnUnmanagedUser: a live user absent from the manifest, left alone.
	WarnUnmanagedUser WarningCode = "unmanaged_user"
	// WarnUnresolvedMember: team members that are no listed user (service
	// accounts): never removed.
	WarnUnresolvedMember WarningCode = "unresolved_member"
	// WarnIrreversibleDeactivation: on Multi-tenant Cloud a deactivation
	// removes the user from the organization.
	WarnIrreversibleDeactivation WarningCode = "irreversible_deactivation"
	// WarnAmbiguousUser: several live users match one manifest user.
	WarnAmbiguousUser WarningCode = "ambiguous_user"
	// WarnUnsupportedUpdate: the manifest asks for a change the deployment
	// cannot make.
	WarnUnsupportedUpdate WarningCode = "unsupported_update"
	// WarnLastAdmin: the read shows no active admin and the plan
	// deactivates users whose org role it does not report: it reports no
	// roles at all, or reports others' and the plan relies on an orgRole:
	// admin the manifest declares without sending it (otherwise such a
	// plan is blocked).
	WarnLastAdmin WarningCode = "last_admin"
	// WarnProtected: a protected user is spared a removal or deactivation.
	WarnProtected WarningCode = "protected"
	// WarnTeamPinNotFound: a manifest team pins an id no live team has; the
	// team is left alone (creating it would never converge on the pin).
	WarnTeamPinNotFound WarningCode = "team_pin_not_found"
	// WarnTeamPinMismatch: a pinned live team has another name; W&B cannot
	// rename teams, so the team is left alone.
	WarnTeamPinMismatch WarningCode = "team_pin_mismatch"
	// WarnExternalIDUnreported: the manifest sets externalId but no live
	// user carries one: no externalId update is planned.
	WarnExternalIDUnreported WarningCode = "external_id_unreported"
	// WarnRolesUnreported: the manifest declares roles the read does not
	// report (organizationRole, teamRoles).
	WarnRolesUnreported WarningCode = "roles_unreported"
	// WarnCustomRolesUnchecked: the server has no /Roles, so custom team
	// role names could not be checked.
	WarnCustomRolesUnchecked WarningCode = "custom_roles_unchecked"
	// WarnUnmanagedRecent: an unmanaged user created within
	// policy.unmanagedGracePeriod is not deactivated.
	WarnUnmanagedRecent WarningCode = "unmanaged_recent"
	// WarnTeamRolesAmbiguous: a pinned team shares its name with another
	// live team; W&B addresses team roles by team name, so the roles the
	// manifest declares in it are neither checked nor set.
	WarnTeamRolesAmbiguous WarningCode = "team_roles_ambiguous"
	// WarnEmailElsewhere: a manifest user matched by userName or
	// externalId has an email another live user holds; that user is
	// treated as not in the manifest.
	WarnEmailElsewhere WarningCode = "email_elsewhere"
	// WarnIdentityMismatch: a manifest user marked active: false matches,
	// by a weaker link than its own userName and email, a live account that
	// goes by another name: deactivated with that name shown, or left
	// alone when the manifest's username contradicts it.
	WarnIdentityMismatch WarningCode = "identity_mismatch"
	// WarnExternalIDElsewhere: the plan sets a user's externalId to one
	// another live user holds.
	WarnExternalIDElsewhere WarningCode = "external_id_elsewhere"
	// WarnInactiveMember: a team lists a user the manifest marks active:
	// false who is not a member: no deactivated user is added to a team.
	WarnInactiveMember WarningCode = "inactive_member"
	// WarnCreatedUnreported: unmanaged users the plan deactivates carry
	// no meta.created (the read reports it for no user, or not for them),
	// so policy.unmanagedGracePeriod cannot spare them, whatever their age.
	WarnCreatedUnreported WarningCode = "created_unreported"
	// WarnPossibleRename: a user the plan creates may be the one live user
	// not in the manifest with the same name or email local part, under an
	// earlier email (the old account is left active or deactivated).
	WarnPossibleRename WarningCode = "possible_rename"
	// WarnUnmanagedTeam: a live team no manifest team names or pins (one
	// renamed or deleted in the manifest, or made in the UI): left alone,
	// its members keep their access.
	WarnUnmanagedTeam WarningCode = "unmanaged_team"
	// WarnProtectedUnmatched: a policy.protected entry covers no user of
	// the manifest or the organization (a misspelt entry protects no one).
	WarnProtectedUnmatched WarningCode = "protected_unmatched"
	// WarnEmailHandover: an email update gives a user the email another
	// manifest user's update gives up: sent first, it is refused while the
	// other holds it; updates that go round never complete.
	WarnEmailHandover WarningCode = "email_handover"
	// WarnTeamNameUppercase: the plan creates a team whose name holds a
	// capital letter, where W&B's team names are lowercase: W&B may keep
	// it lower-cased (or refuse it), and cannot rename it after.
	WarnTeamNameUppercase WarningCode = "team_name_uppercase"
	// WarnManifestUnreviewable: a manifest file whose diff a review cannot
	// read as wbsync reads it (UTF-16, which git shows as binary; a raw
	// bidirectional control, which makes the diff show lines reordered).
	WarnManifestUnreviewable WarningCode = "manifest_unreviewable"
)

var warningCodes = []WarningCode{
	WarnDuplicateTeam, WarnTeamNameCase, WarnUserWithoutTeam, WarnUnmanagedUser, WarnUnresolvedMember,
	WarnIrreversibleDeactivation, WarnAmbiguousUser, WarnUnsupportedUpdate, WarnLastAdmin, WarnProtected,
	WarnTeamPinNotFound, WarnTeamPinMismatch, WarnExternalIDUnreported, WarnRolesUnreported,
	WarnCustomRolesUnchecked, WarnUnmanagedRecent, WarnTeamRolesAmbiguous, WarnEmailElsewhere, WarnIdentityMismatch,
	WarnExternalIDElsewhere, WarnInactiveMember, WarnCreatedUnreported, WarnPossibleRename, WarnUnmanagedTeam,
	WarnProtectedUnmatched, WarnEmailHandover, WarnManifestUnreviewable, WarnTeamNameUppercase,
}

// WarningCodes returns every warning code.
func WarningCodes() []WarningCode { return append([]WarningCode(nil), warningCodes...) }

// Warning is something a reviewer should know that is not a change. User
// identifies the user it is about as Change.User does; the message names
// the user for a person (with its handle where that differs).
type Warning struct {
	Code WarningCode `json:"code"`
	Team string      `json:"team,omitempty"`
	User string      `json:"user,omitempty"`
	// Username is the userName of a live user the manifest does not list,
	// when it differs from User (its email), as in Change.
	Username string   `json:"username,omitempty"`
	Message  string   `json:"message"`
	IDs      []string `json:"ids,omitempty"`
	// Count is the number a warning about many things counts, so that a
	// pipeline need not parse the message: roles_unreported, the role
	// declarations it cannot check; external_id_unreported, the externalIds
	// the manifest sets; created_unreported, the unmanaged users deactivated
	// without a creation date; unmanaged_team, the team's members. Zero
	// (absent) for the other codes.
	Count int `json:"count,omitempty"`
	// Entry is the policy.protected entry a protected_unmatched warning is
	// about, so that two such warnings are told apart without the message.
	Entry string `json:"entry,omitempty"`
	// Unmanaged marks a warning about live teams the manifest does not
	// name (a duplicate_team of theirs): it leaves nothing of the manifest
	// alone, so apply's verification does not count it. Not in JSON.
	Unmanaged bool `json:"-"`
}

// BlockLimit names the safety limit a plan exceeds.
type BlockLimit string

// Block is a safety limit the plan exceeds; a blocked plan is never applied.
type Block struct {
	Limit   BlockLimit `json:"limit"`
	Message string     `json:"message"`
	Planned int        `json:"planned"`
	Allowed int        `json:"allowed"`
}

// Summary counts the changes by kind.
type Summary struct {
	CreateUsers     int `json:"create_users"`
	UpdateUsers     int `json:"update_users"`
	ReactivateUsers int `json:"reactivate_users"`
	CreateTeams     int `json:"create_teams"`
	AddMembers      int `json:"add_members"`
	RemoveMembers   int `json:"remove_members"`
	SetRoles        int `json:"set_roles"`
	DeactivateUsers int `json:"deactivate_users"`
	// UnverifiedRoles counts the role changes sent without a read to
	// confirm them (Change.Unverified); they are not in SetRoles.
	UnverifiedRoles int `json:"unverified_roles"`
}

// Limits are the safety limits in force for a plan, as counts.
type Limits struct {
	MaxDeactivations  int `json:"maxDeactivations"`
	MaxMemberRemovals int `json:"maxMemberRemovals"`
	// ActiveUsers and Memberships are the live counts the limits are taken
	// from; the rules say how each limit was set, for the plan header.
	ActiveUsers int `json:"active_users"`
	Memberships int `json:"memberships"`
	// ActiveAdmins is how many active users the read reports as org
	// admins (0 when it reports no roles): apply keeps one of them, or
	// one it promoted, when a promotion is not done.
	ActiveAdmins          int    `json:"active_admins"`
	MaxDeactivationsRule  string `json:"maxDeactivations_rule,omitempty"`
	MaxMemberRemovalsRule string `json:"maxMemberRemovals_rule,omitempty"`
}

// Seats are the active users before and after the plan: W&B licenses
// seats by active user. After counts every create_user (a user re-invited
// on Multi-tenant Cloud too) and reactivate_user as one more, and every
// deactivate_user as one less.
type Seats struct {
	ActiveBefore int `json:"active_before"`
	ActiveAfter  int `json:"active_after"`
}

// Target says where a plan was computed against (set by the caller).
type Target struct {
	URL        string           `json:"url,omitempty"`
	Deployment model.Deployment `json:"deployment,omitempty"`
}

// Plan is the complete, ordered list of changes that takes the observed
// organization to the desired one. It is data: rendered, saved or applied.
type Plan struct {
	FormatVersion       string    `json:"format_version"`
	ManifestDigest      string    `json:"manifest_digest"`
	ObservedFingerprint string    `json:"observed_fingerprint"`
	Target              Target    `json:"target"`
	Limits              Limits    `json:"limits"`
	Summary             Summary   `json:"summary"`
	Seats               Seats     `json:"seats"`
	Changes             []Change  `json:"changes"`
	Warnings            []Warning `json:"warnings"`
	Blocked             []Block   `json:"blocked"`
}

// Normalized returns p with nil lists replaced by empty ones, so that JSON
// shows [] rather than null.
func (p Plan) Normalized() Plan {
	if p.Changes == nil {
		p.Changes = []Change{}
	}
	if p.Warnings == nil {
		p.Warnings = []Warning{}
	}
	if p.Blocked == nil {
		p.Blocked = []Block{}
	}
	return p
}

// HasChanges reports whether the plan sends anything (unverified role
// assertions included): apply has work to do.
func (p Plan) HasChanges() bool { return len(p.Changes) > 0 }

// HasDrift reports whether the plan changes anything the read can confirm:
// the live organization differs from the manifest. Unverified role
// assertions are not drift (--detailed-exitcode, "No changes.").
func (p Plan) HasDrift() bool {
	for _, c := range p.Changes {
		if !c.Unverified() {
			return true
		}
	}
	return false
}

// IsBlocked reports whether a safety limit blocks the plan.
func (p Plan) IsBlocked() bool { return len(p.Blocked) > 0 }

// Values of Block.Limit.
const (
	// LimitMaxDeactivations: more deactivations than policy.limits allows.
	LimitMaxDeactivations BlockLimit = "maxDeactivations"
	// LimitMaxMemberRemovals: more member removals than policy.limits allows.
	LimitMaxMemberRemovals BlockLimit = "maxMemberRemovals"
	// BlockLastAdmin: the plan would leave the organization without an
	// active admin.
	BlockLastAdmin BlockLimit = "lastAdmin"
)

// Summarize counts the changes by kind.
func Summarize(cs []Change) Summary {
	var s Summary
	for _, c := range cs {
		switch c.Action {
		case CreateUser:
			s.CreateUsers++
		case UpdateUser:
			s.UpdateUsers++
		case ReactivateUser:
			s.ReactivateUsers++
		case CreateTeam:
			s.CreateTeams++
		case AddMember:
			s.AddMembers++
		case RemoveMember:
			s.RemoveMembers++
		case SetOrgRole, SetTeamRole:
			if c.Unverified() {
				s.UnverifiedRoles++
			} else {
				s.SetRoles++
			}
		case DeactivateUser:
			s.DeactivateUsers++
		}
	}
	return s
}

// Counts returns the summary's totals in Terraform's terms: add (create
// user, create team, add member), change (reactivate, update, roles) and
// remove (remove member, deactivate).
func (s Summary) Counts() (add, change, remove int) {
	return s.CreateUsers + s.CreateTeams + s.AddMembers,
		s.ReactivateUsers + s.UpdateUsers + s.SetRoles,
		s.RemoveMembers + s.DeactivateUsers
}
