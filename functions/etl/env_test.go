package main

import (
	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"

	"github.com/chaoslab/serverless-chaos-lab/internal/syncbuf"

	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/chaoslab/serverless-chaos-lab/functions/failure"
	"github.com/chaoslab/serverless-chaos-lab/internal/s3event"
	"github.com/chaoslab/serverless-chaos-lab/internal/testsvc"
)

// One DynamoDB Local and one fauxqs (S3 + SQS) per test binary, started by the first test that needs
// them; every test makes its own table, bucket and queue.
var (
	dynamoSvc, fauxqsSvc      *testsvc.Service
	dynamoErr, fauxqsErr      error
	tableSeq, bucketSeq, qSeq atomic.Int64
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	dynamoSvc.Close()
	fauxqsSvc.Close()
	os.Exit(code)
}

var startOnce sync.Once

// services starts the emulators on first use (unit tests and fuzzing need none). When an emulator
// cannot run on this machine the test skips, or fails under CI (testenv.Require); it fails when one
// should have started but did not.
func services(t *testing.T) {
	t.Helper()
	testenv.SkipIfShort(t, "the tests that need DynamoDB Local and fauxqs")
	startOnce.Do(func() {
		ctx := context.Background()
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); dynamoSvc, dynamoErr = testsvc.StartDynamoDB(ctx) }()
		go func() { defer wg.Done(); fauxqsSvc, fauxqsErr = testsvc.StartFauxqs(ctx) }()
		wg.Wait()
	})
	for _, err := range []error{dynamoErr, fauxqsErr} {
		if errors.Is(err, testsvc.ErrUnavailable) {
			testenv.Require(t, "DynamoDB Local and fauxqs (Java 17, Node 22 and npm packages: make deps)", err)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// testRetryPolicy has resilient's attempts with short waits, so that tests stay fast; the waits'
// shape is tested in TestFullJitterBounds.
var testRetryPolicy = RetryPolicy{MaxAttempts: DefaultRetryPolicy.MaxAttempts, BaseDelay: time.Millisecond, MaxBackoff: 5 * time.Millisecond}

// fakeSSM is the failure layer's parameter store: no SSM emulator is installable here, and the
// failure layer's SSM path is tested in functions/failure.
type fakeSSM struct {
	mu      sync.Mutex
	value   string
	version int64
}

func (f *fakeSSM) set(v string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.value, f.version = v, f.version+1
}

func (f *fakeSSM) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{
		Name: in.Name, Value: aws.String(f.value), Version: f.version, Type: ssmtypes.ParameterTypeString,
		LastModifiedDate: aws.Time(time.Now()),
	}}, nil
}

// lab is one test's slice of the pipeline: a table, a bucket, an error queue, the handler under
// test wired through the real failure layer, and uninstrumented admin clients to look at the result.
type lab struct {
	t          *testing.T
	table      string
	bucket     string
	errorQueue string
	fault      *fakeSSM
	h          *Handler
	invoke     func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)
	logs       *syncbuf.Buffer
	metrics    *syncbuf.Buffer
	ddb        *dynamodb.Client
	s3         *s3.Client
	sqs        *sqs.Client
	msgSeq     atomic.Int64
}

const faultsOff = `{"isEnabled": false}`

// newLab builds a lab whose failure config is faultJSON (changeable with lab.fault.set).
func newLab(t *testing.T, sc Scenario, faultJSON string) *lab {
	t.Helper()
	services(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := testsvc.Config()
	ep := Endpoints{S3: fauxqsSvc.Endpoint, SQS: fauxqsSvc.Endpoint, DynamoDB: dynamoSvc.Endpoint}
	admin := newClients(cfg, ScenarioFlawed, RetryPolicy{}, ep)
	l := &lab{
		t: t, ddb: admin.ddb, s3: admin.s3, sqs: admin.sqs,
		table:  fmt.Sprintf("chaos-data-%d", tableSeq.Add(1)),
		bucket: fmt.Sprintf("chaos-bucket-%d", bucketSeq.Add(1)),
		logs:   &syncbuf.Buffer{}, metrics: &syncbuf.Buffer{},
		fault: &fakeSSM{},
	}
	l.fault.set(faultJSON)
	if err := testsvc.CreateETLTable(ctx, l.ddb, l.table); err != nil {
		t.Fatalf("create table: %v", err)
	}
	if _, err := l.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(l.bucket)}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	q, err := l.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(fmt.Sprintf("chaos-errors-%d", qSeq.Add(1)))})
	if err != nil {
		t.Fatalf("create queue: %v", err)
	}
	l.errorQueue = aws.ToString(q.QueueUrl)

	logger := slog.New(slog.NewJSONHandler(l.logs, nil))
	var rmu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2)) // a fixed seed: the same faults each run, up to goroutine order
	inj := failure.New(failure.Options{
		Parameter: "failureLambdaConfig", SSM: l.fault, TTL: time.Millisecond,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Metrics: io.Discard,
		Rand: func() float64 { rmu.Lock(); defer rmu.Unlock(); return rng.Float64() },
	})
	c := newClients(inj.Instrument(cfg), sc, testRetryPolicy, ep)
	set := Settings{Scenario: sc, Table: l.table, ErrorQueueURL: l.errorQueue}
	l.h = NewHandler(set, c.s3, c.ddb, c.sqs, logger, l.metrics)
	l.invoke = failure.Wrap(inj, l.h.Handle)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("handler log:\n%s", tail(l.logs.String(), 40))
		}
	})
	return l
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// symbolFor gives document n a unique 4-letter symbol, as the seed publisher does.
func symbolFor(n int) string {
	b := []byte("AAAA")
	for i := 3; i >= 0 && n > 0; i-- {
		b[i] = byte('A' + n%26)
		n /= 26
	}
	return string(b)
}

// seedDocument is what the seed publisher uploads for message n.
func seedDocument(n int) []byte {
	return fmt.Appendf(nil, `{"symbol":%q,"messageId":%d,"value":10,"objectName":"data_object_msg-%d.json","submissionDate":"23-Nov-2026 13:45:12","author":"the_publisher.py","version":1.1}`,
		symbolFor(n), n, n)
}

func inputKey(n int) string { return fmt.Sprintf("input/data_object_msg-%d.json", n) }

// put uploads a document and returns the SQS message S3 would send for it.
func (l *lab) put(key string, body []byte) events.SQSMessage {
	l.t.Helper()
	return l.message(notificationOf(l.upload(key, body)))
}

// upload uploads a document and returns the event record S3 would send for it: its eTag, and a
// new sequencer (S3 gives each write of a key a greater one).
func (l *lab) upload(key string, body []byte) s3event.Record {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := l.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(l.bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		l.t.Fatalf("put %s: %v", key, err)
	}
	r := record(l.bucket, key)
	r.S3.Object.ETag = strings.Trim(aws.ToString(out.ETag), `"`)
	r.S3.Object.Sequencer = fmt.Sprintf("%018X", uint64(time.Now().UnixNano())<<4|uint64(sequencerSeq.Add(1)&0xf))
	return r
}

var sequencerSeq atomic.Int64

// message wraps an SQS body as the event source mapping delivers it.
func (l *lab) message(body string) events.SQSMessage {
	n := l.msgSeq.Add(1)
	return events.SQSMessage{
		MessageId: fmt.Sprintf("%08d-0000-4000-8000-%012d", n, n), Body: body,
		EventSource: "aws:sqs", Attributes: map[string]string{"ApproximateReceiveCount": "1"},
	}
}

// notification is an S3 event notification for bucket/key, the key form-encoded as S3 sends it,
// naming no version of the objects (no sequencer, no eTag).
func notification(bucket string, keys ...string) string {
	var recs []s3event.Record
	for _, k := range keys {
		recs = append(recs, record(bucket, k))
	}
	return notificationOf(recs...)
}

// record is an ObjectCreated:Put record for bucket/key, without sequencer or eTag.
func record(bucket, key string) s3event.Record {
	var r s3event.Record
	r.EventSource, r.EventName = "aws:s3", "ObjectCreated:Put"
	r.S3.Bucket.Name = bucket
	r.S3.Object.Key = url.QueryEscape(key)
	return r
}

// notificationOf is the SQS body of an S3 event notification holding recs.
func notificationOf(recs ...s3event.Record) string {
	b, _ := json.Marshal(s3event.Notification{Records: recs})
	return string(b)
}

func event(msgs ...events.SQSMessage) events.SQSEvent { return events.SQSEvent{Records: msgs} }

// counts is what the table, the bucket and the metric say was done.
type counts struct {
	messageRows int // per-message rows
	summaryRows int
	updateCount int // sum of the summary rows' updateCount
	metric      int // SymbolWriteCount EMF lines
	csvs        int // objects under output/
}

func (l *lab) counts() counts {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var c counts
	p := dynamodb.NewScanPaginator(l.ddb, &dynamodb.ScanInput{TableName: aws.String(l.table)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			l.t.Fatalf("scan: %v", err)
		}
		for _, it := range page.Items {
			if it["entryType"].(*ddbtypes.AttributeValueMemberS).Value != summaryEntryType {
				c.messageRows++
				continue
			}
			c.summaryRows++
			n, _ := strconv.Atoi(it["updateCount"].(*ddbtypes.AttributeValueMemberN).Value)
			c.updateCount += n
		}
	}
	for _, line := range strings.Split(l.metrics.String(), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			l.t.Fatalf("metric line %q is not JSON: %v", line, err)
		}
		if m["SymbolWriteCount"] == 1.0 && m["DynamoDBTable"] == l.table {
			c.metric++
		}
	}
	out, err := l.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(l.bucket), Prefix: aws.String("output/")})
	if err != nil {
		l.t.Fatalf("list output/: %v", err)
	}
	c.csvs = len(out.Contents)
	return c
}

// errorQueueMessages drains the error queue.
func (l *lab) errorQueueMessages() []sqstypes.Message {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var all []sqstypes.Message
	for {
		// A long poll: a short one may answer empty while the queue holds messages (SQS samples its
		// servers; under load the emulator answered 0 of 7 in a make test).
		out, err := l.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(l.errorQueue), MaxNumberOfMessages: 10,
			MessageAttributeNames: []string{"All"}, VisibilityTimeout: 60, WaitTimeSeconds: 1,
		})
		if err != nil {
			l.t.Fatalf("receive from error queue: %v", err)
		}
		if len(out.Messages) == 0 {
			return all
		}
		all = append(all, out.Messages...)
	}
}

// deliverUntilDone plays SQS for resilient: it delivers the batch, redelivers exactly the records
// reported as failed, and stops when none fail (or after rounds deliveries).
func (l *lab) deliverUntilDone(ev events.SQSEvent, rounds int) (deliveries int) {
	l.t.Helper()
	for deliveries = 1; deliveries <= rounds; deliveries++ {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		resp, err := l.invoke(ctx, ev)
		cancel()
		if err != nil {
			l.t.Fatalf("resilient handler returned an invocation error: %v", err)
		}
		if len(resp.BatchItemFailures) == 0 {
			return deliveries
		}
		failed := map[string]bool{}
		for _, f := range resp.BatchItemFailures {
			failed[f.ItemIdentifier] = true
		}
		var again []events.SQSMessage
		for _, m := range ev.Records {
			if failed[m.MessageId] {
				again = append(again, m)
			}
		}
		if len(again) != len(failed) {
			l.t.Fatalf("batch failures %v name records not in the batch", resp.BatchItemFailures)
		}
		ev = event(again...)
	}
	l.t.Fatalf("records still failing after %d deliveries", rounds)
	return rounds
}
