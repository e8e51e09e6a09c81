// Command wbsync keeps a Weights & Biases organization's users and teams in
// line with a YAML manifest, over W&B's SCIM API: validate, plan, apply,
// export, and a bundled emulator. This package is wiring only: flags,
// environment, files, standard streams and exit codes; the work is in pkg/.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Exit codes (SPEC §2).
const (
	exitOK      = 0
	exitError   = 1
	exitChanges = 2
	exitBlocked = 3
	exitFailed  = 4
)

// env is everything run may touch of the outside world, so tests run the CLI
// in process.
type env struct {
	stdin      io.Reader
	stdout     io.Writer
	stderr     io.Writer
	getenv     func(string) string
	isTerminal bool // stdin and stdout are a terminal: prompts and colour
	// onListen, when set, receives the emulator's base URL once it listens
	// (tests).
	onListen func(baseURL string)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{
		stdin:      os.Stdin,
		stdout:     os.Stdout,
		stderr:     os.Stderr,
		getenv:     os.Getenv,
		isTerminal: isTerminal(os.Stdin) && isTerminal(os.Stdout),
	})
	stop()
	os.Exit(code)
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

const usage = `wbsync keeps a W&B organization's users and teams in line with a manifest.

Usage:
  wbsync validate [-f PATH]...                 check the manifest offline
  wbsync plan     [-f PATH]... [flags]         show what would change
  wbsync apply    [-f PATH]... [flags]         make the changes
  wbsync apply    PLANFILE [flags]             apply exactly a saved plan
  wbsync export   [flags] [--out FILE]         write the live org as a manifest
  wbsync emulate  [--listen ADDR] [--state FILE] [flags]
  wbsync version

Run 'wbsync COMMAND --help' for a command's flags and an example.
`

// run is the whole CLI; it returns the exit code.
func run(ctx context.Context, args []string, e env) int {
	e.stderr = &lockedWriter{w: e.stderr}
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitError
	}
	cmd, rest := args[0], args[1:]
	var err error
	code := exitOK
	switch cmd {
	case "validate":
		code, err = runValidate(rest, e)
	case "plan":
		code, err = runPlan(ctx, rest, e)
	case "apply":
		code, err = runApply(ctx, rest, e)
	case "export":
		code, err = runExport(ctx, rest, e)
	case "emulate":
		code, err = runEmulate(ctx, rest, e)
	case "version", "--version":
		code, err = runVersion(rest, e)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(e.stderr, "wbsync: unknown command %q\n\n%s", cmd, usage)
		return exitError
	}
	if errors.Is(err, errHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "wbsync %s: %v\n", cmd, err)
		if code == exitOK {
			code = exitError
		}
	}
	return code
}

// lockedWriter serialises writes: logs and progress come from several
// goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
