package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wbsync/wbsync/pkg/caps"
)

// The wire types (their flexible fields are in flex.go). encoding/json
// matches keys case-insensitively, which covers W&B's capitalised keys
// (Value, Display, Primary, Resources).

type wireMeta struct {
	Version      flexString `json:"version"`
	Created      flexTime   `json:"created"`
	LastModified flexTime   `json:"lastModified"`
}

type wireUser struct {
	ID               flexString     `json:"id"`
	UserName         flexString     `json:"userName"`
	DisplayName      flexString     `json:"displayName"`
	ExternalID       flexString     `json:"externalId"`
	Emails           wireEmails     `json:"emails"`
	Active           *flexBool      `json:"active"`
	OrganizationRole flexString     `json:"organizationRole"`
	TeamRoles        []wireTeamRole `json:"teamRoles"`
	Meta             *wireMeta      `json:"meta"`
}

type wireTeamRole struct {
	TeamName flexString `json:"teamName"`
	RoleName flexString `json:"roleName"`
}

type wireEmail struct {
	Value   flexString `json:"value"`
	Primary flexBool   `json:"primary"`
	Type    flexString `json:"type"`
}

type wireMember struct {
	Value   flexString `json:"value"`
	Display flexString `json:"display"`
}

type wireGroup struct {
	ID          flexString   `json:"id"`
	DisplayName flexString   `json:"displayName"`
	Members     []wireMember `json:"members"`
	Meta        *wireMeta    `json:"meta"`
}

type wirePermission struct {
	Name        flexString `json:"name"`
	IsInherited flexBool   `json:"isInherited"`
}

type wireRole struct {
	ID            flexString       `json:"id"`
	Name          flexString       `json:"name"`
	Description   flexString       `json:"description"`
	InheritedFrom flexString       `json:"inheritedFrom"`
	Permissions   []wirePermission `json:"permissions"`
	Meta          *wireMeta        `json:"meta"`
}

func (m *wireMeta) times() (created, modified time.Time) {
	if m == nil {
		return time.Time{}, time.Time{}
	}
	return time.Time(m.Created), time.Time(m.LastModified)
}

func (m *wireMeta) version() string {
	if m == nil {
		return ""
	}
	return string(m.Version)
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// tooLong names the first of the (name, value) pairs whose value is longer
// than caps.Field.
func tooLong(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if len(pairs[i+1]) > caps.Field {
			return fmt.Errorf("%s is longer than %d bytes", pairs[i], caps.Field)
		}
	}
	return nil
}

// interner shares one copy of strings that repeat across records (the team
// and role names of teamRoles): 100,000 users in 5 teams each then hold the
// organization's team names once, not 500,000 times. It is safe for
// concurrent use and stops adding after maxInterned distinct strings. A nil
// *interner shares nothing.
type interner struct {
	mu sync.Mutex
	m  map[string]string
}

// maxInterned bounds an interner's distinct strings.
const maxInterned = 1 << 16

func newInterner() *interner { return &interner{m: map[string]string{}} }

func (in *interner) get(s string) string {
	if in == nil {
		return s
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if v, ok := in.m[s]; ok {
		return v
	}
	if len(in.m) < maxInterned {
		in.m[s] = s
	}
	return s
}

// user checks w and converts it: a missing id (or, for a listed user, a
// missing userName) or an overlong attribute is an error. Team and role
// names are shared through in (may be nil).
func (w *wireUser) user(in *interner, listed bool) (User, error) {
	if blank(string(w.ID)) {
		return User{}, errors.New("no id")
	}
	if listed && blank(string(w.UserName)) {
		return User{}, errors.New("no userName")
	}
	u := User{
		ID:               string(w.ID),
		UserName:         string(w.UserName),
		DisplayName:      string(w.DisplayName),
		ExternalID:       string(w.ExternalID),
		Active:           w.Active == nil || bool(*w.Active),
		OrganizationRole: string(w.OrganizationRole),
		ETag:             w.Meta.version(),
	}
	u.Created, u.LastModified = w.Meta.times()
	if err := tooLong("id", u.ID, "userName", u.UserName, "displayName", u.DisplayName, "externalId", u.ExternalID,
		"organizationRole", u.OrganizationRole, "meta.version", u.ETag); err != nil {
		return User{}, err
	}
	for _, e := range w.Emails {
		if e.Value == "" {
			continue
		}
		if err := tooLong("an email", string(e.Value), "an email type", string(e.Type)); err != nil {
			return User{}, err
		}
		u.Emails = append(u.Emails, Email{Value: string(e.Value), Primary: bool(e.Primary), Type: string(e.Type)})
	}
	slices.SortStableFunc(u.Emails, func(a, b Email) int {
		switch {
		case a.Primary == b.Primary:
			return 0
		case a.Primary:
			return -1
		}
		return 1
	})
	if w.TeamRoles != nil {
		u.TeamRoles = make([]TeamRole, 0, len(w.TeamRoles))
	}
	for _, r := range w.TeamRoles {
		if err := tooLong("a teamRoles teamName", string(r.TeamName), "a teamRoles roleName", string(r.RoleName)); err != nil {
			return User{}, err
		}
		u.TeamRoles = append(u.TeamRoles, TeamRole{TeamName: in.get(string(r.TeamName)), RoleName: in.get(string(r.RoleName))})
	}
	return u, nil
}

// group checks w and converts it: an id (and, for a listed group, a
// displayName) is required, and every member needs a value. Members may be
// null, missing or [].
func (w *wireGroup) group(listed bool) (Group, error) {
	if blank(string(w.ID)) {
		return Group{}, errors.New("no id")
	}
	if listed && blank(string(w.DisplayName)) {
		return Group{}, errors.New("no displayName")
	}
	g := Group{ID: string(w.ID), DisplayName: string(w.DisplayName), ETag: w.Meta.version()}
	g.Created, g.LastModified = w.Meta.times()
	if err := tooLong("id", g.ID, "displayName", g.DisplayName, "meta.version", g.ETag); err != nil {
		return Group{}, err
	}
	if len(w.Members) > 0 {
		g.Members = make([]GroupMember, 0, len(w.Members))
	}
	for i, m := range w.Members {
		if blank(string(m.Value)) {
			return Group{}, fmt.Errorf("member %d has no value", i+1)
		}
		if err := tooLong("a member value", string(m.Value), "a member display", string(m.Display)); err != nil {
			return Group{}, err
		}
		g.Members = append(g.Members, GroupMember{Value: string(m.Value), Display: string(m.Display)})
	}
	return g, nil
}

// role checks w and converts it: an id and a name are required.
func (w *wireRole) role() (Role, error) {
	if blank(string(w.ID)) {
		return Role{}, errors.New("no id")
	}
	r := Role{ID: string(w.ID), Name: string(w.Name), Description: string(w.Description),
		InheritedFrom: string(w.InheritedFrom)}
	r.Created, r.LastModified = w.Meta.times()
	if blank(r.Name) {
		return Role{}, errors.New("no name")
	}
	if err := tooLong("id", r.ID, "name", r.Name, "description", r.Description, "inheritedFrom", r.InheritedFrom); err != nil {
		return Role{}, err
	}
	for _, p := range w.Permissions {
		if err := tooLong("a permission name", string(p.Name)); err != nil {
			return Role{}, err
		}
		r.Permissions = append(r.Permissions, Permission{Name: string(p.Name), IsInherited: bool(p.IsInherited)})
	}
	return r, nil
}

// decodeUser decodes one User resource (a create's answer): an id is
// required, a userName is not (the caller knows it).
func decodeUser(b []byte) (User, error) {
	var w wireUser
	if err := json.Unmarshal(b, &w); err != nil {
		return User{}, err
	}
	return w.user(nil, false)
}

// decodeGroup decodes one Group resource (a create's answer): an id is
// required, a displayName is not (the caller knows it).
func decodeGroup(b []byte) (Group, error) {
	var w wireGroup
	if err := json.Unmarshal(b, &w); err != nil {
		return Group{}, err
	}
	return w.group(false)
}

// The record decoders of the list reader: one resource from the stream,
// its id (for messages, also on failure) and whether it is well-formed.

// record decodes one resource into its wire form w (whose id field is id)
// and converts it with conv.
func record[T any](dec *json.Decoder, w any, id *flexString, conv func() (T, error)) (T, string, error) {
	if err := dec.Decode(w); err != nil {
		var zero T
		return zero, string(*id), err
	}
	v, err := conv()
	return v, string(*id), err
}

// listedUsers returns the record decoder of a users list, sharing repeated
// names through in (may be nil).
func listedUsers(in *interner) func(dec *json.Decoder) (User, string, error) {
	return func(dec *json.Decoder) (User, string, error) {
		var w wireUser
		return record(dec, &w, &w.ID, func() (User, error) { return w.user(in, true) })
	}
}

func listedGroup(dec *json.Decoder) (Group, string, error) {
	var w wireGroup
	return record(dec, &w, &w.ID, func() (Group, error) { return w.group(true) })
}

func listedRole(dec *json.Decoder) (Role, string, error) {
	var w wireRole
	return record(dec, &w, &w.ID, w.role)
}
