// Command wbsync keeps a Weights & Biases organization's users and teams in
// line with a YAML manifest, over W&B's SCIM API: validate, plan, apply,
// export, doctor, and a bundled emulator. This package is wiring only: flags,
// environment, files, standard streams, signals and exit codes; the work is
// in pkg/.
package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/wbsync/wbsync/pkg/bug"
	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/progress"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// Exit codes (README "Exit codes").
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
	// stderrTerminal says stderr is a terminal: progress is one line per
	// phase, redrawn in place.
	stderrTerminal bool
	// noEscapes says a terminal wbsync writes to cannot show escape
	// sequences (an old Windows console): as with TERM=dumb, no colour
	// and no redrawn progress line, though the question is still asked.
	noEscapes bool
	// flushInput discards what was typed and not read (nil: nothing to
	// discard); stderrWidth is stderr's width in columns (nil: unknown).
	flushInput  func()
	stderrWidth func() int
	// stderrForeground reports whether the process is in the foreground
	// of stderr's terminal (nil: always).
	stderrForeground func() bool
	// createTrace creates the --trace file (nil: a new file, mode 0600).
	createTrace func(path string) (io.WriteCloser, error)
	// endStatus is the status the process ends with, whatever run returns,
	// once a second signal was handled (0 before; nil: never).
	endStatus func() int
}

func main() {
	// A short-lived process that holds a whole organization in memory:
	// collect garbage at half the default growth, unless GOGC says
	// otherwise. At 100k users this keeps peak memory within about 1.8 KB
	// per user above the manifest parser's own, for a few percent of CPU
	// (BENCHMARKS.md).
	//
	// export, whose peak is the organization it holds and writes, collects
	// at a quarter: its peak at 100k users goes from 186–203 MB to 177–181
	// MB (steadier, below 2 KB per user) for about 20% more CPU time and no
	// more wall time. validate, which holds no organization, keeps Go's
	// default: at 100k users it takes 1.14–1.24 s beside 1.21–1.39 s at
	// half, for about the same peak (343–365 MB beside 346–355 MB).
	if os.Getenv("GOGC") == "" {
		pct := 50
		if args := commandFirst(os.Args[1:]); len(args) > 0 {
			switch args[0] {
			case "export":
				pct = 25
			case "validate":
				pct = 100
			}
		}
		debug.SetGCPercent(pct)
	}
	// The first SIGINT, SIGTERM or SIGHUP (a closed terminal) cancels ctx:
	// loading, reading and the prompt stop at once, apply lets requests in
	// flight finish. A second signal says what that leaves and ends the
	// process at once, by the signal's default action.
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	handled := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) { // under nohup, a hangup stays ignored
		handled = append(handled, syscall.SIGHUP)
	}
	// A background job of a script starts with SIGINT ignored: Reset
	// restores that, and the signal raised again would not end the process.
	ignoredAtStart := map[os.Signal]bool{}
	for _, s := range handled {
		ignoredAtStart[s] = signal.Ignored(s)
	}
	signal.Notify(sigs, handled...)
	// A reader that stops early (| head, a pager quit) makes writes to
	// stdout fail with EPIPE instead of ending the process: plan still
	// saves --out and --metrics-file after printing the plan.
	signal.Ignore(syscall.SIGPIPE)
	go watchSignals(sigs, cancel, notice, func(s os.Signal) {
		signal.Reset(handled...)
		if p, err := os.FindProcess(os.Getpid()); err == nil && !ignoredAtStart[s] && p.Signal(s) == nil {
			// The default action ends the process (status 128+N in a shell)
			// as soon as the signal is delivered, within microseconds, but
			// not at once: exiting here first would make the status a race.
			time.Sleep(2 * time.Second)
		}
		os.Exit(signalStatus(s))
	})
	stdout := io.Writer(os.Stdout)
	if isTerminal(os.Stdout) {
		s := &sharedScreen{w: os.Stdout}
		screen.Store(s)
		stdout = s
	}
	code := guard(os.Stderr, func() int {
		return run(ctx, os.Args[1:], env{
			stdin:            os.Stdin,
			stdout:           stdout,
			stderr:           os.Stderr,
			getenv:           os.Getenv,
			isTerminal:       isTerminal(os.Stdin) && isTerminal(os.Stdout),
			stderrTerminal:   isTerminal(os.Stderr),
			noEscapes:        !takesEscapes(os.Stdout) || !takesEscapes(os.Stderr),
			flushInput:       func() { flushInput(os.Stdin.Fd()) },
			stderrWidth:      func() int { return termWidth(os.Stderr.Fd()) },
			stderrForeground: func() bool { return foreground(os.Stderr.Fd()) },
			endStatus:        func() int { return int(ending.Load()) },
		})
	})
	if ending.Load() != 0 {
		select {} // the second signal's handler ends the process
	}
	os.Exit(code)
}

// guard runs f and returns its exit code, or exitError when f panics:
// Go's own exit status for a panic is 2, which --detailed-exitcode gives
// "the plan has changes" (for apply: "all were made"). The panic is a bug:
// its value and stack go to stderr, redacted by the key redactor the run
// set up (the panic may quote what a server sent). A reading or writing
// goroutine's panic is its error instead (pkg/bug), and comes here only
// when raised again; a runtime fatal error (out of memory, no file
// descriptors) cannot be caught and still ends the process with 2 (README
// "Exit codes").
func guard(stderr io.Writer, f func() int) (code int) {
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprintf("wbsync: internal error (a bug; please report it): %v\n%s", r, debug.Stack())
			if e, ok := r.(*bug.Error); ok { // a goroutine's, raised again
				msg = fmt.Sprintf("wbsync: %v\n%s", e, e.Stack)
			}
			if red := panicRedactor.Load(); red != nil {
				msg = string(red.Bytes([]byte(msg)))
			}
			fmt.Fprintln(stderr, msg)
			code = exitError
		}
	}()
	return f()
}

// panicRedactor is the run's key redactor, once it has one: guard redacts
// a panic's message with it.
var panicRedactor atomic.Pointer[sanitize.Redactor]

func isTerminal(f *os.File) bool { return isTTY(f) }

// stdLogTarget is the logger that receives what the standard library logs,
// or nil to drop it. net/http logs a server's unsolicited bytes through
// the standard logger, quoting up to 4 KiB of them: a hostile server can
// put the key there. They go to the run's logger at debug level, whose
// output is redacted, never straight to stderr.
var stdLogTarget atomic.Pointer[zap.Logger]

func init() {
	log.SetFlags(0)
	log.SetOutput(stdLogWriter{})
}

type stdLogWriter struct{}

func (stdLogWriter) Write(p []byte) (int, error) {
	if l := stdLogTarget.Load(); l != nil {
		l.Debug("net/http: " + sanitize.Controls(strings.TrimSpace(string(p))))
	}
	return len(p), nil
}

// signalNotice, once the logging flags say JSON, logs what a signal
// leaves as a warn entry (runWith sets it); until then, and in console
// format, notice writes a plain line to stderr.
var signalNotice atomic.Pointer[func(string)]

// noticeWait is the longest a signal waits for its notice to be written:
// stderr may be a terminal whose output is stopped (Ctrl-S) or a pipe
// nobody reads, and a signal must still stop the run.
const noticeWait = 500 * time.Millisecond

// watchSignals acts on the first two signals from sigs: the first cancels
// the run (cancel), the second ends the process (end). Each first says
// what it does through say, waiting for that at most noticeWait, so that
// a stderr that blocks delays a signal but never swallows it.
func watchSignals(sigs <-chan os.Signal, cancel context.CancelCauseFunc, say func(string), end func(os.Signal)) {
	sayWithin := func(msg string) {
		said := make(chan struct{})
		go func() {
			say(msg)
			close(said)
		}()
		t := time.NewTimer(noticeWait)
		defer t.Stop()
		select {
		case <-said:
		case <-t.C:
		}
	}
	s := <-sigs
	second := "a second signal exits at once"
	switch {
	case abandoning.Load() != nil && writesOver.Load():
		// An apply verifying or saving its report.
		second = "a second signal exits once the report is saved, within a second"
	case abandoning.Load() != nil:
		// An apply writing: its writes in flight finish first.
		second = "a second signal gives up the writes in flight and exits once the report is saved, within a second"
	}
	sayWithin(fmt.Sprintf("wbsync: %s: stopping (%s)", signalName(s), second))
	cancel(fmt.Errorf("%s received", signalName(s)))
	s = <-sigs
	ending.Store(int32(signalStatus(s)))
	if f := abandoning.Load(); f != nil {
		// An apply writing: its writes in flight are given up (unknown)
		// so that its report is saved and printed, which it has
		// abandonWait for (a CI system's kill follows its second signal
		// within seconds: GitHub Actions' 2.5 s after SIGTERM).
		t := time.NewTimer(abandonWait)
		select {
		case <-(*f)():
		case <-t.C:
		}
		t.Stop()
	}
	writing.Range(func(name, _ any) bool {
		os.Remove(name.(string)) // a file being written: left half, it would hold the plan or the export
		return true
	})
	sayWithin(secondSignalNotice(s, writesStarted.Load(), planSaved.Load(), reportSaved.Load(), reportPrinted.Load(), planAgain.Load()))
	end(s)
}

// signalled is set once the process says a signal's notice (notice, the
// say of watchSignals in main): a plan being printed stops there
// (untilStopped), before the run's context is cancelled, which follows
// the notice.
var signalled atomic.Bool

// abandoning is set while apply writes: a second signal calls it to give
// up the writes in flight, and waits on the channel it returns, closed
// once the report is saved and printed (or the run ended without one).
var abandoning atomic.Pointer[func() <-chan struct{}]

// writesOver is set once the apply abandoning belongs to has made its
// writes: a first signal's notice then promises no writes to give up.
var writesOver atomic.Bool

// abandonWait is the longest a second signal waits for that.
const abandonWait = time.Second

// ending is set once a second signal is handled: the process then ends
// by the signal (the status a shell shows for it), even when the command
// finishes first. It holds that status (128+N), which the command's last
// log entry gives as its exit_code.
var ending atomic.Int32

// signalStatus is the exit status a shell shows for a process s ended.
func signalStatus(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return exitError
}

// notice tells what a signal does, from the signal goroutine: on a line of
// its own, in place of a progress line shown (which is drawn again below it
// while the run goes on).
func notice(msg string) {
	// The run's last message waits for the notice (noticeSaid), and a plan
	// being printed stops before it (signalled), which the cancel follows:
	// nothing of the plan comes after the notice on the screen, and the
	// run does not end before it is said.
	said := make(chan struct{})
	defer close(said)
	noticeSaid.Store(&said)
	signalled.Store(true)
	screen.Load().apart(func(ended bool) {
		if f := signalNotice.Load(); f != nil {
			(*f)(msg)
			return
		}
		if activeProgress.Load().Notice(msg) {
			return
		}
		if ended {
			fmt.Fprintf(os.Stderr, "%s\n", msg) // the line was ended for it
			return
		}
		fmt.Fprintf(os.Stderr, "\n%s\n", msg)
	})
}

// noticeSaid, once a signal's notice is being said, is closed when it has
// been: the run's last message waits for it (at most noticeWait), so that
// it follows the notice on the screen.
var noticeSaid atomic.Pointer[chan struct{}]

// screen is standard output when it is a terminal (nil otherwise): see
// sharedScreen.
var screen atomic.Pointer[sharedScreen]

// sharedScreen is standard output on a terminal, which standard error
// usually shares. Each write to it is whole with respect to what apart
// writes: a notice or the last message never lands inside a write of the
// plan (a plan cut by a signal is left mid-line, or inside a colour's
// escape sequence), and starts on a line of its own, in the terminal's
// normal rendition; with standard error elsewhere, the terminal's line is
// ended all the same.
type sharedScreen struct {
	mu      sync.Mutex
	w       io.Writer
	midLine bool // the last byte written was not a line break
	colour  bool // the last escape sequence written is not the reset
}

func (s *sharedScreen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.w.Write(p)
	if n > 0 {
		s.midLine = p[n-1] != '\n'
		if i := bytes.LastIndexByte(p[:n], 0x1b); i >= 0 {
			// Colour left on, or an escape sequence left unfinished,
			// unless the last sequence is the reset.
			s.colour = !bytes.HasPrefix(p[i:n], []byte("\x1b[0m"))
		}
	}
	return n, err
}

// lineEnded records that the terminal's cursor is at the start of a line
// though no line break was written: the terminal echoed the one that ended
// an answer typed after a question. A nil screen does nothing.
func (s *sharedScreen) lineEnded() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.midLine = false
}

// open reports whether the last write left a line open (true for a nil
// screen, which does not know).
func (s *sharedScreen) open() bool {
	if s == nil {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.midLine
}

// apart runs say, which writes to standard error, once no write to
// standard output is in progress, after ending a line standard output left
// open, with a reset of the colour when one was left on or an escape
// sequence unfinished (ESC starts a new one); ended tells say that a line
// was so ended. A nil screen runs say alone.
func (s *sharedScreen) apart(say func(ended bool)) {
	if s == nil {
		say(false)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	end := ""
	if s.colour {
		end = "\x1b[0m"
		s.colour = false
	}
	if s.midLine {
		end += "\n"
		s.midLine = false
	}
	if end != "" {
		_, _ = io.WriteString(s.w, end)
	}
	say(strings.HasSuffix(end, "\n"))
}

// activeProgress is the run's progress display once it exists, for notice.
var activeProgress atomic.Pointer[progress.Progress]

// sinks are the output streams, each behind the one redactor: nothing
// wbsync prints, logs or writes can carry the API key. stderrUnit is stderr
// for writers whose every write is whole (log entries, progress lines), so
// that nothing is held back on screen.
type sinks struct {
	stdout, stderr, stderrUnit *sanitize.Writer
}

// close flushes the streams and drops what is written to them later: a
// read that a signal ended may still be decoding in the background
// (session.read), and must print nothing after the command's last line.
func (s sinks) close() {
	_ = s.stdout.Close()
	_ = s.stderr.Close()
	_ = s.stderrUnit.Close()
}

// run is the whole CLI; it returns the exit code.
func run(ctx context.Context, args []string, e env) int {
	defer stdLogTarget.Store(nil)
	defer activeProgress.Store(nil)
	planSaved.Store(nil) // (one process runs many commands in tests)
	planAgain.Store(nil)
	signalled.Store(false)
	noticeSaid.Store(nil)
	red := sanitize.NewRedactor(withoutEnvName(envKey(e.getenv)))
	panicRedactor.Store(red)
	out := sinks{stdout: red.Writer(e.stdout), stderr: red.Writer(e.stderr), stderrUnit: red.UnitWriter(e.stderr)}
	defer out.close()
	e.stdout, e.stderr = out.stdout, out.stderr
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage())
		return exitError
	}
	args = commandFirst(args)
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "--help":
		code := exitOK
		if name == "help" && len(rest) > 0 {
			code = help(e, rest)
		} else {
			fmt.Fprint(e.stdout, usage())
		}
		if err := out.stdout.Flush(); err != nil {
			fmt.Fprintf(e.stderr, "wbsync: write the help: %v\n", err)
			return exitError
		}
		return code
	case "--version", "-version", "-v":
		name = "version"
	}
	cmd := findCommand(name)
	if cmd == nil {
		// A hint ("did you mean plan?") is the whole message, one line,
		// as for a misspelt flag; without one, the usage lists the commands.
		if hint := commandHint(name); hint != "" {
			fmt.Fprintf(e.stderr, "wbsync: unknown command %s%s\n", quoted(name), hint)
		} else {
			fmt.Fprintf(e.stderr, "wbsync: unknown command %s\n\n%s", quoted(name), usage())
		}
		return exitError
	}
	inv := &invocation{env: e, sinks: out, red: red}
	defer inv.exit()
	code, err := cmd.runWith(ctx, inv, rest)
	if errors.Is(err, errHelp) {
		err = nil
	}
	// lostOutput: a trace that lost lines, or what the command printed not
	// all arriving (a closed pipe), is output lost: success would be a
	// lie. (plan says more itself; apply, once it has written, says so
	// last, and its exit code stands.) A blocked plan keeps its exit 3
	// and says both.
	lostOutput := func(lerr error) {
		switch {
		case lerr == nil || inv.wrote:
		case err == nil:
			err, code = lerr, exitError
		case code == exitBlocked:
			err = errors.Join(err, lerr)
		}
	}
	if lerr := inv.trace.lost(); lerr != nil && inv.wrote {
		// Said last too, so that a partial trace is not attached to a bug
		// report unknowingly.
		inv.say(zapcore.WarnLevel, sanitize.Controls(fmt.Sprintf("wbsync %s: %v (after writes: the exit code is the apply's)", name, lerr)))
	}
	lostOutput(inv.trace.lost())
	if ferr := out.stdout.Flush(); ferr != nil && !errors.As(err, new(unprintedPlan)) {
		// (A plan that could not be printed said so already.)
		lostOutput(fmt.Errorf("write standard output: %w", ferr))
	}
	if err != nil {
		// Errors quote what servers and files said: escaped, never acted on
		// (line by line: an error may list several problems, one per line).
		// With JSON logs, one error entry (README.md "Commands, flags and
		// environment").
		lines := strings.Split(err.Error(), "\n")
		for i, l := range lines {
			if !inv.connecting {
				l = hideKeyShapes(l)
			}
			// A value quoted whole (a path, a flag's value) cut: the
			// key's shapes were hidden first, on the whole value.
			lines[i] = sanitize.Controls(sanitize.CutRuns(l, caps.ShownValue))
		}
		if code == exitOK && !inv.wrote { // after apply's writes, its code stands
			code = exitError
		}
		status := code
		if e.endStatus != nil {
			status = cmp.Or(e.endStatus(), code) // a second signal ends the process, whatever the command's code
		}
		if said := noticeSaid.Load(); said != nil {
			t := time.NewTimer(noticeWait)
			select {
			case <-*said:
			case <-t.C:
			}
			t.Stop()
		}
		screen.Load().apart(func(bool) {
			inv.say(zapcore.ErrorLevel, fmt.Sprintf("wbsync %s: %s", name, strings.Join(lines, "\n")), zap.Int("exit_code", status))
		})
	}
	return code
}

// help is "wbsync help COMMAND": the command's help, as COMMAND --help
// prints it; without a command (help --help, help help), the usage.
func help(e env, args []string) int {
	// "help --help", "help help" and "help plan -h" are help too.
	args = slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "-h" || a == "--help" || a == "-help" })
	if len(args) == 0 || len(args) == 1 && args[0] == "help" {
		fmt.Fprint(e.stdout, usage())
		return exitOK
	}
	cmd := findCommand(args[0])
	switch {
	case len(args) > 1:
		fmt.Fprintf(e.stderr, "wbsync help: want one command name, got %s\n\n%s", quoted(strings.Join(args, " ")), usage())
		return exitError
	case cmd == nil:
		fmt.Fprintf(e.stderr, "wbsync help: unknown command %s\n\n%s", quoted(args[0]), usage())
		return exitError
	}
	f, _ := cmd.flagSet(e.getenv)
	cmd.printHelp(e.stdout, f)
	return exitOK
}

// invocation is one run of a command: the environment with its redacting
// sinks.
type invocation struct {
	env
	sinks sinks
	red   *sanitize.Redactor
	// logs is the checked logging flags, nil until they are parsed: text
	// until then (see say).
	logs *logSetup
	prog *progress.Progress // see progress
	log  *zap.Logger        // see logger
	done []func()           // run at the end (closing files)
	// wrote is set once apply starts sending writes (startWrites): from
	// then on an exit code says how they went, whatever became of stdout.
	wrote bool
	// trace is --trace's file, when given (see lossWatch)
	trace *lossWatch
	// connecting is set once the connection flags passed (connect): an
	// error before it is about what the run was given, and shows no value
	// shaped like an API key (hideKeyShapes).
	connecting bool
}

// writesStarted is invocation.wrote for the process, for the second
// signal's notice (the signal goroutine has no invocation).
var writesStarted atomic.Bool

// planSaved is the --out file once plan has saved it: a second signal
// while the metrics file is written after it does not say nothing was.
var planSaved atomic.Pointer[string]

// reportSaved is the --report file once apply has saved it (the signal
// goroutine's notice must not deny a report that exists).
var reportSaved atomic.Pointer[string]

// planAgain is the command that plans the saved plan being applied again
// (nil for a run of -f files): a second signal's notice gives it in place
// of a bare 'wbsync plan'.
var planAgain atomic.Pointer[string]

// reportPrinted is set once apply printed its report on stdout.
var reportPrinted atomic.Bool

// secondSignalNotice is what a second signal says before the process
// ends, given whether writes started, the report file saved (or nil), the
// report printed, and the command that plans a saved plan again (or nil).
func secondSignalNotice(s os.Signal, started bool, plan, report *string, printed bool, again *string) string {
	sig := signalName(s) // as the first notice names it
	see := seeWhere("")
	if again != nil {
		see = seeWhere(*again)
	}
	switch {
	case !started && plan != nil:
		return fmt.Sprintf("wbsync: %s again: exiting now; no write request was sent, and the plan was saved in %s, but no file after it", sig, *plan)
	case !started:
		return fmt.Sprintf("wbsync: %s again: exiting now; nothing was written", sig)
	case report != nil && printed:
		return fmt.Sprintf("wbsync: %s again: exiting now; any write still in flight was given up (unknown), and the apply report was saved in %s and printed: %s", sig, *report, see)
	case report != nil:
		return fmt.Sprintf("wbsync: %s again: exiting now; the apply report was saved in %s (stdout may lack it): %s", sig, *report, see)
	case printed:
		return fmt.Sprintf("wbsync: %s again: exiting now; any write still in flight was given up (unknown), as the report above says: %s", sig, see)
	}
	return fmt.Sprintf("wbsync: %s again: exiting now; a write in flight may or may not have been applied, and no report is written: %s", sig, see)
}

// startWrites marks that apply sends its first write.
func (inv *invocation) startWrites() {
	inv.wrote = true
	writesStarted.Store(true)
}

// atExit runs f when the command ends.
func (inv *invocation) atExit(f func()) { inv.done = append(inv.done, f) }

func (inv *invocation) exit() {
	for i := len(inv.done) - 1; i >= 0; i-- {
		inv.done[i]()
	}
}

// dumbTerminal reports TERM=dumb, or a console that cannot take escape
// sequences (env.noEscapes): a terminal that cannot move the cursor or
// show colour.
func (inv *invocation) dumbTerminal() bool { return inv.getenv("TERM") == "dumb" || inv.noEscapes }

// color says whether text written to a stream that is (or not) a terminal
// may be coloured: not with --no-color, NO_COLOR set (no-color.org) or
// TERM=dumb.
func (inv *invocation) color(terminal, noColor bool) bool {
	return terminal && !noColor && inv.getenv("NO_COLOR") == "" && !inv.dumbTerminal()
}

// redactWith makes every later output redact r's key (once the key is
// known: the environment at start, --api-key-file after the flags).
func (inv *invocation) redactWith(r *sanitize.Redactor) {
	inv.red = r
	panicRedactor.Store(r)
	inv.sinks.stdout.Use(r)
	inv.sinks.stderr.Use(r)
	inv.sinks.stderrUnit.Use(r)
}

// redactor is the redactor every output goes through (files too).
func (inv *invocation) redactor() *sanitize.Redactor { return inv.red }

// signalName is how a shell names s (SIGTERM), where Go's own name is a
// word ("terminated") that reads as a state in "...: terminated received".
func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return s.String()
}
