package emulator

import (
	"cmp"
	"fmt"
	"strings"
	"time"
)

// seed loads the service accounts and a parsed State. Seeding is no
// change: every seeded resource's lastModified is its created.
func (s *store) seed(st *State, o Options) error {
	s.teamSAs = o.TeamServiceAccounts
	for i := 0; i < o.ServiceAccounts; i++ {
		s.addServiceAccount(i)
	}
	if st == nil {
		return nil
	}
	for _, sr := range st.Roles {
		if sr.ID != "" && s.ids[sr.ID] {
			return fmt.Errorf("seed role %s: id %q is already used", sr.Name, sr.ID)
		}
		s.addRole(&role{id: sr.ID, name: sr.Name, description: sr.Description, inheritedFrom: sr.InheritedFrom,
			permissions: sr.Permissions})
	}
	bySeedName, err := s.seedUsers(st.Users, o)
	if err != nil {
		return err
	}
	if err := s.seedTeams(st.Teams, bySeedName, o); err != nil {
		return err
	}
	for _, u := range s.users {
		u.modified = u.created
	}
	for _, t := range s.teams {
		t.modified = t.created
	}
	return nil
}

// seedAge is how long before the emulator's clock a seeded user without a
// "created" was created: a seed is the organization as it stood before the
// run, not users that just joined (which policy.unmanagedGracePeriod, 7
// days by default, would spare from deactivation). Users created through
// the API get the clock.
const seedAge = 365 * 24 * time.Hour

// seedUsers adds the seeded users and returns them by lower-cased seed
// userName (which Handles may have changed into a handle).
func (s *store) seedUsers(users []StateUser, o Options) (map[string]*user, error) {
	names := seedUserNames(users, o.Handles)
	bySeedName := make(map[string]*user, len(users))
	for i, su := range users {
		if su.ID != "" && s.ids[su.ID] {
			return nil, fmt.Errorf("seed user %s: id %q is already used", su.UserName, su.ID)
		}
		emails := su.Emails
		if len(emails) == 0 {
			emails = []string{cmp.Or(su.Email, su.UserName)}
		}
		emails = append([]string(nil), emails...)
		if alias := aliasEmail(emails[0]); o.ExtraEmails && len(emails) == 1 && alias != "" {
			emails = append(emails, alias)
		}
		role := strings.ToLower(su.OrganizationRole)
		if role == "" {
			role = roleMember
		}
		u := &user{id: su.ID, userName: names[i], emails: emails, displayName: su.DisplayName,
			externalID: su.ExternalID, active: su.Active, orgRole: role}
		if o.IgnoreExternalID {
			u.externalID = ""
		}
		s.addUser(u)
		if su.Created.IsZero() {
			u.created = u.created.Add(-seedAge)
		} else {
			u.created = su.Created
		}
		bySeedName[strings.ToLower(su.UserName)] = u
	}
	return bySeedName, nil
}

// seedTeams adds the seeded teams and their members; with CheckRoles, a
// member's role must be one the deployment accepts (a seed is a fixture:
// without it, a saas seed may hold custom roles, as tests of what a client
// makes of them need).
func (s *store) seedTeams(teams []StateTeam, bySeedName map[string]*user, o Options) error {
	for _, stm := range teams {
		if stm.ID != "" && s.ids[stm.ID] {
			return fmt.Errorf("seed team %s: id %q is already used", stm.Name, stm.ID)
		}
		t := &team{id: stm.ID, name: stm.Name}
		s.addTeam(t)
		if !stm.Created.IsZero() {
			t.created = stm.Created
		}
		for _, m := range stm.Members {
			u := bySeedName[strings.ToLower(m.UserName)]
			if u == nil {
				return fmt.Errorf("seed team %s: member %q is not a seeded user", stm.Name, m.UserName)
			}
			role := m.Role
			if role == "" {
				role = roleMember
			}
			if o.CheckRoles {
				var e *apiError
				if role, e = s.checkTeamRole(role, o.Deployment == DeploymentSaaS); e != nil {
					return fmt.Errorf("seed team %s: member %s: %s", stm.Name, m.UserName, e.detail)
				}
			}
			s.addMember(t, u, role)
		}
	}
	return nil
}

// seedUserNames returns each seeded user's userName: as given, or with
// handles, for a userName that is an email, a handle made of its local
// part, unique case-insensitively (explicit handles are kept first).
func seedUserNames(users []StateUser, handles bool) []string {
	names := make([]string, len(users))
	taken := map[string]bool{}
	for i, u := range users {
		names[i] = u.UserName
		if !handles || !strings.Contains(u.UserName, "@") {
			taken[strings.ToLower(u.UserName)] = true
		}
	}
	if !handles {
		return names
	}
	for i, u := range users {
		if !strings.Contains(u.UserName, "@") {
			continue
		}
		base := handleOf(u.UserName)
		h := base
		for n := 2; taken[h]; n++ {
			h = fmt.Sprintf("%s-%d", base, n)
		}
		taken[h] = true
		names[i] = h
	}
	return names
}

// handleOf derives a W&B-style handle from an email's local part:
// lower-cased, every character outside [a-z0-9-_] replaced by '-'.
func handleOf(email string) string {
	local := email[:strings.LastIndex(email, "@")]
	h := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '-'
	}, strings.ToLower(local))
	if h == "" {
		return "user"
	}
	return h
}

// aliasEmail is LOCAL@alias.DOMAIN for LOCAL@DOMAIN, "" for a value that
// is no email.
func aliasEmail(email string) string {
	at := strings.LastIndex(email, "@")
	if at <= 0 || at == len(email)-1 {
		return ""
	}
	return email[:at] + "@alias." + email[at+1:]
}
