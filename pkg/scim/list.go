package scim

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"
)

// ListUsers reads every user, page by page, failing closed: any failed,
// short, repeated or inconsistent page is an error, never a smaller list.
func (c *Client) ListUsers(ctx context.Context) ([]User, error) {
	users, err := listAll(ctx, c, "/Users", "", "users", decodeUser, func(u User) string { return u.ID })
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		c.rememberName(u.ID, u.UserName)
	}
	return users, nil
}

// ListGroups reads every group (W&B team), failing closed like ListUsers.
func (c *Client) ListGroups(ctx context.Context) ([]Group, error) {
	groups, err := listAll(ctx, c, "/Groups", "", "groups", decodeGroup, func(g Group) string { return g.ID })
	if err != nil {
		return nil, err
	}
	c.rememberTeams(groups)
	return groups, nil
}

func (c *Client) rememberTeams(groups []Group) {
	c.mu.Lock()
	for _, g := range groups {
		c.knownTeams[g.ID] = g.DisplayName
	}
	c.mu.Unlock()
}

// FindUser returns the user whose userName equals userName
// (case-insensitively), or nil when there is none.
func (c *Client) FindUser(ctx context.Context, userName string) (*User, error) {
	return c.findUser(ctx, "userName", userName, func(u User) string { return u.UserName })
}

// FindUserByEmail returns the user with an email equal to email
// (case-insensitively), or nil when there is none.
func (c *Client) FindUserByEmail(ctx context.Context, email string) (*User, error) {
	return c.findUser(ctx, "emails.value", email, nil)
}

func (c *Client) findUser(ctx context.Context, attr, value string, key func(User) string) (*User, error) {
	users, err := listAll(ctx, c, "/Users", Filter(attr, value), "users", decodeUser, func(u User) string { return u.ID })
	if err != nil {
		return nil, err
	}
	want := strings.ToLower(strings.TrimSpace(value))
	var found []User
	for _, u := range users {
		match := false
		if key != nil {
			match = strings.ToLower(strings.TrimSpace(key(u))) == want
		} else {
			for _, e := range u.Emails {
				if strings.ToLower(strings.TrimSpace(e.Value)) == want {
					match = true
				}
			}
		}
		if match { // the client re-checks: a server may ignore the filter
			found = append(found, u)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		c.rememberName(found[0].ID, found[0].UserName)
		return &found[0], nil
	}
	return nil, fmt.Errorf("find user with %s %q: %d users match", attr, value, len(found))
}

// FindGroups returns the groups whose displayName equals name (exactly, as
// team names are lower-case on W&B).
func (c *Client) FindGroups(ctx context.Context, name string) ([]Group, error) {
	groups, err := listAll(ctx, c, "/Groups", Filter("displayName", name), "groups", decodeGroup, func(g Group) string { return g.ID })
	if err != nil {
		return nil, err
	}
	var out []Group
	for _, g := range groups {
		if g.DisplayName == name {
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

// listAll reads a whole collection. After the first page gives totalResults,
// the remaining pages are fetched in parallel (bounded by Concurrency),
// stepping by the number of resources the first page actually held. Every
// resource lands at its position; a position met twice with different ids,
// an id met at two positions, a changed totalResults or an empty page before
// totalResults is an error. Gaps left by short pages are filled sequentially.
func listAll[T any](ctx context.Context, c *Client, path, filter, kind string,
	decode func([]byte) (T, error), idOf func(T) string) ([]T, error) {

	type page struct {
		items []T
		total int
	}
	fetch := func(ctx context.Context, start int) (page, error) {
		q := "startIndex=" + strconv.Itoa(start) + "&count=" + strconv.Itoa(c.pageSize)
		if filter != "" {
			q = "filter=" + queryEscape(filter) + "&" + q
		}
		cl := call{method: http.MethodGet, path: path, query: q, list: true}
		r, err := c.do(ctx, cl)
		if err != nil {
			return page{}, err
		}
		lp, err := decodeList(r.body)
		if err != nil {
			return page{}, c.decodeErr(cl, r, err)
		}
		if !lp.hasTotal {
			return page{}, c.decodeErr(cl, r, fmt.Errorf("list response without totalResults"))
		}
		p := page{total: lp.total, items: make([]T, 0, len(lp.resources))}
		for i, raw := range lp.resources {
			v, err := decode(raw)
			if err != nil {
				return page{}, c.decodeErr(cl, r, fmt.Errorf("resource %d: %w", i+1, err))
			}
			p.items = append(p.items, v)
		}
		if lp.hasItems && lp.itemsPerPage != len(p.items) {
			c.log.Debug("list page itemsPerPage differs from the resources it holds",
				zap.String("path", path), zap.Int("startIndex", start),
				zap.Int("itemsPerPage", lp.itemsPerPage), zap.Int("resources", len(p.items)))
		}
		return p, nil
	}

	first, err := fetch(ctx, 1)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", kind, err)
	}
	total := first.total
	if total > maxTotal {
		return nil, fmt.Errorf("list %s: totalResults %d is beyond what wbsync reads (%d)", kind, total, maxTotal)
	}
	var (
		mu     sync.Mutex
		slots  = make([]T, total)
		filled = make([]bool, total)
		seen   = make(map[string]int, total) // id → position
		count  int
	)
	place := func(start int, p page) error {
		mu.Lock()
		defer mu.Unlock()
		if p.total != total {
			return fmt.Errorf("list %s: the organization changed while reading (totalResults %d, then %d at startIndex %d): run again",
				kind, total, p.total, start)
		}
		for i, v := range p.items {
			pos := start - 1 + i
			id := idOf(v)
			if pos >= total {
				return fmt.Errorf("list %s: the page at startIndex %d holds more resources than totalResults %d", kind, start, total)
			}
			if prev, ok := seen[id]; ok && prev != pos {
				return fmt.Errorf("list %s: id %s came back at positions %d and %d (the server may answer a startIndex past the end with the first page again): refusing a partial read",
					kind, id, prev+1, pos+1)
			}
			if filled[pos] {
				if idOf(slots[pos]) != id {
					return fmt.Errorf("list %s: position %d held %s, then %s: the organization changed while reading: run again",
						kind, pos+1, idOf(slots[pos]), id)
				}
				continue
			}
			slots[pos], filled[pos], seen[id] = v, true, pos
			count++
		}
		return nil
	}
	if err := place(1, first); err != nil {
		return nil, err
	}
	step := len(first.items)
	if step > 0 && step < total {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(c.conc)
		for start := 1 + step; start <= total; start += step {
			g.Go(func() error {
				p, err := fetch(gctx, start)
				if err != nil {
					return fmt.Errorf("list %s: %w", kind, err)
				}
				return place(start, p)
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
	}
	// Fill the gaps left by short pages, one page at a time. Every round
	// fills at least the first missing position or fails: the loop ends.
	for guard := 0; count < total; guard++ {
		if guard > total {
			return nil, fmt.Errorf("list %s: paging made no progress: refusing a partial read", kind)
		}
		pos := 0
		for filled[pos] {
			pos++
		}
		p, err := fetch(ctx, pos+1)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", kind, err)
		}
		if len(p.items) == 0 {
			return nil, fmt.Errorf("list %s: read %d of %d (totalResults): the page at startIndex %d was empty; missing %s",
				kind, count, total, pos+1, missing(filled))
		}
		if err := place(pos+1, p); err != nil {
			return nil, err
		}
	}
	return slots, nil
}

// maxTotal bounds totalResults, so that a broken server cannot make the
// client allocate without limit.
const maxTotal = 5_000_000

// missing describes the unfilled positions as ranges, e.g. "positions 181-200".
func missing(filled []bool) string {
	var parts []string
	for i := 0; i < len(filled); i++ {
		if filled[i] {
			continue
		}
		j := i
		for j+1 < len(filled) && !filled[j+1] {
			j++
		}
		if i == j {
			parts = append(parts, strconv.Itoa(i+1))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", i+1, j+1))
		}
		i = j
		if len(parts) == 5 {
			parts = append(parts, "…")
			break
		}
	}
	return "positions " + strings.Join(parts, ", ")
}

// decodeErr names the request of a body that did not decode.
func (c *Client) decodeErr(cl call, r *reply, err error) error {
	return &Error{Method: cl.method, Path: c.base.EscapedPath() + cl.path, Status: r.status,
		Detail: c.redact("the body is not a SCIM list response: " + err.Error()), Hint: hintHTMLOrJSON, Err: err}
}
