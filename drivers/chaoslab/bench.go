package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/bench"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cdkapp"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/stack"
	"github.com/chaoslab/serverless-chaos-lab/internal/atomicfile"
	"github.com/chaoslab/serverless-chaos-lab/internal/contract"
	"github.com/chaoslab/serverless-chaos-lab/internal/procgroup"
	"github.com/chaoslab/serverless-chaos-lab/local/cloud"
)

func init() {
	register(command{name: "bench", synopsis: "benchmark the pipeline on the local cloud at rising rates", run: (*Main).bench})
}

const benchUsage = `
chaoslab bench measures the pipeline on the local cloud: it starts one
(chaoslab local up, in -dir, as a process of its own so that the cloud's CPU
is the cloud's alone), deploys a resilient stack, and drives it at rising
rates, a step per rate, each long enough to be steady. Per step it prints the
documents per second accepted (S3 PutObject answered) and converted (CSV
notifications received), the end-to-end latency (the document's scheduled
upload → CSV notification received by the subscriber; a wait for an upload
slot counts) p50/p95/p99 (nearest rank), the documents lost
(must be 0), and the CPU seconds per 1,000 documents of each process of the
cloud: the gateway (our Go process, with every Go service behind it), fauxqs,
DynamoDB Local, the function sandboxes, the Step Functions interpreter. It is
a benchmark, not a test: it asserts nothing about speed. A warm-up at the first
rate comes first and is not reported (-warmup): the cloud's DynamoDB Local runs
the JVM's full JIT, which compiles through its first minute of load. -profile writes a CPU
profile of the cloud's Go side during the last step (go tool pprof).

Usage:
  chaoslab bench [flags]
`

func (m *Main) bench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chaoslab bench", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	var cfg bench.Config
	rates := fs.String("rates", "50,100,150,200,250,300,400", "documents per second of each step, in order")
	fs.DurationVar(&cfg.Step, "step", 30*time.Second, "each step's length")
	fs.DurationVar(&cfg.Warmup, "warmup", 30*time.Second, "drive the first rate for this long before the first step, not reported (0: none)")
	fs.DurationVar(&cfg.Drain, "drain", 60*time.Second, "after each step, the longest wait for its documents")
	fs.IntVar(&cfg.InFlight, "in-flight", 256, "uploads in flight at most")
	dir := fs.String("dir", ".lab/bench", "the benchmarked local cloud's run directory")
	profile := fs.String("profile", "", "write a CPU profile of the cloud's Go side during the last step to this `file`")
	out := fs.String("json", "", "also write the steps as JSON to this `file`")
	fs.Usage = usageFunc(fs, benchUsage)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return cli.Argsf(fs, "chaoslab bench [flags]", "chaoslab bench: unexpected arguments %q", fs.Args())
	}
	for _, r := range splitList(*rates) {
		v, err := strconv.ParseFloat(r, 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			return cli.Usagef("chaoslab bench: -rates: %q is not a positive number", r)
		}
		cfg.Rates = append(cfg.Rates, v)
	}
	if len(cfg.Rates) == 0 {
		return cli.Usagef("chaoslab bench: -rates: none given")
	}
	// Checked before a cloud starts: the benchmark used to swap a bad value for its default
	// silently, a minute later.
	for _, d := range []struct {
		flag string
		d    time.Duration
		zero bool // 0 allowed
	}{{"step", cfg.Step, false}, {"warmup", cfg.Warmup, true}, {"drain", cfg.Drain, false}} {
		if d.d < 0 || d.d == 0 && !d.zero {
			return cli.Usagef("chaoslab bench: -%s %s: want a positive duration", d.flag, d.d)
		}
	}
	if cfg.InFlight < 1 {
		return cli.Usagef("chaoslab bench: -in-flight %d: want 1 or more", cfg.InFlight)
	}
	// The output files are checked before the minutes of benchmarking, not after them (a path that
	// cannot be written failed at the end and lost the run), and written only at the end: a run that
	// fails or is interrupted leaves what was there before (they were emptied at the start).
	for _, o := range []struct{ flag, path string }{{"json", *out}, {"profile", *profile}} {
		if o.path == "" {
			continue
		}
		if err := cli.WritableFile(o.path); err != nil {
			return cli.Usagef("chaoslab bench: -%s %s: %v", o.flag, o.path, err)
		}
	}
	root, err := cdkapp.FindRoot()
	if err != nil {
		return err
	}
	if !filepath.IsAbs(*dir) {
		*dir = filepath.Join(root, *dir)
	}
	stackName := contract.DefaultStackName + "-bench"

	fmt.Fprintf(m.Stderr, "==> start a local cloud in %s and deploy %s (resilient); its log: %s\n", cdkapp.Rel(root, *dir), stackName,
		cdkapp.Rel(root, filepath.Join(*dir, "local-up.log")))
	st, stopCloud, err := startBenchCloud(ctx, root, *dir, stackName)
	if err != nil {
		return err
	}
	defer stopCloud()
	o, err := stack.LoadStack(filepath.Join(*dir, "outputs.json"), stackName)
	if err != nil {
		return err
	}
	cfg.AWS = cloud.ClientConfig(st.Endpoint, st.Credentials())
	cfg.Outputs = o.Values
	cfg.Processes = func(ctx context.Context) ([]cloud.Process, error) { return cloud.RemoteProcesses(ctx, *dir) }
	cfg.Progress = m.Stderr
	var profileData []byte // the last step's profile
	var profileErr error   // or why it could not be taken
	if *profile != "" {
		cfg.Profile = func(ctx context.Context, d time.Duration) {
			var b bytes.Buffer
			if profileErr = cloud.RemoteProfile(ctx, *dir, int(d.Seconds()), &b); profileErr != nil {
				fmt.Fprintf(m.Stderr, "profile: %v\n", profileErr)
				return
			}
			profileData = b.Bytes()
		}
	}
	plan := fmt.Sprintf("%d steps of %s, rates %s", len(cfg.Rates), cfg.Step, *rates)
	if len(cfg.Rates) == 1 {
		plan = fmt.Sprintf("1 step of %s at %s", cfg.Step, *rates)
	}
	fmt.Fprintf(m.Stderr, "==> %s documents/s (load average before: %s)\n", plan, loadAverage())
	steps, err := bench.Run(ctx, cfg)
	fmt.Fprintln(m.Stdout)
	if len(steps) == 0 {
		fmt.Fprintln(m.Stdout, "no step finished")
	} else {
		bench.PrintSteps(m.Stdout, steps)
	}
	fmt.Fprintf(m.Stdout, "\nload average after: %s (the machine's other work shares the cores)\n", loadAverage())
	if *out != "" && len(steps) > 0 {
		b, _ := json.MarshalIndent(steps, "", "  ")
		if werr := atomicfile.WriteFile(*out, append(b, '\n'), 0o644); werr != nil {
			err = errors.Join(err, fmt.Errorf("-json %s: %w", *out, werr))
		}
	}
	switch {
	case *profile == "":
	case profileErr != nil:
		err = errors.Join(err, fmt.Errorf("-profile %s: the last step's profile was not taken: %w", *profile, profileErr))
	case profileData == nil:
		err = errors.Join(err, fmt.Errorf("-profile %s: the last step did not run: no profile written", *profile))
	default:
		if werr := atomicfile.WriteFile(*profile, profileData, 0o644); werr != nil {
			err = errors.Join(err, fmt.Errorf("-profile %s: %w", *profile, werr))
			break
		}
		fmt.Fprintf(m.Stdout, "CPU profile of the cloud's Go side during the last step: %s (go tool pprof -top %s)\n", *profile, *profile)
	}
	return err
}

// startBenchCloud runs `chaoslab local up` (this binary) in dir, deploying the resilient scenario as
// stackName, and waits until the stack is deployed. stop stops it, by its control API or its pid.
func startBenchCloud(ctx context.Context, root, dir, stackName string) (cloud.State, func(), error) {
	if st, err := cloud.ReadState(dir); err == nil {
		return cloud.State{}, nil, fmt.Errorf("a local cloud already runs from %s (pid %d): stop it with `chaoslab local down -dir %s`", dir, st.Pid, dir)
	}
	self, err := os.Executable()
	if err != nil {
		return cloud.State{}, nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return cloud.State{}, nil, err
	}
	os.Remove(filepath.Join(dir, "outputs.json"))
	logf, err := os.Create(filepath.Join(dir, "local-up.log"))
	if err != nil {
		return cloud.State{}, nil, err
	}
	cmd := exec.Command(self, "local", "up", "-dir", dir, "-scenario", contract.ScenarioResilient, "-stack", stackName)
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, logf, logf
	procgroup.Own(cmd, syscall.SIGTERM) // the cloud stops what it started when bench dies
	if err := cmd.Start(); err != nil {
		logf.Close()
		return cloud.State{}, nil, err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(exited) }()
	stop := func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := cloud.Stop(sctx, dir); err != nil {
			syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
		}
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
		}
	}
	// Synth, cloud start and deploy: minutes with a cold Go build cache.
	deadline := time.Now().Add(15 * time.Minute)
	for {
		if st, err := cloud.ReadState(dir); err == nil && st.Control != "" {
			if o, err := stack.LoadStack(filepath.Join(dir, "outputs.json"), stackName); err == nil && o.Values[stack.BucketName] != "" {
				return st, stop, nil
			}
		}
		select {
		case <-exited:
			b, _ := os.ReadFile(filepath.Join(dir, "local-up.log"))
			return cloud.State{}, nil, fmt.Errorf("chaoslab local up exited before the stack was deployed:\n%s", tailLines(string(b), 20))
		case <-ctx.Done():
			stop()
			return cloud.State{}, nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return cloud.State{}, nil, errors.New("the stack was not deployed within 15 minutes")
		}
	}
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// loadAverage is /proc/loadavg's 1, 5 and 15 minute averages.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
