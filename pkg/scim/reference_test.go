package scim

// The decoding of list bodies and resources as wbsync did it with
// encoding/json (wire types with flexible UnmarshalJSON, a json.Decoder over
// the stream): the oracle the streaming decoders are checked against.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// The flexible JSON types of W&B's shapes. Their error messages name the
// JSON kind they met, never the value: a value may be anything a server
// echoes, the key included.

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
		if replacedFFFD(s, b[1:len(b)-1]) {
			refReplaced++
		}
		*w = wireEmails{{Value: identString(s), Primary: true}}
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

// refReplaced counts the identity attributes (identString) of the record
// being decoded that held bytes that are not UTF-8 or a lone surrogate
// escape (decoded as U+FFFD), as jsonReader.replaced does; each record
// decoder resets it.
var refReplaced int

// identString is a flexString that is an identity (id, userName,
// externalId, email, team name, member value): a replacement in it counts.
type identString string

func (f *identString) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	if b = bytes.TrimSpace(b); len(b) >= 2 && b[0] == '"' && replacedFFFD(string(s), b[1:len(b)-1]) {
		refReplaced++
	}
	*f = identString(s)
	return nil
}

// flexString is a JSON string or number (ids); null is "".
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && plain(b[1:n-1]) {
		*f = flexString(b[1 : n-1]) // the common case, without a second scan
		return nil
	}
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

// plain reports whether the inside of a JSON string needs no unescaping
// or UTF-8 checking: printable ASCII without backslashes or quotes.
func plain(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x80 || c == '\\' || c == '"' {
			return false
		}
	}
	return true
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

// flexTime is an RFC 3339 string (or one without a zone, with a space for
// the T, or with an offset without its colon); anything else is the zero time, not an error (W&B's dates
// are informative, never required), and bad unless it is null or blank.
type flexTime struct {
	t   time.Time
	bad bool
}

func (f *flexTime) UnmarshalJSON(b []byte) error {
	*f = flexTime{}
	var s string
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && plain(b[1:n-1]) {
		s = string(b[1 : n-1]) // the common case, without a second scan
	} else if json.Unmarshal(b, &s) != nil {
		f.bad = string(b) != "null"
		return nil
	}
	s = strings.ToUpper(strings.TrimSpace(s))
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05",
		"2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			f.t = t
			return nil
		}
	}
	f.bad = s != ""
	return nil
}

// The wire types (their flexible fields are in flex.go). encoding/json
// matches keys case-insensitively, which covers W&B's capitalised keys
// (Value, Display, Primary, Resources).

type wireMeta struct {
	Version      flexString `json:"version"`
	Created      flexTime   `json:"created"`
	LastModified flexTime   `json:"lastModified"`
}

type wireUser struct {
	ID               identString     `json:"id"`
	UserName         identString     `json:"userName"`
	DisplayName      flexString      `json:"displayName"`
	ExternalID       identString     `json:"externalId"`
	Emails           wireEmails      `json:"emails"`
	Active           *flexBool       `json:"active"`
	OrganizationRole flexString      `json:"organizationRole"`
	TeamRoles        []wireTeamRole  `json:"teamRoles"`
	Groups           json.RawMessage `json:"groups"`
	Meta             *wireMeta       `json:"meta"`
}

// groupIDs reads a user's groups attribute as the streaming decoder does:
// leniently (another shape, an element that is no object, a value that is
// no string: skipped), at most caps.UserGroups string values, the last
// value key of an object.
func groupIDs(raw json.RawMessage) []string {
	var elems []json.RawMessage
	if json.Unmarshal(raw, &elems) != nil {
		return nil
	}
	var ids []string
	for _, e := range elems {
		var ref struct {
			Value json.RawMessage `json:"value"`
		}
		var v string
		if json.Unmarshal(e, &ref) != nil || json.Unmarshal(ref.Value, &v) != nil || len(ref.Value) == 0 || ref.Value[0] != '"' {
			continue
		}
		if len(ids) < caps.UserGroups {
			ids = append(ids, v)
		}
	}
	return ids
}

type wireTeamRole struct {
	TeamName flexString `json:"teamName"`
	RoleName flexString `json:"roleName"`
}

type wireEmail struct {
	Value   identString `json:"value"`
	Primary flexBool    `json:"primary"`
	Type    flexString  `json:"type"`
}

type wireMember struct {
	Value   identString `json:"value"`
	Display flexString  `json:"display"`
}

type wireGroup struct {
	ID          identString `json:"id"`
	DisplayName identString `json:"displayName"`
	Members     wireMembers `json:"members"`
	Meta        *wireMeta   `json:"meta"`
}

// wireMembers is a group's members key: present (null included) or not.
type wireMembers struct {
	present bool
	list    []wireMember
}

func (m *wireMembers) UnmarshalJSON(b []byte) error {
	m.present = true
	return json.Unmarshal(b, &m.list)
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
	return m.Created.t, m.LastModified.t
}

func (m *wireMeta) version() string {
	if m == nil {
		return ""
	}
	return string(m.Version)
}

// user checks w and converts it: a missing id (or, for a listed user, a
// missing userName) or an overlong attribute is an error. Team and role
// names are shared through in (may be nil).
func (w *wireUser) user(in *interner, listed bool) (User, error) {
	if err := idProblem(string(w.ID)); err != nil {
		return User{}, err
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
	u.CreatedUnreadable = w.Meta != nil && w.Meta.Created.bad
	if err := tooLong("id", u.ID, "userName", u.UserName, "displayName", u.DisplayName, "externalId", u.ExternalID,
		"organizationRole", u.OrganizationRole, "meta.version", u.ETag); err != nil {
		return User{}, err
	}
	garbled := garbledIf(refReplaced > 0)
	if err := garbled("id", u.ID, "userName", u.UserName, "externalId", u.ExternalID); err != nil {
		return User{}, err
	}
	n := 0
	for _, e := range w.Emails {
		if e.Value != "" {
			n++
		}
	}
	if n > caps.UserEmails {
		return User{}, fmt.Errorf("%d emails, more than the %d a user may list", n, caps.UserEmails)
	}
	for _, e := range w.Emails {
		if e.Value == "" {
			continue
		}
		if err := tooLong("an email", string(e.Value), "an email type", string(e.Type)); err != nil {
			return User{}, err
		}
		if err := garbled("an email", string(e.Value)); err != nil {
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
	for _, v := range groupIDs(w.Groups) {
		if strings.TrimSpace(v) != "" && len(v) <= caps.Field {
			u.Groups = append(u.Groups, in.get(v))
		}
	}
	return u, nil
}

// group checks w and converts it: an id (and, for a listed group, a
// displayName) is required, and every member needs a value. Members may be
// null, missing or [].
func (w *wireGroup) group(listed bool) (Group, error) {
	if err := idProblem(string(w.ID)); err != nil {
		return Group{}, err
	}
	if listed && blank(string(w.DisplayName)) {
		return Group{}, errors.New("no displayName")
	}
	g := Group{ID: string(w.ID), DisplayName: string(w.DisplayName), ETag: w.Meta.version(), MembersAbsent: !w.Members.present}
	g.Created, g.LastModified = w.Meta.times()
	if err := tooLong("id", g.ID, "displayName", g.DisplayName, "meta.version", g.ETag); err != nil {
		return Group{}, err
	}
	garbled := garbledIf(refReplaced > 0)
	if err := garbled("id", g.ID, "displayName", g.DisplayName); err != nil {
		return Group{}, err
	}
	if len(w.Members.list) > 0 {
		g.Members = make([]GroupMember, 0, len(w.Members.list))
	}
	for i, m := range w.Members.list {
		if blank(string(m.Value)) {
			return Group{}, fmt.Errorf("member %d has no value", i+1)
		}
		if err := tooLong("a member value", string(m.Value), "a member display", string(m.Display)); err != nil {
			return Group{}, err
		}
		if err := garbled("a member value", string(m.Value)); err != nil {
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
func refDecodeUser(b []byte) (User, error) {
	var w wireUser
	refReplaced = 0
	if err := json.Unmarshal(b, &w); err != nil {
		return User{}, err
	}
	if err := refTwice(b, refUserShape); err != nil {
		return User{}, err
	}
	return w.user(nil, false)
}

// refShape is the attributes a decoder reads in an object (folded as keys
// are matched), each with the shape of its value when that is an object or
// an array of objects (nil for a string or a boolean); the decoders refuse
// any of them given twice in one object.
type refShape map[string]refShape

func refKeys(names ...string) refShape {
	s := refShape{}
	for _, n := range names {
		s[n] = nil
	}
	return s
}

// with returns s with key k of shape sub.
func (s refShape) with(k string, sub refShape) refShape {
	s[k] = sub
	return s
}

var (
	refMeta      = refKeys("VERSION", "CREATED", "LASTMODIFIED")
	refUserShape = refKeys("ID", "USERNAME", "DISPLAYNAME", "EXTERNALID", "ORGANIZATIONROLE", "ACTIVE").
			with("EMAILS", refKeys("VALUE", "PRIMARY", "TYPE")).
			with("TEAMROLES", refKeys("TEAMNAME", "ROLENAME")).
			with("META", refMeta)
	refGroupShape = refKeys("ID", "DISPLAYNAME").with("MEMBERS", refKeys("VALUE", "DISPLAY")).with("META", refMeta)
	refRoleShape  = refKeys("ID", "NAME", "DESCRIPTION", "INHERITEDFROM").
			with("PERMISSIONS", refKeys("NAME", "ISINHERITED")).
			with("META", refMeta)
)

// refTwice is the error of the value raw, of shape, when it (an object)
// or an object element of it (an array) gives one of the attributes the
// decoders read twice, at any depth; nil for anything else (what does not
// parse is encoding/json's to refuse).
func refTwice(raw []byte, shape refShape) error {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 || shape == nil {
		return nil
	}
	switch b[0] {
	case '[':
		var elems []json.RawMessage
		if json.Unmarshal(b, &elems) != nil {
			return nil
		}
		for _, e := range elems {
			if e := bytes.TrimSpace(e); len(e) > 0 && e[0] == '{' {
				if err := refTwice(e, shape); err != nil {
					return err
				}
			}
		}
	case '{':
		dec := json.NewDecoder(bytes.NewReader(b))
		if _, err := dec.Token(); err != nil {
			return nil
		}
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil
			}
			key, _ := tok.(string)
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return nil
			}
			k := string(foldKey(nil, []byte(key)))
			sub, read := shape[k]
			if !read {
				continue
			}
			if seen[k] {
				return fmt.Errorf("%s is given twice", k)
			}
			seen[k] = true
			if err := refTwice(v, sub); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeGroup decodes one Group resource (a create's answer): an id is
// required, a displayName is not (the caller knows it).
func refDecodeGroup(b []byte) (Group, error) {
	var w wireGroup
	refReplaced = 0
	if err := json.Unmarshal(b, &w); err != nil {
		return Group{}, err
	}
	if err := refTwice(b, refGroupShape); err != nil {
		return Group{}, err
	}
	return w.group(false)
}

// The record decoders of the list reader: one resource from the stream,
// its id (for messages, also on failure) and whether it is well-formed.

// record decodes one resource into its wire form w (whose id field is id)
// and converts it with conv.
func refRecord[T any, I ~string](dec *json.Decoder, w any, id *I, conv func() (T, error), shape refShape) (T, string, error) {
	refReplaced = 0
	var zero T
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return zero, string(*id), err
	}
	if err := json.Unmarshal(raw, w); err != nil {
		return zero, string(*id), err
	}
	if err := refTwice(raw, shape); err != nil {
		return zero, string(*id), err
	}
	v, err := conv()
	return v, string(*id), err
}

// listedUsers returns the record decoder of a users list, sharing repeated
// names through in (may be nil).
func refListedUsers(in *interner) func(dec *json.Decoder) (User, string, error) {
	return func(dec *json.Decoder) (User, string, error) {
		var w wireUser
		return refRecord(dec, &w, &w.ID, func() (User, error) { return w.user(in, true) }, refUserShape)
	}
}

func refListedGroup(dec *json.Decoder) (Group, string, error) {
	var w wireGroup
	return refRecord(dec, &w, &w.ID, func() (Group, error) { return w.group(true) }, refGroupShape)
}

func refListedRole(dec *json.Decoder) (Role, string, error) {
	var w wireRole
	return refRecord(dec, &w, &w.ID, w.role, refRoleShape)
}

// decodeList reads one ListResponse from r, resource by resource: nothing of
// the body is kept but the decoded records, and nothing is allocated from a
// number the server claims. A malformed record fails the whole page, named
// by its position (start-based) and id. At most limit resources are decoded
// (fewer once totalResults says so: no more than totalResults-(start-1));
// past that the page is returned with more set. totalResults is required
// and refused above caps.TotalResults; keys are matched case-insensitively
// and may not repeat.
func refDecodeList[T any](r io.Reader, red *sanitize.Redactor, noun string, start, limit int,
	rec func(*json.Decoder) (T, string, error)) (listPage[T], error) {

	var p listPage[T]
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return p, fmt.Errorf("%w: %w", errNotList, err)
	}
	hasTotal := false
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return p, err
		}
		key, _ := tok.(string)
		k := strings.ToLower(key)
		switch k {
		case "totalresults", "itemsperpage", "startindex", "resources":
			if seen[k] {
				return p, fmt.Errorf("the list response has %s twice", k)
			}
			seen[k] = true
		}
		switch k {
		case "totalresults":
			var n flexInt
			if err := dec.Decode(&n); err != nil {
				return p, fmt.Errorf("totalResults: %w", err)
			}
			if n > caps.TotalResults {
				return p, fmt.Errorf("totalResults %d is beyond what wbsync reads (%d)", n, caps.TotalResults)
			}
			p.total, hasTotal = int(n), true
			limit = min(limit, max(p.total-(start-1), 0))
		case "itemsperpage":
			var n flexInt
			if dec.Decode(&n) == nil { // informative only
				p.itemsPerPage, p.hasItems = int(n), true
			}
		case "resources":
			if err := p.refResources(dec, red, noun, start, limit, hasTotal, rec); err != nil || (p.more && hasTotal) {
				return p, err // past totalResults, known: nothing more to learn from the body
			}
		default:
			if err := skipValue(dec); err != nil {
				return p, err
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return p, err
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("data after the list response")
		}
		return p, err
	}
	if !hasTotal {
		return p, errors.New("list response without totalResults")
	}
	if len(p.items) > max(p.total-(start-1), 0) { // Resources came before totalResults
		p.more = true
		p.items = p.items[:max(p.total-(start-1), 0)]
	}
	return p, nil
}

// resources decodes the Resources array (or null) into p.items, up to limit
// of them, and sets more if there are others. Past the limit it stops when
// the limit came from totalResults (hasTotal); otherwise it skips the rest
// undecoded, to read the totalResults that follows.
func (p *listPage[T]) refResources(dec *json.Decoder, red *sanitize.Redactor, noun string, start, limit int,
	hasTotal bool, rec func(*json.Decoder) (T, string, error)) error {

	tok, err := dec.Token()
	switch {
	case err != nil:
		return err
	case tok == nil:
		return nil
	case tok != json.Delim('['):
		return errors.New("Resources: want an array")
	}
	for dec.More() {
		if len(p.items) >= limit {
			p.more = true
			if hasTotal {
				return nil
			}
			if err := skipValue(dec); err != nil {
				return err
			}
			continue
		}
		v, id, err := rec(dec)
		if err != nil {
			re := &recordError{noun: noun, pos: start + len(p.items), err: err}
			if !blank(id) {
				re.id = sanitize.Server(red, id, shownID)
			}
			return re
		}
		p.items = append(p.items, v)
	}
	return expectDelim(dec, ']')
}

// expectDelim reads the next token and wants it to be d.
func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("want %q", d)
	}
	return nil
}

// skipValue reads past one value token by token, so that a large array or
// object is never held whole.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}
