// Package runner starts one execution of the stack's experiment state machine (constructs/experiment)
// with a compiled experiment, follows it live, and reports its journal: what `chaoslab run` does
// on AWS and what `chaoslab lab` does on the local cloud, from the same code.
//
// # Use
//
// Compile the experiment with the stack's names (experiments.Compile), build one Runner per run,
// call Run, and map its error:
//
//	r := &runner.Runner{SFN: sfn.NewFromConfig(cfg), SSM: ssm.NewFromConfig(cfg), FaultParameter: param,
//		Stdout: os.Stdout, ExecutionName: runner.ExecutionName("exp_1-" + stamp), JournalPath: "journal.json"}
//	journal, err := r.Run(ctx, machineArn, compiled)
//	switch {
//	case err == nil:                            // held
//	case errors.Is(err, runner.ErrDeviated):    // deviated, or not steady before the fault
//	default:                                    // no verdict: an AWS error, aborted, failed, interrupted
//	}
//
// Attach does the same for an execution already started (`chaoslab follow`: a run whose watch
// ended, one started by hand, a rollback run), running or ended; it only watches, so a cancelled
// ctx ends the watch and leaves the execution running.
//
// # What Run prints (Stdout)
//
// Every state entered (Pass and Choice only with Verbose), each probe's values, each write of the
// fault parameter, pauses with the time left every Countdown, failed tasks; then the probe table of
// every phase, the actions, the errors and the verdict (PrintJournal), and the journal's path.
//
// # Runs that end without their rollbacks
//
// The machine's rollback guard (an EventBridge rule of the stack, experiments.RollbackPattern)
// starts a rollback execution, input {"rollbackOf": <ARN>}, for every execution that ended
// without running its rollbacks: aborted, timed out, or failed with an error that is not one of
// the machine's own Fail states (experiments.DeliberateErrors: a States.Runtime that no Catch
// sees, an uncaught task error). When the execution ends so (experiments.StartsRollback), or ctx
// is cancelled (Run then stops the execution and switches the fault off itself, SwitchOff), Run
// waits up to RollbackWait for that execution, follows it and writes its journal instead
// (verdict aborted, rollbackOf and the original error): the error then says whether the rollback
// guard rolled the fault back. A deliberate failure (deviated, not steady before, ...) ran its
// rollbacks inside the execution: Run reports its journal at once and waits for nothing.
package runner
