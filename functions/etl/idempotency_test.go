package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/chaoslab/serverless-chaos-lab/internal/s3event"
)

func TestIdempotencyKey(t *testing.T) {
	msg := func(id string) events.SQSMessage { return events.SQSMessage{MessageId: id} }
	ref := objectRef{Bucket: "b", Key: "input/k.json", Sequencer: "0055AED6DCD90281E5", ETag: "d41d8cd98f00b204e9800998ecf8427e"}
	with := func(f func(*objectRef)) objectRef { r := ref; f(&r); return r }
	tests := []struct {
		name   string
		a, b   objectRef
		ma, mb events.SQSMessage
		same   bool
	}{
		{name: "one event in two SQS messages (S3 delivered it twice): same key",
			a: ref, b: ref, ma: msg("m1"), mb: msg("m2"), same: true},
		{name: "the record's position in its message does not matter",
			a: ref, b: with(func(r *objectRef) { r.Index = 3 }), ma: msg("m1"), mb: msg("m2"), same: true},
		{name: "a new write of the key (new sequencer), same bytes: another key",
			a: ref, b: with(func(r *objectRef) { r.Sequencer = "0055AED6DCD90281F0" }), ma: msg("m1"), mb: msg("m1")},
		{name: "the sequencer wins over the eTag",
			a: ref, b: with(func(r *objectRef) { r.ETag = "other" }), ma: msg("m1"), mb: msg("m2"), same: true},
		{name: "no sequencer: the eTag names it",
			a:  with(func(r *objectRef) { r.Sequencer = "" }),
			b:  with(func(r *objectRef) { r.Sequencer = "" }),
			ma: msg("m1"), mb: msg("m2"), same: true},
		{name: "no sequencer, other content: another key",
			a:  with(func(r *objectRef) { r.Sequencer = "" }),
			b:  with(func(r *objectRef) { r.Sequencer, r.ETag = "", "other" }),
			ma: msg("m1"), mb: msg("m1")},
		{name: "same sequencer on another key (sequencers are per key): another key",
			a: ref, b: with(func(r *objectRef) { r.Key = "input/other.json" }), ma: msg("m1"), mb: msg("m1")},
		{name: "same sequencer in another bucket: another key",
			a: ref, b: with(func(r *objectRef) { r.Bucket = "c" }), ma: msg("m1"), mb: msg("m1")},
		{name: "no separator can be forged: bucket/key boundary",
			a:  with(func(r *objectRef) { r.Bucket, r.Key = "ab", "c" }),
			b:  with(func(r *objectRef) { r.Bucket, r.Key = "a", "bc" }),
			ma: msg("m1"), mb: msg("m1")},
		{name: "neither: the SQS message names it (redeliveries of that message only)",
			a:  objectRef{Bucket: "b", Key: "k"},
			b:  objectRef{Bucket: "b", Key: "k"},
			ma: msg("m1"), mb: msg("m1"), same: true},
		{name: "neither, two messages: two keys (nothing tells them apart from two writes)",
			a:  objectRef{Bucket: "b", Key: "k"},
			b:  objectRef{Bucket: "b", Key: "k"},
			ma: msg("m1"), mb: msg("m2")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka, kb := idempotencyKey(tt.ma, tt.a), idempotencyKey(tt.mb, tt.b)
			if (ka == kb) != tt.same {
				t.Fatalf("keys %q and %q: same = %v, want %v", ka, kb, ka == kb, tt.same)
			}
		})
	}
	long := objectRef{Bucket: strings.Repeat("b", 63), Key: strings.Repeat("€", 341), Sequencer: strings.Repeat("F", 40)}
	if k := idempotencyKey(msg("m"), long); len(k) > 1024 || !strings.HasPrefix(k, idempotencyPrefix) {
		t.Fatalf("key of the longest object name: %d bytes %q, want an %s key within DynamoDB's 1024-byte sort key", len(k), k, idempotencyPrefix)
	}
}

// countingS3 counts the CSVs the handler writes.
type countingS3 struct {
	S3API
	mu   sync.Mutex
	puts map[string]int
}

func (c *countingS3) PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	out, err := c.S3API.PutObject(ctx, in, o...)
	if err == nil {
		c.mu.Lock()
		c.puts[aws.ToString(in.Key)]++
		c.mu.Unlock()
	}
	return out, err
}

func (c *countingS3) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.puts {
		n += v
	}
	return n
}

// GIVEN a document whose S3 notification arrives twice as two SQS messages with the same body (S3
// delivers at least once), THEN resilient counts it once (one per-message row, updateCount 1, one
// SymbolWriteCount) and writes the CSV again (the same key and bytes: whether the first delivery got
// that far is not recorded); flawed, the seed, counts it twice. A second upload of the key is a new event
// and counts again, unless the event names its object by eTag only and the bytes are the same.
func TestDuplicateNotification(t *testing.T) {
	noSequencer := func(r s3event.Record) s3event.Record { r.S3.Object.Sequencer = ""; return r }
	same := func(_ *lab, first s3event.Record) s3event.Record { return first }
	tests := []struct {
		name     string
		sc       Scenario
		edit     func(s3event.Record) s3event.Record // applied to both records
		second   func(l *lab, first s3event.Record) s3event.Record
		oneBatch bool // both messages in one batch (processed concurrently)
		want     counts
	}{
		{name: "resilient: the duplicate after the first finished counts nothing and writes the CSV again",
			sc: ScenarioResilient, second: same,
			want: counts{messageRows: 1, summaryRows: 1, updateCount: 1, metric: 1, csvs: 1}},
		{name: "resilient: both copies in one batch, processed at once",
			sc: ScenarioResilient, second: same, oneBatch: true,
			want: counts{messageRows: 1, summaryRows: 1, updateCount: 1, metric: 1, csvs: 1}},
		{name: "resilient, event without sequencer: the eTag names it",
			sc: ScenarioResilient, edit: noSequencer, second: same,
			want: counts{messageRows: 1, summaryRows: 1, updateCount: 1, metric: 1, csvs: 1}},
		{name: "resilient: a second upload of the key is a new event and counts",
			sc: ScenarioResilient,
			second: func(l *lab, first s3event.Record) s3event.Record {
				return l.upload(inputKey(1), seedDocument(1))
			},
			want: counts{messageRows: 2, summaryRows: 1, updateCount: 2, metric: 2, csvs: 1}},
		{name: "resilient, eTag only: a second upload of the same bytes counts once",
			sc: ScenarioResilient, edit: noSequencer,
			second: func(l *lab, first s3event.Record) s3event.Record {
				return l.upload(inputKey(1), seedDocument(1))
			},
			want: counts{messageRows: 1, summaryRows: 1, updateCount: 1, metric: 1, csvs: 1}},
		{name: "flawed keeps the seed's flaw: the duplicate counts twice",
			sc: ScenarioFlawed, second: same,
			want: counts{messageRows: 2, summaryRows: 1, updateCount: 2, metric: 2, csvs: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLab(t, tt.sc, faultsOff)
			cs := &countingS3{S3API: l.h.S3, puts: map[string]int{}}
			l.h.S3 = cs
			edit := tt.edit
			if edit == nil {
				edit = func(r s3event.Record) s3event.Record { return r }
			}
			first := edit(l.upload(inputKey(1), seedDocument(1)))
			second := edit(tt.second(l, first))
			m1, m2 := l.message(notificationOf(first)), l.message(notificationOf(second))
			if m1.MessageId == m2.MessageId {
				t.Fatal("the two deliveries must be two SQS messages")
			}
			batches := []events.SQSEvent{event(m1), event(m2)}
			if tt.oneBatch {
				batches = []events.SQSEvent{event(m1, m2)}
			}
			for _, b := range batches {
				resp, err := l.invoke(context.Background(), b)
				if err != nil || len(resp.BatchItemFailures) != 0 {
					t.Fatalf("invoke: %+v, %v", resp, err)
				}
				l.h.waitBackground()
			}
			if got := l.counts(); got != tt.want {
				t.Fatalf("counts = %+v, want %+v", got, tt.want)
			}
			if n := cs.total(); n != 2 { // each copy writes it, one after the other or at once
				t.Errorf("CSV written %d times, want 2", n)
			}
			if dead := l.errorQueueMessages(); len(dead) != 0 {
				t.Errorf("%d messages in the error queue, want none", len(dead))
			}
		})
	}
}

// GIVEN a CSV write that failed after the DynamoDB write committed, WHEN the duplicate notification
// arrives, THEN it writes the CSV (at least once) but counts nothing again.
func TestDuplicateNotificationFinishesUnwrittenCSV(t *testing.T) {
	l := newLab(t, ScenarioResilient, `{"isEnabled": true, "faults": [{"mode": "sdkerror", "targets": ["s3:PutObject"], "error": "unavailable"}]}`)
	r := l.upload(inputKey(1), seedDocument(1))
	resp, err := l.invoke(context.Background(), event(l.message(notificationOf(r))))
	if err != nil || len(resp.BatchItemFailures) != 1 {
		t.Fatalf("first delivery: %+v, %v; want the record failed (PutObject always fails)", resp, err)
	}
	l.fault.set(faultsOff)
	time.Sleep(5 * time.Millisecond) // the failure layer's config TTL in this lab is 1 ms
	l.deliverUntilDone(event(l.message(notificationOf(r))), 2)
	if got, want := l.counts(), (counts{messageRows: 1, summaryRows: 1, updateCount: 1, metric: 1, csvs: 1}); got != want {
		t.Fatalf("counts = %+v, want %+v", got, want)
	}
}

func TestSummaryRejected(t *testing.T) {
	tce := func(codes ...string) error {
		var r []ddbtypes.CancellationReason
		for _, c := range codes {
			r = append(r, ddbtypes.CancellationReason{Code: aws.String(c)})
		}
		return fmt.Errorf("write: %w", &ddbtypes.TransactionCanceledException{CancellationReasons: r})
	}
	api := func(code, msg string) error {
		return fmt.Errorf("write: %w", &smithy.GenericAPIError{Code: code, Message: msg})
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"DynamoDB: the update (second item) failed validation", tce("None", "ValidationError"), true},
		{"DynamoDB: the put failed validation, not the summary", tce("ValidationError", "None"), false},
		{"DynamoDB: throttled", tce("None", "ThrottlingError"), false},
		{"DynamoDB Local: overflow", api("ValidationException", "Number overflow. Attempting to store a number with magnitude larger than supported range"), true},
		{"DynamoDB Local: underflow", api("ValidationException", "Number underflow. Attempting to store a number with magnitude smaller than supported range"), true},
		{"DynamoDB Local: precision", api("ValidationException", "DynamoDB only supports precision up to 38 digits"), true},
		{"another validation error", api("ValidationException", "Item size has exceeded the maximum allowed size"), false},
		{"throttling", api("ThrottlingException", "Rate exceeded"), false},
		{"not an API error", errors.New("connection reset"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := summaryRejected(tt.err); got != tt.want {
				t.Fatalf("summaryRejected(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
