package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wbsync/wbsync/pkg/emulator"
	"github.com/wbsync/wbsync/pkg/progress"
)

// TestWriteFileAtomic: the file is replaced whole, with its mode, and no
// temporary file is left, whether the write succeeds or not.
func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	if err := writeFileAtomic(context.Background(), path, []byte("first\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644&^umask(t) {
		t.Errorf("new file's mode %v, want 0644 less the umask", fi.Mode().Perm())
	}
	// The owner locks the file down; replacing it keeps its mode.
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(context.Background(), path, []byte("second\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "second\n" {
		t.Fatalf("content %q, %v", b, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v after replacing a 0600 file, want 0600", fi.Mode().Perm())
	}
	if err := writeFileAtomic(context.Background(), filepath.Join(dir, "missing", "x.json"), []byte("x"), 0o644); err == nil {
		t.Error("a write into a missing directory succeeded")
	}
	if err := writeFileAtomic(context.Background(), dir, []byte("x"), 0o644); err == nil {
		t.Error("a directory was replaced by a file")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

// refuseTemp is a newTemp that refuses with errno a temporary file in any
// of dirs, as a directory that takes no new file does.
func refuseTemp(errno syscall.Errno, dirs ...string) func(string, string, os.FileMode) (*os.File, error) {
	return func(in, prefix string, perm os.FileMode) (*os.File, error) {
		if slices.Contains(dirs, in) {
			return nil, &fs.PathError{Op: "open", Path: filepath.Join(in, prefix), Err: errno}
		}
		return createTemp(in, prefix, perm)
	}
}

// TestWriteInPlace: an existing file that may be written but not
// replaced (a file mounted on its own: rename says EBUSY or EXDEV; a
// directory that takes no new file) is written in place, whole, keeping
// its mode, and no temporary file is left; a new file, or a rename refused
// for another reason, is an error.
func TestWriteInPlace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	mountPoint := func(from, to string) error {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: syscall.EBUSY}
	}
	noNewFile := refuseTemp(syscall.EACCES, dir)
	for _, tc := range []struct {
		name    string
		rename  func(string, string) error
		temp    func(string, string, os.FileMode) (*os.File, error)
		exists  bool
		wantErr string
	}{
		{"a mount point", mountPoint, createTemp, true, ""},
		{"across devices", func(from, to string) error {
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: syscall.EXDEV}
		}, createTemp, true, ""},
		{"a directory that takes no new file", os.Rename, noNewFile, true, ""},
		{"a new file on a mount point", mountPoint, createTemp, false, "device or resource busy"},
		{"a new file in a directory that takes none", os.Rename, noNewFile, false, "cannot create a file in"},
		{"a rename refused otherwise", func(from, to string) error {
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: syscall.EPERM}
		}, createTemp, true, "operation not permitted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(path)
			if tc.exists {
				if err := os.WriteFile(path, []byte("the old report, longer than the new one"), 0o640); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, 0o640); err != nil { // whatever the umask
					t.Fatal(err)
				}
			}
			renameFile, newTemp = tc.rename, tc.temp
			defer func() { renameFile, newTemp = os.Rename, createTemp }()
			err := writeFileAtomic(context.Background(), path, []byte("new"), 0o644)
			got, _ := os.ReadFile(path)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tc.wantErr == "" && string(got) != "new":
				t.Fatalf("the file holds %q, want %q", got, "new")
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			case tc.wantErr != "" && tc.exists && string(got) != "the old report, longer than the new one":
				t.Fatalf("a failed write left %q", got)
			}
			if fi, err := os.Stat(path); tc.exists && (err != nil || fi.Mode().Perm() != 0o640) {
				t.Errorf("mode %v, err %v: want the file's 0640 kept", fi.Mode().Perm(), err)
			}
			for _, d := range []string{dir, os.TempDir()} {
				entries, _ := os.ReadDir(d)
				for _, e := range entries {
					if strings.Contains(e.Name(), "report.json.tmp-") {
						t.Errorf("temporary file left: %s", filepath.Join(d, e.Name()))
					}
				}
			}
			// plan's check of --out before its read agrees, and so does
			// apply's check of --report before its first write, which
			// wants room for the report (in $TMPDIR for an in-place
			// write).
			noNew := strings.Contains(tc.name, "takes")
			if _, err := checkOutput(output{"--out", path, writesPlan}); (err == nil) != (tc.exists || !noNew) {
				t.Errorf("checkOutput: %v", err)
			}
			if _, err := checkWritable(context.Background(), path, 1<<10); (err == nil) != (tc.exists || !noNew) {
				t.Errorf("checkWritable: %v", err)
			}
		})
	}
}

func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	if _, err := checkWritable(context.Background(), filepath.Join(dir, "report.json"), 1<<20); err != nil {
		t.Errorf("a writable path: %v", err)
	}
	if _, err := checkWritable(context.Background(), filepath.Join(dir, "no", "report.json"), 1); err == nil {
		t.Error("a path in a missing directory is writable?")
	}
	if _, err := checkWritable(context.Background(), dir, 1); err == nil {
		t.Error("a directory is writable as a file?")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("checkWritable left %d file(s)", len(entries))
	}
}

// TestReportProbeLeavesNothing: the --report probe stops when the run is
// interrupted and leaves no file; a second signal removes one being
// written (the process ends without running the probe's cleanup).
func TestReportProbeLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := checkWritable(ctx, filepath.Join(dir, "report.json"), 1<<20); !errors.Is(err, context.Canceled) {
		t.Errorf("an interrupted probe: %v", err)
	}
	probe := filepath.Join(dir, ".report.json.check-1")
	if err := os.WriteFile(probe, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	writing.Store(probe, true)
	defer writing.Delete(probe)
	twoSignals()
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left after the second signal: %v", entries)
	}
}

// twoSignals has watchSignals handle two interrupts, and returns once the
// second has ended the run (as the process would end).
func twoSignals() {
	sigs := make(chan os.Signal, 2)
	sigs <- syscall.SIGINT
	sigs <- syscall.SIGINT
	ended := make(chan struct{})
	watchSignals(sigs, func(error) {}, func(string) {}, func(os.Signal) { close(ended) })
	<-ended
}

// TestSecondSignalRemovesTempFiles: a second signal while a file is being
// written (a plan, an export) removes its temporary file: the process ends
// without writeAtomic's cleanup, and "nothing was written" holds on disk.
// The write the signal cut short then fails, and replaces nothing.
func TestSecondSignalRemovesTempFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	started, resume := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- writeAtomic(context.Background(), path, 0o644, func(w io.Writer) error {
			if _, err := io.WriteString(w, "the whole plan"); err != nil {
				return err
			}
			close(started)
			<-resume
			return nil
		})
	}()
	<-started
	twoSignals()
	entries, _ := os.ReadDir(dir)
	close(resume)
	if len(entries) != 1 || entries[0].Name() != "plan.json" {
		t.Errorf("after the second signal: %v, want plan.json alone", entries)
	}
	if err := <-done; err == nil {
		t.Error("the write cut short succeeded")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("plan.json = %q, want the old file", b)
	}
}

// TestReadCapped: a regular file over the cap is refused by its size, a
// device (endless) after the cap.
func TestReadCapped(t *testing.T) {
	p := writeFile(t, "k", strings.Repeat("k", 100))
	if _, _, err := readCapped(p, 99, "key"); err == nil || !strings.Contains(err.Error(), "100 bytes") {
		t.Errorf("over the cap: %v", err)
	}
	if b, _, err := readCapped(p, 100, "key"); err != nil || len(b) != 100 {
		t.Errorf("at the cap: %d, %v", len(b), err)
	}
	if _, _, err := readCapped("/dev/zero", 4096, "key"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("/dev/zero: %v", err)
	}
}

// TestReadCappedAllocatesTheFileOnce: a regular file is read into one
// buffer of its size (a 140 MB saved plan, a 23 MB manifest), not into
// one that doubles twenty times over, allocating twice the file; with
// and without the checks that peek at its head.
func TestReadCappedAllocatesTheFileOnce(t *testing.T) {
	const size = 8 << 20
	p := writeFile(t, "plan.json", "{"+strings.Repeat(" ", size-2)+"}")
	for _, checks := range [][]func([]byte) error{nil, {jsonObject}} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		b, _, err := readCapped(p, size, "saved plan", checks...)
		runtime.ReadMemStats(&after)
		if err != nil || len(b) != size {
			t.Fatalf("read %d bytes, %v", len(b), err)
		}
		if got := float64(after.TotalAlloc-before.TotalAlloc) / size; got > 1.1 {
			t.Errorf("%d check(s): reading an %d-byte file allocated %.2f× its size, want about once", len(checks), size, got)
		}
	}
}

// TestManifestNotText: a manifest whose first bytes hold NULs (binaryNULs)
// is refused from them, at the place the loader would name (/dev/zero at
// once, not after the 256 MiB cap), while a UTF-16 one, whose ASCII is
// half NUL, still loads. A text file with one stray NUL goes to the
// loader: its problem is listed with the other files' (and -o json gives
// it the usual shape), at the column the loader counts, after a
// byte-order mark too.
func TestManifestNotText(t *testing.T) {
	for path, want := range map[string]string{
		"/dev/zero": "/dev/zero:1:1: invalid YAML: character U+0000",
		writeFile(t, "bin.yaml", "version: 1\nusers:\n  - email: é\x00\x00\x00\x00"): "bin.yaml:3:13: invalid YAML: character U+0000",
		// One NUL among bytes that are not UTF-8 either: random bytes.
		writeFile(t, "rand.yaml", "\x89\xf3k\x00\x17\xc8"): "rand.yaml:1:4: invalid YAML: character U+0000",
	} {
		r := wb(t, nil, "validate", "-f", path)
		if r.code != exitError || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "(the file was not read further)") {
			t.Errorf("%s: exit %d, want 1 and %q:\n%s", path, r.code, want, r.stderr)
		}
	}
	other := writeFile(t, "other.yaml", "users:\n  - email: b@example.com\n    nam: B\n")
	nul := writeFile(t, "nul.yaml", "\ufeffversion: 1\nusers:\n  - email: é\x00")
	r := wb(t, nil, "validate", "-f", nul, "-f", other, "-o", "json")
	var out struct {
		Problems []struct {
			File         string
			Line, Column int
			Message      string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != exitError || len(out.Problems) != 2 {
		t.Fatalf("exit %d, %v, want 1 and both files' problems:\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	if p := out.Problems[0]; p.File != nul || p.Line != 3 || p.Column != 13 || strings.Contains(p.Message, nul) {
		t.Errorf("the NUL's problem: %+v, want %s at 3:13, the message without the place", p, nul)
	}
	u16 := []byte{0xFF, 0xFE}
	for _, c := range "version: 1\nusers:\n  - email: a@example.com\n" {
		u16 = append(u16, byte(c), 0)
	}
	r = wb(t, nil, "validate", "-f", writeFile(t, "u16.yaml", string(u16)))
	if r.code != exitOK {
		t.Errorf("UTF-16 manifest: exit %d:\n%s", r.code, r.stderr)
	}
	// Without the byte order mark it is refused, saying what it is.
	var be32 []byte
	for _, c := range "version: 1\n" {
		be32 = append(be32, 0, 0, 0, byte(c))
	}
	for name, data := range map[string][]byte{"le.yaml": u16[2:], "be.yaml": append([]byte{0}, u16[2:len(u16)-1]...), "be32.yaml": be32} {
		r := wb(t, nil, "validate", "-f", writeFile(t, name, string(data)))
		if want := name + ":1:1: the file looks like UTF-16 (or UTF-32) without a byte-order mark"; r.code != exitError ||
			!strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "save it as UTF-8") {
			t.Errorf("%s: exit %d, want 1 and %q:\n%s", name, r.code, want, r.stderr)
		}
	}
	// UTF-32 with its byte-order mark is refused as UTF-32 (the
	// little-endian mark starts as UTF-16's does), not as a file lacking
	// a mark, nor at its first NUL.
	var le, be []byte
	for _, c := range "\ufeffversion: 1\nusers:\n  - email: a@example.com\n" {
		le = append(le, byte(c), byte(c>>8), 0, 0)
		be = append(be, 0, 0, byte(c>>8), byte(c))
	}
	for name, data := range map[string][]byte{"le32.yaml": le, "be32.yaml": be} {
		r := wb(t, nil, "validate", "-f", writeFile(t, name, string(data)))
		if want := name + ":1:1: the file is UTF-32 (it starts with a UTF-32 byte-order mark): save it as UTF-8"; r.code != exitError || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: exit %d, want 1 and %q:\n%s", name, r.code, want, r.stderr)
		}
	}
}

// TestAwait: a signal (ctx done) ends the wait at once, even while the work
// blocks.
func TestAwait(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	block := make(chan struct{})
	defer close(block)
	cancel()
	if _, err := await(ctx, func() (int, error) { <-block; return 1, nil }); !errors.Is(err, errInterrupted) {
		t.Errorf("err = %v", err)
	}
	if v, err := await(context.Background(), func() (int, error) { return 7, nil }); v != 7 || err != nil {
		t.Errorf("%d, %v", v, err)
	}
	// A panic in f (loading, planning) reaches guard: exit 1 with the
	// panic and its stack, never Go's exit 2.
	var stderr strings.Builder
	code := guard(&stderr, func() int {
		_, _ = await(context.Background(), func() (int, error) { return third(nil), nil })
		return exitOK
	})
	if code != exitError || !strings.Contains(stderr.String(), "wbsync: internal error (a bug in wbsync; please report it): runtime error: index out of range [2] with length 0 (at files_test.go:") ||
		!strings.Contains(stderr.String(), "goroutine") {
		t.Errorf("exit %d:\n%s", code, stderr.String())
	}
}

func third(s []int) int { return s[2] }

// fileAndLink writes content to a file named target in dir, with mode
// perm, and a symbolic link named link to it; it returns both paths.
func fileAndLink(t *testing.T, dir, target, link, content string, perm os.FileMode) (string, string) {
	t.Helper()
	target, link = filepath.Join(dir, target), filepath.Join(dir, link)
	if err := os.WriteFile(target, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	return target, link
}

// TestOutputTarget: an output lands only on a regular file: a symbolic
// link is written through (the link stays a link), and a device, a pipe or
// a directory is refused untouched, where a rename would replace them.
func TestOutputTarget(t *testing.T) {
	dir := t.TempDir()
	target, link := fileAndLink(t, dir, "target.json", "link.json", "old", 0o640)
	if err := writeFileAtomic(context.Background(), link, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(target); string(b) != "new" {
		t.Fatalf("the link's file holds %q", b)
	}
	fifo := filepath.Join(dir, "fifo")
	mkfifo(t, fifo)
	for _, bad := range []string{os.DevNull, fifo, dir, filepath.Join(dir, "dangling")} {
		if bad == filepath.Join(dir, "dangling") {
			if err := os.Symlink(filepath.Join(dir, "no", "such"), bad); err != nil {
				t.Fatal(err)
			}
		}
		before, _ := os.Lstat(bad)
		if err := writeFileAtomic(context.Background(), bad, []byte("x"), 0o600); err == nil {
			t.Errorf("writeFileAtomic(%s) succeeded", bad)
		}
		if _, err := checkWritable(context.Background(), bad, 1); err == nil {
			t.Errorf("checkWritable(%s) succeeded", bad)
		}
		if after, _ := os.Lstat(bad); after.Mode() != before.Mode() {
			t.Errorf("%s changed from %v to %v", bad, before.Mode(), after.Mode())
		}
	}
	// A name ending with a slash names a directory, there or not: the
	// rename would have written a file named as the directory.
	for _, slash := range []string{filepath.Join(dir, "plans") + "/", dir + "/"} {
		if _, err := checkOutput(output{flag: "--out", path: slash}); err == nil || !strings.Contains(err.Error(), "names a directory") {
			t.Errorf("checkOutput(%s) = %v", slash, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "plans")); err == nil {
			t.Errorf("%s was created", filepath.Join(dir, "plans"))
		}
	}
}

// umask is the process's file creation mask, as a new file shows it.
func umask(t *testing.T) os.FileMode {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(t.TempDir(), "probe"), os.O_CREATE|os.O_WRONLY, 0o777)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return 0o777 &^ fi.Mode().Perm()
}

// TestOutputsFollowTheUmask: under umask 077 the files wbsync creates (a
// saved plan, an export) are 0600, as the admin asked: they hold the
// organization's user list.
func TestOutputsFollowTheUmask(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, "")
	dir := t.TempDir()
	bin := testBinary(t)
	for _, args := range [][]string{
		{"plan", "-f", examplePath("wbsync.yaml"), "--out", filepath.Join(dir, "plan.json")},
		{"export", "--out", filepath.Join(dir, "wbsync.yaml")},
	} {
		cmd := exec.Command("sh", append([]string{"-c", `umask 077 && exec "$0" "$@"`, bin}, args...)...)
		cmd.Env = []string{"WBSYNC_URL=" + emu.url, "WANDB_API_KEY=" + testKey, "PATH=" + os.Getenv("PATH")}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		path := args[len(args)-1]
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s under umask 077: %v (%v), want 0600", filepath.Base(path), fi.Mode().Perm(), err)
		}
	}
}

// TestTraceIsPrivate: under umask 000 a saved plan and a trace are 0600,
// not the 0666 os.Create would give: the trace holds every body of the
// run, the plan every planned user's email and name, and no other local
// user may read them, or alter the trace before it is attached to a bug
// report.
func TestTraceIsPrivate(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, "")
	dir := t.TempDir()
	planFile, trace := filepath.Join(dir, "plan.json"), filepath.Join(dir, "trace.jsonl")
	cmd := exec.Command("sh", "-c", `umask 000 && exec "$0" "$@"`, testBinary(t),
		"plan", "-f", examplePath("wbsync.yaml"), "--out", planFile, "--trace", trace)
	cmd.Env = []string{"WBSYNC_URL=" + emu.url, "WANDB_API_KEY=" + testKey, "PATH=" + os.Getenv("PATH")}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for path, want := range map[string]os.FileMode{planFile: 0o600, trace: 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s under umask 000: %v, want %v", filepath.Base(path), fi.Mode().Perm(), want)
		}
	}
}

// TestReportDirTakesNoFile: apply --report naming an existing file whose
// directory takes no new file writes the report in place (its room
// checked in $TMPDIR before the first write), as plan --out does; when
// $TMPDIR takes no file either, the apply is refused before the first
// write (exit 1, nothing written).
func TestReportDirTakesNoFile(t *testing.T) {
	defer func() { newTemp = createTemp }()
	for _, tmpToo := range []bool{true, false} {
		emu := startEmu(t, emulator.Options{}, "")
		dir := t.TempDir()
		report := filepath.Join(dir, "report.json")
		if err := os.WriteFile(report, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
		refused := []string{dir}
		if tmpToo {
			refused = append(refused, os.TempDir())
		}
		newTemp = refuseTemp(syscall.EACCES, refused...)
		r := wb(t, vars(emu.url), "apply", "-f", examplePath("wbsync.yaml"), "--auto-approve", "--report", report)
		b, _ := os.ReadFile(report)
		writesSent := writes(emu.srv.Stats().Requests)
		switch {
		case tmpToo && (r.code != exitError || !strings.Contains(r.stderr, "cannot create a file in "+dir+": permission denied, nor in "+os.TempDir())):
			t.Errorf("$TMPDIR refusing too: exit %d, want 1:\n%s", r.code, r.stderr)
		case tmpToo && (writesSent > 0 || string(b) != "{}"):
			t.Errorf("$TMPDIR refusing too: %d write(s) sent, the report holds %q", writesSent, b)
		case !tmpToo && (r.code != exitOK || writesSent == 0 || !strings.Contains(string(b), `"verification"`)):
			t.Errorf("exit %d, %d write(s), the report holds %q:\n%s", r.code, writesSent, b, r.stderr)
		}
	}
}

// TestReportFullDiskExistingReport: a directory that creates a file but
// has no room for the report (a full disk: the probe's writes fail) is
// not one that "takes no new file": the report's write would fail there
// too, so an existing report is refused before the first write, not
// passed on the strength of $TMPDIR's room (the in-place fallback is for
// a directory that creates no file at all).
func TestReportFullDiskExistingReport(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "report.json")
	if err := os.WriteFile(report, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer func() { newTemp = createTemp }()
	newTemp = func(in, prefix string, perm os.FileMode) (*os.File, error) {
		f, err := createTemp(in, prefix, perm)
		if err != nil || in != dir {
			return f, err
		}
		// Created, but its writes fail (EBADF here, ENOSPC on a full disk).
		name := f.Name()
		f.Close()
		return os.Open(name)
	}
	if _, err := checkWritable(context.Background(), report, 1<<20); err == nil {
		t.Error("checkWritable passed a report whose directory has no room for it")
	}
}

// TestReportCheckedBeforeTheRead: apply --report naming a file in a
// missing directory is refused before any request, as plan --out is (a
// large organization's read is not spent first), and a value shaped like
// an API key is not shown then.
func TestReportCheckedBeforeTheRead(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, "")
	missing := filepath.Join(t.TempDir(), "no", "report.json")
	r := wb(t, vars(emu.url), "apply", "-f", examplePath("wbsync.yaml"), "--auto-approve", "--report", missing)
	if r.code != exitError || !strings.Contains(r.stderr, "--report: cannot create a file in "+filepath.Dir(missing)) {
		t.Errorf("exit %d, want 1 naming --report:\n%s", r.code, r.stderr)
	}
	if st := emu.srv.Stats(); st.Requests["GET"]+writes(st.Requests) > 0 {
		t.Errorf("requests were sent: %+v", st.Requests)
	}
	keyShaped := filepath.Join(t.TempDir(), "9f8e7d6c5b4a39281706f5e4d3c2b1a0", "r.json")
	r = wb(t, vars(emu.url), "apply", "-f", examplePath("wbsync.yaml"), "--auto-approve", "--report", keyShaped)
	if r.code != exitError || strings.Contains(r.stderr, "9f8e7d6c5b4a") {
		t.Errorf("a key-shaped --report: exit %d\n%s", r.code, r.stderr)
	}
}

// TestManifestDirUnreadSubdirs: a directory gives only its own files, and
// each directory below it holding YAML files that no -f reads is named once
// in a warning, with text and JSON validation alike (a linked one too);
// hidden ones and those without YAML are not; a directory also named with
// -f, as the warning advises, is not; the walk stops at its budget.
func TestManifestDirUnreadSubdirs(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"00-org.yaml":          "version: 1\nusers:\n  - email: a@example.com\n",
		"teams/eng/eng.yaml":   "users:\n  - email: b@example.com\n",
		"teams/eng/more.yaml":  "users:\n  - email: c@example.com\n",
		"teams/ops/ops.yml":    "users:\n  - email: d@example.com\n",
		".hidden/x.yaml":       "x\n",
		"docs/README.md":       "hi\n",
		"teams/eng/notes.txt":  "\n",
		"ci/github/deploy.yml": "on: push\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	elsewhere := t.TempDir() // reached through a link
	if err := os.WriteFile(filepath.Join(elsewhere, "x.yaml"), []byte("users:\n  - email: e@example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, filepath.Join(dir, "linked")); err != nil {
		t.Fatal(err)
	}
	warned := func(r result, sub string) int {
		return strings.Count(r.stderr, "manifest directory "+dir+": "+filepath.Join(dir, sub)+" holds YAML files, which are not read")
	}
	for _, format := range []string{"text", "json"} {
		r := wb(t, nil, "validate", "-o", format, "-f", dir, "-f", dir)
		if r.code != exitOK || !strings.Contains(r.stdout, "1 users") && !strings.Contains(r.stdout, `"users": 1,`) {
			t.Fatalf("%s: exit %d, want the top file alone valid:\n%s\n%s", format, r.code, r.stdout, r.stderr)
		}
		for _, sub := range []string{"ci/github", "linked", "teams/eng", "teams/ops"} {
			if n := warned(r, sub); n != 1 {
				t.Errorf("%s: %s named %d times, want once:\n%s", format, sub, n, r.stderr)
			}
		}
		if strings.Contains(r.stderr, ".hidden") || strings.Contains(r.stderr, "docs") {
			t.Errorf("%s: a hidden directory or one without YAML named:\n%s", format, r.stderr)
		}
	}
	// As the warning advises: the directory named with -f is read, and no
	// longer named; the others still are.
	r := wb(t, nil, "validate", "-f", dir, "-f", filepath.Join(dir, "teams", "eng"))
	if r.code != exitOK || !strings.Contains(r.stdout, "3 users") || warned(r, "teams/eng") != 0 || warned(r, "teams/ops") != 1 {
		t.Errorf("-f DIR -f DIR/teams/eng: exit %d, want 3 users and teams/ops alone named:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := wb(t, nil, "validate", "-f", filepath.Join(dir, "00-org.yaml")); strings.Contains(r.stderr, "not read") {
		t.Errorf("a file given by name warns of directories:\n%s", r.stderr)
	}
	// ci, ci/github, ci/github/deploy.yml: the first three entries walked;
	// the walk says where it stopped short.
	read := []string{filepath.Join(dir, "00-org.yaml")}
	if got, short := unreadSubdirs([]string{dir}, read, 2); len(got) != 0 || len(short) != 1 || short[0] != dir {
		t.Errorf("with a budget of 2 entries: %v, stopped below %v; want none, and %s", got, short, dir)
	}
	if got, short := unreadSubdirs([]string{dir}, read, 3); len(got) != 1 || got[0].dir != filepath.Join(dir, "ci", "github") || len(short) != 1 {
		t.Errorf("with a budget of 3 entries: %v, stopped below %v; want ci/github alone, and %s", got, short, dir)
	}
	if got, short := unreadSubdirs([]string{dir}, read, 1000); len(got) != 4 || len(short) != 0 {
		t.Errorf("with room: %v, stopped below %v; want four directories, not stopped", got, short)
	}
}

// TestManifestDirUnreadSubdirsCapped: past maxUnreadDirs directories, one
// line counts the rest.
func TestManifestDirUnreadSubdirsCapped(t *testing.T) {
	dir := t.TempDir()
	writeIn := func(name, body string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeIn("org.yaml", "version: 1\n")
	for i := range maxUnreadDirs + 3 {
		writeIn(fmt.Sprintf("t%d/m.yaml", i), "users: []\n")
	}
	r := wb(t, nil, "validate", "-f", dir)
	if n := strings.Count(r.stderr, " holds YAML files, which are not read"); n != maxUnreadDirs || !strings.Contains(r.stderr, "... and 3 more director(ies) holding YAML files that are not read") {
		t.Errorf("%d directories named, want %d and a count of 3 more:\n%s", n, maxUnreadDirs, r.stderr)
	}
}

// TestLongOutputName: a file name the filesystem takes (up to 255 bytes,
// non-ASCII too) is written and checked, though the temporary name made
// from it would be longer.
func TestLongOutputName(t *testing.T) {
	dir := t.TempDir()
	for _, base := range []string{strings.Repeat("p", 250) + ".json", strings.Repeat("計", 83) + ".json"} {
		path := filepath.Join(dir, base)
		if _, err := checkOutput(output{"--out", path, writesPlan}); err != nil {
			t.Errorf("%d bytes: check: %v", len(base), err)
		}
		if err := writeFileAtomic(context.Background(), path, []byte("plan"), 0o644); err != nil {
			t.Errorf("%d bytes: %v", len(base), err)
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != "plan" {
			t.Errorf("%d bytes: read back %q, %v", len(base), b, err)
		}
	}
	if es, _ := os.ReadDir(dir); len(es) != 2 {
		t.Errorf("left %d file(s), want the 2 written", len(es))
	}
}

// TestDefaultManifestMissing: with no -f, the missing wbsync.yaml is named
// as the default, with how to name the manifest; a missing -f file is
// named alone.
func TestDefaultManifestMissing(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	r := wb(t, nil, "validate")
	if r.code != exitError || !strings.Contains(r.stderr, "manifest wbsync.yaml: no such file or directory (the default, read when no -f is given: name the manifest with -f FILE or -f DIR)") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	r = wb(t, nil, "validate", "-f", "other.yaml")
	if r.code != exitError || !strings.Contains(r.stderr, "manifest other.yaml: no such file or directory") || strings.Contains(r.stderr, "the default") {
		t.Errorf("-f other.yaml: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// TestOutputErrorsNameNoSystemCall: an output under a file that is no
// directory is refused as input paths are, without Go's system-call name
// ("lstat ...").
func TestOutputErrorsNameNoSystemCall(t *testing.T) {
	m := writeFile(t, "m.yaml", "version: 1\nusers: []\n")
	r := wb(t, map[string]string{"WANDB_API_KEY": "k3y5", "WBSYNC_URL": "http://127.0.0.1:1/scim"}, "plan", "-f", m, "--out", m+"/p.json")
	if want := "--out: " + m + "/p.json: not a directory"; r.code != exitError || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "lstat") {
		t.Errorf("exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
	}
}

// TestReadProgressHalt: once a signal has ended the read (halt), a page
// the read still decodes in the background starts no bar: nothing is
// drawn after the command's last line.
func TestReadProgressHalt(t *testing.T) {
	var out strings.Builder
	r := &readProgress{p: progress.New(&out, false, nil), bars: map[string]*readBar{}}
	r.page("users", 100, 1000)
	if !strings.Contains(out.String(), "read users") {
		t.Fatalf("no bar for a read of many pages: %q", out.String())
	}
	r.halt()
	drawn := out.String()
	r.page("users", 1000, 1000)
	r.page("teams", 10, 500)
	if out.String() != drawn {
		t.Errorf("drawn after halt: %q", strings.TrimPrefix(out.String(), drawn))
	}
	// stop (a read that failed, to be made again) still lets the next
	// read show its bars.
	r2 := &readProgress{p: progress.New(&out, false, nil), bars: map[string]*readBar{}}
	r2.stop()
	r2.page("teams", 10, 500)
	if !strings.Contains(out.String(), "read teams") {
		t.Errorf("no bar after stop: %q", out.String())
	}
}

// TestPathRoot: where resolveLinks starts from: the root of an absolute
// path, its volume kept on Windows (`C:\`, `\\host\share\`), which a
// bare separator would lose (an output at C:\ci\plan.json looked for
// \C:), and "." for a relative one. The Windows cases are for a Windows
// run, which this package's tests do not have yet (several are Unix-only:
// named pipes, file owners, rlimits): until then the Windows split rests on
// reading it against path/filepath and on cross-compiling.
func TestPathRoot(t *testing.T) {
	type split struct{ root, rest string }
	cases := map[string]split{
		"plan.json":        {".", "plan.json"},
		"out/plan.json":    {".", "out/plan.json"},
		"/tmp/plan.json":   {"/", "tmp/plan.json"},
		"//tmp//plan.json": {"/", "tmp//plan.json"},
	}
	if runtime.GOOS == "windows" {
		cases = map[string]split{
			`plan.json`:              {".", `plan.json`},
			`C:\ci\plan.json`:        {`C:\`, `ci\plan.json`},
			`C:/ci/plan.json`:        {`C:\`, `ci/plan.json`},
			`\\host\share\plan.json`: {`\\host\share\`, `plan.json`},
			`\ci\plan.json`:          {`\`, `ci\plan.json`},
			`C:plan.json`:            {`C:`, `plan.json`},
		}
	}
	for in, want := range cases {
		if root, rest := pathRoot(in); root != want.root || rest != want.rest {
			t.Errorf("pathRoot(%q) = %q, %q; want %q, %q", in, root, rest, want.root, want.rest)
		}
	}
}

// TestRenameRetriedWhileInUse: a rename that fails while the file is in
// use (a Windows virus scanner holding it) is tried again, waiting longer
// each time, for up to two seconds, unless the run is stopped meanwhile;
// any other failure is returned at once.
func TestRenameRetriedWhileInUse(t *testing.T) {
	errBusy, errOther := errors.New("in use"), errors.New("read-only")
	busy := func(err error) bool { return err == errBusy }
	for _, tc := range []struct {
		name      string
		fails     int   // answers of errBusy before success
		other     bool  // errOther instead
		wantTries int   // rename calls
		wantErr   error // what it returns
	}{
		{"busy twice", 2, false, 3, nil},
		{"busy past two seconds", 1000, false, 0, errBusy},
		{"other", 1, true, 1, errOther},
	} {
		tries := 0
		var slept time.Duration
		err := renameRetried(func(string, string) error {
			tries++
			switch {
			case tc.other:
				return errOther
			case tries <= tc.fails:
				return errBusy
			}
			return nil
		}, "a", "b", busy, func(d time.Duration) bool { slept += d; return true })
		if err != tc.wantErr || tc.wantTries > 0 && tries != tc.wantTries {
			t.Errorf("%s: %v after %d tries, want %v after %d", tc.name, err, tries, tc.wantErr, tc.wantTries)
		}
		if tc.name == "busy past two seconds" && (slept < 2*time.Second || slept > 3*time.Second || tries > 12) {
			t.Errorf("%s: waited %v over %d tries, want about two seconds, growing waits", tc.name, slept, tries)
		}
	}
	// A signal while it waits: the rename is not tried again.
	tries := 0
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := renameRetried(func(string, string) error { tries++; return errBusy }, "a", "b", busy, waitUnless(ctx)); err != errBusy || tries != 1 {
		t.Errorf("stopped: %v after %d tries, want errBusy after 1", err, tries)
	}
	if inUse(errBusy) || runtime.GOOS != "windows" && inUse(syscall.Errno(32)) {
		t.Error("inUse holds outside Windows")
	}
}

// TestPortablePredicates: a closed pipe is EPIPE here and, on Windows
// only, ERROR_BROKEN_PIPE or ERROR_NO_DATA; paths differing in case are one
// path on Windows only.
func TestPortablePredicates(t *testing.T) {
	windows := runtime.GOOS == "windows"
	for err, want := range map[error]bool{
		fmt.Errorf("write |1: %w", syscall.EPIPE):                       true,
		syscall.Errno(109):                                              windows,
		&os.PathError{Op: "write", Path: "|1", Err: syscall.Errno(232)}: windows,
		errors.New("disk full"):                                         false,
	} {
		if got := readerGone(err); got != want {
			t.Errorf("readerGone(%v) = %t, want %t", err, got, want)
		}
	}
	if !samePath(`a/b.yaml`, `a/b.yaml`) || samePath(`..\Shared\org.yaml`, `..\shared\org.yaml`) != windows {
		t.Error("samePath")
	}
}

// TestSniffKind: what an existing output file holds, as overOtherKind asks
// it: plans in every shape apply reads or a person keeps (saved, printed,
// compact, sorted by jq -S, with a byte-order mark), manifests in YAML
// (past comments), JSON and flow style; not apply's reports (even one
// naming a team wbsync_version), traces, metrics, CSV or other YAML.
func TestSniffKind(t *testing.T) {
	dir := t.TempDir()
	comments := strings.Repeat("# a long comment line of the manifest's header\n", 200)
	for body, want := range map[string]string{
		"{\n  \"format_version\": \"1\",\n  \"manifest_digest\": \"sha256:00\"\n}\n":               "plan",
		`{"format_version":"1","changes":[]}`:                                                      "plan",
		"{\n  \"blocked\": [],\n  \"changes\": [],\n  \"format_version\": \"1\"\n}\n":              "plan",
		"\ufeff{\"format_version\":\"1\"}":                                                         "plan",
		`{"format_version":"1","operations":[{"team":"wbsync_version"}],"ok":1}`:                   "",
		`{"duration_ms":3,"failed":0,"format_version":"1","operations":[]}`:                        "",
		`{"time":"2026-12-06T00:00:00Z","request":{"method":"GET","url":"/scim/Users?version=1"}}`: "",
		"# HELP wbsync_plan_changes ...\nwbsync_plan_changes 0\n":                                  "",
		"email,username,name\nusers@x.io,u,U\n":                                                    "",
		"version: 1\nusers: []\n":                                                                  "manifest",
		comments + "teams:\n  - name: ml\n":                                                        "manifest",
		"\ufeff---\n\"policy\": {}\n":                                                              "manifest",
		`{"version": 1, "users": []}`:                                                              "manifest",
		"{version: 1, users: []}":                                                                  "manifest",
		"name: other tool\nusers: []\n":                                                            "",
	} {
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		plan, manifest := sniffKind(p)
		got := map[[2]bool]string{{true, false}: "plan", {false, true}: "manifest", {false, false}: ""}[[2]bool{plan, manifest}]
		if got != want {
			t.Errorf("%.60q: %q, want %q", body, got, want)
		}
	}
}
