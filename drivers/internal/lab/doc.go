// Package lab runs the whole Serverless Chaos Lab on one machine with no AWS account, the library
// behind `chaoslab lab` (and so `make lab` and the end-to-end test): every experiment on every
// scenario, each on a fresh stack in a local cloud, with the lab's proof checked at the end.
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
//	if err != nil { return err }                     // a lane failed
//	problems := lab.Expectations(sum.Results)        // none: the lab passed
//
// # Phases, in order
//
// Run synthesizes the CDK app once per scenario (synthesize, with cdkapp.Synth), then runs lanes
// side by side (runLanes; with Parallel one per scenario, each on a local cloud of its own). A
// lane (runLane) starts its cloud, runs each experiment on each of its scenarios as a trial, and
// stops the cloud. A trial (runTrial) is one experiment on one scenario, in phases:
//
//	deploy     a fresh stack from the scenario's cdk.out (empty queues and tables)
//	load       publisher and subscriber in-process (drivers/internal/publish, subscribe), then Warmup
//	run        the experiment on the deployed state machine (drivers/internal/runner), as chaoslab run
//	drain      stop publishing; wait for the pipeline, at most Drain, less once Quiet
//	reconcile  every published document by name: converted, in the error queue, pending, lost (tally)
//	audit      documents written to DynamoDB; the fault parameter off after the run
//
// Progress goes to Config.Progress (a line per phase, prefixed by its lane when lanes run side by
// side); each trial's runner output and driver logs go to <Results>/<scenario>-<experiment>.log,
// its journal next to it.
package lab
