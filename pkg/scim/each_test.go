package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// eachUsers reads with EachUser and returns the users handed over, in
// the order of mkUsers, and how many calls overlapped.
func eachUsers(t *testing.T, c *Client) ([]User, int32, error) {
	t.Helper()
	var (
		got         []User
		in, overlap atomic.Int32
	)
	err := c.EachUser(context.Background(), func(users []User) error {
		if in.Add(1) > 1 {
			overlap.Add(1)
		}
		defer in.Add(-1)
		got = append(got, users...)
		return nil
	})
	pos := map[string]int{}
	for i, u := range mkUsers(len(got)) {
		pos[u["id"].(string)] = i
	}
	slices.SortFunc(got, func(a, b User) int { return pos[a.ID] - pos[b.ID] })
	return got, overlap.Load(), err
}

// TestEachUserHandsEveryUserOnce: on every paging case ListUsers reads,
// EachUser hands over the same users, each once, one call at a time.
func TestEachUserHandsEveryUserOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*fake)
	}{
		{"pages", func(*fake) {}},
		{"ignores count", func(f *fake) { f.ignoreCount = true }},
		{"page cap below count", func(f *fake) { f.pageCap = 30 }},
		{"one short page is refilled", func(f *fake) { f.shortAt, f.shortN = 101, 40 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.users = mkUsers(250)
			tc.set(f)
			c := testClient(t, srv.URL, func(c *Config) { c.PageSize = 100; c.Concurrency = 8 })
			got, overlap, err := eachUsers(t, c)
			if err != nil {
				t.Fatal(err)
			}
			if overlap != 0 {
				t.Fatalf("%d calls overlapped", overlap)
			}
			wantAll(t, got, 250)
			if !strings.Contains(c.who(got[7].ID), got[7].UserName) {
				t.Fatalf("userName not remembered: %s", c.who(got[7].ID))
			}
		})
	}
}

// TestEachUserFailsClosed: what fails ListUsers fails EachUser, and an
// error from fn ends the read with it.
func TestEachUserFailsClosed(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*fake)
		want string
	}{
		{"past the end answers page 1", func(f *fake) { f.totalDelta = 50; f.pastEndFirst = true }, "came back at positions"},
		{"short of totalResults", func(f *fake) { f.totalDelta = 10 }, "missing positions 251-260"},
		{"malformed user", func(f *fake) { delete(f.users[149], "userName") }, "the user at position 150"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.users = mkUsers(250)
			tc.set(f)
			_, _, err := eachUsers(t, testClient(t, srv.URL))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	f, srv := newFake(t)
	f.users = mkUsers(250)
	stop := context.Canceled
	err := testClient(t, srv.URL).EachUser(context.Background(), func([]User) error { return stop })
	if err != stop {
		t.Fatalf("err = %v, want fn's", err)
	}
}

// TestEachGroupHandsEveryGroup: groups are handed over like users, their
// names remembered.
func TestEachGroupHandsEveryGroup(t *testing.T) {
	f, srv := newFake(t)
	for i := range 30 {
		f.groups = append(f.groups, map[string]any{"id": fmt.Sprint("g", i), "displayName": fmt.Sprint("team-", i)})
	}
	c := testClient(t, srv.URL, func(c *Config) { c.PageSize = 7 })
	want, err := c.ListGroups(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []Group
	if err := c.EachGroup(context.Background(), func(gs []Group) error { got = append(got, gs...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 30 || len(want) != 30 {
		t.Fatalf("%d groups handed, %d listed", len(got), len(want))
	}
	if !strings.Contains(c.team("g17"), "team-17") {
		t.Fatalf("team name not remembered: %s", c.team("g17"))
	}
}

// TestBrokenJSONHintsAtTheURL: a list body that stops being JSON outside
// its records is a decode error with the base-URL hint, as a body that is
// no list; one whose record is broken is a SCIM list, which a wrong URL
// does not answer: no hint, the record named.
func TestBrokenJSONHintsAtTheURL(t *testing.T) {
	for body, hint := range map[string]bool{
		`{"totalResults":1,"Resources":[]}}`:                           true,
		`{"totalResults":2,"Resources":[{"id":"a","userName":"b"} x]}`: false,
		`{"totalResults":1,"Resources":[{"id":tru}]}`:                  false,
		`{"totalResults":1,"Resources":[{"id":"a","userName":"b\q"}]}`: false,
	} {
		f, srv := newFake(t)
		f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
			w.Header().Set("Content-Type", "application/scim+json")
			_, _ = w.Write([]byte(body))
			return true
		}
		_, err := testClient(t, srv.URL).ListUsers(context.Background())
		var e *Error
		if !errors.As(err, &e) || (e.Hint == hintBaseURL) != hint || !hint && !strings.Contains(err.Error(), "the user at position") {
			t.Errorf("%s: err = %v (hint %q), want the base-URL hint: %v", body, err, e.Hint, hint)
		}
	}
}
