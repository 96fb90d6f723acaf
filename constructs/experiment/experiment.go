package experiment

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
)

// Experiment is the experiment state machine and the rule that rolls back its executions that ended
// without their rollbacks (aborted, timed out, or failed outside the machine's own Fail states).
type Experiment struct {
	constructs.Construct
	// StateMachine runs a compiled experiment (Definition); its name is StateMachineName or generated.
	StateMachine awsstepfunctions.StateMachine
	// Role is the machine's role: ssm:PutParameter on the fault parameter, cloudwatch:GetMetricData,
	// states:DescribeExecution on its own executions.
	Role awsiam.Role
	// Rule starts the machine with {"rollbackOf": <execution ARN>} when an execution of it is
	// ABORTED or TIMED_OUT, or FAILED with an error none of its Fail states has
	// (experiments.RollbackPattern).
	Rule awsevents.Rule
}

// NewExperiment builds the state machine. nil props are invalid (FaultParameter is required).
// Invalid props fail synth once, with every problem listed (Validate).
func NewExperiment(scope constructs.Construct, id string, props *ExperimentProps) *Experiment {
	if err := props.Validate(); err != nil {
		panic(fmt.Errorf("experiment %q: invalid props:\n%w", id, err))
	}
	v := props.withDefaults()

	c := constructs.NewConstruct(scope, &id)
	e := &Experiment{Construct: c}
	stack := awscdk.Stack_Of(c)
	name := v.StateMachineName
	if name == "" {
		name = *awscdk.Names_UniqueResourceName(c, &awscdk.UniqueResourceNameOptions{MaxLength: jsii.Number(maxNameLength), Separator: jsii.String("-")})
	}

	e.Role = awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("states.amazonaws.com"), nil),
		Description: jsii.String("Chaos experiment state machine: writes the fault parameter, reads metrics"),
	})
	// ssm:PutParameter on the fault parameter only.
	v.FaultParameter.GrantWrite(e.Role)
	// GetMetricData has no resource-level permissions (the IAM reference lists none): "*" is the
	// narrowest statement there is. It reads metrics only.
	e.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadMetrics"),
		Actions:   jsii.Strings("cloudwatch:GetMetricData"),
		Resources: jsii.Strings("*"),
	}))
	// The rollback of an aborted execution reads that execution's input, only from this machine.
	e.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:     jsii.String("ReadOwnExecutions"),
		Actions: jsii.Strings("states:DescribeExecution"),
		Resources: &[]*string{stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("states"), Resource: jsii.String("execution"),
			ResourceName: jsii.String(name + ":*"), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})},
	}))

	e.StateMachine = awsstepfunctions.NewStateMachine(c, jsii.String("StateMachine"), &awsstepfunctions.StateMachineProps{
		StateMachineName: jsii.String(name),
		DefinitionBody:   awsstepfunctions.DefinitionBody_FromString(jsii.String(DefinitionJSON(*v.FaultParameter.ParameterName(), int(v.Timeout.Seconds())))),
		Role:             e.Role,
		// The timeout is the definition's TimeoutSeconds (CDK cannot add it to a string definition).
		StateMachineType: awsstepfunctions.StateMachineType_STANDARD,
		Comment:          jsii.String("Runs a compiled chaos experiment (experiments.Compiled) and returns its journal"),
	})

	// The id stays "RollbackAborted" (its logical id, so a redeploy updates the rule in place).
	pattern := experiments.RollbackPattern(e.StateMachine.StateMachineArn())
	detail := pattern["detail"].(map[string]any)
	e.Rule = awsevents.NewRule(c, jsii.String("RollbackAborted"), &awsevents.RuleProps{
		Description: jsii.String("Roll back chaos experiments that were aborted, timed out, or failed before their rollbacks"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.states"),
			DetailType: jsii.Strings("Step Functions Execution Status Change"),
			Detail:     &detail,
		},
	})
	e.Rule.AddTarget(awseventstargets.NewSfnStateMachine(e.StateMachine, &awseventstargets.SfnStateMachineProps{
		Input: awsevents.RuleTargetInput_FromObject(map[string]any{
			"rollbackOf": awsevents.EventField_FromPath(jsii.String("$.detail.executionArn")),
		}),
	}))
	e.suppressNag(stack, name)
	return e
}

// nagArnPart is an ARN component as cdk-nag writes it in a finding's "applies to": a fixed value
// (a stack with an account and a region: env) as it is, a token as <AWS::Region> and so on.
func nagArnPart(v *string, pseudo string) string {
	if *awscdk.Token_IsUnresolved(v) {
		return "<AWS::" + pseudo + ">"
	}
	return *v
}

// suppressNag records, for cdk-nag (run on every synth of the app), why the findings on this
// construct are accepted. The execution ARN it accepts is the one the role's policy names: in a
// stack with a fixed account and region those are in it, not their pseudo parameters (a suppression
// for <AWS::Region> left an error, and a failed synth, in such a stack).
func (e *Experiment) suppressNag(stack awscdk.Stack, name string) {
	executions := fmt.Sprintf("Resource::arn:%s:states:%s:%s:execution:%s:*", nagArnPart(stack.Partition(), "Partition"),
		nagArnPart(stack.Region(), "Region"), nagArnPart(stack.Account(), "AccountId"), name)
	sup := func(id, reason string, appliesTo ...string) *cdknag.NagPackSuppression {
		s := &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
		if len(appliesTo) > 0 {
			list := make([]any, len(appliesTo))
			for i, a := range appliesTo {
				list[i] = a
			}
			s.AppliesTo = &list
		}
		return s
	}
	cdknag.NagSuppressions_AddResourceSuppressions(e.Role, &[]*cdknag.NagPackSuppression{
		sup("AwsSolutions-IAM5", "cloudwatch:GetMetricData supports no resource-level permissions (it only reads metrics), "+
			"and states:DescribeExecution is scoped to this state machine's own executions (the rollback of an aborted one)",
			"Resource::*", executions),
	}, jsii.Bool(true))
	cdknag.NagSuppressions_AddResourceSuppressions(e.StateMachine, &[]*cdknag.NagPackSuppression{
		sup("AwsSolutions-SF1", "every state's input and output is in the execution history, and the journal is the execution's "+
			"output (or its failure cause); CloudWatch Logs would duplicate it and need logs:* permissions on *"),
		sup("AwsSolutions-SF2", "the machine only calls CloudWatch, SSM and Step Functions APIs through SDK integrations; "+
			"X-Ray traces would add nothing the execution history does not show"),
	}, jsii.Bool(true))
}

// AddOutputs writes the stack output ExperimentStateMachineArn (docs/contracts.md §1: the id
// exactly, at the stack's scope; one experiment machine's per stack), which chaoslab run starts.
func (e *Experiment) AddOutputs() {
	awscdk.NewCfnOutput(awscdk.Stack_Of(e.Construct), jsii.String("ExperimentStateMachineArn"), &awscdk.CfnOutputProps{
		Value:       e.StateMachine.StateMachineArn(),
		Description: jsii.String("Experiment state machine: start an execution with a compiled experiment as input")})
}
