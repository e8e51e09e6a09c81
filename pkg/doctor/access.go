package doctor

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/sanitize"
	"github.com/wbsync/wbsync/pkg/scim"
)

// OtherBase returns the other W&B base path of a SCIM base URL: base+"/v2"
// for a URL ending in /scim, the URL without "/v2" for one ending in
// /scim/v2, and "" for any other URL.
func OtherBase(base string) string {
	base = strings.TrimRight(base, "/")
	switch {
	case strings.HasSuffix(base, "/scim/v2"):
		return strings.TrimSuffix(base, "/v2")
	case strings.HasSuffix(base, "/scim"):
		return base + "/v2"
	}
	return ""
}

// outcome is how a base path answered a list probe.
type outcome int

const (
	answered  outcome = iota // a 2xx SCIM list
	missing                  // 404, or a 2xx that is not a SCIM list: no SCIM API here
	refused                  // 401 or 403: an API that refused the key
	broken                   // anything else: redirect, transport error, 5xx after retries
	malformed                // a 2xx SCIM list wbsync cannot read: the path is SCIM's, the answer is wrong
)

// notListError is a 2xx answer that is not a SCIM ListResponse; listShaped
// when it is one all the same (listShaped: it names the ListResponse
// schema, or has totalResults and Resources) with a value wbsync cannot
// read.
type notListError struct {
	path, why  string
	listShaped bool
}

func (e *notListError) Error() string {
	if e.listShaped {
		return fmt.Sprintf("GET %s: %s, in a SCIM list", e.path, e.why)
	}
	return fmt.Sprintf("GET %s: %s, not a SCIM list", e.path, e.why)
}

func classify(err error) outcome {
	var nl *notListError
	var se *scim.Error
	switch {
	case err == nil:
		return answered
	case errors.As(err, &nl) && nl.listShaped:
		return malformed
	case errors.As(err, &nl), errors.Is(err, scim.ErrNotFound):
		return missing
	case errors.As(err, &se) && se.Status >= 200 && se.Status <= 299: // an HTML page
		return missing
	case errors.Is(err, scim.ErrUnauthorized), errors.Is(err, scim.ErrForbidden):
		return refused
	}
	return broken
}

// why says in a few words why a base path is not a SCIM API; red hides the
// key in what the server sent.
func why(err error, red *sanitize.Redactor) string {
	var nl *notListError
	if errors.As(err, &nl) {
		return nl.why
	}
	if errors.Is(err, scim.ErrNotFound) {
		return "404"
	}
	var se *scim.Error
	if errors.As(err, &se) && se.Detail != "HTML body" {
		// A 2xx answer refused for another reason (too large, a SCIM
		// error body): say which, not "HTML".
		return server(red, se.Detail, caps.Detail)
	}
	return "HTML"
}

// Auth judges the answer to the first list request (nil: it answered): 401
// and 403 with the client's hint (their likely causes, or the one the
// server names), a redirect with where it pointed, any other error with
// the client's message. red hides the key in what the server sent.
func Auth(err error, red *sanitize.Redactor) Check {
	c := Check{Name: NameAuth, Status: Fail}
	var se *scim.Error
	switch {
	case err == nil:
		c.Status, c.Detail = OK, "the key is accepted"
	case errors.As(err, &se) && (errors.Is(err, scim.ErrUnauthorized) || errors.Is(err, scim.ErrForbidden)):
		c.Detail = se.StatusLine() + ": " + se.Hint
		// What the server said (an expired key, another instance), unless
		// the hint already names it (a team-scoped key, not an admin).
		if !errors.Is(err, scim.ErrTeamScopedKey) && !errors.Is(err, scim.ErrNotOrgAdmin) && se.Detail != "" {
			c.Detail += fmt.Sprintf(` (server: "%s")`, server(red, se.Detail, caps.Detail))
		}
	case errors.Is(err, scim.ErrRedirect) && errors.As(err, &se) && se.Location != "":
		c.Detail = fmt.Sprintf("%d: redirected to %s; %s", se.Status, server(red, se.Location, caps.Detail), se.Hint)
	default:
		// A 5xx, a dropped connection: nothing says the key is wrong,
		// and a failed auth check would send its reader to rotate it.
		c.Detail = "the key could not be judged (the request failed, not for the key): " + errText(red, err)
	}
	return c
}

// Deployment compares what wbsync will assume (d, given when the user named
// it) with what the host of base suggests; red hides the key in the host.
func Deployment(base string, d model.Deployment, given bool, suggests model.Deployment, red *sanitize.Redactor) Check {
	c := Check{Name: NameDeployment, Status: OK}
	host := base
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	host = server(red, host, caps.Detail)
	switch {
	case !given:
		c.Detail = fmt.Sprintf("wbsync will assume %s (%s), from the host %s; --deployment changes it", d, product(d), host)
	case d == suggests:
		c.Detail = fmt.Sprintf("%s (%s), as the host %s suggests", d, product(d), host)
	default:
		c.Status = Warn
		c.Detail = fmt.Sprintf("--deployment %s, but the host %s suggests %s (only api.wandb.ai is Multi-tenant Cloud)", d, host, suggests) + checkDeployment
	}
	return c
}

// SeveralEmails amends deployment check c, made for deployment d, when n
// users of the read hold more than one email, which W&B allows on
// Multi-tenant Cloud only. For Dedicated Cloud or Self-Managed it warns:
// the organization may be on Multi-tenant Cloud, behind another host
// name, where wbsync would send deactivations without saying they cannot
// be undone. For a --deployment saas that the host's name did not
// suggest (a warning), the emails bear it out: the check passes, so that
// the advice above, followed, ends in a clean check.
func SeveralEmails(c Check, d model.Deployment, n int) Check {
	switch {
	case n == 0:
	case d != model.SaaS && c.Status == Warn:
		// Given against a host that suggests saas (api.wandb.ai): the
		// emails bear the host out.
		c.Detail += fmt.Sprintf("; and %d user(s) hold more than one email, which W&B allows on Multi-tenant Cloud only: pass --deployment saas (a deactivation there cannot be undone)", n)
	case d != model.SaaS:
		c.Status = Warn
		c.Detail += fmt.Sprintf("; but %d user(s) hold more than one email, which W&B allows on Multi-tenant Cloud only: if this organization is on Multi-tenant Cloud (behind another host name), pass --deployment saas (a deactivation there cannot be undone)", n)
	case c.Status == Warn:
		c.Status = OK // nothing left to check: the advice is not repeated
		c.Detail = strings.TrimSuffix(c.Detail, checkDeployment) + fmt.Sprintf("; %d user(s) hold more than one email, which W&B allows on Multi-tenant Cloud only: saas is borne out", n)
	}
	return c
}

// checkDeployment ends the deployment check's warning when --deployment
// contradicts the host.
const checkDeployment = ": check --deployment and WBSYNC_DEPLOYMENT"

func product(d model.Deployment) string {
	if d == model.SaaS {
		return "Multi-tenant Cloud"
	}
	return "Dedicated Cloud or Self-Managed"
}

// pathOf is the path of a base URL, for short details.
func pathOf(base string) string {
	if u, err := url.Parse(base); err == nil && u.Path != "" {
		return u.EscapedPath()
	}
	return base
}
