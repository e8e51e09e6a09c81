package main

import (
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/emulator"
)

// TestEmptyReadSaysNothingOfUsers: a read with no user and no team member
// (an organization that is empty, or a first run) is no read that hides
// /Users: the warning is not said.
func TestEmptyReadSaysNothingOfUsers(t *testing.T) {
	m := writeFile(t, "m.yaml", "version: 1\nusers:\n  - email: alice@example.com\nteams:\n  - name: ml\n    members: [alice@example.com]\n")
	emu := startEmu(t, emulator.Options{}, writeState(t, map[string]any{
		"users": nil, "teams": []map[string]any{{"name": "ml", "members": []string{}}},
	}))
	r := wb(t, vars(emu.url), "plan", "-f", m)
	if r.code != exitOK || strings.Contains(r.stderr, "the read lists no user") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
}
