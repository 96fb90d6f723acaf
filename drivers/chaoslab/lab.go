package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/publish"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/stack"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/subscribe"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/tally"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/internal/contract"
	"github.com/chaoslab/serverless-chaos-lab/local/cloud"
)

func init() {
	register(command{name: "lab", synopsis: "run the whole lab on the local cloud: every experiment on flawed and on resilient", run: (*Main).lab})
}

const labUsage = `
chaoslab lab runs the whole lab on one machine with no AWS account: it
synthesizes the CDK app for each scenario, starts a local cloud on 127.0.0.1
per scenario (side by side; -parallel=false: one cloud, one scenario after the
other), and for every scenario and experiment deploys a fresh stack from cdk.out,
drives load (publisher + subscriber), runs the experiment on the deployed
state machine with compressed durations, and reconciles the documents. It
prints a verdict table, writes every journal and a summary.json to -results,
and stops everything it started, also on Ctrl-C or failure.

Exit 0 when every experiment deviated on flawed and held on resilient, with no
document lost on resilient and the fault off after every run; 1 when such an
expectation failed (the table says which); 2 on errors.

Usage:
  chaoslab lab [flags]
`

// labConfig is the lab command's flags.
type labConfig struct {
	dir, results string
	scenarios    []string
	experiments  []string
	over         experiments.Overrides
	rate         float64
	warmup       time.Duration
	drain        time.Duration
	quiet        time.Duration
	parallel     bool
}

// LabResult is one experiment on one scenario: what summary.json holds.
type LabResult struct {
	Scenario   string     `json:"scenario"`
	Experiment string     `json:"experiment"`
	Verdict    string     `json:"verdict"`
	Journal    string     `json:"journal,omitempty"`
	Probes     []LabProbe `json:"probes"`
	Published  int        `json:"published"`
	Malformed  int        `json:"malformed"`
	// MalformedKeys are the documents the publisher broke on purpose (the seed's 1 %).
	MalformedKeys []string `json:"malformed_keys"`
	// Documents is the reconciliation by name; its lost counts every unaccounted document, the
	// pending ones included: Pending and Lost below split it.
	Documents tally.Report `json:"documents"`
	// Pending are unaccounted documents still in the JSON work queue when the drain ended (waiting
	// out a visibility timeout or a redelivery backoff): not converted yet, but not lost.
	Pending int `json:"pending_in_work_queue"`
	// Lost are the unaccounted documents beyond those: in no queue and no output.
	Lost      int                       `json:"lost"`
	ErrorDocs []subscribe.ErrorDocument `json:"error_documents"`
	Written   int                       `json:"documents_written_to_dynamodb"`
	// WritesMissing are well-formed documents without a per-message row in the table.
	WritesMissing int     `json:"writes_missing"`
	FaultOff      bool    `json:"fault_off_after_run"`
	Seconds       float64 `json:"seconds"`
	Error         string  `json:"error,omitempty"`
}

// LabProbe is one probe of the after-fault phase, as the table shows it.
type LabProbe struct {
	Name      string   `json:"name"`
	Value     *float64 `json:"value"`
	Tolerance string   `json:"tolerance"`
	Pass      bool     `json:"pass"`
}

func (m *Main) lab(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chaoslab lab", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	var c labConfig
	var scen, exps string
	fs.StringVar(&c.dir, "dir", ".lab", "work directory: cdk.out per scenario, the local cloud's logs")
	fs.StringVar(&c.results, "results", "lab-results", "where journals, logs and summary.json are written")
	fs.StringVar(&scen, "scenarios", strings.Join(contract.Scenarios(), ","), "scenarios to run, in order")
	fs.BoolVar(&c.parallel, "parallel", true, "run the scenarios side by side, each on a local cloud of its own (false: one cloud, one scenario after the other)")
	fs.StringVar(&exps, "experiments", "all", "comma-separated shipped experiment names, or all")
	fs.DurationVar(&c.over.ProbeWindow, "window", 10*time.Second, "steady-state observation window (AWS default: the experiment's, 300s)")
	fs.DurationVar(&c.over.Pause, "pause", 30*time.Second, "how long each fault stays on (AWS default: the experiment's, 300s); shorter makes redelivery delays look like lost work in the in-flight ratio")
	fs.DurationVar(&c.over.Recovery, "recovery", 5*time.Second, "observation after the rollback")
	fs.DurationVar(&c.over.ExpiryMargin, "expiry-margin", 30*time.Second, "a fault switches itself off this long after its planned end")
	fs.Float64Var(&c.rate, "rate", 10, "documents per second the publisher uploads (the seed: 2; more gives steadier percentages in short windows)")
	fs.DurationVar(&c.warmup, "warmup", 5*time.Second, "load before the experiment starts (a cold function and DynamoDB Local lag behind at first)")
	fs.DurationVar(&c.drain, "drain", 60*time.Second, "after the experiment, the longest wait for documents still in the pipeline")
	fs.DurationVar(&c.quiet, "quiet", 20*time.Second, "stop draining early once nothing has converted for this long (flawed's failed documents wait out a 180 s visibility timeout)")
	fs.Usage = usageFunc(fs.Output, labUsage, fs.PrintDefaults)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return cli.Usagef("chaoslab lab: unexpected arguments %q", fs.Args())
	}
	c.scenarios = splitList(scen)
	for _, s := range c.scenarios {
		if err := contract.CheckScenario("-scenarios", s); err != nil {
			return cli.Usagef("chaoslab lab: %v", err)
		}
	}
	if exps == "all" {
		exps = strings.Join(experiments.Names(), ",")
	}
	for _, e := range splitList(exps) {
		c.experiments = append(c.experiments, strings.TrimSuffix(e, ".json"))
	}
	for _, e := range c.experiments {
		if _, err := experiments.LoadDefinition(e); err != nil {
			return cli.Usagef("chaoslab lab: -experiments: %v (shipped: %s)", err, strings.Join(experiments.Names(), ", "))
		}
	}
	if c.rate <= 0 {
		return cli.Usagef("chaoslab lab: -rate must be positive")
	}
	return m.runLab(ctx, c)
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// phaser prints a line when a phase starts and its duration when it ends.
type phaser struct {
	w     io.Writer
	start time.Time
}

func (p *phaser) do(name string, f func() error) error {
	t := time.Now()
	fmt.Fprintf(p.w, "==> %s\n", name)
	err := f()
	status := "done"
	if err != nil {
		status = "FAILED"
	}
	fmt.Fprintf(p.w, "    %s in %s (lab time %s)\n", status, time.Since(t).Round(100*time.Millisecond), time.Since(p.start).Round(time.Second))
	return err
}

func (m *Main) runLab(ctx context.Context, c labConfig) error {
	root, err := findRoot()
	if err != nil {
		return err
	}
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(root, p)
	}
	c.dir, c.results = abs(c.dir), abs(c.results)
	for _, d := range []string{c.dir, c.results} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	ph := &phaser{w: m.Stderr, start: time.Now()}

	cdkOut := map[string]string{}
	for _, s := range c.scenarios {
		cdkOut[s] = filepath.Join(c.dir, "cdk.out."+s)
		logPath := filepath.Join(c.results, "synth-"+s+".log")
		err := ph.do("synthesize the CDK app, scenario "+s+" (log: "+rel(root, logPath)+")", func() error {
			f, err := os.Create(logPath)
			if err != nil {
				return err
			}
			defer f.Close()
			return synth(ctx, root, s, cdkOut[s], f)
		})
		if err != nil {
			return err
		}
	}

	// Lanes: each runs its scenarios one after the other on a local cloud of its own. Side by side,
	// the lab takes half the time: a run mostly waits (windows, pauses, drain), so two lanes share
	// 2 cores without changing what the probes see (README, design notes).
	lanes := [][]string{c.scenarios}
	if c.parallel && len(c.scenarios) > 1 {
		lanes = nil
		for _, s := range c.scenarios {
			lanes = append(lanes, []string{s})
		}
	}
	stderr := &lockedWriter{w: m.Stderr}
	// A lane that fails (its cloud does not start) stops the others: the lab cannot pass without it.
	laneCtx, stopLanes := context.WithCancel(ctx)
	defer stopLanes()
	laneResults := make([][]LabResult, len(lanes))
	laneErrs := make([]error, len(lanes))
	var wg sync.WaitGroup
	for i, lane := range lanes {
		w, dir := io.Writer(stderr), filepath.Join(c.dir, "cloud")
		if len(lanes) > 1 {
			w, dir = &prefixWriter{w: stderr, prefix: "[" + lane[0] + "] "}, filepath.Join(c.dir, "cloud-"+lane[0])
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			laneResults[i], laneErrs[i] = m.runLane(laneCtx, c, root, lane, cdkOut, &phaser{w: w, start: ph.start}, dir)
			if laneErrs[i] != nil {
				stopLanes()
			}
		}()
	}
	wg.Wait()
	var results []LabResult
	for _, rs := range laneResults {
		results = append(results, rs...)
	}
	laneErr := errors.Join(laneErrs...)
	if laneErr != nil && len(results) == 0 {
		return laneErr
	}

	b, _ := json.MarshalIndent(results, "", "  ")
	summary := filepath.Join(c.results, "summary.json")
	if err := os.WriteFile(summary, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout)
	printLabTable(m.Stdout, results)
	fmt.Fprintf(m.Stdout, "\njournals, logs and summary.json: %s (lab time %s)\n", rel(root, c.results), time.Since(ph.start).Round(time.Second))
	if laneErr != nil {
		return laneErr
	}
	if problems := labExpectations(results); len(problems) > 0 {
		fmt.Fprintln(m.Stdout, "\nexpectations not met:")
		for _, p := range problems {
			fmt.Fprintln(m.Stdout, "  - "+p)
		}
		return cli.Exit(ExitDeviated, nil)
	}
	fmt.Fprintln(m.Stdout, "\nevery experiment deviated on flawed and held on resilient; resilient lost no document; every fault was off after its run.")
	return nil
}

// runLane starts a local cloud in dir, runs every experiment on each of scenarios there, one after
// the other, and stops the cloud (every process by pid), also on failure or cancellation.
func (m *Main) runLane(ctx context.Context, c labConfig, root string, scenarios []string, cdkOut map[string]string, ph *phaser, dir string) ([]LabResult, error) {
	var lc *cloud.Cloud
	err := ph.do("start the local cloud on 127.0.0.1", func() error {
		var err error
		lc, err = cloud.Start(ctx, cloud.Options{Dir: dir, Root: root, Log: indent(ph.w)})
		return err
	})
	if err != nil {
		return nil, err
	}
	defer func() {
		_ = ph.do("stop the local cloud (every process by pid)", lc.Close)
	}()
	fmt.Fprintf(ph.w, "    endpoint %s\n", lc.Endpoint())

	var results []LabResult
	for _, s := range scenarios {
		for _, e := range c.experiments {
			if ctx.Err() != nil {
				return results, ctx.Err()
			}
			var r LabResult
			_ = ph.do(fmt.Sprintf("%s on %s", e, s), func() error {
				r = m.labRun(ctx, lc, c, cdkOut[s], s, e)
				fmt.Fprintf(ph.w, "    verdict %s; %d published, %d converted, %d in the error queue, %d pending in the work queue, %d lost; %d DynamoDB writes missing\n",
					r.Verdict, r.Published, r.Documents.Converted, r.Documents.InErrorQueue, r.Pending, r.Lost, r.WritesMissing)
				if r.Error != "" {
					return errors.New(r.Error)
				}
				return nil
			})
			results = append(results, r)
		}
	}
	if ctx.Err() == nil {
		_ = ph.do("tear down the last stack", func() error { return lc.Teardown(ctx) })
	}
	return results, nil
}

// labRun deploys a fresh stack, drives load, runs one experiment and reconciles.
// Each run starts from empty queues and tables, so one run's retries do not
// spill into the next one's steady state (the seed's FAQ: ~15 minutes to
// recover after a failed experiment).
func (m *Main) labRun(ctx context.Context, lc *cloud.Cloud, c labConfig, cdkOut, scenario, exp string) (res LabResult) {
	started := time.Now()
	res = LabResult{Scenario: scenario, Experiment: exp, Verdict: "error"}
	defer func() { res.Seconds = time.Since(started).Round(100 * time.Millisecond).Seconds() }()
	fail := func(err error) LabResult { res.Error = err.Error(); return res }

	base := filepath.Join(c.results, scenario+"-"+exp)
	logf, err := os.Create(base + ".log")
	if err != nil {
		return fail(err)
	}
	defer logf.Close()
	logger := slog.New(slog.NewJSONHandler(logf, nil))

	outputs, err := lc.Deploy(ctx, cdkOut, contract.DefaultStackName)
	if err != nil {
		return fail(fmt.Errorf("deploy: %w", err))
	}
	need := map[string]string(outputs)
	var missing []string
	for _, k := range []string{stack.BucketName, stack.JsonQueueUrl, stack.CsvQueueUrl, stack.ErrorQueueUrl, stack.TableName,
		stack.FaultParameterName, stack.ExperimentStateMachineArn} {
		if need[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fail(fmt.Errorf("deployed stack has no output %s", strings.Join(missing, ", ")))
	}
	cfg := lc.Config()
	s3c, sqsc := s3.NewFromConfig(cfg), sqs.NewFromConfig(cfg)

	// Load: publisher and subscriber in-process, for the whole run.
	runID := scenario + "-" + exp
	h := fnv.New64a()
	h.Write([]byte(runID))
	var pub publish.Summary
	var sub subscribe.Summary
	var subStats atomic.Pointer[subscribe.Stats]
	pubCtx, stopPub := context.WithCancel(ctx)
	subCtx, stopSub := context.WithCancel(ctx)
	defer stopPub()
	defer stopSub()
	var wg sync.WaitGroup
	wg.Add(2)
	pubDone := make(chan struct{})
	go func() {
		defer wg.Done()
		defer close(pubDone)
		pub, _ = publish.Run(pubCtx, s3c, publish.Config{Bucket: need[stack.BucketName], RunID: runID, Rate: c.rate,
			Seed: h.Sum64(), ProgressEvery: time.Hour, Logger: logger})
	}()
	subDone := make(chan struct{})
	go func() {
		defer wg.Done()
		defer close(subDone)
		sub, _ = subscribe.Run(subCtx, sqsc, s3c, subscribe.Config{QueueURL: need[stack.CsvQueueUrl],
			ErrorQueueURL: need[stack.ErrorQueueUrl], Verify: true, RunID: runID, Wait: 2 * time.Second,
			ProgressEvery: 500 * time.Millisecond, Progress: func(s subscribe.Stats) { subStats.Store(&s) }, Logger: logger})
	}()
	sleep(ctx, c.warmup)

	// The experiment, on the deployed state machine, exactly as `chaoslab run` does it.
	def, err := experiments.LoadDefinition(exp)
	if err != nil {
		return fail(err)
	}
	compiled, err := experiments.Compile(def, experiments.CompileOptions{FaultParameterName: need[stack.FaultParameterName],
		Env: experiments.EnvFromOutputs(outputs), Overrides: c.over})
	if err != nil {
		return fail(err)
	}
	runMain := &Main{Stdout: logf, Stderr: logf, AWSConfig: func(context.Context) (aws.Config, error) { return cfg, nil }, Now: m.Now}
	res.Journal = base + ".journal.json"
	r := &runner{m: runMain, sfn: sfn.NewFromConfig(cfg), ssm: ssm.NewFromConfig(cfg), faultParam: need[stack.FaultParameterName],
		opts: runOptions{journal: res.Journal, name: executionName(runID + "-" + m.now().UTC().Format("150405")), poll: 500 * time.Millisecond}}
	runErr := r.run(ctx, need[stack.ExperimentStateMachineArn], compiled)

	// Stop the load, then let the pipeline drain: until every document is accounted for, the work
	// queue is empty, or nothing has converted for c.quiet; never longer than c.drain.
	stopPub()
	<-pubDone
	lastConverted, lastChange := -1, time.Now()
	for deadline := time.Now().Add(c.drain); time.Now().Before(deadline) && ctx.Err() == nil; sleep(ctx, 500*time.Millisecond) {
		s := subStats.Load()
		if s == nil {
			continue
		}
		if s.Converted != lastConverted {
			lastConverted, lastChange = s.Converted, time.Now()
		}
		if s.Converted+s.InErrorQueue >= pub.Published || time.Since(lastChange) > c.quiet {
			break
		}
		if depth, err := queueDepth(ctx, sqsc, need[stack.JsonQueueUrl]); err == nil && depth == 0 {
			break
		}
	}
	depth, depthErr := queueDepth(ctx, sqsc, need[stack.JsonQueueUrl])
	stopSub()
	wg.Wait()

	if r.journal != nil {
		res.Verdict = r.journal.Verdict
		for _, p := range r.journal.After {
			res.Probes = append(res.Probes, LabProbe{Name: p.Name, Value: p.Value, Tolerance: p.Tolerance.Text, Pass: p.Pass})
		}
	} else {
		res.Journal = ""
		if runErr == nil {
			runErr = errors.New("no journal")
		}
		res.Error = fmt.Sprintf("experiment: %v", runErr)
	}
	res.Published, res.Malformed, res.MalformedKeys, res.ErrorDocs = pub.Published, pub.Malformed, pub.MalformedKeys, sub.ErrorDocuments
	var inErr []string
	for _, d := range sub.ErrorDocuments {
		inErr = append(inErr, d.Key)
	}
	res.Documents = tally.Reconcile(tally.Input{Published: pub.Keys, Malformed: pub.MalformedKeys, Converted: sub.Keys, InErrorQueue: inErr})
	// The queue holds messages, not names: at most depth of the unaccounted documents are pending.
	if depthErr != nil {
		res.Error = joinErr(res.Error, fmt.Sprintf("read the work queue's depth: %v", depthErr))
	}
	res.Pending = min(depth, res.Documents.Lost)
	res.Lost = res.Documents.Lost - res.Pending
	if n, err := writtenDocuments(ctx, dynamodb.NewFromConfig(cfg), need[stack.TableName]); err != nil {
		res.Error = joinErr(res.Error, fmt.Sprintf("count DynamoDB rows: %v", err))
	} else {
		res.Written = n
		res.WritesMissing = pub.Published - pub.Malformed - n
	}
	off, err := faultIsOff(ctx, ssm.NewFromConfig(cfg), need[stack.FaultParameterName])
	if err != nil {
		res.Error = joinErr(res.Error, fmt.Sprintf("read fault parameter: %v", err))
	}
	res.FaultOff = off
	return res
}

func joinErr(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// writtenDocuments counts documents with a per-message row: every item that is
// not a symbol's "latest" summary row. Symbols are unique per document
// (drivers/internal/publish), so distinct symbols are distinct documents.
func writtenDocuments(ctx context.Context, db *dynamodb.Client, table string) (int, error) {
	seen := map[string]bool{}
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table),
		ProjectionExpression: aws.String("symbol, entryType")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, err
		}
		for _, it := range page.Items {
			sym, _ := it["symbol"].(*ddbtypes.AttributeValueMemberS)
			et, _ := it["entryType"].(*ddbtypes.AttributeValueMemberS)
			if sym != nil && et != nil && et.Value != "latest" {
				seen[sym.Value] = true
			}
		}
	}
	return len(seen), nil
}

// queueDepth is the number of messages in a queue: visible, in flight and delayed.
func queueDepth(ctx context.Context, c *sqs.Client, url string) (int, error) {
	out, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible, sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed}})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, v := range out.Attributes {
		i, err := strconv.Atoi(v)
		if err != nil {
			return 0, fmt.Errorf("queue attribute %q: %w", v, err)
		}
		n += i
	}
	return n, nil
}

// faultIsOff reads the fault parameter: off means valid JSON with isEnabled false.
func faultIsOff(ctx context.Context, c *ssm.Client, name string) (bool, error) {
	out, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
	if err != nil {
		return false, err
	}
	var v struct {
		IsEnabled bool `json:"isEnabled"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.Parameter.Value)), &v); err != nil {
		return false, fmt.Errorf("%s is not JSON: %w", name, err)
	}
	return !v.IsEnabled, nil
}

// labExpectations is the lab's proof: each experiment flips from deviated on
// flawed to held on resilient, resilient loses nothing, no fault outlives its run.
func labExpectations(rs []LabResult) []string {
	var out []string
	for _, r := range rs {
		id := r.Experiment + " on " + r.Scenario
		if r.Error != "" {
			out = append(out, id+": "+r.Error)
		}
		want := map[string]string{contract.ScenarioFlawed: experiments.VerdictDeviated, contract.ScenarioResilient: experiments.VerdictHeld}[r.Scenario]
		if r.Verdict != want {
			out = append(out, fmt.Sprintf("%s: verdict %s, want %s", id, r.Verdict, want))
		}
		if r.Scenario == contract.ScenarioResilient && r.Lost > 0 {
			out = append(out, fmt.Sprintf("%s: %d documents lost (in no queue and no output): %s", id, r.Lost, strings.Join(r.Documents.LostKeys, ", ")))
		}
		if !r.FaultOff {
			out = append(out, id+": the fault parameter was still on after the run")
		}
	}
	return out
}

func printLabTable(w io.Writer, rs []LabResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EXPERIMENT\tSCENARIO\tVERDICT\tPROBES AFTER THE FAULT (value vs tolerance)\tPUBLISHED\tCONVERTED\tERROR Q\tPENDING\tLOST\tDDB WRITES MISSING")
	for _, r := range rs {
		var ps []string
		for _, p := range r.Probes {
			v := "no-data"
			if p.Value != nil {
				v = strconv.FormatFloat(*p.Value, 'f', 1, 64)
			}
			mark := "ok"
			if !p.Pass {
				mark = "FAIL"
			}
			ps = append(ps, fmt.Sprintf("%s %s %s %s", p.Name, v, p.Tolerance, mark))
		}
		if len(ps) == 0 {
			ps = []string{"-"}
		}
		for i, p := range ps {
			if i == 0 {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\n", r.Experiment, r.Scenario, r.Verdict, p,
					r.Published, r.Documents.Converted, r.Documents.InErrorQueue, r.Pending, r.Lost, r.WritesMissing)
			} else {
				fmt.Fprintf(tw, "\t\t\t%s\t\t\t\t\t\t\n", p)
			}
		}
	}
	tw.Flush()
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func rel(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}

// indent prefixes every line written to w, for progress nested in a phase.
func indent(w io.Writer) io.Writer { return &prefixWriter{w: w, prefix: "    "} }

type prefixWriter struct {
	w      io.Writer
	prefix string
	mid    bool
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	// One write to w per call, so that lanes sharing a lockedWriter never split each other's lines.
	var out []byte
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if line == "" {
			continue
		}
		if !p.mid {
			out = append(out, p.prefix...)
		}
		out = append(out, line...)
		p.mid = !strings.HasSuffix(line, "\n")
	}
	if _, err := p.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// lockedWriter serialises writes from the lanes that share it.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
