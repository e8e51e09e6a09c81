package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/wbsync/wbsync/pkg/emulator"
)

// Signals and the prompt, on the built binary under a real pseudo-terminal.

// hangTimeout bounds how long a test waits for the child before it calls
// the child hung: a failure detector, not a speed assertion.
const hangTimeout = 20 * time.Second

// child is the binary started under a pty (stdin and stdout on the
// terminal; stderr in a buffer).
type child struct {
	cmd    *exec.Cmd
	tty    *os.File
	screen chan string // everything the terminal shows, as it arrives
	stderr *safeBuffer
	done   chan struct{}
}

func startOnPty(t *testing.T, env []string, args ...string) *child {
	t.Helper()
	return startPty(t, env, false, args...)
}

// startPty starts wbsync on a terminal, its standard error there too when
// bothOnTTY (the child's stderr buffer then stays empty).
func startPty(t *testing.T, env []string, bothOnTTY bool, args ...string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(testBinary(t), args...), screen: make(chan string, 64), stderr: &safeBuffer{}, done: make(chan struct{})}
	c.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	if !bothOnTTY {
		c.cmd.Stderr = c.stderr
	}
	tty, err := pty.Start(c.cmd)
	if err != nil {
		t.Fatal(err)
	}
	c.tty = tty
	t.Cleanup(func() {
		_ = c.cmd.Process.Kill()
		tty.Close()
	})
	go func() {
		r := bufio.NewReader(tty)
		buf := make([]byte, 4096)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				c.screen <- string(buf[:n])
			}
			if err != nil {
				close(c.screen)
				return
			}
		}
	}()
	go func() {
		_ = c.cmd.Wait()
		close(c.done)
	}()
	return c
}

// waitFor reads the terminal until it shows s.
func (c *child) waitFor(t *testing.T, s string) {
	t.Helper()
	var seen strings.Builder
	deadline := time.After(hangTimeout)
	for !strings.Contains(seen.String(), s) {
		select {
		case chunk, ok := <-c.screen:
			if !ok {
				t.Fatalf("the terminal closed before showing %q:\n%s\nstderr:\n%s", s, seen.String(), c.stderr.String())
			}
			seen.WriteString(chunk)
		case <-deadline:
			t.Fatalf("the terminal never showed %q:\n%s\nstderr:\n%s", s, seen.String(), c.stderr.String())
		}
	}
}

// exit waits for the child and returns its wait status.
func (c *child) exit(t *testing.T) syscall.WaitStatus {
	t.Helper()
	go func() { // drain the terminal so the child never blocks on it
		for range c.screen {
		}
	}()
	select {
	case <-c.done:
	case <-time.After(hangTimeout):
		t.Fatalf("the child did not exit after the signal\nstderr:\n%s", c.stderr.String())
	}
	return c.cmd.ProcessState.Sys().(syscall.WaitStatus)
}

func emuServer(t *testing.T, seedPath string, opts ...emulator.Options) (*emulator.Server, *httptest.Server) {
	t.Helper()
	srv := newEmulator(t, seedPath, opts...)
	return srv, httptest.NewServer(srv)
}

// newEmulator is the bundled emulator seeded from seedPath ("" for an
// empty organization), with opts (the first, if any), for a test to serve
// itself (behind a handler that lies, refuses or rewrites).
func newEmulator(t *testing.T, seedPath string, opts ...emulator.Options) *emulator.Server {
	t.Helper()
	var seed *emulator.State
	if seedPath != "" {
		f, err := os.Open(seedPath)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if seed, err = emulator.ParseState(f); err != nil {
			t.Fatal(err)
		}
	}
	opts = append(opts, emulator.Options{})
	srv, err := emulator.New(opts[0], seed, zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel)))
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// TestPromptSignal: Ctrl-C (or SIGTERM) at the yes prompt ends wbsync at
// once, exit 1, nothing written.
func TestPromptSignal(t *testing.T) {
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			srv, hs := emuServer(t, examplePath("emulator-state.json"))
			defer hs.Close()
			c := startOnPty(t, []string{"WANDB_API_KEY=" + testKey, "WBSYNC_URL=" + hs.URL + "/scim"}, "apply", "-f", examplePath("wbsync.yaml"))
			c.waitFor(t, "Only 'yes' is accepted")
			if err := c.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			ws := c.exit(t)
			if ws.Signaled() || ws.ExitStatus() != exitError {
				t.Fatalf("wait status %v, want exit 1\n%s", ws, c.stderr.String())
			}
			if !strings.Contains(c.stderr.String(), "interrupted") {
				t.Errorf("stderr does not say it was interrupted:\n%s", c.stderr.String())
			}
			if n := writes(srv.Stats().Requests); n != 0 {
				t.Fatalf("%d writes after a signal at the prompt", n)
			}
		})
	}
}

// TestPromptYes: typing yes at the prompt applies.
func TestPromptYes(t *testing.T) {
	srv, hs := emuServer(t, examplePath("emulator-state.json"))
	defer hs.Close()
	c := startOnPty(t, []string{"WANDB_API_KEY=" + testKey, "WBSYNC_URL=" + hs.URL + "/scim"}, "apply", "-f", examplePath("wbsync.yaml"))
	c.waitFor(t, "Only 'yes' is accepted")
	if _, err := c.tty.WriteString("yes\r"); err != nil {
		t.Fatal(err)
	}
	c.waitFor(t, "Verified: the organization matches the manifest.")
	if ws := c.exit(t); ws.ExitStatus() != exitOK {
		t.Fatalf("wait status %v\n%s", ws, c.stderr.String())
	}
	if writes(srv.Stats().Requests) == 0 {
		t.Fatal("yes applied nothing")
	}
}

// TestPromptYesThenSignal: after "yes" typed on the terminal (whose echo
// ended the question's line), a signal's notice takes the place of the
// progress line, as with --auto-approve, instead of leaving it half drawn
// above the notice.
func TestPromptYesThenSignal(t *testing.T) {
	srv := newEmulator(t, "")
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			io.Copy(io.Discard, r.Body)
			<-r.Context().Done() // never answers a write
			return
		}
		srv.ServeHTTP(w, r)
	}))
	defer hs.Close()
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\nteams: []\n")
	c := startPty(t, []string{"WANDB_API_KEY=" + testKey, "WBSYNC_URL=" + hs.URL + "/scim", "COLUMNS=100"}, true, "apply", "-f", m, "--timeout", "2s")
	c.waitFor(t, "Only 'yes' is accepted")
	if _, err := c.tty.WriteString("yes\r"); err != nil {
		t.Fatal(err)
	}
	var seen strings.Builder
	read := func(s string) {
		t.Helper()
		deadline := time.After(hangTimeout)
		for !strings.Contains(seen.String(), s) {
			select {
			case chunk, ok := <-c.screen:
				if !ok {
					t.Fatalf("the terminal closed before showing %q:\n%q", s, seen.String())
				}
				seen.WriteString(chunk)
			case <-deadline:
				t.Fatalf("the terminal never showed %q:\n%q", s, seen.String())
			}
		}
	}
	read("create_user")
	if err := c.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	read("stopping (")
	out := seen.String()
	i := strings.Index(out, "\r\x1b[Kwbsync: ")
	if i < 0 || strings.HasSuffix(out[:i], "\n") {
		t.Errorf("the notice does not replace the progress line:\n%q", out)
	}
	if ws := c.exit(t); ws.ExitStatus() != exitFailed {
		t.Errorf("wait status %v, want exit %d", ws, exitFailed)
	}
}

// TestPromptSignalOnOneScreen: Ctrl-C at the prompt, standard error on the
// same terminal: the notice starts on the line after the question, and no
// blank line follows it.
func TestPromptSignalOnOneScreen(t *testing.T) {
	_, hs := emuServer(t, examplePath("emulator-state.json"))
	defer hs.Close()
	c := startPty(t, []string{"WANDB_API_KEY=" + testKey, "WBSYNC_URL=" + hs.URL + "/scim"}, true, "apply", "-f", examplePath("wbsync.yaml"))
	c.waitFor(t, "Only 'yes' is accepted: ")
	if err := c.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	var seen strings.Builder
	for chunk := range c.screen {
		seen.WriteString(chunk)
	}
	if ws := c.exit(t); ws.ExitStatus() != exitError {
		t.Fatalf("wait status %v, want exit 1:\n%q", ws, seen.String())
	}
	out := seen.String()
	if !strings.HasPrefix(out, "\r\nwbsync: SIGINT: stopping") || strings.Contains(out, "\n\r\n") {
		t.Errorf("after the question the terminal shows %q: want the notice on the next line, and no blank line", out)
	}
}

// TestPromptPlanNoLongerHolds: after "yes" wbsync reads the organization
// again and plans again; when the approved plan no longer holds it says
// what differs and what to run, and writes nothing (exit 1): the
// organization changed while the question waited (here a user created),
// for a plan from the manifest files and for a saved plan, or only the
// clock did (an unmanaged user's grace period ran out).
func TestPromptPlanNoLongerHolds(t *testing.T) {
	const grace = 5 * time.Second
	manifest, err := os.ReadFile(examplePath("wbsync.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	deactivating := filepath.Join(t.TempDir(), "wbsync.yaml")
	if err := os.WriteFile(deactivating, []byte(strings.NewReplacer(
		"unmanagedUsers: ignore", fmt.Sprintf("unmanagedUsers: deactivate\n  unmanagedGracePeriod: %s", grace),
		"maxDeactivations: 3", "maxDeactivations: 50").Replace(string(manifest))), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, header, again string
		saved, clock        bool
	}{
		{name: "org", header: "The organization changed while the question waited", again: "run apply again and review the new plan"},
		{name: "saved", saved: true, header: "The organization changed while the question waited", again: "plan again and review it: wbsync plan -f "},
		{name: "clock", clock: true, header: "the organization reads as it did, but the manifest now plans other changes", again: "run apply again"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, hs := emuServer(t, examplePath("emulator-state.json"))
			defer hs.Close()
			emu := &testEmu{url: hs.URL + "/scim"}
			env := []string{"WANDB_API_KEY=" + testKey, "WBSYNC_URL=" + emu.url}
			args := []string{"apply", "-f", examplePath("wbsync.yaml")}
			var created time.Time
			switch {
			case c.saved:
				saved := filepath.Join(t.TempDir(), "plan.json")
				if r := wb(t, map[string]string{"WANDB_API_KEY": testKey, "WBSYNC_URL": emu.url}, "plan", "-f", examplePath("wbsync.yaml"), "--out", saved); r.code != exitChanges && r.code != exitOK {
					t.Fatalf("plan --out: exit %d\n%s", r.code, r.stderr)
				}
				args = []string{"apply", saved}
			case c.clock:
				created = time.Now() // spared by the grace period when planned
				createByHand(t, emu, "zed@example.com", "zed@example.com")
				args = []string{"apply", "-f", deactivating}
			}
			c0 := startOnPty(t, env, args...)
			c0.waitFor(t, "Only 'yes' is accepted")
			before := writes(srv.Stats().Requests)
			if c.clock {
				// The question waits until the grace period has run out.
				time.Sleep(time.Until(created.Add(grace + 500*time.Millisecond)))
			} else {
				createByHand(t, emu, "zed@example.com", "zed@example.com")
				before++
			}
			if _, err := c0.tty.WriteString("yes\r"); err != nil {
				t.Fatal(err)
			}
			if ws := c0.exit(t); ws.ExitStatus() != exitError {
				t.Fatalf("wait status %v, want exit 1\n%s", ws, c0.stderr.String())
			}
			stderr := c0.stderr.String()
			for _, want := range []string{c.header, "nothing was written: " + c.again} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr does not say %q:\n%s", want, stderr)
				}
			}
			if c.clock && !strings.Contains(stderr, "deactivate user zed@example.com") {
				t.Errorf("stderr does not name the deactivation now planned:\n%s", stderr)
			}
			if n := writes(srv.Stats().Requests); n != before {
				t.Fatalf("%d writes after the question, want none: a plan that no longer holds was applied", n-before)
			}
		})
	}
}

// TestPromptAnswersOnlyWhatIsShown: "yes" typed while the organization is
// still being read (before the plan and the question are shown) answers
// nothing, and " yes " with spaces is not yes: exit 1, nothing written.
func TestPromptAnswersOnlyWhatIsShown(t *testing.T) {
	srv, hs := emuServer(t, examplePath("emulator-state.json"), emulator.Options{Latency: 300 * time.Millisecond})
	defer hs.Close()
	c := startOnPty(t, []string{"WANDB_API_KEY=" + testKey, "WBSYNC_URL=" + hs.URL + "/scim"}, "apply", "-f", examplePath("wbsync.yaml"))
	if _, err := c.tty.WriteString("yes\r"); err != nil { // typed ahead, during the read
		t.Fatal(err)
	}
	answerRefused(t, c, srv, " yes \r", "a typed-ahead or padded yes")
}

// answerRefused types answer at the yes prompt of c and asserts that it
// approves nothing: exit 1, no write to srv.
func answerRefused(t *testing.T, c *child, srv *emulator.Server, answer, what string) {
	t.Helper()
	c.waitFor(t, "Only 'yes' is accepted")
	if _, err := c.tty.WriteString(answer); err != nil {
		t.Fatal(err)
	}
	if ws := c.exit(t); ws.ExitStatus() != exitError {
		t.Fatalf("wait status %v, want exit 1\n%s", ws, c.stderr.String())
	}
	if n := writes(srv.Stats().Requests); n != 0 {
		t.Fatalf("%d writes: %s approved the plan", n, what)
	}
}

// TestPromptYesWithoutEnter: "yes" ended by Ctrl-D twice (the terminal
// hands over "yes", then end of input) was never entered as a line: it
// does not approve (exit 1, nothing written).
func TestPromptYesWithoutEnter(t *testing.T) {
	srv, hs := emuServer(t, examplePath("emulator-state.json"))
	defer hs.Close()
	c := startOnPty(t, []string{"WANDB_API_KEY=" + testKey, "WBSYNC_URL=" + hs.URL + "/scim"}, "apply", "-f", examplePath("wbsync.yaml"))
	answerRefused(t, c, srv, "yes\x04\x04", "a yes never entered")
}

// TestSignalWhileLoading: SIGTERM while the manifest (or the emulator's
// --state) is being read (here a pipe that never ends) exits 1 at once,
// nothing done; with JSON logs the signal's notice is a log entry like
// every other stderr line.
func TestSignalWhileLoading(t *testing.T) {
	for _, format := range []string{"console", "json"} {
		t.Run(format, func(t *testing.T) { signalWhileLoading(t, format, "validate", "-f") })
	}
	t.Run("emulate", func(t *testing.T) { signalWhileLoading(t, "console", "emulate", "--state") })
}

func signalWhileLoading(t *testing.T, format, command, fileFlag string) {
	fifo := filepath.Join(t.TempDir(), "wbsync.yaml")
	mkfifo(t, fifo)
	// Hold the pipe open for writing, never writing: the reader blocks in
	// read, not in open.
	w, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cmd := exec.Command(testBinary(t), command, fileFlag, fifo, "--log-format", format)
	var stderr safeBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitOpen(t, cmd.Process.Pid, fifo)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitError || !strings.Contains(stderr.String(), "interrupted") ||
			!strings.Contains(stderr.String(), "wbsync: SIGTERM: stopping (a second signal exits at once)") {
			t.Fatalf("exit %v, want 1 saying stopping and interrupted:\n%s", err, stderr.String())
		}
		if format == "json" {
			for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
				var e map[string]any
				if err := json.Unmarshal([]byte(line), &e); err != nil || e["level"] == nil {
					t.Errorf("stderr line is not a JSON log entry: %q", line)
				}
			}
		}
	case <-time.After(hangTimeout):
		t.Fatalf("%s did not exit after SIGTERM while loading", command)
	}
}

// waitOpen waits until process pid has path open (reading /proc).
func waitOpen(t *testing.T, pid int, path string) {
	t.Helper()
	deadline := time.Now().Add(hangTimeout)
	dir := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if target, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil && target == path {
				return
			}
		}
		time.Sleep(5 * time.Millisecond) // polling /proc for a condition
	}
	t.Fatalf("process %d never opened %s", pid, path)
}

// TestSecondSignalExitsAtOnce: during an apply whose write hangs, the first
// SIGINT starts the drain; the second gives up the write in flight, lets
// the report be saved and printed, and ends the process at once.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	// A background job of a script starts with SIGINT ignored: the second
	// signal still ends it at once, with the status a shell would show.
	for _, ignored := range []bool{false, true} {
		for _, report := range []bool{false, true} {
			t.Run(fmt.Sprintf("ignored at start %v, --report %v", ignored, report), func(t *testing.T) { secondSignal(t, ignored, report) })
		}
	}
}

func secondSignal(t *testing.T, ignoredAtStart, withReport bool) {
	srv := newEmulator(t, "")
	var writing atomic.Bool
	inFlight := make(chan struct{}, 1)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			io.Copy(io.Discard, r.Body) // read it all, so a closed connection ends r.Context()
			if writing.CompareAndSwap(false, true) {
				inFlight <- struct{}{}
			}
			<-r.Context().Done() // never answers a write
			return
		}
		srv.ServeHTTP(w, r)
	}))
	defer hs.Close()
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\nteams: []\n")
	args := []string{"apply", "-f", m, "--auto-approve", "--timeout", "10m", "-o", "json"}
	report := filepath.Join(t.TempDir(), "report.json")
	if withReport {
		args = append(args, "--report", report)
	}
	cmd := exec.Command(testBinary(t), args...)
	if ignoredAtStart {
		cmd = exec.Command("sh", append([]string{"-c", `trap "" INT; exec "$0" "$@"`, testBinary(t)}, args...)...)
	}
	stdout, stderr := startAt(t, cmd, hs.URL)
	select {
	case <-inFlight:
	case <-time.After(hangTimeout):
		t.Fatalf("no write arrived:\n%s", stderr.String())
	}
	cmd.Process.Signal(os.Interrupt) // drain: the write may take up to --timeout (10m)
	waitFor(t, func() bool {
		return strings.Contains(stderr.String(), "stopping (a second signal gives up the writes in flight and exits once the report is saved, within a second)")
	}, stderr)
	cmd.Process.Signal(os.Interrupt) // the second: at once
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
		// Ended by the signal's default action (a shell shows 130); when
		// the signal was ignored at start, by exiting 130 itself.
		if ignoredAtStart && (ws.Signaled() || ws.ExitStatus() != 130) || !ignoredAtStart && (!ws.Signaled() || ws.Signal() != syscall.SIGINT) {
			t.Fatalf("wait status %v after two signals (ignored at start: %v), want SIGINT's 130\n%s", ws, ignoredAtStart, stderr.String())
		}
		says := "again: exiting now; any write still in flight was given up (unknown), as the report above says"
		if withReport {
			says = "again: exiting now; any write still in flight was given up (unknown), and the apply report was saved in " + report + " and printed"
		}
		if !strings.Contains(stderr.String(), says) {
			t.Errorf("the second signal did not say %q:\n%s", says, stderr.String())
		}
		// The report, on stdout and in --report, gives the write in
		// flight as unknown.
		outs := []string{stdout.String()}
		if withReport {
			data, err := os.ReadFile(report)
			if err != nil {
				t.Fatal(err)
			}
			outs = append(outs, string(data))
		}
		for _, out := range outs {
			var rep struct {
				Interrupted bool `json:"interrupted"`
				Unknown     int  `json:"unknown"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil || !rep.Interrupted || rep.Unknown != 1 {
				t.Errorf("report %+v (%v), want interrupted with the create unknown:\n%s", rep, err, out)
			}
		}
	case <-time.After(hangTimeout):
		t.Fatalf("the second signal did not end the process\n%s", stderr.String())
	}
}

// TestSignalWhileVerifying: a signal during apply's verification read,
// after every write was answered, promises no writes to give up: the
// notice says a second signal exits once the report is saved; the run
// ends with the verification not run and the report saying interrupted.
func TestSignalWhileVerifying(t *testing.T) {
	srv := newEmulator(t, "")
	var wrote atomic.Bool
	verifying := make(chan struct{}, 1)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			wrote.Store(true)
		} else if wrote.Load() {
			select {
			case verifying <- struct{}{}:
			default:
			}
			<-r.Context().Done() // the verification read never answers
			return
		}
		srv.ServeHTTP(w, r)
	}))
	defer hs.Close()
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\nteams: []\n")
	cmd := exec.Command(testBinary(t), "apply", "-f", m, "--auto-approve", "-o", "json")
	stdout, stderr := startAt(t, cmd, hs.URL)
	select {
	case <-verifying:
	case <-time.After(hangTimeout):
		t.Fatalf("no verification read arrived:\n%s", stderr.String())
	}
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(hangTimeout):
		t.Fatalf("the signal did not end the verification\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "stopping (a second signal exits once the report is saved, within a second)") || strings.Contains(stderr.String(), "gives up the writes in flight") {
		t.Errorf("the notice promises writes to give up, or says nothing:\n%s", stderr.String())
	}
	var rep struct {
		Interrupted bool `json:"interrupted"`
		OK          int  `json:"ok"`
	}
	if err := json.Unmarshal([]byte(stdout.String()), &rep); err != nil || !rep.Interrupted || rep.OK != 1 {
		t.Errorf("report %+v (%v), want interrupted with the create ok:\n%s", rep, err, stdout.String())
	}
}

// startAt starts cmd, a wbsync command, against the SCIM server at url
// (its /scim), with the test key, and returns its stdout and stderr; it
// is killed when the test ends.
func startAt(t *testing.T, cmd *exec.Cmd, url string) (stdout, stderr *safeBuffer) {
	t.Helper()
	cmd.Env = []string{"WANDB_API_KEY=" + testKey, "WBSYNC_URL=" + url + "/scim", "PATH=" + os.Getenv("PATH")}
	stdout, stderr = &safeBuffer{}, &safeBuffer{}
	cmd.Stderr, cmd.Stdout = stderr, stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return stdout, stderr
}

// waitFor polls cond until it holds (a condition, never a fixed sleep).
func waitFor(t *testing.T, cond func() bool, out *safeBuffer) {
	t.Helper()
	deadline := time.Now().Add(hangTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition never held:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSecondSignalNotice: a second signal never denies a report already
// saved (one that lands just after apply saved --report).
func TestSecondSignalNotice(t *testing.T) {
	planSaved.Store(nil)
	report := "report.json"
	for _, tc := range []struct {
		started, printed bool
		report           *string
		says             string
	}{
		{false, false, nil, "nothing was written"},
		{true, false, nil, "no report is written"},
		{true, true, nil, "any write still in flight was given up (unknown), as the report above says"},
		{true, false, &report, "the apply report was saved in report.json (stdout may lack it)"},
		{true, true, &report, "the apply report was saved in report.json and printed"},
	} {
		if got := secondSignalNotice(syscall.SIGINT, tc.started, nil, tc.report, tc.printed, nil); !strings.Contains(got, tc.says) {
			t.Errorf("started %v, report %v, printed %v: %q, want it to say %q", tc.started, tc.report != nil, tc.printed, got, tc.says)
		}
	}
	// A plan saved with --out before the metrics file: said, not denied.
	out := "p.plan"
	if got := secondSignalNotice(syscall.SIGINT, false, &out, nil, false, nil); !strings.Contains(got, "the plan was saved in p.plan") || strings.Contains(got, "nothing was written") {
		t.Errorf("after the plan file was saved: %q", got)
	}
}

// TestSignalsWithStderrBlocked: a stderr that blocks (a terminal whose
// output is stopped with Ctrl-S, a pipe nobody reads) delays what a signal
// says but never the signal: the first still cancels the run and the
// second still ends the process. (The notice was written before cancel, so
// a blocked write swallowed both.)
func TestSignalsWithStderrBlocked(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	sigs <- syscall.SIGTERM
	sigs <- syscall.SIGTERM
	blocked := make(chan struct{})
	defer close(blocked)
	canceled, ended := make(chan error, 1), make(chan os.Signal, 1)
	go watchSignals(sigs,
		func(cause error) { canceled <- cause },
		func(string) { <-blocked }, // every notice blocks, as a write to a stopped terminal does
		func(s os.Signal) { ended <- s })
	guard := time.NewTimer(time.Minute) // a failure guard only: the run takes two notice waits
	defer guard.Stop()
	select {
	case cause := <-canceled:
		if cause == nil || cause.Error() != "SIGTERM received" { // a shell's name: "terminated received" read as a state
			t.Errorf("canceled with %v", cause)
		}
	case <-guard.C:
		t.Fatal("the first signal did not cancel the run while stderr blocked")
	}
	select {
	case s := <-ended:
		if s != syscall.SIGTERM {
			t.Errorf("ended by %v", s)
		}
	case <-guard.C:
		t.Fatal("the second signal did not end the process while stderr blocked")
	}
}

// TestManifestTypedOnTheTerminal: a manifest typed on the terminal for
// -f - ends at one Ctrl-D at the start of a line, as cat's input does (a
// terminal's end of input is not met twice).
func TestManifestTypedOnTheTerminal(t *testing.T) {
	c := startOnPty(t, nil, "validate", "-f", "-")
	if _, err := io.WriteString(c.tty, "version: 1\nusers:\n  - email: a@example.com\n\x04"); err != nil {
		t.Fatal(err)
	}
	c.waitFor(t, "Manifest is valid: 1 users")
	if st := c.exit(t); st.ExitStatus() != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", st.ExitStatus(), c.stderr.String())
	}
}

// TestLastEntrySaysTheSignalStatus: once a second signal is handled, the
// process ends by it (130 for SIGINT) whatever the command returns: the
// command's last log entry, when it comes before the end, says that status
// in exit_code, not the command's own code.
func TestLastEntrySaysTheSignalStatus(t *testing.T) {
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"validate", "-f", filepath.Join(t.TempDir(), "missing.yaml"), "--log-format", "json"}, env{
		stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr, getenv: func(string) string { return "" },
		endStatus: func() int { return signalStatus(syscall.SIGINT) },
	})
	e := errorsContaining(jsonLog(t, stderr.String()), "wbsync validate:")
	if code != exitError || len(e) != 1 || e[0]["exit_code"] != float64(130) {
		t.Errorf("exit %d; want the last entry's exit_code 130:\n%s", code, stderr.String())
	}
}

// TestInterruptStopsRetries: a member add (a PATCH, which no look-up
// follows) answered 503 with Retry-After would be sent again; the first
// signal arrives with that answer: the add is not sent again (a retry is
// a new write), and it is not reported failed (a 503 may come from a proxy
// that passed the request on).
func TestInterruptStopsRetries(t *testing.T) {
	seed := writeState(t, map[string]any{
		"users": []any{map[string]any{"userName": "a@example.com"}},
		"teams": []any{map[string]any{"name": "ml", "members": []any{}}},
	})
	srv := newEmulator(t, seed)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var patches atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/Groups/") && patches.Add(1) == 1 {
			cancel() // Ctrl-C as the 503 is sent
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		srv.ServeHTTP(w, r)
	}))
	defer hs.Close()
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: a@example.com\nteams:\n  - name: ml\n    members: [a@example.com]\n")
	var out, errb strings.Builder
	code := run(ctx, []string{"apply", "-f", m, "--auto-approve", "-o", "json"}, env{
		stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return vars(hs.URL + "/scim")[k] },
	})
	// Run waits for what is in flight, retries included.
	if n := patches.Load(); n != 1 {
		t.Fatalf("the add was sent %d times, want 1: no retry after the signal\n%s", n, errb.String())
	}
	if code != exitFailed {
		t.Fatalf("exit %d, want 4\n%s\n%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "not tried again: the run was interrupted") || strings.Contains(out.String(), `"status": "failed"`) {
		t.Errorf("want the add unknown, not tried again for the interrupt:\n%s", out.String())
	}
}
