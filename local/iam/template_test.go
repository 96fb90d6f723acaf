package iam

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chaoslab/serverless-chaos-lab/local/internal/cfnname"
)

// The lab's synthesized template (resilient scenario, x86_64; refresh with
// `npx cdk synth -q -c scenario=resilient -c architecture=x86_64 -o /tmp/cdkout-iam` and a copy of
// /tmp/cdkout-iam/ChaosLab.template.json). local/cloud deploys it with enforcement on.
const labTemplate = "testdata/ChaosLab.template.json"

// deployed resolves a template as local/template deploys it: each resource gets the physical name,
// Ref value and attributes the deployer gives it (the naming below mirrors local/template's
// resources.go, with the deployer's own local/internal/cfnname), and its properties are resolved.
// The result is the Stack local/template hands to Load.
func deployed(t testing.TB, template []byte, stack string) Stack {
	t.Helper()
	var tmpl struct {
		Parameters map[string]struct{ Default any }
		Conditions map[string]any
		Resources  map[string]struct {
			Type       string
			Properties map[string]any
			Condition  string
		}
	}
	if err := json.Unmarshal(template, &tmpl); err != nil {
		t.Fatal(err)
	}
	const region, account = DefaultRegion, DefaultAccountID
	arn := func(service, res string) string {
		return "arn:aws:" + service + ":" + region + ":" + account + ":" + res
	}
	refs := map[string]string{}
	attrs := map[string]map[string]string{}
	pseudo := map[string]string{"AWS::Region": region, "AWS::AccountId": account, "AWS::Partition": "aws",
		"AWS::StackName": stack, "AWS::URLSuffix": "amazonaws.com"}
	for name, p := range tmpl.Parameters {
		if s, ok := p.Default.(string); ok {
			pseudo[name] = s
		}
	}
	var resolve func(v any) (any, error)
	resolveStr := func(v any) (string, error) {
		r, err := resolve(v)
		if err != nil {
			return "", err
		}
		return scalarString(r)
	}
	// identify gives a resource its name, Ref and attributes, as the deployer does when it creates
	// it: names given as properties are resolved first.
	var identify func(id string) error
	identify = func(id string) error {
		if _, ok := refs[id]; ok {
			return nil
		}
		r, ok := tmpl.Resources[id]
		if !ok {
			return fmt.Errorf("no resource %s", id)
		}
		refs[id] = "" // a cycle resolves to ""
		var nameErr error
		named := func(prop string, maxLen int, lower bool) string {
			if v, ok := r.Properties[prop]; ok {
				s, err := resolveStr(v)
				if err != nil {
					nameErr = err
				}
				if s != "" {
					return s
				}
			}
			if maxLen == 0 {
				return ""
			}
			return cfnname.PhysicalName(stack, id, maxLen, lower)
		}
		var ref string
		a := map[string]string{}
		switch r.Type {
		case "AWS::S3::Bucket":
			ref = named("BucketName", 63, true)
			a["Arn"] = "arn:aws:s3:::" + ref
		case "AWS::SQS::Queue":
			name := named("QueueName", 80, false)
			ref = "http://127.0.0.1:4566/" + account + "/" + name
			a["Arn"], a["QueueName"], a["QueueUrl"] = arn("sqs", name), name, ref
		case "AWS::SNS::Topic":
			name := named("TopicName", 256, false)
			ref = arn("sns", name)
			a["TopicArn"], a["TopicName"] = ref, name
		case "AWS::DynamoDB::Table":
			ref = named("TableName", 255, false)
			a["Arn"] = arn("dynamodb", "table/"+ref)
			a["StreamArn"] = a["Arn"] + "/stream/local"
		case "AWS::SSM::Parameter":
			if ref = named("Name", 0, false); ref == "" {
				ref = "CFN-" + cfnname.PhysicalName(stack, id, 1000, false)
			}
		case "AWS::Lambda::Function":
			ref = named("FunctionName", 64, false)
			a["Arn"] = arn("lambda", "function:"+ref)
		case "AWS::IAM::Role":
			ref = named("RoleName", 64, false)
			a["Arn"], a["RoleId"] = "arn:aws:iam::"+account+":role/"+ref, "AROA"+ref
		case "AWS::IAM::ManagedPolicy":
			ref = "arn:aws:iam::" + account + ":policy/" + cfnname.PhysicalName(stack, id, 128, false)
			a["PolicyArn"] = ref
		case "AWS::Logs::LogGroup":
			ref = named("LogGroupName", 512, false)
			a["Arn"] = arn("logs", "log-group:"+ref+":*")
		case "AWS::StepFunctions::StateMachine":
			name := named("StateMachineName", 80, false)
			ref = arn("states", "stateMachine:"+name)
			a["Arn"], a["Name"] = ref, name
		case "AWS::Events::Rule":
			ref = named("Name", 64, false)
			a["Arn"] = arn("events", "rule/"+ref)
		default:
			ref = cfnname.PhysicalName(stack, id, 128, false)
		}
		refs[id], attrs[id] = ref, a
		return nameErr
	}
	ref := func(name string) (string, error) {
		if v, ok := pseudo[name]; ok {
			return v, nil
		}
		if err := identify(name); err != nil {
			return "", fmt.Errorf("Ref %s: %w", name, err)
		}
		return refs[name], nil
	}
	getAtt := func(id, attr string) (string, error) {
		if err := identify(id); err != nil {
			return "", fmt.Errorf("Fn::GetAtt %s.%s: %w", id, attr, err)
		}
		if v, ok := attrs[id][attr]; ok {
			return v, nil
		}
		return "", fmt.Errorf("Fn::GetAtt %s.%s: unknown", id, attr)
	}
	subVar := regexp.MustCompile(`\$\{([^}]*)\}`)
	// cond evaluates a condition expression (Condition, Fn::Equals, Fn::And, Fn::Or, Fn::Not).
	var cond func(v any) (bool, error)
	cond = func(v any) (bool, error) {
		m, _ := v.(map[string]any)
		for fn, arg := range m {
			switch fn {
			case "Condition":
				return cond(tmpl.Conditions[arg.(string)])
			case "Fn::Equals":
				a := arg.([]any)
				x, err := resolveStrOf(resolve, a[0])
				if err != nil {
					return false, err
				}
				y, err := resolveStrOf(resolve, a[1])
				return x == y, err
			case "Fn::And", "Fn::Or", "Fn::Not":
				allOK, anyOK := true, false
				for _, e := range arg.([]any) {
					b, err := cond(e)
					if err != nil {
						return false, err
					}
					allOK, anyOK = allOK && b, anyOK || b
				}
				switch fn {
				case "Fn::And":
					return allOK, nil
				case "Fn::Or":
					return anyOK, nil
				}
				return !allOK, nil
			}
		}
		return false, fmt.Errorf("condition %v: not supported by the test resolver", v)
	}
	resolve = func(v any) (any, error) {
		switch x := v.(type) {
		case map[string]any:
			if len(x) == 1 {
				for k, arg := range x {
					switch k {
					case "Ref":
						if arg == "AWS::NoValue" {
							return noValue{}, nil
						}
						return ref(arg.(string))
					case "Fn::GetAtt":
						switch a := arg.(type) {
						case []any:
							return getAtt(a[0].(string), a[1].(string))
						case string:
							id, attr, _ := strings.Cut(a, ".")
							return getAtt(id, attr)
						}
					case "Fn::Join":
						a := arg.([]any)
						items, err := resolve(a[1])
						if err != nil {
							return nil, err
						}
						var parts []string
						for _, it := range items.([]any) {
							s, err := scalarString(it)
							if err != nil {
								return nil, err
							}
							parts = append(parts, s)
						}
						return strings.Join(parts, a[0].(string)), nil
					case "Fn::Sub":
						tmplStr, vars := "", map[string]string{}
						switch a := arg.(type) {
						case string:
							tmplStr = a
						case []any:
							tmplStr = a[0].(string)
							for k, vv := range a[1].(map[string]any) {
								s, err := resolveStr(vv)
								if err != nil {
									return nil, err
								}
								vars[k] = s
							}
						}
						var firstErr error
						out := subVar.ReplaceAllStringFunc(tmplStr, func(m string) string {
							name := m[2 : len(m)-1]
							if v, ok := vars[name]; ok {
								return v
							}
							var s string
							var err error
							if id, attr, ok := strings.Cut(name, "."); ok {
								s, err = getAtt(id, attr)
							} else {
								s, err = ref(name)
							}
							if err != nil && firstErr == nil {
								firstErr = err
							}
							return s
						})
						return out, firstErr
					case "Fn::If":
						a := arg.([]any)
						ok, err := cond(map[string]any{"Condition": a[0]})
						if err != nil {
							return nil, err
						}
						if ok {
							return resolve(a[1])
						}
						return resolve(a[2])
					case "Fn::Split":
						a := arg.([]any)
						str, err := resolveStr(a[1])
						if err != nil {
							return nil, err
						}
						var out []any
						for _, part := range strings.Split(str, a[0].(string)) {
							out = append(out, part)
						}
						return out, nil
					case "Fn::Select":
						a := arg.([]any)
						i, _ := strconv.Atoi(fmt.Sprint(a[0]))
						items, err := resolve(a[1])
						if err != nil {
							return nil, err
						}
						return items.([]any)[i], nil
					}
					if strings.HasPrefix(k, "Fn::") {
						return nil, fmt.Errorf("%s: not supported by the test resolver", k)
					}
				}
			}
			out := map[string]any{}
			for k, e := range x {
				r, err := resolve(e)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", k, err)
				}
				if _, skip := r.(noValue); !skip {
					out[k] = r
				}
			}
			return out, nil
		case []any:
			out := make([]any, 0, len(x))
			for _, e := range x {
				r, err := resolve(e)
				if err != nil {
					return nil, err
				}
				if _, skip := r.(noValue); !skip {
					out = append(out, r)
				}
			}
			return out, nil
		}
		return v, nil
	}
	var s Stack
	for _, id := range sortedKeys(tmpl.Resources) {
		r := tmpl.Resources[id]
		if r.Condition != "" {
			if ok, err := cond(map[string]any{"Condition": r.Condition}); err != nil {
				t.Fatalf("%s: %v", id, err)
			} else if !ok {
				continue
			}
		}
		if err := identify(id); err != nil {
			t.Fatalf("name %s: %v", id, err)
		}
		props, err := resolve(r.Properties)
		if err != nil {
			t.Fatalf("resolve %s: %v", id, err)
		}
		pm, _ := props.(map[string]any)
		s.Resources = append(s.Resources, Resource{LogicalID: id, Type: r.Type, Properties: pm, Ref: refs[id], Attrs: attrs[id]})
	}
	return s
}

// noValue is AWS::NoValue: the property or list item is removed.
type noValue struct{}

func resolveStrOf(resolve func(any) (any, error), v any) (string, error) {
	r, err := resolve(v)
	if err != nil {
		return "", err
	}
	return scalarString(r)
}

// lab is the lab stack, deployed: the engine and the names a test needs.
type lab struct {
	template []byte
	stack    Stack
	eng      *Engine

	fnRole, smRole, eventsRole, autoDeleteRole          string
	bucket, jsonQueue, csvQueue, errorQueue, topic, tbl string
	param, machine                                      string
}

func loadLab(t testing.TB) *lab {
	t.Helper()
	b, err := os.ReadFile(labTemplate)
	if err != nil {
		t.Fatal(err)
	}
	return labFrom(t, b)
}

func labFrom(t testing.TB, template []byte) *lab {
	t.Helper()
	l := &lab{template: template, stack: deployed(t, template, "ChaosLab")}
	eng, err := Load(l.stack)
	if err != nil {
		t.Fatal(err)
	}
	l.eng = eng
	attr := func(id, a string) string {
		for _, r := range l.stack.Resources {
			if r.LogicalID == id {
				if a == "Ref" {
					return r.Ref
				}
				return r.Attrs[a]
			}
		}
		t.Fatalf("no resource %s", id)
		return ""
	}
	l.fnRole = attr("PipelineFunctionRole401437C7", "Arn")
	l.smRole = attr("ExperimentRoleB2A893DC", "Arn")
	l.eventsRole = attr("ExperimentStateMachineEventsRole400BB0EE", "Arn")
	l.autoDeleteRole = attr("CustomS3AutoDeleteObjectsCustomResourceProviderRole3B1BD092", "Arn")
	l.bucket = attr("PipelineBucket5BC3F8EA", "Arn")
	l.jsonQueue = attr("PipelineJsonQueue35CC56CB", "Arn")
	l.csvQueue = attr("PipelineCsvQueueE2FD0E74", "Arn")
	l.errorQueue = attr("PipelineErrorQueue3D18FF32", "Arn")
	l.topic = attr("PipelineCsvTopic2F97E2E9", "Ref")
	l.tbl = attr("PipelineTable0C1A5F45", "Arn")
	l.param = "arn:aws:ssm:us-east-1:000000000000:parameter/" + attr("PipelineFaultParameter710FAAED", "Ref")
	l.machine = attr("ExperimentStateMachine11CAEE24", "Ref")
	return l
}

// labCase is one request against the lab stack and the answer AWS would give.
type labCase struct {
	name      string
	principal func(*lab) string
	action    string
	resource  func(*lab) string
	ctx       func(*lab) map[string][]string
	allowed   bool
	statement string // the deciding statement, when it matters
}

func (c labCase) request(l *lab) Request {
	r := Request{Principal: c.principal(l), Action: c.action, Resource: c.resource(l)}
	if c.ctx != nil {
		r.Context = c.ctx(l)
	}
	return r
}

var (
	fnRole     = func(l *lab) string { return l.fnRole }
	smRole     = func(l *lab) string { return l.smRole }
	eventsRole = func(l *lab) string { return l.eventsRole }
	autoDelete = func(l *lab) string { return l.autoDeleteRole }
	service    = func(s string) func(*lab) string { return func(*lab) string { return s } }
	fixed      = func(s string) func(*lab) string { return func(*lab) string { return s } }
	fromBucket = func(l *lab) map[string][]string {
		return map[string][]string{"aws:SourceArn": {l.bucket}, "aws:SourceAccount": {"000000000000"}, "aws:SecureTransport": {"true"}}
	}
	fromTopic = func(l *lab) map[string][]string {
		return map[string][]string{"aws:SourceArn": {l.topic}, "aws:SourceAccount": {"000000000000"}, "aws:SecureTransport": {"true"}}
	}
	plainHTTP = func(*lab) map[string][]string { return map[string][]string{"aws:SecureTransport": {"false"}} }
	prefix    = func(p string) func(*lab) map[string][]string {
		return func(*lab) map[string][]string { return map[string][]string{"s3:prefix": {p}} }
	}
)

const (
	fnPolicy     = "PipelineFunctionRoleDefaultPolicyEAF49FF5"
	smPolicy     = "ExperimentRoleDefaultPolicy5F77114F"
	eventsPolicy = "ExperimentStateMachineEventsRoleDefaultPolicyCE4D6858"
)

var labCases = []labCase{
	// The function's role: exactly its grants.
	{"function updates the table", fnRole, "dynamodb:UpdateItem", func(l *lab) string { return l.tbl }, nil, true, fnPolicy + " statement WriteSymbolRows"},
	{"function checks a condition in a transaction", fnRole, "dynamodb:ConditionCheckItem", func(l *lab) string { return l.tbl }, nil, true, fnPolicy + " statement WriteSymbolRows"},
	{"function may not delete rows", fnRole, "dynamodb:DeleteItem", func(l *lab) string { return l.tbl }, nil, false, ""},
	{"function may not scan", fnRole, "dynamodb:Scan", func(l *lab) string { return l.tbl }, nil, false, ""},
	{"function parks a poison document", fnRole, "sqs:SendMessage", func(l *lab) string { return l.errorQueue }, nil, true, fnPolicy + " statement ParkPoisonDocuments"},
	{"function may not send to its own queue", fnRole, "sqs:SendMessage", func(l *lab) string { return l.jsonQueue }, nil, false, ""},
	{"function polls its queue", fnRole, "sqs:ReceiveMessage", func(l *lab) string { return l.jsonQueue }, nil, true, fnPolicy + " statement #0"},
	{"function deletes from its queue", fnRole, "sqs:DeleteMessage", func(l *lab) string { return l.jsonQueue }, nil, true, fnPolicy + " statement #0"},
	{"function may not poll the error queue", fnRole, "sqs:ReceiveMessage", func(l *lab) string { return l.errorQueue }, nil, false, ""},
	{"function reads an input document", fnRole, "s3:GetObject", func(l *lab) string { return l.bucket + "/input/2024/a.json" }, nil, true, fnPolicy + " statement ReadInputDocuments"},
	{"function may not write input", fnRole, "s3:PutObject", func(l *lab) string { return l.bucket + "/input/a.json" }, nil, false, ""},
	{"function writes output", fnRole, "s3:PutObject", func(l *lab) string { return l.bucket + "/output/a.csv" }, nil, true, fnPolicy + " statement WriteOutputCsv"},
	{"function may not read output", fnRole, "s3:GetObject", func(l *lab) string { return l.bucket + "/output/a.csv" }, nil, false, ""},
	{"function may not list the bucket", fnRole, "s3:ListBucket", func(l *lab) string { return l.bucket }, nil, false, ""},
	{"function lists under input/ (so S3 tells it a document is gone)", fnRole, "s3:ListBucket", func(l *lab) string { return l.bucket },
		prefix("input/2024/a.json"), true, fnPolicy + " statement ListInputDocuments"},
	{"function may not list under output/", fnRole, "s3:ListBucket", func(l *lab) string { return l.bucket }, prefix("output/"), false, ""},
	{"function reads the fault parameter", fnRole, "ssm:GetParameter", func(l *lab) string { return l.param }, nil, true, fnPolicy + " statement ReadFaultConfig"},
	{"function may not write the fault parameter", fnRole, "ssm:PutParameter", func(l *lab) string { return l.param }, nil, false, ""},
	{"function writes its logs", fnRole, "logs:PutLogEvents", func(l *lab) string {
		return "arn:aws:logs:us-east-1:000000000000:log-group:" + cfnname.PhysicalName("ChaosLab", "PipelineFunctionLogs0A037C02", 512, false) + ":*"
	}, nil, true, fnPolicy + " statement #7"},
	{"function may not put metrics (EMF logs only)", fnRole, "cloudwatch:PutMetricData", fixed("*"), nil, false, ""},
	{"function over plain HTTP is denied by the queue policy", fnRole, "sqs:SendMessage", func(l *lab) string { return l.errorQueue }, plainHTTP, false, "PipelineErrorQueuePolicy01B1F8FB statement #0"},
	{"function over plain HTTP is denied by the bucket policy", fnRole, "s3:GetObject", func(l *lab) string { return l.bucket + "/input/a.json" }, plainHTTP, false, "PipelineBucketPolicy5F75DE89 statement #0"},
	// Service principals through resource-based policies.
	{"S3 notifies the JSON queue for the bucket", service("s3.amazonaws.com"), "sqs:SendMessage", func(l *lab) string { return l.jsonQueue }, fromBucket, true, "PipelineJsonQueuePolicy1528CCFB statement #1"},
	{"S3 without the bucket's SourceArn", service("s3.amazonaws.com"), "sqs:SendMessage", func(l *lab) string { return l.jsonQueue }, nil, false, ""},
	{"S3 for another bucket", service("s3.amazonaws.com"), "sqs:SendMessage", func(l *lab) string { return l.jsonQueue },
		func(*lab) map[string][]string { return map[string][]string{"aws:SourceArn": {"arn:aws:s3:::other"}} }, false, ""},
	{"S3 may not send to the CSV queue", service("s3.amazonaws.com"), "sqs:SendMessage", func(l *lab) string { return l.csvQueue }, fromBucket, false, ""},
	{"S3 may not receive from the JSON queue", service("s3.amazonaws.com"), "sqs:ReceiveMessage", func(l *lab) string { return l.jsonQueue }, fromBucket, false, ""},
	{"S3 publishes to the topic", service("s3.amazonaws.com"), "sns:Publish", func(l *lab) string { return l.topic }, fromBucket, true, "PipelineCsvTopicPolicy5EC97B2B statement 1"},
	{"S3 publishes over plain HTTP", service("s3.amazonaws.com"), "sns:Publish", func(l *lab) string { return l.topic },
		func(l *lab) map[string][]string {
			return map[string][]string{"aws:SourceArn": {l.bucket}, "aws:SecureTransport": {"false"}}
		}, false, "PipelineCsvTopicPolicy5EC97B2B statement AllowPublishThroughSSLOnly"},
	{"SNS delivers to the CSV queue", service("sns.amazonaws.com"), "sqs:SendMessage", func(l *lab) string { return l.csvQueue }, fromTopic, true, "PipelineCsvQueuePolicyED0CB15E statement #1"},
	{"SNS may not deliver to the JSON queue", service("sns.amazonaws.com"), "sqs:SendMessage", func(l *lab) string { return l.jsonQueue }, fromTopic, false, ""},
	// The state machine's role.
	{"state machine writes the fault parameter", smRole, "ssm:PutParameter", func(l *lab) string { return l.param }, nil, true, smPolicy + " statement #0"},
	{"state machine may not write another parameter", smRole, "ssm:PutParameter", fixed("arn:aws:ssm:us-east-1:000000000000:parameter/other"), nil, false, ""},
	{"state machine may not read the fault parameter", smRole, "ssm:GetParameter", func(l *lab) string { return l.param }, nil, false, ""},
	{"state machine reads metrics", smRole, "cloudwatch:GetMetricData", fixed("*"), nil, true, smPolicy + " statement ReadMetrics"},
	{"state machine reads its executions", smRole, "states:DescribeExecution", fixed("arn:aws:states:us-east-1:000000000000:execution:ChaosLab-Experiment-838CB3B4:run-1"), nil, true, smPolicy + " statement ReadOwnExecutions"},
	{"state machine may not read other executions", smRole, "states:DescribeExecution", fixed("arn:aws:states:us-east-1:000000000000:execution:Other:run-1"), nil, false, ""},
	{"state machine may not touch the table", smRole, "dynamodb:PutItem", func(l *lab) string { return l.tbl }, nil, false, ""},
	{"the rule's role starts the experiment", eventsRole, "states:StartExecution", func(l *lab) string { return l.machine }, nil, true, eventsPolicy + " statement #0"},
	{"the rule's role may not stop it", eventsRole, "states:StopExecution", func(l *lab) string { return l.machine }, nil, false, ""},
	// The CDK's auto-delete provider: a managed policy and the bucket policy.
	{"auto-delete provider deletes objects (bucket policy)", autoDelete, "s3:DeleteObject", func(l *lab) string { return l.bucket + "/input/a.json" }, nil, true, "PipelineBucketPolicy5F75DE89 statement #1"},
	{"auto-delete provider lists the bucket", autoDelete, "s3:ListBucket", func(l *lab) string { return l.bucket }, nil, true, "PipelineBucketPolicy5F75DE89 statement #1"},
	{"auto-delete provider may not write", autoDelete, "s3:PutObject", func(l *lab) string { return l.bucket + "/input/a.json" }, nil, false, ""},
	{"auto-delete provider logs (AWSLambdaBasicExecutionRole)", autoDelete, "logs:CreateLogGroup", fixed("arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/x"), nil, true,
		"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole statement #0"},
	// Trust policies.
	{"Lambda assumes the function role", service("lambda.amazonaws.com"), "sts:AssumeRole", fnRole, nil, true, "PipelineFunctionRole401437C7 AssumeRolePolicyDocument statement #0"},
	{"Step Functions may not assume the function role", service("states.amazonaws.com"), "sts:AssumeRole", fnRole, nil, false, ""},
	{"Step Functions assumes its role", service("states.amazonaws.com"), "sts:AssumeRole", smRole, nil, true, "ExperimentRoleB2A893DC AssumeRolePolicyDocument statement #0"},
	{"EventBridge assumes the rule's role", service("events.amazonaws.com"), "sts:AssumeRole", eventsRole, nil, true, "ExperimentStateMachineEventsRole400BB0EE AssumeRolePolicyDocument statement #0"},
}

func TestLabTemplate(t *testing.T) {
	l := loadLab(t)
	for _, c := range labCases {
		t.Run(c.name, func(t *testing.T) {
			d := l.eng.Authorize(c.request(l))
			if d.Allowed != c.allowed {
				t.Fatalf("allowed %v, want %v: %s", d.Allowed, c.allowed, d.Reason)
			}
			if c.statement != "" && (d.Statement == nil || d.Statement.String() != c.statement) {
				t.Errorf("deciding statement %v, want %s (%s)", d.Statement, c.statement, d.Reason)
			}
			if !d.Allowed && c.statement == "" {
				kind := "identity-based"
				if !strings.HasPrefix(d.Principal, "arn:") {
					kind = "resource-based"
				}
				want := "User: " + d.Principal + " is not authorized to perform: " + c.action + " on resource: " + d.Resource + " because no " + kind + " policy allows the " + c.action + " action"
				if d.Reason != want {
					t.Errorf("reason\n got %s\nwant %s", d.Reason, want)
				}
			}
		})
	}
}

// TestLabWithoutStatement removes, for each allowed case, the statement that allowed it from the
// template, redeploys, and expects the same request denied: every grant is needed, and the test
// helper removes exactly one.
func TestLabWithoutStatement(t *testing.T) {
	full := loadLab(t)
	refs, err := TemplateStatements(full.template)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, r := range refs {
		known[r.String()] = true
	}
	for _, c := range labCases {
		if !c.allowed || strings.HasPrefix(c.statement, "arn:aws:iam::aws:policy/") {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			d := full.eng.Authorize(c.request(full))
			if !d.Allowed {
				t.Fatalf("not allowed with the full template: %s", d.Reason)
			}
			if !known[d.Statement.String()] {
				t.Fatalf("TemplateStatements does not list %s", d.Statement)
			}
			b, err := WithoutStatement(full.template, *d.Statement)
			if err != nil {
				t.Fatal(err)
			}
			less := labFrom(t, b)
			after := less.eng.Authorize(c.request(less))
			if after.Allowed {
				t.Fatalf("still allowed without %s: %s", d.Statement, after.Reason)
			}
			if !strings.Contains(after.Reason, "because no ") {
				t.Errorf("reason %s", after.Reason)
			}
			// The stack-level helper agrees.
			s, err := full.stack.WithoutStatement(*d.Statement)
			if err != nil {
				t.Fatal(err)
			}
			eng, err := Load(s)
			if err != nil {
				t.Fatal(err)
			}
			if eng.Authorize(c.request(full)).Allowed {
				t.Errorf("Stack.WithoutStatement: still allowed")
			}
			// Only that statement is gone.
			left, _ := TemplateStatements(b)
			if len(left) != len(refs)-1 {
				t.Errorf("%d statements left of %d", len(left), len(refs))
			}
		})
	}
	// Removing a deny statement lets the request through: the SSL-only deny is what denies plain HTTP.
	plain := labCase{principal: fnRole, action: "sqs:SendMessage", resource: func(l *lab) string { return l.errorQueue }, ctx: plainHTTP}
	b, err := WithoutStatement(full.template, StatementRef{Policy: "PipelineErrorQueuePolicy01B1F8FB", Document: "PolicyDocument", Index: 0})
	if err != nil {
		t.Fatal(err)
	}
	less := labFrom(t, b)
	if d := less.eng.Authorize(plain.request(less)); !d.Allowed {
		t.Errorf("without the SSL-only deny: %s", d.Reason)
	}
}

func TestWithoutStatementErrors(t *testing.T) {
	l := loadLab(t)
	for _, c := range []struct {
		ref  StatementRef
		want string
	}{
		{StatementRef{Policy: "Nope", Document: "PolicyDocument"}, `no resource "Nope"`},
		{StatementRef{Policy: fnPolicy, Document: "PolicyDocument", Sid: "Nope"}, "no statement with Sid Nope"},
		{StatementRef{Policy: fnPolicy, Document: "PolicyDocument", Index: 99}, "no statement #99"},
		{StatementRef{Policy: "PipelineFunctionRole401437C7", Document: "Policies[0]"}, "no Policies[0]"},
		{StatementRef{Policy: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}, "no resource"},
	} {
		if _, err := WithoutStatement(l.template, c.ref); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.ref, err, c.want)
		}
	}
	if _, err := l.stack.WithoutStatement(StatementRef{Policy: "Nope"}); err == nil {
		t.Errorf("Stack.WithoutStatement of a missing resource succeeded")
	}
	// The original stack is untouched by Stack.WithoutStatement.
	if _, err := l.stack.WithoutStatement(StatementRef{Policy: fnPolicy, Document: "PolicyDocument", Sid: "WriteSymbolRows"}); err != nil {
		t.Fatal(err)
	}
	if n := len(l.stack.Statements()); n != len(mustStatements(t, l.template)) {
		t.Errorf("the stack lost a statement: %d", n)
	}
}

func mustStatements(t *testing.T, template []byte) []StatementRef {
	refs, err := TemplateStatements(template)
	if err != nil {
		t.Fatal(err)
	}
	return refs
}

// TestLabRequests goes from HTTP requests, as the function and the state machine send them, to
// decisions.
func TestLabRequests(t *testing.T) {
	l := loadLab(t)
	tableName := strings.TrimPrefix(l.tbl, "arn:aws:dynamodb:us-east-1:000000000000:table/")
	bucket := strings.TrimPrefix(l.bucket, "arn:aws:s3:::")
	queueURL := func(arn string) string {
		return "http://127.0.0.1:4566/000000000000/" + arn[strings.LastIndex(arn, ":")+1:]
	}
	tests := []struct {
		name      string
		service   string
		principal string
		req       func() *http.Request
		allowed   bool
	}{
		{"the function's transactional write", "dynamodb", l.fnRole, jsonReq("DynamoDB_20120810.TransactWriteItems", `{"TransactItems":[
			{"Put":{"TableName":"`+tableName+`","Item":{"pk":{"S":"AAPL"}}}},
			{"Update":{"TableName":"`+tableName+`","Key":{"pk":{"S":"AAPL"},"sk":{"S":"summary"}}}},
			{"ConditionCheck":{"TableName":"`+tableName+`","Key":{"pk":{"S":"event"}}}}]}`), true},
		{"a transaction that also deletes", "dynamodb", l.fnRole, jsonReq("DynamoDB_20120810.TransactWriteItems", `{"TransactItems":[
			{"Put":{"TableName":"`+tableName+`","Item":{"pk":{"S":"AAPL"}}}},
			{"Delete":{"TableName":"`+tableName+`","Key":{"pk":{"S":"old"}}}}]}`), false},
		{"the function parks a document", "sqs", l.fnRole, jsonReq("AmazonSQS.SendMessage", `{"QueueUrl":"`+queueURL(l.errorQueue)+`","MessageBody":"{}"}`), true},
		{"the function reads its input", "s3", l.fnRole, restReq(http.MethodGet, "/"+bucket+"/input/a.json", nil, ""), true},
		{"the function overwrites its input", "s3", l.fnRole, restReq(http.MethodPut, "/"+bucket+"/input/a.json", nil, "{}"), false},
		{"the function copies input to output", "s3", l.fnRole, restReq(http.MethodPut, "/"+bucket+"/output/a.json", map[string]string{"X-Amz-Copy-Source": "/" + bucket + "/input/a.json"}, ""), true},
		{"the function copies output to output", "s3", l.fnRole, restReq(http.MethodPut, "/"+bucket+"/output/b.json", map[string]string{"X-Amz-Copy-Source": "/" + bucket + "/output/a.json"}, ""), false},
		{"the function reads its fault config", "ssm", l.fnRole, jsonReq("AmazonSSM.GetParameter", `{"Name":"`+strings.TrimPrefix(l.param, "arn:aws:ssm:us-east-1:000000000000:parameter/")+`"}`), true},
		{"the state machine injects a fault", "ssm", l.smRole, jsonReq("AmazonSSM.PutParameter", `{"Name":"`+strings.TrimPrefix(l.param, "arn:aws:ssm:us-east-1:000000000000:parameter/")+`","Value":"{}","Overwrite":true}`), true},
		{"the state machine reads metrics (CBOR)", "monitoring", l.smRole, cborReq("GetMetricData", nil), true},
		{"the state machine may not put metrics", "monitoring", l.smRole, jsonReq("GraniteServiceVersion20100801.PutMetricData", `{"Namespace":"ChaosTransformer"}`), false},
		{"the rule starts the experiment", "states", l.eventsRole, jsonReq("AWSStepFunctions.StartExecution", `{"stateMachineArn":"`+l.machine+`"}`), true},
	}
	m := l.eng.Mapper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, err := m.Map(tt.service, tt.req())
			if err != nil {
				t.Fatal(err)
			}
			d := l.eng.AuthorizeAll(op.Requests(tt.principal, nil))
			if d.Allowed != tt.allowed {
				t.Errorf("allowed %v, want %v: %s", d.Allowed, tt.allowed, d.Reason)
			}
		})
	}
}

func TestLabSummary(t *testing.T) {
	l := loadLab(t)
	s := l.eng.Summary()
	t.Log("\n" + s)
	for _, want := range []string{
		"IAM enforced: 5 roles, 5 resource-based policies (account 000000000000, us-east-1)",
		"  role " + l.fnRole + " (PipelineFunctionRole401437C7), assumed by lambda.amazonaws.com\n",
		"    allow s3:GetObject on " + l.bucket + "/input/* [" + fnPolicy + " statement ReadInputDocuments]\n",
		"    allow s3:ListBucket on " + l.bucket + " if StringLike s3:prefix=input/* [" + fnPolicy + " statement ListInputDocuments]\n",
		"    allow dynamodb:GetItem, dynamodb:PutItem, dynamodb:UpdateItem, dynamodb:ConditionCheckItem on " + l.tbl + " [" + fnPolicy + " statement WriteSymbolRows]\n",
		"  role " + l.smRole + " (ExperimentRoleB2A893DC), assumed by states.amazonaws.com\n",
		"    allow ssm:PutParameter on " + l.param + " [" + smPolicy + " statement #0]\n",
		"  service s3.amazonaws.com\n",
		"    allow sqs:SendMessage, sqs:GetQueueAttributes, sqs:GetQueueUrl on " + l.jsonQueue + " if ArnLike aws:SourceArn=" + l.bucket + " [PipelineJsonQueuePolicy1528CCFB statement #1]\n",
		"  everyone (*)\n",
		"    deny sqs:* on " + l.errorQueue + " if Bool aws:SecureTransport=false [PipelineErrorQueuePolicy01B1F8FB statement #0]\n",
		"    allow logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents on * [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole statement #0]\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	// Grants is the summary's data: the function role's statements come first, in template order.
	g := l.eng.Grants()
	if len(g) == 0 || g[0].Principal != l.eng.Roles()[0] {
		t.Fatalf("grants: %v", g)
	}
	if g[0].PolicyType != "identity-based" {
		t.Errorf("first grant: %+v", g[0])
	}
}

// The local cloud's own test fixture (local/template/testdata) loads too.
func TestFixtureTemplate(t *testing.T) {
	b, err := os.ReadFile("../template/testdata/cdk.out/Fixture.template.json")
	if err != nil {
		t.Fatalf("the local cloud's fixture, committed in local/template/testdata: %v", err)
	}
	s := deployed(t, b, "Fixture")
	eng, err := Load(s)
	if err != nil {
		t.Fatal(err)
	}
	role, ok := eng.RoleARN("FnServiceRoleB9001A96")
	if !ok {
		t.Fatal("no function role")
	}
	d := eng.Authorize(Request{Principal: role, Action: "ssm:GetParameter", Resource: "arn:aws:ssm:us-east-1:000000000000:parameter/Fixture/failureLambdaConfig"})
	if !d.Allowed {
		t.Errorf("the fixture's function reads its parameter: %s", d.Reason)
	}
}
