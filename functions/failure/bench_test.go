package failure

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// benchInjector is an Injector with real clock and rand, its config already fetched.
func benchInjector(b *testing.B, config string) *Injector {
	f := &fakeSSM{}
	f.set(config)
	inj := New(Options{Parameter: "p", SSM: f, Logger: slog.New(slog.DiscardHandler), Metrics: io.Discard, TempDir: b.TempDir()})
	inj.current(context.Background())
	return inj
}

// sdkRequest is a request as the SDK hands it to its HTTP client: signed, with the middleware
// stack values (operation, service ID, region) in its context.
func sdkRequest() *http.Request {
	ctx := middleware.ClearStackValues(context.Background())
	ctx = awsmiddleware.SetOperationName(ctx, "PutObject")
	ctx = awsmiddleware.SetServiceID(ctx, "S3")
	ctx = awsmiddleware.SetRegion(ctx, "us-east-1")
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, "https://chaos-bucket.s3.us-east-1.amazonaws.com/output/x.csv", strings.NewReader(""))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc")
	return req
}

var okResponse = &http.Response{StatusCode: 200, Body: http.NoBody}

// next stands for the real transport; it costs nothing, so the numbers are the wrapper's own.
var next = smithyhttp.ClientDoFunc(func(*http.Request) (*http.Response, error) { return okResponse, nil })

func benchSDK(b *testing.B, config string) {
	c := benchInjector(b, config).HTTPClient(next)
	req := sdkRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Do(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSDKCallBaseline is the bare next.Do, to subtract from the others.
func BenchmarkSDKCallBaseline(b *testing.B) {
	req := sdkRequest()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = next.Do(req)
	}
}

// BenchmarkSDKCallDisabled: isEnabled false. Target ≤ 50 ns and 0 allocs.
func BenchmarkSDKCallDisabled(b *testing.B) { benchSDK(b, `{"isEnabled": false}`) }

// BenchmarkSDKCallInvocationFaultsOnly: enabled, but only invocation-level faults.
func BenchmarkSDKCallInvocationFaultsOnly(b *testing.B) {
	benchSDK(b, `{"isEnabled": true, "failureMode": "latency", "minLatency": 1, "rate": 0}`)
}

// BenchmarkSDKCallEnabledNoMatch: SDK-level faults whose targets and denylist miss the call.
func BenchmarkSDKCallEnabledNoMatch(b *testing.B) {
	benchSDK(b, `{"isEnabled": true, "faults": [
		{"mode": "sdkerror", "targets": ["dynamodb:UpdateItem"], "error": "throttling"},
		{"mode": "denylist", "denylist": ["dynamodb.*.amazonaws.com"]}]}`)
}

func benchWrap(b *testing.B, config string) {
	h := Wrap(benchInjector(b, config), handlerOK)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h(ctx, "x"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrapDisabled: per-invocation cost of Wrap with isEnabled false.
func BenchmarkWrapDisabled(b *testing.B) { benchWrap(b, `{"isEnabled": false}`) }

// BenchmarkWrapEnabledNoFire: an invocation-level fault that does not fire (rate 0).
func BenchmarkWrapEnabledNoFire(b *testing.B) {
	benchWrap(b, `{"isEnabled": true, "failureMode": "exception", "rate": 0}`)
}

// BenchmarkSDKCallInvocationScoped: the seed's Lab 4 fault inside an invocation whose dice
// missed: the call reads the invocation's decision from its context and goes through.
func BenchmarkSDKCallInvocationScoped(b *testing.B) {
	inj := benchInjector(b, `{"isEnabled": true, "failureMode": "blacklist", "rate": 0.5, "blacklist": ["dynamodb.*.amazonaws.com"]}`)
	c := inj.HTTPClient(next)
	s := inj.current(context.Background())
	req := sdkRequest()
	ctx := context.WithValue(req.Context(), decisionKey{}, &decision{id: s.id, fired: make([]bool, len(s.cfg.Faults))})
	req = req.WithContext(awsmiddleware.SetServiceID(ctx, "DynamoDB"))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Do(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrapInvocationDice: per-invocation cost of rolling the seed's Lab 4 dice and
// carrying the decision in the context.
func BenchmarkWrapInvocationDice(b *testing.B) {
	benchWrap(b, `{"isEnabled": true, "failureMode": "blacklist", "rate": 0.5, "blacklist": ["dynamodb.*.amazonaws.com"]}`)
}

// BenchmarkWrapFlagsDisabled: a failure-lambda 1.0 config with every flag disabled (its README's
// config as shipped) costs what isEnabled false costs.
func BenchmarkWrapFlagsDisabled(b *testing.B) {
	benchWrap(b, `{"latency": {"enabled": false, "min_latency": 100, "max_latency": 400}, "exception": {"enabled": false},
		"statuscode": {"enabled": false}, "diskspace": {"enabled": false}, "denylist": {"enabled": false, "deny_list": ["s3"]},
		"timeout": {"enabled": false}, "corruption": {"enabled": false}}`)
}

// BenchmarkSDKCallFlagsDisabled: the same config, per SDK call.
func BenchmarkSDKCallFlagsDisabled(b *testing.B) {
	benchSDK(b, `{"latency": {"enabled": false}, "denylist": {"enabled": false, "deny_list": ["s3"]}}`)
}

// BenchmarkWrapKillSwitch: FAILURE_LAMBDA_DISABLED=true; the parameter is never read.
func BenchmarkWrapKillSwitch(b *testing.B) {
	inj := New(Options{Parameter: "p", SSM: &fakeSSM{}, Disabled: true, Logger: slog.New(slog.DiscardHandler), Metrics: io.Discard})
	h := Wrap(inj, handlerOK)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h(ctx, "x"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSDKCallKillSwitch: FAILURE_LAMBDA_DISABLED=true, per SDK call.
func BenchmarkSDKCallKillSwitch(b *testing.B) {
	inj := New(Options{Parameter: "p", SSM: &fakeSSM{}, Disabled: true, Logger: slog.New(slog.DiscardHandler), Metrics: io.Discard})
	c := inj.HTTPClient(next)
	req := sdkRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Do(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrapMatchNoFire: an enabled 1.0 flag gated by match on the S3 key, on an SQS event
// of one record that it does not select: the cost of reading the event (only paid while a flag
// with match conditions is enabled).
func BenchmarkWrapMatchNoFire(b *testing.B) {
	inj := benchInjector(b, `{"latency": {"enabled": true, "min_latency": 3000, "match": `+byKey+`}}`)
	h := Wrap(inj, func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
		return events.SQSEventResponse{}, nil
	})
	ev := sqsEventFor("input/run-data_object_msg-7.json")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
}
