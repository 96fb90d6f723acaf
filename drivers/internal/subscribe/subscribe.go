// Package subscribe drains the CSV queue (SNS envelope → S3 event → the
// converted document's key), counts each converted document once,
// optionally verifies each CSV, and reports the documents found in the
// error queue with their ErrorReason: the library behind the subscriber
// CLI, importable so the lab orchestrator can run it in-process.
package subscribe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/giveup"
)

// Queue is the part of the SQS client the subscriber uses.
type Queue interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
	ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error)
}

// Getter is the part of the S3 client -verify uses.
type Getter interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

var (
	_ Queue  = (*sqs.Client)(nil)
	_ Getter = (*s3.Client)(nil)
)

// Config is one subscribing run. Zero values take the defaults stated per field.
type Config struct {
	// QueueURL is the CSV queue. Required.
	QueueURL string
	// ErrorQueueURL, if set, is watched for documents that failed. Default: not watched.
	ErrorQueueURL string
	// DrainErrors deletes what is read from the error queue. Default: peek
	// (messages are left there and reappear after PeekVisibility).
	DrainErrors bool
	// PeekVisibility hides a peeked error-queue message for this long, so one
	// run sees each once. Default: 30s.
	PeekVisibility time.Duration
	// Verify fetches each CSV (needs S3) and checks it.
	Verify bool
	// Bucket for Verify when an event does not name one. Default: the event's bucket.
	Bucket string
	// RunID, if set, counts only documents of that publisher run
	// (<run-id>-data_object_msg-<n>); others are still deleted, and counted as Other.
	RunID string
	// Idle stops the run after no message for this long. 0: never.
	Idle time.Duration
	// Duration stops the run after this long. 0: no limit.
	Duration time.Duration
	// Expect stops the run once this many distinct documents are converted. 0: no limit.
	Expect int
	// Wait is the long-poll time of one receive (SQS allows 0..20 s). A stop
	// for Idle, Duration or Expect waits for the polls in flight, so no
	// received message is left uncounted. Default: 5s.
	Wait time.Duration
	// Pollers receive from the CSV queue concurrently. Default: 2.
	Pollers int
	// ReceiveTimeout bounds one receive beyond its Wait: an endpoint that takes the connection and
	// never answers (a hung cloud) fails the receive, which GiveUp counts, instead of holding its
	// poller for good. Default: 30s.
	ReceiveTimeout time.Duration
	// GiveUp ends the run (StoppedBy "give-up") once receives have kept failing, none answering,
	// for this long: when a receive fails and the first failure since the last receive that
	// answered is at least GiveUp old. A receive that answers with no message is an answer, so an
	// idle queue never gives up; any answer starts the count again, so a short blip is retried
	// through. 0: never (the lab drains this way).
	GiveUp time.Duration
	// ProgressEvery is how often Progress is called. Default: 10s (the seed's).
	ProgressEvery time.Duration
	// Progress, if set, receives live totals.
	Progress func(Stats)
	// Logger. Default: slog.Default().
	Logger *slog.Logger
}

// Stats are the live totals of a run.
type Stats struct {
	Elapsed        time.Duration
	Converted      int
	Duplicates     int
	VerifyFailures int
	InErrorQueue   int
	// Accounted are the distinct documents converted or in the error queue: a document that is both
	// (converted, then redriven after a later failure) counts once, where Converted+InErrorQueue
	// counts it twice.
	Accounted int
	Rate      float64 // converted per second since the start
	// Recent is converted per second since the last Progress call (the first: since the start):
	// the pace now, which Rate, an average over the whole run, follows slowly.
	Recent float64
}

// VerifyFailure is a converted document whose CSV did not check out.
type VerifyFailure struct {
	Key    string `json:"key"`
	Reason string `json:"reason"`
}

// ErrorDocument is a document found in the error queue.
type ErrorDocument struct {
	Key string `json:"key"` // the input document's key
	// Reason is the ErrorReason attribute the resilient function sets; a
	// message redriven after maxReceiveCount has none and reads "redrive".
	Reason    string `json:"reason"`
	Detail    string `json:"detail,omitempty"`
	MessageID string `json:"message_id"`
}

// Summary is the outcome of a run.
type Summary struct {
	Converted      int             `json:"converted"`
	Duplicates     int             `json:"duplicates"`
	VerifyFailures []VerifyFailure `json:"verify_failures"`
	Verified       bool            `json:"verified"`
	InErrorQueue   int             `json:"in_error_queue"`
	ErrorDocuments []ErrorDocument `json:"error_documents"`
	// Other counts documents of other runs (see Config.RunID); Unparsed
	// messages that were not S3 notifications. Both are deleted.
	Other    int `json:"other"`
	Unparsed int `json:"unparsed"`
	// ReceiveErrors counts the receives that failed (after the client's own retries), each logged
	// with its error. A receive that fails after the queue handed it messages leaves them invisible
	// for the visibility timeout: a run that stops before they come back reports them missing.
	ReceiveErrors int `json:"receive_errors"`
	// Receives counts the receives that answered (with messages or none).
	Receives  int       `json:"receives"`
	StoppedBy string    `json:"stopped_by"` // idle, duration, expect, interrupt or give-up
	Started   time.Time `json:"started"`
	Ended     time.Time `json:"ended"`
	Seconds   float64   `json:"seconds"`
	Keys      []string  `json:"keys"` // converted documents' CSV keys, sorted
	// LastErr is the error of the last receive that failed (nil when none did), for the caller to
	// say why (errors.As sees the SDK's error); not in the JSON.
	LastErr error `json:"-"`
}

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("subscribe config")

func (c *Config) defaults(getter Getter) error {
	if c.PeekVisibility <= 0 {
		c.PeekVisibility = 30 * time.Second
	}
	if c.Wait <= 0 {
		c.Wait = 5 * time.Second
	}
	if c.Pollers <= 0 {
		c.Pollers = 2
	}
	if c.ReceiveTimeout <= 0 {
		c.ReceiveTimeout = 30 * time.Second
	}
	if c.ProgressEvery <= 0 {
		c.ProgressEvery = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	var errs []error
	if c.QueueURL == "" {
		errs = append(errs, fmt.Errorf("%w: QueueURL: required", ErrConfig))
	}
	if c.Wait > 20*time.Second {
		errs = append(errs, fmt.Errorf("%w: Wait: %v is over SQS's 20s long-poll limit", ErrConfig, c.Wait))
	}
	if c.Verify && getter == nil {
		errs = append(errs, fmt.Errorf("%w: Verify needs an S3 client", ErrConfig))
	}
	if c.Expect < 0 || c.Idle < 0 || c.Duration < 0 || c.GiveUp < 0 {
		errs = append(errs, fmt.Errorf("%w: Expect, Idle, Duration and GiveUp must not be negative", ErrConfig))
	}
	return errors.Join(errs...)
}

type state struct {
	cfg         Config
	interrupted context.Context // Run's ctx: done once Ctrl-C came
	s3          Getter
	start       time.Time
	mu          sync.Mutex
	seen        map[string]bool
	errs        map[string]ErrorDocument
	docs        map[string]bool // the documents converted or in the error queue, by name (DocumentName)
	errIDs      map[string]bool
	sum         Summary
	last        time.Time // last message from either queue
	expect      chan struct{}
	once        sync.Once
	streak      giveup.Streak // the failed receives since the last that answered
	giveUp      chan struct{} // closed once receives have failed for GiveUp
	giveUpOnce  sync.Once
}

// Run drains until Idle, Duration, Expect, GiveUp or ctx is cancelled and returns the
// summary. Cancelling ctx is a normal stop. The error is for a bad Config only;
// receive failures are logged and retried.
func Run(ctx context.Context, q Queue, getter Getter, cfg Config) (Summary, error) {
	if err := cfg.defaults(getter); err != nil {
		return Summary{}, err
	}
	st := &state{cfg: cfg, s3: getter, start: time.Now(), seen: map[string]bool{}, errs: map[string]ErrorDocument{}, docs: map[string]bool{},
		errIDs: map[string]bool{}, expect: make(chan struct{}), giveUp: make(chan struct{})}
	st.last = st.start
	st.sum.Started = st.start.UTC()
	st.sum.Verified = cfg.Verify

	// soft asks pollers to stop after their current poll; hard (ctx, or a give-up) stops them at
	// once: after a give-up, a receive in flight to a hung cloud would hold the stop for its whole
	// Wait and ReceiveTimeout.
	soft, softStop := context.WithCancel(context.Background())
	defer softStop()
	// A receive in flight when ctx ends is given its whole long poll (Wait) and interruptGrace
	// more to come back rather than cut: cut, the messages SQS had already handed it, or handed
	// the poll it kept open for nobody, stayed invisible for the queue's visibility timeout (3
	// minutes on the CSV queue), neither counted nor deleted. What comes back is released.
	hard, hardStop := context.WithCancel(context.Background())
	defer hardStop()
	stopGrace := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(cfg.Wait+interruptGrace, hardStop)
		context.AfterFunc(hard, func() { t.Stop() })
	})
	defer stopGrace()
	st.interrupted = ctx
	var wg sync.WaitGroup
	for range cfg.Pollers {
		wg.Go(func() { st.poll(hard, soft, q, cfg.QueueURL, false) })
	}
	if cfg.ErrorQueueURL != "" {
		wg.Go(func() { st.poll(hard, soft, q, cfg.ErrorQueueURL, true) })
	}

	var deadline <-chan time.Time
	if cfg.Duration > 0 {
		t := time.NewTimer(cfg.Duration)
		defer t.Stop()
		deadline = t.C
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	nextProgress := st.start.Add(cfg.ProgressEvery)
	var last Stats // at the last Progress call
loop:
	for {
		select {
		case <-ctx.Done():
			st.sum.StoppedBy = "interrupt"
			break loop
		case <-deadline:
			st.sum.StoppedBy = "duration"
			break loop
		case <-st.expect:
			st.sum.StoppedBy = "expect"
			break loop
		case <-st.giveUp:
			st.sum.StoppedBy = "give-up"
			hardStop()
			break loop
		case now := <-tick.C:
			st.mu.Lock()
			idle := now.Sub(st.last)
			st.mu.Unlock()
			if cfg.Idle > 0 && idle >= cfg.Idle {
				st.sum.StoppedBy = "idle"
				break loop
			}
			if cfg.Progress != nil && !now.Before(nextProgress) {
				nextProgress = nextProgress.Add(cfg.ProgressEvery)
				s := st.stats()
				if d := s.Elapsed - last.Elapsed; d > 0 {
					s.Recent = float64(s.Converted-last.Converted) / d.Seconds()
				}
				last = s
				cfg.Progress(s)
			}
		}
	}
	softStop()
	wg.Wait()

	end := time.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	sum := st.sum
	sum.Ended = end.UTC()
	sum.Seconds = end.Sub(st.start).Seconds()
	sum.Keys = make([]string, 0, len(st.seen))
	for k := range st.seen {
		sum.Keys = append(sum.Keys, k)
	}
	sort.Strings(sum.Keys)
	sum.ErrorDocuments = make([]ErrorDocument, 0, len(st.errs))
	for _, d := range st.errs {
		sum.ErrorDocuments = append(sum.ErrorDocuments, d)
	}
	sort.Slice(sum.ErrorDocuments, func(i, j int) bool { return sum.ErrorDocuments[i].Key < sum.ErrorDocuments[j].Key })
	if sum.VerifyFailures == nil {
		sum.VerifyFailures = []VerifyFailure{}
	}
	return sum, nil
}

func (st *state) stats() Stats {
	st.mu.Lock()
	defer st.mu.Unlock()
	el := time.Since(st.start)
	return Stats{Elapsed: el, Converted: st.sum.Converted, Duplicates: st.sum.Duplicates,
		VerifyFailures: len(st.sum.VerifyFailures), InErrorQueue: st.sum.InErrorQueue, Accounted: len(st.docs),
		Rate: float64(st.sum.Converted) / el.Seconds()}
}

// receiveOnce makes a receive without the SDK's retries: a receive whose answer was lost has
// hidden its messages for the queue's visibility timeout, and retried out of sight it counted as
// one that answered, so a drain that ended before they came back said "lost" with no failed
// receive to explain it. Each failure is counted (Summary.ReceiveErrors) and retried by poll.
func receiveOnce(o *sqs.Options) { o.RetryMaxAttempts = 1 }

// poll receives until soft or hard is done. A receive is made with hard, so
// Ctrl-C interrupts it; soft is only checked between receives.
func (st *state) poll(hard, soft context.Context, q Queue, url string, errorQueue bool) {
	log := st.cfg.Logger.With("queue_url", url)
	backoff := 100 * time.Millisecond
	for soft.Err() == nil && hard.Err() == nil {
		in := &sqs.ReceiveMessageInput{
			QueueUrl:            aws.String(url),
			MaxNumberOfMessages: 10,
			WaitTimeSeconds:     int32(st.cfg.Wait / time.Second),
		}
		if errorQueue {
			in.MessageAttributeNames = []string{"All"}
			if !st.cfg.DrainErrors {
				in.VisibilityTimeout = int32(st.cfg.PeekVisibility / time.Second)
			}
		}
		rctx, cancel := context.WithTimeout(hard, st.cfg.Wait+st.cfg.ReceiveTimeout)
		out, err := q.ReceiveMessage(rctx, in, receiveOnce)
		cancel()
		if err != nil {
			if hard.Err() != nil {
				return
			}
			st.mu.Lock()
			st.sum.ReceiveErrors++
			st.sum.LastErr = err
			gaveUp := st.streak.Failed(time.Now(), st.cfg.GiveUp)
			st.mu.Unlock()
			if gaveUp {
				st.giveUpOnce.Do(func() { close(st.giveUp) })
			}
			log.Warn("receive failed", "err", err, "retry_in", backoff.String())
			select {
			case <-hard.Done():
				return
			case <-soft.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		st.mu.Lock()
		st.sum.Receives++
		st.streak.Succeeded()
		st.mu.Unlock()
		if len(out.Messages) == 0 {
			continue
		}
		if st.interrupted.Err() != nil {
			st.release(q, url, out.Messages, log) // after Ctrl-C: handed back, not counted
			return
		}
		// Activity, for -idle, is a message not seen before: a peeked error-queue message comes back
		// after each visibility timeout, and would otherwise keep an idle subscriber running forever.
		fresh := !errorQueue
		var done []sqstypes.Message
		for _, m := range out.Messages {
			if errorQueue {
				fresh = st.errorMessage(m) || fresh
			} else {
				st.csvMessage(hard, m)
			}
			done = append(done, m)
		}
		if fresh {
			st.mu.Lock()
			st.last = time.Now()
			st.mu.Unlock()
		}
		if errorQueue && !st.cfg.DrainErrors {
			continue
		}
		st.delete(hard, q, url, done, log)
	}
}

// interruptGrace is how long a receive in flight at Ctrl-C has to come back after its long poll.
const interruptGrace = 2 * time.Second

// release makes messages received after Ctrl-C visible again at once (they are not counted), for
// the next subscriber.
func (st *state) release(q Queue, url string, msgs []sqstypes.Message, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	entries := make([]sqstypes.ChangeMessageVisibilityBatchRequestEntry, len(msgs))
	for i, m := range msgs {
		entries[i] = sqstypes.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
	}
	out, err := q.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(url), Entries: entries})
	if err == nil && len(out.Failed) > 0 {
		err = fmt.Errorf("%d of %d refused (%s)", len(out.Failed), len(msgs), aws.ToString(out.Failed[0].Code))
	}
	if err != nil {
		log.Warn("received after Ctrl-C and not released: back after the queue's visibility timeout", "messages", len(msgs), "err", err)
	}
}

// delete removes handled messages; it outlives a Ctrl-C (briefly) because the
// messages are already counted.
func (st *state) delete(ctx context.Context, q Queue, url string, msgs []sqstypes.Message, log *slog.Logger) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	entries := make([]sqstypes.DeleteMessageBatchRequestEntry, len(msgs))
	for i, m := range msgs {
		entries[i] = sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
	}
	out, err := q.DeleteMessageBatch(dctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
	if err != nil {
		log.Warn("delete failed; the messages will be received again and counted as duplicates", "err", err, "messages", len(msgs))
		return
	}
	for _, f := range out.Failed {
		log.Warn("delete failed for a message", "id", aws.ToString(f.Id), "code", aws.ToString(f.Code), "message", aws.ToString(f.Message))
	}
}

func (st *state) mine(key string) bool {
	return st.cfg.RunID == "" || strings.HasPrefix(path.Base(key), st.cfg.RunID+"-")
}

func (st *state) csvMessage(ctx context.Context, m sqstypes.Message) {
	refs, err := ParseNotification(aws.ToString(m.Body))
	if err != nil {
		st.cfg.Logger.Warn("unparsed message on the CSV queue, deleted", "message_id", aws.ToString(m.MessageId), "err", err)
		st.mu.Lock()
		st.sum.Unparsed++
		st.mu.Unlock()
		return
	}
	for _, r := range refs {
		if !st.mine(r.Key) {
			st.mu.Lock()
			st.sum.Other++
			st.mu.Unlock()
			continue
		}
		st.mu.Lock()
		dup := st.seen[r.Key]
		if dup {
			st.sum.Duplicates++
		}
		st.mu.Unlock()
		if dup {
			continue
		}
		var vf *VerifyFailure
		if st.cfg.Verify {
			if err := st.verify(ctx, r); err != nil {
				vf = &VerifyFailure{Key: r.Key, Reason: err.Error()}
				st.cfg.Logger.Warn("verify failed", "key", r.Key, "reason", vf.Reason)
			}
		}
		st.mu.Lock()
		if st.seen[r.Key] { // another poller got a duplicate in the meantime
			st.sum.Duplicates++
			st.mu.Unlock()
			continue
		}
		st.seen[r.Key] = true
		st.docs[DocumentName(r.Key)] = true
		st.sum.Converted++
		if vf != nil {
			st.sum.VerifyFailures = append(st.sum.VerifyFailures, *vf)
		}
		reached := st.cfg.Expect > 0 && st.sum.Converted >= st.cfg.Expect
		st.mu.Unlock()
		if reached {
			st.once.Do(func() { close(st.expect) })
		}
	}
}

func (st *state) verify(ctx context.Context, r ObjectRef) error {
	bucket := r.Bucket
	if bucket == "" {
		bucket = st.cfg.Bucket
	}
	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	out, err := st.s3.GetObject(gctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(r.Key)})
	if err != nil {
		return fmt.Errorf("get s3://%s/%s: %w", bucket, r.Key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(out.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read s3://%s/%s: %w", bucket, r.Key, err)
	}
	return VerifyCSV(r.Key, b)
}

func attr(m sqstypes.Message, name string) string {
	if v, ok := m.MessageAttributes[name]; ok {
		return aws.ToString(v.StringValue)
	}
	return ""
}

func (st *state) errorMessage(m sqstypes.Message) (fresh bool) {
	id := aws.ToString(m.MessageId)
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.errIDs[id] { // a peeked message seen again after its visibility timeout
		return false
	}
	st.errIDs[id] = true
	reason := attr(m, "ErrorReason")
	if reason == "" {
		reason = "redrive"
	}
	keys := []string{}
	if k := attr(m, "SourceKey"); k != "" {
		keys = append(keys, k)
	} else if refs, err := ParseNotification(aws.ToString(m.Body)); err == nil {
		for _, r := range refs {
			keys = append(keys, r.Key)
		}
	} else {
		st.cfg.Logger.Warn("error-queue message names no document", "message_id", id, "err", err)
		st.sum.Unparsed++
		return true
	}
	for _, k := range keys {
		if !st.mine(k) {
			st.sum.Other++
			continue
		}
		if _, ok := st.errs[k]; ok {
			continue
		}
		st.errs[k] = ErrorDocument{Key: k, Reason: reason, Detail: attr(m, "ErrorDetail"), MessageID: id}
		st.docs[DocumentName(k)] = true
		st.sum.InErrorQueue++
	}
	return true
}

// DocumentName is the document a key stands for: input/x.json, output/x.json.csv and x.json all
// give x.json.
func DocumentName(key string) string { return strings.TrimSuffix(path.Base(key), ".csv") }
