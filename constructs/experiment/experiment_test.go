package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"
)

// One jsii (Node) process serves every synth test of this binary.
func TestMain(m *testing.M) {
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// synth builds a minimal stack: a fault parameter and the experiment.
func synth(t *testing.T, props ExperimentProps) map[string]any {
	t.Helper()
	var tmpl map[string]any
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("synth: %v", r)
			}
		}()
		app := awscdk.NewApp(nil)
		stack := awscdk.NewStack(app, jsii.String("Test"), nil)
		param := awsssm.NewStringParameter(stack, jsii.String("Fault"), &awsssm.StringParameterProps{StringValue: jsii.String(`{"isEnabled": false}`)})
		props.FaultParameter = param
		NewExperiment(stack, "Experiment", &props)
		tmpl = *assertions.Template_FromStack(stack, nil).ToJSON()
	}()
	return tmpl
}

func resources(tmpl map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, r := range tmpl["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["Type"] == typ {
			out = append(out, r["Properties"].(map[string]any))
		}
	}
	return out
}

// flatten resolves DefinitionString's Fn::Join the way ENVIRONMENT.md says: AWS::Partition → aws,
// other references → their logical id.
func flatten(t *testing.T, v any) string {
	t.Helper()
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if j, ok := x["Fn::Join"].([]any); ok {
			var parts []string
			for _, p := range j[1].([]any) {
				parts = append(parts, flatten(t, p))
			}
			return strings.Join(parts, j[0].(string))
		}
		if r, ok := x["Ref"].(string); ok {
			if r == "AWS::Partition" {
				return "aws"
			}
			return strings.ToLower(strings.ReplaceAll(r, ":", ""))
		}
		if g, ok := x["Fn::GetAtt"].([]any); ok {
			return fmt.Sprint(g[0])
		}
	}
	t.Fatalf("cannot flatten %v", v)
	return ""
}

func validateASL(t *testing.T, definition string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "definition.json")
	if err := os.WriteFile(file, []byte(definition), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	validator := filepath.Join(repoRoot(t), "node_modules", "asl-validator", "dist", "bin", "asl-validator.js")
	out, err := exec.CommandContext(ctx, node22(t), validator, "--json-path", file).CombinedOutput()
	if err != nil {
		t.Fatalf("asl-validator: %v\n%s", err, out)
	}
}

func TestSynth(t *testing.T) {
	tmpl := synth(t, ExperimentProps{Timeout: 30 * time.Minute, StateMachineName: "ChaosLabExperiment"})

	sms := resources(tmpl, "AWS::StepFunctions::StateMachine")
	if len(sms) != 1 {
		t.Fatalf("%d state machines", len(sms))
	}
	def := flatten(t, sms[0]["DefinitionString"])
	var asl map[string]any
	if err := json.Unmarshal([]byte(def), &asl); err != nil {
		t.Fatalf("definition: %v\n%s", err, def)
	}
	if asl["TimeoutSeconds"] != 1800.0 || sms[0]["StateMachineName"] != "ChaosLabExperiment" {
		t.Errorf("timeout %v name %v", asl["TimeoutSeconds"], sms[0]["StateMachineName"])
	}
	// The fault parameter's name (a reference) is what the machine writes.
	if !strings.Contains(def, `"Name":"faultea`) {
		t.Errorf("the definition does not write the fault parameter: %.300s", def)
	}
	t.Run("asl-validator accepts the synthesized definition", func(t *testing.T) { validateASL(t, def) })

	t.Run("least privilege", func(t *testing.T) {
		var actions []string
		for _, p := range resources(tmpl, "AWS::IAM::Policy") {
			if !strings.Contains(fmt.Sprint(p["Roles"]), "ExperimentRole") {
				continue
			}
			for _, s := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				s := s.(map[string]any)
				acts, ok := s["Action"].([]any)
				if !ok {
					acts = []any{s["Action"]}
				}
				res, _ := json.Marshal(s["Resource"])
				for _, a := range acts {
					a := a.(string)
					actions = append(actions, a)
					switch a {
					case "ssm:PutParameter":
						if !strings.Contains(string(res), "parameter/") || !strings.Contains(string(res), `{"Ref":"FaultE`) {
							t.Errorf("PutParameter on %s, want the fault parameter only", res)
						}
					case "states:DescribeExecution":
						if !strings.Contains(string(res), ":execution:ChaosLabExperiment:*") {
							t.Errorf("DescribeExecution on %s, want this machine's executions", res)
						}
					case "cloudwatch:GetMetricData":
					default:
						t.Errorf("unexpected permission %s on %s", a, res)
					}
				}
			}
		}
		slices.Sort(actions)
		if got := strings.Join(actions, ","); got != "cloudwatch:GetMetricData,ssm:PutParameter,states:DescribeExecution" {
			t.Errorf("machine permissions = %s", got)
		}
	})

	t.Run("aborted and timed-out executions are rolled back", func(t *testing.T) {
		rules := resources(tmpl, "AWS::Events::Rule")
		if len(rules) != 1 {
			t.Fatalf("%d rules", len(rules))
		}
		b, _ := json.Marshal(rules[0])
		b = []byte(strings.NewReplacer(`\u003c`, "<", `\u003e`, ">").Replace(string(b)))
		for _, want := range []string{`"status":["ABORTED","TIMED_OUT"]`, `"source":["aws.states"]`, `"Step Functions Execution Status Change"`,
			`{\"rollbackOf\":<detail-executionArn>}`, `"detail-executionArn":"$.detail.executionArn"`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("rule lacks %s:\n%s", want, b)
			}
		}
	})
}

func TestSynthDefaults(t *testing.T) {
	tmpl := synth(t, ExperimentProps{})
	sm := resources(tmpl, "AWS::StepFunctions::StateMachine")[0]
	name, _ := sm["StateMachineName"].(string)
	if name == "" || len(name) > 80 {
		t.Errorf("generated name %q", name)
	}
	var asl map[string]any
	if err := json.Unmarshal([]byte(flatten(t, sm["DefinitionString"])), &asl); err != nil || asl["TimeoutSeconds"] != DefaultTimeout.Seconds() {
		t.Errorf("timeout %v (%v)", asl["TimeoutSeconds"], err)
	}
}

func TestPropsValidation(t *testing.T) {
	defer func() {
		r := recover()
		msg := fmt.Sprint(r)
		for _, want := range []string{"FaultParameter is required", "Timeout 1s", `StateMachineName "bad name"`} {
			if !strings.Contains(msg, want) {
				t.Errorf("panic %q lacks %q", msg, want)
			}
		}
	}()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Bad"), nil)
	NewExperiment(stack, "Experiment", &ExperimentProps{Timeout: time.Second, StateMachineName: "bad name"})
	t.Fatal("want a panic")
}

// TestEveryTaskIsCaught: a failing Task or Map at the top level must lead to the rollbacks.
func TestEveryTaskIsCaught(t *testing.T) {
	states := Definition("p", 60)["States"].(obj)
	for name, s := range states {
		st := s.(obj)
		if st["Type"] != "Task" && st["Type"] != "Map" {
			continue
		}
		catches, _ := st["Catch"].([]any)
		caught := false
		for _, c := range catches {
			caught = caught || slices.Contains(c.(obj)["ErrorEquals"].([]any), any("States.ALL"))
		}
		if !caught {
			t.Errorf("state %s has no States.ALL Catch", name)
		}
	}
}
