package emulator

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/wbsync/wbsync/pkg/caps"
)

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

	bodies chan struct{} // caps.EmulatorBodySlots: bodies being read
}

// Stats counts the requests served by method (GET, POST, PATCH, PUT and
// DELETE; other methods are served but not counted) and the faults injected.
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
	s := &Server{opts: opts, log: logger, st: newStore(opts.Now), counts: map[string]int{},
		rng:    rand.New(rand.NewPCG(uint64(opts.Seed), 0x9e3779b97f4a7c15)),
		bodies: make(chan struct{}, caps.EmulatorBodySlots)}
	if err := s.st.seed(seed, opts); err != nil {
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

// countedMethod reports whether the stats count requests of method: the five
// of Stats.Requests, so that a client sending other methods cannot grow it.
func countedMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// ResetStats zeroes the request and fault counts.
func (s *Server) ResetStats() {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	s.counts = map[string]int{}
	s.faults = 0
}

// ActiveUsers returns the seats taken: the active users (service accounts
// take none).
func (s *Server) ActiveUsers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.activeUsers()
}

// Snapshot returns the current organization: users and teams (ids included)
// sorted by name, members by userName, and the custom roles. Service
// accounts are left out.
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

// ServeHTTP counts the request, draws a fault, waits the latency, and then
// answers the fault or serves the SCIM API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_emulator/stats" || r.URL.Path == "/_emulator/seats" {
		s.serveStats(w, r)
		return
	}
	fault := s.drawFault()
	s.statsMu.Lock()
	if countedMethod(r.Method) {
		s.counts[r.Method]++
	}
	if fault != "" {
		s.faults++
	}
	s.statsMu.Unlock()
	if s.opts.Latency > 0 {
		// The body is read first: net/http notices that the client went
		// away (and cancels r.Context()) only once the handler has read
		// the body, so a write the client gave up during the wait would
		// otherwise still be served. Only a request whose key passes is
		// read (serve refuses the others unread, after the wait).
		if r.Body != nil && s.authenticate(r) == nil {
			b, err := s.bodyOf(r)
			if err != nil {
				if r.Context().Err() != nil {
					return // the client went away while sending it
				}
				// A body that cannot be read (a malformed chunk): the
				// answer serve would give, never an empty 200.
				s.refuse(w, r, errf(http.StatusBadRequest, "", "read body: %v", err))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		t := time.NewTimer(s.opts.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if fault == FaultReset {
		s.serve(&discardWriter{h: http.Header{}}, r)
		s.log.Debug("fault: connection reset after serving", zap.String("method", r.Method), zap.String("path", r.URL.Path))
		dropConnection(w)
		return
	}
	if fault != "" {
		s.writeFault(w, r, fault)
		return
	}
	s.serve(w, r)
}

// serveStats answers GET /_emulator/stats, exactly the counts the README gives
// ({"requests": {...}, "faults": n}), and GET /_emulator/seats, the seats
// taken ({"active_users": n}); no key, not counted, no fault.
func (s *Server) serveStats(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		s.refuse(w, r, errf(http.StatusMethodNotAllowed, "", "GET only"))
		return
	}
	if r.URL.Path == "/_emulator/seats" {
		writeJSON(w, http.StatusOK, struct {
			ActiveUsers int `json:"active_users"`
		}{s.ActiveUsers()})
		return
	}
	writeJSON(w, http.StatusOK, s.Stats())
}

// writeFault answers an injected fault other than reset.
func (s *Server) writeFault(w http.ResponseWriter, r *http.Request, fault string) {
	wait := strconv.Itoa(s.opts.retryAfterSeconds())
	var e *apiError
	tooMany := errf(http.StatusTooManyRequests, "", "rate limit exceeded (injected fault)")
	switch fault {
	case Fault429:
		w.Header().Set("Retry-After", wait)
		e = tooMany
	case Fault429Reset:
		w.Header().Set("RateLimit-Remaining", "0")
		w.Header().Set("RateLimit-Reset", wait)
		e = tooMany
	case Fault429Bare:
		e = tooMany
	case Fault500:
		e = errf(http.StatusInternalServerError, "", "internal server error (injected fault)")
	case Fault502:
		e = errf(http.StatusBadGateway, "", "bad gateway (injected fault)")
	case Fault503:
		if s.opts.RetryAfter > 0 {
			w.Header().Set("Retry-After", wait)
		}
		e = errf(http.StatusServiceUnavailable, "", "service unavailable (injected fault)")
	case Fault504:
		e = errf(http.StatusGatewayTimeout, "", "gateway timeout (injected fault)")
	default:
		return
	}
	s.refuse(w, r, e)
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
