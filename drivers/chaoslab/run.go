package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/stack"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
)

func init() {
	register(command{name: "run", synopsis: "run an experiment on the stack's state machine, follow it, print the verdict", run: (*Main).runExperiment})
}

const runUsage = `
chaoslab run compiles an experiment with the stack's names, starts it on the
experiment state machine (ExperimentStateMachineArn), prints its states live
(probe values, fault writes, pauses with a countdown, rollbacks), then the
probe table and the verdict, and writes the journal to -journal.

Ctrl-C stops the execution and also switches the fault off directly. When an
execution ends aborted or timed out (Ctrl-C, a stop from the console, the
machine's timeout), the machine's abort guard starts a rollback execution:
chaoslab waits up to -rollback-wait for it, follows it and writes its journal
(verdict aborted). A second Ctrl-C leaves at once.

Exit 0 held; 1 deviated or not steady before the fault (nothing was injected
then, but the hypothesis did not hold, as in Chaos Toolkit); 2 error, aborted
or interrupted.

Usage:
  chaoslab run [flags] <file|name>
`

// RunOptions are the run command's own flags besides the compile flags.
type runOptions struct {
	journal   string
	name      string
	poll      time.Duration
	countdown time.Duration
	verbose   bool
	// rollbackWait is how long to wait for the abort guard's rollback execution to appear.
	rollbackWait time.Duration
}

func (m *Main) runExperiment(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chaoslab run", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	cf := bindCompileFlags(fs)
	var o runOptions
	fs.StringVar(&o.journal, "journal", "", "write the journal here (default journal-<name>-<UTC time>.json)")
	fs.StringVar(&o.name, "name", "", "execution name (default <name>-<UTC time>)")
	fs.DurationVar(&o.poll, "poll", time.Second, "how often to read the execution's history")
	fs.DurationVar(&o.countdown, "countdown", 30*time.Second, "how often a pause prints the time left (0: never)")
	fs.BoolVar(&o.verbose, "v", false, "also print Pass and Choice states")
	fs.DurationVar(&o.rollbackWait, "rollback-wait", time.Minute, "after an abort or timeout, how long to wait for the abort guard's rollback execution to start (0: do not wait)")
	fs.Usage = usageFunc(fs.Output, runUsage, fs.PrintDefaults)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return cli.Usagef("chaoslab run: want one experiment, got %d arguments", fs.NArg())
	}
	if o.poll <= 0 {
		return cli.Usagef("chaoslab run: -poll must be positive")
	}
	ref := fs.Arg(0)
	compiled, _, err := cf.compile(ref)
	if err != nil {
		var xe *experiments.Error
		if errors.As(err, &xe) {
			return cli.Exit(ExitError, fmt.Errorf("chaoslab run: %w", err))
		}
		return cli.Usagef("chaoslab run: %w", err)
	}
	res, err := cf.names.Resolve(stack.ExperimentStateMachineArn)
	if err != nil {
		return cli.Usagef("chaoslab run: %w", err)
	}
	faultParam, _ := cf.names.Optional(stack.FaultParameterName)

	now := m.now().UTC()
	stamp := now.Format("20060102T150405Z")
	short := experimentName(ref)
	if o.name == "" {
		o.name = executionName(short + "-" + stamp)
	}
	if o.journal == "" {
		o.journal = "journal-" + short + "-" + stamp + ".json"
	}

	cfg, err := m.awsConfig(ctx)
	if err != nil {
		return err
	}
	r := &runner{m: m, sfn: sfn.NewFromConfig(cfg), ssm: ssm.NewFromConfig(cfg), faultParam: faultParam, opts: o}
	return r.run(ctx, res[stack.ExperimentStateMachineArn], compiled)
}

var badName = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// executionName makes s a valid execution name (1-80 of [A-Za-z0-9_-]).
func executionName(s string) string {
	s = badName.ReplaceAllString(s, "-")
	if len(s) > 80 {
		s = s[len(s)-80:]
	}
	return s
}

type runner struct {
	m          *Main
	sfn        *sfn.Client
	ssm        *ssm.Client
	faultParam string
	opts       runOptions
	// journal is the parsed journal once report has run (the lab reads it).
	journal *experiments.Journal
}

func (r *runner) run(ctx context.Context, machineArn string, compiled *experiments.Compiled) error {
	out := r.m.Stdout
	input, err := json.Marshal(compiled)
	if err != nil {
		return err
	}
	started, err := r.sfn.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(machineArn), Name: aws.String(r.opts.name), Input: aws.String(string(input)),
	})
	if err != nil {
		return fmt.Errorf("chaoslab run: start execution on %s: %w", machineArn, err)
	}
	arn := aws.ToString(started.ExecutionArn)
	fmt.Fprintf(out, "experiment: %s\nexecution:  %s\n", compiled.Title, arn)

	f := &follower{w: out, start: aws.ToTime(started.StartDate), countdown: r.opts.countdown, verbose: r.opts.verbose}
	if f.start.IsZero() {
		f.start = time.Now()
	}
	if d, err := r.sfn.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: aws.String(arn)}); err == nil {
		f.waits = waitStates(aws.ToString(d.Definition))
	} else {
		r.m.logger().Debug("no definition: pauses print no countdown", "err", err)
	}

	if err := r.follow(ctx, f, arn); err != nil {
		if ctx.Err() != nil {
			why := r.interrupted(arn)
			// The run's context is cancelled: the rollback is followed on a fresh one, bounded.
			rctx, cancel := context.WithTimeout(context.Background(), r.rollbackBound(compiled))
			defer cancel()
			return r.followRollback(rctx, machineArn, arn, aws.ToTime(started.StartDate), why)
		}
		return fmt.Errorf("chaoslab run: %w", err)
	}

	desc, err := r.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	if err != nil {
		return fmt.Errorf("chaoslab run: describe execution: %w", err)
	}
	switch desc.Status {
	case sfntypes.ExecutionStatusAborted, sfntypes.ExecutionStatusTimedOut:
		why := fmt.Errorf("chaoslab run: execution %s (%s: %s)", desc.Status, aws.ToString(desc.Error), aws.ToString(desc.Cause))
		fmt.Fprintf(out, "execution %s\n", desc.Status)
		rctx, cancel := context.WithTimeout(ctx, r.rollbackBound(compiled))
		defer cancel()
		return r.followRollback(rctx, machineArn, arn, aws.ToTime(started.StartDate), why)
	}
	return r.report(desc)
}

// rollbackBound is the longest wait for the abort guard's rollback execution: to start, then to
// run its rollbacks (with their pauses), observe the recovery and probe.
func (r *runner) rollbackBound(c *experiments.Compiled) time.Duration {
	d := r.opts.rollbackWait + time.Minute + time.Duration(c.SteadyState.RecoverySeconds)*time.Second
	for _, a := range c.Rollbacks {
		d += time.Duration(a.PauseBeforeSeconds+a.PauseAfterSeconds) * time.Second
	}
	return d
}

// followRollback waits for the execution the abort guard starts for arn (input
// {"rollbackOf": arn}; arn started at since), follows it and reports its journal. why is the
// error the run ends with either way: an aborted run is exit 2 even when its rollback went well.
func (r *runner) followRollback(ctx context.Context, machineArn, arn string, since time.Time, why error) error {
	out := r.m.Stdout
	if r.opts.rollbackWait <= 0 {
		return cli.Exit(ExitError, fmt.Errorf("%w; not waiting for the abort guard's rollback execution (-rollback-wait 0)", why))
	}
	fmt.Fprintf(out, "waiting up to %s for the abort guard's rollback execution (Ctrl-C again to leave)\n", r.opts.rollbackWait)
	rb, err := r.findRollback(ctx, machineArn, arn, since)
	if err != nil {
		return cli.Exit(ExitError, fmt.Errorf("%w; %w: check the machine's EventBridge rule, and run `chaoslab rollback` to be sure the fault is off", why, err))
	}
	fmt.Fprintf(out, "rollback execution: %s\n", aws.ToString(rb.ExecutionArn))
	f := &follower{w: out, start: aws.ToTime(rb.StartDate), countdown: r.opts.countdown, verbose: r.opts.verbose}
	if err := r.follow(ctx, f, aws.ToString(rb.ExecutionArn)); err != nil {
		return cli.Exit(ExitError, fmt.Errorf("%w; following the rollback execution %s: %w", why, aws.ToString(rb.ExecutionArn), err))
	}
	desc, err := r.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: rb.ExecutionArn})
	if err != nil {
		return cli.Exit(ExitError, fmt.Errorf("%w; describe the rollback execution: %w", why, err))
	}
	if rerr := r.report(desc); r.journal == nil {
		return cli.Exit(ExitError, fmt.Errorf("%w; the rollback execution gave no journal: %w", why, rerr))
	}
	if r.journal.RollbackError != nil {
		return cli.Exit(ExitError, fmt.Errorf("%w; the rollback failed (%s): the fault expires by itself at its expiresAt, or run `chaoslab rollback`",
			why, r.journal.RollbackError.Error))
	}
	return cli.Exit(ExitError, fmt.Errorf("%w; the abort guard rolled it back", why))
}

// findRollback polls the machine's executions, newest first, for the one started with
// {"rollbackOf": arn}, until ctx ends or opts.rollbackWait has passed. Only executions started
// since arn did are described (a zero since describes every listed one).
func (r *runner) findRollback(ctx context.Context, machineArn, arn string, since time.Time) (*sfn.DescribeExecutionOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, r.opts.rollbackWait)
	defer cancel()
	checked := map[string]bool{arn: true}
	tick := time.NewTicker(r.opts.poll)
	defer tick.Stop()
	for {
		list, err := r.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(machineArn), MaxResults: 20})
		if err != nil && ctx.Err() == nil {
			r.m.logger().Warn("listing executions failed; retrying", "err", err)
		}
		if err == nil {
			for _, e := range list.Executions {
				id := aws.ToString(e.ExecutionArn)
				if checked[id] {
					continue
				}
				if aws.ToTime(e.StartDate).Before(since) {
					checked[id] = true // older than the aborted run: not its rollback
					continue
				}
				d, err := r.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: e.ExecutionArn})
				if err != nil {
					break // described again on the next poll
				}
				checked[id] = true
				var in struct {
					RollbackOf string `json:"rollbackOf"`
				}
				if json.Unmarshal([]byte(aws.ToString(d.Input)), &in) == nil && in.RollbackOf == arn {
					return d, nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no rollback execution started within %s", r.opts.rollbackWait)
		case <-tick.C:
		}
	}
}

// follow prints events until the execution ends or ctx is cancelled.
func (r *runner) follow(ctx context.Context, f *follower, arn string) error {
	tick := time.NewTicker(r.opts.poll)
	defer tick.Stop()
	failures := 0
	for {
		events, err := history(ctx, r.sfn, arn, f.lastID)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// A transient throttle or network error should not end the watch of a
			// running experiment; five in a row do.
			if failures++; failures >= 5 {
				return err
			}
			r.m.logger().Warn("reading history failed; retrying", "err", err)
		} else {
			failures = 0
		}
		for _, e := range events {
			if f.event(e) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case now := <-tick.C:
			f.tick(now)
		}
	}
}

// interrupted stops the execution and switches the fault off, with a fresh
// context (the run's is cancelled). It returns the error the run ends with.
func (r *runner) interrupted(arn string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	fmt.Fprintln(r.m.Stdout, "interrupted: stopping the execution")
	var errs []error
	if _, err := r.sfn.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(arn),
		Error: aws.String("ChaoslabInterrupted"), Cause: aws.String("chaoslab run was interrupted")}); err != nil {
		errs = append(errs, fmt.Errorf("stop execution: %w", err))
	} else {
		fmt.Fprintln(r.m.Stdout, "execution stopped; the state machine's abort guard runs the rollbacks")
	}
	if r.faultParam != "" {
		if _, err := switchOff(ctx, r.ssm, r.faultParam); err != nil {
			errs = append(errs, err)
		} else {
			fmt.Fprintf(r.m.Stdout, "fault parameter %s set to %s\n", r.faultParam, faultOff)
		}
	} else {
		fmt.Fprintln(r.m.Stdout, "no fault parameter known (FaultParameterName): run `chaoslab rollback -fault-parameter NAME` to be sure")
	}
	return errors.Join(append([]error{errors.New("chaoslab run: interrupted")}, errs...)...)
}

// report extracts the journal (the output when held, the Fail state's cause
// otherwise), writes it, prints the table and verdict, and maps it to the exit code.
func (r *runner) report(desc *sfn.DescribeExecutionOutput) error {
	out := r.m.Stdout
	var raw string
	switch desc.Status {
	case sfntypes.ExecutionStatusSucceeded:
		raw = aws.ToString(desc.Output)
	case sfntypes.ExecutionStatusFailed:
		raw = aws.ToString(desc.Cause)
	default:
		return cli.Exit(ExitError, fmt.Errorf("chaoslab run: execution %s (%s: %s)",
			desc.Status, aws.ToString(desc.Error), aws.ToString(desc.Cause)))
	}
	j, err := experiments.ParseJournal([]byte(raw))
	if err != nil || j.Verdict == "" {
		return cli.Exit(ExitError, fmt.Errorf("chaoslab run: execution %s without a journal: %s: %s",
			desc.Status, aws.ToString(desc.Error), clip(aws.ToString(desc.Cause), 500)))
	}
	r.journal = j
	var pretty bytes.Buffer
	if json.Indent(&pretty, []byte(raw), "", "  ") != nil {
		pretty.Reset()
		pretty.WriteString(raw)
	}
	pretty.WriteByte('\n')
	if err := os.WriteFile(r.opts.journal, pretty.Bytes(), 0o644); err != nil {
		return cli.Exit(ExitError, fmt.Errorf("chaoslab run: write journal: %w", err))
	}
	fmt.Fprintln(out)
	printJournal(out, j)
	fmt.Fprintf(out, "journal: %s\n", r.opts.journal)
	return verdictError(j)
}

// verdictError maps a journal's verdict to the exit code (nil for held).
func verdictError(j *experiments.Journal) error {
	switch j.Verdict {
	case experiments.VerdictHeld:
		return nil
	case experiments.VerdictDeviated, experiments.VerdictNotSteadyBefore:
		return cli.Exit(ExitDeviated, nil)
	default:
		return cli.Exit(ExitError, fmt.Errorf("chaoslab run: verdict %s", j.Verdict))
	}
}

// printJournal prints the probe table (every phase), the actions, errors and the verdict.
func printJournal(w io.Writer, j *experiments.Journal) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PHASE\tPROBE\tVALUE\tTOLERANCE\tRESULT")
	row := func(phase string, p experiments.ProbeResult) {
		v := "no data"
		if p.Value != nil {
			v = strconv.FormatFloat(*p.Value, 'f', -1, 64)
			if len(v) > 10 {
				v = strconv.FormatFloat(*p.Value, 'g', 6, 64)
			}
		}
		res := "pass"
		if !p.Pass {
			res = "FAIL"
			if p.Status != "" && p.Status != experiments.ProbeDeviated {
				res += " (" + p.Status + ")"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", phase, p.Name, v, p.Tolerance.Text, res)
	}
	for _, p := range j.Before {
		row("before", p)
	}
	if j.GuardBreach != nil {
		row("guard", j.GuardBreach.Probe)
	}
	for _, p := range j.After {
		row("after", p)
	}
	for _, p := range j.AfterRollback {
		row("after-rollback", p)
	}
	tw.Flush()
	for _, a := range j.Method {
		fmt.Fprintf(w, "fault:    %s at %s: %s\n", a.Name, a.PutAt, compactJSON(a.Value))
	}
	for _, a := range j.Rollbacks {
		fmt.Fprintf(w, "rollback: %s at %s: %s\n", a.Name, a.PutAt, compactJSON(a.Value))
	}
	if j.GuardBreach != nil {
		fmt.Fprintf(w, "guard:    %s breached during %s\n", j.GuardBreach.Probe.Name, j.GuardBreach.Action)
	}
	for _, e := range []struct {
		what string
		err  *experiments.StepError
	}{{"error", j.Error}, {"rollback error", j.RollbackError}, {"recovery error", j.RecoveryError}} {
		if e.err != nil {
			fmt.Fprintf(w, "%s: %s: %s\n", e.what, e.err.Error, clip(e.err.Cause, 300))
		}
	}
	fmt.Fprintf(w, "verdict: %s\n", j.Verdict)
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}
