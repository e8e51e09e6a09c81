package views

import (
	"cmp"
	"encoding/csv"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// AccessReviewHeader is the header row of the access review CSV.
var AccessReviewHeader = []string{"email", "username", "name", "active", "org_role", "teams", "created", "last_modified"}

// WriteAccessReview writes the live organization st as an access review:
// CSV (quoted as RFC 4180 says, by encoding/csv; lines end in LF), one row
// per user, sorted by email
// (then userName): email (the primary email), username (empty when it equals
// the email, ignoring case), name, active (true/false), org_role (empty when
// the server does not report it), teams as "team:role" separated by ";"
// (just "team" when the role is not reported; sorted by team name), and
// created and last_modified in RFC 3339 (empty when unknown). A user
// without any email is listed too, with an empty email (an access review
// shows everyone with access), and returned in noEmail, for the caller to
// warn about.
//
// Every server string (email, username, name, org_role, team names and
// roles) is written with its control characters escaped as the text view
// shows them (sanitize.Controls): no C0 or C1 control, DEL or bidirectional
// control reaches a terminal or a spreadsheet raw, TAB, CR and LF included
// (a line break in a name reads as \n). A cell that starts with =, +, -
// or @, which a spreadsheet would evaluate as a formula (a display name is
// chosen by its user), gets a leading ' as OWASP advises for CSV
// injection: the spreadsheet shows the text instead of running it; so does
// one that starts with ', so that one leading ' is always ours. Emails
// too: an address may start with =, + or -, or '.
// Quoting is left to encoding/csv.
func WriteAccessReview(w io.Writer, st model.State) (noEmail []model.User, err error) {
	type membership struct{ team, role string }
	teamsOf := make(map[string][]membership, len(st.Users))
	for _, t := range st.Teams {
		for _, m := range t.Members {
			if m.UserID != "" {
				teamsOf[m.UserID] = append(teamsOf[m.UserID], membership{t.Name, string(m.Role)})
			}
		}
	}
	users := slices.Clone(st.Users)
	slices.SortFunc(users, func(a, b model.User) int {
		return cmp.Or(
			cmp.Compare(model.Key(a.Email), model.Key(b.Email)),
			cmp.Compare(model.Key(a.UserName), model.Key(b.UserName)),
			cmp.Compare(a.ID, b.ID),
		)
	})
	cw := csv.NewWriter(w)
	if err := cw.Write(AccessReviewHeader); err != nil {
		return nil, err
	}
	for _, u := range users {
		if u.Email == "" {
			noEmail = append(noEmail, u)
		}
		username := u.UserName
		if model.Key(username) == model.Key(u.Email) {
			username = ""
		}
		ms := teamsOf[u.ID]
		slices.SortFunc(ms, func(a, b membership) int { return cmp.Or(cmp.Compare(a.team, b.team), cmp.Compare(a.role, b.role)) })
		teams := make([]string, len(ms))
		for i, m := range ms {
			teams[i] = cellPart(m.team)
			if m.role != "" {
				teams[i] += ":" + cellPart(m.role)
			}
		}
		if err := cw.Write([]string{
			cell(u.Email), cell(username), cell(u.DisplayName),
			boolText(u.Active), cell(string(u.OrgRole)),
			inert(strings.Join(teams, ";")), timeText(u.Created), timeText(u.LastModified),
		}); err != nil {
			return nil, err
		}
	}
	cw.Flush()
	return noEmail, cw.Error()
}

// cell is server string s as an access review cell: its controls
// escaped, and inert.
func cell(s string) string { return inert(sanitize.Name(s)) }

// inert prefixes ' to a cell a spreadsheet would read as a formula, spaces
// before it included (an import that trims cells would read " =1+1" as
// one), and to one that starts with ' already, so that one leading ' is
// always ours.
func inert(s string) string {
	// A full-width ＝ ＋ － ＠ too: Name escapes one beside a Latin letter
	// or digit only (＝（1）, ＝ 1 stay as they are).
	if t := strings.TrimLeft(s, " "); t != "" && strings.ContainsRune("=+-@\uff1d\uff0b\uff0d\uff20", firstRune(t)) || s != "" && s[0] == '\'' {
		return "'" + s
	}
	return s
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// cellPart is a team or role name inside the teams cell, its separators
// (";" between teams, ":" before a role) and backslash escaped with a
// backslash, so that a team named "eng;admins:admin" cannot read as a
// role in another team; then its controls and look-alikes escaped, as
// Name escapes them (b\u0456g: a name's own backslash is doubled first).
func cellPart(s string) string {
	if strings.ContainsAny(s, `;:\`) {
		s = strings.NewReplacer(`\`, `\\`, ";", `\;`, ":", `\:`).Replace(s)
	}
	return sanitize.LookAlikes(sanitize.Controls(s))
}

// firstRune is s's first character.
func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}
