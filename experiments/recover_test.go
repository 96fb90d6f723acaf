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
	if a := j.Method[1]; a.Name != "a2" || a.PutAt != "2026-12-04T12:00:21Z" || a.InForceAt != "" || a.EndedAt != "2026-12-04T12:00:30.000Z" || a.PauseAfterSeconds != 60 {
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

// An execution stopped between its fault's write (Action.Put exited) and the state that stamps it
// (Action.Record) wrote the fault all the same: the journal has it, at the Put's exit, its pause
// ended at the stop (it had none: the lifecycle test's abort, on a loaded machine, lost it). Once
// Record has exited, it is the one write, with Record's stamp.
func TestRecoverJournalOfAFaultWrittenNotYetStamped(t *testing.T) {
	at := func(ms int) time.Time { return time.Date(2026, 12, 4, 12, 0, 10, ms*int(time.Millisecond), time.UTC) }
	before := StateExit{Name: "BeforeProbes", At: at(0), Output: `{"journal":{"startedAt":"2026-12-04T12:00:00Z","before":[{"name":"p","pass":true}]}}`}
	put := StateExit{Name: "Action.Put", At: at(100), Output: `{"action":{"name":"a1","parameter":"/f","value":{"isEnabled":true},"pauseAfterSeconds":60},"expiry":{"expiresAfterSeconds":180}}`}
	record := StateExit{Name: "Action.Record", At: at(140), Output: `{"action":{"name":"a1","parameter":"/f","value":{"isEnabled":true},"pauseAfterSeconds":60},"record":{"putAt":"2026-12-04T12:00:10.120Z"}}`}

	j := RecoverJournal([]StateExit{before, put}, at(150))
	if j == nil || len(j.Method) != 1 {
		t.Fatalf("recovered %+v, want the fault written", j)
	}
	if a := j.Method[0]; a.Name != "a1" || a.Parameter != "/f" || string(a.Value) != `{"isEnabled":true}` || a.PutAt != "2026-12-04T12:00:10.100Z" || a.EndedAt != "2026-12-04T12:00:10.150Z" {
		t.Errorf("fault %+v, want a1 written at the Put's exit, its pause ended at the stop", a)
	}
	j = RecoverJournal([]StateExit{before, put, record}, at(150))
	if j == nil || len(j.Method) != 1 || j.Method[0].PutAt != "2026-12-04T12:00:10.120Z" {
		t.Errorf("recovered %+v, want the one write, with Record's stamp", j)
	}
}

// A method whose Map ended by failing: the machine caught it and went on (a failed write to its
// rollbacks, a guard's breach to its record of it), and was stopped later. The pause ended when the
// next state holding the journal exited, not at the stop; after a breach the journal keeps no
// method (the breach holds the write), as the machine's own journal does.
func TestRecoverJournalAfterTheMethodFailed(t *testing.T) {
	at := func(s int) time.Time { return time.Date(2026, 12, 4, 12, 0, s, 0, time.UTC) }
	stop := at(59)
	record := StateExit{Name: "Action.Record", At: at(10), Output: `{"action":{"name":"a1","pauseAfterSeconds":60},"record":{"putAt":"2026-12-04T12:00:10.000Z"}}`}
	before := StateExit{Name: "BeforeProbes", At: at(5), Output: `{"journal":{"startedAt":"2026-12-04T12:00:00Z","before":[{"name":"p"}]}}`}

	aborted := []StateExit{before, record,
		{Name: "Aborted", At: at(25), Output: `{"journal":{"startedAt":"2026-12-04T12:00:00Z","verdict":"aborted","error":{"Error":"States.TaskFailed"}}}`},
		{Name: "Rollback.Record", At: at(26), Output: `{"action":{"name":"off"},"record":{"putAt":"2026-12-04T12:00:26.000Z"}}`}}
	j := RecoverJournal(aborted, stop)
	if j == nil || len(j.Method) != 1 || j.Method[0].EndedAt != "2026-12-04T12:00:25.000Z" || j.Verdict != VerdictAborted {
		t.Errorf("after a caught failure: %+v, want the pause ended at 12:00:25 when Aborted exited", j)
	}

	breached := []StateExit{before, record,
		{Name: "GuardRecord", At: at(25), Output: `{"journal":{"startedAt":"2026-12-04T12:00:00Z","guardBreach":{"action":"a1","putAt":"2026-12-04T12:00:10.000Z"}}}`}}
	if j := RecoverJournal(breached, stop); j == nil || j.Method != nil || j.GuardBreach == nil {
		t.Errorf("after a breach: %+v, want the breach and no method", j)
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

	// Stopped after its verdict and its own rollbacks (while observing the recovery): those stay, the
	// rollback run's follow them, and the error that took it to its rollbacks stays too.
	part.Verdict, part.Rollbacks, part.Error = VerdictDeviated, []ActionResult{{Name: "own"}}, &StepError{Error: "CloudWatch.InternalServiceException"}
	j = MergeRollback(part, rb)
	if j.Verdict != VerdictDeviated || len(j.Rollbacks) != 2 || j.Rollbacks[0].Name != "own" || j.Rollbacks[1].Name != "off" ||
		j.Error.Error != "CloudWatch.InternalServiceException" || len(part.Rollbacks) != 1 {
		t.Errorf("merged after its own rollbacks: %+v", j)
	}
}
