package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Process is one process of the local cloud, with what it is, for measurements (`chaoslab bench`
// reads each one's CPU time from /proc/<pid>/stat).
type Process struct {
	// Role is what the process does: RoleGateway, RoleFauxqs, RoleDynamoDB, RoleStepFunctions, or
	// RoleFunction for a sandbox.
	Role string `json:"role"`
	// Name is the function's name for a sandbox; empty otherwise.
	Name string `json:"name,omitempty"`
	Pid  int    `json:"pid"`
	// Tree counts the process's descendants with it (DynamoDB Local is a Node relay whose child is
	// the JVM); the gateway's does not, since every other process is its descendant.
	Tree bool `json:"tree"`
}

// Process roles.
const (
	RoleGateway       = "gateway" // this process: the gateway and every Go service behind it
	RoleFauxqs        = "fauxqs"  // S3, SQS and SNS on Node
	RoleDynamoDB      = "dynamodb-local"
	RoleStepFunctions = "stepfunctions"
	RoleFunction      = "function"
)

// Processes are the cloud's processes now, by role: this one (the gateway and the Go services),
// the emulators, the Step Functions interpreter, and every function sandbox.
func (c *Cloud) Processes() []Process {
	ps := []Process{{Role: RoleGateway, Pid: os.Getpid()}}
	if c.fauxqs != nil {
		ps = append(ps, Process{Role: RoleFauxqs, Pid: c.fauxqs.Pid(), Tree: true})
	}
	if c.dynamo != nil {
		ps = append(ps, Process{Role: RoleDynamoDB, Pid: c.dynamo.Pid(), Tree: true})
	}
	// The interpreter is the child running the host script the cloud wrote into its sfn directory.
	sfnDir := []byte(filepath.Join(c.opts.Dir, "sfn") + string(filepath.Separator))
	for _, pid := range children(os.Getpid()) {
		if cmd, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline"); err == nil && bytes.Contains(cmd, sfnDir) {
			ps = append(ps, Process{Role: RoleStepFunctions, Pid: pid, Tree: true})
		}
	}
	if c.lambda != nil {
		for _, f := range c.lambda.Functions() {
			for _, pid := range c.lambda.Pids(f.Name) {
				ps = append(ps, Process{Role: RoleFunction, Name: f.Name, Pid: pid, Tree: true})
			}
		}
	}
	return ps
}

// children are pid's child processes (Linux: /proc/<pid>/task/<tid>/children).
func children(pid int) []int {
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	var out []int
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// serveProcesses adds to the control API what a benchmark of a cloud kept up by `chaoslab local
// up` needs: its processes (RemoteProcesses) and a CPU profile of its Go side (RemoteProfile).
func (c *Cloud) serveProcesses(mux *http.ServeMux) {
	mux.HandleFunc("POST /processes", func(w http.ResponseWriter, r *http.Request) {
		writeControl(w, map[string]any{"processes": c.Processes()})
	})
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
}

// RemoteProcesses asks the local cloud running from dir for its processes (Cloud.Processes).
func RemoteProcesses(ctx context.Context, dir string) ([]Process, error) {
	out, err := control(ctx, dir, "/processes", struct{}{})
	if err != nil {
		return nil, err
	}
	var ps []Process
	if err := json.Unmarshal(out["processes"], &ps); err != nil {
		return nil, fmt.Errorf("local cloud control /processes: %w", err)
	}
	return ps, nil
}

// RemoteProfile writes a CPU profile (pprof format) of the Go side of the local cloud running from
// dir — the gateway and every service behind it — taken over the next seconds.
func RemoteProfile(ctx context.Context, dir string, seconds int, w io.Writer) error {
	st, err := ReadState(dir)
	if err != nil {
		return err
	}
	if st.Control == "" {
		return fmt.Errorf("the local cloud (pid %d) serves no control API", st.Pid)
	}
	req, err := http.NewRequestWithContext(ctx, "GET", st.Control+"/debug/pprof/profile?seconds="+strconv.Itoa(seconds), nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Chaoslab-Token", st.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("local cloud profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("local cloud profile: %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	_, err = io.Copy(w, resp.Body)
	return err
}
