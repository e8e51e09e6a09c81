package diff

import (
	"fmt"
	"math/rand"
	"strings"
	"time"

	"github.com/wbsync/wbsync/pkg/model"
)

// genNow is the clock of generated problems.
var genNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// server says what a simulated server reports on reads.
type server struct {
	orgRoles, teamRoles, extIDs bool
	created                     bool // meta.created
}

// genInput is one generated planning problem.
type genInput struct {
	want   model.State
	have   model.State
	policy model.Policy
	dep    model.Deployment
	srv    server
	opts   Options // Deployment set to dep
}

// genOptions size a generated problem.
type genOptions struct {
	users, teams, membersPerTeam int
	limits                       bool // keep the default limits (else effectively unlimited)
}

// generate builds a random but valid problem: a manifest that validates
// (unique users, declared members, no protected user marked inactive) and a
// live org that overlaps it with every kind of difference: missing and
// extra users, case changes, handles (with and without a manifest
// username), secondary and changed emails, deactivated users, recent
// unmanaged users, duplicate and case-different teams, pins, service
// accounts, custom roles, accounts that make a manifest user ambiguous,
// and servers that do not report roles or externalIds.
func generate(r *rand.Rand, o genOptions) genInput {
	pick := func(p int) bool { return r.Intn(100) < p }
	g := genInput{dep: model.Dedicated, srv: server{orgRoles: pick(70), teamRoles: pick(70), extIDs: pick(70)}}
	if pick(50) {
		g.dep = model.SaaS
	}
	g.opts = Options{Deployment: g.dep, Now: genNow, CustomRolesUnchecked: g.dep == model.Dedicated && pick(30)}
	g.policy = model.Policy{UnmanagedUsers: model.UnmanagedIgnore, Protected: []string{"bot*@example.com"},
		UnreportedRoles: model.RolesSkip, UnmanagedGracePeriod: model.DefaultGracePeriod}
	if pick(50) {
		g.policy.UnmanagedUsers = model.UnmanagedDeactivate
	}
	if pick(50) {
		g.policy.UnreportedRoles = model.RolesEnforce
	}
	if pick(20) {
		g.policy.UnmanagedGracePeriod = 0
	}
	if !o.limits {
		g.policy.MaxDeactivations = model.Limit{Set: true, Value: 1 << 30}
		g.policy.MaxMemberRemovals = model.Limit{Set: true, Value: 1 << 30}
	}
	roles := []model.Role{model.RoleMember, model.RoleAdmin, model.RoleViewer}
	if g.dep == model.Dedicated {
		roles = append(roles, "Reviewer", "Data Scientist")
	}
	orgRoles := []model.Role{model.RoleMember, model.RoleAdmin}
	caseMix := func(s string) string {
		if pick(15) {
			return strings.ToUpper(s[:1]) + s[1:]
		}
		return s
	}

	g.want = model.State{Users: []model.User{}, Teams: []model.Team{}}
	g.have = model.State{Users: []model.User{}, Teams: []model.Team{}}
	// An admin the manifest keeps and asserts, so the last-admin guard
	// never blocks.
	g.want.Users = append(g.want.Users, model.User{UserName: "owner@example.com", Email: "owner@example.com", OrgRole: model.RoleAdmin, Active: true})
	owner := model.User{ID: "id-owner", UserName: "owner@example.com", Email: "owner@example.com", Active: true}
	if g.srv.orgRoles {
		owner.OrgRole = model.RoleAdmin
	}
	if g.srv.extIDs { // a server that reports externalIds shows at least one
		owner.ExternalID = "ext-owner"
	}
	g.have.Users = append(g.have.Users, owner)
	wantEmails := []string{}
	var liveIDs, liveNames []string
	addLive := func(l model.User) {
		if !g.srv.extIDs {
			l.ExternalID = ""
		}
		if !g.srv.orgRoles {
			l.OrgRole = ""
		}
		g.have.Users = append(g.have.Users, l)
		liveIDs = append(liveIDs, l.ID)
		liveNames = append(liveNames, l.UserName)
	}
	n := o.users
	prevEmail := ""
	handedOver := "" // the manifest email of a user matched by handle whose live email differs
	for i := 0; i < n+n/4; i++ {
		email := fmt.Sprintf("user%05d@example.com", i)
		if i%17 == 3 {
			email = fmt.Sprintf("bot%05d@example.com", i)
		}
		handle := fmt.Sprintf("u%05d", i)
		inWant, inLive := i < n && pick(85), pick(75) || i >= n
		if i >= n && !inLive {
			continue
		}
		username := "" // the manifest's username, if any
		active := false
		if inWant {
			u := model.User{UserName: caseMix(email), Email: "", Active: !pick(10)}
			u.Email = u.UserName
			if pick(20) {
				username = handle
				u.UserName = handle
			}
			if strings.HasPrefix(email, "bot") {
				u.Active = true
			}
			if pick(40) {
				u.DisplayName = fmt.Sprintf("User %d", i)
			}
			if pick(20) {
				u.ExternalID = fmt.Sprintf("ext-%d", i)
			}
			if pick(40) {
				u.OrgRole = orgRoles[r.Intn(len(orgRoles))]
			}
			g.want.Users = append(g.want.Users, u)
			wantEmails = append(wantEmails, u.Email)
			active = u.Active
		}
		if inLive {
			id := fmt.Sprintf("id-%05d", i)
			l := model.User{ID: id, UserName: caseMix(email), Email: email, Emails: []string{email}, Active: !pick(12)}
			switch {
			case username != "" && pick(80):
				l.UserName = caseMix(username)
				if pick(30) { // the manifest changed the email
					old := fmt.Sprintf("old%05d@example.org", i)
					if handedOver != "" && pick(50) {
						// It holds the email an earlier such user takes
						// (email_handover).
						old, handedOver = handedOver, ""
					} else if !strings.HasPrefix(email, "bot") {
						// (Not a protected bot's: an update taking its
						// email leaves policy.protected, a drift the
						// protected warning tells of.)
						handedOver = email
					}
					l.Email, l.Emails = old, []string{old}
				}
			case pick(30):
				l.UserName = handle
			case username == "" && pick(8): // an email changed in the manifest alone: no match (possible_rename)
				local, _, _ := strings.Cut(email, "@")
				old := local + "@old.example.org"
				l.UserName, l.Email, l.Emails = caseMix(old), old, []string{old}
			}
			if pick(15) { // another primary email, the manifest's as a secondary
				alt := fmt.Sprintf("alt%05d@example.net", i)
				l.Email, l.Emails = alt, append([]string{alt}, l.Emails...)
			}
			if pick(50) {
				l.DisplayName = fmt.Sprintf("User %d", i)
			}
			if pick(30) {
				l.ExternalID = fmt.Sprintf("ext-%d", i)
			}
			l.OrgRole = []model.Role{model.RoleMember, model.RoleMember, model.RoleAdmin, model.RoleViewer}[r.Intn(4)]
			if pick(60) {
				l.Created = genNow.Add(-time.Duration(r.Intn(14*24)) * time.Hour)
			}
			addLive(l)
		}
		// A second account with the same email: ambiguous, or unmanaged while
		// the first matches by userName. (Not for a user deactivated on
		// Multi-tenant Cloud: once its first account is gone, the second
		// becomes its own and is deactivated by the next plan.)
		if inWant && (active || g.dep != model.SaaS) && pick(3) {
			addLive(model.User{ID: fmt.Sprintf("dup-%05d", i), UserName: fmt.Sprintf("other%05d", i), Email: email, Active: true, OrgRole: model.RoleMember})
		}
		// An account with two (active) people's emails: contested. (With an
		// inactive one, deactivating its own account on Multi-tenant Cloud
		// would make the shared account contested only after apply.)
		if active && prevEmail != "" && pick(2) {
			addLive(model.User{ID: fmt.Sprintf("shared-%05d", i), UserName: fmt.Sprintf("shared%05d", i), Email: email,
				Emails: []string{email, prevEmail}, Active: true, OrgRole: model.RoleMember})
		}
		if active {
			prevEmail = email
		}
	}

	for t := 0; t < o.teams; t++ {
		name := fmt.Sprintf("team-%04d", t)
		if t%7 == 3 {
			name = fmt.Sprintf("Team-%04d", t) // (drawing nothing: the other draws stay as they were)
		}
		dtm := model.Team{Name: name, Membership: model.Authoritative, Members: []model.Member{}}
		if pick(30) {
			dtm.Membership = model.Additive
		}
		seen := map[string]bool{}
		for k := 0; k < o.membersPerTeam && len(wantEmails) > 0; k++ {
			e := wantEmails[r.Intn(len(wantEmails))]
			if seen[model.Key(e)] {
				continue
			}
			seen[model.Key(e)] = true
			role := model.RoleMember
			if pick(20) {
				role = roles[r.Intn(len(roles))]
			}
			dtm.Members = append(dtm.Members, model.Member{Email: e, Role: role})
		}
		liveName := name
		if pick(10) {
			liveName = strings.ToUpper(name)
		}
		copies := 1
		switch {
		case pick(10):
			copies = 0 // the plan creates it
		case pick(8):
			copies = 2 // duplicate live names
		}
		for c := 0; c < copies; c++ {
			lt := model.Team{ID: fmt.Sprintf("g-%04d-%d", t, c), Name: liveName, Members: []model.Member{}}
			seenID := map[string]bool{}
			for k := 0; k < o.membersPerTeam && len(liveIDs) > 0; k++ {
				j := r.Intn(len(liveIDs))
				if seenID[liveIDs[j]] {
					continue
				}
				seenID[liveIDs[j]] = true
				role := model.Role("")
				if g.srv.teamRoles {
					role = roles[r.Intn(len(roles))]
				}
				lt.Members = append(lt.Members, model.Member{UserID: liveIDs[j], Email: liveNames[j], Role: role})
			}
			if pick(20) {
				lt.Members = append(lt.Members, model.Member{UserID: fmt.Sprintf("sa-%d", r.Intn(3))})
			}
			g.have.Teams = append(g.have.Teams, lt)
		}
		if copies == 2 && pick(50) {
			dtm.ID = fmt.Sprintf("g-%04d-1", t)
		}
		g.want.Teams = append(g.want.Teams, dtm)
	}
	// Drawn last, so that the problems drawn before it stay as they were.
	if g.srv.created = pick(80); !g.srv.created {
		for i := range g.have.Users {
			g.have.Users[i].Created = time.Time{}
		}
	}
	// A team deleted from the manifest (or renamed there) that stays live:
	// drawn after the rest, for the same reason.
	if n := len(g.want.Teams); n > 0 && pick(30) {
		i := r.Intn(n)
		g.want.Teams = append(g.want.Teams[:i:i], g.want.Teams[i+1:]...)
	}
	return g
}
