package cloudwatch

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/chaoslab/serverless-chaos-lab/internal/cwstat"
)

// Metric alarms, held by the Store and evaluated on its own metrics.
//
// When: lazily, as if every minute. An alarm is evaluated when it is read (DescribeAlarms,
// Store.Alarm): at every whole minute since its last evaluation (every Period for a
// high-resolution alarm of 10, 20 or 30 s; at most a day of them), over the complete periods that
// end there, as CloudWatch's periodic evaluation does; then once at the time of the read, over the
// periods that end at that instant. So a state's StateUpdatedTimestamp is the minute at which a
// periodic evaluator would have seen the change, "ignore" keeps the state the earlier evaluations
// left, and a metric that just crossed the threshold shows at the next read (a lab need not wait
// for the minute), all without a goroutine to start or stop.
//
// How: the evaluation range is the EvaluationPeriods periods that end at the evaluation time,
// one datapoint per period (the alarm's statistic, or the returned query of a metric-math alarm,
// through GetMetricData). A period without a datapoint is missing, and TreatMissingData says what
// it counts as: breaching, notBreaching, or (missing, ignore) nothing; an alarm on an AWS/DynamoDB
// metric always ignores it, as CloudWatch's do. At least DatapointsToAlarm breaching datapoints →
// ALARM. Otherwise, with no datapoint at all: missing → INSUFFICIENT_DATA, ignore → the state
// stays. Otherwise OK. This is CloudWatch's M out of N rule; its extra look-back for missing
// datapoints is not emulated.
//
// Every change of state and configuration goes into the alarms' history (alarm_history.go).
//
// Actions: SNS topics' run (alarm_actions.go, once RunAlarmActions runs), others' fail in the
// history. Not emulated: composite alarms, anomaly-detection thresholds (ThresholdMetricId).

// Alarm states.
const (
	StateOK               = "OK"
	StateAlarm            = "ALARM"
	StateInsufficientData = "INSUFFICIENT_DATA"
)

// AlarmRegion and AlarmAccount are the local cloud's region and account, in alarm ARNs.
const (
	AlarmRegion  = "us-east-1"
	AlarmAccount = "000000000000"
)

// AlarmARN is the ARN of the alarm named name in the local cloud.
func AlarmARN(name string) string {
	return "arn:aws:cloudwatch:" + AlarmRegion + ":" + AlarmAccount + ":alarm:" + name
}

// Alarm is a metric alarm's configuration, as PutMetricAlarm and AWS::CloudWatch::Alarm give it:
// one metric (Namespace, MetricName, Dimensions, Statistic or ExtendedStatistic, Period) or
// metric math (Metrics, exactly one with ReturnData), compared with Threshold.
type Alarm struct {
	Name        string
	Description string
	// ActionsEnabled: Default true. Actions are stored and returned, never run.
	ActionsEnabled                                   *bool
	AlarmActions, OKActions, InsufficientDataActions []string

	Namespace         string
	MetricName        string
	Dimensions        map[string]string
	Statistic         string // SampleCount, Average, Sum, Minimum, Maximum
	ExtendedStatistic string // pNN, or another extended statistic an alarm may have (cwstat.Alarmable)
	Period            time.Duration
	Unit              string

	// Metrics is metric math instead of the single metric: the query with ReturnData is compared.
	Metrics []Query

	EvaluationPeriods int
	// DatapointsToAlarm: Default EvaluationPeriods.
	DatapointsToAlarm int
	// datapointsDefaulted: DatapointsToAlarm was not given (DescribeAlarms leaves it out, as
	// CloudWatch does).
	datapointsDefaulted bool

	Threshold          float64
	ComparisonOperator string // GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold
	// TreatMissingData: breaching, notBreaching, ignore, missing. Default missing.
	TreatMissingData string
	// EvaluateLowSampleCountPercentile is stored and returned (evaluate, ignore).
	EvaluateLowSampleCountPercentile string
}

// AlarmStatus is an alarm's state after its latest evaluation.
type AlarmStatus struct {
	ARN        string
	Value      string // OK, ALARM, INSUFFICIENT_DATA
	Reason     string
	ReasonData string // JSON
	UpdatedAt  time.Time
}

// comparisons are the threshold operators evaluated locally, with the words of their reasons.
var comparisons = map[string]struct {
	words  string
	breach func(v, t float64) bool
}{
	"GreaterThanOrEqualToThreshold": {"greater than or equal to", func(v, t float64) bool { return v >= t }},
	"GreaterThanThreshold":          {"greater than", func(v, t float64) bool { return v > t }},
	"LessThanThreshold":             {"less than", func(v, t float64) bool { return v < t }},
	"LessThanOrEqualToThreshold":    {"less than or equal to", func(v, t float64) bool { return v <= t }},
}

// anomalyComparisons are CloudWatch's comparisons against an anomaly detection band, which the
// local CloudWatch does not emulate.
var anomalyComparisons = []string{"LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold"}

var treatments = map[string]bool{"breaching": true, "notBreaching": true, "ignore": true, "missing": true}

// maxEvaluationRange and maxShortEvaluationRange bound Period × EvaluationPeriods: "An alarm's
// total current evaluation period can be no longer than seven days ... For alarms with a period of
// less than one hour (3,600 seconds), the total evaluation period can't be longer than one day
// (86,400 seconds)" (PutMetricAlarm's Period).
const (
	maxEvaluationRange      = 7 * 24 * time.Hour
	maxShortEvaluationRange = 24 * time.Hour
)

// checkEvaluationRange refuses EvaluationPeriods periods of p longer than the limits above.
func checkEvaluationRange(p time.Duration, periods int) error {
	switch r := p * time.Duration(periods); {
	case r > maxEvaluationRange:
		return invalid("The evaluation range (Period × EvaluationPeriods) must not exceed 7 days.")
	case p < time.Hour && r > maxShortEvaluationRange:
		return invalid("The evaluation range (Period × EvaluationPeriods) must not exceed one day when Period is less than an hour.")
	}
	return nil
}

// alarmRecord is a stored alarm and its state.
type alarmRecord struct {
	cfg           Alarm
	configUpdated time.Time
	status        AlarmStatus
	evaluatedAt   time.Time
	// heldUntil is the next evaluation after a SetAlarmState: the state set holds until then.
	heldUntil time.Time
}

// alarmBook holds a Store's alarms; its zero value is empty and ready. Evaluations read metrics
// through Store.GetMetricData (which takes the store's lock), so the book has a lock of its own.
type alarmBook struct {
	mu      sync.Mutex
	m       map[string]*alarmRecord
	history []HistoryItem // in the order recorded
	seq     uint64        // the last item's
	// runsActions: RunAlarmActions runs; pending are the actions it has not run yet (alarm_actions.go).
	runsActions bool
	pending     []Action
}

// validate checks a like PutMetricAlarm and fills in its defaults.
func (a *Alarm) validate() error {
	if a.Name == "" {
		return missing("AlarmName")
	}
	// Characters, not bytes: an alarm's name and description may be any UTF-8 (the model's
	// lengths count characters), unlike namespaces and dimensions, which are ASCII.
	if utf8.RuneCountInString(a.Name) > 255 {
		return tooLong("AlarmName", 255)
	}
	if utf8.RuneCountInString(a.Description) > 1024 {
		return tooLong("AlarmDescription", 1024)
	}
	if err := a.validateActions(); err != nil {
		return err
	}
	if a.EvaluationPeriods < 1 {
		return invalid("The value %d for parameter EvaluationPeriods is invalid: it must be at least 1.", a.EvaluationPeriods)
	}
	if a.DatapointsToAlarm == 0 {
		a.DatapointsToAlarm, a.datapointsDefaulted = a.EvaluationPeriods, true
	}
	if a.DatapointsToAlarm < 1 || a.DatapointsToAlarm > a.EvaluationPeriods {
		return invalid("DatapointsToAlarm (%d) must be between 1 and EvaluationPeriods (%d).", a.DatapointsToAlarm, a.EvaluationPeriods)
	}
	if a.ComparisonOperator == "" {
		return missing("ComparisonOperator")
	}
	if _, ok := comparisons[a.ComparisonOperator]; !ok {
		if !slices.Contains(anomalyComparisons, a.ComparisonOperator) {
			return &apiErr{code: "ValidationException", query: "ValidationError", msg: fmt.Sprintf("1 validation error detected: Value '%s' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold, %s]", a.ComparisonOperator, strings.Join(anomalyComparisons, ", "))}
		}
		return invalid("The value %s for parameter ComparisonOperator is not supported locally (GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold; anomaly detection is not emulated).", a.ComparisonOperator)
	}
	if !finite(a.Threshold) {
		return invalid("The value for parameter Threshold is invalid.")
	}
	if a.TreatMissingData == "" {
		a.TreatMissingData = "missing"
	}
	if !treatments[a.TreatMissingData] {
		return invalid("The value %s for parameter TreatMissingData is invalid (breaching, notBreaching, ignore, missing).", a.TreatMissingData)
	}
	if e := a.EvaluateLowSampleCountPercentile; e != "" && e != "evaluate" && e != "ignore" {
		return invalid("The value %s for parameter EvaluateLowSampleCountPercentile is invalid (evaluate, ignore).", e)
	}
	if len(a.Metrics) > 0 {
		return a.validateMetrics()
	}
	if a.MetricName == "" {
		return missing("MetricName (or Metrics)")
	}
	if a.Namespace == "" {
		return missing("Namespace")
	}
	if err := checkNamespace(a.Namespace, "Namespace"); err != nil {
		return err
	}
	if err := checkMetricName(a.MetricName, "MetricName"); err != nil {
		return err
	}
	if len(a.Dimensions) > 30 {
		return tooMany("Dimensions", 30)
	}
	if (a.Statistic == "") == (a.ExtendedStatistic == "") {
		return &apiErr{code: "InvalidParameterCombinationException", query: "InvalidParameterCombination", msg: "Exactly one of the parameters Statistic and ExtendedStatistic must be specified."}
	}
	if a.Statistic != "" && !cwstat.Basic(a.Statistic) {
		return invalid("The value %s for parameter Statistic is invalid.", a.Statistic)
	}
	if a.ExtendedStatistic != "" && !cwstat.Alarmable(a.ExtendedStatistic) {
		return invalid("The value %s for parameter ExtendedStatistic is invalid.", a.ExtendedStatistic)
	}
	if !validUnits[a.Unit] {
		return invalid("The value %s for parameter Unit is invalid.", a.Unit)
	}
	if err := validPeriod(a.Period, "Period"); err != nil {
		return err
	}
	return checkEvaluationRange(a.Period, a.EvaluationPeriods)
}

// maxActions is the most actions an alarm has for each state (the model's ResourceList).
const maxActions = 5

// validateActions checks the three action lists: at most 5 each, every one an ARN.
func (a *Alarm) validateActions() error {
	for _, l := range []struct {
		field   string
		actions []string
	}{{"AlarmActions", a.AlarmActions}, {"OKActions", a.OKActions}, {"InsufficientDataActions", a.InsufficientDataActions}} {
		if len(l.actions) > maxActions {
			return tooMany(l.field, maxActions)
		}
		for i, arn := range l.actions {
			if err := checkARN(arn, fmt.Sprintf("%s.member.%d", l.field, i+1)); err != nil {
				return err
			}
		}
	}
	return nil
}

// validPeriod: CloudWatch alarms take 10, 20, 30 or a multiple of 60 seconds.
func validPeriod(p time.Duration, field string) error {
	s := int64(p / time.Second)
	if p <= 0 || p%time.Second != 0 || !(s == 10 || s == 20 || s == 30 || s%60 == 0) {
		return invalid("The value %v for parameter %s is invalid: 10, 20, 30 or a multiple of 60 seconds.", p.Seconds(), field)
	}
	return nil
}

func (a *Alarm) validateMetrics() error {
	if a.MetricName != "" || a.Namespace != "" || a.Statistic != "" || a.ExtendedStatistic != "" || len(a.Dimensions) > 0 || a.Period != 0 {
		return &apiErr{code: "InvalidParameterCombinationException", query: "InvalidParameterCombination", msg: "The parameters MetricName, Namespace, Statistic, ExtendedStatistic, Dimensions and Period cannot be specified with Metrics."}
	}
	returned := 0
	ids := map[string]bool{}
	for i, q := range a.Metrics {
		field := fmt.Sprintf("Metrics.member.%d", i+1)
		if !validID(q.ID) || ids[q.ID] {
			return invalid("The value %q for parameter %s.Id is invalid or duplicated.", q.ID, field)
		}
		ids[q.ID] = true
		if (q.MetricStat == nil) == (q.Expression == "") {
			return &apiErr{code: "InvalidParameterCombinationException", query: "InvalidParameterCombination", msg: fmt.Sprintf("%s: exactly one of MetricStat and Expression must be specified.", field)}
		}
		if q.MetricStat != nil {
			if err := validPeriod(q.MetricStat.Period, field+".MetricStat.Period"); err != nil {
				return err
			}
			if !ValidStat(q.MetricStat.Stat) {
				return invalid("The value %q for parameter %s.MetricStat.Stat is invalid.", q.MetricStat.Stat, field)
			}
		}
		if q.ReturnData {
			returned++
		}
	}
	if returned != 1 {
		return invalid("Exactly one element of the Metrics array must have ReturnData set to true (%d have).", returned)
	}
	return checkEvaluationRange(a.period(), a.EvaluationPeriods)
}

// period is the length of one evaluated datapoint: the alarm's Period, or for metric math the
// returned query's (its MetricStat's, its own Period, else the longest of its inputs').
func (a *Alarm) period() time.Duration {
	if len(a.Metrics) == 0 {
		return a.Period
	}
	var longest time.Duration
	for _, q := range a.Metrics {
		if q.MetricStat != nil {
			longest = max(longest, q.MetricStat.Period)
		}
	}
	for _, q := range a.Metrics {
		if !q.ReturnData {
			continue
		}
		switch {
		case q.MetricStat != nil:
			return q.MetricStat.Period
		case q.Period > 0:
			return q.Period
		}
	}
	return longest
}

// queries are the GetMetricData queries that give the alarm's datapoints.
func (a *Alarm) queries() []Query {
	if len(a.Metrics) > 0 {
		return append([]Query(nil), a.Metrics...)
	}
	stat := a.Statistic
	if stat == "" {
		stat = a.ExtendedStatistic
	}
	return []Query{{ID: "alarm", ReturnData: true, MetricStat: &MetricStat{Namespace: a.Namespace, Name: a.MetricName,
		Dimensions: a.Dimensions, Period: a.Period, Stat: stat, Unit: a.Unit}}}
}

// PutAlarm creates or replaces the metric alarm a.Name, as PutMetricAlarm does (and as a
// template's AWS::CloudWatch::Alarm is deployed): a new alarm starts in INSUFFICIENT_DATA; a
// replaced one keeps its state until the next evaluation. The error is the API's (a missing or
// invalid parameter).
func (s *Store) PutAlarm(a Alarm) error {
	if err := a.validate(); err != nil {
		return err
	}
	a.Dimensions = copyMap(a.Dimensions)
	a.Metrics = append([]Query(nil), a.Metrics...)
	now := s.now()
	b := &s.alarms
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[string]*alarmRecord{}
	}
	if r, ok := b.m[a.Name]; ok {
		s.catchUp(r, now) // the evaluations until now were the old configuration's
		old := r.cfg
		r.cfg, r.configUpdated = a, now
		b.recordConfig(&old, &r.cfg, false, now)
		return nil
	}
	b.m[a.Name] = &alarmRecord{cfg: a, configUpdated: now, evaluatedAt: now, status: AlarmStatus{
		ARN: AlarmARN(a.Name), Value: StateInsufficientData, Reason: "Unchecked: Initial alarm creation", UpdatedAt: now}}
	b.recordConfig(nil, &a, false, now)
	return nil
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// DeleteAlarms deletes the named alarms that exist. A name that does not is skipped, not an
// error: DeleteAlarms' documentation says "If you specify any incorrect alarm names, the alarms you
// specify with correct names are still deleted", and AWS answers such a call with success (its
// ResourceNotFound is not returned for an unknown name: CloudFormation's alarm handler checks
// existence itself for that reason, aws-cloudformation/cloudformation-cli#456). The error is
// always nil; it is there for the deployer's interface.
func (s *Store) DeleteAlarms(names ...string) error {
	b := &s.alarms
	b.mu.Lock()
	defer b.mu.Unlock()
	now := s.now()
	for _, n := range names {
		if r, ok := b.m[n]; ok {
			s.catchUp(r, now) // its history until now
			delete(b.m, n)
			b.recordConfig(nil, &r.cfg, true, now)
		}
	}
	return nil
}

// SetActionsEnabled sets the named alarms' ActionsEnabled, as EnableAlarmActions and
// DisableAlarmActions do; a name that does not exist is skipped, as DeleteAlarms skips one. A
// change is a ConfigurationUpdate in the history.
func (s *Store) SetActionsEnabled(enabled bool, names ...string) {
	b := &s.alarms
	b.mu.Lock()
	defer b.mu.Unlock()
	now := s.now()
	for _, n := range names {
		r, ok := b.m[n]
		if !ok {
			continue
		}
		old := r.cfg
		if old.actionsEnabled() == enabled {
			continue // no change: no update, as in the history
		}
		r.cfg.ActionsEnabled = &enabled
		r.configUpdated = now
		b.recordConfig(&old, &r.cfg, false, now)
	}
}

// ErrNoSuchAlarm is SetAlarmState's error for an alarm that does not exist.
var ErrNoSuchAlarm = errors.New("no such alarm")

// SetAlarmState sets the alarm's state, reason and reason data until its next evaluation, as
// SetAlarmState does: "the alarm state returns to its actual state quickly, often within seconds"
// (its API reference), at the next evaluation time (a whole minute, or the alarm's shorter
// Period). The way to try an alarm's consumers (a guard that reads it) without its metric.
func (s *Store) SetAlarmState(name, state, reason, reasonData string) error {
	b := &s.alarms
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.m[name]
	if !ok {
		return ErrNoSuchAlarm
	}
	now := s.now()
	s.catchUp(r, now)
	step := r.cfg.evaluationStep()
	old := r.status
	r.status = AlarmStatus{ARN: r.status.ARN, Value: state, Reason: reason, ReasonData: reasonData, UpdatedAt: now}
	r.evaluatedAt, r.heldUntil = now, now.Truncate(step).Add(step)
	b.stateChanged(r, old, now) // its actions run too, as CloudWatch's SetAlarmState runs them
	return nil
}

// Alarm evaluates the alarm name up to now and returns its state.
func (s *Store) Alarm(name string) (AlarmStatus, bool) {
	b := &s.alarms
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.m[name]
	if !ok {
		return AlarmStatus{}, false
	}
	s.catchUp(r, s.now())
	return r.status, true
}

// AlarmNames lists the stored alarms, sorted.
func (s *Store) AlarmNames() []string {
	b := &s.alarms
	b.mu.Lock()
	defer b.mu.Unlock()
	names := make([]string, 0, len(b.m))
	for n := range b.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// actionsEnabled is ActionsEnabled, true when not given.
func (a *Alarm) actionsEnabled() bool { return a.ActionsEnabled == nil || *a.ActionsEnabled }

// evaluationStep is how often the alarm is evaluated: every minute, or every Period when that is
// shorter.
func (a *Alarm) evaluationStep() time.Duration {
	if step := min(a.period(), time.Minute); step > 0 {
		return step
	}
	return time.Minute
}

// maxCatchUp bounds the evaluations a read replays (a day of minutes).
const maxCatchUp = 1440

// catchUp evaluates r at every evaluation time since its last evaluation (the multiples of a
// minute, or of a shorter Period), each over the complete periods that end there, then at now
// over the periods that end now. The caller holds the book's lock.
func (s *Store) catchUp(r *alarmRecord, now time.Time) {
	if now.Before(r.heldUntil) {
		return // a state SetAlarmState set holds until the next evaluation
	}
	step := r.cfg.evaluationStep()
	t := r.evaluatedAt.Truncate(step).Add(step)
	if oldest := now.Add(-maxCatchUp * step).Truncate(step); t.Before(oldest) {
		t = oldest
	}
	for ; t.Before(now); t = t.Add(step) {
		s.evaluate(r, t)
	}
	s.evaluate(r, now)
}

// evaluate sets r's state from the datapoints of the evaluation range that ends at t.
func (s *Store) evaluate(r *alarmRecord, t time.Time) {
	a := &r.cfg
	r.evaluatedAt = t
	p := a.period()
	n := a.EvaluationPeriods
	start := t.Add(-time.Duration(n) * p)
	res, err := s.GetMetricData(a.queries(), start, t, false)
	if err != nil {
		// A metric-math expression that cannot be evaluated: CloudWatch reports it in the state.
		s.transition(r, t, StateInsufficientData, "Insufficient Data: the alarm's metrics could not be evaluated: "+err.Error(), nil, start)
		return
	}
	// One slot per period, oldest first; nil is missing.
	slots := make([]*float64, n)
	if len(res) > 0 {
		for i, ts := range res[0].Timestamps {
			k := int(ts.Sub(start) / p)
			if k >= 0 && k < n {
				v := res[0].Values[i]
				slots[k] = &v
			}
		}
	}
	treat := a.treatMissingData()
	cmp := comparisons[a.ComparisonOperator]
	breaching, present := 0, 0
	for _, v := range slots {
		switch {
		case v != nil:
			present++
			if cmp.breach(*v, a.Threshold) {
				breaching++
			}
		case treat == "breaching":
			breaching++
		}
	}
	var state, reason string
	switch {
	case breaching >= a.DatapointsToAlarm:
		state = StateAlarm
		reason = fmt.Sprintf("Threshold Crossed: %d out of the last %d datapoints %s was %s the threshold (%s) (minimum %d datapoint%s for OK -> ALARM transition).",
			breaching, n, describeSlots(slots, start, p), cmp.words, formatValue(a.Threshold), a.DatapointsToAlarm, plural(a.DatapointsToAlarm))
	case present == 0 && treat == "ignore":
		return
	case present == 0 && treat == "missing":
		state = StateInsufficientData
		reason = fmt.Sprintf("Insufficient Data: %d datapoint%s %s unknown.", n, plural(n), map[bool]string{true: "was", false: "were"}[n == 1])
	default:
		state = StateOK
		reason = fmt.Sprintf("Threshold Crossed: %d datapoint%s %s %s not %s the threshold (%s).",
			present, plural(present), describeSlots(slots, start, p), map[bool]string{true: "was", false: "were"}[present == 1], cmp.words, formatValue(a.Threshold))
	}
	s.transition(r, t, state, reason, slots, start)
}

// treatMissingData is how the alarm's evaluation treats a missing datapoint: as TreatMissingData
// says, but "Alarms that evaluate metrics in the AWS/DynamoDB namespace always ignore missing data
// even if you choose a different option for TreatMissingData" (PutMetricAlarm's TreatMissingData).
func (a *Alarm) treatMissingData() string {
	for _, q := range a.queries() {
		if q.MetricStat != nil && q.MetricStat.Namespace == "AWS/DynamoDB" {
			return "ignore"
		}
	}
	return a.TreatMissingData
}

// transition records a state change (the reason and timestamps change only when the state does).
func (s *Store) transition(r *alarmRecord, t time.Time, state, reason string, slots []*float64, start time.Time) {
	if r.status.Value == state {
		return
	}
	a := &r.cfg
	recent := []float64{}
	for i := len(slots) - 1; i >= 0; i-- {
		if slots[i] != nil {
			recent = append(recent, *slots[i])
		}
	}
	stat := a.Statistic
	if stat == "" {
		stat = a.ExtendedStatistic
	}
	data, _ := json.Marshal(map[string]any{
		"version": "1.0", "queryDate": t.UTC().Format("2006-01-02T15:04:05.000+0000"),
		"startDate": start.UTC().Format("2006-01-02T15:04:05.000+0000"), "statistic": stat,
		"period": int64(a.period() / time.Second), "recentDatapoints": recent, "threshold": a.Threshold,
	})
	old := r.status
	r.status = AlarmStatus{ARN: r.status.ARN, Value: state, Reason: reason, ReasonData: string(data), UpdatedAt: t}
	s.alarms.stateChanged(r, old, t)
}

// describeSlots is the reason's datapoint list, newest first: [12.0 (07/06/24 10:01:00), ...].
func describeSlots(slots []*float64, start time.Time, p time.Duration) string {
	var parts []string
	for i := len(slots) - 1; i >= 0; i-- {
		if slots[i] != nil {
			at := start.Add(time.Duration(i) * p).UTC()
			parts = append(parts, fmt.Sprintf("%s (%s)", formatValue(*slots[i]), at.Format("02/01/06 15:04:05")))
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// formatValue writes a number as CloudWatch's reasons do (one decimal at least: 5.0, 12.25).
func formatValue(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return fmt.Sprintf("%.1f", f)
	}
	return fmt.Sprint(f)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
