package scim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// minRecord is the shortest well-formed record: {"id":1,"name":2} (a role;
// users and groups need longer keys).
const minRecord = len(`{"id":1,"name":2}`)

// fuzzSeeds are W&B's real shapes and their known variations.
var fuzzSeeds = []string{
	// Legacy user: emails one object with capitalised keys.
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"startIndex":1,"itemsPerPage":9999,"Resources":[` + legacyUser + `]}`,
	// RFC user: emails an array, string booleans, upper-case keys.
	`{"totalResults":"2","Resources":[` + rfcUser + `,{"id":"u3","userName":"c","active":"True","emails":[]}]}`,
	// Groups: members null, missing, [], capitalised keys.
	`{"totalResults":4,"Resources":[{"id":"g","displayName":"t","members":null},{"id":"h","displayName":"u"},` +
		`{"id":"i","displayName":"v","members":[]},{"id":"j","displayName":"w","members":[{"Value":"u","Display":"d","Ref":"","Type":""}]}]}`,
	// Roles.
	`{"schemas":[""],"totalResults":1,"Resources":[{"id":"Um9sZTo3","name":"Model Reviewer","inheritedFrom":"member",` +
		`"permissions":[{"name":"project:read","isInherited":"False"}],"meta":{"created":"2024-01-01T00:00:00Z"}}]}`,
	// A SCIM error with a string status, where a list was expected.
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"User reactivation operations are not supported in SaaS Cloud","status":"400"}`,
	`{"totalResults":0,"resources":null}`,
	`{"Resources":[{"id":"a","userName":"b"}],"totalResults":1}`,
	`{"totalResults":4000000,"Resources":[{"id":"a","userName":"b"}]}`,
	`{"totalResults":1,"Resources":[{"id":{"x":1}}]}`,
	`{"totalResults":1,"Resources":[],"Resources":[]}`,
	`{"totalResults":1,"Resources":[{"id":"a","userName":"b","meta":{"created":17,"lastModified":"2025-13-45T99:00:00Z"}}]}`,
	`{"totalResults":1,"Resources":[{"id":"a","userName":"\u001b[2J\u202e","teamRoles":[{"teamName":"ml","roleName":"Admin"}]}]}`,
	`[]`, `null`, `{}`, `"str"`,
}

// decodeAllRed is decodeAll's redactor, made once: making one takes
// about 4 ms, which held FuzzDecodeList to a few inputs a second.
var decodeAllRed = sanitize.NewRedactor(testKey)

// decodeAll decodes b as a users, a groups and a roles page the way the
// client does (guard, decoder), and checks what came out.
func decodeAll(t *testing.T, b []byte) {
	red := decodeAllRed
	check := func(n int, total int) {
		if n > len(b)/minRecord {
			t.Fatalf("%d records from %d bytes", n, len(b))
		}
		if total < 0 || total > caps.TotalResults {
			t.Fatalf("totalResults %d", total)
		}
	}
	field := func(vals ...string) {
		for _, v := range vals {
			if len(v) > caps.Field {
				t.Fatalf("a %d-byte attribute decoded", len(v))
			}
		}
	}
	reader := func() *bufio.Reader { return bufio.NewReader(newJSONGuard(bytes.NewReader(b))) }

	if p, err := decodeList(reader(), red, "user", 1, caps.TotalResults, listedUsers(nil)); err == nil {
		check(len(p.items), p.total)
		for _, u := range p.items {
			if blank(u.ID) || blank(u.UserName) {
				t.Fatalf("a user without id or userName: %+v", u)
			}
			field(u.ID, u.UserName, u.DisplayName, u.ExternalID, u.OrganizationRole, u.ETag)
			for i, e := range u.Emails {
				if e.Value == "" || (i > 0 && e.Primary && !u.Emails[0].Primary) {
					t.Fatalf("emails %+v", u.Emails)
				}
				field(e.Value, e.Type)
			}
		}
	}
	if p, err := decodeList(reader(), red, "group", 1, caps.TotalResults, listedGroup); err == nil {
		check(len(p.items), p.total)
		for _, g := range p.items {
			if blank(g.ID) || blank(g.DisplayName) {
				t.Fatalf("a group without id or displayName: %+v", g)
			}
			field(g.ID, g.DisplayName)
			for _, m := range g.Members {
				if blank(m.Value) {
					t.Fatalf("a member without value: %+v", g)
				}
				field(m.Value, m.Display)
			}
		}
	}
	if p, err := decodeList(reader(), red, "role", 1, caps.TotalResults, listedRole); err == nil {
		check(len(p.items), p.total)
		for _, r := range p.items {
			if blank(r.ID) || blank(r.Name) {
				t.Fatalf("a role without id or name: %+v", r)
			}
		}
	} else if strings.Contains(err.Error(), testKey[:8]) {
		t.Fatalf("the key in %q", err)
	}
}

// FuzzDecodeList feeds list bodies to the list reader: it never panics,
// never returns a record missing a required attribute or holding an
// attribute over caps.Field, and never returns more records than the body
// could hold.
func FuzzDecodeList(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > caps.Body {
			return
		}
		decodeAll(t, b)
	})
}

// FuzzDecodeUser feeds one resource to the decoder of a create's answer.
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
		if blank(u.ID) {
			t.Fatalf("decoded a user without id from %q", b)
		}
		for _, e := range u.Emails {
			if e.Value == "" {
				t.Fatalf("empty email decoded from %q", b)
			}
		}
	})
}

// TestFuzzSeedsDecode keeps the seeds honest: the good ones decode.
func TestFuzzSeedsDecode(t *testing.T) {
	for i, s := range fuzzSeeds[:4] {
		var any map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s), &any); err != nil {
			t.Fatalf("seed %d is not JSON: %v", i, err)
		}
		decodeAll(t, []byte(s))
	}
	if p, err := decodeList(strings.NewReader(fuzzSeeds[2]), nil, "group", 1, 100, listedGroup); err != nil || len(p.items) != 4 {
		t.Fatalf("groups seed: %d, %v", len(p.items), err)
	}
}
