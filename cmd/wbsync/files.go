package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/wbsync/wbsync/pkg/bug"
	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/desired"
)

// errInterrupted ends a command that a signal stopped before it wrote
// anything.
var errInterrupted = errors.New(interrupted + "; nothing was written")

// interrupted is how a run a signal ended says so.
const interrupted = "interrupted by a signal"

// stopped is errInterrupted once ctx has ended, else nil: checked between
// the steps of a command before it writes, so that a signal that arrives
// after the read (while the plan is computed or printed) still ends it
// with nothing written.
func stopped(ctx context.Context) error {
	if ctx.Err() != nil {
		return errInterrupted
	}
	return nil
}

// untilStopped is w, failing with errInterrupted once ctx has ended: a
// long plan or export being printed when a signal arrives stops there.
type untilStopped struct {
	ctx context.Context
	w   io.Writer
}

func (u untilStopped) Write(p []byte) (int, error) {
	if u.ctx.Err() != nil || signalled.Load() {
		// What the redactor holds back of the cut line is dropped: a
		// later flush would print it after the signal's notice.
		if d, ok := u.w.(interface{ Drop() }); ok {
			d.Drop()
		}
		return 0, errInterrupted
	}
	return u.w.Write(p)
}

// countingWriter counts the bytes w took.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// await runs f and returns its result, or errInterrupted as soon as ctx ends
// (within the 2 seconds a user waits after Ctrl-C): loading a manifest, a
// key file or a saved plan, reading the organization, or waiting at the
// prompt, never swallows a signal. f keeps running until the process
// exits: it must write no file, and what it logs or draws once the command
// has returned is dropped (run closes its streams; session.read halts its
// progress). A
// panic in f (a bug) is raised again in the caller's goroutine, where
// guard reports it (exit 1), not in f's, which would end the process with
// Go's exit 2.
func await[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v             T
		err, panicked error
	}
	ch := make(chan result, 1)
	go func() {
		var r result
		defer func() { ch <- r }()
		defer bug.Recover(&r.panicked)
		r.v, r.err = f()
	}()
	select {
	case r := <-ch:
		if r.panicked != nil {
			panic(r.panicked)
		}
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, errInterrupted
	}
}

// readCapped reads the file at path, refusing one larger than max bytes:
// a regular file by its size before reading anything, anything else (a
// device such as /dev/zero, a pipe) after max+1 bytes. Each check, when
// given, sees the file's first bytes (up to 512) before the rest is read,
// so that a file that is plainly something else is refused at once rather
// than after reading up to max bytes.
func readCapped(path string, max int64, what string, checks ...func(head []byte) error) ([]byte, fs.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		// "saved plan x.json: no such file or directory", as a manifest's
		// is worded, not Go's "read saved plan: open x.json: ...".
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, nil, fmt.Errorf("%s %s: %w", what, path, pe.Err)
		}
		return nil, nil, fmt.Errorf("read %s: %w", what, err)
	}
	defer f.Close()
	return readCappedFrom(f, path, max, what, checks...)
}

// readCappedFrom is readCapped of the open file f, named path.
func readCappedFrom(f *os.File, path string, max int64, what string, checks ...func(head []byte) error) ([]byte, fs.FileInfo, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", what, err)
	}
	if fi.IsDir() {
		return nil, nil, fmt.Errorf("read %s %s: it is a directory", what, path)
	}
	if fi.Mode().IsRegular() && fi.Size() > max {
		return nil, nil, tooLarge(what, path, fi.Size(), max)
	}
	r := bufio.NewReaderSize(io.LimitReader(f, max+1), 512)
	var b []byte
	ended := false // the peek met the end: a terminal's end of input is not met twice
	if len(checks) > 0 {
		head, err := r.Peek(512)
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return nil, nil, fmt.Errorf("read %s: %w", what, err)
		}
		ended = err == io.EOF
		for _, check := range checks {
			if err := check(head); err != nil {
				if _, ok := err.(located); ok {
					return nil, nil, err
				}
				return nil, nil, fmt.Errorf("%s %s: %w", what, path, err)
			}
		}
		if ended {
			b = bytes.Clone(head) // under 512 bytes: all there is
		}
	}
	if !ended {
		size := 0
		if fi.Mode().IsRegular() {
			size = int(fi.Size())
		}
		if b, err = readAllSized(r, size); err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", what, err)
		}
	}
	if int64(len(b)) > max {
		return nil, nil, fmt.Errorf("%s %s is larger than the %d bytes wbsync accepts", what, path, max)
	}
	return b, fi, nil
}

// readAllSized is io.ReadAll into a buffer with room for size bytes and
// the end of input: a regular file is read into one allocation of its
// size, where io.ReadAll doubles its buffer about twenty times over
// (a 140 MB saved plan), allocating twice the file. The buffer still
// grows for what the file gained since its size was read.
func readAllSized(r io.Reader, size int) ([]byte, error) {
	b := make([]byte, 0, size+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// tooLarge is readCapped's refusal of a file of size bytes, over max.
func tooLarge(what, path string, size, max int64) error {
	return fmt.Errorf("%s %s is %d bytes, larger than the %d wbsync accepts", what, path, size, max)
}

// yamlText returns a readCapped check of the manifest at path: a file
// whose first bytes hold NULs (binaryNULs of them) is not YAML (which
// allows no NUL character), unless it starts with a UTF-16 byte order mark
// (YAML may be UTF-16, whose ASCII characters are half NUL): /dev/zero or a
// binary given by mistake is refused at once, where the loader would say,
// not after reading up to the cap. A text file with a stray NUL goes on to
// the loader, which reports it with the other files' problems, as it does
// one further in; so do UTF-16 without the mark, and UTF-32, which it says
// to save as UTF-8.
func yamlText(path string) func(head []byte) error {
	return func(head []byte) error {
		if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) || desired.LooksUTF16(head) || desired.IsUTF32(head) {
			return nil
		}
		if n := bytes.Count(head, []byte{0}); n == 0 || n < binaryNULs && validText(head) {
			return nil
		}
		i := bytes.IndexByte(head, 0)
		line, from := 1+bytes.Count(head[:i], []byte{'\n'}), bytes.LastIndexByte(head[:i], '\n')+1
		if from == 0 && bytes.HasPrefix(head, []byte("\ufeff")) {
			from = len("\ufeff") // the file's own mark is no character of its first line
		}
		col := 1 + utf8.RuneCount(head[from:i])
		return located{line, col, fmt.Sprintf("%s:%d:%d: invalid YAML: character U+0000 (a control character or noncharacter) is not allowed in YAML (the file was not read further)",
			path, line, col)}
	}
}

// binaryNULs is how many NULs in a manifest's first bytes mark it as no
// text at all (/dev/zero, an executable), refused before it is read
// whole; fewer (a stray NUL from a paste) are the loader's to report,
// unless the bytes around them are not UTF-8 either (random bytes).
const binaryNULs = 4

// validText reports whether head is UTF-8, but for a character its end
// may cut.
func validText(head []byte) bool {
	for i := 0; i < utf8.UTFMax && len(head) > 0 && !utf8.Valid(head); i++ {
		head = head[:len(head)-1]
	}
	return utf8.Valid(head)
}

// located is an error that names its place itself (FILE:LINE:COL, at
// line and col): readCapped returns it as it is, and validate -o json
// gives its place.
type located struct {
	line, col int
	msg       string
}

func (e located) Error() string { return e.msg }

// yamlKeyLine matches a line that starts with a top-level YAML key, as a
// manifest's first line does (version: 1, users:).
var yamlKeyLine = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*:(\s|$)`)

// jsonObject is a readCapped check: the file starts (after white space)
// with the '{' of a JSON object, or is empty.
// Only the first character is quoted (a byte that is no UTF-8 as a
// byte): the file may be a key file given by mistake, which the run's
// redactor does not know.
func jsonObject(head []byte) error {
	if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 && t[0] != '{' {
		start := fmt.Sprintf("%q", string(t[:1]))
		if r, n := utf8.DecodeRune(t); r != utf8.RuneError || n > 1 {
			start = fmt.Sprintf("%q", r)
		}
		hint := ""
		rest, bom := bytes.CutPrefix(t, []byte("\ufeff")) // PowerShell's Set-Content and some editors add one
		rest = bytes.TrimLeft(rest, " \t\r\n")
		switch line, _, _ := bytes.Cut(rest, []byte("\n")); {
		case bytes.HasPrefix(t, []byte("\x1f\x8b")), bytes.HasPrefix(t, []byte("PK\x03\x04")):
			hint = " (a gzip or zip archive, as a CI artifact may be downloaded: unpack it, and give the plan file inside)"
		case bytes.HasPrefix(line, []byte("### wbsync plan")), string(bytes.TrimRight(line, "\r")) == "wbsync plan":
			// wbsync's own printed plans (markdown, text): views, not a
			// saved plan; -f would not take them either.
			hint = " (a plan as wbsync prints it, to read: the plan to apply is the one saved with --out)"
		case len(rest) > 0 && (rest[0] == '#' || yamlKeyLine.Match(line) || bytes.HasPrefix(line, []byte("---")) || bytes.HasPrefix(line, []byte("%YAML"))):
			hint = " (it reads like YAML: a manifest is planned and applied with -f FILE)"
		case bom:
			hint = " (a byte order mark: the file was saved by an editor or a tool after wbsync wrote it)"
		}
		return fmt.Errorf("it is not a saved plan: a saved plan is a JSON object, and this file starts with %s%s; make one with 'wbsync plan --out FILE'", start, hint)
	}
	return nil
}

// writeFileAtomic writes data to path so that a reader sees the old file or
// the whole new one, never half of it, and nothing when ctx ends before the
// file would replace path (see writeAtomic).
func writeFileAtomic(ctx context.Context, path string, data []byte, perm os.FileMode) error {
	return writeAtomic(ctx, path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeAtomic streams what write writes to path atomically: a temporary
// file in the same directory, written, synced and closed, then renamed over
// path (and the directory synced). Every file wbsync writes (saved plans,
// reports, metrics, exports) goes through it. A new file gets perm less
// the umask, as os.WriteFile gives it; a file replaced keeps its permission
// bits. When ctx ends before the rename, the temporary file is removed and
// errInterrupted returned: what a signal stopped writes nothing.
//
// An existing file that cannot be replaced, though it may be written, is
// written in place, whole, from a temporary file made first (see
// inPlace): a file mounted on its own (docker run -v FILE:..., a
// Kubernetes subPath), or one in a directory that takes no new file.
func writeAtomic(ctx context.Context, path string, perm os.FileMode, write func(io.Writer) error) (err error) {
	path, err = outputTarget(path)
	if err != nil {
		return err
	}
	var old fs.FileInfo // the file replaced, if any
	if fi, err := os.Stat(path); err == nil {
		perm, old = fi.Mode().Perm(), fi // a file replaced keeps the mode its owner gave it
	}
	replaced := old != nil
	dir := filepath.Dir(path)
	why := ""
	tmp, err := newTemp(dir, "."+tempBase(path)+".tmp-", perm)
	if err != nil && replaced && inPlaceOK(path) {
		why = noTempFile(dir, err).Error()
		if tmp, err = newTemp(os.TempDir(), ".wbsync-"+tempBase(path)+".tmp-", 0o600); err != nil {
			return fmt.Errorf("write %s: %s, %w", path, why, norInTemp(err))
		}
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, noTempFile(dir, err))
	}
	renamed := false
	writing.Store(tmp.Name(), true)
	defer func() {
		if !renamed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
		writing.Delete(tmp.Name())
	}()
	bw := bufio.NewWriterSize(tmp, 64<<10)
	if err = write(bw); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if replaced && why == "" {
		perm = keepGroup(tmp, old, perm)       // and its group, or no group bits
		if err = tmp.Chmod(perm); err != nil { // the umask does not apply to a mode kept
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = stopped(ctx); err != nil {
		return err
	}
	if why == "" {
		err = renameRetried(renameFile, tmp.Name(), path, inUse, waitUnless(ctx))
		if err == nil {
			renamed = true
			if d, derr := os.Open(dir); derr == nil {
				_ = d.Sync() // best effort: the rename is durable on most filesystems anyway
				d.Close()
			}
			return nil
		}
		if !replaced || !(errors.Is(err, syscall.EBUSY) || errors.Is(err, syscall.EXDEV)) {
			return fmt.Errorf("write %s: %w", path, err)
		}
		why = "it is a mount point of its own: " + errors.Unwrap(err).Error()
	}
	return inPlace(tmp.Name(), path, why)
}

// renameFile and newTemp are os.Rename and createTemp (tests make them
// refuse, as a mount point and a read-only directory do).
var (
	renameFile = os.Rename
	newTemp    = createTemp
)

// renameRetried renames from to to, trying again for up to two seconds
// while busy says the file is in use: on Windows a virus scanner, the
// search indexer or a sync client (OneDrive) opens a file just written, or
// the one it replaces, for a moment, and a rename meanwhile fails, as Go's
// own toolchain finds (and retries for as long). wait waits before each
// new try, and says false when the run was stopped meanwhile: no file is
// renamed into place after a signal.
func renameRetried(rename func(string, string) error, from, to string, busy func(error) bool, wait func(time.Duration) bool) error {
	pause, waited := 10*time.Millisecond, time.Duration(0)
	for {
		err := rename(from, to)
		if err == nil || !busy(err) || waited >= 2*time.Second || !wait(pause) {
			return err
		}
		waited += pause
		pause = min(2*pause, 500*time.Millisecond)
	}
}

// waitUnless waits d, and reports false at once when ctx ends first.
func waitUnless(ctx context.Context) func(time.Duration) bool {
	return func(d time.Duration) bool {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-ctx.Done():
			return false
		}
	}
}

// inUse reports whether err is Windows saying that a file is in use
// (ERROR_ACCESS_DENIED, 5; ERROR_SHARING_VIOLATION, 32); false elsewhere.
func inUse(err error) bool { return windowsErrno(err, 5, 32) }

// windowsErrno reports whether err is one of the Windows error numbers
// codes, which Go passes on as they are; false on other systems, where the
// same numbers mean other things.
func windowsErrno(err error, codes ...syscall.Errno) bool {
	var no syscall.Errno
	return runtime.GOOS == "windows" && errors.As(err, &no) && slices.Contains(codes, no)
}

// inPlace copies the file at from over the existing file path, which
// cannot be replaced (why), as a shell's > would write it: a reader may
// see it half written, and a failure (a full disk) may leave it so; the
// error says so.
func inPlace(from, path, why string) error {
	src, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer src.Close()
	dst, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC|noFollow, 0) // outputTarget resolved any link
	if err != nil {
		return fmt.Errorf("write %s in place (it cannot be replaced: %s): %w", path, why, err)
	}
	_, err = io.Copy(dst, src)
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s in place (it cannot be replaced: %s), which may now be incomplete: %w", path, why, err)
	}
	return nil
}

// tempBase is path's base name as a temporary file's name holds it: cut
// to 200 bytes (at a character's start), so that the name with its
// prefix and suffix stays within the 255 bytes a file name may have on
// most filesystems, as the name the user gave may.
func tempBase(path string) string {
	b := filepath.Base(path)
	if len(b) <= 200 {
		return b
	}
	cut := 200
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return b[:cut]
}

// createTemp creates a new file in dir named prefix and a random suffix,
// with perm less the umask (os.CreateTemp would give 0600 whatever the
// umask).
func createTemp(dir, prefix string, perm os.FileMode) (*os.File, error) {
	for range 100 {
		name := filepath.Join(dir, prefix+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, fmt.Errorf("no free temporary name in %s", dir)
}

// checkWritable makes sure path can be written later, with about size
// bytes, as writeAtomic writes it: path is a file that may be written, or
// nothing, and its directory takes a new file of that size (written and
// synced, so that a full disk or quota says so now); or, when that
// directory creates no file at all but path exists and may be written in
// place, $TMPDIR takes one. path itself is not touched. It returns the
// file path names (see outputTarget). apply checks --report with it
// before any write request, and every run its other outputs (size 0)
// before it reads the organization. The probe stops when ctx ends.
func checkWritable(ctx context.Context, path string, size int64) (string, error) {
	path, err := outputTarget(path)
	if err != nil {
		return "", err
	}
	dir, base := filepath.Dir(path), filepath.Base(path)
	_, serr := os.Stat(path)
	err = probe(ctx, dir, base, size)
	var nc *noCreate
	if err != nil && ctx.Err() == nil && serr == nil && errors.As(err, &nc) && inPlaceOK(path) {
		// A directory that creates no file at all, where path exists and
		// may be written: written in place from a temporary file in
		// $TMPDIR (writeAtomic). Not one that creates it but has no room
		// for its bytes (a full disk): writeAtomic fails there alike.
		if terr := probe(ctx, os.TempDir(), base, size); terr != nil {
			if errors.As(terr, &nc) {
				terr = nc.error
			}
			err = fmt.Errorf("%w, %w", err, norInTemp(errors.Unwrap(terr)))
		} else {
			err = nil
		}
	}
	if err != nil {
		return "", err
	}
	return path, nil
}

// probe makes sure dir takes a new file of size bytes, named after base,
// and removes it.
func probe(ctx context.Context, dir, base string, size int64) error {
	tmp, err := newTemp(dir, "."+tempBase(base)+".check-", 0o600)
	if err != nil {
		return &noCreate{noTempFile(dir, err)}
	}
	name := tmp.Name()
	// Unlinked at once where the system lets an open file go (not
	// Windows): its blocks are still taken as it is written, so that a
	// full disk or quota still says so, and a process killed outright
	// (kill -9) leaves no file behind. Elsewhere it is removed after, and
	// by a second signal's exit (see writing).
	if runtime.GOOS == "windows" || os.Remove(name) != nil {
		writing.Store(name, true)
		defer func() {
			os.Remove(name)
			writing.Delete(name)
		}()
	}
	zeros := make([]byte, min(size, 64<<10))
	for left := size; left > 0 && err == nil; left -= int64(len(zeros)) {
		if err = ctx.Err(); err == nil {
			_, err = tmp.Write(zeros[:min(left, int64(len(zeros)))])
		}
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	return err
}

// noCreate is probe's error when dir takes no new file at all.
type noCreate struct{ error }

func (e *noCreate) Unwrap() error { return e.error }

// norInTemp says that the temporary file an in-place write needs could
// not be created in $TMPDIR either (err, why).
func norInTemp(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("nor in %s, to write it in place: %w", os.TempDir(), err)
}

// noTempFile says that no file could be created in dir, without the
// temporary name tried (which the user never gave).
func noTempFile(dir string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("cannot create a file in %s: %w", dir, err)
}

// checkOutput makes sure, before the run reads anything from the server,
// that output o can be written where it is named (checkWritable), and
// returns the file it is written to. A run asked to save a file it cannot
// stops before it reads the organization, rather than after printing a
// plan.
func checkOutput(o output) (string, error) {
	path, err := checkWritable(context.Background(), o.path, 0)
	if err != nil {
		return "", fmt.Errorf("%s: %w", o.flag, err)
	}
	return path, nil
}

// checkOutputs is checkOutput for each output given.
func checkOutputs(outs ...output) error {
	for _, o := range outs {
		if o.path == "" {
			continue
		}
		if _, err := checkOutput(o); err != nil {
			return err
		}
	}
	return nil
}

// writing holds the temporary files being written (by name): writeAtomic's,
// and the probe checkWritable writes. The second signal's exit removes
// those left, so that "nothing was written" holds on disk too (a deferred
// removal would not run). Removing one that was renamed meanwhile removes
// nothing: its name is gone.
var writing sync.Map

// reportSize is about how large apply's report for n changes grows: 190
// bytes per change for one that went well, up to 900 for failures with
// long names (measured), and the verification may list as many again;
// at most caps.WriteProbe.
func reportSize(n int) int64 { return min(8<<10+1024*int64(n), caps.WriteProbe) }

// outputTarget returns the file an output named path is written to. A rename
// replaces what it lands on, so it must land only on a regular file the
// user may write: a symbolic link is followed to its file (the link stays),
// and a directory, device, pipe or socket, a dangling link, or a file the
// user cannot write is refused, where a plain rename would have replaced
// /dev/null or a read-only file.
func outputTarget(path string) (string, error) {
	if path != "" && os.IsPathSeparator(path[len(path)-1]) {
		// A shell's > refuses it; the rename would write a file named as
		// the directory, without the slash.
		return "", fmt.Errorf("%s ends with %c, so it names a directory: name a file in it", path, path[len(path)-1])
	}
	fi, err := os.Lstat(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", withoutOp(err)
	}
	link := err == nil && fi.Mode()&fs.ModeSymlink != 0
	target, err := resolveLinks(path)
	if err != nil {
		return "", withoutOp(err)
	}
	fi, err = os.Stat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist) && link:
		// /dev/stdout, /dev/fd/N and /proc/self/fd/N name an open pipe or
		// socket by a link whose text ("pipe:[123]") is no path, though
		// the kernel follows it: said as what it is.
		if kfi, kerr := os.Stat(path); kerr == nil && !kfi.Mode().IsRegular() && !kfi.IsDir() {
			return "", notRegular(path)
		}
		return "", fmt.Errorf("%s is a symbolic link to a file that cannot be reached: %w", path, withoutOp(err))
	case errors.Is(err, fs.ErrNotExist):
		return target, nil
	case err != nil:
		return "", withoutOp(err)
	}
	path = target
	switch {
	case fi.IsDir():
		return "", fmt.Errorf("%s is a directory", path)
	case !fi.Mode().IsRegular():
		return "", notRegular(path)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0) // no truncation: only whether it may be written
	if err != nil {
		return "", fmt.Errorf("%s cannot be written: %w", path, errors.Unwrap(err))
	}
	f.Close()
	if othersInSticky(path, fi) {
		// The rename would fail (EPERM) after the run; writing another
		// user's file in place, in a directory such as /tmp, would hand
		// what wbsync writes to that user.
		return "", fmt.Errorf("%s belongs to another user, in a directory where only a file's owner may replace it (sticky, such as /tmp): name another file, or remove it first", path)
	}
	return path, nil
}

// notRegular refuses an output at path that is a device, pipe or socket.
func notRegular(path string) error {
	return fmt.Errorf("%s is not a regular file (a device, pipe or socket): wbsync writes a file whole and replaces it, which it does not do to %s", path, path)
}

// withoutOp is err without the system call a *fs.PathError names ("lstat
// x: not a directory" reads "x: not a directory"), as input paths are
// shown.
func withoutOp(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && err == error(pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// resolveLinks resolves the symbolic links of path, in every component and
// at every hop, as filepath.EvalSymlinks does, and refuses a link another
// user made in a sticky directory anyone may write (othersLinkInSticky),
// wherever it is met: such a link, or one of this user's that leads to
// one, could send what wbsync writes over a file of this user's, or into
// one of theirs. (The kernel's protected_symlinks does the same for the
// links it follows; wbsync reads these itself.) What does not exist yet
// is left as it is named.
func resolveLinks(path string) (string, error) {
	dest, rest := pathRoot(path)
	for links := 0; rest != ""; {
		comp := rest
		if i := strings.IndexFunc(rest, isSeparator); i >= 0 {
			comp, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if comp == "" || comp == "." {
			continue
		}
		next := filepath.Join(dest, comp)
		fi, err := os.Lstat(next)
		if errors.Is(err, fs.ErrNotExist) {
			return filepath.Join(next, rest), nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			dest = next
			continue
		}
		if othersLinkInSticky(next, fi) {
			return "", fmt.Errorf("%s is a symbolic link another user made, in a directory where anyone may make one (sticky, such as /tmp): wbsync does not write through it (it could send the file elsewhere, or over one of yours); name another file, or remove the link first", next)
		}
		if links++; links > 255 {
			return "", fmt.Errorf("%s: too many levels of symbolic links", path)
		}
		to, err := os.Readlink(next)
		if err != nil {
			return "", err
		}
		if root, after := pathRoot(to); root != "." {
			dest, to = root, after
		}
		if rest != "" {
			to += string(filepath.Separator) + rest
		}
		rest = to
	}
	return filepath.Clean(dest), nil
}

// isSeparator reports whether r is a path separator of this system ('/',
// and '\' on Windows).
func isSeparator(r rune) bool { return r < utf8.RuneSelf && os.IsPathSeparator(byte(r)) }

// pathRoot splits path into where its components start from and the
// components: "." and path for a relative one; for an absolute one its
// root, with the volume on Windows ("/" on Unix, `C:\` or
// `\\host\share\`), and the rest. (Windows's `\dir` and `C:dir`, rooted
// on the current drive or relative to a drive's directory, start from
// `\` and `C:`.)
func pathRoot(path string) (root, rest string) {
	vol := filepath.VolumeName(path)
	rest = path[len(vol):]
	if rest != "" && os.IsPathSeparator(rest[0]) {
		return vol + string(filepath.Separator), strings.TrimLeftFunc(rest, isSeparator)
	}
	if vol != "" {
		return vol, rest
	}
	return ".", path
}

// output is a file a run writes, named by the flag that gives it, and what
// it writes there.
type output struct {
	flag, path string
	writes     outKind
}

// outKind is what an output holds: a saved plan (plan --out), an export
// (a manifest, CSV or JSON), or anything else (a report, a trace,
// metrics).
type outKind int

const (
	writesOther outKind = iota
	writesPlan
	writesExport
)

// overOtherKind refuses an output over an existing file of another kind
// than the one it writes: a report, trace or metrics file over a saved
// plan or a manifest, a saved plan over a manifest, an export over a
// saved plan. With an output flag's value an empty variable (--report $R
// plan.json, R unset) the flag takes the plan's name: the saved plan would
// be overwritten with the report, and the run apply ./wbsync.yaml.
func overOtherKind(o output) error {
	plan, manifest := sniffKind(o.path)
	var is string
	switch {
	case plan && o.writes != writesPlan:
		is = "a plan (saved, or printed as JSON)"
	case manifest && o.writes != writesExport:
		is = "a manifest"
	default:
		return nil
	}
	return usageError{fmt.Sprintf("%s %s is %s, which wbsync does not write over (was the flag's value an empty or unset variable before a file's name? quote it: %s \"$VAR\"); remove the file first to reuse its name",
		o.flag, o.path, is, o.flag)}
}

// sniffKind reports whether the regular file at path, if any, reads as a
// plan (a JSON object with a plan's keys and no report's: saved with
// --out, printed with -o json, or re-indented or sorted by jq) or a
// manifest (YAML or JSON whose first top-level key, past comments, is one
// of a manifest's), from its first 64 KiB.
func sniffKind(path string) (plan, manifest bool) {
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		return false, false // not opened: opening a FIFO waits for a writer
	}
	f, err := os.Open(path)
	if err != nil {
		return false, false
	}
	defer f.Close()
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, head)
	head = bytes.TrimPrefix(head[:n], []byte("\ufeff"))
	if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		// JSON, or YAML's flow style: by its first key (a plan sorted
		// by jq -S starts with blocked; apply's report also starts with
		// format_version, then operations).
		switch k := firstKey(t[1:]); k {
		case "version", "users", "teams", "policy":
			return false, true
		case "format_version", "blocked":
			return !bytes.Contains(head, []byte(`"operations"`)), false
		}
		return false, false
	}
	for _, line := range bytes.Split(head, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 || line[0] == '#' || line[0] == ' ' || line[0] == '\t' || bytes.Equal(line, []byte("---")) {
			continue
		}
		switch firstKey(line) {
		case "version", "users", "teams", "policy":
			return false, true
		}
		return false, false // the first key is another: no manifest
	}
	return false, false
}

// firstKey is the key b starts with (blanks skipped, quotes dropped),
// followed by a colon; "" when b starts otherwise.
func firstKey(b []byte) string {
	b = bytes.TrimLeft(b, " \t\r\n")
	quote := byte(0)
	if len(b) > 0 && (b[0] == '"' || b[0] == '\'') {
		quote, b = b[0], b[1:]
	}
	end := bytes.IndexFunc(b, func(r rune) bool { return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') })
	if end <= 0 {
		return ""
	}
	key, rest := b[:end], b[end:]
	if quote != 0 {
		if len(rest) == 0 || rest[0] != quote {
			return ""
		}
		rest = rest[1:]
	}
	if rest = bytes.TrimLeft(rest, " \t"); len(rest) == 0 || rest[0] != ':' {
		return ""
	}
	return string(key)
}

// stdinPath is how manifestPaths names standard input (-f -) among the
// paths it returns, and so among a run's inputs: no file has this name (a
// NUL), so a "-" anywhere else, a saved plan or a key file of that name,
// stays the file it names.
const stdinPath = "\x00stdin"

// stdinOnce refuses, when the inputs hold -f - (stdinPath), another
// input that is the same file (--api-key-file /dev/stdin, -f /dev/stdin):
// standard input is read once, so the other would read what -f - left
// (nothing) or take the manifest for itself. Commands that read a key
// file call it before reading it; manifestPaths, for the -f paths.
func stdinOnce(inputs []string) error {
	if !slices.Contains(inputs, stdinPath) {
		return nil
	}
	fin, err := os.Stdin.Stat()
	if err != nil {
		return nil
	}
	for _, in := range inputs {
		if fi, err := os.Stat(in); in != stdinPath && err == nil && os.SameFile(fi, fin) {
			return usageError{fmt.Sprintf("%s is this run's standard input, which -f - reads: give one of them another way", in)}
		}
	}
	return nil
}

// distinctFiles refuses an output that is one of the inputs (a manifest or
// a saved plan), another output of the same run, or the file the process's
// standard output or error goes to (/dev/stdout with > file): writing it
// would destroy what was read, or one output the other.
func distinctFiles(inputs []string, outs ...output) error { return distinct(inputs, true, outs...) }

// distinct is distinctFiles, refusing an output over a file of another
// kind (overOtherKind) only with kinds: apply PLANFILE checks the plan
// first, then, once it has read them, the manifest files the plan names,
// which an output over one of them is said to be.
func distinct(inputs []string, kinds bool, outs ...output) error {
	same := func(a, b string) bool {
		if fa, err := os.Stat(a); err == nil {
			if fb, err := os.Stat(b); err == nil {
				return os.SameFile(fa, fb)
			}
		}
		// Not there yet: compare where each would be written, with the
		// links of its directories resolved (e/x and e2/x, e2 a link to
		// e, are one file), not the names as given.
		if ra, err := resolveLinks(a); err == nil {
			if rb, err := resolveLinks(b); err == nil {
				a, b = ra, rb
			}
		}
		aa, err1 := filepath.Abs(a)
		bb, err2 := filepath.Abs(b)
		return err1 == nil && err2 == nil && aa == bb
	}
	streams := []struct {
		f    *os.File
		name string
	}{{os.Stdout, "standard output"}, {os.Stderr, "standard error"}}
	for i, o := range outs {
		if o.path == "" {
			continue
		}
		if o.path == "-" {
			// Not standard output: what a run prints goes there already,
			// and a file named "-" is seldom what was meant.
			return usageError{fmt.Sprintf("%s -: give a file name (./- for a file named -); what this command prints goes to standard output without it", o.flag)}
		}
		if fo, err := os.Stat(o.path); err == nil && fo.Mode().IsRegular() { // a device is refused as such later
			for _, st := range streams {
				if fst, err := st.f.Stat(); err == nil && os.SameFile(fo, fst) {
					return usageError{fmt.Sprintf("%s %s is this run's %s: the two would overwrite each other", o.flag, o.path, st.name)}
				}
			}
		}
		for _, in := range inputs {
			if in == stdinPath {
				// -f -: when standard input is redirected from a file,
				// that file is the input.
				if fo, err := os.Stat(o.path); err == nil {
					if fin, err := os.Stdin.Stat(); err == nil && fin.Mode().IsRegular() && os.SameFile(fo, fin) {
						return usageError{fmt.Sprintf("%s %s is this run's standard input, the manifest (-f -): writing it would destroy it", o.flag, o.path)}
					}
				}
				continue
			}
			if same(o.path, in) {
				return usageError{fmt.Sprintf("%s %s is an input of this run: writing it would destroy it", o.flag, o.path)}
			}
		}
		if !kinds {
			continue
		}
		if err := overOtherKind(o); err != nil {
			return err
		}
		for _, p := range outs[:i] {
			if p.path != "" && same(o.path, p.path) {
				return usageError{fmt.Sprintf("%s and %s name the same file (%s)", p.flag, o.flag, o.path)}
			}
		}
	}
	return nil
}
