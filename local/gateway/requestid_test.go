package gateway_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// Every answer but S3's carries one x-amzn-RequestId: the service's own when it sets one, else the
// gateway's, refusals included; the SDK reads it into its errors (an SSM error read "RequestID: ,").
// S3 answers its own x-amz-request-id and gets none added.
func TestAnswersCarryARequestID(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amzn-RequestId", "upstream-id")
		w.Write([]byte("{}"))
	}))
	defer upstream.Close()
	target, _ := url.Parse(upstream.URL)
	g := gateway.New(gateway.Options{})
	g.Proxy("sqs", target, nil)
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<x/>")) }))
	defer bare.Close()
	s3target, _ := url.Parse(bare.URL)
	g.ProxyTo("s3", gateway.Upstream{URL: s3target, PathStyle: true})
	g.Handle("ssm", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{}")) }))
	// A handler that writes nothing: net/http answers 200 when it returns.
	g.Handle("logs", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, err := g.Listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(service string) []string {
		req, _ := http.NewRequest("POST", "http://"+addr+"/", nil)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/"+service+"/aws4_request, SignedHeaders=host, Signature=ab")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Values("X-Amzn-Requestid")
	}
	if got := ids("ssm"); len(got) != 1 || len(got[0]) != 36 {
		t.Errorf("ssm (a handler that sets none): %q, want one id", got)
	}
	if got := ids("logs"); len(got) != 1 || len(got[0]) != 36 {
		t.Errorf("logs (a handler that writes nothing): %q, want one id", got)
	}
	if got := ids("sqs"); len(got) != 1 || got[0] != "upstream-id" {
		t.Errorf("sqs (proxied, its own): %q, want the service's alone", got)
	}
	if got := ids("s3"); len(got) != 0 {
		t.Errorf("s3 (a service that sets none): %q, want none added", got)
	}
	// The gateway's own refusal (a service it does not serve), read by the SDK.
	client := sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", "")})
	_, err = client.ListStateMachines(context.Background(), &sfn.ListStateMachinesInput{})
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.ServiceRequestID() == "" {
		t.Errorf("the SDK's error %v: no request id", err)
	}
	// In the query protocol the SDK reads the id from the error's body: the body names the
	// header's (it said "local").
	sn := sns.New(sns.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", "")})
	_, err = sn.ListTopics(context.Background(), &sns.ListTopicsInput{})
	if !errors.As(err, &re) || re.ServiceRequestID() == "" || re.ServiceRequestID() != re.Response.Header.Get("X-Amzn-Requestid") {
		t.Errorf("the SDK's query-protocol error %v: its id %q, the header's %q; want the same", err, re.ServiceRequestID(), re.Response.Header.Get("X-Amzn-Requestid"))
	}
}
