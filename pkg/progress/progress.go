// Package progress shows people how far a long task has got, on a stream
// such as stderr. On a terminal each task is one line redrawn in place (a
// carriage return and an erase-line sequence), at most about ten times a
// second; elsewhere (CI logs) a task writes a line when it starts, a running
// count about every tenth of the way (and at least every 30 seconds while
// the count moves), and a last line with its tally. A caller that logs
// instead (JSON logs) sets a hook: each of those lines then goes to the hook
// as an Event, and nothing is drawn.
//
// Every duration (throttling, rate, ETA) comes from the clock the caller
// injects; the package never sleeps. On a terminal, steps that came too
// soon after the last draw are drawn by a timer (time.AfterFunc, on its own
// goroutine, under the same lock) once the interval has passed. It imports
// the standard library only.
package progress

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

const (
	// redrawEvery is the shortest interval between two redraws of a
	// terminal line.
	redrawEvery = 100 * time.Millisecond
	// logEvery is the longest interval between two running-count lines
	// off a terminal, while the count moves.
	logEvery = 30 * time.Second
	// minStep is the smallest count between two running-count lines off a
	// terminal, so that short tasks write only their first and last lines.
	minStep = 10
	// minRateElapsed is the least time a rate (and ETA) is measured over:
	// a count that came at once, divided by microseconds, is no rate.
	minRateElapsed = 250 * time.Millisecond
	// rateWindow is how far back the rate (and so the ETA) looks once a
	// task has run that long: a pause (a 429's wait, a stop with Ctrl-Z)
	// weighs on it for that long, not for the rest of the task. Samples of
	// the count are kept sampleEvery apart.
	rateWindow  = 10 * time.Second
	sampleEvery = time.Second
)

// eraseLine returns the cursor to the start of the line and clears it.
const eraseLine = "\r\x1b[K"

// Progress draws the progress of tasks on one stream. It is safe for
// concurrent use. A nil *Progress draws nothing, and so do its (nil) bars.
// Write errors are ignored: progress is a courtesy, never a reason to fail.
type Progress struct {
	w        io.Writer
	terminal bool
	now      func() time.Time

	// width, when set, is the terminal's width in columns: a line is cut
	// to fit, since a line that wraps cannot be redrawn in place.
	width func() int
	// foreground, when set, reports whether the process is in the
	// terminal's foreground: in the background (a job put there with
	// Ctrl-Z and bg) no line is redrawn, since erasing it would erase the
	// shell's prompt and what the user types; a task's last line is
	// written as a plain line.
	foreground func() bool

	// hook, when set, receives each line instead of the stream (see
	// SetHook).
	hook func(Event)
	// wmu serialises Writer's writes when a hook is set: the hook runs with
	// mu held and may write through Writer.
	wmu sync.Mutex

	mu       sync.Mutex
	shown    *Bar      // terminal: the unfinished bar whose line is on screen
	lastDraw time.Time // terminal: when a line was last drawn
	midLine  bool      // Writer left the cursor after text with no newline
	// terminal: a bar that moved since its line was drawn (the redraw was
	// due sooner than redrawEvery), and the timer that draws it once the
	// interval has passed, so that the end of a burst of steps is shown
	// without waiting for the next step
	stale   *Bar
	pending bool
	// afterFunc runs f after d (time.AfterFunc; tests replace it)
	afterFunc func(d time.Duration, f func())
}

// New returns a Progress that writes to w, redrawing one line per task when
// terminal is true. now is the clock (nil means time.Now). A nil w gives a
// nil *Progress, which draws nothing.
func New(w io.Writer, terminal bool, now func() time.Time) *Progress {
	if w == nil {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	return &Progress{w: w, terminal: terminal, now: now, afterFunc: func(d time.Duration, f func()) { time.AfterFunc(d, f) }}
}

// SetWidth makes p cut terminal lines to width() columns (less one, so
// that the cursor never wraps). Call it before the first bar.
func (p *Progress) SetWidth(width func() int) {
	if p != nil {
		p.width = width
	}
}

// SetForeground makes p ask fg before drawing on a terminal whether the
// process is in the terminal's foreground (see Progress.foreground). Call
// it before the first bar.
func (p *Progress) SetForeground(fg func() bool) {
	if p != nil {
		p.foreground = fg
	}
}

// behind reports whether the process is in the background of its
// terminal. Callers hold p.mu.
func (p *Progress) behind() bool { return p.foreground != nil && !p.foreground() }

// Event is one progress line as data, for a hook (see SetHook).
type Event struct {
	// Task is the bar's label, such as "create_user" or "read users".
	Task string
	// Done is the count of steps done; Total the number of steps (0 while
	// not known).
	Done, Total int
	// Finished is set on the task's last event (Bar.Done).
	Finished bool
	// Elapsed is the time since the task started.
	Elapsed time.Duration
	// Text is the line as it is written off a terminal, such as
	// "read users  300/3,000  1,126/s  ETA 2s".
	Text string
}

// SetHook makes p hand each line to hook instead of writing it, on a
// terminal or not: the events come when lines are written off a terminal,
// and nothing is drawn. Writer still writes to the stream. hook is called
// with p's lock held, one event at a time in order: it may write through
// Writer, but must not call p's or its bars' methods. Call SetHook before
// the first bar and before any write through Writer.
func (p *Progress) SetHook(hook func(Event)) {
	if p != nil {
		p.hook = hook
		p.terminal = false
	}
}

// Hooked reports whether p hands its lines to a hook: a caller with other
// status lines for people then logs them rather than writing them through
// Writer.
func (p *Progress) Hooked() bool { return p != nil && p.hook != nil }

// fit cuts line to the terminal's width, when known: whole fields (they
// are two spaces apart) are dropped from its end, so that what is shown is
// never half a number or a dangling "ETA", and only a first field wider
// than the terminal is cut inside.
func (p *Progress) fit(line string) string {
	if p.width == nil {
		return line
	}
	cols := p.width()
	if cols <= 0 { // not known
		return line
	}
	w := cols - 1
	if w == 0 {
		return "" // one column: nothing fits before the cursor would wrap
	}
	if utf8.RuneCountInString(line) <= w {
		return line
	}
	for cut := strings.LastIndex(line, fieldGap); cut > 0; cut = strings.LastIndex(line[:cut], fieldGap) {
		if utf8.RuneCountInString(line[:cut]) <= w {
			return line[:cut]
		}
	}
	n := 0
	for i := range line {
		if n == w {
			return line[:i]
		}
		n++
	}
	return line
}

// fieldGap separates the fields of a line.
const fieldGap = "  "

// Bar is the progress of one task, from Start to Done. Its methods are safe
// for concurrent use; after Done they do nothing.
type Bar struct {
	p     *Progress
	label string
	start time.Time

	// Guarded by p.mu.
	total    int
	count    int
	skipped  int       // steps that will not be done (Skip): in neither count nor rate
	initial  int       // steps done at the start: not in the rate
	step     int       // off a terminal: counts between running-count lines
	next     int       // off a terminal: the count the next line is due at
	lastLine time.Time // off a terminal: when the last line was written
	finished bool
	// samples of the count, sampleEvery apart, of which the newest one at
	// least rateWindow old is where the rate is measured from (at most
	// one is older: see sample)
	samples []sample
}

// sample is a bar's count at a time.
type sample struct {
	t time.Time
	n int
}

// sample records the count at now, at most every sampleEvery, and drops
// the samples the rate no longer needs. Callers hold p.mu.
func (b *Bar) sample(now time.Time) {
	if n := len(b.samples); n > 0 && now.Sub(b.samples[n-1].t) < sampleEvery || n == 0 && now.Sub(b.start) < sampleEvery {
		return
	}
	b.samples = append(b.samples, sample{now, b.count})
	for len(b.samples) >= 2 && now.Sub(b.samples[1].t) >= rateWindow {
		b.samples = b.samples[1:]
	}
}

// rateBase is where the rate is measured from at now: the newest sample
// at least rateWindow old, or the start (and the steps done before it).
// Callers hold p.mu.
func (b *Bar) rateBase(now time.Time) (time.Time, int) {
	from, base := b.start, b.initial
	for _, s := range b.samples {
		if now.Sub(s.t) < rateWindow {
			break
		}
		from, base = s.t, s.n
	}
	return from, base
}

// Start begins a task of total steps (0 when not known: its line counts
// without a total) and shows its first line. On a terminal several bars
// may be open at once; the line shows the one that moved last.
func (p *Progress) Start(label string, total int) *Bar { return p.StartWith(label, total, 0) }

// StartWith is Start for a task with done steps done already (a read's
// first page, which came before its bar): they count, but not in the rate,
// which is measured over the steps done after the start.
func (p *Progress) StartWith(label string, total, done int) *Bar {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	b := &Bar{p: p, label: label, start: now, lastLine: now, count: done, initial: done}
	b.setTotal(total)
	if p.terminal {
		p.draw(b, now)
	} else {
		p.line(b, now, b.snapshot(now))
	}
	return b
}

// Add counts n more steps done.
func (b *Bar) Add(n int) { b.update(func(p *Progress) { b.add(p, n) }) }

// Skip counts n steps that will not be done (an interrupted run's, or those
// whose prerequisite failed): they leave the count, the rate and the lines
// as they were, and only shorten the time left.
func (b *Bar) Skip(n int) { b.update(func(*Progress) { b.skipped += n }) }

// Done ends the task with a last line: its count, how long it took, and
// tally (such as "12 ok, 1 failed"; may be empty).
func (b *Bar) Done(tally string) { b.update(func(p *Progress) { b.done(p, tally) }) }

// Stop ends the task without a last line (it failed or was abandoned, and
// the caller says why): on a terminal its line is erased, so that what is
// printed next starts on a clean line.
func (b *Bar) Stop() {
	b.update(func(p *Progress) {
		b.finished = true
		if p.terminal && p.shown == b {
			p.endMidLine()
			io.WriteString(p.w, eraseLine)
			p.shown = nil
		}
	})
}

// update runs f with p.mu held, unless b is nil or finished.
func (b *Bar) update(f func(p *Progress)) {
	if b == nil {
		return
	}
	b.p.mu.Lock()
	defer b.p.mu.Unlock()
	if !b.finished {
		f(b.p)
	}
}

// add is Add. Callers hold p.mu.
func (b *Bar) add(p *Progress, n int) {
	b.count += n
	now := p.now()
	b.sample(now)
	if p.terminal {
		if since := now.Sub(p.lastDraw); p.shown == nil || since >= redrawEvery {
			p.draw(b, now)
		} else {
			p.drawLater(b, redrawEvery-since)
		}
		return
	}
	if b.total > 0 && b.count+b.skipped >= b.total {
		return // the last line is Done's
	}
	due := b.total > 0 && b.count >= b.next
	if due || now.Sub(b.lastLine) >= logEvery {
		b.lastLine = now
		b.next = (b.count/b.step + 1) * b.step
		p.line(b, now, b.snapshot(now))
	}
}

// done is Done. Callers hold p.mu.
func (b *Bar) done(p *Progress, tally string) {
	b.finished = true
	now := p.now()
	text := b.label + fieldGap + b.counts() + fieldGap + "done in " + roundDuration(now.Sub(b.start))
	if tally != "" {
		text += ": " + tally
	}
	if !p.terminal {
		p.line(b, now, text)
		return
	}
	p.endMidLine()
	if p.behind() {
		io.WriteString(p.w, text+"\n") // no erase: the line is the shell's
	} else {
		io.WriteString(p.w, eraseLine+text+"\n")
	}
	other := p.shown
	p.shown = nil
	if other != nil && other != b {
		p.draw(other, now) // the last line took the place of other's
	}
}

// Notice writes msg on a line of its own in place of the progress line
// shown on a terminal (a signal's notice, from another goroutine), and
// reports whether it did: false off a terminal, with no line shown, or on a
// nil Progress (the caller writes msg itself then). The next update draws
// the line again, below it.
func (p *Progress) Notice(msg string) bool {
	if p == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.terminal || p.shown == nil || p.midLine {
		return false
	}
	io.WriteString(p.w, eraseLine+msg+"\n")
	p.shown = nil
	return true
}

// Writer returns an io.Writer to the same stream for whole lines of other
// output (log lines): on a terminal each write clears the progress line
// first and draws it again after, so the two never mix. Writes are
// serialised.
func (p *Progress) Writer() io.Writer {
	if p == nil {
		return io.Discard
	}
	return lineWriter{p}
}

// lineWriter is Progress.Writer.
type lineWriter struct{ p *Progress }

// Write writes b above the progress line.
func (lw lineWriter) Write(b []byte) (int, error) {
	p := lw.p
	if p.hook != nil { // nothing drawn to keep intact
		p.wmu.Lock()
		defer p.wmu.Unlock()
		return p.w.Write(b)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	redraw := p.terminal && p.shown != nil
	if redraw && !p.midLine {
		io.WriteString(p.w, eraseLine)
	}
	n, err := p.w.Write(b)
	if len(b) > 0 {
		p.midLine = b[len(b)-1] != '\n'
	}
	if redraw && !p.midLine {
		p.draw(p.shown, p.now())
	}
	return n, err
}

// setTotal sets the total and the running-count step. Callers hold p.mu.
func (b *Bar) setTotal(total int) {
	b.total = max(total, 0)
	b.step = max(minStep, (b.total+9)/10)
	b.next = (b.count/b.step + 1) * b.step
}

// draw shows b's line on a terminal. Callers hold p.mu.
func (p *Progress) draw(b *Bar, now time.Time) {
	if p.behind() {
		// Not drawn: nothing of b's is on screen to erase or redraw.
		p.shown, p.lastDraw, p.stale = nil, now, nil
		return
	}
	p.endMidLine()
	b.sample(now) // a redraw in a stall (a log line above it) samples it too
	io.WriteString(p.w, eraseLine+p.fit(b.snapshot(now)))
	p.shown, p.lastDraw, p.stale = b, now, nil
}

// drawLater has b's line drawn after wait, unless a draw comes first or b
// is finished by then. Callers hold p.mu.
func (p *Progress) drawLater(b *Bar, wait time.Duration) {
	p.stale = b
	if p.pending {
		return
	}
	p.pending = true
	p.afterFunc(wait, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.pending = false
		if b := p.stale; b != nil && !b.finished {
			p.draw(b, p.now())
		}
	})
}

// line writes b's line text (off a terminal), or hands it to the hook.
// Callers hold p.mu.
func (p *Progress) line(b *Bar, now time.Time, text string) {
	if p.hook != nil {
		p.hook(Event{Task: b.label, Done: b.count, Total: b.total, Finished: b.finished, Elapsed: now.Sub(b.start), Text: text})
		return
	}
	p.endMidLine()
	io.WriteString(p.w, text+"\n")
}

// endMidLine ends a line Writer left open, so that progress never erases
// or joins it. Callers hold p.mu.
func (p *Progress) endMidLine() {
	if p.midLine {
		io.WriteString(p.w, "\n")
		p.midLine = false
	}
}

// snapshot is the bar's state as one line: "label  1,234/10,000  41/s  ETA
// 3m34s" (the rate once anything is done and minRateElapsed has passed,
// the ETA when the total is known too).
// Callers hold p.mu.
func (b *Bar) snapshot(now time.Time) string {
	s := b.label + fieldGap + b.counts()
	from, base := b.rateBase(now)
	elapsed := now.Sub(from)
	if b.count <= b.initial || elapsed < minRateElapsed {
		return s
	}
	rate := float64(b.count-base) / elapsed.Seconds()
	s += fieldGap + formatRate(rate)
	if left := b.total - b.count - b.skipped; left > 0 && rate > 0 { // none while no step came in the window

		eta := time.Duration(float64(left) / rate * float64(time.Second))
		s += fieldGap + "ETA " + eta.Round(time.Second).String()
	}
	return s
}

// counts is "count/total", or "count" while the total is not known.
func (b *Bar) counts() string {
	if b.total == 0 {
		return Thousands(b.count)
	}
	return Thousands(b.count) + "/" + Thousands(b.total)
}

// formatRate shows a rate per second: whole numbers from 10 up, one decimal
// below.
func formatRate(r float64) string {
	if r >= 9.95 { // (9.96 would read 10.0/s beside 10/s)
		return Thousands(int(r+0.5)) + "/s"
	}
	return fmt.Sprintf("%.1f/s", r)
}

// roundDuration shows d to the second, or to the millisecond under one.
func roundDuration(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// Thousands formats n with commas between groups of three digits, as the
// bars show their counts.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
