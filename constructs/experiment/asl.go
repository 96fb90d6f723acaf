package experiment

import (
	"encoding/json"
	"maps"
	"strconv"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
)

// obj is one JSON object of the definition.
type obj = map[string]any

// State names the tests (and a local runner overriding tasks) refer to.
const (
	StateDescribeAborted = "DescribeAborted"
	StateActionPut       = "Action.Put"
	StateRollbackPut     = "Rollback.Put"
	// A phase's GetMetricData task is "<phase>.Query": Before, After, Recovery, Guard.
	PhaseBefore   = "Before"
	PhaseAfter    = "After"
	PhaseRecovery = "Recovery"
	PhaseGuard    = "Guard"
)

// ExpiryMargin is how long past the method's planned time a fault this machine writes may stay on:
// the compiler's default margin (experiments.DefaultExpiryMargin), so a compiled experiment's
// expiry (the rest of the method + that margin) is always within the cap. See capExpiry.
const ExpiryMargin = experiments.DefaultExpiryMargin

const (
	getMetricData     = "arn:aws:states:::aws-sdk:cloudwatch:getMetricData"
	putParameter      = "arn:aws:states:::aws-sdk:ssm:putParameter"
	describeExecution = "arn:aws:states:::aws-sdk:sfn:describeExecution"
	enteredTime       = "$$.State.EnteredTime"
)

// Definition builds the state machine's Amazon States Language (JSONPath only) for a machine that
// writes faults to faultParameterName (a name or a CDK token). See doc.go for the flow.
func Definition(faultParameterName string, timeoutSeconds int) obj {
	states := obj{
		"Route": obj{"Type": "Choice",
			"Choices": []any{obj{"Variable": "$.rollbackOf", "IsPresent": true, "Next": StateDescribeAborted}},
			"Default": "CheckInput"},
		"CheckInput": obj{"Type": "Choice",
			"Choices": []any{obj{"And": validInput("$"), "Next": "Init"}},
			"Default": "InvalidInput"},
		"InvalidInput": obj{"Type": "Fail", "Error": experiments.ErrInvalidExperiment,
			"Cause": "the input is not a compiled experiment (version " + strconv.Itoa(experiments.CompiledVersion) + "): compile it with `chaoslab compile` (experiments.Compile)"},
		"Init": obj{"Type": "Pass", "Parameters": obj{"experiment.$": "$", "journal": journalInit("$.title", nil, nil)},
			"Next": "Limits"},

		// 0. The expiry cap, before anything is written (both paths: the rollbackOf run writes too):
		// the method's time (every action's pauses) + ExpiryMargin, in $.limits.seconds.
		"Limits": obj{"Type": "Pass", "Parameters": obj{"i": 0, "n.$": "States.ArrayLength($.experiment.method)",
			"seconds": int(ExpiryMargin / time.Second)}, "ResultPath": "$.limits", "Next": "LimitsNext"},
		"LimitsNext": obj{"Type": "Choice",
			"Choices": []any{obj{"Variable": "$.limits.i", "NumericLessThanPath": "$.limits.n", "Next": "LimitsItem"}},
			"Default": "LimitsDone"},
		"LimitsItem": obj{"Type": "Pass", "Parameters": obj{"action.$": "States.ArrayGetItem($.experiment.method, $.limits.i)"},
			"ResultPath": "$.limitsItem", "Next": "LimitsCheck"},
		"LimitsCheck": obj{"Type": "Choice", "Choices": []any{obj{"And": append(
			append(nonNegative("$.limitsItem.action.pauseBeforeSeconds"), nonNegative("$.limitsItem.action.pauseAfterSeconds")...),
			nonNegative("$.limitsItem.action.onsetSeconds")...),
			"Next": "LimitsAdd"}}, "Default": "InvalidPauses"},
		"InvalidPauses": obj{"Type": "Fail", "Error": experiments.ErrInvalidExperiment,
			"Cause": "every method action needs pauseBeforeSeconds, pauseAfterSeconds and onsetSeconds ≥ 0: the expiry of every fault the machine writes is capped at the method's time + " +
				ExpiryMargin.String() + ", computed from them"},
		"LimitsAdd": obj{"Type": "Pass", "Parameters": obj{"i.$": "States.MathAdd($.limits.i, 1)", "n.$": "$.limits.n",
			"seconds.$": "States.MathAdd($.limits.seconds, States.MathAdd($.limitsItem.action.pauseBeforeSeconds, $.limitsItem.action.pauseAfterSeconds))"},
			"ResultPath": "$.limits", "Next": "LimitsNext"},
		"LimitsDone": obj{"Type": "Choice",
			"Choices": []any{obj{"Variable": "$.journal.rollbackOf", "IsNull": true, "Next": "BeforeWindow"}},
			"Default": "Rollback"},

		// 1. Steady state before: observe, then probe. Not steady: no fault, no rollback.
		"BeforeWindow":    windowStart("BeforeObserve"),
		"BeforeObserve":   obj{"Type": "Wait", "SecondsPath": "$.experiment.steadyState.observeSeconds", "Next": "BeforeProbes"},
		"BeforeProbes":    probeMap(PhaseBefore, "$.journal.before", "BeforeFailed", "Aborted"),
		"BeforeFailed":    resultsText("$.journal.before", "BeforeSteady"),
		"BeforeSteady":    anyFailed("NotSteadyBefore", "Method"),
		"NotSteadyBefore": verdict(experiments.VerdictNotSteadyBefore, "Finish"),

		// 2. Method: each action writes the fault, then pauses (checking the guard).
		"Method": obj{"Type": "Map", "ItemsPath": "$.experiment.method", "MaxConcurrency": 1,
			"ItemSelector":  obj{"action.$": "$$.Map.Item.Value", "guard.$": "$.experiment.guard", "expiry": expiry()},
			"ItemProcessor": processor("Action.PauseBefore", actionStates("Action", faultParameterName, true, retry())),
			"ResultPath":    "$.journal.method",
			"Catch": []any{
				obj{"ErrorEquals": []any{experiments.ErrGuardBreached}, "ResultPath": "$.guardError", "Next": "GuardBreached"},
				obj{"ErrorEquals": []any{"States.ALL"}, "ResultPath": "$.journal.error", "Next": "Aborted"},
			},
			"Next": "AfterWindow"},
		"GuardBreached": obj{"Type": "Pass", "Parameters": obj{"breach.$": "States.StringToJson($.guardError.Cause)"},
			"ResultPath": "$.guardParsed", "Next": "GuardRecord"},
		"GuardRecord": obj{"Type": "Pass", "InputPath": "$.guardParsed.breach", "ResultPath": "$.journal.guardBreach", "Next": "Deviated"},

		// 3. Steady state after, over the window since the first fault was in force.
		"AfterWindow": obj{"Type": "Pass", "Parameters": obj{"start.$": "$.journal.method[0].inForceAt"},
			"ResultPath": "$.window", "Next": "AfterProbes"},
		"AfterProbes": probeMap(PhaseAfter, "$.journal.after", "AfterFailed", "Aborted"),
		"AfterFailed": resultsText("$.journal.after", "AfterSteady"),
		"AfterSteady": anyFailed("Deviated", "Held"),
		"Held":        verdict(experiments.VerdictHeld, "Rollback"),
		"Deviated":    verdict(experiments.VerdictDeviated, "Rollback"),
		"Aborted":     verdict(experiments.VerdictAborted, "Rollback"),

		// 4. Rollbacks always run, then the steady state is observed and recorded once more.
		"Rollback": obj{"Type": "Map", "ItemsPath": "$.experiment.rollbacks", "MaxConcurrency": 1,
			"ItemSelector":  obj{"action.$": "$$.Map.Item.Value", "expiry": expiry()},
			"ItemProcessor": processor("Rollback.PauseBefore", actionStates("Rollback", faultParameterName, false, rollbackRetry())),
			"ResultPath":    "$.journal.rollbacks",
			"Catch":         []any{obj{"ErrorEquals": []any{"States.ALL"}, "ResultPath": "$.journal.rollbackError", "Next": "RecoveryWindow"}},
			"Next":          "RecoveryWindow"},
		"RecoveryWindow":  windowStart("RecoveryObserve"),
		"RecoveryObserve": obj{"Type": "Wait", "SecondsPath": "$.experiment.steadyState.recoverySeconds", "Next": "RecoveryProbes"},
		"RecoveryProbes":  probeMap(PhaseRecovery, "$.journal.afterRollback", "Finish", "RecoveryFailed"),
		"RecoveryFailed":  obj{"Type": "Pass", "InputPath": "$.recoveryError", "ResultPath": "$.journal.recoveryError", "Next": "Finish"},

		// 5. The journal: the output when held, else the Cause of a Fail state.
		"Finish":   obj{"Type": "Pass", "Parameters": obj{"at.$": enteredTime}, "ResultPath": "$.finished", "Next": "SetEnded"},
		"SetEnded": obj{"Type": "Pass", "InputPath": "$.finished.at", "ResultPath": "$.journal.endedAt", "Next": "JournalText"},
		"JournalText": obj{"Type": "Pass", "Parameters": obj{"cause.$": "States.JsonToString($.journal)"},
			"ResultPath": "$.failure", "Next": "Verdict"},
		"Verdict": obj{"Type": "Choice", "Choices": []any{
			// Not+IsNull:true rather than IsNull:false: same meaning, and aws-local-stepfunctions
			// 3.0.0 never matches IsNull:false.
			obj{"Not": obj{"Variable": "$.journal.rollbackError", "IsNull": true}, "Next": "FailRollback"},
			obj{"Not": obj{"Variable": "$.journal.rollbackOf", "IsNull": true}, "Next": "Done"},
			obj{"Variable": "$.journal.verdict", "StringEquals": experiments.VerdictHeld, "Next": "Done"},
			obj{"Variable": "$.journal.verdict", "StringEquals": experiments.VerdictDeviated, "Next": "FailDeviated"},
			obj{"Variable": "$.journal.verdict", "StringEquals": experiments.VerdictNotSteadyBefore, "Next": "FailNotSteady"},
		}, "Default": "FailAborted"},
		"Done":          obj{"Type": "Succeed", "OutputPath": "$.journal"},
		"FailDeviated":  fail(experiments.ErrSteadyStateDeviated),
		"FailNotSteady": fail(experiments.ErrNotSteadyBefore),
		"FailAborted":   fail(experiments.ErrExperimentAborted),
		"FailRollback":  fail(experiments.ErrRollbackFailed),

		// The guard for executions that ended without their rollbacks (aborted, timed out, or failed
		// outside the machine's Catches): the EventBridge rule (experiments.RollbackPattern) starts this machine
		// with {"rollbackOf": "<execution ARN>"}; it reads that execution's input and rolls it back.
		StateDescribeAborted: obj{"Type": "Task", "Resource": describeExecution,
			"Parameters": obj{"ExecutionArn.$": "$.rollbackOf"},
			"ResultPath": "$.described",
			// An execution that does not exist will not come to: no retry for that.
			"Retry": append([]any{obj{"ErrorEquals": []any{"Sfn.ExecutionDoesNotExistException"}, "MaxAttempts": 0}}, rollbackRetry()...),
			"Catch": []any{obj{"ErrorEquals": []any{"States.ALL"}, "ResultPath": "$.error", "Next": "CannotDescribe"}},
			"Next":  "ReadAborted"},
		"CannotDescribe": obj{"Type": "Fail", "Error": experiments.ErrRollbackFailed, "CausePath": "$.error.Cause"},
		"ReadAborted": obj{"Type": "Pass", "Parameters": obj{"input.$": "States.StringToJson($.described.Input)", "status.$": "$.described.Status"},
			"ResultPath": "$.original", "Next": "RollbackOfWhat"},
		"RollbackOfWhat": obj{"Type": "Choice", "Choices": []any{
			// A rollback run is never rolled back again (no loops), whatever its end; a fault it
			// left on expires by itself, within the cap.
			obj{"Variable": "$.original.input.rollbackOf", "IsPresent": true, "Next": "RollbackOfRollback"},
			obj{"And": validInput("$.original.input"), "Next": "OriginalError"},
		}, "Default": "InvalidInput"},
		"RollbackOfRollback": obj{"Type": "Succeed", "Comment": "the execution was itself a rollback: not repeated"},
		// The journal's error is why the execution ended: DescribeExecution's Error and Cause, either
		// of which may be absent (an abort without an error, say).
		"OriginalError": obj{"Type": "Choice", "Choices": []any{
			obj{"And": []any{obj{"Variable": "$.described.Error", "IsPresent": true}, obj{"Variable": "$.described.Cause", "IsPresent": true}},
				"Next": "OriginalErrorCause"},
			obj{"Variable": "$.described.Error", "IsPresent": true, "Next": "OriginalErrorOnly"},
		}, "Default": "OriginalNoError"},
		"OriginalErrorCause": obj{"Type": "Pass", "Parameters": obj{"error": obj{"Error.$": "$.described.Error", "Cause.$": "$.described.Cause"}},
			"ResultPath": "$.originalError", "Next": "InitRollbackOf"},
		"OriginalErrorOnly": obj{"Type": "Pass", "Parameters": obj{"error": obj{"Error.$": "$.described.Error", "Cause": ""}},
			"ResultPath": "$.originalError", "Next": "InitRollbackOf"},
		"OriginalNoError": obj{"Type": "Pass", "Parameters": obj{"error": nil}, "ResultPath": "$.originalError", "Next": "InitRollbackOf"},
		"InitRollbackOf": obj{"Type": "Pass", "Parameters": obj{"experiment.$": "$.original.input",
			"journal": journalInit("$.original.input.title", "$.rollbackOf", experiments.VerdictAborted)},
			"Next": "Limits"},
	}
	return obj{
		"Comment": "Chaos experiment (Chaos Toolkit model): steady state before, method (fault parameter writes and pauses, " +
			"with an optional guard), steady state after, rollbacks that always run, steady state after the rollbacks. " +
			"Input: experiments.Compiled; output: experiments.Journal. Started with {\"rollbackOf\": ARN} it rolls back that execution.",
		"StartAt":        "Route",
		"TimeoutSeconds": timeoutSeconds,
		"States":         states,
	}
}

// DefinitionJSON is Definition as a string.
func DefinitionJSON(faultParameterName string, timeoutSeconds int) string {
	b, err := json.Marshal(Definition(faultParameterName, timeoutSeconds))
	if err != nil {
		panic(err) // only maps, slices, strings and numbers: cannot fail
	}
	return string(b)
}

// validInput is the Choice rule that accepts a compiled experiment at p. Every test of a value
// follows an IsPresent of its path: a type or value test of a missing path is a States.Runtime
// error (in AWS and aws-local-stepfunctions alike), which no Catch sees; And stops at the first
// false rule.
func validInput(p string) []any {
	return []any{
		obj{"Variable": p + ".version", "IsPresent": true},
		obj{"Variable": p + ".version", "NumericEquals": experiments.CompiledVersion},
		obj{"Variable": p + ".title", "IsPresent": true},
		obj{"Variable": p + ".title", "IsString": true},
		obj{"Variable": p + ".steadyState.observeSeconds", "IsPresent": true},
		obj{"Variable": p + ".steadyState.observeSeconds", "IsNumeric": true},
		obj{"Variable": p + ".steadyState.recoverySeconds", "IsPresent": true},
		obj{"Variable": p + ".steadyState.recoverySeconds", "IsNumeric": true},
		obj{"Variable": p + ".steadyState.probes", "IsPresent": true},
		obj{"Variable": p + ".method[0]", "IsPresent": true},
		obj{"Variable": p + ".rollbacks", "IsPresent": true},
		obj{"Variable": p + ".guard.enabled", "IsPresent": true},
		obj{"Variable": p + ".guard.enabled", "IsBoolean": true},
	}
}

// nonNegative is the Choice rules that accept a number ≥ 0 at p.
func nonNegative(p string) []any {
	return []any{
		obj{"Variable": p, "IsPresent": true},
		obj{"Variable": p, "IsNumeric": true},
		obj{"Variable": p, "NumericGreaterThanEquals": 0},
	}
}

// expiry is the cap as the fault config field it becomes: {"expiresAfterSeconds": $.limits.seconds},
// given to every action (its Map's ItemSelector) for capExpiry.
func expiry() obj {
	return obj{"expiresAfterSeconds.$": "$.limits.seconds"}
}

// journalInit is a journal with every phase null (JSONPath cannot write into a missing object).
func journalInit(titlePath string, rollbackOfPath, verdictValue any) obj {
	j := obj{"title.$": titlePath, "executionArn.$": "$$.Execution.Id", "startedAt.$": enteredTime,
		"rollbackOf": nil, "verdict": verdictValue, "endedAt": nil,
		"before": nil, "method": nil, "guardBreach": nil, "after": nil, "rollbacks": nil, "afterRollback": nil,
		"error": nil, "rollbackError": nil, "recoveryError": nil}
	if rollbackOfPath != nil {
		delete(j, "rollbackOf")
		j["rollbackOf.$"] = rollbackOfPath
		delete(j, "error")
		j["error.$"] = "$.originalError.error"
	}
	return j
}

func windowStart(next string) obj {
	return obj{"Type": "Pass", "Parameters": obj{"start.$": enteredTime}, "ResultPath": "$.window", "Next": next}
}

func verdict(v, next string) obj {
	return obj{"Type": "Pass", "Result": v, "ResultPath": "$.journal.verdict", "Next": next}
}

func fail(errorName string) obj {
	return obj{"Type": "Fail", "Error": errorName, "CausePath": "$.failure.cause"}
}

// resultsText serializes a phase's probe results for anyFailed. JSONPath filters are avoided on
// purpose: an empty match is an error in some interpreters and [] in others.
func resultsText(results, next string) obj {
	return obj{"Type": "Pass", "Parameters": obj{"text.$": "States.JsonToString(" + results + ")"},
		"ResultPath": "$.check", "Next": next}
}

// anyFailed matches a compact JSON record with "pass":false. A string value cannot fake it: its
// quotes are escaped (\"pass\":false).
func anyFailed(failed, passed string) obj {
	return obj{"Type": "Choice",
		"Choices": []any{obj{"Variable": "$.check.text", "StringMatches": `*"pass":false*`, "Next": failed}},
		"Default": passed}
}

// retry is the budget of a task whose failure ends the experiment early (a probe's query, the
// fault's write): two retries, 2 s and 4 s after. The rollback follows either way.
func retry() []any {
	return []any{obj{"ErrorEquals": []any{"States.TaskFailed"}, "IntervalSeconds": 2, "MaxAttempts": 2, "BackoffRate": 2}}
}

// rollbackRetry is the budget of the tasks a rollback needs (the fault's switch-off, and the
// guard's read of the execution it rolls back): a fault left on is worse than a late rollback, and
// SSM throttles PutParameter at a few a second per account (ThrottlingException, TooManyUpdates
// when writes of one parameter overlap), which clears within seconds. Six retries, the waits
// doubling from 1 s to at most 16 s, each drawn at random below that (full jitter, so rollbacks
// throttled together do not retry together): 47 s of waiting at most. SSM's denial
// (Ssm.AccessDeniedException) is retried as any other task's error is (twice): it is a policy to
// mend, not a burst to outlast, and whoever runs the experiment then switches the fault off with
// their own credentials (drivers/internal/runner). An error a service's SDK model does not name
// reaches the machine as <Service>.<Service>Exception and gets the long budget, a later end, not a
// different one: Step Functions' own model names no AccessDeniedException, so its denial is
// Sfn.SfnException, as are its throttles (the AWS SDK for Java's class, which the AWS SDK
// integrations name their errors after).
func rollbackRetry() []any {
	return []any{
		obj{"ErrorEquals": []any{"Ssm.AccessDeniedException"}, "IntervalSeconds": 2, "MaxAttempts": 2, "BackoffRate": 2},
		obj{"ErrorEquals": []any{"States.ALL"}, "IntervalSeconds": 1, "MaxAttempts": 6, "BackoffRate": 2,
			"MaxDelaySeconds": 16, "JitterStrategy": "FULL"},
	}
}

func processor(startAt string, states obj) obj {
	return obj{"ProcessorConfig": obj{"Mode": "INLINE"}, "StartAt": startAt, "States": states}
}

// probeMap evaluates every hypothesis probe over [$.window.start, now].
func probeMap(phase, resultPath, next, onError string) obj {
	return obj{"Type": "Map", "ItemsPath": "$.experiment.steadyState.probes", "MaxConcurrency": 5,
		"ItemSelector":  obj{"probe.$": "$$.Map.Item.Value", "start.$": "$.window.start"},
		"ItemProcessor": processor(phase+".Window", probeStates(phase, "$", "", "", "")),
		"ResultPath":    resultPath,
		"Catch":         []any{obj{"ErrorEquals": []any{"States.ALL"}, "ResultPath": errorPath(resultPath, onError), "Next": onError}},
		"Next":          next}
}

func errorPath(resultPath, onError string) string {
	if onError == "RecoveryFailed" {
		return "$.recoveryError"
	}
	return "$.journal.error"
}

// probeStates queries one probe ({probe, start}) and records a ProbeResult. With recordPath "$"
// the record is the output and the three outcomes end; otherwise it is written at recordPath and
// each outcome goes to its next state.
func probeStates(p, recordPath, okNext, deviatedNext, noDataNext string) obj {
	record := func(status string, pass bool, valuePath string, next string) obj {
		params := obj{"name.$": "$.probe.name", "query.$": "$.probe.query", "tolerance.$": "$.probe.tolerance",
			"status": status, "pass": pass, "start.$": "$.start", "end.$": "$.now.at"}
		if valuePath == "" {
			params["value"] = nil
		} else {
			// noData: the value is the 0 a probe counts an empty result as (noData "zero", as
			// chaosaws does), so that the journal can say so: a misspelt metric or a pipeline
			// without load reads 0, and 0 is inside many tolerances.
			params["value.$"], params["noData.$"] = valuePath+".v", valuePath+".noData"
		}
		s := obj{"Type": "Pass", "Parameters": params}
		if recordPath != "$" { // "$" is the default; some interpreters mishandle it written out
			s["ResultPath"] = recordPath
		}
		if next == "" {
			s["End"] = true
		} else {
			s["Next"] = next
		}
		return s
	}
	return obj{
		p + ".Window": obj{"Type": "Pass", "Parameters": obj{"at.$": enteredTime}, "ResultPath": "$.now", "Next": p + ".Query"},
		p + ".Query": obj{"Type": "Task", "Resource": getMetricData,
			// Period is in each query (the compiler sets one period covering the window), so the
			// returned query's Values[0] summarizes [start, now].
			"Parameters": obj{"MetricDataQueries.$": "$.probe.metricDataQueries", "StartTime.$": "$.start",
				"EndTime.$": "$.now.at", "ScanBy": "TimestampDescending"},
			"ResultSelector": obj{"results.$": "$.MetricDataResults"},
			"ResultPath":     "$.query",
			"Retry":          retry(),
			"Next":           p + ".HasData"},
		p + ".HasData": obj{"Type": "Choice", "Choices": []any{
			obj{"Variable": "$.query.results[0].Values[0]", "IsPresent": true, "Next": p + ".Value"},
			obj{"Variable": "$.probe.noData", "StringEquals": experiments.NoDataZero, "Next": p + ".Zero"},
		}, "Default": p + ".NoData"},
		p + ".Value": obj{"Type": "Pass", "Parameters": obj{"v.$": "$.query.results[0].Values[0]", "noData": false}, "ResultPath": "$.value", "Next": p + ".Check"},
		p + ".Zero":  obj{"Type": "Pass", "Result": obj{"v": 0, "noData": true}, "ResultPath": "$.value", "Next": p + ".Check"},
		p + ".Check": obj{"Type": "Choice", "Choices": []any{obj{"And": []any{
			obj{"Variable": "$.value.v", "IsNumeric": true},
			obj{"Variable": "$.value.v", "NumericGreaterThanEqualsPath": "$.probe.tolerance.min"},
			obj{"Variable": "$.value.v", "NumericLessThanEqualsPath": "$.probe.tolerance.max"},
		}, "Next": p + ".OK"}}, "Default": p + ".Deviated"},
		p + ".OK":       record(experiments.ProbeOK, true, "$.value", okNext),
		p + ".Deviated": record(experiments.ProbeDeviated, false, "$.value", deviatedNext),
		p + ".NoData":   record(experiments.ProbeNoData, false, "", noDataNext),
	}
}

// actionStates writes one action's fault ({action[, guard]}), retrying the write as putRetry says,
// and pauses after it; with a guard the pause is a sequence of slices, each followed by the guard's
// probes, one after the other.
func actionStates(p, faultParameterName string, guarded bool, putRetry []any) obj {
	s := obj{
		p + ".PauseBefore": obj{"Type": "Wait", "SecondsPath": "$.action.pauseBeforeSeconds", "Next": p + ".Expiry"},
		p + ".Put": obj{"Type": "Task", "Resource": putParameter,
			"Parameters": obj{"Name": faultParameterName, "Type": "String", "Overwrite": true,
				"Value.$": "States.JsonToString($.action.value)"},
			"ResultPath": nil,
			"Retry":      putRetry,
			"Next":       p + ".Record"},
		p + ".Record": obj{"Type": "Pass", "Parameters": obj{"putAt.$": enteredTime}, "ResultPath": "$.record", "Next": p + ".Onset"},
		// The first part of the pause: the fault is in force in every sandbox once their cached
		// configs have expired (experiments.DefaultFaultOnset).
		p + ".Onset": obj{"Type": "Wait", "SecondsPath": "$.action.onsetSeconds", "Next": p + ".InForce"},
		p + ".InForce": obj{"Type": "Pass", "Parameters": obj{"putAt.$": "$.record.putAt", "inForceAt.$": enteredTime},
			"ResultPath": "$.record", "Next": p + ".Pause"},
		p + ".Done": obj{"Type": "Pass", "Parameters": obj{"name.$": "$.action.name", "parameter.$": "$.action.parameter",
			"value.$": "$.action.value", "pauseBeforeSeconds.$": "$.action.pauseBeforeSeconds",
			"pauseAfterSeconds.$": "$.action.pauseAfterSeconds", "putAt.$": "$.record.putAt",
			"onsetSeconds.$": "$.action.onsetSeconds", "inForceAt.$": "$.record.inForceAt", "endedAt.$": enteredTime},
			"End": true},
	}
	maps.Copy(s, capExpiry(p))
	if !guarded {
		s[p+".Pause"] = obj{"Type": "Wait", "SecondsPath": "$.action.pauseAfterSeconds", "Next": p + ".Done"}
		return s
	}
	g := PhaseGuard
	// One check: a guard probe over [the write, now]; a breach fails its Map, and so the pause's.
	check := probeStates(g, "$.result", g+".Passed", g+".Breach", g+".Passed")
	check[g+".Passed"] = obj{"Type": "Succeed"}
	// A breach fails the method's Map, whose results (the action's record) are lost: the breach
	// records the breached write itself, its parameter, value and onset as the action's record has them.
	check[g+".Breach"] = obj{"Type": "Pass", "Parameters": obj{"action.$": "$.action", "putAt.$": "$.start", "probe.$": "$.result",
		"parameter.$": "$.fault.parameter", "value.$": "$.fault.value", "onsetSeconds.$": "$.fault.onsetSeconds",
		"inForceAt.$": "$.fault.inForceAt"},
		"ResultPath": "$.breach", "Next": g + ".Cause"}
	check[g+".Cause"] = obj{"Type": "Pass", "Parameters": obj{"cause.$": "States.JsonToString($.breach)"}, "Next": g + ".Breached"}
	check[g+".Breached"] = obj{"Type": "Fail", "Error": experiments.ErrGuardBreached, "CausePath": "$.cause"}
	// Each slice of the pause: the wait, then every guard probe, one after the other (the first
	// breach ends the pause).
	slice := obj{
		g + ".Wait": obj{"Type": "Wait", "SecondsPath": "$.seconds", "Next": g + ".Enabled"},
		g + ".Enabled": obj{"Type": "Choice",
			"Choices": []any{
				obj{"And": []any{obj{"Variable": "$.guard.enabled", "BooleanEquals": true}, obj{"Variable": experiments.GuardProbesPath, "IsPresent": true}},
					"Next": g + ".Probes"},
				obj{"Variable": "$.guard.enabled", "BooleanEquals": true, "Next": g + ".One"}},
			"Default": g + ".Held"},
		// An input compiled before a guard took several probes names its one at $.guard.probe
		// (a saved `chaoslab compile`, the console's run again): a guard of one.
		g + ".One": obj{"Type": "Pass", "Parameters": obj{"enabled": true, "probes.$": "States.Array($.guard.probe)"},
			"ResultPath": "$.guard", "Next": g + ".Probes"},
		g + ".Probes": obj{"Type": "Map", "ItemsPath": experiments.GuardProbesPath, "MaxConcurrency": 1,
			"ItemSelector":  obj{"probe.$": "$$.Map.Item.Value", "start.$": "$.start", "action.$": "$.action", "fault.$": "$.fault"},
			"ItemProcessor": processor(g+".Window", check),
			"ResultPath":    nil,
			"Next":          g + ".Held"},
		g + ".Held": obj{"Type": "Succeed"},
	}
	s[p+".Pause"] = obj{"Type": "Map", "ItemsPath": "$.action.pauseSlices", "MaxConcurrency": 1,
		"ItemSelector": obj{"seconds.$": "$$.Map.Item.Value", "guard.$": "$.guard", "start.$": "$.record.putAt", "action.$": "$.action.name",
			"fault": obj{"parameter.$": "$.action.parameter", "value.$": "$.action.value", "onsetSeconds.$": "$.action.onsetSeconds",
				"inForceAt.$": "$.record.inForceAt"}},
		"ItemProcessor": processor(g+".Wait", slice),
		"ResultPath":    nil,
		"Next":          p + ".Done"}
	return s
}

// capExpiry makes sure the action ({action, expiry}) writes no enabled fault that outlives the cap:
// a value whose isEnabled is not false (a failure-lambda 1.0 config has none: its flags say) gets
// expiresAfterSeconds = the cap unless it has one in (0, cap] already; both formats read it at the
// top level. Another expiresAt may stay: the failure layer ends a fault at the earlier of the
// two (faultconfig.Config.ExpiresAtFor). $.action.value is updated, so the journal records the
// value written.
func capExpiry(p string) obj {
	v := "$.action.value"
	return obj{
		p + ".Expiry": obj{"Type": "Choice", "Choices": []any{
			obj{"And": []any{
				obj{"Variable": v + ".isEnabled", "IsPresent": true},
				obj{"Variable": v + ".isEnabled", "IsBoolean": true},
				obj{"Variable": v + ".isEnabled", "BooleanEquals": false},
			}, "Next": p + ".Put"},
			obj{"And": []any{
				obj{"Variable": v + ".expiresAfterSeconds", "IsPresent": true},
				obj{"Variable": v + ".expiresAfterSeconds", "IsNumeric": true},
				obj{"Variable": v + ".expiresAfterSeconds", "NumericGreaterThan": 0},
				obj{"Variable": v + ".expiresAfterSeconds", "NumericLessThanEqualsPath": "$.expiry.expiresAfterSeconds"},
			}, "Next": p + ".Put"},
		}, "Default": p + ".Cap"},
		// States.JsonMerge (shallow): the cap's field replaces the value's.
		p + ".Cap": obj{"Type": "Pass", "Parameters": obj{"value.$": "States.JsonMerge(" + v + ", $.expiry, false)"},
			"ResultPath": "$.capped", "Next": p + ".Capped"},
		p + ".Capped": obj{"Type": "Pass", "InputPath": "$.capped.value", "ResultPath": v, "Next": p + ".Put"},
	}
}
