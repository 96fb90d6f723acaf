package experiments

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// StateExit is one state's exit in an execution's history: the state's name, when, and its output
// (the state data as it left the state).
type StateExit struct {
	Name   string
	At     time.Time
	Output string
}

// The states of the method's Map iteration (constructs/experiment's machine) whose data record one
// fault write: Put exits once the parameter is written, Record stamps the write, InForce after its
// onset, Done at the end of its pause (the whole ActionResult).
const (
	actionPutState     = "Action.Put"
	actionRecordState  = "Action.Record"
	actionInForceState = "Action.InForce"
	actionDoneState    = "Action.Done"
)

// RecoverJournal is the journal as far as an execution that ended on the way (Ctrl-C, a stop, a
// timeout, a failure no Catch sees) had built it, from its states' exits, oldest first. The
// machine carries the journal in its state data (every phase null until it has run), so the last
// exit whose data holds one has the phases that ended. The method's results join it only when its
// Map ends, and an execution is usually stopped inside it, during a pause: the faults written are
// then taken from the iterations' own states, and the pause of the last one ends at stoppedAt. A
// Map that ended by failing (a guard's breach, a failed write: the machine caught it and went on
// to its rollbacks) ended that pause when the next state holding the journal exited; after a
// breach the journal keeps no method, as the machine's own does (GuardBreach has the write). The
// guard's checks are taken from their record states (GuardChecks).
// RecoverJournal is nil when no state's data held a journal (the execution ended before its
// first state, or it is not the experiment machine's).
func RecoverJournal(exits []StateExit, stoppedAt time.Time) *Journal {
	var j *Journal
	var acts []ActionResult
	open := false      // the last action's pause has not ended in any state seen yet
	unstamped := false // the last action is known from its Put alone: Record had not exited
	for _, e := range exits {
		switch e.Name {
		case actionPutState:
			// The parameter is written: an execution stopped before Record exited (a few
			// milliseconds; more on a loaded machine) wrote a fault all the same. Its time is the
			// Put's exit until Record's stamp comes.
			var d struct {
				Action *ActionResult `json:"action"`
			}
			if json.Unmarshal([]byte(e.Output), &d) != nil || d.Action == nil || e.At.IsZero() {
				continue
			}
			a := *d.Action
			a.PutAt, a.InForceAt, a.EndedAt = Stamp(e.At), "", ""
			acts = append(acts, a)
			open, unstamped = true, true
			continue
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
			if e.Name == actionRecordState || len(acts) == 0 {
				a := *d.Action
				a.PutAt, a.EndedAt = d.Record.PutAt, ""
				if unstamped { // the write its Put exit announced
					acts[len(acts)-1] = a
				} else {
					acts = append(acts, a)
				}
			}
			unstamped = false
			acts[len(acts)-1].InForceAt = d.Record.InForceAt
			open = true
			continue
		case actionDoneState:
			var a ActionResult
			if json.Unmarshal([]byte(e.Output), &a) == nil && a.PutAt != "" && open {
				acts[len(acts)-1] = a
				open, unstamped = false, false
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
			if open && !e.At.IsZero() { // the method's Map has ended: by failing, or it would hold its results
				acts[len(acts)-1].EndedAt = Stamp(e.At)
			}
			open = false
		}
	}
	if j == nil {
		return nil
	}
	j.GuardChecks = GuardChecks(exits)
	if len(j.Method) == 0 && len(acts) > 0 && j.GuardBreach == nil {
		if last := &acts[len(acts)-1]; last.EndedAt == "" && !stoppedAt.IsZero() {
			last.EndedAt = Stamp(stoppedAt)
		}
		j.Method = acts
	}
	return j
}

// Stamp is t as the machine writes times ($$.State.EnteredTime): UTC, milliseconds.
func Stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// MergeRollback is the journal of an execution that ended without its rollbacks, as one record
// of the run: part is what the execution recorded itself (RecoverJournal); rb is the journal of
// the rollback guard's run for it. The run's own records stay: a verdict it reached (else rb's,
// aborted), the error that took it to its rollbacks (else rb's: why it ended), the rollbacks it
// ran before it was stopped, which rb's follow (rb always runs them again). rb gives the steady
// state after the rollbacks and the end.
func MergeRollback(part, rb *Journal) *Journal {
	j := *part
	j.RollbackOf, j.RolledBackBy = "", rb.ExecutionArn
	if j.ExecutionArn == "" {
		j.ExecutionArn = rb.RollbackOf
	}
	if j.Title == "" {
		j.Title = rb.Title
	}
	if j.Verdict == "" {
		j.Verdict = rb.Verdict
	}
	if j.Error == nil {
		j.Error = rb.Error
	}
	j.EndedAt = rb.EndedAt
	j.Rollbacks = append(slices.Clip(part.Rollbacks), rb.Rollbacks...)
	j.AfterRollback = rb.AfterRollback
	j.RollbackError, j.RecoveryError = rb.RollbackError, rb.RecoveryError
	return &j
}
