package doctor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/wbsync/wbsync/pkg/model"
)

// userShape is what the shapes check needs of one raw User.
type userShape struct {
	userName string
	emails   string // one of the email forms below
	active   bool   // it carries active (not null)
	inTeams  bool   // it names a team it is in (teamRoles or groups, not empty)
}

// The forms of a User's emails.
const (
	emailsArray    = "RFC array"
	emailsArrayCap = "RFC array with capitalised keys"
	emailsLegacy   = "legacy single object with capitalised keys"
	emailsObject   = "single object"
	emailsString   = "a string"
	emailsAbsent   = "absent or empty"
	emailsOther    = "not an array or object"
)

// teamShape is what the shapes check needs of one raw Group.
type teamShape struct {
	members string // "missing", "null", "[]" or "list"
	keys    string // for a list: "value/display", "Value/Display" or what it is
}

// member is one member of a JSON object, as written.
type member struct {
	key string
	val json.RawMessage
}

// fields decodes a JSON object into its members, in order (nil when it is
// not one).
func fields(raw json.RawMessage) []member {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var m []member
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		k, _ := t.(string)
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			return nil
		}
		m = append(m, member{k, v})
	}
	return m
}

// field returns the member name of m, matched case-insensitively (SCIM
// attribute names are case-insensitive): the last one, as the reader
// takes it, so that a key written twice ("active", then "Active") reads
// here as the plan reads it.
func field(m []member, name string) (json.RawMessage, bool) {
	for i := len(m) - 1; i >= 0; i-- {
		if strings.EqualFold(m[i].key, name) {
			return m[i].val, true
		}
	}
	return nil, false
}

func parseUser(raw json.RawMessage) userShape {
	m := fields(raw)
	var u userShape
	if v, ok := field(m, "userName"); ok {
		_ = json.Unmarshal(v, &u.userName)
	}
	u.emails = emailsForm(m)
	if v, ok := field(m, "active"); ok && string(bytes.TrimSpace(v)) != "null" {
		u.active = true
	}
	for _, name := range []string{"teamRoles", "groups"} {
		var l []json.RawMessage
		if v, ok := field(m, name); ok && json.Unmarshal(v, &l) == nil && len(l) > 0 {
			u.inTeams = true
		}
	}
	return u
}

func emailsForm(m []member) string {
	v, ok := field(m, "emails")
	t := bytes.TrimSpace(v)
	switch {
	case !ok || len(t) == 0 || string(t) == "null":
		return emailsAbsent
	case t[0] == '{':
		if capitalised(fields(t)) {
			return emailsLegacy
		}
		return emailsObject
	case t[0] == '"':
		return emailsString // one email, as the read takes it
	case t[0] == '[':
		var items []json.RawMessage
		if json.Unmarshal(t, &items) == nil && len(items) == 0 {
			return emailsAbsent // [] holds no email either
		}
		for _, it := range items {
			if capitalised(fields(it)) {
				return emailsArrayCap
			}
		}
		return emailsArray
	}
	return emailsOther
}

// capitalised says whether an object's keys start with an upper-case
// letter (W&B's legacy "Value", "Primary").
func capitalised(m []member) bool {
	for _, f := range m {
		if k := f.key; k != "" && k[0] >= 'A' && k[0] <= 'Z' {
			return true
		}
	}
	return false
}

func parseTeam(raw json.RawMessage) teamShape {
	v, ok := field(fields(raw), "members")
	t := bytes.TrimSpace(v)
	switch {
	case !ok:
		return teamShape{members: "missing"}
	case string(t) == "null":
		return teamShape{members: "null"}
	}
	var ms []map[string]json.RawMessage
	if json.Unmarshal(t, &ms) != nil {
		return teamShape{members: "list", keys: "not a list of objects"}
	}
	if len(ms) == 0 {
		return teamShape{members: "[]"}
	}
	_, lower := ms[0]["value"]
	_, upper := ms[0]["Value"]
	switch {
	case lower:
		return teamShape{members: "list", keys: "value/display"}
	case upper:
		return teamShape{members: "list", keys: "Value/Display"}
	}
	// Attribute names are case-insensitive (RFC 7643 §2.1), and the read
	// takes any spelling (not quoted: the key is the server's).
	for k := range ms[0] {
		if strings.EqualFold(k, "value") {
			return teamShape{members: "list", keys: "value in another case (read as value)"}
		}
	}
	return teamShape{members: "list", keys: "no value key"}
}

// noTeamToInspect is what Shapes says of an empty team sample.
const noTeamToInspect = "no team to inspect"

// Shapes reports the shapes of the first users and teams the server lists:
// the emails form, whether userName is an email or a handle, the member
// key form and the form of an empty team's members. It warns when there is
// nothing to inspect, when no user carries emails or active, and when no
// team carries a members key.
func Shapes(users, teams []json.RawMessage) Check {
	c := Check{Name: NameShapes, Status: OK}
	if len(users) == 0 && len(teams) == 0 {
		c.Status, c.Detail = Warn, "nothing to inspect: the server lists no user and no team"
		return c
	}
	var parts []string
	inTeams := false // a user names a team it is in
	if len(users) > 0 {
		forms := tally{}
		handles, active := 0, 0
		for _, raw := range users {
			u := parseUser(raw)
			forms.add(u.emails)
			if !strings.Contains(u.userName, "@") {
				handles++
			}
			if u.active {
				active++
			}
			inTeams = inTeams || u.inTeams
		}
		parts = append(parts, "emails: "+forms.String())
		// One email shows per user: a secondary one never does. Said of
		// some users too, as one such user is enough for apply to hold
		// offboarding after a create it cannot explain
		// (docs/troubleshooting.md).
		const oneShown = ": on Multi-tenant Cloud, where a user may hold several, name each user in the manifest by the email the read shows (wbsync export writes it), as another of its emails matches nothing"
		switch single := forms.n[emailsLegacy] + forms.n[emailsObject] + forms.n[emailsString]; {
		case single > 0 && single+forms.n[emailsAbsent] == len(users):
			parts = append(parts, "one email shown per user"+oneShown)
		case single > 0:
			parts = append(parts, fmt.Sprintf("one email shown for %d of the first %d users listed", single, len(users))+oneShown)
		}
		if len(forms.order) == 1 && forms.order[0] == emailsAbsent {
			// Nothing to match or export by but userName.
			c.Status = Warn
			parts = append(parts, "no user carries emails: plans make no email update, and export leaves out every user (it takes the email from emails)")
		}
		switch {
		case handles == 0:
			parts = append(parts, "userName: the email")
		default:
			parts = append(parts, fmt.Sprintf("userName: a handle for %d of the first %d users listed (set username: in the manifest, or start from wbsync export)",
				handles, len(users)))
		}
		if active == 0 {
			// W&B sends active on every user.
			c.Status = Warn
			parts = append(parts, "no user carries active: every user reads as active, so a deactivated one would be planned for deactivation (or left out of reactivation) on every run")
		}
	} else {
		parts = append(parts, "no user to inspect")
	}
	if len(teams) > 0 {
		keys, empty := tally{}, tally{}
		for _, raw := range teams {
			t := parseTeam(raw)
			if t.members == "list" {
				keys.add(t.keys)
			} else {
				empty.add(t.members)
			}
		}
		if len(keys.order) > 0 {
			parts = append(parts, "member keys: "+keys.String())
		}
		if len(empty.order) > 0 {
			parts = append(parts, "empty members: "+empty.String())
			if len(keys.order) == 0 && len(empty.order) == 1 && empty.order[0] == "missing" && inTeams {
				// W&B may leave the key out of an empty team; teams that
				// users say they are in are not empty: a server that sends
				// members only when a team is read alone looks like this.
				// plan, apply and export read each team an active user
				// names alone (observed), one request each, and fail on one
				// that comes without members then too.
				c.Status = Warn
				parts = append(parts, fmt.Sprintf("none of %d teams carries a members key, though users name teams they are in: the server leaves members out of its team list, so plan, apply and export read each team an active user names alone (GET /Groups/{id}, one request each; latency counts them), and fail on one that has no members key then either", len(teams)))
			}
		} else {
			parts = append(parts, "no empty team seen")
		}
	} else {
		parts = append(parts, noTeamToInspect)
	}
	c.Detail = strings.Join(parts, "; ")
	return c
}

// tally counts values in first-seen order.
type tally struct {
	order []string
	n     map[string]int
}

func (t *tally) add(v string) {
	if t.n == nil {
		t.n = map[string]int{}
	}
	if t.n[v] == 0 {
		t.order = append(t.order, v)
	}
	t.n[v]++
}

// String is the one value, or every value with its count when they differ.
func (t tally) String() string {
	if len(t.order) == 1 {
		return t.order[0]
	}
	parts := make([]string, len(t.order))
	for i, v := range t.order {
		parts[i] = fmt.Sprintf("%s (%d)", v, t.n[v])
	}
	return "mixed: " + strings.Join(parts, ", ")
}

// Roles reports whether the full read carried organizationRole and
// teamRoles: without them plans cannot see roles.
func Roles(st model.State) Check {
	if len(st.Users) == 0 {
		return notChecked(NameRoles, "no user to inspect")
	}
	inTeam := map[string]bool{}
	for _, t := range st.Teams {
		for _, m := range t.Members {
			if m.UserID != "" {
				inTeam[m.UserID] = true
			}
		}
	}
	// members: users in some team, where teamRoles can be seen; anyTeam:
	// users that carry teamRoles at all.
	// odd: users whose organizationRole is a value W&B does not define,
	// which plans read as unreported (never as "not an admin")
	org, team, members, anyTeam, odd := 0, 0, 0, 0, 0
	for _, u := range st.Users {
		if u.OrgRole.Predefined() {
			org++
		} else if u.OrgRole != "" {
			odd++
		}
		if u.TeamRoles != nil {
			anyTeam++
		}
		if inTeam[u.ID] {
			members++
			if u.TeamRoles != nil {
				team++
			}
		}
	}
	const enforce = "plans of a manifest that declares roles will warn roles_unreported; set policy.unreportedRoles: enforce to send declared roles anyway"
	c := Check{Name: NameRoles, Status: Warn}
	n := len(st.Users)
	switch {
	case org == n && team == members:
		c.Status, c.Detail = OK, "reads report organizationRole and teamRoles"
	case org == 0 && anyTeam == 0:
		c.Detail = "reads do not report roles: " + enforce + " (a SCIM server other than W&B's may have no role attributes at all and refuse role writes: then declare no roles)"
	case org == 0:
		c.Detail = "reads report teamRoles but not organizationRole: org roles are unknown; " + enforce
	case org == n && anyTeam == 0 && members > 0:
		c.Detail = "reads report organizationRole but not teamRoles: team roles are unknown; " + enforce
	default:
		// Some users carry roles and others not (a server that leaves
		// out a default value): the others' roles are unknown, not member.
		var parts []string
		if org < n {
			parts = append(parts, fmt.Sprintf("organizationRole for %d of %d users", org, n))
		}
		if team < members {
			parts = append(parts, fmt.Sprintf("teamRoles for %d of %d team members", team, members))
		}
		c.Detail = "reads report " + strings.Join(parts, " and ") + ": the others' roles are unknown (not taken as member); " + enforce
	}
	if odd > 0 {
		c.Status = Warn
		// First: it explains why the rest counts those users' org roles
		// as not reported.
		c.Detail = fmt.Sprintf("the organizationRole of %d user(s) is none of admin, member and viewer: plans read it as unreported; ", odd) + c.Detail
	}
	return c
}

// ExternalID reports whether any user carries externalId: when none does,
// wbsync plans no externalId update (external_id_unreported).
func ExternalID(st model.State) Check {
	if len(st.Users) == 0 {
		return notChecked(NameExternalID, "no user to inspect")
	}
	n := 0
	for _, u := range st.Users {
		if u.ExternalID != "" {
			n++
		}
	}
	if n == 0 {
		return Check{Name: NameExternalID, Status: Warn, Detail: fmt.Sprintf(
			"none of %d users carries externalId: plans make no externalId update, and warn external_id_unreported when the manifest sets one", len(st.Users))}
	}
	return Check{Name: NameExternalID, Status: OK, Detail: fmt.Sprintf("%d of %d users carry externalId", n, len(st.Users))}
}

// Created reports whether users carry meta.created, which the grace period
// for just-in-time users needs, and whether a clock is wrong: a user
// created more than an hour ahead of now (this machine's clock, which the
// grace period is measured against), or the server's clock (skew: its
// less this machine's, from an answer's Date header) apart from it by
// more than clockSkew.
func Created(st model.State, now time.Time, skew time.Duration) Check {
	const century = 100 * 365 * 24 * time.Hour
	c := created(st, now)
	if skew.Abs() > clockSkew {
		way := "ahead of"
		if skew < 0 {
			way = "behind"
		}
		amount := model.Rough(skew)
		if skew.Abs() > century {
			// (A difference of time.Time saturates near 292 years.)
			amount = "more than a century"
		}
		c.Status = Warn
		c.Detail += fmt.Sprintf("; the server's clock (its Date header) is %s %s this machine's, which the grace period (policy.unmanagedGracePeriod) is measured against: check this machine's clock",
			amount, way)
	}
	return c
}

// clockSkew is how far the server's clock may be from this machine's
// before doctor says so: clocks set by NTP differ by less than a second.
const clockSkew = 5 * time.Minute

func created(st model.State, now time.Time) Check {
	if len(st.Users) == 0 {
		return notChecked(NameCreated, "no user to inspect")
	}
	n, bad, ahead := 0, 0, 0
	var latest time.Time
	for _, u := range st.Users {
		switch {
		case !u.Created.IsZero():
			n++
			if u.Created.After(now.Add(model.ClockSlack)) {
				ahead++
				if u.Created.After(latest) {
					latest = u.Created
				}
			}
		case u.CreatedUnreadable:
			bad++
		}
	}
	c := createdReported(len(st.Users), n, bad)
	if ahead > 0 {
		c.Status = Warn
		c.Detail += fmt.Sprintf("; %d of %d users were created more than %s ahead of this machine's clock (the latest %s): the grace period (policy.unmanagedGracePeriod) is measured against this clock, so check it and the server's (such users are spared as recent)",
			ahead, len(st.Users), model.Rough(model.ClockSlack), latest.UTC().Format(time.RFC3339))
	}
	return c
}

// createdReported judges how many of users carry a readable meta.created
// (n) and one that is no date (bad).
func createdReported(users, n, bad int) Check {
	if bad > 0 {
		return Check{Name: NameCreated, Status: Warn, Detail: fmt.Sprintf(
			"%d of %d users carry a meta.created that is not a date (%d a readable one): under unmanagedUsers: deactivate, plans spare those users with a warning, as their age is unknown",
			bad, users, n)}
	}
	switch n {
	case 0:
		return Check{Name: NameCreated, Status: Warn, Detail: "no user carries meta.created: just-in-time users get no grace period (policy.unmanagedGracePeriod) before a deactivation"}
	case users:
		return Check{Name: NameCreated, Status: OK, Detail: "meta.created is reported: the grace period for just-in-time users applies"}
	}
	// As for roles, a value reported for some users only is a warning:
	// the others are just-in-time users' likeliest shape.
	return Check{Name: NameCreated, Status: Warn, Detail: fmt.Sprintf(
		"meta.created is reported for %d of %d users; the others get no grace period (policy.unmanagedGracePeriod) before a deactivation", n, users)}
}
