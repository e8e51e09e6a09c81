// Package observed reads the live organization over SCIM and turns it into a
// model.State with a fingerprint. A failed or partial read is an error, never
// a smaller state.
//
// It does no os.* I/O and never writes; what it may import is checked by
// internal/layout's test.
package observed

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/wbsync/wbsync/pkg/bug"
	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/sanitize"
	"github.com/wbsync/wbsync/pkg/scim"
)

// Lister is the read side of a SCIM client (*scim.Client satisfies it).
type Lister interface {
	ListUsers(ctx context.Context) ([]scim.User, error)
	ListGroups(ctx context.Context) ([]scim.Group, error)
}

// redacting is a Lister that says which key to hide in what the server
// sent (*scim.Client does): an id quoted in an error is redacted with it
// before it is cut.
type redacting interface {
	Redactor() *sanitize.Redactor
}

// RedactorOf returns l's redactor, or nil when it has none.
func RedactorOf(l Lister) *sanitize.Redactor {
	if r, ok := l.(redacting); ok {
		return r.Redactor()
	}
	return nil
}

// Fetch reads users and groups concurrently and returns the observed state,
// sorted deterministically, and a fingerprint "sha256:<hex>" over the
// relevant fields (not ETags, not dates) that does not depend on the
// server's order.
//
// Users carry UserName, Email (scim.User.PrimaryEmail: the one marked
// primary, else one chosen whatever the server's order), Emails
// (every email value, primary first), DisplayName, ExternalID, OrgRole
// (lower-cased, "" if absent), Active, TeamRoles (nil if the server gave
// none), ETag, Created and LastModified. Team members carry the SCIM id, the
// display, Email = the resolved user's UserName ("" when the id is no listed
// user, such as an org service account) and Role from that user's teamRoles
// for the team ("" unknown).
//
// The users are converted, sorted and hashed as soon as they are read,
// while the groups may still be arriving, and the SCIM records are
// released as they are converted. A Lister that also hands over what it
// reads page by page (*scim.Client does, with EachUser and EachGroup) has
// its users converted page by page: the SCIM users are then never whole in
// memory. A Lister with a Redactor method (*scim.Client has one) has the
// key redacted with it from an id an error quotes, before the id is cut to
// caps.ShownID.
func Fetch(ctx context.Context, l Lister) (model.State, string, error) {
	red := RedactorOf(l)
	if pl, ok := l.(pageLister); ok {
		return fetchPages(ctx, pl, red)
	}
	var (
		r      *resolver
		fp     fpWriter
		groups []scim.Group
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		defer bug.Recover(&err)
		users, err := l.ListUsers(gctx)
		if err != nil {
			return err
		}
		// Fetch owns what it read: the users are released as they are
		// converted, and whole once converted.
		if r, err = resolve(users, true, red); err != nil {
			return err
		}
		fp = newFingerprint()
		fp.users(r.users)
		return nil
	})
	g.Go(func() (err error) {
		defer bug.Recover(&err)
		groups, err = l.ListGroups(gctx)
		return err
	})
	if err := g.Wait(); err != nil {
		return model.State{}, "", err
	}
	teams, err := r.readUnlisted(ctx, l, r.teams(groups, true))
	if err == nil {
		teams, err = r.finish(teams)
	}
	if err != nil {
		return model.State{}, "", err
	}
	fp.teams(teams)
	return model.State{Users: r.users, Teams: teams}, fp.sum(), nil
}

// Build turns SCIM users and groups into a sorted model.State. Two users with
// the same id are an error. It does not change its arguments.
func Build(users []scim.User, groups []scim.Group) (model.State, error) {
	r, err := resolve(users, false, nil)
	if err != nil {
		return model.State{}, err
	}
	return r.state(groups, false)
}

// resolve converts the users and sorts them (see userBatches). With
// consume, it owns users and clears each record once converted. red (nil:
// none) hides the key in an id an error quotes.
func resolve(users []scim.User, consume bool, red *sanitize.Redactor) (*resolver, error) {
	b := userBatches{red: red}
	if err := b.add(users, consume); err != nil {
		return nil, err
	}
	return b.resolve(), nil
}

// userBatches gathers users converted a page at a time, each page's in
// slices of its size, then sorts them once all are in: by key (model.Key
// of the userName), then id, each key computed once.
type userBatches struct {
	users [][]model.User
	keys  [][]string       // model.Key of each user's userName
	index map[string]int32 // the ids seen
	n     int
	red   *sanitize.Redactor // hides the key in an id an error quotes (nil: none)
	// teamRoles: some user carries a teamRoles key, even empty (a
	// W&B-shaped server; see readUnlisted)
	teamRoles bool
	// inGroups: group id → the userName of the first active user whose
	// groups attribute names it (see emptyButNamed), at most
	// caps.GroupsNamed ids
	inGroups map[string]string
}

// add converts a page of users; two users with the same id are an error.
// With consume, it owns page and clears each record once converted.
func (b *userBatches) add(page []scim.User, consume bool) error {
	if b.index == nil {
		b.index = make(map[string]int32, len(page))
	}
	us, ks := make([]model.User, len(page)), make([]string, len(page))
	for i := range page {
		u := &page[i]
		if _, dup := b.index[u.ID]; dup {
			return fmt.Errorf("read users: id %q listed twice", sanitize.Server(b.red, u.ID, caps.ShownID))
		}
		b.index[u.ID] = 0 // seen; the position is set once sorted
		b.teamRoles = b.teamRoles || u.TeamRoles != nil
		if u.Active {
			for _, g := range u.Groups {
				if _, ok := b.inGroups[g]; !ok && len(b.inGroups) < caps.GroupsNamed {
					if b.inGroups == nil {
						b.inGroups = map[string]string{}
					}
					b.inGroups[g] = u.UserName
				}
			}
		}
		us[i] = userOf(u)
		ks[i] = us[i].Key()
		if consume {
			*u = scim.User{}
		}
	}
	b.users, b.keys = append(b.users, us), append(b.keys, ks)
	b.n += len(page)
	return nil
}

// resolve sorts the users into one slice and indexes them for the groups;
// the batches are released.
func (b *userBatches) resolve() *resolver {
	r := &resolver{index: b.index, red: b.red, teamRoles: b.teamRoles, inGroups: b.inGroups}
	if r.index == nil {
		r.index = map[string]int32{}
	}
	switch len(b.users) {
	case 0:
		r.users, r.keys = []model.User{}, []string{}
	case 1: // sorted in place
		r.users, r.keys = b.users[0], b.keys[0]
		sortUsers(r.users, r.keys)
	default: // sorted by reference, then copied once in order
		type ref struct{ batch, i int32 }
		order := make([]ref, 0, b.n)
		for k, us := range b.users {
			for i := range us {
				order = append(order, ref{int32(k), int32(i)})
			}
		}
		slices.SortFunc(order, func(x, y ref) int {
			if c := strings.Compare(b.keys[x.batch][x.i], b.keys[y.batch][y.i]); c != 0 {
				return c
			}
			return strings.Compare(b.users[x.batch][x.i].ID, b.users[y.batch][y.i].ID)
		})
		r.users, r.keys = make([]model.User, b.n), make([]string, b.n)
		for k, o := range order {
			r.users[k], r.keys[k] = b.users[o.batch][o.i], b.keys[o.batch][o.i]
		}
	}
	*b = userBatches{}
	for i := range r.users {
		r.index[r.users[i].ID] = int32(i)
	}
	return r
}

// state builds the teams from groups against the users and returns the
// sorted state, or unlistedMembers' error. With consume, it owns groups
// and clears each record once converted.
func (r *resolver) state(groups []scim.Group, consume bool) (model.State, error) {
	teams, err := r.finish(r.teams(groups, consume))
	if err != nil {
		return model.State{}, err
	}
	return model.State{Users: r.users, Teams: teams}, nil
}

// finish sorts the teams built from every group, checks them
// (unlistedMembers) and settles the roles of teams sharing a name.
func (r *resolver) finish(teams []model.Team) ([]model.Team, error) {
	if teams == nil {
		teams = []model.Team{}
	}
	sortTeams(teams)
	if err := r.unlistedMembers(teams); err != nil {
		return nil, err
	}
	if err := r.emptyButNamed(teams); err != nil {
		return nil, err
	}
	r.sharedNameRoles(teams)
	return teams, nil
}

// unlistedMembers fails the read when a team was listed without a members
// key while an active user names it in its teamRoles: the team is not
// empty, the server left its members out (one that sends them only when
// asked, attributes=members, looks so), and taking it as empty would plan
// adds it already has and hide every member a plan should remove. W&B may
// leave the key out of an empty team, so a team no one names passes; an
// inactive user's teamRoles may be stale, and a name another team shares,
// ignoring case, cannot say which team it is, so neither counts. Names
// compare ignoring case, as teamRole finds roles. teams are sorted by
// name: the error names the first such team, and the first such user of
// it.
func (r *resolver) unlistedMembers(teams []model.Team) error {
	named := r.namedAbsent(teams)
	if len(named) == 0 {
		return nil
	}
	first := -1
	for t := range named {
		if first < 0 || t < first {
			first = t
		}
	}
	t, u := &teams[first], &r.users[named[first]]
	more := ""
	if len(named) > 1 {
		more = fmt.Sprintf(" (and %d other team(s) so listed)", len(named)-1)
	}
	r.absentMu.Lock()
	aloneErr, readAlone := r.alone[t.ID]
	r.absentMu.Unlock()
	switch {
	case readAlone && aloneErr != nil:
		more += "; read alone (GET /Groups/{id}), it failed: " + sanitize.Server(r.red, aloneErr.Error(), caps.Detail)
	case readAlone:
		more += "; read alone (GET /Groups/{id}), it came without members too"
	}
	what := r.teamShown(t)
	return leftOut{what: what, error: fmt.Errorf("read teams: %s is listed without a members key, though %s, an active user, names it in its teamRoles%s: "+
		"the server leaves members out of its team list (as one that sends them only when asked, attributes=members, does), and wbsync will not read such a team as empty; "+
		"or the team's members changed while the organization was read (a user joining a team that was empty, or its last members leaving; see docs/troubleshooting.md)",
		what, sanitize.Server(r.red, u.UserName, caps.ShownID), more)}
}

// teamShown is team t as the read's errors name it: its name quoted and
// its id, each escaped, the key hidden, cut.
func (r *resolver) teamShown(t *model.Team) string {
	return fmt.Sprintf("team %q (id %s)", sanitize.Server(r.red, t.Name, caps.ShownID), sanitize.Server(r.red, t.ID, caps.ShownID))
}

// namedAbsent maps the position in teams of each team listed without a
// members key that an active user names in its teamRoles (a name no other
// team shares, ignoring case) to the first such user's position.
func (r *resolver) namedAbsent(teams []model.Team) map[int]int {
	if len(r.absent) == 0 {
		return nil
	}
	byKey := make(map[string]int, len(teams))
	for i := range teams {
		byKey[model.Key(teams[i].Name)]++
	}
	absent := map[string]int{} // team name key → position in teams
	for i := range teams {
		if _, ok := r.absent[teams[i].ID]; ok {
			if k := model.Key(teams[i].Name); byKey[k] == 1 {
				absent[k] = i
			}
		}
	}
	if len(absent) == 0 {
		return nil
	}
	named := map[int]int{}
	for u := range r.users {
		if !r.users[u].Active {
			continue
		}
		for name := range r.users[u].TeamRoles {
			if t, ok := absent[model.Key(name)]; ok {
				if _, seen := named[t]; !seen { // users come in order: the first user of a team names it first
					named[t] = u
				}
			}
		}
	}
	return named
}

// leftOut is the error of a read that found a team without members while
// a user names it (unlistedMembers, emptyButNamed): a server that leaves
// members out, or a team whose members changed while it was read, which a
// second read tells apart (MembersLeftOut).
type leftOut struct {
	error
	what string // the team, as messages name it
}

func (e leftOut) Unwrap() error { return e.error }

// MembersLeftOut reports whether err is a read's that found a team
// without members while an active user names it, and names that team:
// made again, a read of a team whose members changed meanwhile passes.
func MembersLeftOut(err error) (string, bool) {
	var e leftOut
	if errors.As(err, &e) {
		return e.what, true
	}
	return "", false
}

// emptyButNamed fails the read when a team reads as empty, listed and, if
// it was, read alone, while an active user's groups attribute (RFC 7643's
// list of the groups a user is in) names it by id: the server keeps
// memberships on its users and leaves them out of its groups, and taking
// such a team as empty would plan adds of members it has and never a
// removal, and export would write it as members: []. teams are sorted by
// name: the error names the first such team.
func (r *resolver) emptyButNamed(teams []model.Team) error {
	if len(r.inGroups) == 0 {
		return nil
	}
	first, more := -1, 0
	for i := range teams {
		if len(teams[i].Members) > 0 {
			continue
		}
		if _, ok := r.inGroups[teams[i].ID]; ok {
			if first < 0 {
				first = i
			} else {
				more++
			}
		}
	}
	if first < 0 {
		return nil
	}
	t := &teams[first]
	also := ""
	if more > 0 {
		also = fmt.Sprintf(" (and %d other team(s) so read)", more)
	}
	what := r.teamShown(t)
	return leftOut{what: what, error: fmt.Errorf("read teams: %s reads as empty, though %s, an active user, names it in its groups%s: "+
		"the server keeps memberships on its users and leaves them out of its teams, and wbsync will not read such a team as empty (it would add members the team has and remove none); "+
		"or the team's members changed while the organization was read (a user joining a team that was empty, or its last members leaving; see docs/troubleshooting.md)",
		what, sanitize.Server(r.red, r.inGroups[t.ID], caps.ShownID), also)}
}

// sharedNameRoles settles the member roles of teams whose name another live
// team has, ignoring case. W&B reports team roles by team name (teamRoles
// [{teamName, roleName}]): a user who is a member of two teams of one name
// has one role for both, which cannot be tied to either, so it is unknown
// ("") in each; likewise a role found only ignoring case (teamRole's
// fallback) for a user in two teams whose names differ only in case. A
// user in one of them keeps its role.
func (r *resolver) sharedNameRoles(teams []model.Team) {
	byKey := make(map[string]int, len(teams))
	for i := range teams {
		byKey[model.Key(teams[i].Name)]++
	}
	type userTeam struct{ id, name string }
	exact, folded := map[userTeam]int{}, map[userTeam]int{}
	for i := range teams {
		t := &teams[i]
		if k := model.Key(t.Name); byKey[k] > 1 {
			for _, m := range t.Members {
				if _, ok := r.index[m.UserID]; ok {
					exact[userTeam{m.UserID, t.Name}]++
					folded[userTeam{m.UserID, k}]++
				}
			}
		}
	}
	if len(exact) == 0 {
		return
	}
	for i := range teams {
		t := &teams[i]
		k := model.Key(t.Name)
		if byKey[k] < 2 {
			continue
		}
		for j := range t.Members {
			m := &t.Members[j]
			u, ok := r.index[m.UserID]
			if !ok {
				continue
			}
			if _, ok := r.users[u].TeamRoles[t.Name]; ok {
				if exact[userTeam{m.UserID, t.Name}] > 1 {
					m.Role = ""
				}
			} else if folded[userTeam{m.UserID, k}] > 1 {
				m.Role = ""
			}
		}
	}
}

// sortTeams sorts teams by name, then id, stably.
func sortTeams(teams []model.Team) {
	slices.SortStableFunc(teams, func(a, b model.Team) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// teams builds the teams of groups, in their order, in parallel (they only
// read the users). With consume, it owns groups and clears each record once
// converted.
func (r *resolver) teams(groups []scim.Group, consume bool) []model.Team {
	teams := make([]model.Team, len(groups))
	const chunk = 64
	var next atomic.Int64
	work := func() {
		var sc teamScratch
		for {
			from := int(next.Add(chunk)) - chunk
			if from >= len(groups) {
				return
			}
			for k := from; k < min(from+chunk, len(groups)); k++ {
				teams[k] = r.teamOf(&groups[k], &sc)
				if consume {
					groups[k] = scim.Group{}
				}
			}
		}
	}
	var (
		wg       sync.WaitGroup
		panicked atomic.Pointer[error]
	)
	for range min(runtime.GOMAXPROCS(0), maxWorkers, (len(groups)+chunk-1)/chunk) - 1 {
		wg.Go(func() {
			var err error
			defer func() {
				if err != nil {
					panicked.Store(&err)
				}
			}()
			defer bug.Recover(&err)
			work()
		})
	}
	work()
	wg.Wait()
	if err := panicked.Load(); err != nil {
		panic(*err) // in the caller's goroutine, whose recovery reports it
	}
	return teams
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

		CreatedUnreadable: u.CreatedUnreadable,
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
		// Multi-valued attributes are unordered (RFC 7643 §2.4): the
		// secondary emails are kept sorted, so that the fingerprint and
		// every view are the same whatever order the server lists them in.
		slices.Sort(mu.Emails[1:])
	}
	if len(u.TeamRoles) > 0 {
		mu.TeamRoles = make(map[string]model.Role, len(u.TeamRoles))
		for _, r := range u.TeamRoles {
			role := model.NormRole(r.RoleName)
			if have, ok := mu.TeamRoles[r.TeamName]; ok {
				if have != role {
					// Two roles for one name: two teams that share it
					// (W&B keys team roles by name), whose roles are
					// never planned, or a server contradicting itself.
					// Either way the role is unknown (""), whatever
					// order they come in: never the higher one taken
					// for granted. The name stays named.
					mu.TeamRoles[r.TeamName] = ""
				}
				continue
			}
			mu.TeamRoles[r.TeamName] = role
		}
	}
	return mu
}

// resolver turns groups into teams against the converted users.
type resolver struct {
	users []model.User
	keys  []string         // model.Key of users[i].UserName
	index map[string]int32 // user id → position in users
	// byName: userName and email keys → position in users, or ambiguous
	// (-1) when two users have the key; built once (byNameOnce: teams are
	// built in parallel) at the first member whose value is an email
	byName     map[string]int32
	byNameOnce sync.Once
	// folded: model.FoldTeamRoles of the users with many team roles, by
	// position; built once (foldOnce) at the first role not found by its
	// exact team name
	folded   map[int32]map[string]string
	foldOnce sync.Once
	// absent: the ids of the groups listed without a members key (see
	// unlistedMembers); teams are built in parallel, hence absentMu
	absent   map[string]struct{}
	absentMu sync.Mutex
	// alone: each group readUnlisted read alone and kept as listed (it
	// came without members again, nil, or the read failed), by id; under
	// absentMu
	alone map[string]error
	// teamRoles: some user carries a teamRoles key (userBatches)
	teamRoles bool
	// inGroups: group id → an active user whose groups attribute names it
	// (userBatches; emptyButNamed)
	inGroups map[string]string
	// membersListed: some group came with a members key (teamOf; teams
	// are built in parallel, hence atomic)
	membersListed atomic.Bool
	red           *sanitize.Redactor // hides the key in what an error quotes (nil: none)
}

// byNameOf returns the user whose userName or one of whose emails is
// value, ignoring case, when exactly one user has it: W&B takes a member
// value as "a W&B user ID" or "an email address", so a server may list
// members by email (teamOf asks only for values holding "@").
func (r *resolver) byNameOf(value string) (int32, bool) {
	r.byNameOnce.Do(func() {
		r.byName = make(map[string]int32, len(r.users))
		for i := range r.users {
			u := &r.users[i]
			for _, k := range append([]string{r.keys[i], u.Email}, u.Emails...) {
				if k = model.Key(k); k == "" {
					continue
				}
				if j, ok := r.byName[k]; ok && j != int32(i) {
					r.byName[k] = -1
				} else {
					r.byName[k] = int32(i)
				}
			}
		}
	})
	i, ok := r.byName[model.Key(value)]
	return i, ok && i >= 0
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
	if !gr.MembersAbsent && !r.membersListed.Load() {
		r.membersListed.Store(true)
	}
	if gr.MembersAbsent {
		r.absentMu.Lock()
		if r.absent == nil {
			r.absent = map[string]struct{}{}
		}
		r.absent[gr.ID] = struct{}{}
		r.absentMu.Unlock()
	}
	ms, order := sc.members[:0], sc.order[:0]
	for _, m := range gr.Members {
		mm := model.Member{UserID: m.Value, Display: m.Display}
		key := ""
		i, ok := r.index[m.Value]
		if !ok && strings.Contains(m.Value, "@") {
			// An email address, not an opaque id (a service account's
			// never holds "@", so the name index is never built for one).
			i, ok = r.byNameOf(m.Value)
		}
		if ok {
			u := &r.users[i]
			mm.UserID, mm.Email = u.ID, u.UserName // the user's copies: the group's can go
			mm.User = i + 1
			if m.Display == u.UserName {
				mm.Display = u.UserName
			}
			mm.Role = r.teamRole(i, gr.DisplayName)
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

// teamRole is user i's role in the named team ("" unknown): an exact name
// match first, then a case-insensitive one (the smallest such name, so that
// the answer does not depend on map order; see model.TeamRole).
func (r *resolver) teamRole(i int32, team string) model.Role {
	roles := r.users[i].TeamRoles
	if role, ok := roles[team]; ok || len(roles) == 0 {
		return role
	}
	r.foldOnce.Do(func() {
		// Teams are built in parallel: the indexes are built once, for
		// the users that have many roles, and only read after.
		r.folded = make(map[int32]map[string]string)
		for j := range r.users {
			if f := model.FoldTeamRoles(r.users[j].TeamRoles); f != nil {
				r.folded[int32(j)] = f
			}
		}
	})
	return model.TeamRole(roles, team, r.folded[i])
}
