package template

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/local/iam"
)

// IAM, as the deploy sees it.
//
// Every resource local/iam reads (iam.Resource: roles, policies, queue, topic and bucket policies,
// Lambda permissions, and the queues, functions and tables whose names and ARNs the policies use)
// is handed to local/iam as soon as it is created or recorded, with its resolved properties, its
// Ref and its attributes (Options.IAM, or an engine of the deployer's own when that is nil). So
// the policies are in force from the moment CloudFormation would have created them: a later
// resource whose creation AWS checks against them is checked here too, and fails the deploy with
// the error CloudFormation shows:
//
//	AWS::Lambda::Function            Lambda may assume the Role (its trust policy admits
//	                                 lambda.amazonaws.com), else InvalidParameterValueException
//	AWS::StepFunctions::StateMachine Step Functions may assume the RoleArn, else AccessDeniedException
//	AWS::Lambda::EventSourceMapping  the function's role may sqs:ReceiveMessage, sqs:DeleteMessage
//	                                 and sqs:GetQueueAttributes on the queue, else
//	                                 InvalidParameterValueException
//	Custom::S3BucketNotifications    S3 may deliver to each destination (its test event is
//	                                 decided by the queue's or topic's policy), else InvalidArgument
//
// and a policy the local IAM cannot read (a managed policy it does not know, an unsupported
// condition operator) fails the deploy at the resource that has it, naming it.

// iamTypes are the resource types local/iam reads (iam.Resource).
var iamTypes = map[string]bool{
	"AWS::IAM::Role": true, "AWS::IAM::Policy": true, "AWS::IAM::RolePolicy": true, "AWS::IAM::ManagedPolicy": true,
	"AWS::SQS::Queue": true, "AWS::SQS::QueuePolicy": true, "AWS::SQS::QueueInlinePolicy": true,
	"AWS::SNS::TopicPolicy": true, "AWS::SNS::TopicInlinePolicy": true, "AWS::S3::BucketPolicy": true,
	"AWS::Lambda::Function": true, "AWS::Lambda::Permission": true, "AWS::DynamoDB::Table": true,
}

// iamOnly are the types that only carry policies: recorded (nothing to create locally), enforced by
// local/iam, and listed by the report's IAM summary rather than as recorded resources.
var iamOnly = map[string]bool{
	"AWS::IAM::Role": true, "AWS::IAM::Policy": true, "AWS::IAM::RolePolicy": true, "AWS::IAM::ManagedPolicy": true,
	"AWS::SQS::QueuePolicy": true, "AWS::SQS::QueueInlinePolicy": true, "AWS::SNS::TopicPolicy": true,
	"AWS::SNS::TopicInlinePolicy": true, "AWS::S3::BucketPolicy": true, "AWS::Lambda::Permission": true,
}

// addIAM hands a created or recorded resource to local/iam and keeps the engine that results.
func (d *deployer) addIAM(id, typ string, props map[string]any) error {
	if !iamTypes[typ] {
		return nil
	}
	d.dep.IAM = append(d.dep.IAM, iam.Resource{LogicalID: id, Type: typ, Properties: props, Ref: d.ctx.Refs[id], Attrs: d.ctx.Attrs[id]})
	var eng *iam.Engine
	var err error
	if d.opts.IAM != nil {
		eng, err = d.opts.IAM(slices.Clone(d.dep.IAM))
	} else {
		eng, err = iam.Load(iam.Stack{Region: d.ctx.Region, AccountID: d.opts.AccountID, Resources: d.dep.IAM})
	}
	if err != nil {
		return fmt.Errorf("the local IAM cannot read the stack's policies: %w", err)
	}
	d.engine = eng
	return nil
}

// authorize asks the current engine.
func (d *deployer) authorize(principal, action, resource string) iam.Decision {
	if d.engine == nil {
		eng, err := iam.Load(iam.Stack{Region: d.ctx.Region, AccountID: d.opts.AccountID})
		if err != nil {
			return iam.Decision{Reason: err.Error()}
		}
		d.engine = eng
	}
	return d.engine.Authorize(iam.Request{Principal: principal, Action: action, Resource: resource})
}

// assumable checks that service may assume role (its trust policy), as Lambda and Step Functions
// check when a function or state machine is created.
func (d *deployer) assumable(service, role string) error {
	if role == "" {
		return fmt.Errorf("no role")
	}
	if dec := d.authorize(service, "sts:AssumeRole", role); !dec.Allowed {
		return fmt.Errorf("%s", dec.Reason)
	}
	return nil
}

// iamSummary renders, compactly, what each principal of the stack may do: a line per role (its
// logical id and who may assume it) or service principal, then a line per statement, with the
// ARNs of the stack's own resources shortened to their logical ids. Statements that deny
// everyone the same way (the CDK's SSL-only denies) are folded into one line.
func iamSummary(eng *iam.Engine, rs []iam.Resource, short func(string) string) string {
	grants := eng.Grants()
	roleID := map[string]string{}
	for _, r := range rs {
		if r.Type == "AWS::IAM::Role" && r.Attrs["Arn"] != "" {
			roleID[r.Attrs["Arn"]] = r.LogicalID
		}
	}
	// Trust policies become "assumed by" in the role's title.
	assumedBy := map[string][]string{}
	var rest []iam.Grant
	for _, g := range grants {
		if g.Allow && g.PolicyType == "resource-based" && len(g.Resources) == 1 && roleID[g.Resources[0]] != "" &&
			slices.ContainsFunc(g.Actions, func(a string) bool { return strings.EqualFold(a, "sts:AssumeRole") }) {
			assumedBy[g.Resources[0]] = append(assumedBy[g.Resources[0]], g.Principal)
			continue
		}
		rest = append(rest, g)
	}
	roles, resPolicies := 0, map[string]bool{}
	for _, r := range rs {
		switch {
		case r.Type == "AWS::IAM::Role":
			roles++
		case iamOnly[r.Type] && r.Type != "AWS::IAM::Policy" && r.Type != "AWS::IAM::RolePolicy" && r.Type != "AWS::IAM::ManagedPolicy":
			resPolicies[r.LogicalID] = true
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "IAM enforced: %d roles, %d resource-based policies; what each principal may do:\n", roles, len(resPolicies))
	// Principals in order: the stack's roles as in the template, then the others as Grants lists them.
	var order []string
	lines := map[string][]string{}
	var everyone []iam.Grant
	for _, r := range rs {
		if arn := r.Attrs["Arn"]; r.Type == "AWS::IAM::Role" && arn != "" {
			order = append(order, arn)
			lines[arn] = nil
		}
	}
	for _, g := range rest {
		if g.Principal == "*" || strings.HasPrefix(g.Principal, "all but ") {
			everyone = append(everyone, g)
			continue
		}
		if _, ok := lines[g.Principal]; !ok {
			order = append(order, g.Principal)
		}
		lines[g.Principal] = append(lines[g.Principal], short(grantLine(g)))
	}
	for _, p := range order {
		switch id := roleID[p]; {
		case id != "":
			title := "  role " + id
			if by := assumedBy[p]; len(by) > 0 {
				title += " (assumed by " + strings.Join(by, ", ") + ")"
			}
			if len(lines[p]) == 0 {
				title += ": no statement"
			}
			b.WriteString(title + "\n")
		case strings.HasPrefix(p, "arn:") || len(p) == 12:
			b.WriteString("  principal " + short(p) + "\n")
		default:
			b.WriteString("  service " + p + "\n")
		}
		for _, l := range lines[p] {
			b.WriteString("    " + l + "\n")
		}
	}
	if len(everyone) > 0 {
		b.WriteString("  everyone\n")
		type key struct {
			allow bool
			cond  string
		}
		var order []key
		parts := map[key][]string{}
		for _, g := range everyone {
			k := key{g.Allow, strings.Join(g.Conditions, " and ")}
			if _, ok := parts[k]; !ok {
				order = append(order, k)
			}
			parts[k] = append(parts[k], actionList(g.Actions)+" on "+strings.Join(g.Resources, ", "))
		}
		for _, k := range order {
			verb := "deny "
			if k.allow {
				verb = "allow "
			}
			line := verb + strings.Join(parts[k], "; ")
			if k.cond != "" {
				line += " if " + k.cond
			}
			if strings.Contains(k.cond, "aws:SecureTransport=false") {
				line += " (loopback counts as TLS)"
			}
			b.WriteString("    " + short(line) + "\n")
		}
	}
	return b.String()
}

// grantLine is one statement on one line: "allow s3:GetObject on Bucket/input/* [Sid]".
func grantLine(g iam.Grant) string {
	line := g.Clause(actionList(g.Actions))
	if g.Statement.Sid != "" {
		line += " [" + g.Statement.Sid + "]"
	}
	return line
}

// actionList joins actions, writing a service prefix once for a run of the same service:
// "sqs:ReceiveMessage, DeleteMessage, s3:GetObject".
func actionList(actions []string) string {
	var b strings.Builder
	prev := ""
	for i, a := range actions {
		if i > 0 {
			b.WriteString(", ")
		}
		svc, name, ok := strings.Cut(a, ":")
		if ok && svc == prev {
			b.WriteString(name)
			continue
		}
		prev = svc
		b.WriteString(a)
	}
	return b.String()
}

// shortNames returns a function replacing the ARNs of the deployed resources (and of what is under
// them: a bucket's objects, a state machine's executions) with their logical ids.
func (d *deployer) shortNames() func(string) string {
	names := map[string]string{}
	for id, attrs := range d.ctx.Attrs {
		if a := attrs["Arn"]; a != "" {
			names[a] = id
		}
	}
	for id, ref := range d.ctx.Refs {
		typ := ""
		if r, ok := d.asm.Template.Resources[id]; ok {
			typ = r.Type
		}
		switch {
		case typ == "AWS::SSM::Parameter":
			names[d.arn("ssm", "parameter/"+strings.TrimPrefix(ref, "/"))] = id
		case typ == "AWS::StepFunctions::StateMachine":
			names[ref] = id
			names[d.arn("states", "execution:"+ref[strings.LastIndex(ref, ":")+1:])] = id + "(executions)"
		case strings.HasPrefix(ref, "arn:"):
			names[ref] = id
		}
	}
	old := make([]string, 0, len(names))
	for a := range names {
		old = append(old, a)
	}
	// Longest first: NewReplacer tries its pairs in order, so an ARN is replaced before one that is
	// a prefix of it.
	sort.Slice(old, func(i, j int) bool { return len(old[i]) > len(old[j]) || len(old[i]) == len(old[j]) && old[i] < old[j] })
	pairs := make([]string, 0, 2*len(old))
	for _, a := range old {
		pairs = append(pairs, a, names[a])
	}
	return strings.NewReplacer(pairs...).Replace
}
