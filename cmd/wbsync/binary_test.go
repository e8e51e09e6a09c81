package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/wbsync/wbsync/internal/rawserve"
	"github.com/wbsync/wbsync/pkg/emulator"
)

// The built binary, for tests that need a real process: cron recipes, peak
// memory (the child's maximum resident set size), signals.

var builtBin struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// fsizeEnv, set to a path, makes the test binary check that path for a
// 1 MiB report under a 64 KiB file size limit and print the outcome (see
// TestCheckWritableUnderFileLimit).
const fsizeEnv = "WBSYNC_TEST_FSIZE"

// TestMain removes the built binary's directory after the tests. Started
// with peakEnv set, the test binary is instead the small parent that
// runPeak measures through (see peakParent).
func TestMain(m *testing.M) {
	if path := os.Getenv(fsizeEnv); path != "" {
		checkUnderFileLimit(path) // unix only: the test that sets it is too
	}
	if file := os.Getenv(peakEnv); file != "" {
		os.Exit(peakParent(file, os.Args[1:]))
	}
	code := m.Run()
	if builtBin.dir != "" {
		os.RemoveAll(builtBin.dir)
	}
	os.Exit(code)
}

// testBinary builds the wbsync binary once per test process.
func testBinary(t testing.TB) string {
	t.Helper()
	builtBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "wbsync-test-bin-")
		if err != nil {
			builtBin.err = err
			return
		}
		builtBin.dir = dir
		builtBin.path = filepath.Join(dir, "wbsync")
		out, err := exec.Command("go", "build", "-o", builtBin.path, ".").CombinedOutput()
		if err != nil {
			builtBin.err = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if builtBin.err != nil {
		t.Fatal(builtBin.err)
	}
	return builtBin.path
}

// procRun is a finished run of the binary.
type procRun struct {
	code           int
	stdout, stderr string
	maxRSS         int64 // peak resident set size in bytes
}

// runBinary runs the binary with env (added to a clean environment) and
// args, and returns its exit code and output.
func runBinary(t testing.TB, env []string, args ...string) procRun {
	t.Helper()
	return runProc(t, env, false, args)
}

// runPeak is runBinary that also measures the binary's peak resident set
// size.
//
// The child's own rusage cannot be trusted for that here: Linux carries the
// high-water mark of the memory a process execs from into its maxrss, and
// Go starts children with vfork, sharing the parent's memory, so a child of
// this test process reports at least this process's own peak (hundreds of
// MB under -race beside the other tests). The binary is therefore started
// by a fresh, small copy of the test binary (peakParent), whose peak is a
// few MB, and which hands back the binary's maxrss through a file.
func runPeak(t testing.TB, env []string, args ...string) procRun {
	t.Helper()
	return runProc(t, env, true, args)
}

// peakEnv names the file a peakParent writes the measured maxrss to.
const peakEnv = "WBSYNC_TEST_PEAK_FILE"

func runProc(t testing.TB, env []string, peak bool, args []string) procRun {
	t.Helper()
	bin := testBinary(t)
	var peakFile string
	cmd := exec.Command(bin, args...)
	if peak {
		peakFile = filepath.Join(t.TempDir(), "peak")
		cmd = exec.Command(os.Args[0], append([]string{bin}, args...)...)
		env = append(env[:len(env):len(env)], peakEnv+"="+peakFile)
	}
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var stdout, stderr safeBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := procRun{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	if peak {
		b, err := os.ReadFile(peakFile)
		if err != nil {
			t.Fatalf("the measuring parent left no peak: %v\nstderr:\n%s", err, r.stderr)
		}
		if r.maxRSS, err = strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err != nil {
			t.Fatalf("the measuring parent's peak %q: %v", b, err)
		}
	}
	return r
}

// peakParent runs args (the binary and its arguments) with this process's
// standard streams and an environment without peakEnv, writes the child's
// maxrss in bytes to file, and returns the child's exit code (128+signal
// when a signal ended it).
func peakParent(file string, args []string) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, peakEnv+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		fmt.Fprintln(os.Stderr, "peakParent:", err)
		return 125
	}
	peak, ok := maxRSS(cmd.ProcessState)
	if !ok {
		fmt.Fprintln(os.Stderr, "peakParent: no rusage on this system")
		return 125
	}
	if err := os.WriteFile(file, []byte(strconv.FormatInt(peak, 10)), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "peakParent:", err)
		return 125
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return cmd.ProcessState.ExitCode()
}

// safeBuffer is a bytes buffer safe for the concurrent writes of a child's
// stdout and stderr copiers.
type safeBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = append(s.b, p...)
	return len(p), nil
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.b)
}

// TestOutputIsAStandardStream: an output that is the file the process's
// standard output or error goes to (/dev/stdout with > file, the same
// file named twice) is refused before anything is read: the saved plan
// replaced the printed plan, or trace lines and log lines overwrote each
// other.
func TestOutputIsAStandardStream(t *testing.T) {
	bin := testBinary(t)
	dir := t.TempDir()
	emu := startEmu(t, emulator.Options{}, examplePath("emulator-state.json")) // the plan is made, and saved last
	for _, tc := range []struct {
		stream string // which stream goes to the file
		args   []string
		says   string
	}{
		{"stdout", []string{"--out", "/dev/stdout"}, "--out /dev/stdout is this run's standard output"},
		{"stderr", []string{"--trace", "/dev/stderr"}, "--trace /dev/stderr is this run's standard error"},
		{"stdout", []string{"--metrics-file", filepath.Join(dir, "stdout.txt")}, "is this run's standard output"},
		{"null", []string{"--out", os.DevNull}, os.DevNull + " is not a regular file"},
	} {
		file := filepath.Join(dir, tc.stream+".txt")
		if tc.stream == "null" { // stdout is /dev/null, as --out: the device's refusal
			file = os.DevNull
		}
		fh, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		var other safeBuffer
		cmd := exec.Command(bin, append([]string{"plan", "-f", examplePath("wbsync.yaml")}, tc.args...)...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "WANDB_API_KEY=" + testKey, "WBSYNC_URL=" + emu.url}
		if tc.stream != "stderr" {
			cmd.Stdout, cmd.Stderr = fh, &other
		} else {
			cmd.Stdout, cmd.Stderr = &other, fh
		}
		err = cmd.Run()
		fh.Close()
		b, _ := os.ReadFile(file)
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitError || !strings.Contains(string(b)+other.String(), tc.says) {
			t.Errorf("%q with %s to a file: %v, want exit 1 saying %q\n%s%s", tc.args, tc.stream, err, tc.says, b, other.String())
		}
	}
}

// TestUnusableProxyRefusedAtOnce: a proxy setting no request could go
// through (an invalid port, a value that names no host) is refused before
// any request, naming the variable and not quoting its value (it may hold
// a password), where every request would have been retried for the whole
// budget. A loopback URL goes around the proxy, as net/http has it. (The
// other URL is under .invalid, which never resolves: were the check to
// regress, no real host would be asked.)
func TestUnusableProxyRefusedAtOnce(t *testing.T) {
	bin := testBinary(t)
	emu := startEmu(t, emulator.Options{}, "")
	for _, tc := range []struct{ proxy, url, want string }{
		{"http://user:s3cret@127.0.0.1:99999", "https://wandb.invalid/scim", "the proxy HTTPS_PROXY (or https_proxy) names for https://wandb.invalid is not usable: its port is not a number from 1 to 65535"},
		{"not a url", "https://wandb.invalid/scim", "is not usable: it names no host"},
		// Read again by net/http as http://http://, a proxy host "http".
		{"http://", "https://wandb.invalid/scim", "is not usable: it names no host"},
		{"http:///", "https://wandb.invalid/scim", "is not usable: it names no host"},
		// net/http drops a value that does not parse and goes around it.
		{"http://user:s3cret%zz@127.0.0.1:18231", "https://wandb.invalid/scim", "is not usable: it does not parse as a URL"},
		{"http://127.0.0.1:99999", emu.url, ""},
	} {
		cmd := exec.Command(bin, "plan", "-f", examplePath("wbsync.yaml"), "--url", tc.url)
		cmd.Env = []string{"WANDB_API_KEY=" + testKey, "HTTPS_PROXY=" + tc.proxy, "HTTP_PROXY=" + tc.proxy, "PATH=" + os.Getenv("PATH")}
		out, err := cmd.CombinedOutput()
		code := 0
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		if tc.want == "" {
			if code != 0 {
				t.Errorf("loopback URL with HTTPS_PROXY %q: exit %d\n%s", tc.proxy, code, out)
			}
			continue
		}
		if code != exitError || !strings.Contains(string(out), tc.want) || strings.Contains(string(out), "s3cret") || strings.Contains(string(out), "retry") {
			t.Errorf("HTTPS_PROXY %q: exit %d, want 1 and %q, no password, no retry:\n%s", tc.proxy, code, tc.want, out)
		}
	}
	// In a CGI environment (REQUEST_METHOD set) net/http refuses HTTP_PROXY
	// for every http:// URL, loopback included: said as such.
	cmd := exec.Command(bin, "plan", "-f", examplePath("wbsync.yaml"), "--url", emu.url)
	cmd.Env = []string{"WANDB_API_KEY=" + testKey, "REQUEST_METHOD=GET", "HTTP_PROXY=http://proxy.example:3128", "NO_PROXY=127.0.0.1", "PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if ee := (*exec.ExitError)(nil); !errors.As(err, &ee) || ee.ExitCode() != exitError ||
		!strings.Contains(string(out), "REQUEST_METHOD is set (a CGI environment), where Go refuses HTTP_PROXY for http:// URLs (unset HTTP_PROXY or REQUEST_METHOD)") {
		t.Errorf("HTTP_PROXY under REQUEST_METHOD: %v, want exit 1 saying why\n%s", err, out)
	}
}

// TestProxyRefusalThroughTheBinary: an HTTPS_PROXY that refuses the tunnel
// with 407 (its credentials wrong) fails the plan at once, saying so in
// wbsync's words: no retry, and nothing of the proxy's reason phrase,
// which here echoes the Proxy-Authorization it was sent (the password in
// HTTPS_PROXY, in Basic form). (The URL is under .invalid, which never
// resolves: only the proxy on loopback is asked.)
func TestProxyRefusalThroughTheBinary(t *testing.T) {
	bin := testBinary(t)
	var connects atomic.Int32
	proxy := rawserve.Serve(t, func(conn net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(conn))
		if err != nil {
			return
		}
		connects.Add(1)
		fmt.Fprintf(conn, "HTTP/1.1 407 denied %s\r\nContent-Length: 0\r\n\r\n", req.Header.Get("Proxy-Authorization"))
	})
	cmd := exec.Command(bin, "plan", "-f", examplePath("wbsync.yaml"), "--url", "https://wandb.invalid/scim")
	cmd.Env = []string{"WANDB_API_KEY=" + testKey, "HTTPS_PROXY=http://proxyuser:Pr0xyPassw0rd99@" + proxy, "PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if ee := (*exec.ExitError)(nil); !errors.As(err, &ee) || ee.ExitCode() != exitError {
		t.Fatalf("exit %v, want 1\n%s", err, out)
	}
	const want = "the proxy answered the tunnel request (CONNECT) 407 Proxy Authentication Required (the proxy HTTPS_PROXY (or https_proxy) names wants credentials it was not given or did not accept"
	if !strings.Contains(string(out), want) {
		t.Errorf("want %q in\n%s", want, out)
	}
	for _, leak := range []string{"denied", "Basic", "Pr0xyPassw0rd99", "proxyuser", "retrying"} {
		if strings.Contains(string(out), leak) {
			t.Errorf("%q in\n%s", leak, out)
		}
	}
	// One tunnel request per read the plan starts (users, teams), each
	// once: a retried one is asked again and again.
	if n := connects.Load(); n < 1 || n > 3 {
		t.Errorf("%d tunnel requests, want 1 to 3 (none asked again)\n%s", n, out)
	}
}
