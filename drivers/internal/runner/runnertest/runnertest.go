// Package runnertest is a small local cloud for the tests that run experiments: the runner's and
// chaoslab run's. It serves Parameter Store, CloudWatch and Step Functions (on the real ASL
// interpreter) behind one gateway, and registers a stand-in for the stack's experiment state
// machine (machine.asl.json) ending with the verdict a test asks for.
//
// One cloud serves a test binary: TestMain starts it, and each test that needs it asks for it
// (and is skipped when it did not start: no Node 22, see local/sfn):
//
//	func TestMain(m *testing.M) { os.Exit(runnertest.Main(m)) }
//
//	lc := runnertest.Need(t)
//	arn := lc.Machine(t, experiments.VerdictHeld, "fault-param")
//	lc.Steady()                        // the metric exp_1 probes, now
//	lc.AbortGuard(t, arn)              // the stack's rule: an aborted execution is rolled back
//	lc.Param(t, "fault-param")         // the fault parameter after the run
package runnertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ssmapi "github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
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

// shared is the test binary's cloud, started by Main.
var shared struct {
	c   *Cloud
	err error
}

// Main starts the test binary's cloud, runs the tests and stops the cloud: TestMain's body,
// os.Exit(runnertest.Main(m)). The tests run also when the cloud did not start; Need skips them.
func Main(m *testing.M) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	shared.c, shared.err = Start(ctx)
	if shared.err == nil {
		defer shared.c.Close()
	}
	return m.Run()
}

// Need returns the test binary's cloud (Main), or skips t when it did not start.
func Need(t testing.TB) *Cloud {
	t.Helper()
	if shared.c == nil {
		t.Skipf("local cloud unavailable: %v", shared.err)
	}
	return shared.c
}

// AWSConfig is a config for clients of the test binary's cloud, or the reason it did not start:
// for code under test that loads its own config.
func AWSConfig(context.Context) (aws.Config, error) {
	if shared.c == nil {
		return aws.Config{}, fmt.Errorf("local cloud unavailable: %v", shared.err)
	}
	return shared.c.AWS, nil
}

// Close stops the services and the gateway.
func (c *Cloud) Close() { c.close() }

// Machine registers the stand-in machine, ending with verdict and writing the fault to param, and
// returns its ARN.
func (c *Cloud) Machine(t testing.TB, verdict, param string) string {
	t.Helper()
	pass, status := "true", experiments.ProbeOK
	if verdict != experiments.VerdictHeld {
		pass, status = "false", experiments.ProbeDeviated
	}
	now := time.Now().UTC()
	def := strings.NewReplacer("__VERDICT__", verdict, "__PARAM__", param, "__PASS__", pass, "__STATUS__", status,
		"__START__", now.Add(-10*time.Minute).Format(time.RFC3339), "__END__", now.Add(10*time.Minute).Format(time.RFC3339)).Replace(machineSrc)
	name := fmt.Sprintf("%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), c.seq.Add(1))
	arn := "arn:aws:states:" + Region + ":" + Account + ":stateMachine:" + name
	if err := c.States.CreateStateMachine(name, arn, def, "arn:aws:iam::"+Account+":role/x"); err != nil {
		t.Fatal(err)
	}
	return arn
}

// AbortGuard registers the EventBridge rule the stack's Experiment construct declares: an
// aborted or timed-out execution of machineArn starts machineArn with {"rollbackOf": <ARN>}.
func (c *Cloud) AbortGuard(t testing.TB, machineArn string) {
	t.Helper()
	pattern, _ := json.Marshal(map[string]any{"source": []string{"aws.states"},
		"detail-type": []string{"Step Functions Execution Status Change"},
		"detail":      map[string]any{"status": []string{"ABORTED", "TIMED_OUT"}, "stateMachineArn": []string{machineArn}}})
	err := c.States.AddRule(sfn.Rule{Name: strings.ReplaceAll(t.Name(), "/", "-"), Pattern: pattern, Targets: []sfn.Target{{
		ID: "Target0", Arn: machineArn, InputTransformer: &sfn.InputTransformer{
			InputPathsMap: map[string]string{"arn": "$.detail.executionArn"}, InputTemplate: `{"rollbackOf":<arn>}`}}}})
	if err != nil {
		t.Fatal(err)
	}
}

// Outputs are the stack outputs a run on the stand-in machine machineArn needs: the names the
// shipped experiments' probes read (only exp_1's zero-sns-errors reads a metric: of csv-topic).
func Outputs(machineArn, param string) map[string]string {
	return map[string]string{"ExperimentStateMachineArn": machineArn, "FaultParameterName": param, "TopicName": "csv-topic",
		"JsonQueueName": "json-q", "CsvQueueName": "csv-q", "TableName": "tbl", "FunctionName": "fn"}
}

// Steady records, now, the metric that exp_1's zero-sns-errors probe reads: no notification
// failed on the topic of Outputs. Call it at the start of a test that runs exp_1.
func (c *Cloud) Steady() {
	c.Metrics.Add("AWS/SNS", "NumberOfNotificationsFailed", map[string]string{"TopicName": "csv-topic"}, 0)
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
