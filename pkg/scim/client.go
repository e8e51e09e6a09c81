// Package scim is the SCIM 2.0 wire client for W&B: authentication bound to
// one origin, no redirects, defensive paging with streaming and strict
// decoding, retries (go-retry) with Retry-After, a client-side token bucket,
// errors classified once into typed values, one redactor over every string a
// server sends, an optional JSON Lines trace of every exchange, and decoding
// of W&B's response shapes (legacy and RFC). It reads Users, Groups and
// Roles and implements apply.Writer for writes. See docs/wandb-api.md for
// the server's behaviour.
//
// It never imports apply, observed or emulator, and does no os.* I/O; what
// it may import is checked by internal/layout's test.
package scim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// Defaults of Config.
const (
	// DefaultConcurrency is the default number of parallel requests.
	DefaultConcurrency = 4
	// DefaultRateLimit is the default token-bucket rate in requests/second.
	DefaultRateLimit = 10
	// DefaultTimeout is the default per-request timeout.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxElapsed is the default retry budget of one request.
	DefaultMaxElapsed = 2 * time.Minute
	// DefaultPageSize is the default count asked per list page: W&B's
	// documented maximum, so that a W&B org reads in as few pages as it
	// allows.
	DefaultPageSize = caps.PageSize
	// DefaultBackoffBase is the default first retry delay.
	DefaultBackoffBase = 200 * time.Millisecond
)

// Config configures a Client. Zero values take the defaults above.
type Config struct {
	// BaseURL is the SCIM base, e.g. https://api.wandb.ai/scim or
	// http://127.0.0.1:8080/scim; Users live at BaseURL+"/Users". http:// is
	// refused unless the host is loopback.
	BaseURL string
	// APIKey authenticates requests to BaseURL's origin only. It is never
	// logged, traced or part of an error.
	APIKey string
	// Auth is "bearer" (default) or "basic" (Basic base64(":"+key)).
	Auth string
	// Deployment shapes writes: reactivation and email updates exist only on
	// Dedicated Cloud, and messages name the right product.
	Deployment model.Deployment
	// Concurrency bounds the requests in flight (default 4, at most
	// caps.Concurrency).
	Concurrency int
	// RateLimit is the token bucket in requests/second (default 10; 0 means
	// the default; negative means unlimited; otherwise finite and at least
	// caps.MinRateLimit).
	RateLimit float64
	// Timeout bounds one request attempt: until the headers arrive, then
	// again for reading the body (default 30s).
	Timeout time.Duration
	// MaxElapsed is the retry budget of one request (default 2m).
	MaxElapsed time.Duration
	// BackoffBase is the first retry delay, doubled per retry with 20%
	// jitter (default 200ms).
	BackoffBase time.Duration
	// PageSize is the count asked per list page (default and maximum
	// caps.PageSize).
	PageSize int
	// MaxBody, when positive, lowers the body caps (caps.ListBody for list
	// pages, caps.Body for the rest) to this many bytes. Tests use it.
	MaxBody int64
	// ReadOnly makes every write return ErrReadOnly without touching the
	// network.
	ReadOnly bool
	// HTTPClient sends the requests (default: a client with the default
	// transport). Its Transport is wrapped for auth, logging and tracing,
	// and redirects are never followed.
	HTTPClient *http.Client
	// Logger receives a debug line per exchange (method, path, status,
	// duration; never headers) and an info line per retry. Default: none.
	Logger *zap.Logger
	// UserAgent is sent as User-Agent when set.
	UserAgent string
	// Trace, when set, receives one JSON object per HTTP exchange (JSON
	// Lines, see TraceRecord), redacted and without Authorization.
	Trace io.Writer
	// OnPage, when set, is called after each page of a whole-collection
	// read (ListUsers, ListGroups) with the collection ("users", "groups"),
	// the resources read so far and totalResults, from any goroutine: for a
	// progress display. Filtered look-ups do not call it.
	OnPage func(collection string, read, total int)
	// Getenv, when set, is where New's proxy check reads HTTPS_PROXY,
	// HTTP_PROXY and NO_PROXY (the CLI passes the process environment), so
	// that a value net/http would silently ignore (one that does not
	// parse as a URL, sending every request around the proxy) is refused.
	// It checks only: requests use net/http's own reading of the process
	// environment. Nil: only what net/http reports is checked.
	Getenv func(string) string
}

// Client talks to one W&B SCIM endpoint. It is safe for concurrent use.
type Client struct {
	base       *url.URL
	red        *sanitize.Redactor
	deployment model.Deployment
	bearer     bool // the key goes as Bearer (not Basic)
	// accepted: a request was answered 2xx, so the key and its scheme work
	// (a later 401 is no question of the scheme)
	accepted atomic.Bool
	// answered: some request of this client got an HTTP answer (any
	// status), so something listens at the URL: a connection refused
	// after that is a server restarting, and is retried
	answered atomic.Bool
	// proxied: the requests go through a proxy the environment names
	// (HTTPS_PROXY, HTTP_PROXY), which a connection that stalls or closes
	// may be the work of
	proxied bool
	// oneEmailShown: a user a read listed showed its emails as one
	// object or string (W&B's documented shape), not an array: a user
	// holding several (on Multi-tenant Cloud) shows one, and a secondary
	// email may be unseen (UnseenHolder)
	oneEmailShown atomic.Bool
	readOnly      bool
	pageSize      int
	conc          int
	timeout       time.Duration
	maxElapsed    time.Duration
	listBody      int64 // cap of a list page body
	body          int64 // cap of every other body
	log           *zap.Logger
	http          *http.Client
	limiter       *rate.Limiter
	// pausedUntil (nanoseconds since epoch, on the monotonic clock, so
	// that a step of the wall clock moves nothing) holds every request
	// back after a 429 whose Retry-After asked to wait: the server limits
	// the client, not one request, so the other workers wait too.
	pausedUntil atomic.Int64
	// windowLogged: a wait for the server's rate-limit window was logged
	// at info (heed); later ones go to debug
	windowLogged atomic.Bool
	// onePageWarned: a read of one resource a page was warned about
	// (lister.run), once per client
	onePageWarned atomic.Bool
	// windowWaits: the waits heed made, in all (nanoseconds); each whole
	// minute of them is logged at info, so that a run the server holds
	// back window after window is not silent (windowMinutes: logged).
	windowWaits, windowMinutes atomic.Int64
	// serverLag is the server's clock less this machine's (nanoseconds),
	// by the Date header of the last answer that carried one; dated says
	// one did (ServerLag).
	serverLag atomic.Int64
	dated     atomic.Bool
	epoch     time.Time
	sem       chan struct{} // requests in flight
	bodies    chan struct{} // bodies being read and decoded
	// lookUps holds the look-ups whose answer takes more than one page
	// (caps.LookUps at once; see lookUp).
	lookUps chan struct{}
	// unplaced holds list pages decoded (or being decoded) and not yet
	// placed and handed over: a page waiting for the hand-over (the
	// conversion of the page before) holds its resources after its body
	// slot is given back, so without this bound --concurrency would
	// multiply them.
	unplaced chan struct{}
	// unplacedFull, when set (tests), is called when a page waits for an
	// unplaced slot.
	unplacedFull func()

	// backoffBase is the first retry delay (tests shorten it).
	backoffBase time.Duration
	// failedInARow counts the writes in a row that failed after retrying
	// what could heal (a call its context ended does not count); from
	// caps.FailedInARow on, writes are tried once until a write succeeds
	// (the run-wide retry budget). Reads, such as apply's verification,
	// keep their retries, and their successes give writes none back.
	failedInARow atomic.Int32

	onPage func(collection string, read, total int) // Config.OnPage

	// stopped is cancelled by StopRetrying: no attempt is sent again, and
	// every wait before a send (retry backoff, request slot, a 429's pause,
	// the rate limit) ends.
	stopped context.Context
	stop    context.CancelFunc
	// writesStopped is cancelled by StopWrites: no write not yet sent is
	// sent (reads go on).
	writesStopped context.Context
	stopWrites    context.CancelFunc
	// seatsStopped is cancelled by StopSeatWrites: no write that takes a
	// seat (call.seat) not yet sent is sent.
	seatsStopped context.Context
	stopSeats    context.CancelFunc

	mu         sync.Mutex
	names      map[string]string // user id → userName, for error messages
	emails     map[string]string // user id → primary email, for CreateUser's answer check
	knownTeams map[string]string // group id → name, seen by ListGroups or created
	// teamSeen: group id → teamSeq when it became known, so that a create
	// tells the teams known before it (teamMark) without a copy of them
	teamSeen map[string]uint64
	teamSeq  uint64
	// createdAs: a team this client created whose answer named it otherwise
	// (W&B team names are lowercase): requested name → answered name, which
	// SetTeamRole addresses, as W&B finds team roles by exact name
	createdAs map[string]string
}

// New checks cfg and builds a Client.
func New(cfg Config) (*Client, error) {
	base, err := parseBase(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	header, err := authHeader(cfg.Auth, cfg.APIKey)
	if err != nil {
		return nil, err
	}
	if cfg.Concurrency > caps.Concurrency || cfg.Concurrency < 0 {
		return nil, fmt.Errorf("concurrency %d: want 1 to %d", cfg.Concurrency, caps.Concurrency)
	}
	if cfg.PageSize > caps.PageSize || cfg.PageSize < 0 {
		return nil, fmt.Errorf("page size %d: want 1 to %d (W&B's maximum per request)", cfg.PageSize, caps.PageSize)
	}
	c := &Client{
		base:        base,
		red:         sanitize.NewRedactor(cfg.APIKey),
		deployment:  cfg.Deployment,
		bearer:      cfg.Auth != "basic",
		readOnly:    cfg.ReadOnly,
		pageSize:    orInt(cfg.PageSize, DefaultPageSize),
		conc:        orInt(cfg.Concurrency, DefaultConcurrency),
		timeout:     orDur(cfg.Timeout, DefaultTimeout),
		maxElapsed:  orDur(cfg.MaxElapsed, DefaultMaxElapsed),
		listBody:    caps.ListBody,
		body:        caps.Body,
		log:         cfg.Logger,
		backoffBase: orDur(cfg.BackoffBase, DefaultBackoffBase),
		epoch:       time.Now(),
		onPage:      cfg.OnPage,
		bodies:      make(chan struct{}, caps.BodySlots),
		lookUps:     make(chan struct{}, caps.LookUps),
		unplaced:    make(chan struct{}, caps.BodySlots),
		names:       map[string]string{},
		knownTeams:  map[string]string{},
		teamSeen:    map[string]uint64{},
		createdAs:   map[string]string{},
	}
	if cfg.MaxBody > 0 {
		c.listBody, c.body = min(c.listBody, cfg.MaxBody), min(c.body, cfg.MaxBody)
	}
	if c.log == nil {
		c.log = zap.NewNop()
	}
	c.sem = make(chan struct{}, c.conc)
	c.stopped, c.stop = context.WithCancel(context.Background())
	c.writesStopped, c.stopWrites = context.WithCancel(context.Background())
	c.seatsStopped, c.stopSeats = context.WithCancel(context.Background())
	if c.limiter, err = limiter(cfg.RateLimit, c.conc); err != nil {
		return nil, err
	}
	c.http = c.httpClient(cfg, header)
	if cfg.HTTPClient == nil || cfg.HTTPClient.Transport == nil {
		if err := proxyProblem(base, cfg.Getenv); err != nil {
			return nil, err
		}
		p, _ := http.ProxyFromEnvironment(&http.Request{URL: base})
		c.proxied = p != nil
	}
	return c, nil
}

// proxyProblem refuses, before any request, a proxy the environment names
// for base (HTTPS_PROXY, HTTP_PROXY) that no request could go through: one
// that does not parse, names no host, or an invalid port. Every request
// would otherwise fail as a connection error and be retried for the whole
// budget, or, for a value that does not parse (which net/http ignores
// without a word), go straight to the server around the proxy the
// environment asks for. The value is not quoted: it may hold a password.
func proxyProblem(base *url.URL, getenv func(string) string) error {
	p, err := http.ProxyFromEnvironment(&http.Request{URL: base})
	if err != nil {
		// The one error net/http returns here: HTTP_PROXY set in a CGI
		// environment, which it refuses for every http:// request
		// (golang.org/s/cgihttpproxy); NO_PROXY does not help.
		return fmt.Errorf("the proxy %s names for %s is not usable: REQUEST_METHOD is set (a CGI environment), where Go refuses HTTP_PROXY for http:// URLs (unset HTTP_PROXY or REQUEST_METHOD)", proxyVars(base.Scheme), base.Scheme+"://"+base.Host)
	}
	bad := ""
	switch {
	case p == nil && unparsedProxy(base, getenv):
		bad = "it does not parse as a URL; a % in a password is written %25"
	case p == nil:
		return nil
	case p.Hostname() == "", schemeOnly(proxyValue(base, getenv)):
		// "http://" parses without a host, which net/http then reads
		// again as http://http:// (a proxy host named "http").
		bad = "it names no host"
	case p.Port() != "":
		if n, err := strconv.Atoi(p.Port()); err != nil || n < 1 || n > 65535 {
			bad = "its port is not a number from 1 to 65535"
		}
	}
	if bad == "" {
		return nil
	}
	return fmt.Errorf("the proxy %s names for %s is not usable: %s (fix or unset it, or name the host in NO_PROXY)", proxyVars(base.Scheme), base.Scheme+"://"+base.Host, bad)
}

// unparsedProxy reports whether the environment names a proxy for base
// that net/http drops because it does not parse, even with http://
// prepended (as net/http tries), for a host net/http would send through
// a proxy (not loopback, not excluded by NO_PROXY). The variables are
// looked up as net/http does: the upper-case name first.
func unparsedProxy(base *url.URL, getenv func(string) string) bool {
	if getenv == nil || isLoopback(base.Hostname()) {
		return false
	}
	raw := proxyValue(base, getenv)
	if raw == "" {
		return false
	}
	if _, err := url.Parse(raw); err == nil {
		return false
	}
	if _, err := url.Parse("http://" + raw); err == nil {
		return false
	}
	return !noProxyNames(base.Hostname(), getenv)
}

// proxyValue is the proxy variable's value for base's scheme, looked up as
// net/http does (the upper-case name first); "" when none is set.
func proxyValue(base *url.URL, getenv func(string) string) string {
	if getenv == nil {
		return ""
	}
	names := proxyEnv(base.Scheme)
	if raw := getenv(names[0]); raw != "" {
		return raw
	}
	return getenv(names[1])
}

// schemeOnly reports whether a proxy value parses as a URL with a proxy
// scheme net/http knows and nothing where its host would be ("http://",
// "http:///"). Another "scheme" is a host ("myproxy:" is myproxy, port 80).
func schemeOnly(raw string) bool {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host != "" || u.Opaque != "" || u.User != nil:
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "socks5", "socks5h":
		return true
	}
	return false
}

// noProxyNames reports whether NO_PROXY (or no_proxy) names host, as
// net/http reads it: "*", an IP or CIDR block, or a domain matching the
// host and its subdomains. It errs toward naming the host (ports are
// ignored; ".example.com" also names example.com, which net/http does
// not): a broken proxy value is refused only when host surely goes
// through it.
func noProxyNames(host string, getenv func(string) string) bool {
	list := getenv("NO_PROXY")
	if list == "" {
		list = getenv("no_proxy")
	}
	host = strings.ToLower(strings.TrimSuffix(foldWidth(host), "."))
	idnHost := !ascii(host) || strings.Contains(host, "xn--")
	ip := net.ParseIP(host)
	for _, e := range strings.Split(list, ",") {
		e = strings.ToLower(strings.TrimSpace(foldWidth(e)))
		switch {
		case e == "":
			continue
		case e == "*":
			return true
		}
		if _, block, err := net.ParseCIDR(e); err == nil {
			if ip != nil && block.Contains(ip) {
				return true
			}
			continue
		}
		if h, _, err := net.SplitHostPort(e); err == nil {
			e = h
		}
		e = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(e, "*"), "."), ".")
		if !ascii(e) || strings.Contains(e, "xn--") {
			// net/http compares international names in their xn-- form,
			// which this check does not compute: such an entry may name
			// an international host (assumed to), never a plain one.
			if idnHost {
				return true
			}
			continue
		}
		if eip := net.ParseIP(e); eip != nil {
			if ip != nil && eip.Equal(ip) {
				return true
			}
			continue
		}
		if e != "" && (host == e || strings.HasSuffix(host, "."+e)) {
			return true
		}
	}
	return false
}

// foldWidth maps fullwidth ASCII forms (ｗａｎｄｂ) and the full stops IDNA
// reads as "." (。．｡) to ASCII, as net/http's IDNA mapping does, so that
// such a NO_PROXY entry or host is compared as the name it stands for.
func foldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		case r == 0x3002 || r == 0xFF0E || r == 0xFF61:
			return '.'
		}
		return r
	}, s)
}

// ascii reports whether s is all ASCII.
func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// httpClient copies cfg.HTTPClient with the wrapping transport and a
// redirect policy that never follows.
func (c *Client) httpClient(cfg Config, header string) *http.Client {
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	inner := hc.Transport
	if inner == nil {
		dt := http.DefaultTransport.(*http.Transport).Clone()
		dt.MaxResponseHeaderBytes = caps.ResponseHeaders
		dt.OnProxyConnectResponse = proxyAnswer
		inner = dt
	}
	cp := *hc
	t := &transport{next: inner, auth: header, origin: originOf(c.base), ua: cfg.UserAgent, log: c.log, red: c.red, readOnly: cfg.ReadOnly}
	if cfg.Trace != nil {
		t.trace = &tracer{w: cfg.Trace, red: c.red, log: c.log}
	}
	cp.Transport = t
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// authHeader builds the Authorization value ("" without a key).
func authHeader(auth, key string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(auth)) {
	case "", "bearer":
		if key == "" {
			return "", nil
		}
		return "Bearer " + key, nil
	case "basic":
		if key == "" {
			return "", nil
		}
		return basicHeader(key), nil
	}
	return "", fmt.Errorf("auth %q: want bearer or basic", auth)
}

// pause holds every request back for d from now (a 429's Retry-After),
// unless a longer pause is already set; it reports whether it started a
// pause where none was on.
func (c *Client) pause(d time.Duration) bool {
	now := time.Since(c.epoch)
	until := int64(now + d)
	for {
		cur := c.pausedUntil.Load()
		if cur >= until {
			return false
		}
		if c.pausedUntil.CompareAndSwap(cur, until) {
			return cur <= int64(now)
		}
	}
}

// heed holds every request back when an answer that was not a 429 says
// the server's rate-limit window has no request left (windowSpent), until
// the window resets: the request after it would be refused 429 and be
// sent again, so waiting first costs the same time and no refusal. A wait
// beyond the retry budget is not waited for here: the next request meets
// the server's 429, which the retry rules judge (a request refused with a
// wait beyond the budget gives up and says so).
//
// The first such wait of a run is logged at info, later ones at debug (a
// server that spends its window every few requests would fill the log),
// and each whole minute they come to in all at info.
func (c *Client) heed(cl call, h http.Header) {
	d, ok := windowSpent(h)
	if !ok || d > c.maxElapsed || !c.pause(d) {
		return
	}
	log := c.log.Debug
	msg := "SCIM server's rate-limit window is spent (RateLimit-Remaining: 0): requests wait for it to reset"
	if c.windowLogged.CompareAndSwap(false, true) {
		log = c.log.Info
		msg += " (later windows are logged at debug, and each minute they come to in all at info)"
	}
	log(msg, zap.String("method", cl.method), zap.String("path", c.pathOf(cl)), zap.Duration("wait", d))
	total := time.Duration(c.windowWaits.Add(int64(d)))
	if m := int64(total / time.Minute); m > 0 {
		if seen := c.windowMinutes.Load(); m > seen && c.windowMinutes.CompareAndSwap(seen, m) {
			c.log.Info("the SCIM server's rate-limit windows have held requests back for "+total.Round(time.Second).String()+" in all so far",
				zap.Int64("windows_waited_minutes", m))
		}
	}
}

// paused is how long requests are still held back by pause.
func (c *Client) paused() time.Duration {
	return time.Duration(c.pausedUntil.Load()) - time.Since(c.epoch)
}

// limiter builds the token bucket: 0 is the default rate, negative is
// unlimited, anything else must be finite and at least caps.MinRateLimit.
// Requests start at the rate on average; its burst, how many may start at
// once, is the concurrency but never more than one second's worth of the
// rate (at least one): at --rate-limit 0.2 requests start five seconds
// apart, whatever --concurrency allows.
func limiter(r float64, conc int) (*rate.Limiter, error) {
	switch {
	case math.IsNaN(r) || math.IsInf(r, 0):
		return nil, fmt.Errorf("rate limit %v: want a finite number of requests per second", r)
	case r == 0:
		r = float64(DefaultRateLimit)
	case r < 0:
		return rate.NewLimiter(rate.Inf, 1), nil
	case r < caps.MinRateLimit:
		return nil, fmt.Errorf("rate limit %v: want at least %v requests per second", r, caps.MinRateLimit)
	}
	return rate.NewLimiter(rate.Limit(r), int(max(1, min(float64(conc), math.Floor(r))))), nil
}

// Redactor returns the redactor of the client's key: what the client
// redacts, a caller writing its own output redacts the same way.
func (c *Client) Redactor() *sanitize.Redactor { return c.red }

// StopRetrying makes every request in flight, and every later one, end
// with its current attempt: no attempt is sent again. apply calls it when
// the run is interrupted (a retry is a new request, which an interrupt
// must not start).
func (c *Client) StopRetrying() { c.stop() }

// StopWrites makes every write not yet sent (waiting for its turn, a
// 429's pause or the rate limit) end unsent, and every later one too:
// apply calls it once the server refused the key (KeyRefused). Reads go
// on; requests already sent are answered as they are.
func (c *Client) StopWrites() { c.stopWrites() }

// StopSeatWrites makes every user create and reactivation not yet sent
// (waiting for its turn, a 429's pause or the rate limit) end unsent, and
// every later one too: apply calls it once the server refused one for the
// organization's seat limit, which it would refuse alike. Other requests
// go on.
func (c *Client) StopSeatWrites() { c.stopSeats() }

// BaseURL returns the checked SCIM base URL (no trailing slash, no query).
func (c *Client) BaseURL() string { return c.base.String() }

// parseBase checks the base URL: absolute, https (or http on loopback), a
// valid port, no credentials.
func parseBase(raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, errors.New("no SCIM base URL (e.g. https://api.wandb.ai/scim)")
	}
	// The shape of a base URL (scheme, host, port, no user information,
	// query or fragment) is model.CanonicalURL's rule; plain http only on
	// loopback is the client's own.
	canon, err := model.CanonicalURL(raw)
	if err != nil {
		return nil, fmt.Errorf("SCIM base URL %s: %v", model.ShowURL(raw), err)
	}
	u, err := url.Parse(canon)
	if err != nil { // cannot happen: canon parsed once already
		return nil, fmt.Errorf("SCIM base URL %s: %w", model.ShowURL(raw), err)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("SCIM base URL %s: plain http:// is refused unless the host is loopback; use https://", u.Redacted())
	}
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") { // localhost. is the same name, fully qualified
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func orInt(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

func orDur(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}

// safe makes a server-supplied string fit for an error or a log: redacted,
// controls escaped, then cut.
func (c *Client) safe(s string) string { return sanitize.Server(c.red, s, caps.Detail) }

// rememberName records a user's userName for error messages.
func (c *Client) rememberName(id, userName string) {
	if id == "" {
		return
	}
	c.mu.Lock()
	c.names[id] = userName
	c.mu.Unlock()
}

// listed returns the userName and primary email the read (or an earlier
// write of this client) listed user id under, and whether it did.
func (c *Client) listed(id string) (userName, email string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	userName, ok = c.names[id]
	return userName, c.emails[id], ok
}

// rememberNames records the userNames of a whole list, under one lock, in
// a map sized for it when none is known yet. A read-only client, which
// writes nothing, keeps none.
func (c *Client) rememberNames(users []User) {
	if c.readOnly {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.names) == 0 {
		c.names = make(map[string]string, len(users))
	}
	if c.emails == nil {
		c.emails = make(map[string]string, len(users))
	}
	for _, u := range users {
		if u.ID != "" {
			c.names[u.ID] = u.UserName
			if len(u.Emails) > 0 {
				c.emails[u.ID] = u.Emails[0].Value
			}
		}
	}
}

// who names a user for an error message: "user alice@x (id ID)" when known.
func (c *Client) who(id string) string { return c.named("user", c.names, id) }

// team names a team for an error message.
func (c *Client) team(id string) string { return c.named("team", c.knownTeams, id) }

// named is "KIND NAME (id ID)" when names knows id, else "KIND id ID"; both
// come from the server, so both are made safe.
func (c *Client) named(kind string, names map[string]string, id string) string {
	c.mu.Lock()
	n := names[id]
	c.mu.Unlock()
	if n == "" {
		return kind + " id " + c.safe(id)
	}
	return fmt.Sprintf("%s %s (id %s)", kind, c.safe(n), c.safe(id))
}

// rememberTeams records the names of the groups listed (for messages and
// CreateTeam's adoption); a read-only client keeps none.
func (c *Client) rememberTeams(groups []Group) {
	if c.readOnly {
		return
	}
	c.mu.Lock()
	for _, g := range groups {
		c.knownTeams[g.ID] = g.DisplayName
		if _, ok := c.teamSeen[g.ID]; !ok {
			c.teamSeq++
			c.teamSeen[g.ID] = c.teamSeq
		}
	}
	c.mu.Unlock()
}

// teamMark marks the teams known now: knownAt(id, mark) reports whether
// team id was among them. (A create compares the teams of its name with
// the ones known before it; a copy of them per create made creating
// 50,000 teams quadratic.)
func (c *Client) teamMark() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.teamSeq
}

// knownAt reports whether team id was known at mark (teamMark).
func (c *Client) knownAt(id string, mark uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	seq, ok := c.teamSeen[id]
	return ok && seq <= mark
}

// noteDate records the server's clock from an answer's Date header (any
// of HTTP's three date forms), received at this machine's time at.
func (c *Client) noteDate(h http.Header, at time.Time) {
	d, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return
	}
	c.serverLag.Store(int64(d.Sub(at)))
	c.dated.Store(true)
}

// ServerLag is the server's clock less this machine's, by the Date header
// of the last answer (whole seconds: within a second or so), and whether
// any answer carried one.
func (c *Client) ServerLag() (lag time.Duration, ok bool) {
	return time.Duration(c.serverLag.Load()), c.dated.Load()
}
