package desired

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// atTopLevel names the manifest's root mapping in messages (and says to
// the key checks which mapping they are in).
const atTopLevel = "at the top level"

// The keys each manifest object accepts, in documentation order, and their
// indexes (the loader switches on them). The JSON Schema
// (schema/manifest.schema.json) is tested against these tables.
var (
	topKeys    = []string{"version", "policy", "users", "teams"}
	policyKeys = []string{"unmanagedUsers", "protected", "limits", "unreportedRoles", "unmanagedGracePeriod"}
	limitKeys  = []string{"maxDeactivations", "maxMemberRemovals"}
	userKeys   = []string{"email", "username", "name", "externalId", "orgRole", "active"}
	teamKeys   = []string{"name", "id", "membership", "members"}
	memberKeys = []string{"email", "role"}
)

const (
	topVersion = iota
	topPolicy
	topUsers
	topTeams
)

const (
	polUnmanaged = iota
	polProtected
	polLimits
	polUnreported
	polGrace
)

const (
	limDeactivations = iota
	limRemovals
)

const (
	userEmail = iota
	userUsername
	userName
	userExternalID
	userOrgRole
	userActive
)

const (
	teamName = iota
	teamID
	teamMembership
	teamMembers
)

const (
	memberEmail = iota
	memberRole
)

// The values enumerated fields accept, in lower case; the loader accepts
// them in any case (enum) and keeps them lower-cased.
var (
	unmanagedValues  = []string{"ignore", "deactivate"}
	unreportedValues = []string{"skip", "enforce"}
	orgRoleValues    = []string{string(model.RoleAdmin), string(model.RoleMember)}
	membershipValues = []string{"authoritative", "additive"}
)

// SupportedVersion is the only manifest version this package reads.
const SupportedVersion = 1

// emailPattern is what a well-formed email looks like: an ASCII local part
// of atoms joined by dots, "@", and a domain of at least two DNS labels. The
// JSON Schema uses the same pattern; validEmail implements it.
const emailPattern = "^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*" +
	"@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\\.)+[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$"

// percentPattern is a limit given as a percentage, 0% to 100%.
const percentPattern = "^(100|[1-9]?[0-9])%$"

// gracePattern is policy.unmanagedGracePeriod: 0, whole days, or a
// non-negative Go duration (time.ParseDuration's units).
const gracePattern = `^(0|[0-9]+d|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$`

// usernameChars is a class of what a username may not hold anywhere:
// whitespace (Unicode White_Space, and U+FEFF, as ECMAScript's \s has it),
// control characters and noncharacters; usernameSpacePattern is a username made of
// anything else (the loader's first check, with its own message).
const (
	usernameChars        = "\\s\\x00-\\x1f\\x7f-\\x9f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\ufdd0-\ufdef\ufffe\uffff"
	usernameSpacePattern = "^[^" + usernameChars + "]+$"
)

// usernamePattern is a username: usernameSpacePattern, and no character
// that draws nothing at either end (edgeChars, as a team name). It is
// written so that Go and ECMAScript read it alike (the JSON Schema holds the
// same pattern, with maxLength for the length).
const usernamePattern = "^[^" + usernameChars + edgeChars + "]([^" + usernameChars + "]*[^" + usernameChars + edgeChars + "])?$"

// spaceChars is a regular expression class's contents: what the loader
// takes as space (strings.TrimSpace's Unicode White_Space), spelled out so
// that Go and ECMAScript read it alike (ECMAScript's \s adds U+FEFF).
const spaceChars = "\\t\\n\\x0b\\f\\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

// textPattern is a user's name: not only spaces, and no character
// unwritable refuses (TextProblem; up to U+FFFF).
const textPattern = "^[^" + unwritableChars + "]*[^" + spaceChars + unwritableChars + "][^" + unwritableChars + "]*$"

// externalIDPattern is a user's externalId: ExternalIDProblem's rule, a
// team name's (teamNamePattern).
const externalIDPattern = teamNamePattern

// trimmedPattern is a team's id pin: no space at either end.
const trimmedPattern = "^[^" + spaceChars + "]([\\s\\S]*[^" + spaceChars + "])?$"

// unwritableChars is a class of what unwritable refuses up to U+FFFF, and
// edgeChars adds what a team name may not start or end with either: white
// space and the characters that draw nothing (TeamNameProblem).
const (
	unwritableChars = "\\x00-\\x1f\\x7f-\\x9f\u2028\u2029\ufdd0-\ufdef\ufffe\uffff"
	edgeChars       = "\\x00-\\x20\\x7f-\\xa0\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u1680\u17b4\u17b5\u180b-\u180f" +
		"\u2000-\u200f\u2028-\u202f\u205f-\u206f\u2800\u3000\u3164\ufdd0-\ufdef\ufeff\uffa0\ufff9-\ufffb\ufffe\uffff"
)

// teamNamePattern is a team name or a member's team role:
// TeamNameProblem's rule, and no space at either end.
const teamNamePattern = "^[^" + edgeChars + "]([^" + unwritableChars + "]*[^" + edgeChars + "])?$"

var (
	percentRE  = regexp.MustCompile(percentPattern)
	usernameRE = regexp.MustCompile(usernameSpacePattern)
)

// validEmail reports whether s matches emailPattern and is at most
// caps.Email bytes long (model.ValidEmail, without a regular expression:
// it runs for every member of every team).
func validEmail(s string) bool { return len(s) <= caps.Email && model.ValidEmail(s) }

// emailProblem returns why s is not a well-formed email, or "" when it is.
func emailProblem(s string) string {
	if validEmail(s) {
		return ""
	}
	switch at := strings.Count(s, "@"); {
	case s == "":
		return "it is empty"
	case len(s) > caps.Email:
		return fmt.Sprintf("it is %d characters long: at most %d", len(s), caps.Email)
	case strings.ContainsAny(s, " \t\r\n"):
		return "it contains whitespace"
	case at == 0:
		return "it has no @"
	case at > 1:
		return "it has more than one @"
	}
	local, domain, _ := strings.Cut(s, "@")
	switch {
	case local == "":
		return "nothing before the @"
	case domain == "":
		return "nothing after the @"
	case !strings.Contains(domain, "."):
		return "the domain has no dot"
	}
	return "it is not of the form name@example.com"
}

// addressProblem returns why s cannot name an account in protected, or ""
// when it can: besides what emailProblem accepts, any address a server may
// hold that a manifest user may not declare (a dotless domain such as
// admin@localhost, letters outside ASCII, a quoted local part, a trailing
// dot), so that such an account can still be kept from deactivation: an @
// with text on both sides, and no white space, control or invisible
// character.
func addressProblem(s string) string {
	if validEmail(s) {
		return ""
	}
	at := strings.LastIndexByte(s, '@')
	switch {
	case at < 0:
		return "it has no @"
	case at == 0:
		return "nothing before the @"
	case at == len(s)-1:
		return "nothing after the @"
	case strings.IndexByte(s[:at], '@') >= 0 && s[0] != '"':
		return "it has more than one @" // only a quoted local part may hold one
	case strings.ContainsFunc(s, unicode.IsSpace) || invisible(s):
		return "it contains white space, a control character or an invisible one"
	}
	return ""
}

// TeamNameProblem returns why name cannot be a manifest team's, or "": a
// control character or noncharacter anywhere (a team named NUL, or with a
// line break, cannot be meant; YAML refuses them written raw, and an escape
// writes them all the same), or a character that draws nothing at either
// end (ml-research with a zero-width space after it reads as ml-research in
// a diff, and is another team; spaces at either end have their own
// message). A member's team role follows the same rule (admin with a
// zero-width space after it reads as admin, and is a custom role). The
// loader and export share it: what export cannot write, it leaves out with
// its reason; the plan's advice for an unmanaged team
// (diff.Options.TeamNameProblem) does not tell the user to list it.
func TeamNameProblem(name string) string {
	if why := TextProblem(name); why != "" {
		return why
	}
	return invisibleEnd(name, "the name")
}

// invisibleEnd says which character at one end of name draws nothing
// (a zero-width space or joiner, a soft hyphen, a direction mark, any
// format character), where it reads as the name without it: "" when
// neither does. A space has its own messages. what names the value in the
// message ("the name", "the id").
func invisibleEnd(name, what string) string {
	if name == "" {
		return ""
	}
	first, _ := utf8.DecodeRuneInString(name)
	last, n := utf8.DecodeLastRuneInString(name)
	beforeLast, _ := utf8.DecodeLastRuneInString(name[:len(name)-n])
	if len(name) == n {
		beforeLast = -1
	}
	for k, e := range [][2]rune{{-1, first}, {beforeLast, last}} {
		if k == 1 && flagTagged(name) {
			continue // a subdivision flag (🏴 and its tags) draws
		}
		if r := e[1]; !unicode.IsSpace(r) && sanitize.InvisibleAfter(e[0], r, "") { // every format character among them
			return fmt.Sprintf("has the invisible character U+%04X at one end, where it reads as %s without it", r, what)
		}
	}
	return ""
}

// TextProblem returns why s, a name or externalId, cannot be written: it
// holds a control character (a line break, ESC, NUL), a line or paragraph
// separator, or a noncharacter; "" when it can.
func TextProblem(s string) string {
	if i := strings.IndexFunc(s, unwritable); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return fmt.Sprintf("holds the control character or noncharacter U+%04X", r)
	}
	return ""
}

// ExternalIDProblem returns why s cannot be a manifest's externalId: what
// TextProblem refuses, or a space or a character that draws nothing at
// one end (an identity provider's ids have neither, and externalId is
// compared exactly: one pasted with either would replace the live id with
// one the identity provider never sends); "" when it can.
func ExternalIDProblem(s string) string {
	if why := TextProblem(s); why != "" {
		return why
	}
	if strings.TrimSpace(s) != s {
		return "has a space at one end"
	}
	return invisibleEnd(s, "the id")
}

// flagTagged reports whether name ends with an emoji tag sequence: the
// black flag U+1F3F4, tag characters (U+E0020 to U+E007E) and the cancel
// tag U+E007F, as the flags of Scotland, Wales and England are written.
// The tags draw as part of the flag.
func flagTagged(name string) bool {
	rest, ok := strings.CutSuffix(name, "\U000E007F")
	if !ok {
		return false
	}
	tags := 0
	for {
		r, n := utf8.DecodeLastRuneInString(rest)
		if r < 0xe0020 || r > 0xe007e {
			break
		}
		rest, tags = rest[:len(rest)-n], tags+1
	}
	return tags > 0 && strings.HasSuffix(rest, "\U0001F3F4")
}

// unwritable reports whether r is a control character (C0, DEL, C1), a
// line or paragraph separator, or a Unicode noncharacter (U+FDD0 to
// U+FDEF, and the last two code points of every plane).
func unwritable(r rune) bool {
	return unicode.IsControl(r) || r == 0x2028 || r == 0x2029 || sanitize.Noncharacter(r)
}

// invisible reports whether s holds a control or invisible character (a
// zero-width space, a soft hyphen, a direction override): a protected
// entry pasted with one looks right and protects no one.
func invisible(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsGraphic(r) })
}

// Suggest returns the candidate closest to s when s is a likely
// misspelling of it (same letters up to case, or at most two edits away;
// one for a candidate of four letters or fewer), else "": the one rule of
// every "did you mean" for a name a person types (manifest keys and
// values, commands, flags).
func Suggest(s string, candidates []string) string {
	best, bestD := "", 3
	if len(s) > caps.SuggestKey {
		return "" // no key is that long: nothing to suggest, and no quadratic work
	}
	for _, c := range candidates {
		if strings.EqualFold(s, c) {
			return c
		}
		limit := 2
		if len(c) <= 4 {
			limit = 1
		}
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d <= limit && d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal-string-alignment distance between a and b
// (Levenshtein plus adjacent transpositions, over bytes).
func editDistance(a, b string) int {
	if len(a) > caps.SuggestKey || len(b) > caps.SuggestKey {
		return 99
	}
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// oneOf formats allowed values for a message: "a, b or c".
func oneOf(vals []string) string {
	switch len(vals) {
	case 0:
		return ""
	case 1:
		return vals[0]
	}
	return strings.Join(vals[:len(vals)-1], ", ") + " or " + vals[len(vals)-1]
}

func contains(vals []string, s string) bool {
	for _, v := range vals {
		if v == s {
			return true
		}
	}
	return false
}
