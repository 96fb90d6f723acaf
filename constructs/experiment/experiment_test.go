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
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/internal/cdktest"
)

// One jsii (Node) process serves every synth test of this binary.
func TestMain(m *testing.M) { cdktest.Main(m) }

// synthed is a minimal stack (a fault parameter and the experiment) and its template.
type synthed struct {
	stack    awscdk.Stack
	fault    awsssm.StringParameter
	e        *Experiment
	template assertions.Template
}

func synth(t *testing.T, props ExperimentProps) synthed {
	t.Helper()
	var s synthed
	s.template = cdktest.Synth(t, func(stack awscdk.Stack) {
		s.stack = stack
		s.fault = awsssm.NewStringParameter(stack, jsii.String("Fault"), &awsssm.StringParameterProps{StringValue: jsii.String(`{"isEnabled": false}`)})
		props.FaultParameter = s.fault
		s.e = NewExperiment(stack, "Experiment", &props)
	})
	return s
}

func (s synthed) logicalID(t *testing.T, c constructs.IConstruct) string {
	t.Helper()
	var id string
	cdktest.Guard(t, func() { id = *s.stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement)) })
	return id
}

// definition returns the state machine's DefinitionString, flattened, and its parsed ASL.
func (s synthed) definition(t *testing.T, props map[string]any) (string, map[string]any) {
	t.Helper()
	def := assertions.NewCapture(nil)
	props["DefinitionString"] = def
	var raw any
	cdktest.Guard(t, func() {
		s.template.HasResourceProperties(jsii.String("AWS::StepFunctions::StateMachine"), props)
		raw = *def.AsObject()
	})
	text := flatten(t, raw)
	var asl map[string]any
	if err := json.Unmarshal([]byte(text), &asl); err != nil {
		t.Fatalf("definition: %v\n%s", err, text)
	}
	return text, asl
}

func ref(id string) map[string]any { return map[string]any{"Ref": id} }

func getAtt(id, attr string) map[string]any { return map[string]any{"Fn::GetAtt": []any{id, attr}} }

// arn is the Fn::Join CDK writes for an ARN in this stack's partition, region and account; resource
// is the rest, as CDK joins it (":parameter/", ref).
func arn(service string, resource ...any) map[string]any {
	parts := append([]any{"arn:", ref("AWS::Partition"), ":" + service + ":", ref("AWS::Region"), ":", ref("AWS::AccountId")}, resource...)
	return map[string]any{"Fn::Join": []any{"", parts}}
}

// flatten resolves DefinitionString's Fn::Join: AWS::Partition → aws, other references → their
// logical id in lower case, Fn::GetAtt → the resource's logical id.
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
	// GIVEN a name and a timeout WHEN the experiment is synthesized THEN there is one state machine
	// with that name, the timeout in its definition, and a definition that writes the fault parameter.
	s := synth(t, ExperimentProps{Timeout: 30 * time.Minute, StateMachineName: "ChaosLabExperiment"})
	roleID, faultID, machineID := s.logicalID(t, s.e.Role), s.logicalID(t, s.fault), s.logicalID(t, s.e.StateMachine)
	cdktest.Guard(t, func() {
		s.template.ResourceCountIs(jsii.String("AWS::StepFunctions::StateMachine"), jsii.Number(1))
		s.template.ResourceCountIs(jsii.String("AWS::Events::Rule"), jsii.Number(1))
	})
	def, asl := s.definition(t, map[string]any{"StateMachineName": "ChaosLabExperiment", "RoleArn": getAtt(roleID, "Arn")})
	if asl["TimeoutSeconds"] != 1800.0 {
		t.Errorf("TimeoutSeconds = %v, want 1800", asl["TimeoutSeconds"])
	}
	// The fault parameter's name (a reference) is what the machine writes.
	if want := `"Name":"` + strings.ToLower(faultID) + `"`; !strings.Contains(def, want) {
		t.Errorf("the definition does not write the fault parameter (%s): %.300s", want, def)
	}
	t.Run("asl-validator accepts the synthesized definition", func(t *testing.T) { validateASL(t, def) })

	t.Run("least privilege", func(t *testing.T) {
		// GIVEN the same stack THEN the machine's role has one policy, and it allows exactly: writing the
		// fault parameter, reading metrics, describing this machine's own executions.
		cdktest.Guard(t, func() {
			onRole := map[string]any{"Properties": map[string]any{"Roles": []any{ref(roleID)}}}
			if n := len(*s.template.FindResources(jsii.String("AWS::IAM::Policy"), onRole)); n != 1 {
				t.Errorf("%d policies on the machine's role, want 1", n)
			}
			s.template.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
				"Roles": []any{ref(roleID)},
				"PolicyDocument": map[string]any{"Statement": []any{
					map[string]any{"Effect": "Allow", "Action": "ssm:PutParameter", "Resource": arn("ssm", ":parameter/", ref(faultID))},
					map[string]any{"Effect": "Allow", "Action": "cloudwatch:GetMetricData", "Resource": "*"},
					map[string]any{"Effect": "Allow", "Action": "states:DescribeExecution", "Resource": arn("states", ":execution:ChaosLabExperiment:*")},
				}},
			})
		})
	})

	t.Run("executions that ended without their rollbacks are rolled back", func(t *testing.T) {
		// GIVEN the same stack THEN a rule starts the machine with {"rollbackOf": <ARN>} when one of its
		// executions is aborted, times out, or fails with an error that none of its Fail states has.
		cdktest.Guard(t, func() {
			s.template.HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{
				"EventPattern": map[string]any{
					"source":      []any{"aws.states"},
					"detail-type": []any{"Step Functions Execution Status Change"},
					"detail": map[string]any{
						"stateMachineArn": []any{ref(machineID)},
						"$or": []any{
							map[string]any{"status": []any{"ABORTED", "TIMED_OUT"}},
							map[string]any{"status": []any{"FAILED"}, "error": []any{map[string]any{"anything-but": []any{
								"ExperimentAborted", "InvalidExperiment", "NotSteadyBefore", "RollbackFailed", "SteadyStateDeviated"}}}},
						},
					},
				},
				"Targets": []any{map[string]any{
					"Arn": ref(machineID),
					"InputTransformer": map[string]any{
						"InputPathsMap": map[string]any{"detail-executionArn": "$.detail.executionArn"},
						"InputTemplate": experiments.RollbackInputTemplate,
					},
				}},
			})
			// The synthesized pattern is experiments.RollbackPattern's, which the local clouds' tests
			// register and the runner reads (experiments.StartsRollback).
			var pattern any
			for _, r := range *s.template.FindResources(jsii.String("AWS::Events::Rule"), nil) {
				pattern = (*r)["Properties"].(map[string]any)["EventPattern"]
			}
			got, _ := json.Marshal(pattern)
			want, _ := json.Marshal(experiments.RollbackPattern(ref(machineID)))
			if string(got) != string(want) {
				t.Errorf("EventPattern\n got %s\nwant %s", got, want)
			}
		})
	})
}

func TestSynthDefaults(t *testing.T) {
	// GIVEN only the fault parameter WHEN synthesized THEN the machine gets a generated name of at most
	// 80 characters, its role names that machine's executions, and executions time out after DefaultTimeout.
	s := synth(t, ExperimentProps{})
	name := assertions.NewCapture(nil)
	_, asl := s.definition(t, map[string]any{"StateMachineName": name})
	var generated string
	cdktest.Guard(t, func() { generated = *name.AsString() })
	if generated == "" || len(generated) > 80 {
		t.Errorf("generated name %q", generated)
	}
	if asl["TimeoutSeconds"] != DefaultTimeout.Seconds() {
		t.Errorf("TimeoutSeconds = %v, want %v", asl["TimeoutSeconds"], DefaultTimeout.Seconds())
	}
	cdktest.Guard(t, func() {
		s.template.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
			"Roles": []any{ref(s.logicalID(t, s.e.Role))},
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Action": "states:DescribeExecution", "Resource": arn("states", ":execution:"+generated+":*"),
			})})},
		})
	})
}

// The AwsSolutions pack finds nothing unsuppressed on the experiment in any stack a user builds:
// environment-agnostic (the lab's), with a fixed account and region, with a region only, with a
// name of the user's. The role's execution ARN names a fixed account and region as they are, and
// its suppression must name them alike (it named their pseudo parameters: an error in such a stack,
// and cdk synth failed).
func TestNagAcceptsTheExperimentInAnyStack(t *testing.T) {
	for _, c := range []struct {
		name  string
		env   *awscdk.Environment
		props ExperimentProps
	}{
		{name: "environment-agnostic"},
		{name: "account and region", env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")}},
		{name: "region only, in China's partition", env: &awscdk.Environment{Region: jsii.String("cn-north-1")}},
		{name: "a name of the user's", env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")},
			props: ExperimentProps{StateMachineName: "team-chaos"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stack awscdk.Stack
			cdktest.SynthStack(t, &awscdk.StackProps{Env: c.env}, func(st awscdk.Stack) {
				stack = st
				props := c.props
				props.FaultParameter = awsssm.NewStringParameter(st, jsii.String("Fault"), &awsssm.StringParameterProps{
					StringValue: jsii.String(`{"isEnabled": false}`)})
				NewExperiment(st, "Experiment", &props)
				awscdk.Aspects_Of(st).Add(cdknag.NewAwsSolutionsChecks(nil), nil)
			})
			cdktest.Guard(t, func() {
				ann := assertions.Annotations_FromStack(stack)
				nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
				for _, m := range append(*ann.FindError(jsii.String("*"), nag), *ann.FindWarning(jsii.String("*"), nag)...) {
					t.Errorf("unsuppressed cdk-nag finding at %s: %v", *m.Id, m.Entry.Data)
				}
			})
		})
	}
}

// aParameter stands in for a fault parameter where only its presence matters: Validate needs no synth.
type aParameter struct{ awsssm.IStringParameter }

type validateCase struct {
	name  string
	props *ExperimentProps
	want  []string // substrings, each naming a field; empty: valid
}

func TestValidateCollectsEveryProblem(t *testing.T) {
	param := aParameter{}
	cases := []validateCase{
		{name: "nil props lack the parameter", props: nil, want: []string{"FaultParameter: required"}},
		{name: "zero props lack the parameter", props: &ExperimentProps{}, want: []string{"FaultParameter: required"}},
		{name: "only the parameter is the defaults", props: &ExperimentProps{FaultParameter: param}},
		{name: "full valid", props: &ExperimentProps{FaultParameter: param, Timeout: 30 * time.Minute, StateMachineName: "ChaosLabExperiment"}},
		{name: "shortest timeout", props: &ExperimentProps{FaultParameter: param, Timeout: time.Minute}},
		{name: "longest timeout", props: &ExperimentProps{FaultParameter: param, Timeout: 365 * 24 * time.Hour}},
		{name: "longest name", props: &ExperimentProps{FaultParameter: param, StateMachineName: strings.Repeat("a", 80)}},
		{name: "everything wrong at once", props: &ExperimentProps{Timeout: time.Second, StateMachineName: "bad name"}, want: []string{
			"FaultParameter: required",
			"Timeout: 1s is outside 1 min to 1 year",
			`StateMachineName: "bad name": want 1-80 characters`,
		}},
		{name: "timeout under a minute", props: &ExperimentProps{FaultParameter: param, Timeout: 59 * time.Second},
			want: []string{"Timeout: 59s is outside"}},
		{name: "negative timeout", props: &ExperimentProps{FaultParameter: param, Timeout: -time.Minute},
			want: []string{"Timeout: -1m0s is outside"}},
		{name: "timeout over a year", props: &ExperimentProps{FaultParameter: param, Timeout: 365*24*time.Hour + time.Second},
			want: []string{"Timeout: 8760h0m1s is outside"}},
		{name: "name too long", props: &ExperimentProps{FaultParameter: param, StateMachineName: strings.Repeat("a", 81)},
			want: []string{`StateMachineName: "aaaa`}},
	}
	// Every character Step Functions forbids in a name is rejected.
	for _, r := range nameForbidden {
		name := "a" + string(r) + "b"
		cases = append(cases, validateCase{name: fmt.Sprintf("name with %q", r),
			props: &ExperimentProps{FaultParameter: param, StateMachineName: name},
			want:  []string{fmt.Sprintf("StateMachineName: %q", name)}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// GIVEN the props WHEN validated THEN every problem is reported, one line each, naming its field.
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

func TestNewExperimentRejectsBadProps(t *testing.T) {
	// GIVEN several invalid props WHEN NewExperiment runs THEN synth fails once, naming every problem.
	var msg string
	cdktest.Synth(t, func(stack awscdk.Stack) {
		defer func() { msg = fmt.Sprint(recover()) }()
		NewExperiment(stack, "Experiment", &ExperimentProps{Timeout: time.Second, StateMachineName: "bad name"})
	})
	for _, want := range []string{`experiment "Experiment": invalid props:`, "FaultParameter: required", "Timeout: 1s", `StateMachineName: "bad name"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("panic %q lacks %q", msg, want)
		}
	}
}

// TestDeliberateErrors: the rule ignores exactly the errors of the machine's own Fail states, each
// reached after the rollbacks ran or before anything was written. GuardBreached (a Fail inside the
// guard's Map, always caught) and the States.* errors are not among them. experiments holds the
// list (the drivers read it without the CDK); this test holds the definition to it, so a Fail
// state added to one and not the other fails here.
func TestDeliberateErrors(t *testing.T) {
	var fails []string
	for _, s := range Definition("p", 60)["States"].(obj) {
		st := s.(obj)
		if e, ok := st["Error"].(string); ok && st["Type"] == "Fail" && !slices.Contains(fails, e) {
			fails = append(fails, e)
		}
	}
	slices.Sort(fails)
	if got := experiments.DeliberateErrors(); !slices.Equal(got, fails) {
		t.Fatalf("experiments.DeliberateErrors() = %v, want the Fail states' errors %v", got, fails)
	}
}

// TestRollbackRetriesEndBeforeTheExpiry: the rollback's write retries through a throttle (several
// attempts, jittered), and its longest wait in total ends well before the fault's expiry
// (ExpiryMargin past the method) would have switched the fault off anyway.
func TestRollbackRetriesEndBeforeTheExpiry(t *testing.T) {
	rollback := Definition("p", 60)["States"].(obj)["Rollback"].(obj)["ItemProcessor"].(obj)["States"].(obj)
	rules := rollback[StateRollbackPut].(obj)["Retry"].([]any)
	r := rules[len(rules)-1].(obj)
	if !slices.Equal(r["ErrorEquals"].([]any), []any{"States.ALL"}) || r["JitterStrategy"] != "FULL" || r["MaxAttempts"].(int) < 5 {
		t.Fatalf("rollback retry %v: want States.ALL, FULL jitter, at least 5 attempts", r)
	}
	var total, wait float64 = 0, float64(r["IntervalSeconds"].(int))
	for range r["MaxAttempts"].(int) {
		total += min(wait, float64(r["MaxDelaySeconds"].(int)))
		wait *= float64(r["BackoffRate"].(int))
	}
	if limit := ExpiryMargin.Seconds() / 2; total > limit {
		t.Errorf("the rollback's retries may wait %.0f s, more than %.0f s (half the expiry margin)", total, limit)
	}
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
