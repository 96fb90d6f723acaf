package iam

import "strings"

// AWSManagedPolicies are the AWS managed policies the local IAM knows, by ARN (partition "aws"),
// with their documents as AWS publishes them (the default version, from the AWS Managed Policy
// Reference): the ones the CDK attaches to the roles it makes for Lambda functions. A role that
// attaches any other managed policy from outside the template fails Load, naming the role and the
// ARN; Stack.ManagedPolicies adds more.
var AWSManagedPolicies = map[string]string{
	// v1, the CDK's default for a function without a role of its own (and its custom resource
	// providers).
	"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
      "Resource": "*"
    }
  ]
}`,
	// v3, added by the CDK for a function in a VPC.
	"arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole": `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AWSLambdaVPCAccessExecutionPermissions",
      "Effect": "Allow",
      "Action": [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses"
      ],
      "Resource": "*"
    }
  ]
}`,
}

// managedKey normalizes a managed policy ARN for lookup: AWS managed policies are the same in every
// partition.
func managedKey(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" && parts[4] == "aws" {
		parts[1] = "aws"
		return strings.Join(parts, ":")
	}
	return arn
}
