package desired

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wbsync/wbsync/pkg/model"
)

// EncodeOptions tunes Encode.
type EncodeOptions struct {
	// Header is written at the top as "# " comment lines, e.g. "Exported
	// by wbsync from URL". Empty: no header.
	Header string
	// Policy is written as the manifest's policy when not nil.
	Policy *model.Policy
	// Unwritable reports whether a value cannot be written as it is: the
	// CLI's redactor would change it (it holds a fragment of the API key),
	// and a manifest holding "[redacted]" would apply it. A user or team
	// with such a value is left out and reported. Nil: every value is
	// written.
	Unwritable func(string) bool
	// NoCustomRoles says the export is of Multi-tenant Cloud, where a
	// manifest may declare no custom team role (plan refuses it): a member
	// with one is left out, and its team written additive, so that the
	// export still plans as no change.
	NoCustomRoles bool
	// CustomRoles, when not nil, are the custom team roles the server lists
	// (/Roles on Dedicated Cloud and Self-Managed): a member whose custom
	// role is not among them, exactly (a role /Roles no longer lists, or
	// one it spells in another case), is left out and its team written
	// additive, as plan would refuse that role. Nil: not checked.
	CustomRoles map[string]bool
}

// EncodeReport is what Encode could not write as it was: the CLI prints
// Warnings() on stderr.
type EncodeReport struct {
	// SkippedUsers are the users left out, because a manifest cannot
	// declare them: no email, an email or userName the manifest refuses,
	// or one another user already has.
	SkippedUsers []SkippedUser
	// SkippedTeams are the teams left out: a name the manifest refuses, or
	// a name shared with another team and no id to pin.
	SkippedTeams []SkippedTeam
	// AdditiveTeams are the teams written membership: additive because
	// they hold a member that is left out (a skipped user, or an id that
	// resolves to no written user), so that applying the export never
	// removes that member.
	AdditiveTeams []AdditiveTeam
	// Unresolved counts the members left out because their id names no
	// listed user (such as org service accounts, which W&B adds to every
	// team: wbsync never removes them), in UnresolvedTeams teams.
	Unresolved, UnresolvedTeams int
	// Values written only as a comment, left unmanaged: org roles other
	// than admin and member, externalIds two users share, and the team
	// roles of teams that share a name (W&B reports team roles by name).
	OtherOrgRoles, SharedExternalIDs, RolelessTeams int
	// UnwritableTexts counts the users whose name or externalId a manifest
	// refuses (TextProblem, ExternalIDProblem): left unmanaged, said in a
	// comment.
	UnwritableTexts int
}

// SkippedUser is a user Encode left out, and why.
type SkippedUser struct {
	User   model.User
	Reason string
}

// SkippedTeam is a team Encode left out, and why.
type SkippedTeam struct {
	Team   model.Team
	Reason string
}

// Warnings returns one line per user or team left out and per team made
// additive, for stderr.
func (r EncodeReport) Warnings() []string {
	var out []string
	for _, s := range r.SkippedUsers {
		out = append(out, fmt.Sprintf("user %s left out of the export: %s", UserLabel(s.User), s.Reason))
	}
	for _, s := range r.SkippedTeams {
		out = append(out, fmt.Sprintf("team %q%s left out of the export: %s", s.Team.Name, idSuffix(s.Team.ID), s.Reason))
	}
	for _, t := range r.AdditiveTeams {
		out = append(out, fmt.Sprintf("team %s exported as membership: additive: it holds members the export leaves out: %s", t.Name, t.Why))
	}
	if r.OtherOrgRoles > 0 {
		out = append(out, fmt.Sprintf("%d user(s) have an org role other than admin or member, left unmanaged (wbsync sets only those two): each is said in a comment (# org role ... left unmanaged)", r.OtherOrgRoles))
	}
	if r.SharedExternalIDs > 0 {
		out = append(out, fmt.Sprintf("%d user(s) share their externalId with another user, left unmanaged (a manifest gives each its own): each is said in a comment (# externalId ... left unmanaged)", r.SharedExternalIDs))
	}
	if r.UnwritableTexts > 0 {
		out = append(out, fmt.Sprintf("%d user(s) have a name or externalId a manifest refuses (a control character or noncharacter, or an externalId with a space or an invisible character at one end): left unmanaged, each said in a comment (# name left unmanaged: ..., # externalId left unmanaged: ...)", r.UnwritableTexts))
	}
	if r.RolelessTeams > 0 {
		out = append(out, fmt.Sprintf("%d team(s) share a name with another: their team roles are not written, since W&B reports team roles by team name, and are left unmanaged (said in each team's comment)", r.RolelessTeams))
	}
	return out
}

// AdditiveTeam is a team an export wrote membership: additive.
type AdditiveTeam struct {
	// Name is the team's name as written, quoted, with " (id ID)" when
	// pinned.
	Name string
	// Why says why members are left out (leftOut: how many, and the
	// reasons of the first few).
	Why string
}

// UserLabel names a live user in messages: its quoted userName, display
// name and id.
func UserLabel(u model.User) string {
	s := strconv.Quote(u.UserName)
	if u.DisplayName != "" {
		s += " (" + strconv.Quote(u.DisplayName) + ")"
	}
	if u.ID != "" {
		s += " id " + u.ID
	}
	return s
}

// Encode writes st as a version 1 manifest (for `wbsync export`), streaming
// it user by user and team by team: users sorted by email, teams by name
// then id, members by email.
//
// A user's email is u.Email (the primary email); username is written when
// u.UserName differs from it other than in case; name, externalId and
// orgRole when set (an org role other than admin or member, such as the
// deprecated viewer, is left out with a comment), and `active: false` for
// inactive users. A user the manifest cannot declare (no email, see
// EncodeReport) is left out and reported.
//
// Members are resolved to users by UserID (observed states), else by email,
// then userName (desired states), and written as their user's email: plain
// when the role is "member" or unknown, else {email, role}. Members whose id
// resolves to no user and who carry no email (org service accounts) are
// left out, as the plan never removes them. A team holding any other member
// that cannot be written is exported `membership: additive`, with a comment
// saying why. Teams that share a name (case-insensitively) are written with
// their id pin and a comment; a team of a desired state (Membership set, as
// Parse returns it) keeps its id pin in any case.
//
// The output always validates (Parse reads it back to st, less what the
// report lists).
func Encode(w io.Writer, st model.State, opts EncodeOptions) (EncodeReport, error) {
	e := &encoder{w: bufio.NewWriterSize(w, 64<<10), unwritable: opts.Unwritable, noCustomRoles: opts.NoCustomRoles,
		customRoles: opts.CustomRoles, usersHidden: st.UsersHidden()}
	if e.unwritable == nil {
		e.unwritable = func(string) bool { return false }
	}
	e.header(opts.Header)
	e.line("version: " + strconv.Itoa(SupportedVersion))
	if opts.Policy != nil {
		e.policy(*opts.Policy)
	}
	e.users(trimmedEmails(st.Users))
	e.teams(st.Teams)
	if err := e.w.Flush(); err != nil {
		return e.report, fmt.Errorf("encode manifest: %w", err)
	}
	return e.report, nil
}

// trimmedEmails is us with each primary email trimmed of white space: a
// live email " dina@example.com " is the address plan matches a manifest's
// dina@example.com to (model.Key trims), so export writes it so rather
// than leaving the user out as malformed. us is copied only when an email
// needs it.
func trimmedEmails(us []model.User) []model.User {
	for i := range us {
		if us[i].Email != strings.TrimSpace(us[i].Email) {
			out := slices.Clone(us)
			for j := i; j < len(out); j++ {
				out[j].Email = strings.TrimSpace(out[j].Email)
			}
			return out
		}
	}
	return us
}

// encoder writes one manifest; buf is the record being written.
type encoder struct {
	w      *bufio.Writer
	buf    []byte
	report EncodeReport

	all     []model.User
	written []bool // all[i] is written
	// byID maps SCIM ids to users; byMail email keys (to the user written
	// when several share one); byName userName keys: how members resolve.
	byID   map[string]int32
	byMail map[string]int32
	byName map[string]int32
	// sharedExt holds the externalIds that two or more written users have
	// (nil when none do): left unmanaged, since a manifest refuses them.
	sharedExt map[string]bool

	unwritable    func(string) bool // EncodeOptions.Unwritable, never nil
	noCustomRoles bool              // EncodeOptions.NoCustomRoles
	customRoles   map[string]bool   // EncodeOptions.CustomRoles
	// usersHidden: the read shows no user, yet its teams have members
	// (model.State.UsersHidden)
	usersHidden bool
}

// line writes s and a newline.
func (e *encoder) line(s string) {
	e.w.WriteString(s)
	e.w.WriteByte('\n')
}

// flush writes the record in buf.
func (e *encoder) flush() {
	e.w.Write(e.buf)
	e.buf = e.buf[:0]
}

// kv appends "indent key: value" as a line.
func (e *encoder) kv(indent, key, val string) {
	e.buf = append(e.buf, indent...)
	e.buf = append(e.buf, key...)
	e.buf = append(e.buf, ':', ' ')
	e.buf = appendScalar(e.buf, val)
	e.buf = append(e.buf, '\n')
}

func (e *encoder) header(h string) {
	h = strings.TrimRight(h, "\n")
	if h == "" {
		return
	}
	for _, line := range strings.Split(h, "\n") {
		e.buf = appendComment(e.buf, "", line)
	}
	e.buf = append(e.buf, '\n')
	e.flush()
}

func (e *encoder) policy(p model.Policy) {
	e.buf = append(e.buf, "policy:"...)
	start := len(e.buf)
	e.buf = append(e.buf, '\n')
	if p.UnmanagedUsers != "" {
		e.kv("  ", "unmanagedUsers", string(p.UnmanagedUsers))
	}
	if len(p.Protected) > 0 {
		e.buf = append(e.buf, "  protected:\n"...)
		for _, s := range p.Protected {
			e.buf = append(e.buf, "    - "...)
			e.buf = appendScalar(e.buf, s)
			e.buf = append(e.buf, '\n')
		}
	}
	var limits []byte
	for _, l := range []struct {
		name string
		lim  model.Limit
	}{{"maxDeactivations", p.MaxDeactivations}, {"maxMemberRemovals", p.MaxMemberRemovals}} {
		switch {
		case !l.lim.Set:
		case l.lim.Percent:
			limits = append(limits, "    "+l.name+": "+strconv.Itoa(l.lim.Value)+"%\n"...)
		default:
			limits = append(limits, "    "+l.name+": "+strconv.Itoa(l.lim.Value)+"\n"...)
		}
	}
	if len(limits) > 0 {
		e.buf = append(e.buf, "  limits:\n"...)
		e.buf = append(e.buf, limits...)
	}
	if p.UnreportedRoles != "" && p.UnreportedRoles != model.RolesSkip {
		e.kv("  ", "unreportedRoles", string(p.UnreportedRoles))
	}
	if p.UnmanagedGracePeriod != model.DefaultGracePeriod {
		// Digits and units, read back as such (0 as the integer 0).
		e.buf = append(e.buf, "  unmanagedGracePeriod: "+formatGrace(p.UnmanagedGracePeriod)+"\n"...)
	}
	if len(e.buf) == start+1 {
		e.buf = append(e.buf[:start], " {}\n"...)
	}
	e.flush()
}

// formatGrace writes a grace period as whole days when it is, else as a Go
// duration without zero units ("36h", "1h30m").
func formatGrace(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	if d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
