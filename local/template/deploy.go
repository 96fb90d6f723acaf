package template

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	localcw "github.com/chaoslab/serverless-chaos-lab/local/cloudwatch"
	"github.com/chaoslab/serverless-chaos-lab/local/esm"
	"github.com/chaoslab/serverless-chaos-lab/local/iam"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/cfnname"
	"github.com/chaoslab/serverless-chaos-lab/local/lambda"
)

// StateMachines is the local Step Functions as the deployer needs it (the cloud package adapts
// local/sfn to it).
type StateMachines interface {
	CreateStateMachine(name, arn, definition, roleArn string) error
	DeleteStateMachine(arn string) error
	// AddRule installs an EventBridge rule whose targets are state machines.
	AddRule(rule Rule) error
	RemoveRule(name string) error
}

// Rule is an AWS::Events::Rule.
type Rule struct {
	Name, Arn    string
	EventPattern json.RawMessage
	Enabled      bool
	Targets      []RuleTarget
}

// RuleTarget is one of a rule's Targets.
type RuleTarget struct {
	ID, Arn, RoleArn string
	Input            string // Input (a JSON text), when the target sets one
	InputPath        string
	InputTransformer *InputTransformer
}

// InputTransformer is a target's InputTransformer: InputPathsMap names JSONPaths into the event,
// InputTemplate refers to them as <name>.
type InputTransformer struct {
	InputPathsMap map[string]string
	InputTemplate string
}

// Options wire a deployment to the local cloud.
type Options struct {
	// AWS is the SDK config for the local cloud: region, credentials and BaseEndpoint (the gateway).
	AWS aws.Config
	// Lambda runs the functions. Required when the template has functions.
	Lambda *lambda.Service
	// ESM runs the event source mappings.
	ESM *esm.Service
	// StateMachines runs state machines and rules; nil makes them an error.
	StateMachines StateMachines
	// LogGroups, when set, makes each AWS::Logs::LogGroup in the local CloudWatch Logs (where the
	// functions' lines go), so that a group no line has reached yet is listed too.
	// retentionDays is the template's RetentionInDays (0: none, kept for ever).
	LogGroups interface {
		CreateGroup(name string, retentionDays int)
	}
	// AccountID for ARNs. Default: 000000000000.
	AccountID string
	// ScratchDir receives extracted zip assets, which the functions run from: the caller removes it
	// after the stack is gone. Required.
	ScratchDir string
	// Progress receives one line per created resource. Optional.
	Progress io.Writer
	// Logger. Default: discard.
	Logger *slog.Logger
	// Names, shared by every deployment into one cloud, makes a resource whose physical name another
	// stack owns fail the deploy, as in CloudFormation. Default: no check (one stack).
	Names *Names
	// IAM is called with the stack's resources that local/iam reads, each time one is created or
	// recorded (iam.go), and returns the engine that decides requests from then on: the cloud's
	// engine over every deployed stack and these. An error (a policy the local IAM cannot read)
	// fails the deploy at that resource. Default: an engine over this stack alone.
	IAM func(resources []iam.Resource) (*iam.Engine, error)
	// Alarms creates the template's AWS::CloudWatch::Alarm resources. Nil makes them an error.
	Alarms Alarms
}

// Alarms is the local CloudWatch's alarm store as the deployer needs it (*cloudwatch.Store).
type Alarms interface {
	PutAlarm(a localcw.Alarm) error
	DeleteAlarms(names ...string) error
}

// Deployed is one resource of a deployment.
type Deployed struct {
	LogicalID  string `json:"logicalId"`
	Type       string `json:"type"`
	PhysicalID string `json:"physicalId"`
	// Note says why a resource was only recorded.
	Note string `json:"note,omitempty"`
}

// Deployment is a deployed stack.
type Deployment struct {
	StackName string
	Outputs   map[string]string
	Created   []Deployed // in creation order
	Recorded  []Deployed // resources with no local meaning, not created
	// IAM are the resources local/iam read, as it read them (resolved properties, Ref,
	// attributes): iam.Stack{Resources: dep.IAM} is the stack's IAM.
	IAM []iam.Resource

	iamSummary string // what each principal may do (Report)

	undo     []undo
	releases []func() // the physical names claimed in Options.Names
}

type undo struct {
	what    string
	fn      func(context.Context) error
	timeout time.Duration
}

// undoTimeout bounds the deletion of one resource; a bucket's, which scales with its objects, has
// bucketDeleteTimeout.
const (
	undoTimeout         = 30 * time.Second
	bucketDeleteTimeout = 5 * time.Minute
)

// deployer carries one deployment's state.
type deployer struct {
	asm  *Assembly
	opts Options
	ctx  *Context
	dep  *Deployment

	s3  *s3.Client
	sqs *sqs.Client
	sns *sns.Client
	ddb *dynamodb.Client
	ssm *ssm.Client
	cw  *cloudwatch.Client

	// providers are Lambda functions that only serve CloudFormation custom resources (the CDK's
	// bucket-notification and auto-delete handlers): recorded, not run.
	providers map[string]bool
	// engine decides requests with the policies deployed so far (iam.go).
	engine *iam.Engine
}

// Deploy creates asm's resources in dependency order. On failure it tears down what it created and
// returns an error naming the logical id and type.
func Deploy(ctx context.Context, asm *Assembly, opts Options) (*Deployment, error) {
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	if opts.ScratchDir == "" {
		// Not a temporary directory of Deploy's own: nothing would remove it.
		return nil, errors.New("template: deploy: Options.ScratchDir is required (the functions' extracted code is kept there while they run)")
	}
	region := opts.AWS.Region
	if region == "" {
		region = "us-east-1"
	}
	if err := asm.CheckEnvironment(opts.AccountID, region); err != nil {
		return nil, err
	}
	d := &deployer{
		asm:  asm,
		opts: opts,
		ctx: &Context{Region: region, AccountID: opts.AccountID, StackName: asm.StackName,
			Params: map[string]any{}, Refs: map[string]string{}, Attrs: map[string]map[string]string{}},
		dep: &Deployment{StackName: asm.StackName, Outputs: map[string]string{}},
		s3:  s3.NewFromConfig(opts.AWS, func(o *s3.Options) { o.UsePathStyle = true }),
		sqs: sqs.NewFromConfig(opts.AWS),
		sns: sns.NewFromConfig(opts.AWS),
		ddb: dynamodb.NewFromConfig(opts.AWS),
		ssm: ssm.NewFromConfig(opts.AWS),
		cw:  cloudwatch.NewFromConfig(opts.AWS),
	}
	d.ctx.Mappings = asm.Template.Mappings
	if err := d.ctx.SetParameters(asm.Template); err != nil {
		return nil, fmt.Errorf("stack %s: %w", asm.StackName, err)
	}
	if err := d.ctx.EvalConditions(asm.Template.Conditions); err != nil {
		return nil, fmt.Errorf("stack %s: %w", asm.StackName, err)
	}
	d.providers = customResourceProviders(asm.Template)
	order, err := Order(asm.Template)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", asm.StackName, err)
	}
	if err := d.checkConditionNames(); err != nil {
		return nil, err
	}
	if err := d.checkTypes(order); err != nil {
		return nil, err
	}
	for _, id := range order {
		res := asm.Template.Resources[id]
		if res.Condition != "" && !d.ctx.Conditions[res.Condition] {
			continue
		}
		if err := ctx.Err(); err != nil {
			d.dep.Teardown(context.WithoutCancel(ctx))
			return nil, err
		}
		if err := d.create(ctx, id, res); err != nil {
			d.dep.Teardown(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("stack %s: resource %s (%s): %w", asm.StackName, id, res.Type, err)
		}
	}
	own, err := iam.Load(iam.Stack{Region: region, AccountID: opts.AccountID, Resources: d.dep.IAM})
	if err != nil { // reported at its resource already; a stack that loads there loads here
		d.dep.Teardown(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("stack %s: IAM: %w", asm.StackName, err)
	}
	d.dep.iamSummary = iamSummary(own, d.dep.IAM, d.shortNames())
	for name, o := range asm.Template.Outputs {
		if o.Condition != "" && !d.ctx.Conditions[o.Condition] {
			continue
		}
		v, err := d.ctx.Resolve(o.Value)
		if err == nil {
			var s string
			s, err = scalar(v, "Value")
			d.dep.Outputs[name] = s
		}
		if err != nil {
			d.dep.Teardown(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("stack %s: output %s: %w", asm.StackName, name, err)
		}
	}
	return d.dep, nil
}

// recordOnly are resource types with nothing to create locally: IAM and resource policies (local/iam
// reads and enforces them: iam.go), log groups (logs are files), the CDK's metadata and auto-delete
// custom resource.
var recordOnly = map[string]string{
	"AWS::IAM::Role":              "enforced by the local IAM",
	"AWS::IAM::Policy":            "enforced by the local IAM",
	"AWS::IAM::RolePolicy":        "enforced by the local IAM",
	"AWS::IAM::ManagedPolicy":     "enforced by the local IAM",
	"AWS::SQS::QueuePolicy":       "enforced by the local IAM",
	"AWS::SQS::QueueInlinePolicy": "enforced by the local IAM",
	"AWS::SNS::TopicPolicy":       "enforced by the local IAM",
	"AWS::SNS::TopicInlinePolicy": "enforced by the local IAM",
	"AWS::S3::BucketPolicy":       "enforced by the local IAM",
	"AWS::Lambda::Permission":     "enforced by the local IAM",
	"AWS::Logs::LogGroup":         "function logs: files in the run directory, and read back by the CloudWatch Logs API",
	"AWS::CDK::Metadata":          "CDK metadata",
	"Custom::S3AutoDeleteObjects": "teardown deletes the bucket's objects itself",
}

// checkConditionNames fails on a resource or output whose Condition names no condition of the
// template, before anything is created: CloudFormation refuses such a template ("Condition: ...
// the logical ID of a condition declared in the Conditions section", Condition attribute page),
// where skipping it as false would leave the resource out without a word.
func (d *deployer) checkConditionNames() error {
	var errs []error
	check := func(section, id, cond string) {
		if _, ok := d.ctx.Conditions[cond]; cond != "" && !ok {
			errs = append(errs, fmt.Errorf("%s %s: Condition %q is not in the template's Conditions", section, id, cond))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(d.asm.Template.Resources)) {
		check("resource", id, d.asm.Template.Resources[id].Condition)
	}
	for _, id := range slices.Sorted(maps.Keys(d.asm.Template.Outputs)) {
		check("output", id, d.asm.Template.Outputs[id].Condition)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stack %s: %w", d.asm.StackName, err)
	}
	return nil
}

// checkTypes fails on any resource type that would change behaviour and is not handled, before
// anything is created. A resource whose condition is false is not created ("Resources that are
// associated with a false condition are ignored", Conditions page), so its type does not matter.
func (d *deployer) checkTypes(order []string) error {
	var errs []error
	for _, id := range order {
		res := d.asm.Template.Resources[id]
		if res.Condition != "" && !d.ctx.Conditions[res.Condition] {
			continue
		}
		t := res.Type
		if _, ok := recordOnly[t]; ok || creators[t] != nil || d.providers[id] {
			continue
		}
		errs = append(errs, fmt.Errorf("resource %s: type %s is not supported by the local cloud", id, t))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stack %s: %w", d.asm.StackName, err)
	}
	return nil
}

// customResourceProviders finds Lambda functions that are referenced only as custom resources'
// ServiceToken and are not OS-only runtimes: the CDK's own handlers, whose job the deployer does.
func customResourceProviders(t *Template) map[string]bool {
	tokens := map[string]bool{}
	other := map[string]bool{}
	for _, r := range t.Resources {
		if strings.HasPrefix(r.Type, "Custom::") || r.Type == "AWS::CloudFormation::CustomResource" {
			refs := map[string]bool{}
			references(r.Properties["ServiceToken"], refs)
			for id := range refs {
				tokens[id] = true
			}
		}
	}
	out := map[string]bool{}
	for id := range tokens {
		r, ok := t.Resources[id]
		if !ok || r.Type != "AWS::Lambda::Function" {
			continue
		}
		if rt, _ := r.Properties["Runtime"].(string); strings.HasPrefix(rt, "provided") {
			continue
		}
		if !other[id] {
			out[id] = true
		}
	}
	return out
}

func (d *deployer) record(id string, res Resource, physical, note string, attrs map[string]string) {
	d.ctx.Refs[id] = physical
	if attrs == nil {
		attrs = map[string]string{}
	}
	d.ctx.Attrs[id] = attrs
	d.dep.Recorded = append(d.dep.Recorded, Deployed{LogicalID: id, Type: res.Type, PhysicalID: physical, Note: note})
}

func (d *deployer) created(id, typ, physical string, attrs map[string]string, teardown func(context.Context) error) {
	d.createdWithin(id, typ, physical, attrs, teardown, undoTimeout)
}

// createdWithin is created for a resource whose teardown may take up to timeout.
func (d *deployer) createdWithin(id, typ, physical string, attrs map[string]string, teardown func(context.Context) error, timeout time.Duration) {
	d.ctx.Refs[id] = physical
	if attrs == nil {
		attrs = map[string]string{}
	}
	d.ctx.Attrs[id] = attrs
	d.dep.Created = append(d.dep.Created, Deployed{LogicalID: id, Type: typ, PhysicalID: physical})
	if teardown != nil {
		d.dep.undo = append(d.dep.undo, undo{what: id + " (" + typ + ")", fn: teardown, timeout: timeout})
	}
	fmt.Fprintf(d.opts.Progress, "  created %-48s %s\n", id, typ)
}

func (d *deployer) create(ctx context.Context, id string, res Resource) error {
	resolved, err := d.ctx.Resolve(res.Properties)
	if err != nil {
		return err
	}
	props, _ := resolved.(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	switch note, recorded := recordOnly[res.Type]; {
	case d.providers[id]:
		name := cfnname.PhysicalName(d.asm.StackName, id, 64, false)
		d.record(id, res, name, "CDK custom resource provider: the deployer does its job",
			map[string]string{"Arn": d.arn("lambda", "function:"+name)})
	case recorded:
		if err := checkRecorded(res.Type, props); err != nil {
			return err
		}
		physical, attrs := d.recordedIdentity(id, res.Type, props)
		d.record(id, res, physical, note, attrs)
	default:
		if err := creators[res.Type](ctx, d, id, props, res); err != nil {
			return err
		}
	}
	return d.addIAM(id, res.Type, props)
}

// logRetentions are the RetentionInDays CloudWatch Logs takes (PutRetentionPolicy).
var logRetentions = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// checkRecorded refuses a recorded resource's property that CloudFormation would fail on.
func checkRecorded(typ string, props map[string]any) error {
	if typ != "AWS::Logs::LogGroup" {
		return nil
	}
	days, set, err := intProp(props, "RetentionInDays")
	if err != nil {
		return err
	}
	if set && !slices.Contains(logRetentions, days) {
		return fmt.Errorf("RetentionInDays: %d is not a retention CloudWatch Logs takes (one of %v days)", days, logRetentions)
	}
	return nil
}

// recordedIdentity gives a recorded resource the Ref and attributes other resources may use.
func (d *deployer) recordedIdentity(id, typ string, props map[string]any) (string, map[string]string) {
	switch typ {
	case "AWS::IAM::Role":
		name := str(props, "RoleName")
		if name == "" {
			name = cfnname.PhysicalName(d.asm.StackName, id, 64, false)
		}
		return name, map[string]string{"Arn": "arn:aws:iam::" + d.opts.AccountID + ":role/" + name, "RoleId": "AROA" + strings.ToUpper(cfnname.HashSuffix(name, 17))}
	case "AWS::IAM::ManagedPolicy":
		name := cfnname.PhysicalName(d.asm.StackName, id, 128, false)
		arn := "arn:aws:iam::" + d.opts.AccountID + ":policy/" + name
		return arn, map[string]string{"PolicyArn": arn}
	case "AWS::Logs::LogGroup":
		name := str(props, "LogGroupName")
		if name == "" {
			name = cfnname.PhysicalName(d.asm.StackName, id, 512, false)
		}
		if d.opts.LogGroups != nil {
			days, _, _ := intProp(props, "RetentionInDays") // checked in checkRecorded
			d.opts.LogGroups.CreateGroup(name, days)
		}
		return name, map[string]string{"Arn": d.arn("logs", "log-group:"+name+":*")}
	}
	return cfnname.PhysicalName(d.asm.StackName, id, 128, false), nil
}

func (d *deployer) arn(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, d.ctx.Region, d.opts.AccountID, resource)
}

// Teardown deletes what the deployment created, newest first, and reports every failure. What it
// could not delete stays in the deployment, as a stack CloudFormation could not delete keeps its
// remaining resources (DELETE_FAILED), so that a Teardown again deletes it, and only it; the
// physical names the stack claimed are released once nothing is left.
func (dep *Deployment) Teardown(ctx context.Context) error {
	var errs []error
	var left []undo
	for i := len(dep.undo) - 1; i >= 0; i-- {
		u := dep.undo[i]
		uctx, cancel := context.WithTimeout(ctx, u.timeout)
		if err := u.fn(uctx); err != nil {
			errs = append(errs, fmt.Errorf("delete %s: %w", u.what, err))
			left = append(left, u)
		}
		cancel()
	}
	slices.Reverse(left) // creation order, as dep.undo keeps it
	dep.undo = left
	if len(left) > 0 {
		return errors.Join(errs...)
	}
	for _, r := range dep.releases {
		r()
	}
	dep.releases = nil
	return nil
}

// WriteOutputs writes the outputs in `cdk deploy --outputs-file` format: {"<stack>": {...}}.
func (dep *Deployment) WriteOutputs(path string) error {
	b, err := json.MarshalIndent(map[string]map[string]string{dep.StackName: dep.Outputs}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Report is a human-readable summary: what was created, what was only recorded and why, and what
// each principal of the stack may do (its IAM, enforced; the policy resources are listed there,
// not as recorded resources).
func (dep *Deployment) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "stack %s: %d resources created, %d recorded without a local counterpart\n", dep.StackName, len(dep.Created), len(dep.Recorded))
	rec := append([]Deployed(nil), dep.Recorded...)
	sort.Slice(rec, func(i, j int) bool { return rec[i].Type+rec[i].LogicalID < rec[j].Type+rec[j].LogicalID })
	for _, r := range rec {
		if !iamOnly[r.Type] {
			fmt.Fprintf(&b, "  recorded %-48s %-28s %s\n", r.LogicalID, r.Type, r.Note)
		}
	}
	b.WriteString(dep.iamSummary)
	return b.String()
}

// str returns a string property ("" when absent).
func str(props map[string]any, key string) string {
	if props[key] == nil {
		return ""
	}
	s, _ := scalar(props[key], key)
	return s
}
