// Package cdkapp finds the lab's CDK app on disk and synthesizes it with the pinned CDK CLI, for
// the drivers that deploy it themselves (`chaoslab lab` and `chaoslab local`).
//
// Use it in order: find the repository once, then synthesize each scenario into a cdk.out of its
// own, which the local cloud deploys:
//
//	root, err := cdkapp.FindRoot()                            // the lab's checkout
//	err = cdkapp.Synth(ctx, root, "flawed", outDir, logFile)  // node_modules/.bin/cdk synth
//
// SynthStack names the stack (`-c stackName=`), for stacks deployed side by side; SynthStacks
// synthesizes several stacks in one run of the app, into one cdk.out.
//
// Synth builds for the host's architecture (HostArchitecture), so that the local cloud runs the
// very bootstrap binary synth put into cdk.out. Rel shortens a path under root for messages.
package cdkapp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/procgroup"
)

// synthTimeout bounds one synth: the CLI compiles the Go app and the function first.
const synthTimeout = 10 * time.Minute

// HostArchitecture is the Lambda architecture matching this machine, so the
// local cloud runs the very bootstrap binary that synth put into cdk.out.
func HostArchitecture() string {
	if runtime.GOARCH == "arm64" {
		return "arm64"
	}
	return "x86_64"
}

// Module is the lab's Go module path: the line of its go.mod that tells its checkout from another
// CDK app's folder (a team's own app has a cdk.json too).
const Module = "github.com/chaoslab/serverless-chaos-lab"

// FindRoot walks up from the working directory to the lab's checkout: the folder holding cdk.json
// and a go.mod of Module. A cdk.json of another app on the way is passed by, and named if no
// checkout is found above it. From outside any checkout it walks up from chaoslab's own binary
// instead, so a binary built into the checkout (go build -o bin/chaoslab ./drivers/chaoslab) finds
// it from anywhere.
func FindRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	root, other := walkUp(dir)
	if root != "" {
		return root, nil
	}
	if exe, err := executable(); err == nil {
		if exe, err = filepath.EvalSymlinks(exe); err == nil {
			if r, _ := walkUp(filepath.Dir(exe)); r != "" {
				return r, nil
			}
		}
	}
	if other != "" {
		return "", fmt.Errorf("%s has a cdk.json, but it is not the lab's checkout (its go.mod is not module %s), and none is above it or chaoslab's binary: run chaoslab from the lab's repository (a stack of your own app goes into a running local cloud with chaoslab local deploy -cdk-out <its cdk.out>)", other, Module)
	}
	return "", fmt.Errorf("no cdk.json in %s or above, nor above chaoslab's binary: run chaoslab from the lab's repository", dir)
}

// executable is os.Executable, replaced by the tests.
var executable = os.Executable

// walkUp finds the checkout at or above dir; other is the first cdk.json of another app on the way.
func walkUp(dir string) (root, other string) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "cdk.json")); err == nil {
			if isLab(d) {
				return d, other
			}
			if other == "" {
				other = d
			}
		}
		if filepath.Dir(d) == d {
			return "", other
		}
	}
}

// isLab says whether dir's go.mod is the lab's module.
func isLab(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" && strings.Trim(f[1], `"`) == Module {
			return true
		}
	}
	return false
}

// Rel is p relative to root when p is inside root, else p: for messages.
func Rel(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}

// Synth runs the pinned CDK CLI for one scenario into outDir, for the host's
// architecture. Its output goes to log; it is bounded by ctx.
func Synth(ctx context.Context, root, scenario, outDir string, log io.Writer) error {
	return SynthStack(ctx, root, scenario, "", outDir, log)
}

// SynthStack is Synth of a stack named stackName (`-c stackName=...`), so that several stacks
// can be deployed side by side; "" is the app's default name (contract.DefaultStackName).
func SynthStack(ctx context.Context, root, scenario, stackName, outDir string, log io.Writer) error {
	args := []string{"-c", "scenario=" + scenario}
	if stackName != "" {
		args = append(args, "-c", "stackName="+stackName)
	}
	if err := synth(ctx, root, outDir, log, args...); err != nil {
		return fmt.Errorf("synth %s: %w", scenario, err)
	}
	return nil
}

// Stack is one stack of SynthStacks: its name and its scenario.
type Stack struct{ Name, Scenario string }

// SynthStacks synthesizes every stack in one run of the app (`-c stacks=<name>=<scenario>,...`) into
// one cdk.out, for the host's architecture: the app starts once (the jsii runtime, the function's
// build) instead of once per stack. The stacks share the function's asset.
func SynthStacks(ctx context.Context, root string, stacks []Stack, outDir string, log io.Writer) error {
	if len(stacks) == 0 {
		return errors.New("synth: no stacks")
	}
	list := make([]string, len(stacks))
	for i, st := range stacks {
		list[i] = st.Name + "=" + st.Scenario
	}
	if err := synth(ctx, root, outDir, log, "-c", "stacks="+strings.Join(list, ",")); err != nil {
		return fmt.Errorf("synth %d stacks: %w", len(stacks), err)
	}
	return nil
}

// synth runs `cdk synth -q` with the context args, for the host's architecture, into outDir.
func synth(ctx context.Context, root, outDir string, log io.Writer, contextArgs ...string) error {
	cdk := filepath.Join(root, "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err != nil {
		return fmt.Errorf("%s not found: run `npm ci` (make lab does)", cdk)
	}
	ctx, cancel := context.WithTimeout(ctx, synthTimeout)
	defer cancel()
	args := append([]string{"synth", "-q", "-c", "architecture=" + HostArchitecture(), "-o", outDir}, contextArgs...)
	// The CLI runs `go run .`, which compiles the app (minutes on a cold build cache) and runs it,
	// and the app starts jsii's node: the whole group is stopped on cancel and when this process
	// dies, however it dies; the synth writes into outDir, a directory the next synth of the same
	// stacks replaces.
	cmd := procgroup.TreeCommand(ctx, cdk, args...)
	cmd.Dir = root
	// Node 20 runs the CLI (Debian's): jsii's end-of-life notice and the AWS SDK for JavaScript's
	// notice about its versions after January 2027 say nothing about these pinned ones, and each
	// printed nine lines into every deploy's output.
	cmd.Env = append(os.Environ(), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20", "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true")
	// The synth's temporary files (jsii's runtime, go run's build) go in a folder of its own beside
	// outDir, removed after the synth and before the next one: a synth stopped by a signal left
	// /tmp/jsii-runtime.* (1.6 MB each) and /tmp/go-build* (up to 83 MB) behind it, one per stop.
	tmp := outDir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("synth's temporary folder %s: %w", tmp, err)
	}
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return fmt.Errorf("synth's temporary folder %s: %w", tmp, err)
	}
	defer os.RemoveAll(tmp)
	cmd.Env = append(cmd.Env, "TMPDIR="+tmp)
	if err := clearStaleLocks(outDir); err != nil {
		return err
	}
	q := &quietWriter{w: log}
	cmd.Stdout, cmd.Stderr = q, q // one writer: exec calls it from one goroutine at a time
	err := cmd.Run()
	q.Flush()
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("timed out after %s", synthTimeout)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: %w", ctx.Err())
		}
		if t := q.tail(); t != "" {
			return fmt.Errorf("%w; its last lines:\n%s", err, t)
		}
		return fmt.Errorf("%w (it printed nothing)", err)
	}
	return nil
}

// jsiiExitRace is what jsii-runtime-go prints when the app exits: its Close and its watcher of the
// node child both wait for that child, and the one that loses gets ECHILD. The synth has succeeded
// by then; the text, which ends in no newline, ran into the CDK CLI's next line.
const jsiiExitRace = "Runtime process exited abnormally: waitid: no child processes"

// quietWriter copies a synth's output to w line by line without jsiiExitRace (a line left empty
// by its removal is dropped). Flush writes what is left after the last newline.
type quietWriter struct {
	w   io.Writer
	buf []byte
	err error
	// last holds the last lines written, for the error of a synth that failed: its log may be a
	// file (the lab's synth.log), where "see the log above" sent the reader to nothing.
	last []string
}

// lastLines is how many of the synth's last lines a failed synth's error quotes.
const lastLines = 6

// tail is the last lines written, joined.
func (q *quietWriter) tail() string { return strings.Join(q.last, "\n") }

func (q *quietWriter) Write(p []byte) (int, error) {
	q.buf = append(q.buf, p...)
	for {
		i := bytes.IndexByte(q.buf, '\n')
		if i < 0 {
			break
		}
		q.emit(q.buf[:i+1])
		q.buf = q.buf[i+1:]
	}
	return len(p), q.err
}

// Flush writes the last line, if it has no newline.
func (q *quietWriter) Flush() {
	if len(q.buf) > 0 {
		q.emit(q.buf)
		q.buf = nil
	}
}

func (q *quietWriter) emit(line []byte) {
	if q.err != nil {
		return
	}
	if bytes.Contains(line, []byte(jsiiExitRace)) {
		line = bytes.ReplaceAll(line, []byte(jsiiExitRace), nil)
		if len(bytes.TrimSpace(line)) == 0 {
			return
		}
	}
	if l := strings.TrimSpace(string(line)); l != "" {
		q.last = append(q.last, l)
		if len(q.last) > lastLines {
			q.last = q.last[1:]
		}
	}
	_, q.err = q.w.Write(line)
}

// clearStaleLocks removes the CDK CLI's lock files in outDir (synth.lock, read.<pid>.<n>.lock) whose
// process is no CDK CLI: a synth stopped by a signal leaves its lock, and the CLI takes the lock as
// held while its pid lives, so once the pid was given to another process every later synth was
// refused ("Another CLI (PID=...) is currently synthing"). A lock of a live CDK CLI stays: that synth
// refuses this one, as it should.
func clearStaleLocks(outDir string) error {
	entries, err := os.ReadDir(outDir)
	if err != nil {
		return nil // no outDir yet: no lock
	}
	for _, e := range entries {
		name := e.Name()
		if name != "synth.lock" && !(strings.HasPrefix(name, "read.") && strings.HasSuffix(name, ".lock")) {
			continue
		}
		path := filepath.Join(outDir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && isCDK(pid) {
			continue
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("synth: remove the stale CDK lock %s: %w", path, err)
		}
	}
	return nil
}

// isCDK reports whether pid is a live CDK CLI: one of its arguments is the cdk command
// (node_modules/.bin/cdk) or in the aws-cdk package.
func isCDK(pid int) bool {
	if pid <= 0 {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	for _, arg := range strings.Split(string(b), "\x00") {
		if filepath.Base(arg) == "cdk" || strings.Contains(arg, "/aws-cdk/") {
			return true
		}
	}
	return false
}
