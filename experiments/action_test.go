package experiments

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/functions/failure/faultconfig"
)

// chaosawsAction is a chaosaws put_parameter action writing value (a JSON object) for 30 s.
func chaosawsAction(value string) string {
	return `{"type": "action", "name": "on", "provider": {"type": "python", "module": "chaosaws.ssm.actions", "func": "put_parameter",
		"arguments": {"name": "failureLambdaConfig", "overwrite": true, "value": ` + value + `}}, "pauses": {"after": 30}}`
}

func TestCompileActions(t *testing.T) {
	tests := []struct {
		name, action, param string
		check               func(t *testing.T, fault faultconfig.Config) // the compiled value as functions/failure reads it
	}{
		{name: "seed parameter name", action: okAction, param: "failureLambdaConfig"},
		{name: "stack parameter name", action: strings.Replace(okAction, "--name failureLambdaConfig", "--name /ChaosLab/fault", 1), param: "/ChaosLab/fault"},
		{name: "equals options", action: strings.Replace(okAction, "--name failureLambdaConfig", "--name=failureLambdaConfig", 1), param: "failureLambdaConfig"},
		{name: "chaosaws object value", action: `{"type": "action", "name": "on", "provider": {"type": "python", "module": "chaosaws.ssm.actions", "func": "put_parameter",
			"arguments": {"name": "failureLambdaConfig", "overwrite": true, "value": {"isEnabled": true, "faults": [{"mode": "sdkerror", "error": "throttling", "rate": 0.7, "targets": ["dynamodb:*"]}]}}},
			"pauses": {"before": 5, "after": 30}}`, param: "failureLambdaConfig"},
		{name: "faults entry scoped to the invocation", param: "failureLambdaConfig",
			action: chaosawsAction(`{"isEnabled": true, "faults": [{"mode": "sdkerror", "rate": 0.3, "targets": ["dynamodb:*"], "error": "unavailable", "scope": "invocation"}]}`),
			check: func(t *testing.T, f faultconfig.Config) {
				if len(f.Faults) != 1 || f.Faults[0].Scope != faultconfig.ScopeInvocation || f.Faults[0].Error != faultconfig.SDKErrorUnavailable {
					t.Errorf("faults = %+v, want one invocation-scoped sdkerror unavailable", f.Faults)
				}
			}},
		{name: "top-level targets and error", param: "failureLambdaConfig",
			action: chaosawsAction(`{"isEnabled": true, "failureMode": "sdkerror", "rate": 0.5, "targets": ["dynamodb:*"], "error": "throttling"}`),
			check: func(t *testing.T, f faultconfig.Config) {
				if len(f.Faults) != 1 || f.Faults[0].Error != faultconfig.SDKErrorThrottling || f.Faults[0].Targets[0].String() != "dynamodb:*" {
					t.Errorf("faults = %+v, want one sdkerror throttling on dynamodb:*", f.Faults)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCompile(t, experiment(t, okProbe, tt.action), CompileOptions{Env: testEnv, FaultParameterName: "/ChaosLab/fault"})
			a := c.Method[0]
			v := valueOf(t, a)
			if a.Parameter != tt.param || v["isEnabled"] != true || v["expiresAfterSeconds"] != float64(30+120) || a.PauseAfterSeconds != 30 {
				t.Errorf("%+v %v", a, v)
			}
			f, err := faultconfig.Parse(a.Value)
			if err != nil {
				t.Fatalf("functions/failure would reject the compiled value %s: %v", a.Value, err)
			}
			if f.ExpiresAfter != 150*time.Second {
				t.Errorf("ExpiresAfter = %v, want 150s", f.ExpiresAfter)
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}

func TestCompileChecksRollbackValues(t *testing.T) {
	e := experiment(t, okProbe, okAction)
	e.Rollbacks[0].Provider.Arguments = json.RawMessage(`"ssm put-parameter --name failureLambdaConfig --type String --overwrite --value '{\"isEnabled\": \"false\"}'"`)
	_, err := Compile(e, CompileOptions{Env: testEnv})
	if want := "rollbacks[0].provider.arguments: the value is not a valid failure config: isEnabled: want true or false"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want one containing %q", err, want)
	}
}
