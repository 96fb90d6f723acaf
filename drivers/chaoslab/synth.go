package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"
)

// hostArchitecture is the Lambda architecture matching this machine, so the
// local cloud runs the very bootstrap binary that synth put into cdk.out.
func hostArchitecture() string {
	if runtime.GOARCH == "arm64" {
		return "arm64"
	}
	return "x86_64"
}

// findRoot walks up from the working directory to the folder holding cdk.json.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "cdk.json")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no cdk.json in %s or above: run chaoslab from the repository", dir)
		}
	}
}

// synth runs the pinned CDK CLI for one scenario into outDir, for the host's
// architecture. Its output goes to log; it is bounded by ctx.
func synth(ctx context.Context, root, scenario, outDir string, log io.Writer) error {
	cdk := filepath.Join(root, "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err != nil {
		return fmt.Errorf("synth: %s not found: run `npm ci` (make lab does)", cdk)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cdk, "synth", "-q",
		"-c", "scenario="+scenario, "-c", "architecture="+hostArchitecture(), "-o", outDir)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20")
	cmd.Stdout, cmd.Stderr = log, log
	// The CLI starts the Go app as a child: stop the whole group on cancel.
	setProcessGroup(cmd)
	if err := cmd.Run(); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("synth %s: timed out after 10m", scenario)
		}
		return fmt.Errorf("synth %s: %w (see the log above)", scenario, err)
	}
	return nil
}
