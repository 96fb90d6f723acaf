package failure

import (
	"github.com/chaoslab/serverless-chaos-lab/internal/syncbuf"

	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	smithy "github.com/aws/smithy-go"
)

func handlerOK(context.Context, string) (string, error) { return "ok", nil }

func TestConfigFetchedOncePerTTL(t *testing.T) {
	r := newRig(t, `{"isEnabled": false}`, nil)
	h := Wrap(r.inj, handlerOK)
	ctx := context.Background()
	for range 10 { // ten invocations within one TTL
		if _, err := h(ctx, "x"); err != nil {
			t.Fatal(err)
		}
		r.clock.Add(400 * time.Millisecond)
	}
	if got := r.ssm.calls.Load(); got != 1 {
		t.Errorf("GetParameter calls within the TTL = %d, want 1", got)
	}
	r.clock.Add(2 * time.Second) // 6 s since the fetch
	_, _ = h(ctx, "x")
	_, _ = h(ctx, "x")
	if got := r.ssm.calls.Load(); got != 2 {
		t.Errorf("GetParameter calls after the TTL = %d, want 2", got)
	}
}

func TestNewConfigTakesEffectAfterTTL(t *testing.T) {
	r := newRig(t, `{"isEnabled": false}`, nil)
	h := Wrap(r.inj, handlerOK)
	ctx := context.Background()
	if _, err := h(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	r.ssm.set(`{"isEnabled": true, "failureMode": "exception", "exceptionMsg": "boom"}`)
	if _, err := h(ctx, "x"); err != nil {
		t.Fatalf("a new config took effect before the TTL: %v", err)
	}
	r.clock.Add(5 * time.Second)
	_, err := h(ctx, "x")
	var inj *InjectedError
	if !errors.As(err, &inj) || err.Error() != "boom" {
		t.Fatalf("after the TTL: got %v, want the injected exception \"boom\"", err)
	}
	// Rollback: isEnabled false turns it off at the next fetch.
	r.ssm.set(`{"isEnabled": false}`)
	r.clock.Add(5 * time.Second)
	if _, err := h(ctx, "x"); err != nil {
		t.Fatalf("after rollback: %v", err)
	}
}

func TestConcurrentCallersShareOneFetch(t *testing.T) {
	r := newRig(t, `{"isEnabled": true, "failureMode": "exception"}`, nil)
	r.ssm.block = make(chan struct{})
	h := Wrap(r.inj, handlerOK)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := h(context.Background(), "x")
			errs <- err
		})
	}
	// Wait until the fetch is in flight, then let it finish.
	for deadline := time.Now().Add(5 * time.Second); r.ssm.calls.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // give the others time to pile up on the fetch
	close(r.ssm.block)
	wg.Wait()
	close(errs)
	if got := r.ssm.calls.Load(); got != 1 {
		t.Errorf("GetParameter calls = %d, want 1", got)
	}
	// Before the first config exists everyone waits for it, so every caller sees the fault.
	for err := range errs {
		if err == nil {
			t.Error("a first-load caller ran without the config")
		}
	}
}

func TestStaleConfigServedDuringRefresh(t *testing.T) {
	r := newRig(t, `{"isEnabled": true, "failureMode": "exception"}`, nil)
	h := Wrap(r.inj, handlerOK)
	if _, err := h(context.Background(), "x"); err == nil {
		t.Fatal("want the injected exception")
	}
	r.clock.Add(6 * time.Second)
	r.ssm.block = make(chan struct{})
	done := make(chan struct{})
	go func() { // this caller refreshes and waits for SSM
		defer close(done)
		_, _ = h(context.Background(), "x")
	}()
	for deadline := time.Now().Add(5 * time.Second); r.ssm.calls.Load() < 2 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	// Another caller meanwhile is not blocked: it uses the stale config at once.
	errc := make(chan error, 1)
	go func() { _, err := h(context.Background(), "x"); errc <- err }()
	select {
	case err := <-errc:
		if err == nil {
			t.Error("the stale config (exception) was not applied")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a caller blocked on another caller's refresh")
	}
	close(r.ssm.block)
	<-done
}

func TestBadParameterFailsSafeAndLogsOnce(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(f *fakeSSM)
		wantLog string
	}{
		{"missing parameter", func(f *fakeSSM) { f.value = nil }, "SSM parameter not found"},
		{"unreadable parameter", func(f *fakeSSM) {
			f.err = &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}
		}, "AccessDeniedException"},
		{"invalid JSON", func(f *fakeSSM) { f.set(`{"isEnabled": tru`) }, "invalid failure config"},
		{"unknown mode", func(f *fakeSSM) { f.set(`{"isEnabled": true, "failureMode": "chaos"}`) }, `unknown mode \"chaos\"`},
		{"unknown field", func(f *fakeSSM) { f.set(`{"isEnabled": true, "failureMode": "exception", "ratio": 1}`) }, `unknown field \"ratio\"`},
		{"1.0: percentage out of range", func(f *fakeSSM) { f.set(`{"exception": {"enabled": true, "percentage": 150}}`) }, `exception.percentage: want a whole number 0..100, got 150`},
		{"1.0: bad match operator", func(f *fakeSSM) {
			f.set(`{"latency": {"enabled": true, "min_latency": 1, "match": [{"path": "a", "operator": "contains", "value": "x"}]}}`)
		}, `latency.match[0].operator: unknown operator \"contains\"`},
		{"both formats at once", func(f *fakeSSM) {
			f.set(`{"isEnabled": true, "failureMode": "exception", "exception": {"enabled": true}}`)
		}, `unknown field \"exception\": a failure-lambda 1.0 flag`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, "", nil)
			tt.setup(r.ssm)
			h := Wrap(r.inj, handlerOK)
			for range 5 { // five TTLs with the same problem
				if out, err := h(context.Background(), "x"); err != nil || out != "ok" {
					t.Fatalf("the function stopped working: %q, %v", out, err)
				}
				r.clock.Add(6 * time.Second)
			}
			if got := r.ssm.calls.Load(); got != 5 {
				t.Errorf("GetParameter calls = %d, want 5 (one per TTL, even when failing)", got)
			}
			lines := r.logs.Lines(`"level":"ERROR"`)
			if len(lines) != 1 || !strings.Contains(lines[0], tt.wantLog) || !strings.Contains(lines[0], "failureLambdaConfig") {
				t.Errorf("log lines = %q, want one naming the parameter and %q", lines, tt.wantLog)
			}
			// Fixed, then broken again: the problem is logged again.
			r.ssm.mu.Lock()
			r.ssm.err = nil
			r.ssm.mu.Unlock()
			r.ssm.set(`{"isEnabled": false}`)
			_, _ = h(context.Background(), "x")
			r.clock.Add(6 * time.Second)
			tt.setup(r.ssm)
			_, _ = h(context.Background(), "x")
			if got := len(r.logs.Lines(`"level":"ERROR"`)); got != 2 {
				t.Errorf("after recovery and relapse: %d error lines, want 2", got)
			}
		})
	}
}

func TestExpiry(t *testing.T) {
	tests := []struct {
		name     string
		config   string
		modified time.Time // LastModifiedDate; the rig's clock starts at 13:00:00Z
		advance  time.Duration
		want     bool // the fault fires after advance
	}{
		{"expiresAt in the future", `{"isEnabled": true, "expiresAt": "2026-11-23T13:00:10Z", "failureMode": "exception"}`, time.Time{}, 9 * time.Second, true},
		{"expiresAt reached", `{"isEnabled": true, "expiresAt": "2026-11-23T13:00:10Z", "failureMode": "exception"}`, time.Time{}, 10 * time.Second, false},
		{"expiresAt in the past", `{"isEnabled": true, "expiresAt": "2026-11-23T12:00:00Z", "failureMode": "exception"}`, time.Time{}, 0, false},
		{"expiresAfterSeconds counts from LastModifiedDate", `{"isEnabled": true, "expiresAfterSeconds": 30, "failureMode": "exception"}`,
			time.Date(2026, 11, 23, 12, 59, 40, 0, time.UTC), 9 * time.Second, true},
		{"expiresAfterSeconds elapsed since LastModifiedDate", `{"isEnabled": true, "expiresAfterSeconds": 30, "failureMode": "exception"}`,
			time.Date(2026, 11, 23, 12, 59, 40, 0, time.UTC), 10 * time.Second, false},
		{"expiresAfterSeconds long past (a forgotten experiment)", `{"isEnabled": true, "expiresAfterSeconds": 300, "failureMode": "exception"}`,
			time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, tt.config, nil)
			r.ssm.modified = tt.modified
			// Large TTL: expiry must hold within a cached config, not only at the next fetch.
			r.inj.ttl = time.Hour
			h := Wrap(r.inj, handlerOK)
			_, _ = h(context.Background(), "x") // fetch at 13:00:00
			r.clock.Add(tt.advance)
			_, err := h(context.Background(), "x")
			if got := err != nil; got != tt.want {
				t.Errorf("fault fired = %v, want %v (err %v)", got, tt.want, err)
			}
			if !tt.want && len(r.logs.Lines("expired")) == 0 {
				t.Error("no log line says the config expired")
			}
		})
	}
}

// A parameter store that gives no LastModifiedDate: expiresAfterSeconds counts from the first
// fetch of the value, not from each one (every TTL would start the count again: never expired).
func TestExpiryWithoutLastModifiedDate(t *testing.T) {
	r := newRig(t, `{"isEnabled": true, "expiresAfterSeconds": 10, "failureMode": "exception"}`, nil)
	r.inj.ttl = 2 * time.Second
	h := Wrap(r.inj, handlerOK)
	if _, err := h(context.Background(), "x"); err == nil {
		t.Fatal("the fault did not fire at the first fetch")
	}
	for range 5 { // 10 s, refetched every 2 s
		r.clock.Add(2 * time.Second)
		_, _ = h(context.Background(), "x")
	}
	if _, err := h(context.Background(), "x"); err != nil || r.ssm.calls.Load() < 5 {
		t.Errorf("10 s and %d fetches after the first: the fault fired (%v), want it expired", r.ssm.calls.Load(), err)
	}
	// A new value starts its own count.
	r.ssm.set(`{"isEnabled": true, "expiresAfterSeconds": 10, "failureMode": "exception"}`)
	r.clock.Add(2 * time.Second)
	if _, err := h(context.Background(), "x"); err == nil {
		t.Error("a new version's fault did not fire")
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name       string
		param      string
		ttl        string
		disabled   string // FAILURE_LAMBDA_DISABLED
		dryRun     string // FAILURE_INJECTION_DRY_RUN
		appConfig  string // FAILURE_APPCONFIG_CONFIGURATION
		wantErr    string
		wantTTL    time.Duration
		wantOff    bool // never injects, never fetches
		wantDryRun bool
	}{
		{name: "defaults", param: "failureLambdaConfig", wantTTL: DefaultTTL},
		{name: "TTL from env", param: "p", ttl: "250ms", wantTTL: 250 * time.Millisecond},
		{name: "TTL in failure-lambda 1.0's seconds", param: "p", ttl: "60", wantTTL: time.Minute},
		{name: "TTL in fractional seconds", param: "p", ttl: "1.5", wantTTL: 1500 * time.Millisecond},
		{name: "TTL 0 (1.0: no cache) is refused", param: "p", ttl: "0", wantErr: "FAILURE_CACHE_TTL"},
		{name: "bad TTL", param: "p", ttl: "5 minutes", wantErr: "FAILURE_CACHE_TTL"},
		{name: "negative TTL", param: "p", ttl: "-1s", wantErr: "FAILURE_CACHE_TTL"},
		{name: "no parameter: never injects", wantTTL: DefaultTTL, wantOff: true},
		{name: "kill switch true", param: "p", disabled: "true", wantTTL: DefaultTTL, wantOff: true},
		{name: "kill switch 1 (not 1.0's spelling) errs on the side of off", param: "p", disabled: "1", wantTTL: DefaultTTL, wantOff: true},
		{name: "kill switch false", param: "p", disabled: "false", wantTTL: DefaultTTL},
		{name: "kill switch not a boolean: stays on", param: "p", disabled: "yes please", wantTTL: DefaultTTL},
		{name: "dry run", param: "p", dryRun: "true", wantTTL: DefaultTTL, wantDryRun: true},
		{name: "dry run not a boolean: on", param: "p", dryRun: "maybe", wantTTL: DefaultTTL, wantDryRun: true},
		{name: "dry run false", param: "p", dryRun: "false", wantTTL: DefaultTTL},
		{name: "AppConfig source (not supported): off", param: "p", appConfig: "profile", wantTTL: DefaultTTL, wantOff: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvParameter, tt.param)
			t.Setenv(EnvCacheTTL, tt.ttl)
			t.Setenv(EnvDisabled, tt.disabled)
			t.Setenv(EnvDryRun, tt.dryRun)
			t.Setenv(EnvAppConfig, tt.appConfig)
			inj, err := FromEnv(aws.Config{Region: "us-east-1"})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if inj.ttl != tt.wantTTL || inj.Parameter() != tt.param {
				t.Errorf("ttl %s param %q, want %s %q", inj.ttl, inj.Parameter(), tt.wantTTL, tt.param)
			}
			if off := inj.snap.Load() == off; off != tt.wantOff {
				t.Errorf("off for good = %v, want %v", off, tt.wantOff)
			}
			if tt.wantOff && inj.ssm != nil {
				t.Error("an injector that is off for good has an SSM client")
			}
			if inj.dryRun != tt.wantDryRun {
				t.Errorf("dry run = %v, want %v", inj.dryRun, tt.wantDryRun)
			}
		})
	}
}

// The kill switch: the parameter is never read, whatever it says, and the handler runs as is.
func TestKillSwitch(t *testing.T) {
	f := &fakeSSM{}
	f.set(`{"exception": {"enabled": true}}`)
	logs := &syncbuf.Buffer{}
	inj := New(Options{Parameter: "p", SSM: f, Disabled: true, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	h := Wrap(inj, handlerOK)
	for range 3 {
		if out, err := h(context.Background(), "x"); err != nil || out != "ok" {
			t.Fatalf("got %q %v", out, err)
		}
	}
	if f.calls.Load() != 0 || len(logs.Lines(EnvDisabled)) != 1 {
		t.Errorf("calls %d, logs %q: want no fetch and one line naming %s", f.calls.Load(), logs, EnvDisabled)
	}
}

func TestNoParameterNeverFetches(t *testing.T) {
	f := &fakeSSM{}
	logs := &syncbuf.Buffer{}
	inj := New(Options{SSM: f, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	h := Wrap(inj, handlerOK)
	for range 3 {
		if _, err := h(context.Background(), "x"); err != nil {
			t.Fatal(err)
		}
	}
	if f.calls.Load() != 0 || len(logs.Lines(EnvParameter)) != 1 {
		t.Errorf("calls %d, logs %q: want no fetch and one line naming %s", f.calls.Load(), logs, EnvParameter)
	}
}

func TestNilInjectorIsANoOp(t *testing.T) {
	var inj *Injector
	h := Wrap(inj, handlerOK)
	if out, err := h(context.Background(), "x"); out != "ok" || err != nil {
		t.Errorf("got %q %v", out, err)
	}
	if inj.HTTPClient(nil) == nil {
		t.Error("HTTPClient(nil) on a nil Injector returned nil")
	}
}

// SDK calls alone (no Wrap) refresh the config too, once its TTL has passed on the real clock.
func TestSDKPathRefreshesWithoutWrap(t *testing.T) {
	f := &fakeSSM{}
	f.set(`{"isEnabled": false}`)
	inj := New(Options{Parameter: "p", SSM: f, TTL: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	for range 5 {
		inj.currentFast(ctx)
	}
	if f.calls.Load() != 1 {
		t.Fatalf("GetParameter calls = %d, want 1 within the TTL", f.calls.Load())
	}
	deadline := time.Now().Add(5 * time.Second)
	for f.calls.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		inj.currentFast(ctx)
	}
	if f.calls.Load() != 2 {
		t.Errorf("GetParameter calls = %d, want a second fetch after the TTL", f.calls.Load())
	}
}

// An SSM that does not answer costs the caller FetchTimeout, once per TTL, and turns injection off.
func TestSlowSSMIsBounded(t *testing.T) {
	r := newRig(t, `{"isEnabled": true, "failureMode": "exception"}`, nil)
	r.ssm.block = make(chan struct{}) // never closed: SSM hangs
	r.inj.fetchTimeout = 30 * time.Millisecond
	h := Wrap(r.inj, handlerOK)
	start := time.Now()
	if _, err := h(context.Background(), "x"); err != nil {
		t.Fatalf("the function stopped working: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the invocation waited %s for SSM", d)
	}
	if _, err := h(context.Background(), "x"); err != nil || r.ssm.calls.Load() != 1 {
		t.Errorf("second invocation within the TTL: err %v, fetches %d (want nil, 1)", err, r.ssm.calls.Load())
	}
	if lines := r.logs.Lines("no answer within 30ms"); len(lines) != 1 {
		t.Errorf("logs %q, want one line saying SSM did not answer", r.logs)
	}
}
