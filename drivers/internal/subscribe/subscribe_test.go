package subscribe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
	"github.com/chaoslab/serverless-chaos-lab/internal/testsvc"
)

// fauxqs is started by the first test that needs it (benchmarks and the
// parsing tests do not) and stopped by its pid when the binary ends.
var (
	fauxqs     *testsvc.Service
	fauxqsErr  error
	fauxqsOnce sync.Once
)

func TestMain(m *testing.M) {
	code := m.Run()
	fauxqs.Close()
	os.Exit(code)
}

type clients struct {
	sqs *sqs.Client
	sns *sns.Client
	s3  *s3.Client
}

func newClients(t *testing.T) clients {
	t.Helper()
	testenv.SkipIfShort(t, "starts fauxqs")
	fauxqsOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testsvc.StartTimeout)
		defer cancel()
		fauxqs, fauxqsErr = testsvc.StartFauxqs(ctx)
	})
	if fauxqsErr != nil {
		if errors.Is(fauxqsErr, testsvc.ErrUnavailable) {
			testenv.Require(t, "fauxqs (Node 22 and npm packages: make deps)", fauxqsErr)
		}
		t.Fatal(fauxqsErr)
	}
	cfg := testsvc.Config()
	ep := aws.String(fauxqs.Endpoint)
	return clients{
		sqs: sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = ep }),
		sns: sns.NewFromConfig(cfg, func(o *sns.Options) { o.BaseEndpoint = ep }),
		s3:  s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = ep; o.UsePathStyle = true }),
	}
}

// must fails the test on a setup error: must(t)(call(...)).
func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func eventJSON(bucket, key string) string {
	return fmt.Sprintf(`{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":%q},"object":{"key":%q,"size":1}}}]}`, bucket, key)
}

const goodCSV = "objectName,submissionDate,author,formatVersion\nr1-data_object_msg-%d.json,23-Nov-2026 13:45:12,the_publisher.py,1.1\n"

// TestRunAgainstFauxqs drives the whole path a deployed stack has: S3 events
// published to an SNS topic, delivered (enveloped, not raw) to the CSV queue,
// CSVs in S3, and an error queue holding a quarantined document (with
// ErrorReason) and a redriven one (without).
func TestRunAgainstFauxqs(t *testing.T) {
	c := newClients(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	name := fmt.Sprintf("%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), time.Now().UnixNano()%1e9) // unique per run: -count=N works
	bucket := "bkt-" + strings.ToLower(name)
	must[*s3.CreateBucketOutput](t)(c.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}))
	csvQ := must[*sqs.CreateQueueOutput](t)(c.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-csv")})).QueueUrl
	errQ := must[*sqs.CreateQueueOutput](t)(c.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-err")})).QueueUrl
	qArn := must[*sqs.GetQueueAttributesOutput](t)(c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: csvQ,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})).Attributes["QueueArn"]
	topic := must[*sns.CreateTopicOutput](t)(c.sns.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name + "-topic")})).TopicArn
	must[*sns.SubscribeOutput](t)(c.sns.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic, Protocol: aws.String("sqs"), Endpoint: aws.String(qArn)}))

	notify := func(key string) {
		must[*sns.PublishOutput](t)(c.sns.Publish(ctx, &sns.PublishInput{TopicArn: topic, Subject: aws.String("Amazon S3 Notification"), Message: aws.String(eventJSON(bucket, key))}))
	}
	put := func(key, body string) {
		must[*s3.PutObjectOutput](t)(c.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}))
	}
	for n := 1; n <= 5; n++ {
		key := fmt.Sprintf("output/r1-data_object_msg-%d.json.csv", n)
		put(key, fmt.Sprintf(goodCSV, n))
		notify(key)
	}
	notify("output/r1-data_object_msg-2.json.csv") // a duplicate delivery
	put("output/r1-data_object_msg-6.json.csv", "objectName,date\nx,y\n")
	notify("output/r1-data_object_msg-6.json.csv")    // wrong header
	notify("output/r1-data_object_msg-7.json.csv")    // CSV missing in S3
	notify("output/other-data_object_msg-1.json.csv") // another run
	must[*sqs.SendMessageOutput](t)(c.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: csvQ, MessageBody: aws.String("not json")}))

	must[*sqs.SendMessageOutput](t)(c.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: errQ,
		MessageBody: aws.String(eventJSON(bucket, "input/r1-data_object_msg-8.json")),
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{
			"ErrorReason": {DataType: aws.String("String"), StringValue: aws.String("malformed_json")},
			"ErrorDetail": {DataType: aws.String("String"), StringValue: aws.String("poison document (malformed_json)")},
			"SourceKey":   {DataType: aws.String("String"), StringValue: aws.String("input/r1-data_object_msg-8.json")},
		}}))
	must[*sqs.SendMessageOutput](t)(c.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: errQ, MessageBody: aws.String(eventJSON(bucket, "input/r1-data_object_msg-9.json"))}))

	var progress []Stats
	sum, err := Run(ctx, c.sqs, c.s3, Config{QueueURL: *csvQ, ErrorQueueURL: *errQ, Verify: true, RunID: "r1",
		Idle: 1500 * time.Millisecond, Wait: time.Second, ProgressEvery: 200 * time.Millisecond, Progress: func(s Stats) { progress = append(progress, s) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("summary: %+v", sum)
	if sum.StoppedBy != "idle" || sum.Converted != 7 || sum.Duplicates != 1 || sum.Other != 1 || sum.Unparsed != 1 {
		t.Errorf("stopped_by=%s converted=%d duplicates=%d other=%d unparsed=%d; want idle 7 1 1 1",
			sum.StoppedBy, sum.Converted, sum.Duplicates, sum.Other, sum.Unparsed)
	}
	if len(sum.Keys) != 7 || sum.Keys[0] != "output/r1-data_object_msg-1.json.csv" {
		t.Errorf("keys %v", sum.Keys)
	}
	if len(sum.VerifyFailures) != 2 {
		t.Fatalf("verify failures %+v, want msg-6 (header) and msg-7 (missing)", sum.VerifyFailures)
	}
	for _, f := range sum.VerifyFailures {
		switch f.Key {
		case "output/r1-data_object_msg-6.json.csv":
			if !strings.Contains(f.Reason, "header") {
				t.Errorf("msg-6 reason %q", f.Reason)
			}
		case "output/r1-data_object_msg-7.json.csv":
			if !strings.Contains(f.Reason, "get s3://") {
				t.Errorf("msg-7 reason %q", f.Reason)
			}
		default:
			t.Errorf("unexpected failure %+v", f)
		}
	}
	want := []ErrorDocument{{Key: "input/r1-data_object_msg-8.json", Reason: "malformed_json", Detail: "poison document (malformed_json)"},
		{Key: "input/r1-data_object_msg-9.json", Reason: "redrive"}}
	if sum.InErrorQueue != 2 || len(sum.ErrorDocuments) != 2 {
		t.Fatalf("error documents %+v", sum.ErrorDocuments)
	}
	for i, w := range want {
		g := sum.ErrorDocuments[i]
		if g.Key != w.Key || g.Reason != w.Reason || g.Detail != w.Detail || g.MessageID == "" {
			t.Errorf("error document %d = %+v, want %+v", i, g, w)
		}
	}
	// The pace now (Recent) is the conversions since the last report: some while the queue held
	// the documents, none in the idle reports at the end, where the average (Rate) stays above 0.
	if len(progress) == 0 {
		t.Fatal("no progress reported")
	}
	if end := progress[len(progress)-1]; end.Converted != 7 || end.Recent != 0 || end.Rate <= 0 {
		t.Errorf("the last report during the idle end: %+v, want 7 converted, Recent 0 and Rate above 0", end)
	}
	if !slices.ContainsFunc(progress, func(s Stats) bool { return s.Recent > 0 }) {
		t.Errorf("no report with a pace above 0: %+v", progress)
	}
	// The CSV queue is drained; the error queue was only peeked.
	left := must[*sqs.GetQueueAttributesOutput](t)(c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: csvQ,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}}))
	if left.Attributes["ApproximateNumberOfMessages"] != "0" || left.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("CSV queue not drained: %v", left.Attributes)
	}
	errLeft := must[*sqs.GetQueueAttributesOutput](t)(c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: errQ,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}}))
	if errLeft.Attributes["ApproximateNumberOfMessagesNotVisible"] != "2" {
		t.Errorf("error queue: %v, want 2 peeked (in flight, not deleted)", errLeft.Attributes)
	}
}

// threeNotifications creates the queue name holding the CSV notifications of three documents,
// output/<prefix>-1..3.json.csv, and returns its URL.
func threeNotifications(ctx context.Context, t *testing.T, c clients, name, prefix string) *string {
	t.Helper()
	q := must[*sqs.CreateQueueOutput](t)(c.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})).QueueUrl
	for n := 1; n <= 3; n++ {
		must[*sqs.SendMessageOutput](t)(c.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q, MessageBody: aws.String(eventJSON("b", fmt.Sprintf("output/%s-%d.json.csv", prefix, n)))}))
	}
	return q
}

func TestRunStopsAtExpect(t *testing.T) {
	c := newClients(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q := threeNotifications(ctx, t, c, "expect-csv", "d")
	// Without -expect this would run for the full minute.
	sum, err := Run(ctx, c.sqs, nil, Config{QueueURL: *q, Expect: 3, Duration: time.Minute, Wait: time.Second, Pollers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sum.StoppedBy != "expect" || sum.Converted != 3 {
		t.Fatalf("stopped_by=%s converted=%d", sum.StoppedBy, sum.Converted)
	}
}

// failingReceives is the real queue client, its first n receives failing before they reach the
// queue (as a connection reset would).
type failingReceives struct {
	Queue
	n int
}

func (f *failingReceives) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	if f.n > 0 {
		f.n--
		return nil, errors.New("read: connection reset by peer")
	}
	return f.Queue.ReceiveMessage(ctx, in, optFns...)
}

// A receive that fails is counted in the summary, and the subscriber carries on receiving.
func TestRunCountsFailedReceives(t *testing.T) {
	c := newClients(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q := threeNotifications(ctx, t, c, "failing-csv", "f")
	sum, err := Run(ctx, &failingReceives{Queue: c.sqs, n: 2}, nil, Config{QueueURL: *q, Expect: 3, Duration: 20 * time.Second, Wait: time.Second, Pollers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sum.ReceiveErrors != 2 || sum.Converted != 3 || sum.StoppedBy != "expect" {
		t.Fatalf("receive_errors=%d converted=%d stopped_by=%s; want 2, 3, expect", sum.ReceiveErrors, sum.Converted, sum.StoppedBy)
	}
}

// -idle ends a run once nothing new arrives: the error queue's one message, peeked and back every
// PeekVisibility, is not news after its first receive (it kept an idle subscriber running forever).
func TestIdleWithAPeekedErrorMessage(t *testing.T) {
	c := newClients(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	name := fmt.Sprintf("idle-%d", time.Now().UnixNano()%1e9)
	csvQ := must[*sqs.CreateQueueOutput](t)(c.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-csv")})).QueueUrl
	errQ := must[*sqs.CreateQueueOutput](t)(c.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-err")})).QueueUrl
	must[*sqs.SendMessageOutput](t)(c.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: errQ, MessageBody: aws.String(eventJSON("b", "input/r1-data_object_msg-8.json"))}))
	// The same document converted too (a later delivery failed and was redriven): one document.
	must[*sqs.SendMessageOutput](t)(c.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: csvQ, MessageBody: aws.String(eventJSON("b", "output/r1-data_object_msg-8.json.csv"))}))
	var last Stats
	sum, err := Run(ctx, c.sqs, nil, Config{QueueURL: *csvQ, ErrorQueueURL: *errQ, RunID: "r1",
		Idle: 2 * time.Second, Duration: 12 * time.Second, PeekVisibility: time.Second, Wait: time.Second,
		ProgressEvery: 100 * time.Millisecond, Progress: func(s Stats) { last = s }})
	if err != nil {
		t.Fatal(err)
	}
	if sum.StoppedBy != "idle" || sum.InErrorQueue != 1 || sum.Converted != 1 {
		t.Errorf("stopped by %q after %.1f s with %d converted, %d in the error queue; want idle, 1, 1 (the peeked message seen again is not activity)",
			sum.StoppedBy, sum.Seconds, sum.Converted, sum.InErrorQueue)
	}
	if last.Accounted != 1 {
		t.Errorf("Stats.Accounted %d, want 1: a document converted and in the error queue is one document", last.Accounted)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{name: "no queue", cfg: Config{}, want: "QueueURL: required"},
		{name: "verify without s3", cfg: Config{QueueURL: "q", Verify: true}, want: "Verify needs an S3 client"},
		{name: "wait over 20s", cfg: Config{QueueURL: "q", Wait: 21 * time.Second}, want: "20s long-poll"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(context.Background(), nil, nil, tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
		})
	}
}

// A queue's depth counts every message it still holds: visible, received and not yet deleted, delayed.
func TestQueueDepth(t *testing.T) {
	c := newClients(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q := must[*sqs.CreateQueueOutput](t)(c.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName: aws.String(fmt.Sprintf("depth-%d", time.Now().UnixNano()%1e9))})).QueueUrl
	for _, delay := range []int32{0, 0, 60} {
		must[*sqs.SendMessageOutput](t)(c.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q, MessageBody: aws.String("m"), DelaySeconds: delay}))
	}
	got := must[*sqs.ReceiveMessageOutput](t)(c.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q, MaxNumberOfMessages: 1, VisibilityTimeout: 60}))
	if len(got.Messages) != 1 {
		t.Fatalf("received %d messages, want 1", len(got.Messages))
	}
	if n, err := QueueDepth(ctx, c.sqs, *q); err != nil || n != 3 {
		t.Errorf("QueueDepth = %d, %v; want 3 (visible, in flight, delayed)", n, err)
	}
	must[*sqs.DeleteMessageOutput](t)(c.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q, ReceiptHandle: got.Messages[0].ReceiptHandle}))
	if n, err := QueueDepth(ctx, c.sqs, *q); err != nil || n != 2 {
		t.Errorf("after the delete, QueueDepth = %d, %v; want 2", n, err)
	}
	if _, err := QueueDepth(ctx, c.sqs, *q+"-missing"); err == nil {
		t.Error("QueueDepth of a queue that does not exist: no error")
	}
}

// A key names its document the same whether it is the input, the CSV, or bare (tally reconciles by it).
func TestDocumentName(t *testing.T) {
	tests := []struct{ name, key, want string }{
		{name: "input", key: "input/r-data_object_msg-1.json", want: "r-data_object_msg-1.json"},
		{name: "output", key: "output/r-data_object_msg-1.json.csv", want: "r-data_object_msg-1.json"},
		{name: "bare", key: "r-data_object_msg-1.json", want: "r-data_object_msg-1.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DocumentName(tt.key); got != tt.want {
				t.Fatalf("DocumentName(%q) = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}

// scriptedQueue answers each receive as answer says for the receive's number (from 1): an error, or
// no message after 10 ms (a long poll that found nothing, made short).
type scriptedQueue struct {
	mu     sync.Mutex
	n      int
	answer func(n int) error
}

func (q *scriptedQueue) ReceiveMessage(ctx context.Context, _ *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	q.mu.Lock()
	q.n++
	err := q.answer(q.n)
	q.mu.Unlock()
	if err != nil {
		return nil, err
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(10 * time.Millisecond):
	}
	return &sqs.ReceiveMessageOutput{}, nil
}

func (q *scriptedQueue) DeleteMessageBatch(context.Context, *sqs.DeleteMessageBatchInput, ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	return &sqs.DeleteMessageBatchOutput{}, nil
}

func (q *scriptedQueue) ChangeMessageVisibilityBatch(context.Context, *sqs.ChangeMessageVisibilityBatchInput, ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	return &sqs.ChangeMessageVisibilityBatchOutput{}, nil
}

var _ Queue = (*scriptedQueue)(nil)

var errGone = errors.New("dial tcp 127.0.0.1:1: connect: connection refused")

// Receives that keep failing, none answering, end the run at GiveUp (the subscriber of a cloud that
// had gone ran until Ctrl-C); one that answers, even with nothing, starts the count again, so a
// subscriber on a queue that fails now and then runs to its end.
func TestRunGivesUpOnlyWhenNoReceiveAnswers(t *testing.T) {
	tests := []struct {
		name   string
		answer func(n int) error
		want   string
	}{
		{name: "every receive fails", answer: func(int) error { return errGone }, want: "give-up"},
		{name: "every other receive fails", answer: func(n int) error {
			if n%2 == 0 {
				return errGone
			}
			return nil
		}, want: "duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A give-up of 1 s: with 300 ms a stall of the test binary (it runs at nice 19 beside the
			// lab) between a failed receive and the next answered one could give up the run that
			// should go to its end.
			sum, err := Run(context.Background(), &scriptedQueue{answer: tt.answer}, nil, Config{QueueURL: "q", ErrorQueueURL: "e",
				GiveUp: time.Second, Duration: 3 * time.Second, Wait: time.Second, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			if sum.StoppedBy != tt.want || sum.ReceiveErrors == 0 || !errors.Is(sum.LastErr, errGone) {
				t.Fatalf("stopped_by=%s after %.1fs, receive_errors=%d, last_err=%v; want %s", sum.StoppedBy, sum.Seconds, sum.ReceiveErrors, sum.LastErr, tt.want)
			}
		})
	}
}

// hangingQueue takes every receive and never answers it (a cloud that accepts the connection and
// hangs): only the receive's context ends it.
type hangingQueue struct{ scriptedQueue }

func (q *hangingQueue) ReceiveMessage(ctx context.Context, _ *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// A receive that is never answered fails after its Wait and ReceiveTimeout, and GiveUp counts it:
// without the bound a hung cloud held every poller, and the subscriber, for good.
func TestRunGivesUpOnAReceiveNeverAnswered(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // one that never gives up fails here
	defer cancel()
	sum, err := Run(ctx, &hangingQueue{}, nil, Config{QueueURL: "q", ErrorQueueURL: "e", Wait: time.Second,
		ReceiveTimeout: 50 * time.Millisecond, GiveUp: 300 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}

	if sum.StoppedBy != "give-up" || sum.ReceiveErrors == 0 || !errors.Is(sum.LastErr, context.DeadlineExceeded) {
		t.Fatalf("stopped_by=%s after %.1fs, receive_errors=%d, last_err=%v; want give-up on receives timed out", sum.StoppedBy, sum.Seconds, sum.ReceiveErrors, sum.LastErr)
	}
}

// inFlightQueue holds its first receive until release is closed, then answers two messages; it
// records the handles made visible again and deleted.
type inFlightQueue struct {
	scriptedQueue
	started, release chan struct{}
	once             sync.Once
	released         []string
	deleted          int
}

func (q *inFlightQueue) ReceiveMessage(ctx context.Context, _ *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	first := false
	q.once.Do(func() { first = true; close(q.started) })
	if !first {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-q.release:
	}
	return &sqs.ReceiveMessageOutput{Messages: []sqstypes.Message{
		{MessageId: aws.String("1"), ReceiptHandle: aws.String("h1"), Body: aws.String(eventJSON("b", "output/r-1.json.csv"))},
		{MessageId: aws.String("2"), ReceiptHandle: aws.String("h2"), Body: aws.String(eventJSON("b", "output/r-2.json.csv"))}}}, nil
}

func (q *inFlightQueue) DeleteMessageBatch(_ context.Context, in *sqs.DeleteMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.deleted += len(in.Entries)
	return &sqs.DeleteMessageBatchOutput{}, nil
}

func (q *inFlightQueue) ChangeMessageVisibilityBatch(_ context.Context, in *sqs.ChangeMessageVisibilityBatchInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, e := range in.Entries {
		if e.VisibilityTimeout != 0 {
			return nil, fmt.Errorf("visibility %d, want 0", e.VisibilityTimeout)
		}
		q.released = append(q.released, aws.ToString(e.ReceiptHandle))
	}
	return &sqs.ChangeMessageVisibilityBatchOutput{}, nil
}

// A receive in flight at Ctrl-C is let come back, and what it brings is made visible again at once,
// neither counted nor deleted: cut, those messages stayed invisible for the queue's visibility
// timeout (3 minutes on the CSV queue), and a subscriber started again within it came up short.
func TestInterruptReleasesWhatAReceiveInFlightBrings(t *testing.T) {
	q := &inFlightQueue{started: make(chan struct{}), release: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-q.started
		cancel() // Ctrl-C while the receive is in flight
		time.Sleep(100 * time.Millisecond)
		close(q.release) // its answer comes back within the grace
	}()
	sum, err := Run(ctx, q, nil, Config{QueueURL: "http://127.0.0.1:1/q", Pollers: 1, Wait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if sum.StoppedBy != "interrupt" || sum.Converted != 0 || q.deleted != 0 {
		t.Errorf("stopped by %q, %d converted, %d deleted; want interrupt, none counted or deleted", sum.StoppedBy, sum.Converted, q.deleted)
	}
	if len(q.released) != 2 || q.released[0] != "h1" || q.released[1] != "h2" {
		t.Errorf("released %v, want h1 and h2 made visible again", q.released)
	}

	// A long poll that ends late in its Wait (a message handed it just before its end) is waited
	// for too: a grace of 2 s cut a 5 s poll, and SQS handed what came to a poll nobody read.
	q = &inFlightQueue{started: make(chan struct{}), release: make(chan struct{})}
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		<-q.started
		cancel()
		time.Sleep(2500 * time.Millisecond)
		close(q.release) // past 2 s, inside the 3 s poll
	}()
	sum, err = Run(ctx, q, nil, Config{QueueURL: "http://127.0.0.1:1/q", Pollers: 1, Wait: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.released) != 2 {
		t.Errorf("a poll answered 2.5 s into its 3 s: released %v, want h1 and h2 made visible again", q.released)
	}
}
