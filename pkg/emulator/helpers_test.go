package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"
)

const testKey = "emu-test-key-31f9"

// env is an emulator on loopback and a tiny client for it.
type env struct {
	t    *testing.T
	srv  *Server
	hs   *httptest.Server
	base string // .../scim
	auth string
}

func start(t *testing.T, opts Options, seed string) *env {
	t.Helper()
	var st *State
	if seed != "" {
		var err error
		if st, err = ParseState(strings.NewReader(seed)); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	return startState(t, opts, st)
}

// startState is start with a State built in Go.
func startState(t *testing.T, opts Options, st *State) *env {
	t.Helper()
	srv, err := New(opts, st, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &env{t: t, srv: srv, hs: hs, base: hs.URL + "/scim", auth: "Bearer " + testKey}
}

// resp is one answer, body decoded as JSON when there is one.
type resp struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

func (r resp) str(k string) string { s, _ := r.body[k].(string); return s }

// detail is the SCIM error detail.
func (r resp) detail() string { return r.str("detail") }

// do sends method to base+path (path already escaped) with a JSON body
// (a string is sent verbatim) and extra headers as name, value pairs.
func (e *env) do(method, path string, body any, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if e.auth != "" {
		req.Header.Set("Authorization", e.auth)
	}
	req.Header.Set("Content-Type", "application/scim+json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := e.hs.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := resp{status: res.StatusCode, header: res.Header, raw: string(raw)}
	if len(raw) > 0 {
		if ct := res.Header.Get("Content-Type"); ct != "application/scim+json" {
			e.t.Errorf("%s %s: Content-Type %q", method, path, ct)
		}
		if err := json.Unmarshal(raw, &r.body); err != nil {
			e.t.Fatalf("%s %s: body %q: %v", method, path, raw, err)
		}
	}
	return r
}

// want fails unless the answer has the status.
func (r resp) want(t *testing.T, status int) resp {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r
}

// wantError checks a SCIM error answer: status, schema, status string and a detail fragment.
func (r resp) wantError(t *testing.T, status int, detail string) {
	t.Helper()
	r.want(t, status)
	schemas, _ := r.body["schemas"].([]any)
	if len(schemas) != 1 || schemas[0] != schemaError {
		t.Errorf("error schemas = %v", r.body["schemas"])
	}
	if got, ok := r.body["status"].(string); !ok || got != itoa(status) {
		t.Errorf("error status = %#v, want the string %q", r.body["status"], itoa(status))
	}
	if !strings.Contains(r.detail(), detail) {
		t.Errorf("detail %q does not contain %q", r.detail(), detail)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func p(id string) string { return url.PathEscape(id) }

func patchOps(ops ...map[string]any) map[string]any {
	return map[string]any{"schemas": []string{schemaPatchOp}, "Operations": ops}
}

func op(o, path string, value any) map[string]any {
	m := map[string]any{"op": o}
	if path != "" {
		m["path"] = path
	}
	if value != nil {
		m["value"] = value
	}
	return m
}

func newUser(email string) map[string]any {
	return map[string]any{"schemas": []string{schemaUser}, "userName": email,
		"emails": []map[string]any{{"value": email, "primary": true}}}
}

func members(ids ...string) []map[string]string {
	out := []map[string]string{}
	for _, id := range ids {
		out = append(out, map[string]string{"value": id})
	}
	return out
}

// list returns the resources of a list answer.
func (r resp) list() []map[string]any {
	var out []map[string]any
	rs, _ := r.body["Resources"].([]any)
	for _, x := range rs {
		out = append(out, x.(map[string]any))
	}
	return out
}

// userID finds a user's id by userName.
func (e *env) userID(name string) string {
	e.t.Helper()
	r := e.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "`+name+`"`), nil).want(e.t, 200)
	l := r.list()
	if len(l) != 1 {
		e.t.Fatalf("user %s: %d results", name, len(l))
	}
	return l[0]["id"].(string)
}

// teamID finds the first team with the name.
func (e *env) teamID(name string) string {
	e.t.Helper()
	r := e.do("GET", "/Groups?filter="+url.QueryEscape(`displayName eq "`+name+`"`), nil).want(e.t, 200)
	l := r.list()
	if len(l) == 0 {
		e.t.Fatalf("team %s not found", name)
	}
	return l[0]["id"].(string)
}

// memberValues returns the member ids of a group answer (either shape).
func memberValues(g map[string]any) []string {
	out := []string{}
	ms, _ := g["members"].([]any)
	for _, m := range ms {
		mm := m.(map[string]any)
		if v, ok := mm["value"].(string); ok {
			out = append(out, v)
		} else {
			out = append(out, mm["Value"].(string))
		}
	}
	return out
}

// teamRoles returns a user answer's teamRoles as name → role.
func teamRoles(u map[string]any) map[string]string {
	out := map[string]string{}
	trs, _ := u["teamRoles"].([]any)
	for _, x := range trs {
		m := x.(map[string]any)
		out[m["teamName"].(string)] = m["roleName"].(string)
	}
	return out
}

const seedBasic = `{"users": [
  {"userName": "alice@example.com", "displayName": "Alice", "organizationRole": "admin"},
  {"userName": "bob@example.com", "displayName": "Bob"},
  {"userName": "carol@example.com", "active": false},
  {"userName": "dan@example.com", "email": "dan@corp.example.com", "externalId": "00u-dan"}
 ],
 "teams": [
  {"name": "ml-research", "members": [{"userName": "alice@example.com", "role": "admin"}, "bob@example.com"]},
  {"name": "platform", "members": ["dan@example.com"]},
  {"name": "data-eng", "members": ["bob@example.com"]},
  {"name": "data-eng", "members": []}
 ]}`
