package scim

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

const legacyUser = `{
  "active": true, "daysActive": 42, "displayName": "Dev User 1",
  "emails": { "Value": "dev-user1@example.com", "Display": "", "Type": "", "Primary": true },
  "id": "VXNlcjoxNjg1NzA5", "lastActiveAt": null,
  "meta": { "resourceType": "User", "created": "2023-10-01T00:00:00Z", "location": "Users/abc", "version": "W/\"v1\"" },
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "dev-user1",
  "organizationRole": "Member", "teamRoles": [{"teamName": "ml", "roleName": "admin"}], "groups": [{"value": "g"}]
}`

const rfcUser = `{
  "ID": "u2", "USERNAME": "b@x.com", "active": "False", "externalId": "ext",
  "emails": [{"value": "other@x.com", "type": "home"}, {"value": "b@x.com", "primary": "True", "type": "work"}]
}`

func TestDecodeUserShapes(t *testing.T) {
	cases := []struct {
		name, in string
		want     User
	}{
		{"legacy", legacyUser, User{ID: "VXNlcjoxNjg1NzA5", UserName: "dev-user1", DisplayName: "Dev User 1",
			Emails: []Email{{Value: "dev-user1@example.com", Primary: true}}, Active: true,
			OrganizationRole: "Member", TeamRoles: []TeamRole{{"ml", "admin"}}, ETag: `W/"v1"`}},
		{"rfc, upper keys, string active", rfcUser, User{ID: "u2", UserName: "b@x.com", ExternalID: "ext",
			Emails: []Email{{Value: "other@x.com", Type: "home"}, {Value: "b@x.com", Primary: true, Type: "work"}}}},
		{"active True string", `{"id":"1","active":"True"}`, User{ID: "1", Active: true}},
		{"active absent", `{"id":"1"}`, User{ID: "1", Active: true}},
		{"numeric id, null emails", `{"id":7,"emails":null,"active":false}`, User{ID: "7"}},
		{"empty teamRoles", `{"id":"1","teamRoles":[]}`, User{ID: "1", Active: true, TeamRoles: []TeamRole{}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeUser([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Fatalf("(-want +got):\n%s", d)
			}
		})
	}
	if got, _ := decodeUser([]byte(rfcUser)); got.PrimaryEmail() != "b@x.com" {
		t.Fatalf("primary %q", got.PrimaryEmail())
	}
	if got, _ := decodeUser([]byte(`{"id":"1","emails":[{"value":"first@x"},{"value":"second@x"}]}`)); got.PrimaryEmail() != "first@x" {
		t.Fatalf("primary fallback %q", got.PrimaryEmail())
	}
	for _, bad := range []string{`{"userName":"noid"}`, `{"id":"1","active":"maybe"}`, `{"id":"1","emails":5}`, `[]`, `nope`} {
		if _, err := decodeUser([]byte(bad)); err == nil {
			t.Errorf("decodeUser(%s) accepted", bad)
		}
	}
}

func TestDecodeListStringNumbers(t *testing.T) {
	p, err := decodeList([]byte(`{"totalResults":"3","itemsPerPage":"9999","startIndex":1,"resources":[{"id":"a"}]}`))
	if err != nil || p.total != 3 || !p.hasTotal || p.itemsPerPage != 9999 || len(p.resources) != 1 {
		t.Fatalf("%+v %v", p, err)
	}
}

func FuzzDecodeUser(f *testing.F) {
	for _, s := range []string{legacyUser, rfcUser, `{"id":"1","active":"False"}`, `{"id":1,"emails":{"value":"x"}}`,
		`{"id":"1","emails":"x@y"}`, `{}`, `null`, `{"id":"1","teamRoles":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := decodeUser(b)
		if err != nil {
			return
		}
		if strings.TrimSpace(u.ID) == "" {
			t.Fatalf("decoded a user without id from %q", b)
		}
		for _, e := range u.Emails {
			if e.Value == "" {
				t.Fatalf("empty email decoded from %q", b)
			}
		}
	})
}

func FuzzDecodeListResponse(f *testing.F) {
	for _, s := range []string{
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"startIndex":1,"itemsPerPage":9999,"Resources":[` + legacyUser + `]}`,
		`{"totalResults":2,"Resources":[{"id":"g","displayName":"t","members":null},{"id":"h","members":[{"Value":"u","Display":"d"}]}]}`,
		`{"totalResults":"0","resources":[]}`,
		`{"Resources":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodeList(b)
		if err != nil {
			return
		}
		if p.hasTotal && p.total < 0 {
			t.Fatalf("negative total from %q", b)
		}
		for _, r := range p.resources {
			if g, err := decodeGroup(r); err == nil {
				if g.ID == "" {
					t.Fatalf("group without id from %q", r)
				}
				for _, m := range g.Members {
					if m.Value == "" {
						t.Fatalf("member without value from %q", r)
					}
				}
			}
			_, _ = decodeUser(r)
		}
	})
}

// TestKeyNeverLogged runs reads, writes and failures with a debug logger and
// a server that echoes the Authorization header in its error details.
func TestKeyNeverLogged(t *testing.T) {
	for _, auth := range []string{"bearer", "basic"} {
		t.Run(auth, func(t *testing.T) {
			core, logs := observer.New(zapcore.DebugLevel)
			f, srv := newFake(t)
			f.users = mkUsers(120)
			var hdr string
			f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				hdr = r.Header.Get("Authorization")
				if r.Method == http.MethodPatch {
					scimErr(w, 400, "bad request from "+hdr+" key "+testKey)
					return true
				}
				return false
			}
			c := testClient(t, srv.URL, func(c *Config) { c.Auth = auth; c.Logger = zap.New(core) })
			if _, err := c.ListUsers(context.Background()); err != nil {
				t.Fatal(err)
			}
			errs := []error{
				c.SetActive(context.Background(), "u1", false),
				c.RemoveMember(context.Background(), "g", "u"),
			}
			for _, err := range errs {
				if err == nil {
					t.Fatal("no error")
				}
				if s := err.Error(); strings.Contains(s, testKey) || strings.Contains(s, hdr) || strings.Contains(s, hdr[strings.Index(hdr, " ")+1:]) {
					t.Fatalf("secret in error: %s", s)
				}
			}
			if logs.Len() == 0 {
				t.Fatal("nothing logged at debug")
			}
			sawStatus := false
			for _, e := range logs.All() {
				line := e.Message
				for k, v := range e.ContextMap() {
					line += " " + k + "=" + fmt.Sprint(v)
				}
				if strings.Contains(line, testKey) || strings.Contains(line, hdr[strings.Index(hdr, " ")+1:]) {
					t.Fatalf("secret logged: %s", line)
				}
				if e.ContextMap()["status"] != nil && e.ContextMap()["method"] != nil && e.ContextMap()["path"] != nil {
					sawStatus = true
				}
			}
			if !sawStatus {
				t.Fatal("no request line with method, path and status")
			}
		})
	}
}
