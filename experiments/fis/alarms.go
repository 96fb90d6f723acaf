package fis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
)

// Alarm is a CloudWatch alarm as DescribeAlarms returns it (the members this package reads).
// ParseAlarms reads `aws cloudwatch describe-alarms` output, or the SDK's DescribeAlarmsOutput
// marshalled with encoding/json: both use the API's member names.
type Alarm struct {
	AlarmName          string                        `json:"AlarmName"`
	AlarmArn           string                        `json:"AlarmArn"`
	Namespace          string                        `json:"Namespace"`
	MetricName         string                        `json:"MetricName"`
	Dimensions         []experiments.Dimension       `json:"Dimensions"`
	Statistic          string                        `json:"Statistic"`
	ExtendedStatistic  string                        `json:"ExtendedStatistic"`
	Period             int                           `json:"Period"`
	Unit               string                        `json:"Unit"`
	EvaluationPeriods  int                           `json:"EvaluationPeriods"`
	DatapointsToAlarm  int                           `json:"DatapointsToAlarm"`
	Threshold          *float64                      `json:"Threshold"`
	ComparisonOperator string                        `json:"ComparisonOperator"`
	TreatMissingData   string                        `json:"TreatMissingData"`
	Metrics            []experiments.MetricDataQuery `json:"Metrics"`
	ThresholdMetricID  string                        `json:"ThresholdMetricId"`
	StateValue         string                        `json:"StateValue"`
	// Composite is set for an entry of CompositeAlarms.
	Composite bool `json:"-"`
}

// ParseAlarms reads a DescribeAlarms answer: {"MetricAlarms": [...], "CompositeAlarms": [...]}
// (the aws CLI's output; json.Marshal of the SDK's *cloudwatch.DescribeAlarmsOutput) or a bare
// list of metric alarms.
func ParseAlarms(data []byte) ([]Alarm, error) {
	data = bytes.TrimSpace(data)
	var list []Alarm
	if len(data) > 0 && data[0] == '[' {
		if err := json.Unmarshal(data, &list); err != nil {
			return nil, fmt.Errorf("parse alarms: %w", err)
		}
		return list, nil
	}
	var out struct {
		MetricAlarms    []Alarm `json:"MetricAlarms"`
		CompositeAlarms []struct {
			AlarmName  string `json:"AlarmName"`
			AlarmArn   string `json:"AlarmArn"`
			StateValue string `json:"StateValue"`
		} `json:"CompositeAlarms"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("parse alarms: want DescribeAlarms' answer ({\"MetricAlarms\": [...]}): %w", err)
	}
	for _, c := range out.CompositeAlarms {
		out.MetricAlarms = append(out.MetricAlarms, Alarm{AlarmName: c.AlarmName, AlarmArn: c.AlarmArn, StateValue: c.StateValue, Composite: true})
	}
	return out.MetricAlarms, nil
}

// stopAlarm is an alarm a stop condition names, and where.
type stopAlarm struct {
	name, arn, path string
}

// alarmName reads the alarm name of a CloudWatch alarm ARN
// (arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>; the name may hold colons).
func alarmName(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "cloudwatch" || parts[5] != "alarm" || parts[6] == "" {
		return "", false
	}
	return parts[6], true
}

// AlarmNames lists the alarms the template's stop conditions name, for DescribeAlarms'
// AlarmNames (the answer goes to CheckAlarms and Options.Alarms).
func AlarmNames(template []byte) ([]string, error) {
	t, err := parseTemplate(template)
	if err != nil {
		return nil, err
	}
	var names []string
	seen := map[string]bool{}
	for _, a := range t.stopAlarms() {
		if !seen[a.name] {
			seen[a.name] = true
			names = append(names, a.name)
		}
	}
	return names, nil
}

// CheckAlarms reports every alarm a stop condition names that is not among alarms (a
// DescribeAlarms answer, ParseAlarms), at the stop condition's path: an imported template whose
// stop condition is missing would run without the stop its author meant.
func CheckAlarms(template []byte, alarms []Alarm) ([]Problem, error) {
	t, err := parseTemplate(template)
	if err != nil {
		return nil, err
	}
	var ps []Problem
	for _, sa := range t.stopAlarms() {
		if findAlarm(alarms, sa.name) == nil {
			ps = append(ps, Problem{Path: sa.path, Reason: fmt.Sprintf("alarm %q does not exist (DescribeAlarms did not return it)", sa.name)})
		}
	}
	return ps, nil
}

func findAlarm(alarms []Alarm, name string) *Alarm {
	for i := range alarms {
		if alarms[i].AlarmName == name {
			return &alarms[i]
		}
	}
	return nil
}

// okRange is the values an alarm's comparison does not breach, as an inclusive [lo, hi]; the
// strict comparisons take the next float below or above the threshold.
func okRange(op string, threshold float64) (lo, hi float64, ok bool) {
	switch op {
	case "GreaterThanThreshold":
		return -math.MaxFloat64, threshold, true
	case "GreaterThanOrEqualToThreshold":
		return -math.MaxFloat64, math.Nextafter(threshold, math.Inf(-1)), true
	case "LessThanThreshold":
		return threshold, math.MaxFloat64, true
	case "LessThanOrEqualToThreshold":
		return math.Nextafter(threshold, math.Inf(1)), math.MaxFloat64, true
	}
	return 0, 0, false
}

// alarmProbe translates an alarm into a hypothesis probe over the alarm's own metric (or metric
// math) and threshold: our native chaoslab.cloudwatch.metric_data provider, whose value deviates
// exactly when it would breach the alarm's comparison.
func alarmProbe(a *Alarm, name, p string) (experiments.Activity, []Problem) {
	var ps []Problem
	fail := func(format string, args ...any) {
		ps = append(ps, Problem{Path: p, Reason: fmt.Sprintf("alarm %q: ", a.AlarmName) + fmt.Sprintf(format, args...)})
	}
	if a.Composite {
		fail("a composite alarm is not translated (the lab's probes read metrics): name one of its metric alarms")
		return experiments.Activity{}, ps
	}
	if a.ThresholdMetricID != "" {
		fail("an anomaly-detection band (ThresholdMetricId) is not translated")
	}
	if a.Threshold == nil {
		fail("no Threshold")
		return experiments.Activity{}, ps
	}
	lo, hi, ok := okRange(a.ComparisonOperator, *a.Threshold)
	if !ok {
		fail("comparison %q is not translated (GreaterThanThreshold, GreaterThanOrEqualToThreshold, LessThanThreshold, LessThanOrEqualToThreshold)", a.ComparisonOperator)
	}
	less := strings.HasPrefix(a.ComparisonOperator, "Less")
	evals := max(a.EvaluationPeriods, 1)
	var queries []experiments.MetricDataQuery
	period := a.Period
	if len(a.Metrics) > 0 {
		queries = a.Metrics
		for _, q := range a.Metrics {
			if q.MetricStat != nil {
				period = max(period, q.MetricStat.Period)
			}
		}
	} else {
		stat := a.Statistic
		if stat == "" {
			stat = a.ExtendedStatistic
		}
		if a.Namespace == "" || a.MetricName == "" || stat == "" || a.Period <= 0 {
			fail("want a metric alarm with Namespace, MetricName, Statistic (or ExtendedStatistic) and Period, or Metrics")
			return experiments.Activity{}, ps
		}
		// The probe aggregates the statistic over the whole observed window (the guard's grows
		// from the fault's write): a total (Sum, SampleCount) only grows with it, which makes a
		// Greater* comparison stricter than the alarm (it may stop earlier, never later) but a
		// Less* one laxer: such a guard could miss the stop the alarm would make.
		if less && (stat == "Sum" || stat == "SampleCount") {
			fail("a %s compared with %s is not translated: the lab's probe totals the statistic over its whole window, so it would breach later than the alarm (if at all)", stat, a.ComparisonOperator)
		}
		t := true
		queries = []experiments.MetricDataQuery{{Id: "m1", ReturnData: &t, MetricStat: &experiments.MetricStat{
			Metric: experiments.Metric{Namespace: a.Namespace, MetricName: a.MetricName, Dimensions: a.Dimensions},
			Period: a.Period, Stat: stat, Unit: a.Unit}}}
	}
	if period <= 0 {
		fail("no Period in its metrics")
	}
	noData := experiments.NoDataZero
	switch a.TreatMissingData {
	case "breaching":
		noData = experiments.NoDataFail
	case "", "missing", "notBreaching", "ignore":
		// Missing data never puts the alarm in ALARM: the probe counts it as 0 (what chaosaws
		// does), which must then be inside the range.
		if ok && (0 < lo || 0 > hi) {
			fail("with no data the probe counts 0, which %s the threshold %v, while the alarm (TreatMissingData %q) does not go to ALARM without data: set TreatMissingData to breaching if no data should stop the experiment",
				a.ComparisonOperator, *a.Threshold, cmpOr(a.TreatMissingData, "missing"))
		}
	default:
		fail("TreatMissingData %q is not translated", a.TreatMissingData)
	}
	args := map[string]any{"metric_data_queries": queries, "duration": period * evals, "no_data": noData}
	rawArgs, err := json.Marshal(args)
	if err != nil {
		fail("%v", err)
	}
	tol, _ := json.Marshal(map[string]any{"type": "range", "range": []float64{lo, hi}})
	return experiments.Activity{Type: "probe", Name: name, Tolerance: tol, Provider: &experiments.Provider{
		Type: "python", Module: "chaoslab.cloudwatch", Func: "metric_data", Arguments: rawArgs}}, ps
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// sortedKeys lists a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
