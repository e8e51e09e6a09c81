package observed

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"slices"
	"unicode/utf8"

	"github.com/wbsync/wbsync/pkg/model"
)

// Fingerprint hashes the relevant fields of a state sorted as Build sorts it
// (ETags and dates left out): "sha256:<hex>". Fetch returns
// Fingerprint(Build(...)), so the server's list order does not matter.
//
// What is hashed is, record after record, the JSON that encoding/json's
// Encoder writes for
//
//	struct {
//		ID, UserName, Email, DisplayName, ExternalID string
//		Emails                                       []string
//		OrgRole                                      model.Role
//		Active                                       bool
//		TeamRoles                                    map[string]model.Role
//	}
//
// for each user, then the string "teams", then struct {ID, Name string;
// Members []model.Member} for each team, each followed by a newline. It is
// written here field by field, without reflection, into a buffer that is
// hashed as it fills: no encoded copy of the state.
func Fingerprint(st model.State) string {
	w := newFingerprint()
	w.users(st.Users)
	w.teams(st.Teams)
	return w.sum()
}

func newFingerprint() fpWriter {
	return fpWriter{h: sha256.New(), buf: make([]byte, 0, fpBuffer+4<<10)}
}

// users writes the users' records.
func (w *fpWriter) users(users []model.User) {
	var roles []string // a user's team names, sorted: reused
	for i := range users {
		u := &users[i]
		w.raw(`{"ID":`)
		w.str(u.ID)
		w.raw(`,"UserName":`)
		w.str(u.UserName)
		w.raw(`,"Email":`)
		w.str(u.Email)
		w.raw(`,"DisplayName":`)
		w.str(u.DisplayName)
		w.raw(`,"ExternalID":`)
		w.str(u.ExternalID)
		w.raw(`,"Emails":`)
		if u.Emails == nil {
			w.raw("null")
		} else {
			w.raw("[")
			for j, e := range u.Emails {
				if j > 0 {
					w.raw(",")
				}
				w.str(e)
			}
			w.raw("]")
		}
		w.raw(`,"OrgRole":`)
		w.str(string(u.OrgRole))
		if u.Active {
			w.raw(`,"Active":true,"TeamRoles":`)
		} else {
			w.raw(`,"Active":false,"TeamRoles":`)
		}
		if u.TeamRoles == nil {
			w.raw("null")
		} else {
			roles = roles[:0]
			for name := range u.TeamRoles {
				roles = append(roles, name)
			}
			slices.Sort(roles)
			w.raw("{")
			for j, name := range roles {
				if j > 0 {
					w.raw(",")
				}
				w.str(name)
				w.raw(":")
				w.str(string(u.TeamRoles[name]))
			}
			w.raw("}")
		}
		w.raw("}\n")
	}
}

// teams writes the separator, then the teams' records.
func (w *fpWriter) teams(teams []model.Team) {
	w.raw("\"teams\"\n")
	for i := range teams {
		t := &teams[i]
		w.raw(`{"ID":`)
		w.str(t.ID)
		w.raw(`,"Name":`)
		w.str(t.Name)
		w.raw(`,"Members":`)
		if t.Members == nil {
			w.raw("null")
		} else {
			w.raw("[")
			for j := range t.Members {
				if j > 0 {
					w.raw(",")
				}
				w.member(&t.Members[j])
			}
			w.raw("]")
		}
		w.raw("}\n")
	}
}

// fpBuffer is how much encoded JSON fpWriter gathers before hashing it.
const fpBuffer = 32 << 10

// fpWriter encodes JSON into a buffer and hashes the buffer as it fills.
type fpWriter struct {
	h   hash.Hash
	buf []byte
}

func (w *fpWriter) raw(s string) {
	w.buf = append(w.buf, s...)
	w.spill()
}

// str writes s as encoding/json encodes a string (HTML characters
// escaped).
func (w *fpWriter) str(s string) {
	w.buf = appendJSONString(w.buf, s)
	w.spill()
}

// member writes m as encoding/json encodes a model.Member: its JSON tags,
// every field omitted when empty.
func (w *fpWriter) member(m *model.Member) {
	w.raw("{")
	sep := ""
	field := func(name, v string) {
		if v == "" {
			return
		}
		w.raw(sep)
		w.raw(name)
		w.str(v)
		sep = ","
	}
	field(`"userId":`, m.UserID)
	field(`"email":`, m.Email)
	field(`"display":`, m.Display)
	field(`"role":`, string(m.Role))
	w.raw("}")
}

func (w *fpWriter) spill() {
	if len(w.buf) >= fpBuffer {
		w.h.Write(w.buf)
		w.buf = w.buf[:0]
	}
}

// sum returns "sha256:<hex>" of what was written.
func (w *fpWriter) sum() string {
	w.h.Write(w.buf)
	w.buf = w.buf[:0]
	return "sha256:" + hex.EncodeToString(w.h.Sum(nil))
}

// appendJSONString appends s quoted as encoding/json's encoder quotes it
// with HTML escaping (its default): ", \ and controls escaped, <, > and &
// as \u003c, \u003e and \u0026, invalid UTF-8 as \ufffd, U+2028 and U+2029
// escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	if plainJSON(s) { // the common case
		dst = append(dst, s...)
		return append(dst, '"')
	}
	const hexDigits = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// plainJSON reports whether s encodes as itself: printable ASCII without
// the characters the encoder escapes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b >= utf8.RuneSelf || b == '"' || b == '\\' || b == '<' || b == '>' || b == '&' {
			return false
		}
	}
	return true
}
