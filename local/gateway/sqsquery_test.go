package gateway_test

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// translate runs one query-protocol request through SQSQuery in front of upstream and returns
// the JSON request upstream got (nil if it got none) and the query answer.
func translate(t *testing.T, form url.Values, upstream http.HandlerFunc) (map[string]any, *httptest.ResponseRecorder) {
	t.Helper()
	var got map[string]any
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			t.Errorf("upstream body: %v", err)
		}
		upstream(w, r)
	})
	req := httptest.NewRequest("POST", "/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	gateway.SQSQuery(h).ServeHTTP(rec, req)
	return got, rec
}

func answerJSON(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		io.WriteString(w, body)
	}
}

// Tag.N.Key/Value is the query name of a queue's tags in both CreateQueue and TagQueue (botocore
// 1.29 sends it so for both), but the JSON protocol names them "tags" in CreateQueueRequest and
// "Tags" in TagQueueRequest: a CreateQueue whose tags reach the emulator as "Tags" creates an
// untagged queue.
func TestSQSQueryTagNames(t *testing.T) {
	for _, tc := range []struct{ action, member string }{
		{"CreateQueue", "tags"},
		{"TagQueue", "Tags"},
	} {
		form := url.Values{"Action": {tc.action}, "QueueName": {"q"}, "QueueUrl": {"http://h/000000000000/q"},
			"Tag.1.Key": {"team"}, "Tag.1.Value": {"chaos"}, "Tag.2.Key": {"env"}, "Tag.2.Value": {""}}
		got, _ := translate(t, form, answerJSON(`{}`))
		want := map[string]any{"team": "chaos", "env": ""}
		if !reflect.DeepEqual(got[tc.member], want) {
			t.Errorf("%s: upstream got %v, want %s: %v", tc.action, got, tc.member, want)
		}
		other := map[string]string{"tags": "Tags", "Tags": "tags"}[tc.member]
		if _, ok := got[other]; ok {
			t.Errorf("%s: upstream got %q besides %q: %v", tc.action, other, tc.member, got)
		}
	}
}

// botocore's query serializer sends an empty list as its bare member name with an empty value
// (AttributeNames=); the JSON protocol wants an empty list there, not a string.
func TestSQSQueryEmptyList(t *testing.T) {
	form := url.Values{"Action": {"ReceiveMessage"}, "QueueUrl": {"http://h/000000000000/q"},
		"AttributeNames": {""}, "MessageAttributeNames": {""}, "MessageSystemAttributeNames": {""}}
	got, _ := translate(t, form, answerJSON(`{}`))
	want := map[string]any{"QueueUrl": "http://h/000000000000/q",
		"AttributeNames": []any{}, "MessageAttributeNames": []any{}, "MessageSystemAttributeNames": []any{}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("upstream got %#v\nwant %#v", got, want)
	}
}

// A JSON error becomes the query protocol's <ErrorResponse> with the code the query protocol has
// for it: the awsQueryError code of the error's shape in SQS's model (botocore's query-protocol
// model, the last of 2023, and the Smithy model), else the shape's own name (the common errors and
// the shapes the model gives no query code). fauxqs's x-amzn-query-error header puts
// "AWS.SimpleQueueService." in front of every code, which is SQS's only for some.
func TestSQSQueryErrorCodes(t *testing.T) {
	for _, tc := range []struct {
		name, typ, header string
		status            int
		code, fault       string
	}{
		{"missing queue", "com.amazonaws.sqs#QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue;Sender", 400, "AWS.SimpleQueueService.NonExistentQueue", "Sender"},
		{"queue exists", "com.amazonaws.sqs#QueueNameExists", "AWS.SimpleQueueService.QueueNameExists;Sender", 400, "QueueAlreadyExists", "Sender"},
		{"bad attribute name", "com.amazonaws.sqs#InvalidAttributeName", "AWS.SimpleQueueService.InvalidAttributeName;Sender", 400, "InvalidAttributeName", "Sender"},
		{"bad attribute value", "com.amazonaws.sqs#InvalidAttributeValue", "AWS.SimpleQueueService.InvalidAttributeValue;Sender", 400, "InvalidAttributeValue", "Sender"},
		{"bad contents", "com.amazonaws.sqs#InvalidMessageContents", "AWS.SimpleQueueService.InvalidMessageContents;Sender", 400, "InvalidMessageContents", "Sender"},
		{"bad parameter", "com.amazonaws.sqs#InvalidParameterValue", "AWS.SimpleQueueService.InvalidParameterValue;Sender", 400, "InvalidParameterValue", "Sender"},
		{"missing parameter", "com.amazonaws.sqs#MissingParameter", "AWS.SimpleQueueService.MissingParameter;Sender", 400, "MissingParameter", "Sender"},
		{"same ids", "com.amazonaws.sqs#BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct;Sender", 400, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Sender"},
		{"not in flight", "com.amazonaws.sqs#MessageNotInflight", "", 400, "AWS.SimpleQueueService.MessageNotInflight", "Sender"},
		{"bad receipt", "com.amazonaws.sqs#ReceiptHandleIsInvalid", "", 404, "ReceiptHandleIsInvalid", "Sender"},
		{"over limit", "com.amazonaws.sqs#OverLimit", "", 403, "OverLimit", "Sender"},
		{"kms", "com.amazonaws.sqs#KmsThrottled", "", 400, "KMS.ThrottlingException", "Sender"},
		{"unknown action", "com.amazonaws.sqs#InvalidAction", "", 400, "InvalidAction", "Sender"},
		{"the gateway's own", "AccessDenied", "AccessDenied;Sender", 403, "AccessDenied", "Sender"},
		{"a header alone", "", "RequestThrottled;Sender", 403, "RequestThrottled", "Sender"},
		{"a crash", "", "", 500, "Internal Server Error", "Receiver"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			upstream := func(w http.ResponseWriter, r *http.Request) {
				if tc.header != "" {
					w.Header().Set("X-Amzn-Query-Error", tc.header)
				}
				w.Header().Set("Content-Type", "application/x-amz-json-1.0")
				w.WriteHeader(tc.status)
				if tc.typ != "" {
					json.NewEncoder(w).Encode(map[string]string{"__type": tc.typ, "message": "why"})
				}
			}
			_, rec := translate(t, url.Values{"Action": {"GetQueueUrl"}, "QueueName": {"q"}}, upstream)
			var e struct {
				XMLName   xml.Name
				Type      string `xml:"Error>Type"`
				Code      string `xml:"Error>Code"`
				RequestID string `xml:"RequestId"`
			}
			if err := xml.Unmarshal(rec.Body.Bytes(), &e); err != nil {
				t.Fatalf("%v in %s", err, rec.Body)
			}
			if rec.Code != tc.status || e.XMLName.Local != "ErrorResponse" || e.Code != tc.code || e.Type != tc.fault || e.RequestID == "" {
				t.Errorf("answer %d %+v, want %d Code %s Type %s", rec.Code, e, tc.status, tc.code, tc.fault)
			}
		})
	}
}

// A request without a parameter its action requires, or with a number that is not one, is
// refused as SQS refuses it (MissingParameter, InvalidParameterValue: the API Reference's Common
// Errors), naming the parameter, before it reaches the emulator; fauxqs answers a missing
// QueueName with InvalidParameterValue and takes MaxNumberOfMessages=ten as no number at all.
func TestSQSQueryParameterErrors(t *testing.T) {
	q := "http://h/000000000000/q"
	for _, tc := range []struct {
		form       url.Values
		code, what string
	}{
		{url.Values{"Action": {"CreateQueue"}}, "MissingParameter", "The request must contain the parameter QueueName."},
		{url.Values{"Action": {"GetQueueUrl"}}, "MissingParameter", "The request must contain the parameter QueueName."},
		{url.Values{"Action": {"SendMessage"}, "QueueUrl": {q}}, "MissingParameter", "The request must contain the parameter MessageBody."},
		{url.Values{"Action": {"ChangeMessageVisibility"}, "QueueUrl": {q}, "ReceiptHandle": {"r"}}, "MissingParameter", "The request must contain the parameter VisibilityTimeout."},
		{url.Values{"Action": {"ReceiveMessage"}, "QueueUrl": {q}, "MaxNumberOfMessages": {"ten"}}, "InvalidParameterValue", "Value ten for parameter MaxNumberOfMessages is invalid. Reason: Must be an integer."},
		{url.Values{"Action": {"SendMessageBatch"}, "QueueUrl": {q}, "SendMessageBatchRequestEntry.1.Id": {"a"}, "SendMessageBatchRequestEntry.1.MessageBody": {"b"},
			"SendMessageBatchRequestEntry.1.DelaySeconds": {"1.5"}}, "InvalidParameterValue", "Value 1.5 for parameter SendMessageBatchRequestEntry.1.DelaySeconds is invalid. Reason: Must be an integer."},
	} {
		got, rec := translate(t, tc.form, answerJSON(`{}`))
		var e struct {
			Type    string `xml:"Error>Type"`
			Code    string `xml:"Error>Code"`
			Message string `xml:"Error>Message"`
		}
		_ = xml.Unmarshal(rec.Body.Bytes(), &e)
		if got != nil || rec.Code != 400 || e.Code != tc.code || e.Type != "Sender" || e.Message != tc.what {
			t.Errorf("%v: upstream got %v; answer %d %+v, want 400 %s %q", tc.form, got, rec.Code, e, tc.code, tc.what)
		}
	}
}

// botocore ≥ 1.31 speaks JSON to SQS but reports the x-amzn-query-error header's code as the
// error's Code (SQS is awsQueryCompatible), so that header must carry SQS's query code there too:
// fauxqs's "AWS.SimpleQueueService.QueueNameExists" is SQS's "QueueAlreadyExists".
func TestSQSJSONQueryErrorHeader(t *testing.T) {
	for _, tc := range []struct{ from, want string }{
		{"AWS.SimpleQueueService.QueueNameExists;Sender", "QueueAlreadyExists;Sender"},
		{"AWS.SimpleQueueService.InvalidAttributeName;Sender", "InvalidAttributeName;Sender"},
		{"AWS.SimpleQueueService.InvalidParameterValue;Sender", "InvalidParameterValue;Sender"},
		{"AWS.SimpleQueueService.NonExistentQueue;Sender", "AWS.SimpleQueueService.NonExistentQueue;Sender"},
		{"AWS.SimpleQueueService.EmptyBatchRequest;Sender", "AWS.SimpleQueueService.EmptyBatchRequest;Sender"},
		{"AccessDenied;Sender", "AccessDenied;Sender"},
	} {
		body := `{"__type":"com.amazonaws.sqs#X","message":"why"}`
		upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Amzn-Query-Error", tc.from)
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(400)
			io.WriteString(w, body)
		})
		req := httptest.NewRequest("POST", "/", strings.NewReader(`{"QueueName":"q"}`))
		req.Header.Set("X-Amz-Target", "AmazonSQS.CreateQueue")
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		rec := httptest.NewRecorder()
		gateway.SQSQuery(upstream).ServeHTTP(rec, req)
		if got := rec.Header().Get("X-Amzn-Query-Error"); rec.Code != 400 || got != tc.want || rec.Body.String() != body {
			t.Errorf("%s: answer %d, x-amzn-query-error %q, body %s; want 400, %q, the emulator's body", tc.from, rec.Code, got, rec.Body, tc.want)
		}
	}
}

// A JSON-protocol request's handler may still flush through the header-mending writer (the SQS
// metrics' recorder passes flushes on by http.Flusher).
func TestSQSJSONAnswerFlushes(t *testing.T) {
	flushed := false
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := w.(http.Flusher)
		if !ok {
			t.Fatal("the handler's writer is not an http.Flusher")
		}
		io.WriteString(w, "{}")
		f.Flush()
		flushed = true
	})
	req := httptest.NewRequest("POST", "/", strings.NewReader(`{}`))
	req.Header.Set("X-Amz-Target", "AmazonSQS.ListQueues")
	rec := httptest.NewRecorder()
	gateway.SQSQuery(upstream).ServeHTTP(rec, req)
	if !flushed || !rec.Flushed || rec.Body.String() != "{}" {
		t.Errorf("flushed %v, the recorder saw a flush %v, body %q; want the flush passed on", flushed, rec.Flushed, rec.Body)
	}
}

// An action without output answers with ResponseMetadata alone, as SQS's samples show
// (<DeleteMessageResponse><ResponseMetadata><RequestId>...); one with output has its Result element
// even when the result is empty (ListQueues of no queues).
func TestSQSQueryResultElement(t *testing.T) {
	for _, tc := range []struct {
		action string
		result bool
	}{
		{"DeleteMessage", false}, {"DeleteQueue", false}, {"ChangeMessageVisibility", false}, {"PurgeQueue", false},
		{"SetQueueAttributes", false}, {"TagQueue", false}, {"UntagQueue", false}, {"AddPermission", false}, {"RemovePermission", false},
		{"ListQueues", true}, {"ReceiveMessage", true}, {"ListQueueTags", true},
	} {
		_, rec := translate(t, url.Values{"Action": {tc.action}, "QueueUrl": {"http://h/000000000000/q"}, "ReceiptHandle": {"r"}, "VisibilityTimeout": {"1"}}, answerJSON(`{}`))
		var out struct {
			XMLName   xml.Name
			RequestID string `xml:"ResponseMetadata>RequestId"`
		}
		if err := xml.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s: %v in %s", tc.action, err, rec.Body)
		}
		has := strings.Contains(rec.Body.String(), "<"+tc.action+"Result")
		if rec.Code != 200 || out.XMLName.Local != tc.action+"Response" || out.RequestID == "" || has != tc.result {
			t.Errorf("%s: answer %d %s; want a %sResponse with a RequestId and Result element %v", tc.action, rec.Code, rec.Body, tc.action, tc.result)
		}
	}
}
