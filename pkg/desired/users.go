package desired

import (
	"iter"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
)

// records checks v is a list and returns how many of its items are
// mappings (the records to make room for) and those items; what names one
// item ("user") and shape what it holds. Each item is dropped from the tree
// once read.
func (l *loader) records(fi int, name string, v *yaml.Node, what, shape string) (int, iter.Seq[*yaml.Node]) {
	items, ok := l.list(fi, name, v)
	if !ok {
		return 0, func(func(*yaml.Node) bool) {}
	}
	n := 0
	for _, it := range items {
		if it.Kind == yaml.MappingNode {
			n++
		}
	}
	return n, func(yield func(*yaml.Node) bool) {
		for j, it := range items {
			items[j] = nil
			if l.itemMapping(fi, it, what, shape) && !yield(it) {
				return
			}
		}
	}
}

// itemMapping reports whether list item n is a mapping, recording a problem
// when not; what names the item and shape what it holds.
func (l *loader) itemMapping(fi int, n *yaml.Node, what, shape string) bool {
	if n.Kind == yaml.MappingNode {
		return l.untagged(fi, what, n)
	}
	if l.alias(fi, n) {
		return false
	}
	p := at(fi, n)
	if !l.keeps(p) {
		l.skip()
		return false
	}
	hint := ""
	if n.Kind == yaml.ScalarNode && what == "user" && emailProblem(n.Value) == "" {
		hint = " (write - email: " + n.Value + ")"
	}
	l.add(p, "each "+what+" must be a mapping with "+shape+", got "+kind(n)+hint)
	return false
}

func (l *loader) loadUsers(fi int, v *yaml.Node) {
	n, users := l.records(fi, "users", v, "user", "email, username, name, externalId, orgRole, active")
	if len(l.byEmail) == 0 {
		l.byEmail = make(map[string]int32, n)
	}
	l.state.Users = slices.Grow(l.state.Users, n)
	l.users = slices.Grow(l.users, n)
	for u := range users {
		l.loadUser(fi, u)
	}
}

func (l *loader) loadUser(fi int, n *yaml.Node) {
	u := model.User{Active: true}
	r := userRec{at: at(fi, n)}
	r.activeAt = r.at
	hasEmail, emailAt := false, pos{}
	var handle *yaml.Node
	for j, f := range l.fields(fi, n, userKeys, "user") {
		v := f.val
		switch j {
		case userEmail:
			hasEmail = true
			emailAt = at(fi, v)
			u.Email, r.emailOK = l.email(fi, "email", v)
		case userUsername:
			handle = v
		case userName:
			u.DisplayName, _ = l.text(fi, "name", v, " (omit it to leave the display name unmanaged)")
		case userExternalID:
			var ok bool
			if u.ExternalID, ok = l.text(fi, "externalId", v, " (omit it to leave the externalId unmanaged)"); ok {
				if why := ExternalIDProblem(u.ExternalID); why != "" {
					// compared exactly: it would replace the live one
					l.addf(at(fi, v), "externalId %q %s: an identity provider's ids have none, and it would replace the live externalId with one the identity provider never sends (remove the character, or omit externalId to leave it unmanaged)", short(u.ExternalID), why)
				} else {
					l.externalID(u.ExternalID, at(fi, v))
				}
			}
		case userOrgRole:
			if isStr(v) && strings.EqualFold(v.Value, string(model.RoleViewer)) {
				l.add(at(fi, v), "orgRole viewer is refused: W&B turns it into member with viewer seats and resets ALL of the user's team and project roles to viewer; use member (and set team roles per team)")
			} else {
				role, _ := l.enum(fi, "orgRole", v, orgRoleValues)
				u.OrgRole = model.Role(role)
			}
		case userActive:
			r.activeAt = at(fi, v)
			if l.alias(fi, v) {
				continue
			}
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
				l.addf(r.activeAt, "active must be true or false, got %s", kind(v))
				continue
			}
			var b bool
			if err := v.Decode(&b); err != nil {
				// A !!bool tag on what is no boolean (!!bool no).
				l.addf(r.activeAt, "active must be true or false, got %q tagged !!bool", short(v.Value))
				continue
			}
			u.Active = b
		}
	}
	if !hasEmail {
		l.add(r.at, "user is missing email")
	} else {
		r.at = emailAt // the user is shown where its email is
	}
	u.UserName = u.Email
	if handle != nil {
		if h, ok := l.username(fi, handle); ok && model.Key(h) != model.Key(u.Email) {
			u.UserName, r.hasHandle = h, true
		}
	}
	idx := int32(len(l.state.Users))
	if r.emailOK {
		u.Email = l.emails.copy(u.Email)
		if r.hasHandle {
			u.UserName = l.emails.copy(u.UserName)
		} else {
			u.UserName = u.Email
		}
	}
	r.email = u.Email
	l.state.Users = append(l.state.Users, u)
	l.users = append(l.users, r)
	if !u.Active {
		l.inactive = append(l.inactive, idx)
	}
	if r.emailOK {
		l.declare(idx, handle, fi)
	}
}

// declare indexes user idx by email and username, reporting a user whose
// email or userName another user already has.
func (l *loader) declare(idx int32, handle *yaml.Node, fi int) {
	u, r := &l.state.Users[idx], &l.users[idx]
	ek := model.Key(u.Email)
	if first, dup := l.byEmail[ek]; dup {
		l.addf(r.at, "duplicate user %s: already declared at %s (emails match case-insensitively)", u.Email, l.where(l.users[first].at))
		return
	}
	// A clash of usernames is reported once; the user's email is still
	// declared, so that its team memberships are not reported undeclared
	// on top.
	defer func() { l.byEmail[ek] = idx }()
	if r.hasHandle {
		hk := model.Key(u.UserName)
		hp := at(fi, handle)
		if first, dup := l.byHandle[hk]; dup {
			l.addf(hp, "duplicate username %s: the user declared at %s has it too (usernames match case-insensitively)", u.UserName, l.where(l.users[first].at))
			return
		}
		if first, dup := l.byEmail[hk]; dup && !l.users[first].hasHandle {
			l.addf(hp, "username %s is the userName of the user declared at %s, whose email it is (a user without username has its email as userName; they match case-insensitively)", u.UserName, l.where(l.users[first].at))
			return
		}
		l.byHandle[hk] = idx
	} else if first, dup := l.byHandle[ek]; dup {
		l.addf(r.at, "user %s: its email is the username of the user declared at %s, and a user without username has its email as userName (they match case-insensitively): set a username on one of them", u.Email, l.where(l.users[first].at))
	}
}

// externalID records that a user declared at p has externalId id, and
// reports a user that has it too: externalIds match exactly, and two
// manifest users with one would both match the same live user.
func (l *loader) externalID(id string, p pos) {
	if first, dup := l.byExternalID[id]; dup {
		l.addf(p, "duplicate externalId %q: the user declared at %s has it too (externalIds match exactly; both would match one live user)", short(id), l.where(first))
		return
	}
	if l.byExternalID == nil {
		l.byExternalID = map[string]pos{}
	}
	l.byExternalID[id] = p
}

// username reads a W&B userName: one word, no whitespace or control
// characters, at most caps.Username characters.
func (l *loader) username(fi int, v *yaml.Node) (string, bool) {
	s, ok := l.nonEmpty(fi, "username", v, " (omit it when the W&B userName is the email)")
	if !ok {
		return "", false
	}
	if why := usernameProblem(s); why != "" {
		l.addf(at(fi, v), "username %q %s", short(s), why)
		return "", false
	}
	return s, true
}

// text reads a user's free-text value (name, externalId): not empty, and
// without a control character or noncharacter (TextProblem), which W&B
// would keep as written and send to every tool that reads it.
func (l *loader) text(fi int, name string, v *yaml.Node, hint string) (string, bool) {
	s, ok := l.nonEmpty(fi, name, v, hint)
	if !ok {
		return "", false
	}
	if why := TextProblem(s); why != "" {
		l.addf(at(fi, v), "%s %q %s%s", name, short(s), why, hint)
		return "", false
	}
	return s, true
}

// UsernameProblem returns why s cannot be a manifest's username, or ""
// (the plan's advice for an unmanaged user does not name it by one it
// refuses: diff.Options.UsernameProblem).
func UsernameProblem(s string) string { return usernameProblem(s) }

// usernameProblem returns why s cannot be a username, or "".
func usernameProblem(s string) string {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			plain = false
			break
		}
	}
	if !plain {
		if !usernameRE.MatchString(s) || strings.ContainsFunc(s, unwritable) { // (the pattern's class stops at U+FFFF)
			return "contains whitespace, a control character or a noncharacter: a W&B userName is one word, such as dev-user2"
		}
		// dev-user2 with a zero-width space after it (pasted from a chat
		// or a web page) reads as dev-user2 in a diff, and would match no
		// account: the plan would create another one.
		if why := invisibleEnd(s, "the name"); why != "" {
			return why + ", and names another account than the one it reads as"
		}
	}
	if n := utf8.RuneCountInString(s); n > caps.Username {
		return "is " + strconv.Itoa(n) + " characters long: at most " + strconv.Itoa(caps.Username)
	}
	return ""
}

// email reads a well-formed email.
func (l *loader) email(fi int, name string, v *yaml.Node) (string, bool) {
	s, ok := l.str(fi, name, v)
	if !ok {
		return "", false
	}
	if validEmail(s) {
		return s, true
	}
	l.addf(at(fi, v), "malformed email %q: %s", short(s), emailProblem(s))
	return s, false
}
