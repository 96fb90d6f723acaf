package experiments

import (
	"encoding/json"
	"fmt"
	"time"
)

// Verdicts a Journal can carry.
const (
	VerdictHeld            = "held"
	VerdictDeviated        = "deviated"
	VerdictNotSteadyBefore = "not-steady-before"
	VerdictAborted         = "aborted"
)

// Error names the state machine fails with (besides the AWS ones). The Cause of each is the
// journal as JSON, so a failed execution still carries its journal (DescribeExecution.cause).
const (
	ErrSteadyStateDeviated = "SteadyStateDeviated"
	ErrNotSteadyBefore     = "NotSteadyBefore"
	ErrExperimentAborted   = "ExperimentAborted"
	ErrRollbackFailed      = "RollbackFailed"
	ErrInvalidExperiment   = "InvalidExperiment"
	ErrGuardBreached       = "GuardBreached"
)

// Journal is the state machine's record of one run: the execution's output when it succeeds
// (verdict held, or a finished rollbackOf run) and the Cause of its Fail state otherwise.
// A phase that did not run is null.
type Journal struct {
	Title        string `json:"title"`
	ExecutionArn string `json:"executionArn"`
	// RollbackOf is set when this run only rolled back another execution, one that ended without
	// its rollbacks: aborted, timed out, or failed with an error that is not one of
	// DeliberateErrors (StartsRollback). The rollback guard's rule starts such a run
	// (RollbackPattern); its verdict is aborted.
	RollbackOf string `json:"rollbackOf"`
	// RolledBackBy is set in the journal chaoslab writes for an execution that ended without its
	// rollbacks: the rollback guard's run that rolled it back. The machine writes a journal only
	// at its end, so the phases the execution ran are recovered from its history (RecoverJournal)
	// and the rollbacks, the steady state after them and the error are that run's (MergeRollback).
	RolledBackBy string `json:"rolledBackBy,omitempty"`
	Verdict      string `json:"verdict"`
	StartedAt    string `json:"startedAt"`
	EndedAt      string `json:"endedAt"`

	Before      []ProbeResult  `json:"before"`
	Method      []ActionResult `json:"method"`
	GuardBreach *GuardBreach   `json:"guardBreach"`
	// GuardChecks are the guard's checks during the method's pauses, oldest first, a breach the
	// last. The machine does not write them (see GuardCheck): chaoslab adds them from the
	// execution's history when it follows the run; absent otherwise, and with no guard.
	GuardChecks   []GuardCheck   `json:"guardChecks,omitempty"`
	After         []ProbeResult  `json:"after"`
	Rollbacks     []ActionResult `json:"rollbacks"`
	AfterRollback []ProbeResult  `json:"afterRollback"`

	// Error is the failure that aborted the experiment (a Task or Map that failed). In a rollback
	// run (RollbackOf set) it is the rolled-back execution's Error and Cause as DescribeExecution
	// gives them: States.Runtime or an uncaught task error for a failure, StopExecution's for an
	// abort (null when it gave none).
	Error *StepError `json:"error"`
	// RollbackError is set when a rollback action failed (the fault then expires by itself).
	RollbackError *StepError `json:"rollbackError"`
	// RecoveryError is set when the steady-state check after the rollback could not run.
	RecoveryError *StepError `json:"recoveryError"`
}

// ProbeResult is one probe evaluated over one observed window [Start, End].
type ProbeResult struct {
	Name      string    `json:"name"`
	Query     string    `json:"query"`
	Tolerance Tolerance `json:"tolerance"`
	Value     *float64  `json:"value"` // nil: CloudWatch returned no data
	// NoData says that Value is the 0 an empty result counts as (the probe's noData "zero", as
	// chaosaws reads no data): CloudWatch returned nothing for the window.
	NoData bool   `json:"noData,omitempty"`
	Status string `json:"status"`
	Pass   bool   `json:"pass"`
	Start  string `json:"start"`
	End    string `json:"end"`
}

// ReadNothing says whether CloudWatch returned nothing for the probe's window: no value, or the 0
// an empty result counts as (NoData).
func (p ProbeResult) ReadNothing() bool { return p.Value == nil || p.NoData }

// Write is the breached write as the action's record would have it (a breach loses the method's
// records); false for a breach of a machine deployed before it kept the write.
func (g GuardBreach) Write() (ActionResult, bool) {
	if len(g.Value) == 0 {
		return ActionResult{}, false
	}
	return ActionResult{Name: g.Action, Parameter: g.Parameter, Value: g.Value, PutAt: g.PutAt,
		OnsetSeconds: g.OnsetSeconds, InForceAt: g.InForceAt}, true
}

// Ended says how the guard's breach ended the breached action's pause, for a line of its own:
// "ended by the guard's breach 53 s after the write", the breaching check's time from the write
// (at the pause's last check too: a breach need not come early), or without the time when either
// is not recorded.
func (g GuardBreach) Ended() string {
	put, err1 := time.Parse(time.RFC3339Nano, g.PutAt)
	at, err2 := time.Parse(time.RFC3339Nano, g.Probe.End)
	if err1 != nil || err2 != nil || at.Before(put) {
		return "ended by the guard's breach"
	}
	return fmt.Sprintf("ended by the guard's breach %d s after the write", int(at.Sub(put).Round(time.Second)/time.Second))
}

// Unjudged says where a probe's value is without judging it, for a phase the verdict does not read
// (the steady state after the rollbacks): "inside, not judged", "outside, not judged" or "no data,
// not judged".
func (p ProbeResult) Unjudged() string {
	switch {
	case p.Value == nil:
		return "no data, not judged"
	case p.Pass:
		return "inside, not judged"
	}
	return "outside, not judged"
}

// Failed says in a few words why a judged probe failed, as its phase means it: outside its
// tolerance before the fault is "not steady" (the run's not-steady-before), at the guard's check
// "breached", after the fault "deviated"; CloudWatch's nothing "no-data" in every phase. A phase is
// "before", "guard" or "after", as the CLI's probe table and the report name them.
func (p ProbeResult) Failed(phase string) string {
	if p.Status != ProbeDeviated {
		return p.Status
	}
	switch phase {
	case "before":
		return "not steady"
	case "guard":
		return "breached"
	}
	return p.Status
}

// ProbeResult statuses.
const (
	ProbeOK       = "ok"
	ProbeDeviated = "deviated"
	ProbeNoData   = "no-data"
)

// ActionResult is one fault-parameter write and the pause after it.
type ActionResult struct {
	Name               string          `json:"name"`
	Parameter          string          `json:"parameter"`
	Value              json.RawMessage `json:"value"`
	PauseBeforeSeconds int             `json:"pauseBeforeSeconds"`
	PauseAfterSeconds  int             `json:"pauseAfterSeconds"`
	PutAt              string          `json:"putAt"`
	// OnsetSeconds and InForceAt: the wait after the write for the fault to be in force everywhere,
	// and when it ended (the start of the steady state's window after the method).
	OnsetSeconds int    `json:"onsetSeconds"`
	InForceAt    string `json:"inForceAt,omitempty"`
	EndedAt      string `json:"endedAt"`
}

// GuardBreach says which action's pause the guard ended, and the probe that breached it.
type GuardBreach struct {
	Action string      `json:"action"`
	PutAt  string      `json:"putAt"`
	Probe  ProbeResult `json:"probe"`
	// The breached write as the action's record would have it (a breach loses the method's
	// records): the parameter, the value written, the onset and when the fault was in force.
	// Empty in the journals of machines deployed before they were recorded.
	Parameter    string          `json:"parameter,omitempty"`
	Value        json.RawMessage `json:"value,omitempty"`
	OnsetSeconds int             `json:"onsetSeconds,omitempty"`
	InForceAt    string          `json:"inForceAt,omitempty"`
}

// StepError is Step Functions' error output ({"Error", "Cause"}).
type StepError struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// ParseJournal decodes a journal from an execution's output or a Fail state's cause.
func ParseJournal(data []byte) (*Journal, error) {
	var j Journal
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("parse journal: %w", err)
	}
	return &j, nil
}

// Held reports whether the hypothesis held (the only verdict of a successful experiment).
func (j *Journal) Held() bool { return j.Verdict == VerdictHeld }
