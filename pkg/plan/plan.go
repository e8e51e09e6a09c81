package plan

import "github.com/wbsync/wbsync/pkg/model"

// FormatVersion is the version of the plan JSON format (SPEC §4).
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

// Destructive reports whether the action removes access.
func (a Action) Destructive() bool { return a == RemoveMember || a == DeactivateUser }

var actionOrder = []Action{CreateUser, CreateTeam, ReactivateUser, UpdateUser, AddMember, SetOrgRole, SetTeamRole, RemoveMember, DeactivateUser}

// Actions returns every action, in apply order.
func Actions() []Action { return append([]Action(nil), actionOrder...) }

// Change is one operation of a plan. User is the user's email (userName),
// Team the team name; the ids are the live SCIM ids where they exist already
// (empty for a user or team the plan creates).
type Change struct {
	Action Action `json:"action"`
	User   string `json:"user,omitempty"`
	Team   string `json:"team,omitempty"`
	UserID string `json:"user_id,omitempty"`
	TeamID string `json:"team_id,omitempty"`
	// Role is the role set (set_org_role, set_team_role) or given on add
	// (add_member; "member" unless the manifest says otherwise).
	Role model.Role `json:"role,omitempty"`
	// From is the previous value of what the change replaces (a role, a
	// display name), where known.
	From string `json:"from,omitempty"`
	// Name and ExternalID are the user's displayName and externalId
	// (create_user, update_user: the new values; empty = not set).
	Name       string `json:"name,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
	// FromExternalID is the previous externalId (update_user), where it
	// changes.
	FromExternalID string `json:"from_external_id,omitempty"`
	// Reason says why the change is planned, where it is not obvious
	// ("unmanaged user", "active: false", "deactivated on Multi-tenant Cloud").
	Reason string `json:"reason,omitempty"`
}

// Warning codes (SPEC §4).
const (
	WarnDuplicateTeam            = "duplicate_team"
	WarnTeamNameCase             = "team_name_case"
	WarnUserWithoutTeam          = "user_without_team"
	WarnUnmanagedUser            = "unmanaged_user"
	WarnUnresolvedMember         = "unresolved_member"
	WarnIrreversibleDeactivation = "irreversible_deactivation"
	WarnAmbiguousUser            = "ambiguous_user"
	WarnUnsupportedUpdate        = "unsupported_update"
	WarnLastAdmin                = "last_admin"
	WarnProtected                = "protected"
)

// Warning is something a reviewer should know that is not a change.
type Warning struct {
	Code    string   `json:"code"`
	Team    string   `json:"team,omitempty"`
	User    string   `json:"user,omitempty"`
	Message string   `json:"message"`
	IDs     []string `json:"ids,omitempty"`
}

// Block is a safety limit the plan exceeds; a blocked plan is never applied.
type Block struct {
	Limit   string `json:"limit"`
	Message string `json:"message"`
	Planned int    `json:"planned"`
	Allowed int    `json:"allowed"`
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
}

// Limits are the safety limits in force for a plan, as counts.
type Limits struct {
	MaxDeactivations  int `json:"maxDeactivations"`
	MaxMemberRemovals int `json:"maxMemberRemovals"`
	// ActiveUsers and Memberships are the live counts the limits are taken
	// from; the rules say how each limit was set, for the plan header.
	ActiveUsers           int    `json:"active_users"`
	Memberships           int    `json:"memberships"`
	MaxDeactivationsRule  string `json:"maxDeactivations_rule,omitempty"`
	MaxMemberRemovalsRule string `json:"maxMemberRemovals_rule,omitempty"`
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

// HasChanges reports whether the plan changes anything.
func (p Plan) HasChanges() bool { return len(p.Changes) > 0 }

// IsBlocked reports whether a safety limit blocks the plan.
func (p Plan) IsBlocked() bool { return len(p.Blocked) > 0 }

// More warning codes (beyond SPEC §4's minimum).
const (
	// WarnTeamPinNotFound: a manifest team pins an id no live team has; the
	// team is left alone (creating it would never converge on the pin).
	WarnTeamPinNotFound = "team_pin_not_found"
	// WarnTeamPinMismatch: a pinned live team has another name; W&B cannot
	// rename teams, so the team is left alone.
	WarnTeamPinMismatch = "team_pin_mismatch"
)

// Values of Block.Limit.
const (
	// LimitMaxDeactivations: more deactivations than policy.limits allows.
	LimitMaxDeactivations = "maxDeactivations"
	// LimitMaxMemberRemovals: more member removals than policy.limits allows.
	LimitMaxMemberRemovals = "maxMemberRemovals"
	// BlockLastAdmin: the plan would leave the organization without an
	// active admin.
	BlockLastAdmin = "lastAdmin"
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
			s.SetRoles++
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
