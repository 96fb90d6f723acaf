package pipeline_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/chaoslab/serverless-chaos-lab/constructs/pipeline"
	"github.com/chaoslab/serverless-chaos-lab/internal/cdktest"
)

// One Node child serves every test in this binary; close it once at the end.
func TestMain(m *testing.M) { cdktest.Main(m) }

// prebuilt is a stand-in bootstrap: construct tests check the template, not the code, so they skip
// the Go build (app_test.go at the module root builds the real function).
const prebuilt = "testdata/prebuilt"

// synth builds a stack with one pipeline and returns the pipeline, its stack and the template as JSON.
type synthed struct {
	stack    awscdk.Stack
	p        *pipeline.Pipeline
	template assertions.Template
	json     map[string]any
}

func synth(t *testing.T, props *pipeline.PipelineProps, nag bool) synthed {
	t.Helper()
	if props == nil {
		props = &pipeline.PipelineProps{}
	}
	if props.FunctionCodeDir == "" && props.FunctionSource == "" {
		props.FunctionCodeDir = prebuilt
	}
	var s synthed
	s.template = cdktest.Synth(t, func(stack awscdk.Stack) {
		s.stack = stack
		s.p = pipeline.NewPipeline(stack, "Pipeline", props)
		if nag {
			awscdk.Aspects_Of(stack.Node().Root()).Add(cdknag.NewAwsSolutionsChecks(nil), nil)
		}
	})
	cdktest.Guard(t, func() { s.json = *s.template.ToJSON() })
	return s
}

func (s synthed) logicalID(c constructs.IConstruct) string {
	return *s.stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

// resources returns the template's resources of one type, by logical id.
func (s synthed) resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range s.json["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["Type"] == typ {
			props, _ := r["Properties"].(map[string]any)
			out[id] = props
		}
	}
	return out
}

func (s synthed) props(c constructs.IConstruct) map[string]any {
	r := s.json["Resources"].(map[string]any)[s.logicalID(c)].(map[string]any)
	return r["Properties"].(map[string]any)
}

func getAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}

func ref(id string) map[string]any { return map[string]any{"Ref": id} }

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestResourceCounts(t *testing.T) {
	// GIVEN default props WHEN the pipeline is synthesized THEN it holds the seed's topology: one bucket,
	// three queues, one topic with one subscription, one table, one parameter, one event source mapping,
	// and one bucket-notifications resource.
	s := synth(t, nil, false)
	for typ, want := range map[string]int{
		"AWS::S3::Bucket":                  1,
		"AWS::SQS::Queue":                  3,
		"AWS::SNS::Topic":                  1,
		"AWS::SNS::Subscription":           1,
		"AWS::DynamoDB::Table":             1,
		"AWS::SSM::Parameter":              1,
		"AWS::Lambda::EventSourceMapping":  1,
		"Custom::S3BucketNotifications":    1,
		"AWS::Logs::LogGroup":              1,
		"AWS::SQS::QueuePolicy":            3,
		"AWS::SNS::TopicPolicy":            1,
		"Custom::S3AutoDeleteObjects":      1,
		"AWS::CloudWatch::Dashboard":       0,
		"AWS::StepFunctions::StateMachine": 0,
	} {
		if got := len(s.resources(typ)); got != want {
			t.Errorf("%s: %d resources, want %d", typ, got, want)
		}
	}
	// Three functions: ours, and CDK's notification handler (a real function); the autoDeleteObjects
	// provider is a raw resource of type AWS::Lambda::Function too.
	fns := s.resources("AWS::Lambda::Function")
	if len(fns) != 3 {
		t.Errorf("AWS::Lambda::Function: %d, want 3 (ours + 2 CDK helpers)", len(fns))
	}
}

func TestBucketIsLockedDown(t *testing.T) {
	// GIVEN default props WHEN synthesized THEN the bucket blocks all public access, is encrypted, and
	// its policy denies requests without TLS.
	s := synth(t, nil, false)
	cdktest.Guard(t, func() {
		s.template.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
			"PublicAccessBlockConfiguration": map[string]any{
				"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
			},
			"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{
				map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}},
			}},
		})
		s.template.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Effect":    "Deny",
				"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
				"Action":    "s3:*",
			})})},
		})
	})
}

func TestRemovalFollowsRetainData(t *testing.T) {
	cases := []struct {
		name       string
		retain     bool
		policy     string
		autoDelete int
	}{
		{name: "lab default destroys everything", retain: false, policy: "Delete", autoDelete: 1},
		{name: "RetainData keeps bucket and table", retain: true, policy: "Retain", autoDelete: 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// GIVEN RetainData WHEN synthesized THEN bucket and table carry the deletion policy, and the
			// bucket is emptied on delete only when it is destroyed.
			s := synth(t, &pipeline.PipelineProps{RetainData: c.retain}, false)
			res := s.json["Resources"].(map[string]any)
			for _, id := range []string{s.logicalID(s.p.Bucket), s.logicalID(s.p.Table)} {
				if got := res[id].(map[string]any)["DeletionPolicy"]; got != c.policy {
					t.Errorf("%s DeletionPolicy = %v, want %s", id, got, c.policy)
				}
			}
			if got := len(s.resources("Custom::S3AutoDeleteObjects")); got != c.autoDelete {
				t.Errorf("auto-delete resources = %d, want %d", got, c.autoDelete)
			}
		})
	}
}

func TestNotifications(t *testing.T) {
	// GIVEN default props WHEN synthesized THEN the bucket sends input/*.json creations to the JSON queue
	// and output/*.csv creations to the topic, and nothing else.
	s := synth(t, nil, false)
	notifs := s.resources("Custom::S3BucketNotifications")
	var cfg map[string]any
	for _, n := range notifs {
		cfg = n["NotificationConfiguration"].(map[string]any)
	}
	filter := func(prefix, suffix string) map[string]any {
		return map[string]any{"Key": map[string]any{"FilterRules": []any{
			map[string]any{"Name": "suffix", "Value": suffix},
			map[string]any{"Name": "prefix", "Value": prefix},
		}}}
	}
	wantQueue := []any{map[string]any{
		"Events":   []any{"s3:ObjectCreated:*"},
		"Filter":   filter("input/", ".json"),
		"QueueArn": getAtt(s.logicalID(s.p.JsonQueue), "Arn"),
	}}
	wantTopic := []any{map[string]any{
		"Events":   []any{"s3:ObjectCreated:*"},
		"Filter":   filter("output/", ".csv"),
		"TopicArn": ref(s.logicalID(s.p.Topic)),
	}}
	if !equalJSON(cfg["QueueConfigurations"], wantQueue) {
		t.Errorf("QueueConfigurations = %v\nwant %v", cfg["QueueConfigurations"], wantQueue)
	}
	if !equalJSON(cfg["TopicConfigurations"], wantTopic) {
		t.Errorf("TopicConfigurations = %v\nwant %v", cfg["TopicConfigurations"], wantTopic)
	}
	if _, ok := cfg["LambdaFunctionConfigurations"]; ok {
		t.Errorf("unexpected LambdaFunctionConfigurations: %v", cfg)
	}

	// AND the topic delivers SNS envelopes (not raw) to the CSV queue.
	cdktest.Guard(t, func() {
		s.template.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]any{
			"Protocol":           "sqs",
			"TopicArn":           ref(s.logicalID(s.p.Topic)),
			"Endpoint":           getAtt(s.logicalID(s.p.CsvQueue), "Arn"),
			"RawMessageDelivery": false,
		})
	})
}

func TestResourcePoliciesAdmitOnlyTheRealSource(t *testing.T) {
	// GIVEN default props WHEN synthesized THEN each queue/topic policy allows exactly one service, on the
	// condition that the source is this stack's bucket or topic; everything else is TLS-only denies.
	s := synth(t, nil, false)
	bucketArn := getAtt(s.logicalID(s.p.Bucket), "Arn")
	topicArn := ref(s.logicalID(s.p.Topic))
	want := map[string]struct {
		service string
		source  any
	}{
		s.logicalID(s.p.JsonQueue):  {"s3.amazonaws.com", bucketArn},
		s.logicalID(s.p.CsvQueue):   {"sns.amazonaws.com", topicArn},
		s.logicalID(s.p.ErrorQueue): {}, // no Allow at all: only the JSON queue's redrive and the function write here
		s.logicalID(s.p.Topic):      {"s3.amazonaws.com", bucketArn},
	}
	seen := map[string]bool{}
	check := func(target any, doc map[string]any) {
		id := target.(map[string]any)["Ref"].(string)
		w, ok := want[id]
		if !ok {
			t.Errorf("policy on unexpected resource %s", id)
			return
		}
		seen[id] = true
		allows := 0
		for _, st := range doc["Statement"].([]any) {
			st := st.(map[string]any)
			if st["Effect"] == "Deny" {
				if !equalJSON(st["Condition"], map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}) {
					t.Errorf("%s: unexpected deny %v", id, st)
				}
				continue
			}
			allows++
			if !equalJSON(st["Principal"], map[string]any{"Service": w.service}) {
				t.Errorf("%s: allow for principal %v, want service %s", id, st["Principal"], w.service)
			}
			var source any
			for _, op := range []string{"ArnLike", "ArnEquals"} {
				if c, ok := st["Condition"].(map[string]any)[op]; ok {
					source = c.(map[string]any)["aws:SourceArn"]
				}
			}
			if !equalJSON(source, w.source) {
				t.Errorf("%s: allow conditioned on source %v, want %v", id, source, w.source)
			}
		}
		if wantAllows := map[bool]int{true: 0, false: 1}[w.service == ""]; allows != wantAllows {
			t.Errorf("%s: %d allow statements, want %d", id, allows, wantAllows)
		}
	}
	for _, p := range s.resources("AWS::SQS::QueuePolicy") {
		for _, q := range p["Queues"].([]any) {
			check(q, p["PolicyDocument"].(map[string]any))
		}
	}
	for _, p := range s.resources("AWS::SNS::TopicPolicy") {
		for _, tp := range p["Topics"].([]any) {
			check(tp, p["PolicyDocument"].(map[string]any))
		}
	}
	if len(seen) != len(want) {
		t.Errorf("policies found on %v, want all of %v", seen, want)
	}
}

func TestRedrive(t *testing.T) {
	cases := []struct {
		name  string
		props pipeline.PipelineProps
		want  float64
	}{
		{name: "flawed: the seed's 3", want: 3},
		{name: "resilient: 10, poison goes to the error queue directly", props: pipeline.PipelineProps{Scenario: "resilient"}, want: 10},
		{name: "configured", props: pipeline.PipelineProps{MaxReceiveCount: 5}, want: 5},
		{name: "configured overrides the scenario", props: pipeline.PipelineProps{Scenario: "resilient", MaxReceiveCount: 4}, want: 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// GIVEN MaxReceiveCount WHEN synthesized THEN the JSON queue redrives to the error queue after it.
			s := synth(t, &c.props, false)
			got := s.props(s.p.JsonQueue)["RedrivePolicy"]
			want := map[string]any{
				"deadLetterTargetArn": getAtt(s.logicalID(s.p.ErrorQueue), "Arn"),
				"maxReceiveCount":     c.want,
			}
			if !equalJSON(got, want) {
				t.Errorf("RedrivePolicy = %v, want %v", got, want)
			}
			// AND only the JSON queue has a redrive policy.
			for _, q := range []constructs.IConstruct{s.p.CsvQueue, s.p.ErrorQueue} {
				if r, ok := s.props(q)["RedrivePolicy"]; ok {
					t.Errorf("%s has RedrivePolicy %v", s.logicalID(q), r)
				}
			}
		})
	}
}

func TestScenarioSettings(t *testing.T) {
	cases := []struct {
		name                string
		scenario            string
		timeout, memory     float64
		batch               float64
		visibility          float64
		memoryForResilience bool
	}{
		{name: "default is flawed", scenario: "", timeout: 3, memory: 128, batch: 1, visibility: 180},
		{name: "flawed is the seed", scenario: pipeline.ScenarioFlawed, timeout: 3, memory: 128, batch: 1, visibility: 180},
		{name: "resilient", scenario: pipeline.ScenarioResilient, timeout: 30, memory: 256, batch: 10, visibility: 180},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// GIVEN a scenario WHEN synthesized THEN timeout, memory, batch size and visibility follow its
			// row of the scenario table, SCENARIO names it, and the event source reports item failures.
			s := synth(t, &pipeline.PipelineProps{Scenario: c.scenario}, false)
			fn := s.props(s.p.Function)
			if fn["Timeout"] != c.timeout || fn["MemorySize"] != c.memory {
				t.Errorf("function Timeout=%v MemorySize=%v, want %v %v", fn["Timeout"], fn["MemorySize"], c.timeout, c.memory)
			}
			wantName := c.scenario
			if wantName == "" {
				wantName = pipeline.ScenarioFlawed
			}
			env := fn["Environment"].(map[string]any)["Variables"].(map[string]any)
			if env["SCENARIO"] != wantName {
				t.Errorf("SCENARIO = %v, want %s", env["SCENARIO"], wantName)
			}
			if got := s.props(s.p.JsonQueue)["VisibilityTimeout"]; got != c.visibility {
				t.Errorf("JSON queue VisibilityTimeout = %v, want %v", got, c.visibility)
			}
			if got := s.props(s.p.JsonQueue)["VisibilityTimeout"].(float64); got < 6*c.timeout && wantName == pipeline.ScenarioResilient {
				t.Errorf("resilient visibility %v < 6x timeout %v", got, c.timeout)
			}
			for _, esm := range s.resources("AWS::Lambda::EventSourceMapping") {
				want := map[string]any{
					"BatchSize":             c.batch,
					"EventSourceArn":        getAtt(s.logicalID(s.p.JsonQueue), "Arn"),
					"FunctionName":          ref(s.logicalID(s.p.Function)),
					"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
				}
				if !equalJSON(esm, want) {
					t.Errorf("event source mapping = %v\nwant %v", esm, want)
				}
			}
		})
	}
}

func TestFunction(t *testing.T) {
	// GIVEN a log level and a fault parameter name WHEN synthesized THEN the function is a provided.al2023
	// bootstrap for the chosen architecture, with exactly the environment of contracts §2.
	s := synth(t, &pipeline.PipelineProps{
		Architecture: pipeline.ArchitectureX8664, LogLevel: "DEBUG", FaultParameterName: "failureLambdaConfig",
		FailureCacheTTL: 2 * time.Second,
	}, false)
	fn := s.props(s.p.Function)
	if fn["Runtime"] != "provided.al2023" || fn["Handler"] != "bootstrap" || !equalJSON(fn["Architectures"], []any{"x86_64"}) {
		t.Errorf("Runtime/Handler/Architectures = %v %v %v", fn["Runtime"], fn["Handler"], fn["Architectures"])
	}
	wantEnv := map[string]any{
		"SCENARIO":                "flawed",
		"CHAOS_DATA_TABLE":        ref(s.logicalID(s.p.Table)),
		"ERROR_QUEUE_URL":         ref(s.logicalID(s.p.ErrorQueue)),
		"FAILURE_INJECTION_PARAM": ref(s.logicalID(s.p.FaultParameter)),
		"FAILURE_CACHE_TTL":       "2s",
		"LOG_LEVEL":               "debug",
	}
	if got := fn["Environment"].(map[string]any)["Variables"]; !equalJSON(got, wantEnv) {
		t.Errorf("Environment = %v\nwant %v", got, wantEnv)
	}
	if got := fn["LoggingConfig"]; !equalJSON(got, map[string]any{"LogGroup": ref(s.logicalID(s.p.FunctionLogGroup))}) {
		t.Errorf("LoggingConfig = %v", got)
	}
	cdktest.Guard(t, func() {
		s.template.HasResourceProperties(jsii.String("AWS::SSM::Parameter"), map[string]any{
			"Type": "String", "Name": "failureLambdaConfig", "Value": `{"isEnabled": false}`,
		})
		s.template.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"KeySchema": []any{
				map[string]any{"AttributeName": "symbol", "KeyType": "HASH"},
				map[string]any{"AttributeName": "entryType", "KeyType": "RANGE"},
			},
			"AttributeDefinitions": []any{
				map[string]any{"AttributeName": "symbol", "AttributeType": "S"},
				map[string]any{"AttributeName": "entryType", "AttributeType": "S"},
			},
			"BillingMode":                      "PAY_PER_REQUEST",
			"SSESpecification":                 map[string]any{"SSEEnabled": true},
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
		})
		s.template.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 7})
	})
	// AND every queue is encrypted with SSE-SQS.
	for id, q := range s.resources("AWS::SQS::Queue") {
		if q["SqsManagedSseEnabled"] != true {
			t.Errorf("queue %s: SqsManagedSseEnabled = %v", id, q["SqsManagedSseEnabled"])
		}
	}
}

func TestAssetHashFollowsTheBinary(t *testing.T) {
	// GIVEN prebuilt bootstraps WHEN synthesized twice from the same bytes THEN the asset key is the same;
	// from different bytes, it differs.
	dir := func(content string) string {
		d := t.TempDir()
		if err := os.WriteFile(filepath.Join(d, "bootstrap"), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	key := func(codeDir string) string {
		s := synth(t, &pipeline.PipelineProps{FunctionCodeDir: codeDir}, false)
		code := s.props(s.p.Function)["Code"].(map[string]any)
		return fmt.Sprint(code["S3Key"])
	}
	a, b, c := key(dir("v1")), key(dir("v1")), key(dir("v2"))
	if a != b {
		t.Errorf("same bytes, different asset keys: %s vs %s", a, b)
	}
	if a == c {
		t.Errorf("different bytes, same asset key %s", a)
	}
}

// allowedWildcards lists the only statements allowed a "*" in a resource, with why.
var allowedWildcards = map[string]string{
	// S3 object grants are key patterns under the bucket.
	"s3:GetObject": "/input/*",
	"s3:PutObject": "/output/*",
	// No resource-level scoping exists for PutMetricData; the namespace condition limits it.
	"cloudwatch:PutMetricData": "*",
}

func TestIAMHasNoWildcardsBeyondTheDocumentedOnes(t *testing.T) {
	cases := []struct {
		name          string
		metricsViaAPI bool
		wantActions   []string
	}{
		{name: "EMF metrics (default)", wantActions: baseActions},
		{name: "metrics via API", metricsViaAPI: true, wantActions: append(slices.Clone(baseActions), "cloudwatch:PutMetricData")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// GIVEN the pipeline WHEN synthesized THEN every policy statement in the stack names actions
			// without wildcards, the function's policy holds exactly the calls it makes, and a "*" in a
			// resource appears only where documented.
			s := synth(t, &pipeline.PipelineProps{MetricsViaAPI: c.metricsViaAPI}, false)
			fnPolicy := ""
			var got []string
			for id, pol := range s.resources("AWS::IAM::Policy") {
				ours := equalJSON(pol["Roles"], []any{ref(s.logicalID(s.p.FunctionRole))})
				if ours {
					fnPolicy = id
				}
				for _, st := range pol["PolicyDocument"].(map[string]any)["Statement"].([]any) {
					st := st.(map[string]any)
					if st["Effect"] != "Allow" {
						t.Errorf("%s: unexpected %v", id, st)
					}
					actions := strings.Fields(strings.Trim(fmt.Sprint(st["Action"]), "[]"))
					for _, a := range actions {
						if strings.Contains(a, "*") {
							t.Errorf("%s: wildcard action %s", id, a)
						}
					}
					for _, r := range resourceList(st["Resource"]) {
						if !strings.Contains(r, "*") {
							continue
						}
						for _, a := range actions {
							if suffix, ok := allowedWildcards[a]; !ok || !strings.HasSuffix(r, suffix) || r != "*" && suffix == "*" {
								t.Errorf("%s: %s on wildcard resource %s is not documented", id, a, r)
							}
						}
					}
					if slices.Contains(actions, "cloudwatch:PutMetricData") {
						want := map[string]any{"StringEquals": map[string]any{"cloudwatch:namespace": "ChaosTransformer"}}
						if !equalJSON(st["Condition"], want) {
							t.Errorf("PutMetricData without the namespace condition: %v", st["Condition"])
						}
					}
					if ours {
						got = append(got, actions...)
					}
				}
			}
			if fnPolicy == "" {
				t.Fatal("no policy attached to the function role")
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(c.wantActions))
			if !slices.Equal(got, want) {
				t.Errorf("function actions = %v\nwant %v", got, want)
			}
			// AND the function role carries no managed policy (AWSLambdaBasicExecutionRole would grant
			// logs on every log group).
			if mp, ok := s.props(s.p.FunctionRole)["ManagedPolicyArns"]; ok {
				t.Errorf("function role has managed policies %v", mp)
			}
		})
	}
}

// resourceList flattens a statement's Resource (a string, an intrinsic, or a list of them) into strings,
// with references shown as <ref> and Fn::Join resolved, so "arn/input/*" patterns are visible.
func resourceList(r any) []string {
	var flat func(any) string
	flat = func(v any) string {
		switch v := v.(type) {
		case string:
			return v
		case map[string]any:
			if j, ok := v["Fn::Join"].([]any); ok {
				var b strings.Builder
				for _, part := range j[1].([]any) {
					b.WriteString(flat(part))
				}
				return b.String()
			}
			return "<ref>"
		}
		return fmt.Sprint(v)
	}
	if list, ok := r.([]any); ok {
		out := make([]string, len(list))
		for i, x := range list {
			out[i] = flat(x)
		}
		return out
	}
	return []string{flat(r)}
}

// baseActions are the function's calls: consume the JSON queue (the event source), read input, write
// output, write rows, park poison documents, read the fault config, write its logs.
var baseActions = []string{
	"sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
	"s3:GetObject", "s3:ListBucket", "s3:PutObject",
	"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem",
	"sqs:SendMessage",
	"ssm:GetParameter",
	"logs:CreateLogStream", "logs:PutLogEvents",
}

func TestNagHasNoUnsuppressedFindings(t *testing.T) {
	cases := []struct {
		name  string
		props pipeline.PipelineProps
	}{
		{name: "defaults"},
		{name: "resilient with API metrics and retained data", props: pipeline.PipelineProps{
			Scenario: pipeline.ScenarioResilient, MetricsViaAPI: true, RetainData: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// GIVEN the AwsSolutions pack WHEN synthesized THEN it reports no error and no warning: each
			// accepted finding is suppressed on its resource with a reason.
			s := synth(t, &c.props, true)
			ann := assertions.Annotations_FromStack(s.stack)
			for _, level := range []string{"error", "warning"} {
				var msgs []string
				find := ann.FindError
				if level == "warning" {
					find = ann.FindWarning
				}
				for _, m := range *find(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))) {
					msgs = append(msgs, fmt.Sprintf("%s: %v", *m.Id, m.Entry.Data))
				}
				if len(msgs) > 0 {
					t.Errorf("unsuppressed cdk-nag %ss:\n%s", level, strings.Join(msgs, "\n"))
				}
			}
		})
	}
}

func TestNewPipelineRejectsBadProps(t *testing.T) {
	// GIVEN several invalid props WHEN NewPipeline runs THEN synth fails once, naming every problem.
	stack := awscdk.NewStack(cdktest.NewApp(t, nil), jsii.String("Bad"), nil)
	var msg string
	func() {
		defer func() { msg = fmt.Sprint(recover()) }()
		pipeline.NewPipeline(stack, "Pipeline", &pipeline.PipelineProps{Scenario: "chaos", MaxReceiveCount: -1})
	}()
	for _, want := range []string{`pipeline "Pipeline"`, "Scenario:", "flawed, resilient", "MaxReceiveCount:"} {
		if !strings.Contains(msg, want) {
			t.Errorf("panic %q lacks %q", msg, want)
		}
	}
}

// A team's own app that nests the pipeline in a scope of its own still gets the outputs the drivers
// read, by their exact ids, each the pipeline's own resource: chaoslab, the publisher and the
// subscriber work against it as against the lab's stack.
func TestAddOutputsFromANestedScope(t *testing.T) {
	var p *pipeline.Pipeline
	var stack awscdk.Stack
	tmpl := cdktest.Synth(t, func(st awscdk.Stack) {
		stack = st
		team := constructs.NewConstruct(st, jsii.String("Orders"))
		p = pipeline.NewPipeline(constructs.NewConstruct(team, jsii.String("Inner")), "Pipeline", &pipeline.PipelineProps{
			FunctionCodeDir: prebuilt, Scenario: pipeline.ScenarioResilient})
		p.AddOutputs()
	})
	var outputs map[string]any
	cdktest.Guard(t, func() { outputs = (*tmpl.ToJSON())["Outputs"].(map[string]any) })
	ref := func(c constructs.IConstruct) map[string]any {
		return map[string]any{"Ref": *stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))}
	}
	want := map[string]any{
		"Scenario": "resilient", "BucketName": ref(p.Bucket), "JsonQueueUrl": ref(p.JsonQueue), "CsvQueueUrl": ref(p.CsvQueue),
		"ErrorQueueUrl": ref(p.ErrorQueue), "TopicArn": ref(p.Topic), "TableName": ref(p.Table), "FunctionName": ref(p.Function),
		"FaultParameterName": ref(p.FaultParameter), "FailureCacheTTL": "5s",
	}
	for _, id := range []string{"JsonQueueName", "CsvQueueName", "ErrorQueueName", "TopicName"} {
		want[id] = nil // a GetAtt: present is enough
	}
	if len(outputs) != len(want) {
		t.Errorf("%d outputs, want %d: %v", len(outputs), len(want), outputs)
	}
	for id, v := range want {
		got, ok := outputs[id].(map[string]any)
		if !ok {
			t.Errorf("output %s missing (the drivers read it by this id)", id)
			continue
		}
		if v != nil && fmt.Sprint(got["Value"]) != fmt.Sprint(v) {
			t.Errorf("output %s = %v, want %v", id, got["Value"], v)
		}
	}
}
