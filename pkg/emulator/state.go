package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// State is the emulator's seed and snapshot format (SPEC §5):
//
//	{"users": [{"userName": "alice@example.com", "displayName": "Alice", "active": true}],
//	 "teams": [{"name": "ml-research", "members": ["alice@example.com",
//	                                              {"userName": "bob@example.com", "role": "admin"}]}]}
type State struct {
	Users []StateUser `json:"users"`
	Teams []StateTeam `json:"teams"`
}

// StateUser is one user of a State. In a seed only userName is required.
type StateUser struct {
	// ID is the SCIM id; generated when empty in a seed.
	ID string `json:"id,omitempty"`
	// UserName is the W&B userName, unique case-insensitively.
	UserName string `json:"userName"`
	// Email is the primary email; defaults to UserName.
	Email string `json:"email,omitempty"`
	// DisplayName is the user's display name.
	DisplayName string `json:"displayName,omitempty"`
	// ExternalID is the IdP identifier.
	ExternalID string `json:"externalId,omitempty"`
	// Active is whether the user is active; a seed defaults it to true.
	Active bool `json:"active"`
	// OrganizationRole is admin or member; a seed defaults it to member.
	OrganizationRole string `json:"organizationRole,omitempty"`
}

// StateTeam is one team of a State. Seeded teams may share a name.
type StateTeam struct {
	// ID is the SCIM id; generated when empty in a seed.
	ID string `json:"id,omitempty"`
	// Name is the team name (the Group displayName).
	Name string `json:"name"`
	// Members are the team's users. Service accounts are not listed.
	Members []StateMember `json:"members"`
}

// StateMember is one member of a StateTeam: in JSON either a userName string
// (role member) or {"userName": "...", "role": "admin"}.
type StateMember struct {
	UserName string `json:"userName"`
	Role     string `json:"role,omitempty"`
}

// UnmarshalJSON accepts a userName string or a strict {"userName","role"} object.
func (m *StateMember) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '"' {
		m.Role = ""
		return json.Unmarshal(t, &m.UserName)
	}
	type plain StateMember
	var p plain
	if err := decodeStrict(bytes.NewReader(b), &p); err != nil {
		return err
	}
	*m = StateMember(p)
	return nil
}

// rawUser is StateUser as a seed writes it, with active optional.
type rawUser struct {
	ID               string `json:"id"`
	UserName         string `json:"userName"`
	Email            string `json:"email"`
	DisplayName      string `json:"displayName"`
	ExternalID       string `json:"externalId"`
	Active           *bool  `json:"active"`
	OrganizationRole string `json:"organizationRole"`
}

func decodeStrict(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

// ParseState reads a seed strictly: unknown fields, trailing data, missing or
// duplicate userNames or ids, and members that are not seeded users are errors.
// Defaults are filled in: email = userName, active = true, organizationRole
// = member, member role = member.
func ParseState(r io.Reader) (*State, error) {
	var raw struct {
		Users []rawUser   `json:"users"`
		Teams []StateTeam `json:"teams"`
	}
	if err := decodeStrict(r, &raw); err != nil {
		return nil, fmt.Errorf("parse state: %w", err)
	}
	var errs []error
	st := &State{Teams: raw.Teams}
	names := map[string]bool{}
	ids := map[string]string{}
	for i, u := range raw.Users {
		where := fmt.Sprintf("users[%d]", i)
		if strings.TrimSpace(u.UserName) == "" {
			errs = append(errs, fmt.Errorf("%s: userName is required", where))
			continue
		}
		k := strings.ToLower(u.UserName)
		if names[k] {
			errs = append(errs, fmt.Errorf("%s: duplicate userName %q", where, u.UserName))
		}
		names[k] = true
		if u.ID != "" {
			if prev, ok := ids[u.ID]; ok {
				errs = append(errs, fmt.Errorf("%s: id %q already used by %s", where, u.ID, prev))
			}
			ids[u.ID] = where
		}
		su := StateUser{ID: u.ID, UserName: u.UserName, Email: u.Email, DisplayName: u.DisplayName,
			ExternalID: u.ExternalID, Active: true, OrganizationRole: strings.ToLower(u.OrganizationRole)}
		if u.Active != nil {
			su.Active = *u.Active
		}
		if su.Email == "" {
			su.Email = su.UserName
		}
		switch su.OrganizationRole {
		case "":
			su.OrganizationRole = roleMember
		case roleAdmin, roleMember:
		default:
			errs = append(errs, fmt.Errorf("%s: organizationRole %q: want admin or member", where, u.OrganizationRole))
		}
		st.Users = append(st.Users, su)
	}
	for i := range st.Teams {
		t := &st.Teams[i]
		where := fmt.Sprintf("teams[%d]", i)
		if strings.TrimSpace(t.Name) == "" {
			errs = append(errs, fmt.Errorf("%s: name is required", where))
		}
		if t.ID != "" {
			if prev, ok := ids[t.ID]; ok {
				errs = append(errs, fmt.Errorf("%s: id %q already used by %s", where, t.ID, prev))
			}
			ids[t.ID] = where
		}
		seen := map[string]bool{}
		for j := range t.Members {
			m := &t.Members[j]
			k := strings.ToLower(m.UserName)
			switch {
			case !names[k]:
				errs = append(errs, fmt.Errorf("%s (%s): member %q is not a seeded user", where, t.Name, m.UserName))
			case seen[k]:
				errs = append(errs, fmt.Errorf("%s (%s): member %q listed twice", where, t.Name, m.UserName))
			}
			seen[k] = true
			if m.Role == "" {
				m.Role = roleMember
			} else if isPredefinedRole(m.Role) {
				m.Role = strings.ToLower(m.Role)
			}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("parse state: %w", errors.Join(errs...))
	}
	return st, nil
}
