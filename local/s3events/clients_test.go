package s3events_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chaoslab/serverless-chaos-lab/local/s3events"
	"github.com/chaoslab/serverless-chaos-lab/local/sns"
)

// fakeQueues records what the notifier sends.
type fakeQueues struct {
	mu   sync.Mutex
	sent []string
}

func (f *fakeQueues) GetQueueUrl(_ context.Context, in *sqs.GetQueueUrlInput, _ ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	return &sqs.GetQueueUrlOutput{QueueUrl: aws.String("http://queues/" + aws.ToString(in.QueueName))}, nil
}

func (f *fakeQueues) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, aws.ToString(in.MessageBody))
	return &sqs.SendMessageOutput{MessageId: aws.String("m")}, nil
}

func (f *fakeQueues) bodies() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sent...)
}

// A reverse proxy relays an upstream's interim 100 Continue to the ResponseWriter as a 1xx status
// before the final 200 (boto3 and the AWS CLI send Expect: 100-continue on every PutObject). The
// write succeeded: the notification must be sent.
func TestInterimStatusBeforeTheFinalOne(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPut:
			io.Copy(io.Discard, r.Body) // answers the Expect with 100 Continue
			w.Header().Set("ETag", `"abc"`)
		case http.MethodHead:
			w.Header().Set("ETag", `"abc"`)
			w.Header().Set("Content-Length", "5")
		}
	}))
	defer upstream.Close()
	n, srvURL, queues := notifierBefore(t, upstream.URL, "json", "s3:ObjectCreated:*")

	req, _ := http.NewRequest(http.MethodPut, srvURL+"/lab/input/doc.json", strings.NewReader("hello"))
	req.Header.Set("Expect", "100-continue")
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{ExpectContinueTimeout: time.Second}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("PUT: %d", resp.StatusCode)
	}
	n.Wait()
	sent := queues.bodies()
	if len(sent) != 2 || !strings.Contains(sent[1], `"eventName":"ObjectCreated:Put"`) || !strings.Contains(sent[1], `"size":5`) {
		t.Errorf("sent %q, want the test event and ObjectCreated:Put of 5 bytes", sent)
	}
}

// What boto3 and the AWS CLI send, through the gateway and fauxqs, ends in a notification: a PUT
// with Expect: 100-continue, an empty object without Content-Type, and a 12 MiB object.
func TestClientUploadsAreNotified(t *testing.T) {
	ctx := context.Background()
	c := startCloud(t)
	qURL, qArn := c.queue(t, "uploads")
	if _, err := c.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("up")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.s3.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String("up"),
		NotificationConfiguration: &s3types.NotificationConfiguration{QueueConfigurations: []s3types.QueueConfiguration{
			{QueueArn: aws.String(qArn), Events: []s3types.Event{"s3:ObjectCreated:*"}}}}}); err != nil {
		t.Fatal(err)
	}
	c.receive(t, qURL, 2) // s3:TestEvent

	// The SDK's endpoint is the gateway: send raw requests there, as botocore does.
	base := aws.ToString(c.s3.Options().BaseEndpoint) + "/up"
	big := bytes.Repeat([]byte("z"), 12<<20)
	tests := []struct {
		name, key, ctype string
		body             []byte
		chunked          bool // aws-chunked with a trailing checksum, as the AWS CLI v2 and boto3 send
	}{
		{"Expect: 100-continue", "input/expect.json", "application/json", []byte(`{"a":1}`), false},
		{"empty without Content-Type", "input/empty.json", "", nil, false},
		{"12 MiB", "input/big.json", "application/json", big, false},
		{"aws-chunked", "input/chunked.json", "application/json", []byte(`{"chunked":true}`), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wire := tc.body
			if tc.chunked {
				sum := crc32.ChecksumIEEE(tc.body)
				trailer := base64.StdEncoding.EncodeToString([]byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})
				wire = []byte(fmt.Sprintf("%x\r\n%s\r\n0\r\nx-amz-checksum-crc32:%s\r\n\r\n", len(tc.body), tc.body, trailer))
			}
			req, _ := http.NewRequest(http.MethodPut, base+"/"+tc.key, bytes.NewReader(wire))
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00")
			req.Header.Set("Expect", "100-continue")
			if tc.chunked {
				req.Header.Set("Content-Encoding", "aws-chunked")
				req.Header.Set("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
				req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(tc.body)))
				req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{ExpectContinueTimeout: time.Second}}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("PUT %s: %d %s", tc.key, resp.StatusCode, b)
			}
			var ev event
			if err := json.Unmarshal([]byte(c.receive(t, qURL, 5)), &ev); err != nil || len(ev.Records) != 1 {
				t.Fatalf("no notification for %s: %+v, %v", tc.key, ev, err)
			}
			o := ev.Records[0].S3.Object
			if ev.Records[0].EventName != "ObjectCreated:Put" || o.Key != tc.key || o.Size != int64(len(tc.body)) {
				t.Errorf("event %s %s size %d, want ObjectCreated:Put %s size %d", ev.Records[0].EventName, o.Key, o.Size, tc.key, len(tc.body))
			}
			head, err := c.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("up"), Key: aws.String(tc.key)})
			if err != nil || aws.ToInt64(head.ContentLength) != int64(len(tc.body)) || strings.Trim(aws.ToString(head.ETag), `"`) != o.ETag {
				t.Errorf("HeadObject = size %d, ETag %s (%v); the event said size %d, eTag %s",
					aws.ToInt64(head.ContentLength), aws.ToString(head.ETag), err, o.Size, o.ETag)
			}
		})
	}
	head, err := c.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("up"), Key: aws.String("input/empty.json")})
	if err != nil || aws.ToString(head.ContentType) != "binary/octet-stream" {
		t.Errorf("empty object: Content-Type %q, %v; want binary/octet-stream (S3's default)", aws.ToString(head.ContentType), err)
	}
}

// A configuration S3 refuses is refused here too, naming what is wrong, and the bucket keeps the
// configuration it had: an unknown event type, or two configurations one event could match (S3
// would have to pick one destination).
func TestConfigurationsS3Refuses(t *testing.T) {
	q := func(name, prefix, suffix string, events ...string) s3events.QueueConfiguration {
		c := s3events.QueueConfiguration{QueueArn: "arn:aws:sqs:us-east-1:000000000000:" + name, Events: events}
		var rules []s3events.FilterRule
		if prefix != "" {
			rules = append(rules, s3events.FilterRule{Name: "prefix", Value: prefix})
		}
		if suffix != "" {
			rules = append(rules, s3events.FilterRule{Name: "Suffix", Value: suffix})
		}
		if rules != nil {
			c.Filter = &s3events.Filter{Key: s3events.KeyFilter{FilterRules: rules}}
		}
		return c
	}
	created := "s3:ObjectCreated:*"
	for _, tt := range []struct {
		name   string
		queues []s3events.QueueConfiguration
		topics []s3events.TopicConfiguration
		want   string // "" = accepted
	}{
		{name: "the lab's: two prefixes", queues: []s3events.QueueConfiguration{q("a", "input/", ".json", created), q("b", "output/", ".csv", created)}},
		{name: "one prefix, two suffixes", queues: []s3events.QueueConfiguration{q("a", "images/", ".jpg", created), q("b", "images/", ".png", created)}},
		{name: "one filter, two event families", queues: []s3events.QueueConfiguration{q("a", "", "", created), q("b", "", "", "s3:ObjectRemoved:*")}},
		{name: "unknown event type", queues: []s3events.QueueConfiguration{q("a", "", "", "s3:ObjectCreated:Upload")},
			want: `QueueConfiguration 1 (arn:aws:sqs:us-east-1:000000000000:a): event "s3:ObjectCreated:Upload": the event is not supported`},
		{name: "prefixes that nest", queues: []s3events.QueueConfiguration{q("a", "input/", "", created), q("b", "input/new/", "", "s3:ObjectCreated:Put")},
			want: `Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type. (QueueConfiguration 1 (arn:aws:sqs:us-east-1:000000000000:a) and QueueConfiguration 2 (arn:aws:sqs:us-east-1:000000000000:b) both take s3:ObjectCreated:Put for keys prefix "input/new/"`},
		{name: "no filters, one event family", queues: []s3events.QueueConfiguration{q("a", "", "", "s3:ObjectRemoved:Delete"), q("b", "", "", "s3:ObjectRemoved:*")},
			want: `Configurations overlap. Configurations on the same bucket cannot share a common event type. (QueueConfiguration 1 (arn:aws:sqs:us-east-1:000000000000:a) and QueueConfiguration 2 (arn:aws:sqs:us-east-1:000000000000:b) both take s3:ObjectRemoved:Delete`},
		{name: "a prefix and a suffix", queues: []s3events.QueueConfiguration{q("a", "images", "", created)},
			topics: []s3events.TopicConfiguration{{TopicArn: "arn:aws:sns:us-east-1:000000000000:t", Events: []string{"s3:ObjectCreated:Copy"},
				Filter: &s3events.Filter{Key: s3events.KeyFilter{FilterRules: []s3events.FilterRule{{Name: "suffix", Value: "jpg"}}}}}},
			want: `QueueConfiguration 1 (arn:aws:sqs:us-east-1:000000000000:a) and TopicConfiguration 1 (arn:aws:sns:us-east-1:000000000000:t) both take s3:ObjectCreated:Copy for keys prefix "images" suffix "jpg"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := s3events.New(s3events.Options{Queues: &fakeQueues{}, Topics: topicsFunc(func(context.Context, sns.PublishInput) (string, error) { return "m", nil })})
			before := s3events.Configuration{QueueConfigurations: []s3events.QueueConfiguration{q("before", "", "", created)}}
			if err := n.SetConfiguration(context.Background(), "lab", before); err != nil {
				t.Fatal(err)
			}
			err := n.SetConfiguration(context.Background(), "lab", s3events.Configuration{QueueConfigurations: tt.queues, TopicConfigurations: tt.topics})
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err %v, want InvalidArgument saying %q", err, tt.want)
			case tt.want != "":
				if cfg, _ := n.Configuration("lab"); len(cfg.QueueConfigurations) != 1 || cfg.QueueConfigurations[0].QueueArn != before.QueueConfigurations[0].QueueArn {
					t.Errorf("a refused configuration replaced the previous one: %+v", cfg)
				}
			}
		})
	}
}

type topicsFunc func(context.Context, sns.PublishInput) (string, error)

// checkingTopics is a publisher that can check a Publish without making it, as sns.Service can.
type checkingTopics struct {
	topicsFunc
	check func(sns.PublishInput) error
}

func (c checkingTopics) CheckPublish(_ context.Context, in sns.PublishInput) error {
	return c.check(in)
}

func (f topicsFunc) Publish(ctx context.Context, in sns.PublishInput) (string, error) {
	return f(ctx, in)
}

// A destination must be in the bucket's region ("The Amazon SQS queue must be in the same AWS
// Region as your Amazon S3 bucket", and "The topic must be in the same AWS Region as your Amazon S3
// bucket": Amazon S3 User Guide, Event notification types and destinations), and must exist: one of
// another account does not in the one-account local cloud, even if a queue or topic of its name does.
func TestDestinationsOfAnotherRegionOrAccount(t *testing.T) {
	const region = "The notification destination service region is not valid for the bucket location constraint"
	const unreachable = "Unable to validate the following destination configurations"
	created := []string{"s3:ObjectCreated:*"}
	for _, tt := range []struct {
		name  string
		queue string
		topic string
		want  string // "" = accepted
	}{
		{name: "queue here", queue: "arn:aws:sqs:us-east-1:000000000000:work"},
		{name: "topic here", topic: "arn:aws:sns:us-east-1:000000000000:t"},
		{name: "queue in another region", queue: "arn:aws:sqs:eu-west-1:000000000000:work",
			want: region + ` (QueueConfiguration 1 (arn:aws:sqs:eu-west-1:000000000000:work): region "eu-west-1", the bucket's "us-east-1")`},
		{name: "topic in another region", topic: "arn:aws:sns:eu-west-1:000000000000:t",
			want: region + ` (TopicConfiguration 1 (arn:aws:sns:eu-west-1:000000000000:t): region "eu-west-1", the bucket's "us-east-1")`},
		{name: "queue of another account", queue: "arn:aws:sqs:us-east-1:111122223333:work",
			want: unreachable + ": arn:aws:sqs:us-east-1:111122223333:work (arn:aws:sqs:us-east-1:111122223333:work does not exist: its account 111122223333 is not the local cloud's (000000000000))"},
		{name: "topic of another account", topic: "arn:aws:sns:us-east-1:111122223333:t",
			want: unreachable + ": arn:aws:sns:us-east-1:111122223333:t (arn:aws:sns:us-east-1:111122223333:t does not exist"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			queues := &fakeQueues{}
			var published []string
			n := s3events.New(s3events.Options{Queues: queues, Topics: topicsFunc(func(_ context.Context, in sns.PublishInput) (string, error) {
				published = append(published, in.TopicArn)
				return "m", nil
			})})
			var cfg s3events.Configuration
			if tt.queue != "" {
				cfg.QueueConfigurations = []s3events.QueueConfiguration{{QueueArn: tt.queue, Events: created}}
			} else {
				cfg.TopicConfigurations = []s3events.TopicConfiguration{{TopicArn: tt.topic, Events: created}}
			}
			err := n.SetConfiguration(context.Background(), "lab", cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want == "":
				if len(queues.bodies())+len(published) != 1 {
					t.Errorf("test events: %d to queues, %d to topics; want 1", len(queues.bodies()), len(published))
				}
			case err == nil || !strings.Contains(err.Error(), tt.want):
				t.Fatalf("err %v, want InvalidArgument saying %q", err, tt.want)
			default:
				if len(queues.bodies())+len(published) != 0 {
					t.Errorf("a refused destination was sent the test event: %q %q", queues.bodies(), published)
				}
				if _, ok := n.Configuration("lab"); ok {
					t.Errorf("a refused configuration was kept")
				}
			}
		})
	}
}

// The record's responseElements are the answer's x-amz-request-id and x-amz-id-2: "These values
// are the same as those that Amazon S3 returns in the response to the request that initiates the
// events. This is so they can be used to match the event to the request." (Amazon S3 User Guide,
// Event message structure). For PutObject, DeleteObject and each key of DeleteObjects.
func TestResponseElementsAreTheAnswers(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amz-Request-Id", "4442587FB7D0A2F9")
		w.Header().Set("X-Amz-Id-2", "vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo=")
		switch r.Method {
		case http.MethodPut:
			io.Copy(io.Discard, r.Body)
			w.Header().Set("ETag", `"abc"`)
		case http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		case http.MethodPost:
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><DeleteResult><Deleted><Key>input/b.json</Key></Deleted></DeleteResult>`)
		}
	}))
	defer upstream.Close()
	n, srvURL, queues := notifierBefore(t, upstream.URL, "all", "s3:ObjectCreated:*", "s3:ObjectRemoved:*")

	for _, tc := range []struct{ name, method, path, body, event string }{
		{"PutObject", http.MethodPut, "/lab/input/a.json", "hello", "ObjectCreated:Put"},
		{"DeleteObject", http.MethodDelete, "/lab/input/a.json", "", "ObjectRemoved:Delete"},
		{"DeleteObjects", http.MethodPost, "/lab?delete", "<Delete><Object><Key>input/b.json</Key></Object></Delete>", "ObjectRemoved:Delete"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(queues.bodies())
			req, _ := http.NewRequest(tc.method, srvURL+tc.path, strings.NewReader(tc.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			n.Wait()
			sent := queues.bodies()
			if len(sent) != before+1 {
				t.Fatalf("%d events, want 1", len(sent)-before)
			}
			var ev struct {
				Records []struct {
					EventName        string            `json:"eventName"`
					ResponseElements map[string]string `json:"responseElements"`
				}
			}
			if err := json.Unmarshal([]byte(sent[before]), &ev); err != nil || len(ev.Records) != 1 {
				t.Fatalf("event %s (%v)", sent[before], err)
			}
			r := ev.Records[0]
			if r.EventName != tc.event || r.ResponseElements["x-amz-request-id"] != resp.Header.Get("X-Amz-Request-Id") ||
				r.ResponseElements["x-amz-id-2"] != resp.Header.Get("X-Amz-Id-2") {
				t.Errorf("%s responseElements %v, want the answer's x-amz-request-id %q and x-amz-id-2 %q", r.EventName, r.ResponseElements,
					resp.Header.Get("X-Amz-Request-Id"), resp.Header.Get("X-Amz-Id-2"))
			}
		})
	}
}

// The notification configuration is the bucket's ("You store this configuration in the
// notification subresource that's associated with a bucket", Amazon S3 User Guide, Amazon S3 Event
// Notifications): DeleteBucket takes it with the bucket, so a bucket created again under the name
// sends nothing. A refused DeleteBucket (BucketNotEmpty) or a subresource's delete keeps it.
func TestDeleteBucketForgetsItsConfiguration(t *testing.T) {
	var empty bool
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodDelete && !empty:
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, `<Error><Code>BucketNotEmpty</Code></Error>`)
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		case r.Method == http.MethodPut:
			io.Copy(io.Discard, r.Body)
			w.Header().Set("ETag", `"abc"`)
		}
	}))
	defer upstream.Close()
	n, srvURL, queues := notifierBefore(t, upstream.URL, "all", "s3:ObjectCreated:*")
	do := func(method, path string) int {
		t.Helper()
		req, _ := http.NewRequest(method, srvURL+path, strings.NewReader(""))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		name, path string
		empty      bool
		kept       bool
	}{
		{name: "DeleteBucketTagging", path: "/lab?tagging", empty: true, kept: true},
		{name: "BucketNotEmpty", path: "/lab", kept: true},
		{name: "DeleteBucket", path: "/lab?x-id=DeleteBucket", empty: true, kept: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			empty = tc.empty
			do(http.MethodDelete, tc.path)
			if _, ok := n.Configuration("lab"); ok != tc.kept {
				t.Errorf("configuration kept: %v, want %v", ok, tc.kept)
			}
		})
	}
	// The bucket made again: a PUT sends no event.
	before := len(queues.bodies())
	if code := do(http.MethodPut, "/lab/input/a.json"); code != 200 {
		t.Fatalf("PUT: %d", code)
	}
	n.Wait()
	if sent := queues.bodies()[before:]; len(sent) != 0 {
		t.Errorf("a deleted bucket's configuration still sends: %q", sent)
	}
}

// A configuration given without an Id gets one, whichever way it is put: "If you don't provide one,
// Amazon S3 will assign an ID" (S3 API Reference, QueueConfiguration and TopicConfiguration). The
// events name it as their configurationId.
func TestConfigurationsWithoutIdGetOne(t *testing.T) {
	queues := &fakeQueues{}
	n := s3events.New(s3events.Options{Queues: queues, Topics: topicsFunc(func(context.Context, sns.PublishInput) (string, error) { return "m", nil })})
	if err := n.SetConfiguration(context.Background(), "lab", s3events.Configuration{
		QueueConfigurations: []s3events.QueueConfiguration{{QueueArn: "arn:aws:sqs:us-east-1:000000000000:work", Events: []string{"s3:ObjectCreated:*"}}},
		TopicConfigurations: []s3events.TopicConfiguration{{TopicArn: "arn:aws:sns:us-east-1:000000000000:t", Events: []string{"s3:ObjectRemoved:*"}}},
	}); err != nil {
		t.Fatal(err)
	}
	cfg, _ := n.Configuration("lab")
	if len(cfg.QueueConfigurations) != 1 || cfg.QueueConfigurations[0].ID == "" || len(cfg.TopicConfigurations) != 1 || cfg.TopicConfigurations[0].ID == "" {
		t.Fatalf("configuration %+v, want an Id on each", cfg)
	}
	n.Notify("lab", "ObjectCreated:Put", s3events.Object{Key: "a.json", Size: 1, ETag: "e"}, "127.0.0.1", "R", "H")
	n.Wait()
	sent := queues.bodies()
	if len(sent) != 2 || !strings.Contains(sent[1], `"configurationId":"`+cfg.QueueConfigurations[0].ID+`"`) {
		t.Errorf("event %q, want configurationId %q", sent, cfg.QueueConfigurations[0].ID)
	}
}

// someQueues are fakeQueues where the queues named missing* do not exist.
type someQueues struct{ *fakeQueues }

func (f someQueues) GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, o ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	if strings.HasPrefix(aws.ToString(in.QueueName), "missing") {
		return nil, fmt.Errorf("AWS.SimpleQueueService.NonExistentQueue: The specified queue does not exist")
	}
	return f.fakeQueues.GetQueueUrl(ctx, in, o...)
}

// A configuration refused for a destination that does not exist sends its other destinations no
// test event: "If enabling the notification fails, you don't receive a test notification." (Amazon
// S3 User Guide, Supported event types for SQS, SNS, and Lambda).
func TestNoTestEventWhenTheConfigurationFails(t *testing.T) {
	queues := someQueues{&fakeQueues{}}
	var published []string
	n := s3events.New(s3events.Options{Queues: queues, Topics: topicsFunc(func(_ context.Context, in sns.PublishInput) (string, error) {
		published = append(published, in.TopicArn)
		return "m", nil
	})})
	err := n.SetConfiguration(context.Background(), "lab", s3events.Configuration{
		QueueConfigurations: []s3events.QueueConfiguration{
			{QueueArn: "arn:aws:sqs:us-east-1:000000000000:work", Events: []string{"s3:ObjectCreated:Put"}},
			{QueueArn: "arn:aws:sqs:us-east-1:000000000000:missing", Events: []string{"s3:ObjectCreated:Copy"}},
		},
		TopicConfigurations: []s3events.TopicConfiguration{{TopicArn: "arn:aws:sns:us-east-1:000000000000:t", Events: []string{"s3:ObjectRemoved:*"}}},
	})
	if err == nil || !strings.Contains(err.Error(), "Unable to validate the following destination configurations: arn:aws:sqs:us-east-1:000000000000:missing (") {
		t.Fatalf("err %v, want the missing queue refused", err)
	}
	if sent := queues.bodies(); len(sent)+len(published) != 0 {
		t.Errorf("test events sent for a refused configuration: queues %q, topics %q", sent, published)
	}
	// A topic of another account is found before sending too, whatever comes before it.
	err = n.SetConfiguration(context.Background(), "lab", s3events.Configuration{
		QueueConfigurations: []s3events.QueueConfiguration{{QueueArn: "arn:aws:sqs:us-east-1:000000000000:work", Events: []string{"s3:ObjectCreated:Put"}}},
		TopicConfigurations: []s3events.TopicConfiguration{{TopicArn: "arn:aws:sns:us-east-1:111122223333:t", Events: []string{"s3:ObjectRemoved:*"}}},
	})
	if err == nil || !strings.Contains(err.Error(), "arn:aws:sns:us-east-1:111122223333:t (") {
		t.Fatalf("err %v, want the other account's topic refused", err)
	}
	if sent := queues.bodies(); len(sent)+len(published) != 0 {
		t.Errorf("test events sent for a configuration refused for its topic: queues %q, topics %q", sent, published)
	}
	// A topic the publisher says does not exist (sns.Service's CheckPublish) is found before
	// sending too; one it takes is sent the test event as S3's service principal.
	var checked []sns.PublishInput
	n = s3events.New(s3events.Options{Queues: queues, Topics: checkingTopics{
		topicsFunc: func(_ context.Context, in sns.PublishInput) (string, error) {
			published = append(published, in.TopicArn)
			return "m", nil
		},
		check: func(in sns.PublishInput) error {
			checked = append(checked, in)
			if strings.HasSuffix(in.TopicArn, ":gone") {
				return errors.New("NotFound: Topic does not exist")
			}
			return nil
		}}})
	err = n.SetConfiguration(context.Background(), "lab", s3events.Configuration{
		QueueConfigurations: []s3events.QueueConfiguration{{QueueArn: "arn:aws:sqs:us-east-1:000000000000:work", Events: []string{"s3:ObjectCreated:Put"}}},
		TopicConfigurations: []s3events.TopicConfiguration{
			{TopicArn: "arn:aws:sns:us-east-1:000000000000:t", Events: []string{"s3:ObjectRemoved:*"}},
			{TopicArn: "arn:aws:sns:us-east-1:000000000000:gone", Events: []string{"s3:ObjectCreated:Copy"}}},
	})
	if err == nil || !strings.Contains(err.Error(), "arn:aws:sns:us-east-1:000000000000:gone (NotFound: Topic does not exist)") {
		t.Fatalf("err %v, want the missing topic refused", err)
	}
	if sent := queues.bodies(); len(sent)+len(published) != 0 {
		t.Errorf("test events sent for a configuration refused for a missing topic: queues %q, topics %q", sent, published)
	}
	if len(checked) != 2 || checked[0].From == nil || checked[0].From.Principal != "s3.amazonaws.com" || checked[0].From.SourceArn != "arn:aws:s3:::lab" {
		t.Errorf("checked %+v, want both topics checked as s3.amazonaws.com for arn:aws:s3:::lab", checked)
	}
	// Its validation skipped (x-amz-skip-destination-validation), the configuration is kept and the
	// destinations that exist are sent the test event.
	bucket := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})) // HeadBucket: 200
	defer bucket.Close()
	target, _ := url.Parse(bucket.URL)
	srv := httptest.NewServer(n.Middleware(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }}))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/lab?notification", strings.NewReader(`<NotificationConfiguration>`+
		`<QueueConfiguration><Queue>arn:aws:sqs:us-east-1:000000000000:missing</Queue><Event>s3:ObjectCreated:Copy</Event></QueueConfiguration>`+
		`<QueueConfiguration><Queue>arn:aws:sqs:us-east-1:000000000000:work</Queue><Event>s3:ObjectCreated:Put</Event></QueueConfiguration>`+
		`</NotificationConfiguration>`))
	req.Header.Set("X-Amz-Skip-Destination-Validation", "true")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cfg, _ := n.Configuration("lab"); resp.StatusCode != 200 || len(cfg.QueueConfigurations) != 2 {
		t.Fatalf("PutBucketNotificationConfiguration skipping validation: %s, configuration %+v", resp.Status, cfg)
	}
	if sent := queues.bodies(); len(sent) != 1 {
		t.Errorf("test events %q, want one to the queue that exists", sent)
	}
}

// notifierBefore is a Notifier's middleware in front of a bare reverse proxy to upstream (a
// stand-in for the S3 emulator: the proxy relays Expect, so the recorder must not rely on the
// gateway's handling of it), bucket "lab" configured to send events to a fake queue under
// configID; it returns the Notifier, the middleware's URL and the queue.
func notifierBefore(t *testing.T, upstream, configID string, events ...string) (n *s3events.Notifier, srvURL string, queues *fakeQueues) {
	t.Helper()
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }}
	queues = &fakeQueues{}
	n = s3events.New(s3events.Options{Queues: queues})
	if err := n.SetConfiguration(context.Background(), "lab", s3events.Configuration{QueueConfigurations: []s3events.QueueConfiguration{
		{ID: configID, QueueArn: "arn:aws:sqs:us-east-1:000000000000:work", Events: events},
	}}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(n.Middleware(proxy))
	t.Cleanup(srv.Close)
	return n, srv.URL, queues
}
