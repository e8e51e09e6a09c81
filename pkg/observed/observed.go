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
	"sort"
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
// relevant fields (not ETags) that does not depend on the server's order.
//
// Users carry UserName, Email (the primary email, else the first),
// DisplayName, ExternalID, OrgRole (lower-cased, "" if absent), Active,
// TeamRoles (nil if the server gave none) and ETag. Team members carry the
// SCIM id, the display, Email = the resolved user's UserName ("" when the id
// is no listed user, such as an org service account) and Role from that
// user's teamRoles for the team ("" unknown).
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
	st, err := Build(users, groups)
	if err != nil {
		return model.State{}, "", err
	}
	return st, Fingerprint(st), nil
}

// Build turns SCIM users and groups into a sorted model.State. Two users with
// the same id are an error.
func Build(users []scim.User, groups []scim.Group) (model.State, error) {
	st := model.State{Users: make([]model.User, 0, len(users)), Teams: make([]model.Team, 0, len(groups))}
	byID := make(map[string]*scim.User, len(users))
	for i := range users {
		u := &users[i]
		if _, dup := byID[u.ID]; dup {
			return model.State{}, fmt.Errorf("read users: id %s listed twice", u.ID)
		}
		byID[u.ID] = u
		mu := model.User{
			ID:          u.ID,
			UserName:    u.UserName,
			Email:       u.PrimaryEmail(),
			DisplayName: u.DisplayName,
			ExternalID:  u.ExternalID,
			OrgRole:     model.NormRole(u.OrganizationRole),
			Active:      u.Active,
			ETag:        u.ETag,
		}
		if len(u.TeamRoles) > 0 {
			mu.TeamRoles = make(map[string]model.Role, len(u.TeamRoles))
			for _, r := range u.TeamRoles {
				mu.TeamRoles[r.TeamName] = model.NormRole(r.RoleName)
			}
		}
		st.Users = append(st.Users, mu)
	}
	for _, gr := range groups {
		t := model.Team{ID: gr.ID, Name: gr.DisplayName, Members: []model.Member{}, ETag: gr.ETag}
		seen := make(map[string]bool, len(gr.Members))
		for _, m := range gr.Members {
			if seen[m.Value] {
				continue
			}
			seen[m.Value] = true
			mm := model.Member{UserID: m.Value, Display: m.Display}
			if u, ok := byID[m.Value]; ok {
				mm.Email = u.UserName
				mm.Role = teamRole(u, gr.DisplayName)
			}
			t.Members = append(t.Members, mm)
		}
		sort.Slice(t.Members, func(i, j int) bool {
			a, b := t.Members[i], t.Members[j]
			if ka, kb := model.Key(a.Email), model.Key(b.Email); ka != kb {
				return ka < kb
			}
			return a.UserID < b.UserID
		})
		st.Teams = append(st.Teams, t)
	}
	sort.Slice(st.Users, func(i, j int) bool {
		a, b := st.Users[i], st.Users[j]
		if ka, kb := a.Key(), b.Key(); ka != kb {
			return ka < kb
		}
		return a.ID < b.ID
	})
	sort.Slice(st.Teams, func(i, j int) bool {
		a, b := st.Teams[i], st.Teams[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ID < b.ID
	})
	return st, nil
}

// teamRole is the user's role in the named team from teamRoles ("" unknown):
// an exact name match first, then a case-insensitive one.
func teamRole(u *scim.User, team string) model.Role {
	for _, r := range u.TeamRoles {
		if r.TeamName == team {
			return model.NormRole(r.RoleName)
		}
	}
	for _, r := range u.TeamRoles {
		if strings.EqualFold(r.TeamName, team) {
			return model.NormRole(r.RoleName)
		}
	}
	return ""
}

// Fingerprint hashes the relevant fields of a state sorted as Build sorts it
// (ETags left out): "sha256:<hex>". Fetch returns Fingerprint(Build(...)),
// so the server's list order does not matter.
func Fingerprint(st model.State) string {
	type user struct {
		ID, UserName, Email, DisplayName, ExternalID string
		OrgRole                                      model.Role
		Active                                       bool
		TeamRoles                                    map[string]model.Role
	}
	type team struct {
		ID, Name string
		Members  []model.Member
	}
	c := struct {
		Users []user
		Teams []team
	}{Users: []user{}, Teams: []team{}}
	for _, u := range st.Users {
		c.Users = append(c.Users, user{u.ID, u.UserName, u.Email, u.DisplayName, u.ExternalID, u.OrgRole, u.Active, u.TeamRoles})
	}
	for _, t := range st.Teams {
		c.Teams = append(c.Teams, team{t.ID, t.Name, t.Members})
	}
	b, err := json.Marshal(c)
	if err != nil { // plain strings, bools and maps: cannot fail
		panic(fmt.Sprintf("fingerprint: %v", err))
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
