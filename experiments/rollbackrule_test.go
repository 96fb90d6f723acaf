package experiments

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// StartsRollback says what RollbackPattern matches: every abort and timeout, and a failure only
// when its error is not one of the machine's own Fail states.
func TestStartsRollback(t *testing.T) {
	tests := []struct {
		name, status, error string
		want                bool
	}{
		{name: "aborted", status: "ABORTED", want: true},
		{name: "aborted with a deliberate error name", status: "ABORTED", error: ErrExperimentAborted, want: true},
		{name: "timed out", status: "TIMED_OUT", error: "States.Timeout", want: true},
		{name: "runtime error", status: "FAILED", error: "States.Runtime", want: true},
		{name: "uncaught task error", status: "FAILED", error: "SSM.InternalServerErrorException", want: true},
		{name: "guard breached escaped its Map", status: "FAILED", error: ErrGuardBreached, want: true},
		{name: "deviated", status: "FAILED", error: ErrSteadyStateDeviated},
		{name: "not steady before", status: "FAILED", error: ErrNotSteadyBefore},
		{name: "experiment aborted", status: "FAILED", error: ErrExperimentAborted},
		{name: "rollback failed", status: "FAILED", error: ErrRollbackFailed},
		{name: "invalid experiment", status: "FAILED", error: ErrInvalidExperiment},
		{name: "failed without an error name", status: "FAILED"},
		{name: "succeeded", status: "SUCCEEDED"},
		{name: "running", status: "RUNNING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StartsRollback(tt.status, tt.error); got != tt.want {
				t.Errorf("StartsRollback(%q, %q) = %t, want %t", tt.status, tt.error, got, tt.want)
			}
		})
	}
}

// The pattern excludes exactly DeliberateErrors from the failures, and its input template binds
// exactly the path RollbackInputPaths names.
func TestRollbackPattern(t *testing.T) {
	if got := DeliberateErrors(); !slices.IsSorted(got) || len(got) != 5 {
		t.Errorf("DeliberateErrors() = %v, want the 5 Fail state errors, sorted", got)
	}
	b, err := json.Marshal(RollbackPattern("arn:aws:states:us-east-1:1:stateMachine:m"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"detail":{"$or":[{"status":["ABORTED","TIMED_OUT"]},{"error":[{"anything-but":["ExperimentAborted","InvalidExperiment","NotSteadyBefore","RollbackFailed","SteadyStateDeviated"]}],"status":["FAILED"]}],"stateMachineArn":["arn:aws:states:us-east-1:1:stateMachine:m"]},"detail-type":["Step Functions Execution Status Change"],"source":["aws.states"]}`
	if string(b) != want {
		t.Errorf("pattern\n got %s\nwant %s", b, want)
	}
	for k := range RollbackInputPaths() {
		if !strings.Contains(RollbackInputTemplate, "<"+k+">") {
			t.Errorf("template %s does not use the input path %s", RollbackInputTemplate, k)
		}
	}
}
