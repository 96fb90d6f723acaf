package sns

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// fakeTopics is one standard topic with SQS subscriptions, and fakeQueues records what is sent: the
// checks of a Publish, with no emulator.
type fakeTopics struct{ subs map[string]map[string]string } // subscription ARN -> attributes

func (f fakeTopics) GetTopicAttributes(ctx context.Context, in *awssns.GetTopicAttributesInput, _ ...func(*awssns.Options)) (*awssns.GetTopicAttributesOutput, error) {
	return &awssns.GetTopicAttributesOutput{Attributes: map[string]string{}}, nil
}
func (f fakeTopics) ListSubscriptionsByTopic(ctx context.Context, in *awssns.ListSubscriptionsByTopicInput, _ ...func(*awssns.Options)) (*awssns.ListSubscriptionsByTopicOutput, error) {
	var out []snstypes.Subscription
	for arn, a := range f.subs {
		out = append(out, snstypes.Subscription{SubscriptionArn: aws.String(arn), Protocol: aws.String("sqs"), Endpoint: aws.String(a["Endpoint"])})
	}
	return &awssns.ListSubscriptionsByTopicOutput{Subscriptions: out}, nil
}
func (f fakeTopics) GetSubscriptionAttributes(ctx context.Context, in *awssns.GetSubscriptionAttributesInput, _ ...func(*awssns.Options)) (*awssns.GetSubscriptionAttributesOutput, error) {
	return &awssns.GetSubscriptionAttributesOutput{Attributes: f.subs[aws.ToString(in.SubscriptionArn)]}, nil
}

type fakeQueues struct {
	mu   sync.Mutex
	sent []*sqs.SendMessageInput
}

func (q *fakeQueues) GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, _ ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	return &sqs.GetQueueUrlOutput{QueueUrl: aws.String("http://q/" + aws.ToString(in.QueueName))}, nil
}
func (q *fakeQueues) SendMessage(ctx context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sent = append(q.sent, in)
	return &sqs.SendMessageOutput{MessageId: aws.String("m")}, nil
}

const fakeTopic = "arn:aws:sns:us-east-1:000000000000:t"

func serviceOfFakes(raw bool) (*Service, *fakeQueues) {
	attrs := map[string]string{"Endpoint": "arn:aws:sqs:us-east-1:000000000000:q"}
	if raw {
		attrs["RawMessageDelivery"] = "true"
	}
	q := &fakeQueues{}
	return New(Options{Topics: fakeTopics{subs: map[string]map[string]string{fakeTopic + ":s1": attrs}}, Queues: q}), q
}

func publishForm(svc *Service, form url.Values) *httptest.ResponseRecorder {
	form.Set("Action", "Publish")
	form.Set("TopicArn", fakeTopic)
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	svc.Middleware(http.NotFoundHandler()).ServeHTTP(w, r)
	return w
}

// AWS Publish API, MessageStructure: "Set MessageStructure to json if you want to send a different
// message for each protocol ... the value of the Message parameter must: be a syntactically valid
// JSON object; and contain at least a top-level JSON key of "default" with a value that is a
// string. You can define other top-level keys that define the message you want to send to a
// specific transport protocol." An SQS subscriber gets the "sqs" key's message (else "default").
func TestPublishMessageStructureJSON(t *testing.T) {
	svc, q := serviceOfFakes(false)
	w := publishForm(svc, url.Values{"MessageStructure": {"json"}, "Message": {`{"default":"for everyone","sqs":"for queues"}`}})
	if w.Code != 200 || len(q.sent) != 1 {
		t.Fatalf("publish: %d %s, %d deliveries", w.Code, w.Body, len(q.sent))
	}
	var env struct{ Message string }
	if err := json.Unmarshal([]byte(aws.ToString(q.sent[0].MessageBody)), &env); err != nil {
		t.Fatal(err)
	}
	if env.Message != "for queues" {
		t.Errorf("the SQS subscriber's Message = %q, want %q (the \"sqs\" key of a MessageStructure json message)", env.Message, "for queues")
	}

	// A MessageStructure json message without a "default" key is refused (InvalidParameter).
	svc, q = serviceOfFakes(false)
	w = publishForm(svc, url.Values{"MessageStructure": {"json"}, "Message": {`{"sqs":"only for queues"}`}})
	if w.Code != 400 {
		t.Errorf("MessageStructure json without \"default\": %d, %d deliveries; want 400 InvalidParameter", w.Code, len(q.sent))
	}
}

// SNS developer guide, Numeric value matching, anything-but: the policy
// "price": [{"anything-but": [100, 500]}] "matches the following message attributes (because it
// contains a value that isn't 100 or 500): "price": {"Type": "Number.Array", "Value": "[100, 50]"}".
func TestFilterNumberArrayAttribute(t *testing.T) {
	f, err := parseFilterPolicy(`{"price": [{"anything-but": [100, 500]}]}`, "")
	if err != nil {
		t.Fatal(err)
	}
	in := PublishInput{Message: "m", MessageAttributes: map[string]MessageAttribute{"price": {DataType: "Number.Array", StringValue: "[100, 50]"}}}
	if got := f.decide(in); got != filterMatched {
		t.Errorf("Number.Array [100, 50] against anything-but [100, 500]: %q, want a match", got)
	}
}

// SNS developer guide, Message attribute items and validation: "Name, type, and value must not be
// empty or null. ... All parts of the message attribute, including name, type, and value, are
// included in the message size restriction, which is 256 KB." ... "if the type is a number, Amazon
// SNS validates that it's a number." A refusal names the attribute; valid ones are delivered.
func TestPublishChecksAttributes(t *testing.T) {
	attr := func(name, typ, value string) url.Values {
		return url.Values{"Message": {"m"}, "MessageAttributes.entry.1.Name": {name},
			"MessageAttributes.entry.1.Value.DataType": {typ}, "MessageAttributes.entry.1.Value.StringValue": {value}}
	}
	big := attr("pad", "String", strings.Repeat("x", 1000))
	big.Set("Message", strings.Repeat("m", 262144-100))
	for _, tc := range []struct {
		name string
		form url.Values
		want string // "" delivered, else a part of the 400's message
	}{
		{"a Number that is not a number", attr("price", "Number", "abc"), "&#39;price&#39; with type &#39;Number&#39; must contain a numeric value"},
		{"a Number NaN", attr("price", "Number", "NaN"), "must contain a numeric value"},
		{"a Number -Infinity", attr("price", "Number", "-Infinity"), "must contain a numeric value"},
		{"a hexadecimal Number", attr("price", "Number", "0x1p4"), "must contain a numeric value"},
		{"a Number beyond 10^126", attr("price", "Number", "1e127"), "must contain a numeric value"},
		{"a Number of 10^126", attr("price", "Number", "-1E126"), ""},
		{"a Number of 0", attr("price", "Number", "0"), ""},
		{"a Number of 38 digits", attr("price", "Number", strings.Repeat("9", 38)), ""},
		{"a Number of 39 digits", attr("price", "Number", "1."+strings.Repeat("1", 38)), "must contain a numeric value"},
		{"an empty String value", attr("store", "String", ""), "&#39;store&#39; must contain a non-empty value"},
		{"an unknown data type", attr("store", "Text", "x"), "&#39;store&#39; has an invalid message attribute type"},
		{"a name starting with AWS.", attr("AWS.store", "String", "x"), "&#39;AWS.store&#39; has a name starting with AWS."},
		{"a name with a space", attr("my store", "String", "x"), "&#39;my store&#39; has a character other than"},
		{"two periods in a name", attr("a..b", "String", "x"), "two periods in a row"},
		{"a Number.Array of strings", attr("prices", "Number.Array", `["1"]`), "a JSON array of numbers"},
		{"a String.Array that is not an array", attr("tags", "String.Array", "a,b"), "must contain a JSON array"},
		{"message and attributes over 256 KB", big, "Message too long"},
		{"a String", attr("store", "String", "example_corp"), ""},
		{"a Number with a custom label", attr("price", "Number.float", "1.5e3"), ""},
		{"a String.Array", attr("tags", "String.Array", `["a", 1, true, null]`), ""},
		{"a Number.Array", attr("prices", "Number.Array", "[100, 50]"), ""},
		{"a message of 256 KB with its attributes", attr("p", "String", strings.Repeat("x", 262144-1-1-len("String"))), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, q := serviceOfFakes(false)
			w := publishForm(svc, tc.form)
			if tc.want == "" && (w.Code != 200 || len(q.sent) != 1) {
				t.Errorf("Publish answered %d %s with %d deliveries; want it delivered", w.Code, w.Body, len(q.sent))
			}
			if tc.want != "" && (w.Code != 400 || !strings.Contains(w.Body.String(), tc.want) || len(q.sent) != 0) {
				t.Errorf("Publish answered %d %s with %d deliveries; want 400 saying %q", w.Code, w.Body, len(q.sent), tc.want)
			}
		})
	}
}

// SNS developer guide: "Messages with more than 10 message attributes directed towards Raw Message
// Delivery enabled Amazon SQS subscriptions will be discarded as client side errors"; a message of
// MessageStructure json is delivered without its attributes ("sent only when the message structure
// is String, not JSON").
func TestPublishAttributesDelivered(t *testing.T) {
	form := url.Values{"Message": {"m"}}
	for i := 1; i <= 11; i++ {
		p := fmt.Sprintf("MessageAttributes.entry.%d.", i)
		form.Set(p+"Name", fmt.Sprintf("a%d", i))
		form.Set(p+"Value.DataType", "String")
		form.Set(p+"Value.StringValue", "v")
	}
	svc, q := serviceOfFakes(true)
	if w := publishForm(svc, form); w.Code != 200 || len(q.sent) != 0 {
		t.Errorf("raw, 11 attributes: %d %s, %d deliveries; want 200 and the message discarded", w.Code, w.Body, len(q.sent))
	}
	form.Del("MessageAttributes.entry.11.Name")
	svc, q = serviceOfFakes(true)
	if w := publishForm(svc, form); w.Code != 200 || len(q.sent) != 1 || len(q.sent[0].MessageAttributes) != 10 {
		t.Errorf("raw, 10 attributes: %d %s, %d deliveries; want one with 10 attributes", w.Code, w.Body, len(q.sent))
	}
	form.Set("MessageStructure", "json")
	form.Set("Message", `{"default": "d"}`)
	svc, q = serviceOfFakes(true)
	if w := publishForm(svc, form); w.Code != 200 || len(q.sent) != 1 || len(q.sent[0].MessageAttributes) != 0 || aws.ToString(q.sent[0].MessageBody) != "d" {
		t.Errorf("raw, json structure: %d %s, %+v; want the default message without attributes", w.Code, w.Body, q.sent)
	}
}

// SNS API Reference, Publish, Subject: "Constraints: Subjects must be UTF-8 text with no line
// breaks or control characters, and less than 100 characters long."
func TestPublishChecksSubject(t *testing.T) {
	svc, q := serviceOfFakes(false)
	if w := publishForm(svc, url.Values{"Message": {"m"}, "Subject": {strings.Repeat("é", 99)}}); w.Code != 200 || len(q.sent) != 1 {
		t.Errorf("a subject of 99 characters: %d %s, %d deliveries", w.Code, w.Body, len(q.sent))
	}
	for name, subject := range map[string]string{"100 characters": strings.Repeat("s", 100), "a line break": "two\nlines", "a tab": "a\tb"} {
		t.Run(name, func(t *testing.T) {
			svc, q := serviceOfFakes(false)
			if w := publishForm(svc, url.Values{"Message": {"m"}, "Subject": {subject}}); w.Code != 400 || !strings.Contains(w.Body.String(), "Subject") {
				t.Errorf("Publish answered %d with %d deliveries; want 400 InvalidParameter", w.Code, len(q.sent))
			}
		})
	}
}

// SNS API Reference, PublishBatch: "The total aggregate size of all messages in a single
// PublishBatch call can't exceed 262,144 bytes (256 KiB)." (BatchRequestTooLong)
func TestPublishBatchTotalSize(t *testing.T) {
	svc, q := serviceOfFakes(false)
	form := url.Values{"Action": {"PublishBatch"}, "TopicArn": {fakeTopic}}
	for i := 1; i <= 3; i++ {
		p := "PublishBatchRequestEntries.member." + string(rune('0'+i)) + "."
		form.Set(p+"Id", "e"+string(rune('0'+i)))
		form.Set(p+"Message", strings.Repeat("x", 100*1024))
	}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	svc.Middleware(http.NotFoundHandler()).ServeHTTP(w, r)
	if w.Code != 400 || !strings.Contains(w.Body.String(), "BatchRequestTooLong") {
		t.Errorf("three 100 KiB entries (300 KiB): %d, %d deliveries; want 400 BatchRequestTooLong", w.Code, len(q.sent))
	}
}

// CreateTopic's Name as SNS's reference states it: 1 to 256 of A-Z a-z 0-9 _ -, a FIFO topic's
// ending in .fifo, a standard topic's not; refused before the emulator, which created them all.
func TestCreateTopicChecksName(t *testing.T) {
	svc, _ := serviceOfFakes(false)
	for _, tc := range []struct {
		name, fifo string // fifo: FifoTopic's value, "" for none
		msg        string // "": passed on
	}{
		{"orders", "", ""},
		{"Orders_v2-dlq", "false", ""},
		{strings.Repeat("t", 256), "", ""},
		{"orders.fifo", "true", ""},
		{strings.Repeat("t", 251) + ".fifo", "true", ""},
		{"bad name", "", "Invalid parameter: Topic Name"},
		{"semi;colon", "", "Invalid parameter: Topic Name"},
		{"", "", "Invalid parameter: Topic Name"},
		{strings.Repeat("t", 257), "", "Invalid parameter: Topic Name"},
		{"x.fifo", "", "Invalid parameter: Topic Name"},
		{"x.fifo", "false", "Invalid parameter: Topic Name"},
		{"x", "true", "Invalid parameter: Fifo Topic names must end with .fifo"},
		{".fifo", "true", "Invalid parameter: Fifo Topic names must end with .fifo"},
		{"a.b.fifo", "true", "Invalid parameter: Fifo Topic names must end with .fifo"},
		{strings.Repeat("t", 252) + ".fifo", "true", "Invalid parameter: Fifo Topic names must end with .fifo"},
	} {
		form := url.Values{"Action": {"CreateTopic"}, "Name": {tc.name}}
		if tc.fifo != "" {
			form.Set("Attributes.entry.1.key", "FifoTopic")
			form.Set("Attributes.entry.1.value", tc.fifo)
		}
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		reached := false
		svc.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true })).ServeHTTP(w, r)
		switch {
		case tc.msg == "" && !reached:
			t.Errorf("CreateTopic %.20q FifoTopic %q: %d %s, want it passed on", tc.name, tc.fifo, w.Code, w.Body)
		case tc.msg != "" && (reached || w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "<Code>InvalidParameter</Code>") ||
			!strings.Contains(w.Body.String(), tc.msg)):
			t.Errorf("CreateTopic %.20q FifoTopic %q: reached %v, %d %s; want 400 InvalidParameter %q", tc.name, tc.fifo, reached, w.Code, w.Body, tc.msg)
		}
	}
}
