package apply

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/wbsync/wbsync/pkg/model"
)

// call is one request the fake Writer received.
type call struct {
	Method string   // Writer method name
	ID     string   // user id (user methods, RemoveMember) or team id (AddMembers)
	Team   string   // team id (RemoveMember) or team name (CreateTeam, SetTeamRole)
	User   string   // userName (CreateUser, UpdateUser)
	Email  string   // email (CreateUser, UpdateUser)
	IDs    []string // AddMembers
	Arg    string   // role, or "true"/"false" for SetActive
}

// fakeWriter is an in-memory Writer that records every call. Created ids
// are "u-"+lower(userName) and "t-"+lower(name). fail, when set, may return
// an error for a call (consulted after hook); hook, when set, runs first
// (to block, or to cancel a context) and its error, if any, is the call's.
type fakeWriter struct {
	mu    sync.Mutex
	calls []call
	fail  func(c call) error
	hook  func(ctx context.Context, c call) error
}

func (f *fakeWriter) do(ctx context.Context, c call) error {
	c.IDs = slices.Clone(c.IDs)
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	if f.hook != nil {
		if err := f.hook(ctx, c); err != nil {
			return err
		}
	}
	if f.fail != nil {
		return f.fail(c)
	}
	return nil
}

func (f *fakeWriter) CreateUser(ctx context.Context, u model.User) (string, error) {
	if err := f.do(ctx, call{Method: "CreateUser", User: u.UserName, Email: u.Email, Arg: u.DisplayName + "|" + u.ExternalID}); err != nil {
		return "", err
	}
	return "u-" + model.Key(u.UserName), nil
}

func (f *fakeWriter) CreateTeam(ctx context.Context, name string) (string, error) {
	if err := f.do(ctx, call{Method: "CreateTeam", Team: name}); err != nil {
		return "", err
	}
	return "t-" + model.Key(name), nil
}

func (f *fakeWriter) UpdateUser(ctx context.Context, id string, u model.User) error {
	return f.do(ctx, call{Method: "UpdateUser", ID: id, User: u.UserName, Email: u.Email, Arg: u.DisplayName + "|" + u.ExternalID})
}

func (f *fakeWriter) SetActive(ctx context.Context, id string, active bool) error {
	return f.do(ctx, call{Method: "SetActive", ID: id, Arg: fmt.Sprint(active)})
}

func (f *fakeWriter) SetOrgRole(ctx context.Context, id string, role model.Role) error {
	return f.do(ctx, call{Method: "SetOrgRole", ID: id, Arg: string(role)})
}

func (f *fakeWriter) SetTeamRole(ctx context.Context, id, team string, role model.Role) error {
	return f.do(ctx, call{Method: "SetTeamRole", ID: id, Team: team, Arg: string(role)})
}

func (f *fakeWriter) AddMembers(ctx context.Context, teamID string, userIDs []string) error {
	return f.do(ctx, call{Method: "AddMembers", ID: teamID, IDs: userIDs})
}

func (f *fakeWriter) RemoveMember(ctx context.Context, teamID, userID string) error {
	return f.do(ctx, call{Method: "RemoveMember", ID: userID, Team: teamID})
}

// recorded returns a copy of the calls so far.
func (f *fakeWriter) recorded() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// methods returns the recorded calls' method names.
func (f *fakeWriter) methods() []string {
	var out []string
	for _, c := range f.recorded() {
		out = append(out, c.Method)
	}
	return out
}

// count returns how many calls of method were made.
func (f *fakeWriter) count(method string) int {
	n := 0
	for _, c := range f.recorded() {
		if c.Method == method {
			n++
		}
	}
	return n
}

// httpError is a StatusError, like *scim.Error.
type httpError struct {
	status int
	detail string
}

func (e *httpError) Error() string {
	return fmt.Sprintf("PATCH /Groups: %d %s: %s", e.status, http.StatusText(e.status), e.detail)
}
func (e *httpError) HTTPStatus() int    { return e.status }
func (e *httpError) SCIMDetail() string { return e.detail }

var _ StatusError = (*httpError)(nil)

// unknownError is a Writer error that knows the request may have reached
// the server, like *scim.Error after a lost response.
type unknownError struct{ unknown bool }

func (e *unknownError) Error() string {
	return "POST /Users: connection reset after the request was sent"
}
func (e *unknownError) OutcomeUnknown() bool { return e.unknown }

var _ Writer = (*fakeWriter)(nil)

// wrapped wraps err the way a caller adding context would.
func wrapped(err error) error { return fmt.Errorf("scim: %w", err) }

// has reports whether ids contains id.
func has(ids []string, id string) bool { return slices.Contains(ids, id) }

// lines splits text into non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// addsFail is a fakeWriter whose every AddMembers fails with err.
func addsFail(err error) *fakeWriter {
	return failing("AddMembers", err)
}

// createsFail is a fakeWriter whose every user create fails with err.
func createsFail(err error) *fakeWriter { return failing("CreateUser", err) }

// failing is a fakeWriter whose every call of method fails with err.
func failing(method string, err error) *fakeWriter {
	return &fakeWriter{fail: func(c call) error {
		if c.Method == method {
			return err
		}
		return nil
	}}
}
