package scim

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wbsync/wbsync/pkg/caps"
)

// ErrReadOnly is returned by every write of a read-only client; nothing is
// sent.
var ErrReadOnly = errors.New("scim: the client is read-only (plan never writes)")

// Sentinels matched with errors.Is against an *Error (or an error wrapping
// one). Each is decided once, when the response is classified.
var (
	// ErrSeatLimit: the organization's seat limit is reached.
	ErrSeatLimit = errors.New("scim: seat limit reached")
	// ErrReactivationRefused: the server does not reactivate users (W&B
	// Multi-tenant Cloud).
	ErrReactivationRefused = errors.New("scim: reactivation refused")
	// ErrNameTaken: a create answered 409 (the userName or team name
	// exists).
	ErrNameTaken = errors.New("scim: name taken")
	// ErrNotFound: 404.
	ErrNotFound = errors.New("scim: not found")
	// ErrUnauthorized: 401, the key was refused.
	ErrUnauthorized = errors.New("scim: unauthorized")
	// ErrForbidden: 403, the key may not use SCIM.
	ErrForbidden = errors.New("scim: forbidden")
	// ErrTeamScopedKey: a 403 whose message says the key belongs to a
	// team-scoped service account, which W&B refuses for SCIM.
	ErrTeamScopedKey = errors.New("scim: team-scoped service account key")
	// ErrNotOrgAdmin: a 403 whose message says the key's owner is not an
	// organization admin.
	ErrNotOrgAdmin = errors.New("scim: not an organization admin")
	// ErrRateLimited: 429 (the error is also a *RateLimitError).
	ErrRateLimited = errors.New("scim: rate limited")
	// ErrRedirect: a 3xx answer, which wbsync never follows.
	ErrRedirect = errors.New("scim: redirect refused")
	// ErrRoleAttributeRefused: a role write refused for its path (400
	// invalidPath): the server has no organizationRole or teamRoles
	// attribute (a SCIM server other than W&B's), so no role write can
	// succeed there.
	ErrRoleAttributeRefused = errors.New("scim: role attribute refused")
)

// Error is a failed SCIM request: an HTTP status with the SCIM error body, or
// (Status 0) a transport failure. It names the method and path, never the
// key; every server-supplied string in it is redacted, escaped and cut.
type Error struct {
	Method   string // HTTP method
	Path     string // URL path (escaped), without the query
	Status   int    // HTTP status; 0 for a transport failure
	ScimType string // SCIM scimType, when the server sent one
	Detail   string // SCIM detail, or a description of the failure
	Hint     string // what a person can do about it
	// Location is where a 3xx answer pointed (scheme, host, port and path
	// only); "" otherwise.
	Location string
	// Err is the underlying transport or decoding error, if any.
	Err error

	// answered is the status line's code when Status is the one a 2xx
	// answer's SCIM error body states (0 otherwise): the message says
	// both, so that it matches a trace or a proxy log.
	answered int

	header  http.Header // response headers (Retry-After), not part of the message
	kind    errKind     // what the classifier recognised in the body
	fatal   bool        // cannot heal: never retried
	sent    bool        // the request may have reached the server
	unknown bool        // a write whose outcome is unknown
	// atWork: a create not sent again because the server may still be at
	// it (stillAtWork): applying again at once may make it twice.
	atWork bool
	// unread: a write answered 200, 201 or 204 whose body did not arrive
	// whole or did not decode: the server said it made the change.
	unread  bool
	stopped bool // would have been retried, but StopRetrying ended it
	// neverSent: StopRetrying ended the request before any attempt went
	// out (it waited for the rate limit).
	neverSent bool
	// existing: the id of an existing user a create's answer (or its
	// 409's look-up) gave, which the create did not take as its own
	// (ExistingID).
	existing string
	// unseenHolder: a Multi-tenant user create answered 409 that no
	// listed user explains (UnseenHolder).
	unseenHolder bool
}

// errKind is what the classifier recognised in a response body.
type errKind int

const (
	kindNone errKind = iota
	kindSeatLimit
	kindReactivation
	kindTeamScoped
	kindNotAdmin
	kindRoleAttribute
)

// StatusLine is the HTTP status with its text ("401 Unauthorized"), or ""
// for a transport failure.
func (e *Error) StatusLine() string {
	switch {
	case e.Status == 0:
		return ""
	case e.answered != 0:
		return statusLine(e.Status) + " (stated in the SCIM error body of a " + statusLine(e.answered) + " answer)"
	}
	return statusLine(e.Status)
}

// statusLine is an HTTP status with its text ("401 Unauthorized"), or its
// number alone when it has no standard text (600).
func statusLine(code int) string {
	if text := http.StatusText(code); text != "" {
		return strconv.Itoa(code) + " " + text
	}
	return strconv.Itoa(code)
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", e.Method, e.Path)
	if e.Status != 0 {
		b.WriteString(": " + e.StatusLine())
	}
	if e.ScimType != "" {
		fmt.Fprintf(&b, " (%s)", e.ScimType)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, ": %s", e.Detail)
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, " (%s)", e.Hint)
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the package's sentinels.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrSeatLimit:
		return e.kind == kindSeatLimit
	case ErrReactivationRefused:
		return e.kind == kindReactivation
	case ErrNameTaken:
		return e.Status == http.StatusConflict && e.Method == http.MethodPost
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrTeamScopedKey:
		return e.kind == kindTeamScoped
	case ErrNotOrgAdmin:
		return e.kind == kindNotAdmin
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	case ErrRedirect:
		return e.Status >= 300 && e.Status <= 399
	case ErrRoleAttributeRefused:
		return e.kind == kindRoleAttribute
	}
	return false
}

// HTTPStatus returns the HTTP status (0 for a transport failure).
func (e *Error) HTTPStatus() int { return e.Status }

// SCIMDetail returns the SCIM detail.
func (e *Error) SCIMDetail() string { return e.Detail }

// OutcomeUnknown reports whether a write may have been applied although it
// failed: its request may have reached the server and the answer was lost
// (a transport error after sending) or came from a gateway (502, 504), and
// no read-back settled it. Reads are never unknown.
func (e *Error) OutcomeUnknown() bool { return e.unknown }

// StillAtWork reports that the write is a create not sent again because
// the server may still be at it (a --timeout, a gateway's 504 or a CDN's
// 524, and a look-up that found nothing yet): its outcome is unknown, and
// a read made at once cannot settle it.
func (e *Error) StillAtWork() bool { return e.atWork }

// RetryStopped reports that the request would have been tried again, had
// StopRetrying (an interrupted run) not ended its retries: when its
// outcome is not unknown, it was not done, and is not failed either.
func (e *Error) RetryStopped() bool { return e.stopped }

// SeatLimit reports whether the server refused the request for the
// organization's seat limit (ErrSeatLimit), for callers that see the
// error through an interface.
func (e *Error) SeatLimit() bool { return e.kind == kindSeatLimit }

// RoleAttributeRefused reports whether the server refused a role write
// for its path (ErrRoleAttributeRefused), for callers that see the error
// through an interface.
func (e *Error) RoleAttributeRefused() bool { return e.kind == kindRoleAttribute }

// NotServed reports whether err is an answer saying the server does not
// serve the request at all (404, 405, 501), as a server that only lists
// groups answers a group read alone.
func NotServed(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Status == http.StatusNotFound || e.Status == http.StatusMethodNotAllowed || e.Status == http.StatusNotImplemented)
}

// SaysMultiTenant reports whether the server's refusal says it is W&B
// Multi-tenant Cloud ("not supported in SaaS Cloud") while the client was
// configured for Dedicated Cloud or self-managed: a plan made for the
// wrong deployment, whose deactivations would be irreversible there.
func (e *Error) SaysMultiTenant() bool { return e.Hint == hintSaaSServer }

// ExistingID is the id of an existing user that a user create's answer, or
// the look-up after its 409, tied to the user created, where the client
// refused to take it as the created user's (another name, or one the read
// listed under another name): "" otherwise. That account may be the
// created user's, renamed; apply removes and deactivates nothing of it in
// the run.
func (e *Error) ExistingID() string { return e.existing }

// UnseenHolder reports that a user create on Multi-tenant Cloud was
// answered that the user exists (409), and that neither the read nor the
// look-ups by userName and email show who holds it: the email may be a
// secondary one of a user the read lists under another (a server may show
// one email per user), whom the plan, not seeing it, may remove and
// deactivate as not in the manifest. Apply sends nothing that removes a
// user not in the manifest from a team, or deactivates one, in the run.
func (e *Error) UnseenHolder() bool { return e.unseenHolder }

// NotSent reports that the request never went out: the run was interrupted
// while it waited for its turn (the rate limit, a Retry-After hold).
func (e *Error) NotSent() bool { return e.neverSent }

// RateLimitError is a 429 answer: the server asked to slow down. It wraps
// the *Error, so errors.As finds both.
type RateLimitError struct {
	Err *Error
	// Wait is what the server asked to wait (Retry-After or
	// RateLimit-Reset); 0 when it did not say.
	Wait time.Duration
}

// Error implements error.
func (e *RateLimitError) Error() string { return e.Err.Error() }

// Unwrap returns the *Error.
func (e *RateLimitError) Unwrap() error { return e.Err }

// Hints for what a person can act on.
const (
	hintUseAdmin = "use an org admin's key or an org-scoped service account key"
	hint401      = "the key was refused: it is wrong or revoked, or was made on another W&B instance than --url; " + hintUseAdmin
	// hint401Bearer follows hint401 for Bearer off Multi-tenant Cloud.
	hint401Bearer = "; Dedicated Cloud and Self-Managed before v0.79 refuse Bearer: try --auth basic"
	hint403       = "the key may not use SCIM: a team-scoped service account key, or a user who is not an org admin"
	// hint403Write replaces hint403 for a write refused by a server that
	// answered this key before.
	hint403Write = "the server refused this change, though the key could read: see the server's detail; " +
		"if every write is refused, the key may read but not manage the organization (" + hintUseAdmin + ")"
	// hint403SaaS follows hint403 on Multi-tenant Cloud.
	hint403SaaS = ", or the key owner's \"Default API organization\" (user settings of the CoreWeave console) is another organization"
	// A 403 whose message names its cause.
	hintTeamScoped = "the key belongs to a team-scoped service account (the server says so): " + hintUseAdmin
	hintNotAdmin   = "the key's owner is not an org admin (the server says so): " + hintUseAdmin
	// hintNotAdminSaaS: on Multi-tenant Cloud an admin of another
	// organization is told so when their Default API organization is not
	// the one they administer.
	hintNotAdminSaaS = "the key's owner is not an org admin (the server says so), or their \"Default API organization\" " +
		"(user settings of the CoreWeave console) is another organization: " + hintUseAdmin
	// hintBaseURL: a list answered 404, or a body that is not a SCIM list.
	hintBaseURL = "is the URL https://HOST/scim? (a server that answers only at https://HOST/scim/v2 needs --url ending /scim/v2: 'wbsync doctor' tries both)"
	hint412     = "changed under us: re-read and plan again"
	// hintPageSize follows a 400 to the first page of an unfiltered list
	// that asked for more than 100 resources (%d).
	hintPageSize = "if the server refuses count=%d (it serves fewer resources a page), try --page-size 100"
	// hintPageBody follows a list page larger than wbsync reads
	// (pageBodyHint).
	hintPageBody = "a page of up to %d resources%s can be that large: try --page-size %d (no page size helps a server that sends more than it is asked for)"
	// hintTeamTooLarge follows a page of one team, or a team read alone,
	// larger than wbsync reads.
	hintTeamTooLarge = "one team with its members is larger than wbsync reads (about 700,000 members at W&B's member shape: split it in W&B), or the server sends more than it is asked for"
	hintHTML         = "the server answered HTML, not SCIM JSON: " + hintBaseURL
	// hintHTMLOutage: an HTML page with a 5xx, as a load balancer or a
	// maintenance page serves; hintHTMLAfterSCIM: an HTML page from a URL
	// that answered SCIM earlier in the run.
	hintHTMLOutage    = "the server, or a proxy in front of it, answered an HTML error page, not SCIM JSON: W&B may be down or under maintenance; try again later"
	hintHTMLAfterSCIM = "the server answered HTML, not SCIM JSON, though this URL answered SCIM earlier in the run: a proxy in front of it?"
	hintTLS           = "TLS failed: check the URL's host and the system's trusted certificates"
	hintNotTLS        = "the server answered in plain HTTP on an https:// URL: check the URL's port"
	// hintPlainToTLS: an http:// request closed or reset unanswered, or
	// answered that it went to a TLS port.
	hintPlainToTLS = "if this port serves HTTPS, use https:// in --url"
	hintRedirect   = "wbsync never follows redirects: fix --url (use the URL the server pointed to if you trust it)"
	// hintNotModified: a 304 without a Location, which answers only a
	// conditional request.
	hintNotModified = "wbsync sends no conditional request (If-None-Match, If-Modified-Since): a cache or proxy in between answered for the server, or the server is broken; check --url and any proxy or gateway in between"
	// hintRedirectNowhere and hintRedirectLoop: a 3xx that names no URL,
	// or the one asked for, gives --url nothing to change to.
	hintRedirectNowhere = "wbsync never follows redirects, and this one names no URL: check --url, and any proxy or gateway in between"
	hintRedirectToBase  = "wbsync never follows redirects, and this one points at the base URL given: --url is not what to change; check the server or what stands in between (a proxy or gateway that sends every path to its root)"
	hintRedirectLoop    = "wbsync never follows redirects, and this one points back at the URL asked for (a redirect loop, or a proxy or gateway that wants a login): --url is not what to change; check the server or what stands in between"
	hintSeat            = "free a seat or raise the organization's seat limit; deactivations run last, after creates, reactivations and role changes, so seats a plan's deactivations may free are usable from the next apply on"
	hintTimeout         = "raise --timeout if the server is slow, or check that it is up"
	// hintCutOff: the connection closed inside the answer's body (before
	// the bytes its Content-Length announced); hintClosed: closed before
	// any answer.
	hintCutOff = "the connection closed before the whole answer arrived: the server or a proxy stopped sending"
	hintClosed = "the server closed the connection without answering"
	// hintGaveUp429, hintGaveUp5xx: the retries of a 429 or a 5xx spent.
	hintGaveUp429 = "the server kept throttling: lower --rate-limit or --concurrency, or run again later"
	hintGaveUp5xx = "the server kept failing: W&B may be down or overloaded; run again later"
	hintEncoded   = "the answer is encoded (Content-Encoding: %s), which wbsync does not ask for and cannot read: is a proxy between wbsync and the server compressing answers?"
	hintSwitched  = "is --url the SCIM endpoint, and not a proxy or a WebSocket service?"
	// hintSaaSServer: a server that says it is Multi-tenant Cloud ("not
	// supported in SaaS Cloud") while wbsync plans for Dedicated Cloud.
	hintSaaSServer = "the server says it is W&B Multi-tenant Cloud, and wbsync planned for Dedicated Cloud or self-managed: " +
		"set --deployment saas (or WBSYNC_DEPLOYMENT=saas) and plan again"
	// hintRoleAttribute: a role write refused for its path (%s: the
	// attribute sent).
	hintRoleAttribute = "the server has no %s attribute (W&B's own): it does not take roles, and sending them again fails alike; " +
		"leave the roles out of the manifest for this server (policy.unreportedRoles: enforce would send them, to fail, on every apply)"
)

// baseURLHint is hint (hintBaseURL, or hintHTML which ends with it) with
// what --url's own host or path show first, when they show a common
// mistake: the web app's host (wandb.ai) for the API's, or a base URL
// ending with the resource wbsync adds (/Users, /Groups).
func (c *Client) baseURLHint(hint string) string {
	host, path := strings.ToLower(c.base.Hostname()), strings.TrimRight(c.base.Path, "/")
	low := strings.ToLower(path)
	switch {
	case host == "wandb.ai" || host == "www.wandb.ai":
		return "wandb.ai is the W&B web app: the SCIM API of Multi-tenant Cloud is https://api.wandb.ai/scim; " + hint
	case strings.HasSuffix(low, "/users") || strings.HasSuffix(low, "/groups"):
		// The general hint, which names /scim, is left out.
		return strings.TrimSuffix(hint, hintBaseURL) + c.safe(ResourceInURL(*c.base))
	}
	return hint
}

// ResourceInURL says, of a base URL that ends with a resource wbsync adds
// itself (/Users, /Groups, in any case), to drop it, naming the base URL
// before it (/scim or /scim/v2); "" for any other URL. The one rule of
// plan's errors and doctor's base_path.
func ResourceInURL(base url.URL) string {
	path := strings.TrimRight(base.Path, "/")
	low := strings.ToLower(path)
	if !strings.HasSuffix(low, "/users") && !strings.HasSuffix(low, "/groups") {
		return ""
	}
	i := strings.LastIndex(path, "/")
	base.Path, base.RawPath, base.User, base.RawQuery, base.Fragment = path[:i], "", nil, "", ""
	return fmt.Sprintf("--url ends with %s, which wbsync adds itself: drop it, as in --url %s", path[i:], base.String())
}

// hintHugeHeaders is the hint for an answer whose headers pass
// caps.ResponseHeaders.
var hintHugeHeaders = fmt.Sprintf("the answer's headers are larger than wbsync reads (%d KiB): is --url a SCIM endpoint?", caps.ResponseHeaders>>10)

// hintDNS is the hint for a host that does not resolve.
func hintDNS(host string) string {
	return fmt.Sprintf("the host %s does not resolve: check --url", host)
}

// hintProxyDNS is the hint for a proxy host (HTTPS_PROXY, HTTP_PROXY)
// that does not resolve: --url is not what is wrong.
func hintProxyDNS(host, vars string) string {
	return fmt.Sprintf("the proxy host %s does not resolve: check %s, or name --url's host in NO_PROXY", host, vars)
}

// proxyRefusal is a proxy's answer other than 200 to the tunnel request
// (CONNECT) for an https:// URL. Only its code is kept: net/http would
// make the proxy's reason phrase the error, text wbsync does not trust (a
// proxy may echo its Proxy-Authorization, the password of HTTPS_PROXY,
// there).
type proxyRefusal struct{ code int }

func (e *proxyRefusal) Error() string {
	return strings.TrimSpace(fmt.Sprintf("the proxy answered the tunnel request (CONNECT) %d %s", e.code, http.StatusText(e.code)))
}

// heals reports whether a proxy's refusal may pass by itself: its own
// overload or time-out (408, 429, 5xx: the proxy could not reach the
// server, or is down for a moment). Any other answer (407: the
// credentials in HTTPS_PROXY are missing or wrong; 403: the proxy does
// not tunnel to that host; a 1xx, 3xx, another 2xx or a code HTTP does
// not define) comes again on every attempt.
func (e *proxyRefusal) heals() bool {
	return e.code >= 500 && e.code < 600 || e.code == http.StatusTooManyRequests || e.code == http.StatusRequestTimeout
}

// proxyAnswer is the transport's OnProxyConnectResponse: a refusal of the
// tunnel becomes a proxyRefusal, never the proxy's own words.
func proxyAnswer(_ context.Context, _ *url.URL, _ *http.Request, res *http.Response) error {
	if res.StatusCode == http.StatusOK { // what net/http accepts
		return nil
	}
	return &proxyRefusal{code: res.StatusCode}
}

// hintProxyRefused is the hint for a proxy's refusal of the tunnel to
// host; vars names the proxy's variables.
func hintProxyRefused(e *proxyRefusal, vars, host string) string {
	switch {
	case e.heals():
		return fmt.Sprintf("the proxy %s names could not pass the request on to %s", vars, host)
	case e.code == http.StatusProxyAuthRequired:
		return fmt.Sprintf("the proxy %s names wants credentials it was not given or did not accept: check the user and password in the variable, or name %s in NO_PROXY if it needs no proxy", vars, host)
	}
	return fmt.Sprintf("the proxy %s names does not tunnel to %s: ask its administrators, or name the host in NO_PROXY if it needs no proxy", vars, host)
}

// hintProxyRefusedConn is the hint for a connection the proxy refused.
func hintProxyRefusedConn(vars string) string {
	return fmt.Sprintf("nothing accepts connections at the proxy %s names: is it running? (retried, as it may come back); or name --url's host in NO_PROXY if it needs no proxy", vars)
}

// hintThroughProxy is added to the hint for a request that stalled or
// whose connection closed, when it went through a proxy.
func hintThroughProxy(vars string) string {
	return fmt.Sprintf("the request went through the proxy %s names, which may be what stopped: check it, or name --url's host in NO_PROXY if it needs no proxy", vars)
}

// proxyVars names the environment variables that choose the proxy for
// a URL of scheme, for messages.
func proxyVars(scheme string) string {
	names := proxyEnv(scheme)
	return names[0] + " (or " + names[1] + ")"
}

// proxyEnv is the environment variables that choose the proxy for a URL of
// scheme, in the order net/http's ProxyFromEnvironment looks them up.
func proxyEnv(scheme string) [2]string {
	if scheme == "http" {
		return [2]string{"HTTP_PROXY", "http_proxy"}
	}
	return [2]string{"HTTPS_PROXY", "https_proxy"}
}

// hintRefused is the hint for a connection refused before the server
// answered anything.
func hintRefused(host string) string {
	return fmt.Sprintf("nothing accepts connections at %s: check that the server is running and --url's host and port", host)
}

func basicHeader(key string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(":"+key))
}
