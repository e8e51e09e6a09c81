package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wbsync/wbsync/pkg/model"
)

func userID(u User) string   { return u.ID }
func groupID(g Group) string { return g.ID }
func roleID(r Role) string   { return r.ID }

// sameUser and sameGroup say whether two reads of one resource (on two
// overlapping pages) agree on what they say: multi-valued attributes in
// any order (RFC 7643 §2.4 gives them none), times as instants (Z and
// +00:00 alike), and meta.version and meta.lastModified left out, which a
// login may move and no plan reads.
func sameUser(a, b User) bool {
	return a.ID == b.ID && a.UserName == b.UserName && a.DisplayName == b.DisplayName && a.ExternalID == b.ExternalID &&
		a.Active == b.Active && a.OrganizationRole == b.OrganizationRole && a.CreatedUnreadable == b.CreatedUnreadable &&
		a.Created.Equal(b.Created) && sameSet(a.Emails, b.Emails) && (a.TeamRoles == nil) == (b.TeamRoles == nil) &&
		sameSet(a.TeamRoles, b.TeamRoles) && (a.Groups == nil) == (b.Groups == nil) && sameSet(a.Groups, b.Groups)
}

func sameGroup(a, b Group) bool {
	return a.ID == b.ID && a.DisplayName == b.DisplayName && a.MembersAbsent == b.MembersAbsent &&
		a.Created.Equal(b.Created) && sameSet(a.Members, b.Members)
}

// sameSet says whether a and b hold the same values as many times each,
// in any order.
func sameSet[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	n := make(map[T]int, len(a))
	for _, v := range a {
		n[v]++
	}
	for _, v := range b {
		if n[v]--; n[v] < 0 {
			return false
		}
	}
	return true
}

func (c *Client) users(filter string) *lister[User] {
	user := listedUsers(newInterner())
	rec := func(d *jsonReader) (User, string, error) {
		u, id, err := user(d)
		if err == nil && d.sc.oneEmail && !c.oneEmailShown.Load() { // a read, not a write, per user
			c.oneEmailShown.Store(true)
		}
		return u, id, err
	}
	return &lister[User]{c: c, path: "/Users", filter: filter, noun: "user", plural: "users", rec: rec, id: userID, same: sameUser}
}

func (c *Client) groups(filter string) *lister[Group] {
	return &lister[Group]{c: c, path: "/Groups", filter: filter, noun: "group", plural: "groups", rec: listedGroup, id: groupID, same: sameGroup}
}

// ListUsers reads every user, page by page, failing closed: any failed,
// short, repeated or inconsistent page, and any malformed user (no id, no
// userName, an attribute over caps.Field), is an error, never a smaller
// list.
func (c *Client) ListUsers(ctx context.Context) ([]User, error) {
	users, err := c.users("").read(ctx)
	if err != nil {
		return nil, err
	}
	c.rememberNames(users)
	return users, nil
}

// EachUser reads every user as ListUsers does, failing closed alike, but
// hands them to fn page by page as they are read instead of returning them
// at the end: fn gets every user once, in no particular order, one call at
// a time, and owns what it is given, but for its slices' contents, which
// it must not change (the client compares the users at page edges, where
// two pages overlap, until both have come); the client keeps only ids and
// those few users. If EachUser
// returns an error (fn's own included), what fn was given is not the
// organization: discard it.
func (c *Client) EachUser(ctx context.Context, fn func([]User) error) error {
	return c.users("").each(ctx, func(users []User) error {
		c.rememberNames(users)
		return fn(users)
	})
}

// EachGroup reads every group as ListGroups does and hands them to fn as
// EachUser hands users.
func (c *Client) EachGroup(ctx context.Context, fn func([]Group) error) error {
	return c.groups("").each(ctx, func(groups []Group) error {
		c.rememberTeams(groups)
		return fn(groups)
	})
}

// ListGroups reads every group (W&B team), failing closed like ListUsers: a
// group needs an id and a displayName, each member a value.
func (c *Client) ListGroups(ctx context.Context) ([]Group, error) {
	groups, err := c.groups("").read(ctx)
	if err != nil {
		return nil, err
	}
	c.rememberTeams(groups)
	return groups, nil
}

// ListRoles reads W&B's /Roles (custom team roles, a W&B extension on
// Dedicated Cloud and self-managed), failing closed like ListUsers: a role
// needs an id and a name. A server without /Roles gives an error matching
// ErrNotFound.
func (c *Client) ListRoles(ctx context.Context) ([]Role, error) {
	l := &lister[Role]{c: c, path: "/Roles", noun: "role", plural: "roles", rec: listedRole, id: roleID, optional: true}
	roles, err := l.read(ctx)
	var se *Error
	if errors.As(err, &se) && se.Status == http.StatusForbidden {
		// The generic 403 hint speaks of keys that cannot use SCIM at
		// all; a key refused /Roles alone may read users and teams.
		e := *se
		e.Hint = "the key may not list custom roles, which only an org admin's key can; custom roles cannot be checked without it"
		return nil, fmt.Errorf("list roles: %w", &e)
	}
	return roles, err
}

// FindUser returns the user whose userName equals userName
// (case-insensitively), or nil when there is none.
func (c *Client) FindUser(ctx context.Context, userName string) (*User, error) {
	return c.findUser(ctx, "userName", userName, func(u User) []string { return []string{u.UserName} })
}

// FindUserByEmail returns the user with an email equal to email
// (case-insensitively), or nil when there is none.
func (c *Client) FindUserByEmail(ctx context.Context, email string) (*User, error) {
	found, _, err := c.findUserByEmail(ctx, email)
	return found, err
}

// findUserByEmail is FindUserByEmail that also returns the one user the
// server answered whose record does not show email (findUserOrUnshown).
func (c *Client) findUserByEmail(ctx context.Context, email string) (found, unshown *User, err error) {
	return c.findUserOrUnshown(ctx, "emails.value", email, func(u User) []string {
		out := make([]string, len(u.Emails))
		for i, e := range u.Emails {
			out[i] = e.Value
		}
		return out
	})
}

// KeyRefused reads one user (GET /Users?startIndex=1&count=1, tried
// once) and reports whether it was answered 401: apply asks it after a
// write answered 401, to tell a key revoked during the run (every later
// request would be refused too) from a refusal of that write alone. An
// error is a read that failed otherwise.
func (c *Client) KeyRefused(ctx context.Context) (bool, error) {
	// The body unread: only the status matters, and a server that ignores
	// count sends a whole page.
	_, err := c.do(OneAttempt(ctx), call{method: http.MethodGet, path: "/Users", query: "startIndex=1&count=1", what: "a page of users", skipBody: true})
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, ErrUnauthorized):
		return true, nil
	}
	return false, err
}

// OrgRoleOf reads user id back (GET /Users/{id}; when that answer holds
// no organizationRole, the list filtered by its userName, where the read
// found the roles) and returns the organization role it reports
// (normalised; "" when it reports none) and whether it is active: apply's
// last-admin guard reads a promotion back before it runs a change that
// only that promotion leaves an admin for.
func (c *Client) OrgRoleOf(ctx context.Context, id string) (model.Role, bool, error) {
	cl := call{method: http.MethodGet, path: userPath(id), what: "the user"}
	rep, err := c.do(ctx, cl)
	if err != nil {
		return "", false, fmt.Errorf("read %s back: %w", c.who(id), err)
	}
	u, err := decodeUser(rep.body)
	if err != nil {
		return "", false, fmt.Errorf("read %s back: %w", c.who(id), c.decodeErr(cl, rep.status, rep.header, err))
	}
	if u.ID != id {
		return "", false, fmt.Errorf("read %s back: the answer describes another user (id %s)", c.who(id), strconv.Quote(c.safe(u.ID)))
	}
	if u.OrganizationRole == "" && u.UserName != "" {
		// W&B's examples show a user read alone without its roles: ask
		// the list form, which the organization's read found them in.
		l, err := c.FindUser(ctx, u.UserName)
		switch {
		case err != nil:
			return "", false, fmt.Errorf("read %s back: %w", c.who(id), err)
		case l != nil && l.ID == id:
			u = *l
		}
	}
	return model.NormRole(u.OrganizationRole), u.Active, nil
}

// GetGroup reads group id alone (GET /Groups/{id}): for a server that
// lists its groups without their members (RFC 7644 lets a list leave out
// what a read of the resource returns), the members.
func (c *Client) GetGroup(ctx context.Context, id string) (Group, error) {
	// A team with its members is as large as a list page may be, and as
	// bounded.
	cl := call{method: http.MethodGet, path: groupPath(id), what: "the team", bodyCap: c.listBody, guard: true}
	rep, err := c.do(ctx, cl)
	if err != nil {
		return Group{}, fmt.Errorf("read %s: %w", c.team(id), err)
	}
	g, err := decodeGroup(rep.body)
	if err != nil {
		return Group{}, fmt.Errorf("read %s: %w", c.team(id), c.decodeErr(cl, rep.status, rep.header, err))
	}
	if g.ID != id {
		return Group{}, fmt.Errorf("read %s: the answer describes another team (id %s)", c.team(id), strconv.Quote(c.safe(g.ID)))
	}
	if blank(g.DisplayName) {
		// Not a team (a user's record, an id alone): its members, absent,
		// would read as an empty team, and an authoritative team's
		// removals would drop out of the plan unsaid.
		return Group{}, fmt.Errorf("read %s: %w", c.team(id), c.decodeErr(cl, rep.status, rep.header, errors.New("no displayName")))
	}
	return g, nil
}

// errMorePages is what a onePage read returns when the collection takes
// more than its first page.
var errMorePages = errors.New("more than one page")

// lookUp reads what the filtered lister newL makes lists. A look-up holds
// every resource its answer lists until its read ends, and a server that
// ignores the filter lists the whole organization. An answer of one page
// (W&B's, which honours the filter: a user or two) is read at once, so
// that the look-ups of a storm of 5xx answers run in parallel; a longer
// one is dropped after its first page and read again, by a new lister
// (its own page budget), holding one of caps.LookUps slots, so that
// look-ups of many pages are read that many at a time, whatever
// --concurrency. A run interrupted stops waiting, as attempt does.
func lookUp[T any](ctx context.Context, newL func() *lister[T]) ([]T, error) {
	l := newL()
	l.onePage = true
	out, err := l.read(ctx)
	if !errors.Is(err, errMorePages) {
		return out, err
	}
	select {
	case l.c.lookUps <- struct{}{}:
		defer func() { <-l.c.lookUps }()
	case <-ctx.Done():
		return nil, fmt.Errorf("list %s: %w", l.plural, ctx.Err())
	case <-l.c.stopped.Done():
		return nil, fmt.Errorf("list %s: %w", l.plural, errRetryStopped)
	}
	return newL().read(ctx)
}

// findUser lists the users matching attr eq value and re-checks the match
// itself (a server may ignore the filter).
func (c *Client) findUser(ctx context.Context, attr, value string, keys func(User) []string) (*User, error) {
	found, _, err := c.findUserOrUnshown(ctx, attr, value, keys)
	return found, err
}

// findUserOrUnshown is findUser that also returns, when the server's answer
// holds no user whose keys equal value, the one user it answered instead,
// if it answered exactly one: the server found that user by value, where
// its record does not show it (a server may list only each user's primary
// email). Never taken as the user looked for; it may be that user.
func (c *Client) findUserOrUnshown(ctx context.Context, attr, value string, keys func(User) []string) (found, unshown *User, err error) {
	users, err := lookUp(ctx, func() *lister[User] { return c.users(Filter(attr, value)) })
	if err != nil {
		return nil, nil, err
	}
	want := model.Key(value)
	var hits []User
	for _, u := range users {
		for _, k := range keys(u) {
			if model.Key(k) == want {
				hits = append(hits, u)
				break
			}
		}
	}
	switch len(hits) {
	case 0:
		if len(users) == 1 {
			return nil, &users[0], nil
		}
		return nil, nil, nil
	case 1:
		// Not remembered here: the caller checks the id against what the
		// read listed before it adopts the user.
		return &hits[0], nil, nil
	}
	return nil, nil, fmt.Errorf("find user with %s %q: %d users match", attr, c.safe(value), len(hits))
}

// findGroupsFold returns the groups the server finds by displayName whose
// name equals name ignoring case (model.Lower, as the plan matches team
// names: a look-alike outside ASCII is another team).
func (c *Client) findGroupsFold(ctx context.Context, name string) ([]Group, error) {
	groups, err := lookUp(ctx, func() *lister[Group] { return c.groups(Filter("displayName", name)) })
	if err != nil {
		return nil, err
	}
	var out []Group
	want := model.Lower(name)
	for _, g := range groups {
		if model.Lower(g.DisplayName) == want {
			out = append(out, g)
		}
	}
	return out, nil
}

// Filter builds a SCIM filter `ATTR eq "VALUE"`, escaping backslashes and
// double quotes in the value.
func Filter(attr, value string) string {
	v := strings.ReplaceAll(value, `\`, `\\`)
	v = strings.ReplaceAll(v, `"`, `\"`)
	return attr + ` eq "` + v + `"`
}

// queryEscape encodes a query value: '+' as %2B and spaces as %20.
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
