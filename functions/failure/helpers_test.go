package failure

import (
	"errors"
	"github.com/aws/aws-lambda-go/events"

	"github.com/chaoslab/serverless-chaos-lab/internal/poll"
	"github.com/chaoslab/serverless-chaos-lab/internal/syncbuf"

	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// fakeSSM is a ParameterGetter (our own interface) holding one parameter; it counts calls.
type fakeSSM struct {
	mu       sync.Mutex
	value    *string // nil: ParameterNotFound
	version  int64
	modified time.Time
	err      error
	calls    atomic.Int32
	block    chan struct{} // when set, GetParameter waits for it to close
}

var _ ParameterGetter = (*fakeSSM)(nil)

func (f *fakeSSM) GetParameter(ctx context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	f.calls.Add(1)
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	if f.value == nil {
		return nil, &ssmtypes.ParameterNotFound{Message: aws.String("not found")}
	}
	p := &ssmtypes.Parameter{Name: in.Name, Value: aws.String(*f.value), Version: f.version}
	if !f.modified.IsZero() {
		p.LastModifiedDate = aws.Time(f.modified)
	}
	return &ssm.GetParameterOutput{Parameter: p}, nil
}

func (f *fakeSSM) set(value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.value = &value
	f.version++
}

// clock is a settable Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// seq returns the values in turn, then repeats the last one.
func seq(vals ...float64) func() float64 {
	var mu sync.Mutex
	n := 0
	return func() float64 {
		mu.Lock()
		defer mu.Unlock()
		v := vals[min(n, len(vals)-1)]
		n++
		return v
	}
}

// rig is an Injector with its fake SSM, clock, log and metrics.
type rig struct {
	inj     *Injector
	ssm     *fakeSSM
	clock   *clock
	logs    *syncbuf.Buffer
	metrics *syncbuf.Buffer
}

func newRig(t *testing.T, config string, rnd func() float64) *rig {
	t.Helper()
	r := &rig{ssm: &fakeSSM{}, clock: newClock(), logs: &syncbuf.Buffer{}, metrics: &syncbuf.Buffer{}}
	if config != "" {
		r.ssm.set(config)
	}
	if rnd == nil {
		rnd = seq(0) // every fault with rate > 0 fires
	}
	r.inj = New(Options{
		Parameter: "failureLambdaConfig", SSM: r.ssm, TTL: 5 * time.Second,
		Logger:  slog.New(slog.NewJSONHandler(r.logs, nil)),
		Metrics: r.metrics, TempDir: t.TempDir(), Now: r.clock.Now, Rand: rnd,
	})
	return r
}

// injected counts the EMF lines for mode.
func (r *rig) injected(mode Mode) int {
	return len(r.metrics.Lines(`"Mode":"` + string(mode) + `"`))
}

// invokeWrapped builds a rig for config (rand: its dice, nil for the default), invokes a Wrap'ed
// handler that records that it ran with event, and checks what every Wrap test checks: the error
// (none, or an *InjectedError with the message wantErr), whether the handler ran, and that the
// invocation took at least minElapsed. It returns the rig for the test's own checks.
func invokeWrapped(t *testing.T, config string, rand []float64, event events.SQSEvent, wantErr string, wantRan bool, minElapsed time.Duration) *rig {
	t.Helper()
	var rnd func() float64
	if rand != nil {
		rnd = seq(rand...)
	}
	r := newRig(t, config, rnd)
	ran := false
	h := Wrap(r.inj, func(ctx context.Context, in events.SQSEvent) (events.SQSEventResponse, error) {
		ran = true
		return events.SQSEventResponse{}, nil
	})
	start := time.Now()
	_, err := h(context.Background(), event)
	if wantErr == "" && err != nil {
		t.Fatalf("unexpected error %v", err)
	}
	var inj *InjectedError
	if wantErr != "" && (err == nil || err.Error() != wantErr || !errors.As(err, &inj)) {
		t.Fatalf("err = %v, want *InjectedError %q", err, wantErr)
	}
	if ran != wantRan {
		t.Errorf("handler ran = %v, want %v", ran, wantRan)
	}
	if d := time.Since(start); d < minElapsed {
		t.Errorf("took %s, want ≥ %s", d, minElapsed)
	}
	return r
}

// waitStale waits until the injector's cached config is stale, as the timer armed at its fetch
// marks it once the TTL is over: the SDK path refetches only then. A sleep of a few TTLs was not
// enough on a starved machine (the sleeper ran before the timer's function), and the next call
// used the cached config once more.
func waitStale(t *testing.T, inj *Injector) {
	t.Helper()
	if !poll.Until(10*time.Second, time.Millisecond, func() bool { s := inj.snap.Load(); return s != nil && s.stale.Load() }) {
		t.Fatal("the cached fault config was not stale 10 s after its fetch")
	}
}
