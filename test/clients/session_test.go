package clients

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/syncbuf"
)

// pySession is one `boto3_client.py session`: a Python process that answers request after request
// on its stdin and stdout. A boto3 test runs all its calls in one, as a user's script does: a
// Python start with boto3 imported costs about half a CPU-second, and make test is CPU-bound.
type pySession struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Scanner
	stderr *syncbuf.Buffer
	dead   error // set once a request timed out or the process stopped answering
}

// apiError is the error a session's request ended with: a service's answer (Code set) or what
// botocore raised before sending (parameter validation: Code "").
type apiError struct {
	Code    string // the service's error code ("InvalidParameter"), "" when no service answered
	Message string // the request, then botocore's text of the error
}

func (e *apiError) Error() string { return e.Message }

// startSession starts the script's session on py's Python, stopped when the test ends: its stdin
// closed, then waited for, and killed by its own pid if it has not ended within callTimeout.
func startSession(ctx context.Context, t *testing.T, py *proc, script string) *pySession {
	t.Helper()
	cmd := exec.CommandContext(ctx, py.path, script, "session")
	cmd.Env, cmd.Dir = py.env, py.dir
	cmd.WaitDelay = 5 * time.Second
	s := &pySession{cmd: cmd, stderr: &syncbuf.Buffer{}}
	cmd.Stderr = s.stderr
	var err error
	if s.in, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.out = bufio.NewScanner(stdout)
	s.out.Buffer(make([]byte, 0, 64<<10), 64<<20) // a scan's items, a CSV: well under 64 MiB
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s %s session: %v", py.path, script, err)
	}
	t.Cleanup(func() {
		s.in.Close() // the script ends at the end of its input
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil && s.dead == nil {
				t.Errorf("the boto3 session ended with %v\nstderr: %s", err, tail(s.stderr.String(), 3000))
			}
		case <-time.After(callTimeout):
			cmd.Process.Kill()
			<-done
			t.Errorf("the boto3 session did not end within %s of its input's end", callTimeout)
		}
	})
	return s
}

// request sends one request line and decodes the answer's value into out (nil: ignored). A
// request that gets no answer within callTimeout kills the session: every later one fails.
func (s *pySession) request(req any, out any) error {
	if s.dead != nil {
		return s.dead
	}
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := s.in.Write(append(b, '\n')); err != nil {
		return s.die("writing %s: %v", b, err)
	}
	type answer struct {
		line []byte
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		if s.out.Scan() {
			got <- answer{line: s.out.Bytes()}
			return
		}
		err := s.out.Err()
		if err == nil {
			err = io.EOF
		}
		got <- answer{err: err}
	}()
	var a answer
	select {
	case a = <-got:
	case <-time.After(callTimeout):
		return s.die("no answer to %s within %s (killed)", b, callTimeout)
	}
	if a.err != nil { // the process ended, or its answer was too long to read: it is no use now
		return s.die("no answer to %s: %v", b, a.err)
	}
	var resp struct {
		OK    json.RawMessage `json:"ok"`
		Error *string         `json:"error"`
		Code  string          `json:"code"`
	}
	if err := json.Unmarshal(a.line, &resp); err != nil {
		return fmt.Errorf("boto3 session: the answer to %s is not JSON: %v\n%s", b, err, tail(string(a.line), 2000))
	}
	if resp.Error != nil {
		return &apiError{Code: resp.Code, Message: fmt.Sprintf("%s: %s", b, *resp.Error)}
	}
	if out == nil || len(resp.OK) == 0 || string(resp.OK) == "null" {
		return nil
	}
	if err := json.Unmarshal(resp.OK, out); err != nil {
		return fmt.Errorf("boto3 session: the answer to %s: %v\n%s", b, err, tail(string(resp.OK), 2000))
	}
	return nil
}

// die kills the session (by its pid, if it still runs) and makes it answer every request from now on
// with this error, the script's stderr appended.
func (s *pySession) die(format string, args ...any) error {
	s.cmd.Process.Kill()
	s.dead = fmt.Errorf("boto3 session: "+format+"\nstderr: %s", append(args, tail(s.stderr.String(), 3000))...)
	return s.dead
}

// run runs one of the script's commands (boto3_client.py <command> args...).
func (s *pySession) run(out any, command string, args ...string) error {
	return s.request(append([]string{command}, args...), out)
}

// call makes one API call (service as boto3.client names it, operation as the API does) and
// decodes its response into out.
func (s *pySession) call(out any, service, operation string, params any) error {
	if params == nil {
		params = map[string]any{}
	}
	return s.request(map[string]any{"service": service, "operation": operation, "params": params}, out)
}

// errorCode is the service's error code of err ("" when it is no service's answer).
func errorCode(err error) string {
	if e, ok := err.(*apiError); ok {
		return e.Code
	}
	return ""
}
