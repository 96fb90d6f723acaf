package runner

import "testing"

// An execution's ARN splits into its machine's ARN and its name, and the machine's ARN is one
// that `chaoslab run` takes; what is not an ARN of either kind is refused.
func TestStateMachineAndExecutionArns(t *testing.T) {
	const machine = "arn:aws:states:us-east-1:000000000000:stateMachine:ChaosExperiment"
	if !IsStateMachineArn(machine) {
		t.Fatalf("IsStateMachineArn(%q) = false", machine)
	}
	exec := executionArn(machine, "run-1")
	if m, name := SplitExecutionArn(exec); m != machine || name != "run-1" {
		t.Errorf("SplitExecutionArn(%q) = %q, %q; want %q, run-1", exec, m, name, machine)
	}
	if IsStateMachineArn(exec) {
		t.Errorf("IsStateMachineArn(%q): an execution's ARN taken for a machine's", exec)
	}
	for _, bad := range []string{"", "ChaosExperiment", "arn:aws:states:us-east-1:000000000000:stateMachine:",
		"arn:aws:lambda:us-east-1:000000000000:stateMachine:X", "arn:aws:states::000000000000:stateMachine:X",
		"arn:aws:states:us-east-1:000000000000:stateMachine:X:extra"} {
		if IsStateMachineArn(bad) {
			t.Errorf("IsStateMachineArn(%q) = true", bad)
		}
	}
	if m, name := SplitExecutionArn(machine); m != "" || name != "" {
		t.Errorf("SplitExecutionArn of a machine's ARN = %q, %q; want nothing", m, name)
	}
}
