package scim

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/wbsync/wbsync/pkg/model"
)

// echoCase is a server answer built from the request's Authorization
// header, and the client call that meets it.
type echoCase struct {
	name  string
	serve func(w http.ResponseWriter, r *http.Request, hdr string) bool
	do    func(ctx context.Context, c *Client) error
}

func listUsers(ctx context.Context, c *Client) error  { _, err := c.ListUsers(ctx); return err }
func deactivate(ctx context.Context, c *Client) error { return c.SetActive(ctx, "u1", false) }
func createAlice(ctx context.Context, c *Client) error {
	_, err := c.CreateUser(ctx, model.User{UserName: "alice"})
	return err
}

func pad(n int) string { return strings.Repeat("x", n) }

func echoCases() []echoCase {
	var cases []echoCase
	// Lengths put the cut of a 200-character detail before, inside and
	// after the key.
	for _, n := range []int{0, 150, 180, 185, 190, 195, 199, 240} {
		cases = append(cases,
			echoCase{fmt.Sprintf("detail %d", n), func(w http.ResponseWriter, r *http.Request, hdr string) bool {
				scimErr(w, 400, pad(n)+hdr)
				return true
			}, deactivate},
			echoCase{fmt.Sprintf("plain text %d", n), func(w http.ResponseWriter, r *http.Request, hdr string) bool {
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(400)
				_, _ = w.Write([]byte(pad(n) + hdr))
				return true
			}, listUsers},
		)
	}
	return append(cases,
		echoCase{"scimType and message", func(w http.ResponseWriter, r *http.Request, hdr string) bool {
			writeJSON(w, "application/scim+json", 409, map[string]any{"scimType": hdr, "message": hdr, "status": "409"})
			return true
		}, deactivate},
		echoCase{"retried 503 (info logs)", func(w http.ResponseWriter, r *http.Request, hdr string) bool {
			w.WriteHeader(503)
			_, _ = w.Write([]byte("busy: " + hdr))
			return true
		}, listUsers},
		echoCase{"malformed list JSON", func(w http.ResponseWriter, r *http.Request, hdr string) bool {
			w.Header().Set("Content-Type", "application/scim+json")
			_, _ = w.Write([]byte(`{"totalResults":"` + hdr + `","Resources":[{"id":"` + hdr))
			return true
		}, listUsers},
		echoCase{"malformed record with the key as id", func(w http.ResponseWriter, r *http.Request, hdr string) bool {
			writeJSON(w, "application/scim+json", 200, map[string]any{"totalResults": 1, "Resources": []any{map[string]any{"id": hdr}}})
			return true
		}, listUsers},
		echoCase{"key as a wrong-typed value", func(w http.ResponseWriter, r *http.Request, hdr string) bool {
			w.Header().Set("Content-Type", "application/scim+json")
			_, _ = w.Write([]byte(`{"totalResults":1,"Resources":[{"id":"a","userName":"b","active":"` + hdr + `"}]}`))
			return true
		}, listUsers},
		echoCase{"malformed created user", func(w http.ResponseWriter, r *http.Request, hdr string) bool {
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(201)
			_, _ = w.Write([]byte(`{"userName":"` + hdr + `", "id": ` + hdr))
			return true
		}, createAlice},
		echoCase{"redirect", func(w http.ResponseWriter, r *http.Request, hdr string) bool {
			w.Header().Set("Location", "https://evil.example/"+strings.ReplaceAll(hdr, " ", "/")+"?k="+hdr)
			w.WriteHeader(307)
			return true
		}, listUsers},
		echoCase{"HTML error", func(w http.ResponseWriter, r *http.Request, hdr string) bool {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			_, _ = w.Write([]byte("<html>" + hdr + "</html>"))
			return true
		}, deactivate},
		echoCase{"key as a userName in later messages", func(w http.ResponseWriter, r *http.Request, hdr string) bool {
			if r.Method == http.MethodGet {
				writeJSON(w, "application/scim+json", 200, map[string]any{"totalResults": 1,
					"Resources": []any{map[string]any{"id": "u1", "userName": hdr + "\x1b[2J"}}})
				return true
			}
			scimErr(w, 400, "no")
			return true
		}, func(ctx context.Context, c *Client) error {
			if err := listUsers(ctx, c); err != nil {
				return fmt.Errorf("unexpected: %w", err)
			}
			return deactivate(ctx, c)
		}},
	)
}

// TestKeyNeverLeaks runs every echo against both auth schemes, with debug
// logs and a trace: neither the key nor base64(":"+key), nor any 8-character
// fragment of either, appears in an error, a log line or the trace.
func TestKeyNeverLeaks(t *testing.T) {
	for _, auth := range []string{"bearer", "basic"} {
		t.Run(auth, func(t *testing.T) {
			core, logs := observer.New(zapcore.DebugLevel)
			var trace bytes.Buffer
			for _, ec := range echoCases() {
				f, srv := newFake(t)
				sawKey := false
				f.hook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
					hdr := r.Header.Get("Authorization")
					if strings.Contains(hdr, testKey) || strings.Contains(hdr, basicHeader(testKey)[6:]) {
						sawKey = true
					}
					return ec.serve(w, r, hdr)
				}
				c := testClient(t, srv.URL, func(c *Config) {
					c.Auth, c.Logger, c.Trace, c.MaxElapsed = auth, zap.New(core), &trace, 20*time.Millisecond
				})
				err := ec.do(context.Background(), c)
				if err == nil || strings.HasPrefix(err.Error(), "unexpected") {
					t.Fatalf("%s: err = %v", ec.name, err)
				}
				if !sawKey {
					t.Fatalf("%s: the server never saw the key", ec.name)
				}
				noLeak(t, ec.name+": error", err.Error())
				if strings.ContainsRune(err.Error(), 0x1b) {
					t.Fatalf("%s: a raw ESC in %q", ec.name, err)
				}
			}
			if logs.FilterMessage("SCIM request failed; retrying").Len() == 0 || logs.FilterMessage("scim request").Len() == 0 {
				t.Fatal("no retry or no exchange was logged")
			}
			noLeak(t, "logs", logText(logs))
			if trace.Len() == 0 {
				t.Fatal("nothing traced")
			}
			noLeak(t, "trace", trace.String())
		})
	}
}
