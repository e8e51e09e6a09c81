package apply

import (
	"context"

	"github.com/wbsync/wbsync/pkg/model"
)

// Writer is what apply needs of a SCIM server. *scim.Client satisfies it;
// apply never imports scim. Every method is one logical operation; the
// implementation retries what is safe to retry and adopts what already exists.
type Writer interface {
	// CreateUser creates the user (userName and primary email u.UserName,
	// displayName, externalId) and returns its id. A 409 adopts the existing
	// user and returns its id.
	CreateUser(ctx context.Context, u model.User) (id string, err error)
	// CreateTeam creates an empty team and returns its id.
	CreateTeam(ctx context.Context, name string) (id string, err error)
	// UpdateUser replaces the non-empty displayName and externalId of u.
	UpdateUser(ctx context.Context, id string, u model.User) error
	// SetActive deactivates (false) or reactivates (true) the user.
	SetActive(ctx context.Context, id string, active bool) error
	// SetOrgRole sets the user's organization role (admin or member).
	SetOrgRole(ctx context.Context, id string, role model.Role) error
	// SetTeamRole sets the user's role in the named team.
	SetTeamRole(ctx context.Context, id, team string, role model.Role) error
	// AddMembers adds the users to the team in one PATCH.
	AddMembers(ctx context.Context, teamID string, userIDs []string) error
	// RemoveMember removes one user from the team (one operation per PATCH,
	// with the members[value eq "ID"] filter). A 404 counts as done.
	RemoveMember(ctx context.Context, teamID, userID string) error
}

// StatusError is implemented by errors that carry an HTTP status and a SCIM
// detail (such as *scim.Error); the report records both.
type StatusError interface {
	error
	HTTPStatus() int
	SCIMDetail() string
}
