package observed

import (
	"context"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/wbsync/wbsync/pkg/bug"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/sanitize"
	"github.com/wbsync/wbsync/pkg/scim"
)

// pageLister is a Lister that also hands over what it reads page by page,
// as *scim.Client does: every resource once, one call at a time, an error
// meaning that what was handed over is not the organization.
type pageLister interface {
	EachUser(ctx context.Context, fn func([]scim.User) error) error
	EachGroup(ctx context.Context, fn func([]scim.Group) error) error
}

// fetchPages is Fetch over a pageLister: each page of users is converted
// as it arrives; groups that arrive once the users are all in are turned
// into teams at once, the others when the users are. red (nil: none) hides
// the key in an id an error quotes.
func fetchPages(ctx context.Context, pl pageLister, red *sanitize.Redactor) (model.State, string, error) {
	var (
		users = userBatches{red: red}
		fp    fpWriter

		mu    sync.Mutex
		r     *resolver      // once the users are all in
		early [][]scim.Group // groups that came before
		teams []model.Team   // teams of the groups that came after
		sc    teamScratch
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		defer bug.Recover(&err)
		err = pl.EachUser(gctx, func(page []scim.User) error { return users.add(page, true) })
		if err != nil {
			return err
		}
		res := users.resolve()
		fp = newFingerprint()
		fp.users(res.users)
		mu.Lock()
		r = res
		mu.Unlock()
		return nil
	})
	g.Go(func() (err error) {
		defer bug.Recover(&err)
		return pl.EachGroup(gctx, func(page []scim.Group) error {
			mu.Lock()
			res := r
			if res == nil {
				early = append(early, page)
			}
			mu.Unlock()
			if res != nil {
				for i := range page {
					teams = append(teams, res.teamOf(&page[i], &sc))
					page[i] = scim.Group{}
				}
			}
			return nil
		})
	})
	if err := g.Wait(); err != nil {
		return model.State{}, "", err
	}
	if len(early) > 0 {
		groups := slices.Concat(early...)
		early = nil
		teams = append(teams, r.teams(groups, true)...)
	}
	teams, err := r.readUnlisted(ctx, pl, teams)
	if err == nil {
		teams, err = r.finish(teams)
	}
	if err != nil {
		return model.State{}, "", err
	}
	fp.teams(teams)
	return model.State{Users: r.users, Teams: teams}, fp.sum(), nil
}
