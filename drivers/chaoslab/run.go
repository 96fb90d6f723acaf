package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cdkapp"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/report"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/runner"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/stack"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/experiments/ctk"
	"github.com/chaoslab/serverless-chaos-lab/internal/atomicfile"
)

func init() {
	register(command{name: "run", synopsis: "run an experiment on the stack's state machine, follow it, print the verdict", run: (*Main).runExperiment})
}

const runUsage = `
chaoslab run compiles an experiment with the stack's names, starts it on the
experiment state machine (ExperimentStateMachineArn), prints its states live
(probe values, fault writes, pauses with a countdown, rollbacks), then the
probe table and the verdict, and writes the journal to -journal, and beside it
the run's HTML report and metric series (-report=false: no report). Under the
verdict it prints how many faults the stack's function (FunctionName) injected
while the fault was on, its FaultsInjected metric: "injected: none" says that
the verdict says nothing of the fault, and what to check.

Ctrl-C stops the execution and also switches the fault off directly. When an
execution ends without its rollbacks — aborted or timed out (Ctrl-C, a stop
from the console, the machine's timeout), or failed with an error that is not
one of the machine's own (States.Runtime, an uncaught task error) — the
machine's rollback guard starts a rollback execution: chaoslab waits up to
-rollback-wait for it, follows it and writes the run's journal: what the
execution ran (read from its history: the steady state before, the faults
written), then that run's rollbacks and steady state after them (verdict
aborted, with the original error, rolledBackBy naming the rollback run). When
no rollback run comes (no rule), or none is waited for (-rollback-wait 0: the
guard's may run all the same; chaoslab follow <ARN> follows it), chaoslab
switches the fault off itself and the journal is what the execution ran with
that switch-off as its rollback. A second Ctrl-C leaves at once, without the journal, saying
what it leaves running and how to take it up (chaoslab follow <ARN>).

-journal-format chooses the journal's format: chaoslab (ours, the state
machine's output), ctk (Chaos Toolkit's journal.json format, chaostoolkit-lib
1.45.0's, written to -journal instead of ours, for the tools that read Chaos
Toolkit journals), or both (ours to -journal, Chaos Toolkit's beside it as
<journal without .json>.ctk.json). chaoslab report reads ours: keep it (both)
to make a report later. -rollback-strategy takes Chaos Toolkit's values: the
state machine always rolls back, so default and always are accepted, and never
and deviated, which would leave a fault on, are refused before anything runs.

Exit 0 held; 1 deviated or not steady before the fault (nothing was injected
then, but the hypothesis did not hold, as in Chaos Toolkit); 2 error, aborted,
failed before its rollbacks, or interrupted; 130 left at once by a second Ctrl-C.

Usage:
  chaoslab run [flags] <file|name>
`

func (m *Main) runExperiment(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chaoslab run", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	cf := bindCompileFlags(fs)
	r := &runner.Runner{Stdout: m.Stdout, Logger: m.logger(), LeaveNote: cli.SetLeaveNote}
	fs.StringVar(&r.JournalPath, "journal", "", "write the journal here (default journal-<name>-<UTC time>.json)")
	fs.StringVar(&r.ExecutionName, "name", "", "execution name (default <name>-<UTC time>)")
	fs.BoolVar(&r.Alongside, "alongside", false, "start even while another execution of the stack's state machine runs (each one's rollback would end the other's fault), or the fault parameter holds a fault that is on (the steady state before the fault is measured under it)")
	withReport := bindWatchFlags(fs, r)
	force := fs.Bool("force", false, "replace the journal, and the files beside it, where they exist already (else the run is refused before it starts)")
	journalFormat := fs.String("journal-format", journalChaoslab, "the journal's `format`: chaoslab (ours), ctk (Chaos Toolkit's, at -journal), both (ours at -journal, Chaos Toolkit's beside it as <journal without .json>.ctk.json)")
	rollbackStrategy := fs.String("rollback-strategy", "default", "Chaos Toolkit's --rollback-strategy: default or always (the state machine always rolls back); never and deviated are refused")
	fs.Usage = usageFunc(fs, runUsage)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return cli.Argsf(fs, "chaoslab run [flags] <file|name>", "chaoslab run: want one experiment, got %d arguments", fs.NArg())
	}
	if r.Poll <= 0 {
		return cli.Usagef("chaoslab run: -poll must be positive")
	}
	if r.ExecutionName != "" {
		if err := runner.CheckExecutionName(r.ExecutionName); err != nil {
			return cli.Usagef("chaoslab run: -name %w", err)
		}
	}
	if err := badDuration([]flagDuration{{"-countdown", r.Countdown}, {"-rollback-wait", r.RollbackWait}}); err != nil {
		return cli.Usagef("chaoslab run: %w", err)
	}
	if !slices.Contains(journalFormats, *journalFormat) {
		return cli.Usagef("chaoslab run: -journal-format %q: want %s", *journalFormat, strings.Join(journalFormats, ", "))
	}
	if err := ctk.RollbackStrategy(*rollbackStrategy); err != nil {
		return cli.Usagef("chaoslab run: %w", err)
	}
	// The journal is the run's record: a directory it cannot be written to is found before the fault
	// goes in, not after the whole experiment (a quarter of an hour with AWS's durations). The
	// default journal goes in the working directory.
	if err := cli.WritableFile(r.JournalPath); err != nil {
		if r.JournalPath == "" {
			return cli.Usagef("chaoslab run: the journal goes in the working directory (or -journal): %v", err)
		}
		return cli.Usagef("chaoslab run: -journal %s: %v", r.JournalPath, err)
	}
	ref := fs.Arg(0)
	if sameFile(ref, r.JournalPath) {
		return cli.Usagef("chaoslab run: -journal %s is the experiment file: the journal would be written over it; give -journal another file", r.JournalPath)
	}
	compiled, _, err := cf.compile(ref, m.Stderr)
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
	r.FaultParameter, _ = cf.names.Optional(stack.FaultParameterName)

	stamp := m.now().UTC().Format("20060102T150405Z")
	short := experimentName(ref)
	if r.ExecutionName == "" {
		r.ExecutionName = runner.ExecutionName(short + "-" + stamp)
	}
	if r.JournalPath == "" {
		r.JournalPath = "journal-" + short + "-" + stamp + ".json"
	}
	if err := kept("chaoslab run", runOutputs(r.JournalPath, *journalFormat, *withReport), *force); err != nil {
		return err
	}

	// Checked here, as follow checks its execution's: AWS's answer to a malformed one names no flag.
	if machine := res[stack.ExperimentStateMachineArn]; !runner.IsStateMachineArn(machine) {
		return cli.Usagef("chaoslab run: %q (%s) is not a state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>)",
			machine, cf.names.SourceOf(stack.ExperimentStateMachineArn))
	}
	cfg, err := m.awsConfig(ctx)
	if err != nil {
		return err
	}
	r.SFN, r.SSM = sfn.NewFromConfig(cfg), ssm.NewFromConfig(cfg)
	j, err := r.Run(ctx, res[stack.ExperimentStateMachineArn], compiled)
	if te := (*runner.TimeoutError)(nil); errors.As(err, &te) {
		return cli.Usagef("chaoslab run: %w; shorten the pauses (-pause) or the windows (-window, -recovery), or give the Experiment construct a longer Timeout", err)
	}
	if fe := (*runner.FaultParameterError)(nil); errors.As(err, &fe) {
		return cli.Usagef("chaoslab run: the fault parameter %s (%s): %w; give the state machine's stack's outputs, or leave -fault-parameter out",
			fe.Given, cf.names.SourceOf(stack.FaultParameterName), err)
	}
	var injected *report.Injected
	if function, _ := cf.names.Optional(stack.FunctionName); j != nil && function != "" {
		injected = m.printInjected(cfg, function, j)
	}
	if *withReport && j != nil {
		// `chaoslab report` reads our journal: offered only when it stays at its path.
		_, statErr := os.Stat(r.JournalPath)
		reportLater := statErr == nil && *journalFormat != journalCTK
		var dashboards []string
		if name, _ := cf.names.Optional(stack.DashboardName); name != "" {
			dashboards = []string{name}
		}
		scenario := cf.names.Scenario() // the report's header names it
		m.writeRunReport("chaoslab run", cfg, dashboards, report.Run{Journal: j, Compiled: compiled, Scenario: scenario, Experiment: short, Error: errText(err), Injected: injected}, r.JournalPath, reportLater)
	}
	if j != nil && *journalFormat != journalChaoslab {
		path, werr := writeCTKJournal(ref, j, r.JournalPath, *journalFormat == journalCTK)
		if werr != nil {
			// The run's record is the journal the user asked for: without it the run is not done.
			fmt.Fprintf(m.Stderr, "chaoslab run: Chaos Toolkit journal: %v (our journal is at %s)\n", werr, r.JournalPath)
			if err == nil || errors.Is(err, runner.ErrDeviated) {
				err = fmt.Errorf("write the Chaos Toolkit journal: %w", werr)
			}
		} else {
			if *journalFormat == journalCTK { // the journal line above named the same file, ours then
				fmt.Fprintf(m.Stdout, "Chaos Toolkit journal: %s (written over ours: -journal-format ctk)\n", path)
			} else {
				fmt.Fprintf(m.Stdout, "Chaos Toolkit journal: %s\n", path)
			}
		}
	}
	return runExit("chaoslab run", err)
}

// bindWatchFlags binds the flags run and follow share, how the execution is watched and reported,
// to r; the -report flag's value is returned.
func bindWatchFlags(fs *flag.FlagSet, r *runner.Runner) *bool {
	fs.DurationVar(&r.Poll, "poll", time.Second, "how often to read the execution's history")
	fs.DurationVar(&r.Countdown, "countdown", 30*time.Second, "how often a pause prints the time left (0: never)")
	fs.BoolVar(&r.Verbose, "v", false, "also print Pass and Choice states")
	fs.DurationVar(&r.RollbackWait, "rollback-wait", time.Minute, "when the execution ends without its rollbacks (an abort, a timeout, a failure before them), how long to wait for the rollback guard's execution to start (0: do not wait)")
	return fs.Bool("report", true, "also write the run's HTML report and metric series beside the journal (see chaoslab report)")
}

// runOutputs are the files a run (or a followed execution) writes: the journal, and beside it the
// Chaos Toolkit journal (-journal-format both), the report and its series (-report).
func runOutputs(journalPath, format string, withReport bool) []string {
	paths := []string{journalPath}
	if format == journalBoth {
		paths = append(paths, strings.TrimSuffix(journalPath, ".json")+".ctk.json")
	}
	if withReport {
		base := report.Base(journalPath)
		paths = append(paths, base+".report.html", base+".series.json")
	}
	return paths
}

// journalOf reports whether the file at path is a journal of the execution arn.
func journalOf(path, arn string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var j struct {
		ExecutionArn string `json:"executionArn"`
	}
	return json.Unmarshal(b, &j) == nil && j.ExecutionArn == arn
}

// kept refuses outputs that would replace a file there already, unless force: a journal is a run's
// record, and another run's (its journal, report or series) written over it is lost. The refusal
// names the first one found, and is given before anything runs.
func kept(cmd string, outputs []string, force bool) error {
	if force {
		return nil
	}
	for _, p := range outputs {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return cli.Usagef("%s: %s exists (an earlier run's record): give -journal another file, or pass -force to replace it", cmd, p)
		}
	}
	return nil
}

// The journal formats of -journal-format.
const (
	journalChaoslab = "chaoslab"
	journalCTK      = "ctk"
	journalBoth     = "both"
)

var journalFormats = []string{journalChaoslab, journalCTK, journalBoth}

// writeCTKJournal writes j, the journal of a run of ref, in Chaos Toolkit's format: over our
// journal at journalPath when replace (-journal-format ctk), else beside it as
// <journalPath without .json>.ctk.json. It returns the path written.
func writeCTKJournal(ref string, j *experiments.Journal, journalPath string, replace bool) (string, error) {
	exp, err := loadExperiment(ref)
	if err != nil {
		exp = nil // the journal alone describes the activities (ctk.FromJournal)
	}
	cj, err := ctk.FromJournal(exp, j)
	if err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(cj, "", "  ")
	if err != nil {
		return "", err
	}
	path := strings.TrimSuffix(journalPath, ".json") + ".ctk.json"
	if replace {
		path = journalPath
	}
	// Written whole and renamed, so a reader never finds half a journal (nor, with ctk, ours
	// cut short).
	if err := atomicfile.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return "", err
	}
	return path, nil
}

// printInjected prints how many faults function injected while j's fault was on (report.Injected),
// under the verdict, and returns the count for the report (nil: none read). Bounded in time, on a
// context of its own (an interrupted run's too); a count that cannot be read is said, never fatal.
func (m *Main) printInjected(cfg aws.Config, function string, j *experiments.Journal) *report.Injected {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	in, ok, err := report.CountInjected(ctx, cloudwatch.NewFromConfig(cfg), function, j, time.Now())
	switch {
	case err != nil:
		fmt.Fprintf(m.Stdout, "injected: not read: %v\n", err)
	case ok:
		fmt.Fprintln(m.Stdout, in.Line())
		return &in
	}
	return nil
}

// writeRunReport writes the report of a run beside its journal, charting the dashboards named; cmd
// prefixes what it prints to stderr. It is bounded in time and runs on a
// context of its own, so that a run interrupted with Ctrl-C still gets its report; a failure is
// printed, never fatal (the journal is the run's record).
func (m *Main) writeRunReport(cmd string, cfg aws.Config, dashboards []string, run report.Run, journalPath string, reportLater bool) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	root, _ := cdkapp.FindRoot()
	path, err := report.Options{Root: root}.Make(ctx, cloudwatch.NewFromConfig(cfg), run, dashboards, report.Base(journalPath))
	switch {
	case path == "" && reportLater:
		later := "chaoslab report "
		if run.Experiment != "" {
			later += "-experiment " + run.Experiment + " " // else the probes' charts lack their queries
		}
		fmt.Fprintf(m.Stderr, "%s: no report: %s; the journal %s holds the run, and `%s%s` (from the repository, with this run's -outputs and -stack) makes its report later\n",
			cmd, err, journalPath, later, journalPath)
	case path == "":
		fmt.Fprintf(m.Stderr, "%s: no report: %s\n", cmd, strings.TrimPrefix(err.Error(), "report: "))
	case report.Incomplete(err) != nil:
		fmt.Fprintf(m.Stderr, "%s: report %s written without some metric data: %v\n", cmd, path, report.Incomplete(err))
	default:
		fmt.Fprintf(m.Stdout, "report: %s\n", path) // whole, read now or kept from the saved series
	}
}

func errText(err error) string {
	if err == nil || errors.Is(err, runner.ErrDeviated) {
		return ""
	}
	return err.Error()
}

// runExit maps the runner's error to chaoslab's exit codes: 1 when the hypothesis did not hold
// (nothing more to say: the verdict is printed), 2 for anything that kept it from a verdict; cmd
// prefixes the error.
func runExit(cmd string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, runner.ErrDeviated):
		return cli.Exit(ExitDeviated, nil)
	default:
		return cli.Exit(ExitError, fmt.Errorf("%s: %w", cmd, err))
	}
}
