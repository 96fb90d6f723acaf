package template

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/chaoslab/serverless-chaos-lab/local/internal/cfnname"
)

func testContext() *Context {
	c := &Context{
		Region: "us-east-1", AccountID: "000000000000", StackName: "ChaosLab",
		Params: map[string]any{"Env": "dev"},
		Refs:   map[string]string{"Queue": "http://127.0.0.1:4566/000000000000/q", "Bucket": "b-1"},
		Attrs: map[string]map[string]string{
			"Queue":  {"Arn": "arn:aws:sqs:us-east-1:000000000000:q", "QueueName": "q"},
			"Bucket": {"Arn": "arn:aws:s3:::b-1"},
		},
	}
	if err := c.EvalConditions(map[string]any{
		"IsDev":  map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "Env"}, "dev"}},
		"NotDev": map[string]any{"Fn::Not": []any{map[string]any{"Condition": "IsDev"}}},
		"Both":   map[string]any{"Fn::And": []any{map[string]any{"Condition": "IsDev"}, map[string]any{"Condition": "NotDev"}}},
		"Either": map[string]any{"Fn::Or": []any{map[string]any{"Condition": "IsDev"}, map[string]any{"Condition": "NotDev"}}},
	}); err != nil {
		panic(err)
	}
	return c
}

func parse(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}

func TestResolve(t *testing.T) {
	checkResolve(t, []resolveCase{
		{name: "Ref resource", in: `{"Ref":"Bucket"}`, want: `"b-1"`},
		{name: "Ref parameter", in: `{"Ref":"Env"}`, want: `"dev"`},
		{name: "Ref pseudo", in: `[{"Ref":"AWS::Region"},{"Ref":"AWS::AccountId"},{"Ref":"AWS::Partition"},{"Ref":"AWS::StackName"},{"Ref":"AWS::URLSuffix"}]`,
			want: `["us-east-1","000000000000","aws","ChaosLab","amazonaws.com"]`},
		{name: "Ref unknown", in: `{"Ref":"Nope"}`, wantErr: "Ref Nope"},
		{name: "GetAtt list", in: `{"Fn::GetAtt":["Queue","Arn"]}`, want: `"arn:aws:sqs:us-east-1:000000000000:q"`},
		{name: "GetAtt dotted", in: `{"Fn::GetAtt":"Queue.QueueName"}`, want: `"q"`},
		{name: "GetAtt unknown attribute", in: `{"Fn::GetAtt":["Queue","Nope"]}`, wantErr: "Queue.Nope"},
		{name: "Join", in: `{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":s3:::",{"Ref":"Bucket"},"/*"]]}`, want: `"arn:aws:s3:::b-1/*"`},
		{name: "Join numbers", in: `{"Fn::Join":["-",["a",3,true]]}`, want: `"a-3-true"`},
		{name: "Sub string", in: `{"Fn::Sub":"cdk-${AWS::AccountId}-${AWS::Region}-${Bucket}-${Queue.QueueName}"}`, want: `"cdk-000000000000-us-east-1-b-1-q"`},
		{name: "Sub with variables", in: `{"Fn::Sub":["${Name}/${AWS::Region}",{"Name":{"Ref":"Bucket"}}]}`, want: `"b-1/us-east-1"`},
		{name: "Sub literal", in: `{"Fn::Sub":"${!Literal}-${Env}"}`, want: `"${Literal}-dev"`},
		{name: "Select", in: `{"Fn::Select":[1,["a","b","c"]]}`, want: `"b"`},
		{name: "Select string index", in: `{"Fn::Select":["2",["a","b","c"]]}`, want: `"c"`},
		{name: "Select out of range", in: `{"Fn::Select":[5,["a"]]}`, wantErr: "out of range"},
		{name: "Split then Select", in: `{"Fn::Select":[5,{"Fn::Split":[":",{"Fn::GetAtt":["Queue","Arn"]}]}]}`, want: `"q"`},
		{name: "If true", in: `{"Fn::If":["IsDev","yes","no"]}`, want: `"yes"`},
		{name: "If false", in: `{"Fn::If":["NotDev","yes","no"]}`, want: `"no"`},
		{name: "If NoValue removes the key", in: `{"A":1,"B":{"Fn::If":["NotDev","x",{"Ref":"AWS::NoValue"}]}}`, want: `{"A":1}`},
		{name: "NoValue removes list items", in: `["a",{"Ref":"AWS::NoValue"}]`, want: `["a"]`},
		{name: "Base64", in: `{"Fn::Base64":"hi"}`, want: `"aGk="`},
		{name: "nested in properties", in: `{"Attributes":{"RedrivePolicy":{"deadLetterTargetArn":{"Fn::GetAtt":["Queue","Arn"]},"maxReceiveCount":3}}}`,
			want: `{"Attributes":{"RedrivePolicy":{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:q","maxReceiveCount":3}}}`},
		{name: "policy Condition key is not an intrinsic", in: `{"Condition":{"ArnLike":{"aws:SourceArn":"x"}}}`, want: `{"Condition":{"ArnLike":{"aws:SourceArn":"x"}}}`},
		{name: "ImportValue unsupported", in: `{"Fn::ImportValue":"x"}`, wantErr: "Fn::ImportValue: not supported"},
	})
}

// resolveCase is a value for testContext's Resolve, with what it should resolve to (JSON) or a
// part of its error.
type resolveCase struct {
	name    string
	in      string
	want    string
	wantErr string
}

// errorCase checks err for a case that wants an error containing wantErr (and reports true: the
// case ends there), or, with wantErr empty, no error at all.
func errorCase(t *testing.T, err error, wantErr string) bool {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("err = %v, want %q", err, wantErr)
		}
		return true
	}
	if err != nil {
		t.Fatal(err)
	}
	return false
}

// checkResolve runs each case as a subtest.
func checkResolve(t *testing.T, tests []resolveCase) {
	t.Helper()
	c := testContext()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.Resolve(parse(t, tc.in))
			if errorCase(t, err, tc.wantErr) {
				return
			}
			if want := parse(t, tc.want); !reflect.DeepEqual(got, want) {
				t.Errorf("got %#v, want %#v", got, want)
			}
		})
	}
}

func TestConditions(t *testing.T) {
	c := testContext()
	want := map[string]bool{"IsDev": true, "NotDev": false, "Both": false, "Either": true}
	if !reflect.DeepEqual(c.Conditions, want) {
		t.Errorf("conditions = %v, want %v", c.Conditions, want)
	}
}

func TestOrder(t *testing.T) {
	checkOrder(t, []orderCase{
		{
			name: "references and DependsOn",
			tmpl: `{"Resources":{
				"Mapping":{"Type":"AWS::Lambda::EventSourceMapping","Properties":{"EventSourceArn":{"Fn::GetAtt":["Queue","Arn"]},"FunctionName":{"Ref":"Fn"}}},
				"Fn":{"Type":"AWS::Lambda::Function","DependsOn":["Role"],"Properties":{"Environment":{"Variables":{"Q":{"Fn::Sub":"${Queue.QueueName}"}}}}},
				"Role":{"Type":"AWS::IAM::Role"},
				"Queue":{"Type":"AWS::SQS::Queue","Properties":{"RedrivePolicy":{"deadLetterTargetArn":{"Fn::GetAtt":["Dlq","Arn"]}}}},
				"Dlq":{"Type":"AWS::SQS::Queue"}}}`,
			want: []string{"Dlq", "Queue", "Role", "Fn", "Mapping"},
		},
		{
			name:    "cycle",
			tmpl:    `{"Resources":{"A":{"Type":"X","Properties":{"P":{"Ref":"B"}}},"B":{"Type":"X","DependsOn":"A"}}}`,
			wantErr: "circular dependency",
		},
		{
			name: "parameters and pseudo parameters are not resources",
			tmpl: `{"Parameters":{"P":{"Type":"String"}},"Resources":{"A":{"Type":"X","Properties":{"P":{"Ref":"P"},"R":{"Ref":"AWS::Region"}}}}}`,
			want: []string{"A"},
		},
	})
}

// orderCase is a template for Order, with the order it should give or a part of its error.
type orderCase struct {
	name    string
	tmpl    string
	want    []string
	wantErr string
}

// checkOrder runs each case as a subtest.
func checkOrder(t *testing.T, tests []orderCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var tmpl Template
			if err := json.Unmarshal([]byte(tc.tmpl), &tmpl); err != nil {
				t.Fatal(err)
			}
			got, err := Order(&tmpl)
			if errorCase(t, err, tc.wantErr) {
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("order = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPhysicalName(t *testing.T) {
	tests := []struct {
		name       string
		stack, id  string
		max        int
		lower      bool
		wantPrefix string
	}{
		{name: "queue", stack: "ChaosLab", id: "JsonQueueB3B0E0B7", max: 80, wantPrefix: "ChaosLab-JsonQueueB3B0E0B7-"},
		{name: "bucket is lower case", stack: "ChaosLab", id: "Bucket83908E77", max: 63, lower: true, wantPrefix: "chaoslab-bucket83908e77-"},
		{name: "truncated", stack: "ChaosLab", id: strings.Repeat("L", 100), max: 64, wantPrefix: "ChaosLab-LLLL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := cfnname.PhysicalName(tc.stack, tc.id, tc.max, tc.lower)
			if len(got) > tc.max || !strings.HasPrefix(got, tc.wantPrefix) {
				t.Errorf("name %q (len %d), want prefix %q within %d", got, len(got), tc.wantPrefix, tc.max)
			}
			if again := cfnname.PhysicalName(tc.stack, tc.id, tc.max, tc.lower); again != got {
				t.Errorf("not deterministic: %q then %q", got, again)
			}
		})
	}
}

// BenchmarkDeployPlan measures loading the fixture assembly, ordering it and resolving every
// resource's properties (the deployer's own cost, without the emulators).
func BenchmarkDeployPlan(b *testing.B) {
	for b.Loop() {
		asm, err := Load("testdata/cdk.out", "Fixture")
		if err != nil {
			b.Fatal(err)
		}
		order, err := Order(asm.Template)
		if err != nil {
			b.Fatal(err)
		}
		c := testContext()
		if err := c.SetParameters(asm.Template); err != nil {
			b.Fatal(err)
		}
		if err := c.EvalConditions(asm.Template.Conditions); err != nil {
			b.Fatal(err)
		}
		for _, id := range order {
			c.Refs[id] = id
			c.Attrs[id] = map[string]string{"Arn": "arn:aws:sqs:us-east-1:000000000000:" + id, "QueueName": id}
		}
		for _, id := range order {
			if _, err := c.Resolve(asm.Template.Resources[id].Properties); err != nil {
				b.Fatal(id, err)
			}
		}
	}
}
