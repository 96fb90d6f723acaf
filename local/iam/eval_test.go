package iam

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

const (
	appRole   = "arn:aws:iam::000000000000:role/app"
	otherRole = "arn:aws:iam::000000000000:role/other"
	queueURL  = "http://127.0.0.1:4566/000000000000/q"
	queueArn  = "arn:aws:sqs:us-east-1:000000000000:q"
	bucketArn = "arn:aws:s3:::b"
	topicArn  = "arn:aws:sns:us-east-1:000000000000:t"
)

// doc parses a JSON policy document for a test table.
func doc(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test document %s: %v", s, err)
	}
	return m
}

func statements(t *testing.T, stmts ...string) map[string]any {
	t.Helper()
	return doc(t, `{"Version": "2012-10-17", "Statement": [`+strings.Join(stmts, ",")+`]}`)
}

// testStack is two roles (app with the AppPolicy identity statements, other with none), a queue q
// with the QPolicy resource statements, a bucket b and a topic t.
func testStack(t *testing.T, identity []string, queuePolicy []string) Stack {
	t.Helper()
	trust := statements(t, `{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}`)
	rs := []Resource{
		{LogicalID: "AppRole", Type: "AWS::IAM::Role", Ref: "app", Attrs: map[string]string{"Arn": appRole},
			Properties: map[string]any{"AssumeRolePolicyDocument": trust}},
		{LogicalID: "OtherRole", Type: "AWS::IAM::Role", Ref: "other", Attrs: map[string]string{"Arn": otherRole},
			Properties: map[string]any{"AssumeRolePolicyDocument": trust}},
		{LogicalID: "Q", Type: "AWS::SQS::Queue", Ref: queueURL, Attrs: map[string]string{"Arn": queueArn}},
	}
	if len(identity) > 0 {
		rs = append(rs, Resource{LogicalID: "AppPolicy", Type: "AWS::IAM::Policy",
			Properties: map[string]any{"PolicyName": "AppPolicy", "Roles": []any{"app"}, "PolicyDocument": statements(t, identity...)}})
	}
	if len(queuePolicy) > 0 {
		rs = append(rs, Resource{LogicalID: "QPolicy", Type: "AWS::SQS::QueuePolicy",
			Properties: map[string]any{"Queues": []any{queueURL}, "PolicyDocument": statements(t, queuePolicy...)}})
	}
	return Stack{Resources: rs}
}

func load(t *testing.T, s Stack) *Engine {
	t.Helper()
	e, err := Load(s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestAuthorize(t *testing.T) {
	type req struct {
		principal, action, resource string
		ctx                         map[string][]string
		allowed                     bool
		reason                      string // substring of Decision.Reason
		statement                   string // Decision.Statement.String(), when set
	}
	tests := []struct {
		name     string
		identity []string
		queue    []string
		reqs     []req
	}{
		{
			name:     "an allow grants exactly its action and resource",
			identity: []string{`{"Sid": "Send", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "` + queueArn + `"}`},
			reqs: []req{
				{principal: appRole, action: "sqs:SendMessage", resource: queueArn, allowed: true,
					reason: "by an allow in an identity-based policy", statement: "AppPolicy statement Send"},
				{principal: appRole, action: "sqs:DeleteMessage", resource: queueArn,
					reason: "User: " + appRole + " is not authorized to perform: sqs:DeleteMessage on resource: " + queueArn + " because no identity-based policy allows the sqs:DeleteMessage action"},
				{principal: appRole, action: "sqs:SendMessage", resource: queueArn + "x",
					reason: "because no identity-based policy allows the sqs:SendMessage action"},
				{principal: otherRole, action: "sqs:SendMessage", resource: queueArn,
					reason: "because no identity-based policy allows"},
				{principal: "arn:aws:sts::000000000000:assumed-role/app/session-1", action: "sqs:SendMessage", resource: queueArn, allowed: true},
			},
		},
		{
			name: "an explicit deny wins over an allow",
			identity: []string{
				`{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}`,
				`{"Sid": "NoPurge", "Effect": "Deny", "Action": "sqs:PurgeQueue", "Resource": "*"}`,
			},
			reqs: []req{
				{principal: appRole, action: "sqs:SendMessage", resource: queueArn, allowed: true, statement: "AppPolicy statement #0"},
				{principal: appRole, action: "sqs:PurgeQueue", resource: queueArn,
					reason:    "is not authorized to perform: sqs:PurgeQueue on resource: " + queueArn + " with an explicit deny in an identity-based policy (AppPolicy statement NoPurge)",
					statement: "AppPolicy statement NoPurge"},
			},
		},
		{
			name:     "a deny in a resource-based policy wins over an identity allow",
			identity: []string{`{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}`},
			queue:    []string{`{"Effect": "Deny", "Principal": "*", "Action": "sqs:DeleteMessage", "Resource": "` + queueArn + `"}`},
			reqs: []req{
				{principal: appRole, action: "sqs:SendMessage", resource: queueArn, allowed: true},
				{principal: appRole, action: "sqs:DeleteMessage", resource: queueArn,
					reason: "with an explicit deny in a resource-based policy (QPolicy statement #0)", statement: "QPolicy statement #0"},
				{principal: appRole, action: "sqs:DeleteMessage", resource: "arn:aws:sqs:us-east-1:000000000000:other", allowed: true},
			},
		},
		{
			name: "actions match case-insensitively, with * and ?",
			identity: []string{
				`{"Effect": "Allow", "Action": "SQS:sendmessage", "Resource": "*"}`,
				`{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}`,
				`{"Effect": "Allow", "Action": "dynamodb:?etItem", "Resource": "*"}`,
			},
			reqs: []req{
				{principal: appRole, action: "sqs:SendMessage", resource: queueArn, allowed: true},
				{principal: appRole, action: "SQS:SENDMESSAGE", resource: queueArn, allowed: true},
				{principal: appRole, action: "s3:GetObject", resource: bucketArn + "/k", allowed: true},
				{principal: appRole, action: "s3:GetBucketNotification", resource: bucketArn, allowed: true},
				{principal: appRole, action: "s3:PutObject", resource: bucketArn + "/k"},
				{principal: appRole, action: "dynamodb:GetItem", resource: "*", allowed: true},
				{principal: appRole, action: "dynamodb:SetItem", resource: "*", allowed: true},
				{principal: appRole, action: "dynamodb:BatchGetItem", resource: "*"},
			},
		},
		{
			name:     "a * action is every action",
			identity: []string{`{"Effect": "Allow", "Action": "*", "Resource": "*"}`},
			reqs:     []req{{principal: appRole, action: "states:StartExecution", resource: "arn:aws:states:us-east-1:000000000000:stateMachine:m", allowed: true}},
		},
		{
			name: "NotAction allows everything else",
			identity: []string{
				`{"Sid": "AllButDelete", "Effect": "Allow", "NotAction": ["sqs:DeleteMessage", "sqs:Purge*"], "Resource": "` + queueArn + `"}`,
			},
			reqs: []req{
				{principal: appRole, action: "sqs:SendMessage", resource: queueArn, allowed: true, statement: "AppPolicy statement AllButDelete"},
				{principal: appRole, action: "sqs:DeleteMessage", resource: queueArn},
				{principal: appRole, action: "sqs:PurgeQueue", resource: queueArn},
				{principal: appRole, action: "s3:GetObject", resource: queueArn, allowed: true},
				{principal: appRole, action: "sqs:SendMessage", resource: bucketArn},
			},
		},
		{
			name: "a Deny with NotAction denies everything else",
			identity: []string{
				`{"Effect": "Allow", "Action": "*", "Resource": "*"}`,
				`{"Sid": "OnlySend", "Effect": "Deny", "NotAction": "sqs:SendMessage", "Resource": "*"}`,
			},
			reqs: []req{
				{principal: appRole, action: "sqs:SendMessage", resource: queueArn, allowed: true},
				{principal: appRole, action: "sqs:ReceiveMessage", resource: queueArn, statement: "AppPolicy statement OnlySend", reason: "explicit deny"},
			},
		},
		{
			name: "resources match case-sensitively, with * and ?",
			identity: []string{
				`{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/input/*"}`,
				`{"Effect": "Allow", "Action": "s3:PutObject", "Resource": ["arn:aws:s3:::b/out?ut/*.csv", "arn:aws:s3:::b/x"]}`,
			},
			reqs: []req{
				{principal: appRole, action: "s3:GetObject", resource: "arn:aws:s3:::b/input/a/b.json", allowed: true},
				{principal: appRole, action: "s3:GetObject", resource: "arn:aws:s3:::b/input/", allowed: true},
				{principal: appRole, action: "s3:GetObject", resource: "arn:aws:s3:::b/INPUT/a.json"},
				{principal: appRole, action: "s3:GetObject", resource: "arn:aws:s3:::b/output/a.json"},
				{principal: appRole, action: "s3:GetObject", resource: "arn:aws:s3:::b"},
				{principal: appRole, action: "s3:PutObject", resource: "arn:aws:s3:::b/output/r.csv", allowed: true},
				{principal: appRole, action: "s3:PutObject", resource: "arn:aws:s3:::b/outXut/d/r.csv", allowed: true},
				{principal: appRole, action: "s3:PutObject", resource: "arn:aws:s3:::b/outpt/r.csv"},
				{principal: appRole, action: "s3:PutObject", resource: "arn:aws:s3:::b/output/r.json"},
				{principal: appRole, action: "s3:PutObject", resource: "arn:aws:s3:::b/x", allowed: true},
				{principal: appRole, action: "s3:PutObject", resource: "arn:aws:s3:::b/xy"},
			},
		},
		{
			name: "NotResource",
			identity: []string{
				`{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::b/secret/*"}`,
			},
			reqs: []req{
				{principal: appRole, action: "s3:GetObject", resource: "arn:aws:s3:::b/input/a", allowed: true},
				{principal: appRole, action: "s3:GetObject", resource: "arn:aws:s3:::b/secret/a"},
			},
		},
		{
			name: "a resource-based policy grants a service principal with its source",
			queue: []string{`{"Sid": "FromBucket", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
				"Action": ["sqs:SendMessage", "sqs:GetQueueAttributes"], "Resource": "` + queueArn + `",
				"Condition": {"ArnLike": {"aws:SourceArn": "` + bucketArn + `"}, "StringEquals": {"aws:SourceAccount": "000000000000"}}}`},
			reqs: []req{
				{principal: "s3.amazonaws.com", action: "sqs:SendMessage", resource: queueArn, allowed: true,
					ctx: map[string][]string{"aws:SourceArn": {bucketArn}, "aws:SourceAccount": {"000000000000"}}, statement: "QPolicy statement FromBucket",
					reason: "by an allow in a resource-based policy (QPolicy statement FromBucket)"},
				{principal: "s3.amazonaws.com", action: "sqs:SendMessage", resource: queueArn,
					ctx:    map[string][]string{"aws:SourceArn": {"arn:aws:s3:::other"}, "aws:SourceAccount": {"000000000000"}},
					reason: "User: s3.amazonaws.com is not authorized to perform: sqs:SendMessage on resource: " + queueArn + " because no resource-based policy allows the sqs:SendMessage action"},
				{principal: "s3.amazonaws.com", action: "sqs:SendMessage", resource: queueArn,
					ctx: map[string][]string{"aws:SourceArn": {bucketArn}, "aws:SourceAccount": {"111111111111"}}},
				{principal: "s3.amazonaws.com", action: "sqs:SendMessage", resource: queueArn},
				{principal: "sns.amazonaws.com", action: "sqs:SendMessage", resource: queueArn,
					ctx: map[string][]string{"aws:SourceArn": {bucketArn}, "aws:SourceAccount": {"000000000000"}}},
				{principal: appRole, action: "sqs:SendMessage", resource: queueArn,
					ctx: map[string][]string{"aws:SourceArn": {bucketArn}, "aws:SourceAccount": {"000000000000"}}, reason: "no identity-based policy allows"},
				{principal: "s3.amazonaws.com", action: "sqs:DeleteMessage", resource: queueArn,
					ctx: map[string][]string{"aws:SourceArn": {bucketArn}, "aws:SourceAccount": {"000000000000"}}},
			},
		},
		{
			name:  "a resource-based policy naming a role grants it and its sessions without an identity policy",
			queue: []string{`{"Effect": "Allow", "Principal": {"AWS": "` + appRole + `"}, "Action": "sqs:ReceiveMessage", "Resource": "` + queueArn + `"}`},
			reqs: []req{
				{principal: appRole, action: "sqs:ReceiveMessage", resource: queueArn, allowed: true, reason: "resource-based"},
				{principal: "arn:aws:sts::000000000000:assumed-role/app/s", action: "sqs:ReceiveMessage", resource: queueArn, allowed: true},
				{principal: otherRole, action: "sqs:ReceiveMessage", resource: queueArn},
			},
		},
		{
			name: "Principal * names everyone; an account principal delegates in an Allow and names all in a Deny",
			queue: []string{
				`{"Effect": "Allow", "Principal": "*", "Action": "sqs:GetQueueUrl", "Resource": "` + queueArn + `"}`,
				`{"Effect": "Allow", "Principal": {"AWS": "000000000000"}, "Action": "sqs:ReceiveMessage", "Resource": "` + queueArn + `"}`,
				`{"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::000000000000:root"}, "Action": "sqs:PurgeQueue", "Resource": "` + queueArn + `"}`,
			},
			identity: []string{`{"Effect": "Allow", "Action": "sqs:PurgeQueue", "Resource": "*"}`},
			reqs: []req{
				{principal: otherRole, action: "sqs:GetQueueUrl", resource: queueArn, allowed: true},
				{principal: "events.amazonaws.com", action: "sqs:GetQueueUrl", resource: queueArn, allowed: true},
				{principal: otherRole, action: "sqs:ReceiveMessage", resource: queueArn},
				{principal: appRole, action: "sqs:PurgeQueue", resource: queueArn, reason: "explicit deny in a resource-based policy"},
			},
		},
		{
			name:     "the SSL-only deny the CDK adds denies plain transport only",
			identity: []string{`{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}`},
			queue:    []string{`{"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sqs:*", "Resource": "` + queueArn + `", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}`},
			reqs: []req{
				{principal: appRole, action: "sqs:SendMessage", resource: queueArn, allowed: true, ctx: map[string][]string{"aws:SecureTransport": {"true"}}},
				{principal: appRole, action: "sqs:SendMessage", resource: queueArn, allowed: true},
				{principal: appRole, action: "sqs:SendMessage", resource: queueArn, ctx: map[string][]string{"AWS:SECURETRANSPORT": {"false"}}, reason: "explicit deny"},
				{principal: "s3.amazonaws.com", action: "sqs:SendMessage", resource: queueArn, ctx: map[string][]string{"aws:SecureTransport": {"false"}}, reason: "explicit deny"},
			},
		},
		{
			// AWS evaluates NotPrincipal against the account, the role and the session: a Deny that
			// lists only the role still denies its sessions; listing all three spares them.
			name:     "a NotPrincipal deny spares only principals listed at every level",
			identity: []string{`{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}`},
			queue: []string{
				`{"Effect": "Deny", "NotPrincipal": {"AWS": "` + appRole + `"}, "Action": "sqs:PurgeQueue", "Resource": "` + queueArn + `"}`,
				`{"Effect": "Deny", "NotPrincipal": {"AWS": ["` + appRole + `", "arn:aws:sts::000000000000:assumed-role/app/s", "arn:aws:iam::000000000000:root"]}, "Action": "sqs:DeleteQueue", "Resource": "` + queueArn + `"}`,
			},
			reqs: []req{
				{principal: "arn:aws:sts::000000000000:assumed-role/app/s", action: "sqs:PurgeQueue", resource: queueArn, reason: "explicit deny"},
				{principal: appRole, action: "sqs:PurgeQueue", resource: queueArn, reason: "explicit deny"},
				{principal: "arn:aws:sts::000000000000:assumed-role/app/s", action: "sqs:DeleteQueue", resource: queueArn, allowed: true},
				{principal: "arn:aws:sts::000000000000:assumed-role/app/other", action: "sqs:DeleteQueue", resource: queueArn, reason: "explicit deny"},
				{principal: otherRole, action: "sqs:DeleteQueue", resource: queueArn, reason: "explicit deny"},
			},
		},
		{
			name:     "aws:PrincipalArn is the role, for a session too",
			identity: []string{`{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*", "Condition": {"ArnEquals": {"aws:PrincipalArn": "` + appRole + `"}}}`},
			reqs: []req{
				{principal: appRole, action: "sqs:SendMessage", resource: queueArn, allowed: true},
				{principal: "arn:aws:sts::000000000000:assumed-role/app/s", action: "sqs:SendMessage", resource: queueArn, allowed: true},
			},
		},
		{
			name:     "malformed requests are denied",
			identity: []string{`{"Effect": "Allow", "Action": "*", "Resource": "*"}`},
			reqs: []req{
				{principal: "", action: "sqs:SendMessage", resource: queueArn, reason: "malformed: no principal"},
				{principal: appRole, action: "SendMessage", resource: queueArn, reason: "malformed"},
				{principal: appRole, action: "sqs:SendMessage", resource: "", reason: "malformed: no resource"},
				{principal: "AKIDLOCAL", action: "sqs:SendMessage", resource: queueArn, reason: "malformed"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := load(t, testStack(t, tt.identity, tt.queue))
			for _, r := range tt.reqs {
				d := e.Authorize(Request{Principal: r.principal, Action: r.action, Resource: r.resource, Context: r.ctx})
				what := r.principal + " " + r.action + " " + r.resource
				if d.Allowed != r.allowed {
					t.Errorf("%s %v: allowed %v, want %v (%s)", what, r.ctx, d.Allowed, r.allowed, d.Reason)
					continue
				}
				if r.reason != "" && !strings.Contains(d.Reason, r.reason) {
					t.Errorf("%s: reason %q, want it to contain %q", what, d.Reason, r.reason)
				}
				if r.statement != "" && (d.Statement == nil || d.Statement.String() != r.statement) {
					t.Errorf("%s: statement %v, want %s", what, d.Statement, r.statement)
				}
				if !d.Allowed && d.Statement == nil && d.PolicyType != "" {
					t.Errorf("%s: implicit deny with policy type %q", what, d.PolicyType)
				}
				if (d.Err() == nil) != d.Allowed {
					t.Errorf("%s: Err() = %v with Allowed %v", what, d.Err(), d.Allowed)
				}
			}
		})
	}
}

func TestAuthorizeAll(t *testing.T) {
	e := load(t, testStack(t, []string{`{"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:ConditionCheckItem"], "Resource": "arn:aws:dynamodb:us-east-1:000000000000:table/t"}`}, nil))
	tbl := "arn:aws:dynamodb:us-east-1:000000000000:table/t"
	ok := e.AuthorizeAll([]Request{{appRole, "dynamodb:PutItem", tbl, nil}, {appRole, "dynamodb:ConditionCheckItem", tbl, nil}})
	if !ok.Allowed {
		t.Errorf("all granted: %s", ok.Reason)
	}
	d := e.AuthorizeAll([]Request{{appRole, "dynamodb:PutItem", tbl, nil}, {appRole, "dynamodb:UpdateItem", tbl, nil}, {appRole, "dynamodb:DeleteItem", tbl, nil}})
	if d.Allowed || d.Action != "dynamodb:UpdateItem" {
		t.Errorf("the first denial: got %+v", d)
	}
	if d := e.AuthorizeAll(nil); d.Allowed {
		t.Errorf("nothing to authorize is not an allow")
	}
}

func TestTrustPolicy(t *testing.T) {
	e := load(t, testStack(t, nil, nil))
	if d := e.Authorize(Request{Principal: "lambda.amazonaws.com", Action: "sts:AssumeRole", Resource: appRole}); !d.Allowed {
		t.Errorf("lambda may assume the role: %s", d.Reason)
	} else if d.Statement.String() != "AppRole AssumeRolePolicyDocument statement #0" {
		t.Errorf("statement %s", d.Statement)
	}
	if d := e.Authorize(Request{Principal: "states.amazonaws.com", Action: "sts:AssumeRole", Resource: appRole}); d.Allowed {
		t.Errorf("states may not assume a Lambda role")
	}
	// A role's trust policy is that role's, not of the roles whose ARN starts with it (role/app/x is
	// another role, of path /app/): only a bucket's policy covers what is under its ARN.
	if d := e.Authorize(Request{Principal: "lambda.amazonaws.com", Action: "sts:AssumeRole", Resource: appRole + "/x"}); d.Allowed {
		t.Errorf("the trust policy of %s let lambda assume %s/x: %s", appRole, appRole, d.Reason)
	}
}

func TestPolicySources(t *testing.T) {
	basic := "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
	managedArn := "arn:aws:iam::000000000000:policy/Shared"
	stack := Stack{Resources: []Resource{
		{LogicalID: "R", Type: "AWS::IAM::Role", Ref: "r", Attrs: map[string]string{"Arn": "arn:aws:iam::000000000000:role/r"},
			Properties: map[string]any{
				"ManagedPolicyArns": []any{basic, managedArn},
				"Policies": []any{map[string]any{"PolicyName": "inline", "PolicyDocument": statements(t,
					`{"Sid": "Inline", "Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "arn:aws:ssm:us-east-1:000000000000:parameter/p"}`)}},
			}},
		{LogicalID: "Shared", Type: "AWS::IAM::ManagedPolicy", Ref: managedArn, Properties: map[string]any{
			"PolicyDocument": statements(t, `{"Effect": "Allow", "Action": "sns:Publish", "Resource": "`+topicArn+`"}`)}},
		{LogicalID: "Attached", Type: "AWS::IAM::ManagedPolicy", Ref: "arn:aws:iam::000000000000:policy/Attached", Properties: map[string]any{
			"Roles": []any{"r"}, "PolicyDocument": statements(t, `{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "`+queueArn+`"}`)}},
		{LogicalID: "RP", Type: "AWS::IAM::RolePolicy", Properties: map[string]any{"RoleName": "r", "PolicyName": "rp",
			"PolicyDocument": statements(t, `{"Effect": "Allow", "Action": "states:StartExecution", "Resource": "*"}`)}},
		{LogicalID: "Fn", Type: "AWS::Lambda::Function", Ref: "fn", Attrs: map[string]string{"Arn": "arn:aws:lambda:us-east-1:000000000000:function:fn"}},
		{LogicalID: "Perm", Type: "AWS::Lambda::Permission", Properties: map[string]any{"Action": "lambda:InvokeFunction", "FunctionName": "fn",
			"Principal": "s3.amazonaws.com", "SourceArn": bucketArn, "SourceAccount": "000000000000"}},
		{LogicalID: "TP", Type: "AWS::SNS::TopicPolicy", Properties: map[string]any{"Topics": []any{topicArn},
			"PolicyDocument": statements(t, `{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish", "Resource": "`+topicArn+`"}`)}},
		{LogicalID: "BP", Type: "AWS::S3::BucketPolicy", Properties: map[string]any{"Bucket": "b",
			"PolicyDocument": statements(t, `{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:role/r"}, "Action": "s3:DeleteObject*", "Resource": "arn:aws:s3:::b/*"}`)}},
	}}
	e := load(t, stack)
	r := "arn:aws:iam::000000000000:role/r"
	src := map[string][]string{"aws:SourceArn": {bucketArn}, "aws:SourceAccount": {"000000000000"}}
	for _, c := range []struct {
		principal, action, resource string
		ctx                         map[string][]string
		allowed                     bool
		statement                   string
	}{
		{r, "logs:CreateLogGroup", "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/x", nil, true, basic + " statement #0"},
		{r, "logs:PutLogEvents", "arn:aws:logs:us-east-1:000000000000:log-group:x:log-stream:y", nil, true, basic + " statement #0"},
		{r, "logs:DeleteLogGroup", "*", nil, false, ""},
		{r, "ssm:GetParameter", "arn:aws:ssm:us-east-1:000000000000:parameter/p", nil, true, "R Policies[0] statement Inline"},
		{r, "sns:Publish", topicArn, nil, true, "Shared statement #0"},
		{r, "sqs:SendMessage", queueArn, nil, true, "Attached statement #0"},
		{r, "states:StartExecution", "arn:aws:states:us-east-1:000000000000:stateMachine:m", nil, true, "RP statement #0"},
		{"s3.amazonaws.com", "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:fn", src, true, "Perm statement #0"},
		{"s3.amazonaws.com", "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:fn", nil, false, ""},
		{"events.amazonaws.com", "sns:Publish", topicArn, nil, true, "TP statement #0"},
		{r, "s3:DeleteObject", "arn:aws:s3:::b/k", nil, true, "BP statement #0"},
		{r, "s3:DeleteObjectVersion", "arn:aws:s3:::b/k", nil, true, "BP statement #0"},
		{r, "s3:DeleteBucket", "arn:aws:s3:::b", nil, false, ""},
	} {
		d := e.Authorize(Request{Principal: c.principal, Action: c.action, Resource: c.resource, Context: c.ctx})
		if d.Allowed != c.allowed {
			t.Errorf("%s %s %s: allowed %v, want %v (%s)", c.principal, c.action, c.resource, d.Allowed, c.allowed, d.Reason)
			continue
		}
		if c.statement != "" && (d.Statement == nil || d.Statement.String() != c.statement) {
			t.Errorf("%s %s: statement %v, want %s", c.principal, c.action, d.Statement, c.statement)
		}
	}
	// Removing a role's inline statement (by Sid) takes the grant away; the stack's statements list it.
	refs := stack.Statements()
	found := false
	for _, ref := range refs {
		if ref.String() == "R Policies[0] statement Inline" {
			found = true
			less, err := stack.WithoutStatement(ref)
			if err != nil {
				t.Fatal(err)
			}
			if d := load(t, less).Authorize(Request{Principal: r, Action: "ssm:GetParameter", Resource: "arn:aws:ssm:us-east-1:000000000000:parameter/p"}); d.Allowed {
				t.Errorf("still allowed without the inline statement: %s", d.Reason)
			}
			if len(less.Statements()) != len(refs)-1 {
				t.Errorf("statements: %d of %d", len(less.Statements()), len(refs))
			}
		}
	}
	if !found {
		t.Errorf("Statements does not list the inline statement: %v", refs)
	}
	if got, _ := e.RoleARN("R"); got != r {
		t.Errorf("RoleARN(R) = %q", got)
	}
	if got := e.policiesOf(r); strings.Join(got, ",") != strings.Join([]string{"Attached", "R", "RP", "Shared", basic}, ",") {
		t.Errorf("policies of r: %v", got)
	}
}

func TestLoadErrors(t *testing.T) {
	role := func(props map[string]any) Resource {
		return Resource{LogicalID: "Fn1Role", Type: "AWS::IAM::Role", Ref: "fn1-role", Properties: props}
	}
	policy := func(stmt string) Resource {
		return Resource{LogicalID: "Pol", Type: "AWS::IAM::Policy",
			Properties: map[string]any{"Roles": []any{"fn1-role"}, "PolicyDocument": statements(t, stmt)}}
	}
	queuePolicy := func(stmt string) Resource {
		return Resource{LogicalID: "QP", Type: "AWS::SQS::QueuePolicy",
			Properties: map[string]any{"Queues": []any{queueURL}, "PolicyDocument": statements(t, stmt)}}
	}
	tests := []struct {
		name string
		rs   []Resource
		want []string
	}{
		{"an unknown managed policy", []Resource{role(map[string]any{"ManagedPolicyArns": []any{"arn:aws:iam::aws:policy/AdministratorAccess"}})},
			[]string{"Fn1Role (AWS::IAM::Role)", "role fn1-role", "arn:aws:iam::aws:policy/AdministratorAccess is not known"}},
		{"an unknown condition operator", []Resource{role(nil), policy(`{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringMatches": {"s3:prefix": "a"}}}`)},
			[]string{"Pol (AWS::IAM::Policy)", `operator "StringMatches" is not supported`}},
		{"an unknown set qualifier", []Resource{role(nil), policy(`{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ForSomeValues:StringLike": {"s3:prefix": "a"}}}`)},
			[]string{"unknown set qualifier"}},
		{"a number operator with a word", []Resource{role(nil), policy(`{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"NumericLessThan": {"s3:max-keys": "ten"}}}`)},
			[]string{`"ten" is not a number`}},
		{"a Bool that is not", []Resource{role(nil), policy(`{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "yes"}}}`)},
			[]string{`"yes" is not true or false`}},
		{"a Principal in an identity policy", []Resource{role(nil), policy(`{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}`)},
			[]string{"Principal in an identity-based policy"}},
		{"no Resource in an identity policy", []Resource{role(nil), policy(`{"Effect": "Allow", "Action": "s3:*"}`)},
			[]string{"no Resource or NotResource"}},
		{"no Action", []Resource{role(nil), policy(`{"Effect": "Allow", "Resource": "*"}`)}, []string{"no Action or NotAction"}},
		{"an Effect that is neither", []Resource{role(nil), policy(`{"Effect": "Permit", "Action": "s3:*", "Resource": "*"}`)}, []string{"Effect Permit"}},
		{"an action without service", []Resource{role(nil), policy(`{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}`)}, []string{`Action "GetObject"`}},
		{"a policy variable", []Resource{role(nil), policy(`{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}/*"}`)},
			[]string{"policy variables are not supported"}},
		{"an unresolved intrinsic", []Resource{role(nil), policy(`{"Effect": "Allow", "Action": "s3:*", "Resource": {"Fn::GetAtt": ["B", "Arn"]}}`)},
			[]string{"intrinsic function left unresolved"}},
		{"a resource policy without Principal", []Resource{queuePolicy(`{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}`)}, []string{"QP (AWS::SQS::QueuePolicy)", "no Principal"}},
		{"an unknown principal type", []Resource{queuePolicy(`{"Effect": "Allow", "Principal": {"Robot": "r"}, "Action": "sqs:*", "Resource": "*"}`)}, []string{`unknown principal type "Robot"`}},
		{"an unknown statement element", []Resource{queuePolicy(`{"Effect": "Allow", "Principal": "*", "Actions": "sqs:*", "Resource": "*"}`)}, []string{`unknown element "Actions"`}},
		// Stricter than it was, as strict as AWS (review of 2026-12-03): each of these once loaded and
		// allowed what AWS refuses to write.
		{"no Resource in a queue policy", []Resource{queuePolicy(`{"Effect": "Allow", "Principal": "*", "Action": "sqs:*"}`)},
			[]string{"QP (AWS::SQS::QueuePolicy)", "no Resource or NotResource (a resource-based policy needs one)"}},
		{"NotPrincipal with Allow", []Resource{queuePolicy(`{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::000000000000:role/app"}, "Action": "sqs:*", "Resource": "*"}`)},
			[]string{"NotPrincipal with Effect Allow"}},
		{"NotPrincipal in a trust policy", []Resource{role(map[string]any{"AssumeRolePolicyDocument": statements(t, `{"Effect": "Deny", "NotPrincipal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}`)})},
			[]string{"AssumeRolePolicyDocument", "NotPrincipal in a trust policy"}},
		{"another action in a trust policy", []Resource{role(map[string]any{"AssumeRolePolicyDocument": statements(t, `{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:role/other"}, "Action": ["sts:AssumeRole", "iam:PassRole"]}`)})},
			[]string{`Action "iam:PassRole" in a trust policy`}},
		{"a Resource in a trust policy", []Resource{role(map[string]any{"AssumeRolePolicyDocument": statements(t, `{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole", "Resource": "*"}`)})},
			[]string{"Resource in a trust policy"}},
		{"two policies on one queue", []Resource{queuePolicy(`{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": "*"}`),
			{LogicalID: "QP2", Type: "AWS::SQS::QueuePolicy", Properties: map[string]any{"Queues": []any{queueURL},
				"PolicyDocument": statements(t, `{"Effect": "Allow", "Principal": "*", "Action": "sqs:PurgeQueue", "Resource": "*"}`)}}},
			[]string{"already has a policy, QP", "one policy per queue"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(Stack{Resources: tt.rs})
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	// Every problem is reported, not only the first.
	_, err := Load(Stack{Resources: []Resource{role(map[string]any{"ManagedPolicyArns": []any{"arn:aws:iam::aws:policy/X"}}),
		policy(`{"Effect": "Allow", "Action": "s3:*"}`)}})
	if err == nil || !strings.Contains(err.Error(), "policy/X") || !strings.Contains(err.Error(), "Pol (AWS::IAM::Policy)") {
		t.Errorf("want both problems: %v", err)
	}
}

func TestCurrentTime(t *testing.T) {
	e := load(t, testStack(t, []string{`{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}}`}, nil))
	e.now = func() time.Time { return time.Date(2029, 12, 31, 0, 0, 0, 0, time.UTC) }
	if d := e.Authorize(Request{Principal: appRole, Action: "sqs:SendMessage", Resource: queueArn}); !d.Allowed {
		t.Errorf("before the date: %s", d.Reason)
	}
	e.now = func() time.Time { return time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC) }
	if d := e.Authorize(Request{Principal: appRole, Action: "sqs:SendMessage", Resource: queueArn}); d.Allowed {
		t.Errorf("after the date: allowed")
	}
}

// A queue policy set through the SQS API is the queue's one policy: it replaces the template's, ""
// leaves the queue with none, and a bad one fails the load naming the queue.
func TestQueuePoliciesSetThroughTheAPI(t *testing.T) {
	allowSNS := `{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": "` + queueArn + `",
		"Condition": {"ArnEquals": {"aws:SourceArn": "` + topicArn + `"}}}`
	fromTopic := func(e *Engine, topic string) bool {
		return e.Authorize(Request{Principal: "sns.amazonaws.com", Action: "sqs:SendMessage", Resource: queueArn,
			Context: map[string][]string{"aws:SourceArn": {topic}}}).Allowed
	}
	other := strings.Replace(topicArn, ":t", ":other", 1)
	apiDoc := string(mustJSON(t, statements(t, strings.Replace(allowSNS, topicArn, other, 1))))
	tests := []struct {
		name             string
		template         []string
		api              map[string]string
		topic, otherTopc bool
	}{
		{name: "the template's policy", template: []string{allowSNS}, topic: true},
		{name: "set through the API: replaces the template's", template: []string{allowSNS}, api: map[string]string{queueArn: apiDoc}, otherTopc: true},
		{name: "removed through the API: none", template: []string{allowSNS}, api: map[string]string{queueArn: ""}},
		{name: "set on another queue: the template's stays", template: []string{allowSNS}, api: map[string]string{queueArn + "x": apiDoc}, topic: true},
		{name: "set through the API, no template policy", api: map[string]string{queueArn: apiDoc}, otherTopc: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testStack(t, nil, tt.template)
			s.APIPolicies = tt.api
			e := load(t, s)
			if got := fromTopic(e, topicArn); got != tt.topic {
				t.Errorf("the topic may send: %v, want %v", got, tt.topic)
			}
			if got := fromTopic(e, other); got != tt.otherTopc {
				t.Errorf("the other topic may send: %v, want %v", got, tt.otherTopc)
			}
		})
	}
	s := testStack(t, nil, nil)
	s.APIPolicies = map[string]string{queueArn: `{"Statement": "not a list"`}
	if _, err := Load(s); err == nil || !strings.Contains(err.Error(), queueArn+": Policy") {
		t.Errorf("a bad policy: %v, want an error naming the queue", err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A bucket's policy names S3's actions and the bucket or its objects only, as S3 checks it.
func TestBucketPolicyProblem(t *testing.T) {
	doc := func(action, resource string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"` + action + `","Resource":"` + resource + `"}]}`
	}
	for _, c := range []struct{ doc, want string }{
		{doc("s3:GetObject", "arn:aws:s3:::b/*"), ""},
		{doc("s3:*", "arn:aws:s3:::b"), ""},
		{doc("sqs:SendMessage", "arn:aws:s3:::b/*"), "Policy has invalid action: sqs:SendMessage"},
		{doc("s3:GetObject", "arn:aws:s3:::b-2/*"), "Policy has invalid resource: arn:aws:s3:::b-2/*"},
		{doc("s3:GetObject", "*"), "Policy has invalid resource: *"},
		{"not JSON", ""},
	} {
		if got := BucketPolicyProblem("b", c.doc); c.want == "" && got != "" || c.want != "" && !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: %q, want %q", c.doc, got, c.want)
		}
	}
}
