package scim

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestProxiedFromEnvironment: New notes that the requests go through a
// proxy when the environment names one for --url (net/http reads the
// environment once per process, so each case runs in a process of its
// own), and not when NO_PROXY names the host or the URL is loopback.
func TestProxiedFromEnvironment(t *testing.T) {
	if u := os.Getenv("WBSYNC_TEST_PROXIED_URL"); u != "" {
		c, err := New(Config{BaseURL: u, APIKey: testKey, RateLimit: -1})
		switch {
		case err != nil:
			os.Exit(3)
		case c.proxied:
			os.Exit(10)
		}
		os.Exit(11)
	}
	for _, tc := range []struct {
		url  string
		env  []string
		want bool
	}{
		{"https://wandb.example/scim", []string{"HTTPS_PROXY=http://127.0.0.1:9"}, true},
		{"https://wandb.example/scim", []string{"https_proxy=http://127.0.0.1:9"}, true},
		{"https://wandb.example/scim", []string{"HTTPS_PROXY=http://127.0.0.1:9", "NO_PROXY=wandb.example"}, false},
		{"https://wandb.example/scim", []string{"HTTPS_PROXY=http://127.0.0.1:9", "NO_PROXY=.example"}, false},
		{"https://wandb.example/scim", []string{"HTTP_PROXY=http://127.0.0.1:9"}, false},
		{"https://127.0.0.1:9443/scim", []string{"HTTPS_PROXY=http://127.0.0.1:9"}, false},
		{"https://wandb.example/scim", nil, false},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestProxiedFromEnvironment$")
		for _, kv := range os.Environ() {
			if k, _, _ := strings.Cut(kv, "="); !strings.EqualFold(k, "HTTPS_PROXY") && !strings.EqualFold(k, "HTTP_PROXY") && !strings.EqualFold(k, "NO_PROXY") && k != "REQUEST_METHOD" {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, "WBSYNC_TEST_PROXIED_URL="+tc.url)
		cmd.Env = append(cmd.Env, tc.env...)
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || (ee.ExitCode() != 10 && ee.ExitCode() != 11) {
			t.Fatalf("%s %v: %v", tc.url, tc.env, err)
		}
		if got := ee.ExitCode() == 10; got != tc.want {
			t.Errorf("%s %v: proxied = %v, want %v", tc.url, tc.env, got, tc.want)
		}
	}
}
