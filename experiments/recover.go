package experiments

import (
	"encoding/json"
	"strings"
	"time"
)

// StateExit is one state's exit in an execution's history: the state's name and its output (the
// state data as it left the state).
type StateExit struct {
	Name   string
	Output string
}

// The states of the method's Map iteration (constructs/experiment's machine) whose data record one
// fault write: Record once it is written, InForce after its onset, Done at the end of its pause
// (the whole ActionResult).
const (
	actionRecordState  = "Action.Record"
	actionInForceState = "Action.InForce"
	actionDoneState    = "Action.Done"
)

// RecoverJournal is the journal as far as an execution that ended on the way (Ctrl-C, a stop, a
// timeout, a failure no Catch sees) had built it, from its states' exits, oldest first. The
// machine carries the journal in its state data (every phase null until it has run), so the last
// exit whose data holds one has the phases that ended. The method's results join it only when its
// Map ends, and an execution is usually stopped inside it, during a pause: the faults written are
// then taken from the iterations' own states, and the pause of the last one ends at stoppedAt.
// RecoverJournal is nil when no state's data held a journal (the execution ended before its
// first state, or it is not the experiment machine's).
func RecoverJournal(exits []StateExit, stoppedAt time.Time) *Journal {
	var j *Journal
	var acts []ActionResult
	for _, e := range exits {
		switch e.Name {
		case actionRecordState, actionInForceState:
			var d struct {
				Action *ActionResult `json:"action"`
				Record struct {
					PutAt     string `json:"putAt"`
					InForceAt string `json:"inForceAt"`
				} `json:"record"`
			}
			if json.Unmarshal([]byte(e.Output), &d) != nil || d.Action == nil || d.Record.PutAt == "" {
				continue
			}
			if n := len(acts); n == 0 || acts[n-1].PutAt != d.Record.PutAt {
				a := *d.Action
				a.PutAt, a.EndedAt = d.Record.PutAt, ""
				acts = append(acts, a)
			}
			acts[len(acts)-1].InForceAt = d.Record.InForceAt
			continue
		case actionDoneState:
			var a ActionResult
			if json.Unmarshal([]byte(e.Output), &a) == nil && a.PutAt != "" {
				if n := len(acts); n > 0 && acts[n-1].PutAt == a.PutAt {
					acts[n-1] = a
				}
			}
			continue
		}
		if !strings.Contains(e.Output, `"journal"`) {
			continue
		}
		var d struct {
			Journal *Journal `json:"journal"`
		}
		if json.Unmarshal([]byte(e.Output), &d) == nil && d.Journal != nil && d.Journal.StartedAt != "" {
			j = d.Journal
		}
	}
	if j == nil {
		return nil
	}
	if len(j.Method) == 0 && len(acts) > 0 {
		if last := &acts[len(acts)-1]; last.EndedAt == "" && !stoppedAt.IsZero() {
			last.EndedAt = stoppedAt.UTC().Format(time.RFC3339Nano)
		}
		j.Method = acts
	}
	return j
}

// MergeRollback is the journal of an execution that ended without its rollbacks, as one record
// of the run: part is what the execution recorded itself (RecoverJournal); rb is the journal of
// the rollback guard's run for it, which gives the rollbacks, the steady state after them, why the
// execution ended (Error), the verdict (aborted) and the end.
func MergeRollback(part, rb *Journal) *Journal {
	j := *part
	j.RollbackOf, j.RolledBackBy = "", rb.ExecutionArn
	if j.ExecutionArn == "" {
		j.ExecutionArn = rb.RollbackOf
	}
	if j.Title == "" {
		j.Title = rb.Title
	}
	j.Verdict, j.EndedAt = rb.Verdict, rb.EndedAt
	if rb.Error != nil || j.Error == nil {
		j.Error = rb.Error
	}
	j.Rollbacks, j.AfterRollback = rb.Rollbacks, rb.AfterRollback
	j.RollbackError, j.RecoveryError = rb.RollbackError, rb.RecoveryError
	return &j
}
