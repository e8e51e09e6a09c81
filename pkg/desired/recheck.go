package desired

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/wbsync/wbsync/pkg/caps"
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
// error. digest is model.Digest(st, p), which the caller has (a saved
// plan's manifest_digest, checked when the file was read).
func Recheck(st model.State, p model.Policy, digest string) error {
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
	srcs := splitEncoded(buf.Bytes())
	m, err := Parse(srcs)
	var pe *ProblemsError
	if errors.As(err, &pe) && len(pe.Problems) > 0 {
		first := pe.Problems[0]
		for _, src := range srcs {
			if src.Name == first.File {
				return fmt.Errorf("%s: %s", recordAt(src.Data, first.Line), first.Message)
			}
		}
		return errors.New(first.Message)
	}
	if err != nil {
		return err
	}
	if model.Digest(m.State, m.Policy) != digest {
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
			return fmt.Sprintf("user %q", short(ca.Users[i].Email))
		}
	}
	for i := range ca.Teams {
		if i >= len(cb.Teams) || !same(ca.Teams[i], cb.Teams[i]) {
			return fmt.Sprintf("team %q", short(ca.Teams[i].Name))
		}
	}
	if len(cb.Users) > len(ca.Users) || len(cb.Teams) > len(ca.Teams) {
		return "a user or team"
	}
	return "policy"
}

// splitEncoded cuts a manifest Encode wrote into files of that manifest
// (each says version: 1; users and teams go on under their section), cut
// only where a user or team starts, each well under the loader's caps on
// one file: a manifest loaded from several files, each under the caps, is
// more than one file may hold, and escapes written out (a name of quoted
// backslashes) may take more bytes or indicators than they did.
func splitEncoded(b []byte) []Source {
	var (
		srcs    []Source
		cur     []byte
		ind     int
		section string // the current section's header line
		items   int    // the section's items in the current part
	)
	flush := func() {
		srcs = append(srcs, Source{Name: fmt.Sprintf("manifest part %d", len(srcs)+1), Data: cur})
		cur, ind = nil, 0
	}
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line = b[:i+1]
		}
		b = b[len(line):]
		item := bytes.HasPrefix(line, []byte("  - "))
		switch {
		case len(line) > 0 && line[0] != ' ' && line[0] != '#':
			section, items = strings.TrimSuffix(string(line), "\n"), 0
		case item && items > 0 && (len(cur) > splitBytes || ind > splitIndicators):
			// Never before a section's first item in this part: the
			// part would end with the section's header (and comments)
			// alone, a null section.
			flush()
			cur = append(cur, "version: "+strconv.Itoa(SupportedVersion)+"\n"+section+"\n"...)
			items = 0
		}
		if item {
			items++
		}
		cur = append(cur, line...)
		ind += indicators(line)
	}
	flush()
	return srcs
}

// splitBytes and splitIndicators are where splitEncoded starts another
// file: an eighth of the caps, so that a file stays under them with the
// user or team that follows the cut (a team is never cut: one of some
// 800,000 members written out could alone pass the caps, as it would in
// any one manifest file). Variables for tests.
var splitBytes, splitIndicators = caps.ManifestFile / 8, caps.ManifestIndicators / 8

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
