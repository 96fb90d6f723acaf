// Package experiments loads Chaos Toolkit experiment definitions, validates them and compiles
// them into the execution input of the experiment state machine (constructs/experiment). It
// produces data only: it calls no AWS service.
//
// # Accepted input
//
// Chaos Toolkit's JSON format (title, description, configuration, steady-state-hypothesis,
// method, rollbacks, pauses, extensions), including the seed lab's own files unchanged:
//
//   - probes as `aws cloudwatch get-metric-data` processes: the argument string is parsed like a
//     shell would (quotes, backslashes, `...` and $(...) substitutions); --metric-data-queries
//     is file://PATH (relative to the experiment file) or inline JSON; the `date` substitutions
//     of --start-time/--end-time give the window length (GNU `--date 'N min ago'`, `-d`, and
//     BSD/macOS `-v-5M`); --end-time must be now; --query must be MetricDataResults[0].Values[0].
//   - probes as chaosaws python providers chaosaws.cloudwatch.probes.get_metric_statistics and
//     get_metric_data (namespace, metric_name, dimension_name/value or dimensions, statistic or
//     extended_statistic, duration, unit; offset must be 0). The machine reads one value of the
//     statistic over the window; chaosaws' get_metric_data reads it per period and sums (Sum),
//     takes the least or greatest (Minimum, Maximum) or averages the periods' values: the same
//     but for an Average or percentile whose periods hold unequal numbers of samples, and for a
//     SampleCount, which is refused unless its period is the duration.
//   - our native probe: python provider module "chaoslab.cloudwatch", func "metric_data",
//     arguments {"metric_data_queries": [...] or "file://...", "duration": 300, "no_data": "fail"}.
//   - actions as `aws ssm put-parameter --name failureLambdaConfig --type String --overwrite
//     --value '{...}'` processes, or chaosaws.ssm.actions.put_parameter (name, value as a string
//     or an object, type, overwrite). The seed's parameter name failureLambdaConfig (and the
//     stack's own fault parameter name) both mean "the stack's fault parameter"; any other name is
//     rejected, since the state machine may write only that parameter. The value must be a
//     failure config (docs/contracts.md §3).
//   - ${var} substitution from `configuration` (literal values, or {"type": "env", "key": K,
//     "default": D} looked up in CompileOptions.Env; EnvFromOutputs builds it from stack outputs),
//     applied to every string of the providers and to the metric-data-query files. A number is
//     substituted as Chaos Toolkit (Python) prints it: an integer as written (1000000), any
//     other as a float (1e6 is 1000000.0, 1e16 is 1e+16).
//   - tolerances: {"type": "range", "range": [min, max]}; and on a python probe, whose value is
//     a number, a number (exact), a boolean (Chaos Toolkit compares with ==, so true is 1 and
//     false is 0, as in Python) and [min, max] (Chaos Toolkit: min <= value <= max). On a
//     process probe Chaos Toolkit checks a number or a list against the exit status and compares
//     a boolean with the whole result, so they are refused there (the error says to write a
//     range with "target": "stdout"); so is a list of other than two values (one of them). A
//     range on a process probe needs "target": "stdout" (without it Chaos Toolkit ranges the
//     whole result), and a python probe's range has no target (its value is the number).
//   - pauses.before/after on actions, a number or "${name}" of the configuration (pauses on
//     probes are rejected). Every duration (a pause, a
//     probe's window, the guard's interval) is at most 366 days: the longest a fault may stay on,
//     longer than a Step Functions execution may run.
//   - rollbacks ending with the fault off: the machine runs them as written, so none, or a last
//     one that enables a fault, is rejected (no run may leave a fault on).
//   - a guard, in Chaos Toolkit's free-form extensions:
//     {"name": "chaoslab", "guard": {"probe": "<hypothesis probe name>", "interval": 60}}, or
//     "probes": [names] for several, each checked after every interval.
//
// Every member of the file is one of the format's: a key it does not have is an error at its
// JSON path ("method[0].pause: unknown key; did you mean \"pauses\"?"), since ignoring it
// would silently change the experiment. A value of the wrong JSON type is an error at its full
// path too ("title: want a JSON string, got JSON number"): Parse returns an
// *Error listing every one of them with every unknown key; Validate and Compile report the
// unknown keys of a file that decodes with their own problems. Accepted and ignored, as they do not change what runs:
// version, tags, description, contributions, secrets (a ${var} naming a secret is an error: it
// is not in configuration), an activity's secrets, configuration and timeout, a provider's
// secrets and timeout, other tools' extensions, and runtime when its strategies are what the
// state machine does anyway (rollbacks "default" or "always", hypothesis "default"). Refused
// with their path: dry (top level or activity), other runtime strategies, a configuration env
// entry's env_var_type other than str, int and float (which make the variable's text a number, as
// chaoslib's do), and the members of the chaoslab extension other than name and guard.
//
// Everything else that would change what runs (probes in the method, background activities,
// controls at the experiment's, the hypothesis's or an activity's level, other providers, http
// providers, other tolerance types) is an error naming the JSON path and the reason; Compile
// collects every error before returning.
//
// # Compiled (the state machine's execution input)
//
//	{"version": 2, "title": "...", "source": "exp_1-minor_delay.json",
//	 "steadyState": {"title": "...", "observeSeconds": 300, "recoverySeconds": 300,
//	   "probes": [{"name": "messages-in-flight", "source": "steady-state-hypothesis.probes[1]",
//	     "query": "e1 = ((2*m1) - (m2+m3)) / (2*m1) * 100", "windowSeconds": 300,
//	     "metricDataQueries": [{"Id": "m1", "MetricStat": {...}, "ReturnData": false}, ...],
//	     "tolerance": {"type": "range", "min": -10, "max": 80, "text": "[-10, 80]"},
//	     "noData": "fail"}]},
//	 "method": [{"name": "...", "source": "method[0]", "parameter": "failureLambdaConfig",
//	   "value": {"isEnabled": true, ..., "expiresAfterSeconds": 420},
//	   "pauseBeforeSeconds": 0, "pauseAfterSeconds": 300, "onsetSeconds": 5, "pauseSlices": [295]}],
//	 "rollbacks": [{... "value": {"isEnabled": false} ...}],
//	 "guard": {"enabled": false, "intervalSeconds": 0, "probes": null, "probe": null}}
//
// Probe windows are observed, not looked back on: Step Functions' JSONPath cannot compute
// "now - 5 min", so the machine records $$.State.EnteredTime when a phase starts and queries
// [that time, now]. Before: it waits observeSeconds, then probes. After: the window starts when
// the first fault was in force (its action's inForceAt: the write plus onsetSeconds), method[0]'s;
// so a first action whose value enables no fault is refused (wait before the first fault with its
// pauses.before). After the rollbacks: it waits recoverySeconds, then probes.
// The query that returns data keeps its Label or, without one, gets the probe's name (CloudWatch
// returns it with the result, so the execution's history says which probe a value is).
// Every MetricStat's Period is set to one period covering the longest window (rounded up to a
// multiple of 60 s, plus 120 s for CloudWatch's rounding of StartTime down to the minute), so
// Values[0] summarizes the whole window. A fault's value gets expiresAfterSeconds (seconds after
// the parameter's LastModifiedDate) = the remaining method time + a margin, so a fault outlives
// a broken experiment by at most the margin.
//
// # Journal (the state machine's output)
//
// See Journal: the execution's output when the verdict is held; the Cause (JSON) of the Fail
// state otherwise (errors SteadyStateDeviated, NotSteadyBefore, ExperimentAborted,
// RollbackFailed). Verdicts: held, deviated, not-steady-before, aborted. An execution that ended
// without its rollbacks writes none: RecoverJournal reads what it ran from its history, and
// MergeRollback completes that with the rollback guard's run's journal (recover.go). The guard's
// checks are not in the machine's journal (its pause Map keeps no iteration's result): GuardChecks
// reads them from the history (guardchecks.go), and chaoslab adds them as Journal.GuardChecks.
//
// # Source files
//
// compile.go holds the entry points (Validate, Compile and their options); config.go the
// configuration and ${var} substitution; probe.go the probes and their metric data queries;
// awscli.go the aws CLI process providers; chaosaws.go the python providers' arguments and
// chaosaws' metric probes; tolerance.go, action.go, guard.go and durations.go what their names
// say; shell.go the shell word splitting; experiment.go, compiled.go and journal.go the input,
// compiled and output types; schema.go the keys each object of the file may have; definitions.go
// the shipped experiments.
package experiments
