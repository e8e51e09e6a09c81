package scim

import (
	"time"

	"github.com/wbsync/wbsync/pkg/model"
)

// User is a SCIM User as W&B returns it, normalised across shapes.
type User struct {
	ID          string
	UserName    string // a handle ("dev-user2") or an email
	DisplayName string
	ExternalID  string
	// Emails are every email of the user, primary first, from an RFC array
	// or W&B's legacy single object with capitalised keys.
	Emails []Email
	// Active is the user's state; true when the server leaves it out.
	Active bool
	// OrganizationRole is W&B's organizationRole as sent ("" if absent).
	OrganizationRole string
	// TeamRoles is W&B's teamRoles: nil if the key is absent, empty (not
	// nil) if reported empty.
	TeamRoles []TeamRole
	// Groups are the ids of the groups the user's RFC 7643 groups
	// attribute names (W&B's Multi-tenant create answer carries it): read
	// only to tell a team whose members the server leaves out from an
	// empty one. Nil when absent.
	Groups []string
	// ETag is meta.version ("" if none).
	ETag string
	// Created and LastModified are meta.created and meta.lastModified (zero
	// when absent or not a date).
	Created, LastModified time.Time
	// CreatedUnreadable says meta.created came but is not a date.
	CreatedUnreadable bool
}

// Email is one of a user's emails.
type Email struct {
	Value   string
	Primary bool
	Type    string
}

// TeamRole is a user's role in one team (W&B's teamRoles).
type TeamRole struct {
	TeamName, RoleName string
}

// PrimaryEmail returns the email marked primary ("" when there is no
// email). When none is marked, or more than one, it picks among those
// (marked ones, else all) the same one whatever order the server lists
// them in (multi-valued attributes are unordered, RFC 7643 §2.4): the one
// equal to the userName ignoring case (model.Key), else the smallest.
func (u User) PrimaryEmail() string {
	marked, last := 0, ""
	for _, e := range u.Emails {
		if e.Primary {
			marked++
			last = e.Value
		}
	}
	switch {
	case marked == 1:
		return last
	case len(u.Emails) == 1:
		return u.Emails[0].Value
	}
	best, found := "", false
	for _, e := range u.Emails {
		if marked > 0 && !e.Primary {
			continue
		}
		if model.Key(e.Value) == model.Key(u.UserName) {
			return e.Value
		}
		if !found || e.Value < best {
			best, found = e.Value, true
		}
	}
	return best
}

// Group is a SCIM Group: a W&B team.
type Group struct {
	ID          string
	DisplayName string
	// Members may hold ids that are no listed user (org service accounts).
	Members []GroupMember
	// MembersAbsent says the record had no members key at all (null and []
	// are an empty team): W&B may leave the key out of an empty team, and a
	// server that sends members only when asked leaves it out of every
	// listed team (observed tells the two apart by the users' teamRoles).
	MembersAbsent bool
	// ETag is meta.version ("" if none).
	ETag string
	// Created and LastModified are meta.created and meta.lastModified (zero
	// when absent or not RFC 3339).
	Created, LastModified time.Time
}

// GroupMember is one member entry of a group.
type GroupMember struct {
	Value   string // the member's id
	Display string // the member's display (W&B: the userName)
}

// Role is a W&B role from /Roles (a W&B extension, not part of SCIM): a
// custom team role and what it inherits. Names are case-sensitive and may
// contain spaces.
type Role struct {
	ID            string
	Name          string
	Description   string
	InheritedFrom string // the predefined role it builds on: member or viewer
	Permissions   []Permission
	// Created and LastModified are meta.created and meta.lastModified (zero
	// when absent or not RFC 3339).
	Created, LastModified time.Time
}

// Permission is one permission of a Role.
type Permission struct {
	Name        string
	IsInherited bool
}
