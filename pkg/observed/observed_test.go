package observed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/bug"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/scim"
)

// testKey is a realistic API key: the client redacts it from every
// message, so a one-letter key would mangle them.
const testKey = "wbk-observed-0123456789abcdefABCDEF"

type fakeLister struct {
	users    []scim.User
	groups   []scim.Group
	usersErr error
	groupErr error
	// rendezvous, when set, makes each call wait until both calls are in
	// flight (closed by the second arrival).
	rendezvous chan struct{}
	arrived    atomic.Int32
	timedOut   atomic.Bool
}

func (f *fakeLister) enter(ctx context.Context) {
	if f.rendezvous == nil {
		return
	}
	if f.arrived.Add(1) == 2 {
		close(f.rendezvous)
	}
	select {
	case <-f.rendezvous:
	case <-time.After(10 * time.Second): // a sequential Fetch never gets here twice at once
		f.timedOut.Store(true)
	case <-ctx.Done():
	}
}

func (f *fakeLister) ListUsers(ctx context.Context) ([]scim.User, error) {
	f.enter(ctx)
	return append([]scim.User(nil), f.users...), f.usersErr
}

func (f *fakeLister) ListGroups(ctx context.Context) ([]scim.Group, error) {
	f.enter(ctx)
	return append([]scim.Group(nil), f.groups...), f.groupErr
}

func sample() ([]scim.User, []scim.Group) {
	users := []scim.User{
		{ID: "u2", UserName: "bob@example.com", DisplayName: "Bob", Active: true,
			Emails:           []scim.Email{{Value: "bob.other@example.com"}, {Value: "bob@example.com", Primary: true}},
			OrganizationRole: "Admin", ETag: `W/"2"`, LastModified: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
			TeamRoles: []scim.TeamRole{{TeamName: "ml", RoleName: "ADMIN"}, {TeamName: "infra", RoleName: "custom-Role"}}},
		{ID: "u1", UserName: "Alice@example.com", ExternalID: "ext-1", Active: false,
			Emails: []scim.Email{{Value: "alice@example.com"}}, Created: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)},
	}
	groups := []scim.Group{
		{ID: "g2", DisplayName: "ml", ETag: `W/"g"`, Members: []scim.GroupMember{
			{Value: "u2", Display: "bob"}, {Value: "sa-1", Display: "ci-bot"}, {Value: "u1", Display: "alice"}}},
		{ID: "g1", DisplayName: "infra", Members: []scim.GroupMember{{Value: "u2"}}},
		{ID: "g0", DisplayName: "ml"},
	}
	return users, groups
}

func TestFetchResolvesMembersAndSorts(t *testing.T) {
	users, groups := sample()
	st, fp, err := Fetch(context.Background(), &fakeLister{users: users, groups: groups})
	if err != nil {
		t.Fatal(err)
	}
	want := model.State{
		Users: []model.User{
			{ID: "u1", UserName: "Alice@example.com", Email: "alice@example.com", Emails: []string{"alice@example.com"},
				ExternalID: "ext-1", Active: false, Created: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)},
			{ID: "u2", UserName: "bob@example.com", Email: "bob@example.com", Emails: []string{"bob@example.com", "bob.other@example.com"},
				DisplayName: "Bob", OrgRole: "admin", LastModified: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
				Active: true, ETag: `W/"2"`, TeamRoles: map[string]model.Role{"ml": "admin", "infra": "custom-Role"}},
		},
		Teams: []model.Team{
			{ID: "g1", Name: "infra", Members: []model.Member{{UserID: "u2", Email: "bob@example.com", Role: "custom-Role"}}},
			{ID: "g0", Name: "ml", Members: []model.Member{}},
			{ID: "g2", Name: "ml", ETag: `W/"g"`, Members: []model.Member{
				{UserID: "sa-1", Display: "ci-bot"}, // unresolved: a service account
				{UserID: "u1", Email: "Alice@example.com", Display: "alice"},
				{UserID: "u2", Email: "bob@example.com", Display: "bob", Role: "admin"},
			}},
		},
	}
	checkHints(t, st)
	if d := cmp.Diff(want, st, ignoreHints); d != "" {
		t.Fatalf("state (-want +got):\n%s", d)
	}
	if !strings.HasPrefix(fp, "sha256:") || len(fp) != len("sha256:")+64 {
		t.Fatalf("fingerprint %q", fp)
	}
}

func TestFetchReadsConcurrently(t *testing.T) {
	users, groups := sample()
	f := &fakeLister{users: users, groups: groups, rendezvous: make(chan struct{})}
	if _, _, err := Fetch(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	if f.timedOut.Load() {
		t.Fatal("ListUsers and ListGroups did not run at the same time")
	}
}

func TestFingerprintIndependentOfOrderAndETags(t *testing.T) {
	users, groups := sample()
	_, fp1, err := Fetch(context.Background(), &fakeLister{users: users, groups: groups})
	if err != nil {
		t.Fatal(err)
	}
	// Reverse every list, change ETags: same fingerprint.
	u2, g2 := sample()
	for i, j := 0, len(u2)-1; i < j; i, j = i+1, j-1 {
		u2[i], u2[j] = u2[j], u2[i]
	}
	for i, j := 0, len(g2)-1; i < j; i, j = i+1, j-1 {
		g2[i], g2[j] = g2[j], g2[i]
	}
	g2[2].Members = []scim.GroupMember{g2[2].Members[2], g2[2].Members[0], g2[2].Members[1]}
	u2[0].ETag, g2[2].ETag = "other", "other"
	_, fp2, err := Fetch(context.Background(), &fakeLister{users: u2, groups: g2})
	if err != nil {
		t.Fatal(err)
	}
	if fp1 != fp2 {
		t.Fatalf("fingerprint depends on order or ETags: %s vs %s", fp1, fp2)
	}
	// A relevant change moves it.
	u3, g3 := sample()
	u3[1].Active = true
	_, fp3, err := Fetch(context.Background(), &fakeLister{users: u3, groups: g3})
	if err != nil {
		t.Fatal(err)
	}
	if fp3 == fp1 {
		t.Fatal("fingerprint did not change with active")
	}
	u4, g4 := sample()
	g4[1].Members = nil
	_, fp4, _ := Fetch(context.Background(), &fakeLister{users: u4, groups: g4})
	if fp4 == fp1 {
		t.Fatal("fingerprint did not change with membership")
	}
}

func TestFetchFailingReadIsAnError(t *testing.T) {
	users, groups := sample()
	boom := errors.New("list groups: 503")
	for name, f := range map[string]*fakeLister{
		"users":  {users: users, groups: groups, usersErr: boom},
		"groups": {users: users, groups: groups, groupErr: boom},
	} {
		t.Run(name, func(t *testing.T) {
			st, fp, err := Fetch(context.Background(), f)
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v, want %v", err, boom)
			}
			if st.Users != nil || st.Teams != nil || fp != "" {
				t.Fatalf("a failed read returned a state: %+v %q", st, fp)
			}
		})
	}
}

func TestFetchDuplicateUserIDIsAnError(t *testing.T) {
	users := []scim.User{{ID: "u1", UserName: "a@x"}, {ID: "u1", UserName: "b@x"}}
	if _, _, err := Fetch(context.Background(), &fakeLister{users: users}); err == nil {
		t.Fatal("duplicate ids accepted")
	}
}

func TestFetchEmptyOrg(t *testing.T) {
	st, fp, err := Fetch(context.Background(), &fakeLister{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Users == nil || st.Teams == nil || len(st.Users)+len(st.Teams) != 0 {
		t.Fatalf("empty org: %+v", st)
	}
	if fp == "" {
		t.Fatal("no fingerprint")
	}
}

func TestNoTeamRolesIsNil(t *testing.T) {
	st, err := Build([]scim.User{{ID: "u", UserName: "u@x", TeamRoles: []scim.TeamRole{}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Users[0].TeamRoles != nil {
		t.Fatalf("TeamRoles = %#v, want nil", st.Users[0].TeamRoles)
	}
}

// TestTwoRolesForOneTeamUnknown: a user whose teamRoles give one team name
// two roles (two teams sharing the name, or a server contradicting itself)
// has no known role there, in whatever order they come: never the higher
// one taken for granted; the name stays named, and one role given twice
// is that role.
func TestTwoRolesForOneTeamUnknown(t *testing.T) {
	tr := func(roles ...string) []scim.TeamRole {
		var out []scim.TeamRole
		for _, r := range roles {
			out = append(out, scim.TeamRole{TeamName: "base", RoleName: r})
		}
		return out
	}
	for _, tc := range []struct {
		roles []string
		want  model.Role
	}{
		{[]string{"admin", "member"}, ""},
		{[]string{"member", "admin"}, ""},
		{[]string{"viewer", "admin", "viewer"}, ""},
		{[]string{"admin", "ADMIN"}, "admin"},
		{[]string{"admin"}, "admin"},
	} {
		users := []scim.User{{ID: "u", UserName: "u@x", Active: true, TeamRoles: tr(tc.roles...)}}
		st, err := Build(users, []scim.Group{{ID: "g", DisplayName: "base", Members: []scim.GroupMember{{Value: "u"}}}})
		if err != nil {
			t.Fatal(err)
		}
		got, named := st.Users[0].TeamRoles["base"]
		if !named || got != tc.want || st.Teams[0].Members[0].Role != tc.want {
			t.Errorf("roles %v: user's %q (named %v), member's %q; want %q", tc.roles, got, named, st.Teams[0].Members[0].Role, tc.want)
		}
	}
}

// TestFingerprintCoversEmails: every email counts; dates do not.
func TestFingerprintCoversEmails(t *testing.T) {
	users, groups := sample()
	_, fp1, err := Fetch(context.Background(), &fakeLister{users: users, groups: groups})
	if err != nil {
		t.Fatal(err)
	}
	u2, g2 := sample()
	u2[0].Emails[0].Value = "bob.third@example.com" // not the primary
	_, fp2, _ := Fetch(context.Background(), &fakeLister{users: u2, groups: g2})
	if fp2 == fp1 {
		t.Fatal("fingerprint did not change with a secondary email")
	}
	u3, g3 := sample()
	u3[0].Created, u3[0].LastModified = time.Now(), time.Now()
	_, fp3, _ := Fetch(context.Background(), &fakeLister{users: u3, groups: g3})
	if fp3 != fp1 {
		t.Fatal("fingerprint changed with dates")
	}
}

// TestBuildLeavesItsArguments: Build reads its arguments and changes
// nothing in them (Fetch, which owns what it read, releases it as it goes).
func TestBuildLeavesItsArguments(t *testing.T) {
	users, groups := sample()
	u0, g0 := sample()
	if _, err := Build(users, groups); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(u0, users); d != "" {
		t.Fatalf("users changed (-before +after):\n%s", d)
	}
	if d := cmp.Diff(g0, groups); d != "" {
		t.Fatalf("groups changed (-before +after):\n%s", d)
	}
}

// TestMembersListedTwiceKeptOnce: a member id listed twice in a group is
// one member, its first entry.
func TestMembersListedTwiceKeptOnce(t *testing.T) {
	users := []scim.User{{ID: "u1", UserName: "a@x"}}
	groups := []scim.Group{{ID: "g", DisplayName: "t", Members: []scim.GroupMember{
		{Value: "sa", Display: "bot"}, {Value: "u1", Display: "first"}, {Value: "sa", Display: "bot2"}, {Value: "u1", Display: "second"}}}}
	st, err := Build(users, groups)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Member{{UserID: "sa", Display: "bot"}, {UserID: "u1", Email: "a@x", Display: "first"}}
	checkHints(t, st)
	if d := cmp.Diff(want, st.Teams[0].Members, ignoreHints); d != "" {
		t.Fatalf("members (-want +got):\n%s", d)
	}
}

// TestMembersByEmailResolved: W&B takes a member value as a user id or an
// email, so a member listed by a user's email or userName (any case) is
// that user, when exactly one user has it; a value two users share, or
// that no user has, stays unresolved.
func TestMembersByEmailResolved(t *testing.T) {
	users := []scim.User{
		{ID: "u1", UserName: "alice", Emails: []scim.Email{{Value: "alice@x.com", Primary: true}}},
		{ID: "u2", UserName: "bob@x.com"},
		{ID: "u3", UserName: "shared@x.com"},
		{ID: "u4", UserName: "carol", Emails: []scim.Email{{Value: "shared@x.com", Primary: true}}},
	}
	groups := []scim.Group{{ID: "g", DisplayName: "t", Members: []scim.GroupMember{
		{Value: "Alice@X.com"}, {Value: "bob@x.com"}, {Value: "u1"}, {Value: "shared@x.com"}, {Value: "sa-1"}}}}
	st, err := Build(users, groups)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range st.Teams[0].Members {
		got = append(got, m.UserID+"="+m.Email)
	}
	want := []string{"u1=alice", "u2=bob@x.com", "sa-1=", "shared@x.com="}
	slices.Sort(got)
	slices.Sort(want)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("members (-want +got):\n%s", d)
	}
}

// TestMembersByEmailManyTeams: teams are built in parallel, and members
// listed by email resolve alike in every one of them (the name index is
// built once; go test -race catches a shared build).
func TestMembersByEmailManyTeams(t *testing.T) {
	var users []scim.User
	for i := range 50 {
		users = append(users, scim.User{ID: fmt.Sprintf("u%d", i), UserName: fmt.Sprintf("user%d@x.com", i)})
	}
	var groups []scim.Group
	for g := range 300 {
		var ms []scim.GroupMember
		for i := range 5 {
			ms = append(ms, scim.GroupMember{Value: fmt.Sprintf("USER%d@x.com", (g+i)%50)})
		}
		groups = append(groups, scim.Group{ID: fmt.Sprintf("g%d", g), DisplayName: fmt.Sprintf("t%03d", g), Members: ms})
	}
	st, err := Build(users, groups)
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range st.Teams {
		for _, m := range tm.Members {
			if m.Email == "" || !strings.HasPrefix(m.UserID, "u") {
				t.Fatalf("team %s: member %+v unresolved", tm.Name, m)
			}
		}
	}
}

// TestSharedNameRoles: W&B reports team roles by team name, so a user in
// two teams of one name has no known role in either; a user in one of
// them keeps its role; a role found only ignoring case is kept only when
// the user is in one team of that name.
func TestSharedNameRoles(t *testing.T) {
	users := []scim.User{
		{ID: "a", UserName: "a@x", TeamRoles: []scim.TeamRole{{TeamName: "ml", RoleName: "admin"}}},
		{ID: "b", UserName: "b@x", TeamRoles: []scim.TeamRole{{TeamName: "ml", RoleName: "viewer"}}},
		{ID: "c", UserName: "c@x", TeamRoles: []scim.TeamRole{{TeamName: "data", RoleName: "admin"}}},
		{ID: "d", UserName: "d@x", TeamRoles: []scim.TeamRole{{TeamName: "DATA", RoleName: "viewer"}}},
	}
	groups := []scim.Group{
		{ID: "g1", DisplayName: "ml", Members: []scim.GroupMember{{Value: "a"}, {Value: "b"}}},
		{ID: "g2", DisplayName: "ml", Members: []scim.GroupMember{{Value: "a"}}},
		{ID: "g3", DisplayName: "Data", Members: []scim.GroupMember{{Value: "c"}, {Value: "d"}}},
		{ID: "g4", DisplayName: "data", Members: []scim.GroupMember{{Value: "c"}, {Value: "d"}}},
	}
	st, err := Build(users, groups)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]model.Role{}
	for _, tm := range st.Teams {
		for _, m := range tm.Members {
			got[tm.ID+"/"+m.UserID] = m.Role
		}
	}
	want := map[string]model.Role{
		"g1/a": "", "g2/a": "", // a is in both ml teams
		"g1/b": "viewer",            // b is in one
		"g3/c": "", "g4/c": "admin", // exact for data; Data only ignoring case, and c is in both
		"g3/d": "", "g4/d": "", // DATA matches neither exactly
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("member roles (-want +got):\n%s", d)
	}
}

// TestUnorderedAttributes: multi-valued attributes are unordered (RFC 7643
// §2.4): secondary emails and team roles listed in another order (two
// teams sharing a name, with different roles) give the same state and
// fingerprint.
func TestUnorderedAttributes(t *testing.T) {
	user := func(emails []string, roles []scim.TeamRole) []scim.User {
		u := scim.User{ID: "u1", UserName: "alice", Active: true, TeamRoles: roles,
			Emails: []scim.Email{{Value: "alice@x.com", Primary: true}}}
		for _, e := range emails {
			u.Emails = append(u.Emails, scim.Email{Value: e})
		}
		return []scim.User{u}
	}
	groups := []scim.Group{
		{ID: "g1", DisplayName: "dup", Members: []scim.GroupMember{{Value: "u1"}}},
		{ID: "g2", DisplayName: "dup", Members: []scim.GroupMember{{Value: "u1"}}},
	}
	st1, fp1, err := Fetch(context.Background(), &fakeLister{groups: groups, users: user(
		[]string{"a2@x.com", "a3@x.com"},
		[]scim.TeamRole{{TeamName: "dup", RoleName: "admin"}, {TeamName: "dup", RoleName: "viewer"}})})
	if err != nil {
		t.Fatal(err)
	}
	st2, fp2, err := Fetch(context.Background(), &fakeLister{groups: groups, users: user(
		[]string{"a3@x.com", "a2@x.com"},
		[]scim.TeamRole{{TeamName: "dup", RoleName: "viewer"}, {TeamName: "dup", RoleName: "admin"}})})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(st1, st2); d != "" {
		t.Errorf("state depends on the order of emails or team roles (-first +second):\n%s", d)
	}
	if fp1 != fp2 {
		t.Errorf("fingerprint depends on the order of emails or team roles: %s vs %s", fp1, fp2)
	}
	if got := st1.Users[0].Emails; !slices.Equal(got, []string{"alice@x.com", "a2@x.com", "a3@x.com"}) {
		t.Errorf("emails %q: want the primary first, then the others sorted", got)
	}
}

// panickingLister panics in ListGroups (a bug in the read).
type panickingLister struct{ fakeLister }

func (p *panickingLister) ListGroups(context.Context) ([]scim.Group, error) {
	var groups []scim.Group
	_ = groups[3] // out of range
	return groups, nil
}

// TestFetchPanicFailsTheRead: a panic in one of the read's goroutines
// fails the read with an error naming it, never a state read in part
// (errgroup's Wait would otherwise return while the panic unwinds).
func TestFetchPanicFailsTheRead(t *testing.T) {
	users, _ := sample()
	st, fp, err := Fetch(context.Background(), &panickingLister{fakeLister{users: users}})
	var be *bug.Error
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "index out of range") || st.Users != nil || fp != "" {
		t.Fatalf("state %+v, fingerprint %q, err %v", st, fp, err)
	}
}
