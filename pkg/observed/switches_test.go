package observed

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap/zaptest"

	"github.com/wbsync/wbsync/pkg/emulator"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/scim"
)

// The client against each of the emulator's W&B fidelity switches: what W&B
// may send (docs/wandb-api.md), read as the planner needs it.

const switchSeed = `{"users": [
  {"userName": "alice@example.com", "displayName": "Alice", "organizationRole": "admin", "externalId": "00u1", "created": "2024-02-01T09:00:00Z"},
  {"userName": "bob@example.com", "emails": ["bob@example.com", "robert@corp.example.com"], "created": "2024-03-01T09:00:00Z"},
  {"userName": "dev-carol", "email": "carol@example.com", "created": "2025-11-30T12:00:00Z"}],
 "teams": [{"name": "ml", "members": [{"userName": "alice@example.com", "role": "admin"}, {"userName": "dev-carol", "role": "Model Reviewer"}]},
           {"name": "empty", "members": []}],
 "roles": [{"name": "Model Reviewer", "inheritedFrom": "member"}]}`

// switchClient serves the seed with opts and returns a read-only client.
func switchClient(t *testing.T, opts emulator.Options, base string) (*scim.Client, *emulator.Server) {
	t.Helper()
	seed, err := emulator.ParseState(strings.NewReader(switchSeed))
	if err != nil {
		t.Fatal(err)
	}
	em, err := emulator.New(opts, seed, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(em)
	t.Cleanup(hs.Close)
	c, err := scim.New(scim.Config{BaseURL: hs.URL + base, APIKey: testKey, RateLimit: -1, PageSize: 2,
		ReadOnly: true, MaxElapsed: 20 * time.Second, Logger: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return c, em
}

func userNamed(t *testing.T, st model.State, email string) model.User {
	t.Helper()
	for _, u := range st.Users {
		if u.Email == email {
			return u
		}
	}
	t.Fatalf("no user with email %s in %+v", email, st.Users)
	return model.User{}
}

func TestEmulatorSwitches(t *testing.T) {
	ctx := context.Background()
	read := func(t *testing.T, opts emulator.Options) model.State {
		c, em := switchClient(t, opts, "/scim")
		st, _, err := Fetch(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if em.Stats().Requests["POST"]+em.Stats().Requests["PATCH"] != 0 {
			t.Fatal("a read wrote")
		}
		return st
	}
	t.Run("handles", func(t *testing.T) {
		st := read(t, emulator.Options{Handles: true})
		a := userNamed(t, st, "alice@example.com")
		if a.UserName == "alice@example.com" || a.UserName == "" {
			t.Errorf("alice's userName %q: want a handle", a.UserName)
		}
		if c := userNamed(t, st, "carol@example.com"); c.UserName != "dev-carol" {
			t.Errorf("carol's userName %q, want the seeded handle", c.UserName)
		}
	})
	t.Run("several emails, primary first", func(t *testing.T) {
		st := read(t, emulator.Options{ExtraEmails: true})
		b := userNamed(t, st, "bob@example.com")
		if len(b.Emails) < 2 || b.Emails[0] != "bob@example.com" {
			t.Errorf("bob's emails %v: want the primary first, then the others", b.Emails)
		}
		for _, u := range st.Users {
			if len(u.Emails) < 2 {
				t.Errorf("%s has emails %v: every user has a second one", u.UserName, u.Emails)
			}
		}
	})
	t.Run("roles omitted on reads", func(t *testing.T) {
		st := read(t, emulator.Options{OmitRoles: true})
		for _, u := range st.Users {
			if u.OrgRole != "" || u.TeamRoles != nil {
				t.Errorf("%s: roles %q %v, want none (not reported is not member)", u.UserName, u.OrgRole, u.TeamRoles)
			}
		}
		for _, tm := range st.Teams {
			for _, m := range tm.Members {
				if m.Role != "" {
					t.Errorf("team %s member %s: role %q, want unknown", tm.Name, m.Email, m.Role)
				}
			}
		}
		if a := userNamed(t, read(t, emulator.Options{}), "alice@example.com"); a.OrgRole != model.RoleAdmin {
			t.Errorf("without the switch alice's org role is %q", a.OrgRole)
		}
	})
	t.Run("externalId ignored", func(t *testing.T) {
		st := read(t, emulator.Options{IgnoreExternalID: true})
		for _, u := range st.Users {
			if u.ExternalID != "" {
				t.Errorf("%s: externalId %q, want none", u.UserName, u.ExternalID)
			}
		}
	})
	t.Run("created", func(t *testing.T) {
		st := read(t, emulator.Options{})
		if c := userNamed(t, st, "carol@example.com"); !c.Created.Equal(time.Date(2025, 11, 30, 12, 0, 0, 0, time.UTC)) {
			t.Errorf("carol created %v", c.Created)
		}
	})
	t.Run("team-scoped service accounts", func(t *testing.T) {
		st := read(t, emulator.Options{TeamServiceAccounts: 2, ServiceAccounts: 1})
		for _, tm := range st.Teams {
			if n := unresolved(st)[tm.ID]; n != 3 {
				t.Errorf("team %s: %d unresolved members, want 1 org + 2 team service accounts", tm.Name, n)
			}
		}
	})
	t.Run("W&B paging and no members key", func(t *testing.T) {
		st := read(t, emulator.Options{WandbPaging: true, OmitEmptyMembers: true})
		if len(st.Users) != 3 || len(st.Teams) != 2 {
			t.Errorf("read %d users, %d teams", len(st.Users), len(st.Teams))
		}
	})
	t.Run("roles endpoint", func(t *testing.T) {
		c, _ := switchClient(t, emulator.Options{}, "/scim")
		roles, err := c.ListRoles(ctx)
		if err != nil || len(roles) != 1 || roles[0].Name != "Model Reviewer" {
			t.Errorf("roles %+v, %v", roles, err)
		}
		c, _ = switchClient(t, emulator.Options{NoRolesEndpoint: true}, "/scim")
		if _, err := c.ListRoles(ctx); !errors.Is(err, scim.ErrNotFound) {
			t.Errorf("without /Roles: %v, want ErrNotFound", err)
		}
	})
	t.Run("only /scim/v2", func(t *testing.T) {
		c, _ := switchClient(t, emulator.Options{BasePaths: "v2"}, "/scim")
		if _, _, err := Fetch(ctx, c); !errors.Is(err, scim.ErrNotFound) || !strings.Contains(err.Error(), "/scim") {
			t.Errorf("/scim on a /scim/v2-only server: %v", err)
		}
		c, _ = switchClient(t, emulator.Options{BasePaths: "v2"}, "/scim/v2")
		if _, _, err := Fetch(ctx, c); err != nil {
			t.Errorf("/scim/v2: %v", err)
		}
	})
}

// TestEmulatorNewFaults: reads converge through 429 without Retry-After
// (with RateLimit-Reset, or with nothing), 502 and 504, to the same state.
func TestEmulatorNewFaults(t *testing.T) {
	want := canonical(func() model.State {
		c, _ := switchClient(t, emulator.Options{}, "/scim")
		st, _, err := Fetch(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}())
	for _, faults := range [][]string{{"429-reset"}, {"429-bare"}, {"502", "504"}} {
		t.Run(strings.Join(faults, ","), func(t *testing.T) {
			c, em := switchClient(t, emulator.Options{FaultRate: 0.4, Faults: faults, Seed: 3, RetryAfter: time.Second}, "/scim")
			st, _, err := Fetch(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			if em.Stats().Faults == 0 {
				t.Fatal("no fault was injected: the test proves nothing")
			}
			if d := cmp.Diff(want, canonical(st)); d != "" {
				t.Errorf("the read through faults differs (-clean +faults):\n%s", d)
			}
		})
	}
}
