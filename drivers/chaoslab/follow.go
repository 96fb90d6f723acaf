package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	awsarn "github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/report"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/runner"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/stack"
)

func init() {
	register(command{name: "follow", synopsis: "take up an execution that runs or has ended (a run that lost its watch): follow it, write its journal and report", run: (*Main).follow})
}

const followUsage = `
chaoslab follow takes up an execution of the experiment state machine that is
running or has ended: one whose chaoslab run lost its watch (its history could
not be read), one started from the console or with the AWS CLI, a rollback
guard's run. It does what chaoslab run does once its execution has started:
prints the states from the first (live while it runs), then the probe table
and the verdict, writes the journal to -journal and the report beside it, and
follows the rollback guard's execution when this one ended without its
rollbacks. The journal of an execution that ended without its rollbacks is
that execution's, recovered from its history and completed by the rollback
guard's run (rolledBackBy): followed by either ARN, the stopped execution's or
its rollback run's.

The execution is not chaoslab follow's: Ctrl-C only ends the watch, and the
execution runs on (aws stepfunctions stop-execution stops it; the rollback
guard then rolls it back). When the rollback did not happen in the machine,
the fault parameter its machine writes (named in its definition) is switched
off from here, if the execution was still running when the watch began; one
that had ended is history (another experiment may hold the parameter now),
and the error says how to check it. The report charts the dashboard of the
machine's stack when -outputs holds that stack.

Exit codes as chaoslab run's: 0 held, 1 deviated or not steady before the
fault, 2 error, aborted, or the watch ended before the execution did.

Usage:
  chaoslab follow [flags] <execution ARN>
`

func (m *Main) follow(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chaoslab follow", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	outputs := fs.String("outputs", stack.DefaultFile, "stack outputs `file`; the stack of the execution's state machine, if it is there, names the dashboard the report charts")
	r := &runner.Runner{Command: "chaoslab follow", Stdout: m.Stdout, Logger: m.logger(), LeaveNote: cli.SetLeaveNote}
	fs.StringVar(&r.FaultParameter, "fault-parameter", "", "the fault parameter to switch off when the rollback did not happen, for a machine whose definition names none (ours names it)")
	fs.StringVar(&r.JournalPath, "journal", "", "write the journal here (default journal-<execution name>.json)")
	withReport := bindWatchFlags(fs, r)
	force := fs.Bool("force", false, "replace the journal, and the files beside it, where they hold another execution's record (a journal of this execution is replaced without it)")
	fs.Usage = usageFunc(fs, followUsage)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return cli.Argsf(fs, "chaoslab follow [flags] <execution ARN>", "chaoslab follow: want one execution ARN, got %d arguments", fs.NArg())
	}
	arn := fs.Arg(0)
	machineArn, name := runner.SplitExecutionArn(arn)
	if name == "" {
		return cli.Usagef("chaoslab follow: %q is not an execution ARN (arn:aws:states:<region>:<account>:execution:<machine>:<name>)", arn)
	}
	if r.Poll <= 0 {
		return cli.Usagef("chaoslab follow: -poll must be positive")
	}
	if err := badDuration([]flagDuration{{"-countdown", r.Countdown}, {"-rollback-wait", r.RollbackWait}}); err != nil {
		return cli.Usagef("chaoslab follow: %w", err)
	}
	if r.JournalPath == "" {
		r.JournalPath = "journal-" + runner.ExecutionName(name) + ".json"
	}
	if err := cli.WritableFile(r.JournalPath); err != nil {
		return cli.Usagef("chaoslab follow: -journal %s: %v", r.JournalPath, err)
	}
	// Following an execution again (after a Ctrl-C, say) writes its record again; another
	// execution's is kept.
	if err := kept("chaoslab follow", runOutputs(r.JournalPath, journalChaoslab, *withReport), *force || journalOf(r.JournalPath, arn)); err != nil {
		return err
	}
	// The outputs are the user's, not the execution's: only the stack of its machine is read.
	var dashboards []string
	var scenario string // the stack's Scenario output: the report's header names it
	var function string // the stack's FunctionName: the faults it injected are counted
	switch o, err := stack.LoadWhere(*outputs, stack.ExperimentStateMachineArn, machineArn); {
	case err == nil:
		scenario, function = o.Values[stack.Scenario], o.Values[stack.FunctionName]
		if d := o.Values[stack.DashboardName]; d != "" {
			dashboards = []string{d}
		}
	case errors.Is(err, stack.ErrNoStack):
		if flagSet(fs, "outputs") {
			fmt.Fprintf(m.Stderr, "chaoslab follow: %v: the report charts the probes only\n", err)
		}
	case errors.Is(err, os.ErrNotExist) && !flagSet(fs, "outputs"):
		// no stack file here: the report charts the probes only
	case err != nil && !flagSet(fs, "outputs"):
		// a default file that cannot be read only costs the report its dashboard
		fmt.Fprintf(m.Stderr, "chaoslab follow: %v: the report charts the probes only\n", err)
	case err != nil:
		return cli.Usagef("chaoslab follow: %w", err)
	}

	cfg, err := m.awsConfig(ctx)
	if errors.Is(err, cli.ErrNoRegion) {
		// The execution's ARN names its region: follow needs no other.
		if a, perr := awsarn.Parse(arn); perr == nil && a.Region != "" {
			cfg.Region, err = a.Region, nil
		}
	}
	if err != nil {
		return err
	}
	r.SFN, r.SSM = sfn.NewFromConfig(cfg), ssm.NewFromConfig(cfg)
	j, c, err := r.Attach(ctx, arn)
	var injected *report.Injected
	if j != nil && function != "" {
		injected = m.printInjected(cfg, function, j)
	}
	if *withReport && j != nil {
		experiment := name
		if c != nil && c.Source != "" {
			experiment = experimentName(c.Source)
		}
		_, statErr := os.Stat(r.JournalPath)
		m.writeRunReport("chaoslab follow", cfg, dashboards, report.Run{Journal: j, Compiled: c, Scenario: scenario, Experiment: experiment, Error: errText(err), Injected: injected}, r.JournalPath, statErr == nil)
	}
	return runExit("chaoslab follow", err)
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
