package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wbsync/wbsync/pkg/doctor"
	"github.com/wbsync/wbsync/pkg/emulator"
)

// doctorJSON runs wbsync doctor -o json and decodes its report.
func doctorJSON(t *testing.T, v map[string]string, args ...string) (doctor.Report, result) {
	t.Helper()
	r := wb(t, v, append([]string{"doctor", "-o", "json"}, args...)...)
	var rep doctor.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("doctor -o json: %v\nstdout:\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	if len(rep.Checks) != len(doctor.Names) {
		t.Fatalf("%d checks, want %d", len(rep.Checks), len(doctor.Names))
	}
	for i, c := range rep.Checks {
		if c.Name != doctor.Names[i] {
			t.Errorf("check %d is %q, want %q", i, c.Name, doctor.Names[i])
		}
	}
	return rep, r
}

// TestDoctorHealthy: exit 0 on a healthy emulator, a table ending with the
// Doctor: line, JSON that parses, GET requests only.
func TestDoctorHealthy(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	v := vars(emu.url)
	r := wb(t, v, "doctor")
	if r.code != exitOK {
		t.Fatalf("doctor exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != len(doctor.Names)+1 || !strings.HasPrefix(lines[len(lines)-1], "Doctor: ") {
		t.Fatalf("text output:\n%s", r.stdout)
	}
	if last := lines[len(lines)-1]; last != "Doctor: 10 ok, 2 warnings, 0 failed." { // duplicate team, no externalId
		t.Errorf("last line %q", last)
	}
	rep, r := doctorJSON(t, v)
	if r.code != exitOK || !rep.OK {
		t.Fatalf("doctor -o json: exit %d, ok %v", r.code, rep.OK)
	}
	if c := rep.Get(doctor.NameCounts); c.Status != doctor.Warn || !strings.Contains(c.Detail, "data-eng") {
		t.Errorf("counts: %+v", c)
	}
	if strings.Contains(r.stdout+r.stderr, testKey) {
		t.Error("doctor printed the API key")
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("doctor sent %d write requests", n)
	}
}

// TestDoctorAuthFailures: a refused key fails auth and exits 1, with the
// likely cause, and nothing is written.
func TestDoctorAuthFailures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  emulator.Options
		cause string
	}{
		{"wrong key", emulator.Options{APIKey: "another-key-0123456789abcdef"}, "401 Unauthorized"},
		{"team-scoped key", emulator.Options{TeamScopedKey: testKey}, "team-scoped service account"},
		{"non-admin key", emulator.Options{NonAdminKey: testKey}, "not an org admin"},
		{"bearer refused", emulator.Options{BasicOnly: true}, "but the key is accepted with Basic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu := startEmu(t, tc.opts, examplePath("emulator-state.json"))
			r := wb(t, vars(emu.url), "doctor")
			if r.code != exitError || !strings.Contains(r.stdout, "FAIL  auth") || !strings.HasSuffix(r.stdout, "1 failed.\n") {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			rep, r := doctorJSON(t, vars(emu.url))
			if r.code != exitError || rep.OK {
				t.Fatalf("JSON: exit %d, ok %v", r.code, rep.OK)
			}
			if c := rep.Get(doctor.NameAuth); c.Status != doctor.Fail || !strings.Contains(c.Detail, tc.cause) {
				t.Errorf("auth: %+v, want fail with %q", c, tc.cause)
			}
			if n := writes(emu.requests(t)); n != 0 {
				t.Fatalf("%d write requests", n)
			}
		})
	}
}

// TestDoctorNoKey: without a key doctor exits 1 before any request.
func TestDoctorNoKey(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, "")
	r := wb(t, map[string]string{"WBSYNC_URL": emu.url}, "doctor")
	if r.code != exitError || !strings.Contains(r.stderr, "no API key") || r.stdout != "" {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	total := 0
	for _, n := range emu.requests(t) {
		total += n
	}
	if total != 0 {
		t.Fatalf("the emulator saw %d request(s) without a key", total)
	}
}

// TestDoctorBasePathAndDeployment: a /scim/v2-only server and a
// --deployment the host does not suggest are warnings (exit 0), and the
// checks after base_path run through /scim/v2.
func TestDoctorBasePathAndDeployment(t *testing.T) {
	emu := startEmu(t, emulator.Options{BasePaths: emulator.BasePathsV2}, examplePath("emulator-state.json"))
	v := vars(emu.url)
	v["WBSYNC_DEPLOYMENT"] = "saas"
	rep, r := doctorJSON(t, v)
	if r.code != exitOK || !rep.OK {
		t.Fatalf("exit %d, ok %v\n%s", r.code, rep.OK, r.stdout)
	}
	if c := rep.Get(doctor.NameBasePath); c.Status != doctor.Warn || !strings.Contains(c.Detail, "pass --url "+emu.url+"/v2") {
		t.Errorf("base_path: %+v", c)
	}
	if c := rep.Get(doctor.NameDeployment); c.Status != doctor.Warn || !strings.Contains(c.Detail, "--deployment saas") {
		t.Errorf("deployment: %+v", c)
	}
	if c := rep.Get(doctor.NameCounts); !strings.Contains(c.Detail, "11 users") {
		t.Errorf("counts did not read through /scim/v2: %+v", c)
	}
	r = wb(t, v, "doctor", "--deployment", "dedicated")
	if r.code != exitOK || !strings.Contains(r.stdout, "as the host 127.0.0.1 suggests") {
		t.Errorf("--deployment dedicated: exit %d\n%s", r.code, r.stdout)
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("%d write requests", n)
	}
}

// TestDoctorUsage: doctor takes no argument and only text or json.
func TestDoctorUsage(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, "")
	for _, args := range [][]string{{"doctor", "extra"}, {"doctor", "-o", "markdown"}} {
		if r := wb(t, vars(emu.url), args...); r.code != exitError {
			t.Errorf("%v: exit %d", args, r.code)
		}
	}
	if r := wb(t, nil, "doctor", "--help"); r.code != exitOK || !strings.Contains(r.stdout, "wbsync doctor") {
		t.Errorf("--help: exit %d\n%s", r.code, r.stderr)
	}
}

// TestDoctorOtherBaseTriedOnce: the probe of the other base path is
// optional, so a server that never answers there gets one request (one
// --timeout), not a read's whole retry budget; the checks that matter
// still pass.
func TestDoctorOtherBaseTriedOnce(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	var v2 atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/scim/v2/") {
			v2.Add(1)
			<-r.Context().Done() // never answers
			return
		}
		emu.srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	rep, r := doctorJSON(t, vars(hs.URL+"/scim"), "--timeout", "1s")
	if r.code != exitOK || rep.Get(doctor.NameAuth).Status != doctor.OK {
		t.Fatalf("doctor: exit %d, auth %+v\nstderr:\n%s", r.code, rep.Get(doctor.NameAuth), r.stderr)
	}
	if n := v2.Load(); n != 1 {
		t.Errorf("%d requests to /scim/v2, want 1: an optional probe is not retried for minutes", n)
	}
}

// TestDoctorPastTheEndProbeSentOnce: the optional paging probe of a page
// past the end is sent once; a gateway that answers it 500 does not cost
// a read's retry budget.
func TestDoctorPastTheEndProbeSentOnce(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	var pastEnd atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if start, _ := strconv.Atoi(q.Get("startIndex")); r.URL.Path == "/scim/Users" && q.Get("count") == "1" && start > 11 { // past the 11 users of the state
			pastEnd.Add(1)
			http.Error(w, "upstream error", http.StatusInternalServerError)
			return
		}
		emu.srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	rep, r := doctorJSON(t, vars(hs.URL+"/scim"))
	if r.code != exitOK || rep.Get(doctor.NamePaging).Status == doctor.Fail {
		t.Fatalf("doctor: exit %d, paging %+v\nstderr:\n%s", r.code, rep.Get(doctor.NamePaging), r.stderr)
	}
	if n := pastEnd.Load(); n != 1 {
		t.Errorf("%d requests past the end, want 1", n)
	}
}

// TestDoctorReadsTeamsAloneAsPlanDoes: on a server that lists its teams
// without their members and sends no teamRoles, plan reads each team alone
// (GET /Groups/{id}); doctor's full read does too, so that a refused
// per-team read fails counts, as it fails plan, and the latency estimate
// counts those requests.
func TestDoctorReadsTeamsAloneAsPlanDoes(t *testing.T) {
	emu := startEmu(t, emulator.Options{OmitRoles: true}, examplePath("emulator-state.json"))
	for _, refuse := range []bool{false, true} {
		var alone atomic.Int32
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/scim/Groups/") {
				alone.Add(1)
				if refuse {
					http.Error(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"403","detail":"Forbidden"}`, http.StatusForbidden)
					return
				}
			}
			if r.URL.Path != "/scim/Groups" {
				emu.srv.ServeHTTP(w, r)
				return
			}
			editedPage(t, emu.srv, w, r, func(page map[string]any) {
				rs, _ := page["Resources"].([]any)
				for _, g := range rs {
					delete(g.(map[string]any), "members")
				}
			})
		}))
		t.Cleanup(hs.Close)
		rep, r := doctorJSON(t, vars(hs.URL+"/scim"))
		teams := int(alone.Load())
		switch {
		case teams == 0:
			t.Fatalf("refuse %t: no team read alone\nstderr:\n%s", refuse, r.stderr)
		case refuse && (r.code != exitError || rep.Get(doctor.NameCounts).Status != doctor.Fail ||
			!strings.Contains(rep.Get(doctor.NameCounts).Detail, "403")):
			t.Errorf("per-team reads refused: exit %d, counts %+v; want exit 1, counts failed as plan fails", r.code, rep.Get(doctor.NameCounts))
		case !refuse && (r.code != exitOK || !strings.Contains(rep.Get(doctor.NameLatency).Detail, strconv.Itoa(teams)+" team(s) read alone")):
			t.Errorf("per-team reads answered: exit %d, latency %+v; want it to count the %d teams read alone", r.code, rep.Get(doctor.NameLatency), teams)
		}
	}
}

// TestDoctorRolesRefusedAlone: a key refused /Roles alone (403) gets the
// hint plan gives, that it may not list custom roles, not the generic one
// of a key that cannot use SCIM, beside auth ok.
func TestDoctorRolesRefusedAlone(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/scim/Roles" {
			http.Error(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"403","detail":"Forbidden"}`, http.StatusForbidden)
			return
		}
		emu.srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	rep, r := doctorJSON(t, vars(hs.URL+"/scim"), "--deployment", "dedicated")
	roles := rep.Get(doctor.NameCustomRoles)
	if r.code != exitOK || rep.Get(doctor.NameAuth).Status != doctor.OK || roles.Status != doctor.Warn ||
		!strings.Contains(roles.Detail, "the key may not list custom roles") || strings.Contains(roles.Detail, "may not use SCIM") {
		t.Errorf("exit %d, auth %+v, custom_roles %+v", r.code, rep.Get(doctor.NameAuth), roles)
	}
}

// TestDoctorRedirectToTheOtherBasePath: a server that serves SCIM at
// /scim/v2 only and redirects /scim there gets the other base path probed
// and named (pass --url .../scim/v2), not a failed auth check with nothing
// else checked: wbsync still follows no redirect.
func TestDoctorRedirectToTheOtherBasePath(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	var hs *httptest.Server
	hs = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, "/scim/v2/"); ok {
			r.URL.Path = "/scim/" + rest
			emu.srv.ServeHTTP(w, r)
			return
		}
		http.Redirect(w, r, hs.URL+"/scim/v2"+strings.TrimPrefix(r.URL.Path, "/scim")+"?"+r.URL.RawQuery, http.StatusPermanentRedirect)
	}))
	t.Cleanup(hs.Close)
	rep, r := doctorJSON(t, vars(hs.URL+"/scim"))
	base := rep.Get(doctor.NameBasePath)
	if rep.Get(doctor.NameAuth).Status != doctor.OK || base.Status != doctor.Warn ||
		!strings.Contains(base.Detail, "only /scim/v2 answers: pass --url "+hs.URL+"/scim/v2 (/scim redirects there, and wbsync never follows a redirect)") ||
		rep.Get(doctor.NameCounts).Status == doctor.Fail {
		t.Errorf("exit %d, auth %+v, base_path %+v, counts %+v\n%s", r.code, rep.Get(doctor.NameAuth), base, rep.Get(doctor.NameCounts), r.stderr)
	}
}
