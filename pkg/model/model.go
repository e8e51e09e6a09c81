// Package model holds the state wbsync reasons about: users, teams, memberships
// and the manifest's policy, with the normalisation rules every other package
// shares (keys, roles, protected patterns, the manifest digest). It is pure
// data: it imports the standard library and Unicode's normalisation forms
// (golang.org/x/text/unicode/norm) only, and does no I/O.
package model

import (
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Deployment names which W&B SCIM implementation answers.
type Deployment string

// The two W&B SCIM implementations (docs/wandb-api.md).
const (
	// SaaS is W&B Multi-tenant Cloud (api.wandb.ai): deactivation removes the
	// user from the organization and reactivation is refused.
	SaaS Deployment = "saas"
	// Dedicated is W&B Dedicated Cloud and self-managed: deactivated users stay
	// listed with active=false and can be reactivated.
	Dedicated Deployment = "dedicated"
)

// Membership is how a manifest team treats live members it does not list.
type Membership string

// Membership modes of a team.
const (
	// Authoritative teams lose members the manifest does not list.
	Authoritative Membership = "authoritative"
	// Additive teams only gain members.
	Additive Membership = "additive"
)

// UnmanagedPolicy is what happens to live users absent from the manifest.
type UnmanagedPolicy string

// Unmanaged-user policies.
const (
	UnmanagedIgnore     UnmanagedPolicy = "ignore"
	UnmanagedDeactivate UnmanagedPolicy = "deactivate"
)

// UnreportedRolesPolicy is what wbsync does with declared roles the server
// does not report on reads.
type UnreportedRolesPolicy string

// Unreported-role policies.
const (
	// RolesSkip plans no role change the read cannot confirm (default).
	RolesSkip UnreportedRolesPolicy = "skip"
	// RolesEnforce sends the declared roles anyway, as unverified changes.
	RolesEnforce UnreportedRolesPolicy = "enforce"
)

// DefaultGracePeriod is policy.unmanagedGracePeriod when the manifest sets
// none: unmanaged users created more recently are not deactivated.
const DefaultGracePeriod = 7 * 24 * time.Hour

// Role is an organization or team role: one of the predefined roles
// (lower-case) or a custom team role name (case-sensitive, as written).
type Role string

// Predefined roles.
const (
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
	RoleViewer Role = "viewer"
)

// NormRole lower-cases the predefined roles (W&B treats them
// case-insensitively); a custom role name is kept as written, white space
// included: "admin " is a custom role, never admin (a server may hold both,
// with other rights).
func NormRole(r string) Role {
	switch l := Role(strings.ToLower(r)); l {
	case RoleAdmin, RoleMember, RoleViewer:
		return l
	}
	return Role(r)
}

// Norm is NormRole(string(r)).
func (r Role) Norm() Role { return NormRole(string(r)) }

// Predefined reports whether r is admin, member or viewer (any case).
func (r Role) Predefined() bool {
	switch NormRole(string(r)) {
	case RoleAdmin, RoleMember, RoleViewer:
		return true
	}
	return false
}

// User is one W&B user. In the desired state it comes from the manifest (ID
// empty, optional fields empty when the manifest leaves them unmanaged); in the
// observed state it comes from SCIM.
type User struct {
	ID string `json:"id,omitempty"` // SCIM id; empty in the desired state
	// UserName is the W&B userName, a handle such as "dev-user2" or an
	// email. Desired: the manifest's username, else its email.
	UserName string `json:"userName"`
	// Email is the primary email (observed: scim.User.PrimaryEmail, which
	// picks one independently of the server's order when none or several
	// are marked primary).
	Email string `json:"email,omitempty"`
	// Emails are every email value of the observed user, primary first
	// (nil in the desired state).
	Emails      []string `json:"emails,omitempty"`
	DisplayName string   `json:"displayName,omitempty"` // desired: "" = not managed
	ExternalID  string   `json:"externalId,omitempty"`  // desired: "" = not managed
	OrgRole     Role     `json:"orgRole,omitempty"`     // admin | member; desired: "" = not managed; observed: "" = not reported
	Active      bool     `json:"active"`
	// TeamRoles is the observed user's role per team name, from the SCIM
	// teamRoles attribute; nil when the server did not report it.
	TeamRoles map[string]Role `json:"teamRoles,omitempty"`
	ETag      string          `json:"etag,omitempty"`
	// Created and LastModified are the observed meta.created and
	// meta.lastModified (zero when the server does not report them).
	Created      time.Time `json:"created,omitzero"`
	LastModified time.Time `json:"lastModified,omitzero"`
	// CreatedUnreadable says the server sent a meta.created that is not a
	// date: the user's age is unknown, not "no date".
	CreatedUnreadable bool `json:"createdUnreadable,omitempty"`
}

// Key is the user's matching key: the lower-cased userName.
func (u User) Key() string { return Key(u.UserName) }

// Member is one membership of a team.
type Member struct {
	// UserID is the SCIM user id (observed); empty in the desired state.
	UserID string `json:"userId,omitempty"`
	// Email is the member's email as declared (desired) or the resolved
	// user's userName (observed; "" when the id matches no listed user, such
	// as an org service account).
	Email string `json:"email,omitempty"`
	// Display is the member's display as the server sent it (observed).
	Display string `json:"display,omitempty"`
	// Role is the team role: desired, the role the manifest writes, ""
	// for a plain email (member, no role declared); observed, from the
	// user's teamRoles, "" when unknown.
	Role Role `json:"role,omitempty"`
	// User is 1 + the position in the same State's Users of the user the
	// member is, as the loader or the read resolved it, sharing that
	// user's string (Email desired, ID observed); 0 when unresolved. A
	// hint only: diff.Compute takes it when the user it names has the
	// member's email (id) by value and no other user shares that email
	// key (id), and looks the member up otherwise, so that a stale or
	// wrong hint never changes a plan. Not in JSON (apply of a saved
	// plan looks its desired members up).
	User int32 `json:"-"`
}

// Team is one W&B team (a SCIM Group).
type Team struct {
	ID   string `json:"id,omitempty"` // SCIM group id; in the desired state the optional pin
	Name string `json:"name"`
	// Membership is Authoritative or Additive (desired only).
	Membership Membership `json:"membership,omitempty"`
	Members    []Member   `json:"members"`
	ETag       string     `json:"etag,omitempty"`
}

// State is a whole organization: desired (from the manifest) or observed
// (from SCIM).
type State struct {
	Users []User `json:"users"`
	Teams []Team `json:"teams"`
}

// UsersHidden reports whether s, a live read, lists no user while its
// teams have members: W&B lists at least the user whose key reads, so the
// key, or a proxy in between, does not show /Users (docs/troubleshooting.md).
// Export, doctor, the plan and every read say so.
func (s State) UsersHidden() bool {
	return len(s.Users) == 0 && slices.ContainsFunc(s.Teams, func(t Team) bool { return len(t.Members) > 0 })
}

// Limit is a safety limit: an absolute count or a percentage.
type Limit struct {
	Set     bool `json:"set"`     // false: the default applies
	Value   int  `json:"value"`   // a count, or a percentage when Percent
	Percent bool `json:"percent"` // Value is a percentage (0..100)
}

// Resolve returns the limit as a count given the base (active users or
// memberships), or def when the limit is not set.
func (l Limit) Resolve(base int, def func(base int) int) int {
	if !l.Set {
		return def(base)
	}
	if l.Percent {
		return base * l.Value / 100
	}
	return l.Value
}

// Policy is the manifest's policy section.
type Policy struct {
	// UnmanagedUsers is UnmanagedIgnore (default) or UnmanagedDeactivate.
	UnmanagedUsers UnmanagedPolicy `json:"unmanagedUsers"`
	// Protected are lower-cased emails or path.Match globs: never
	// deactivated, never removed from a team.
	Protected         []string `json:"protected,omitempty"`
	MaxDeactivations  Limit    `json:"maxDeactivations"`
	MaxMemberRemovals Limit    `json:"maxMemberRemovals"`
	// UnreportedRoles is RolesSkip (default) or RolesEnforce.
	UnreportedRoles UnreportedRolesPolicy `json:"unreportedRoles,omitempty"`
	// UnmanagedGracePeriod spares unmanaged users created more recently
	// from deactivation (0 disables it). The loader fills the default.
	UnmanagedGracePeriod time.Duration `json:"unmanagedGracePeriod"`
}

// IsProtected reports whether the email (or userName) matches a protected
// entry, trying each in turn: the reference a Protector (which the planner
// and the loader use) must agree with.
func (p Policy) IsProtected(email string) bool {
	k := Key(email)
	for _, pat := range p.Protected {
		if MatchesProtected(pat, k) {
			return true
		}
	}
	return false
}

// MatchesProtected reports whether the lower-cased protected entry pat (an
// email or a path.Match glob) covers the key k. Unlike in a path, * and ?
// match / too (a/b@example.com is a valid email): / is matched as a
// character no email holds.
func MatchesProtected(pat, k string) bool {
	if pat == k {
		return true
	}
	if strings.IndexByte(k, '/') >= 0 || strings.IndexByte(pat, '/') >= 0 {
		pat, k = strings.ReplaceAll(pat, "/", "\x00"), strings.ReplaceAll(k, "/", "\x00")
	}
	ok, err := path.Match(pat, k)
	return err == nil && ok
}

// Key normalises an email or userName for matching: trimmed, in Unicode's
// composed form (NFC: é as one character or as e and a combining accent
// is the same key) and case-folded (Lower). A string already in that form
// (the common case: ASCII, lower-case, no surrounding space) is returned
// as is, without a copy. A character outside ASCII whose case fold is an
// ASCII letter (the Kelvin sign K, the dotted capital İ, the long s ſ) is
// kept as it is: a look-alike of an ASCII name never takes that name's
// key.
func Key(s string) string {
	if n := len(s); n > 0 && isSpaceFree(s[0]) && isSpaceFree(s[n-1]) {
		i := 0
		for ; i < n; i++ {
			c := s[i]
			if c >= 0x80 || ('A' <= c && c <= 'Z') {
				break
			}
		}
		if i == n {
			return s
		}
	}
	return Lower(strings.TrimSpace(s))
}

// Lower is s as Key folds it (without trimming): composed (NFC), then
// each character mapped to one member of its case-folding class, the
// lower case of its upper case (so that Σ, σ and the final ς, or µ and μ,
// fold alike, as strings.EqualFold has them), then composed again. Every
// comparison "ignoring case" of names (protected entries, team names in
// teamRoles) goes through it, so that they agree with Key. The three
// characters whose composed form is ASCII (the Kelvin sign, the Greek
// question mark and varia) are kept as they are, as Key keeps look-alikes.
func Lower(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return strings.Map(lowerKey, s)
	}
	var b strings.Builder
	b.Grow(len(s))
	start := 0
	for j, r := range s[i:] {
		if r == 0x212a || r == 0x37e || r == 0x1fef {
			j += i
			b.WriteString(foldComposed(s[start:j]))
			b.WriteRune(r)
			start = j + utf8.RuneLen(r)
		}
	}
	if start == 0 {
		return foldComposed(s)
	}
	b.WriteString(foldComposed(s[start:]))
	return b.String()
}

// Composed is s in Unicode's composed form (NFC), the form names are
// compared in.
func Composed(s string) string { return norm.NFC.String(s) }

// LookAlike folds s for telling look-alikes apart from other names, never
// for matching: in Unicode's compatibility form (NFKC: the Kelvin sign is
// K, a fullwidth ｋ is k, ﬁ is fi), then case-folded as by strings.ToLower.
// Two names with one LookAlike read alike to a person though their Keys
// differ (Key keeps such characters apart).
func LookAlike(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	return strings.ToLower(norm.NFKC.String(s))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// foldComposed is s composed, folded and composed again (see Lower).
func foldComposed(s string) string {
	return norm.NFC.String(strings.Map(lowerKey, norm.NFC.String(s)))
}

// lowerKey is r case-folded, unless r is outside ASCII and its fold is
// not (see Key).
func lowerKey(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	l := unicode.ToLower(unicode.ToUpper(r))
	if l < utf8.RuneSelf {
		return r
	}
	return l
}

// isSpaceFree reports whether the byte is not ASCII white space.
func isSpaceFree(c byte) bool {
	return c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f'
}

// fewTeamRoles is how many teamRoles entries TeamRole scans; a user with
// more is looked up through FoldTeamRoles.
const fewTeamRoles = 16

// TeamRole is the role a user's teamRoles (roles, by team name) gives
// team: the entry for its exact name, else the smallest name equal to it
// ignoring case (Lower), else "". folded is FoldTeamRoles(roles)
// or nil; it is needed only when roles has more than a few entries (a
// server may list any number for one user, and scanning them for every
// team would take time in their product).
func TeamRole(roles map[string]Role, team string, folded map[string]string) Role {
	if r, ok := roles[team]; ok {
		return r
	}
	if len(roles) > fewTeamRoles && folded != nil {
		if name, ok := folded[Lower(team)]; ok {
			return roles[name]
		}
		return ""
	}
	best, found, want := "", false, Lower(team)
	for name := range roles {
		if Lower(name) == want && (!found || name < best) {
			best, found = name, true
		}
	}
	if !found {
		return ""
	}
	return roles[best]
}

// FoldTeamRoles indexes a user's teamRoles for TeamRole: each name's
// Lower form → the smallest name with that form. Nil when roles has only a
// few entries (TeamRole scans those).
func FoldTeamRoles(roles map[string]Role) map[string]string {
	if len(roles) <= fewTeamRoles {
		return nil
	}
	out := make(map[string]string, len(roles))
	for name := range roles {
		k := Lower(name)
		if have, ok := out[k]; !ok || name < have {
			out[k] = name
		}
	}
	return out
}
