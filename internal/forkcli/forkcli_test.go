package forkcli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/poll"
	"github.com/chaoslab/serverless-chaos-lab/internal/proctest"
	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
)

// probe is testdata/probe.py by absolute path, with a fresh import counter and the environment its
// commands get; Debian's python3 is its interpreter.
func probe(t *testing.T) (script string, env []string, imports string) {
	t.Helper()
	_, err := os.Stat("/usr/bin/python3")
	testenv.Require(t, "python3 at /usr/bin/python3 (apt-get install python3)", err)
	script, err = filepath.Abs("testdata/probe.py")
	if err != nil {
		t.Fatal(err)
	}
	imports = filepath.Join(t.TempDir(), "imports")
	return script, []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "PROBE_VAR=from the environment",
		"PYTHONDONTWRITEBYTECODE=1", "PROBE_IMPORTS=" + imports}, imports
}

func start(t *testing.T, script string, env []string, dir string, preload ...string) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, script, env, dir, preload...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// execRun is the same command started by its path.
func execRun(t *testing.T, script string, env []string, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(script, args...)
	cmd.Env, cmd.Dir = env, dir
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		if ws := ee.Sys().(syscall.WaitStatus); ws.Signaled() {
			code = -int(ws.Signal())
		} else {
			code = ee.ExitCode()
		}
	case err != nil:
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

func codeOf(t *testing.T, err error) int {
	t.Helper()
	var ee *ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee) && ee.Signal != 0:
		return -int(ee.Signal)
	case errors.As(err, &ee):
		return ee.Code
	}
	t.Fatalf("Run: %v, want nil or an *ExitError", err)
	return 0
}

// A command run by the server prints, writes to stderr and ends exactly as the script started by its
// path does: argv, working directory, environment, empty stdin, sys.path[0], __main__, exit status,
// sys.exit with a message, an uncaught exception's traceback, death by signal, a thread that is not a
// daemon waited for at the end, an uncaught KeyboardInterrupt's death by SIGINT.
func TestRunAsExec(t *testing.T) {
	script, env, _ := probe(t)
	dir := t.TempDir()
	s := start(t, script, env, dir, "probe_mod")
	for _, args := range [][]string{
		nil,
		{"ok", "two words", "ünïcode", ""},
		{"exit", "3"},
		{"exit", "0"},
		{"exit-message"},
		{"raise"},
		{"signal"},
		{"thread"},
		{"interrupt"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			wantOut, wantErr, wantCode := execRun(t, script, env, dir, args...)
			out, errOut, err := s.Run(context.Background(), args...)
			if code := codeOf(t, err); code != wantCode {
				t.Errorf("exit %d (%v), want %d as from exec", code, err, wantCode)
			}
			if string(out) != wantOut {
				t.Errorf("stdout:\n%s\nwant, as from exec:\n%s", out, wantOut)
			}
			// A traceback names the script's lines: the same, but under runpy's frames.
			if got, want := tracebackTail(string(errOut)), tracebackTail(wantErr); got != want {
				t.Errorf("stderr:\n%s\nwant, as from exec:\n%s", errOut, wantErr)
			}
		})
	}
	if out, _, err := s.Run(context.Background()); err != nil || !strings.Contains(string(out), "cwd "+dir+"\n") ||
		!strings.Contains(string(out), "env from the environment\n") || !strings.Contains(string(out), "path0 "+filepath.Dir(script)+"\n") ||
		!strings.Contains(string(out), "main __main__\n") || !strings.Contains(string(out), "stdin ''\n") {
		t.Errorf("Run: %v\n%s", err, out)
	}
}

// tracebackTail drops a traceback's frames, which differ by runpy's: the lines a user reads.
func tracebackTail(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "  ") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

// The modules are imported once, by the server, however many commands run; and the commands run
// at once (eight of a second each end well before eight seconds).
func TestImportedOnceCommandsConcurrent(t *testing.T) {
	script, env, imports := probe(t)
	dir := t.TempDir()
	s := start(t, script, env, dir, "probe_mod")
	var wg sync.WaitGroup
	const n = 8
	errs := make([]error, n)
	began := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pidfile := filepath.Join(dir, fmt.Sprint("pid", i))
			out, _, err := s.Run(context.Background(), "sleep", "1", pidfile)
			if err == nil && !strings.Contains(string(out), fmt.Sprintf("argv ['sleep', '1', '%s']", pidfile)) {
				err = fmt.Errorf("stdout %q", out)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if took := time.Since(began); took > 6*time.Second {
		t.Errorf("%d commands of a second took %s: not at once", n, took)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("command %d: %v", i, err)
		}
	}
	b, err := os.ReadFile(imports)
	if err != nil || string(b) != "imported\n" {
		t.Errorf("imports recorded %q (%v), want one", b, err)
	}
}

// waitRunning waits for the pid a "sleep" command writes once it runs, and returns its process and
// those it started, for proctest.WaitGone.
func waitRunning(t *testing.T, pidfile string) []proctest.Proc {
	t.Helper()
	var pid int
	if !poll.Until(time.Minute, 20*time.Millisecond, func() bool {
		b, err := os.ReadFile(pidfile)
		pid, _ = strconv.Atoi(string(b))
		return err == nil
	}) {
		t.Fatalf("no %s within a minute", pidfile)
	}
	return proctest.Descendants(pid)
}

// A command whose context ends is killed, and Run says so at once.
func TestContextKills(t *testing.T) {
	script, env, _ := probe(t)
	dir := t.TempDir()
	s := start(t, script, env, dir, "probe_mod")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pidfile := filepath.Join(dir, "pid")
	done := make(chan error, 1)
	go func() {
		_, _, err := s.Run(ctx, "sleep", "60", pidfile)
		done <- err
	}()
	procs := waitRunning(t, pidfile)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run of a 60 s sleep cancelled: %v, want killed at the cancel", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	proctest.WaitGone(t, procs, 10*time.Second)
	// The server goes on.
	if _, _, err := s.Run(context.Background()); err != nil {
		t.Errorf("the next command: %v", err)
	}
}

// Close kills the commands still running and ends the server; later commands fail.
func TestCloseKillsCommands(t *testing.T) {
	script, env, _ := probe(t)
	dir := t.TempDir()
	s := start(t, script, env, dir, "probe_mod")
	done := make(chan error, 1)
	pidfile := filepath.Join(dir, "pid")
	go func() {
		_, _, err := s.Run(context.Background(), "sleep", "60", pidfile)
		done <- err
	}()
	waitRunning(t, pidfile)
	procs := proctest.Descendants(s.cmd.Process.Pid) // the server and the command
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "the server for") {
			t.Errorf("Run across Close: %v, want the server's end", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after Close")
	}
	proctest.WaitGone(t, procs, 10*time.Second)
	if _, _, err := s.Run(context.Background()); err == nil {
		t.Error("Run after Close succeeded")
	}
}

// A module that cannot be imported fails Start with Python's own words.
func TestStartImportError(t *testing.T) {
	script, env, _ := probe(t)
	_, err := Start(context.Background(), script, env, t.TempDir(), "no_such_module")
	if err == nil || !strings.Contains(err.Error(), "No module named 'no_such_module'") {
		t.Errorf("Start: %v, want the ModuleNotFoundError", err)
	}
}

// A script that is not Python is refused, for os/exec to run.
func TestNotPython(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"shell":    "#!/bin/sh\necho hi\n",
		"env":      "#!/usr/bin/env python3\n",
		"relative": "#!python3\n",
		"none":     "print('hi')\n",
		"empty":    "",
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := Start(context.Background(), path, nil, dir); !errors.Is(err, ErrNotPython) {
			t.Errorf("%s: Start: %v, want ErrNotPython", name, err)
		}
	}
	if p, err := Interpreter("testdata/probe.py"); err != nil || p != "/usr/bin/python3" {
		t.Errorf("Interpreter(probe.py) = %q, %v", p, err)
	}
}

// With no directory, commands run in the current one, as exec's do; arguments too long for one
// request are ErrTooLong (the caller's to run by exec), and the server goes on.
func TestEmptyDirAndLongArguments(t *testing.T) {
	script, env, _ := probe(t)
	s := start(t, script, env, "", "probe_mod")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if out, _, err := s.Run(context.Background()); err != nil || !strings.Contains(string(out), "cwd "+wd+"\n") {
		t.Errorf("Run with no directory: %v\n%s\nwant cwd %s", err, out, wd)
	}
	long := strings.Repeat("x", 100<<10)
	if _, _, err := s.Run(context.Background(), long, long); !errors.Is(err, ErrTooLong) {
		t.Errorf("Run of 200 KiB of arguments: %v, want ErrTooLong", err)
	}
	if _, _, err := s.Run(context.Background(), "ok", long); err != nil {
		t.Errorf("Run of 100 KiB of arguments: %v", err)
	}
}

// A server that dies kills its commands (the kernel's parent-death signal) and fails the calls
// waiting for them with its end.
func TestServerDeathKillsCommands(t *testing.T) {
	script, env, _ := probe(t)
	dir := t.TempDir()
	s := start(t, script, env, dir, "probe_mod")
	pidfile := filepath.Join(dir, "pid")
	done := make(chan error, 1)
	go func() {
		_, _, err := s.Run(context.Background(), "sleep", "60", pidfile)
		done <- err
	}()
	procs := waitRunning(t, pidfile)
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "the server for") {
			t.Errorf("Run across the server's death: %v, want its end", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after the server died")
	}
	proctest.WaitGone(t, procs, 10*time.Second) // the command, which would outlive its server
}
