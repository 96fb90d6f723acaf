package failure

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// sqsEventFor is an SQS batch of S3 notifications for keys, as the pipeline's queue delivers it.
func sqsEventFor(keys ...string) events.SQSEvent {
	var ev events.SQSEvent
	for n, k := range keys {
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId: fmt.Sprintf("msg-%d", n), EventSource: "aws:sqs",
			Attributes: map[string]string{"ApproximateReceiveCount": "1"},
			Body:       `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"` + k + `"}}}]}`,
		})
	}
	return ev
}

// byKey selects the documents whose number ends in 0 or 5, as exp_5 does.
const byKey = `[{"path": "body.Records.0.s3.object.key", "operator": "regex", "value": "msg-[0-9]*[05]\\.json$"}]`

// TestFlagsInvocation runs a Wrap'ed SQS handler under 1.0 configs.
func TestFlagsInvocation(t *testing.T) {
	tests := []struct {
		name       string
		config     string
		rand       []float64
		event      events.SQSEvent
		wantErr    string
		wantRan    bool
		wantModes  []Mode // the faults counted in the metrics, in order
		minElapsed time.Duration
	}{
		{
			name:    "latency: delayed, then the handler runs",
			config:  `{"latency": {"enabled": true, "min_latency": 30, "max_latency": 30}}`,
			wantRan: true, wantModes: []Mode{ModeLatency}, minElapsed: 30 * time.Millisecond,
		},
		{
			name:    "exception: 1.0's default message, handler not run",
			config:  `{"exception": {"enabled": true}}`,
			wantErr: "Injected exception", wantModes: []Mode{ModeException},
		},
		{
			name:    "exception: exception_msg",
			config:  `{"exception": {"enabled": true, "exception_msg": "Exception message!"}}`,
			wantErr: "Exception message!", wantModes: []Mode{ModeException},
		},
		{
			name:    "statuscode: 1.0's default 500; an SQS handler's invocation fails instead",
			config:  `{"statuscode": {"enabled": true}}`,
			wantErr: "injected status code 500", wantModes: []Mode{ModeStatusCode},
		},
		{
			name:    "a disabled flag does nothing",
			config:  `{"exception": {"enabled": false, "exception_msg": "no"}}`,
			wantRan: true,
		},
		{
			name:    "percentage 0 never fires",
			config:  `{"exception": {"enabled": true, "percentage": 0}}`,
			wantRan: true,
		},
		{
			name:    "percentage 50, roll 0.5: no",
			config:  `{"exception": {"enabled": true, "percentage": 50}}`,
			rand:    []float64{0.5},
			wantRan: true,
		},
		{
			name:    "percentage 50, roll 0.49: yes",
			config:  `{"exception": {"enabled": true, "percentage": 50}}`,
			rand:    []float64{0.49},
			wantErr: "Injected exception", wantModes: []Mode{ModeException},
		},
		{
			name:   "each flag rolls its own dice: latency misses, exception hits",
			config: `{"latency": {"enabled": true, "percentage": 50, "min_latency": 1}, "exception": {"enabled": true, "percentage": 50}}`,
			rand:   []float64{0.9, 0.1}, wantErr: "Injected exception", wantModes: []Mode{ModeException},
		},
		{
			name: "1.0's order whatever the JSON order: latency, statuscode, then exception never reached",
			config: `{"exception": {"enabled": true}, "statuscode": {"enabled": true, "status_code": 503},
				"latency": {"enabled": true, "min_latency": 10}}`,
			wantErr: "injected status code 503", wantModes: []Mode{ModeLatency, ModeStatusCode}, minElapsed: 10 * time.Millisecond,
		},
		{
			name:    "match holds for one record of the batch: the invocation is faulted",
			config:  `{"exception": {"enabled": true, "match": ` + byKey + `}}`,
			event:   sqsEventFor("input/r-data_object_msg-7.json", "input/r-data_object_msg-15.json"),
			wantErr: "Injected exception", wantModes: []Mode{ModeException},
		},
		{
			name:    "match holds for no record: nothing",
			config:  `{"exception": {"enabled": true, "match": ` + byKey + `}}`,
			event:   sqsEventFor("input/r-data_object_msg-7.json", "input/r-data_object_msg-16.json"),
			wantRan: true,
		},
		{
			name:    "match on an empty event: nothing",
			config:  `{"exception": {"enabled": true, "match": ` + byKey + `}}`,
			wantRan: true,
		},
		{
			name:    "expired 1.0 config: nothing",
			config:  `{"exception": {"enabled": true}, "expiresAt": "2026-11-23T12:00:00Z"}`,
			wantRan: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := invokeWrapped(t, tt.config, tt.rand, tt.event, tt.wantErr, tt.wantRan, tt.minElapsed)
			if got := injectedModes(r); !slices.Equal(got, tt.wantModes) {
				t.Errorf("faults injected %v, want %v", got, tt.wantModes)
			}
		})
	}
}

// injectedModes lists the modes of the FaultsInjected metric lines, in order.
func injectedModes(r *rig) []Mode {
	var out []Mode
	for _, l := range r.metrics.Lines(`"FaultsInjected":1`) {
		_, rest, _ := strings.Cut(l, `"Mode":"`)
		m, _, _ := strings.Cut(rest, `"`)
		out = append(out, Mode(m))
	}
	return out
}

func TestFlagsStatusCodeAnswersLike10(t *testing.T) {
	r := newRig(t, `{"statuscode": {"enabled": true, "status_code": 404}}`, nil)
	api := Wrap(r.inj, func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	})
	out, err := api(context.Background(), events.APIGatewayProxyRequest{})
	if err != nil || out.StatusCode != 404 || out.Body != `{"message":"Injected status code 404"}` || out.Headers["Content-Type"] != "application/json" {
		t.Errorf("got %+v %v, want 1.0's answer", out, err)
	}
	m := Wrap(r.inj, func(context.Context, any) (map[string]any, error) { return nil, nil })
	if out, err := m(context.Background(), nil); err != nil || out["statusCode"] != 404 || out["body"] != `{"message":"Injected status code 404"}` {
		t.Errorf("map output: got %v %v", out, err)
	}
}

func TestFlagsTimeout(t *testing.T) {
	t.Run("waits until the deadline minus the buffer, then the handler runs", func(t *testing.T) {
		// Seconds, not tenths: a wait of 200 ms was skipped when a starved test took longer than
		// that to reach it (the deadline minus the buffer already past).
		r := newRig(t, `{"timeout": {"enabled": true, "timeout_buffer_ms": 1000}}`, nil)
		var left time.Duration
		h := Wrap(r.inj, func(ctx context.Context, _ string) (string, error) {
			d, _ := ctx.Deadline()
			left = time.Until(d)
			return "ok", nil
		})
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		start := time.Now()
		if out, err := h(ctx, "x"); err != nil || out != "ok" {
			t.Fatalf("got %q %v", out, err)
		}
		if d := time.Since(start); d < 1900*time.Millisecond {
			t.Errorf("waited %s, want about 2 s", d)
		}
		if left > 1010*time.Millisecond {
			t.Errorf("the handler had %s left, want about the 1 s buffer", left)
		}
		if got := injectedModes(r); !slices.Equal(got, []Mode{ModeTimeout}) {
			t.Errorf("faults %v", got)
		}
	})
	t.Run("buffer 0: the invocation reaches its deadline", func(t *testing.T) {
		r := newRig(t, `{"timeout": {"enabled": true}}`, nil)
		h := Wrap(r.inj, func(ctx context.Context, _ string) (string, error) { return "ok", ctx.Err() })
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		if _, err := h(ctx, "x"); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want the deadline", err)
		}
	})
	t.Run("a buffer longer than the time left: no wait", func(t *testing.T) {
		r := newRig(t, `{"timeout": {"enabled": true, "timeout_buffer_ms": 10000}}`, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		// A wait would last until the 5 s deadline; 2 s leaves room for a loaded machine (make test
		// runs this package at nice 19, four test binaries at a time, beside the end-to-end lab).
		if _, err := Wrap(r.inj, handlerOK)(ctx, "x"); err != nil || time.Since(start) > 2*time.Second {
			t.Errorf("err %v after %s, want at once", err, time.Since(start))
		}
	})
	t.Run("no deadline: nothing injected, logged once", func(t *testing.T) {
		r := newRig(t, `{"timeout": {"enabled": true}}`, nil)
		h := Wrap(r.inj, handlerOK)
		for range 2 {
			if _, err := h(context.Background(), "x"); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(r.logs.Lines("no deadline")); n != 1 || len(injectedModes(r)) != 0 {
			t.Errorf("%d log lines, faults %v; want one line, no fault", n, injectedModes(r))
		}
	})
}

func TestFlagsDiskSpaceInOrder(t *testing.T) {
	r := newRig(t, `{"diskspace": {"enabled": true, "disk_space": 1}, "latency": {"enabled": true, "min_latency": 1}, "exception": {"enabled": true}}`, nil)
	if _, err := Wrap(r.inj, handlerOK)(context.Background(), "x"); err == nil {
		t.Fatal("want the exception")
	}
	if got := injectedModes(r); !slices.Equal(got, []Mode{ModeLatency, ModeDiskSpace, ModeException}) {
		t.Errorf("order %v, want 1.0's: latency, diskspace, exception", got)
	}
	if st, err := os.Stat(filepath.Join(r.inj.tempDir, DiskFileName)); err != nil || st.Size() != 1<<20 {
		t.Errorf("fill: %v", err)
	}
}

// A 1.0 denylist is decided once per invocation, gated by match on the invocation's event.
func TestFlagsDenylistMatch(t *testing.T) {
	r := newRig(t, `{"denylist": {"enabled": true, "deny_list": ["dynamodb"], "match": `+byKey+`}}`, nil)
	c := newCloud(t)
	db := dynamodb.NewFromConfig(r.inj.Instrument(c.awsConfig()), func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 })
	h := Wrap(r.inj, func(ctx context.Context, _ events.SQSEvent) (events.SQSEventResponse, error) {
		_, err := putItem(ctx, db)
		return events.SQSEventResponse{}, err
	})
	if _, err := h(context.Background(), sqsEventFor("input/msg-10.json")); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("selected document: err = %v, want a refused connection", err)
	}
	if _, err := h(context.Background(), sqsEventFor("input/msg-11.json")); err != nil {
		t.Errorf("other document: %v, want through", err)
	}
	// Outside an invocation the event is unknown: a gated fault does not fire.
	if _, err := putItem(context.Background(), db); err != nil {
		t.Errorf("call outside an invocation: %v, want through", err)
	}
	if c.count("dynamodb") != 2 {
		t.Errorf("server hits %v, want 2 PutItem", c.hits)
	}
}

func TestFlagsMatchProblemsLoggedOnce(t *testing.T) {
	t.Run("an envelope path on an SQS event", func(t *testing.T) {
		r := newRig(t, `{"exception": {"enabled": true, "match": [{"path": "Records.0.eventSource", "value": "aws:sqs"}]}}`, nil)
		h := Wrap(r.inj, func(context.Context, events.SQSEvent) (string, error) { return "ok", nil })
		for range 3 {
			if _, err := h(context.Background(), sqsEventFor("k")); err != nil {
				t.Fatalf("fired: %v", err)
			}
		}
		if lines := r.logs.Lines("paths read each record"); len(lines) != 1 || !strings.Contains(lines[0], "Records.0.eventSource") {
			t.Errorf("log lines %q, want one naming the condition", lines)
		}
	})
	t.Run("an event that is not JSON", func(t *testing.T) {
		r := newRig(t, `{"exception": {"enabled": true, "match": [{"path": "a", "operator": "exists"}]}}`, nil)
		h := Wrap(r.inj, func(context.Context, func()) (string, error) { return "ok", nil })
		for range 3 {
			if _, err := h(context.Background(), func() {}); err != nil {
				t.Fatalf("fired: %v", err)
			}
		}
		if n := len(r.logs.Lines("cannot read the invocation's event")); n != 1 {
			t.Errorf("%d log lines, want 1", n)
		}
	})
}

func TestCorruption(t *testing.T) {
	failures := func(ids ...string) events.SQSEventResponse {
		var r events.SQSEventResponse
		for _, id := range ids {
			r.BatchItemFailures = append(r.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
		}
		return r
	}
	const id1, id2 = "059f36b4-87a3-44ab-83d2-661975830a7d", "2e1424d4-f796-459a-8184-9c92662be6da"
	t.Run("SQS: without body the identifiers are mangled (Lambda fails the whole batch)", func(t *testing.T) {
		r := newRig(t, `{"corruption": {"enabled": true}}`, seq(0.5))
		resp := failures(id1, id2)
		out, err := Wrap(r.inj, func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) { return resp, nil })(context.Background(), sqsEventFor("k"))
		if err != nil || len(out.BatchItemFailures) != 2 {
			t.Fatalf("got %+v %v", out, err)
		}
		for n, f := range out.BatchItemFailures {
			if want := []string{id1, id2}[n]; f.ItemIdentifier == want || !strings.HasSuffix(f.ItemIdentifier, "\uFFFD\uFFFD\uFFFD") ||
				!strings.HasPrefix(want, strings.TrimSuffix(f.ItemIdentifier, "\uFFFD\uFFFD\uFFFD")) {
				t.Errorf("item %d = %q, want a mangled %q", n, f.ItemIdentifier, want)
			}
		}
		if resp.BatchItemFailures[0].ItemIdentifier != id1 {
			t.Error("the handler's own response was changed")
		}
		if got := r.metrics.Lines(`"BatchItemFailuresCorrupted":2`); len(got) != 1 || !slices.Equal(injectedModes(r), []Mode{ModeCorruption}) {
			t.Errorf("metrics %q", r.metrics)
		}
	})
	t.Run("SQS: with body the failures are dropped (Lambda deletes them as processed)", func(t *testing.T) {
		r := newRig(t, `{"corruption": {"enabled": true, "body": "x"}}`, nil)
		out, err := Wrap(r.inj, func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
			return failures(id1), nil
		})(context.Background(), sqsEventFor("k"))
		if err != nil || len(out.BatchItemFailures) != 0 {
			t.Fatalf("got %+v %v, want no failures", out, err)
		}
		if len(r.metrics.Lines(`"BatchItemFailuresCorrupted":1`)) != 1 || len(r.logs.Lines(`"method":"drop"`)) != 1 {
			t.Errorf("metrics %q logs %q", r.metrics, r.logs)
		}
	})
	t.Run("SQS: no failures, nothing to corrupt", func(t *testing.T) {
		r := newRig(t, `{"corruption": {"enabled": true}}`, nil)
		out, err := Wrap(r.inj, func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{}, nil
		})(context.Background(), sqsEventFor("k"))
		if err != nil || out.BatchItemFailures != nil || r.metrics.String() != "" {
			t.Errorf("got %+v %v metrics %q", out, err, r.metrics)
		}
	})
	t.Run("a handler error is returned as is", func(t *testing.T) {
		r := newRig(t, `{"corruption": {"enabled": true, "body": "x"}}`, nil)
		boom := errors.New("boom")
		out, err := Wrap(r.inj, func(context.Context, string) (events.SQSEventResponse, error) {
			return failures(id1), boom
		})(context.Background(), "x")
		if err != boom || len(out.BatchItemFailures) != 1 || r.metrics.String() != "" {
			t.Errorf("got %+v %v", out, err)
		}
	})
	t.Run("API Gateway: body replaced", func(t *testing.T) {
		r := newRig(t, `{"corruption": {"enabled": true, "body": "{\"error\": \"corrupted\"}"}}`, nil)
		out, _ := Wrap(r.inj, func(context.Context, string) (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: `{"ok": true}`}, nil
		})(context.Background(), "x")
		if out.StatusCode != 200 || out.Body != `{"error": "corrupted"}` {
			t.Errorf("got %+v", out)
		}
	})
	t.Run("API Gateway pointer: body mangled at 30-80 %", func(t *testing.T) {
		r := newRig(t, `{"corruption": {"enabled": true}}`, seq(0))
		body := strings.Repeat("é", 10) // 20 bytes: cut at 30 % = byte 6, a character boundary
		out, _ := Wrap(r.inj, func(context.Context, string) (*events.APIGatewayProxyResponse, error) {
			return &events.APIGatewayProxyResponse{StatusCode: 200, Body: body}, nil
		})(context.Background(), "x")
		if want := "ééé\uFFFD\uFFFD\uFFFD"; out.Body != want {
			t.Errorf("body %q, want %q", out.Body, want)
		}
	})
	t.Run("map: body key", func(t *testing.T) {
		r := newRig(t, `{"corruption": {"enabled": true, "body": "x"}}`, nil)
		out, _ := Wrap(r.inj, func(context.Context, string) (map[string]any, error) {
			return map[string]any{"statusCode": 200, "body": "fine"}, nil
		})(context.Background(), "x")
		if out["body"] != "x" || out["statusCode"] != 200 {
			t.Errorf("got %v", out)
		}
	})
	t.Run("map: batchItemFailures mangled", func(t *testing.T) {
		r := newRig(t, `{"corruption": {"enabled": true}}`, nil)
		out, _ := Wrap(r.inj, func(context.Context, string) (map[string]any, error) {
			return map[string]any{"batchItemFailures": []any{map[string]any{"itemIdentifier": id1}}}, nil
		})(context.Background(), "x")
		got := out["batchItemFailures"].([]any)[0].(map[string]any)["itemIdentifier"].(string)
		if got == id1 || !strings.HasSuffix(got, "\uFFFD\uFFFD\uFFFD") {
			t.Errorf("got %q", got)
		}
	})
	t.Run("string: replaced with body", func(t *testing.T) {
		r := newRig(t, `{"corruption": {"enabled": true, "body": "corrupted"}}`, nil)
		if out, _ := Wrap(r.inj, handlerOK)(context.Background(), "x"); out != "corrupted" {
			t.Errorf("got %q", out)
		}
	})
	t.Run("no place to corrupt: left as is, logged once", func(t *testing.T) {
		r := newRig(t, `{"corruption": {"enabled": true, "body": "x"}}`, nil)
		h := Wrap(r.inj, func(context.Context, string) (int, error) { return 7, nil })
		for range 2 {
			if out, err := h(context.Background(), "x"); out != 7 || err != nil {
				t.Errorf("got %v %v", out, err)
			}
		}
		if n := len(r.logs.Lines("no body and no batch item failures")); n != 1 || r.metrics.String() != "" {
			t.Errorf("%d log lines, metrics %q", n, r.metrics)
		}
	})
	t.Run("match gates corruption too", func(t *testing.T) {
		r := newRig(t, `{"corruption": {"enabled": true, "body": "x", "match": `+byKey+`}}`, nil)
		h := Wrap(r.inj, func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) { return failures(id1), nil })
		if out, _ := h(context.Background(), sqsEventFor("input/msg-11.json")); len(out.BatchItemFailures) != 1 {
			t.Errorf("not selected, corrupted: %+v", out)
		}
		if out, _ := h(context.Background(), sqsEventFor("input/msg-20.json")); len(out.BatchItemFailures) != 0 {
			t.Errorf("selected, not corrupted: %+v", out)
		}
	})
}

// Dry run: every fault is evaluated and logged as it would fire; nothing is injected.
func TestDryRun(t *testing.T) {
	r := newRig(t, "", nil)
	r.ssm.set(`{"latency": {"enabled": true, "min_latency": 5000}, "timeout": {"enabled": true}, "diskspace": {"enabled": true, "disk_space": 1},
		"denylist": {"enabled": true, "deny_list": ["dynamodb"]}, "exception": {"enabled": true, "match": ` + byKey + `},
		"corruption": {"enabled": true, "body": "x"}}`)
	r.inj.dryRun = true
	c := newCloud(t)
	db := dynamodb.NewFromConfig(r.inj.Instrument(c.awsConfig()))
	h := Wrap(r.inj, func(ctx context.Context, _ events.SQSEvent) (events.SQSEventResponse, error) {
		if _, err := putItem(ctx, db); err != nil {
			return events.SQSEventResponse{}, err
		}
		return events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: "m"}}}, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	out, err := h(ctx, sqsEventFor("input/msg-5.json"))
	if err != nil || len(out.BatchItemFailures) != 1 || out.BatchItemFailures[0].ItemIdentifier != "m" {
		t.Fatalf("got %+v %v, want the handler's own answer", out, err)
	}
	if d := time.Since(start); d > 4*time.Second { // the latency, had it been injected, is 5 s
		t.Errorf("took %s: something waited", d)
	}
	if r.metrics.String() != "" || c.count("dynamodb") != 1 {
		t.Errorf("metrics %q, DynamoDB hits %d: want nothing injected", r.metrics, c.count("dynamodb"))
	}
	if _, err := os.Stat(filepath.Join(r.inj.tempDir, DiskFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dry run filled the disk: %v", err)
	}
	var modes []string
	for _, l := range r.logs.Lines(`"msg":"fault dry run"`) {
		if !strings.Contains(l, `"action":"dryrun"`) {
			t.Errorf("line %q lacks action dryrun", l)
		}
		_, rest, _ := strings.Cut(l, `"mode":"`)
		m, _, _ := strings.Cut(rest, `"`)
		modes = append(modes, m)
	}
	if want := []string{"latency", "timeout", "diskspace", "exception", "denylist", "corruption"}; !slices.Equal(modes, want) {
		t.Errorf("dry-run lines for %v, want %v", modes, want)
	}
}
