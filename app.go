// Command serverless-chaos-lab is the CDK app of the Serverless Chaos Lab: it reads the context
// (`-c scenario=flawed|resilient`, `-c architecture=arm64|x86_64`), builds the ChaosLab stack (the
// pipeline, its dashboard, and the experiment state machine), writes the stack outputs the drivers
// and the local cloud read (docs/contracts.md §1), and runs cdk-nag's AwsSolutions pack on every synth.
//
// Run it through the CDK CLI: `npx cdk synth -c scenario=resilient`.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/chaoslab/serverless-chaos-lab/constructs/dashboard"
	"github.com/chaoslab/serverless-chaos-lab/constructs/experiment"
	"github.com/chaoslab/serverless-chaos-lab/constructs/pipeline"
	"github.com/chaoslab/serverless-chaos-lab/internal/contract"
)

// StackID is the stack's construct id and CloudFormation name (contracts §1).
const StackID = contract.DefaultStackName

// Context keys the app reads (`-c key=value` or cdk.json "context").
const (
	ContextScenario     = "scenario"
	ContextArchitecture = "architecture"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	if _, err := NewLabApp(app); err != nil {
		fmt.Fprintln(os.Stderr, "chaoslab synth:", err)
		os.Exit(1)
	}
	app.Synth(nil)
}

// NewLabApp adds the ChaosLab stack to app, configured from app's context, and turns on cdk-nag.
// Errors (bad context, invalid props, a function that does not compile) come back as one error.
func NewLabApp(app awscdk.App) (lab *ChaosLab, err error) {
	props, err := propsFromContext(app)
	if err != nil {
		return nil, err
	}
	// Constructs report bad props and failed builds by panicking, the CDK convention; turn that into
	// an error so the user sees one message, not a goroutine dump.
	defer func() {
		if r := recover(); r != nil {
			lab, err = nil, fmt.Errorf("%v", r)
		}
	}()
	lab = NewChaosLabStack(app, StackID, props)
	// Every synth runs the AwsSolutions pack; any unsuppressed error fails synth. Suppressions sit on
	// the resources they cover, each with its reason (constructs/pipeline/nag.go).
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return lab, nil
}

// propsFromContext reads and validates the context; an unknown scenario or architecture names the
// choices.
func propsFromContext(app awscdk.App) (*ChaosLabStackProps, error) {
	get := func(key string) string {
		v := app.Node().TryGetContext(jsii.String(key))
		if v == nil {
			return ""
		}
		return strings.TrimSpace(fmt.Sprint(v))
	}
	props := &ChaosLabStackProps{
		Pipeline: pipeline.PipelineProps{
			Scenario:     get(ContextScenario),
			Architecture: get(ContextArchitecture),
		},
	}
	var errs []error
	if s := props.Pipeline.Scenario; s != "" {
		if _, err := pipeline.LookupScenario(s); err != nil {
			errs = append(errs, fmt.Errorf("context %q: %w", ContextScenario, err))
		}
	}
	if a := props.Pipeline.Architecture; a != "" && a != pipeline.ArchitectureARM64 && a != pipeline.ArchitectureX8664 {
		errs = append(errs, fmt.Errorf("context %q: %q is not one of: %s, %s",
			ContextArchitecture, a, pipeline.ArchitectureARM64, pipeline.ArchitectureX8664))
	}
	return props, errors.Join(errs...)
}

// ChaosLabStackProps configures the stack.
type ChaosLabStackProps struct {
	awscdk.StackProps
	// Pipeline configures the data path (scenario, architecture, function source, ...).
	Pipeline pipeline.PipelineProps
	// Dashboard overrides the dashboard's optional settings (name, period); the resource names are
	// always the pipeline's.
	Dashboard dashboard.DashboardProps
}

// ChaosLab is the stack and what it holds.
type ChaosLab struct {
	Stack      awscdk.Stack
	Pipeline   *pipeline.Pipeline
	Dashboard  *dashboard.Dashboard
	Experiment *experiment.Experiment
}

// NewChaosLabStack builds the lab's stack. nil props mean the defaults (flawed, arm64). The stack is
// environment-agnostic, so synth needs no AWS account or credentials.
func NewChaosLabStack(scope constructs.Construct, id string, props *ChaosLabStackProps) *ChaosLab {
	if props == nil {
		props = &ChaosLabStackProps{}
	}
	sprops := props.StackProps
	if sprops.Description == nil {
		sprops.Description = jsii.String("Serverless Chaos Lab: S3 -> SQS -> Go ETL Lambda -> S3/DynamoDB, SNS -> SQS, fault injection via SSM, chaos experiments on Step Functions")
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &sprops)

	p := pipeline.NewPipeline(stack, "Pipeline", &props.Pipeline)

	dprops := dashboard.PropsFor(p)
	dprops.DashboardName = props.Dashboard.DashboardName
	dprops.Period = props.Dashboard.Period
	dprops.MetricsNamespace = props.Dashboard.MetricsNamespace
	d := dashboard.NewDashboard(stack, "Dashboard", dprops)

	lab := &ChaosLab{Stack: stack, Pipeline: p, Dashboard: d}
	lab.addOutputs()

	lab.Experiment = experiment.NewExperiment(stack, "Experiment", &experiment.ExperimentProps{
		FaultParameter: p.FaultParameter,
	})
	output(stack, "ExperimentStateMachineArn", lab.Experiment.StateMachine.StateMachineArn(),
		"Experiment state machine: start an execution with a compiled experiment as input")

	return lab
}

// addOutputs writes the stack outputs of docs/contracts.md §1. They are created at stack scope so
// their logical ids are exactly the ids below (no path hash), which is what `cdk deploy
// --outputs-file` and the local cloud key on.
func (l *ChaosLab) addOutputs() {
	p, s := l.Pipeline, l.Stack
	output(s, "Scenario", jsii.String(p.Scenario.Name), "Scenario this stack was synthesized with (flawed or resilient)")
	output(s, "BucketName", p.Bucket.BucketName(), "Bucket: publish input/<name>.json; the function writes output/<name>.json.csv")
	output(s, "JsonQueueUrl", p.JsonQueue.QueueUrl(), "JSON work queue (input/*.json notifications)")
	output(s, "JsonQueueName", p.JsonQueue.QueueName(), "JSON work queue name (CloudWatch dimension)")
	output(s, "CsvQueueUrl", p.CsvQueue.QueueUrl(), "CSV queue (SNS envelopes of output/*.csv notifications); the subscriber drains it")
	output(s, "CsvQueueName", p.CsvQueue.QueueName(), "CSV queue name (CloudWatch dimension)")
	output(s, "ErrorQueueUrl", p.ErrorQueue.QueueUrl(), "Error queue: the JSON queue's DLQ and the resilient function's poison-document queue")
	output(s, "ErrorQueueName", p.ErrorQueue.QueueName(), "Error queue name (CloudWatch dimension)")
	output(s, "TopicArn", p.Topic.TopicArn(), "CSV notification topic")
	output(s, "TopicName", p.Topic.TopicName(), "CSV notification topic name (CloudWatch dimension)")
	output(s, "TableName", p.Table.TableName(), "DynamoDB table (symbol / entryType)")
	output(s, "FunctionName", p.Function.FunctionName(), "ETL function")
	output(s, "FaultParameterName", p.FaultParameter.ParameterName(), "SSM parameter holding the failure-injection config")
	output(s, "DashboardName", l.Dashboard.Dashboard.DashboardName(), "CloudWatch dashboard")
}

func output(stack awscdk.Stack, id string, value *string, description string) {
	awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{
		Value:       value,
		Description: jsii.String(description),
	})
}
