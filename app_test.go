package main

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/chaoslab/serverless-chaos-lab/constructs/pipeline"
	"github.com/chaoslab/serverless-chaos-lab/internal/cdktest"
	"github.com/chaoslab/serverless-chaos-lab/internal/lambdabuild"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

// contractOutputs are the output ids of docs/contracts.md §1, all of them.
var contractOutputs = []string{
	"BucketName", "JsonQueueUrl", "CsvQueueUrl", "ErrorQueueUrl", "JsonQueueName", "CsvQueueName", "ErrorQueueName",
	"TopicArn", "TopicName", "TableName", "FunctionName", "FaultParameterName", "DashboardName",
	"ExperimentStateMachineArn", "Scenario", "FailureCacheTTL",
}

func TestSynthBothScenarios(t *testing.T) {
	cases := []struct {
		name     string
		context  map[string]any
		scenario string
		timeout  float64
		stack    string
	}{
		{name: "no context is flawed", context: map[string]any{}, scenario: "flawed", timeout: 3, stack: StackID},
		{name: "flawed", context: map[string]any{"scenario": "flawed"}, scenario: "flawed", timeout: 3, stack: StackID},
		{name: "resilient, named to sit beside the default stack",
			context:  map[string]any{"scenario": "resilient", "architecture": "arm64", "stackName": "ChaosLabResilient"},
			scenario: "resilient", timeout: 30, stack: "ChaosLabResilient"},
	}
	var hashes []string
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// GIVEN the context WHEN the app is built from the real function source THEN the stack has
			// every contract output under its exact id, the scenario's timeout, and no unsuppressed
			// cdk-nag finding.
			cdktest.Guard(t, func() {
				labs, err := NewLabApp(cdktest.NewApp(t, c.context))
				if err != nil {
					t.Fatal(err)
				}
				if len(labs) != 1 {
					t.Fatalf("%d stacks, want 1", len(labs))
				}
				lab := labs[0]
				if id := *lab.Stack.StackName(); id != c.stack {
					t.Errorf("stack name %q, want %q", id, c.stack)
				}
				tmpl := assertions.Template_FromStack(lab.Stack, nil)
				outputs := (*tmpl.ToJSON())["Outputs"].(map[string]any)
				for _, id := range contractOutputs {
					if _, ok := outputs[id]; !ok {
						t.Errorf("output %q missing", id)
					}
				}
				for id := range outputs {
					if !slices.Contains(contractOutputs, id) {
						t.Errorf("output %q is not in docs/contracts.md §1", id)
					}
				}
				if v := outputs["Scenario"].(map[string]any)["Value"]; v != c.scenario {
					t.Errorf("Scenario output = %v, want %s", v, c.scenario)
				}
				tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
					"Runtime": "provided.al2023", "Handler": "bootstrap", "Architectures": []any{"arm64"},
					"Timeout": c.timeout,
					"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
						"SCENARIO": c.scenario,
					})},
				})
				tmpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Dashboard"), jsii.Number(1))
				tmpl.ResourceCountIs(jsii.String("AWS::StepFunctions::StateMachine"), jsii.Number(1))

				ann := assertions.Annotations_FromStack(lab.Stack)
				nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
				for _, m := range append(*ann.FindError(jsii.String("*"), nag), *ann.FindWarning(jsii.String("*"), nag)...) {
					t.Errorf("unsuppressed cdk-nag finding at %s: %v", *m.Id, m.Entry.Data)
				}
				hashes = append(hashes, lab.Pipeline.CodeHash)
			})
		})
	}

	// AND the function is built for real, once per architecture, and a fresh build of the same source
	// has the same bytes: the asset hash changes only when the code does.
	if len(hashes) != len(cases) {
		t.Fatal("not every scenario synthesized")
	}
	for _, h := range hashes[1:] {
		if h != hashes[0] {
			t.Errorf("scenarios built different binaries: %v", hashes)
		}
	}
	fresh, err := lambdabuild.Compile(context.Background(), pipeline.DefaultFunctionSource, "arm64", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Hash != hashes[0] {
		t.Errorf("rebuilding unchanged source gave hash %s, first build %s: the build is not reproducible", fresh.Hash, hashes[0])
	}
	if st, err := os.Stat(fresh.Dir + "/bootstrap"); err != nil || st.Size() == 0 {
		t.Errorf("no bootstrap in %s: %v", fresh.Dir, err)
	}
}

func TestContext(t *testing.T) {
	cases := []struct {
		name      string
		context   map[string]any
		want      pipeline.PipelineProps
		wantStack string
		wantErrs  []string
	}{
		{name: "empty takes the defaults", context: map[string]any{}, wantStack: StackID},
		{name: "stack name", context: map[string]any{"stackName": "ChaosLabResilient"}, wantStack: "ChaosLabResilient"},
		{name: "stack name CloudFormation refuses", context: map[string]any{"stackName": "chaos_lab"},
			wantErrs: []string{`context "stackName": "chaos_lab" is not a CloudFormation stack name`}},
		{name: "both set", context: map[string]any{"scenario": "resilient", "architecture": "x86_64"},
			want: pipeline.PipelineProps{Scenario: "resilient", Architecture: "x86_64"}, wantStack: StackID},
		{name: "unknown scenario", context: map[string]any{"scenario": "chaos"},
			wantErrs: []string{`context "scenario": scenario "chaos" is not one of: flawed, resilient`}},
		{name: "unknown architecture", context: map[string]any{"architecture": "sparc"},
			wantErrs: []string{`context "architecture": "sparc" is not one of: arm64, x86_64`}},
		{name: "both wrong, both reported", context: map[string]any{"scenario": "RESILIENT", "architecture": "amd64"},
			wantErrs: []string{"flawed, resilient", "arm64, x86_64"}},
		{name: "stacks and stackName", context: map[string]any{"stacks": "A=flawed", "stackName": "B"},
			wantErrs: []string{`context "stacks" and "stackName": set one`}},
		{name: "every bad entry of stacks reported",
			context: map[string]any{"stacks": "Good=flawed,NoScenario,bad_name=resilient,Good=resilient,Other=chaos"},
			wantErrs: []string{`entry "NoScenario" is not <stackName>=<scenario>`, `"bad_name" is not a CloudFormation stack name`,
				"stack Good is named twice", `scenario "chaos" is not one of`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// GIVEN the context WHEN the app reads it THEN valid values reach the pipeline props, and
			// invalid ones fail synth (before any build) with a message listing the choices.
			stacks, err := propsFromContext(cdktest.NewApp(t, c.context))
			if len(c.wantErrs) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if len(stacks) != 1 {
					t.Fatalf("%d stacks, want 1", len(stacks))
				}
				props := stacks[0]
				if props.Pipeline.Scenario != c.want.Scenario || props.Pipeline.Architecture != c.want.Architecture {
					t.Errorf("props = %+v, want %+v", props.Pipeline, c.want)
				}
				if props.StackName != c.wantStack {
					t.Errorf("stack name = %q, want %q", props.StackName, c.wantStack)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.wantErrs {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			// NewLabApp reports the same error, and builds no stack.
			app := cdktest.NewApp(t, c.context)
			if _, err := NewLabApp(app); err == nil {
				t.Error("NewLabApp accepted the context")
			}
			if n := len(*app.Node().Children()); n != 0 {
				t.Errorf("NewLabApp built %d constructs despite the bad context", n)
			}
		})
	}
}

func TestSeveralStacksInOneSynth(t *testing.T) {
	// GIVEN -c stacks with two entries (and cdk.json's scenario, which they override) WHEN the app is
	// built THEN it holds both stacks, in order, each with its own name and scenario, and one function
	// build for both.
	context := map[string]any{"scenario": "flawed", "architecture": "x86_64",
		"stacks": "ChaosLab-resilient-exp1=resilient, ChaosLab-flawed-exp1=flawed"}
	cdktest.Guard(t, func() {
		labs, err := NewLabApp(cdktest.NewApp(t, context))
		if err != nil {
			t.Fatal(err)
		}
		want := [][2]string{{"ChaosLab-resilient-exp1", "resilient"}, {"ChaosLab-flawed-exp1", "flawed"}}
		if len(labs) != len(want) {
			t.Fatalf("%d stacks, want %d", len(labs), len(want))
		}
		for i, lab := range labs {
			if name := *lab.Stack.StackName(); name != want[i][0] {
				t.Errorf("stack %d is %s, want %s", i, name, want[i][0])
			}
			outputs := (*assertions.Template_FromStack(lab.Stack, nil).ToJSON())["Outputs"].(map[string]any)
			if v := outputs["Scenario"].(map[string]any)["Value"]; v != want[i][1] {
				t.Errorf("%s: Scenario output = %v, want %s", want[i][0], v, want[i][1])
			}
		}
		if labs[0].Pipeline.CodeHash != labs[1].Pipeline.CodeHash {
			t.Errorf("the stacks run different builds: %s, %s", labs[0].Pipeline.CodeHash, labs[1].Pipeline.CodeHash)
		}
	})
}

func TestNewLabAppTurnsConstructPanicsIntoErrors(t *testing.T) {
	// GIVEN an app that already holds the ChaosLab stack WHEN the lab is added again THEN CDK's
	// duplicate-id panic comes back as an error naming the clash, not a crash.
	app := cdktest.NewApp(t, map[string]any{})
	awscdk.NewStack(app, jsii.String(StackID), nil)
	_, err := NewLabApp(app)
	if err == nil || !strings.Contains(err.Error(), StackID) {
		t.Errorf("err = %v, want the duplicate %s", err, StackID)
	}
}

// A team's own app needs every replace directive of the lab's go.mod (Go reads only the main
// module's), so the README's section on the constructs in one's own app quotes each, as written.
func TestREADMEQuotesTheReplaceDirectivesATeamNeeds(t *testing.T) {
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## The constructs in your own app\n")
	if !ok {
		t.Fatal(`README.md has no section "## The constructs in your own app"`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var directives []string
	for _, line := range strings.Split(string(mod), "\n") {
		if strings.HasPrefix(line, "replace ") {
			directives = append(directives, strings.TrimSpace(line))
		}
	}
	if strings.Contains(string(mod), "replace (") {
		t.Fatal("go.mod has a replace block: quote its lines in the README as single-line replace directives and teach this test to read it")
	}
	for _, d := range directives {
		if !strings.Contains(section, d) {
			t.Errorf("the README's own-app section does not quote go.mod's %q", d)
		}
	}
}
