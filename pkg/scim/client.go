// Package scim is the SCIM 2.0 wire client for W&B: authentication, defensive
// paging, retries (go-retry) with Retry-After, a client-side token bucket,
// typed actionable errors, and decoding of W&B's response shapes (legacy and
// RFC). It reads Users and Groups and implements apply.Writer for writes.
//
// It may import the standard library, pkg/model, zap, go-retry,
// golang.org/x/sync and golang.org/x/time/rate. It never imports apply,
// observed or emulator, and does no os.* I/O.
package scim

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/wbsync/wbsync/pkg/model"
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
	// DefaultPageSize is the default count asked per list page. W&B answers
	// up to 9999 resources in one page; 100 keeps pages small so that paging
	// (and parallel paging) is exercised on every org larger than 100, and a
	// server that honours count never sends one huge body.
	DefaultPageSize = 100
	// DefaultBackoffBase is the default first retry delay.
	DefaultBackoffBase = 200 * time.Millisecond
	// DefaultMaxBody is the default cap on one response body (bytes).
	DefaultMaxBody = 256 << 20
)

// Config configures a Client. Zero values take the defaults above.
type Config struct {
	// BaseURL is the SCIM base, e.g. https://api.wandb.ai/scim or
	// http://127.0.0.1:8080/scim; Users live at BaseURL+"/Users". http:// is
	// refused unless the host is loopback.
	BaseURL string
	// APIKey authenticates every request. It is never logged and never part
	// of an error.
	APIKey string
	// Auth is "bearer" (default) or "basic" (Basic base64(":"+key)).
	Auth string
	// Deployment affects nothing on reads; on writes, reactivation on SaaS is
	// refused with a plain error before anything is sent.
	Deployment model.Deployment
	// Concurrency bounds the requests in flight (default 4).
	Concurrency int
	// RateLimit is the token bucket in requests/second (default 10; <0
	// unlimited; 0 means the default).
	RateLimit float64
	// Timeout bounds one request attempt, body included (default 30s).
	Timeout time.Duration
	// MaxElapsed is the retry budget of one request (default 2m).
	MaxElapsed time.Duration
	// BackoffBase is the first retry delay, doubled per retry with 20%
	// jitter (default 200ms).
	BackoffBase time.Duration
	// PageSize is the count asked per list page (default 100).
	PageSize int
	// MaxBody caps one response body in bytes (default 256 MiB).
	MaxBody int64
	// ReadOnly makes every write return ErrReadOnly without touching the
	// network.
	ReadOnly bool
	// HTTPClient sends the requests (default: a client with the default
	// transport). Its Transport is wrapped for auth and redacted logging.
	HTTPClient *http.Client
	// Logger receives debug lines per request (method, path, status,
	// duration; never headers). Default: no logging.
	Logger *zap.Logger
	// UserAgent is sent as User-Agent when set.
	UserAgent string
}

// Client talks to one W&B SCIM endpoint. It is safe for concurrent use.
type Client struct {
	base       *url.URL
	key        string
	deployment model.Deployment
	readOnly   bool
	pageSize   int
	conc       int
	timeout    time.Duration
	maxElapsed time.Duration
	maxBody    int64
	ua         string
	log        *zap.Logger
	http       *http.Client
	limiter    *rate.Limiter
	sem        chan struct{}

	// backoffBase is the first retry delay (tests shorten it).
	backoffBase time.Duration

	mu         sync.Mutex
	names      map[string]string // user id → userName, for error messages
	knownTeams map[string]string // group id → name, seen by ListGroups or created
}

// New checks cfg and builds a Client.
func New(cfg Config) (*Client, error) {
	base, err := parseBase(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	auth := strings.ToLower(strings.TrimSpace(cfg.Auth))
	if auth == "" {
		auth = "bearer"
	}
	var header string
	switch auth {
	case "bearer":
		header = "Bearer " + cfg.APIKey
	case "basic":
		header = basicHeader(cfg.APIKey)
	default:
		return nil, fmt.Errorf("auth %q: want bearer or basic", cfg.Auth)
	}
	if cfg.APIKey == "" {
		header = ""
	}
	c := &Client{
		base:        base,
		key:         cfg.APIKey,
		deployment:  cfg.Deployment,
		readOnly:    cfg.ReadOnly,
		pageSize:    orInt(cfg.PageSize, DefaultPageSize),
		conc:        orInt(cfg.Concurrency, DefaultConcurrency),
		timeout:     orDur(cfg.Timeout, DefaultTimeout),
		maxElapsed:  orDur(cfg.MaxElapsed, DefaultMaxElapsed),
		maxBody:     cfg.MaxBody,
		ua:          cfg.UserAgent,
		log:         cfg.Logger,
		backoffBase: orDur(cfg.BackoffBase, DefaultBackoffBase),
		names:       map[string]string{},
		knownTeams:  map[string]string{},
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxBody
	}
	if c.log == nil {
		c.log = zap.NewNop()
	}
	c.sem = make(chan struct{}, c.conc)
	switch r := cfg.RateLimit; {
	case r == 0:
		c.limiter = rate.NewLimiter(DefaultRateLimit, c.conc)
	case r < 0:
		c.limiter = rate.NewLimiter(rate.Inf, 1)
	default:
		c.limiter = rate.NewLimiter(rate.Limit(r), max(1, c.conc))
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	inner := hc.Transport
	if inner == nil {
		inner = http.DefaultTransport
	}
	cp := *hc
	cp.Transport = &transport{next: inner, auth: header, ua: c.ua, log: c.log}
	c.http = &cp
	return c, nil
}

// parseBase checks the base URL: absolute, https, or http on loopback.
func parseBase(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("no SCIM base URL (e.g. https://api.wandb.ai/scim)")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("SCIM base URL %q is not an absolute URL (e.g. https://HOST/scim)", raw)
	}
	if u.User != nil {
		return nil, errors.New("SCIM base URL must not carry credentials")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("SCIM base URL %s: plain http:// is refused unless the host is loopback; use https://", u.Redacted())
		}
	default:
		return nil, fmt.Errorf("SCIM base URL %q: want https://", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
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

// rememberName records a user's userName for error messages.
func (c *Client) rememberName(id, userName string) {
	if id == "" {
		return
	}
	c.mu.Lock()
	c.names[id] = userName
	c.mu.Unlock()
}

// who names a user for an error message: "alice@x (id ID)" when known.
func (c *Client) who(id string) string {
	c.mu.Lock()
	n := c.names[id]
	c.mu.Unlock()
	if n == "" {
		return fmt.Sprintf("user id %s", id)
	}
	return fmt.Sprintf("user %s (id %s)", n, id)
}

// transport sets the auth and agent headers and logs each exchange at debug
// level: method, path, status and duration, never headers or bodies.
type transport struct {
	next http.RoundTripper
	auth string
	ua   string
	log  *zap.Logger
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if t.auth != "" {
		r.Header.Set("Authorization", t.auth)
	}
	if t.ua != "" {
		r.Header.Set("User-Agent", t.ua)
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	if ce := t.log.Check(zap.DebugLevel, "scim request"); ce != nil {
		fields := []zap.Field{
			zap.String("method", req.Method),
			zap.String("path", req.URL.EscapedPath()),
			zap.Duration("duration", time.Since(start)),
		}
		if err != nil {
			fields = append(fields, zap.String("error", "transport error"))
		} else {
			fields = append(fields, zap.Int("status", resp.StatusCode))
		}
		ce.Write(fields...)
	}
	return resp, err
}
