package failure

import (
	"github.com/chaoslab/serverless-chaos-lab/internal/syncbuf"

	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The seed's Lab 4 fault, verbatim from exp_2-dynamodb_disruption.json.
const seedLab4 = `{"isEnabled": true, "failureMode": "blacklist", "rate": 0.5, "blacklist": ["dynamodb.*.amazonaws.com"]}`

func TestFaultScope(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		want    []Scope // per fault, in config order
		wantErr string
	}{
		{name: "the seed's Lab 4 top-level denylist is decided per invocation", json: seedLab4, want: []Scope{ScopeInvocation}},
		{name: "a top-level sdkerror with targets is decided per invocation",
			json: `{"isEnabled": true, "failureMode": "sdkerror", "rate": 0.5, "targets": ["dynamodb:*"], "error": "throttling"}`,
			want: []Scope{ScopeInvocation}},
		{name: "faults entries roll per call by default",
			json: `{"isEnabled": true, "faults": [{"mode": "denylist", "denylist": ["x"]}, {"mode": "sdkerror", "error": "internal"}, {"mode": "latency", "targets": ["s3:*"]}]}`,
			want: []Scope{ScopeCall, ScopeCall, ScopeCall}},
		{name: "faults entries may be invocation-scoped",
			json: `{"isEnabled": true, "faults": [{"mode": "sdkerror", "error": "unavailable", "scope": "invocation"}, {"mode": "denylist", "denylist": ["x"], "scope": "call"}]}`,
			want: []Scope{ScopeInvocation, ScopeCall}},
		{name: "invocation-level faults are per invocation whatever they say",
			json: `{"isEnabled": true, "failureMode": "exception", "faults": [{"mode": "latency", "minLatency": 1, "scope": "invocation"}, {"mode": "diskspace", "diskSpace": 1}]}`,
			want: []Scope{ScopeInvocation, ScopeInvocation, ScopeInvocation}},
		{name: "call scope on a latency without targets is an error",
			json:    `{"isEnabled": true, "faults": [{"mode": "latency", "minLatency": 1, "scope": "call"}]}`,
			wantErr: `faults[0].scope: "call" needs targets`},
		{name: "unknown scope", json: `{"isEnabled": true, "faults": [{"mode": "sdkerror", "error": "internal", "scope": "sandbox"}]}`,
			wantErr: `faults[0].scope: unknown scope "sandbox" (known: call, invocation)`},
		{name: "scope must be a string", json: `{"isEnabled": true, "faults": [{"mode": "sdkerror", "error": "internal", "scope": 1}]}`,
			wantErr: `faults[0].scope: want a string`},
		{name: "scope on a mode that has no SDK calls", json: `{"isEnabled": true, "faults": [{"mode": "exception", "scope": "invocation"}]}`,
			wantErr: `faults[0].scope: not used by mode "exception"`},
		{name: "no scope at the top level: it is failure-lambda's fault", json: `{"isEnabled": true, "failureMode": "denylist", "denylist": ["x"], "scope": "call"}`,
			wantErr: `unknown field "scope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig([]byte(tt.json))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []Scope
			for _, f := range c.Faults {
				got = append(got, f.Scope)
			}
			if strings.Join(scopeNames(got), ",") != strings.Join(scopeNames(tt.want), ",") {
				t.Fatalf("scopes = %v, want %v", got, tt.want)
			}
		})
	}
}

func scopeNames(s []Scope) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return out
}

// call is what one SDK operation of an invocation saw.
type call struct {
	err      bool
	attempts int // attempts the SDK made (from its result metadata or its MaxAttemptsError)
}

// putAttempts runs one PutItem and reports how it went.
func putAttempts(ctx context.Context, db *dynamodb.Client) (call, error) {
	out, err := putItem(ctx, db)
	if err != nil {
		var max *retry.MaxAttemptsError
		if errors.As(err, &max) {
			return call{err: true, attempts: max.Attempt}, err
		}
		return call{err: true}, err
	}
	res, _ := retry.GetAttemptResults(out.ResultMetadata)
	return call{attempts: len(res.Results)}, nil
}

// With a real DynamoDB client (the standard retryer: 3 attempts) against an endpoint on
// 127.0.0.1, inside invocations wrapped by Wrap: an invocation-scoped fault is all or nothing
// for the invocation, whatever the later rolls would say; a call-scoped one rolls per attempt.
func TestDiceScopeWithRealClient(t *testing.T) {
	denied := call{err: true, attempts: 3}
	tests := []struct {
		name   string
		config string
		rand   []float64
		// Each invocation makes len(want[n]) PutItems.
		want     [][]call
		wrapped  bool // inside Wrap; false: the client is called outside any invocation
		detached bool // the calls run on context.WithoutCancel(ctx) in a goroutine (flawed's unawaited writes)
		injected int  // denied or errored attempts in total
	}{
		{
			name:   "seed Lab 4, the invocation's dice hit: all 3 attempts are denied, later rolls do not matter",
			config: seedLab4, rand: []float64{0.49, 0.9, 0.9, 0.9}, wrapped: true,
			want: [][]call{{denied}}, injected: 3,
		},
		{
			name:   "seed Lab 4, the dice miss: no attempt is denied, later rolls do not matter",
			config: seedLab4, rand: []float64{0.5, 0.1, 0.1}, wrapped: true,
			want: [][]call{{{attempts: 1}}},
		},
		{
			name:   "seed Lab 4, every matching call of a hit invocation is denied",
			config: seedLab4, rand: []float64{0.1, 0.9}, wrapped: true,
			want: [][]call{{denied, denied, denied}}, injected: 9,
		},
		{
			name:   "seed Lab 4, each invocation rolls its own dice",
			config: seedLab4, rand: []float64{0.1, 0.9, 0.2, 0.7}, wrapped: true,
			want: [][]call{{denied, denied}, {{attempts: 1}, {attempts: 1}}, {denied}, {{attempts: 1}}}, injected: 9,
		},
		{
			name:   "seed Lab 4, a goroutine on context.WithoutCancel(ctx) keeps the invocation's decision",
			config: seedLab4, rand: []float64{0.1, 0.9}, wrapped: true, detached: true,
			want: [][]call{{denied, denied}}, injected: 6,
		},
		{
			name:   "seed Lab 4 outside any wrapped invocation: rolls per call, so the second attempt passes",
			config: seedLab4, rand: []float64{0.1, 0.9},
			want: [][]call{{{attempts: 2}}}, injected: 1,
		},
		{
			name:   "top-level sdkerror with targets: one throttled invocation throttles every attempt",
			config: `{"isEnabled": true, "failureMode": "sdkerror", "rate": 0.5, "targets": ["dynamodb:PutItem"], "error": "throttling"}`,
			rand:   []float64{0.1, 0.9}, wrapped: true,
			want: [][]call{{denied}}, injected: 3,
		},
		{
			name:   "faults entry without scope: per call, unchanged (hit, hit, miss: the third attempt passes)",
			config: `{"isEnabled": true, "faults": [{"mode": "denylist", "rate": 0.5, "denylist": ["dynamodb.*.amazonaws.com"]}]}`,
			rand:   []float64{0.1, 0.1, 0.9}, wrapped: true,
			want: [][]call{{{attempts: 3}}}, injected: 2,
		},
		{
			name:   "faults entry with scope call: per call",
			config: `{"isEnabled": true, "faults": [{"mode": "sdkerror", "rate": 0.5, "error": "unavailable", "scope": "call"}]}`,
			rand:   []float64{0.1, 0.9}, wrapped: true,
			want: [][]call{{{attempts: 2}}}, injected: 1,
		},
		{
			name:   "faults entry with scope invocation: all or nothing",
			config: `{"isEnabled": true, "faults": [{"mode": "sdkerror", "rate": 0.5, "error": "unavailable", "scope": "invocation"}]}`,
			rand:   []float64{0.1, 0.9}, wrapped: true,
			want: [][]call{{denied}}, injected: 3,
		},
		{
			name:   "a hit invocation-scoped fault leaves the calls it does not match alone",
			config: `{"isEnabled": true, "failureMode": "denylist", "rate": 0.5, "denylist": ["^s3\\."]}`,
			rand:   []float64{0.1}, wrapped: true,
			want: [][]call{{{attempts: 1}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, tt.config, seq(tt.rand...))
			c := newCloud(t)
			db := dynamodb.NewFromConfig(r.inj.Instrument(c.awsConfig()))
			var got [][]call
			for _, calls := range tt.want {
				var mu sync.Mutex
				var seen []call
				h := func(ctx context.Context, _ string) (string, error) {
					var wg sync.WaitGroup
					for range calls {
						run := func(ctx context.Context) {
							res, _ := putAttempts(ctx, db)
							mu.Lock()
							seen = append(seen, res)
							mu.Unlock()
						}
						if tt.detached {
							wg.Add(1)
							go func() { defer wg.Done(); run(context.WithoutCancel(ctx)) }()
						} else {
							run(ctx)
						}
					}
					wg.Wait()
					return "ok", nil
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				if tt.wrapped {
					_, _ = Wrap(r.inj, h)(ctx, "event")
				} else {
					_, _ = h(ctx, "event")
				}
				cancel()
				got = append(got, seen)
			}
			for n := range tt.want {
				if len(got[n]) != len(tt.want[n]) {
					t.Fatalf("invocation %d made %d calls, want %d", n, len(got[n]), len(tt.want[n]))
				}
				for k := range tt.want[n] {
					if got[n][k] != tt.want[n][k] {
						t.Errorf("invocation %d call %d: %+v, want %+v", n, k, got[n][k], tt.want[n][k])
					}
				}
			}
			total := r.injected(ModeDenylist) + r.injected(ModeSDKError)
			if total != tt.injected {
				t.Errorf("faults injected = %d, want %d", total, tt.injected)
			}
		})
	}
}

// The denied attempts are what a real outage looks like to the SDK: a refused connection,
// retried to its limit, then returned to the handler.
func TestInvocationDenialIsRefusedConnection(t *testing.T) {
	r := newRig(t, seedLab4, seq(0.3))
	c := newCloud(t)
	db := dynamodb.NewFromConfig(r.inj.Instrument(c.awsConfig()))
	s := s3.NewFromConfig(r.inj.Instrument(c.awsConfig()))
	var dbErr, s3Err error
	_, _ = Wrap(r.inj, func(ctx context.Context, _ string) (string, error) {
		_, dbErr = putItem(ctx, db)
		s3Err = putObject(ctx, s)
		return "", nil
	})(context.Background(), "event")
	var max *retry.MaxAttemptsError
	var inj *InjectedError
	if !errors.As(dbErr, &max) || max.Attempt != 3 || !errors.Is(dbErr, syscall.ECONNREFUSED) || !errors.As(dbErr, &inj) || inj.Mode != ModeDenylist {
		t.Fatalf("PutItem error = %v, want 3 refused attempts", dbErr)
	}
	if s3Err != nil {
		t.Fatalf("S3 PutObject failed: %v; the denylist names DynamoDB only", s3Err)
	}
	if c.count("dynamodb") != 0 || c.count("s3") != 1 {
		t.Errorf("server hits %v, want S3 only", c.hits)
	}
	if n := len(r.logs.Lines(`"fault injected","mode":"denylist","service":"dynamodb","operation":"PutItem"`)); n != 3 {
		t.Errorf("denylist log lines for PutItem = %d, want 3", n)
	}
}

// A refetch of the same parameter value and version (every TTL) does not roll again mid-
// invocation: an invocation longer than the TTL stays all or nothing. A new value does roll.
func TestInvocationDiceSurviveRefetch(t *testing.T) {
	f := &fakeSSM{}
	f.set(seedLab4)
	logs := &syncbuf.Buffer{}
	inj := New(Options{Parameter: "p", SSM: f, TTL: 5 * time.Millisecond, Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		Metrics: io.Discard, Rand: seq(0.1, 0.9)})
	c := newCloud(t)
	db := dynamodb.NewFromConfig(inj.Instrument(c.awsConfig()), func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 })
	var errs []error
	_, _ = Wrap(inj, func(ctx context.Context, _ string) (string, error) {
		_, err := putItem(ctx, db)
		errs = append(errs, err)
		waitStale(t, inj) // past the TTL: the next call refetches the same version
		_, err = putItem(ctx, db)
		errs = append(errs, err)
		f.set(seedLab4) // a new version: the invocation rolls again (0.9: miss)
		waitStale(t, inj)
		_, err = putItem(ctx, db)
		errs = append(errs, err)
		return "", nil
	})(context.Background(), "event")
	if errs[0] == nil || errs[1] == nil {
		t.Fatalf("errors %v: want the first two calls denied (same config, refetched)", errs)
	}
	if errs[2] != nil {
		t.Fatalf("third call: %v, want it through (new config version, new roll 0.9)", errs[2])
	}
	if calls := f.calls.Load(); calls < 3 {
		t.Errorf("GetParameter calls = %d, want ≥ 3 (the refetches this test is about)", calls)
	}
}

// Over many invocations with the seed's Lab 4 fault, the share of invocations whose DynamoDB
// write is lost (the SDK's 3 attempts all denied) is about the rate, 50 %, as in the seed lab;
// per-call dice would lose only 0.5³ = 12.5 %. Seeded, so deterministic.
func TestSeedLab4LosesAboutHalfTheInvocations(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	var mu sync.Mutex
	rnd := func() float64 { mu.Lock(); defer mu.Unlock(); return rng.Float64() }
	tests := []struct {
		name     string
		wrapped  bool
		min, max float64
	}{
		{"inside Wrap: one roll per invocation", true, 0.40, 0.60},
		{"outside Wrap: one roll per attempt", false, 0.05, 0.20},
	}
	const n = 200
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, seedLab4, rnd)
			r.inj.log = slog.New(slog.DiscardHandler)
			r.inj.metrics = io.Discard
			c := newCloud(t)
			var db *dynamodb.Client
			h := func(ctx context.Context, _ string) (string, error) {
				_, err := putItem(ctx, db)
				return "", err
			}
			if tt.wrapped {
				h = Wrap(r.inj, h)
			}
			lost := 0
			for range n {
				// A fresh client each time: the SDK's retry token bucket would otherwise run dry
				// and cut the attempts, which is not what this test measures.
				db = dynamodb.NewFromConfig(r.inj.Instrument(c.awsConfig()))
				if _, err := h(context.Background(), "event"); err != nil {
					lost++
				}
			}
			share := float64(lost) / n
			t.Logf("%d of %d invocations lost their write (%.0f %%)", lost, n, share*100)
			if share < tt.min || share > tt.max {
				t.Errorf("lost share %.2f, want %.2f..%.2f", share, tt.min, tt.max)
			}
		})
	}
}
