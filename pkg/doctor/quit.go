package doctor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/wbsync/wbsync/pkg/observed"
	"github.com/wbsync/wbsync/pkg/sanitize"
	"github.com/wbsync/wbsync/pkg/scim"
)

// quitting makes the probes of one Run stop once a request plan makes too
// failed in a way its retries did not heal (no answer, a 5xx, a 429): each
// later probe would spend the whole retry budget again (minutes against a
// server that stopped answering), so it fails at once instead, saying why.
type quitting struct {
	mu  sync.Mutex
	err error // the failure that stopped the probes
	// alone counts the groups read alone (GetGroup): the full read's
	// requests beyond the pages, which the latency estimate counts
	alone atomic.Int64
}

// errGaveUp wraps the failure that stopped the probes.
type errGaveUp struct{ cause error }

func (e errGaveUp) Error() string {
	return fmt.Sprintf("not sent: an earlier request failed after its retries (%v)", e.cause)
}

func (e errGaveUp) Unwrap() error { return e.cause }

// unhealed reports whether err is a failure retries did not heal: a
// transport failure or timeout, a 5xx or a 429.
func unhealed(err error) bool {
	var se *scim.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Status == 0 || se.Status == 429 || se.Status >= 500 // Too Many Requests, server errors
}

// wrap returns c, sending through q: a request is not sent once an
// earlier one gave up; when trips, its own unhealed failure gives up.
func (q *quitting) wrap(c Client, trips bool) Client {
	return quitClient{c: c, q: q, trips: trips}
}

// do runs f unless an earlier request gave up, and records f's failure
// when trips.
func (q *quitting) do(trips bool, f func() error) error {
	q.mu.Lock()
	stopped := q.err
	q.mu.Unlock()
	if stopped != nil {
		return errGaveUp{stopped}
	}
	err := f()
	if trips && unhealed(err) {
		q.mu.Lock()
		if q.err == nil {
			q.err = err
		}
		q.mu.Unlock()
	}
	return err
}

// quitClient is a Client whose requests go through quitting.
type quitClient struct {
	c     Client
	q     *quitting
	trips bool
}

func (c quitClient) GetRaw(ctx context.Context, path, query string) (r *scim.RawResponse, err error) {
	err = c.q.do(c.trips, func() error { r, err = c.c.GetRaw(ctx, path, query); return err })
	return r, err
}

func (c quitClient) GetGroup(ctx context.Context, id string) (g scim.Group, err error) {
	c.q.alone.Add(1)
	err = c.q.do(c.trips, func() error { g, err = c.c.GetGroup(ctx, id); return err })
	return g, err
}

func (c quitClient) ListRoles(ctx context.Context) (r []scim.Role, err error) {
	err = c.q.do(c.trips, func() error { r, err = c.c.ListRoles(ctx); return err })
	return r, err
}

func (c quitClient) ListUsers(ctx context.Context) (r []scim.User, err error) {
	err = c.q.do(c.trips, func() error { r, err = c.c.ListUsers(ctx); return err })
	return r, err
}

func (c quitClient) ListGroups(ctx context.Context) (r []scim.Group, err error) {
	err = c.q.do(c.trips, func() error { r, err = c.c.ListGroups(ctx); return err })
	return r, err
}

// Redactor returns the wrapped client's redactor (nil when it has none), so
// that observed.Fetch through c hides the key in an id it quotes, as it
// does through the client itself.
func (c quitClient) Redactor() *sanitize.Redactor { return observed.RedactorOf(c.c) }
