// Package runnertest is a small local cloud for the tests that run experiments: the runner's and
// chaoslab run's. It serves Parameter Store, CloudWatch and Step Functions (on the real ASL
// interpreter) behind one gateway, and registers a stand-in for the stack's experiment state
// machine (machine.asl.json) ending with the verdict a test asks for.
//
// One cloud serves a test binary: the first test that needs it starts it (not under -short), and
// TestMain stops it. When it did not start (no Node 22, see local/sfn) Need skips the test, or fails
// it under CI (testenv.Require); under -short it skips (testenv.SkipIfShort).
//
//	func TestMain(m *testing.M) { os.Exit(runnertest.Main(m)) }
//
//	lc := runnertest.Need(t)
//	arn := lc.Machine(t, experiments.VerdictHeld, "fault-param")
//	arn = lc.FailingMachine(t, "fault-param") // fails with States.Runtime before its rollback
//	lc.Steady()                        // the metric exp_1 probes, now
//	lc.RollbackGuard(t, arn)           // the stack's rule: a run that skipped its rollbacks is rolled back
//	lc.Param(t, "fault-param")         // the fault parameter after the run
package runnertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ssmapi "github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
	"github.com/chaoslab/serverless-chaos-lab/local/cloudwatch"
	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/sfn"
	"github.com/chaoslab/serverless-chaos-lab/local/ssm"
)

// Region and Account are those of every ARN the cloud makes.
const Region, Account = "us-east-1", "123456789012"

//go:embed machine.asl.json
var machineSrc string

// Cloud is the running local cloud.
type Cloud struct {
	// Endpoint is the gateway's URL; AWS a config for clients of it.
	Endpoint string
	AWS      aws.Config
	// States is the Step Functions service; Metrics the CloudWatch store the probes read.
	States  *sfn.Service
	Metrics *cloudwatch.Store

	close func()
	seq   atomic.Int64 // makes machine names unique, so `go test -count=N` works
}

// Start starts the gateway and the services on 127.0.0.1 until ctx ends or Close.
func Start(ctx context.Context) (_ *Cloud, err error) {
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	c := &Cloud{Metrics: cloudwatch.NewStore()}
	gw := gateway.New(gateway.Options{Logger: log})
	gw.Handle("ssm", ssm.New())
	gw.Handle("monitoring", c.Metrics.Handler())
	addr, err := gw.Listen(ctx)
	if err != nil {
		return nil, err
	}
	c.Endpoint = "http://" + addr
	c.AWS = aws.Config{Region: Region, BaseEndpoint: aws.String(c.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", "")}
	caller := sfn.NewSDKCallerForEndpoint(c.Endpoint)
	c.States = sfn.New(sfn.Options{Log: log, Call: caller.Call})
	gw.Handle("states", c.States.Handler())
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := c.States.Start(sctx); err != nil {
		gw.Close()
		return nil, err
	}
	c.close = func() {
		c.States.Close()
		gw.Close()
	}
	return c, nil
}

// shared is the test binary's cloud, started by the first test that asks for it (Need,
// AWSConfig) and stopped by Main.
var shared struct {
	once   sync.Once
	short  bool // under -short nothing starts
	c      *Cloud
	err    error
	cancel context.CancelFunc
}

// Main runs the tests and stops the test binary's cloud if one of them started it: TestMain's
// body, os.Exit(runnertest.Main(m)). The cloud starts on first use, so a run whose tests do not
// need it (go test -run, -short, a build check with -run '^$') starts no Node process at all.
func Main(m *testing.M) int {
	flag.Parse() // for testing.Short, before m.Run parses the flags
	shared.short = testing.Short()
	code := m.Run()
	if shared.c != nil {
		shared.c.Close()
	}
	if shared.cancel != nil {
		shared.cancel()
	}
	return code
}

// cloud starts the test binary's cloud on its first call and returns it, or why it did not start.
func cloud() (*Cloud, error) {
	shared.once.Do(func() {
		if shared.short {
			shared.err = errors.New("not started under -short")
			return
		}
		var ctx context.Context
		ctx, shared.cancel = context.WithCancel(context.Background())
		shared.c, shared.err = Start(ctx)
	})
	return shared.c, shared.err
}

// Need returns the test binary's cloud, starting it on first use. When it did not start, t is
// skipped under -short, skipped elsewhere too, or failed under CI (testenv.Require), with the
// reason.
func Need(t testing.TB) *Cloud {
	t.Helper()
	testenv.SkipIfShort(t, "runs experiments on the local cloud's Step Functions (Node)")
	c, err := cloud()
	testenv.Require(t, "the local cloud's Step Functions (Node 22 and aws-local-stepfunctions: make deps)", err)
	return c
}

// AWSConfig is a config for clients of the test binary's cloud (starting it on first use), or the
// reason it did not start: for code under test that loads its own config.
func AWSConfig(context.Context) (aws.Config, error) {
	c, err := cloud()
	if err != nil {
		return aws.Config{}, fmt.Errorf("local cloud unavailable: %v", err)
	}
	return c.AWS, nil
}

// Close stops the services and the gateway.
func (c *Cloud) Close() { c.close() }

// Machine registers the stand-in machine, ending with verdict and writing the fault to param, and
// returns its ARN.
func (c *Cloud) Machine(t testing.TB, verdict, param string) string {
	t.Helper()
	return c.register(t, verdict, param, nil)
}

// MachineWithTimeout registers the stand-in machine as Machine does, with a TimeoutSeconds.
func (c *Cloud) MachineWithTimeout(t testing.TB, verdict, param string, seconds int) string {
	t.Helper()
	return c.registerDef(t, verdict, param, func(def map[string]any) { def["TimeoutSeconds"] = seconds })
}

// register registers the stand-in, its States changed by edit (when not nil), and returns its ARN.
func (c *Cloud) register(t testing.TB, verdict, param string, edit func(states map[string]any)) string {
	t.Helper()
	if edit == nil {
		return c.registerDef(t, verdict, param, nil)
	}
	return c.registerDef(t, verdict, param, func(def map[string]any) { edit(def["States"].(map[string]any)) })
}

// registerDef registers the stand-in, its definition changed by edit (when not nil), and returns
// its ARN.
func (c *Cloud) registerDef(t testing.TB, verdict, param string, edit func(def map[string]any)) string {
	t.Helper()
	pass, status := "true", experiments.ProbeOK
	if verdict != experiments.VerdictHeld {
		pass, status = "false", experiments.ProbeDeviated
	}
	now := time.Now().UTC()
	def := strings.NewReplacer("__VERDICT__", verdict, "__PARAM__", param, "__PASS__", pass, "__STATUS__", status,
		"__START__", now.Add(-10*time.Minute).Format(time.RFC3339), "__END__", now.Add(10*time.Minute).Format(time.RFC3339)).Replace(machineSrc)
	if edit != nil {
		var m map[string]any
		if err := json.Unmarshal([]byte(def), &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		def = string(b)
	}
	name := fmt.Sprintf("%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), c.seq.Add(1))
	arn := "arn:aws:states:" + Region + ":" + Account + ":stateMachine:" + name
	if err := c.States.CreateStateMachine(name, arn, def, "arn:aws:iam::"+Account+":role/x"); err != nil {
		t.Fatal(err)
	}
	return arn
}

// FailingMachine registers a stand-in machine that writes the fault to param, pauses, then fails
// with States.Runtime (a Pass state reading a field its input lacks) before its rollback: the
// failure no Catch sees, which the rollback guard (RollbackGuard) rolls back. It returns its ARN.
func (c *Cloud) FailingMachine(t testing.TB, param string) string {
	t.Helper()
	return c.register(t, experiments.VerdictHeld, param, func(states map[string]any) {
		states["Pause"].(map[string]any)["Next"] = "Runtime error"
		states["Runtime error"] = map[string]any{"Type": "Pass", "Parameters": map[string]any{"x.$": "$.no.such.field"}, "Next": "Rollback"}
	})
}

// JournalingMachine registers a stand-in machine that carries its journal in its state data as it
// goes and records its fault write in an Action.Record state, as the experiment machine does: an
// execution stopped during its pause leaves the history a run's journal is recovered from
// (experiments.RecoverJournal). Only its way to the end of its pause is the experiment machine's.
func (c *Cloud) JournalingMachine(t testing.TB, param string) string {
	t.Helper()
	return c.register(t, experiments.VerdictHeld, param, func(states map[string]any) {
		type obj = map[string]any
		states["Probe before"].(obj)["Next"] = "Journal so far"
		states["Journal so far"] = obj{"Type": "Pass", "Parameters": obj{
			"journal": obj{"title.$": "$.title", "executionArn.$": "$$.Execution.Id", "startedAt.$": "$$.State.EnteredTime",
				"before": []any{obj{"name.$": "$.steadyState.probes[0].name", "tolerance.$": "$.steadyState.probes[0].tolerance",
					"value.$": "$.probe.value", "status": experiments.ProbeOK, "pass": true}}},
			"action.$": "$.method[0]"}, "Next": "Inject fault"}
		inject := states["Inject fault"].(obj)
		inject["Parameters"].(obj)["Value.$"] = "States.JsonToString($.action.value)"
		inject["Next"] = "Action.Record"
		states["Action.Record"] = obj{"Type": "Pass", "Parameters": obj{"action.$": "$.action",
			"record": obj{"putAt.$": "$$.State.EnteredTime"}}, "Next": "Pause"}
		states["Pause"].(obj)["SecondsPath"] = "$.action.pauseAfterSeconds"
	})
}

// GuardedMachine registers a stand-in machine that checks a guard once in its pause, as the
// experiment machine's guard records a check: a Guard.OK state whose data holds the judged probe
// at $.result and the action's name at $.action (experiments.GuardChecks reads them from the
// history). The check reads value, inside the probe's tolerance. It returns the machine's ARN.
func (c *Cloud) GuardedMachine(t testing.TB, param string, value float64) string {
	t.Helper()
	return c.register(t, experiments.VerdictHeld, param, func(states map[string]any) {
		type obj = map[string]any
		states["Inject fault"].(obj)["Next"] = "Guard.Input"
		states["Guard.Input"] = obj{"Type": "Pass", "Result": "Inject fault", "ResultPath": "$.action", "Next": "Guard.OK"}
		states["Guard.OK"] = obj{"Type": "Pass", "Parameters": obj{"name.$": "$.steadyState.probes[0].name",
			"query.$": "$.steadyState.probes[0].query", "tolerance.$": "$.steadyState.probes[0].tolerance", "value": value,
			"status": experiments.ProbeOK, "pass": true, "start.$": "$.injected.at", "end.$": "$$.State.EnteredTime"},
			"ResultPath": "$.result", "Next": "Pause"}
	})
}

// RollbackGuard registers the EventBridge rule the stack's Experiment construct declares, with its
// very pattern and input (experiments.RollbackPattern): an execution of machineArn that is aborted,
// times out, or fails with an error that is not one of the machine's own Fail states starts
// machineArn with {"rollbackOf": <ARN>}.
func (c *Cloud) RollbackGuard(t testing.TB, machineArn string) {
	t.Helper()
	pattern, err := json.Marshal(experiments.RollbackPattern(machineArn))
	if err != nil {
		t.Fatal(err)
	}
	name := strings.ReplaceAll(t.Name(), "/", "-")
	err = c.States.AddRule(sfn.Rule{Name: name, Pattern: pattern, Targets: []sfn.Target{{
		ID: "Target0", Arn: machineArn, InputTransformer: &sfn.InputTransformer{
			InputPathsMap: experiments.RollbackInputPaths(), InputTemplate: experiments.RollbackInputTemplate}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.States.RemoveRule(name) })
}

// Outputs are the stack outputs a run on the stand-in machine machineArn needs: the names the
// shipped experiments' probes read (only exp_1's zero-sns-errors reads a metric: of csv-topic).
func Outputs(machineArn, param string) map[string]string {
	return map[string]string{"ExperimentStateMachineArn": machineArn, "FaultParameterName": param, "TopicName": "csv-topic",
		"JsonQueueName": "json-q", "CsvQueueName": "csv-q", "TableName": "tbl", "FunctionName": "fn", "Scenario": "flawed"}
}

// Steady records, now, the metric that exp_1's zero-sns-errors probe reads: no notification
// failed on the topic of Outputs. Call it at the start of a test that runs exp_1.
func (c *Cloud) Steady() {
	c.Metrics.Add("AWS/SNS", "NumberOfNotificationsFailed", map[string]string{"TopicName": "csv-topic"}, 0)
}

// SetParam writes value to the parameter name, as a fault written elsewhere would be.
func (c *Cloud) SetParam(t testing.TB, name, value string) {
	t.Helper()
	if _, err := ssmapi.NewFromConfig(c.AWS).PutParameter(context.Background(), &ssmapi.PutParameterInput{Name: aws.String(name),
		Value: aws.String(value), Type: "String", Overwrite: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
}

// Param is the value of the parameter name.
func (c *Cloud) Param(t testing.TB, name string) string {
	t.Helper()
	out, err := ssmapi.NewFromConfig(c.AWS).GetParameter(context.Background(), &ssmapi.GetParameterInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Parameter.Value)
}
