package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/wbsync/wbsync/pkg/emulator"
	"github.com/wbsync/wbsync/pkg/model"
)

// W&B as it really behaves, through the CLI: handles, several emails,
// unreported roles and externalIds, custom roles, service accounts.

// fidelityOrg is an organization of n users with handles (the emulator
// derives them), several emails each, custom team roles, org and team-scoped
// service accounts, teams sharing a name, and inactive users.
func fidelityOrg(n int) map[string]any {
	var users, teams []map[string]any
	for i := 0; i < n; i++ {
		u := map[string]any{"userName": fmt.Sprintf("user%05d@example.com", i), "displayName": fmt.Sprintf("User %d", i),
			"active": i%17 != 0, "created": "2024-03-01T09:00:00Z"}
		if i%500 == 0 {
			u["organizationRole"] = "admin"
		}
		users = append(users, u)
	}
	for j := 0; j < n/10; j++ {
		name := fmt.Sprintf("team-%04d", j)
		if j%25 == 24 {
			name = fmt.Sprintf("team-%04d", j-1) // shares a name with the team before
		}
		var members []any
		for i := j; i < n; i += n / 10 * 3 / 7 {
			m := fmt.Sprintf("user%05d@example.com", i)
			switch i % 7 {
			case 0:
				members = append(members, map[string]any{"userName": m, "role": "admin"})
			case 3:
				members = append(members, map[string]any{"userName": m, "role": "Model Reviewer"})
			default:
				members = append(members, m)
			}
		}
		teams = append(teams, map[string]any{"name": name, "members": members})
	}
	return map[string]any{"users": users, "teams": teams,
		"roles": []any{map[string]any{"name": "Model Reviewer", "inheritedFrom": "member"}}}
}

// TestExportRoundTripHandles: on an organization with handles, several
// emails, service accounts and custom roles, at 5,000 users, export →
// validate → plan says "No changes.".
func TestExportRoundTripHandles(t *testing.T) {
	emu := startEmu(t, emulator.Options{Handles: true, ExtraEmails: true, ServiceAccounts: 2, TeamServiceAccounts: 1},
		writeState(t, fidelityOrg(5000)))
	v := vars(emu.url)
	out := filepath.Join(t.TempDir(), "wbsync.yaml")
	r := wb(t, v, "export", "--out", out)
	if r.code != exitOK {
		t.Fatalf("export: %d\n%s", r.code, r.stderr)
	}
	if r := wb(t, nil, "validate", "-f", out); r.code != exitOK || !strings.Contains(r.stdout, "5000 users, 500 teams") {
		t.Fatalf("validate the export: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = wb(t, v, "plan", "-f", out, "--detailed-exitcode")
	if r.code != exitOK || !strings.Contains(r.stdout, "No changes.") {
		t.Fatalf("plan of the export: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("export and plan wrote %d requests", n)
	}
	// The access review of the same organization: one row per user.
	r = wb(t, v, "export", "-o", "csv")
	if r.code != exitOK || strings.Count(r.stdout, "\n") != 5001 || !strings.HasPrefix(r.stdout, "email,username,name,active,org_role,teams,created,last_modified\n") {
		t.Fatalf("export -o csv: exit %d, %d lines\n%s", r.code, strings.Count(r.stdout, "\n"), r.stderr)
	}
}

// TestExportLegacyViewer: a user that still shows the deprecated org role
// viewer is exported with its role said in a comment and no orgRole (a
// manifest holds admin or member only, and wbsync never sends viewer), and
// the export plans as no change: the role is left alone.
func TestExportLegacyViewer(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, writeState(t, map[string]any{
		"users": []any{
			map[string]any{"userName": "ann@example.com", "organizationRole": "admin"},
			map[string]any{"userName": "vic@example.com", "organizationRole": "viewer"},
		},
		"teams": []any{map[string]any{"name": "ml", "members": []any{"ann@example.com", "vic@example.com"}}},
	}))
	v := vars(emu.url)
	out := filepath.Join(t.TempDir(), "wbsync.yaml")
	if r := wb(t, v, "export", "--out", out); r.code != exitOK {
		t.Fatalf("export: %d\n%s", r.code, r.stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	vic := string(b[strings.Index(string(b), "vic@example.com"):])
	vic, _, _ = strings.Cut(vic, "teams:")
	if !strings.Contains(string(b), `# org role "viewer" left unmanaged`) || strings.Contains(vic, "orgRole") {
		t.Errorf("export of a viewer:\n%s", b)
	}
	if r := wb(t, v, "plan", "-f", out, "--detailed-exitcode"); r.code != exitOK || !strings.Contains(r.stdout, "No changes.") {
		t.Errorf("plan of the export: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Errorf("export and plan wrote %d requests", n)
	}
}

// TestPlanAdviceAsksTheLoaderRule: the plan's advice for an unmanaged
// account never offers a username the loader refuses (a zero-width space
// at its end), since plan hands the loader's rule to the planner.
func TestPlanAdviceAsksTheLoaderRule(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, writeState(t, map[string]any{
		"users": []any{
			map[string]any{"userName": "ann@example.com", "organizationRole": "admin"},
			map[string]any{"userName": "svc-bot\u200b"},
			map[string]any{"userName": "svc-cron"},
		},
		"teams": []any{},
	}))
	m := writeFile(t, "wbsync.yaml", "version: 1\nusers:\n  - email: ann@example.com\n    orgRole: admin\n")
	r := wb(t, vars(emu.url), "plan", "-f", m, "-o", "json")
	if r.code != exitOK {
		t.Fatalf("plan: exit %d\n%s", r.code, r.stderr)
	}
	var p struct {
		Warnings []struct{ Code, User, Message string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatal(err)
	}
	said := map[string]string{}
	for _, w := range p.Warnings {
		if w.Code == "unmanaged_user" {
			said[w.User] = w.Message
		}
	}
	if m := said["svc-bot\u200b"]; m == "" || strings.Contains(m, "username:") {
		t.Errorf("advice for svc-bot<U+200B>: %q", m)
	}
	if m := said["svc-cron"]; !strings.Contains(m, "(username: svc-cron)") {
		t.Errorf("advice for svc-cron: %q", m)
	}
}

// TestExportStaleCustomRoles: on Dedicated, a live team role that the
// server's /Roles does not list (one it no longer has, or spells in another
// case) is not written, as plan would refuse it: the member is left out and
// its team written additive, so that the export plans as no change. A
// server without /Roles leaves the roles unchecked and written.
func TestExportStaleCustomRoles(t *testing.T) {
	seed := writeState(t, map[string]any{
		"users": []any{map[string]any{"userName": "a@example.com", "organizationRole": "admin"},
			map[string]any{"userName": "b@example.com"}, map[string]any{"userName": "c@example.com"}, map[string]any{"userName": "d@example.com"},
			map[string]any{"userName": "e@example.com"}},
		"teams": []any{map[string]any{"name": "ml", "members": []any{
			map[string]any{"userName": "a@example.com", "role": "Model Reviewer"},
			map[string]any{"userName": "b@example.com", "role": "model reviewer"},
			map[string]any{"userName": "c@example.com", "role": "Gone Role"},
			map[string]any{"userName": "d@example.com", "role": "Model Reviewer "},
			map[string]any{"userName": "e@example.com", "role": "Model Reviewer\u200b"}}}},
		"roles": []any{map[string]any{"name": "Model Reviewer", "inheritedFrom": "member"},
			map[string]any{"name": "Model Reviewer ", "inheritedFrom": "member"}},
	})
	for _, tc := range []struct {
		name     string
		opts     emulator.Options
		written  []string
		left     []string // what the export must not write
		additive bool
	}{
		// A role with white space at an end ("Model Reviewer ", another
		// role) cannot be declared: left out, never written trimmed.
		{"/Roles lists one", emulator.Options{}, []string{"Model Reviewer"}, []string{"model reviewer", "Gone Role", `"Model Reviewer "`}, true},
		{"no /Roles", emulator.Options{NoRolesEndpoint: true}, []string{"Model Reviewer", "model reviewer", "Gone Role"}, []string{`"Model Reviewer "`}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu := startEmu(t, tc.opts, seed)
			v := vars(emu.url)
			out := filepath.Join(t.TempDir(), "wbsync.yaml")
			r := wb(t, v, "export", "--out", out)
			if r.code != exitOK {
				t.Fatalf("export: %d\n%s", r.code, r.stderr)
			}
			raw, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, role := range tc.written {
				if !strings.Contains(string(raw), "role: "+role+"\n") {
					t.Errorf("the export lacks role %s:\n%s", role, raw)
				}
			}
			for _, role := range tc.left {
				if strings.Contains(string(raw), "role: "+role+"\n") {
					t.Errorf("the export writes role %s:\n%s", role, raw)
				}
			}
			// Nor one the loader refuses as it refuses such a team name
			// (an invisible character at an end reads as the role without
			// it in a diff).
			if strings.Contains(string(raw), "Reviewer\u200b") || strings.Contains(string(raw), `Reviewer\u200B"`) ||
				!strings.Contains(string(raw), `role "Model Reviewer\u200b" has the invisible character U+200B at one end`) {
				t.Errorf("the export writes the role with an invisible character, or does not say why e is left out:\n%s", raw)
			}
			if len(tc.left) > 0 && (!strings.Contains(string(raw), `has white space at an end, which a manifest role cannot hold`) ||
				!strings.Contains(r.stderr, "exported as membership: additive") ||
				!tc.opts.NoRolesEndpoint && !strings.Contains(string(raw), "is not a custom role the server's /Roles lists")) {
				t.Errorf("the export does not say why members are left out:\n%s\n%s", raw, r.stderr)
			}
			if got := strings.Contains(string(raw), "membership: additive"); got != tc.additive {
				t.Errorf("additive = %v, want %v:\n%s", got, tc.additive, raw)
			}
			r = wb(t, v, "plan", "-f", out, "--detailed-exitcode")
			if r.code != exitOK || !strings.Contains(r.stdout, "No changes.") {
				t.Fatalf("plan of the export: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// TestExportRolesRefused: a key that may read users and teams but not
// /Roles (403) still exports, the custom roles written as read, with a
// warning saying plan checks them.
func TestExportRolesRefused(t *testing.T) {
	seed := seedOf(t, map[string]any{
		"users": []any{map[string]any{"userName": "a@example.com"}},
		"teams": []any{map[string]any{"name": "ml", "members": []any{map[string]any{"userName": "a@example.com", "role": "Gone Role"}}}},
	})
	srv, err := emulator.New(emulator.Options{}, seed, zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel)))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/Roles") {
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"403","detail":"forbidden"}`))
			return
		}
		srv.ServeHTTP(w, r)
	}))
	defer hs.Close()
	r := wb(t, vars(hs.URL+"/scim"), "export")
	if r.code != exitOK || !strings.Contains(r.stdout, "role: Gone Role") ||
		!strings.Contains(r.stderr, "the live custom team roles are written unchecked") || !strings.Contains(r.stderr, "403") || !strings.Contains(r.stderr, "needs a key that may list /Roles") {
		t.Fatalf("export: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestExportNoRolesEndpoint: a server without /Roles (404) exports the
// custom roles as read, and says that plans will warn them unchecked; the
// plan of that export does, with no change.
func TestExportNoRolesEndpoint(t *testing.T) {
	emu := startEmu(t, emulator.Options{NoRolesEndpoint: true}, writeState(t, map[string]any{
		"users": []any{map[string]any{"userName": "a@example.com"}},
		"teams": []any{map[string]any{"name": "ml", "members": []any{map[string]any{"userName": "a@example.com", "role": "Model Reviewer"}}}},
	}))
	v := vars(emu.url)
	out := filepath.Join(t.TempDir(), "wbsync.yaml")
	r := wb(t, v, "export", "--out", out)
	if r.code != exitOK || !strings.Contains(r.stderr, "the server has no /Roles (404), so the live custom team roles are written unchecked") {
		t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
	}
	r = wb(t, v, "plan", "-f", out)
	if r.code != exitOK || !strings.Contains(r.stdout, "[custom_roles_unchecked]") || !strings.Contains(r.stdout, "No changes.") {
		t.Errorf("plan of the export: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestCustomRoles: a custom team role is refused before any write on
// Multi-tenant Cloud, and on Dedicated when the server's /Roles does not
// list it (with a suggestion); a server without /Roles leaves it unchecked
// with a warning.
func TestCustomRoles(t *testing.T) {
	seed := writeState(t, map[string]any{
		"users": []any{map[string]any{"userName": "a@example.com", "organizationRole": "admin"}},
		"teams": []any{map[string]any{"name": "ml", "members": []any{"a@example.com"}}},
		"roles": []any{map[string]any{"name": "Model Reviewer", "inheritedFrom": "member"}},
	})
	manifest := func(role string) string {
		return writeFile(t, "m.yaml", fmt.Sprintf("version: 1\nusers:\n  - email: a@example.com\n    orgRole: admin\n"+
			"teams:\n  - name: ml\n    members:\n      - email: a@example.com\n        role: %q\n", role))
	}
	for _, tc := range []struct {
		name string
		opts emulator.Options
		role string
		code int
		says []string
	}{
		{"saas refuses any custom role", emulator.Options{Deployment: "saas"}, "Model Reviewer", exitError,
			[]string{"\nPATH:9:15: team ml, member a@example.com", "Model Reviewer", "Dedicated"}},
		{"dedicated: misspelt", emulator.Options{}, "Model Reveiwer", exitError, []string{"\nPATH:9:15: team ml, member a@example.com", `did you mean "Model Reviewer"`}},
		{"dedicated: listed", emulator.Options{}, "Model Reviewer", exitOK, []string{"role of a@example.com: member → Model Reviewer"}},
		{"dedicated: predefined in another case", emulator.Options{}, "ADMIN", exitOK, []string{"admin"}},
		{"no /Roles: unchecked", emulator.Options{NoRolesEndpoint: true}, "Whatever Role", exitOK, []string{"custom_roles_unchecked"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu := startEmu(t, tc.opts, seed)
			v := vars(emu.url)
			if tc.opts.Deployment == "saas" {
				v["WBSYNC_DEPLOYMENT"] = "saas"
			}
			path := manifest(tc.role)
			r := wb(t, v, "plan", "-f", path)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			for _, s := range tc.says {
				// A problem's line starts with where its role is written.
				s = strings.ReplaceAll(s, "PATH", path)
				if !strings.Contains(r.stdout+r.stderr, s) {
					t.Errorf("output lacks %q:\n%s\n%s", s, r.stdout, r.stderr)
				}
			}
			reqs := emu.requests(t)
			if n := writes(reqs); n != 0 {
				t.Errorf("%d writes", n)
			}
			if tc.opts.Deployment == "saas" && reqs["GET"] != 0 {
				t.Errorf("%d reads: a custom role on Multi-tenant Cloud is refused before the organization is read", reqs["GET"])
			}
		})
	}
}

// TestCustomRolesForbidden: a key that reads users and teams but is refused
// /Roles fails the plan with a hint about listing roles, not the generic
// "this key cannot use SCIM" one.
func TestCustomRolesForbidden(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, "")
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/Roles") {
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"detail":"forbidden","status":"403"}`))
			return
		}
		emu.srv.ServeHTTP(w, r)
	}))
	defer hs.Close()
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\nteams:\n  - name: ml\n    members:\n      - email: a@example.com\n        role: Model Reviewer\n")
	r := wb(t, vars(hs.URL+"/scim"), "plan", "-f", m)
	if r.code != exitError || !strings.Contains(r.stderr, "may not list custom roles") || strings.Contains(r.stderr, "team-scoped") {
		t.Fatalf("exit %d, want 1 with the /Roles hint:\n%s", r.code, r.stderr)
	}
}

// TestRolesUnreported: against a server that reports no roles on reads, the
// plan warns roles_unreported and plans no role change; with
// unreportedRoles: enforce it sends the declared roles as unverified
// assertions, which are not drift (--detailed-exitcode 0) and not counted by
// the verification.
func TestRolesUnreported(t *testing.T) {
	seed := writeState(t, map[string]any{
		"users": []any{map[string]any{"userName": "a@example.com", "organizationRole": "admin"}, map[string]any{"userName": "b@example.com"}},
		"teams": []any{map[string]any{"name": "ml", "members": []any{"a@example.com", "b@example.com"}}},
	})
	body := "users:\n  - email: a@example.com\n    orgRole: admin\n  - email: b@example.com\n" +
		"teams:\n  - name: ml\n    members:\n      - a@example.com\n      - email: b@example.com\n        role: admin\n"
	emu := startEmu(t, emulator.Options{OmitRoles: true}, seed)
	v := vars(emu.url)
	skip := writeFile(t, "skip.yaml", "version: 1\n"+body)
	r := wb(t, v, "plan", "-f", skip, "--detailed-exitcode")
	if r.code != exitOK || !strings.Contains(r.stdout, "roles_unreported") || !strings.Contains(r.stdout, "No changes.") {
		t.Fatalf("skip: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	enforce := writeFile(t, "enforce.yaml", "version: 1\npolicy:\n  unreportedRoles: enforce\n"+body)
	r = wb(t, v, "plan", "-f", enforce, "--detailed-exitcode")
	if r.code != exitOK || !strings.HasSuffix(r.stdout, "\nNo changes. 0 to add, 0 to change, 0 to remove, and 2 unverified role assertion(s).\n") {
		t.Fatalf("enforce plan: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = wb(t, v, "apply", "-f", enforce, "--auto-approve")
	if r.code != exitOK || !strings.Contains(r.stdout, "Verified: the organization matches the manifest.") {
		t.Fatalf("enforce apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if emu.requests(t)["PATCH"] == 0 {
		t.Error("enforce sent no role")
	}
}

// TestExportRolesUnreported: against a server that reports no roles, the
// export writes none, and says so in its header and on stderr, so that an
// admin adopting the organization does not read "nobody is an admin";
// against one that reports them, neither note.
func TestExportRolesUnreported(t *testing.T) {
	seed := writeState(t, map[string]any{
		"users": []any{map[string]any{"userName": "a@example.com", "organizationRole": "admin"}, map[string]any{"userName": "b@example.com"}},
		"teams": []any{map[string]any{"name": "ml", "members": []any{"a@example.com", "b@example.com"}}},
	})
	const note = "Not every role was reported, and roles not reported are not written (add those you know): reads do not report roles"
	for _, omit := range []bool{true, false} {
		emu := startEmu(t, emulator.Options{OmitRoles: omit}, seed)
		r := wb(t, vars(emu.url), "export")
		if r.code != exitOK {
			t.Fatalf("omit %v: export exit %d\n%s", omit, r.code, r.stderr)
		}
		header, _, _ := strings.Cut(r.stdout, "\nversion:")
		if got := strings.Contains(header, "# "+note); got != omit || strings.Contains(r.stderr, note) != omit {
			t.Errorf("omit %v: the note in the header %v, want %v:\n%s\nstderr:\n%s", omit, got, omit, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout, "orgRole: admin") == omit {
			t.Errorf("omit %v: orgRole written %v:\n%s", omit, !omit, r.stdout)
		}
	}
	// An organization without users has no role to leave out.
	r := wb(t, vars(startEmu(t, emulator.Options{OmitRoles: true}, "").url), "export")
	if r.code != exitOK || strings.Contains(r.stdout+r.stderr, "Not every role") {
		t.Errorf("empty organization: exit %d, want no note:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestUnseenRoleWriteFailure: against a server that reports no roles, a
// team role write that is not done after its member was added (refused,
// or skipped because the add's answer was lost) cannot be seen by the
// verification, and under unreportedRoles: skip no later plan sends it
// again: apply does not say the organization matches, nor that a re-run
// fixes it.
func TestUnseenRoleWriteFailure(t *testing.T) {
	seed := writeState(t, map[string]any{
		"users": []any{map[string]any{"userName": "a@example.com", "organizationRole": "admin"}, map[string]any{"userName": "b@example.com"}},
		"teams": []any{map[string]any{"name": "ml", "members": []any{"a@example.com"}}},
	})
	refuseAs := func(w http.ResponseWriter, scimType, detail string) {
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"scimType":"` + scimType + `","detail":"` + detail + `","status":"400"}`))
	}
	refuse := func(w http.ResponseWriter, detail string) { refuseAs(w, "", detail) }
	type fault func(seen int, srv *emulator.Server, w http.ResponseWriter, r *http.Request, body []byte) bool
	// refuseUserPatchAs refuses every user PATCH that sets attr with
	// scimType.
	refuseUserPatchAs := func(attr, scimType string) fault {
		return func(_ int, _ *emulator.Server, w http.ResponseWriter, r *http.Request, body []byte) bool {
			if strings.Contains(r.URL.Path, "/Users/") && bytes.Contains(body, []byte(attr)) {
				refuseAs(w, scimType, "injected")
				return true
			}
			return false
		}
	}
	refuseUserPatch := func(attr string) fault { return refuseUserPatchAs(attr, "") }
	const unseen = "Verified: no change remains that the read can show, but the read shows no role for the 1 role write(s) above that were not done: they may be missing, and the next plan will not send them again"
	// A server without W&B's role attributes refuses their path: the note
	// says so, and does not advise unreportedRoles: enforce.
	const refused = "Verified: no change remains that the read can show, but the read shows no role for the 1 role write(s) above that were not done, " +
		"and the server refused 1 of them for their attribute: it does not take roles; leave the roles out of the manifest for this server"
	for _, tc := range []struct {
		name string
		// fault answers a write in place of srv (true), or lets it
		// through (false); seen counts the writes it was given before
		fault   fault
		result  string // the report's line about the role write
		warning string // the closing warning's end
		users   string // manifest users besides a and b ("": none)
		note    string // the verification's line ("": unseen)
	}{
		{"role refused", refuseUserPatch("teamRoles"), "failed:  set_team_role b@example.com in team ml", "a re-run does not send the 1 role write(s) the read cannot show", "", ""},
		{"add answer lost, role skipped", func(seen int, srv *emulator.Server, w http.ResponseWriter, r *http.Request, body []byte) bool {
			if !strings.Contains(r.URL.Path, "/Groups/") {
				return false
			}
			if seen == 0 { // the add: made, its answer lost
				srv.ServeHTTP(httptest.NewRecorder(), r)
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
				return true
			}
			refuse(w, "already a member")
			return true
		}, "skipped: set_team_role b@example.com in team ml", "except the 1 role write(s) the read cannot show, which apply again does not send", "", ""},
		{"org role of a new user refused", refuseUserPatch("organizationRole"), "failed:  set_org_role c@example.com", "a re-run does not send the 1 role write(s) the read cannot show", "  - email: c@example.com\n    orgRole: admin\n", ""},
		{"team role attribute refused", refuseUserPatchAs("teamRoles", "invalidPath"), "failed:  set_team_role b@example.com in team ml", "a re-run does not send the 1 role write(s) the read cannot show", "", refused},
		{"org role attribute refused", refuseUserPatchAs("organizationRole", "invalidPath"), "failed:  set_org_role c@example.com", "a re-run does not send the 1 role write(s) the read cannot show", "  - email: c@example.com\n    orgRole: admin\n", refused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu := startEmu(t, emulator.Options{OmitRoles: true}, seed)
			var (
				mu   sync.Mutex
				seen int
			)
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPatch {
					body, _ := io.ReadAll(r.Body)
					r.Body = io.NopCloser(bytes.NewReader(body))
					mu.Lock()
					done := tc.fault(seen, emu.srv, w, r, body)
					seen++
					mu.Unlock()
					if done {
						return
					}
					r.Body = io.NopCloser(bytes.NewReader(body))
				}
				emu.srv.ServeHTTP(w, r)
			}))
			defer hs.Close()
			m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\n  - email: b@example.com\n"+tc.users+
				"teams:\n  - name: ml\n    members:\n      - a@example.com\n      - email: b@example.com\n        role: admin\n")
			v := vars(hs.URL + "/scim")
			r := wb(t, v, "apply", "-f", m, "--auto-approve")
			note := tc.note
			if note == "" {
				note = unseen
			}
			if r.code != exitFailed || !strings.Contains(r.stdout, tc.result) || !strings.Contains(r.stdout, note) ||
				strings.Contains(r.stdout, "Verified: the organization matches the manifest") || !strings.Contains(r.stderr, tc.warning) ||
				(tc.note != "") != strings.Contains(r.stdout, "the server has no ") || (tc.note != "") == strings.Contains(r.stdout, "enforce to send declared roles") {
				t.Fatalf("apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			// What the note says: the next run does not send it.
			r = wb(t, vars(emu.url), "apply", "-f", m, "--auto-approve", "-o", "json")
			if r.code != exitOK || !strings.Contains(r.stdout, `"remaining": 0`) || strings.Contains(r.stdout, "unseen_role_writes") {
				t.Fatalf("second apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// TestExternalIDMatchEmail: a user matched by externalId whose email
// differs from the manifest's gets its email updated on Dedicated (and
// the next plan is empty), and an unsupported_update warning on
// Multi-tenant Cloud, as a user matched by userName does.
func TestExternalIDMatchEmail(t *testing.T) {
	seed := writeState(t, map[string]any{
		"users": []any{map[string]any{"userName": "a@example.com", "organizationRole": "admin"},
			map[string]any{"userName": "old@example.com", "externalId": "okta-7"}},
		"teams": []any{map[string]any{"name": "ml", "members": []any{"a@example.com", "old@example.com"}}},
	})
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\n    orgRole: admin\n"+
		"  - email: new@example.com\n    externalId: okta-7\n"+
		"teams:\n  - name: ml\n    members: [a@example.com, new@example.com]\n")
	t.Run("dedicated", func(t *testing.T) {
		emu := startEmu(t, emulator.Options{}, seed)
		v := vars(emu.url)
		r := wb(t, v, "plan", "-f", m, "--detailed-exitcode")
		if r.code != exitChanges || !strings.Contains(r.stdout, `email "old@example.com" → "new@example.com"`) {
			t.Fatalf("plan: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		r = wb(t, v, "apply", "-f", m, "--auto-approve")
		if r.code != exitOK || !strings.Contains(r.stdout, "Verified: the organization matches the manifest.") {
			t.Fatalf("apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		r = wb(t, v, "plan", "-f", m, "--detailed-exitcode")
		if r.code != exitOK || !strings.HasSuffix(r.stdout, "No changes.\n") {
			t.Fatalf("plan after apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("saas", func(t *testing.T) {
		emu := startEmu(t, emulator.Options{Deployment: "saas"}, seed)
		v := vars(emu.url)
		v["WBSYNC_DEPLOYMENT"] = "saas"
		r := wb(t, v, "plan", "-f", m, "--detailed-exitcode")
		if r.code != exitOK || !strings.Contains(r.stdout, "[unsupported_update] new@example.com") || !strings.Contains(r.stdout, `email "new@example.com" (live "old@example.com")`) {
			t.Fatalf("plan: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		if n := writes(emu.requests(t)); n != 0 {
			t.Fatalf("plan wrote %d requests", n)
		}
	})
}

// TestTeamsSharingANameApplied: two live teams named dup, each pinned by id
// in the manifest, get each its own member, and the verification agrees
// (every add once went to the first team).
func TestTeamsSharingANameApplied(t *testing.T) {
	seed := writeState(t, map[string]any{
		"users": []any{map[string]any{"userName": "a@example.com"}, map[string]any{"userName": "b@example.com"}},
		"teams": []any{map[string]any{"name": "dup", "members": []any{}}, map[string]any{"name": "dup", "members": []any{}}},
	})
	emu := startEmu(t, emulator.Options{}, seed)
	req, _ := http.NewRequest(http.MethodGet, emu.url+"/Groups", nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var groups struct {
		Resources []struct {
			ID string `json:"id"`
		} `json:"Resources"`
	}
	err = json.NewDecoder(resp.Body).Decode(&groups)
	resp.Body.Close()
	if err != nil || len(groups.Resources) != 2 {
		t.Fatalf("groups: %+v, %v", groups, err)
	}
	g1, g2 := groups.Resources[0].ID, groups.Resources[1].ID
	m := writeFile(t, "m.yaml", fmt.Sprintf("version: 1\nusers:\n  - email: a@example.com\n  - email: b@example.com\nteams:\n"+
		"  - name: dup\n    id: %q\n    membership: additive\n    members: [a@example.com]\n"+
		"  - name: dup\n    id: %q\n    membership: additive\n    members: [b@example.com]\n", g1, g2))
	r := wb(t, vars(emu.url), "apply", "-f", m, "--auto-approve")
	if r.code != exitOK || !strings.Contains(r.stdout, "Verified: the organization matches the manifest.") {
		t.Fatalf("exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestExternalIDsFirstReported: a first apply against an organization
// where no user carries an externalId creates users with theirs; the
// verification plans as the applied plan did (no externalId update), so
// the apply ends verified; the next plan then updates the others.
func TestExternalIDsFirstReported(t *testing.T) {
	seed := writeState(t, map[string]any{
		"users": []any{map[string]any{"userName": "alice@example.com", "organizationRole": "admin"}},
	})
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: alice@example.com\n    orgRole: admin\n    externalId: ext-a\n"+
		"  - email: bob@example.com\n    externalId: ext-b\n")
	emu := startEmu(t, emulator.Options{}, seed)
	v := vars(emu.url)
	r := wb(t, v, "apply", "-f", m, "--auto-approve")
	if r.code != exitOK || !strings.Contains(r.stdout, "external_id_unreported") || !strings.Contains(r.stdout, "Verified: the organization matches the manifest.") {
		t.Fatalf("apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = wb(t, v, "plan", "-f", m, "--detailed-exitcode")
	if r.code != exitChanges || !strings.Contains(r.stdout, `update externalId "" → "ext-a"`) {
		t.Fatalf("next plan: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r = wb(t, v, "apply", "-f", m, "--auto-approve"); r.code != exitOK {
		t.Fatalf("second apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestWandbNameQuirks: W&B's name quirks, each an emulator switch, end to
// end: a taken team name answered 400 instead of 409 fails the create
// saying what the 400 may mean; a team name the server stores in lower
// case gets its team roles under that name and verifies; a username taken
// outside the organization (Multi-tenant Cloud) fails its create, saying
// no such user is listed, and the others go on.
func TestWandbNameQuirks(t *testing.T) {
	manifest := func(team string) string {
		return writeFile(t, "m.yaml", fmt.Sprintf("version: 1\nusers:\n  - email: a@example.com\n  - email: taken@example.com\n"+
			"teams:\n  - name: %s\n    members:\n      - email: a@example.com\n        role: admin\n", team))
	}
	t.Run("taken team name answered 400", func(t *testing.T) {
		emu := startEmu(t, emulator.Options{Deployment: "saas", TakenTeamNames: []string{"ml"}, TakenTeamStatus: 400}, "")
		v := vars(emu.url)
		v["WBSYNC_DEPLOYMENT"] = "saas"
		r := wb(t, v, "apply", "-f", manifest("ml"), "--auto-approve")
		if r.code != exitFailed || !strings.Contains(r.stdout, "400 Bad Request") ||
			!strings.Contains(r.stdout, "if the name is taken, which W&B may answer with 400: team names are global across W&B Multi-tenant Cloud") {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("team names stored in lower case", func(t *testing.T) {
		emu := startEmu(t, emulator.Options{LowercaseTeamNames: true}, "")
		r := wb(t, vars(emu.url), "apply", "-f", manifest("ML-Research"), "--auto-approve")
		if r.code != exitOK || !strings.Contains(r.stdout, "Verified: the organization matches the manifest.") {
			t.Fatalf("apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		snap := emu.srv.Snapshot()
		if len(snap.Teams) != 1 || snap.Teams[0].Name != "ml-research" {
			t.Fatalf("teams %+v, want one named ml-research", snap.Teams)
		}
		r = wb(t, vars(emu.url), "plan", "-f", manifest("ML-Research"), "--detailed-exitcode")
		if r.code != exitOK || !strings.Contains(r.stdout, "team_name_case") || !strings.Contains(r.stdout, "No changes.") {
			t.Fatalf("plan again: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("username taken outside the organization", func(t *testing.T) {
		emu := startEmu(t, emulator.Options{Deployment: "saas", TakenUserNames: []string{"taken@example.com"}}, "")
		v := vars(emu.url)
		v["WBSYNC_DEPLOYMENT"] = "saas"
		r := wb(t, v, "apply", "-f", manifest("ml"), "--auto-approve", "-o", "json")
		rep := decodeReport(t, r.stdout)
		failed := 0
		for _, op := range rep.Operations {
			if op.Status == "failed" {
				failed++
			}
		}
		if r.code != exitFailed || failed != 1 || !strings.Contains(r.stdout, "no user with that userName or email is listed") {
			t.Fatalf("exit %d, report %+v\n%s\n%s", r.code, rep, r.stdout, r.stderr)
		}
		if snap := emu.srv.Snapshot(); len(snap.Users) != 1 || len(snap.Teams) != 1 {
			t.Fatalf("the other changes were not made: %+v", snap)
		}
		// stdout may go to a file a CI log never shows: stderr names the
		// failure and the verdict, as the text report does.
		for _, want := range []string{"ERROR\tfailed:  create_user taken@example.com", "WARN\tVerified: "} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
			}
		}
		// With JSON logs the failure's entry carries its fields, for a log
		// pipeline to group by (the create fails again; the rest is done).
		r = wb(t, v, "apply", "-f", manifest("ml"), "--auto-approve", "-o", "json", "--log-format", "json")
		e := errorsContaining(jsonLog(t, r.stderr), "failed:  create_user taken@example.com")
		if r.code != exitFailed || len(e) != 1 || e[0]["action"] != "create_user" || e[0]["user"] != "taken@example.com" ||
			e[0]["status"] != "failed" || e[0]["http_status"] != float64(409) || e[0]["team"] != nil {
			t.Errorf("exit %d; the failure's entry %v\n%s", r.code, e, r.stderr)
		}
	})
}

// TestSaaSRemovedUserInvitedAgain: on Multi-tenant Cloud a user listed
// inactive (one a deactivation removed) is planned as a create, not a
// refused reactivation, and the emulator restores them on that create:
// apply ends verified, with the user back in the team.
func TestSaaSRemovedUserInvitedAgain(t *testing.T) {
	seed := writeState(t, map[string]any{
		"users": []any{map[string]any{"userName": "alice@example.com", "organizationRole": "admin"},
			map[string]any{"userName": "carol@example.com", "active": false}},
		"teams": []any{map[string]any{"name": "ml", "members": []any{"alice@example.com", "carol@example.com"}}},
	})
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: alice@example.com\n    orgRole: admin\n  - email: carol@example.com\n"+
		"teams:\n  - name: ml\n    members: [alice@example.com, carol@example.com]\n")
	emu := startEmu(t, emulator.Options{Deployment: "saas"}, seed)
	v := vars(emu.url)
	v["WBSYNC_DEPLOYMENT"] = "saas"
	r := wb(t, v, "apply", "-f", m, "--auto-approve")
	if r.code != exitOK || !strings.Contains(r.stdout, "Verified: the organization matches the manifest.") {
		t.Fatalf("apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := wb(t, v, "plan", "-f", m, "--detailed-exitcode"); r.code != exitOK {
		t.Fatalf("plan after apply: exit %d\n%s", r.code, r.stdout)
	}
}

// TestSecondaryEmailUnshownKeepsTheAccount: on Multi-tenant Cloud a user
// may hold several emails, and a server may list only the primary one
// (the single emails object of W&B's documented shape). A manifest that
// names zed by a secondary email plans zed's create, while the read's zed
// is unmanaged: removed from its team and deactivated. The create is
// refused 409 (the email is zed's), and the look-up by that email
// answers zed: the create fails saying so, and nothing that removes or
// deactivates zed is sent in the run.
func TestSecondaryEmailUnshownKeepsTheAccount(t *testing.T) {
	old := time.Now().Add(-30 * 24 * time.Hour).UTC() // past the grace period
	seed := writeState(t, map[string]any{
		"users": []any{
			map[string]any{"userName": "admin1", "emails": []string{"admin1@example.com"}, "organizationRole": "admin", "active": true, "created": old},
			map[string]any{"userName": "zed", "emails": []string{"zed@example.com", "zed.home@gmail.com"}, "active": true, "created": old},
			map[string]any{"userName": "amy", "emails": []string{"amy@example.com"}, "active": true, "created": old},
		},
		"teams": []any{map[string]any{"name": "core", "members": []any{"admin1", "zed", "amy"}}},
	})
	m := writeFile(t, "m.yaml", "version: 1\npolicy:\n  unmanagedUsers: deactivate\nusers:\n  - email: admin1@example.com\n    orgRole: admin\n"+
		"  - email: zed.home@gmail.com\n  - email: amy@example.com\nteams:\n  - name: core\n    members: [admin1@example.com, zed.home@gmail.com, amy@example.com]\n")
	emu := startEmu(t, emulator.Options{Deployment: "saas", LegacyShapes: true, Handles: true}, seed)
	v := vars(emu.url)
	v["WBSYNC_DEPLOYMENT"] = "saas"
	p := wb(t, v, "plan", "-f", m)
	if !strings.Contains(p.stdout, "- zed (zed@example.com)\n      - deactivate") || !strings.Contains(p.stdout, "- remove zed (zed@example.com)") {
		t.Fatalf("plan: exit %d, want zed removed and deactivated (the read does not show the secondary email)\n%s\n%s", p.code, p.stdout, p.stderr)
	}
	r := wb(t, v, "apply", "-f", m, "--auto-approve", "-o", "json")
	rep := decodeReport(t, r.stdout)
	got := map[string]string{}
	for _, op := range rep.Operations {
		got[op.Action+" "+op.User] = op.Status
	}
	if r.code != exitFailed || got["create_user zed.home@gmail.com"] != "failed" ||
		got["remove_member zed@example.com"] != "skipped" || got["deactivate_user zed@example.com"] != "skipped" {
		t.Fatalf("exit %d, operations %v, want the create failed and zed's removal and deactivation skipped\n%s\n%s", r.code, got, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "its look-up by email zed.home@gmail.com answers user zed@example.com") ||
		!strings.Contains(r.stdout, "list the user in the manifest by the email its record shows") {
		t.Errorf("the failure does not say whose email it is:\n%s", r.stdout)
	}
	snap := emu.srv.Snapshot()
	for _, u := range snap.Users {
		if u.UserName == "zed" && !u.Active {
			t.Fatalf("zed was deactivated: %+v", snap.Users)
		}
	}
	for _, tm := range snap.Teams {
		if tm.Name == "core" && len(tm.Members) != 3 {
			t.Fatalf("core lost a member: %+v", tm.Members)
		}
	}
}

// TestSecondaryEmailFilterBlindKeepsTheAccount: as
// TestSecondaryEmailUnshownKeepsTheAccount, against a server whose
// look-up by email sees primary emails only (whether W&B's sees the
// others is not documented): the 409 then names no one, yet on
// Multi-tenant Cloud, where the read shows one email per user (W&B's
// single emails object), nothing that removes or deactivates a user not
// in the manifest is sent in the run, as alice may hold the email unseen;
// the removal of a user the manifest lists goes ahead; the same when the
// look-up fails (the server refuses the emails.value filter). Where the
// read shows every email (arrays), no listed user can hold it unseen: the
// other users' removals and deactivations go ahead, as for any failed
// create.
func TestSecondaryEmailFilterBlindKeepsTheAccount(t *testing.T) {
	for _, tc := range []struct{ single, lookUpFails bool }{{true, false}, {true, true}, {false, false}} {
		single := tc.single
		user := func(id, name string, admin bool) map[string]any {
			u := map[string]any{"id": id, "userName": name, "active": true, "emails": []any{map[string]any{"value": name, "primary": true}}}
			if single {
				u["emails"] = map[string]any{"Value": name, "Primary": true}
			}
			if admin {
				u["organizationRole"] = "admin"
			}
			return u
		}
		users := []any{user("ur", "root@corp.com", true), user("ua", "alice@corp.com", false), user("ub", "bob@corp.com", false)}
		var mu sync.Mutex
		var writes []string
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			w.Header().Set("Content-Type", "application/scim+json")
			switch {
			case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/Users") && r.URL.Query().Get("filter") != "" && tc.lookUpFails:
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidFilter","detail":"filter not supported"}`))
			case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/Users") && r.URL.Query().Get("filter") != "":
				_, _ = w.Write(listBody(0)) // a look-up that sees no secondary email
			case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/Users"):
				_, _ = w.Write(listBody(len(users), users...))
			case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/Groups"):
				_, _ = w.Write(listBody(1, map[string]any{"id": "g1", "displayName": "ml", "members": []any{
					map[string]any{"value": "ur"}, map[string]any{"value": "ua"}, map[string]any{"value": "ub"}}}))
			case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Users"):
				w.WriteHeader(http.StatusConflict)
				_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","detail":"Resource already exists"}`))
			case r.Method == http.MethodPatch:
				body, _ := io.ReadAll(r.Body)
				writes = append(writes, r.URL.Path+" "+string(body))
				w.WriteHeader(http.StatusNoContent)
			default:
				http.NotFound(w, r)
			}
		}))
		m := writeFile(t, "m.yaml", "version: 1\npolicy:\n  unmanagedUsers: deactivate\nusers:\n  - email: root@corp.com\n    orgRole: admin\n"+
			"  - email: asmith@legacy.org\n  - email: bob@corp.com\nteams:\n  - name: ml\n    members: [root@corp.com, asmith@legacy.org]\n")
		v := vars(hs.URL + "/scim")
		v["WBSYNC_DEPLOYMENT"] = "saas"
		r := wb(t, v, "apply", "-f", m, "--auto-approve", "-o", "json", "--no-verify")
		hs.Close()
		got := map[string]string{}
		for _, op := range decodeReport(t, r.stdout).Operations {
			got[op.Action+" "+op.User] = op.Status
		}
		aliceOps := "skipped"
		if !single {
			aliceOps = "ok"
		}
		if r.code != exitFailed || got["create_user asmith@legacy.org"] != "failed" || got["remove_member alice@corp.com"] != aliceOps ||
			got["deactivate_user alice@corp.com"] != aliceOps || got["remove_member bob@corp.com"] != "ok" {
			t.Fatalf("%+v: exit %d, operations %v: want the create failed, alice's removal and deactivation %s, bob's removal done\n%s\n%s",
				tc, r.code, got, aliceOps, r.stdout, r.stderr)
		}
		touched := slices.ContainsFunc(writes, func(w string) bool { return strings.Contains(w, "ua") })
		if touched != !single {
			t.Errorf("one email shown %t: a write touched alice %t: %v", single, touched, writes)
		}
		if said := strings.Contains(r.stdout, "the email may be a secondary email of a user the read lists under another"); said != single {
			t.Errorf("one email shown %t: the failure says the email may be a secondary one: %t\n%s", single, said, r.stdout)
		}
	}
}

// TestEmailUpdateOnDedicatedWithSeveralEmails: on Dedicated (one email per
// user: the emulator refuses a PATCH of two), a user listed with a second
// email and matched by its handle gets its email replaced by the
// manifest's, in one request the server takes; the plan names the other
// email it removes, and the apply verifies.
func TestEmailUpdateOnDedicatedWithSeveralEmails(t *testing.T) {
	emu := startEmu(t, emulator.Options{Handles: true, ExtraEmails: true}, writeState(t, map[string]any{
		"users": []map[string]any{{"userName": "carol@example.com", "active": true, "organizationRole": "admin"}},
		"teams": []map[string]any{},
	}))
	v := vars(emu.url)
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: carol.new@example.com\n    username: carol\nteams: []\n")
	p := wb(t, v, "plan", "-f", m, "-o", "json")
	if p.code != exitOK || !strings.Contains(p.stdout, `"from_email": "carol@example.com"`) || !strings.Contains(p.stdout, `"dropped_emails": [`+"\n"+`        "carol@alias.example.com"`) {
		t.Fatalf("plan: exit %d, want an email update naming the alias it drops\n%s\n%s", p.code, p.stdout, p.stderr)
	}
	r := wb(t, v, "apply", "-f", m, "--auto-approve")
	if r.code != exitOK || !strings.Contains(r.stdout, "Verified: the organization matches the manifest.") {
		t.Fatalf("apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestReadAgainWhenTheOrganizationChanges: a read that sees the
// organization change between two pages (totalResults moves) is made
// again, up to three times in all; a read that keeps seeing changes fails
// with exit 1, saying so.
func TestReadAgainWhenTheOrganizationChanges(t *testing.T) {
	var users []any
	manifest := "version: 1\nusers:\n"
	for _, u := range []string{"a", "b", "c", "d", "e"} {
		users = append(users, map[string]any{"userName": u + "@example.com"})
		manifest += "  - email: " + u + "@example.com\n"
	}
	seed := writeState(t, map[string]any{"users": users})
	m := writeFile(t, "m.yaml", manifest)
	for _, tc := range []struct {
		spoiled, reads, code int
		want                 string
	}{
		{1, 2, exitOK, "the organization changed while it was read: reading it again"},
		{5, 3, exitError, "(3 reads, each of which saw it change: if nothing changes it that fast, the server may not answer startIndex as RFC 7644 says; doctor's paging check tells): list users: the organization changed while reading (totalResults 5, then 6 at startIndex "},
	} {
		emu := startEmu(t, emulator.Options{}, seed)
		var mu sync.Mutex
		reads := 0
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/Users") {
				emu.srv.ServeHTTP(w, r)
				return
			}
			mu.Lock()
			if r.URL.Query().Get("startIndex") == "1" {
				reads++
			}
			spoil := reads <= tc.spoiled && r.URL.Query().Get("startIndex") != "1"
			mu.Unlock()
			if !spoil {
				emu.srv.ServeHTTP(w, r)
				return
			}
			editedPage(t, emu.srv, w, r, func(page map[string]any) {
				page["totalResults"] = page["totalResults"].(float64) + 1 // a user created meanwhile
			})
		}))
		r := wb(t, vars(hs.URL+"/scim"), "plan", "-f", m, "--page-size", "2")
		hs.Close()
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) || reads != tc.reads {
			t.Errorf("%d spoiled reads: exit %d after %d reads, want %d after %d, and %q:\n%s", tc.spoiled, r.code, reads, tc.code, tc.reads, tc.want, r.stderr)
		}
		if strings.Contains(r.stderr, "run again") {
			t.Errorf("%d spoiled reads: wbsync read again already, yet says to run again:\n%s", tc.spoiled, r.stderr)
		}
	}
}

// TestReadAgainWhenATeamReadsWithoutMembers: a team listed without its
// members while a user's teamRoles name it (a team emptied or joined
// between the read of the teams and that of the users, or a server that
// leaves members out) is read alone; when that comes without members too,
// the organization is read again once: once so, the plan is made from the
// second read; twice so, plan fails with exit 1, saying it read twice. A
// team whose read alone gives its members needs no second read.
func TestReadAgainWhenATeamReadsWithoutMembers(t *testing.T) {
	seed := writeState(t, map[string]any{
		"users": []any{map[string]any{"userName": "a@example.com"}, map[string]any{"userName": "b@example.com"}},
		"teams": []any{map[string]any{"name": "ml", "members": []any{"a@example.com"}}},
	})
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\n  - email: b@example.com\nteams:\n  - name: ml\n    members: [a@example.com]\n")
	for _, tc := range []struct {
		spoiled, code int
		alone         bool // the read alone spoiled too
		want          string
		lists         int32
	}{
		{1, exitOK, true, "a team read without members while a user names it: reading the organization again", 2},
		{2, exitError, true, `(read twice, and found so both times): read teams: team "ml" (id `, 2},
		{2, exitOK, false, "read the live organization", 1},
	} {
		emu := startEmu(t, emulator.Options{}, seed)
		var lists atomic.Int32
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.URL.Path == "/scim/Groups" && int(lists.Add(1)) <= tc.spoiled:
				editedPage(t, emu.srv, w, r, func(page map[string]any) {
					for _, g := range page["Resources"].([]any) {
						delete(g.(map[string]any), "members")
					}
				})
			case strings.HasPrefix(r.URL.Path, "/scim/Groups/") && tc.alone && int(lists.Load()) <= tc.spoiled:
				editedPage(t, emu.srv, w, r, func(group map[string]any) { delete(group, "members") })
			default:
				emu.srv.ServeHTTP(w, r)
			}
		}))
		r := wb(t, vars(hs.URL+"/scim"), "plan", "-f", m)
		hs.Close()
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) || lists.Load() != tc.lists {
			t.Errorf("%d spoiled reads (alone too: %t): exit %d after %d lists, want %d after %d and %q:\n%s%s", tc.spoiled, tc.alone, r.code, lists.Load(), tc.code, tc.lists, tc.want, r.stdout, r.stderr)
		}
		if tc.code == exitOK && !strings.Contains(r.stdout, "No changes.") {
			t.Errorf("the second read's plan:\n%s", r.stdout)
		}
	}
}

// TestKeyLostWithItsOwner: the key of a user the run deactivates stops
// working once the deactivation is done (on Multi-tenant Cloud the user
// leaves the organization, and their key with them); the verification
// read is then refused, and says the key may have been the deactivated
// user's. A run that deactivated no one does not say it.
func TestKeyLostWithItsOwner(t *testing.T) {
	for _, deactivates := range []bool{true, false} {
		seed := seedOf(t, map[string]any{
			"users": []any{
				map[string]any{"userName": "admin@example.com", "organizationRole": "admin"},
				map[string]any{"userName": "owner@example.com"},
			},
			"teams": []any{},
		})
		srv, err := emulator.New(emulator.Options{Deployment: string(model.SaaS)}, seed, zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel)))
		if err != nil {
			t.Fatal(err)
		}
		var revoked atomic.Bool
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if revoked.Load() {
				w.Header().Set("Content-Type", "application/scim+json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401","detail":"invalid API key"}`))
				return
			}
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			srv.ServeHTTP(w, r)
			// The last write of the run: the key goes with it.
			revoked.Store(r.Method == http.MethodPatch)
		}))
		manifest := "version: 1\npolicy:\n  unmanagedUsers: deactivate\n  unmanagedGracePeriod: 0\nusers:\n  - email: admin@example.com\n    orgRole: admin\n"
		if !deactivates {
			manifest += "  - email: owner@example.com\n    orgRole: admin\n" // a write, no deactivation
		}
		r := wb(t, vars(hs.URL+"/scim"), "apply", "-f", writeFile(t, "m.yaml", manifest), "--deployment", "saas", "--auto-approve")
		said := strings.Contains(r.stderr, "(this run deactivated 1 user(s) before the key was refused: if the key was one of theirs, it lost its access with them; ")
		if said != deactivates || !strings.Contains(r.stderr, "the verification read failed") || !strings.Contains(r.stderr, "401") {
			t.Errorf("deactivates %t: exit %d, note said %t\n%s\n%s", deactivates, r.code, said, r.stdout, r.stderr)
		}
		hs.Close()
	}
}

// seedOf is the emulator state m seeds, as --state would read it.
func seedOf(t *testing.T, m map[string]any) *emulator.State {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	seed, err := emulator.ParseState(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return seed
}

// editedPage answers r with h's answer, a JSON object, as edit changes it.
func editedPage(t *testing.T, h http.Handler, w http.ResponseWriter, r *http.Request, edit func(page map[string]any)) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	var page map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
		t.Errorf("%s: %v", r.URL.Path, err)
		return
	}
	edit(page)
	w.Header().Set("Content-Type", "application/scim+json")
	_ = json.NewEncoder(w).Encode(page)
}

// TestDeactivatedUserGoneWarnsSaaS: a plan for Dedicated Cloud whose
// deactivations leave the users unlisted (as Multi-tenant Cloud does, for
// good) says so after the verification, and to plan for saas; a server that
// keeps them listed deactivated says nothing of it.
func TestDeactivatedUserGoneWarnsSaaS(t *testing.T) {
	const gone = "user(s) this run deactivated are no longer listed at all, which is how W&B Multi-tenant Cloud deactivates"
	manifest := "version: 1\npolicy:\n  unmanagedUsers: deactivate\n  unmanagedGracePeriod: 0\nusers:\n  - email: a@example.com\n"
	state := map[string]any{"users": []any{map[string]any{"userName": "a@example.com"}, map[string]any{"userName": "b@example.com"}}}
	for _, dep := range []string{"saas", "dedicated"} {
		emu := startEmu(t, emulator.Options{Deployment: dep}, writeState(t, state))
		r := wb(t, vars(emu.url), "apply", "-f", writeFile(t, "m.yaml", manifest), "--auto-approve") // dedicated: the loopback URL's default
		if r.code != exitOK || strings.Contains(r.stderr, gone) != (dep == "saas") || dep == "saas" && !strings.Contains(r.stderr, "plan with --deployment saas") {
			t.Errorf("server %s: exit %d\n%s\n%s", dep, r.code, r.stdout, r.stderr)
		}
	}
}
