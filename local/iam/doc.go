// Package iam is the local cloud's IAM: it reads the policies of a deployed template and decides
// every request as AWS would, so that a call the stack's roles are not granted fails locally with
// the AccessDenied it would get in AWS. It is pure: no I/O, no clock but aws:CurrentTime.
//
// # Use, in order
//
// Load the policies. local/template fills a Stack as it deploys: for every resource it created or
// recorded, the logical id, the type, the properties after intrinsic functions are resolved, the
// Ref value and the Fn::GetAtt attributes (Resource lists what each type contributes):
//
//	eng, err := iam.Load(iam.Stack{Region: "us-east-1", AccountID: "000000000000", Resources: rs})
//
// Load collects each role's identity-based policies (AWS::IAM::Policy and AWS::IAM::ManagedPolicy
// with Roles, the role's inline Policies and ManagedPolicyArns) and the resource-based ones
// (AWS::SQS::QueuePolicy, AWS::SNS::TopicPolicy, AWS::S3::BucketPolicy, AWS::Lambda::Permission,
// and each role's trust policy, for sts:AssumeRole). AWS managed policies are known by ARN
// (AWSManagedPolicies); any other is an error naming the role and the ARN, as are malformed
// statements and condition operators the engine does not implement: a policy the engine cannot read
// never turns into an allow.
//
// Map each request to what AWS authorizes. The gateway knows the service from the SigV4 credential
// scope; Mapper.Map reads the operation from the method, path, query, X-Amz-Target or Action, and
// from the body where the resource is named there (it puts an unread copy of the body back for the
// next handler, and never reads S3 object bodies):
//
//	op, err := eng.Mapper().Map("sqs", r) // SendMessage → sqs:SendMessage on arn:aws:sqs:…:<queue>
//	if errors.Is(err, iam.ErrUnmapped) {
//		// an operation the mapper does not know: the caller decides
//	}
//
// One request can need several checks (TransactWriteItems: one per item; CopyObject: write the
// target and read the source); each carries its condition keys (aws:SecureTransport,
// cloudwatch:namespace, s3:prefix, dynamodb:LeadingKeys, ...).
//
// Decide, as the principal the request's credentials stand for: a role ARN, or a service principal
// such as s3.amazonaws.com with aws:SourceArn and aws:SourceAccount when a service delivers on a
// resource's behalf:
//
//	d := eng.AuthorizeAll(op.Requests(roleArn, nil))
//	if !d.Allowed {
//		code, status := iam.DeniedError(op.Service) // AccessDenied and 403 for SQS
//		// answer status, code and d.Reason in the service's protocol
//	}
//
// The logic is AWS's within one account: an explicit Deny in any applicable policy wins; else an
// Allow in the principal's identity-based policies, or in a resource-based policy of the resource
// that names the principal, allows; else the request is implicitly denied. The Reason is AWS's
// message ("User: <principal> is not authorized to perform: <action> on resource: <resource>
// because no identity-based policy allows the <action> action", or "with an explicit deny in a
// resource-based policy") followed by the deciding statement, which Decision.Statement names.
//
// Show what was granted: Engine.Summary lists, per principal, every statement (actions on
// resources, conditions, and the statement it comes from), for the deploy summary.
//
// For tests, TemplateStatements and WithoutStatement list a template's statements and remove one,
// so that a table can assert that each grant is needed.
//
// # Not modeled
//
// Cross-account access, permissions boundaries, SCPs and session policies; policy variables
// (${aws:username}: an error at Load); IAM users and groups (a policy attached only to them has no
// principal locally); S3 ACLs and virtual-hosted-style S3 addressing, PartiQL, and the operations
// Map does not list (ErrUnmapped).
package iam
