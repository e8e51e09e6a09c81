package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestEmulateCommand: `wbsync emulate` prints its base URL first, serves the
// seeded organization with the switches given, and exits 0 on SIGINT.
func TestEmulateCommand(t *testing.T) {
	cmd := exec.Command(testBinary(t), "emulate", "--state", examplePath("emulator-state.json"),
		"--deployment", "saas", "--legacy-shapes", "--api-key", "emu-key")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr safeBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "http://127.0.0.1:") || !strings.HasSuffix(line, "/scim\n") {
		t.Fatalf("first line %q, %v\n%s", line, err, stderr.String())
	}
	base := strings.TrimSpace(line)
	get := func(key string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, base+"/Users?count=2", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	if code, _ := get("wrong"); code != http.StatusUnauthorized {
		t.Errorf("a wrong key: %d, want 401", code)
	}
	code, body := get("emu-key")
	if code != http.StatusOK || body["totalResults"] != float64(11) {
		t.Fatalf("list: %d %v", code, body)
	}
	first := body["Resources"].([]any)[0].(map[string]any)
	if _, legacy := first["emails"].(map[string]any); !legacy {
		t.Errorf("--legacy-shapes: emails is %T, want one object", first["emails"])
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("emulate exit: %v\n%s", err, stderr.String())
		}
	case <-time.After(hangTimeout):
		t.Fatal("emulate did not stop on SIGINT")
	}
}
