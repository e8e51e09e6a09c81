// Package doctor checks, with GET requests only, whether wbsync can manage a
// live W&B SCIM endpoint and how: authentication, base path, deployment,
// the shapes the server sends, what reads report (roles, externalId,
// meta.created), paging, service accounts, custom roles, counts and
// latency. Each check is a plain function over what was probed, so that
// most of the logic is tested without HTTP; Run does the probing through
// the Client interface. docs/wandb-api.md lists the assumptions it checks,
// docs/troubleshooting.md what to do about a failure.
//
// It does no os.* I/O and never writes; what it may import is checked by
// internal/layout's test.
package doctor

import (
	"context"
	"time"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/observed"
	"github.com/wbsync/wbsync/pkg/sanitize"
	"github.com/wbsync/wbsync/pkg/scim"
)

// Status is the outcome of one check.
type Status string

// The statuses of a check: only a failure makes the report not ok.
const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "fail"
)

// The check names, fixed (they are part of the JSON contract).
const (
	NameAuth            = "auth"
	NameBasePath        = "base_path"
	NameDeployment      = "deployment"
	NameShapes          = "shapes"
	NameRoles           = "roles"
	NameExternalID      = "external_id"
	NameCreated         = "created"
	NamePaging          = "paging"
	NameServiceAccounts = "service_accounts"
	NameCustomRoles     = "custom_roles"
	NameCounts          = "counts"
	NameLatency         = "latency"
)

// Names are the check names in report order.
var Names = []string{NameAuth, NameBasePath, NameDeployment, NameShapes, NameRoles, NameExternalID, NameCreated,
	NamePaging, NameServiceAccounts, NameCustomRoles, NameCounts, NameLatency}

// Check is one check's outcome: a one-line, actionable detail.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
}

// Report is every check, in the order of Names; OK is false when any check
// failed.
type Report struct {
	OK     bool    `json:"ok"`
	Checks []Check `json:"checks"`
}

// Client is what doctor probes through; *scim.Client satisfies it. Build
// it read-only: doctor sends GET requests only.
type Client interface {
	observed.Lister
	// GetRaw sends one GET and returns a 2xx body undecoded; anything else
	// is the classified error (*scim.Error).
	GetRaw(ctx context.Context, path, query string) (*scim.RawResponse, error)
	// ListRoles reads /Roles; a server without it gives scim.ErrNotFound.
	ListRoles(ctx context.Context) ([]scim.Role, error)
	// GetGroup reads one group alone, as the full read does for groups
	// listed without their members on a server that sends no teamRoles.
	GetGroup(ctx context.Context, id string) (scim.Group, error)
}

// Env is what Run probes and what it judges against.
type Env struct {
	// URL is the configured SCIM base URL and Client a client for it.
	URL    string
	Client Client
	// OtherURL is the other base path (/scim ↔ /scim/v2, see OtherBase)
	// and Other a client for it; nil when the URL ends in neither.
	OtherURL string
	Other    Client
	// Auth is the authorization scheme in use: "bearer" or "basic".
	Auth string
	// Basic and BasicOther are clients for URL and OtherURL that send the
	// same key with Basic authentication, tried when Bearer is refused
	// with 401 (Dedicated Cloud and Self-Managed before v0.79 accept only
	// Basic); nil when not to be tried.
	Basic, BasicOther Client
	// Deployment is what wbsync will assume; DeploymentGiven says the user
	// named it (--deployment or WBSYNC_DEPLOYMENT); HostSuggests is what
	// the URL's host suggests (saas for api.wandb.ai, else dedicated).
	Deployment      model.Deployment
	DeploymentGiven bool
	HostSuggests    model.Deployment
	// PageSize, RateLimit and Concurrency are the client's settings
	// (--page-size, --rate-limit, --concurrency), for the latency estimate.
	PageSize    int
	RateLimit   float64
	Concurrency int
	// Timeout is --timeout: a page that takes more than half of it warns.
	Timeout time.Duration
	// Fetch reads the whole organization through c (nil: observed.Fetch).
	Fetch func(ctx context.Context, c Client) (model.State, error)
	// Now is the clock that times a list page (nil: time.Now).
	Now func() time.Time
	// Redactor hides the API key in what the server sent (names, ids)
	// before a detail cuts it.
	Redactor *sanitize.Redactor
}

// NewReport orders checks as Names, fills in any missing one as not
// checked, escapes every detail and sets OK.
func NewReport(checks ...Check) Report {
	byName := make(map[string]Check, len(checks))
	for _, c := range checks {
		byName[c.Name] = c
	}
	r := Report{OK: true, Checks: make([]Check, 0, len(Names))}
	for _, n := range Names {
		c, ok := byName[n]
		if !ok {
			c = notChecked(n, "an earlier check failed")
		}
		c.Detail = sanitize.Controls(c.Detail)
		if c.Status == Fail {
			r.OK = false
		}
		r.Checks = append(r.Checks, c)
	}
	return r
}

// Get returns the check named name (the zero Check if there is none).
func (r Report) Get(name string) Check {
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	return Check{}
}

// Counts returns how many checks passed, warned and failed.
func (r Report) Counts() (ok, warn, fail int) {
	for _, c := range r.Checks {
		switch c.Status {
		case OK:
			ok++
		case Warn:
			warn++
		case Fail:
			fail++
		}
	}
	return ok, warn, fail
}

func notChecked(name, why string) Check {
	return Check{Name: name, Status: Warn, Detail: "not checked: " + why}
}

// server makes a server-supplied string fit for a detail: the key
// redacted first (so that a cut never leaves a part of it too short to be
// recognised), then escaped and cut to n characters. Every caller passes
// the run's redactor (Env.Redactor), text the SCIM client made included:
// the cut here must not rely on the client having redacted it already.
// red is nil only when there is no key to hide.
func server(red *sanitize.Redactor, s string, n int) string { return sanitize.Server(red, s, n) }

// errText is one of wbsync's own errors as a check quotes it: redacted and
// escaped, cut only past caps.ErrorText, since the client cut the server's
// words in it already and what it adds (the attempts, the hint) is what
// tells the admin what to do.
func errText(red *sanitize.Redactor, err error) string {
	return sanitize.Server(red, err.Error(), caps.ErrorText)
}
