package scim

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/wbsync/wbsync/pkg/caps"
)

// The record decoders of W&B's resources (see records.go for what their
// attributes mean).

// user reads one User resource: an id is required, and for a listed user
// a userName; no attribute may be longer than caps.Field. Team and role
// names are shared through in (may be nil). It returns the id read (for
// messages, also on failure).
func (d *jsonReader) user(in *interner, listed bool) (User, string, error) {
	replaced := d.replaced
	sc := &d.sc
	sc.begin()
	sc.emails, sc.oneEmail = sc.emails[:0], false
	var (
		id, userName, displayName, externalID, orgRole span
		active                                         = -1 // absent or null
		meta                                           metaF
	)
	var seen scalars
	err := d.record("the user", func() (err error) {
		switch string(d.key) {
		case "ID":
			if d.twice(&seen, 1<<0, "id") {
				return d.skip()
			}
			id, err = d.flexStr(&sc.head)
			d.identity()
		case "USERNAME":
			if d.twice(&seen, 1<<1, "userName") {
				return d.skip()
			}
			userName, err = d.flexStr(&sc.head)
			d.identity()
		case "DISPLAYNAME":
			if d.twice(&seen, 1<<2, "displayName") {
				return d.skip()
			}
			displayName, err = d.flexStr(&sc.head)
		case "EXTERNALID":
			if d.twice(&seen, 1<<3, "externalId") {
				return d.skip()
			}
			externalID, err = d.flexStr(&sc.head)
			d.identity()
		case "ORGANIZATIONROLE":
			if d.twice(&seen, 1<<4, "organizationRole") {
				return d.skip()
			}
			orgRole, err = d.flexStr(&sc.head)
		case "ACTIVE":
			if d.twice(&seen, 1<<5, "active") {
				return d.skip()
			}
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
			if d.twice(&seen, 1<<6, "emails") {
				return d.skip()
			}
			err = d.emails()
		case "TEAMROLES":
			if d.twice(&seen, 1<<7, "teamRoles") {
				return d.skip()
			}
			err = d.pairs(&teamRolePairs, &sc.teamRoles, &sc.names, &sc.names, false)
		case "GROUPS":
			sc.groupIDs = sc.groupIDs[:0] // read leniently, as a hint (a repeated key: the last one)
			err = d.userGroups(&sc.groupIDs, &sc.values)
		case "META":
			if d.twice(&seen, 1<<8, "meta") {
				return d.skip()
			}
			err = d.meta(&meta)
		default:
			err = d.skip()
		}
		return err
	})
	rec, err := sc.ended(err)
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
	if meta.set {
		u.ETag, u.Created, u.LastModified = meta.version.of(rec), meta.created, meta.modified
		u.CreatedUnreadable = meta.createdBad
	}
	if err := idProblem(u.ID); err != nil {
		return User{}, u.ID, err
	}
	if listed && blank(u.UserName) {
		return User{}, u.ID, errors.New("no userName")
	}
	if err := tooLong("id", u.ID, "userName", u.UserName, "displayName", u.DisplayName, "externalId", u.ExternalID,
		"organizationRole", u.OrganizationRole, "meta.version", u.ETag); err != nil {
		return User{}, u.ID, err
	}
	garbled := garbledIf(d.replaced > replaced)
	if err := garbled("id", u.ID, "userName", u.UserName, "externalId", u.ExternalID); err != nil {
		return User{}, u.ID, err
	}
	n := 0
	for _, e := range sc.emails {
		if e.value.n > 0 {
			n++
		}
	}
	if n > caps.UserEmails {
		return User{}, u.ID, fmt.Errorf("%d emails, more than the %d a user may list", n, caps.UserEmails)
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
		if err := garbled("an email", v); err != nil {
			return User{}, u.ID, err
		}
		u.Emails = append(u.Emails, Email{Value: v, Primary: e.primary, Type: t})
	}
	primaryFirst(u.Emails)
	if !sc.teamRoles.isNull {
		roles := sc.teamRoles.items()
		u.TeamRoles = make([]TeamRole, 0, len(roles))
		for _, r := range roles {
			team, role := sc.names[r.a.off:r.a.off+r.a.n], sc.names[r.b.off:r.b.off+r.b.n]
			if err := tooLongBytes("a teamRoles teamName", team, "a teamRoles roleName", role); err != nil {
				return User{}, u.ID, err
			}
			u.TeamRoles = append(u.TeamRoles, TeamRole{TeamName: in.bytes(team), RoleName: in.bytes(role)})
		}
	}
	for _, g := range sc.groupIDs {
		v := sc.values[g.off : g.off+g.n]
		if blank(string(v)) || len(v) > caps.Field {
			continue // names no group wbsync could read: no evidence
		}
		u.Groups = append(u.Groups, in.bytes(v))
	}
	return u, u.ID, nil
}

// userGroups reads a user's groups attribute (RFC 7643: the groups it is
// in, as objects whose value is a group id) into ids, their strings in the
// arena a: at most caps.UserGroups values, an object's last value key
// read. It is only evidence that a team read as empty is not (observed's
// emptyButNamed), so it never fails the record: another shape, an element
// that is no object and a value that is no string are skipped.
func (d *jsonReader) userGroups(ids *[]span, a *[]byte) error {
	c, err := d.next()
	if err != nil {
		return err
	}
	if c != '[' {
		return d.skip()
	}
	return d.elements(func(c byte) error {
		if c != '{' {
			return d.skip()
		}
		var value span
		found := false
		err := d.fields(func() error {
			if string(d.key) != "VALUE" {
				return d.skip()
			}
			c, err := d.next()
			if err != nil {
				return err
			}
			if c != '"' {
				found = false
				return d.skip()
			}
			b, err := d.text()
			if err == nil && len(*ids) < caps.UserGroups {
				value, found = add(a, b), true
			}
			return err
		})
		if err != nil {
			return err
		}
		if found {
			*ids = append(*ids, value)
		}
		return nil
	})
}

// garbledIf returns a check for the identities of a record (id, userName,
// email, externalId, team name, member) that fails on the first holding
// U+FFFD when replaced, that is when the record held bytes that are not
// UTF-8 or a lone surrogate escape, which the decoder turns into U+FFFD
// (jsonReader.replaced): an identity so altered would match the wrong user
// or none, and a user matched by none is planned for deactivation. The
// read fails instead, naming the record. A U+FFFD the server sent as such
// (a manifest may hold one) is data.
func garbledIf(replaced bool) func(pairs ...string) error {
	return func(pairs ...string) error {
		if !replaced {
			return nil
		}
		for i := 0; i+1 < len(pairs); i += 2 {
			if strings.ContainsRune(pairs[i+1], utf8.RuneError) {
				return fmt.Errorf("%s is not valid UTF-8 (the server sent bytes that are not, or a lone surrogate escape): wbsync cannot match it to the manifest reliably", pairs[i])
			}
		}
		return nil
	}
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

// emails reads the emails attribute into d.sc.emails, replacing what an
// earlier one left.
func (d *jsonReader) emails() error {
	sc := &d.sc
	sc.emails = sc.emails[:0]
	c, err := d.next()
	if err != nil {
		return err
	}
	sc.oneEmail = c == '"' || c == '{'
	switch c {
	case 'n':
		return d.literal("null")
	case '"':
		b, err := d.text()
		if err != nil {
			return err
		}
		if d.textReplaced {
			d.replaced++
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
		return fmt.Errorf("emails: %w", d.wrongType("an array or an object", c))
	}
	return d.elements(func(c byte) error {
		var e emailF
		var err error
		switch c {
		case '{':
			err = d.email(&e)
		case 'n':
			err = d.literal("null")
		default:
			err = fmt.Errorf("emails: %w", d.wrongType("objects in the array", c))
		}
		if err != nil {
			return err
		}
		sc.emails = append(sc.emails, e)
		return nil
	})
}

// elements reads the array the reader is at, after its '[' was seen
// (next), calling elem with each element's first character, not read yet:
// elem reads the element.
func (d *jsonReader) elements(elem func(c byte) error) error {
	if err := d.open(); err != nil {
		return err
	}
	first := true
	for {
		ok, err := d.nextElem(&first)
		if err != nil || !ok {
			return err
		}
		c, err := d.next()
		if err != nil {
			return err
		}
		if err := elem(c); err != nil {
			return err
		}
	}
}

// email reads one email object ('{' checked).
func (d *jsonReader) email(e *emailF) error {
	var seen scalars
	return d.fields(func() (err error) {
		switch string(d.key) {
		case "VALUE":
			if d.twice(&seen, 1<<0, "an email's value") {
				return d.skip()
			}
			e.value, err = d.flexStr(&d.sc.head)
			d.identity()
		case "PRIMARY":
			if d.twice(&seen, 1<<1, "an email's primary") {
				return d.skip()
			}
			e.primary, err = d.flexBool()
		case "TYPE":
			if d.twice(&seen, 1<<2, "an email's type") {
				return d.skip()
			}
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

// group reads one Group resource: an id (and, for a listed group, a
// displayName) is required, and every member needs a value. Members may be
// null, missing or []. The group's own strings and its members' values and
// displays are three allocations: the values are garbage once the members
// are resolved, and the rest is kept only as long as it is used.
func (d *jsonReader) group(listed bool) (Group, string, error) {
	replaced := d.replaced
	sc := &d.sc
	sc.begin()
	var (
		id, displayName span
		meta            metaF
		sawMembers      bool
	)
	var seen scalars
	err := d.record("the group", func() (err error) {
		switch string(d.key) {
		case "ID":
			if d.twice(&seen, 1<<0, "id") {
				return d.skip()
			}
			id, err = d.flexStr(&sc.head)
			d.identity()
		case "DISPLAYNAME":
			if d.twice(&seen, 1<<1, "displayName") {
				return d.skip()
			}
			displayName, err = d.flexStr(&sc.head)
			d.identity()
		case "MEMBERS":
			if d.twice(&seen, 1<<2, "members") {
				return d.skip()
			}
			sawMembers = true
			err = d.pairs(&memberPairs, &sc.members, &sc.values, &sc.displays, true)
		case "META":
			if d.twice(&seen, 1<<3, "meta") {
				return d.skip()
			}
			err = d.meta(&meta)
		default:
			err = d.skip()
		}
		return err
	})
	rec, err := sc.ended(err)
	if err != nil {
		return Group{}, id.of(rec), err
	}
	g := Group{ID: id.of(rec), DisplayName: displayName.of(rec), MembersAbsent: !sawMembers}
	if meta.set {
		g.ETag, g.Created, g.LastModified = meta.version.of(rec), meta.created, meta.modified
	}
	if err := idProblem(g.ID); err != nil {
		return Group{}, g.ID, err
	}
	if listed && blank(g.DisplayName) {
		if g.DisplayName != "" {
			return Group{}, g.ID, errors.New("its displayName is only white space")
		}
		return Group{}, g.ID, errors.New("no displayName")
	}
	if err := tooLong("id", g.ID, "displayName", g.DisplayName, "meta.version", g.ETag); err != nil {
		return Group{}, g.ID, err
	}
	garbled := garbledIf(d.replaced > replaced)
	if err := garbled("id", g.ID, "displayName", g.DisplayName); err != nil {
		return Group{}, g.ID, err
	}
	members := sc.members.items()
	if len(members) == 0 {
		return g, g.ID, nil
	}
	values, displays := string(sc.values), string(sc.displays)
	g.Members = make([]GroupMember, 0, len(members))
	for i, m := range members {
		v := m.a.of(values)
		if blank(v) {
			return Group{}, g.ID, fmt.Errorf("member %d has no value", i+1)
		}
		dp := m.b.of(displays)
		if err := tooLong("a member value", v, "a member display", dp); err != nil {
			return Group{}, g.ID, err
		}
		if err := garbled("a member value", v); err != nil {
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
	)
	var seen scalars
	err := d.record("the role", func() (err error) {
		switch string(d.key) {
		case "ID":
			if d.twice(&seen, 1<<0, "id") {
				return d.skip()
			}
			id, err = d.flexStr(&sc.head)
		case "NAME":
			if d.twice(&seen, 1<<1, "name") {
				return d.skip()
			}
			name, err = d.flexStr(&sc.head)
		case "DESCRIPTION":
			if d.twice(&seen, 1<<2, "description") {
				return d.skip()
			}
			description, err = d.flexStr(&sc.head)
		case "INHERITEDFROM":
			if d.twice(&seen, 1<<3, "inheritedFrom") {
				return d.skip()
			}
			inheritedFrom, err = d.flexStr(&sc.head)
		case "PERMISSIONS":
			if d.twice(&seen, 1<<4, "permissions") {
				return d.skip()
			}
			err = objects(d, "permissions", &sc.perms, func(p *permF) (err error) {
				switch string(d.key) {
				case "NAME":
					if d.twice(&sc.elem, 1<<0, "a permission's name") {
						return d.skip()
					}
					p.name, err = d.flexStr(&sc.head)
				case "ISINHERITED":
					if d.twice(&sc.elem, 1<<1, "a permission's isInherited") {
						return d.skip()
					}
					p.inherited, err = d.flexBool()
				default:
					err = d.skip()
				}
				return err
			})
		case "META":
			if d.twice(&seen, 1<<5, "meta") {
				return d.skip()
			}
			err = d.meta(&meta)
		default:
			err = d.skip()
		}
		return err
	})
	rec, err := sc.ended(err)
	if err != nil {
		return Role{}, id.of(rec), err
	}
	r := Role{ID: id.of(rec), Name: name.of(rec), Description: description.of(rec), InheritedFrom: inheritedFrom.of(rec)}
	if meta.set {
		r.Created, r.LastModified = meta.created, meta.modified
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
