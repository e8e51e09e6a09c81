package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/emulator"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// TestParseInterleaved: flags may come before or after positionals, and
// "--" makes every argument after it positional.
func TestParseInterleaved(t *testing.T) {
	cases := []struct {
		args    []string
		pos     []string
		approve bool
		out     string
	}{
		{[]string{"plan.out", "--auto-approve"}, []string{"plan.out"}, true, ""},
		{[]string{"--auto-approve", "plan.out"}, []string{"plan.out"}, true, ""},
		{[]string{"--", "plan.out", "--auto-approve"}, []string{"plan.out", "--auto-approve"}, false, ""},
		{[]string{"--auto-approve", "--", "-x", "--"}, []string{"-x", "--"}, true, ""},
		{[]string{"a", "--out", "o.json", "b", "--", "--out", "c"}, []string{"a", "b", "--out", "c"}, false, "o.json"},
		{[]string{"--out", "--", "a"}, []string{"a"}, false, "--"}, // "--" as a flag's value
		{[]string{"--out=x", "-", "--auto-approve=false"}, []string{"-"}, false, "x"},
		{[]string{"--"}, nil, false, ""},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			approve := fs.Bool("auto-approve", false, "")
			out := fs.String("out", "", "")
			pos, err := parseInterleaved(fs, tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.pos, pos); diff != "" {
				t.Errorf("positionals (-want +got):\n%s", diff)
			}
			if *approve != tc.approve || *out != tc.out {
				t.Errorf("auto-approve %v, out %q; want %v, %q", *approve, *out, tc.approve, tc.out)
			}
		})
	}
}

// TestDidYouMean: a misspelt command or flag is answered with the one
// meant, as kubectl and Terraform do; a flag given with no command says
// flags follow one; --api-key says how the key is given.
func TestDidYouMean(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"pln"}, `wbsync: unknown command "pln" (did you mean plan?)`},
		{[]string{"Apply"}, `wbsync: unknown command "Apply" (did you mean apply?)`},
		{[]string{"exprot"}, `wbsync: unknown command "exprot" (did you mean export?)`},
		{[]string{"--versions"}, `wbsync: unknown command "--versions" (did you mean --version?)`},
		{[]string{"--log-level", "debug"}, `wbsync: unknown command "--log-level" (no command among the arguments: wbsync COMMAND [flags], the flags before or after it; see wbsync help)`},
		{[]string{"apply", "--auto-aprove"}, "wbsync apply: unknown flag --auto-aprove (did you mean --auto-approve? see 'wbsync apply --help')"},
		{[]string{"plan", "--detailed-exit-code"}, "wbsync plan: unknown flag --detailed-exit-code (did you mean --detailed-exitcode? see 'wbsync plan --help')"},
		{[]string{"plan", "--api-key", "x"}, "wbsync plan: unknown flag --api-key (the key is given in WANDB_API_KEY or with --api-key-file FILE"},
		{[]string{"plan", "--auto-approve"}, "wbsync plan: unknown flag --auto-approve (a flag of wbsync apply, not of wbsync plan; see 'wbsync plan --help')"},
		{[]string{"validate", "--dry-run"}, "wbsync validate: unknown flag --dry-run (a flag of wbsync apply, not of wbsync validate;"},
	} {
		r := wb(t, nil, tc.args...)
		if r.code != exitError || !strings.HasPrefix(r.stderr, tc.want) {
			t.Errorf("%q: exit %d, want 1 and %q\n%s", tc.args, r.code, tc.want, r.stderr)
		}
		// The hint is the whole message: one line, no usage after it.
		if strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%q: want one line on stderr, got\n%s", tc.args, r.stderr)
		}
	}
	// With nothing to suggest, the usage lists the commands.
	if r := wb(t, nil, "zzzz"); r.code != exitError || !strings.HasPrefix(r.stderr, "wbsync: unknown command \"zzzz\"\n\n") || !strings.Contains(r.stderr, "Usage:") {
		t.Errorf("zzzz: exit %d\n%s", r.code, r.stderr)
	}
	if r := wb(t, nil, "-v"); r.code != exitOK || !strings.HasPrefix(r.stdout, "wbsync ") {
		t.Errorf("-v: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestUnknownFlagAsGiven: an unknown flag is named as it was given (one
// dash or two); a value run into a one-letter flag (-fteams.yaml) is that
// flag's value, as kubectl takes it.
func TestUnknownFlagAsGiven(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus=1"}, "unknown flag --bogus (see 'wbsync test --help')"},
		{[]string{"a", "-bogus"}, "unknown flag -bogus (see 'wbsync test --help')"},
		{[]string{"--fteams.yaml"}, "unknown flag --fteams.yaml (see 'wbsync test --help')"},
	} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.String("f", "", "")
		fs.Bool("b", false, "")
		_, err := parseInterleaved(fs, tc.args)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := fs.String("f", "", "")
	out := fs.String("out", "", "")
	approve := fs.Bool("a", false, "")
	pos, err := parseInterleaved(fs, []string{"-fteams.yaml", "-out", "o.json", "-a", "x"})
	if err != nil || *f != "teams.yaml" || *out != "o.json" || !*approve || len(pos) != 1 {
		t.Errorf("-fteams.yaml -out o.json -a x: -f %q, --out %q, -a %v, positionals %v, %v", *f, *out, *approve, pos, err)
	}
	// -o takes a run-in value only when it is one of the command's formats.
	planFS := flag.NewFlagSet("plan", flag.ContinueOnError)
	planFS.SetOutput(io.Discard)
	format := planFS.String("o", "text", "")
	if _, err := parseInterleaved(planFS, []string{"-ojson"}); err != nil || *format != "json" {
		t.Errorf("plan -ojson: -o %q, %v", *format, err)
	}
	if _, err := parseInterleaved(planFS, []string{"-oyaml"}); err == nil || err.Error() != "unknown flag -oyaml (see 'wbsync plan --help')" {
		t.Errorf("plan -oyaml (a format of export only): %v", err)
	}
	// A bool flag takes no value run into it: -ax is no flag; nor does -f
	// take one that is no manifest (-fault-rate, a flag of another command).
	for a, want := range map[string]string{
		"-ax":         "unknown flag -ax (see 'wbsync test --help')",
		"-fault-rate": "unknown flag -fault-rate (a flag of wbsync emulate, not of wbsync test; see 'wbsync test --help')",
	} {
		if _, err := parseInterleaved(fs, []string{a}); err == nil || err.Error() != want {
			t.Errorf("%s: %v", a, err)
		}
	}
}

// TestDoubleDashEndsFlags: after "--", a flag-like argument is a positional,
// so "apply -- PLANFILE --auto-approve" is refused (two positionals) and
// writes nothing, instead of applying without confirmation.
func TestDoubleDashEndsFlags(t *testing.T) {
	emu, planPath := savedExamplePlan(t)
	v := vars(emu.url)
	r := wb(t, v, "apply", "--", planPath, "--auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, `unexpected argument "--auto-approve"`) {
		t.Fatalf("apply -- PLANFILE --auto-approve: exit %d, want 1 naming the extra argument\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("apply -- PLANFILE --auto-approve sent %d write requests", n)
	}

	for _, args := range [][]string{
		{"validate", "-f", examplePath("wbsync.yaml"), "--", "-o", "json"},
		{"validate", "--", "extra", "-o", "json", "-f", examplePath("wbsync.yaml")},
	} {
		r := wb(t, nil, args...)
		if r.code != exitError || !strings.Contains(r.stderr, "unexpected argument") || r.stdout != "" {
			t.Errorf("%q: exit %d, want 1 and an unexpected argument\nstdout:\n%s\nstderr:\n%s", args, r.code, r.stdout, r.stderr)
		}
	}
}

// TestFlagsBeforeTheCommand: flags may come before the command, as kubectl
// takes them; a flag's value that names a command is the flag's (-f apply
// validate validates the file apply), a boolean flag takes none; "--"
// still ends flags, and an argument list naming no command is refused
// naming its first word.
func TestFlagsBeforeTheCommand(t *testing.T) {
	m := examplePath("wbsync.yaml")
	r := wb(t, nil, "--log-format", "json", "-f", m, "validate", "-o", "json")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "{") {
		t.Errorf("--log-format json -f M validate -o json: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	b, err := os.ReadFile(m)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	named := filepath.Join(dir, "apply")
	if err := os.WriteFile(named, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, args := range [][]string{{"-f", "apply", "validate"}, {"--file", "apply", "--log-level", "warn", "validate"}, {"-f=apply", "validate"}} {
		if r := wb(t, nil, args...); r.code != exitOK || !strings.HasPrefix(r.stdout, "Manifest is valid") {
			t.Errorf("%q: exit %d, want the file apply validated\nstdout:\n%s\nstderr:\n%s", args, r.code, r.stdout, r.stderr)
		}
	}
	if r := wb(t, nil, "--dry-run", "apply", "-f", "apply"); !strings.HasPrefix(r.stderr, "wbsync apply:") {
		t.Errorf("--dry-run apply: not run as apply (exit %d)\n%s", r.code, r.stderr)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--log-level", "debug"}, `unknown command "--log-level"`},
		{[]string{"--", "validate"}, `unknown command "--"`},
		{[]string{"--log-level", "debug", "--", "validate"}, `unknown command "--log-level"`},
	} {
		if r := wb(t, nil, tc.args...); r.code != exitError || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%q: exit %d, want 1 and %q\n%s", tc.args, r.code, tc.want, r.stderr)
		}
	}
}

// TestLogFlagsOnEveryCommand: --log-level and --log-format are general
// flags: every command accepts them (with json, stderr is JSON entries
// only), and refuses a bad value (exit 1), even one with nothing to log.
func TestLogFlagsOnEveryCommand(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json"))
	v := vars(emu.url)
	m := examplePath("wbsync.yaml")
	runs := map[string][]string{
		"validate": {"validate", "-f", m},
		"version":  {"version"},
		"plan":     {"plan", "-f", m},
		"apply":    {"apply", "-f", m, "--dry-run"},
		"export":   {"export", "--out", filepath.Join(t.TempDir(), "export.yaml")},
		"doctor":   {"doctor"},
		"emulate":  {"emulate"}, // run with a cancelled context: it prints its URL and stops
	}
	for _, c := range commands {
		args, ok := runs[c.name]
		if !ok {
			t.Errorf("command %s is not covered", c.name)
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			if c.name == "emulate" {
				cancel()
			} else {
				defer cancel()
			}
			for _, logArgs := range [][]string{
				{"--log-level", "debug", "--log-format", "json"},
				{"--log-level=warn", "--log-format=console"},
			} {
				r := wbCtx(ctx, v, append(args[:len(args):len(args)], logArgs...)...)
				if r.code != exitOK {
					t.Errorf("%q: exit %d, want 0\nstdout:\n%s\nstderr:\n%s", logArgs, r.code, r.stdout, r.stderr)
				}
				if slices.Contains(logArgs, "json") {
					jsonLog(t, r.stderr) // every line a JSON entry, also for export, doctor and emulate
				}
			}
			for _, bad := range [][]string{
				{"--log-level", "loud"},
				{"--log-level", "fatal"},
				{"--log-format", "xml"},
			} {
				r := wbCtx(ctx, v, append(args[:len(args):len(args)], bad...)...)
				if r.code != exitError || !strings.Contains(r.stderr, bad[0]+` "`+bad[1]+`"`) {
					t.Errorf("%q: exit %d, want 1 naming the value\nstderr:\n%s", bad, r.code, r.stderr)
				}
			}
		})
	}
}

// wbCtx is wb with a context.
func wbCtx(ctx context.Context, vars map[string]string, args ...string) result {
	var out, errb bytes.Buffer
	code := run(ctx, args, env{
		stdin:  strings.NewReader(""),
		stdout: &out,
		stderr: &errb,
		getenv: func(k string) string { return vars[k] },
	})
	return result{code, out.String(), errb.String()}
}

// TestManifestDirSkipsDotfiles: -f DIR reads *.yaml and *.yml as a shell
// glob matches them, without names starting with "." (a hidden copy, an
// editor's dangling lock link); a dotfile named with -f is still read.
func TestManifestDirSkipsDotfiles(t *testing.T) {
	manifest, err := os.ReadFile(examplePath("wbsync.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"org.yaml", ".hidden.yaml", ".old.yml"} {
		// Read together, two copies of one manifest clash (duplicate users).
		if err := os.WriteFile(filepath.Join(dir, name), manifest, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "gone"), filepath.Join(dir, ".#org.yaml")); err != nil {
		t.Fatal(err)
	}

	r := wb(t, nil, "validate", "-f", dir, "-o", "json")
	var res validateResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("validate -o json: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	if want := []string{filepath.Join(dir, "org.yaml")}; r.code != exitOK || !cmp.Equal(want, res.Files) {
		t.Fatalf("validate -f DIR: exit %d, files %q; want 0 and %q\n%s", r.code, res.Files, want, r.stdout)
	}

	if r := wb(t, nil, "validate", "-f", filepath.Join(dir, ".hidden.yaml")); r.code != exitOK {
		t.Errorf("validate -f .hidden.yaml: exit %d, want 0 (a named file is read)\n%s", r.code, r.stderr)
	}

	only := t.TempDir()
	if err := os.WriteFile(filepath.Join(only, ".hidden.yaml"), manifest, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := wb(t, nil, "validate", "-f", only); r.code != exitError || !strings.Contains(r.stderr, "holds no *.yaml") || strings.Contains(r.stderr, "sub-directories") {
		t.Errorf("validate -f DIR with only dotfiles: exit %d, want 1\n%s", r.code, r.stderr)
	}
	// With the manifest one level down (-f teams for teams/eng/*.yaml),
	// the refusal names a sub-directory that holds YAML files (escaped: a
	// repository's name), not one that holds none.
	for _, d := range []string{"archive", "eng\n::error::x"} {
		if err := os.MkdirAll(filepath.Join(only, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if r := wb(t, nil, "validate", "-f", only); r.code != exitError || strings.Contains(r.stderr, "sub-directories") {
		t.Errorf("validate -f DIR with sub-directories holding no YAML: exit %d, want 1 without a hint\n%s", r.code, r.stderr)
	}
	if err := os.WriteFile(filepath.Join(only, "eng\n::error::x", "a.yaml"), manifest, 0o600); err != nil {
		t.Fatal(err)
	}
	r = wb(t, nil, "validate", "-f", only)
	if r.code != exitError || !strings.Contains(r.stderr, "its sub-directories are not read (a directory gives only its own files): name one with -f, such as -f "+filepath.Join(only, `eng\n::error::x`)) ||
		strings.Contains(r.stderr, "\n::error") {
		t.Errorf("validate -f DIR with only a sub-directory: exit %d, want 1 naming it escaped\n%s", r.code, r.stderr)
	}
}

// TestManifestDirNameGoesOnPastTheExtension: -f DIR refuses a file a
// listing shows as x.yaml whose name is not one (a space or a dot after the
// extension, an invisible character in it), naming it quoted and escaped,
// and the name to give it, instead of skipping it (its users would be
// unmanaged); an editor's backup (~) and other extensions are still
// skipped.
func TestManifestDirNameGoesOnPastTheExtension(t *testing.T) {
	for name, shown := range map[string]string{
		"org.yaml ": `"org.yaml " is not read`, "org.yml.": `"org.yml." is not read`, "org.yaml\u200b": `"org.yaml\u200b" is not read`,
		"org.yaml\u00a0\t": `"org.yaml\u00a0\t" is not read`, "org.ya\u200bml": `"org.ya\u200bml" is not read`,
		"org.yaml\x01": `"org.yaml\x01" is not read`, "org.yaml\x7f": `"org.yaml\x7f" is not read`, "org.yaml\x1b[0m": `"org.yaml\x1b[0m" is not read`,
		"org.yaml\x1b]0;title\a": `"org.yaml\x1b]0;title\a" is not read`, "org.yaml\x1bO5": `"org.yaml\x1bO5" is not read`,
		"org.YAML ": `"org.YAML " is not read: its name reads as a YAML file's but is not one (a space or a dot after the extension, an invisible or control character): rename it to org.yaml,`,
		"a.yaml ":   `"a.yaml " is not read: its name reads as a YAML file's but is not one (a space or a dot after the extension, an invisible or control character): merge it into a.yaml, which is read,`,
	} {
		dir := t.TempDir()
		for _, f := range []string{"a.yaml", "a.yaml~", "a.yaml.bak", name} {
			if err := os.WriteFile(filepath.Join(dir, f), []byte("version: 1\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		r := wb(t, nil, "validate", "-f", dir)
		if r.code != exitError || !strings.Contains(r.stderr, shown) {
			t.Errorf("validate -f DIR holding %q: exit %d, want 1 naming it as %s\n%s", name, r.code, shown, r.stderr)
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
		if r := wb(t, nil, "validate", "-f", dir); r.code != exitOK {
			t.Errorf("validate -f DIR with a backup and a .bak: exit %d, want 0\n%s", r.code, r.stderr)
		}
	}
}

// TestManifestDirUpperCaseExtension: -f DIR refuses a file whose extension
// is .yaml or .yml in another case instead of skipping it (its users would
// be unmanaged), naming it; the same file named with -f is read.
func TestManifestDirUpperCaseExtension(t *testing.T) {
	manifest, err := os.ReadFile(examplePath("wbsync.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"org.YAML", "org.Yml"} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, name), manifest, 0o600); err != nil {
			t.Fatal(err)
		}
		// Files of other extensions are still skipped silently.
		if err := os.WriteFile(filepath.Join(dir, "NOTES.txt"), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		r := wb(t, nil, "validate", "-f", dir)
		if r.code != exitError || !strings.Contains(r.stderr, name+" is not read") || !strings.Contains(r.stderr, "name it with -f") {
			t.Errorf("validate -f DIR holding %s: exit %d, want 1 naming it\n%s", name, r.code, r.stderr)
		}
		if r := wb(t, nil, "validate", "-f", filepath.Join(dir, name)); r.code != exitOK {
			t.Errorf("validate -f %s: exit %d, want 0 (a named file is read)\n%s", name, r.code, r.stderr)
		}
	}
}

// TestManifestDirTextSuffix: -f DIR refuses org.yaml.txt, as Notepad or
// TextEdit saves org.yaml and Explorer or the Finder shows it, naming the
// name to give it, instead of skipping it (its users would be unmanaged);
// a backup (org.yaml.bak) is still skipped, and the file named with -f is
// read.
func TestManifestDirTextSuffix(t *testing.T) {
	manifest, err := os.ReadFile(examplePath("wbsync.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for name, fix := range map[string]string{"org.yaml.txt": "rename it to org.yaml", "org.Yml.TXT": "rename it to org.yml", "team.yaml.txt": "merge it into team.yaml, which is read"} {
		dir := t.TempDir()
		for _, n := range []string{name, "old.yaml.bak", "NOTES.txt", "team.yaml"} {
			if err := os.WriteFile(filepath.Join(dir, n), manifest, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		r := wb(t, nil, "validate", "-f", dir)
		if r.code != exitError || !strings.Contains(r.stderr, name+" is not read") || !strings.Contains(r.stderr, fix+", or name it with -f") ||
			strings.Contains(r.stderr, "old.yaml.bak") || strings.Contains(r.stderr, "NOTES") {
			t.Errorf("validate -f DIR holding %s: exit %d, want 1 naming it alone\n%s", name, r.code, r.stderr)
		}
		if r := wb(t, nil, "validate", "-f", filepath.Join(dir, name)); r.code != exitOK {
			t.Errorf("validate -f %s: exit %d, want 0 (a named file is read)\n%s", name, r.code, r.stderr)
		}
	}
}

// TestManifestDirControlInName: -f DIR refuses a manifest file whose name
// holds a line break or another control character, naming it escaped: a
// pull request's author names the files of a manifest directory, and a
// message about it is split into lines at its line breaks before each is
// escaped, so that the name would put lines of theirs into the CI log
// (GitHub's ::error:: and ::add-mask:: commands among them). Other files
// are still skipped silently; other characters are escaped where a
// message shows the name, and names that need them (a joined emoji,
// Persian's ZWNJ) are read.
func TestManifestDirControlInName(t *testing.T) {
	for _, name := range []string{"👨\u200d👩\u200d👧.yaml", "تیم\u200cها.yaml", "b\u202e.yaml"} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, name), []byte("version: 1\nusers:\n  - email: bad\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		r := wb(t, nil, "validate", "-f", dir)
		if r.code != exitError || !strings.Contains(r.stderr, sanitize.Controls(name)+":3:12: malformed email") || strings.Contains(r.stderr, "\u202e") {
			t.Errorf("validate -f DIR holding %q: exit %d, want its problem read, the name escaped:\n%s", name, r.code, r.stderr)
		}
	}
	for _, name := range []string{"x\n::error::plan is safe\n.yaml", "a\n.yml", "b\n.YAML", "c\r.yaml", "d\x1b[2J.yaml", "e\u2028.yaml", "f\u0085.yaml"} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "ok.yaml"), []byte("version: 1\nusers:\n  - email: a@example.com\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte("version: 1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "notes\n::warning::x.txt"), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		r := wb(t, nil, "validate", "-f", dir)
		if r.code != exitError || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "holds a control character or line break: rename it") {
			t.Errorf("validate -f DIR holding %q: exit %d, want 1 and one line naming it escaped:\n%s", name, r.code, r.stderr)
		}
	}
}

// TestCommandHelp: "CMD --help", "CMD -h" and "wbsync help CMD" print the
// same help on stdout (exit 0): every flag as a user types it, with its
// default, and an example. A bad flag is a short message on stderr, exit 1.
func TestCommandHelp(t *testing.T) {
	oneDash := regexp.MustCompile(`(^|\s)-[a-z][a-z-]+`) // -detailed-exitcode
	// The top-level help too: the commands, the shared flags, an example.
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		r := runBinary(t, nil, args...)
		if r.code != exitOK || !strings.Contains(r.stdout, "Example:\n  wbsync plan") || !strings.Contains(r.stdout, "--log-level") || !strings.Contains(r.stdout, "--url") {
			t.Errorf("wbsync %v: exit %d, want the commands, the shared flags and an example:\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			r := runBinary(t, nil, c.name, "--help")
			if r.code != exitOK || r.stderr != "" {
				t.Fatalf("--help: exit %d, want 0 and nothing on stderr\nstderr:\n%s", r.code, r.stderr)
			}
			help := r.stdout
			for _, want := range []string{"Usage:\n  wbsync " + c.name, "Example:\n  ", c.example, "-h, --help"} {
				if !strings.Contains(help, want) {
					t.Errorf("help lacks %q:\n%s", want, help)
				}
			}
			if m := oneDash.FindString(help); m != "" {
				t.Errorf("help spells a long flag with one dash (%q):\n%s", m, help)
			}
			f, _ := c.flagSet(func(string) string { return "" })
			f.fs.VisitAll(func(fl *flag.Flag) {
				spelling := "--" + fl.Name
				switch {
				case fl.Name == "f":
					return // listed with --file
				case fl.Name == "file":
					spelling = "-f, --file"
				case len(fl.Name) == 1:
					spelling = "-" + fl.Name
				}
				line := flagLine(help, spelling)
				switch {
				case line == "":
					t.Errorf("help lacks %s:\n%s", spelling, help)
				case !strings.Contains(line, firstWords(fl.Usage)):
					t.Errorf("%s: no description in %q", spelling, line)
				case !isZeroDefault(fl.DefValue) && !strings.Contains(line, "(default "+fl.DefValue+")"):
					t.Errorf("%s: no default %q in %q", spelling, fl.DefValue, line)
				}
			})

			if r := runBinary(t, nil, c.name, "-h"); r.code != exitOK || r.stdout != help || r.stderr != "" {
				t.Errorf("-h: exit %d, stdout differs from --help: %v\nstderr:\n%s", r.code, r.stdout != help, r.stderr)
			}
			if r := runBinary(t, nil, "help", c.name); r.code != exitOK || r.stdout != help || r.stderr != "" {
				t.Errorf("help %s: exit %d, stdout differs from --help: %v\nstdout:\n%s\nstderr:\n%s", c.name, r.code, r.stdout != help, r.stdout, r.stderr)
			}

			r = runBinary(t, nil, c.name, "--no-such-flag")
			if r.code != exitError || r.stdout != "" || !strings.Contains(r.stderr, "--no-such-flag") || strings.Count(r.stderr, "\n") > 2 {
				t.Errorf("bad flag: exit %d, want 1 and a short message on stderr only\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
		})
	}
	if r := runBinary(t, nil, "help", "frobnicate"); r.code != exitError || r.stdout != "" {
		t.Errorf("help frobnicate: exit %d\nstdout:\n%s", r.code, r.stdout)
	}
	if r := runBinary(t, nil, "--help"); r.code != exitOK || !strings.Contains(r.stdout, "wbsync help COMMAND") {
		t.Errorf("--help: exit %d\nstdout:\n%s", r.code, r.stdout)
	}
}

// TestHelpShowsDefaultsNotEnvironment: help prints each flag's own
// default, never the environment's value (a WBSYNC_URL may carry a
// password or a token, and help is pasted into bug reports), while the
// environment still sets the value.
func TestHelpShowsDefaultsNotEnvironment(t *testing.T) {
	env := []string{"WBSYNC_URL=https://admin:hunter2pass@acme.example/scim?token=s3cr3t", "WBSYNC_AUTH=Bassic", "WBSYNC_DEPLOYMENT=saas"}
	r := runBinary(t, env, "plan", "--help")
	for _, leak := range []string{"hunter2pass", "s3cr3t", "Bassic"} {
		if strings.Contains(r.stdout+r.stderr, leak) {
			t.Errorf("help shows %q:\n%s", leak, r.stdout)
		}
	}
	if !strings.Contains(flagLine(r.stdout, "--url"), "(default https://api.wandb.ai/scim)") || !strings.Contains(flagLine(r.stdout, "--auth"), "(default bearer)") {
		t.Errorf("help lacks the defaults:\n%s", r.stdout)
	}
	// The environment still sets the value: WBSYNC_AUTH=Bassic is refused.
	if r := runBinary(t, append(env[1:], "WANDB_API_KEY=k3y-0123"), "plan", "-f", "../../examples"); r.code != exitError || !strings.Contains(r.stderr, `"Bassic": want bearer or basic`) {
		t.Errorf("WBSYNC_AUTH=Bassic: exit %d\n%s", r.code, r.stderr)
	}
}

// flagLine returns the help line that lists the flag spelled so (with the
// next line when the description is on it), or "".
func flagLine(help, spelling string) string {
	lines := strings.Split(help, "\n")
	for i, l := range lines {
		rest, ok := strings.CutPrefix(strings.TrimSpace(l), spelling)
		if ok && (rest == "" || rest[0] == ' ') {
			if i+1 < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i+1]), "-") {
				l += lines[i+1] // the description, under a long spelling
			}
			return l
		}
	}
	return ""
}

// firstWords is the start of a flag's usage, up to a backquote.
func firstWords(usage string) string {
	if i := strings.IndexByte(usage, '`'); i >= 0 {
		usage = usage[:i]
	}
	return usage[:min(len(usage), 20)]
}

func isZeroDefault(v string) bool {
	return v == "" || v == "0" || v == "false" || v == "0s"
}

// TestManifestDirPipeRefused: a pipe named like a manifest in a manifest
// directory is refused at once, not read (which would wait forever).
func TestManifestDirPipeRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "org.yaml"), []byte("version: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, filepath.Join(dir, "pipe.yml"))
	r := wb(t, nil, "validate", "-f", dir)
	if r.code != exitError || !strings.Contains(r.stderr, "pipe.yml is not a regular file") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}

// TestManifestDirLinkOutside: a link in a manifest directory to a file
// outside it (a pull request's link to a runner's credentials) is refused,
// and what it names is never read nor quoted; a link to a file inside the
// directory (below it too) is read, and so is the outside file named with -f.
func TestManifestDirLinkOutside(t *testing.T) {
	root := t.TempDir()
	secret := filepath.Join(root, "credentials")
	if err := os.WriteFile(secret, []byte("https://octocat:ghp_SECRETSECRET@github.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "wbsync")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "org.yml"), []byte("version: 1\nusers: [{email: a@x.com}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("sub", "org.yml"), filepath.Join(dir, "org.yaml")); err != nil {
		t.Fatal(err)
	}
	if r := wb(t, nil, "validate", "-f", dir); r.code != exitOK {
		t.Fatalf("a link inside the directory: exit %d\n%s", r.code, r.stderr)
	}
	if err := os.Symlink(filepath.Join("..", "credentials"), filepath.Join(dir, "z.yaml")); err != nil {
		t.Fatal(err)
	}
	r := wb(t, nil, "validate", "-f", dir)
	if r.code != exitError || !strings.Contains(r.stderr, "z.yaml is a symbolic link to a file outside") || strings.Contains(r.stderr+r.stdout, "SECRET") {
		t.Fatalf("a link outside: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := wb(t, nil, "validate", "-f", filepath.Join(dir, "z.yaml")); r.code != exitError || strings.Contains(r.stderr, "symbolic link") {
		t.Fatalf("the link named with -f is read (and refused as no manifest): exit %d\n%s", r.code, r.stderr)
	}
}

// TestManifestLinksRelative: with relative -f paths, as a pipeline gives
// them, a link inside the directory to an absolute path inside it is read;
// a -f directory or file (wbsync.yaml, the default) that is itself a link
// out of the working directory is refused, its target never quoted; a
// relative path that leaves the directory without a link is read.
func TestManifestLinksRelative(t *testing.T) {
	root := t.TempDir()
	repo, outside := filepath.Join(root, "repo"), filepath.Join(root, "outside")
	for _, d := range []string{filepath.Join(repo, "m", "sub"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	manifest := []byte("version: 1\nusers: [{email: a@x.com}]\n")
	for _, f := range []string{filepath.Join(repo, "m", "sub", "org.yml"), filepath.Join(root, "common.yaml"), filepath.Join(root, "x.yaml")} {
		if err := os.WriteFile(f, manifest, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "creds.yaml"), []byte("ghp_SECRETSECRET\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for from, to := range map[string]string{
		filepath.Join(repo, "m", "org.yaml"): filepath.Join(repo, "m", "sub", "org.yml"), // absolute, inside
		filepath.Join(repo, "wbsync"):        outside,
		filepath.Join(repo, "wbsync.yaml"):   filepath.Join(outside, "creds.yaml"),
		filepath.Join(repo, "up"):            outside, // up/.. is root, as the kernel opens it
	} {
		if err := os.Symlink(to, from); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(repo)
	for _, args := range [][]string{{"-f", "m"}, {"-f", "../common.yaml"}} {
		if r := wb(t, nil, append([]string{"validate"}, args...)...); r.code != exitOK {
			t.Errorf("%q: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	// up/../x.yaml reads root/x.yaml, not repo/x.yaml (which does not
	// exist): the path is resolved as it is opened, not by its text.
	for _, args := range [][]string{{"-f", "wbsync"}, {"-f", "wbsync/"}, {}, {"-f", "up/../x.yaml"}} {
		r := wb(t, nil, append([]string{"validate"}, args...)...)
		if r.code != exitError || !strings.Contains(r.stderr, "leads through a symbolic link outside the working directory") || strings.Contains(r.stdout+r.stderr, "SECRET") {
			t.Errorf("%q: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
}

// TestManifestFilesBoundedInAll: the manifest files of a run are bounded
// together, not only one by one (a directory of many files within the
// per-file cap each); the refusal names the file that passes the bound
// and says how much came before. Shown with a small bound; the run's is
// caps.ManifestTotal.
func TestManifestFilesBoundedInAll(t *testing.T) {
	dir := t.TempDir()
	one := []byte("version: 1\n")
	for _, name := range []string{"a.yaml", "b.yaml", "c.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, name), one, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	limit := int64(2*len(one) + 5)
	_, err := readManifestWithin(context.Background(), []string{dir}, limit, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "c.yaml") || !strings.Contains(err.Error(), fmt.Sprintf("may hold %d bytes in all; those before it hold %d", limit, 2*len(one))) {
		t.Fatalf("three files over a bound of two: %v", err)
	}
	if _, err := readManifestWithin(context.Background(), []string{dir}, int64(3*len(one)), nil, nil); err != nil {
		t.Fatalf("three files within the bound: %v", err)
	}
	// Refused by the files' sizes before any is read: a first file that
	// is a FIFO no one writes to would hold the read until the deadline.
	fifo := filepath.Join(t.TempDir(), "a.yaml")
	mkfifo(t, fifo)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = readManifestWithin(ctx, []string{fifo, filepath.Join(dir, "c.yaml"), filepath.Join(dir, "b.yaml")}, int64(len(one)+5), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "b.yaml") || !strings.Contains(err.Error(), fmt.Sprintf("those before it hold %d", len(one))) {
		t.Fatalf("a FIFO, then two files over the bound: %v, want b.yaml refused before reading", err)
	}
}

// TestEmulateStateBounded: emulate --state refuses a file over
// caps.StateFile by its size, before reading it.
func TestEmulateStateBounded(t *testing.T) {
	big := filepath.Join(t.TempDir(), "state.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(caps.StateFile + 1); err != nil { // sparse: nothing is written
		t.Fatal(err)
	}
	f.Close()
	r := wb(t, nil, "emulate", "--state", big, "--listen", "127.0.0.1:0")
	if r.code != exitError || !strings.Contains(r.stderr, "larger than the") {
		t.Fatalf("exit %d, want 1 refusing the size\n%s", r.code, r.stderr)
	}
}

// The deployment defaults to saas for the host api.wandb.ai however the
// URL writes it (case, a trailing dot, the default port), and to dedicated
// for any other host or port.
func TestDeploymentFromHost(t *testing.T) {
	for raw, want := range map[string]model.Deployment{
		"https://api.wandb.ai/scim":         model.SaaS,
		"https://API.WandB.ai/scim/":        model.SaaS,
		"https://api.wandb.ai./scim":        model.SaaS,
		"https://api.wandb.ai.:443/scim":    model.SaaS,
		"https://api.wandb.ai":              model.SaaS,
		"https://api.wandb.ai:8443/scim":    model.Dedicated,
		"https://api.wandb.ai.evil.io/scim": model.Dedicated,
		"https://xapi.wandb.ai/scim":        model.Dedicated,
		"https://acme.wandb.io/scim":        model.Dedicated,
		"http://127.0.0.1:8080/scim":        model.Dedicated,
	} {
		u, err := model.CanonicalURL(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if got, err := deploymentOf("", u); err != nil || got != want {
			t.Errorf("%s: deployment %q (%v), want %q", raw, got, err, want)
		}
	}
	// Given, in any case; anything else is refused.
	for given, want := range map[string]model.Deployment{"SaaS": model.SaaS, "saas": model.SaaS, "Dedicated": model.Dedicated, "DEDICATED": model.Dedicated} {
		if got, err := deploymentOf(given, "https://acme.wandb.io/scim"); err != nil || got != want {
			t.Errorf("--deployment %s: %q (%v), want %q", given, got, err, want)
		}
	}
	if _, err := deploymentOf("multi-tenant", "https://api.wandb.ai/scim"); err == nil {
		t.Error("--deployment multi-tenant accepted")
	}
}

// TestVersionOf: a release stamp wins; without one, the module version Go
// records (go install ...@v1.2.3) names the build; "(devel)" or none
// leaves "dev".
func TestVersionOf(t *testing.T) {
	mod := func(v string) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Path: "github.com/wbsync/wbsync", Version: v}}
	}
	for _, tc := range []struct {
		stamp string
		bi    *debug.BuildInfo
		want  string
	}{
		{"v1.2.3", mod("v0.1.0"), "v1.2.3"},
		{"dev", mod("v0.1.0"), "v0.1.0"},
		{"dev", mod("(devel)"), "dev"},
		{"dev", mod(""), "dev"},
		{"dev", nil, "dev"},
	} {
		if got := versionOf(tc.stamp, tc.bi); got != tc.want {
			t.Errorf("versionOf(%q, %+v) = %q, want %q", tc.stamp, tc.bi, got, tc.want)
		}
	}
}

// TestRateLimitIsDecimal: --rate-limit and WBSYNC_RATE_LIMIT are decimal,
// as README says of the numeric connection flags: a hex float or a Go
// digit separator is refused, naming the flag.
func TestRateLimitIsDecimal(t *testing.T) {
	for _, v := range []string{"0x1p4", "0x10p0", "1_000", "1_0.5"} {
		r := wb(t, map[string]string{"WANDB_API_KEY": "x9f27c4e1b83d6a0"}, "export", "--url", "http://127.0.0.1:1/scim", "--rate-limit", v)
		if r.code != 1 || !strings.Contains(r.stderr, "--rate-limit") || !strings.Contains(r.stderr, "not a value") {
			t.Errorf("--rate-limit %s: exit %d\n%s", v, r.code, r.stderr)
		}
		r = wb(t, map[string]string{"WANDB_API_KEY": "x9f27c4e1b83d6a0", "WBSYNC_RATE_LIMIT": v}, "export", "--url", "http://127.0.0.1:1/scim")
		if r.code != 1 || !strings.Contains(r.stderr, "WBSYNC_RATE_LIMIT") {
			t.Errorf("WBSYNC_RATE_LIMIT=%s: exit %d\n%s", v, r.code, r.stderr)
		}
	}
}

// TestTypographicDashFlag: a flag whose "--" an editor turned into an en or
// em dash is refused naming the flag meant, not read as a saved plan or an
// unexpected argument; other arguments so written are as before.
func TestTypographicDashFlag(t *testing.T) {
	m := writeFile(t, "m.yaml", "version: 1\n")
	for _, arg := range []string{"\u2014auto-approve", "\u2013auto-approve", "\u2013\u2013auto-approve", "\u2212\u2212auto-approve"} {
		r := wb(t, map[string]string{"WANDB_API_KEY": "x9f27c4e1b83d6a0"}, "apply", "-f", m, "--url", "http://127.0.0.1:1/scim", arg)
		if want := "starts with a typographic dash, as a word processor or chat writes \"--\": did you mean --auto-approve?"; r.code != exitError || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: exit %d, want 1 with %q:\n%s", arg, r.code, want, r.stderr)
		}
	}
	// As a flag's value (an unset variable before it), it would be taken
	// as a file name, and the apply would write for real.
	r := wb(t, map[string]string{"WANDB_API_KEY": "x9f27c4e1b83d6a0"}, "apply", "-f", m, "--url", "http://127.0.0.1:1/scim", "--report", "\u2014dry-run")
	if want := "--report was given \"\u2014dry-run\", which starts with a typographic dash"; r.code != exitError || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "did you mean --dry-run?") {
		t.Errorf("--report \u2014dry-run: exit %d, want 1 with %q:\n%s", r.code, want, r.stderr)
	}
	// A one-letter flag is suggested as the help writes it.
	r = wb(t, map[string]string{"WANDB_API_KEY": "x9f27c4e1b83d6a0"}, "plan", "-f", m, "--url", "http://127.0.0.1:1/scim", "\u2013o", "json")
	if r.code != exitError || !strings.Contains(r.stderr, "did you mean -o?") {
		t.Errorf("\u2013o: exit %d, want 1 suggesting -o:\n%s", r.code, r.stderr)
	}
	r = wb(t, map[string]string{"WANDB_API_KEY": "x9f27c4e1b83d6a0"}, "plan", "-f", m, "--url", "http://127.0.0.1:1/scim", "\u2014nonsense")
	if r.code != exitError || strings.Contains(r.stderr, "typographic") || !strings.Contains(r.stderr, "unexpected argument") {
		t.Errorf("an argument naming no flag: exit %d\n%s", r.code, r.stderr)
	}
}

// TestLongFlagValuesCut: a flag's or variable's value quoted in a refusal
// is cut to caps.ShownValue characters, as a server's strings are cut: a
// value pasted by mistake (a whole file) is not echoed whole.
func TestLongFlagValuesCut(t *testing.T) {
	long := strings.Repeat("x", 100_000)
	m := writeFile(t, "m.yaml", "version: 1\n")
	env := map[string]string{"WANDB_API_KEY": "x9f27c4e1b83d6a0"}
	for _, args := range [][]string{
		{"plan", "-f", m, "--url", "http://127.0.0.1:1/scim", "--log-level", long},
		{"plan", "-f", m, "--url", "http://127.0.0.1:1/scim", "--log-format", long},
		{"plan", "-f", m, "--url", "http://127.0.0.1:1/scim", "-o", long},
		{"plan", "-f", m, "--url", "http://127.0.0.1:1/scim", "--deployment", long},
		{"plan", "-f", m, "--url", "http://127.0.0.1:1/scim", "--auth", long},
		{"plan", "-f", m, "--url", "http://127.0.0.1:1/" + long + "#x"},
	} {
		r := wb(t, env, args...)
		if r.code != exitError || len(r.stderr) > 2*caps.ShownValue+500 || !strings.Contains(r.stderr, "x…") {
			t.Errorf("%s: exit %d, %d bytes on stderr, want 1 and the value cut:\n%.300s", args[len(args)-2], r.code, len(r.stderr), r.stderr)
		}
	}
}
