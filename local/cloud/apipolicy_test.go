package cloud

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chaoslab/serverless-chaos-lab/local/iam"
)

// The policy interceptors against a stand-in emulator (every request answered 200, and counted): what
// each API call does to the engine, without starting the emulators.
func TestAPIPolicies(t *testing.T) {
	const (
		queueURL = "http://127.0.0.1:1/000000000000/q"
		queueArn = "arn:aws:sqs:us-east-1:000000000000:q"
		topicArn = "arn:aws:sns:us-east-1:000000000000:t"
		bucket   = "b.with.dots"
	)
	allowSNS := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
		"Action": "sqs:SendMessage", "Resource": "` + queueArn + `", "Condition": {"ArnEquals": {"aws:SourceArn": "` + topicArn + `"}}}]}`
	var doc map[string]any
	if err := json.Unmarshal([]byte(allowSNS), &doc); err != nil {
		t.Fatal(err)
	}
	stack := []iam.Resource{
		{LogicalID: "Q", Type: "AWS::SQS::Queue", Ref: queueURL},
		{LogicalID: "QP", Type: "AWS::SQS::QueuePolicy", Properties: map[string]any{"Queues": []any{queueURL}, "PolicyDocument": doc}},
	}
	c := &Cloud{log: slog.New(slog.DiscardHandler)}
	if _, err := c.setStackIAM("s", stack); err != nil {
		t.Fatal(err)
	}
	var forwarded []string
	emulator := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		forwarded = append(forwarded, r.Method+" "+r.URL.RequestURI())
		w.WriteHeader(http.StatusOK)
	})
	snsMaySend := func() bool {
		return c.Engine().Authorize(iam.Request{Principal: PrincipalSNS, Action: "sqs:SendMessage", Resource: queueArn,
			Context: map[string][]string{"aws:SourceArn": {topicArn}}}).Allowed
	}
	serve := func(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	sqsReq := func(op, body string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("X-Amz-Target", "AmazonSQS."+op)
		return r
	}
	snsReq := func(form url.Values) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}

	if !snsMaySend() {
		t.Fatal("the template's queue policy does not let the topic send")
	}
	// A queue deleted and made again has no policy: the template's does not come back.
	serve(c.queuePolicies(emulator), sqsReq("DeleteQueue", `{"QueueUrl": "`+queueURL+`"}`))
	serve(c.queuePolicies(emulator), sqsReq("CreateQueue", `{"QueueName": "q"}`))
	if snsMaySend() {
		t.Error("after DeleteQueue and CreateQueue: the topic may still send")
	}
	// The stack deployed again sets the template's policy again.
	if _, err := c.setStackIAM("s", stack); err != nil {
		t.Fatal(err)
	}
	if !snsMaySend() {
		t.Error("after the stack's deploy: the template's policy is not back")
	}
	// A bad policy never reaches the emulator, and the engine keeps the one it had.
	n := len(forwarded)
	if rec := serve(c.queuePolicies(emulator), sqsReq("SetQueueAttributes", `{"QueueUrl": "`+queueURL+`", "Attributes": {"Policy": "{"}}`)); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "InvalidAttributeValue") {
		t.Errorf("a bad queue policy: %d %s", rec.Code, rec.Body)
	}
	if len(forwarded) != n || !snsMaySend() {
		t.Errorf("a refused policy reached the emulator (%v) or changed the engine", forwarded[n:])
	}
	// The emulator refusing the request leaves the engine as it was.
	refusing := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadRequest) })
	serve(c.queuePolicies(refusing), sqsReq("SetQueueAttributes", `{"QueueUrl": "`+queueURL+`", "Attributes": {"Policy": ""}}`))
	if !snsMaySend() {
		t.Error("a SetQueueAttributes the emulator refused changed the engine")
	}
	// Members are read by their exact names, as IAM and fauxqs read them: one in another case names
	// no queue and sets no policy (encoding/json took the last of "QueueName" and "queueName").
	const mineURL = "http://127.0.0.1:1/000000000000/mine"
	for _, probe := range [][2]string{
		{"CreateQueue", `{"QueueName": "mine", "queueName": "q", "Attributes": {"Policy": ""}}`},
		{"SetQueueAttributes", `{"QueueUrl": "` + mineURL + `", "queueUrl": "` + queueURL + `", "Attributes": {"Policy": ""}}`},
		{"DeleteQueue", `{"QueueUrl": "` + mineURL + `", "queueUrl": "` + queueURL + `"}`},
		{"SetQueueAttributes", `{"QueueUrl": "` + queueURL + `", "Attributes": {"DelaySeconds": "0"}, "attributes": {"Policy": ""}}`},
	} {
		serve(c.queuePolicies(emulator), sqsReq(probe[0], probe[1]))
		if !snsMaySend() {
			t.Errorf("%s %s changed q's policy", probe[0], probe[1])
		}
	}
	if _, set := c.iam.policies["arn:aws:sqs:us-east-1:000000000000:mine"]; !set {
		t.Error("the probes did not act on the queue they name exactly (mine)")
	}

	// SNS: an empty Policy is refused, as SNS refuses it; DeleteTopic leaves the topic's name with none.
	if rec := serve(c.topicPolicies(emulator), snsReq(url.Values{"Action": {"SetTopicAttributes"}, "TopicArn": {topicArn},
		"AttributeName": {"Policy"}, "AttributeValue": {""}})); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "Policy is empty") {
		t.Errorf("an empty topic policy: %d %s", rec.Code, rec.Body)
	}
	serve(c.topicPolicies(emulator), snsReq(url.Values{"Action": {"DeleteTopic"}, "TopicArn": {topicArn}}))
	if p, set := c.iam.policies[topicArn]; !set || p != "" {
		t.Errorf("after DeleteTopic the topic's API policy is %q (set %v), want none", p, set)
	}

	// S3: the bucket policy API is answered here (a DELETE of another subresource is refused in
	// front of it: TestS3Served).
	bucketReq := func(method, target, body string) *http.Request {
		return httptest.NewRequest(method, target, strings.NewReader(body))
	}
	deny := `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::` + bucket + `/*"}]}`
	if rec := serve(c.bucketPolicies(emulator), bucketReq(http.MethodPut, "/"+bucket+"?policy", deny)); rec.Code != http.StatusNoContent {
		t.Errorf("PutBucketPolicy: %d %s", rec.Code, rec.Body)
	}
	rec := serve(c.bucketPolicies(emulator), bucketReq(http.MethodGet, "/"+bucket+"?policy=", ""))
	if got, _ := io.ReadAll(rec.Body); rec.Code != http.StatusOK || string(got) != deny {
		t.Errorf("GetBucketPolicy: %d %q", rec.Code, got)
	}
	if got := forwarded[len(forwarded)-1]; got != "HEAD /"+bucket {
		t.Errorf("the bucket's existence asked with %q, want a HEAD of it", got)
	}
	if rec := serve(c.bucketPolicies(emulator), bucketReq(http.MethodDelete, "/"+bucket+"?x-id=DeleteBucket", "")); rec.Code != http.StatusOK {
		t.Errorf("DeleteBucket (with the SDK's x-id): %d, want it passed to the emulator", rec.Code)
	}
	if rec := serve(c.bucketPolicies(emulator), bucketReq(http.MethodGet, "/"+bucket+"?policy", "")); rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "NoSuchBucketPolicy") {
		t.Errorf("GetBucketPolicy after DeleteBucket: %d %s", rec.Code, rec.Body)
	}
}
