package doctor

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/sanitize"
	"github.com/wbsync/wbsync/pkg/scim"
)

// PagingProbe is what the /Users probes saw of paging.
type PagingProbe struct {
	// Total is the totalResults of the first page.
	Total int
	// First are the ids answered at startIndex 1 for count 1.
	First []string
	// Second are the ids answered at startIndex SecondAt (0 means 2: the
	// one after First; len(First)+1 when count is ignored) for count 1,
	// PastEnd those at startIndex Total+1 (nil with their errors when not
	// asked or failed).
	Second, PastEnd       []string
	SecondErr, PastEndErr error
	SecondAt              int
	// Pair are the ids answered at startIndex 2 for count 2 (nil when not
	// asked or failed): a server that takes startIndex for a page number
	// answers them from its page start, the first user.
	Pair []string
	// Last are the ids answered at startIndex Total for count 1 (nil when
	// not asked or failed): the last position holds one user, unless the
	// server counts startIndex from 0 or totalResults overcounts.
	Last []string
	// PageSize is the count asked for a full page, FullPage how many users
	// that page held, ItemsPerPage what it reported (-1: absent,
	// notACount: not a count).
	PageSize, FullPage, ItemsPerPage int
	// Over is whether the count 1 page held more than caps.PageSize users
	// (First holds the first caps.PageSize of them), a page wbsync's reads
	// refuse.
	Over bool
}

// pastFirstPage is the status of a fault that fails reads past the first
// page: Fail when a read goes past it (more users than a page holds), so
// that wbsync cannot read the server; Warn otherwise.
func (p PagingProbe) pastFirstPage() Status {
	if p.Total > p.PageSizeServed() {
		return Fail
	}
	return Warn
}

// secondAt is the startIndex of the Second probe.
func (p PagingProbe) secondAt() int {
	if p.SecondAt == 0 {
		return 2
	}
	return p.SecondAt
}

// PageSizeServed is how many users a page holds: the count asked, or less
// when the server caps its pages.
func (p PagingProbe) PageSizeServed() int {
	if p.FullPage > 0 && p.FullPage < min(p.Total, p.PageSize) {
		return p.FullPage
	}
	return max(p.PageSize, 1)
}

// Paging judges whether count and startIndex are honoured: a server that
// ignores them is fine while a list fits one page; one that answers a
// startIndex past the end with users again makes a read whose totalResults
// overcounts fail closed. red hides the key in what the server sent.
func Paging(p PagingProbe, red *sanitize.Redactor) Check {
	c := Check{Name: NamePaging, Status: OK}
	fits := p.FullPage >= p.Total && p.Total <= caps.PageSize
	switch {
	case p.Over:
		c.Status, c.Detail = Fail, fmt.Sprintf("count is ignored (count=1 answered more than %d users, W&B's most per request): wbsync refuses such a page, so it cannot read this server", caps.PageSize)
		return c
	case len(p.First) > 1:
		c.Detail = fmt.Sprintf("count is ignored (count=1 answered %d users)", len(p.First))
		switch {
		case max(p.FullPage, len(p.First)) > p.Total:
			// Not a list that fits one page: totalResults undercounts
			// what a page lists (counts says so too), as below.
			c.Status = Warn
			c.Detail += fmt.Sprintf(", and totalResults %d counts fewer users than the server lists (a page held %d): reads of such a list fail closed", p.Total, max(p.FullPage, len(p.First)))
		case fits:
			c.Detail += fmt.Sprintf(": fine while every list fits one page (all %d users did, at most %d)", p.Total, caps.PageSize)
		case p.SecondErr == nil && len(p.Second) > 0 && !slices.Contains(p.First, p.Second[0]):
			// Fixed pages from startIndex: a read steps by what each page
			// holds, so it works.
			c.Detail += fmt.Sprintf(", but startIndex is honoured (startIndex=%d answered the next user): reads step by the %d users a page holds, less the one each page shares with the page before it",
				p.secondAt(), len(p.First))
		case p.SecondErr != nil:
			c.Status = Warn
			c.Detail += fmt.Sprintf(" and a page held %d of %d users; startIndex=%d failed: %s", p.FullPage, p.Total, p.secondAt(),
				errText(red, p.SecondErr))
		default:
			c.Status = Fail // wbsync cannot read this server
			c.Detail += fmt.Sprintf(" and a page held %d of %d users: reads will fail closed", p.FullPage, p.Total)
			if p.Second != nil {
				c.Detail += fmt.Sprintf(" (startIndex=%d answered no next user)", p.secondAt())
			}
		}
		return c
	case p.Total > 0 && len(p.First) == 0 && p.FullPage == 0:
		c.Status, c.Detail = Fail, fmt.Sprintf("the first page (startIndex=1) answered no user though totalResults is %d: reads fail closed", p.Total)
		return c
	case p.Total > 0 && len(p.First) == 0:
		// count=1 answered none, a full page answered users: paging
		// was not probed (no startIndex=2 request was sent).
		c.Status, c.Detail = Warn, fmt.Sprintf("count=1 answered no user though totalResults is %d (a page of %d held %d): paging not probed; reads past one page may fail closed", p.Total, p.PageSize, p.FullPage)
		return c
	case p.Total < 2:
		return notChecked(NamePaging, fmt.Sprintf("%d user(s): too few to page through", p.Total))
	case p.SecondErr != nil:
		c.Status, c.Detail = Warn, "startIndex=2 failed: "+errText(red, p.SecondErr)
		return c
	case len(p.Second) == 0:
		c.Status, c.Detail = p.pastFirstPage(), fmt.Sprintf("startIndex=2 answered no user though totalResults is %d: reads past the first page will fail closed", p.Total)
		return c
	case p.Second[0] == p.First[0]:
		c.Detail = "startIndex is ignored (startIndex=2 answered the first user again)"
		if fits {
			c.Detail += fmt.Sprintf(": fine while every list fits one page (all %d users did)", p.Total)
		} else {
			c.Status = Fail
			c.Detail += fmt.Sprintf(" and a page held %d of %d users: reads will fail closed", p.FullPage, p.Total)
		}
		return c
	case len(p.PastEnd) > 0 && p.FullPage > p.Total:
		// Not an overcount: the list holds more than its total says.
		c.Status = Warn
		c.Detail = fmt.Sprintf("totalResults %d counts fewer users than the server lists (a page held %d, and startIndex=%d, past that count, answered users): reads of such a list fail closed", p.Total, p.FullPage, p.Total+1)
		return c
	case len(p.PastEnd) > 0 && p.PastEnd[0] == p.First[0]:
		c.Status = Warn
		c.Detail = fmt.Sprintf("startIndex=%d, past the end, answered the first page again: a read whose totalResults overcounts will fail closed", p.Total+1)
		return c
	case len(p.PastEnd) > 0:
		c.Status = Warn
		c.Detail = fmt.Sprintf("startIndex=%d, past the end, answered users: totalResults %d may count fewer users than the server lists, and a read that meets one past that count fails closed", p.Total+1, p.Total)
		return c
	}
	if p.Last != nil && len(p.Last) == 0 {
		c.Status = Fail
		c.Detail = fmt.Sprintf("startIndex=%d, the last position of totalResults %d, answered no user: the server counts startIndex from 0 (its pages start one user late, so the first user is never listed) or totalResults counts more users than it lists: reads will fail closed", p.Total, p.Total)
		return c
	}
	if len(p.Pair) > 0 && p.Pair[0] == p.First[0] {
		c.Status = Warn
		c.Detail = "startIndex is taken for a page number (startIndex=2 with count=2 answered from the first user): reads go from the server's page starts, without the one-user overlap that catches a user moving across a page boundary while the pages are read"
		return c
	}
	if len(p.Pair) > 0 && len(p.Second) > 0 && p.Pair[0] != p.Second[0] {
		c.Status = p.pastFirstPage()
		c.Detail = "startIndex is not a position (startIndex=2 answered another user for count=2 than for count=1; a page number times count?): reads past the first page will fail closed, saying the organization changed"
		return c
	}
	parts := []string{"count and startIndex are honoured"}
	if served := p.PageSizeServed(); served < p.PageSize {
		parts = append(parts, fmt.Sprintf("pages hold at most %d users (asked %d)", served, p.PageSize))
	}
	switch ipp := p.ItemsPerPage; {
	case ipp == notACount:
		parts = append(parts, "itemsPerPage is not a count (wbsync does not use it: it steps by what arrives)")
	case ipp < 0:
		parts = append(parts, "no itemsPerPage")
	case ipp == p.FullPage:
		parts = append(parts, fmt.Sprintf("itemsPerPage %d, as the page held", ipp))
	default:
		parts = append(parts, fmt.Sprintf("itemsPerPage %d for a page of %d (wbsync steps by what arrives)", ipp, p.FullPage))
	}
	c.Detail = strings.Join(parts, "; ")
	return c
}

// LatencyProbe is the timing of one full /Users page and the settings a
// full read would run with.
type LatencyProbe struct {
	// Took is how long the page took; PageUsers how many users it held.
	Took      time.Duration
	PageUsers int
	// Users and Teams are the totalResults of /Users and /Groups.
	Users, Teams int
	// Alone is how many groups the full read read alone (listed without
	// their members): one request each, beyond the pages.
	Alone int
	// PageSize is how many resources a page holds.
	PageSize int
	// RateLimit (requests per second, 0 or less: none) and Concurrency
	// are --rate-limit and --concurrency.
	RateLimit   float64
	Concurrency int
	// Timeout is --timeout, each request's limit (0: none).
	Timeout time.Duration
}

// slowRead is the estimated read time above which latency warns.
const slowRead = 10 * time.Minute

// Estimate is the time a full read (users and groups) should take: the
// pages of each, at the rate limit, or at the measured latency spread over
// the concurrency, whichever is slower. It returns the requests too (the
// pages, and the groups read alone).
func (p LatencyProbe) Estimate() (time.Duration, int) {
	users, teams := p.pages()
	pages := users + teams + max(p.Alone, 0)
	var byRate time.Duration
	if p.RateLimit > 0 {
		byRate = time.Duration(math.Ceil(float64(pages) / p.RateLimit * float64(time.Second)))
	}
	// Pages go in rounds of --concurrency; a read never takes less than
	// one page.
	byLatency := time.Duration(ceilDiv(pages, max(p.Concurrency, 1))) * p.Took
	return max(byRate, byLatency), pages
}

// pages is how many list pages a full read takes, of users and of
// groups.
func (p LatencyProbe) pages() (users, teams int) {
	size := max(p.PageSize, 1)
	// A claimed total is bounded as the client bounds it.
	return scim.PagesFor(min(max(p.Users, 0), caps.TotalResults), size), scim.PagesFor(min(max(p.Teams, 0), caps.TotalResults), size)
}

// Latency reports the time of one full page and what it means for a full
// read; it warns above 10 minutes.
func Latency(p LatencyProbe) Check {
	est, _ := p.Estimate()
	users, teams := p.pages()
	read := fmt.Sprintf("%s of users and %d of teams, up to %d resources a page", pluralPages(users), teams, max(p.PageSize, 1))
	if p.Alone > 0 {
		read += fmt.Sprintf(", and %d team(s) read alone, one request each, since the server lists them without their members", p.Alone)
	}
	c := Check{Name: NameLatency, Status: OK, Detail: fmt.Sprintf(
		"one page of %d users took %s; a full read (%s) takes about %s at --rate-limit %s, --concurrency %d",
		p.PageUsers, short(p.Took), read, short(est), rate(p.RateLimit), max(p.Concurrency, 1))}
	if est > slowRead {
		c.Status = Warn
		c.Detail += ": every plan reads the whole organization; raise --concurrency or --rate-limit if the server allows"
	}
	if p.Timeout > 0 && 2*p.Took > p.Timeout {
		// A page near the limit times out on a slower day, and a read
		// that fails is no plan at all.
		c.Status = Warn
		c.Detail += fmt.Sprintf("; that page took more than half of --timeout %s, so reads may time out: raise --timeout, or lower --page-size", short(p.Timeout))
	}
	return c
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// pluralPages is "1 page" or "N pages".
func pluralPages(n int) string {
	if n == 1 {
		return "1 page"
	}
	return fmt.Sprintf("%d pages", n)
}

// short formats a duration to a precision a person reads.
func short(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func rate(r float64) string {
	if r <= 0 {
		return "none"
	}
	return fmt.Sprintf("%g", r)
}
