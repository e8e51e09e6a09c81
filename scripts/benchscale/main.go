// Command benchscale measures wbsync at organization scale, each step next
// to its floor measured in the same run, and prints a markdown table for
// BENCHMARKS.md. `make bench-scale` runs it.
//
// It generates an organization (default 100,000 users, 5,000 teams, 500,000
// memberships) as an emulator seed and a manifest that matches it with a
// little drift, starts `wbsync emulate` on loopback, then runs, each as its
// own process so that its peak resident set size is its own:
//
//	floor-parse   a bare yaml.v3 parse of the manifest into a Node, then a
//	              Decode of that node into plain Go structs (F)
//	floor-read    every page of /Users and /Groups at count=9999, with curl
//	              when it is installed, else a bare Go client (R)
//	validate      wbsync validate            goal ≤ 1.5 × F time, ≤ 1.2 × F peak RSS
//	plan          wbsync plan                goal ≤ 1.5 × (F+R) time, RSS ≤ F + 1.5 KB/user
//	export        wbsync export              goal ≤ 2 × (F+R) time, ≤ 2 KB/user
//
// Usage: go run ./scripts/benchscale [-users N] [-teams N] [-per N] [-bin PATH] [-dir DIR]
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "floor-parse":
			exitOn(floorParse(os.Args[2]))
			return
		case "floor-read":
			exitOn(floorRead(os.Args[2]))
			return
		}
	}
	users := flag.Int("users", 100_000, "users in the organization")
	teams := flag.Int("teams", 5_000, "teams")
	per := flag.Int("per", 100, "members per team")
	bin := flag.String("bin", "bin/wbsync", "the wbsync binary to measure")
	keep := flag.String("dir", "", "write the generated state and manifest here and keep them (default: a temporary directory)")
	flag.Parse()
	exitOn(bench(*bin, *keep, *users, *teams, *per))
}

func exitOn(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchscale:", err)
		os.Exit(1)
	}
}

// benchKey is the API key the runs send (the emulator takes any).
const benchKey = "5f0e9c2b7a41d386e0b9"

// step is one measured process.
type step struct {
	name    string
	elapsed time.Duration
	maxRSS  int64 // bytes
}

func bench(bin, dir string, nUsers, nTeams, per int) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "wbsync-benchscale-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	statePath, manifestPath := filepath.Join(dir, "state.json"), filepath.Join(dir, "wbsync.yaml")
	if err := generate(statePath, manifestPath, nUsers, nTeams, per); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	url, stop, err := startEmulator(bin, statePath)
	if err != nil {
		return err
	}
	defer stop()
	// A key no path or generated value holds 8 characters of: wbsync
	// refuses a manifest (or its file name) that does, and the temporary
	// directory is named wbsync-benchscale-*.
	env := []string{"WANDB_API_KEY=" + benchKey, "WBSYNC_URL=" + url}
	var steps []step
	for _, s := range []struct {
		name string
		args []string
		ok   []int // accepted exit codes
	}{
		{"floor-parse", []string{self, "floor-parse", manifestPath}, []int{0}},
		{"floor-read", []string{self, "floor-read", url}, []int{0}},
		{"validate", []string{bin, "validate", "-f", manifestPath}, []int{0}},
		{"plan", []string{bin, "plan", "-f", manifestPath, "--log-level", "warn", "--detailed-exitcode"}, []int{0, 2}},
		{"export", []string{bin, "export", "--log-level", "warn", "--out", filepath.Join(dir, "export.yaml")}, []int{0}},
	} {
		st, err := measure(s.name, s.args, env, s.ok)
		if err != nil {
			return err
		}
		steps = append(steps, st)
		fmt.Fprintf(os.Stderr, "%-12s %8.2f s %8d MB\n", st.name, st.elapsed.Seconds(), st.maxRSS>>20)
	}
	report(os.Stdout, steps, nUsers, nTeams, per)
	return nil
}

// measure runs one process and returns its wall time and peak RSS.
func measure(name string, args, env []string, ok []int) (step, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = io.Discard
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		return step{}, fmt.Errorf("%s: %w", name, err)
	}
	accepted := false
	for _, c := range ok {
		accepted = accepted || c == code
	}
	if !accepted {
		return step{}, fmt.Errorf("%s exited %d:\n%s", name, code, stderr.String())
	}
	return step{name: name, elapsed: elapsed, maxRSS: maxRSS(cmd.ProcessState)}, nil
}

// startEmulator runs `wbsync emulate` seeded with statePath and returns its
// base URL and a function that stops it.
func startEmulator(bin, statePath string) (string, func(), error) {
	cmd := exec.Command(bin, "emulate", "--state", statePath, "--log-level", "error")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	cmd.Stderr = io.Discard // its start is checked below; its stop message is noise here
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("the emulator did not start: %w", err)
	}
	return strings.TrimSpace(line), stop, nil
}

// floorParse is F: yaml.v3 parses the manifest into a Node and decodes the
// node into plain structs, nothing else.
func floorParse(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		return err
	}
	var m struct {
		Version int `yaml:"version"`
		Users   []struct {
			Email   string `yaml:"email"`
			Name    string `yaml:"name"`
			OrgRole string `yaml:"orgRole"`
		} `yaml:"users"`
		Teams []struct {
			Name    string `yaml:"name"`
			Members []any  `yaml:"members"`
		} `yaml:"teams"`
	}
	if err := n.Decode(&m); err != nil {
		return err
	}
	if len(m.Users) == 0 {
		return errors.New("no users parsed")
	}
	return nil
}

// floorRead is R: every page of /Users and /Groups at count=9999, with curl
// when it is installed (as a person would), else with a bare Go client.
func floorRead(base string) error {
	for _, coll := range []string{"Users", "Groups"} {
		for start := 1; ; start += 9999 {
			url := fmt.Sprintf("%s/%s?startIndex=%d&count=9999", base, coll, start)
			n, total, err := fetchPage(url)
			if err != nil {
				return err
			}
			if n == 0 || start-1+n >= total {
				break
			}
		}
	}
	return nil
}

func fetchPage(url string) (n, total int, err error) {
	var body []byte
	if curl, lerr := exec.LookPath("curl"); lerr == nil {
		body, err = exec.Command(curl, "-sf", "-H", "Authorization: Bearer "+benchKey, url).Output()
	} else {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer "+benchKey)
		resp, herr := http.DefaultClient.Do(req)
		if herr != nil {
			return 0, 0, herr
		}
		defer resp.Body.Close()
		body, err = io.ReadAll(resp.Body)
	}
	if err != nil {
		return 0, 0, err
	}
	// Count without decoding: the floor is the transfer.
	total = intAfter(body, `"totalResults":`)
	return strings.Count(string(body), `"id":`), total, nil
}

func intAfter(b []byte, key string) int {
	i := strings.Index(string(b), key)
	if i < 0 {
		return 0
	}
	n := 0
	for _, c := range strings.TrimLeft(string(b[i+len(key):]), " ") {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}
