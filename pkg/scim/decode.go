package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wbsync/wbsync/pkg/caps"
)

// The wire types. encoding/json matches keys case-insensitively, which
// covers W&B's capitalised keys (Value, Display, Primary, Resources). Error
// messages of the flexible types name the JSON kind they met, never the
// value: a value may be anything a server echoes, the key included.

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

// kindOf names the JSON kind of a raw value for error messages.
func kindOf(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// wireEmails is an RFC array of emails, W&B's legacy single object, a bare
// string, or null.
type wireEmails []wireEmail

func (w *wireEmails) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*w = nil
	case b[0] == '[':
		var list []wireEmail
		if err := json.Unmarshal(b, &list); err != nil {
			return fmt.Errorf("emails: %w", err)
		}
		*w = list
	case b[0] == '{':
		var one wireEmail
		if err := json.Unmarshal(b, &one); err != nil {
			return fmt.Errorf("emails: %w", err)
		}
		*w = wireEmails{one}
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("emails: %w", err)
		}
		*w = wireEmails{{Value: flexString(s), Primary: true}}
	default:
		return fmt.Errorf("emails: want an array or an object, got %s", kindOf(b))
	}
	return nil
}

// flexBool is a JSON boolean or a string "True"/"False" (any case); null is
// false.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch string(b) {
	case "null", "false":
		*f = false
		return nil
	case "true":
		*f = true
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			*f = true
			return nil
		case "false":
			*f = false
			return nil
		}
		return errors.New("want a boolean or \"True\"/\"False\", got another string")
	}
	return fmt.Errorf("want a boolean, got %s", kindOf(b))
}

// flexString is a JSON string or number (ids); null is "".
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string, got %s", kindOf(b))
	}
	*f = flexString(n.String())
	return nil
}

// flexInt is a non-negative JSON number or numeric string.
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(strings.TrimSpace(s))
	}
	n, err := strconv.Atoi(string(b))
	if err != nil || n < 0 {
		return errors.New("want a non-negative integer")
	}
	*f = flexInt(n)
	return nil
}

// flexTime is an RFC 3339 string; anything else is the zero time, not an
// error (W&B's dates are informative, never required).
type flexTime time.Time

func (f *flexTime) UnmarshalJSON(b []byte) error {
	*f = flexTime{}
	var s string
	if json.Unmarshal(b, &s) != nil {
		return nil
	}
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(s)); err == nil {
		*f = flexTime(t)
	}
	return nil
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

// user checks w and converts it; a missing id or an overlong attribute is
// an error.
func (w *wireUser) user() (User, error) {
	if blank(string(w.ID)) {
		return User{}, errors.New("no id")
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
		u.TeamRoles = append(u.TeamRoles, TeamRole{TeamName: string(r.TeamName), RoleName: string(r.RoleName)})
	}
	return u, nil
}

// group checks w and converts it: an id is required, and every member needs
// a value. Members may be null, missing or [].
func (w *wireGroup) group() (Group, error) {
	if blank(string(w.ID)) {
		return Group{}, errors.New("no id")
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
	return w.user()
}

// decodeGroup decodes one Group resource (a create's answer): an id is
// required, a displayName is not (the caller knows it).
func decodeGroup(b []byte) (Group, error) {
	var w wireGroup
	if err := json.Unmarshal(b, &w); err != nil {
		return Group{}, err
	}
	return w.group()
}

// The record decoders of the list reader: one resource from the stream,
// its id (for messages, also on failure) and whether it is well-formed.

func listedUser(dec *json.Decoder) (User, string, error) {
	var w wireUser
	if err := dec.Decode(&w); err != nil {
		return User{}, string(w.ID), err
	}
	u, err := w.user()
	if err == nil && blank(u.UserName) {
		err = errors.New("no userName")
	}
	return u, string(w.ID), err
}

func listedGroup(dec *json.Decoder) (Group, string, error) {
	var w wireGroup
	if err := dec.Decode(&w); err != nil {
		return Group{}, string(w.ID), err
	}
	g, err := w.group()
	if err == nil && blank(g.DisplayName) {
		err = errors.New("no displayName")
	}
	return g, string(w.ID), err
}

func listedRole(dec *json.Decoder) (Role, string, error) {
	var w wireRole
	if err := dec.Decode(&w); err != nil {
		return Role{}, string(w.ID), err
	}
	r, err := w.role()
	return r, string(w.ID), err
}
