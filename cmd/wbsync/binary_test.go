package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// The built binary, for tests that need a real process: cron recipes, peak
// memory (the child's maximum resident set size), signals.

var builtBin struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// TestMain removes the built binary's directory after the tests.
func TestMain(m *testing.M) {
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
// args, and returns its exit code, output and peak memory.
func runBinary(t testing.TB, env []string, args ...string) procRun {
	t.Helper()
	cmd := exec.Command(testBinary(t), args...)
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
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return r
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
