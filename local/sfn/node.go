package sfn

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/procgroup"
)

// hostScript is the Node side of the interpreter; it is written into Options.Dir at Start so the
// binary carries everything it runs besides node_modules.
//
//go:embed host.mjs
var hostScript []byte

// message is one line between Go and host.mjs; which fields are set depends on Op (to Node) or
// Type (from Node).
type message struct {
	Op   string `json:"op,omitempty"`
	Type string `json:"type,omitempty"`

	ID         string          `json:"id,omitempty"`
	Arn        string          `json:"arn,omitempty"`
	Definition json.RawMessage `json:"definition,omitempty"`
	Input      json.RawMessage `json:"input,omitempty"`
	Context    json.RawMessage `json:"context,omitempty"`

	State      string          `json:"state,omitempty"`
	Resource   string          `json:"resource,omitempty"`
	Parameters json.RawMessage `json:"parameters,omitempty"`

	Event  json.RawMessage `json:"event,omitempty"`
	Status string          `json:"status,omitempty"`
	Output json.RawMessage `json:"output,omitempty"`
	Error  *string         `json:"error,omitempty"`
	Cause  *string         `json:"cause,omitempty"`
	Fatal  bool            `json:"fatal,omitempty"`

	Level string `json:"level,omitempty"`
	Msg   string `json:"msg,omitempty"`
}

// host is the running Node child.
type host struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser

	writeMu sync.Mutex
	exited  chan struct{} // closed when the child has exited
}

// findUp returns the first dir/rel that exists walking up from the working directory.
func findUp(rel string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// startHost writes host.mjs into dir and starts node on it; lines from its stdout go to onLine in
// order, on one goroutine, until the child exits.
func startHost(ctx context.Context, nodePath, libDir, dir string, onLine func([]byte), onStderr io.Writer) (*host, error) {
	script := filepath.Join(dir, "sfn-host.mjs")
	if err := os.WriteFile(script, hostScript, 0o644); err != nil {
		return nil, fmt.Errorf("write %s: %w", script, err)
	}
	// The child outlives ctx on purpose (ctx only bounds start-up); Close stops it by pid.
	cmd := exec.Command(nodePath, script, libDir)
	cmd.Dir = dir
	// Its own process group (a Ctrl-C meant for the cloud does not kill executions mid-flight: the
	// cloud stops the host itself), and SIGKILL when the cloud dies, however it dies. The host
	// starts no processes of its own and listens on nothing: it talks over stdin and stdout.
	procgroup.Own(cmd, syscall.SIGKILL)
	cmd.Stderr = onStderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("node stdin: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("node stdout: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", nodePath, err)
	}
	h := &host{cmd: cmd, stdin: stdin, exited: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64*1024), 256*1024*1024) // a state's input/output may be up to 256 KiB in AWS; be generous
		first := true
		for sc.Scan() {
			line := sc.Bytes()
			if first {
				first = false
				close(ready)
				continue // {"type":"ready"}
			}
			onLine(line)
		}
		_ = cmd.Wait()
		if first {
			close(ready)
		}
		close(h.exited)
	}()
	select {
	case <-ready:
	case <-ctx.Done():
		h.kill(time.Second)
		return nil, fmt.Errorf("node %s did not start: %w", nodePath, ctx.Err())
	}
	select {
	case <-h.exited:
		return nil, fmt.Errorf("node %s exited at start-up (see its stderr): is Node ≥ 22 and %s present?", nodePath, libDir)
	default:
	}
	return h, nil
}

// send writes one message line to the child.
func (h *host) send(m message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	if _, err := h.stdin.Write(b); err != nil {
		return fmt.Errorf("write to node: %w", err)
	}
	return nil
}

// kill asks the child to leave (stdin closed) and kills it by pid if it has not within grace.
func (h *host) kill(grace time.Duration) error {
	h.writeMu.Lock()
	_ = h.stdin.Close()
	h.writeMu.Unlock()
	select {
	case <-h.exited:
		return nil
	case <-time.After(grace):
	}
	if err := h.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill node pid %d: %w", h.cmd.Process.Pid, err)
	}
	select {
	case <-h.exited:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("node pid %d did not exit after kill", h.cmd.Process.Pid)
	}
}
