package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Redelivery backoff of resilient's failed records. A record reported in BatchItemFailures stays
// invisible for the queue's visibility timeout (180 s, the seed's) unless the function shortens it;
// under a dependency outage that lasts a whole invocation (the seed's Lab 4 fault decides once per
// invocation) every record of that invocation fails together, and three minutes in flight per
// failure is what the in-flight probe then sees. So resilient makes each failed record visible
// again after a short exponential backoff on its ApproximateReceiveCount n:
//
//	d = min(DefaultRedeliveryBase·2^(n-1), DefaultRedeliveryMax);  wait uniform in [d/2, d], ≥ 1 s
//
// "Equal jitter": the floor d/2 keeps the backoff growing (a dependency that stays down is not
// hammered, and the receives that the redrive policy counts are spread over minutes: the sum of the
// first 9 waits is 2–4 min), and the jitter spreads the records that failed together across later
// invocations instead of returning them in lockstep. Whole seconds, because the SQS API takes
// whole seconds; at least 1 s, because 0 would hand the record straight back to the poller that
// just failed it.
const (
	// DefaultRedeliveryBase is d for the first receive. Default 1 s.
	DefaultRedeliveryBase = time.Second
	// DefaultRedeliveryMax caps d. 60 s: a third of the queue's 180 s visibility timeout, so a
	// retry always comes sooner than the fallback does.
	DefaultRedeliveryMax = 60 * time.Second
	// DefaultRedeliveryBudget bounds the visibility changes of one invocation (GetQueueUrl and
	// ChangeMessageVisibilityBatch with the SDK's retries); they also end DeadlineMargin/2 before the
	// invocation's deadline, keeping the other half to report the batch.
	DefaultRedeliveryBudget = 2 * time.Second
)

// redeliveryDelay is the visibility timeout to give a record received receiveCount times
// (1 = first delivery). intN draws uniformly in [0, n) (math/rand/v2's IntN).
func redeliveryDelay(receiveCount int, base, maxDelay time.Duration, intN func(int) int) time.Duration {
	if receiveCount < 1 {
		receiveCount = 1
	}
	d := maxDelay
	if receiveCount <= 32 {
		if e := base << (receiveCount - 1); e > 0 && e < maxDelay {
			d = e
		}
	}
	secs := int(d / time.Second)
	lo := secs / 2
	wait := lo + intN(secs-lo+1) // [d/2, d]
	return time.Duration(max(wait, 1)) * time.Second
}

// queueRef is the queue an SQS record came from, as its eventSourceARN names it.
type queueRef struct {
	name, account string
}

// parseQueueARN reads arn:<partition>:sqs:<region>:<account>:<name>.
func parseQueueARN(arn string) (queueRef, error) {
	p := strings.Split(arn, ":")
	if len(p) != 6 || p[0] != "arn" || p[2] != "sqs" || p[4] == "" || p[5] == "" {
		return queueRef{}, fmt.Errorf("eventSourceARN %q: want arn:<partition>:sqs:<region>:<account>:<queue name>", arn)
	}
	return queueRef{account: p[4], name: p[5]}, nil
}

// queueURLs caches the queue URL of each event source ARN for the sandbox's lifetime (a queue's
// URL never changes; a failed lookup is not cached).
type queueURLs struct {
	mu   sync.Mutex
	urls map[string]string
}

// queueURL resolves the URL of the queue named by arn with GetQueueUrl (QueueName and
// QueueOwnerAWSAccountId from the ARN; the event source mapping grants sqs:GetQueueUrl).
func (h *Handler) queueURL(ctx context.Context, arn string) (string, error) {
	h.queues.mu.Lock()
	url, ok := h.queues.urls[arn]
	h.queues.mu.Unlock()
	if ok {
		return url, nil
	}
	q, err := parseQueueARN(arn)
	if err != nil {
		return "", err
	}
	out, err := h.SQS.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(q.name), QueueOwnerAWSAccountId: aws.String(q.account)})
	if err != nil {
		return "", fmt.Errorf("get queue URL of %s: %w", arn, err)
	}
	url = aws.ToString(out.QueueUrl)
	if url == "" {
		return "", fmt.Errorf("get queue URL of %s: empty answer", arn)
	}
	h.queues.mu.Lock()
	if h.queues.urls == nil {
		h.queues.urls = map[string]string{}
	}
	h.queues.urls[arn] = url
	h.queues.mu.Unlock()
	return url, nil
}

// scheduleRedelivery shortens the visibility timeout of each failed record to its backoff, so
// another invocation retries it soon: one ChangeMessageVisibilityBatch per queue and ten records
// (an invocation's batch is one queue's, ten at most in resilient), each entry with its own
// backoff. One call, not one per record: ten calls at once, on a loaded machine, once took longer
// than the budget, and the whole batch waited out the queue's 180 s instead. A record whose
// visibility cannot be changed (no ARN or receipt handle, SQS unreachable, its entry refused) is
// only logged: it is still reported failed, and the queue's visibility timeout then brings it
// back. Nothing is lost either way.
func (h *Handler) scheduleRedelivery(ctx context.Context, log *slog.Logger, failed []events.SQSMessage) {
	if len(failed) == 0 {
		return
	}
	budget := h.RedeliveryBudget
	if budget <= 0 {
		budget = DefaultRedeliveryBudget
	}
	end := time.Now().Add(budget)
	if dl, ok := ctx.Deadline(); ok && dl.Add(-h.DeadlineMargin/2).Before(end) {
		end = dl.Add(-h.DeadlineMargin / 2)
	}
	ctx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	var arns []string // in the order first seen
	byQueue := map[string][]events.SQSMessage{}
	for _, msg := range failed {
		if msg.EventSourceARN == "" || msg.ReceiptHandle == "" {
			h.keepVisibility(log, msg, errors.New("record has no eventSourceARN or receipt handle"))
			continue
		}
		if _, ok := byQueue[msg.EventSourceARN]; !ok {
			arns = append(arns, msg.EventSourceARN)
		}
		byQueue[msg.EventSourceARN] = append(byQueue[msg.EventSourceARN], msg)
	}
	for _, arn := range arns {
		msgs := byQueue[arn]
		url, err := h.queueURL(ctx, arn)
		if err != nil {
			for _, msg := range msgs {
				h.keepVisibility(log, msg, err)
			}
			continue
		}
		for len(msgs) > 0 {
			n := min(len(msgs), maxBatchEntries)
			h.redeliverAfterBackoff(ctx, log, url, msgs[:n])
			msgs = msgs[n:]
		}
	}
}

// maxBatchEntries is the most entries one SQS batch request takes.
const maxBatchEntries = 10

// redeliverAfterBackoff changes the visibility of msgs (one queue's, at most maxBatchEntries) to
// each one's backoff, in one ChangeMessageVisibilityBatch.
func (h *Handler) redeliverAfterBackoff(ctx context.Context, log *slog.Logger, url string, msgs []events.SQSMessage) {
	base, maxDelay := h.RedeliveryBase, h.RedeliveryMax
	if base <= 0 {
		base = DefaultRedeliveryBase
	}
	if maxDelay <= 0 {
		maxDelay = DefaultRedeliveryMax
	}
	entries := make([]sqstypes.ChangeMessageVisibilityBatchRequestEntry, len(msgs))
	delays := make([]time.Duration, len(msgs))
	for i, msg := range msgs {
		delays[i] = redeliveryDelay(receiveCount(msg), base, maxDelay, h.intN)
		entries[i] = sqstypes.ChangeMessageVisibilityBatchRequestEntry{
			Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(msg.ReceiptHandle),
			VisibilityTimeout: int32(delays[i] / time.Second),
		}
	}
	out, err := h.SQS.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(url), Entries: entries})
	if err != nil {
		for _, msg := range msgs {
			h.keepVisibility(log, msg, fmt.Errorf("change message visibility: %w", err))
		}
		return
	}
	refused := map[string]error{}
	for _, f := range out.Failed {
		refused[aws.ToString(f.Id)] = fmt.Errorf("change message visibility: %s: %s", aws.ToString(f.Code), aws.ToString(f.Message))
	}
	for i, msg := range msgs {
		if err, ok := refused[strconv.Itoa(i)]; ok {
			h.keepVisibility(log, msg, err)
			continue
		}
		log.Info("failed record visible again after backoff", "sqs_message_id", msg.MessageId,
			"receive_count", receiveCount(msg), "backoff_s", int(delays[i]/time.Second))
	}
}

// keepVisibility logs that msg keeps the queue's visibility timeout, and why.
func (h *Handler) keepVisibility(log *slog.Logger, msg events.SQSMessage, err error) {
	log.Warn("could not shorten the visibility timeout; the queue's own visibility timeout brings the record back",
		"sqs_message_id", msg.MessageId, "receive_count", receiveCount(msg), "error", err)
}

// receiveCount is the record's ApproximateReceiveCount: 1 when missing or unreadable.
func receiveCount(msg events.SQSMessage) int {
	n, err := strconv.Atoi(msg.Attributes["ApproximateReceiveCount"])
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// intN is math/rand/v2's IntN unless a test set Handler.randIntN.
func (h *Handler) intN(n int) int {
	if h.randIntN != nil {
		return h.randIntN(n)
	}
	return rand.IntN(n)
}
