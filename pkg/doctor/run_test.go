package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/scim"
)

// fakeServer answers GetRaw from in-memory users and groups, paging as
// asked unless told otherwise, or with a fixed error per path.
type fakeServer struct {
	users, groups []string // resources, as JSON
	// wraps answers a startIndex past the end with the first page.
	wraps bool
	// pageNumbers takes startIndex for a page number: the page
	// (startIndex-1)/count.
	pageNumbers bool
	// literalPages takes startIndex for the number of a page of count
	// resources: startIndex k answers from (k-1)*count+1.
	literalPages bool
	// zeroBased counts startIndex from 0: startIndex k answers from the
	// (k+1)-th resource, so startIndex=1 skips the first one.
	zeroBased bool
	// errs answer a request with an error: keyed by path and query, by
	// path and "?startIndex=N", or by path.
	errs     map[string]error
	body     string // when set, every answer's body
	roles    []scim.Role
	rolesErr error
	calls    []string
}

func (f *fakeServer) GetRaw(_ context.Context, path, query string) (*scim.RawResponse, error) {
	f.calls = append(f.calls, path+"?"+query)
	q, _ := url.ParseQuery(query)
	if err := f.errs[path+"?"+query]; err != nil {
		return nil, err
	}
	if err := f.errs[path+"?startIndex="+q.Get("startIndex")]; err != nil {
		return nil, err
	}
	if err := f.errs[path]; err != nil {
		return nil, err
	}
	if f.body != "" {
		return &scim.RawResponse{Status: 200, Body: []byte(f.body)}, nil
	}
	all := f.users
	if path == "/Groups" {
		all = f.groups
	}
	start, _ := strconv.Atoi(q.Get("startIndex"))
	count, _ := strconv.Atoi(q.Get("count"))
	if start > len(all) && f.wraps {
		start = 1
	}
	if f.pageNumbers && count > 0 {
		start = (start-1)/count*count + 1
	}
	if f.literalPages && count > 0 { // startIndex k: the k-th page of count
		start = (start-1)*count + 1
	}
	if f.zeroBased {
		start++
	}
	from := min(max(start, 1)-1, len(all))
	to := min(from+count, len(all))
	body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":%d,"itemsPerPage":%d,"startIndex":%d,"Resources":[%s]}`,
		len(all), to-from, start, strings.Join(all[from:to], ","))
	return &scim.RawResponse{Status: 200, Body: []byte(body)}, nil
}

func (f *fakeServer) ListRoles(context.Context) ([]scim.Role, error) { return f.roles, f.rolesErr }

func (f *fakeServer) GetGroup(context.Context, string) (scim.Group, error) {
	return scim.Group{}, errors.New("the fake reads through Env.Fetch")
}

func (f *fakeServer) ListUsers(context.Context) ([]scim.User, error) {
	return nil, errors.New("the fake lists through Env.Fetch")
}

func (f *fakeServer) ListGroups(context.Context) ([]scim.Group, error) {
	return nil, errors.New("the fake lists through Env.Fetch")
}

func fakeUsers(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(`{"id":"u%d","userName":"user%d@example.com","emails":[{"value":"user%d@example.com","primary":true}]}`, i, i, i)
	}
	return out
}

var fakeState = model.State{
	Users: []model.User{{ID: "u0", UserName: "user0@example.com", Email: "user0@example.com", Active: true, OrgRole: "member",
		TeamRoles: map[string]model.Role{"ml": "member"}}},
	Teams: []model.Team{{ID: "g0", Name: "ml", Members: []model.Member{{UserID: "u0", Email: "user0@example.com"}}}},
}

func fakeEnv(here, there *fakeServer) Env {
	env := Env{URL: "https://acme.wandb.io/scim", Client: here, Auth: "bearer", Deployment: model.Dedicated,
		HostSuggests: model.Dedicated, RateLimit: 10, Concurrency: 4, Now: stepClock(0),
		Fetch: func(context.Context, Client) (model.State, error) { return fakeState, nil }}
	if there != nil {
		env.OtherURL, env.Other = "https://acme.wandb.io/scim/v2", there
	}
	return env
}

func status(t *testing.T, r Report, want map[string]Status) {
	t.Helper()
	for name, st := range want {
		if c := r.Get(name); c.Status != st {
			t.Errorf("%s = %s (%s), want %s", name, c.Status, c.Detail, st)
		}
	}
}

var (
	err404   = &scim.Error{Method: "GET", Path: "/scim/Users", Status: 404, Detail: "no such endpoint"}
	err401   = &scim.Error{Method: "GET", Path: "/scim/v2/Users", Status: 401}
	errHTML  = &scim.Error{Method: "GET", Path: "/scim/Users", Status: 200, Detail: "HTML body"}
	errReset = &scim.Error{Method: "GET", Path: "/scim/Users", Detail: "connection reset by peer"}
)

func TestRunBasePaths(t *testing.T) {
	ctx := context.Background()
	t.Run("other refuses the key", func(t *testing.T) {
		r := Run(ctx, fakeEnv(&fakeServer{errs: map[string]error{"/Users": err404}}, &fakeServer{errs: map[string]error{"/Users": err401}}))
		status(t, r, map[string]Status{NameAuth: Fail, NameBasePath: Warn, NameCounts: Warn})
		want(t, r.Get(NameAuth), NameAuth, Fail, []string{"at /scim/v2: 401"})
		want(t, r.Get(NameBasePath), NameBasePath, Warn, []string{"only /scim/v2 answers: pass --url https://acme.wandb.io/scim/v2"})
		want(t, r.Get(NameCounts), NameCounts, Warn, []string{"not checked: authentication failed"})
	})
	t.Run("neither answers", func(t *testing.T) {
		r := Run(ctx, fakeEnv(&fakeServer{errs: map[string]error{"/Users": errHTML}}, &fakeServer{errs: map[string]error{"/Users": err404}}))
		status(t, r, map[string]Status{NameAuth: Warn, NameBasePath: Fail, NameDeployment: OK, NameLatency: Warn})
		want(t, r.Get(NameBasePath), NameBasePath, Fail, []string{"neither /scim (HTML) nor /scim/v2 answers a SCIM list", "https://HOST/scim"})
		if r.OK {
			t.Error("report ok without a SCIM API")
		}
	})
	t.Run("a 2xx refused for its size is not called HTML", func(t *testing.T) {
		big := &scim.Error{Method: "GET", Path: "/scim/Users", Status: 200, Detail: "response body larger than 67108864 bytes: refusing it"}
		r := Run(ctx, fakeEnv(&fakeServer{errs: map[string]error{"/Users": big}}, &fakeServer{errs: map[string]error{"/Users": err404}}))
		want(t, r.Get(NameBasePath), NameBasePath, Fail, []string{"neither /scim (response body larger than 67108864 bytes: refusing it) nor /scim/v2"})
	})
	t.Run("not a list, no other path", func(t *testing.T) {
		env := fakeEnv(&fakeServer{body: `{"hello": "world"}`}, nil)
		env.URL = "https://proxy.example.com/api"
		r := Run(ctx, env)
		status(t, r, map[string]Status{NameAuth: Warn, NameBasePath: Fail})
		want(t, r.Get(NameBasePath), NameBasePath, Fail, []string{"/api does not answer a SCIM list (the answer has no totalResults)"})
	})
	t.Run("no other path", func(t *testing.T) {
		env := fakeEnv(&fakeServer{users: fakeUsers(3)}, nil)
		env.URL = "https://proxy.example.com/api"
		r := Run(ctx, env)
		want(t, r.Get(NameBasePath), NameBasePath, OK, []string{"/api answers (the other base path was not tried"})
	})
	t.Run("transport error", func(t *testing.T) {
		r := Run(ctx, fakeEnv(&fakeServer{errs: map[string]error{"/Users": errReset}}, &fakeServer{}))
		status(t, r, map[string]Status{NameAuth: Fail, NameBasePath: Warn, NameShapes: Warn})
		want(t, r.Get(NameAuth), NameAuth, Fail, []string{"connection reset by peer"})
		want(t, r.Get(NameShapes), NameShapes, Warn, []string{"not checked: the first request failed"})
	})
	t.Run("redirect", func(t *testing.T) {
		redirect := &scim.Error{Method: "GET", Path: "/scim/Users", Status: 302, Location: "https://login.example.com/sso", Hint: "the client's hint"}
		r := Run(ctx, fakeEnv(&fakeServer{errs: map[string]error{"/Users": redirect}}, &fakeServer{}))
		want(t, r.Get(NameAuth), NameAuth, Fail, []string{"302: redirected to https://login.example.com/sso; the client's hint"})
	})
}

func TestRunProbes(t *testing.T) {
	ctx := context.Background()
	t.Run("past the end wraps", func(t *testing.T) {
		f := &fakeServer{users: fakeUsers(3), wraps: true}
		r := Run(ctx, fakeEnv(f, &fakeServer{users: fakeUsers(3)}))
		want(t, r.Get(NamePaging), NamePaging, Warn, []string{"startIndex=4, past the end, answered the first page again"})
		wantCalls := []string{"/Users?startIndex=1&count=1", "/Users?startIndex=1&count=9999", "/Users?startIndex=2&count=1",
			"/Users?startIndex=4&count=1", "/Users?startIndex=2&count=2", "/Users?startIndex=3&count=1", "/Groups?startIndex=1&count=100"}
		if strings.Join(f.calls, " ") != strings.Join(wantCalls, " ") {
			t.Errorf("calls %v, want %v", f.calls, wantCalls)
		}
	})
	t.Run("startIndex=2 gets no answer: the probes after it are not sent", func(t *testing.T) {
		f := &fakeServer{users: fakeUsers(3), errs: map[string]error{"/Users?startIndex=2": errReset}}
		r := Run(ctx, fakeEnv(f, &fakeServer{users: fakeUsers(3)}))
		want(t, r.Get(NamePaging), NamePaging, Warn, []string{"startIndex=2 failed: GET /scim/Users: connection reset by peer"})
		wantCalls := []string{"/Users?startIndex=1&count=1", "/Users?startIndex=1&count=9999", "/Users?startIndex=2&count=1",
			"/Groups?startIndex=1&count=100"}
		if strings.Join(f.calls, " ") != strings.Join(wantCalls, " ") {
			t.Errorf("calls %v, want %v", f.calls, wantCalls)
		}
	})
	t.Run("startIndex taken for a page number", func(t *testing.T) {
		f := &fakeServer{users: fakeUsers(3), pageNumbers: true}
		r := Run(ctx, fakeEnv(f, &fakeServer{users: fakeUsers(3)}))
		want(t, r.Get(NamePaging), NamePaging, Warn, []string{"startIndex is taken for a page number (startIndex=2 with count=2 answered from the first user)",
			"without the one-user overlap"})
	})
	t.Run("startIndex a literal page number", func(t *testing.T) {
		f := &fakeServer{users: fakeUsers(5), literalPages: true}
		r := Run(ctx, fakeEnv(f, &fakeServer{users: fakeUsers(5)}))
		want(t, r.Get(NamePaging), NamePaging, Warn, []string{"startIndex is not a position (startIndex=2 answered another user for count=2 than for count=1"})
	})
	t.Run("startIndex counted from 0", func(t *testing.T) {
		// Every list page starts one resource late: the first user is never
		// listed, and a read stops one short of totalResults. Paging must not
		// say that count and startIndex are honoured.
		f := &fakeServer{users: fakeUsers(5), zeroBased: true}
		r := Run(ctx, fakeEnv(f, &fakeServer{users: fakeUsers(5)}))
		if c := r.Get(NamePaging); c.Status == OK {
			t.Errorf("paging = ok (%s) on a server that counts startIndex from 0", c.Detail)
		}
	})
	t.Run("full read fails", func(t *testing.T) {
		env := fakeEnv(&fakeServer{users: fakeUsers(3)}, &fakeServer{})
		env.Fetch = func(context.Context, Client) (model.State, error) {
			return model.State{}, errors.New("list users: the page at startIndex 2 was empty")
		}
		r := Run(ctx, env)
		status(t, r, map[string]Status{NameCounts: Fail, NameRoles: Warn, NameServiceAccounts: Warn, NamePaging: OK, NameLatency: OK})
		want(t, r.Get(NameCounts), NameCounts, Fail, []string{"the full read failed", "startIndex 2 was empty"})
		want(t, r.Get(NameRoles), NameRoles, Warn, []string{"not checked: the full read failed"})
		if r.OK {
			t.Error("report ok after a failed read")
		}
	})
	t.Run("page failures", func(t *testing.T) {
		f := &fakeServer{users: fakeUsers(3), errs: map[string]error{"/Groups": errReset, "/Users?startIndex=2": errReset}}
		r := Run(ctx, fakeEnv(f, &fakeServer{}))
		// The reset of /Groups, a request plan makes too, was not healed
		// by retries: the probes after it are not sent, each of which
		// would spend the whole retry budget again against a server that
		// stopped answering. The failed startIndex=2 probe, optional,
		// stopped nothing but the paging probes after it, which the
		// check would not read.
		want(t, r.Get(NameShapes), NameShapes, Warn, []string{"teams not inspected: GET /scim/Users: connection reset"}, "no team to inspect")
		want(t, r.Get(NamePaging), NamePaging, Warn, []string{"startIndex=2 failed"})
		want(t, r.Get(NameLatency), NameLatency, OK, []string{"one page of 3 users", "1 page of users and 1 of teams"})
		want(t, r.Get(NameCustomRoles), NameCustomRoles, Warn, []string{"not sent: an earlier request failed after its retries"})
		if slices.Contains(f.calls, "/Users?startIndex=4&count=1") {
			t.Errorf("the past-the-end probe was sent after startIndex=2 failed: %v", f.calls)
		}

		f = &fakeServer{users: fakeUsers(3), errs: map[string]error{"/Users?startIndex=1&count=9999": errReset}}
		r = Run(ctx, fakeEnv(f, &fakeServer{}))
		status(t, r, map[string]Status{NameShapes: Warn, NamePaging: Warn, NameLatency: Warn, NameCounts: OK, NameRoles: OK})
		want(t, r.Get(NameShapes), NameShapes, Warn, []string{"not checked: GET /Users failed: GET /scim/Users: connection reset"})
	})
	t.Run("optional probes failing stop nothing", func(t *testing.T) {
		// Gateways often answer 5xx past the end or for the other base
		// path: plan never asks those, so the checks it needs still run.
		err502 := &scim.Error{Method: "GET", Path: "/scim/Users", Status: 502}
		f := &fakeServer{users: fakeUsers(3), errs: map[string]error{"/Users?startIndex=2": err502, "/Users?startIndex=4": err502}}
		r := Run(ctx, fakeEnv(f, &fakeServer{errs: map[string]error{"/Users": err502}}))
		status(t, r, map[string]Status{NameCounts: OK, NameCustomRoles: OK, NameBasePath: OK})
		if !r.OK {
			t.Errorf("report not ok: %+v", r.Checks)
		}
	})
	t.Run("roles fail", func(t *testing.T) {
		r := Run(ctx, fakeEnv(&fakeServer{users: fakeUsers(3), rolesErr: errReset}, &fakeServer{}))
		want(t, r.Get(NameCustomRoles), NameCustomRoles, Warn, []string{"a plan that declares a custom role will fail"})
	})
	t.Run("saas asks no roles", func(t *testing.T) {
		f := &fakeServer{users: fakeUsers(3), rolesErr: errors.New("must not be asked")}
		env := fakeEnv(f, &fakeServer{})
		env.Deployment = model.SaaS
		r := Run(ctx, env)
		want(t, r.Get(NameCustomRoles), NameCustomRoles, OK, []string{"not available on Multi-tenant Cloud"})
	})
	t.Run("server strings escaped", func(t *testing.T) {
		evil := &scim.Error{Method: "GET", Path: "/scim/Users", Status: 403, Detail: "go away\x1b]0;owned\x07"}
		r := Run(ctx, fakeEnv(&fakeServer{errs: map[string]error{"/Users": evil}}, &fakeServer{}))
		for _, c := range r.Checks {
			if strings.ContainsAny(c.Detail, "\x1b\x07\n") {
				t.Errorf("%s detail holds a control character: %q", c.Name, c.Detail)
			}
		}
		b, _ := json.Marshal(r)
		if !strings.Contains(string(b), `go away\\x1b]0;owned\\x07`) {
			t.Errorf("escaped detail missing: %s", b)
		}
	})
}

// TestGetListBounded: a list page is read value by value: more resources
// than W&B serves a page, or resources that are not objects, are refused
// rather than held (a 60 MiB page of zeros once took gigabytes), and the
// checks that need the page say it is not a list.
func TestGetListBounded(t *testing.T) {
	zeros := `{"totalResults":3,"Resources":[` + strings.Repeat("0,", 200_000) + `0]}`
	many := `{"totalResults":3,"Resources":[` + strings.Repeat(`{"id":"x"},`, 10_000) + `{"id":"y"}]}`
	for name, tc := range map[string]struct{ body, says string }{
		"not objects":    {zeros, "resource 1 is not an object"},
		"no total":       {`{"Resources":[]}`, "no totalResults"},
		"negative total": {`{"totalResults":-1,"Resources":[]}`, "not a count"},
		"array":          {`[{"id":"x"}]`, "not a JSON object"},
		"truncated":      {`{"totalResults":1,"Resources":[{"id":"x"}]`, "not JSON"},
		"trailing junk":  {`{"totalResults":1,"Resources":[{"id":"x"}]} garbage {{{`, "data after the list response"},
		"huge total":     {`{"totalResults":9223372036854775807,"Resources":[{"id":"x"}]}`, "totalResults 9223372036854775807 is beyond what wbsync reads"},
		"total twice":    {`{"totalResults":1,"Resources":[{"id":"x"}],"TotalResults":5}`, "totalresults twice"},
		"start twice":    {`{"totalResults":1,"startIndex":1,"Resources":[{"id":"x"}],"StartIndex":1}`, "startindex twice"},
		"pages twice":    {`{"totalResults":1,"Resources":[{"id":"x"}],"resources":[]}`, "resources twice"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := getList(context.Background(), &fakeServer{body: tc.body}, "/Users", "")
			var nl *notListError
			if !errors.As(err, &nl) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("err = %v, want a notListError saying %q", err, tc.says)
			}
		})
	}
	// More resources than a page holds: a list still (the key went
	// through, the path is SCIM's), its first caps.PageSize kept; the
	// paging check fails it, not the base path.
	l, err := getList(context.Background(), &fakeServer{body: many}, "/Users", "")
	if err != nil || !l.over || len(l.resources) != 9999 {
		t.Fatalf("over a page: %v, %v", err, l != nil && l.over)
	}
	r := Run(context.Background(), fakeEnv(&fakeServer{body: strings.Replace(many, `"totalResults":3`, `"totalResults":10001`, 1)}, nil))
	if a, b, p := r.Get(NameAuth), r.Get(NameBasePath), r.Get(NamePaging); a.Status != OK || b.Status != OK || p.Status != Fail ||
		!strings.Contains(p.Detail, "count=1 answered more than 9999 users") {
		t.Errorf("over a page: auth %+v, base_path %+v, paging %+v", a, b, p)
	}
	if l := r.Get(NameLatency); !strings.Contains(l.Detail, "not checked: no read of this server can succeed") {
		t.Errorf("over a page: latency %+v, want no estimate of a read that cannot succeed", l)
	}
	l, err = getList(context.Background(), &fakeServer{body: `{"TOTALRESULTS":2,"itemsPerPage":2,"resources":[{"id":"a"},{"id":"b"}],"extra":{"x":[1]}}`}, "/Users", "")
	if err != nil || l.total != 2 || l.itemsPerPage != 2 || len(l.resources) != 2 {
		t.Fatalf("a good page: %+v, %v", l, err)
	}
	// Counts sent as strings, which the client reading the organization
	// accepts too.
	l, err = getList(context.Background(), &fakeServer{body: `{"totalResults":"2","itemsPerPage":" 9999 ","Resources":[{"id":"a"},{"id":"b"}]}`}, "/Users", "")
	if err != nil || l.total != 2 || l.itemsPerPage != 9999 {
		t.Fatalf("counts as strings: %+v, %v", l, err)
	}
	if _, err := getList(context.Background(), &fakeServer{body: `{"totalResults":"two","Resources":[]}`}, "/Users", ""); err == nil || !strings.Contains(err.Error(), "not a count") {
		t.Errorf("a count that is a word: %v", err)
	}
	// A SCIM list with a value wbsync cannot read says the URL is right:
	// the key is accepted, the base path fails for the server's answer.
	for body, why := range map[string]string{
		`{"schemas":["` + listResponseSchema + `"],"totalResults":5.0,"Resources":[]}`: "totalResults is not a count",
		`{"totalResults":1,"Resources":[{"id":"a"}]} garbage{`:                         "data after the list response",
		`{"totalResults":1,"totalResults":1,"resources":[]}`:                           "the list response has totalresults twice",
	} {
		r := Run(context.Background(), fakeEnv(&fakeServer{body: body}, nil))
		a, b := r.Get(NameAuth), r.Get(NameBasePath)
		if a.Status != OK || b.Status != Fail || !strings.Contains(b.Detail, "answers a SCIM list that wbsync cannot read ("+why+")") || strings.Contains(b.Detail, "is the URL") {
			t.Errorf("%s: auth %+v, base_path %+v", body, a, b)
		}
	}
	// When the other base path answers a list wbsync reads, doctor sends
	// the admin there.
	bad := `{"schemas":["` + listResponseSchema + `"],"totalResults":5.0,"Resources":[]}`
	r = Run(context.Background(), fakeEnv(&fakeServer{body: bad}, &fakeServer{users: fakeUsers(3)}))
	if a, b := r.Get(NameAuth), r.Get(NameBasePath); a.Status != OK || b.Status != Warn ||
		!strings.Contains(b.Detail, "answers a SCIM list wbsync can read (") || !strings.Contains(b.Detail, "answers one it cannot: totalResults is not a count): pass --url") {
		t.Errorf("the other path reads: auth %+v, base_path %+v", a, b)
	}
	// A JSON object that is no SCIM list at all (another API's, with a
	// "resources" of its own) still asks about the URL.
	for _, body := range []string{`{"hello":"world"}`, `{"kind":"APIResourceList","resources":[{"name":"pods"}]}`, `{"data":{"totalResults":1,"Resources":[]}}`} {
		r = Run(context.Background(), fakeEnv(&fakeServer{body: body}, nil))
		if b := r.Get(NameBasePath); b.Status != Fail || !strings.Contains(b.Detail, "is the URL https://HOST/scim?") {
			t.Errorf("%s: base_path %+v", body, b)
		}
	}
	// An itemsPerPage that is not a count (a serializer's 5.0), which the
	// client reading the organization does not use, keeps the page a
	// list: the base path stays right (the paging check says it:
	// TestPaging).
	for _, ipp := range []string{`5.0`, `"x"`, `1e30`, `-1`} {
		body := `{"totalResults":2,"itemsPerPage":` + ipp + `,"Resources":[{"id":"a","userName":"a"},{"id":"b","userName":"b"}]}`
		if l, err := getList(context.Background(), &fakeServer{body: body}, "/Users", ""); err != nil || l.itemsPerPage != notACount {
			t.Errorf("itemsPerPage %s: %+v, %v", ipp, l, err)
		}
		r := Run(context.Background(), fakeEnv(&fakeServer{body: body}, nil))
		if a, b := r.Get(NameAuth), r.Get(NameBasePath); a.Status != OK || b.Status != OK {
			t.Errorf("itemsPerPage %s: auth %+v, base_path %+v", ipp, a, b)
		}
	}
	r = Run(context.Background(), fakeEnv(&fakeServer{body: zeros}, nil))
	if c := r.Get(NameShapes); c.Status == OK {
		t.Errorf("shapes on a page of zeros = %s (%s), want it not ok", c.Status, c.Detail)
	}
}

// TestBaseHint: base_path's failure names what the URL itself shows of a
// common mistake, as plan's errors do.
func TestBaseHint(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"https://acme.wandb.io/scim/Users", "--url ends with /Users, which wbsync adds itself: drop it, as in --url https://acme.wandb.io/scim"},
		{"https://acme.wandb.io/scim/v2/groups/", "--url ends with /groups, which wbsync adds itself: drop it, as in --url https://acme.wandb.io/scim/v2"},
		{"https://acme.wandb.io/scim/v2/groups/", "--url ends with /groups, which wbsync adds itself: drop it"},
		{"https://acme.wandb.io", "is the URL https://HOST/scim? (this URL has no path: W&B serves SCIM at /scim)"},
		{"https://acme.wandb.io/", "(this URL has no path"},
		{"https://acme.wandb.io/api", "is the URL https://HOST/scim?"},
	} {
		if got := baseHint(tc.url); !strings.HasPrefix(got, tc.want) && !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.url, got, tc.want)
		}
	}
	if got := baseHint("https://acme.wandb.io/api"); got != "is the URL https://HOST/scim?" {
		t.Errorf("/api: %q", got)
	}
}
