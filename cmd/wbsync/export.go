package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"go.uber.org/zap"

	"github.com/wbsync/wbsync/pkg/desired"
	"github.com/wbsync/wbsync/pkg/diff"
	"github.com/wbsync/wbsync/pkg/doctor"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/sanitize"
	"github.com/wbsync/wbsync/pkg/views"
)

var exportCommand = &command{
	name:     "export",
	synopsis: "export [flags] [-o yaml|csv] [--out FILE]",
	summary:  "write the live org as a manifest",
	example:  "WANDB_API_KEY=... wbsync export --url https://acme.wandb.io/scim --out wbsync.yaml",
	groups:   groups{conn: true},
	formats:  []string{"yaml", "csv"},
	setup: func(fs *flag.FlagSet) any {
		return fs.String("out", "", "write the export (the manifest, or the CSV with -o csv) to this file instead of stdout")
	},
	run: runExport,
}

func runExport(ctx context.Context, inv *invocation, f *flags, own any, pos []string) (int, error) {
	out := *own.(*string)
	if err := noArgs(pos, ""); err != nil {
		return exitError, err
	}
	if err := distinctFiles(f.conn.inputs(), output{"--out", out, writesExport}, output{"--trace", f.conn.trace, writesOther}); err != nil {
		return exitError, err
	}
	if err := checkOutputs(output{"--out", out, writesExport}); err != nil {
		return exitError, err
	}
	s, err := connect(ctx, inv, f, true)
	if err != nil {
		return exitError, err
	}
	have, err := s.read(ctx)
	if err != nil {
		return exitError, err
	}
	if f.format == "csv" {
		// The access review: one row per user, with teams and roles.
		if isYAMLName(out) && !strings.HasPrefix(filepath.Base(out), ".") { // (a directory's dotfiles are not read)
			s.log.Warn(sanitize.Controls("--out " + out + " gets the CSV access review (-o csv), though its name ends like a manifest's: plan -f on its directory would read it as one and fail"))
		}
		var noEmail []model.User
		err := streamOutput(ctx, out, inv, func(w io.Writer) error {
			var err error
			noEmail, err = views.WriteAccessReview(w, have.state)
			return err
		})
		if err != nil {
			return exitError, err
		}
		for _, u := range noEmail {
			s.log.Warn(sanitize.Controls(fmt.Sprintf("user %s has no email: listed with an empty email (a manifest export leaves it out)", desired.UserLabel(u))))
		}
		if users, teams := keyHolders(have.state, inv.redactor().Holds); users+teams > 0 {
			// The manifest export leaves such users out, saying so; the
			// review lists everyone with access, and says that some of
			// what it shows is not what W&B holds.
			s.log.Warn(fmt.Sprintf("%d user(s) and %d team(s) hold text that looks like the API key: the access review shows it as %s, so those rows are not exactly what W&B holds (look them up in W&B)",
				users, teams, sanitize.Marker))
		}
		if out != "" {
			s.log.Info("exported the access review", zap.String("file", out), zap.Int("users", len(have.state.Users)))
		}
		return exitOK, nil
	}
	var roles map[string]bool // nil: not checked
	if s.conf.deployment != model.SaaS && len(diff.CustomRoleNames(have.state)) > 0 {
		// The live custom team roles are checked as plan checks the
		// manifest's: a member whose role /Roles does not list is left
		// out, so that the export plans.
		names, checked, err := s.customRoles(ctx)
		switch {
		case errors.Is(err, errInterrupted):
			return exitError, err
		case err != nil:
			// An export is how an organization is adopted: a key that may
			// read users and teams but not /Roles (a 403) still exports,
			// with the roles as read, and says what plan will check.
			s.log.Warn(sanitize.Controls("the live custom team roles are written unchecked: " + err.Error() +
				"; plan checks them against /Roles (and fails without it): planning this export needs a key that may list /Roles"))
		case !checked:
			// No /Roles (404): plan cannot check them either, and warns.
			s.log.Warn("the server has no /Roles (404), so the live custom team roles are written unchecked: plans of this export warn custom_roles_unchecked, and a role that does not exist fails when applied")
		default:
			roles = make(map[string]bool, len(names))
			for _, n := range names {
				roles[n] = true
			}
		}
	}
	// No time stamp: two exports of one organization are the same bytes
	// (as the CSV is), so that a scheduled export committed to git shows
	// only what changed; git records when.
	header := fmt.Sprintf("Exported by wbsync %s from %s (%s).\nReview it, then commit it as the source of truth.",
		wbsyncVersion(), s.conf.url, s.conf.deployment)
	// A role the read did not carry is not written: that user's orgRole (a
	// member's team role) is then unmanaged, which an admin adopting the
	// organization must know, or the export reads as "nobody is an admin".
	if c := doctor.Roles(have.state); c.Status == doctor.Warn && len(have.state.Users) > 0 {
		note := "Not every role was reported, and roles not reported are not written (add those you know): " + c.Detail
		header += "\n" + note
		s.log.Warn(sanitize.Controls(note))
	}
	var rep desired.EncodeReport
	err = streamOutput(ctx, out, inv, func(w io.Writer) error {
		var err error
		rep, err = desired.Encode(w, have.state, desired.EncodeOptions{Header: header, Unwritable: inv.redactor().Holds,
			NoCustomRoles: s.conf.deployment == model.SaaS, CustomRoles: roles})
		return err
	})
	if err != nil {
		return exitError, err
	}
	// What a manifest cannot hold is reported, not written, so that the
	// export always validates.
	for _, w := range rep.Warnings() {
		s.log.Warn(sanitize.Controls(w))
	}
	if rep.Unresolved > 0 {
		s.log.Info("team members that are not listed SCIM users (such as org service accounts) are left out of the export, and a plan never removes them; "+
			"one that is a user created while the export read (listed after the users were) is listed by the next export, and until then a plan of this one would remove it from an authoritative team",
			zap.Int("memberships", rep.Unresolved), zap.Int("teams", rep.UnresolvedTeams))
	}
	if out != "" {
		s.log.Info("exported the organization", zap.String("file", out), zap.Int("users", len(have.state.Users)-len(rep.SkippedUsers)), zap.Int("teams", len(have.state.Teams)-len(rep.SkippedTeams)))
	}
	return exitOK, nil
}

// keyHolders counts the users and teams of st with a value holds reports
// (the redactor's: it would be shown redacted): a user's email, userName,
// displayName, org role, team roles or the name of a team it is in; a
// team's name.
func keyHolders(st model.State, holds func(string) bool) (users, teams int) {
	byID := make(map[string]bool)
	for _, t := range st.Teams {
		named := holds(t.Name) // its members' rows show the name redacted
		if named {
			teams++
		}
		for _, m := range t.Members {
			if named || m.Role != "" && holds(string(m.Role)) {
				byID[m.UserID] = true
			}
		}
	}
	for _, u := range st.Users {
		if byID[u.ID] || holds(u.Email) || holds(u.UserName) || holds(u.DisplayName) || holds(string(u.OrgRole)) {
			users++
		}
	}
	return users, teams
}
