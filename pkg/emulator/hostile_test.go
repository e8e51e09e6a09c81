package emulator

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/wbsync/wbsync/pkg/caps"
)

// TestEveryErrorLogged: every SCIM error the emulator answers is in its
// debug log (what a user reads first when wbsync is refused): a refused
// key, an unknown endpoint, a body too large, an injected fault, a
// handler's refusal.
func TestEveryErrorLogged(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	srv, err := New(Options{APIKey: testKey}, nil, zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	faulty, err := New(Options{FaultRate: 1, Faults: []string{Fault500}}, nil, zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	fs := httptest.NewServer(faulty)
	defer fs.Close()
	send := func(url, method, key string, body io.Reader) int {
		t.Helper()
		req, err := http.NewRequest(method, url, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		name, url, method, key string
		body                   io.Reader
		status                 int
	}{
		{"wrong key", hs.URL + "/scim/Users", "GET", "wrong", nil, 401},
		{"unknown endpoint", hs.URL + "/scim/Nope", "GET", testKey, nil, 404},
		{"body too large", hs.URL + "/scim/Users", "POST", testKey, io.LimitReader(zeros{}, caps.EmulatorRequest+1), 413},
		{"a handler's refusal", hs.URL + "/scim/Users", "POST", testKey, strings.NewReader("{"), 400},
		{"injected fault", fs.URL + "/scim/Users", "GET", testKey, nil, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := logs.Len()
			if got := send(tc.url, tc.method, tc.key, tc.body); got != tc.status {
				t.Fatalf("status %d, want %d", got, tc.status)
			}
			entries := logs.All()[before:]
			if len(entries) != 1 || entries[0].Message != "scim error" || entries[0].ContextMap()["status"] != int64(tc.status) {
				t.Fatalf("debug log after the %d: %v, want one scim error with its status", tc.status, entries)
			}
			if strings.Contains(fmt.Sprint(entries[0].ContextMap()), testKey) {
				t.Fatalf("the key is in the log: %v", entries[0].ContextMap())
			}
		})
	}
}

// zeros reads as endless spaces.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// TestLatencyKeepsTheAnswer: with --latency, a body that cannot be read
// (a malformed chunk, from a client still there) is answered as without
// it, a SCIM 400, never an empty 200 for a write not made.
func TestLatencyKeepsTheAnswer(t *testing.T) {
	for _, latency := range []time.Duration{0, time.Millisecond} {
		t.Run(fmt.Sprint(latency), func(t *testing.T) {
			e := start(t, Options{Latency: latency}, "")
			conn, err := net.Dial("tcp", strings.TrimPrefix(e.hs.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			body := `{"userName":"zed@example.com","emails":[{"value":"zed@example.com","primary":true}]}`
			fmt.Fprintf(conn, "POST /scim/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\nZZ\r\n", len(body), body)
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "read body") {
				t.Fatalf("answer %d %s, want 400 read body", resp.StatusCode, b)
			}
			if got := e.srv.Snapshot().Users; len(got) != 0 {
				t.Fatalf("users after the refused create: %v", got)
			}
		})
	}
}

// readCounter is a request body that counts its reads. When started is
// set, its first read says so and waits for a token on release, counting
// itself in active (and the most active at once in most) meanwhile.
type readCounter struct {
	mu      sync.Mutex
	reads   int
	started chan struct{}
	release chan struct{}
	active  *atomic.Int32
	most    *atomic.Int32
}

func (r *readCounter) Read(p []byte) (int, error) {
	r.mu.Lock()
	r.reads++
	first := r.reads == 1
	r.mu.Unlock()
	if first && r.started != nil {
		n := r.active.Add(1)
		for m := r.most.Load(); n > m && !r.most.CompareAndSwap(m, n); m = r.most.Load() {
		}
		r.started <- struct{}{}
		<-r.release
		r.active.Add(-1)
	}
	return 0, io.EOF
}

func (r *readCounter) Close() error { return nil }

// TestLatencyRefusesAWrongKeyUnread: with --latency, the body of a request
// whose key is refused is not read (a wrong key costs no memory).
func TestLatencyRefusesAWrongKeyUnread(t *testing.T) {
	srv, err := New(Options{APIKey: testKey, Latency: time.Millisecond}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	body := &readCounter{}
	req := httptest.NewRequest("POST", "/scim/Users", nil)
	req.Body = body
	req.Header.Set("Authorization", "Bearer wrong")
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	if w.Code != http.StatusUnauthorized || body.reads != 0 {
		t.Fatalf("answer %d after %d reads of the body, want 401 and none", w.Code, body.reads)
	}
}

// TestBodySlots: at most caps.EmulatorBodySlots request bodies are read at
// once, however many clients send; the others wait for a slot, and each
// gets one as a read ends.
func TestBodySlots(t *testing.T) {
	for _, latency := range []time.Duration{0, time.Millisecond} {
		t.Run(fmt.Sprint(latency), func(t *testing.T) {
			srv, err := New(Options{Latency: latency}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			const n = caps.EmulatorBodySlots + 3
			started := make(chan struct{}, n)
			release := make(chan struct{}, n)
			var active, most atomic.Int32
			var wg sync.WaitGroup
			for range n {
				req := httptest.NewRequest("POST", "/scim/Users", nil)
				req.Body = &readCounter{started: started, release: release, active: &active, most: &most}
				req.Header.Set("Authorization", "Bearer k")
				wg.Add(1)
				go func() {
					defer wg.Done()
					srv.ServeHTTP(httptest.NewRecorder(), req)
				}()
			}
			for range caps.EmulatorBodySlots {
				<-started
			}
			for range n - caps.EmulatorBodySlots {
				release <- struct{}{} // one read ends: one more begins
				<-started
			}
			for range caps.EmulatorBodySlots {
				release <- struct{}{}
			}
			wg.Wait()
			if m := most.Load(); m > caps.EmulatorBodySlots {
				t.Fatalf("%d bodies read at once, want at most %d", m, caps.EmulatorBodySlots)
			}
		})
	}
}

// TestBasicOnlyChallengesBasic: under --basic-only, a 401 names Basic as
// the scheme to use, as its detail does.
func TestBasicOnlyChallengesBasic(t *testing.T) {
	for _, basic := range []bool{false, true} {
		e := start(t, Options{BasicOnly: basic, APIKey: testKey}, "")
		r := e.do("GET", "/Users", nil, "Authorization", "Bearer wrong")
		want := `Bearer realm="scim"`
		if basic {
			want = `Basic realm="scim"`
		}
		if r.status != 401 || r.header.Get("WWW-Authenticate") != want {
			t.Errorf("basic-only %v: %d WWW-Authenticate %q, want 401 %q", basic, r.status, r.header.Get("WWW-Authenticate"), want)
		}
	}
}

// TestEmailIndexAnswersAsTheWalk: the index resolveMembers uses for a
// value of many members finds, for every email, the user userByEmail's
// walk finds: the first holder in creation order, case-insensitively,
// and nothing for an email no user holds; with an email outside ASCII
// (which strings.EqualFold may fold onto an ASCII one) it does not answer.
func TestEmailIndexAnswersAsTheWalk(t *testing.T) {
	st := newStore(time.Now)
	for i, emails := range [][]string{
		{"a@x.io"}, {"B@x.io", "alias@x.io"}, {"b@x.io"}, {"c@x.io", "A@X.io"},
	} {
		st.addUser(&user{userName: fmt.Sprintf("handle%d", i), emails: emails})
	}
	for _, v := range []string{"a@x.io", "A@x.IO", "b@x.io", "alias@x.io", "c@x.io", "none@x.io", "ſ@x.io"} {
		x := &emailIndex{st: st}
		if got, want := st.userByEmail(v, x), st.userByEmail(v, nil); got != want {
			t.Errorf("%s: the index found %v, the walk %v", v, got, want)
		}
	}
	st.addUser(&user{userName: "kelvin", emails: []string{"\u212a@x.io"}}) // the Kelvin sign folds onto k
	x := &emailIndex{st: st}
	if _, ok := x.lookUp("k@x.io"); ok {
		t.Error("the index answered with an email outside ASCII in the store")
	}
	if got := st.userByEmail("k@x.io", x); got == nil || got.userName != "kelvin" {
		t.Errorf("k@x.io: %v, want the holder of \u212a@x.io as the walk finds it", got)
	}
}

// TestManyMembersByEmail: a members value of many emails that are not
// their users' userNames (handles), some repeated, adds each user once.
func TestManyMembersByEmail(t *testing.T) {
	var users []string
	var values []map[string]any
	for i := range 40 {
		users = append(users, fmt.Sprintf(`{"userName":"handle%d","email":"u%d@example.com"}`, i, i))
		values = append(values, map[string]any{"value": fmt.Sprintf("U%d@example.com", i%30)})
	}
	e := start(t, Options{}, `{"users":[`+strings.Join(users, ",")+`],"teams":[{"name":"t","members":[]}]}`)
	id := e.srv.Snapshot().Teams[0].ID
	r := e.do("PATCH", "/Groups/"+url.PathEscape(id), map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []map[string]any{{"op": "add", "path": "members", "value": values}},
	})
	if r.status != 200 && r.status != 204 {
		t.Fatalf("PATCH: %d %s", r.status, r.raw)
	}
	if got := len(e.srv.Snapshot().Teams[0].Members); got != 30 {
		t.Fatalf("%d members, want the 30 users named", got)
	}
}

// TestUnreadableQueryRefused: a query the emulator cannot read whole (a
// raw ';', a bad escape) or an empty filter is a SCIM 400, not read as
// no filter, which would answer a look-up with every user.
func TestUnreadableQueryRefused(t *testing.T) {
	e := start(t, Options{}, `{"users":[{"userName":"a@x.io"},{"userName":"b@x.io"}]}`)
	for _, q := range []string{`filter=userName%20eq%20%22a@x.io%22;x`, `filter=%zz`, `filter=`, `filter=%20`, `filter=userName%20eq%20%22a@x.io%22&filter=userName%20eq%20%22b@x.io%22`} {
		for _, path := range []string{"/Users", "/Groups"} {
			if r := e.do("GET", path+"?"+q, nil); r.status != http.StatusBadRequest || r.str("scimType") != "invalidFilter" {
				t.Errorf("GET %s?%s: %d %s, want 400 invalidFilter", path, q, r.status, r.raw)
			}
		}
	}
	if r := e.do("GET", `/Users?filter=userName%20eq%20%22a@x.io%22`, nil); r.status != 200 || r.body["totalResults"] != float64(1) {
		t.Errorf("a filter read whole: %d %s", r.status, r.raw)
	}
}

// TestKeysMustDiffer: one key given as two of --api-key, --team-scoped-key
// and --non-admin-key is refused: every request would be refused 403.
func TestKeysMustDiffer(t *testing.T) {
	for _, o := range []Options{{APIKey: "k1", TeamScopedKey: "k1"}, {APIKey: "k1", NonAdminKey: "k1"}, {TeamScopedKey: "k2", NonAdminKey: "k2"}} {
		if _, err := New(o, nil, nil); err == nil || !strings.Contains(err.Error(), "must differ") {
			t.Errorf("%+v: %v", o, err)
		}
	}
}
