// Package experiment is the CDK construct of the chaos experiment state machine: it runs a
// compiled experiment (experiments.Compiled, the execution input, so new experiments need no
// redeploy) and returns its journal (experiments.Journal).
//
// Flow (Definition builds the ASL in Go, JSONPath only — no JSONata, so it runs on AWS and in
// aws-local-stepfunctions alike):
//
//  0. The input is checked (a compiled experiment, experiments.CompiledVersion, else
//     InvalidExperiment), then the expiry cap is computed before anything is written: the method's
//     time (every action's pauseBeforeSeconds + pauseAfterSeconds) + ExpiryMargin. An action whose
//     pauses or onset are not numbers ≥ 0 fails the execution with InvalidExperiment, nothing written.
//  1. Steady state before: record $$.State.EnteredTime, Wait observeSeconds, then a Map runs each
//     probe as cloudwatch:getMetricData over [start, now] and checks MetricDataResults[0].Values[0]
//     against the tolerance in Choice states. Not steady → verdict not-steady-before, no write.
//  2. Method: per action, ssm:putParameter of the fault (the deployed fault parameter only), then
//     the pause: first its onset (onsetSeconds, a Wait: the failure layer's config cache TTL, after
//     which every sandbox reads the new fault), recorded as the action's inForceAt, then the rest as
//     slices; with a guard, its probes run after each slice, one after the other (a Map in the
//     slice's), and a deviated value of any fails the Map with GuardBreached (verdict deviated). Every write is capped (below).
//  3. Steady state after, over the window since the first fault was in force (inForceAt).
//  4. Rollbacks always run (every Task/Map has a States.ALL Catch), then the steady state is
//     observed for recoverySeconds and recorded. A probe or the fault's write is retried twice (2 s,
//     4 s); a rollback's write six times, jittered, up to 47 s in all (rollbackRetry: SSM throttles
//     PutParameter, and a fault left on is worse than a late rollback).
//  5. Held → Succeed with the journal as output; otherwise Fail (SteadyStateDeviated,
//     NotSteadyBefore, ExperimentAborted, RollbackFailed; InvalidExperiment for a bad input) with
//     the journal as the Cause. These are experiments.DeliberateErrors.
//
// No fault outlives its experiment. Two guards cover what the Catches cannot:
//
//   - The rollback guard. An execution that is aborted, times out, or fails with an error no Catch
//     sees (States.Runtime from a Pass, Choice, Wait or Map: a missing field, a bad path; States.ALL
//     does not match it, in AWS as in aws-local-stepfunctions) has not run its rollbacks. The Rule
//     (experiments.RollbackPattern, RollbackInputTemplate) starts the machine with exactly
//     {"rollbackOf": "<execution ARN>"} for an ABORTED or TIMED_OUT execution, and for a FAILED one
//     whose error is not one of experiments.DeliberateErrors: those are the machine's own Fail states, reached after the rollbacks ran or
//     before anything was written. That run describes the execution (sfn:describeExecution), runs
//     its input's rollbacks (capped too) and records the recovery; its journal has rollbackOf, the
//     verdict aborted and, as error, the execution's Error and Cause (null for an abort without
//     them). It never rolls back a rollback run, whatever that run's end (RollbackOfRollback: it
//     ends at once, successfully), so a failing rollback run starts one more run at most, never a
//     loop; the fault it left on expires by itself, within the cap.
//     Why a pattern, not a check inside the machine: a deliberate failure then starts nothing — no
//     extra execution that only describes another and stops, which every client following a run
//     would have to recognise — and the list of names is held to the definition's Fail states by
//     this package's tests (TestDeliberateErrors), so it cannot drift. "$or" keeps aborts apart:
//     whatever error StopExecution was given, an abort is rolled back. The rule's data lives in
//     package experiments, free of the CDK, so that the runner (drivers/internal/runner) reads the
//     same pattern to know when to wait for a rollback run (experiments.StartsRollback), and the
//     local clouds' tests register it.
//   - The expiry cap. Every write of a fault that may be enabled (any value but isEnabled: false;
//     a failure-lambda 1.0 config, which has no isEnabled, included), by an action or a rollback,
//     carries expiresAfterSeconds ≤ the cap: a value without one, with one ≤ 0 or longer
//     than the cap gets expiresAfterSeconds = the cap (States.JsonMerge); an expiresAt stays, and
//     the failure layer ends the fault at the earlier of the two. The journal records the value
//     written. Why cap, not refuse: JSONPath has no clock arithmetic, so the machine cannot judge an
//     expiresAt and would have to refuse every experiment whose author set one (the compiler keeps
//     it); a cap changes nothing an experiment measures (the fault is only needed until the method
//     ends; a compiled experiment's expiry, the rest of the method + the compiler's margin, is never
//     above it), needs no pass over the input before the run, and also covers a rollback run,
//     whose input was accepted long ago. What the cap cannot judge (pauses that are not numbers) is
//     refused, before anything is written.
//
// Running the definition locally (aws-local-stepfunctions 3.0.0): the interpreter's Context
// Object has no State.EnteredTime and no Execution.Id; pass them, with EnteredTime as a getter
// so each read is the current time:
//
//	context: {Execution: {Id: arn, Name: name}, State: {get EnteredTime() { return new Date().toISOString() }}}
//
// Task states to answer: Before.Query, After.Query, Recovery.Query, Guard.Query (GetMetricData),
// Action.Put, Rollback.Put (PutParameter), DescribeAborted (DescribeExecution). testdata/run.mjs
// is a complete example; the tests in lifecycle_test.go run the definition and the Rule on the
// local cloud's Step Functions (package local/sfn), which needs none of this.
package experiment
