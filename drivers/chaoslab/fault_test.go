package main

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sfnapi "github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	ssmapi "github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/runner"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/runner/runnertest"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/functions/failure/faultconfig"
	"github.com/chaoslab/serverless-chaos-lab/internal/poll"
	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
)

// fault runs `chaoslab fault args...` and returns its exit code, stdout and stderr with the error.
func fault(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	m, out, errb := newMain()
	err := m.Run(context.Background(), append([]string{"fault"}, args...))
	code := cli.Report(errb, err, ExitError)
	return code, out.String(), errb.String()
}

// putParam creates or overwrites the parameter name, as the stack and the tests' writers do.
func putParam(t *testing.T, lc *runnertest.Cloud, name, value string) {
	t.Helper()
	if _, err := ssmapi.NewFromConfig(lc.AWS).PutParameter(context.Background(), &ssmapi.PutParameterInput{
		Name: aws.String(name), Value: aws.String(value), Type: "String", Overwrite: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
}

// enable → status → off, through the CLI on the local Parameter Store: the value written is a
// failure-lambda 1.0 config the function's parser accepts, with an expiry.
func TestFaultEnableStatusOff(t *testing.T) {
	lc := runnertest.Need(t)
	const param = "fault-cli"
	putParam(t, lc, param, runner.FaultOff)
	outputs := outputsFile(t, "arn:aws:states:us-east-1:1:stateMachine:x", param)

	code, out, errs := fault(t, "enable", "-outputs", outputs, "latency", "min_latency=3000", "max_latency=5000", "percentage=50", "-for", "2m")
	if code != 0 {
		t.Fatalf("enable: exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"parameter: " + param + " (version 2", "state:     on, ", "failure-lambda 1.0 format", "  latency 3000–5000 ms, 50% of invocations"} {
		if !strings.Contains(out, want) {
			t.Errorf("enable output lacks %q:\n%s", want, out)
		}
	}
	value := lc.Param(t, param)
	cfg, err := faultconfig.Parse([]byte(value))
	if err != nil || cfg.Format != faultconfig.FormatFlags || !cfg.Enabled || cfg.ExpiresAfter != 2*time.Minute ||
		len(cfg.Faults) != 1 || cfg.Faults[0].Mode != faultconfig.ModeLatency || cfg.Faults[0].Rate != 0.5 ||
		cfg.Faults[0].MinLatency != 3*time.Second || cfg.Faults[0].MaxLatency != 5*time.Second {
		t.Fatalf("written %s: %+v %v; want a 1.0 latency flag at 50%% for 3-5 s, expiring after 2m", value, cfg, err)
	}

	code, out, errs = fault(t, "status", "-fault-parameter", param)
	if code != 0 || !strings.Contains(out, "latency 3000–5000 ms, 50% of invocations") || !strings.Contains(out, "left (it switches itself off at ") {
		t.Errorf("status: exit %d\n%s%s", code, out, errs)
	}

	code, out, errs = fault(t, "off", "-param", param) // failure-lambda's CLI spelling
	if code != 0 || lc.Param(t, param) != runner.FaultOff || !strings.Contains(out, "was on (version 2)") || !strings.Contains(out, "state:     off\n") {
		t.Errorf("off: exit %d, value %s\n%s%s", code, lc.Param(t, param), out, errs)
	}
	code, out, _ = fault(t, "off", "-fault-parameter", param)
	if code != 0 || !strings.Contains(out, "already off: nothing written") || !strings.Contains(out, "(version 3,") {
		t.Errorf("off again: exit %d\n%s", code, out)
	}
}

// Other ways to enable: several modes at once, repeated list attributes, a whole config of
// either format (given an expiry when it has none), and -for's default.
func TestFaultEnableForms(t *testing.T) {
	lc := runnertest.Need(t)
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, c faultconfig.Config, value string)
		out   []string
		errs  []string // on stderr
	}{
		{name: "two modes, a repeated deny_list, the default -for",
			args: []string{"denylist", `deny_list=dynamodb\..*`, "deny_list=s3", "statuscode", "status_code=503", "percentage=10"},
			check: func(t *testing.T, c faultconfig.Config, _ string) {
				if c.ExpiresAfter != 5*time.Minute || len(c.Faults) != 2 || len(c.Faults[0].Denylist) != 2 || c.Faults[1].StatusCode != 503 {
					t.Errorf("config %+v", c)
				}
			},
			out: []string{`denylist: connections to hosts matching dynamodb\..*, s3 fail, 100% of invocations`, "statuscode: answers 503 without running the handler (one that answers no status code, as an SQS handler, fails instead), 10% of invocations"}},
		{name: "a match condition",
			args: []string{"exception", "exception_msg=boom", `match={"path": "body.Records.0.s3.object.key", "operator": "regex", "value": "[05][.]json$"}`, "-for", "90s"},
			check: func(t *testing.T, c faultconfig.Config, _ string) {
				if c.ExpiresAfter != 90*time.Second || len(c.Faults[0].Match) != 1 {
					t.Errorf("config %+v", c)
				}
			},
			out: []string{`exception: fails with "boom" before the handler, 100% of invocations, when body.Records.0.s3.object.key regex`}},
		// 1.0's envelope form: written (failure-lambda 1.0 accepts it), with a note that on this
		// SQS-fed function it never holds.
		{name: "a condition on the SQS envelope",
			args: []string{"exception", `match={"path": "Records.0.eventSource", "operator": "eq", "value": "aws:sqs"}`},
			check: func(t *testing.T, c faultconfig.Config, _ string) {
				if len(c.Faults[0].Match) != 1 {
					t.Errorf("config %+v", c)
				}
			},
			errs: []string{`chaoslab fault enable: note: the exception fault's condition Records.0.eventSource eq "aws:sqs" reads the SQS event's envelope`, "so it never holds and the fault never fires"}},
		{name: "a 0.x config with our extensions gets an expiry",
			args: []string{"-json", `{"isEnabled": true, "faults": [{"mode": "sdkerror", "error": "throttling", "rate": 0.5, "targets": ["dynamodb:*"]}]}`},
			check: func(t *testing.T, c faultconfig.Config, value string) {
				if c.Format != faultconfig.FormatFlat || c.ExpiresAfter != 5*time.Minute || !strings.Contains(value, `"expiresAfterSeconds":300`) {
					t.Errorf("config %+v %s", c, value)
				}
			},
			out: []string{"failure-lambda 0.x format", "sdkerror: throttling errors, 50% of SDK calls, on dynamodb:*"}},
		{name: "a config with its own expiry keeps it",
			args: []string{"-json", `{"latency": {"enabled": true, "min_latency": 100}, "expiresAfterSeconds": 600}`},
			check: func(t *testing.T, c faultconfig.Config, _ string) {
				if c.ExpiresAfter != 10*time.Minute {
					t.Errorf("config %+v", c)
				}
			},
			out: []string{"latency 100 ms, 100% of invocations"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			param := "fault-forms-" + string(rune('a'+i))
			putParam(t, lc, param, runner.FaultOff)
			code, out, errs := fault(t, append([]string{"enable", "-fault-parameter", param}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, out, errs)
			}
			value := lc.Param(t, param)
			c, err := faultconfig.Parse([]byte(value))
			if err != nil || !c.Enabled {
				t.Fatalf("written %s: %v", value, err)
			}
			tt.check(t, c, value)
			for _, w := range tt.out {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.errs {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
		})
	}
}

// A bad command line or value is refused with an error naming what is wrong, and nothing is
// written.
func TestFaultEnableRefuses(t *testing.T) {
	lc := runnertest.Need(t)
	const param = "fault-refuse"
	before := `{"latency": {"enabled": false}}`
	putParam(t, lc, param, before)
	tests := []struct {
		name string
		args []string
		want string // in the error
	}{
		{name: "a number that is not one", args: []string{"latency", "min_latency=abc"}, want: `latency.min_latency: want a number, got "abc"`},
		{name: "out of range", args: []string{"latency", "percentage=150"}, want: "latency.percentage: want a whole number 0..100, got 150"},
		{name: "an unknown attribute", args: []string{"latency", "min_latncy=3000"}, want: `"min_latncy"`},
		{name: "another flag's attribute", args: []string{"latency", "status_code=500"}, want: `"status_code" is an attribute of statuscode`},
		{name: "the 0.x spelling", args: []string{"latency", "minLatency=3000"}, want: "1.0 writes min_latency"},
		{name: "min above max", args: []string{"latency", "min_latency=5000", "max_latency=3000"}, want: "min_latency 5000 ms > max_latency 3000 ms"},
		{name: "a bad regex", args: []string{"denylist", "deny_list=dynamodb(("}, want: "denylist.deny_list[0]: bad regex"},
		{name: "an unknown mode", args: []string{"lag"}, want: `unknown mode "lag"`},
		// Every attribute's problem at once, a line each, of one flag or of several.
		{name: "one flag's attributes wrong", args: []string{"latency", "min_latency=abc", "max_latency=xyz", "percentage=150"},
			want: "3 problems:\n  latency.percentage: want a whole number 0..100, got 150\n  latency.min_latency: want a number, got \"abc\"\n  latency.max_latency: want a number, got \"xyz\""},
		{name: "two flags wrong", args: []string{"latency", "min_latency=abc", "statuscode", "status_code=99"},
			want: "2 problems:\n  latency.min_latency: want a number, got \"abc\"\n  statuscode.status_code: want an HTTP status 100..599, got 99"},
		{name: "an attribute without its value", args: []string{"latency", "min_latency"}, want: "latency.min_latency: an attribute takes a value: min_latency=VALUE"},
		{name: "an attribute before its mode", args: []string{"min_latency=3000", "latency"}, want: `attribute "min_latency=3000" comes before any mode`},
		{name: "a mode twice", args: []string{"latency", "latency"}, want: "mode latency given twice"},
		{name: "an attribute twice", args: []string{"latency", "percentage=5", "percentage=6"}, want: "latency.percentage given twice"},
		{name: "enabled by hand", args: []string{"latency", "enabled=false"}, want: "latency.enabled: enable sets it"},
		{name: "nothing to enable", args: nil, want: "enable what?"},
		{name: "-for zero", args: []string{"latency", "-for", "0s"}, want: "-for 0s: want more than 0 and at most 24h0m0s"},
		{name: "-for too long", args: []string{"latency", "-for", "25h"}, want: "-for 25h0m0s"},
		{name: "-json that is not a config", args: []string{"-json", `{"isEnabled": true}`}, want: "isEnabled is true but neither failureMode nor faults is set"},
		{name: "-json that enables nothing", args: []string{"-json", `{"isEnabled": false}`}, want: "the config enables no fault"},
		{name: "-json with a key twice", args: []string{"-json", `{"isEnabled": true, "failureMode": "latency", "isEnabled": false}`}, want: `"isEnabled" is given twice`},
		{name: "-json with a nested key twice", args: []string{"-json", `{"latency": {"enabled": true, "enabled": false}}`}, want: `"latency.enabled" is given twice`},
		{name: "-json past expiry", args: []string{"-json", `{"latency": {"enabled": true}, "expiresAt": "2020-01-01T00:00:00Z"}`}, want: "expiresAt 2020-01-01T00:00:00Z is past"},
		{name: "-json expiry too far", args: []string{"-json", `{"latency": {"enabled": true}, "expiresAfterSeconds": 90000}`}, want: "a fault set by hand may stay on at most 24h0m0s"},
		{name: "-json and -for", args: []string{"-json", `{"latency": {"enabled": true}, "expiresAfterSeconds": 60}`, "-for", "1m"}, want: "leave out -for"},
		{name: "-json and modes", args: []string{"-json", `{"latency": {"enabled": true}}`, "latency"}, want: "not both"},
		// 1.0's latencies default to 0 ms: a latency that delays nothing is refused, said how to fix.
		{name: "a latency of nothing", args: []string{"latency"}, want: "latency: min_latency and max_latency are 0 ms, which delays nothing: give min_latency=MS"},
		{name: "-json latency of nothing", args: []string{"-json", `{"latency": {"enabled": true, "percentage": 50}}`}, want: "which delays nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := fault(t, append([]string{"enable", "-fault-parameter", param}, tt.args...)...)
			if code != ExitError || !strings.Contains(errs, tt.want) || !strings.Contains(errs, "nothing written") {
				t.Errorf("exit %d, want 2 and an error with %q and \"nothing written\"\n%s%s", code, tt.want, out, errs)
			}
			if v := lc.Param(t, param); v != before {
				t.Errorf("parameter %s, want it untouched: %s", v, before)
			}
		})
	}
}

// status says off for a fault that expired or that the function would not read, and the
// commands refuse a parameter that does not exist (a wrong name) rather than create it.
func TestFaultStatusOffStates(t *testing.T) {
	lc := runnertest.Need(t)
	tests := []struct {
		name, value, want string
	}{
		{name: "expired", value: `{"latency": {"enabled": true}, "expiresAt": "2020-01-01T00:00:00Z"}`,
			want: "state:     off: expired "},
		{name: "invalid", value: `{"isEnabled": "yes"}`, want: "state:     off: not a valid fault config, so the function injects nothing: isEnabled"},
		// Each problem on a line of its own, under the value column.
		{name: "invalid twice", value: `{"isEnabled": "yes", "rate": "x"}`,
			want: "injects nothing: 2 problems:\n             isEnabled: want true or false, got \"yes\"\n             rate: want a number, got \"x\""},
		{name: "1.0 all flags off", value: `{"latency": {"enabled": false}}`, want: "state:     off\n"},
		{name: "on with no expiry", value: `{"isEnabled": true, "failureMode": "exception", "rate": 0.25}`,
			want: "state:     on, with no expiry: it stays on until switched off (chaoslab fault off); failure-lambda 0.x format:\n  exception: fails with \"injected exception\" before the handler, 25% of invocations"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			param := "fault-states-" + string(rune('a'+i))
			putParam(t, lc, param, tt.value)
			code, out, errs := fault(t, "status", "-fault-parameter", param)
			if code != 0 || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d, want 0 and %q\n%s%s", code, tt.want, out, errs)
			}
		})
	}
	for _, args := range [][]string{{"status"}, {"off"}, {"enable", "latency", "min_latency=100"}} {
		code, out, errs := fault(t, append(args, "-fault-parameter", "no-such-fault")...)
		if code != ExitError || !strings.Contains(errs, "no such parameter: no-such-fault, in the account and region of this configuration (SSM ParameterNotFound) (the name is from -fault-parameter: is the stack deployed") {
			t.Errorf("%v on a missing parameter: exit %d\n%s%s", args, code, out, errs)
		}
	}
	if _, err := ssmapi.NewFromConfig(lc.AWS).GetParameter(context.Background(), &ssmapi.GetParameterInput{Name: aws.String("no-such-fault")}); err == nil {
		t.Error("a missing parameter was created")
	}
}

func TestFaultUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{name: "help", args: []string{"-h"}, code: 0, want: "chaoslab fault enable MODE [attr=value ...]"},
		{name: "no subcommand", args: nil, code: 2, want: "want status, enable, off"},
		{name: "unknown subcommand", args: []string{"on"}, code: 2, want: `unknown subcommand "on"`},
		{name: "a flag before the subcommand", args: []string{"-outputs", "o.json", "status"}, code: 2, want: "-outputs before the subcommand: write the subcommand first"},
		{name: "-for with status", args: []string{"status", "-for", "1m", "-fault-parameter", "p"}, code: 2, want: "-for is for enable only"},
		{name: "arguments to off", args: []string{"off", "latency", "-fault-parameter", "p"}, code: 2, want: `unexpected arguments ["latency"]`},
		{name: "no parameter", args: []string{"status", "-outputs", "/nonexistent/o.json"}, code: 2, want: "/nonexistent/o.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := fault(t, tt.args...)
			if code != tt.code || !strings.Contains(out+errs, tt.want) {
				t.Errorf("exit %d, want %d and %q\n%s%s", code, tt.code, tt.want, out, errs)
			}
		})
	}
}

// A fault enabled by hand over a running experiment's would be judged as the experiment's and
// ended by its rollback: enable refuses, naming the execution, and writes nothing; -alongside
// writes it on purpose; off goes ahead (it is the way out) and says whose fault it ends.
func TestFaultEnableRefusedWhileAnExperimentRuns(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	const param = "fault-held"
	putParam(t, lc, param, runner.FaultOff)
	machineArn := lc.Machine(t, experiments.VerdictHeld, param)
	outputs := outputsFile(t, machineArn, param)
	client := sfnapi.NewFromConfig(lc.AWS)

	// GIVEN a run whose execution is in its 60 s pause, its fault on
	ctxA, cancelA := context.WithCancel(context.Background())
	doneA := make(chan error, 1)
	go func() {
		a, _, _ := newMain()
		doneA <- a.Run(ctxA, []string{"run", "-outputs", outputs, "-pause", "60s", "-window", "1s", "-poll", "200ms", "-report=false",
			"-rollback-wait", "0", "-journal", filepath.Join(t.TempDir(), "a.json"), "exp_1-minor_delay"})
	}()
	defer func() { cancelA(); <-doneA }()
	var running *sfnapi.ListExecutionsOutput
	poll.Until(30*time.Second, 100*time.Millisecond, func() bool {
		running, _ = client.ListExecutions(context.Background(), &sfnapi.ListExecutionsInput{StateMachineArn: aws.String(machineArn),
			StatusFilter: sfntypes.ExecutionStatusRunning})
		return running != nil && len(running.Executions) == 1 && lc.Param(t, param) != runner.FaultOff
	})
	held := lc.Param(t, param)
	if running == nil || len(running.Executions) != 1 || held == runner.FaultOff {
		t.Fatalf("the run's execution is not running with its fault on: %+v, parameter %s", running, held)
	}
	execution := aws.ToString(running.Executions[0].ExecutionArn)

	// WHEN a fault is enabled by hand, THEN it is refused, naming the execution, and nothing is written
	code, out, errs := fault(t, "enable", "-outputs", outputs, "latency", "min_latency=3000", "max_latency=5000")
	if code != ExitError || !strings.Contains(errs, "another experiment is running on this state machine: "+execution) ||
		!strings.Contains(errs, "-alongside") || !strings.Contains(errs, "(nothing written)") {
		t.Errorf("enable during a run: exit %d\n%s%s\nwant 2 naming %s, -alongside and nothing written", code, out, errs, execution)
	}
	if got := lc.Param(t, param); got != held {
		t.Errorf("the parameter after a refused enable = %s, want the run's %s", got, held)
	}

	// AND with -alongside it is written
	if code, out, errs := fault(t, "enable", "-outputs", outputs, "-alongside", "latency", "min_latency=3000", "max_latency=5000"); code != 0 ||
		lc.Param(t, param) == held {
		t.Errorf("enable -alongside: exit %d, parameter %s\n%s%s", code, lc.Param(t, param), out, errs)
	}
	// AND off switches it off, saying whose fault it ends
	code, out, errs = fault(t, "off", "-outputs", outputs)
	if code != 0 || lc.Param(t, param) != runner.FaultOff || !strings.Contains(errs, "judged without it") || !strings.Contains(errs, execution) {
		t.Errorf("off during a run: exit %d, parameter %s\n%s%s", code, lc.Param(t, param), out, errs)
	}
	// AND rollback, the same way out, says so too
	putParam(t, lc, param, held)
	{
		m, out, errb := newMain()
		err := m.Run(context.Background(), []string{"rollback", "-outputs", outputs})
		if code := cli.Report(errb, err, ExitError); code != 0 || lc.Param(t, param) != runner.FaultOff || !strings.Contains(errb.String(), "judged without it") || !strings.Contains(errb.String(), execution) {
			t.Errorf("rollback during a run: exit %d, parameter %s\n%s%s; want it off, saying whose fault it ends", code, lc.Param(t, param), out, errb)
		}
	}
	// AND a parameter the stack's machine does not write is not held by its experiment
	const other = "fault-held-other"
	putParam(t, lc, other, runner.FaultOff)
	if code, out, errs := fault(t, "enable", "-outputs", outputs, "-fault-parameter", other, "latency", "min_latency=100", "max_latency=200"); code != 0 {
		t.Errorf("enable of another parameter during the run: exit %d\n%s%s", code, out, errs)
	}

	// AND when the executions cannot be read: off goes ahead and says it could not tell; enable
	// refuses (fail-closed) unless -alongside
	noSFN := func(args ...string) (int, string, string) {
		t.Helper()
		m, out, errb := newMain()
		m.AWSConfig = func(ctx context.Context) (aws.Config, error) {
			cfg, err := runnertest.AWSConfig(ctx)
			cfg.HTTPClient, cfg.RetryMaxAttempts = sfnRefused{awshttp.NewBuildableClient()}, 1
			return cfg, err
		}
		err := m.Run(context.Background(), append([]string{"fault"}, args...))
		return cli.Report(errb, err, ExitError), out.String(), errb.String()
	}
	putParam(t, lc, param, held)
	if code, out, errs := noSFN("off", "-outputs", outputs); code != 0 || lc.Param(t, param) != runner.FaultOff || !strings.Contains(errs, "could not tell whether an experiment holds the parameter") {
		t.Errorf("off with Step Functions unreachable: exit %d, parameter %s\n%s%s; want it off, saying it could not tell", code, lc.Param(t, param), out, errs)
	}
	if code, out, errs := noSFN("enable", "-outputs", outputs, "latency", "min_latency=100", "max_latency=200"); code != ExitError || !strings.Contains(errs, "-alongside writes without the check") ||
		lc.Param(t, param) != runner.FaultOff {
		t.Errorf("enable with Step Functions unreachable: exit %d, parameter %s\n%s%s; want 2 and nothing written", code, lc.Param(t, param), out, errs)
	}
	if code, out, errs := noSFN("enable", "-outputs", outputs, "-alongside", "latency", "min_latency=100", "max_latency=200"); code != 0 || lc.Param(t, param) == runner.FaultOff {
		t.Errorf("enable -alongside with Step Functions unreachable: exit %d\n%s%s; want it written", code, out, errs)
	}
}

// sfnRefused fails every Step Functions request as an unreachable endpoint would; the others go on.
type sfnRefused struct{ next *awshttp.BuildableClient }

func (c sfnRefused) Do(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions.") {
		return nil, errors.New("step functions unreachable (test)")
	}
	return c.next.Do(r)
}

// With the local cloud gone (nothing listens at the endpoint), a command's error says what to do:
// start it, and take its environment. The exit code stays the error's.
func TestErrorSaysTheLocalCloudMayNotBeRunning(t *testing.T) {
	gone := "http://" + testenv.ClosedAddress(t)
	t.Setenv("AWS_ENDPOINT_URL", gone) // the shell's, which the hint is about
	m, out, errb := newMain()
	m.AWSConfig = func(context.Context) (aws.Config, error) {
		return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(gone), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", "")}, nil
	}
	code := cli.Report(errb, m.Run(context.Background(), []string{"fault", "status", "-fault-parameter", "x"}), ExitError)
	if code != ExitError || !strings.Contains(errb.String(), "connection refused\nnothing listens on "+strings.TrimPrefix(gone, "http://")+": the local cloud may not be running") ||
		!strings.Contains(errb.String(), "chaoslab local env") {
		t.Errorf("exit %d\n%s%s\nwant 2, the error and the hint on a line of its own", code, out, errb)
	}
}
