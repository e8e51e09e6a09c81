package scim

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestListRoles(t *testing.T) {
	f, srv := newFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.URL.Path != "/scim/Roles" {
			return false
		}
		writeJSON(w, "application/scim+json", 200, map[string]any{"schemas": []string{""}, "totalResults": 2, "Resources": []any{
			map[string]any{"id": "Um9sZTo3", "name": "Model Reviewer", "inheritedFrom": "member",
				"permissions": []any{map[string]any{"name": "project:read", "isInherited": true}}},
			map[string]any{"id": "r2", "name": "model reviewer", "inheritedFrom": "viewer"},
		}})
		return true
	}
	roles, err := testClient(t, srv.URL).ListRoles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Names are kept as sent: case-sensitive, spaces included.
	if len(roles) != 2 || roles[0].Name != "Model Reviewer" || roles[1].Name != "model reviewer" ||
		len(roles[0].Permissions) != 1 || !roles[0].Permissions[0].IsInherited {
		t.Fatalf("roles %+v", roles)
	}
	if reqs := f.requests(); len(reqs) != 1 || !strings.HasPrefix(reqs[0], "GET /scim/Roles?startIndex=1&count=") {
		t.Fatalf("requests %v", reqs)
	}

	f2, srv2 := newFake(t)
	failN(f2, "GET", 1, status(404))
	_, err = testClient(t, srv2.URL).ListRoles(context.Background())
	if !errors.Is(err, ErrNotFound) || strings.Contains(err.Error(), hintBaseURL) {
		t.Fatalf("no /Roles: err = %v, want ErrNotFound without a URL hint", err)
	}
}

func TestGetRaw(t *testing.T) {
	f, srv := newFake(t)
	f.users = mkUsers(3)
	var trace bytes.Buffer
	c := testClient(t, srv.URL, func(c *Config) { c.Trace = &trace })
	r, err := c.GetRaw(context.Background(), "/Users", "count=1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/scim+json" || !bytes.Contains(r.Body, []byte(`"totalResults":3`)) {
		t.Fatalf("raw %d %v %s", r.Status, r.Header, r.Body)
	}
	if h := f.headers[0].Get("Authorization"); h != "Bearer "+testKey {
		t.Fatalf("Authorization %q", h)
	}
	if reqs := f.requests(); reqs[0] != "GET /scim/Users?count=1" {
		t.Fatalf("request %s", reqs[0])
	}
	if !strings.Contains(trace.String(), `"url":"`+srv.URL+`/scim/Users?count=1"`) {
		t.Fatalf("not traced: %s", trace.String())
	}
	for _, bad := range []string{"Users", "https://evil/x", "/../x", "/Users?x=1", "/Users#f"} {
		if _, err := c.GetRaw(context.Background(), bad, ""); err == nil {
			t.Errorf("GetRaw(%q) accepted", bad)
		}
	}
	// A GET's retries, then a non-2xx answer is the typed error.
	failN(f, "GET", 2, status(503, "Retry-After", "0"))
	if _, err := c.GetRaw(context.Background(), "/ServiceProviderConfig", ""); err != nil || f.count("GET /scim/ServiceProviderConfig") != 3 {
		t.Fatalf("err = %v after %d requests", err, f.count("GET /scim/ServiceProviderConfig"))
	}
	failN(f, "GET", 1<<30, status(401))
	c2 := testClient(t, srv.URL, func(c *Config) { c.MaxElapsed = 10 * time.Millisecond })
	if _, err := c2.GetRaw(context.Background(), "/Users", ""); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v", err)
	}
}
