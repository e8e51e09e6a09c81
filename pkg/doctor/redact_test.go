package doctor

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/sanitize"
	"github.com/wbsync/wbsync/pkg/scim"
)

// TestRunRedactsBeforeTheCut: wherever a detail quotes what the server (or
// the client, from what the server sent) said, the key is redacted with
// Env.Redactor before the detail is cut, even when the text reaches doctor
// unredacted: a key straddling the cut, or whole before it, shows no part
// (cut first, up to 7 characters of it would stay: too few for the output's
// redactor to recognise; more would simply show).
func TestRunRedactsBeforeTheCut(t *testing.T) {
	const key = "0123456789abcdef0123456789abcdef01234567"
	red := sanitize.NewRedactor(key)
	ctx := context.Background()
	users := fakeUsers(3)
	// Each case runs doctor with s (the key after some filler) where one
	// server-supplied text goes.
	cases := map[string]func(s string) Env{
		"full page failed": func(s string) Env {
			return fakeEnv(&fakeServer{users: users, errs: map[string]error{"/Users?startIndex=1&count=9999": errors.New(s)}}, nil)
		},
		"teams failed": func(s string) Env {
			return fakeEnv(&fakeServer{users: users, errs: map[string]error{"/Groups": errors.New(s)}}, nil)
		},
		"full read failed": func(s string) Env {
			env := fakeEnv(&fakeServer{users: users}, nil)
			env.Fetch = func(context.Context, Client) (model.State, error) { return model.State{}, errors.New(s) }
			return env
		},
		"roles failed": func(s string) Env {
			return fakeEnv(&fakeServer{users: users, rolesErr: errors.New(s)}, nil)
		},
		"startIndex=2 failed": func(s string) Env {
			return fakeEnv(&fakeServer{users: users, errs: map[string]error{"/Users?startIndex=2": errors.New(s)}}, nil)
		},
		"count ignored, next page failed": func(s string) Env {
			body := `{"totalResults":5,"Resources":[` + users[0] + `,` + users[1] + `]}`
			return fakeEnv(&fakeServer{body: body, errs: map[string]error{"/Users?startIndex=3": errors.New(s)}}, nil)
		},
		"first request failed": func(s string) Env {
			return fakeEnv(&fakeServer{errs: map[string]error{"/Users": errors.New(s)}}, nil)
		},
		"forbidden": func(s string) Env {
			return fakeEnv(&fakeServer{errs: map[string]error{"/Users": &scim.Error{Method: "GET", Path: "/scim/Users", Status: 403, Detail: s}}}, nil)
		},
		"redirected": func(s string) Env {
			return fakeEnv(&fakeServer{errs: map[string]error{"/Users": &scim.Error{Method: "GET", Path: "/scim/Users", Status: 302, Location: s}}}, nil)
		},
		"not a SCIM API": func(s string) Env {
			return fakeEnv(&fakeServer{errs: map[string]error{"/Users": &scim.Error{Method: "GET", Path: "/scim/Users", Status: 200, Detail: s}}}, nil)
		},
		"other base path failed": func(s string) Env {
			return fakeEnv(&fakeServer{users: users}, &fakeServer{errs: map[string]error{"/Users": errors.New(s)}})
		},
		"host": func(s string) Env {
			env := fakeEnv(&fakeServer{users: users}, nil)
			env.URL = "https://" + s + "/scim"
			return env
		},
	}
	for name, envOf := range cases {
		for _, before := range []int{1, 3, 7, 8, 20, len(key)} {
			s := strings.Repeat("r", caps.Detail-1-before) + key
			env := envOf(s)
			env.Redactor = red
			r := Run(ctx, env)
			found := false
			for _, c := range r.Checks {
				if strings.Contains(c.Detail, "rrrrrrrr") {
					found = true
				}
				if part := keyShown(c.Detail, key, before); part != "" {
					t.Errorf("%s, %d key characters before the cut: %s shows %q of the key: %q", name, before, c.Name, part, c.Detail)
				}
			}
			if !found {
				t.Errorf("%s: no detail quotes the text: %+v", name, r.Checks)
			}
		}
	}
}

// keyShown returns what of key s shows ("" for nothing), when before of its
// characters came before a cut: those followed by "…" when fewer than 8
// (what a cut before redaction leaves), or any 8 in a row.
func keyShown(s, key string, before int) string {
	if before < 8 && strings.Contains(s, key[:before]+"…") {
		return key[:before] + "…"
	}
	for i := 0; i+8 <= len(key); i++ {
		if strings.Contains(s, key[i:i+8]) {
			return key[i : i+8]
		}
	}
	return ""
}

// listingServer is a fakeServer that lists users itself and says which key
// to hide, as *scim.Client does.
type listingServer struct {
	*fakeServer
	list []scim.User
	red  *sanitize.Redactor
}

func (s listingServer) ListUsers(context.Context) ([]scim.User, error) { return s.list, nil }

func (s listingServer) ListGroups(context.Context) ([]scim.Group, error) { return nil, nil }

func (s listingServer) Redactor() *sanitize.Redactor { return s.red }

// TestFullReadRedactsIDs: the full read goes through the probes' wrapper,
// which hands observed.Fetch the client's redactor, so that an id it quotes
// (listed twice) is redacted before observed cuts it to caps.ShownID.
func TestFullReadRedactsIDs(t *testing.T) {
	const key = "0123456789abcdef0123456789abcdef01234567"
	red := sanitize.NewRedactor(key)
	for _, before := range []int{1, 3, 7, 8, 20} {
		id := strings.Repeat("r", caps.ShownID-1-before) + key
		c := listingServer{&fakeServer{users: fakeUsers(3)}, []scim.User{{ID: id, UserName: "a@example.com"}, {ID: id, UserName: "b@example.com"}}, red}
		env := fakeEnv(nil, nil)
		env.Client, env.Fetch, env.Redactor = c, nil, red
		d := Run(context.Background(), env).Get(NameCounts).Detail
		if !strings.Contains(d, "listed twice") {
			t.Fatalf("%d key characters before the cut: counts = %q", before, d)
		}
		if part := keyShown(d, key, before); part != "" {
			t.Errorf("%d key characters before the cut: %q shows %q of the key", before, d, part)
		}
	}
}
