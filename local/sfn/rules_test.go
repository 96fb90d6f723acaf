package sfn

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func testEvent(status string) map[string]any { return testEventError(status, ptr("Operator.Stop")) }

// testEventError is the status-change event of an execution that ended with status and errName (nil:
// no error), as notify sees it.
func testEventError(status string, errName *string) map[string]any {
	var ev map[string]any
	b, _ := json.Marshal(statusEvent(snapshot{
		Arn: "arn:aws:states:us-east-1:123456789012:execution:exp:run-1", MachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:exp",
		Name: "run-1", Status: status, Input: `{"x":1}`, Start: time.UnixMilli(1_700_000_000_000), Stop: time.UnixMilli(1_700_000_005_000),
		Error: errName, Cause: ptr("because"),
	}))
	_ = json.Unmarshal(b, &ev)
	return ev
}

func TestPatternMatching(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		status  string
		want    bool
	}{
		{"source, detail-type and status list", `{"source":["aws.states"],"detail-type":["Step Functions Execution Status Change"],"detail":{"status":["ABORTED","TIMED_OUT"]}}`, "ABORTED", true},
		{"status not in the list", `{"source":["aws.states"],"detail":{"status":["ABORTED","TIMED_OUT"]}}`, "SUCCEEDED", false},
		{"state machine ARN", `{"detail":{"stateMachineArn":["arn:aws:states:us-east-1:123456789012:stateMachine:exp"]}}`, "FAILED", true},
		{"another state machine", `{"detail":{"stateMachineArn":["arn:aws:states:us-east-1:123456789012:stateMachine:other"]}}`, "FAILED", false},
		{"other source", `{"source":["aws.ec2"]}`, "ABORTED", false},
		{"resources array matches any element", `{"resources":["arn:aws:states:us-east-1:123456789012:execution:exp:run-1"]}`, "ABORTED", true},
		{"prefix", `{"detail":{"name":[{"prefix":"run-"}]}}`, "ABORTED", true},
		{"anything-but", `{"detail":{"status":[{"anything-but":["SUCCEEDED","RUNNING"]}]}}`, "TIMED_OUT", true},
		{"anything-but excludes", `{"detail":{"status":[{"anything-but":"SUCCEEDED"}]}}`, "SUCCEEDED", false},
		{"exists true", `{"detail":{"error":[{"exists":true}]}}`, "FAILED", true},
		{"exists false on a present field", `{"detail":{"error":[{"exists":false}]}}`, "FAILED", false},
		{"null output matches null", `{"detail":{"output":[null]}}`, "ABORTED", true},
		{"numeric range", `{"detail":{"startDate":[{"numeric":[">",0,"<=",1700000000000]}]}}`, "ABORTED", true},
		{"nested field absent", `{"detail":{"nothing":["x"]}}`, "ABORTED", false},
		{"anything-but on an array: one element outside the list matches", `{"resources":[{"anything-but":"arn:other"}]}`, "ABORTED", true},
		{"anything-but on an array: every element excluded", `{"resources":[{"anything-but":["arn:aws:states:us-east-1:123456789012:execution:exp:run-1"]}]}`, "ABORTED", false},
		{"anything-but a prefix", `{"detail":{"name":[{"anything-but":{"prefix":"run-"}}]}}`, "ABORTED", false},
		{"anything-but a missing field", `{"detail":{"nothing":[{"anything-but":"x"}]}}`, "ABORTED", false},
		{"$or: the second alternative", `{"detail":{"$or":[{"status":["ABORTED"]},{"name":["run-1"]}]}}`, "FAILED", true},
		{"$or: no alternative", `{"detail":{"$or":[{"status":["ABORTED"]},{"name":["run-2"]}]}}`, "FAILED", false},
		{"$or and a sibling field", `{"detail":{"name":["run-2"],"$or":[{"status":["FAILED"]},{"status":["ABORTED"]}]}}`, "FAILED", false},
		{"$or at the top level", `{"$or":[{"source":["aws.ec2"]},{"detail":{"status":["FAILED"]}}]}`, "FAILED", true},
		{"nested $or", `{"detail":{"$or":[{"status":["ABORTED"]},{"name":["run-1"],"$or":[{"status":["RUNNING"]},{"error":["Operator.Stop"]}]}]}}`, "FAILED", true},
		{"$or with one object is a field name", `{"detail":{"$or":[{"status":["FAILED"]}]}}`, "FAILED", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p map[string]any
			if err := json.Unmarshal([]byte(tt.pattern), &p); err != nil {
				t.Fatal(err)
			}
			if got := matchObject(p, testEvent(tt.status)); got != tt.want {
				t.Fatalf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRollbackGuardPattern runs the pattern the experiment construct declares (its rule starts a
// rollback run) against every way an execution can end: aborted and timed out always, failed only
// for an error that is not one of the machine's own Fail states'.
func TestRollbackGuardPattern(t *testing.T) {
	var p map[string]any
	if err := json.Unmarshal([]byte(`{"source":["aws.states"],"detail-type":["Step Functions Execution Status Change"],
		"detail":{"stateMachineArn":["arn:aws:states:us-east-1:123456789012:stateMachine:exp"],
			"$or":[{"status":["ABORTED","TIMED_OUT"]},
				{"status":["FAILED"],"error":[{"anything-but":["SteadyStateDeviated","NotSteadyBefore","ExperimentAborted","RollbackFailed","InvalidExperiment"]}]}]}}`), &p); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		status string
		err    *string
		want   bool
	}{
		{"ABORTED", nil, true},
		{"ABORTED", ptr("SteadyStateDeviated"), true}, // StopExecution's error is the operator's word, not the machine's
		{"TIMED_OUT", ptr("States.Timeout"), true},
		{"FAILED", ptr("States.Runtime"), true},
		{"FAILED", ptr("Ssm.AccessDeniedException"), true},
		{"FAILED", ptr("SteadyStateDeviated"), false},
		{"FAILED", ptr("NotSteadyBefore"), false},
		{"FAILED", ptr("ExperimentAborted"), false},
		{"FAILED", ptr("RollbackFailed"), false},
		{"FAILED", ptr("InvalidExperiment"), false},
		{"SUCCEEDED", nil, false},
		{"RUNNING", nil, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s", tt.status, deref(tt.err)), func(t *testing.T) {
			if got := matchObject(p, testEventError(tt.status, tt.err)); got != tt.want {
				t.Fatalf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTargetInput(t *testing.T) {
	rule := Rule{Name: "guard"}
	machine := "arn:aws:states:us-east-1:123456789012:stateMachine:rollback"
	tests := []struct {
		name   string
		target Target
		want   string
	}{
		{"constant input", Target{Arn: machine, Input: `{"a":1}`}, `{"a":1}`},
		{"input path", Target{Arn: machine, InputPath: "$.detail.status"}, `"ABORTED"`},
		{"the CDK's fromObject with event paths", Target{Arn: machine, InputTransformer: &InputTransformer{
			InputPathsMap: map[string]string{"detail-executionArn": "$.detail.executionArn", "detail-startDate": "$.detail.startDate"},
			InputTemplate: `{"execution":<detail-executionArn>,"started":<detail-startDate>,"constant":"x"}`,
		}}, `{"execution":"arn:aws:states:us-east-1:123456789012:execution:exp:run-1","started":1700000000000,"constant":"x"}`},
		{"placeholders inside strings insert text", Target{Arn: machine, InputTransformer: &InputTransformer{
			InputPathsMap: map[string]string{"s": "$.detail.status", "n": "$.detail.name"},
			InputTemplate: `{"msg":"<n> ended <s>","rule":"<aws.events.rule-name>"}`,
		}}, `{"msg":"run-1 ended ABORTED","rule":"guard"}`},
		{"a path that matches nothing is null", Target{Arn: machine, InputTransformer: &InputTransformer{
			InputPathsMap: map[string]string{"o": "$.detail.nothing"},
			InputTemplate: `{"o":<o>}`,
		}}, `{"o":null}`},
		{"JSON inside a string is escaped", Target{Arn: machine, InputTransformer: &InputTransformer{
			InputPathsMap: map[string]string{"in": "$.detail.input"},
			InputTemplate: `{"raw":<in>,"quoted":"input <in>"}`,
		}}, `{"raw":"{\"x\":1}","quoted":"input {\"x\":1}"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := targetInput(rule, tt.target, testEvent("ABORTED"))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("input\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestAddRuleRejectsBadRules(t *testing.T) {
	s := New(Options{})
	tests := []struct {
		name string
		rule Rule
	}{
		{"no name", Rule{Pattern: json.RawMessage(`{}`)}},
		{"pattern not JSON", Rule{Name: "r", Pattern: json.RawMessage(`{`)}},
		{"input not JSON", Rule{Name: "r", Pattern: json.RawMessage(`{}`), Targets: []Target{{Input: "{"}}}},
		{"bad input path", Rule{Name: "r", Pattern: json.RawMessage(`{}`), Targets: []Target{{InputPath: "detail"}}}},
		{"bad transformer path", Rule{Name: "r", Pattern: json.RawMessage(`{}`), Targets: []Target{{InputTransformer: &InputTransformer{InputPathsMap: map[string]string{"a": "$.x["}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.AddRule(tt.rule); err == nil {
				t.Fatal("AddRule accepted it")
			}
		})
	}
}

func BenchmarkPatternMatch(b *testing.B) {
	var p map[string]any
	_ = json.Unmarshal([]byte(`{"source":["aws.states"],"detail-type":["Step Functions Execution Status Change"],"detail":{"status":["ABORTED","TIMED_OUT"],"stateMachineArn":["arn:aws:states:us-east-1:123456789012:stateMachine:exp"]}}`), &p)
	ev := testEvent("TIMED_OUT")
	for b.Loop() {
		if !matchObject(p, ev) {
			b.Fatal("no match")
		}
	}
}

func TestRuleDecodesFromCloudFormationProperties(t *testing.T) {
	// GIVEN the resolved Properties of an AWS::Events::Rule as the CDK emits them
	props := `{"Name": "guard", "State": "ENABLED",
		"EventPattern": {"source": ["aws.states"], "detail": {"status": ["ABORTED"]}},
		"Targets": [{"Id": "Target0", "Arn": "arn:aws:states:us-east-1:123456789012:stateMachine:rollback",
			"RoleArn": "arn:aws:iam::123456789012:role/events",
			"InputTransformer": {"InputPathsMap": {"detail-executionArn": "$.detail.executionArn"},
				"InputTemplate": "{\"execution\":<detail-executionArn>}"}}]}`
	// WHEN decoded
	var r Rule
	if err := json.Unmarshal([]byte(props), &r); err != nil {
		t.Fatal(err)
	}
	// THEN the rule is usable as is
	if err := New(Options{}).AddRule(r); err != nil {
		t.Fatal(err)
	}
	got, err := targetInput(r, r.Targets[0], testEvent("ABORTED"))
	if err != nil || got != `{"execution":"arn:aws:states:us-east-1:123456789012:execution:exp:run-1"}` || r.Targets[0].ID != "Target0" {
		t.Fatalf("input %s %v, target %+v", got, err, r.Targets[0])
	}
	var p map[string]any
	_ = json.Unmarshal(r.Pattern, &p)
	if !matchObject(p, testEvent("ABORTED")) || matchObject(p, testEvent("SUCCEEDED")) {
		t.Fatal("pattern did not decode")
	}
}
