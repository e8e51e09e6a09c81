package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/desired"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// loadManifest is readManifest that prints the manifest's problems to
// stderr (at most caps.Problems of them, then a count of the rest): with
// JSON logs, one error entry each.
func loadManifest(ctx context.Context, files []string, inv *invocation) (*desired.Manifest, error) {
	m, err := readManifest(ctx, files, inv)
	var pe *desired.ProblemsError
	if errors.As(err, &pe) {
		for _, p := range pe.Problems {
			inv.say(zapcore.ErrorLevel, sanitize.Controls(p.String()),
				zap.String("file", p.File), zap.Int("line", p.Line), zap.Int("column", p.Column))
		}
		if line := pe.MoreLine(); line != "" {
			inv.say(zapcore.ErrorLevel, line, zap.Int("more_problems", pe.More()))
		}
		return nil, manifestError{pe}
	}
	return m, err
}

// warnUnreadSubdirs warns of the directories below a -f directory that
// hold YAML files no -f reads: a directory gives its own files only (as
// kubectl -f without -R), and a manifest split as teams/eng/*.yaml would
// otherwise be half read without a word, the users of the rest unmanaged.
// Each directory is named once, at most maxUnreadDirs of them. paths are
// the files the manifest is read from (manifestPaths of files). A name
// that holds what the redactor cuts is refused (keyInManifest), as a
// file's name is, before any is said.
func warnUnreadSubdirs(inv *invocation, files, paths []string) error {
	found, unfinished := unreadSubdirs(files, paths, subdirBudget)
	// Named, a directory's name could tell its author what the redactor
	// cuts from it: refused as a file's name is (readManifestWithin).
	if red := inv.redactor(); red != nil {
		holds := shownBy(red)
		for i, u := range found {
			if i < maxUnreadDirs && (holds(u.dir) || holds(u.parent)) {
				return keyInManifest(red)
			}
		}
		if slices.ContainsFunc(unfinished, holds) {
			return keyInManifest(red)
		}
	}
	for _, d := range unfinished {
		inv.say(zapcore.WarnLevel, sanitize.Controls(fmt.Sprintf("manifest directory %s: stopped looking below it for YAML files no -f reads after %d entries (a directory gives only its own files): check that no part of the manifest sits in a sub-directory",
			d, subdirBudget)), zap.String("directory", d))
	}
	for i, u := range found {
		if i == maxUnreadDirs {
			inv.say(zapcore.WarnLevel, fmt.Sprintf("... and %d more director(ies) holding YAML files that are not read", len(found)-i))
			break
		}
		inv.say(zapcore.WarnLevel, sanitize.Controls(fmt.Sprintf("manifest directory %s: %s holds YAML files, which are not read (a directory gives only its own *.yaml and *.yml files, not its sub-directories'): name that directory with another -f to read them",
			u.parent, u.dir)), zap.String("directory", u.dir))
	}
	return nil
}

// subdirBudget is how many entries unreadSubdirs visits below each -f
// directory; maxUnreadDirs is how many directories warnUnreadSubdirs
// names (both decided in pkg/caps).
const (
	subdirBudget  = caps.ManifestSubdirEntries
	maxUnreadDirs = caps.ManifestSubdirsNamed
)

// unread is a directory holding YAML files below the -f directory parent.
type unread struct{ parent, dir string }

// unreadSubdirs returns the directories below the directories among files
// that hold a *.yaml or *.yml file that is not among read (the paths the
// manifest is read from), each once, in the order walked, visiting at most
// budget entries below each of those directories, and the -f directories
// below which it stopped for want of budget. Names starting with a dot are
// skipped, as the directory read skips them; a link to a directory is
// followed where it is an entry of a -f directory, not deeper.
func unreadSubdirs(files, read []string, budget int) (found []unread, unfinished []string) {
	isRead := map[string]bool{}
	for _, p := range read {
		isRead[canonical(p)] = true
	}
	seen := map[string]bool{} // directories walked or named, by real path
	for _, f := range files {
		entries, err := os.ReadDir(f)
		key := canonical(f)
		if err != nil || seen[key] {
			continue // a file, a directory given twice, or the read says what is wrong
		}
		seen[key] = true
		left := budget
		for _, e := range entries {
			sub := filepath.Join(f, e.Name())
			if strings.HasPrefix(e.Name(), ".") || !e.IsDir() && e.Type()&fs.ModeSymlink == 0 {
				continue // hidden, or a file: only a link needs a look at what it names
			}
			if fi, err := os.Stat(sub); err != nil || !fi.IsDir() {
				continue
			}
			if left <= 0 {
				left = -1 // a directory left unvisited
				break
			}
			root := canonical(sub) // WalkDir does not follow a link given as its root
			_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if left--; left < 0 {
					return fs.SkipAll
				}
				switch {
				case err != nil:
					return nil
				case d.IsDir() && (p != root && strings.HasPrefix(d.Name(), ".") || seen[p]):
					return fs.SkipDir // hidden, or a -f directory walked on its own
				case d.IsDir():
					return nil
				case strings.HasPrefix(d.Name(), ".") || isRead[p]:
					return nil
				}
				if isYAMLName(d.Name()) {
					dir := filepath.Dir(p)
					if !seen[dir] {
						seen[dir] = true
						shown, _ := filepath.Rel(root, dir)
						found = append(found, unread{f, filepath.Join(sub, shown)})
					}
				}
				return nil
			})
		}
		if left < 0 {
			unfinished = append(unfinished, f)
		}
	}
	return found, unfinished
}

// manifestError reports that the manifest has problems (already printed)
// and unwraps to them.
type manifestError struct{ pe *desired.ProblemsError }

func (m manifestError) Error() string {
	return fmt.Sprintf("the manifest has %d problem(s); nothing was written", m.pe.Total)
}

func (m manifestError) Unwrap() error { return m.pe }

// readManifest expands and reads the -f paths (each at most
// caps.ManifestFile bytes, all together at most caps.ManifestTotal, checked
// before parsing) and parses them as one manifest, watching ctx; once the
// paths are known, it warns through inv of the directories it does not
// read (warnUnreadSubdirs).
func readManifest(ctx context.Context, files []string, inv *invocation) (*desired.Manifest, error) {
	return readManifestListed(ctx, files, inv, nil)
}

// readManifestListed is readManifest that also hands listed the files -f
// names once expanded (standard input as <stdin>), before any is read;
// it is not called when they cannot be listed.
func readManifestListed(ctx context.Context, files []string, inv *invocation, listed func(names []string)) (*desired.Manifest, error) {
	expanded := func(paths []string) error {
		if err := warnUnreadSubdirs(inv, files, paths); err != nil {
			return err
		}
		if listed != nil {
			names := slices.Clone(paths)
			for i, p := range names {
				if p == stdinPath {
					names[i] = stdinName
				}
			}
			listed(names)
		}
		return nil
	}
	m, err := readManifestWithin(ctx, files, caps.ManifestTotal, expanded, inv.redactor())
	if err == nil {
		for _, n := range m.Notes {
			inv.say(zapcore.WarnLevel, sanitize.Controls(n.String()))
		}
	}
	return m, err
}

// errKeyInManifest refuses a manifest that holds what the redactor would
// redact. Printed, each such piece would come out as [redacted], and a
// manifest's author (a pull request's, in a pipeline that plans it with
// the key) could write candidate strings and learn from which are redacted,
// and where, the key piece by piece. So nothing of it is read or printed,
// and the refusal says neither which file nor where.
var errKeyInManifest = errors.New("the manifest holds the API key, or 8 or more characters of it or of an encoded form of it: wbsync reads and prints nothing of such a manifest (from what it would redact, and where, the key could be learnt piece by piece); remove the key from the manifest, and find out who wrote it there (a value that holds a piece of it by chance, such as a GUID externalId, needs a new API key)")

// errShortKeyInManifest is errKeyInManifest for a key shorter than
// sanitize.Fragment (a test key, "test"), which is redacted wherever it
// appears whole: a word of the manifest is then all it takes.
var errShortKeyInManifest = errors.New("the manifest holds the API key: a key shorter than 8 characters (a placeholder?) is hidden wherever it appears whole, and a word of the manifest holds it; wbsync reads and prints nothing of such a manifest: use a longer key (a server that takes any key takes a longer one)")

// keyInManifest is the refusal of a manifest that holds what red redacts.
func keyInManifest(red *sanitize.Redactor) error {
	if red.WholeOnly() {
		return errShortKeyInManifest
	}
	return errKeyInManifest
}

// readManifestWithin is readManifest with room for limit bytes in all,
// calling expanded (when not nil) with the paths before they are read.
//
// With red, a manifest that holds what red redacts, in its text or in a
// file's name, is refused (errKeyInManifest).
func readManifestWithin(ctx context.Context, files []string, limit int64, expanded func(paths []string) error, red *sanitize.Redactor) (*desired.Manifest, error) {
	return await(ctx, func() (*desired.Manifest, error) {
		paths, err := manifestPaths(files)
		if err != nil {
			if red != nil && holdsAsShown(red, err.Error()) {
				return nil, keyInManifest(red) // a name it shows, escaped
			}
			return nil, err
		}
		if red != nil && slices.ContainsFunc(paths, shownBy(red)) {
			return nil, keyInManifest(red)
		}
		if expanded != nil {
			if err := expanded(paths); err != nil {
				return nil, err
			}
		}
		if err := sizesWithin(paths, limit); err != nil {
			return nil, err
		}
		srcs := make([]desired.Source, 0, len(paths))
		total := int64(0)
		decode := false // a file may mean strings its bytes do not spell
		for _, p := range paths {
			room := limit - total
			name, read := p, readCapped
			if p == stdinPath {
				name, read = stdinName, readStdin
			}
			b, _, err := read(p, min(caps.ManifestFile, room), "manifest", yamlText(name))
			if err != nil {
				return nil, fileError{name, inAll(err, limit, total)}
			}
			total += int64(len(b))
			if red != nil && red.Index(b) >= 0 {
				return nil, keyInManifest(red)
			}
			decode = decode || spellsOtherwise(b)
			srcs = append(srcs, desired.Source{Name: name, Data: b})
		}
		m, err := desired.Parse(srcs)
		if red != nil && meantHolds(red, m, err, decode) {
			return nil, keyInManifest(red)
		}
		return m, err
	})
}

// What a manifest holds is checked for the key as written (its bytes,
// above), as YAML reads it (decodedHolds), and as wbsync shows it
// (shownHolds): each may spell a piece of the key that the others do not,
// and what the redactor then cut from the output, and where, would tell
// the manifest's author the key piece by piece. wbsync's own escapes are
// such a way: a zero-width space before "ef01" is shown \u200bef01, whose
// "200bef01" neither the file nor the value holds.

// meantHolds reports whether manifest m or the problems of err hold what
// red redacts, as YAML read it (when decode: a file spells some of it
// otherwise) or as wbsync shows it (every string of m, the problems and
// the policy; a duration is shown in digits of its own, 3123.45678ms as
// 3.12345678s). Whether a string is shown otherwise is decided on the
// string, not on the file's bytes: an escape ("\u200b", "\ ") or a block
// scalar's indentation indicator (|2-) gives a value characters or a run
// of spaces that its file's bytes do not hold; shownHolds passes a string
// of printable ASCII without four spaces in a row at once.
func meantHolds(red *sanitize.Redactor, m *desired.Manifest, err error, decode bool) bool {
	if err != nil && holdsAsShown(red, err.Error()) {
		return true
	}
	if m == nil {
		return false
	}
	if decode && decodedHolds(red, m) {
		return true
	}
	if red.Holds(model.Grace(m.Policy.UnmanagedGracePeriod)) { // as plans show it
		return true
	}
	if slices.ContainsFunc(m.Policy.Protected, shownBy(red)) ||
		slices.ContainsFunc(m.Notes, func(n desired.Problem) bool { return holdsAsShown(red, n.String()) }) {
		return true
	}
	return manifestStrings(m, func(s string) bool { return shownHolds(red, s) })
}

// decodedHolds reports whether what manifest m means (its users, teams,
// policy and notes) holds what red redacts.
func decodedHolds(red *sanitize.Redactor, m *desired.Manifest) bool {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // <, > and & as written
	for _, v := range []any{m.State, m.Policy, m.Notes} {
		buf.Reset()
		if enc.Encode(v) != nil || red.Index(buf.Bytes()) >= 0 {
			return true
		}
	}
	return false
}

// holdsAsShown reports whether s, as it is or as wbsync shows it, holds
// what red redacts: for text whose bytes no earlier check read (a name, a
// problem, a note).
func holdsAsShown(red *sanitize.Redactor, s string) bool {
	return red.Holds(s) || shownHolds(red, s)
}

// shownBy is holdsAsShown of red, for a list's strings.
func shownBy(red *sanitize.Redactor) func(string) bool {
	return func(s string) bool { return holdsAsShown(red, s) }
}

// shownHolds reports whether s, as wbsync shows it (a name, a quoted
// value, text with its controls escaped, in a markdown code span, a JSON
// string, a request body in the trace), holds what red redacts, when it
// is shown otherwise than it is: with a byte outside printable ASCII, a
// backtick, four spaces in a row, or <, > or & (a request body, encoded
// by encoding/json, writes them \u003c, \u003e and \u0026).
func shownHolds(red *sanitize.Redactor, s string) bool {
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r >= 0x7f || strings.ContainsRune("`<>&", r) }) && !strings.Contains(s, "    ") {
		return false // shown as written, but for backslashes before quotes
	}
	code := func(t string) string { return strings.ReplaceAll(t, "`", `\x60`) } // a markdown code span's backtick
	for _, t := range []string{sanitize.Controls(s), sanitize.Name(s), sanitize.Quote(s), sanitize.LookAlikes(s)} {
		if red.Holds(t) || red.Holds(code(t)) {
			return true
		}
	}
	b, err := json.Marshal(s)
	return err != nil || red.Index(sanitize.EscapeJSON(b)) >= 0
}

// manifestStrings calls f with each string of m's users and teams until
// it returns true, and reports whether it did.
func manifestStrings(m *desired.Manifest, f func(string) bool) bool {
	for i := range m.State.Users {
		u := &m.State.Users[i]
		if f(u.UserName) || f(u.Email) || f(u.DisplayName) || f(u.ExternalID) || f(string(u.OrgRole)) || slices.ContainsFunc(u.Emails, f) {
			return true
		}
		for t, r := range u.TeamRoles {
			if f(t) || f(string(r)) {
				return true
			}
		}
	}
	for i := range m.State.Teams {
		t := &m.State.Teams[i]
		if f(t.ID) || f(t.Name) {
			return true
		}
		for _, mb := range t.Members {
			if f(mb.Email) || f(mb.Display) || f(string(mb.Role)) || f(mb.UserID) {
				return true
			}
		}
	}
	return false
}

// spellsOtherwise reports whether manifest text b may mean strings that
// none of its runs of bytes spells: a double-quoted escape ("\x30") or
// line continuation, a doubled quote in a single-quoted string, a tag
// (!!binary decodes base64), or a file in UTF-16 or UTF-32 (NUL bytes).
// Folded lines join with a space or a line break, which no key holds.
func spellsOtherwise(b []byte) bool {
	return bytes.ContainsAny(b, "\\!\x00") || bytes.Contains(b, []byte("''"))
}

// stdinName names the manifest read from standard input (-f -) in
// problems (<stdin>:LINE:COL) and in a saved plan's files.
const stdinName = "<stdin>"

// readStdin is readCapped for standard input (-f -), named stdinName.
func readStdin(_ string, max int64, what string, checks ...func(head []byte) error) ([]byte, fs.FileInfo, error) {
	return readCappedFrom(os.Stdin, stdinName, max, what, checks...)
}

// sizesWithin refuses, before any file is read, manifest files whose sizes
// pass limit in all (the reads check it again, for files that grow or are
// no regular files): five files of 250 MiB are refused at once, not after
// four were read, and a file over caps.ManifestFile before the others.
func sizesWithin(paths []string, limit int64) error {
	total := int64(0)
	for _, p := range paths {
		if p == stdinPath {
			continue // standard input: its read checks a redirected file's size
		}
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue // the read says what is wrong with it
		}
		if room := limit - total; fi.Size() > min(caps.ManifestFile, room) {
			return fileError{p, inAll(tooLarge("manifest", p, fi.Size(), min(caps.ManifestFile, room)), limit, total)}
		}
		total += fi.Size()
	}
	return nil
}

// inAll adds to err, the refusal of a manifest file read after files of
// total bytes, that the files' limit in all bytes is what it passed, when
// the room left was below caps.ManifestFile.
func inAll(err error, limit, total int64) error {
	if limit-total < caps.ManifestFile {
		return fmt.Errorf("%w (the manifest files may hold %d bytes in all; those before it hold %d)", err, limit, total)
	}
	return err
}
