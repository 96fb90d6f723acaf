package sqs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	localsqs "github.com/chaoslab/serverless-chaos-lab/local/sqs"
)

// What SQS refuses and the emulator let through, refused before it reaches the emulator; the rest
// reaches it untouched.
func TestChecksRefuseWhatSQSRefuses(t *testing.T) {
	for _, tc := range []struct {
		op, body string
		code     string // "" when the request goes on
		msg      string
	}{
		{"GetQueueAttributes", `{"QueueUrl":"q","AttributeNames":["ApproximateNumberOfMessages","All"]}`, "", ""},
		{"GetQueueAttributes", `{"QueueUrl":"q","AttributeNames":["ApproximateNumberOfMessage"]}`, "InvalidAttributeName", "Unknown Attribute ApproximateNumberOfMessage."},
		{"CreateQueue", `{"QueueName":"q","Attributes":{"VisibilityTimeout":"30","RedrivePolicy":"{}"}}`, "", ""},
		{"CreateQueue", `{"QueueName":"q","Attributes":{"VisibilityTimeout":"30","VisibiltyTimeout":"60"}}`, "InvalidAttributeName", "Unknown Attribute VisibiltyTimeout."},
		{"CreateQueue", `{"QueueName":"q","Attributes":{"QueueArn":"arn"}}`, "InvalidAttributeName", "Unknown Attribute QueueArn."},
		// Queue names: 1 to 80 of A-Z a-z 0-9 _ -, and .fifo on a FIFO queue's, only there.
		{"CreateQueue", `{"QueueName":"Orders_v2-dlq"}`, "", ""},
		{"CreateQueue", `{"QueueName":"` + strings.Repeat("q", 80) + `"}`, "", ""},
		{"CreateQueue", `{"QueueName":"` + strings.Repeat("q", 75) + `.fifo","Attributes":{"FifoQueue":"true"}}`, "", ""},
		{"CreateQueue", `{"QueueName":"bad name"}`, "InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"},
		{"CreateQueue", `{"QueueName":"semi;colon"}`, "InvalidParameterValue", "Can only include alphanumeric characters"},
		{"CreateQueue", `{"QueueName":"caf\u00e9"}`, "InvalidParameterValue", "Can only include alphanumeric characters"},
		{"CreateQueue", `{"QueueName":""}`, "InvalidParameterValue", "Can only include alphanumeric characters"},
		{"CreateQueue", `{"QueueName":"` + strings.Repeat("q", 81) + `"}`, "InvalidParameterValue", "1 to 80 in length"},
		{"CreateQueue", `{"QueueName":"x.fifo"}`, "InvalidParameterValue", "Can only include alphanumeric characters"},
		{"CreateQueue", `{"QueueName":"x.fifo","Attributes":{"FifoQueue":"false"}}`, "InvalidParameterValue", "Can only include alphanumeric characters"},
		{"CreateQueue", `{"QueueName":"x","Attributes":{"FifoQueue":"true"}}`, "InvalidParameterValue", "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."},
		{"CreateQueue", `{"QueueName":".fifo","Attributes":{"FifoQueue":"true"}}`, "InvalidParameterValue", "must end with .fifo suffix"},
		{"CreateQueue", `{"QueueName":"a.b.fifo","Attributes":{"FifoQueue":"true"}}`, "InvalidParameterValue", "must end with .fifo suffix"},
		{"CreateQueue", `{"QueueName":"` + strings.Repeat("q", 76) + `.fifo","Attributes":{"FifoQueue":"true"}}`, "InvalidParameterValue", "must end with .fifo suffix"},
		// No KMS: a key's id is refused, whichever (alias/aws/sqs is every account's).
		{"CreateQueue", `{"QueueName":"q","Attributes":{"KmsMasterKeyId":"alias/aws/sqs","KmsDataKeyReusePeriodSeconds":"300"}}`, "InvalidAttributeValue",
			`Invalid value for the parameter KmsMasterKeyId. Reason: the local cloud has no KMS to hold \"alias/aws/sqs\"`},
		{"SetQueueAttributes", `{"QueueUrl":"q","Attributes":{"KmsMasterKeyId":"arn:aws:kms:us-east-1:000000000000:key/1"}}`, "InvalidAttributeValue", "SqsManagedSseEnabled"},
		{"SetQueueAttributes", `{"QueueUrl":"q","Attributes":{"SqsManagedSseEnabled":"false","VisibilityTimeout":"60"}}`, "", ""},
		{"SendMessage", `{"QueueUrl":"q","MessageBody":"x"}`, "", ""},
		// Message attributes: names, types, values and count as SQS's developer guide states them.
		{"SendMessage", `{"QueueUrl":"q","MessageBody":"x","MessageAttributes":{"price":{"DataType":"Number","StringValue":"-1.5e3"},` +
			`"Order_Id-2.v1":{"DataType":"String.uuid","StringValue":"a"},"blob":{"DataType":"Binary","BinaryValue":"AA=="},` +
			`"awsome":{"DataType":"Number.int","StringValue":"` + strings.Repeat("9", 38) + `"}}}`, "", ""},
		{"SendMessage", attrBody("n", `{"DataType":"Number","StringValue":"abc"}`), "InvalidParameterValue", "Can't cast the value of message (user) attribute 'n' to a number."},
		{"SendMessage", attrBody("n", `{"DataType":"Number","StringValue":"NaN"}`), "InvalidParameterValue", "to a number"},
		{"SendMessage", attrBody("n", `{"DataType":"Number","StringValue":"1e127"}`), "InvalidParameterValue", "to a number"},
		{"SendMessage", attrBody("n", `{"DataType":"Number","StringValue":"`+strings.Repeat("9", 39)+`"}`), "InvalidParameterValue", "to a number"},
		{"SendMessage", attrBody("s", `{"DataType":"string","StringValue":"v"}`), "InvalidParameterValue",
			"The type of message (user) attribute 's' is invalid. You must use only the following supported type prefixes: Binary, Number, String."},
		{"SendMessage", attrBody("s", `{"DataType":"Strings","StringValue":"v"}`), "InvalidParameterValue", "is invalid. You must use only"},
		{"SendMessage", attrBody("s", `{"StringValue":"v"}`), "InvalidParameterValue", "is invalid. You must use only"},
		{"SendMessage", attrBody("s", `{"DataType":"String","StringValue":""}`), "InvalidParameterValue",
			"The message (user) attribute 's' must contain a non-empty message attribute value for message attribute type 'String'."},
		{"SendMessage", attrBody("s", `{"DataType":"Number"}`), "InvalidParameterValue", "must contain a non-empty message attribute value"},
		{"SendMessage", attrBody("b", `{"DataType":"Binary"}`), "InvalidParameterValue", "must contain a non-empty message attribute value"},
		{"SendMessage", attrBody("AWS.trace", `{"DataType":"String","StringValue":"v"}`), "InvalidParameterValue", "AWS. or Amazon."},
		{"SendMessage", attrBody("amazon.x", `{"DataType":"String","StringValue":"v"}`), "InvalidParameterValue", "AWS. or Amazon."},
		{"SendMessage", attrBody("a b", `{"DataType":"String","StringValue":"v"}`), "InvalidParameterValue", "a character other than"},
		{"SendMessage", attrBody("a..b", `{"DataType":"String","StringValue":"v"}`), "InvalidParameterValue", "two periods in a row"},
		{"SendMessage", attrBody(".a", `{"DataType":"String","StringValue":"v"}`), "InvalidParameterValue", "starting or ending with a period"},
		{"SendMessage", attrBody(strings.Repeat("n", 257), `{"DataType":"String","StringValue":"v"}`), "InvalidParameterValue", "longer than 256"},
		{"SendMessage", attrBody("", `{"DataType":"String","StringValue":"v"}`), "InvalidParameterValue", "empty name"},
		{"SendMessage", `{"QueueUrl":"q","MessageBody":"x","MessageAttributes":{` + attrs(11) + `}}`, "InvalidParameterValue", "Number of message attributes [11] exceeds the allowed maximum [10]."},
		{"SendMessage", `{"QueueUrl":"q","MessageBody":"x","MessageAttributes":{` + attrs(10) + `}}`, "", ""},
		{"SendMessage", `{"QueueUrl":"q","MessageBody":"x","DelaySeconds":900}`, "", ""},
		{"SendMessage", `{"QueueUrl":"q","MessageBody":"x","DelaySeconds":901}`, "InvalidParameterValue", "Value 901 for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided."},
		{"SendMessage", `{"QueueUrl":"q","MessageBody":"x","DelaySeconds":-1}`, "InvalidParameterValue", "Value -1 for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided."},
		{"SendMessageBatch", `{"QueueUrl":"q","Entries":[{"Id":"a","MessageBody":"x","DelaySeconds":0},{"Id":"b","MessageBody":"x","DelaySeconds":1000}]}`,
			"InvalidParameterValue", "Value 1000 for parameter DelaySeconds of entry b is invalid. Reason: must be between 0 and 900, if provided."},
		{"DeleteMessage", `{"QueueUrl":"q","ReceiptHandle":"0b7c3a52-5a0e-4d5e-9d3f-2a6f1c9e8b41"}`, "", ""},
		{"DeleteMessage", `{"QueueUrl":"q","ReceiptHandle":"x"}`, "ReceiptHandleIsInvalid", `The input receipt handle \"x\" is not a valid receipt handle.`},
		{"ChangeMessageVisibility", `{"QueueUrl":"q","ReceiptHandle":"AQEB+garbled==","VisibilityTimeout":5}`, "ReceiptHandleIsInvalid", `The input receipt handle \"AQEB+garbled==\" is not a valid receipt handle.`},
		{"ReceiveMessage", `{"QueueUrl":"q","AttributeNames":["Bogus"]}`, "", ""}, // not this interceptor's
		{"GetQueueAttributes", `{"QueueUrl":`, "", ""}, // the emulator answers what cannot be read
	} {
		reached := false
		h := localsqs.Checks(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reached = true
			if b, err := io.ReadAll(r.Body); err != nil || string(b) != tc.body {
				t.Errorf("%s %s: the emulator got %q, %v", tc.op, tc.body, b, err)
			}
		}))
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
		r.Header.Set("X-Amz-Target", "AmazonSQS."+tc.op)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if tc.code == "" {
			if !reached || w.Code != http.StatusOK {
				t.Errorf("%s %s: reached the emulator %v, status %d; want it passed on", tc.op, tc.body, reached, w.Code)
			}
			continue
		}
		if reached || w.Code != http.StatusBadRequest || w.Header().Get("X-Amzn-Query-Error") != tc.code+";Sender" ||
			!strings.Contains(w.Body.String(), `"com.amazonaws.sqs#`+tc.code+`"`) || !strings.Contains(w.Body.String(), tc.msg) {
			t.Errorf("%s %s: reached %v, %d %q %s; want 400 %s %q", tc.op, tc.body, reached, w.Code, w.Header().Get("X-Amzn-Query-Error"), w.Body.String(), tc.code, tc.msg)
		}
	}
}

// attrBody is a SendMessage whose one message attribute is named name, of value (JSON).
func attrBody(name, value string) string {
	return `{"QueueUrl":"q","MessageBody":"x","MessageAttributes":{"` + name + `":` + value + `}}`
}

// attrs is n String message attributes, a0 to a(n-1), as JSON members.
func attrs(n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf(`"a%d":{"DataType":"String","StringValue":"v"}`, i)
	}
	return strings.Join(s, ",")
}

// A SendMessageBatch entry whose attributes SQS refuses is Failed (InvalidParameterValue, the
// sender's fault) and the others sent, their answer joined with it; a batch SQS refuses whole (11
// entries, ids not distinct) reaches the emulator as it is, which answers it.
func TestChecksSendMessageBatchAttributes(t *testing.T) {
	var got []string // the entries' ids the emulator was sent
	h := localsqs.Checks(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Entries []struct{ Id string } }
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &in)
		got = got[:0]
		var ok []string
		for _, e := range in.Entries {
			got = append(got, e.Id)
			ok = append(ok, `{"Id":"`+e.Id+`","MessageId":"m-`+e.Id+`","MD5OfMessageBody":"x"}`)
		}
		fmt.Fprintf(w, `{"Successful":[%s]}`, strings.Join(ok, ","))
	}))
	send := func(body string) (int, string) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("X-Amz-Target", "AmazonSQS.SendMessageBatch")
		w := httptest.NewRecorder()
		got = nil
		h.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	good := `{"Id":"good","MessageBody":"x","MessageAttributes":{"n":{"DataType":"Number","StringValue":"1"}}}`
	bad := `{"Id":"bad","MessageBody":"x","MessageAttributes":{"n":{"DataType":"Number","StringValue":"one"}}}`

	code, body := send(`{"QueueUrl":"q","Entries":[` + good + `,` + bad + `]}`)
	var out struct {
		Successful []struct{ Id, MessageId string }
		Failed     []struct {
			Id, Code, Message string
			SenderFault       bool
		}
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || code != 200 || len(got) != 1 || got[0] != "good" ||
		len(out.Successful) != 1 || out.Successful[0].MessageId != "m-good" || len(out.Failed) != 1 || out.Failed[0].Id != "bad" ||
		out.Failed[0].Code != "InvalidParameterValue" || !out.Failed[0].SenderFault || !strings.Contains(out.Failed[0].Message, "'n' to a number") {
		t.Errorf("a good entry and a bad: %d %s (the emulator sent %v); want good sent, bad Failed", code, body, got)
	}
	if code, body := send(`{"QueueUrl":"q","Entries":[` + bad + `]}`); code != 200 || got != nil || !strings.Contains(body, `"Successful":[]`) || !strings.Contains(body, `"Id":"bad"`) {
		t.Errorf("a bad entry alone: %d %s (the emulator sent %v); want it Failed, nothing sent", code, body, got)
	}
	send(`{"QueueUrl":"q","Entries":[` + good + `,` + strings.Replace(bad, `"bad"`, `"good"`, 1) + `]}`)
	if len(got) != 2 {
		t.Errorf("ids not distinct: the emulator was sent %v, want the batch as it is", got)
	}
	entries := []string{bad}
	for i := range 10 {
		entries = append(entries, strings.Replace(good, `"good"`, fmt.Sprintf(`"g%d"`, i), 1))
	}
	send(`{"QueueUrl":"q","Entries":[` + strings.Join(entries, ",") + `]}`)
	if len(got) != 11 {
		t.Errorf("11 entries: the emulator was sent %d, want the batch as it is", len(got))
	}
}

// The query protocol's CreateQueue (the AWS CLI 2.9's) reaches Checks translated, and is refused
// as SQS's query protocol refuses it.
func TestChecksQueueNameOverTheQueryProtocol(t *testing.T) {
	reached := false
	h := gateway.SQSQuery(localsqs.Checks(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true })))
	for name, ok := range map[string]bool{"good-name": true, "bad name": false, "x.fifo": false} {
		reached = false
		form := url.Values{"Action": {"CreateQueue"}, "Version": {"2012-11-05"}, "QueueName": {name}}
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if ok != reached || !ok && (w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "<Code>InvalidParameterValue</Code>")) {
			t.Errorf("CreateQueue %q: reached %v, %d %s", name, reached, w.Code, w.Body)
		}
	}
}

// The query protocol's SendMessage (MessageAttribute.N.Name, .Value.DataType, ...) reaches Checks
// translated, and an attribute SQS refuses is refused as its query protocol refuses it.
func TestChecksMessageAttributesOverTheQueryProtocol(t *testing.T) {
	reached := false
	h := gateway.SQSQuery(localsqs.Checks(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true })))
	for _, tc := range []struct {
		name, dataType, value string
		ok                    bool
	}{
		{"price", "Number", "12.5", true},
		{"price", "Number", "twelve", false},
		{"AWS.trace", "String", "v", false},
		{"kind", "Text", "v", false},
	} {
		reached = false
		form := url.Values{"Action": {"SendMessage"}, "Version": {"2012-11-05"}, "QueueUrl": {"http://127.0.0.1/000000000000/q"}, "MessageBody": {"x"},
			"MessageAttribute.1.Name": {tc.name}, "MessageAttribute.1.Value.DataType": {tc.dataType}, "MessageAttribute.1.Value.StringValue": {tc.value}}
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if tc.ok != reached || !tc.ok && (w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "<Code>InvalidParameterValue</Code>")) {
			t.Errorf("SendMessage with %s %s %q: reached %v, %d %s", tc.name, tc.dataType, tc.value, reached, w.Code, w.Body)
		}
	}
}

// Through the gateway to fauxqs, with the SDK: the SDK reads the refusals as SQS's typed errors,
// and nothing refused reached the queue.
func TestChecksOnTheEmulator(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := onTheEmulator(ctx, t, localsqs.Checks)

	_, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("typo"), Attributes: map[string]string{"VisibiltyTimeout": "60"}})
	var bad *types.InvalidAttributeName
	if !errors.As(err, &bad) {
		t.Errorf("CreateQueue with VisibiltyTimeout: %v, want InvalidAttributeName", err)
	}
	if _, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("typo")}); err == nil {
		t.Error("the queue of the refused CreateQueue exists")
	}
	// Names SQS refuses, which fauxqs created (x.fifo as a FIFO queue).
	for _, name := range []string{"bad name", "semi;colon", strings.Repeat("q", 81), "x.fifo"} {
		_, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidParameterValue" {
			t.Errorf("CreateQueue %.20q: %v, want InvalidParameterValue", name, err)
		}
		if _, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)}); err == nil {
			t.Errorf("the queue %.20q of the refused CreateQueue exists", name)
		}
	}
	if _, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("x.fifo"), Attributes: map[string]string{"FifoQueue": "true"}}); err != nil {
		t.Errorf("CreateQueue x.fifo, FifoQueue true: %v", err)
	}
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("checks")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []types.QueueAttributeName{"ApproximateNumberOfMessage"}})
	if !errors.As(err, &bad) {
		t.Errorf("GetQueueAttributes of ApproximateNumberOfMessage: %v, want InvalidAttributeName", err)
	}
	_, err = c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: aws.String("x")})
	var badHandle *types.ReceiptHandleIsInvalid
	if !errors.As(err, &badHandle) {
		t.Errorf("DeleteMessage of receipt handle x: %v, want ReceiptHandleIsInvalid", err)
	}
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("late"), DelaySeconds: 901})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidParameterValue" {
		t.Errorf("SendMessage with DelaySeconds 901: %v, want InvalidParameterValue", err)
	}
	// Message attributes SQS refuses, which fauxqs stored: the send refused, a batch's entry Failed.
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("bad attribute"),
		MessageAttributes: map[string]types.MessageAttributeValue{"price": {DataType: aws.String("Number"), StringValue: aws.String("twelve")}}})
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidParameterValue" {
		t.Errorf("SendMessage with a Number attribute twelve: %v, want InvalidParameterValue", err)
	}
	batch, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: q.QueueUrl, Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("reserved"), MessageBody: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{
			"AWS.trace": {DataType: aws.String("String"), StringValue: aws.String("v")}}},
		{Id: aws.String("typed"), MessageBody: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{
			"kind": {DataType: aws.String("Text"), StringValue: aws.String("v")}}}}})
	if err != nil || len(batch.Successful) != 0 || len(batch.Failed) != 2 || aws.ToString(batch.Failed[0].Code) != "InvalidParameterValue" || !batch.Failed[1].SenderFault {
		t.Errorf("SendMessageBatch of two entries with attributes SQS refuses: %+v, %v; want both Failed, InvalidParameterValue", batch, err)
	}
	a, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesDelayed}})
	if err != nil || a.Attributes["ApproximateNumberOfMessages"] != "0" || a.Attributes["ApproximateNumberOfMessagesDelayed"] != "0" {
		t.Errorf("the queue after the refused send: %v, %v; want no message", a, err)
	}

	// A batch delete with a handle no receive gave: that entry Failed, the real one deleted. The
	// message is sent in a batch with an entry SQS refuses, which is Failed and not sent.
	batch, err = c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: q.QueueUrl, Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("real"), MessageBody: aws.String("real"), MessageAttributes: map[string]types.MessageAttributeValue{
			"price": {DataType: aws.String("Number.cents"), StringValue: aws.String("1250")}}},
		{Id: aws.String("empty"), MessageBody: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{
			"note": {DataType: aws.String("String"), StringValue: aws.String("")}}}}})
	if err != nil || len(batch.Successful) != 1 || aws.ToString(batch.Successful[0].Id) != "real" || aws.ToString(batch.Successful[0].MD5OfMessageAttributes) == "" ||
		len(batch.Failed) != 1 || aws.ToString(batch.Failed[0].Id) != "empty" || aws.ToString(batch.Failed[0].Code) != "InvalidParameterValue" {
		t.Fatalf("SendMessageBatch of a good entry and one with an empty attribute: %+v, %v; want real sent, empty Failed", batch, err)
	}
	got, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, VisibilityTimeout: 60})
	if err != nil || len(got.Messages) != 1 {
		t.Fatalf("receive: %v, %v", got, err)
	}
	if _, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: q.QueueUrl, ReceiptHandle: got.Messages[0].ReceiptHandle, VisibilityTimeout: 90}); err != nil {
		t.Errorf("ChangeMessageVisibility of a message in flight: %v", err)
	}
	del, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: q.QueueUrl, Entries: []types.DeleteMessageBatchRequestEntry{
		{Id: aws.String("bogus"), ReceiptHandle: aws.String("bogus")}, {Id: aws.String("real"), ReceiptHandle: got.Messages[0].ReceiptHandle}}})
	if err != nil || len(del.Successful) != 1 || aws.ToString(del.Successful[0].Id) != "real" || len(del.Failed) != 1 ||
		aws.ToString(del.Failed[0].Id) != "bogus" || aws.ToString(del.Failed[0].Code) != "ReceiptHandleIsInvalid" || !del.Failed[0].SenderFault {
		t.Errorf("DeleteMessageBatch of a bogus handle and a real one: %+v, %v; want bogus Failed (ReceiptHandleIsInvalid), real Successful", del, err)
	}
	a, err = c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil || a.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("the queue after the batch delete: %v, %v; want the real message deleted", a, err)
	}
	// A handle whose visibility ran out: refused as a deleted one's (SQS answers success and
	// changes nothing), and the message stays visible (fauxqs hid it again for the new timeout).
	// One queue for the call, one for the batch: the emulator moves a queue's lapsed messages
	// back at either, so one queue would not tell whether both do.
	lapsed := map[string]string{} // queue URL -> the handle of its message, lapsed
	for _, name := range []string{"lapsed-one", "lapsed-batch"} {
		lq, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: lq.QueueUrl, MessageBody: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
		got, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: lq.QueueUrl, VisibilityTimeout: 1})
		if err != nil || len(got.Messages) != 1 {
			t.Fatalf("receive: %v, %v", got, err)
		}
		lapsed[aws.ToString(lq.QueueUrl)] = aws.ToString(got.Messages[0].ReceiptHandle)
	}
	time.Sleep(1100 * time.Millisecond) // the visibility timeouts run out: what is tested is a clock
	for url, handle := range lapsed {
		if strings.HasSuffix(url, "/lapsed-one") {
			_, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String(handle), VisibilityTimeout: 60})
			if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidParameterValue" {
				t.Errorf("ChangeMessageVisibility of a handle whose visibility ran out: %v, want InvalidParameterValue", err)
			}
		} else {
			out, err := c.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(url), Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
				{Id: aws.String("lapsed"), ReceiptHandle: aws.String(handle), VisibilityTimeout: 60}}})
			if err != nil || len(out.Successful) != 0 || len(out.Failed) != 1 {
				t.Errorf("ChangeMessageVisibilityBatch of a handle whose visibility ran out: %+v, %v; want it Failed", out, err)
			}
		}
		again, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
		if err != nil || len(again.Messages) != 1 {
			t.Errorf("receive from %s after the refused change: %v, %v; want the message, visible again", url, again, err)
		}
	}

	// The deleted message's visibility: SQS's InvalidParameterValue naming the handle, not fauxqs's
	// MessageNotInflight.
	_, err = c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: q.QueueUrl, ReceiptHandle: got.Messages[0].ReceiptHandle, VisibilityTimeout: 30})
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidParameterValue" ||
		ae.ErrorMessage() != "Value "+aws.ToString(got.Messages[0].ReceiptHandle)+" for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change." {
		t.Errorf("ChangeMessageVisibility of a deleted message: %v, want SQS's InvalidParameterValue", err)
	}
	del, err = c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: q.QueueUrl, Entries: []types.DeleteMessageBatchRequestEntry{
		{Id: aws.String("only"), ReceiptHandle: aws.String("bogus")}}})
	if err != nil || len(del.Successful) != 0 || len(del.Failed) != 1 || aws.ToString(del.Failed[0].Code) != "ReceiptHandleIsInvalid" {
		t.Errorf("DeleteMessageBatch of a bogus handle alone: %+v, %v; want it Failed", del, err)
	}
}
