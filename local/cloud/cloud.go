// Package cloud assembles the local cloud: it starts the emulators (fauxqs, DynamoDB Local), the
// project's own services (SSM, CloudWatch, S3 notifications, SNS delivery, Lambda, the SQS event
// source mapping, Step Functions) behind one gateway on 127.0.0.1, deploys synthesized stacks from
// cdk.out into it — several at once, as CloudFormation holds them, each deployed, redeployed and
// deleted by its name without touching the others (stacks.go) — enforces their IAM on every request,
// as AWS does (iam.go), and stops everything it started by pid, even after a failure.
//
// It also serves the live page of each deployed dashboard (package dashboard) on a port of its
// own on 127.0.0.1, with a token made at each start: a deploy prints
// "local cloud: dashboard <name> live at <URL>", DashboardURL(name) gives the URL, and the state
// file records the index (State.Dashboards).
package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chaoslab/serverless-chaos-lab/internal/dirlock"
	"github.com/chaoslab/serverless-chaos-lab/local/cloudwatch"
	"github.com/chaoslab/serverless-chaos-lab/local/dashboard"
	"github.com/chaoslab/serverless-chaos-lab/local/emulators"
	"github.com/chaoslab/serverless-chaos-lab/local/esm"
	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/lambda"
	"github.com/chaoslab/serverless-chaos-lab/local/logs"
	"github.com/chaoslab/serverless-chaos-lab/local/s3events"
	"github.com/chaoslab/serverless-chaos-lab/local/sfn"
	"github.com/chaoslab/serverless-chaos-lab/local/sns"
	localsqs "github.com/chaoslab/serverless-chaos-lab/local/sqs"
	"github.com/chaoslab/serverless-chaos-lab/local/ssm"
	"github.com/chaoslab/serverless-chaos-lab/local/sts"
	"github.com/chaoslab/serverless-chaos-lab/local/template"
)

// The local cloud's identity (docs/contracts.md §5). Its keys are made at each start
// (credentials.go).
const (
	Region    = "us-east-1"
	AccountID = "000000000000"
)

// Options configure Start.
type Options struct {
	// Dir is the run directory: state file, emulator logs, function logs. Required.
	Dir string
	// Log receives progress lines for the long steps. Default: discard.
	Log io.Writer
	// Root is the repository root holding node_modules. Default: found walking up from the working directory.
	Root string
	// Port for the gateway on 127.0.0.1. Default: 0 (any free port).
	Port int
	// Logger for the services' structured logs. Default: JSON to Dir/cloud.log.
	Logger *slog.Logger
	// Authorize, when set, is asked first about every request the gateway has verified, as the
	// principal its key stands for (gateway.Options.Authorize; credentials.go lists who signs
	// what): an error refuses the request. The deployed stacks' IAM then decides it (iam.go);
	// enforcement is always on.
	Authorize func(r *http.Request, principal string) error
	// LongLived runs DynamoDB Local with the JVM's full JIT (C2) instead of C1 alone. Its first
	// minute under load is a compile storm, after which a request costs about a third less CPU:
	// `make bench-pipeline` sustained 150 documents/s with a p99 of 0.4–0.6 s where C1 alone
	// fell behind (README, Measured). Short-lived clouds (the lab, the tests) keep C1: there,
	// start-up and the first minute are all that matters. Set by chaoslab local up.
	LongLived bool
}

// Outputs are a deployed stack's outputs, by output id.
type Outputs map[string]string

// Cloud is a running local cloud.
type Cloud struct {
	opts   Options
	log    *slog.Logger
	ctx    context.Context // lives until Close
	cancel context.CancelFunc

	fauxqs, dynamo *emulators.Process
	gw             *gateway.Gateway
	metrics        *cloudwatch.Store
	params         *ssm.Service
	logs           *logs.Store
	dashboards     *dashboard.Server // nil when the page could not start (see Start)
	lambda         *lambda.Service
	esm            *esm.Service
	sfn            *sfn.Service
	endpoint       string
	logFile        *os.File

	keys    *gateway.KeyStore // every key the gateway accepts (credentials.go)
	user    Credentials       // the user's key of this start
	callers sdkCallers        // Step Functions' SDK callers, per role
	iam     iamState          // the deployed stacks' IAM (iam.go)

	stacks       stackSet // the deployed stacks (stacks.go)
	lock         *os.File // the run directory's lock (lock.go), held until Close
	mu           sync.Mutex
	closed       bool
	control      string // control API URL, once ServeControl ran
	controlToken string
	controlSrv   *http.Server
}

func (c *Cloud) progress(format string, args ...any) {
	fmt.Fprintf(c.opts.Log, format+"\n", args...)
}

// Start starts every part of the local cloud. ctx bounds the start-up; the cloud runs until Close.
// On failure everything already started is stopped.
func Start(ctx context.Context, opts Options) (_ *Cloud, err error) {
	if opts.Dir == "" {
		return nil, errors.New("cloud: Options.Dir: empty")
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("cloud: Options.Dir: %w", err)
	}
	if st, err := ReadState(opts.Dir); err == nil {
		return nil, fmt.Errorf("cloud: a local cloud (pid %d, %s) already runs from %s: stop it first", st.Pid, st.Endpoint, opts.Dir)
	}
	lock, err := dirlock.Lock(lockPath(opts.Dir))
	if errors.Is(err, dirlock.ErrLocked) {
		return nil, fmt.Errorf("cloud: a local cloud is starting in %s (another process holds %s): wait for it and stop it first, or use another directory", opts.Dir, lockPath(opts.Dir))
	}
	if err != nil {
		return nil, fmt.Errorf("cloud: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	c := &Cloud{opts: opts, ctx: runCtx, cancel: cancel, lock: lock}
	if opts.Logger == nil {
		f, ferr := os.OpenFile(filepath.Join(opts.Dir, "cloud.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if ferr != nil {
			cancel()
			lock.Close()
			return nil, fmt.Errorf("cloud: log file: %w", ferr)
		}
		c.logFile = f
		opts.Logger = slog.New(slog.NewJSONHandler(f, nil))
		c.opts.Logger = opts.Logger
	}
	c.log = opts.Logger
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	begin := time.Now()
	emu := emulators.Options{Root: opts.Root, RunDir: filepath.Join(opts.Dir, "emulators"), Logger: c.log}
	emu.JavaOptions = dynamoJavaOptions(opts.LongLived)

	// The two emulators start in parallel: DynamoDB Local's JVM is the slow one.
	c.progress("local cloud: starting fauxqs (S3, SNS, SQS) and DynamoDB Local ...")
	var fqErr, ddbErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.fauxqs, fqErr = emulators.StartFauxqs(ctx, emu) }()
	go func() { defer wg.Done(); c.dynamo, ddbErr = emulators.StartDynamoDB(ctx, emu) }()
	wg.Wait()
	if err := errors.Join(fqErr, ddbErr); err != nil {
		return nil, fmt.Errorf("cloud: %w", err)
	}
	c.progress("local cloud: emulators ready (fauxqs pid %d, DynamoDB Local pid %d) in %s", c.fauxqs.Pid(), c.dynamo.Pid(), since(begin))

	if err := c.makeKeys(); err != nil {
		return nil, err
	}
	if err := c.loadIAM(); err != nil {
		return nil, err
	}
	// fauxqs directly (sampling, topic lookups): its secret on every request; it checks no signature.
	internal := credentials.NewStaticCredentialsProvider(PrincipalInternal, "-", "")
	direct := aws.String(c.fauxqs.Endpoint().String())
	c.gw = gateway.New(gateway.Options{Port: opts.Port, Logger: c.log, Keys: c.keys, Region: Region, Authorize: c.authorize})
	addr, err := c.gw.Listen(runCtx)
	if err != nil {
		return nil, fmt.Errorf("cloud: %w", err)
	}
	c.endpoint = "http://" + addr

	c.metrics = cloudwatch.NewStore()
	sqsMetrics := cloudwatch.NewSQSMetrics(c.metrics, cloudwatch.SQSMetricsOptions{
		Queues: sqs.New(sqs.Options{Region: Region, Credentials: internal, BaseEndpoint: direct, HTTPClient: c.fauxqs.HTTPClient()}),
		Fauxqs: c.fauxqs.SecretURL(),
	})
	go sqsMetrics.Run(runCtx)
	// Deliveries go through the gateway so the SQS metrics see them, each signed as the service
	// principal that delivers in AWS; topic lookups go to fauxqs.
	snsSvc := sns.New(sns.Options{
		Topics:    awssns.New(awssns.Options{Region: Region, Credentials: internal, BaseEndpoint: direct, HTTPClient: c.fauxqs.HTTPClient()}),
		Queues:    sqs.NewFromConfig(c.as(PrincipalSNS)),
		Metrics:   c.metrics,
		Region:    Region,
		Logger:    c.log,
		Authorize: c.authorizePublish,
		Context:   runCtx, // a stopping cloud stops retrying deliveries
	})
	// Alarm actions: every 2 s the alarms with actions are evaluated and their changes' actions run
	// (AWS evaluates each minute; SetAlarmState's actions run at once there, within 2 s here). A
	// notification is published as the account's own (a topic's default policy lets CloudWatch
	// publish in its account); only SNS topics are targets here.
	go c.metrics.RunAlarmActions(runCtx, 2*time.Second, func(ctx context.Context, a cloudwatch.Action) error {
		if !strings.HasPrefix(a.Target, "arn:aws:sns:") {
			return fmt.Errorf("the local cloud runs SNS notification actions only, not %s", a.Target)
		}
		_, err := snsSvc.Publish(ctx, sns.PublishInput{TopicArn: a.Target, Subject: a.Subject, Message: a.Message})
		return err
	})
	notifier := s3events.New(s3events.Options{Queues: sqs.NewFromConfig(c.as(PrincipalS3)), Topics: snsSvc, Region: Region,
		AccountID: AccountID, Logger: c.log})

	for _, svc := range []string{"s3", "sqs", "sns"} {
		h := c.fauxqs.Header()
		h.Set(emulators.ServiceHeader, svc) // S3's bodies stay bytes whatever their type (emulators.StartFauxqs)
		c.gw.ProxyTo(svc, gateway.Upstream{URL: c.fauxqs.Endpoint(), Header: h, PathStyle: svc == "s3"})
	}
	c.gw.Proxy("dynamodb", c.dynamo.Endpoint(), c.dynamo.Dial)
	c.gw.Use("dynamodb", dynamoTypes) // an attribute value of the wrong JSON type, before DynamoDB Local's 500
	c.gw.Use("dynamodb", c.dynamoTables)
	c.gw.Use("dynamodb", c.dynamoARNs) // after dynamoTables: the ARNs left are this region's and account's
	c.gw.Use("dynamodb", c.dynamoSettingsMiddleware(&dynamoSettings{tables: map[string]*dynamoTableSettings{}, now: time.Now}))
	c.gw.Use("dynamodb", c.dynamoMessages) // DynamoDB's words for DynamoDB Local's errors
	for _, svc := range []string{"s3", "sqs", "sns"} {
		c.gw.Use(svc, servedAs(svc)) // outermost: a request the emulator serves as another service is refused
	}
	c.gw.Use("s3", (&s3Served{}).Middleware) // what the interceptors and the emulator serve
	c.gw.Use("s3", notifier.Middleware)
	c.gw.Use("s3", c.bucketPolicies)
	c.gw.Use("sns", endpointHostOnly) // as s3Served for S3
	c.gw.Use("sqs", endpointHostOnly)
	c.gw.Use("sns", snsSvc.Middleware)
	c.gw.Use("sns", c.topicPolicies)
	c.gw.Use("sqs", sqsMetrics.Middleware)
	c.gw.Use("sqs", c.queuePolicies)
	c.gw.Use("sqs", localsqs.Owner(AccountID))           // another account's queue does not exist here
	c.gw.Use("sqs", localsqs.Checks)                     // what SQS refuses and fauxqs lets through, after the queue's policy (AccessDenied first)
	c.gw.Use("sqs", localsqs.NewSSE().Interceptor)       // SqsManagedSseEnabled, which fauxqs drops
	c.gw.Use("sqs", localsqs.NewPurges(nil).Interceptor) // a queue purged at most once a minute, as SQS allows
	c.gw.Use("sqs", localsqs.ListQueues)
	c.gw.Use("sqs", localsqs.ListDeadLetterSourceQueues)
	c.gw.Use("sqs", localsqs.NewMoveTasks(runCtx).Interceptor) // dead-letter queue redrive
	c.gw.Use("sqs", localsqs.MessageAttributes)                // a receive gets the attributes it names, of the long poll's one answer
	c.gw.Use("sqs", localsqs.LongPoll)                         // innermost: the metrics above see one answer per receive
	c.params = ssm.New()
	c.gw.Handle("ssm", c.params)
	c.gw.Handle("sts", sts.Handler{})
	c.gw.Handle("monitoring", c.metrics.Handler())
	c.logs = logs.New(Region, AccountID)
	c.gw.Handle("logs", c.logs.Handler())
	c.startDashboards(runCtx)

	c.lambda, err = lambda.New(lambda.Options{
		Dir: filepath.Join(opts.Dir, "lambda"), Region: Region, AccountID: AccountID, Endpoint: c.endpoint,
		Credentials: c.roleCredentials, Logger: c.log, Logs: c.logs,
		Metric: func(m lambda.Metric) {
			var dims map[string]string // the account's metric
			if m.Function != "" {
				dims = map[string]string{"FunctionName": m.Function}
			}
			c.metrics.Put(cloudwatch.Datum{Namespace: "AWS/Lambda", Name: m.Name, Dimensions: dims, Value: m.Value, Unit: m.Unit, Time: m.Time})
		},
		EMF: func(fn string, line []byte) {
			if data, ok := cloudwatch.ParseEMF(line); ok {
				c.metrics.Put(data...)
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("cloud: %w", err)
	}
	c.gw.Handle("lambda", c.lambda.Handler())
	// A mapping polls as its function's role (esm.Mapping.Role); the internal client serves none.
	c.esm, err = esm.New(runCtx, esm.Options{SQS: sqs.NewFromConfig(c.as(PrincipalInternal)), SQSAs: c.sqsAs,
		Lambda: c.lambda, Region: Region, AccountID: AccountID, Logger: c.log})
	if err != nil {
		return nil, fmt.Errorf("cloud: %w", err)
	}
	c.gw.Use("lambda", c.esm.Interceptor) // the mappings' part of the Lambda API

	c.progress("local cloud: starting Step Functions (aws-local-stepfunctions on Node 22) ...")
	c.sfn = sfn.New(sfn.Options{
		Dir:             filepath.Join(opts.Dir, "sfn"),
		Call:            c.callTask,
		Log:             c.log,
		AuthorizeTarget: c.authorizeTarget,
	})
	if err := os.MkdirAll(filepath.Join(opts.Dir, "sfn"), 0o755); err != nil {
		return nil, fmt.Errorf("cloud: %w", err)
	}
	if err := c.sfn.Start(ctx); err != nil {
		return nil, fmt.Errorf("cloud: %w", err)
	}
	c.gw.Handle("states", c.sfn.Handler())

	if err := c.writeState(); err != nil {
		return nil, err
	}
	c.progress("local cloud: ready at %s in %s", c.endpoint, since(begin))
	if u := c.DashboardsURL(); u != "" {
		c.progress("local cloud: live dashboards at %s", u)
	}
	return c, nil
}

func since(t time.Time) string { return time.Since(t).Round(100 * time.Millisecond).String() }

// Endpoint is the gateway URL, AWS_ENDPOINT_URL for every client.
func (c *Cloud) Endpoint() string { return c.endpoint }

// Metrics is the CloudWatch store (for reports and tests).
func (c *Cloud) Metrics() *cloudwatch.Store { return c.metrics }

// Parameters is the Parameter Store, with the history of every write (for tests).
func (c *Cloud) Parameters() *ssm.Service { return c.params }

// Lambda is the function runner (for log paths and tests).
func (c *Cloud) Lambda() *lambda.Service { return c.lambda }

// StepFunctions is the state machine service (for waiting on executions).
func (c *Cloud) StepFunctions() *sfn.Service { return c.sfn }

// Pids are the process ids the cloud started and still owns: emulators, interpreter, sandboxes.
func (c *Cloud) Pids() []int {
	var pids []int
	for _, p := range []*emulators.Process{c.fauxqs, c.dynamo} {
		if p != nil {
			pids = append(pids, p.Pid())
		}
	}
	if c.lambda != nil {
		for _, f := range c.lambda.Functions() {
			pids = append(pids, c.lambda.Pids(f.Name)...)
		}
	}
	return pids
}

// Close stops everything the cloud started, by pid, and removes the state file. Safe to call more
// than once and after a failed Start.
func (c *Cloud) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	var errs []error
	if c.esm != nil {
		c.esm.Close() // pollers first: nothing new is invoked
	}
	if c.lambda != nil {
		if err := c.lambda.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.sfn != nil {
		if err := c.sfn.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.controlSrv != nil {
		c.controlSrv.Close()
	}
	if c.dashboards != nil {
		c.dashboards.Close()
	}
	if c.gw != nil {
		c.gw.Close()
	}
	c.cancel()
	for _, p := range []*emulators.Process{c.fauxqs, c.dynamo} {
		if p != nil {
			if err := p.Stop(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	os.Remove(statePath(c.opts.Dir))
	os.Remove(credentialsPath(c.opts.Dir))
	if c.logFile != nil {
		c.logFile.Close()
	}
	c.lock.Close() // last: the directory is free once its files are this start's no more
	return errors.Join(errs...)
}

// stateMachines adapts local/sfn to the deployer.
type stateMachines struct{ s *sfn.Service }

func (a stateMachines) CreateStateMachine(name, arn, definition, roleArn string) error {
	return a.s.CreateStateMachine(name, arn, definition, roleArn)
}

func (a stateMachines) DeleteStateMachine(arn string) error { a.s.DeleteStateMachine(arn); return nil }

func (a stateMachines) AddRule(r template.Rule) error {
	rule := sfn.Rule{Name: r.Name, Arn: r.Arn, Pattern: r.EventPattern}
	if !r.Enabled {
		return nil
	}
	for _, t := range r.Targets {
		st := sfn.Target{ID: t.ID, Arn: t.Arn, RoleArn: t.RoleArn, Input: t.Input, InputPath: t.InputPath}
		if t.InputTransformer != nil {
			st.InputTransformer = &sfn.InputTransformer{InputPathsMap: t.InputTransformer.InputPathsMap, InputTemplate: t.InputTransformer.InputTemplate}
		}
		rule.Targets = append(rule.Targets, st)
	}
	return a.s.AddRule(rule)
}

func (a stateMachines) RemoveRule(name string) error { a.s.RemoveRule(name); return nil }

// State is what the state file records, so other commands find a running local cloud.
type State struct {
	Pid      int       `json:"pid"`
	Endpoint string    `json:"endpoint"`
	Region   string    `json:"region"`
	Started  time.Time `json:"started"`
	Pids     []int     `json:"pids"`              // emulator processes, for diagnostics
	Control  string    `json:"control,omitempty"` // control API (RemoteDeploy, Stop)
	Token    string    `json:"token,omitempty"`   // required by the control API
	// Dashboards is the live dashboard pages' index, token included (the file is the user's only).
	Dashboards string `json:"dashboards,omitempty"`
	// AccessKeyID and SecretAccessKey are the user's key of this start (Credentials, ClientEnv).
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
}

func statePath(dir string) string { return filepath.Join(dir, "cloud.json") }

func (c *Cloud) writeState() error {
	c.mu.Lock()
	st := State{Pid: os.Getpid(), Endpoint: c.endpoint, Region: Region, Started: time.Now().UTC(), Pids: c.Pids(),
		Control: c.control, Token: c.controlToken, Dashboards: c.DashboardsURL(),
		AccessKeyID: c.user.AccessKeyID, SecretAccessKey: c.user.SecretAccessKey}
	c.mu.Unlock()
	b, _ := json.MarshalIndent(st, "", "  ")
	// Written aside and renamed, so `chaoslab local env` never reads half a file.
	tmp := statePath(c.opts.Dir) + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("cloud: state file: %w", err)
	}
	if err := os.Rename(tmp, statePath(c.opts.Dir)); err != nil {
		return fmt.Errorf("cloud: state file: %w", err)
	}
	return nil
}

// ErrNotRunning is returned by ReadState when no local cloud runs from the directory.
var ErrNotRunning = errors.New("no local cloud is running")

// StartingError is ReadState's answer for a directory a local cloud is starting in: it holds the
// directory's lock and has written no state yet. It is an ErrNotRunning (not serving yet); Stop
// stops it by its pid.
type StartingError struct {
	Dir string
	Pid int
}

func (e *StartingError) Error() string {
	return fmt.Sprintf("%v from %s yet: a local cloud is starting there (pid %d)", ErrNotRunning, e.Dir, e.Pid)
}

func (e *StartingError) Unwrap() error { return ErrNotRunning }

// ReadState finds the local cloud running from dir. A state file whose process is gone, or whose
// pid no longer holds the directory's lock (given to another process since), is stale: it and the
// start's key file are removed and ErrNotRunning returned.
func ReadState(dir string) (State, error) {
	b, err := os.ReadFile(statePath(dir))
	if errors.Is(err, os.ErrNotExist) {
		if pid, ok := dirlock.Holder(lockPath(dir)); ok {
			return State{}, &StartingError{Dir: dir, Pid: pid}
		}
		return State{}, fmt.Errorf("%w from %s (start one with `chaoslab local up`, or name its directory with -dir)", ErrNotRunning, dir)
	}
	if err != nil {
		return State{}, err
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return State{}, fmt.Errorf("%s: %w", statePath(dir), err)
	}
	held, known := dirlock.Held(lockPath(dir))
	// The state's pid is the cloud's while it lives and holds the directory; the kernel names the
	// holder, so a state file left by a killed cloud whose pid was given to another process, while
	// a new start holds the directory, is not taken for a running cloud (Stop would signal that pid).
	holder, named := dirlock.Holder(lockPath(dir))
	if st.Pid > 0 && syscall.Kill(st.Pid, 0) == nil && (held || !known) && (!named || holder == st.Pid) {
		return st, nil
	}
	if held {
		// Another start holds the directory and has not written its state yet: the file read is
		// its predecessor's, or it is being replaced; either way it is not this reader's to remove.
		if named {
			return State{}, &StartingError{Dir: dir, Pid: holder}
		}
		return State{}, fmt.Errorf("%w from %s yet (a local cloud is starting there)", ErrNotRunning, dir)
	}
	os.Remove(statePath(dir))
	os.Remove(credentialsPath(dir))
	return State{}, fmt.Errorf("%w from %s (%w, of pid %s, removed; start one with `chaoslab local up`)", ErrNotRunning, dir, ErrStaleState, strconv.Itoa(st.Pid))
}

// dynamoJavaOptions are DynamoDB Local's extra JVM options: the full JIT for a long-lived cloud. The
// emulator adds the user's $CHAOSLAB_DYNAMODB_JAVA_OPTS after them.
func dynamoJavaOptions(longLived bool) []string {
	if longLived {
		return []string{"-XX:TieredStopAtLevel=4"}
	}
	return nil
}
