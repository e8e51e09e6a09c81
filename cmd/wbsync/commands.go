package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wbsync/wbsync/pkg/desired"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// command is one wbsync subcommand: its synopsis and example for --help and
// the usage, the flag groups it takes, and what it does.
type command struct {
	name     string
	synopsis string // after "wbsync "
	summary  string // one line for the usage
	example  string
	// groups are the shared flag groups the command registers.
	groups groups
	// formats are the values -o takes (the first is the default); none: no -o.
	formats []string
	// setup registers the command's own flags on fs before parsing.
	setup func(fs *flag.FlagSet) any
	// run does the work with the parsed flags and the positionals.
	run func(ctx context.Context, inv *invocation, f *flags, own any, pos []string) (int, error)
}

// groups selects the shared flag groups of a command.
type groups struct {
	manifest bool // -f/--file
	conn     bool // connection flags (and --trace)
}

// commands is the command table, in the order the usage lists them.
var commands = []*command{
	validateCommand,
	planCommand,
	applyCommand,
	exportCommand,
	doctorCommand,

	emulateCommand,
	versionCommand,
}

// commandHint says what an unknown command name may have meant: a
// command misspelt ("(did you mean plan?)"), or a flag given without a
// command; "" otherwise.
func commandHint(name string) string {
	if strings.HasPrefix(name, "-") && name != "-" && name != "--" {
		if s := desired.Suggest(strings.TrimLeft(name, "-"), []string{"version", "help"}); s != "" {
			return " (did you mean --" + s + "?)"
		}
		return " (no command among the arguments: wbsync COMMAND [flags], the flags before or after it; see wbsync help)"
	}
	names := []string{"help"}
	for _, c := range commands {
		names = append(names, c.name)
	}
	if s := desired.Suggest(name, names); s != "" {
		return " (did you mean " + s + "?)"
	}
	return ""
}

// commandWithFlag names the first command other than except that takes
// the long flag name, or a likely misspelling of it: --auto-approve given
// to plan is apply's. "" when none does.
func commandWithFlag(name, except string) string {
	for _, c := range commands {
		if c.name == except {
			continue
		}
		f, _ := c.flagSet(func(string) string { return "" })
		var names []string
		f.fs.VisitAll(func(fl *flag.Flag) {
			if len(fl.Name) > 1 {
				names = append(names, fl.Name)
			}
		})
		if desired.Suggest(name, names) != "" {
			return c.name
		}
	}
	return ""
}

func findCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// commandFirst moves the command to the front when flags come before it
// (wbsync --log-level debug plan), as kubectl takes them: the first
// argument that names a command, before any "--", is the command; the
// value of a flag that takes one is not (wbsync -f apply plan plans the
// file apply). args already starting with a command, or naming none, are
// returned as they are.
func commandFirst(args []string) []string {
	if len(args) == 0 || !strings.HasPrefix(args[0], "-") {
		return args
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if findCommand(a) != nil {
			return append(append([]string{a}, args[:i]...), args[i+1:]...)
		}
		if len(a) > 1 && a[0] == '-' && flagTakesValue(a) {
			i++ // its value
		}
	}
	return args
}

// flagTakesValue reports whether the flag argument a takes the next
// argument as its value (takesValue) in every command that defines it.
func flagTakesValue(a string) bool {
	found := false
	for _, fs := range commandFlagSets() {
		if fs.Lookup(strings.TrimPrefix(a[1:], "-")) == nil {
			continue
		}
		if !takesValue(fs, a) {
			return false
		}
		found = true
	}
	return found
}

// commandFlagSets are every command's flags, registered once (for
// flagTakesValue; a run parses with a flag set of its own).
var commandFlagSets = sync.OnceValue(func() []*flag.FlagSet {
	sets := make([]*flag.FlagSet, len(commands))
	for i, c := range commands {
		f, _ := c.flagSet(func(string) string { return "" })
		sets[i] = f.fs
	}
	return sets
})

func usage() string {
	var b strings.Builder
	b.WriteString("wbsync keeps a W&B organization's users and teams in line with a manifest.\n\nUsage:\n")
	for _, c := range commands {
		if len(c.synopsis) > 44 { // its summary on a line of its own, aligned
			fmt.Fprintf(&b, "  wbsync %s\n  %-51s %s\n", c.synopsis, "", c.summary)
			continue
		}
		fmt.Fprintf(&b, "  wbsync %-44s %s\n", c.synopsis, c.summary)
	}
	b.WriteString("\nFlags (every command): --help; --log-level debug|info|warn|error, --log-format console|json.\n" +
		"Connection flags (plan, apply, export, doctor): --url, --api-key-file, --auth, --deployment, --concurrency,\n" +
		"--rate-limit, --timeout, --batch-size, --page-size, --trace (or WBSYNC_URL, WANDB_API_KEY, ...).\n")
	b.WriteString("\nExample:\n  wbsync plan -f wbsync.yaml --url https://acme.wandb.io/scim\n")
	b.WriteString("\nRun 'wbsync COMMAND --help' or 'wbsync help COMMAND' for a command's flags and an example.\n")
	return b.String()
}

// flags are a command's parsed shared flags.
type flags struct {
	fs     *flag.FlagSet
	files  stringList
	conn   connFlags
	log    logFlags
	format string
	// sections list the flag names by heading, for the help.
	sections []helpSection
}

// flagSet registers c's flags: the command's own, -f/--file and -o under
// "Flags", then the connection and logging flags. It returns the shared
// flags and what c.setup returned. Nothing is printed while parsing:
// --help and usage errors are printed by the caller.
func (c *command) flagSet(getenv func(string) string) (*flags, any) {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	f := &flags{fs: fs}
	seen := map[string]bool{}
	var own any
	if c.setup != nil {
		own = c.setup(fs)
	}
	if c.groups.manifest {
		fs.Var(&f.files, "file", "manifest file or directory, - for standard input (repeatable; default wbsync.yaml)")
		fs.Var(&f.files, "f", "short for --file")
	}
	if len(c.formats) > 0 {
		fs.StringVar(&f.format, "o", c.formats[0], "output: "+strings.Join(c.formats, "|"))
	}
	f.sections = append(f.sections, helpSection{"Flags", newNames(fs, seen)})
	if c.groups.conn {
		f.conn.register(fs, getenv)
		f.sections = append(f.sections, helpSection{"Connection flags", newNames(fs, seen)})
	}
	f.log.register(fs)
	f.sections = append(f.sections, helpSection{"Logging flags", newNames(fs, seen)})
	return f, own
}

// keyWaitAfterUsageError is how long a usage error waits for the key file,
// to redact its key from the error.
const keyWaitAfterUsageError = 500 * time.Millisecond

// useLogs checks the logging flags and logs as they say from now on.
func (inv *invocation) useLogs(l logFlags) error {
	logs, err := l.check()
	if err != nil {
		return err
	}
	inv.logs = &logs
	if logs.json {
		// A signal's notice is a log entry too (through the progress
		// writer, which serialises it with the other entries).
		log := inv.logger()
		warn := func(msg string) { log.Warn(msg) }
		signalNotice.Store(&warn)
	}
	return nil
}

// runWith parses args for c and calls c.run; --help prints c's help on
// stdout.
func (c *command) runWith(ctx context.Context, inv *invocation, args []string) (int, error) {
	f, own := c.flagSet(inv.getenv)
	pos, err := parseInterleaved(f.fs, args)
	if errors.Is(err, errHelp) {
		c.printHelp(inv.stdout, f)
		return exitOK, err
	}
	if err == nil {
		if err = inv.useLogs(f.log); err != nil {
			// A bad --log-level: its error said in the format asked for
			// (a bad --log-format fails again here: said as text).
			_ = inv.useLogs(logFlags{level: "info", format: f.log.format})
		}
	} else {
		// A usage error is said in the log format the arguments ask for,
		// when they name a valid one (the parse stopped at the bad flag:
		// the others are read from the arguments), so that a CI step
		// reading stderr as JSON lines reads a misspelt flag too.
		lf := logFlags{level: cmp.Or(flagValue(f.fs, args, "log-level"), "info"), format: cmp.Or(flagValue(f.fs, args, "log-format"), "console")}
		if inv.useLogs(lf) != nil {
			lf.level = "info" // a bad level too: the format still holds
			_ = inv.useLogs(lf)
		}
	}
	if c.groups.conn {
		// The key file before anything else the command does, so that
		// every message redacts its key, a flag's value pasted from it
		// too; after a bad flag, the file the arguments name (the
		// parse stopped at the bad one).
		readCtx := ctx
		if err != nil {
			// A usage error waits at most a moment on a key file that
			// is a pipe (<(pass show wandb) answers at once; a pipe
			// nobody writes to never does).
			f.conn.apiKeyFile = flagValue(f.fs, args, "api-key-file")
			var cancel context.CancelFunc
			readCtx, cancel = context.WithTimeout(ctx, keyWaitAfterUsageError)
			defer cancel()
		}
		if err == nil && slices.Contains(f.files, "-") {
			if err := stdinOnce(f.conn.inputs(stdinPath)); err != nil {
				return exitError, err // before the key file takes the manifest
			}
		}
		keys, kerr := f.conn.readKey(readCtx)
		if kerr != nil && err == nil {
			return exitError, kerr
		}
		if len(keys) > 0 {
			inv.redactWith(sanitize.NewRedactor(append(keys, unusedEnvKeys(inv.getenv)...)...))
		}
	}
	if err != nil {
		return exitError, err
	}
	if len(c.formats) > 0 {
		format, err := checkFormat(f.format, c.formats...)
		if err != nil {
			return exitError, err
		}
		f.format = format
	}
	return c.run(ctx, inv, f, own, pos)
}

// set reports whether the flag name was given on the command line.
func (f *flags) set(name string) bool {
	found := false
	f.fs.Visit(func(fl *flag.Flag) {
		if fl.Name == name {
			found = true
		}
	})
	return found
}

// checkFormat returns the -o value as the command spells it, or refuses
// it naming the values the command takes.
func checkFormat(format string, allowed ...string) (string, error) {
	for _, a := range allowed {
		if strings.ToLower(format) == a { // in any case, as --deployment and --auth: -o JSON is json
			return a, nil
		}
	}
	return "", usageError{fmt.Sprintf("-o %s: want one of %s", quoted(format), strings.Join(allowed, ", "))}
}
