// Package bench measures the pipeline on the local cloud, the library behind `chaoslab bench`
// (`make bench-pipeline`): it drives one deployed stack at rising rates, a step per rate, and
// reports per step what went in and came out, how long a document took end to end, whether any
// was lost, and what each process of the cloud spent on it. It is a benchmark, not a test: it
// asserts nothing about speed.
//
// # Use
//
// Deploy a resilient stack (chaoslab bench runs `chaoslab local up` for it), then:
//
//	steps, err := bench.Run(ctx, bench.Config{AWS: cfg, Outputs: outputs,
//		Rates: []float64{50, 100, 200}, Step: 20 * time.Second,
//		Processes: func(ctx context.Context) ([]cloud.Process, error) { return cloud.RemoteProcesses(ctx, dir) }})
//	bench.PrintSteps(os.Stdout, steps)
//
// # What a step measures
//
// A step uploads documents at its rate for Config.Step (in flight at most Config.InFlight: past
// that, the uploads fall behind the rate, and "accepted" says so), while pollers drain the CSV
// queue, then waits (at most Config.Drain) for the step's documents before the next step starts,
// so that each step is measured on an empty pipeline:
//
//	accepted/s   uploads answered 200 during the step, per second of the step
//	converted/s  CSV notifications received during the step, per second of the step
//	latency      from a document's scheduled upload (a wait for an upload slot counts) to its
//	             CSV notification received by the subscriber (S3 → SQS → function → S3 → SNS →
//	             SQS → receive): p50, p95, p99, nearest rank
//	lost         accepted documents neither converted, nor in the error queue, nor still owed
//	             when the drain ended: in the work queue, or as a message not yet received in the
//	             CSV queue or the error queue (must be 0 on resilient)
//	receive      the bench's own failed ReceiveMessage calls (every attempt: the pollers' client
//	errors       does not retry): a receive that failed after the queue handed it messages leaves
//	             them invisible for the queue's visibility timeout, so a step with receive errors
//	             can end with documents pending in the CSV queue
//	CPU          each cloud process's utime+stime (/proc/<pid>/stat) over the step, per 1,000
//	             documents converted during it; the same for this process (the load: publisher
//	             and subscriber); and the whole machine's busy share and, on a VM, the share its
//	             hypervisor stole (/proc/stat): the same code is slower on a VM whose host is busy
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/publish"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/stack"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/subscribe"
	"github.com/chaoslab/serverless-chaos-lab/internal/hostcpu"
	"github.com/chaoslab/serverless-chaos-lab/local/cloud"
)

// Config is one benchmark. Zero values take the defaults stated per field.
type Config struct {
	// AWS is the client config of the local cloud. Required.
	AWS aws.Config
	// Outputs are the stack's outputs: BucketName, CsvQueueUrl, ErrorQueueUrl, JsonQueueUrl. Required.
	Outputs map[string]string
	// Rates are the steps' documents per second, in order. Required.
	Rates []float64
	// Step is each rate's length. Default: 30s.
	Step time.Duration
	// Warmup, when positive, drives the first rate for this long before the first step and reports
	// it on Progress only: DynamoDB Local's JIT compiles through the first minute of load, and the
	// first step would measure the compiler. Default: none.
	Warmup time.Duration
	// Drain is the longest wait after a step for its documents. Default: 60s.
	Drain time.Duration
	// InFlight bounds the uploads in flight. Default: 256.
	InFlight int
	// Pollers receive from the CSV queue concurrently. Default: 8.
	Pollers int
	// Processes lists the cloud's processes; each step reads their CPU time at its start and end.
	// Default: no CPU figures.
	Processes func(ctx context.Context) ([]cloud.Process, error)
	// Profile, if set, is called at the start of the last step, in a goroutine of its own, with the
	// step's length (to profile the cloud's Go side at the highest rate); the step ends once it has
	// returned. It must return when ctx is done.
	Profile func(ctx context.Context, d time.Duration)
	// Progress gets a line per step. Default: discarded.
	Progress io.Writer
	// RunID prefixes the documents' names. Default: bench-<UTC time>.
	RunID string
}

// Step is one rate's figures.
type Step struct {
	Rate    float64 `json:"rate"` // offered, documents per second
	Seconds float64 `json:"seconds"`
	// Published are the uploads answered 200; Failed the others.
	Published int `json:"published"`
	Failed    int `json:"failed"`
	// Accepted and Converted are per second of the step: uploads answered 200, CSV notifications received.
	Accepted  float64 `json:"accepted_per_s"`
	Converted float64 `json:"converted_per_s"`
	// Done counts the step's documents converted, the drain included; InErrorQueue those in the
	// error queue; Pending those still owed when the drain ended (at most the messages in the work,
	// CSV and error queues, visible, in flight or delayed); Lost the rest.
	Done         int `json:"done"`
	InErrorQueue int `json:"in_error_queue"`
	Pending      int `json:"pending"`
	Lost         int `json:"lost"`
	// Latency percentiles, milliseconds, of the step's converted documents.
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	P99 float64 `json:"p99_ms"`
	// DrainSeconds is how long the step's tail took to come out after the step.
	DrainSeconds float64 `json:"drain_seconds"`
	// ReceiveErrors counts the bench's failed ReceiveMessage calls (the CSV and error queues' pollers)
	// during the step and its drain; LastReceiveError is the last one's message.
	ReceiveErrors    int    `json:"receive_errors"`
	LastReceiveError string `json:"last_receive_error,omitempty"`
	CPU              []CPU  `json:"cpu"`
	// LoadPer1000 is this process's own CPU seconds (the publisher and the subscriber, which are
	// not the cloud's) per 1,000 documents converted during the step.
	LoadPer1000 float64 `json:"load_per_1000_documents"`
	// MachineBusy is the percentage of the whole machine's CPU time (every core of the host) busy
	// during the step: near 100, the cores are the ceiling, whatever process spends them. -1 when
	// /proc/stat could not be read.
	MachineBusy float64 `json:"machine_busy_percent"`
	// MachineSteal is the percentage of the machine's CPU time its hypervisor gave to others during
	// the step (steal, counted in MachineBusy too): on a shared VM, the cores the step did not have.
	// -1 when /proc/stat could not be read.
	MachineSteal float64 `json:"machine_steal_percent"`
}

// CPU is one role's CPU time over a step (every process of the role summed: function sandboxes).
type CPU struct {
	Role    string  `json:"role"`
	Seconds float64 `json:"seconds"`
	// Per1000 is Seconds per 1,000 documents converted during the step.
	Per1000 float64 `json:"per_1000_documents"`
}

func (c *Config) defaults() error {
	if c.Step <= 0 {
		c.Step = 30 * time.Second
	}
	if c.Drain <= 0 {
		c.Drain = 60 * time.Second
	}
	if c.InFlight <= 0 {
		c.InFlight = 256
	}
	if c.Pollers <= 0 {
		c.Pollers = 8
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	if c.RunID == "" {
		c.RunID = "bench-" + time.Now().UTC().Format("150405")
	}
	var errs []error
	for _, k := range []string{stack.BucketName, stack.CsvQueueUrl, stack.ErrorQueueUrl, stack.JsonQueueUrl} {
		if c.Outputs[k] == "" {
			errs = append(errs, fmt.Errorf("bench: stack output %s missing", k))
		}
	}
	if len(c.Rates) == 0 {
		errs = append(errs, errors.New("bench: no rates"))
	}
	for _, r := range c.Rates {
		if r <= 0 {
			errs = append(errs, fmt.Errorf("bench: rate %v is not positive", r))
		}
	}
	return errors.Join(errs...)
}

// Run runs every step in order and returns their figures; on error, the steps done so far.
func Run(ctx context.Context, c Config) ([]Step, error) {
	if err := c.defaults(); err != nil {
		return nil, err
	}
	b := &bench{c: c, s3: s3.NewFromConfig(c.AWS, func(o *s3.Options) { o.UsePathStyle = true }), sqs: sqs.NewFromConfig(c.AWS),
		receiver: sqs.NewFromConfig(c.AWS, func(o *sqs.Options) { o.RetryMaxAttempts = 1 }),
		sent:     map[string]time.Time{}, got: map[string]time.Time{}, errored: map[string]bool{}}
	subCtx, stopSub := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range c.Pollers {
		wg.Add(1)
		go func() { defer wg.Done(); b.poll(subCtx, c.Outputs[stack.CsvQueueUrl], false) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); b.poll(subCtx, c.Outputs[stack.ErrorQueueUrl], true) }()
	defer func() { stopSub(); wg.Wait() }()

	if c.Warmup > 0 {
		st, err := b.step(ctx, -1, c.Rates[0], c.Warmup, false)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(c.Progress, "  warm-up, %s at %.0f documents/s (not reported): %.1f converted/s, p99 %.0f ms, %d lost\n",
			c.Warmup, c.Rates[0], st.Converted, st.P99, st.Lost)
	}
	var steps []Step
	for i, rate := range c.Rates {
		st, err := b.step(ctx, i, rate, c.Step, i == len(c.Rates)-1)
		if err != nil {
			return steps, err
		}
		steps = append(steps, st)
		fmt.Fprintf(c.Progress, "  %4.0f documents/s offered: %.1f accepted/s, %.1f converted/s, p50 %.0f ms, p99 %.0f ms, %d lost%s\n",
			rate, st.Accepted, st.Converted, st.P50, st.P99, st.Lost, receiveErrorsNote(st))
	}
	return steps, nil
}

type bench struct {
	c   Config
	s3  *s3.Client
	sqs *sqs.Client
	// receiver is the pollers' client: no retries of its own (a poller calls again anyway), so that
	// every failed receive is counted, also one the SDK would have retried into a success.
	receiver *sqs.Client

	mu        sync.Mutex
	sent      map[string]time.Time // document name → start of its PutObject
	got       map[string]time.Time // document name → CSV notification received
	errored   map[string]bool
	converted atomic.Int64 // CSV notifications of our documents received, in all

	receiveErrors  atomic.Int64 // failed ReceiveMessage calls, in all
	lastReceiveErr atomic.Value // string: the last one's message
}

// poll drains a queue: CSV notifications (their documents' arrival time) or the error queue.
func (b *bench) poll(ctx context.Context, url string, errorQueue bool) {
	for ctx.Err() == nil {
		out, err := b.receiver.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			if ctx.Err() == nil {
				b.receiveErrors.Add(1)
				b.lastReceiveErr.Store(err.Error())
				time.Sleep(100 * time.Millisecond)
			}
			continue
		}
		now := time.Now()
		var del []sqstypes.DeleteMessageBatchRequestEntry
		for _, m := range out.Messages {
			refs, _ := subscribe.ParseNotification(aws.ToString(m.Body))
			b.mu.Lock()
			for _, r := range refs {
				name := documentName(r.Key)
				if _, ok := b.sent[name]; !ok {
					continue
				}
				if errorQueue {
					b.errored[name] = true
				} else if _, dup := b.got[name]; !dup {
					b.got[name] = now
					b.converted.Add(1)
				}
			}
			b.mu.Unlock()
			del = append(del, sqstypes.DeleteMessageBatchRequestEntry{Id: m.MessageId, ReceiptHandle: m.ReceiptHandle})
		}
		if len(del) > 0 {
			b.sqs.DeleteMessageBatch(context.WithoutCancel(ctx), &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: del})
		}
	}
}

// documentName is the document's base name, from its input key or its CSV's key:
// input/<name>.json and output/<name>.json.csv both give <name>.json.
func documentName(key string) string { return strings.TrimSuffix(path.Base(key), ".csv") }

// step offers rate documents per second for length, then drains; i numbers the documents (-1: the warm-up).
func (b *bench) step(ctx context.Context, i int, rate float64, length time.Duration, last bool) (Step, error) {
	st := Step{Rate: rate}
	gen := publish.NewGenerator("input/", fmt.Sprintf("%s-s%d", b.c.RunID, i+1), uint64(i+1), 0, nil)
	before, err := b.cpu(ctx)
	if err != nil {
		return st, err
	}
	if last && b.c.Profile != nil {
		// Waited for when the step returns: the caller reads what it wrote.
		done := make(chan struct{})
		go func() {
			defer close(done)
			b.c.Profile(ctx, length)
		}()
		defer func() { <-done }()
	}
	loadBefore, _ := cpuSeconds(os.Getpid())
	machineBefore, machineOK := hostcpu.Read()
	convertedBefore, receiveErrorsBefore := b.converted.Load(), b.receiveErrors.Load()
	begin := time.Now()
	var names []string
	var published, failed atomic.Int64
	sem := make(chan struct{}, b.c.InFlight)
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) / rate)
	for n := 0; ctx.Err() == nil; n++ {
		at := begin.Add(time.Duration(n) * interval)
		if at.Sub(begin) >= length {
			break
		}
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		if time.Since(begin) >= length { // waited past the step for a free slot
			<-sem
			break
		}
		doc := gen.Next()
		names = append(names, doc.Name)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			// Latency counts from the document's scheduled time, not from when an upload slot
			// freed: a saturated cloud that makes the publisher wait is slower, not faster.
			b.mu.Lock()
			b.sent[doc.Name] = at
			b.mu.Unlock()
			_, err := b.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b.c.Outputs[stack.BucketName]), Key: aws.String(doc.Key),
				Body: strings.NewReader(string(doc.Body)), ContentType: aws.String("application/json")})
			if err != nil {
				failed.Add(1)
				b.mu.Lock()
				delete(b.sent, doc.Name)
				b.mu.Unlock()
				return
			}
			if time.Since(begin) <= length {
				published.Add(1)
			}
		}()
	}
	stepEnd := time.Now()
	convertedInStep := b.converted.Load() - convertedBefore
	loadAfter, _ := cpuSeconds(os.Getpid())
	st.MachineBusy, st.MachineSteal = hostcpu.Since(machineBefore, machineOK)
	after, err := b.cpu(ctx)
	if err != nil {
		return st, err
	}
	wg.Wait()
	st.Seconds = stepEnd.Sub(begin).Seconds()
	st.Published, st.Failed = int(published.Load()), int(failed.Load())
	st.Accepted = float64(st.Published) / st.Seconds
	st.Converted = float64(convertedInStep) / st.Seconds
	st.CPU = cpuDelta(before, after, convertedInStep)
	if convertedInStep > 0 {
		st.LoadPer1000 = (loadAfter - loadBefore) / float64(convertedInStep) * 1000
	}

	// Drain: until every accepted document of the step is out, or nothing came for a while.
	drainStart := time.Now()
	lastDone, lastChange := -1, time.Now()
	for time.Since(drainStart) < b.c.Drain && ctx.Err() == nil {
		done, errored := b.count(names)
		if done+errored >= len(names)-st.Failed {
			break
		}
		if done != lastDone {
			lastDone, lastChange = done, time.Now()
		}
		if time.Since(lastChange) > 15*time.Second {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	st.DrainSeconds = time.Since(drainStart).Seconds()
	if st.ReceiveErrors = int(b.receiveErrors.Load() - receiveErrorsBefore); st.ReceiveErrors > 0 {
		st.LastReceiveError, _ = b.lastReceiveErr.Load().(string)
	}
	// What is done and what is still owed, read as one: the pollers keep receiving, and a
	// notification received between the count and the queues' depths would be in neither. So the
	// count is taken again after the depths, until it has not moved; after a few tries the later
	// count stands (a document received in between is then in both, and shows as pending, never
	// as lost).
	for try := 1; ; try++ {
		done, errored := b.count(names)
		owed := 0
		if missing := len(names) - st.Failed - done - errored; missing > 0 {
			var err error
			if owed, err = b.owed(ctx); err != nil { // without the depth, pending and lost cannot be told apart: no figure rather than a wrong one
				return st, fmt.Errorf("bench: %d documents of the step not converted, and %w", missing, err)
			}
		}
		again, erroredAgain := b.count(names)
		if (again != done || erroredAgain != errored) && try < 5 {
			continue
		}
		st.Done, st.InErrorQueue = again, erroredAgain
		if missing := len(names) - st.Failed - again - erroredAgain; missing > 0 {
			st.Pending = min(owed, missing)
			st.Lost = missing - st.Pending
		}
		break
	}
	st.P50, st.P95, st.P99 = b.latencies(names)
	return st, ctx.Err()
}

// owed is how many messages the step's documents may still be in: the work queue's (not yet
// converted), and the CSV and error queues' (a notification or an error-queue message not yet
// received; a receive that failed leaves them invisible for a while).
func (b *bench) owed(ctx context.Context) (int, error) {
	owed := 0
	for _, q := range []string{stack.JsonQueueUrl, stack.CsvQueueUrl, stack.ErrorQueueUrl} {
		depth, err := subscribe.QueueDepth(ctx, b.sqs, b.c.Outputs[q])
		if err != nil {
			return 0, fmt.Errorf("the depth of %s unknown: %w", b.c.Outputs[q], err)
		}
		owed += depth
	}
	return owed, nil
}

// count returns how many of names were converted and how many are in the error queue.
func (b *bench) count(names []string) (done, errored int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, n := range names {
		if _, ok := b.got[n]; ok {
			done++
		} else if b.errored[n] {
			errored++
		}
	}
	return done, errored
}

// latencies are the p50, p95 and p99 of the converted documents' end-to-end times, in ms.
func (b *bench) latencies(names []string) (p50, p95, p99 float64) {
	b.mu.Lock()
	var ds []float64
	for _, n := range names {
		if got, ok := b.got[n]; ok {
			ds = append(ds, float64(got.Sub(b.sent[n]).Microseconds())/1000)
		}
	}
	b.mu.Unlock()
	if len(ds) == 0 {
		return 0, 0, 0
	}
	sort.Float64s(ds)
	return nearestRank(ds, 0.50), nearestRank(ds, 0.95), nearestRank(ds, 0.99)
}

// nearestRank is the p-th percentile (0 < p ≤ 1) of sorted by the nearest-rank method: the smallest
// value with at least p of the values at or below it (the ⌈p·n⌉-th). With 100 values the p99 is the
// 99th, not the largest.
func nearestRank(sorted []float64, p float64) float64 {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(len(sorted)-1, i))]
}

// receiveErrorsNote is what a progress line says of a step's failed receives: nothing when there
// were none.
func receiveErrorsNote(st Step) string {
	if st.ReceiveErrors == 0 {
		return ""
	}
	return fmt.Sprintf(", %d pending, %d failed receives (the last: %s)", st.Pending, st.ReceiveErrors, st.LastReceiveError)
}
