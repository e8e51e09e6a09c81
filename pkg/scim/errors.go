package scim

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrReadOnly is returned by every write of a read-only client; nothing is
// sent.
var ErrReadOnly = errors.New("scim: the client is read-only (plan never writes)")

// Error is a failed SCIM request: an HTTP status with the SCIM error body, or
// (Status 0) a transport failure. It names the method and path, never the key.
type Error struct {
	Method   string // HTTP method
	Path     string // URL path (escaped), without the query
	Status   int    // HTTP status; 0 for a transport failure
	ScimType string // SCIM scimType, when the server sent one
	Detail   string // SCIM detail, or a description of the failure
	Hint     string // what a person can do about it
	// Err is the underlying transport or decoding error, if any.
	Err error

	header http.Header // response headers (Retry-After), not part of the message
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", e.Method, e.Path)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": %d %s", e.Status, http.StatusText(e.Status))
	}
	if e.ScimType != "" {
		fmt.Fprintf(&b, " (%s)", e.ScimType)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, ": %s", e.Detail)
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, " (%s)", e.Hint)
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// HTTPStatus returns the HTTP status (0 for a transport failure).
func (e *Error) HTTPStatus() int { return e.Status }

// SCIMDetail returns the SCIM detail.
func (e *Error) SCIMDetail() string { return e.Detail }

// statusOf returns the HTTP status carried by err, or 0.
func statusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// Hints for statuses a person can act on.
const (
	hint401 = "the key was refused: use an org admin's key or an org-scoped service account key"
	hint403 = "the key is not allowed to use SCIM: it may belong to a team-scoped service account or a " +
		"user who is not an org admin, or on Multi-tenant Cloud the key owner's \"Default API organization\" " +
		"setting points at another organization"
	hint404List = "is the URL https://HOST/scim?"
	hint412     = "changed under us: re-read and plan again"
	hintHTML    = "the server answered HTML, not SCIM JSON: is the URL https://HOST/scim?"
	hintTLS     = "TLS failed: check the URL's host and the system's trusted certificates"
)

// scimError is the SCIM Error body; status is a string on W&B.
type scimError struct {
	Detail   string          `json:"detail"`
	ScimType string          `json:"scimType"`
	Status   json.RawMessage `json:"status"`
	Message  string          `json:"message"`
}

// statusError builds the Error for a non-2xx answer.
func (c *Client) statusError(method, path string, status int, ctype string, body []byte, isList bool) *Error {
	e := &Error{Method: method, Path: path, Status: status}
	if looksHTML(ctype, body) {
		e.Detail = "HTML body"
		e.Hint = hintHTML
	} else {
		var se scimError
		if err := json.Unmarshal(body, &se); err == nil {
			e.Detail, e.ScimType = se.Detail, se.ScimType
			if e.Detail == "" {
				e.Detail = se.Message
			}
		} else if t := strings.TrimSpace(string(body)); t != "" {
			if len(t) > 200 {
				t = t[:200] + "…"
			}
			e.Detail = "non-JSON body: " + t
		}
	}
	e.Detail = c.redact(e.Detail)
	switch status {
	case http.StatusUnauthorized:
		e.Hint = hint401
	case http.StatusForbidden:
		e.Hint = hint403
	case http.StatusNotFound:
		if isList {
			e.Hint = hint404List
		}
	case http.StatusPreconditionFailed:
		e.Hint = hint412
	}
	return e
}

// transportError builds the Error for a failure below HTTP.
func (c *Client) transportError(method, path string, err error) *Error {
	e := &Error{Method: method, Path: path, Detail: c.redact(err.Error()), Err: err}
	var (
		cv   *tls.CertificateVerificationError
		ua   x509.UnknownAuthorityError
		hn   x509.HostnameError
		ci   x509.CertificateInvalidError
		rh   tls.RecordHeaderError
		alrt tls.AlertError
	)
	switch {
	case errors.As(err, &cv), errors.As(err, &ua), errors.As(err, &hn), errors.As(err, &ci),
		errors.As(err, &rh), errors.As(err, &alrt):
		e.Hint = hintTLS
	}
	return e
}

// redact removes the key from text that came from elsewhere.
func (c *Client) redact(s string) string {
	if c.key == "" || s == "" {
		return s
	}
	s = strings.ReplaceAll(s, c.key, "[redacted]")
	if h := basicHeader(c.key); strings.Contains(s, h[len("Basic "):]) {
		s = strings.ReplaceAll(s, h[len("Basic "):], "[redacted]")
	}
	return s
}

func basicHeader(key string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(":"+key))
}

func looksHTML(ctype string, body []byte) bool {
	if strings.Contains(strings.ToLower(ctype), "html") {
		return true
	}
	t := strings.TrimSpace(string(body[:min(len(body), 64)]))
	return strings.HasPrefix(t, "<")
}
