package lambda

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/procgroup"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/uuid"
)

// Options configure the Service.
type Options struct {
	// Dir is the run directory; function logs go to Dir/logs/<function>.log. Required.
	Dir string
	// Region is AWS_REGION for the functions. Default: us-east-1.
	Region string
	// AccountID goes into function ARNs. Default: 000000000000.
	AccountID string
	// Endpoint is AWS_ENDPOINT_URL for the functions (the local gateway). Empty: not set.
	Endpoint string
	// Credentials gives a sandbox the credentials of its function's execution role (Function.Role),
	// as Lambda does (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). It is asked at
	// each sandbox start. Nil: AccessKeyID and SecretAccessKey for every function.
	Credentials func(f Function) (Credentials, error)
	// AccessKeyID and SecretAccessKey are the functions' credentials when Credentials is nil.
	// Default: AKIDLOCAL / local (a bare service without a verifying gateway, in tests).
	AccessKeyID, SecretAccessKey string
	// DefaultConcurrency limits functions without ReservedConcurrency. Default: 10 (a small stand-in
	// for the account's unreserved concurrency, sized for a 2-core machine).
	DefaultConcurrency int
	// Metric receives the AWS/Lambda metrics (dimension FunctionName). Optional.
	Metric func(Metric)
	// EMF receives every log line of a function that is an embedded-metric-format document. Optional.
	EMF func(function string, line []byte)
	// Logs receives every log line of every function, by its log group (Function.LogGroup) and a
	// stream of the function's (CloudWatch Logs). Optional.
	Logs LogSink
	// Logger logs sandbox lifecycle events. Default: discard.
	Logger *slog.Logger
	// AsyncRetryDelay is how long an asynchronous event the function failed waits before its first
	// retry (twice that before its second). Default: 1 minute, as Lambda.
	AsyncRetryDelay time.Duration
	// MaxEventAge is how long an asynchronous event that cannot run (throttled) is retried. Default:
	// 6 hours, as Lambda.
	MaxEventAge time.Duration
	// InitTimeout is how long a sandbox's init may take before it is started again within the
	// invocation, under the function's timeout. Default: 10 s, as Lambda.
	InitTimeout time.Duration
}

// Metric is one AWS/Lambda datum.
type Metric struct {
	Name     string // Invocations, Errors, Duration, Throttles, ConcurrentExecutions, UnreservedConcurrentExecutions
	Function string // the FunctionName dimension; "" for the account's metric, which has none
	Value    float64
	Unit     string // Count or Milliseconds
	Time     time.Time
}

// FunctionError is an invocation that ran and failed: the handler returned an error, the process
// crashed, or it timed out. Invoke's API answers it with 200 and X-Amz-Function-Error: Unhandled.
type FunctionError struct {
	Type    string
	Message string
	// Payload is the error document the runtime posted; empty for errors Lambda itself reports.
	Payload []byte
}

func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// Body is the invocation's response payload, as Lambda returns it for a failed invocation.
func (e *FunctionError) Body() []byte {
	if len(e.Payload) > 0 {
		return e.Payload
	}
	return fmt.Appendf(nil, `{"errorMessage":%q,"errorType":%q}`, e.Message, e.Type)
}

// Errors returned by Invoke (not function errors).
var (
	// ErrThrottled is an invocation refused because the function is at its concurrency limit
	// (TooManyRequestsException in AWS).
	ErrThrottled = errors.New("TooManyRequestsException: Rate Exceeded.")
	// ErrNotFound is an invocation of an unknown function (ResourceNotFoundException).
	ErrNotFound = errors.New("ResourceNotFoundException: Function not found")
)

// Service runs the functions.
type Service struct {
	opts Options
	log  *slog.Logger

	mu     sync.Mutex
	fns    map[string]*function
	closed bool

	// inflight counts the account's invocations running now, and unreserved those of functions
	// without ReservedConcurrency (the account-level ConcurrentExecutions and
	// UnreservedConcurrentExecutions).
	inflight, unreserved atomic.Int64

	// The asynchronous invocation queue (async.go): its events' lives end with asyncCtx.
	asyncCtx  context.Context
	asyncStop context.CancelFunc
	async     sync.WaitGroup

	// reaper kills the process groups of the sandboxes still running should this process die
	// without Close: a sandbox's runtime dies with it by its parent-death signal, but what the
	// function started would live on, reparented to init.
	reaper *procgroup.Reaper
}

// New returns a Service; functions are added with CreateFunction.
func New(opts Options) (*Service, error) {
	if opts.Dir == "" {
		return nil, errors.New("lambda: Options.Dir: empty")
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	if opts.AccessKeyID == "" {
		opts.AccessKeyID, opts.SecretAccessKey = "AKIDLOCAL", "local"
	}
	if opts.DefaultConcurrency == 0 {
		opts.DefaultConcurrency = 10
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Join(opts.Dir, "logs"), 0o755); err != nil {
		return nil, fmt.Errorf("lambda: Options.Dir: %w", err)
	}
	if opts.AsyncRetryDelay <= 0 {
		opts.AsyncRetryDelay = defaultAsyncDelay
	}
	if opts.InitTimeout <= 0 {
		opts.InitTimeout = defaultInitTimeout
	}
	if opts.MaxEventAge <= 0 {
		opts.MaxEventAge = defaultMaxEventAge
	}
	reaper, err := procgroup.StartReaper()
	if err != nil {
		return nil, fmt.Errorf("lambda: %w", err)
	}
	s := &Service{opts: opts, log: opts.Logger, fns: map[string]*function{}, reaper: reaper}
	s.asyncCtx, s.asyncStop = context.WithCancel(context.Background())
	return s, nil
}

// Credentials are what a sandbox signs its AWS calls with.
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

func (s *Service) sandboxEnv(f Function) (sandboxEnv, error) {
	e := sandboxEnv{region: s.opts.Region, accessKey: s.opts.AccessKeyID, secretKey: s.opts.SecretAccessKey, endpoint: s.opts.Endpoint}
	if s.opts.Credentials != nil {
		c, err := s.opts.Credentials(f)
		if err != nil {
			return e, fmt.Errorf("function %s: credentials of role %q: %w", f.Name, f.Role, err)
		}
		e.accessKey, e.secretKey, e.token = c.AccessKeyID, c.SecretAccessKey, c.SessionToken
	}
	return e, nil
}

// function is a created function and its sandboxes.
type function struct {
	svc   *Service
	cfg   Function
	arn   string
	limit int
	logs  *functionLog
	// created is when the function was made: its LastModified (a deploy makes it anew).
	created time.Time

	mu       sync.Mutex
	inflight int
	idle     []*sandbox
	all      map[*sandbox]struct{}
	// closed is set by shutdown: a sandbox that finishes starting after it is killed, not kept (a
	// cold start under way when the function is deleted or the cloud stops must not outlive them).
	closed bool
}

// CreateFunction validates f and makes it invocable. Sandboxes start on the first invocations
// (cold starts), as in Lambda.
func (s *Service) CreateFunction(f Function) (arn string, err error) {
	f = f.withDefaults()
	if err := f.validate(); err != nil {
		return "", err
	}
	if _, err := command(f); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", errClosed
	}
	if _, ok := s.fns[f.Name]; ok {
		return "", fmt.Errorf("function %s: ResourceConflictException: already exists", f.Name)
	}
	logs, err := openLog(filepath.Join(s.opts.Dir, "logs", f.Name+".log"), f.Name, s.opts.EMF)
	if err == nil && s.opts.Logs != nil {
		logs.sink, logs.group = s.opts.Logs, f.logGroup()
		s.opts.Logs.NewStream(logs.group) // the group exists from the function's creation, as its template's
	}
	if err != nil {
		return "", err
	}
	limit := s.opts.DefaultConcurrency
	if f.ReservedConcurrency > 0 {
		limit = f.ReservedConcurrency
	}
	fn := &function{
		svc: s, cfg: f, limit: limit, logs: logs, all: map[*sandbox]struct{}{},
		arn:     fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", s.opts.Region, s.opts.AccountID, f.Name),
		created: time.Now().UTC(),
	}
	s.fns[f.Name] = fn
	s.log.Info("function created", "function", f.Name, "timeout", f.Timeout.String(), "concurrency", limit)
	return fn.arn, nil
}

// ARN returns the function's ARN.
func (s *Service) ARN(name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", s.opts.Region, s.opts.AccountID, name)
}

// FunctionTimeout returns the function's timeout; ok is false for an unknown function.
func (s *Service) FunctionTimeout(name string) (timeout time.Duration, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fn := s.fns[name]; fn != nil {
		return fn.cfg.Timeout, true
	}
	return 0, false
}

// LogPath is where the function's log lines are written.
func (s *Service) LogPath(name string) string {
	return filepath.Join(s.opts.Dir, "logs", name+".log")
}

// Functions lists the created functions' configurations, sorted by name.
func (s *Service) Functions() []Function {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Function, 0, len(s.fns))
	for _, f := range s.fns {
		out = append(out, f.cfg)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// DeleteFunction kills the function's sandboxes and forgets it.
func (s *Service) DeleteFunction(name string) error {
	s.mu.Lock()
	fn, ok := s.fns[name]
	delete(s.fns, name)
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("function %s: %w", name, ErrNotFound)
	}
	fn.shutdown()
	return nil
}

// Close kills every sandbox of every function.
func (s *Service) Close() error {
	s.mu.Lock()
	s.closed = true
	fns := s.fns
	s.fns = map[string]*function{}
	s.mu.Unlock()
	s.asyncStop() // queued events are dropped with the service, as with a deleted function
	for _, fn := range fns {
		fn.shutdown()
	}
	s.async.Wait()
	return s.reaper.Close()
}

// InvokeAsync queues an asynchronous invocation (InvocationType Event): it runs in the background,
// with Lambda's retries (async.go). ErrNotFound when there is no such function.
func (s *Service) InvokeAsync(name string, payload []byte) error {
	return s.invokeAsync(name, "", payload)
}

// invokeAsync is InvokeAsync of an invocation that named the function as invokedARN ("": its own ARN).
func (s *Service) invokeAsync(name, invokedARN string, payload []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn := s.fns[name]
	if fn == nil || s.closed {
		return fmt.Errorf("function %s: %w", name, ErrNotFound)
	}
	s.async.Add(1)
	go s.runAsync(fn, invokedARN, payload)
	return nil
}

func (fn *function) shutdown() {
	fn.mu.Lock()
	sbs := make([]*sandbox, 0, len(fn.all))
	for sb := range fn.all {
		sbs = append(sbs, sb)
	}
	fn.all = map[*sandbox]struct{}{}
	fn.idle = nil
	fn.closed = true
	fn.mu.Unlock()
	var wg sync.WaitGroup
	for _, sb := range sbs {
		wg.Add(1)
		go func() { defer wg.Done(); sb.kill() }()
	}
	wg.Wait()
	fn.logs.close()
}

// Pids returns the process ids of the function's running sandboxes (for tests and diagnostics).
func (s *Service) Pids(name string) []int {
	s.mu.Lock()
	fn := s.fns[name]
	s.mu.Unlock()
	if fn == nil {
		return nil
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	var pids []int
	for sb := range fn.all {
		pids = append(pids, sb.pid)
	}
	sort.Ints(pids)
	return pids
}

// metric publishes the function's datum and, as Lambda does, the same datum for the account (no
// dimensions: "aggregated across all functions", what the CDK's Function.metricAllErrors and
// the like read). ConcurrentExecutions is not summed that way: concurrency publishes its own.
func (s *Service) metric(name, fn string, v float64, unit string, at time.Time) {
	if s.opts.Metric != nil {
		s.opts.Metric(Metric{Name: name, Function: fn, Value: v, Unit: unit, Time: at})
		s.opts.Metric(Metric{Name: name, Value: v, Unit: unit, Time: at})
	}
}

// concurrency publishes the function's ConcurrentExecutions and the account's, and the account's
// UnreservedConcurrentExecutions, as one invocation of fn starts.
func (s *Service) concurrency(fn *function, concurrent int, at time.Time) {
	if s.opts.Metric == nil {
		return
	}
	s.opts.Metric(Metric{Name: "ConcurrentExecutions", Function: fn.cfg.Name, Value: float64(concurrent), Unit: "Count", Time: at})
	s.opts.Metric(Metric{Name: "ConcurrentExecutions", Value: float64(s.inflight.Load()), Unit: "Count", Time: at})
	s.opts.Metric(Metric{Name: "UnreservedConcurrentExecutions", Value: float64(s.unreserved.Load()), Unit: "Count", Time: at})
}

// Invoke runs one synchronous invocation. A failed invocation (handler error, crash, timeout) is
// fnErr with err nil; err is for invocations that did not run: ErrNotFound, ErrThrottled, a sandbox
// that could not start, or ctx ending (the sandbox is then killed).
func (s *Service) Invoke(ctx context.Context, name string, payload []byte) (result []byte, fnErr *FunctionError, err error) {
	s.mu.Lock()
	fn := s.fns[name]
	s.mu.Unlock()
	if fn == nil {
		return nil, nil, fmt.Errorf("function %s: %w", name, ErrNotFound)
	}
	if len(payload) > MaxPayload {
		return nil, nil, fmt.Errorf("function %s: RequestEntityTooLargeException: payload of %d bytes exceeds %d", name, len(payload), MaxPayload)
	}
	return fn.invoke(ctx, payload, nil)
}

// invoke runs one invocation (Invoke's). A non-nil tail gets the invocation's log: Lambda's lines
// and what its sandbox printed until it responded.
func (fn *function) invoke(ctx context.Context, payload []byte, tail *logTail) ([]byte, *FunctionError, error) {
	s := fn.svc
	now := time.Now()
	fn.mu.Lock()
	if fn.inflight >= fn.limit {
		fn.mu.Unlock()
		s.metric("Throttles", fn.cfg.Name, 1, "Count", now)
		return nil, nil, fmt.Errorf("function %s (limit %d): %w", fn.cfg.Name, fn.limit, ErrThrottled)
	}
	fn.inflight++
	concurrent := fn.inflight
	s.inflight.Add(1)
	reserved := fn.cfg.ReservedConcurrency > 0
	if !reserved {
		s.unreserved.Add(1)
	}
	var sb *sandbox
	for len(fn.idle) > 0 && sb == nil {
		sb = fn.idle[len(fn.idle)-1]
		fn.idle = fn.idle[:len(fn.idle)-1]
		if !sb.alive() { // died while idle (e.g. exited after a response)
			delete(fn.all, sb)
			sb = nil
		}
	}
	fn.mu.Unlock()
	defer func() {
		fn.mu.Lock()
		fn.inflight--
		fn.mu.Unlock()
		s.inflight.Add(-1)
		if !reserved {
			s.unreserved.Add(-1)
		}
	}()
	s.concurrency(fn, concurrent, now)

	id := uuid.New()
	var initTime time.Duration // a cold start's init, for the REPORT line (0: a warm sandbox)
	var reinit time.Time       // when a timed-out init began again within the invocation
	var start time.Time
	var out outcome
	var healthy bool
	var err error
	for warm := sb != nil; ; warm = false {
		if sb == nil {
			var initErr *FunctionError
			sb, initTime, reinit, initErr, err = fn.coldStart(ctx, id, tail)
			if err != nil {
				return nil, nil, err
			}
			if initErr != nil {
				s.metric("Invocations", fn.cfg.Name, 1, "Count", now)
				s.metric("Errors", fn.cfg.Name, 1, "Count", now)
				return nil, initErr, nil
			}
		}
		start = time.Now()
		if !reinit.IsZero() {
			start = reinit // the invocation's Duration and deadline include the init it waited for
		}
		// Lambda's START line, and the sandbox's lines to this invocation's tail, from the moment
		// the runtime takes the invocation (or it ends without being taken).
		taker, once := sb, new(sync.Once)
		begin := func() {
			once.Do(func() {
				fn.logf(taker.stream, tail, "START RequestId: %s Version: $LATEST", id)
				taker.setTail(tail)
			})
		}
		inv := &invocation{
			id: id, payload: payload, deadline: start.Add(fn.cfg.Timeout), begin: begin, invokedARN: cmp.Or(invokedARNFrom(ctx), fn.arn),
			traceID: newTraceID(start), clientContext: clientContextFrom(ctx), done: make(chan outcome, 1),
		}
		out, healthy, err = sb.invoke(ctx, inv, warm)
		if errors.Is(err, errGone) {
			fn.mu.Lock()
			delete(fn.all, sb)
			fn.mu.Unlock()
			s.log.Debug("sandbox exited while idle; the invocation gets a new one", "function", fn.cfg.Name, "pid", sb.pid)
			sb = nil
			continue
		}
		begin()
		break
	}
	elapsed := time.Since(start)
	if tail != nil {
		sb.syncLogs()
		sb.setTail(nil)
	}
	ms := float64(elapsed.Microseconds()) / 1000
	if out.fnErr != nil && out.fnErr.Type == "Sandbox.Timedout" {
		fn.logf(sb.stream, tail, "%s", timedOutLine(id, fn.cfg.Timeout))
	}
	fn.logf(sb.stream, tail, "END RequestId: %s", id)
	// As Lambda's: a cold start's REPORT line ends with its Init Duration (the sandbox's start up to
	// its first request for an invocation), which is not part of Duration but is billed: custom
	// runtimes' INIT phase always was, and since 2025-08-01 every on-demand function's is (AWS's
	// "Lambda standardizes billing for INIT phase"), so Billed Duration is both, rounded up to 1 ms.
	initMs := float64(initTime.Microseconds()) / 1000
	report := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB",
		id, ms, max(1, int(math.Ceil(ms+initMs))), fn.cfg.MemoryMB, maxMemoryUsedMB(sb.pid))
	if initTime > 0 {
		report += fmt.Sprintf("\tInit Duration: %.2f ms", initMs)
	}
	fn.logf(sb.stream, tail, "%s", report)

	fn.mu.Lock()
	keep := healthy && err == nil && !fn.closed
	if keep {
		fn.idle = append(fn.idle, sb)
	} else {
		delete(fn.all, sb)
	}
	fn.mu.Unlock()
	if healthy && !keep {
		sb.kill() // the function was deleted (or the cloud stopped) during the invocation
	}
	if !healthy {
		go sb.kill() // reap a crashed or timed-out sandbox; the next invocation gets a fresh one
		s.log.Debug("sandbox replaced", "function", fn.cfg.Name, "pid", sb.pid)
	}
	if err != nil {
		return nil, nil, err
	}
	s.metric("Invocations", fn.cfg.Name, 1, "Count", start)
	s.metric("Duration", fn.cfg.Name, ms, "Milliseconds", start)
	if out.fnErr != nil {
		s.metric("Errors", fn.cfg.Name, 1, "Count", start)
		return nil, out.fnErr, nil
	}
	// AWS/Lambda publishes Errors for every invoked period, 0 when none failed,
	// so Errors/Invocations math has a datapoint for a healthy function too.
	s.metric("Errors", fn.cfg.Name, 0, "Count", start)
	return out.body, nil, nil
}

// coldStart starts a sandbox for invocation id: its init, and once more within the function's
// timeout when the first init timed out (reinit is when that began). initErr is an init that
// failed (logged as Lambda's INIT_REPORT); err a sandbox that could not start at all.
func (fn *function) coldStart(ctx context.Context, id string, tail *logTail) (sb *sandbox, initTime time.Duration, reinit time.Time, initErr *FunctionError, err error) {
	s := fn.svc
	initStart := time.Now()
	// The sandbox's stream: its INIT_REPORT goes there too, beside what its init printed.
	stream := fn.logs.newStream()
	sb, initErr, err = fn.startSandbox(ctx, s.opts.InitTimeout, stream)
	initTime = time.Since(initStart)
	if err == nil && initErr != nil && initErr.Type == "Sandbox.Timedout" {
		// As Lambda: "If all three tasks do not complete within 10 seconds, Lambda retries the
		// Init phase at the time of the first function invocation with the configured function
		// timeout." The second init is part of the invocation: its Duration and its timeout.
		fn.logf(stream, tail, "INIT_REPORT Init Duration: %.2f ms\tPhase: init\tStatus: timeout", float64(initTime.Microseconds())/1000)
		reinit, initTime = time.Now(), 0
		stream = fn.logs.newStream() // a new sandbox: a new stream
		sb, initErr, err = fn.startSandbox(ctx, fn.cfg.Timeout, stream)
		if err == nil && initErr != nil && initErr.Type == "Sandbox.Timedout" {
			initErr = timedOutError(id, fn.cfg.Timeout)
		}
	}
	if err != nil {
		return nil, 0, reinit, nil, err
	}
	if initErr != nil {
		fn.logf(stream, tail, "INIT_REPORT RequestId: %s\tStatus: error\tErrorType: %s\t%s", id, initErr.Type, initErr.Message)
		return nil, 0, reinit, initErr, nil
	}
	fn.mu.Lock()
	closed := fn.closed
	if !closed {
		fn.all[sb] = struct{}{}
	}
	fn.mu.Unlock()
	if closed {
		sb.kill()
		return nil, 0, reinit, nil, fmt.Errorf("function %s: deleted while its sandbox started: %w", fn.cfg.Name, ErrNotFound)
	}
	s.log.Debug("sandbox started", "function", fn.cfg.Name, "pid", sb.pid)
	return sb, initTime, reinit, nil, nil
}

// logf writes one of Lambda's own lines (START, END, REPORT) to the function's log, in stream (the
// sandbox's), and to tail.
func (fn *function) logf(stream string, tail *logTail, format string, args ...any) {
	line := fmt.Appendf(nil, format, args...)
	fn.logs.line(stream, line)
	tail.add(line)
}

// newTraceID returns an X-Ray trace header: Root=1-<epoch hex>-<96-bit random>;Parent=...;Sampled=0.
func newTraceID(t time.Time) string {
	var r [20]byte
	rand.Read(r[:])
	h := hex.EncodeToString(r[:])
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", t.Unix(), h[:24], h[24:40])
}
