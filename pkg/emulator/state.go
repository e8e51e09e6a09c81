package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wbsync/wbsync/pkg/caps"
)

// State is the emulator's seed and snapshot format:
//
//	{"users": [{"userName": "alice@example.com", "displayName": "Alice", "active": true},
//	           {"userName": "dev-user2", "emails": ["dev2@example.com", "d2@example.org"],
//	            "created": "2024-03-01T09:00:00Z"}],
//	 "teams": [{"name": "ml-research", "created": "2024-01-10T08:00:00Z",
//	            "members": ["alice@example.com", {"userName": "dev-user2", "role": "Reviewer"}]}],
//	 "roles": [{"name": "Reviewer", "inheritedFrom": "member", "description": "Reads and reviews",
//	            "permissions": ["project:read", "artifact:read"]}]}
type State struct {
	Users []StateUser `json:"users"`
	Teams []StateTeam `json:"teams"`
	// Roles are the custom team roles served under /Roles.
	Roles []StateRole `json:"roles,omitempty"`
}

// StateUser is one user of a State. In a seed only userName is required.
type StateUser struct {
	// ID is the SCIM id; generated when empty in a seed.
	ID string `json:"id,omitempty"`
	// UserName is the W&B userName, unique case-insensitively.
	UserName string `json:"userName"`
	// Email is the primary email; defaults to the first of Emails, else
	// UserName.
	Email string `json:"email,omitempty"`
	// Emails are all the user's emails, primary first, when there are
	// several (nil otherwise: Email holds the one).
	Emails []string `json:"emails,omitempty"`
	// DisplayName is the user's display name.
	DisplayName string `json:"displayName,omitempty"`
	// ExternalID is the IdP identifier.
	ExternalID string `json:"externalId,omitempty"`
	// Active is whether the user is active; a seed defaults it to true.
	Active bool `json:"active"`
	// OrganizationRole is admin or member, or viewer (deprecated) in a
	// seed, which defaults it to member.
	OrganizationRole string `json:"organizationRole,omitempty"`
	// Created is meta.created; a seed defaults it to a year before the
	// emulator's clock (a user that existed before the run).
	Created time.Time `json:"created,omitzero"`
}

// StateTeam is one team of a State. Seeded teams may share a name.
type StateTeam struct {
	// ID is the SCIM id; generated when empty in a seed.
	ID string `json:"id,omitempty"`
	// Name is the team name (the Group displayName).
	Name string `json:"name"`
	// Members are the team's users. Service accounts are not listed.
	Members []StateMember `json:"members"`
	// Created is meta.created; a seed defaults it to the emulator's clock.
	Created time.Time `json:"created,omitzero"`
}

// StateRole is one custom team role of a State.
type StateRole struct {
	// ID is the SCIM id (base64 of "Role:N"); generated when empty in a seed.
	ID string `json:"id,omitempty"`
	// Name is the role name: case-sensitive, may contain spaces, none of
	// admin, member and viewer.
	Name string `json:"name"`
	// InheritedFrom is the predefined role it extends: member (the default)
	// or viewer.
	InheritedFrom string `json:"inheritedFrom,omitempty"`
	// Description is free text.
	Description string `json:"description,omitempty"`
	// Permissions are the permissions the role adds, such as project:read.
	Permissions []string `json:"permissions,omitempty"`
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
	ID               string    `json:"id"`
	UserName         string    `json:"userName"`
	Email            string    `json:"email"`
	Emails           []string  `json:"emails"`
	DisplayName      string    `json:"displayName"`
	ExternalID       string    `json:"externalId"`
	Active           *bool     `json:"active"`
	OrganizationRole string    `json:"organizationRole"`
	Created          time.Time `json:"created"`
}

// jsonWant says in JSON's words what a seed holds where Go type t is
// decoded ("a list of strings"), or "" for a type it does not name.
func jsonWant(t reflect.Type) string {
	if t == nil {
		return ""
	}
	switch t.Kind() { // the kinds a State holds (its dates fail in time's own words)
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Struct:
		return "an object"
	case reflect.Slice:
		if e := jsonWant(t.Elem()); e != "" {
			_, noun, _ := strings.Cut(e, " ") // "a string": "strings"
			return "a list of " + noun + "s"
		}
	}
	return ""
}

// jsonErrorAt adds to err, decoding seed b, the line and column it is at
// where that is sure: a syntax error's offset (the whole seed is scanned
// first), or an unknown field written as a key once in the whole seed;
// err itself otherwise. A type error's offset is not used: inside a team
// member, decoded on its own, it counts from the member.
func jsonErrorAt(b []byte, err error) error {
	off := -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var pe *time.ParseError
	switch {
	case errors.As(err, &se):
		off = max(int(se.Offset)-1, 0) // the offending byte is the last read
	case errors.As(err, &te) && te.Field != "":
		// In the seed's terms, not Go's ("Go struct field rawUser...").
		// Inside a team member (decoded on its own, by
		// StateMember.UnmarshalJSON) the offset counts from the member,
		// not from the file: no place is given.
		if te.Field != "teams.members" && !strings.HasPrefix(te.Field, "teams.members.") {
			off = max(int(te.Offset)-1, 0)
		}
		if want := jsonWant(te.Type); want != "" && !strings.HasPrefix(te.Field, "teams.members") {
			err = fmt.Errorf("%s holds a JSON %s where a seed holds %s", te.Field, te.Value, want)
		} else { // a member is a userName or an object: no one kind to name
			err = fmt.Errorf("%s holds a JSON %s, which is not what a seed holds there", te.Field, te.Value)
		}
	case errors.As(err, &pe):
		// time.Time's own message names Go's layout, not the field.
		err = fmt.Errorf("created %q is not an RFC 3339 date (such as 2025-01-02T15:04:05Z)", pe.Value)
		off = valueAt(b, `"`+pe.Value+`"`) // as written, when it has no escapes
	case strings.Contains(err.Error(), "Time.UnmarshalJSON"):
		// time.Time's own words for a date that is no string: the
		// field is a user's or a team's created.
		err = errors.New("created holds a JSON value that is not a string where a seed holds an RFC 3339 date string (such as \"2025-01-02T15:04:05Z\")")
	case errors.Is(err, io.ErrUnexpectedEOF):
		err = errors.New("the file ends inside a JSON value (cut off?)")
	default:
		if m := unknownFieldRE.FindStringSubmatch(err.Error()); m != nil {
			off = keyAt(b, m[1])
		}
	}
	if off < 0 || off > len(b) {
		return err
	}
	start := bytes.LastIndexByte(b[:off], '\n') + 1
	return fmt.Errorf("line %d, column %d: %w", 1+bytes.Count(b[:start], []byte("\n")), 1+utf8.RuneCount(b[start:off]), err)
}

// unknownFieldRE matches encoding/json's error for a field the seed's
// types lack, capturing the field's name as written in JSON.
var unknownFieldRE = regexp.MustCompile(`^json: unknown field (".*")$`)

// keyAt returns the offset of the one place quoted (a JSON string, with
// its quotes) is written as an object's key, followed by a colon; -1 when
// none is or several are (a key valid elsewhere, "email" in a member,
// would be blamed on another object).
func keyAt(b []byte, quoted string) int {
	return onlyAt(b, quoted, func(i int) bool {
		rest := bytes.TrimLeft(b[i+len(quoted):], " \t\r\n")
		return len(rest) > 0 && rest[0] == ':'
	})
}

// valueAt returns the offset of the one place quoted is written as the
// value of a "created" key; -1 when none is or several are.
func valueAt(b []byte, quoted string) int {
	return onlyAt(b, quoted, func(i int) bool {
		before, ok := bytes.CutSuffix(bytes.TrimRight(b[:i], " \t\r\n"), []byte(":"))
		return ok && bytes.HasSuffix(bytes.TrimRight(before, " \t\r\n"), []byte(`"created"`))
	})
}

// onlyAt returns the offset of the one place quoted is written where fits
// says; -1 when none is or several are.
func onlyAt(b []byte, quoted string, fits func(int) bool) int {
	at := -1
	for off := 0; ; {
		i := bytes.Index(b[off:], []byte(quoted))
		if i < 0 {
			return at
		}
		i += off
		off = i + 1
		if fits(i) {
			if at >= 0 {
				return -1
			}
			at = i
		}
	}
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
// duplicate userNames, ids or role names, and members that are not seeded
// users are errors. Defaults are filled in: email = the first of emails,
// else userName; active = true; organizationRole = member; member role =
// member; inheritedFrom = member.
func ParseState(r io.Reader) (*State, error) {
	var raw struct {
		Users []rawUser   `json:"users"`
		Teams []StateTeam `json:"teams"`
		Roles []StateRole `json:"roles"`
	}
	b, err := io.ReadAll(r) // the caller bounds it (a --state file is capped)
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a byte-order mark, which JSON parsers may ignore (RFC 8259 §8.1)
	t := bytes.TrimLeft(b, " \t\r\n")
	if len(t) == 0 {
		return nil, errors.New("parse state: the file is empty: a seed is a JSON object ({\"users\": [...], \"teams\": [...], \"roles\": [...]})")
	}
	if t[0] != '{' && json.Valid(b) {
		return nil, errors.New("parse state: a seed is a JSON object ({\"users\": [...], \"teams\": [...], \"roles\": [...]}), not an array or a single value")
	}
	if err := decodeStrict(bytes.NewReader(b), &raw); err != nil {
		return nil, fmt.Errorf("parse state: %w", jsonErrorAt(b, err))
	}
	p := &seedParser{st: &State{Teams: raw.Teams, Roles: raw.Roles}, names: map[string]bool{}, ids: map[string]string{},
		roles: map[string]bool{}}
	for i, u := range raw.Users {
		p.user(i, u)
	}
	for i := range p.st.Teams {
		p.team(i)
	}
	for i := range p.st.Roles {
		p.role(i)
	}
	if len(p.errs) > 0 {
		if p.more > 0 {
			p.errs = append(p.errs, fmt.Errorf("... and %d more problem(s)", p.more))
		}
		return nil, fmt.Errorf("parse state: %w", errors.Join(p.errs...))
	}
	return p.st, nil
}

// seedParser checks and completes a seed, collecting every problem.
type seedParser struct {
	st    *State
	names map[string]bool   // lower-cased userNames
	ids   map[string]string // id → where it is used
	roles map[string]bool   // custom role names
	errs  []error           // the first caps.Problems problems
	more  int               // the problems past them, counted
}

func (p *seedParser) fail(format string, args ...any) {
	if len(p.errs) >= caps.Problems {
		p.more++
		return
	}
	p.errs = append(p.errs, fmt.Errorf(format, args...))
}

func (p *seedParser) id(where, id string) {
	if id == "" {
		return
	}
	if prev, ok := p.ids[id]; ok {
		p.fail("%s: id %q already used by %s", where, id, prev)
		return // the first holder stays the one named
	}
	p.ids[id] = where
}

func (p *seedParser) user(i int, u rawUser) {
	where := fmt.Sprintf("users[%d]", i)
	if strings.TrimSpace(u.UserName) == "" {
		p.fail("%s: userName is required", where)
		return
	}
	k := strings.ToLower(u.UserName)
	if p.names[k] {
		p.fail("%s: duplicate userName %q", where, u.UserName)
	}
	p.names[k] = true
	p.id(where, u.ID)
	su := StateUser{ID: u.ID, UserName: u.UserName, Email: u.Email, DisplayName: u.DisplayName,
		ExternalID: u.ExternalID, Active: true, OrganizationRole: strings.ToLower(u.OrganizationRole), Created: u.Created}
	if u.Active != nil {
		su.Active = *u.Active
	}
	if u.Emails != nil {
		p.emails(where, &su, u.Emails)
	}
	if su.Email == "" {
		su.Email = su.UserName
	}
	switch su.OrganizationRole {
	case "":
		su.OrganizationRole = roleMember
	case roleAdmin, roleMember:
	case roleViewer:
		// The deprecated org role, which a user given it before W&B
		// turned it into member with viewer seats may still show (a
		// PATCH that sets it now gives member: patchuser.go).
	default:
		p.fail("%s: organizationRole %q: want admin, member or viewer (the deprecated role a user may still show)", where, u.OrganizationRole)
	}
	p.st.Users = append(p.st.Users, su)
}

// emails checks a seed's emails list (primary first) against its email.
func (p *seedParser) emails(where string, su *StateUser, emails []string) {
	if len(emails) == 0 {
		p.fail("%s: emails is empty: leave it out or list the primary email first", where)
		return
	}
	seen := map[string]bool{}
	for _, e := range emails {
		if !strings.Contains(e, "@") {
			p.fail("%s: emails: %q is not an email address", where, e)
		}
		if seen[strings.ToLower(e)] {
			p.fail("%s: emails: %q listed twice", where, e)
		}
		seen[strings.ToLower(e)] = true
	}
	if su.Email != "" && !strings.EqualFold(su.Email, emails[0]) {
		p.fail("%s: email %q differs from the first of emails %q (the primary)", where, su.Email, emails[0])
	}
	su.Email = emails[0]
	if len(emails) > 1 {
		su.Emails = emails
	}
}

func (p *seedParser) team(i int) {
	t := &p.st.Teams[i]
	where := fmt.Sprintf("teams[%d]", i)
	if strings.TrimSpace(t.Name) == "" {
		p.fail("%s: name is required", where)
	}
	p.id(where, t.ID)
	seen := map[string]bool{}
	for j := range t.Members {
		m := &t.Members[j]
		k := strings.ToLower(m.UserName)
		switch {
		case !p.names[k]:
			p.fail("%s (%s): member %q is not a seeded user", where, t.Name, m.UserName)
		case seen[k]:
			p.fail("%s (%s): member %q listed twice", where, t.Name, m.UserName)
		}
		seen[k] = true
		if m.Role == "" {
			m.Role = roleMember
		} else if isPredefinedRole(m.Role) {
			m.Role = strings.ToLower(m.Role)
		}
	}
}

func (p *seedParser) role(i int) {
	r := &p.st.Roles[i]
	where := fmt.Sprintf("roles[%d]", i)
	p.id(where, r.ID)
	switch {
	case strings.TrimSpace(r.Name) == "":
		p.fail("%s: name is required", where)
	case isPredefinedRole(r.Name):
		p.fail("%s: %q is a predefined role, not a custom one", where, r.Name)
	case p.roles[r.Name]:
		p.fail("%s: duplicate role name %q", where, r.Name)
	}
	p.roles[r.Name] = true
	switch r.InheritedFrom = strings.ToLower(r.InheritedFrom); r.InheritedFrom {
	case "":
		r.InheritedFrom = roleMember
	case roleMember, roleViewer:
	default:
		p.fail("%s (%s): inheritedFrom %q: want member or viewer", where, r.Name, r.InheritedFrom)
	}
}
