// Package ctk speaks Chaos Toolkit's side of a run: it writes our journal (experiments.Journal,
// the state machine's output) as a Chaos Toolkit journal, so the tools that read journal.json
// (reports, dashboards, CI checks of status and deviated) read ours; and it says which of Chaos
// Toolkit's rollback strategies the lab honours.
//
// # Use
//
//	cj, err := ctk.FromJournal(exp, journal)   // exp: the experiment that ran (nil if not at hand)
//	b, err := json.MarshalIndent(cj, "", "  ")  // journal.json
//
//	if err := ctk.RollbackStrategy(flagValue); err != nil { ... } // --rollback-strategy
//
// # Mapping
//
// The format is chaostoolkit-lib 1.45.0's (chaoslib/run.py, activity.py, hypothesis.py; the
// schema derived from them is testdata/journal.schema.json, which the tests hold every journal
// to):
//
//	chaoslib-version   FormatVersion, the release whose format this is
//	platform, node     Platform (the state machine ran it); the execution ARN
//	experiment         the experiment as its file has it, plus the extension {"name": "chaoslab-journal",
//	                   "verdict", "executionArn", "rollbackOf", "rolledBackBy", "error", "rollbackError",
//	                   "recoveryError", "afterRollback", "onsets", "probesPastFailure"}: what Chaos
//	                   Toolkit's journal has no member for (afterRollback is the steady state after
//	                   the rollbacks, as a state; onsets, per write with an onset, {"phase",
//	                   "activity", "onsetSeconds", "inForceAt"}: when the fault was in force, where
//	                   the window after the method starts; probesPastFailure, per phase "before",
//	                   "after", "during", the probe runs judged after the first not met)
//	start, end         startedAt, endedAt as Python's isoformat() (2026-11-30T06:56:10.894000+00:00)
//	duration           seconds between them
//	status, deviated   held, deviated, not-steady-before → completed (chaoslib too says completed of
//	                   a hypothesis not met before the method: steady_states.before tells);
//	                   deviated → deviated true (chaoslib: the steady state after the method not
//	                   met); a guard's breach → failed, deviated false (chaoslib's fail-fast
//	                   continuous hypothesis with no hypothesis after it); aborted → aborted; a
//	                   rollback run (rollbackOf), and a run the rollback guard's run rolled back
//	                   (rolledBackBy) → interrupted (the execution was stopped, timed out or broke)
//	steady_states      before, after: {steady_state_met, probes} from the phases, null when a phase
//	                   did not run, the probes up to the first not met (chaoslib stops there);
//	                   during: the guard checks that judged a value (Journal.GuardChecks, which
//	                   chaoslab run reads from the history), a state an interval holding each of
//	                   the guard's probes, the breach the last; without checks, the guard's breach,
//	                   if any, as a state not met
//	run                the method's writes; after a guard breach, only the action whose pause the
//	                   guard ended (the machine records no other then)
//	rollbacks          the rollbacks' writes; a failed rollback is a run with status failed and the
//	                   Step Functions error as its exception
//
// Each probe run has the experiment's activity, status succeeded (a probe whose query failed
// aborts the run instead), tolerance_met (our pass) and the output Chaos Toolkit would record:
// a process provider's {"status": 0, "stdout": "<value as the aws CLI prints it>\n", "stderr": ""}
// (stdout "null\n" without data), a python provider's value (null without data). An action's
// output is the value written (with the expiry the machine capped it to). Start and end are the
// time of the query or the write (a probe's observed window is longer; pauses are in the
// activity). Our probes are all evaluated where Chaos Toolkit stops at the first that fails: the
// journal's states stop there too, and the rest are in the extension's probesPastFailure.
// Without the experiment (exp nil), the activities are described from the journal: a
// chaoslab.cloudwatch.metric_data probe with its query, a chaosaws put_parameter action.
//
// # Rollback strategies
//
// The state machine always rolls back: default and always are accepted; never and deviated,
// which would leave a fault on, are refused (RollbackStrategy). Chaos Toolkit's default skips the
// rollbacks of a failed run (chaostoolkit issue #195); here there is no such path.
package ctk
