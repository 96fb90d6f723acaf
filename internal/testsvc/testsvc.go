// Package testsvc starts real local AWS service emulators for tests (DynamoDB Local, fauxqs), each
// reachable on 127.0.0.1 only, bounded in time, and stopped by its own process id.
//
// Start one emulator per test binary in TestMain and give each test its own tables, queues and
// buckets; starting DynamoDB Local costs seconds, a table milliseconds.
//
//	func TestMain(m *testing.M) {
//		ddb, err := testsvc.StartDynamoDB(context.Background())
//		... // keep err: tests call t.Skip(err) when errors.Is(err, testsvc.ErrUnavailable)
//		code := m.Run()
//		ddb.Close()
//		os.Exit(code)
//	}
package testsvc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrUnavailable wraps every "this machine cannot run the emulator" error (no java, no node, no
// jar, no user namespaces), so that tests skip with the reason instead of failing.
var ErrUnavailable = errors.New("emulator unavailable")

// Region and credentials the emulators accept (docs/contracts.md §5).
const (
	Region    = "us-east-1"
	AccessKey = "AKIDLOCAL"
	SecretKey = "local"
)

// StartTimeout bounds how long a Start function waits for its emulator to answer. Java's start on a
// busy 2-core machine takes several seconds.
const StartTimeout = 90 * time.Second

// Service is a running emulator.
type Service struct {
	// Endpoint is the base URL, http://127.0.0.1:<port>.
	Endpoint string

	cmd       *exec.Cmd
	listener  net.Listener // the 127.0.0.1 side of a forwarded service; nil for direct ones
	dir       string       // scratch directory, removed by Close
	logPath   string
	closeOnce sync.Once
	closeErr  error
	waitErr   chan error
}

// Close stops the emulator (its whole process group, by its pid) and removes its scratch files.
func (s *Service) Close() error {
	if s == nil {
		return nil
	}
	s.closeOnce.Do(func() {
		if s.listener != nil {
			s.listener.Close()
		}
		if s.cmd != nil && s.cmd.Process != nil {
			pid := s.cmd.Process.Pid
			_ = syscall.Kill(-pid, syscall.SIGTERM)
			select {
			case <-s.waitErr:
			case <-time.After(5 * time.Second):
				_ = syscall.Kill(-pid, syscall.SIGKILL)
				<-s.waitErr
			}
		}
		if s.dir != "" {
			s.closeErr = os.RemoveAll(s.dir)
		}
	})
	return s.closeErr
}

// logTail returns the last lines the emulator wrote, for error messages.
func (s *Service) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return strings.Join(lines, "\n")
}

// start launches cmd in its own process group with output to the service's log file.
func (s *Service) start(cmd *exec.Cmd) error {
	f, err := os.Create(s.logPath)
	if err != nil {
		return err
	}
	defer f.Close()
	if cmd.Stdout == nil {
		cmd.Stdout = f
	}
	cmd.Stderr = f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd = cmd
	s.waitErr = make(chan error, 1)
	go func() { s.waitErr <- cmd.Wait() }()
	return nil
}

// waitHTTP polls the endpoint until any HTTP answer comes back, the process dies, or ctx ends.
func (s *Service) waitHTTP(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.Endpoint+"/", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case err := <-s.waitErr:
			s.waitErr <- err // let Close see it too
			return fmt.Errorf("%s exited before answering (%v):\n%s", name, err, s.logTail())
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer on %s within %s:\n%s", name, s.Endpoint, StartTimeout, s.logTail())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// RepoRoot returns the directory holding the module's go.mod, searching up from the working
// directory (go test runs in the package's directory).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			strings.Contains(firstLine(string(b)), "github.com/chaoslab/serverless-chaos-lab") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testsvc: go.mod of github.com/chaoslab/serverless-chaos-lab not found above the working directory")
		}
		dir = parent
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// readLine reads the first line a child prints (with a deadline), e.g. its port.
func readLine(ctx context.Context, r *bufio.Reader) (string, error) {
	type res struct {
		s   string
		err error
	}
	ch := make(chan res, 1)
	go func() {
		s, err := r.ReadString('\n')
		ch <- res{strings.TrimSpace(s), err}
	}()
	select {
	case x := <-ch:
		return x.s, x.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
