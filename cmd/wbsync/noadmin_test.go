package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/wbsync/wbsync/pkg/emulator"
)

// TestNoAdminLeftWarned: the plan demotes or deactivates one of two
// admins, which its lastAdmin check allows; meanwhile another writer
// demotes the other (as a second apply of another manifest would). The
// verification read finds no active admin, and apply says so. Without the
// other writer, it says nothing.
func TestNoAdminLeftWarned(t *testing.T) {
	const warning = "the organization has no active admin now"
	for _, tc := range []struct {
		other bool
		adm1  string // what the manifest says of adm1
	}{{true, "orgRole: member"}, {false, "orgRole: member"}, {true, "active: false"}, {false, "active: false"}} {
		other := tc.other
		seed := seedOf(t, map[string]any{
			"users": []any{
				map[string]any{"userName": "adm1@example.com", "organizationRole": "admin"},
				map[string]any{"userName": "adm2@example.com", "organizationRole": "admin"},
			},
		})
		srv, err := emulator.New(emulator.Options{}, seed, zaptest.NewLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		var adm2 atomic.Value
		var done atomic.Bool
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if other && r.Method == http.MethodPatch && !done.Swap(true) {
				// The other writer demotes adm2 first.
				id, _ := adm2.Load().(string)
				body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"organizationRole","value":"member"}]}`
				req := httptest.NewRequest(http.MethodPatch, "/scim/Users/"+id, strings.NewReader(body))
				req.Header = r.Header.Clone()
				srv.ServeHTTP(httptest.NewRecorder(), req)
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, r)
			if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/scim/Users") {
				if i := strings.Index(rec.Body.String(), `"userName":"adm2@example.com"`); i >= 0 {
					if j := strings.LastIndex(rec.Body.String()[:i], `"id":"`); j >= 0 {
						id := rec.Body.String()[j+6:]
						adm2.Store(id[:strings.IndexByte(id, '"')])
					}
				}
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
		}))
		m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: adm1@example.com\n    "+tc.adm1+"\n  - email: adm2@example.com\n    orgRole: admin\n")
		r := wb(t, vars(hs.URL+"/scim"), "apply", "-f", m, "--auto-approve")
		hs.Close()
		if id, _ := adm2.Load().(string); other && id == "" {
			t.Fatal("adm2's id was not seen: the test proves nothing")
		}
		if got := strings.Contains(r.stderr, warning); got != other {
			t.Errorf("adm1 %s, other writer %v: warned %v (exit %d)\n%s", tc.adm1, other, got, r.code, r.stderr)
		}
	}
}
