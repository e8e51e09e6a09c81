package doctor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/observed"
	"github.com/wbsync/wbsync/pkg/scim"
)

// Run probes env with GET requests only and returns every check, in the
// order of Names. It never fails: what could not be probed is a check's
// status. The requests: GET /Users (startIndex 1 count 1, on the other
// base path too), one full page (timed), startIndex 2 and past the end
// (count 1; when count is ignored, the startIndex after the first page),
// a page of /Groups, a full read (users and groups), and /Roles (not on
// saas); when Bearer is refused with 401 and env has Basic clients, the
// first requests again with Basic. Once one of the requests plan makes too
// fails after its retries without an answer (or with a 5xx or 429), the
// probes after it are not sent.
func Run(ctx context.Context, env Env) Report {
	if env.Fetch == nil {
		env.Fetch = func(ctx context.Context, c Client) (model.State, error) {
			st, _, err := observed.Fetch(ctx, c)
			return st, err
		}
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.PageSize <= 0 || env.PageSize > caps.PageSize {
		env.PageSize = caps.PageSize
	}
	acc := access(ctx, env)
	checks := []Check{acc.auth, acc.base, Deployment(env.URL, env.Deployment, env.DeploymentGiven, env.HostSuggests, env.Redactor)}
	if acc.client == nil {
		for _, n := range Names[3:] { // every check after deployment
			checks = append(checks, notChecked(n, acc.why))
		}
		return NewReport(checks...)
	}
	// The requests plan would make too (a full page, the groups, the full
	// read, /Roles) stop the run once one fails after its retries; the
	// optional paging probes are skipped then, but their own failure
	// (many gateways answer 5xx past the end) stops nothing.
	q := &quitting{}
	c, optional := q.wrap(acc.client, true), q.wrap(acc.client, false)

	// One full page, timed from when it is sent (its wait for the rate
	// limit is not the server's latency). Then count 1 at startIndex 2 and
	// past the end (or after the first page, when count is ignored).
	start := env.Now()
	full, fullErr := getList(scim.OnSend(ctx, func() { start = env.Now() }), c, "/Users", "startIndex=1&count="+strconv.Itoa(env.PageSize))
	took := env.Now().Sub(start)
	// This machine's real clock (env.Now may be a test's), against the
	// server's Date: the latency is nothing beside the minutes compared.
	answered := time.Now()
	pp := PagingProbe{Total: acc.first.total, First: ids(acc.first.resources), Over: acc.first.over, PageSize: env.PageSize, ItemsPerPage: -1}
	// The optional probes are sent once: their failure decides nothing.
	octx := scim.OneAttempt(ctx)
	switch {
	case pp.Total >= 2 && len(pp.First) == 1:
		pp.Second, pp.SecondErr = probeIDs(octx, optional, 2)
		// The check reads the other probes only when startIndex=2
		// answered: after a failure (a server that stalls past the
		// first page costs a --timeout each), they are not sent.
		if pp.SecondErr == nil {
			pp.PastEnd, pp.PastEndErr = probeIDs(octx, optional, pp.Total+1)
			if pp.Total >= 3 {
				if l, err := getList(octx, optional, "/Users", "startIndex=2&count=2"); err == nil {
					pp.Pair = ids(l.resources)
				}
				if last, err := probeIDs(octx, optional, pp.Total); err == nil {
					pp.Last = last
				}
			}
		}
	case len(pp.First) > 1 && len(pp.First) < pp.Total && !pp.Over: // (over a page: paging fails whatever it answers)
		// count is ignored: does startIndex step past the first page?
		pp.SecondAt = len(pp.First) + 1
		pp.Second, pp.SecondErr = probeIDs(octx, optional, pp.SecondAt)
	}
	teams, teamsErr := getList(ctx, c, "/Groups", "startIndex=1&count="+strconv.Itoa(min(caps.TeamSample, env.PageSize)))

	if fullErr != nil {
		why := "GET /Users failed: " + errText(env.Redactor, fullErr)
		checks = append(checks, notChecked(NameShapes, why), notChecked(NamePaging, why))
	} else {
		var sample []json.RawMessage
		if teamsErr == nil {
			sample = teams.resources
		}
		pp.ItemsPerPage, pp.FullPage = full.itemsPerPage, len(full.resources)
		shapes := Shapes(full.resources, sample)
		if teamsErr != nil {
			// Not "no team to inspect": the teams could not be read.
			shapes.Detail = strings.Replace(shapes.Detail, noTeamToInspect, "teams not inspected: "+errText(env.Redactor, teamsErr), 1)
			if shapes.Status == OK {
				shapes.Status = Warn
			}
		}
		checks = append(checks, shapes, Paging(pp, env.Redactor))
	}
	// The samples are not needed any more: release them before the full read.
	pageUsers, usersTotal, teamsTotal := 0, 0, 0
	var skew time.Duration // the server's clock less this machine's, by its Date header
	if fullErr == nil {
		pageUsers, usersTotal = len(full.resources), full.total
		if !full.date.IsZero() {
			skew = full.date.Sub(answered)
		}
	}
	if teamsErr == nil {
		teamsTotal = teams.total
	}
	full, teams = nil, nil

	// What reads report, service accounts and counts: from the full read,
	// exactly as plan sees the organization.
	st, fetchErr := env.Fetch(ctx, c)
	if fetchErr != nil {
		for _, n := range []string{NameRoles, NameExternalID, NameCreated, NameServiceAccounts} {
			checks = append(checks, notChecked(n, "the full read failed (see counts)"))
		}
	} else {
		checks = append(checks, Roles(st), ExternalID(st), Created(st, env.Now(), skew), ServiceAccounts(st))
		if i := slices.IndexFunc(checks, func(c Check) bool { return c.Name == NameDeployment }); i >= 0 {
			checks[i] = SeveralEmails(checks[i], env.Deployment, severalEmails(st))
		}
	}

	if env.Deployment == model.SaaS {
		checks = append(checks, CustomRoles(env.Deployment, nil, nil, env.Redactor))
	} else {
		roles, err := c.ListRoles(ctx)
		checks = append(checks, CustomRoles(env.Deployment, roles, err, env.Redactor))
	}

	if fetchErr != nil {
		checks = append(checks, Check{Name: NameCounts, Status: Fail,
			Detail: "the full read failed, as plan, apply and export would: " + errText(env.Redactor, fetchErr)})
	} else {
		checks = append(checks, Counts(st, env.Redactor))
	}

	switch {
	case fullErr != nil:
		checks = append(checks, notChecked(NameLatency, "GET /Users failed"))
	case pp.Over:
		checks = append(checks, notChecked(NameLatency, "no read of this server can succeed (see paging)"))
	default:
		checks = append(checks, Latency(LatencyProbe{Took: took, PageUsers: pageUsers, Users: usersTotal, Teams: teamsTotal, Alone: int(q.alone.Load()),
			PageSize: pp.PageSizeServed(), RateLimit: env.RateLimit, Concurrency: env.Concurrency, Timeout: env.Timeout}))
	}
	return NewReport(checks...)
}

// accessResult is what the first probes decided: auth and base_path, and
// the client (nil: stop) the other checks go through, with its first page.
type accessResult struct {
	auth, base Check
	client     Client
	first      *list
	why        string // why the other checks are not run
	refusal    error  // the answer that refused the key, when one did
}

// access probes GET /Users (count 1) at the configured base path, and at
// the other one when needed or to say whether it answers too. When Bearer
// is refused with 401 and env has Basic clients, it probes again with
// Basic: if the key passes there, auth fails saying to pass --auth basic,
// and the other checks go through the Basic clients, so that the report
// says what wbsync could do once it does.
func access(ctx context.Context, env Env) accessResult {
	r := probeAccess(ctx, env)
	if r.client != nil || env.Basic == nil || !errors.Is(r.refusal, scim.ErrUnauthorized) {
		return r
	}
	b := env
	b.Client, b.Other, b.Basic, b.BasicOther = env.Basic, env.BasicOther, nil, nil
	rb := probeAccess(ctx, b)
	if rb.client == nil {
		if rb.refusal != nil {
			// Refused with Basic too: say so, with Basic's answer (a 403
			// names the cause a 401 to Bearer could not), instead of a
			// hint to try what was tried.
			r.auth.Detail = "401 Unauthorized with Bearer, and refused with Basic too: " + rb.auth.Detail
		}
		return r
	}
	rb.auth = Check{Name: NameAuth, Status: Fail, Detail: "401 Unauthorized with Bearer, but the key is accepted with Basic " +
		"(Dedicated Cloud and Self-Managed before v0.79 refuse Bearer): pass --auth basic (or WBSYNC_AUTH=basic)"}
	return rb
}

// probeAccess is access with env's clients only.
func probeAccess(ctx context.Context, env Env) accessResult {
	here, there := pathOf(env.URL), pathOf(env.OtherURL)
	first, err := getList(ctx, env.Client, "/Users", "startIndex=1&count=1")
	r := accessResult{auth: Auth(err, env.Redactor), base: Check{Name: NameBasePath}}
	outcome := classify(err)
	redirected := outcome == broken && toOther(err, env.OtherURL)
	if redirected {
		// /scim pointing at /scim/v2: the base path to pass, which the
		// other base path's probe below finds.
		outcome = missing
	}
	switch outcome {
	case answered:
		r.client, r.first = env.Client, first
		r.base.Status, r.base.Detail = OK, here+" answers"
		if env.Other == nil {
			r.base.Detail += " (the other base path was not tried: the URL ends in neither /scim nor /scim/v2)"
		} else {
			// Optional here (the URL answers): sent once, so that a
			// server that never answers there costs one --timeout.
			_, err := getList(scim.OneAttempt(ctx), env.Other, "/Users", "startIndex=1&count=1")
			switch classify(err) {
			case answered:
				r.base.Detail += fmt.Sprintf(" (%s too)", there)
			case missing:
				r.base.Detail += fmt.Sprintf(" (%s does not)", there)
				if strings.HasSuffix(here, "/v2") {
					// W&B serves /scim; a server that answers only
					// /scim/v2 is not shaped like it.
					r.base.Status, r.base.Detail = Warn, fmt.Sprintf(
						"only %s answers (%s does not): W&B serves SCIM at /scim, so this server may not behave as W&B does", here, there)
				}
			default:
				r.base.Detail += fmt.Sprintf(" (%s could not be probed: %s)", there, errText(env.Redactor, err))
			}
		}
		return r
	case refused:
		r.base, r.why, r.refusal = notChecked(NameBasePath, "the key was refused"), "authentication failed", err
		return r
	case broken:
		r.base, r.why = notChecked(NameBasePath, "the first request failed"), "the first request failed"
		return r
	case malformed:
		if env.Other != nil {
			// The other base path may serve a list wbsync reads: asked
			// once, as an optional probe.
			if l, oerr := getList(scim.OneAttempt(ctx), env.Other, "/Users", "startIndex=1&count=1"); oerr == nil {
				r.auth.Status, r.auth.Detail = OK, "the key is accepted (at "+there+")"
				r.client, r.first = env.Other, l
				r.base = Check{Name: NameBasePath, Status: Warn, Detail: fmt.Sprintf(
					"only %s answers a SCIM list wbsync can read (%s answers one it cannot: %s): pass --url %s",
					there, here, why(err, env.Redactor), server(env.Redactor, env.OtherURL, caps.Detail))}
				return r
			}
		}
		r.auth = Check{Name: NameAuth, Status: OK, Detail: "the key is accepted (the list it answered cannot be read: see base_path)"}
		r.base = Check{Name: NameBasePath, Status: Fail, Detail: fmt.Sprintf(
			"%s answers a SCIM list that wbsync cannot read (%s): plan, apply and export would refuse it too; the URL is right, the server's answer is not",
			here, why(err, env.Redactor))}
		r.why = "the server's SCIM list cannot be read"
		return r
	}
	askBase := baseHint(env.URL)
	neither := Check{Name: NameBasePath, Status: Fail, Detail: fmt.Sprintf(
		"%s does not answer a SCIM list (%s): %s", here, why(err, env.Redactor), askBase)}
	if env.Other == nil {
		r.auth, r.base, r.why = notChecked(NameAuth, "no SCIM API answers at the URL"), neither, "no SCIM API answers at the URL"
		return r
	}
	neither.Detail = fmt.Sprintf("neither %s (%s) nor %s answers a SCIM list: %s", here, why(err, env.Redactor), there, askBase)
	first, err = getList(ctx, env.Other, "/Users", "startIndex=1&count=1")
	r.auth = Auth(err, env.Redactor)
	only := Check{Name: NameBasePath, Status: Warn, Detail: fmt.Sprintf("only %s answers: pass --url %s", there, server(env.Redactor, env.OtherURL, caps.Detail))}
	if redirected {
		only.Detail += fmt.Sprintf(" (%s redirects there, and wbsync never follows a redirect)", here)
	}
	switch classify(err) {
	case answered:
		r.auth.Detail += " (at " + there + ")"
		r.client, r.first, r.base = env.Other, first, only
	case refused:
		r.auth.Detail = "at " + there + ": " + r.auth.Detail
		r.base, r.why, r.refusal = only, "authentication failed", err
	case broken:
		r.auth.Detail = "at " + there + ": " + r.auth.Detail
		r.base, r.why = neither, "no SCIM API answers at the URL"
	case malformed:
		r.auth = Check{Name: NameAuth, Status: OK, Detail: "the key is accepted at " + there + " (the list it answered cannot be read: see base_path)"}
		r.base = Check{Name: NameBasePath, Status: Fail, Detail: fmt.Sprintf(
			"only %s answers, a SCIM list that wbsync cannot read (%s): pass --url %s; plan, apply and export would refuse that list too",
			there, why(err, env.Redactor), server(env.Redactor, env.OtherURL, caps.Detail))}
		r.why = "the server's SCIM list cannot be read"
	default:
		r.auth, r.base, r.why = notChecked(NameAuth, "no SCIM API answers at the URL"), neither, "no SCIM API answers at the URL"
	}
	return r
}

// toOther reports whether err is a redirect to the same request at the
// other base path other (a server serving SCIM at /scim/v2 only that
// points /scim there).
func toOther(err error, other string) bool {
	var se *scim.Error
	if other == "" || !errors.Is(err, scim.ErrRedirect) || !errors.As(err, &se) {
		return false
	}
	return strings.HasPrefix(se.Location, strings.TrimSuffix(other, "/")+"/")
}

// list is a decoded ListResponse, its resources undecoded.
type list struct {
	total        int
	itemsPerPage int // -1 when absent, notACount when not a count
	resources    []json.RawMessage
	over         bool      // the page held more than caps.PageSize resources (the first caps.PageSize kept)
	date         time.Time // the answer's Date header (zero: none, or not a date)
}

// listShaped reports whether body, a 2xx answer refused as a list, is a
// SCIM ListResponse all the same: it names the ListResponse schema, or
// its top-level object has both totalResults and Resources (any case).
// Such a body says the URL is right and its server wrong; another API's
// JSON (a "resources" key of its own) is not taken for one.
func listShaped(body []byte) bool {
	if bytes.Contains(body, []byte(listResponseSchema)) {
		return true
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	total, resources := false, false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			break
		}
		switch k, _ := t.(string); strings.ToLower(k) {
		case "totalresults":
			total = true
		case "resources":
			resources = true
		}
		if total && resources {
			return true
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			break // the value that made the list unreadable: the keys so far say
		}
	}
	return false
}

// listResponseSchema is the schema URN of a SCIM list (RFC 7644 §3.4.2).
const listResponseSchema = "urn:ietf:params:scim:api:messages:2.0:ListResponse"

// notACount is list.itemsPerPage when the answer's is not a count.
const notACount = -2

// getList GETs path?query and decodes a SCIM ListResponse; a 2xx that is
// not one is a *notListError. The body is read value by value: at most
// caps.PageSize resources (W&B's most per request) are kept, each of which
// must be an object, so that what is held stays in proportion to a real
// page whatever the body holds.
func getList(ctx context.Context, c Client, path, query string) (*list, error) {
	resp, err := c.GetRaw(ctx, path, query)
	if err != nil {
		return nil, err
	}
	notList := func(why string) error {
		return &notListError{path: path, why: why, listShaped: listShaped(resp.Body)}
	}
	dec := json.NewDecoder(bytes.NewReader(resp.Body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, notList("the answer is not a JSON object")
	}
	l := &list{total: -1, itemsPerPage: -1}
	// HTTP's date form (net/http's TimeFormat, which this package does not
	// import for one layout).
	if d, err := time.Parse("Mon, 02 Jan 2006 15:04:05 GMT", resp.Header.Get("Date")); err == nil {
		l.date = d
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, notList("the answer is not JSON")
		}
		// The keys that matter, matched and once each as the client
		// reading the organization takes them (ASCII case aside).
		key, _ := t.(string)
		key = strings.ToLower(key)
		switch key {
		case "totalresults", "itemsperpage", "startindex", "resources":
			if seen[key] {
				return nil, notList("the list response has " + key + " twice")
			}
			seen[key] = true
		}
		switch {
		case key == "totalresults":
			if l.total, err = countOf(dec); err != nil || l.total < 0 {
				return nil, notList("totalResults is not a count")
			}
			if l.total > caps.TotalResults {
				return nil, notList(fmt.Sprintf("totalResults %d is beyond what wbsync reads (%d)", l.total, caps.TotalResults))
			}
		case key == "itemsperpage":
			// The client reading the organization does not use it (it
			// steps by what arrives): one that is not a count (5.0, "x")
			// is said in the paging check, not taken for another API.
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, notList("the answer is not JSON")
			}
			if l.itemsPerPage, err = countIn(raw); err != nil || l.itemsPerPage < 0 {
				l.itemsPerPage = notACount
			}
		case key == "resources":
			if l.resources, l.over, err = resources(dec, notList); err != nil {
				return nil, err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, notList("the answer is not JSON")
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, notList("the answer is not JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, notList("data after the list response")
	}
	if l.total < 0 {
		return nil, notList("the answer has no totalResults")
	}
	return l, nil
}

// countOf reads a count: a JSON integer, or a string holding one (as
// W&B sends some numbers, and as the client reading the organization
// accepts them).
func countOf(dec *json.Decoder) (int, error) {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return 0, err
	}
	return countIn(raw)
}

// countIn reads a count, as countOf does, from one JSON value.
func countIn(raw json.RawMessage) (int, error) {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
		raw = json.RawMessage(strings.TrimSpace(s))
	}
	var n int
	err := json.Unmarshal(raw, &n)
	return n, err
}

// resources reads a list's Resources array (or null), refusing any element
// that is not an object. It keeps the first caps.PageSize elements and
// reports whether there were more (over): such a page is a SCIM list
// still, one wbsync's reads refuse (the paging check says so).
func resources(dec *json.Decoder, notList func(string) error) (out []json.RawMessage, over bool, err error) {
	t, err := dec.Token()
	if err != nil {
		return nil, false, notList("the answer is not JSON")
	}
	if t == nil {
		return nil, false, nil
	}
	if t != json.Delim('[') {
		return nil, false, notList("Resources is not an array")
	}
	for n := 1; dec.More(); n++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, false, notList("the answer is not JSON")
		}
		if len(raw) == 0 || raw[0] != '{' {
			return nil, false, notList(fmt.Sprintf("resource %d is not an object", n))
		}
		if len(out) == caps.PageSize {
			over = true // read, to check the body, not kept
			continue
		}
		out = append(out, raw)
	}
	if _, err := dec.Token(); err != nil {
		return nil, false, notList("the answer is not JSON")
	}
	return out, over, nil
}

// probeIDs returns the ids of the users at startIndex start, count 1.
func probeIDs(ctx context.Context, c Client, start int) ([]string, error) {
	l, err := getList(ctx, c, "/Users", fmt.Sprintf("startIndex=%d&count=1", start))
	if err != nil {
		return nil, err
	}
	return ids(l.resources), nil
}

// ids returns each resource's id ("" when it has none).
func ids(resources []json.RawMessage) []string {
	out := make([]string, len(resources))
	for i, r := range resources {
		var v struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(r, &v)
		out[i] = v.ID
	}
	return out
}

// baseHint is what base_path asks of a URL at which no SCIM list answers,
// naming what the URL itself shows of a common mistake, as plan's errors
// do: a base URL ending with the resource wbsync adds (/Users, /Groups),
// or one with no path at all.
func baseHint(base string) string {
	const ask = "is the URL https://HOST/scim?"
	u, err := url.Parse(base)
	if err != nil {
		return ask
	}
	if h := scim.ResourceInURL(*u); h != "" {
		return h
	}
	if strings.TrimRight(u.Path, "/") == "" {
		return ask + " (this URL has no path: W&B serves SCIM at /scim)"
	}
	return ask
}

// severalEmails counts the users of st that hold two addresses or more
// (not one sent twice, in another case).
func severalEmails(st model.State) int {
	n := 0
	for i := range st.Users {
		if es := st.Users[i].Emails; len(es) > 1 && slices.ContainsFunc(es[1:], func(e string) bool { return model.Key(e) != model.Key(es[0]) }) {
			n++
		}
	}
	return n
}
