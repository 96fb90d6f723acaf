package esm

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/chaoslab/serverless-chaos-lab/internal/poll"
	"github.com/chaoslab/serverless-chaos-lab/local/emulators"
	"github.com/chaoslab/serverless-chaos-lab/local/lambda"
)

var (
	codeDir string
	client  *sqs.Client
)

// TestMain builds the test function and starts one real fauxqs for the whole binary.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "esm-test-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	if out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "bootstrap"), "./testdata/fn").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build test function: %v\n%s", err, out)
		return 1
	}
	codeDir = dir
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	fq, err := emulators.StartFauxqs(ctx, emulators.Options{RunDir: filepath.Join(dir, "run")})
	if err != nil {
		fmt.Fprintf(os.Stderr, "start fauxqs: %v\n", err)
		return 1
	}
	defer fq.Stop()
	client = sqs.New(sqs.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", ""),
		BaseEndpoint: aws.String(fq.Endpoint().String()),
		HTTPClient:   fq.HTTPClient(), // fauxqs wants this start's secret on every request
	})
	return m.Run()
}

type queue struct{ url, arn string }

func createQueue(t *testing.T, name string, attrs map[string]string) queue {
	t.Helper()
	ctx := context.Background()
	out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("create queue %s: %v", name, err)
	}
	a, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []types.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	return queue{url: *out.QueueUrl, arn: a.Attributes["QueueArn"]}
}

// setup makes a work queue (visibility in seconds, redrive to a DLQ after 2 receives), a function, a lambda
// service and the mapping; it returns the queues and the function's record directory.
func setup(t *testing.T, name string, visibility int, m Mapping) (work, dlq queue, records string) {
	t.Helper()
	work, dlq, records, _ = setupMapping(t, name, visibility, m)
	return work, dlq, records
}

// setupMapping is setup, and it returns the mapping's pollers too.
func setupMapping(t *testing.T, name string, visibility int, m Mapping) (work, dlq queue, records string, p *poller) {
	t.Helper()
	dlq = createQueue(t, name+"-dlq", nil)
	work = createQueue(t, name, map[string]string{
		"VisibilityTimeout": strconv.Itoa(visibility),
		"RedrivePolicy":     fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"2"}`, dlq.arn),
	})
	records = t.TempDir()
	svc, err := lambda.New(lambda.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	// The function's timeout follows AWS's advice: a sixth of the queue's visibility timeout (at least
	// 1 s). The handler returns at once, but at nice 19 beside the lab, parsing a 5 MB event ran past
	// a 1 s timeout once, and its messages then stayed in flight for the 60 s visibility timeout.
	timeout := max(time.Duration(visibility)*time.Second/6, time.Second)
	if _, err := svc.CreateFunction(lambda.Function{Name: name, CodeDir: codeDir, Timeout: timeout,
		Environment: map[string]string{"RECORD_DIR": records}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	esm, err := New(ctx, Options{SQS: client, Lambda: svc, WaitTime: 2 * time.Second, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { esm.Close() })
	m.QueueURL, m.QueueARN, m.FunctionName = work.url, work.arn, name
	id, err := esm.Create(m)
	if err != nil {
		t.Fatal(err)
	}
	esm.mu.Lock()
	p = esm.mappings[id]
	esm.mu.Unlock()
	return work, dlq, records, p
}

func send(t *testing.T, q queue, bodies ...string) {
	t.Helper()
	var entries []types.SendMessageBatchRequestEntry
	for i, b := range bodies {
		entries = append(entries, types.SendMessageBatchRequestEntry{
			Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(b),
			MessageAttributes: map[string]types.MessageAttributeValue{"Kind": {DataType: aws.String("String"), StringValue: aws.String("test")}},
		})
	}
	out, err := client.SendMessageBatch(context.Background(), &sqs.SendMessageBatchInput{QueueUrl: aws.String(q.url), Entries: entries})
	if err != nil || len(out.Failed) > 0 {
		t.Fatalf("send: %v %v", err, out)
	}
}

// seen returns every record the function received, as "body#receiveCount", sorted, and the events.
func seen(t *testing.T, dir string) ([]string, []events.SQSEvent) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	var out []string
	var evs []events.SQSEvent
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ev events.SQSEvent
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		evs = append(evs, ev)
		for _, r := range ev.Records {
			out = append(out, r.Body+"#"+r.Attributes["ApproximateReceiveCount"])
		}
	}
	sort.Strings(out)
	return out, evs
}

// drain receives every message of q (deleting them) and returns their bodies, sorted.
func drain(t *testing.T, q queue) []string {
	t.Helper()
	var bodies []string
	for {
		out, err := client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(q.url), MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			sort.Strings(bodies)
			return bodies
		}
		for _, m := range out.Messages {
			bodies = append(bodies, *m.Body)
			client.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(q.url), ReceiptHandle: m.ReceiptHandle})
		}
	}
}

func depth(t *testing.T, q queue) int {
	t.Helper()
	out, err := client.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(q.url),
		AttributeNames: []types.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessages"])
	b, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessagesNotVisible"])
	return a + b
}

// waitFor polls cond for up to d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	if !poll.Until(d, 50*time.Millisecond, cond) {
		t.Fatalf("timed out after %v waiting for %s", d, what)
	}
}

func TestEventShapeAndDeleteOnSuccess(t *testing.T) {
	t.Parallel()
	work, _, records := setup(t, "shape", 30, Mapping{BatchSize: 10, BatchingWindow: time.Second})
	send(t, work, "a", "b", "c")
	waitFor(t, 10*time.Second, "three records", func() bool { s, _ := seen(t, records); return len(s) == 3 })
	// The last part's messages are deleted after its invocation returns: bounded generously, since
	// make test runs this at nice 19 beside the lab (5 s ran out there once, 18 MB of bodies in flight).
	waitFor(t, 30*time.Second, "the queue to be empty", func() bool { return depth(t, work) == 0 })
	got, evs := seen(t, records)
	if want := []string{"a#1", "b#1", "c#1"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("records = %v, want %v (each once, first receive)", got, want)
	}
	if len(evs) != 1 {
		t.Errorf("%d invocations, want 1 batch within the 1 s batching window", len(evs))
	}
	r := evs[0].Records[0]
	checks := []struct {
		name, got, want string
	}{
		{name: "eventSource", got: r.EventSource, want: "aws:sqs"},
		{name: "eventSourceARN", got: r.EventSourceARN, want: work.arn},
		{name: "awsRegion", got: r.AWSRegion, want: "us-east-1"},
		{name: "md5OfBody", got: r.Md5OfBody, want: map[string]string{"a": "0cc175b9c0f1b6a831c399e269772661", "b": "92eb5ffee6ae2fec3ad71c777531578f", "c": "4a8a08f09d37b73795649038408b5f33"}[r.Body]},
		{name: "messageAttributes", got: aws.ToString(r.MessageAttributes["Kind"].StringValue) + "/" + r.MessageAttributes["Kind"].DataType, want: "test/String"},
		{name: "has messageId", got: strconv.FormatBool(r.MessageId != ""), want: "true"},
		{name: "has receiptHandle", got: strconv.FormatBool(r.ReceiptHandle != ""), want: "true"},
		{name: "has SentTimestamp", got: strconv.FormatBool(r.Attributes["SentTimestamp"] != ""), want: "true"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
}

// Lambda fills a batch up to its 6 MB synchronous payload limit: twenty messages of 900 kB, gathered
// by the mapping's two idle pollers into batches of ten (a window long enough for all of them: 9 MB
// as one event), are cut into invocations that fit, each message handled once; as one they would be
// refused every time until the queue's redrive took them.
func TestBatchesFitTheInvocationPayload(t *testing.T) {
	t.Parallel()
	work, dlq, records := setup(t, "big", 60, Mapping{BatchSize: 10, BatchingWindow: 8 * time.Second})
	const n, size = 20, 900_000
	var want []string
	for i := range n {
		body := fmt.Sprintf("m%02d-", i)
		body += strings.Repeat("x", size-len(body))
		if _, err := client.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(work.url), MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
		want = append(want, fmt.Sprintf("m%02d", i))
	}
	// Bounded generously too: at nice 19 beside the lab, 30 s ran out once with four test binaries.
	waitFor(t, 90*time.Second, "twenty records", func() bool { s, _ := seen(t, records); return len(s) >= n })
	// The last part's messages are deleted after its invocation returns: bounded generously, since
	// make test runs this at nice 19 beside the lab (5 s ran out there once, 18 MB of bodies in flight).
	waitFor(t, 30*time.Second, "the queue to be empty", func() bool { return depth(t, work) == 0 })
	_, evs := seen(t, records)
	var got []string
	for _, ev := range evs {
		b, _ := json.Marshal(ev)
		if len(b) > lambda.MaxPayload {
			t.Errorf("an invocation's event of %d bytes, over Lambda's %d", len(b), lambda.MaxPayload)
		}
		for _, r := range ev.Records {
			id, _, _ := strings.Cut(r.Body, "-")
			got = append(got, id)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) || len(evs) < 4 {
		t.Errorf("%d invocations of %v, want at least 4 (two batches of ten, each cut in two), every message once: %v", len(evs), got, want)
	}
	if d := depth(t, dlq); d != 0 {
		t.Errorf("%d messages in the dead-letter queue, want 0", d)
	}
}

// Lambda polls an idle queue with two pollers and, once messages are available, processes five
// batches at a time (within MaximumConcurrency).
func TestPollersScaleWhenMessagesArrive(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		max     int
		wantNow int
	}{{"default", 0, 5}, {"MaximumConcurrency 3", 3, 3}} {
		t.Run(tc.name, func(t *testing.T) {
			work, _, records, p := setupMapping(t, "scale-"+strconv.Itoa(tc.max), 30, Mapping{BatchSize: 10, MaximumConcurrency: tc.max})
			if n, _ := p.pollers(); n != 2 {
				t.Errorf("%d pollers on an idle queue, want 2", n)
			}
			send(t, work, "a")
			waitFor(t, 10*time.Second, "the record", func() bool { s, _ := seen(t, records); return len(s) == 1 })
			// The extra pollers retire after an empty receive (this test's 2 s WaitTime, straight
			// to the emulator), so the most at once is what tells.
			if _, peak := p.pollers(); peak != tc.wantNow {
				t.Errorf("at most %d pollers once a message came, want %d", peak, tc.wantNow)
			}
		})
	}
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name    string
		report  bool
		bodies  []string
		wantDLQ []string // bodies the queue's redrive moved to the DLQ after 2 receives
		wantRun []string // what the function saw: body#ApproximateReceiveCount
	}{
		{
			name: "partial batch failure deletes all but the reported", report: true,
			bodies: []string{"ok1", "fail1", "ok2"}, wantDLQ: []string{"fail1"},
			wantRun: []string{"fail1#1", "fail1#2", "ok1#1", "ok2#1"},
		},
		{
			name: "unknown item identifier fails the whole batch", report: true,
			bodies: []string{"ok1", "badid"}, wantDLQ: []string{"badid", "ok1"},
			wantRun: []string{"badid#1", "badid#2", "ok1#1", "ok1#2"},
		},
		{
			name: "function error deletes nothing", report: true,
			bodies: []string{"ok1", "error"}, wantDLQ: []string{"error", "ok1"},
			wantRun: []string{"error#1", "error#2", "ok1#1", "ok1#2"},
		},
		{
			name: "without ReportBatchItemFailures the response is ignored", report: false,
			bodies: []string{"ok1", "fail1"}, wantDLQ: nil,
			wantRun: []string{"fail1#1", "ok1#1"},
		},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Visibility 6 s: AWS's advice of six times the function's timeout (1 s). At 2 s a loaded
			// machine's batching window plus a cold start outlasted it and the batch came back a second time.
			work, dlq, records := setup(t, "fail"+strconv.Itoa(i), 6, Mapping{BatchSize: 10, BatchingWindow: time.Second, ReportBatchItemFailures: tc.report})
			send(t, work, tc.bodies...)
			waitFor(t, 30*time.Second, "every record to be seen", func() bool { s, _ := seen(t, records); return len(s) >= len(tc.wantRun) })
			waitFor(t, 20*time.Second, "the work queue to be empty", func() bool { return depth(t, work) == 0 })
			if got := drain(t, dlq); strings.Join(got, ",") != strings.Join(tc.wantDLQ, ",") {
				t.Errorf("DLQ = %v, want %v", got, tc.wantDLQ)
			}
			got, _ := seen(t, records)
			if strings.Join(got, ",") != strings.Join(tc.wantRun, ",") {
				t.Errorf("function saw %v, want %v", got, tc.wantRun)
			}
		})
	}
}

func TestBatchItemFailures(t *testing.T) {
	batch := []types.Message{{MessageId: aws.String("m1")}, {MessageId: aws.String("m2")}}
	tests := []struct {
		name       string
		response   string
		wantOK     bool
		wantFailed []string
	}{
		{name: "empty response", response: ``, wantOK: true},
		{name: "null", response: `null`, wantOK: true},
		{name: "no key", response: `{}`, wantOK: true},
		{name: "null list", response: `{"batchItemFailures":null}`, wantOK: true},
		{name: "empty list", response: `{"batchItemFailures":[]}`, wantOK: true},
		{name: "one failed", response: `{"batchItemFailures":[{"itemIdentifier":"m2"}]}`, wantOK: true, wantFailed: []string{"m2"}},
		{name: "unknown id", response: `{"batchItemFailures":[{"itemIdentifier":"m3"}]}`},
		{name: "empty id", response: `{"batchItemFailures":[{"itemIdentifier":""}]}`},
		{name: "null id", response: `{"batchItemFailures":[{"itemIdentifier":null}]}`},
		{name: "wrong key", response: `{"batchItemFailures":[{"id":"m1"}]}`},
		{name: "invalid json", response: `{"batchItemFailures":`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			failed, ok := batchItemFailures([]byte(tc.response), batch)
			if ok != tc.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tc.wantOK)
			}
			var got []string
			for id := range failed {
				got = append(got, id)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tc.wantFailed, ",") {
				t.Errorf("failed = %v, want %v", got, tc.wantFailed)
			}
		})
	}
}

func TestCreateValidates(t *testing.T) {
	svc, err := lambda.New(lambda.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if _, err := svc.CreateFunction(lambda.Function{Name: "slowfn", CodeDir: codeDir, Timeout: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	esm, err := New(context.Background(), Options{SQS: client, Lambda: svc})
	if err != nil {
		t.Fatal(err)
	}
	defer esm.Close()
	q := createQueue(t, "validate", map[string]string{"VisibilityTimeout": "5"})
	fq := createQueue(t, "validate.fifo", map[string]string{"FifoQueue": "true", "VisibilityTimeout": "60"})
	tests := []struct {
		name string
		m    Mapping
		want string
	}{
		{name: "big batch without window", m: Mapping{QueueURL: q.url, QueueARN: q.arn, FunctionName: "slowfn", BatchSize: 50}, want: "MaximumBatchingWindowInSeconds"},
		{name: "visibility below function timeout", m: Mapping{QueueURL: q.url, QueueARN: q.arn, FunctionName: "slowfn"}, want: "Queue visibility timeout: 5 seconds is less than Function timeout: 10 seconds"},
		// Lambda's limits for a FIFO queue: batches of at most 10, no batching window.
		{name: "a FIFO queue's batch", m: Mapping{QueueURL: fq.url, QueueARN: fq.arn, FunctionName: "slowfn", BatchSize: 20, BatchingWindow: time.Second}, want: "BatchSize 20: at most 10 for a FIFO queue"},
		{name: "a FIFO queue's window", m: Mapping{QueueURL: fq.url, QueueARN: fq.arn, FunctionName: "slowfn", BatchingWindow: time.Second}, want: "a FIFO queue's mapping has no batching window"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := esm.Create(tc.m)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.m.QueueARN) {
				t.Errorf("err = %v, want %q naming the mapping", err, tc.want)
			}
		})
	}
}

// recordingInvoker fails, as a batch item failure, every record whose body starts with "fail", and
// records each invocation's message ids.
type recordingInvoker struct{ calls [][]string }

func (r *recordingInvoker) Invoke(_ context.Context, _ string, payload []byte) ([]byte, *lambda.FunctionError, error) {
	var ev events.SQSEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, nil, err
	}
	var ids []string
	var resp events.SQSEventResponse
	for _, r := range ev.Records {
		ids = append(ids, r.MessageId)
		if strings.HasPrefix(r.Body, "fail") {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		}
	}
	r.calls = append(r.calls, ids)
	out, _ := json.Marshal(resp)
	return out, nil, nil
}

type deletes struct{ SQSAPI }

func (deletes) DeleteMessageBatch(context.Context, *sqs.DeleteMessageBatchInput, ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	return &sqs.DeleteMessageBatchOutput{}, nil
}

// A batch cut to fit the payload limit: on a FIFO queue, a part that did not wholly succeed stops
// the parts after it (their messages, later in the group, wait for the failed one); on a standard
// queue the next part is invoked; no part is invoked once the batch's visibility timeout is over.
func TestBatchPartsAfterAFailure(t *testing.T) {
	batch := make([]types.Message, 8)
	for i := range batch {
		body := strings.Repeat("x", 900_000)
		if i == 0 {
			body = "fail" + body
		}
		batch[i] = types.Message{MessageId: aws.String(fmt.Sprintf("m%d", i)), ReceiptHandle: aws.String(fmt.Sprintf("h%d", i)), Body: aws.String(body)}
	}
	for _, tt := range []struct {
		name       string
		arn        string
		visibility time.Duration
		calls      int
	}{
		{"fifo: stops after the failed part", "arn:aws:sqs:us-east-1:000000000000:q.fifo", time.Minute, 1},
		{"standard: every part", "arn:aws:sqs:us-east-1:000000000000:q", time.Minute, 2},
		{"visibility over: no later part", "arn:aws:sqs:us-east-1:000000000000:q", -time.Second, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inv := &recordingInvoker{}
			p := &poller{svc: &Service{opts: Options{Lambda: inv, Logger: slog.New(slog.DiscardHandler)}}, sqs: deletes{},
				m: Mapping{QueueARN: tt.arn, FunctionName: "f", ReportBatchItemFailures: true}, visibility: tt.visibility}
			p.process(context.Background(), batch)
			if len(inv.calls) != tt.calls {
				t.Errorf("%d invocations %v, want %d", len(inv.calls), inv.calls, tt.calls)
			}
		})
	}
}

// TestRecordJSON: a record's JSON is Lambda's. A message without message attributes has
// "messageAttributes": {} and "md5OfMessageAttributes": null, as in events Lambda delivers (a
// function's own dump of one, 2024: `"messageAttributes": {}, "md5OfMessageAttributes": null`), not
// the empty string aws-lambda-go's struct would give; one with attributes has SQS's digest, and
// each attribute its empty lists as [] (the Lambda guide's example event).
func TestRecordJSON(t *testing.T) {
	const arn = "arn:aws:sqs:us-east-1:000000000000:q"
	p := &poller{svc: &Service{opts: Options{Region: "us-east-1"}}, m: Mapping{QueueARN: arn}}
	attrs := map[string]string{"ApproximateReceiveCount": "1", "SentTimestamp": "1545082649183", "SenderId": "AIDAIENQZJOLO23YVJ4VO", "ApproximateFirstReceiveTimestamp": "1545082649185"}
	batch := []types.Message{
		{MessageId: aws.String("m1"), ReceiptHandle: aws.String("h1"), Body: aws.String("test"), MD5OfBody: aws.String("098f6bcd4621d373cade4e832627b4f6"), Attributes: attrs},
		{MessageId: aws.String("m2"), ReceiptHandle: aws.String("h2"), Body: aws.String("test"), MD5OfBody: aws.String("098f6bcd4621d373cade4e832627b4f6"), Attributes: attrs,
			MD5OfMessageAttributes: aws.String("3a2d5ad6b2a4a4e1fb3f1b3c5e0c9b53"),
			MessageAttributes:      map[string]types.MessageAttributeValue{"Kind": {DataType: aws.String("String"), StringValue: aws.String("test")}}},
	}
	_, payloads, err := p.events(batch)
	if err != nil || len(payloads) != 1 {
		t.Fatalf("events: %d payloads, %v", len(payloads), err)
	}
	var got struct{ Records []map[string]any }
	if err := json.Unmarshal(payloads[0], &got); err != nil {
		t.Fatal(err)
	}
	common := func(id, handle string) map[string]any {
		return map[string]any{"messageId": id, "receiptHandle": handle, "body": "test",
			"attributes": map[string]any{"ApproximateReceiveCount": "1", "SentTimestamp": "1545082649183", "SenderId": "AIDAIENQZJOLO23YVJ4VO", "ApproximateFirstReceiveTimestamp": "1545082649185"},
			"md5OfBody":  "098f6bcd4621d373cade4e832627b4f6", "eventSource": "aws:sqs", "eventSourceARN": arn, "awsRegion": "us-east-1"}
	}
	want := []map[string]any{common("m1", "h1"), common("m2", "h2")}
	want[0]["messageAttributes"], want[0]["md5OfMessageAttributes"] = map[string]any{}, nil
	want[1]["messageAttributes"] = map[string]any{"Kind": map[string]any{"stringValue": "test", "stringListValues": []any{}, "binaryListValues": []any{}, "dataType": "String"}}
	want[1]["md5OfMessageAttributes"] = "3a2d5ad6b2a4a4e1fb3f1b3c5e0c9b53"
	for i := range want {
		g, _ := json.Marshal(got.Records[i])
		w, _ := json.Marshal(want[i])
		if string(g) != string(w) {
			t.Errorf("record %d:\n got %s\nwant %s", i, g, w)
		}
	}
}
