// Package forkcli runs a Python command-line program, such as the AWS CLI, many times without
// paying for its imports each time: one interpreter (a fork server) imports the program's modules
// once, and each command is a child forked from it that runs the program's own script as `python
// script args...` would, with its own argv, working directory, stdin, stdout, stderr and exit
// status. The AWS CLI spends about 60 % of a call's CPU importing awscli and botocore (0.5 of 0.85
// CPU-seconds for Debian's v2, 0.35 of 0.65 for pip's v1), and the conformance tests make a few
// hundred calls.
//
// What a command shares with the server is what a fresh interpreter would compute the same way at
// the same point: the environment (the server's, fixed at Start: a command cannot change it),
// the modules' state after import; the random module reseeds itself in each child. Two things
// differ from an exec: every command has the server's string hash seed (a set of strings iterates
// in one order in every command, where a fresh interpreter would vary it), and sys.orig_argv is the
// server's. A command's arguments travel in one socket message: a request over maxRequest is
// ErrTooLong, for the caller to run by exec.
// A program whose script is not a Python file (the AWS CLI v2's own installer ships a frozen
// executable) is refused by Start with ErrNotPython: run it with os/exec.
//
// The server runs until Close, and dies with this process (the kernel's parent-death signal); a
// command still running then is killed, as one whose context ends is (by its pidfd, never a
// process that took its pid), and by the kernel if the server itself died.
package forkcli

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

//go:embed server.py
var serverSource string

// ErrNotPython is a script whose first line does not name a Python interpreter by absolute path.
var ErrNotPython = errors.New("not a Python script")

// ErrTooLong is a command whose arguments do not fit in one request.
var ErrTooLong = errors.New("arguments too long for the fork server")

// maxRequest bounds a request's JSON: a socket's default send buffer is about 200 KiB, and the
// server reads at most 1 MiB.
const maxRequest = 128 << 10

// waitDelay bounds the wait for a command's output once it has exited (a grandchild holding its
// stdout) and for the server's exit once told to stop, as exec.Cmd.WaitDelay does.
const waitDelay = 5 * time.Second

// Server is one fork server. Its methods are safe for concurrent use.
type Server struct {
	script string
	dir    string
	cmd    *exec.Cmd
	conn   *net.UnixConn
	stderr *bytes.Buffer // the server's own (an import error, a crash)
	exited chan struct{} // closed when the server process has been waited for

	mu      sync.Mutex
	next    int
	calls   map[int]*call
	readErr error // set when the server stopped answering; every later Run fails with it
}

// call is a command waiting for its end (the channel closed: the server ended first).
type call struct{ done chan answer }

// answer is the server's last word on a command: its exit status, or why it did not start.
type answer struct {
	code int
	err  string
}

// Interpreter returns the Python interpreter a script's first line names (`#!/usr/bin/python3`),
// or ErrNotPython.
func Interpreter(script string) (string, error) {
	f, err := os.Open(script)
	if err != nil {
		return "", err
	}
	defer f.Close()
	line, err := bufio.NewReader(io.LimitReader(f, 512)).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("%s: %w (empty)", script, ErrNotPython)
	}
	fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "#!"))
	if !strings.HasPrefix(line, "#!") || len(fields) != 1 || !filepath.IsAbs(fields[0]) ||
		!strings.HasPrefix(filepath.Base(fields[0]), "python") {
		return "", fmt.Errorf("%s: %w (its first line is %q)", script, ErrNotPython, strings.TrimSpace(line))
	}
	return fields[0], nil
}

// Start starts a fork server for script (its interpreter from its first line) with env as the
// whole environment of every command and dir as their default working directory, once the server
// has imported the modules of preload (say "awscli.clidriver"). ctx bounds the start only.
func Start(ctx context.Context, script string, env []string, dir string, preload ...string) (*Server, error) {
	python, err := Interpreter(script)
	if err != nil {
		return nil, err
	}
	if dir == "" { // as exec's: the current directory, fixed now
		if dir, err = os.Getwd(); err != nil {
			return nil, err
		}
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_SEQPACKET|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("forkcli: socketpair: %w", err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "forkcli"), os.NewFile(uintptr(fds[1]), "forkcli-server")
	fc, err := net.FileConn(ours)
	ours.Close()
	if err != nil {
		theirs.Close()
		return nil, fmt.Errorf("forkcli: %w", err)
	}
	s := &Server{script: script, dir: dir, conn: fc.(*net.UnixConn), stderr: new(bytes.Buffer),
		exited: make(chan struct{}), calls: map[int]*call{}}
	s.cmd = exec.Command(python, append([]string{"-c", serverSource, script}, preload...)...)
	s.cmd.Env, s.cmd.Dir = env, dir
	s.cmd.Stderr = &limitedWriter{w: s.stderr, n: 64 << 10}
	s.cmd.ExtraFiles = []*os.File{theirs} // fd 3
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	err = s.cmd.Start()
	theirs.Close() // the server's alone: its end of file is the server's end
	if err != nil {
		s.conn.Close()
		return nil, fmt.Errorf("forkcli: start %s: %w", python, err)
	}
	go func() {
		s.cmd.Wait()
		close(s.exited)
	}()

	ready := make(chan error, 1)
	go s.read(ready)
	select {
	case err = <-ready:
	case <-ctx.Done():
		err = fmt.Errorf("forkcli: %s did not import %s: %w", script, strings.Join(preload, ", "), ctx.Err())
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// read delivers the server's answers to the calls waiting for them; the first, "ready", to ready.
func (s *Server) read(ready chan<- error) {
	buf := make([]byte, 64<<10)
	first := true
	for {
		n, err := s.conn.Read(buf)
		if err == nil && n == 0 {
			err = io.EOF
		}
		if err != nil {
			<-s.waitExited()
			err = fmt.Errorf("forkcli: the server for %s ended: %s", s.script, s.exitReport())
			if first {
				ready <- err
			}
			s.fail(err)
			return
		}
		var msg struct { // the first is {"ready": pid}, of which only its coming matters
			ID    int
			Exit  *int
			Error string
		}
		if err := json.Unmarshal(buf[:n], &msg); err != nil {
			err = fmt.Errorf("forkcli: the server for %s said %q: %w", s.script, buf[:n], err)
			if first {
				ready <- err
			}
			s.fail(err)
			return
		}
		if first {
			first = false
			ready <- nil
			continue
		}
		s.mu.Lock()
		c := s.calls[msg.ID]
		if msg.Exit != nil || msg.Error != "" {
			delete(s.calls, msg.ID)
		}
		s.mu.Unlock()
		switch {
		case c == nil:
		case msg.Error != "":
			c.done <- answer{err: msg.Error}
		case msg.Exit != nil:
			c.done <- answer{code: *msg.Exit}
		}
	}
}

// waitExited returns a channel closed once the server process has exited, or after waitDelay.
func (s *Server) waitExited() <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		select {
		case <-s.exited:
		case <-time.After(waitDelay):
		}
		close(ch)
	}()
	return ch
}

// exitReport says how the server ended and what it wrote to stderr (read only once it has exited,
// when exec.Cmd has stopped writing it).
func (s *Server) exitReport() string {
	select {
	case <-s.exited:
	default:
		return "it closed its socket and is still running"
	}
	if e := strings.TrimSpace(s.stderr.String()); e != "" {
		return s.cmd.ProcessState.String() + ": " + e
	}
	return s.cmd.ProcessState.String()
}

// fail ends every waiting call with err, and every later one.
func (s *Server) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readErr == nil {
		s.readErr = err
	}
	for id, c := range s.calls {
		close(c.done)
		delete(s.calls, id)
	}
}

// ExitError is a command that ended with a status other than 0.
type ExitError struct {
	Code   int // the exit status, or -1 when killed
	Signal syscall.Signal
}

func (e *ExitError) Error() string {
	if e.Signal != 0 {
		return "signal: " + e.Signal.String()
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

// Run runs the script with args in the server's working directory, stdin empty, and returns its
// stdout and stderr. A status other than 0 is an *ExitError; when ctx ends first, the command is
// killed and the error says so (wrapping ctx.Err()).
func (s *Server) Run(ctx context.Context, args ...string) (stdout, stderr []byte, err error) {
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return nil, nil, err
	}
	defer devnull.Close()
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	defer outR.Close()
	errR, errW, err := os.Pipe()
	if err != nil {
		outW.Close()
		return nil, nil, err
	}
	defer errR.Close()
	var outBuf, errBuf bytes.Buffer
	var copying sync.WaitGroup
	copying.Add(2)
	go func() { defer copying.Done(); io.Copy(&outBuf, outR) }()
	go func() { defer copying.Done(); io.Copy(&errBuf, errR) }()

	s.mu.Lock()
	if s.readErr != nil {
		s.mu.Unlock()
		outW.Close()
		errW.Close()
		return nil, nil, s.readErr
	}
	s.next++
	id := s.next
	req, _ := json.Marshal(map[string]any{"id": id, "argv": append([]string{}, args...), "cwd": s.dir})
	if len(req) > maxRequest {
		s.mu.Unlock()
		outW.Close()
		errW.Close()
		return nil, nil, fmt.Errorf("%w: %d bytes of request, at most %d", ErrTooLong, len(req), maxRequest)
	}
	c := &call{done: make(chan answer, 1)}
	s.calls[id] = c
	// A server that stopped reading must not hold this (and every other) call forever.
	s.conn.SetWriteDeadline(time.Now().Add(waitDelay))
	_, _, err = s.conn.WriteMsgUnix(req, syscall.UnixRights(int(devnull.Fd()), int(outW.Fd()), int(errW.Fd())), nil)
	if err != nil {
		delete(s.calls, id)
	}
	s.mu.Unlock()
	outW.Close()
	errW.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("forkcli: send a command to the server for %s: %w", s.script, err)
	}

	var a answer
	var ok, killed bool
	select {
	case a, ok = <-c.done:
	case <-ctx.Done():
		killed = true
		s.kill(id)
		select {
		case a, ok = <-c.done:
		case <-time.After(waitDelay):
			return nil, nil, fmt.Errorf("not ended %s after SIGKILL (its context ended: %w)", waitDelay, ctx.Err())
		}
	}
	// The child's output ends when it has exited, unless something it started holds the pipes.
	done := make(chan struct{})
	go func() { copying.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(waitDelay):
		outR.Close()
		errR.Close()
		<-done
	}
	stdout, stderr = outBuf.Bytes(), errBuf.Bytes()
	switch code := a.code; {
	case ok && a.err != "":
		return stdout, stderr, fmt.Errorf("forkcli: the server for %s started no command: %s", s.script, a.err)
	case !ok:
		s.mu.Lock()
		err = s.readErr
		s.mu.Unlock()
		return stdout, stderr, err
	case killed:
		return stdout, stderr, fmt.Errorf("killed: its context ended: %w", ctx.Err())
	case code < 0:
		return stdout, stderr, &ExitError{Code: -1, Signal: syscall.Signal(-code)}
	case code > 0:
		return stdout, stderr, &ExitError{Code: code}
	}
	return stdout, stderr, nil
}

// kill asks the server to SIGKILL command id.
func (s *Server) kill(id int) {
	msg, _ := json.Marshal(map[string]int{"kill": id})
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conn.SetWriteDeadline(time.Now().Add(waitDelay))
	s.conn.Write(msg)
}

// Close stops the server: the commands still running are killed, and the server is waited for
// (killed by its pid if it has not exited within a few seconds).
func (s *Server) Close() error {
	s.conn.CloseWrite()
	select {
	case <-s.exited:
	case <-time.After(waitDelay):
		s.cmd.Process.Kill()
		<-s.exited
	}
	return s.conn.Close()
}

// limitedWriter keeps the first n bytes written to it.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}
