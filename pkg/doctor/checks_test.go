package doctor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/sanitize"
	"github.com/wbsync/wbsync/pkg/scim"
)

// want asserts a check's name and status and that its detail holds every
// fragment (and none of the absent ones).
func want(t *testing.T, c Check, name string, st Status, has []string, absent ...string) {
	t.Helper()
	if c.Name != name || c.Status != st {
		t.Errorf("%s = %s %q, want %s %s", name, c.Status, c.Detail, name, st)
	}
	for _, h := range has {
		if !strings.Contains(c.Detail, h) {
			t.Errorf("%s detail %q lacks %q", name, c.Detail, h)
		}
	}
	for _, a := range absent {
		if strings.Contains(c.Detail, a) {
			t.Errorf("%s detail %q holds %q", name, c.Detail, a)
		}
	}
}

func raws(docs ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(docs))
	for i, d := range docs {
		out[i] = json.RawMessage(d)
	}
	return out
}

func TestOtherBase(t *testing.T) {
	for in, out := range map[string]string{
		"https://api.wandb.ai/scim":     "https://api.wandb.ai/scim/v2",
		"https://api.wandb.ai/scim/v2":  "https://api.wandb.ai/scim",
		"https://api.wandb.ai/scim/v2/": "https://api.wandb.ai/scim",
		"http://127.0.0.1:8080/scim":    "http://127.0.0.1:8080/scim/v2",
		"https://proxy.example.com/api": "",
	} {
		if got := OtherBase(in); got != out {
			t.Errorf("OtherBase(%q) = %q, want %q", in, got, out)
		}
	}
}

// TestAuth: the auth check gives the classifier's hint for a 401 or 403
// (the cause the server names, else every likely one, with the server's
// words), where a redirect pointed, or the client's message.
func TestAuth(t *testing.T) {
	// answer classifies a server's answer to a list request as the client
	// reading the organization does.
	answer := func(status int, detail, auth string, d model.Deployment) error {
		t.Helper()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/scim+json")
			if status/100 == 3 {
				w.Header().Set("Location", "https://elsewhere.example.com/scim/Users")
			}
			w.WriteHeader(status)
			if detail != "" {
				_ = json.NewEncoder(w).Encode(map[string]string{"detail": detail, "status": strconv.Itoa(status)})
			}
		}))
		t.Cleanup(srv.Close)
		c, err := scim.New(scim.Config{BaseURL: srv.URL + "/scim", APIKey: "key-0123456789", ReadOnly: true, RateLimit: -1,
			Auth: auth, Deployment: d, Logger: zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel))})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetRaw(context.Background(), "/Users", "startIndex=1&count=1")
		return err
	}
	const teamDetail = "Keys from team-scoped service accounts cannot authenticate to the SCIM API"
	const adminDetail = "insufficient permissions: every SCIM request must be authenticated as an organization admin"
	want(t, Auth(nil, nil), NameAuth, OK, []string{"accepted"})
	want(t, Auth(answer(401, "", "bearer", model.Dedicated), nil), NameAuth, Fail, []string{"401 Unauthorized", "another W&B instance", "--auth basic"})
	want(t, Auth(answer(401, "", "basic", model.Dedicated), nil), NameAuth, Fail, []string{"401"}, "--auth basic")
	// What the server said of the key is quoted, as plan quotes it.
	want(t, Auth(answer(401, "API key expired", "bearer", model.Dedicated), nil), NameAuth, Fail, []string{"401 Unauthorized", `(server: "API key expired")`})
	want(t, Auth(answer(403, teamDetail, "bearer", model.Dedicated), nil), NameAuth, Fail,
		[]string{"403 Forbidden", "team-scoped service account (the server says so)", "org-scoped service account key"}, "not an org admin")
	want(t, Auth(answer(403, adminDetail, "bearer", model.Dedicated), nil), NameAuth, Fail,
		[]string{"403", "not an org admin (the server says so)"}, "team-scoped")
	want(t, Auth(answer(403, "nope", "bearer", model.SaaS), nil), NameAuth, Fail,
		[]string{"team-scoped", "not an org admin", "Default API organization", "CoreWeave console", `"nope"`})
	want(t, Auth(answer(403, "", "bearer", model.Dedicated), nil), NameAuth, Fail, []string{"team-scoped", "not an org admin"},
		"Default API organization")
	want(t, Auth(answer(301, "", "bearer", model.Dedicated), nil), NameAuth, Fail,
		[]string{"redirected to https://elsewhere.example.com/scim/Users", "fix --url"})
	transport := &scim.Error{Method: "GET", Path: "/scim/Users", Detail: "dial tcp: connection refused"}
	// Not the key's fault: said, so that nobody rotates a good key.
	want(t, Auth(transport, nil), NameAuth, Fail, []string{"the key could not be judged (the request failed, not for the key)", "connection refused"})
	want(t, Auth(&scim.Error{Method: "GET", Path: "/scim/Users", Status: 503}, nil), NameAuth, Fail, []string{"the key could not be judged", "503"})
	want(t, Auth(errors.New("evil\x1b[31m"), nil), NameAuth, Fail, []string{`evil\x1b[31m`})
	// A 5xx whose server text is long (cut to caps.Detail by the client)
	// keeps what wbsync adds after it: the attempts and the hint.
	long := &scim.Error{Method: "GET", Path: "/scim/Users", Status: 500, Detail: strings.Repeat("E", caps.Detail), Hint: "the server kept failing: run again later"}
	want(t, Auth(long, nil), NameAuth, Fail, []string{"the key could not be judged", "500 Internal Server Error: EEEE", "(the server kept failing: run again later)"})
}

func TestDeployment(t *testing.T) {
	want(t, Deployment("https://api.wandb.ai/scim", model.SaaS, false, model.SaaS, nil), NameDeployment, OK,
		[]string{"wbsync will assume saas", "api.wandb.ai"})
	want(t, Deployment("https://api.wandb.ai/scim", model.SaaS, true, model.SaaS, nil), NameDeployment, OK,
		[]string{"saas", "as the host api.wandb.ai suggests"})
	want(t, Deployment("https://api.wandb.ai/scim", model.Dedicated, true, model.SaaS, nil), NameDeployment, Warn,
		[]string{"--deployment dedicated", "suggests saas"})
	want(t, Deployment("https://acme.wandb.io/scim", model.SaaS, true, model.Dedicated, nil), NameDeployment, Warn,
		[]string{"--deployment saas", "acme.wandb.io suggests dedicated"})
	want(t, Deployment("https://acme.wandb.io/scim", model.Dedicated, false, model.Dedicated, nil), NameDeployment, OK,
		[]string{"wbsync will assume dedicated"})
}

const (
	rfcUser    = `{"id":"u1","userName":"alice@example.com","active":true,"emails":[{"value":"alice@example.com","primary":true}],"organizationRole":"admin","teamRoles":[],"externalId":"x1","meta":{"created":"2024-01-01T00:00:00Z"}}`
	legacyUser = `{"id":"u2","userName":"bob@example.com","active":false,"emails":{"Value":"bob@example.com","Primary":true},"meta":{}}`
	handleUser = `{"id":"u3","userName":"dev-user2","emails":[{"Value":"dev@example.com","Primary":true}]}`
	noMail     = `{"id":"u4","userName":"carol"}`
)

func TestShapes(t *testing.T) {
	want(t, Shapes(nil, nil), NameShapes, Warn, []string{"nothing to inspect"})
	want(t, Shapes(raws(rfcUser), raws(`{"members":[{"value":"u1","display":"alice"}]}`, `{"members":[]}`)), NameShapes, OK,
		[]string{"emails: RFC array;", "userName: the email", "member keys: value/display", "empty members: []"})
	want(t, Shapes(raws(legacyUser), raws(`{"Members":[{"Value":"u1","Display":"bob"}]}`, `{"members":null}`, `{"id":"g3"}`)),
		NameShapes, OK, []string{"legacy single object", "member keys: Value/Display", "empty members: mixed: null (1), missing (1)"})
	// A single emails object shows one email: a secondary one, which a
	// manifest may name on Multi-tenant Cloud, never reads.
	const oneShown = "one email shown per user: on Multi-tenant Cloud, where a user may hold several, name each user in the manifest by the email the read shows"
	if d := Shapes(raws(legacyUser, noMail), nil).Detail; !strings.Contains(d, oneShown) {
		t.Errorf("legacy emails: detail %q does not say one email shows", d)
	}
	// Mixed: said of the users that show one, as one such user is enough
	// for apply's hold.
	if d := Shapes(raws(rfcUser, legacyUser), nil).Detail; strings.Contains(d, oneShown) ||
		!strings.Contains(d, "one email shown for 1 of the first 2 users listed: on Multi-tenant Cloud") {
		t.Errorf("an RFC array seen too: detail %q does not say one email shows for 1 of 2 users", d)
	}
	if d := Shapes(raws(rfcUser, handleUser), nil).Detail; strings.Contains(d, "one email shown") {
		t.Errorf("arrays only: detail %q says one email shows", d)
	}
	want(t, Shapes(raws(rfcUser, handleUser, noMail), nil), NameShapes, OK,
		[]string{"mixed: RFC array (1), RFC array with capitalised keys (1), absent or empty (1)",
			"a handle for 2 of the first 3 users listed", "username:", "wbsync export", "no team to inspect"})
	want(t, Shapes(nil, raws(`{"members":[{"value":"u1"}]}`)), NameShapes, OK, []string{"no user to inspect", "no empty team seen"})
	// No user carries emails, no team a members key: each is a warning
	// that says what plans then do.
	want(t, Shapes(raws(noMail, noMail), raws(`{"members":[{"value":"u1"}]}`)), NameShapes, Warn,
		[]string{"emails: absent or empty", "no user carries emails", "no email update", "export leaves out every user"})
	inTeam := `{"id":"u6","userName":"e@x.com","active":true,"emails":[{"value":"e@x.com"}],"groups":[{"value":"g1"}]}`
	want(t, Shapes(raws(rfcUser, inTeam), raws(`{"id":"g1"}`, `{"id":"g2"}`)), NameShapes, Warn,
		[]string{"empty members: missing", "none of 2 teams carries a members key", "read each team an active user names alone (GET /Groups/{id}"})
	// Without a user naming a team, teams without the key are W&B's empty
	// teams (a new organization); "emails": [] is no email either.
	want(t, Shapes(raws(rfcUser), raws(`{"id":"g1"}`, `{"id":"g2"}`)), NameShapes, OK, []string{"empty members: missing"})
	want(t, Shapes(raws(`{"id":"u7","userName":"f@x.com","active":true,"emails":[ ]}`), nil), NameShapes, Warn, []string{"no user carries emails"})
	// No user carries active (W&B sends it on every user; null counts as
	// absent): every user would read as active.
	want(t, Shapes(raws(noMail, `{"id":"u5","userName":"d@x.com","emails":[{"value":"d@x.com"}],"active":null}`), nil), NameShapes, Warn,
		[]string{"no user carries active", "every user reads as active"})
	// A key written twice reads as the plan reads it, the last one: active
	// is false here, not absent (whatever order a map would give).
	for _, twice := range []string{`"active":null,"Active":false`, `"ACTIVE":null,"Active":true,"aCtIvE":false`} {
		want(t, Shapes(raws(`{"id":"u8","userName":"g@x.com","emails":[{"value":"g@x.com"}],`+twice+`}`), nil), NameShapes, OK,
			[]string{"emails: RFC array"}, "no user carries active")
	}
	// A team without the key among teams with members is W&B's empty team.
	want(t, Shapes(raws(rfcUser), raws(`{"id":"g1"}`, `{"members":[{"value":"u1"}]}`)), NameShapes, OK, []string{"empty members: missing"})
	// Attribute names are case-insensitive: VALUE is the value key.
	want(t, Shapes(raws(rfcUser), raws(`{"members":[{"VALUE":"u1","DISPLAY":"a"}]}`)), NameShapes, OK, []string{"member keys: value in another case (read as value)"})
	// What a hostile server sends is described, never a panic.
	want(t, Shapes(raws(`not json`, `[]`, `{"emails": 5}`, `{"emails": {"value": "a@x"}}`), raws(`{"members": 7}`, `{"members": [{"id": 1}]}`)),
		NameShapes, Warn, []string{"absent or empty (2)", "not an array or object (1)", "single object (1)", "not a list of objects", "no value key"})
}

func TestReadsReport(t *testing.T) {
	created := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	now := created.Add(30 * 24 * time.Hour)
	member := func(ids ...string) []model.Team {
		ms := make([]model.Member, len(ids))
		for i, id := range ids {
			ms[i] = model.Member{UserID: id, Email: id}
		}
		return []model.Team{{ID: "g1", Name: "ml", Members: ms}}
	}
	full := model.State{
		Users: []model.User{
			{ID: "a", OrgRole: "admin", TeamRoles: map[string]model.Role{"ml": "admin"}, ExternalID: "x1", Created: created},
			{ID: "b", OrgRole: "member"},
		},
		Teams: member("a"),
	}
	bare := model.State{Users: []model.User{{ID: "a"}, {ID: "b"}}, Teams: member("a")}
	want(t, Roles(full), NameRoles, OK, []string{"organizationRole and teamRoles"})
	want(t, Roles(bare), NameRoles, Warn, []string{"do not report roles", "roles_unreported", "policy.unreportedRoles: enforce"})
	want(t, Roles(model.State{Users: []model.User{{ID: "a", OrgRole: "member"}}, Teams: member("a")}), NameRoles, Warn, []string{"not teamRoles"})
	// Some users carry roles, others not (a server that leaves out a
	// default value): a warning with the counts, not ok.
	partial := model.State{Users: []model.User{
		{ID: "a", OrgRole: "admin", TeamRoles: map[string]model.Role{"ml": "admin"}}, {ID: "b"}, {ID: "c", OrgRole: "member"},
	}, Teams: member("a", "b")}
	want(t, Roles(partial), NameRoles, Warn, []string{"organizationRole for 2 of 3 users", "teamRoles for 1 of 2 team members", "roles_unreported"})
	want(t, Roles(model.State{Users: []model.User{{OrgRole: "member"}}}), NameRoles, OK, []string{"organizationRole and teamRoles"})
	want(t, Roles(model.State{Users: []model.User{{TeamRoles: map[string]model.Role{}}}}), NameRoles, Warn, []string{"not organizationRole"})
	want(t, Roles(model.State{}), NameRoles, Warn, []string{"not checked"})
	// A value W&B does not define is read as unreported, and said.
	odd := model.State{Users: []model.User{{ID: "a", OrgRole: "org_admin"}, {ID: "b", OrgRole: "member"}}}
	want(t, Roles(odd), NameRoles, Warn, []string{"organizationRole for 1 of 2 users", "the organizationRole of 1 user(s) is none of admin, member and viewer"})
	if d := Roles(model.State{Users: []model.User{{ID: "a", OrgRole: "owner"}}}).Detail; !strings.HasPrefix(d, "the organizationRole of 1 user(s) is none of") {
		t.Errorf("every role undefined: detail %q should say so first", d)
	}

	want(t, ExternalID(full), NameExternalID, OK, []string{"1 of 2 users"})
	want(t, ExternalID(bare), NameExternalID, Warn, []string{"external_id_unreported"})
	want(t, ExternalID(model.State{}), NameExternalID, Warn, []string{"not checked"})

	full.Users[1].Created = created
	want(t, Created(full, now, 0), NameCreated, OK, []string{"grace period"})
	full.Users[1].Created = time.Time{}
	want(t, Created(full, now, 0), NameCreated, Warn, []string{"1 of 2 users", "no grace period"})
	want(t, Created(bare, now, 0), NameCreated, Warn, []string{"no grace period"})
	want(t, Created(model.State{}, now, 0), NameCreated, Warn, []string{"not checked"})
	// A date more than an hour ahead of this machine's clock: a clock is
	// wrong, and the grace period counts from this one.
	full.Users[0].Created, full.Users[1].Created = now.Add(48*time.Hour), now.Add(30*time.Minute)
	want(t, Created(full, now, 0), NameCreated, Warn, []string{"meta.created is reported", "; 1 of 2 users were created more than 1h ahead of this machine's clock", "check it and the server's"})
	// The server's clock (Date) apart from this machine's: said either way;
	// a few minutes' difference is not.
	full.Users[0].Created, full.Users[1].Created = created, created
	want(t, Created(full, now, 3*time.Hour), NameCreated, Warn, []string{"meta.created is reported", "the server's clock (its Date header) is 3h ahead of this machine's"})
	want(t, Created(full, now, -2*time.Hour), NameCreated, Warn, []string{"is 2h behind this machine's"})
	// A Date in year 9999: the difference saturates; said as it is.
	far := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Sub(now)
	want(t, Created(full, now, far), NameCreated, Warn, []string{"is more than a century ahead of this machine's"}, "106751")
	want(t, Created(full, now, 2*time.Minute), NameCreated, OK, []string{"meta.created is reported"}, "Date header")
}

func TestPaging(t *testing.T) {
	honoured := PagingProbe{Total: 5, First: []string{"a"}, Second: []string{"b"}, PageSize: 9999, FullPage: 5, ItemsPerPage: 5}
	want(t, Paging(honoured, nil), NamePaging, OK, []string{"honoured", "itemsPerPage 5, as the page held"})

	capped := honoured
	capped.FullPage, capped.ItemsPerPage = 2, 9999
	want(t, Paging(capped, nil), NamePaging, OK, []string{"at most 2 users (asked 9999)", "itemsPerPage 9999 for a page of 2"})
	if capped.PageSizeServed() != 2 || honoured.PageSizeServed() != 9999 {
		t.Errorf("PageSizeServed = %d, %d", capped.PageSizeServed(), honoured.PageSizeServed())
	}

	noIPP := honoured
	noIPP.ItemsPerPage = -1
	want(t, Paging(noIPP, nil), NamePaging, OK, []string{"no itemsPerPage"})
	// A total below what the list holds: past the end answers users, and
	// a page held more than the total; not an overcount.
	under := PagingProbe{Total: 3, First: []string{"a"}, Second: []string{"b"}, PastEnd: []string{"d"}, PageSize: 9999, FullPage: 5, ItemsPerPage: 5}
	want(t, Paging(under, nil), NamePaging, Warn, []string{"totalResults 3 counts fewer users than the server lists (a page held 5, and startIndex=4, past that count, answered users)"}, "overcounts")
	noIPP.ItemsPerPage = notACount
	want(t, Paging(noIPP, nil), NamePaging, OK, []string{"itemsPerPage is not a count (wbsync does not use it: it steps by what arrives)"})

	ignored := PagingProbe{Total: 5, First: []string{"a", "b", "c", "d", "e"}, PageSize: 9999, FullPage: 5}
	want(t, Paging(ignored, nil), NamePaging, OK, []string{"count is ignored", "fits one page"})
	// A page that holds more than totalResults says is not a list that
	// fits one page.
	pageOverTotal := ignored
	pageOverTotal.Total = 4
	want(t, Paging(pageOverTotal, nil), NamePaging, Warn, []string{"count is ignored (count=1 answered 5 users), and totalResults 4 counts fewer users than the server lists (a page held 5): reads of such a list fail closed"}, "fine while")
	// Every page empty though totalResults counts users: the first one
	// is named, not startIndex=2.
	emptyPages := PagingProbe{Total: 6, PageSize: 9999, Second: []string{}}
	want(t, Paging(emptyPages, nil), NamePaging, Fail, []string{"the first page (startIndex=1) answered no user though totalResults is 6: reads fail closed"}, "startIndex=2")
	ignored.Total, ignored.FullPage = 12000, 9999
	want(t, Paging(ignored, nil), NamePaging, Fail, []string{"count is ignored", "9999 of 12000", "fail closed"})

	fixedPages := ignored // count ignored, startIndex honoured: reads step by the page
	fixedPages.Second, fixedPages.SecondAt = []string{"f"}, 6
	want(t, Paging(fixedPages, nil), NamePaging, OK, []string{"count is ignored", "startIndex is honoured (startIndex=6 answered the next user)"})
	fixedPages.Second = []string{"c"} // startIndex 6 answered a user of the first page again
	want(t, Paging(fixedPages, nil), NamePaging, Fail, []string{"9999 of 12000", "fail closed", "startIndex=6 answered no next user"})
	fixedPages.Second, fixedPages.SecondErr = nil, errors.New("GET /scim/Users: 502")
	want(t, Paging(fixedPages, nil), NamePaging, Warn, []string{"startIndex=6 failed", "502"})

	startIgnored := honoured
	startIgnored.Second = []string{"a"}
	want(t, Paging(startIgnored, nil), NamePaging, OK, []string{"startIndex is ignored"})
	startIgnored.FullPage = 3
	want(t, Paging(startIgnored, nil), NamePaging, Fail, []string{"startIndex is ignored", "3 of 5"})

	over := ignored // more users than a page holds for count 1
	over.Over = true
	want(t, Paging(over, nil), NamePaging, Fail, []string{"count=1 answered more than 9999 users", "cannot read this server"})

	wraps := honoured
	wraps.PastEnd = []string{"a"}
	want(t, Paging(wraps, nil), NamePaging, Warn, []string{"startIndex=6, past the end, answered the first page again"})
	undercount := honoured // a user no page showed, past totalResults
	undercount.PastEnd = []string{"f"}
	want(t, Paging(undercount, nil), NamePaging, Warn, []string{"startIndex=6, past the end, answered users: totalResults 5 may count fewer users than the server lists", "fails closed"})

	short := honoured
	short.Second = []string{}
	want(t, Paging(short, nil), NamePaging, Warn, []string{"startIndex=2 answered no user"})
	// With more users than a page holds, a read does go past the first
	// page: it cannot succeed.
	short.Total, short.FullPage = 3, 2
	want(t, Paging(short, nil), NamePaging, Fail, []string{"startIndex=2 answered no user", "fail closed"})

	failed := honoured
	failed.Second, failed.SecondErr = nil, errors.New("GET /scim/Users: 500")
	want(t, Paging(failed, nil), NamePaging, Warn, []string{"startIndex=2 failed", "500"})

	want(t, Paging(PagingProbe{Total: 1, First: []string{"a"}, PageSize: 9999, FullPage: 1}, nil), NamePaging, Warn,
		[]string{"not checked", "too few"})
}

func TestLatency(t *testing.T) {
	p := LatencyProbe{Took: 120 * time.Millisecond, PageUsers: 11, Users: 11, Teams: 4, PageSize: 9999, RateLimit: 10, Concurrency: 4}
	est, pages := p.Estimate()
	if pages != 2 || est != 200*time.Millisecond {
		t.Errorf("Estimate = %v, %d pages; want 200ms, 2", est, pages)
	}
	want(t, Latency(p), NameLatency, OK, []string{"one page of 11 users took 120ms", "1 page of users and 1 of teams, up to 9999 resources a page", "about 200ms",
		"--rate-limit 10, --concurrency 4"})

	// 100k users and 20k teams at 100 a page, each page after the first
	// sharing one user or team with the one before: 1011 + 203 pages; at
	// 2s a page over 2 in parallel that is 20m14s, slower than the rate
	// limit's 2 min.
	slow := LatencyProbe{Took: 2 * time.Second, PageUsers: 100, Users: 100_000, Teams: 20_000, PageSize: 100, RateLimit: 10, Concurrency: 2}
	est, pages = slow.Estimate()
	if pages != 1214 || est != 1214*time.Second {
		t.Errorf("Estimate = %v, %d pages; want 20m14s, 1214", est, pages)
	}
	want(t, Latency(slow), NameLatency, Warn, []string{"about 20m14s", "raise --concurrency"})

	// The rate limit decides when pages are fast.
	rated := LatencyProbe{Took: time.Millisecond, Users: 100_000, Teams: 1, PageSize: 10, RateLimit: 0.5, Concurrency: 64}
	if est, pages := rated.Estimate(); pages != 11_112 || est != 22224*time.Second {
		t.Errorf("Estimate = %v, %d pages", est, pages)
	}
	unlimited := LatencyProbe{Took: time.Second, Users: 10, Teams: 10, PageSize: 10, Concurrency: 1}
	if est, _ := unlimited.Estimate(); est != 2*time.Second {
		t.Errorf("without a rate limit: %v", est)
	}
	want(t, Latency(unlimited), NameLatency, OK, []string{"--rate-limit none"})

	// Pages go in rounds of --concurrency: two pages at 4 in parallel
	// take one page's time, never less.
	oneRound := LatencyProbe{Took: 573 * time.Millisecond, Users: 9000, Teams: 10, PageSize: 9999, Concurrency: 4}
	if est, pages := oneRound.Estimate(); pages != 2 || est != 573*time.Millisecond {
		t.Errorf("two pages in one round: %v, %d pages; want 573ms, 2", est, pages)
	}

	// A page that takes more than half of --timeout warns, whatever the
	// estimate: a slower day times it out. At half or less it does not.
	near := LatencyProbe{Took: 4 * time.Second, PageUsers: 3, Users: 3, Teams: 1, PageSize: 9999, Concurrency: 4, Timeout: 5 * time.Second}
	want(t, Latency(near), NameLatency, Warn, []string{"more than half of --timeout 5s", "raise --timeout, or lower --page-size"})
	near.Took = 2500 * time.Millisecond
	want(t, Latency(near), NameLatency, OK, []string{"one page of 3 users took 2.5s"})

	// A claimed total is bounded as the client bounds it: no overflow.
	huge := LatencyProbe{Took: 30 * time.Second, Users: math.MaxInt, Teams: -5, PageSize: 1, RateLimit: 10, Concurrency: 1}
	if est, pages := huge.Estimate(); pages != 2_000_001 || est <= 0 {
		t.Errorf("Estimate of a huge claim = %v, %d pages", est, pages)
	}
}

// TestCreatedUnreadable: creation dates that are not dates are a warning
// saying what plans do with those users.
func TestCreatedUnreadable(t *testing.T) {
	st := model.State{Users: []model.User{{ID: "u1", Created: time.Unix(1, 0)}, {ID: "u2", CreatedUnreadable: true}, {ID: "u3"}}}
	want(t, Created(st, time.Unix(100, 0), 0), NameCreated, Warn, []string{"1 of 3 users carry a meta.created that is not a date (1 a readable one)", "spare those users"})
}

func TestOrgChecks(t *testing.T) {
	st := model.State{
		Users: []model.User{{ID: "u1", UserName: "a@x", Email: "a@x", Active: true}, {ID: "u2", UserName: "b@x", Email: "b@x"}},
		Teams: []model.Team{
			{ID: "g1", Name: "ml", Members: []model.Member{{UserID: "u1", Email: "a@x"}, {UserID: "sa1"}}},
			{ID: "g2", Name: "ML", Members: []model.Member{{UserID: "sa1"}, {UserID: "sa2"}}},
			{ID: "g3", Name: "ops"},
		},
	}
	want(t, ServiceAccounts(st), NameServiceAccounts, OK, []string{"2 team member(s) are not listed users", "never removes"})
	want(t, ServiceAccounts(model.State{}), NameServiceAccounts, OK, []string{"none"})
	// Teams with members and no user listed at all: the read does not show
	// the users.
	want(t, ServiceAccounts(model.State{Teams: st.Teams}), NameServiceAccounts, Warn, []string{"2 team member(s) are not listed users, and /Users lists no user at all", "membership: additive"})
	want(t, Counts(st, nil), NameCounts, Warn, []string{"2 users (1 active), 3 teams", "differ only in case, in white space at either end, or in how a character is encoded: ML (id g2) / ml (id g1)", "names exactly"}, "sharing")
	// White space at an end is shown: quoted, a no-break space escaped.
	st.Teams[1].Name = "ml "
	st.Teams[2].Name = "ml\u00a0"
	want(t, Counts(st, nil), NameCounts, Warn, []string{`encoded: ml (id g1) / "ml " (id g2) / "ml\u00a0" (id g3)`}, "sharing")
	st.Teams[2].Name = "ops"
	st.Teams[1].Name = "ml"
	want(t, Counts(st, nil), NameCounts, Warn, []string{"teams sharing a name: ml (ids g1, g2)", "pins an id"}, "differ only in case")
	// Names that differ only in case past what a detail shows are still
	// told apart.
	st.Teams[0].Name, st.Teams[1].Name = strings.Repeat("x", 70)+"a", strings.Repeat("x", 70)+"A"
	want(t, Counts(st, nil), NameCounts, Warn, []string{"differ only in case"}, "sharing")
	st.Teams[1].Name = "ml-2"
	want(t, Counts(st, nil), NameCounts, OK, []string{"2 users (1 active), 3 teams"}, "sharing")
	// A user without email is one export leaves out.
	st.Users = append(st.Users, model.User{ID: "u9", UserName: "svc-bot", Active: true})
	want(t, Counts(st, nil), NameCounts, Warn, []string{"3 users (2 active), 3 teams", "1 user(s) have no email: export leaves them out", "membership: additive"}, "sharing")
	// Two accounts of one userName, in another case: a manifest entry
	// naming it is ambiguous in every plan.
	st.Users = append(st.Users, model.User{ID: "u7", UserName: "A@X", Email: "a.old@x"})
	want(t, Counts(st, nil), NameCounts, Warn, []string{"users sharing a userName, ignoring case: a@x (ids u1, u7): a manifest entry naming one is left alone until only one account bears the name (ambiguous_user)"})

	roles := []scim.Role{{Name: "Reviewer"}, {Name: "a\x1bb"}}
	want(t, CustomRoles(model.Dedicated, roles, nil, nil), NameCustomRoles, OK, []string{"2 custom role(s): Reviewer, a\\x1bb"})
	want(t, CustomRoles(model.Dedicated, nil, nil, nil), NameCustomRoles, OK, []string{"no custom roles"})
	notFound := &scim.Error{Method: "GET", Path: "/scim/Roles", Status: 404}
	want(t, CustomRoles(model.Dedicated, nil, notFound, nil), NameCustomRoles, Warn, []string{"404", "custom_roles_unchecked"})
	want(t, CustomRoles(model.Dedicated, nil, errors.New("boom"), nil), NameCustomRoles, Warn, []string{"will fail", "boom"})
	// Never sent (an earlier request failed): nothing said of what a plan meets.
	want(t, CustomRoles(model.Dedicated, nil, errGaveUp{&scim.Error{Method: "GET", Path: "/scim/Groups", Status: 503}}, nil), NameCustomRoles, Warn, []string{"/Roles not sent: an earlier request failed"}, "will fail")
	want(t, CustomRoles(model.SaaS, nil, nil, nil), NameCustomRoles, OK, []string{"not available on Multi-tenant Cloud"})

	many := make([]scim.Role, 8)
	for i := range many {
		many[i].Name = string(rune('a' + i))
	}
	want(t, CustomRoles(model.Dedicated, many, nil, nil), NameCustomRoles, OK, []string{"8 custom role(s): a, b, c, d, e, … and 3 more"})
}

func TestReport(t *testing.T) {
	r := NewReport(Check{Name: NameLatency, Status: OK, Detail: "fast"}, Check{Name: NameAuth, Status: Fail, Detail: "bad\nline\x1b"})
	if r.OK {
		t.Error("a failed check left the report ok")
	}
	if len(r.Checks) != len(Names) {
		t.Fatalf("%d checks, want %d", len(r.Checks), len(Names))
	}
	for i, c := range r.Checks {
		if c.Name != Names[i] {
			t.Errorf("check %d is %s, want %s", i, c.Name, Names[i])
		}
	}
	if d := r.Get(NameAuth).Detail; d != `bad\nline\x1b` {
		t.Errorf("auth detail not escaped: %q", d)
	}
	want(t, r.Get(NameShapes), NameShapes, Warn, []string{"not checked"})
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(text.String(), "\n"), "\n")
	if len(lines) != len(Names)+1 || lines[len(lines)-1] != "Doctor: 1 ok, 10 warnings, 1 failed." {
		t.Errorf("text:\n%s", text.String())
	}
	if !strings.HasPrefix(lines[0], "FAIL  auth              bad") || !strings.HasPrefix(lines[11], "ok    latency") {
		t.Errorf("rows:\n%s", text.String())
	}
	var back Report
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.OK || len(back.Checks) != len(Names) {
		t.Errorf("JSON round trip: %v %+v", err, back)
	}
	if !NewReport().OK {
		t.Error("a report without failures is not ok")
	}
}

// TestCountsBounded: a thousand teams sharing a name make a detail of a
// few names and ids, not of every id.
func TestCountsBounded(t *testing.T) {
	var st model.State
	for i := range 1000 {
		st.Teams = append(st.Teams, model.Team{ID: fmt.Sprintf("g%04d", i), Name: "ml"}, model.Team{ID: fmt.Sprintf("h%04d", i), Name: fmt.Sprintf("t%d", i%50)})
	}
	c := Counts(st, nil)
	if len(c.Detail) > 2000 || !strings.Contains(c.Detail, "ml (ids g0000, g0001, g0002, g0003, g0004, … and 995 more)") {
		t.Errorf("%d characters: %.400s", len(c.Detail), c.Detail)
	}
}

// TestNamesRedactedBeforeTheCut: a role name, a team name or a team id
// that carries the API key across the point where a detail cuts it shows
// none of it (cut first, its first characters stayed: too few for the
// output's redactor to recognise).
func TestNamesRedactedBeforeTheCut(t *testing.T) {
	const key = "0123456789abcdef0123456789abcdef01234567"
	red := sanitize.NewRedactor(key)
	for before := 1; before < 8; before++ {
		name := strings.Repeat("r", nameWidth-1-before) + key
		roles := []scim.Role{{Name: name}}
		st := model.State{Teams: []model.Team{{ID: name, Name: name}, {ID: "g2", Name: name}}}
		for _, c := range []Check{CustomRoles(model.Dedicated, roles, nil, red), Counts(st, red)} {
			if d := red.String(c.Detail); strings.Contains(d, key[:before]+"…") {
				t.Errorf("%d key characters before the cut: %s shows %q", before, c.Name, d)
			}
		}
	}
}

// TestTextTally: the last line counts each status, "warning" singular for
// one.
func TestTextTally(t *testing.T) {
	for _, tc := range []struct {
		statuses []Status
		want     string
	}{
		{[]Status{OK, Warn, Fail}, "Doctor: 1 ok, 1 warning, 1 failed."},
		{[]Status{OK, OK}, "Doctor: 2 ok, 0 warnings, 0 failed."},
		{[]Status{Warn, Warn}, "Doctor: 0 ok, 2 warnings, 0 failed."},
	} {
		var r Report
		for i, s := range tc.statuses {
			r.Checks = append(r.Checks, Check{Name: Names[i], Status: s, Detail: "d"})
		}
		var text bytes.Buffer
		if err := r.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(text.String(), "\n"), "\n")
		if got := lines[len(lines)-1]; got != tc.want {
			t.Errorf("%v: last line %q, want %q", tc.statuses, got, tc.want)
		}
	}
}

// oneEmailNote is the start of what Shapes says when each user shows one
// email at most.
const oneEmailNote = "one email shown per user"

// TestShapesOneEmailNoteForLowercaseSingleObject: a single emails object
// with lowercase keys shows one email per user as the legacy one does.
func TestShapesOneEmailNoteForLowercaseSingleObject(t *testing.T) {
	objectUser := `{"id":"u5","userName":"dan","emails":{"value":"dan@example.com","primary":true}}`
	if d := Shapes(raws(objectUser, noMail), nil).Detail; !strings.Contains(d, oneEmailNote) {
		t.Errorf("single object with lowercase keys: detail %q does not say one email shows", d)
	}
}

// TestShapesOneEmailNoteForAString: emails as one string (which the read
// takes as the user's one email) shows one email per user too.
func TestShapesOneEmailNoteForAString(t *testing.T) {
	stringUser := `{"id":"u6","userName":"eve","emails":"eve@example.com"}`
	if d := Shapes(raws(stringUser, noMail), nil).Detail; !strings.Contains(d, oneEmailNote) || !strings.Contains(d, "emails: mixed: a string (1), absent or empty (1)") {
		t.Errorf("emails as a string: detail %q does not say one email shows", d)
	}
}

// TestShapesNoOneEmailNoteWithoutEmails: users that show no email at all
// are not said to show one (the absent-emails warning speaks of them).
func TestShapesNoOneEmailNoteWithoutEmails(t *testing.T) {
	if d := Shapes(raws(noMail, noMail), nil).Detail; strings.Contains(d, oneEmailNote) {
		t.Errorf("no user shows an email: detail %q says one email shows", d)
	}
}

// TestPagingEdges: a full page over totalResults while count=1's page is
// not is still no list that fits one page; one user counted and the first
// page empty is named as the first page; count=1 answering no user beside
// a full page that held them all says paging was not probed (doctor sends
// no startIndex=2 request then), not what startIndex=2 answered.
func TestPagingEdges(t *testing.T) {
	want(t, Paging(PagingProbe{Total: 4, First: []string{"a", "b", "c"}, FullPage: 5, PageSize: 9999}, nil), NamePaging, Warn,
		[]string{"totalResults 4 counts fewer users than the server lists (a page held 5)"}, "fine while")
	want(t, Paging(PagingProbe{Total: 1, PageSize: 9999}, nil), NamePaging, Fail,
		[]string{"the first page (startIndex=1) answered no user though totalResults is 1"}, "too few")
	want(t, Paging(PagingProbe{Total: 6, FullPage: 6, PageSize: 9999}, nil), NamePaging, Warn,
		[]string{"count=1 answered no user though totalResults is 6 (a page of 9999 held 6): paging not probed"}, "startIndex=2")
	// count=1 answered more users than totalResults counts, and no full
	// page was read: that page alone shows the undercount.
	want(t, Paging(PagingProbe{Total: 2, First: []string{"a", "b", "c"}, PageSize: 100}, nil), NamePaging, Warn,
		[]string{"totalResults 2 counts fewer users than the server lists (a page held 3)"}, "fine while")
}

// TestSharedUserNamesShown: the userNames two accounts share are warned
// even when nothing else is (every user has an email), shown escaped, with
// their ids escaped and sorted, a few groups and ids only, and users
// without a userName are not one group.
func TestSharedUserNamesShown(t *testing.T) {
	st := model.State{Users: []model.User{
		{ID: "u9", UserName: "Bob\x1b[2J@x", Email: "b1@x", Active: true},
		{ID: "u2\x07", UserName: "bob\x1b[2j@x", Email: "b2@x", Active: true},
		{ID: "s1", Email: "s1@x", Active: true},
		{ID: "s2", Email: "s2@x", Active: true},
	}}
	want(t, Counts(st, nil), NameCounts, Warn, []string{`users sharing a userName, ignoring case: Bob\x1b[2J@x (ids u2\x07, u9): a manifest`}, "\x1b", "\x07", " (ids s1")
	st.Users = nil
	for i := range 12 {
		st.Users = append(st.Users, model.User{ID: fmt.Sprintf("a%02d", i), UserName: fmt.Sprintf("n%02d@x", i), Email: fmt.Sprintf("a%d@x", i)},
			model.User{ID: fmt.Sprintf("b%02d", i), UserName: fmt.Sprintf("N%02d@x", i), Email: fmt.Sprintf("b%d@x", i)})
	}
	for i := range 12 {
		st.Users = append(st.Users, model.User{ID: fmt.Sprintf("z%02d", i), UserName: "AA@x", Email: fmt.Sprintf("z%d@x", i)})
	}
	want(t, Counts(st, nil), NameCounts, Warn, []string{"ignoring case: AA@x (ids z00, z01, z02, z03, z04, … and 7 more), n00@x (ids a00, b00), n01@x (ids a01, b01)", "n03@x (ids a03, b03), … and 8 more: a manifest"}, "n04@x")
}
