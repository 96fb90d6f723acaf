package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
)

// withRecovered is the journal of arn, an execution that ended without its rollbacks, which the
// rollback guard's run rolled back (rb, that run's journal): the phases arn ran, recovered from its
// history, with rb's rollbacks and steady state after them (experiments.MergeRollback). Without
// that, the journal and the report of an interrupted run would be the rollback run's alone: no
// steady state before, no fault, a run starting at the stop. When the history cannot be read or
// holds no journal, it is rb, and a line says what is missing.
//
// offAt is when the runner switched the fault off itself (a Ctrl-C; zero: it did not): a write the
// journal shows as the first rollback, where the fault window ends.
func (r *Runner) withRecovered(ctx context.Context, arn string, rb *experiments.Journal, offAt time.Time) *experiments.Journal {
	part, _, err := r.recovered(ctx, arn)
	switch {
	case err != nil:
		fmt.Fprintf(r.stdout(), "the journal is the rollback run's alone (what %s ran before it ended is not in it): %v\n", arn, err)
		return rb
	case part == nil:
		return rb // nothing to recover: it ended before its first state, or its machine keeps no journal on the way
	}
	j := experiments.MergeRollback(part, rb)
	if off, ok := r.switchOffAction("interrupted", offAt); ok {
		j.Rollbacks = append([]experiments.ActionResult{off}, j.Rollbacks...)
	}
	return j
}

// switchedOffBy begins the name of the runner's own switch-off in a journal's rollbacks.
const switchedOffBy = "Switched off by "

// switchOffAction is the runner's own write of FaultOff at t, as a rollback of the journal named
// after the command and why ("Switched off by chaoslab lab (interrupted)"); ok is false when there
// was none (t zero, or no parameter known).
func (r *Runner) switchOffAction(why string, t time.Time) (experiments.ActionResult, bool) {
	if t.IsZero() || r.FaultParameter == "" {
		return experiments.ActionResult{}, false
	}
	name := switchedOffBy + r.command() + " (" + why + ")"
	at := experiments.Stamp(t)
	return experiments.ActionResult{Name: name, Parameter: r.FaultParameter, Value: json.RawMessage(FaultOff), PutAt: at, EndedAt: at}, true
}

// withoutRollbackRun writes the journal of arn, which ended without its rollbacks and which no
// rollback guard's run rolled back (none came, none was waited for, or the wait was cut short):
// what it ran, recovered from its history, its error, and the runner's own switch-off when it made
// one (an interrupt's is mode.offAt; runErr, offFromHere's error, says whether it made another).
// runErr is the run's error, returned as it is; no journal is written when nothing can be recovered.
// offWhy names the switch-off in the journal: "no rollback run" (none came, or the wait for one was
// cut short), "rollback run not waited for" (-rollback-wait 0: one may be running).
func (r *Runner) withoutRollbackRun(arn string, mode watchMode, runErr error, offWhy string) (*experiments.Journal, error) {
	offAt := mode.offAt
	if offAt.IsZero() && errors.Is(runErr, errSwitchedOffHere) {
		offAt = time.Now()
	}
	ctx, cancel := context.WithTimeout(context.Background(), recoverTimeout)
	defer cancel()
	part, stopped, err := r.recovered(ctx, arn)
	if err != nil || part == nil {
		return nil, runErr
	}
	j := *part
	if j.Verdict == "" {
		j.Verdict = experiments.VerdictAborted
	}
	if desc, err := r.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)}); j.Error == nil && err == nil && desc.Error != nil {
		j.Error = &experiments.StepError{Error: aws.ToString(desc.Error), Cause: aws.ToString(desc.Cause)}
	}
	j.EndedAt = experiments.Stamp(stopped)
	if off, ok := r.switchOffAction(offWhy, offAt); ok {
		j.Rollbacks = append(j.Rollbacks, off)
	}
	b, err := json.Marshal(j)
	if err != nil {
		return nil, runErr
	}
	if err := r.record(&j, string(b)); err != nil && !errors.As(err, new(*VerdictError)) {
		return &j, fmt.Errorf("%w; %w", runErr, err)
	}
	return &j, runErr
}

// recoverTimeout bounds reading an execution's history to recover its journal.
const recoverTimeout = 30 * time.Second

// recovered is what arn ran, recovered from its history (experiments.RecoverJournal; nil when its
// history holds no journal), and when it ended. It is bounded on its own (recoverTimeout): the
// caller's context may be nearly spent following the rollback run.
func (r *Runner) recovered(ctx context.Context, arn string) (*experiments.Journal, time.Time, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recoverTimeout)
	defer cancel()
	exits, stopped, err := stateExits(ctx, r.SFN, arn)
	if err != nil {
		return nil, time.Time{}, err
	}
	return experiments.RecoverJournal(exits, stopped), stopped, nil
}

// stateExits reads an execution's whole history, oldest first: its states' exits and when its
// last event happened (for an execution that has ended, when it ended).
func stateExits(ctx context.Context, c *sfn.Client, arn string) ([]experiments.StateExit, time.Time, error) {
	var exits []experiments.StateExit
	var last time.Time
	pages := sfn.NewGetExecutionHistoryPaginator(c, &sfn.GetExecutionHistoryInput{
		ExecutionArn: aws.String(arn), IncludeExecutionData: aws.Bool(true), MaxResults: 1000})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("get execution history: %w", err)
		}
		for _, e := range page.Events {
			if d := e.StateExitedEventDetails; d != nil {
				exits = append(exits, experiments.StateExit{Name: aws.ToString(d.Name), At: aws.ToTime(e.Timestamp), Output: aws.ToString(d.Output)})
			}
			last = aws.ToTime(e.Timestamp)
		}
	}
	return exits, last, nil
}

// command is the Runner's Command, chaoslab run by default.
func (r *Runner) command() string {
	if r.Command == "" {
		return "chaoslab run"
	}
	return r.Command
}
