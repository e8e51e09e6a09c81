package scim

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
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
//   - a date is an RFC 3339 string (or one without a zone, taken as UTC,
//     or with a space for the T), anything else the zero time, marked as
//     unreadable for meta.created;
//   - emails is an array of objects, W&B's legacy single object, a bare
//     string (one primary email) or null;
//   - an attribute the decoder reads, at any depth (a user's id, userName,
//     emails, an email's value, a member's value, meta.version, ...), met
//     twice in its object fails the record (twice): parsers disagree on
//     which value counts; a key the decoder does not read may come twice,
//     and so may a user's groups, read leniently as a hint (the last
//     counts);
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

// objSlice is the array of objects an attribute of the record being
// decoded holds, its backing array reused from record to record (an
// attribute given twice fails the record, and its second value is not
// decoded: one array at most per record).
type objSlice[E any] struct {
	s      []E
	isNull bool // null or absent
}

// reset starts a record: null, nothing kept.
func (m *objSlice[E]) reset() {
	clear(m.s)
	m.s, m.isNull = m.s[:0], true
}

// next appends a zero element and returns it.
func (m *objSlice[E]) next() *E {
	var zero E
	m.s = append(m.s, zero)
	return &m.s[len(m.s)-1]
}

// done ends the array: an empty one is an empty slice, not null.
func (m *objSlice[E]) done() { m.isNull = false }

func (m *objSlice[E]) items() []E { return m.s }

// The wire forms, as spans into the record's arenas.
type (
	metaF struct {
		version           span
		created, modified time.Time
		createdBad        bool // meta.created came, but is not a date
		set               bool // a meta object came, and no null after it
	}
	emailF struct {
		value, typ span
		primary    bool
	}
	// pairF is an object of two string attributes: a teamRoles entry
	// (teamName, roleName) or a member (value, display).
	pairF struct{ a, b span }
	permF struct {
		name      span
		inherited bool
	}
)

// recordScratch is what the record decoders reuse from record to record.
type recordScratch struct {
	head, values, displays, names []byte // arenas
	emails                        []emailF
	oneEmail                      bool // emails came as one object or string, not an array
	teamRoles                     objSlice[pairF]
	members                       objSlice[pairF]
	groupIDs                      []span // a user's groups' values (userGroups)
	perms                         objSlice[permF]
	// soft is the record's first value of the wrong kind (the record is
	// read to its end, then fails with it).
	soft error
	// elem is the keys seen in the element objects reads (see twice).
	elem scalars
}

func (sc *recordScratch) begin() {
	sc.head, sc.values, sc.displays, sc.names = sc.head[:0], sc.values[:0], sc.displays[:0], sc.names[:0]
	sc.teamRoles.reset()
	sc.members.reset()
	sc.groupIDs = sc.groupIDs[:0]
	sc.perms.reset()
	sc.soft = nil
}

// scalars is a set of a record's single-valued attributes, a bit each.
type scalars uint16

// twice reports whether the attribute bit of seen (named what) came
// before in the record, noting it as the record's soft failure if so:
// JSON parsers disagree on which of two values of one name counts (the
// last here, the first in others, such as a proxy's), so a record that
// gives its id, userName, emails or a member's value twice says two
// things. The caller skips the value.
func (d *jsonReader) twice(seen *scalars, bit scalars, what string) bool {
	if *seen&bit == 0 {
		*seen |= bit
		return false
	}
	if d.sc.soft == nil {
		d.sc.soft = fmt.Errorf("%s is %w (which one the server means is not known)", what, errGivenTwice)
	}
	return true
}

// errGivenTwice marks a record that gives one of its scalars twice: an
// answer so written says two things, and is no answer to take at its
// status (roleAnswer).
var errGivenTwice = errors.New("given twice")

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
	d.textReplaced = false // a number or null replaces nothing
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
		return span{}, d.wrongType("a string", c)
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
		return false, d.wrongType("a boolean", c)
	}
	return false, d.bad("want a value")
}

// flexTime reads a date (see parseTime). bad says a value came that is not
// one (null is no value).
func (d *jsonReader) flexTime() (t time.Time, bad bool, err error) {
	c, err := d.next()
	if err != nil || c != '"' {
		if err != nil {
			return time.Time{}, false, err
		}
		return time.Time{}, c != 'n', d.skip()
	}
	b, err := d.text()
	if err != nil {
		return time.Time{}, false, err
	}
	t, ok := parseTime(b)
	return t, !ok && len(bytes.TrimSpace(b)) > 0, nil
}

// parseTime reads b (blanks around) in the first of timeLayouts that fits
// (ok false and the zero time when none does), with a fast path for the
// usual "2006-01-02T15:04:05Z".
func parseTime(b []byte) (t time.Time, ok bool) {
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
			return time.Date(y, time.Month(mo), dd, h, mi, s, 0, time.UTC), true
		}
	}
	// RFC 3339 (§5.6) allows a lower-case t and z.
	s := strings.ToUpper(strings.TrimSpace(string(b)))
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// timeLayouts are the dates parseTime reads: RFC 3339, and the forms
// servers write for it without a zone (taken as UTC), with a space for the
// T, or with an offset without its colon (+0000, as ISO 8601's basic form
// and many date libraries write it). Fractional seconds are read by each.
var timeLayouts = []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05",
	"2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05Z0700"}

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

// meta reads meta into m (null drops it).
func (d *jsonReader) meta(m *metaF) error {
	c, err := d.next()
	switch {
	case err != nil:
		return err
	case c == 'n':
		*m = metaF{}
		return d.literal("null")
	case c != '{':
		return d.wrongKind("meta", "an object", c)
	}
	m.set = true
	var seen scalars
	return d.fields(func() (err error) {
		switch string(d.key) {
		case "VERSION":
			if d.twice(&seen, 1<<0, "meta.version") {
				return d.skip()
			}
			m.version, err = d.flexStr(&d.sc.head)
		case "CREATED":
			if d.twice(&seen, 1<<1, "meta.created") {
				return d.skip()
			}
			m.created, m.createdBad, err = d.flexTime()
		case "LASTMODIFIED":
			if d.twice(&seen, 1<<2, "meta.lastModified") {
				return d.skip()
			}
			m.modified, _, err = d.flexTime()
		default:
			err = d.skip()
		}
		return err
	})
}

// ended returns the string of the record's head arena and the record's
// error: err, else its first value of the wrong kind.
func (sc *recordScratch) ended(err error) (string, error) {
	if err == nil {
		err = sc.soft
	}
	return string(sc.head), err
}

// objects reads an array of objects into m, decoding each object's keys
// with field (given the element; the keys it has seen so far are in
// d.sc.elem, for twice: its attributes are strings and booleans, so no
// other array's element is read meanwhile); a null element is a zero
// one.
func objects[E any](d *jsonReader, what string, m *objSlice[E], field func(e *E) error) error {
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
	first := true
	for {
		ok, err := d.nextElem(&first)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		e := m.next()
		c, err := d.next()
		switch {
		case err != nil:
			return err
		case c == '{':
			d.sc.elem = 0
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
	m.done()
	return nil
}

// pairKind names an array of objects of two string attributes: the
// array (what), its attributes' keys (folded, as matched) and their names
// in messages.
type pairKind struct{ what, keyA, keyB, nameA, nameB string }

var (
	teamRolePairs = pairKind{"teamRoles", "TEAMNAME", "ROLENAME", "a teamRoles entry's teamName", "a teamRoles entry's roleName"}
	memberPairs   = pairKind{"members", "VALUE", "DISPLAY", "a member's value", "a member's display"}
)

// pairs reads an array of objects of two string attributes (k) into m,
// their strings in the arenas a and b; identA says the first is an
// identity (see identity).
func (d *jsonReader) pairs(k *pairKind, m *objSlice[pairF], a, b *[]byte, identA bool) error {
	return objects(d, k.what, m, func(p *pairF) (err error) {
		switch string(d.key) {
		case k.keyA:
			if d.twice(&d.sc.elem, 1<<0, k.nameA) {
				return d.skip()
			}
			p.a, err = d.flexStr(a)
			if identA {
				d.identity()
			}
		case k.keyB:
			if d.twice(&d.sc.elem, 1<<1, k.nameB) {
				return d.skip()
			}
			p.b, err = d.flexStr(b)
		default:
			err = d.skip()
		}
		return err
	})
}

// identity counts the string attribute flexStr just read in replaced when
// the decoder replaced bytes in it: the attribute is an identity (id,
// userName, externalId, email, team name, member), which garbledIf checks.
func (d *jsonReader) identity() {
	if d.textReplaced {
		d.replaced++
	}
}
