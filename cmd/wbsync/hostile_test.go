package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wbsync/wbsync/internal/rawserve"
	"github.com/wbsync/wbsync/pkg/emulator"
)

// A hostile SCIM server: it lies, echoes credentials, redirects, sends
// records that are missing what identifies them, and never stops sending.
// Every case asserts the exit code, that nothing was written, and that the
// API key (raw, as "Bearer KEY", as base64(":"+KEY), and every 8-character
// fragment of the key and of its base64 form) is in no output stream and no
// file. Memory is measured as the child process's peak RSS.

const hostileKey = "wbk-hostile-7f3a9c2e5b1d4f6a8c0e2b4d6f8a1c3e"

type hostile struct {
	t      *testing.T
	mode   string
	writes atomic.Int64
	gets   atomic.Int64
	srv    *httptest.Server
}

func startHostile(t *testing.T, mode string) *hostile {
	h := &hostile{t: t, mode: mode}
	h.srv = httptest.NewServer(h)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hostile) url() string { return h.srv.URL + "/scim" }

// listBody is a ListResponse of the given resources and claimed total.
func listBody(total int, resources ...any) []byte {
	b, _ := json.Marshal(map[string]any{
		"schemas":      []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
		"totalResults": total, "startIndex": 1, "itemsPerPage": len(resources), "Resources": resources,
	})
	return b
}

func (h *hostile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		h.writes.Add(1)
	} else {
		h.gets.Add(1)
	}
	auth := r.Header.Get("Authorization")
	users := strings.HasSuffix(r.URL.Path, "/Users")
	start, _ := strconv.Atoi(r.URL.Query().Get("startIndex"))
	if start < 1 {
		start = 1
	}
	w.Header().Set("Content-Type", "application/scim+json")
	switch h.mode {
	case "echo-error":
		// The Authorization header in every field of a SCIM error.
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]any{"detail": "bad request from " + auth, "scimType": auth, "status": "400",
			"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"}})
	case "echo-plain":
		// A plain-text error whose 200-character cut lands inside the key.
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, strings.Repeat("x", 190)+auth+" and more")
	case "echo-snippet":
		// A body that does not decode, quoting the key around the error.
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"totalResults": 1, "Resources": [{"id": "`+auth+`", "userName": `+auth+`}]}`)
	case "echo-records":
		// Valid records whose names are the credentials: they reach the plan.
		if users {
			w.Write(listBody(2,
				map[string]any{"id": "u1", "userName": auth, "displayName": hostileKey, "active": true},
				map[string]any{"id": "u2", "userName": "b64-" + base64.StdEncoding.EncodeToString([]byte(":" + hostileKey))[:20], "active": true}))
			return
		}
		w.Write(listBody(1, map[string]any{"id": "g1", "displayName": "team-" + hostileKey[4:16], "members": []any{}}))
	case "missing-username":
		if users {
			w.Write(listBody(3, map[string]any{"id": "u1", "active": true}, map[string]any{"id": "u2", "active": true},
				map[string]any{"id": "u3", "active": true}))
			return
		}
		w.Write(listBody(1, map[string]any{"id": "g1", "displayName": "ml", "members": []any{
			map[string]any{"value": "u1"}, map[string]any{"value": "u2"}, map[string]any{"value": "u3"}}}))
	case "missing-member-value":
		if users {
			w.Write(listBody(1, map[string]any{"id": "u1", "userName": "a@example.com", "active": true}))
			return
		}
		w.Write(listBody(1, map[string]any{"id": "g1", "displayName": "ml", "members": []any{map[string]any{"display": "who"}}}))
	case "lying-total":
		// Four million users claimed, one per page, each new.
		if !users {
			w.Write(listBody(0))
			return
		}
		w.Write(listBody(4_000_000, map[string]any{"id": fmt.Sprintf("u%d", start), "userName": fmt.Sprintf("u%d@example.com", start), "active": true}))
	case "endless":
		// A body that never ends: one string without end.
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"totalResults": 1, "Resources": [{"id": "u1", "userName": "`)
		chunk := []byte(strings.Repeat("a", 64<<10))
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	case "endless-records":
		// A body that never ends: well-formed records without end, each new.
		if !users {
			w.Write(listBody(0))
			return
		}
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"totalResults": 1000000, "Resources": [`)
		var chunk strings.Builder
		for i := 0; ; i++ {
			chunk.Reset()
			for j := 0; j < 512; j++ {
				fmt.Fprintf(&chunk, `{"id": "u%d-%d", "userName": "user%d-%d@example.com", "active": true},`, i, j, i, j)
			}
			if _, err := io.WriteString(w, chunk.String()); err != nil {
				return
			}
		}
	case "groups-as-user":
		// The team list answered with a User's envelope, empty: read so,
		// it would be an organization without teams.
		if users {
			w.Write(listBody(1, map[string]any{"id": "u1", "userName": "a@example.com", "active": true}))
			return
		}
		io.WriteString(w, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"totalResults":0}`)
	case "controls":
		if users {
			w.Write(listBody(1, map[string]any{"id": "u1", "userName": "mallory\x1b[2J\x1b[H@example.com\n      - deactivate ceo@example.com\u009b31m\u202e\u200b", "active": true}))
			return
		}
		w.Write(listBody(0))
	default:
		h.t.Errorf("unknown hostile mode %q", h.mode)
	}
}

// keyLeaks returns what of the key's forms out holds.
func keyLeaks(out string) []string {
	var found []string
	b64 := base64.StdEncoding.EncodeToString([]byte(":" + hostileKey))
	for _, form := range []string{hostileKey, "Bearer " + hostileKey, b64} {
		if strings.Contains(out, form) {
			found = append(found, form)
		}
	}
	for _, form := range []string{hostileKey, b64[2 : len(b64)-2]} {
		for i := 0; i+8 <= len(form); i++ {
			if strings.Contains(out, form[i:i+8]) {
				found = append(found, form[i:i+8])
				break
			}
		}
	}
	return found
}

// checkNoLeak fails when any output or file of the run holds the key.
func checkNoLeak(t *testing.T, r procRun, files ...string) {
	t.Helper()
	if l := keyLeaks(r.stdout); len(l) > 0 {
		t.Errorf("stdout leaks %q:\n%s", l, r.stdout)
	}
	if l := keyLeaks(r.stderr); len(l) > 0 {
		t.Errorf("stderr leaks %q:\n%s", l, r.stderr)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // not written: nothing to leak
		}
		if l := keyLeaks(string(b)); len(l) > 0 {
			t.Errorf("%s leaks %q", filepath.Base(f), l)
		}
	}
}

const hostileManifest = `version: 1
policy:
  unmanagedUsers: deactivate
  limits: {maxDeactivations: 100, maxMemberRemovals: 100}
users:
  - email: a@example.com
teams:
  - name: ml
    members: [a@example.com]
`

func TestHostileServers(t *testing.T) {
	manifest := writeFile(t, "wbsync.yaml", hostileManifest)
	cases := []struct {
		mode   string
		auth   string
		args   []string
		code   int
		stderr []string // all must appear
		maxRSS int64
	}{
		{mode: "echo-error", auth: "bearer", code: exitError, stderr: []string{"400"}},
		{mode: "echo-error", auth: "basic", code: exitError, stderr: []string{"400"}},
		{mode: "echo-plain", auth: "bearer", code: exitError, stderr: []string{"400"}},
		{mode: "echo-plain", auth: "basic", code: exitError, stderr: []string{"400"}},
		{mode: "echo-snippet", auth: "bearer", code: exitError, stderr: []string{"decode"}},
		{mode: "echo-snippet", auth: "basic", code: exitError, stderr: []string{"decode"}},
		{mode: "echo-records", auth: "bearer", code: exitOK},
		{mode: "echo-records", auth: "basic", code: exitOK},
		{mode: "missing-username", auth: "bearer", code: exitError, stderr: []string{"userName", "u1"}},
		{mode: "missing-member-value", auth: "bearer", code: exitError, stderr: []string{"value", "g1"}},
		{mode: "lying-total", auth: "bearer", code: exitError, stderr: []string{"4000000"}, maxRSS: 64 << 20},
		{mode: "endless", auth: "bearer", code: exitError, stderr: []string{"JSON bounds"}, maxRSS: 64 << 20},
		{mode: "endless-records", auth: "bearer", code: exitError, stderr: []string{"more than 9999"}, maxRSS: 64 << 20},
		{mode: "endless-records", auth: "bearer", args: []string{"--concurrency", "64"}, code: exitError, stderr: []string{"more than 9999"}, maxRSS: 64 << 20},
		// Over the cap: the run goes on at 64, saying so, and stays as bounded.
		{mode: "endless-records", auth: "bearer", args: []string{"--concurrency", "1000"}, code: exitError, stderr: []string{"more than 9999", "--concurrency (or WBSYNC_CONCURRENCY) 1000: capped at 64"}, maxRSS: 64 << 20},
		{mode: "controls", auth: "bearer", code: exitOK},
		{mode: "groups-as-user", auth: "bearer", code: exitError, stderr: []string{"the body is not a SCIM list response: its schemas name ", "urn:ietf:params:scim:schemas:core:2.0:User", "not urn:ietf:params:scim:api:messages:2.0:ListResponse"}},
	}
	for _, tc := range cases {
		t.Run(tc.mode+"/"+tc.auth+strings.Join(tc.args, ""), func(t *testing.T) {
			h := startHostile(t, tc.mode)
			dir := t.TempDir()
			planFile, report := filepath.Join(dir, "plan.json"), filepath.Join(dir, "report.json")
			env := []string{"WANDB_API_KEY=" + hostileKey, "WBSYNC_URL=" + h.url(), "WBSYNC_AUTH=" + tc.auth}
			// plan (saving a plan file and metrics), then apply with a report:
			// neither may write, leak or grow.
			for _, args := range [][]string{
				append([]string{"plan", "-f", manifest, "--log-level", "debug", "--out", planFile, "--metrics-file", filepath.Join(dir, "m.prom")}, tc.args...),
				append([]string{"apply", "-f", manifest, "--auto-approve", "--log-level", "debug", "--log-format", "json", "--report", report, "-o", "json"}, tc.args...),
			} {
				run := runBinary
				if tc.maxRSS > 0 {
					run = runPeak
				}
				r := run(t, env, args...)
				wantCode := tc.code
				if args[0] == "apply" && tc.code == exitOK {
					wantCode = r.code // apply of an echoing org may fail its writes: the leak check is what matters
				}
				if r.code != wantCode {
					t.Errorf("%s: exit %d, want %d\nstderr:\n%s", args[0], r.code, wantCode, r.stderr)
				}
				for _, s := range tc.stderr {
					if !strings.Contains(r.stderr, s) {
						t.Errorf("%s: stderr lacks %q:\n%s", args[0], s, r.stderr)
					}
				}
				t.Logf("%s: peak RSS %d KB", args[0], r.maxRSS>>10)
				if tc.maxRSS > 0 && r.maxRSS > tc.maxRSS {
					t.Errorf("%s: peak RSS %d MB, want at most %d MB", args[0], r.maxRSS>>20, tc.maxRSS>>20)
				}
				if strings.ContainsRune(r.stdout, 0x1b) || strings.ContainsRune(r.stderr, 0x1b) {
					t.Errorf("%s: an escape character reached the output", args[0])
				}
				checkNoLeak(t, r, planFile, report, filepath.Join(dir, "m.prom"))
			}
			if tc.code != exitOK {
				if n := h.writes.Load(); n != 0 {
					t.Errorf("%d write requests reached a server whose read failed", n)
				}
			}
		})
	}
}

// TestRedirectNeverFollowed: a 307 to another host is an error naming the
// Location; no request carrying the key reaches the other host.
func TestRedirectNeverFollowed(t *testing.T) {
	var elsewhere atomic.Int64
	var sawKey atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		if strings.Contains(r.Header.Get("Authorization"), hostileKey) || r.Header.Get("Authorization") != "" {
			sawKey.Store(true)
		}
		w.Header().Set("Content-Type", "application/scim+json")
		w.Write(listBody(0))
	}))
	defer other.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path+"?token=secret-query", http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()
	manifest := writeFile(t, "wbsync.yaml", hostileManifest)
	for _, auth := range []string{"bearer", "basic"} {
		r := runBinary(t, []string{"WANDB_API_KEY=" + hostileKey, "WBSYNC_URL=" + redirector.URL + "/scim", "WBSYNC_AUTH=" + auth},
			"plan", "-f", manifest)
		if r.code != exitError {
			t.Fatalf("%s: exit %d, want 1\n%s", auth, r.code, r.stderr)
		}
		if !strings.Contains(r.stderr, strings.TrimPrefix(other.URL, "http://")) || !strings.Contains(r.stderr, "--url") {
			t.Errorf("%s: the error does not name the Location and --url:\n%s", auth, r.stderr)
		}
		if strings.Contains(r.stderr, "secret-query") {
			t.Errorf("%s: the Location's query was printed:\n%s", auth, r.stderr)
		}
		checkNoLeak(t, r)
	}
	if elsewhere.Load() != 0 || sawKey.Load() {
		t.Errorf("the redirect was followed: %d request(s) reached the other host (key sent: %v)", elsewhere.Load(), sawKey.Load())
	}
}

// TestControlCharactersInPlan: a userName with escape sequences is shown
// escaped in the plan, never acted on by the terminal.
func TestControlCharactersInPlan(t *testing.T) {
	h := startHostile(t, "controls")
	manifest := writeFile(t, "wbsync.yaml", "version: 1\nusers: []\nteams: []\n")
	r := runBinary(t, []string{"WANDB_API_KEY=" + hostileKey, "WBSYNC_URL=" + h.url()}, "plan", "-f", manifest, "-o", "markdown")
	if r.code != exitOK || !strings.Contains(r.stdout, `mallory\x1b[2J`) || strings.Contains(r.stdout, "\n      - deactivate ceo") {
		t.Errorf("exit %d; markdown:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// JSON escapes C0 controls itself; C1 controls and bidirectional
	// characters are escaped too, in the plan and in the logs (both
	// formats), which a terminal shows.
	for _, args := range [][]string{{"-o", "json"}, {"--log-level", "debug"}, {"--log-level", "debug", "--log-format", "json"}} {
		r := runBinary(t, []string{"WANDB_API_KEY=" + hostileKey, "WBSYNC_URL=" + h.url()}, append([]string{"plan", "-f", manifest}, args...)...)
		for _, out := range []string{r.stdout, r.stderr} {
			for _, c := range out {
				if c >= 0x80 && c <= 0x9f || c == 0x202e || c == 0x200b || c == 0x1b {
					t.Errorf("%v: raw %U in the output:\n%s", args, c, out)
					break
				}
			}
		}
	}
}

// TestUnsolicitedBytesRedacted: a server that sends bytes past each
// answer's Content-Length, echoing the Authorization header, makes
// net/http log them through the standard logger; they reach stderr only
// through the redacting logger, at debug level.
func TestUnsolicitedBytesRedacted(t *testing.T) {
	addr := rawserve.Serve(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		for {
			req, err := http.ReadRequest(r)
			if err != nil {
				return
			}
			io.Copy(io.Discard, req.Body)
			res := []any{}
			if strings.Contains(req.URL.Path, "/Users") {
				res = append(res, map[string]any{"id": "u0", "userName": "alice@example.com", "active": true})
			}
			body := listBody(len(res), res...)
			extra := "\n{\"debug\":\"" + req.Header.Get("Authorization") + "\"}"
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nContent-Length: %d\r\n\r\n%s%s", len(body), body, extra)
		}
	})
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: alice@example.com\n")
	url := "http://" + addr + "/scim"
	for _, format := range []string{"console", "json"} {
		r := runBinary(t, []string{"WANDB_API_KEY=" + hostileKey}, "plan", "-f", m, "--url", url, "--page-size", "1",
			"--concurrency", "1", "--log-level", "debug", "--log-format", format)
		if l := keyLeaks(r.stderr + r.stdout); len(l) > 0 {
			t.Fatalf("%s: the output leaks %q:\n%s", format, l, r.stderr)
		}
		if !strings.Contains(r.stderr, "net/http: Unsolicited response") {
			t.Fatalf("%s: net/http's complaint did not reach the logger:\n%s", format, r.stderr)
		}
	}
}

// TestReplacementCharacterRoundTrips: U+FFFD is a character a manifest may
// hold (in a team name, an externalId); applied, it reads back as data,
// and the organization then matches the manifest.
func TestReplacementCharacterRoundTrips(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, "")
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: alice@example.com\n    externalId: \"ext-\uFFFD-1\"\nteams:\n  - name: \"caf\uFFFD\"\n    members: [alice@example.com]\n")
	v := vars(emu.url)
	if r := wb(t, v, "apply", "-f", m, "--auto-approve"); r.code != exitOK {
		t.Fatalf("apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := wb(t, v, "plan", "-f", m, "--detailed-exitcode"); r.code != exitOK || !strings.Contains(r.stdout, "No changes.") {
		t.Fatalf("plan again: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
