package doctor

import (
	"bytes"
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/wbsync/wbsync/pkg/emulator"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/scim"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const testKey = "doctor-test-key-7a1e93c0"

// emuMode is one emulator configuration doctor is run against.
type emuMode struct {
	name string
	opts emulator.Options
	seed string // file under testdata/seeds; "" is an empty organization
	key  string // the key sent (default testKey)
	env  func(*Env)
	// notOK are the checks whose status is not ok; every other is ok.
	notOK map[string]Status
	// has are fragments a check's detail must hold.
	has map[string][]string
	// clockAhead, when set, is how far ahead of this machine's clock the
	// answers' Date header is.
	clockAhead time.Duration
}

var notChecked10 = map[string]Status{NameShapes: Warn, NameRoles: Warn, NameExternalID: Warn, NameCreated: Warn,
	NamePaging: Warn, NameServiceAccounts: Warn, NameCustomRoles: Warn, NameCounts: Warn, NameLatency: Warn}

func authFailed(extra map[string]Status) map[string]Status {
	m := map[string]Status{NameAuth: Fail, NameBasePath: Warn}
	for k, v := range notChecked10 {
		m[k] = v
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

var emuModes = []emuMode{
	{name: "default", seed: "org.json", has: map[string][]string{
		NameAuth:        {"the key is accepted"},
		NameBasePath:    {"/scim answers (/scim/v2 too)"},
		NameDeployment:  {"wbsync will assume dedicated"},
		NameShapes:      {"emails: RFC array", "userName: the email", "member keys: value/display", "empty members: []"},
		NameRoles:       {"organizationRole and teamRoles"},
		NameExternalID:  {"2 of 5 users"},
		NameCreated:     {"meta.created is reported"},
		NamePaging:      {"count and startIndex are honoured", "itemsPerPage 5, as the page held"},
		NameCustomRoles: {"2 custom role(s): Reviewer, Data Steward"},
		NameCounts:      {"5 users (4 active), 3 teams"},
		NameLatency:     {"one page of 5 users took 40ms", "1 page of users and 1 of teams, up to 9999 resources a page", "about 200ms"},
	}},
	{name: "legacy_shapes", seed: "org.json", opts: emulator.Options{LegacyShapes: true}, has: map[string][]string{
		NameShapes: {"emails: legacy single object with capitalised keys", "member keys: Value/Display", "empty members: null"},
	}},
	{name: "omit_empty_members", seed: "org.json", opts: emulator.Options{OmitEmptyMembers: true}, has: map[string][]string{
		NameShapes: {"empty members: missing"},
	}},
	{name: "omit_roles", seed: "org.json", opts: emulator.Options{OmitRoles: true},
		notOK: map[string]Status{NameRoles: Warn},
		has:   map[string][]string{NameRoles: {"do not report roles", "policy.unreportedRoles: enforce"}}},
	{name: "handles", seed: "org.json", opts: emulator.Options{Handles: true}, has: map[string][]string{
		NameShapes: {"userName: a handle for 5 of the first 5 users listed", "set username: in the manifest", "wbsync export"},
	}},
	{name: "ignore_external_id", seed: "org.json", opts: emulator.Options{IgnoreExternalID: true},
		notOK: map[string]Status{NameExternalID: Warn},
		has:   map[string][]string{NameExternalID: {"external_id_unreported"}}},
	{name: "saas", seed: "org.json", opts: emulator.Options{Deployment: emulator.DeploymentSaaS},
		env: func(e *Env) { e.Deployment, e.DeploymentGiven = model.SaaS, true },
		// The emulator is on loopback, which suggests dedicated.
		notOK: map[string]Status{NameDeployment: Warn},
		has: map[string][]string{
			NameDeployment:  {"--deployment saas, but the host 127.0.0.1 suggests dedicated"},
			NameCustomRoles: {"not available on Multi-tenant Cloud"},
		}},
	{name: "saas_host", seed: "org.json", opts: emulator.Options{Deployment: emulator.DeploymentSaaS},
		// As the CLI would see https://api.wandb.ai/scim (the probes still
		// go to the emulator).
		env: func(e *Env) {
			e.URL, e.Deployment, e.HostSuggests = "https://api.wandb.ai/scim", model.SaaS, model.SaaS
		},
		has: map[string][]string{NameDeployment: {"wbsync will assume saas (Multi-tenant Cloud), from the host api.wandb.ai"}}},
	{name: "dedicated_given", seed: "org.json",
		env: func(e *Env) { e.DeploymentGiven = true },
		has: map[string][]string{NameDeployment: {"dedicated (Dedicated Cloud or Self-Managed), as the host 127.0.0.1 suggests"}}},
	{name: "wrong_key", seed: "org.json", opts: emulator.Options{APIKey: "the-right-key-0123456789"},
		notOK: authFailed(nil),
		// Basic was tried too: the detail says so, not "try --auth basic".
		has: map[string][]string{NameAuth: {"401 Unauthorized with Bearer, and refused with Basic too: 401 Unauthorized: the key was refused"},
			NameShapes: {"not checked: authentication failed"}}},
	// Bearer refused, Basic refused for another cause: that cause is named.
	{name: "bearer_refused_basic_forbidden", seed: "org.json", opts: emulator.Options{BasicOnly: true, NonAdminKey: testKey},
		notOK: authFailed(nil),
		has:   map[string][]string{NameAuth: {"401 Unauthorized with Bearer, and refused with Basic too: 403 Forbidden", "not an org admin"}}},
	// Bearer refused, Basic accepted: auth fails naming --auth basic, and
	// the other checks go through Basic.
	{name: "bearer_refused", seed: "org.json", opts: emulator.Options{BasicOnly: true},
		notOK: map[string]Status{NameAuth: Fail},
		has: map[string][]string{NameAuth: {"401 Unauthorized with Bearer, but the key is accepted with Basic", "pass --auth basic"},
			NameBasePath: {"/scim answers (/scim/v2 too)"}, NameCounts: {"5 users (4 active), 3 teams"}}},
	// Without Basic clients to try, the hint says to try it.
	{name: "bearer_refused_untried", seed: "org.json", opts: emulator.Options{BasicOnly: true},
		env:   func(e *Env) { e.Basic, e.BasicOther = nil, nil },
		notOK: authFailed(nil),
		has:   map[string][]string{NameAuth: {"401 Unauthorized", "try --auth basic"}}},
	{name: "team_scoped_key", seed: "org.json", opts: emulator.Options{TeamScopedKey: testKey},
		notOK: authFailed(nil),
		has:   map[string][]string{NameAuth: {"403 Forbidden", "team-scoped service account"}}},
	{name: "non_admin_key", seed: "org.json", opts: emulator.Options{NonAdminKey: testKey},
		notOK: authFailed(nil),
		has:   map[string][]string{NameAuth: {"403 Forbidden", "not an org admin"}}},
	// count ignored, pages of 2 from startIndex: reads work.
	{name: "count_ignored_pages", seed: "org.json", opts: emulator.Options{IgnoreCount: true, PageCap: 2},
		has: map[string][]string{NamePaging: {"count is ignored (count=1 answered 2 users), but startIndex is honoured (startIndex=3 answered the next user)"},
			NameCounts: {"5 users (4 active), 3 teams"}}},
	{name: "v2_only", seed: "org.json", opts: emulator.Options{BasePaths: emulator.BasePathsV2},
		notOK: map[string]Status{NameBasePath: Warn},
		has: map[string][]string{
			NameAuth:     {"the key is accepted (at /scim/v2)"},
			NameBasePath: {"only /scim/v2 answers: pass --url http://EMULATOR/scim/v2"},
			NameCounts:   {"5 users (4 active), 3 teams"},
		}},
	{name: "v2_only_at_v2", seed: "org.json", opts: emulator.Options{BasePaths: emulator.BasePathsV2},
		env:   func(e *Env) { e.URL, e.OtherURL, e.Client, e.Other = e.OtherURL, e.URL, e.Other, e.Client },
		notOK: map[string]Status{NameBasePath: Warn},
		has:   map[string][]string{NameBasePath: {"only /scim/v2 answers (/scim does not)", "W&B serves SCIM at /scim"}}},
	{name: "scim_only", seed: "org.json", opts: emulator.Options{BasePaths: emulator.BasePathsSCIM},
		has: map[string][]string{NameBasePath: {"/scim answers (/scim/v2 does not)"}}},
	{name: "page_cap", seed: "org.json", opts: emulator.Options{PageCap: 2}, has: map[string][]string{
		NamePaging:  {"honoured", "pages hold at most 2 users (asked 9999)"},
		NameLatency: {"one page of 2 users", "4 pages of users and 2 of teams, up to 2 resources a page"},
	}},
	{name: "ignore_count", seed: "org.json", opts: emulator.Options{IgnoreCount: true}, has: map[string][]string{
		NamePaging: {"count is ignored (count=1 answered 5 users)", "fits one page"},
	}},
	{name: "wandb_paging", seed: "org.json", opts: emulator.Options{WandbPaging: true}, has: map[string][]string{
		NamePaging: {"honoured", "itemsPerPage 9999 for a page of 5"},
	}},
	{name: "no_roles_endpoint", seed: "org.json", opts: emulator.Options{NoRolesEndpoint: true},
		notOK: map[string]Status{NameCustomRoles: Warn},
		has:   map[string][]string{NameCustomRoles: {"/Roles answers 404", "custom_roles_unchecked"}}},
	{name: "duplicate_teams", seed: "duplicates.json",
		notOK: map[string]Status{NameCounts: Warn},
		has: map[string][]string{
			NameCounts:      {"3 users (3 active), 4 teams", "teams sharing a name: data-eng (ids ", "pins an id", "differ only in case, in white space at either end, or in how a character is encoded: Vision (id RW50aXR5OjIyMTgyMjQ=) / vision (id "},
			NameCustomRoles: {"no custom roles"},
		}},
	{name: "service_accounts", seed: "org.json", opts: emulator.Options{ServiceAccounts: 2, TeamServiceAccounts: 1},
		has: map[string][]string{NameServiceAccounts: {"5 team member(s) are not listed users", "never removes"}}},
	{name: "clock_ahead", seed: "org.json", clockAhead: 3 * time.Hour, notOK: map[string]Status{NameCreated: Warn},
		has: map[string][]string{NameCreated: {"meta.created is reported", "the server's clock (its Date header) is 3h ahead of this machine's"}}},
	{name: "empty_org",
		notOK: map[string]Status{NameShapes: Warn, NameRoles: Warn, NameExternalID: Warn, NameCreated: Warn, NamePaging: Warn},
		has: map[string][]string{
			NameShapes: {"nothing to inspect"},
			NameCounts: {"0 users (0 active), 0 teams"},
		}},
}

// TestEmulatorModes runs doctor against the emulator in each of its modes:
// every check's status, fragments of the details, GET requests only, and
// the whole report against a golden file (go test ./pkg/doctor -update).
func TestEmulatorModes(t *testing.T) {
	for _, m := range emuModes {
		t.Run(m.name, func(t *testing.T) {
			rep, stats, base := runEmulator(t, m)
			for _, c := range rep.Checks {
				st, ok := m.notOK[c.Name]
				if !ok {
					st = OK
				}
				if c.Status != st {
					t.Errorf("%s = %s (%s), want %s", c.Name, c.Status, c.Detail, st)
				}
			}
			wantOK := true
			for _, st := range m.notOK {
				wantOK = wantOK && st != Fail
			}
			if rep.OK != wantOK {
				t.Errorf("ok = %v, want %v", rep.OK, wantOK)
			}
			for name, frags := range m.has {
				d := strings.ReplaceAll(rep.Get(name).Detail, base, "http://EMULATOR")
				for _, f := range frags {
					if !strings.Contains(d, f) {
						t.Errorf("%s detail %q lacks %q", name, d, f)
					}
				}
			}
			for method, n := range stats.Requests {
				if method != "GET" && n != 0 {
					t.Errorf("%d %s request(s): doctor must send GET only", n, method)
				}
			}
			if stats.Requests["GET"] == 0 {
				t.Error("no GET request reached the emulator")
			}
			golden(t, m.name, rep, base)
		})
	}
}

// runEmulator serves m's emulator on loopback and runs doctor against it,
// with a clock that makes every timed page take 40ms.
func runEmulator(t *testing.T, m emuMode) (Report, emulator.Stats, string) {
	t.Helper()
	var seed *emulator.State
	if m.seed != "" {
		path := filepath.Join("testdata", "seeds", m.seed)
		if p, ok := strings.CutPrefix(m.seed, "@"); ok {
			path = p // a seed file a test wrote
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if seed, err = emulator.ParseState(f); err != nil {
			t.Fatal(err)
		}
	}
	opts := m.opts
	opts.Now = func() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) }
	srv, err := emulator.New(opts, seed, zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel)))
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = srv
	if m.clockAhead != 0 {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Date", time.Now().Add(m.clockAhead).UTC().Format(http.TimeFormat))
			srv.ServeHTTP(w, r)
		})
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	key := m.key
	if key == "" {
		key = testKey
	}
	url := hs.URL + "/scim"
	env := Env{
		URL: url, Client: client(t, url, key), OtherURL: OtherBase(url), Other: client(t, OtherBase(url), key),
		Basic: clientAuth(t, url, key, "basic"), BasicOther: clientAuth(t, OtherBase(url), key, "basic"),
		Auth: "bearer", Deployment: model.Dedicated, HostSuggests: model.Dedicated,
		PageSize: 9999, RateLimit: 10, Concurrency: 4, Now: stepClock(40 * time.Millisecond),
	}
	if m.env != nil {
		m.env(&env)
	}
	rep := Run(context.Background(), env)
	return rep, srv.Stats(), hs.URL
}

func client(t *testing.T, base, key string) *scim.Client {
	t.Helper()
	return clientAuth(t, base, key, "bearer")
}

func clientAuth(t *testing.T, base, key, auth string) *scim.Client {
	t.Helper()
	c, err := scim.New(scim.Config{BaseURL: base, APIKey: key, Auth: auth, ReadOnly: true, RateLimit: -1,
		Logger: zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel))})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// stepClock is a clock that moves step forward at every reading.
func stepClock(step time.Duration) func() time.Time {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	return func() time.Time {
		now = now.Add(step)
		return now
	}
}

// golden compares the report's JSON and text views with
// testdata/<name>.{json,txt}, the emulator's address written as
// http://EMULATOR; -update rewrites them.
func golden(t *testing.T, name string, rep Report, base string) {
	t.Helper()
	var js, text bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for ext, got := range map[string]string{"json": js.String(), "txt": text.String()} {
		got = strings.ReplaceAll(got, base, "http://EMULATOR")
		path := filepath.Join("testdata", name+"."+ext)
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./pkg/doctor -update)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", path, got, want)
		}
	}
}
