package experiments

import (
	"encoding/json"
	"time"
)

// CompiledVersion is the version of the Compiled format this package produces and the state
// machine accepts. The machine rejects any other value before it touches anything. 2: actions
// have onsetSeconds.
const CompiledVersion = 2

// Compiled is the execution input of the experiment state machine: everything it needs, already
// resolved (no ${vars}, no files, no shell). Every field is always present (empty lists, not
// absent), because Step Functions' JSONPath fails on a missing path.
type Compiled struct {
	Version     int                `json:"version"`
	Title       string             `json:"title"`
	Source      string             `json:"source"` // file the experiment came from (base name)
	SteadyState CompiledHypothesis `json:"steadyState"`
	Method      []CompiledAction   `json:"method"`
	Rollbacks   []CompiledAction   `json:"rollbacks"`
	Guard       CompiledGuard      `json:"guard"`
	// Notes say what the experiment asks that the machine does otherwise, without being a problem
	// (an aws CLI probe's --region: the machine reads its own stack's region), for the CLI to print.
	// Not part of the execution's input.
	Notes []string `json:"-"`
}

// FaultSpan is the time from the first method action's write to the method's end: the steady
// state after is observed over it, from the fault's onset on (0 without a method).
func (c *Compiled) FaultSpan() time.Duration {
	if len(c.Method) == 0 {
		return 0
	}
	span := time.Duration(c.Method[0].PauseAfterSeconds) * time.Second
	for _, a := range c.Method[1:] {
		span += time.Duration(a.PauseBeforeSeconds+a.PauseAfterSeconds) * time.Second
	}
	return span
}

// Planned is how long an execution of c waits by its plan: the observation before the fault,
// every pause of the method and of the rollbacks, and the observation after them. The probes'
// queries and the writes add seconds to it; a machine whose timeout is shorter stops the run.
func (c *Compiled) Planned() time.Duration {
	recovery := c.SteadyState.RecoverySeconds
	if recovery == 0 {
		recovery = c.SteadyState.ObserveSeconds // its default
	}
	s := c.SteadyState.ObserveSeconds + recovery
	for _, as := range [][]CompiledAction{c.Method, c.Rollbacks} {
		for _, a := range as {
			s += a.PauseBeforeSeconds + a.PauseAfterSeconds
		}
	}
	return time.Duration(s) * time.Second
}

// OnsetTakesAll reports whether onset, rounded up to whole seconds as the compiler rounds it,
// takes the whole FaultSpan: the steady state after would observe no time with the fault in force.
func (c *Compiled) OnsetTakesAll(onset time.Duration) bool {
	return len(c.Method) > 0 && time.Duration(ceilSeconds(onset))*time.Second >= c.FaultSpan()
}

// CompiledHypothesis is the steady-state hypothesis with its observation durations.
type CompiledHypothesis struct {
	Title string `json:"title"`
	// ObserveSeconds: how long the machine observes before probing the steady state "before".
	// Default: the longest probe window.
	ObserveSeconds int `json:"observeSeconds"`
	// RecoverySeconds: how long the machine observes after the rollbacks before the last check.
	// Default: ObserveSeconds.
	RecoverySeconds int             `json:"recoverySeconds"`
	Probes          []CompiledProbe `json:"probes"`
}

// CompiledProbe is one CloudWatch GetMetricData call whose first returned value
// (MetricDataResults[0].Values[0]) is checked against Tolerance.
type CompiledProbe struct {
	Name   string `json:"name"`
	Source string `json:"source"` // JSON path of the probe in the experiment file
	// Query is a short human description of what is measured (for the journal).
	Query string `json:"query"`
	// WindowSeconds is the probe's own window (the seed's `date --date '5 min ago'`, chaosaws
	// duration). The machine observes windows; this decides ObserveSeconds.
	WindowSeconds     int               `json:"windowSeconds"`
	MetricDataQueries []MetricDataQuery `json:"metricDataQueries"`
	Tolerance         Tolerance         `json:"tolerance"`
	// NoData says what an empty result means: "zero" (count the value as 0, what chaosaws'
	// providers do) or "fail" (the probe does not pass; what the aws CLI's `null` gives a
	// Chaos Toolkit range tolerance).
	NoData string `json:"noData"`
}

// NoData values.
const (
	NoDataZero = "zero"
	NoDataFail = "fail"
)

// Tolerance is every Chaos Toolkit tolerance the compiler accepts, reduced to an inclusive
// [Min, Max] interval that a Choice state checks with NumericGreaterThanEqualsPath and
// NumericLessThanEqualsPath.
type Tolerance struct {
	Type string  `json:"type"` // exact | range | boolean
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
	Text string  `json:"text"` // the bounds as numbers, not as spelled: "[-10, 80]" for [-10.0, 80.0], or "0"
}

// Tolerance types.
const (
	ToleranceExact   = "exact"
	ToleranceRange   = "range"
	ToleranceBoolean = "boolean"
)

// MetricDataQuery is CloudWatch's MetricDataQuery in the API's own (PascalCase) shape, which is
// what the Step Functions AWS SDK integration and the aws CLI's --metric-data-queries take.
type MetricDataQuery struct {
	Id         string      `json:"Id"`
	Expression string      `json:"Expression,omitempty"`
	MetricStat *MetricStat `json:"MetricStat,omitempty"`
	Label      string      `json:"Label,omitempty"`
	ReturnData *bool       `json:"ReturnData,omitempty"`
	Period     int         `json:"Period,omitempty"`
	AccountId  string      `json:"AccountId,omitempty"`
}

// MetricStat is CloudWatch's MetricStat.
type MetricStat struct {
	Metric Metric `json:"Metric"`
	Period int    `json:"Period"`
	Stat   string `json:"Stat"`
	Unit   string `json:"Unit,omitempty"`
}

// Metric is CloudWatch's Metric.
type Metric struct {
	Namespace  string      `json:"Namespace"`
	MetricName string      `json:"MetricName"`
	Dimensions []Dimension `json:"Dimensions,omitempty"`
}

// Dimension is CloudWatch's Dimension.
type Dimension struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// CompiledAction writes Value (a failure config, contracts.md §3) to the stack's fault parameter.
type CompiledAction struct {
	Name   string `json:"name"`
	Source string `json:"source"`
	// Parameter is the parameter name as written in the experiment (e.g. the seed's
	// failureLambdaConfig); the machine always writes the fault parameter it was deployed with.
	Parameter          string          `json:"parameter"`
	Value              json.RawMessage `json:"value"`
	PauseBeforeSeconds int             `json:"pauseBeforeSeconds"`
	PauseAfterSeconds  int             `json:"pauseAfterSeconds"`
	// OnsetSeconds is the first part of PauseAfterSeconds: how long the written fault takes to be
	// in force in every sandbox (the failure layer's config cache, DefaultFaultOnset). The machine
	// records the end of it as the action's inForceAt, where the steady state after the method
	// starts its window: a window that began at the write would measure seconds without the fault.
	OnsetSeconds int `json:"onsetSeconds"`
	// PauseSlices splits the rest of the pause (PauseAfterSeconds − OnsetSeconds) into the guard's
	// check intervals; one slice when there is no guard, none when nothing is left.
	PauseSlices []int `json:"pauseSlices"`
}

// GuardProbesPath is where the state machine reads the guard's probes in its input (CompiledGuard's
// Probes): a machine whose definition does not name it reads $.guard.probe alone.
const GuardProbesPath = "$.guard.probes"

// CompiledGuard is the optional probes checked, one after the other, after each pause slice; a
// deviated value of any ends the method early (verdict deviated). No data does not breach the guard:
// it means "not known yet". Probe is the first of Probes, for a machine deployed before it checked
// several (it reads $.guard.probe; the runner refuses it an experiment of more than one).
type CompiledGuard struct {
	Enabled         bool            `json:"enabled"`
	IntervalSeconds int             `json:"intervalSeconds"`
	Probes          []CompiledProbe `json:"probes"`
	Probe           *CompiledProbe  `json:"probe"`
}
