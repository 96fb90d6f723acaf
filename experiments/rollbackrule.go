package experiments

import "slices"

// The rollback guard's rule: the EventBridge rule (constructs/experiment declares it) that starts
// the experiment state machine with {"rollbackOf": <execution ARN>} when one of its executions
// ended without running its rollbacks. It is data, here, so that the construct that synthesizes it,
// the runner that waits for the run it starts (drivers/internal/runner) and the local clouds'
// tests that register it all use one pattern, and none of the drivers links the CDK to read it.

// RollbackInputTemplate is the rule target's input (an EventBridge InputTransformer template, as
// the CDK writes RuleTargetInput.fromObject), with the event's detail.executionArn bound to
// <detail-executionArn> (RollbackInputPaths): every rollback run's input is exactly
// {"rollbackOf":"<ARN>"}.
const RollbackInputTemplate = `{"rollbackOf":<detail-executionArn>}`

// RollbackInputPaths is the InputTransformer's InputPathsMap that goes with RollbackInputTemplate.
func RollbackInputPaths() map[string]string {
	return map[string]string{"detail-executionArn": "$.detail.executionArn"}
}

// RollbackPattern is the rule's event pattern for the machine stateMachineArn (an ARN, or the CDK
// token of one): a status change of one of its executions to ABORTED or TIMED_OUT, or to FAILED
// with an error that is not one of DeliberateErrors. Those failures are the machine's own Fail
// states, reached after the rollbacks ran (or before anything was written), so they start nothing;
// every other failure (States.Runtime from a Pass, Choice, Wait or Map that no Catch sees, an
// uncaught task error) skipped the rollbacks.
//
// "$or" keeps the two conditions apart: an abort's error is whatever StopExecution was given, and
// must not decide whether the abort is rolled back.
func RollbackPattern(stateMachineArn any) map[string]any {
	deliberate := []any{}
	for _, e := range DeliberateErrors() {
		deliberate = append(deliberate, e)
	}
	return map[string]any{
		"source":      []any{"aws.states"},
		"detail-type": []any{"Step Functions Execution Status Change"},
		"detail": map[string]any{
			"stateMachineArn": []any{stateMachineArn},
			"$or": []any{
				map[string]any{"status": []any{"ABORTED", "TIMED_OUT"}},
				map[string]any{"status": []any{"FAILED"}, "error": []any{map[string]any{"anything-but": deliberate}}},
			},
		},
	}
}

// DeliberateErrors are the Error names of the experiment state machine's own Fail states, sorted:
// each is reached after the rollbacks ran, or before anything was written. GuardBreached (a Fail
// inside the guard's Map, always caught) and the States.* errors are not among them.
// constructs/experiment's tests hold its definition to this list, so a Fail state added there
// without being added here fails them.
func DeliberateErrors() []string {
	return []string{ErrExperimentAborted, ErrInvalidExperiment, ErrNotSteadyBefore, ErrRollbackFailed, ErrSteadyStateDeviated}
}

// StartsRollback reports whether RollbackPattern matches an execution that ended with status
// (DescribeExecution's: ABORTED, TIMED_OUT, FAILED, ...) and error name errorName: whether the
// rollback guard starts a rollback run for it, which a client following the execution may wait for.
func StartsRollback(status, errorName string) bool {
	switch status {
	case "ABORTED", "TIMED_OUT":
		return true
	case "FAILED":
		// anything-but does not match a missing field; Step Functions always names a failure's error.
		return errorName != "" && !slices.Contains(DeliberateErrors(), errorName)
	}
	return false
}
