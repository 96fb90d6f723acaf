// Package lab runs the whole Serverless Chaos Lab on one machine with no AWS account, the library
// behind `chaoslab lab` (and so `make lab`, `make lab-repeat` and the end-to-end test): every
// experiment on every scenario, each pair on a stack of its own in one local cloud, side by side,
// with the lab's proof checked at the end.
//
// # Use
//
// Fill a Config (Root from cdkapp.FindRoot; the rest from chaoslab lab's flags), call Run, print
// the results, and check them:
//
//	sum, err := lab.Run(ctx, lab.Config{Root: root, Dir: ".lab", Results: "lab-results",
//		Scenarios: contract.Scenarios(), Experiments: experiments.Names(), Rate: 10, ...})
//	if sum == nil { return err }                     // nothing ran
//	lab.PrintTable(os.Stdout, sum.Results)           // also in <Results>/summary.json
//	if err != nil { return err }                     // a cloud, a synth or a trial failed
//	problems := lab.Expectations(sum.Results)        // none: the lab passed
//
// With Config.Repeat > 1 the results hold every run's (Result.Run), and PrintSpreads summarizes
// each probe over the runs: min, median, max, and the runs that gave the expected verdict. Two labs'
// results (ReadResults: a summary.json) side by side, each flip's margin in one against the other,
// are Compare and PrintComparison (`chaoslab lab-compare`).
//
// # Phases, in order
//
// Run synthesizes a stack per experiment and scenario (StackName: ChaosLab-<scenario>-exp<n>), all in
// one run of the app (`cdk synth -c stacks=<name>=<scenario>,...`) into one cdk.out, reused while the
// app's inputs are unchanged since its synth, while the local clouds start (Config.Clouds, default one),
// then runs the trials side by side, Config.Concurrency at a time (chaoslab lab: DefaultConcurrency),
// experiment by experiment, each one's scenarios in turn (runOrder: flawed exp_1, resilient exp_1,
// flawed exp_2, ...; the results keep the order of the scenarios and experiments). A trial (runTrial) is one experiment on one
// scenario on its own stack, in phases:
//
//	deploy     the trial's stack from its cdk.out into its cloud, beside the others (empty queues and tables)
//	load       publisher and subscriber in-process (drivers/internal/publish, subscribe), then Warmup
//	run        the experiment on the stack's state machine (drivers/internal/runner), as chaoslab run
//	drain      stop publishing; wait for the pipeline, at most Drain, less once Quiet
//	reconcile  every published document by name: converted, in the error queue, pending, lost (tally)
//	audit      documents written to DynamoDB; the fault parameter off after the run
//	delete     the stack, so a next run deploys it afresh
//
// Trials can share a cloud because nothing of one stack is another's: every name derives from the
// stack name, the probes read the stack's own metrics (its queues', function's and table's
// dimensions), and the cloud refuses a name another stack owns (local/cloud).
//
// Progress goes to Config.Progress: a line per trial phase, prefixed by the trial; each trial's
// runner output, deploy report and driver logs go to <Results>/<scenario>-<experiment>.log, its
// journal next to it.
package lab
