package emulator

import (
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Predefined roles.
const (
	roleAdmin  = "admin"
	roleMember = "member"
	roleViewer = "viewer"
)

func isPredefinedRole(r string) bool {
	switch strings.ToLower(r) {
	case roleAdmin, roleMember, roleViewer:
		return true
	}
	return false
}

// First numbers of the relay-style ids, as in W&B's examples.
const (
	firstUserN   = 1685709
	firstTeamN   = 2218222
	firstSAN     = 9100001 // org service accounts
	firstTeamSAN = 9200001 // team-scoped service accounts
	firstRoleN   = 7
)

// relayID is the emulator's id encoding: standard base64 (padded) of
// "Kind:N", as W&B's GraphQL relay ids. Decimal digits alone never produce
// '+' or '/', so one id in four ends with '~' padding (encoding to '+') and
// one in four with '?' padding (encoding to '/'): clients must URL-escape ids.
// "User:N" ids have no '=', "Entity:N" ids end with '='.
func relayID(kind string, n int) string {
	s := fmt.Sprintf("%s:%d", kind, n)
	var mark string
	switch n % 4 {
	case 1:
		mark = "~"
	case 3:
		mark = "?"
	}
	if mark != "" {
		for len(s)%3 != 2 {
			s += mark
		}
		s += mark
	}
	return base64.StdEncoding.EncodeToString([]byte(s))
}

type user struct {
	seq         int
	id          string
	userName    string
	emails      []string // primary first
	displayName string
	externalID  string
	active      bool
	orgRole     string
	modelsSeat  string // dedicated only
	weaveRole   string // dedicated only
	// registryRoles: one role per registry, in order of addition.
	registryRoles []registryRole
	teams         map[*team]bool
	created       time.Time
	modified      time.Time
	version       int64
}

type team struct {
	seq      int
	id       string
	name     string
	members  []string          // user and service-account ids, in order of addition
	roles    map[string]string // member id → team role
	created  time.Time
	modified time.Time
	version  int64
}

type serviceAccount struct {
	id   string
	name string
}

// role is a custom team role of /Roles.
type role struct {
	id            string
	name          string // case-sensitive, may contain spaces
	description   string
	inheritedFrom string // member or viewer
	permissions   []string
	created       time.Time
}

// store is the in-memory organization. Its methods assume the server lock.
type store struct {
	users    []*user // creation order
	userByID map[string]*user
	byName   map[string]*user // lower-cased userName
	teams    []*team          // creation order
	teamByID map[string]*team
	sas      map[string]*serviceAccount // org and team-scoped
	saList   []*serviceAccount          // org service accounts, added to every team
	teamSAs  int                        // team-scoped service accounts per team
	roles    []*role                    // creation order
	roleByID map[string]*role
	ids      map[string]bool // every id ever used
	nextUser int
	nextTeam int
	nextSA   int // next team-scoped service account
	nextRole int
	seq      int
	rev      int64
	now      func() time.Time
}

func newStore(now func() time.Time) *store {
	return &store{userByID: map[string]*user{}, byName: map[string]*user{}, teamByID: map[string]*team{},
		sas: map[string]*serviceAccount{}, roleByID: map[string]*role{}, ids: map[string]bool{},
		nextUser: firstUserN, nextTeam: firstTeamN, nextSA: firstTeamSAN, nextRole: firstRoleN, now: now}
}

func (s *store) newID(kind string, next *int) string {
	for {
		id := relayID(kind, *next)
		*next++
		if !s.ids[id] {
			s.ids[id] = true
			return id
		}
	}
}

func (s *store) bump() int64 { s.rev++; return s.rev }

func (s *store) touchUser(u *user) { u.version = s.bump(); u.modified = s.now() }
func (s *store) touchTeam(t *team) { t.version = s.bump(); t.modified = s.now() }

func etag(version int64) string { return fmt.Sprintf(`W/"%d"`, version) }

// addUser stores u, giving it an id when it has none.
func (s *store) addUser(u *user) {
	if u.id == "" {
		u.id = s.newID("User", &s.nextUser)
	}
	s.ids[u.id] = true
	s.seq++
	u.seq = s.seq
	u.teams = map[*team]bool{}
	u.created = s.now()
	s.touchUser(u)
	s.users = append(s.users, u)
	s.userByID[u.id] = u
	s.byName[strings.ToLower(u.userName)] = u
}

// removeUser deletes u from the org and from every team.
func (s *store) removeUser(u *user) {
	for t := range u.teams {
		s.dropMember(t, u.id)
	}
	delete(s.userByID, u.id)
	delete(s.byName, strings.ToLower(u.userName))
	for i, x := range s.users {
		if x == u {
			s.users = append(s.users[:i], s.users[i+1:]...)
			break
		}
	}
}

// addTeam stores t with the org service accounts as its first members,
// then its own team-scoped service accounts.
func (s *store) addTeam(t *team) {
	if t.id == "" {
		t.id = s.newID("Entity", &s.nextTeam)
	}
	s.ids[t.id] = true
	s.seq++
	t.seq = s.seq
	t.roles = map[string]string{}
	t.created = s.now()
	for _, sa := range s.saList {
		t.members = append(t.members, sa.id)
		t.roles[sa.id] = roleMember
	}
	for i := 0; i < s.teamSAs; i++ {
		sa := &serviceAccount{id: s.newID("User", &s.nextSA), name: fmt.Sprintf("%s-service-account-%d", t.name, i+1)}
		s.sas[sa.id] = sa
		t.members = append(t.members, sa.id)
		t.roles[sa.id] = roleMember
	}
	s.touchTeam(t)
	s.teams = append(s.teams, t)
	s.teamByID[t.id] = t
}

func (s *store) addServiceAccount(i int) {
	n := firstSAN + i
	sa := &serviceAccount{id: s.newID("User", &n), name: fmt.Sprintf("org-service-account-%d", i+1)}
	s.sas[sa.id] = sa
	s.saList = append(s.saList, sa)
}

// addRole stores r, giving it an id ("Role:N") when it has none.
func (s *store) addRole(r *role) {
	for r.id == "" {
		id := base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("Role:%d", s.nextRole)))
		s.nextRole++
		if !s.ids[id] {
			r.id = id
		}
	}
	s.ids[r.id] = true
	r.created = s.now()
	s.roles = append(s.roles, r)
	s.roleByID[r.id] = r
}

// customRole finds a custom role by its exact name.
func (s *store) customRole(name string) *role {
	for _, r := range s.roles {
		if r.name == name {
			return r
		}
	}
	return nil
}

// addMember adds a user to t with a role; a member already there is left as is.
func (s *store) addMember(t *team, u *user, role string) {
	if _, ok := t.roles[u.id]; ok {
		return
	}
	t.members = append(t.members, u.id)
	t.roles[u.id] = role
	u.teams[t] = true
	s.touchTeam(t)
	s.touchUser(u)
}

// dropMember removes a member id (user or service account) from t.
func (s *store) dropMember(t *team, id string) {
	if _, ok := t.roles[id]; !ok {
		return
	}
	delete(t.roles, id)
	for i, m := range t.members {
		if m == id {
			t.members = append(t.members[:i], t.members[i+1:]...)
			break
		}
	}
	if u := s.userByID[id]; u != nil {
		delete(u.teams, t)
		s.touchUser(u)
	}
	s.touchTeam(t)
}

// userTeams returns the user's teams in creation order.
func (s *store) userTeams(u *user) []*team {
	ts := make([]*team, 0, len(u.teams))
	for t := range u.teams {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].seq < ts[j].seq })
	return ts
}

// activeUsers counts the active users (service accounts take no seat).
func (s *store) activeUsers() int {
	n := 0
	for _, u := range s.users {
		if u.active {
			n++
		}
	}
	return n
}

// teamsNamed returns the teams with the name, case-insensitively, in creation order.
func (s *store) teamsNamed(name string) []*team {
	var out []*team
	for _, t := range s.teams {
		if strings.EqualFold(t.name, name) {
			out = append(out, t)
		}
	}
	return out
}

// emailIndex maps every user's emails, lower-cased, to the first user (in
// creation order) holding it, built on first use, for the store as it is
// while the server lock is held. It answers only what the walk of
// userByEmail's walk would: not when any email is outside ASCII, as
// strings.EqualFold folds some letters outside ASCII onto ASCII ones (the
// Kelvin sign onto k) where lower-casing does not.
type emailIndex struct {
	st    *store
	built bool
	first map[string]*user // nil when an email is outside ASCII
}

// lookUp returns v's holder and true, or false when the index cannot tell.
func (x *emailIndex) lookUp(v string) (*user, bool) {
	if !x.built {
		x.built = true
		x.first = map[string]*user{}
		for _, u := range x.st.users {
			for _, e := range u.emails {
				if !isASCII(e) {
					x.first = nil
					return nil, false
				}
				if k := strings.ToLower(e); x.first[k] == nil {
					x.first[k] = u
				}
			}
		}
	}
	if x.first == nil || !isASCII(v) {
		return nil, false
	}
	return x.first[strings.ToLower(v)], true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// userByEmail finds the user holding email v (any of its emails),
// case-insensitively, with the emails indexed (or nil: walked). The
// userName index is only a short cut: a user whose userName is v but whose
// emails are other is not v's holder.
func (s *store) userByEmail(v string, emails *emailIndex) *user {
	if u := s.byName[strings.ToLower(v)]; u != nil && slices.ContainsFunc(u.emails, func(e string) bool { return strings.EqualFold(e, v) }) {
		return u
	}
	if emails != nil {
		if u, ok := emails.lookUp(v); ok {
			return u
		}
	}
	for _, u := range s.users {
		for _, e := range u.emails {
			if strings.EqualFold(e, v) {
				return u
			}
		}
	}
	return nil
}

// snapshot returns the state, users and teams sorted, service accounts left out.
func (s *store) snapshot() *State {
	st := &State{Users: []StateUser{}, Teams: []StateTeam{}}
	for _, u := range s.users {
		su := StateUser{ID: u.id, UserName: u.userName, Email: u.emails[0], DisplayName: u.displayName,
			ExternalID: u.externalID, Active: u.active, OrganizationRole: u.orgRole, Created: u.created.UTC()}
		if len(u.emails) > 1 {
			su.Emails = slices.Clone(u.emails)
		}
		st.Users = append(st.Users, su)
	}
	sort.SliceStable(st.Users, func(i, j int) bool {
		return strings.ToLower(st.Users[i].UserName) < strings.ToLower(st.Users[j].UserName)
	})
	for _, t := range s.teams {
		stm := StateTeam{ID: t.id, Name: t.name, Members: []StateMember{}, Created: t.created.UTC()}
		for _, id := range t.members {
			if u := s.userByID[id]; u != nil {
				stm.Members = append(stm.Members, StateMember{UserName: u.userName, Role: t.roles[id]})
			}
		}
		sort.Slice(stm.Members, func(i, j int) bool {
			return strings.ToLower(stm.Members[i].UserName) < strings.ToLower(stm.Members[j].UserName)
		})
		st.Teams = append(st.Teams, stm)
	}
	sort.SliceStable(st.Teams, func(i, j int) bool {
		a, b := strings.ToLower(st.Teams[i].Name), strings.ToLower(st.Teams[j].Name)
		if a != b {
			return a < b
		}
		return st.Teams[i].ID < st.Teams[j].ID
	})
	for _, r := range s.roles {
		st.Roles = append(st.Roles, StateRole{ID: r.id, Name: r.name, Description: r.description,
			InheritedFrom: r.inheritedFrom, Permissions: slices.Clone(r.permissions)})
	}
	return st
}
