package gateway_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// Known answers from AWS's own documentation: the SigV4 test suite's get-vanilla and
// get-vanilla-query-order-key-case (service "service", AKIDEXAMPLE) and the S3 chunked upload
// example (seed and chunk signatures).
func TestSigV4KnownAnswers(t *testing.T) {
	keys := gateway.NewKeyStore()
	keys.Add(gateway.Credential{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Principal: "suite"})
	keys.Add(gateway.Credential{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", Principal: "s3-docs"})
	var clock time.Time
	g := gateway.New(gateway.Options{Keys: keys, Now: func() time.Time { return clock }})
	var seen []byte
	var who string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, _ = gateway.PrincipalFrom(r.Context())
		var err error
		if seen, err = io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	g.Handle("service", h)
	g.Handle("s3", h)

	suite := func(target, sig string) *http.Request {
		r := httptest.NewRequest("GET", target, nil)
		r.Host = "example.amazonaws.com"
		r.Header.Set("X-Amz-Date", "20150830T123600Z")
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature="+sig)
		return r
	}
	clock = time.Date(2015, 8, 30, 12, 40, 0, 0, time.UTC)
	for _, tc := range []struct{ name, target, sig string }{
		{"get-vanilla", "/", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		{"get-vanilla-query-order-key-case", "/?Param2=value2&Param1=value1", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
	} {
		w := httptest.NewRecorder()
		who = ""
		g.ServeHTTP(w, suite(tc.target, tc.sig))
		if w.Code != 200 || who != "suite" {
			t.Errorf("%s: %d %s (principal %q), want 200 as suite", tc.name, w.Code, w.Body, who)
		}
		w = httptest.NewRecorder()
		g.ServeHTTP(w, suite(tc.target, strings.Repeat("0", 64)))
		if w.Code != 403 || !strings.Contains(w.Body.String(), "<Code>SignatureDoesNotMatch</Code>") {
			t.Errorf("%s with a wrong signature: %d %s, want 403 SignatureDoesNotMatch", tc.name, w.Code, w.Body)
		}
	}

	// S3's chunked upload example: 65536 + 1024 bytes of 'a' in two signed chunks and a final one.
	chunked := func(tamper bool) *http.Request {
		data := bytes.Repeat([]byte("a"), 66560)
		if tamper {
			data[70] = 'b'
		}
		var body bytes.Buffer
		for i, c := range []struct {
			n   int
			sig string
		}{
			{65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"},
			{1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"},
			{0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"},
		} {
			off := []int{0, 65536, 66560}[i]
			fmt.Fprintf(&body, "%x;chunk-signature=%s\r\n", c.n, c.sig)
			body.Write(data[off : off+c.n])
			body.WriteString("\r\n")
		}
		r := httptest.NewRequest("PUT", "/examplebucket/chunkObject.txt", &body)
		r.Host = "s3.amazonaws.com"
		r.Header.Set("X-Amz-Date", "20130524T000000Z")
		r.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
		r.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
		r.Header.Set("Content-Encoding", "aws-chunked")
		r.Header.Set("X-Amz-Decoded-Content-Length", "66560")
		r.Header.Set("Content-Length", "66824")
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"+
			"SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,"+
			"Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
		return r
	}
	clock = time.Date(2013, 5, 24, 0, 5, 0, 0, time.UTC)
	w := httptest.NewRecorder()
	seen = nil
	g.ServeHTTP(w, chunked(false))
	if w.Code != 200 || who != "s3-docs" || len(seen) != 66824 {
		t.Errorf("S3 chunked example: %d %s, handler saw %d bytes as %q; want 200 and the aws-chunked body passed on (66824 bytes)", w.Code, w.Body, len(seen), who)
	}
	w = httptest.NewRecorder()
	g.ServeHTTP(w, chunked(true))
	if w.Code != 403 || !strings.Contains(w.Body.String(), "SignatureDoesNotMatch") || !strings.Contains(w.Body.String(), "chunk") {
		t.Errorf("S3 chunked example with a changed byte: %d %s, want 403 SignatureDoesNotMatch naming the chunk", w.Code, w.Body)
	}

	// The same request 20 minutes later: S3's RequestTimeTooSkewed.
	clock = time.Date(2013, 5, 24, 0, 20, 0, 0, time.UTC)
	w = httptest.NewRecorder()
	g.ServeHTTP(w, chunked(false))
	if w.Code != 403 || !strings.Contains(w.Body.String(), "<Code>RequestTimeTooSkewed</Code>") {
		t.Errorf("20 minutes later: %d %s, want 403 RequestTimeTooSkewed", w.Code, w.Body)
	}
}

// recorder is the in-process stand-in for every service: it answers each protocol's smallest
// valid response and records who called.
type recorder struct {
	mu     sync.Mutex
	calls  map[string]string // service -> principal
	bodies map[string][]byte
}

func (rec *recorder) handler(service string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		p, _ := gateway.PrincipalFrom(r.Context())
		rec.mu.Lock()
		rec.calls[service] = p
		rec.bodies[service] = body
		rec.mu.Unlock()
		switch service {
		case "monitoring":
			w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
			w.Header().Set("Content-Type", "application/cbor")
			w.Write(cbor.Encode(cbor.Map{}))
		case "sns":
			w.Header().Set("Content-Type", "text/xml")
			io.WriteString(w, `<ListTopicsResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ListTopicsResult><Topics/></ListTopicsResult></ListTopicsResponse>`)
		case "s3", "lambda":
		default:
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			io.WriteString(w, "{}")
		}
	})
}

func (rec *recorder) principal(service string) string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.calls[service]
}

var allServices = []string{"s3", "sqs", "sns", "dynamodb", "ssm", "monitoring", "states", "lambda", "logs"}

// sdkCalls makes one call per service with the SDK for Go v2 (Lambda and CloudWatch Logs, whose
// clients the module does not carry, with the SDK's signer).
func sdkCalls(endpoint string, creds aws.CredentialsProvider) map[string]func(context.Context) error {
	return sdkCallsVia(endpoint, creds, http.DefaultClient)
}

// sdkCallsVia is sdkCalls with every request sent by client.
func sdkCallsVia(endpoint string, creds aws.CredentialsProvider, client *http.Client) map[string]func(context.Context) error {
	cfg := aws.Config{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1, HTTPClient: client}
	return map[string]func(context.Context) error{
		"s3": func(ctx context.Context) error {
			_, err := s3.NewFromConfig(cfg).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("dir/a key+é"), Body: strings.NewReader("hello")})
			return err
		},
		"sqs": func(ctx context.Context) error {
			_, err := sqs.NewFromConfig(cfg).ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("q")})
			return err
		},
		"sns": func(ctx context.Context) error {
			_, err := sns.NewFromConfig(cfg).ListTopics(ctx, &sns.ListTopicsInput{})
			return err
		},
		"dynamodb": func(ctx context.Context) error {
			_, err := dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{})
			return err
		},
		"ssm": func(ctx context.Context) error {
			_, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/a/b")})
			return err
		},
		"monitoring": func(ctx context.Context) error {
			_, err := cloudwatch.NewFromConfig(cfg).ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/SQS")})
			return err
		},
		"states": func(ctx context.Context) error {
			_, err := sfn.NewFromConfig(cfg).ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
			return err
		},
		"lambda": func(ctx context.Context) error {
			return signedCall(ctx, creds, client, "lambda", "POST", endpoint+"/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Afn/invocations",
				nil, []byte(`{"hello":"world"}`))
		},
		"logs": func(ctx context.Context) error { // awsJson1.1, as the CLI's logs commands send it
			return signedCall(ctx, creds, client, "logs", "POST", endpoint+"/",
				http.Header{"X-Amz-Target": {"Logs_20140328.DescribeLogGroups"}, "Content-Type": {"application/x-amz-json-1.1"}}, []byte(`{}`))
		},
	}
}

// signedCall sends one request signed for service with the SDK's signer; a refusal is a
// *rawError with the service's code (X-Amzn-ErrorType, or the JSON body's __type).
func signedCall(ctx context.Context, creds aws.CredentialsProvider, client *http.Client, service, method, url string, header http.Header, payload []byte) error {
	c, err := creds.Retrieve(ctx)
	if err != nil {
		return err
	}
	req, _ := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(payload))
	for k, v := range header {
		req.Header[k] = v
	}
	sum := sha256.Sum256(payload)
	if err := v4.NewSigner().SignHTTP(ctx, c, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 {
		return nil
	}
	code := resp.Header.Get("X-Amzn-ErrorType")
	if code == "" {
		var body struct {
			Type string `json:"__type"`
		}
		_ = json.Unmarshal(b, &body)
		code = body.Type
	}
	code, _, _ = strings.Cut(code, ":") // X-Amzn-ErrorType may carry ":http://..." after the code
	return &rawError{status: resp.StatusCode, code: code, body: string(b)}
}

type rawError struct {
	status     int
	code, body string
}

func (e *rawError) Error() string { return fmt.Sprintf("%d %s %s", e.status, e.code, e.body) }

// errorCode is an SDK error's code and HTTP status.
func errorCode(err error) (string, int) {
	var le *rawError
	if errors.As(err, &le) {
		return le.code, le.status
	}
	code, status := "", 0
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return code, status
}

func newVerifyingGateway(t *testing.T, opts gateway.Options) (endpoint string, keys *gateway.KeyStore, rec *recorder) {
	t.Helper()
	keys = gateway.NewKeyStore()
	opts.Keys = keys
	opts.Region = "us-east-1"
	g := gateway.New(opts)
	rec = &recorder{calls: map[string]string{}, bodies: map[string][]byte{}}
	for _, s := range allServices {
		g.Handle(s, rec.handler(s))
	}
	return serve(t, g), keys, rec
}

// TestSigV4WithTheSDK: every service's SDK client gets in with a key of the gateway and is refused,
// with that service's error, with an unknown key or a wrong secret; the handler learns the principal.
func TestSigV4WithTheSDK(t *testing.T) {
	endpoint, keys, rec := newVerifyingGateway(t, gateway.Options{})
	admin := keys.NewKey("arn:aws:iam::000000000000:root")
	role := keys.SessionKey("arn:aws:iam::000000000000:role/fn-role")
	if !strings.HasPrefix(admin.AccessKeyID, "AKIA") || len(admin.AccessKeyID) != 20 || len(admin.SecretAccessKey) != 40 {
		t.Errorf("NewKey = %+v, want AKIA + 16 characters and a 40-character secret", admin)
	}
	if !strings.HasPrefix(role.AccessKeyID, "ASIA") || role.SessionToken == "" || keys.SessionKey(role.Principal) != role {
		t.Errorf("SessionKey = %+v, want one ASIA key with a token per principal", role)
	}
	ctx := context.Background()

	for name, c := range map[string]gateway.Credential{"admin": admin, "role session": role} {
		creds := credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
		for service, call := range sdkCalls(endpoint, creds) {
			if err := call(ctx); err != nil {
				t.Errorf("%s %s: %v", name, service, err)
			} else if got := rec.principal(service); got != c.Principal {
				t.Errorf("%s %s: handler saw principal %q, want %q", name, service, got, c.Principal)
			}
		}
	}
	if got := string(rec.bodies["lambda"]); got != `{"hello":"world"}` {
		t.Errorf("lambda body after verification = %q", got)
	}

	refusals := []struct {
		name  string
		creds aws.CredentialsProvider
		want  map[string]string // service -> code
	}{
		{"unknown key", credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", ""), map[string]string{
			"s3": "InvalidAccessKeyId", "sqs": "InvalidClientTokenId", "sns": "InvalidClientTokenId", "monitoring": "InvalidClientTokenId",
			"dynamodb": "UnrecognizedClientException", "ssm": "UnrecognizedClientException", "states": "UnrecognizedClientException", "lambda": "UnrecognizedClientException",
			"logs": "UnrecognizedClientException"}},
		{"wrong secret", credentials.NewStaticCredentialsProvider(admin.AccessKeyID, "not-the-secret", ""), map[string]string{
			"s3": "SignatureDoesNotMatch", "sqs": "SignatureDoesNotMatch", "sns": "SignatureDoesNotMatch", "monitoring": "SignatureDoesNotMatch",
			"dynamodb": "InvalidSignatureException", "ssm": "InvalidSignatureException", "states": "InvalidSignatureException", "lambda": "InvalidSignatureException",
			"logs": "InvalidSignatureException"}},
		{"session key without its token", credentials.NewStaticCredentialsProvider(role.AccessKeyID, role.SecretAccessKey, ""), map[string]string{
			"s3": "InvalidToken", "sqs": "InvalidClientTokenId", "dynamodb": "UnrecognizedClientException", "lambda": "UnrecognizedClientException"}},
		{"long-term key with a token", credentials.NewStaticCredentialsProvider(admin.AccessKeyID, admin.SecretAccessKey, "stale"), map[string]string{
			"sns": "InvalidClientTokenId", "ssm": "UnrecognizedClientException"}},
	}
	wantStatus := map[string]int{"dynamodb": 400, "ssm": 400, "states": 400, "logs": 400}
	for _, tc := range refusals {
		calls := sdkCalls(endpoint, tc.creds)
		for service, code := range tc.want {
			rec.calls = map[string]string{}
			err := calls[service](ctx)
			gotCode, status := errorCode(err)
			want := wantStatus[service]
			if want == 0 {
				want = 403
			}
			if code == "InvalidToken" {
				want = 400
			}
			if gotCode != code || status != want {
				t.Errorf("%s, %s: %v (code %q, status %d), want %s %d", tc.name, service, err, gotCode, status, code, want)
			}
			if p := rec.principal(service); p != "" {
				t.Errorf("%s, %s: the handler was reached", tc.name, service)
			}
		}
	}
}

// sign signs req for service at t with c and the given payload hash.
func sign(t *testing.T, c gateway.Credential, req *http.Request, payloadHash, service string, at time.Time) {
	t.Helper()
	creds := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	if err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" }).SignHTTP(context.Background(), creds, req, payloadHash, service, "us-east-1", at); err != nil {
		t.Fatal(err)
	}
}

func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func hashOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestSigV4Refusals: tampered bodies, clock skew, presigned URLs, payload modes and the Authorize hook.
func TestSigV4Refusals(t *testing.T) {
	var refuse func(r *http.Request, principal string) error
	endpoint, keys, rec := newVerifyingGateway(t, gateway.Options{Authorize: func(r *http.Request, principal string) error {
		if refuse != nil {
			return refuse(r, principal)
		}
		return nil
	}})
	admin := keys.NewKey("arn:aws:iam::000000000000:root")
	now := time.Now()

	// Unsigned: an S3-shaped request (curl of an object's URL) gets S3's 403 AccessDenied, with
	// S3's request id; another service's gets the gateway's 400 naming what is missing.
	// A request with no credential scope is refused in the form of the service it is shaped for
	// (the AWS Common Errors pages: MissingAuthenticationToken is a 403; the JSON services answer
	// MissingAuthenticationTokenException, Lambda with 403), S3's as S3 refuses an anonymous request.
	t.Run("unsigned", func(t *testing.T) {
		for _, c := range []struct {
			method, path, target, contentType, auth string
			status                                  int
			code                                    string
			s3                                      bool
		}{
			{method: "GET", path: "/bucket/key.json", status: 403, code: "<Code>AccessDenied</Code>", s3: true},
			{method: "PUT", path: "/bucket/key.json", contentType: "text/plain", status: 403, code: "<Code>AccessDenied</Code>", s3: true},
			// curl --data-binary's default type: a PUT is S3's whatever its type.
			{method: "PUT", path: "/bucket/key.json", contentType: "application/x-www-form-urlencoded", status: 403, code: "<Code>AccessDenied</Code>", s3: true},
			{method: "POST", path: "/bucket?delete", contentType: "application/x-www-form-urlencoded", status: 403, code: "<Code>AccessDenied</Code>", s3: true},
			{method: "GET", path: "/", status: 403, code: "<Code>AccessDenied</Code>", s3: true},
			{method: "POST", path: "/", target: "AmazonSQS.ListQueues", contentType: "application/x-amz-json-1.0", status: 403, code: "MissingAuthenticationToken"},
			{method: "POST", path: "/", target: "DynamoDB_20120810.ListTables", contentType: "application/x-amz-json-1.0", status: 400, code: `"__type":"MissingAuthenticationTokenException"`},
			{method: "POST", path: "/", target: "AmazonSSM.GetParameter", contentType: "application/x-amz-json-1.1", status: 400, code: `"__type":"MissingAuthenticationTokenException"`},
			{method: "POST", path: "/", contentType: "application/x-www-form-urlencoded", status: 403, code: "<Code>MissingAuthenticationToken</Code>"},
			{method: "POST", path: "/2015-03-31/functions/fn/invocations", status: 403, code: "Request is missing Authentication Token"},
			{method: "GET", path: "/?Action=ListQueues&Version=2012-11-05", status: 403, code: "<Code>MissingAuthenticationToken</Code>"},
			// A presigned URL without its credential: S3's answer names the parameters it needs.
			{method: "GET", path: "/bucket/key.json?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261205T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
				status: 400, code: "<Code>AuthorizationQueryParametersError</Code>", s3: true},
			// Signature Version 2 on S3: refused as S3 refuses it, in S3's form.
			{method: "GET", path: "/bucket/key.json", auth: "AWS AKIDEXAMPLE:c2lnbmF0dXJl", status: 400,
				code: "<Code>InvalidRequest</Code><Message>The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.</Message>", s3: true},
			// And a SigV2 presigned URL (the AWS CLI v1's s3 presign): signed, not anonymous.
			{method: "GET", path: "/bucket/key.json?AWSAccessKeyId=AKIDEXAMPLE&Signature=c2lnbmF0dXJl&Expires=1796500000", status: 400,
				code: "<Code>InvalidRequest</Code><Message>The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.</Message>", s3: true},
		} {
			req, _ := http.NewRequest(c.method, endpoint+c.path, strings.NewReader(""))
			if c.target != "" {
				req.Header.Set("X-Amz-Target", c.target)
			}
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status || !strings.Contains(string(b), c.code) || (resp.Header.Get("X-Amz-Request-Id") != "") != c.s3 {
				t.Errorf("unsigned %s %s: %d %s (x-amz-request-id %q), want %d %s", c.method, c.path, resp.StatusCode, b, resp.Header.Get("X-Amz-Request-Id"), c.status, c.code)
			}
		}
	})

	t.Run("tampered JSON body", func(t *testing.T) {
		body := []byte(`{"QueueName":"a"}`)
		req, _ := http.NewRequest("POST", endpoint+"/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", "AmazonSQS.CreateQueue")
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		sign(t, admin, req, hashOf(body), "sqs", now)
		req.Body = io.NopCloser(strings.NewReader(`{"QueueName":"b"}`))
		if status, out := do(t, req); status != 403 || !strings.Contains(out, `"__type":"SignatureDoesNotMatch"`) {
			t.Errorf("tampered SQS body: %d %s, want 403 SignatureDoesNotMatch", status, out)
		}
	})

	t.Run("tampered S3 body with its hash signed", func(t *testing.T) {
		body := []byte("the object")
		req, _ := http.NewRequest("PUT", endpoint+"/b/k", bytes.NewReader(body))
		req.Header.Set("X-Amz-Content-Sha256", hashOf(body))
		sign(t, admin, req, hashOf(body), "s3", now)
		req.Body = io.NopCloser(strings.NewReader("the 0bject"))
		if status, out := do(t, req); status != 400 || !strings.Contains(out, "<Code>XAmzContentSHA256Mismatch</Code>") {
			t.Errorf("tampered S3 body: %d %s, want 400 XAmzContentSHA256Mismatch", status, out)
		}
	})

	t.Run("tampered large S3 body fails as it streams", func(t *testing.T) {
		body := bytes.Repeat([]byte("x"), 17<<20)
		req, _ := http.NewRequest("PUT", endpoint+"/b/big", bytes.NewReader(body))
		req.Header.Set("X-Amz-Content-Sha256", hashOf(body))
		sign(t, admin, req, hashOf(body), "s3", now)
		body[len(body)-1] = 'y'
		req.Body = io.NopCloser(bytes.NewReader(body))
		status, out := do(t, req)
		if status == 200 {
			t.Errorf("tampered 17 MiB S3 body: %d %s, want the handler's read to fail", status, out)
		}
	})

	t.Run("tampered header", func(t *testing.T) {
		req, _ := http.NewRequest("POST", endpoint+"/", strings.NewReader("{}"))
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		sign(t, admin, req, hashOf([]byte("{}")), "dynamodb", now)
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.DeleteTable")
		if status, out := do(t, req); status != 400 || !strings.Contains(out, "InvalidSignatureException") {
			t.Errorf("tampered X-Amz-Target: %d %s, want 400 InvalidSignatureException", status, out)
		}
	})

	t.Run("an S3 x-amz-* header the signature does not cover", func(t *testing.T) {
		body := []byte("the object")
		req, _ := http.NewRequest("PUT", endpoint+"/b/k", bytes.NewReader(body))
		req.Header.Set("X-Amz-Content-Sha256", hashOf(body))
		sign(t, admin, req, hashOf(body), "s3", now)
		req.Header.Set("X-Amz-Meta-Owner", "added after signing")
		req.Header.Set("X-Amz-Acl", "public-read")
		if status, out := do(t, req); status != 403 || !strings.Contains(out, "<Code>AccessDenied</Code>") ||
			!strings.Contains(out, "<HeadersNotSigned>x-amz-acl, x-amz-meta-owner</HeadersNotSigned>") {
			t.Errorf("unsigned x-amz headers: %d %s, want 403 AccessDenied naming them in HeadersNotSigned", status, out)
		}
		// Signed, the same headers pass; other services sign what they sign.
		req, _ = http.NewRequest("PUT", endpoint+"/b/k", bytes.NewReader(body))
		req.Header.Set("X-Amz-Content-Sha256", hashOf(body))
		req.Header.Set("X-Amz-Meta-Owner", "signed")
		sign(t, admin, req, hashOf(body), "s3", now)
		if status, out := do(t, req); status != 200 {
			t.Errorf("signed x-amz-meta header: %d %s, want 200", status, out)
		}
	})

	t.Run("clock skew", func(t *testing.T) {
		req, _ := http.NewRequest("POST", endpoint+"/", strings.NewReader("{}"))
		req.Header.Set("X-Amz-Target", "AmazonSSM.GetParameter")
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		sign(t, admin, req, hashOf([]byte("{}")), "ssm", now.Add(-16*time.Minute))
		if status, out := do(t, req); status != 400 || !strings.Contains(out, "InvalidSignatureException") || !strings.Contains(out, "Signature expired") {
			t.Errorf("16 minutes old: %d %s, want 400 InvalidSignatureException: Signature expired", status, out)
		}
		req, _ = http.NewRequest("GET", endpoint+"/b/k", nil)
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		sign(t, admin, req, "UNSIGNED-PAYLOAD", "s3", now.Add(16*time.Minute))
		if status, out := do(t, req); status != 403 || !strings.Contains(out, "<Code>RequestTimeTooSkewed</Code>") {
			t.Errorf("16 minutes ahead: %d %s, want 403 RequestTimeTooSkewed", status, out)
		}
	})

	t.Run("payload modes", func(t *testing.T) {
		for _, mode := range []string{"UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"} {
			req, _ := http.NewRequest("PUT", endpoint+"/b/"+mode, strings.NewReader("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"))
			req.Header.Set("X-Amz-Content-Sha256", mode)
			if mode != "UNSIGNED-PAYLOAD" {
				req.Header.Set("Content-Encoding", "aws-chunked")
				req.Header.Set("X-Amz-Decoded-Content-Length", "5")
				req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
			}
			sign(t, admin, req, mode, "s3", now)
			if status, out := do(t, req); status != 200 {
				t.Errorf("%s: %d %s, want 200", mode, status, out)
			}
		}
		// S3's checksums over the data, as S3 checks them (BadDigest): the emulator behind does not.
		md5sum := md5.Sum([]byte("hello"))
		goodMD5 := base64.StdEncoding.EncodeToString(md5sum[:])
		sha := sha256.Sum256([]byte("hello"))
		for _, tc := range []struct {
			name, mode, body string
			headers          map[string]string
			want             string // "" for 200, else the error code
		}{
			{"Content-MD5", "UNSIGNED-PAYLOAD", "hello", map[string]string{"Content-MD5": goodMD5}, ""},
			{"a wrong Content-MD5", "UNSIGNED-PAYLOAD", "hellO", map[string]string{"Content-MD5": goodMD5}, "BadDigest"},
			{"a malformed Content-MD5", "UNSIGNED-PAYLOAD", "hello", map[string]string{"Content-MD5": "nope"}, "InvalidDigest"},
			// Refused before the body is read: a body that does not match its signed hash would say so.
			{"a malformed Content-MD5 is refused before the body", hashOf([]byte("other")), "hello", map[string]string{"Content-MD5": "nope"}, "InvalidDigest"},
			{"a Content-MD5 of another length", "UNSIGNED-PAYLOAD", "hello", map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(sha[:])}, "InvalidDigest"},
			{"a malformed x-amz-checksum-sha256", hashOf([]byte("other")), "hello", map[string]string{"X-Amz-Checksum-Sha256": "nope"}, "InvalidRequest"},
			{"an x-amz-checksum-crc32 of a SHA-256's length", "UNSIGNED-PAYLOAD", "hello", map[string]string{"X-Amz-Checksum-Crc32": base64.StdEncoding.EncodeToString(sha[:])}, "InvalidRequest"},
			{"x-amz-checksum-sha256", "UNSIGNED-PAYLOAD", "hello", map[string]string{"X-Amz-Checksum-Sha256": base64.StdEncoding.EncodeToString(sha[:])}, ""},
			{"a wrong x-amz-checksum-crc32", "UNSIGNED-PAYLOAD", "hellO", map[string]string{"X-Amz-Checksum-Crc32": crc32Base64([]byte("hello"))}, "BadDigest"},
			{"a wrong checksum with a signed payload", hashOf([]byte("hellO")), "hellO", map[string]string{"X-Amz-Checksum-Crc32": crc32Base64([]byte("hello"))}, "BadDigest"},
			{"a wrong trailer, unsigned", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "5\r\nhellO\r\n0\r\nx-amz-checksum-crc32:" + crc32Base64([]byte("hello")) + "\r\n\r\n",
				map[string]string{"Content-Encoding": "aws-chunked", "X-Amz-Decoded-Content-Length": "5", "X-Amz-Trailer": "x-amz-checksum-crc32"}, "BadDigest"},
			{"an announced trailer not sent", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "5\r\nhello\r\n0\r\n\r\n",
				map[string]string{"Content-Encoding": "aws-chunked", "X-Amz-Decoded-Content-Length": "5", "X-Amz-Trailer": "x-amz-checksum-crc32"}, "InvalidRequest"},
			// The Go SDK's newer algorithms: SHA512 and MD5 checked, XXHASH not computed here.
			{"x-amz-checksum-sha512", "UNSIGNED-PAYLOAD", "hello", map[string]string{"X-Amz-Checksum-Sha512": b64(sha512.Sum512([]byte("hello")))}, ""},
			{"a wrong x-amz-checksum-sha512", "UNSIGNED-PAYLOAD", "hellO", map[string]string{"X-Amz-Checksum-Sha512": b64(sha512.Sum512([]byte("hello")))}, "BadDigest"},
			{"a wrong x-amz-checksum-md5", "UNSIGNED-PAYLOAD", "hellO", map[string]string{"X-Amz-Checksum-Md5": goodMD5}, "BadDigest"},
			{"x-amz-checksum-xxhash64", "UNSIGNED-PAYLOAD", "hello", map[string]string{"X-Amz-Checksum-Xxhash64": "AAAAAAAAAAA="}, "NotImplemented"},
			// One checksum a request, and the one x-amz-sdk-checksum-algorithm names must come.
			{"two checksums", "UNSIGNED-PAYLOAD", "hello", map[string]string{"X-Amz-Checksum-Sha256": base64.StdEncoding.EncodeToString(sha[:]),
				"X-Amz-Checksum-Crc32": crc32Base64([]byte("hello"))}, "InvalidRequest"},
			{"an algorithm named, no checksum sent", "UNSIGNED-PAYLOAD", "hello", map[string]string{"X-Amz-Sdk-Checksum-Algorithm": "CRC32"}, "InvalidRequest"},
			{"an algorithm named and sent", "UNSIGNED-PAYLOAD", "hello", map[string]string{"X-Amz-Sdk-Checksum-Algorithm": "CRC32",
				"X-Amz-Checksum-Crc32": crc32Base64([]byte("hello"))}, ""},
			{"an algorithm named, another sent", "UNSIGNED-PAYLOAD", "hello", map[string]string{"X-Amz-Sdk-Checksum-Algorithm": "SHA256",
				"X-Amz-Checksum-Crc32": crc32Base64([]byte("hello"))}, "BadDigest"},
		} {
			req, _ := http.NewRequest("PUT", endpoint+"/b/sum", strings.NewReader(tc.body))
			req.Header.Set("X-Amz-Content-Sha256", tc.mode)
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			sign(t, admin, req, tc.mode, "s3", now)
			status, out := do(t, req)
			wantStatus := 400
			if tc.want == "NotImplemented" {
				wantStatus = 501
			}
			if tc.want == "" && status != 200 || tc.want != "" && (status != wantStatus || !strings.Contains(out, "<Code>"+tc.want+"</Code>")) {
				t.Errorf("%s: %d %s, want %q", tc.name, status, out, tc.want)
			}
		}

		// A CompleteMultipartUpload's x-amz-checksum-* is the whole object's checksum, not its body's:
		// not checked against the XML (the Go SDK sends it when told the object's full checksum).
		complete := `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"e"</ETag></Part></CompleteMultipartUpload>`
		req, _ := http.NewRequest("POST", endpoint+"/b/sum?uploadId=u1", strings.NewReader(complete))
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		req.Header.Set("X-Amz-Checksum-Crc32", crc32Base64([]byte("the whole object")))
		sign(t, admin, req, "UNSIGNED-PAYLOAD", "s3", now)
		if status, out := do(t, req); status != 200 {
			t.Errorf("CompleteMultipartUpload with the object's CRC32: %d %s, want it passed on", status, out)
		}

		// An unsigned chunk has no extension, not even an empty one ("5;": found by FuzzChunkedBody).
		for _, body := range []string{"5;\r\nhello\r\n0\r\n\r\n", "5;x=y\r\nhello\r\n0\r\n\r\n", "5\r\nhello\r\n0;\r\n\r\n"} {
			req, _ := http.NewRequest("PUT", endpoint+"/b/ext", strings.NewReader(body))
			req.Header.Set("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
			req.Header.Set("Content-Encoding", "aws-chunked")
			req.Header.Set("X-Amz-Decoded-Content-Length", "5")
			sign(t, admin, req, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "s3", now)
			if status, out := do(t, req); status != 403 || !strings.Contains(out, "an unsigned chunk with an extension") {
				t.Errorf("%q: %d %s, want 403 naming the extension", body, status, out)
			}
		}

		req, _ = http.NewRequest("PUT", endpoint+"/b/k", strings.NewReader("x"))
		req.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")
		sign(t, admin, req, "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", "s3", now)
		if status, out := do(t, req); status != 400 || !strings.Contains(out, "InvalidArgument") {
			t.Errorf("SigV4a payload: %d %s, want 400 InvalidArgument", status, out)
		}
		req, _ = http.NewRequest("PUT", endpoint+"/b/k", strings.NewReader("x"))
		sign(t, admin, req, hashOf([]byte("x")), "s3", now)
		req.Header.Del("X-Amz-Content-Sha256")
		if status, out := do(t, req); status != 400 || !strings.Contains(out, "x-amz-content-sha256") {
			t.Errorf("S3 without x-amz-content-sha256: %d %s, want 400", status, out)
		}
		// Another service hashes the body it got: signed UNSIGNED-PAYLOAD for one body, another body
		// does not pass (SSM read the swapped parameter's name).
		for _, mode := range []string{"UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"} {
			req, _ = http.NewRequest("POST", endpoint+"/", strings.NewReader(`{"Name":"other"}`))
			req.Header.Set("X-Amz-Target", "AmazonSSM.GetParameter")
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			req.Header.Set("X-Amz-Content-Sha256", mode)
			sign(t, admin, req, mode, "ssm", now)
			if status, out := do(t, req); status != 400 || !strings.Contains(out, "InvalidSignatureException") {
				t.Errorf("ssm with %s: %d %s, want 400 InvalidSignatureException", mode, status, out)
			}
		}
		// S3 with the SDK, UNSIGNED-PAYLOAD.
		cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(admin.AccessKeyID, admin.SecretAccessKey, "")}
		if _, err := s3.NewFromConfig(cfg).PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("u"),
			Body: strings.NewReader("unsigned")}, s3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)); err != nil {
			t.Errorf("SDK PutObject with UNSIGNED-PAYLOAD: %v", err)
		}
	})

	t.Run("presigned", func(t *testing.T) {
		cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
			Credentials: credentials.NewStaticCredentialsProvider(admin.AccessKeyID, admin.SecretAccessKey, "")}
		presign := s3.NewPresignClient(s3.NewFromConfig(cfg))
		ps, err := presign.PresignGetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("a key/ü+~")},
			s3.WithPresignExpires(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		rec.calls = map[string]string{}
		req, _ := http.NewRequest(ps.Method, ps.URL, nil)
		if status, out := do(t, req); status != 200 || rec.principal("s3") != admin.Principal {
			t.Errorf("presigned GET: %d %s (principal %q)", status, out, rec.principal("s3"))
		}
		req, _ = http.NewRequest(ps.Method, strings.Replace(ps.URL, "X-Amz-Expires=60", "X-Amz-Expires=61", 1), nil)
		if status, out := do(t, req); status != 403 || !strings.Contains(out, "SignatureDoesNotMatch") {
			t.Errorf("presigned GET with a longer expiry: %d %s, want 403 SignatureDoesNotMatch", status, out)
		}
		old, err := presign.PresignGetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("k")},
			s3.WithPresignExpires(time.Minute), withSigningTime(now.Add(-2*time.Minute)))
		if err != nil {
			t.Fatal(err)
		}
		req, _ = http.NewRequest(old.Method, old.URL, nil)
		if status, out := do(t, req); status != 403 || !strings.Contains(out, "Request has expired") {
			t.Errorf("expired presigned GET: %d %s, want 403 AccessDenied: Request has expired", status, out)
		}
		// An upload URL does not carry x-amz-* headers it was not signed with: sent with
		// x-amz-copy-source it copied whatever its signer could read.
		up, err := presign.PresignPutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("upload")})
		if err != nil {
			t.Fatal(err)
		}
		rec.calls = map[string]string{}
		req, _ = http.NewRequest(up.Method, up.URL, strings.NewReader(""))
		req.Header.Set("X-Amz-Copy-Source", "/secret-bucket/payroll.csv")
		if status, out := do(t, req); status != 403 || !strings.Contains(out, "HeadersNotSigned") || !strings.Contains(out, "x-amz-copy-source") || rec.principal("s3") != "" {
			t.Errorf("presigned PUT with an unsigned x-amz-copy-source: %d %s (reached S3 as %q), want 403 naming the header", status, out, rec.principal("s3"))
		}
	})

	t.Run("authorize hook", func(t *testing.T) {
		defer func() { refuse = nil }()
		var gotPrincipal string
		refuse = func(r *http.Request, principal string) error {
			gotPrincipal = principal
			if p, _ := gateway.PrincipalFrom(r.Context()); p != principal {
				t.Errorf("PrincipalFrom = %q, hook got %q", p, principal)
			}
			if gateway.SigningName(r) == "sqs" {
				return &gateway.Error{Status: 403, Code: "AccessDenied", Message: "User: " + principal + " is not authorized to perform: sqs:ListQueues"}
			}
			return errors.New("no")
		}
		creds := credentials.NewStaticCredentialsProvider(admin.AccessKeyID, admin.SecretAccessKey, "")
		calls := sdkCalls(endpoint, creds)
		for service, want := range map[string]string{"sqs": "AccessDenied", "dynamodb": "AccessDeniedException", "s3": "AccessDenied",
			"sns": "AuthorizationError", "monitoring": "AccessDenied", "lambda": "AccessDeniedException"} {
			code, _ := errorCode(calls[service](context.Background()))
			if code != want {
				t.Errorf("refused %s: code %q, want %s", service, code, want)
			}
		}
		if gotPrincipal != admin.Principal {
			t.Errorf("hook got principal %q, want %q", gotPrincipal, admin.Principal)
		}
	})

	// One request, one signature: S3 refuses a presigned URL that also carries an Authorization
	// header, and a header naming two Credentials was routed by the first and checked by the last.
	t.Run("two auth mechanisms", func(t *testing.T) {
		cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
			Credentials: credentials.NewStaticCredentialsProvider(admin.AccessKeyID, admin.SecretAccessKey, "")}
		ps, err := s3.NewPresignClient(s3.NewFromConfig(cfg)).PresignGetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("k")})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(ps.Method, ps.URL, nil)
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		sign(t, admin, req, "UNSIGNED-PAYLOAD", "s3", now)
		if status, out := do(t, req); status != 400 || !strings.Contains(out, "<Code>InvalidArgument</Code>") || !strings.Contains(out, "Only one auth mechanism allowed") {
			t.Errorf("presigned URL with an Authorization header: %d %s, want 400 InvalidArgument", status, out)
		}
		req, _ = http.NewRequest("POST", endpoint+"/", strings.NewReader("{}"))
		req.Header.Set("X-Amz-Target", "AmazonSSM.GetParameter")
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		sign(t, admin, req, hashOf([]byte("{}")), "ssm", now)
		auth := req.Header.Get("Authorization")
		req.Header.Set("Authorization", strings.Replace(auth, "Credential=", "Credential="+admin.AccessKeyID+"/"+now.Format("20060102")+"/us-east-1/dynamodb/aws4_request, Credential=", 1))
		if status, out := do(t, req); status != 400 || !strings.Contains(out, "IncompleteSignatureException") || !strings.Contains(out, "'Credential' twice") {
			t.Errorf("two Credentials: %d %s, want 400 IncompleteSignatureException", status, out)
		}
		// X-Amz-Target is the operation: a request whose signature does not cover it is refused.
		req, _ = http.NewRequest("POST", endpoint+"/", strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		sign(t, admin, req, hashOf([]byte("{}")), "ssm", now)
		req.Header.Set("X-Amz-Target", "AmazonSSM.DeleteParameter")
		if status, out := do(t, req); status < 400 || !strings.Contains(out, "X-Amz-Target") {
			t.Errorf("an unsigned X-Amz-Target: %d %s, want it refused naming the header", status, out)
		}
		// The header is not signed, so a parameter of any other name is a third party's: an S3 PUT
		// signed with UNSIGNED-PAYLOAD, an "X=Credential=" naming SQS put in front, and a body of
		// SQS's, was routed to SQS (by the first "Credential=" text) and checked as S3's.
		rec.calls = map[string]string{}
		req, _ = http.NewRequest("PUT", endpoint+"/b/k", strings.NewReader("Action=DeleteQueue&QueueUrl=q"))
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		sign(t, admin, req, "UNSIGNED-PAYLOAD", "s3", now)
		auth = req.Header.Get("Authorization")
		req.Header.Set("Authorization", strings.Replace(auth, "Credential=", "X=Credential="+admin.AccessKeyID+"/"+now.Format("20060102")+"/us-east-1/sqs/aws4_request, Credential=", 1))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if status, out := do(t, req); status < 400 || !strings.Contains(out, "which is none of Credential, SignedHeaders and Signature") || rec.principal("sqs") != "" || rec.principal("s3") != "" {
			t.Errorf("an extra Authorization parameter naming another service: %d %s (reached SQS as %q, S3 as %q), want it refused and neither reached",
				status, out, rec.principal("sqs"), rec.principal("s3"))
		}
	})

	t.Run("other region", func(t *testing.T) {
		cfg := aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(admin.AccessKeyID, admin.SecretAccessKey, "")}
		_, err := sqs.NewFromConfig(cfg).ListQueues(context.Background(), &sqs.ListQueuesInput{})
		if code, _ := errorCode(err); code != "SignatureDoesNotMatch" || !strings.Contains(err.Error(), "serves us-east-1 only; the request is signed for eu-west-1") {
			t.Errorf("eu-west-1 scope: %v, want SignatureDoesNotMatch naming the region served and the one signed for", err)
		}
	})
}

// withSigningTime presigns as if at t.
func withSigningTime(t time.Time) func(*s3.PresignOptions) {
	return func(o *s3.PresignOptions) {
		o.Presigner = timedPresigner{at: t}
	}
}

type timedPresigner struct{ at time.Time }

func (p timedPresigner) PresignHTTP(ctx context.Context, credentials aws.Credentials, r *http.Request, payloadHash string, service string, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) (string, http.Header, error) {
	return v4.NewSigner().PresignHTTP(ctx, credentials, r, payloadHash, service, region, p.at, optFns...)
}

func hmacHex(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// crc32Base64 is S3's x-amz-checksum-crc32 of b.
func crc32Base64(b []byte) string {
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.ChecksumIEEE(b))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// TestSigV4SignedChunksWithTrailer: STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, signed here by the
// formulas of AWS's documentation: each chunk's signature chained from the seed, then the
// trailer's. A changed chunk or trailer is refused.
func TestSigV4SignedChunksWithTrailer(t *testing.T) {
	endpoint, keys, rec := newVerifyingGateway(t, gateway.Options{})
	admin := keys.NewKey("arn:aws:iam::000000000000:root")
	const mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	build := func(tamper string) *http.Request {
		now := time.Now().UTC()
		data := [][]byte{bytes.Repeat([]byte("a"), 8192), []byte("tail")}
		req, _ := http.NewRequest("PUT", endpoint+"/b/chunked", nil)
		req.Header.Set("X-Amz-Content-Sha256", mode)
		req.Header.Set("Content-Encoding", "aws-chunked")
		switch tamper {
		case "no decoded length":
		case "decoded length":
			req.Header.Set("X-Amz-Decoded-Content-Length", "8195")
		default:
			req.Header.Set("X-Amz-Decoded-Content-Length", "8196")
		}
		req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
		sign(t, admin, req, mode, "s3", now)
		_, seed, _ := strings.Cut(req.Header.Get("Authorization"), "Signature=")
		date := now.Format("20060102")
		scope := date + "/us-east-1/s3/aws4_request"
		amzDate := now.Format("20060102T150405Z")
		key := hmacHex([]byte("AWS4"+admin.SecretAccessKey), date)
		for _, part := range []string{"us-east-1", "s3", "aws4_request"} {
			key = hmacHex(key, part)
		}
		empty := sha256.Sum256(nil)
		prev := seed
		var body bytes.Buffer
		for _, d := range append(data, nil) {
			sum := sha256.Sum256(d)
			sig := hex.EncodeToString(hmacHex(key, "AWS4-HMAC-SHA256-PAYLOAD\n"+amzDate+"\n"+scope+"\n"+prev+"\n"+hex.EncodeToString(empty[:])+"\n"+hex.EncodeToString(sum[:])))
			// The chunk headers are not signed: a bare LF once passed here, and S3 behind, which
			// splits at CRLF, read the next chunk's header as this one's data.
			if tamper == "bare LF" && len(d) == 4 {
				fmt.Fprintf(&body, "%x;chunk-signature=%s\n", len(d), sig)
			} else {
				fmt.Fprintf(&body, "%x;chunk-signature=%s\r\n", len(d), sig)
			}
			if tamper == "chunk" && len(d) == 4 {
				d = []byte("tall")
			}
			if len(d) > 0 {
				body.Write(d)
				body.WriteString("\r\n")
			}
			prev = sig
		}
		trailer := "x-amz-checksum-crc32:" + crc32Base64(bytes.Join(data, nil)) + "\n"
		if tamper == "checksum" {
			trailer = "x-amz-checksum-crc32:" + crc32Base64([]byte("other data")) + "\n" // signed, and wrong
		}
		tsum := sha256.Sum256([]byte(trailer))
		tsig := hex.EncodeToString(hmacHex(key, "AWS4-HMAC-SHA256-TRAILER\n"+amzDate+"\n"+scope+"\n"+prev+"\n"+hex.EncodeToString(tsum[:])))
		if tamper == "trailer" {
			trailer = "x-amz-checksum-crc32:BBBBBB==\n"
		}
		body.WriteString(strings.TrimSuffix(trailer, "\n") + "\r\nx-amz-trailer-signature:" + tsig + "\r\n\r\n")
		req.Body = io.NopCloser(bytes.NewReader(body.Bytes()))
		req.ContentLength = int64(body.Len())
		return req
	}
	if status, out := do(t, build("")); status != 200 || !bytes.Contains(rec.bodies["s3"], []byte("x-amz-trailer-signature:")) {
		t.Errorf("signed chunks with a trailer: %d %s, want 200 and the body passed on", status, out)
	}
	for _, tamper := range []string{"chunk", "trailer"} {
		if status, out := do(t, build(tamper)); status != 403 || !strings.Contains(out, "SignatureDoesNotMatch") || !strings.Contains(out, tamper) {
			t.Errorf("changed %s: %d %s, want 403 SignatureDoesNotMatch naming it", tamper, status, out)
		}
	}
	for tamper, want := range map[string]string{
		"bare LF":           "a chunk header does not end in CRLF",
		"decoded length":    "8196 bytes of data in its chunks; x-amz-decoded-content-length says 8195",
		"no decoded length": "needs x-amz-decoded-content-length",
		"checksum":          "<Code>BadDigest</Code>",
	} {
		if status, out := do(t, build(tamper)); status < 400 || !strings.Contains(out, want) {
			t.Errorf("%s: %d %s, want it refused: %s", tamper, status, out, want)
		}
	}
}

// b64 is a digest in base64, as S3's checksum headers carry it.
func b64[T ~[16]byte | ~[32]byte | ~[64]byte](sum T) string {
	b := make([]byte, len(sum))
	for i := range b {
		b[i] = sum[i]
	}
	return base64.StdEncoding.EncodeToString(b)
}
