package scim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/wbsync/wbsync/pkg/bug"
	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// lister reads one collection, failing closed: the first page gives
// totalResults, the rest are fetched in parallel (bounded by Concurrency)
// stepping by the number of resources the first page actually held, and the
// gaps left by short pages are filled one page at a time. Every page after
// the first starts at the last position of the page before it (see
// overlap). Every resource lands at its position; a position met twice
// with different ids, an id met at two positions, a changed totalResults,
// a page past totalResults or an empty page before totalResults is an
// error, never a smaller list.
type lister[T any] struct {
	c      *Client
	path   string // "/Users"
	filter string // a SCIM filter, or ""
	noun   string // "user"
	plural string // "users"
	rec    func(*jsonReader) (T, string, error)
	id     func(T) string
	// same says whether two reads of one resource agree on what a plan
	// uses (nil: not compared).
	same func(a, b T) bool
	// optional marks a collection a server may lack (/Roles): its 404 gets
	// no hint about the base URL.
	optional bool
	// onePage makes a read whose first page is not the whole collection
	// stop there with errMorePages, holding nothing (see lookUp).
	onePage bool

	pages atomic.Int64 // pages fetched
	// budget is how many pages the read may take (0: caps.Pages): set
	// once the first page tells how many resources a page holds, to what
	// reads caps.Pages pages' worth of them with pages overlapping.
	budget int64
	// fetched are the startIndexes asked so far: fillGaps does not ask
	// one again.
	fetchedMu sync.Mutex
	fetched   map[int]bool
	// size is how many resources the first page held, once it has come:
	// what the next pages are expected to hold.
	size int
	// aligned: the server answers a startIndex only at the start of one
	// of its pages (it takes startIndex for a page number), so pages are
	// read without overlap (see parallel).
	aligned bool
}

// read returns the whole collection in position order.
func (l *lister[T]) read(ctx context.Context) ([]T, error) {
	a, err := l.run(ctx, nil)
	if err != nil {
		return nil, err
	}
	return a.result(), nil
}

// each reads the whole collection, handing each run of resources to fn as
// it is placed, one call at a time; the assembly keeps only their ids.
// Every position is handed over once. An error means that what fn was
// given is not the collection.
func (l *lister[T]) each(ctx context.Context, fn func([]T) error) error {
	_, err := l.run(ctx, fn)
	return err
}

// run reads the collection into an assembly (handing it over to hand, if
// set).
func (l *lister[T]) run(ctx context.Context, hand func([]T) error) (*assembly[T], error) {
	first, release, err := l.fetch(ctx, 1, caps.TotalResults)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", l.plural, err)
	}
	defer release()
	if l.onePage && len(first.items) < first.total {
		return nil, errMorePages
	}
	step := len(first.items)
	l.budget = pageBudget(step)
	if n := PagesFor(first.total, step); int64(n) > l.budget {
		hint := fmt.Sprintf("raise --page-size (now %d; W&B serves up to %d a page)", l.c.pageSize, caps.PageSize)
		if step < l.c.pageSize {
			hint = fmt.Sprintf("the server serves %d a page where %d were asked for: no --page-size helps", step, l.c.pageSize)
		}
		return nil, fmt.Errorf("list %s: totalResults %d at %d resource(s) per page would take %d pages, more than wbsync reads (%d): refusing (%s)",
			l.plural, first.total, step, n, l.budget, hint)
	}
	if step == 1 && first.total > 1 && l.same != nil && l.c.onePageWarned.CompareAndSwap(false, true) {
		why := "--page-size 1"
		if l.c.pageSize > 1 {
			why = fmt.Sprintf("the server serves one where %d were asked for", l.c.pageSize)
		}
		l.c.log.Warn(fmt.Sprintf("list %s: one resource a page (%s): pages cannot overlap, so a resource that moves from one page to another while they are read (another created or deleted before it) is not seen; if the organization may have changed during the read, plan again", l.plural, why))
	}
	l.size = step
	a := &assembly[T]{plural: l.plural, idOf: l.id, red: l.c.red, total: first.total, seen: make(map[string]int, step), hand: hand, same: l.same,
		noEdges: overlap(step) == 0 || l.same == nil}
	if l.filter == "" && l.c.onPage != nil {
		onPage := l.c.onPage
		a.placed = func(count, total int) { onPage(l.plural, count, total) }
	}
	err = a.add(1, first)
	release()
	if err != nil {
		return nil, err
	}
	// One page, as full as asked (count honoured): the server may hold
	// more than it counts (confirmEnd).
	oneFullPage := step == first.total && step == l.c.pageSize
	if err := l.parallel(ctx, a, step); err != nil {
		return nil, err
	}
	if err := l.fillGaps(ctx, a); err != nil {
		return nil, err
	}
	if err := l.confirmEnd(ctx, a, oneFullPage); err != nil {
		return nil, err
	}
	return a, nil
}

// confirmEnd reads the page at the last position again when the page that
// ended there was full (a later page that held as many resources as the
// first, or as another later page, or oneFullPage: a first page that held
// all it was asked for): a server whose totalResults counts fewer
// resources than it lists, its pages ending exactly at that count, would
// otherwise be read as the smaller collection. The page must hold that
// last resource and nothing after it. One request, only when a page ends
// exactly at the count; a server of one resource a page cannot be so
// checked (its page at the last position holds one resource either way),
// nor one whose only page, shorter than asked, ends at the count (as
// every small organization's does).
func (l *lister[T]) confirmEnd(ctx context.Context, a *assembly[T], oneFullPage bool) error {
	a.mu.Lock()
	// (A last page of one resource cannot show one more: the server's
	// pages hold one.)
	full := oneFullPage || a.endN > 1 && (a.endN >= l.size || a.laterMax > 0 && a.endN >= a.laterMax)
	a.mu.Unlock()
	if !full || overlap(l.size) == 0 || l.aligned {
		return nil
	}
	l.budget++ // not one of the pages the budget counts
	p, release, err := l.fetch(ctx, a.total, 1)
	if err != nil {
		return fmt.Errorf("list %s: %w", l.plural, err)
	}
	defer release()
	if len(p.items) > 0 {
		a.mu.Lock()
		pos, seen := a.seen[l.id(p.items[0])]
		a.mu.Unlock()
		if seen && pos != a.total-1 {
			// Answered from another position (a server that does not take
			// startIndex as a position past its first page, or in a
			// stable order): it tells nothing here.
			l.c.log.Debug("the page at the last position answered from another position: the end of the list is not confirmed",
				zap.String("path", l.path), zap.Int("startIndex", a.total), zap.Int("answered from", pos+1))
			return nil
		}
	}
	if len(p.items) == 0 && p.total == a.total {
		// Nothing after the last position, nor the last position
		// itself (a server that takes startIndex for a page number
		// answers past its pages so): nothing more, as the count said.
		return nil
	}
	return place(a, a.total, p, "")
}

// ErrChanged is in the error of a read that saw the collection change
// between two of its pages (another totalResults, another id at a position
// already read): a read of a busy organization that may succeed if made
// again.
var ErrChanged = errors.New("the organization changed while reading")

// runAgain ends the error of a read that saw the collection change.
const runAgain = ": run again"

// ReadAgain is err, a read's error, as a caller that read again already
// shows it: its text without the advice to run again that ends an
// ErrChanged error; it wraps err (errors.Is and As see through it).
func ReadAgain(err error) error { return readAgain{err} }

type readAgain struct{ error }

func (e readAgain) Error() string { return strings.TrimSuffix(e.error.Error(), runAgain) }
func (e readAgain) Unwrap() error { return e.error }

// overlap is how many positions a page shares with the page before it:
// one, its first, when pages hold two resources or more. Pages are read at
// different moments (in parallel, or one after another), and a user
// deleted before a page boundary while another is created after it shifts
// the resources between them one position back with totalResults
// unchanged: without a shared position, the resource that slid across the
// boundary would be read on neither page, and no check would see it.
// Since a server lists its resources in one order, that resource cannot
// pass the one at the shared position, which therefore moves too: the
// assembly finds another id at that position, and the read fails. A
// server that sends one resource per page cannot be read this way.
func overlap(step int) int {
	if step >= 2 {
		return 1
	}
	return 0
}

// pageBudget is how many pages a read of step resources a page may take:
// what reads as many resources as caps.Pages pages hold, pages
// overlapping (a server of 2 resources a page is read up to 40,000 of
// them, as before pages overlapped, in 39,999 pages).
func pageBudget(step int) int64 {
	return int64(max(caps.Pages, PagesFor(caps.Pages*step, step)))
}

// PagesFor is how many pages a read of total resources takes at step
// resources per page, each page after the first overlapping the one
// before it as overlap says (doctor's estimate counts them so).
func PagesFor(total, step int) int {
	if step == 0 || total <= step {
		return 1
	}
	stride := step - overlap(step)
	return 1 + (total-step+stride-1)/stride
}

// parallel fetches the pages after the first, step resources long, each
// starting at the last position of the one before it (overlap). The
// second page is fetched first, alone: a server that takes startIndex for
// a page number (page (startIndex-1)/count) answers it from the start of
// its page, with ids the first page placed before the last. Such a
// server is read without overlap, its pages starting where its own do
// (l.aligned), as it was read before pages overlapped; a resource that
// slides across one of its page boundaries cannot be caught.
func (l *lister[T]) parallel(ctx context.Context, a *assembly[T], step int) error {
	total := a.total
	if step == 0 || step >= total {
		return nil
	}
	ov := overlap(step)
	start := 1 + step - ov
	if ov > 0 {
		aligned, err := l.probeOverlap(ctx, a, start)
		if err != nil {
			return err
		}
		if aligned {
			a.dropEdges()
			l.aligned, ov, start = true, 0, 1+step
		} else {
			start += step - ov
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(l.c.conc)
	for from := start; from+ov <= total && gctx.Err() == nil; from += step - ov {
		g.Go(func() (err error) {
			defer bug.Recover(&err)
			return l.fetchPlace(gctx, a, from)
		})
	}
	return g.Wait()
}

// probeOverlap fetches the page at start, the first page's last position,
// and places it, unless it begins with the resource the first page placed
// where the server's page holding start begins (position 1, when its
// pages are as long as the first): the server answered from the start of
// its page, not from start. It then reports aligned, and places nothing
// (what the page holds is read again from the next page start). Any other
// resource there is placed, and the assembly judges it (a resource that
// moved fails the read).
func (l *lister[T]) probeOverlap(ctx context.Context, a *assembly[T], start int) (aligned bool, _ error) {
	p, release, err := l.fetch(ctx, start, a.total-(start-1))
	if err != nil {
		return false, fmt.Errorf("list %s: %w", l.plural, err)
	}
	defer release()
	if len(p.items) > 0 {
		a.mu.Lock()
		pos, seen := a.seen[l.id(p.items[0])]
		a.mu.Unlock()
		if snapped := func(size int) bool { return size > 0 && pos == (start-1)/size*size }; seen && pos < start-1 && (snapped(l.size) || snapped(l.c.pageSize)) {
			l.c.log.Debug("the server answers a startIndex from the start of its page: pages are read without overlap",
				zap.String("path", l.path), zap.Int("startIndex", start), zap.Int("answered from", pos+1))
			return true, nil
		}
	}
	// Empty, after a full first page and asked at its last position: not
	// a position the server knows (startIndex taken for a page number,
	// page start past the end).
	return false, place(a, start, p, " (the server may not answer startIndex as RFC 7644 says; doctor's paging check tells)")
}

// fetchPlace fetches the page at startIndex start and places it, giving
// its unplaced slot back once placed.
func (l *lister[T]) fetchPlace(ctx context.Context, a *assembly[T], start int) error {
	p, release, err := l.fetch(ctx, start, a.total-(start-1))
	if err != nil {
		return fmt.Errorf("list %s: %w", l.plural, err)
	}
	defer release()
	return place(a, start, p, "")
}

// place places page p, asked at startIndex start. An empty page is
// conclusive at once, its error ending with hint: the pages still to come
// are not fetched (a server that claims a million users and then sends
// none is not asked a million times); under another totalResults, add says
// the organization changed.
func place[T any](a *assembly[T], start int, p listPage[T], hint string) error {
	if len(p.items) == 0 && p.total == a.total {
		return fmt.Errorf("%w%s", a.emptyPage(start), hint)
	}
	return a.add(start, p)
}

// fillGaps fetches from the first missing position until every position is
// filled, each page starting at the filled position before the gap
// (overlap), or at the gap when that page brought only the shared one (a
// server whose later pages hold one resource: from then on, without
// overlap). Every round fills that position or fails, and the page budget
// bounds the rounds.
func (l *lister[T]) fillGaps(ctx context.Context, a *assembly[T]) error {
	overlapping := overlap(l.size) > 0 && !l.aligned
	for a.count < a.total {
		gap := a.firstGap() // 0-based: the 1-based position before it
		l.fetchedMu.Lock()
		asked := l.fetched[gap] // that page came back holding no more than the shared position
		l.fetchedMu.Unlock()
		if gap > 0 && overlapping && asked {
			// That page held only the shared position: from here on,
			// pages do not overlap.
			overlapping = false
			a.dropEdges()
		}
		if gap > 0 && overlapping {
			before := a.count
			if err := l.fetchPlace(ctx, a, gap); err != nil {
				return err
			}
			if a.count > before {
				continue
			}
			overlapping = false
			a.dropEdges()
		}
		if err := l.fetchPlace(ctx, a, gap+1); err != nil {
			return err
		}
	}
	return nil
}

// fetch reads one page, decoding at most limit resources. A page is never
// decoded past caps.PageSize resources, W&B's most per request: a page that
// holds more is refused, so that memory follows what a real page can hold.
// The page holds one of the client's unplaced slots from before its body
// is read (call.hold) until release is called, once it is placed: at most
// caps.BodySlots pages are in memory, decoded and not yet handed over,
// whatever the concurrency. A failed attempt gives the slot back before it
// is retried, and on an error it is given back already.
func (l *lister[T]) fetch(ctx context.Context, start, limit int) (_ listPage[T], release func(), _ error) {
	capped := limit > caps.PageSize
	limit = min(limit, caps.PageSize)
	budget := l.budget
	if budget == 0 {
		budget = caps.Pages
	}
	if n := l.pages.Add(1); n > budget {
		return listPage[T]{}, nil, fmt.Errorf("more than %d pages: refusing to page on", budget)
	}
	l.fetchedMu.Lock()
	if l.fetched == nil {
		l.fetched = map[int]bool{}
	}
	l.fetched[start] = true
	l.fetchedMu.Unlock()
	held := false
	release = func() {
		if held {
			held = false
			<-l.c.unplaced
		}
	}
	// A panic (a bug) while the page holds its slot gives the slot back,
	// and goes on up to the goroutine's recovery: a later read on this
	// client (apply's verification) keeps every slot.
	var panicked error
	defer func() {
		if panicked != nil {
			release()
			panic(panicked)
		}
	}()
	defer bug.Recover(&panicked)
	hold := func(ctx context.Context) error {
		select {
		case l.c.unplaced <- struct{}{}:
		default:
			if l.c.unplacedFull != nil {
				l.c.unplacedFull()
			}
			select {
			case l.c.unplaced <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		held = true
		return nil
	}
	q := "startIndex=" + strconv.Itoa(start) + "&count=" + strconv.Itoa(l.c.pageSize)
	if l.filter != "" {
		q = "filter=" + queryEscape(l.filter) + "&" + q
	}
	var p listPage[T]
	// Only a first page's 404 hints at the base URL: a later page's comes
	// from a URL whose first page answered.
	cl := call{method: http.MethodGet, path: l.path, query: q, list: !l.optional && start == 1,
		what: fmt.Sprintf("the %s list page at startIndex %d", l.plural, start),
		read: func(r io.Reader) (err error) {
			p, err = decodeListSized(r, l.c.red, l.noun, start, limit, l.size, l.rec)
			return err
		},
		hold: hold, unhold: release}
	if _, err := l.c.do(ctx, cl); err != nil {
		release()
		if start > 1 && !strings.Contains(err.Error(), cl.what) { // a decode error names the page already
			return listPage[T]{}, nil, fmt.Errorf("%s: %w", cl.what, err)
		}
		return listPage[T]{}, nil, err
	}
	if capped && p.more && len(p.items) >= caps.PageSize {
		release()
		return listPage[T]{}, nil, fmt.Errorf("the %s list page at startIndex %d holds more than %d resources, W&B's most per request: refusing it (asked for %d a page: a server that sends more than it is asked for is not helped by any --page-size; wbsync doctor's paging check shows what it sends)",
			l.plural, start, caps.PageSize, l.c.pageSize)
	}
	if p.hasItems && p.itemsPerPage != len(p.items) {
		l.c.log.Debug("list page itemsPerPage differs from the resources it holds",
			zap.String("path", l.path), zap.Int("startIndex", start),
			zap.Int("itemsPerPage", p.itemsPerPage), zap.Int("resources", len(p.items)))
	}
	return p, release, nil
}

// assembly places pages' resources at their positions. It holds what
// arrived, as runs of consecutive positions (sub-slices of the pages), never
// anything sized by the claimed total.
type assembly[T any] struct {
	plural string
	idOf   func(T) string
	same   func(a, b T) bool // lister.same
	red    *sanitize.Redactor
	total  int

	// placed, when set, hears of every page placed (Config.OnPage).
	placed func(count, total int)
	// hand, when set, is given each run of new resources once placed, and
	// the segments keep only their ids.
	hand   func([]T) error
	handMu sync.Mutex // one hand call at a time

	mu    sync.Mutex
	segs  []segment[T]   // disjoint, sorted by from
	seen  map[string]int // id → position
	count int            // positions filled
	// edges are the resources at the first and last position of the
	// pages placed whose neighbour at that position has not come yet:
	// where two pages overlap, a resource read on both must be the same
	// record (same), or the organization changed between them. An edge
	// goes once compared, so that what is held follows the pages in
	// flight, not the collection.
	edges map[int]T
	// endN is how many resources the later page that ended at position
	// total held, laterMax the most another later page held: a page as
	// long as those (or as the first) that ended at total may not be the
	// last (see lister.confirmEnd).
	endN, laterMax int
	// noEdges: pages do not overlap (one resource a page, a server that
	// takes startIndex for a page number, later pages of one), or records
	// are not compared (same is nil): no edge is kept.
	noEdges bool
}

// dropEdges stops keeping edges, and lets go of those kept: pages no
// longer overlap.
func (a *assembly[T]) dropEdges() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.noEdges, a.edges = true, nil
}

// emptyPage is the error for an empty page at startIndex start, before
// totalResults was reached.
func (a *assembly[T]) emptyPage(start int) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return fmt.Errorf("list %s: read %d of %d (totalResults): the page at startIndex %d was empty; missing %s",
		a.plural, a.count, a.total, start, a.missing())
}

// segment is a run of resources at consecutive positions from from
// (0-based): the resources, or (once handed over) their ids.
type segment[T any] struct {
	from  int
	items []T
	ids   []string
}

func (s *segment[T]) len() int { return len(s.items) + len(s.ids) }

// add places page p, asked at startIndex start, and hands its new runs
// over when the assembly does.
func (a *assembly[T]) add(start int, p listPage[T]) error {
	runs, err := a.place(start, p)
	if err != nil || a.hand == nil {
		return err
	}
	a.handMu.Lock()
	defer a.handMu.Unlock()
	for _, r := range runs {
		if err := a.hand(r); err != nil {
			return err
		}
	}
	return nil
}

// place puts page p, asked at startIndex start, in position, and returns
// the runs of new resources when they are to be handed over.
func (a *assembly[T]) place(start int, p listPage[T]) ([][]T, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p.total != a.total {
		return nil, fmt.Errorf("list %s: %w (totalResults %d, then %d at startIndex %d)"+runAgain,
			a.plural, ErrChanged, a.total, p.total, start)
	}
	var runs [][]T
	firstMet, lastMet := false, false // the page's first (last) position was filled already
	run := -1                         // index in p.items where the current run of new resources began
	flush := func(end int) {
		if run < 0 {
			return
		}
		seg := segment[T]{from: start - 1 + run, items: p.items[run:end:end]}
		if a.hand != nil {
			runs = append(runs, seg.items)
			seg.ids = make([]string, len(seg.items))
			for i, v := range seg.items {
				seg.ids[i] = a.idOf(v)
			}
			seg.items = nil
		}
		a.insert(seg)
		run = -1
	}
	for i, v := range p.items {
		pos := start - 1 + i
		if pos >= a.total {
			return nil, fmt.Errorf("list %s: the page at startIndex %d holds more resources than totalResults %d", a.plural, start, a.total)
		}
		id := a.idOf(v)
		if prev, ok := a.seen[id]; ok && prev != pos {
			// Twice in this page only when this page put it at prev (an
			// overlapping page may have placed it there first).
			if j := prev - (start - 1); j >= 0 && j < i && a.idOf(p.items[j]) == id {
				return nil, fmt.Errorf("list %s: id %s is listed twice in the page at startIndex %d, at positions %d and %d: refusing a partial read",
					a.plural, a.show(id), start, prev+1, pos+1)
			}
			// Another page placed it at prev: a resource created or
			// deleted between the two pages moved it (or the server's order is
			// not stable): read again, as for any other change.
			return nil, fmt.Errorf("list %s: id %s came back at positions %d and %d, on the page at startIndex %d (one created or deleted between the two pages moved it; or the server's order is not stable from one page to the next, or it answers a startIndex past the end with the first page again): %w"+runAgain,
				a.plural, a.show(id), prev+1, pos+1, start, ErrChanged)
		}
		if old, ok := a.idAt(pos); ok {
			if old != id {
				return nil, fmt.Errorf("list %s: position %d held %s, then %s: %w"+runAgain,
					a.plural, pos+1, a.show(old), a.show(id), ErrChanged)
			}
			if e, ok := a.edges[pos]; ok {
				if !a.same(e, v) { // (edges are kept only when same is set)
					return nil, fmt.Errorf("list %s: %s at position %d read differently on two pages (the second to arrive: the page at startIndex %d): %w"+runAgain,
						a.plural, a.show(id), pos+1, start, ErrChanged)
				}
				delete(a.edges, pos)
			}
			if i == 0 {
				firstMet = true
			}
			if i == len(p.items)-1 {
				lastMet = true
			}
			flush(i)
			continue
		}
		if run < 0 {
			run = i
		}
		a.seen[id] = pos
		a.count++
	}
	flush(len(p.items))
	if p.more {
		return nil, fmt.Errorf("list %s: the page at startIndex %d holds more resources than totalResults %d", a.plural, start, a.total)
	}
	if n := len(p.items); n > 0 {
		if a.edges == nil && !a.noEdges {
			a.edges = map[int]T{}
		}
		if !firstMet && !a.noEdges {
			a.edges[start-1] = p.items[0]
		}
		if !lastMet && !a.noEdges {
			a.edges[start-1+n-1] = p.items[n-1]
		}
		switch {
		case start == 1:
		case start-1+n == a.total:
			a.endN = n
		default:
			a.laterMax = max(a.laterMax, n)
		}
	}
	if a.placed != nil {
		a.placed(a.count, a.total)
	}
	return runs, nil
}

// show makes a server-supplied id fit for a message.
func (a *assembly[T]) show(id string) string { return sanitize.Server(a.red, id, shownID) }

// insert adds s, which overlaps no segment, keeping segs sorted.
func (a *assembly[T]) insert(s segment[T]) {
	i := sort.Search(len(a.segs), func(i int) bool { return a.segs[i].from > s.from })
	a.segs = slices.Insert(a.segs, i, s)
}

// idAt returns the id of the resource at pos, if any.
func (a *assembly[T]) idAt(pos int) (string, bool) {
	i := sort.Search(len(a.segs), func(i int) bool { return a.segs[i].from+a.segs[i].len() > pos })
	if i >= len(a.segs) || a.segs[i].from > pos {
		return "", false
	}
	s := &a.segs[i]
	if s.items == nil {
		return s.ids[pos-s.from], true
	}
	return a.idOf(s.items[pos-s.from]), true
}

// firstGap is the first position not filled.
func (a *assembly[T]) firstGap() int {
	next := 0
	for _, s := range a.segs {
		if s.from > next {
			return next
		}
		next = s.from + s.len()
	}
	return next
}

// missing describes the unfilled positions as ranges, e.g. "positions
// 181-200".
func (a *assembly[T]) missing() string {
	var parts []string
	add := func(from, to int) { // 0-based, to exclusive
		switch {
		case len(parts) == 5:
			parts = append(parts, "…")
		case len(parts) > 5:
		case to-from == 1:
			parts = append(parts, strconv.Itoa(from+1))
		default:
			parts = append(parts, fmt.Sprintf("%d-%d", from+1, to))
		}
	}
	next := 0
	for _, s := range a.segs {
		if s.from > next {
			add(next, s.from)
		}
		next = s.from + s.len()
	}
	if next < a.total {
		add(next, a.total)
	}
	return "positions " + strings.Join(parts, ", ")
}

// result returns the resources in position order, releasing the segments
// as they are copied.
func (a *assembly[T]) result() []T {
	switch len(a.segs) {
	case 0:
		return []T{}
	case 1:
		return a.segs[0].items
	}
	out := make([]T, 0, a.count)
	for i := range a.segs {
		out = append(out, a.segs[i].items...)
		a.segs[i].items = nil
	}
	a.segs = nil
	return out
}
