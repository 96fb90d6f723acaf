// Package experiment is the CDK construct of the chaos experiment state machine: it runs a
// compiled experiment (experiments.Compiled, the execution input, so new experiments need no
// redeploy) and returns its journal (experiments.Journal).
//
// Flow (Definition builds the ASL in Go, JSONPath only — no JSONata, so it runs on AWS and in
// aws-local-stepfunctions alike):
//
//  1. Steady state before: record $$.State.EnteredTime, Wait observeSeconds, then a Map runs each
//     probe as cloudwatch:getMetricData over [start, now] and checks MetricDataResults[0].Values[0]
//     against the tolerance in Choice states. Not steady → verdict not-steady-before, no write.
//  2. Method: per action, ssm:putParameter of the fault (the deployed fault parameter only), then
//     the pause as slices; with a guard, the guard probe runs after each slice and a deviated value
//     fails the Map with GuardBreached (verdict deviated).
//  3. Steady state after, over the window since the first fault was written.
//  4. Rollbacks always run (every Task/Map has a States.ALL Catch), then the steady state is
//     observed for recoverySeconds and recorded. An EventBridge rule starts the machine with
//     {"rollbackOf": <ARN>} when an execution is ABORTED or TIMED_OUT; that run reads the
//     execution's input (sfn:describeExecution), runs its rollbacks and records the recovery; it
//     never rolls back a rollback (the fault's expiresAfterSeconds covers that case).
//  5. Held → Succeed with the journal as output; otherwise Fail (SteadyStateDeviated,
//     NotSteadyBefore, ExperimentAborted, RollbackFailed) with the journal as the Cause.
//
// Running the definition locally (aws-local-stepfunctions 3.0.0): the interpreter's Context
// Object has no State.EnteredTime and no Execution.Id; pass them, with EnteredTime as a getter
// so each read is the current time:
//
//	context: {Execution: {Id: arn, Name: name}, State: {get EnteredTime() { return new Date().toISOString() }}}
//
// Task states to answer: Before.Query, After.Query, Recovery.Query, Guard.Query (GetMetricData),
// Action.Put, Rollback.Put (PutParameter), DescribeAborted (DescribeExecution). testdata/run.mjs
// is a complete example.
package experiment
