package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sfnapi "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/chaoslab/serverless-chaos-lab/internal/poll"
	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/ssm"
)

// One interpreter child and one endpoint for the whole test binary: Step Functions (this package's
// Handler) and the local Parameter Store behind the local cloud's gateway on 127.0.0.1.
var (
	svc      *Service
	endpoint string
	client   *sfnapi.Client
	params   = ssm.New()
	metrics  = &metricCalls{}
)

const (
	region  = "us-east-1"
	account = "123456789012"
)

func machineArn(name string) string {
	return "arn:aws:states:" + region + ":" + account + ":stateMachine:" + name
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	// The local cloud's real gateway and Parameter Store; CloudWatch is a recording fake below.
	gw := gateway.New(gateway.Options{Logger: log})
	gw.Handle("ssm", params)
	gctx, gcancel := context.WithCancel(context.Background()) // the gateway serves until run returns
	defer gcancel()
	addr, err := gw.Listen(gctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		return 1
	}
	defer gw.Close()
	endpoint = "http://" + addr
	caller := NewSDKCallerForEndpoint(endpoint)

	svc = New(Options{
		Log: log,
		Dir: mustTempDir(),
		// CloudWatch is answered by a recording fake (the test asserts what the Task sent); every
		// other service through the real SDK caller and the real clients.
		Call: func(ctx context.Context, service, action string, p json.RawMessage) (json.RawMessage, error) {
			if service == "cloudwatch" && action == "getMetricData" {
				task, _ := TaskFromContext(ctx)
				return metrics.getMetricData(task, p)
			}
			return caller.Call(ctx, service, action, p)
		},
	})
	gw.Handle("states", svc.Handler())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := svc.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "start:", err)
		return 1
	}
	defer os.RemoveAll(svc.opts.Dir)
	defer func() {
		if err := svc.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "close:", err)
		}
	}()
	client = sfnapi.NewFromConfig(aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", ""),
		BaseEndpoint: aws.String(endpoint),
	})
	return m.Run()
}

func mustTempDir() string {
	d, err := os.MkdirTemp("", "sfn-test-")
	if err != nil {
		panic(err)
	}
	return d
}

// metricCalls records the GetMetricData Parameters the state machine sent and answers with the
// value named by the first query's Label.
type metricCalls struct {
	mu    sync.Mutex
	calls []json.RawMessage
	tasks []Task // the Task state of each call, from the call's context
}

func (m *metricCalls) getMetricData(task Task, p json.RawMessage) (json.RawMessage, error) {
	m.mu.Lock()
	m.calls = append(m.calls, p)
	m.tasks = append(m.tasks, task)
	m.mu.Unlock()
	var in struct {
		MetricDataQueries []struct{ Id, Label string }
	}
	if err := json.Unmarshal(p, &in); err != nil || len(in.MetricDataQueries) == 0 {
		return nil, &TaskError{Name: "CloudWatch.InvalidParameterValueException", Cause: "no queries"}
	}
	q := in.MetricDataQueries[0]
	return json.RawMessage(fmt.Sprintf(`{"MetricDataResults":[{"Id":%q,"StatusCode":"Complete","Values":[%s]}]}`, q.Id, q.Label)), nil
}

func (m *metricCalls) last() (map[string]any, Task) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var v map[string]any
	_ = json.Unmarshal(m.calls[len(m.calls)-1], &v)
	return v, m.tasks[len(m.tasks)-1]
}

// machineSeq makes machine names unique per run of a test, so `go test -count=N` works.
var machineSeq atomic.Int64

func create(t *testing.T, name, definition string) string {
	t.Helper()
	name = fmt.Sprintf("%s-%d", name, machineSeq.Add(1))
	arn := machineArn(name)
	if err := svc.CreateStateMachine(name, arn, definition, "arn:aws:iam::"+account+":role/sfn"); err != nil {
		t.Fatalf("CreateStateMachine(%s): %v", name, err)
	}
	return arn
}

func start(t *testing.T, machine, input string) string {
	t.Helper()
	out, err := client.StartExecution(context.Background(), &sfnapi.StartExecutionInput{StateMachineArn: &machine, Input: &input})
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	return *out.ExecutionArn
}

// wait blocks until the execution ends (bounded) and describes it through the SDK.
func wait(t *testing.T, arn string) *sfnapi.DescribeExecutionOutput {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if _, err := svc.WaitExecution(ctx, arn); err != nil {
		t.Fatalf("execution %s did not end: %v", arn, err)
	}
	out, err := client.DescribeExecution(ctx, &sfnapi.DescribeExecutionInput{ExecutionArn: &arn})
	if err != nil {
		t.Fatalf("DescribeExecution: %v", err)
	}
	return out
}

// history reads every event through the SDK paginator, a few per page.
func history(t *testing.T, arn string, reverse bool) []types.HistoryEvent {
	t.Helper()
	var events []types.HistoryEvent
	p := sfnapi.NewGetExecutionHistoryPaginator(client, &sfnapi.GetExecutionHistoryInput{
		ExecutionArn: &arn, MaxResults: 4, ReverseOrder: reverse,
	})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("GetExecutionHistory: %v", err)
		}
		events = append(events, page.Events...)
	}
	return events
}

func eventTypes(events []types.HistoryEvent) []string {
	var out []string
	for _, e := range events {
		out = append(out, string(e.Type))
	}
	return out
}

// containsInOrder reports whether want appears in got as a subsequence.
func containsInOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

const flowDefinition = `{
  "Comment": "probe, decide, pause, fan out SSM writes, read back, catch a missing parameter",
  "StartAt": "Init",
  "States": {
    "Init": {"Type": "Pass", "Parameters": {"items.$": "$.items", "metric.$": "$.metric", "pause": 0, "exec.$": "$$.Execution.Name", "state.$": "$$.State.Name", "label.$": "States.Format('in {}', $$.State.Name)"}, "Next": "Probe"},
    "Probe": {
      "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:cloudwatch:getMetricData",
      "Parameters": {
        "MetricDataQueries": [{"Id": "errors", "Expression": "SUM(METRICS())", "Label.$": "States.Format('{}', $.metric)"}],
        "StartTime.$": "$$.Execution.StartTime", "EndTime.$": "$$.State.EnteredTime"
      },
      "ResultSelector": {"value.$": "$.MetricDataResults[0].Values[0]"},
      "ResultPath": "$.probe", "Next": "Check"
    },
    "Check": {"Type": "Choice", "Choices": [{"Variable": "$.probe.value", "NumericGreaterThan": 10, "Next": "Pause"}], "Default": "Low"},
    "Low": {"Type": "Fail", "Error": "Probe.Low", "Cause": "the metric is below its tolerance"},
    "Pause": {"Type": "Wait", "SecondsPath": "$.pause", "Next": "Fanout"},
    "Fanout": {
      "Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.puts",
      "ItemSelector": {"name.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "exec.$": "$.exec"},
      "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Put", "States": {
        "Put": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ssm:putParameter",
          "Parameters": {"Name.$": "States.Format('/flow/{}/{}', $.exec, $.name)", "Value.$": "States.JsonToString($)", "Type": "String", "Overwrite": true},
          "End": true}
      }},
      "Next": "ReadBack"
    },
    "ReadBack": {
      "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ssm:getParameter",
      "Parameters": {"Name.$": "States.Format('/flow/{}/{}', $.exec, $.items[0])"},
      "ResultSelector": {"value.$": "States.StringToJson($.Parameter.Value)", "modified.$": "$.Parameter.LastModifiedDate"},
      "ResultPath": "$.readBack", "Next": "ReadMissing"
    },
    "ReadMissing": {
      "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ssm:getParameter",
      "Parameters": {"Name": "/flow/missing"},
      "Catch": [{"ErrorEquals": ["Ssm.ParameterNotFoundException"], "ResultPath": "$.missing", "Next": "Done"}],
      "Next": "Done"
    },
    "Done": {"Type": "Succeed"}
  }
}`

func TestExecutionRunsTheDefinition(t *testing.T) {
	flow := create(t, "flow", flowDefinition)
	tests := []struct {
		name       string
		input      string
		wantStatus types.ExecutionStatus
		wantError  string
		wantEvents []string
	}{
		{
			name:       "metric above tolerance: every state runs and SDK tasks reach SSM",
			input:      `{"items": ["a", "b"], "metric": 42}`,
			wantStatus: types.ExecutionStatusSucceeded,
			wantEvents: []string{
				"ExecutionStarted", "PassStateEntered", "PassStateExited",
				"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
				"ChoiceStateEntered", "ChoiceStateExited", "WaitStateEntered", "WaitStateExited",
				"MapStateEntered", "MapStateStarted", "MapIterationStarted", "TaskSucceeded", "MapIterationSucceeded",
				"MapStateSucceeded", "MapStateExited",
				"TaskStateEntered", "TaskSucceeded", "TaskStateExited",
				"TaskStateEntered", "TaskFailed", "TaskStateExited",
				"SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded",
			},
		},
		{
			name:       "metric below tolerance: the Fail state fails the execution",
			input:      `{"items": [], "metric": 3}`,
			wantStatus: types.ExecutionStatusFailed,
			wantError:  "Probe.Low",
			wantEvents: []string{"ExecutionStarted", "TaskSucceeded", "ChoiceStateEntered", "FailStateEntered", "ExecutionFailed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arn := start(t, flow, tt.input)
			out := wait(t, arn)
			if out.Status != tt.wantStatus || aws.ToString(out.Error) != tt.wantError {
				t.Fatalf("status %s error %q cause %q, want %s %q", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause), tt.wantStatus, tt.wantError)
			}
			if out.StartDate == nil || out.StopDate == nil || out.StopDate.Before(*out.StartDate) {
				t.Errorf("start %v stop %v", out.StartDate, out.StopDate)
			}
			// Not redriven, and not redrivable here (no RedriveExecution), saying why.
			if aws.ToInt32(out.RedriveCount) != 0 || out.RedriveCount == nil || out.RedriveStatus != types.ExecutionRedriveStatusNotRedrivable || !strings.Contains(aws.ToString(out.RedriveStatusReason), "does not redrive") {
				t.Errorf("redrive %v %q %q, want 0, NOT_REDRIVABLE and the reason", out.RedriveCount, out.RedriveStatus, aws.ToString(out.RedriveStatusReason))
			}
			events := history(t, arn, false)
			got := eventTypes(events)
			if !containsInOrder(got, tt.wantEvents) {
				t.Fatalf("history\n got %v\nwant (in order) %v", got, tt.wantEvents)
			}
			for i, e := range events {
				if e.Id != int64(i+1) || e.Timestamp == nil {
					t.Fatalf("event %d: id %d timestamp %v", i, e.Id, e.Timestamp)
				}
			}
			reversed := eventTypes(history(t, arn, true))
			if len(reversed) != len(got) || reversed[0] != got[len(got)-1] {
				t.Errorf("reverseOrder: first %v, want %v", reversed[0], got[len(got)-1])
			}
			// The probe got its resolved Parameters, Context Object paths included.
			probe, task := metrics.last()
			if probe["StartTime"] == nil || probe["EndTime"] == nil || probe["MetricDataQueries"] == nil {
				t.Errorf("GetMetricData parameters %v", probe)
			}
			if task != (Task{ExecutionArn: arn, State: "Probe"}) {
				t.Errorf("the call's context names %+v, want this execution's Probe", task)
			}
			if tt.wantStatus != types.ExecutionStatusSucceeded {
				return
			}
			var output struct {
				Puts     []struct{ Version int64 }
				ReadBack struct {
					Value    struct{ Name string }
					Modified string
				}
				Missing      struct{ Error, Cause string }
				State, Label string
			}
			if err := json.Unmarshal([]byte(aws.ToString(out.Output)), &output); err != nil {
				t.Fatalf("output %s: %v", aws.ToString(out.Output), err)
			}
			if output.State != "Init" || output.Label != "in Init" {
				t.Errorf("$$.State.Name gave %q and %q, want Init", output.State, output.Label)
			}
			name := arn[strings.LastIndex(arn, ":")+1:]
			if p, err := params.Get("/flow/" + name + "/b"); err != nil || !strings.Contains(p.Value, `"index":1`) {
				t.Errorf("parameter written by Map iteration 1: %+v %v", p, err)
			}
			if len(output.Puts) != 2 || output.Puts[0].Version != 1 {
				t.Errorf("Map results %+v", output.Puts)
			}
			if output.ReadBack.Value.Name != "a" {
				t.Errorf("read back %+v", output.ReadBack)
			}
			if _, err := time.Parse(isoMillis, output.ReadBack.Modified); err != nil {
				t.Errorf("LastModifiedDate %q is not ISO 8601 with milliseconds: %v", output.ReadBack.Modified, err)
			}
			if output.Missing.Error != "Ssm.ParameterNotFoundException" || !strings.Contains(output.Missing.Cause, "/flow/missing") {
				t.Errorf("caught error %+v", output.Missing)
			}
			for _, e := range events {
				if e.Type == types.HistoryEventTypeMapStateStarted && e.MapStateStartedEventDetails.Length != 2 {
					t.Errorf("MapStateStarted length %d, want 2", e.MapStateStartedEventDetails.Length)
				}
				if e.Type == types.HistoryEventTypeTaskScheduled && aws.ToString(e.TaskScheduledEventDetails.Resource) == "getMetricData" &&
					aws.ToString(e.TaskScheduledEventDetails.ResourceType) != "aws-sdk:cloudwatch" {
					t.Errorf("TaskScheduled %+v", e.TaskScheduledEventDetails)
				}
			}
		})
	}
}

func TestTaskFailuresAndUnsupportedResources(t *testing.T) {
	tests := []struct {
		name       string
		definition string
		wantError  string
		wantCause  string
	}{
		{
			name: "an uncaught SDK error fails the execution with its Step Functions name",
			definition: `{"StartAt": "Get", "States": {"Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ssm:getParameter",
				"Parameters": {"Name": "/nope"}, "End": true}}}`,
			wantError: "Ssm.ParameterNotFoundException",
			wantCause: "/nope",
		},
		{
			name: "an unsupported integration fails even under Catch States.ALL",
			definition: `{"StartAt": "Ec2", "States": {
				"Ec2": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ec2:describeInstances", "Parameters": {},
					"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": true},
				"Caught": {"Type": "Succeed"}}}`,
			wantError: "States.Runtime",
			wantCause: "aws-sdk:ec2:describeInstances is not supported",
		},
		{
			name: "a parameter the SDK input does not have is named",
			definition: `{"StartAt": "Put", "States": {"Put": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ssm:putParameter",
				"Parameters": {"Name": "/x", "Value": "y", "Colour": "red"}, "End": true}}}`,
			wantError: "States.Runtime",
			wantCause: "Colour",
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			machine := create(t, fmt.Sprintf("fail%d", i), tt.definition)
			out := wait(t, start(t, machine, `{}`))
			if out.Status != types.ExecutionStatusFailed || aws.ToString(out.Error) != tt.wantError || !strings.Contains(aws.ToString(out.Cause), tt.wantCause) {
				t.Fatalf("status %s error %q cause %q, want FAILED %q containing %q", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause), tt.wantError, tt.wantCause)
			}
		})
	}
}

// guardRule is what the experiment construct declares: a rule on the experiment machine's executions
// that were aborted, timed out, or failed for a reason other than the machine's own Fail states
// (here: Deliberate), which starts the rollback machine with fields of the event.
func guardRule(name, source, target string) Rule {
	return Rule{
		Name: name,
		Pattern: json.RawMessage(`{"source": ["aws.states"], "detail-type": ["Step Functions Execution Status Change"],
			"detail": {"stateMachineArn": ["` + source + `"], "$or": [
				{"status": ["ABORTED", "TIMED_OUT"]},
				{"status": ["FAILED"], "error": [{"anything-but": ["Deliberate"]}]}]}}`),
		Targets: []Target{{ID: "Target0", Arn: target, InputTransformer: &InputTransformer{
			InputPathsMap: map[string]string{"detail-executionArn": "$.detail.executionArn", "detail-status": "$.detail.status",
				"detail-error": "$.detail.error", "detail-cause": "$.detail.cause", "detail-input": "$.detail.input"},
			InputTemplate: `{"execution":<detail-executionArn>,"status":<detail-status>,"error":<detail-error>,"cause":<detail-cause>,` +
				`"input":<detail-input>,"note":"rolled back after <detail-status>"}`,
		}}},
	}
}

const rollbackDefinition = `{"StartAt": "Rollback", "States": {"Rollback": {"Type": "Task",
	"Resource": "arn:aws:states:::aws-sdk:ssm:putParameter",
	"Parameters": {"Name.$": "States.Format('/rollback/{}', $.status)", "Value.$": "States.JsonToString($)", "Type": "String", "Overwrite": true},
	"ResultPath": null, "End": true}}}`

func TestExecutionEndsStartTheRollback(t *testing.T) {
	tests := []struct {
		name       string
		definition string
		stop       bool
		wantStatus types.ExecutionStatus
		wantEvent  types.HistoryEventType
		wantError  string // of the execution, and in the event the rule saw
		wantCause  string // a part of it
		rollback   bool
	}{
		{
			name:       "StopExecution aborts a waiting execution",
			definition: `{"StartAt": "Pause", "States": {"Pause": {"Type": "Wait", "Seconds": 30, "End": true}}}`,
			stop:       true,
			wantStatus: types.ExecutionStatusAborted,
			wantEvent:  types.HistoryEventTypeExecutionAborted,
			wantError:  "Operator.Stop",
			wantCause:  "stopped by the test",
			rollback:   true,
		},
		{
			name:       "TimeoutSeconds times the execution out",
			definition: `{"TimeoutSeconds": 1, "StartAt": "Pause", "States": {"Pause": {"Type": "Wait", "Seconds": 30, "End": true}}}`,
			wantStatus: types.ExecutionStatusTimedOut,
			wantEvent:  types.HistoryEventTypeExecutionTimedOut,
			wantError:  "States.Timeout",
			wantCause:  "timed out",
			rollback:   true,
		},
		{
			name:       "a runtime error in a Pass state fails the execution with States.Runtime",
			definition: `{"StartAt": "Broken", "States": {"Broken": {"Type": "Pass", "Parameters": {"x.$": "$.missing"}, "End": true}}}`,
			wantStatus: types.ExecutionStatusFailed,
			wantEvent:  types.HistoryEventTypeExecutionFailed,
			wantError:  "States.Runtime",
			wantCause:  "$.missing",
			rollback:   true,
		},
		{
			name:       "a Fail state the rule excludes starts nothing",
			definition: `{"StartAt": "Stop", "States": {"Stop": {"Type": "Fail", "Error": "Deliberate", "Cause": "the machine rolled back already"}}}`,
			wantStatus: types.ExecutionStatusFailed,
			wantEvent:  types.HistoryEventTypeExecutionFailed,
			wantError:  "Deliberate",
			wantCause:  "rolled back already",
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			source := create(t, fmt.Sprintf("experiment%d", i), tt.definition)
			rollback := create(t, "rollback", rollbackDefinition)
			if err := svc.AddRule(guardRule(fmt.Sprintf("guard%d", i), source, rollback)); err != nil {
				t.Fatal(err)
			}
			defer svc.RemoveRule(fmt.Sprintf("guard%d", i))
			arn := start(t, source, `{"experiment": "exp_1"}`)
			if tt.stop {
				waitForEvent(t, arn, types.HistoryEventTypeWaitStateEntered)
				if _, err := client.StopExecution(context.Background(), &sfnapi.StopExecutionInput{
					ExecutionArn: &arn, Error: aws.String("Operator.Stop"), Cause: aws.String("stopped by the test"),
				}); err != nil {
					t.Fatalf("StopExecution: %v", err)
				}
			}
			out := wait(t, arn)
			if out.Status != tt.wantStatus || aws.ToString(out.Error) != tt.wantError || !strings.Contains(aws.ToString(out.Cause), tt.wantCause) {
				t.Fatalf("status %s error %q cause %q, want %s %q containing %q", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause),
					tt.wantStatus, tt.wantError, tt.wantCause)
			}
			events := history(t, arn, false)
			if last := events[len(events)-1].Type; last != tt.wantEvent {
				t.Errorf("last event %s, want %s", last, tt.wantEvent)
			}

			// Once the end is delivered to the rules, the guard rule has decided on this execution.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := svc.WaitEvents(ctx); err != nil {
				t.Fatal(err)
			}
			if !tt.rollback {
				list, err := client.ListExecutions(context.Background(), &sfnapi.ListExecutionsInput{StateMachineArn: &rollback})
				if err != nil || len(list.Executions) != 0 {
					t.Fatalf("the rule started %d rollback executions (%v), want none", len(list.Executions), err)
				}
				return
			}
			// The rule started the rollback machine with the transformed event.
			rb := waitForExecutions(t, rollback, 1)
			done := wait(t, aws.ToString(rb.ExecutionArn))
			if done.Status != types.ExecutionStatusSucceeded {
				t.Fatalf("rollback %s: %s %s", done.Status, aws.ToString(done.Error), aws.ToString(done.Cause))
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(aws.ToString(done.Input)), &got); err != nil {
				t.Fatalf("rollback input %q: %v", aws.ToString(done.Input), err)
			}
			want := map[string]any{"execution": arn, "status": string(tt.wantStatus), "error": tt.wantError, "cause": aws.ToString(out.Cause),
				"input": `{"experiment": "exp_1"}`, "note": "rolled back after " + string(tt.wantStatus)}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("rollback input\n got %v\nwant %v", got, want)
			}
			if p, err := params.Get("/rollback/" + string(tt.wantStatus)); err != nil || !strings.Contains(p.Value, arn) {
				t.Errorf("rollback parameter %+v %v", p, err)
			}
		})
	}
}

// An execution that fails at once can end before its start is announced to the rules; the start
// must still be announced as RUNNING, so the guard rule sees one FAILED event and starts one rollback.
func TestExecutionThatFailsAtOnceStartsOneRollback(t *testing.T) {
	source := create(t, "fails-at-once", `{"StartAt": "Broken", "States": {"Broken": {"Type": "Pass", "Parameters": {"x.$": "$.missing"}, "End": true}}}`)
	rollback := create(t, "rollback", `{"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}`)
	if err := svc.AddRule(guardRule("guard-at-once", source, rollback)); err != nil {
		t.Fatal(err)
	}
	defer svc.RemoveRule("guard-at-once")
	const n = 30
	for i := range n {
		wait(t, start(t, source, fmt.Sprintf(`{"run": %d}`, i)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := svc.WaitEvents(ctx); err != nil {
		t.Fatal(err)
	}
	waitForExecutions(t, rollback, n)
	out, err := client.ListExecutions(context.Background(), &sfnapi.ListExecutionsInput{StateMachineArn: &rollback})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, x := range out.Executions {
		d := wait(t, aws.ToString(x.ExecutionArn))
		var in struct{ Execution string }
		if err := json.Unmarshal([]byte(aws.ToString(d.Input)), &in); err != nil {
			t.Fatalf("rollback input %q: %v", aws.ToString(d.Input), err)
		}
		seen[in.Execution]++
	}
	for arn, k := range seen {
		if k != 1 {
			t.Errorf("%s was rolled back %d times, want once", arn, k)
		}
	}
	if len(seen) != n {
		t.Errorf("%d executions rolled back, want %d", len(seen), n)
	}
}

// isCode is whether err is an API error of that code (one the operation's model does not list,
// which the SDK leaves untyped).
func isCode(code string) func(error) bool {
	return func(err error) bool {
		var ae smithy.APIError
		return errors.As(err, &ae) && ae.ErrorCode() == code
	}
}

func errAs[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

func waitForEvent(t *testing.T, arn string, typ types.HistoryEventType) {
	t.Helper()
	if !poll.Until(10*time.Second, 20*time.Millisecond, func() bool {
		return slices.ContainsFunc(history(t, arn, false), func(e types.HistoryEvent) bool { return e.Type == typ })
	}) {
		t.Fatalf("no %s in the history of %s", typ, arn)
	}
}

// waitForExecutions polls ListExecutions until the machine has n executions; it returns the newest.
func waitForExecutions(t *testing.T, machine string, n int) types.ExecutionListItem {
	t.Helper()
	var listed []types.ExecutionListItem
	if !poll.Until(10*time.Second, 20*time.Millisecond, func() bool {
		out, err := client.ListExecutions(context.Background(), &sfnapi.ListExecutionsInput{StateMachineArn: &machine})
		if err != nil {
			t.Fatalf("ListExecutions: %v", err)
		}
		listed = out.Executions
		return len(listed) >= n
	}) {
		t.Fatalf("fewer than %d executions of %s", n, machine)
	}
	if len(listed) > n {
		t.Fatalf("%d executions of %s, want %d", len(listed), machine, n)
	}
	return listed[0]
}

func TestAPIErrorsAreTypedInTheSDK(t *testing.T) {
	machine := create(t, "errors", `{"StartAt": "P", "States": {"P": {"Type": "Wait", "Seconds": 5, "End": true}}}`)
	running := start(t, machine, `{"a": 1}`)
	name := running[strings.LastIndex(running, ":")+1:]
	defer client.StopExecution(context.Background(), &sfnapi.StopExecutionInput{ExecutionArn: &running})
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
		want func(error) bool
	}{
		{"describe an unknown execution", func() error {
			_, err := client.DescribeExecution(ctx, &sfnapi.DescribeExecutionInput{ExecutionArn: aws.String(running + "x")})
			return err
		}, errAs[*types.ExecutionDoesNotExist]},
		{"history of an unknown execution", func() error {
			_, err := client.GetExecutionHistory(ctx, &sfnapi.GetExecutionHistoryInput{ExecutionArn: aws.String(running + "x")})
			return err
		}, errAs[*types.ExecutionDoesNotExist]},
		{"start an unknown state machine", func() error {
			_, err := client.StartExecution(ctx, &sfnapi.StartExecutionInput{StateMachineArn: aws.String(machineArn("nope"))})
			return err
		}, errAs[*types.StateMachineDoesNotExist]},
		{"describe an unknown state machine", func() error {
			_, err := client.DescribeStateMachine(ctx, &sfnapi.DescribeStateMachineInput{StateMachineArn: aws.String(machineArn("nope"))})
			return err
		}, errAs[*types.StateMachineDoesNotExist]},
		{"reuse a name with another input", func() error {
			_, err := client.StartExecution(ctx, &sfnapi.StartExecutionInput{StateMachineArn: &machine, Name: &name, Input: aws.String(`{"a": 2}`)})
			return err
		}, errAs[*types.ExecutionAlreadyExists]},
		{"input that is not JSON", func() error {
			_, err := client.StartExecution(ctx, &sfnapi.StartExecutionInput{StateMachineArn: &machine, Input: aws.String(`{nope`)})
			return err
		}, errAs[*types.InvalidExecutionInput]},
		{"a malformed ARN", func() error {
			_, err := client.DescribeExecution(ctx, &sfnapi.DescribeExecutionInput{ExecutionArn: aws.String("arn:nope")})
			return err
		}, errAs[*types.InvalidArn]},
		{"a bad page token", func() error {
			_, err := client.GetExecutionHistory(ctx, &sfnapi.GetExecutionHistoryInput{ExecutionArn: &running, NextToken: aws.String("zz")})
			return err
		}, errAs[*types.InvalidToken]},
		// The model's constraints: ValidationException, as AWS's.
		{"a status filter outside the enum", func() error {
			_, err := client.ListExecutions(ctx, &sfnapi.ListExecutionsInput{StateMachineArn: &machine, StatusFilter: "BOGUS"})
			return err
		}, errAs[*types.ValidationException]},
		{"a redrive filter outside the enum", func() error {
			_, err := client.ListExecutions(ctx, &sfnapi.ListExecutionsInput{StateMachineArn: &machine, RedriveFilter: "SOMETIMES"})
			return err
		}, errAs[*types.ValidationException]},
		{"maxResults over 1000", func() error {
			_, err := client.ListExecutions(ctx, &sfnapi.ListExecutionsInput{StateMachineArn: &machine, MaxResults: 5000})
			return err
		}, errAs[*types.ValidationException]},
		{"maxResults under 0", func() error {
			_, err := client.ListExecutions(ctx, &sfnapi.ListExecutionsInput{StateMachineArn: &machine, MaxResults: -1})
			return err
		}, errAs[*types.ValidationException]},
		{"history maxResults over 1000", func() error {
			_, err := client.GetExecutionHistory(ctx, &sfnapi.GetExecutionHistoryInput{ExecutionArn: &running, MaxResults: 1001})
			return err
		}, isCode("ValidationException")},
		{"state machines maxResults over 1000", func() error {
			_, err := client.ListStateMachines(ctx, &sfnapi.ListStateMachinesInput{MaxResults: 1001})
			return err
		}, isCode("ValidationException")},
		{"an input over 256 KiB", func() error {
			_, err := client.StartExecution(ctx, &sfnapi.StartExecutionInput{StateMachineArn: &machine, Input: aws.String(`"` + strings.Repeat("x", 300<<10) + `"`)})
			return err
		}, errAs[*types.ValidationException]},
		// StopExecution's error (at most 256 characters) and cause (32768), as the model's.
		{"a stop error over 256 characters", func() error {
			_, err := client.StopExecution(ctx, &sfnapi.StopExecutionInput{ExecutionArn: &running, Error: aws.String(strings.Repeat("e", 257))})
			return err
		}, errAs[*types.ValidationException]},
		{"a stop cause over 32768 characters", func() error {
			_, err := client.StopExecution(ctx, &sfnapi.StopExecutionInput{ExecutionArn: &running, Cause: aws.String(strings.Repeat("c", 32769))})
			return err
		}, errAs[*types.ValidationException]},
		{"an empty name", func() error {
			_, err := client.StartExecution(ctx, &sfnapi.StartExecutionInput{StateMachineArn: &machine, Name: aws.String("")})
			return err
		}, errAs[*types.ValidationException]},
		{"a name over 80 characters", func() error {
			_, err := client.StartExecution(ctx, &sfnapi.StartExecutionInput{StateMachineArn: &machine, Name: aws.String(strings.Repeat("n", 81))})
			return err
		}, errAs[*types.ValidationException]},
		{"a name with a space", func() error {
			_, err := client.StartExecution(ctx, &sfnapi.StartExecutionInput{StateMachineArn: &machine, Name: aws.String("a b")})
			return err
		}, errAs[*types.InvalidName]},
		// AWS's control characters are U+0000-001F and U+007F-009F; white space is any.
		{"a name with a C1 control character", func() error {
			_, err := client.StartExecution(ctx, &sfnapi.StartExecutionInput{StateMachineArn: &machine, Name: aws.String("a\u0085b")})
			return err
		}, errAs[*types.InvalidName]},
		{"a name with a no-break space", func() error {
			_, err := client.StartExecution(ctx, &sfnapi.StartExecutionInput{StateMachineArn: &machine, Name: aws.String("a\u00a0b")})
			return err
		}, errAs[*types.InvalidName]},
		{"list the executions of no ARN", func() error {
			_, err := client.ListExecutions(ctx, &sfnapi.ListExecutionsInput{StateMachineArn: aws.String("not-an-arn")})
			return err
		}, errAs[*types.InvalidArn]},
		{"list the executions of an execution", func() error {
			_, err := client.ListExecutions(ctx, &sfnapi.ListExecutionsInput{StateMachineArn: &running})
			return err
		}, errAs[*types.InvalidArn]},
		{"list the executions of a Map Run", func() error {
			_, err := client.ListExecutions(ctx, &sfnapi.ListExecutionsInput{MapRunArn: aws.String("arn:aws:states:us-east-1:123456789012:mapRun:errors/m:1")})
			return err
		}, errAs[*types.ResourceNotFound]},
		{"list the executions of a malformed Map Run ARN", func() error {
			_, err := client.ListExecutions(ctx, &sfnapi.ListExecutionsInput{MapRunArn: aws.String("nope")})
			return err
		}, errAs[*types.InvalidArn]},
		{"list the executions of a machine and a Map Run", func() error {
			_, err := client.ListExecutions(ctx, &sfnapi.ListExecutionsInput{StateMachineArn: &machine, MapRunArn: aws.String("arn:aws:states:us-east-1:123456789012:mapRun:errors/m:1")})
			return err
		}, errAs[*types.ValidationException]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !tt.want(err) {
				t.Fatalf("got %v (%T)", err, err)
			}
		})
	}

	t.Run("the filters select", func(t *testing.T) {
		for _, tc := range []struct {
			in   sfnapi.ListExecutionsInput
			want int
		}{
			{sfnapi.ListExecutionsInput{StatusFilter: types.ExecutionStatusRunning}, 1},
			{sfnapi.ListExecutionsInput{StatusFilter: types.ExecutionStatusPendingRedrive}, 0},
			{sfnapi.ListExecutionsInput{RedriveFilter: types.ExecutionRedriveFilterNotRedriven}, 1},
			{sfnapi.ListExecutionsInput{RedriveFilter: types.ExecutionRedriveFilterRedriven}, 0}, // none is: no RedriveExecution
			{sfnapi.ListExecutionsInput{MaxResults: 1000}, 1},
		} {
			tc.in.StateMachineArn = &machine
			out, err := client.ListExecutions(ctx, &tc.in)
			if err != nil || len(out.Executions) != tc.want {
				t.Errorf("%+v: %v %v, want %d executions", tc.in, out, err, tc.want)
			}
		}
	})
	t.Run("a missing member is a ValidationException naming it", func(t *testing.T) {
		for _, tc := range []struct{ op, body, want, reason string }{
			{"StartExecution", `{"input":"{}"}`, "Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null", ""},
			{"DescribeExecution", `{}`, "Value null at 'executionArn'", ""},
			{"ListExecutions", `{"statusFilter":"RUNNING"}`, "stateMachineArn or a mapRunArn", "MISSING_REQUIRED_PARAMETER"},
		} {
			req := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			req.Header.Set("X-Amz-Target", "AWSStepFunctions."+tc.op)
			rec := httptest.NewRecorder()
			svc.Handler().ServeHTTP(rec, req)
			var body struct{ Type, Message, Reason string }
			json.Unmarshal(rec.Body.Bytes(), &struct {
				Type    *string `json:"__type"`
				Message *string `json:"message"`
				Reason  *string `json:"reason"`
			}{&body.Type, &body.Message, &body.Reason})
			if rec.Code != 400 || rec.Header().Get("X-Amzn-Errortype") != "ValidationException" || !strings.Contains(body.Message, tc.want) || body.Reason != tc.reason {
				t.Errorf("%s %s: %d %s %+v, want 400 ValidationException %q (reason %q)", tc.op, tc.body, rec.Code, rec.Header().Get("X-Amzn-Errortype"), body, tc.want, tc.reason)
			}
		}
	})
	t.Run("the same name and input while running is idempotent", func(t *testing.T) {
		out, err := client.StartExecution(ctx, &sfnapi.StartExecutionInput{StateMachineArn: &machine, Name: &name, Input: aws.String(`{"a": 1}`)})
		if err != nil || aws.ToString(out.ExecutionArn) != running {
			t.Fatalf("got %v %v, want %s", out, err, running)
		}
	})
	t.Run("an invalid definition is InvalidDefinition", func(t *testing.T) {
		err := svc.CreateStateMachine("bad", machineArn("bad"), `{"StartAt": "Nowhere", "States": {}}`, "")
		if ErrorCode(err) != "InvalidDefinition" {
			t.Fatalf("got %v, want InvalidDefinition", err)
		}
	})
	t.Run("list and describe state machines", func(t *testing.T) {
		// Every page: the package's tests make more machines than a page holds when run with
		// -count above 1 (the service is the package's; the list is in creation order).
		found := false
		for pages := sfnapi.NewListStateMachinesPaginator(client, &sfnapi.ListStateMachinesInput{}); pages.HasMorePages(); {
			list, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range list.StateMachines {
				found = found || aws.ToString(m.StateMachineArn) == machine
			}
		}
		d, err := client.DescribeStateMachine(ctx, &sfnapi.DescribeStateMachineInput{StateMachineArn: &machine})
		if err != nil || !found || !strings.Contains(aws.ToString(d.Definition), `"Wait"`) || d.Status != types.StateMachineStatusActive ||
			d.TracingConfiguration == nil || d.TracingConfiguration.Enabled {
			t.Fatalf("found %v, describe %+v %v", found, d, err)
		}
	})
}

func TestCloseStopsTheInterpreter(t *testing.T) {
	// A second service shows Close stops its child by pid and that the pid is gone.
	s := New(Options{Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	pid := s.host.cmd.Process.Pid
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if strings.Contains(string(b), "sfn-host.mjs") {
			t.Fatalf("node pid %d still running after Close", pid)
		}
	}
}

// TestDeletingAMachineAbortsItsExecutions: a deleted machine's running executions end (ABORTED,
// StateMachineDeleted) instead of running on into the stack deleted around them; one that had
// ended keeps its status, and both histories stay readable.
func TestDeletingAMachineAbortsItsExecutions(t *testing.T) {
	machine := create(t, "deleted", `{"StartAt": "Choose", "States": {
		"Choose": {"Type": "Choice", "Choices": [{"Variable": "$.wait", "NumericGreaterThan": 0, "Next": "Wait"}], "Default": "Done"},
		"Wait": {"Type": "Wait", "SecondsPath": "$.wait", "Next": "Done"},
		"Done": {"Type": "Succeed"}}}`)
	ended := start(t, machine, `{"wait": 0}`)
	if d := wait(t, ended); d.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("short execution %s", d.Status)
	}
	running := start(t, machine, `{"wait": 600}`)

	svc.DeleteStateMachine(machine)

	d := wait(t, running)
	if d.Status != types.ExecutionStatusAborted || aws.ToString(d.Error) != "StateMachineDeleted" || !strings.Contains(aws.ToString(d.Cause), machine) {
		t.Errorf("running execution after the delete: %s %s %s, want ABORTED StateMachineDeleted naming the machine", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	if d := wait(t, ended); d.Status != types.ExecutionStatusSucceeded {
		t.Errorf("ended execution after the delete: %s", d.Status)
	}
	if h := history(t, running, false); len(h) == 0 || h[len(h)-1].Type != types.HistoryEventTypeExecutionAborted {
		t.Errorf("history of the aborted execution ends with %v", h[len(h)-1].Type)
	}
}

// BenchmarkExecution measures one short execution end to end: StartExecution through the SDK, a Pass,
// an SSM Task answered through the real SDK caller, and the wait for SUCCEEDED.
func BenchmarkExecution(b *testing.B) {
	arn := machineArn("bench")
	if err := svc.CreateStateMachine("bench", arn, `{"StartAt": "P", "States": {
		"P": {"Type": "Pass", "Result": {"v": 1}, "Next": "Put"},
		"Put": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ssm:putParameter",
			"Parameters": {"Name": "/bench", "Value.$": "States.JsonToString($)", "Type": "String", "Overwrite": true}, "End": true}}}`, ""); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		out, err := client.StartExecution(ctx, &sfnapi.StartExecutionInput{StateMachineArn: &arn})
		if err != nil {
			b.Fatal(err)
		}
		st, err := svc.WaitExecution(ctx, *out.ExecutionArn)
		if err != nil || st.Status != statusSucceeded {
			b.Fatalf("%+v %v", st, err)
		}
	}
}

func TestParallelRetryAndSelfDescribe(t *testing.T) {
	machine := create(t, "parallel", `{"StartAt": "Both", "States": {
	  "Both": {"Type": "Parallel", "ResultPath": "$.both", "End": true, "Branches": [
	    {"StartAt": "Flaky", "States": {
	      "Flaky": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ssm:getParameter", "Parameters": {"Name": "/parallel/missing"},
	        "Retry": [{"ErrorEquals": ["Ssm.ParameterNotFoundException"], "IntervalSeconds": 1, "MaxAttempts": 1}],
	        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Gave up"}], "End": true},
	      "Gave up": {"Type": "Pass", "Parameters": {"error.$": "$.error.Error"}, "End": true}}},
	    {"StartAt": "Self", "States": {
	      "Self": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:describeExecution",
	        "Parameters": {"ExecutionArn.$": "$$.Execution.Id"},
	        "ResultSelector": {"status.$": "$.Status", "name.$": "$.Name"}, "End": true}}}
	  ]}}}`)
	arn := start(t, machine, `{}`)
	out := wait(t, arn)
	if out.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("%s %s %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	var got struct {
		Both []map[string]string
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.Output)), &got); err != nil || len(got.Both) != 2 {
		t.Fatalf("output %s: %v", aws.ToString(out.Output), err)
	}
	if got.Both[0]["error"] != "Ssm.ParameterNotFoundException" {
		t.Errorf("branch 0 %v", got.Both[0])
	}
	// The execution described itself through the real SDK caller, the gateway and this Handler.
	if got.Both[1]["status"] != "RUNNING" || !strings.HasSuffix(arn, ":"+got.Both[1]["name"]) {
		t.Errorf("branch 1 %v", got.Both[1])
	}
	seen := eventTypes(history(t, arn, false))
	scheduled := 0
	for _, typ := range seen {
		if typ == "TaskScheduled" {
			scheduled++
		}
	}
	if scheduled != 3 { // Flaky twice (one retry), Self once
		t.Errorf("%d TaskScheduled, want 3: %v", scheduled, seen)
	}
	if !containsInOrder(seen, []string{"ParallelStateEntered", "ParallelStateStarted", "ParallelStateSucceeded", "ParallelStateExited", "ExecutionSucceeded"}) {
		t.Errorf("history %v", seen)
	}
}

// A page token continues the listing it came from: an execution started or a machine deleted
// between two pages neither repeats an item nor skips one, and a token of another request (another
// filter, another order) is InvalidToken.
func TestPagesHoldWhileTheListingChanges(t *testing.T) {
	ctx := context.Background()
	machine := create(t, "pages", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}`)
	var started []string
	for range 3 {
		arn := start(t, machine, `{}`)
		wait(t, arn)
		started = append(started, arn)
	}
	first, err := client.ListExecutions(ctx, &sfnapi.ListExecutionsInput{StateMachineArn: &machine, MaxResults: 2})
	if err != nil || len(first.Executions) != 2 || first.NextToken == nil {
		t.Fatalf("first page: %+v, %v", first, err)
	}
	// WHEN another execution starts (it is listed first, newest first) before the next page
	wait(t, start(t, machine, `{}`))
	second, err := client.ListExecutions(ctx, &sfnapi.ListExecutionsInput{StateMachineArn: &machine, MaxResults: 2, NextToken: first.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	// THEN the two pages hold the first three executions once each, newest first
	var got []string
	for _, e := range append(first.Executions, second.Executions...) {
		got = append(got, aws.ToString(e.ExecutionArn))
	}
	if want := []string{started[2], started[1], started[0]}; !slices.Equal(got, want) || second.NextToken != nil {
		t.Errorf("pages %v (next %v), want %v and no next page", got, second.NextToken, want)
	}
	// AND the token is refused by another request
	for name, in := range map[string]*sfnapi.ListExecutionsInput{
		"a status filter": {StateMachineArn: &machine, StatusFilter: types.ExecutionStatusSucceeded, NextToken: first.NextToken},
		"another machine": {StateMachineArn: aws.String(create(t, "pages-other", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}`)), NextToken: first.NextToken},
	} {
		var bad *types.InvalidToken
		if _, err := client.ListExecutions(ctx, in); !errors.As(err, &bad) {
			t.Errorf("ListExecutions with %s and the first page's token: %v, want InvalidToken", name, err)
		}
	}
	history, err := client.GetExecutionHistory(ctx, &sfnapi.GetExecutionHistoryInput{ExecutionArn: &started[0], MaxResults: 1})
	if err != nil || history.NextToken == nil {
		t.Fatalf("history page: %+v, %v", history, err)
	}
	var bad *types.InvalidToken
	if _, err := client.GetExecutionHistory(ctx, &sfnapi.GetExecutionHistoryInput{ExecutionArn: &started[0], ReverseOrder: true, NextToken: history.NextToken}); !errors.As(err, &bad) {
		t.Errorf("history in reverse with a token of the forward order: %v, want InvalidToken", err)
	}
	rest, err := client.GetExecutionHistory(ctx, &sfnapi.GetExecutionHistoryInput{ExecutionArn: &started[0], NextToken: history.NextToken})
	if err != nil || len(rest.Events) == 0 || rest.Events[0].Id != history.Events[0].Id+1 {
		t.Errorf("the history's next page: %+v, %v; want it to start at event %d", rest, err, history.Events[0].Id+1)
	}

	// WHEN a machine listed on the first page is deleted before the next
	var names []string
	for i := range 3 {
		names = append(names, create(t, fmt.Sprintf("pages-del-%d", i), `{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}`))
	}
	var listed []string
	var token *string
	for pages := 0; ; pages++ {
		out, err := client.ListStateMachines(ctx, &sfnapi.ListStateMachinesInput{MaxResults: 1, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.StateMachines {
			listed = append(listed, aws.ToString(m.StateMachineArn))
			if aws.ToString(m.StateMachineArn) == names[0] {
				svc.DeleteStateMachine(names[0])
			}
		}
		if token = out.NextToken; token == nil || pages > 1000 {
			break
		}
	}
	// THEN the machines after it are all listed still
	if !slices.Contains(listed, names[1]) || !slices.Contains(listed, names[2]) {
		t.Errorf("machines listed %v: want %s and %s, created after the one deleted", listed, names[1], names[2])
	}
}

// A listing read newest first (as the runner reads an execution's history) that grows between two
// pages continues after the last item answered.
func TestPageNewestFirstWhileItGrows(t *testing.T) {
	list := func(keys ...int64) []keyed[int64] {
		var out []keyed[int64]
		for _, k := range keys {
			out = append(out, keyed[int64]{k, k})
		}
		return out
	}
	first, token, err := page(list(5, 4, 3, 2, 1), true, "L", "", 2)
	if err != nil || !slices.Equal(first, []int64{5, 4}) || token == "" {
		t.Fatalf("first page %v %q %v", first, token, err)
	}
	second, token, err := page(list(7, 6, 5, 4, 3, 2, 1), true, "L", token, 2)
	if err != nil || !slices.Equal(second, []int64{3, 2}) {
		t.Errorf("second page after 7 and 6 were added: %v %v, want [3 2]", second, err)
	}
	last, token, err := page(list(7, 6, 5, 4, 3, 2, 1), true, "L", token, 2)
	if err != nil || !slices.Equal(last, []int64{1}) || token != "" {
		t.Errorf("last page: %v %q %v, want [1] and no token", last, token, err)
	}
}
