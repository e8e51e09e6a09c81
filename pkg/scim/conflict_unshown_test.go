package scim

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
)

// unshownServer is a fake whose POST /Users answers 409 and whose look-up
// by email answers as the look-up named answer says: a server that
// finds a user by an email its record does not show (a secondary email
// under the single emails object) answers that user.
func unshownServer(t *testing.T, users []map[string]any, answer func(filter string) string) *Client {
	t.Helper()
	f, srv := newFake(t)
	f.users = users
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method == http.MethodPost {
			scimErr(w, http.StatusConflict, "exists")
			return true
		}
		q := r.URL.Query()
		if filter := q.Get("filter"); filter != "" {
			q.Set("filter", answer(filter))
			if q.Get("filter") == "" {
				q.Del("filter")
			}
			r.URL.RawQuery = q.Encode()
		}
		return false
	}
	return testClient(t, srv.URL)
}

// zedUsers: zed shows only its primary email; amy is another user.
func zedUsers(zedEmail string, zedID string) []map[string]any {
	return []map[string]any{
		{"id": zedID, "userName": "zed", "emails": []any{map[string]any{"value": zedEmail, "primary": true}}, "active": true},
		{"id": "amy-id", "userName": "amy", "emails": []any{map[string]any{"value": "amy@example.com", "primary": true}}, "active": true},
	}
}

// secondaryOfZed answers the look-up by zed's secondary email with zed.
func secondaryOfZed(filter string) string {
	if filter == `emails.value eq "zed.home@gmail.com"` {
		return `userName eq "zed"`
	}
	return filter
}

// TestCreateConflictNamesTheUserFoundByAnUnshownEmail: a create answered
// 409 whose look-up by email answers one user whose record shows another
// email fails (never adopting it), names that user by the email its record
// shows and its id, and gives its id as ExistingID, so that apply removes
// and deactivates nothing of it in the run.
func TestCreateConflictNamesTheUserFoundByAnUnshownEmail(t *testing.T) {
	c := unshownServer(t, zedUsers("zed@example.com", "zed-id"), secondaryOfZed)
	id, err := c.CreateUser(context.Background(), model.User{UserName: "zed.home@gmail.com", Active: true})
	if err == nil || id != "" {
		t.Fatalf("id %q, err %v: want the create failed, not the user adopted", id, err)
	}
	if !errors.Is(err, ErrNameTaken) {
		t.Errorf("err %v: want ErrNameTaken kept", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.ExistingID() != "zed-id" {
		t.Errorf("err %v: want ExistingID zed-id", err)
	}
	for _, want := range []string{"its look-up by email zed.home@gmail.com answers user zed@example.com (id zed-id)", "list the user in the manifest by the email its record shows"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err %q does not say %q", err, want)
		}
	}
}

// TestCreateConflictUnshownAnswerWithoutEmailNamedByUserName: the user
// the look-up answers shows no email at all: it is named by its userName.
func TestCreateConflictUnshownAnswerWithoutEmailNamedByUserName(t *testing.T) {
	users := zedUsers("zed@example.com", "zed-id")
	delete(users[0], "emails")
	c := unshownServer(t, users, secondaryOfZed)
	_, err := c.CreateUser(context.Background(), model.User{UserName: "zed.home@gmail.com", Active: true})
	if err == nil || !strings.Contains(err.Error(), "answers user zed (id zed-id)") {
		t.Errorf("err %v: want zed named by its userName", err)
	}
}

// TestCreateConflictFilterIgnoredHoldsNoAccount: a server that ignores the
// filter answers the whole organization: no one user is the email's, none
// is held, and the failure says no user with the name or email is listed.
func TestCreateConflictFilterIgnoredHoldsNoAccount(t *testing.T) {
	c := unshownServer(t, zedUsers("zed@example.com", "zed-id"), func(string) string { return "" })
	_, err := c.CreateUser(context.Background(), model.User{UserName: "zed.home@gmail.com", Active: true})
	var e *Error
	if err == nil || !errors.As(err, &e) || e.ExistingID() != "" {
		t.Fatalf("err %v: want a failure holding no account", err)
	}
	if !strings.Contains(err.Error(), "no user with that userName or email is listed") || strings.Contains(err.Error(), "answers user") {
		t.Errorf("err %q: want it to say no user is listed, naming none", err)
	}
}

// TestCreateConflictUnshownAnswerWithUnusableIDHoldsNothing: the one user
// answered has an id wbsync cannot write to (a path segment): it is not
// named as the account, and no id is given to hold.
func TestCreateConflictUnshownAnswerWithUnusableIDHoldsNothing(t *testing.T) {
	c := unshownServer(t, zedUsers("zed@example.com", ".."), secondaryOfZed)
	_, err := c.CreateUser(context.Background(), model.User{UserName: "zed.home@gmail.com", Active: true})
	var e *Error
	if err == nil || !errors.As(err, &e) || e.ExistingID() != "" || strings.Contains(err.Error(), "answers user") {
		t.Errorf("err %v: want a failure that names and holds no account", err)
	}
}

// TestCreateConflictUnshownAnswerRedacted: the answered user's email holds
// the API key: the failure shows it redacted.
func TestCreateConflictUnshownAnswerRedacted(t *testing.T) {
	c := unshownServer(t, zedUsers(url.PathEscape(testKey)+"@example.com", "zed-id"), secondaryOfZed)
	_, err := c.CreateUser(context.Background(), model.User{UserName: "zed.home@gmail.com", Active: true})
	if err == nil || !strings.Contains(err.Error(), "answers user") {
		t.Fatalf("err %v: want the answered user named", err)
	}
	if strings.Contains(err.Error(), testKey[:12]) {
		t.Errorf("err %q shows the key", err)
	}
}

// TestCreateConflictFilterIgnoredOneUserHoldsNoAccount: a server that
// ignores the filter, in an organization of one user, answers both
// look-ups with that user: that is no user found by an email its record
// does not show, and none is named or held; on Multi-tenant Cloud the
// advice for a handle taken outside the organization stays.
func TestCreateConflictFilterIgnoredOneUserHoldsNoAccount(t *testing.T) {
	f, srv := newFake(t)
	f.users = zedUsers("zed@example.com", "zed-id")[:1]
	f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method == http.MethodPost {
			scimErr(w, http.StatusConflict, "exists")
			return true
		}
		q := r.URL.Query()
		q.Del("filter") // ignored: the whole organization
		r.URL.RawQuery = q.Encode()
		return false
	}
	c := testClient(t, srv.URL, func(c *Config) { c.Deployment = model.SaaS })
	_, err := c.CreateUser(context.Background(), model.User{UserName: "newbie", Emails: []string{"newbie@example.com"}, Email: "newbie@example.com", Active: true})
	var e *Error
	if err == nil || !errors.As(err, &e) || e.ExistingID() != "" || strings.Contains(err.Error(), "answers user") ||
		!strings.Contains(err.Error(), "user names are global") {
		t.Fatalf("err %v: want no account named or held, and the handle advice", err)
	}
}
