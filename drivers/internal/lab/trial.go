package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/publish"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/report"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/runner"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/stack"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/subscribe"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/tally"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/experiments/ctk"
	"github.com/chaoslab/serverless-chaos-lab/internal/atomicfile"
	"github.com/chaoslab/serverless-chaos-lab/internal/contract"
	"github.com/chaoslab/serverless-chaos-lab/internal/hostcpu"
	"github.com/chaoslab/serverless-chaos-lab/local/cloud"
)

// trial is one experiment on one scenario, on a fresh stack: what its phases share. Each trial
// starts from empty queues and tables, so one run's retries do not spill into the next one's
// steady state (the seed's FAQ: ~15 minutes to recover after a failed experiment).
type trial struct {
	cfg        Config
	cloud      *cloud.Cloud
	cdkOut     string
	scenario   string
	experiment string
	stack      string
	// dir is where the trial's files go; progress gets its few lines for the console.
	dir      string
	progress io.Writer
	// id is <scenario>-<experiment>: the documents' run id and the base name of the trial's files.
	id string
	// release gives the trial's slot back once its publisher has stopped (schedule).
	release func()
	// retryable: a verdict of not steady before runs the trial again (Config.NotSteadyRetries),
	// in the same slot; retry says it will.
	retryable, retry bool
	// log is the trial's log file: the runner's output and the drivers' JSON logs.
	log    *os.File
	logger *slog.Logger

	// Set by deploy.
	outputs cloud.Outputs
	aws     aws.Config

	res Result
}

// outputsUsed are the stack outputs the trial's phases read.
var outputsUsed = []string{stack.BucketName, stack.JsonQueueUrl, stack.CsvQueueUrl, stack.ErrorQueueUrl, stack.TableName,
	stack.FaultParameterName, stack.ExperimentStateMachineArn, stack.FunctionName}

// runTrial runs the phases in order: deploy, load (and warm up), run the experiment, drain,
// reconcile, audit, delete the stack. A failure before the experiment ends the trial with verdict
// "error"; after it, the remaining phases still run and each problem is added to Result.Error.
//
// release gives the trial's slot back (schedule): runTrial calls it once the publisher has stopped,
// before the drain (a drain is waiting, mostly: the next trial's deploy and warm-up overlap it).
//
// A trial that was not steady before its fault did not run its experiment: it is no evidence either
// way, so it runs again on a fresh stack, up to Config.NotSteadyRetries times, and its result says
// so (NotSteadyAttempts, each attempt's files kept under its own name). Any other verdict stands.
func runTrial(ctx context.Context, c Config, lc *cloud.Cloud, cdkOut string, sp trialSpec, dir string, progress io.Writer, release func()) Result {
	started := time.Now()
	cpuBefore, cpuOK := hostcpu.Read()
	res := attempts(progress, c.NotSteadyRetries, func(n int, retryable bool) (Result, bool) {
		id := sp.scenario + "-" + sp.experiment
		if n > 0 {
			id += fmt.Sprintf("-again-%d", n)
		}
		t := &trial{cfg: c, cloud: lc, cdkOut: cdkOut, scenario: sp.scenario, experiment: sp.experiment, stack: sp.stack, release: release,
			id: id, dir: dir, progress: progress, retryable: retryable,
			res: Result{Scenario: sp.scenario, Experiment: sp.experiment, Stack: sp.stack, Verdict: "error"}}
		t.phases(ctx)
		return t.res, t.retry && ctx.Err() == nil // not after Ctrl-C during the attempt's last phases
	})
	res.Seconds = time.Since(started).Round(100 * time.Millisecond).Seconds()
	res.MachineBusy, res.MachineSteal = hostcpu.Since(cpuBefore, cpuOK)
	return res
}

// attempts runs attempt (numbered from 0; retryable while retries are left) until it says not to
// retry, and returns the last result with the earlier ones as its NotSteadyAttempts.
func attempts(progress io.Writer, retries int, attempt func(n int, retryable bool) (Result, bool)) Result {
	var earlier []Attempt
	for n := 0; ; n++ {
		res, retry := attempt(n, n < retries)
		if !retry {
			res.NotSteadyAttempts = earlier
			return res
		}
		a := Attempt{Journal: res.Journal, Report: res.Report, Before: res.Before}
		earlier = append(earlier, a)
		fmt.Fprintf(progress, "    not steady before the fault (%s): the experiment did not run; once more on a fresh stack\n", a.Outside())
	}
}

func (t *trial) phases(ctx context.Context) {
	base := filepath.Join(t.dir, t.id)
	logf, err := os.Create(base + ".log")
	if err != nil {
		t.fail(err)
		return
	}
	defer logf.Close()
	t.log, t.logger = logf, slog.New(slog.NewJSONHandler(logf, nil))

	if err := t.deploy(ctx); err != nil {
		t.failBefore(ctx, err)
		return
	}
	// The stack goes when the trial ends, whatever happened: the next run deploys it afresh.
	defer t.delete(ctx)
	l := t.load(ctx)
	// Both drivers are stopped and waited for before the stack goes (the defers run in reverse): a
	// trial that fails before its drain must not leave them uploading to a deleted bucket and
	// writing to a closed log.
	defer func() { l.cancel(); l.wg.Wait() }()
	sleep(ctx, t.cfg.Warmup)
	compiled, err := t.compile()
	if err != nil {
		t.fail(err)
		return
	}
	t.res.Journal = base + ".journal.json"
	journal, runErr := t.run(ctx, compiled)
	t.verdict(journal, runErr)
	t.retry = t.retryable && t.res.Verdict == experiments.VerdictNotSteadyBefore && ctx.Err() == nil
	depths, depthErr := t.drain(ctx, l, func() {
		if !t.retry {
			t.release() // the publisher has stopped: what is left waits, reads and deletes, and need not hold a slot
		}
	})
	t.reconcile(l, depths, depthErr)
	t.audit(ctx, l)
	injected := t.injected(ctx, journal)
	t.report(ctx, compiled, journal, runErr, injected)
	if ctx.Err() != nil {
		t.problem("interrupted: the lab was stopped during this trial; its counts are what was done by then")
	}
}

// report writes the run's HTML report and metric series beside its journal, while the stack still
// exists (the metrics are read from it): every run that has a journal gets one, whatever its
// verdict. A report written without some of its metric data is noted as a problem. It is drawn on a
// context of its own, bounded (reportTimeout), as chaoslab run's is: a lab stopped with Ctrl-C still
// gets its trials' reports with their metrics (the cloud stops after the trials).
func (t *trial) report(ctx context.Context, compiled *experiments.Compiled, j *experiments.Journal, runErr error, injected *report.Injected) {
	if j == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reportTimeout)
	defer cancel()
	// The counts as reconciled (the report comes after the drain and the reconciliation), and the
	// results index beside the report, which the lab writes at its end.
	run := report.Run{Journal: j, Compiled: compiled, Scenario: t.scenario, Experiment: t.experiment,
		Documents: t.res.documents(""), Index: "index.html", Injected: injected}
	if runErr != nil && !errors.Is(runErr, runner.ErrDeviated) {
		run.Error = runErr.Error()
	}
	var dashboards []string
	if name := t.outputs[stack.DashboardName]; name != "" {
		dashboards = []string{name}
	}
	path, err := report.Options{Root: t.cfg.Root}.Make(ctx, cloudwatch.NewFromConfig(t.aws), run, dashboards, report.Base(t.res.Journal))
	if path != "" {
		t.res.Report = path
	}
	if err := report.Incomplete(err); err != nil { // a kept saved series is whole: no problem
		t.problem("report: %v", err)
	}
}

// reportTimeout bounds drawing a trial's report (a few GetMetricData calls on the local cloud).
const reportTimeout = 30 * time.Second

// fail records err as the trial's error.
func (t *trial) fail(err error) { t.res.Error = err.Error() }

// failBefore records err, which ended the trial before its experiment ran, as its error: in the
// interrupt's words when the lab was stopped (ctx done), the raw error in brackets (an interrupted
// deploy read "deploy: ... CreateTopic ... canceled, context canceled").
func (t *trial) failBefore(ctx context.Context, err error) {
	if ctx.Err() == nil {
		t.fail(err)
		return
	}
	t.res.Error = fmt.Sprintf("interrupted: the lab was stopped before this trial's experiment ran, so no fault was written (what the interrupt cut short: %v)", err)
}

// problem adds a problem found after the experiment to the trial's error.
func (t *trial) problem(format string, args ...any) {
	if t.res.Error != "" {
		t.res.Error += "; "
	}
	t.res.Error += fmt.Sprintf(format, args...)
}

// deploy deploys a fresh stack from the scenario's cdk.out and checks it has the outputs the
// other phases read.
func (t *trial) deploy(ctx context.Context) error {
	begin := time.Now()
	outputs, err := t.cloud.DeployStack(ctx, cloud.StackDeploy{CdkOut: t.cdkOut, StackName: t.stack, Progress: t.log})
	if err != nil {
		return fmt.Errorf("deploy: %w", err)
	}
	fmt.Fprintf(t.progress, "    deployed in %s; load %g documents/s, then the experiment (journal %s)\n",
		time.Since(begin).Round(100*time.Millisecond), t.cfg.Rate, filepath.Base(t.id)+".journal.json")
	if u := t.cloud.DashboardURL(outputs[stack.DashboardName]); u != "" {
		fmt.Fprintf(t.progress, "    dashboard, live while the trial runs: %s\n", u)
	}
	var missing []string
	for _, k := range outputsUsed {
		if outputs[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("deployed stack has no output %s", strings.Join(missing, ", "))
	}
	t.outputs, t.aws = outputs, t.cloud.Config()
	return nil
}

// delete deletes the trial's stack, its sandboxes and its queues, so that the trials after it on
// the same cloud have the machine to themselves.
func (t *trial) delete(ctx context.Context) {
	if ctx.Err() != nil {
		return // the cloud is closing: Close stops every process
	}
	if err := t.cloud.Delete(ctx, t.stack); err != nil {
		t.problem("delete the stack: %v", err)
	}
}

// load is the publisher and the subscriber, in-process, for the whole trial.
type load struct {
	s3  *s3.Client
	sqs *sqs.Client

	pub publish.Summary // once pubDone is closed
	sub subscribe.Summary
	// pubErr and subErr are the drivers' own errors (a configuration they refused), read once wg is done.
	pubErr, subErr error
	stats          atomic.Pointer[subscribe.Stats] // the subscriber's progress
	pubDone        chan struct{}
	wg             sync.WaitGroup
	stopPub        context.CancelFunc
	stopSub        context.CancelFunc
}

// cancel stops both drivers without waiting for them.
func (l *load) cancel() { l.stopPub(); l.stopSub() }

// load starts the publisher (at Config.Rate, seeded by the trial's id) and the subscriber
// (verifying every CSV), both logging to the trial's log.
func (t *trial) load(ctx context.Context) *load {
	l := &load{s3: s3.NewFromConfig(t.aws), sqs: sqs.NewFromConfig(t.aws), pubDone: make(chan struct{})}
	h := fnv.New64a()
	h.Write([]byte(t.id))
	pubCtx, stopPub := context.WithCancel(ctx)
	subCtx, stopSub := context.WithCancel(ctx)
	l.stopPub, l.stopSub = stopPub, stopSub
	l.wg.Add(2)
	go func() {
		defer l.wg.Done()
		defer close(l.pubDone)
		l.pub, l.pubErr = publish.Run(pubCtx, l.s3, publish.Config{Bucket: t.outputs[stack.BucketName], RunID: t.id, Rate: t.cfg.Rate,
			Seed: h.Sum64(), ProgressEvery: time.Hour, Logger: t.logger})
	}()
	go func() {
		defer l.wg.Done()
		l.sub, l.subErr = subscribe.Run(subCtx, l.sqs, l.s3, subscribe.Config{QueueURL: t.outputs[stack.CsvQueueUrl],
			ErrorQueueURL: t.outputs[stack.ErrorQueueUrl], Verify: true, RunID: t.id, Wait: 2 * time.Second,
			ProgressEvery: 500 * time.Millisecond, Progress: func(s subscribe.Stats) { l.stats.Store(&s) }, Logger: t.logger})
	}()
	return l
}

// compile compiles the shipped experiment with the deployed stack's names and the lab's
// compressed durations.
func (t *trial) compile() (*experiments.Compiled, error) {
	return t.cfg.compile(t.experiment, t.outputs)
}

// compile compiles the experiment name (Definition) for a stack of these outputs with the lab's
// durations.
func (c Config) compile(name string, outputs map[string]string) (*experiments.Compiled, error) {
	def, err := c.Definition(name)
	if err != nil {
		return nil, err
	}
	return experiments.Compile(def, experiments.CompileOptions{FaultParameterName: outputs[stack.FaultParameterName],
		Env: labEnv(outputs), Overrides: c.Overrides})
}

// labEnv is what the experiments' configuration reads as its environment: the stack's outputs under
// their variables' names, and, for any other variable (an experiment of one's own may read one), the
// process's, as chaoslab run reads it. A variable of a stack output is the trial's stack's, whatever
// the process has: each trial has a stack of its own.
func labEnv(outputs map[string]string) map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && experiments.OutputOfEnv(k) == "" {
			env[k] = v
		}
	}
	maps.Copy(env, experiments.EnvFromOutputs(outputs))
	return env
}

// CheckOnset refuses an onset (Overrides.Onset, nil: the default) that takes the whole of an
// experiment's fault span with the lab's durations (chaoslab run refuses it for one run): every trial of it
// would observe nothing of its fault, found only after the cloud, the stacks and the warm-ups. The
// span does not depend on the stack's names, so the experiments are compiled as trials compile
// them, with stand-ins for the names.
func (c Config) CheckOnset() error {
	onset := c.Overrides.FaultOnset()
	const account, region = "000000000000", "us-east-1"
	outputs := map[string]string{
		stack.BucketName: "onset-check", stack.TableName: "onset-check", stack.FunctionName: "onset-check",
		stack.JsonQueueName: "onset-check-json", stack.CsvQueueName: "onset-check-csv", stack.ErrorQueueName: "onset-check-error",
		stack.JsonQueueUrl: "http://127.0.0.1/" + account + "/onset-check-json", stack.CsvQueueUrl: "http://127.0.0.1/" + account + "/onset-check-csv",
		stack.ErrorQueueUrl: "http://127.0.0.1/" + account + "/onset-check-error", stack.TopicName: "onset-check",
		stack.TopicArn: "arn:aws:sns:" + region + ":" + account + ":onset-check", stack.FaultParameterName: "/onset-check/fault",
		stack.DashboardName: "onset-check", stack.ExperimentStateMachineArn: "arn:aws:states:" + region + ":" + account + ":stateMachine:onset-check",
	}
	for _, name := range c.Experiments {
		out, err := c.compile(name, outputs)
		if err != nil {
			return fmt.Errorf("%s with the lab's durations: %w", name, err)
		}
		if out.OnsetTakesAll(onset) {
			return fmt.Errorf("-onset %s leaves no time to observe %s's fault: its steady state after is observed from the first fault's onset to the method's end, %s after its write with these durations; shorten -onset or lengthen -pause",
				onset, name, out.FaultSpan())
		}
	}
	return nil
}

// run runs the experiment on the deployed state machine, as `chaoslab run` does, its output in
// the trial's log and its journal next to it. No rollback wait: the lab's runs are not aborted.
func (t *trial) run(ctx context.Context, compiled *experiments.Compiled) (*experiments.Journal, error) {
	r := &runner.Runner{Command: "chaoslab lab",
		SFN: sfn.NewFromConfig(t.aws), SSM: ssm.NewFromConfig(t.aws), FaultParameter: t.outputs[stack.FaultParameterName],
		Stdout: t.log, Logger: cli.Logger(t.log),
		ExecutionName: runner.ExecutionName(t.id + "-" + t.cfg.Now().UTC().Format("150405")),
		JournalPath:   t.res.Journal,
		Poll:          500 * time.Millisecond,
		// The stack is the trial's own, deployed for it: an execution still listed under the same
		// name (a stack of an earlier run or attempt, deleted while its execution ran) is not its.
		Alongside: true,
		// The lab stops its local cloud as it ends: no `chaoslab follow` of an execution it leaves.
		EphemeralCloud: true,
	}
	j, err := r.Run(ctx, t.outputs[stack.ExperimentStateMachineArn], compiled)
	if j != nil {
		// Beside it, <id>.ctk.json: the run as a Chaos Toolkit journal, for the tools that read those.
		def, _ := t.cfg.Definition(t.experiment) // nil: ctk describes the activities from the journal
		cj, cerr := ctk.FromJournal(def, j)
		var b []byte
		if cerr == nil {
			b, cerr = json.MarshalIndent(cj, "", "  ")
		}
		if cerr == nil {
			cerr = atomicfile.WriteFile(strings.TrimSuffix(t.res.Journal, ".journal.json")+".ctk.json", append(b, '\n'), 0o644)
		}
		if cerr != nil {
			t.problem("Chaos Toolkit journal: %v", cerr)
		}
	}
	return j, err
}

// drain stops the publisher (then calls stopped), then lets the pipeline drain: until every document is accounted for,
// the work queue is empty and has settled, or nothing has converted for Config.Quiet; never longer
// than Config.Drain. Then it stops the subscriber and returns the depths of the work queue (read
// before) and of the CSV queue (read after).
//
// An empty work queue is not the end by itself: the last batch's messages are deleted when the
// function returns, and their CSV notifications reach the subscriber a poll later. Counting then
// would report them lost (seen with resilient's batches of 10 slowed down by exp_5: 23 "lost"), so
// the drain ends on an empty queue only once it has stayed empty, with nothing converted, for
// drainSettle (drainEnd).
func (t *trial) drain(ctx context.Context, l *load, stopped func()) (queueDepths, error) {
	l.stopPub()
	<-l.pubDone
	stopped()
	begin := time.Now()
	d := drainEnd{settle: drainSettle, lastConverted: -1, lastChange: begin}
	quiet := t.drainQuiet()
	why := fmt.Sprintf("the longest drain, %s, is over", t.cfg.Drain)
	for deadline := begin.Add(t.cfg.Drain); time.Now().Before(deadline) && ctx.Err() == nil; sleep(ctx, 500*time.Millisecond) {
		s := l.stats.Load()
		if s == nil {
			continue
		}
		now := time.Now()
		d.converted(s.Converted, now)
		if s.Accounted >= l.pub.Published { // distinct documents: one both converted and redriven counts once
			why = "every document published is converted or in the error queue"
			break
		}
		if now.Sub(d.lastChange) > quiet {
			why = fmt.Sprintf("nothing converted for %s", quiet)
			break
		}
		if now.Sub(d.lastChange) < d.settle {
			continue
		}
		depth, err := subscribe.QueueDepth(ctx, l.sqs, t.outputs[stack.JsonQueueUrl])
		if err != nil {
			depth = -1
		}
		if d.empty(depth, time.Now()) {
			why = fmt.Sprintf("the work queue is empty and stayed so for %s", d.settle)
			break
		}
	}
	if ctx.Err() != nil {
		why = "the lab was cancelled"
	}
	fmt.Fprintf(t.log, "drain: ended after %s: %s\n", time.Since(begin).Round(100*time.Millisecond), why)
	ctx, cancel := readContext(ctx)
	defer cancel()
	var q queueDepths
	var err error
	if q.work, err = subscribe.QueueDepth(ctx, l.sqs, t.outputs[stack.JsonQueueUrl]); err != nil {
		err = fmt.Errorf("the work queue: %w", err)
	}
	l.stopSub()
	l.wg.Wait()
	// Read once the subscriber has stopped: what it has not received by then is still in the queue.
	if csv, cerr := subscribe.QueueDepth(ctx, l.sqs, t.outputs[stack.CsvQueueUrl]); cerr != nil {
		err = errors.Join(err, fmt.Errorf("the CSV queue: %w", cerr))
	} else {
		q.csv = csv
	}
	return q, err
}

// queueDepths are the messages still in a trial's queues when its drain ended (visible, in flight
// and delayed): the work queue's are documents not converted yet; the CSV queue's are CSV
// notifications the subscriber did not receive (a receive that failed after the queue handed it
// messages leaves them invisible for the queue's visibility timeout).
type queueDepths struct{ work, csv int }

// drainQuiet is how long a drain waits with nothing converted before it ends on that alone.
// Config.Quiet, except on flawed, for which it can know sooner that nothing more will come.
// Resilient hands a failed document back after a backoff of 1 to 60 s (functions/etl), so a quiet
// spell there does not mean nothing is coming. Flawed has no such path: a document whose invocation
// failed waits out the work queue's whole visibility timeout (180 s, longer than any drain). So
// once nothing has converted for the function's timeout (an invocation running when the spell
// began has ended by then) plus drainSettle (its CSV notification has reached the subscriber),
// nothing more will convert during the drain, and waiting the rest of Quiet only held up the next
// trial: 10 s of each flawed trial's 63 s on 2026-12-01. A function the cloud does not know keeps
// Config.Quiet.
func (t *trial) drainQuiet() time.Duration {
	if t.scenario != contract.ScenarioFlawed {
		return t.cfg.Quiet
	}
	timeout, ok := t.cloud.Lambda().FunctionTimeout(t.outputs[stack.FunctionName])
	if !ok {
		return t.cfg.Quiet
	}
	return min(t.cfg.Quiet, timeout+drainSettle)
}

// drainSettle is how long the work queue must stay empty, with nothing converted, before a drain
// ends on it: longer than the subscriber's 2 s long poll.
const drainSettle = 3 * time.Second

// drainEnd decides when a drain may end on an empty work queue. The last batch's messages leave the
// queue when the function returns, and their CSV notifications reach the subscriber a poll or so
// later: the queue must be seen empty, and still empty settle later, with nothing converted in
// between. (Measuring settle from the last conversion instead ended a drain the moment a slow
// batch was deleted, after a quiet spell while it ran: exp_5 resilient reported the batch's 3
// documents lost, 2026-12-01.)
type drainEnd struct {
	settle                 time.Duration
	lastConverted          int
	lastChange, emptySince time.Time
}

// converted records the subscriber's count of converted documents at now; a change restarts the
// wait for an empty queue.
func (d *drainEnd) converted(n int, now time.Time) {
	if n != d.lastConverted {
		d.lastConverted, d.lastChange, d.emptySince = n, now, time.Time{}
	}
}

// empty records the work queue's depth at now (-1: unknown) and reports whether the drain may end.
func (d *drainEnd) empty(depth int, now time.Time) bool {
	switch {
	case depth != 0:
		d.emptySince = time.Time{}
	case d.emptySince.IsZero():
		d.emptySince = now
	case now.Sub(d.emptySince) >= d.settle:
		return true
	}
	return false
}

// verdict takes the verdict and the after-fault probes from the journal; without one, the
// experiment's error is the trial's.
func (t *trial) verdict(j *experiments.Journal, runErr error) {
	if j == nil {
		t.res.Journal = ""
		if runErr == nil {
			runErr = errors.New("no journal")
		}
		if errors.Is(runErr, runner.ErrInterrupted) {
			// The lab was stopped: phases says so, and the audit reads whether the fault is off (the
			// runner's advice to run `chaoslab rollback` is for a cloud that outlives the run).
			return
		}
		t.res.Error = fmt.Sprintf("experiment: %v", runErr)
		return
	}
	t.res.Verdict = j.Verdict
	// A journal and an error that is not the verdict's (a rollback that failed in the machine, which
	// the runner then switched off itself): the run is an error whatever its verdict.
	if runErr != nil && !errors.Is(runErr, runner.ErrDeviated) && !errors.Is(runErr, runner.ErrInterrupted) {
		t.problem("experiment: %v", runErr)
	}
	for _, p := range j.After {
		t.res.Probes = append(t.res.Probes, probeOf(p))
	}
	for _, p := range j.Before {
		t.res.Before = append(t.res.Before, probeOf(p))
	}
}

// reconcile accounts for every published document by name (tally), and splits the unaccounted
// ones into those still pending in the work queue, those whose CSV notification is still in the
// CSV queue (depths, read by drain) and those lost.
func (t *trial) reconcile(l *load, depths queueDepths, depthErr error) {
	pub, sub := l.pub, l.sub
	if l.pubErr != nil {
		t.problem("publisher: %v", l.pubErr)
	}
	if l.subErr != nil {
		t.problem("subscriber: %v", l.subErr)
	}
	t.res.Published, t.res.Malformed, t.res.MalformedKeys, t.res.ErrorDocs = pub.Published, pub.Malformed, pub.MalformedKeys, sub.ErrorDocuments
	t.res.ReceiveErrors = sub.ReceiveErrors
	t.res.Documents = tally.ReconcileSummaries(pub, sub)
	// The queues hold messages, not names: at most their depths of the unaccounted documents are
	// pending.
	if depthErr != nil {
		// Without the depths, an unaccounted document may be pending or lost: none is called lost.
		t.res.Unknown = t.res.Documents.Lost
		t.problem("read the queues' depths: %v (%d documents not accounted for by name, neither pending nor lost as far as can be told)", depthErr, t.res.Unknown)
		return
	}
	t.res.Pending = min(depths.work, t.res.Documents.Lost)
	t.res.NotificationsPending = min(depths.csv, t.res.Documents.Lost-t.res.Pending)
	t.res.Lost = t.res.Documents.Lost - t.res.Pending - t.res.NotificationsPending
}

// audit reads what the stack kept: the documents written to DynamoDB, and whether the fault is off.
func (t *trial) audit(ctx context.Context, l *load) {
	ctx, cancel := readContext(ctx)
	defer cancel()
	if n, ids, err := writtenDocuments(ctx, dynamodb.NewFromConfig(t.aws), t.outputs[stack.TableName]); err != nil {
		t.problem("count DynamoDB rows: %v", err)
	} else {
		t.res.Written = n
		t.res.writesMissing(l.pub.Published-l.pub.Malformed-n, ids, l.pub.MalformedKeys)
	}
	off, err := faultIsOff(ctx, ssm.NewFromConfig(t.aws), t.outputs[stack.FaultParameterName])
	if err != nil {
		t.problem("read fault parameter: %v", err)
		t.res.FaultUnread = true
	}
	if err == nil {
		t.res.FaultOff = &off
	}
}

// injected reads how many faults the trial's function injected while the journal's fault was on,
// after the drain (every invocation the fault delayed has ended and written its count), and says
// it in the trial's log and its result; the count, for the report, is nil when none was read.
func (t *trial) injected(ctx context.Context, j *experiments.Journal) *report.Injected {
	if j == nil {
		return nil
	}
	ctx, cancel := readContext(ctx)
	defer cancel()
	in, ok, err := report.CountInjected(ctx, cloudwatch.NewFromConfig(t.aws), t.outputs[stack.FunctionName], j, time.Now())
	switch {
	case err != nil:
		t.problem("count the faults injected: %v", err)
	case ok:
		t.res.Injected = &in.Count
		fmt.Fprintln(t.log, in.Line())
		return &in
	}
	return nil
}

// readContext bounds the reads after a trial's run (queue depths, DynamoDB rows, the fault
// parameter): they are made even when the lab is being stopped, so that an interrupted trial reports
// what it can still read rather than errors for all of it, and within 20 s.
func readContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
}
