package ctk

import (
	"errors"
	"fmt"
)

// ErrRollbackStrategy is wrapped by RollbackStrategy's refusals.
var ErrRollbackStrategy = errors.New("rollback strategy refused")

// RollbackStrategies are Chaos Toolkit's --rollback-strategy values (chaoslib/run.py
// run_rollback), with what each means here.
var RollbackStrategies = map[string]string{
	"default":  "accepted: rollbacks always run here (Chaos Toolkit's default skips them when the run failed or was interrupted)",
	"always":   "accepted: rollbacks always run here",
	"never":    "refused: no run of this lab may leave a fault on; the state machine always rolls back",
	"deviated": "refused: rollbacks would be skipped when the hypothesis held, leaving the fault on; the state machine always rolls back",
}

// RollbackStrategy checks a Chaos Toolkit --rollback-strategy against what the experiment state
// machine does: it always runs the rollbacks (a Catch on every failure path, and a rollback run
// for an execution that is aborted or times out), so default and always mean what it does, and
// never and deviated, which would leave a fault on, are refused with the reason. Chaos Toolkit's
// own default skips the rollbacks of a failed run (chaostoolkit issue #195), which is how a fault
// outlives its experiment; the lab has no such path.
func RollbackStrategy(s string) error {
	why, ok := RollbackStrategies[s]
	if !ok {
		return fmt.Errorf("%w: unknown rollback strategy %q (Chaos Toolkit's are default, always, never, deviated)", ErrRollbackStrategy, s)
	}
	if s == "never" || s == "deviated" {
		return fmt.Errorf("%w: --rollback-strategy %s: %s", ErrRollbackStrategy, s, why[len("refused: "):])
	}
	return nil
}
