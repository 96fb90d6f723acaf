package cloud

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/dirlock"
)

// The control API lets other processes (`chaoslab local deploy`, `chaoslab local down`) drive a
// local cloud that `chaoslab local up` keeps running: functions and pollers live in the up process,
// so a deploy must happen there. It listens on 127.0.0.1 only and requires the token from the
// state file, which only the user who started the cloud can read.

// ServeControl starts the control API and records its address in the state file. shutdown is
// called (once) when a client asks the cloud to stop; the caller then calls Close.
func (c *Cloud) ServeControl(shutdown func()) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("cloud: control listener: %w", err)
	}
	var tok [16]byte
	rand.Read(tok[:])
	token := hex.EncodeToString(tok[:])
	var once sync.Once
	mux := http.NewServeMux()
	mux.HandleFunc("POST /deploy", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ CdkOut, Stack, Artifact string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, "body: "+err.Error(), http.StatusBadRequest)
			return
		}
		var progress bytes.Buffer
		out, err := c.DeployStack(r.Context(), StackDeploy{CdkOut: req.CdkOut, StackName: req.Stack, Artifact: req.Artifact,
			Progress: io.MultiWriter(&progress, c.opts.Log)})
		resp := map[string]any{"outputs": out, "progress": progress.String()}
		if err != nil {
			resp["error"] = err.Error()
		}
		writeControl(w, resp)
	})
	mux.HandleFunc("POST /delete", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Stack string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, "body: "+err.Error(), http.StatusBadRequest)
			return
		}
		resp := map[string]any{}
		if err := c.Delete(r.Context(), req.Stack); err != nil {
			resp["error"] = err.Error()
		}
		writeControl(w, resp)
	})
	mux.HandleFunc("POST /teardown", func(w http.ResponseWriter, r *http.Request) {
		resp := map[string]any{}
		if err := c.Teardown(r.Context()); err != nil {
			resp["error"] = err.Error()
		}
		writeControl(w, resp)
	})
	mux.HandleFunc("POST /shutdown", func(w http.ResponseWriter, r *http.Request) {
		writeControl(w, map[string]any{})
		once.Do(func() { go shutdown() })
	})
	c.serveProcesses(mux)
	srv := &http.Server{Handler: requireToken(token, mux), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	c.mu.Lock()
	c.control, c.controlToken, c.controlSrv = "http://"+ln.Addr().String(), token, srv
	c.mu.Unlock()
	return c.writeState()
}

func requireToken(token string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Chaoslab-Token") != token {
			http.Error(w, "bad or missing X-Chaoslab-Token", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeControl(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// control calls the control API of the cloud running from dir.
func control(ctx context.Context, dir, path string, body any) (map[string]json.RawMessage, error) {
	st, err := ReadState(dir)
	if err != nil {
		return nil, err
	}
	if st.Control == "" {
		return nil, fmt.Errorf("the local cloud (pid %d) serves no control API", st.Pid)
	}
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, "POST", st.Control+path, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Chaoslab-Token", st.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("local cloud control %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("local cloud control %s: %s: %s", path, resp.Status, strings.TrimSpace(string(msg)))
	}
	var out map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("local cloud control %s: %w", path, err)
	}
	if e, ok := out["error"]; ok {
		var msg string
		json.Unmarshal(e, &msg)
		return out, errors.New(msg)
	}
	return out, nil
}

// RemoteDeploy asks the local cloud running from dir to deploy stack from cdkOut (an absolute
// path or one relative to this process's directory), writing its progress to progress.
func RemoteDeploy(ctx context.Context, dir, cdkOut, stack string, progress io.Writer) (Outputs, error) {
	if abs, err := filepath.Abs(cdkOut); err == nil {
		cdkOut = abs
	}
	out, err := control(ctx, dir, "/deploy", map[string]string{"CdkOut": cdkOut, "Stack": stack})
	if out != nil && progress != nil {
		var p string
		json.Unmarshal(out["progress"], &p)
		io.WriteString(progress, p)
	}
	if err != nil {
		return nil, err
	}
	var outputs Outputs
	if err := json.Unmarshal(out["outputs"], &outputs); err != nil {
		return nil, fmt.Errorf("local cloud control /deploy: outputs: %w", err)
	}
	return outputs, nil
}

// RemoteDelete asks the local cloud running from dir to delete the stack named stack, leaving the
// others alone.
func RemoteDelete(ctx context.Context, dir, stack string) error {
	_, err := control(ctx, dir, "/delete", map[string]string{"Stack": stack})
	return err
}

// RemoteTeardown asks the local cloud running from dir to delete every deployed stack.
func RemoteTeardown(ctx context.Context, dir string) error {
	_, err := control(ctx, dir, "/teardown", struct{}{})
	return err
}

// ErrNothingToStop is in Stop's error when no local cloud runs from the directory and nothing holds
// it: a stop that finds nothing to stop (`local down` twice, or after a crash) is not a failure.
// That error wraps ErrNotRunning too, and says whether a stale state file was removed.
var ErrNothingToStop = errors.New("nothing to stop")

// ErrStaleState is in ReadState's error when it found and removed the state file of a cloud that
// ended without stopping (killed, crashed).
var ErrStaleState = errors.New("its stale state file")

// Stop asks the local cloud running from dir to shut down and waits (bounded by ctx) until its
// process has exited. If the control API does not answer, the process gets SIGTERM by its pid.
func Stop(ctx context.Context, dir string) error {
	_, stateErr := os.Stat(statePath(dir))
	st, err := ReadState(dir)
	if se := (*StartingError)(nil); errors.As(err, &se) {
		return stopStarting(ctx, se)
	}
	if err != nil {
		if held, _ := dirlock.Held(lockPath(dir)); errors.Is(err, ErrNotRunning) && !held {
			stale := ""
			if stateErr == nil { // ReadState found it stale, and removed it
				stale = " (the state file a cloud left there, ended without stopping, is removed)"
			}
			return fmt.Errorf("%w: %w from %s%s", ErrNothingToStop, ErrNotRunning, dir, stale)
		}
		return err
	}
	if _, err := control(ctx, dir, "/shutdown", struct{}{}); err != nil {
		if err := syscall.Kill(st.Pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("stop local cloud pid %d: %w", st.Pid, err)
		}
	}
	// Close removes the state file after everything it started has stopped.
	for syscall.Kill(st.Pid, 0) == nil {
		if _, err := os.Stat(statePath(dir)); errors.Is(err, os.ErrNotExist) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("local cloud pid %d still running: %w", st.Pid, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

// stopStarting stops a local cloud that is still starting (its lock held, no state written): it
// has no control API yet, so it is sent SIGTERM by its pid, which stops it as Ctrl-C does, and
// Stop waits for it to let the directory go. Told "no local cloud is running" instead, `local
// down` in a script left it to come up and run on.
func stopStarting(ctx context.Context, se *StartingError) error {
	if err := syscall.Kill(se.Pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop the local cloud starting in %s (pid %d): %w", se.Dir, se.Pid, err)
	}
	for {
		if held, _ := dirlock.Held(lockPath(se.Dir)); !held {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the local cloud starting in %s (pid %d) still holds it: %w", se.Dir, se.Pid, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
