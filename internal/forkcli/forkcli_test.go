package forkcli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

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
// sys.exit with a message, an uncaught exception's traceback, death by signal.
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

// The modules are imported once, by the server, however many commands run, several at once.
func TestImportedOnceCommandsConcurrent(t *testing.T) {
	script, env, imports := probe(t)
	s := start(t, script, env, t.TempDir(), "probe_mod")
	var wg sync.WaitGroup
	const n = 8
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, _, err := s.Run(context.Background(), "sleep", "0.3", strconv.Itoa(i))
			if err == nil && !strings.Contains(string(out), fmt.Sprintf("argv ['sleep', '0.3', '%d']", i)) {
				err = fmt.Errorf("stdout %q", out)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
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

var pidRe = regexp.MustCompile(`pid (\d+)`)

func gone(t *testing.T, pid int) bool {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return true
		}
	}
	return false
}

// A command whose context ends is killed, and Run says so at once.
func TestContextKills(t *testing.T) {
	script, env, _ := probe(t)
	s := start(t, script, env, t.TempDir(), "probe_mod")
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, errOut, err := s.Run(ctx, "sleep", "60")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(began) > 20*time.Second {
		t.Fatalf("Run of a 60 s sleep with 500 ms: %v after %s, want killed at the deadline", err, time.Since(began))
	}
	m := pidRe.FindSubmatch(errOut)
	if m == nil {
		t.Fatalf("stderr %q names no pid", errOut)
	}
	if pid, _ := strconv.Atoi(string(m[1])); !gone(t, pid) {
		t.Errorf("the command's process %d is still there", pid)
	}
	// The server goes on.
	if _, _, err := s.Run(context.Background()); err != nil {
		t.Errorf("the next command: %v", err)
	}
}

// Close kills the commands still running and ends the server; later commands fail.
func TestCloseKillsCommands(t *testing.T) {
	script, env, _ := probe(t)
	s := start(t, script, env, t.TempDir(), "probe_mod")
	server := s.cmd.Process.Pid
	type result struct {
		stderr []byte
		err    error
	}
	done := make(chan result, 1)
	go func() {
		_, errOut, err := s.Run(context.Background(), "sleep", "60")
		done <- result{errOut, err}
	}()
	time.Sleep(time.Second) // the command has started
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after Close")
	}
	if r.err == nil || !strings.Contains(r.err.Error(), "the server for") {
		t.Errorf("Run across Close: %v, want the server's end", r.err)
	}
	if m := pidRe.FindSubmatch(r.stderr); m == nil {
		t.Errorf("stderr %q names no pid", r.stderr)
	} else if pid, _ := strconv.Atoi(string(m[1])); !gone(t, pid) {
		t.Errorf("the command's process %d is still there", pid)
	}
	if !gone(t, server) {
		t.Errorf("the server %d is still there", server)
	}
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
