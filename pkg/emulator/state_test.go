package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap/zaptest"

	"github.com/wbsync/wbsync/pkg/caps"
)

func TestParseStateDefaults(t *testing.T) {
	st, err := ParseState(strings.NewReader(seedBasic))
	if err != nil {
		t.Fatal(err)
	}
	want := &State{
		Users: []StateUser{
			{UserName: "alice@example.com", Email: "alice@example.com", DisplayName: "Alice", Active: true, OrganizationRole: "admin"},
			{UserName: "bob@example.com", Email: "bob@example.com", DisplayName: "Bob", Active: true, OrganizationRole: "member"},
			{UserName: "carol@example.com", Email: "carol@example.com", Active: false, OrganizationRole: "member"},
			{UserName: "dan@example.com", Email: "dan@corp.example.com", ExternalID: "00u-dan", Active: true, OrganizationRole: "member"},
		},
		Teams: []StateTeam{
			{Name: "ml-research", Members: []StateMember{{"alice@example.com", "admin"}, {"bob@example.com", "member"}}},
			{Name: "platform", Members: []StateMember{{"dan@example.com", "member"}}},
			{Name: "data-eng", Members: []StateMember{{"bob@example.com", "member"}}},
			{Name: "data-eng", Members: []StateMember{}},
		},
	}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("parsed state (-want +got):\n%s", diff)
	}
}

func TestParseStateErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"unknown top-level field", `{"users":[],"teams":[],"groups":[]}`, `line 1, column 24: json: unknown field "groups"`},
		{"an array", `[{"userName":"a@x.io"}]`, "a seed is a JSON object"},
		{"unknown user field", "{\"users\":[{\"userName\":\"a@x.io\",\n  \"mail\" :\"a\"}]}", `line 2, column 3: json: unknown field "mail"`},
		{"unknown member field", `{"users":[{"userName":"a@x.io"}],"teams":[{"name":"t","members":[{"userName":"a@x.io","rol":"admin"}]}]}`, `unknown field "rol"`},
		{"unknown member", `{"users":[{"userName":"a@x.io"}],"teams":[{"name":"t","members":["b@x.io"]}]}`, `member "b@x.io" is not a seeded user`},
		{"duplicate userName", `{"users":[{"userName":"a@x.io"},{"userName":"A@x.io"}]}`, `duplicate userName "A@x.io"`},
		{"missing userName", `{"users":[{"displayName":"A"}]}`, "userName is required"},
		{"missing team name", `{"teams":[{"members":[]}]}`, "name is required"},
		{"bad org role", `{"users":[{"userName":"a@x.io","organizationRole":"owner"}]}`, `organizationRole "owner": want admin, member or viewer`},
		{"duplicate id", `{"users":[{"id":"X","userName":"a@x.io"}],"teams":[{"id":"X","name":"t","members":[]}]}`, `id "X" already used`},
		{"member twice", `{"users":[{"userName":"a@x.io"}],"teams":[{"name":"t","members":["a@x.io","A@x.io"]}]}`, "listed twice"},
		{"trailing data", `{"users":[]} {}`, "after the JSON value"},
		{"not JSON", `users: []`, "line 1, column 1: invalid character"},
		{"syntax", "{\"users\":[\n{\"userName\": \"b@x.io\",}]}", "line 2, column 23: invalid character '}'"},
		{"wrong type", "{\n \"users\":{}}", "parse state: line 2, column 10: users holds a JSON object where a seed holds a list of objects"},
		{"wrong field type", `{"users": [{"userName": "a@example.com", "active": "yes"}]}`, "users.active holds a JSON string where a seed holds true or false"},
		// SCIM's form of emails: a seed lists the addresses alone.
		{"emails as SCIM writes them", `{"users": [{"userName": "a@example.com", "emails": [{"value": "a@example.com", "primary": true}]}]}`, "users.emails holds a JSON object where a seed holds a string"},
		{"emails as one string", `{"users": [{"userName": "a@example.com", "emails": "a@example.com"}]}`, "users.emails holds a JSON string where a seed holds a list of strings"},
		{"a role as a string", `{"roles": ["Reviewer"]}`, "roles holds a JSON string where a seed holds an object"},
		{"a number as a name", `{"teams": [{"name": 7, "members": []}]}`, "teams.name holds a JSON number where a seed holds a string"},
		{"cut off", `{"users": [{"userName": "a@ex`, "parse state: the file ends inside a JSON value (cut off?)"},
		{"a date as a number", `{"users": [{"userName": "a@x.io", "created": 5}]}`, "parse state: created holds a JSON value that is not a string where a seed holds an RFC 3339 date string"},
		{"empty", " \n", "parse state: the file is empty"},
		{"bad date", "{\"users\": [{\"userName\": \"a@x.io\",\n \"created\": \"yesterday\"}]}", `line 2, column 13: created "yesterday" is not an RFC 3339 date`},
		// The first holder of an id is the one named, however many follow.
		{"id thrice", `{"users":[{"id":"X","userName":"a@x.io"},{"id":"X","userName":"b@x.io"},{"id":"X","userName":"c@x.io"}]}`, `users[2]: id "X" already used by users[0]`},
		// Written as a key elsewhere too ("email" is a user's): not placed.
		{"unknown member key", "{\"users\":[{\"userName\":\"a@x.io\",\"email\":\"a@x.io\"}],\n\"teams\":[{\"name\":\"t\",\"members\":[{\"email\":\"a@x.io\"}]}]}", `parse state: json: unknown field "email"`},
		// A name written as a value before it is written as a key.
		{"key after value", "{\"users\":[{\"userName\":\"bogus\"},\n {\"userName\":\"b@x.io\", \"bogus\": 1}]}", `line 2, column 24: json: unknown field "bogus"`},
		// A type error inside a team member (decoded on its own) has an
		// offset from the member, not from the file: no place is given.
		{"member of a wrong type", "{\"users\":[{\"userName\":\"a@x.io\"},\n{\"userName\":\"b@x.io\"}],\n\"teams\":[{\"name\":\"t\",\"members\":[\"a@x.io\",\n 42]}]}", "parse state: teams.members holds a JSON number"},
		{"member role of a wrong type", "{\"users\":[{\"userName\":\"a@x.io\"},\n{\"userName\":\"b@x.io\"}],\n\"teams\":[{\"name\":\"t\",\"members\":[\"a@x.io\",\n {\"userName\":\"b@x.io\",\"role\":7}]}]}", "parse state: teams.members.role holds a JSON number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseState(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	// A byte-order mark before the object is dropped, as JSON parsers may.
	if st, err := ParseState(strings.NewReader("\xef\xbb\xbf{\"users\":[{\"userName\":\"a@x.io\"}]}")); err != nil || len(st.Users) != 1 {
		t.Errorf("seed with a byte-order mark: %v", err)
	}
	// Every problem is reported at once.
	_, err := ParseState(strings.NewReader(`{"users":[{"userName":""},{"userName":"a@x.io","organizationRole":"x"}],
		"teams":[{"name":"t","members":["nobody@x.io"]}]}`))
	if err == nil || strings.Count(err.Error(), "\n") != 2 {
		t.Errorf("want three errors, got %v", err)
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	e := start(t, Options{ServiceAccounts: 1}, seedBasic)
	e.do("POST", "/Groups", map[string]any{"displayName": "vision", "members": members("carol@example.com")}).want(t, 201)
	snap := e.srv.Snapshot()
	var names []string
	for _, u := range snap.Users {
		names = append(names, u.UserName)
		if u.ID == "" {
			t.Errorf("snapshot user %s without id", u.UserName)
		}
	}
	if diff := cmp.Diff([]string{"alice@example.com", "bob@example.com", "carol@example.com", "dan@example.com"}, names); diff != "" {
		t.Errorf("users sorted (-want +got):\n%s", diff)
	}
	if snap.Teams[4].Name != "vision" || len(snap.Teams[4].Members) != 1 {
		t.Errorf("snapshot leaves out service accounts: %+v", snap.Teams[4])
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(snap); err != nil {
		t.Fatal(err)
	}
	again, err := ParseState(&buf)
	if err != nil {
		t.Fatalf("a snapshot must parse as a seed: %v", err)
	}
	srv, err := New(Options{}, again, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(snap, srv.Snapshot()); diff != "" {
		t.Errorf("seeding a snapshot gives it back (-want +got):\n%s", diff)
	}
}

func TestExampleStateLoads(t *testing.T) {
	f, err := os.Open("../../examples/emulator-state.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := ParseState(f)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Options{}, st, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if snap := srv.Snapshot(); len(snap.Users) != len(st.Users) || len(snap.Teams) != len(st.Teams) {
		t.Errorf("snapshot has %d users, %d teams", len(snap.Users), len(snap.Teams))
	}
}

// TestParseStateErrorsCapped: a seed with thousands of problems lists the
// first caps.Problems and counts the rest, as a manifest's do.
func TestParseStateErrorsCapped(t *testing.T) {
	var users []string
	for i := 0; i < 500; i++ {
		users = append(users, fmt.Sprintf(`{"userName": "%s@example.com"}`, strings.Repeat("A", i%3+1)+"x"))
		users = append(users, fmt.Sprintf(`{"userName": "%s@example.com"}`, strings.ToLower(strings.Repeat("A", i%3+1))+"x"))
	}
	_, err := ParseState(strings.NewReader(`{"users": [` + strings.Join(users, ",") + `]}`))
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != caps.Problems+1 || !strings.HasSuffix(lines[len(lines)-1], " more problem(s)") {
		t.Fatalf("%d lines, the last %q; want %d and a count", len(lines), lines[len(lines)-1], caps.Problems+1)
	}
}

// A seed may hold the deprecated org role viewer, served as it is.
func TestSeedViewerRole(t *testing.T) {
	st, err := ParseState(strings.NewReader(`{"users":[{"userName":"a","email":"a@x.io","organizationRole":"viewer"}]}`))
	if err != nil || len(st.Users) != 1 || st.Users[0].OrganizationRole != "viewer" {
		t.Fatalf("%+v, %v", st, err)
	}
}

// A member of the wrong kind names no single kind: a member is a userName
// or an object.
func TestSeedMemberWrongKind(t *testing.T) {
	_, err := ParseState(strings.NewReader(`{"users":[{"userName":"a"}],"teams":[{"name":"t","members":[5]}]}`))
	if err == nil || !strings.Contains(err.Error(), "teams.members holds a JSON number, which is not what a seed holds there") {
		t.Fatalf("err = %v", err)
	}
}
