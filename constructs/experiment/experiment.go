package experiment

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// DefaultTimeout bounds an execution: the shipped experiments take about 15 minutes (5 min
// observed before, 5 min of fault, 5 min of recovery); a timed-out execution is rolled back by
// the Rule.
const DefaultTimeout = time.Hour

// ExperimentProps configure the state machine.
type ExperimentProps struct {
	// FaultParameter is the SSM parameter holding the failure config; the only thing the machine
	// may write. Required.
	FaultParameter awsssm.IStringParameter
	// Timeout of an execution. Default: DefaultTimeout.
	Timeout time.Duration
	// StateMachineName is the physical name. Default: a name unique in the app (generated at
	// synth, so the role's DescribeExecution permission can name this machine without a cycle).
	StateMachineName string
}

// Experiment is the experiment state machine and the rule that rolls back its aborted and
// timed-out executions.
type Experiment struct {
	constructs.Construct
	StateMachine awsstepfunctions.StateMachine
	Role         awsiam.Role
	// Rule starts the machine with {"rollbackOf": <execution ARN>} when an execution of it is
	// ABORTED or TIMED_OUT.
	Rule awsevents.Rule
}

// NewExperiment builds the state machine. It panics (at synth) listing every invalid prop.
func NewExperiment(scope constructs.Construct, id string, props *ExperimentProps) *Experiment {
	if props == nil {
		props = &ExperimentProps{}
	}
	var problems []string
	if props.FaultParameter == nil {
		problems = append(problems, "FaultParameter is required")
	}
	if props.Timeout < 0 || (props.Timeout > 0 && props.Timeout < time.Minute) || props.Timeout > 365*24*time.Hour {
		problems = append(problems, fmt.Sprintf("Timeout %v: want 1 min to 1 year (Step Functions standard workflows)", props.Timeout))
	}
	if n := props.StateMachineName; n != "" && (len(n) > 80 || strings.ContainsAny(n, " <>{}[]?*\"#%\\^|~`$&,;:/")) {
		problems = append(problems, fmt.Sprintf("StateMachineName %q: 1-80 characters without spaces or <>{}[]?*\"#%%\\^|~`$&,;:/", n))
	}
	if len(problems) > 0 {
		panic(fmt.Sprintf("experiment.NewExperiment(%s): %s", id, strings.Join(problems, "; ")))
	}
	timeout := props.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}

	c := constructs.NewConstruct(scope, &id)
	e := &Experiment{Construct: c}
	stack := awscdk.Stack_Of(c)
	name := props.StateMachineName
	if name == "" {
		name = *awscdk.Names_UniqueResourceName(c, &awscdk.UniqueResourceNameOptions{MaxLength: jsii.Number(80), Separator: jsii.String("-")})
	}

	e.Role = awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("states.amazonaws.com"), nil),
		Description: jsii.String("Chaos experiment state machine: writes the fault parameter, reads metrics"),
	})
	// ssm:PutParameter on the fault parameter only.
	props.FaultParameter.GrantWrite(e.Role)
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
		DefinitionBody:   awsstepfunctions.DefinitionBody_FromString(jsii.String(DefinitionJSON(*props.FaultParameter.ParameterName(), int(timeout.Seconds())))),
		Role:             e.Role,
		// The timeout is the definition's TimeoutSeconds (CDK cannot add it to a string definition).
		StateMachineType: awsstepfunctions.StateMachineType_STANDARD,
		Comment:          jsii.String("Runs a compiled chaos experiment (experiments.Compiled) and returns its journal"),
	})

	e.Rule = awsevents.NewRule(c, jsii.String("RollbackAborted"), &awsevents.RuleProps{
		Description: jsii.String("Roll back chaos experiments that were aborted or timed out"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.states"),
			DetailType: jsii.Strings("Step Functions Execution Status Change"),
			Detail: &map[string]any{
				"status":          []string{"ABORTED", "TIMED_OUT"},
				"stateMachineArn": []*string{e.StateMachine.StateMachineArn()},
			},
		},
	})
	e.Rule.AddTarget(awseventstargets.NewSfnStateMachine(e.StateMachine, &awseventstargets.SfnStateMachineProps{
		Input: awsevents.RuleTargetInput_FromObject(map[string]any{
			"rollbackOf": awsevents.EventField_FromPath(jsii.String("$.detail.executionArn")),
		}),
	}))
	e.suppressNag(name)
	return e
}

// suppressNag records, for cdk-nag (run on every synth of the app), why the findings on this
// construct are accepted.
func (e *Experiment) suppressNag(name string) {
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
			"Resource::*", "Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:"+name+":*"),
	}, jsii.Bool(true))
	cdknag.NagSuppressions_AddResourceSuppressions(e.StateMachine, &[]*cdknag.NagPackSuppression{
		sup("AwsSolutions-SF1", "every state's input and output is in the execution history, and the journal is the execution's "+
			"output (or its failure cause); CloudWatch Logs would duplicate it and need logs:* permissions on *"),
		sup("AwsSolutions-SF2", "the machine only calls CloudWatch, SSM and Step Functions APIs through SDK integrations; "+
			"X-Ray traces would add nothing the execution history does not show"),
	}, jsii.Bool(true))
}
