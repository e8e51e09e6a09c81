package main

import (
	"context"
	"errors"
	"io"

	"github.com/wbsync/wbsync/pkg/doctor"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/sanitize"
	"github.com/wbsync/wbsync/pkg/scim"
)

var doctorCommand = &command{
	name:     "doctor",
	synopsis: "doctor [flags] [-o text|json]",
	summary:  "check, with GET requests only, what wbsync can do with a live org",
	example:  "WANDB_API_KEY=... wbsync doctor --url https://acme.wandb.io/scim",
	groups:   groups{conn: true},
	formats:  []string{"text", "json"},
	run:      runDoctor,
}

// runDoctor probes the organization through read-only clients and prints
// the report: exit 0 when no check failed, 1 otherwise.
func runDoctor(ctx context.Context, inv *invocation, f *flags, _ any, pos []string) (int, error) {
	if err := noArgs(pos, ""); err != nil {
		return exitError, err
	}
	if err := distinctFiles(f.conn.inputs(), output{"--trace", f.conn.trace, writesOther}); err != nil {
		return exitError, err
	}
	s, err := connect(ctx, inv, f, true)
	if err != nil {
		return exitError, err
	}
	suggests, err := deploymentOf("", s.conf.url)
	if err != nil {
		return exitError, err
	}
	env := doctor.Env{
		URL:             s.conf.url,
		Client:          s.client,
		Auth:            s.conf.auth,
		Deployment:      s.conf.deployment,
		DeploymentGiven: s.conf.deploymentGiven,
		HostSuggests:    suggests,
		PageSize:        f.conn.pageSize,
		RateLimit:       f.conn.rateLimit,
		Concurrency:     f.conn.concurrency,
		Timeout:         f.conn.timeout,
		Redactor:        inv.redactor(),
	}
	other, otherURL, err := s.otherClient(f)
	if err != nil {
		return exitError, err
	}
	if other != nil {
		env.Other, env.OtherURL = other, otherURL
	}
	if s.conf.auth == "bearer" && s.conf.deployment != model.SaaS {
		// Dedicated Cloud and Self-Managed before v0.79 refuse Bearer:
		// doctor tries Basic when Bearer is refused, to say which works.
		b := *s
		b.conf.auth = "basic"
		if err := b.dial(f, true); err != nil {
			return exitError, err
		}
		env.Basic = b.client
		if other != nil {
			if env.BasicOther, _, err = b.otherClient(f); err != nil {
				return exitError, err
			}
		}
	}
	rep := doctor.Run(ctx, env)
	s.pages.stop() // a read that failed leaves no bar above the report
	if ctx.Err() != nil {
		// Not errInterrupted's "nothing was written": doctor writes
		// nothing anyway, and a --trace has been.
		return exitError, errors.New(interrupted)
	}
	if err := writeView(inv.stdout, f.format, rep); err != nil {
		return exitError, err
	}
	if !rep.OK {
		return exitError, nil
	}
	return exitOK, nil
}

// view is a report with a JSON and a text view.
type view interface {
	WriteJSON(w io.Writer) error
	WriteText(w io.Writer) error
}

// writeView writes v to w as JSON when format is "json", else as text.
func writeView(w io.Writer, format string, v view) error {
	if format == "json" {
		return v.WriteJSON(sanitize.JSONWriter(w))
	}
	return v.WriteText(w)
}

// otherClient returns a read-only client, with the session's connection
// settings, for the other W&B base path of its URL (/scim ↔ /scim/v2) and
// that URL; nil when the URL ends in neither.
func (s *session) otherClient(f *flags) (*scim.Client, string, error) {
	u := doctor.OtherBase(s.conf.url)
	if u == "" {
		return nil, "", nil
	}
	o := *s
	o.conf.url = u
	if err := o.dial(f, true); err != nil {
		return nil, "", err
	}
	return o.client, u, nil
}
