package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/emulator"
)

var emulateCommand = &command{
	name:     "emulate",
	synopsis: "emulate [--listen ADDR] [--state FILE] [flags]",
	summary:  "serve a W&B-flavoured SCIM API in memory",
	example:  "wbsync emulate --listen 127.0.0.1:8080 --state examples/emulator-state.json --deployment saas",
	setup: func(fs *flag.FlagSet) any {
		o := &emulateFlags{}
		o.opts.RegisterFlags(fs)
		fs.StringVar(&o.listen, "listen", "127.0.0.1:0", "address to listen on")
		fs.StringVar(&o.state, "state", "", "JSON file seeding the users and teams")
		return o
	},
	run: runEmulate,
}

type emulateFlags struct {
	opts   emulator.Options
	listen string
	state  string
}

func runEmulate(ctx context.Context, inv *invocation, f *flags, own any, pos []string) (int, error) {
	o := own.(*emulateFlags)
	if err := noArgs(pos, ""); err != nil {
		return exitError, err
	}
	log := inv.logger()
	var seed *emulator.State
	if o.state != "" {
		// Watching ctx, as every load does: a --state that is a pipe never
		// blocks a signal.
		var err error
		seed, err = await(ctx, func() (*emulator.State, error) {
			b, _, err := readCapped(o.state, caps.StateFile, "--state", seedObject)
			if err != nil {
				return nil, err
			}
			seed, err := emulator.ParseState(bytes.NewReader(b))
			if err != nil {
				return nil, fmt.Errorf("--state %s: %w", o.state, err)
			}
			return seed, nil
		})
		if err != nil {
			return exitError, err
		}
	}
	if o.opts.FaultRate == 0 && len(o.opts.Faults) > 0 {
		// Allowed (a sweep of rates may start at 0), but said: alone,
		// --faults changes nothing.
		log.Warn("--faults without --fault-rate (or at 0): no request meets a fault")
	}
	srv, err := emulator.New(o.opts, seed, log)
	if err != nil {
		return exitError, err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return exitError, fmt.Errorf("listen: %w", err)
	}
	if exposed(ln.Addr()) && o.opts.APIKey == "" {
		log.Warn("the emulator listens beyond this machine (" + ln.Addr().String() + ") and accepts any API key: anyone who reaches it can read and change its organization; pass --api-key, or listen on 127.0.0.1")
	}
	base := "/scim"
	if o.opts.BasePaths == emulator.BasePathsV2 {
		base = "/scim/v2" // the only path that answers
	}
	fmt.Fprintln(inv.stdout, "http://"+reachable(ln.Addr())+base)
	if err := inv.sinks.stdout.Flush(); err != nil { // the base URL is the first line a script reads
		ln.Close()
		return exitError, fmt.Errorf("print the base URL: %w (nobody could reach the emulator)", err)
	}
	// The server's own complaints (a handler's panic, a bad request line)
	// go to the emulator's log, not to Go's standard logger, which wbsync
	// keeps for the client's messages.
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ErrorLog: zap.NewStdLog(log),
		ReadTimeout: caps.EmulatorReadSeconds * time.Second, IdleTimeout: caps.EmulatorIdleSeconds * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(shut)
		return exitOK, nil
	case err := <-done:
		return exitError, fmt.Errorf("serve: %w", err)
	}
}

var versionCommand = &command{
	name:     "version",
	synopsis: "version",
	summary:  "print the version",
	example:  "wbsync version",
	run:      runVersion,
}

// version is stamped by the release build: -ldflags "-X main.version=v1.2.3".
var version = "dev"

// wbsyncVersion is the version wbsync names itself by (version, the
// export header, the User-Agent): the stamp, else the module version Go
// records (go install ...@v1.2.3 records v1.2.3; a build in a git
// checkout, a pseudo-version), else "dev".
var wbsyncVersion = sync.OnceValue(func() string {
	bi, _ := debug.ReadBuildInfo()
	return versionOf(version, bi)
})

// versionOf is wbsyncVersion for the stamp and the build info bi (nil
// when the binary has none).
func versionOf(stamp string, bi *debug.BuildInfo) string {
	if stamp == "dev" && bi != nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return stamp
}

// commitStamp is stamped by the release build: -ldflags "-X main.commitStamp=SHA".
var commitStamp = ""

func runVersion(_ context.Context, inv *invocation, _ *flags, _ any, pos []string) (int, error) {
	if err := noArgs(pos, ": version takes none"); err != nil {
		return exitError, err
	}
	commit, goVersion := "unknown", "unknown"
	bi, ok := debug.ReadBuildInfo()
	if ok {
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				commit = s.Value
			}
		}
	}
	if commitStamp != "" {
		commit = commitStamp
	}
	fmt.Fprintf(inv.stdout, "wbsync %s (commit %s, %s)\n", versionOf(version, bi), commit, goVersion)
	return exitOK, nil
}

// exposed reports whether addr is reachable from other machines: not a
// loopback address (a wildcard one listens on every interface).
func exposed(addr net.Addr) bool {
	a, ok := addr.(*net.TCPAddr)
	return ok && !a.IP.IsLoopback()
}

// reachable is the host:port a client on this machine dials to reach a
// listener at addr: a wildcard address (":0", "0.0.0.0:0", "[::]:0"; Go
// listens on both IPv4 and IPv6 for them) is reached on 127.0.0.1, a
// loopback address wbsync accepts over plain http.
func reachable(addr net.Addr) string {
	if a, ok := addr.(*net.TCPAddr); ok && a.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(a.Port))
	}
	return addr.String()
}

// seedObject is a readCapped check for an emulator seed: it starts (after
// white space) with a JSON object's '{', or the file is refused from its
// first bytes (a --state /dev/zero is not read to the cap).
func seedObject(head []byte) error {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")) // a byte-order mark, which the parser drops
	if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 && t[0] != '{' {
		return errors.New(`a seed is a JSON object ({"users": [...], "teams": [...]}), and this file starts otherwise`)
	}
	return nil
}
