package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"go.uber.org/zap/zapcore"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/desired"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// errHelp ends a command after --help printed its usage.
var errHelp = errors.New("help requested")

// usageError marks bad flags or arguments.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// noArgs refuses positional arguments for commands that take none.
func noArgs(pos []string, hint string) error {
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q%s", pos[0], hint)}
	}
	return nil
}

// parseInterleaved parses flags that may come before or after positional
// arguments and returns the positionals, in order. "--" ends the flags:
// every argument after it is positional, even one that starts with a dash.
//
// Package flag stops at the first positional and consumes a "--" itself, so
// the arguments are first split here, the way it reads them (a flag that
// takes a value takes the next argument), and only the flags are handed to
// it.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var flagArgs, pos []string
	var empty string // the first flag given an empty value
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			if flag := typographicFlag(fs, a); flag != "" {
				return nil, usageError{fmt.Sprintf("argument %q starts with a typographic dash, as a word processor or chat writes \"--\": did you mean %s?", a, flag)}
			}
			pos = append(pos, a)
			continue
		}
		if attached(fs, a) {
			// -fteams.yaml, as kubectl and getopt take it: -f teams.yaml.
			flagArgs = append(flagArgs, a[:2], a[2:])
			continue
		}
		flagArgs = append(flagArgs, a)
		if takesValue(fs, a) && i+1 < len(args) {
			i++
			if next := args[i]; isFlag(fs, next) || len(next) > 2 && next[0] == '-' && attached(fs, next) {
				// --report $R --dry-run with R unset: the value would
				// be --dry-run, and the run would write for real.
				return nil, usageError{fmt.Sprintf("%s was given %s, one of this command's flags, as its value: an empty or unset variable before it? (quote it: %s \"$VAR\"; a file of that name is ./%s)",
					a, next, a, next)}
			}
			if flag := typographicFlag(fs, args[i]); flag != "" {
				return nil, usageError{fmt.Sprintf("%s was given %q, which starts with a typographic dash, as a word processor or chat writes \"--\": did you mean %s? (an empty or unset variable before it? quote it: %s \"$VAR\")",
					a, args[i], flag, a)}
			}
			flagArgs = append(flagArgs, args[i])
			empty = cmp.Or(empty, emptyValue(a, args[i]))
		} else if name, value, ok := strings.Cut(strings.TrimLeft(a, "-"), "="); ok {
			empty = cmp.Or(empty, emptyValue("--"+name, value))
		}
	}
	if err := fs.Parse(flagArgs); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, errHelp
		}
		if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
			return nil, usageError{unknownFlag(fs, flagArgs, name)}
		}
		if m := badFlagValue.FindStringSubmatch(err.Error()); m != nil {
			// Worded as the environment's twin is (numbersFromEnv), the
			// value cut as there: package flag quotes it whole and says
			// "parse error".
			v, _ := strconv.Unquote(m[1])
			why := ""
			if m[3] == "value out of range" {
				why = " (out of range)"
			}
			return nil, usageError{fmt.Sprintf("--%s %q: not a value --%s takes%s%s (see 'wbsync %s --help')",
				m[2], sanitize.Truncate(v, caps.ShownID), m[2], why, durationHint(fs, m[2]), fs.Name())}
		}
		// Package flag names every flag with one dash; the help spells
		// long flags with two, as the README does.
		msg := longFlag.ReplaceAllString(err.Error(), "$1--$2")
		if i := strings.LastIndex(err.Error(), " for flag -"); i >= 0 { // the last: the value may hold the phrase
			name, _, _ := strings.Cut(err.Error()[i+len(" for flag -"):], ":")
			msg += durationHint(fs, name)
		}
		return nil, usageError{fmt.Sprintf("%s (see 'wbsync %s --help')", msg, fs.Name())}
	}
	if rest := fs.Args(); len(rest) > 0 {
		// Unreachable while takesValue reads flags as package flag does.
		return nil, usageError{fmt.Sprintf("unexpected argument %q", rest[0])}
	}
	// A flag given an empty value (--out= or --out "$UNSET") would
	// otherwise quietly mean "not given". The raw arguments say so, not
	// the flags' String methods (a flag.Func flag shows "" whatever it
	// was given).
	if empty != "" {
		return nil, usageError{fmt.Sprintf("%s was given an empty value", empty)}
	}
	return pos, nil
}

// badFlagValue matches package flag's error for a value its flag does not
// take: the value quoted, the flag's name, and why.
var badFlagValue = regexp.MustCompile(`^invalid value (".*") for flag -([A-Za-z0-9-]+): (.*)$`)

// attached reports whether a is a one-letter flag that takes a value with
// the value run into it (-fteams.yaml, -ojson): one dash, no "=", no flag
// of that whole name, and a value that flag could mean: -o one of the
// command's formats, -f a *.yaml or *.yml file or a path that exists.
// Anything else (-out, -fault-rate) stays a flag of its own, and an unknown
// one is named as such.
func attached(fs *flag.FlagSet, a string) bool {
	if len(a) < 3 || a[1] == '-' || strings.Contains(a, "=") || fs.Lookup(a[1:]) != nil || !takesValue(fs, a[:2]) {
		return false
	}
	v := a[2:]
	switch a[1] {
	case 'o':
		c := findCommand(fs.Name())
		return c != nil && slices.Contains(c.formats, v)
	case 'f':
		if strings.HasSuffix(v, ".yaml") || strings.HasSuffix(v, ".yml") {
			return true
		}
		_, err := os.Stat(v)
		return err == nil
	}
	return false
}

// unknownFlag says that the flag name is not one fs defines, spelt as it
// was given in args (one dash or two).
func unknownFlag(fs *flag.FlagSet, args []string, name string) string {
	given := "--" + name
	for _, a := range args {
		if n, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "="); n == name && strings.HasPrefix(a, "-") {
			given, _, _ = strings.Cut(a, "=")
			break
		}
	}
	if name == "api-key" || name == "key" || name == "token" {
		return fmt.Sprintf("unknown flag %s (the key is given in WANDB_API_KEY or with --api-key-file FILE, never on the command line, where other users of the machine see it)", given)
	}
	var names []string // long flags only: -ax is no misspelt -a
	fs.VisitAll(func(fl *flag.Flag) {
		if len(fl.Name) > 1 {
			names = append(names, fl.Name)
		}
	})
	if s := desired.Suggest(name, names); s != "" && len(name) > 2 {
		return fmt.Sprintf("unknown flag %s (did you mean --%s? see 'wbsync %s --help')", given, s, fs.Name())
	}
	if other := commandWithFlag(name, fs.Name()); other != "" && len(name) > 1 {
		return fmt.Sprintf("unknown flag %s (a flag of wbsync %s, not of wbsync %s; see 'wbsync %s --help')", given, other, fs.Name(), fs.Name())
	}
	return fmt.Sprintf("unknown flag %s (see 'wbsync %s --help')", given, fs.Name())
}

// emptyValue returns the flag a (as written: -f, --out, -out) spelled as
// the help spells it when value is empty, else "".
func emptyValue(a, value string) string {
	if value != "" {
		return ""
	}
	name := strings.TrimLeft(a, "-")
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// longFlag matches a long flag's name in package flag's error messages
// ("flag provided but not defined: -name").
var longFlag = regexp.MustCompile(`(^|[ :])-([a-zA-Z0-9][a-zA-Z0-9-]+)\b`)

// takesValue reports whether the flag argument a (-name or --name) takes the
// next argument as its value: a defined flag that is not boolean and has no
// "=value". An unknown flag takes nothing: parsing refuses it.
// isFlag reports whether a names one of fs's flags (--dry-run, -o,
// --out=x) or asks for help (-h, --help): not a value another flag takes
// ("--" may be one, as package flag reads it).
// typographicFlag is the flag of fs that a, starting with an en or em
// dash or a minus sign (U+2013, U+2014, U+2212: what an editor makes of a
// flag's "--" or "-"), names, written as it should be; "" when a does not
// start so or names no flag.
func typographicFlag(fs *flag.FlagSet, a string) string {
	for _, dash := range []string{"\u2013", "\u2014", "\u2212"} {
		if rest, ok := strings.CutPrefix(a, dash); ok {
			rest = strings.TrimLeft(strings.TrimPrefix(rest, dash), "-")
			if name, _, _ := strings.Cut(rest, "="); name != "" && isFlag(fs, "--"+name) {
				if len(name) == 1 { // -o, -f: as the help writes them
					return "-" + rest
				}
				return "--" + rest
			}
		}
	}
	return ""
}

func isFlag(fs *flag.FlagSet, a string) bool {
	if len(a) < 2 || a[0] != '-' {
		return false
	}
	name, _, _ := strings.Cut(strings.TrimPrefix(a[1:], "-"), "=")
	return fs.Lookup(name) != nil || name == "h" || name == "help"
}

func takesValue(fs *flag.FlagSet, a string) bool {
	name := strings.TrimPrefix(a[1:], "-")
	if strings.Contains(name, "=") {
		return false
	}
	fl := fs.Lookup(name)
	if fl == nil {
		return false
	}
	b, ok := fl.Value.(interface{ IsBoolFlag() bool })
	return !ok || !b.IsBoolFlag()
}

// flagValue returns the last value args give the flag name, read as
// parseInterleaved reads them (a flag's value may be "--"), or "": for a
// flag that a failed parse did not reach.
func flagValue(fs *flag.FlagSet, args []string, name string) string {
	v := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if len(a) < 2 || a[0] != '-' {
			continue
		}
		n, value, hasValue := strings.Cut(strings.TrimPrefix(a[1:], "-"), "=")
		switch {
		case hasValue:
			if n == name {
				v = value
			}
		case takesValue(fs, a) && i+1 < len(args):
			i++
			if n == name {
				v = args[i]
			}
		}
	}
	return v
}

// logFlags are the logging flags every command takes (README "Commands,
// flags and environment"), checked even where a command has nothing to log.
type logFlags struct {
	level  string
	format string
}

func (l *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.level, "log-level", "info", "log level: debug|info|warn|error")
	fs.StringVar(&l.format, "log-format", "console", "log format: console|json")
}

// check refuses a bad --log-level or --log-format and returns the checked
// setup.
func (l *logFlags) check() (logSetup, error) {
	var lvl zapcore.Level
	if err := lvl.UnmarshalText([]byte(l.level)); err != nil || lvl > zapcore.ErrorLevel {
		return logSetup{}, usageError{fmt.Sprintf("--log-level %s: want debug, info, warn or error", quoted(l.level))}
	}
	// In any case, as zap reads the level (INFO is info).
	format := strings.ToLower(l.format)
	if format != "console" && format != "json" {
		return logSetup{}, usageError{fmt.Sprintf("--log-format %s: want console or json", quoted(l.format))}
	}
	return logSetup{level: lvl, json: format == "json"}, nil
}

// connFlags are the connection flags (README "Commands, flags and
// environment").
type connFlags struct {
	url         string
	apiKeyFile  string
	auth        string
	deployment  string
	concurrency int
	rateLimit   float64
	timeout     time.Duration
	batchSize   int
	pageSize    int
	trace       string
	// key is --api-key-file once read (readKey), before anything else
	// of the run, so that every message redacts its key
	key *keyFile
}

// readKey reads --api-key-file, when given, before the command does
// anything else (watching ctx: a key file that is a pipe never blocks a
// signal), and returns what to redact: its key (none without the flag),
// so that a manifest problem, a URL or a saved plan's path that holds the
// key is redacted as when the key comes from WANDB_API_KEY. A file that
// holds no key is refused, and its words that look like a key are still
// returned ("Bearer KEY" hides the key).
func (c *connFlags) readKey(ctx context.Context) ([]string, error) {
	if c.apiKeyFile == "" {
		return nil, nil
	}
	if c.apiKeyFile == "-" {
		if _, err := os.Stat("-"); errors.Is(err, fs.ErrNotExist) {
			// A file named "-" is read; standard input is not (its own
			// name is): said, rather than "no such file" for a file no
			// one meant.
			return nil, usageError{"--api-key-file -: no file is named -, and - is not standard input here: give a file name (/dev/stdin reads the key from standard input)"}
		}
	}
	k, err := await(ctx, func() (keyFile, error) { return readKeyFile(c.apiKeyFile) })
	if err != nil {
		return nil, err
	}
	if err := keyProblem(string(k.key), "--api-key-file "+c.apiKeyFile); err != nil {
		return keyWords(string(k.key)), err
	}
	c.key = &k
	return []string{string(k.key)}, nil
}

// inputs returns paths with the API key file, when one is given: the
// files of the run that no output may overwrite (see distinctFiles).
func (c *connFlags) inputs(paths ...string) []string {
	if c.apiKeyFile != "" {
		return append(paths, c.apiKeyFile)
	}
	return paths
}

func (c *connFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&c.url, "url", "https://api.wandb.ai/scim", "SCIM base URL (env WBSYNC_URL)")
	fs.StringVar(&c.apiKeyFile, "api-key-file", "", "file holding the API key (default: env WANDB_API_KEY)")
	fs.StringVar(&c.auth, "auth", "bearer", "authorization scheme: bearer|basic (env WBSYNC_AUTH)")
	fs.StringVar(&c.deployment, "deployment", "", "W&B deployment: saas|dedicated (env WBSYNC_DEPLOYMENT; default saas for api.wandb.ai, else dedicated)")
	// The environment sets the values, not the defaults help prints: a
	// WBSYNC_URL may carry credentials, and help is pasted into bug reports.
	c.url = envOr(getenv, "WBSYNC_URL", c.url)
	c.auth = envOr(getenv, "WBSYNC_AUTH", c.auth)
	c.deployment = strings.TrimSpace(getenv("WBSYNC_DEPLOYMENT"))
	fs.Var(decimalOf(&c.concurrency, 4), "concurrency", fmt.Sprintf("parallel requests (more than %d are capped; env WBSYNC_CONCURRENCY)", caps.Concurrency))
	fs.Var(decimalFloatOf(&c.rateLimit, 10), "rate-limit", fmt.Sprintf("requests per second (at least %v; env WBSYNC_RATE_LIMIT)", caps.MinRateLimit))
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, fmt.Sprintf("timeout per request (%s to %s; env WBSYNC_TIMEOUT)",
		seconds(caps.MinTimeoutSeconds), seconds(caps.MaxTimeoutSeconds)))
	fs.Var(decimalOf(&c.batchSize, 100), "batch-size", fmt.Sprintf("members per PATCH add (1 to %d; env WBSYNC_BATCH_SIZE)", caps.MaxBatchSize))
	fs.Var(decimalOf(&c.pageSize, caps.PageSize), "page-size", fmt.Sprintf("resources asked per list page (1 to %d, W&B's maximum; env WBSYNC_PAGE_SIZE)", caps.PageSize))
	fs.StringVar(&c.trace, "trace", "", "write every HTTP exchange to this file as JSON Lines (key redacted), for a bug report")
}

func envOr(getenv func(string) string, key, def string) string {
	if v := strings.TrimSpace(getenv(key)); v != "" {
		return v
	}
	return def
}

// resolved is the checked connection configuration.
type resolved struct {
	url        string // canonical
	apiKey     string
	auth       string
	deployment model.Deployment
	// urlGiven and deploymentGiven say whether the user named them (flag or
	// environment), as opposed to the defaults: a saved plan's target wins
	// over defaults only.
	urlGiven, deploymentGiven bool
	// warnings are what the run logs at warn level once its logger is
	// set: a key file readable by other users, a --concurrency capped.
	warnings []string
}

// resolve checks the connection flags and reads the API key (watching ctx:
// a key file that is a pipe never blocks a signal).
func (c *connFlags) resolve(ctx context.Context, f *flags, getenv func(string) string, red *sanitize.Redactor) (resolved, error) {
	r := resolved{
		urlGiven:        f.set("url") || strings.TrimSpace(getenv("WBSYNC_URL")) != "",
		deploymentGiven: c.deployment != "",
	}
	u, err := model.CanonicalURL(c.url)
	if err != nil {
		return r, usageError{fmt.Sprintf("--url (or WBSYNC_URL) %s: %v", quoted(model.ShowURL(c.url)), err)}
	}
	if looksLikeKey(u) {
		// A key given as the URL's host or path (secrets swapped): the
		// lookup of the host alone would send it to a DNS server.
		return r, usageError{"--url (or WBSYNC_URL) holds a value shaped like an API key (32 or more hexadecimal digits) in its host or path, not shown: the key comes only from WANDB_API_KEY or --api-key-file; give the SCIM base URL alone (https://HOST/scim)"}
	}
	if red != nil && red.Holds(u) {
		// In the path, the key would go into every request line (and the
		// server's, a proxy's access logs) and into plan files.
		return r, usageError{fmt.Sprintf("--url (or WBSYNC_URL) %q holds the API key (or 8 characters or more of it): the key comes only from WANDB_API_KEY or --api-key-file; give the SCIM base URL alone (https://HOST/scim)",
			red.String(model.ShowURL(c.url)))}
	}
	r.url = u
	// In any case: HTTP writes the schemes Bearer and Basic.
	switch low := strings.ToLower(c.auth); low {
	case "bearer", "basic":
		r.auth = low
	default:
		return r, usageError{fmt.Sprintf("--auth (or WBSYNC_AUTH) %s: want bearer or basic", quoted(c.auth))}
	}
	if r.deployment, err = deploymentOf(c.deployment, u); err != nil {
		return r, err
	}
	if err := c.numbersFromEnv(f, getenv, red); err != nil {
		return r, err
	}
	if err := c.checkNumbers(); err != nil {
		return r, err
	}
	if c.concurrency > caps.Concurrency {
		r.warnings = append(r.warnings, fmt.Sprintf("--concurrency (or WBSYNC_CONCURRENCY) %d: capped at %d", c.concurrency, caps.Concurrency))
		c.concurrency = caps.Concurrency
	}
	if c.apiKeyFile != "" {
		if c.key == nil {
			if _, err := c.readKey(ctx); err != nil {
				return r, err
			}
		}
		r.apiKey = string(c.key.key)
		if w := keyWarning(*c.key); w != "" {
			r.warnings = append(r.warnings, w)
		}
		if env := keyWords(envKey(getenv)); len(env) > 0 && !slices.Contains(env, r.apiKey) {
			// A flag wins over the environment, as everywhere in wbsync;
			// said, since a 401 would otherwise point at the wrong key.
			// (What holds no key, a placeholder, or this key in another
			// form, "Bearer KEY", is no other key.)
			r.warnings = append(r.warnings, fmt.Sprintf("the API key comes from --api-key-file %s: WANDB_API_KEY, set to another key, is not used", c.apiKeyFile))
		}
	} else {
		r.apiKey = envKey(getenv)
	}
	if r.apiKey == "" {
		return r, usageError{"no API key: set WANDB_API_KEY or pass --api-key-file FILE (an org admin's key or an org-scoped service account key)"}
	}
	from := "--api-key-file " + c.apiKeyFile
	if c.apiKeyFile == "" { // readKey checked the file's
		from = "WANDB_API_KEY"
		if err := keyProblem(r.apiKey, from); err != nil {
			return r, err
		}
	}
	if len(r.apiKey) < sanitize.MinKey {
		// A test key ("x"): sent as given, as a server that accepts any
		// key expects, and said once, since only the Authorization forms
		// of a key this short are redacted (every "x" in the output would
		// be otherwise).
		// (The words name no form as "Bearer KEY" would: with the key
		// "K", that is its Bearer form, and the warning printed redacted.)
		r.warnings = append(r.warnings, fmt.Sprintf("the API key from %s is %d character(s) long (W&B API keys are about 40): only its Authorization header values (after Basic, or after Bearer) are kept out of what wbsync prints", from, len(r.apiKey)))
	} else if len(r.apiKey) < sanitize.Fragment {
		// A test key ("test"): redacted wherever it appears whole, so
		// that a manifest that holds the word is refused, and any text
		// that holds it printed with [redacted] (a user's email, wbsync's
		// own words): said once, since nothing else would explain it.
		r.warnings = append(r.warnings, fmt.Sprintf("the API key from %s is %d characters long (W&B API keys are about 40): wherever it appears whole, as given, in lower or upper case, or backwards, what wbsync prints shows %s, and a manifest or URL that holds it is refused; a server that takes any key takes a longer one",
			from, len(r.apiKey), sanitize.Marker))
	}
	return r, nil
}

// keyProblem refuses what could never be a key now, saying where it came
// from, rather than after the retry budget (and before it would redact
// every message: a manifest given as the key file holds common words).
func keyProblem(key, from string) error {
	switch {
	case strings.ContainsFunc(key, func(c rune) bool { return c < ' ' || c == 0x7f || c == '\ufeff' }):
		return usageError{fmt.Sprintf("the API key from %s holds a control character (a line break inside it, or a byte-order mark?): it must be the key alone, on one line", from)}
	case hasEnvName(strings.TrimPrefix(key, "export ")):
		// (Not quoted: every 8 characters of the key, its prefix too, are
		// redacted from what wbsync prints.)
		return usageError{fmt.Sprintf("the API key from %s starts with a variable's name and '=', as a .env file or a shell's export line writes it: it must be the key alone", from)}
	case strings.ContainsFunc(key, unicode.IsSpace):
		return usageError{fmt.Sprintf("the API key from %s holds a space: it must be the key alone (not \"Bearer KEY\" or two keys)", from)}
	case len(key) >= 2 && (key[0] == '"' || key[0] == '\'') && key[len(key)-1] == key[0]:
		// docker --env-file, systemd's EnvironmentFile= in some forms and
		// hand-made exports keep the quotes of KEY="...": no W&B key holds
		// one, and the server would only answer 401.
		return usageError{fmt.Sprintf("the API key from %s is wrapped in quotes (%c...%c), as docker --env-file keeps them from KEY=%c...%c: it must be the key alone, without quotes", from, key[0], key[0], key[0], key[0])}
	case strings.ContainsFunc(key, func(c rune) bool { return c > '~' }):
		// Sent as it is, its bytes reach the server as no key it issued,
		// and a server that reads header bytes as Latin-1 echoes them in
		// a form no redaction of the key matches.
		return usageError{fmt.Sprintf("the API key from %s holds a character that is not ASCII (typographic quotes pasted with it?): an API key is ASCII letters, digits and punctuation", from)}
	case len(key) > caps.KeyFile:
		return usageError{fmt.Sprintf("the API key from %s is %d bytes, more than the %d an API key file may hold: it is not a key", from, len(key), caps.KeyFile)}
	}
	return nil
}

// deploymentOf is the --deployment value, or the default for the URL:
// saas for the host api.wandb.ai over https, else dedicated. The host is
// compared as DNS names are: ignoring case (CanonicalURL lower-cased it)
// and a trailing dot (api.wandb.ai. is the same host, with the same
// certificate).
func deploymentOf(flagValue, canonicalURL string) (model.Deployment, error) {
	switch low := strings.ToLower(flagValue); low {
	case "saas", "dedicated": // in any case: SaaS is how W&B writes it
		return model.Deployment(low), nil
	case "":
		u, err := url.Parse(canonicalURL)
		if err == nil && u.Scheme == "https" && u.Port() == "" &&
			strings.TrimSuffix(u.Hostname(), ".") == "api.wandb.ai" {
			return model.SaaS, nil
		}
		return model.Dedicated, nil
	}
	return "", usageError{fmt.Sprintf("--deployment (or WBSYNC_DEPLOYMENT) %s: want saas or dedicated", quoted(flagValue))}
}

// decimal is an int flag read in base 10 only, as a manifest's numbers
// are: package flag reads 010 as octal 8 and 0x10 as 16, which a count of
// requests or resources never means.
type decimal int

// decimalOf sets *p to def and returns it as a decimal flag value.
func decimalOf(p *int, def int) *decimal {
	*p = def
	return (*decimal)(p)
}

func (d *decimal) String() string { return strconv.Itoa(int(*d)) }

func (d *decimal) Get() any { return int(*d) }

func (d *decimal) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return numberError(err)
	}
	*d = decimal(n)
	return nil
}

// numberError is a number flag's parse error as package flag words its
// own ("value out of range", "parse error"), which parseInterleaved
// rewords.
func numberError(err error) error {
	var ne *strconv.NumError
	if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
		return errors.New("value out of range")
	}
	return errors.New("parse error")
}

// decimalFloat is a float flag read as a decimal number only: package
// flag reads 0x1p4 as 16 and 1_000 as 1000 (Go literal syntax), which
// README's "the numeric connection flags ... are decimal" refuses. NaN and
// Inf still parse, for checkNumbers to name them.
type decimalFloat float64

// decimalFloatOf sets *p to def and returns it as a decimalFloat flag value.
func decimalFloatOf(p *float64, def float64) *decimalFloat {
	*p = def
	return (*decimalFloat)(p)
}

func (d *decimalFloat) String() string { return strconv.FormatFloat(float64(*d), 'g', -1, 64) }

func (d *decimalFloat) Get() any { return float64(*d) }

func (d *decimalFloat) Set(s string) error {
	if strings.ContainsAny(s, "_xXpP") {
		return errors.New("parse error")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return numberError(err)
	}
	*d = decimalFloat(f)
	return nil
}

// numberEnv names the environment variable of each numeric connection
// flag: the flag wins when both are given.
var numberEnv = [...]struct{ flag, env string }{
	{"concurrency", "WBSYNC_CONCURRENCY"},
	{"rate-limit", "WBSYNC_RATE_LIMIT"},
	{"timeout", "WBSYNC_TIMEOUT"},
	{"batch-size", "WBSYNC_BATCH_SIZE"},
	{"page-size", "WBSYNC_PAGE_SIZE"},
}

// numbersFromEnv sets each numeric connection flag not given on the
// command line from its environment variable, when that is set, parsed by
// the flag itself (a decimal integer, a Go duration).
func (c *connFlags) numbersFromEnv(f *flags, getenv func(string) string, red *sanitize.Redactor) error {
	for _, n := range numberEnv {
		v := strings.TrimSpace(getenv(n.env))
		if v == "" || f.set(n.flag) {
			continue
		}
		if err := f.fs.Set(n.flag, v); err != nil {
			v = sanitize.Truncate(red.String(v), caps.ShownID) // the key redacted before the cut
			return usageError{fmt.Sprintf("%s %q: not a value --%s takes%s (see 'wbsync %s --help')", n.env, v, n.flag, durationHint(f.fs, n.flag), f.fs.Name())}
		}
	}
	return nil
}

// durationHint says, for a flag of fs that takes a duration, that the
// value needs its unit ("5" is not one, as Go reads durations), and for a
// decimal one that it is a decimal number; "" for other flags.
func durationHint(fs *flag.FlagSet, name string) string {
	if fl := fs.Lookup(name); fl != nil {
		if _, ok := fl.Value.(*decimal); ok {
			return " (a decimal number, such as 100)"
		}
		if _, ok := fl.Value.(*decimalFloat); ok {
			return " (a decimal number, such as 2.5)"
		}
		if g, ok := fl.Value.(flag.Getter); ok {
			if _, ok := g.Get().(time.Duration); ok {
				return " (a duration with its unit, such as 30s or 2m)"
			}
		}
	}
	return ""
}

// checkNumbers bounds the numeric connection flags.
func (c *connFlags) checkNumbers() error {
	switch {
	case c.concurrency < 1:
		return usageError{fmt.Sprintf("--concurrency (or WBSYNC_CONCURRENCY) %d: want at least 1 (at most %d are used)", c.concurrency, caps.Concurrency)}
	case math.IsNaN(c.rateLimit) || math.IsInf(c.rateLimit, 0) || c.rateLimit < caps.MinRateLimit:
		return usageError{fmt.Sprintf("--rate-limit (or WBSYNC_RATE_LIMIT) %v: want a number of requests per second of at least %v", c.rateLimit, caps.MinRateLimit)}
	case c.timeout < caps.MinTimeoutSeconds*time.Second || c.timeout > caps.MaxTimeoutSeconds*time.Second:
		return usageError{fmt.Sprintf("--timeout (or WBSYNC_TIMEOUT) %v: want a duration from %s to %s", c.timeout, seconds(caps.MinTimeoutSeconds), seconds(caps.MaxTimeoutSeconds))}
	case c.batchSize < 1 || c.batchSize > caps.MaxBatchSize:
		return usageError{fmt.Sprintf("--batch-size (or WBSYNC_BATCH_SIZE) %d: want 1 to %d", c.batchSize, caps.MaxBatchSize)}
	case c.pageSize < 1 || c.pageSize > caps.PageSize:
		return usageError{fmt.Sprintf("--page-size (or WBSYNC_PAGE_SIZE) %d: want 1 to %d", c.pageSize, caps.PageSize)}
	}
	return nil
}

// envKey is WANDB_API_KEY, trimmed.
func envKey(getenv func(string) string) string { return strings.TrimSpace(getenv("WANDB_API_KEY")) }

// withoutEnvName is key without a leading "WANDB_API_KEY=" (any case, and
// "export " before it), as a .env or shell line gives it: what the run
// redacts until the key is checked, so that keyProblem's refusal of such
// a key can name its source, WANDB_API_KEY, while the key meant stays
// hidden.
func withoutEnvName(key string) string {
	key = strings.TrimPrefix(key, "export ") // a shell line pasted whole
	if hasEnvName(key) {
		return key[len(envName):]
	}
	return key
}

// envName is what a .env line writes before the key.
const envName = "WANDB_API_KEY="

// hasEnvName reports whether key starts with envName (any case) and holds
// more after it.
func hasEnvName(key string) bool {
	return len(key) > len(envName) && strings.EqualFold(key[:len(envName)], envName)
}

// unusedEnvKeys are the words of WANDB_API_KEY that look like a key, when
// --api-key-file gives the key used: they stay hidden too.
func unusedEnvKeys(getenv func(string) string) []string { return keyWords(envKey(getenv)) }

// quoted is v quoted for a message, or a note in its place when it looks
// like an API key (looksLikeKey): a CI job whose secrets were swapped
// gives the key as --url or another flag's value, and the redactor hides
// only the key it was given (WANDB_API_KEY then holds something else).
// For what hideKeyShapes does not see: a message printed apart from the
// run's final error, or one that may come after a server is contacted.
func quoted(v string) string {
	if looksLikeKey(v) {
		return notShownKey
	}
	return strconv.Quote(sanitize.Truncate(v, caps.ShownValue))
}

// notShownKey stands for a value shaped like an API key in a message.
const notShownKey = "(a value not shown: it looks like an API key)"

// keyShape is the shape of a W&B API key: 32 or more hexadecimal digits
// (40 in W&B's), after "local-" on a local server. A name of a run (a
// team, a file, a host) is not one; a git commit hash is, and is hidden
// too where keyShape decides.
var keyShape = regexp.MustCompile(`^(?:[A-Za-z0-9]+-)?[0-9A-Fa-f]{32,}$`)

// keyToken is a word keyShape is tried on; keyOrQuoted the same, or in
// double quotes (a %q of the value alone), which hideKeyShapes replaces
// with them.
var (
	keyToken    = regexp.MustCompile(`[A-Za-z0-9_][A-Za-z0-9_-]*`)
	keyOrQuoted = regexp.MustCompile(`"[A-Za-z0-9_][A-Za-z0-9_-]*"|[A-Za-z0-9_][A-Za-z0-9_-]*`)
)

// keyShaped reports whether word w has keyShape, with a letter and a digit
// among its hexadecimal digits (a number of 32 digits is no key; a key of
// 40 random hexadecimal digits lacks either about once in 100 million).
func keyShaped(w string) bool {
	if !keyShape.MatchString(w) {
		return false
	}
	hex := w[strings.LastIndexByte(w, '-')+1:]
	return strings.ContainsAny(hex, "0123456789") && strings.ContainsAny(hex, "abcdefABCDEF")
}

// looksLikeKey reports whether a word of s (split at anything but
// letters, digits, '-' and '_': a URL's host or path segment, a path's
// base name) has the shape of an API key.
func looksLikeKey(s string) bool {
	for _, w := range keyToken.FindAllString(s, -1) {
		if keyShaped(w) {
			return true
		}
	}
	return false
}

// hideKeyShapes is s with every word shaped like an API key (quoted or
// not) replaced by a note, for an error about what a run was given (a
// flag, an argument, a path), printed before any server is contacted:
// the one place the errors of the flags' checks are kept from showing one.
// A SHA-256 digest written as wbsync writes its own ("sha256:" and 64
// hexadecimal digits: a manifest digest, a fingerprint) is shown: a W&B
// key is 40 digits.
func hideKeyShapes(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range keyOrQuoted.FindAllStringIndex(s, -1) {
		w := s[m[0]:m[1]]
		if !keyShaped(strings.Trim(w, `"`)) || len(w) == 64 && strings.HasSuffix(s[:m[0]], "sha256:") {
			continue
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(notShownKey)
		last = m[1]
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// keyWords are the runs of s that look like an API key: 16 characters or
// more of letters, digits, '-' and '_' (a W&B key is 40 hexadecimal
// digits, on a local server after "local-"), in quotes, after
// "WANDB_API_KEY=" or a byte-order mark too ("Bearer KEY", "\"KEY\"").
// Other text is not redacted: each 8 characters of a run are, so a word
// that is a URL, a path or an email (holding '/', '.', '@' or ':') gives
// none, nor does a placeholder ("team"): it would be taken out of every
// output (team names in a comment's URL).
func keyWords(s string) []string {
	var keys []string
	for _, word := range strings.Fields(s) {
		if strings.ContainsAny(word, "/.@:") {
			continue
		}
		for _, w := range strings.FieldsFunc(word, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
		}) {
			if len(w) >= 16 {
				keys = append(keys, w)
			}
		}
	}
	return keys
}

// keyFile is a read API key file.
type keyFile struct {
	key  []byte
	path string
	mode os.FileMode
}

// readKeyFile reads --api-key-file: at most caps.KeyFile bytes, trimmed,
// not empty.
func readKeyFile(path string) (keyFile, error) {
	if _, err := os.Stat(path); err != nil {
		// A path that names nothing may be the key itself, given by
		// mistake (--api-key-file "$KEY"): it is not repeated.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return keyFile{}, fmt.Errorf("read --api-key-file: %w (the value given is not shown: it may be the key itself; the flag takes the path of a file holding the key)", err)
	}
	b, fi, err := readCapped(path, caps.KeyFile, "--api-key-file")
	if err != nil {
		return keyFile{}, err
	}
	key := []byte(strings.TrimSpace(string(b)))
	if len(key) == 0 {
		return keyFile{}, fmt.Errorf("--api-key-file %s is empty", path)
	}
	return keyFile{key: key, path: path, mode: fi.Mode()}, nil
}

// keyWarning says when the key file is readable by other users, where
// file modes say so (modesTell: not on Windows, whose modes read 0666
// whatever the file's ACL, and chmod cannot change that).
func keyWarning(k keyFile) string {
	if modesTell && k.mode.IsRegular() && k.mode.Perm()&0o044 != 0 {
		return fmt.Sprintf("--api-key-file %s is readable by other users (mode %v): chmod 600 it", k.path, k.mode.Perm())
	}
	return ""
}

// fileError is a manifest file (or directory) that cannot be read: path
// is the one to blame.
type fileError struct {
	path string
	err  error
}

func (e fileError) Error() string { return e.err.Error() }
func (e fileError) Unwrap() error { return e.err }

// controlInName reports whether r, in a file name, is a control character
// (C0, DEL, C1) or a line or paragraph separator. Other characters that
// are escaped where a name is shown (a joined emoji's U+200D, Persian's
// ZWNJ) are part of real names.
func controlInName(r rune) bool {
	return r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == 0x2028 || r == 0x2029
}

// unseenTail reports whether r, ending a file name, may go unseen in a
// listing: a space, a dot.
func unseenTail(r rune) bool { return r == '.' || unicode.IsSpace(r) }

// asListed is name as a listing shows it: without its terminal escape
// sequences (ESC [ ... m), control characters and invisible characters
// (sanitize.Invisible: a zero-width space, a bidirectional control).
func asListed(name string) string {
	prev := rune(-1)
	return strings.Map(func(r rune) rune {
		after := prev
		prev = r
		if controlInName(r) || sanitize.InvisibleAfter(after, r, "") {
			return -1
		}
		return r
	}, csi.ReplaceAllString(name, ""))
}

// csi is a terminal's control sequence (ECMA-48 CSI).
var csi = regexp.MustCompile("\x1b\\[[0-?]*[ -/]*[@-~]")

// asYAML is the name a listing shows for name, when that is a YAML file's
// and name is not (a space or a dot after the extension, an invisible or
// control character in it), else "". What follows a control character is
// left out whole: a terminal may take all of it (a window title, a link,
// a charset switch) and show nothing.
func asYAML(name string) string {
	for _, shown := range []string{asListed(name), name[:max(strings.IndexFunc(name, controlInName), 0)]} {
		if seen := strings.TrimRightFunc(asListed(shown), unseenTail); seen != name && isYAMLName(seen) {
			return seen
		}
	}
	return ""
}

// renameAdvice says what to do with a file of directory dir that is not
// read and should be named as (its extension lower-cased): rename it so,
// or, when a file of that name is there already (read), merge it into it.
func renameAdvice(dir, as string) string {
	fix := strings.TrimSuffix(as, filepath.Ext(as)) + strings.ToLower(filepath.Ext(as))
	if fi, err := os.Stat(filepath.Join(dir, fix)); err == nil && fi.Mode().IsRegular() {
		return "merge it into " + sanitize.Controls(fix) + ", which is read"
	}
	return "rename it to " + sanitize.Controls(fix)
}

// isYAMLName reports whether name ends in .yaml or .yml, in any case.
func isYAMLName(name string) bool {
	low := strings.ToLower(filepath.Ext(name))
	return low == ".yaml" || low == ".yml"
}

// linkWithin reports whether the symbolic link p, in directory dir,
// names a file inside dir (or below it), both taken with their links
// resolved.
func linkWithin(realDir, p string) bool {
	t, err := realPath(p)
	return err == nil && within(realDir, t)
}

// canonical is p with its links resolved and made absolute, as far as
// that succeeds: what tells two names of one file apart from two files.
func canonical(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	if a, err := filepath.Abs(p); err == nil {
		p = a
	}
	return p
}

// realPath is p with its links resolved, absolute; an error when a link
// cannot be resolved.
func realPath(p string) (string, error) {
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", err
	}
	return filepath.Abs(r)
}

// within reports whether the absolute path t is dir or below it.
func within(dir, t string) bool {
	rel, err := filepath.Rel(dir, t)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// linkedOut reports, for a relative -f path (the repository's own, in a
// pipeline), whether a symbolic link on it leads outside the working
// directory, and where ("" for a target that has no path): a pull
// request could replace wbsync.yaml or the wbsync/ directory by a link to
// a runner's credentials, whose start the problems printed would quote. A
// path that leaves the directory without a link (../common/org.yaml), or
// an absolute one, is the user's word.
// The path is resolved as the kernel opens it: a ".." after a link leaves
// the link's target (link/../x.yaml), not the link. A link that cannot be
// resolved to a name although the path opens (/proc/self/fd/N on a pipe,
// or on a deleted file) leads somewhere no check can see: it is refused
// too.
func linkedOut(p string) (string, bool) {
	if filepath.IsAbs(p) {
		return "", false
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	cwd, err := realPath(wd)
	if err != nil {
		return "", false
	}
	lexical := filepath.Join(cwd, p)
	real, err := realPath(cwd + string(filepath.Separator) + p)
	if err != nil {
		if _, serr := os.Stat(p); serr == nil {
			return "", true // no path to name
		}
		return "", false
	}
	if samePath(real, lexical) || within(cwd, real) {
		return "", false
	}
	return real, true
}

// samePath reports whether a and b name one path: on Windows, whose file
// names ignore case and whose link resolution gives them the disk's case
// (..\Shared\org.yaml typed, ..\shared\org.yaml resolved), ignoring case.
func samePath(a, b string) bool {
	return a == b || runtime.GOOS == "windows" && strings.EqualFold(a, b)
}

// manifestPaths expands -f values: a directory means every *.yaml and *.yml
// in it, sorted, skipping names that start with "." as a shell glob does
// (editor lock and backup files such as .#org.yaml), and refusing one whose
// extension is those in another case (b.YAML: skipping it would leave its
// users unmanaged) or that is a link to a file outside the directory;
// nothing means wbsync.yaml. A file named explicitly is
// read whatever its name.
func manifestPaths(files []string) ([]string, error) {
	byDefault := len(files) == 0
	if byDefault {
		files = []string{defaultManifest}
	}
	var out []string
	// A file reached twice (-f d -f d/a.yaml, or through a symbolic link)
	// is read once.
	seen := map[string]bool{}
	add := func(p string) {
		if k := canonical(p); !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	stdin := false
	for _, f := range files {
		if f == "-" { // standard input, as kubectl reads -f -
			if stdin {
				return nil, usageError{"-f - given twice: standard input is read once"}
			}
			stdin = true
			out = append(out, stdinPath)
			continue
		}
		fi, err := os.Stat(f)
		if err != nil && looksLikeKey(f) {
			// (plan reads the manifest while it connects: hideKeyShapes
			// may not see this error)
			return nil, usageError{fmt.Sprintf("-f %s: %v", quoted(f), errors.Unwrap(err))}
		}
		if err != nil {
			if byDefault && errors.Is(err, fs.ErrNotExist) {
				return nil, fileError{f, fmt.Errorf("manifest %s: %w (the default, read when no -f is given: name the manifest with -f FILE or -f DIR)", f, errors.Unwrap(err))}
			}
			return nil, fileError{f, fmt.Errorf("manifest %s: %w", f, errors.Unwrap(err))}
		}
		if real, out := linkedOut(f); out {
			if real == "" {
				return nil, fileError{f, fmt.Errorf("manifest %s leads through a symbolic link outside the working directory, to a target that has no path (such as a pipe, or a deleted file): not read (a pull request could point it at a runner's credentials); give the manifest as a file, or on standard input with -f -", f)}
			}
			return nil, fileError{f, fmt.Errorf("manifest %s leads through a symbolic link outside the working directory, to %s: not read (a pull request could point it at a runner's credentials); name that path itself to read it", f, real)}
		}
		if !fi.IsDir() {
			add(f)
			continue
		}
		entries, err := os.ReadDir(f)
		if err != nil {
			return nil, fileError{f, fmt.Errorf("manifest directory %s: %w", f, err)}
		}
		var found []string
		realDir, dirErr := realPath(f) // once per directory, for its links
		for _, e := range entries {
			name := e.Name()
			ext := filepath.Ext(name)
			if e.IsDir() || strings.HasPrefix(name, ".") {
				continue
			}
			if isYAMLName(name) && strings.ContainsFunc(name, controlInName) {
				// Messages about it are escaped line by line, and a
				// message's own lines are split at its line breaks: a
				// line break in the name would make lines of its
				// author's (a CI system's commands among them). A name
				// with any control, escaped where it is shown, would
				// also make a stale plan's command to plan again name
				// another file.
				return nil, fileError{filepath.Join(f, name), fmt.Errorf("manifest directory %s: the file name %s holds a control character or line break: rename it",
					f, sanitize.Controls(name))}
			}
			if ext != ".yaml" && ext != ".yml" {
				if seen := asYAML(name); seen != "" {
					// Listed, it reads as x.yaml; skipped, its users
					// would be unmanaged.
					rename := renameAdvice(f, seen)
					return nil, fileError{filepath.Join(f, name), fmt.Errorf("manifest directory %s: %s is not read: its name reads as a YAML file's but is not one (a space or a dot after the extension, an invisible or control character): %s, or name it with -f",
						f, sanitize.Controls(strconv.Quote(name)), rename)}
				}
				if inner := strings.TrimSuffix(name, ext); strings.EqualFold(ext, ".txt") && isYAMLName(inner) {
					// Notepad's "Save as" and TextEdit add .txt, and
					// Explorer and Finder hide it: the file reads as
					// x.yaml to its author. Skipped, its users would be
					// unmanaged.
					rename := renameAdvice(f, inner)
					return nil, fileError{filepath.Join(f, name), fmt.Errorf("manifest directory %s: %s is not read: its name ends in .txt after the YAML extension, as an editor saving plain text adds it (Windows Explorer and the macOS Finder hide it): %s, or name it with -f",
						f, sanitize.Controls(name), rename)}
				}
				if isYAMLName(name) {
					low := strings.ToLower(ext)
					// Skipped, its users would be unmanaged (and
					// deactivated under unmanagedUsers: deactivate).
					return nil, fileError{filepath.Join(f, name), fmt.Errorf("manifest directory %s: %s is not read (a directory gives its *.yaml and *.yml files, in lower case): rename it to %s, or name it with -f",
						f, name, strings.TrimSuffix(name, ext)+low)}
				}
				continue
			}
			p := filepath.Join(f, name)
			// A pipe or device among the manifests would hang or flood the
			// load: only regular files (or links to them) are read.
			if fi, err := os.Stat(p); err != nil {
				return nil, fileError{p, fmt.Errorf("manifest directory %s: %s cannot be read: %w", f, name, errors.Unwrap(err))}
			} else if !fi.Mode().IsRegular() {
				return nil, fileError{p, fmt.Errorf("manifest directory %s: %s is not a regular file", f, name)}
			}
			if e.Type()&fs.ModeSymlink != 0 && (dirErr != nil || !linkWithin(realDir, p)) {
				// A pull request may add the link: read, the file it names
				// (a runner's credentials) would be quoted in the problems
				// printed to the CI log. Named with -f, it is read.
				return nil, fileError{p, fmt.Errorf("manifest directory %s: %s is a symbolic link to a file outside %s: not read (name the file itself with -f to read it)", f, name, f)}
			}
			found = append(found, p)
		}
		if len(found) == 0 {
			more := ""
			if below, _ := unreadSubdirs([]string{f}, nil, subdirBudget); len(below) > 0 {
				// (-f teams for teams/eng/*.yaml) The name is the
				// repository's: escaped, as a line break in it would make
				// a line of its author's in the CI log.
				more = fmt.Sprintf("; its sub-directories are not read (a directory gives only its own files): name one with -f, such as -f %s",
					sanitize.Controls(below[0].dir))
			}
			return nil, fileError{f, fmt.Errorf("manifest directory %s holds no *.yaml or *.yml file (names starting with a dot are skipped)%s", f, more)}
		}
		sort.Strings(found)
		for _, p := range found {
			add(p)
		}
	}
	if err := stdinOnce(out); err != nil {
		return nil, err
	}
	return out, nil
}

// seconds writes n seconds in the largest whole unit (1h, 2m, 90s), as
// --help and the refusal both show the --timeout bounds.
func seconds(n int) string {
	switch {
	case n > 0 && n%3600 == 0:
		return fmt.Sprintf("%dh", n/3600)
	case n > 0 && n%60 == 0:
		return fmt.Sprintf("%dm", n/60)
	}
	return fmt.Sprintf("%ds", n)
}
