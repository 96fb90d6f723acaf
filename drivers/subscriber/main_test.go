package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/publish"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/subscribe"
	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
	"github.com/chaoslab/serverless-chaos-lab/internal/testsvc"
)

func TestHelpMentionsEveryFlag(t *testing.T) {
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb}
	if code := cli.Code(m.Run(context.Background(), []string{"-h"}), 1); code != 0 {
		t.Fatalf("-h exit %d", code)
	}
	for _, f := range []string{"outputs", "stack", "csv-queue-url", "error-queue-url", "bucket", "verify", "error-queue", "drain-errors",
		"idle", "duration", "expect", "run-id", "published", "wait", "pollers", "progress", "give-up"} {
		if !strings.Contains(errb.String(), "-"+f+" ") && !strings.Contains(errb.String(), "-"+f+"\n") {
			t.Errorf("-h does not mention -%s", f)
		}
	}
}

func twoStacks(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "outputs.json")
	os.WriteFile(p, []byte(`{"A":{"CsvQueueUrl":"http://a"},"B":{"CsvQueueUrl":"http://b"}}`), 0o600)
	return p
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{name: "unknown flag", args: []string{"-nope"}, msg: "-nope"},
		{name: "no queue", args: []string{"-outputs", "/nonexistent/o.json"}, msg: "/nonexistent/o.json"},
		{name: "several stacks, none picked", args: []string{"-outputs", twoStacks(t)}, msg: "several stacks (A, B): pick one with -stack"},
		{name: "no such stack", args: []string{"-outputs", twoStacks(t), "-stack", "C"}, msg: `no stack "C" (stacks in file: A, B)`},
		{name: "no manifest yet", args: []string{"-csv-queue-url", "http://q", "-published", "/nonexistent/m.json"}, msg: "run the subscriber after the publisher has exited"},
		// JSON that is no manifest would count every document as neither converted nor lost.
		{name: "the publisher's stdout summary", args: []string{"-csv-queue-url", "http://q", "-published", jsonFile(t, `{"run_id": "r", "published": 5}`)},
			msg: "5 documents published but 0 keys listed: give the file the publisher's -manifest wrote"},
		{name: "an empty object", args: []string{"-csv-queue-url", "http://q", "-published", jsonFile(t, `{}`)}, msg: "not a publisher manifest (no run_id)"},
		{name: "argument", args: []string{"extra"}, msg: "unexpected arguments [\"extra\"]\nusage: subscriber [flags] (subscriber -h for help)\n"},
		// Each named by its flag, where they were taken (-pollers -1, -wait 500ms: a poll loop with
		// no wait) or refused by the library's field names.
		{name: "negative idle", args: []string{"-csv-queue-url", "http://q", "-idle", "-1s"}, msg: "-idle -1s must not be negative"},
		{name: "no poller", args: []string{"-csv-queue-url", "http://q", "-pollers", "-1"}, msg: "-pollers -1"},
		{name: "millions of pollers", args: []string{"-csv-queue-url", "http://q", "-pollers", "9999999"}, msg: "-pollers 9999999: want 1 to 256"},
		{name: "a wait under a second", args: []string{"-csv-queue-url", "http://q", "-wait", "500ms"}, msg: "-wait 500ms"},
		{name: "a wait in part seconds", args: []string{"-csv-queue-url", "http://q", "-wait", "1.5s"}, msg: "-wait 1.5s: a long poll is 1s to 20s, in whole seconds"},
		{name: "negative expect", args: []string{"-csv-queue-url", "http://q", "-expect", "-2"}, msg: "-expect -2"},
		{name: "negative give-up", args: []string{"-csv-queue-url", "http://q", "-give-up", "-1s"}, msg: "-give-up -1s must not be negative"},
		// A run id no object can have: it counted nothing and waited.
		{name: "a run id with a space", args: []string{"-csv-queue-url", "http://q", "-run-id", "a b"}, msg: `-run-id "a b": must not contain '/' or spaces`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			m := &Main{Stdout: &out, Stderr: &errb}
			if code := cli.Report(&errb, m.Run(context.Background(), tt.args), 1); code != 2 {
				t.Fatalf("exit %d, want 2", code)
			}
			if !strings.Contains(errb.String(), tt.msg) {
				t.Errorf("stderr does not mention %q:\n%s", tt.msg, errb.String())
			}
			// Two lines: the error, then the synopsis and where the help is.
			if got := errb.String(); strings.Count(got, "\n") != 2 || !strings.HasSuffix(got, "\nusage: subscriber [flags] (subscriber -h for help)\n") {
				t.Errorf("stderr:\n%s\nwant the error, then the synopsis", got)
			}
		})
	}
}

// TestReconcilesWithPublisherManifest runs the CLI on fauxqs: three documents
// published, one converted, one in the error queue, one lost → exit 1 and a
// tally saying so.
func TestReconcilesWithPublisherManifest(t *testing.T) {
	testenv.SkipIfShort(t, "starts fauxqs")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	svc, err := testsvc.StartFauxqs(ctx)
	if errors.Is(err, testsvc.ErrUnavailable) {
		testenv.Require(t, "fauxqs (Node 22 and npm packages: make deps)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	cfg := testsvc.Config()
	sq := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(svc.Endpoint) })
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = aws.String(svc.Endpoint); o.UsePathStyle = true })
	mkq := func(name string) string {
		out, err := sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return *out.QueueUrl
	}
	csvQ, errQ := mkq("csv"), mkq("err")
	send := func(q, body string) {
		if _, err := sq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}
	ev := func(key string) string {
		return fmt.Sprintf(`{"Records":[{"eventSource":"aws:s3","s3":{"bucket":{"name":"b"},"object":{"key":%q}}}]}`, key)
	}
	send(csvQ, fmt.Sprintf(`{"Type":"Notification","Message":%q}`, ev("output/t-data_object_msg-1.json.csv")))
	send(errQ, ev("input/t-data_object_msg-2.json"))

	dir := t.TempDir()
	manifest := filepath.Join(dir, "published.json")
	b, _ := json.Marshal(publish.Summary{RunID: "t", Published: 3, Malformed: 1,
		Keys:          []string{"input/t-data_object_msg-1.json", "input/t-data_object_msg-2.json", "input/t-data_object_msg-3.json"},
		MalformedKeys: []string{"input/t-data_object_msg-2.json"}})
	os.WriteFile(manifest, b, 0o600)
	outputs := filepath.Join(dir, "outputs.json")
	os.WriteFile(outputs, fmt.Appendf(nil, `{"ChaosLab":{"CsvQueueUrl":%q,"ErrorQueueUrl":%q,"BucketName":"b"}}`, csvQ, errQ), 0o600)

	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, NewClients: func(context.Context) (subscribe.Queue, subscribe.Getter, error) { return sq, s3c, nil }}
	err = m.Run(ctx, []string{"-outputs", outputs, "-published", manifest, "-idle", "1s", "-wait", "1s"})
	if code := cli.Code(err, 1); code != 1 {
		t.Fatalf("exit %d (err %v), want 1 for a lost document\n%s", code, err, errb.String())
	}
	var got Output
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("stdout: %v\n%s", err, out.String())
	}
	if got.Tally == nil || got.Tally.Published != 3 || got.Tally.Converted != 1 || got.Tally.InErrorQueue != 1 || got.Tally.Lost != 1 ||
		len(got.Tally.LostKeys) != 1 || got.Tally.LostKeys[0] != "t-data_object_msg-3.json" {
		t.Fatalf("tally %+v", got.Tally)
	}
	if got.ErrorDocuments[0].Reason != "redrive" {
		t.Errorf("error document %+v", got.ErrorDocuments[0])
	}
}

// jsonFile writes body to a file of its own and returns its path.
func jsonFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// unreadable is a queue every receive of which fails.
type unreadable struct{}

func (unreadable) ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	return nil, errors.New("dial tcp 127.0.0.1:1: connection refused")
}

func (unreadable) DeleteMessageBatch(context.Context, *sqs.DeleteMessageBatchInput, ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	return nil, errors.New("dial tcp 127.0.0.1:1: connection refused")
}

func (unreadable) ChangeMessageVisibilityBatch(context.Context, *sqs.ChangeMessageVisibilityBatchInput, ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	return nil, errors.New("dial tcp 127.0.0.1:1: connection refused")
}

// A queue never read is no verdict on the pipeline: exit 2 saying so, not 0 (nothing received, so
// nothing wrong) nor "lost" (blaming the pipeline for documents nobody looked for).
func TestEveryReceiveFailed(t *testing.T) {
	manifest := jsonFile(t, `{"run_id": "r", "published": 1, "keys": ["input/r-data_object_msg-1.json"]}`)
	for _, args := range [][]string{
		{"-csv-queue-url", "http://127.0.0.1:1/q", "-error-queue=false", "-duration", "2s", "-wait", "1s"},
		{"-csv-queue-url", "http://127.0.0.1:1/q", "-error-queue=false", "-duration", "2s", "-wait", "1s", "-published", manifest},
	} {
		var out, errb bytes.Buffer
		m := &Main{Stdout: &out, Stderr: &errb, NewClients: func(context.Context) (subscribe.Queue, subscribe.Getter, error) { return unreadable{}, nil, nil }}
		err := m.Run(context.Background(), args)
		if code := cli.Report(&errb, err, 1); code != 2 || !strings.Contains(errb.String(), "every receive failed") || strings.Contains(errb.String(), "lost") {
			t.Errorf("%q: exit %d, stderr %s; want 2 and every receive failed", args, code, errb.String())
		}
	}
}

// With no region anywhere, the subscriber refuses before its first receive, saying how the local
// cloud's environment is set (each receive failed with the endpoint resolver's "Invalid region").
func TestRefusesWithoutARegion(t *testing.T) {
	testenv.AWSEnv(t, nil)
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb}
	err := m.Run(context.Background(), []string{"-csv-queue-url", "http://127.0.0.1:1/q", "-duration", "2s", "-wait", "1s"})
	if code := cli.Report(&errb, err, 1); code != 2 {
		t.Fatalf("exit %d, want 2 (err %v)\n%s", code, err, errb.String())
	}
	for _, want := range []string{"subscriber: no AWS region configured", `eval "$(go run ./drivers/chaoslab local env)"`} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr does not say %q:\n%s", want, errb.String())
		}
	}
	if out.Len() > 0 || strings.Contains(errb.String(), "receive failed") {
		t.Errorf("refused, yet received:\n%s\n%s", out.String(), errb.String())
	}
}

// A subscriber whose cloud is gone (its endpoint a 127.0.0.1 port nothing listens on) gives up after
// -give-up: exit 2, its summary saying so, the connection's refusal and what to do said once. It ran
// on until Ctrl-C.
func TestGivesUpWhenTheCloudIsGone(t *testing.T) {
	endpoint := "http://" + testenv.ClosedAddress(t)
	testenv.AWSEnv(t, map[string]string{"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "AKIDLOCAL",
		"AWS_SECRET_ACCESS_KEY": "local", "AWS_MAX_ATTEMPTS": "1"})
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // a subscriber that never gives up fails, not hangs
	defer cancel()
	err := m.Run(ctx, []string{"-csv-queue-url", endpoint + "/000000000000/csv", "-error-queue-url", endpoint + "/000000000000/err",
		"-give-up", "300ms", "-wait", "1s"})
	if code := cli.Report(&errb, err, 1); code != 2 {
		t.Fatalf("exit %d, want 2 (err %v)\n%s", code, err, errb.String())
	}
	var got Output
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("stdout is not a JSON summary: %v\n%s", err, out.String())
	}
	if got.StoppedBy != "give-up" || got.Receives != 0 || got.ReceiveErrors == 0 || got.Seconds > 10 {
		t.Fatalf("summary stopped_by=%s receives=%d receive_errors=%d after %.1fs; want give-up, 0, some, about 0.3 s",
			got.StoppedBy, got.Receives, got.ReceiveErrors, got.Seconds)
	}
	stderr := errb.String()
	for _, want := range []string{
		"error: subscriber: gave up: no receive answered for -give-up 300ms",
		"dial tcp " + strings.TrimPrefix(endpoint, "http://") + ": connect: connection refused",
		"the local cloud may not be running. Start it with `go run ./drivers/chaoslab local up`",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	if n := strings.Count(stderr, "local cloud may not be running"); n != 1 {
		t.Errorf("the hint is said %d times, want once", n)
	}
}

// emptyQueue answers every receive with nothing, after a moment.
type emptyQueue struct{ unreadable }

func (emptyQueue) ReceiveMessage(ctx context.Context, _ *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(50 * time.Millisecond):
		return &sqs.ReceiveMessageOutput{}, nil
	}
}

// -duration over before the queue was read to its end is no verdict of loss either: exit 2,
// unaccounted.
func TestDurationOverIsNotLost(t *testing.T) {
	manifest := jsonFile(t, `{"run_id": "r", "published": 1, "keys": ["input/r-data_object_msg-1.json"]}`)
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, NewClients: func(context.Context) (subscribe.Queue, subscribe.Getter, error) { return emptyQueue{}, nil, nil }}
	err := m.Run(context.Background(), []string{"-csv-queue-url", "http://127.0.0.1:1/q", "-error-queue=false", "-wait", "1s", "-duration", "300ms", "-published", manifest})
	if code := cli.Report(&errb, err, 1); code != 2 || !strings.Contains(errb.String(), "-duration 300ms over: 1 of 1 published documents not accounted for yet") ||
		!strings.Contains(out.String(), `"unaccounted": 1`) || !strings.Contains(out.String(), `"lost": 0`) {
		t.Errorf("exit %d, stderr %s, stdout %s; want 2, not accounted for yet, 1 unaccounted and none lost", code, errb.String(), out.String())
	}
}

// Ctrl-C before the queue was read to its end is no verdict of loss: exit 2 saying the documents
// are not accounted for yet, not 1 and "lost" (an interrupted reconciliation blamed the pipeline
// for documents still in the queue).
func TestInterruptedIsNotLost(t *testing.T) {
	manifest := jsonFile(t, `{"run_id": "r", "published": 2, "keys": ["input/r-data_object_msg-1.json", "input/r-data_object_msg-2.json"]}`)
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, NewClients: func(context.Context) (subscribe.Queue, subscribe.Getter, error) { return emptyQueue{}, nil, nil }}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond) // the Ctrl-C
	defer cancel()
	err := m.Run(ctx, []string{"-csv-queue-url", "http://127.0.0.1:1/q", "-error-queue=false", "-wait", "1s", "-published", manifest})
	if code := cli.Report(&errb, err, 1); code != 2 || !strings.Contains(errb.String(), "interrupted: 2 of 2 published documents not accounted for yet") ||
		strings.Contains(errb.String(), "lost") {
		t.Errorf("exit %d, stderr %s; want 2, not accounted for yet, no word of lost", code, errb.String())
	}
	// The summary on stdout says the same: unaccounted, none lost (it said "lost": 2).
	var o struct {
		Tally struct {
			Lost, Unaccounted int
			LostKeys          []string `json:"lost_keys"`
			UnaccountedKeys   []string `json:"unaccounted_keys"`
		}
	}
	if err := json.Unmarshal(out.Bytes(), &o); err != nil || o.Tally.Lost != 0 || len(o.Tally.LostKeys) != 0 || o.Tally.Unaccounted != 2 || len(o.Tally.UnaccountedKeys) != 2 {
		t.Errorf("summary %s (%v); want 2 unaccounted, 0 lost", out.String(), err)
	}
}
