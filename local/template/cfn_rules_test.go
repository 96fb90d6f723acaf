package template

// Where CloudFormation's User Guide says how a template is read, these tests hold the deployer to it:
// each case quotes the page it follows.

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// deployTemplate deploys tmpl with no backends: only templates that create nothing may succeed.
func deployTemplate(t *testing.T, tmpl string) (*Deployment, error) {
	t.Helper()
	var tt Template
	if err := json.Unmarshal([]byte(tmpl), &tt); err != nil {
		t.Fatal(err)
	}
	return Deploy(context.Background(), &Assembly{StackName: "S", Template: &tt}, Options{ScratchDir: t.TempDir()})
}

func TestParametersAsCloudFormationGivesThem(t *testing.T) {
	tests := []struct {
		name    string
		params  string // the Parameters section
		outputs string // the Outputs section
		want    map[string]string
		wantErr string
	}{
		{
			// "CommaDelimitedList: ... each member string is space trimmed. For example, users could
			// specify "test,dev,prod", and a Ref would result in ["test","dev","prod"]."
			name:    "CommaDelimitedList is a list, trimmed",
			params:  `{"L":{"Type":"CommaDelimitedList","Default":"test, dev ,prod"}}`,
			outputs: `{"Second":{"Value":{"Fn::Select":[1,{"Ref":"L"}]}},"All":{"Value":{"Fn::Join":["|",{"Ref":"L"}]}}}`,
			want:    map[string]string{"Second": "dev", "All": "test|dev|prod"},
		},
		{
			// "List<Number>: ... users could specify "80,20", and a Ref would result in ["80","20"]."
			name:    "List<Number> is a list of strings",
			params:  `{"Ports":{"Type":"List<Number>","Default":"80,20"}}`,
			outputs: `{"First":{"Value":{"Fn::Select":[0,{"Ref":"Ports"}]}}}`,
			want:    map[string]string{"First": "80"},
		},
		{
			// "Each parameter must be assigned a value at runtime for AWS CloudFormation to
			// successfully provision the stack." The local deployer takes no values: only a Default.
			name:    "a parameter without a value",
			params:  `{"Env":{"Type":"String"}}`,
			wantErr: "Parameters.Env: no Default",
		},
		{
			// Default: "If you define constraints for the parameter, you must specify a value that
			// adheres to those constraints."
			name:    "Default outside AllowedValues",
			params:  `{"Env":{"Type":"String","Default":"stage","AllowedValues":["prod","test"]}}`,
			wantErr: `Parameters.Env: Default "stage": not one of AllowedValues`,
		},
		{
			name:    "Default against AllowedPattern",
			params:  `{"Name":{"Type":"String","Default":"my name","AllowedPattern":"[A-Za-z0-9]+"}}`,
			wantErr: "does not match AllowedPattern",
		},
		{
			name:    "Default longer than MaxLength",
			params:  `{"Name":{"Type":"String","Default":"abcdef","MaxLength":"3"}}`,
			wantErr: "longer than MaxLength",
		},
		{
			name:    "Number Default below MinValue",
			params:  `{"N":{"Type":"Number","Default":1,"MinValue":2}}`,
			wantErr: "below MinValue",
		},
		{
			name:    "Number Default that is not a number",
			params:  `{"N":{"Type":"Number","Default":"many"}}`,
			wantErr: "not a number",
		},
		{
			name:    "Defaults within their constraints",
			params:  `{"Env":{"Type":"String","Default":"test","AllowedValues":["prod","test"],"AllowedPattern":"[a-z]+","MinLength":1,"MaxLength":4},"N":{"Type":"Number","Default":"3","MinValue":1,"MaxValue":5}}`,
			outputs: `{"Env":{"Value":{"Ref":"Env"}},"N":{"Value":{"Ref":"N"}}}`,
			want:    map[string]string{"Env": "test", "N": "3"},
		},
		{
			// SSM parameter types: "AWS CloudFormation fetches the latest value from Parameter
			// Store"; the Default is the key, not the value.
			name:    "Ref to an SSM parameter type is refused, naming it",
			params:  `{"BootstrapVersion":{"Type":"AWS::SSM::Parameter::Value<String>","Default":"/cdk-bootstrap/hnb659fds/version"}}`,
			outputs: `{"V":{"Value":{"Ref":"BootstrapVersion"}}}`,
			wantErr: "Ref BootstrapVersion: a parameter of type AWS::SSM::Parameter::Value<String> is the value of the SSM parameter /cdk-bootstrap/hnb659fds/version",
		},
		{
			name:   "an SSM parameter nobody refers to (the CDK's BootstrapVersion) deploys",
			params: `{"BootstrapVersion":{"Type":"AWS::SSM::Parameter::Value<String>","Default":"/cdk-bootstrap/hnb659fds/version"}}`,
			want:   map[string]string{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.outputs == "" {
				tc.outputs = "{}"
			}
			dep, err := deployTemplate(t, `{"Parameters":`+tc.params+`,"Resources":{},"Outputs":`+tc.outputs+`}`)
			if errorCase(t, err, tc.wantErr) {
				return
			}
			if !reflect.DeepEqual(dep.Outputs, tc.want) {
				t.Errorf("outputs = %v, want %v", dep.Outputs, tc.want)
			}
		})
	}
}

// Fn::FindInMap "returns the value corresponding to keys in a two-level map that is declared in the
// Mappings section", in resources, outputs and conditions ("You can use the following functions in
// all other condition functions, such as Fn::Equals and Fn::Or: Fn::FindInMap, Ref, ...").
func TestFindInMap(t *testing.T) {
	const mappings = `"Mappings":{"RegionMap":{"us-east-1":{"Size":"small"},"eu-west-1":{"Size":"large"}}}`
	dep, err := deployTemplate(t, `{`+mappings+`,
		"Conditions":{"Small":{"Fn::Equals":[{"Fn::FindInMap":["RegionMap",{"Ref":"AWS::Region"},"Size"]},"small"]}},
		"Resources":{},
		"Outputs":{"Size":{"Value":{"Fn::FindInMap":["RegionMap",{"Ref":"AWS::Region"},"Size"]}},"IfSmall":{"Value":"yes","Condition":"Small"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"Size": "small", "IfSmall": "yes"}; !reflect.DeepEqual(dep.Outputs, want) {
		t.Errorf("outputs = %v, want %v", dep.Outputs, want)
	}
	_, err = deployTemplate(t, `{`+mappings+`,"Resources":{},"Outputs":{"X":{"Value":{"Fn::FindInMap":["RegionMap","ap-south-1","Size"]}}}}`)
	if err == nil || !strings.Contains(err.Error(), `mapping RegionMap has no key "ap-south-1"`) {
		t.Errorf("err = %v, want the missing key named", err)
	}
}

// "Resources that are associated with a false condition are ignored." (Conditions page): a type the
// local cloud does not run is no reason to refuse a stack that would not create it.
func TestFalseConditionResourceIsNotChecked(t *testing.T) {
	dep, err := deployTemplate(t, `{
		"Conditions":{"Never":{"Fn::Equals":["a","b"]}},
		"Resources":{"Instance":{"Type":"AWS::EC2::Instance","Condition":"Never"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(dep.Created)+len(dep.Recorded) != 0 {
		t.Errorf("created %v, recorded %v, want nothing", dep.Created, dep.Recorded)
	}
	// True, it is refused as before.
	if _, err := deployTemplate(t, `{"Resources":{"Instance":{"Type":"AWS::EC2::Instance"}}}`); err == nil ||
		!strings.Contains(err.Error(), "type AWS::EC2::Instance is not supported") {
		t.Errorf("err = %v, want the type refused", err)
	}
}

func TestIntrinsicsAsCloudFormationDocumentsThem(t *testing.T) {
	checkResolve(t, []resolveCase{
		// Fn::GetAZs: "region: The name of the region for which you want to get the Availability
		// Zones. ... Specifying an empty string is equivalent to specifying AWS::Region."
		{name: "GetAZs of another region", in: `{"Fn::Select":[0,{"Fn::GetAZs":"eu-west-1"}]}`, want: `"eu-west-1a"`},
		{name: "GetAZs of the empty string", in: `{"Fn::Select":[0,{"Fn::GetAZs":""}]}`, want: `"us-east-1a"`},
		{name: "GetAZs of Ref AWS::Region", in: `{"Fn::Select":[1,{"Fn::GetAZs":{"Ref":"AWS::Region"}}]}`, want: `"us-east-1b"`},
		// AWS::NotificationARNs: "Returns the list of notification Amazon Resource Names (ARNs) for
		// the current stack." None locally.
		{name: "NotificationARNs is a list", in: `{"Fn::Join":[",",{"Ref":"AWS::NotificationARNs"}]}`, want: `""`},
		// Fn::Sub: "For the String parameter, you cannot use any functions. You must specify a
		// string value."
		{name: "Sub String is a function", in: `{"Fn::Sub":[{"Ref":"Env"},{}]}`, wantErr: "Fn::Sub: the String must be a literal string"},
	})
}

func TestConditionsAsCloudFormationDocumentsThem(t *testing.T) {
	eq := `{"Fn::Equals":["a","a"]}`
	many := make([]string, 11)
	for i := range many {
		many[i] = eq
	}
	tests := []struct {
		name    string
		cond    string
		wantErr string
	}{
		// Fn::And, Fn::Or: "The minimum number of conditions that you can include is 2, and the
		// maximum is 10."
		{name: "And of one", cond: `{"Fn::And":[` + eq + `]}`, wantErr: "Fn::And: want 2 to 10 conditions, got 1"},
		{name: "Or of eleven", cond: `{"Fn::Or":[` + strings.Join(many, ",") + `]}`, wantErr: "Fn::Or: want 2 to 10 conditions, got 11"},
		{name: "Or of ten", cond: `{"Fn::Or":[` + strings.Join(many[:10], ",") + `]}`},
		// Fn::Not: "Fn::Not": [{condition}]
		{name: "Not of two", cond: `{"Fn::Not":[` + eq + `,` + eq + `]}`, wantErr: "Fn::Not: want one condition, got 2"},
		// "You can use the following functions in all other condition functions, such as
		// Fn::Equals and Fn::Or: Fn::FindInMap, Ref, Other condition functions"; Fn::If "is only
		// supported in the metadata attribute, update policy attribute, and property values in
		// the Resources section and Outputs sections of a template".
		{name: "If inside Equals", cond: `{"Fn::Equals":[{"Fn::If":["IsDev","a","b"]},"a"]}`, wantErr: "Fn::If: not allowed in a condition"},
		{name: "Join inside Equals", cond: `{"Fn::Equals":[{"Fn::Join":["",["a"]]},"a"]}`, wantErr: "Fn::Join: not allowed in a condition"},
		{name: "Ref and Condition", cond: `{"Fn::And":[{"Fn::Equals":[{"Ref":"Env"},"dev"]},{"Condition":"IsDev"}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := testContext()
			err := c.EvalConditions(map[string]any{"C": parse(t, tc.cond)})
			if errorCase(t, err, tc.wantErr) {
				return
			}
			if !c.Conditions["C"] {
				t.Fatalf("C = false, want true")
			}
		})
	}
}

func TestOrderAsCloudFormationValidates(t *testing.T) {
	checkOrder(t, []orderCase{
		{
			// Fn::Sub's map: "VarValue: The value that AWS CloudFormation substitutes for the
			// associated variable name at runtime" — ${B} is the variable, not resource B.
			name: "a Sub variable is not a reference to the resource of that name",
			tmpl: `{"Resources":{
				"A":{"Type":"X","Properties":{"P":{"Fn::Sub":["${B}-x",{"B":"literal"}]}}},
				"B":{"Type":"X","DependsOn":"A"}}}`,
			want: []string{"A", "B"},
		},
		{
			// "Unresolved resource dependencies [X] in the Resources block of the template" (AWS
			// Knowledge Center, template validation errors), before anything is created, also
			// in a resource whose condition is false.
			name:    "Ref to an undefined name",
			tmpl:    `{"Conditions":{"Never":{"Fn::Equals":["a","b"]}},"Resources":{"A":{"Type":"X","Condition":"Never","Properties":{"P":{"Ref":"Nope"}}}}}`,
			wantErr: "unresolved resource dependencies (no such resource or parameter): A → Nope",
		},
		{
			name:    "GetAtt and Sub of undefined names",
			tmpl:    `{"Resources":{"A":{"Type":"X","Properties":{"P":{"Fn::GetAtt":["Gone","Arn"]},"Q":{"Fn::Sub":"${Missing.Arn}"}}}}}`,
			wantErr: "A → Gone, A → Missing",
		},
		{
			name:    "DependsOn an undefined resource",
			tmpl:    `{"Resources":{"A":{"Type":"X","DependsOn":["Nope"]}}}`,
			wantErr: "A → Nope",
		},
		{
			// "The DependsOn attribute can take a single string or list of strings."
			name:    "DependsOn with a function",
			tmpl:    `{"Resources":{"A":{"Type":"X","DependsOn":{"Ref":"B"}},"B":{"Type":"X"}}}`,
			wantErr: "resource A: DependsOn: want a logical id",
		},
	})
}

// Number: "when you use the parameter elsewhere in your template (for example, by using the Ref
// intrinsic function), the parameter value becomes a string" (Parameters page), also in a property.
func TestNumberParameterRefIsAString(t *testing.T) {
	var tmpl Template
	if err := json.Unmarshal([]byte(`{"Parameters":{"N":{"Type":"Number","Default":30}}}`), &tmpl); err != nil {
		t.Fatal(err)
	}
	c := testContext()
	if err := c.SetParameters(&tmpl); err != nil {
		t.Fatal(err)
	}
	got, err := c.Resolve(parse(t, `{"VisibilityTimeout":{"Ref":"N"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"VisibilityTimeout": "30"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

// A resource's or an output's Condition must name a condition of the template ("The logical ID of a
// condition declared in the Conditions section", Condition attribute page): a misspelt one is a
// refusal that names it, before anything is created, not a resource quietly left out.
func TestConditionAttributeNamesACondition(t *testing.T) {
	_, err := deployTemplate(t, `{
		"Conditions":{"IsProd":{"Fn::Equals":["a","a"]}},
		"Resources":{"Queue":{"Type":"AWS::SQS::Queue","Condition":"IsPord"}},
		"Outputs":{"Url":{"Value":"x","Condition":"Nope"},"Ok":{"Value":"y","Condition":"IsProd"}}}`)
	if err == nil {
		t.Fatal("deployed, want the misspelt conditions refused")
	}
	for _, want := range []string{`resource Queue: Condition "IsPord" is not in the template's Conditions`, `output Url: Condition "Nope"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "output Ok") {
		t.Errorf("err = %v, names an output whose condition exists", err)
	}
}

// groupRecorder is a LogGroups that remembers the groups made, and their retention.
type groupRecorder []string

func (g *groupRecorder) CreateGroup(name string, days int) {
	*g = append(*g, name+" "+strconv.Itoa(days))
}

// A log group of the template is made in the local CloudWatch Logs (Options.LogGroups) under its
// name, or the one CloudFormation gives it, before any function writes to it.
func TestLogGroupsAreMade(t *testing.T) {
	var tt Template
	if err := json.Unmarshal([]byte(`{"Resources": {
		"Named": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/app/named", "RetentionInDays": 7}},
		"Unnamed": {"Type": "AWS::Logs::LogGroup"}}}`), &tt); err != nil {
		t.Fatal(err)
	}
	var made groupRecorder
	if _, err := Deploy(context.Background(), &Assembly{StackName: "S", Template: &tt}, Options{ScratchDir: t.TempDir(), LogGroups: &made}); err != nil {
		t.Fatal(err)
	}
	if len(made) != 2 || !slices.Contains(made, "/app/named 7") || !slices.ContainsFunc(made, func(n string) bool { return strings.HasPrefix(n, "S-Unnamed-") && strings.HasSuffix(n, " 0") }) {
		t.Errorf("groups made %q, want /app/named (7 days) and S-Unnamed-<suffix> (none)", made)
	}
	// A retention CloudWatch Logs does not take fails the deploy, naming the property.
	if err := json.Unmarshal([]byte(`{"Resources": {"Odd": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 8}}}}`), &tt); err != nil {
		t.Fatal(err)
	}
	_, err := Deploy(context.Background(), &Assembly{StackName: "S", Template: &tt}, Options{ScratchDir: t.TempDir(), LogGroups: &made})
	if err == nil || !strings.Contains(err.Error(), "RetentionInDays: 8 is not a retention") {
		t.Errorf("a retention of 8 days: %v, want it refused", err)
	}
}
