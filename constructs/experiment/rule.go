package experiment

import (
	"slices"
)

// Rollback guard: the EventBridge rule that starts the machine with {"rollbackOf": <execution ARN>}
// when one of its executions ended without running its rollbacks. Pure Go (no CDK), so the local
// cloud's tests can register the very pattern the construct synthesizes.

// RollbackInputTemplate is the rule target's input (an EventBridge InputTransformer template, as the
// CDK writes RuleTargetInput.fromObject), with the event's detail.executionArn bound to
// <detail-executionArn>: every rollback run's input is exactly {"rollbackOf":"<ARN>"}.
const RollbackInputTemplate = `{"rollbackOf":<detail-executionArn>}`

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

// DeliberateErrors are the Error names of the machine's own Fail states, sorted: read from the
// definition itself, so a Fail state added later is excluded from the rule without a second list.
func DeliberateErrors() []string {
	var out []string
	for _, s := range Definition("p", 60)["States"].(obj) {
		st := s.(obj)
		if e, ok := st["Error"].(string); ok && st["Type"] == "Fail" && !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	slices.Sort(out)
	return out
}
