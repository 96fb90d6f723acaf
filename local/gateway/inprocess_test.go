package gateway_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// The cloud's own calls through InProcessClient meet the gateway as calls from outside do: every
// service's SDK client gets in with a key of the gateway and its handler learns the principal and
// reads the body; a wrong secret is refused with the service's error before the handler. Nothing
// listens on the endpoint the clients name: no request goes over TCP.
func TestInProcessClientIsVerifiedLikeTheWire(t *testing.T) {
	keys := gateway.NewKeyStore()
	g := gateway.New(gateway.Options{Keys: keys, Region: "us-east-1"})
	rec := &recorder{calls: map[string]string{}, bodies: map[string][]byte{}}
	for _, s := range allServices {
		g.Handle(s, rec.handler(s))
	}
	const endpoint = "http://127.0.0.1:9" // the discard port: nothing of ours listens there
	client := g.InProcessClient()
	role := keys.SessionKey("arn:aws:iam::000000000000:role/fn-role")
	ctx := context.Background()

	creds := credentials.NewStaticCredentialsProvider(role.AccessKeyID, role.SecretAccessKey, role.SessionToken)
	for service, call := range sdkCallsVia(endpoint, creds, client) {
		if err := call(ctx); err != nil {
			t.Errorf("%s: %v", service, err)
		} else if got := rec.principal(service); got != role.Principal {
			t.Errorf("%s: handler saw principal %q, want %q", service, got, role.Principal)
		}
	}
	if got := string(rec.bodies["s3"]); got != "hello" {
		t.Errorf("s3 PutObject body after verification = %q, want hello", got)
	}
	if got := string(rec.bodies["lambda"]); got != `{"hello":"world"}` {
		t.Errorf("lambda body after verification = %q", got)
	}

	wrong := credentials.NewStaticCredentialsProvider(role.AccessKeyID, "not-the-secret", role.SessionToken)
	want := map[string]string{"s3": "SignatureDoesNotMatch", "sqs": "SignatureDoesNotMatch", "dynamodb": "InvalidSignatureException", "lambda": "InvalidSignatureException"}
	calls := sdkCallsVia(endpoint, wrong, client)
	for service, code := range want {
		rec.calls = map[string]string{}
		got, _ := errorCode(calls[service](ctx))
		if got != code {
			t.Errorf("wrong secret, %s: code %q, want %q", service, got, code)
		}
		if p := rec.principal(service); p != "" {
			t.Errorf("wrong secret, %s: the handler was reached", service)
		}
	}
}

// A handler that waits (a long poll) ends with the caller's context, and the call returns the
// context's error; a handler that panics fails its call instead of the process.
func TestInProcessClientCancelAndPanic(t *testing.T) {
	keys := gateway.NewKeyStore()
	g := gateway.New(gateway.Options{Keys: keys, Region: "us-east-1"})
	g.Handle("sqs", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("X-Amz-Target"), "ListQueues") {
			panic("boom")
		}
		<-r.Context().Done()
	}))
	k := keys.NewKey("arn:aws:iam::000000000000:root")
	c := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:9"), HTTPClient: g.InProcessClient(),
		RetryMaxAttempts: 1, Credentials: credentials.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, "")})

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String("http://127.0.0.1:9/000000000000/q"), WaitTimeSeconds: 20})
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("ReceiveMessage = %v after %s, want the context's deadline after 100ms", err, time.Since(start))
	}
	if _, err := c.ListQueues(context.Background(), &sqs.ListQueuesInput{}); err == nil || !strings.Contains(err.Error(), "panicked: boom") {
		t.Fatalf("ListQueues on a panicking handler = %v, want an error that says so", err)
	}
}

// A delivery made while serving another principal's request (SNS delivering to a queue while a
// function's Publish is served) is judged as its own signer: the in-process call passes on the
// caller's cancellation, not its context's values, as a socket would.
func TestInProcessClientDoesNotPassOnTheCallersIdentity(t *testing.T) {
	keys := gateway.NewKeyStore()
	g := gateway.New(gateway.Options{Keys: keys, Region: "us-east-1"})
	client := g.InProcessClient()
	fn := keys.RoleSessionKey("arn:aws:iam::000000000000:role/fn-role", "etl")
	svc := keys.SessionKey("sns.amazonaws.com")
	const endpoint = "http://127.0.0.1:9"

	var deliveredBy string
	g.Handle("sqs", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		deliveredBy = gateway.CallerFrom(r.Context())
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		io.WriteString(w, "{}")
	}))
	queues := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), HTTPClient: client,
		Credentials: credentials.NewStaticCredentialsProvider(svc.AccessKeyID, svc.SecretAccessKey, svc.SessionToken)})
	g.Handle("sns", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := queues.ListQueues(r.Context(), &sqs.ListQueuesInput{}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<ListTopicsResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ListTopicsResult><Topics/></ListTopicsResult></ListTopicsResponse>`)
	}))
	topics := sns.New(sns.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), HTTPClient: client, RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(fn.AccessKeyID, fn.SecretAccessKey, fn.SessionToken)})
	if _, err := topics.ListTopics(context.Background(), &sns.ListTopicsInput{}); err != nil {
		t.Fatal(err)
	}
	if deliveredBy != "sns.amazonaws.com" {
		t.Errorf("the delivery's caller = %q, want sns.amazonaws.com (not the function it was made for)", deliveredBy)
	}
}
