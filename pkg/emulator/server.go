package emulator

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

// maxBody caps request bodies.
const maxBody = 16 << 20

// Server is the emulated W&B SCIM API, an http.Handler. It is safe for
// concurrent use.
type Server struct {
	opts Options
	log  *zap.Logger

	mu sync.Mutex // guards st
	st *store

	statsMu sync.Mutex
	counts  map[string]int
	faults  int

	faultMu sync.Mutex
	rng     *rand.Rand
}

// Stats counts the requests served (by method) and the faults injected.
type Stats struct {
	Requests map[string]int `json:"requests"`
	Faults   int            `json:"faults"`
}

// New returns an emulator seeded with seed (nil for an empty organization).
func New(opts Options, seed *State, logger *zap.Logger) (*Server, error) {
	opts, err := opts.normalise()
	if err != nil {
		return nil, fmt.Errorf("emulator options: %w", err)
	}
	if logger == nil {
		logger = zap.NewNop()
	}
	s := &Server{opts: opts, log: logger, st: newStore(time.Now), counts: map[string]int{},
		rng: rand.New(rand.NewPCG(uint64(opts.Seed), 0x9e3779b97f4a7c15))}
	if err := s.st.seed(seed, opts.ServiceAccounts); err != nil {
		return nil, fmt.Errorf("emulator seed: %w", err)
	}
	return s, nil
}

// Stats returns the request and fault counts since New or ResetStats.
func (s *Server) Stats() Stats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	st := Stats{Requests: map[string]int{"GET": 0, "POST": 0, "PATCH": 0, "PUT": 0, "DELETE": 0}, Faults: s.faults}
	for m, n := range s.counts {
		st.Requests[m] = n
	}
	return st
}

// ResetStats zeroes the request and fault counts.
func (s *Server) ResetStats() {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	s.counts = map[string]int{}
	s.faults = 0
}

// Snapshot returns the current organization: users and teams (ids included)
// sorted by name, members by userName. Service accounts are left out.
func (s *Server) Snapshot() *State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.snapshot()
}

// drawFault decides, under a lock so the sequence is reproducible, whether
// this request meets a fault and which.
func (s *Server) drawFault() string {
	if s.opts.FaultRate <= 0 {
		return ""
	}
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	if s.rng.Float64() >= s.opts.FaultRate {
		return ""
	}
	return s.opts.Faults[s.rng.IntN(len(s.opts.Faults))]
}

// ServeHTTP counts the request, draws a fault, waits the latency, checks the
// key and serves the SCIM API under /scim and /scim/v2.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_emulator/stats" {
		if r.Method != http.MethodGet {
			writeError(w, errf(http.StatusMethodNotAllowed, "", "GET only"))
			return
		}
		writeJSON(w, http.StatusOK, s.Stats())
		return
	}
	fault := s.drawFault()
	s.statsMu.Lock()
	s.counts[r.Method]++
	if fault != "" {
		s.faults++
	}
	s.statsMu.Unlock()
	if s.opts.Latency > 0 {
		t := time.NewTimer(s.opts.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	switch fault {
	case Fault429:
		w.Header().Set("Retry-After", "1")
		writeError(w, errf(http.StatusTooManyRequests, "", "rate limit exceeded (injected fault)"))
		return
	case Fault500:
		writeError(w, errf(http.StatusInternalServerError, "", "internal server error (injected fault)"))
		return
	case Fault503:
		writeError(w, errf(http.StatusServiceUnavailable, "", "service unavailable (injected fault)"))
		return
	case FaultReset:
		s.serve(&discardWriter{h: http.Header{}}, r)
		s.log.Debug("fault: connection reset after serving", zap.String("method", r.Method), zap.String("path", r.URL.Path))
		dropConnection(w)
		return
	}
	s.serve(w, r)
}

// dropConnection closes the client connection without a response.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // RST, not FIN
			}
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// discardWriter swallows the response of a request whose connection a
// reset fault will drop.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// authorized checks the Authorization header: Bearer KEY or Basic
// base64(anything:KEY); any key when Options.APIKey is empty.
func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	scheme, cred, ok := strings.Cut(h, " ")
	if !ok {
		return false
	}
	cred = strings.TrimSpace(cred)
	var key string
	switch strings.ToLower(scheme) {
	case "bearer":
		key = cred
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return false
		}
		_, k, found := strings.Cut(string(raw), ":")
		if !found {
			return false
		}
		key = k
	default:
		return false
	}
	if key == "" {
		return false
	}
	if s.opts.APIKey == "" {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(key), []byte(s.opts.APIKey)) == 1
}

// request is one routed SCIM request.
type request struct {
	r      *http.Request
	base   string // e.g. /scim/v2
	id     string // unescaped resource id, "" for the collection
	body   []byte
	ifWant string // If-Match
}

// reply is a handler's answer.
type reply struct {
	status   int
	body     any
	etag     string
	location string
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
		writeError(w, errf(http.StatusUnauthorized, "", "authentication failed: use an organization admin API key"))
		return
	}
	path := r.URL.EscapedPath()
	var base string
	for _, p := range []string{"/scim/v2", "/scim"} {
		if path == p || strings.HasPrefix(path, p+"/") {
			base, path = p, strings.TrimPrefix(path, p)
			break
		}
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if base == "" || len(segs) == 0 || len(segs) > 2 {
		writeError(w, errf(http.StatusNotFound, "", "no such endpoint %s", r.URL.Path))
		return
	}
	req := &request{r: r, base: base, ifWant: r.Header.Get("If-Match")}
	if len(segs) == 2 {
		id, err := url.PathUnescape(segs[1])
		if err != nil || id == "" {
			writeError(w, errf(http.StatusNotFound, "", "no such resource %s", segs[1]))
			return
		}
		req.id = id
	}
	if r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil {
			writeError(w, errf(http.StatusBadRequest, "", "read body: %v", err))
			return
		}
		if len(b) > maxBody {
			writeError(w, errf(http.StatusRequestEntityTooLarge, "", "body over %d bytes", maxBody))
			return
		}
		req.body = b
	}
	var handle func(*request) (reply, *apiError)
	switch segs[0] {
	case "Users":
		handle = s.routeUsers(r.Method, req.id != "")
	case "Groups":
		handle = s.routeGroups(r.Method, req.id != "")
	}
	if handle == nil {
		writeError(w, errf(http.StatusNotFound, "", "no such endpoint %s %s", r.Method, r.URL.Path))
		return
	}
	s.mu.Lock()
	rep, apiErr := handle(req)
	var buf []byte
	if apiErr == nil && rep.body != nil {
		buf = encode(rep.body)
	}
	s.mu.Unlock()
	if apiErr != nil {
		s.log.Debug("scim error", zap.String("method", r.Method), zap.String("path", r.URL.Path),
			zap.Int("status", apiErr.status), zap.String("detail", apiErr.detail))
		if apiErr.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", allowed(segs[0], req.id != ""))
		}
		writeError(w, apiErr)
		return
	}
	if rep.etag != "" {
		w.Header().Set("ETag", rep.etag)
	}
	if rep.location != "" {
		w.Header().Set("Location", "http://"+r.Host+base+"/"+rep.location)
	}
	if buf == nil {
		w.WriteHeader(rep.status)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(rep.status)
	_, _ = w.Write(buf)
}

func encode(v any) []byte {
	var buf bytes.Buffer
	enc := jsonEncoder(&buf)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("emulator: encode response: %v", err)) // only our own types are encoded
	}
	return buf.Bytes()
}

func allowed(kind string, item bool) string {
	switch {
	case kind == "Users" && item:
		return "GET, PATCH, DELETE"
	case kind == "Groups" && item:
		return "GET, PATCH, PUT"
	}
	return "GET, POST"
}

// checkIfMatch answers 412 when If-Match names another version.
func checkIfMatch(req *request, version int64) *apiError {
	if req.ifWant == "" || req.ifWant == "*" {
		return nil
	}
	cur := etag(version)
	for _, v := range strings.Split(req.ifWant, ",") {
		if v = strings.TrimSpace(v); v == cur || "W/"+v == cur {
			return nil
		}
	}
	return errf(http.StatusPreconditionFailed, "", "precondition failed: the resource has version %s", cur)
}

// page slices n resources according to startIndex and count (1-based),
// PageCap and IgnoreCount, and returns [from, to) and the startIndex echoed.
func (s *Server) page(q url.Values, n int) (from, to, start int, e *apiError) {
	if s.opts.IgnoreCount {
		return 0, n, 1, nil
	}
	start, count := 1, 9999
	if v := q.Get("startIndex"); v != "" {
		var err error
		if start, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
			return 0, 0, 0, errf(http.StatusBadRequest, "invalidValue", "startIndex %q is not an integer", v)
		}
		if start < 1 {
			start = 1
		}
	}
	if v := q.Get("count"); v != "" {
		var err error
		if count, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
			return 0, 0, 0, errf(http.StatusBadRequest, "invalidValue", "count %q is not an integer", v)
		}
		count = max(0, min(count, 9999))
	}
	if s.opts.PageCap > 0 {
		count = min(count, s.opts.PageCap)
	}
	from = min(start-1, n)
	to = min(from+count, n)
	return from, to, start, nil
}
