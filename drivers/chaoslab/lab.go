package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cdkapp"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/lab"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/internal/contract"
)

func init() {
	register(command{name: "lab", synopsis: "run the whole lab on the local cloud: every experiment on flawed and on resilient", run: (*Main).lab})
}

const labUsage = `
chaoslab lab runs the whole lab on one machine with no AWS account: it
synthesizes a stack per experiment and scenario, all in one run of the CDK
app (-c stacks=, so every queue, table, function, metric and state machine is
the pair's own) while a local cloud starts on 127.0.0.1, then runs the experiments on the scenarios
side by side, -concurrency at a time and started -stagger apart, each on its own stack in that cloud:
deploy, drive load (publisher + subscriber), run the experiment on the
stack's state machine with compressed durations, drain, reconcile the
documents, delete the stack.
It prints a verdict table (each probe's value, tolerance and distance to it),
writes every journal, log and a summary.json to -results, and stops
everything it started, also on Ctrl-C or failure. The stacks are reused while
the app's inputs and the set of stacks are unchanged since their synth
(-resynth: synthesize anyway).

-experiments takes experiment files of your own beside the shipped names: each
runs under its file's name on every scenario and is held to the same
expectations (does your experiment tell flawed from resilient?).

With -repeat N it runs the lab N times on the same cloud (files in
-results/run-<n>) and then prints, per experiment, scenario and probe, the
min, median and max of the value, how close the nearest run came to the
tolerance ("4.3 outside": every run failed the probe by at least that much), and
how many runs gave the expected verdict.

Exit 0 when every experiment deviated on flawed and held on resilient, its
fault fired (the function counted faults injected while it was on), no
document was lost on resilient and the fault was off after every run (every
run, with -repeat); 1 when such an expectation failed (the table says which);
2 on errors.

Usage:
  chaoslab lab [flags]
`

func (m *Main) lab(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chaoslab lab", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	c := lab.Config{Progress: m.Stderr, Now: m.now, LeaveNote: cli.SetLeaveNote}
	var scen, exps string
	fs.StringVar(&c.Dir, "dir", ".lab", "work directory: one cdk.out for every stack (cdk.out.lab), the local clouds' logs")
	fs.StringVar(&c.Results, "results", "lab-results", "where journals, logs and summary.json are written (the last lab's files there move to previous/ first)")
	fs.StringVar(&scen, "scenarios", strings.Join(contract.Scenarios(), ","), "scenarios to run, in order")
	fs.IntVar(&c.Concurrency, "concurrency", lab.DefaultConcurrency, "experiments running at once, each on a stack of its own (0: all at once; 1: one after the other); 5 keeps the load at 50 documents/s, well under what the local cloud converts on 2 cores, so that the probes measure the fault, not a backlog")
	fs.IntVar(&c.NotSteadyRetries, "retry-not-steady", 1, "times a trial that was not steady before its fault (its experiment did not run) runs again on a fresh stack (0: never)")
	fs.DurationVar(&c.Stagger, "stagger", lab.DefaultStagger, "the least time between the starts of the first round's trials (later ones start as a slot frees; 0: the first round at once): a cold start each, not five on the machine at once")
	fs.IntVar(&c.Clouds, "clouds", 1, "local clouds the stacks are spread over")
	fs.IntVar(&c.Repeat, "repeat", 1, "run the lab this many times and print each probe's spread over the runs")
	fs.BoolVar(&c.Resynth, "resynth", false, "synthesize the stacks even when their cdk.out was made from the same inputs")
	fs.StringVar(&exps, "experiments", "all", "comma-separated shipped experiment names and experiment files of yours (each runs under its file's name, on every scenario, and must flip too), or all")
	fs.DurationVar(&c.Overrides.ProbeWindow, "window", 10*time.Second, "steady-state observation window (AWS default: the experiment's, 300s; 0: the experiment's)")
	fs.DurationVar(&c.Overrides.Pause, "pause", 30*time.Second, "how long each fault stays on (AWS default: the experiment's, 300s; 0: the experiment's); shorter makes redelivery delays look like lost work in the in-flight ratio")
	fs.DurationVar(&c.Overrides.Recovery, "recovery", 5*time.Second, "observation after the rollback (0: the observation before)")
	fs.DurationVar(&c.Overrides.ExpiryMargin, "expiry-margin", 30*time.Second, "a fault switches itself off this long after its planned end (the lab's 30s; 0: the compiler's 120s)")
	onset := fs.Duration("onset", experiments.DefaultFaultOnset, "the first part of each pause: how long a written fault takes to be in force in every sandbox (the function's FAILURE_CACHE_TTL; 0 for none); the window after the fault starts there")
	fs.Float64Var(&c.Rate, "rate", 10, "documents per second the publisher uploads (the seed: 2; more gives steadier percentages in short windows)")
	fs.DurationVar(&c.Warmup, "warmup", 5*time.Second, "load before the experiment starts (a cold function and DynamoDB Local lag behind at first)")
	fs.DurationVar(&c.Drain, "drain", 60*time.Second, "after the experiment, the longest wait for documents still in the pipeline")
	fs.DurationVar(&c.Quiet, "quiet", 10*time.Second, "stop draining early once nothing has converted for this long; on flawed at most its function timeout + 3 s, since a failed document waits out the 180 s visibility timeout and cannot convert during the drain")
	profile := fs.String("profile", "", "write a CPU profile of the lab's process (its local clouds' Go side and the drivers) to this `file`, for go tool pprof")
	fs.Usage = usageFunc(fs, labUsage)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return cli.Argsf(fs, "chaoslab lab [flags]", "chaoslab lab: unexpected arguments %q", fs.Args())
	}
	c.Overrides.Onset = onset
	c.Scenarios = uniqueList(scen, nil)
	if len(c.Scenarios) == 0 {
		return cli.Usagef("chaoslab lab: -scenarios %q names no scenario (%s)", scen, strings.Join(contract.Scenarios(), ", "))
	}
	for _, s := range c.Scenarios {
		if err := contract.CheckScenario("-scenarios", s); err != nil {
			return cli.Usagef("chaoslab lab: %v", err)
		}
	}
	if err := labExperiments(&c, exps); err != nil {
		var xe *experiments.Error
		if errors.As(err, &xe) { // a file of the user's that is no valid experiment: its problems, as validate says them
			return cli.Exit(ExitError, fmt.Errorf("chaoslab lab: %w", err))
		}
		return cli.Usagef("chaoslab lab: %w", err)
	}
	if !(c.Rate > 0) || math.IsInf(c.Rate, 1) { // NaN fails the first test too
		return cli.Usagef("chaoslab lab: -rate %v: want a positive number of documents per second", c.Rate)
	}
	// Every duration up front: a negative one reached the experiment's compiler only inside each
	// trial, after the cloud, the deploy and the warm-up, named by its Go field.
	if err := badDuration([]flagDuration{{"-warmup", c.Warmup}, {"-drain", c.Drain}, {"-quiet", c.Quiet}, {"-stagger", c.Stagger},
		{"-window", c.Overrides.ProbeWindow}, {"-pause", c.Overrides.Pause}, {"-recovery", c.Overrides.Recovery},
		{"-expiry-margin", c.Overrides.ExpiryMargin}, {"-onset", *onset}}); err != nil {
		return cli.Usagef("chaoslab lab: %w", err)
	}
	for _, n := range []struct {
		flag     string
		v, least int
	}{{"-concurrency", c.Concurrency, 0}, {"-clouds", c.Clouds, 1}, {"-repeat", c.Repeat, 1}, {"-retry-not-steady", c.NotSteadyRetries, 0}} {
		if n.v < n.least {
			return cli.Usagef("chaoslab lab: %s %d: want %d or more", n.flag, n.v, n.least)
		}
	}
	if err := c.CheckStackNames(); err != nil {
		return cli.Usagef("chaoslab lab: -experiments: %w", err)
	}
	if err := c.CheckOnset(); err != nil {
		return cli.Usagef("chaoslab lab: %w", err)
	}
	root, err := cdkapp.FindRoot()
	if err != nil {
		return err
	}
	c.Root = root

	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return cli.Usagef("chaoslab lab: -profile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("chaoslab lab: -profile: %w", err)
		}
		defer func() {
			pprof.StopCPUProfile()
			if err := f.Close(); err == nil {
				fmt.Fprintf(m.Stderr, "CPU profile of the lab's process: %s (go tool pprof -top %s)\n", *profile, *profile)
			}
		}()
	}
	sum, err := lab.Run(ctx, c)
	interrupted := errors.Is(err, context.Canceled) && ctx.Err() != nil // Ctrl-C or a signal
	if sum == nil {
		if interrupted {
			return fmt.Errorf("chaoslab lab: interrupted before any trial ran; every process it started is stopped")
		}
		return err
	}
	fmt.Fprintln(m.Stdout)
	lab.PrintTable(m.Stdout, sum.Results)
	if c.Repeat > 1 {
		spread := sum.Results
		if interrupted {
			// The run under way when the lab was stopped is no run: its trials stopped or never ran,
			// and counted as misses ("1 of 2 runs deviated").
			spread = completeRuns(sum.Results)
		}
		if len(spread) > 0 {
			fmt.Fprint(m.Stdout, repeatHeading(spread, c.Repeat, interrupted))
			lab.PrintSpreads(m.Stdout, spread)
		}
	}
	machine := ""
	if sum.MachineBusy >= 0 {
		machine = fmt.Sprintf("; the machine %.0f %% busy, %.0f %% of its CPU time taken by the hypervisor", sum.MachineBusy, sum.MachineSteal)
	}
	fmt.Fprintf(m.Stdout, "\njournals, reports, logs and summary.json: %s (lab time %s%s)\n", cdkapp.Rel(root, sum.Dir), sum.Elapsed.Round(time.Second), machine)
	if c.Repeat == 1 {
		fmt.Fprintf(m.Stdout, "open the results: %s\n", filepath.Join(sum.Dir, "index.html"))
	}
	for _, r := range sum.Results {
		for _, a := range r.NotSteadyAttempts {
			fmt.Fprintf(m.Stdout, "ran again: %s on %s was not steady before its fault (%s); the table shows the next attempt\n",
				r.Experiment, r.Scenario, a.Outside())
		}
	}
	if err != nil {
		if interrupted { // the table above is what was done by then
			return fmt.Errorf("chaoslab lab: interrupted; every process it started is stopped, and the trials' counts so far are in %s", cdkapp.Rel(root, sum.Dir))
		}
		return err
	}
	if problems := lab.Expectations(sum.Results); len(problems) > 0 {
		fmt.Fprintln(m.Stdout, "\nexpectations not met:")
		for _, p := range problems {
			fmt.Fprintln(m.Stdout, "  - "+p)
		}
		return cli.Exit(ExitDeviated, nil)
	}
	fired := "every fault fired; "
	for _, r := range sum.Results {
		if r.Injected == nil { // no write turned a fault on: nothing to fire (an experiment's method that only switches off)
			fired = ""
		}
	}
	fmt.Fprintf(m.Stdout, "\nevery experiment deviated on flawed and held on resilient; %sresilient lost no document; every fault was off after its run.\n", fired)
	return nil
}

// labExperiments sets c's Experiments (and Own) from -experiments: all (the shipped ones), or a list
// of shipped names and experiment files of the user's, each file loaded and validated here and run
// under its file's name. A shipped experiment's name is the shipped one, even where a file of that
// name lies in the working directory (the experiments/ folder holds them); anything else that is a
// file is one of the user's.
func labExperiments(c *lab.Config, list string) error {
	if list == "all" {
		list = strings.Join(experiments.Names(), ",")
	}
	files := map[string]string{} // the file each name of Own was read from, as an absolute path
	for _, ref := range splitList(list) {
		name := strings.TrimSuffix(ref, ".json")
		shipped := !strings.ContainsAny(ref, `/\`) && slices.Contains(experiments.Names(), name+".json")
		if st, err := os.Stat(ref); !shipped && err == nil && !st.IsDir() {
			if name = experimentName(ref); slices.Contains(experiments.Names(), name+".json") {
				return fmt.Errorf("-experiments: %s runs under its file's name, %s, which is a shipped experiment's: rename the file", ref, name)
			}
			if name, err = lab.OwnName(ref); err != nil {
				return fmt.Errorf("-experiments: %w", err)
			}
			abs, _ := filepath.Abs(ref)
			if f, seen := files[name]; seen && f != abs {
				return fmt.Errorf("-experiments: %s runs under its file's name, %s, as another file given does (%s): rename one", ref, name, f)
			} else if !seen {
				e, err := loadExperiment(ref)
				if err != nil {
					return fmt.Errorf("-experiments: %w", err)
				}
				if c.Own == nil {
					c.Own = map[string]*experiments.Experiment{}
				}
				c.Own[name], files[name] = e, abs
			}
		} else if _, err := loadExperiment(ref); err != nil {
			// Not a file here, nor a shipped experiment: loadExperiment says which it was taken for.
			return fmt.Errorf("-experiments: %w", err)
		}
		if !slices.Contains(c.Experiments, name) {
			c.Experiments = append(c.Experiments, name)
		}
	}
	if len(c.Experiments) == 0 {
		return fmt.Errorf("-experiments %q names no experiment (all, experiment files of yours, or some of: %s)", list, strings.Join(experiments.ShortNames(), ", "))
	}
	return nil
}

// uniqueList is the comma-separated list s, each item normalized by norm (when not nil), each
// once: a scenario named twice is one trial, as it is one stack name.
func uniqueList(s string, norm func(string) string) []string {
	var out []string
	for _, f := range splitList(s) {
		if norm != nil {
			f = norm(f)
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// repeatHeading introduces the table of spreads over the runs. A run that failed stops the lab (its
// error follows the table): the heading says so, or "2 of 2 runs" would read as a complete table.
func repeatHeading(results []lab.Result, asked int, interrupted bool) string {
	ran := 0
	for _, r := range results {
		ran = max(ran, r.Run)
	}
	switch {
	case interrupted && ran < asked:
		return fmt.Sprintf("\nover %s (of %d asked: the lab was stopped during run %d, which is left out):\n", runsText(ran), asked, ran+1)
	case ran < asked:
		return fmt.Sprintf("\nover %s (of %d asked: the lab stopped after run %d):\n", runsText(ran), asked, ran)
	}
	return fmt.Sprintf("\nover %d runs:\n", asked)
}

func runsText(n int) string {
	if n == 1 {
		return "1 run"
	}
	return fmt.Sprintf("%d runs", n)
}

// completeRuns leaves out the results of the last run in results: the one under way when the lab
// was stopped.
func completeRuns(results []lab.Result) []lab.Result {
	last := 0
	for _, r := range results {
		last = max(last, r.Run)
	}
	var out []lab.Result
	for _, r := range results {
		if r.Run < last {
			out = append(out, r)
		}
	}
	return out
}
