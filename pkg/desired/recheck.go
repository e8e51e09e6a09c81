package desired

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/wbsync/wbsync/pkg/model"
)

// Recheck returns nil when st and p are what the loader makes of some
// manifest, else an error saying what it would refuse or read otherwise.
// It is for a manifest given as data rather than as YAML, such as the one
// a saved plan embeds: a digest anyone can recompute does not make a
// hand-made manifest valid. The manifest is written as Encode writes it
// and read back by Parse, so that every rule of the loader applies (the
// caps on value lengths, the patterns of emails and names, the roles);
// a user or team Encode cannot write, a problem Parse reports (named by
// the user or team it is in), or a read-back whose digest differs (a value
// the loader keeps in another form, such as a role in capitals) is an
// error.
func Recheck(st model.State, p model.Policy) error {
	var buf bytes.Buffer
	rep, err := Encode(&buf, st, EncodeOptions{Policy: &p})
	if err != nil {
		return err
	}
	switch {
	case len(rep.SkippedUsers) > 0:
		s := rep.SkippedUsers[0]
		return fmt.Errorf("user %s: %s", UserLabel(s.User), s.Reason)
	case len(rep.SkippedTeams) > 0:
		s := rep.SkippedTeams[0]
		return fmt.Errorf("team %q: %s", short(s.Team.Name), s.Reason)
	}
	m, err := Parse([]Source{{Name: "manifest", Data: buf.Bytes()}})
	var pe *ProblemsError
	if errors.As(err, &pe) && len(pe.Problems) > 0 {
		first := pe.Problems[0]
		return fmt.Errorf("%s: %s", recordAt(buf.Bytes(), first.Line), first.Message)
	}
	if err != nil {
		return err
	}
	if model.Digest(m.State, m.Policy) != model.Digest(st, p) {
		return fmt.Errorf("%s: the loader reads it otherwise (a value in a form no manifest gives, such as a role in capitals, or a member no user declares)", firstDifference(st, m.State))
	}
	return nil
}

// firstDifference names the first user or team (in canonical order) that
// differs between a and b, or the policy when none does.
func firstDifference(a, b model.State) string {
	ca, cb := model.Canonical(a), model.Canonical(b)
	same := func(x, y any) bool {
		bx, _ := json.Marshal(x)
		by, _ := json.Marshal(y)
		return bytes.Equal(bx, by)
	}
	for i := range ca.Users {
		if i >= len(cb.Users) || !same(ca.Users[i], cb.Users[i]) {
			return "user " + short(ca.Users[i].Email)
		}
	}
	for i := range ca.Teams {
		if i >= len(cb.Teams) || !same(ca.Teams[i], cb.Teams[i]) {
			return "team " + short(ca.Teams[i].Name)
		}
	}
	if len(cb.Users) > len(ca.Users) || len(cb.Teams) > len(ca.Teams) {
		return "a user or team"
	}
	return "policy"
}

// recordAt names the user, team or policy that line (from 1) of a
// manifest Encode wrote is part of: the nearest "  - email:" or "  -
// name:" line above it, or the section.
func recordAt(b []byte, line int) string {
	lines := strings.Split(string(b), "\n")
	for i := min(line, len(lines)) - 1; i >= 0; i-- {
		l := lines[i]
		if v, ok := strings.CutPrefix(l, "  - email: "); ok {
			return "user " + short(v)
		}
		if v, ok := strings.CutPrefix(l, "  - name: "); ok {
			return "team " + short(v)
		}
		if l == "policy:" || strings.HasPrefix(l, "policy: ") {
			return "policy"
		}
	}
	return fmt.Sprintf("line %d", line)
}
