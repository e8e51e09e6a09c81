package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/emulator"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// TestSharedScreenApart: what apart writes (a signal's notice, the last
// message) starts on a line of its own, in the terminal's normal
// rendition, after a plan cut inside a colour's escape sequence or
// mid-line; and never inside a write to standard output in progress.
func TestSharedScreenApart(t *testing.T) {
	for _, tc := range []struct {
		printed, want string
		ended         bool
	}{
		{"  \x1b[32m+\x1b[0", "  \x1b[32m+\x1b[0\x1b[0m\nnotice\n", true},  // inside an escape: ESC starts a new one
		{"  \x1b[32m+\x1b[0m ad", "  \x1b[32m+\x1b[0m ad\nnotice\n", true}, // colour reset already
		{"\x1b[32mgreen, cut", "\x1b[32mgreen, cut\x1b[0m\nnotice\n", true},
		{"plain text, cut", "plain text, cut\nnotice\n", true},
		{"a whole line\n", "a whole line\nnotice\n", false},
		{"", "notice\n", false},
	} {
		var screenBytes bytes.Buffer
		s := &sharedScreen{w: &screenBytes}
		if _, err := s.Write([]byte(tc.printed)); err != nil {
			t.Fatal(err)
		}
		var ended bool
		s.apart(func(e bool) { ended = e; screenBytes.WriteString("notice\n") })
		if got := screenBytes.String(); got != tc.want || ended != tc.ended {
			t.Errorf("after %q: %q (ended %v), want %q (%v)", tc.printed, got, ended, tc.want, tc.ended)
		}
	}

	// A write in progress (the terminal slow to take it) holds apart back
	// until it ends.
	gate := make(chan struct{})
	inWrite := make(chan struct{})
	var screenBytes bytes.Buffer
	s := &sharedScreen{w: writerFunc(func(p []byte) (int, error) {
		screenBytes.Write(p[:len(p)/2])
		close(inWrite)
		<-gate
		screenBytes.Write(p[len(p)/2:])
		return len(p), nil
	})}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.Write([]byte("first half|second half\n"))
	}()
	<-inWrite
	if s.mu.TryLock() {
		t.Fatal("a write in progress does not hold the screen: a notice could land inside it")
	}
	close(gate)
	wg.Wait()
	s.w = &screenBytes
	s.apart(func(bool) { screenBytes.WriteString("notice\n") })
	if got := screenBytes.String(); got != "first half|second half\nnotice\n" {
		t.Errorf("screen: %q", got)
	}
	var nilScreen *sharedScreen
	said := false
	nilScreen.apart(func(bool) { said = true })
	if !said {
		t.Error("a nil screen did not say")
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestApplySignalWhilePrinting: an apply stopped by a signal while it
// prints its plan says that the plan shown is cut, as plan does, and
// writes nothing.
func TestApplySignalWhilePrinting(t *testing.T) {
	emu := startEmu(t, emulator.Options{}, "")
	m := manyUsers(t, 2000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := &cancelOn{line: "", cancel: cancel} // the first write brings the signal
	var errb strings.Builder
	code := run(ctx, []string{"apply", "-f", m, "--auto-approve"},
		env{stdin: strings.NewReader(""), stdout: stdout, stderr: &errb, getenv: func(k string) string { return vars(emu.url)[k] }})
	want := "interrupted by a signal while the plan was printed: the plan shown is cut; nothing was written"
	if code != exitError || !strings.Contains(errb.String(), want) {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit 1 and %q", code, errb.String(), want)
	}
	if n := writes(emu.requests(t)); n != 0 {
		t.Fatalf("%d writes", n)
	}
}

// TestReadLineSaysWhetherTheLineEnded: an answer longer than the question
// takes still ended with the Enter the terminal echoed (no line break is
// added after it); one cut by the end of input did not.
func TestReadLineSaysWhetherTheLineEnded(t *testing.T) {
	for _, tc := range []struct {
		in    string
		want  string
		ended bool
	}{
		{"yes\n", "yes\n", true},
		{strings.Repeat("y", 100) + "\n", strings.Repeat("y", caps.PromptAnswer), true},
		{"yes", "yes", false},
		{"", "", false},
	} {
		got, ended := readLine(strings.NewReader(tc.in))
		if got != tc.want || ended != tc.ended {
			t.Errorf("readLine(%q) = %q, %v; want %q, %v", tc.in, got, ended, tc.want, tc.ended)
		}
	}
}

// TestExportSignalWhilePrinting: an export to stdout stopped by a signal
// while it prints says that stdout holds part of it (a redirect keeps a
// manifest cut short), not that nothing was written.
func TestExportSignalWhilePrinting(t *testing.T) {
	users := make([]any, 3000)
	for i := range users {
		users[i] = map[string]any{"userName": fmt.Sprintf("u%04d@example.com", i), "displayName": fmt.Sprintf("User %d", i), "active": true}
	}
	emu := startEmu(t, emulator.Options{}, writeState(t, map[string]any{"users": users, "teams": []any{}}))
	for _, format := range []string{"yaml", "csv"} {
		ctx, cancel := context.WithCancel(context.Background())
		stdout := &cancelOn{line: "", cancel: cancel} // the first write brings the signal
		var errb strings.Builder
		code := run(ctx, []string{"export", "-o", format}, env{stdin: strings.NewReader(""), stdout: stdout, stderr: &errb,
			getenv: func(k string) string { return vars(emu.url)[k] }})
		cancel()
		want := "interrupted by a signal while it was printed: standard output holds part of it, cut"
		if code != exitError || !strings.Contains(errb.String(), want) {
			t.Errorf("%s: exit %d, stderr:\n%s\nwant exit 1 and %q", format, code, errb.String(), want)
		}
	}
}

// TestUntilStoppedDropsTheHeldBack: a print a signal stops leaves nothing
// the redactor held back of its cut line to be flushed after the notice,
// for every print that goes through untilStopped (plan, apply, export).
func TestUntilStoppedDropsTheHeldBack(t *testing.T) {
	const key = "3f9a1c7e5b2d4a6f8e0c1b3d5f7a9c2e4b6d8f0a"
	var sink bytes.Buffer
	w := sanitize.NewRedactor(key).Writer(&sink)
	ctx, cancel := context.WithCancel(context.Background())
	u := untilStopped{ctx, w}
	if _, err := u.Write([]byte("line\ncut here 3f9a")); err != nil { // "3f9a" may start the key: held
		t.Fatal(err)
	}
	cancel()
	if _, err := u.Write([]byte("1c7e more\n")); !errors.Is(err, errInterrupted) {
		t.Fatalf("after the signal: %v", err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := sink.String(); strings.Contains(got, "3f9a") || !strings.HasPrefix(got, "line\n") {
		t.Fatalf("printed %q", got)
	}
}
