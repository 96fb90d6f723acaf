package failure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	smithy "github.com/aws/smithy-go"

	"github.com/chaoslab/serverless-chaos-lab/functions/failure/faultconfig"
	"github.com/chaoslab/serverless-chaos-lab/internal/contract"
)

// Environment variables read by FromEnv (docs/contracts.md §2).
const (
	// EnvParameter names the SSM parameter (failure-lambda's name).
	EnvParameter = "FAILURE_INJECTION_PARAM"
	// EnvCacheTTL is the config cache TTL: a Go duration ("5s") or, as in failure-lambda 1.0, a
	// number of seconds ("60").
	EnvCacheTTL = faultconfig.EnvCacheTTL
	// EnvDisabled is failure-lambda 1.0's kill switch: "true" turns injection off (Options.Disabled).
	EnvDisabled = "FAILURE_LAMBDA_DISABLED"
	// EnvDryRun is ours: "true" sets Options.DryRun, failure-lambda 1.0's dryRun option, which
	// 1.0 takes in code only (injectFailure(handler, {dryRun: true})).
	EnvDryRun = "FAILURE_INJECTION_DRY_RUN"
	// EnvAppConfig is failure-lambda 1.0's AppConfig source, which we do not read: set, it turns
	// injection off with an error (FAILURE_APPCONFIG_APPLICATION and _ENVIRONMENT go with it).
	EnvAppConfig = "FAILURE_APPCONFIG_CONFIGURATION"
)

// Defaults of Options.
const (
	// DefaultTTL is how long a fetched config is used before it is fetched again: an experiment's
	// fault takes effect (and is rolled back) within about 5 s, at one GetParameter per sandbox per 5 s.
	DefaultTTL = 5 * time.Second
	// DefaultFetchTimeout bounds one GetParameter (with the SDK's retries). A slow or unreachable SSM
	// then costs one caller at most this long per TTL, never every invocation.
	DefaultFetchTimeout = 2 * time.Second
)

// Options configures an Injector. Zero values take documented defaults.
type Options struct {
	// Parameter is the SSM parameter name (FAILURE_INJECTION_PARAM). Empty: never inject.
	Parameter string
	// TTL is how long a fetched config is cached (FAILURE_CACHE_TTL). Default: DefaultTTL (5 s).
	TTL time.Duration
	// FetchTimeout bounds one fetch of the parameter. Default: DefaultFetchTimeout (2 s).
	FetchTimeout time.Duration
	// SSM reads the parameter, e.g. *ssm.Client. Its calls are never faulted, even when it uses a
	// wrapped HTTP client. Nil: never inject.
	SSM ParameterGetter
	// Logger receives config problems and one line per injected fault. Default: slog.Default().
	Logger *slog.Logger
	// Metrics receives one CloudWatch EMF line per injected fault. Default: os.Stdout.
	Metrics io.Writer
	// TempDir is where diskspace faults write their file. Default: os.TempDir() (/tmp on Lambda).
	TempDir string
	// Disabled turns injection off for good, whatever the parameter says: the parameter is never
	// read (failure-lambda 1.0's kill switch, FAILURE_LAMBDA_DISABLED=true).
	Disabled bool
	// DryRun evaluates every fault (match conditions, dice) and logs each that would fire
	// ("fault dry run", action dryrun) but injects nothing; the handler and the SDK calls run as
	// if no fault were configured (failure-lambda 1.0's dryRun option; FAILURE_INJECTION_DRY_RUN).
	DryRun bool
	// FunctionName is the function's name (AWS_LAMBDA_FUNCTION_NAME, FromEnv). The metric lines
	// carry it in a second dimension set, FunctionName, beside Mode: a Mode's metric sums every
	// function of the account and region, and the dashboard counts this function's faults.
	// Empty: Mode only.
	FunctionName string
	// Now and Rand are for tests. Defaults: time.Now and math/rand/v2's Float64.
	Now  func() time.Time
	Rand func() float64
}

// ParameterGetter reads an SSM parameter; *ssm.Client implements it.
type ParameterGetter interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

var _ ParameterGetter = (*ssm.Client)(nil)

// Injector injects the faults of the config in an SSM parameter into a Lambda handler (Wrap) and
// into the AWS SDK calls it makes (HTTPClient, Instrument). It is safe for concurrent use; build
// one per sandbox, at init.
type Injector struct {
	param string
	// emfDims and emfFunction are the metric lines' dimension sets and the function's member, fixed
	// at New: Mode alone, or Mode and FunctionName (Options.FunctionName).
	emfDims, emfFunction string
	ttl                  time.Duration
	fetchTimeout         time.Duration
	ssm                  ParameterGetter
	log                  *slog.Logger
	metrics              io.Writer
	tempDir              string
	now                  func() time.Time
	rand                 func() float64
	dryRun               bool

	snap atomic.Pointer[snapshot] // the config in effect; nil until the first fetch

	mu          sync.Mutex    // guards the fields below (never taken on the hot path)
	inflight    chan struct{} // closed when the fetch in flight ends; nil when none
	lastProblem string        // the problem logged last, so a persisting one is logged once
	lastLoaded  string        // the parameter value+version logged last as loaded
	seenID      string        // the config (version+value) whose first fetch is seenAt
	seenAt      time.Time     // the expiry's start when the parameter store gives no LastModifiedDate

	metricsMu sync.Mutex
	diskMu    sync.Mutex
	filled    atomic.Bool // a diskspace file may exist
}

// snapshot is one fetched config with everything the hot paths need precomputed.
type snapshot struct {
	staleAt    int64       // UnixNano (of Now) after which the config is fetched again
	stale      atomic.Bool // set by a timer TTL after the fetch: the SDK path's clock-free check
	sdk        bool        // some fault acts on SDK calls
	invocation bool        // some fault acts on the invocation
	dice       bool        // some SDK-level fault is invocation-scoped: Wrap rolls its dice
	match      bool        // some fault has match conditions: Wrap reads the event
	post       bool        // some fault acts on the handler's response (corruption)
	id         string      // the parameter's version and value: equal ids, same faults
	expires    time.Time
	cfg        Config
	version    int64
	expiredLog atomic.Bool
	// Problems met at invocation time, logged once per config.
	envelopeLog, eventLog, noBodyLog, deadlineLog atomic.Bool
}

// off is the snapshot of an injector that never injects.
var off = &snapshot{staleAt: 1<<63 - 1}

// New returns an Injector. With Disabled, no Parameter or no SSM it never injects (and logs so once).
func New(o Options) *Injector { return newInjector(o, false) }

// newInjector is New; offLogged says the injector is off for a reason its caller has logged.
func newInjector(o Options, offLogged bool) *Injector {
	i := &Injector{
		param: o.Parameter, ttl: o.TTL, fetchTimeout: o.FetchTimeout, ssm: o.SSM,
		log: o.Logger, metrics: o.Metrics, tempDir: o.TempDir, now: o.Now, rand: o.Rand, dryRun: o.DryRun,
		emfDims: `[["Mode"]]`,
	}
	if o.FunctionName != "" {
		i.emfDims, i.emfFunction = `[["Mode"],["FunctionName"]]`, fmt.Sprintf(`,"FunctionName":%q`, o.FunctionName)
	}
	if i.ttl <= 0 {
		i.ttl = DefaultTTL
	}
	if i.fetchTimeout <= 0 {
		i.fetchTimeout = DefaultFetchTimeout
	}
	if i.log == nil {
		i.log = slog.Default()
	}
	if i.metrics == nil {
		i.metrics = os.Stdout
	}
	if i.tempDir == "" {
		i.tempDir = os.TempDir()
	}
	if i.now == nil {
		i.now = time.Now
	}
	if i.rand == nil {
		i.rand = rand.Float64
	}
	switch {
	case offLogged:
		i.snap.Store(off)
	case o.Disabled:
		i.log.Warn("failure injection off: kill switch ("+EnvDisabled+"=true)", "parameter", i.param)
		i.snap.Store(off)
	case i.param == "":
		i.log.Warn("failure injection off: no SSM parameter name (set " + EnvParameter + ")")
		i.snap.Store(off)
	case i.ssm == nil:
		i.log.Warn("failure injection off: no SSM client", "parameter", i.param)
		i.snap.Store(off)
	default:
		if i.dryRun {
			i.log.Info("failure injection dry run: faults are logged, never injected", "parameter", i.param)
		}
	}
	return i
}

// FromEnv returns an Injector reading the parameter named by FAILURE_INJECTION_PARAM with an SSM
// client built from cfg, cached for FAILURE_CACHE_TTL (a Go duration such as 5s, or failure-lambda
// 1.0's whole seconds such as 60; default 5s). Pass the uninstrumented cfg (the SSM calls are
// never faulted either way). An unset parameter name gives an Injector that never injects (one
// log line); an invalid FAILURE_CACHE_TTL is an error.
//
// FAILURE_LAMBDA_DISABLED (failure-lambda 1.0's kill switch) set to "true" turns injection off
// without reading the parameter; 1.0 disables on exactly "true", and so do we, and also on the
// other spellings of true that strconv.ParseBool reads ("1", "TRUE", ...), with a warning, as a
// kill switch errs on the side of off. FAILURE_INJECTION_DRY_RUN (ours) set to true turns on
// Options.DryRun; a value that is not a boolean does too, with a warning. FAILURE_APPCONFIG_
// CONFIGURATION (1.0's AppConfig source, not supported) turns injection off with an error.
func FromEnv(cfg aws.Config) (*Injector, error) {
	log := slog.Default()
	o := Options{Parameter: os.Getenv(EnvParameter), FunctionName: os.Getenv("AWS_LAMBDA_FUNCTION_NAME")}
	if s := os.Getenv(EnvCacheTTL); s != "" {
		d, err := faultconfig.ParseCacheTTL(s)
		if err != nil {
			return nil, err
		}
		o.TTL = d
	}
	if v := os.Getenv(EnvDisabled); v != "" {
		b, err := strconv.ParseBool(v)
		switch {
		case v == "true":
			o.Disabled = true
		case err == nil && b:
			o.Disabled = true
			log.Warn(EnvDisabled+" is not \"true\" but reads as true: injection off (failure-lambda 1.0 would disable only on \"true\")", "value", v)
		case err != nil:
			log.Warn(EnvDisabled+" is not a boolean: injection stays on (only \"true\" disables)", "value", v)
		}
	}
	if v := os.Getenv(EnvDryRun); v != "" {
		b, err := strconv.ParseBool(v)
		o.DryRun = b || err != nil
		if err != nil {
			log.Warn(EnvDryRun+" is not a boolean: dry run on (nothing is injected)", "value", v)
		}
	}
	if v := os.Getenv(EnvAppConfig); v != "" && !o.Disabled {
		log.Error("failure injection off: failure-lambda 1.0's AppConfig source ("+EnvAppConfig+") is not supported; unset it and put the config in the SSM parameter named by "+EnvParameter,
			"configuration", v, "parameter", o.Parameter)
		return newInjector(o, true), nil
	}
	if o.Parameter != "" && !o.Disabled {
		o.SSM = ssm.NewFromConfig(cfg)
	}
	return New(o), nil
}

// Parameter returns the SSM parameter name ("" when injection is off for good).
func (i *Injector) Parameter() string { return i.param }

// bypassKey marks the context of the injector's own SSM calls, which are never faulted.
type bypassKey struct{}

func bypassed(ctx context.Context) bool { return ctx.Value(bypassKey{}) != nil }

// current returns the config in effect, fetching it when it is missing or older than the TTL
// by Now. Wrap calls it once per invocation. Lock-free unless a fetch is due.
func (i *Injector) current(ctx context.Context) *snapshot {
	s := i.snap.Load()
	if s == off { // off for good (kill switch, no parameter): not even a clock read
		return s
	}
	if s != nil && !s.stale.Load() && i.now().UnixNano() < s.staleAt {
		return s
	}
	return i.refresh(ctx, s)
}

// currentFast is current without reading the clock, for every SDK call: reading the clock costs
// about 50-100 ns on kvm-clock VMs (Lambda's Firecracker included), more than the whole budget of
// a disabled call. Staleness comes from a timer armed at each fetch instead; Wrap's clock check at
// the start of each invocation covers the time a frozen sandbox's timers need to catch up.
func (i *Injector) currentFast(ctx context.Context) *snapshot {
	s := i.snap.Load()
	if s != nil && !s.stale.Load() {
		return s
	}
	return i.refresh(ctx, s)
}

// refresh fetches the config. One fetch is in flight at a time. While a config is cached, callers
// that find it stale during someone else's fetch go on with the stale one (they never wait); the
// caller that started the fetch waits for it (at most FetchTimeout). Before the first config
// exists every caller waits for the first fetch, so the first invocation of a sandbox already sees
// the fault (a cold start is when experiments often bite).
func (i *Injector) refresh(ctx context.Context, old *snapshot) *snapshot {
	if bypassed(ctx) { // the injector's own GetParameter, through a wrapped client
		if old != nil {
			return old
		}
		return off
	}
	i.mu.Lock()
	if cur := i.snap.Load(); cur != old && cur != nil {
		i.mu.Unlock()
		return cur // fetched by someone else meanwhile
	}
	if ch := i.inflight; ch != nil {
		i.mu.Unlock()
		if old != nil {
			return old
		}
		select {
		case <-ch:
		case <-ctx.Done():
		}
		if s := i.snap.Load(); s != nil {
			return s
		}
		return off
	}
	ch := make(chan struct{})
	i.inflight = ch
	i.mu.Unlock()

	s := i.fetch(ctx)
	time.AfterFunc(i.ttl, func() { s.stale.Store(true) })
	i.snap.Store(s)
	i.mu.Lock()
	i.inflight = nil
	i.mu.Unlock()
	close(ch)
	return s
}

// fetch reads and parses the parameter. Every failure yields a snapshot with injection off; the
// problem is logged once until it changes or a good config is read.
func (i *Injector) fetch(ctx context.Context) *snapshot {
	fetched := i.now()
	s := &snapshot{staleAt: fetched.Add(i.ttl).UnixNano()}
	// Detached from the caller's cancellation (one caller giving up must not fail the fetch for
	// everyone waiting on it) but not from its deadline: a fetch never outlives the invocation.
	deadline := time.Now().Add(i.fetchTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	ctx, cancel := context.WithDeadline(context.WithValue(context.WithoutCancel(ctx), bypassKey{}, true), deadline)
	defer cancel()
	out, err := i.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(i.param), WithDecryption: aws.Bool(true)})
	if err != nil {
		var nf *types.ParameterNotFound
		var api smithy.APIError
		switch {
		case errors.As(err, &nf):
			i.problem("not-found", "failure injection off: SSM parameter not found", "parameter", i.param)
		case errors.As(err, &api):
			i.problem("read:"+api.ErrorCode(), "failure injection off: SSM parameter unreadable", "parameter", i.param, "code", api.ErrorCode(), "error", err.Error())
		case errors.Is(err, context.DeadlineExceeded):
			i.problem("read:timeout", "failure injection off: SSM parameter unreadable", "parameter", i.param, "error", fmt.Sprintf("no answer within %s", i.fetchTimeout))
		default:
			i.problem("read:"+fmt.Sprintf("%T", errors.Unwrap(err)), "failure injection off: SSM parameter unreadable", "parameter", i.param, "error", err.Error())
		}
		return s
	}
	if out.Parameter == nil || out.Parameter.Value == nil {
		i.problem("empty", "failure injection off: SSM parameter has no value", "parameter", i.param)
		return s
	}
	value := *out.Parameter.Value
	cfg, err := ParseConfig([]byte(value))
	if err != nil {
		i.problem("invalid:"+err.Error(), "failure injection off: invalid failure config", "parameter", i.param, "version", out.Parameter.Version, "error", err.Error())
		return s
	}
	s.cfg = cfg
	s.version = out.Parameter.Version
	s.id = fmt.Sprint(s.version, "\x00", value)
	since := i.firstSeen(s.id, fetched)
	if out.Parameter.LastModifiedDate != nil {
		since = *out.Parameter.LastModifiedDate
	}
	s.expires = cfg.ExpiresAtFor(since, fetched)
	if cfg.Enabled {
		for n := range cfg.Faults {
			f := &cfg.Faults[n]
			if f.SDKLevel() {
				s.sdk = true
				s.dice = s.dice || f.Scope == ScopeInvocation
			} else {
				s.invocation = true
			}
			s.match = s.match || len(f.Match) > 0
			s.post = s.post || f.Mode == ModeCorruption
		}
	}
	i.loaded(s, value, fetched)
	return s
}

// firstSeen is when this sandbox first read the config id (its version and value): where
// expiresAfterSeconds counts from when the parameter store gives no LastModifiedDate (AWS and
// the local cloud give it). Counting from each fetch instead would start the count again every
// TTL, and such a fault would never expire.
func (i *Injector) firstSeen(id string, fetched time.Time) time.Time {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.seenID != id {
		i.seenID, i.seenAt = id, fetched
	}
	return i.seenAt
}

// problem logs a config problem unless it is the one logged last (so a parameter that stays
// missing or invalid costs one line per sandbox, not one per TTL).
func (i *Injector) problem(key, msg string, args ...any) {
	i.mu.Lock()
	same := i.lastProblem == key
	i.lastProblem = key
	i.lastLoaded = ""
	i.mu.Unlock()
	if !same {
		i.log.Error(msg, args...)
	}
}

// loaded logs a good config the first time it is seen (a new value or version).
func (i *Injector) loaded(s *snapshot, value string, fetched time.Time) {
	key := s.id
	i.mu.Lock()
	same := i.lastLoaded == key
	i.lastLoaded = key
	i.lastProblem = ""
	i.mu.Unlock()
	if same {
		return
	}
	modes := make([]string, len(s.cfg.Faults))
	for n, f := range s.cfg.Faults {
		modes[n] = string(f.Mode)
	}
	args := []any{"parameter", i.param, "version", s.version, "format", string(s.cfg.Format), "enabled", s.cfg.Enabled, "modes", strings.Join(modes, ",")}
	if i.dryRun {
		args = append(args, "dry_run", true)
	}
	if !s.expires.IsZero() {
		args = append(args, "expires_at", s.expires.UTC().Format(time.RFC3339))
		if !fetched.Before(s.expires) {
			args = append(args, "expired", true)
		}
	}
	i.log.Info("failure config loaded", args...)
}

// active reports whether the faults of s are in force now; it logs once when they expire.
func (i *Injector) active(s *snapshot) bool {
	if s.expires.IsZero() || i.now().Before(s.expires) {
		return true
	}
	if s.expiredLog.CompareAndSwap(false, true) {
		i.log.Info("failure config expired: injection off", "parameter", i.param, "version", s.version, "expires_at", s.expires.UTC().Format(time.RFC3339))
	}
	return false
}

// fires rolls the dice for f.
func (i *Injector) fires(f *Fault) bool {
	return f.Rate >= 1 || (f.Rate > 0 && i.rand() < f.Rate)
}

// latency draws a delay in f's range.
func (i *Injector) latency(f *Fault) time.Duration {
	d := f.MinLatency
	if span := f.MaxLatency - f.MinLatency; span > 0 {
		d += time.Duration(i.rand() * float64(span+1))
		if d > f.MaxLatency {
			d = f.MaxLatency
		}
	}
	return d
}

// sleep waits d or until ctx is done (then it returns ctx's error).
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// injected logs one line and writes one EMF metric for a fault that fired.
func (i *Injector) injected(ctx context.Context, mode Mode, args ...any) {
	i.log.LogAttrs(ctx, slog.LevelWarn, "fault injected", append([]slog.Attr{slog.String("mode", string(mode))}, attrs(args)...)...)
	i.metric(MetricFaultsInjected, mode, 1)
}

// wouldInject logs a fault that fired under Options.DryRun, as failure-lambda 1.0 logs
// {"action":"dryrun"}; no metric, nothing injected.
func (i *Injector) wouldInject(ctx context.Context, f *Fault, args ...any) {
	i.log.LogAttrs(ctx, slog.LevelInfo, "fault dry run", append([]slog.Attr{slog.String("mode", string(f.Mode)), slog.String("action", "dryrun"),
		slog.Float64("rate", f.Rate)}, attrs(args)...)...)
}

// Metrics the layer writes (CloudWatch EMF on Options.Metrics): namespace contract.MetricsNamespace,
// dimension Mode and, with Options.FunctionName, FunctionName as a second set; unit Count; high
// resolution (StorageResolution 1), so that the faults of a run can be counted from the second its
// fault was written (chaoslab run's injected line), not from the minute before it.
const (
	// MetricFaultsInjected: 1 per fault that fired.
	MetricFaultsInjected = contract.MetricFaultsInjected
	// MetricBatchItemFailuresCorrupted: the batch item failures a corruption fault garbled or
	// dropped from an SQS (or stream) batch response.
	MetricBatchItemFailuresCorrupted = "BatchItemFailuresCorrupted"
)

// metric writes one EMF line: value of metric name, dimension Mode mode, and the function's name in
// a set of its own when the injector knows it.
func (i *Injector) metric(name string, mode Mode, value int) {
	line := fmt.Sprintf(`{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Namespace":%q,"Dimensions":%s,"Metrics":[{"Name":%q,"Unit":"Count","StorageResolution":1}]}]},"Mode":%q%s,%q:%d}`+"\n",
		i.now().UnixMilli(), contract.MetricsNamespace, i.emfDims, name, string(mode), i.emfFunction, name, value)
	i.metricsMu.Lock()
	_, _ = io.WriteString(i.metrics, line)
	i.metricsMu.Unlock()
}

func attrs(args []any) []slog.Attr {
	out := make([]slog.Attr, 0, len(args)/2)
	for n := 0; n+1 < len(args); n += 2 {
		out = append(out, slog.Any(fmt.Sprint(args[n]), args[n+1]))
	}
	return out
}
