package iam

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Defaults of the local cloud (local/template and local/cloud use the same).
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "000000000000"
)

// Stack is what Load needs of a deployed template: its resources, each with its properties after
// intrinsic functions are resolved and the identity the deployer gave it. local/template fills it
// as it creates (or records) each resource.
type Stack struct {
	// Region and AccountID of the ARNs. Defaults: DefaultRegion, DefaultAccountID.
	Region, AccountID string
	// Resources of the template that were deployed (in any order; resources whose Condition is
	// false are left out).
	Resources []Resource
	// ManagedPolicies are documents (JSON text) of managed policies from outside the template, by
	// ARN, in addition to AWSManagedPolicies.
	ManagedPolicies map[string]string
	// APIPolicies are resource policies set through the services' APIs, by the ARN of the queue
	// (CreateQueue's or SetQueueAttributes' Policy), topic (CreateTopic's or SetTopicAttributes'
	// Policy) or bucket (PutBucketPolicy); "" is a policy removed. A resource has one policy: one
	// set here replaces what the template's policy resources give that resource.
	APIPolicies map[string]string
}

// Resource is one deployed template resource.
//
// Load reads, by type:
//
//	AWS::IAM::Role           Properties (AssumeRolePolicyDocument, Policies, ManagedPolicyArns, Path), Ref (role name), Attrs["Arn"]
//	AWS::IAM::Policy         Properties (PolicyDocument, PolicyName, Roles: role names)
//	AWS::IAM::RolePolicy     Properties (PolicyDocument, PolicyName, RoleName)
//	AWS::IAM::ManagedPolicy  Properties (PolicyDocument, Roles), Ref (its ARN)
//	AWS::SQS::Queue          Ref (queue URL), Attrs["Arn"]
//	AWS::SQS::QueuePolicy    Properties (PolicyDocument, Queues: queue URLs)
//	AWS::SQS::QueueInlinePolicy Properties (PolicyDocument, Queue)
//	AWS::SNS::TopicPolicy    Properties (PolicyDocument, Topics: topic ARNs)
//	AWS::SNS::TopicInlinePolicy Properties (PolicyDocument, TopicArn)
//	AWS::S3::BucketPolicy    Properties (PolicyDocument, Bucket: bucket name)
//	AWS::Lambda::Function    Ref (function name), Attrs["Arn"]
//	AWS::Lambda::Permission  Properties (Action, FunctionName, Principal, SourceArn, SourceAccount)
//	AWS::DynamoDB::Table     Ref (table name), Properties (KeySchema): for dynamodb:LeadingKeys
//
// and ignores every other type.
type Resource struct {
	LogicalID string
	Type      string
	// Properties after intrinsic functions are resolved (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, ...).
	Properties map[string]any
	// Ref is what Ref returns for the resource (its physical id).
	Ref string
	// Attrs are what Fn::GetAtt returns for it (Arn, ...).
	Attrs map[string]string
}

// Engine decides requests with AWS's policy evaluation logic for requests within one account. It is
// read-only after Load and safe for concurrent use.
type Engine struct {
	region, account string

	roles      map[string]*role // by role ARN
	roleByName map[string]*role
	roleOrder  []*role

	resource []*attachedPolicy // resource-based policies, trust policies included

	hashKeys map[string]string // DynamoDB table name → partition key attribute

	// now gives aws:CurrentTime and aws:EpochTime when the request has none. Default: time.Now.
	now func() time.Time
}

type role struct {
	arn, name, logicalID string
	policies             []*attachedPolicy // identity-based
	trust                *attachedPolicy
	managed              map[string]bool // attached managed policy ARNs
}

// attachedPolicy is one policy document and what it is attached to.
type attachedPolicy struct {
	name     string // the deciding policy's name for a person: logical id or managed policy ARN
	kind     policyKind
	attached string // resource-based: the ARN of the resource it is attached to
	stmts    []*statement
}

// Load reads the identity-based policies of every role in s (AWS::IAM::Policy and RolePolicy with
// Roles, a role's inline Policies and ManagedPolicyArns, AWS::IAM::ManagedPolicy with Roles) and
// the resource-based policies (queue, topic and bucket policies, Lambda permissions, role trust
// policies). Every problem is reported, each naming the resource: a malformed statement, an
// unsupported condition operator, a managed policy the local IAM does not know.
func Load(s Stack) (*Engine, error) {
	e := &Engine{
		region: s.Region, account: s.AccountID,
		roles: map[string]*role{}, roleByName: map[string]*role{}, hashKeys: map[string]string{},
		now: time.Now,
	}
	if e.region == "" {
		e.region = DefaultRegion
	}
	if e.account == "" {
		e.account = DefaultAccountID
	}
	var errs []error
	fail := func(r Resource, err error) {
		errs = append(errs, fmt.Errorf("%s (%s): %w", r.LogicalID, r.Type, err))
	}

	// Identities first: roles, queue URLs, function names, managed policies of the template.
	queueArn := map[string]string{}
	functionArn := map[string]string{}
	templateManaged := map[string]Resource{}
	for _, r := range s.Resources {
		switch r.Type {
		case "AWS::IAM::Role":
			name := r.Ref
			if name == "" {
				name = str(r.Properties, "RoleName")
			}
			if name == "" {
				fail(r, fmt.Errorf("no role name (Ref)"))
				continue
			}
			arn := r.Attrs["Arn"]
			if arn == "" {
				path := str(r.Properties, "Path")
				if path == "" {
					path = "/"
				}
				arn = "arn:aws:iam::" + e.account + ":role" + path + name
			}
			ro := &role{arn: arn, name: name, logicalID: r.LogicalID, managed: map[string]bool{}}
			e.roles[arn] = ro
			e.roleByName[name] = ro
			e.roleOrder = append(e.roleOrder, ro)
		case "AWS::SQS::Queue":
			if r.Ref != "" && r.Attrs["Arn"] != "" {
				queueArn[r.Ref] = r.Attrs["Arn"]
			}
		case "AWS::Lambda::Function":
			if r.Ref != "" && r.Attrs["Arn"] != "" {
				functionArn[r.Ref] = r.Attrs["Arn"]
			}
		case "AWS::IAM::ManagedPolicy":
			arn := r.Ref
			if arn == "" {
				arn = r.Attrs["PolicyArn"]
			}
			if arn == "" {
				fail(r, fmt.Errorf("no policy ARN (Ref)"))
				continue
			}
			templateManaged[arn] = r
		case "AWS::DynamoDB::Table":
			if ks, ok := r.Properties["KeySchema"].([]any); ok && r.Ref != "" {
				for _, k := range ks {
					km, _ := k.(map[string]any)
					if str(km, "KeyType") == "HASH" {
						e.hashKeys[r.Ref] = str(km, "AttributeName")
					}
				}
			}
		}
	}

	// roleNamed returns the role a policy names; a role from outside the template is still a
	// principal.
	roleNamed := func(name string) *role {
		if ro, ok := e.roleByName[name]; ok {
			return ro
		}
		if ro, ok := e.roles[name]; ok { // an ARN
			return ro
		}
		arn := name
		if !strings.HasPrefix(name, "arn:") {
			arn = "arn:aws:iam::" + e.account + ":role/" + name
		}
		n := arn[strings.LastIndex(arn, "/")+1:]
		ro := &role{arn: arn, name: n, managed: map[string]bool{}}
		e.roles[arn] = ro
		e.roleByName[n] = ro
		e.roleOrder = append(e.roleOrder, ro)
		return ro
	}

	// Managed policies, parsed once each.
	managedDocs := map[string]*attachedPolicy{}
	managedPolicy := func(arn string) (*attachedPolicy, error) {
		if p, ok := managedDocs[arn]; ok {
			return p, nil
		}
		var p *attachedPolicy
		if r, ok := templateManaged[arn]; ok {
			stmts, err := parseDocument(r.Properties["PolicyDocument"], identityPolicy, StatementRef{Policy: r.LogicalID, Document: "PolicyDocument"})
			if err != nil {
				return nil, fmt.Errorf("PolicyDocument: %w", err)
			}
			p = &attachedPolicy{name: r.LogicalID, kind: identityPolicy, stmts: stmts}
		} else {
			doc, ok := s.ManagedPolicies[arn]
			if !ok {
				doc, ok = AWSManagedPolicies[managedKey(arn)]
			}
			if !ok {
				return nil, fmt.Errorf("managed policy %s is not known to the local IAM (known: %s; Stack.ManagedPolicies adds more)",
					arn, strings.Join(sortedKeys(AWSManagedPolicies), ", "))
			}
			stmts, err := parseDocument(doc, identityPolicy, StatementRef{Policy: arn})
			if err != nil {
				return nil, fmt.Errorf("managed policy %s: %w", arn, err)
			}
			p = &attachedPolicy{name: arn, kind: identityPolicy, stmts: stmts}
		}
		managedDocs[arn] = p
		return p, nil
	}
	attachManaged := func(ro *role, arn string) error {
		if ro.managed[arn] {
			return nil
		}
		p, err := managedPolicy(arn)
		if err != nil {
			return err
		}
		ro.managed[arn] = true
		ro.policies = append(ro.policies, p)
		return nil
	}

	identity := func(r Resource, doc string, roles []string) {
		stmts, err := parseDocument(r.Properties[doc], identityPolicy, StatementRef{Policy: r.LogicalID, Document: doc})
		if err != nil {
			fail(r, fmt.Errorf("%s: %w", doc, err))
			return
		}
		p := &attachedPolicy{name: r.LogicalID, kind: identityPolicy, stmts: stmts}
		for _, n := range roles {
			ro := roleNamed(n)
			ro.policies = append(ro.policies, p)
		}
	}
	resourcePol := func(r Resource, attached []string) {
		stmts, err := parseDocument(r.Properties["PolicyDocument"], resourcePolicy, StatementRef{Policy: r.LogicalID, Document: "PolicyDocument"})
		if err != nil {
			fail(r, fmt.Errorf("PolicyDocument: %w", err))
			return
		}
		for _, a := range attached {
			// A queue, topic or bucket has one policy; a second resource writing one replaces the
			// first in AWS, whichever CloudFormation writes last. Here both once counted, merged.
			if i := slices.IndexFunc(e.resource, func(p *attachedPolicy) bool { return p.attached == a && p.kind == resourcePolicy }); i >= 0 {
				fail(r, fmt.Errorf("%s already has a policy, %s: AWS keeps one policy per queue, topic or bucket (the one written last), so write the statements into one", a, e.resource[i].name))
				continue
			}
			e.resource = append(e.resource, &attachedPolicy{name: r.LogicalID, kind: resourcePolicy, attached: a, stmts: stmts})
		}
	}
	list := func(r Resource, key string) []string {
		l, err := listProp(r, key)
		if err != nil {
			fail(r, err)
		}
		return l
	}
	queue := queueResolver(queueArn, e.region, e.account)

	for _, r := range s.Resources {
		switch r.Type {
		case "AWS::IAM::Role":
			ro := e.roleByName[r.Ref]
			if ro == nil {
				ro = e.roleByName[str(r.Properties, "RoleName")]
			}
			if ro == nil {
				continue // reported above
			}
			if doc, ok := r.Properties["AssumeRolePolicyDocument"]; ok {
				stmts, err := parseDocument(doc, trustPolicy, StatementRef{Policy: r.LogicalID, Document: "AssumeRolePolicyDocument"})
				if err != nil {
					fail(r, fmt.Errorf("AssumeRolePolicyDocument: %w", err))
				} else {
					ro.trust = &attachedPolicy{name: r.LogicalID, kind: trustPolicy, attached: ro.arn, stmts: stmts}
					e.resource = append(e.resource, ro.trust)
				}
			}
			if inline, ok := r.Properties["Policies"].([]any); ok {
				for i, pol := range inline {
					pm, _ := pol.(map[string]any)
					doc := "Policies[" + strconv.Itoa(i) + "]"
					stmts, err := parseDocument(pm["PolicyDocument"], identityPolicy, StatementRef{Policy: r.LogicalID, Document: doc})
					if err != nil {
						fail(r, fmt.Errorf("%s (%s): %w", doc, str(pm, "PolicyName"), err))
						continue
					}
					ro.policies = append(ro.policies, &attachedPolicy{name: r.LogicalID, kind: identityPolicy, stmts: stmts})
				}
			}
			for _, arn := range list(r, "ManagedPolicyArns") {
				if err := attachManaged(ro, arn); err != nil {
					fail(r, fmt.Errorf("role %s: ManagedPolicyArns: %w", ro.name, err))
				}
			}
		case "AWS::IAM::Policy":
			identity(r, "PolicyDocument", list(r, "Roles"))
		case "AWS::IAM::RolePolicy":
			identity(r, "PolicyDocument", []string{str(r.Properties, "RoleName")})
		case "AWS::IAM::ManagedPolicy":
			arn := r.Ref
			if arn == "" {
				arn = r.Attrs["PolicyArn"]
			}
			if arn == "" {
				continue // reported above
			}
			for _, n := range list(r, "Roles") {
				if err := attachManaged(roleNamed(n), arn); err != nil {
					fail(r, err)
				}
			}
		case "AWS::SQS::QueuePolicy", "AWS::SQS::QueueInlinePolicy", "AWS::SNS::TopicPolicy",
			"AWS::SNS::TopicInlinePolicy", "AWS::S3::BucketPolicy":
			arns, err := policyTargets(r, queue)
			if err != nil {
				fail(r, err)
				continue
			}
			resourcePol(r, arns)
		case "AWS::Lambda::Permission":
			p, err := e.lambdaPermission(r, functionArn)
			if err != nil {
				fail(r, err)
				continue
			}
			e.resource = append(e.resource, p)
		}
	}
	if len(s.APIPolicies) > 0 {
		e.resource = slices.DeleteFunc(e.resource, func(p *attachedPolicy) bool { _, set := s.APIPolicies[p.attached]; return set })
		for _, arn := range slices.Sorted(maps.Keys(s.APIPolicies)) {
			if s.APIPolicies[arn] == "" {
				continue
			}
			ref := StatementRef{Policy: "the policy of " + arn, Document: "Policy"}
			stmts, err := parseDocument(s.APIPolicies[arn], resourcePolicy, ref)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: Policy: %w", arn, err))
				continue
			}
			e.resource = append(e.resource, &attachedPolicy{name: ref.Policy, kind: resourcePolicy, attached: arn, stmts: stmts})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("iam: %w", err)
	}
	return e, nil
}

// listProp reads a list property of r (nil when absent).
func listProp(r Resource, key string) ([]string, error) {
	v, ok := r.Properties[key]
	if !ok {
		return nil, nil
	}
	l, err := stringList(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return l, nil
}

// queueResolver maps what a template names a queue by (its URL, its ARN) to its ARN: the deployed
// queue's Arn attribute when known (queueArn, by URL), else from the URL.
func queueResolver(queueArn map[string]string, region, account string) func(string) string {
	return func(u string) string {
		if a, ok := queueArn[u]; ok {
			return a
		}
		if strings.HasPrefix(u, "arn:") {
			return u
		}
		return QueueARN(u, region, account)
	}
}

// TemplatePolicy is the policy document a stack's resources give the queue, topic or bucket arn
// (its AWS::SQS::QueuePolicy, AWS::SNS::TopicPolicy or AWS::S3::BucketPolicy, and their inline
// forms), as JSON; false when none names it. A queue named by URL is matched by the ARN the URL
// names in region and account.
func TemplatePolicy(resources []Resource, arn, region, account string) (string, bool) {
	queue := queueResolver(nil, region, account)
	for _, r := range resources {
		targets, err := policyTargets(r, queue)
		if err != nil || !slices.Contains(targets, arn) {
			continue
		}
		doc, err := json.Marshal(r.Properties["PolicyDocument"])
		return string(doc), err == nil
	}
	return "", false
}

// policyTargets are the ARNs a queue, topic or bucket policy resource attaches its document to
// (nil for other types); queue resolves the queues it names.
func policyTargets(r Resource, queue func(string) string) ([]string, error) {
	var arns []string
	switch r.Type {
	case "AWS::SQS::QueuePolicy":
		l, err := listProp(r, "Queues")
		for _, u := range l {
			arns = append(arns, queue(u))
		}
		return arns, err
	case "AWS::SQS::QueueInlinePolicy":
		return []string{queue(str(r.Properties, "Queue"))}, nil
	case "AWS::SNS::TopicPolicy":
		return listProp(r, "Topics")
	case "AWS::SNS::TopicInlinePolicy":
		return []string{str(r.Properties, "TopicArn")}, nil
	case "AWS::S3::BucketPolicy":
		b := str(r.Properties, "Bucket")
		if b == "" {
			return nil, errors.New("no Bucket")
		}
		return []string{"arn:aws:s3:::" + b}, nil
	}
	return nil, nil
}

// PolicyTargets are the resources whose policy s's template sets: its queues, and whatever its
// queue, topic and bucket policy resources name, as Load attaches them (resources it cannot read
// are left out: Load reports them).
func PolicyTargets(s Stack) []string {
	region, account := cmp.Or(s.Region, DefaultRegion), cmp.Or(s.AccountID, DefaultAccountID)
	queueArn := map[string]string{}
	for _, r := range s.Resources {
		if r.Type == "AWS::SQS::Queue" && r.Ref != "" && r.Attrs["Arn"] != "" {
			queueArn[r.Ref] = r.Attrs["Arn"]
		}
	}
	queue := queueResolver(queueArn, region, account)
	var out []string
	for _, r := range s.Resources {
		if r.Type == "AWS::SQS::Queue" && r.Ref != "" {
			out = append(out, queue(r.Ref))
		}
		arns, _ := policyTargets(r, queue)
		out = append(out, arns...)
	}
	return out
}

// lambdaPermission turns an AWS::Lambda::Permission into the statement Lambda adds to the
// function's resource-based policy.
func (e *Engine) lambdaPermission(r Resource, functionArn map[string]string) (*attachedPolicy, error) {
	fn := str(r.Properties, "FunctionName")
	arn := functionArn[fn]
	switch {
	case arn != "":
	case strings.HasPrefix(fn, "arn:"):
		arn = fn
	case strings.Contains(fn, ":function:"): // <account>:function:<name>
		arn = "arn:aws:lambda:" + e.region + ":" + fn
	case fn != "":
		arn = "arn:aws:lambda:" + e.region + ":" + e.account + ":function:" + fn
	default:
		return nil, fmt.Errorf("no FunctionName")
	}
	for _, k := range []string{"PrincipalOrgID", "EventSourceToken"} {
		if str(r.Properties, k) != "" {
			return nil, fmt.Errorf("%s is not supported by the local IAM", k)
		}
	}
	p := str(r.Properties, "Principal")
	var principal any
	switch {
	case p == "*":
		principal = "*"
	case isAccountID(p) || strings.HasPrefix(p, "arn:"):
		principal = map[string]any{"AWS": p}
	case p != "":
		principal = map[string]any{"Service": p}
	default:
		return nil, fmt.Errorf("no Principal")
	}
	stmt := map[string]any{"Effect": "Allow", "Action": str(r.Properties, "Action"), "Resource": arn, "Principal": principal}
	cond := map[string]any{}
	if v := str(r.Properties, "SourceArn"); v != "" {
		cond["ArnLike"] = map[string]any{"AWS:SourceArn": v}
	}
	equals := map[string]any{}
	if v := str(r.Properties, "SourceAccount"); v != "" {
		equals["AWS:SourceAccount"] = v
	}
	if v := str(r.Properties, "FunctionUrlAuthType"); v != "" {
		equals["lambda:FunctionUrlAuthType"] = v
	}
	if len(equals) > 0 {
		cond["StringEquals"] = equals
	}
	if len(cond) > 0 {
		stmt["Condition"] = cond
	}
	st, err := parseStatement(stmt, resourcePolicy, StatementRef{Policy: r.LogicalID})
	if err != nil {
		return nil, err
	}
	return &attachedPolicy{name: r.LogicalID, kind: resourcePolicy, attached: arn, stmts: []*statement{st}}, nil
}

// QueueARN is the ARN of the queue a queue URL (or a bare queue name) names, in region and, unless
// the URL names one, account.
func QueueARN(u, region, account string) string {
	p := u
	if pu, err := url.Parse(u); err == nil && pu.Path != "" {
		p = pu.Path
	}
	parts := strings.Split(strings.Trim(p, "/"), "/")
	name := parts[len(parts)-1]
	if len(parts) >= 2 && isAccountID(parts[len(parts)-2]) {
		account = parts[len(parts)-2]
	}
	return "arn:aws:sqs:" + region + ":" + account + ":" + name
}

// RoleARN returns the ARN of the role with the given logical id (or name).
func (e *Engine) RoleARN(logicalIDOrName string) (string, bool) {
	for _, ro := range e.roleOrder {
		if ro.logicalID == logicalIDOrName || ro.name == logicalIDOrName {
			return ro.arn, true
		}
	}
	return "", false
}

// Roles returns the ARNs of every role the stack defines or its policies name, in template order.
func (e *Engine) Roles() []string {
	out := make([]string, 0, len(e.roleOrder))
	for _, ro := range e.roleOrder {
		out = append(out, ro.arn)
	}
	return out
}

// Region is the region of the engine's ARNs.
func (e *Engine) Region() string { return e.region }

// AccountID is the account of the engine's ARNs.
func (e *Engine) AccountID() string { return e.account }

// Request is one authorization question: may Principal perform Action on Resource?
type Request struct {
	// Principal is a role ARN (arn:aws:iam::<account>:role/<name>), an assumed-role session ARN
	// (arn:aws:sts::<account>:assumed-role/<name>/<session>), or a service principal
	// (s3.amazonaws.com) acting on its own, as when S3 delivers an event notification.
	Principal string
	// Action is "<service>:<Action>", e.g. "sqs:SendMessage" (case-insensitive).
	Action string
	// Resource is the ARN the action is on, or "*" for actions without resource-level permissions.
	Resource string
	// Context are the request's condition keys (case-insensitive names), e.g. aws:SourceArn,
	// aws:SecureTransport, cloudwatch:namespace. The engine adds aws:PrincipalArn,
	// aws:PrincipalAccount, aws:PrincipalType, aws:PrincipalIsAWSService,
	// aws:PrincipalServiceName, aws:CurrentTime and aws:EpochTime when they are absent.
	Context map[string][]string
}

// Decision is the answer to a Request.
type Decision struct {
	Allowed                     bool
	Principal, Action, Resource string
	// Statement decided: the Allow that granted, or the explicit Deny. Nil for an implicit deny.
	Statement *StatementRef
	// PolicyType of the deciding statement: "identity-based" or "resource-based" ("" for an
	// implicit deny).
	PolicyType string
	// Reason in AWS's words, naming the deciding statement.
	Reason string
}

// Err is nil when the request is allowed, and an *AccessDeniedError otherwise.
func (d Decision) Err() error {
	if d.Allowed {
		return nil
	}
	return &AccessDeniedError{Decision: d}
}

// AccessDeniedError is a denied Decision as an error.
type AccessDeniedError struct{ Decision Decision }

func (e *AccessDeniedError) Error() string { return e.Decision.Reason }

// DeniedError returns the error code and HTTP status a service answers a denied request with, for a
// gateway's signing name (s3, sqs, sns, dynamodb, ssm, monitoring, states, lambda).
func DeniedError(service string) (code string, status int) {
	switch service {
	case "s3":
		return "AccessDenied", 403
	case "sqs":
		return "AccessDenied", 403
	case "sns":
		return "AuthorizationError", 403
	case "monitoring":
		return "AccessDenied", 403
	case "lambda":
		return "AccessDeniedException", 403
	}
	return "AccessDeniedException", 400 // dynamodb, ssm, states and the other JSON services
}

// principal is a parsed Request.Principal.
type principal struct {
	arn     string // as given
	roleArn string // the role, for a role or a role session
	account string
	service string // a service principal, lower case
	root    bool   // the account itself
	typ     string // aws:PrincipalType
}

func (e *Engine) parsePrincipal(p string) (principal, error) {
	if p == "" {
		return principal{}, fmt.Errorf("no principal")
	}
	if !strings.HasPrefix(p, "arn:") {
		if !strings.Contains(p, ".") || strings.ContainsAny(p, ":/ ") {
			return principal{}, fmt.Errorf("principal %q: want a role ARN, a role session ARN or a service principal", p)
		}
		return principal{arn: p, service: strings.ToLower(p), typ: "Service"}, nil
	}
	parts := strings.SplitN(p, ":", 6)
	if len(parts) != 6 {
		return principal{}, fmt.Errorf("principal %q: malformed ARN", p)
	}
	pr := principal{arn: p, account: parts[4]}
	res := parts[5]
	switch {
	case parts[2] == "iam" && res == "root":
		pr.root, pr.typ = true, "Account"
	case parts[2] == "iam" && strings.HasPrefix(res, "role/"):
		pr.roleArn, pr.typ = p, "AssumedRole"
	case parts[2] == "sts" && strings.HasPrefix(res, "assumed-role/"):
		name, _, _ := strings.Cut(strings.TrimPrefix(res, "assumed-role/"), "/")
		pr.roleArn, pr.typ = "arn:aws:iam::"+pr.account+":role/"+name, "AssumedRole"
		if ro, ok := e.roleByName[name]; ok {
			pr.roleArn = ro.arn // the role's path is not in a session ARN
		}
	case parts[2] == "iam" && strings.HasPrefix(res, "user/"):
		pr.typ = "User"
	default:
		return principal{}, fmt.Errorf("principal %q: want a role ARN, a role session ARN or a service principal", p)
	}
	return pr, nil
}

// Authorize evaluates r as AWS does within one account: an explicit Deny in any applicable policy
// wins; otherwise an Allow in an identity-based policy of the principal's role or in a
// resource-based policy of the resource that names the principal allows; otherwise the request is
// implicitly denied.
func (e *Engine) Authorize(r Request) Decision {
	d := Decision{Principal: r.Principal, Action: r.Action, Resource: r.Resource}
	pr, err := e.parsePrincipal(r.Principal)
	if err == nil && (r.Action == "" || (r.Action != "*" && !strings.Contains(r.Action, ":"))) {
		err = fmt.Errorf("action %q: want <service>:<action>", r.Action)
	}
	if err == nil && r.Resource == "" {
		err = fmt.Errorf("no resource")
	}
	if err != nil {
		d.Reason = fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s because the request is malformed: %v", r.Principal, r.Action, r.Resource, err)
		return d
	}
	ctx := e.context(r.Context, pr)

	var allow *statement
	check := func(st *statement, attached string, res bool) *statement {
		if res && !st.matchPrincipal(pr) {
			return nil
		}
		if !st.matchAction(r.Action) || !st.matchResource(r.Resource, attached) {
			return nil
		}
		for i := range st.conditions {
			if !st.conditions[i].eval(ctx) {
				return nil
			}
		}
		return st
	}
	var ro *role
	if pr.roleArn != "" {
		ro = e.roles[pr.roleArn]
	}
	if ro != nil {
		for _, p := range ro.policies {
			for _, st := range p.stmts {
				if m := check(st, "", false); m != nil {
					if !m.allow {
						return e.deny(d, m)
					}
					if allow == nil {
						allow = m
					}
				}
			}
		}
	}
	for _, p := range e.resource {
		if !covers(p.attached, r.Resource) {
			continue
		}
		for _, st := range p.stmts {
			if m := check(st, p.attached, true); m != nil {
				if !m.allow {
					return e.deny(d, m)
				}
				if allow == nil {
					allow = m
				}
			}
		}
	}
	if allow != nil {
		ref := allow.ref
		d.Allowed, d.Statement, d.PolicyType = true, &ref, allow.kind.String()
		d.Reason = fmt.Sprintf("User: %s is authorized to perform: %s on resource: %s by an allow in %s policy (%s)",
			r.Principal, r.Action, r.Resource, allow.kind.withArticle(), ref)
		return d
	}
	kind := identityPolicy
	if pr.service != "" {
		kind = resourcePolicy // a service principal has no identity
	}
	d.Reason = fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s because no %s policy allows the %s action",
		r.Principal, r.Action, r.Resource, kind, r.Action)
	return d
}

func (e *Engine) deny(d Decision, st *statement) Decision {
	ref := st.ref
	d.Statement, d.PolicyType = &ref, st.kind.String()
	d.Reason = fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s with an explicit deny in %s policy (%s)",
		d.Principal, d.Action, d.Resource, st.kind.withArticle(), ref)
	return d
}

// AuthorizeAll decides requests that must all be allowed (one API call that AWS authorizes as
// several actions or resources): the first denial, or else the last allow.
func (e *Engine) AuthorizeAll(rs []Request) Decision {
	var last Decision
	for _, r := range rs {
		last = e.Authorize(r)
		if !last.Allowed {
			return last
		}
	}
	if len(rs) == 0 {
		last.Reason = "no request to authorize"
	}
	return last
}

// context returns the request context with lower-case keys and the principal's global keys.
func (e *Engine) context(in map[string][]string, pr principal) map[string][]string {
	ctx := make(map[string][]string, len(in)+8)
	for k, v := range in {
		k = strings.ToLower(k)
		ctx[k] = append(ctx[k], v...)
	}
	set := func(k string, v ...string) {
		if _, ok := ctx[k]; !ok {
			ctx[k] = v
		}
	}
	if pr.service != "" {
		set("aws:principalisawsservice", "true")
		set("aws:principalservicename", pr.service)
	} else {
		set("aws:principalisawsservice", "false")
		arn := pr.arn
		if pr.roleArn != "" {
			arn = pr.roleArn
		}
		set("aws:principalarn", arn)
		set("aws:principalaccount", pr.account)
		set("aws:principaltype", pr.typ)
	}
	now := e.now().UTC()
	set("aws:currenttime", now.Format(time.RFC3339))
	set("aws:epochtime", strconv.FormatInt(now.Unix(), 10))
	return ctx
}

// str returns a string property ("" when absent or not a scalar).
func str(props map[string]any, key string) string {
	if props == nil || props[key] == nil {
		return ""
	}
	s, _ := scalarString(props[key])
	return s
}

// policiesOf returns the identity-based policies of a role ARN, sorted by name (for tests and the
// summary).
func (e *Engine) policiesOf(arn string) []string {
	ro := e.roles[arn]
	if ro == nil {
		return nil
	}
	var out []string
	for _, p := range ro.policies {
		out = append(out, p.name)
	}
	sort.Strings(out)
	return out
}
