package failure

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chaoslab/serverless-chaos-lab/internal/syncbuf"
)

func TestInvocationModes(t *testing.T) {
	tests := []struct {
		name       string
		config     string
		rand       []float64
		wantErr    string // "" : the handler must run and succeed
		wantRan    bool
		wantMode   Mode // the fault counted in the metrics, "" for none
		minElapsed time.Duration
	}{
		{
			name:    "latency delays the invocation, then the handler runs",
			config:  `{"isEnabled": true, "failureMode": "latency", "minLatency": 30, "maxLatency": 30}`,
			wantRan: true, wantMode: ModeLatency, minElapsed: 30 * time.Millisecond,
		},
		{
			name:    "exception fails the invocation with exceptionMsg without running the handler",
			config:  `{"isEnabled": true, "failureMode": "exception", "exceptionMsg": "Exception message!"}`,
			wantErr: "Exception message!", wantMode: ModeException,
		},
		{
			name:    "statuscode with an output lacking StatusCode fails the invocation",
			config:  `{"isEnabled": true, "failureMode": "statuscode", "statusCode": 503}`,
			wantErr: "injected status code 503", wantMode: ModeStatusCode,
		},
		{
			name:    "rate 0.5 and a roll of 0.5: nothing fires",
			config:  `{"isEnabled": true, "failureMode": "exception", "rate": 0.5}`,
			rand:    []float64{0.5},
			wantRan: true,
		},
		{
			name:    "rate 0.5 and a roll of 0.49: fires",
			config:  `{"isEnabled": true, "failureMode": "exception", "rate": 0.5}`,
			rand:    []float64{0.49},
			wantErr: "injected exception", wantMode: ModeException,
		},
		{
			name:    "rate 0 never fires",
			config:  `{"isEnabled": true, "failureMode": "exception", "rate": 0}`,
			wantRan: true,
		},
		{
			name:    "isEnabled false: nothing fires",
			config:  `{"isEnabled": false, "failureMode": "exception"}`,
			wantRan: true,
		},
		{
			name:    "SDK-level faults leave the invocation alone",
			config:  `{"isEnabled": true, "faults": [{"mode": "denylist", "denylist": ["."]}, {"mode": "latency", "minLatency": 5000, "targets": ["s3:*"]}]}`,
			wantRan: true,
		},
		{
			name:    "latency and exception together: delayed, then failed",
			config:  `{"isEnabled": true, "failureMode": "latency", "minLatency": 10, "faults": [{"mode": "exception", "exceptionMsg": "late"}]}`,
			wantErr: "late", wantMode: ModeException, minElapsed: 10 * time.Millisecond,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := invokeWrapped(t, tt.config, tt.rand, events.SQSEvent{}, tt.wantErr, tt.wantRan, tt.minElapsed)
			lines := r.metrics.Lines("FaultsInjected")
			if tt.wantMode == "" && len(lines) != 0 {
				t.Errorf("metrics %q, want none", lines)
			}
			if tt.wantMode != "" && r.injected(tt.wantMode) != 1 {
				t.Errorf("metrics %q, want one for mode %s", lines, tt.wantMode)
			}
			if tt.wantMode != "" && len(r.logs.Lines(`"msg":"fault injected","mode":"`+string(tt.wantMode)+`"`)) != 1 {
				t.Errorf("logs %q, want one fault line for %s", r.logs, tt.wantMode)
			}
		})
	}
}

func TestStatusCodeAnswersLikeFailureLambda(t *testing.T) {
	r := newRig(t, `{"isEnabled": true, "failureMode": "statuscode", "statusCode": 404}`, nil)
	ctx := context.Background()
	ran := false
	api := Wrap(r.inj, func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		ran = true
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	})
	if out, err := api(ctx, events.APIGatewayProxyRequest{}); err != nil || out.StatusCode != 404 || ran {
		t.Errorf("API Gateway: got %+v %v ran=%v, want 404 without running the handler", out, err, ran)
	}
	ptr := Wrap(r.inj, func(context.Context, any) (*events.LambdaFunctionURLResponse, error) { return nil, nil })
	if out, err := ptr(ctx, nil); err != nil || out == nil || out.StatusCode != 404 {
		t.Errorf("pointer output: got %+v %v", out, err)
	}
	m := Wrap(r.inj, func(context.Context, any) (map[string]any, error) { return nil, nil })
	if out, err := m(ctx, nil); err != nil || out["statusCode"] != 404 {
		t.Errorf("map output: got %v %v", out, err)
	}
}

func TestDiskSpace(t *testing.T) {
	r := newRig(t, `{"isEnabled": true, "faults": [{"mode": "diskspace", "diskSpace": 2}]}`, nil)
	h := Wrap(r.inj, handlerOK)
	file := filepath.Join(r.inj.tempDir, DiskFileName)
	ctx := context.Background()
	if _, err := h(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(file)
	if err != nil || st.Size() != 2<<20 {
		t.Fatalf("after the fault: %v, size %d, want a 2 MiB file", err, sizeOf(st))
	}
	if _, err := h(ctx, "x"); err != nil { // still on: the file stays, not duplicated
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(r.inj.tempDir); len(entries) != 1 {
		t.Errorf("temp dir holds %d files, want 1", len(entries))
	}
	if r.injected(ModeDiskSpace) != 2 {
		t.Errorf("diskspace faults = %d, want 2", r.injected(ModeDiskSpace))
	}
	r.ssm.set(`{"isEnabled": false}`) // rollback
	r.clock.Add(6 * time.Second)
	if _, err := h(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after rollback the file is still there: %v", err)
	}
}

func TestDiskSpaceRemovedWhenTheRollMisses(t *testing.T) {
	r := newRig(t, `{"isEnabled": true, "faults": [{"mode": "diskspace", "diskSpace": 1, "rate": 0.5}]}`, seq(0.1, 0.9))
	h := Wrap(r.inj, handlerOK)
	file := filepath.Join(r.inj.tempDir, DiskFileName)
	_, _ = h(context.Background(), "x")
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("first invocation (fires): %v", err)
	}
	_, _ = h(context.Background(), "x")
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("second invocation (misses): file still there: %v", err)
	}
}

func sizeOf(st os.FileInfo) int64 {
	if st == nil {
		return -1
	}
	return st.Size()
}

func TestInjectedLatencyRespectsTheDeadline(t *testing.T) {
	r := newRig(t, `{"isEnabled": true, "failureMode": "latency", "minLatency": 5000}`, nil)
	h := Wrap(r.inj, handlerOK)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := h(ctx, "x")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "injected latency") {
		t.Errorf("err = %v, want the deadline, named as injected latency", err)
	}
}

// With the function's name (AWS_LAMBDA_FUNCTION_NAME), a fault's metric line carries it as a
// dimension set of its own beside Mode: CloudWatch then keeps FaultsInjected per function too, which
// the dashboard counts (Mode alone sums every function of the account).
func TestFaultMetricNamesTheFunction(t *testing.T) {
	var metrics syncbuf.Buffer
	ssm := &fakeSSM{}
	ssm.set(`{"isEnabled": true, "failureMode": "exception", "exceptionMsg": "x"}`)
	inj := New(Options{Parameter: "p", SSM: ssm, FunctionName: "ChaosLab-Fn", Metrics: &metrics, Rand: seq(0),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), TempDir: t.TempDir()})
	h := Wrap(inj, func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
		return events.SQSEventResponse{}, nil
	})
	if _, err := h(context.Background(), events.SQSEvent{}); err == nil {
		t.Fatal("the exception fault did not fire")
	}
	lines := metrics.Lines("FaultsInjected")
	if len(lines) != 1 || !strings.Contains(lines[0], `"Dimensions":[["Mode"],["FunctionName"]]`) || !strings.Contains(lines[0], `"FunctionName":"ChaosLab-Fn"`) {
		t.Fatalf("metric lines %q, want one with the dimension sets Mode and FunctionName", lines)
	}
}
