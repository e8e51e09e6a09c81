package doctor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/emulator"
	"github.com/wbsync/wbsync/pkg/model"
)

// TestDeploymentWarnsOfSeveralEmails: users holding more than one email,
// which W&B allows on Multi-tenant Cloud only, make the deployment check
// warn when wbsync assumes Dedicated Cloud (an organization on Multi-tenant
// Cloud behind another host name), and not when it assumes Multi-tenant
// Cloud; one address sent twice (in another case) is one email.
func TestDeploymentWarnsOfSeveralEmails(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "seed.json")
	state := `{"users": [
	  {"userName": "alice@example.com", "emails": ["alice@example.com", "a.smith@example.org"], "organizationRole": "admin", "active": true},
	  {"userName": "bob@example.com", "active": true},
	  {"userName": "carol@example.com", "active": true}
	], "teams": []}`
	if err := os.WriteFile(seed, []byte(state), 0o600); err != nil {
		t.Fatal(err)
	}
	const note = "1 user(s) hold more than one email, which W&B allows on Multi-tenant Cloud only: if this organization is on Multi-tenant Cloud (behind another host name), pass --deployment saas"
	for _, tc := range []struct {
		name string
		opts emulator.Options
		env  func(*Env)
	}{
		{"dedicated assumed", emulator.Options{Deployment: emulator.DeploymentSaaS}, nil},
		{"saas given", emulator.Options{Deployment: emulator.DeploymentSaaS}, func(e *Env) { e.Deployment, e.DeploymentGiven = model.SaaS, true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, _, _ := runEmulator(t, emuMode{name: tc.name, seed: "@" + seed, opts: tc.opts, env: tc.env})
			d := rep.Get(NameDeployment)
			if tc.env == nil {
				if d.Status != Warn || !strings.Contains(d.Detail, note) {
					t.Fatalf("deployment: %s %q, want a warning with %q", d.Status, d.Detail, note)
				}
				return
			}
			if strings.Contains(d.Detail, "more than one email") {
				t.Fatalf("deployment saas: %q speaks of several emails", d.Detail)
			}
		})
	}
	if c := SeveralEmails(Check{Name: NameDeployment, Status: OK, Detail: "x"}, 0); c.Status != OK || c.Detail != "x" {
		t.Fatalf("no user with several emails: %+v", c)
	}
	st := model.State{Users: []model.User{
		{Emails: []string{"a@x.com", "b@x.com"}}, {Emails: []string{"c@x.com", "C@X.com"}}, {Emails: []string{"d@x.com"}}, {},
	}}
	if n := severalEmails(st); n != 1 {
		t.Fatalf("severalEmails = %d, want 1 (one address in two cases is one email)", n)
	}
}
