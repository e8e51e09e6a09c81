package scim

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// RawResponse is a 2xx answer as it arrived, for probes (wbsync doctor).
type RawResponse struct {
	Status int
	Header http.Header
	Body   []byte // at most the list cap (caps.ListBody)
}

// GetRaw sends one GET to path (relative to the base URL, e.g. "/Users")
// with the encoded query (without "?", may be ""), through the same
// transport as every request: authentication, trace, body cap (the list
// cap, since a probe may list), redaction of every server string in errors,
// and the retries of a GET. A non-2xx answer is the classified error
// (*Error, *RateLimitError); the body is returned undecoded.
func (c *Client) GetRaw(ctx context.Context, path, query string) (*RawResponse, error) {
	if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "?#") || strings.Contains(path, "..") {
		return nil, fmt.Errorf("get %q: want a path relative to the base URL, such as /Users", path)
	}
	if strings.Contains(query, "#") {
		return nil, fmt.Errorf("get %s: the query must not hold a fragment", path)
	}
	r, err := c.do(ctx, call{method: http.MethodGet, path: path, query: strings.TrimPrefix(query, "?"),
		what: "the answer", bodyCap: c.listBody})
	if err != nil {
		return nil, err
	}
	return &RawResponse{Status: r.status, Header: r.header, Body: r.body}, nil
}
