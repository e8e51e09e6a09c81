// Package observed reads the live organization over SCIM and turns it into a
// model.State with a fingerprint. A failed or partial read is an error, never
// a smaller state.
//
// It may import the standard library, pkg/model, pkg/scim and
// golang.org/x/sync; it does no os.* I/O and never writes.
package observed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

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
func Fetch(ctx context.Context, l Lister) (model.State, string, error) {
	var (
		users  []scim.User
		groups []scim.Group
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		var err error
		users, err = l.ListUsers(gctx)
		return err
	})
	g.Go(func() error {
		var err error
		groups, err = l.ListGroups(gctx)
		return err
	})
	if err := g.Wait(); err != nil {
		return model.State{}, "", err
	}
	// Fetch owns what it read: build releases it as it goes, so that the
	// SCIM and the model copies of a large organization are never both
	// whole in memory.
	st, err := build(users, groups, true)
	if err != nil {
		return model.State{}, "", err
	}
	return st, Fingerprint(st), nil
}

// Build turns SCIM users and groups into a sorted model.State. Two users with
// the same id are an error. It does not change its arguments.
func Build(users []scim.User, groups []scim.Group) (model.State, error) {
	return build(users, groups, false)
}

// build is Build. With consume, it owns users and groups and clears each
// record once converted, so that what it read is released as the model
// grows.
func build(users []scim.User, groups []scim.Group, consume bool) (model.State, error) {
	st := model.State{Users: make([]model.User, 0, len(users)), Teams: make([]model.Team, 0, len(groups))}
	index := make(map[string]int, len(users)) // user id → position in st.Users
	for i := range users {
		u := &users[i]
		if _, dup := index[u.ID]; dup {
			return model.State{}, fmt.Errorf("read users: id %q listed twice", u.ID)
		}
		index[u.ID] = len(st.Users)
		st.Users = append(st.Users, userOf(u))
		if consume {
			*u = scim.User{}
		}
	}
	for i := range groups {
		st.Teams = append(st.Teams, teamOf(groups[i], st.Users, index))
		if consume {
			groups[i] = scim.Group{}
		}
	}
	slices.SortFunc(st.Users, func(a, b model.User) int {
		if c := strings.Compare(a.Key(), b.Key()); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	slices.SortFunc(st.Teams, func(a, b model.Team) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return st, nil
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

// teamOf converts one SCIM group, resolving members against users (by
// index). Members are sorted by resolved email then id; a member listed
// twice is kept once (the first entry).
func teamOf(gr scim.Group, users []model.User, index map[string]int) model.Team {
	t := model.Team{ID: gr.ID, Name: gr.DisplayName, Members: make([]model.Member, 0, len(gr.Members)), ETag: gr.ETag}
	for _, m := range gr.Members {
		mm := model.Member{UserID: m.Value, Display: m.Display}
		if i, ok := index[m.Value]; ok {
			u := &users[i]
			mm.UserID, mm.Email = u.ID, u.UserName // the user's copies: the group's can go
			if m.Display == u.UserName {
				mm.Display = u.UserName
			}
			mm.Role = teamRole(u.TeamRoles, gr.DisplayName)
		}
		t.Members = append(t.Members, mm)
	}
	// Entries of one id resolve alike, so they sort next to each other,
	// first entry first.
	slices.SortStableFunc(t.Members, func(a, b model.Member) int {
		if c := strings.Compare(model.Key(a.Email), model.Key(b.Email)); c != 0 {
			return c
		}
		return strings.Compare(a.UserID, b.UserID)
	})
	t.Members = slices.CompactFunc(t.Members, func(a, b model.Member) bool { return a.UserID == b.UserID })
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

// Fingerprint hashes the relevant fields of a state sorted as Build sorts it
// (ETags and dates left out): "sha256:<hex>". Fetch returns
// Fingerprint(Build(...)), so the server's list order does not matter.
func Fingerprint(st model.State) string {
	type user struct {
		ID, UserName, Email, DisplayName, ExternalID string
		Emails                                       []string
		OrgRole                                      model.Role
		Active                                       bool
		TeamRoles                                    map[string]model.Role
	}
	type team struct {
		ID, Name string
		Members  []model.Member
	}
	h := sha256.New()
	enc := json.NewEncoder(h)
	write := func(v any) {
		if err := enc.Encode(v); err != nil { // plain strings, bools and maps: cannot fail
			panic(fmt.Sprintf("fingerprint: %v", err))
		}
	}
	// One record at a time into the hash: no encoded copy of the state.
	for _, u := range st.Users {
		write(user{u.ID, u.UserName, u.Email, u.DisplayName, u.ExternalID, u.Emails, u.OrgRole, u.Active, u.TeamRoles})
	}
	write("teams")
	for _, t := range st.Teams {
		write(team{t.ID, t.Name, t.Members})
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
