package ctk

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
)

// FormatVersion is the chaostoolkit-lib release whose journal format Journal follows (its
// "chaoslib-version"; the run itself was the state machine's, as Platform says).
const FormatVersion = "1.45.0"

// Platform is the journal's "platform": what ran the experiment.
const Platform = "AWS Step Functions: the serverless-chaos-lab experiment state machine"

// Statuses of a Chaos Toolkit journal (chaoslib/run.py: the only ones the spec allows).
const (
	StatusCompleted   = "completed"
	StatusFailed      = "failed"
	StatusAborted     = "aborted"
	StatusInterrupted = "interrupted"
)

// Statuses of an activity's run (chaoslib/activity.py execute_activity).
const (
	RunSucceeded = "succeeded"
	RunFailed    = "failed"
)

// Journal is a Chaos Toolkit journal (chaostoolkit-lib's journal.json): the member names and
// shapes chaoslib's run.py, activity.py and hypothesis.py write.
type Journal struct {
	ChaoslibVersion string          `json:"chaoslib-version"`
	Platform        string          `json:"platform"`
	Node            string          `json:"node"`
	Experiment      json.RawMessage `json:"experiment"`
	Start           string          `json:"start"`
	End             string          `json:"end"`
	Duration        float64         `json:"duration"`
	Status          string          `json:"status"`
	Deviated        bool            `json:"deviated"`
	SteadyStates    SteadyStates    `json:"steady_states"`
	Run             []Run           `json:"run"`
	Rollbacks       []Run           `json:"rollbacks"`
}

// SteadyStates are the hypothesis' checks: before and after the method (null when not run), and
// during it (chaoslib's continuous hypothesis; here, the guard's checks).
type SteadyStates struct {
	Before *State  `json:"before"`
	After  *State  `json:"after"`
	During []State `json:"during"`
}

// State is one check of the hypothesis (chaoslib/hypothesis.py run_steady_state_hypothesis).
type State struct {
	SteadyStateMet bool  `json:"steady_state_met"`
	Probes         []Run `json:"probes"`
}

// Run is one activity's run (chaoslib/activity.py execute_activity).
type Run struct {
	Activity json.RawMessage `json:"activity"`
	Status   string          `json:"status"`
	Output   any             `json:"output"`
	Start    string          `json:"start"`
	End      string          `json:"end"`
	Duration float64         `json:"duration"`
	// Exception is Python's traceback.format_exception lines; here the Step Functions error.
	Exception []string `json:"exception,omitempty"`
	// ToleranceMet is set on the probes of a hypothesis.
	ToleranceMet *bool `json:"tolerance_met,omitempty"`
}

// FromJournal writes our journal j of a run of exp in Chaos Toolkit's format (see the package
// doc for the mapping). exp may be nil (a rollback run whose experiment is not at hand): the
// experiment and activities are then described from the journal.
func FromJournal(exp *experiments.Experiment, j *experiments.Journal) (*Journal, error) {
	if j == nil {
		return nil, errors.New("ctk: no journal")
	}
	start, err := pyTime(j.StartedAt)
	if err != nil {
		return nil, fmt.Errorf("ctk: startedAt: %w", err)
	}
	end, err := pyTime(j.EndedAt)
	if err != nil {
		return nil, fmt.Errorf("ctk: endedAt: %w", err)
	}
	w := &writer{exp: exp, j: j}
	// Deviated: chaoslib sets it in one place only, when the hypothesis after the method is not
	// met (chaoslib/run.py run_deviation_validation_hypothesis: `journal["deviated"] = True`);
	// a guard's breach (during, with no hypothesis after it) is not a deviation there, see status.
	out := &Journal{
		ChaoslibVersion: FormatVersion, Platform: Platform, Node: cmpOr(j.ExecutionArn, "unknown"),
		Start: start, End: end, Duration: seconds(j.StartedAt, j.EndedAt),
		Status: status(j), Deviated: j.Verdict == experiments.VerdictDeviated && j.GuardBreach == nil,
		SteadyStates: SteadyStates{During: []State{}}, Run: []Run{}, Rollbacks: []Run{},
	}
	if out.SteadyStates.Before, err = w.judged("before", j.Before); err != nil {
		return nil, err
	}
	if out.SteadyStates.After, err = w.judged("after", j.After); err != nil {
		return nil, err
	}
	for _, a := range j.Method {
		r, err := w.action(a, "method")
		if err != nil {
			return nil, err
		}
		out.Run = append(out.Run, r)
	}
	if g := j.GuardBreach; g != nil {
		// The machine records no method after a breach, only the action whose pause it ended.
		at, err := pyTime(g.PutAt)
		if err != nil {
			return nil, fmt.Errorf("ctk: guardBreach.putAt: %w", err)
		}
		run := Run{Activity: w.activity("method", g.Action, nil), Status: RunSucceeded, Start: at, End: at}
		if a, ok := g.Write(); ok { // the breach kept the write (machines deployed since it does): the action's record
			if run, err = w.action(a, "method"); err != nil {
				return nil, err
			}
		}
		out.Run = append(out.Run, run)
	}
	if out.SteadyStates.During, err = w.during(j); err != nil {
		return nil, err
	}
	for _, a := range j.Rollbacks {
		r, err := w.action(a, "rollbacks")
		if err != nil {
			return nil, err
		}
		out.Rollbacks = append(out.Rollbacks, r)
	}
	if e := j.RollbackError; e != nil {
		name := "rollbacks"
		if exp != nil && len(exp.Rollbacks) == 1 {
			name = exp.Rollbacks[0].Name
		}
		out.Rollbacks = append(out.Rollbacks, Run{Activity: w.activity("rollbacks", name, nil), Status: RunFailed,
			Start: end, End: end, Exception: exception(e)})
	}
	if out.Experiment, err = w.experiment(); err != nil {
		return nil, err
	}
	return out, nil
}

// during are the hypothesis' checks during the method, as chaoslib's continuous hypothesis
// records them: the guard's checks that judged a value (chaoslab run reads them from the history;
// one that read no data is not known yet, not a check the hypothesis failed), else the guard's
// breach alone (the machine's own journal keeps only that).
func (w *writer) during(j *experiments.Journal) ([]State, error) {
	var ps []experiments.ProbeResult
	for _, c := range j.GuardChecks {
		ps = append(ps, c.ProbeResult)
	}
	if len(j.GuardChecks) == 0 && j.GuardBreach != nil {
		ps = append(ps, j.GuardBreach.Probe)
	}
	// A guard of several probes checks them in turn after each interval: one state an interval,
	// as chaoslib's holds every probe of one check, cut where a probe's name comes round again;
	// within it, only the checks that judged a value.
	out := []State{}
	for start := 0; start < len(ps); {
		end := start + 1
		for end < len(ps) && !slices.ContainsFunc(ps[start:end], func(q experiments.ProbeResult) bool { return q.Name == ps[end].Name }) {
			end++
		}
		judged := slices.DeleteFunc(slices.Clone(ps[start:end]), func(q experiments.ProbeResult) bool { return q.Status == experiments.ProbeNoData })
		start = end
		if len(judged) == 0 {
			continue
		}
		s, err := w.judged("during", judged)
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	return out, nil
}

// status maps a verdict: a run that judged the hypothesis (held, deviated, not steady before)
// completed, as chaoslib says of a hypothesis not met before the method too; a run that failed
// on the way aborted; a run that ended before its rollbacks, which the rollback guard ran (RolledBackBy),
// and a run that only rolled back another execution (RollbackOf) were interrupted. A guard's
// breach ends the method as chaoslib's continuous hypothesis does with fail_fast, which says
// failed (chaoslib/run.py run_hypothesis_continuously: `journal["status"] = "failed"`); only a
// hypothesis after the method not met turns that into completed and deviated, and the machine
// runs none after a breach.
func status(j *experiments.Journal) string {
	switch {
	case j.RollbackOf != "" || j.RolledBackBy != "":
		return StatusInterrupted
	case j.Verdict == experiments.VerdictAborted:
		return StatusAborted
	case j.GuardBreach != nil:
		return StatusFailed
	}
	return StatusCompleted
}

func exception(e *experiments.StepError) []string {
	return []string{e.Error + ": " + e.Cause}
}

type writer struct {
	exp *experiments.Experiment
	j   *experiments.Journal
	// pastFailure, per phase ("before", "after", "during"), are the probes after the first that
	// was not met: chaoslib runs none of them, our machine judged them all (see judged).
	pastFailure map[string][]Run
}

// judged is a check of the hypothesis as chaoslib records it: it stops at the first probe not
// met (chaoslib/hypothesis.py run_steady_state_hypothesis: `if not checked: ...
// return state`), so that probe is the state's last, the one chaoslib names
// (chaoslib/run.py: `p = state["probes"][-1]`). The probes our machine judged after it are kept
// in the extension (pastFailure).
func (w *writer) judged(phase string, ps []experiments.ProbeResult) (*State, error) {
	s, err := w.state(ps)
	if s == nil || err != nil {
		return s, err
	}
	for i, p := range s.Probes {
		if !*p.ToleranceMet {
			if rest := s.Probes[i+1:]; len(rest) > 0 {
				if w.pastFailure == nil {
					w.pastFailure = map[string][]Run{}
				}
				w.pastFailure[phase] = append(w.pastFailure[phase], rest...)
			}
			s.Probes = s.Probes[:i+1]
			break
		}
	}
	return s, nil
}

// state is one hypothesis check, or nil for a phase that did not run.
func (w *writer) state(ps []experiments.ProbeResult) (*State, error) {
	if ps == nil {
		return nil, nil
	}
	s := &State{SteadyStateMet: true, Probes: []Run{}}
	for _, p := range ps {
		at, err := pyTime(p.End)
		if err != nil {
			return nil, fmt.Errorf("ctk: probe %s: end: %w", p.Name, err)
		}
		met := p.Pass
		s.SteadyStateMet = s.SteadyStateMet && met
		act := w.find("probe", p.Name)
		s.Probes = append(s.Probes, Run{Activity: w.activity("probe", p.Name, &p), Status: RunSucceeded,
			Output: probeOutput(act, p.Value), Start: at, End: at, ToleranceMet: &met})
	}
	return s, nil
}

// action is one write of the fault parameter; its output is the value written.
func (w *writer) action(a experiments.ActionResult, phase string) (Run, error) {
	at, err := pyTime(a.PutAt)
	if err != nil {
		return Run{}, fmt.Errorf("ctk: %s %s: putAt: %w", phase, a.Name, err)
	}
	var v any
	if len(a.Value) > 0 {
		if err := json.Unmarshal(a.Value, &v); err != nil {
			return Run{}, fmt.Errorf("ctk: %s %s: value: %w", phase, a.Name, err)
		}
	}
	return Run{Activity: w.activity(phase, a.Name, &a), Status: RunSucceeded, Output: v, Start: at, End: at}, nil
}

// find is the experiment's activity named name ("probe": the hypothesis; "method", "rollbacks").
func (w *writer) find(phase, name string) *experiments.Activity {
	if w.exp == nil {
		return nil
	}
	var list []experiments.Activity
	switch phase {
	case "probe":
		if w.exp.SteadyState != nil {
			list = w.exp.SteadyState.Probes
		}
	case "method":
		list = w.exp.Method
	case "rollbacks":
		list = w.exp.Rollbacks
	}
	for i := range list {
		if list[i].Name == name {
			return &list[i]
		}
	}
	return nil
}

// activity is the run's "activity": the experiment's own, or one described from the journal
// (what the machine ran: a CloudWatch query, a write of the fault parameter).
func (w *writer) activity(phase, name string, from any) json.RawMessage {
	if a := w.find(phase, name); a != nil {
		return marshal(asRun(activityMap(*a), from))
	}
	m := map[string]any{"name": name}
	switch x := from.(type) {
	case *experiments.ProbeResult:
		m["type"] = "probe"
		m["tolerance"] = map[string]any{"type": "range", "range": []float64{x.Tolerance.Min, x.Tolerance.Max}}
		m["provider"] = map[string]any{"type": "python", "module": "chaoslab.cloudwatch", "func": "metric_data", "arguments": map[string]any{"query": x.Query}}
	case *experiments.ActionResult:
		m["type"] = "action"
		m["provider"] = map[string]any{"type": "python", "module": "chaosaws.ssm.actions", "func": "put_parameter",
			"arguments": map[string]any{"name": x.Parameter, "value": x.Value, "overwrite": true}}
	default:
		m["type"] = "action"
		m["provider"] = map[string]any{"type": "python", "module": "chaosaws.ssm.actions", "func": "put_parameter"}
	}
	return marshal(m)
}

// asRun makes the experiment's action m say the pauses it ran with, where chaoslab's -pause (or
// the lab's) changed the file's: a tool reading the journal would otherwise take the file's 300 s
// pause for the run's 30. (A probe's window is not in our journal: its arguments stay the file's.)
func asRun(m map[string]any, from any) map[string]any {
	x, ok := from.(*experiments.ActionResult)
	// A result without pauses (a guard breach's write: the breach does not record them) leaves the
	// file's.
	if !ok || x.PauseBeforeSeconds == 0 && x.PauseAfterSeconds == 0 {
		return m
	}
	p := map[string]any{}
	if x.PauseBeforeSeconds > 0 {
		p["before"] = x.PauseBeforeSeconds
	}
	if x.PauseAfterSeconds > 0 {
		p["after"] = x.PauseAfterSeconds
	}
	m["pauses"] = p
	return m
}

// probeOutput is what Chaos Toolkit would record as the probe's output: a process provider's
// {"status", "stdout", "stderr"} with the aws CLI's printout of the value ("null" for no data),
// a python provider's return value.
func probeOutput(a *experiments.Activity, v *float64) any {
	if a != nil && a.Provider != nil && a.Provider.Type == "process" {
		text := "null"
		if v != nil {
			text = pyFloat(*v)
		}
		return map[string]any{"status": 0, "stdout": text + "\n", "stderr": ""}
	}
	if v == nil {
		return nil
	}
	return *v
}

// pyFloat writes a float as Python's repr does (3.0, 12.5, 1e+20), which is how the aws CLI prints it.
func pyFloat(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if abs := math.Abs(f); abs >= 1e-4 && abs < 1e16 {
		s = strconv.FormatFloat(f, 'f', -1, 64)
	}
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// pyTime converts a Step Functions timestamp (RFC 3339) to Python's datetime.isoformat() of an
// aware UTC time, as chaoslib writes them: 2026-11-30T06:56:10.894000+00:00.
func pyTime(s string) (string, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return "", err
	}
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05+00:00"), nil
	}
	return t.Format("2006-01-02T15:04:05.000000+00:00"), nil
}

// seconds between two RFC 3339 times (0 when either is missing).
func seconds(from, to string) float64 {
	a, err1 := time.Parse(time.RFC3339Nano, from)
	b, err2 := time.Parse(time.RFC3339Nano, to)
	if err1 != nil || err2 != nil {
		return 0
	}
	return b.Sub(a).Seconds()
}

func marshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps, slices, strings, numbers and raw JSON read from JSON: cannot fail
	}
	return b
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
