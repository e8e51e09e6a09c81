package emulator

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/wbsync/wbsync/pkg/caps"
)

// maxBody caps request bodies (caps.EmulatorRequest).
const maxBody = caps.EmulatorRequest

// wandbPageSize is W&B's documented page: "Maximum results: 9999 items per
// request", and the itemsPerPage its lists report. Its own number, not
// caps.PageSize: the emulator plays W&B, and a change of what wbsync asks
// for must not change what the emulator serves.
const wandbPageSize = 9999

// Details of the 403 answers, worded after W&B's documentation.
const (
	teamScopedKeyDetail = "Keys from team-scoped service accounts cannot authenticate to the SCIM API: " +
		"use an organization admin's key or an organization-scoped service account"
	nonAdminKeyDetail = "insufficient permissions: every SCIM request must be authenticated as an organization admin"
	// bearerRefusedDetail answers Bearer under Options.BasicOnly. W&B's own
	// wording is not documented; the status is what any refused
	// credential gets.
	bearerRefusedDetail = "authentication failed: Bearer authentication is not supported, use Basic"
)

// request is one routed SCIM request.
type request struct {
	r      *http.Request
	base   string // e.g. /scim/v2
	kind   string // Users, Groups or Roles
	id     string // unescaped resource id, "" for the collection
	body   []byte
	ifWant string     // If-Match
	query  url.Values // the query, parsed strictly (route)
}

// reply is a handler's answer.
type reply struct {
	status   int
	body     any
	etag     string
	location string
}

// handler answers one routed request; it runs under the server lock.
type handler func(*request) (reply, *apiError)

// serve answers one SCIM request: authenticate, route, read the body,
// dispatch to the handler under the lock, write the answer.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if e := s.authenticate(r); e != nil {
		if e.status == http.StatusUnauthorized {
			// The scheme the emulator takes: Basic alone under BasicOnly.
			challenge := `Bearer realm="scim"`
			if s.opts.BasicOnly {
				challenge = `Basic realm="scim"`
			}
			w.Header().Set("WWW-Authenticate", challenge)
		}
		s.refuse(w, r, e)
		return
	}
	req, e := s.route(r)
	if e == nil {
		e = s.readBody(req)
	}
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	h := s.handlerFor(req)
	if h == nil {
		s.refuse(w, r, errf(http.StatusNotFound, "", "no such endpoint %s %s", r.Method, r.URL.Path))
		return
	}
	rep, buf, e := s.dispatch(h, req)
	if e != nil {
		if e.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", allowed(req.kind, req.id != ""))
		}
		s.refuse(w, r, e)
		return
	}
	writeReply(w, req, rep, buf)
}

// refuse writes the SCIM error e, and logs it at debug: every error the
// emulator answers (a refused key, an unknown endpoint, a body too large,
// an injected fault, a handler's refusal) is in its debug log. The details
// hold no key.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, e *apiError) {
	s.log.Debug("scim error", zap.String("method", r.Method), zap.String("path", r.URL.Path),
		zap.Int("status", e.status), zap.String("detail", e.detail))
	writeError(w, e)
}

// authenticate checks the Authorization header: Bearer KEY or Basic
// base64(anything:KEY). A missing or wrong key is 401; a team-scoped or
// non-admin key (when configured) is 403.
func (s *Server) authenticate(r *http.Request) *apiError {
	h := r.Header.Get("Authorization")
	key := requestKey(h)
	switch {
	case s.opts.BasicOnly && key != "" && !isBasic(h):
		return errf(http.StatusUnauthorized, "", bearerRefusedDetail)
	case key == "" || (s.opts.APIKey != "" && !keyIs(key, s.opts.APIKey) &&
		!keyIs(key, s.opts.TeamScopedKey) && !keyIs(key, s.opts.NonAdminKey)):
		return errf(http.StatusUnauthorized, "", "authentication failed: use an organization admin API key")
	case keyIs(key, s.opts.TeamScopedKey):
		return errf(http.StatusForbidden, "", teamScopedKeyDetail)
	case keyIs(key, s.opts.NonAdminKey):
		return errf(http.StatusForbidden, "", nonAdminKeyDetail)
	}
	return nil
}

// isBasic reports whether Authorization header h uses the Basic scheme.
func isBasic(h string) bool {
	scheme, _, _ := strings.Cut(h, " ")
	return strings.EqualFold(scheme, "basic")
}

// requestKey extracts the key of an Authorization header, "" when there is
// none or the header is malformed.
func requestKey(h string) string {
	scheme, cred, ok := strings.Cut(h, " ")
	if !ok {
		return ""
	}
	cred = strings.TrimSpace(cred)
	switch strings.ToLower(scheme) {
	case "bearer":
		return cred
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return ""
		}
		_, k, _ := strings.Cut(string(raw), ":")
		return k
	}
	return ""
}

// keyIs compares a key in constant time; nothing matches an unset want.
func keyIs(key, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(key), []byte(want)) == 1
}

// bases are the path prefixes served, longest first.
func (s *Server) bases() []string {
	switch s.opts.BasePaths {
	case BasePathsSCIM:
		return []string{"/scim"}
	case BasePathsV2:
		return []string{"/scim/v2"}
	}
	return []string{"/scim/v2", "/scim"}
}

// route splits the path into base, resource kind and id.
func (s *Server) route(r *http.Request) (*request, *apiError) {
	path := r.URL.EscapedPath()
	var base string
	for _, p := range s.bases() {
		if path == p || strings.HasPrefix(path, p+"/") {
			base, path = p, strings.TrimPrefix(path, p)
			break
		}
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if base == "" || len(segs) > 2 {
		return nil, errf(http.StatusNotFound, "", "no such endpoint %s", r.URL.Path)
	}
	// Strictly: a query net/http would read in part (a raw ';', a bad
	// escape) is refused, not read as no filter, which would answer a
	// look-up with every resource.
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errf(http.StatusBadRequest, "invalidFilter", "malformed query: %v", err)
	}
	if f, ok := q["filter"]; ok && (len(f) != 1 || strings.TrimSpace(f[0]) == "") {
		return nil, errf(http.StatusBadRequest, "invalidFilter", "filter: want one non-empty filter")
	}
	req := &request{r: r, base: base, kind: segs[0], ifWant: r.Header.Get("If-Match"), query: q}
	if len(segs) == 2 {
		id, err := url.PathUnescape(segs[1])
		if err != nil || id == "" {
			return nil, errf(http.StatusNotFound, "", "no such resource %s", segs[1])
		}
		req.id = id
	}
	return req, nil
}

// bodyOf reads r's body, up to one byte past maxBody (so that a larger one
// can be told), in one of the server's body slots (caps.EmulatorBodySlots):
// however many clients send at once, at most that many bodies are read
// into memory.
func (s *Server) bodyOf(r *http.Request) ([]byte, error) {
	select {
	case s.bodies <- struct{}{}:
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	defer func() { <-s.bodies }()
	return io.ReadAll(io.LimitReader(r.Body, maxBody+1))
}

// readBody reads the request body, up to maxBody.
func (s *Server) readBody(req *request) *apiError {
	if req.r.Body == nil {
		return nil
	}
	b, err := s.bodyOf(req.r)
	if err != nil {
		return errf(http.StatusBadRequest, "", "read body: %v", err)
	}
	if len(b) > maxBody {
		return errf(http.StatusRequestEntityTooLarge, "", "body over %d bytes", maxBody)
	}
	req.body = b
	return nil
}

// handlerFor picks the handler of a resource kind and method; nil is 404.
func (s *Server) handlerFor(req *request) handler {
	item := req.id != ""
	switch req.kind {
	case "Users":
		return s.routeUsers(req.r.Method, item)
	case "Groups":
		return s.routeGroups(req.r.Method, item)
	case "Roles":
		if !s.opts.NoRolesEndpoint {
			return s.routeRoles(req.r.Method, item)
		}
	}
	return nil
}

// notAllowed is the handler of a method a resource does not support.
func notAllowed(method, kind string) handler {
	return func(*request) (reply, *apiError) {
		return reply{}, errf(http.StatusMethodNotAllowed, "", "%s is not supported on /%s", method, kind)
	}
}

// dispatch runs the handler and encodes its answer under the server lock.
func (s *Server) dispatch(h handler, req *request) (reply, []byte, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rep, e := h(req)
	if e != nil || rep.body == nil {
		return rep, nil, e
	}
	return rep, encode(rep.body), nil
}

// writeReply writes a handler's answer: ETag, Location, then the body.
func writeReply(w http.ResponseWriter, req *request, rep reply, buf []byte) {
	if rep.etag != "" {
		w.Header().Set("ETag", rep.etag)
	}
	if rep.location != "" {
		w.Header().Set("Location", "http://"+req.r.Host+req.base+"/"+rep.location)
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
	case kind == "Roles":
		return "GET"
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

// listReply answers a ListResponse over n resources: the page the query
// asks for, each rendered by render(i).
func (s *Server) listReply(q url.Values, n int, render func(i int) any) (reply, *apiError) {
	from, to, start, e := s.page(q, n)
	if e != nil {
		return reply{}, e
	}
	out := listOut{Schemas: []string{schemaList}, TotalResults: n, StartIndex: start,
		ItemsPerPage: to - from, Resources: make([]any, 0, to-from)}
	if s.opts.WandbPaging {
		out.ItemsPerPage = wandbPageSize
	}
	for i := from; i < to; i++ {
		out.Resources = append(out.Resources, render(i))
	}
	if len(out.Resources) == 0 && s.opts.LegacyShapes {
		out.Resources = nil // W&B wrote an empty list as null then
	}
	return reply{status: http.StatusOK, body: out}, nil
}

// queryInt reads an integer query parameter. One too large for an int is
// an integer still, held at the int's bounds (count and startIndex clamp it
// further, as any other large value).
func queryInt(v string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if errors.Is(err, strconv.ErrRange) {
		return n, true // Atoi returns the bound on overflow
	}
	return n, err == nil
}

// page slices n resources according to startIndex and count (1-based),
// PageCap, IgnoreCount and WandbPaging, and returns [from, to) and the
// startIndex echoed. PageCap holds whatever else is set: with IgnoreCount
// too, count is ignored and pages are PageCap long from startIndex.
func (s *Server) page(q url.Values, n int) (from, to, start int, e *apiError) {
	if s.opts.IgnoreCount && s.opts.PageCap == 0 {
		if s.opts.WandbPaging {
			n = min(n, wandbPageSize)
		}
		return 0, n, 1, nil
	}
	start, count := 1, wandbPageSize
	if v := q.Get("startIndex"); v != "" {
		var ok bool
		if start, ok = queryInt(v); !ok {
			return 0, 0, 0, errf(http.StatusBadRequest, "invalidValue", "startIndex %q is not an integer", v)
		}
		if start < 1 {
			start = 1
		}
	}
	if v := q.Get("count"); v != "" && !s.opts.IgnoreCount { // with PageCap, IgnoreCount pages by the cap alone
		var ok bool
		if count, ok = queryInt(v); !ok {
			return 0, 0, 0, errf(http.StatusBadRequest, "invalidValue", "count %q is not an integer", v)
		}
		count = max(0, min(count, wandbPageSize))
	}
	if s.opts.PageCap > 0 {
		count = min(count, s.opts.PageCap)
	}
	from = min(start-1, n)
	to = min(from+count, n)
	return from, to, start, nil
}
