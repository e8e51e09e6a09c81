package plan

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// UserText names the user of a change for a person: User, or
// "handle (User)" for a change about a live user the manifest does not
// list whose handle (Username) differs from its email. A create_user shows
// its Username among the attributes instead (CreateAttrs).
func UserText(c Change) string {
	if c.Username != "" && c.Action != CreateUser {
		return c.Username + " (" + c.User + ")"
	}
	return c.User
}

// Describe returns a one-line human description of a change, as the apply
// report and stale-plan diffs show it.
func Describe(c Change) string {
	var s string
	user := UserText(c)
	switch c.Action {
	case CreateUser:
		s = "create user " + user + CreateAttrs(c)
	case CreateTeam:
		s = "create team " + c.Team
	case ReactivateUser:
		s = "reactivate user " + user
	case UpdateUser:
		s = fmt.Sprintf("update user %s: %s", user, UpdateText(c))
	case AddMember:
		s = fmt.Sprintf("add %s to team %s as %s", user, c.Team, RoleText(RoleOrMember(c.Role)))
	case SetOrgRole:
		s = fmt.Sprintf("set the org role of %s to %s", user, RoleText(c.Role))
		if c.From != "" {
			s = fmt.Sprintf("set the org role of %s: %s → %s", user, RoleText(model.Role(c.From)), RoleText(c.Role))
		}
	case SetTeamRole:
		s = fmt.Sprintf("set the role of %s in team %s to %s", user, c.Team, RoleText(c.Role))
		if c.From != "" {
			s = fmt.Sprintf("set the role of %s in team %s: %s → %s", user, c.Team, RoleText(model.Role(c.From)), RoleText(c.Role))
		}
	case RemoveMember:
		s = fmt.Sprintf("remove %s from team %s", user, c.Team)
		if c.TakesAdmin() {
			s += ", a team admin"
		}
	case DeactivateUser:
		s = "deactivate user " + user
		switch c.From {
		case "":
		case RoleUnreported:
			s += ", whose org role is not reported" // it may be the admin
		default:
			s += ", an " + c.From // "an admin": apply keeps an admin
		}
	default:
		s = fmt.Sprintf("%s user=%q team=%q", c.Action, user, c.Team)
	}
	if c.Reason != "" {
		s += " (" + c.Reason + ")"
	}
	return s
}

// RoleOrMember is r, or member when r is empty.
func RoleOrMember(r model.Role) model.Role {
	if r == "" {
		return model.RoleMember
	}
	return r
}

// RoleText shows a role for a person: a predefined role, or a custom one of
// plain characters (ASCII letters and digits, "-", "_", ".", ":", "/", and
// single spaces inside), as it is; any other name quoted as %q does, which
// escapes the spaces that are not U+0020 ("Team\u00a0Admin"), so that two
// roles never read alike: a custom role with an edge space ("admin "), one
// in another script ("аdmin", quoted beside admin) or holding an arrow
// ("viewer → admin") never reads as another role or as a change. A custom
// role's name comes from the server, or from a manifest under review.
func RoleText(r model.Role) string {
	s := string(r)
	if plainRole(s) {
		return s
	}
	return sanitize.Quote(s)
}

// plainRole reports whether RoleText shows s as it is.
func plainRole(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' || strings.Contains(s, "  ") {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '_', c == '.', c == ':', c == '/', c == ' ':
		default:
			return false
		}
	}
	return true
}

// CreateAttrs shows the attributes a created user gets: " with username
// ..., name ..., externalId ..." or "".
func CreateAttrs(c Change) string {
	var a []string
	if c.Username != "" {
		a = append(a, "username "+sanitize.Quote(c.Username))
	}
	if c.Name != "" {
		a = append(a, "name "+sanitize.Quote(c.Name))
	}
	if c.ExternalID != "" {
		a = append(a, "externalId "+sanitize.Quote(c.ExternalID))
	}
	replaced := ""
	if c.FromEmail != "" {
		// An invitation again of an account that went by another email.
		replaced = ", in place of the deactivated account " + sanitize.Quote(c.FromEmail)
	}
	if len(a) == 0 {
		return replaced
	}
	return " with " + strings.Join(a, ", ") + replaced
}

// UpdateText shows what update_user changes.
func UpdateText(c Change) string {
	var a []string
	// The email first: a change of the account's identity must never sit
	// past a long display name, out of a reviewer's view.
	if c.Email != "" {
		e := "email " + sanitize.Quote(c.FromEmail) + " → " + sanitize.Quote(c.Email)
		if dropped := c.DroppedEmails.Values(); len(dropped) > 0 {
			q := make([]string, len(dropped))
			for i, k := range dropped {
				q[i] = sanitize.Quote(k)
			}
			e += ", removing the user's other email(s) " + strings.Join(q, ", ")
		}
		a = append(a, e)
	}
	if c.ExternalID != "" {
		a = append(a, "externalId "+sanitize.Quote(c.FromExternalID)+" → "+sanitize.Quote(c.ExternalID))
	}
	if c.Name != "" {
		a = append(a, "name "+sanitize.Quote(c.From)+" → "+sanitize.Quote(c.Name))
	}
	return strings.Join(a, ", ")
}

// Equal reports whether two plans do the same thing: the same changes in
// the same order and the same blocks. Digests, target, limits and warnings
// are not compared.
func Equal(a, b Plan) bool {
	return slices.Equal(a.Changes, b.Changes) && slices.Equal(a.Blocked, b.Blocked)
}

// ChangesDiff returns human lines saying how the changes (and blocks) of
// plan now differ from those of plan saved: "- ..." for what is no longer
// planned, "+ ..." for what is newly planned. It is empty exactly when
// Equal(saved, now).
//
// A change that reads the same on both sides differs in what Describe does
// not show. When that is only the ids (a user or team that now exists,
// such as one an interrupted apply created, or exists no more), the pair is
// one "~" line giving both ids, after the others, since it is the same
// work. Any other look-alike (an edited plan file) ends with its ids.
func ChangesDiff(saved, now Plan) []string {
	lines := []string{}
	blocked := func(b Block) string { return "blocked by " + string(b.Limit) + ": " + b.Message }
	gone, added := missingFrom(saved.Changes, now.Changes), missingFrom(now.Changes, saved.Changes)
	describe := func(cs []Change) []string {
		ds := make([]string, len(cs))
		for i, c := range cs {
			ds[i] = Describe(c)
		}
		return ds
	}
	goneText, addedText := describe(gone), describe(added)
	// Pair each added change with a gone one that reads the same, one to
	// one, in order.
	goneByText := map[string][]int{} // a key for every gone change's text
	for i, d := range goneText {
		goneByText[d] = append(goneByText[d], i)
	}
	pairedGone, pairedAdded := make([]bool, len(gone)), make([]bool, len(added))
	var relabelled []string
	withoutIDs := func(c Change) Change {
		c.UserID, c.TeamID = "", ""
		return c
	}
	for j, c := range added {
		d := addedText[j]
		if is := goneByText[d]; len(is) > 0 && withoutIDs(gone[is[0]]) == withoutIDs(c) {
			i := is[0]
			goneByText[d] = is[1:]
			pairedGone[i], pairedAdded[j] = true, true
			relabelled = append(relabelled, fmt.Sprintf("~ the same change, with other ids: %s [%s]", d, idChanges(gone[i], c)))
		}
	}
	// A look-alike left unpaired ends with its ids, and every other field
	// in which it differs from the first change of the other plan that
	// reads the same (a removal's from, its team role, which a plan of an
	// earlier wbsync version lacks; a field edited into the file): the two
	// lines never read alike.
	firstOf := func(cs []Change, texts []string) map[string]Change {
		m := map[string]Change{}
		for i, d := range texts {
			if _, ok := m[d]; !ok {
				m[d] = cs[i]
			}
		}
		return m
	}
	firstGone, firstAdded := firstOf(gone, goneText), firstOf(added, addedText)
	withIDs := func(d string, c Change, other map[string]Change) string {
		o, lookAlike := other[d]
		if !lookAlike {
			return d
		}
		parts := []string{"user_id " + sanitize.Quote(c.UserID), "team_id " + sanitize.Quote(c.TeamID)}
		for _, f := range otherFields(c, o) {
			parts = append(parts, f.name+" "+sanitize.Quote(f.value))
		}
		return d + " [" + strings.Join(parts, ", ") + "]"
	}
	// A change both plans hold, a different number of times (a plan file
	// edited to list one twice), is said as such: "no longer planned"
	// would read as if it were not done at all.
	count := func(cs []Change) map[Change]int {
		n := map[Change]int{}
		for _, c := range cs {
			n[c]++
		}
		return n
	}
	var savedN, nowN map[Change]int
	timesSaid := map[Change]bool{}
	times := func(c Change) (string, bool) {
		if savedN == nil {
			savedN, nowN = count(saved.Changes), count(now.Changes)
		}
		if savedN[c] == 0 || nowN[c] == 0 {
			return "", false
		}
		if timesSaid[c] {
			return "", true
		}
		timesSaid[c] = true
		return fmt.Sprintf("~ listed %d time(s) in the plan file, planned %d time(s) now: %s", savedN[c], nowN[c], Describe(c)), true
	}
	for i, c := range gone {
		if !pairedGone[i] {
			if l, ok := times(c); ok {
				if l != "" {
					lines = append(lines, l)
				}
				continue
			}
			lines = append(lines, "- no longer planned: "+withIDs(goneText[i], c, firstAdded))
		}
	}
	for j, c := range added {
		if !pairedAdded[j] {
			if l, ok := times(c); ok {
				if l != "" {
					lines = append(lines, l)
				}
				continue
			}
			lines = append(lines, "+ now planned: "+withIDs(addedText[j], c, firstGone))
		}
	}
	lines = append(lines, relabelled...)
	for _, b := range missingFrom(saved.Blocked, now.Blocked) {
		lines = append(lines, "- no longer "+blocked(b))
	}
	for _, b := range missingFrom(now.Blocked, saved.Blocked) {
		lines = append(lines, "+ now "+blocked(b))
	}
	if len(lines) == 0 && !Equal(saved, now) {
		lines = append(lines, "~ the same changes, in a different order")
	}
	return lines
}

// Staleness returns human lines saying why a saved plan no longer holds
// against plan now, computed from the same manifest against the
// organization as it reads at apply time; it is empty when the saved plan
// may be applied. A plan is stale when its changes or blocks differ
// (ChangesDiff, and the warnings given now that saved lacks), and also
// when they do not but the organization read
// differs from the one the plan was made from (the observed fingerprint):
// what the approver reviewed (seats, warnings, who is in which team) is no
// longer what is there, as with Terraform's stale saved plans.
func Staleness(saved, now Plan) []string {
	lines := ChangesDiff(saved, now)
	if len(lines) > 0 {
		// A warning given now is often why a change is no longer planned
		// (two accounts claiming one email: ambiguous_user).
		return append(lines, newWarnings(saved.Warnings, now.Warnings)...)
	}
	if saved.ObservedFingerprint == now.ObservedFingerprint {
		return lines
	}
	var known []string // what the two plans themselves tell
	if saved.Seats != now.Seats {
		known = append(known, fmt.Sprintf("~ seats: the plan said %d active → %d active; now %d active → %d active",
			saved.Seats.ActiveBefore, saved.Seats.ActiveAfter, now.Seats.ActiveBefore, now.Seats.ActiveAfter))
	}
	known = append(known, warningsDiff(saved.Warnings, now.Warnings)...)
	which := "so it cannot say which"
	if len(known) > 0 {
		which = "so, apart from the lines below, it cannot say which"
	}
	lines = append(lines, fmt.Sprintf("~ the same changes, but the organization read differs from the one the plan was made from (observed_fingerprint %s, now %s): something the plan does not change did, such as a user's name or role or a member the manifest does not manage (a plan holds no copy of the organization read, %s)",
		saved.ObservedFingerprint, now.ObservedFingerprint, which))
	return append(lines, known...)
}

// newWarnings is the NowWarned lines of warningsDiff: the warnings of now
// that saved lacks.
func newWarnings(saved, now []Warning) []string {
	var out []string
	for _, l := range warningsDiff(saved, now) {
		if strings.HasPrefix(l, NowWarned) {
			out = append(out, l)
		}
	}
	return out
}

// The lines of warningsDiff start with these.
const (
	NowWarned      = "+ now warned: "
	NoLongerWarned = "- no longer warned: "
)

// warningsDiff returns NowWarned lines for each warning of now that saved
// lacks and NoLongerWarned lines for each the other way round,
// by what a warning is about (code, team, user, ids, entry): a message that only
// counts or dates differently is the same warning.
func warningsDiff(saved, now []Warning) []string {
	// A manifest_unreviewable warning is about the files a plan was made
	// from, which a saved plan's embedded manifest and a plan made again
	// from it do not have: never a difference.
	aboutFiles := func(w Warning) bool { return w.Code == WarnManifestUnreviewable }
	saved, now = slices.DeleteFunc(slices.Clone(saved), aboutFiles), slices.DeleteFunc(slices.Clone(now), aboutFiles)
	type about struct{ code, team, user, username, ids, entry string }
	keys := func(ws []Warning) []about {
		out := make([]about, len(ws))
		for i, w := range ws {
			out[i] = about{string(w.Code), w.Team, w.User, w.Username, strings.Join(w.IDs, "\x00"), w.Entry}
		}
		return out
	}
	text := func(w Warning) string { return string(w.Code) + ": " + w.Message }
	savedKeys, nowKeys := keys(saved), keys(now)
	var lines []string
	for _, i := range missingIndexes(nowKeys, savedKeys) {
		lines = append(lines, NowWarned+text(now[i]))
	}
	for _, i := range missingIndexes(savedKeys, nowKeys) {
		lines = append(lines, NoLongerWarned+text(saved[i]))
	}
	return lines
}

// missingFrom returns the elements of a that b lacks, counting repeats (a
// multiset difference), in a's order.
func missingFrom[T comparable](a, b []T) []T {
	var out []T
	for _, i := range missingIndexes(a, b) {
		out = append(out, a[i])
	}
	return out
}

// missingIndexes returns the indexes in a of the elements b lacks,
// counting repeats, in a's order.
func missingIndexes[T comparable](a, b []T) []int {
	count := make(map[T]int, len(b))
	for _, x := range b {
		count[x]++
	}
	var out []int
	for i, x := range a {
		if count[x] > 0 {
			count[x]--
			continue
		}
		out = append(out, i)
	}
	return out
}

// field is one field of a Change, by its JSON name, and c's value of it.
type field struct{ name, value string }

// otherFields lists the fields of c, but for its action and ids, whose
// value differs in o, by their JSON names (every field of a Change is a
// string).
func otherFields(c, o Change) []field {
	var out []field
	cv, ov := reflect.ValueOf(c), reflect.ValueOf(o)
	for i := range cv.NumField() {
		f := cv.Type().Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "action" || name == "user_id" || name == "team_id" {
			continue
		}
		if v := cv.Field(i).String(); v != ov.Field(i).String() {
			out = append(out, field{name, v})
		}
	}
	return out
}

// idChanges lists the ids that differ between a saved change and the
// same change planned now (`user_id "" → "u1"`): an id that stayed is
// left out, so the one that moved need not be found between two long
// opaque strings.
func idChanges(was, now Change) string {
	var s []string
	if was.UserID != now.UserID {
		s = append(s, "user_id "+sanitize.Quote(was.UserID)+" → "+sanitize.Quote(now.UserID))
	}
	if was.TeamID != now.TeamID {
		s = append(s, "team_id "+sanitize.Quote(was.TeamID)+" → "+sanitize.Quote(now.TeamID))
	}
	return strings.Join(s, ", ")
}
