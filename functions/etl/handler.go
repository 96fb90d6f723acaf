package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// The calls the handler makes, satisfied by the SDK clients (*s3.Client, …).
type (
	S3API interface {
		GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
		PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	}
	DynamoDBAPI interface {
		UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
		TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
		GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	}
	SQSAPI interface {
		SendMessage(context.Context, *sqs.SendMessageInput, ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
		GetQueueUrl(context.Context, *sqs.GetQueueUrlInput, ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
		ChangeMessageVisibilityBatch(context.Context, *sqs.ChangeMessageVisibilityBatchInput, ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error)
	}
)

var (
	_ S3API       = (*s3.Client)(nil)
	_ DynamoDBAPI = (*dynamodb.Client)(nil)
	_ SQSAPI      = (*sqs.Client)(nil)
)

// summaryEntryType is the sort key of the per-symbol summary row (the seed's "latest").
const summaryEntryType = "latest"

// Handler processes SQS batches of S3 notifications. Build it once per sandbox (NewHandler) and
// pass Handle to lambda.Start.
type Handler struct {
	S3       S3API
	DynamoDB DynamoDBAPI
	SQS      SQSAPI // resilient only: the error queue, and the work queue's redelivery backoff
	Settings Settings
	Log      *slog.Logger

	// DeadlineMargin is kept free at the end of an invocation to report the batch result.
	// Default 1 s.
	DeadlineMargin time.Duration
	// Concurrency is how many SQS records resilient processes at once. Default 4.
	Concurrency int
	// RedeliveryBase and RedeliveryMax shape the backoff after which a failed record is visible
	// again (redelivery.go). Defaults: DefaultRedeliveryBase (1 s), DefaultRedeliveryMax (60 s).
	RedeliveryBase, RedeliveryMax time.Duration
	// RedeliveryBudget bounds the visibility changes of one invocation. Default: DefaultRedeliveryBudget (2 s).
	RedeliveryBudget time.Duration

	metrics  *metricSink
	now      func() time.Time
	randIntN func(int) int // tests; default math/rand/v2's IntN
	queues   queueURLs     // event source ARN → queue URL

	// background tracks flawed's unawaited writes; only tests wait on it (waitBackground).
	background sync.WaitGroup
}

// NewHandler returns a handler writing logs to log and EMF metric lines to metrics.
func NewHandler(set Settings, s3c S3API, ddb DynamoDBAPI, sqsc SQSAPI, log *slog.Logger, metrics io.Writer) *Handler {
	return &Handler{
		S3: s3c, DynamoDB: ddb, SQS: sqsc, Settings: set, Log: log,
		DeadlineMargin: time.Second,
		Concurrency:    4,
		metrics:        &metricSink{w: metrics, now: time.Now},
		now:            time.Now,
	}
}

// Handle is the Lambda entry point.
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	log := h.Log
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		log = log.With("request_id", lc.AwsRequestID)
	}
	if h.Settings.Scenario == ScenarioResilient {
		return h.handleResilient(ctx, log, ev), nil
	}
	return events.SQSEventResponse{}, h.handleFlawed(ctx, log, ev)
}

// waitBackground blocks until flawed's background writes have finished (tests count rows after it).
func (h *Handler) waitBackground() { h.background.Wait() }

// ---- flawed: the seed's behaviour in Go terms ----

// handleFlawed reproduces src/lambda.js: the seed assumed a batch of one (Records[0]); this loops, but
// any error fails the whole invocation (so SQS retries it, three receives, then the error queue, as in
// the seed), and the DynamoDB writes are started and never awaited or checked.
func (h *Handler) handleFlawed(ctx context.Context, log *slog.Logger, ev events.SQSEvent) error {
	for _, msg := range ev.Records {
		refs, err := parseNotification(msg.Body)
		if err != nil {
			return fmt.Errorf("message %s: %w", msg.MessageId, err)
		}
		for _, ref := range refs {
			rlog := log.With("object_key", ref.Key, "sqs_message_id", msg.MessageId)
			body, err := h.getObject(ctx, ref)
			if err != nil {
				rlog.Error("get object failed", "error", err)
				return err
			}
			doc, err := ParseDocument(body)
			if err != nil {
				rlog.Error("bad document", "error", err)
				return fmt.Errorf("s3://%s/%s: %w", ref.Bucket, ref.Key, err)
			}
			if err := h.putCSV(ctx, ref, doc); err != nil {
				rlog.Error("put CSV failed", "error", err)
				return err
			}
			h.startUnawaitedWrites(ctx, rlog, doc)
			rlog.Info("document processed")
		}
	}
	return nil
}

// startUnawaitedWrites is the seed's flaw: two UpdateItems whose results are only logged, running on
// after the handler has reported success (context.WithoutCancel: a frozen and thawed sandbox resumes
// them the same way). A failed write is lost silently; SQS has already deleted the message.
func (h *Handler) startUnawaitedWrites(ctx context.Context, log *slog.Logger, doc Document) {
	bg := context.WithoutCancel(ctx)
	ts := h.now().UTC().Format(time.RFC3339Nano)
	h.background.Add(2)
	go func() {
		defer h.background.Done()
		if _, err := h.DynamoDB.UpdateItem(bg, h.summaryUpdate(doc)); err != nil {
			log.Error("summary write failed (not awaited: lost)", "error", err)
		}
	}()
	go func() {
		defer h.background.Done()
		_, err := h.DynamoDB.UpdateItem(bg, &dynamodb.UpdateItemInput{
			TableName: aws.String(h.Settings.Table),
			Key: map[string]ddbtypes.AttributeValue{
				"symbol":    &ddbtypes.AttributeValueMemberS{Value: doc.Symbol},
				"entryType": &ddbtypes.AttributeValueMemberS{Value: ts + "#" + doc.MessageID.String()},
			},
			UpdateExpression: aws.String("SET symbolValue = :v, processingTimestamp = :t, messageId = :m"),
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
				":v": &ddbtypes.AttributeValueMemberN{Value: doc.Value.String()},
				":t": &ddbtypes.AttributeValueMemberS{Value: ts},
				":m": &ddbtypes.AttributeValueMemberN{Value: doc.MessageID.String()},
			},
		})
		if err != nil {
			log.Error("per-message write failed (not awaited: lost)", "error", err)
			return
		}
		if err := h.metrics.symbolWrite(h.Settings.Table); err != nil {
			log.Error("metric write failed", "error", err)
		}
	}()
}

// summaryUpdate is the seed's summary row update: ADD updateCount 1, symbolValue; SET lastMessage.
func (h *Handler) summaryUpdate(doc Document) *dynamodb.UpdateItemInput {
	return &dynamodb.UpdateItemInput{
		TableName: aws.String(h.Settings.Table),
		Key: map[string]ddbtypes.AttributeValue{
			"symbol":    &ddbtypes.AttributeValueMemberS{Value: doc.Symbol},
			"entryType": &ddbtypes.AttributeValueMemberS{Value: summaryEntryType},
		},
		UpdateExpression: aws.String("ADD updateCount :one, symbolValue :v SET lastMessage = :m"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
			":one": &ddbtypes.AttributeValueMemberN{Value: "1"},
			":v":   &ddbtypes.AttributeValueMemberN{Value: doc.Value.String()},
			":m":   &ddbtypes.AttributeValueMemberN{Value: doc.MessageID.String()},
		},
	}
}

// ---- shared steps ----

// getObject reads at most MaxDocumentBytes+1 bytes, enough for ParseDocument to say "too large"
// without holding a huge object in memory.
func (h *Handler) getObject(ctx context.Context, ref objectRef) ([]byte, error) {
	out, err := h.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(ref.Bucket), Key: aws.String(ref.Key)})
	if err != nil {
		var nsk *s3types.NoSuchKey
		if errors.As(err, &nsk) {
			return nil, &PoisonError{Reason: ReasonNoSuchObject, Err: fmt.Errorf("s3://%s/%s: %w", ref.Bucket, ref.Key, err)}
		}
		return nil, fmt.Errorf("get s3://%s/%s: %w", ref.Bucket, ref.Key, err)
	}
	defer out.Body.Close()
	if out.ContentLength != nil && *out.ContentLength > MaxDocumentBytes {
		return nil, &PoisonError{Reason: ReasonTooLarge,
			Err: fmt.Errorf("s3://%s/%s is %d bytes, limit %d", ref.Bucket, ref.Key, *out.ContentLength, MaxDocumentBytes)}
	}
	body, err := io.ReadAll(io.LimitReader(out.Body, MaxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read s3://%s/%s: %w", ref.Bucket, ref.Key, err)
	}
	return body, nil
}

func (h *Handler) putCSV(ctx context.Context, ref objectRef, doc Document) error {
	key := outputKey(ref.Key)
	_, err := h.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(ref.Bucket),
		Key:         aws.String(key),
		Body:        bytes.NewReader(doc.CSV()),
		ContentType: aws.String("text/csv"),
	})
	if err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", ref.Bucket, key, err)
	}
	return nil
}

// ---- resilient ----

// handleResilient processes every record, reporting failures per record. A poison document goes to
// the error queue and counts as done; anything else that fails (after the SDK's bounded retries, or at
// the deadline) is reported in BatchItemFailures so SQS redelivers only that record, and made
// visible again after a short backoff (scheduleRedelivery) rather than the queue's visibility timeout.
func (h *Handler) handleResilient(ctx context.Context, log *slog.Logger, ev events.SQSEvent) events.SQSEventResponse {
	work := ctx
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		work, cancel = context.WithDeadline(ctx, dl.Add(-h.DeadlineMargin))
		defer cancel()
	}
	n := max(h.Concurrency, 1)
	sem := make(chan struct{}, n)
	errs := make([]error, len(ev.Records))
	// down trips when a record exhausts its retries against a dependency: the records not started yet
	// would spend the invocation on the same outage, so they are handed back at once and their
	// redelivery backoff starts now. Records in flight finish; poison and per-record errors (a missing
	// object, a bad document) do not trip it.
	var down atomic.Bool
	var wg sync.WaitGroup
	for i, msg := range ev.Records {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			mlog := log.With("sqs_message_id", msg.MessageId)
			if down.Load() {
				mlog.Warn("record not attempted: an earlier record of this batch exhausted its retries; reported for redelivery")
				errs[i] = errDependencyDown
				return
			}
			errs[i] = h.processMessage(work, mlog, msg)
			var exhausted *retry.MaxAttemptsError
			if errors.As(errs[i], &exhausted) {
				down.Store(true)
			}
		}()
	}
	wg.Wait()
	var resp events.SQSEventResponse
	var failed []events.SQSMessage
	for i, err := range errs {
		if err != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: ev.Records[i].MessageId})
			failed = append(failed, ev.Records[i])
		}
	}
	if len(resp.BatchItemFailures) > 0 {
		log.Warn("batch partly failed", "failed", len(resp.BatchItemFailures), "records", len(ev.Records))
	}
	// Not work: its deadline may be what failed the records. scheduleRedelivery keeps half of
	// DeadlineMargin free for the response.
	h.scheduleRedelivery(ctx, log, failed)
	return resp
}

// errDependencyDown fails a record that was not attempted because a dependency is failing.
var errDependencyDown = errors.New("not attempted: a dependency exhausted another record's retries in this invocation")

// processMessage handles one SQS record, which may name several objects.
func (h *Handler) processMessage(ctx context.Context, log *slog.Logger, msg events.SQSMessage) error {
	if err := ctx.Err(); err != nil {
		log.Warn("not started: invocation deadline near", "error", err)
		return err
	}
	refs, err := parseNotification(msg.Body)
	if err != nil {
		return h.quarantine(ctx, log, msg, objectRef{}, err)
	}
	for _, ref := range refs {
		rlog := log.With("object_key", ref.Key)
		if err := h.processObject(ctx, rlog, msg, ref); err != nil {
			rlog.Error("record failed; reported for redelivery", "error", err)
			return err
		}
	}
	return nil
}

func (h *Handler) processObject(ctx context.Context, log *slog.Logger, msg events.SQSMessage, ref objectRef) error {
	body, err := h.getObject(ctx, ref)
	if err != nil {
		return h.quarantine(ctx, log, msg, ref, err)
	}
	doc, err := ParseDocument(body)
	if err == nil {
		// Only resilient checks what DynamoDB will accept: flawed, like the seed, writes the CSV
		// and loses the rejected DynamoDB writes silently.
		err = doc.CheckDynamoDBNumbers()
	}
	if err != nil {
		return h.quarantine(ctx, log, msg, ref, err)
	}
	// DynamoDB first: the transaction is idempotent (idempotency.go), so a redelivery after a failed
	// PutObject finds it done and only writes the CSV; the other order would rewrite the CSV (and
	// notify SNS again) each time the DynamoDB write failed.
	first, err := h.writeOnce(ctx, msg, ref, doc)
	if err != nil {
		return h.quarantine(ctx, log, msg, ref, err)
	}
	if first {
		if err := h.metrics.symbolWrite(h.Settings.Table); err != nil {
			log.Error("metric write failed", "error", err)
		}
	} else {
		// Whether an earlier delivery got as far as the CSV is not recorded (a write per document to
		// save one for a rare duplicate: README, design notes), so it is written again: the same
		// key, and the same bytes unless the object changed since.
		log.Info("duplicate notification or redelivery: counted already, writing the CSV")
	}
	if err := h.putCSV(ctx, ref, doc); err != nil {
		return err
	}
	log.Info("document processed", "first_delivery", first)
	return nil
}
