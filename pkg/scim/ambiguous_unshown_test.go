package scim

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
)

// TestAmbiguousUnshownHolderGivesManifestAdvice: a create answered
// 500 whose look-up by email answers one user whose record does not show
// that email names the user and gives the manifest advice a 409 gives
// ("if it is, list the user in the manifest by the email its record
// shows"), as commit 3e4154d says.
func TestAmbiguousUnshownHolderGivesManifestAdvice(t *testing.T) {
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
	if err == nil || !errors.As(err, &e) || e.ExistingID() != "u-alice" {
		t.Fatalf("err %v; want alice named (ExistingID)", err)
	}
	t.Logf("message: %s", err)
	want := "so nothing that removes or deactivates it is sent in this run; if it is, list the user in the manifest by the email its record shows"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("err %q\nwant it to hold %q", err, want)
	}
}
