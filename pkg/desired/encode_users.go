package desired

import (
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wbsync/wbsync/pkg/model"
)

// users writes the users that a manifest can declare, sorted by email, and
// indexes every user (written or not) for the members.
func (e *encoder) users(us []model.User) {
	e.all = us
	e.written = make([]bool, len(us))
	e.byID = make(map[string]int32, len(us))
	e.byMail = make(map[string]int32, len(us))
	e.byName = make(map[string]int32, len(us))
	keys := make([]string, len(us))
	order := make([]int32, len(us))
	for i := range us {
		keys[i] = model.Key(us[i].Email)
		order[i] = int32(i)
	}
	sort.SliceStable(order, func(a, b int) bool {
		i, j := order[a], order[b]
		if keys[i] != keys[j] {
			return keys[i] < keys[j]
		}
		if us[i].Active != us[j].Active {
			// Of two accounts holding one email, the active one is
			// written: the one the email reaches in W&B today.
			return us[i].Active
		}
		if hi, hj := model.Key(us[i].UserName) == keys[i], model.Key(us[j].UserName) == keys[j]; hi != hj {
			// Then the one whose userName is the email: a manifest
			// entry of that email matches it by userName first.
			return hi
		}
		if ci, cj := us[i].Created, us[j].Created; !ci.IsZero() && !cj.IsZero() && !ci.Equal(cj) {
			// Then the one created last: of an old password account and
			// the SSO one that replaced it, both deactivated, the one
			// that would be brought back.
			return ci.After(cj)
		}
		if us[i].Email != us[j].Email {
			return us[i].Email < us[j].Email
		}
		return us[i].UserName < us[j].UserName
	})
	// taken holds the userName keys written: a user's username, or its
	// email when it has none.
	taken := make(map[string]bool, len(us))
	for _, i := range order {
		u := &us[i]
		if u.ID != "" {
			e.byID[u.ID] = i
		}
		if _, dup := e.byName[model.Key(u.UserName)]; !dup && u.UserName != "" {
			e.byName[model.Key(u.UserName)] = i
		}
		handle := u.UserName
		if model.Key(handle) == model.Key(u.Email) {
			handle = ""
		}
		why := userProblem(*u, handle)
		if why == "" {
			why = keyProblem(e.unwritable, "email", u.Email, "userName", u.UserName, "name", u.DisplayName,
				"externalId", u.ExternalID, "orgRole", string(u.OrgRole))
		}
		first, dupMail := e.byMail[keys[i]]
		if why == "" && dupMail && e.written[first] {
			why = "another user, " + UserLabel(us[first]) + ", has the same email " + u.Email + " and is written"
		}
		uk := keys[i]
		if handle != "" {
			uk = model.Key(handle)
		}
		if why == "" && taken[uk] {
			why = "its userName " + u.UserName + " is another user's userName or email"
		}
		if !dupMail && u.Email != "" {
			e.byMail[keys[i]] = i
		}
		if why != "" {
			e.report.SkippedUsers = append(e.report.SkippedUsers, SkippedUser{*u, why})
			continue
		}
		taken[uk] = true
		e.written[i] = true
		e.byMail[keys[i]] = i
	}
	e.sharedExternalIDs(us)
	n := 0
	for _, i := range order {
		if !e.written[i] {
			continue
		}
		if n == 0 {
			e.line("users:")
		}
		n++
		e.user(&us[i])
	}
	if n == 0 {
		e.line("users: []")
	}
}

// sharedExternalIDs finds the externalIds that two or more written users
// have.
func (e *encoder) sharedExternalIDs(us []model.User) {
	seen := map[string]bool{}
	for i := range us {
		if id := us[i].ExternalID; e.written[i] && strings.TrimSpace(id) != "" {
			if seen[id] {
				if e.sharedExt == nil {
					e.sharedExt = map[string]bool{}
				}
				e.sharedExt[id] = true
			}
			seen[id] = true
		}
	}
}

// userProblem returns why u cannot be declared in a manifest, or "".
func userProblem(u model.User, handle string) string {
	switch {
	case u.Email == "":
		if g := handleGlob(u.UserName); g != "" {
			return "it has no email, and a manifest declares users by email; policy.protected may name its userName as the glob " +
				strconv.Quote(g) + ", to keep it from unmanagedUsers: deactivate"
		}
		return "it has no email, and a manifest declares users by email"
	case !validEmail(u.Email):
		if addressProblem(u.Email) == "" {
			return "its email " + u.Email + " is not one a manifest user may declare; policy.protected may name it " +
				"(with \\ before any * ? [ \\ in it), to keep it from unmanagedUsers: deactivate"
		}
		if g := handleGlob(u.UserName); g != "" {
			return "its email " + u.Email + " is not a well-formed address; policy.protected may name its userName as the glob " +
				strconv.Quote(g) + ", to keep it from unmanagedUsers: deactivate"
		}
		return "its email " + u.Email + " is not a well-formed address"
	case handle != "" && usernameProblem(handle) != "":
		return "its userName " + handle + " " + usernameProblem(handle)
	case !utf8.ValidString(u.DisplayName) || !utf8.ValidString(u.ExternalID):
		return "its name or externalId is not valid UTF-8"
	}
	return ""
}

// handleGlob is a policy.protected glob that matches the userName name
// alone (an entry without glob characters must be an address): its first
// character in brackets, escaped with \ unless a letter or digit, and \
// before any of * ? [ \ in the rest; "" when the name is empty, not
// UTF-8, or holds a character the loader refuses in a glob (a control or
// invisible one).
func handleGlob(name string) string {
	k := model.Key(name)
	if k == "" || !utf8.ValidString(name) || invisible(k) {
		return ""
	}
	r, size := utf8.DecodeRuneInString(k)
	var b strings.Builder
	b.WriteByte('[')
	if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
		b.WriteByte('\\')
	}
	b.WriteString(k[:size])
	b.WriteByte(']')
	for _, c := range k[size:] {
		if strings.ContainsRune(`*?[\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// user writes one user's entry.
func (e *encoder) user(u *model.User) {
	role := model.NormRole(string(u.OrgRole))
	if u.OrgRole != "" && role != model.RoleAdmin && role != model.RoleMember {
		e.buf = appendComment(e.buf, "  ", "org role \""+string(u.OrgRole)+"\" left unmanaged: wbsync sets only admin or member")
		e.report.OtherOrgRoles++
	}
	e.kv("  - ", "email", u.Email)
	if model.Key(u.UserName) != model.Key(u.Email) && u.UserName != "" {
		e.kv("    ", "username", u.UserName)
	}
	unwritten := false // a name or externalId a manifest refuses
	if strings.TrimSpace(u.DisplayName) != "" {
		if why := TextProblem(u.DisplayName); why != "" {
			e.buf = appendComment(e.buf, "    ", "name left unmanaged: it "+why+", which a manifest refuses")
			unwritten = true
		} else {
			e.kv("    ", "name", u.DisplayName)
		}
	}
	switch extProblem := ExternalIDProblem(u.ExternalID); {
	case strings.TrimSpace(u.ExternalID) == "":
	case extProblem != "":
		e.buf = appendComment(e.buf, "    ", "externalId left unmanaged: it "+extProblem+", which a manifest refuses")
		unwritten = true
	case e.sharedExt[u.ExternalID]:
		e.buf = appendComment(e.buf, "    ", "externalId \""+u.ExternalID+"\" left unmanaged: another user has it too, and a manifest gives each its own")
		e.report.SharedExternalIDs++
	default:
		e.kv("    ", "externalId", u.ExternalID)
	}
	if unwritten {
		e.report.UnwritableTexts++
	}
	if role == model.RoleAdmin || role == model.RoleMember {
		e.kv("    ", "orgRole", string(role))
	}
	if !u.Active {
		e.buf = append(e.buf, "    active: false\n"...)
	}
	e.flush()
}

// keyProblem returns why a record whose fields are given as name, value
// pairs cannot be written when one value is unwritable (it holds a
// fragment of the API key), or "".
func keyProblem(unwritable func(string) bool, fields ...string) string {
	for i := 0; i+1 < len(fields); i += 2 {
		if unwritable(fields[i+1]) {
			return "its " + fields[i] + " holds the API key, or 8 or more characters of it, which wbsync never writes; rotate the API key to export it"
		}
	}
	return ""
}
