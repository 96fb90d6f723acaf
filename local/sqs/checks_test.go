package sqs_test

import (
	"context"
	"errors"
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
		{"SendMessage", `{"QueueUrl":"q","MessageBody":"x"}`, "", ""},
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
	a, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesDelayed}})
	if err != nil || a.Attributes["ApproximateNumberOfMessages"] != "0" || a.Attributes["ApproximateNumberOfMessagesDelayed"] != "0" {
		t.Errorf("the queue after the refused send: %v, %v; want no message", a, err)
	}

	// A batch delete with a handle no receive gave: that entry Failed, the real one deleted.
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("real")}); err != nil {
		t.Fatal(err)
	}
	got, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, VisibilityTimeout: 60})
	if err != nil || len(got.Messages) != 1 {
		t.Fatalf("receive: %v, %v", got, err)
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
	del, err = c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: q.QueueUrl, Entries: []types.DeleteMessageBatchRequestEntry{
		{Id: aws.String("only"), ReceiptHandle: aws.String("bogus")}}})
	if err != nil || len(del.Successful) != 0 || len(del.Failed) != 1 || aws.ToString(del.Failed[0].Code) != "ReceiptHandleIsInvalid" {
		t.Errorf("DeleteMessageBatch of a bogus handle alone: %+v, %v; want it Failed", del, err)
	}
}
