package failure

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// cloud is a minimal AWS endpoint on 127.0.0.1 answering DynamoDB PutItem/UpdateItem, S3
// PutObject and SSM GetParameter with success. It counts the requests per service/operation.
type cloud struct {
	srv   *httptest.Server
	mu    sync.Mutex
	hits  map[string]int
	param string // SSM parameter value
}

func newCloud(t *testing.T) *cloud {
	c := &cloud{hits: map[string]int{}}
	c.srv = httptest.NewServer(http.HandlerFunc(c.serve)) // httptest listens on 127.0.0.1
	t.Cleanup(c.srv.Close)
	return c
}

func (c *cloud) serve(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	service, _ := credentialScope(r.Header.Get("Authorization"))
	op := r.Method + " " + r.URL.Path
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		op = target[strings.LastIndex(target, ".")+1:]
	}
	c.mu.Lock()
	c.hits[service+":"+op]++
	c.hits[service]++
	param := c.param
	c.mu.Unlock()
	switch service {
	case "dynamodb":
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = io.WriteString(w, "{}")
	case "ssm":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		b, _ := json.Marshal(map[string]any{"Parameter": map[string]any{
			"Name": "failureLambdaConfig", "Value": param, "Version": 1, "LastModifiedDate": 1.7e9}})
		_, _ = w.Write(b)
	default: // s3
		w.Header().Set("ETag", `"abc"`)
	}
}

func (c *cloud) count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits[key]
}

// awsConfig is what a Lambda's config.LoadDefaultConfig gives, pointed at the cloud, with the
// standard retryer (3 attempts) minus its backoff sleeps so the tests stay fast.
func (c *cloud) awsConfig() aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", ""),
		BaseEndpoint: aws.String(c.srv.URL),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			})
		},
	}
}

func putItem(ctx context.Context, db *dynamodb.Client) (*dynamodb.PutItemOutput, error) {
	return db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("chaos-data"),
		Item: map[string]ddbtypes.AttributeValue{"symbol": &ddbtypes.AttributeValueMemberS{Value: "ABCD"}}})
}

func updateItem(ctx context.Context, db *dynamodb.Client) error {
	_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("chaos-data"),
		Key: map[string]ddbtypes.AttributeValue{"symbol": &ddbtypes.AttributeValueMemberS{Value: "ABCD"}}})
	return err
}

func putObject(ctx context.Context, s *s3.Client) error {
	_, err := s.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("chaos-bucket"), Key: aws.String("output/x.csv"),
		Body: strings.NewReader("a,b\n")})
	return err
}

func TestSDKErrorsWithRealClients(t *testing.T) {
	var (
		throttle    *ddbtypes.ProvisionedThroughputExceededException
		internalErr *ddbtypes.InternalServerError
		sendErr     *smithyhttp.RequestSendError
		injErr      *InjectedError
	)
	apiCode := func(code string, status int) func(t *testing.T, err error) {
		return func(t *testing.T, err error) {
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != code {
				t.Fatalf("want API error %s, got %v", code, err)
			}
			var re *smithyhttp.ResponseError
			if !errors.As(err, &re) || re.HTTPStatusCode() != status {
				t.Fatalf("want HTTP %d, got %v", status, err)
			}
		}
	}
	tests := []struct {
		name      string
		config    string
		call      string // "dynamodb" or "s3"
		rand      []float64
		wantErr   func(t *testing.T, err error) // nil: the call must succeed
		injected  int                           // faults injected over the call's attempts
		serverHit int                           // requests that reached the server
	}{
		{
			name:   "dynamodb throttling is a typed ProvisionedThroughputExceededException, retried 3 times",
			config: `{"isEnabled":true,"faults":[{"mode":"sdkerror","targets":["dynamodb:*"],"error":"throttling"}]}`,
			call:   "dynamodb",
			wantErr: func(t *testing.T, err error) {
				if !errors.As(err, &throttle) {
					t.Fatalf("want *types.ProvisionedThroughputExceededException, got %T %v", err, err)
				}
				var re *smithyhttp.ResponseError
				if !errors.As(err, &re) || re.HTTPStatusCode() != 400 {
					t.Fatalf("want HTTP 400, got %v", err)
				}
			},
			injected: 3,
		},
		{
			name:     "dynamodb throttling at rate 0.75 that fires twice: the third attempt succeeds",
			config:   `{"isEnabled":true,"faults":[{"mode":"sdkerror","rate":0.75,"targets":["dynamodb:PutItem"],"error":"throttling"}]}`,
			call:     "dynamodb",
			rand:     []float64{0.1, 0.5, 0.9},
			injected: 2, serverHit: 1,
		},
		{
			name:   "dynamodb internal is a typed InternalServerError (500), retried",
			config: `{"isEnabled":true,"faults":[{"mode":"sdkerror","error":"internal"}]}`,
			call:   "dynamodb",
			wantErr: func(t *testing.T, err error) {
				if !errors.As(err, &internalErr) {
					t.Fatalf("want *types.InternalServerError, got %T %v", err, err)
				}
			},
			injected: 3,
		},
		{
			name: "dynamodb unavailable is a 503 ServiceUnavailable, retried", call: "dynamodb",
			config:  `{"isEnabled":true,"faults":[{"mode":"sdkerror","targets":["*:*"],"error":"unavailable"}]}`,
			wantErr: apiCode("ServiceUnavailable", 503), injected: 3,
		},
		{
			name: "s3 throttling is 503 SlowDown, retried", call: "s3",
			config:  `{"isEnabled":true,"faults":[{"mode":"sdkerror","targets":["s3:PutObject"],"error":"throttling"}]}`,
			wantErr: apiCode("SlowDown", 503), injected: 3,
		},
		{
			name: "s3 internal is 500 InternalError, retried", call: "s3",
			config:  `{"isEnabled":true,"faults":[{"mode":"sdkerror","targets":["s3:*"],"error":"internal"}]}`,
			wantErr: apiCode("InternalError", 500), injected: 3,
		},
		{
			name: "connection reset is a retryable RequestSendError wrapping ECONNRESET", call: "dynamodb",
			config: `{"isEnabled":true,"faults":[{"mode":"sdkerror","error":"connection-reset"}]}`,
			wantErr: func(t *testing.T, err error) {
				if !errors.As(err, &sendErr) || !errors.Is(err, syscall.ECONNRESET) || !errors.As(err, &injErr) {
					t.Fatalf("want RequestSendError wrapping ECONNRESET and *InjectedError, got %T %v", err, err)
				}
			},
			injected: 3,
		},
		{
			name: "timeout is a retryable RequestSendError with a net.Error that timed out", call: "s3",
			config: `{"isEnabled":true,"faults":[{"mode":"sdkerror","error":"timeout","minLatency":1,"maxLatency":2}]}`,
			wantErr: func(t *testing.T, err error) {
				var ne net.Error
				if !errors.As(err, &sendErr) || !errors.As(err, &ne) || !ne.Timeout() {
					t.Fatalf("want RequestSendError with a timeout net.Error, got %T %v", err, err)
				}
			},
			injected: 3,
		},
		{
			name: "the seed's Lab 4 config blocks DynamoDB at a 127.0.0.1 endpoint", call: "dynamodb",
			config: `{"isEnabled": true, "failureMode": "blacklist", "rate": 0.5, "blacklist": ["dynamodb.*.amazonaws.com"]}`,
			rand:   []float64{0.49},
			wantErr: func(t *testing.T, err error) {
				if !errors.As(err, &sendErr) || !errors.Is(err, syscall.ECONNREFUSED) || !errors.As(err, &injErr) || injErr.Mode != ModeDenylist {
					t.Fatalf("want RequestSendError wrapping a refused connection, got %T %v", err, err)
				}
			},
			injected: 3,
		},
		{
			name: "the seed's Lab 4 config lets DynamoDB through when the dice say so", call: "dynamodb",
			config: `{"isEnabled": true, "failureMode": "blacklist", "rate": 0.5, "blacklist": ["dynamodb.*.amazonaws.com"]}`,
			rand:   []float64{0.5}, serverHit: 1,
		},
		{
			name: "the seed's Lab 4 config leaves S3 alone", call: "s3",
			config:    `{"isEnabled": true, "failureMode": "blacklist", "rate": 1, "blacklist": ["dynamodb.*.amazonaws.com"]}`,
			serverHit: 1,
		},
		{
			name: "denylist matches the real host too", call: "s3",
			config:  `{"isEnabled": true, "faults": [{"mode": "denylist", "denylist": ["^127\\.0\\.0\\.1$"]}]}`,
			wantErr: func(t *testing.T, err error) { errors.As(err, &sendErr) }, injected: 3,
		},
		{
			name: "a target on another operation leaves the call alone", call: "dynamodb",
			config:    `{"isEnabled":true,"faults":[{"mode":"sdkerror","targets":["dynamodb:UpdateItem","s3:*"],"error":"internal"}]}`,
			serverHit: 1,
		},
		{
			name: "disabled config injects nothing", call: "dynamodb",
			config:    `{"isEnabled":false,"faults":[{"mode":"sdkerror","error":"internal"}]}`,
			serverHit: 1,
		},
		{
			name: "an expired config injects nothing", call: "dynamodb",
			config:    `{"isEnabled":true,"expiresAt":"2026-11-23T12:59:59Z","faults":[{"mode":"sdkerror","error":"internal"}]}`,
			serverHit: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rnd func() float64
			if tt.rand != nil {
				rnd = seq(tt.rand...)
			}
			r := newRig(t, tt.config, rnd)
			c := newCloud(t)
			cfg := r.inj.Instrument(c.awsConfig())
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var err error
			var attempts int
			switch tt.call {
			case "dynamodb":
				var out *dynamodb.PutItemOutput
				out, err = putItem(ctx, dynamodb.NewFromConfig(cfg))
				if err == nil {
					res, _ := retry.GetAttemptResults(out.ResultMetadata)
					attempts = len(res.Results)
				}
			default:
				err = putObject(ctx, s3.NewFromConfig(cfg))
			}
			if tt.wantErr == nil && err != nil {
				t.Fatalf("call failed: %v", err)
			}
			if tt.wantErr != nil {
				if err == nil {
					t.Fatal("call succeeded, want an error")
				}
				tt.wantErr(t, err)
			}
			total := 0
			for _, m := range []Mode{ModeSDKError, ModeDenylist} {
				total += r.injected(m)
			}
			if total != tt.injected {
				t.Errorf("faults injected = %d, want %d\nmetrics: %s", total, tt.injected, r.metrics)
			}
			if got := len(r.logs.Lines(`"msg":"fault injected"`)); got != tt.injected {
				t.Errorf("fault log lines = %d, want %d", got, tt.injected)
			}
			if got := c.count(tt.call); got != tt.serverHit {
				t.Errorf("requests at the server = %d, want %d", got, tt.serverHit)
			}
			if tt.wantErr == nil && tt.call == "dynamodb" && attempts != tt.injected+1 {
				t.Errorf("SDK attempts = %d, want %d", attempts, tt.injected+1)
			}
		})
	}
}

func TestTargetsSelectOperation(t *testing.T) {
	r := newRig(t, `{"isEnabled":true,"faults":[{"mode":"sdkerror","targets":["dynamodb:Update*"],"error":"internal"}]}`, nil)
	c := newCloud(t)
	db := dynamodb.NewFromConfig(r.inj.Instrument(c.awsConfig()), func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 })
	ctx := context.Background()
	if err := updateItem(ctx, db); err == nil {
		t.Error("UpdateItem succeeded, want the injected InternalServerError")
	}
	if _, err := putItem(ctx, db); err != nil {
		t.Errorf("PutItem failed: %v", err)
	}
	if c.count("dynamodb:UpdateItem") != 0 || c.count("dynamodb:PutItem") != 1 {
		t.Errorf("server hits = %v", c.hits)
	}
	line := r.logs.Lines(`"fault injected"`)
	if len(line) != 1 || !strings.Contains(line[0], `"service":"dynamodb"`) || !strings.Contains(line[0], `"operation":"UpdateItem"`) {
		t.Errorf("fault log = %q, want one line naming dynamodb UpdateItem", line)
	}
}

func TestUnsignedCallStillIdentified(t *testing.T) {
	// Anonymous S3 calls carry no Authorization header: the service comes from the SDK's
	// middleware stack values in the request context.
	r := newRig(t, `{"isEnabled":true,"faults":[{"mode":"sdkerror","targets":["s3:PutObject"],"error":"internal"}]}`, nil)
	c := newCloud(t)
	cfg := c.awsConfig()
	cfg.Credentials = aws.AnonymousCredentials{}
	s := s3.NewFromConfig(r.inj.Instrument(cfg), func(o *s3.Options) { o.RetryMaxAttempts = 1 })
	err := putObject(context.Background(), s)
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InternalError" {
		t.Fatalf("want injected InternalError, got %v", err)
	}
}

func TestSDKLatencyWithTargets(t *testing.T) {
	r := newRig(t, `{"isEnabled":true,"faults":[{"mode":"latency","targets":["dynamodb:PutItem"],"minLatency":40,"maxLatency":40}]}`, nil)
	c := newCloud(t)
	cfg := r.inj.Instrument(c.awsConfig())
	start := time.Now()
	if _, err := putItem(context.Background(), dynamodb.NewFromConfig(cfg)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("PutItem took %s, want ≥ 40ms of injected latency", d)
	}
	if err := putObject(context.Background(), s3.NewFromConfig(cfg)); err != nil {
		t.Fatal(err)
	}
	if r.injected(ModeLatency) != 1 {
		t.Errorf("latency faults = %d, want 1 (PutItem only)", r.injected(ModeLatency))
	}
	// A call whose context ends during the delay fails with the context's error, not later.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	if _, err := putItem(ctx, dynamodb.NewFromConfig(cfg)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want context deadline exceeded, got %v", err)
	}
}

// The injector's own GetParameter calls are never faulted, even through an instrumented client:
// otherwise a fault on every call would also block its own rollback.
func TestOwnSSMCallsAreNeverFaulted(t *testing.T) {
	c := newCloud(t)
	c.param = `{"isEnabled":true,"faults":[{"mode":"sdkerror","error":"internal"}]}`
	// Build the SSM client from the instrumented config, the mistake this guards against.
	lazy := &lateSSM{}
	inj := New(Options{Parameter: "failureLambdaConfig", SSM: lazy, TTL: 20 * time.Millisecond, Metrics: io.Discard,
		Logger: slog.New(slog.DiscardHandler)})
	lazy.c = ssm.NewFromConfig(inj.Instrument(c.awsConfig()))
	db := dynamodb.NewFromConfig(inj.Instrument(c.awsConfig()), func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 })
	for range 2 {
		if _, err := putItem(context.Background(), db); err == nil {
			t.Fatal("PutItem succeeded, want the injected error")
		}
		waitStale(t, inj) // past the TTL: the next call refetches through the wrapped client
	}
	if got := c.count("ssm"); got != 2 {
		t.Errorf("GetParameter reached the server %d times, want 2", got)
	}
}

// lateSSM forwards to an *ssm.Client built after the Injector.
type lateSSM struct{ c *ssm.Client }

func (l *lateSSM) GetParameter(ctx context.Context, in *ssm.GetParameterInput, o ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	return l.c.GetParameter(ctx, in, o...)
}

// Every protocol's error shape decodes to the right code in the real clients.
func TestSDKErrorShapePerProtocol(t *testing.T) {
	tests := []struct {
		name     string
		call     func(ctx context.Context, cfg aws.Config) error
		kind     SDKError
		wantCode string
	}{
		{"sqs awsJson1.0 throttling", func(ctx context.Context, cfg aws.Config) error {
			_, err := sqs.NewFromConfig(cfg).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String("http://127.0.0.1/q"), MessageBody: aws.String("x")})
			return err
		}, SDKErrorThrottling, "ThrottlingException"},
		{"sns awsQuery throttling", func(ctx context.Context, cfg aws.Config) error {
			_, err := sns.NewFromConfig(cfg).Publish(ctx, &sns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:1:t"), Message: aws.String("x")})
			return err
		}, SDKErrorThrottling, "Throttling"},
		{"sns awsQuery internal", func(ctx context.Context, cfg aws.Config) error {
			_, err := sns.NewFromConfig(cfg).Publish(ctx, &sns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:1:t"), Message: aws.String("x")})
			return err
		}, SDKErrorInternal, "InternalFailure"},
		{"cloudwatch rpcv2Cbor throttling", func(ctx context.Context, cfg aws.Config) error {
			_, err := cloudwatch.NewFromConfig(cfg).PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("n"),
				MetricData: []cwtypes.MetricDatum{{MetricName: aws.String("m"), Value: aws.Float64(1)}}})
			return err
		}, SDKErrorThrottling, "ThrottlingException"},
		{"ssm awsJson1.1 unavailable", func(ctx context.Context, cfg aws.Config) error {
			_, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("other")})
			return err
		}, SDKErrorUnavailable, "ServiceUnavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, `{"isEnabled": true, "faults": [{"mode": "sdkerror", "error": "`+string(tt.kind)+`"}]}`, nil)
			c := newCloud(t)
			cfg := r.inj.Instrument(c.awsConfig())
			cfg.RetryMaxAttempts = 1
			err := tt.call(context.Background(), cfg)
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != tt.wantCode {
				t.Fatalf("want API error %s, got %T %v", tt.wantCode, err, err)
			}
			if !strings.Contains(api.ErrorMessage(), "injected") {
				t.Errorf("message %q does not say the error was injected", api.ErrorMessage())
			}
			if n := c.count(""); n != 0 || len(c.hits) != 0 {
				t.Errorf("the server was reached: %v", c.hits)
			}
		})
	}
}
