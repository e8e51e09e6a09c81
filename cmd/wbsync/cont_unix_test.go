//go:build unix

package main

import (
	"strings"
	"syscall"
	"testing"
)

// TestPromptAskedAgainAfterStop: stopped at the question (Ctrl-Z) and
// continued (fg), wbsync asks the question again, so that the user knows
// what it waits for; the answer then works as before.
func TestPromptAskedAgainAfterStop(t *testing.T) {
	srv, hs := emuServer(t, examplePath("emulator-state.json"))
	defer hs.Close()
	c := startOnPty(t, []string{"WANDB_API_KEY=" + testKey, "WBSYNC_URL=" + hs.URL + "/scim"}, "apply", "-f", examplePath("wbsync.yaml"))
	c.waitFor(t, "Only 'yes' is accepted")
	if err := c.cmd.Process.Signal(syscall.SIGTSTP); err != nil {
		t.Fatal(err)
	}
	// (Started under its own session, the child's process group is
	// orphaned: the kernel discards the stop, and SIGCONT comes alone, as
	// after a stop that took effect.)
	if err := c.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	c.waitFor(t, "Apply these changes? Only 'yes' is accepted") // again
	if _, err := c.tty.WriteString("no\r"); err != nil {
		t.Fatal(err)
	}
	if ws := c.exit(t); ws.ExitStatus() != exitError || !strings.Contains(c.stderr.String(), "Apply cancelled") {
		t.Fatalf("wait status %v\n%s", ws, c.stderr.String())
	}
	if n := writes(srv.Stats().Requests); n != 0 {
		t.Fatalf("%d writes after no", n)
	}
}
