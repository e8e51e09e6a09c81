package scim

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wbsync/wbsync/pkg/caps"
)

// The record decoders: W&B's User, Group and Role resources read straight
// from the stream. They give each attribute the meaning it always had:
//
//   - keys match case-insensitively (folded as encoding/json folds them);
//     unknown keys are skipped;
//   - a string attribute is a JSON string or number (written as sent), or
//     null for ""; anything else fails the record;
//   - a boolean is true, false, null (false) or a string "True"/"False" in
//     any case, blanks around; active null or absent is true;
//   - a date is an RFC 3339 string, anything else the zero time;
//   - emails is an array of objects, W&B's legacy single object, a bare
//     string (one primary email) or null;
//   - a key met twice: the later value wins; objects and arrays of objects
//     are decoded into what the earlier one left, as encoding/json does;
//   - a value of the wrong kind for an object or an array fails the
//     record once the record is read (its id is then known).
//
// The strings of one record are gathered in an arena and made one string,
// which the record's fields slice: one allocation per record instead of one
// per attribute, and a record's strings side by side in memory.

// span is a string of the record being decoded: where it is in its arena.
type span struct{ off, n int32 }

// add appends b to the arena a and returns where it is.
func add(a *[]byte, b []byte) span {
	sp := span{int32(len(*a)), int32(len(b))}
	*a = append(*a, b...)
	return sp
}

// of returns the span's string in rec, the arena made a string ("" for an
// empty span: it holds no pointer into rec).
func (s span) of(rec string) string {
	if s.n == 0 {
		return ""
	}
	return rec[s.off : s.off+s.n]
}

// mergeSlice is an array of objects decoded as encoding/json decodes into
// a slice it already holds (when a key comes twice in a record): element i
// decoded into what is at i, elements past the length kept as they were up
// to where the slice ever reached in the record, null making it nil.
type mergeSlice[E any] struct {
	s      []E // s[:len(s)] are this record's elements, its high-water mark
	n      int // length
	isNull bool
}

// reset starts a record: nil, nothing kept.
func (m *mergeSlice[E]) reset() {
	clear(m.s)
	m.s, m.n, m.isNull = m.s[:0], 0, true
}

// at returns element i (i ≤ the high-water mark), zero when new.
func (m *mergeSlice[E]) at(i int) *E {
	if i == len(m.s) {
		var zero E
		m.s = append(m.s, zero)
	}
	return &m.s[i]
}

// done ends an array of n elements (an empty array is a new empty slice).
func (m *mergeSlice[E]) done(n int) {
	m.n, m.isNull = n, false
	if n == 0 {
		clear(m.s)
		m.s = m.s[:0]
	}
}

func (m *mergeSlice[E]) items() []E { return m.s[:m.n] }

// The wire forms, as spans into the record's arenas.
type (
	metaF  struct{ version span }
	emailF struct {
		value, typ span
		primary    bool
	}
	teamRoleF struct{ team, role span } // in the names arena
	memberF   struct{ value, display span }
	permF     struct {
		name      span
		inherited bool
	}
)

// recordScratch is what the record decoders reuse from record to record.
type recordScratch struct {
	head, values, displays, names []byte // arenas
	emails                        []emailF
	teamRoles                     mergeSlice[teamRoleF]
	members                       mergeSlice[memberF]
	perms                         mergeSlice[permF]
	// soft is the record's first value of the wrong kind (the record is
	// read to its end, then fails with it).
	soft error
}

func (sc *recordScratch) begin() {
	sc.head, sc.values, sc.displays, sc.names = sc.head[:0], sc.values[:0], sc.displays[:0], sc.names[:0]
	sc.teamRoles.reset()
	sc.members.reset()
	sc.perms.reset()
	sc.soft = nil
}

// wrongKind notes a value of the wrong kind and skips it.
func (d *jsonReader) wrongKind(what, want string, c byte) error {
	if d.sc.soft == nil {
		d.sc.soft = fmt.Errorf("%s: want %s, got %s", what, want, kindAt(c))
	}
	return d.skip()
}

// fields decodes the object at the reader ('{' checked), calling field
// with each key in d.key and the reader at its value.
func (d *jsonReader) fields(field func() error) error {
	if err := d.open(); err != nil {
		return err
	}
	first := true
	for {
		ok, err := d.nextKey(&first)
		if err != nil || !ok {
			return err
		}
		if err := field(); err != nil {
			return err
		}
	}
}

// record decodes the object of one resource, calling field for each key;
// null is an empty resource, another kind a soft failure.
func (d *jsonReader) record(noun string, field func() error) error {
	d.base = d.depth
	defer func() { d.base = 0 }()
	c, err := d.next()
	switch {
	case err != nil:
		return err
	case c == '{':
		return d.fields(field)
	case c == 'n':
		return d.literal("null")
	}
	return d.wrongKind(noun, "an object", c)
}

// flexStr reads a string attribute into the arena a.
func (d *jsonReader) flexStr(a *[]byte) (span, error) {
	c, err := d.next()
	if err != nil {
		return span{}, err
	}
	var b []byte
	switch {
	case c == '"':
		b, err = d.text()
	case c == '-' || '0' <= c && c <= '9':
		b, err = d.number()
	case c == 'n':
		return span{}, d.literal("null")
	case c == 't' || c == 'f' || c == '{' || c == '[':
		return span{}, fmt.Errorf("want a string, got %s", kindAt(c))
	default:
		return span{}, d.bad("want a value")
	}
	if err != nil {
		return span{}, err
	}
	return add(a, b), nil
}

// flexBool reads a boolean attribute (null is false).
func (d *jsonReader) flexBool() (bool, error) {
	c, err := d.next()
	if err != nil {
		return false, err
	}
	switch c {
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return false, d.literal("null")
	case '"':
		b, err := d.text()
		if err != nil {
			return false, err
		}
		switch strings.ToLower(strings.TrimSpace(string(b))) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return false, errors.New("want a boolean or \"True\"/\"False\", got another string")
	case '{', '[', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return false, fmt.Errorf("want a boolean, got %s", kindAt(c))
	}
	return false, d.bad("want a value")
}

// flexTime reads a date: an RFC 3339 string, anything else the zero time.
func (d *jsonReader) flexTime() (time.Time, error) {
	c, err := d.next()
	if err != nil || c != '"' {
		if err != nil {
			return time.Time{}, err
		}
		return time.Time{}, d.skip()
	}
	b, err := d.text()
	if err != nil {
		return time.Time{}, err
	}
	return parseTime(b), nil
}

// parseTime is time.Parse(time.RFC3339, strings.TrimSpace(b)), the zero
// time on error, with a fast path for the usual "2006-01-02T15:04:05Z".
func parseTime(b []byte) time.Time {
	if len(b) == 20 && b[4] == '-' && b[7] == '-' && b[10] == 'T' && b[13] == ':' && b[16] == ':' && b[19] == 'Z' {
		num := func(i, n int) int {
			v := 0
			for _, c := range b[i : i+n] {
				if c < '0' || c > '9' {
					return -1
				}
				v = v*10 + int(c-'0')
			}
			return v
		}
		y, mo, dd, h, mi, s := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
		if y >= 0 && mo >= 1 && mo <= 12 && dd >= 1 && dd <= daysIn(mo, y) && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 59 {
			return time.Date(y, time.Month(mo), dd, h, mi, s, 0, time.UTC)
		}
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(string(b)))
	if err != nil {
		return time.Time{}
	}
	return t
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// meta reads meta into m (merged into what an earlier meta left; null
// drops it).
func (d *jsonReader) meta(m *metaF, set *bool, created, modified *time.Time) error {
	c, err := d.next()
	switch {
	case err != nil:
		return err
	case c == 'n':
		*m, *set, *created, *modified = metaF{}, false, time.Time{}, time.Time{}
		return d.literal("null")
	case c != '{':
		return d.wrongKind("meta", "an object", c)
	}
	*set = true
	return d.fields(func() (err error) {
		switch string(d.key) {
		case "VERSION":
			m.version, err = d.flexStr(&d.sc.head)
		case "CREATED":
			*created, err = d.flexTime()
		case "LASTMODIFIED":
			*modified, err = d.flexTime()
		default:
			err = d.skip()
		}
		return err
	})
}

// objects reads an array of objects into m, decoding each object's keys
// with field (given the element); null elements are left as they are.
func objects[E any](d *jsonReader, what string, m *mergeSlice[E], field func(e *E) error) error {
	c, err := d.next()
	switch {
	case err != nil:
		return err
	case c == 'n':
		m.reset()
		return d.literal("null")
	case c != '[':
		return d.wrongKind(what, "an array", c)
	}
	if err := d.open(); err != nil {
		return err
	}
	first, i := true, 0
	for {
		ok, err := d.nextElem(&first)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		e := m.at(i)
		i++
		c, err := d.next()
		switch {
		case err != nil:
			return err
		case c == '{':
			err = d.fields(func() error { return field(e) })
		case c == 'n':
			err = d.literal("null")
		default:
			err = d.wrongKind(what, "objects", c)
		}
		if err != nil {
			return err
		}
	}
	m.done(i)
	return nil
}

// emails reads the emails attribute into d.sc.emails, replacing what an
// earlier one left.
func (d *jsonReader) emails() error {
	sc := &d.sc
	sc.emails = sc.emails[:0]
	c, err := d.next()
	if err != nil {
		return err
	}
	switch c {
	case 'n':
		return d.literal("null")
	case '"':
		b, err := d.text()
		if err != nil {
			return err
		}
		sc.emails = append(sc.emails, emailF{value: add(&sc.head, b), primary: true})
		return nil
	case '{':
		var e emailF
		if err := d.email(&e); err != nil {
			return err
		}
		sc.emails = append(sc.emails, e)
		return nil
	case '[':
	default:
		return fmt.Errorf("emails: want an array or an object, got %s", kindAt(c))
	}
	if err := d.open(); err != nil {
		return err
	}
	first := true
	for {
		ok, err := d.nextElem(&first)
		if err != nil || !ok {
			return err
		}
		var e emailF
		c, err := d.next()
		switch {
		case err != nil:
			return err
		case c == '{':
			err = d.email(&e)
		case c == 'n':
			err = d.literal("null")
		default:
			err = fmt.Errorf("emails: want objects in the array, got %s", kindAt(c))
		}
		if err != nil {
			return err
		}
		sc.emails = append(sc.emails, e)
	}
}

// email reads one email object ('{' checked).
func (d *jsonReader) email(e *emailF) error {
	return d.fields(func() (err error) {
		switch string(d.key) {
		case "VALUE":
			e.value, err = d.flexStr(&d.sc.head)
		case "PRIMARY":
			e.primary, err = d.flexBool()
		case "TYPE":
			e.typ, err = d.flexStr(&d.sc.head)
		default:
			return d.skip()
		}
		if err != nil {
			err = fmt.Errorf("emails: %w", err)
		}
		return err
	})
}

// user reads one User resource: an id is required, and for a listed user
// a userName; no attribute may be longer than caps.Field. Team and role
// names are shared through in (may be nil). It returns the id read (for
// messages, also on failure).
func (d *jsonReader) user(in *interner, listed bool) (User, string, error) {
	sc := &d.sc
	sc.begin()
	sc.emails = sc.emails[:0]
	var (
		id, userName, displayName, externalID, orgRole span
		active                                         = -1 // absent or null
		meta                                           metaF
		hasMeta                                        bool
		created, modified                              time.Time
	)
	err := d.record("the user", func() (err error) {
		switch string(d.key) {
		case "ID":
			id, err = d.flexStr(&sc.head)
		case "USERNAME":
			userName, err = d.flexStr(&sc.head)
		case "DISPLAYNAME":
			displayName, err = d.flexStr(&sc.head)
		case "EXTERNALID":
			externalID, err = d.flexStr(&sc.head)
		case "ORGANIZATIONROLE":
			orgRole, err = d.flexStr(&sc.head)
		case "ACTIVE":
			if c, _ := d.next(); c == 'n' {
				active = -1
				return d.literal("null")
			}
			var b bool
			if b, err = d.flexBool(); err == nil {
				active = 0
				if b {
					active = 1
				}
			}
		case "EMAILS":
			err = d.emails()
		case "TEAMROLES":
			err = objects(d, "teamRoles", &sc.teamRoles, func(r *teamRoleF) (err error) {
				switch string(d.key) {
				case "TEAMNAME":
					r.team, err = d.flexStr(&sc.names)
				case "ROLENAME":
					r.role, err = d.flexStr(&sc.names)
				default:
					err = d.skip()
				}
				return err
			})
		case "META":
			err = d.meta(&meta, &hasMeta, &created, &modified)
		default:
			err = d.skip()
		}
		return err
	})
	rec := string(sc.head)
	if err == nil {
		err = sc.soft
	}
	if err != nil {
		return User{}, id.of(rec), err
	}
	u := User{
		ID:               id.of(rec),
		UserName:         userName.of(rec),
		DisplayName:      displayName.of(rec),
		ExternalID:       externalID.of(rec),
		Active:           active != 0,
		OrganizationRole: orgRole.of(rec),
	}
	if hasMeta {
		u.ETag, u.Created, u.LastModified = meta.version.of(rec), created, modified
	}
	if blank(u.ID) {
		return User{}, u.ID, errors.New("no id")
	}
	if listed && blank(u.UserName) {
		return User{}, u.ID, errors.New("no userName")
	}
	if err := tooLong("id", u.ID, "userName", u.UserName, "displayName", u.DisplayName, "externalId", u.ExternalID,
		"organizationRole", u.OrganizationRole, "meta.version", u.ETag); err != nil {
		return User{}, u.ID, err
	}
	n := 0
	for _, e := range sc.emails {
		if e.value.n > 0 {
			n++
		}
	}
	if n > 0 {
		u.Emails = make([]Email, 0, n)
	}
	for _, e := range sc.emails {
		if e.value.n == 0 {
			continue
		}
		v, t := e.value.of(rec), e.typ.of(rec)
		if err := tooLong("an email", v, "an email type", t); err != nil {
			return User{}, u.ID, err
		}
		u.Emails = append(u.Emails, Email{Value: v, Primary: e.primary, Type: t})
	}
	primaryFirst(u.Emails)
	if !sc.teamRoles.isNull {
		roles := sc.teamRoles.items()
		u.TeamRoles = make([]TeamRole, 0, len(roles))
		for _, r := range roles {
			team, role := sc.names[r.team.off:r.team.off+r.team.n], sc.names[r.role.off:r.role.off+r.role.n]
			if err := tooLongBytes("a teamRoles teamName", team, "a teamRoles roleName", role); err != nil {
				return User{}, u.ID, err
			}
			u.TeamRoles = append(u.TeamRoles, TeamRole{TeamName: in.bytes(team), RoleName: in.bytes(role)})
		}
	}
	return u, u.ID, nil
}

// tooLongBytes is tooLong for two attributes held as bytes.
func tooLongBytes(name1 string, v1 []byte, name2 string, v2 []byte) error {
	switch {
	case len(v1) > caps.Field:
		return fmt.Errorf("%s is longer than %d bytes", name1, caps.Field)
	case len(v2) > caps.Field:
		return fmt.Errorf("%s is longer than %d bytes", name2, caps.Field)
	}
	return nil
}

// group reads one Group resource: an id (and, for a listed group, a
// displayName) is required, and every member needs a value. Members may be
// null, missing or []. The group's own strings and its members' values and
// displays are three allocations: the values are garbage once the members
// are resolved, and the rest is kept only as long as it is used.
func (d *jsonReader) group(listed bool) (Group, string, error) {
	sc := &d.sc
	sc.begin()
	var (
		id, displayName   span
		meta              metaF
		hasMeta           bool
		created, modified time.Time
	)
	err := d.record("the group", func() (err error) {
		switch string(d.key) {
		case "ID":
			id, err = d.flexStr(&sc.head)
		case "DISPLAYNAME":
			displayName, err = d.flexStr(&sc.head)
		case "MEMBERS":
			err = objects(d, "members", &sc.members, func(m *memberF) (err error) {
				switch string(d.key) {
				case "VALUE":
					m.value, err = d.flexStr(&sc.values)
				case "DISPLAY":
					m.display, err = d.flexStr(&sc.displays)
				default:
					err = d.skip()
				}
				return err
			})
		case "META":
			err = d.meta(&meta, &hasMeta, &created, &modified)
		default:
			err = d.skip()
		}
		return err
	})
	rec := string(sc.head)
	if err == nil {
		err = sc.soft
	}
	if err != nil {
		return Group{}, id.of(rec), err
	}
	g := Group{ID: id.of(rec), DisplayName: displayName.of(rec)}
	if hasMeta {
		g.ETag, g.Created, g.LastModified = meta.version.of(rec), created, modified
	}
	if blank(g.ID) {
		return Group{}, g.ID, errors.New("no id")
	}
	if listed && blank(g.DisplayName) {
		return Group{}, g.ID, errors.New("no displayName")
	}
	if err := tooLong("id", g.ID, "displayName", g.DisplayName, "meta.version", g.ETag); err != nil {
		return Group{}, g.ID, err
	}
	members := sc.members.items()
	if len(members) == 0 {
		return g, g.ID, nil
	}
	values, displays := string(sc.values), string(sc.displays)
	g.Members = make([]GroupMember, 0, len(members))
	for i, m := range members {
		v := m.value.of(values)
		if blank(v) {
			return Group{}, g.ID, fmt.Errorf("member %d has no value", i+1)
		}
		dp := m.display.of(displays)
		if err := tooLong("a member value", v, "a member display", dp); err != nil {
			return Group{}, g.ID, err
		}
		g.Members = append(g.Members, GroupMember{Value: v, Display: dp})
	}
	return g, g.ID, nil
}

// role reads one Role resource: an id and a name are required.
func (d *jsonReader) role() (Role, string, error) {
	sc := &d.sc
	sc.begin()
	var (
		id, name, description, inheritedFrom span
		meta                                 metaF
		hasMeta                              bool
		created, modified                    time.Time
	)
	err := d.record("the role", func() (err error) {
		switch string(d.key) {
		case "ID":
			id, err = d.flexStr(&sc.head)
		case "NAME":
			name, err = d.flexStr(&sc.head)
		case "DESCRIPTION":
			description, err = d.flexStr(&sc.head)
		case "INHERITEDFROM":
			inheritedFrom, err = d.flexStr(&sc.head)
		case "PERMISSIONS":
			err = objects(d, "permissions", &sc.perms, func(p *permF) (err error) {
				switch string(d.key) {
				case "NAME":
					p.name, err = d.flexStr(&sc.head)
				case "ISINHERITED":
					p.inherited, err = d.flexBool()
				default:
					err = d.skip()
				}
				return err
			})
		case "META":
			err = d.meta(&meta, &hasMeta, &created, &modified)
		default:
			err = d.skip()
		}
		return err
	})
	rec := string(sc.head)
	if err == nil {
		err = sc.soft
	}
	if err != nil {
		return Role{}, id.of(rec), err
	}
	r := Role{ID: id.of(rec), Name: name.of(rec), Description: description.of(rec), InheritedFrom: inheritedFrom.of(rec)}
	if hasMeta {
		r.Created, r.LastModified = created, modified
	}
	if blank(r.ID) {
		return Role{}, r.ID, errors.New("no id")
	}
	if blank(r.Name) {
		return Role{}, r.ID, errors.New("no name")
	}
	if err := tooLong("id", r.ID, "name", r.Name, "description", r.Description, "inheritedFrom", r.InheritedFrom); err != nil {
		return Role{}, r.ID, err
	}
	for _, p := range sc.perms.items() {
		n := p.name.of(rec)
		if err := tooLong("a permission name", n); err != nil {
			return Role{}, r.ID, err
		}
		r.Permissions = append(r.Permissions, Permission{Name: n, IsInherited: p.inherited})
	}
	return r, r.ID, nil
}
