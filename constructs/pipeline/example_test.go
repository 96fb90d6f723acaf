package pipeline_test

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/chaoslab/serverless-chaos-lab/constructs/dashboard"
	"github.com/chaoslab/serverless-chaos-lab/constructs/experiment"
	"github.com/chaoslab/serverless-chaos-lab/constructs/pipeline"
)

// A team's own CDK app with the three constructs (README: "The constructs in your own app"): the
// resilient pipeline under a fault parameter name of the team's, its dashboard, the experiment
// state machine that writes that parameter, and the stack outputs chaoslab, the publisher and the
// subscriber read. In a module of the team's own, go.mod names the function's package once
// (`tool github.com/chaoslab/serverless-chaos-lab/functions/etl`) so that go mod tidy keeps its
// dependencies for the synth's build of it, and repeats the lab's go.mod `replace` of
// constructs-go (Go reads only the main module's: README). The environment is pinned here to
// show where a team's account goes; for the local cloud, leave it out.
func Example_teamApp() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("OrdersChaos"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
	})
	p := pipeline.NewPipeline(stack, "Pipeline", &pipeline.PipelineProps{
		Scenario:           pipeline.ScenarioResilient,
		FaultParameterName: "/orders/chaos/failureLambdaConfig",
		FailureCacheTTL:    10 * time.Second,
	})
	d := dashboard.NewDashboard(stack, "Dashboard", dashboard.PropsFor(p))
	e := experiment.NewExperiment(stack, "Experiment", &experiment.ExperimentProps{
		FaultParameter: p.FaultParameter,
		Timeout:        30 * time.Minute,
	})
	p.AddOutputs()
	d.AddOutputs()
	e.AddOutputs()
	app.Synth(nil)
}
