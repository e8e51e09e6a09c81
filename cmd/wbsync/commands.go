package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"go.uber.org/zap"

	"github.com/wbsync/wbsync/pkg/desired"
	"github.com/wbsync/wbsync/pkg/emulator"
	"github.com/wbsync/wbsync/pkg/observed"
)

// version is stamped by the release build: -ldflags "-X main.version=v1.2.3".
var version = "dev"

func runValidate(args []string, e env) (int, error) {
	fs := newFlagSet("validate", "validate [-f PATH]... [-o text|json]", "wbsync validate -f teams/", e.stderr)
	files := manifestFlag(fs)
	format := fs.String("o", "text", "output: text|json (problems as JSON, for editors and CI annotations)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitError, err
	}
	if err := noArgs(pos, " (manifests are given with -f)"); err != nil {
		return exitError, err
	}
	if err := checkFormat(*format, "text", "json"); err != nil {
		return exitError, err
	}
	if *format == "text" {
		m, err := loadManifest(*files, e)
		if err != nil {
			return exitError, err
		}
		users, teams, members := m.Counts()
		fmt.Fprintf(e.stdout, "Manifest is valid: %d users, %d teams, %d memberships (%d file(s)).\n", users, teams, members, len(m.Files))
		return exitOK, nil
	}
	type result struct {
		Valid    bool              `json:"valid"`
		Users    int               `json:"users"`
		Teams    int               `json:"teams"`
		Members  int               `json:"members"`
		Problems []desired.Problem `json:"problems"`
		Files    []string          `json:"files"`
	}
	res := result{Problems: []desired.Problem{}}
	quiet := e
	quiet.stderr = &bytes.Buffer{}
	m, err := loadManifest(*files, quiet)
	var probs desired.Problems
	switch {
	case err == nil:
		res.Valid = true
		res.Users, res.Teams, res.Members = m.Counts()
		res.Files = m.Files
	case errors.As(err, &probs):
		res.Problems = probs
	default:
		paths, _ := manifestPaths(*files)
		if len(paths) > 0 {
			res.Problems = append(res.Problems, desired.Problem{File: paths[0], Line: 1, Column: 1, Message: err.Error()})
		} else {
			res.Problems = append(res.Problems, desired.Problem{Message: err.Error()})
		}
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		return exitError, err
	}
	if !res.Valid {
		return exitError, nil
	}
	return exitOK, nil
}

func runExport(ctx context.Context, args []string, e env) (int, error) {
	fs := newFlagSet("export", "export [flags] [--out FILE]",
		"WANDB_API_KEY=... wbsync export --url https://acme.wandb.io/scim --out wbsync.yaml", e.stderr)
	var c connFlags
	var l logFlags
	out := fs.String("out", "", "write the manifest to this file instead of stdout")
	c.register(fs, e.getenv)
	l.register(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitError, err
	}
	if err := noArgs(pos, ""); err != nil {
		return exitError, err
	}
	s, err := connect(&c, &l, true, e)
	if err != nil {
		return exitError, err
	}
	have, _, err := observed.Fetch(ctx, s.client)
	if err != nil {
		return exitError, fmt.Errorf("read the live organization at %s: %w", s.conf.url, err)
	}
	var buf bytes.Buffer
	header := fmt.Sprintf("Exported by wbsync %s from %s (%s) at %s.\nReview it, then commit it as the source of truth.",
		version, s.conf.url, s.conf.deployment, time.Now().UTC().Format(time.RFC3339))
	if err := desired.Encode(&buf, have, desired.EncodeOptions{Header: header}); err != nil {
		return exitError, err
	}
	if *out == "" {
		_, err = e.stdout.Write(buf.Bytes())
		return exitOK, err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return exitError, fmt.Errorf("write export: %w", err)
	}
	s.log.Info("exported the organization", zap.String("file", *out), zap.Int("users", len(have.Users)), zap.Int("teams", len(have.Teams)))
	return exitOK, nil
}

func runVersion(args []string, e env) (int, error) {
	fs := newFlagSet("version", "version", "wbsync version", e.stderr)
	if _, err := parseInterleaved(fs, args); err != nil {
		return exitError, err
	}
	commit, goVersion := "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				commit = s.Value
			}
		}
	}
	if commitStamp != "" {
		commit = commitStamp
	}
	fmt.Fprintf(e.stdout, "wbsync %s (commit %s, %s)\n", version, commit, goVersion)
	return exitOK, nil
}

// commitStamp is stamped by the release build: -ldflags "-X main.commitStamp=SHA".
var commitStamp = ""

func runEmulate(ctx context.Context, args []string, e env) (int, error) {
	fs := newFlagSet("emulate", "emulate [--listen ADDR] [--state FILE] [--deployment saas|dedicated] [fault flags]",
		"wbsync emulate --listen 127.0.0.1:8080 --state examples/emulator-state.json --deployment saas", e.stderr)
	var opts emulator.Options
	opts.RegisterFlags(fs)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	statePath := fs.String("state", "", "JSON file seeding the users and teams")
	var l logFlags
	l.register(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitError, err
	}
	if err := noArgs(pos, ""); err != nil {
		return exitError, err
	}
	log, err := l.logger(e.stderr)
	if err != nil {
		return exitError, err
	}
	var seed *emulator.State
	if *statePath != "" {
		f, err := os.Open(*statePath)
		if err != nil {
			return exitError, fmt.Errorf("read --state: %w", err)
		}
		seed, err = emulator.ParseState(f)
		f.Close()
		if err != nil {
			return exitError, fmt.Errorf("--state %s: %w", *statePath, err)
		}
	}
	srv, err := emulator.New(opts, seed, log)
	if err != nil {
		return exitError, err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return exitError, fmt.Errorf("listen: %w", err)
	}
	base := "http://" + ln.Addr().String() + "/scim"
	fmt.Fprintln(e.stdout, base)
	if e.onListen != nil {
		e.onListen(base)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(shut)
		return exitOK, nil
	case err := <-done:
		return exitError, fmt.Errorf("serve: %w", err)
	}
}
