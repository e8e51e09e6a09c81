package diff

import (
	"fmt"
	"math/rand"
	"strings"

	"github.com/wbsync/wbsync/pkg/model"
)

// genInput is one generated planning problem.
type genInput struct {
	want       model.State
	have       model.State
	policy     model.Policy
	dep        model.Deployment
	rolesKnown bool // the simulated server reports org and team roles
}

// genOptions size a generated problem.
type genOptions struct {
	users, teams, membersPerTeam int
	limits                       bool // keep the default limits (else effectively unlimited)
}

// generate builds a random but valid problem: a manifest that validates
// (unique users, declared members, no protected user marked inactive) and a
// live org that overlaps it with every kind of difference: missing and
// extra users, case changes, SaaS usernames, deactivated users, duplicate
// and case-different teams, pins, service accounts, unknown roles and
// accounts that make a manifest user ambiguous.
func generate(r *rand.Rand, o genOptions) genInput {
	g := genInput{dep: model.Dedicated, rolesKnown: r.Intn(3) > 0}
	if r.Intn(2) == 0 {
		g.dep = model.SaaS
	}
	g.policy = model.Policy{UnmanagedUsers: model.UnmanagedIgnore, Protected: []string{"bot*@example.com"}}
	if r.Intn(2) == 0 {
		g.policy.UnmanagedUsers = model.UnmanagedDeactivate
	}
	if !o.limits {
		g.policy.MaxDeactivations = model.Limit{Set: true, Value: 1 << 30}
		g.policy.MaxMemberRemovals = model.Limit{Set: true, Value: 1 << 30}
	}
	roles := []model.Role{model.RoleMember, model.RoleAdmin, model.RoleViewer, "Reviewer"}
	orgRoles := []model.Role{model.RoleMember, model.RoleAdmin}
	pick := func(p int) bool { return r.Intn(100) < p }
	caseMix := func(s string) string {
		if pick(15) {
			return strings.ToUpper(s[:1]) + s[1:]
		}
		return s
	}

	g.want = model.State{Users: []model.User{}, Teams: []model.Team{}}
	g.have = model.State{Users: []model.User{}, Teams: []model.Team{}}
	// An admin the manifest keeps, so the last-admin guard never blocks.
	g.want.Users = append(g.want.Users, model.User{UserName: "owner@example.com", Email: "owner@example.com", OrgRole: model.RoleAdmin, Active: true})
	owner := model.User{ID: "id-owner", UserName: "owner@example.com", Email: "owner@example.com", Active: true}
	if g.rolesKnown {
		owner.OrgRole = model.RoleAdmin
	}
	g.have.Users = append(g.have.Users, owner)
	wantEmails := []string{}
	liveIDs := []string{}
	liveNames := []string{}
	n := o.users
	for i := 0; i < n+n/4; i++ {
		email := fmt.Sprintf("user%05d@example.com", i)
		if i%17 == 3 {
			email = fmt.Sprintf("bot%05d@example.com", i)
		}
		inWant, inLive := i < n && pick(85), pick(75) || i >= n
		if i >= n && !inLive {
			continue
		}
		if inWant {
			u := model.User{UserName: caseMix(email), Email: "", Active: !pick(10)}
			u.Email = u.UserName
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
			wantEmails = append(wantEmails, u.UserName)
		}
		if inLive {
			id := fmt.Sprintf("id-%05d", i)
			l := model.User{ID: id, UserName: caseMix(email), Email: email, Active: !pick(12)}
			if g.dep == model.SaaS && pick(50) {
				l.UserName = strings.TrimSuffix(email, "@example.com")
			}
			if pick(50) {
				l.DisplayName = fmt.Sprintf("User %d", i)
			}
			if pick(30) {
				l.ExternalID = fmt.Sprintf("ext-%d", i)
			}
			if g.rolesKnown {
				l.OrgRole = []model.Role{model.RoleMember, model.RoleMember, model.RoleAdmin, model.RoleViewer}[r.Intn(4)]
			}
			g.have.Users = append(g.have.Users, l)
			liveIDs = append(liveIDs, id)
			liveNames = append(liveNames, l.UserName)
		}
		if inWant && pick(3) { // a second account with the same email: ambiguous
			id := fmt.Sprintf("dup-%05d", i)
			dup := model.User{ID: id, UserName: fmt.Sprintf("other%05d", i), Email: email, Active: true}
			if g.rolesKnown {
				dup.OrgRole = model.RoleMember
			}
			g.have.Users = append(g.have.Users, dup)
			liveIDs = append(liveIDs, id)
			liveNames = append(liveNames, fmt.Sprintf("other%05d", i))
		}
	}

	for t := 0; t < o.teams; t++ {
		name := fmt.Sprintf("team-%04d", t)
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
				if g.rolesKnown {
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
	// Live members carry the role from the server only when it reports them;
	// dedupe members of users listed twice via dup accounts is not needed.
	return g
}
