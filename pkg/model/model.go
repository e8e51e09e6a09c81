// Package model holds the state wbsync reasons about: users, teams, memberships
// and the manifest's policy, with the normalisation rules every other package
// shares. It is pure data: it imports the standard library only and does no I/O.
package model

import (
	"path"
	"strings"
)

// Deployment names which W&B SCIM implementation answers.
type Deployment string

// The two W&B SCIM implementations (see wandb-scim.md).
const (
	// SaaS is W&B Multi-tenant Cloud (api.wandb.ai): deactivation removes the
	// user from the organization and reactivation is refused.
	SaaS Deployment = "saas"
	// Dedicated is W&B Dedicated Cloud and self-managed: deactivated users stay
	// listed with active=false and can be reactivated.
	Dedicated Deployment = "dedicated"
)

// Membership modes of a team.
const (
	// Authoritative teams lose members the manifest does not list.
	Authoritative = "authoritative"
	// Additive teams only gain members.
	Additive = "additive"
)

// Unmanaged-user policies.
const (
	UnmanagedIgnore     = "ignore"
	UnmanagedDeactivate = "deactivate"
)

// Predefined roles.
const (
	RoleAdmin  = "admin"
	RoleMember = "member"
	RoleViewer = "viewer"
)

// User is one W&B user. In the desired state it comes from the manifest (ID
// empty, optional fields empty when the manifest leaves them unmanaged); in the
// observed state it comes from SCIM.
type User struct {
	ID          string `json:"id,omitempty"`          // SCIM id; empty in the desired state
	UserName    string `json:"userName"`              // W&B userName; the email in the manifest
	Email       string `json:"email,omitempty"`       // primary email
	DisplayName string `json:"displayName,omitempty"` // desired: "" = not managed
	ExternalID  string `json:"externalId,omitempty"`  // desired: "" = not managed
	OrgRole     string `json:"orgRole,omitempty"`     // admin | member; desired: "" = not managed; observed: "" = unknown
	Active      bool   `json:"active"`
	// TeamRoles is the observed user's role per team name, from the SCIM
	// teamRoles attribute; nil when the server did not say.
	TeamRoles map[string]string `json:"teamRoles,omitempty"`
	ETag      string            `json:"etag,omitempty"`
}

// Key is the user's matching key: the lower-cased userName.
func (u User) Key() string { return Key(u.UserName) }

// Member is one membership of a team.
type Member struct {
	// UserID is the SCIM user id (observed); empty in the desired state.
	UserID string `json:"userId,omitempty"`
	// Email is the member's email as declared (desired) or the resolved
	// user's userName (observed; "" when the id matches no listed user, such
	// as an org service account).
	Email string `json:"email,omitempty"`
	// Display is the member's display as the server sent it (observed).
	Display string `json:"display,omitempty"`
	// Role is the team role: desired "member" unless the manifest says
	// otherwise; observed from the user's teamRoles, "" when unknown.
	Role string `json:"role,omitempty"`
}

// Team is one W&B team (a SCIM Group).
type Team struct {
	ID   string `json:"id,omitempty"` // SCIM group id; in the desired state the optional pin
	Name string `json:"name"`
	// Membership is Authoritative or Additive (desired only).
	Membership string   `json:"membership,omitempty"`
	Members    []Member `json:"members"`
	ETag       string   `json:"etag,omitempty"`
}

// State is a whole organization: desired (from the manifest) or observed
// (from SCIM).
type State struct {
	Users []User `json:"users"`
	Teams []Team `json:"teams"`
}

// Limit is a safety limit: an absolute count or a percentage.
type Limit struct {
	Set     bool `json:"set"`     // false: the default applies
	Value   int  `json:"value"`   // a count, or a percentage when Percent
	Percent bool `json:"percent"` // Value is a percentage (0..100)
}

// Resolve returns the limit as a count given the base (active users or
// memberships), or def when the limit is not set.
func (l Limit) Resolve(base int, def func(base int) int) int {
	if !l.Set {
		return def(base)
	}
	if l.Percent {
		return base * l.Value / 100
	}
	return l.Value
}

// Policy is the manifest's policy section.
type Policy struct {
	// UnmanagedUsers is UnmanagedIgnore (default) or UnmanagedDeactivate.
	UnmanagedUsers string `json:"unmanagedUsers"`
	// Protected are lower-cased emails or path.Match globs: never
	// deactivated, never removed from a team.
	Protected         []string `json:"protected,omitempty"`
	MaxDeactivations  Limit    `json:"maxDeactivations"`
	MaxMemberRemovals Limit    `json:"maxMemberRemovals"`
}

// IsProtected reports whether the email matches a protected entry.
func (p Policy) IsProtected(email string) bool {
	k := Key(email)
	for _, pat := range p.Protected {
		if pat == k {
			return true
		}
		if ok, err := path.Match(pat, k); err == nil && ok {
			return true
		}
	}
	return false
}

// Key normalises an email or userName for matching: trimmed and lower-cased.
func Key(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
