package pipeline

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// suppressNagFindings records, on the narrowest resource possible, each cdk-nag AwsSolutions finding
// the pipeline accepts on purpose, with the reason. The app runs the pack on every synth; anything not
// listed here fails it.
func (p *Pipeline) suppressNagFindings(v PipelineProps) {
	suppress(p.Bucket, false, nagRule("AwsSolutions-S1",
		"Server access logs would need a second bucket (itself unlogged) for a short-lived lab bucket; "+
			"the function's logs already record every object it reads and writes."))

	suppress(p.CsvQueue, false, nagRule("AwsSolutions-SQS3",
		"The CSV queue is the end of the pipeline: the subscriber driver only counts and deletes its "+
			"messages and never fails one, so a DLQ would stay empty (as in the seed)."))

	// No SNS2 (topic encryption) finding to suppress: this cdk-nag version's AwsSolutions pack does not
	// check it. The topic is deliberately unencrypted anyway; see the comment at awssns.NewTopic.

	bucketArn := fmt.Sprintf("<%s.Arn>", logicalID(p.Bucket))
	applies := []string{
		"Resource::" + bucketArn + "/" + InputPrefix + "*",
		"Resource::" + bucketArn + "/" + OutputPrefix + "*",
	}
	reason := "Object-level S3 grants need a key pattern: GetObject on input/* and PutObject on output/* only, " +
		"the two prefixes the function reads and writes."
	if v.MetricsViaAPI {
		applies = append(applies, "Resource::*")
		reason += " cloudwatch:PutMetricData has no resource-level scoping; it is limited by the " +
			"cloudwatch:namespace condition to " + MetricsNamespace + "."
	}
	suppress(p.FunctionRole, true, nagRule("AwsSolutions-IAM5", reason, applies...))

	suppressHelpers(awscdk.Stack_Of(p.Construct))
}

// suppressHelpers covers the Lambda-backed custom resources CDK itself adds to the stack. Their code
// and roles are CDK's, not ours: we can neither pin their runtime nor replace their managed policy
// without forking CDK, and they run only while CloudFormation deploys or deletes the stack.
//
//   - BucketNotificationsHandler (writes the bucket's notification config): its role carries
//     AWSLambdaBasicExecutionRole (IAM4). Its s3:PutBucketNotification is scoped to the bucket, so
//     there is no IAM5 finding.
//   - Custom::S3AutoDeleteObjectsCustomResourceProvider (empties the bucket on delete): CDK writes its
//     role as a raw CfnResource, which the AwsSolutions IAM rules do not inspect, so it needs nothing.
func suppressHelpers(stack awscdk.Stack) {
	for _, child := range *stack.Node().Children() {
		if strings.HasPrefix(*child.Node().Id(), "BucketNotificationsHandler") {
			suppress(child, true, nagRule("AwsSolutions-IAM4",
				"CDK's BucketNotificationsHandler role uses AWSLambdaBasicExecutionRole for its own logs; "+
					"the role is CDK's and the handler runs only during deployment.",
				"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"))
		}
	}
}

// rule is one suppression: the rule id, the reason, and (for rules with findings per item, like IAM5's
// wildcards) exactly which items it covers.
type rule struct {
	id        string
	reason    string
	appliesTo []string
}

func nagRule(id, reason string, appliesTo ...string) rule { return rule{id, reason, appliesTo} }

func suppress(c constructs.IConstruct, children bool, rules ...rule) {
	s := make([]*cdknag.NagPackSuppression, 0, len(rules))
	for _, r := range rules {
		sup := &cdknag.NagPackSuppression{Id: jsii.String(r.id), Reason: jsii.String(r.reason)}
		if len(r.appliesTo) > 0 {
			a := make([]any, len(r.appliesTo))
			for i, x := range r.appliesTo {
				a[i] = x
			}
			sup.AppliesTo = &a
		}
		s = append(s, sup)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &s, jsii.Bool(children))
}

// logicalID is the CloudFormation logical id of a construct's default resource, as cdk-nag prints it.
func logicalID(c constructs.IConstruct) string {
	return *awscdk.Stack_Of(c).GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}
