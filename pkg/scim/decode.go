package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// User is a SCIM User as W&B returns it, normalised across shapes.
type User struct {
	ID          string
	UserName    string
	DisplayName string
	ExternalID  string
	// Emails are the user's emails, from an RFC array or W&B's legacy single
	// object with capitalised keys.
	Emails []Email
	// Active is the user's state; true when the server leaves it out.
	Active bool
	// OrganizationRole is W&B's organizationRole as sent ("" if absent).
	OrganizationRole string
	// TeamRoles is W&B's teamRoles (nil if absent).
	TeamRoles []TeamRole
	// ETag is meta.version or the ETag header ("" if none).
	ETag string
}

// Email is one of a user's emails.
type Email struct {
	Value   string
	Primary bool
	Type    string
}

// TeamRole is a user's role in one team (W&B's teamRoles).
type TeamRole struct {
	TeamName, RoleName string
}

// Group is a SCIM Group: a W&B team.
type Group struct {
	ID          string
	DisplayName string
	// Members may hold ids that are no listed user (org service accounts).
	Members []GroupMember
	// ETag is meta.version or the ETag header ("" if none).
	ETag string
}

// GroupMember is one member entry of a group.
type GroupMember struct {
	Value   string // the member's id
	Display string // the member's display (W&B: the userName)
}

// PrimaryEmail returns the primary email, else the first, else "".
func (u User) PrimaryEmail() string {
	for _, e := range u.Emails {
		if e.Primary {
			return e.Value
		}
	}
	if len(u.Emails) > 0 {
		return u.Emails[0].Value
	}
	return ""
}

// The wire types. encoding/json matches keys case-insensitively, which
// covers W&B's capitalised keys (Value, Display, Primary, Resources).

type wireMeta struct {
	Version string `json:"version"`
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

// wireEmails is an RFC array of emails, W&B's legacy single object, or null.
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
		return fmt.Errorf("emails: want an array or an object, got %.20s", b)
	}
	return nil
}

// flexBool is a JSON boolean or a string "True"/"False" (any case); null is
// false.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*f = false
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch t := v.(type) {
	case bool:
		*f = flexBool(t)
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "true":
			*f = true
		case "false":
			*f = false
		default:
			return fmt.Errorf("want a boolean, got %q", t)
		}
	default:
		return fmt.Errorf("want a boolean, got %s", b)
	}
	return nil
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
		return fmt.Errorf("want a string, got %.20s", b)
	}
	*f = flexString(n.String())
	return nil
}

// flexInt is a JSON number or a numeric string.
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
		return fmt.Errorf("want a non-negative integer, got %.20s", b)
	}
	*f = flexInt(n)
	return nil
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

type wireList struct {
	TotalResults *flexInt          `json:"totalResults"`
	StartIndex   *flexInt          `json:"startIndex"`
	ItemsPerPage *flexInt          `json:"itemsPerPage"`
	Resources    []json.RawMessage `json:"Resources"`
}

// decodeUser decodes one User resource.
func decodeUser(b []byte) (User, error) {
	var w wireUser
	if err := json.Unmarshal(b, &w); err != nil {
		return User{}, fmt.Errorf("decode user: %w", err)
	}
	if strings.TrimSpace(string(w.ID)) == "" {
		return User{}, errors.New("decode user: no id")
	}
	u := User{
		ID:               string(w.ID),
		UserName:         string(w.UserName),
		DisplayName:      string(w.DisplayName),
		ExternalID:       string(w.ExternalID),
		Active:           w.Active == nil || bool(*w.Active),
		OrganizationRole: string(w.OrganizationRole),
	}
	for _, e := range w.Emails {
		if e.Value == "" {
			continue
		}
		u.Emails = append(u.Emails, Email{Value: string(e.Value), Primary: bool(e.Primary), Type: string(e.Type)})
	}
	for _, r := range w.TeamRoles {
		u.TeamRoles = append(u.TeamRoles, TeamRole{TeamName: string(r.TeamName), RoleName: string(r.RoleName)})
	}
	if w.TeamRoles != nil && u.TeamRoles == nil {
		u.TeamRoles = []TeamRole{}
	}
	if w.Meta != nil {
		u.ETag = w.Meta.Version
	}
	return u, nil
}

// decodeGroup decodes one Group resource; members may be null, missing or
// [], with lower-case or capitalised keys.
func decodeGroup(b []byte) (Group, error) {
	var w wireGroup
	if err := json.Unmarshal(b, &w); err != nil {
		return Group{}, fmt.Errorf("decode group: %w", err)
	}
	if strings.TrimSpace(string(w.ID)) == "" {
		return Group{}, errors.New("decode group: no id")
	}
	g := Group{ID: string(w.ID), DisplayName: string(w.DisplayName)}
	for _, m := range w.Members {
		if m.Value == "" {
			return Group{}, fmt.Errorf("decode group %s: a member without value", g.ID)
		}
		g.Members = append(g.Members, GroupMember{Value: string(m.Value), Display: string(m.Display)})
	}
	if w.Meta != nil {
		g.ETag = w.Meta.Version
	}
	return g, nil
}

// listPage is one decoded list response.
type listPage struct {
	total        int
	hasTotal     bool
	itemsPerPage int
	hasItems     bool
	resources    []json.RawMessage
}

// decodeList decodes a ListResponse envelope.
func decodeList(b []byte) (listPage, error) {
	var w wireList
	if err := json.Unmarshal(b, &w); err != nil {
		return listPage{}, fmt.Errorf("decode list response: %w", err)
	}
	p := listPage{resources: w.Resources}
	if w.TotalResults != nil {
		p.total, p.hasTotal = int(*w.TotalResults), true
	}
	if w.ItemsPerPage != nil {
		p.itemsPerPage, p.hasItems = int(*w.ItemsPerPage), true
	}
	return p, nil
}
