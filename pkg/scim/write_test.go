package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/wbsync/wbsync/pkg/model"
)

func jsonOf(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

const patchURN = `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`

func TestWriteRequests(t *testing.T) {
	id := "VXNlcjox+/="
	esc := "/scim/Users/VXNlcjox+%2F="
	cases := []struct {
		name  string
		do    func(c *Client) error
		reqs  []string
		bodys []string // the last len(bodys) bodies
	}{
		{"deactivate", func(c *Client) error { return c.SetActive(context.Background(), id, false) },
			[]string{"PATCH " + esc}, []string{`{` + patchURN + `,"Operations":[{"op":"replace","value":{"active":false}}]}`}},
		{"reactivate dedicated", func(c *Client) error { return c.SetActive(context.Background(), id, true) },
			[]string{"PATCH " + esc}, []string{`{` + patchURN + `,"Operations":[{"op":"replace","value":{"active":true}}]}`}},
		{"org role", func(c *Client) error { return c.SetOrgRole(context.Background(), id, "Admin") },
			[]string{"PATCH " + esc}, []string{`{` + patchURN + `,"Operations":[{"op":"replace","path":"organizationRole","value":"admin"}]}`}},
		{"team role", func(c *Client) error { return c.SetTeamRole(context.Background(), id, "ml", "viewer") },
			[]string{"PATCH " + esc}, []string{`{` + patchURN + `,"Operations":[{"op":"replace","path":"teamRoles","value":[{"teamName":"ml","roleName":"viewer"}]}]}`}},
		{"update user", func(c *Client) error {
			return c.UpdateUser(context.Background(), id, model.User{DisplayName: "Al", ExternalID: "e1"})
		},
			[]string{"PATCH " + esc, "PATCH " + esc}, []string{
				`{` + patchURN + `,"Operations":[{"op":"replace","path":"displayName","value":"Al"}]}`,
				`{` + patchURN + `,"Operations":[{"op":"replace","path":"externalId","value":"e1"}]}`}},
		{"update nothing", func(c *Client) error { return c.UpdateUser(context.Background(), id, model.User{}) }, nil, nil},
		{"add members", func(c *Client) error { return c.AddMembers(context.Background(), "g/1", []string{"a", "b=", "c"}) },
			[]string{"PATCH /scim/Groups/g%2F1"}, []string{`{` + patchURN + `,"Operations":[{"op":"add","path":"members","value":[{"value":"a"},{"value":"b="},{"value":"c"}]}]}`}},
		{"add none", func(c *Client) error { return c.AddMembers(context.Background(), "g1", nil) }, nil, nil},
		{"remove member", func(c *Client) error { return c.RemoveMember(context.Background(), "g1", `u"1`) },
			[]string{"PATCH /scim/Groups/g1"}, []string{`{` + patchURN + `,"Operations":[{"op":"remove","path":"members[value eq \"u\\\"1\"]"}]}`}},
		{"create team", func(c *Client) error {
			id, err := c.CreateTeam(context.Background(), "ml")
			if id != "ok" {
				t.Errorf("id %q", id)
			}
			return err
		}, []string{"POST /scim/Groups"}, []string{`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"ml","members":[]}`}},
		{"create user", func(c *Client) error {
			id, err := c.CreateUser(context.Background(), model.User{UserName: "a@x.com", DisplayName: "A", ExternalID: "e"})
			if id != "ok" {
				t.Errorf("id %q", id)
			}
			return err
		}, []string{"POST /scim/Users"}, []string{`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a@x.com",` +
			`"emails":[{"value":"a@x.com","primary":true}],"displayName":"A","externalId":"e","active":true}`}},
		{"create user with a handle", func(c *Client) error {
			_, err := c.CreateUser(context.Background(), model.User{UserName: "dev-user2", Email: "dev-user2@example.com"})
			return err
		}, []string{"POST /scim/Users"}, []string{`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"dev-user2",` +
			`"emails":[{"value":"dev-user2@example.com","primary":true}],"active":true}`}},
		{"update email on dedicated", func(c *Client) error {
			return c.UpdateUser(context.Background(), id, model.User{Email: "new@x.com"})
		}, []string{"PATCH " + esc}, []string{`{` + patchURN + `,"Operations":[{"op":"replace","path":"emails","value":[{"value":"new@x.com","primary":true}]}]}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			c := testClient(t, srv.URL, func(c *Config) { c.Deployment = model.Dedicated })
			if err := tc.do(c); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.reqs, f.requests()); d != "" {
				t.Fatalf("requests (-want +got):\n%s", d)
			}
			for i, want := range tc.bodys {
				f.mu.Lock()
				got := f.bodies[len(f.bodies)-len(tc.bodys)+i]
				ct := f.headers[len(f.headers)-len(tc.bodys)+i].Get("Content-Type")
				f.mu.Unlock()
				if d := cmp.Diff(jsonOf(t, want), jsonOf(t, got)); d != "" {
					t.Fatalf("body %d (-want +got):\n%s", i, d)
				}
				if ct != "application/scim+json" {
					t.Fatalf("content type %q", ct)
				}
			}
		})
	}
}

// TestUpdateEmailOnlyOnDedicated: Multi-tenant Cloud has no email update:
// an email-only update sends nothing there.
func TestUpdateEmailOnlyOnDedicated(t *testing.T) {
	f, srv := newFake(t)
	c := testClient(t, srv.URL, func(c *Config) { c.Deployment = model.SaaS })
	if err := c.UpdateUser(context.Background(), "u1", model.User{Email: "new@x.com"}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.requests()); n != 0 {
		t.Fatalf("%d requests on saas", n)
	}
}

func TestRemoveMemberNever(t *testing.T) {
	f, srv := newFake(t)
	c := testClient(t, srv.URL)
	if err := c.RemoveMember(context.Background(), "g1", " "); err == nil {
		t.Fatal("an empty id was accepted")
	}
	if n := len(f.requests()); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}

// TestRemoveMember404IsDone: a removal answered 404 is done, and the flag
// NoteNotFound put in its context says so (apply marks it not_found); a
// removal the server made leaves it unset.
func TestRemoveMember404IsDone(t *testing.T) {
	f, srv := newFake(t)
	failN(f, "PATCH", 1, status(404))
	c := testClient(t, srv.URL)
	ctx, notFound := c.NoteNotFound(context.Background())
	if err := c.RemoveMember(ctx, "g1", "u1"); err != nil {
		t.Fatal(err)
	}
	if !notFound() {
		t.Error("a 404 taken as done is not noted")
	}
	ctx, notFound = c.NoteNotFound(context.Background())
	if err := c.RemoveMember(ctx, "g1", "u1"); err != nil || notFound() {
		t.Errorf("a removal made: err %v, noted not found %v", err, notFound())
	}
}

// TestCreateNotTriedAgainForTheSeatLimit: a create whose answer was lost,
// looked up and not found, and whose retry the seat limit then stops
// (another create was refused for it) ends on the first attempt's failure
// and says why it was not tried again: one attempt sent, none counted
// that was not ("gave up after 2 attempts" read as two).
func TestCreateNotTriedAgainForTheSeatLimit(t *testing.T) {
	f, srv := newFake(t)
	c := testClient(t, srv.URL)
	var posts atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPost {
			return false
		}
		posts.Add(1)
		c.StopSeatWrites() // another create met the seat limit meanwhile
		drop(w)
		return true
	}
	_, err := c.CreateUser(context.Background(), model.User{UserName: "new@x.com"})
	var e *Error
	if err == nil || !errors.As(err, &e) || e.OutcomeUnknown() || posts.Load() != 1 {
		t.Fatalf("%d POSTs, err %v: want one, failed (looked up: not made)", posts.Load(), err)
	}
	msg := err.Error()
	if strings.Contains(msg, "gave up after") || !strings.Contains(msg, "; a look-up after that answer found it not made; not tried again: the organization's seat limit was reached on an earlier write") {
		t.Fatalf("err %q: want the look-up and the seat limit named, no give-up", msg)
	}
}

// TestNotFoundAfterALostAnswerIsOurs: a removal or saas deactivation
// whose first attempt's answer was lost and whose retry is answered 404
// is done (the first attempt did it), and not noted not found: the
// report's not_found means the server did not make it.
func TestNotFoundAfterALostAnswerIsOurs(t *testing.T) {
	for _, op := range []string{"deactivate", "remove"} {
		f, srv := newFake(t)
		n := answerPatches(f, drop, func(w http.ResponseWriter) { scimErr(w, 404, "not found") }) // made, its answer lost
		c := testClient(t, srv.URL, func(c *Config) { c.Deployment = model.SaaS })
		ctx, notFound := c.NoteNotFound(context.Background())
		var err error
		if op == "deactivate" {
			err = c.SetActive(ctx, "u1", false)
		} else {
			err = c.RemoveMember(ctx, "g1", "u1")
		}
		if err != nil || notFound() || n.Load() != 2 {
			t.Errorf("%s: %d attempts, err %v, noted not found %v; want done after 2, not noted", op, n.Load(), err, notFound())
		}
	}
}

// TestRemoveMemberNoTargetAfterAnUncertainAttempt: a 400 noTarget (RFC
// 7644: the path's filter matched nothing) answering the retry of a removal
// whose first attempt may have been applied (a 500) means that attempt
// removed the member: done. As a first answer it is a failure (a server
// that does not take the filter form may say it of a member it holds), and
// so is another 400 after a 500 (unknown).
func TestRemoveMemberNoTargetAfterAnUncertainAttempt(t *testing.T) {
	noTarget := func(scimType string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":%q,"detail":"no member u1"}`, scimType)
		}
	}
	for _, tc := range []struct {
		name    string
		answers []func(w http.ResponseWriter)
		done    bool
	}{
		{"500, then noTarget", []func(w http.ResponseWriter){status(500), noTarget("noTarget")}, true},
		{"500, then NOTARGET", []func(w http.ResponseWriter){status(500), noTarget("NOTARGET")}, true},
		{"noTarget first", []func(w http.ResponseWriter){noTarget("noTarget")}, false},
		{"500, then invalidPath", []func(w http.ResponseWriter){status(500), noTarget("invalidPath")}, false},
	} {
		f, srv := newFake(t)
		var n atomic.Int32
		f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
			if r.Method != http.MethodPatch {
				return false
			}
			i := int(n.Add(1)) - 1
			tc.answers[min(i, len(tc.answers)-1)](w)
			return true
		}
		c := testClient(t, srv.URL)
		err := c.RemoveMember(context.Background(), "g1", "u1")
		if (err == nil) != tc.done {
			t.Errorf("%s: err = %v, want done %v", tc.name, err, tc.done)
		}
	}
}

func TestLocalRefusals(t *testing.T) {
	f, srv := newFake(t)
	f.users = []map[string]any{{"id": "u1", "userName": "alice@example.com"}}
	c := testClient(t, srv.URL, func(c *Config) { c.Deployment = model.SaaS })
	if _, err := c.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := len(f.requests())
	err := c.SetActive(context.Background(), "u1", true)
	if err == nil || !strings.Contains(err.Error(), "alice@example.com") || !strings.Contains(err.Error(), "Multi-tenant Cloud") {
		t.Fatalf("reactivate on saas: %v", err)
	}
	err = c.SetOrgRole(context.Background(), "u1", "Viewer")
	if err == nil || !strings.Contains(err.Error(), "viewer") {
		t.Fatalf("viewer: %v", err)
	}
	if err := c.SetOrgRole(context.Background(), "u1", "owner"); err == nil {
		t.Fatal("org role owner accepted")
	}
	if n := len(f.requests()); n != before {
		t.Fatalf("%d requests sent for refused writes", n-before)
	}
}

func TestServerAnswersInPlainWords(t *testing.T) {
	cases := []struct {
		name   string
		status int
		detail string
		do     func(c *Client) error
		want   []string
	}{
		{"seat limit on create", 400, "Seat limit reached", func(c *Client) error {
			_, err := c.CreateUser(context.Background(), model.User{UserName: "bob@x.com"})
			return err
		}, []string{"bob@x.com", "seat limit is reached", "Seat limit reached"}},
		{"seat limit on reactivate", 400, "Seat limit reached", func(c *Client) error {
			return c.SetActive(context.Background(), "u1", true)
		}, []string{"alice@example.com", "seat limit"}},
		{"saas refuses reactivation", 400, "User reactivation operations are not supported in SaaS Cloud", func(c *Client) error {
			return c.SetActive(context.Background(), "u1", true)
		}, []string{"reactivate user alice@example.com (id u1)", "refuses reactivation",
			"the server says it is W&B Multi-tenant Cloud", "set --deployment saas"}},
		{"a saas refusal under dedicated names the deployment", 400, "displayName updates are not supported in SaaS Cloud", func(c *Client) error {
			return c.UpdateUser(context.Background(), "u1", model.User{UserName: "alice@example.com", DisplayName: "Alice"})
		}, []string{"alice@example.com", "set --deployment saas (or WBSYNC_DEPLOYMENT=saas)"}},
		{"team name taken", 409, "Resource already exists", func(c *Client) error {
			_, err := c.CreateTeam(context.Background(), "ml")
			return err
		}, []string{"create team ml: the name is taken: a team with this name already exists on the instance"}},
		{"412 on patch", 412, "etag mismatch", func(c *Client) error {
			return c.SetOrgRole(context.Background(), "u1", "admin")
		}, []string{"changed under us: re-read", "alice@example.com"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.users = []map[string]any{{"id": "u1", "userName": "alice@example.com"}}
			c := testClient(t, srv.URL, func(c *Config) { c.Deployment = model.Dedicated })
			if _, err := c.ListUsers(context.Background()); err != nil {
				t.Fatal(err)
			}
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				if r.Method == http.MethodGet {
					return false
				}
				scimErr(w, tc.status, tc.detail)
				return true
			}
			err := tc.do(c)
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			var se interface {
				HTTPStatus() int
				SCIMDetail() string
			}
			if !errors.As(err, &se) || se.HTTPStatus() != tc.status || se.SCIMDetail() != tc.detail {
				t.Fatalf("status error not carried: %v", err)
			}
			// What apply reads to hold deactivations back.
			var mt interface{ SaysMultiTenant() bool }
			if says := errors.As(err, &mt) && mt.SaysMultiTenant(); says != strings.Contains(tc.detail, "SaaS Cloud") {
				t.Errorf("SaysMultiTenant = %t for %q", says, tc.detail)
			}
		})
	}
}

func TestCreateUserConflictAdopts(t *testing.T) {
	f, srv := newFake(t)
	f.users = []map[string]any{{"id": "old", "userName": "Alice@example.com",
		"emails": []any{map[string]any{"value": "alice@example.com", "primary": true}}}}
	failN(f, "POST", 1, status(409))
	core, logs := observer.New(zapcore.InfoLevel)
	c := testClient(t, srv.URL, func(c *Config) { c.Logger = zap.New(core) })
	ctx, adopted := c.NoteAdoption(context.Background())
	id, err := c.CreateUser(ctx, model.User{UserName: "alice@example.com"})
	if err != nil || id != "old" || !adopted() {
		t.Fatalf("id %q, err %v, adopted %v; want the existing user, noted adopted", id, err, adopted())
	}
	if l := logs.FilterMessageSnippet("answered 409 (it exists): the existing user is used").All(); len(l) != 1 ||
		l[0].ContextMap()["user"] != "alice@example.com" || l[0].ContextMap()["id"] != "old" {
		t.Fatalf("adoption log lines: %v", l)
	}
	// A 409 for a user that exists deactivated is an error: adopting it
	// would report done a create that left the user deactivated.
	f.users = []map[string]any{{"id": "gone", "userName": "bob@example.com", "active": false}}
	failN(f, "POST", 1, status(409))
	_, err = c.CreateUser(context.Background(), model.User{UserName: "bob@example.com"})
	if err == nil || !strings.Contains(err.Error(), "exists but is deactivated (id gone)") ||
		!strings.Contains(err.Error(), "it plans a reactivation") || strings.Contains(err.Error(), "--deployment") {
		t.Fatalf("deactivated user adopted, or dedicated advice wrong: err = %v", err)
	}
	// Planned for Multi-tenant Cloud, where a deactivated user leaves the
	// organization: a server that keeps it is likely Dedicated Cloud.
	saas := testClient(t, srv.URL, func(c *Config) { c.Deployment = model.SaaS })
	failN(f, "POST", 1, status(409))
	_, err = saas.CreateUser(context.Background(), model.User{UserName: "bob@example.com"})
	if err == nil || !strings.Contains(err.Error(), "invite the user in the W&B UI") ||
		!strings.Contains(err.Error(), "set --deployment dedicated (or WBSYNC_DEPLOYMENT=dedicated)") {
		t.Fatalf("saas advice: err = %v", err)
	}
	// A 409 with nobody to adopt is an error; on Multi-tenant Cloud,
	// where user names are global, it says what the manifest can do.
	f.users = nil
	failN(f, "POST", 1, status(409))
	if _, err := c.CreateUser(context.Background(), model.User{UserName: "ghost@example.com"}); err == nil ||
		!strings.Contains(err.Error(), "no user with that userName or email is listed (it may belong to a user this key cannot list)") {
		t.Fatalf("err = %v", err)
	}
	failN(f, "POST", 1, status(409))
	_, err = saas.CreateUser(context.Background(), model.User{UserName: "ghost"})
	if err == nil ||
		!strings.Contains(err.Error(), "user names are global: it may be the handle of a W&B account outside the organization; choose another username: in the manifest") {
		t.Fatalf("saas: err = %v", err)
	}
	// The read showed every email (arrays): no listed user holds it unseen.
	var e *Error
	if !errors.As(err, &e) || e.UnseenHolder() || strings.Contains(err.Error(), "secondary") {
		t.Fatalf("saas, emails read as arrays: err = %v, want it not marked UnseenHolder", err)
	}
	// Once a read showed one email per user (W&B's single emails object),
	// the email may be a secondary one of a listed user, which the read
	// does not show: apply then holds what removes or deactivates a user
	// not in the manifest (UnseenHolder). Not on Dedicated, where a user
	// has one email.
	f.users = []map[string]any{{"id": "u-zed", "userName": "zed", "active": true, "emails": map[string]any{"Value": "zed@example.com", "Primary": true}}}
	if _, err := saas.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	failN(f, "POST", 1, status(409))
	_, err = saas.CreateUser(context.Background(), model.User{UserName: "ghost"})
	if !errors.As(err, &e) || !e.UnseenHolder() || !strings.Contains(err.Error(), "or the email may be a secondary email of a user the read lists under another") {
		t.Fatalf("saas: err = %v, want it marked UnseenHolder", err)
	}
	failN(f, "POST", 1, status(409))
	_, err = saas.CreateUser(context.Background(), model.User{UserName: "zed.home@gmail.com"})
	if !errors.As(err, &e) || !e.UnseenHolder() || strings.Contains(err.Error(), "choose another username") {
		t.Fatalf("saas, the email as userName: err = %v, want UnseenHolder and no handle advice", err)
	}
	failN(f, "POST", 1, status(409))
	_, err = c.CreateUser(context.Background(), model.User{UserName: "ghost@example.com"})
	if !errors.As(err, &e) || e.UnseenHolder() {
		t.Fatalf("dedicated: err = %v, want it not marked UnseenHolder", err)
	}
}

// ambiguousPost makes POSTs to path apply (via create) and then drop the
// connection the first `times` times.
func ambiguousPost(f *fake, path string, applied bool, create func()) *atomic.Int32 {
	var posts atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPost || r.URL.Path != path {
			return false
		}
		if posts.Add(1) == 1 {
			if applied {
				create()
			}
			drop(w)
			return true
		}
		create()
		writeJSON(w, "application/scim+json", 201, map[string]any{"id": "fresh", "displayName": "ml", "userName": "new@x.com"})
		return true
	}
	return &posts
}

func TestCreateUserAmbiguous(t *testing.T) {
	for _, applied := range []bool{true, false} {
		f, srv := newFake(t)
		posts := ambiguousPost(f, "/scim/Users", applied, func() {
			f.mu.Lock()
			if len(f.users) == 0 {
				f.users = append(f.users, map[string]any{"id": "made", "userName": "new@x.com"})
			}
			f.mu.Unlock()
		})
		c := testClient(t, srv.URL)
		id, err := c.CreateUser(context.Background(), model.User{UserName: "new@x.com"})
		if err != nil {
			t.Fatal(err)
		}
		wantPosts, wantID := int32(2), "fresh"
		if applied {
			wantPosts, wantID = 1, "made"
		}
		if posts.Load() != wantPosts || id != wantID {
			t.Fatalf("applied=%v: %d POSTs, id %q", applied, posts.Load(), id)
		}
		if f.count("GET /scim/Users?filter=userName%20eq%20%22new%40x.com%22") != 1 {
			t.Fatalf("no lookup before retrying: %v", f.requests())
		}
	}
}

// TestCreateUser400AfterEmptyLookUp: a user create sent again after an
// empty look-up and refused with 400 was refused as a request: failed, not
// unknown (W&B's taken-name 400 is a team's).
func TestCreateUser400AfterEmptyLookUp(t *testing.T) {
	f, srv := newFake(t)
	var posts atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPost || r.URL.Path != "/scim/Users" {
			return false
		}
		if posts.Add(1) == 1 {
			drop(w)
			return true
		}
		scimErr(w, 400, "emails: invalid value")
		return true
	}
	_, err := testClient(t, srv.URL).CreateUser(context.Background(), model.User{UserName: "new@x.com"})
	var e *Error
	if err == nil || !errors.As(err, &e) || e.OutcomeUnknown() {
		t.Fatalf("err %v: want failed, not unknown", err)
	}
}

// TestCreateGaveUpSaysNotMade: a create answered 500 every time (by the
// server, done with the request), looked up after each answer and never
// found, fails (not unknown), and its error says the look-up found it not
// made.
func TestCreateGaveUpSaysNotMade(t *testing.T) {
	f, srv := newFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPost || r.URL.Path != "/scim/Users" {
			return false
		}
		scimErr(w, 500, "internal error")
		return true
	}
	_, err := testClient(t, srv.URL).CreateUser(context.Background(), model.User{UserName: "new@x.com"})
	var e *Error
	if err == nil || !errors.As(err, &e) || e.OutcomeUnknown() {
		t.Fatalf("err %v: want failed, not unknown", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "gave up after") || !strings.Contains(msg, "a look-up after the last answer found it not made") {
		t.Fatalf("err %q: want the retries and the look-up named", msg)
	}
	if n := f.count("GET /scim/Users?filter=userName%20eq%20%22new%40x.com%22"); n < 2 {
		t.Fatalf("%d look-ups: want one after each answer", n)
	}
}

// retryLogged returns a logger and a channel closed once the logger is
// told of a retry ("retrying": after any look-up, before the wait).
func retryLogged() (*zap.Logger, <-chan struct{}) {
	waiting := make(chan struct{})
	var once sync.Once
	obs, _ := observer.New(zapcore.InfoLevel)
	core := zapcore.RegisterHooks(obs, func(e zapcore.Entry) error {
		if strings.Contains(e.Message, "retrying") {
			once.Do(func() { close(waiting) })
		}
		return nil
	})
	return zap.New(core), waiting
}

// interruptedWhileWaiting runs write against a server that answers every
// request of method 503 with a Retry-After of 10 minutes, stops the
// client's retries once the retry is logged (after any look-up, before the
// wait), and returns write's error.
func interruptedWhileWaiting(t *testing.T, method string, write func(c *Client) error) error {
	t.Helper()
	f, srv := newFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != method {
			return false
		}
		w.Header().Set("Retry-After", "600")
		scimErr(w, 503, "unavailable")
		return true
	}
	logger, waiting := retryLogged()
	c := testClient(t, srv.URL, func(c *Config) { c.MaxElapsed, c.Logger = time.Hour, logger })
	done := make(chan error, 1)
	go func() { done <- write(c) }()
	<-waiting
	c.StopRetrying()
	return <-done
}

// TestCreateInterruptedSaysNotMade: a create answered 503 (which may
// follow the work), looked up and not found, then interrupted while it
// waits the Retry-After to be sent again, is not unknown, and its error
// says why: the look-up found it not made.
func TestCreateInterruptedSaysNotMade(t *testing.T) {
	err := interruptedWhileWaiting(t, http.MethodPost, func(c *Client) error {
		_, err := c.CreateUser(context.Background(), model.User{UserName: "new@x.com"})
		return err
	})
	var e *Error
	if err == nil || !errors.As(err, &e) || e.OutcomeUnknown() || !e.RetryStopped() {
		t.Fatalf("err %v: want not done, not unknown, its retries stopped", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "not tried again: the run was interrupted; a look-up after the last answer found it not made") {
		t.Fatalf("err %q: want the interrupt and the look-up named", msg)
	}
}

// TestPatchInterruptedSaysNoLookUp: a PATCH answered 503 (which may follow
// the work) is not looked up; interrupted while it waits to be sent again,
// it is unknown, and its error does not claim a look-up found it not made.
func TestPatchInterruptedSaysNoLookUp(t *testing.T) {
	err := interruptedWhileWaiting(t, http.MethodPatch, func(c *Client) error {
		return c.SetOrgRole(context.Background(), "u1", model.RoleAdmin)
	})
	var e *Error
	if err == nil || !errors.As(err, &e) || !e.OutcomeUnknown() || !e.RetryStopped() {
		t.Fatalf("err %v: want unknown (a 503 may follow the work), its retries stopped", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "not tried again: the run was interrupted") || strings.Contains(msg, "look-up") {
		t.Fatalf("err %q: want the interrupt named, and no look-up claimed (a PATCH is not looked up)", msg)
	}
}

// TestCreateExistsAfterEmptyLookUp: a create whose answer was lost, looked
// up and not found (a look-up that lags the write, or compares names
// otherwise than the server), sent again and answered that it exists
// (409; or 400, which W&B may answer for a taken team name) may have been
// made by its first attempt: unknown, never failed. A 409 on the first
// attempt stays failed.
func TestCreateExistsAfterEmptyLookUp(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		status     int
		create     func(*Client) error
	}{
		{"user 409", "/scim/Users", 409, func(c *Client) error {
			_, err := c.CreateUser(context.Background(), model.User{UserName: "new@x.com"})
			return err
		}},
		{"team 409", "/scim/Groups", 409, func(c *Client) error { _, err := c.CreateTeam(context.Background(), "ml"); return err }},
		{"team 400", "/scim/Groups", 400, func(c *Client) error { _, err := c.CreateTeam(context.Background(), "ml"); return err }},
	} {
		for _, lost := range []bool{true, false} {
			f, srv := newFake(t)
			var posts atomic.Int32
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				if r.Method != http.MethodPost || r.URL.Path != tc.path {
					return false
				}
				if posts.Add(1) == 1 && lost {
					drop(w) // made, but the look-up below will not list it
					return true
				}
				scimErr(w, tc.status, "Resource already exists")
				return true
			}
			err := tc.create(testClient(t, srv.URL))
			var e *Error
			if err == nil || !errors.As(err, &e) {
				t.Fatalf("%s, lost %v: err %v", tc.name, lost, err)
			}
			if e.OutcomeUnknown() != lost {
				t.Errorf("%s, lost %v: unknown %v, want %v: %v", tc.name, lost, e.OutcomeUnknown(), lost, err)
			}
			if lost && !strings.Contains(err.Error(), "an earlier attempt lost its answer after it was sent, so it may have been applied") {
				t.Errorf("%s: the error does not say why: %v", tc.name, err)
			}
		}
	}
}

func TestCreateTeamAmbiguous(t *testing.T) {
	t.Run("created under us: adopted", func(t *testing.T) {
		f, srv := newFake(t)
		posts := ambiguousPost(f, "/scim/Groups", true, func() {
			f.mu.Lock()
			f.groups = append(f.groups, map[string]any{"id": "made", "displayName": "ml"})
			f.mu.Unlock()
		})
		core, logs := observer.New(zapcore.InfoLevel)
		c := testClient(t, srv.URL, func(c *Config) { c.Logger = zap.New(core) })
		id, err := c.CreateTeam(context.Background(), "ml")
		if err != nil || id != "made" || posts.Load() != 1 {
			t.Fatalf("id %q, err %v, %d POSTs", id, err, posts.Load())
		}
		// Settled by the look-up, not by an answer: said at info level.
		if l := logs.FilterMessageSnippet("a look-up found what it made").All(); len(l) != 1 || l[0].ContextMap()["path"] != "/scim/Groups" {
			t.Fatalf("adoption log lines: %v", l)
		}
	})
	t.Run("not created: sent again", func(t *testing.T) {
		f, srv := newFake(t)
		posts := ambiguousPost(f, "/scim/Groups", false, func() {})
		c := testClient(t, srv.URL)
		id, err := c.CreateTeam(context.Background(), "ml")
		if err != nil || id != "fresh" || posts.Load() != 2 {
			t.Fatalf("id %q, err %v, %d POSTs", id, err, posts.Load())
		}
	})
	t.Run("created under us in lower case: adopted, roles by its name", func(t *testing.T) {
		f, srv := newFake(t)
		posts := ambiguousPost(f, "/scim/Groups", true, func() {
			f.mu.Lock()
			f.groups = append(f.groups, map[string]any{"id": "made", "displayName": "vision-team"})
			f.mu.Unlock()
		})
		c := testClient(t, srv.URL)
		id, err := c.CreateTeam(context.Background(), "Vision-Team")
		if err != nil || id != "made" || posts.Load() != 1 {
			t.Fatalf("id %q, err %v, %d POSTs", id, err, posts.Load())
		}
		f.mu.Lock()
		f.hook = nil
		f.mu.Unlock()
		if err := c.SetTeamRole(context.Background(), "u1", "Vision-Team", model.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		f.mu.Lock()
		b := f.bodies[len(f.bodies)-1]
		f.mu.Unlock()
		if !strings.Contains(b, `"teamName":"vision-team"`) {
			t.Fatalf("team role body: %s", b)
		}
	})
	t.Run("a look-alike team made meanwhile: not adopted, sent again", func(t *testing.T) {
		// The server folds case beyond ASCII: its look-up of "kaggle"
		// answers a team named with the Kelvin sign.
		f, srv := newFake(t)
		f.groups = []map[string]any{{"id": "kelvin", "displayName": "\u212Aaggle"}}
		var posts atomic.Int32
		f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
			if r.Method != http.MethodPost {
				return false
			}
			if posts.Add(1) == 1 {
				drop(w) // the answer is lost; nothing was made
				return true
			}
			writeJSON(w, "application/scim+json", 201, map[string]any{"id": "fresh", "displayName": "kaggle"})
			return true
		}
		c := testClient(t, srv.URL)
		id, err := c.CreateTeam(context.Background(), "kaggle")
		if err != nil || id != "fresh" || posts.Load() != 2 {
			t.Fatalf("id %q, err %v, %d POSTs: want the create sent again, not the look-alike adopted", id, err, posts.Load())
		}
	})
	t.Run("only a team known before: not adopted", func(t *testing.T) {
		f, srv := newFake(t)
		f.groups = []map[string]any{{"id": "old", "displayName": "ml"}}
		c := testClient(t, srv.URL)
		if _, err := c.ListGroups(context.Background()); err != nil {
			t.Fatal(err)
		}
		posts := ambiguousPost(f, "/scim/Groups", false, func() {})
		_, err := c.CreateTeam(context.Background(), "ml")
		if err == nil || !strings.Contains(err.Error(), `1 teams named "ml"`) || posts.Load() != 1 {
			t.Fatalf("err %v, %d POSTs", err, posts.Load())
		}
	})
}

// TestTeamRoleAfterCreateUsesAnsweredName: a server that names a created
// team otherwise (W&B team names are lowercase) finds team roles by that
// name, so the role of the team this client created is set by it; other
// teams keep the name the caller gives.
func TestTeamRoleAfterCreateUsesAnsweredName(t *testing.T) {
	f, srv := newFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		if r.Method == http.MethodPost && r.URL.Path == "/scim/Groups" {
			writeJSON(w, "application/scim+json", http.StatusCreated, map[string]any{"id": "g1", "displayName": "vision-team"})
			return true
		}
		return false
	}
	c := testClient(t, srv.URL)
	ctx := context.Background()
	if id, err := c.CreateTeam(ctx, "Vision-Team"); err != nil || id != "g1" {
		t.Fatalf("create: id %q, err %v", id, err)
	}
	if err := c.SetTeamRole(ctx, "u1", "Vision-Team", model.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if err := c.SetTeamRole(ctx, "u1", "Other-Team", model.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	bodies := f.bodies[len(f.bodies)-2:]
	if !strings.Contains(bodies[0], `"teamName":"vision-team"`) || !strings.Contains(bodies[1], `"teamName":"Other-Team"`) {
		t.Fatalf("team role bodies: %s", bodies)
	}
}

func TestReadOnlySendsNothing(t *testing.T) {
	f, srv := newFake(t)
	c := testClient(t, srv.URL, func(c *Config) { c.ReadOnly = true })
	ctx := context.Background()
	errs := []error{
		func() error { _, err := c.CreateUser(ctx, model.User{UserName: "a@x"}); return err }(),
		func() error { _, err := c.CreateTeam(ctx, "t"); return err }(),
		c.UpdateUser(ctx, "u", model.User{DisplayName: "x"}),
		c.SetActive(ctx, "u", false),
		c.SetActive(ctx, "u", true),
		c.SetOrgRole(ctx, "u", "admin"),
		c.SetTeamRole(ctx, "u", "t", "admin"),
		c.AddMembers(ctx, "t", []string{"u"}),
		c.RemoveMember(ctx, "t", "u"),
	}
	for i, err := range errs {
		if !errors.Is(err, ErrReadOnly) {
			t.Errorf("write %d: err = %v, want ErrReadOnly", i, err)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Fatalf("a read-only client sent %d requests", n)
	}
	if _, err := c.ListUsers(ctx); err != nil {
		t.Fatalf("a read-only client cannot read: %v", err)
	}
	// The transport refuses too, whatever asks: a write method that forgot
	// its own check, or a call made through do directly. Not retried.
	before := len(f.requests())
	for _, m := range []string{http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete} {
		_, err := c.do(ctx, call{method: m, path: "/Users/u", body: map[string]string{"a": "b"}, what: "the user"})
		if !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s through do: err = %v, want ErrReadOnly", m, err)
		}
	}
	if n := len(f.requests()) - before; n != 0 {
		t.Fatalf("a read-only client sent %d write requests through do", n)
	}
}

// TestDeactivate404: on Multi-tenant Cloud a deactivated user leaves the
// organization, so a 404 on its deactivation counts as done; on Dedicated a
// 404 is an error (the user is listed there even when inactive).
func TestDeactivate404(t *testing.T) {
	for _, dep := range []model.Deployment{model.SaaS, model.Dedicated} {
		f, srv := newFake(t)
		failN(f, "PATCH", 1, status(404))
		c := testClient(t, srv.URL, func(c *Config) { c.Deployment = dep })
		ctx, notFound := c.NoteNotFound(context.Background())
		err := c.SetActive(ctx, "u1", false)
		if dep == model.SaaS && (err != nil || !notFound()) {
			t.Errorf("saas: a 404 on deactivation is done, and noted: got %v, noted %v", err, notFound())
		}
		if dep == model.Dedicated && !errors.Is(err, ErrNotFound) {
			t.Errorf("dedicated: err = %v, want ErrNotFound", err)
		}
	}
}

// TestCreateLookupFails: after an ambiguous create, the look-up that decides
// whether it was applied fails: the create is not sent again blind, and the
// error says the outcome is unknown.
func TestCreateLookupFails(t *testing.T) {
	for _, tc := range []struct{ path, answer string }{
		{"/scim/Users", "drop"}, {"/scim/Groups", "drop"}, {"/scim/Users", "500"}, {"/scim/Groups", "503"},
	} {
		path := tc.path
		f, srv := newFake(t)
		posts := ambiguousPost(f, path, false, func() {})
		if tc.answer != "drop" {
			// Answered with a 5xx (the work may be done) rather than cut.
			code := map[string]int{"500": 500, "503": 503}[tc.answer]
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				if r.Method != http.MethodPost || r.URL.Path != path {
					return false
				}
				posts.Add(1)
				scimErr(w, code, "try again")
				return true
			}
		}
		post := f.hook
		f.hook = func(w http.ResponseWriter, r *http.Request, b []byte) bool {
			if r.Method == http.MethodGet {
				scimErr(w, http.StatusForbidden, "forbidden")
				return true
			}
			return post(w, r, b)
		}
		c := testClient(t, srv.URL)
		var err error
		if path == "/scim/Users" {
			_, err = c.CreateUser(context.Background(), model.User{UserName: "new@x.com", Email: "new@x.com"})
		} else {
			_, err = c.CreateTeam(context.Background(), "ml")
		}
		if err == nil || !strings.Contains(err.Error(), "checking whether it was applied") || posts.Load() != 1 {
			t.Errorf("%s %s: err %v, %d POSTs; want one POST and the failed look-up named", path, tc.answer, err, posts.Load())
		}
		var e interface{ OutcomeUnknown() bool }
		if !errors.As(err, &e) || !e.OutcomeUnknown() {
			t.Errorf("%s %s: the outcome of a create whose look-up failed is unknown: %v", path, tc.answer, err)
		}
	}
}

// TestCreateUserAmbiguousUnderAHandle: a create whose answer is lost, made
// by a server that gives the user a handle of its own (the email kept in
// emails, as W&B does), is found by email and adopted: never sent again,
// which would make a second account.
func TestCreateUserAmbiguousUnderAHandle(t *testing.T) {
	f, srv := newFake(t)
	posts := ambiguousPost(f, "/scim/Users", true, func() {
		f.mu.Lock()
		if len(f.users) == 0 {
			f.users = append(f.users, map[string]any{"id": "made", "userName": "new-handle",
				"emails": []any{map[string]any{"value": "new@x.com", "primary": true}}})
		}
		f.mu.Unlock()
	})
	c := testClient(t, srv.URL)
	id, err := c.CreateUser(context.Background(), model.User{UserName: "new@x.com", Email: "new@x.com"})
	if err != nil || id != "made" || posts.Load() != 1 {
		t.Fatalf("id %q, err %v, %d POSTs; want the user made under a handle adopted, one POST", id, err, posts.Load())
	}
}

// TestReactivationRefusedNamesSaaSOnlyWhenSaid: a reactivation refused
// with W&B's Multi-tenant words ("... in SaaS Cloud") under dedicated names
// the deployment; the same refusal without them does not.
func TestReactivationRefusedNamesSaaSOnlyWhenSaid(t *testing.T) {
	for detail, named := range map[string]bool{
		"User reactivation operations are not supported in SaaS Cloud": true,
		"User reactivation operations are not supported":               false,
	} {
		f, srv := newFake(t)
		f.users = []map[string]any{{"id": "u1", "userName": "alice@example.com"}}
		c := testClient(t, srv.URL, func(c *Config) { c.Deployment = model.Dedicated })
		failN(f, "PATCH", 1, func(w http.ResponseWriter) { scimErr(w, 400, detail) })
		err := c.SetActive(context.Background(), "u1", true)
		if err == nil || !errors.Is(err, ErrReactivationRefused) || strings.Contains(err.Error(), "set --deployment saas") != named {
			t.Errorf("%q: err = %v, want the deployment named: %v", detail, err, named)
		}
	}
}

// TestCreateNotAdoptedWhenMade: a create the server makes is not noted
// adopted (only a 409 that takes the existing user or team is).
func TestCreateNotAdoptedWhenMade(t *testing.T) {
	_, srv := newFake(t)
	c := testClient(t, srv.URL)
	ctx, adopted := c.NoteAdoption(context.Background())
	if _, err := c.CreateUser(ctx, model.User{UserName: "new@x.com"}); err != nil || adopted() {
		t.Fatalf("err %v, adopted %v", err, adopted())
	}
	ctx, adopted = c.NoteAdoption(context.Background())
	if _, err := c.CreateTeam(ctx, "new-team"); err != nil || adopted() {
		t.Fatalf("team: err %v, adopted %v", err, adopted())
	}
}

// TestCreateUserNeverAdoptsAnotherUser: a look-up (after a 409 or a lost
// answer) that answers a user the read listed under another name is not
// adopted: the new user's roles and teams would go to that user.
func TestCreateUserNeverAdoptsAnotherUser(t *testing.T) {
	unreadable := func(w http.ResponseWriter) { // made, answered with a body cut short
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":`)
	}
	for _, fail := range []func(http.ResponseWriter){status(409), status(500), unreadable} {
		f, srv := newFake(t)
		carol := map[string]any{"id": "u-carol", "userName": "carol@x.com", "emails": []any{map[string]any{"value": "carol@x.com", "primary": true}}}
		f.users = []map[string]any{carol}
		c := testClient(t, srv.URL)
		if _, err := c.ListUsers(context.Background()); err != nil {
			t.Fatal(err)
		}
		// From now on, every look-up answers dave under carol's id.
		f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
			switch {
			case r.Method == http.MethodPost:
				fail(w)
			case r.Method == http.MethodGet && r.URL.Query().Get("filter") != "":
				writeJSON(w, "application/scim+json", 200, map[string]any{"totalResults": 1, "Resources": []any{
					map[string]any{"id": "u-carol", "userName": "dave@x.com", "active": true}}})
			default:
				return false
			}
			return true
		}
		id, err := c.CreateUser(context.Background(), model.User{UserName: "dave@x.com"})
		var e *Error
		if err == nil || id != "" || !strings.Contains(err.Error(), "the id of an existing user (carol@x.com, id u-carol)") || !errors.As(err, &e) || !e.OutcomeUnknown() {
			t.Fatalf("adopted %q, err %v; want carol's id refused, the outcome unknown", id, err)
		}
		// Carol's account may be dave's, renamed: apply is told its id,
		// to remove and deactivate nothing of it.
		if e.ExistingID() != "u-carol" || !strings.Contains(err.Error(), "nothing that removes or deactivates that user is sent in this run") {
			t.Fatalf("ExistingID %q, err %v; want u-carol named", e.ExistingID(), err)
		}
	}
}

// TestSetOrgRoleChecksTheAnswer: an org role PATCH answered 200 with this
// user still holding another role was not made: it fails (not unknown),
// so that apply does not count a promotion the server did not make; one
// answered with another user's role is unknown. An answer showing the
// role set (in any case), or without a role, is taken at its status.
func TestSetOrgRoleChecksTheAnswer(t *testing.T) {
	for _, tc := range []struct {
		name, answer   string
		fails, unknown bool
	}{
		{"role unchanged", `{"id":"u1","userName":"a","organizationRole":"member"}`, true, false},
		{"unknown value", `{"id":"u1","userName":"a","organizationRole":"org_admin"}`, true, false},
		{"another user's role", `{"id":"u2","userName":"b","organizationRole":"admin"}`, true, true},
		{"another user's record", `{"id":"u2","userName":"b"}`, true, true},
		{"role set", `{"id":"u1","userName":"a","organizationRole":"Admin"}`, false, false},
		{"no role", `{"id":"u1","userName":"a"}`, false, false},
		{"another id without a role", `{"id":"ok"}`, false, false},
		{"no body", ``, false, false},
		{"not a user", `[1,2]`, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				w.Header().Set("Content-Type", "application/scim+json")
				io.WriteString(w, tc.answer)
				return true
			}
			c := testClient(t, srv.URL)
			err := c.SetOrgRole(context.Background(), "u1", model.RoleAdmin)
			var e *Error
			switch {
			case !tc.fails && err != nil:
				t.Fatalf("err = %v, want done", err)
			case tc.fails && (!errors.As(err, &e) || e.OutcomeUnknown() != tc.unknown):
				t.Fatalf("err = %v, want a failure (outcome unknown: %v)", err, tc.unknown)
			}
		})
	}
}

// TestRoleWriteRefusedForItsPath: a server without W&B's role attributes
// (a SCIM server other than W&B's) refuses the path of a role write, 400
// invalidPath: the error says so (ErrRoleAttributeRefused) and that
// sending it again fails alike. Any other refusal of a role write keeps
// its own meaning.
func TestRoleWriteRefusedForItsPath(t *testing.T) {
	for _, tc := range []struct {
		name, scimType string
		status         int
		refused        bool
		detail         string
	}{
		{"invalidPath", "invalidPath", 400, true, ""},
		{"invalidPath in another case", "INVALIDPATH", 400, true, ""},
		{"invalidValue: the role, not the path", "invalidValue", 400, false, ""},
		{"no scimType (W&B sends none)", "", 400, false, ""},
		{"invalidPath with another status", "invalidPath", 422, false, ""},
		// What the body says of itself is kept.
		{"invalidPath saying the seat limit", "invalidPath", 400, false, "Seat limit reached"},
		{"invalidPath saying Multi-tenant Cloud", "invalidPath", 400, false, "not supported in SaaS Cloud"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				w.Header().Set("Content-Type", "application/scim+json")
				w.WriteHeader(tc.status)
				detail := tc.detail
				if detail == "" {
					detail = "unknown attribute in path"
				}
				fmt.Fprintf(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"%d","scimType":%q,"detail":%q}`, tc.status, tc.scimType, detail)
				return true
			}
			c := testClient(t, srv.URL)
			for attr, err := range map[string]error{
				"organizationRole": c.SetOrgRole(context.Background(), "u1", model.RoleAdmin),
				"teamRoles":        c.SetTeamRole(context.Background(), "u1", "ml", model.RoleAdmin),
			} {
				if err == nil {
					t.Fatalf("%s: refused write returned nil", attr)
				}
				said := strings.Contains(err.Error(), "the server has no "+attr+" attribute (W&B's own): it does not take roles")
				if errors.Is(err, ErrRoleAttributeRefused) != tc.refused || said != tc.refused {
					t.Errorf("%s: %v: is ErrRoleAttributeRefused = %v, says so = %v, want %v", attr, err, errors.Is(err, ErrRoleAttributeRefused), said, tc.refused)
				}
				var e *Error
				if tc.detail != "" && !errors.Is(err, ErrSeatLimit) && !(errors.As(err, &e) && e.SaysMultiTenant()) {
					t.Errorf("%s: %v: what the body says of itself is lost", attr, err)
				}
			}
		})
	}
}

// TestCreateTeamCostIndependentOfKnownTeams: what a create allocates does
// not grow with the teams the client knows (a copy of them per create made
// creating 50,000 teams quadratic: 4 minutes where 5,000 took 3 seconds).
func TestCreateTeamCostIndependentOfKnownTeams(t *testing.T) {
	perCreate := func(known int) uint64 {
		f, srv := newFake(t)
		made := 0
		f.hook = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
			var g struct{ DisplayName string }
			if r.Method != http.MethodPost || json.Unmarshal(body, &g) != nil {
				return false
			}
			made++ // the handler is called for one create at a time
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"id":"made-%d","displayName":%q}`, made, g.DisplayName)
			return true
		}
		c := testClient(t, srv.URL)
		groups := make([]Group, known)
		for i := range groups {
			groups[i] = Group{ID: fmt.Sprintf("known-%06d", i), DisplayName: fmt.Sprintf("team-%06d", i)}
		}
		c.rememberTeams(groups)
		const n = 20
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := 0; i < n; i++ {
			if _, err := c.CreateTeam(context.Background(), fmt.Sprintf("new-%d-%d", known, i)); err != nil {
				t.Fatal(err)
			}
		}
		runtime.ReadMemStats(&after)
		return (after.TotalAlloc - before.TotalAlloc) / n
	}
	few, many := perCreate(10), perCreate(50000)
	if many > 2*few+64<<10 {
		t.Errorf("a create allocates %d bytes with 50,000 known teams, %d with 10: it grows with the teams known", many, few)
	}
}

// TestCreateAgainAfterDeactivatedLookUp: on Multi-tenant Cloud a
// deactivated user is invited again by a create. When that create fails in
// a way that may have been applied (503) and the look-up finds the very
// deactivated user the read listed under that name, the create was not
// done (a done one leaves an active user): it is sent again, not reported
// unknown. A deactivated user the read did not list stays an error.
func TestCreateAgainAfterDeactivatedLookUp(t *testing.T) {
	for _, listed := range []bool{true, false} {
		f, srv := newFake(t)
		f.users = []map[string]any{{"id": "gone", "userName": "bob@example.com", "active": false,
			"emails": []any{map[string]any{"value": "bob@example.com", "primary": true}}}}
		var posts atomic.Int32
		f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
			if r.Method != http.MethodPost {
				return false
			}
			if posts.Add(1) == 1 {
				status(503)(w)
				return true
			}
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"id":"new","userName":"bob@example.com","active":true,"emails":[{"value":"bob@example.com","primary":true}]}`)
			return true
		}
		c := testClient(t, srv.URL, func(c *Config) { c.Deployment = model.SaaS })
		if listed {
			if _, err := c.ListUsers(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		id, err := c.CreateUser(context.Background(), model.User{UserName: "bob@example.com"})
		switch {
		case listed && (err != nil || id != "new" || posts.Load() != 2):
			t.Errorf("listed: id %q, err %v, %d POSTs; want the create sent again and done", id, err, posts.Load())
		case !listed && (err == nil || !strings.Contains(err.Error(), "is deactivated: not used") || posts.Load() != 1):
			t.Errorf("not listed: id %q, err %v, %d POSTs; want unknown, not sent again", id, err, posts.Load())
		}
	}
}

// TestConflictLookUpCutShort: a create answered 409 whose look-up of the
// existing account an interrupt cuts short is unknown, not failed: the
// account exists, and whether it is the one this run meant is not known.
func TestConflictLookUpCutShort(t *testing.T) {
	for _, kind := range []string{"user", "team"} {
		f, srv := newFake(t)
		ctx, cancel := context.WithCancel(context.Background())
		f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
			if r.Method == http.MethodPost {
				scimErr(w, http.StatusConflict, "exists")
				return true
			}
			cancel() // the look-up: interrupted while it is asked
			<-r.Context().Done()
			return true
		}
		c := testClient(t, srv.URL)
		var err error
		if kind == "user" {
			_, err = c.CreateUser(ctx, model.User{UserName: "alice@example.com"})
		} else {
			_, err = c.CreateTeam(ctx, "ml")
		}
		var u interface{ OutcomeUnknown() bool }
		if err == nil || !errors.As(err, &u) || !u.OutcomeUnknown() {
			t.Errorf("%s: err = %v, want the outcome unknown", kind, err)
		}
	}
	// The first signal (StopRetrying) as the 409 comes: the look-up is not
	// sent, and the create is unknown too; so after a look-up's 503 that
	// it keeps from being tried again.
	for _, lookUp := range []int{0, http.StatusServiceUnavailable} {
		f, srv := newFake(t)
		c := testClient(t, srv.URL)
		f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
			if r.Method == http.MethodPost {
				if lookUp == 0 {
					c.StopRetrying()
				}
				scimErr(w, http.StatusConflict, "exists")
				return true
			}
			c.StopRetrying()
			scimErr(w, lookUp, "busy")
			return true
		}
		_, err := c.CreateUser(context.Background(), model.User{UserName: "alice@example.com"})
		var u interface{ OutcomeUnknown() bool }
		if err == nil || !errors.As(err, &u) || !u.OutcomeUnknown() {
			t.Errorf("first signal, look-up answered %d: err = %v, want the outcome unknown", lookUp, err)
		}
	}
	// Not interrupted, a failed look-up leaves the 409 as it was.
	f, srv := newFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method == http.MethodPost {
			scimErr(w, http.StatusConflict, "exists")
		} else {
			scimErr(w, http.StatusForbidden, "no")
		}
		return true
	}
	_, err := testClient(t, srv.URL).CreateUser(context.Background(), model.User{UserName: "alice@example.com"})
	var u interface{ OutcomeUnknown() bool }
	if err == nil || !errors.As(err, &u) || u.OutcomeUnknown() {
		t.Errorf("err = %v, want a known failure", err)
	}
}

// TestCreateUserAmbiguousHoldsUnshownHolder: a create answered 500 (it
// may have been made) whose look-up by userName finds nothing and by
// email answers one user whose record does not show that email (a
// secondary email the single emails object hides) names that user
// (ExistingID), as after a 409: apply removes and deactivates nothing of
// it in the run.
func TestCreateUserAmbiguousHoldsUnshownHolder(t *testing.T) {
	f, srv := newFake(t)
	alice := map[string]any{"id": "u-alice", "userName": "alice@corp.com", "active": true,
		"emails": map[string]any{"Value": "alice@corp.com", "Primary": true}}
	f.users = []map[string]any{alice}
	c := testClient(t, srv.URL, func(c *Config) { c.Deployment = model.SaaS })
	if _, err := c.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		filter := r.URL.Query().Get("filter")
		switch {
		case r.Method == http.MethodPost:
			status(500)(w)
		case r.Method == http.MethodGet && strings.HasPrefix(filter, "emails.value"):
			writeJSON(w, "application/scim+json", 200, map[string]any{"totalResults": 1, "Resources": []any{alice}})
		case r.Method == http.MethodGet && filter != "":
			writeJSON(w, "application/scim+json", 200, map[string]any{"totalResults": 0, "Resources": []any{}})
		default:
			return false
		}
		return true
	}
	_, err := c.CreateUser(context.Background(), model.User{UserName: "asmith@legacy.org"})
	var e *Error
	if err == nil || !errors.As(err, &e) || e.ExistingID() != "u-alice" || !strings.Contains(err.Error(), "its look-up by email asmith@legacy.org answers user alice@corp.com (id u-alice)") ||
		!strings.Contains(err.Error(), "so nothing that removes or deactivates it is sent in this run; if it is, list the user in the manifest by the email its record shows") {
		t.Fatalf("err %v; want alice named (ExistingID), as after a 409", err)
	}
}

// TestCreateUserConflictLookUpFailsHolds: on Multi-tenant Cloud, once a
// read showed one email per user, a create answered 409 whose look-up
// fails (a 400 for a filter the server does not take, a 5xx) is explained
// by nothing listed either: it is marked UnseenHolder, so that apply holds
// what removes or deactivates a user not in the manifest. Not on
// Dedicated.
func TestCreateUserConflictLookUpFailsHolds(t *testing.T) {
	for _, lookUp := range []int{http.StatusBadRequest, http.StatusInternalServerError} {
		for _, dep := range []model.Deployment{model.SaaS, model.Dedicated} {
			f, srv := newFake(t)
			f.users = []map[string]any{{"id": "u-zed", "userName": "zed", "active": true, "emails": map[string]any{"Value": "zed@example.com", "Primary": true}}}
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				if r.Method == http.MethodPost {
					scimErr(w, http.StatusConflict, "Resource already exists")
					return true
				}
				if r.URL.Query().Get("filter") != "" {
					scimErr(w, lookUp, "invalidFilter")
					return true
				}
				return false
			}
			c := testClient(t, srv.URL, func(c *Config) { c.Deployment = dep; c.MaxElapsed = 300_000_000 })
			if _, err := c.ListUsers(context.Background()); err != nil {
				t.Fatal(err)
			}
			_, err := c.CreateUser(context.Background(), model.User{UserName: "asmith@legacy.org"})
			var e *Error
			if err == nil || !errors.As(err, &e) || e.UnseenHolder() != (dep == model.SaaS) {
				t.Errorf("look-up %d, %s: err %v, want UnseenHolder %t", lookUp, dep, err, dep == model.SaaS)
			}
		}
	}
}

// TestUnsentWriteInterruptedIsNotUnknown: a PATCH that never reached the
// server (its TLS handshake timed out: not sent), interrupted while it
// waits to be tried again, is not unknown.
func TestUnsentWriteInterruptedIsNotUnknown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// A TCP listener that accepts and never answers: an https client's
	// TLS handshake times out, and the request is never written (not sent).
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-accepted
		for _, c := range conns {
			c.Close()
		}
	})
	url := "https://" + ln.Addr().String()
	logger, waiting := retryLogged()
	c := testClient(t, url, func(c *Config) { c.MaxElapsed, c.Logger, c.Timeout = time.Hour, logger, 300*time.Millisecond })
	c.backoffBase = time.Minute
	done := make(chan error, 1)
	go func() { done <- c.SetOrgRole(context.Background(), "u1", model.RoleAdmin) }()
	select {
	case <-waiting:
	case err := <-done:
		t.Fatalf("ended before a retry: %v", err)
	}
	c.StopRetrying()
	err = <-done
	var e *Error
	if err == nil || !errors.As(err, &e) || !e.RetryStopped() {
		t.Fatalf("err %v: want its retries stopped", err)
	}
	if e.OutcomeUnknown() {
		t.Fatalf("err %v: a write never sent is not unknown", err)
	}
}
