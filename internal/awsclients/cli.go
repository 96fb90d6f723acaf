package awsclients

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/forkcli"
)

// CLIRunner runs an AWS CLI's commands in one environment and working directory. A CLI that is a
// Python script (pip's v1, Debian's v2) runs each command as a child of a fork server that has
// imported awscli once (internal/forkcli): the CLI's own script, run whole, minus the 60 % of a
// call's CPU that is importing awscli and botocore. One that is not (the AWS CLI v2 installer's
// frozen executable) runs by exec, and so does a command whose arguments are too long for the
// server's requests. Find's `--version` of each CLI is always an exec of its path.
type CLIRunner struct {
	path string
	env  []string
	dir  string
	fork *forkcli.Server // nil: exec
}

// cliModules are what the AWS CLI imports on every call: its script before it calls main, and main
// (awscli.handlers, its built-in plugins, the customizations of every command: 0.2 CPU-seconds).
var cliModules = []string{"awscli.clidriver", "awscli.handlers"}

// NewCLIRunner starts c's runner; Close stops it.
func NewCLIRunner(ctx context.Context, c Client, env []string, dir string) (*CLIRunner, error) {
	r := &CLIRunner{path: c.Path, env: env, dir: dir}
	if c.Kind != CLI {
		return nil, fmt.Errorf("%s is not an AWS CLI", c.Name)
	}
	s, err := forkcli.Start(ctx, c.Path, env, dir, cliModules...)
	switch {
	case errors.Is(err, forkcli.ErrNotPython):
		return r, nil
	case err != nil:
		return nil, fmt.Errorf("%s: %w", c.Name, err)
	}
	r.fork = s
	return r, nil
}

// Forked reports whether commands run forked from a server (not by exec).
func (r *CLIRunner) Forked() bool { return r.fork != nil }

// Run runs one command bounded by ctx and returns its stdout and stderr. A status other than 0 is
// an error that says the command and its status, as exec.Cmd's (its stderr is returned, not in
// the error), wrapping a *forkcli.ExitError or an *exec.ExitError by how it ran.
func (r *CLIRunner) Run(ctx context.Context, args ...string) (stdout, stderr []byte, err error) {
	if r.fork != nil {
		stdout, stderr, err = r.fork.Run(ctx, args...)
	}
	if r.fork == nil || errors.Is(err, forkcli.ErrTooLong) { // by exec
		cmd := exec.CommandContext(ctx, r.path, args...)
		cmd.Env, cmd.Dir, cmd.WaitDelay = r.env, r.dir, 5*time.Second
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err = cmd.Run()
		stdout, stderr = o.Bytes(), e.Bytes()
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", err, ctx.Err())
		}
	}
	if err != nil {
		err = fmt.Errorf("%s %s: %w", filepath.Base(r.path), strings.Join(args, " "), err)
	}
	return stdout, stderr, err
}

// Close stops the fork server, killing a command still running.
func (r *CLIRunner) Close() {
	if r.fork != nil {
		r.fork.Close()
	}
}
