//go:build unix

package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestInPlaceWithoutTempDir: when the directory of an existing file takes
// no new file and $TMPDIR takes none either, the write fails naming both,
// and the check before the run says the same; another user's file in such
// a directory is not written in place at all.
func TestInPlaceWithoutTempDir(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(path, []byte("old"), 0o666); err != nil {
		t.Fatal(err)
	}
	defer func() { newTemp, geteuid = createTemp, os.Geteuid }()
	newTemp = refuseTemp(syscall.EROFS, dir, os.TempDir())
	want := "cannot create a file in " + dir + ": read-only file system, nor in " + os.TempDir() + ", to write it in place: read-only file system"
	if err := writeFileAtomic(context.Background(), path, []byte("new"), 0o644); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("write: %v, want %q", err, want)
	}
	if _, err := checkOutput(output{"--out", path, writesPlan}); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("check: %v, want %q", err, want)
	}
	newTemp = refuseTemp(syscall.EACCES, dir)
	geteuid = func() int { return 54321 } // the file is not this user's
	if err := writeFileAtomic(context.Background(), path, []byte("new"), 0o644); err == nil || !strings.Contains(err.Error(), "cannot create a file in "+dir+": permission denied") {
		t.Errorf("another user's file: %v", err)
	}
	if _, err := checkOutput(output{"--out", path, writesPlan}); err == nil {
		t.Error("another user's file passed the check")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("the file now holds %q", b)
	}
}

// TestOthersFileInStickyDir: a file of another user in a sticky directory
// (such as /tmp), which a rename cannot replace, is refused before the
// run, rather than written in place for that user to read; the user's own
// file there, or another user's in a plain directory, is not.
func TestOthersFileInStickyDir(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(path, []byte("{}"), 0o666); err != nil {
		t.Fatal(err)
	}
	defer func() { geteuid = os.Geteuid }()
	for _, tc := range []struct {
		sticky  bool
		euid    int
		refused bool
	}{{true, 54321, true}, {false, 54321, false}, {true, os.Geteuid(), false}} {
		mode := os.FileMode(0o777)
		if tc.sticky {
			mode |= os.ModeSticky
		}
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		geteuid = func() int { return tc.euid }
		_, err := checkOutput(output{"--out", path, writesPlan})
		if refused := err != nil && strings.Contains(err.Error(), "belongs to another user, in a directory where only a file's owner may replace it"); refused != tc.refused {
			t.Errorf("sticky %v, euid %d: err = %v, want refused %v", tc.sticky, tc.euid, err, tc.refused)
		}
	}
}

// checkUnderFileLimit is TestMain's fsizeEnv mode.
func checkUnderFileLimit(path string) {
	signal.Ignore(syscall.SIGXFSZ) // a write past the limit fails with EFBIG instead of ending the process
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: 64 << 10, Max: 64 << 10}); err != nil {
		fmt.Println("setrlimit:", err)
		os.Exit(1)
	}
	if _, err := checkWritable(context.Background(), path, 1<<20); err != nil {
		fmt.Println("refused:", err)
		os.Exit(0)
	}
	fmt.Println("accepted a report larger than the file size limit")
	os.Exit(1)
}

// TestOthersLinkInStickyDir: a symbolic link another user made in a
// directory anyone may write that is sticky (/tmp) is not written through
// (it could send the plan to a file of theirs, or over one of this
// user's), as the kernel's protected_symlinks would not follow it; this
// user's own link there is, and so is another's in a plain directory.
func TestOthersLinkInStickyDir(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "mine")
	if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "plan.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	defer func() { geteuid = os.Geteuid }()
	for _, tc := range []struct {
		mode    os.FileMode
		euid    int
		refused bool
	}{
		{0o777 | os.ModeSticky, 54321, true},
		{0o777, 54321, false},
		{0o755 | os.ModeSticky, 54321, false},
		{0o777 | os.ModeSticky, os.Geteuid(), false},
	} {
		if err := os.Chmod(dir, tc.mode); err != nil {
			t.Fatal(err)
		}
		geteuid = func() int { return tc.euid }
		err := writeFileAtomic(context.Background(), link, []byte("plan"), 0o644)
		refused := err != nil && strings.Contains(err.Error(), "is a symbolic link another user made")
		if refused != tc.refused {
			t.Errorf("dir %v, euid %d: err = %v, want refused %v", tc.mode, tc.euid, err, tc.refused)
		}
		if b, _ := os.ReadFile(target); refused && string(b) != "keep" {
			t.Errorf("dir %v: refused, yet the target holds %q", tc.mode, b)
		}
		_ = os.WriteFile(target, []byte("keep"), 0o644)
	}
}

// TestReplacedFileKeepsGroup: a file replaced keeps its group, as a
// shell's > keeps it; when the group cannot be given to the new file (the
// user is not in it), the new file has no group bits, so that the user's
// own group never gets what the old one had.
func TestReplacedFileKeepsGroup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(path, []byte("{}"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	gidOf := func() (int, os.FileMode) {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return int(fi.Sys().(*syscall.Stat_t).Gid), fi.Mode().Perm()
	}
	// The file gets a group other than the one a new file of this user's
	// gets, so that keeping it shows: any group as root, else one of the
	// user's other groups, when it has one.
	gid, _ := gidOf()
	others, _ := os.Getgroups()
	for _, g := range append([]int{4242}, others...) {
		if g != gid && os.Chown(path, -1, g) == nil {
			break
		}
	}
	gid, _ = gidOf()
	if err := writeFileAtomic(context.Background(), path, []byte("plan"), 0o644); err != nil {
		t.Fatal(err)
	}
	if g, perm := gidOf(); g != gid || perm != 0o640 {
		t.Errorf("replaced: group %d, mode %v; want %d, 0640", g, perm, gid)
	}
	defer func() { chownGroup = func(f *os.File, gid int) error { return f.Chown(-1, gid) } }()
	chownGroup = func(*os.File, int) error { return syscall.EPERM }
	if err := writeFileAtomic(context.Background(), path, []byte("plan 2"), 0o644); err != nil {
		t.Fatal(err)
	}
	if g, perm := gidOf(); g != gid && perm != 0o600 || g == gid && perm != 0o640 {
		t.Errorf("group %d (was %d), mode %v: the group kept with the mode, or neither group bits", g, gid, perm)
	}
}

// TestOpenTraceSwapped: the --trace file, swapped after its check for a
// link or for another user's file in a sticky directory, is not written.
func TestOpenTraceSwapped(t *testing.T) {
	dir := t.TempDir()
	target, link := fileAndLink(t, dir, "elsewhere", "trace.log", "keep", 0o644)
	if w, err := openTrace(link); err == nil {
		w.Close()
		t.Error("opened through a link")
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("the link's target = %q", b)
	}
	other := filepath.Join(dir, "other.log")
	if err := os.WriteFile(other, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	defer func() { geteuid = os.Geteuid }()
	geteuid = func() int { return 54321 } // the file is not this user's
	if w, err := openTrace(other); err == nil || !strings.Contains(err.Error(), "became another user's file") {
		if w != nil {
			w.Close()
		}
		t.Errorf("another user's file in a sticky directory: %v", err)
	}
	geteuid = os.Geteuid
	w, err := openTrace(filepath.Join(dir, "mine.log"))
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
}

// TestOthersLinkInStickyChain: a link of this user's that leads through
// another user's link in a sticky directory, at any hop or as a directory
// on the way, is refused as that link alone is; the same chain through a
// plain directory is written through.
func TestOthersLinkInStickyChain(t *testing.T) {
	base := t.TempDir()
	mine, sticky, victim := filepath.Join(base, "mine"), filepath.Join(base, "sticky"), filepath.Join(base, "victim")
	for _, d := range []string{mine, sticky, filepath.Join(victim, "d")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	rc := filepath.Join(victim, "d", "rc")
	links := map[string]string{
		filepath.Join(mine, "hop.json"):      filepath.Join(sticky, "latest.json"), // this user's link to...
		filepath.Join(sticky, "latest.json"): rc,                                   // ...another's, in the sticky directory
		filepath.Join(mine, "dir.json"):      filepath.Join(sticky, "d", "rc"),     // through a directory link:
		filepath.Join(sticky, "d"):           filepath.Join(victim, "d"),
	}
	for from, to := range links {
		if err := os.Symlink(to, from); err != nil {
			t.Fatal(err)
		}
	}
	defer func() { geteuid = os.Geteuid }()
	geteuid = func() int { return 54321 } // every link is another user's
	for _, sticky := range []bool{true, false} {
		mode := os.FileMode(0o777)
		if sticky {
			mode |= os.ModeSticky
		}
		if err := os.Chmod(filepath.Join(base, "sticky"), mode); err != nil {
			t.Fatal(err)
		}
		for _, out := range []string{"hop.json", "dir.json"} {
			if err := os.WriteFile(rc, []byte("keep"), 0o644); err != nil {
				t.Fatal(err)
			}
			err := writeFileAtomic(context.Background(), filepath.Join(mine, out), []byte("plan"), 0o644)
			b, _ := os.ReadFile(rc)
			if refused := err != nil && strings.Contains(err.Error(), "is a symbolic link another user made"); refused != sticky || refused == (string(b) == "plan") {
				t.Errorf("sticky %v, %s: err %v, the file at the end holds %q", sticky, out, err, b)
			}
		}
	}
}

// TestCheckWritableUnderFileLimit: where the disk (here, the process's
// file size limit) has room for an empty file but not for the report, the
// check fails: it writes the report's size, not an empty file.
func TestCheckWritableUnderFileLimit(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fsizeEnv+"="+filepath.Join(dir, "report.json"))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "refused:") {
		t.Errorf("under a 64 KiB file size limit, a 1 MiB report: %v\n%s", err, out)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("checkWritable left %d file(s) after a failed write", len(entries))
	}
}

// TestOutputModes: a plan file and a report, which hold every planned
// user's email and name, are created 0600 (less the umask); a metrics file,
// which node_exporter reads as another user, and an export 0644.
func TestOutputModes(t *testing.T) {
	emu, planPath := savedExamplePlan(t)
	dir := t.TempDir()
	report, metrics, export := filepath.Join(dir, "report.json"), filepath.Join(dir, "wbsync.prom"), filepath.Join(dir, "export.yaml")
	if r := wb(t, vars(emu.url), "plan", "-f", examplePath("wbsync.yaml"), "--metrics-file", metrics); r.code != exitOK {
		t.Fatalf("plan --metrics-file: exit %d\n%s", r.code, r.stderr)
	}
	if r := wb(t, vars(emu.url), "apply", planPath, "--auto-approve", "--report", report); r.code != exitOK {
		t.Fatalf("apply --report: exit %d\n%s", r.code, r.stderr)
	}
	if r := wb(t, vars(emu.url), "export", "--out", export); r.code != exitOK {
		t.Fatalf("export --out: exit %d\n%s", r.code, r.stderr)
	}
	mask := umask(t)
	for path, want := range map[string]os.FileMode{planPath: 0o600, report: 0o600, metrics: 0o644, export: 0o644} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want&^mask {
			t.Errorf("%s: mode %v, want %v less the umask %v", filepath.Base(path), got, want, mask)
		}
	}
}

// listingCtx is a context whose every Err call records what dir holds:
// the probe asks it between its writes.
type listingCtx struct {
	context.Context
	dir  string
	seen []string
}

func (c *listingCtx) Err() error {
	entries, _ := os.ReadDir(c.dir)
	for _, e := range entries {
		c.seen = append(c.seen, e.Name())
	}
	return c.Context.Err()
}

// TestProbeUnlinkedWhileWritten: the --report probe's file has no name
// while its bytes are written (a process killed outright then leaves
// nothing behind), and the probe still fails where the disk has no room.
func TestProbeUnlinkedWhileWritten(t *testing.T) {
	dir := t.TempDir()
	ctx := &listingCtx{Context: context.Background(), dir: dir}
	if _, err := checkWritable(ctx, filepath.Join(dir, "report.json"), 1<<20); err != nil {
		t.Fatal(err)
	}
	if len(ctx.seen) != 0 {
		t.Errorf("while the probe was written, the directory held %v", ctx.seen)
	}
}

// TestSavedPlanOthersCanWrite: a saved plan whose recorded target.url
// gets the key (no --url, no WBSYNC_URL) is said to be unsafe when other
// users may write it; with --url, which a plan for another target cannot
// pass, nothing is said.
func TestSavedPlanOthersCanWrite(t *testing.T) {
	emu, planPath := savedExamplePlan(t)
	noURL := map[string]string{"WANDB_API_KEY": testKey}
	for _, tc := range []struct {
		mode os.FileMode
		vars map[string]string
		args []string
		want string
	}{
		{mode: 0o600, vars: noURL},
		{mode: 0o644, vars: noURL},
		{mode: 0o664, vars: noURL, want: "can be written by other users (mode -rw-rw-r--)"},
		{mode: 0o646, vars: noURL, want: "can be written by other users (mode -rw-r--rw-)"},
		{mode: 0o666, vars: vars(emu.url)},
		{mode: 0o666, vars: noURL, args: []string{"--url", emu.url}},
	} {
		if err := os.Chmod(planPath, tc.mode); err != nil {
			t.Fatal(err)
		}
		before := emu.requests(t)["GET"]
		r := wb(t, tc.vars, append([]string{"apply", planPath, "--dry-run"}, tc.args...)...)
		if r.code != exitOK || emu.requests(t)["GET"] == before {
			t.Fatalf("mode %v, args %v: exit %d, no read\n%s", tc.mode, tc.args, r.code, r.stderr)
		}
		warned := strings.Contains(r.stderr, "whoever can write the file chooses where the key goes")
		if warned != (tc.want != "") || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("mode %v, args %v: want %q said\n%s", tc.mode, tc.args, tc.want, r.stderr)
		}
	}
}

// TestPlanFileInOpenDirectory: a plan file of mode 0600 in a directory any
// user may write, without the sticky bit, can be replaced by anyone: said
// (of a link, for the directory of the file it names too), and so is one
// in a directory of its owner's under such a directory, which anyone may
// rename; in or under a sticky one, as /tmp, or with --url, not.
func TestPlanFileInOpenDirectory(t *testing.T) {
	_, saved := savedExamplePlan(t)
	data, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	open, sticky, mine := filepath.Join(root, "open"), filepath.Join(root, "sticky"), filepath.Join(root, "mine")
	for dir, mode := range map[string]os.FileMode{open: 0o777, sticky: 0o777 | os.ModeSticky, mine: 0o700} {
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "plan.json"), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(mine, "link.json")
	if err := os.Symlink(filepath.Join(open, "plan.json"), link); err != nil {
		t.Fatal(err)
	}
	// A directory of one's own under the open one: anyone may rename it
	// and put another in its place. Under the sticky one, nobody may.
	for _, parent := range []string{open, sticky} {
		own := filepath.Join(parent, "own")
		if err := os.Mkdir(own, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(own, "plan.json"), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		path     string
		urlGiven bool
		want     string
	}{
		{path: filepath.Join(open, "plan.json"), want: "is in " + open + ", where any user may replace it"},
		{path: link, want: "is in " + open + ", where any user may replace it"},
		{path: filepath.Join(open, "plan.json"), urlGiven: true},
		{path: filepath.Join(sticky, "plan.json")},
		{path: filepath.Join(mine, "plan.json")},
		{path: filepath.Join(open, "own", "plan.json"), want: "is under " + open + ", where any user may rename the directory that holds it"},
		{path: filepath.Join(sticky, "own", "plan.json")},
	} {
		fi, err := os.Stat(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := planFileWarning(tc.path, fi, tc.urlGiven); !strings.Contains(got, tc.want) || (got == "") != (tc.want == "") {
			t.Errorf("%s, url given %v: %q, want %q", tc.path, tc.urlGiven, got, tc.want)
		}
	}
	// Named relative to a working directory reached through a link to
	// open/own (PWD the link's path, as a shell keeps it): the real
	// directory's parents are looked at too.
	cwd := filepath.Join(root, "cwd")
	if err := os.Symlink(filepath.Join(open, "own"), cwd); err != nil {
		t.Fatal(err)
	}
	t.Chdir(cwd)
	fi, err := os.Stat("plan.json")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := planFileWarning("plan.json", fi, false), "is under "+open+", where any user may rename the directory that holds it"; !strings.Contains(got, want) {
		t.Errorf("plan.json in %s (really in %s): %q, want %q", cwd, filepath.Join(open, "own"), got, want)
	}
}

// TestPlanFileWarningOwner: a plan file another user owns is said to be
// unsafe, unless that user is root (who may write any file anyway) or the
// URL is given.
func TestPlanFileWarningOwner(t *testing.T) {
	defer func() { geteuid = os.Geteuid }()
	geteuid = func() int { return 54321 }
	for _, tc := range []struct {
		uid      uint32
		urlGiven bool
		want     string
	}{
		{uid: 54321},
		{uid: 54322, want: "saved plan p.json belongs to another user, and its target.url receives the API key"},
		{uid: 54322, urlGiven: true},
		{uid: 0},
	} {
		fi := ownedFile{uid: tc.uid}
		if got := planFileWarning("p.json", fi, tc.urlGiven); !strings.HasPrefix(got, tc.want) || (got == "") != (tc.want == "") {
			t.Errorf("uid %d, url given %v: %q, want %q", tc.uid, tc.urlGiven, got, tc.want)
		}
	}
}

// ownedFile is a regular file of mode 0600 owned by uid.
type ownedFile struct {
	fs.FileInfo
	uid uint32
}

func (f ownedFile) Mode() fs.FileMode { return 0o600 }
func (f ownedFile) Sys() any          { return &syscall.Stat_t{Uid: f.uid} }
