package progress

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a fake clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// setup returns a Progress writing to a buffer, on a fake clock, whose
// delayed redraws wait for the test to run them (later).
func setup(terminal bool) (*bytes.Buffer, *clock, *Progress) {
	buf, clk := &bytes.Buffer{}, newClock()
	p := New(buf, terminal, clk.now)
	p.afterFunc = func(time.Duration, func()) {}
	return buf, clk, p
}

// later makes p's delayed redraws wait for the test: it returns the
// function that runs the one pending, and the wait asked for.
func later(p *Progress) (run func(), wait *time.Duration) {
	var f func()
	wait = new(time.Duration)
	p.afterFunc = func(d time.Duration, g func()) { *wait, f = d, g }
	return func() {
		if f != nil {
			g := f
			f = nil
			g()
		}
	}, wait
}

// expectOutput fails t unless buf holds exactly want.
func expectOutput(t *testing.T, buf *bytes.Buffer, want string) {
	t.Helper()
	if got := buf.String(); got != want {
		t.Fatalf("output:\n%q\nwant:\n%q", got, want)
	}
}

// TestNoRateOverAnInstant: a bar whose first count comes at once shows no
// rate until minRateElapsed has passed (a count over microseconds is no
// rate); a read's first page, which came before its bar (StartWith),
// counts but is not in the rate.
func TestNoRateOverAnInstant(t *testing.T) {
	buf, clk, p := setup(false)
	bar := p.Start("add_member", 1000)
	clk.advance(time.Microsecond)
	bar.Add(100)
	clk.advance(time.Second)
	bar.Add(100)
	expectOutput(t, buf, "add_member  0/1,000\n"+"add_member  100/1,000\n"+"add_member  200/1,000  200/s  ETA 4s\n")

	buf, clk, p = setup(false)
	bar = p.StartWith("read groups", 1000, 100)
	clk.advance(time.Second)
	bar.Add(100)
	expectOutput(t, buf, "read groups  100/1,000\n"+"read groups  200/1,000  100/s  ETA 8s\n")
}

func TestPlainLines(t *testing.T) {
	buf, clk, p := setup(false)
	bar := p.Start("create_user", 25)
	for range 25 {
		clk.advance(200 * time.Millisecond)
		bar.Add(1)
	}
	bar.Done("24 ok, 1 failed, 0 skipped")
	want := "" +
		"create_user  0/25\n" +
		"create_user  10/25  5.0/s  ETA 3s\n" +
		"create_user  20/25  5.0/s  ETA 1s\n" +
		"create_user  25/25  done in 5s: 24 ok, 1 failed, 0 skipped\n"
	expectOutput(t, buf, want)
}

func TestPlainSlowTaskWritesEvery30s(t *testing.T) {
	buf, clk, p := setup(false)
	bar := p.Start("add_member", 1000)
	for range 4 {
		clk.advance(20 * time.Second)
		bar.Add(1)
	}
	bar.Done("")
	want := "" +
		"add_member  0/1,000\n" +
		"add_member  2/1,000  0.1/s  ETA 5h32m40s\n" +
		"add_member  4/1,000  0.1/s  ETA 5h32m0s\n" +
		"add_member  4/1,000  done in 1m20s\n"
	expectOutput(t, buf, want)
}

func TestTerminalOneLineThrottled(t *testing.T) {
	buf, clk, p := setup(true)
	bar := p.Start("add_member", 10000)
	clk.advance(30 * time.Second)
	bar.Add(1234) // drawn
	clk.advance(50 * time.Millisecond)
	bar.Add(1) // within 100ms of the last draw: not drawn
	clk.advance(50 * time.Millisecond)
	bar.Add(1) // 100ms: drawn
	clk.advance(time.Minute)
	bar.Add(10000 - 1236)
	bar.Done("10,000 ok, 0 failed, 0 skipped")
	want := "" +
		"\r\x1b[Kadd_member  0/10,000" +
		"\r\x1b[Kadd_member  1,234/10,000  41/s  ETA 3m33s" +
		"\r\x1b[Kadd_member  1,236/10,000  41/s  ETA 3m33s" +
		"\r\x1b[Kadd_member  10,000/10,000  146/s" + // over the last minute: the first 30s had no step
		"\r\x1b[Kadd_member  10,000/10,000  done in 1m30s: 10,000 ok, 0 failed, 0 skipped\n"
	expectOutput(t, buf, want)
}

func TestTerminalWriterKeepsLineIntact(t *testing.T) {
	buf, clk, p := setup(true)
	bar := p.Start("remove_member", 3)
	clk.advance(time.Second)
	bar.Add(1)
	fmt.Fprintf(p.Writer(), "INFO retrying\n")
	fmt.Fprintf(p.Writer(), "partial")
	clk.advance(time.Second)
	bar.Add(1)
	bar.Done("3 ok")
	fmt.Fprintf(p.Writer(), "after\n")
	want := "" +
		"\r\x1b[Kremove_member  0/3" +
		"\r\x1b[Kremove_member  1/3  1.0/s  ETA 2s" +
		"\r\x1b[KINFO retrying\n" +
		"\r\x1b[Kremove_member  1/3  1.0/s  ETA 2s" +
		"\r\x1b[Kpartial" +
		"\n\r\x1b[Kremove_member  2/3  1.0/s  ETA 1s" +
		"\r\x1b[Kremove_member  2/3  done in 2s: 3 ok\n" +
		"after\n"
	expectOutput(t, buf, want)
}

func TestTerminalTwoBars(t *testing.T) {
	buf, clk, p := setup(true)
	users := p.Start("read users", 0)
	teams := p.Start("read teams", 0)
	clk.advance(time.Second)
	users.Add(10)
	teams.Done("2 teams")
	users.Add(10) // drawn again just now, with teams' last line: not yet
	users.Done("20 users")
	want := "" +
		"\r\x1b[Kread users  0" +
		"\r\x1b[Kread teams  0" +
		"\r\x1b[Kread users  10  10/s" +
		"\r\x1b[Kread teams  0  done in 1s: 2 teams\n" +
		"\r\x1b[Kread users  10  10/s" +
		"\r\x1b[Kread users  20  done in 1s: 20 users\n"
	expectOutput(t, buf, want)
}

func TestNilDrawsNothing(t *testing.T) {
	p := New(nil, true, nil)
	if p != nil {
		t.Fatalf("New(nil) = %v, want nil", p)
	}
	bar := p.Start("x", 3)
	bar.Add(1)
	bar.Done("ok")
	if _, err := p.Writer().Write([]byte("x\n")); err != nil {
		t.Fatal(err)
	}
}

func TestAfterDoneNothing(t *testing.T) {
	buf, _, p := setup(false)
	bar := p.Start("x", 1)
	bar.Done("")
	n := buf.Len()
	bar.Add(5)
	bar.Done("again")
	if buf.Len() != n {
		t.Fatalf("wrote after Done: %q", buf.String()[n:])
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 12: "12", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4321: "-4,321"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// lockedBuffer is a bytes.Buffer safe for the race test's concurrent reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestConcurrentAdd(t *testing.T) {
	for _, terminal := range []bool{false, true} {
		t.Run(fmt.Sprint("terminal=", terminal), func(t *testing.T) {
			var buf lockedBuffer
			clk := newClock()
			p := New(&buf, terminal, clk.now)
			const workers, each = 8, 500
			bar := p.Start("add_member", workers*each)
			var wg sync.WaitGroup
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range each {
						clk.advance(time.Millisecond)
						bar.Add(1)
						fmt.Fprint(p.Writer(), "log\n")
					}
				}()
			}
			wg.Wait()
			bar.Done("done")
			if out := buf.String(); !strings.Contains(out, "add_member  4,000/4,000  done in 4s: done\n") {
				t.Fatalf("last line missing or wrong count:\n%s", out[max(0, len(out)-200):])
			}
		})
	}
}

// TestTerminalLineFitsTheWidth: on a terminal of known width a line is cut
// to one column less, so that it never wraps (a wrapped line cannot be
// redrawn in place).
func TestTerminalLineFitsTheWidth(t *testing.T) {
	buf, clk, p := setup(true)
	p.SetWidth(func() int { return 12 })
	bar := p.Start("create_user", 300)
	clk.advance(time.Second)
	bar.Add(5)
	for _, l := range strings.Split(buf.String(), "\r\x1b[K") {
		if n := len([]rune(l)); n > 11 {
			t.Errorf("line %q is %d columns on a 12-column terminal", l, n)
		}
	}
	if !strings.Contains(buf.String(), "create_user") {
		t.Errorf("output %q", buf.String())
	}
	// Wider: whole fields are dropped from the end, never cut inside.
	buf, clk, p = setup(true)
	p.SetWidth(func() int { return 30 })
	bar = p.Start("create_user", 3000)
	clk.advance(time.Second)
	bar.Add(1019)
	lines := strings.Split(buf.String(), "\r\x1b[K")
	if last := lines[len(lines)-1]; last != "create_user  1,019/3,000" {
		t.Errorf("on 30 columns: %q, want the fields that fit whole", last)
	} // One column: nothing fits before the cursor would wrap; unknown (0):
	// uncut.
	for cols, want := range map[int]string{1: "", 0: "create_user  0/3"} {
		buf, _, p = setup(true)
		p.SetWidth(func() int { return cols })
		p.Start("create_user", 3)
		if got := strings.TrimPrefix(buf.String(), "\r\x1b[K"); got != want {
			t.Errorf("on %d columns: %q, want %q", cols, got, want)
		}
	}
}

// TestHookGetsThePlainLines: with a hook, even on a terminal, each line
// written off a terminal goes to the hook as an Event and nothing is drawn;
// the hook may write through Writer (as a logger does), which writes as is.
func TestHookGetsThePlainLines(t *testing.T) {
	buf, clk, p := setup(true)
	var got []Event
	p.SetHook(func(e Event) {
		got = append(got, e)
		fmt.Fprintf(p.Writer(), "logged %s\n", e.Text)
	})
	if !p.Hooked() {
		t.Fatal("Hooked() = false after SetHook")
	}
	bar := p.Start("create_user", 25)
	for range 25 {
		clk.advance(200 * time.Millisecond)
		bar.Add(1)
	}
	bar.Done("25 ok")
	fmt.Fprint(p.Writer(), "a log line\n")
	want := []Event{
		{Task: "create_user", Total: 25, Text: "create_user  0/25"},
		{Task: "create_user", Done: 10, Total: 25, Elapsed: 2 * time.Second, Text: "create_user  10/25  5.0/s  ETA 3s"},
		{Task: "create_user", Done: 20, Total: 25, Elapsed: 4 * time.Second, Text: "create_user  20/25  5.0/s  ETA 1s"},
		{Task: "create_user", Done: 25, Total: 25, Finished: true, Elapsed: 5 * time.Second, Text: "create_user  25/25  done in 5s: 25 ok"},
	}
	if len(got) != len(want) {
		t.Fatalf("events:\n%+v\nwant:\n%+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	expectOutput(t, buf, ""+
		"logged create_user  0/25\n"+
		"logged create_user  10/25  5.0/s  ETA 3s\n"+
		"logged create_user  20/25  5.0/s  ETA 1s\n"+
		"logged create_user  25/25  done in 5s: 25 ok\n"+
		"a log line\n")
}

// TestHookedOnlyWithAHook: Hooked is false for a nil Progress and one
// without a hook.
func TestHookedOnlyWithAHook(t *testing.T) {
	var nilP *Progress
	nilP.SetHook(func(Event) {}) // does nothing, as every method of a nil Progress
	if nilP.Hooked() {
		t.Error("nil Progress: Hooked() = true")
	}
	if _, _, p := setup(false); p.Hooked() {
		t.Error("no hook: Hooked() = true")
	}
}

// TestHookConcurrent: bars moving in several goroutines while others log
// through Writer: every event arrives, and Writer serialises the writes to
// a stream that is not safe for concurrent use (run with -race).
func TestHookConcurrent(t *testing.T) {
	var out bytes.Buffer
	p := New(&out, false, nil)
	var mu sync.Mutex
	finished := 0
	p.SetHook(func(e Event) {
		if e.Finished {
			mu.Lock()
			finished++
			mu.Unlock()
		}
		fmt.Fprintf(p.Writer(), "%s\n", e.Text)
	})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			b := p.Start(fmt.Sprintf("task%d", i), 100)
			for range 100 {
				b.Add(1)
				fmt.Fprintf(p.Writer(), "log %d\n", i)
			}
			b.Done("")
		})
	}
	wg.Wait()
	if finished != 4 {
		t.Errorf("%d finished events, want 4", finished)
	}
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if !strings.HasPrefix(l, "log ") && !strings.HasPrefix(l, "task") {
			t.Errorf("mixed line %q", l)
		}
	}
}

// A stopped bar leaves a clean line for what is printed next, draws no
// last line, and ignores later calls.
func TestTerminalStopErasesTheLine(t *testing.T) {
	buf, clk, p := setup(true)
	bar := p.Start("read users", 3000)
	clk.advance(time.Second)
	bar.Add(1000)
	bar.Stop()
	fmt.Fprintf(p.Writer(), "error: bad page\n")
	bar.Add(1)
	bar.Done("3000 users")
	expectOutput(t, buf, ""+
		"\r\x1b[Kread users  0/3,000"+
		"\r\x1b[Kread users  1,000/3,000  1,000/s  ETA 2s"+
		"\r\x1b[K"+
		"error: bad page\n")
}

func TestPlainStopWritesNothing(t *testing.T) {
	buf, _, p := setup(false)
	bar := p.Start("read users", 3000)
	bar.Stop()
	bar.Done("3000 users")
	expectOutput(t, buf, "read users  0/3,000\n")
}

// TestNotice: Notice writes a message in place of the line shown on a
// terminal (and says so), in one write under the lock; the next update
// draws the line again below it. Off a terminal, with nothing shown or on a
// nil Progress, it writes nothing.
func TestNotice(t *testing.T) {
	buf, clk, p := setup(true)
	if p.Notice("early") || buf.Len() != 0 {
		t.Fatalf("Notice with nothing shown wrote: %q", buf.String())
	}
	bar := p.Start("create_user", 10)
	buf.Reset()
	if !p.Notice("wbsync: interrupt: stopping") {
		t.Fatal("Notice did not take the line's place")
	}
	clk.advance(time.Second)
	bar.Add(5)
	expectOutput(t, buf, "\r\x1b[Kwbsync: interrupt: stopping\n\r\x1b[Kcreate_user  5/10  5.0/s  ETA 1s")
	plain, _, q := setup(false)
	q.Start("x", 1)
	before := plain.String()
	if q.Notice("n") || plain.String() != before {
		t.Fatalf("Notice off a terminal wrote: %q", plain.String())
	}
	if (*Progress)(nil).Notice("n") {
		t.Fatal("nil Progress took a notice")
	}
}

// TestTerminalBurstDrawnAfterward: steps that come within redrawEvery of
// the last draw are drawn once that interval has passed, not only at the
// next step, which may be seconds away (a burst of completions against a
// slow server); a draw in between, or Done, makes the delayed one moot.
func TestTerminalBurstDrawnAfterward(t *testing.T) {
	buf, clk, p := setup(true)
	run, wait := later(p)
	bar := p.Start("create_user", 24)
	clk.advance(4 * time.Second)
	bar.Add(1) // drawn
	clk.advance(time.Millisecond)
	bar.Add(7) // within 100ms: drawn later
	if *wait != redrawEvery-time.Millisecond {
		t.Fatalf("the redraw waits %v, want %v", *wait, redrawEvery-time.Millisecond)
	}
	run()
	clk.advance(4 * time.Second)
	bar.Add(1) // drawn
	clk.advance(time.Millisecond)
	bar.Add(1) // drawn later, but Done comes first
	bar.Done("10 ok")
	run()
	want := "" +
		"\r\x1b[Kcreate_user  0/24" +
		"\r\x1b[Kcreate_user  1/24  0.2/s  ETA 1m32s" +
		"\r\x1b[Kcreate_user  8/24  2.0/s  ETA 8s" +
		"\r\x1b[Kcreate_user  9/24  1.1/s  ETA 13s" +
		"\r\x1b[Kcreate_user  10/24  done in 8s: 10 ok\n"
	expectOutput(t, buf, want)
}

// TestSkippedStepsDrawNothing: steps skipped (an interrupted run's) add no
// running line, leave the count and the rate alone, and shorten the time
// left; the last line counts what was done.
func TestSkippedStepsDrawNothing(t *testing.T) {
	buf, clk, p := setup(false)
	bar := p.Start("create_user", 200)
	for range 20 {
		clk.advance(50 * time.Millisecond)
		bar.Add(1)
	}
	bar.Skip(100)
	clk.advance(time.Second)
	bar.Add(20)
	for range 60 {
		bar.Skip(1)
	}
	bar.Done("40 ok, 0 failed, 160 skipped")
	want := "" +
		"create_user  0/200\n" +
		"create_user  20/200  20/s  ETA 9s\n" +
		"create_user  40/200  20/s  ETA 3s\n" +
		"create_user  40/200  done in 2s: 40 ok, 0 failed, 160 skipped\n"
	expectOutput(t, buf, want)
}

// TestTerminalInTheBackground: while the process is in the background of
// its terminal (Ctrl-Z, then bg), no line is drawn or erased (an erase
// would wipe the shell's prompt and what the user types there), a log
// line is written plainly, and a task's last line is a plain line;
// brought back to the foreground, the line is drawn again.
func TestTerminalInTheBackground(t *testing.T) {
	buf, clk, p := setup(true)
	fg := true
	p.SetForeground(func() bool { return fg })
	bar := p.Start("create_user", 4)
	fg = false
	clk.advance(time.Second)
	bar.Add(1)
	fmt.Fprintf(p.Writer(), "INFO retrying\n")
	clk.advance(time.Second)
	bar.Add(1)
	fg = true
	clk.advance(time.Second)
	bar.Add(1)
	fg = false
	clk.advance(time.Second)
	bar.Add(1)
	bar.Done("4 ok")
	// (On a real terminal the shell's lines come between: "^Z", "[1]+
	// Stopped", its prompt and "bg" end the line drawn before.)
	want := "" +
		"\r\x1b[Kcreate_user  0/4" +
		"INFO retrying\n" + // no erase in the background
		"\r\x1b[Kcreate_user  3/4  1.0/s  ETA 1s" +
		"create_user  4/4  done in 4s: 4 ok\n"
	expectOutput(t, buf, want)
}

// TestRateRecoversAfterAPause: the rate (and so the ETA) is measured over
// about the last rateWindow once a task has run that long: after a pause
// (a 429's wait, a stop with Ctrl-Z), it is the pace the task goes at
// again, not an average that keeps the pause for the rest of the task.
func TestRateRecoversAfterAPause(t *testing.T) {
	buf, clk, p := setup(false)
	bar := p.Start("create_user", 2000)
	steady(clk, bar, 20, 20)      // 20 s at 20/s
	clk.advance(30 * time.Second) // a pause
	steady(clk, bar, 20, 20)      // 20 s at 20/s again
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	last := lines[len(lines)-1]
	// Over the whole task: 800 steps in 70 s, 11/s and an ETA of 1m45s.
	if !strings.Contains(last, "create_user  800/2,000  20/s  ETA 1m0s") {
		t.Fatalf("last line %q, want the pace since the pause (20/s)\n%s", last, buf.String())
	}
	if n := len(bar.samples); n > int(rateWindow/sampleEvery)+2 {
		t.Fatalf("%d samples kept", n)
	}
}

// TestStalledWindowShowsNoETA: when no step came in the last rateWindow
// (a long Retry-After) and the line is drawn again (a log line above it),
// the rate is 0.0/s and no time left is shown, never a nonsense one.
func TestStalledWindowShowsNoETA(t *testing.T) {
	buf, clk, p := setup(true)
	bar := p.Start("add_member", 1000)
	steady(clk, bar, 20, 10)
	clk.advance(15 * time.Second)
	fmt.Fprintf(p.Writer(), "INFO retrying\n")
	lines := strings.Split(buf.String(), "\r\x1b[K")
	if last := lines[len(lines)-1]; last != "add_member  200/1,000  0.0/s" {
		t.Fatalf("last line %q", last)
	}
}

// TestRateAfterAStallWithRedraws: a stall the line is redrawn in (log
// lines above it, as retries write) is sampled, so that once steps come
// again the rate is measured from inside the stall, not from before it.
func TestRateAfterAStallWithRedraws(t *testing.T) {
	buf, clk, p := setup(true)
	bar := p.Start("create_user", 2000)
	steady(clk, bar, 20, 20) // 20 s at 20/s
	for range 6 {            // a 30 s stall, a retry logged every 5 s
		clk.advance(5 * time.Second)
		fmt.Fprintf(p.Writer(), "INFO retrying\n")
	}
	steady(clk, bar, 5, 20) // 5 s at 20/s again
	lines := strings.Split(buf.String(), "\r\x1b[K")
	// From before the stall: 100 steps in 35 s, 2.9/s.
	if last := lines[len(lines)-1]; last != "create_user  500/2,000  10/s  ETA 2m30s" {
		t.Fatalf("last line %q", last)
	}
}

// steady adds perSecond steps to bar each second for secs seconds.
func steady(clk *clock, bar *Bar, secs, perSecond int) {
	for range secs {
		clk.advance(time.Second)
		bar.Add(perSecond)
	}
}

// TestFormatRateOneForm: a rate that rounds to 10 reads as the rates above
// it do, not 10.0/s beside 10/s.
func TestFormatRateOneForm(t *testing.T) {
	for r, want := range map[float64]string{0.25: "0.2/s", 9.94: "9.9/s", 9.96: "10/s", 10.4: "10/s", 1234.5: "1,235/s"} {
		if got := formatRate(r); got != want {
			t.Errorf("formatRate(%v) = %q, want %q", r, got, want)
		}
	}
}
