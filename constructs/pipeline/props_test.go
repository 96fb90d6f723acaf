package pipeline_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/constructs/pipeline"
)

func TestValidateCollectsEveryProblem(t *testing.T) {
	cases := []struct {
		name  string
		props *pipeline.PipelineProps
		want  []string // substrings, each naming a field; empty: valid
	}{
		{name: "nil props are the defaults", props: nil},
		{name: "zero props are the defaults", props: &pipeline.PipelineProps{}},
		{name: "full valid", props: &pipeline.PipelineProps{
			Scenario: "resilient", Architecture: "x86_64", FunctionCodeDir: prebuilt, MaxReceiveCount: 1000,
			FailureCacheTTL: time.Minute, LogLevel: "WARN", FaultParameterName: "/chaos/failureLambdaConfig",
			InitialFaultConfig: `{"isEnabled": true, "failureMode": "latency"}`, LogRetention: 14 * 24 * time.Hour,
		}},
		{name: "everything wrong at once", props: &pipeline.PipelineProps{
			Scenario: "chaos", Architecture: "arm", FunctionSource: "./x", FunctionCodeDir: "testdata/none",
			MaxReceiveCount: 1001, FailureCacheTTL: -time.Second, LogLevel: "loud", FaultParameterName: "bad name!",
			InitialFaultConfig: "{", LogRetention: 2 * 24 * time.Hour,
		}, want: []string{
			`Scenario: scenario "chaos" is not one of: flawed, resilient`,
			`Architecture: "arm" is not one of: arm64, x86_64`,
			"FunctionCodeDir: set either FunctionSource or FunctionCodeDir",
			`FunctionCodeDir: "testdata/none" has no bootstrap`,
			"MaxReceiveCount: 1001 is outside SQS's 1..1000",
			"FailureCacheTTL: -1s is negative",
			`LogLevel: "loud"`,
			`FaultParameterName: "bad name!"`,
			"InitialFaultConfig: not a JSON object",
			"LogRetention: 48h0m0s is not a retention",
		}},
		{name: "config without isEnabled", props: &pipeline.PipelineProps{InitialFaultConfig: `{"rate": 1}`},
			want: []string{`InitialFaultConfig: needs a boolean "isEnabled"`}},
		{name: "oversized config", props: &pipeline.PipelineProps{
			InitialFaultConfig: `{"isEnabled": false, "x": "` + strings.Repeat("a", 5000) + `"}`},
			want: []string{"InitialFaultConfig: 5029 bytes exceeds"}},
		{name: "code dir is a directory", props: &pipeline.PipelineProps{FunctionCodeDir: "testdata"},
			want: []string{`FunctionCodeDir: "testdata" has no bootstrap`}},
		// SSM's rule, as the local Parameter Store answers it: what passed here failed at deploy.
		{name: "a reserved prefix", props: &pipeline.PipelineProps{FaultParameterName: "awsFault"},
			want: []string{`FaultParameterName: "awsFault" is not a name SSM takes: Parameter name: can't be prefixed with "aws" or "ssm"`}},
		{name: "a hierarchy's reserved prefix", props: &pipeline.PipelineProps{FaultParameterName: "/SSM/fault"},
			want: []string{`FaultParameterName: "/SSM/fault" is not a name SSM takes`}},
		{name: "a hierarchy without its leading slash", props: &pipeline.PipelineProps{FaultParameterName: "team/fault"},
			want: []string{`FaultParameterName: "team/fault" is not a name SSM takes: name "team/fault": a parameter name of more than one level must begin with a forward slash`}},
		{name: "sixteen levels", props: &pipeline.PipelineProps{FaultParameterName: strings.Repeat("/a", 16)},
			want: []string{"has 16 levels: a hierarchy can have a maximum of 15 levels"}},
		{name: "a name too long for its ARN", props: &pipeline.PipelineProps{FaultParameterName: "/" + strings.Repeat("a", 1000)},
			want: []string{"FaultParameterName: 1001 characters: SSM takes at most 1011 for the parameter's ARN, 967 for this name in us-east-1"}},
		{name: "the longest name", props: &pipeline.PipelineProps{FaultParameterName: "/" + strings.Repeat("a", 966)}},
		{name: "a TTL in nanoseconds", props: &pipeline.PipelineProps{FailureCacheTTL: 5},
			want: []string{"FailureCacheTTL: 5ns is under 1s: a time.Duration counts nanoseconds (5 * time.Second is five seconds)"}},
		{name: "a TTL of a second", props: &pipeline.PipelineProps{FailureCacheTTL: time.Second}},
		{name: "a name that is a token", props: &pipeline.PipelineProps{FaultParameterName: "/${Token[TOKEN.42]}/fault"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.props.Validate()
			if len(c.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %d problems", len(c.want))
			}
			msg := err.Error()
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			if n := strings.Count(msg, "\n") + 1; n != len(c.want) {
				t.Errorf("%d problems reported, want %d:\n%s", n, len(c.want), msg)
			}
		})
	}
}
