package experiments

import (
	"fmt"
	"testing"
	"time"
)

// RecoverJournal takes the newest journal the state data carried, the faults of a method whose Map
// had not ended from its iterations' states (an iteration that reached Done whole, the one cut
// short ending at the stop), and nothing from a history without a journal. The history of the
// real machine is tested in constructs/experiment (TestNoFaultOutlivesItsExperiment).
func TestRecoverJournal(t *testing.T) {
	stop := time.Date(2026, 12, 4, 12, 0, 30, 0, time.UTC)
	action := `"action":{"name":"a%d","parameter":"/f","value":{"isEnabled":true},"pauseAfterSeconds":60,"onsetSeconds":5}`
	act := func(i int) string { return fmt.Sprintf(action, i) }
	exits := []StateExit{
		{Name: "Init", Output: `{"experiment":{},"journal":{"title":"t","startedAt":"2026-12-04T12:00:00Z","before":null}}`},
		{Name: "Before.Query", Output: `{"probe":{"name":"p"},"journal":"not an object"}`},
		{Name: "BeforeProbes", Output: `{"experiment":{},"journal":{"title":"t","startedAt":"2026-12-04T12:00:00Z","before":[{"name":"p","pass":true}]}}`},
		{Name: "Action.Record", Output: `{` + act(1) + `,"record":{"putAt":"2026-12-04T12:00:10Z"}}`},
		{Name: "Action.InForce", Output: `{` + act(1) + `,"record":{"putAt":"2026-12-04T12:00:10Z","inForceAt":"2026-12-04T12:00:15Z"}}`},
		{Name: "Action.Done", Output: `{"name":"a1","parameter":"/f","value":{"isEnabled":true},"putAt":"2026-12-04T12:00:10Z","inForceAt":"2026-12-04T12:00:15Z","endedAt":"2026-12-04T12:00:20Z"}`},
		{Name: "Action.Record", Output: `{` + act(2) + `,"record":{"putAt":"2026-12-04T12:00:21Z"}}`},
		{Name: "Rollback.Record", Output: `{` + act(9) + `,"record":{"putAt":"2026-12-04T12:00:22Z"}}`},
	}
	j := RecoverJournal(exits, stop)
	if j == nil || j.Title != "t" || len(j.Before) != 1 || len(j.Method) != 2 {
		t.Fatalf("recovered %+v, want the newest journal and two faults", j)
	}
	if a := j.Method[0]; a.Name != "a1" || a.InForceAt != "2026-12-04T12:00:15Z" || a.EndedAt != "2026-12-04T12:00:20Z" {
		t.Errorf("first fault %+v, want its Done state's record", a)
	}
	if a := j.Method[1]; a.Name != "a2" || a.PutAt != "2026-12-04T12:00:21Z" || a.InForceAt != "" || a.EndedAt != "2026-12-04T12:00:30Z" || a.PauseAfterSeconds != 60 {
		t.Errorf("second fault %+v, want it written, not yet in force, its pause ended at the stop", a)
	}

	// Once the method's Map has ended, its results are the journal's.
	ended := append(exits, StateExit{Name: "Method", Output: `{"journal":{"title":"t","startedAt":"2026-12-04T12:00:00Z","method":[{"name":"whole"}]}}`})
	if j := RecoverJournal(ended, stop); j == nil || len(j.Method) != 1 || j.Method[0].Name != "whole" {
		t.Errorf("recovered %+v, want the Map's results", j)
	}
	if j := RecoverJournal(exits[3:], stop); j != nil {
		t.Errorf("recovered %+v from states that held no journal, want nil", j)
	}
}

// MergeRollback keeps what the execution ran and takes the rest from the rollback run.
func TestMergeRollback(t *testing.T) {
	part := &Journal{Title: "t", ExecutionArn: "arn:x:exp", StartedAt: "s", Before: []ProbeResult{{Name: "p"}}, Method: []ActionResult{{Name: "a"}}}
	rb := &Journal{Title: "t", ExecutionArn: "arn:x:rb", RollbackOf: "arn:x:exp", Verdict: VerdictAborted, StartedAt: "later", EndedAt: "e",
		Rollbacks: []ActionResult{{Name: "off"}}, AfterRollback: []ProbeResult{{Name: "p"}}, Error: &StepError{Error: "States.Timeout"}}
	j := MergeRollback(part, rb)
	if j.ExecutionArn != "arn:x:exp" || j.RolledBackBy != "arn:x:rb" || j.RollbackOf != "" || j.StartedAt != "s" || j.EndedAt != "e" ||
		j.Verdict != VerdictAborted || len(j.Before) != 1 || len(j.Method) != 1 || len(j.Rollbacks) != 1 || len(j.AfterRollback) != 1 ||
		j.Error == nil || j.Error.Error != "States.Timeout" {
		t.Errorf("merged %+v", j)
	}
	if part.RolledBackBy != "" || part.Rollbacks != nil {
		t.Errorf("part changed: %+v", part)
	}
}
