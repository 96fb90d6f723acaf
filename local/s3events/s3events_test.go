package s3events_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/chaoslab/serverless-chaos-lab/local/cloudwatch"
	"github.com/chaoslab/serverless-chaos-lab/local/emulators"
	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/s3events"
	"github.com/chaoslab/serverless-chaos-lab/local/sns"
)

var creds = credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", "")

type cloud struct {
	gw       *gateway.Gateway
	endpoint string // the gateway, http://127.0.0.1:<port>
	s3       *s3.Client
	sqs      *sqs.Client
	sns      *awssns.Client
	metrics  *cloudwatch.Store
	sqsm     *cloudwatch.SQSMetrics
	notifier *s3events.Notifier
}

// startCloud starts fauxqs and a gateway wired as the local cloud wires them, and stops both (by
// pid) at cleanup, checking nothing is left listening.
func startCloud(t *testing.T) *cloud {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: starts the real emulators")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	fq, err := emulators.StartFauxqs(ctx, emulators.Options{RunDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	g := gateway.New(gateway.Options{})
	addr, err := g.Listen(context.Background())
	if err != nil {
		fq.Stop()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		g.Close()
		fq.Stop()
		for _, a := range []string{addr, fq.Addr()} {
			if c, err := net.DialTimeout("tcp", a, time.Second); err == nil {
				c.Close()
				t.Errorf("%s still listening", a)
			}
		}
	})
	endpoint := aws.String("http://" + addr)
	c := &cloud{
		gw: g, endpoint: "http://" + addr,
		s3:      s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: endpoint, Credentials: creds, UsePathStyle: true}),
		sqs:     sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: endpoint, Credentials: creds}),
		sns:     awssns.New(awssns.Options{Region: "us-east-1", BaseEndpoint: endpoint, Credentials: creds}),
		metrics: cloudwatch.NewStore(),
	}
	direct := aws.String(fq.Endpoint().String())
	snsSvc := sns.New(sns.Options{
		Topics:  awssns.New(awssns.Options{Region: "us-east-1", BaseEndpoint: direct, Credentials: creds, HTTPClient: fq.HTTPClient()}),
		Queues:  c.sqs,
		Metrics: c.metrics,
	})
	c.notifier = s3events.New(s3events.Options{Queues: c.sqs, Topics: snsSvc})
	c.sqsm = cloudwatch.NewSQSMetrics(c.metrics, cloudwatch.SQSMetricsOptions{
		Queues: sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: direct, Credentials: creds, HTTPClient: fq.HTTPClient()}), Fauxqs: fq.SecretURL()})
	for _, svc := range []string{"s3", "sqs", "sns"} {
		g.ProxyTo(svc, gateway.Upstream{URL: fq.Endpoint(), Header: fq.Header()})
	}
	g.Use("s3", c.notifier.Middleware)
	g.Use("sns", snsSvc.Middleware)
	g.Use("sqs", c.sqsm.Middleware)
	g.Handle("monitoring", c.metrics.Handler())
	return c
}

func (c *cloud) queue(t *testing.T, name string) (url, arn string) {
	t.Helper()
	ctx := context.Background()
	q, err := c.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(q.QueueUrl), "arn:aws:sqs:us-east-1:000000000000:" + name
}

// receive waits up to wait for one message and deletes it; "" when none came.
func (c *cloud) receive(t *testing.T, queueURL string, wait int32) string {
	t.Helper()
	ctx := context.Background()
	out, err := c.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), WaitTimeSeconds: wait, MaxNumberOfMessages: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) == 0 {
		return ""
	}
	if _, err := c.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Messages[0].Body)
}

type event struct {
	Records []struct {
		EventVersion, EventSource, EventName, AwsRegion string
		S3                                              struct {
			ConfigurationID string `json:"configurationId"`
			Bucket          struct{ Name, Arn string }
			Object          struct {
				Key       string
				Size      int64
				ETag      string `json:"eTag"`
				Sequencer string
			}
		}
	}
	Event string // s3:TestEvent
}

func TestNotificationsToQueueAndTopic(t *testing.T) {
	ctx := context.Background()
	c := startCloud(t)
	jsonURL, jsonArn := c.queue(t, "json-work")
	csvURL, csvArn := c.queue(t, "csv-out")
	rawURL, rawArn := c.queue(t, "csv-raw")
	topic, err := c.sns.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("csv-topic")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.sns.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(csvArn)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.sns.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(rawArn),
		Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("lab")}); err != nil {
		t.Fatal(err)
	}
	rule := func(name, v string) s3types.FilterRule {
		return s3types.FilterRule{Name: s3types.FilterRuleName(name), Value: aws.String(v)}
	}
	_, err = c.s3.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String("lab"),
		NotificationConfiguration: &s3types.NotificationConfiguration{
			QueueConfigurations: []s3types.QueueConfiguration{{Id: aws.String("json"), QueueArn: aws.String(jsonArn), Events: []s3types.Event{"s3:ObjectCreated:*"},
				Filter: &s3types.NotificationConfigurationFilter{Key: &s3types.S3KeyFilter{FilterRules: []s3types.FilterRule{rule("prefix", "input/"), rule("suffix", ".json")}}}}},
			TopicConfigurations: []s3types.TopicConfiguration{{Id: aws.String("csv"), TopicArn: topic.TopicArn, Events: []s3types.Event{"s3:ObjectCreated:Put"},
				Filter: &s3types.NotificationConfigurationFilter{Key: &s3types.S3KeyFilter{FilterRules: []s3types.FilterRule{rule("prefix", "output/"), rule("suffix", ".csv")}}}}},
		}})
	if err != nil {
		t.Fatalf("PutBucketNotificationConfiguration: %v", err)
	}

	// S3 sends s3:TestEvent to each destination when the configuration is put.
	var test event
	if err := json.Unmarshal([]byte(c.receive(t, jsonURL, 2)), &test); err != nil || test.Event != "s3:TestEvent" {
		t.Fatalf("json queue test event = %+v, %v", test, err)
	}
	c.receive(t, csvURL, 2)
	c.receive(t, rawURL, 2)

	got, err := c.s3.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: aws.String("lab")})
	if err != nil || len(got.QueueConfigurations) != 1 || aws.ToString(got.QueueConfigurations[0].QueueArn) != jsonArn ||
		len(got.QueueConfigurations[0].Filter.Key.FilterRules) != 2 || len(got.TopicConfigurations) != 1 {
		t.Fatalf("GetBucketNotificationConfiguration = %+v, %v", got, err)
	}

	put := func(key, body string) string {
		t.Helper()
		out, err := c.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("lab"), Key: aws.String(key), Body: strings.NewReader(body)})
		if err != nil {
			t.Fatalf("PutObject %s: %v", key, err)
		}
		return strings.Trim(aws.ToString(out.ETag), `"`)
	}
	tests := []struct {
		name    string
		key     string
		queue   string // where the event must arrive ("" = nowhere)
		viaSNS  bool
		wantKey string
	}{
		{name: "input json to the work queue", key: "input/doc 1.json", queue: jsonURL, wantKey: "input/doc+1.json"},
		{name: "output csv through the topic (envelope)", key: "output/doc.json.csv", queue: csvURL, viaSNS: true, wantKey: "output/doc.json.csv"},
		{name: "wrong suffix", key: "input/doc.txt"},
		{name: "wrong prefix", key: "other/doc.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"n":1,"key":"` + tc.key + `"}`
			etag := put(tc.key, body)
			c.notifier.Wait()
			if tc.queue == "" {
				for _, q := range []string{jsonURL, csvURL, rawURL} {
					if m := c.receive(t, q, 0); m != "" {
						t.Errorf("unexpected event on %s: %s", q, m)
					}
				}
				return
			}
			msg := c.receive(t, tc.queue, 2)
			if tc.viaSNS {
				var env struct{ Type, TopicArn, Message, Subject, MessageId, SignatureVersion string }
				if err := json.Unmarshal([]byte(msg), &env); err != nil || env.Type != "Notification" || env.TopicArn != aws.ToString(topic.TopicArn) || env.MessageId == "" || env.Subject != "Amazon S3 Notification" {
					t.Fatalf("SNS envelope = %s (%v)", msg, err)
				}
				raw := c.receive(t, rawURL, 2)
				if raw != env.Message {
					t.Errorf("raw delivery = %q, want the bare message %q", raw, env.Message)
				}
				msg = env.Message
			}
			var ev event
			if err := json.Unmarshal([]byte(msg), &ev); err != nil || len(ev.Records) != 1 {
				t.Fatalf("event = %s (%v)", msg, err)
			}
			r := ev.Records[0]
			if r.EventVersion != "2.1" || r.EventSource != "aws:s3" || r.EventName != "ObjectCreated:Put" || r.AwsRegion != "us-east-1" {
				t.Errorf("record header = %+v", r)
			}
			if r.S3.Bucket.Name != "lab" || r.S3.Bucket.Arn != "arn:aws:s3:::lab" || r.S3.Object.Key != tc.wantKey ||
				r.S3.Object.Size != int64(len(body)) || r.S3.Object.ETag != etag || r.S3.Object.Sequencer == "" {
				t.Errorf("record s3 = %+v, want key %s size %d etag %s", r.S3, tc.wantKey, len(body), etag)
			}
		})
	}

	// A destination that does not exist is refused, as S3 validates destinations.
	_, err = c.s3.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String("lab"),
		NotificationConfiguration: &s3types.NotificationConfiguration{QueueConfigurations: []s3types.QueueConfiguration{{
			QueueArn: aws.String("arn:aws:sqs:us-east-1:000000000000:missing"), Events: []s3types.Event{"s3:ObjectCreated:*"}}}}})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidArgument" ||
		!strings.HasPrefix(apiErr.ErrorMessage(), "Unable to validate the following destination configurations") {
		t.Errorf("configuration with a missing queue = %v, want InvalidArgument with S3's message (its code said once)", err)
	}
	if cfg, _ := c.notifier.Configuration("lab"); len(cfg.QueueConfigurations) != 1 || cfg.QueueConfigurations[0].QueueArn != jsonArn {
		t.Errorf("a refused configuration replaced the previous one: %+v", cfg)
	}

	// SQS metrics: the two deliveries to the work queue (test event + document) passed the gateway.
	sent := c.sum("AWS/SQS", "NumberOfMessagesSent", "QueueName", "json-work")
	if sent != 2 {
		t.Errorf("json-work NumberOfMessagesSent = %v, want 2", sent)
	}
	if r := c.sum("AWS/SQS", "NumberOfMessagesReceived", "QueueName", "json-work"); r != 2 {
		t.Errorf("json-work NumberOfMessagesReceived = %v, want 2", r)
	}
	if d := c.sum("AWS/SQS", "NumberOfMessagesDeleted", "QueueName", "json-work"); d != 2 {
		t.Errorf("json-work NumberOfMessagesDeleted = %v, want 2", d)
	}
	if p := c.sum("AWS/SNS", "NumberOfMessagesPublished", "TopicName", "csv-topic"); p != 2 {
		t.Errorf("NumberOfMessagesPublished = %v, want 2 (test event + csv)", p)
	}
	if d := c.sum("AWS/SNS", "NumberOfNotificationsDelivered", "TopicName", "csv-topic"); d != 4 {
		t.Errorf("NumberOfNotificationsDelivered = %v, want 4 (2 messages × 2 subscriptions)", d)
	}

	// Batches count per entry that succeeded.
	batchURL, _ := c.queue(t, "batch")
	sb, err := c.sqs.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(batchURL), Entries: []sqstypes.SendMessageBatchRequestEntry{
		{Id: aws.String("1"), MessageBody: aws.String("a")}, {Id: aws.String("2"), MessageBody: aws.String("b")}, {Id: aws.String("3"), MessageBody: aws.String("c")}}})
	if err != nil || len(sb.Successful) != 3 {
		t.Fatalf("SendMessageBatch = %+v, %v", sb, err)
	}
	rm, err := c.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(batchURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if err != nil || len(rm.Messages) == 0 {
		t.Fatalf("ReceiveMessage = %+v, %v", rm, err)
	}
	var del []sqstypes.DeleteMessageBatchRequestEntry
	for i, m := range rm.Messages {
		del = append(del, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
	}
	if _, err := c.sqs.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(batchURL), Entries: del}); err != nil {
		t.Fatal(err)
	}
	batchTests := []struct {
		name   string
		metric string
		want   float64
	}{
		{name: "sent", metric: "NumberOfMessagesSent", want: 3},
		{name: "received", metric: "NumberOfMessagesReceived", want: float64(len(rm.Messages))},
		{name: "deleted", metric: "NumberOfMessagesDeleted", want: float64(len(rm.Messages))},
	}
	for _, tc := range batchTests {
		t.Run("batch "+tc.name, func(t *testing.T) {
			if got := c.sum("AWS/SQS", tc.metric, "QueueName", "batch"); got != tc.want {
				t.Errorf("batch %s = %v, want %v", tc.metric, got, tc.want)
			}
		})
	}

	// Sampling: one message waiting in the work queue.
	put("input/waiting.json", "{}")
	c.notifier.Wait()
	time.Sleep(1100 * time.Millisecond)
	c.sqsm.Sample(ctx)
	if v := c.last("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "json-work"); v != 1 {
		t.Errorf("ApproximateNumberOfMessagesVisible = %v, want 1", v)
	}
	if v := c.last("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", "json-work"); v < 1 || v > 30 {
		t.Errorf("ApproximateAgeOfOldestMessage = %v, want about 1s", v)
	}
}

func (c *cloud) series(ns, name, dim, value, stat string) []float64 {
	res, err := c.metrics.GetMetricData([]cloudwatch.Query{{ID: "m", ReturnData: true, MetricStat: &cloudwatch.MetricStat{
		Namespace: ns, Name: name, Dimensions: map[string]string{dim: value}, Period: time.Hour, Stat: stat}}},
		time.Now().Add(-time.Hour), time.Now().Add(time.Hour), false)
	if err != nil || len(res) != 1 {
		return nil
	}
	return res[0].Values
}

func (c *cloud) sum(ns, name, dim, value string) float64 {
	var s float64
	for _, v := range c.series(ns, name, dim, value, "Sum") {
		s += v
	}
	return s
}

func (c *cloud) last(ns, name, dim, value string) float64 {
	v := c.series(ns, name, dim, value, "Maximum")
	if len(v) == 0 {
		return -1
	}
	return v[len(v)-1]
}
