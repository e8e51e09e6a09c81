package diff

import (
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// warnedByID maps the first id each warning of code in p gives to its
// message.
func warnedByID(p plan.Plan, code plan.WarningCode) map[string]string {
	said := map[string]string{}
	for _, w := range p.Warnings {
		if w.Code == code && len(w.IDs) > 0 {
			said[w.IDs[0]] = w.Message
		}
	}
	return said
}

// wantWarningStart checks that p warns code, and that each such warning's
// message starts with want (what names the case in a failure).
func wantWarningStart(t *testing.T, p plan.Plan, code plan.WarningCode, want, what string) {
	t.Helper()
	found := false
	for _, w := range p.Warnings {
		if w.Code == code {
			found = true
			if !strings.HasPrefix(w.Message, want) {
				t.Errorf("%s: %s %q, want it to start %q", what, code, w.Message, want)
			}
		}
	}
	if !found {
		t.Errorf("%s: no %s warning in %+v", what, code, p.Warnings)
	}
}

// Builders for hand-made states.

// du is a desired active user.
func du(email string) model.User { return model.User{UserName: email, Email: email, Active: true} }

// lu is a live active user whose userName is its email.
func lu(id, email string) model.User {
	return model.User{ID: id, UserName: email, Email: email, Active: true}
}

// dt is a desired team.
func dt(name string, membership model.Membership, members ...model.Member) model.Team {
	if members == nil {
		members = []model.Member{}
	}
	return model.Team{Name: name, Membership: membership, Members: members}
}

// lt is a live team.
func lt(id, name string, members ...model.Member) model.Team {
	if members == nil {
		members = []model.Member{}
	}
	return model.Team{ID: id, Name: name, Members: members}
}

// dm is a desired member.
func dm(email string, role model.Role) model.Member { return model.Member{Email: email, Role: role} }

// lm is a live member.
func lm(id, email string, role model.Role) model.Member {
	return model.Member{UserID: id, Email: email, Role: role}
}

func state(users []model.User, teams ...model.Team) model.State {
	if users == nil {
		users = []model.User{}
	}
	if teams == nil {
		teams = []model.Team{}
	}
	return model.State{Users: users, Teams: teams}
}

func users(us ...model.User) []model.User { return us }

func with(u model.User, f func(*model.User)) model.User { f(&u); return u }

var ignorePolicy = model.Policy{UnmanagedUsers: model.UnmanagedIgnore}

// pinnedTeam is an additive desired team pinned to id.
func pinnedTeam(name, id string, members ...model.Member) model.Team {
	t := dt(name, model.Additive, members...)
	t.ID = id
	return t
}
