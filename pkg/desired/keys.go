package desired

import (
	"regexp"
	"strings"
)

// The keys each manifest object accepts, in documentation order. The JSON
// Schema (schema/manifest.schema.json) is tested against these tables.
var (
	topKeys    = []string{"version", "policy", "users", "teams"}
	policyKeys = []string{"unmanagedUsers", "protected", "limits"}
	limitKeys  = []string{"maxDeactivations", "maxMemberRemovals"}
	userKeys   = []string{"email", "name", "externalId", "orgRole", "active"}
	teamKeys   = []string{"name", "id", "membership", "members"}
	memberKeys = []string{"email", "role"}
)

// The values enumerated fields accept.
var (
	unmanagedValues  = []string{"ignore", "deactivate"}
	orgRoleValues    = []string{"admin", "member"}
	membershipValues = []string{"authoritative", "additive"}
	// predefinedRoles are the team roles W&B predefines; any other non-empty
	// role name is a custom role.
	predefinedRoles = []string{"admin", "member", "viewer"}
)

// SupportedVersion is the only manifest version this package reads.
const SupportedVersion = 1

// emailPattern is what a well-formed email looks like: an ASCII local part
// of atoms joined by dots, "@", and a domain of at least two DNS labels. The
// JSON Schema uses the same pattern.
const emailPattern = "^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*" +
	"@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\\.)+[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$"

// percentPattern is a limit given as a percentage, 0% to 100%.
const percentPattern = "^(100|[1-9]?[0-9])%$"

var (
	emailRE   = regexp.MustCompile(emailPattern)
	percentRE = regexp.MustCompile(percentPattern)
)

// emailProblem returns why s is not a well-formed email, or "" when it is.
func emailProblem(s string) string {
	if emailRE.MatchString(s) {
		return ""
	}
	switch at := strings.Count(s, "@"); {
	case s == "":
		return "it is empty"
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

// suggest returns the candidate closest to s when s is a likely misspelling
// of it (same letters up to case, or at most two edits away), else "".
func suggest(s string, candidates []string) string {
	best, bestD := "", 3
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
	if len(a) > 64 || len(b) > 64 {
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
