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
// Cloud, where they bear out a --deployment saas that the host's name does
// not suggest; one address sent twice (in another case) is one email.
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
			// Given for a host that suggests dedicated (127.0.0.1), saas
			// is borne out by the emails: the advice, followed, passes.
			if d.Status != OK || !strings.Contains(d.Detail, "--deployment saas, but the host 127.0.0.1 suggests dedicated") || !strings.Contains(d.Detail, "1 user(s) hold more than one email, which W&B allows on Multi-tenant Cloud only: saas is borne out") || strings.Contains(d.Detail, "check --deployment") {
				t.Fatalf("deployment saas: %s %q, want ok, borne out by the emails", d.Status, d.Detail)
			}
		})
	}
	if c := SeveralEmails(Check{Name: NameDeployment, Status: OK, Detail: "x"}, model.Dedicated, 0); c.Status != OK || c.Detail != "x" {
		t.Fatalf("no user with several emails: %+v", c)
	}
	// dedicated given against api.wandb.ai (a warning already): the emails
	// bear the host out, with no word of another host name.
	if c := SeveralEmails(Check{Name: NameDeployment, Status: Warn, Detail: "x"}, model.Dedicated, 3); c.Status != Warn || c.Detail != "x; and 3 user(s) hold more than one email, which W&B allows on Multi-tenant Cloud only: pass --deployment saas (a deactivation there cannot be undone)" {
		t.Fatalf("dedicated given against api.wandb.ai: %+v", c)
	}
	// saas given without a warning (the host api.wandb.ai): nothing to add.
	if c := SeveralEmails(Check{Name: NameDeployment, Status: OK, Detail: "x"}, model.SaaS, 2); c.Status != OK || c.Detail != "x" {
		t.Fatalf("saas as the host suggests: %+v", c)
	}
	// saas with no user holding several emails keeps its warning.
	if c := SeveralEmails(Check{Name: NameDeployment, Status: Warn, Detail: "x"}, model.SaaS, 0); c.Status != Warn || c.Detail != "x" {
		t.Fatalf("saas, nothing bears it out: %+v", c)
	}
	st := model.State{Users: []model.User{
		{Emails: []string{"a@x.com", "b@x.com"}}, {Emails: []string{"c@x.com", "C@X.com"}}, {Emails: []string{"d@x.com"}}, {},
	}}
	if n := severalEmails(st); n != 1 {
		t.Fatalf("severalEmails = %d, want 1 (one address in two cases is one email)", n)
	}
}
