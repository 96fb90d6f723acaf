// Package fis translates AWS Fault Injection Service experiment templates into experiments of
// ours (package experiments), for the stack's function.
//
// Why: FIS's Lambda actions need its extension's exec wrapper, which Go's provided.al2023 runtime
// ignores, so FIS cannot inject into a Go function; this lab's failure layer (functions/failure)
// can. A team that already wrote FIS templates runs them here unchanged.
//
// # Use
//
// Ask DescribeAlarms for the stop conditions' alarms, then translate; write the experiment only
// when there is no problem:
//
//	names, err := fis.AlarmNames(tpl)                      // for DescribeAlarms(AlarmNames)
//	alarms, err := fis.ParseAlarms(describeAlarmsJSON)     // aws CLI output, or json.Marshal(sdkOutput)
//	e, problems, err := fis.Translate(tpl, fis.Options{FunctionName: outputs["FunctionName"], Alarms: alarms})
//
// CheckAlarms reports the stop conditions whose alarm does not exist, alone (Translate reports
// them too). The experiment passes experiments.Validate and compiles with the stack's options.
//
// # Mapping
//
// The template is the CreateExperimentTemplate JSON, or `aws fis get-experiment-template`
// output ({"experimentTemplate": {...}}), or CloudFormation's AWS::FIS::ExperimentTemplate (a
// template holding one, the resource, or its Properties), read in the API's spelling
// (cloudformation.go; Form says which), each in JSON or YAML (yaml.go); problem paths are relative to the template
// (actions.slowdown.parameters.foo). Parameters are strings, as FIS takes them.
//
//	aws:lambda:invocation-add-delay     latency flag {"enabled": true, "percentage": invocationPercentage,
//	  startupDelayMilliseconds (1000)     "min_latency": ms, "max_latency": ms}: the delay before the handler
//	aws:lambda:invocation-error         exception flag (the handler does not run), exception_msg naming
//	  preventExecution "true"             the action; "false" (run, then fail) is a problem
//	aws:lambda:invocation-http-         statuscode flag {"status_code": statusCode}; statusCode 100..599,
//	  integration-response                preventExecution "true"; anything else is a problem; the
//	                                      answer's content type is application/json (the flag's),
//	                                      another contentTypeHeader said so in the description
//	aws:fis:wait                        adds no fault: it only delays what starts after it
//	invocationPercentage (100)          the flag's percentage (1..100)
//	duration                            ISO 8601 (PT5M, PT1H30M, PT90S, P1D): how long the flag is on
//	startAfter                          FIS's schedule: an action starts when all it names have ended,
//	                                    else at the start; a cycle or an unknown name is a problem
//	targets                             aws:lambda:function only, under the action's "Functions":
//	  resourceArns                        each ARN must name the stack's function (Options.FunctionName;
//	                                      with Options.FunctionARN, its account and region too); a
//	                                      qualifier is accepted (the fault parameter covers every version)
//	  resourceTags                        every tag must be on the function (Options.FunctionTags)
//	  selectionMode                       ALL, COUNT(n ≥ 1) or PERCENT(100) (one function);
//	                                      filters and parameters are problems
//	stopConditions aws:cloudwatch:alarm a hypothesis probe each, and the guard (the chaoslab
//	                                    extension) of them all, checked during every pause; source
//	                                    none adds nothing
//	experimentOptions                   single-account only; emptyTargetResolutionMode fail or skip
//	roleArn, logConfiguration,          dropped (named in the description): they change nothing that
//	  experimentReportConfiguration       runs, and the journal is the report
//	description, tags, id               the title (its first line), the description, tags
//	                                    ("aws-fis", key=value), the file name fis-<id>.json
//
// The schedule becomes the method: the experiment is cut wherever an action starts or ends, and
// each stretch with the same faults on is one action that writes their flags (failure-lambda 1.0's
// per-flag format, which has a percentage per flag; the 0.x format has one rate for one mode), then
// pauses for the stretch. The flags carry no expiry: the compiler gives them one as to any
// experiment's fault (expiresAfterSeconds = the rest of the method + the expiry margin), so a run's
// -pause and -expiry-margin overrides set it. Every write names the seed's parameter,
// failureLambdaConfig, which the compiler maps to the fault parameter of the stack it compiles for:
// the experiment is not tied to one stack. A stretch with only waits writes {"isEnabled": false},
// except before the first fault: waits there are the first write's pauses.before (nothing is
// written and no guard runs while they do; a -pause override does not shorten them), since the
// state machine starts the window of the steady state after the method when method[0]'s write is in
// force, which must be the first fault's. Two actions of the same flag on at once are a problem
// (the parameter holds one flag per mode), and so are invocation-error and
// invocation-http-integration-response on at once: FIS applies such "conflicting actions" one at
// a time, the earliest started first, where both flags would roll on every invocation (a delay
// goes with either, in FIS as here). The rollback writes {"isEnabled": false}; the extension
// "aws-fis" records each FIS action's start, end and flag.
//
// # Stop conditions
//
// A stop condition's alarm (found by name in Options.Alarms, so a template from an AWS account
// finds the local cloud's alarm of the same name) becomes a probe of our native provider
// chaoslab.cloudwatch.metric_data over the alarm's own metric (Statistic, Dimensions, Unit; as
// the alarm's members or as MetricStat queries of its Metrics), whose tolerance is the range the
// comparison does not breach ([-max, threshold] for GreaterThanThreshold, the next float below
// the threshold for GreaterThanOrEqualToThreshold, and so on): the probe deviates exactly when
// the value is in alarm. Its window is Period × EvaluationPeriods. It is a hypothesis probe
// (checked before and after the method, which FIS does not do) and the guard (checked during
// every pause, what FIS does). Why a metric probe and not the alarm's state: the state machine's
// probes are GetMetricData calls, and a guard judged on metrics records the value that breached.
//
// What differs from the alarm, on purpose or by necessity: the probe judges one value of the
// statistic over its whole window (the guard's grows from the fault's write; the compiler gives
// every metric one period covering the window) where the alarm judges each Period and goes to
// ALARM when DatapointsToAlarm of EvaluationPeriods of them breach. So only alarms whose
// whole-window value breaches whenever one period's does are translated, and their guard is
// stricter than the alarm (it may stop earlier, never later):
//
//	Sum, SampleCount, Maximum     with GreaterThanThreshold or GreaterThanOrEqualToThreshold: a
//	                              total of values that are not negative (AWS's counts and
//	                              durations) and a maximum only grow as the window grows
//	Minimum                       with LessThanThreshold or LessThanOrEqualToThreshold: it only falls
//
// Every other alarm is a problem, since its guard could leave the fault on where FIS would stop
// the experiment: Average, percentiles and the other extended statistics (any direction),
// Minimum with Greater*, Sum, SampleCount or Maximum with Less*, and metric math (any query with
// an Expression: a ratio of window totals reads 3 % over minutes at 0, 0, 6 and 6 % on which a
// 5 %, 2-of-3 alarm goes to ALARM). For those, name an alarm of an accepted form, or drop the
// stop condition and lend a hypothesis (Options.Hypothesis; import-fis -hypothesis).
//
// Missing data never puts an alarm in ALARM unless TreatMissingData is breaching: the probe then
// counts no data as 0 (no_data "zero"), and a comparison that 0 breaches is a problem; breaching
// makes no data fail the hypothesis (the guard treats no data as "not known yet"). Composite
// alarms and anomaly bands are problems. Several alarm stop conditions are a probe each, and the
// guard checks them all, as FIS stops on any. An alarm named by a stop condition that DescribeAlarms did not return is a problem:
// the template would run without the stop its author meant.
//
// Without an alarm there is no hypothesis, and the lab cannot judge a run: Options.Hypothesis
// lends one (a shipped experiment's probes and configuration).
package fis
