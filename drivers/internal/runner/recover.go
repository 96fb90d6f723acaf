package runner

import (
	"context"
	"encoding/json"
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
	// Bounded on its own: the caller's context may be nearly spent following the rollback run.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	exits, stopped, err := stateExits(ctx, r.SFN, arn)
	part := experiments.RecoverJournal(exits, stopped)
	switch {
	case err != nil:
		fmt.Fprintf(r.stdout(), "the journal is the rollback run's alone (what %s ran before it ended is not in it): %v\n", arn, err)
		return rb
	case part == nil:
		return rb // nothing to recover: it ended before its first state, or its machine keeps no journal on the way
	}
	j := experiments.MergeRollback(part, rb)
	if !offAt.IsZero() && r.FaultParameter != "" {
		off := experiments.ActionResult{Name: "Switched off by chaoslab run (interrupted)", Parameter: r.FaultParameter,
			Value: json.RawMessage(FaultOff), PutAt: offAt.UTC().Format("2006-01-02T15:04:05.000Z")}
		off.EndedAt = off.PutAt
		j.Rollbacks = append([]experiments.ActionResult{off}, j.Rollbacks...)
	}
	return j
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
