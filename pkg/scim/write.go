package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"go.uber.org/zap"

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
	_, err := c.do(ctx, patchCall(path, ops...))
	return err
}

// patchCall is the call of one PATCH with the given operations, its 2xx
// answer unread (call.skipBody).
func patchCall(path string, ops ...patchOp) call {
	return call{method: http.MethodPatch, path: path, idempotent: true, skipBody: true,
		body: patchBody{Schemas: []string{schemaPatch}, Operations: ops}}
}

// CreateUser creates the user and returns its id: userName u.UserName (a
// handle or an email), one primary email u.Email (u.UserName when Email is
// empty), displayName and externalId when set. A 409 adopts the existing
// user (found by userName, else by email). After a failure that may have
// been applied (a transport error after sending, 500, 502, 503, 504,
// 520–527), the user is looked up the same way and adopted if found; not
// found, the create is sent again, unless someone stopped waiting while the
// server may still be at it (--timeout, 504, 524: stillAtWork), when it
// ends unknown. A user the look-up answers is never adopted
// when it names another user or has an id the read listed under another
// name (checkUser).
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
	var cl call
	cl = call{method: http.MethodPost, path: "/Users", what: "the created user", seat: true,
		body: userBody{Schemas: []string{schemaUser}, UserName: name,
			Emails:      []emailBody{{Value: email, Primary: true}},
			DisplayName: u.DisplayName, ExternalID: u.ExternalID, Active: true},
		ambiguous: func(ctx context.Context) (bool, error) {
			// By email too: W&B may have given the user a handle of its own.
			found, unshown, err := c.findCreatedUser(ctx, name, email)
			if err == nil && found == nil && unshown != nil {
				// As after a 409 (adoptUser): the email may be a secondary
				// one of that user, whose record does not show it. Whether
				// the create was made is unknown, and nothing that removes
				// or deactivates that user is sent in this run (ExistingID).
				return false, &Error{Method: http.MethodGet, Path: c.pathOf(call{path: "/Users"}), existing: unshown.ID,
					Detail: c.unshownHolder(email, unshown) + "; " + listByShownEmail}
			}
			if err != nil || found == nil {
				return false, err
			}
			if err := c.checkUser(cl, 0, found, name, email); err != nil {
				return false, err
			}
			if !found.Active {
				if name, _, ok := c.listed(found.ID); ok && name == found.UserName {
					// The deactivated user the read listed, as it was:
					// the create (on Multi-tenant Cloud, its invite
					// again) was not done, as a done one leaves an
					// active user. Sent again, as after no user found.
					return false, nil
				}
				// A create does not reactivate (see adoptUser): taking it
				// would report the create done while the user stays
				// deactivated.
				return false, fmt.Errorf("the user found by name (id %s) is deactivated: not used", c.safe(found.ID))
			}
			adopted = found.ID
			return true, nil
		}}
	r, err := c.do(ctx, cl)
	var created User
	if err == nil {
		if created, err = decodeUser(r.body); err != nil {
			err = c.decodeErr(cl, r.status, r.header, err) // unread: looked up below
		}
	}
	switch {
	case errors.Is(err, errAdopted):
		c.rememberName(adopted, name)
		return adopted, nil
	case errors.Is(err, ErrNameTaken):
		id, aerr := c.adoptUser(ctx, cl, name, email, err)
		if aerr == nil {
			c.rememberName(id, name)
			c.adopted(ctx, err, "user", name, id)
		}
		return id, aerr
	case errors.Is(err, ErrSeatLimit):
		return "", fmt.Errorf("create user %s: the organization's seat limit is reached: %w", name, err)
	case answeredUnread(err):
		found, lerr := c.foundAfterAnswer(ctx, cl, "user", name, err)
		if found {
			c.rememberName(adopted, name)
			return adopted, nil
		}
		// A look-up that tied the user to an existing account it did not
		// take: apply spares that account (ExistingID), as after a 409.
		var le, e *Error
		if errors.As(lerr, &le) && le.existing != "" && errors.As(err, &e) {
			e.existing = le.existing
			return "", fmt.Errorf("create user %s: %w; looking it up: %w", name, err, lerr)
		}
		return "", fmt.Errorf("create user %s: %w", name, err)
	case err != nil:
		return "", fmt.Errorf("create user %s: %w", name, err)
	}
	// W&B may answer with a handle of its own: the user is still the one
	// created when the answer carries the email sent.
	if err := c.checkUser(cl, r.status, &created, name, email); err != nil {
		return "", err
	}
	c.rememberName(created.ID, name)
	return created.ID, nil
}

// unshownHolder says that the look-up by email answered user u, whose
// record does not show email, and what apply does of it.
func (c *Client) unshownHolder(email string, u *User) string {
	shown := u.UserName
	if len(u.Emails) > 0 {
		shown = u.Emails[0].Value
	}
	return fmt.Sprintf("its look-up by email %s answers user %s (id %s), whose record does not list that email "+
		"(a server may list only each user's primary email): it may be that user's account, so nothing that removes or deactivates it is sent in this run",
		c.safe(email), c.safe(shown), c.safe(u.ID))
}

// findCreatedUser looks up the user a create of name and email may have
// made: by userName, else by email. When neither finds it, unshown is the
// one user the server's look-up by email answered whose record does not
// show that email, if it answered one with a usable id (see
// findUserOrUnshown).
func (c *Client) findCreatedUser(ctx context.Context, name, email string) (found, unshown *User, err error) {
	var byName *User
	found, byName, err = c.findUserOrUnshown(ctx, "userName", name, func(u User) []string { return []string{u.UserName} })
	if err == nil && found == nil {
		found, unshown, err = c.findUserByEmail(ctx, email) // under a handle the server chose, if the email was the userName sent
	}
	if unshown != nil && byName != nil && byName.ID == unshown.ID {
		// Both look-ups answered the same user, which shows neither the
		// name nor the email: a server that ignores the filter and lists
		// its one user, not a user found by an email it does not show.
		unshown = nil
	}
	if unshown != nil && idProblem(unshown.ID) != nil {
		unshown = nil // no account to name or hold
	}
	return found, unshown, err
}

// mayHideEmails reports whether a listed user may hold an email no read
// showed: on Multi-tenant Cloud, where a user may hold several, once a
// read showed a user's emails as one object or string (oneEmailShown).
func (c *Client) mayHideEmails() bool {
	return c.deployment == model.SaaS && c.oneEmailShown.Load()
}

// The words of a create failure marked UnseenHolder, or naming the user
// its look-up answered (unshownHolder).
const (
	unseenEmail      = "the email may be a secondary email of a user the read lists under another"
	unseenHeld       = "so nothing that removes a user not in the manifest from a team, or deactivates one, is sent in this run"
	listByShownEmail = "if it is, list the user in the manifest by the email its record shows"
)

// markedUnseen returns a copy of e marked UnseenHolder.
func markedUnseen(e *Error) *Error {
	marked := *e
	marked.unseenHolder = true
	return &marked
}

// checkUser refuses a user that a create's answer (status) or a look-up
// after it (status 0) gives, when it is not the one the create was for: it
// names another user, or its id is one the read listed under another name
// (the new user's roles and teams would go to that user).
func (c *Client) checkUser(cl call, status int, u *User, name, email string) error {
	got := []string{u.UserName}
	for _, e := range u.Emails {
		got = append(got, e.Value)
	}
	before, beforeEmail, existed := c.listed(u.ID)
	return c.checkCreated(cl, status, "user", u.ID, []string{name, email}, got, []string{before, beforeEmail}, existed)
}

// adopted says, at info level, that a create refused with err (a 409, or a
// team create's 400) adopted the existing user or team: the report counts
// the create ok, and a reviewer should still learn that it was not made by
// this run: the flag NoteAdoption put in ctx, if any, is set (the report
// marks the create "adopted").
func (c *Client) adopted(ctx context.Context, err error, kind, name, id string) {
	raise(ctx, adoptKey{})
	status := http.StatusConflict
	var e *Error
	if errors.As(err, &e) {
		status = e.Status
	}
	fields := []zap.Field{zap.String(kind, c.safe(name)), zap.String("id", c.safe(id))}
	msg := fmt.Sprintf("SCIM create answered %d (it exists): the existing %s is used", status, kind)
	c.mu.Lock()
	live, other := c.createdAs[name]
	c.mu.Unlock()
	if other && kind == "team" {
		// Adopted under another letter case (adoptTeam): the reviewer
		// approved one name and the organization keeps the other.
		msg += ", under the name the server has for it"
		fields = append(fields, zap.String("live_name", c.safe(live)))
	}
	c.log.Info(msg, fields...)
}

// answeredUnread reports whether err is a write's 2xx answer whose body
// did not arrive whole or did not decode: the server said it was made. (A
// 202, or an HTML page, does not say so: those stay unknown.)
func answeredUnread(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.unread
}

// foundAfterAnswer is called for a create answered 2xx without the created
// user or team in a form wbsync reads (why: an empty 201, a body that broke
// off or did not decode). It was probably made, so it is looked up as after
// a lost answer (cl.ambiguous, which sets what it finds) and never sent
// again: true when the look-up found it, said at info level; else its
// outcome stays unknown, and the look-up's error (if any) is returned too.
func (c *Client) foundAfterAnswer(ctx context.Context, cl call, kind, name string, why error) (bool, error) {
	ok, err := cl.ambiguous(ctx)
	switch {
	case ok:
		c.log.Info(fmt.Sprintf("SCIM create answered without the created %s: found it by name", kind),
			zap.String(kind, c.safe(name)), zap.String("answer", why.Error()))
	case err != nil:
		c.log.Info(fmt.Sprintf("SCIM create answered without the created %s; looking it up failed", kind),
			zap.String(kind, c.safe(name)), zap.Error(err))
	}
	return ok, err
}

// lookUpCut is conflict, a create's answer that its user or team exists
// (a 409, or a team's 400 that may say its name is taken), when the
// look-up for it failed (lookUp): if an interrupt cut that look-up short
// (not sent, or not tried again, after the first signal; or the run's
// context ended, after the second), whether the create is done (the
// account exists, and may be this run's) is unknown, not failed. The
// answer is then marked so, as the first error the caller finds.
func lookUpCut(ctx context.Context, conflict, lookUp error) error {
	var e, le *Error
	cut := ctx.Err() != nil || errors.As(lookUp, &le) && le.stopped
	if !cut || !errors.As(conflict, &e) {
		return conflict
	}
	marked := *e
	marked.unknown = true
	return &marked
}

// adoptUser finds the user a 409 says exists.
func (c *Client) adoptUser(ctx context.Context, cl call, name, email string, conflict error) (string, error) {
	found, unshown, err := c.findCreatedUser(ctx, name, email)
	var e *Error
	if err != nil {
		cut := lookUpCut(ctx, conflict, err)
		if c.mayHideEmails() && errors.As(cut, &e) {
			// Nothing explains the 409 when its look-up fails either: the
			// email may be a secondary one of a listed user (UnseenHolder,
			// as below).
			return "", fmt.Errorf("create user %s: %w; looking up the existing user: %w (on Multi-tenant Cloud "+unseenEmail+", "+unseenHeld+")", name, markedUnseen(e), err)
		}
		return "", fmt.Errorf("create user %s: %w; looking up the existing user: %w", name, cut, err)
	}
	if found == nil && unshown != nil && errors.As(conflict, &e) {
		// The server found a user by the email whose record does not show
		// it: on Multi-tenant Cloud a user may hold several emails, and a
		// server may list only the primary one. It may be this user's
		// account, which the plan, not seeing the email, may remove and
		// deactivate as unmanaged: nothing of it is removed in this run
		// (ExistingID).
		marked := *e
		marked.existing = unshown.ID
		return "", fmt.Errorf("create user %s: the server says it exists, and %s; %s: %w",
			name, c.unshownHolder(email, unshown), listByShownEmail, &marked)
	}
	if found == nil {
		why := "it may belong to a user this key cannot list"
		if c.deployment == model.SaaS {
			handle := model.Key(name) != model.Key(email) || !strings.Contains(name, "@")
			why = "on Multi-tenant Cloud user names are global: it may be the handle of a W&B account outside the organization; " +
				"choose another username: in the manifest, or the person's own W&B handle if they have an account"
			if c.mayHideEmails() && errors.As(conflict, &e) {
				// The email may be a secondary one of an account the read
				// lists under its primary email (the read showed one email
				// per user, and the look-up by email may not see the
				// others): the plan, not seeing it, may remove and
				// deactivate that account as not in the manifest. Apply
				// sends none of those in this run (UnseenHolder). A read
				// that shows every email (an array) leaves no such account.
				secondary := unseenEmail + " (the read shows one email per user), " + unseenHeld + "; " + listByShownEmail + " (wbsync export writes it)"
				if handle {
					why += "; or " + secondary
				} else {
					why = "on Multi-tenant Cloud " + secondary
				}
				conflict = markedUnseen(e)
			}
		}
		return "", fmt.Errorf("create user %s: the server says it exists, but no user with that userName or email is listed (%s): %w", name, why, conflict)
	}
	if !found.Active {
		// Adopting it would report a create done while the user stays
		// deactivated: every later apply would find it still to do.
		advice := "run plan again (it plans a reactivation when the read lists the user as deactivated); " +
			"if the read lists no deactivated user, reactivate it in the W&B UI"
		if c.deployment == model.SaaS {
			// Planned for Multi-tenant Cloud, which cannot reactivate: the
			// plan invites the user again. Multi-tenant Cloud may still
			// list such a user, so which it is cannot be told from here.
			advice = "on Multi-tenant Cloud, which cannot reactivate through SCIM and here refused to invite the user again through it, invite the user in the W&B UI; " +
				"if this server is Dedicated Cloud or self-managed instead, set --deployment dedicated (or WBSYNC_DEPLOYMENT=dedicated) " +
				"and plan again: wbsync then plans a reactivation"
		}
		return "", fmt.Errorf("create user %s: the user exists but is deactivated (id %s), and a create does not reactivate it: %s: %w",
			name, c.safe(found.ID), advice, conflict)
	}
	if err := c.checkUser(cl, 0, found, name, email); err != nil {
		return "", err
	}
	return found.ID, nil
}

// CreateTeam creates an empty team and returns its id. When the create may
// have happened without its answer (a transport error after sending, 500,
// 502, 503, 504) or answers 409 (a concurrent apply created it), the team is
// looked up by displayName: it is adopted when exactly one live team has
// that name and its id was not known to this client before the create (from
// ListGroups or an earlier lookup). Otherwise an ambiguous failure is sent
// again when no team has the name (unless the server may still be at it:
// stillAtWork, unknown), and a 409 fails with a message that fits
// the deployment. A 400, which W&B may answer for a taken name, is looked
// up as a 409 is, and fails saying what it may mean.
func (c *Client) CreateTeam(ctx context.Context, name string) (string, error) {
	if c.readOnly {
		return "", ErrReadOnly
	}
	if strings.TrimSpace(name) == "" {
		return "", errors.New("create team: empty name")
	}
	known := c.teamMark()
	var adopted string
	cl := call{method: http.MethodPost, path: "/Groups", what: "the created team",
		body: groupBody{Schemas: []string{schemaGroup}, DisplayName: name, Members: []memberBody{}},
		ambiguous: func(ctx context.Context) (bool, error) {
			id, n, err := c.adoptTeam(ctx, name, known)
			switch {
			case err != nil:
				return false, err
			case id != "":
				adopted = id
				return true, nil
			case n == 0:
				return false, nil
			}
			return false, fmt.Errorf("%d teams named %q exist, and the create may have made one of them: re-read and plan again", n, name)
		}}
	r, err := c.do(ctx, cl)
	var g Group
	if err == nil {
		if g, err = decodeGroup(r.body); err != nil {
			err = c.decodeErr(cl, r.status, r.header, err) // unread: looked up below
		}
	}
	switch {
	case errors.Is(err, errAdopted):
		c.rememberTeams([]Group{{ID: adopted, DisplayName: name}})
		return adopted, nil
	case errors.Is(err, ErrNameTaken), hasStatus(err, http.StatusBadRequest):
		// A 409, or a 400, which W&B may answer for a taken name
		// (docs/wandb-api.md): the name is looked up, and a team of it
		// that this client did not know is used.
		conflict := errors.Is(err, ErrNameTaken)
		id, n, aerr := c.adoptTeam(ctx, name, known)
		switch {
		case aerr != nil:
			return "", fmt.Errorf("create team %s: %w; looking up a team of that name: %w", name, lookUpCut(ctx, err, aerr), aerr)
		case id != "":
			c.rememberTeams([]Group{{ID: id, DisplayName: name}})
			c.adopted(ctx, err, "team", name, id)
			return id, nil
		case conflict:
			return "", fmt.Errorf("create team %s: %s: %w", name, c.nameTaken(n), err)
		case n > 0: // a 400 that may or may not be about the name
			return "", fmt.Errorf("create team %s: %w (%d live team(s) have this name, which may be why: re-read and plan again)", name, err, n)
		}
		return "", fmt.Errorf("create team %s: %w (if the name is taken, which W&B may answer with 400: %s)", name, err,
			strings.TrimPrefix(c.nameTaken(0), "the name is taken: "))
	case answeredUnread(err):
		if found, _ := c.foundAfterAnswer(ctx, cl, "team", name, err); found {
			c.rememberTeams([]Group{{ID: adopted, DisplayName: name}})
			return adopted, nil
		}
		return "", fmt.Errorf("create team %s: %w", name, err)
	case err != nil:
		return "", fmt.Errorf("create team %s: %w", name, err)
	}
	c.mu.Lock()
	before, existed := c.knownTeams[g.ID]
	c.mu.Unlock()
	if err := c.checkCreated(cl, r.status, "team", g.ID, []string{name}, []string{g.DisplayName}, []string{before}, existed); err != nil {
		return "", err
	}
	c.rememberTeams([]Group{g})
	if g.DisplayName != "" && g.DisplayName != name {
		c.mu.Lock()
		c.createdAs[name] = g.DisplayName
		c.mu.Unlock()
	}
	return g.ID, nil
}

// adoptTeam looks name up after a create that may have made it: id is the
// one live team of that name when it was not known before the create, n the
// number of live teams with the name. A server that names teams in lower
// case answers the create's name in another case: the one live team of
// the name ignoring case, unknown before the create, is adopted too, and
// its team roles go to its own name (createdAs).
func (c *Client) adoptTeam(ctx context.Context, name string, known uint64) (id string, n int, err error) {
	found, err := c.findGroupsFold(ctx, name)
	if err != nil {
		return "", 0, err
	}
	var exact []Group
	for _, g := range found {
		if g.DisplayName == name {
			exact = append(exact, g)
		}
	}
	switch {
	case len(exact) > 0:
		if len(exact) == 1 && !c.knownAt(exact[0].ID, known) {
			return exact[0].ID, 1, nil
		}
		return "", len(exact), nil
	case len(found) == 1:
		if !c.knownAt(found[0].ID, known) {
			c.mu.Lock()
			c.createdAs[name] = found[0].DisplayName
			c.mu.Unlock()
			return found[0].ID, 1, nil
		}
	}
	return "", len(found), nil
}

// nameTaken explains a 409 on a team create that could not be adopted, n
// being the number of live teams with the name.
func (c *Client) nameTaken(n int) string {
	switch {
	case n > 1:
		return fmt.Sprintf("the name is taken and %d teams have it: re-read and plan again", n)
	case n == 1:
		return "the name is taken by a team this run already knew: re-read and plan again"
	}
	const choose = "; choose another name for the team in the manifest"
	if c.deployment == model.SaaS {
		return "the name is taken: team names are global across W&B Multi-tenant Cloud: the name may be taken by another organization or user" + choose
	}
	return "the name is taken: a team with this name already exists on the instance" + choose
}

// hasStatus reports whether err is a server's answer with status.
func hasStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}

// UpdateUser replaces, one PATCH per attribute (W&B takes one operation per
// request), the non-empty displayName and externalId of u and, on Dedicated
// Cloud and self-managed, its email (emails = [{value, primary: true}]: W&B
// keeps one email per user there, and refuses more).
// Multi-tenant Cloud has no email update: there u.Email is not sent.
func (c *Client) UpdateUser(ctx context.Context, id string, u model.User) error {
	if c.readOnly {
		return ErrReadOnly
	}
	type attr struct {
		name, path string
		value      any
	}
	var attrs []attr
	if u.DisplayName != "" {
		attrs = append(attrs, attr{"display name", "displayName", u.DisplayName})
	}
	if u.ExternalID != "" {
		attrs = append(attrs, attr{"externalId", "externalId", u.ExternalID})
	}
	if email := strings.TrimSpace(u.Email); email != "" && c.deployment != model.SaaS {
		attrs = append(attrs, attr{"email", "emails", []emailBody{{Value: email, Primary: true}}})
	}
	for i, a := range attrs {
		if err := c.patch(ctx, userPath(id), patchOp{Op: "replace", Path: a.path, Value: a.value}); err != nil {
			var e *Error
			if i > 0 && errors.As(err, &e) && !e.unknown {
				// An earlier attribute was changed: the update is partly
				// made, neither done nor not done.
				e.unknown, e.stopped = true, false
				e.Detail = strings.TrimPrefix(e.Detail+"; the update is partly made (the attributes before it were changed)", "; ")
			}
			return fmt.Errorf("update the %s of %s: %w", a.name, c.who(id), err)
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
	cl := patchCall(userPath(id), patchOp{Op: "replace", Value: map[string]bool{"active": active}})
	cl.seat = active // a reactivation takes a seat
	_, err := c.do(ctx, cl)
	switch {
	case err == nil:
		return nil
	case !active && errors.Is(err, ErrNotFound) && c.deployment == model.SaaS:
		notedNotFound(ctx, err)
		return nil
	case errors.Is(err, ErrSeatLimit):
		return fmt.Errorf("%s %s: the organization's seat limit is reached: %w", verb, c.who(id), err)
	case errors.Is(err, ErrReactivationRefused):
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
	cl := patchCall(userPath(id), patchOp{Op: "replace", Path: "organizationRole", Value: r})
	cl.skipBody = false // the answer is read (roleAnswer), under the cap of a body that is not a list: a user record
	rep, err := c.do(ctx, cl)
	if err == nil {
		err = c.roleAnswer(cl, rep, id, r)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrSeatLimit):
		return fmt.Errorf("set the org role of %s to %s: the organization's seat limit is reached: %w", c.who(id), r, err)
	}
	roleAttributeRefused(err, "organizationRole")
	return fmt.Errorf("set the org role of %s to %s: %w", c.who(id), r, err)
}

// roleAttributeRefused marks err, a failed role write through attr
// (organizationRole or teamRoles), when the server refused the path itself
// (400 invalidPath, RFC 7644: a path that is malformed or names no
// attribute the server has): a SCIM server other than W&B's, without W&B's
// role attributes (ErrRoleAttributeRefused). W&B sends no scimType. What
// the body said of itself (the seat limit, Multi-tenant Cloud) is kept.
func roleAttributeRefused(err error, attr string) {
	var e *Error
	if errors.As(err, &e) && e.kind == kindNone && !e.SaysMultiTenant() && e.Status == http.StatusBadRequest && strings.EqualFold(e.ScimType, "invalidPath") {
		e.kind, e.Hint = kindRoleAttribute, fmt.Sprintf(hintRoleAttribute, attr)
	}
}

// roleAnswer checks the answer to an org role PATCH of user id to r.
// W&B answers with the user, whose organizationRole shows the role now
// held: an answer about this user that shows another role says the change
// was not made, and it fails; another user's record (an id that is not
// this one, with a userName or a role) says nothing of this one, and its
// outcome is unknown (the last-admin guard must count neither as a
// promotion done). Any other answer (no body, this user without a role,
// a bare id, not a user: none decodes with a role and a userName of
// another) is taken at its status.
func (c *Client) roleAnswer(cl call, rep *reply, id string, r model.Role) error {
	u, err := decodeUser(rep.body)
	switch {
	case errors.Is(err, errGivenTwice):
		// The answer says two things (two roles, or two ids): which one
		// the server means is not known, so neither is the outcome.
		return &Error{Method: cl.method, Path: c.pathOf(cl), Status: rep.status, fatal: true, unknown: true,
			Detail: "the answer is ambiguous: " + c.safe(err.Error())}
	case err != nil:
		return nil
	case u.ID != id && (u.UserName != "" || u.OrganizationRole != ""):
		return &Error{Method: cl.method, Path: c.pathOf(cl), Status: rep.status, fatal: true, unknown: true,
			Detail: "the answer describes another user (id " + strconv.Quote(c.safe(u.ID)) + ")"}
	case u.OrganizationRole != "" && model.NormRole(u.OrganizationRole) != r: // this user (the case above takes another's)
		return &Error{Method: cl.method, Path: c.pathOf(cl), Status: rep.status, fatal: true,
			Detail: "the answer gives the user the organizationRole " + strconv.Quote(c.safe(u.OrganizationRole)) + ", not " + string(r) + ": not counted as done"}
	}
	return nil
}

// SetTeamRole sets the user's role in the named team through teamRoles.
// A team this client created is named as the server's answer named it.
func (c *Client) SetTeamRole(ctx context.Context, id, team string, role model.Role) error {
	if c.readOnly {
		return ErrReadOnly
	}
	c.mu.Lock()
	if answered, ok := c.createdAs[team]; ok {
		team = answered // the name the server gave the team this run created
	}
	c.mu.Unlock()
	err := c.patch(ctx, userPath(id), patchOp{Op: "replace", Path: "teamRoles",
		Value: []teamRoleBody{{TeamName: team, RoleName: string(role)}}})
	if err != nil {
		roleAttributeRefused(err, "teamRoles")
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
// reads as "remove everyone"). A 404 counts as done, and so does a 400
// noTarget (RFC 7644: the path's filter matched nothing) to a retry whose
// earlier attempt may have been applied: that attempt removed the member.
// A first answer of noTarget is a failure: a server that does not take the
// filter form may say so of a member it still holds.
func (c *Client) RemoveMember(ctx context.Context, teamID, userID string) error {
	if c.readOnly {
		return ErrReadOnly
	}
	if strings.TrimSpace(userID) == "" {
		return errors.New("remove member: empty user id (refusing a bare members remove)")
	}
	p := "members[" + Filter("value", userID) + "]"
	err := c.patch(ctx, groupPath(teamID), patchOp{Op: "remove", Path: p})
	var e *Error
	if errors.Is(err, ErrNotFound) {
		notedNotFound(ctx, err)
		return nil
	}
	if err == nil || errors.As(err, &e) && e.Status == http.StatusBadRequest && strings.EqualFold(e.ScimType, "noTarget") && e.OutcomeUnknown() {
		return nil
	}
	return fmt.Errorf("remove %s from %s: %w", c.who(userID), c.team(teamID), err)
}

// checkCreated checks a create's 2xx answer before its id is written to.
// sent are the names the created user or team goes by (its name, and for a
// user its email); got are the names the answer gives (userName and
// emails, or displayName; empty ones are not given); before are the names
// the read listed the answer's id under, when it did (existed). The id
// must be plain (no control character), the answer must name
// what was sent, if it names anything, and the id must be new, or one the
// read listed under one of the names sent (on Multi-tenant Cloud a user
// deactivated earlier comes back with its id). Otherwise later writes
// would go to another user or team. The create was answered 2xx, so a
// refused answer leaves its outcome unknown, not failed.
func (c *Client) checkCreated(cl call, status int, kind, id string, sent, got, before []string, existed bool) error {
	first := func(names []string) string {
		for _, n := range names {
			if strings.TrimSpace(n) != "" {
				return n
			}
		}
		return ""
	}
	var why string
	switch {
	case idProblem(id) != nil:
		why = fmt.Sprintf("the answer's id %q: %v", c.safe(id), idProblem(id))
	case first(got) != "" && !anySame(got, sent):
		why = fmt.Sprintf("the answer names another %s (%s, id %s)", kind, c.safe(first(got)), c.safe(id))
	case existed && !anySame(before, sent):
		why = fmt.Sprintf("the answer gives the id of an existing %s (%s, id %s)", kind, c.safe(first(before)), c.safe(id))
	default:
		return nil
	}
	e := &Error{Method: cl.method, Path: c.pathOf(cl), Status: status, fatal: true, unknown: true,
		Detail: why + ": not used for this create; whether the " + kind + " was created is unknown (the next plan shows it)"}
	if kind == "user" && idProblem(id) == nil {
		// The account may be the created user's under another name (an
		// identity provider moved the email to it): apply removes and
		// deactivates nothing of it in this run (ExistingID).
		e.existing = id
		e.Detail = why + ": not used for this create, and nothing that removes or deactivates that user is sent in this run; " +
			"whether the user was created is unknown (the next plan shows it)"
	}
	return fmt.Errorf("create %s %s: %w", kind, sent[0], e)
}

// anySame reports whether a non-empty name of a equals one of b, spaces
// around and case aside (model.Key: a look-alike outside ASCII is another
// name).
func anySame(a, b []string) bool {
	for _, x := range a {
		x = model.Key(x)
		if x == "" {
			continue
		}
		for _, y := range b {
			if x == model.Key(y) {
				return true
			}
		}
	}
	return false
}
