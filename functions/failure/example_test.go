package failure_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/chaoslab/serverless-chaos-lab/functions/failure"
)

type handler struct {
	db *dynamodb.Client
	s3 *s3.Client
}

func (h *handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	// ... GetObject, PutObject, UpdateItem through h.s3 and h.db: each call may meet a fault.
	return events.SQSEventResponse{}, nil
}

// A Lambda main wires the injector once, at init: FromEnv reads FAILURE_INJECTION_PARAM and
// FAILURE_CACHE_TTL and builds its SSM client from the plain config; Instrument wraps the HTTP
// client of every service client built afterwards; Wrap applies the invocation-level faults.
func Example() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		slog.Error("load AWS config", "error", err.Error())
		os.Exit(1)
	}
	inj, err := failure.FromEnv(cfg)
	if err != nil {
		slog.Error("failure injection", "error", err.Error())
		os.Exit(1)
	}
	cfg = inj.Instrument(cfg)
	h := &handler{db: dynamodb.NewFromConfig(cfg), s3: s3.NewFromConfig(cfg)}
	lambda.Start(failure.Wrap(inj, h.Handle))
}

// The same wiring with config.WithHTTPClient, when the config is loaded after the injector.
func ExampleInjector_HTTPClient() {
	ctx := context.Background()
	plain, _ := config.LoadDefaultConfig(ctx)
	inj := failure.New(failure.Options{Parameter: "failureLambdaConfig", SSM: ssm.NewFromConfig(plain)})
	cfg, _ := config.LoadDefaultConfig(ctx, config.WithHTTPClient(inj.HTTPClient(nil)))
	_ = dynamodb.NewFromConfig(cfg)
}

func ExampleParseConfig() {
	cfg, err := failure.ParseConfig([]byte(`{"isEnabled": true, "failureMode": "blacklist", "rate": 0.5,
		"blacklist": ["dynamodb.*.amazonaws.com"]}`))
	fmt.Println(cfg.Enabled, cfg.Faults[0].Mode, cfg.Faults[0].Rate, err)

	_, err = failure.ParseConfig([]byte(`{"isEnabled": true, "faults": [{"mode": "sdkerror", "error": "throttle"}]}`))
	fmt.Println(err)
	// Output:
	// true denylist 0.5 <nil>
	// faults[0].error: unknown error "throttle" (known: throttling, internal, unavailable, connection-reset, timeout)
}

// failure-lambda 1.0's format: one flag per mode, each with its own percentage and match
// conditions; on an SQS event, paths read each record with its body decoded.
func ExampleParseConfig_flags() {
	cfg, err := failure.ParseConfig([]byte(`{
		"latency": {"enabled": true, "min_latency": 3000, "max_latency": 5000,
			"match": [{"path": "body.Records.0.s3.object.key", "operator": "regex", "value": "msg-[0-9]*[05]\\.json$"}]},
		"exception": {"enabled": false},
		"expiresAfterSeconds": 420}`))
	f := cfg.Faults[0]
	fmt.Println(cfg.Format, cfg.Enabled, len(cfg.Faults), f.Mode, f.Rate, f.MinLatency, f.MaxLatency, f.Match[0], cfg.ExpiresAfter, err)

	_, err = failure.ParseConfig([]byte(`{"latency": {"enabled": true, "percentage": 150}}`))
	fmt.Println(err)
	// Output:
	// 1.0 true 1 latency 1 3s 5s body.Records.0.s3.object.key regex "msg-[0-9]*[05]\\.json$" 7m0s <nil>
	// latency.percentage: want a whole number 0..100, got 150
}

// parameter is a ParameterGetter holding a fixed value (in a Lambda: *ssm.Client).
type parameter string

func (p parameter) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: in.Name, Value: aws.String(string(p)), Version: 1}}, nil
}

func ExampleWrap() {
	inj := failure.New(failure.Options{
		Parameter: "failureLambdaConfig",
		SSM:       parameter(`{"isEnabled": true, "failureMode": "exception", "exceptionMsg": "injected: handler not run"}`),
		Logger:    slog.New(slog.DiscardHandler),
		Metrics:   os.Stdout, // one EMF line per injected fault
		Now:       func() time.Time { return time.UnixMilli(1795957200000) },
	})
	h := failure.Wrap(inj, func(ctx context.Context, name string) (string, error) { return "hello " + name, nil })
	_, err := h(context.Background(), "world")
	fmt.Println(err)
	// Output:
	// {"_aws":{"Timestamp":1795957200000,"CloudWatchMetrics":[{"Namespace":"ChaosTransformer","Dimensions":[["Mode"]],"Metrics":[{"Name":"FaultsInjected","Unit":"Count","StorageResolution":1}]}]},"Mode":"exception","FaultsInjected":1}
	// injected: handler not run
}
