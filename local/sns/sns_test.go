package sns_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/chaoslab/serverless-chaos-lab/local/cloudwatch"
	"github.com/chaoslab/serverless-chaos-lab/local/emulators"
	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/sns"
)

var creds = credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", "")

// fifoWindow is startLocal's FIFO deduplication window (SNS's is sns.DedupWindow, 5 minutes).
const fifoWindow = 3 * time.Second

// local is fauxqs behind a gateway with the SNS service and the SQS metrics, as the local cloud
// wires them; startLocal starts it (skipped with -short) with a context of a minute, and stops it
// when the test ends (the caller may stop it earlier).
type local struct {
	fq      *emulators.Process
	g       *gateway.Gateway
	addr    string
	sqs     *sqs.Client
	sns     *awssns.Client
	topics  *awssns.Client // straight to the emulator, as the cloud's Service reads topics
	metrics *cloudwatch.Store
}

func startLocal(t *testing.T) (context.Context, *local) {
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
	t.Cleanup(func() { fq.Stop() })
	g := gateway.New(gateway.Options{})
	addr, err := g.Listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	endpoint := aws.String("http://" + addr)
	l := &local{fq: fq, g: g, addr: addr, metrics: cloudwatch.NewStore(),
		sqs: sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: endpoint, Credentials: creds}),
		sns: awssns.New(awssns.Options{Region: "us-east-1", BaseEndpoint: endpoint, Credentials: creds})}
	l.topics = awssns.New(awssns.Options{Region: "us-east-1", BaseEndpoint: aws.String(fq.Endpoint().String()), Credentials: creds, HTTPClient: fq.HTTPClient()})
	svc := sns.New(sns.Options{
		Topics:  l.topics,
		Queues:  l.sqs,
		Metrics: l.metrics,
		// A FIFO topic's deduplication window, shortened so that a test can outlast it.
		DedupWindow: fifoWindow,
	})
	g.ProxyTo("sns", gateway.Upstream{URL: fq.Endpoint(), Header: fq.Header()})
	g.ProxyTo("sqs", gateway.Upstream{URL: fq.Endpoint(), Header: fq.Header()})
	g.Use("sns", svc.Middleware)
	sqsm := cloudwatch.NewSQSMetrics(l.metrics, cloudwatch.SQSMetricsOptions{})
	g.Use("sqs", sqsm.Middleware)
	return ctx, l
}

// sum is a metric's sum over the last hour.
func (l *local) sum(ns, name, dim, v string) float64 {
	res, err := l.metrics.GetMetricData([]cloudwatch.Query{{ID: "m", ReturnData: true, MetricStat: &cloudwatch.MetricStat{
		Namespace: ns, Name: name, Dimensions: map[string]string{dim: v}, Period: time.Hour, Stat: "Sum"}}}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), false)
	if err != nil || len(res) == 0 || len(res[0].Values) == 0 {
		return 0
	}
	return res[0].Values[0]
}

func TestPublishDeliversWithWitness(t *testing.T) {
	ctx, l := startLocal(t)
	fq, g, addr, sqsc, snsc := l.fq, l.g, l.addr, l.sqs, l.sns

	topic, err := snsc.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("t")})
	if err != nil {
		t.Fatal(err)
	}
	mkq := func(name string, raw bool) string {
		q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		attrs := map[string]string{}
		if raw {
			attrs["RawMessageDelivery"] = "true"
		}
		if _, err := snsc.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
			Endpoint: aws.String("arn:aws:sqs:us-east-1:000000000000:" + name), Attributes: attrs}); err != nil {
			t.Fatal(err)
		}
		return aws.ToString(q.QueueUrl)
	}
	envQ, rawQ := mkq("env", false), mkq("raw", true)

	pub, err := snsc.Publish(ctx, &awssns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("hello"), Subject: aws.String("greeting"),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{"kind": {DataType: aws.String("String"), StringValue: aws.String("csv")}}})
	if err != nil || aws.ToString(pub.MessageId) == "" {
		t.Fatalf("Publish = %+v, %v", pub, err)
	}
	batch, err := snsc.PublishBatch(ctx, &awssns.PublishBatchInput{TopicArn: topic.TopicArn, PublishBatchRequestEntries: []snstypes.PublishBatchRequestEntry{
		{Id: aws.String("a"), Message: aws.String("one")}, {Id: aws.String("b"), Message: aws.String("two")}}})
	if err != nil || len(batch.Successful) != 2 || len(batch.Failed) != 0 {
		t.Fatalf("PublishBatch = %+v, %v", batch, err)
	}

	tests := []struct {
		name  string
		queue string
		check func(t *testing.T, msgs []sqstypes.Message)
	}{
		{name: "envelope, each message exactly once", queue: envQ, check: func(t *testing.T, msgs []sqstypes.Message) {
			if len(msgs) != 3 {
				t.Fatalf("got %d messages, want 3 (no double delivery by the emulator)", len(msgs))
			}
			var env struct {
				Type, MessageId, TopicArn, Subject, Message, Timestamp, SignatureVersion, UnsubscribeURL string
				MessageAttributes                                                                        map[string]struct{ Type, Value string }
			}
			for _, m := range msgs {
				if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &env); err != nil {
					t.Fatal(err)
				}
				if env.Message == "hello" {
					break
				}
			}
			if env.Type != "Notification" || env.MessageId != aws.ToString(pub.MessageId) || env.TopicArn != aws.ToString(topic.TopicArn) ||
				env.Subject != "greeting" || env.SignatureVersion != "1" || env.UnsubscribeURL == "" || env.MessageAttributes["kind"].Value != "csv" {
				t.Errorf("envelope = %+v", env)
			}
			if _, err := time.Parse(time.RFC3339Nano, env.Timestamp); err != nil {
				t.Errorf("Timestamp %q: %v", env.Timestamp, err)
			}
		}},
		{name: "raw delivery with attributes", queue: rawQ, check: func(t *testing.T, msgs []sqstypes.Message) {
			if len(msgs) != 3 {
				t.Fatalf("got %d messages, want 3", len(msgs))
			}
			found := false
			for _, m := range msgs {
				if aws.ToString(m.Body) == "hello" {
					found = aws.ToString(m.MessageAttributes["kind"].StringValue) == "csv"
				}
			}
			if !found {
				t.Errorf("raw messages = %+v, want body hello with attribute kind=csv", msgs)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.check(t, receive(ctx, t, l, tc.queue, 0)) })
	}

	_, err = snsc.Publish(ctx, &awssns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:000000000000:missing"), Message: aws.String("x")})
	var nf *snstypes.NotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("Publish to a missing topic = %v, want NotFoundException", err)
	}

	sum := l.sum
	metricTests := []struct {
		name     string
		ns, m    string
		dim, val string
		want     float64
	}{
		{name: "published", ns: "AWS/SNS", m: "NumberOfMessagesPublished", dim: "TopicName", val: "t", want: 3},
		{name: "delivered", ns: "AWS/SNS", m: "NumberOfNotificationsDelivered", dim: "TopicName", val: "t", want: 6},
		{name: "failed", ns: "AWS/SNS", m: "NumberOfNotificationsFailed", dim: "TopicName", val: "t", want: 0},
		{name: "queue sent (deliveries pass the gateway)", ns: "AWS/SQS", m: "NumberOfMessagesSent", dim: "QueueName", val: "env", want: 3},
		{name: "queue received", ns: "AWS/SQS", m: "NumberOfMessagesReceived", dim: "QueueName", val: "raw", want: 3},
	}
	for _, tc := range metricTests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sum(tc.ns, tc.m, tc.dim, tc.val); got != tc.want {
				t.Errorf("%s %s{%s=%s} = %v, want %v", tc.ns, tc.m, tc.dim, tc.val, got, tc.want)
			}
		})
	}

	// The topic's ARN as TargetArn publishes to it too, as SNS takes it.
	if _, err := snsc.Publish(ctx, &awssns.PublishInput{TargetArn: topic.TopicArn, Message: aws.String("by target")}); err != nil {
		t.Errorf("Publish with the topic as TargetArn: %v", err)
	} else if got := receive(ctx, t, l, rawQ, 1); len(got) != 1 || aws.ToString(got[0].Body) != "by target" {
		t.Errorf("the raw subscriber got %d messages (%v), want the one published by TargetArn", len(got), got)
	}

	// A topic's subscriptions: the topic's listed; a topic that does not exist, or an ARN that is
	// none, is said to be so (the emulator listed nothing for either).
	if subs, err := snsc.ListSubscriptionsByTopic(ctx, &awssns.ListSubscriptionsByTopicInput{TopicArn: topic.TopicArn}); err != nil || len(subs.Subscriptions) == 0 {
		t.Errorf("ListSubscriptionsByTopic of the topic: %v, %v", subs, err)
	}
	for arn, code := range map[string]string{"arn:aws:sns:us-east-1:000000000000:nope": "NotFound", "notanarn": "InvalidParameter"} {
		var ae smithy.APIError
		if _, err := snsc.ListSubscriptionsByTopic(ctx, &awssns.ListSubscriptionsByTopicInput{TopicArn: aws.String(arn)}); !errors.As(err, &ae) || ae.ErrorCode() != code {
			t.Errorf("ListSubscriptionsByTopic of %s: %v, want %s", arn, err, code)
		}
	}
	// Another region's topic ARN is InvalidParameter, as SNS answers it (the emulator said NotFound).
	{
		var ae smithy.APIError
		other := strings.Replace(aws.ToString(topic.TopicArn), ":us-east-1:", ":eu-west-1:", 1)
		if _, err := snsc.Publish(ctx, &awssns.PublishInput{TopicArn: aws.String(other), Message: aws.String("x")}); !errors.As(err, &ae) || ae.ErrorCode() != "InvalidParameter" {
			t.Errorf("Publish to %s: %v, want InvalidParameter", other, err)
		}
	}
	// A subscription is named by its ARN: a typo or the topic's ARN is InvalidParameter (the
	// emulator answered an Unsubscribe of it as done); a subscription's is read.
	sub := subs(ctx, t, snsc, topic.TopicArn)
	for _, arn := range []string{"bogus", aws.ToString(topic.TopicArn), "pending confirmation", aws.ToString(topic.TopicArn) + ":"} {
		var ae smithy.APIError
		if _, err := snsc.Unsubscribe(ctx, &awssns.UnsubscribeInput{SubscriptionArn: aws.String(arn)}); !errors.As(err, &ae) || ae.ErrorCode() != "InvalidParameter" {
			t.Errorf("Unsubscribe of %q: %v, want InvalidParameter", arn, err)
		}
		if _, err := snsc.GetSubscriptionAttributes(ctx, &awssns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(arn)}); !errors.As(err, &ae) || ae.ErrorCode() != "InvalidParameter" {
			t.Errorf("GetSubscriptionAttributes of %q: %v, want InvalidParameter", arn, err)
		}
	}
	if _, err := snsc.GetSubscriptionAttributes(ctx, &awssns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(sub)}); err != nil {
		t.Errorf("GetSubscriptionAttributes of %s: %v", sub, err)
	}
	// Only sqs is delivered here: a Subscribe of another protocol is refused naming it (the
	// emulator confirmed an email subscription and dropped its messages), an unknown one as SNS words it.
	for protocol, endpoint := range map[string]string{"email": "ops@example.com", "https": "https://example.com/hook",
		"lambda": "arn:aws:lambda:us-east-1:000000000000:function:f", "carrier-pigeon": "coop"} {
		var ae smithy.APIError
		_, err := snsc.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String(protocol), Endpoint: aws.String(endpoint)})
		want := "delivers to sqs subscriptions only, not " + protocol
		if protocol == "carrier-pigeon" {
			want = "does not support this protocol string: carrier-pigeon"
		}
		if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidParameter" || !strings.Contains(ae.ErrorMessage(), want) {
			t.Errorf("Subscribe of %s: %v, want InvalidParameter %q", protocol, err, want)
		}
	}
	if out, err := snsc.ListSubscriptionsByTopic(ctx, &awssns.ListSubscriptionsByTopicInput{TopicArn: topic.TopicArn}); err != nil || len(out.Subscriptions) != 2 {
		t.Errorf("ListSubscriptionsByTopic after the refused ones: %v, want the two queues' alone", err)
	}

	g.Close()
	fq.Stop()
	for _, a := range []string{addr, fq.Addr()} {
		if c, err := net.DialTimeout("tcp", a, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still listening", a)
		}
	}
}

// A subscription's filter policy decides each delivery here (the deliveries pass the gateway, so
// the queue's policy decides them too), and a policy SNS refuses is refused when set.
func TestFilterPolicyThroughTheGateway(t *testing.T) {
	ctx, l := startLocal(t)
	topic, err := l.sns.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	q, err := l.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("placed")})
	if err != nil {
		t.Fatal(err)
	}
	subscribe := func(policy, scope string) (*awssns.SubscribeOutput, error) {
		return l.sns.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
			Endpoint: aws.String("arn:aws:sqs:us-east-1:000000000000:placed"), ReturnSubscriptionArn: true,
			Attributes: map[string]string{"RawMessageDelivery": "true", "FilterPolicy": policy, "FilterPolicyScope": scope}})
	}
	var invalid *snstypes.InvalidParameterException
	if _, err := subscribe(`{"order": {"event": ["placed"]}}`, "MessageAttributes"); !errors.As(err, &invalid) || !strings.Contains(err.Error(), "order: scope MessageAttributes takes no nested object") {
		t.Errorf("a nested policy on attributes: %v, want InvalidParameter naming order", err)
	}
	sub, err := subscribe(`{"order": {"event": ["placed"]}}`, "MessageBody")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{`{"order": {"event": "placed", "id": 1}}`, `{"order": {"event": "cancelled", "id": 2}}`, "not JSON"} {
		if _, err := l.sns.Publish(ctx, &awssns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(m)}); err != nil {
			t.Fatal(err)
		}
	}
	// Changing the scope alone is checked against the policy the subscription has.
	if _, err := l.sns.SetSubscriptionAttributes(ctx, &awssns.SetSubscriptionAttributesInput{SubscriptionArn: sub.SubscriptionArn,
		AttributeName: aws.String("FilterPolicyScope"), AttributeValue: aws.String("MessageAttributes")}); !errors.As(err, &invalid) {
		t.Errorf("scope MessageAttributes under a nested policy: %v, want InvalidParameter", err)
	}
	// {} removes the policy: everything is delivered again.
	if _, err := l.sns.SetSubscriptionAttributes(ctx, &awssns.SetSubscriptionAttributesInput{SubscriptionArn: sub.SubscriptionArn,
		AttributeName: aws.String("FilterPolicy"), AttributeValue: aws.String("{}")}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.sns.Publish(ctx, &awssns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("unfiltered")}); err != nil {
		t.Fatal(err)
	}

	var got []string
	for range 2 {
		out, err := l.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			got = append(got, aws.ToString(m.Body))
		}
	}
	slices.Sort(got)
	if want := []string{"unfiltered", `{"order": {"event": "placed", "id": 1}}`}; !slices.Equal(got, want) {
		t.Errorf("delivered %q, want %q", got, want)
	}
	for name, want := range map[string]float64{
		"NumberOfMessagesPublished":                           4,
		"NumberOfNotificationsDelivered":                      2,
		"NumberOfNotificationsFilteredOut":                    1,
		"NumberOfNotificationsFilteredOut-MessageBody":        1,
		"NumberOfNotificationsFilteredOut-InvalidMessageBody": 1,
	} {
		if got := l.sum("AWS/SNS", name, "TopicName", "orders"); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}

// Topic names SNS refuses, which the emulator created (x.fifo as a FIFO topic), are refused with
// InvalidParameter through the SDK, and no topic is made.
func TestCreateTopicNamesOnTheEmulator(t *testing.T) {
	ctx, l := startLocal(t)
	for _, name := range []string{"bad name", strings.Repeat("t", 257), "x.fifo"} {
		var invalid *snstypes.InvalidParameterException
		if _, err := l.sns.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String(name)}); !errors.As(err, &invalid) {
			t.Errorf("CreateTopic %.20q: %v, want InvalidParameter", name, err)
		}
	}
	if _, err := l.sns.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("x.fifo"), Attributes: map[string]string{"FifoTopic": "true"}}); err != nil {
		t.Errorf("CreateTopic x.fifo, FifoTopic true: %v", err)
	}
	out, err := l.topics.ListTopics(ctx, &awssns.ListTopicsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Topics) != 1 || !strings.HasSuffix(aws.ToString(out.Topics[0].TopicArn), ":x.fifo") {
		t.Errorf("topics after: %v, want x.fifo alone", out.Topics)
	}
}

// A FIFO topic is delivered here too: group id required, deduplication by id or by content within
// the window, sequence numbers in order, group and deduplication ids on a FIFO queue's messages.
func TestFIFOTopic(t *testing.T) {
	ctx, l := startLocal(t)
	mkTopic := func(name string, attrs map[string]string) *string {
		out, err := l.sns.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String(name), Attributes: attrs})
		if err != nil {
			t.Fatal(err)
		}
		return out.TopicArn
	}
	fifo := map[string]string{"FifoTopic": "true"}
	orders := mkTopic("orders.fifo", fifo)
	byContent := mkTopic("content.fifo", map[string]string{"FifoTopic": "true", "ContentBasedDeduplication": "true"})
	standard := mkTopic("standard", nil)
	mkQueue := func(name string, attrs map[string]string, topic *string, raw bool) string {
		q, err := l.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
		if err != nil {
			t.Fatal(err)
		}
		sub := map[string]string{}
		if raw {
			sub["RawMessageDelivery"] = "true"
		}
		if _, err := l.sns.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: topic, Protocol: aws.String("sqs"),
			Endpoint: aws.String("arn:aws:sqs:us-east-1:000000000000:" + name), Attributes: sub}); err != nil {
			t.Fatalf("subscribe %s: %v", name, err)
		}
		return aws.ToString(q.QueueUrl)
	}
	fifoQueue := map[string]string{"FifoQueue": "true"}
	fifoQ := mkQueue("orders-q.fifo", fifoQueue, orders, false)
	// Standard queues: they do not deduplicate, so what they get is what the topic sent.
	stdQ := mkQueue("orders-std", nil, orders, true)
	contentStdQ := mkQueue("content-std", nil, byContent, true)

	publish := func(topic *string, msg, group, dedup string) (*awssns.PublishOutput, error) {
		in := &awssns.PublishInput{TopicArn: topic, Message: aws.String(msg)}
		if group != "" {
			in.MessageGroupId = aws.String(group)
		}
		if dedup != "" {
			in.MessageDeduplicationId = aws.String(dedup)
		}
		return l.sns.Publish(ctx, in)
	}
	refusals := []struct {
		name                string
		topic               *string
		group, dedup, wants string
	}{
		{"no group id", orders, "", "d", "MessageGroupId parameter is required"},
		{"no deduplication id, no content deduplication", orders, "g", "", "ContentBasedDeduplication"},
		{"group id with a space", orders, "g 1", "d", "MessageGroupId Reason"},
		{"deduplication id of 129 characters", orders, "g", strings.Repeat("d", 129), "MessageDeduplicationId Reason"},
		{"deduplication id on a standard topic", standard, "", "d", "MessageDeduplicationId"},
		{"group id with a space on a standard topic", standard, "g 1", "", "MessageGroupId Reason"},
	}
	for _, tc := range refusals {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			_, err := publish(tc.topic, "m", tc.group, tc.dedup)
			var ip *snstypes.InvalidParameterException
			if !errors.As(err, &ip) || !strings.Contains(err.Error(), tc.wants) {
				t.Errorf("Publish = %v, want InvalidParameter naming %q", err, tc.wants)
			}
		})
	}
	t.Run("refused: a FIFO queue on a standard topic", func(t *testing.T) {
		_, err := l.sns.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: standard, Protocol: aws.String("sqs"),
			Endpoint: aws.String("arn:aws:sqs:us-east-1:000000000000:orders-q.fifo")})
		var ip *snstypes.InvalidParameterException
		if !errors.As(err, &ip) || !strings.Contains(err.Error(), "FIFO SQS Queues") {
			t.Errorf("Subscribe = %v, want InvalidParameter", err)
		}
	})
	t.Run("refused: a batch with an entry without a group id, whole", func(t *testing.T) {
		_, err := l.sns.PublishBatch(ctx, &awssns.PublishBatchInput{TopicArn: orders, PublishBatchRequestEntries: []snstypes.PublishBatchRequestEntry{
			{Id: aws.String("a"), Message: aws.String("never"), MessageGroupId: aws.String("g2"), MessageDeduplicationId: aws.String("never")},
			{Id: aws.String("b"), Message: aws.String("never either"), MessageDeduplicationId: aws.String("d4")}}})
		var ip *snstypes.InvalidParameterException
		if !errors.As(err, &ip) || !strings.Contains(err.Error(), "MessageGroupId parameter is required") {
			t.Errorf("PublishBatch = %v, want the whole batch refused with InvalidParameter", err)
		}
	})

	first, err := publish(orders, "one", "g1", "d1")
	if err != nil {
		t.Fatal(err)
	}
	second, err := publish(orders, "two", "g1", "d2")
	if err != nil {
		t.Fatal(err)
	}
	again, err := publish(orders, "one again", "g1", "d1")
	if err != nil {
		t.Fatal(err)
	}
	batch, err := l.sns.PublishBatch(ctx, &awssns.PublishBatchInput{TopicArn: orders, PublishBatchRequestEntries: []snstypes.PublishBatchRequestEntry{
		{Id: aws.String("a"), Message: aws.String("three"), MessageGroupId: aws.String("g2"), MessageDeduplicationId: aws.String("d3")}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a duplicate is answered as the first", func(t *testing.T) {
		if aws.ToString(again.MessageId) != aws.ToString(first.MessageId) || aws.ToString(again.SequenceNumber) != aws.ToString(first.SequenceNumber) {
			t.Errorf("duplicate = %s/%s, first %s/%s", aws.ToString(again.MessageId), aws.ToString(again.SequenceNumber), aws.ToString(first.MessageId), aws.ToString(first.SequenceNumber))
		}
	})
	t.Run("sequence numbers rise", func(t *testing.T) {
		a, b := aws.ToString(first.SequenceNumber), aws.ToString(second.SequenceNumber)
		c := ""
		if len(batch.Successful) == 1 {
			c = aws.ToString(batch.Successful[0].SequenceNumber)
		}
		if len(a) != 20 || len(b) != 20 || b <= a || c <= b {
			t.Errorf("sequence numbers %q, %q, then the batch's %q", a, b, c)
		}
	})

	t.Run("the FIFO queue gets each message once, in order, with its ids, unsigned", func(t *testing.T) {
		msgs := receive(ctx, t, l, fifoQ, 3)
		var got []string
		for _, m := range msgs {
			var env map[string]any
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &env); err != nil {
				t.Fatal(err)
			}
			got = append(got, env["Message"].(string)+"/"+m.Attributes["MessageGroupId"])
			if env["Message"] == "one" && (env["SequenceNumber"] != aws.ToString(first.SequenceNumber) || m.Attributes["MessageDeduplicationId"] != "d1") {
				t.Errorf("first message: envelope %v, attributes %v", env, m.Attributes)
			}
			for _, k := range []string{"Signature", "SignatureVersion", "SigningCertURL"} {
				if _, ok := env[k]; ok {
					t.Errorf("a FIFO topic's envelope has %s: %v", k, env)
				}
			}
		}
		if want := []string{"one/g1", "two/g1", "three/g2"}; !slices.Equal(sortedGroups(got), want) {
			t.Errorf("FIFO queue got %v, want %v", got, want)
		}
	})
	t.Run("a standard queue on a FIFO topic gets each message once, without ids", func(t *testing.T) {
		var got []string
		for _, m := range receive(ctx, t, l, stdQ, 3) {
			got = append(got, aws.ToString(m.Body))
			if g := m.Attributes["MessageGroupId"]; g != "" {
				t.Errorf("%s has group id %q in a standard queue", aws.ToString(m.Body), g)
			}
		}
		if want := []string{"one", "two", "three"}; !slices.Equal(got, want) {
			t.Errorf("standard queue got %v, want %v", got, want)
		}
	})
	t.Run("content-based deduplication", func(t *testing.T) {
		a, err := publish(byContent, "same", "g", "")
		if err != nil {
			t.Fatal(err)
		}
		b, err := publish(byContent, "same", "g", "")
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(a.MessageId) != aws.ToString(b.MessageId) {
			t.Errorf("same content published twice: ids %s and %s", aws.ToString(a.MessageId), aws.ToString(b.MessageId))
		}
		if msgs := receive(ctx, t, l, contentStdQ, 1); len(msgs) != 1 {
			t.Errorf("the standard queue got %d messages, want 1", len(msgs))
		}
	})
	t.Run("metrics count each message once", func(t *testing.T) {
		if got := l.sum("AWS/SNS", "NumberOfMessagesPublished", "TopicName", "orders.fifo"); got != 3 {
			t.Errorf("published = %v, want 3 (the duplicate is not)", got)
		}
		if got := l.sum("AWS/SNS", "NumberOfNotificationsDelivered", "TopicName", "orders.fifo"); got != 6 {
			t.Errorf("delivered = %v, want 6", got)
		}
	})
	t.Run("concurrent publishes are delivered in sequence order", func(t *testing.T) {
		topic := mkTopic("busy.fifo", fifo)
		q := mkQueue("busy-std", nil, topic, false)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				if _, err := publish(topic, fmt.Sprint(i), fmt.Sprint("g", i%4), fmt.Sprint("d", i)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		var seqs []string
		for _, m := range receive(ctx, t, l, q, 20) {
			var env struct{ SequenceNumber string }
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &env); err != nil {
				t.Fatal(err)
			}
			seqs = append(seqs, env.SequenceNumber)
		}
		if len(seqs) != 20 || !slices.IsSorted(seqs) {
			t.Errorf("received sequence numbers %v, want 20 in order", seqs)
		}
	})
	t.Run("deduplication ids per group with FifoThroughputScope MessageGroup", func(t *testing.T) {
		topic := mkTopic("scoped.fifo", map[string]string{"FifoTopic": "true", "FifoThroughputScope": "MessageGroup"})
		q := mkQueue("scoped-std", nil, topic, true)
		for _, g := range []string{"g1", "g2", "g1"} {
			if _, err := publish(topic, "to "+g, g, "same"); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		for _, m := range receive(ctx, t, l, q, 2) {
			got = append(got, aws.ToString(m.Body))
		}
		if want := []string{"to g1", "to g2"}; !slices.Equal(got, want) {
			t.Errorf("received %v, want %v (one id in two groups is two messages)", got, want)
		}
	})
	t.Run("a deduplication id is forgotten after the window", func(t *testing.T) {
		time.Sleep(fifoWindow) // d1 was published at least this long ago
		later, err := publish(orders, "one, later", "g1", "d1")
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(later.MessageId) == aws.ToString(first.MessageId) {
			t.Error("d1 published again after the window was taken for a duplicate")
		}
		if msgs := receive(ctx, t, l, stdQ, 1); len(msgs) != 1 || aws.ToString(msgs[0].Body) != "one, later" {
			t.Errorf("the standard queue got %v, want the later message", msgs)
		}
	})
}

// receive takes the messages of q (deleting each) until it has at least want and the queue is
// empty, with every attribute.
func receive(ctx context.Context, t *testing.T, l *local, q string, want int) []sqstypes.Message {
	t.Helper()
	var all []sqstypes.Message
	for range 10 {
		out, err := l.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"All"}, MessageAttributeNames: []string{"All"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			all = append(all, m)
			if _, err := l.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
		if len(all) >= want && len(out.Messages) == 0 {
			break
		}
	}
	return all
}

// sortedGroups orders "message/group" strings by group, keeping each group's own order.
func sortedGroups(got []string) []string {
	out := slices.Clone(got)
	slices.SortStableFunc(out, func(a, b string) int {
		return strings.Compare(a[strings.IndexByte(a, '/'):], b[strings.IndexByte(b, '/'):])
	})
	return out
}

// flakyQueues fails the first failures SendMessage calls with err, then hands them to the real queues.
type flakyQueues struct {
	sns.QueueAPI
	mu       sync.Mutex
	failures int
	calls    int
	err      error
}

func (f *flakyQueues) SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	f.mu.Lock()
	f.calls++
	fail := f.calls <= f.failures
	f.mu.Unlock()
	if fail {
		return nil, f.err
	}
	return f.QueueAPI.SendMessage(ctx, in, optFns...)
}

// responseError is an answer of the queue service with status code and error code.
func responseError(status int, code string) error {
	return &smithy.OperationError{ServiceID: "SQS", OperationName: "SendMessage", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err: &smithy.GenericAPIError{Code: code, Message: code}}}}
}

// A delivery the queue service fails on its side is retried until it is made (SNS retries
// deliveries to SQS for days): a stall longer than the three attempts within 300 ms that were all
// there was lost the notification. One the queue refuses (a 4xx) is not retried, as SNS does not.
// topicWithQueues creates a topic and, for each name, a queue subscribed to it (envelope delivery);
// it returns the topic's ARN and the queues' URLs.
func (l *local) topicWithQueues(ctx context.Context, t *testing.T, topic string, queues ...string) (string, []string) {
	t.Helper()
	tp, err := l.sns.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String(topic)})
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, name := range queues {
		q, err := l.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.sns.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: tp.TopicArn, Protocol: aws.String("sqs"),
			Endpoint: aws.String("arn:aws:sqs:us-east-1:000000000000:" + name)}); err != nil {
			t.Fatal(err)
		}
		urls = append(urls, aws.ToString(q.QueueUrl))
	}
	return aws.ToString(tp.TopicArn), urls
}

func TestDeliveryRetriesServerSideFailures(t *testing.T) {
	ctx, l := startLocal(t)
	topic, urls := l.topicWithQueues(ctx, t, "retried", "retried-q")
	queueURL := aws.String(urls[0])
	for _, tt := range []struct {
		name      string
		failures  int
		err       error
		delivered bool
		calls     int
	}{
		{name: "five server-side failures, about 3 s: delivered", failures: 5, err: responseError(500, "InternalError"), delivered: true, calls: 6},
		{name: "throttled twice: delivered", failures: 2, err: responseError(400, "RequestThrottled"), delivered: true, calls: 3},
		{name: "throttled by another of the SDK's codes: delivered", failures: 1, err: responseError(400, "RequestLimitExceeded"), delivered: true, calls: 2},
		{name: "429 whatever its code: delivered", failures: 1, err: responseError(429, "SomethingNew"), delivered: true, calls: 2},
		{name: "refused: not retried", failures: 100, err: responseError(403, "AccessDenied"), calls: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			metrics := cloudwatch.NewStore()
			flaky := &flakyQueues{QueueAPI: l.sqs, failures: tt.failures, err: tt.err}
			svc := sns.New(sns.Options{Topics: l.topics, Queues: flaky, Metrics: metrics})
			msg := "retried " + tt.name
			if _, err := svc.Publish(ctx, sns.PublishInput{TopicArn: topic, Message: msg}); err != nil {
				t.Fatal(err)
			}
			if flaky.calls != tt.calls {
				t.Errorf("%d attempts, want %d", flaky.calls, tt.calls)
			}
			failed := (&local{metrics: metrics}).sum("AWS/SNS", "NumberOfNotificationsFailed", "TopicName", "retried")
			if got := failed == 0; got != tt.delivered {
				t.Errorf("NumberOfNotificationsFailed %v, want delivered %v", failed, tt.delivered)
			}
			out, err := l.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queueURL, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
			if err != nil {
				t.Fatal(err)
			}
			got := len(out.Messages) == 1 && strings.Contains(aws.ToString(out.Messages[0].Body), msg)
			if got != tt.delivered {
				t.Errorf("the queue received %d messages; want the notification delivered: %v", len(out.Messages), tt.delivered)
			}
			for _, m := range out.Messages {
				l.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: queueURL, ReceiptHandle: m.ReceiptHandle})
			}
		})
	}
}

// DeliveryRetry bounds a whole publish, not each of its deliveries; an endpoint that is not a queue
// is not retried at all.
func TestDeliveryRetryBoundsAPublish(t *testing.T) {
	ctx, l := startLocal(t)
	topic, _ := l.topicWithQueues(ctx, t, "bounded", "b1", "b2", "b3")
	down := &flakyQueues{QueueAPI: l.sqs, failures: 1 << 30, err: responseError(503, "ServiceUnavailable")}
	svc := sns.New(sns.Options{Topics: l.topics, Queues: down, DeliveryRetry: 2 * time.Second})
	start := time.Now()
	if _, err := svc.Publish(ctx, sns.PublishInput{TopicArn: topic, Message: "m"}); err != nil {
		t.Fatal(err)
	}
	// Per delivery it took about 2 s each, 6 s; the bound for the publish is 2 s (4 s leaves room for
	// make test's nice 19).
	if took := time.Since(start); took > 4*time.Second || down.calls < 4 {
		t.Errorf("three queues down: the publish took %s over %d attempts, want about 2 s (DeliveryRetry) and retries", took, down.calls)
	}

	other, err := l.sns.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("not-a-queue")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.sns.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: other.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String("not-an-arn")}); err != nil {
		t.Fatalf("subscribing an endpoint that is not a queue ARN: %v", err)
	}
	svc = sns.New(sns.Options{Topics: l.topics, Queues: l.sqs, DeliveryRetry: 10 * time.Second})
	start = time.Now()
	if _, err := svc.Publish(ctx, sns.PublishInput{TopicArn: aws.ToString(other.TopicArn), Message: "m"}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("an endpoint that is not a queue ARN: the publish took %s, want no retries", took)
	}
}

// CheckPublish says whether a Publish would be accepted without making it: a topic that does not
// exist is NotFound, a publisher the topic's policy refuses an AuthorizationError, and a topic that
// takes it nil, with nothing delivered (S3 checks its destinations so before any test event).
func TestCheckPublishPublishesNothing(t *testing.T) {
	ctx, l := startLocal(t)
	topic, urls := l.topicWithQueues(ctx, t, "checked", "checked-q")
	svc := sns.New(sns.Options{Topics: l.topics, Queues: l.sqs, Authorize: func(_ context.Context, from sns.Publisher, _ string) error {
		if from.SourceArn != "arn:aws:s3:::allowed" {
			return errors.New("not allowed by the topic's policy")
		}
		return nil
	}})
	from := func(bucket string) *sns.Publisher {
		return &sns.Publisher{Principal: "s3.amazonaws.com", SourceArn: "arn:aws:s3:::" + bucket, SourceAccount: "000000000000"}
	}
	gone := strings.TrimSuffix(topic, "checked") + "gone"
	for _, tc := range []struct {
		name, topic, bucket, wantCode string
	}{
		{"accepted", topic, "allowed", ""},
		{"no such topic", gone, "allowed", "NotFound"},
		{"refused by the policy", topic, "other", "AuthorizationError"},
	} {
		err := svc.CheckPublish(ctx, sns.PublishInput{TopicArn: tc.topic, Message: "x", From: from(tc.bucket)})
		var e *sns.Error
		switch {
		case tc.wantCode == "" && err != nil:
			t.Errorf("%s: %v, want nil", tc.name, err)
		case tc.wantCode != "" && (!errors.As(err, &e) || e.Code != tc.wantCode):
			t.Errorf("%s: %v, want %s", tc.name, err, tc.wantCode)
		}
	}
	got, err := l.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(urls[0]), WaitTimeSeconds: 1})
	if err != nil || len(got.Messages) != 0 {
		t.Errorf("CheckPublish delivered %d messages (%v), want none", len(got.Messages), err)
	}
}

// subs is the ARN of topic's first subscription.
func subs(ctx context.Context, t *testing.T, c *awssns.Client, topic *string) string {
	t.Helper()
	out, err := c.ListSubscriptionsByTopic(ctx, &awssns.ListSubscriptionsByTopicInput{TopicArn: topic})
	if err != nil || len(out.Subscriptions) == 0 {
		t.Fatalf("ListSubscriptionsByTopic: %v, %v", out, err)
	}
	return aws.ToString(out.Subscriptions[0].SubscriptionArn)
}
