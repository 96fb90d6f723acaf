package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// GIVEN no fault, WHEN documents arrive, THEN both scenarios write every CSV, row and metric.
func TestHandlerWithoutFaults(t *testing.T) {
	const n = 5
	for _, sc := range scenarios {
		t.Run(string(sc), func(t *testing.T) {
			l := newLab(t, sc, faultsOff)
			var msgs []events.SQSMessage
			for i := 1; i <= n; i++ {
				msgs = append(msgs, l.put(inputKey(i), seedDocument(i)))
			}
			ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
			for _, m := range msgs { // batch size 1, as the seed's event source
				resp, err := l.invoke(ctx, event(m))
				if err != nil || len(resp.BatchItemFailures) != 0 {
					t.Fatalf("invoke: %+v, %v", resp, err)
				}
			}
			l.h.waitBackground()
			want := counts{messageRows: n, summaryRows: n, updateCount: n, metric: n, csvs: n}
			if got := l.counts(); got != want {
				t.Fatalf("counts = %+v, want %+v", got, want)
			}
			out, err := l.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(l.bucket), Key: aws.String("output/data_object_msg-3.json.csv")})
			if err != nil {
				t.Fatal(err)
			}
			csv, _ := io.ReadAll(out.Body)
			out.Body.Close()
			wantCSV := "objectName,submissionDate,author,formatVersion\ndata_object_msg-3.json,23-Nov-2026 13:45:12,the_publisher.py,1.1\n"
			if string(csv) != wantCSV {
				t.Fatalf("CSV = %q, want %q", csv, wantCSV)
			}
			logs := l.logs.String()
			for _, s := range []string{`"request_id":"req-1"`, `"object_key":"input/data_object_msg-3.json"`} {
				if !strings.Contains(logs, s) {
					t.Errorf("logs lack %s", s)
				}
			}
		})
	}
}

// GIVEN documents processed once, WHEN SQS delivers the same messages again (a visibility timeout
// passed, or the batch response was lost), THEN nothing is counted twice.
func TestResilientRedeliveryCountsOnce(t *testing.T) {
	l := newLab(t, ScenarioResilient, faultsOff)
	const n = 6
	var msgs []events.SQSMessage
	for i := 1; i <= n-2; i++ {
		msgs = append(msgs, l.put(inputKey(i), seedDocument(i)))
	}
	// One SQS message whose S3 notification names two objects: each counts once, both again on redelivery.
	l.put(inputKey(n-1), seedDocument(n-1))
	l.put(inputKey(n), seedDocument(n))
	msgs = append(msgs, l.message(notification(l.bucket, inputKey(n-1), inputKey(n))))
	for delivery := 1; delivery <= 3; delivery++ {
		if d := l.deliverUntilDone(event(msgs...), 1); d != 1 {
			t.Fatalf("delivery %d needed redelivery", delivery)
		}
	}
	want := counts{messageRows: n, summaryRows: n, updateCount: n, metric: n, csvs: n}
	if got := l.counts(); got != want {
		t.Fatalf("after 3 deliveries: %+v, want %+v", got, want)
	}
}

// GIVEN every CSV write failing, WHEN documents arrive, THEN resilient reports each record failed
// but has already recorded (and counted) the DynamoDB write; the redelivery after the fault writes
// the CSVs without counting again.
func TestResilientRetriesCSVWithoutRecounting(t *testing.T) {
	l := newLab(t, ScenarioResilient, `{"isEnabled": true, "faults": [{"mode": "sdkerror", "targets": ["s3:PutObject"], "error": "unavailable"}]}`)
	const n = 4
	var msgs []events.SQSMessage
	for i := 1; i <= n; i++ {
		msgs = append(msgs, l.put(inputKey(i), seedDocument(i))) // the admin client is not faulted
	}
	resp, err := l.invoke(context.Background(), event(msgs...))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != n {
		t.Fatalf("batch failures = %d, want all %d (PutObject always fails)", len(resp.BatchItemFailures), n)
	}
	want := counts{messageRows: n, summaryRows: n, updateCount: n, metric: n, csvs: 0}
	if got := l.counts(); got != want {
		t.Fatalf("during the fault: %+v, want %+v", got, want)
	}
	l.fault.set(faultsOff)
	time.Sleep(5 * time.Millisecond) // the failure layer's config TTL in this lab is 1 ms
	l.deliverUntilDone(event(msgs...), 1)
	want.csvs = n
	if got := l.counts(); got != want {
		t.Fatalf("after the redelivery: %+v, want %+v", got, want)
	}
}

// GIVEN a batch mixing good documents with every kind of poison, THEN resilient sends each poison
// record to the error queue with its reason, reports no failure for them (SQS deletes them: no
// retries), and processes the good ones.
func TestResilientPoisonToErrorQueue(t *testing.T) {
	l := newLab(t, ScenarioResilient, faultsOff)
	valid := string(fixture(t, "valid.json"))
	tooLarge := valid[:len(valid)-1] + `,"pad":"` + strings.Repeat("x", MaxDocumentBytes) + `"}`
	type poison struct {
		msg    events.SQSMessage
		reason string
		key    string
	}
	poisons := []poison{
		{l.put("input/malformed.json", fixture(t, "malformed.json")), ReasonMalformedJSON, "input/malformed.json"},
		{l.put("input/wrong-type.json", fixture(t, "wrong-type.json")), ReasonWrongType, "input/wrong-type.json"},
		{l.put("input/missing-field.json", fixture(t, "missing-field.json")), ReasonMissingField, "input/missing-field.json"},
		{l.put("input/too large.json", []byte(tooLarge)), ReasonTooLarge, "input/too large.json"},
		{l.put("input/latin1.json", []byte(strings.Replace(valid, "the_publisher.py", "the_publisher\xe9.py", 1))), ReasonNotUTF8, "input/latin1.json"},
		{l.message(notification(l.bucket, "input/deleted-before-read.json")), ReasonNoSuchObject, "input/deleted-before-read.json"},
		{l.message(`this is not an S3 event`), ReasonMalformedEvent, ""},
	}
	good1 := l.put(inputKey(1), seedDocument(1))
	good2 := l.put(inputKey(2), seedDocument(2))
	testEvent := l.message(string(fixture(t, "s3-test-event.json")))
	batch := []events.SQSMessage{good1, testEvent}
	for _, p := range poisons {
		batch = append(batch, p.msg)
	}
	batch = append(batch, good2)

	resp, err := l.invoke(context.Background(), event(batch...))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("response %+v, %v; want no failures (poison is handled, not retried)", resp, err)
	}
	if got, want := l.counts(), (counts{messageRows: 2, summaryRows: 2, updateCount: 2, metric: 2, csvs: 2}); got != want {
		t.Fatalf("good documents: %+v, want %+v", got, want)
	}
	got := map[string]map[string]string{} // SourceMessageId → attributes
	for _, m := range l.errorQueueMessages() {
		attrs := map[string]string{}
		for k, v := range m.MessageAttributes {
			attrs[k] = aws.ToString(v.StringValue)
		}
		got[attrs["SourceMessageId"]] = attrs
	}
	if len(got) != len(poisons) {
		t.Fatalf("error queue holds %d records, want %d: %v", len(got), len(poisons), got)
	}
	for _, p := range poisons {
		t.Run(p.reason, func(t *testing.T) {
			a, ok := got[p.msg.MessageId]
			if !ok {
				t.Fatalf("message %s not in the error queue", p.msg.MessageId)
			}
			if a["ErrorReason"] != p.reason || a["SourceKey"] != p.key || a["ErrorDetail"] == "" {
				t.Fatalf("attributes %v, want ErrorReason=%s SourceKey=%q and a detail", a, p.reason, p.key)
			}
		})
	}
}

// GIVEN the error queue unreachable, THEN a poison record is reported failed (redelivered, never
// dropped) while the good record of the same batch completes.
func TestResilientPoisonKeptWhenErrorQueueFails(t *testing.T) {
	l := newLab(t, ScenarioResilient, `{"isEnabled": true, "faults": [{"mode": "sdkerror", "targets": ["sqs:SendMessage"], "error": "internal"}]}`)
	bad := l.put("input/malformed.json", fixture(t, "malformed.json"))
	good := l.put(inputKey(1), seedDocument(1))
	resp, err := l.invoke(context.Background(), event(bad, good))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != bad.MessageId {
		t.Fatalf("batch failures %+v, want exactly the poison record %s", resp.BatchItemFailures, bad.MessageId)
	}
	if got := l.counts(); got.messageRows != 1 || got.csvs != 1 {
		t.Fatalf("good record: %+v, want it written", got)
	}
}

// GIVEN records that fail for a transient reason (here: a bucket that does not exist), THEN exactly
// those are reported, and the others complete.
func TestResilientBatchFailuresArePerRecord(t *testing.T) {
	l := newLab(t, ScenarioResilient, faultsOff)
	ok1 := l.put(inputKey(1), seedDocument(1))
	lost1 := l.message(notification("no-such-bucket-1", inputKey(2)))
	ok2 := l.put(inputKey(3), seedDocument(3))
	lost2 := l.message(notification("no-such-bucket-2", inputKey(4)))
	resp, err := l.invoke(context.Background(), event(ok1, lost1, ok2, lost2))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	if strings.Join(ids, ",") != lost1.MessageId+","+lost2.MessageId {
		t.Fatalf("batch failures %v, want [%s %s]", ids, lost1.MessageId, lost2.MessageId)
	}
	if got := l.counts(); got.messageRows != 2 || got.csvs != 2 {
		t.Fatalf("%+v, want the 2 good records written", got)
	}
}

// GIVEN DynamoDB slower than the invocation has left, THEN resilient stops at its deadline margin
// and reports the records failed, instead of being killed by the Lambda timeout with nothing reported.
func TestResilientWorkBoundedByDeadline(t *testing.T) {
	l := newLab(t, ScenarioResilient, `{"isEnabled": true, "faults": [{"mode": "latency", "targets": ["dynamodb:*"], "minLatency": 5000, "maxLatency": 5000}]}`)
	// A margin of 1.5 s of a 3 s invocation: the handler's return after its work is cut must come
	// before the deadline also on a starved machine (300 ms of 1 s did not always).
	l.h.DeadlineMargin = 1500 * time.Millisecond
	m1, m2 := l.put(inputKey(1), seedDocument(1)), l.put(inputKey(2), seedDocument(2))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	resp, err := l.invoke(ctx, event(m1, m2))
	if err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatal("handler returned after the invocation deadline")
	}
	if len(resp.BatchItemFailures) != 2 {
		t.Fatalf("batch failures %+v, want both records", resp.BatchItemFailures)
	}
}

// GIVEN the seed's malformed document, THEN flawed fails the whole invocation (SQS retries it three
// times, then the redrive policy moves it to the error queue), as the seed did.
func TestFlawedMalformedDocumentFailsInvocation(t *testing.T) {
	l := newLab(t, ScenarioFlawed, faultsOff)
	_, err := l.invoke(context.Background(), event(l.put("input/malformed.json", fixture(t, "malformed.json"))))
	var p *PoisonError
	if !errors.As(err, &p) || p.Reason != ReasonMalformedJSON {
		t.Fatalf("err = %v, want the malformed-JSON error", err)
	}
}

// setup (main's wiring) builds a working handler from the environment alone.
func TestSetupFromEnvironment(t *testing.T) {
	l := newLab(t, ScenarioResilient, faultsOff) // for the table, bucket and queue
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB": dynamoSvc.Endpoint, "AWS_ENDPOINT_URL_S3": fauxqsSvc.Endpoint,
		"AWS_ENDPOINT_URL_SQS": fauxqsSvc.Endpoint, "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "AKIDLOCAL", "AWS_SECRET_ACCESS_KEY": "local",
		"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_S3_USE_PATH_STYLE": "true",
	} {
		t.Setenv(k, v)
	}
	env := map[string]string{"SCENARIO": "resilient", "CHAOS_DATA_TABLE": l.table, "ERROR_QUEUE_URL": l.errorQueue}
	h, inj, err := setup(context.Background(), func(k string) string { return env[k] }, l.h.Log, l.metrics)
	if err != nil {
		t.Fatal(err)
	}
	if inj.Parameter() != "" {
		t.Fatalf("injector parameter %q, want none (FAILURE_INJECTION_PARAM unset)", inj.Parameter())
	}
	resp, err := h.Handle(context.Background(), event(l.put(inputKey(1), seedDocument(1))))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("%+v, %v", resp, err)
	}
	if got := l.counts(); got.messageRows != 1 || got.csvs != 1 || got.metric != 1 {
		t.Fatalf("%+v, want one document processed", got)
	}
}

// GIVEN DynamoDB cut off for the whole invocation (the seed's Lab 4 fault at rate 1) and records
// processed one at a time, THEN only the first record spends its retries; the rest are handed back at
// once (none is lost: all are reported for redelivery) instead of each burning the same retries.
func TestResilientHandsBackBatchWhenDependencyDown(t *testing.T) {
	l := newLab(t, ScenarioResilient, `{"isEnabled": true, "failureMode": "blacklist", "rate": 1, "blacklist": ["dynamodb.*.amazonaws.com"]}`)
	l.h.Concurrency = 1
	var msgs []events.SQSMessage
	for n := 1; n <= 5; n++ {
		msgs = append(msgs, l.put(inputKey(n), seedDocument(n)))
	}
	resp, err := l.invoke(context.Background(), event(msgs...))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != len(msgs) {
		t.Fatalf("batch failures %+v, want all %d records handed back", resp.BatchItemFailures, len(msgs))
	}
	logs := l.logs.String()
	if got := strings.Count(logs, "record failed; reported for redelivery"); got != 1 {
		t.Errorf("%d records attempted to the end, want 1 (the one that found DynamoDB down)", got)
	}
	if got := strings.Count(logs, "record not attempted"); got != len(msgs)-1 {
		t.Errorf("%d records handed back untried, want %d", got, len(msgs)-1)
	}
	if got := l.counts(); got.messageRows != 0 || got.csvs != 0 {
		t.Errorf("%+v, want nothing written while DynamoDB is down", got)
	}
}

// GIVEN one record failing on its own (its bucket is gone, not retried) THEN the others of the batch
// are still attempted: only exhausted retries against a dependency hand the batch back.
func TestResilientPerRecordErrorDoesNotHandBackBatch(t *testing.T) {
	l := newLab(t, ScenarioResilient, faultsOff)
	l.h.Concurrency = 1
	lost := l.message(notification("no-such-bucket-9", inputKey(9)))
	ok := l.put(inputKey(1), seedDocument(1))
	resp, err := l.invoke(context.Background(), event(lost, ok))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != lost.MessageId {
		t.Fatalf("batch failures %+v, want only %s", resp.BatchItemFailures, lost.MessageId)
	}
	if got := l.counts(); got.messageRows != 1 || got.csvs != 1 {
		t.Errorf("%+v, want the good record written", got)
	}
}
