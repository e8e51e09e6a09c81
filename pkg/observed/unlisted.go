package observed

import (
	"context"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/wbsync/wbsync/pkg/bug"
	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/sanitize"
	"github.com/wbsync/wbsync/pkg/scim"
)

// groupReader is a Lister that reads one group alone (*scim.Client does).
type groupReader interface {
	GetGroup(ctx context.Context, id string) (scim.Group, error)
}

// readUnlisted reads alone each group listed without a members key, when
// no group came with one and no user carries a teamRoles key, and puts
// its members in its team. W&B leaves the key out of an empty team (and
// lists the others' members), and its users' teamRoles tell such a team
// from one whose members were left out (unlistedMembers). A server that
// lists no group's members and sends no teamRoles (a generic SCIM server)
// cannot be told so: it may list its groups without their members, as
// RFC 7644 allows, and send them only when a group is read alone. Taken
// as empty, such a team would have every member it holds added again and
// none removed, on every run. A group read alone without members too is
// empty. When users carry teamRoles, only the groups an active user names
// are read alone (namedAbsent: W&B leaves an empty team's key out, and no
// one names it), and one that comes without members again, or that cannot
// be read alone, stays as listed, for unlistedMembers to refuse. A reader
// l without GetGroup leaves the teams as they were listed.
func (r *resolver) readUnlisted(ctx context.Context, l any, teams []model.Team) ([]model.Team, error) {
	gr, ok := l.(groupReader)
	if !ok || len(r.absent) == 0 || r.membersListed.Load() {
		return teams, nil
	}
	var at []int // positions in teams of the groups to read, in team order
	if r.teamRoles {
		for i := range r.namedAbsent(teams) {
			at = append(at, i)
		}
		slices.Sort(at)
	} else {
		for i := range teams {
			if _, ok := r.absent[teams[i].ID]; ok {
				at = append(at, i)
			}
		}
	}
	keep := make([]bool, len(at)) // read alone with a members key, or as a generic server's: no longer absent
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(caps.Concurrency) // the client's own bound holds the requests to --concurrency
	for j, i := range at {
		id := teams[i].ID
		g.Go(func() (err error) {
			defer bug.Recover(&err)
			group, err := gr.GetGroup(gctx, id)
			if r.teamRoles && err != nil && !scim.NotServed(err) {
				// The server failed it (a 5xx, no answer): the read fails
				// with that, not as a list that left members out, which
				// a second whole read would not mend.
				return err
			}
			if r.teamRoles && (err != nil && gctx.Err() == nil || err == nil && group.MembersAbsent) {
				// Not read alone, or without members again: as listed,
				// which unlistedMembers refuses, saying which.
				r.absentMu.Lock()
				if r.alone == nil {
					r.alone = map[string]error{}
				}
				r.alone[id] = err
				r.absentMu.Unlock()
				return nil
			}
			if err != nil {
				return err
			}
			if group.DisplayName != teams[i].Name {
				// Another team's record (or the team renamed between the
				// two reads): its members are not this team's, and taken
				// for them an authoritative team's removals would drop
				// out of the plan unsaid.
				return fmt.Errorf("read teams: %s, read alone (GET /Groups/{id}), is named %q there: the server's answers disagree (another team's record, or the team renamed while the organization was read); plan again",
					r.teamShown(&teams[i]), sanitize.Server(r.red, group.DisplayName, caps.ShownID))
			}
			var sc teamScratch
			t := r.teamOf(&group, &sc)
			t.ETag = teams[i].ETag
			teams[i] = t // each goroutine writes its own element
			keep[j] = true
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	r.absentMu.Lock()
	for j, i := range at {
		if keep[j] {
			delete(r.absent, teams[i].ID)
		}
	}
	r.absentMu.Unlock()
	return teams, nil
}
