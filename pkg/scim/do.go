package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sethvargo/go-retry"
)

// call is one logical request; do retries it as its kind allows.
type call struct {
	method string
	path   string // relative to the base path, escaped: "/Users/" + url.PathEscape(id)
	query  string // encoded query, without "?"
	body   any
	// list marks a collection read (a 404 then hints at the base URL).
	list bool
	// idempotent marks a write that is safe to send again after a transport
	// error or a 502/503/504 (GETs always are).
	idempotent bool
	// ambiguous is called, for a non-idempotent write, after a failure that
	// may have been applied (transport error, 502/503/504): true means the
	// effect was found and adopted, so do returns errAdopted instead of
	// sending again.
	ambiguous func(ctx context.Context) (bool, error)
}

// reply is a 2xx answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// errAdopted is returned by do when call.ambiguous adopted the effect.
var errAdopted = errors.New("adopted after an ambiguous failure")

// do sends the call with retries, a fresh backoff per call.
func (c *Client) do(ctx context.Context, cl call) (*reply, error) {
	var payload []byte
	if cl.body != nil {
		var err error
		if payload, err = json.Marshal(cl.body); err != nil {
			return nil, fmt.Errorf("encode %s %s: %w", cl.method, cl.path, err)
		}
	}
	start := time.Now()
	var wait time.Duration // a server-requested delay for the next attempt
	exp := retry.NewExponential(c.backoffBase)
	exp = retry.WithCappedDuration(max(c.backoffBase*32, time.Second), exp)
	exp = retry.WithJitterPercent(20, exp)
	b := retry.BackoffFunc(func() (time.Duration, bool) {
		d, stop := exp.Next()
		if stop {
			return 0, true
		}
		d = max(d, wait)
		wait = 0
		if time.Since(start)+d > c.maxElapsed {
			return 0, true
		}
		return d, false
	})
	return retry.DoValue(ctx, b, func(ctx context.Context) (*reply, error) {
		r, err := c.attempt(ctx, cl, payload)
		if err == nil {
			return r, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		var e *Error
		if !errors.As(err, &e) {
			return nil, err
		}
		get := cl.method == http.MethodGet
		if e.Status == http.StatusTooManyRequests || e.Status == http.StatusServiceUnavailable {
			if d, ok := retryAfter(e.header); ok {
				if time.Since(start)+d > c.maxElapsed {
					e.Hint = fmt.Sprintf("the server asked to wait %s, beyond the retry budget of %s", d.Round(time.Second), c.maxElapsed)
					return nil, err
				}
				wait = d
			}
		}
		switch {
		case e.Status == http.StatusTooManyRequests:
			return nil, retry.RetryableError(err)
		case e.Status == http.StatusInternalServerError && get:
			return nil, retry.RetryableError(err)
		case e.Status == 0 || e.Status == http.StatusBadGateway || e.Status == http.StatusServiceUnavailable ||
			e.Status == http.StatusGatewayTimeout:
			if e.Status == 0 && e.Hint == hintTLS {
				return nil, err
			}
			if get || cl.idempotent {
				return nil, retry.RetryableError(err)
			}
			if cl.ambiguous == nil {
				return nil, err
			}
			adopted, aerr := cl.ambiguous(ctx)
			if aerr != nil {
				return nil, fmt.Errorf("%w; checking whether it was applied: %w", err, aerr)
			}
			if adopted {
				return nil, errAdopted
			}
			return nil, retry.RetryableError(err)
		}
		return nil, err
	})
}

// attempt sends the call once.
func (c *Client) attempt(ctx context.Context, cl call, payload []byte) (*reply, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.sem }()
	if err := c.limiter.Wait(ctx); err != nil {
		return nil, err
	}
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	raw := c.base.String() + cl.path
	if cl.query != "" {
		raw += "?" + cl.query
	}
	path := c.base.EscapedPath() + cl.path
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(actx, cl.method, raw, rd)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", cl.method, path, err)
	}
	req.Header.Set("Accept", "application/scim+json, application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, c.transportError(cl.method, path, unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, c.transportError(cl.method, path, fmt.Errorf("read body: %w", err))
	}
	if int64(len(body)) > c.maxBody {
		return nil, &Error{Method: cl.method, Path: path, Status: resp.StatusCode,
			Detail: fmt.Sprintf("response body larger than %d bytes", c.maxBody)}
	}
	ctype := resp.Header.Get("Content-Type")
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := c.statusError(cl.method, path, resp.StatusCode, ctype, body, cl.list)
		e.header = resp.Header
		return nil, e
	}
	if len(bytes.TrimSpace(body)) > 0 && looksHTML(ctype, body) {
		return nil, &Error{Method: cl.method, Path: path, Status: resp.StatusCode, Detail: "HTML body", Hint: hintHTML}
	}
	return &reply{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// hintHTMLOrJSON is the hint for a 2xx body that is not SCIM JSON.
const hintHTMLOrJSON = "is the URL https://HOST/scim?"

// unwrapURLError drops the *url.Error wrapper (it repeats the URL).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// retryAfter reads Retry-After (seconds or an HTTP date) or RateLimit-Reset
// (seconds).
func retryAfter(h http.Header) (time.Duration, bool) {
	if h == nil {
		return 0, false
	}
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			return time.Duration(n) * time.Second, true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(time.Until(t), 0), true
		}
	}
	if v := strings.TrimSpace(h.Get("RateLimit-Reset")); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			return time.Duration(n) * time.Second, true
		}
	}
	return 0, false
}
