package main

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// sqsEventFixture is testdata/sqs-event.json: an SQS event as the Lambda service delivers it.
func sqsEventFixture(f *testing.F) events.SQSEvent {
	f.Helper()
	var ev events.SQSEvent
	if err := json.Unmarshal(fixture(f, "sqs-event.json"), &ev); err != nil {
		f.Fatal(err)
	}
	return ev
}

// checkNotification holds for every SQS body: parseNotification does not panic, rejects only with
// a *PoisonError with a reason, is deterministic, names a bucket and a key for every object, and
// the idempotency key of an object names its S3 event: the same in another SQS message (S3's
// duplicate delivery) when the event carries a sequencer or an eTag, and always fits a DynamoDB
// sort key.
func checkNotification(t *testing.T, body string) {
	t.Helper()
	refs, err := parseNotification(body)
	if err != nil {
		var p *PoisonError
		if !errors.As(err, &p) || p.Reason == "" {
			t.Fatalf("error %v is not a *PoisonError with a reason", err)
		}
		return
	}
	again, _ := parseNotification(body)
	if !reflect.DeepEqual(refs, again) {
		t.Fatalf("two parses differ: %+v, %+v", refs, again)
	}
	last := -1
	for _, r := range refs {
		if r.Bucket == "" || r.Key == "" {
			t.Fatalf("object without bucket or key: %+v", r)
		}
		if r.Index <= last {
			t.Fatalf("record indexes not increasing: %+v", refs)
		}
		last = r.Index
		k1 := idempotencyKey(events.SQSMessage{MessageId: "m-1"}, r)
		k2 := idempotencyKey(events.SQSMessage{MessageId: "m-2"}, r)
		if len(k1) > 1024 || k1 == "" {
			t.Fatalf("idempotency key of %d bytes", len(k1))
		}
		named := r.Sequencer != "" || r.ETag != ""
		if named != (k1 == k2) || named != strings.HasPrefix(k1, idempotencyPrefix) {
			t.Fatalf("object %+v: keys %q and %q in two messages; want the same %s key iff the event names a version", r, k1, k2, idempotencyPrefix)
		}
	}
}

// FuzzParseNotification: S3 event notifications as they arrive in an SQS body (checkNotification).
func FuzzParseNotification(f *testing.F) {
	for _, name := range []string{"s3-event.json", "s3-test-event.json"} {
		f.Add(string(fixture(f, name)))
	}
	for _, r := range sqsEventFixture(f).Records {
		f.Add(r.Body)
	}
	f.Add(`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"a%zz"}}}]}`)
	f.Add(`{"Records":[{"eventName":"ObjectCreated:Copy","s3":{"bucket":{"name":"b"},"object":{"key":"k","eTag":"\"\"","sequencer":""}}},null]}`)
	f.Fuzz(checkNotification)
}

// FuzzSQSRecord: one SQS record as the Lambda service delivers it, through every part of it the
// handler reads: the body (checkNotification), the eventSourceARN (the queue to shorten the
// visibility of) and ApproximateReceiveCount (the redelivery backoff, 1 s … 60 s in whole seconds).
func FuzzSQSRecord(f *testing.F) {
	for _, r := range sqsEventFixture(f).Records {
		b, err := json.Marshal(r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"messageId":"m","body":"","attributes":{"ApproximateReceiveCount":"-7"},"eventSourceARN":"arn:aws:sqs:r:1:q:x"}`))
	f.Add([]byte(`{"attributes":{"ApproximateReceiveCount":"99999999999999999999"},"eventSourceARN":"arn:aws:sqs:::"}`))
	f.Fuzz(func(t *testing.T, record []byte) {
		var msg events.SQSMessage
		if err := json.Unmarshal(record, &msg); err != nil {
			return
		}
		checkNotification(t, msg.Body)
		if q, err := parseQueueARN(msg.EventSourceARN); err == nil {
			if q.name == "" || q.account == "" || strings.Contains(q.name+q.account, ":") {
				t.Fatalf("ARN %q parsed to %+v", msg.EventSourceARN, q)
			}
		}
		n := receiveCount(msg)
		if n < 1 {
			t.Fatalf("receive count %d from %q", n, msg.Attributes["ApproximateReceiveCount"])
		}
		for _, draw := range []func(int) int{func(int) int { return 0 }, func(k int) int { return k - 1 }} {
			d := redeliveryDelay(n, DefaultRedeliveryBase, DefaultRedeliveryMax, draw)
			if d < time.Second || d > DefaultRedeliveryMax || d%time.Second != 0 {
				t.Fatalf("receive count %d: backoff %s, want whole seconds in [1s, %s]", n, d, DefaultRedeliveryMax)
			}
		}
	})
}
