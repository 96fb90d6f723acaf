package gateway_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

func TestSigningName(t *testing.T) {
	tests := []struct {
		name string
		req  func() *http.Request
		want string
	}{
		{name: "authorization header", want: "dynamodb", req: func() *http.Request {
			r := httptest.NewRequest("POST", "/", nil)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=ab")
			return r
		}},
		{name: "presigned url", want: "s3", req: func() *http.Request {
			return httptest.NewRequest("GET", "/b/k?X-Amz-Credential="+url.QueryEscape("AKIDLOCAL/20260101/us-east-1/s3/aws4_request")+"&X-Amz-Signature=ab", nil)
		}},
		{name: "unsigned", want: "", req: func() *http.Request { return httptest.NewRequest("GET", "/", nil) }},
		{name: "malformed scope", want: "", req: func() *http.Request {
			r := httptest.NewRequest("POST", "/", nil)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/x, Signature=ab")
			return r
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := gateway.SigningName(tc.req()); got != tc.want {
				t.Errorf("SigningName = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRoutingProxyAndInterceptors(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "upstream saw host "+r.Host+" path "+r.URL.Path)
	}))
	defer upstream.Close()
	target, _ := url.Parse(upstream.URL)

	g := gateway.New(gateway.Options{})
	g.Proxy("sqs", target, nil)
	g.ProxyTo("s3", gateway.Upstream{URL: target, PathStyle: true})
	var order []string
	g.Use("sqs", func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { order = append(order, "outer"); next.ServeHTTP(w, r) })
	})
	g.Use("sqs", func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { order = append(order, "inner"); next.ServeHTTP(w, r) })
	})
	g.Handle("ssm", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ssm here") }))
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := g.Listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("listening on %s, want 127.0.0.1", addr)
	}
	host := ""
	do := func(service string) string {
		req, _ := http.NewRequest("POST", "http://"+addr+"/q", nil)
		req.Host = host
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/"+service+"/aws4_request, SignedHeaders=host, Signature=ab")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := do("sqs"); got != "upstream saw host "+addr+" path /q" {
		t.Errorf("proxied = %q (the client's Host must be kept)", got)
	}
	if strings.Join(order, ",") != "outer,inner" {
		t.Errorf("interceptor order = %v", order)
	}
	if got := do("ssm"); got != "ssm here" {
		t.Errorf("handled = %q", got)
	}
	// PathStyle: a Host an emulator would read a bucket from is never forwarded; an IP's or
	// localhost's is.
	for h, want := range map[string]string{"victim.s3.local": target.Host, "localhost:1": "localhost:1", "": addr} {
		host = h
		if got := do("s3"); got != "upstream saw host "+want+" path /q" {
			t.Errorf("s3 with Host %q: %q, want the upstream to see %s", h, got, want)
		}
	}
	host = ""

	// An unknown service is an AWS-shaped error the SDK decodes, naming the service.
	client := sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", "")})
	_, err = client.ListStateMachines(context.Background(), &sfn.ListStateMachinesInput{})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnknownServiceException" || !strings.Contains(apiErr.ErrorMessage(), `"states"`) {
		t.Errorf("unknown service err = %v", err)
	}

	cancel()                                     // Listen's context ends the server.
	deadline := time.Now().Add(10 * time.Second) // a poll: generous for a loaded machine
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("still listening on %s after the context ended", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An error is answered in the protocol the request speaks; one signed for S3 in S3's <Error>
// whatever its Content-Type (curl --data sends a form's: it was answered as the query protocol).
func TestWriteErrorSpeaksTheRequestsProtocol(t *testing.T) {
	auth := func(service string) string {
		return "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/" + service + "/aws4_request, SignedHeaders=host, Signature=ab"
	}
	for _, tc := range []struct {
		name, service, contentType, target, want string
	}{
		{name: "awsJson", service: "dynamodb", target: "DynamoDB_20120810.PutItem", want: `{"__type":"Bad","message":"m"}`},
		{name: "query protocol", service: "sqs", contentType: "application/x-www-form-urlencoded", want: "<ErrorResponse><Error><Type>Sender</Type><Code>Bad</Code>"},
		{name: "S3", service: "s3", want: "<Error><Code>Bad</Code><Message>m</Message>"},
		{name: "S3 with a form's Content-Type", service: "s3", contentType: "application/x-www-form-urlencoded", want: "<Error><Code>Bad</Code><Message>m</Message>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/b?delete=", strings.NewReader("x"))
			r.Header.Set("Authorization", auth(tc.service))
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			if tc.target != "" {
				r.Header.Set("X-Amz-Target", tc.target)
			}
			w := httptest.NewRecorder()
			gateway.WriteError(w, r, 400, "Bad", "m")
			if w.Code != 400 || !strings.HasPrefix(w.Body.String(), tc.want) {
				t.Errorf("%d %s, want 400 and a body starting %s", w.Code, w.Body.String(), tc.want)
			}
		})
	}
}
