package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/wbsync/wbsync/pkg/model"
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

// manifestFlag registers -f/--file, the repeatable manifest path.
func manifestFlag(fs *flag.FlagSet) *stringList {
	var files stringList
	fs.Var(&files, "f", "manifest file or directory (repeatable; default wbsync.yaml)")
	fs.Var(&files, "file", "same as -f")
	return &files
}

// noArgs refuses positional arguments for commands that take none.
func noArgs(pos []string, hint string) error {
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q%s", pos[0], hint)}
	}
	return nil
}

// newFlagSet returns a flag set whose usage prints the command's synopsis,
// its flags and an example.
func newFlagSet(name, synopsis, example string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: wbsync %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
		fmt.Fprintf(out, "\nExample:\n  %s\n", example)
	}
	return fs
}

// parseInterleaved parses flags that may come before or after positional
// arguments and returns the positionals.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// logFlags are the logging flags every networked command takes.
type logFlags struct {
	level  string
	format string
}

func (l *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.level, "log-level", "info", "log level: debug|info|warn|error")
	fs.StringVar(&l.format, "log-format", "console", "log format: console|json")
}

// logger builds the stderr logger.
func (l *logFlags) logger(w io.Writer) (*zap.Logger, error) {
	var lvl zapcore.Level
	if err := lvl.UnmarshalText([]byte(l.level)); err != nil || lvl > zapcore.ErrorLevel {
		return nil, usageError{fmt.Sprintf("--log-level %q: want debug, info, warn or error", l.level)}
	}
	cfg := zap.NewProductionEncoderConfig()
	cfg.EncodeTime = zapcore.ISO8601TimeEncoder
	var enc zapcore.Encoder
	switch l.format {
	case "json":
		enc = zapcore.NewJSONEncoder(cfg)
	case "console":
		cfg.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(cfg)
	default:
		return nil, usageError{fmt.Sprintf("--log-format %q: want console or json", l.format)}
	}
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(w), lvl)), nil
}

// connFlags are the connection flags of SPEC §1.
type connFlags struct {
	url         string
	apiKeyFile  string
	auth        string
	deployment  string
	concurrency int
	rateLimit   float64
	timeout     time.Duration
	batchSize   int
}

func (c *connFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&c.url, "url", envOr(getenv, "WBSYNC_URL", "https://api.wandb.ai/scim"), "SCIM base URL (env WBSYNC_URL)")
	fs.StringVar(&c.apiKeyFile, "api-key-file", "", "file holding the API key (default: env WANDB_API_KEY)")
	fs.StringVar(&c.auth, "auth", envOr(getenv, "WBSYNC_AUTH", "bearer"), "authorization scheme: bearer|basic (env WBSYNC_AUTH)")
	fs.StringVar(&c.deployment, "deployment", getenv("WBSYNC_DEPLOYMENT"), "W&B deployment: saas|dedicated (env WBSYNC_DEPLOYMENT; default saas for api.wandb.ai, else dedicated)")
	fs.IntVar(&c.concurrency, "concurrency", 4, "parallel requests")
	fs.Float64Var(&c.rateLimit, "rate-limit", 10, "requests per second")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "timeout per request")
	fs.IntVar(&c.batchSize, "batch-size", 100, "members per PATCH add")
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// resolved is the checked connection configuration.
type resolved struct {
	url        string
	apiKey     string
	auth       string
	deployment model.Deployment
}

// resolve checks the connection flags and reads the API key.
func (c *connFlags) resolve(getenv func(string) string) (resolved, error) {
	var r resolved
	u, err := url.Parse(c.url)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return r, usageError{fmt.Sprintf("--url %q: want an absolute https:// URL such as https://HOST/scim", c.url)}
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return r, usageError{fmt.Sprintf("--url %q: plain http:// is refused except on loopback; use https://", c.url)}
	}
	r.url = strings.TrimRight(c.url, "/")
	switch c.auth {
	case "bearer", "basic":
		r.auth = c.auth
	default:
		return r, usageError{fmt.Sprintf("--auth %q: want bearer or basic", c.auth)}
	}
	switch c.deployment {
	case "":
		r.deployment = model.Dedicated
		if strings.EqualFold(u.Hostname(), "api.wandb.ai") {
			r.deployment = model.SaaS
		}
	case "saas", "dedicated":
		r.deployment = model.Deployment(c.deployment)
	default:
		return r, usageError{fmt.Sprintf("--deployment %q: want saas or dedicated", c.deployment)}
	}
	if c.concurrency < 1 {
		return r, usageError{fmt.Sprintf("--concurrency %d: want at least 1", c.concurrency)}
	}
	if c.rateLimit <= 0 {
		return r, usageError{fmt.Sprintf("--rate-limit %v: want a positive number of requests per second", c.rateLimit)}
	}
	if c.timeout <= 0 {
		return r, usageError{fmt.Sprintf("--timeout %v: want a positive duration", c.timeout)}
	}
	if c.batchSize < 1 {
		return r, usageError{fmt.Sprintf("--batch-size %d: want at least 1", c.batchSize)}
	}
	if c.apiKeyFile != "" {
		b, err := os.ReadFile(c.apiKeyFile)
		if err != nil {
			return r, fmt.Errorf("read --api-key-file: %w", err)
		}
		r.apiKey = strings.TrimSpace(string(b))
		if r.apiKey == "" {
			return r, fmt.Errorf("--api-key-file %s is empty", c.apiKeyFile)
		}
	} else {
		r.apiKey = strings.TrimSpace(getenv("WANDB_API_KEY"))
	}
	if r.apiKey == "" {
		return r, usageError{"no API key: set WANDB_API_KEY or pass --api-key-file FILE (an org admin's key or an org-scoped service account key)"}
	}
	return r, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if strings.HasPrefix(host, "127.") || host == "::1" {
		return true
	}
	return false
}

// manifestPaths expands -f values: a directory means every *.yaml and *.yml
// in it, sorted; nothing means wbsync.yaml.
func manifestPaths(files []string) ([]string, error) {
	if len(files) == 0 {
		files = []string{"wbsync.yaml"}
	}
	var out []string
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			return nil, fmt.Errorf("manifest %s: %w", f, errors.Unwrap(err))
		}
		if !fi.IsDir() {
			out = append(out, f)
			continue
		}
		entries, err := os.ReadDir(f)
		if err != nil {
			return nil, fmt.Errorf("manifest directory %s: %w", f, err)
		}
		var found []string
		for _, e := range entries {
			ext := filepath.Ext(e.Name())
			if !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
				found = append(found, filepath.Join(f, e.Name()))
			}
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("manifest directory %s holds no *.yaml or *.yml file", f)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}
