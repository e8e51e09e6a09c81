package observed

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/wbsync/wbsync/pkg/emulator"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/scim"
)

// fastClient is a client with a short backoff for the fault tests.
func fastClient(t testing.TB, url string, dep model.Deployment, log *zap.Logger) *scim.Client {
	t.Helper()
	c, err := scim.New(scim.Config{BaseURL: url + "/scim", APIKey: testKey, Deployment: dep, RateLimit: -1,
		PageSize: 25, MaxElapsed: 30 * time.Second, BackoffBase: 2 * time.Millisecond, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFetchUnderFaults reads the same org through injected 500, 503 and
// connection resets (reset: served, then cut) over many seeds: every read
// equals the fault-free one, fingerprint included.
func TestFetchUnderFaults(t *testing.T) {
	seed := matrixSeed()
	read := func(t *testing.T, opts emulator.Options) (model.State, string, emulator.Stats) {
		st, err := emulator.ParseState(bytes.NewReader(seed))
		if err != nil {
			t.Fatal(err)
		}
		em, err := emulator.New(opts, st, zap.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(em)
		defer hs.Close()
		got, fp, err := Fetch(context.Background(), fastClient(t, hs.URL, model.Dedicated, zap.NewNop()))
		if err != nil {
			t.Fatalf("seed %d: %v", opts.Seed, err)
		}
		return stripETags(got), fp, em.Stats()
	}
	want, wantFP, _ := read(t, emulator.Options{})
	faults := 0
	for s := range int64(12) {
		got, fp, stats := read(t, emulator.Options{FaultRate: 0.2, Faults: []string{"500", "503", "reset"}, Seed: s,
			LegacyShapes: s%2 == 0, PageCap: int(s % 3 * 10)})
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("seed %d: read differs (-fault-free +faults):\n%s", s, d)
		}
		if fp != wantFP {
			t.Fatalf("seed %d: fingerprint differs", s)
		}
		faults += stats.Faults
	}
	if faults == 0 {
		t.Fatal("no fault was injected")
	}
}

// TestWritesUnderResets applies writes through dropped connections (the
// change applied, the answer lost) and 503s: creates are adopted instead of
// duplicated, and the end state is what was asked.
func TestWritesUnderResets(t *testing.T) {
	for _, dep := range []model.Deployment{model.SaaS, model.Dedicated} {
		for s := range int64(4) {
			t.Run(fmt.Sprintf("%s/seed=%d", dep, s), func(t *testing.T) {
				seed, err := emulator.ParseState(strings.NewReader(`{"users":[{"userName":"alice@example.com"},{"userName":"bob@example.com"}],
					"teams":[{"name":"ml","members":["alice@example.com","bob@example.com"]}]}`))
				if err != nil {
					t.Fatal(err)
				}
				em, err := emulator.New(emulator.Options{Deployment: string(dep), FaultRate: 0.3,
					Faults: []string{"503", "reset"}, Seed: s}, seed, zap.NewNop())
				if err != nil {
					t.Fatal(err)
				}
				hs := httptest.NewServer(em)
				defer hs.Close()
				c := fastClient(t, hs.URL, dep, zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)))
				ctx := context.Background()
				have, _, err := Fetch(ctx, c)
				if err != nil {
					t.Fatal(err)
				}
				var created []string
				for i := range 6 {
					id, err := c.CreateUser(ctx, model.User{UserName: fmt.Sprintf("new%d@example.com", i)})
					if err != nil {
						t.Fatal(err)
					}
					created = append(created, id)
				}
				team, err := c.CreateTeam(ctx, "infra")
				if err != nil {
					t.Fatal(err)
				}
				if err := c.AddMembers(ctx, team, created); err != nil {
					t.Fatal(err)
				}
				ml := have.Teams[0]
				if err := c.RemoveMember(ctx, ml.ID, ml.Members[0].UserID); err != nil {
					t.Fatal(err)
				}
				if err := c.SetActive(ctx, ml.Members[1].UserID, false); err != nil {
					t.Fatal(err)
				}
				snap := em.Snapshot()
				var names []string
				for _, u := range snap.Users {
					if u.Active {
						names = append(names, u.UserName)
					}
				}
				want := []string{"alice@example.com", "new0@example.com", "new1@example.com", "new2@example.com", "new3@example.com",
					"new4@example.com", "new5@example.com"}
				if d := cmp.Diff(want, names); d != "" {
					t.Fatalf("active users (-want +got):\n%s", d)
				}
				teams := map[string]int{}
				for _, tm := range snap.Teams {
					teams[tm.Name] += len(tm.Members)
				}
				wantML := 1 // bob, deactivated, stays a member
				if dep == model.SaaS {
					wantML = 0 // bob left the organization
				}
				if d := cmp.Diff(map[string]int{"ml": wantML, "infra": 6}, teams); d != "" {
					t.Fatalf("team sizes (-want +got):\n%s", d)
				}
			})
		}
	}
}
