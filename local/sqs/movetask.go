package sqs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/exactjson"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/sqstask"
)

// MoveTasks answers StartMessageMoveTask, ListMessageMoveTasks and CancelMessageMoveTask, which
// fauxqs does not have (InvalidAction): the dead-letter queue redrive of the SQS console and of
// `aws sqs start-message-move-task`, the step after an incident that sent documents to the
// stack's error queue. As SQS does it (API Reference, StartMessageMoveTask):
//
//   - the source must be a queue that some queue's redrive policy names as its dead-letter queue;
//   - without DestinationArn each message goes back to the queue it was dead-lettered from (its
//     DeadLetterQueueSourceArn attribute; the emulator gives none, so the dead-letter queue's only
//     source queue, and with several the task fails, CouldNotDetermineMessageSource). Unlike SQS, a
//     message sent to the dead-letter queue directly goes to that source queue too: SQS fails the
//     task for it, and the emulator does not tell one from a dead-lettered message;
//   - MaxNumberOfMessagesPerSecond from 1 to 500 (unset: as fast as the emulator goes);
//   - one task running per source queue; ListMessageMoveTasks gives the most recent, up to 10
//     (MaxResults, default 1), newest first, the TaskHandle only of a running one;
//   - a task moves the messages the queue held when it started (ApproximateNumberOfMessagesToMove)
//     and completes; a cancelled one keeps what it moved.
//
// A message is sent to its destination (body and message attributes) and then deleted from the
// source, so a cloud stopped between the two leaves a copy in both, never none. A cancel is taken
// between two messages, never inside one's send and delete, and the messages received but not
// moved are made visible again at once. IAM authorizes what SQS's troubleshooting page says a
// redrive needs (local/iam: sqs:StartMessageMoveTask, ReceiveMessage, DeleteMessage and
// GetQueueAttributes on the source, SendMessage on DestinationArn). The tasks live as long as the
// cloud (ctx) and are not kept across a restart. FIFO queues are refused (the local cloud has none).
type MoveTasks struct {
	ctx   context.Context
	mu    sync.Mutex
	tasks map[string][]*moveTask // by source ARN, oldest first
	seq   int
}

// NewMoveTasks makes the interceptor's state; its tasks stop when ctx ends.
func NewMoveTasks(ctx context.Context) *MoveTasks {
	return &MoveTasks{ctx: ctx, tasks: map[string][]*moveTask{}}
}

// moveTask is one task; its counters are read under MoveTasks.mu.
type moveTask struct {
	handle, source, destination string
	rate                        int // messages a second, 0: unbounded
	started                     time.Time
	status                      string // RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED
	moved, toMove               int64
	failure                     string
	cancel                      context.CancelFunc
}

// keptTasks is how many tasks per source ListMessageMoveTasks can show ("up to 10").
const keptTasks = 10

// maxMoveRate is MaxNumberOfMessagesPerSecond's largest value.
const maxMoveRate = 500

// Interceptor is the gateway interceptor for the "sqs" signing name (JSON protocol).
func (m *MoveTasks) Interceptor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
		switch op {
		case "StartMessageMoveTask", "ListMessageMoveTasks", "CancelMessageMoveTask":
		default:
			next.ServeHTTP(w, r)
			return
		}
		body, err := gateway.PeekBody(r, maxCheckedBody)
		var in struct {
			SourceArn, DestinationArn, TaskHandle    *string
			MaxNumberOfMessagesPerSecond, MaxResults *int64
		}
		if err != nil || exactjson.Unmarshal(body, &in) != nil {
			writeError(w, "InvalidParameterValue", "The request body is not a JSON object of "+op+"'s parameters.")
			return
		}
		em := emulator{next: next, base: r}
		switch op {
		case "StartMessageMoveTask":
			m.start(w, em, in.SourceArn, in.DestinationArn, in.MaxNumberOfMessagesPerSecond)
		case "ListMessageMoveTasks":
			m.list(w, em, in.SourceArn, in.MaxResults)
		default:
			m.cancelTask(w, in.TaskHandle)
		}
	})
}

func (m *MoveTasks) start(w http.ResponseWriter, em emulator, source, destination *string, rate *int64) {
	if source == nil || *source == "" {
		writeError(w, "MissingParameter", "The request must contain the parameter SourceArn.")
		return
	}
	if rate != nil && (*rate < 1 || *rate > maxMoveRate) {
		writeError(w, "InvalidParameterValue", fmt.Sprintf("Value %d for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: it must be between 1 and %d.", *rate, maxMoveRate))
		return
	}
	srcURL, ok := em.queueURL(*source)
	if !ok {
		writeError(w, "ResourceNotFoundException", "The resource that you specified for the SourceArn parameter doesn't exist.")
		return
	}
	dest := ""
	if destination != nil && *destination != "" {
		if _, ok := em.queueURL(*destination); !ok {
			writeError(w, "ResourceNotFoundException", "The resource that you specified for the DestinationArn parameter doesn't exist.")
			return
		}
		dest = *destination
	}
	if strings.HasSuffix(*source, ".fifo") {
		writeError(w, "UnsupportedOperation", "The local cloud moves messages of standard queues only.")
		return
	}
	sources := em.sourcesOf(*source)
	if len(sources) == 0 {
		writeError(w, "InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue.")
		return
	}
	toMove, _ := strconv.ParseInt(em.attribute(srcURL, "ApproximateNumberOfMessages"), 10, 64)
	m.mu.Lock()
	for _, t := range m.tasks[*source] {
		if t.status == "RUNNING" || t.status == "CANCELLING" {
			m.mu.Unlock()
			writeError(w, "InvalidParameterValue", "There is already a task running. Only one active task is allowed for a source queue arn at a given time.")
			return
		}
	}
	m.seq++
	ctx, cancel := context.WithCancel(m.ctx)
	t := &moveTask{source: *source, destination: dest, started: time.Now(), status: "RUNNING", toMove: toMove, cancel: cancel}
	if rate != nil {
		t.rate = int(*rate)
	}
	t.handle = sqstask.Handle(strconv.Itoa(m.seq), *source)
	ts := append(m.tasks[*source], t)
	if len(ts) > keptTasks {
		ts = ts[len(ts)-keptTasks:]
	}
	m.tasks[*source] = ts
	m.mu.Unlock()
	go m.run(ctx, em.detached(m.ctx), t, srcURL, sources)
	writeJSON(w, map[string]any{"TaskHandle": t.handle})
}

// run moves t's messages until it has moved what the queue held at its start, the queue is empty,
// it fails or it is cancelled. Its requests run on the cloud's context (em), not the task's: a
// cancel (ctx) is taken between two messages, so none is cut between its send and its delete.
func (m *MoveTasks) run(ctx context.Context, em emulator, t *moveTask, srcURL string, sources []string) {
	var held []movedMessage // received and not yet moved
	end := func(status, reason string) {
		for _, msg := range held {
			em.visibleNow(srcURL, msg.ReceiptHandle)
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		if t.status == "CANCELLING" {
			status, reason = "CANCELLED", ""
		}
		t.status, t.failure = status, reason
	}
	if t.destination == "" && len(sources) != 1 {
		end("FAILED", "CouldNotDetermineMessageSource")
		return
	}
	urls := map[string]string{}
	urlOf := func(arn string) (string, bool) {
		if u, ok := urls[arn]; ok {
			return u, true
		}
		u, ok := em.queueURL(arn)
		if ok {
			urls[arn] = u
		}
		return u, ok
	}
	var tick <-chan time.Time
	if t.rate > 0 {
		ticker := time.NewTicker(time.Second / time.Duration(t.rate))
		defer ticker.Stop()
		tick = ticker.C
	}
	for {
		m.mu.Lock()
		left := t.toMove - t.moved
		m.mu.Unlock()
		if left <= 0 || ctx.Err() != nil {
			break
		}
		want := min(10, left)
		if t.rate > 0 {
			want = 1
		}
		msgs, ok := em.receive(srcURL, want)
		if !ok {
			end("FAILED", "AWS.SimpleQueueService.NonExistentQueue")
			return
		}
		if len(msgs) == 0 {
			break // fewer than counted: read or deleted by others meanwhile
		}
		held = msgs
		for len(held) > 0 {
			if tick != nil {
				select {
				case <-tick:
				case <-ctx.Done():
				}
			}
			if ctx.Err() != nil {
				break
			}
			msg := held[0]
			dest := t.destination
			if dest == "" {
				dest = msg.Attributes["DeadLetterQueueSourceArn"]
			}
			if dest == "" {
				dest = sources[0]
			}
			destURL, ok := urlOf(dest)
			if !ok {
				end("FAILED", "AWS.SimpleQueueService.NonExistentQueue")
				return
			}
			if !em.send(destURL, msg) {
				end("FAILED", "the destination queue "+dest+" refused the message")
				return
			}
			held = held[1:]
			if !em.delete(srcURL, msg.ReceiptHandle) {
				m.mu.Lock()
				t.moved++
				m.mu.Unlock()
				end("FAILED", "a moved message could not be deleted from the source queue: it is in both")
				return
			}
			m.mu.Lock()
			t.moved++
			m.mu.Unlock()
		}
	}
	if ctx.Err() != nil {
		end("CANCELLED", "") // cancelled, or the cloud stopping
		return
	}
	end("COMPLETED", "")
}

func (m *MoveTasks) list(w http.ResponseWriter, em emulator, source *string, maxResults *int64) {
	if source == nil || *source == "" {
		writeError(w, "MissingParameter", "The request must contain the parameter SourceArn.")
		return
	}
	n := int64(1)
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > keptTasks {
			writeError(w, "InvalidParameterValue", fmt.Sprintf("Value %d for parameter MaxResults is invalid. Reason: it must be between 1 and %d.", *maxResults, keptTasks))
			return
		}
		n = *maxResults
	}
	if _, ok := em.queueURL(*source); !ok {
		writeError(w, "ResourceNotFoundException", "The resource that you specified for the SourceArn parameter doesn't exist.")
		return
	}
	m.mu.Lock()
	ts := m.tasks[*source]
	results := []map[string]any{}
	for i := len(ts) - 1; i >= 0 && int64(len(results)) < n; i-- {
		t := ts[i]
		e := map[string]any{
			"Status": t.status, "SourceArn": t.source,
			"ApproximateNumberOfMessagesMoved": t.moved, "ApproximateNumberOfMessagesToMove": t.toMove,
			"StartedTimestamp": t.started.UnixMilli(),
		}
		if t.status == "RUNNING" {
			e["TaskHandle"] = t.handle
		}
		if t.destination != "" {
			e["DestinationArn"] = t.destination
		}
		if t.rate > 0 {
			e["MaxNumberOfMessagesPerSecond"] = t.rate
		}
		if t.failure != "" {
			e["FailureReason"] = t.failure
		}
		results = append(results, e)
	}
	m.mu.Unlock()
	writeJSON(w, map[string]any{"Results": results})
}

func (m *MoveTasks) cancelTask(w http.ResponseWriter, handle *string) {
	if handle == nil || *handle == "" {
		writeError(w, "MissingParameter", "The request must contain the parameter TaskHandle.")
		return
	}
	source := sqstask.Source(*handle)
	if source == "" {
		writeError(w, "InvalidParameterValue", "Value for parameter TaskHandle is invalid.")
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range m.tasks[source] {
		if t.handle != *handle {
			continue
		}
		if t.status != "RUNNING" {
			writeError(w, "InvalidParameterValue", "Only active tasks can be cancelled.")
			return
		}
		t.status = "CANCELLING"
		t.cancel()
		writeJSON(w, map[string]any{"ApproximateNumberOfMessagesMoved": t.moved})
		return
	}
	writeError(w, "ResourceNotFoundException", "Task does not exist.")
}

// sourcesOf is the ARNs of the queues whose redrive policy names dlq as their dead-letter queue.
func (em emulator) sourcesOf(dlq string) []string {
	urls, _ := em.sourceURLs(dlq)
	var arns []string
	for _, url := range urls {
		if arn := em.attribute(url, "QueueArn"); arn != "" {
			arns = append(arns, arn)
		}
	}
	return arns
}

type movedMessage struct {
	Body, ReceiptHandle string
	Attributes          map[string]string
	MessageAttributes   map[string]json.RawMessage
}

// receive takes up to n messages of url out of sight for 30 s, with their attributes.
func (em emulator) receive(url string, n int64) ([]movedMessage, bool) {
	var out struct{ Messages []movedMessage }
	ok := em.ask("ReceiveMessage", map[string]any{"QueueUrl": url, "MaxNumberOfMessages": n, "VisibilityTimeout": 30,
		"WaitTimeSeconds": 0, "MessageSystemAttributeNames": []string{"All"}, "MessageAttributeNames": []string{"All"}}, &out)
	return out.Messages, ok
}

func (em emulator) send(url string, msg movedMessage) bool {
	in := map[string]any{"QueueUrl": url, "MessageBody": msg.Body}
	if len(msg.MessageAttributes) > 0 {
		in["MessageAttributes"] = msg.MessageAttributes
	}
	return em.ask("SendMessage", in, nil)
}

func (em emulator) delete(url, receipt string) bool {
	return em.ask("DeleteMessage", map[string]any{"QueueUrl": url, "ReceiptHandle": receipt}, nil)
}

// visibleNow hands a received message back to its queue at once.
func (em emulator) visibleNow(url, receipt string) {
	em.ask("ChangeMessageVisibility", map[string]any{"QueueUrl": url, "ReceiptHandle": receipt, "VisibilityTimeout": 0}, nil)
}
