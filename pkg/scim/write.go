package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/wbsync/wbsync/pkg/model"
)

// SCIM schema URNs.
const (
	schemaUser  = "urn:ietf:params:scim:schemas:core:2.0:User"
	schemaGroup = "urn:ietf:params:scim:schemas:core:2.0:Group"
	schemaPatch = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

type patchBody struct {
	Schemas    []string  `json:"schemas"`
	Operations []patchOp `json:"Operations"`
}

type emailBody struct {
	Value   string `json:"value"`
	Primary bool   `json:"primary"`
	Type    string `json:"type,omitempty"`
}

type userBody struct {
	Schemas     []string    `json:"schemas"`
	UserName    string      `json:"userName"`
	Emails      []emailBody `json:"emails"`
	DisplayName string      `json:"displayName,omitempty"`
	ExternalID  string      `json:"externalId,omitempty"`
	Active      bool        `json:"active"`
}

type memberBody struct {
	Value string `json:"value"`
}

type groupBody struct {
	Schemas     []string     `json:"schemas"`
	DisplayName string       `json:"displayName"`
	Members     []memberBody `json:"members"`
}

type teamRoleBody struct {
	TeamName string `json:"teamName"`
	RoleName string `json:"roleName"`
}

func userPath(id string) string  { return "/Users/" + url.PathEscape(id) }
func groupPath(id string) string { return "/Groups/" + url.PathEscape(id) }

// patch sends one PATCH with the given operations; writes that replace a
// value or add/remove members are safe to repeat.
func (c *Client) patch(ctx context.Context, path string, ops ...patchOp) error {
	_, err := c.do(ctx, call{method: http.MethodPatch, path: path, idempotent: true,
		body: patchBody{Schemas: []string{schemaPatch}, Operations: ops}})
	return err
}

// CreateUser creates the user (userName, primary email u.Email or else
// u.UserName, displayName, externalId) and returns its id. A 409 adopts the
// existing user (found by userName, else by email). After a failure that may
// have been applied (a transport error or 502/503/504), the user is looked up
// by userName before the create is sent again, and adopted if found.
func (c *Client) CreateUser(ctx context.Context, u model.User) (string, error) {
	if c.readOnly {
		return "", ErrReadOnly
	}
	name := strings.TrimSpace(u.UserName)
	if name == "" {
		return "", errors.New("create user: empty userName")
	}
	email := strings.TrimSpace(u.Email)
	if email == "" {
		email = name
	}
	var adopted string
	cl := call{method: http.MethodPost, path: "/Users",
		body: userBody{Schemas: []string{schemaUser}, UserName: name,
			Emails:      []emailBody{{Value: email, Primary: true, Type: "work"}},
			DisplayName: u.DisplayName, ExternalID: u.ExternalID, Active: true},
		ambiguous: func(ctx context.Context) (bool, error) {
			found, err := c.FindUser(ctx, name)
			if err != nil || found == nil {
				return false, err
			}
			adopted = found.ID
			return true, nil
		}}
	r, err := c.do(ctx, cl)
	switch {
	case errors.Is(err, errAdopted):
		return adopted, nil
	case statusOf(err) == http.StatusConflict:
		return c.adoptUser(ctx, name, email, err)
	case isSeatLimit(err):
		return "", fmt.Errorf("create user %s: the organization's seat limit is reached: free a seat or raise the limit: %w", name, err)
	case err != nil:
		return "", fmt.Errorf("create user %s: %w", name, err)
	}
	created, err := decodeUser(r.body)
	if err != nil {
		return "", fmt.Errorf("create user %s: %w", name, c.decodeErr(cl, r, err))
	}
	c.rememberName(created.ID, name)
	return created.ID, nil
}

// adoptUser finds the user a 409 says exists.
func (c *Client) adoptUser(ctx context.Context, name, email string, conflict error) (string, error) {
	found, err := c.FindUser(ctx, name)
	if err == nil && found == nil && !strings.EqualFold(email, name) {
		found, err = c.FindUserByEmail(ctx, email)
	}
	if err != nil {
		return "", fmt.Errorf("create user %s: %w; looking up the existing user: %w", name, conflict, err)
	}
	if found == nil {
		return "", fmt.Errorf("create user %s: the server says it exists, but no user with that userName or email is listed "+
			"(on Multi-tenant Cloud the name may belong to an account outside the organization): %w", name, conflict)
	}
	return found.ID, nil
}

// CreateTeam creates an empty team and returns its id. A 409 means the name
// is taken (on Multi-tenant Cloud, team names are global across wandb.ai).
// After a failure that may have been applied (a transport error or
// 502/503/504), the team is looked up by displayName before the create is
// sent again: it is adopted only when exactly one team has that name and its
// id was not known to this client before the create (from ListGroups or an
// earlier lookup); several matches are an error.
func (c *Client) CreateTeam(ctx context.Context, name string) (string, error) {
	if c.readOnly {
		return "", ErrReadOnly
	}
	if strings.TrimSpace(name) == "" {
		return "", errors.New("create team: empty name")
	}
	known := c.knownTeamIDs()
	var adopted string
	cl := call{method: http.MethodPost, path: "/Groups",
		body: groupBody{Schemas: []string{schemaGroup}, DisplayName: name, Members: []memberBody{}},
		ambiguous: func(ctx context.Context) (bool, error) {
			found, err := c.FindGroups(ctx, name)
			if err != nil {
				return false, err
			}
			switch {
			case len(found) == 0:
				return false, nil
			case len(found) == 1:
				if _, ok := known[found[0].ID]; !ok {
					adopted = found[0].ID
					return true, nil
				}
			}
			return false, fmt.Errorf("%d teams named %q exist, and the create may have made one of them: re-read and plan again", len(found), name)
		}}
	r, err := c.do(ctx, cl)
	switch {
	case errors.Is(err, errAdopted):
		c.rememberTeams([]Group{{ID: adopted, DisplayName: name}})
		return adopted, nil
	case statusOf(err) == http.StatusConflict:
		return "", fmt.Errorf("team name %s is taken (on Multi-tenant Cloud team names are global): %w", name, err)
	case err != nil:
		return "", fmt.Errorf("create team %s: %w", name, err)
	}
	g, err := decodeGroup(r.body)
	if err != nil {
		return "", fmt.Errorf("create team %s: %w", name, c.decodeErr(cl, r, err))
	}
	c.rememberTeams([]Group{g})
	return g.ID, nil
}

func (c *Client) knownTeamIDs() map[string]struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]struct{}, len(c.knownTeams))
	for id := range c.knownTeams {
		out[id] = struct{}{}
	}
	return out
}

// UpdateUser replaces the non-empty displayName and externalId of u, one
// PATCH per attribute (W&B takes one operation per request).
func (c *Client) UpdateUser(ctx context.Context, id string, u model.User) error {
	if c.readOnly {
		return ErrReadOnly
	}
	if u.DisplayName != "" {
		if err := c.patch(ctx, userPath(id), patchOp{Op: "replace", Path: "displayName", Value: u.DisplayName}); err != nil {
			return fmt.Errorf("update the display name of %s: %w", c.who(id), err)
		}
	}
	if u.ExternalID != "" {
		if err := c.patch(ctx, userPath(id), patchOp{Op: "replace", Path: "externalId", Value: u.ExternalID}); err != nil {
			return fmt.Errorf("update the externalId of %s: %w", c.who(id), err)
		}
	}
	return nil
}

// SetActive deactivates (false) or reactivates (true) the user with a
// pathless replace of active. Reactivation on Multi-tenant Cloud is refused
// before anything is sent. On Multi-tenant Cloud, deactivation removes the
// user from the organization, so a 404 on deactivation counts as done.
func (c *Client) SetActive(ctx context.Context, id string, active bool) error {
	if c.readOnly {
		return ErrReadOnly
	}
	verb := "deactivate"
	if active {
		verb = "reactivate"
		if c.deployment == model.SaaS {
			return fmt.Errorf("reactivate %s: W&B Multi-tenant Cloud does not support reactivation through SCIM (a deactivated user left the organization; invite them again)", c.who(id))
		}
	}
	err := c.patch(ctx, userPath(id), patchOp{Op: "replace", Value: map[string]bool{"active": active}})
	switch {
	case err == nil:
		return nil
	case !active && statusOf(err) == http.StatusNotFound && c.deployment == model.SaaS:
		return nil
	case isSeatLimit(err):
		return fmt.Errorf("%s %s: the organization's seat limit is reached: %w", verb, c.who(id), err)
	case active && strings.Contains(strings.ToLower(detailOf(err)), "reactivation"):
		return fmt.Errorf("reactivate %s: the server refuses reactivation (W&B Multi-tenant Cloud does not support it): %w", c.who(id), err)
	}
	return fmt.Errorf("%s %s: %w", verb, c.who(id), err)
}

// SetOrgRole sets the user's organization role: admin or member. "viewer" is
// refused locally: W&B's deprecated viewer org role also turns every team and
// project role of the user into viewer.
func (c *Client) SetOrgRole(ctx context.Context, id string, role model.Role) error {
	if c.readOnly {
		return ErrReadOnly
	}
	r := role.Norm()
	switch r {
	case model.RoleAdmin, model.RoleMember:
	case model.RoleViewer:
		return fmt.Errorf("set the org role of %s: refusing the deprecated org role viewer (W&B would also demote all of the user's team roles)", c.who(id))
	default:
		return fmt.Errorf("set the org role of %s: %q is not an org role (want admin or member)", c.who(id), role)
	}
	err := c.patch(ctx, userPath(id), patchOp{Op: "replace", Path: "organizationRole", Value: r})
	switch {
	case err == nil:
		return nil
	case isSeatLimit(err):
		return fmt.Errorf("set the org role of %s to %s: the organization's seat limit is reached: %w", c.who(id), r, err)
	}
	return fmt.Errorf("set the org role of %s to %s: %w", c.who(id), r, err)
}

// SetTeamRole sets the user's role in the named team through teamRoles.
func (c *Client) SetTeamRole(ctx context.Context, id, team string, role model.Role) error {
	if c.readOnly {
		return ErrReadOnly
	}
	err := c.patch(ctx, userPath(id), patchOp{Op: "replace", Path: "teamRoles",
		Value: []teamRoleBody{{TeamName: team, RoleName: string(role)}}})
	if err != nil {
		return fmt.Errorf("set the role of %s in team %s to %s: %w", c.who(id), team, role, err)
	}
	return nil
}

// AddMembers adds the users to the team in one PATCH with one add operation
// carrying every value. No ids means no request.
func (c *Client) AddMembers(ctx context.Context, teamID string, userIDs []string) error {
	if c.readOnly {
		return ErrReadOnly
	}
	if len(userIDs) == 0 {
		return nil
	}
	vals := make([]memberBody, len(userIDs))
	for i, id := range userIDs {
		vals[i] = memberBody{Value: id}
	}
	if err := c.patch(ctx, groupPath(teamID), patchOp{Op: "add", Path: "members", Value: vals}); err != nil {
		return fmt.Errorf("add %d member(s) to %s: %w", len(userIDs), c.team(teamID), err)
	}
	return nil
}

// RemoveMember removes one user from the team: one operation per PATCH, with
// the path members[value eq "ID"], never a bare members remove (which W&B
// reads as "remove everyone"). A 404 counts as done.
func (c *Client) RemoveMember(ctx context.Context, teamID, userID string) error {
	if c.readOnly {
		return ErrReadOnly
	}
	if strings.TrimSpace(userID) == "" {
		return errors.New("remove member: empty user id (refusing a bare members remove)")
	}
	p := "members[" + Filter("value", userID) + "]"
	err := c.patch(ctx, groupPath(teamID), patchOp{Op: "remove", Path: p})
	if err == nil || statusOf(err) == http.StatusNotFound {
		return nil
	}
	return fmt.Errorf("remove %s from %s: %w", c.who(userID), c.team(teamID), err)
}

// team names a team for an error message.
func (c *Client) team(id string) string {
	c.mu.Lock()
	n := c.knownTeams[id]
	c.mu.Unlock()
	if n == "" {
		return "team id " + id
	}
	return fmt.Sprintf("team %s (id %s)", n, id)
}

func detailOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Detail
	}
	return ""
}

func isSeatLimit(err error) bool {
	return err != nil && strings.Contains(strings.ToLower(detailOf(err)), "seat limit")
}
