package scim

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestRoleAnswerTwiceIsNotDone: an org role PATCH answered with another
// role, or another user, is not done; nor is one whose answer gives the
// role (or the id) twice: which one the server means is not known.
func TestRoleAnswerTwiceIsNotDone(t *testing.T) {
	for _, body := range []string{
		`{"id":"u1","userName":"a@x.com","organizationRole":"member"}`, // another role
		`{"id":"u1","userName":"a@x.com","organizationRole":"admin","organizationRole":"member"}`,
		`{"id":"u1","userName":"a@x.com","organizationRole":"member","organizationRole":"member"}`,
		`{"id":"u2","userName":"b@x.com","organizationRole":"admin"}`, // another user
		`{"id":"u2","id":"u2","userName":"b@x.com","organizationRole":"admin"}`,
		`{"id":"u1","userName":"a@x.com","organizationRole":"member","organizationRole":"admin"}`, // the last value counted would say done
		`{"id":"u2","id":"u1","userName":"a@x.com","organizationRole":"admin"}`,                   // so would the last id
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/scim+json")
			fmt.Fprint(w, body)
		}))
		err := testClient(t, srv.URL).SetOrgRole(context.Background(), "u1", "admin")
		srv.Close()
		if err == nil {
			t.Errorf("answer %s: counted as done", body)
		}
	}
}
