// Package observed reads the live organization over SCIM and turns it into a
// model.State with a fingerprint. A failed or partial read is an error, never
// a smaller state.
//
// It may import the standard library, pkg/model, pkg/scim and
// golang.org/x/sync; it does no os.* I/O and never writes.
package observed

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/scim"
)

// Lister is the read side of a SCIM client (*scim.Client satisfies it).
type Lister interface {
	ListUsers(ctx context.Context) ([]scim.User, error)
	ListGroups(ctx context.Context) ([]scim.Group, error)
}

// Fetch reads users and groups concurrently and returns the observed state,
// sorted deterministically, and a fingerprint "sha256:<hex>" over the
// relevant fields (not ETags, not dates) that does not depend on the
// server's order.
//
// Users carry UserName, Email (the primary email, else the first), Emails
// (every email value, primary first), DisplayName, ExternalID, OrgRole
// (lower-cased, "" if absent), Active, TeamRoles (nil if the server gave
// none), ETag, Created and LastModified. Team members carry the SCIM id, the
// display, Email = the resolved user's UserName ("" when the id is no listed
// user, such as an org service account) and Role from that user's teamRoles
// for the team ("" unknown).
//
// The users are converted, sorted and hashed as soon as they are read,
// while the groups may still be arriving; the SCIM records are released as
// they are converted.
func Fetch(ctx context.Context, l Lister) (model.State, string, error) {
	var (
		r      *resolver
		fp     fpWriter
		groups []scim.Group
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		users, err := l.ListUsers(gctx)
		if err != nil {
			return err
		}
		// Fetch owns what it read: the users are released as they are
		// converted, and whole once converted.
		if r, err = resolve(users, true); err != nil {
			return err
		}
		fp = newFingerprint()
		fp.users(r.users)
		return nil
	})
	g.Go(func() error {
		var err error
		groups, err = l.ListGroups(gctx)
		return err
	})
	if err := g.Wait(); err != nil {
		return model.State{}, "", err
	}
	st := r.state(groups, true)
	fp.teams(st.Teams)
	return st, fp.sum(), nil
}

// Build turns SCIM users and groups into a sorted model.State. Two users with
// the same id are an error. It does not change its arguments.
func Build(users []scim.User, groups []scim.Group) (model.State, error) {
	r, err := resolve(users, false)
	if err != nil {
		return model.State{}, err
	}
	return r.state(groups, false), nil
}

// resolve converts the users and sorts them by key (model.Key of the
// userName), then id, each key computed once, and indexes them for the
// groups. With consume, it owns users and clears each record once
// converted.
func resolve(users []scim.User, consume bool) (*resolver, error) {
	r := &resolver{
		users: make([]model.User, 0, len(users)),
		index: make(map[string]int32, len(users)), // user id → position in r.users
		keys:  make([]string, 0, len(users)),      // model.Key of each user's userName, by position
	}
	for i := range users {
		u := &users[i]
		if _, dup := r.index[u.ID]; dup {
			return nil, fmt.Errorf("read users: id %q listed twice", u.ID)
		}
		r.index[u.ID] = 0 // seen; the position is set once sorted
		r.users = append(r.users, userOf(u))
		r.keys = append(r.keys, r.users[len(r.users)-1].Key())
		if consume {
			*u = scim.User{}
		}
	}
	sortUsers(r.users, r.keys)
	for i := range r.users {
		r.index[r.users[i].ID] = int32(i)
	}
	return r, nil
}

// state builds the teams from groups against the users and returns the
// sorted state. With consume, it owns groups and clears each record once
// converted. Teams are built in parallel (they only read the users).
func (r *resolver) state(groups []scim.Group, consume bool) model.State {
	// Sort first (positions, by name then id, stably), then build each
	// team in its place.
	order := make([]int32, len(groups))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int {
		if c := strings.Compare(groups[a].DisplayName, groups[b].DisplayName); c != 0 {
			return c
		}
		return strings.Compare(groups[a].ID, groups[b].ID)
	})
	teams := make([]model.Team, len(groups))
	const chunk = 64
	var next atomic.Int64
	work := func() {
		var sc teamScratch
		for {
			from := int(next.Add(chunk)) - chunk
			if from >= len(order) {
				return
			}
			for k := from; k < min(from+chunk, len(order)); k++ {
				gr := &groups[order[k]]
				teams[k] = r.teamOf(gr, &sc)
				if consume {
					*gr = scim.Group{}
				}
			}
		}
	}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), maxWorkers, (len(order)+chunk-1)/chunk) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	return model.State{Users: r.users, Teams: teams}
}

// maxWorkers bounds the goroutines that build teams.
const maxWorkers = 8

// sortUsers sorts users by key (keys[i] is users[i]'s), then id, and keys
// with them: it sorts positions, then moves each user (and key) once.
func sortUsers(users []model.User, keys []string) {
	order := make([]int32, len(users))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := strings.Compare(keys[a], keys[b]); c != 0 {
			return c
		}
		return strings.Compare(users[a].ID, users[b].ID)
	})
	// Apply the permutation in place, cycle by cycle: order[i] is the
	// position whose user goes to i; a done entry is marked -1.
	for i := range order {
		if order[i] < 0 || order[i] == int32(i) {
			continue
		}
		tmpU, tmpK := users[i], keys[i]
		j := i
		for {
			k := int(order[j])
			order[j] = -1
			if k == i {
				users[j], keys[j] = tmpU, tmpK
				break
			}
			users[j], keys[j] = users[k], keys[k]
			j = k
		}
	}
}

// userOf converts one SCIM user.
func userOf(u *scim.User) model.User {
	mu := model.User{
		ID:           u.ID,
		UserName:     u.UserName,
		Email:        u.PrimaryEmail(),
		DisplayName:  u.DisplayName,
		ExternalID:   u.ExternalID,
		OrgRole:      model.NormRole(u.OrganizationRole),
		Active:       u.Active,
		ETag:         u.ETag,
		Created:      u.Created,
		LastModified: u.LastModified,
	}
	if len(u.Emails) > 0 {
		mu.Emails = make([]string, 0, len(u.Emails))
		mu.Emails = append(mu.Emails, mu.Email)
		skipped := false
		for _, e := range u.Emails {
			if e.Value == mu.Email && !skipped { // the primary, already first
				skipped = true
				continue
			}
			mu.Emails = append(mu.Emails, e.Value)
		}
	}
	if len(u.TeamRoles) > 0 {
		mu.TeamRoles = make(map[string]model.Role, len(u.TeamRoles))
		for _, r := range u.TeamRoles {
			mu.TeamRoles[r.TeamName] = model.NormRole(r.RoleName)
		}
	}
	return mu
}

// resolver turns groups into teams against the converted users.
type resolver struct {
	users []model.User
	keys  []string         // model.Key of users[i].UserName
	index map[string]int32 // user id → position in users
}

// teamScratch is what teamOf reuses from team to team.
type teamScratch struct {
	members []model.Member
	order   []memberKey
}

// memberKey is what members sort by: the resolved email's key, then the
// id, then the position in the group (a stable sort).
type memberKey struct {
	key string
	pos int32
}

// teamOf converts one SCIM group, resolving members against the users.
// Members are sorted by resolved email then id; a member listed twice is
// kept once (the first entry).
func (r *resolver) teamOf(gr *scim.Group, sc *teamScratch) model.Team {
	t := model.Team{ID: gr.ID, Name: gr.DisplayName, ETag: gr.ETag}
	ms, order := sc.members[:0], sc.order[:0]
	for _, m := range gr.Members {
		mm := model.Member{UserID: m.Value, Display: m.Display}
		key := ""
		if i, ok := r.index[m.Value]; ok {
			u := &r.users[i]
			mm.UserID, mm.Email = u.ID, u.UserName // the user's copies: the group's can go
			if m.Display == u.UserName {
				mm.Display = u.UserName
			}
			mm.Role = teamRole(u.TeamRoles, gr.DisplayName)
			key = r.keys[i]
		}
		order = append(order, memberKey{key: key, pos: int32(len(ms))})
		ms = append(ms, mm)
	}
	// Entries of one id resolve alike, so they sort next to each other,
	// first entry first.
	slices.SortFunc(order, func(a, b memberKey) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		if c := strings.Compare(ms[a.pos].UserID, ms[b.pos].UserID); c != 0 {
			return c
		}
		return int(a.pos - b.pos)
	})
	n := 0
	for i, o := range order {
		if i == 0 || ms[o.pos].UserID != ms[order[i-1].pos].UserID {
			n++
		}
	}
	t.Members = make([]model.Member, 0, n)
	for i, o := range order {
		if i == 0 || ms[o.pos].UserID != ms[order[i-1].pos].UserID {
			t.Members = append(t.Members, ms[o.pos])
		}
	}
	clear(ms) // keep no strings alive through the scratch
	sc.members, sc.order = ms[:0], order[:0]
	return t
}

// teamRole is the user's role in the named team ("" unknown): an exact name
// match first, then a case-insensitive one (the smallest such name, so that
// the answer does not depend on map order).
func teamRole(roles map[string]model.Role, team string) model.Role {
	if r, ok := roles[team]; ok {
		return r
	}
	best, found := "", false
	for name := range roles {
		if strings.EqualFold(name, team) && (!found || name < best) {
			best, found = name, true
		}
	}
	if !found {
		return ""
	}
	return roles[best]
}
