package scim

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/wbsync/wbsync/pkg/caps"
)

// page9999 is one full W&B page: 9999 users in the legacy shape, with
// roles.
func page9999() []byte { return pageOf(caps.PageSize) }

// pageOf is a page of n users in the legacy shape, with roles.
func pageOf(n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":%d,"startIndex":1,"itemsPerPage":%d,"Resources":[`, n, n)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"active":true,"displayName":"User %d","emails":{"Value":"user%d@example.com","Display":"","Type":"","Primary":true},`+
			`"id":"VXNlcjo%07d","meta":{"resourceType":"User","created":"2024-01-02T03:04:05Z","lastModified":"2025-01-02T03:04:05Z","location":"Users/x"},`+
			`"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"user%d","organizationRole":"member",`+
			`"teamRoles":[{"teamName":"team-%d","roleName":"member"},{"teamName":"all","roleName":"viewer"}]}`, i, i, i, i, i%50)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// BenchmarkDecodeListPage decodes one 9999-user page as the client does
// (JSON bounds, streaming decoder, strict records).
//
//	go test -run XXX -bench DecodeListPage ./pkg/scim
func BenchmarkDecodeListPage(b *testing.B) {
	body := page9999()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r := bufio.NewReader(newJSONGuard(bytes.NewReader(body)))
		p, err := decodeList(r, nil, "user", 1, caps.TotalResults, listedUsers(newInterner()))
		if err != nil || len(p.items) != caps.PageSize {
			b.Fatalf("%d users, %v", len(p.items), err)
		}
	}
}

// BenchmarkListUsers reads 30,000 users in pages of 9999 over loopback.
func BenchmarkListUsers(b *testing.B) {
	f, srv := newFake(b)
	f.users = mkUsers(30000)
	c, err := New(Config{BaseURL: srv.URL + "/scim", APIKey: testKey, RateLimit: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		users, err := c.ListUsers(context.Background())
		if err != nil || len(users) != 30000 {
			b.Fatalf("%d users, %v", len(users), err)
		}
	}
}

// BenchmarkJSONGuard passes one 9999-user page through the JSON guard.
func BenchmarkJSONGuard(b *testing.B) {
	body := page9999()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := io.Copy(io.Discard, newJSONGuard(bytes.NewReader(body))); err != nil {
			b.Fatal(err)
		}
	}
}
