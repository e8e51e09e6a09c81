package diff

import (
	"cmp"
	"slices"
	"strings"

	"github.com/wbsync/wbsync/pkg/model"
)

// sortChanges puts changes in apply order (Action.Phase), then by team and
// user (case-insensitively), then by the remaining fields, so that the
// order never depends on the inputs' order.
func sortChanges(cs []Change) {
	type keyed struct {
		c      *Change
		tk, uk string
	}
	ks := make([]keyed, len(cs))
	for i := range cs {
		ks[i] = keyed{&cs[i], model.Key(cs[i].Team), model.Key(cs[i].User)}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		return cmp.Or(
			cmp.Compare(a.c.Action.Phase(), b.c.Action.Phase()),
			cmp.Compare(a.tk, b.tk),
			cmp.Compare(a.uk, b.uk),
			cmp.Compare(a.c.TeamID, b.c.TeamID),
			cmp.Compare(a.c.UserID, b.c.UserID),
			cmp.Compare(a.c.Team, b.c.Team),
			cmp.Compare(a.c.User, b.c.User),
			cmp.Compare(a.c.Role, b.c.Role),
		)
	})
	sorted := make([]Change, len(cs))
	for i, k := range ks {
		sorted[i] = *k.c
	}
	copy(cs, sorted)
}

// sortWarnings orders warnings by code, team, user, then message and ids.
func sortWarnings(ws []Warning) {
	slices.SortFunc(ws, func(a, b Warning) int {
		return cmp.Or(
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(model.Key(a.Team), model.Key(b.Team)),
			cmp.Compare(model.Key(a.User), model.Key(b.User)),
			cmp.Compare(a.Team, b.Team),
			cmp.Compare(a.User, b.User),
			cmp.Compare(a.Message, b.Message),
			cmp.Compare(strings.Join(a.IDs, ","), strings.Join(b.IDs, ",")),
		)
	})
}

// summarize counts the changes by kind.
func summarize(cs []Change) Summary {
	var s Summary
	for _, c := range cs {
		switch c.Action {
		case CreateUser:
			s.CreateUsers++
		case UpdateUser:
			s.UpdateUsers++
		case ReactivateUser:
			s.ReactivateUsers++
		case CreateTeam:
			s.CreateTeams++
		case AddMember:
			s.AddMembers++
		case RemoveMember:
			s.RemoveMembers++
		case SetOrgRole, SetTeamRole:
			s.SetRoles++
		case DeactivateUser:
			s.DeactivateUsers++
		}
	}
	return s
}

// Counts returns the summary's totals in Terraform's terms: add (create
// user, create team, add member), change (reactivate, update, roles) and
// remove (remove member, deactivate).
func (s Summary) Counts() (add, change, remove int) {
	return s.CreateUsers + s.CreateTeams + s.AddMembers,
		s.ReactivateUsers + s.UpdateUsers + s.SetRoles,
		s.RemoveMembers + s.DeactivateUsers
}
