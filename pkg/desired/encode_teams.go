package desired

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
)

// teams writes the teams, sorted by name then id.
func (e *encoder) teams(ts []model.Team) {
	teams := append([]model.Team(nil), ts...)
	model.SortTeams(teams)
	shared, sameName := make(map[string]int, len(teams)), make(map[string]int, len(teams))
	for _, t := range teams {
		shared[model.Key(t.Name)]++
		sameName[t.Name]++
	}
	ids := make(map[string]bool, len(teams))
	// stamp[u] is the team (plus one) that last wrote user u: one member
	// per user per team.
	stamp := make([]int32, len(e.all))
	var ms []model.Member
	n := 0
	for ti := range teams {
		t := &teams[ti]
		sharing := shared[model.Key(t.Name)]
		why := teamProblem(*t, sharing, ids)
		if why == "" {
			why = keyProblem(e.unwritable, "name", t.Name, "id", t.ID)
		}
		if why != "" {
			e.report.SkippedTeams = append(e.report.SkippedTeams, SkippedTeam{*t, why})
			continue
		}
		if t.ID != "" {
			ids[t.ID] = true
		}
		if n == 0 {
			e.line("teams:")
		}
		n++
		// W&B reports team roles by team name: with several live teams of
		// this name, the role read is any of theirs, and is not written. A
		// desired team (Membership set) keeps the roles it declares.
		noRoles := sameName[t.Name] > 1 && t.Membership == ""
		ms = ms[:0]
		var left []string // why members are left out
		unresolved := 0
		for _, m := range t.Members {
			ui, why := e.resolve(m)
			switch {
			case why != "":
				left = append(left, why)
				continue
			case ui < 0 && e.usersHidden && m.UserID != "":
				// Not service accounts: written authoritative and empty,
				// the team would lose them all to a plan against a read
				// that shows the users.
				left = append(left, "member "+m.UserID+" matches no user, and the read lists none")
				continue
			case ui < 0:
				unresolved++
				continue
			case stamp[ui] == int32(ti+1):
				continue
			}
			r := m.Role.Norm()
			if noRoles {
				r = ""
			}
			if r == model.RoleMember && m.UserID != "" {
				// A live member's reported "member" is the default: written
				// as a plain email, as a manifest author would. A desired
				// member keeps a role it declares.
				r = ""
			}
			if r != "" && strings.TrimSpace(string(r)) != string(r) {
				// A manifest role has no space at either end (the loader
				// refuses one, as a typo): the custom role "admin " cannot
				// be declared, and must not be exported as admin.
				left = append(left, "member "+e.all[ui].Email+"'s role \""+string(r)+"\" has white space at an end, which a manifest role cannot hold")
				continue
			}
			if why := teamRoleProblem(r); why != "" {
				// The loader refuses it (a control character, or one that
				// draws nothing at an end): written, the export would not
				// load.
				left = append(left, "member "+e.all[ui].Email+"'s role "+strconv.Quote(string(r))+" "+why+", which a manifest role cannot hold")
				continue
			}
			if r != "" && !r.Predefined() && e.noCustomRoles {
				left = append(left, "member "+e.all[ui].Email+"'s role \""+string(r)+"\" is a custom role, which Multi-tenant Cloud does not have")
				continue
			}
			if r != "" && !r.Predefined() && e.customRoles != nil && !e.customRoles[string(r)] {
				left = append(left, "member "+e.all[ui].Email+"'s role \""+string(r)+"\" is not a custom role the server's /Roles lists")
				continue
			}
			if e.unwritable(string(r)) {
				// Written redacted, the role would be applied as "[redacted]":
				// the member is left out and the team written additive.
				left = append(left, "member "+e.all[ui].Email+"'s role holds the API key, or 8 or more characters of it")
				continue
			}
			stamp[ui] = int32(ti + 1)
			ms = append(ms, model.Member{Email: e.all[ui].Email, Role: r})
		}
		if unresolved > 0 {
			e.report.Unresolved += unresolved
			e.report.UnresolvedTeams++
		}
		model.SortMembers(ms)
		e.team(t, sharing, noRoles, ms, left)
	}
	if n == 0 {
		e.line("teams: []")
	}
}

// teamRoleProblem is TeamNameProblem for a member's role; "" for no role
// (a plain email).
func teamRoleProblem(r model.Role) string {
	if r == "" {
		return ""
	}
	return TeamNameProblem(string(r))
}

// leftOut says why a team's members are left out: how many, and the
// reasons of the first caps.ShownNames of them ("; and N more" after).
func leftOut(left []string) string {
	shown := left[:min(len(left), caps.ShownNames)]
	s := strconv.Itoa(len(left)) + " member(s) cannot be declared (" + strings.Join(shown, "; ")
	if n := len(left) - len(shown); n > 0 {
		s += "; and " + strconv.Itoa(n) + " more"
	}
	return s + ")"
}

// resolve finds member m's written user. ui < 0 with why "" is a member to
// leave out silently (an org service account: an id that matches no user,
// and no email); why says why a member that names a user cannot be written.
func (e *encoder) resolve(m model.Member) (ui int32, why string) {
	ui = -1
	if m.UserID != "" {
		if i, ok := e.byID[m.UserID]; ok {
			ui = i
		}
	}
	if ui < 0 && m.Email != "" {
		k := model.Key(m.Email)
		if i, ok := e.byMail[k]; ok {
			ui = i
		} else if i, ok := e.byName[k]; ok {
			ui = i
		}
	}
	switch {
	case ui < 0 && m.Email == "":
		return -1, ""
	case ui < 0:
		return -1, "member " + m.Email + " is not a listed user"
	case !e.written[ui]:
		u := e.all[ui]
		return -1, "user " + u.UserName + idSuffix(u.ID) + " is left out of the export"
	}
	return ui, ""
}

func idSuffix(id string) string {
	if id == "" {
		return ""
	}
	return " (id " + id + ")"
}

// teamProblem returns why team t cannot be written, or "".
func teamProblem(t model.Team, sharing int, ids map[string]bool) string {
	nameProblem := TeamNameProblem(strings.TrimSpace(t.Name))
	switch {
	case !utf8.ValidString(t.Name) || !utf8.ValidString(t.ID):
		return "its name or id is not valid UTF-8"
	case strings.TrimSpace(t.Name) == "":
		return "it has no name"
	case strings.TrimSpace(t.Name) != t.Name && t.ID == "":
		// With an id, it is written trimmed and pinned by it (team).
		return "its name has leading or trailing spaces, which a manifest cannot write, and it has no id to pin it by"
	case nameProblem != "":
		return "its name " + nameProblem
	case t.ID != "" && strings.TrimSpace(t.ID) == "":
		return "its id is blank"
	case strings.TrimSpace(t.ID) != t.ID && (sharing > 1 || strings.TrimSpace(t.Name) != t.Name):
		// Only a pinned team's id is written.
		return "its id has leading or trailing spaces, which a manifest cannot write, and it needs one to pin it by"
	case sharing > 1 && t.ID == "":
		return "it shares its name with another team and has no id to pin it"
	case ids[t.ID]:
		return "another team has the same id"
	}
	return ""
}

// team writes one team's entry.
func (e *encoder) team(t *model.Team, sharing int, noRoles bool, ms []model.Member, left []string) {
	if sharing > 1 {
		msg := strconv.Itoa(sharing) + " teams share the name " + strconv.Quote(t.Name) + " (ignoring case, how characters are encoded and spaces at either end): each is pinned to its SCIM group id"
		if noRoles {
			msg += "; team roles are not written, since W&B reports them by team name"
			e.report.RolelessTeams++
		}
		e.buf = appendComment(e.buf, "  ", msg)
	}
	additive := t.Membership == model.Additive
	if len(left) > 0 {
		additive = true
		why := leftOut(left)
		e.buf = appendComment(e.buf, "  ", "membership: additive because "+why+": applying this export never removes them")
		name := strconv.Quote(t.Name)
		if t.ID != "" {
			name += " (id " + t.ID + ")"
		}
		e.report.AdditiveTeams = append(e.report.AdditiveTeams, AdditiveTeam{Name: name, Why: why})
	}
	name := strings.TrimSpace(t.Name)
	if name != t.Name {
		// A manifest name has no space at either end: pinned by its id,
		// the trimmed name manages this team, whatever other team answers
		// to it.
		e.buf = appendComment(e.buf, "  ", "the live name is "+strconv.Quote(t.Name)+", with white space at an end, which a manifest cannot write: this name, pinned by the id, manages it")
	}
	e.kv("  - ", "name", name)
	if t.ID != "" && (sharing > 1 || t.Membership != "" || name != t.Name) {
		e.kv("    ", "id", t.ID)
	}
	if additive {
		e.buf = append(e.buf, "    membership: additive\n"...)
	}
	if len(ms) == 0 {
		e.buf = append(e.buf, "    members: []\n"...)
	} else {
		e.buf = append(e.buf, "    members:\n"...)
	}
	for _, m := range ms {
		if m.Role == "" {
			e.buf = append(e.buf, "      - "...)
			e.buf = appendScalar(e.buf, m.Email)
			e.buf = append(e.buf, '\n')
		} else {
			e.kv("      - ", "email", m.Email)
			e.kv("        ", "role", string(m.Role))
		}
		if len(e.buf) > 32<<10 {
			e.flush()
		}
	}
	e.flush()
}
