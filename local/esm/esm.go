// Package esm is the local cloud's SQS event source mapping, behaving as Lambda's: pollers long-poll
// the queue with the real SQS API, gather a batch (BatchSize, MaximumBatchingWindowInSeconds), invoke
// the function with the exact SQS event, and delete what succeeded: the whole batch on success, all
// but the reported items with ReportBatchItemFailures, nothing on a function error or timeout (the
// visibility timeout then redelivers, and the queue's redrive policy moves messages to its DLQ).
// As in AWS, the mapping reads and deletes as the function's execution role (Mapping.Role,
// Options.SQSAs): the role's policies must allow sqs:ReceiveMessage, sqs:DeleteMessage and
// sqs:GetQueueAttributes on the queue.
package esm

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/chaoslab/serverless-chaos-lab/local/lambda"
)

// SQSAPI is the part of the SQS API a mapping uses (an *sqs.Client pointed at the local gateway, so
// the AWS/SQS metrics see the receives and deletes).
type SQSAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

// Invoker runs a function synchronously (satisfied by *lambda.Service).
type Invoker interface {
	Invoke(ctx context.Context, fn string, payload []byte) ([]byte, *lambda.FunctionError, error)
}

var _ Invoker = (*lambda.Service)(nil)

// Mapping is one AWS::Lambda::EventSourceMapping with an SQS source.
type Mapping struct {
	// QueueURL is the queue to poll; QueueARN is its EventSourceArn (put in every record). Required.
	QueueURL, QueueARN string
	// FunctionName is the target. Required.
	FunctionName string
	// Role is the function's execution role (its ARN): in AWS the mapping reads the queue
	// (GetQueueAttributes, ReceiveMessage, DeleteMessage) with the function's role, so the role's
	// policies must allow it. With Options.SQSAs the mapping's calls are signed as Role; without a
	// Role they go through Options.SQS.
	Role string
	// BatchSize is the most records per invocation. Default: 10 (Lambda's SQS default); max 10000.
	BatchSize int
	// BatchingWindow is MaximumBatchingWindowInSeconds: how long to keep gathering a batch. Default: 0.
	// AWS requires at least 1 s when BatchSize > 10.
	BatchingWindow time.Duration
	// ReportBatchItemFailures is FunctionResponseTypes: [ReportBatchItemFailures].
	ReportBatchItemFailures bool
	// MaximumConcurrency is ScalingConfig.MaximumConcurrency: the most concurrent invocations
	// (pollers), minimum 2 as in AWS. Default: 5, a stand-in cap for a small machine (AWS has none
	// when it is unset and scales up to 1,000), so by default a mapping stops at the five batches
	// Lambda starts with once messages are available.
	MaximumConcurrency int
	// Disabled is Enabled false: the mapping exists (listed, switched on by
	// UpdateEventSourceMapping) but does not poll.
	Disabled bool
}

func (m Mapping) validate() error {
	var errs []error
	if m.QueueURL == "" {
		errs = append(errs, errors.New("EventSourceArn: no queue URL"))
	}
	if m.FunctionName == "" {
		errs = append(errs, errors.New("FunctionName: empty"))
	}
	if m.BatchSize < 1 || m.BatchSize > 10000 {
		errs = append(errs, fmt.Errorf("BatchSize %d: want 1..10000", m.BatchSize))
	}
	if m.BatchSize > 10 && m.BatchingWindow < time.Second {
		errs = append(errs, fmt.Errorf("BatchSize %d: above 10 needs MaximumBatchingWindowInSeconds >= 1", m.BatchSize))
	}
	if m.BatchingWindow > 300*time.Second {
		errs = append(errs, fmt.Errorf("MaximumBatchingWindowInSeconds %s: at most 300", m.BatchingWindow))
	}
	if m.fifo() { // services-sqs-parameters: FIFO queues
		if m.BatchSize > 10 {
			errs = append(errs, fmt.Errorf("BatchSize %d: at most 10 for a FIFO queue", m.BatchSize))
		}
		if m.BatchingWindow > 0 {
			errs = append(errs, fmt.Errorf("MaximumBatchingWindowInSeconds %s: a FIFO queue's mapping has no batching window", m.BatchingWindow))
		}
	}
	if m.MaximumConcurrency < 2 || m.MaximumConcurrency > 1000 {
		errs = append(errs, fmt.Errorf("ScalingConfig.MaximumConcurrency %d: want 2..1000", m.MaximumConcurrency))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("event source mapping %s → %s: %w", m.QueueARN, m.FunctionName, err)
	}
	return nil
}

// fifo reports a FIFO queue (its name ends in .fifo, as SQS requires).
func (m Mapping) fifo() bool { return strings.HasSuffix(m.QueueARN, ".fifo") }

// Options wire a Service.
type Options struct {
	SQS    SQSAPI  // Required: the client of mappings without a Role (or without SQSAs).
	Lambda Invoker // Required.
	// SQSAs returns the client that signs as principal (a role ARN), for mappings with a Role.
	// Default: every mapping uses SQS.
	SQSAs func(principal string) SQSAPI
	// Region is each record's awsRegion. Default: us-east-1.
	Region string
	// AccountID is the account of the mappings' and functions' ARNs in the API's answers.
	// Default: 000000000000.
	AccountID string
	// WaitTime is the long-poll wait of each ReceiveMessage. Default: 20 s (what Lambda uses).
	WaitTime time.Duration
	// Logger. Default: discard.
	Logger *slog.Logger
}

// Service runs mappings until Delete, Close, or the context given to New ends.
type Service struct {
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	mappings map[string]*poller
	wg       sync.WaitGroup
}

// New returns a Service whose pollers stop when ctx ends.
func New(ctx context.Context, opts Options) (*Service, error) {
	if opts.SQS == nil || opts.Lambda == nil {
		return nil, errors.New("esm: Options.SQS and Options.Lambda are required")
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	if opts.WaitTime == 0 {
		opts.WaitTime = 20 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(ctx)
	return &Service{opts: opts, ctx: ctx, cancel: cancel, mappings: map[string]*poller{}}, nil
}

// Create validates m and starts polling; it returns the mapping's UUID.
func (s *Service) Create(m Mapping) (string, error) {
	if m.BatchSize == 0 {
		m.BatchSize = 10
	}
	concurrencySet := m.MaximumConcurrency != 0
	if !concurrencySet {
		m.MaximumConcurrency = 5
	}
	if err := m.validate(); err != nil {
		return "", err
	}
	visibility := 30 * time.Second // the SQS default, if the queue does not say
	out, err := s.sqsFor(m).GetQueueAttributes(s.ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(m.QueueURL), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameVisibilityTimeout},
	})
	if err != nil {
		return "", fmt.Errorf("event source mapping %s → %s: queue: %w", m.QueueARN, m.FunctionName, err)
	}
	if v, err := strconv.Atoi(out.Attributes[string(types.QueueAttributeNameVisibilityTimeout)]); err == nil {
		visibility = time.Duration(v) * time.Second
	}
	// Lambda refuses a mapping whose queue would redeliver a batch while the function may still run.
	if t, ok := s.functionTimeout(m.FunctionName); ok && visibility < t {
		return "", fmt.Errorf("event source mapping %s → %s: InvalidParameterValueException: Queue visibility timeout: %d seconds is less than Function timeout: %d seconds",
			m.QueueARN, m.FunctionName, int(visibility/time.Second), int(t/time.Second))
	}
	p := &poller{svc: s, m: m, sqs: s.sqsFor(m), visibility: visibility, gen: newGeneration(s.ctx), uuid: newUUID(m),
		modified: time.Now(), concurrencySet: concurrencySet, disabled: m.Disabled}
	if m.Disabled {
		p.gen.cancel() // no poller until it is switched on
	}
	s.mu.Lock()
	s.mappings[p.uuid] = p
	s.mu.Unlock()
	p.scaleTo(idlePollers) // more join once messages are available (loop)
	s.opts.Logger.Info("event source mapping started", "uuid", p.uuid, "queue", m.QueueARN, "function", m.FunctionName)
	return p.uuid, nil
}

// sqsFor is the client of m's calls: its role's, or Options.SQS.
func (s *Service) sqsFor(m Mapping) SQSAPI {
	if m.Role != "" && s.opts.SQSAs != nil {
		return s.opts.SQSAs(m.Role)
	}
	return s.opts.SQS
}

func (s *Service) functionTimeout(fn string) (time.Duration, bool) {
	if ft, ok := s.opts.Lambda.(interface {
		FunctionTimeout(string) (time.Duration, bool)
	}); ok {
		return ft.FunctionTimeout(fn)
	}
	return 0, false
}

// Delete stops one mapping and waits for its in-flight batches.
func (s *Service) Delete(uuid string) error {
	s.mu.Lock()
	p := s.mappings[uuid]
	delete(s.mappings, uuid)
	s.mu.Unlock()
	if p == nil {
		return fmt.Errorf("event source mapping %s: not found", uuid)
	}
	p.state.Lock() // not while SetEnabled starts or stops it
	p.mu.Lock()
	p.gen.cancel()
	p.mu.Unlock()
	p.state.Unlock()
	p.all.Wait()
	return nil
}

// Close stops every mapping and waits for the pollers to return.
func (s *Service) Close() error {
	s.cancel()
	s.mu.Lock()
	ps := s.mappings
	s.mappings = map[string]*poller{}
	s.mu.Unlock()
	for _, p := range ps {
		p.all.Wait()
	}
	return nil
}

func newUUID(m Mapping) string {
	sum := md5.Sum(fmt.Appendf(nil, "%s|%s|%d", m.QueueARN, m.FunctionName, time.Now().UnixNano()))
	h := hex.EncodeToString(sum[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// poller is one mapping's set of polling goroutines.
type poller struct {
	svc        *Service
	m          Mapping
	sqs        SQSAPI // signs as the mapping's role
	uuid       string
	visibility time.Duration
	// concurrencySet: MaximumConcurrency was given (the API answers ScalingConfig only then).
	concurrencySet bool

	mu     sync.Mutex
	gen    *generation // the pollers started since the mapping was last switched on
	active int
	peak   int            // the most pollers active at once
	all    sync.WaitGroup // every poller of every generation: Delete and Close wait for them

	// state serializes SetEnabled and Delete; disabled, stopping (switched off, its pollers not all
	// returned yet), starting (switched on again, no poller of its generation polling yet) and
	// modified are read and written under mu.
	state    sync.Mutex
	disabled bool
	stopping bool
	starting *generation
	modified time.Time
}

// generation is the pollers of one switch-on of a mapping: switched off, its context is cancelled
// and its pollers return (their batches in flight finish); switched on again, a new one starts,
// while the old one may still be finishing.
type generation struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newGeneration(parent context.Context) *generation {
	ctx, cancel := context.WithCancel(parent)
	return &generation{ctx: ctx, cancel: cancel}
}

// Lambda's scaling of an SQS event source (services-sqs-scaling): "when messages are available,
// Lambda starts processing five batches at a time", adds more while messages are still available,
// and scales back as traffic falls, to as few as two.
const (
	idlePollers   = 2 // a mapping whose queue is idle
	activePollers = 5 // once messages are available
)

// scaleTo adds pollers until n are active, within MaximumConcurrency.
func (p *poller) scaleTo(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.addLocked(n)
}

// spawn adds a poller if below MaximumConcurrency.
func (p *poller) spawn() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.addLocked(p.active + 1)
}

// addLocked starts pollers until n are active, within MaximumConcurrency; p.mu is held.
func (p *poller) addLocked(n int) {
	for p.active < min(n, p.m.MaximumConcurrency) && p.gen.ctx.Err() == nil {
		p.active++
		p.peak = max(p.peak, p.active)
		extra := p.active > idlePollers
		p.gen.wg.Add(1)
		p.all.Add(1)
		go p.loop(p.gen, extra)
	}
}

// pollers is how many pollers are active, and the most that have been at once.
func (p *poller) pollers() (now, peak int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.active, p.peak
}

// loop polls until the mapping stops; an extra poller (scaled up under load) retires after an
// empty receive (in the local cloud a whole long poll without a message: its gateway keeps a long
// poll waiting until its time is up, as SQS does), as Lambda scales pollers down when the queue
// drains. (AWS keeps five when MaximumConcurrency is set; here every mapping goes back to two.)
func (p *poller) loop(g *generation, extra bool) {
	defer p.all.Done()
	defer g.wg.Done()
	defer func() { p.mu.Lock(); p.active--; p.mu.Unlock() }()
	ctx := g.ctx
	backoff := time.Second
	p.mu.Lock()
	if p.starting == g { // a poller of the generation switched on polls: Enabling is over
		p.starting = nil
	}
	p.mu.Unlock()
	for ctx.Err() == nil {
		batch, err := p.receive(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			p.svc.opts.Logger.Warn("receive failed", "uuid", p.uuid, "err", err)
			sleep(ctx, backoff)
			backoff = min(backoff*2, 30*time.Second)
			continue
		}
		backoff = time.Second
		if len(batch) == 0 {
			if extra {
				return
			}
			continue
		}
		p.scaleTo(activePollers) // messages are available: five batches at a time
		if len(batch) >= p.m.BatchSize {
			p.spawn() // and more while batches come back full
		}
		p.process(ctx, batch)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// receive gathers up to BatchSize messages: one long poll, then, within the batching window, more
// receives until the batch is full.
func (p *poller) receive(ctx context.Context) ([]types.Message, error) {
	var batch []types.Message
	var windowEnd time.Time
	for {
		want := min(p.m.BatchSize-len(batch), 10)
		wait := p.svc.opts.WaitTime
		if len(batch) > 0 {
			left := time.Until(windowEnd)
			if left <= 0 {
				return batch, nil
			}
			wait = min(wait, left)
		}
		out, err := p.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(p.m.QueueURL),
			MaxNumberOfMessages:         int32(want),
			WaitTimeSeconds:             int32(max(0, (wait+time.Second-1)/time.Second)),
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			if len(batch) > 0 && ctx.Err() == nil {
				return batch, nil
			}
			return batch, err
		}
		if len(batch) == 0 && len(out.Messages) > 0 {
			windowEnd = time.Now().Add(p.m.BatchingWindow)
		}
		batch = appendUnique(batch, out.Messages)
		if len(batch) == 0 || len(batch) >= p.m.BatchSize || p.m.BatchingWindow == 0 {
			return batch, nil
		}
	}
}

// appendUnique adds msgs to batch; a message received again within the batching window (its
// visibility timeout ran out) replaces its earlier copy, whose receipt handle is stale.
func appendUnique(batch, msgs []types.Message) []types.Message {
	for _, m := range msgs {
		dup := false
		for i := range batch {
			if aws.ToString(batch[i].MessageId) == aws.ToString(m.MessageId) {
				batch[i], dup = m, true
				break
			}
		}
		if !dup {
			batch = append(batch, m)
		}
	}
	return batch
}

// process invokes the function with batch, in as many invocations as Lambda's 6 MB payload limit
// needs, one after the other, and deletes what succeeded.
func (p *poller) process(ctx context.Context, batch []types.Message) {
	received := time.Now()
	parts, payloads, err := p.events(batch)
	if err != nil {
		p.svc.opts.Logger.Error("marshal event", "uuid", p.uuid, "err", err)
		return
	}
	for i := range parts {
		if i > 0 && time.Since(received) >= p.visibility {
			return // the rest are visible again: another receive has them, or will
		}
		if !p.invoke(ctx, parts[i], payloads[i], received) && p.m.fifo() {
			return // a FIFO queue's later messages wait for the earlier ones: they return with them
		}
	}
}

// events cuts batch into runs whose SQS event fits one synchronous invocation and returns each run
// with its event: Lambda gathers a batch "up to the payload limit for synchronous invocation (6 MB)"
// (EventSourceMapping BatchSize), so ten messages of 1 MiB are two invocations, not one refused
// again and again until the queue's redrive takes them. A record that alone exceeds the limit is
// sent alone (its invocation is refused, and the queue's redrive policy ends it).
func (p *poller) events(batch []types.Message) (parts [][]types.Message, payloads [][]byte, err error) {
	const head, tail = `{"Records":[`, `]}`
	var cur bytes.Buffer
	start := 0
	for i, m := range batch {
		rec, err := json.Marshal(record{SQSMessage: p.event([]types.Message{m}).Records[0], Md5OfMessageAttributes: m.MD5OfMessageAttributes})
		if err != nil {
			return nil, nil, err
		}
		if i > start && cur.Len()+1+len(rec)+len(tail) > lambda.MaxPayload {
			cur.WriteString(tail)
			parts, payloads = append(parts, batch[start:i]), append(payloads, bytes.Clone(cur.Bytes()))
			cur.Reset()
			start = i
		}
		if i == start {
			cur.WriteString(head)
		} else {
			cur.WriteByte(',')
		}
		cur.Write(rec)
	}
	if start < len(batch) {
		cur.WriteString(tail)
		parts, payloads = append(parts, batch[start:]), append(payloads, bytes.Clone(cur.Bytes()))
	}
	return parts, payloads, nil
}

// invoke runs one invocation of batch (payload is its event) and deletes what succeeded; ok is true
// when every record of it succeeded.
func (p *poller) invoke(ctx context.Context, batch []types.Message, payload []byte, received time.Time) (ok bool) {
	log := p.svc.opts.Logger
	var err error
	var out []byte
	var fnErr *lambda.FunctionError
	backoff := 100 * time.Millisecond
	for {
		// Invoke with the service context, not the mapping's: a batch in flight finishes (or times
		// out) even while the mapping stops, as in Lambda.
		out, fnErr, err = p.svc.opts.Lambda.Invoke(context.WithoutCancel(ctx), p.m.FunctionName, payload)
		if !errors.Is(err, lambda.ErrThrottled) {
			break
		}
		// Throttled: Lambda retries while the messages are still hidden; after that they return to the
		// queue by themselves.
		if time.Since(received)+backoff >= p.visibility || ctx.Err() != nil {
			return false
		}
		sleep(ctx, backoff)
		backoff = min(backoff*2, 5*time.Second)
	}
	log.Debug("invoked", "uuid", p.uuid, "records", len(batch), "err", err, "function_error", fnErr, "response", truncate(out))
	if err != nil {
		log.Warn("invoke failed", "uuid", p.uuid, "function", p.m.FunctionName, "err", err)
		return false
	}
	if fnErr != nil {
		log.Info("batch failed; messages return after the visibility timeout", "uuid", p.uuid, "records", len(batch), "error", fnErr.Error())
		return false
	}
	toDelete := batch
	if p.m.ReportBatchItemFailures {
		failed, ok := batchItemFailures(out, batch)
		if !ok {
			log.Info("invalid batch item failures response: whole batch failed", "uuid", p.uuid, "response", truncate(out))
			return false
		}
		toDelete = toDelete[:0:0]
		for _, msg := range batch {
			if !failed[aws.ToString(msg.MessageId)] {
				toDelete = append(toDelete, msg)
			}
		}
	}
	p.delete(ctx, toDelete)
	return len(toDelete) == len(batch)
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

// batchItemFailures applies Lambda's rules for a ReportBatchItemFailures response: an empty or null
// response, or an empty or null list, is complete success; a response that is not JSON, or an item
// whose itemIdentifier is missing, empty, or not a message of the batch, fails the whole batch.
func batchItemFailures(out []byte, batch []types.Message) (failed map[string]bool, ok bool) {
	failed = map[string]bool{}
	trimmed := strings.TrimSpace(string(out))
	if trimmed == "" || trimmed == "null" {
		return failed, true
	}
	var resp map[string]json.RawMessage
	if err := json.Unmarshal(out, &resp); err != nil {
		return nil, json.Valid(out) // a JSON non-object carries no failures; invalid JSON fails all
	}
	raw, present := resp["batchItemFailures"]
	if !present || string(raw) == "null" {
		return failed, true
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, false
	}
	ids := map[string]bool{}
	for _, m := range batch {
		ids[aws.ToString(m.MessageId)] = true
	}
	for _, item := range items {
		var id string
		if err := json.Unmarshal(item["itemIdentifier"], &id); err != nil || id == "" || !ids[id] {
			return nil, false
		}
		failed[id] = true
	}
	return failed, true
}

// delete removes msgs from the queue in batches of 10 (the SQS limit).
func (p *poller) delete(ctx context.Context, msgs []types.Message) {
	ctx = context.WithoutCancel(ctx)
	for len(msgs) > 0 {
		n := min(len(msgs), 10)
		entries := make([]types.DeleteMessageBatchRequestEntry, n)
		for i, m := range msgs[:n] {
			entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
		}
		out, err := p.sqs.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(p.m.QueueURL), Entries: entries})
		if err != nil {
			p.svc.opts.Logger.Warn("delete failed; the messages will be redelivered", "uuid", p.uuid, "err", err)
		} else if len(out.Failed) > 0 {
			p.svc.opts.Logger.Warn("some deletes failed; those messages will be redelivered", "uuid", p.uuid, "failed", len(out.Failed))
		}
		msgs = msgs[n:]
	}
}

// record is one record of the event as Lambda sends it: aws-lambda-go's, except that a message
// without message attributes has "md5OfMessageAttributes": null (as in the events Lambda delivers),
// where the library's string field would be "".
type record struct {
	events.SQSMessage
	Md5OfMessageAttributes *string `json:"md5OfMessageAttributes"`
}

// event builds the SQS event as Lambda delivers it (events marshals each of its records as a record).
func (p *poller) event(batch []types.Message) events.SQSEvent {
	ev := events.SQSEvent{Records: make([]events.SQSMessage, 0, len(batch))}
	for _, m := range batch {
		rec := events.SQSMessage{
			MessageId:              aws.ToString(m.MessageId),
			ReceiptHandle:          aws.ToString(m.ReceiptHandle),
			Body:                   aws.ToString(m.Body),
			Md5OfBody:              aws.ToString(m.MD5OfBody),
			Md5OfMessageAttributes: aws.ToString(m.MD5OfMessageAttributes),
			Attributes:             map[string]string{},
			MessageAttributes:      map[string]events.SQSMessageAttribute{},
			EventSourceARN:         p.m.QueueARN,
			EventSource:            "aws:sqs",
			AWSRegion:              p.svc.opts.Region,
		}
		if rec.Md5OfBody == "" {
			sum := md5.Sum([]byte(rec.Body))
			rec.Md5OfBody = hex.EncodeToString(sum[:])
		}
		for k, v := range m.Attributes {
			rec.Attributes[k] = v
		}
		for k, v := range m.MessageAttributes {
			rec.MessageAttributes[k] = events.SQSMessageAttribute{
				DataType:         aws.ToString(v.DataType),
				StringValue:      v.StringValue,
				BinaryValue:      v.BinaryValue,
				StringListValues: append([]string{}, v.StringListValues...), // [] not null, as Lambda sends
				BinaryListValues: append([][]byte{}, v.BinaryListValues...),
			}
		}
		ev.Records = append(ev.Records, rec)
	}
	return ev
}
