package cloud

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chaoslab/serverless-chaos-lab/local/esm"
	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/iam"
	"github.com/chaoslab/serverless-chaos-lab/local/sfn"
	"github.com/chaoslab/serverless-chaos-lab/local/sns"
)

// IAM, enforced as AWS enforces it.
//
// One engine (local/iam) holds the policies of every deployed stack: local/template hands it each
// stack's roles, policies and resource policies as it creates them (template.Options.IAM), and a
// delete takes them away. Every request the gateway has verified is then decided by the principal
// its key stands for (credentials.go):
//
//	the account (the user's key)    allowed: the account's root user may do everything
//	chaoslab.internal               allowed: the cloud's own plumbing, with no AWS counterpart
//	a role (functions, machines,    decided by the engine: the role's identity-based policies and the
//	  event source mappings)        resource-based policies of what it calls
//	s3.amazonaws.com,               decided by the engine with the delivery's source
//	  sns.amazonaws.com             (aws:SourceArn, aws:SourceAccount: gateway.SourceFrom) against
//	                                the queue's or topic's policy; their GetQueueUrl (the local
//	                                deliveries look a queue's URL up; AWS addresses it by ARN) is
//	                                allowed
//
// A denied request is answered with the service's own error (iam.DeniedError: AccessDenied and 403
// for S3, SQS and CloudWatch, AuthorizationError for SNS, AccessDeniedException and 400 for
// DynamoDB, SSM and Step Functions, 403 for Lambda) whose message is AWS's ("User: <principal> is not
// authorized to perform: <action> on resource: <resource> because ..."). A request local/iam cannot
// map to an action (iam.ErrUnmapped) is denied too, naming the operation: a role is never allowed
// what the engine cannot decide.
//
// The calls made in process are decided where they happen, by the same engine: an EventBridge
// rule's target starts only if events.amazonaws.com may assume the target's RoleArn and that role
// may states:StartExecution on the machine (authorizeTarget); S3's publish to a topic only if the
// topic's policy admits s3.amazonaws.com for the bucket (authorizePublish).
//
// aws:SecureTransport is true for the gateway's loopback HTTP (iam.Mapper.Insecure: every client of
// the real cloud uses TLS, and the CDK's SSL-only denies would otherwise deny every local request).

// iamState is the engine and what it was loaded from.
type iamState struct {
	mu       sync.Mutex
	stacks   map[string][]iam.Resource // by stack name
	policies map[string]string         // resource ARN → the policy set through its service's API (apipolicy.go)
	apiMu    sync.Mutex                // serializes the API's policy changes (apipolicy.go)
	engine   atomic.Pointer[iam.Engine]

	sqsMu sync.Mutex
	sqsAs map[string]esm.SQSAPI // an SQS client per principal (event source mappings)
}

// loadIAM starts with no stack.
func (c *Cloud) loadIAM() error {
	eng, err := iam.Load(iam.Stack{Region: Region, AccountID: AccountID})
	if err != nil {
		return fmt.Errorf("cloud: iam: %w", err)
	}
	c.iam.stacks = map[string][]iam.Resource{}
	c.iam.engine.Store(eng)
	return nil
}

// Engine is the IAM engine deciding requests now: every deployed stack's policies.
func (c *Cloud) Engine() *iam.Engine { return c.iam.engine.Load() }

// setStackIAM replaces one stack's resources (nil removes the stack), forgets the policies set
// through the APIs on what its template sets the policy of (iam.PolicyTargets; apipolicy.go), and
// reloads the engine over every stack. On an error the engine in force is kept and the stack's
// resources are not taken.
func (c *Cloud) setStackIAM(stack string, rs []iam.Resource) (*iam.Engine, error) {
	c.iam.mu.Lock()
	defer c.iam.mu.Unlock()
	stacks := maps.Clone(c.iam.stacks)
	if stacks == nil {
		stacks = map[string][]iam.Resource{}
	}
	policies := maps.Clone(c.iam.policies)
	// A deploy sets the template's policies again, and a delete takes the resources away: either way
	// what the API set on the stack's queues and on what its policy resources name is forgotten.
	for _, arn := range iam.PolicyTargets(iam.Stack{Region: Region, AccountID: AccountID, Resources: append(slices.Clone(stacks[stack]), rs...)}) {
		delete(policies, arn)
	}
	if rs == nil {
		delete(stacks, stack)
	} else {
		stacks[stack] = rs
	}
	eng, err := c.loadIAMLocked(stacks, policies)
	if err != nil {
		return nil, err
	}
	c.iam.stacks, c.iam.policies = stacks, policies
	c.iam.engine.Store(eng)
	return eng, nil
}

// loadIAMLocked builds an engine over stacks (in the order of their names) and the resource
// policies set through the APIs. c.iam.mu is held.
func (c *Cloud) loadIAMLocked(stacks map[string][]iam.Resource, policies map[string]string) (*iam.Engine, error) {
	var all []iam.Resource
	for _, n := range slices.Sorted(maps.Keys(stacks)) {
		all = append(all, stacks[n]...)
	}
	return iam.Load(iam.Stack{Region: Region, AccountID: AccountID, Resources: all, APIPolicies: policies})
}

// authorize is the gateway's Authorize hook: it decides a verified request as principal.
func (c *Cloud) authorize(r *http.Request, principal string) error {
	if c.opts.Authorize != nil {
		if err := c.opts.Authorize(r, principal); err != nil {
			return err
		}
	}
	if principal == PrincipalInternal {
		return nil
	}
	service := gateway.SigningName(r)
	if service == "sts" {
		return nil // GetCallerIdentity, STS's only action here, needs no permission, and a Deny does not stop it (local/sts)
	}
	code, status := iam.DeniedError(service)
	eng := c.Engine()
	op, err := eng.Mapper().Map(service, r)
	if principal == PrincipalAccount {
		return c.authorizeRoot(r, eng, op, err, code, status)
	}
	if err != nil {
		why := "the local IAM cannot decide it"
		if errors.Is(err, iam.ErrUnmapped) {
			why = "the local IAM does not map this operation to IAM actions"
		}
		c.log.Warn("iam: denied", "principal", principal, "service", service, "err", err)
		return &gateway.Error{Status: status, Code: code,
			Message: fmt.Sprintf("User: %s is not authorized to perform this %s request: %s (%v)", principal, service, why, err)}
	}
	var keys map[string][]string
	if gateway.IsServicePrincipal(principal) {
		if (principal == PrincipalS3 || principal == PrincipalSNS) && op.Name == "GetQueueUrl" {
			return nil
		}
		if src, ok := gateway.SourceFrom(r.Context()); ok {
			keys = map[string][]string{"aws:SourceArn": {src.Arn}, "aws:SourceAccount": {src.Account}}
		}
	}
	// The engine is asked as the caller: a role session's ARN, which it evaluates as the role and
	// which its denials name, as AWS's do.
	caller := gateway.CallerFrom(r.Context())
	if caller == "" {
		caller = principal
	}
	d := eng.AuthorizeAll(op.Requests(caller, keys))
	if d.Allowed {
		if service == "s3" && op.Name == "GetObject" && !gateway.IsServicePrincipal(principal) {
			if l := mayList(eng, caller, op); !l.Allowed {
				gateway.ConcealMissing(r, l.Reason+" (S3 does not tell a caller that may not list the bucket whether a key exists)")
			}
		}
		return nil
	}
	c.log.Info("iam: denied", "principal", principal, "operation", service+":"+op.Name, "action", d.Action, "resource", d.Resource, "reason", d.Reason)
	return &gateway.Error{Status: status, Code: code, Message: d.Reason}
}

// rootBucketPolicyOps are what the root user of the bucket's account may always do, whatever the
// bucket's policy says: "As a security precaution, the root principal of the account that owns a
// bucket can always use the GetBucketPolicy, PutBucketPolicy, and DeleteBucketPolicy API actions,
// even if their bucket policy explicitly denies the root principal's access" (PutBucketPolicy's
// API reference). So a policy that locks everyone out can be taken back.
var rootBucketPolicyOps = map[string]bool{"GetBucketPolicy": true, "PutBucketPolicy": true, "DeleteBucketPolicy": true}

// authorizeRoot decides a request of the user's key, the account's root user: it may do anything
// no policy explicitly denies it, as in AWS, where a resource policy's Deny (Principal "*", or the
// account) holds for the root user too. An operation the local IAM does not map (mapErr) is
// allowed: no statement can name it.
func (c *Cloud) authorizeRoot(r *http.Request, eng *iam.Engine, op iam.Operation, mapErr error, code string, status int) error {
	if mapErr != nil || gateway.SigningName(r) == "s3" && rootBucketPolicyOps[op.Name] {
		return nil
	}
	// Each of the operation's requests: one the root user is denied only for want of an Allow
	// (it needs none) does not hide an explicit Deny of the next.
	for _, req := range op.Requests(PrincipalAccount, nil) {
		if d := eng.Authorize(req); !d.Allowed && d.Statement != nil {
			c.log.Info("iam: denied", "principal", PrincipalAccount, "operation", gateway.SigningName(r)+":"+op.Name, "action", d.Action, "resource", d.Resource, "reason", d.Reason)
			return &gateway.Error{Status: status, Code: code, Message: d.Reason}
		}
	}
	return nil
}

// dynamoTables is the interceptor for dynamodb: a table named by an ARN of another region or
// account, or by one that is not a table's, is refused as DynamoDB refuses it (iam.TableError),
// since DynamoDB Local would read it as the table of that name here, which IAM did not decide on.
func (c *Cloud) dynamoTables(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var te *iam.TableError
		if errors.As(c.Engine().Mapper().CheckDynamoDBTables(r), &te) {
			gateway.WriteError(w, r, http.StatusBadRequest, te.Code, te.Message)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// mayList asks S3's question before it says that an object does not exist: may principal list the
// bucket (s3:ListBucket, with the key as s3:prefix)? Without it S3 answers a missing key with 403
// AccessDenied, not 404 NoSuchKey. op is an allowed GetObject (or HeadObject).
func mayList(eng *iam.Engine, principal string, op iam.Operation) iam.Decision {
	read := op.Checks[0]
	bucket, key, _ := strings.Cut(strings.TrimPrefix(read.Resource, "arn:aws:s3:::"), "/")
	list := iam.Check{Action: "s3:ListBucket", Resource: "arn:aws:s3:::" + bucket, Context: map[string][]string{}}
	for k, v := range read.Context {
		list.Context[k] = v
	}
	list.Context["s3:prefix"] = []string{key}
	return eng.AuthorizeAll(iam.Operation{Service: "s3", Name: "ListObjects", Checks: []iam.Check{list}}.Requests(principal, nil))
}

// authorizeTarget decides whether an EventBridge rule may start its target: events.amazonaws.com
// assumes the target's role (its trust policy, with the rule as aws:SourceArn), and the role calls
// states:StartExecution on the machine.
func (c *Cloud) authorizeTarget(rule sfn.Rule, t sfn.Target) error {
	if t.RoleArn == "" {
		return fmt.Errorf("target %s of rule %s has no RoleArn", t.Arn, rule.Name)
	}
	eng := c.Engine()
	d := eng.Authorize(iam.Request{Principal: "events.amazonaws.com", Action: "sts:AssumeRole", Resource: t.RoleArn,
		Context: map[string][]string{"aws:SourceArn": {rule.Arn}, "aws:SourceAccount": {AccountID}}})
	if d.Allowed {
		d = eng.Authorize(iam.Request{Principal: t.RoleArn, Action: "states:StartExecution", Resource: t.Arn,
			Context: map[string][]string{"aws:SecureTransport": {"true"}}})
	}
	if !d.Allowed {
		return fmt.Errorf("AccessDenied: %s", d.Reason)
	}
	return nil
}

// authorizePublish decides a Publish made in process on a resource's behalf (S3's event
// notifications to a topic) against the topic's policy.
func (c *Cloud) authorizePublish(_ context.Context, from sns.Publisher, topicArn string) error {
	d := c.Engine().Authorize(iam.Request{Principal: from.Principal, Action: "sns:Publish", Resource: topicArn,
		Context: map[string][]string{"aws:SourceArn": {from.SourceArn}, "aws:SourceAccount": {from.SourceAccount},
			"aws:SecureTransport": {"true"}}})
	if !d.Allowed {
		return errors.New(d.Reason)
	}
	return nil
}

// sqsAs is an SQS client signing as principal through the gateway (an event source mapping's, as
// its function's role).
func (c *Cloud) sqsAs(principal string) esm.SQSAPI {
	c.iam.sqsMu.Lock()
	defer c.iam.sqsMu.Unlock()
	if c.iam.sqsAs == nil {
		c.iam.sqsAs = map[string]esm.SQSAPI{}
	}
	cl := c.iam.sqsAs[principal]
	if cl == nil {
		cl = sqs.NewFromConfig(c.as(principal))
		c.iam.sqsAs[principal] = cl
	}
	return cl
}
